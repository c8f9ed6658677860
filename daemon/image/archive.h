/* Image archives: load (docker-archive as `docker save` writes it, and OCI
 * image layouts, plain or compressed), save (docker 25+'s format, which is
 * a docker-archive and an OCI layout at once), and import of a rootfs tar. */
#pragma once
#include <stdbool.h>

#include "common/error.h"
#include "daemon/image/digest.h"
#include "daemon/image/layer.h"

/* Lines of the load/import reply ("Loaded image: busybox:latest\n"). */
typedef void (*image_msg_fn)(void *ctx, const char *line);

/* Load every image in the archive read from rd, in one pass as it arrives:
 * layers are unpacked on the way (before the manifest that names them,
 * which docker 25+ and OCI layouts put last), checked and committed at the
 * end. All or nothing: on error, also when rd fails in the middle, nothing
 * new is left in the store or in image/tmp. Messages are reported only
 * after success. */
int image_load(layer_read_fn rd, void *rctx, image_msg_fn msg, void *ctx, struct md_error *err);

struct save_plan;
/* Resolve names as `docker save` does ("busybox" = every busybox tag,
 * "busybox:1", ids); MD_ENOTFOUND for an unknown one. */
int image_save_prepare(char **names, struct save_plan **out, struct md_error *err);
/* Write the archive; wr returns -1 when the reader went away. */
int image_save_write(struct save_plan *p, int (*wr)(void *ctx, const void *buf, size_t n),
                     void *wctx, struct md_error *err);
void image_save_free(struct save_plan *p);

/* POST /images/create?fromSrc=-: a rootfs tar read from rd (once) becomes
 * a one-layer image; repo/tag may be NULL; changes are Dockerfile lines
 * (CMD, ENTRYPOINT, ENV, ...). */
int image_import(layer_read_fn rd, void *rctx, const char *repo, const char *tag,
                 const char *message, char **changes, char id[DIGEST_LEN + 1],
                 struct md_error *err);
