/* JSON views of the store for the API: /images/json, /images/{name}/json
 * and /images/{name}/history, field for field and in the order moby 28
 * writes them (docker image inspect prints the daemon's JSON as is). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/reference.h"
#include "common/timefmt.h"
#include "daemon/image/store.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* A JSON string from a malloc'd C string, which it frees. */
static json_t *jstr_own(char *s)
{
    json_t *j = json_str_lossy(s);
    free(s);
    return j;
}

static json_t *familiar_array(char **refs)
{
    json_t *a = json_array();
    for (char **r = refs; r && *r; r++)
        json_array_append_new(a, jstr_own(store_familiar(*r)));
    return a;
}

/* reference.FamiliarMatch: the glob against "name:tag", then "name". */
static bool ref_matches(char **patterns, const char *full)
{
    struct image_ref r;
    if (ref_parse_name(full, &r, NULL) < 0)
        return false;
    _cleanup_free_ char *fam = ref_familiar(&r);
    _cleanup_free_ char *name = ref_familiar_name(&r);
    ref_free(&r);
    for (char **p = patterns; p && *p; p++)
        if (fnmatch(*p, fam, FNM_PATHNAME) == 0 || fnmatch(*p, name, FNM_PATHNAME) == 0)
            return true;
    return false;
}

static char **filter_refs(char **refs, char **patterns)
{
    char **out = xcalloc(1, sizeof *out);
    for (char **r = refs; r && *r; r++)
        if (!patterns || ref_matches(patterns, *r))
            strv_push(&out, *r);
    return out;
}

/* before=/since=: an image's creation time (the oldest/newest when several). */
static int filter_image_time(const struct filters *f, const char *key, bool oldest, int64_t *out,
                             struct md_error *err)
{
    *out = TIME_ZERO;
    for (char **v = filters_get(f, key); v && *v; v++) {
        struct image *im;
        if (image_lookup(*v, &im, err) < 0)
            return -1;
        int64_t t = im->created_ns;
        image_put(im);
        if (t == TIME_ZERO)
            continue;
        if (*out == TIME_ZERO || (oldest ? t < *out : t > *out))
            *out = t;
    }
    return 0;
}

struct row {
    json_t *j;
    int64_t created;
};

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->created != y->created)
        return x->created < y->created ? 1 : -1;
    return strcmp(json_str(x->j, "Id"), json_str(y->j, "Id"));
}

static int64_t unix_secs(int64_t ns)
{
    return ns == TIME_ZERO ? 0 : ns / 1000000000;
}

/* Every layer pointer the images use, sorted, once per image using it:
 * moby's layerRefs, from which SharedSize and LayersSize come. */
struct layer_refs {
    struct layer **v;
    size_t n;
};

static int ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (struct layer *const *)a,
              y = (uintptr_t) * (struct layer *const *)b;
    return x < y ? -1 : x > y;
}

static struct layer_refs layer_refs_of(struct image **imgs, size_t n)
{
    struct layer_refs r = {0};
    for (size_t i = 0; i < n; i++)
        r.n += imgs[i]->nlayers;
    r.v = xcalloc(r.n + 1, sizeof *r.v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < imgs[i]->nlayers; j++)
            r.v[k++] = imgs[i]->layers[j];
    qsort(r.v, r.n, sizeof *r.v, ptr_cmp);
    return r;
}

static size_t layer_ref_count(const struct layer_refs *r, const struct layer *l)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) { /* the first entry >= l */
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)r->v[mid] < (uintptr_t)l)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t c = 0;
    while (lo + c < r->n && r->v[lo + c] == l)
        c++;
    return c;
}

/* The bytes of the image's layers that other images use too. */
static int64_t shared_size(const struct layer_refs *r, const struct image *im)
{
    int64_t s = 0;
    for (size_t j = 0; j < im->nlayers; j++)
        if (layer_ref_count(r, im->layers[j]) > 1)
            s += im->layers[j]->size;
    return s;
}

int64_t image_layers_size(void)
{
    size_t n;
    struct image **imgs = store_all_images(&n);
    struct layer_refs r = layer_refs_of(imgs, n);
    int64_t total = 0;
    for (size_t i = 0; i < r.n; i++)
        if (i == 0 || r.v[i] != r.v[i - 1])
            total += r.v[i]->size;
    free(r.v);
    store_images_free(imgs, n);
    return total;
}

json_t *image_list_json(bool all, const struct filters *f, bool shared, struct md_error *err)
{
    static const char *const allowed[] = {"dangling",  "label", "before", "since",
                                          "reference", "until", NULL};
    if (filters_validate(f, allowed, err) < 0)
        return NULL;
    bool dangling_only;
    if (store_filter_dangling(f, false, &dangling_only, err) < 0)
        return NULL;
    int64_t before, since;
    if (filter_image_time(f, "before", true, &before, err) < 0 ||
        filter_image_time(f, "since", false, &since, err) < 0)
        return NULL;
    for (char **v = filters_get(f, "until"); v && *v; v++) {
        int64_t t;
        if (time_parse_since(*v, time_now_ns(), &t) < 0) {
            md_err(err, MD_EINVAL, "failed to parse value as time or duration: \"%s\"", *v);
            return NULL;
        }
        if (before == TIME_ZERO || t < before)
            before = t;
    }
    char **patterns = filters_get(f, "reference");
    bool has_dangling = filters_has(f, "dangling");

    size_t n;
    struct image **imgs = store_all_images(&n);
    struct layer_refs refs = shared ? layer_refs_of(imgs, n) : (struct layer_refs){0};
    struct row *rows = xcalloc(n + 1, sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; i < n; i++) {
        struct image *im = imgs[i];
        if (before != TIME_ZERO && (im->created_ns == TIME_ZERO || im->created_ns >= before))
            continue;
        if (since != TIME_ZERO && (im->created_ns == TIME_ZERO || im->created_ns <= since))
            continue;
        json_t *labels = json_object_get(im->run_config, "Labels");
        if (filters_has(f, "label") && !filters_match_label(f, labels))
            continue;
        _cleanup_strv_ char **all_tags = store_refs_of(im, false);
        _cleanup_strv_ char **all_digests = store_refs_of(im, true);
        _cleanup_strv_ char **tags = filter_refs(all_tags, patterns);
        _cleanup_strv_ char **digests = filter_refs(all_digests, patterns);
        if (!*tags && !*digests) {
            /* an untagged image with children is an intermediate one: -a only */
            if (!all && store_has_children(im))
                continue;
            if (has_dangling && !dangling_only)
                continue;
            if (patterns)
                continue;
        } else if (dangling_only && *tags) {
            continue;
        }
        json_t *j = json_object();
        json_object_set_new(j, "Containers", json_integer(-1));
        json_object_set_new(j, "Created", json_integer(unix_secs(im->created_ns)));
        json_object_set_new(j, "Id", json_string(im->id));
        json_object_set_new(j, "Labels",
                            json_is_object(labels) && json_object_size(labels)
                                ? json_deep_copy(labels)
                                : json_null());
        json_object_set_new(j, "ParentId", json_string(im->parent));
        json_object_set_new(j, "RepoDigests", familiar_array(digests));
        json_object_set_new(j, "RepoTags", familiar_array(tags));
        json_object_set_new(j, "SharedSize", json_integer(shared ? shared_size(&refs, im) : -1));
        json_object_set_new(j, "Size", json_integer(im->size));
        rows[nrows++] = (struct row){j, im->created_ns == TIME_ZERO ? 0 : im->created_ns};
    }
    free(refs.v);
    store_images_free(imgs, n);
    qsort(rows, nrows, sizeof *rows, row_cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < nrows; i++)
        json_array_append_new(out, rows[i].j);
    free(rows);
    return out;
}

void image_list_compat(json_t *list, int api_minor)
{
    size_t i;
    json_t *j;
    json_array_foreach(list, i, j)
    {
        if (api_minor < 43 && json_array_size(json_object_get(j, "RepoTags")) == 0 &&
            json_array_size(json_object_get(j, "RepoDigests")) == 0) {
            json_object_set_new(j, "RepoTags", json_pack("[s]", "<none>:<none>"));
            json_object_set_new(j, "RepoDigests", json_pack("[s]", "<none>@<none>"));
        }
        if (api_minor < 44)
            json_object_set(j, "VirtualSize", json_object_get(j, "Size"));
    }
}

static bool go_empty(json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return true;
    if (json_is_string(v))
        return json_string_length(v) == 0;
    if (json_is_array(v))
        return json_array_size(v) == 0;
    if (json_is_object(v))
        return json_object_size(v) == 0;
    return false;
}

static void copy_field(json_t *dst, json_t *src, const char *k, bool omitempty, json_t *def)
{
    json_t *v = json_object_get(src, k);
    if (omitempty && go_empty(v)) {
        json_decref(def);
        return;
    }
    json_object_set_new(dst, k, v ? json_incref(v) : def);
    if (v)
        json_decref(def);
}

/* API 1.50: the OCI image config (every field omitempty). */
static json_t *oci_config(json_t *c)
{
    static const char *const keys[] = {
        "User",   "ExposedPorts", "Env",         "Entrypoint",  "Cmd",     "Volumes", "WorkingDir",
        "Labels", "StopSignal",   "ArgsEscaped", "Healthcheck", "OnBuild", "Shell",   NULL};
    json_t *o = json_object();
    for (const char *const *k = keys; *k; k++)
        copy_field(o, c, *k, true, NULL);
    return o;
}

/* Before 1.50: a container.Config. */
static json_t *legacy_config(json_t *c)
{
    json_t *o = json_object();
    copy_field(o, c, "Hostname", false, json_string(""));
    copy_field(o, c, "Domainname", false, json_string(""));
    copy_field(o, c, "User", false, json_string(""));
    copy_field(o, c, "AttachStdin", false, json_false());
    copy_field(o, c, "AttachStdout", false, json_false());
    copy_field(o, c, "AttachStderr", false, json_false());
    copy_field(o, c, "ExposedPorts", true, NULL);
    copy_field(o, c, "Tty", false, json_false());
    copy_field(o, c, "OpenStdin", false, json_false());
    copy_field(o, c, "StdinOnce", false, json_false());
    copy_field(o, c, "Env", false, json_null());
    copy_field(o, c, "Cmd", false, json_null());
    copy_field(o, c, "Healthcheck", true, NULL);
    copy_field(o, c, "ArgsEscaped", true, NULL);
    copy_field(o, c, "Image", false, json_string(""));
    copy_field(o, c, "Volumes", false, json_null());
    copy_field(o, c, "WorkingDir", false, json_string(""));
    copy_field(o, c, "Entrypoint", false, json_null());
    copy_field(o, c, "OnBuild", false, json_null());
    copy_field(o, c, "Labels", false, json_null());
    copy_field(o, c, "StopSignal", true, NULL);
    copy_field(o, c, "Shell", true, NULL);
    return o;
}

static const char *str_or(json_t *o, const char *k, const char *def)
{
    const char *s = json_str(o, k);
    return s ? s : def;
}

json_t *image_inspect_json(struct image *im, int api_minor)
{
    json_t *c = im->config;
    _cleanup_strv_ char **tags = store_refs_of(im, false);
    _cleanup_strv_ char **digests = store_refs_of(im, true);
    const char *comment = json_str(c, "comment");
    json_t *hist = json_object_get(c, "history");
    if ((!comment || !*comment) && json_array_size(hist))
        comment = json_str(json_array_get(hist, json_array_size(hist) - 1), "comment");

    json_t *j = json_object();
    json_object_set_new(j, "Id", json_string(im->id));
    json_object_set_new(j, "RepoTags", familiar_array(tags));
    json_object_set_new(j, "RepoDigests", familiar_array(digests));
    json_object_set_new(j, "Parent", json_string(im->parent));
    json_object_set_new(j, "Comment", json_str_lossy(comment ? comment : ""));
    json_object_set_new(j, "Created",
                        im->created_ns == TIME_ZERO
                            ? json_string(api_minor < 44 ? "0001-01-01T00:00:00Z" : "")
                            : jstr_own(time_format(im->created_ns, false)));
    /* moby drops ContainerConfig from 1.45, but docker-compose v1 reads
     * ContainerConfig.Volumes on recreate: always send an empty one */
    json_t *empty = json_object();
    json_object_set_new(j, "ContainerConfig", legacy_config(empty));
    json_decref(empty);
    json_object_set_new(j, "DockerVersion", json_str_lossy(str_or(c, "docker_version", "")));
    json_object_set_new(j, "Author", json_str_lossy(str_or(c, "author", "")));
    json_object_set_new(
        j, "Config", api_minor >= 50 ? oci_config(im->run_config) : legacy_config(im->run_config));
    json_object_set_new(j, "Architecture", json_str_lossy(str_or(c, "architecture", "")));
    const char *variant = json_str(c, "variant");
    if (variant && *variant)
        json_object_set_new(j, "Variant", json_string(variant));
    json_object_set_new(j, "Os", json_str_lossy(str_or(c, "os", "linux")));
    const char *osv = json_str(c, "os.version");
    if (osv && *osv)
        json_object_set_new(j, "OsVersion", json_string(osv));
    json_object_set_new(j, "Size", json_integer(im->size));
    if (api_minor < 44)
        json_object_set_new(j, "VirtualSize", json_integer(im->size));
    json_t *gd = json_object();
    json_t *data = json_object();
    if (im->nlayers > 1) {
        char *lower = xstrdup("");
        for (size_t i = im->nlayers - 1; i-- > 0;) {
            char *n = xasprintf("%s%s%s/diff", lower, *lower ? ":" : "", im->layers[i]->dir);
            free(lower);
            lower = n;
        }
        json_object_set_new(data, "LowerDir", jstr_own(lower));
    }
    json_object_set_new(data, "UpperDir",
                        jstr_own(xasprintf("%s/diff", im->layers[im->nlayers - 1]->dir)));
    json_object_set_new(gd, "Data", data);
    json_object_set_new(gd, "Name", json_string("overlay2"));
    json_object_set_new(j, "GraphDriver", gd);
    json_t *layers = json_array();
    for (size_t i = 0; i < im->nlayers; i++)
        json_array_append_new(layers, json_string(im->layers[i]->diff_id));
    json_object_set_new(j, "RootFS", json_pack("{s:s,s:o}", "Type", "layers", "Layers", layers));
    int64_t ltt = store_last_tag_ns(im);
    json_object_set_new(j, "Metadata",
                        json_pack("{s:o}", "LastTagTime", jstr_own(time_format(ltt, false))));
    return j;
}

json_t *image_history_json(struct image *im, struct md_error *err)
{
    json_t *hist = json_object_get(im->config, "history");
    json_t *out = json_array();
    size_t layer = 0, i;
    json_t *h;
    json_array_foreach(hist, i, h)
    {
        int64_t size = 0;
        if (!json_is_true(json_object_get(h, "empty_layer"))) {
            if (layer >= im->nlayers) {
                json_decref(out);
                md_err(err, MD_EINTERNAL, "too many non-empty layers in History section");
                return NULL;
            }
            size = im->layers[layer++]->size;
        }
        int64_t created = 0;
        const char *cs = json_str(h, "created");
        int64_t ns;
        if (cs && time_parse_rfc3339(cs, &ns) == 0)
            created = ns / 1000000000;
        json_t *item = json_object();
        json_object_set_new(item, "Comment", json_str_lossy(str_or(h, "comment", "")));
        json_object_set_new(item, "Created", json_integer(created));
        json_object_set_new(item, "CreatedBy", json_str_lossy(str_or(h, "created_by", "")));
        json_object_set_new(item, "Id", json_string("<missing>"));
        json_object_set_new(item, "Size", json_integer(size));
        json_object_set_new(item, "Tags", json_null());
        json_array_insert_new(out, 0, item);
    }
    /* each entry from the top names the image while the parent chain
     * lasts, as moby's ImageHistory */
    struct image *cur = image_get(im);
    json_t *item;
    json_array_foreach(out, i, item)
    {
        json_object_set_new(item, "Id", json_string(cur->id));
        _cleanup_strv_ char **tags = store_refs_of(cur, false);
        if (tags && *tags)
            json_object_set_new(item, "Tags", familiar_array(tags));
        struct image *next = NULL;
        struct md_error e = {0};
        bool more = cur->parent[0] && image_lookup(cur->parent, &next, &e) == 0;
        md_err_clear(&e);
        image_put(cur);
        cur = next;
        if (!more)
            break;
    }
    if (cur)
        image_put(cur);
    return out;
}
