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
void user_free(struct rt_user *u);
