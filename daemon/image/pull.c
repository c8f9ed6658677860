/* Pull: manifests (Docker v2 schema 2, OCI image manifests, and the lists
 * and indexes that point at them per platform), the config, then each
 * layer streamed from the registry straight into layer_unpack, its digest
 * and diff id checked before it is committed; the image and its tag and
 * digest references are added in one step at the end. */
#include "daemon/image/pull.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/reference.h"
#include "daemon/image/digest.h"
#include "daemon/image/image.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#define OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_SCHEMA1  "application/vnd.docker.distribution.manifest.v1"
#define ACCEPT_ALL      OCI_MANIFEST ", " DOCKER_MANIFEST ", " DOCKER_LIST ", " OCI_INDEX
#define MANIFEST_MAX    (4u << 20)
#define CONFIG_MAX      (8u << 20)
#define TAGS_MAX        (4u << 20)

struct pull_layer {
    char digest[DIGEST_LEN + 1];
    int64_t size;
};

struct pull_target {
    struct image_ref ref;        /* with the tag or the digest pulled */
    char *tag_or_digest;         /* the id of "Pulling from" */
    char digest[DIGEST_LEN + 1]; /* of the manifest (or list) the reference names */
    char config[DIGEST_LEN + 1];
    int64_t config_size;
    struct pull_layer *layers;
    size_t nlayers;
};

struct pull {
    struct image_ref ref; /* as asked: no tag or digest for pull -a */
    struct registry *reg;
    struct pull_target *t;
    size_t nt;
    char *os, *arch, *variant;
    bool all_tags;
};

static const char *host_arch(void)
{
    static __thread struct utsname u;
    uname(&u);
    if (!strcmp(u.machine, "x86_64"))
        return "amd64";
    if (!strcmp(u.machine, "aarch64"))
        return "arm64";
    return u.machine;
}

void image_pull_free(struct pull *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nt; i++) {
        ref_free(&p->t[i].ref);
        free(p->t[i].tag_or_digest);
        free(p->t[i].layers);
    }
    free(p->t);
    ref_free(&p->ref);
    registry_free(p->reg);
    free(p->os);
    free(p->arch);
    free(p->variant);
    free(p);
}

/* ---- manifests ---- */

/* distribution's notFoundError: the registry's error in docker's words. */
static int manifest_error(struct pull *p, const struct image_ref *ref, struct md_error *err)
{
    const struct reg_error *e = registry_last_error(p->reg);
    _cleanup_free_ char *name = ref_familiar_name(ref);
    _cleanup_free_ char *fam = ref_familiar(ref);
    if (!strcmp(e->code, "DENIED") || !strcmp(e->code, "UNAUTHORIZED"))
        return md_err(err, MD_ENOTFOUND,
                      "pull access denied for %s, repository does not exist or may require "
                      "'docker login': %s",
                      name, e->message);
    if (!strcmp(e->code, "MANIFEST_UNKNOWN"))
        return md_err(err, MD_ENOTFOUND, "manifest for %s not found: %s", fam, e->message);
    if (!strcmp(e->code, "NAME_UNKNOWN"))
        return md_err(err, MD_ENOTFOUND, "repository %s not found: %s", name, e->message);
    if (err->err != MD_EINTERNAL)
        err->err = MD_EINTERNAL;
    return -1;
}

/* GET a manifest by tag or digest; a digest is checked against the bytes. */
static int get_manifest(struct pull *p, const struct image_ref *ref, const char *reference,
                        struct reg_resp *x, char digest[DIGEST_LEN + 1], struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->ref.path, reference);
    if (registry_get(p->reg, "GET", path, ACCEPT_ALL, MANIFEST_MAX, x, err) < 0)
        return manifest_error(p, ref, err);
    sha256_digest(x->body ? x->body : "", x->len, digest);
    if (!strncmp(reference, "sha256:", 7) && strcmp(reference, digest) != 0) {
        reg_resp_free(x);
        return md_err(err, MD_EINTERNAL, "manifest verification failed for digest %s", reference);
    }
    return 0;
}

static const char *media_type(json_t *m, const struct reg_resp *x)
{
    const char *mt = json_str(m, "mediaType");
    if (mt && *mt)
        return mt;
    if (x->content_type && *x->content_type)
        return x->content_type;
    /* an OCI manifest may leave mediaType out: tell by its shape */
    return json_object_get(m, "manifests") ? OCI_INDEX : OCI_MANIFEST;
}

static bool platform_matches(struct pull *p, json_t *plat)
{
    const char *os = json_str(plat, "os"), *arch = json_str(plat, "architecture");
    const char *variant = json_str(plat, "variant");
    if (!os || !arch || strcmp(os, p->os) != 0 || strcmp(arch, p->arch) != 0)
        return false;
    if (p->variant && (!variant || strcmp(variant, p->variant) != 0))
        return !strcmp(p->arch, "arm64") && !strcmp(p->variant, "v8") && !variant;
    return true;
}

/* The entry of an index for the wanted platform. */
static const char *pick_platform(struct pull *p, json_t *idx, struct md_error *err)
{
    json_t *ms = json_object_get(idx, "manifests"), *d;
    size_t i;
    json_array_foreach(ms, i, d)
    {
        if (platform_matches(p, json_object_get(d, "platform")) &&
            digest_valid(json_str(d, "digest")))
            return json_str(d, "digest");
    }
    md_err(err, MD_ENOTFOUND, "no matching manifest for %s/%s%s%s in the manifest list entries",
           p->os, p->arch, p->variant ? "/" : "", p->variant ? p->variant : "");
    return NULL;
}

static int parse_image_manifest(struct pull_target *t, json_t *m, const char *fam,
                                struct md_error *err)
{
    json_t *cfg = json_object_get(m, "config");
    const char *cd = json_str(cfg, "digest");
    json_t *cs = json_object_get(cfg, "size");
    if (!digest_valid(cd) || !json_is_integer(cs))
        return md_err(err, MD_EINTERNAL, "invalid manifest for %s: bad config descriptor", fam);
    snprintf(t->config, sizeof t->config, "%s", cd);
    t->config_size = json_integer_value(cs);
    json_t *ls = json_object_get(m, "layers"), *l;
    if (!json_is_array(ls) || json_array_size(ls) == 0)
        return md_err(err, MD_EINTERNAL, "invalid manifest for %s: no layers", fam);
    t->nlayers = json_array_size(ls);
    t->layers = xcalloc(t->nlayers, sizeof *t->layers);
    size_t i;
    json_array_foreach(ls, i, l)
    {
        const char *d = json_str(l, "digest");
        json_t *s = json_object_get(l, "size");
        if (!digest_valid(d) || !json_is_integer(s) || json_integer_value(s) < 0)
            return md_err(err, MD_EINTERNAL, "invalid manifest for %s: bad layer descriptor", fam);
        snprintf(t->layers[i].digest, sizeof t->layers[i].digest, "%s", d);
        t->layers[i].size = json_integer_value(s);
    }
    return 0;
}

/* Resolve what reference names (a tag or a digest) down to one image
 * manifest for the platform. */
static int resolve(struct pull *p, const char *reference, struct md_error *err)
{
    p->t = xrealloc(p->t, (p->nt + 1) * sizeof *p->t);
    struct pull_target *t = &p->t[p->nt++];
    *t = (struct pull_target){0};
    t->tag_or_digest = xstrdup(reference);
    _cleanup_free_ char *full = xasprintf("%s/%s%s%s", p->ref.domain, p->ref.path,
                                          !strncmp(reference, "sha256:", 7) ? "@" : ":", reference);
    if (ref_parse(full, &t->ref, err) < 0)
        return -1;
    _cleanup_free_ char *fam = ref_familiar(&t->ref);
    struct reg_resp x = {0};
    if (get_manifest(p, &t->ref, reference, &x, t->digest, err) < 0)
        return -1;
    for (int hop = 0;; hop++) {
        _cleanup_json_ json_t *m = json_loadb(x.body ? x.body : "", x.len, 0, NULL);
        const char *mt = m ? media_type(m, &x) : "";
        if (!json_is_object(m)) {
            reg_resp_free(&x);
            return md_err(err, MD_EINTERNAL, "invalid manifest for %s: not JSON", fam);
        }
        if (!strncmp(mt, DOCKER_SCHEMA1, strlen(DOCKER_SCHEMA1)) ||
            json_integer_value(json_object_get(m, "schemaVersion")) == 1) {
            reg_resp_free(&x);
            return md_err(err, MD_EINTERNAL,
                          "Docker Image Format v1 and Docker Image manifest version 2, schema 1 "
                          "support has been removed. Suggest the author of %s to upgrade the "
                          "image to the OCI Format or Docker Image manifest v2, schema 2. More "
                          "information at https://docs.docker.com/go/deprecated-image-specs/",
                          fam);
        }
        if (!strcmp(mt, OCI_MANIFEST) || !strcmp(mt, DOCKER_MANIFEST)) {
            reg_resp_free(&x);
            return parse_image_manifest(t, m, fam, err);
        }
        if ((strcmp(mt, OCI_INDEX) != 0 && strcmp(mt, DOCKER_LIST) != 0) || hop > 0) {
            reg_resp_free(&x);
            return md_err(err, MD_EINTERNAL, "unsupported manifest media type %s for %s", mt, fam);
        }
        const char *child = pick_platform(p, m, err);
        reg_resp_free(&x);
        if (!child)
            return -1;
        char got[DIGEST_LEN + 1];
        _cleanup_free_ char *cd = xstrdup(child);
        if (get_manifest(p, &t->ref, cd, &x, got, err) < 0)
            return -1;
    }
}

static int list_tags(struct pull *p, char ***tags, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/tags/list", p->ref.path);
    struct reg_resp x;
    if (registry_get(p->reg, "GET", path, "application/json", TAGS_MAX, &x, err) < 0)
        return manifest_error(p, &p->ref, err);
    _cleanup_json_ json_t *j = json_loadb(x.body ? x.body : "", x.len, 0, NULL);
    reg_resp_free(&x);
    *tags = json_to_strv(json_object_get(j, "tags"));
    if (!*tags)
        return md_err(err, MD_EINTERNAL, "the registry sent no tag list for %s", p->ref.path);
    return 0;
}

static int parse_platform(struct pull *p, const char *platform, struct md_error *err)
{
    if (!platform || !*platform) {
        p->os = xstrdup("linux");
        p->arch = xstrdup(host_arch());
        return 0;
    }
    _cleanup_strv_ char **parts = NULL;
    _cleanup_free_ char *s = xstrdup(platform);
    for (char *save, *w = strtok_r(s, "/", &save); w; w = strtok_r(NULL, "/", &save))
        strv_push(&parts, w);
    size_t n = strv_len(parts);
    if (n < 1 || n > 3 || strchr(platform, ' ') || platform[strlen(platform) - 1] == '/')
        return md_err(err, MD_EINVAL,
                      "\"%s\": unknown operating system or architecture: invalid argument",
                      platform);
    p->os = xstrdup(parts[0]);
    p->arch = xstrdup(n > 1 ? parts[1] : host_arch());
    /* platforms.Normalize */
    const char *norm = !strcmp(p->arch, "x86_64") || !strcmp(p->arch, "x86-64") ? "amd64"
                       : !strcmp(p->arch, "aarch64")                            ? "arm64"
                                                                                : NULL;
    if (norm) {
        free(p->arch);
        p->arch = xstrdup(norm);
    }
    p->variant = n > 2 ? xstrdup(parts[2]) : NULL;
    return 0;
}

int image_pull_prepare(const char *from_image, const char *tag, const char *platform,
                       const struct reg_auth *auth, struct pull **out, struct md_error *err)
{
    struct pull *p = xcalloc(1, sizeof *p);
    if (ref_parse_name(from_image, &p->ref, err) < 0 || parse_platform(p, platform, err) < 0) {
        image_pull_free(p);
        return -1;
    }
    const char *want = tag && *tag ? tag : p->ref.digest ? p->ref.digest : p->ref.tag;
    p->reg = registry_new(p->ref.domain, p->ref.path, "pull", auth);
    int rc = 0;
    if (want) {
        if (strchr(want, ':') && !digest_valid(want)) {
            image_pull_free(p);
            return md_err(err, MD_EINVAL, "invalid reference format");
        }
        rc = resolve(p, want, err);
    } else {
        p->all_tags = true;
        _cleanup_strv_ char **tags = NULL;
        rc = list_tags(p, &tags, err);
        for (char **t = tags; rc == 0 && t && *t; t++)
            rc = resolve(p, *t, err);
    }
    if (rc < 0) {
        image_pull_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

/* ---- progress ---- */

char *pull_progress_bar(int64_t current, int64_t total)
{
    _cleanup_free_ char *cur = cli_human_size((double)current, 4);
    if (total <= 0)
        return xasprintf("%8s", cur);
    int pct = (int)((double)current / (double)total * 100) / 2;
    if (pct > 50)
        pct = 50;
    char bar[64];
    memset(bar, '=', (size_t)pct);
    bar[pct] = '>';
    memset(bar + pct + 1, ' ', (size_t)(50 - pct));
    bar[51] = '\0';
    _cleanup_free_ char *tot = cli_human_size((double)total, 4);
    if (current > total)
        return xasprintf("[%s] %8s", bar, cur);
    return xasprintf("[%s] %8s/%s", bar, cur, tot);
}

struct out {
    pull_emit_fn emit;
    void *ctx;
    bool gone;
};

static void say(struct out *o, const char *id, const char *status)
{
    if (o->gone)
        return;
    json_t *m = id ? json_pack("{s:s,s:{},s:s}", "status", status, "progressDetail", "id", id)
                   : json_pack("{s:s}", "status", status);
    if (o->emit(o->ctx, m) < 0)
        o->gone = true;
}

static void say_progress(struct out *o, const char *id, const char *status, int64_t cur,
                         int64_t total)
{
    if (o->gone)
        return;
    _cleanup_free_ char *bar = pull_progress_bar(cur, total);
    json_t *m =
        json_pack("{s:s,s:{s:I,s:I},s:s,s:s}", "status", status, "progressDetail", "current",
                  (json_int_t)cur, "total", (json_int_t)total, "progress", bar, "id", id);
    if (o->emit(o->ctx, m) < 0)
        o->gone = true;
}

/* ---- layers ---- */

/* The blob as layer_unpack reads it, hashed and counted here so its digest
 * is checked whatever the unpacking made of the bytes. */
struct dl {
    struct reg_blob *blob;
    struct sha256 h;
    int64_t got, size, last;
    struct out *o;
    const char *id;
    char *cut; /* the transfer's own error, the one to report whatever unpack made of it */
};

static ssize_t dl_read(void *ctx, const void **buf, struct md_error *err)
{
    struct dl *d = ctx;
    if (d->o->gone)
        return md_err(err, EPIPE, "the client went away");
    ssize_t n = registry_blob_read(d->blob, buf, err);
    if (n < 0 && !d->cut)
        d->cut = xstrdup(md_err_msg(err));
    if (n <= 0)
        return n;
    d->got += n;
    if (d->got > d->size)
        return md_err(err, MD_EINTERNAL, "the registry sent more than the %lld bytes of the blob",
                      (long long)d->size);
    sha256_update(&d->h, *buf, (size_t)n);
    int64_t step = d->size / 100 > (512 << 10) ? d->size / 100 : (512 << 10);
    if (d->got - d->last >= step || d->got == d->size) {
        d->last = d->got;
        say_progress(d->o, d->id, "Downloading", d->got, d->size);
    }
    return n;
}

/* One layer downloaded and unpacked into the store; returned pinned. */
static struct layer *pull_layer(struct pull *p, const struct pull_layer *pl, const char *id,
                                const char *chain, const char *parent, const char *diff_id,
                                struct out *o, struct md_error *err)
{
    _cleanup_free_ char *tmp = store_tmp_dir(err);
    if (!tmp)
        return NULL;
    struct dl d = {.size = pl->size, .o = o, .id = id};
    _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        md_errno(err, errno, "open %s", tmp);
        store_tmp_remove(tmp);
        return NULL;
    }
    if (registry_blob_open(p->reg, pl->digest, &d.blob, err) < 0) {
        store_tmp_remove(tmp);
        return NULL;
    }
    sha256_init(&d.h);
    _cleanup_free_ char *label = xasprintf("layer %s", pl->digest);
    struct layer_unpack_opts uo = {.label = label};
    struct layer_info info;
    int rc = layer_unpack(dl_read, &d, dfd, &uo, &info, err);
    /* a blob that failed to unpack may still be one that failed its digest:
     * read the rest, so the message says which */
    if (rc < 0 && !o->gone && err->err != EPIPE && !d.cut) {
        const void *b;
        ssize_t n;
        struct md_error e2 = {0};
        while ((n = dl_read(&d, &b, &e2)) > 0)
            ;
        md_err_clear(&e2);
    }
    bool cut = d.cut != NULL;
    if (cut) {
        md_err(err, MD_EINTERNAL, "%s", d.cut);
        free(d.cut);
        rc = -1;
    }
    char got[DIGEST_LEN + 1];
    sha256_final(&d.h, got);
    registry_blob_close(d.blob);
    bool bad = !cut && (d.got != pl->size || strcmp(got, pl->digest) != 0);
    if (bad && !o->gone)
        rc = md_err(err, MD_EINTERNAL, "filesystem layer verification failed for digest %s",
                    pl->digest);
    if (rc < 0) {
        store_tmp_remove(tmp);
        return NULL;
    }
    say(o, id, "Verifying Checksum");
    say(o, id, "Download complete");
    say_progress(o, id, "Extracting", pl->size, pl->size);
    if (strcmp(info.diff_id, diff_id) != 0) {
        store_tmp_remove(tmp);
        md_err(err, MD_EINTERNAL, "layers from manifest don't match image configuration");
        return NULL;
    }
    struct layer *l = store_layer_commit(tmp, chain, *parent ? parent : NULL, &info, err);
    if (!l) {
        store_tmp_remove(tmp);
        return NULL;
    }
    say(o, id, "Pull complete");
    return l;
}

static void short_id(const char *digest, char out[13])
{
    snprintf(out, 13, "%s", digest_hex(digest));
}

static int get_config(struct pull *p, struct pull_target *t, char **raw, size_t *len,
                      struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->ref.path, t->config);
    struct reg_resp x;
    if (registry_get(p->reg, "GET", path, NULL, CONFIG_MAX, &x, err) < 0)
        return -1;
    char got[DIGEST_LEN + 1];
    sha256_digest(x.body ? x.body : "", x.len, got);
    if (strcmp(got, t->config) != 0) {
        reg_resp_free(&x);
        return md_err(err, MD_EINTERNAL, "image config verification failed for digest %s",
                      t->config);
    }
    *len = x.len;
    *raw = x.body ? steal_ptr(&x.body) : xstrdup("");
    reg_resp_free(&x);
    return 0;
}

static bool ref_points_at(const char *full, const char *id)
{
    struct image *im;
    if (image_lookup(full, &im, NULL) < 0)
        return false;
    bool same = !strcmp(image_id(im), id);
    image_put(im);
    return same;
}

/* pullTag: one image; *updated when its reference changed. */
static int pull_one(struct pull *p, struct pull_target *t, struct out *o, bool *updated,
                    struct md_error *err)
{
    /* the first message, "Pulling from", names the repository as the registry knows it */
    if (!o->gone) {
        _cleanup_free_ char *st = xasprintf("Pulling from %s", p->ref.path);
        json_t *m = json_pack("{s:s,s:s}", "status", st, "id", t->tag_or_digest);
        if (o->emit(o->ctx, m) < 0)
            o->gone = true;
    }
    _cleanup_free_ char *raw = NULL;
    size_t len = 0;
    if (get_config(p, t, &raw, &len, err) < 0)
        return -1;
    _cleanup_json_ json_t *config = json_loadb(raw, len, 0, NULL);
    _cleanup_strv_ char **diff_ids = store_config_diff_ids(config, err);
    if (!diff_ids)
        return -1;
    if (strv_len(diff_ids) != t->nlayers)
        return md_err(err, MD_EINTERNAL, "layers from manifest don't match image configuration");
    char id[DIGEST_LEN + 1];
    sha256_digest(raw, len, id);

    struct layer **layers = xcalloc(t->nlayers, sizeof *layers);
    int rc = 0;
    struct image *have = NULL;
    bool present = image_lookup(id, &have, NULL) == 0;
    if (have)
        image_put(have);
    char(*chains)[DIGEST_LEN + 1] = xcalloc(t->nlayers, sizeof *chains);
    for (size_t k = 0; k < t->nlayers; k++)
        chain_id_next(k ? chains[k - 1] : NULL, diff_ids[k], chains[k]);
    /* every layer's first line before any download, as docker */
    for (size_t k = 0; k < t->nlayers; k++) {
        layers[k] = store_layer_get(chains[k]);
        if (present)
            continue;
        char sid[13];
        short_id(t->layers[k].digest, sid);
        say(o, sid, layers[k] ? "Already exists" : "Pulling fs layer");
    }
    for (size_t k = 0; k < t->nlayers && rc == 0; k++) {
        if (layers[k])
            continue;
        char sid[13];
        short_id(t->layers[k].digest, sid);
        layers[k] = pull_layer(p, &t->layers[k], sid, chains[k], k ? chains[k - 1] : "",
                               diff_ids[k], o, err);
        if (!layers[k])
            rc = -1;
    }
    if (rc == 0 && o->gone)
        rc = md_err(err, EPIPE, "the client went away");
    if (rc == 0) {
        _cleanup_free_ char *tagref = ref_full(&t->ref);
        _cleanup_free_ char *dgref = xasprintf("%s/%s@%s", t->ref.domain, t->ref.path, t->digest);
        *updated = !ref_points_at(tagref, id);
        char *tags[3] = {tagref, NULL, NULL};
        if (t->ref.tag)
            tags[1] = dgref;
        struct new_image ni = {.config_raw = raw,
                               .config_len = len,
                               .layers = layers,
                               .nlayers = t->nlayers,
                               .tags = tags,
                               .touch_tags = *updated};
        char ids[1][DIGEST_LEN + 1];
        rc = store_add_images(&ni, 1, ids, NULL, NULL, err);
        if (rc == 0) {
            _cleanup_free_ char *fam = ref_familiar(&t->ref);
            image_event("pull", id, fam);
            _cleanup_free_ char *dline = xasprintf("Digest: %s", t->digest);
            say(o, NULL, dline);
        }
    }
    for (size_t k = 0; k < t->nlayers; k++)
        if (layers[k])
            store_layer_put(layers[k]);
    free(layers);
    free(chains);
    return rc;
}

int image_pull_run(struct pull *p, pull_emit_fn emit, void *ctx, struct md_error *err)
{
    struct out o = {.emit = emit, .ctx = ctx};
    bool any = false;
    for (size_t i = 0; i < p->nt; i++) {
        bool updated = false;
        if (pull_one(p, &p->t[i], &o, &updated, err) < 0)
            return -1;
        any |= updated;
    }
    _cleanup_free_ char *name =
        p->all_tags ? ref_familiar_name(&p->ref) : ref_familiar(&p->t[0].ref);
    _cleanup_free_ char *line = xasprintf(
        "Status: %s for %s", any ? "Downloaded newer image" : "Image is up to date", name);
    say(&o, NULL, line);
    return 0;
}

/* ---- GET /distribution/{name}/json ---- */

json_t *image_distribution_json(const char *name, const struct reg_auth *auth, struct md_error *err)
{
    struct pull p = {0};
    if (ref_parse(name, &p.ref, err) < 0)
        return NULL;
    p.reg = registry_new(p.ref.domain, p.ref.path, "pull", auth);
    const char *reference = p.ref.digest ? p.ref.digest : p.ref.tag;
    struct reg_resp x = {0};
    char digest[DIGEST_LEN + 1];
    json_t *out = NULL;
    _cleanup_json_ json_t *m = NULL;
    if (get_manifest(&p, &p.ref, reference, &x, digest, err) < 0)
        goto done;
    m = json_loadb(x.body ? x.body : "", x.len, 0, NULL);
    if (!json_is_object(m)) {
        md_err(err, MD_EINTERNAL, "invalid manifest for %s: not JSON", name);
        goto done;
    }
    const char *mt = media_type(m, &x);
    json_t *platforms = json_array();
    if (json_object_get(m, "manifests")) {
        json_t *d;
        size_t i;
        json_array_foreach(json_object_get(m, "manifests"), i, d)
        {
            json_t *pl = json_object_get(d, "platform");
            if (json_is_object(pl))
                json_array_append(platforms, pl);
        }
    } else {
        struct pull_target t = {0};
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        if (parse_image_manifest(&t, m, name, err) < 0 || get_config(&p, &t, &raw, &len, err) < 0) {
            free(t.layers);
            json_decref(platforms);
            goto done;
        }
        free(t.layers);
        _cleanup_json_ json_t *cfg = json_loadb(raw, len, 0, NULL);
        json_t *pl = json_pack("{s:s,s:s}", "architecture",
                               json_str(cfg, "architecture") ? json_str(cfg, "architecture") : "",
                               "os", json_str(cfg, "os") ? json_str(cfg, "os") : "");
        if (json_str(cfg, "variant"))
            json_object_set_new(pl, "variant", json_string(json_str(cfg, "variant")));
        json_array_append_new(platforms, pl);
    }
    out = json_pack("{s:{s:s,s:s,s:I},s:o}", "Descriptor", "mediaType", mt, "digest", digest,
                    "size", (json_int_t)x.len, "Platforms", platforms);
done:
    reg_resp_free(&x);
    ref_free(&p.ref);
    registry_free(p.reg);
    return out;
}
