/* File helpers of the image store: confined opens below a directory fd,
 * random names for temporary entries (the rest is in common/fsutil). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Resolution flags for paths inside an untrusted tree: never leave dirfd
 * (".." or absolute symlinks give EXDEV), never follow any symlink (ELOOP),
 * never cross a mount. */
#define IMG_RESOLVE_STRICT 0x0fULL /* NO_XDEV|NO_MAGICLINKS|NO_SYMLINKS|BENEATH */

/* openat2(dirfd, rel, flags|O_CLOEXEC, mode, resolve); -1 with errno. */
int img_openat2(int dirfd, const char *rel, int flags, mode_t mode, unsigned long long resolve);
/* A random 16-hex-char suffix for temp names. */
void img_rand_suffix(char out[17]);
