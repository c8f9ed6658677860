/* The `changes` of import and commit: Dockerfile instructions applied to an
 * image's run config, as moby's dispatchers apply them (builder/dockerfile
 * BuildFromConfig): CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
 * ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. Pure, unit-tested. */
#pragma once
#include <jansson.h>

#include "common/error.h"

/* Apply the lines (joined with newlines, so line continuations work) to
 * config, a container.Config-shaped object. MD_EINVAL with docker's
 * messages ("run is not a valid change command"). */
int image_apply_changes(json_t *config, char *const *changes, struct md_error *err);

/* The container.Config object as Go marshals it: every field without
 * omitempty present, in declaration order, values taken from partial. */
json_t *image_container_config(json_t *partial);

/* One word through the Dockerfile shell lexer: quotes removed, backslash
 * escapes, $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x} expanded from env
 * ("K=V" entries). Malloc'd; NULL with err for an unterminated quote. */
char *image_shell_word(const char *word, char *const *env, struct md_error *err);
