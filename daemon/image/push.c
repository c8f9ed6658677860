/* Push: the images a repository's tags name, layer by layer (HEAD first,
 * then a monolithic upload of the layer's tar, exported from the store to
 * a temporary file), the config, and the manifest. */
#include "daemon/image/push.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/reference.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG   "application/vnd.oci.image.config.v1+json"
#define OCI_LAYER    "application/vnd.oci.image.layer.v1.tar"

struct push {
    struct image_ref ref; /* the repository; tag NULL for all tags */
    struct registry *reg;
};

void image_push_free(struct push *p)
{
    if (!p)
        return;
    ref_free(&p->ref);
    registry_free(p->reg);
    free(p);
}

int image_push_prepare(const char *name, const char *tag, const struct reg_auth *auth,
                       struct push **out, struct md_error *err)
{
    struct push *p = xcalloc(1, sizeof *p);
    if (ref_parse_name(name, &p->ref, err) < 0) {
        image_push_free(p);
        return -1;
    }
    if (p->ref.digest) {
        image_push_free(p);
        return md_err(err, MD_EINVAL, "cannot push a digest reference");
    }
    if (tag && *tag) {
        _cleanup_free_ char *full = xasprintf("%s/%s:%s", p->ref.domain, p->ref.path, tag);
        struct image_ref check;
        if (ref_parse(full, &check, err) < 0) {
            image_push_free(p);
            return -1;
        }
        ref_free(&check);
        free(p->ref.tag);
        p->ref.tag = xstrdup(tag);
    }
    p->reg = registry_new(p->ref.domain, p->ref.path, "pull,push", auth);
    *out = p;
    return 0;
}

struct out {
    pull_emit_fn emit;
    void *ctx;
    bool gone;
    const char *id;
    int64_t last;
};

static void emit_msg(struct out *o, json_t *m)
{
    if (!o->gone && o->emit(o->ctx, m) < 0)
        o->gone = true;
    else if (o->gone)
        json_decref(m);
}

static void say(struct out *o, const char *id, const char *status)
{
    emit_msg(o, id ? json_pack("{s:s,s:{},s:s}", "status", status, "progressDetail", "id", id)
                   : json_pack("{s:s}", "status", status));
}

static int on_progress(void *ctx, int64_t sent, int64_t total)
{
    struct out *o = ctx;
    if (o->gone)
        return -1;
    int64_t step = total / 100 > (512 << 10) ? total / 100 : (512 << 10);
    if (sent > 0 && (sent - o->last >= step || sent == total)) {
        o->last = sent;
        _cleanup_free_ char *bar = pull_progress_bar(sent, total);
        emit_msg(o, json_pack("{s:s,s:{s:I,s:I},s:s,s:s}", "status", "Pushing", "progressDetail",
                              "current", (json_int_t)sent, "total", (json_int_t)total, "progress",
                              bar, "id", o->id));
    }
    return 0;
}

/* The layer's tar in an anonymous temporary file. */
static int export_tmp(struct layer *l, struct md_error *err)
{
    _cleanup_free_ char *dir = store_tmp_dir(err);
    if (!dir)
        return -1;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    int e = errno;
    store_tmp_remove(dir);
    if (fd < 0)
        return md_errno(err, e, "a temporary file in %s", dir);
    _cleanup_close_ int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || layer_export(dfd, l->tar_size, l->diff_id, layer_fd_write, &fd, err) < 0) {
        if (dfd < 0)
            md_errno(err, errno, "open %s", l->dir);
        close(fd);
        return -1;
    }
    return fd;
}

static int push_layer(struct push *p, struct layer *l, struct out *o, struct md_error *err)
{
    char sid[13];
    snprintf(sid, sizeof sid, "%s", digest_hex(l->diff_id));
    bool have;
    if (registry_blob_exists(p->reg, l->diff_id, &have, err) < 0)
        return -1;
    if (have) {
        say(o, sid, "Layer already exists");
        return 0;
    }
    int fd = export_tmp(l, err);
    if (fd < 0)
        return -1;
    o->id = sid;
    o->last = 0;
    int rc = registry_blob_push(p->reg, l->diff_id, fd, l->tar_size, on_progress, o, err);
    close(fd);
    if (rc < 0)
        return -1;
    say(o, sid, "Pushed");
    return 0;
}

static int push_config(struct push *p, struct image *im, struct md_error *err)
{
    bool have;
    if (registry_blob_exists(p->reg, im->id, &have, err) < 0)
        return -1;
    if (have)
        return 0;
    _cleanup_free_ char *dir = store_tmp_dir(err);
    if (!dir)
        return -1;
    _cleanup_close_ int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    int e = errno;
    store_tmp_remove(dir);
    if (fd < 0)
        return md_errno(err, e, "a temporary file in %s", dir);
    if (layer_fd_write(&fd, im->config_raw, im->config_len) < 0)
        return md_errno(err, errno, "write the image config");
    return registry_blob_push(p->reg, im->id, fd, (int64_t)im->config_len, NULL, NULL, err);
}

static char *manifest_of(struct image *im)
{
    json_t *layers = json_array();
    for (size_t k = 0; k < im->nlayers; k++)
        json_array_append_new(layers, json_pack("{s:s,s:s,s:I}", "mediaType", OCI_LAYER, "digest",
                                                im->layers[k]->diff_id, "size",
                                                (json_int_t)im->layers[k]->tar_size));
    _cleanup_json_ json_t *m =
        json_pack("{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType", OCI_MANIFEST,
                  "config", "mediaType", OCI_CONFIG, "digest", im->id, "size",
                  (json_int_t)im->config_len, "layers", layers);
    return json_dumps(m, JSON_COMPACT);
}

/* Record name@digest on the image, as docker does after a push. */
static void add_digest_ref(struct push *p, struct image *im, const char *digest)
{
    _cleanup_free_ char *ref = xasprintf("%s/%s@%s", p->ref.domain, p->ref.path, digest);
    char *tags[2] = {ref, NULL};
    struct new_image ni = {.config_raw = im->config_raw,
                           .config_len = im->config_len,
                           .layers = im->layers,
                           .nlayers = im->nlayers,
                           .tags = tags};
    char ids[1][DIGEST_LEN + 1];
    struct md_error err = {0};
    if (store_add_images(&ni, 1, ids, NULL, NULL, &err) < 0)
        log_warn("push: record %s: %s", ref, md_err_msg(&err));
    md_err_clear(&err);
}

static int push_tag(struct push *p, const char *tag, struct image *im, struct out *o,
                    struct md_error *err)
{
    /* every layer's line first, top-most first, as docker lists them */
    for (size_t k = im->nlayers; k-- > 0;) {
        char sid[13];
        snprintf(sid, sizeof sid, "%s", digest_hex(im->layers[k]->diff_id));
        say(o, sid, "Preparing");
    }
    for (size_t k = 0; k < im->nlayers; k++)
        if (push_layer(p, im->layers[k], o, err) < 0)
            return -1;
    if (o->gone)
        return md_err(err, EPIPE, "the client went away");
    if (push_config(p, im, err) < 0)
        return -1;
    _cleanup_free_ char *m = manifest_of(im);
    size_t len = strlen(m);
    if (registry_manifest_put(p->reg, tag, OCI_MANIFEST, m, len, err) < 0)
        return -1;
    char digest[DIGEST_LEN + 1];
    sha256_digest(m, len, digest);
    add_digest_ref(p, im, digest);
    _cleanup_free_ char *line = xasprintf("%s: digest: %s size: %zu", tag, digest, len);
    say(o, NULL, line);
    emit_msg(o, json_pack("{s:{},s:{s:s,s:s,s:I}}", "progressDetail", "aux", "Tag", tag, "Digest",
                          digest, "Size", (json_int_t)len));
    return 0;
}

/* The tags of the repository that the store has, sorted. */
static char **local_tags(struct push *p)
{
    size_t n;
    struct image **all = store_all_images(&n);
    _cleanup_free_ char *prefix = xasprintf("%s/%s:", p->ref.domain, p->ref.path);
    char **tags = NULL;
    for (size_t i = 0; i < n; i++) {
        _cleanup_strv_ char **refs = store_refs_of(all[i], false);
        for (char **r = refs; r && *r; r++)
            if (!strncmp(*r, prefix, strlen(prefix)))
                strv_push(&tags, *r + strlen(prefix));
    }
    store_images_free(all, n);
    size_t nt = strv_len(tags);
    for (size_t i = 1; i < nt; i++)
        for (size_t j = i; j > 0 && strcmp(tags[j - 1], tags[j]) > 0; j--) {
            char *t = tags[j];
            tags[j] = tags[j - 1];
            tags[j - 1] = t;
        }
    return tags;
}

int image_push_run(struct push *p, pull_emit_fn emit, void *ctx, struct md_error *err)
{
    struct out o = {.emit = emit, .ctx = ctx};
    _cleanup_free_ char *repo = xasprintf("%s/%s", p->ref.domain, p->ref.path);
    _cleanup_free_ char *line = xasprintf("The push refers to repository [%s]", repo);
    say(&o, NULL, line);
    _cleanup_strv_ char **tags = NULL;
    if (p->ref.tag)
        strv_push(&tags, p->ref.tag);
    else
        tags = local_tags(p);
    _cleanup_free_ char *fam = ref_familiar_name(&p->ref);
    if (!tags)
        return md_err(err, MD_ENOTFOUND, "An image does not exist locally with the tag: %s", fam);
    for (char **t = tags; *t; t++) {
        _cleanup_free_ char *full = xasprintf("%s:%s", repo, *t);
        struct image *im;
        if (image_lookup(full, &im, NULL) < 0)
            return md_err(err, MD_ENOTFOUND, "An image does not exist locally with the tag: %s",
                          fam);
        int rc = push_tag(p, *t, im, &o, err);
        if (rc == 0) {
            _cleanup_free_ char *f = store_familiar(full);
            image_event("push", image_id(im), f);
        }
        image_put(im);
        if (rc < 0)
            return -1;
    }
    return 0;
}
