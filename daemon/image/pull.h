/* Pulling images from a registry into the store (POST /images/create?
 * fromImage=): the manifest is resolved first (its errors are the HTTP
 * reply, as moby's), then the layers are fetched, checked and unpacked
 * while docker's JSON progress messages stream out. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/image/registry.h"

struct pull;

/* from_image: "busybox", "127.0.0.1:5000/team/app", maybe with a tag;
 * tag: a tag or a digest ("sha256:..."), "" or NULL; when neither names
 * one, every tag of the repository is pulled (pull -a). platform:
 * "os/arch[/variant]" or NULL for the host's. Talks to the registry up to
 * the manifests; MD_ENOTFOUND with docker's text for a repository or tag
 * the registry does not have. */
int image_pull_prepare(const char *from_image, const char *tag, const char *platform,
                       const struct reg_auth *auth, struct pull **out, struct md_error *err);

/* Progress sink: msg is stolen; -1 when the client went away (the pull
 * stops). */
typedef int (*pull_emit_fn)(void *ctx, json_t *msg);

/* Fetch what the store lacks and record the image with its tag and
 * RepoDigest. All or nothing per image: a failure leaves no layer or
 * image of it behind. */
int image_pull_run(struct pull *p, pull_emit_fn emit, void *ctx, struct md_error *err);
void image_pull_free(struct pull *p);

/* GET /distribution/{name}/json: the descriptor of the manifest name
 * resolves to and the platforms it offers; errors as the pull's. */
json_t *image_distribution_json(const char *name, const struct reg_auth *auth,
                                struct md_error *err);

/* docker's progress bar text for current of total bytes ("[==>   ]
 * 1.2MB/3.4MB"), as JSONProgress.String at its full width. Malloc'd. */
char *pull_progress_bar(int64_t current, int64_t total);
