/* POST /build: the classic builder's endpoint. The context (a tar, maybe
 * compressed) is unpacked while it arrives; the build runs in the reply's
 * producer and streams moby's JSON lines. Every query parameter is applied
 * or refused with a 400 that names it. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/api/server.h"
#include "daemon/builder/build.h"
#include "daemon/image/layer.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

struct build_job {
    struct build_opts o;
    char *tmp; /* the unpacked context's directory */
    char *dockerfile, *target;
};

static void job_free(void *p)
{
    struct build_job *j = p;
    if (j->o.ctxfd >= 0)
        close(j->o.ctxfd);
    if (j->tmp)
        store_tmp_remove(j->tmp);
    free(j->tmp);
    free(j->dockerfile);
    free(j->target);
    strv_free(j->o.tags);
    json_decref(j->o.buildargs);
    json_decref(j->o.labels);
    json_decref(j->o.host_config);
    free(j);
}

static void produce(void *ctx, int fd)
{
    struct build_job *j = ctx;
    j->o.out = fd;
    build_run(&j->o);
}

static bool set(const char *v)
{
    return v && *v;
}

/* A JSON query value of the given type, or NULL (err set) */
static json_t *json_query(struct api_req *r, const char *key, json_type t, struct md_error *err)
{
    const char *v = api_query(r, key);
    if (!set(v))
        return t == JSON_OBJECT ? json_object() : json_array();
    json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
    if (!j || json_typeof(j) != t) {
        json_decref(j);
        md_err(err, MD_EINVAL, "invalid %s: %s", key, v);
        return NULL;
    }
    return j;
}

static int host_config(struct api_req *r, json_t *hc, struct md_error *err)
{
    const char *nm = api_query(r, "networkmode");
    if (set(nm) && strcmp(nm, "default"))
        json_object_set_new(hc, "NetworkMode", json_string(nm));
    _cleanup_strv_ char **eh = api_query_all(r, "extrahosts");
    if (eh && eh[0]) {
        json_t *a = json_array();
        for (char **h = eh; *h; h++) {
            /* the CLI sends one value, comma-separated */
            _cleanup_free_ char *d = xstrdup(*h);
            char *save = NULL;
            for (char *x = strtok_r(d, ",", &save); x; x = strtok_r(NULL, ",", &save))
                json_array_append_new(a, json_string(x));
        }
        json_object_set_new(hc, "ExtraHosts", a);
    }
    static const char *const ints[][2] = {{"shmsize", "ShmSize"},     {"memory", "Memory"},
                                          {"memswap", "MemorySwap"},  {"cpushares", "CpuShares"},
                                          {"cpuperiod", "CpuPeriod"}, {"cpuquota", "CpuQuota"}};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        bool ok = true;
        long long v = api_query_int(r, ints[i][0], 0, &ok);
        if (!ok)
            return md_err(err, MD_EINVAL, "invalid %s: %s", ints[i][0], api_query(r, ints[i][0]));
        if (v)
            json_object_set_new(hc, ints[i][1], json_integer(v));
    }
    static const char *const strs[][2] = {{"cpusetcpus", "CpusetCpus"},
                                          {"cpusetmems", "CpusetMems"}};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
        const char *v = api_query(r, strs[i][0]);
        if (set(v))
            json_object_set_new(hc, strs[i][1], json_string(v));
    }
    json_t *ul = json_query(r, "ulimits", JSON_ARRAY, err);
    if (!ul)
        return -1;
    if (json_array_size(ul))
        json_object_set_new(hc, "Ulimits", ul);
    else
        json_decref(ul);
    return 0;
}

/* The query refused before anything is read. */
static int refused(struct api_req *r, struct md_error *err)
{
    const char *remote = api_query(r, "remote");
    if (set(remote))
        return md_err(err, MD_EINVAL,
                      "remote build contexts are not supported by minidock (remote=%s): send "
                      "the context as the request body",
                      remote);
    if (api_query_bool(r, "squash", false))
        return md_err(err, MD_EINVAL, "squash is not supported by minidock's builder");
    if (api_query_bool(r, "pull", false))
        return md_err(err, MD_EINVAL,
                      "pull is not supported by minidock's builder: there is no registry "
                      "access; load the base image and build without --pull");
    const char *ver = api_query(r, "version");
    if (set(ver) && strcmp(ver, "1"))
        return md_err(err, MD_EINVAL, "builder version %s (BuildKit) is not supported: minidock "
                                      "has the classic builder only (version=1)", ver);
    const char *cf = api_query(r, "cachefrom");
    if (set(cf) && strcmp(cf, "[]") && strcmp(cf, "null"))
        return md_err(err, MD_EINVAL, "cachefrom is not supported by minidock's builder");
    static const char *const empty_only[] = {"cgroupparent", "isolation", "outputs", "session"};
    for (size_t i = 0; i < sizeof empty_only / sizeof *empty_only; i++) {
        const char *v = api_query(r, empty_only[i]);
        if (set(v) && strcmp(v, "default") && strcmp(v, "[]"))
            return md_err(err, MD_EINVAL, "%s is not supported by minidock's builder",
                          empty_only[i]);
    }
    const char *pf = api_query(r, "platform");
    if (set(pf) && strcmp(pf, "linux") && strcmp(pf, "linux/amd64"))
        return md_err(err, MD_EINVAL,
                      "platform %s is not supported: minidock builds linux/amd64 only", pf);
    const char *df = api_query(r, "dockerfile");
    if (set(df) && (!strncmp(df, "http://", 7) || !strncmp(df, "https://", 8)))
        return md_err(err, MD_EINVAL, "a remote dockerfile is not supported by minidock: %s", df);
    return 0;
}

static int prepare(struct api_req *r, struct build_job *j, struct md_error *err)
{
    if (refused(r, err) < 0)
        return -1;
    _cleanup_strv_ char **tags = api_query_all(r, "t");
    j->o.tags = xcalloc(1, sizeof *j->o.tags);
    for (char **t = tags; t && *t; t++) {
        char *full = NULL;
        if (store_repo_tag_ref(*t, NULL, &full, err) < 0)
            return -1;
        strv_push(&j->o.tags, full);
        free(full);
    }
    if (!(j->o.buildargs = json_query(r, "buildargs", JSON_OBJECT, err)) ||
        !(j->o.labels = json_query(r, "labels", JSON_OBJECT, err)))
        return -1;
    const char *k;
    json_t *v;
    json_object_foreach(j->o.labels, k, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid labels: the value of %s is not a string", k);
    }
    j->o.host_config = json_object();
    if (host_config(r, j->o.host_config, err) < 0)
        return -1;
    const char *df = api_query(r, "dockerfile"), *target = api_query(r, "target");
    j->dockerfile = xstrdup(set(df) ? df : "Dockerfile");
    j->target = set(target) ? xstrdup(target) : NULL;
    j->o.dockerfile = j->dockerfile;
    j->o.target = j->target;
    j->o.nocache = api_query_bool(r, "nocache", false);
    const char *rm = api_query(r, "rm");
    j->o.rm = set(rm) ? api_query_bool(r, "rm", true) : true;
    j->o.forcerm = api_query_bool(r, "forcerm", false);
    j->o.quiet = api_query_bool(r, "q", false);

    /* the context, unpacked as it arrives */
    j->tmp = store_tmp_dir(err);
    if (!j->tmp)
        return -1;
    _cleanup_close_ int dfd = open(j->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return md_errno(err, errno, "build context");
    struct layer_unpack_opts uo = {.label = "build context"};
    struct layer_info info;
    if (layer_unpack(api_body_read, r, dfd, &uo, &info, err) < 0)
        return -1;
    j->o.ctxfd = openat(dfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (j->o.ctxfd < 0)
        return md_errno(err, errno, "build context");
    return 0;
}

static void build(struct api_req *r)
{
    struct build_job *j = xcalloc(1, sizeof *j);
    j->o.ctxfd = -1;
    struct md_error err = {0};
    if (prepare(r, j, &err) < 0) {
        log_info("build: %s", md_err_msg(&err));
        api_reply_error(r, &err);
        md_err_clear(&err);
        job_free(j);
        return;
    }
    api_reply_stream(r, 200, "application/json", produce, j, job_free);
}

const struct api_route api_routes_build[] = {
    {"POST", "/build", build, API_BODY_STREAM},
    {NULL, NULL, NULL, 0},
};
