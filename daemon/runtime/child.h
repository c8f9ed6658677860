/* Container PID 1 before its execve: everything that runs inside the new
 * namespaces (this code runs in a clone of the shim). Any failure is sent to
 * the shim as {errno, message} over the sync socket; the child never exits
 * silently with "exit status 1". */
#pragma once
#include "daemon/runtime/spec.h"

struct child_io {
    int in, out, err; /* stdio for PID 1 (pipes or /dev/null); -1 with a tty */
};

/* Sync protocol (proto.h): wait SYNC_CGROUP, set up, send SYNC_READY (with
 * the pty master when tty), wait SYNC_GO, exec. bpf: the seccomp filter
 * s->seccomp_bpf held (the shim read it), or NULL to build it here. Never
 * returns. */
__attribute__((noreturn)) void child_main(const struct rt_spec *s, int syncfd,
                                          const struct child_io *io, const void *bpf,
                                          size_t bpf_len);

/* The last steps, shared by a container's PID 1 and an exec'd process:
 * rlimits, user, HOME, capabilities, seccomp, working dir, then SYNC_READY
 * (carrying the pty master), wait for SYNC_GO, exec. */
struct child_proc {
    const struct rt_plan *p; /* argv, user, group_add, ulimits, caps, cwd, init */
    char **env;              /* the command's env; HOME is added from passwd when absent */
    bool seccomp;            /* load a filter (rt_wants_seccomp) */
    const void *bpf;         /* the filter precompiled (a profile always is), or NULL */
    size_t bpf_len;
    bool mkdir_cwd; /* create a missing working dir (docker run; not exec) */
    int master;     /* pty master for the shim, or -1 */
    /* exec started at once (a vfork-style clone of its shim, which cannot
     * answer before the execve): join these cgroups (cgroup.procs dirs)
     * ourselves instead of waiting for SYNC_CGROUP, and exec right after
     * SYNC_READY instead of waiting for SYNC_GO */
    bool at_once;
    char *const *cgroup_dirs;
};
/* Whether a process of p gets a seccomp filter: not when privileged or
 * seccomp=unconfined. */
static inline bool rt_wants_seccomp(const struct rt_plan *p)
{
    return !p->privileged && p->seccomp != SECCOMP_UNCONFINED;
}
__attribute__((noreturn)) void child_finish(const struct child_proc *cp);

/* An exec'd process (a clone of the exec shim, already in the container's
 * PID namespace): wait SYNC_CGROUP (or join them itself, cp->at_once),
 * join the other namespaces of the container's PID 1 through pidfd, take
 * rootfd (PID 1's root directory, /proc/PID/root) as its root, pty or
 * pipes, then child_finish with cp (cp->p: the container's plan with the
 * exec's argv/env/user/cwd). */
__attribute__((noreturn)) void child_exec_main(const struct child_proc *cp, int pidfd, int rootfd,
                                               int syncfd, const struct child_io *io);

/* The shim's own argv memory. With --init, PID 1 is a copy of the shim, so
 * `ps` in the container would show the shim's command line (a host path);
 * PID 1 rewrites it to read like docker's "/sbin/docker-init -- CMD". */
extern char *child_argv_area;
extern size_t child_argv_len;

/* --init: PID 1 forwards signals to `child`, reaps every zombie, and exits
 * with the command's status (128+signal when it was killed). */
__attribute__((noreturn)) void pid1_init_loop(pid_t child);
