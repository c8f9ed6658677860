/* The container's seccomp filter. */
#pragma once
#include <stdint.h>

#include "common/error.h"

/* A default-allow filter that denies (EPERM) the syscalls docker's default
 * profile withholds, each unless the container holds the capability that
 * docker's profile would grant it for (caps: the kept mask). Loaded without
 * setting no_new_privs, so it must run while CAP_SYS_ADMIN is still held. */
int seccomp_apply_default(uint64_t caps, struct md_error *err);
