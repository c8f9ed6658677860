/* User and group resolution against the container's own /etc/passwd and
 * /etc/group, with docker's (runc's) rules: numeric ids need no entry, names
 * must exist, supplementary groups come from the group file. */
#pragma once
#include <stdio.h>
#include <sys/types.h>

#include "common/error.h"

struct rt_user {
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* supplementary: the primary gid first, then memberships */
    size_t ngroups;
    char *home; /* "/" when unknown */
};

/* spec: "", "uid", "uid:gid", "name", "name:group" (either side numeric or
 * a name). passwd/group may be NULL (file missing). group_add: extra groups
 * (names or gids), may be NULL. */
int user_resolve(FILE *passwd, FILE *group, const char *spec, char *const *group_add,
                 struct rt_user *out, struct md_error *err);
/* The same against root's /etc/passwd and /etc/group (root: a directory fd
 * of a container's tree, which its processes may have changed). Each file
 * is resolved inside root and read only if it is a regular file of at most
 * USER_DB_MAX bytes, without blocking: a FIFO, a device node or an endless
 * file there is an error for a lookup that needs it ("unable to find user
 * NAME: /etc/passwd is not a regular file"), never a hang of the reader.
 * Numeric ids need neither file, as with runc. */
#define USER_DB_MAX (4u << 20)
int user_resolve_in(int root, const char *spec, char *const *group_add, struct rt_user *out,
                    struct md_error *err);
void user_free(struct rt_user *u);
