/* Paths as Go's path/filepath and moby's archive package treat them (docker
 * cp's rules are written in their terms), and a directory's names in
 * lexical order (Go's WalkDir order). Shared by the daemon's archive API and
 * the client's cp. */
#pragma once
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>

/* filepath.Clean: "" -> ".", "/a/../../b/" -> "/b", "a/../.." -> "..". Malloc'd. */
char *path_clean(const char *path);
/* filepath.Base: "/etc/" -> "etc", "/" -> "/", "" -> ".". Malloc'd. */
char *path_base(const char *path);
/* moby's asserts-a-directory tests: a trailing "/", a last component "." */
bool path_has_trailing_sep(const char *path);
bool path_specifies_current_dir(const char *path);
/* moby PreserveTrailingDotOrSeparator: cleaned (consumed) with the
 * trailing "/." or "/" of orig put back. Malloc'd. */
char *path_preserve_trailing(char *cleaned, const char *orig);
/* The names in d but "." and "..", sorted; NULL-terminated (strv).
 * NULL with errno when reading the directory fails. */
char **path_sorted_names(DIR *d, size_t *n);
