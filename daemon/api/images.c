/* Image endpoints: list, inspect, history, tag, remove, prune, save, load,
 * import (POST /images/create?fromSrc=-) and pull (?fromImage=), login
 * (POST /auth). */
#include "daemon/api/images.h"
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/image/archive.h"
#include "daemon/image/pull.h"
#include "daemon/image/push.h"
#include "daemon/image/registry.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <malloc.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_filters(struct api_req *r, struct filters **f, struct md_error *err)
{
    return filters_parse(api_query(r, "filters"), f, err);
}

static void list(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (parse_filters(r, &f, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    /* shared-size came with API 1.42 (moby getImagesJSON) */
    bool shared = r->api_minor >= 42 && api_query_bool(r, "shared-size", false);
    json_t *j = image_list_json(api_query_bool(r, "all", false), f, shared, &err);
    if (!j) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    image_list_compat(j, r->api_minor);
    api_reply_json(r, 200, j);
}

static struct image *find(struct api_req *r)
{
    struct md_error err = {0};
    struct image *im;
    if (image_lookup(r->params[0], &im, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return NULL;
    }
    return im;
}

static void inspect(struct api_req *r)
{
    struct image *im = find(r);
    if (!im)
        return;
    json_t *j = image_inspect_json(im, r->api_minor);
    image_put(im);
    api_reply_json(r, 200, j);
}

static void history(struct api_req *r)
{
    struct image *im = find(r);
    if (!im)
        return;
    struct md_error err = {0};
    json_t *j = image_history_json(im, &err);
    image_put(im);
    if (!j) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200, j);
}

static void tag(struct api_req *r)
{
    struct md_error err = {0};
    if (store_tag(r->params[0], api_query(r, "repo"), api_query(r, "tag"), &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_status(r, 201);
}

static void del(struct api_req *r)
{
    struct md_error err = {0};
    json_t *j = store_delete(r->params[0], api_query_bool(r, "force", false),
                             !api_query_bool(r, "noprune", false), &err);
    if (!j) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200, j);
}

static void prune(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    json_t *j = NULL;
    if (parse_filters(r, &f, &err) == 0)
        j = store_prune(f, &err);
    if (!j) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200, j);
}

/* ---- streamed replies ---- */

/* A finished JSON-lines reply (load, import). */
struct lines {
    char *text;
};

static void lines_produce(void *ctx, int fd)
{
    struct lines *l = ctx;
    if (l->text)
        api_write_all(fd, l->text, strlen(l->text));
}

static void lines_free(void *ctx)
{
    struct lines *l = ctx;
    free(l->text);
    free(l);
}

static void add_line(struct lines *l, json_t *j)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *n = xasprintf("%s%s\r\n", l->text ? l->text : "", s);
    free(l->text);
    l->text = n;
}

static void add_stream_msg(void *ctx, const char *line)
{
    add_line(ctx, json_pack("{s:s}", "stream", line));
}

/* The error inside a JSON stream; CLI 28 reads errorDetail, older ones error. */
static void add_error(struct lines *l, const struct md_error *e)
{
    add_line(l, json_pack("{s:{s:s},s:s}", "errorDetail", "message", md_err_msg(e), "error",
                          md_err_msg(e)));
}

static void load(struct api_req *r)
{
    struct md_error err = {0};
    struct lines *l = xcalloc(1, sizeof *l);
    /* moby reports load failures inside a 200 stream; so does this */
    if (image_load(api_body_read, r, add_stream_msg, l, &err) < 0) {
        free(l->text);
        l->text = NULL;
        add_error(l, &err);
        log_info("load: %s", md_err_msg(&err));
    }
    md_err_clear(&err);
    malloc_trim(0); /* unpacking leaves megabytes of free heap behind */
    api_reply_stream(r, 200, "application/json", lines_produce, l, lines_free);
}

/* ---- pull ---- */

static int pull_emit(void *ctx, json_t *msg)
{
    int rc = api_write_json_line(*(int *)ctx, msg);
    json_decref(msg);
    return rc;
}

/* Run a pull or push on the stream's thread; its failure is the stream's
 * last message (the client reads errorDetail). */
static void run_streamed(int (*run)(void *, pull_emit_fn, void *, struct md_error *), void *ctx,
                         int fd, const char *what)
{
    struct md_error err = {0};
    if (run(ctx, pull_emit, &fd, &err) < 0) {
        log_info("%s: %s", what, md_err_msg(&err));
        if (err.err != EPIPE) {
            json_t *j = json_pack("{s:{s:s},s:s}", "errorDetail", "message", md_err_msg(&err),
                                  "error", md_err_msg(&err));
            api_write_json_line(fd, j);
            json_decref(j);
        }
    }
    md_err_clear(&err);
    malloc_trim(0); /* unpacking leaves megabytes of free heap behind */
}

static int pull_run(void *p, pull_emit_fn emit, void *ctx, struct md_error *err)
{
    return image_pull_run(p, emit, ctx, err);
}

static void pull_produce(void *ctx, int fd)
{
    run_streamed(pull_run, ctx, fd, "pull");
}

static void pull_free(void *ctx)
{
    image_pull_free(ctx);
}

/* moby answers with an error status when the pull fails before its first
 * message (the manifest), and inside the 200 stream after that. */
static void pull(struct api_req *r, const char *from_image)
{
    struct md_error err = {0};
    struct reg_auth auth;
    struct pull *p = NULL;
    if (reg_auth_decode(api_header(r, "X-Registry-Auth"), &auth, &err) == 0)
        image_pull_prepare(from_image, api_query(r, "tag"), api_query(r, "platform"), &auth, &p,
                           &err);
    reg_auth_free(&auth);
    if (!p) {
        log_info("pull %s: %s", from_image, md_err_msg(&err));
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_stream(r, 200, "application/json", pull_produce, p, pull_free);
}

static int push_run(void *p, pull_emit_fn emit, void *ctx, struct md_error *err)
{
    return image_push_run(p, emit, ctx, err);
}

static void push_produce(void *ctx, int fd)
{
    run_streamed(push_run, ctx, fd, "push");
}

static void push_free(void *ctx)
{
    image_push_free(ctx);
}

/* POST /images/{name}/push: the errors of pushing stream after a 200, as
 * moby's do; a name that cannot be one is a 400. */
static void push(struct api_req *r)
{
    struct md_error err = {0};
    struct reg_auth auth;
    struct push *p = NULL;
    const char *platform = api_query(r, "platform");
    if (platform && *platform) {
        api_reply_msg(r, 400,
                      "pushing one platform of an image (platform=%s) is not supported: "
                      "minidock images have one platform",
                      platform);
        return;
    }
    if (reg_auth_decode(api_header(r, "X-Registry-Auth"), &auth, &err) == 0)
        image_push_prepare(r->params[0], api_query(r, "tag"), &auth, &p, &err);
    reg_auth_free(&auth);
    if (!p) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_stream(r, 200, "application/json", push_produce, p, push_free);
}

static void distribution(struct api_req *r)
{
    struct md_error err = {0};
    struct reg_auth auth;
    json_t *j = NULL;
    if (reg_auth_decode(api_header(r, "X-Registry-Auth"), &auth, &err) == 0)
        j = image_distribution_json(r->params[0], &auth, &err);
    reg_auth_free(&auth);
    if (!j) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200, j);
}

/* POST /auth: the credentials checked against the registry's /v2/. */
static void auth(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *body = api_body_json(r, &err);
    if (!body) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    const char *server = json_str(body, "serveraddress");
    struct reg_auth a = {.username = (char *)json_str(body, "username"),
                         .password = (char *)json_str(body, "password")};
    _cleanup_free_ char *domain = registry_domain_of(server);
    struct registry *reg = registry_new(domain, "", "", &a);
    int rc = registry_login(reg, &err);
    registry_free(reg);
    if (rc < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200,
                   json_pack("{s:s,s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

static void create(struct api_req *r)
{
    struct md_error err = {0};
    const char *from_image = api_query(r, "fromImage");
    const char *from_src = api_query(r, "fromSrc");
    if (from_image && *from_image) {
        pull(r, from_image);
        return;
    }
    if (!from_src || !*from_src) {
        api_reply_msg(r, 400, "fromImage or fromSrc is required");
        return;
    }
    if (strcmp(from_src, "-") != 0) {
        api_reply_msg(r, 400,
                      "importing from a URL is not supported: download the file and import it "
                      "from stdin (fromSrc=-)");
        return;
    }
    _cleanup_strv_ char **changes = api_query_all(r, "changes");
    char id[DIGEST_LEN + 1];
    if (image_import(api_body_read, r, api_query(r, "repo"), api_query(r, "tag"),
                     api_query(r, "message"), changes, id, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    struct lines *l = xcalloc(1, sizeof *l);
    add_line(l, json_pack("{s:s}", "status", id));
    api_reply_stream(r, 200, "application/json", lines_produce, l, lines_free);
}

/* ---- save ---- */

struct saver {
    struct save_plan *plan;
    int client_fd; /* the connection's socket, to cut it on a failure */
    int out;
};

static int saver_write(void *ctx, const void *buf, size_t n)
{
    struct saver *s = ctx;
    return api_write_all(s->out, buf, n);
}

static void save_produce(void *ctx, int fd)
{
    struct saver *s = ctx;
    s->out = fd;
    struct md_error err = {0};
    if (image_save_write(s->plan, saver_write, s, &err) == 0)
        return;
    if (err.err == EPIPE) {
        md_err_clear(&err);
        return;
    }
    log_warn("save: %s", md_err_msg(&err));
    md_err_clear(&err);
    /* A truncated tar followed by a clean end of stream would look like a
     * complete archive to the client: cut the connection instead. While the
     * pipe's reader is open the stream, and so the connection, is alive. */
    if (!api_fd_hung_up(fd) && s->client_fd >= 0)
        shutdown(s->client_fd, SHUT_RDWR);
}

static void save_free(void *ctx)
{
    struct saver *s = ctx;
    image_save_free(s->plan);
    free(s);
}

static void save(struct api_req *r, char **names)
{
    struct md_error err = {0};
    struct save_plan *plan;
    if (image_save_prepare(names, &plan, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    struct saver *s = xcalloc(1, sizeof *s);
    s->plan = plan;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    s->client_fd = ci ? ci->connect_fd : -1;
    api_reply_stream(r, 200, "application/x-tar", save_produce, s, save_free);
}

static void save_many(struct api_req *r)
{
    _cleanup_strv_ char **names = api_query_all(r, "names");
    save(r, names);
}

static void save_one(struct api_req *r)
{
    char *names[2] = {r->params[0], NULL};
    save(r, names);
}

const struct api_route api_routes_images[] = {
    {"GET", "/images/json", list, 0},
    {"GET", "/images/get", save_many, 0},
    {"POST", "/images/load", load, API_BODY_STREAM},
    {"POST", "/images/create", create, API_BODY_STREAM},
    {"POST", "/images/prune", prune, 0},
    {"GET", "/images/{name*}/json", inspect, 0},
    {"GET", "/images/{name*}/history", history, 0},
    {"GET", "/images/{name*}/get", save_one, 0},
    {"POST", "/images/{name*}/tag", tag, 0},
    {"POST", "/images/{name*}/push", push, 0},
    {"DELETE", "/images/{name*}", del, 0},
    {"POST", "/auth", auth, 0},
    {"GET", "/distribution/{name*}/json", distribution, 0},
    {NULL, NULL, NULL, 0},
};
