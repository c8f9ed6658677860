/* Image endpoints: list, inspect, history, tag, remove, prune, save, load,
 * import (POST /images/create?fromSrc=-). Pulls come with the registry
 * client; until then /images/create?fromImage= says so. */
#include "daemon/api/images.h"
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/image/archive.h"
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

static void create(struct api_req *r)
{
    struct md_error err = {0};
    const char *from_image = api_query(r, "fromImage");
    const char *from_src = api_query(r, "fromSrc");
    if (from_image && *from_image) {
        api_reply_msg(r, 500,
                      "pulling from registries is not implemented yet (load the image "
                      "with minidock load)");
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
    {"DELETE", "/images/{name*}", del, 0},
    {NULL, NULL, NULL, 0},
};
