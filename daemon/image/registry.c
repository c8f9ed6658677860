/* The registry client: one repository, its transport and its auth. */
#include "daemon/image/registry.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define ERR_MAX     (64u << 10) /* of an error reply's body */
#define USER_AGENT  "minidock/0.1 (registry client)"
#define CONNECT_TMO 30L
#define STALL_TMO   60L /* seconds under 1 byte/s before a transfer is given up */

struct registry {
    char *domain; /* as the reference names it */
    char *host;   /* where to connect: "registry-1.docker.io", "127.0.0.1:5000" */
    char *base;   /* "https://registry-1.docker.io" */
    char *path;   /* "library/busybox" */
    char *scope;  /* "repository:library/busybox:pull" */
    char *ca, *cert, *key;
    struct reg_auth auth;
    char *authz; /* "Authorization: ..." once known */
    struct reg_error last;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static char **insecure;
static const char *certs_dir = "/etc/minidock/certs.d";

static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void registry_configure(char **insecure_list, const char *certs)
{
    insecure = insecure_list;
    if (certs && *certs)
        certs_dir = certs;
}

void reg_auth_free(struct reg_auth *a)
{
    free(a->username);
    free(a->password);
    free(a->registrytoken);
    *a = (struct reg_auth){0};
}

static char *dup_nonempty(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

int reg_auth_decode(const char *hdr, struct reg_auth *out, struct md_error *err)
{
    *out = (struct reg_auth){0};
    if (!hdr || !*hdr)
        return 0;
    size_t n;
    _cleanup_free_ char *raw = base64_decode(hdr, &n);
    _cleanup_json_ json_t *j = raw ? json_loadb(raw, n, 0, NULL) : NULL;
    if (!json_is_object(j))
        return md_err(err, MD_EINVAL, "invalid X-Registry-Auth header: not base64url JSON");
    out->username = dup_nonempty(json_str(j, "username"));
    out->password = dup_nonempty(json_str(j, "password"));
    out->registrytoken = dup_nonempty(json_str(j, "registrytoken"));
    if (!out->registrytoken)
        out->registrytoken = dup_nonempty(json_str(j, "identitytoken"));
    return 0;
}

/* ---- where the registry is ---- */

/* The host part of "host:port", "[v6]:port", "host". */
static char *domain_host(const char *d)
{
    if (*d == '[') {
        const char *e = strchr(d, ']');
        return e ? xstrndup(d + 1, (size_t)(e - d - 1)) : xstrdup(d);
    }
    const char *c = strchr(d, ':');
    return c ? xstrndup(d, (size_t)(c - d)) : xstrdup(d);
}

static bool in_cidr(const char *host, const char *cidr)
{
    const char *slash = strchr(cidr, '/');
    struct in_addr a, net;
    if (!slash || inet_pton(AF_INET, host, &a) != 1)
        return false;
    _cleanup_free_ char *ip = xstrndup(cidr, (size_t)(slash - cidr));
    int bits = atoi(slash + 1);
    if (inet_pton(AF_INET, ip, &net) != 1 || bits < 0 || bits > 32)
        return false;
    uint32_t mask = bits ? htonl(~0u << (32 - bits)) : 0;
    return (a.s_addr & mask) == (net.s_addr & mask);
}

/* Docker's isSecureIndex: loopback (127.0.0.0/8, ::1, localhost) and the
 * --insecure-registry entries speak plain HTTP; everything else TLS. */
static bool plain_http(const char *domain)
{
    _cleanup_free_ char *h = domain_host(domain);
    if (!strcmp(h, "localhost") || !strcmp(h, "::1") || in_cidr(h, "127.0.0.0/8"))
        return true;
    for (char **i = insecure; i && *i; i++)
        if (!strcmp(*i, domain) || !strcmp(*i, h) || in_cidr(h, *i))
            return true;
    return false;
}

static char *file_if_there(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

char *registry_domain_of(const char *server)
{
    if (!server || !*server)
        return xstrdup("docker.io");
    const char *s = strstr(server, "://");
    s = s ? s + 3 : server;
    char *d = xstrndup(s, strcspn(s, "/"));
    if (!strcmp(d, "index.docker.io") || !strcmp(d, "registry-1.docker.io")) {
        free(d);
        d = xstrdup("docker.io");
    }
    return d;
}

struct registry *registry_new(const char *domain, const char *path, const char *actions,
                              const struct reg_auth *auth)
{
    pthread_once(&curl_once, curl_init);
    struct registry *r = xcalloc(1, sizeof *r);
    r->domain = xstrdup(domain);
    /* docker.io is the index's name; its API lives on registry-1 */
    r->host = xstrdup(!strcmp(domain, "docker.io") ? "registry-1.docker.io" : domain);
    _cleanup_free_ char *certs = xasprintf("%s/%s", certs_dir, r->host);
    r->ca = file_if_there(certs, "ca.crt");
    r->cert = file_if_there(certs, "client.cert");
    r->key = file_if_there(certs, "client.key");
    bool tls = r->ca || r->cert || !plain_http(domain);
    r->base = xasprintf("%s://%s", tls ? "https" : "http", r->host);
    r->path = xstrdup(path);
    r->scope = *path ? xasprintf("repository:%s:%s", path, actions) : NULL;
    if (auth) {
        r->auth.username = auth->username ? xstrdup(auth->username) : NULL;
        r->auth.password = auth->password ? xstrdup(auth->password) : NULL;
        r->auth.registrytoken = auth->registrytoken ? xstrdup(auth->registrytoken) : NULL;
    }
    return r;
}

void registry_free(struct registry *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->host);
    free(r->base);
    free(r->path);
    free(r->scope);
    free(r->ca);
    free(r->cert);
    free(r->key);
    reg_auth_free(&r->auth);
    free(r->authz);
    free(r->last.message);
    free(r);
}

const char *registry_host(const struct registry *r)
{
    return r->host;
}

const struct reg_error *registry_last_error(const struct registry *r)
{
    return &r->last;
}

void reg_resp_free(struct reg_resp *x)
{
    free(x->content_type);
    free(x->digest);
    free(x->location);
    free(x->body);
    *x = (struct reg_resp){0};
}

/* ---- one request ---- */

struct xfer {
    struct reg_resp *resp;
    char *www; /* WWW-Authenticate */
    size_t max;
    bool too_big;
};

static char *trimmed(const char *p, size_t n)
{
    while (n && isspace((unsigned char)*p))
        p++, n--;
    while (n && isspace((unsigned char)p[n - 1]))
        n--;
    return xstrndup(p, n);
}

static bool header_is(const char *line, size_t n, const char *name, const char **val, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    *val = line + k + 1;
    *vn = n - k - 1;
    return true;
}

static void set_str(char **dst, char *s)
{
    free(*dst);
    *dst = s;
}

static size_t xfer_header(char *line, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm;
    const char *v;
    size_t vn;
    if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
        /* a new response (after a redirect): forget the last one's headers */
        set_str(&x->resp->content_type, NULL);
        set_str(&x->resp->digest, NULL);
        set_str(&x->resp->location, NULL);
        set_str(&x->www, NULL);
    } else if (header_is(line, n, "Content-Type", &v, &vn)) {
        set_str(&x->resp->content_type, trimmed(v, vn));
        char *semi = strchr(x->resp->content_type, ';');
        if (semi)
            *semi = '\0';
    } else if (header_is(line, n, "Docker-Content-Digest", &v, &vn)) {
        set_str(&x->resp->digest, trimmed(v, vn));
    } else if (header_is(line, n, "Location", &v, &vn)) {
        set_str(&x->resp->location, trimmed(v, vn));
    } else if (header_is(line, n, "WWW-Authenticate", &v, &vn)) {
        set_str(&x->www, trimmed(v, vn));
    }
    return n;
}

static size_t xfer_body(char *p, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm;
    if (x->resp->len + n > x->max) {
        x->too_big = true;
        return 0;
    }
    x->resp->body = xrealloc(x->resp->body, x->resp->len + n + 1);
    memcpy(x->resp->body + x->resp->len, p, n);
    x->resp->len += n;
    x->resp->body[x->resp->len] = '\0';
    return n;
}

/* Go's http client names the method this way in its errors. */
static const char *go_method(const char *m)
{
    return !strcmp(m, "HEAD")   ? "Head"
           : !strcmp(m, "POST") ? "Post"
           : !strcmp(m, "PUT")  ? "Put"
                                : "Get";
}

/* A failed transfer in the words of Go's net/http, which docker prints:
 * "dial tcp 127.0.0.1:5000: connect: connection refused", not curl's
 * text with its timing in it. */
static char *transport_error(CURL *c, CURLcode rc, const char *ebuf)
{
    long oserr = 0;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
    if (rc == CURLE_COULDNT_CONNECT && oserr) {
        /* the address it dialled: the URL's (curl has no primary IP for a
         * connection that never came up) */
        char *eff = NULL, *host = NULL, *port = NULL;
        curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
        CURLU *u = curl_url();
        if (eff && curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK) {
            curl_url_get(u, CURLUPART_HOST, &host, 0);
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
        }
        curl_url_cleanup(u);
        char msg[128];
        snprintf(msg, sizeof msg, "%s", strerror((int)oserr));
        msg[0] = (char)tolower((unsigned char)msg[0]);
        char *out =
            xasprintf("dial tcp %s:%s: connect: %s", host ? host : "", port ? port : "", msg);
        curl_free(host);
        curl_free(port);
        return out;
    }
    if (rc == CURLE_COULDNT_RESOLVE_HOST)
        return xasprintf("dial tcp: lookup: %s", *ebuf ? ebuf : "no such host");
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE)
        return xasprintf("tls: failed to verify certificate: x509: %s",
                         *ebuf ? ebuf : curl_easy_strerror(rc));
    return xstrdup(*ebuf ? ebuf : curl_easy_strerror(rc));
}

static CURL *easy_for(struct registry *r, const char *url, struct curl_slist *hdrs)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    /* Authorization stays with the registry: curl drops it on a redirect
     * to another host (the blob storage) unless told otherwise. */
    curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TMO);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_TMO);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (r->ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, r->ca);
    if (r->cert)
        curl_easy_setopt(c, CURLOPT_SSLCERT, r->cert);
    if (r->key)
        curl_easy_setopt(c, CURLOPT_SSLKEY, r->key);
    return c;
}

static struct curl_slist *headers_for(struct registry *r, const char *accept, const char *authz)
{
    struct curl_slist *h = NULL;
    if (accept) {
        _cleanup_free_ char *a = xasprintf("Accept: %s", accept);
        h = curl_slist_append(h, a);
    }
    if (authz)
        h = curl_slist_append(h, authz);
    else if (r->authz)
        h = curl_slist_append(h, r->authz);
    return h;
}

/* One request, no auth dance. *www gets the challenge of a 401. */
static size_t body_fd_read(char *buf, size_t sz, size_t nm, void *ud)
{
    const struct reg_body *b = ud;
    ssize_t n = read(b->fd, buf, sz * nm);
    return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static int body_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    const struct reg_body *b = ud;
    return b->progress(b->pctx, (int64_t)ulnow, b->fd >= 0 ? b->size : (int64_t)ultotal) < 0;
}

/* The request's body: from memory, or the whole of an fd (rewound, so a
 * retry after a 401 sends it again). */
static int set_body(CURL *c, const char *method, const struct reg_body *b, struct md_error *err)
{
    if (!b) {
        if (!strcmp(method, "POST")) {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
        } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }
        return 0;
    }
    if (b->fd >= 0) {
        if (lseek(b->fd, 0, SEEK_SET) < 0)
            return md_errno(err, errno, "rewind the upload");
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)b->size);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, body_fd_read);
        curl_easy_setopt(c, CURLOPT_READDATA, b);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (b->progress) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, body_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, b);
    }
    return 0;
}

static int request(struct registry *r, const char *method, const char *url, const char *accept,
                   const struct reg_body *body, const char *authz, size_t max, struct reg_resp *out,
                   char **www, struct md_error *err)
{
    *out = (struct reg_resp){0};
    struct xfer x = {.resp = out, .max = max};
    struct curl_slist *hdrs = headers_for(r, accept, authz);
    if (body && body->content_type) {
        _cleanup_free_ char *ct = xasprintf("Content-Type: %s", body->content_type);
        hdrs = curl_slist_append(hdrs, ct);
    }
    CURL *c = easy_for(r, url, hdrs);
    if (!c) {
        curl_slist_free_all(hdrs);
        return md_err(err, MD_EINTERNAL, "curl_easy_init failed");
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, xfer_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, xfer_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (set_body(c, method, body, err) < 0) {
        curl_easy_cleanup(c);
        curl_slist_free_all(hdrs);
        return -1;
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    _cleanup_free_ char *why = rc != CURLE_OK ? transport_error(c, rc, ebuf) : NULL;
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    if (www)
        *www = x.www;
    else
        free(x.www);
    if (x.too_big)
        return md_err(err, MD_EINVAL, "%s \"%s\": reply larger than %zu bytes", go_method(method),
                      url, max);
    if (rc != CURLE_OK)
        return md_err(err, MD_EINTERNAL, "%s \"%s\": %s", go_method(method), url, why);
    return 0;
}

/* errcode.Error's text: "manifest unknown: manifest unknown". */
static void keep_error(struct registry *r, const char *method, const char *url,
                       const struct reg_resp *x, struct md_error *err)
{
    free(r->last.message);
    r->last = (struct reg_error){.status = x->status};
    _cleanup_json_ json_t *j = x->body ? json_loadb(x->body, x->len, 0, NULL) : NULL;
    json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
    const char *code = json_str(e0, "code"), *msg = json_str(e0, "message");
    int md = x->status == 404                       ? MD_ENOTFOUND
             : x->status == 401 || x->status == 403 ? MD_EUNAUTHORIZED
                                                    : MD_EINTERNAL;
    if (code) {
        snprintf(r->last.code, sizeof r->last.code, "%s", code);
        char lower[64];
        size_t i;
        for (i = 0; code[i] && i + 1 < sizeof lower; i++)
            lower[i] = code[i] == '_' ? ' ' : (char)tolower((unsigned char)code[i]);
        lower[i] = '\0';
        r->last.message = xasprintf("%s: %s", lower, msg ? msg : "");
    } else if (x->status == 401) {
        r->last.message = xstrdup("unauthorized: authentication required");
    } else {
        r->last.message =
            xasprintf("%s \"%s\": unexpected status %ld", go_method(method), url, x->status);
    }
    md_err(err, md, "%s", r->last.message);
}

/* ---- auth ---- */

/* The value of key in a challenge's parameters (key="value", ...). */
static char *challenge_param(const char *h, const char *key)
{
    size_t kn = strlen(key);
    const char *p = h;
    while ((p = strcasestr(p, key))) {
        bool start = p == h || p[-1] == ' ' || p[-1] == ',';
        const char *q = p + kn;
        if (!start || *q != '=') {
            p = q;
            continue;
        }
        q++;
        if (*q == '"') {
            const char *e = strchr(q + 1, '"');
            return e ? xstrndup(q + 1, (size_t)(e - q - 1)) : NULL;
        }
        size_t n = strcspn(q, ", ");
        return xstrndup(q, n);
    }
    return NULL;
}

static char *basic_header(const struct reg_auth *a)
{
    _cleanup_free_ char *up = xasprintf("%s:%s", a->username, a->password ? a->password : "");
    _cleanup_free_ char *b = base64_encode(up, strlen(up));
    return xasprintf("Authorization: Basic %s", b);
}

static char *escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = xstrdup(e ? e : "");
    curl_free(e);
    return out;
}

/* Answer the challenge of a 401: a token from the realm, or Basic. */
static int authenticate(struct registry *r, const char *www, const char *method, const char *what,
                        struct md_error *err)
{
    if (!strncasecmp(www, "Basic", 5)) {
        if (!r->auth.username)
            return md_err(err, MD_EUNAUTHORIZED, "%s \"%s\": no basic auth credentials",
                          go_method(method), what);
        set_str(&r->authz, basic_header(&r->auth));
        return 0;
    }
    if (strncasecmp(www, "Bearer", 6) != 0)
        return md_err(err, MD_EUNAUTHORIZED, "unsupported authentication challenge: %s", www);
    if (r->auth.registrytoken) {
        set_str(&r->authz, xasprintf("Authorization: Bearer %s", r->auth.registrytoken));
        return 0;
    }
    _cleanup_free_ char *realm = challenge_param(www, "realm");
    _cleanup_free_ char *service = challenge_param(www, "service");
    if (!realm || strncmp(realm, "http", 4) != 0)
        return md_err(err, MD_EUNAUTHORIZED, "bad authentication challenge: %s", www);
    _cleanup_free_ char *es = escape(service ? service : "");
    _cleanup_free_ char *esc = r->scope ? escape(r->scope) : NULL;
    _cleanup_free_ char *url =
        xasprintf("%s%sservice=%s%s%s", realm, strchr(realm, '?') ? "&" : "?", es,
                  esc ? "&scope=" : "", esc ? esc : "");
    _cleanup_free_ char *basic = r->auth.username ? basic_header(&r->auth) : NULL;
    struct reg_resp x;
    if (request(r, "GET", url, "application/json", NULL, basic, 1u << 20, &x, NULL, err) < 0) {
        reg_resp_free(&x);
        return -1;
    }
    if (x.status / 100 != 2) {
        keep_error(r, "GET", url, &x, err);
        reg_resp_free(&x);
        return -1;
    }
    _cleanup_json_ json_t *j = json_loadb(x.body ? x.body : "", x.len, 0, NULL);
    reg_resp_free(&x);
    const char *tok = json_str(j, "token");
    if (!tok || !*tok)
        tok = json_str(j, "access_token");
    if (!tok || !*tok)
        return md_err(err, MD_EUNAUTHORIZED, "the token server %s sent no token", realm);
    set_str(&r->authz, xasprintf("Authorization: Bearer %s", tok));
    return 0;
}

int registry_send(struct registry *r, const char *method, const char *path, const char *accept,
                  const struct reg_body *body, size_t max, struct reg_resp *out,
                  struct md_error *err)
{
    _cleanup_free_ char *url = !strncmp(path, "http://", 7) || !strncmp(path, "https://", 8)
                                   ? xstrdup(path)
                                   : xasprintf("%s%s", r->base, path);
    for (int attempt = 0;; attempt++) {
        _cleanup_free_ char *www = NULL;
        if (request(r, method, url, accept, body, NULL, max, out, &www, err) < 0) {
            reg_resp_free(out);
            return -1;
        }
        if (out->status / 100 == 2)
            return 0;
        if (out->status == 401 && www && attempt == 0) {
            reg_resp_free(out);
            if (authenticate(r, www, method, url, err) < 0)
                return -1;
            continue;
        }
        keep_error(r, method, url, out, err);
        reg_resp_free(out);
        return -1;
    }
}

int registry_get(struct registry *r, const char *method, const char *path, const char *accept,
                 size_t max, struct reg_resp *out, struct md_error *err)
{
    return registry_send(r, method, path, accept, NULL, max, out, err);
}

int registry_login(struct registry *r, struct md_error *err)
{
    struct reg_resp x;
    if (registry_get(r, "GET", "/v2/", "application/json", ERR_MAX, &x, err) < 0) {
        if (err->err == MD_EUNAUTHORIZED)
            md_err(err, MD_EUNAUTHORIZED, "login attempt to %s/v2/ failed with status: %ld %s",
                   r->base, r->last.status ? r->last.status : 401L, "Unauthorized");
        return -1;
    }
    reg_resp_free(&x);
    /* an anonymous /v2/ proves nothing about the credentials */
    if (!r->authz && r->auth.username)
        return md_err(err, MD_EUNAUTHORIZED,
                      "login attempt to %s/v2/ failed: the registry asked for no credentials",
                      r->base);
    return 0;
}

/* ---- blobs, as they arrive ---- */

struct reg_blob {
    CURLM *m;
    CURL *c;
    struct curl_slist *hdrs;
    char *url;
    char *buf;
    size_t len, cap, pos;
    bool done;
    CURLcode result;
    char ebuf[CURL_ERROR_SIZE];
};

static size_t blob_write(char *p, size_t sz, size_t nm, void *ud)
{
    struct reg_blob *b = ud;
    size_t n = sz * nm;
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->buf = xrealloc(b->buf, b->cap);
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    return n;
}

/* Run the transfer until it has bytes for the reader or has ended. */
static int blob_pump(struct reg_blob *b, struct md_error *err)
{
    while (!b->done && b->len == b->pos) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(b->m, &running);
        if (mc != CURLM_OK)
            return md_err(err, MD_EINTERNAL, "Get \"%s\": %s", b->url, curl_multi_strerror(mc));
        if (!running) {
            CURLMsg *msg;
            int q;
            while ((msg = curl_multi_info_read(b->m, &q)))
                if (msg->msg == CURLMSG_DONE)
                    b->result = msg->data.result;
            b->done = true;
            break;
        }
        if (b->len > b->pos)
            break;
        curl_multi_poll(b->m, NULL, 0, 1000, NULL);
    }
    if (b->done && b->result != CURLE_OK) {
        _cleanup_free_ char *why = transport_error(b->c, b->result, b->ebuf);
        return md_err(err, MD_EINTERNAL, "Get \"%s\": %s", b->url, why);
    }
    return 0;
}

int registry_blob_open(struct registry *r, const char *digest, struct reg_blob **out,
                       struct md_error *err)
{
    struct reg_blob *b = xcalloc(1, sizeof *b);
    b->url = xasprintf("%s/v2/%s/blobs/%s", r->base, r->path, digest);
    b->hdrs = headers_for(r, NULL, NULL);
    b->c = easy_for(r, b->url, b->hdrs);
    b->m = curl_multi_init();
    if (!b->c || !b->m) {
        registry_blob_close(b);
        return md_err(err, MD_EINTERNAL, "curl init failed");
    }
    curl_easy_setopt(b->c, CURLOPT_ERRORBUFFER, b->ebuf);
    curl_easy_setopt(b->c, CURLOPT_WRITEFUNCTION, blob_write);
    curl_easy_setopt(b->c, CURLOPT_WRITEDATA, b);
    curl_multi_add_handle(b->m, b->c);
    if (blob_pump(b, err) < 0) {
        registry_blob_close(b);
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(b->c, CURLINFO_RESPONSE_CODE, &status);
    if (status / 100 != 2) {
        /* the body so far is the registry's error: read it all */
        while (!b->done && b->len < ERR_MAX) {
            b->pos = b->len;
            if (blob_pump(b, err) < 0) {
                registry_blob_close(b);
                return -1;
            }
        }
        struct reg_resp x = {.status = status, .body = b->buf, .len = b->len};
        if (x.body)
            x.body = xrealloc(x.body, x.len + 1), x.body[x.len] = '\0', b->buf = x.body;
        keep_error(r, "GET", b->url, &x, err);
        registry_blob_close(b);
        return -1;
    }
    *out = b;
    return 0;
}

ssize_t registry_blob_read(void *blob, const void **buf, struct md_error *err)
{
    struct reg_blob *b = blob;
    if (b->pos == b->len)
        b->pos = b->len = 0;
    if (blob_pump(b, err) < 0)
        return -1;
    *buf = b->buf + b->pos;
    size_t n = b->len - b->pos;
    b->pos = b->len;
    return (ssize_t)n;
}

void registry_blob_close(struct reg_blob *b)
{
    if (!b)
        return;
    if (b->m && b->c)
        curl_multi_remove_handle(b->m, b->c);
    if (b->c)
        curl_easy_cleanup(b->c);
    if (b->m)
        curl_multi_cleanup(b->m);
    curl_slist_free_all(b->hdrs);
    free(b->url);
    free(b->buf);
    free(b);
}

/* ---- push ---- */

int registry_blob_exists(struct registry *r, const char *digest, bool *yes, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", r->path, digest);
    struct reg_resp x;
    *yes = false;
    if (registry_get(r, "HEAD", path, NULL, ERR_MAX, &x, err) == 0) {
        reg_resp_free(&x);
        *yes = true;
        return 0;
    }
    if (r->last.status == 404) {
        md_err_clear(err);
        return 0;
    }
    return -1;
}

int registry_blob_push(struct registry *r, const char *digest, int fd, int64_t size,
                       int (*progress)(void *ctx, int64_t sent, int64_t total), void *pctx,
                       struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/uploads/", r->path);
    struct reg_resp x;
    if (registry_send(r, "POST", path, NULL, NULL, ERR_MAX, &x, err) < 0)
        return -1;
    if (!x.location) {
        reg_resp_free(&x);
        return md_err(err, MD_EINTERNAL, "the registry gave no upload location for %s", digest);
    }
    /* the location may be relative, and may carry a query already */
    _cleanup_free_ char *loc =
        x.location[0] == '/' ? xasprintf("%s%s", r->base, x.location) : xstrdup(x.location);
    reg_resp_free(&x);
    _cleanup_free_ char *put =
        xasprintf("%s%sdigest=%s", loc, strchr(loc, '?') ? "&" : "?", digest);
    struct reg_body b = {.content_type = "application/octet-stream",
                         .fd = fd,
                         .size = size,
                         .progress = progress,
                         .pctx = pctx};
    if (registry_send(r, "PUT", put, NULL, &b, ERR_MAX, &x, err) < 0)
        return -1;
    reg_resp_free(&x);
    return 0;
}

int registry_manifest_put(struct registry *r, const char *reference, const char *media_type,
                          const char *body, size_t len, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", r->path, reference);
    struct reg_body b = {.content_type = media_type, .data = body, .len = len, .fd = -1};
    struct reg_resp x;
    if (registry_send(r, "PUT", path, NULL, &b, ERR_MAX, &x, err) < 0)
        return -1;
    reg_resp_free(&x);
    return 0;
}
