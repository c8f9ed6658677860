/* docker cp's side of the API (HEAD/GET/PUT /containers/{id}/archive) and
 * docker export: thin handlers over daemon/ctrfs. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "daemon/api/containers.h"
#include "daemon/ctrfs/ctrfs.h"
#include "common/log.h"

#define STAT_HEADER "X-Docker-Container-Path-Stat"

/* The container and the path of ?path=; NULL after replying. */
static struct container *archive_target(struct api_req *r, const char **path)
{
    *path = api_query(r, "path");
    if (!*path || !**path) {
        api_reply_msg(r, 400, "path is required"); /* moby's missing-parameter text */
        return NULL;
    }
    return api_find_container(r);
}

struct tar_job {
    struct container *c;
    char *path; /* NULL: export */
};

static void tar_job_free(void *p)
{
    struct tar_job *j = p;
    ctr_put(j->c);
    free(j->path);
    free(j);
}

/* The producer thread: the root is opened again here (the handler's was
 * closed with its lock, which must be released by the thread that took it). */
static void tar_producer(void *ctx, int fd)
{
    struct tar_job *j = ctx;
    struct md_error err = {0};
    struct ctrfs_root root;
    int rc = ctrfs_open(j->c, &root, &err);
    if (rc == 0) {
        rc = j->path ? ctrfs_tar_path(&root, j->path, fd, &err) : ctrfs_export(&root, fd, &err);
        ctrfs_close(&root);
    }
    /* the client sees a cut stream: a tar without its end */
    if (rc < 0)
        log_warn("%s %s: %s", j->path ? "archive" : "export", j->c->name, md_err_msg(&err));
    md_err_clear(&err);
}

static void archive_get(struct api_req *r)
{
    const char *path;
    struct container *c = archive_target(r, &path);
    if (!c)
        return;
    struct md_error err = {0};
    struct ctrfs_root root;
    struct ctrfs_stat st;
    int rc = ctrfs_open(c, &root, &err);
    if (rc == 0) {
        rc = ctrfs_stat(&root, path, r->params[0], &st, &err);
        ctrfs_close(&root);
    }
    if (rc < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        ctr_put(c);
        return;
    }
    _cleanup_free_ char *hdr = ctrfs_stat_header(&st);
    ctrfs_stat_free(&st);
    api_set_header(r, STAT_HEADER, hdr);
    if (!strcmp(r->method, "HEAD")) {
        ctr_put(c);
        api_reply_status(r, 200);
        return;
    }
    struct tar_job *j = xcalloc(1, sizeof *j);
    j->c = c;
    j->path = xstrdup(path);
    api_reply_stream(r, 200, "application/x-tar", tar_producer, j, tar_job_free);
}

static void export(struct api_req *r)
{
    struct container *c = api_find_container(r);
    if (!c)
        return;
    struct tar_job *j = xcalloc(1, sizeof *j);
    j->c = c;
    api_reply_stream(r, 200, "application/x-tar", tar_producer, j, tar_job_free);
}

/* copyUIDGID: everything owned by the container's user, when it has one
 * (moby tarCopyOptions); without one, the tar's own ids. */
static int container_ids(struct container *c, const struct ctrfs_root *root,
                         struct ctrfs_put_opts *o, struct md_error *err)
{
    cstore_lock();
    json_t *u = json_object_get(c->config, "User");
    _cleanup_free_ char *user = xstrdup(json_is_string(u) ? json_string_value(u) : "");
    cstore_unlock();
    if (!*user)
        return 0;
    o->chown = true;
    return ctrfs_user_ids(root, user, &o->uid, &o->gid, err);
}

static void archive_put(struct api_req *r)
{
    const char *path;
    struct container *c = archive_target(r, &path);
    if (!c)
        return;
    struct ctrfs_put_opts o = {.no_overwrite_dir_nondir =
                                   api_query_bool(r, "noOverwriteDirNonDir", false)};
    bool copy_ids = api_query_bool(r, "copyUIDGID", false);
    cstore_lock();
    bool readonly = json_is_true(json_object_get(c->host_config, "ReadonlyRootfs"));
    cstore_unlock();
    struct md_error err = {0};
    struct ctrfs_root root;
    _cleanup_free_ char *dest = NULL;
    int rc = ctrfs_open(c, &root, &err);
    if (rc == 0) {
        rc = ctrfs_put_check(&root, path, r->params[0], readonly, &dest, &err);
        if (rc == 0 && copy_ids)
            rc = container_ids(c, &root, &o, &err);
        if (rc == 0)
            rc = ctrfs_extract(&root, dest, api_body_read, r, &o, &err);
        ctrfs_close(&root);
    }
    ctr_put(c);
    if (rc < 0)
        api_reply_error(r, &err);
    else
        api_reply_status(r, 200);
    md_err_clear(&err);
}

const struct api_route api_routes_ctr_archive[] = {
    {"GET", "/containers/{id}/archive", archive_get, 0}, /* HEAD too: the stat alone */
    {"PUT", "/containers/{id}/archive", archive_put, API_BODY_STREAM},
    {"GET", "/containers/{id}/export", export, 0},
    {NULL, NULL, NULL, 0},
};
