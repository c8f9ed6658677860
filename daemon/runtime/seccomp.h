/* The container's seccomp filter. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* A default-allow filter that denies (EPERM) the syscalls docker's default
 * profile withholds, each unless the container holds the capability that
 * docker's profile would grant it for (caps: the kept mask). Loaded without
 * setting no_new_privs, so it must run while CAP_SYS_ADMIN is still held. */
int seccomp_apply_default(uint64_t caps, struct md_error *err);
/* The same filter as a raw BPF program written to fd (for the exec
 * shim's per-container cache: compiling it costs milliseconds). */
int seccomp_export_default(uint64_t caps, int fd, struct md_error *err);
/* The exported filter for caps at path, written unless a file is there
 * already: to a temporary name, then renamed, so a reader never sees half
 * of one. For caches (the daemon's, an exec shim's). */
int seccomp_export_cached(const char *path, uint64_t caps, struct md_error *err);
/* Load a program seccomp_export_default wrote, the way
 * seccomp_apply_default loads its filter (no no_new_privs: needs
 * CAP_SYS_ADMIN). */
int seccomp_load_bpf(const void *prog, size_t len, struct md_error *err);
