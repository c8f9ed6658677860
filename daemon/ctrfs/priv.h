/* What root.c shares with tar.c. */
#pragma once
#include <linux/openat2.h>

#include "common/error.h"

/* Every lookup below a container's root: confined to it, and no /proc
 * magic link (which could name anything on the host) is followed. */
#define CTRFS_IN_ROOT (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* The last component of abs as filepath.Split leaves it ("" after a
 * trailing "/"); *dir gets a malloc'd copy of what comes before it. */
const char *ctrfs_split_last(const char *abs, char **dir);
/* moby's FollowSymlinkInScope on the fd tree: every symlink in abs resolved
 * (the last one too) as the container would, ".." never above the root;
 * components that do not exist are kept as written. Malloc'd. */
char *ctrfs_resolve(int rootfd, const char *abs, struct md_error *err);
