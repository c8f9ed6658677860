/* `minidock-shim run`: read the spec, clone PID 1 into its namespaces,
 * move it into its cgroups, wait until it is set up, tell the daemon, then
 * serve its stdio until it exits and record the exit. */
#include "daemon/shim/shim.h"
#include "daemon/runtime/child.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SETUP_TIMEOUT_MS 120000

/* "ready <pid> <start>\n" or "err <errno> <message>\n" to the daemon. */
void shim_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    /* the shim outlives its starter: terminal and session signals mean nothing */
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
}

void shim_tell_daemon(int fd, const char *line)
{
    if (fd < 0)
        return;
    size_t n = strlen(line);
    ssize_t r = send(fd, line, n, MSG_NOSIGNAL);
    (void)r;
}

void shim_tell_error(int fd, const struct md_error *e)
{
    _cleanup_free_ char *msg = xstrdup(md_err_msg(e));
    for (char *p = msg; *p; p++)
        if (*p == '\n')
            *p = ' ';
    _cleanup_free_ char *line = xasprintf("err %d %s\n", e->err > 0 ? e->err : EINVAL, msg);
    log_error("%s", msg);
    shim_tell_daemon(fd, line);
}

/* exec_dir/attach.sock, bound relative to exec_dir (our cwd from now on):
 * the full path may not fit in sun_path's 108 bytes. */
int shim_listen_attach(const char *exec_dir, struct md_error *err)
{
    if (chdir(exec_dir) < 0)
        return md_errno(err, errno, "chdir %s", exec_dir);
    struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = "attach.sock"};
    unlink(sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return md_errno(err, errno, "socket");
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
        listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return md_errno(err, e, "listen on %s/attach.sock", exec_dir);
    }
    return fd;
}

void shim_set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int shim_join_cgroups(const struct rt_spec *s, pid_t pid, struct md_error *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%d", (int)pid);
    for (char **d = s->cgroup_dirs; d && *d; d++) {
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", *d);
        if (util_write_file(procs, buf, false, err) < 0)
            return md_err_wrap(err, "join cgroup");
    }
    return 0;
}

static uint64_t oom_count(const char *file)
{
    if (!file)
        return 0;
    _cleanup_free_ char *s = fs_read_file(file, NULL);
    if (!s)
        return 0;
    for (char *l = s; l && *l;) {
        if (!strncmp(l, "oom_kill ", 9))
            return strtoull(l + 9, NULL, 10);
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return 0;
}

/* Wait for one sync message from PID 1, with a timeout. 1: got it; 0: EOF. */
int shim_recv_timeout(int fd, char *type, int *e, char **msg, int *passfd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    return sync_recv(fd, type, e, msg, passfd);
}

void shim_describe_status(struct md_error *e, int st)
{
    if (WIFEXITED(st))
        md_err(e, ECHILD, "container init exited unexpectedly (exit status %d)", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        md_err(e, ECHILD, "container init was killed by signal %d during setup", WTERMSIG(st));
    else
        md_err(e, ECHILD, "container init exited unexpectedly");
}

int shim_exit_code(int status)
{
    return WIFEXITED(status)     ? WEXITSTATUS(status)
           : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                 : 255;
}

int shim_write_exit(const char *exec_dir, const struct shim_io *io, bool oom)
{
    int code = shim_exit_code(io->status);
    _cleanup_free_ char *path = xasprintf("%s/exit", exec_dir);
    _cleanup_free_ char *text = xasprintf("code %d\noom_killed %d\nfinished_ns %lld\n", code,
                                          oom ? 1 : 0, (long long)io->finished_ns);
    struct md_error e = {0};
    if (util_write_volatile(path, text, strlen(text), &e) < 0) {
        log_error("%s", md_err_msg(&e));
        md_err_clear(&e);
        return -1;
    }
    log_info("exited with code %d%s", code, oom ? " (OOM killed)" : "");
    return 0;
}

/* Without a tty: stdin (a pipe with -i, else /dev/null like docker),
 * stdout and stderr pipes. */
int shim_make_pipes(bool open_stdin, int in[2], int out[2], int errp[2], struct md_error *e)
{
    if (open_stdin) {
        if (pipe2(in, O_CLOEXEC) < 0)
            return md_errno(e, errno, "create the stdin pipe");
    } else {
        in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (in[0] < 0)
            return md_errno(e, errno, "open /dev/null");
    }
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
        return md_errno(e, errno, "create the output pipes");
    /* a roomier stdout lets a fast writer run on while we pass its output
     * on (fewer wake-ups); kernel memory, not ours; best effort */
    fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
    return 0;
}

/* Move the process (PID 1 or an exec'd one) into the container's cgroups,
 * let it set itself up, and take the pty master when there is a tty. what
 * names it in messages; oom_base (PID 1 only) gets the OOM count before it
 * runs. On failure io->pid is 0 if it was reaped. */
int shim_wait_ready(const struct rt_spec *spec, bool tty, const char *what, struct shim_io *io,
                    uint64_t *oom_base, bool joined, struct md_error *e)
{
    if (!joined && shim_join_cgroups(spec, io->pid, e) < 0)
        return -1;
    if (oom_base)
        *oom_base = oom_count(spec->oom_file);
    if (!joined && sync_send(io->sync_fd, SYNC_CGROUP, 0, NULL, -1) < 0)
        return md_errno(e, errno, "sync with the %s", what);
    char type = 0;
    int cerr = 0, master = -1;
    _cleanup_free_ char *cmsg = NULL;
    int r = shim_recv_timeout(io->sync_fd, &type, &cerr, &cmsg, &master, SETUP_TIMEOUT_MS);
    if (r < 0)
        return md_errno(e, errno, "wait for the %s", what);
    if (r == 0) {
        int st = 0;
        waitpid(io->pid, &st, 0);
        io->pid = 0;
        shim_describe_status(e, st);
        return -1;
    }
    if (type == SYNC_ERROR)
        return md_err(e, cerr, "%s", cmsg);
    if (type != SYNC_READY)
        return md_err(e, EPROTO, "unexpected sync message '%c' from the %s", type, what);
    if (tty) {
        if (master < 0)
            return md_err(e, EPROTO, "no pty from the %s", what);
        shim_set_nonblock(master);
        io->stdin_fd = master;
        io->out_fd[0] = master;
        io->winsize_fd = master;
    } else if (master >= 0) {
        close(master);
    }
    return 0;
}

/* Make path the PID namespace of our next child; *home gets an fd of our
 * own to return to. */
static int enter_pidns(const char *path, int *home, struct md_error *err)
{
    _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0)
        return md_errno(err, errno, "open PID namespace %s", path);
    int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (own < 0)
        return md_errno(err, errno, "open our PID namespace");
    if (setns(target, CLONE_NEWPID) < 0) {
        close(own);
        return md_errno(err, errno, "join PID namespace %s", path);
    }
    *home = own;
    return 0;
}

int shim_run_container(const char *exec_dir, int daemon_fd)
{
    struct md_error e = {0};
    fcntl(daemon_fd, F_SETFD, FD_CLOEXEC);
    _cleanup_free_ char *spec_path = xasprintf("%s/spec", exec_dir);
    _cleanup_free_ char *text = fs_read_file(spec_path, NULL);
    if (!text) {
        md_errno(&e, errno, "read %s", spec_path);
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    struct rt_spec spec;
    if (spec_parse(text, &spec, &e) < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    const struct rt_plan *p = &spec.plan;

    /* orphans of the container (after its PID 1 dies) come to us */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    shim_signals();

    _cleanup_free_ char *shim_pid = xasprintf("%s/shim.pid", exec_dir);
    if (util_write_pid_file(shim_pid, getpid(), util_proc_start_time(getpid()), &e) < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    struct shim_io io = {
        .tty = p->tty,
        .open_stdin = p->open_stdin,
        .stdin_once = p->stdin_once,
        .stdin_fd = -1,
        .out_fd = {-1, -1},
        .log_fd = -1,
        .sync_fd = -1,
        .winsize_fd = -1,
        .sig_fd = -1,
    };
    if (p->log_path && p->log_path[0] && shim_log_open(&io, p, &e) < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    io.listen_fd = shim_listen_attach(exec_dir, &e);
    if (io.listen_fd < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }

    /* stdio: pipes, or nothing yet with a tty (PID 1 makes the pty inside
     * its own devpts and hands us the master) */
    struct child_io cio = {-1, -1, -1};
    int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    if (!p->tty && shim_make_pipes(p->open_stdin, in, out, errp, &e) < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    if (!p->tty)
        cio = (struct child_io){in[0], out[1], errp[1]};
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
        md_errno(&e, errno, "socketpair");
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    /* the daemon's precompiled filter; without it PID 1 compiles one */
    size_t bpf_len = 0;
    _cleanup_free_ char *bpf = spec.seccomp_bpf ? fs_read_file(spec.seccomp_bpf, &bpf_len) : NULL;
    if (spec.seccomp_bpf && !bpf)
        log_warn("seccomp filter %s: %s", spec.seccomp_bpf, strerror(errno));
    long flags = CLONE_NEWNS | SIGCHLD;
    if (!p->netns_path)
        flags |= CLONE_NEWNET;
    if (!p->pidns_path)
        flags |= CLONE_NEWPID;
    if (!p->ipcns_path)
        flags |= CLONE_NEWIPC;
    if (!p->utsns_path)
        flags |= CLONE_NEWUTS;
    /* PidMode container:X: a PID namespace is only entered by children, so
     * the shim steps into X's for the clone and back out right after */
    int own_pidns = -1;
    if (p->pidns_path && strcmp(p->pidns_path, "host") &&
        enter_pidns(p->pidns_path, &own_pidns, &e) < 0) {
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    /* fork-like clone (no new stack): the child runs child_main on a copy
     * of our memory; the shim is single-threaded, so that is safe */
    pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
    int clone_errno = errno;
    if (pid != 0 && own_pidns >= 0) {
        /* back home: the exec shims we fork must not land in X's namespace */
        if (setns(own_pidns, CLONE_NEWPID) < 0)
            log_warn("return to the shim's PID namespace: %s", strerror(errno));
        close(own_pidns);
    }
    if (pid < 0) {
        md_errno(&e, clone_errno, "clone the container process");
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    if (pid == 0) {
        close(sp[0]);
        child_main(&spec, sp[1], &cio, bpf, bpf_len);
    }
    close(sp[1]);
    io.sync_fd = sp[0];
    io.pid = pid;
    if (!p->tty) {
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

    uint64_t oom_base = 0;
    if (shim_wait_ready(&spec, spec.plan.tty, "container process", &io, &oom_base, false, &e) < 0) {
        if (io.pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    _cleanup_free_ char *pidfile = xasprintf("%s/pid", exec_dir);
    uint64_t start = util_proc_start_time(pid);
    if (util_write_pid_file(pidfile, pid, start, &e) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        shim_tell_error(daemon_fd, &e);
        return -1;
    }
    char line[96];
    snprintf(line, sizeof line, "ready %d %llu\n", (int)pid, (unsigned long long)start);
    shim_tell_daemon(daemon_fd, line);
    /* daemon_fd stays open (fd 3: exec shims we fork replace it with their
     * own connection) until the exit record is written: its EOF tells the
     * daemon, before our own exit has run its course */
    log_info("container %.12s: pid %d ready", p->id, (int)pid);
    io.trim_late = true;
    io.fork_exec = shim_fork_exec;
    io.fork_exec_arg = (void *)exec_dir;

    if (shim_io_run(&io) < 0)
        return -1;
    uint64_t oom_now = oom_count(spec.oom_file);
    shim_write_exit(exec_dir, &io, oom_now > oom_base);
    close(daemon_fd);
    spec_free(&spec);
    return 0;
}
