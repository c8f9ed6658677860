/* libmicrohttpd server on the daemon's unix socket: request assembly, routing
 * (with and without /vX.Y), and reply, stream and upgrade helpers.
 * Thread per connection, so a handler may block (stop waits, wait and events
 * hold their connection open); blocked streams poll a shutdown flag. */
#include "daemon/api/server.h"
#include "daemon/api/schema.h"
#include "daemon/idle.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"

#include <fcntl.h>
#include <ctype.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define BODY_MEM_LIMIT (64u << 20)
#define BODY_PIPE_SIZE (4u << 20) /* body bytes between the connection and a streaming handler */
/* A connection's memory pool, most of it the read buffer. 32 KiB is the
 * largest MHD mallocs: above it MHD mmaps one pool per connection and
 * munmaps it at the end, and that munmap (a TLB shootdown, dear on our
 * VMs) held up the next connection's accept by about a millisecond: 2 ms
 * of an exec's three requests (interleaved A/B, 80 runs: 14.3 -> 12.4 ms
 * median). Large bodies (load) then arrive in reads of ~28 KiB. */
#define CONN_MEMORY   (32u << 10)
#define SERVER_HEADER "minidock/" MD_VERSION " Docker/28.2.2 (linux)"

#ifndef MD_VERSION
#define MD_VERSION "0.1.0"
#endif

extern const struct api_route *const api_route_tables[];

static struct MHD_Daemon *mhd;
static atomic_bool shutting_down;
static atomic_int active_upgrades;

/* The body of an API_BODY_STREAM request on its way from the connection's
 * thread (put) to the handler's (api_body_read): a ring of bytes, of which
 * the handler holds the piece it was last given. */
struct body_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* data for the reader, room for the writer, the end */
    char *buf;
    size_t cap, start, len; /* unread bytes: len from start, wrapping */
    size_t held;            /* of those, the first held are the reader's */
    bool eof;               /* the whole body is in */
    bool gone;              /* the connection ended before the body did */
    bool reader_done;       /* the handler returned: drop the rest */
};

/* A header or query value, copied for a handler on its own thread. */
struct kv {
    enum MHD_ValueKind kind;
    char *key, *value;
};

struct req_state {
    struct api_req r; /* first: queue() finds the state from the request */
    const struct api_route *route;
    int version_error; /* 0, 1 = too new, -1 = too old */
    char *nul_param;   /* a query parameter whose key or value holds a NUL byte */
    char *version_str;
    size_t cap;
    bool too_large;
    /* API_BODY_STREAM */
    struct body_pipe *pipe;
    pthread_t handler;
    bool handler_running;
    struct kv *kvs; /* the request's headers and query, read by the handler */
    size_t nkvs;
    struct MHD_Response *pending; /* its reply, queued when the body is in */
    unsigned pending_status;
    char *xhdr_name, *xhdr_value; /* api_set_header */
};

bool api_shutting_down(void)
{
    return atomic_load(&shutting_down);
}

int api_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                poll(&pfd, 1, 1000);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

bool api_fd_hung_up(int fd)
{
    struct pollfd p = {.fd = fd, .events = 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP));
}

int api_write_json_line(int fd, json_t *j)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return -1;
    _cleanup_free_ char *line = xasprintf("%s\r\n", s);
    return api_write_all(fd, line, strlen(line));
}

/* ---- routing ---- */

static size_t split_segments(const char *path, char ***out)
{
    char **v = NULL;
    size_t n = 0;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        v = xrealloc(v, (n + 2) * sizeof(char *));
        v[n++] = xstrndup(p, len);
        v[n] = NULL;
        p += len;
    }
    *out = v;
    return n;
}

static bool match_route(const char *pattern, const char *path, char *params[3])
{
    _cleanup_strv_ char **ps = NULL;
    _cleanup_strv_ char **ss = NULL;
    size_t np = split_segments(pattern, &ps);
    size_t ns = split_segments(path, &ss);
    size_t star = np;
    for (size_t i = 0; i < np; i++)
        if (strstr(ps[i], "*}"))
            star = i;
    if (star == np ? ns != np : ns < np)
        return false;
    size_t tail = star == np ? 0 : np - star - 1;
    int k = 0;
    char *cap[3] = {0};
    bool ok = true;
    for (size_t i = 0; i < np && ok; i++) {
        if (i == star) {
            /* greedy: everything between the fixed head and the fixed tail */
            size_t from = i, to = ns - tail;
            size_t len = 0;
            for (size_t j = from; j < to; j++)
                len += strlen(ss[j]) + 1;
            char *joined = xcalloc(1, len + 1);
            for (size_t j = from; j < to; j++) {
                if (j > from)
                    strcat(joined, "/");
                strcat(joined, ss[j]);
            }
            if (k < 3)
                cap[k++] = joined;
            else
                free(joined);
            continue;
        }
        size_t si = i < star ? i : ns - (np - i);
        if (ps[i][0] == '{') {
            if (k < 3)
                cap[k++] = xstrdup(ss[si]);
        } else if (strcmp(ps[i], ss[si]) != 0) {
            ok = false;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (ok)
            params[i] = cap[i];
        else
            free(cap[i]);
    }
    return ok;
}

static const struct api_missing_route *find_missing(const char *method, const char *path)
{
    for (const struct api_missing_route *m = api_missing_routes; m->method; m++) {
        char *params[3] = {0};
        bool hit = !strcmp(m->method, method) && match_route(m->pattern, path, params);
        for (int i = 0; i < 3; i++)
            free(params[i]);
        if (hit)
            return m;
    }
    return NULL;
}

static const struct api_route *find_route(const char *method, const char *path, char *params[3])
{
    for (size_t t = 0; api_route_tables[t]; t++)
        for (const struct api_route *rt = api_route_tables[t]; rt->method; rt++)
            if (!strcmp(rt->method, method) && match_route(rt->pattern, path, params))
                return rt;
    return NULL;
}

/* "/v1.50/containers/json" -> "/containers/json", version 1.50. */
static const char *strip_version(const char *url, int *major, int *minor, char **vstr)
{
    *major = -1;
    /* digits only, as docker's router ("/v{version:[0-9.]+}"): "/v-1.-1/"
     * is no version prefix (and so no route), not a version to skip */
    if (url[0] != '/' || url[1] != 'v' || !isdigit((unsigned char)url[2]))
        return url;
    const char *p = url + 2;
    char *end;
    long ma = strtol(p, &end, 10);
    if (end == p || *end != '.' || !isdigit((unsigned char)end[1]))
        return url;
    p = end + 1;
    long mi = strtol(p, &end, 10);
    if (end == p || (*end != '/' && *end != '\0'))
        return url;
    /* beyond any real version: kept "too new", never wrapped by the cast */
    *major = ma > 1000 ? 1000 : (int)ma;
    *minor = mi > 1000 ? 1000 : (int)mi;
    *vstr = xstrndup(url + 2, (size_t)(end - (url + 2)));
    return *end ? end : "/";
}

/* ---- replies ---- */

static void add_std_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "Api-Version", API_VERSION);
    MHD_add_response_header(resp, "Ostype", "linux");
    MHD_add_response_header(resp, "Docker-Experimental", "false");
    MHD_add_response_header(resp, "Server", SERVER_HEADER);
}

void api_set_header(struct api_req *r, const char *name, const char *value)
{
    struct req_state *st = (struct req_state *)r;
    free(st->xhdr_name);
    free(st->xhdr_value);
    st->xhdr_name = xstrdup(name);
    st->xhdr_value = xstrdup(value);
}

static void queue(struct api_req *r, unsigned status, struct MHD_Response *resp)
{
    add_std_headers(resp);
    struct req_state *st = (struct req_state *)r;
    if (st->xhdr_name)
        MHD_add_response_header(resp, st->xhdr_name, st->xhdr_value);
    if (st->pipe) {
        /* a streaming handler's thread: MHD takes a reply only from the
         * connection's own, once the body is in */
        if (st->pending)
            MHD_destroy_response(st->pending);
        st->pending = resp;
        st->pending_status = status;
        r->replied = true;
        return;
    }
    if (MHD_queue_response(r->conn, status, resp) != MHD_YES)
        log_warn("%s %s: could not queue the response", r->method, r->path);
    MHD_destroy_response(resp);
    r->replied = true;
}

void api_reply_raw(struct api_req *r, unsigned status, const char *content_type, const void *data,
                   size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

void api_reply_json(struct api_req *r, unsigned status, json_t *j)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    _cleanup_free_ char *body = xasprintf("%s\n", s ? s : "null");
    api_reply_raw(r, status, "application/json", body, strlen(body));
}

void api_reply_status(struct api_req *r, unsigned status)
{
    api_reply_raw(r, status, NULL, "", 0);
}

unsigned api_status_for(int err)
{
    switch (err) {
    case MD_EINVAL:
        return 400;
    case MD_EUNAUTHORIZED:
        return 401;
    case MD_ENOTFOUND:
        return 404;
    case MD_ECONFLICT:
        return 409;
    case MD_ENOTMODIFIED:
        return 304;
    default:
        return 500;
    }
}

static void reply_message(struct api_req *r, unsigned status, const char *msg)
{
    if (status == 304) {
        api_reply_status(r, 304);
        return;
    }
    json_t *j = json_pack("{s:s}", "message", msg);
    api_reply_json(r, status, j);
}

void api_reply_error(struct api_req *r, const struct md_error *e)
{
    unsigned status = api_status_for(e->err);
    if (status >= 500)
        log_warn("%s %s: %s", r->method, r->path, md_err_msg(e));
    reply_message(r, status, md_err_msg(e));
}

void api_reply_msg(struct api_req *r, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    reply_message(r, status, m);
}

/* ---- query and body ---- */

/* MHD compares keys without case, for query arguments too. */
static const char *lookup(struct api_req *r, enum MHD_ValueKind kind, const char *key)
{
    struct req_state *st = (struct req_state *)r;
    if (!st->kvs)
        return MHD_lookup_connection_value(r->conn, kind, key);
    for (size_t i = 0; i < st->nkvs; i++)
        if (st->kvs[i].kind == kind && !strcasecmp(st->kvs[i].key, key))
            return st->kvs[i].value;
    return NULL;
}

const char *api_query(struct api_req *r, const char *key)
{
    return lookup(r, MHD_GET_ARGUMENT_KIND, key);
}

const char *api_header(struct api_req *r, const char *name)
{
    return lookup(r, MHD_HEADER_KIND, name);
}

bool api_query_bool(struct api_req *r, const char *key, bool def)
{
    const char *v = api_query(r, key);
    if (!v)
        return def;
    static const char *const falses[] = {"", "0", "no", "false", "none"};
    for (size_t i = 0; i < sizeof falses / sizeof *falses; i++)
        if (!strcasecmp(v, falses[i]))
            return false;
    return true;
}

long long api_query_int(struct api_req *r, const char *key, long long def, bool *ok)
{
    const char *v = api_query(r, key);
    if (ok)
        *ok = true;
    if (!v || !*v)
        return def;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno) {
        if (ok)
            *ok = false;
        return def;
    }
    return n;
}

bool api_resize_size(struct api_req *r, uint16_t *h, uint16_t *w)
{
    bool okh = true, okw = true;
    long long hh = api_query_int(r, "h", 0, &okh);
    long long ww = api_query_int(r, "w", 0, &okw);
    if (!okh || !okw || hh < 0 || ww < 0 || hh > 65535 || ww > 65535) {
        api_reply_msg(r, 400, "invalid resize: h=%s w=%s", api_query(r, "h") ?: "",
                      api_query(r, "w") ?: "");
        return false;
    }
    *h = (uint16_t)hh;
    *w = (uint16_t)ww;
    return true;
}

struct collect {
    const char *key;
    char **v;
};

static enum MHD_Result collect_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct collect *c = cls;
    if (key && !strcmp(key, c->key))
        strv_push(&c->v, value ? value : "");
    return MHD_YES;
}

char **api_query_all(struct api_req *r, const char *key)
{
    struct collect c = {.key = key};
    struct req_state *st = (struct req_state *)r;
    if (!st->kvs) {
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, collect_cb, &c);
        return c.v;
    }
    for (size_t i = 0; i < st->nkvs; i++)
        if (st->kvs[i].kind == MHD_GET_ARGUMENT_KIND)
            collect_cb(&c, MHD_GET_ARGUMENT_KIND, st->kvs[i].key, st->kvs[i].value);
    return c.v;
}

json_t *api_body_json(struct api_req *r, struct md_error *err)
{
    if (!r->body || r->body_len == 0)
        return json_object();
    json_error_t je;
    json_t *j = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &je);
    if (!j) {
        md_err(err, MD_EINVAL, "invalid JSON: %s", je.text);
        return NULL;
    }
    if (json_is_null(j)) {
        json_decref(j);
        return json_object();
    }
    if (!json_is_object(j)) {
        json_decref(j);
        md_err(err, MD_EINVAL, "invalid JSON: expected an object");
        return NULL;
    }
    return j;
}

json_t *api_body_decode(struct api_req *r, const struct schema *s, bool read_json,
                        struct md_error *err)
{
    _cleanup_json_ json_t *j = api_body_json(r, err);
    if (!j)
        return NULL;
    if (schema_decode(j, s, err) < 0) {
        if (read_json)
            md_err_wrap(err, "invalid JSON");
        return NULL;
    }
    /* what minidock would not act on is refused before any handler runs */
    if (schema_refuse(j, s, err) < 0)
        return NULL;
    return steal_ptr(&j);
}

/* ---- streams ---- */

struct stream {
    struct MHD_Connection *conn;
    int rfd;
    api_producer producer;
    int wfd;
    void *ctx;
    void (*ctx_free)(void *);
};

static void *producer_thread(void *arg)
{
    struct stream *s = arg;
    void *ctx = s->ctx;
    void (*ctx_free)(void *) = s->ctx_free;
    api_producer fn = s->producer;
    int wfd = s->wfd;
    /* s belongs to the reader side from here on */
    fn(ctx, wfd);
    close(wfd);
    if (ctx_free)
        ctx_free(ctx);
    return NULL;
}

static bool client_gone(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci)
        return false;
    int fd = ci->connect_fd;
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLRDHUP};
    if (poll(&pfd, 1, 0) <= 0)
        return false;
    if (pfd.revents & (POLLHUP | POLLERR))
        return true;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    for (;;) {
        struct pollfd pfd = {.fd = s->rfd, .events = POLLIN};
        int pr = poll(&pfd, 1, 250);
        if (pr > 0) {
            ssize_t n = read(s->rfd, buf, max);
            if (n > 0)
                return n;
            if (n == 0)
                return MHD_CONTENT_READER_END_OF_STREAM;
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (pr < 0 && errno != EINTR)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (api_shutting_down() || client_gone(s->conn))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    close(s->rfd); /* the producer's next write fails with EPIPE and it stops */
    free(s);
}

void api_reply_stream(struct api_req *r, unsigned status, const char *content_type,
                      api_producer producer, void *ctx, void (*ctx_free)(void *))
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        if (ctx_free)
            ctx_free(ctx);
        api_reply_msg(r, 500, "cannot create a stream: %s", strerror(errno));
        return;
    }
    struct stream *s = xcalloc(1, sizeof *s);
    *s = (struct stream){.conn = r->conn,
                         .rfd = p[0],
                         .wfd = p[1],
                         .producer = producer,
                         .ctx = ctx,
                         .ctx_free = ctx_free};
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, producer_thread, s) != 0) {
        pthread_attr_destroy(&attr);
        close(p[0]);
        close(p[1]);
        free(s);
        if (ctx_free)
            ctx_free(ctx);
        api_reply_msg(r, 500, "cannot start a stream thread");
        return;
    }
    pthread_attr_destroy(&attr);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                                                  stream_reader, s, stream_free);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

/* ---- upgrades ---- */

struct api_upgrade {
    struct MHD_UpgradeResponseHandle *urh;
    api_upgrade_fn fn;
    void *ctx;
    void (*ctx_free)(void *);
    int sock;
    char *extra;
    size_t extra_len;
};

static void *upgrade_thread(void *arg)
{
    struct api_upgrade *u = arg;
    u->fn(u->ctx, u->sock, u->extra, u->extra_len, u);
    return NULL;
}

void api_upgrade_done(struct api_upgrade *u)
{
    MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
    if (u->ctx_free)
        u->ctx_free(u->ctx);
    free(u->extra);
    free(u);
    atomic_fetch_sub(&active_upgrades, 1);
}

static void upgrade_cb(void *cls, struct MHD_Connection *connection, void *con_cls,
                       const char *extra_in, size_t extra_in_size, MHD_socket sock,
                       struct MHD_UpgradeResponseHandle *urh)
{
    struct api_upgrade *u = cls;
    u->urh = urh;
    u->sock = sock;
    if (extra_in_size) {
        u->extra = xmalloc(extra_in_size);
        memcpy(u->extra, extra_in, extra_in_size);
        u->extra_len = extra_in_size;
    }
    /* MHD hands over a non-blocking socket; relays want blocking I/O. */
    int fl = fcntl(sock, F_GETFL);
    fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
    atomic_fetch_add(&active_upgrades, 1);
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, upgrade_thread, u) != 0)
        api_upgrade_done(u);
    pthread_attr_destroy(&attr);
}

void api_reply_upgrade(struct api_req *r, const char *content_type, api_upgrade_fn fn, void *ctx,
                       void (*ctx_free)(void *))
{
    struct api_upgrade *u = xcalloc(1, sizeof *u);
    *u = (struct api_upgrade){.fn = fn, .ctx = ctx, .ctx_free = ctx_free, .sock = -1};
    struct MHD_Response *resp = MHD_create_response_for_upgrade(upgrade_cb, u);
    MHD_add_response_header(resp, "Upgrade", "tcp");
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
}

/* ---- streamed request bodies ---- */

static struct body_pipe *pipe_new(void)
{
    struct body_pipe *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->cap = BODY_PIPE_SIZE;
    p->buf = xbig_alloc(p->cap);
    return p;
}

static void pipe_free(struct body_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    xbig_free(p->buf, p->cap);
    free(p);
}

/* The connection's thread: hand n bytes of the body over, waiting for room
 * while the handler is behind (the client waits in turn: TCP-like flow
 * control over the socket). */
static void pipe_put(struct body_pipe *p, const char *data, size_t n)
{
    pthread_mutex_lock(&p->mu);
    while (n && !p->reader_done) {
        if (p->len == p->cap) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        size_t at = (p->start + p->len) % p->cap;
        size_t k = p->cap - p->len;
        if (k > p->cap - at)
            k = p->cap - at;
        if (k > n)
            k = n;
        /* [at, at + k) is free, and the reader never moves the end of the
         * data: copy without holding the lock */
        pthread_mutex_unlock(&p->mu);
        memcpy(p->buf + at, data, k);
        pthread_mutex_lock(&p->mu);
        p->len += k;
        data += k;
        n -= k;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
}

static void pipe_mark(struct body_pipe *p, bool *flag)
{
    pthread_mutex_lock(&p->mu);
    *flag = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

ssize_t api_body_read(void *req, const void **buf, struct md_error *err)
{
    struct body_pipe *p = ((struct req_state *)req)->pipe;
    if (!p)
        return md_err(err, MD_EINTERNAL, "the request body is not streamed");
    pthread_mutex_lock(&p->mu);
    if (p->held) {
        p->start = (p->start + p->held) % p->cap;
        p->len -= p->held;
        p->held = 0;
        pthread_cond_signal(&p->cv);
    }
    while (!p->len && !p->eof && !p->gone)
        pthread_cond_wait(&p->cv, &p->mu);
    ssize_t n = 0;
    if (p->len) {
        p->held = p->len < p->cap - p->start ? p->len : p->cap - p->start;
        *buf = p->buf + p->start;
        n = (ssize_t)p->held;
    } else if (!p->eof) {
        n = -1;
    }
    pthread_mutex_unlock(&p->mu);
    if (n < 0)
        return md_err(err, EPIPE, "the client went away before the end of the request body");
    return n;
}

static enum MHD_Result kv_copy(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct req_state *st = cls;
    if (!key)
        return MHD_YES;
    st->kvs = xrealloc(st->kvs, (st->nkvs + 1) * sizeof *st->kvs);
    st->kvs[st->nkvs++] =
        (struct kv){.kind = kind, .key = xstrdup(key), .value = value ? xstrdup(value) : NULL};
    return MHD_YES;
}

static void *stream_handler_main(void *arg)
{
    struct req_state *st = arg;
    struct api_req *r = &st->r;
    log_debug("%s %s (body streamed)", r->method, r->path);
    st->route->fn(r);
    if (!r->replied)
        api_reply_msg(r, 500, "internal error: handler for %s %s gave no reply", r->method,
                      r->path);
    pipe_mark(st->pipe, &st->pipe->reader_done);
    return NULL;
}

/* Headers are in: run the handler now, on its own thread. The request's
 * headers and query are copied for it, as MHD's lists are the connection
 * thread's to change (trailers of a chunked body land there). */
static void stream_start(struct req_state *st)
{
    MHD_get_connection_values(st->r.conn, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, kv_copy, st);
    st->pipe = pipe_new();
    if (pthread_create(&st->handler, NULL, stream_handler_main, st) != 0) {
        /* the body goes where others go; the handler runs at the end and
         * finds no stream to read */
        log_warn("%s %s: cannot start a handler thread", st->r.method, st->r.path);
        pipe_free(st->pipe);
        st->pipe = NULL;
        return;
    }
    st->handler_running = true;
}

/* The body is in (or the connection is gone): wait for the handler. */
static void stream_join(struct req_state *st, bool complete)
{
    if (!st->handler_running)
        return;
    pipe_mark(st->pipe, complete ? &st->pipe->eof : &st->pipe->gone);
    pthread_join(st->handler, NULL);
    st->handler_running = false;
}

/* ---- request assembly ---- */

static enum MHD_Result find_nul_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    struct req_state *st = cls;
    (void)kind;
    if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
        st->nul_param = xstrdup(key);
        return MHD_NO;
    }
    return MHD_YES;
}

static void dispatch(struct req_state *st)
{
    struct api_req *r = &st->r;
    if (!strcmp(r->method, "OPTIONS")) {
        api_reply_status(r, 200);
        return;
    }
    if (st->version_error > 0) {
        api_reply_msg(r, 400, "client version %s is too new. Maximum supported API version is %s",
                      st->version_str, API_VERSION);
        return;
    }
    if (st->version_error < 0) {
        api_reply_msg(r, 400,
                      "client version %s is too old. Minimum supported API version is %s, "
                      "please upgrade your client to a newer version",
                      st->version_str, API_MIN_VERSION);
        return;
    }
    if (st->nul_param) {
        api_reply_msg(r, 400, "invalid query parameter %s: it contains a NUL byte", st->nul_param);
        return;
    }
    if (!st->route) {
        const struct api_missing_route *m =
            find_missing(!strcmp(r->method, "HEAD") ? "GET" : r->method, r->path);
        if (!m && !strcmp(r->method, "HEAD"))
            m = find_missing("HEAD", r->path);
        if (!m)
            api_reply_msg(r, 404, "page not found");
        else if (m->message)
            api_reply_msg(r, m->status, "%s", m->message);
        else
            api_reply_msg(r, m->status, "minidock does not implement %s yet", m->feature);
        return;
    }
    if (st->too_large) {
        api_reply_msg(r, 400, "request body too large (limit %u MiB)", BODY_MEM_LIMIT >> 20);
        return;
    }
    log_debug("%s %s", r->method, r->path);
    st->route->fn(r);
    if (!r->replied)
        api_reply_msg(r, 500, "internal error: handler for %s %s gave no reply", r->method,
                      r->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct req_state *st = *con_cls;
    if (!st) {
        idle_activity();
        st = xcalloc(1, sizeof *st);
        st->r.conn = conn;
        st->r.method = method;
        int major, minor;
        const char *path = strip_version(url, &major, &minor, &st->version_str);
        st->r.path = path;
        st->r.api_minor = 50;
        if (major >= 0) {
            st->r.api_minor = minor;
            if (major > 1 || (major == 1 && minor > 50))
                st->version_error = 1;
            else if (major < 1 || minor < 24)
                st->version_error = -1;
        }
        /* "?signal=SIGTERM%00x" would read as SIGTERM through a C string */
        MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, find_nul_param, st);
        /* HEAD is routed like GET (HEAD /_ping); MHD sends no body for it. */
        const char *m = !strcmp(method, "HEAD") ? "GET" : method;
        st->route = find_route(m, path, st->r.params);
        if (!st->route && !strcmp(method, "HEAD"))
            st->route = find_route("HEAD", path, st->r.params);
        if (st->route && (st->route->flags & API_BODY_STREAM) && !st->version_error &&
            !st->nul_param)
            stream_start(st);
        *con_cls = st;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        if (st->pipe) {
            pipe_put(st->pipe, upload_data, n);
        } else if (st->r.body_len + n > BODY_MEM_LIMIT || st->too_large) {
            st->too_large = true;
        } else {
            if (st->r.body_len + n + 1 > st->cap) {
                st->cap = (st->r.body_len + n + 1) * 2;
                st->r.body = xrealloc(st->r.body, st->cap);
            }
            memcpy(st->r.body + st->r.body_len, upload_data, n);
            st->r.body_len += n;
            st->r.body[st->r.body_len] = '\0';
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->handler_running) {
        stream_join(st, true);
        struct MHD_Response *resp = steal_ptr(&st->pending);
        if (MHD_queue_response(conn, st->pending_status, resp) != MHD_YES)
            log_warn("%s %s: could not queue the response", st->r.method, st->r.path);
        MHD_destroy_response(resp);
        return MHD_YES;
    }
    if (st->r.replied)
        return MHD_YES;
    dispatch(st);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req_state *st = *con_cls;
    if (!st)
        return;
    idle_activity();
    stream_join(st, false); /* the client went away in the middle of the body */
    if (st->pending)
        MHD_destroy_response(st->pending);
    pipe_free(st->pipe);
    for (size_t i = 0; i < st->nkvs; i++) {
        free(st->kvs[i].key);
        free(st->kvs[i].value);
    }
    free(st->kvs);
    free(st->nul_param);
    free(st->r.body);
    for (int i = 0; i < 3; i++)
        free(st->r.params[i]);
    free(st->version_str);
    free(st->xhdr_name);
    free(st->xhdr_value);
    free(st);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    log_debug("http: %s", buf);
}

int api_server_start(int listen_fd, struct md_error *err)
{
    mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                               MHD_USE_POLL | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG,
                           0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, listen_fd,
                           MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                           (size_t)CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                           MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (!mhd)
        return md_err(err, MD_EINTERNAL, "start the HTTP server on the API socket failed");
    return 0;
}

void api_server_stop(void)
{
    if (!mhd)
        return;
    MHD_socket lfd = MHD_quiesce_daemon(mhd);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    atomic_store(&shutting_down, true);
    /* upgraded streams notice the flag within their poll interval */
    for (int i = 0; i < 40 && atomic_load(&active_upgrades) > 0; i++)
        usleep(50 * 1000);
    MHD_stop_daemon(mhd);
    mhd = NULL;
}
