/* The local image store as the container side sees it: find an image by
 * name or id, read its run config, get its layer directories for the
 * overlay mount. Everything else (load, save, import, tag, rmi) goes
 * through the API (api/images.c over daemon/image/store.h). */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Open (and create) data-root/image, drop unfinished work, load the images,
 * delete layers no image uses. Call once at start, before the API serves. */
int image_store_init(struct md_error *err);
/* Number of images, dangling ones included (docker info's Images). */
size_t image_store_count(void);

/* A reference-counted, immutable view of one image. */
struct image;

/* By "name[:tag]" or "name@digest" (docker's normalisation: "busybox" is
 * "docker.io/library/busybox:latest"), full id ("sha256:<64hex>" or the 64
 * hex), or a unique id prefix ("sha256:ab12" or "ab12"). Not found:
 * MD_ENOTFOUND "No such image: busybox:latest". A malformed reference:
 * MD_EINVAL with docker's message. The caller owns *out (image_put). */
int image_lookup(const char *ref_or_id, struct image **out, struct md_error *err);
/* "sha256:<64 hex>" */
const char *image_id(const struct image *im);
/* Borrowed: the config's "config" object (Env, Cmd, Entrypoint, WorkingDir,
 * User, ExposedPorts, StopSignal, Labels, Volumes, ...); an empty object
 * when the image has none. Valid as long as im. */
json_t *image_config(const struct image *im);
/* New NULL-terminated vector of absolute paths of the layers' diff
 * directories, top-most first (overlayfs lowerdir order). An image always
 * has at least one layer. */
char **image_layer_dirs(const struct image *im);
/* Bytes of the image's files (docker's Size / SizeRootFs). */
int64_t image_size(const struct image *im);
void image_put(struct image *im);

/* rmi and prune refuse to delete an image that a container uses; the
 * container module registers how to find out. fn gets the full image id
 * ("sha256:<hex>") and returns true when some container uses it, filling
 * its 64-hex id and whether it runs; when several do, it should report a
 * running one if there is one. Called without the store's lock held. */
typedef bool (*image_usage_fn)(const char *image_id, char container_id[65], bool *running);
void image_set_usage_check(image_usage_fn fn);
