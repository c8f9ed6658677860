/* /containers/{id}/exec and /exec/{id}/...: create, start (upgraded stream,
 * plain stream, or detached), inspect, resize. The stream runs the exec
 * through its shim's attach socket with the relay attach uses. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/stream.h"
#include "daemon/api/containers.h"
#include "daemon/api/relay.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/exec.h"

#include <string.h>
#include <sys/socket.h>

/* ---- create ---- */

/* Cmd and Env are string arrays (moby's StrSlice also takes one string). */
static int strv_from_json(json_t *j, const char *field, char ***out, struct md_error *err)
{
    *out = NULL;
    if (!j || json_is_null(j))
        return 0;
    if (json_is_string(j)) {
        strv_push(out, json_string_value(j));
        return 0;
    }
    if (!json_is_array(j))
        return md_err(err, MD_EINVAL, "%s: expected an array of strings", field);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
    {
        if (!json_is_string(v)) {
            strv_free(*out);
            *out = NULL;
            return md_err(err, MD_EINVAL, "%s: expected an array of strings", field);
        }
        strv_push(out, json_string_value(v));
    }
    return 0;
}

/* [h, w] or null; anything else is a 400. */
static int console_size(json_t *j, uint16_t *h, uint16_t *w, struct md_error *err)
{
    *h = *w = 0;
    if (!j || json_is_null(j))
        return 0;
    json_t *a = json_array_get(j, 0), *b = json_array_get(j, 1);
    if (!json_is_array(j) || json_array_size(j) != 2 || !json_is_integer(a) ||
        !json_is_integer(b) || json_integer_value(a) < 0 || json_integer_value(a) > 65535 ||
        json_integer_value(b) < 0 || json_integer_value(b) > 65535)
        return md_err(err, MD_EINVAL, "invalid ConsoleSize: expected [height, width]");
    *h = (uint16_t)json_integer_value(a);
    *w = (uint16_t)json_integer_value(b);
    return 0;
}

static void exec_create_(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *body = api_body_decode(r, &schema_exec_create, true, &err);
    if (!body) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    struct exec_config cfg = {0};
    int rc = strv_from_json(json_object_get(body, "Cmd"), "Cmd", &cfg.argv, &err);
    if (rc == 0)
        rc = strv_from_json(json_object_get(body, "Env"), "Env", &cfg.env, &err);
    if (rc == 0 && (!cfg.argv || !cfg.argv[0]))
        rc = md_err(&err, MD_EINVAL, "No exec command specified");
    if (rc == 0 && r->api_minor >= 42)
        rc = console_size(json_object_get(body, "ConsoleSize"), &cfg.console_h, &cfg.console_w,
                          &err);
    if (rc < 0) {
        strv_free(cfg.argv);
        strv_free(cfg.env);
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    cfg.tty = json_is_true(json_object_get(body, "Tty"));
    cfg.attach_stdin = json_is_true(json_object_get(body, "AttachStdin"));
    cfg.attach_stdout = json_is_true(json_object_get(body, "AttachStdout"));
    cfg.attach_stderr = json_is_true(json_object_get(body, "AttachStderr"));
    cfg.privileged = json_is_true(json_object_get(body, "Privileged"));
    cfg.detach_keys = xstrdup(json_str(body, "DetachKeys") ?: "");
    cfg.user = xstrdup(json_str(body, "User") ?: "");
    cfg.workdir = xstrdup(json_str(body, "WorkingDir") ?: "");
    struct container *c = api_find_container(r);
    struct exec_inst *e = NULL;
    if (c && exec_create(c, r->params[0], &cfg, &e, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
    }
    exec_config_clear(&cfg);
    if (e)
        api_reply_json(r, 201, json_pack("{s:s}", "Id", e->id));
    exec_put(e);
    ctr_put(c);
}

/* ---- start ---- */

struct start_ctx {
    struct exec_inst *e;
    uint16_t h, w;
    bool tty; /* the start request's: a raw stream, else multiplexed (moby) */
};

static void start_free(void *p)
{
    struct start_ctx *s = p;
    exec_put(s->e);
    free(s);
}

/* moby writes a start failure into the stream it already hijacked: as a
 * stdout frame without a tty, with "\r\n". */
static void write_error(int fd, bool tty, const char *msg)
{
    _cleanup_free_ char *line = xasprintf("%s\r\n", msg);
    size_t n = strlen(line);
    if (!tty) {
        uint8_t h[8];
        stream_header(h, STREAM_STDOUT, (uint32_t)n);
        api_write_all(fd, h, 8);
    }
    api_write_all(fd, line, n);
}

/* The whole run of an attached exec: set up, connect, release, relay,
 * and hold the stream until the exit code is recorded. */
static void run_stream(struct start_ctx *s, int sock, bool no_input, const char *extra,
                       size_t extra_len)
{
    struct exec_inst *e = s->e;
    struct md_error err = {0};
    if (exec_prepare(e, s->h, s->w, &err) < 0) {
        write_error(sock, s->tty, md_err_msg(&err));
        md_err_clear(&err);
        return;
    }
    bool in = e->cfg.attach_stdin && !no_input;
    _cleanup_free_ char *dir = exec_dir_of(e);
    _cleanup_close_ int shim =
        rt_attach_connect(dir, in, e->cfg.attach_stdout, e->cfg.attach_stderr, &err);
    if (exec_release(e, &err) < 0) {
        write_error(sock, s->tty, md_err_msg(&err));
        md_err_clear(&err);
        return;
    }
    if (shim < 0) {
        md_err_clear(&err);
        exec_wait_exit(e, 2000);
        return;
    }
    struct relay_opts o = {.stdin_attached = in,
                           .tty = e->cfg.tty,
                           .close_stdin = true,
                           .no_input = no_input,
                           .keys = e->keys,
                           .nkeys = e->nkeys,
                           .output = s->tty == e->cfg.tty ? RELAY_AS_SHIM
                                     : s->tty             ? RELAY_UNFRAME
                                                          : RELAY_FRAME};
    enum relay_end end = api_relay(sock, shim, &o, extra, extra_len);
    if (end == RELAY_DETACHED)
        exec_container_event(e->c, "exec_detach", json_pack("{s:s}", "execID", e->id));
    else if (end == RELAY_OUTPUT_ENDED)
        exec_wait_exit(e, 2000); /* the CLI inspects as soon as the stream ends */
}

static void start_upgraded(void *p, int sock, const char *extra, size_t extra_len,
                           struct api_upgrade *u)
{
    run_stream(p, sock, false, extra, extra_len);
    shutdown(sock, SHUT_WR);
    api_upgrade_done(u);
}

/* Without an Upgrade header moby answers 200 and hijacks; here the output
 * goes as a plain chunked body and stdin is not read. */
static void start_streamed(void *p, int fd)
{
    run_stream(p, fd, true, NULL, 0);
}

static void exec_start(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *body = api_body_decode(r, &schema_exec_start, true, &err);
    uint16_t h = 0, w = 0;
    if (body)
        console_size(json_object_get(body, "ConsoleSize"), &h, &w, &err);
    if (err.msg) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    bool detach = json_is_true(json_object_get(body, "Detach"));
    bool tty = json_is_true(json_object_get(body, "Tty"));
    struct exec_inst *e = NULL;
    if (exec_find(r->params[0], &e, &err) < 0 || exec_check_active(e, &err) < 0 ||
        exec_begin(e, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        exec_put(e);
        return;
    }
    if (detach) {
        /* 200 with an empty body once it runs; output goes nowhere */
        if (exec_prepare(e, h, w, &err) < 0 || exec_release(e, &err) < 0)
            api_reply_error(r, &err);
        else
            api_reply_status(r, 200);
        md_err_clear(&err);
        exec_put(e);
        return;
    }
    struct start_ctx *s = xcalloc(1, sizeof *s);
    *s = (struct start_ctx){.e = e, .h = h, .w = w, .tty = tty};
    const char *type =
        tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
    const char *up = api_header(r, "Upgrade");
    if (up && *up)
        api_reply_upgrade(r, type, start_upgraded, s, start_free);
    else
        api_reply_stream(r, 200, "application/vnd.docker.raw-stream", start_streamed, s,
                         start_free);
}

/* ---- inspect, resize ---- */

static char *base64(const unsigned char *b, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? (unsigned)b[i + 1] << 8 : 0) |
                     (i + 2 < n ? b[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < n ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? tab[v & 63] : '=';
    }
    *o = 0;
    return out;
}

static void exec_inspect(struct api_req *r)
{
    struct exec_inst *e = NULL;
    struct md_error err = {0};
    if (exec_find(r->params[0], &e, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    _cleanup_free_ char *keys = base64(e->keys, e->nkeys);
    json_t *pc =
        json_pack("{s:b,s:s,s:o,s:b}", "tty", e->cfg.tty, "entrypoint", e->cfg.argv[0], "arguments",
                  json_strv(e->cfg.argv + 1), "privileged", e->cfg.privileged);
    if (e->cfg.user[0])
        json_object_set_new(pc, "user", json_string(e->cfg.user));
    cstore_lock();
    json_t *j =
        json_pack("{s:s,s:b,s:o,s:o,s:b,s:b,s:b,s:b,s:s,s:s,s:i}", "ID", e->id, "Running",
                  e->running, "ExitCode", e->has_exit ? json_integer(e->exit_code) : json_null(),
                  "ProcessConfig", pc, "OpenStdin", e->cfg.attach_stdin, "OpenStderr",
                  e->cfg.attach_stderr, "OpenStdout", e->cfg.attach_stdout, "CanRemove",
                  e->can_remove, "ContainerID", e->c->id, "DetachKeys", keys, "Pid", (int)e->pid);
    cstore_unlock();
    api_reply_json(r, 200, j);
    exec_put(e);
}

static void exec_resize_(struct api_req *r)
{
    uint16_t h, w;
    if (!api_resize_size(r, &h, &w))
        return;
    struct exec_inst *e = NULL;
    struct md_error err = {0};
    if (exec_find(r->params[0], &e, &err) < 0 || exec_check_active(e, &err) < 0 ||
        exec_resize(e, h, w, &err) < 0)
        api_reply_error(r, &err);
    else
        api_reply_status(r, 200);
    md_err_clear(&err);
    exec_put(e);
}

const struct api_route api_routes_exec[] = {
    {"POST", "/containers/{id}/exec", exec_create_, 0},
    {"POST", "/exec/{id}/start", exec_start, 0},
    {"POST", "/exec/{id}/resize", exec_resize_, 0},
    {"GET", "/exec/{id}/json", exec_inspect, 0},
    {NULL, NULL, NULL, 0},
};
