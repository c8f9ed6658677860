/* The container spec the daemon hands to the shim (exec_dir/spec): the plan
 * plus what the daemon worked out for it (cgroup dirs to join, the file that
 * counts OOM kills). A line format, "key value...", each field escaped with
 * util_escape(), so the shim needs no JSON library. */
#pragma once
#include "daemon/runtime/runtime.h"

struct rt_spec {
    struct rt_plan plan;
    char **cgroup_dirs; /* the shim writes PID 1 into each <dir>/cgroup.procs */
    char *oom_file;     /* memory.events (v2) or memory.oom_control (v1); may be NULL */
    bool cgroup2_ns;    /* mount cgroup2 at /sys/fs/cgroup inside (unified hosts) */
    char **cgroup_v1;   /* else: v1 hierarchies to mount at /sys/fs/cgroup/<ctrls> */
    char *seccomp_bpf;  /* PID 1's filter, precompiled (rt_seccomp_cache); NULL: PID 1 builds it */
};

/* Serialise; never fails. */
char *spec_format(const struct rt_spec *s);
/* Parse into *s (zeroed first); MD_EINVAL "spec line N: ..." on bad input. */
int spec_parse(const char *text, struct rt_spec *s, struct md_error *err);
/* Free the fields of a parsed spec (not s itself). */
void spec_free(struct rt_spec *s);
/* Deep copy of a plan's fields into dst. */
void plan_copy(struct rt_plan *dst, const struct rt_plan *src);
/* Free the fields of a plan (not p itself). */
void plan_clear(struct rt_plan *p);

/* The exec spec (exec_dir/spec for `minidock-shim exec`): the exec plan in
 * the same line format. */
char *exec_spec_format(const struct rt_exec_plan *p);
int exec_spec_parse(const char *text, struct rt_exec_plan *p, struct md_error *err);
/* Free the fields of an exec plan (not p itself). */
void exec_plan_clear(struct rt_exec_plan *p);
/* docker's exec environment: PATH (default), HOSTNAME and, with a tty,
 * TERM=xterm, replaced or extended by the container's env and then by the
 * exec's (moby CreateDaemonEnvironment + ReplaceOrAppendEnvValues; "K"
 * without '=' unsets K). HOME is the child's to add. New vector. */
char **exec_env(char *const *ctr_env, const char *hostname, bool tty, char *const *exec_env);
/* ReplaceOrAppendEnvValues on a copy of base. */
char **env_replace_or_append(char *const *base, char *const *overrides);
