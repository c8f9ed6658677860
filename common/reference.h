/* Docker image references: parsing with distribution/reference's grammar and
 * docker's normalisation ("busybox" == "docker.io/library/busybox:latest"),
 * and printing in the familiar and the fully-qualified form. */
#pragma once
#include <stdbool.h>

#include "common/error.h"

/* domain and path are always set after a successful parse; tag and digest
 * are NULL when absent. */
struct image_ref {
    char *domain; /* "docker.io", "localhost:5000", "[::1]:5000" */
    char *path;   /* "library/busybox", "team/app" */
    char *tag;    /* "latest" */
    char *digest; /* "sha256:<64 hex>" */
};

/* Parse a user-supplied reference like docker does: the domain becomes
 * "docker.io" when none is given ("index.docker.io" too), one-component
 * docker.io paths get "library/", and the tag "latest" is added when neither
 * tag nor digest is given. Errors carry docker's messages, code MD_EINVAL. */
int ref_parse(const char *s, struct image_ref *out, struct md_error *err);
/* Same, without the default tag (for "repo" query parameters). */
int ref_parse_name(const char *s, struct image_ref *out, struct md_error *err);
/* "busybox:latest", "myrepo/bb:v1", "host:5000/team/app:v1", "busybox@sha256:..." */
char *ref_familiar(const struct image_ref *r);
/* "docker.io/library/busybox:latest" */
char *ref_full(const struct image_ref *r);
/* The familiar name without tag or digest: "busybox". */
char *ref_familiar_name(const struct image_ref *r);
void ref_free(struct image_ref *r);
/* "sha256:<hex>" or bare hex, 1-64 lowercase hex digits: something that may
 * be an image id or a unique prefix of one. */
bool ref_looks_like_id(const char *s);
