/* A container's streams: wait (headers at once, body at exit), attach (the
 * upgraded connection relayed to the shim's attach socket), logs (the
 * json-file log, optionally followed) and resize. The relay itself is
 * relay.c, shared with exec. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/stream.h"
#include "common/timefmt.h"
#include "daemon/api/containers.h"
#include "daemon/api/relay.h"
#include "daemon/daemon.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/exec.h"
#include "daemon/state/lifecycle.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- wait ---- */

enum wait_cond { WAIT_NOT_RUNNING, WAIT_NEXT_EXIT, WAIT_REMOVED };

struct wait_ctx {
    struct container *c;
    enum wait_cond cond;
    uint64_t seq;
};

static void wait_free(void *p)
{
    struct wait_ctx *w = p;
    ctr_put(w->c);
    free(w);
}

/* docker's conditions: a restarting container counts as running, and its
 * exit (into restarting) ends not-running and next-exit waits alike; a wait
 * that begins while it restarts ends at the next exit. Exits are counted
 * (exit_seq), so one is never missed however soon the restart follows. */
static bool wait_done(struct wait_ctx *w)
{
    struct container *c = w->c;
    if (c->removed)
        return true;
    switch (w->cond) {
    case WAIT_NEXT_EXIT:
        return c->exit_seq != w->seq;
    case WAIT_REMOVED:
        return false;
    case WAIT_NOT_RUNNING:
    default:
        return c->exit_seq != w->seq ||
               ((c->status == CTR_CREATED || c->status == CTR_EXITED || c->status == CTR_DEAD) &&
                !c->exiting);
    }
}

static void wait_producer(void *p, int fd)
{
    struct wait_ctx *w = p;
    cstore_lock();
    while (!wait_done(w)) {
        cstore_wait(250);
        if (api_shutting_down() || api_fd_hung_up(fd)) {
            cstore_unlock();
            return;
        }
    }
    /* Error stays null: a start failure was already the start request's
     * answer, and the CLI would print it a second time */
    int code = w->c->exit_seq != w->seq ? w->c->seq_exit_code : w->c->exit_code;
    json_t *j = json_pack("{s:i,s:n}", "StatusCode", code, "Error");
    cstore_unlock();
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    _cleanup_free_ char *line = xasprintf("%s\n", s);
    api_write_all(fd, line, strlen(line));
}

static void wait_(struct api_req *r)
{
    const char *cond = api_query(r, "condition");
    enum wait_cond wc = WAIT_NOT_RUNNING;
    if (cond && *cond) {
        if (!strcmp(cond, "next-exit"))
            wc = WAIT_NEXT_EXIT;
        else if (!strcmp(cond, "removed"))
            wc = WAIT_REMOVED;
        else if (strcmp(cond, "not-running")) {
            api_reply_msg(r, 400, "invalid condition: \"%s\"", cond);
            return;
        }
    }
    struct container *c = api_find_container(r);
    if (!c)
        return;
    struct wait_ctx *w = xcalloc(1, sizeof *w);
    w->c = c;
    w->cond = wc;
    cstore_lock();
    w->seq = c->exit_seq;
    cstore_unlock();
    api_reply_stream(r, 200, "application/json", wait_producer, w, wait_free);
}

/* ---- attach ---- */

struct attach_ctx {
    struct container *c;
    bool in, out, err, logs, stream, tty, stdin_once;
    bool registered; /* counted in c->pending_attach */
    unsigned char keys[32]; /* detachKeys; none = the default */
    size_t nkeys;
};

static void attach_free(void *p)
{
    struct attach_ctx *a = p;
    if (a->registered)
        ctr_attach_pending(a->c, -1);
    ctr_put(a->c);
    free(a);
}

/* Connect to the shim: at once when it runs, else when the next start has
 * prepared PID 1 (start waits for us before letting it exec). */
static int connect_shim(struct attach_ctx *a, int sock)
{
    struct container *c = a->c;
    _cleanup_free_ char *exec_dir = md_exec_path("%s", c->id);
    struct md_error err = {0};
    cstore_lock();
    bool registered = a->registered;
    a->registered = false;
    int fd = -1;
    for (;;) {
        if (c->removed || api_shutting_down())
            break;
        if (c->status == CTR_RUNNING || c->status == CTR_PAUSED || c->prepared) {
            cstore_unlock();
            fd = rt_attach_connect(exec_dir, a->in, a->out, a->err, &err);
            cstore_lock();
            if (fd >= 0 || !c->prepared)
                break;
        }
        if (!registered) {
            c->pending_attach++;
            registered = true;
        }
        cstore_wait(250);
        cstore_unlock();
        bool gone = api_fd_hung_up(sock);
        cstore_lock();
        if (gone)
            break;
    }
    if (registered) {
        c->pending_attach--;
        cstore_broadcast();
    }
    cstore_unlock();
    md_err_clear(&err);
    return fd;
}

static void send_logs(struct attach_ctx *a, int sock);

static void attach_fn(void *p, int sock, const char *extra, size_t extra_len, struct api_upgrade *u)
{
    struct attach_ctx *a = p;
    /* nothing to replay without a log (--log-driver none) */
    if (a->logs && !ctr_log_none(a->c))
        send_logs(a, sock);
    if (a->stream) {
        _cleanup_close_ int shim = connect_shim(a, sock);
        if (shim >= 0) {
            exec_container_event(a->c, "attach", NULL);
            struct relay_opts o = {.stdin_attached = a->in,
                                   .tty = a->tty,
                                   .close_stdin = a->stdin_once,
                                   .keys = a->keys,
                                   .nkeys = a->nkeys};
            enum relay_end end = api_relay(sock, shim, &o, extra, extra_len);
            /* the client left (detach keys, or it hung up): the container
             * runs on */
            if (end == RELAY_DETACHED || end == RELAY_HUNG_UP)
                exec_container_event(a->c, "detach", NULL);
        }
    }
    shutdown(sock, SHUT_WR);
    api_upgrade_done(u);
}

static void attach(struct api_req *r)
{
    unsigned char keys[32];
    size_t nkeys = 0;
    const char *spec = api_query(r, "detachKeys");
    struct md_error kerr = {0};
    if (spec && *spec && api_detach_keys(spec, keys, sizeof keys, &nkeys, &kerr) < 0) {
        api_reply_error(r, &kerr);
        md_err_clear(&kerr);
        return;
    }
    struct container *c = api_find_container(r);
    if (!c)
        return;
    cstore_lock();
    enum ctr_status s = c->status;
    bool tty = c->spec->tty;
    bool open_stdin = c->spec->open_stdin;
    bool stdin_once = c->spec->stdin_once;
    cstore_unlock();
    if (s == CTR_PAUSED || s == CTR_RESTARTING) {
        ctr_put(c);
        api_reply_msg(r, 409, "You cannot attach to a %s container, %s",
                      s == CTR_PAUSED ? "paused" : "restarting",
                      s == CTR_PAUSED ? "unpause it first" : "wait until it is running");
        return;
    }
    struct attach_ctx *a = xcalloc(1, sizeof *a);
    *a = (struct attach_ctx){.c = c,
                             .in = api_query_bool(r, "stdin", false) && open_stdin,
                             .out = api_query_bool(r, "stdout", false),
                             .err = api_query_bool(r, "stderr", false),
                             .logs = api_query_bool(r, "logs", false),
                             .stream = api_query_bool(r, "stream", false),
                             .tty = tty,
                             .stdin_once = stdin_once,
                             .nkeys = nkeys};
    memcpy(a->keys, keys, nkeys);
    /* Counted before the 101 goes out: the client sends start as soon as
     * it has it, and start must wait for this stream to connect (the
     * upgraded connection is served on another thread, maybe later). */
    if (a->stream) {
        ctr_attach_pending(c, 1);
        a->registered = true;
    }
    api_reply_upgrade(
        r, tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
        attach_fn, a, attach_free);
}

static void resize(struct api_req *r)
{
    uint16_t h, w;
    if (!api_resize_size(r, &h, &w))
        return;
    struct container *c = api_find_container(r);
    if (!c)
        return;
    cstore_lock();
    bool running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
    cstore_unlock();
    struct md_error err = {0};
    if (!running) {
        md_err(&err, MD_ECONFLICT, "Container %s is not running", c->id);
    } else {
        _cleanup_free_ char *exec_dir = md_exec_path("%s", c->id);
        rt_resize(exec_dir, h, w, &err);
    }
    if (err.msg)
        api_reply_error(r, &err);
    else
        api_reply_status(r, 200);
    md_err_clear(&err);
    ctr_put(c);
}

/* ---- logs ---- */

struct logs_ctx {
    struct container *c;
    bool out, err, follow, timestamps, tty;
    long long tail; /* -1 = all */
    int64_t since, until;
    int sock; /* attach logs=1 writes straight to the upgraded socket */
};

static void logs_free(void *p)
{
    struct logs_ctx *l = p;
    ctr_put(l->c);
    free(l);
}

/* One json-file line -> the frame (or raw bytes) docker sends. */
static int emit_entry(struct logs_ctx *l, int fd, const char *log, size_t len, bool is_err,
                      int64_t ns)
{
    if ((is_err && !l->err) || (!is_err && !l->out) || ns < l->since || ns > l->until)
        return 0;
    /* by length: the output may hold NUL bytes ("\u0000" in the file) */
    _cleanup_free_ char *ts = l->timestamps ? time_format(ns, true) : NULL;
    size_t tl = ts ? strlen(ts) + 1 : 0;
    size_t n = tl + len;
    _cleanup_free_ char *payload = xmalloc(n + 1);
    if (ts) {
        memcpy(payload, ts, tl - 1);
        payload[tl - 1] = ' ';
    }
    memcpy(payload + tl, log, len);
    if (!l->tty) {
        uint8_t hdr[8];
        stream_header(hdr, is_err ? STREAM_STDERR : STREAM_STDOUT, (uint32_t)n);
        if (api_write_all(fd, hdr, 8) < 0)
            return -1;
    }
    return api_write_all(fd, payload, n);
}

static int emit_line(struct logs_ctx *l, int fd, const char *line)
{
    _cleanup_json_ json_t *j = json_loads(line, JSON_ALLOW_NUL, NULL);
    const char *log = json_str(j, "log");
    const char *stream = json_str(j, "stream");
    const char *t = json_str(j, "time");
    int64_t ns = 0;
    if (!log || !stream || !t || time_parse_rfc3339(t, &ns) < 0)
        return 0; /* a damaged line is skipped, as docker does */
    size_t len = json_string_length(json_object_get(j, "log"));
    return emit_entry(l, fd, log, len, !strcmp(stream, "stderr"), ns);
}

static bool ctr_live(struct container *c)
{
    cstore_lock();
    bool live = c->status == CTR_RUNNING || c->status == CTR_PAUSED ||
                c->status == CTR_RESTARTING || c->prepared;
    cstore_unlock();
    return live;
}

/* One line (with its newline) from a rotated file, plain or gzip'ed
 * (zlib reads both); -1 at the end. */
static ssize_t gz_getline(gzFile g, char **line, size_t *cap)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            *cap = *cap ? *cap * 2 : 4096;
            *line = xrealloc(*line, *cap);
        }
        if (!gzgets(g, *line + len, (int)(*cap - len)))
            return len ? (ssize_t)len : -1;
        len += strlen(*line + len);
        if (len && (*line)[len - 1] == '\n')
            return (ssize_t)len;
    }
}

/* The rotated files of a json-file log, oldest first: path.N[.gz] ...
 * path.1[.gz] (while a .1 is being gzip'ed both exist: the .gz, complete
 * once it has its name, is taken). */
static char **rotated_logs(const char *path)
{
    char **v = NULL;
    for (int i = 1;; i++) {
        _cleanup_free_ char *gz = xasprintf("%s.%d.gz", path, i);
        _cleanup_free_ char *raw = xasprintf("%s.%d", path, i);
        if (access(gz, F_OK) == 0)
            strv_push(&v, gz);
        else if (access(raw, F_OK) == 0)
            strv_push(&v, raw);
        else
            break;
    }
    size_t n = strv_len(v);
    for (size_t i = 0; i < n / 2; i++) {
        char *t = v[i];
        v[i] = v[n - 1 - i];
        v[n - 1 - i] = t;
    }
    return v;
}

/* Every whole line of a rotated file, after the first *skip; -1 when the
 * client is gone. count: only count them into *skip (negative). */
static int read_rotated(struct logs_ctx *l, int fd, const char *file, long long *skip, bool count,
                        char **line, size_t *cap)
{
    gzFile g = gzopen(file, "rb");
    if (!g)
        return 0; /* rotated away meanwhile */
    int r = 0;
    ssize_t n;
    while ((n = gz_getline(g, line, cap)) > 0) {
        if ((*line)[n - 1] != '\n')
            break;
        if (count) {
            (*skip)--;
        } else if (*skip > 0) {
            (*skip)--;
        } else if (emit_line(l, fd, *line) < 0) {
            r = -1;
            break;
        }
    }
    gzclose(g);
    return r;
}

static bool same_file(FILE *f, const char *path)
{
    struct stat a, b;
    return fstat(fileno(f), &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
           a.st_dev == b.st_dev;
}

/* A follower that finds its file rotated away read it to the end; if the
 * writer rotated more than once since, the files after it (found by the
 * inode it had: a rename keeps it) come next, oldest first. */
static int read_newer(struct logs_ctx *l, int fd, const char *path, const struct stat *old,
                      char **line, size_t *cap)
{
    _cleanup_strv_ char **rotated = rotated_logs(path);
    size_t n = strv_len(rotated), at = n;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(rotated[i], &st) == 0 && st.st_ino == old->st_ino && st.st_dev == old->st_dev)
            at = i;
    }
    long long skip = 0;
    for (size_t i = at + 1; i < n; i++)
        if (read_rotated(l, fd, rotated[i], &skip, false, line, cap) < 0)
            return -1;
    return 0;
}

/* The rest of f's whole lines; -1 when the client is gone. */
static int drain(struct logs_ctx *l, int fd, FILE *f, char **line, size_t *cap)
{
    clearerr(f);
    ssize_t k;
    while ((k = getline(line, cap, f)) > 0 && (*line)[k - 1] == '\n')
        if (emit_line(l, fd, *line) < 0)
            return -1;
    return 0;
}

static void logs_producer(void *p, int fd)
{
    struct logs_ctx *l = p;
    _cleanup_free_ char *path = md_data_path("containers/%s/%s-json.log", l->c->id, l->c->id);
    _cleanup_strv_ char **rotated = rotated_logs(path);
    _cleanup_fclose_ FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    /* tail: count the lines of every file first, then skip all but the
     * last N */
    long long skip = 0;
    if (l->tail >= 0) {
        long long total = 0;
        for (char **r = rotated; r && *r; r++)
            read_rotated(l, fd, *r, &total, true, &line, &cap);
        total = -total;
        int ch;
        while (f && (ch = fgetc(f)) != EOF)
            total += ch == '\n';
        skip = total > l->tail ? total - l->tail : 0;
        if (f)
            rewind(f);
    }
    for (char **r = rotated; r && *r; r++)
        if (read_rotated(l, fd, *r, &skip, false, &line, &cap) < 0) {
            free(line);
            return;
        }
    for (;;) {
        ssize_t n = f ? getline(&line, &cap, f) : -1;
        if (n > 0 && line[n - 1] == '\n') {
            if (skip > 0) {
                skip--;
                continue;
            }
            if (emit_line(l, fd, line) < 0)
                break;
            continue;
        }
        /* at the end (or a partial line still being written) */
        if (n > 0)
            fseek(f, -n, SEEK_CUR);
        if (!l->follow || api_shutting_down() || api_fd_hung_up(fd))
            break;
        if (!ctr_live(l->c)) {
            /* drain what the shim wrote before it exited, then stop */
            if (f)
                drain(l, fd, f, &line, &cap);
            break;
        }
        if (time_now_ns() > l->until)
            break;
        usleep(50 * 1000);
        if (!f) {
            f = fopen(path, "r");
        } else if (!same_file(f, path)) {
            /* rotated: the rest of the old file (now .1), any rotated
             * after it, then the new one. Compressed ones have new inodes:
             * with compress, a reader slower than two rotations loses the
             * files between. */
            struct stat old;
            fstat(fileno(f), &old);
            if (drain(l, fd, f, &line, &cap) < 0 || read_newer(l, fd, path, &old, &line, &cap) < 0)
                break;
            fclose(f);
            f = fopen(path, "r");
        } else {
            clearerr(f);
        }
    }
    free(line);
}

static void send_logs(struct attach_ctx *a, int sock)
{
    struct logs_ctx l = {.c = a->c,
                         .out = a->out,
                         .err = a->err,
                         .tty = a->tty,
                         .tail = -1,
                         .since = INT64_MIN,
                         .until = INT64_MAX};
    logs_producer(&l, sock);
}

static void logs(struct api_req *r)
{
    bool out = api_query_bool(r, "stdout", false), err = api_query_bool(r, "stderr", false);
    if (!out && !err) {
        api_reply_msg(r, 400, "Bad parameters: you must choose at least one stream");
        return;
    }
    int64_t now = time_now_ns();
    int64_t since = INT64_MIN, until = INT64_MAX;
    const char *s = api_query(r, "since");
    const char *u = api_query(r, "until");
    if (s && *s && strcmp(s, "0") && time_parse_since(s, now, &since) < 0) {
        api_reply_msg(r, 400, "invalid value for \"since\": %s", s);
        return;
    }
    if (u && *u && strcmp(u, "0") && time_parse_since(u, now, &until) < 0) {
        api_reply_msg(r, 400, "invalid value for \"until\": %s", u);
        return;
    }
    long long tail = -1;
    const char *t = api_query(r, "tail");
    if (t && *t && strcmp(t, "all")) {
        char *end;
        tail = strtoll(t, &end, 10);
        if (*end || tail < 0)
            tail = -1; /* docker treats a bad tail as "all" */
    }
    struct container *c = api_find_container(r);
    if (!c)
        return;
    cstore_lock();
    bool tty = c->spec->tty;
    bool none = ctr_log_none(c);
    cstore_unlock();
    if (none) {
        /* moby's ErrReadLogsNotSupported, a NotImplemented error */
        ctr_put(c);
        api_reply_msg(r, 501, "configured logging driver does not support reading");
        return;
    }
    struct logs_ctx *l = xcalloc(1, sizeof *l);
    *l = (struct logs_ctx){.c = c,
                           .out = out,
                           .err = err,
                           .follow = api_query_bool(r, "follow", false),
                           .timestamps = api_query_bool(r, "timestamps", false),
                           .tty = tty,
                           .tail = tail,
                           .since = since,
                           .until = until};
    api_reply_stream(r, 200,
                     tty ? "application/vnd.docker.raw-stream"
                         : "application/vnd.docker.multiplexed-stream",
                     logs_producer, l, logs_free);
}

const struct api_route api_routes_ctr_io[] = {
    {"POST", "/containers/{id}/wait", wait_, 0},
    {"POST", "/containers/{id}/attach", attach, 0},
    {"POST", "/containers/{id}/resize", resize, 0},
    {"GET", "/containers/{id}/logs", logs, 0},
    {NULL, NULL, NULL, 0},
};
