/* The image store: images, layers and references in memory under one
 * mutex, persisted in data-root/image (see store.h for the layout), and the
 * operations that change them: add (load, import), tag, delete, prune.
 *
 * Layers are counted: every image object using a layer holds a count, and
 * so does every load in progress that needs it. A layer nobody counts is
 * deleted at once (renamed into tmp/ under the lock, removed after it).
 * Image objects are counted too (the store's table holds one, every
 * image_lookup caller another), so a layer stays on disk while anybody
 * still holds an image that uses it, even if the image was deleted. */
#include "daemon/image/store.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/reference.h"
#include "common/timefmt.h"
#include "daemon/daemon.h"
#include "daemon/image/fsutil.h"
#include "daemon/state/events.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX (8u << 20)

struct ref {
    char *ref; /* full: "docker.io/library/busybox:latest" or "...@sha256:..." */
    struct image *im;
};

static struct {
    pthread_mutex_t mu;
    char *root, *blobs, *layers_dir, *tmp, *repos_path;
    struct image **images;
    size_t nimages, cap_images;
    struct ref *refs; /* sorted by ref */
    size_t nrefs, cap_refs;
    struct layer **layers;
    size_t nlayers, cap_layers;
    image_usage_fn usage;
    bool ready;
} S = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Directories to remove once the lock is released. */
struct gc {
    char **paths;
    int64_t reclaimed;
};

static void gc_run(struct gc *g)
{
    for (char **p = g->paths; p && *p; p++)
        if (fs_rm_rf_at(AT_FDCWD, *p, NULL) < 0)
            log_warn("remove %s: %s", *p, strerror(errno));
    strv_free(g->paths);
    g->paths = NULL;
}

static void lock(void)
{
    pthread_mutex_lock(&S.mu);
}

static void unlock(void)
{
    pthread_mutex_unlock(&S.mu);
}

void image_event(const char *action, const char *id, const char *name)
{
    json_t *attrs = json_object();
    json_object_set_new(attrs, "name", json_string(name ? name : id));
    events_emit("image", action, id, attrs);
}

char *store_familiar(const char *full_ref)
{
    struct image_ref r;
    if (ref_parse_name(full_ref, &r, NULL) < 0)
        return xstrdup(full_ref);
    char *s = ref_familiar(&r);
    ref_free(&r);
    return s;
}

/* ---- layers ---- */

static struct layer *layer_find_locked(const char *chain_id)
{
    for (size_t i = 0; i < S.nlayers; i++)
        if (strcmp(S.layers[i]->chain_id, chain_id) == 0)
            return S.layers[i];
    return NULL;
}

static void layer_add_locked(struct layer *l)
{
    if (S.nlayers == S.cap_layers) {
        S.cap_layers = S.cap_layers ? S.cap_layers * 2 : 32;
        S.layers = xrealloc(S.layers, S.cap_layers * sizeof *S.layers);
    }
    S.layers[S.nlayers++] = l;
}

static void layer_free(struct layer *l)
{
    if (!l)
        return;
    free(l->dir);
    free(l);
}

/* Drop one count; the last one deletes the layer. */
static void layer_unref_locked(struct layer *l, json_t *records, struct gc *g)
{
    if (--l->refs > 0)
        return;
    for (size_t i = 0; i < S.nlayers; i++) {
        if (S.layers[i] == l) {
            S.layers[i] = S.layers[--S.nlayers];
            break;
        }
    }
    /* Out of layers/ at once, so a load may unpack the same chain id again
     * while the old copy is being removed. */
    char sfx[17];
    img_rand_suffix(sfx);
    _cleanup_free_ char *dead = xasprintf("%s/gc-%s", S.tmp, sfx);
    if (rename(l->dir, dead) == 0)
        strv_push(&g->paths, dead);
    else
        log_warn("remove layer %s: %s", l->dir, strerror(errno));
    if (records)
        json_array_append_new(records, json_pack("{s:s}", "Deleted", l->chain_id));
    g->reclaimed += l->size;
    layer_free(l);
}

struct layer *store_layer_get(const char *chain_id)
{
    lock();
    struct layer *l = layer_find_locked(chain_id);
    if (l)
        l->refs++;
    unlock();
    return l;
}

struct layer *store_layer_get_by_diff(const char *diff_id)
{
    lock();
    struct layer *l = NULL;
    for (size_t i = 0; i < S.nlayers && !l; i++)
        if (strcmp(S.layers[i]->diff_id, diff_id) == 0)
            l = S.layers[i];
    if (l)
        l->refs++;
    unlock();
    return l;
}

void store_layer_put(struct layer *l)
{
    if (!l)
        return;
    struct gc g = {0};
    lock();
    layer_unref_locked(l, NULL, &g);
    unlock();
    gc_run(&g);
}

char *store_tmp_dir(struct md_error *err)
{
    char sfx[17];
    img_rand_suffix(sfx);
    char *p = xasprintf("%s/unpack-%s", S.tmp, sfx);
    if (mkdir(p, 0700) < 0) {
        md_errno(err, errno, "create %s", p);
        free(p);
        return NULL;
    }
    return p;
}

void store_tmp_remove(const char *path)
{
    if (path && fs_rm_rf_at(AT_FDCWD, path, NULL) < 0)
        log_warn("remove %s: %s", path, strerror(errno));
}

static json_t *layer_meta_json(const struct layer *l)
{
    return json_pack("{s:s,s:s,s:s,s:I,s:I}", "ChainID", l->chain_id, "DiffID", l->diff_id,
                     "Parent", l->parent, "Size", (json_int_t)l->size, "TarSize",
                     (json_int_t)l->tar_size);
}

struct layer *store_layer_commit(const char *tmp_path, const char *chain_id, const char *parent,
                                 const struct layer_info *li, struct md_error *err)
{
    struct layer *l = xcalloc(1, sizeof *l);
    snprintf(l->chain_id, sizeof l->chain_id, "%s", chain_id);
    snprintf(l->diff_id, sizeof l->diff_id, "%s", li->diff_id);
    snprintf(l->parent, sizeof l->parent, "%s", parent ? parent : "");
    l->size = li->size;
    l->tar_size = li->tar_size;
    l->dir = xasprintf("%s/%s", S.layers_dir, digest_hex(chain_id));
    l->refs = 1;
    _cleanup_json_ json_t *meta = layer_meta_json(l);
    _cleanup_free_ char *meta_path = xasprintf("%s/meta.json", tmp_path);
    if (json_write_atomic(meta_path, meta, err) < 0) {
        layer_free(l);
        return NULL;
    }
    lock();
    struct layer *have = layer_find_locked(chain_id);
    if (have) {
        have->refs++;
        unlock();
        layer_free(l);
        store_tmp_remove(tmp_path);
        return have;
    }
    if (rename(tmp_path, l->dir) < 0) {
        int e = errno;
        unlock();
        md_errno(err, e, "move layer %s into place", chain_id);
        layer_free(l);
        return NULL;
    }
    layer_add_locked(l);
    unlock();
    return l;
}

/* ---- images ---- */

static bool is_digest_ref(const char *ref)
{
    return strchr(ref, '@') != NULL;
}

char **store_config_diff_ids(json_t *config, struct md_error *err)
{
    if (!json_is_object(config)) {
        md_err(err, MD_EINVAL, "invalid image config: not a JSON object");
        return NULL;
    }
    const char *os = json_str(config, "os");
    if (os && *os && strcmp(os, "linux") != 0) {
        md_err(err, MD_EINVAL, "cannot load %s image on linux", os);
        return NULL;
    }
    json_t *rootfs = json_object_get(config, "rootfs");
    const char *type = json_str(rootfs, "type");
    json_t *ids = json_object_get(rootfs, "diff_ids");
    if (!type || strcmp(type, "layers") != 0 || !json_is_array(ids) || json_array_size(ids) == 0) {
        md_err(err, MD_EINVAL, "invalid image config: rootfs must list the layers' diff_ids");
        return NULL;
    }
    char **v = NULL;
    size_t i;
    json_t *d;
    json_array_foreach(ids, i, d)
    {
        if (!digest_valid(json_string_value(d))) {
            strv_free(v);
            md_err(err, MD_EINVAL, "invalid image config: bad diff_id %s",
                   json_is_string(d) ? json_string_value(d) : "(not a string)");
            return NULL;
        }
        strv_push(&v, json_string_value(d));
    }
    return v;
}

/* A new image object for config bytes whose layers are known (counted). */
static struct image *image_new_locked(const char *raw, size_t len, struct layer **layers, size_t n,
                                      struct md_error *err)
{
    json_error_t je;
    json_t *config = json_loadb(raw, len, 0, &je);
    if (!config) {
        md_err(err, MD_EINVAL, "invalid image config: %s", je.text);
        return NULL;
    }
    struct image *im = xcalloc(1, sizeof *im);
    atomic_init(&im->refs, 1);
    sha256_digest(raw, len, im->id);
    im->config_raw = xmalloc(len + 1);
    memcpy(im->config_raw, raw, len);
    im->config_raw[len] = '\0';
    im->config_len = len;
    im->config = config;
    json_t *rc = json_object_get(config, "config");
    im->run_config = json_is_object(rc) ? json_incref(rc) : json_object();
    im->layers = xcalloc(n, sizeof *im->layers);
    im->nlayers = n;
    for (size_t i = 0; i < n; i++) {
        im->layers[i] = layers[i];
        layers[i]->refs++;
        im->size += layers[i]->size;
    }
    im->created_ns = TIME_ZERO;
    const char *created = json_str(config, "created");
    int64_t ns;
    if (created && time_parse_rfc3339(created, &ns) == 0)
        im->created_ns = ns;
    im->last_tag_ns = TIME_ZERO;
    return im;
}

static void image_unref_locked(struct image *im, json_t *records, struct gc *g)
{
    if (!im || atomic_fetch_sub(&im->refs, 1) != 1)
        return;
    for (size_t i = im->nlayers; i-- > 0;)
        layer_unref_locked(im->layers[i], records, g);
    free(im->layers);
    json_decref(im->run_config);
    json_decref(im->config);
    free(im->config_raw);
    free(im);
}

struct image *image_get(struct image *im)
{
    atomic_fetch_add(&im->refs, 1);
    return im;
}

void image_put(struct image *im)
{
    if (!im)
        return;
    struct gc g = {0};
    lock();
    image_unref_locked(im, NULL, &g);
    unlock();
    gc_run(&g);
}

const char *image_id(const struct image *im)
{
    return im->id;
}

json_t *image_config(const struct image *im)
{
    return im->run_config;
}

int64_t image_size(const struct image *im)
{
    return im->size;
}

char **image_layer_dirs(const struct image *im)
{
    char **v = xcalloc(im->nlayers + 1, sizeof *v);
    for (size_t i = 0; i < im->nlayers; i++)
        v[i] = xasprintf("%s/diff", im->layers[im->nlayers - 1 - i]->dir);
    return v;
}

size_t image_store_count(void)
{
    lock();
    size_t n = S.nimages;
    unlock();
    return n;
}

void image_set_usage_check(image_usage_fn fn)
{
    lock();
    S.usage = fn;
    unlock();
}

static struct image *image_find_locked(const char *id)
{
    for (size_t i = 0; i < S.nimages; i++)
        if (strcmp(S.images[i]->id, id) == 0)
            return S.images[i];
    return NULL;
}

static void image_add_locked(struct image *im)
{
    if (S.nimages == S.cap_images) {
        S.cap_images = S.cap_images ? S.cap_images * 2 : 16;
        S.images = xrealloc(S.images, S.cap_images * sizeof *S.images);
    }
    S.images[S.nimages++] = im;
    im->in_store = true;
}

static void image_remove_locked(struct image *im, json_t *records, struct gc *g)
{
    for (size_t i = 0; i < S.nimages; i++) {
        if (S.images[i] == im) {
            memmove(S.images + i, S.images + i + 1, (S.nimages - i - 1) * sizeof *S.images);
            S.nimages--;
            break;
        }
    }
    im->in_store = false;
    _cleanup_free_ char *blob = xasprintf("%s/%s", S.blobs, digest_hex(im->id));
    if (unlink(blob) < 0 && errno != ENOENT)
        log_warn("remove %s: %s", blob, strerror(errno));
    if (records)
        json_array_append_new(records, json_pack("{s:s}", "Deleted", im->id));
    image_unref_locked(im, records, g);
}

struct image **store_all_images(size_t *n)
{
    lock();
    struct image **v = xcalloc(S.nimages + 1, sizeof *v);
    for (size_t i = 0; i < S.nimages; i++)
        v[i] = image_get(S.images[i]);
    *n = S.nimages;
    unlock();
    return v;
}

void store_images_free(struct image **v, size_t n)
{
    if (!v)
        return;
    struct gc g = {0};
    lock();
    for (size_t i = 0; i < n; i++)
        image_unref_locked(v[i], NULL, &g);
    unlock();
    gc_run(&g);
    free(v);
}

int64_t store_last_tag_ns(struct image *im)
{
    lock();
    int64_t t = im->last_tag_ns;
    unlock();
    return t;
}

/* ---- references ---- */

static long ref_index_locked(const char *ref)
{
    size_t lo = 0, hi = S.nrefs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(S.refs[mid].ref, ref);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

/* Point ref at im; returns the image it pointed at before (or NULL). */
static struct image *ref_set_locked(const char *ref, struct image *im)
{
    long i = ref_index_locked(ref);
    if (i >= 0) {
        struct image *prev = S.refs[i].im;
        S.refs[i].im = im;
        return prev;
    }
    size_t at = (size_t)(-i - 1);
    if (S.nrefs == S.cap_refs) {
        S.cap_refs = S.cap_refs ? S.cap_refs * 2 : 32;
        S.refs = xrealloc(S.refs, S.cap_refs * sizeof *S.refs);
    }
    memmove(S.refs + at + 1, S.refs + at, (S.nrefs - at) * sizeof *S.refs);
    S.refs[at] = (struct ref){.ref = xstrdup(ref), .im = im};
    S.nrefs++;
    return NULL;
}

static bool ref_remove_locked(const char *ref)
{
    long i = ref_index_locked(ref);
    if (i < 0)
        return false;
    free(S.refs[i].ref);
    memmove(S.refs + i, S.refs + i + 1, (S.nrefs - (size_t)i - 1) * sizeof *S.refs);
    S.nrefs--;
    return true;
}

static char **refs_of_locked(struct image *im, int which /* 0 all, 1 tags, 2 digests */)
{
    char **v = xcalloc(1, sizeof *v);
    for (size_t i = 0; i < S.nrefs; i++) {
        if (S.refs[i].im != im)
            continue;
        bool dg = is_digest_ref(S.refs[i].ref);
        if (which == 0 || (which == 1 && !dg) || (which == 2 && dg))
            strv_push(&v, S.refs[i].ref);
    }
    return v;
}

char **store_refs_of(struct image *im, bool digests)
{
    lock();
    char **v = refs_of_locked(im, digests ? 2 : 1);
    unlock();
    return v;
}

/* ---- persistence ---- */

static int save_locked(struct md_error *err)
{
    _cleanup_json_ json_t *j = json_object();
    json_t *repos = json_object();
    json_t *images = json_object();
    json_object_set_new(j, "Repositories", repos);
    json_object_set_new(j, "Images", images);
    for (size_t i = 0; i < S.nrefs; i++)
        json_object_set_new(repos, S.refs[i].ref, json_string(S.refs[i].im->id));
    for (size_t i = 0; i < S.nimages; i++) {
        struct image *im = S.images[i];
        json_t *m = json_object();
        if (im->last_tag_ns != TIME_ZERO) {
            _cleanup_free_ char *t = time_format(im->last_tag_ns, false);
            json_object_set_new(m, "LastTagTime", json_string(t));
        }
        if (im->parent[0])
            json_object_set_new(m, "Parent", json_string(im->parent));
        json_object_set_new(images, im->id, m);
    }
    if (json_write_atomic(S.repos_path, j, err) < 0)
        return md_err_wrap(err, "save the image references");
    return 0;
}

static int write_config_blob(const char *id, const char *raw, size_t len, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", S.blobs, digest_hex(id));
    struct stat st;
    if (stat(path, &st) == 0 && (size_t)st.st_size == len)
        return 0;
    return fs_write_replace_at(AT_FDCWD, path, raw, len, 0644, FS_SYNC, err);
}

/* ---- adding images ---- */

int store_add_images(struct new_image *imgs, size_t n, char (*ids)[DIGEST_LEN + 1],
                     void (*on_tag)(void *ctx, size_t i, const char *familiar, const char *prev_id),
                     void *ctx, struct md_error *err)
{
    for (size_t i = 0; i < n; i++)
        sha256_digest(imgs[i].config_raw, imgs[i].config_len, ids[i]);
    struct undo {
        char *ref;
        struct image *prev;
    } *undo = NULL;
    size_t nundo = 0;
    _cleanup_free_ struct image **created = xcalloc(n + 1, sizeof *created);
    _cleanup_free_ int64_t *old_tag_ns = xcalloc(n + 1, sizeof *old_tag_ns);
    struct image **targets = xcalloc(n + 1, sizeof *targets);
    int rc = 0;
    struct gc g = {0};

    lock();
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct image *im = image_find_locked(ids[i]);
        if (!im) {
            /* under the lock: a delete of the same image removes the blob */
            if (write_config_blob(ids[i], imgs[i].config_raw, imgs[i].config_len, err) < 0) {
                rc = -1;
                break;
            }
            im = image_new_locked(imgs[i].config_raw, imgs[i].config_len, imgs[i].layers,
                                  imgs[i].nlayers, err);
            if (!im) {
                rc = -1;
                break;
            }
            if (imgs[i].parent)
                snprintf(im->parent, sizeof im->parent, "%s", imgs[i].parent);
            image_add_locked(im);
            created[i] = im;
        }
        targets[i] = im;
        old_tag_ns[i] = im->last_tag_ns;
        for (char **t = imgs[i].tags; t && *t; t++) {
            struct image *prev = ref_set_locked(*t, im);
            undo = xrealloc(undo, (nundo + 1) * sizeof *undo);
            undo[nundo++] = (struct undo){xstrdup(*t), prev};
            if (imgs[i].touch_tags)
                im->last_tag_ns = time_now_ns();
            if (on_tag) {
                _cleanup_free_ char *fam = store_familiar(*t);
                on_tag(ctx, i, fam, prev && prev != im ? prev->id : NULL);
            }
        }
    }
    if (rc == 0)
        rc = save_locked(err);
    if (rc < 0) {
        for (size_t k = nundo; k-- > 0;) {
            if (undo[k].prev)
                ref_set_locked(undo[k].ref, undo[k].prev);
            else
                ref_remove_locked(undo[k].ref);
        }
        for (size_t i = 0; i < n; i++) {
            if (targets[i])
                targets[i]->last_tag_ns = old_tag_ns[i];
            if (created[i])
                image_remove_locked(created[i], NULL, &g);
        }
    }
    unlock();
    gc_run(&g);
    for (size_t k = 0; k < nundo; k++)
        free(undo[k].ref);
    free(undo);
    free(targets);
    return rc;
}

/* ---- lookup ---- */

static bool is_full_id(const char *s, char out[DIGEST_LEN + 1])
{
    if (strncmp(s, "sha256:", 7) == 0)
        s += 7;
    if (!id_is_full(s))
        return false;
    snprintf(out, DIGEST_LEN + 1, "sha256:%s", s);
    return true;
}

static struct image *lookup_locked(const char *s, struct md_error *err)
{
    char full[DIGEST_LEN + 1];
    if (is_full_id(s, full)) {
        struct image *im = image_find_locked(full);
        if (!im)
            md_err(err, MD_ENOTFOUND, "No such image: %s", full);
        return im;
    }
    struct image_ref r;
    struct md_error perr = {0};
    bool parsed = ref_parse(s, &r, &perr) == 0;
    _cleanup_free_ char *want = parsed ? ref_full(&r) : NULL;
    _cleanup_free_ char *fam = parsed ? ref_familiar(&r) : NULL;
    if (parsed)
        ref_free(&r);
    if (want) {
        long i = ref_index_locked(want);
        if (i >= 0) {
            md_err_clear(&perr);
            return S.refs[i].im;
        }
    }
    if (ref_looks_like_id(s)) {
        const char *hex = strncmp(s, "sha256:", 7) == 0 ? s + 7 : s;
        size_t hl = strlen(hex);
        struct image *hit = NULL;
        int hits = 0;
        for (size_t i = 0; i < S.nimages; i++) {
            if (strncmp(digest_hex(S.images[i]->id), hex, hl) == 0) {
                hit = S.images[i];
                hits++;
            }
        }
        if (hits == 1) {
            md_err_clear(&perr);
            return hit;
        }
    }
    if (!parsed) {
        if (err) {
            md_err_clear(err);
            *err = perr;
        } else {
            md_err_clear(&perr);
        }
        return NULL;
    }
    md_err(err, MD_ENOTFOUND, "No such image: %s", fam);
    return NULL;
}

int image_lookup(const char *ref_or_id, struct image **out, struct md_error *err)
{
    *out = NULL;
    if (!ref_or_id || !*ref_or_id)
        return md_err(err, MD_EINVAL, "image name cannot be blank");
    lock();
    struct image *im = lookup_locked(ref_or_id, err);
    if (im)
        *out = image_get(im);
    unlock();
    return im ? 0 : -1;
}

/* ---- tag ---- */

static bool valid_tag(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        bool word =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!word && (i == 0 || (c != '.' && c != '-')))
            return false;
    }
    return true;
}

int store_repo_tag_ref(const char *repo, const char *tag, char **full, struct md_error *err)
{
    *full = NULL;
    struct image_ref r;
    if (ref_parse_name(repo, &r, err) < 0)
        return -1;
    if (r.digest) {
        ref_free(&r);
        return md_err(err, MD_EINVAL, "cannot import digest reference");
    }
    if (tag && *tag) {
        if (!valid_tag(tag)) {
            ref_free(&r);
            return md_err(err, MD_EINVAL, "invalid tag format");
        }
        free(r.tag);
        r.tag = xstrdup(tag);
    } else if (!r.tag) {
        r.tag = xstrdup("latest");
    }
    _cleanup_free_ char *name = ref_familiar_name(&r);
    if (strcmp(name, "sha256") == 0) {
        ref_free(&r);
        return md_err(err, MD_EINVAL,
                      "refusing to create an ambiguous tag using digest algorithm as name");
    }
    *full = ref_full(&r);
    ref_free(&r);
    return 0;
}

int store_tag(const char *name, const char *repo, const char *tag, struct md_error *err)
{
    if (!repo || !*repo)
        return md_err(err, MD_EINVAL, "repository name must not be empty");
    _cleanup_free_ char *full = NULL;
    if (store_repo_tag_ref(repo, tag, &full, err) < 0)
        return -1;
    lock();
    struct image *im = lookup_locked(name, err);
    if (!im) {
        unlock();
        if (err->err != MD_EINVAL)
            err->err = MD_ENOTFOUND;
        return -1;
    }
    struct image *prev = ref_set_locked(full, im);
    int64_t old = im->last_tag_ns;
    im->last_tag_ns = time_now_ns();
    if (save_locked(err) < 0) {
        if (prev)
            ref_set_locked(full, prev);
        else
            ref_remove_locked(full);
        im->last_tag_ns = old;
        unlock();
        return -1;
    }
    char id[DIGEST_LEN + 1];
    memcpy(id, im->id, sizeof id);
    unlock();
    _cleanup_free_ char *fam = store_familiar(full);
    image_event("tag", id, fam);
    return 0;
}

/* ---- delete (moby's daemon/images/image_delete.go rules) ---- */

enum {
    CONFLICT_RUNNING = 1,
    CONFLICT_ACTIVE_REF = 2,
    CONFLICT_STOPPED = 4,
};

struct usage {
    bool used, running;
    char cid[65];
};

static bool has_children_locked(const struct image *im)
{
    for (size_t i = 0; i < S.nimages; i++)
        if (!strcmp(S.images[i]->parent, im->id))
            return true;
    return false;
}

bool store_has_children(struct image *im)
{
    lock();
    bool r = has_children_locked(im);
    unlock();
    return r;
}

static void check_usage(const char *id, struct usage *u)
{
    memset(u, 0, sizeof *u);
    lock();
    image_usage_fn fn = S.usage;
    unlock();
    if (fn)
        u->used = fn(id, u->cid, &u->running);
}

static const char *short12(const char *id, char out[13])
{
    const char *h = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
    size_t n = strnlen(h, 12);
    memcpy(out, h, n);
    out[n] = '\0';
    return out;
}

/* All references in one repository and at most one tag. */
static bool single_reference(char **refs)
{
    size_t n = strv_len(refs);
    if (n <= 1)
        return n == 1;
    const char *tag_ref = NULL;
    _cleanup_strv_ char **digest_names = NULL;
    for (char **r = refs; *r; r++) {
        if (is_digest_ref(*r)) {
            _cleanup_free_ char *nm = xstrndup(*r, strcspn(*r, "@"));
            bool seen = false;
            for (char **d = digest_names; d && *d; d++)
                seen |= strcmp(*d, nm) == 0;
            if (!seen)
                strv_push(&digest_names, nm);
        } else if (!tag_ref) {
            tag_ref = *r;
        } else {
            return false;
        }
    }
    _cleanup_free_ char *single = tag_ref ? xstrndup(tag_ref, strrchr(tag_ref, ':') - tag_ref)
                                          : xstrndup(refs[0], strcspn(refs[0], "@"));
    return strv_len(digest_names) == 1 && strcmp(digest_names[0], single) == 0;
}

/* A stopped container's image is kept even with force: its layers are the
 * container's lower dirs (docker keeps them through the container's layer
 * reference; this store counts only images). */
static int conflict_check_locked(struct image *im, int mask, bool hard_stopped,
                                 const struct usage *us, bool *used, struct md_error *err)
{
    char s1[13], s2[13];
    *used = false;
    if (has_children_locked(im)) /* moby's conflictDependentChild: hard */
        return md_err(err, MD_ECONFLICT,
                      "conflict: unable to delete %s (cannot be forced) - image has dependent "
                      "child images",
                      short12(im->id, s1));
    if ((mask & CONFLICT_RUNNING) && us->used && us->running) {
        *used = true;
        return md_err(err, MD_ECONFLICT,
                      "conflict: unable to delete %s (cannot be forced) - image is being used "
                      "by running container %s",
                      short12(im->id, s1), short12(us->cid, s2));
    }
    if (mask & CONFLICT_ACTIVE_REF) {
        _cleanup_strv_ char **refs = refs_of_locked(im, 0);
        if (refs && *refs)
            return md_err(err, MD_ECONFLICT,
                          "conflict: unable to delete %s (must be forced) - image is referenced "
                          "in multiple repositories",
                          short12(im->id, s1));
    }
    if ((mask & CONFLICT_STOPPED || hard_stopped) && us->used && !us->running) {
        *used = true;
        return md_err(err, MD_ECONFLICT,
                      "conflict: unable to delete %s (%s) - image is being used by stopped "
                      "container %s",
                      short12(im->id, s1), hard_stopped ? "cannot be forced" : "must be forced",
                      short12(us->cid, s2));
    }
    return 0;
}

static void untag_locked(struct image *im, const char *ref, json_t *records, json_t *events)
{
    if (!ref_remove_locked(ref))
        return;
    _cleanup_free_ char *fam = store_familiar(ref);
    json_array_append_new(records, json_pack("{s:s}", "Untagged", fam));
    json_array_append_new(events,
                          json_pack("{s:s,s:s,s:s}", "a", "untag", "id", im->id, "n", im->id));
}

static void emit_events(json_t *events)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
        image_event(json_str(e, "a"), json_str(e, "id"), json_str(e, "n"));
}

static bool is_id_prefix(const char *id, const char *s)
{
    if (strncmp(id, s, strlen(s)) == 0)
        return true;
    return strncmp(id + 7, s, strlen(s)) == 0;
}

/* The parents of an image being deleted and who uses them, looked up
 * before the store lock is taken (the usage check takes the containers'). */
struct parent_chain {
    size_t n;
    char (*ids)[DIGEST_LEN + 1];
    struct usage *us;
};

static void chain_collect(const struct image *im, struct parent_chain *ch)
{
    memset(ch, 0, sizeof *ch);
    lock();
    for (const struct image *p = im; p && p->parent[0] && ch->n < 1024;) {
        ch->ids = xrealloc(ch->ids, (ch->n + 1) * sizeof *ch->ids);
        memcpy(ch->ids[ch->n++], p->parent, DIGEST_LEN + 1);
        p = image_find_locked(p->parent);
    }
    unlock();
    ch->us = xcalloc(ch->n + 1, sizeof *ch->us);
    for (size_t i = 0; i < ch->n; i++)
        check_usage(ch->ids[i], &ch->us[i]);
}

static void chain_free(struct parent_chain *ch)
{
    free(ch->ids);
    free(ch->us);
}

/* imageDeleteHelper: with quiet, a conflict keeps the image silently unless
 * it is dangling and unused (then the caller hears about it). */
static int delete_helper_locked(struct image *im, bool force, bool quiet, const struct usage *us,
                                const struct parent_chain *prune, json_t *records, json_t *events,
                                struct gc *g, struct md_error *err)
{
    int mask = CONFLICT_RUNNING;
    if (!force)
        mask |= CONFLICT_ACTIVE_REF | CONFLICT_STOPPED;
    bool used;
    struct md_error cerr = {0};
    if (conflict_check_locked(im, mask, force, us, &used, &cerr) < 0) {
        _cleanup_strv_ char **refs = refs_of_locked(im, 0);
        bool dangling = (!refs || !*refs) && !has_children_locked(im);
        if (quiet && (!dangling || used)) {
            md_err_clear(&cerr);
            return 0;
        }
        md_err_clear(err);
        *err = cerr;
        return -1;
    }
    _cleanup_strv_ char **refs = refs_of_locked(im, 0);
    for (char **r = refs; r && *r; r++)
        untag_locked(im, *r, records, events);
    json_array_append_new(events,
                          json_pack("{s:s,s:s,s:s}", "a", "delete", "id", im->id, "n", im->id));
    char parent[DIGEST_LEN + 1];
    memcpy(parent, im->parent, sizeof parent);
    image_remove_locked(im, records, g);
    /* the parent goes too when nothing else needs it (not forced, quietly) */
    for (size_t i = 0; prune && parent[0] && i < prune->n; i++) {
        struct image *p = strcmp(prune->ids[i], parent) ? NULL : image_find_locked(parent);
        if (p)
            return delete_helper_locked(p, false, true, &prune->us[i], prune, records, events, g,
                                        err);
    }
    return 0;
}

static int delete_locked(const char *name, struct image *im, bool force, const struct usage *us,
                         const struct parent_chain *prune, json_t *records, json_t *events,
                         struct gc *g, struct md_error *err)
{
    char s1[13], s2[13];
    bool removed_repo_ref = false;
    _cleanup_strv_ char **refs = refs_of_locked(im, 0);
    if (!is_id_prefix(im->id, name)) {
        if (!force && single_reference(refs) && us->used)
            return md_err(err, MD_ECONFLICT,
                          "conflict: unable to remove repository reference \"%s\" (must force) - "
                          "container %s is using its referenced image %s",
                          name, short12(us->cid, s1), short12(im->id, s2));
        struct image_ref r;
        if (ref_parse(name, &r, err) < 0)
            return -1;
        _cleanup_free_ char *full = ref_full(&r);
        _cleanup_free_ char *repo =
            ref_full(&(struct image_ref){.domain = r.domain, .path = r.path});
        bool canonical = r.digest != NULL;
        ref_free(&r);
        ref_remove_locked(full);
        _cleanup_free_ char *fam = store_familiar(full);
        json_array_append_new(records, json_pack("{s:s}", "Untagged", fam));
        json_array_append_new(events,
                              json_pack("{s:s,s:s,s:s}", "a", "untag", "id", im->id, "n", im->id));
        strv_free(refs);
        refs = refs_of_locked(im, 0);
        if (!canonical) {
            /* the last tag of a repository takes its digest references along */
            size_t rl = strlen(repo);
            bool tag_left = false;
            for (char **x = refs; *x; x++)
                if (!is_digest_ref(*x) && strncmp(*x, repo, rl) == 0 && (*x)[rl] == ':')
                    tag_left = true;
            if (!tag_left) {
                for (char **x = refs; *x; x++)
                    if (is_digest_ref(*x) && strncmp(*x, repo, rl) == 0 && (*x)[rl] == '@')
                        untag_locked(im, *x, records, events);
                strv_free(refs);
                refs = refs_of_locked(im, 0);
            }
        }
        if (refs && *refs)
            return 0;
        removed_repo_ref = true;
    } else if (single_reference(refs)) {
        int mask = CONFLICT_RUNNING;
        if (!force)
            mask |= CONFLICT_STOPPED;
        bool used;
        if (conflict_check_locked(im, mask, force, us, &used, err) < 0)
            return -1;
        for (char **x = refs; *x; x++)
            untag_locked(im, *x, records, events);
    }
    return delete_helper_locked(im, force, removed_repo_ref, us, prune, records, events, g, err);
}

json_t *store_delete(const char *name, bool force, bool prune, struct md_error *err)
{
    if (!name || !*name || strspn(name, " \t") == strlen(name)) {
        md_err(err, MD_EINVAL, "image name cannot be blank");
        return NULL;
    }
    struct image *im;
    if (image_lookup(name, &im, err) < 0)
        return NULL;
    struct usage us;
    check_usage(im->id, &us);
    struct parent_chain chain;
    chain_collect(im, &chain);
    json_t *records = json_array();
    _cleanup_json_ json_t *events = json_array();
    struct gc g = {0};
    lock();
    int rc;
    if (!im->in_store) {
        rc = md_err(err, MD_ENOTFOUND, "No such image: %s", name);
    } else {
        rc = delete_locked(name, im, force, &us, prune ? &chain : NULL, records, events, &g, err);
        struct md_error serr = {0};
        if (json_array_size(records) && save_locked(&serr) < 0) {
            if (rc == 0) {
                md_err_clear(err);
                *err = serr;
                rc = -1;
            } else {
                md_err_clear(&serr);
            }
        }
    }
    image_unref_locked(im, rc == 0 ? records : NULL, &g);
    unlock();
    chain_free(&chain);
    gc_run(&g);
    emit_events(events);
    if (rc < 0) {
        json_decref(records);
        return NULL;
    }
    return records;
}

/* ---- prune ---- */

static int filter_bool(const struct filters *f, const char *key, bool def, bool *out,
                       struct md_error *err)
{
    char **v = filters_get(f, key);
    *out = def;
    if (!v || !*v)
        return 0;
    bool any_true = false, any_false = false;
    for (; *v; v++) {
        if (!strcasecmp(*v, "true") || !strcmp(*v, "1"))
            any_true = true;
        else if (!strcasecmp(*v, "false") || !strcmp(*v, "0"))
            any_false = true;
        else
            return md_err(err, MD_EINVAL, "invalid filter '%s=%s'", key, *v);
    }
    if (any_true && any_false)
        return md_err(err, MD_EINVAL, "invalid filter '%s'", key);
    *out = any_true;
    return 0;
}

int store_filter_dangling(const struct filters *f, bool def, bool *out, struct md_error *err)
{
    return filter_bool(f, "dangling", def, out, err);
}

json_t *store_prune(const struct filters *f, struct md_error *err)
{
    static const char *const allowed[] = {"dangling", "label", "label!", "until", NULL};
    static atomic_bool running;
    if (filters_validate(f, allowed, err) < 0)
        return NULL;
    bool dangling_only;
    if (filter_bool(f, "dangling", true, &dangling_only, err) < 0)
        return NULL;
    int64_t until = 0;
    if (filters_until(f, time_now_ns(), &until, err) < 0)
        return NULL;
    if (atomic_exchange(&running, true)) {
        md_err(err, MD_ECONFLICT, "a prune operation is already running");
        return NULL;
    }
    size_t n;
    struct image **all = store_all_images(&n);
    json_t *deleted = json_array();
    int64_t reclaimed = 0;
    for (size_t i = 0; i < n; i++) {
        struct image *im = all[i];
        if (until && (im->created_ns == TIME_ZERO || im->created_ns > until))
            continue;
        json_t *labels = json_object_get(im->run_config, "Labels");
        if (!filters_match_label(f, labels))
            continue;
        if (filters_has(f, "label!")) {
            char **neg = filters_get(f, "label!");
            bool hit = false;
            for (char **l = neg; l && *l && !hit; l++) {
                _cleanup_free_ char *k = xstrndup(*l, strcspn(*l, "="));
                json_t *v = json_object_get(labels, k);
                const char *eq = strchr(*l, '=');
                hit = v && (!eq || (json_is_string(v) && !strcmp(json_string_value(v), eq + 1)));
            }
            if (hit)
                continue;
        }
        /* docker's prune leaves an image any container uses alone, tags
         * included: deleting ref by ref would untag all but the last (rmi's
         * rule for one of several names) and ps would show a bare id */
        struct usage us;
        check_usage(im->id, &us);
        if (us.used)
            continue;
        _cleanup_json_ json_t *records = json_array();
        _cleanup_json_ json_t *events = json_array();
        struct gc g = {0};
        lock();
        if (!im->in_store) {
            unlock();
            continue;
        }
        _cleanup_strv_ char **refs = refs_of_locked(im, 0);
        _cleanup_strv_ char **tags = refs_of_locked(im, 1);
        struct md_error derr = {0};
        if (refs && *refs) {
            if (!dangling_only || !(tags && *tags)) {
                for (char **r = refs; *r; r++) {
                    if (!im->in_store)
                        break;
                    if (delete_locked(*r, im, false, &us, NULL, records, events, &g, &derr) < 0)
                        md_err_clear(&derr);
                }
            }
        } else {
            if (delete_locked(digest_hex(im->id), im, false, &us, NULL, records, events, &g,
                              &derr) < 0)
                md_err_clear(&derr);
        }
        if (json_array_size(records) && save_locked(&derr) < 0) {
            log_warn("image prune: %s", md_err_msg(&derr));
            md_err_clear(&derr);
        }
        /* the layers go when the snapshot lets go of the image */
        image_unref_locked(im, records, &g);
        all[i] = NULL;
        unlock();
        reclaimed += g.reclaimed;
        gc_run(&g);
        emit_events(events);
        json_array_extend(deleted, records);
    }
    store_images_free(all, n);
    atomic_store(&running, false);
    json_t *ev = json_object();
    _cleanup_free_ char *rs = xasprintf("%lld", (long long)reclaimed);
    json_object_set_new(ev, "reclaimed", json_string(rs));
    events_emit("image", "prune", "", ev);
    if (!json_array_size(deleted)) {
        json_decref(deleted);
        deleted = json_null();
    }
    return json_pack("{s:o,s:I}", "ImagesDeleted", deleted, "SpaceReclaimed",
                     (json_int_t)reclaimed);
}

/* ---- start ---- */

static struct layer *load_layer_dir(const char *hex)
{
    _cleanup_free_ char *dir = xasprintf("%s/%s", S.layers_dir, hex);
    _cleanup_free_ char *meta_path = xasprintf("%s/meta.json", dir);
    struct md_error err = {0};
    _cleanup_json_ json_t *m = json_load_path(meta_path, &err);
    if (!m) {
        md_err_clear(&err);
        return NULL;
    }
    const char *chain = json_str(m, "ChainID"), *diff = json_str(m, "DiffID");
    const char *parent = json_str(m, "Parent");
    if (!digest_valid(chain) || !digest_valid(diff) || strcmp(digest_hex(chain), hex) != 0)
        return NULL;
    struct layer *l = xcalloc(1, sizeof *l);
    snprintf(l->chain_id, sizeof l->chain_id, "%s", chain);
    snprintf(l->diff_id, sizeof l->diff_id, "%s", diff);
    snprintf(l->parent, sizeof l->parent, "%s", parent ? parent : "");
    l->size = json_integer_value(json_object_get(m, "Size"));
    l->tar_size = json_integer_value(json_object_get(m, "TarSize"));
    l->dir = steal_ptr(&dir);
    return l;
}

static void clean_dir(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    _cleanup_closedir_ DIR *d = fdopendir(dup(fd));
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (fs_rm_rf_at(fd, de->d_name, NULL) < 0)
            log_warn("remove %s/%s: %s", path, de->d_name, strerror(errno));
    }
}

static struct image *load_image(const char *id, json_t *meta)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", S.blobs, digest_hex(id));
    struct md_error err = {0};
    size_t len;
    _cleanup_free_ char *raw = fs_read_file_at(AT_FDCWD, path, CONFIG_MAX, &len, &err);
    char got[DIGEST_LEN + 1];
    if (raw)
        sha256_digest(raw, len, got);
    if (!raw || strcmp(got, id) != 0) {
        log_warn("image %s: config blob missing or damaged, dropping the image: %s", id,
                 raw ? "digest mismatch" : md_err_msg(&err));
        md_err_clear(&err);
        return NULL;
    }
    _cleanup_json_ json_t *config = json_loadb(raw, len, 0, NULL);
    _cleanup_strv_ char **diffs = store_config_diff_ids(config, &err);
    if (!diffs) {
        log_warn("image %s: %s; dropping it", id, md_err_msg(&err));
        md_err_clear(&err);
        return NULL;
    }
    size_t n = strv_len(diffs);
    _cleanup_free_ struct layer **layers = xcalloc(n, sizeof *layers);
    char chain[DIGEST_LEN + 1] = "";
    for (size_t i = 0; i < n; i++) {
        chain_id_next(i ? chain : NULL, diffs[i], chain);
        layers[i] = layer_find_locked(chain);
        if (!layers[i]) {
            log_warn("image %s: layer %s is missing; dropping the image", id, chain);
            return NULL;
        }
    }
    struct image *im = image_new_locked(raw, len, layers, n, &err);
    if (!im) {
        log_warn("image %s: %s", id, md_err_msg(&err));
        md_err_clear(&err);
        return NULL;
    }
    const char *ltt = json_str(meta, "LastTagTime");
    int64_t ns;
    if (ltt && time_parse_rfc3339(ltt, &ns) == 0)
        im->last_tag_ns = ns;
    const char *parent = json_str(meta, "Parent");
    if (parent && digest_valid(parent))
        snprintf(im->parent, sizeof im->parent, "%s", parent);
    return im;
}

static void gc_blobs_locked(void)
{
    _cleanup_closedir_ DIR *d = opendir(S.blobs);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *id = xasprintf("sha256:%s", de->d_name);
        if (image_find_locked(id))
            continue;
        log_info("removing unused blob %s", de->d_name);
        fs_rm_rf_at(dirfd(d), de->d_name, NULL);
    }
}

int image_store_init(struct md_error *err)
{
    S.root = md_data_path("image");
    S.blobs = md_data_path("image/blobs/sha256");
    S.layers_dir = md_data_path("image/layers");
    S.tmp = md_data_path("image/tmp");
    S.repos_path = md_data_path("image/repositories.json");
    const char *dirs[] = {S.root, S.blobs, S.layers_dir, S.tmp};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
        if (fs_mkdir_p_at(AT_FDCWD, dirs[i], 0700, 0755, err) < 0)
            return md_err_wrap(err, "create %s", dirs[i]);
    /* unpacks cut short by a crash or a stop */
    clean_dir(S.tmp);

    lock();
    _cleanup_closedir_ DIR *d = opendir(S.layers_dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        struct layer *l = load_layer_dir(de->d_name);
        if (!l) {
            log_warn("removing incomplete layer directory %s/%s", S.layers_dir, de->d_name);
            fs_rm_rf_at(dirfd(d), de->d_name, NULL);
            continue;
        }
        layer_add_locked(l);
    }
    struct md_error lerr = {0};
    _cleanup_json_ json_t *repo = json_load_path(S.repos_path, &lerr);
    if (!repo && lerr.err != ENOENT) {
        unlock();
        *err = lerr;
        return md_err_wrap(err, "image store");
    }
    md_err_clear(&lerr);
    bool dirty = false;
    json_t *images = json_object_get(repo, "Images");
    const char *id;
    json_t *meta;
    json_object_foreach(images, id, meta)
    {
        struct image *im = digest_valid(id) ? load_image(id, meta) : NULL;
        if (im)
            image_add_locked(im);
        else
            dirty = true;
    }
    json_t *refs = json_object_get(repo, "Repositories");
    json_t *v;
    const char *ref;
    json_object_foreach(refs, ref, v)
    {
        struct image *im = json_is_string(v) ? image_find_locked(json_string_value(v)) : NULL;
        if (im)
            ref_set_locked(ref, im);
        else
            dirty = true;
    }
    /* layers no image needs: left by an interrupted load or delete */
    struct gc g = {0};
    for (size_t i = 0; i < S.nlayers;) {
        struct layer *l = S.layers[i];
        if (l->refs > 0) {
            i++;
            continue;
        }
        log_info("removing unused layer %s", l->chain_id);
        l->refs = 1;
        layer_unref_locked(l, NULL, &g);
    }
    gc_blobs_locked();
    if (dirty && save_locked(err) < 0) {
        unlock();
        gc_run(&g);
        return -1;
    }
    S.ready = true;
    size_t ni = S.nimages, nl = S.nlayers;
    unlock();
    gc_run(&g);
    log_info("image store: %zu images, %zu layers", ni, nl);
    return 0;
}
