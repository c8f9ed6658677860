/* Command lookup inside the container, with Go's exec.LookPath rules and
 * wording, which is what docker users see:
 *   exec: "nosuch": executable file not found in $PATH */
#pragma once
#include "common/error.h"

#define RT_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* rootfd: the container root (after pivot_root simply "/"); paths resolve
 * inside it (RESOLVE_IN_ROOT). cwd: for relative names. path_env: the value
 * of PATH (NULL = the default). *out: the path to execve (container view).
 * Errors: ENOENT (not found), EACCES (not executable, a directory). */
int rt_lookup_path(int rootfd, const char *cwd, const char *file, const char *path_env, char **out,
                   struct md_error *err);
/* docker's exit code for an exec error: 127 not found, 126 otherwise. */
int rt_exec_error_code(int errnum);
/* strerror as Go (and so runc and docker) words it: "no such file or
 * directory", lower case. */
const char *rt_go_strerror(int errnum);
