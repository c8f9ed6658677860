/* docker commit: the container's changes and a run config made into an
 * image, as moby's CreateImageFromContainer does. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/image/digest.h"
#include "daemon/state/container.h"

struct ctr_commit_opts {
    json_t *config;       /* the request's container.Config, or NULL: the container's */
    char *const *changes; /* Dockerfile lines applied to config (CMD, ENV, ...), or NULL */
    const char *author, *comment;
    const char *ref;          /* full reference to tag the image with, or NULL */
    const char *ref_familiar; /* the same as docker shows it ("web:v1"), for the event */
    bool pause;      /* freeze a running container while its files are read */
};

/* Commit c. MD_ECONFLICT while it is being removed; MD_EINVAL for bad
 * changes (before anything is made). id gets "sha256:<hex>". */
int ctr_commit(struct container *c, const struct ctr_commit_opts *o, char id[DIGEST_LEN + 1],
               struct md_error *err);

/* c's overlay upper directory, opened (made when it never started). */
int ctr_commit_upper_fd(struct container *c, struct md_error *err);

/* moby's merge: fill what the user's config leaves empty from the
 * container's (User, ExposedPorts, Env, Labels, Cmd/Entrypoint, Healthcheck,
 * WorkingDir, Volumes, StopSignal). Pure; exposed for unit tests. */
void ctr_commit_merge(json_t *user, json_t *ctr);
