/* A small HTTP/1.1 client for the daemon's unix socket. */
#include "client/http.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef MD_VERSION
#define MD_VERSION "0.1.0"
#endif

static const char *host_url;

struct http_conn {
    int fd;
    int status;
    char **headers; /* "name: value" */
    char buf[65536];
    size_t off, len;
    bool chunked, raw, eof;
    long long remaining; /* content-length left, or current chunk left; -1 unknown */
};

void http_set_host(const char *host)
{
    host_url = host;
}

const char *http_host(void)
{
    if (host_url)
        return host_url;
    const char *e = getenv("MINIDOCK_HOST");
    if (e && *e)
        return e;
    e = getenv("DOCKER_HOST");
    if (e && *e)
        return e;
    return "unix:///run/minidock.sock";
}

/* Percent-encoding of everything but ASCII letters, digits and keep. */
static char *pct_escape(const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr(keep, *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* docker's two texts: EACCES means the daemon is there but the socket's
 * group (minidock) does not include us; everything else reads as "not
 * running". The permission text carries Go's url.Error ("Post \"URL\":
 * dial unix PATH: connect: permission denied") as docker's does. Several
 * threads may fail at once (parallel stop a b c): one message, one exit. */
static _Noreturn void die_connect(const struct http_req *req, int err)
{
    static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&once); /* never unlocked: the first caller exits */
    const char *h = http_host();
    if (err == EACCES && req && !strncmp(h, "unix://", 7)) {
        /* Go's url.URL.String() escaping of a host: docker puts the socket
         * path there, so "/run/minidock.sock" shows as "%2Frun%2Fminidock.sock" */
        _cleanup_free_ char *esc = pct_escape(h + 7, "-._~!$&'()*+,;=:[]<>\"");
        _cleanup_free_ char *op = xstrdup(req->method);
        for (char *p = op + 1; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        fprintf(stderr,
                "permission denied while trying to connect to the minidock daemon socket at %s: "
                "%s \"http://%s%s%s\": dial unix %s: connect: permission denied\n",
                h, op, esc, CLIENT_API_PREFIX, req->path, h + 7);
    } else {
        fprintf(stderr,
                "Cannot connect to the minidock daemon at %s. Is the minidock daemon running?\n",
                h);
    }
    exit(1);
}

static int connect_daemon(const struct http_req *req)
{
    const char *h = http_host();
    if (strncmp(h, "unix://", 7) != 0) {
        fprintf(stderr, "minidock: unsupported host %s: only unix:// sockets are supported\n", h);
        exit(1);
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(h + 7) >= sizeof sa.sun_path)
        die_connect(req, ENAMETOOLONG);
    strcpy(sa.sun_path, h + 7);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        die_connect(req, errno);
    return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t fill(struct http_conn *c)
{
    if (c->off == c->len)
        c->off = c->len = 0;
    if (c->len == sizeof c->buf) {
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            c->len += (size_t)n;
        return n;
    }
}

/* One CRLF-terminated line from the buffer; NULL at EOF. */
static char *read_line(struct http_conn *c)
{
    for (;;) {
        char *s = c->buf + c->off;
        char *nl = memchr(s, '\n', c->len - c->off);
        if (nl) {
            size_t n = (size_t)(nl - s);
            char *line = xstrndup(s, n && s[n - 1] == '\r' ? n - 1 : n);
            c->off += n + 1;
            return line;
        }
        if (fill(c) <= 0)
            return NULL;
    }
}

const char *http_header(const struct http_conn *c, const char *name)
{
    size_t n = strlen(name);
    for (char **h = c->headers; h && *h; h++)
        if (!strncasecmp(*h, name, n) && (*h)[n] == ':') {
            const char *v = *h + n + 1;
            while (*v == ' ')
                v++;
            return v;
        }
    return NULL;
}

#define BODY_CHUNK (1u << 20)

/* A pipe or terminal: chunks as they come, one writev each. */
static int send_chunked_fd(int sock, int fd)
{
    _cleanup_free_ char *buf = xmalloc(BODY_CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, BODY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        char head[32];
        int hl = snprintf(head, sizeof head, "%zx\r\n", (size_t)n);
        if (n == 0)
            return write_all(sock, "0\r\n\r\n", 5);
        struct iovec iov[3] = {{head, (size_t)hl}, {buf, (size_t)n}, {"\r\n", 2}};
        size_t left = (size_t)hl + (size_t)n + 2;
        int k = 0;
        while (left) {
            ssize_t w = writev(sock, iov + k, 3 - k);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return -1;
            left -= (size_t)w;
            for (; k < 3 && (size_t)w >= iov[k].iov_len; k++)
                w -= (ssize_t)iov[k].iov_len;
            if (k < 3) {
                iov[k].iov_base = (char *)iov[k].iov_base + w;
                iov[k].iov_len -= (size_t)w;
            }
        }
    }
}

/* A regular file: what is left of it from the current offset, or -1. */
static long long file_body_len(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return -1;
    off_t at = lseek(fd, 0, SEEK_CUR);
    return at < 0 || at > st.st_size ? -1 : (long long)(st.st_size - at);
}

/* A regular file with a Content-Length: the kernel copies it to the socket.
 * sendfile has no MSG_NOSIGNAL: a daemon that goes away is an error here
 * (EPIPE), not a SIGPIPE. */
static int send_file_fd(int sock, int fd, long long len)
{
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ign, &old);
    int rc = 0;
    while (len > 0 && rc == 0) {
        ssize_t n = sendfile(sock, fd, NULL, len < (1LL << 30) ? (size_t)len : (size_t)1 << 30);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO; /* the file shrank */
        if (n <= 0)
            rc = -1;
        else
            len -= n;
    }
    int e = errno;
    sigaction(SIGPIPE, &old, NULL);
    errno = e;
    return rc;
}

struct http_conn *http_send(const struct http_req *req)
{
    int fd = connect_daemon(req);
    _cleanup_free_ char *head =
        xasprintf("%s %s%s HTTP/1.1\r\nHost: minidock\r\nUser-Agent: minidock-client/%s\r\n",
                  req->method, CLIENT_API_PREFIX, req->path, MD_VERSION);
    char *h2;
    if (req->content_type) {
        h2 = xasprintf("%sContent-Type: %s\r\n", head, req->content_type);
        free(head);
        head = h2;
    }
    long long file_len = req->body_fd >= 0 ? file_body_len(req->body_fd) : -1;
    if (file_len >= 0)
        h2 = xasprintf("%sContent-Length: %lld\r\n", head, file_len);
    else if (req->body_fd >= 0)
        h2 = xasprintf("%sTransfer-Encoding: chunked\r\n", head);
    else
        h2 = xasprintf("%sContent-Length: %zu\r\n", head, req->body_len);
    free(head);
    head = h2;
    if (req->upgrade) {
        h2 = xasprintf("%sConnection: Upgrade\r\nUpgrade: tcp\r\n", head);
        free(head);
        head = h2;
    }
    for (const char *const *h = req->headers; h && *h; h++) {
        h2 = xasprintf("%s%s\r\n", head, *h);
        free(head);
        head = h2;
    }
    h2 = xasprintf("%s\r\n", head);
    free(head);
    head = h2;

    if (write_all(fd, head, strlen(head)) < 0)
        die_connect(req, errno);
    if (req->body_fd >= 0) {
        if ((file_len >= 0 ? send_file_fd(fd, req->body_fd, file_len)
                           : send_chunked_fd(fd, req->body_fd)) < 0) {
            fprintf(stderr, "minidock: sending the request body failed: %s\n", strerror(errno));
            exit(1);
        }
    } else if (req->body_len && write_all(fd, req->body, req->body_len) < 0) {
        die_connect(req, errno);
    }

    /* not calloc: zeroing the 64 KiB buffer would touch all 16 pages, and
     * a page fault is the dearest thing a short command does here */
    struct http_conn *c = xmalloc(sizeof *c);
    c->fd = fd;
    c->status = 0;
    c->headers = NULL;
    c->off = c->len = 0;
    c->chunked = c->raw = c->eof = false;
    c->remaining = -1;
    _cleanup_free_ char *status = read_line(c);
    if (!status || sscanf(status, "HTTP/%*d.%*d %d", &c->status) != 1) {
        fprintf(stderr, "minidock: the daemon closed the connection without a response\n");
        exit(1);
    }
    for (;;) {
        char *line = read_line(c);
        if (!line || !*line) {
            free(line);
            break;
        }
        strv_push(&c->headers, line);
        free(line);
    }
    if (c->status == 101) {
        c->raw = true;
        return c;
    }
    const char *te = http_header(c, "Transfer-Encoding");
    const char *cl = http_header(c, "Content-Length");
    if (te && strcasestr(te, "chunked")) {
        c->chunked = true;
        c->remaining = 0;
    } else if (cl) {
        c->remaining = atoll(cl);
    }
    if (!strcmp(req->method, "HEAD") || c->status == 204 || c->status == 304)
        c->remaining = 0, c->chunked = false;
    return c;
}

int http_status(const struct http_conn *c)
{
    return c->status;
}

int http_fd(const struct http_conn *c)
{
    return c->fd;
}

size_t http_buffered(const struct http_conn *c)
{
    return c->len - c->off;
}

static ssize_t take(struct http_conn *c, void *buf, size_t n)
{
    if (c->off == c->len) {
        ssize_t r = fill(c);
        if (r <= 0)
            return r;
    }
    size_t avail = c->len - c->off;
    if (n > avail)
        n = avail;
    memcpy(buf, c->buf + c->off, n);
    c->off += n;
    return (ssize_t)n;
}

ssize_t http_read(struct http_conn *c, void *buf, size_t n)
{
    if (c->eof)
        return 0;
    if (c->raw || (!c->chunked && c->remaining < 0))
        return take(c, buf, n);
    if (!c->chunked) {
        if (c->remaining == 0) {
            c->eof = true;
            return 0;
        }
        if ((long long)n > c->remaining)
            n = (size_t)c->remaining;
        ssize_t r = take(c, buf, n);
        if (r > 0)
            c->remaining -= r;
        return r;
    }
    if (c->remaining == 0) {
        _cleanup_free_ char *line = read_line(c);
        if (line && !*line) { /* the CRLF after the previous chunk */
            free(line);
            line = read_line(c);
        }
        if (!line)
            return 0;
        c->remaining = strtoll(line, NULL, 16);
        if (c->remaining <= 0) {
            c->eof = true;
            return 0;
        }
    }
    if ((long long)n > c->remaining)
        n = (size_t)c->remaining;
    ssize_t r = take(c, buf, n);
    if (r > 0)
        c->remaining -= r;
    return r;
}

bool http_complete(const struct http_conn *c)
{
    return c->eof || c->raw || (!c->chunked && c->remaining < 0);
}

char *http_read_all(struct http_conn *c, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *out = xmalloc(cap);
    for (;;) {
        if (cap - n < 4096)
            out = xrealloc(out, cap *= 2);
        ssize_t r = http_read(c, out + n, cap - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    out[n] = '\0';
    if (len)
        *len = n;
    return out;
}

void http_close(struct http_conn *c)
{
    if (!c)
        return;
    close(c->fd);
    strv_free(c->headers);
    free(c);
}

char *url_escape(const char *s)
{
    return pct_escape(s, "-_.~");
}

int api_text(const char *method, const char *path, json_t *body, char **text, size_t *len)
{
    _cleanup_free_ char *b = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct http_req req = {.method = method,
                           .path = path,
                           .content_type = b ? "application/json" : NULL,
                           .body = b,
                           .body_len = b ? strlen(b) : 0,
                           .body_fd = -1};
    struct http_conn *c = http_send(&req);
    *text = http_read_all(c, len);
    int status = http_status(c);
    http_close(c);
    return status;
}

json_t *api_parse(const char *text, size_t len)
{
    if (!len)
        return NULL;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    /* not JSON: keep the text so errors still show it */
    return j ? j : json_pack("{s:s}", "message", text);
}

int api_json(const char *method, const char *path, json_t *body, json_t **out)
{
    size_t len;
    _cleanup_free_ char *data = NULL;
    int status = api_text(method, path, body, &data, &len);
    if (out)
        *out = api_parse(data, len);
    return status;
}

const char *api_message(json_t *j)
{
    json_t *m = json_is_object(j) ? json_object_get(j, "message") : NULL;
    return json_is_string(m) ? json_string_value(m) : "unknown error";
}

void print_daemon_error(json_t *j)
{
    fprintf(stderr, "Error response from daemon: %s\n", api_message(j));
}

int api_check(int status, json_t **out)
{
    if (status < 400)
        return status;
    print_daemon_error(*out);
    json_decref(*out);
    *out = NULL;
    return -1;
}

int api_call(const char *method, const char *path, json_t *body, json_t **out)
{
    json_t *j = NULL;
    int st = api_check(api_json(method, path, body, &j), &j);
    if (out)
        *out = j;
    else
        json_decref(j);
    return st;
}

int api_call_text(const char *method, const char *path, char **text, size_t *len)
{
    int st = api_text(method, path, NULL, text, len);
    if (st < 400)
        return st;
    _cleanup_json_ json_t *e = api_parse(*text, *len);
    print_daemon_error(e);
    free(*text);
    *text = NULL;
    return -1;
}

void http_print_error(struct http_conn *c)
{
    size_t len;
    _cleanup_free_ char *data = http_read_all(c, &len);
    _cleanup_json_ json_t *j = api_parse(data, len);
    print_daemon_error(j);
}

/* docker's parallelOperation runs every container's call at once, at most
 * 50 in flight; so do we, one thread per call in flight. Workers only talk
 * to the daemon: all printing stays on the calling thread, in order. */
#define PARALLEL_MAX 50

struct parallel {
    struct api_call *calls;
    size_t n, next;
    pthread_mutex_t lock;
    pthread_cond_t done;
};

static void *parallel_worker(void *arg)
{
    struct parallel *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n)
            return NULL;
        struct api_call *c = &p->calls[i];
        if (!c->path)
            continue;
        json_t *body = NULL;
        int st = api_json(c->method, c->path, NULL, &body);
        pthread_mutex_lock(&p->lock);
        c->status = st;
        c->body = body;
        c->finished = true;
        pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->lock);
    }
}

void api_parallel(struct api_call *calls, size_t n,
                  void (*report)(struct api_call *c, size_t i, void *arg), void *arg)
{
    struct parallel p = {.calls = calls, .n = n};
    pthread_mutex_init(&p.lock, NULL);
    pthread_cond_init(&p.done, NULL);
    size_t nthreads = n < PARALLEL_MAX ? n : PARALLEL_MAX;
    pthread_t *tids = xcalloc(nthreads ? nthreads : 1, sizeof *tids);
    size_t started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&tids[started], NULL, parallel_worker, &p) != 0)
            break; /* fewer threads, same work: the ones we have take it all */
    if (!started)  /* no thread at all: do it here */
        parallel_worker(&p);
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&p.lock);
        while (!calls[i].finished)
            pthread_cond_wait(&p.done, &p.lock);
        pthread_mutex_unlock(&p.lock);
        report(&calls[i], i, arg);
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    free(tids);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.lock);
}
