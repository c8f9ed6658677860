/* Mounts: the overlay rootfs on the host (daemon side), and inside PID 1's
 * mount namespace the container's filesystem view (proc, sys, /dev, etc
 * files, binds, masked paths) up to pivot_root. Targets inside the image are
 * resolved with openat2(RESOLVE_IN_ROOT), so a symlink in an image cannot
 * send a mount outside the rootfs. */
#pragma once
#include <stdbool.h>

#include "daemon/runtime/spec.h"

/* "lowerdir=A:B,upperdir=U,workdir=W[,index=off]"; NULL if it would not
 * fit in the page mount(2) accepts (the caller then uses fsconfig). */
char *mnt_overlay_options(char *const *layers, const char *upper, const char *work, bool index_off,
                          bool volatile_upper);

/* An O_PATH fd for path inside root (never escaping it), creating missing
 * components (dirs; the last one a dir or an empty file) when create. */
int mnt_open_in_root(int rootfd, const char *path, bool dir, bool create, struct md_error *err);

/* In PID 1, before pivot_root: everything that is mounted into the rootfs.
 * rootfd: the container's root mount. */
int mnt_setup_rootfs(const struct rt_spec *s, int rootfd, struct md_error *err);
/* pivot_root(".", ".") trick; afterwards "/" is the container root. */
int mnt_pivot_root(int rootfd, struct md_error *err);
/* After pivot_root: docker's masked and read-only paths, read-only rootfs. */
int mnt_finish(const struct rt_spec *s, struct md_error *err);
/* Bind the pty slave over /dev/console (after pivot_root). */
int mnt_console(const char *slave, struct md_error *err);
