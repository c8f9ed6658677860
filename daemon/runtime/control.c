/* Daemon side of a running container: signals, pause, exit records,
 * reconnecting after a daemon restart, stats and cleanup. */
#include "daemon/runtime/runtime.h"
#include "daemon/runtime/cgroup.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A pidfd for pid, checked to be the process that started at `start`
 * (0 = unchecked): the pidfd pins the process, so a match after opening it
 * cannot be a recycled pid. */
static int open_checked(pid_t pid, uint64_t start, struct md_error *err)
{
    if (pid <= 0)
        return md_err(err, MD_ECONFLICT, "container is not running");
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) {
        if (errno == ESRCH)
            return md_err(err, MD_ECONFLICT, "container is not running");
        return md_errno(err, errno, "pidfd_open %d", (int)pid);
    }
    if (start && util_proc_start_time(pid) != start) {
        close(fd);
        return md_err(err, MD_ECONFLICT, "container is not running (pid %d was reused)", (int)pid);
    }
    return fd;
}

int rt_kill(const struct rt_state *st, int sig, struct md_error *err)
{
    _cleanup_close_ int fd = open_checked(st->pid, st->pid_start, err);
    if (fd < 0)
        return -1;
    if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0) {
        if (errno == ESRCH)
            return md_err(err, MD_ECONFLICT, "container is not running");
        return md_errno(err, errno, "send signal %d to %d", sig, (int)st->pid);
    }
    return 0;
}

int rt_watch(const struct rt_state *st, struct md_error *err)
{
    return open_checked(st->shim_pid, st->shim_start, err);
}

int rt_freeze(const char *id, const char *cgroup_parent, bool freeze, struct md_error *err)
{
    struct cg_paths cg;
    if (cgroup_paths(id, cgroup_parent, &cg, err) < 0)
        return -1;
    int r = cgroup_freeze(&cg, freeze, err);
    cgroup_paths_free(&cg);
    if (r < 0)
        return md_err_wrap(err, "%s container %.12s", freeze ? "pause" : "unpause", id);
    return 0;
}

int rt_update_limits(const char *id, const char *cgroup_parent, const struct rt_limits *l,
                     struct md_error *err)
{
    struct cg_paths cg;
    if (cgroup_paths(id, cgroup_parent, &cg, err) < 0)
        return -1;
    int r = cgroup_update(&cg, l, err);
    cgroup_paths_free(&cg);
    return r;
}

int rt_stats(const char *id, const char *cgroup_parent, struct rt_stats *out, struct md_error *err)
{
    struct cg_paths cg;
    if (cgroup_paths(id, cgroup_parent, &cg, err) < 0)
        return -1;
    int r = cgroup_stats(&cg, out, err);
    cgroup_paths_free(&cg);
    return r;
}

int rt_read_exit(const char *exec_dir, struct rt_exit *ex, struct md_error *err)
{
    memset(ex, 0, sizeof *ex);
    _cleanup_free_ char *path = xasprintf("%s/exit", exec_dir);
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    if (!s) {
        if (errno == ENOENT)
            return md_err(err, MD_ENOTFOUND, "no exit record in %s", exec_dir);
        return md_errno(err, errno, "read %s", path);
    }
    int code = -1, oom = 0;
    long long fin = 0;
    if (sscanf(s, "code %d\noom_killed %d\nfinished_ns %lld", &code, &oom, &fin) != 3 || code < 0)
        return md_err(err, EINVAL, "%s: malformed exit record", path);
    ex->code = code;
    ex->oom_killed = oom != 0;
    ex->finished_ns = fin;
    return 0;
}

/* PPid of pid from /proc/<pid>/status, 0 if unknown. */
static pid_t parent_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    const char *p = s ? strstr(s, "\nPPid:") : NULL;
    return p ? (pid_t)atoi(p + 6) : 0;
}

int rt_reconnect(const char *exec_dir, struct rt_state *st, struct md_error *err)
{
    memset(st, 0, sizeof *st);
    _cleanup_free_ char *sp = xasprintf("%s/shim.pid", exec_dir);
    _cleanup_free_ char *pp = xasprintf("%s/pid", exec_dir);
    pid_t shim, pid;
    uint64_t shim_start, pid_start;
    if (util_read_pid_file(sp, &shim, &shim_start, NULL) < 0)
        return md_err(err, MD_ENOTFOUND, "no shim recorded in %s", exec_dir);
    /* a zombie shim (exited while nobody reaped it yet) is gone too */
    if (!shim_start || !util_proc_alive(shim, shim_start))
        return md_err(err, MD_ENOTFOUND, "the shim of %s is gone", exec_dir);
    if (util_read_pid_file(pp, &pid, &pid_start, NULL) < 0)
        return md_err(err, MD_ENOTFOUND, "the container in %s never finished starting", exec_dir);
    st->shim_pid = shim;
    st->shim_start = shim_start;
    st->pid = pid;
    st->pid_start = pid_start;
    /* the container may be gone while the shim finishes its exit record:
     * that is still "ours"; a live pid must be the shim's child */
    if (util_proc_start_time(pid) == pid_start && parent_of(pid) != shim) {
        memset(st, 0, sizeof *st);
        return md_err(err, MD_ENOTFOUND, "pid %d in %s is not the shim's child", (int)pid,
                      exec_dir);
    }
    return 0;
}

static void keep_first(struct md_error *first, struct md_error *e)
{
    if (!first->msg && e->msg) {
        *first = *e;
        e->msg = NULL;
    }
    md_err_clear(e);
}

/* The execs' shims (exec_dir/exec/<id>): their processes died with the
 * container; each shim still writes the exit and lets its clients go. It
 * must be gone before exec_dir is removed under it. */
static void stop_exec_shims(const char *exec_dir)
{
    _cleanup_free_ char *dir = xasprintf("%s/exec", exec_dir);
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *one = xasprintf("%s/%s", dir, de->d_name);
        util_stop_shim(one, 3000);
    }
}

int rt_cleanup(const char *id, const char *rootfs_dir, const char *exec_dir,
               const char *cgroup_parent, struct md_error *err)
{
    struct md_error first = {0}, e = {0};
    struct cg_paths cg;
    bool have_cg = cgroup_paths(id, cgroup_parent, &cg, &e) == 0;
    if (!have_cg)
        keep_first(&first, &e);
    /* whatever is left in the container goes first, so the shim sees PID 1
     * exit and writes the exit record */
    if (have_cg && cgroup_kill(&cg, &e) < 0)
        keep_first(&first, &e);
    /* the shim needs neither the cgroup nor the rootfs: those go while it
     * finishes its own exit (it told us of PID 1's before that) */
    if (have_cg) {
        if (cgroup_destroy(&cg, &e) < 0)
            keep_first(&first, &e);
        cgroup_paths_free(&cg);
    }
    if (rootfs_dir && rt_rootfs_umount(rootfs_dir, &e) < 0)
        keep_first(&first, &e);
    if (exec_dir) {
        util_stop_shim(exec_dir, 3000);
        stop_exec_shims(exec_dir);
    }
    if (exec_dir && fs_rm_rf(exec_dir, &e) < 0)
        keep_first(&first, &e);
    if (first.msg) {
        if (err) {
            md_err_clear(err);
            *err = first;
        } else {
            md_err_clear(&first);
        }
        return md_err_wrap(err, "clean up container %.12s", id);
    }
    return 0;
}
