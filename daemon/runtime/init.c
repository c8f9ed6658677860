/* Container PID 1 setup, in this order: namespaces (cgroup, net), mount
 * propagation, rootfs mounts, pivot_root, masked paths, hostname, stdio
 * (pty), rlimits, user, capabilities, seccomp, then wait for release and
 * exec with the PATH lookup done inside the container. An exec'd process
 * (child_exec_main) joins PID 1's namespaces instead of making its own,
 * then shares the steps from rlimits on (child_finish). */
#include "daemon/runtime/child.h"
#include "daemon/runtime/caps.h"
#include "daemon/runtime/lookup.h"
#include "daemon/runtime/mounts.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/seccomp.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/user.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SYNC_FD 3

char *child_argv_area;
size_t child_argv_len;

static void set_init_title(char *const *argv)
{
    prctl(PR_SET_NAME, "docker-init", 0, 0, 0);
    if (!child_argv_area || child_argv_len < 2)
        return;
    memset(child_argv_area, 0, child_argv_len);
    size_t off = 0;
    const char *head[] = {"/sbin/docker-init", "--"};
    for (size_t i = 0; i < 2 + strv_len(argv); i++) {
        const char *a = i < 2 ? head[i] : argv[i - 2];
        size_t n = strlen(a);
        if (off + n + 1 >= child_argv_len)
            break;
        memcpy(child_argv_area + off, a, n);
        off += n + 1;
    }
}

__attribute__((noreturn)) static void fail(struct md_error *e, int code)
{
    sync_send(SYNC_FD, SYNC_ERROR, e->err ? e->err : EINVAL, md_err_msg(e), -1);
    _exit(code);
}

static int wait_for(char want, struct md_error *err)
{
    char type = 0;
    int e = 0, fd = -1;
    _cleanup_free_ char *msg = NULL;
    int r = sync_recv(SYNC_FD, &type, &e, &msg, &fd);
    if (fd >= 0)
        close(fd);
    if (r <= 0)
        return md_err(err, r == 0 ? EPIPE : errno, "the shim went away");
    if (type != want)
        return md_err(err, EPROTO, "sync: expected '%c', got '%c'", want, type);
    return 0;
}

static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            signal(s, SIG_DFL);
}

/* Keep stdio, the sync socket (moved to fd 3) and keep (moved to fd 4, if
 * >= 0); close everything else the shim had open (listening socket, log
 * file, other containers' fds). */
/* stdio from io, the sync socket at SYNC_FD, up to two more kept at SYNC_FD + 1
 * and + 2 (-1: none), every other fd closed */
static void setup_fds(int syncfd, const struct child_io *io, int keep, int keep2)
{
    /* out of the way first: a dup2 below may land on the number one of them has */
    if (keep >= 0)
        keep = fcntl(keep, F_DUPFD_CLOEXEC, SYNC_FD + 64);
    if (keep2 >= 0)
        keep2 = fcntl(keep2, F_DUPFD_CLOEXEC, SYNC_FD + 64);
    if (io->in >= 0) {
        dup2(io->in, 0);
        dup2(io->out, 1);
        dup2(io->err, 2);
    }
    if (syncfd != SYNC_FD) {
        dup2(syncfd, SYNC_FD);
    }
    fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC);
    if (keep >= 0)
        dup3(keep, SYNC_FD + 1, O_CLOEXEC);
    if (keep2 >= 0)
        dup3(keep2, SYNC_FD + 2, O_CLOEXEC);
    close_range(SYNC_FD + (keep2 >= 0 ? 3 : keep >= 0 ? 2 : 1), ~0U, 0);
}

static int lo_up(struct md_error *err)
{
    _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return md_errno(err, errno, "socket");
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return md_errno(err, errno, "get flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        return md_errno(err, errno, "set lo up");
    return 0;
}

static int join_netns(const char *path, struct md_error *err)
{
    if (!path)
        return lo_up(err); /* cloned with CLONE_NEWNET */
    if (!strcmp(path, "host"))
        return 0;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open network namespace %s", path);
    if (setns(fd, CLONE_NEWNET) < 0)
        return md_errno(err, errno, "join network namespace %s", path);
    return 0;
}

/* IpcMode container:X (a new namespace came from clone otherwise, or
 * none at all for host). */
static int join_ipcns(const char *path, struct md_error *err)
{
    if (!path || !strcmp(path, "host"))
        return 0;
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open IPC namespace %s", path);
    if (setns(fd, CLONE_NEWIPC) < 0)
        return md_errno(err, errno, "join IPC namespace %s", path);
    return 0;
}

/* HostConfig.Sysctls, through our own /proc (after pivot_root, before
 * /proc/sys turns read-only): the kernel applies each to the writer's
 * IPC or network namespace, the container's. */
static int write_sysctls(char *const *kv, struct md_error *err)
{
    for (; kv && kv[0] && kv[1]; kv += 2) {
        _cleanup_free_ char *path = xasprintf("/proc/sys/%s", kv[0]);
        for (char *c = path + strlen("/proc/sys/"); *c; c++)
            if (*c == '.')
                *c = '/';
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || write(fd, kv[1], strlen(kv[1])) < 0)
            return md_errno(err, errno, "write sysctl %s=%s", kv[0], kv[1]);
    }
    return 0;
}

static int set_oom_score_adj(int adj, struct md_error *err)
{
    char v[16];
    snprintf(v, sizeof v, "%d", adj);
    _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, v, strlen(v)) < 0)
        return md_errno(err, errno, "set oom_score_adj %d", adj);
    return 0;
}

/* With a tty, the pty is created inside the container's devpts instance so
 * the container sees /dev/pts/N and `tty` works; the master goes to the
 * shim. PID 1's is also its /dev/console. Returns the master fd. */
static int setup_pty(const struct rt_plan *p, bool console, struct md_error *err)
{
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return md_errno(err, errno, "open /dev/ptmx");
    if (unlockpt(master) < 0)
        return md_errno(err, errno, "unlockpt");
    char name[64];
    if (ptsname_r(master, name, sizeof name) != 0)
        return md_errno(err, errno, "ptsname");
    int slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0)
        return md_errno(err, errno, "open %s", name);
    if (p->console_h && p->console_w) {
        struct winsize ws = {.ws_row = p->console_h, .ws_col = p->console_w};
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
            return md_errno(err, errno, "set the console size");
    }
    if (console && mnt_console(name, err) < 0)
        return -1;
    if (setsid() < 0)
        return md_errno(err, errno, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return md_errno(err, errno, "set the controlling terminal");
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0)
            return md_errno(err, errno, "dup2 the pty");
    if (slave > 2)
        close(slave);
    return master;
}

static int set_rlimits(const struct rt_plan *p, struct md_error *err)
{
    for (size_t i = 0; i < p->nulimits; i++) {
        const struct rt_ulimit *u = &p->ulimits[i];
        struct rlimit cur, want = {.rlim_cur = u->soft, .rlim_max = u->hard};
        if (getrlimit(u->resource, &cur) < 0)
            return md_errno(err, errno, "getrlimit %d", u->resource);
        /* raising the hard limit needs CAP_SYS_RESOURCE: never try */
        if (cur.rlim_max != RLIM_INFINITY &&
            (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max))
            want.rlim_max = cur.rlim_max;
        if (want.rlim_cur > want.rlim_max)
            want.rlim_cur = want.rlim_max;
        if (setrlimit(u->resource, &want) < 0)
            return md_errno(err, errno, "setrlimit %d", u->resource);
    }
    return 0;
}

static int resolve_user(const struct rt_plan *p, struct rt_user *u, struct md_error *err)
{
    /* the container's files: its image or an earlier run may have put a
     * FIFO there, and a hung PID 1 holds its start for two minutes */
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return md_errno(err, errno, "open /");
    return user_resolve_in(root, p->user, p->group_add, u, err);
}

static bool env_has(char *const *env, const char *key)
{
    size_t n = strlen(key);
    for (; env && *env; env++)
        if (!strncmp(*env, key, n) && (*env)[n] == '=')
            return true;
    return false;
}

static const char *env_get(char *const *env, const char *key)
{
    size_t n = strlen(key);
    for (; env && *env; env++)
        if (!strncmp(*env, key, n) && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

/* docker's defaults (PATH, HOSTNAME, TERM with a tty) under Config.Env,
 * where "K" without '=' unsets K rather than passing it on: the same
 * environment an exec starts from. HOME (from passwd) is child_finish's. */
static char **container_env(const struct rt_plan *p)
{
    return exec_env(p->env, p->hostname, p->tty, NULL);
}

struct exec_ctx {
    const struct rt_plan *p;
    char **env;
    uint64_t caps;
    bool seccomp_late;
    const void *bpf; /* the filter precompiled, or NULL */
    size_t bpf_len;
};

static int apply_filter(const struct exec_ctx *x, struct md_error *err)
{
    if (x->bpf)
        return seccomp_load_bpf(x->bpf, x->bpf_len, err);
    /* a profile is compiled by the daemon; never fall back to the default */
    if (x->p->seccomp == SECCOMP_PROFILE)
        return md_err(err, MD_EINTERNAL, "the compiled seccomp profile could not be read");
    return seccomp_apply_default(x->caps, err);
}

/* Find the command in the container and exec it; on failure report and
 * exit with docker's code. */
__attribute__((noreturn)) static void exec_command(const struct exec_ctx *x)
{
    const struct rt_plan *p = x->p;
    struct md_error e = {0};
    _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_free_ char *path = NULL;
    if (root < 0) {
        md_errno(&e, errno, "open /");
        fail(&e, 127);
    }
    if (rt_lookup_path(root, p->cwd, p->argv[0], env_get(x->env, "PATH"), &path, &e) < 0)
        fail(&e, rt_exec_error_code(e.err));
    if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        md_errno(&e, errno, "set no_new_privs");
        fail(&e, 127);
    }
    /* with no_new_privs the filter needs no privilege: the last step */
    if (x->seccomp_late && apply_filter(x, &e) < 0)
        fail(&e, 127);
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    umask(022);
    reset_signals();
    execve(path, p->argv, x->env);
    int saved = errno;
    if (saved == ENOENT)
        md_err(&e, saved, "exec: \"%s\": stat %s: no such file or directory", p->argv[0], path);
    else
        md_err(&e, saved, "exec: \"%s\": %s", p->argv[0],
               saved == EACCES ? "permission denied" : strerror(saved));
    fail(&e, rt_exec_error_code(saved));
}

void child_main(const struct rt_spec *s, int syncfd, const struct child_io *io, const void *bpf,
                size_t bpf_len)
{
    const struct rt_plan *p = &s->plan;
    struct md_error e = {0};
    setup_fds(syncfd, io, -1, -1);
    /* if the shim dies before we exec, so do we */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    umask(0);
    if (wait_for(SYNC_CGROUP, &e) < 0)
        fail(&e, 1);
    /* now inside the container's cgroups: make them our cgroup root */
    if (unshare(CLONE_NEWCGROUP) < 0) {
        md_errno(&e, errno, "unshare the cgroup namespace");
        fail(&e, 1);
    }
    if (join_netns(p->netns_path, &e) < 0 || join_ipcns(p->ipcns_path, &e) < 0)
        fail(&e, 1);
    /* always, as docker (0 too: not the shim's value, which came from the
     * daemon's); before the capabilities go, lowering needs CAP_SYS_RESOURCE */
    if (set_oom_score_adj(p->oom_score_adj, &e) < 0)
        fail(&e, 1);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        md_errno(&e, errno, "make mounts private");
        fail(&e, 1);
    }
    _cleanup_free_ char *merged = xasprintf("%s/merged", p->rootfs_dir);
    /* a mount of our own for the rootfs, so nothing we do touches the
     * daemon's overlay mount */
    if (mount(merged, merged, NULL, MS_BIND | MS_REC, NULL) < 0) {
        md_errno(&e, errno, "bind the rootfs %s", merged);
        fail(&e, 1);
    }
    _cleanup_close_ int root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        md_errno(&e, errno, "open the rootfs %s", merged);
        fail(&e, 1);
    }
    if (mnt_setup_rootfs(s, root, &e) < 0 || mnt_pivot_root(root, &e) < 0 ||
        write_sysctls(p->sysctls, &e) < 0 || mnt_finish(s, &e) < 0)
        fail(&e, 1);
    /* --uts host: the host's name stays */
    if (p->hostname && !p->utsns_path && sethostname(p->hostname, strlen(p->hostname)) < 0) {
        md_errno(&e, errno, "sethostname %s", p->hostname);
        fail(&e, 1);
    }
    if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0) {
        md_errno(&e, errno, "setdomainname %s", p->domainname);
        fail(&e, 1);
    }
    int master = -1;
    if (p->tty) {
        master = setup_pty(p, true, &e);
        if (master < 0)
            fail(&e, 1);
    } else if (setsid() < 0) {
        md_errno(&e, errno, "setsid");
        fail(&e, 1);
    }
    struct child_proc cp = {.p = p,
                            .env = container_env(p),
                            .seccomp = rt_wants_seccomp(p),
                            .bpf = bpf,
                            .bpf_len = bpf_len,
                            .mkdir_cwd = true,
                            .master = master};
    child_finish(&cp);
}

void child_finish(const struct child_proc *cp)
{
    const struct rt_plan *p = cp->p;
    struct md_error e = {0};
    int master = cp->master;
    if (set_rlimits(p, &e) < 0)
        fail(&e, 1);
    struct rt_user u;
    if (resolve_user(p, &u, &e) < 0)
        fail(&e, 1);
    const char *cwd = p->cwd && p->cwd[0] ? p->cwd : "/";
    if (cp->mkdir_cwd && fs_mkdir_p(cwd, 0755, &e) < 0) {
        md_err_wrap(&e, "create the working directory %s", cwd);
        fail(&e, 1);
    }
    struct exec_ctx x = {.p = p, .env = strv_dup(cp->env), .bpf = cp->bpf, .bpf_len = cp->bpf_len};
    if (!env_has(x.env, "HOME")) {
        _cleanup_free_ char *h = xasprintf("HOME=%s", u.home);
        strv_push(&x.env, h);
    }
    if (caps_compute(p->privileged, p->cap_add, p->cap_drop, &x.caps, &e) < 0)
        fail(&e, 1);
    /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which is
     * about to go: load it now (the rest of setup only uses allowed calls). */
    if (cp->seccomp && !p->no_new_privs && apply_filter(&x, &e) < 0)
        fail(&e, 1);
    x.seccomp_late = cp->seccomp && p->no_new_privs;
    bool cwd_done = chdir(cwd) == 0;
    if (caps_drop_bounding(x.caps, &e) < 0)
        fail(&e, 1);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
        md_errno(&e, errno, "keep capabilities");
        fail(&e, 1);
    }
    if (setgroups(u.ngroups, u.groups) < 0) {
        md_errno(&e, errno, "setgroups");
        fail(&e, 1);
    }
    if (setresgid(u.gid, u.gid, u.gid) < 0) {
        md_errno(&e, errno, "setgid %u", (unsigned)u.gid);
        fail(&e, 1);
    }
    if (setresuid(u.uid, u.uid, u.uid) < 0) {
        md_errno(&e, errno, "setuid %u", (unsigned)u.uid);
        fail(&e, 1);
    }
    if (caps_apply(x.caps, &e) < 0)
        fail(&e, 1);
    /* a directory only the user can enter: try again as the user */
    if (!cwd_done && chdir(cwd) < 0) {
        int en = errno;
        md_err(&e, en, "chdir to cwd (\"%s\") set in config.json failed: %s", cwd,
               rt_go_strerror(en));
        fail(&e, 1);
    }
    if (sync_send(SYNC_FD, SYNC_READY, 0, NULL, master) < 0)
        _exit(1);
    if (master >= 0)
        close(master);
    if (!cp->at_once && wait_for(SYNC_GO, &e) < 0)
        fail(&e, 1);
    if (!p->init)
        exec_command(&x);

    /* --init: the command runs as our child; we stay as a tiny PID 1 */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid < 0) {
        md_errno(&e, errno, "fork the command");
        fail(&e, 1);
    }
    if (pid == 0) {
        /* own process group, in the foreground of the tty, so ^C reaches
         * the command; SIGTTOU is blocked, so tcsetpgrp is allowed */
        setpgid(0, 0);
        if (p->tty)
            tcsetpgrp(0, getpid());
        exec_command(&x);
    }
    close(SYNC_FD); /* the command's copy closes on exec: that is the success signal */
    set_init_title(p->argv);
    pid1_init_loop(pid);
}

/* The container's cgroups, from the host's view (before setns): "0" in
 * cgroup.procs moves the writer. */
static int join_cgroups(char *const *dirs, struct md_error *err)
{
    for (char *const *d = dirs; d && *d; d++) {
        _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", *d);
        _cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1)
            return md_errno(err, errno, "join cgroup: write %s", procs);
    }
    return 0;
}

void child_exec_main(const struct child_proc *cp, int pidfd, int rootfd, int syncfd,
                     const struct child_io *io)
{
    const struct rt_plan *p = cp->p;
    struct md_error e = {0};
    setup_fds(syncfd, io, pidfd, rootfd);
    pidfd = SYNC_FD + 1;
    rootfd = SYNC_FD + 2;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    umask(0);
    if (cp->at_once ? join_cgroups(cp->cgroup_dirs, &e) : wait_for(SYNC_CGROUP, &e))
        fail(&e, 1);
    /* Every namespace of the container's PID 1 at once (the PID namespace
     * was the shim's to join: it only takes effect for children, which is
     * what we are). */
    if (setns(pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP) <
        0) {
        md_errno(&e, errno, "join the namespaces of the container");
        fail(&e, 1);
    }
    close(pidfd);
    /* Joining a mount namespace moves our root to the namespace's root mount.
     * That is the container's rootfs only when PID 1's pivot_root made it so;
     * when the daemon itself runs chroot'ed, pivot_root swaps the chroot's
     * mount and the namespace's root stays the host's /. PID 1's own root
     * directory is the container's in every case: take it. */
    if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
        md_errno(&e, errno, "enter the container's root directory");
        fail(&e, 1);
    }
    close(rootfd);
    int master = -1;
    if (p->tty) {
        master = setup_pty(p, false, &e);
        if (master < 0)
            fail(&e, 1);
    } else if (setsid() < 0) {
        md_errno(&e, errno, "setsid");
        fail(&e, 1);
    }
    struct child_proc mine = *cp;
    mine.master = master;
    child_finish(&mine);
}
