/* Volume endpoints: list (filters), create, inspect, remove, prune. The
 * volumes themselves live in daemon/volume. */
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/volume/volume.h"

#include <string.h>

static void reply_err(struct api_req *r, struct md_error *e)
{
    api_reply_error(r, e);
    md_err_clear(e);
}

/* moby's filters.Args.GetBoolOrDefault */
static int bool_filter(const struct filters *f, const char *key, bool *out)
{
    char **v = filters_get(f, key);
    if (!v || !*v)
        return 0;
    for (; *v; v++) {
        if (!strcasecmp(*v, "true") || !strcmp(*v, "1"))
            *out = true;
        else if (!strcasecmp(*v, "false") || !strcmp(*v, "0"))
            *out = false;
        else
            return -1;
    }
    return 1;
}

static bool in_use(json_t *v)
{
    _cleanup_strv_ char **users = vol_users(json_str(v, "Name"));
    return users != NULL;
}

static bool any_of(char **vals, bool (*fn)(const char *want, json_t *v), json_t *v)
{
    if (!vals)
        return true;
    for (char **w = vals; *w; w++)
        if (fn(*w, v))
            return true;
    return false;
}

static bool m_name(const char *want, json_t *v)
{
    return strstr(json_str(v, "Name"), want) != NULL;
}

static bool m_driver(const char *want, json_t *v)
{
    return !strcmp(json_str(v, "Driver"), want);
}

static void list(struct api_req *r)
{
    static const char *const keys[] = {"dangling", "driver", "label", "name", NULL};
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 || filters_validate(f, keys, &err) < 0)
        return reply_err(r, &err);
    bool dangling = false;
    int has_dangling = bool_filter(f, "dangling", &dangling);
    if (has_dangling < 0) {
        api_reply_msg(r, 400, "invalid filter 'dangling=%s'", filters_get(f, "dangling")[0]);
        return;
    }
    json_t *all = vol_list();
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        if (!any_of(filters_get(f, "name"), m_name, v) ||
            !any_of(filters_get(f, "driver"), m_driver, v) ||
            !filters_match_label(f, json_object_get(v, "Labels")) ||
            (has_dangling && in_use(v) == dangling))
            continue;
        json_array_append(out, v);
    }
    json_decref(all);
    api_reply_json(r, 200, json_pack("{s:o,s:[]}", "Volumes", out, "Warnings"));
}

static void create(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *b = api_body_decode(r, &schema_volume_create, true, &err);
    if (!b)
        return reply_err(r, &err);
    json_t *cluster = json_object_get(b, "ClusterVolumeSpec");
    if (cluster && !json_is_null(cluster)) {
        api_reply_msg(r, 503,
                      "volume create with ClusterVolumeSpec is only valid on swarm "
                      "managers, but this node is not part of a swarm");
        return;
    }
    char name[256];
    if (vol_create(json_str(b, "Name"), json_str(b, "Driver"), json_object_get(b, "Labels"),
                   json_object_get(b, "DriverOpts"), false, name, NULL, &err) < 0)
        return reply_err(r, &err);
    json_t *j = vol_inspect(name, &err);
    if (!j)
        return reply_err(r, &err);
    api_reply_json(r, 201, j);
}

static void inspect(struct api_req *r)
{
    struct md_error err = {0};
    json_t *j = vol_inspect(r->params[0], &err);
    if (!j)
        return reply_err(r, &err);
    api_reply_json(r, 200, j);
}

static void del(struct api_req *r)
{
    struct md_error err = {0};
    if (vol_remove(r->params[0], api_query_bool(r, "force", false), &err) < 0)
        return reply_err(r, &err);
    api_reply_status(r, 204);
}

/* Which volumes prune takes: unused ones without mount options, only
 * anonymous ones unless all=true (docker 23+, API 1.42+), narrowed by
 * label filters. */
static bool prune_takes(const struct filters *f, bool all, json_t *v)
{
    /* moby skips volumes with mount options: removing them frees nothing */
    if (json_object_size(json_object_get(v, "Options")))
        return false;
    json_t *labels = json_object_get(v, "Labels");
    if (!all && !json_object_get(labels, VOL_ANON_LABEL))
        return false;
    if (!filters_match_label(f, labels))
        return false;
    for (char **w = filters_get(f, "label!"); w && *w; w++) {
        const char *eq = strchr(*w, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
        const char *have = json_str(labels, k);
        if (have && (!eq || !strcmp(have, eq + 1)))
            return false;
    }
    return !in_use(v);
}

static void prune(struct api_req *r)
{
    static const char *const keys[] = {"label", "label!", "all", NULL};
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 || filters_validate(f, keys, &err) < 0)
        return reply_err(r, &err);
    /* before API 1.42, prune took named volumes too */
    bool all = r->api_minor < 42;
    if (bool_filter(f, "all", &all) < 0) {
        api_reply_msg(r, 400, "invalid filter 'all=%s': invalid value", filters_get(f, "all")[0]);
        return;
    }
    json_t *vols = vol_list();
    json_t *gone = json_array();
    long long space = 0;
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        if (!prune_takes(f, all, v))
            continue;
        const char *name = json_str(v, "Name");
        long long size = vol_size(name);
        struct md_error e = {0};
        /* a container may have taken it meanwhile: then it stays */
        if (vol_remove(name, false, &e) == 0) {
            json_array_append_new(gone, json_string(name));
            space += size;
        }
        md_err_clear(&e);
    }
    json_decref(vols);
    /* moby's report starts with an empty list: [] when nothing went */
    api_reply_json(
        r, 200,
        json_pack("{s:o,s:I}", "VolumesDeleted", gone, "SpaceReclaimed", (json_int_t)space));
}

const struct api_route api_routes_volumes[] = {
    {"GET", "/volumes", list, 0},          {"POST", "/volumes/create", create, 0},
    {"POST", "/volumes/prune", prune, 0},  {"GET", "/volumes/{name}", inspect, 0},
    {"DELETE", "/volumes/{name}", del, 0}, {NULL, NULL, NULL, 0},
};
