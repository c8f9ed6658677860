/* The subset of Go's text/template that docker's `--format` uses (ps, images,
 * inspect, version, info), over jansson values, with docker's preprocessing
 * ("table" prefix, literal \t and \n) and its extra functions (json, join,
 * split, upper, lower, title, pad, truncate). */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct tmpl;

/* Parse a --format string. Errors read like Go's ("template: :1: unclosed
 * action"), code MD_EINVAL. */
int tmpl_parse(const char *src, struct tmpl **out, struct md_error *err);
/* The source started with "table": render rows through a tabwriter and
 * print tmpl_render_header first. */
bool tmpl_is_table(const struct tmpl *t);
/* Render one record; data is borrowed. Values print as Go prints them:
 * strings raw, integral numbers as integers, true/false, null or missing as
 * "<no value>", arrays "[a b]", objects "map[k:v]". Execution errors read
 * like Go's ("template: :1:7: executing \"\" at <.A.B>: ..."). */
int tmpl_render(const struct tmpl *t, json_t *data, char **out, struct md_error *err);
/* The header row of a table: every field reference {{.Field}} (or {{.A.B}})
 * becomes header_for("Field") ("A.B"), the functions docker overrides for
 * headers return their first argument, literal text is kept. A NULL from
 * header_for prints the field name. */
char *tmpl_render_header(const struct tmpl *t, const char *(*header_for)(const char *field));
void tmpl_free(struct tmpl *t);
