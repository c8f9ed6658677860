/* .dockerignore: docker's patternmatcher. Patterns are cleaned paths
 * relative to the context ("/" at the start dropped), Go filepath.Match
 * per component plus "**" for any number of directories; a pattern also
 * excludes what is below what it matches; "!" re-includes; the last
 * matching pattern wins. Pure. */
#pragma once
#include <stdbool.h>

/* The patterns of a .dockerignore text (comments and blank lines dropped).
 * New vector. */
char **dockerignore_parse(const char *text);
/* Whether rel (a path in the context, "a/b") is excluded. */
bool dockerignore_excluded(char *const *patterns, const char *rel);
