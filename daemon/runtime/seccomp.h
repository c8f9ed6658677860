/* The container's seccomp filter. */
#pragma once
#include <stdbool.h>
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

/* --security-opt seccomp=: docker's default filter, none, or a profile. */
enum seccomp_mode { SECCOMP_DEFAULT = 0, SECCOMP_UNCONFINED, SECCOMP_PROFILE };

/* A docker-format seccomp profile, typed (daemon/state/ctr_seccomp.c parses
 * the JSON): actions are libseccomp's (SCMP_ACT_ERRNO(n) carries its errno),
 * syscall names are resolved when compiled (unknown ones skipped, as runc
 * does), architectures are libseccomp tokens. */
struct seccomp_arg {
    unsigned index; /* 0..5 */
    int op;         /* enum scmp_compare */
    uint64_t value, value_two;
};

struct seccomp_rule {
    char **names;
    uint32_t action;
    struct seccomp_arg *args;
    size_t nargs;
    uint64_t caps_all;  /* includes.caps: only when every one is held */
    uint64_t caps_none; /* excludes.caps: not when any is held */
};

struct seccomp_profile {
    uint32_t default_action;
    uint32_t *arches; /* besides the native one */
    size_t narches;
    struct seccomp_rule *rules;
    size_t nrules;
};

void seccomp_profile_free(struct seccomp_profile *p);
static inline void cleanup_seccomp_profilep(struct seccomp_profile **p)
{
    seccomp_profile_free(*p);
}
#define _cleanup_seccomp_profile_ __attribute__((cleanup(cleanup_seccomp_profilep)))
struct seccomp_profile *seccomp_profile_copy(const struct seccomp_profile *p);
/* The profile for a process holding caps, as a raw BPF program written to
 * fd (loaded with seccomp_load_bpf). A rule libseccomp refuses (a bad
 * argument index, an action it does not know) is MD_EINVAL naming it. */
int seccomp_export_profile(const struct seccomp_profile *p, uint64_t caps, int fd,
                           struct md_error *err);
