/* The image store's internals, shared by the files of daemon/image and by
 * api/images.c: images, layers and references in memory, under one mutex.
 * The container side uses image.h only.
 *
 * On disk (data-root/image):
 *   blobs/sha256/<hex>     image configs (the id is the sha256 of these bytes)
 *   layers/<chain hex>/    diff/, tar-split or layer.tar, meta.json
 *   repositories.json      references and per-image metadata, atomic writes
 *   tmp/                   unpacking in progress; emptied at start
 * A layer directory is renamed into layers/ only when complete, and an image
 * becomes visible only with the repositories.json that names it; at start
 * everything no image needs is removed. */
#pragma once
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/filters.h"
#include "daemon/image/digest.h"
#include "daemon/image/image.h"
#include "daemon/image/layer.h"

struct layer {
    char chain_id[DIGEST_LEN + 1];
    char diff_id[DIGEST_LEN + 1];
    char parent[DIGEST_LEN + 1]; /* chain id below, "" for the bottom layer */
    int64_t size;                /* file contents */
    int64_t tar_size;            /* the uncompressed tar */
    char *dir;                   /* data-root/image/layers/<hex> */
    int refs;                    /* image objects using it + loads in progress */
};

struct image {
    atomic_int refs;
    char id[DIGEST_LEN + 1];
    char *config_raw;
    size_t config_len;
    json_t *config;
    json_t *run_config;    /* config["config"], or an empty object */
    struct layer **layers; /* bottom first */
    size_t nlayers;
    int64_t created_ns;  /* TIME_ZERO when the config has none */
    int64_t size;        /* sum of the layers' sizes */
    int64_t last_tag_ns; /* TIME_ZERO: never tagged (guarded by the store lock) */
    bool in_store;       /* false once deleted (guarded by the store lock) */
    char parent[DIGEST_LEN + 1]; /* the image it was built or committed on, or "" */
};

/* An image about to be added: its config and its (pinned) layers. */
struct new_image {
    char *config_raw;
    size_t config_len;
    struct layer **layers; /* borrowed, bottom first */
    size_t nlayers;
    char **tags;     /* full references to point at it ("docker.io/library/busybox:latest") */
    bool touch_tags; /* record LastTagTime (tag, import), not on load */
    const char *parent; /* id of the image it was made on (commit, build), or NULL */
};

/* Parse and check an image config: JSON object, os linux, rootfs of type
 * "layers" with valid diff ids. Returns the diff ids (new vector). */
char **store_config_diff_ids(json_t *config, struct md_error *err);

/* Layers. get pins an existing layer (NULL if absent); commit renames a
 * complete unpacked directory (tmp_path) into place and returns it pinned;
 * if another load got there first, tmp_path is removed and theirs is
 * returned. put drops a pin; unused layers are deleted. */
struct layer *store_layer_get(const char *chain_id);
/* Any layer with these contents (whatever its parent), pinned; NULL if none. */
struct layer *store_layer_get_by_diff(const char *diff_id);
struct layer *store_layer_commit(const char *tmp_path, const char *chain_id, const char *parent,
                                 const struct layer_info *li, struct md_error *err);
void store_layer_put(struct layer *l);
/* A fresh directory under image/tmp for unpacking (caller frees the path). */
char *store_tmp_dir(struct md_error *err);
void store_tmp_remove(const char *path);

/* Add images and point their tags at them, all or nothing. For each image,
 * on_tag(ctx, familiar, previous image id or NULL) is called for every tag
 * set, in order; ids[i] receives the image id. */
int store_add_images(struct new_image *imgs, size_t n, char (*ids)[DIGEST_LEN + 1],
                     void (*on_tag)(void *ctx, size_t i, const char *familiar, const char *prev_id),
                     void *ctx, struct md_error *err);

/* Full references ("docker.io/library/busybox:latest") pointing at im,
 * sorted; tags only or digests only. New vector. */
char **store_refs_of(struct image *im, bool digests);
/* Snapshot of every image (new references; free with store_images_free). */
struct image **store_all_images(size_t *n);
void store_images_free(struct image **v, size_t n);
int64_t store_last_tag_ns(struct image *im);
/* Whether another image names im as its parent. */
bool store_has_children(struct image *im);
struct image *image_get(struct image *im);

/* httputils.RepoTagReference: the full reference for repo (which may carry
 * the tag) and tag (wins when given); "latest" by default. */
int store_repo_tag_ref(const char *repo, const char *tag, char **full, struct md_error *err);
/* The "dangling" filter's value (true/false/1/0), def when absent. */
int store_filter_dangling(const struct filters *f, bool def, bool *out, struct md_error *err);

/* POST /images/{name}/tag. */
int store_tag(const char *name, const char *repo, const char *tag, struct md_error *err);
/* DELETE /images/{name}: the records [{"Untagged":..},{"Deleted":..}]. */
json_t *store_delete(const char *name, bool force, bool prune, struct md_error *err);
/* POST /images/prune: {"ImagesDeleted":[..]|null,"SpaceReclaimed":n}. */
json_t *store_prune(const struct filters *f, struct md_error *err);

/* JSON views (info.c). shared: fill SharedSize (the bytes of an image's
 * layers that other images use too), else -1 as moby without shared-size. */
json_t *image_list_json(bool all, const struct filters *f, bool shared, struct md_error *err);
/* Bytes of every layer some image uses, each counted once (LayersSize). */
int64_t image_layers_size(void);
/* The list's shape for older clients ("<none>:<none>" before 1.43,
 * VirtualSize before 1.44). */
void image_list_compat(json_t *list, int api_minor);
json_t *image_inspect_json(struct image *im, int api_minor);
json_t *image_history_json(struct image *im, struct md_error *err);
/* Familiar form of a full reference: "busybox:latest". */
char *store_familiar(const char *full_ref);

/* Events of the image type ("load", "tag", ...). */
void image_event(const char *action, const char *id, const char *name);
