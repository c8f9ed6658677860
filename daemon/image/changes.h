/* The `changes` of import and commit: Dockerfile instructions applied to an
 * image's run config, as moby's dispatchers apply them (builder/dockerfile
 * BuildFromConfig): CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
 * ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. Pure, unit-tested. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

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

/* One logical line of a Dockerfile. */
struct df_line {
    char *instr;    /* lower case: "run" */
    char *rest;     /* its arguments as written, continuations joined */
    char *original; /* "RUN echo hi", as docker prints it in "Step 2/5 : ..." */
    int line;       /* where it starts, from 1 */
};
/* Split a Dockerfile into logical lines (buildkit's parser): the escape
 * and syntax directives at the top (with directives), comments, blank
 * lines, line continuations. Heredocs are refused naming the line. */
int image_dockerfile_parse(const char *text, bool directives, struct df_line **out, size_t *n,
                           struct md_error *err);
void image_dockerfile_free(struct df_line *v, size_t n);
/* Apply one config instruction (CMD, ENV, ... as image_apply_changes) with
 * the build args ("K=V") expanding where Env does not name them. cmd_set
 * tracks whether CMD was seen (ENTRYPOINT resets an inherited CMD). */
int image_dispatch(json_t *config, const struct df_line *l, char *const *args, bool *cmd_set,
                   struct md_error *err);
/* parseWords (quotes kept) and parseMaybeJSON (NULL when not a JSON array
 * of strings), new vectors. */
char **image_split_words(const char *rest);
char **image_json_args(const char *rest);
