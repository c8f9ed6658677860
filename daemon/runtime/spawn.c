/* Daemon side of a container start: rt_init, rt_prepare (overlay, cgroup,
 * spec, detached shim) and rt_release. */
#include "daemon/runtime/runtime.h"
#include "daemon/runtime/caps.h"
#include "daemon/runtime/cgroup.h"
#include "daemon/runtime/lookup.h"
#include "daemon/runtime/seccomp.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/shimctl.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PREPARE_TIMEOUT_MS 130000 /* the shim gives PID 1 120 s */
#define REPLY_TIMEOUT_MS   60000

static char *shim_binary;
static char *seccomp_dir; /* rt_seccomp_cache */

int rt_init(const char *cgroup_root, const char *shim_path, struct md_error *err)
{
    if (!shim_path || access(shim_path, X_OK) < 0)
        return md_errno(err, errno, "shim binary %s", shim_path ? shim_path : "(none)");
    if (cgroup_init(cgroup_root ? cgroup_root : "/sys/fs/cgroup", err) < 0)
        return md_err_wrap(err, "cgroups");
    /* Shims are our children (posix_spawn, each in a session of its own):
     * rt_cleanup reaps each one the moment its container is cleaned up. If
     * the daemon dies, they go to init and keep running. As a subreaper we
     * also adopt what a dying shim leaves behind, instead of init (which
     * may be slow to reap). */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        return md_errno(err, errno, "become a child subreaper");
    free(shim_binary);
    shim_binary = xstrdup(shim_path);
    log_info("runtime: cgroup mode %s, shim %s", cgroup_mode_name(), shim_path);
    return 0;
}

void rt_shutdown(const char *cgroup_parent)
{
    cgroup_release_parents(cgroup_parent);
}

/* The cache's file for caps, compiled if missing: its path, or NULL. */
static char *cached_filter(uint64_t caps, struct md_error *err)
{
    char *path = xasprintf("%s/%016llx.bpf", seccomp_dir, (unsigned long long)caps);
    if (seccomp_export_cached(path, caps, err) < 0) {
        free(path);
        return NULL;
    }
    return path;
}

int rt_seccomp_cache(const char *dir, struct md_error *err)
{
    /* emptied: what an older build compiled may differ from ours */
    if (fs_rm_rf(dir, err) < 0 || fs_mkdir_p(dir, 0700, err) < 0)
        return md_err_wrap(err, "seccomp filter cache");
    free(seccomp_dir);
    seccomp_dir = xstrdup(dir);
    /* docker's default capability set, ready before the first start */
    uint64_t caps;
    if (caps_compute(false, NULL, NULL, &caps, err) < 0)
        return -1;
    _cleanup_free_ char *path = cached_filter(caps, err);
    return path ? 0 : -1;
}

/* A --security-opt seccomp=<profile>, compiled for the container's
 * capabilities beside its spec, where its execs find it too. */
static char *profile_filter(const struct rt_plan *p, struct md_error *err)
{
    uint64_t caps;
    if (caps_compute(false, p->cap_add, p->cap_drop, &caps, err) < 0)
        return NULL;
    char *path = xasprintf("%s/seccomp-profile.bpf", p->exec_dir);
    _cleanup_fs_replace_ struct fs_replace r = {.fd = -1};
    if (fs_replace_open(&r, AT_FDCWD, path, 0600, err) < 0 ||
        seccomp_export_profile(p->seccomp_profile, caps, r.fd, err) < 0 ||
        fs_replace_commit(&r, 0, err) < 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* PID 1's filter: NULL with no error when it has none (privileged,
 * seccomp=unconfined) or builds the default itself (no cache, or it cannot
 * be written); a profile that does not compile is an error. The default
 * comes from the cache, compiled the first time a capability set is seen. */
static int seccomp_for(const struct rt_plan *p, char **out, struct md_error *err)
{
    uint64_t caps;
    struct md_error e = {0};
    *out = NULL;
    if (p->privileged || p->seccomp == SECCOMP_UNCONFINED)
        return 0;
    if (p->seccomp == SECCOMP_PROFILE) {
        if (!p->seccomp_profile)
            return md_err(err, MD_EINTERNAL, "seccomp profile missing from the plan");
        *out = profile_filter(p, err);
        return *out ? 0 : md_err_wrap(err, "seccomp profile");
    }
    if (!seccomp_dir || caps_compute(false, p->cap_add, p->cap_drop, &caps, &e) < 0) {
        md_err_clear(&e); /* a bad capability name: PID 1 reports it */
        return 0;
    }
    *out = cached_filter(caps, &e);
    if (!*out) {
        log_warn("%s", md_err_msg(&e));
        md_err_clear(&e);
    }
    return 0;
}

const char *rt_cgroup_mode(void)
{
    return cgroup_mode_name();
}

const char *rt_cgroup_version(void)
{
    /* docker reports hybrid hosts as cgroup v1: the controllers are v1 */
    return cgroup_mode() == CG_UNIFIED ? "2" : "1";
}

/* shimctl.h */
ssize_t rt_read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t len = 0;
    int64_t deadline = util_mono_ms() + timeout_ms;
    while (len + 1 < cap) {
        int left = (int)(deadline - util_mono_ms());
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        /* peek, then take exactly the line: what follows it (an exec's
         * exit status, later) stays in the socket for its reader */
        ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_PEEK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        char *nl = memchr(buf + len, '\n', (size_t)n);
        size_t take = nl ? (size_t)(nl - (buf + len)) + 1 : (size_t)n;
        ssize_t got = recv(fd, buf + len, take, 0);
        if (got < 0)
            return -1;
        len += (size_t)got;
        if (nl && (size_t)got == take) {
            buf[len - 1] = 0;
            return (ssize_t)len;
        }
    }
    buf[len] = 0;
    if (len + 1 >= cap) {
        errno = EMSGSIZE;
        return -1;
    }
    return 0;
}

char *rt_shim_log_tail(const char *exec_dir)
{
    _cleanup_free_ char *path = xasprintf("%s/shim.log", exec_dir);
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    if (!s || !*s)
        return NULL;
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        s[--n] = 0;
    char *last = strrchr(s, '\n');
    return xstrdup(last ? last + 1 : s);
}

int rt_spawn_shim(const char *mode, const char *exec_dir, struct md_error *err)
{
    _cleanup_free_ char *logpath = xasprintf("%s/shim.log", exec_dir);
    char *const argv[] = {"minidock-shim", (char *)mode, (char *)exec_dir, NULL};
    char *const envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          NULL};
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return md_errno(err, errno, "socketpair");
    /* posix_spawn is vfork-like: no copy of the daemon's page tables, which
     * a fork of a big multi-threaded daemon pays on every start and exec.
     * The shim gets a session of its own (POSIX_SPAWN_SETSID), so neither
     * the daemon's terminal nor its death reaches it; as our child it is
     * reaped by rt_cleanup / rt_exec_cleanup (util_stop_shim), and passes
     * to init if the daemon dies. stdin/stdout: /dev/null, stderr: shim.log,
     * fd 3: the sync socket (dup2 clears its CLOEXEC), nothing else. */
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, sp[1], 3);
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int r = sp[1] == 3 ? EBADF : posix_spawn(&pid, shim_binary, &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(sp[1]);
    if (r != 0) {
        close(sp[0]);
        return md_errno(err, r, "start the shim %s", shim_binary);
    }
    return sp[0];
}

bool rt_shim_is_current(pid_t shim_pid)
{
    char exe[64];
    snprintf(exe, sizeof exe, "/proc/%d/exe", (int)shim_pid);
    struct stat a, b;
    return shim_binary && stat(exe, &a) == 0 && stat(shim_binary, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void remove_stale(const char *exec_dir)
{
    static const char *const files[] = {"shim.pid",    "pid",  "exit",
                                        "attach.sock", "spec", "shim.log"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        _cleanup_free_ char *f = xasprintf("%s/%s", exec_dir, files[i]);
        unlink(f);
    }
}

/* Undo for rt_prepare: the shim (if it got that far), cgroup, overlay, exec dir. */
static void undo_prepare(const struct rt_plan *p, const struct cg_paths *cg, bool mounted)
{
    struct md_error e = {0};
    util_stop_shim(p->exec_dir, 2000);
    if (cg && cgroup_destroy(cg, &e) < 0) {
        log_warn("undo start of %.12s: %s", p->id, md_err_msg(&e));
        md_err_clear(&e);
    }
    if (mounted && rt_rootfs_umount(p->rootfs_dir, &e) < 0) {
        log_warn("undo start of %.12s: %s", p->id, md_err_msg(&e));
        md_err_clear(&e);
    }
    fs_rm_rf(p->exec_dir, NULL);
}

/* The shim's first word on the sync pipe: "ready PID START" once PID 1 (or
 * the exec'd process) waits for release, "err ..." with the child's error,
 * or EOF when it died; then the shim's own pid from its pid file. */
int rt_await_ready(int sync, const char *exec_dir, const char *what, int timeout_ms,
                   struct rt_state *st, struct md_error *err)
{
    char line[4096];
    ssize_t n = rt_read_line(sync, line, sizeof line, timeout_ms);
    int r = 0;
    if (n < 0) {
        r = md_errno(err, errno, "wait for the %s", what);
    } else if (n == 0) {
        _cleanup_free_ char *tail = rt_shim_log_tail(exec_dir);
        r = md_err(err, MD_EINTERNAL, "the %s exited during start%s%s", what, tail ? ": " : "",
                   tail ? tail : "");
    } else if (!strncmp(line, "err ", 4)) {
        r = proto_reply_to_error(line, err);
    } else {
        int pid = 0;
        unsigned long long start = 0;
        if (sscanf(line, "ready %d %llu", &pid, &start) != 2 || pid <= 0)
            r = md_err(err, EPROTO, "%s: unexpected reply \"%s\"", what, line);
        st->pid = pid;
        st->pid_start = start;
    }
    if (r == 0) {
        _cleanup_free_ char *sp = xasprintf("%s/shim.pid", exec_dir);
        r = util_read_pid_file(sp, &st->shim_pid, &st->shim_start, err);
    }
    return r;
}

/* The devices cgroup rules beyond docker's defaults: each --device's node
 * (looked up on the host now) with its permissions, then the
 * --device-cgroup-rule lines. NULL with docker's message when a device is
 * missing. */
static char **device_rules(const struct rt_plan *p, struct md_error *err)
{
    char **rules = xcalloc(1, sizeof *rules);
    for (size_t i = 0; i < p->ndevices; i++) {
        const struct rt_device *d = &p->devices[i];
        struct stat st;
        if (stat(d->source, &st) < 0) {
            int e = errno;
            md_err(err, e,
                   "error gathering device information while adding custom device \"%s\": %s",
                   d->source, rt_go_strerror(e));
            strv_free(rules);
            return NULL;
        }
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
            md_err(err, MD_EINVAL,
                   "error gathering device information while adding custom "
                   "device \"%s\": not a device node",
                   d->source);
            strv_free(rules);
            return NULL;
        }
        _cleanup_free_ char *r = xasprintf("%c %u:%u %s", S_ISCHR(st.st_mode) ? 'c' : 'b',
                                           major(st.st_rdev), minor(st.st_rdev), d->perms);
        strv_push(&rules, r);
    }
    for (char **r = p->device_rules; r && *r; r++)
        strv_push(&rules, *r);
    return rules;
}

int rt_prepare(const struct rt_plan *p, struct rt_state *st, int *exit_fd, struct md_error *err)
{
    memset(st, 0, sizeof *st);
    if (exit_fd)
        *exit_fd = -1;
    if (rt_plan_validate(p, err) < 0)
        return -1;
    if (!shim_binary)
        return md_err(err, MD_EINTERNAL, "runtime not initialised");
    struct rt_state old;
    struct md_error ignore = {0};
    if (rt_reconnect(p->exec_dir, &old, &ignore) == 0)
        return md_err(err, MD_ECONFLICT, "container %.12s is already running", p->id);
    md_err_clear(&ignore);
    if (fs_mkdir_p(p->exec_dir, 0700, err) < 0)
        return -1;
    remove_stale(p->exec_dir);

    /* docker -v: a missing host directory is created (--mount refuses a
     * missing source; that check belongs to the API layer) */
    for (size_t i = 0; i < p->nmounts; i++) {
        struct stat sb;
        if (p->mounts[i].kind != RT_MOUNT_BIND || p->mounts[i].must_exist)
            continue; /* a missing one fails in bind_in, with its name */
        if (lstat(p->mounts[i].source, &sb) < 0 && errno == ENOENT &&
            fs_mkdir_p(p->mounts[i].source, 0755, err) < 0) {
            fs_rm_rf(p->exec_dir, NULL);
            return md_err_wrap(err, "create bind source");
        }
    }
    _cleanup_free_ char *merged = xasprintf("%s/merged", p->rootfs_dir);
    bool mounted = util_is_mountpoint(merged) != 1;
    if (rt_rootfs_mount(p->layers, p->rootfs_dir, p->rootfs_volatile, err) < 0) {
        undo_prepare(p, NULL, false);
        return -1;
    }
    struct rt_limits limits = p->limits;
    _cleanup_strv_ char **dev_rules = device_rules(p, err);
    if (!dev_rules) {
        undo_prepare(p, NULL, mounted);
        return -1;
    }
    limits.device_rules = *dev_rules ? dev_rules : NULL;
    struct cg_paths cg;
    if (cgroup_paths(p->id, p->cgroup_parent, &cg, err) < 0) {
        undo_prepare(p, NULL, mounted);
        return -1;
    }
    if (cgroup_create(&cg, &limits, p->privileged, err) < 0) {
        undo_prepare(p, NULL, mounted);
        cgroup_paths_free(&cg);
        return md_err_wrap(err, "cgroup");
    }
    struct rt_spec spec = {0};
    if (seccomp_for(p, &spec.seccomp_bpf, err) < 0) {
        undo_prepare(p, &cg, mounted);
        cgroup_paths_free(&cg);
        return -1;
    }
    plan_copy(&spec.plan, p);
    spec.cgroup_dirs = cgroup_join_dirs(&cg);
    spec.oom_file = cgroup_oom_file(&cg);
    spec.cgroup2_ns = cgroup_mode() == CG_UNIFIED;
    if (!spec.cgroup2_ns)
        spec.cgroup_v1 = cgroup_v1_mounts(&cg);
    _cleanup_free_ char *text = spec_format(&spec);
    spec_free(&spec);
    _cleanup_free_ char *spec_path = xasprintf("%s/spec", p->exec_dir);
    if (util_write_volatile(spec_path, text, strlen(text), err) < 0) {
        undo_prepare(p, &cg, mounted);
        cgroup_paths_free(&cg);
        return -1;
    }

    _cleanup_close_ int sync = rt_spawn_shim("run", p->exec_dir, err);
    if (sync < 0) {
        undo_prepare(p, &cg, mounted);
        cgroup_paths_free(&cg);
        return -1;
    }
    int r = rt_await_ready(sync, p->exec_dir, "shim", PREPARE_TIMEOUT_MS, st, err);
    if (r < 0) {
        undo_prepare(p, &cg, mounted);
        cgroup_paths_free(&cg);
        memset(st, 0, sizeof *st);
        return -1;
    }
    cgroup_paths_free(&cg);
    if (exit_fd)
        *exit_fd = steal_fd(&sync);
    return 0;
}

/* Connect to exec_dir/attach.sock. sun_path holds 108 bytes and exec dirs
 * under a long exec-root with a 64-char id do not fit, so the path goes
 * through an O_PATH fd of the directory (/proc/self/fd/N/attach.sock). */
int rt_shim_connect(const char *exec_dir, struct md_error *err)
{
    _cleanup_close_ int dir = open(exec_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        if (errno == ENOENT)
            return md_err(err, MD_ECONFLICT, "container is not running");
        return md_errno(err, errno, "open %s", exec_dir);
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/attach.sock", dir);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return md_errno(err, errno, "socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED)
            return md_err(err, MD_ECONFLICT, "container is not running");
        return md_errno(err, e, "connect to %s/attach.sock", exec_dir);
    }
    return fd;
}

static int send_all(int fd, const char *s, struct md_error *err)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return md_errno(err, errno, "write to the shim");
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int rt_shim_control(const char *exec_dir, const char *cmd, struct md_error *err)
{
    _cleanup_close_ int fd = rt_shim_connect(exec_dir, err);
    if (fd < 0)
        return -1;
    if (send_all(fd, cmd, err) < 0)
        return -1;
    char line[4096];
    ssize_t n = rt_read_line(fd, line, sizeof line, REPLY_TIMEOUT_MS);
    if (n < 0)
        return md_errno(err, errno, "read the shim's reply");
    if (n == 0)
        return md_err(err, MD_ECONFLICT, "container is not running");
    return proto_reply_to_error(line, err);
}

int rt_release(const char *exec_dir, struct md_error *err)
{
    return rt_shim_control(exec_dir, "go\n", err);
}

int rt_resize(const char *exec_dir, uint16_t h, uint16_t w, struct md_error *err)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "resize %u %u\n", (unsigned)h, (unsigned)w);
    return rt_shim_control(exec_dir, cmd, err);
}

int rt_attach_connect(const char *exec_dir, bool in, bool out, bool errs, struct md_error *err)
{
    int fd = rt_shim_connect(exec_dir, err);
    if (fd < 0)
        return -1;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "attach %d %d %d\n", in, out, errs);
    if (send_all(fd, cmd, err) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}
