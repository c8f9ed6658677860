/* Commit: a container's upper directory becomes a layer on top of its
 * image's, and a new image config says how to run it (moby's
 * NewChildImage). The tar of the upper dir is written by a thread into a
 * pipe and unpacked from it as any loaded layer is, so the layer gets its
 * diff id, tar-split and store entry the usual way. */
#include "daemon/image/commit.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/daemon.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* sha256 of an empty tar (1024 zero bytes): moby's layer.DigestSHA256EmptyTar */
#define EMPTY_TAR_DIFF_ID "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"

struct tar_job {
    int upperfd;
    int out; /* the pipe's write end; closed by the thread */
    int rc;
    struct md_error err;
};

static void *tar_thread(void *arg)
{
    struct tar_job *j = arg;
    j->rc = ctrfs_tar_layer(j->upperfd, j->out, &j->err);
    close(j->out);
    return NULL;
}

/* The upper dir as a layer in image/tmp, unpacked: *tmp gets its path. */
static int unpack_upper(int upperfd, char **tmp, struct layer_info *info, struct md_error *err)
{
    *tmp = store_tmp_dir(err);
    if (!*tmp)
        return -1;
    _cleanup_close_ int dfd = open(*tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int p[2];
    if (dfd < 0 || pipe2(p, O_CLOEXEC) < 0)
        return md_errno(err, errno, "commit: prepare the layer");
    struct tar_job j = {.upperfd = upperfd, .out = p[1]};
    pthread_t t;
    if (pthread_create(&t, NULL, tar_thread, &j) != 0) {
        close(p[0]);
        close(p[1]);
        return md_err(err, MD_EINTERNAL, "commit: cannot start a thread");
    }
    _cleanup_free_ char *buf = xmalloc(LAYER_READ_BLOCK);
    struct layer_fd_src src = {.fd = p[0], .buf = buf, .size = LAYER_READ_BLOCK};
    struct layer_unpack_opts o = {.label = "commit"};
    int r = layer_unpack(layer_fd_read, &src, dfd, &o, info, err);
    close(p[0]); /* a writer still going gets EPIPE and ends */
    pthread_join(t, NULL);
    if (j.rc < 0) {
        /* the tar's own error says more than the reader's */
        md_err_clear(err);
        md_err(err, j.err.err, "commit: %s", md_err_msg(&j.err));
        md_err_clear(&j.err);
        return -1;
    }
    return r;
}

static char *join_cmd(json_t *cfg)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(cfg, "Cmd"), i, v)
    {
        if (i)
            sb_addc(&sb, ' ');
        sb_add(&sb, json_string_value(v) ? json_string_value(v) : "");
    }
    return sb_steal(&sb);
}

/* The new image's config, top-level keys sorted as moby's MarshalJSON
 * leaves them. */
static char *child_config(const struct image *parent, const struct image_commit_req *r,
                          const char *diff_id)
{
    json_t *pc = parent ? parent->config : NULL; /* none: FROM scratch */
    bool empty = !diff_id;
    _cleanup_free_ char *created = time_format(time_now_ns(), false);
    _cleanup_free_ char *created_by = join_cmd(r->container_config);

    json_t *hist = json_object_get(pc, "history");
    hist = json_is_array(hist) ? json_deep_copy(hist) : json_array();
    json_t *h = json_pack("{s:s}", "created", created);
    if (r->author && *r->author)
        json_object_set_new(h, "author", json_string(r->author));
    if (*created_by)
        json_object_set_new(h, "created_by", json_string(created_by));
    if (r->comment && *r->comment)
        json_object_set_new(h, "comment", json_string(r->comment));
    if (empty)
        json_object_set_new(h, "empty_layer", json_true());
    json_array_append_new(hist, h);

    json_t *diffs = json_deep_copy(json_object_get(json_object_get(pc, "rootfs"), "diff_ids"));
    if (!json_is_array(diffs)) {
        json_decref(diffs);
        diffs = json_array();
    }
    if (!empty)
        json_array_append_new(diffs, json_string(diff_id));

    _cleanup_json_ json_t *c = json_object();
    const char *arch = json_str(pc, "architecture");
    json_object_set_new(c, "architecture", json_string(arch && *arch ? arch : "amd64"));
    if (r->author && *r->author)
        json_object_set_new(c, "author", json_string(r->author));
    json_object_set_new(c, "config", json_incref(r->config));
    json_object_set_new(c, "container", json_string(r->container_id));
    json_object_set_new(c, "container_config", json_incref(r->container_config));
    json_object_set_new(c, "created", json_string(created));
    json_object_set_new(c, "docker_version", json_string(MD_VERSION));
    json_object_set_new(c, "history", hist);
    json_object_set_new(c, "os", json_string("linux"));
    static const char *const kept[] = {"os.features", "os.version"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        if (json_object_get(pc, kept[i]))
            json_object_set(c, kept[i], json_object_get(pc, kept[i]));
    json_object_set_new(c, "rootfs", json_pack("{s:s,s:o}", "type", "layers", "diff_ids", diffs));
    const char *variant = json_str(pc, "variant");
    if (variant && *variant)
        json_object_set_new(c, "variant", json_string(variant));
    return json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int image_commit(const struct image_commit_req *r, char id[DIGEST_LEN + 1], struct md_error *err)
{
    struct image *parent = NULL;
    if (r->parent_id && *r->parent_id && image_lookup(r->parent_id, &parent, err) < 0)
        return -1;
    _cleanup_free_ char *tmp = NULL;
    struct layer_info info;
    if (unpack_upper(r->upperfd, &tmp, &info, err) < 0) {
        if (tmp)
            store_tmp_remove(tmp);
        if (parent)
            image_put(parent);
        return -1;
    }
    struct layer *l = NULL;
    bool empty = !strcmp(info.diff_id, EMPTY_TAR_DIFF_ID);
    if (empty) {
        store_tmp_remove(tmp); /* moby adds no layer for an unchanged container */
    } else {
        const char *below =
            parent && parent->nlayers ? parent->layers[parent->nlayers - 1]->chain_id : NULL;
        char chain[DIGEST_LEN + 1];
        chain_id_next(below, info.diff_id, chain);
        l = store_layer_commit(tmp, chain, below, &info, err);
        if (!l) {
            store_tmp_remove(tmp);
            if (parent)
                image_put(parent);
            return -1;
        }
    }
    _cleanup_free_ char *raw = child_config(parent, r, empty ? NULL : info.diff_id);
    size_t below_n = parent ? parent->nlayers : 0;
    size_t n = below_n + (l != NULL);
    _cleanup_free_ struct layer **layers = xcalloc(n + 1, sizeof *layers);
    if (below_n)
        memcpy(layers, parent->layers, below_n * sizeof *layers);
    if (l)
        layers[n - 1] = l;
    char *tags[2] = {(char *)r->ref, NULL};
    struct new_image ni = {.config_raw = raw,
                           .config_len = strlen(raw),
                           .layers = layers,
                           .nlayers = n,
                           .tags = r->ref ? tags : NULL,
                           .touch_tags = true,
                           .parent = parent ? parent->id : NULL};
    char ids[1][DIGEST_LEN + 1];
    int rc = store_add_images(&ni, 1, ids, NULL, NULL, err);
    if (l)
        store_layer_put(l);
    if (parent)
        image_put(parent);
    if (rc < 0)
        return -1;
    memcpy(id, ids[0], DIGEST_LEN + 1);
    return 0;
}
