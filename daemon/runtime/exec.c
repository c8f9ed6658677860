/* Daemon side of `docker exec`: write the exec spec, spawn an exec shim,
 * wait until the process is set up inside the container, release it, read
 * its exit, clean up. The in-container half is child_exec_main (init.c),
 * the shim half daemon/shim/exec.c. */
#include "daemon/runtime/runtime.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/shimctl.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/user.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXEC_PREPARE_TIMEOUT_MS 70000 /* the shim gives the process 60 s */

/* The container's shim forks the exec's shim (proto.h, "exec"): a fork of
 * a small running process instead of starting the shim binary afresh,
 * which is most of an exec's latency where exec(2) and page faults are
 * dear. The connection then answers like a spawned shim's fd 3. -1: ask
 * for a spawned one: the shim is gone, the dir is not the usual one, or the
 * shim runs another binary than ours (started before an upgrade: its code
 * may not read today's exec spec). */
static int fork_from_container_shim(const struct rt_exec_plan *p, const struct rt_state *ctr)
{
    _cleanup_free_ char *usual = xasprintf("%s/exec/%s", p->ctr_exec_dir, p->id);
    if (strcmp(usual, p->exec_dir) || !rt_shim_is_current(ctr->shim_pid))
        return -1;
    struct md_error e = {0};
    int fd = rt_shim_connect(p->ctr_exec_dir, &e);
    md_err_clear(&e);
    if (fd < 0)
        return -1;
    char cmd[80];
    snprintf(cmd, sizeof cmd, "exec %s\n", p->id);
    if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) != (ssize_t)strlen(cmd)) {
        close(fd);
        return -1;
    }
    return fd;
}

int rt_exec_prepare(const struct rt_exec_plan *p, struct rt_state *st, struct md_error *err)
{
    memset(st, 0, sizeof *st);
    if (rt_exec_validate(p, err) < 0)
        return -1;
    struct rt_state ctr;
    struct md_error ignore = {0};
    if (rt_reconnect(p->ctr_exec_dir, &ctr, &ignore) < 0 || ctr.pid <= 0 ||
        !util_proc_alive(ctr.pid, ctr.pid_start)) {
        md_err_clear(&ignore);
        return md_err(err, MD_ECONFLICT, "container is not running");
    }
    if (fs_mkdir_p(p->exec_dir, 0700, err) < 0)
        return -1;
    _cleanup_free_ char *text = exec_spec_format(p);
    _cleanup_free_ char *spec_path = xasprintf("%s/spec", p->exec_dir);
    if (util_write_volatile(spec_path, text, strlen(text), err) < 0) {
        fs_rm_rf(p->exec_dir, NULL);
        return -1;
    }
    int sync = fork_from_container_shim(p, &ctr);
    int r = sync < 0
                ? -1
                : rt_await_ready(sync, p->exec_dir, "exec shim", EXEC_PREPARE_TIMEOUT_MS, st, err);
    /* a shim from before the "exec" command answers "bad request" */
    if (sync >= 0 && r < 0 && err->err == EINVAL && !strcmp(md_err_msg(err), "bad request")) {
        md_err_clear(err);
        close(sync);
        sync = -1;
    }
    if (sync < 0) {
        sync = rt_spawn_shim("exec", p->exec_dir, err);
        if (sync < 0) {
            fs_rm_rf(p->exec_dir, NULL);
            return -1;
        }
        r = rt_await_ready(sync, p->exec_dir, "exec shim", EXEC_PREPARE_TIMEOUT_MS, st, err);
    }
    if (r < 0) {
        close(sync);
        util_stop_shim(p->exec_dir, 2000);
        fs_rm_rf(p->exec_dir, NULL);
        memset(st, 0, sizeof *st);
        return -1;
    }
    return sync;
}

int rt_exec_release(const char *exec_dir, struct md_error *err)
{
    return rt_shim_control(exec_dir, "go\n", err);
}

int rt_exec_read_status(int fd, int *code)
{
    char buf[64];
    ssize_t n;
    do
        n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    buf[n] = 0;
    /* the shim sends the whole line in one write, nothing after it */
    if (sscanf(buf, "exit %d", code) != 1) {
        errno = EPROTO;
        return -1;
    }
    return 1;
}

int rt_exec_cleanup(const char *exec_dir, int grace_ms, struct md_error *err)
{
    util_stop_shim(exec_dir, grace_ms);
    return fs_rm_rf(exec_dir, err);
}

int rt_exec_check_user(const char *rootfs, const char *user, struct md_error *err)
{
    _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return md_errno(err, errno, "open %s", rootfs);
    struct rt_user u;
    if (user_resolve_in(root, user, NULL, &u, err) < 0) {
        err->err = MD_EINVAL;
        return -1;
    }
    user_free(&u);
    return 0;
}
