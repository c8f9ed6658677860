/* `minidock-shim exec`: one process joined to a running container. The
 * shim checks that the container's PID 1 is still the process its exec dir
 * names, joins its PID namespace (for children only), forks the process,
 * puts it into the container's cgroups, lets it join the other namespaces
 * and set itself up, tells the daemon, then serves its stdio like a
 * container's and reports the exit code before any stream ends. */
#include "daemon/shim/shim.h"
#include "daemon/runtime/caps.h"
#include "daemon/runtime/child.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/seccomp.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/trim.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXEC_RESULT_TIMEOUT_MS 10000 /* the execve is under way when we get here */
#define HOLD_MS                60000 /* for the daemon's "go" (it attaches first) */

struct exec_shim {
    const char *exec_dir;
    int daemon_fd;
};

/* The container's PID 1 as a pidfd, if it is still the process that
 * started at the time recorded beside its pid (a recycled pid is not it). */
/* A pidfd of the container's PID 1, and (*rootfd) its root directory. */
static int open_pid1(const char *ctr_exec_dir, int *rootfd, struct md_error *err)
{
    _cleanup_free_ char *pidfile = xasprintf("%s/pid", ctr_exec_dir);
    pid_t pid;
    uint64_t start;
    if (util_read_pid_file(pidfile, &pid, &start, NULL) < 0)
        return md_err(err, MD_ECONFLICT, "container is not running");
    _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return md_err(err, MD_ECONFLICT, "container is not running");
    _cleanup_free_ char *root = xasprintf("/proc/%d/root", (int)pid);
    _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* alive after the open: the pid was not reused, the root is PID 1's */
    if (rfd < 0 || !util_proc_alive(pid, start))
        return md_err(err, MD_ECONFLICT, "container is not running");
    *rootfd = steal_fd(&rfd);
    return steal_fd(&fd);
}

/* The exec's process: the container's plan with the exec's settings. */
static void exec_plan_of(struct rt_plan *out, const struct rt_spec *cs,
                         const struct rt_exec_plan *x)
{
    plan_copy(out, &cs->plan);
    strv_free(out->argv);
    out->argv = strv_dup(x->argv);
    if (x->user && x->user[0]) {
        free(out->user);
        out->user = xstrdup(x->user);
    }
    if (x->cwd && x->cwd[0]) {
        free(out->cwd);
        out->cwd = xstrdup(x->cwd);
    }
    out->tty = x->tty;
    out->open_stdin = x->open_stdin;
    out->privileged = x->privileged || cs->plan.privileged;
    out->console_h = x->console_h;
    out->console_w = x->console_w;
    out->init = false;
}

/* The container's seccomp filter for the process's capabilities, compiled
 * once per container (it takes milliseconds) and kept beside its spec;
 * NULL lets the process compile it itself. */
static char *cached_filter(const struct rt_exec_plan *x, const struct rt_plan *p, size_t *len)
{
    uint64_t caps;
    struct md_error e = {0};
    if (caps_compute(p->privileged, p->cap_add, p->cap_drop, &caps, &e) < 0) {
        md_err_clear(&e);
        return NULL;
    }
    _cleanup_free_ char *path =
        xasprintf("%s/seccomp-%016llx.bpf", x->ctr_exec_dir, (unsigned long long)caps);
    if (seccomp_export_cached(path, caps, &e) < 0) {
        log_warn("%s", md_err_msg(&e));
        md_err_clear(&e);
        return NULL;
    }
    return fs_read_file(path, len);
}

/* The exec'd process is a vfork-style clone (no copy of our memory, and
 * we wait while it sets up: it joins its cgroups itself and execs without
 * waiting for "go"), so it runs on this stack, never at the same time as
 * we do. Its output waits in the shim until "go" (io->hold). */
static char vfork_stack[256 * 1024] __attribute__((aligned(64)));

struct vfork_args {
    const struct child_proc *cp;
    int pidfd, rootfd, sync, other;
    const struct child_io *cio;
};

static int exec_child(void *arg)
{
    const struct vfork_args *a = arg;
    close(a->other); /* our own fd table: the shim keeps its end */
    child_exec_main(a->cp, a->pidfd, a->rootfd, a->sync, a->cio);
}

/* After SYNC_READY the process has already exec'd, or failed to: its sync
 * socket closed on the execve (CLOEXEC), or it sent SYNC_ERROR. "go" will
 * answer with that, like after a release. */
static int exec_result(struct shim_io *io, struct md_error *e)
{
    char type = 0;
    int err = 0, fd = -1;
    _cleanup_free_ char *msg = NULL;
    int r = shim_recv_timeout(io->sync_fd, &type, &err, &msg, &fd, EXEC_RESULT_TIMEOUT_MS);
    if (fd >= 0)
        close(fd);
    if (r < 0)
        return md_errno(e, errno, "wait for the exec process");
    io->released = io->exec_done = true;
    if (r == 1 && type == SYNC_ERROR) {
        io->exec_errno = err ? err : EINVAL;
        io->exec_msg = steal_ptr(&msg);
    }
    close(io->sync_fd);
    io->sync_fd = -1;
    io->hold = true;
    io->hold_deadline = util_mono_ms() + HOLD_MS;
    return 0;
}

/* Before the clients' streams end: the exit file, then the daemon. */
static void on_exit_cb(struct shim_io *io, void *arg)
{
    struct exec_shim *x = arg;
    shim_write_exit(x->exec_dir, io, false);
    char line[32];
    snprintf(line, sizeof line, "exit %d\n", shim_exit_code(io->status));
    shim_tell_daemon(x->daemon_fd, line);
}

static int fail_setup(int daemon_fd, struct md_error *e)
{
    shim_tell_error(daemon_fd, e);
    md_err_clear(e);
    return -1;
}

int shim_run_exec(const char *exec_dir, int daemon_fd)
{
    struct md_error e = {0};
    fcntl(daemon_fd, F_SETFD, FD_CLOEXEC);
    shim_signals();

    _cleanup_free_ char *xpath = xasprintf("%s/spec", exec_dir);
    _cleanup_free_ char *xtext = fs_read_file(xpath, NULL);
    if (!xtext) {
        md_errno(&e, errno, "read %s", xpath);
        return fail_setup(daemon_fd, &e);
    }
    struct rt_exec_plan x;
    if (exec_spec_parse(xtext, &x, &e) < 0)
        return fail_setup(daemon_fd, &e);
    _cleanup_free_ char *cpath = xasprintf("%s/spec", x.ctr_exec_dir);
    _cleanup_free_ char *ctext = fs_read_file(cpath, NULL);
    struct rt_spec cs;
    if (!ctext) {
        md_err(&e, MD_ECONFLICT, "container is not running");
        exec_plan_clear(&x);
        return fail_setup(daemon_fd, &e);
    }
    if (spec_parse(ctext, &cs, &e) < 0) {
        exec_plan_clear(&x);
        return fail_setup(daemon_fd, &e);
    }
    _cleanup_close_ int rootfd = -1;
    _cleanup_close_ int pidfd = open_pid1(x.ctr_exec_dir, &rootfd, &e);
    _cleanup_free_ char *shim_pid = xasprintf("%s/shim.pid", exec_dir);
    int r = pidfd < 0 ? -1
                      : util_write_pid_file(shim_pid, getpid(), util_proc_start_time(getpid()), &e);
    struct shim_io io = {
        .tty = x.tty,
        .open_stdin = x.open_stdin,
        .stdin_once = true, /* docker closes an exec's stdin at the client's EOF */
        .stdin_fd = -1,
        .out_fd = {-1, -1},
        .log_fd = -1, /* exec output is not the container's log */
        .sync_fd = -1,
        .winsize_fd = -1,
        .sig_fd = -1,
    };
    if (r == 0)
        r = io.listen_fd = shim_listen_attach(exec_dir, &e);
    struct child_io cio = {-1, -1, -1};
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (r >= 0 && !x.tty) {
        r = shim_make_pipes(x.open_stdin, in, out, errp, &e);
        cio = (struct child_io){in[0], out[1], errp[1]};
    }
    int sp[2] = {-1, -1};
    if (r >= 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        r = md_errno(&e, errno, "socketpair");
    /* children are born in the container's PID namespace from here on */
    if (r >= 0 && setns(pidfd, CLONE_NEWPID) < 0)
        r = md_errno(&e, errno, "join the PID namespace of the container");
    if (r < 0) {
        spec_free(&cs);
        exec_plan_clear(&x);
        return fail_setup(daemon_fd, &e);
    }
    struct rt_plan plan;
    exec_plan_of(&plan, &cs, &x);
    struct child_proc cp = {.p = &plan,
                            .env = exec_env(cs.plan.env, cs.plan.hostname, x.tty, x.env),
                            .seccomp = rt_wants_seccomp(&cs.plan),
                            .master = -1};
    /* a profile: the container's, as compiled for PID 1 (none read: the
     * process fails, rather than fall back to the default filter) */
    _cleanup_free_ char *bpf = NULL;
    if (cp.seccomp && cs.plan.seccomp == SECCOMP_PROFILE)
        bpf = cs.seccomp_bpf ? fs_read_file(cs.seccomp_bpf, &cp.bpf_len) : NULL;
    else if (cp.seccomp)
        bpf = cached_filter(&x, &plan, &cp.bpf_len);
    cp.bpf = bpf;
    cp.at_once = true;
    cp.cgroup_dirs = cs.cgroup_dirs;
    struct vfork_args va = {
        .cp = &cp, .pidfd = pidfd, .rootfd = rootfd, .sync = sp[1], .other = sp[0], .cio = &cio};
    pid_t pid =
        clone(exec_child, vfork_stack + sizeof vfork_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &va);
    if (pid < 0) {
        md_errno(&e, errno, "start the exec process");
        return fail_setup(daemon_fd, &e);
    }
    strv_free(cp.env);
    plan_clear(&plan);
    close(sp[1]);
    io.sync_fd = sp[0];
    io.pid = pid;
    if (!x.tty) {
        close(in[0]);
        close(out[1]);
        close(errp[1]);
        io.stdin_fd = in[1];
        io.out_fd[0] = out[0];
        io.out_fd[1] = errp[0];
        if (io.stdin_fd >= 0)
            shim_set_nonblock(io.stdin_fd);
        shim_set_nonblock(io.out_fd[0]);
        shim_set_nonblock(io.out_fd[1]);
    }
    _cleanup_free_ char *pidfile = xasprintf("%s/pid", exec_dir);
    if (shim_wait_ready(&cs, x.tty, "exec process", &io, NULL, true, &e) < 0 ||
        exec_result(&io, &e) < 0 ||
        util_write_pid_file(pidfile, pid, util_proc_start_time(pid), &e) < 0) {
        if (io.pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        spec_free(&cs);
        exec_plan_clear(&x);
        return fail_setup(daemon_fd, &e);
    }
    char line[96];
    snprintf(line, sizeof line, "ready %d %llu\n", (int)pid,
             (unsigned long long)util_proc_start_time(pid));
    shim_tell_daemon(daemon_fd, line);
    log_info("exec %.12s in container %.12s: pid %d ready", x.id, cs.plan.id, (int)pid);
    spec_free(&cs);
    struct exec_shim ctx = {.exec_dir = exec_dir, .daemon_fd = daemon_fd};
    io.on_exit = on_exit_cb;
    io.on_exit_arg = &ctx;
    io.trim_late = true;
    r = shim_io_run(&io);
    exec_plan_clear(&x);
    return r;
}

int shim_fork_exec(void *ctr_exec_dir, const char *id, int conn)
{
    _cleanup_free_ char *dir = xasprintf("%s/exec/%s", (const char *)ctr_exec_dir, id);
    _cleanup_free_ char *logpath = xasprintf("%s/shim.log", dir);
    pid_t pid = fork();
    if (pid != 0)
        return pid < 0 ? -1 : 0;
    /* A copy of the container's shim in the middle of its loop: keep only
     * the daemon's connection, as fd 3 like a spawned shim's, and the
     * exec's own log as stderr; never return into that loop. */
    if (conn != 3 && dup2(conn, 3) < 0)
        _exit(1);
    close_range(4, ~0U, 0);
    int fl = fcntl(3, F_GETFL); /* accepted non-blocking */
    if (fl >= 0)
        fcntl(3, F_SETFL, fl & ~O_NONBLOCK);
    /* ps shows the container's "run" command line otherwise: say what we
     * are, as far as that space allows */
    if (child_argv_area && child_argv_len > 1) {
        char *a = child_argv_area;
        size_t cap = child_argv_len - 1, n = 0;
        memset(a, 0, child_argv_len);
        const char *parts[] = {"minidock-shim", "exec", id};
        for (size_t i = 0; i < 3 && n < cap; i++) {
            size_t l = strlen(parts[i]);
            if (l > cap - n)
                l = cap - n;
            memcpy(a + n, parts[i], l);
            n += l + 1;
        }
    }
    int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log >= 0) {
        dup2(log, 2);
        close(log);
    }
    _exit(shim_run_exec(dir, 3) < 0 ? 1 : 0);
}
