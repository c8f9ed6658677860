/* Pushing images to a registry (POST /images/{name}/push): each layer the
 * repository lacks is uploaded as its uncompressed tar (its digest is the
 * diff id, known without reading it), then the config and an OCI image
 * manifest under the tag, with docker's progress messages. */
#pragma once
#include "common/error.h"
#include "daemon/image/pull.h"
#include "daemon/image/registry.h"

struct push;

/* name: "127.0.0.1:5000/team/app" (maybe with a tag); tag: the tag, or
 * "" / NULL for every tag of the repository. MD_EINVAL for a bad name. */
int image_push_prepare(const char *name, const char *tag, const struct reg_auth *auth,
                       struct push **out, struct md_error *err);
/* Streams the messages through emit; the digest reference of what was
 * pushed is added to the image (its RepoDigests). */
int image_push_run(struct push *p, pull_emit_fn emit, void *ctx, struct md_error *err);
void image_push_free(struct push *p);
