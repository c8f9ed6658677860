/* Image load (docker-archive and OCI layout) and save.
 *
 * A docker-archive names its layers in manifest.json, which `docker save`
 * writes after the layers, so load reads the archive twice: the first pass
 * keeps the small members (manifests, configs, indexes) and the names of
 * the rest; the second streams each needed layer straight from the archive
 * into layer_unpack, without a temporary copy. Everything is checked before
 * anything becomes visible: configs, digests of OCI blobs, each layer's
 * diff id against its config; the images and tags are added in one step at
 * the end. */
#include "daemon/image/archive.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/reference.h"
#include "common/timefmt.h"
#include "daemon/image/store.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define SMALL_MAX       (4u << 20)  /* members kept in memory by the first pass */
#define SMALL_TOTAL     (64u << 20) /* and all of them together */
#define MAX_MEMBERS     100000
#define MAX_HOPS        16
#define MAX_PLAN_TRIES  8 /* early plans tried while the archive streams by */
#define OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"

static inline void cleanup_archivep(struct archive **a)
{
    if (*a)
        archive_read_free(*a);
}
#define _cleanup_archive_ __attribute__((cleanup(cleanup_archivep)))

/* ---- the outer archive ---- */

/* The label of a layer unpacked before the manifest said which one it is;
 * its messages are given the diff id once that is known. */
#define STAGE_LABEL "layer ?"

struct member {
    char *name; /* cleaned */
    char *link; /* symlink or hardlink: the member it points at (cleaned) */
    bool regular;
    int64_t size;
    char *data; /* small regular members */
    size_t len;
    /* A large regular member, as it went by: unpacked as a layer into
     * staged (info says what it held), refused as one (stage_err), or only
     * hashed when the store already holds a layer of the diff id its name
     * gives (local, pinned); made is the layer committed from staged. */
    char *staged;
    struct layer_info info;
    bool stage_failed;
    struct md_error stage_err;
    char hashed[DIGEST_LEN + 1];
    struct layer *local;
    struct layer *made;
};

struct members {
    struct member *v;
    size_t n, cap;
    size_t small_total;
};

static void members_free(struct members *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct member *x = &m->v[i];
        free(x->name);
        free(x->link);
        free(x->data);
        store_tmp_remove(x->staged);
        free(x->staged);
        md_err_clear(&x->stage_err);
        store_layer_put(x->local);
    }
    free(m->v);
}

/* Clean a member name; ".." may not climb above the archive root. */
static char *clean_member(const char *dir, const char *name)
{
    _cleanup_free_ char *joined =
        dir && *dir && name[0] != '/' ? xasprintf("%s/%s", dir, name) : xstrdup(name);
    char *out = xcalloc(1, strlen(joined) + 1);
    size_t o = 0;
    for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (!o) {
                free(out);
                return NULL;
            }
            char *s = strrchr(out, '/');
            o = s ? (size_t)(s - out) : 0;
            out[o] = '\0';
            continue;
        }
        if (o)
            out[o++] = '/';
        memcpy(out + o, c, strlen(c));
        o += strlen(c);
        out[o] = '\0';
    }
    return out;
}

static struct member *member_find(struct members *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].name, name) == 0)
            return &m->v[i];
    return NULL;
}

/* Follow links between members (legacy docker-archives link
 * "<id>/layer.tar" to "../<diffid>.tar"). */
static struct member *member_resolve(struct members *m, const char *name)
{
    _cleanup_free_ char *n = clean_member(NULL, name);
    struct member *x = n ? member_find(m, n) : NULL;
    for (int hop = 0; x && x->link && hop < MAX_HOPS; hop++)
        x = member_find(m, x->link);
    return x && x->regular ? x : NULL;
}

/* The archive as it arrives; libarchive reads it through body_read. */
struct body_src {
    layer_read_fn rd;
    void *ctx;
    bool failed;
    struct md_error err;
};

static la_ssize_t body_read(struct archive *a, void *cd, const void **buf)
{
    struct body_src *s = cd;
    ssize_t n = s->rd(s->ctx, buf, &s->err);
    if (n < 0) {
        s->failed = true;
        archive_set_error(a, EIO, "%s", md_err_msg(&s->err));
        return -1;
    }
    return n;
}

/* A failure of the outer archive: the source's own (the client went
 * away), else libarchive's. */
static int outer_err(struct archive *a, struct body_src *s, const char *what, struct md_error *err)
{
    if (s->failed)
        return md_err(err, s->err.err, "%s", md_err_msg(&s->err));
    return md_err(err, MD_EINVAL, "%s: %s", what, archive_error_string(a));
}

static int open_outer(struct body_src *s, struct archive **out, struct md_error *err)
{
    *out = NULL;
    struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_format_tar(a);
    if (archive_read_open2(a, s, NULL, body_read, NULL, NULL) != ARCHIVE_OK) {
        outer_err(a, s, "not a tar archive", err);
        archive_read_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

/* The data of the outer archive's current member; its first bytes can be
 * looked at before anything reads them (is it a layer?). */
struct member_src {
    struct archive *a;
    int64_t off;
    char head[LAYER_SNIFF_LEN]; /* the first bytes, when the first block was shorter */
    size_t head_len;
    const void *blk; /* the rest of the last block read while looking */
    size_t blk_len;
};

static ssize_t member_next(struct member_src *s, const void **buf, struct md_error *err)
{
    size_t n;
    la_int64_t off;
    int r = archive_read_data_block(s->a, buf, &n, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN)
        return md_err(err, MD_EINVAL, "reading the archive: %s", archive_error_string(s->a));
    if (off != s->off)
        return md_err(err, MD_EINVAL, "reading the archive: sparse member");
    s->off += (int64_t)n;
    return (ssize_t)n;
}

/* The first LAYER_SNIFF_LEN bytes (fewer if the member is shorter). */
static int member_peek(struct member_src *s, const void **p, size_t *n, struct md_error *err)
{
    const void *b;
    ssize_t r = member_next(s, &b, err);
    if (r < 0)
        return -1;
    if (r == 0 || (size_t)r >= LAYER_SNIFF_LEN) {
        s->blk = *p = b;
        s->blk_len = *n = (size_t)r;
        return 0;
    }
    memcpy(s->head, b, (size_t)r);
    s->head_len = (size_t)r;
    while (s->head_len < LAYER_SNIFF_LEN && (r = member_next(s, &b, err)) > 0) {
        size_t k =
            LAYER_SNIFF_LEN - s->head_len < (size_t)r ? LAYER_SNIFF_LEN - s->head_len : (size_t)r;
        memcpy(s->head + s->head_len, b, k);
        s->head_len += k;
        s->blk = (const char *)b + k;
        s->blk_len = (size_t)r - k;
    }
    if (r < 0)
        return -1;
    *p = s->head;
    *n = s->head_len;
    return 0;
}

/* layer_read_fn: what member_peek read, then the rest of the member. */
static ssize_t member_read(void *ctx, const void **buf, struct md_error *err)
{
    struct member_src *s = ctx;
    size_t n;
    if ((n = s->head_len)) {
        *buf = s->head;
        s->head_len = 0;
        return (ssize_t)n;
    }
    if ((n = s->blk_len)) {
        *buf = s->blk;
        s->blk_len = 0;
        return (ssize_t)n;
    }
    return member_next(s, buf, err);
}

static int read_small(struct member_src *s, struct member *x, struct members *m,
                      struct md_error *err)
{
    x->data = xmalloc((size_t)x->size + 1);
    size_t got = 0;
    for (;;) {
        const void *b;
        ssize_t r = member_read(s, &b, err);
        if (r < 0)
            return md_err_wrap(err, "archive member %s", x->name);
        if (r == 0)
            break;
        if (got + (size_t)r > (size_t)x->size)
            return md_err(err, MD_EINVAL, "archive member %s: more data than its size", x->name);
        memcpy(x->data + got, b, (size_t)r);
        got += (size_t)r;
    }
    if (got != (size_t)x->size)
        return md_err(err, MD_EINVAL, "archive member %s is truncated", x->name);
    x->data[got] = '\0';
    x->len = got;
    m->small_total += got;
    return 0;
}

/* ---- what to load ---- */

struct load_layer {
    char *member;      /* resolved member name */
    char *want_digest; /* OCI: the blob's digest, or NULL */
    int64_t want_size; /* OCI: the blob's size, or -1 */
};

struct load_image {
    char *config_raw;
    size_t config_len;
    char **diff_ids;
    struct load_layer *layers;
    size_t nlayers;
    char **tags; /* full references */
    char chains[][DIGEST_LEN + 1];
};

struct job {
    char chain[DIGEST_LEN + 1];
    char parent[DIGEST_LEN + 1];
    char diff_id[DIGEST_LEN + 1];
    struct load_layer *src;
    struct layer *done;
};

struct load {
    struct members m;
    struct load_image **imgs;
    size_t nimgs;
    struct job *jobs;
    size_t njobs;
    struct layer **pinned;
    size_t npinned;
    bool have_index; /* manifest.json or index.json went by */
    bool planned;    /* imgs and jobs are final */
    int plan_tries;
    size_t plan_members; /* members seen at the last try */
    size_t nstaged;
};

/* Forget images, jobs and pins (a plan tried too early). */
static void load_reset_plan(struct load *L)
{
    for (size_t i = 0; i < L->nimgs; i++) {
        struct load_image *li = L->imgs[i];
        free(li->config_raw);
        strv_free(li->diff_ids);
        for (size_t k = 0; k < li->nlayers; k++) {
            free(li->layers[k].member);
            free(li->layers[k].want_digest);
        }
        free(li->layers);
        strv_free(li->tags);
        free(li);
    }
    free(L->imgs);
    free(L->jobs);
    for (size_t i = 0; i < L->npinned; i++)
        store_layer_put(L->pinned[i]);
    free(L->pinned);
    L->imgs = NULL;
    L->jobs = NULL;
    L->pinned = NULL;
    L->nimgs = L->njobs = L->npinned = 0;
}

static void load_free(struct load *L)
{
    load_reset_plan(L);
    members_free(&L->m);
}

static struct load_image *image_from_config(struct load *L, const char *raw, size_t len,
                                            const char *where, struct md_error *err)
{
    _cleanup_json_ json_t *config = json_loadb(raw, len, 0, NULL);
    if (!config) {
        md_err(err, MD_EINVAL, "%s: the image config is not valid JSON", where);
        return NULL;
    }
    char **diffs = store_config_diff_ids(config, err);
    if (!diffs) {
        md_err_wrap(err, "%s", where);
        return NULL;
    }
    size_t n = strv_len(diffs);
    struct load_image *li = xcalloc(1, sizeof *li + n * sizeof li->chains[0]);
    li->config_raw = xmalloc(len + 1);
    memcpy(li->config_raw, raw, len);
    li->config_raw[len] = '\0';
    li->config_len = len;
    li->diff_ids = diffs;
    li->nlayers = n;
    li->layers = xcalloc(n, sizeof *li->layers);
    for (size_t i = 0; i < n; i++)
        chain_id_next(i ? li->chains[i - 1] : NULL, diffs[i], li->chains[i]);
    L->imgs = xrealloc(L->imgs, (L->nimgs + 1) * sizeof *L->imgs);
    L->imgs[L->nimgs++] = li;
    return li;
}

/* manifest.json: [{"Config": path, "RepoTags": [..], "Layers": [paths]}] */
static int parse_docker_archive(struct load *L, struct member *mf, struct md_error *err)
{
    json_error_t je;
    _cleanup_json_ json_t *manifest = json_loadb(mf->data, mf->len, 0, &je);
    if (!json_is_array(manifest))
        return md_err(err, MD_EINVAL, "invalid manifest.json: %s",
                      manifest ? "not a JSON array" : je.text);
    size_t i;
    json_t *item;
    json_array_foreach(manifest, i, item)
    {
        const char *cpath = json_str(item, "Config");
        json_t *layers = json_object_get(item, "Layers");
        if (!cpath || !json_is_array(layers))
            return md_err(err, MD_EINVAL, "invalid manifest.json: entry %zu lacks Config or Layers",
                          i);
        struct member *cm = member_resolve(&L->m, cpath);
        if (!cm || !cm->data)
            return md_err(err, MD_EINVAL, "invalid archive: config %s is missing", cpath);
        struct load_image *li = image_from_config(L, cm->data, cm->len, cpath, err);
        if (!li)
            return -1;
        if (json_array_size(layers) != li->nlayers)
            return md_err(err, MD_EINVAL,
                          "invalid manifest, layers length mismatch: expected %zu, got %zu",
                          json_array_size(layers), li->nlayers);
        for (size_t k = 0; k < li->nlayers; k++) {
            const char *lp = json_string_value(json_array_get(layers, k));
            struct member *lm = lp ? member_resolve(&L->m, lp) : NULL;
            if (!lm)
                return md_err(err, MD_EINVAL, "invalid archive: layer %s is missing",
                              lp ? lp : "(not a string)");
            li->layers[k].member = xstrdup(lm->name);
            li->layers[k].want_size = -1;
            /* docker 25+ names layers by digest: hold it to that */
            if (strncmp(lm->name, "blobs/sha256/", 13) == 0) {
                _cleanup_free_ char *d = xasprintf("sha256:%s", lm->name + 13);
                if (digest_valid(d))
                    li->layers[k].want_digest = steal_ptr(&d);
            }
        }
        json_t *tags = json_object_get(item, "RepoTags");
        size_t t;
        json_t *tag;
        json_array_foreach(tags, t, tag)
        {
            struct image_ref r;
            if (!json_is_string(tag) || ref_parse_name(json_string_value(tag), &r, err) < 0)
                return md_err_wrap(err, "manifest.json");
            if (!r.tag || r.digest) {
                ref_free(&r);
                return md_err(err, MD_EINVAL, "invalid tag \"%s\"", json_string_value(tag));
            }
            char *full = ref_full(&r);
            ref_free(&r);
            strv_push(&li->tags, full);
            free(full);
        }
    }
    return 0;
}

/* ---- OCI layout ---- */

static const char *host_arch(void)
{
    static char arch[sizeof(((struct utsname *)0)->machine)];
    if (!*arch) {
        struct utsname u;
        uname(&u);
        snprintf(arch, sizeof arch, "%s",
                 !strcmp(u.machine, "x86_64")    ? "amd64"
                 : !strcmp(u.machine, "aarch64") ? "arm64"
                                                 : u.machine);
    }
    return arch;
}

/* A blob of the layout, checked against its descriptor. */
static struct member *oci_blob(struct load *L, json_t *desc, bool small, struct md_error *err)
{
    const char *d = json_str(desc, "digest");
    if (!digest_valid(d))
        return md_err(err, MD_EINVAL, "invalid OCI layout: bad digest %s", d ? d : "(none)"), NULL;
    _cleanup_free_ char *path = xasprintf("blobs/sha256/%s", digest_hex(d));
    struct member *x = member_resolve(&L->m, path);
    if (!x)
        return md_err(err, MD_EINVAL, "invalid OCI layout: blob %s is missing", d), NULL;
    json_t *sz = json_object_get(desc, "size");
    if (json_is_integer(sz) && json_integer_value(sz) != x->size)
        return md_err(err, MD_EINVAL, "invalid OCI layout: blob %s has %lld bytes, not %lld", d,
                      (long long)x->size, (long long)json_integer_value(sz)),
               NULL;
    if (!small)
        return x;
    if (!x->data)
        return md_err(err, MD_EINVAL, "invalid OCI layout: blob %s is too large", d), NULL;
    char got[DIGEST_LEN + 1];
    sha256_digest(x->data, x->len, got);
    if (strcmp(got, d) != 0)
        return md_err(err, MD_EINVAL, "invalid OCI layout: blob %s has digest %s", d, got), NULL;
    return x;
}

static bool platform_ok(json_t *desc)
{
    json_t *p = json_object_get(desc, "platform");
    if (!p)
        return true;
    const char *os = json_str(p, "os"), *arch = json_str(p, "architecture");
    return (!os || !strcmp(os, "linux")) && (!arch || !strcmp(arch, host_arch()));
}

static int oci_image(struct load *L, json_t *desc, char **tags, int depth, struct md_error *err);

static int oci_manifest(struct load *L, json_t *m, char **tags, struct md_error *err)
{
    json_t *cdesc = json_object_get(m, "config");
    json_t *layers = json_object_get(m, "layers");
    if (!json_is_object(cdesc) || !json_is_array(layers))
        return md_err(err, MD_EINVAL, "invalid OCI manifest: no config or layers");
    struct member *cm = oci_blob(L, cdesc, true, err);
    if (!cm)
        return -1;
    struct load_image *li = image_from_config(L, cm->data, cm->len, json_str(cdesc, "digest"), err);
    if (!li)
        return -1;
    if (json_array_size(layers) != li->nlayers)
        return md_err(err, MD_EINVAL,
                      "invalid OCI manifest: %zu layers but the config lists %zu diff_ids",
                      json_array_size(layers), li->nlayers);
    for (size_t k = 0; k < li->nlayers; k++) {
        json_t *ld = json_array_get(layers, k);
        struct member *lm = oci_blob(L, ld, false, err);
        if (!lm)
            return -1;
        li->layers[k].member = xstrdup(lm->name);
        li->layers[k].want_digest = xstrdup(json_str(ld, "digest"));
        li->layers[k].want_size = lm->size;
    }
    for (char **t = tags; t && *t; t++)
        strv_push(&li->tags, *t);
    return 0;
}

static int oci_image(struct load *L, json_t *desc, char **tags, int depth, struct md_error *err)
{
    if (depth > 8)
        return md_err(err, MD_EINVAL, "invalid OCI layout: indexes nested too deeply");
    struct member *x = oci_blob(L, desc, true, err);
    if (!x)
        return -1;
    _cleanup_json_ json_t *j = json_loadb(x->data, x->len, 0, NULL);
    if (!json_is_object(j))
        return md_err(err, MD_EINVAL, "invalid OCI layout: blob %s is not JSON",
                      json_str(desc, "digest"));
    /* umoci writes no mediaType fields: the descriptor's, the blob's own,
     * or the shape decides */
    const char *mt = json_str(desc, "mediaType");
    if (!mt)
        mt = json_str(j, "mediaType");
    bool is_index = mt ? (!strcmp(mt, OCI_INDEX) || !strcmp(mt, DOCKER_LIST))
                       : json_is_array(json_object_get(j, "manifests"));
    if (!is_index)
        return oci_manifest(L, j, tags, err);
    json_t *children = json_object_get(j, "manifests");
    size_t i;
    json_t *c;
    json_array_foreach(children, i, c)
    {
        if (platform_ok(c) && json_object_get(c, "platform"))
            return oci_image(L, c, tags, depth + 1, err);
    }
    json_array_foreach(children, i, c)
    {
        if (!json_object_get(c, "platform"))
            return oci_image(L, c, tags, depth + 1, err);
    }
    return md_err(err, MD_EINVAL, "no image for linux/%s in index %s", host_arch(),
                  json_str(desc, "digest"));
}

/* The tag of an index.json entry: containerd's full image name, else the
 * OCI ref.name when it names a repository ("busybox:1"); a bare tag
 * ("latest", as umoci writes) names no repository and is not used. */
static char *oci_tag(json_t *desc)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *name = json_str(ann, "io.containerd.image.name");
    if (!name) {
        name = json_str(ann, "org.opencontainers.image.ref.name");
        if (name && !strchr(name, ':') && !strchr(name, '/'))
            name = NULL;
    }
    struct image_ref r;
    if (!name || ref_parse(name, &r, NULL) < 0)
        return NULL;
    char *full = r.digest ? NULL : ref_full(&r);
    ref_free(&r);
    return full;
}

static int parse_oci_layout(struct load *L, struct member *index, struct md_error *err)
{
    _cleanup_json_ json_t *j = json_loadb(index->data, index->len, 0, NULL);
    json_t *ms = json_object_get(j, "manifests");
    if (!json_is_array(ms))
        return md_err(err, MD_EINVAL, "invalid OCI layout: index.json lists no manifests");
    size_t i;
    json_t *desc;
    json_array_foreach(ms, i, desc)
    {
        _cleanup_strv_ char **tags = NULL;
        _cleanup_free_ char *tag = oci_tag(desc);
        if (tag)
            strv_push(&tags, tag);
        if (oci_image(L, desc, tags, 0, err) < 0)
            return -1;
    }
    if (!L->nimgs)
        return md_err(err, MD_EINVAL, "invalid OCI layout: no images in index.json");
    return 0;
}

/* manifest.json (docker-archive) or else index.json (OCI layout). */
static int parse_archive(struct load *L, struct md_error *err)
{
    struct member *mf = member_find(&L->m, "manifest.json");
    struct member *ix = member_find(&L->m, "index.json");
    if (mf && mf->data)
        return parse_docker_archive(L, mf, err);
    if (ix && ix->data)
        return parse_oci_layout(L, ix, err);
    if (!L->m.n)
        return md_err(err, MD_EINVAL, "the archive is empty");
    return md_err(err, MD_EINVAL,
                  "invalid archive: no manifest.json (docker save format) or index.json (OCI "
                  "layout) in it");
}

/* ---- reading the archive once ---- */

/* Unpack source: a small member kept in memory. */
struct mem_src {
    const char *p;
    size_t n;
};

static ssize_t mem_read(void *ctx, const void **buf, struct md_error *err)
{
    struct mem_src *s = ctx;
    size_t n = s->n;
    *buf = s->p;
    s->n = 0;
    return (ssize_t)n;
}

/* Unpack a layer into a new directory under image/tmp (*tmp, the caller's
 * to commit or remove; removed here on failure). */
static int unpack_tmp(const char *label, layer_read_fn rd, void *rctx, char **tmp,
                      struct layer_info *info, struct md_error *err)
{
    *tmp = store_tmp_dir(err);
    if (!*tmp)
        return -1;
    _cleanup_close_ int dfd = open(*tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct layer_unpack_opts o = {.label = label};
    if (dfd < 0)
        md_errno(err, errno, "open %s", *tmp);
    if (dfd < 0 || layer_unpack(rd, rctx, dfd, &o, info, err) < 0) {
        store_tmp_remove(*tmp);
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    return 0;
}

static void pin(struct load *L, struct layer *l)
{
    L->pinned = xrealloc(L->pinned, (L->npinned + 1) * sizeof *L->pinned);
    L->pinned[L->npinned++] = l;
}

static int plan_jobs(struct load *L)
{
    for (size_t i = 0; i < L->nimgs; i++) {
        struct load_image *li = L->imgs[i];
        for (size_t k = 0; k < li->nlayers; k++) {
            bool dup = false;
            for (size_t j = 0; j < L->njobs && !dup; j++)
                dup = strcmp(L->jobs[j].chain, li->chains[k]) == 0;
            for (size_t j = 0; j < L->npinned && !dup; j++)
                dup = strcmp(L->pinned[j]->chain_id, li->chains[k]) == 0;
            if (dup)
                continue;
            struct layer *have = store_layer_get(li->chains[k]);
            if (have) {
                pin(L, have);
                continue;
            }
            L->jobs = xrealloc(L->jobs, (L->njobs + 1) * sizeof *L->jobs);
            struct job *jb = &L->jobs[L->njobs++];
            *jb = (struct job){.src = &li->layers[k]};
            snprintf(jb->chain, sizeof jb->chain, "%s", li->chains[k]);
            snprintf(jb->parent, sizeof jb->parent, "%s", k ? li->chains[k - 1] : "");
            snprintf(jb->diff_id, sizeof jb->diff_id, "%s", li->diff_ids[k]);
        }
    }
    return 0;
}

static struct job *job_for(struct load *L, const char *member)
{
    for (size_t j = 0; j < L->njobs; j++)
        if (!L->jobs[j].done && strcmp(L->jobs[j].src->member, member) == 0)
            return &L->jobs[j];
    return NULL;
}

/* The plan, as early as the small members allow: a docker-archive of
 * docker < 25 starts with manifest.json and the configs, and then only the
 * layers it needs are unpacked, none that the store has already. Layouts
 * that end with their manifests (docker 25+, OCI) get their plan at the
 * end, and every layer on the way is unpacked in case it is needed. */
static void try_plan(struct load *L)
{
    if (L->planned || !L->have_index || L->plan_tries >= MAX_PLAN_TRIES ||
        L->plan_members == L->m.n)
        return;
    L->plan_tries++;
    L->plan_members = L->m.n;
    struct md_error e = {0};
    if (parse_archive(L, &e) == 0 && plan_jobs(L) == 0) {
        L->planned = true;
        return;
    }
    md_err_clear(&e);
    load_reset_plan(L);
}

/* A member named for a diff id the store holds (blobs/sha256/<hex>, as
 * docker 25+ and our save write uncompressed layers): it is only hashed in
 * passing; a chain that needs it is unpacked from the store's copy. */
static int hash_member(struct archive *a, struct member_src *src, struct body_src *bs,
                       struct member *x, struct md_error *err)
{
    if (strncmp(x->name, "blobs/sha256/", 13) != 0)
        return 0;
    _cleanup_free_ char *d = xasprintf("sha256:%s", x->name + 13);
    if (!digest_valid(d) || !(x->local = store_layer_get_by_diff(d)))
        return 0;
    struct sha256 h;
    sha256_init(&h);
    for (;;) {
        const void *buf;
        ssize_t n = member_read(src, &buf, err);
        if (n == 0)
            break;
        if (n < 0) {
            sha256_abort(&h);
            return bs->failed ? outer_err(a, bs, "", err) : -1;
        }
        sha256_update(&h, buf, (size_t)n);
    }
    sha256_final(&h, x->hashed);
    return 1;
}

/* A large member: unpacked as a layer if it is one, else the reason kept
 * for when the manifest names it. Only a failure of the archive itself
 * ends the load here. */
static int stage_member(struct load *L, struct archive *a, struct member_src *src,
                        struct body_src *bs, struct member *x, struct md_error *err)
{
    struct job *jb = L->planned ? job_for(L, x->name) : NULL;
    _cleanup_free_ char *label = jb ? xasprintf("layer %s", jb->diff_id) : xstrdup(STAGE_LABEL);
    if (unpack_tmp(label, member_read, src, &x->staged, &x->info, &x->stage_err) == 0) {
        L->nstaged++;
        return 0;
    }
    if (bs->failed)
        return outer_err(a, bs, "corrupt archive", err);
    x->stage_failed = true;
    return 0;
}

static int stream_members(struct load *L, struct body_src *bs, struct md_error *err)
{
    _cleanup_archive_ struct archive *a = NULL;
    if (open_outer(bs, &a, err) < 0)
        return -1;
    struct members *m = &L->m;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY)
            return outer_err(a, bs, m->n ? "corrupt archive" : "not a tar archive", err);
        if (m->n >= MAX_MEMBERS)
            return md_err(err, MD_EINVAL, "the archive has too many members");
        const char *name = archive_entry_pathname(e);
        _cleanup_free_ char *clean = name ? clean_member(NULL, name) : NULL;
        if (!clean || !*clean)
            continue; /* never written anywhere; unreachable by reference */
        char *slash = strrchr(clean, '/');
        _cleanup_free_ char *dir = slash ? xstrndup(clean, (size_t)(slash - clean)) : NULL;
        struct member x = {.name = steal_ptr(&clean)};
        const char *sym = archive_entry_symlink(e);
        const char *hard = archive_entry_hardlink(e);
        if (hard)
            x.link = clean_member(NULL, hard);
        else if (sym)
            x.link = clean_member(dir, sym);
        else if (archive_entry_filetype(e) == AE_IFREG)
            x.regular = true;
        x.size = archive_entry_size(e);
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->v = xrealloc(m->v, m->cap * sizeof *m->v);
        }
        m->v[m->n++] = x;
        struct member *xp = &m->v[m->n - 1];
        if (!xp->regular || xp->size < 0)
            continue;
        /* Layers are unpacked as they go by; the rest is kept in memory
         * (manifests, configs, indexes), or, too large for that, unpacked
         * too in case it is a layer after all. */
        struct member_src src = {.a = a};
        const void *head;
        size_t head_len;
        if (member_peek(&src, &head, &head_len, err) < 0)
            return bs->failed ? outer_err(a, bs, "", err) : -1;
        if (!layer_sniff(head, head_len) && xp->size <= (int64_t)SMALL_MAX &&
            m->small_total + (size_t)xp->size <= SMALL_TOTAL) {
            if (read_small(&src, xp, m, err) < 0)
                return bs->failed ? outer_err(a, bs, "", err) : -1;
            if (!strcmp(xp->name, "manifest.json") || !strcmp(xp->name, "index.json"))
                L->have_index = true;
            continue;
        }
        try_plan(L);
        if (L->planned && !job_for(L, xp->name))
            continue; /* not needed: libarchive skips it */
        int h = L->planned ? 0 : hash_member(a, &src, bs, xp, err);
        if (h < 0)
            return -1;
        if (h == 0 && stage_member(L, a, &src, bs, xp, err) < 0)
            return -1;
    }
    return 0;
}

/* After the end-of-archive blocks comes padding, if anything: read it all
 * the same. A load commits only when its whole body has arrived; a client
 * that hangs up before the end loads nothing, even if the archive itself
 * was complete (as when bodies were spooled before the load began). */
static int drain(struct body_src *bs, struct md_error *err)
{
    for (;;) {
        const void *buf;
        ssize_t n = bs->rd(bs->ctx, &buf, &bs->err);
        if (n < 0)
            return md_err(err, bs->err.err, "%s", md_err_msg(&bs->err));
        if (n == 0)
            return 0;
    }
}

/* Check a layer unpacked for jb against what the archive and the config
 * say, then commit it (tmp is removed on failure). */
static int commit_job(struct job *jb, const char *tmp, const struct layer_info *info,
                      const char *blob_digest, struct md_error *err)
{
    const char *want = jb->src->want_digest;
    if (want && blob_digest && strcmp(want, blob_digest) != 0) {
        store_tmp_remove(tmp);
        return md_err(err, MD_EINVAL, "layer %s: digest mismatch: expected %s, got %s",
                      jb->src->member, want, blob_digest);
    }
    if (strcmp(info->diff_id, jb->diff_id) != 0) {
        store_tmp_remove(tmp);
        return md_err(err, MD_EINVAL, "layer %s: invalid diffID: expected \"%s\", got \"%s\"",
                      jb->src->member, jb->diff_id, info->diff_id);
    }
    jb->done = store_layer_commit(tmp, jb->chain, *jb->parent ? jb->parent : NULL, info, err);
    if (!jb->done) {
        store_tmp_remove(tmp);
        return -1;
    }
    return 0;
}

/* The tar of a layer on disk, unpacked again under another parent (a layer
 * the archive holds once and two chains use, or one the store had). */
static int unpack_copy(const char *label, struct layer *from, char **tmp, struct layer_info *info,
                       struct md_error *err)
{
    _cleanup_free_ char *fdir = store_tmp_dir(err);
    if (!fdir)
        return -1;
    _cleanup_close_ int fd = open(fdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    int e = errno;
    store_tmp_remove(fdir);
    if (fd < 0)
        return md_errno(err, e, "%s: a temporary file in %s", label, fdir);
    _cleanup_close_ int dfd = open(from->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return md_errno(err, errno, "%s: open %s", label, from->dir);
    if (layer_export(dfd, from->tar_size, from->diff_id, layer_fd_write, &fd, err) < 0)
        return md_err_wrap(err, "%s", label);
    if (lseek(fd, 0, SEEK_SET) < 0)
        return md_errno(err, errno, "%s: rewind", label);
    _cleanup_free_ char *buf = xmalloc(LAYER_READ_BLOCK);
    struct layer_fd_src src = {.fd = fd, .buf = buf, .size = LAYER_READ_BLOCK};
    return unpack_tmp(label, layer_fd_read, &src, tmp, info, err);
}

/* The layer of jb from member x, whichever way x went by. */
static int run_job(struct job *jb, struct member *x, struct md_error *err)
{
    _cleanup_free_ char *label = xasprintf("layer %s", jb->diff_id);
    _cleanup_free_ char *tmp = NULL;
    struct layer_info info;
    if (x->stage_failed) {
        const char *msg = md_err_msg(&x->stage_err);
        size_t n = strlen(STAGE_LABEL);
        if (!strncmp(msg, STAGE_LABEL, n))
            return md_err(err, x->stage_err.err, "%s%s", label, msg + n);
        return md_err(err, x->stage_err.err, "%s", msg);
    }
    if (x->staged && !x->made) {
        tmp = steal_ptr(&x->staged);
        if (commit_job(jb, tmp, &x->info, x->info.blob_digest, err) < 0)
            return -1;
        x->made = jb->done;
        return 0;
    }
    if (x->data) {
        struct mem_src src = {.p = x->data, .n = x->len};
        if (unpack_tmp(label, mem_read, &src, &tmp, &info, err) < 0)
            return -1;
        return commit_job(jb, tmp, &info, info.blob_digest, err);
    }
    struct layer *from = x->made ? x->made : x->local;
    if (!from)
        return md_err(err, MD_EINTERNAL, "layer %s: not kept from the archive", x->name);
    /* the bytes of a hashed member were checked only by their digest */
    const char *blob = x->made ? NULL : x->hashed;
    if (jb->src->want_digest && blob && strcmp(jb->src->want_digest, blob) != 0)
        return md_err(err, MD_EINVAL, "layer %s: digest mismatch: expected %s, got %s", x->name,
                      jb->src->want_digest, blob);
    if (unpack_copy(label, from, &tmp, &info, err) < 0)
        return -1;
    return commit_job(jb, tmp, &info, NULL, err);
}

/* Every layer the plan needs, in the order of the archive, so the first bad
 * one is the one reported. */
static int run_jobs(struct load *L, struct md_error *err)
{
    for (size_t i = 0; i < L->m.n; i++) {
        struct member *x = &L->m.v[i];
        struct job *jb;
        while (x->regular && (jb = job_for(L, x->name))) {
            if (run_job(jb, x, err) < 0)
                return -1;
            pin(L, jb->done);
        }
    }
    for (size_t j = 0; j < L->njobs; j++)
        if (!L->jobs[j].done)
            return md_err(err, MD_EINTERNAL, "load: layer %s is not in the archive",
                          L->jobs[j].src->member);
    return 0;
}

struct tag_msgs {
    image_msg_fn msg;
    void *ctx;
};

static void on_loaded_tag(void *ctx, size_t i, const char *familiar, const char *prev_id)
{
    struct tag_msgs *t = ctx;
    if (prev_id) {
        _cleanup_free_ char *line = xasprintf(
            "The image %s already exists, renaming the old one with ID %s to empty string\n",
            familiar, prev_id);
        t->msg(t->ctx, line);
    }
    _cleanup_free_ char *line = xasprintf("Loaded image: %s\n", familiar);
    t->msg(t->ctx, line);
}

int image_load(layer_read_fn rd, void *rctx, image_msg_fn msg, void *ctx, struct md_error *err)
{
    struct load L = {0};
    struct body_src bs = {.rd = rd, .ctx = rctx};
    int rc = -1;
    int64_t t0 = time_now_ns();
    if (stream_members(&L, &bs, err) < 0 || drain(&bs, err) < 0)
        goto out;
    int64_t t1 = time_now_ns();
    if (!L.planned && (parse_archive(&L, err) < 0 || plan_jobs(&L) < 0))
        goto out;
    if (run_jobs(&L, err) < 0)
        goto out;
    log_debug("load: read %zu members in %lld ms (%zu layers unpacked on the way, plan %s), "
              "then %lld ms for %zu new layers",
              L.m.n, (long long)(t1 - t0) / 1000000, L.nstaged, L.planned ? "early" : "at the end",
              (long long)(time_now_ns() - t1) / 1000000, L.njobs);

    struct new_image *ni = xcalloc(L.nimgs + 1, sizeof *ni);
    char(*ids)[DIGEST_LEN + 1] = xcalloc(L.nimgs + 1, sizeof *ids);
    for (size_t i = 0; i < L.nimgs; i++) {
        struct load_image *li = L.imgs[i];
        ni[i] = (struct new_image){.config_raw = li->config_raw,
                                   .config_len = li->config_len,
                                   .layers = xcalloc(li->nlayers, sizeof(struct layer *)),
                                   .nlayers = li->nlayers,
                                   .tags = li->tags};
        for (size_t k = 0; k < li->nlayers; k++)
            for (size_t p = 0; p < L.npinned; p++)
                if (!strcmp(L.pinned[p]->chain_id, li->chains[k]))
                    ni[i].layers[k] = L.pinned[p];
    }
    struct tag_msgs tm = {.msg = msg, .ctx = ctx};
    rc = store_add_images(ni, L.nimgs, ids, on_loaded_tag, &tm, err);
    if (rc == 0) {
        /* moby prints the ids only when the last image had no tag */
        if (!strv_len(L.imgs[L.nimgs - 1]->tags)) {
            for (size_t i = 0; i < L.nimgs; i++) {
                _cleanup_free_ char *line = xasprintf("Loaded image ID: %s\n", ids[i]);
                msg(ctx, line);
            }
        }
        for (size_t i = 0; i < L.nimgs; i++)
            image_event("load", ids[i], ids[i]);
    }
    for (size_t i = 0; i < L.nimgs; i++)
        free(ni[i].layers);
    free(ni);
    free(ids);
out:
    md_err_clear(&bs.err);
    load_free(&L);
    return rc;
}

/* ---- save ---- */

struct save_image {
    struct image *im;
    char **tags; /* full references, in the order asked */
};

struct save_plan {
    struct save_image *v;
    size_t n;
};

void image_save_free(struct save_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        image_put(p->v[i].im);
        strv_free(p->v[i].tags);
    }
    free(p->v);
    free(p);
}

static void plan_add(struct save_plan *p, struct image *im, const char *tag)
{
    struct save_image *s = NULL;
    for (size_t i = 0; i < p->n && !s; i++)
        if (p->v[i].im == im)
            s = &p->v[i];
    if (!s) {
        p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
        s = &p->v[p->n++];
        *s = (struct save_image){.im = image_get(im), .tags = xcalloc(1, sizeof(char *))};
    }
    if (tag) {
        for (char **t = s->tags; *t; t++)
            if (!strcmp(*t, tag))
                return;
        strv_push(&s->tags, tag);
    }
}

/* tarexporter.parseNames */
static int plan_name(struct save_plan *p, const char *name, struct md_error *err)
{
    struct image_ref r;
    struct image *im;
    if (ref_looks_like_id(name) && strlen(name) >= 64) {
        if (image_lookup(name, &im, err) < 0)
            return -1;
        plan_add(p, im, NULL);
        image_put(im);
        return 0;
    }
    if (ref_parse_name(name, &r, err) < 0)
        return -1;
    _cleanup_free_ char *fam_name = ref_familiar_name(&r);
    bool name_only = !r.tag && !r.digest;
    _cleanup_free_ char *repo = ref_full(&(struct image_ref){.domain = r.domain, .path = r.path});
    _cleanup_free_ char *full = ref_full(&r);
    bool has_tag = r.tag != NULL;
    ref_free(&r);
    if (!strcmp(fam_name, "sha256") || name_only) {
        /* every tag of the repository ("docker save busybox"), else an id */
        size_t n;
        struct image **all = name_only ? store_all_images(&n) : NULL;
        bool any = false;
        size_t rl = strlen(repo);
        for (size_t i = 0; all && i < n; i++) {
            _cleanup_strv_ char **tags = store_refs_of(all[i], false);
            for (char **t = tags; t && *t; t++) {
                if (strncmp(*t, repo, rl) == 0 && (*t)[rl] == ':') {
                    plan_add(p, all[i], *t);
                    any = true;
                }
            }
        }
        store_images_free(all, n);
        if (any)
            return 0;
        if (image_lookup(name, &im, err) < 0)
            return -1;
        plan_add(p, im, NULL);
        image_put(im);
        return 0;
    }
    if (image_lookup(name, &im, err) < 0)
        return -1;
    plan_add(p, im, has_tag ? full : NULL);
    image_put(im);
    return 0;
}

int image_save_prepare(char **names, struct save_plan **out, struct md_error *err)
{
    struct save_plan *p = xcalloc(1, sizeof *p);
    for (char **n = names; n && *n; n++) {
        if (plan_name(p, *n, err) < 0) {
            image_save_free(p);
            return -1;
        }
    }
    if (!p->n) {
        image_save_free(p);
        return md_err(err, MD_EINVAL, "no images to save");
    }
    *out = p;
    return 0;
}

struct blob {
    char hex[65];
    const char *data; /* small blobs */
    size_t len;
    struct layer *layer; /* layer blobs */
    int64_t mtime;
};

static int blob_cmp(const void *a, const void *b)
{
    return strcmp(((const struct blob *)a)->hex, ((const struct blob *)b)->hex);
}

struct tar_out {
    int (*wr)(void *ctx, const void *buf, size_t n);
    void *wctx;
    struct archive *aw;
    bool failed; /* write nothing more: no end-of-archive after an error */
};

static la_ssize_t aw_write(struct archive *a, void *cd, const void *buf, size_t n)
{
    struct tar_out *t = cd;
    if (t->failed || t->wr(t->wctx, buf, n) < 0) {
        archive_set_error(a, EPIPE, "the client went away");
        return -1;
    }
    return (la_ssize_t)n;
}

static int put_entry(struct tar_out *t, const char *name, bool dir, int64_t size, int64_t mtime,
                     struct md_error *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : size);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    int r = archive_write_header(t->aw, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return md_err(err, EPIPE, "write archive: %s", archive_error_string(t->aw));
    return 0;
}

static int put_data(void *ctx, const void *buf, size_t n)
{
    struct tar_out *t = ctx;
    return archive_write_data(t->aw, buf, n) == (la_ssize_t)n ? 0 : -1;
}

static int put_file(struct tar_out *t, const char *name, const char *data, size_t len,
                    int64_t mtime, struct md_error *err)
{
    if (put_entry(t, name, false, (int64_t)len, mtime, err) < 0)
        return -1;
    if (len && put_data(t, data, len) < 0)
        return md_err(err, EPIPE, "write archive: %s", archive_error_string(t->aw));
    return 0;
}

static char *dumps(json_t *j, bool newline)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    return xasprintf("%s%s", s, newline ? "\n" : "");
}

int image_save_write(struct save_plan *p, int (*wr)(void *ctx, const void *buf, size_t n),
                     void *wctx, struct md_error *err)
{
    struct blob *blobs = NULL;
    size_t nb = 0;
    _cleanup_json_ json_t *manifest = json_array();
    _cleanup_json_ json_t *index_ms = json_array();
    _cleanup_json_ json_t *repos = json_object();
    char **keep = NULL; /* strings the blobs point into */
    int rc = -1;

    for (size_t i = 0; i < p->n; i++) {
        struct image *im = p->v[i].im;
        int64_t mtime = im->created_ns == TIME_ZERO ? 0 : im->created_ns / 1000000000;
        blobs = xrealloc(blobs, (nb + im->nlayers + 2) * sizeof *blobs);
        blobs[nb++] = (struct blob){.data = im->config_raw, .len = im->config_len, .mtime = mtime};
        snprintf(blobs[nb - 1].hex, 65, "%s", digest_hex(im->id));
        json_t *layers = json_array(), *paths = json_array();
        for (size_t k = 0; k < im->nlayers; k++) {
            struct layer *l = im->layers[k];
            bool seen = false;
            for (size_t b = 0; b < nb && !seen; b++)
                seen = !strcmp(blobs[b].hex, digest_hex(l->diff_id));
            if (!seen) {
                blobs[nb] = (struct blob){.layer = l, .mtime = mtime};
                snprintf(blobs[nb].hex, 65, "%s", digest_hex(l->diff_id));
                nb++;
            }
            json_array_append_new(layers,
                                  json_pack("{s:s,s:s,s:I}", "mediaType",
                                            "application/vnd.oci.image.layer.v1.tar", "digest",
                                            l->diff_id, "size", (json_int_t)l->tar_size));
            json_array_append_new(paths, json_pack("s+", "blobs/sha256/", digest_hex(l->diff_id)));
        }
        _cleanup_json_ json_t *m = json_pack(
            "{s:i,s:s,s:{s:s,s:s,s:I},s:o}", "schemaVersion", 2, "mediaType", OCI_MANIFEST,
            "config", "mediaType", "application/vnd.oci.image.config.v1+json", "digest", im->id,
            "size", (json_int_t)im->config_len, "layers", layers);
        char *mraw = dumps(m, false);
        strv_push(&keep, mraw);
        free(mraw);
        const char *mkept = keep[strv_len(keep) - 1];
        char mdigest[DIGEST_LEN + 1];
        sha256_digest(mkept, strlen(mkept), mdigest);
        blobs[nb] = (struct blob){.data = mkept, .len = strlen(mkept), .mtime = 0};
        snprintf(blobs[nb].hex, 65, "%s", digest_hex(mdigest));
        nb++;

        json_t *tags = json_array();
        for (char **t = p->v[i].tags; *t; t++) {
            _cleanup_free_ char *fam = store_familiar(*t);
            json_array_append_new(tags, json_string(fam));
            const char *colon = strrchr(fam, ':');
            _cleanup_free_ char *fname = xstrndup(fam, (size_t)(colon - fam));
            json_t *r = json_object_get(repos, fname);
            if (!r) {
                r = json_object();
                json_object_set_new(repos, fname, r);
            }
            json_object_set_new(r, colon + 1,
                                json_string(digest_hex(im->layers[im->nlayers - 1]->diff_id)));
            const char *tcolon = strrchr(*t, ':');
            json_array_append_new(index_ms,
                                  json_pack("{s:s,s:s,s:I,s:{s:s,s:s}}", "mediaType", OCI_MANIFEST,
                                            "digest", mdigest, "size", (json_int_t)strlen(mkept),
                                            "annotations", "io.containerd.image.name", *t,
                                            "org.opencontainers.image.ref.name", tcolon + 1));
        }
        if (!*p->v[i].tags)
            json_array_append_new(index_ms,
                                  json_pack("{s:s,s:s,s:I}", "mediaType", OCI_MANIFEST, "digest",
                                            mdigest, "size", (json_int_t)strlen(mkept)));
        json_array_append_new(
            manifest,
            json_pack("{s:s+,s:o,s:o}", "Config", "blobs/sha256/", digest_hex(im->id), "RepoTags",
                      json_array_size(tags) ? tags : (json_decref(tags), json_null()), "Layers",
                      paths));
    }
    qsort(blobs, nb, sizeof *blobs, blob_cmp);
    _cleanup_json_ json_t *index = json_pack("{s:i,s:s,s:O}", "schemaVersion", 2, "mediaType",
                                             OCI_INDEX, "manifests", index_ms);
    _cleanup_free_ char *index_s = dumps(index, false);
    _cleanup_free_ char *manifest_s = dumps(manifest, true);
    _cleanup_free_ char *repos_s = dumps(repos, true);
    static const char layout_s[] = "{\"imageLayoutVersion\": \"1.0.0\"}";

    struct tar_out t = {.wr = wr, .wctx = wctx, .aw = archive_write_new()};
    archive_write_set_format_pax_restricted(t.aw);
    archive_write_set_bytes_in_last_block(t.aw, 1);
    if (archive_write_open2(t.aw, &t, NULL, aw_write, NULL, NULL) != ARCHIVE_OK) {
        md_err(err, MD_EINTERNAL, "write archive: %s", archive_error_string(t.aw));
        goto out;
    }
    if (put_entry(&t, "blobs/", true, 0, 0, err) < 0 ||
        put_entry(&t, "blobs/sha256/", true, 0, 0, err) < 0)
        goto out;
    for (size_t b = 0; b < nb; b++) {
        _cleanup_free_ char *name = xasprintf("blobs/sha256/%s", blobs[b].hex);
        if (!blobs[b].layer) {
            if (put_file(&t, name, blobs[b].data, blobs[b].len, blobs[b].mtime, err) < 0)
                goto out;
            continue;
        }
        struct layer *l = blobs[b].layer;
        if (put_entry(&t, name, false, l->tar_size, blobs[b].mtime, err) < 0)
            goto out;
        _cleanup_close_ int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
            md_errno(err, errno, "open layer %s", l->chain_id);
            goto out;
        }
        if (layer_export(dfd, l->tar_size, l->diff_id, put_data, &t, err) < 0)
            goto out;
    }
    if (put_file(&t, "index.json", index_s, strlen(index_s), 0, err) < 0 ||
        put_file(&t, "manifest.json", manifest_s, strlen(manifest_s), 0, err) < 0 ||
        put_file(&t, "oci-layout", layout_s, strlen(layout_s), 0, err) < 0)
        goto out;
    if (json_object_size(repos) &&
        put_file(&t, "repositories", repos_s, strlen(repos_s), 0, err) < 0)
        goto out;
    if (archive_write_close(t.aw) != ARCHIVE_OK) {
        md_err(err, EPIPE, "write archive: %s", archive_error_string(t.aw));
        goto out;
    }
    for (size_t i = 0; i < p->n; i++)
        image_event("save", p->v[i].im->id, p->v[i].im->id);
    rc = 0;
out:
    /* a failed archive must not be closed properly: freeing it would write
     * the end-of-archive blocks and make a cut archive look complete */
    t.failed = rc < 0;
    archive_write_free(t.aw);
    free(blobs);
    strv_free(keep);
    return rc;
}
