/* GET /system/df (docker system df) and POST /build/prune. minidock has no
 * builder, so its build cache is always empty: df lists none and prune
 * removes none, after checking the request as moby does. */
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "daemon/api/containers.h"
#include "daemon/api/server.h"
#include "daemon/image/store.h"
#include "daemon/volume/volume.h"

#include <stdlib.h>
#include <string.h>

/* Images with SharedSize and how many containers (any state) use each. */
static json_t *df_images(json_t *containers, struct md_error *err)
{
    _cleanup_filters_ struct filters *none = filters_new();
    json_t *imgs = image_list_json(false, none, true, err);
    if (!imgs)
        return NULL;
    size_t i, k;
    json_t *im, *c;
    json_array_foreach(imgs, i, im)
    {
        json_int_t n = 0;
        const char *id = json_str(im, "Id");
        json_array_foreach(containers, k, c) n += !strcmp(json_str(c, "ImageID") ?: "", id);
        json_object_set_new(im, "Containers", json_integer(n));
    }
    return imgs;
}

/* moby LocalVolumesSize: the local volumes without mount options, each with
 * UsageData (the bytes under _data, the containers that reference it). */
static json_t *df_volumes(void)
{
    json_t *all = vol_list(), *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        json_t *opts = json_object_get(v, "Options");
        if (json_object_size(opts))
            continue;
        const char *name = json_str(v, "Name");
        _cleanup_strv_ char **users = vol_users(name);
        json_object_set_new(v, "UsageData",
                            json_pack("{s:I,s:I}", "Size", (json_int_t)vol_size(name), "RefCount",
                                      (json_int_t)strv_len(users)));
        json_array_append(out, v);
    }
    json_decref(all);
    return out;
}

static void system_df(struct api_req *r)
{
    bool want_c = true, want_i = true, want_v = true, want_b = true;
    /* type= (repeatable) selects the objects from API 1.42 on */
    _cleanup_strv_ char **types = r->api_minor >= 42 ? api_query_all(r, "type") : NULL;
    if (types && *types) {
        want_c = want_i = want_v = want_b = false;
        for (char **t = types; *t; t++) {
            if (!strcmp(*t, "container")) {
                want_c = true;
            } else if (!strcmp(*t, "image")) {
                want_i = true;
            } else if (!strcmp(*t, "volume")) {
                want_v = true;
            } else if (!strcmp(*t, "build-cache")) {
                want_b = true;
            } else {
                api_reply_msg(r, 400, "unknown object type: %s", *t);
                return;
            }
        }
    }
    struct md_error err = {0};
    /* images need the containers for their counts */
    json_t *ctrs = want_c || want_i ? ctr_list_sized() : NULL;
    json_t *imgs = NULL;
    if (want_i && !(imgs = df_images(ctrs, &err))) {
        json_decref(ctrs);
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    if (imgs)
        image_list_compat(imgs, r->api_minor);
    if (!want_c) {
        json_decref(ctrs);
        ctrs = NULL;
    }
    json_t *j = json_object();
    json_object_set_new(j, "LayersSize", json_integer(want_i ? image_layers_size() : 0));
    json_object_set_new(j, "Images", imgs ? imgs : json_null());
    json_object_set_new(j, "Containers", ctrs ? ctrs : json_null());
    json_object_set_new(j, "Volumes", want_v ? df_volumes() : json_null());
    json_object_set_new(j, "BuildCache", want_b ? json_array() : json_null());
    api_reply_json(r, 200, j);
}

/* The filters moby's builder accepts (builder-next: cacheFields, until,
 * unused-for and the label pair). */
static const char *const build_prune_filters[] = {"id",         "parent", "type",    "description",
                                                  "inuse",      "shared", "private", "until",
                                                  "unused-for", "label",  "label!",  NULL};

static void build_prune(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
        filters_validate(f, build_prune_filters, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    if (filters_has(f, "until") && filters_has(f, "unused-for")) {
        api_reply_msg(r, 400, "conflicting filters: \"until\" and \"unused-for\"");
        return;
    }
    static const char *const sizes[] = {"reserved-space", "keep-storage", "max-used-space",
                                        "min-free-space", NULL};
    for (const char *const *k = sizes; *k; k++) {
        const char *v = api_query(r, *k);
        char *end;
        if (v && *v && (strtoll(v, &end, 10), *end)) {
            api_reply_msg(r, 400,
                          "%s is in bytes and expects an integer, got %s: strconv.Atoi: parsing "
                          "\"%s\": invalid syntax",
                          *k, v, v);
            return;
        }
    }
    api_reply_json(r, 200, json_pack("{s:n,s:i}", "CachesDeleted", "SpaceReclaimed", 0));
}

const struct api_route api_routes_df[] = {
    {"GET", "/system/df", system_df, 0},
    {"POST", "/build/prune", build_prune, 0},
    {NULL, NULL, NULL, 0},
};
