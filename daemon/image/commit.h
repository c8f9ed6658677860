/* Commit: a container's filesystem changes as a new image (POST /commit, and
 * each step of a build). The caller (daemon/state) decides the run config;
 * this makes the layer and the image. */
#pragma once
#include <jansson.h>

#include "common/error.h"
#include "daemon/image/digest.h"

struct image_commit_req {
    const char *parent_id;    /* the container's image; NULL or "": none (FROM scratch) */
    int upperfd;              /* the container's overlay upper directory */
    const char *container_id; /* 64 hex */
    json_t *config;           /* the new image's run config (container.Config) */
    json_t *container_config; /* the container's own Config */
    const char *author, *comment;
    const char *ref; /* full reference to point at the image, or NULL */
};

/* Make the image: the upper dir's changes become a layer on the parent's
 * (none when nothing changed, as moby), the config a child of the parent's
 * with a history entry. All or nothing. id gets "sha256:<hex>". */
int image_commit(const struct image_commit_req *r, char id[DIGEST_LEN + 1], struct md_error *err);
