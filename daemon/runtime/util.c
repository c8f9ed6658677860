/* File and process helpers for the runtime and the shim. */
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int util_write_file(const char *path, const char *s, bool create, struct md_error *err)
{
    int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
    _cleanup_close_ int fd = open(path, flags, 0644);
    if (fd < 0)
        return md_errno(err, errno, "open %s", path);
    size_t len = strlen(s);
    ssize_t n = write(fd, s, len);
    if (n < 0)
        return md_errno(err, errno, "write \"%s\" to %s", s, path);
    if ((size_t)n != len)
        return md_err(err, EIO, "write \"%s\" to %s: short write", s, path);
    return 0;
}

int util_write_volatile(const char *path, const char *data, size_t len, struct md_error *err)
{
    return fs_write_replace_at(AT_FDCWD, path, data, len, 0644, 0, err);
}

int util_write_pid_file(const char *path, pid_t pid, uint64_t start, struct md_error *err)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%d %llu\n", (int)pid, (unsigned long long)start);
    return util_write_volatile(path, buf, n, err);
}

int util_read_pid_file(const char *path, pid_t *pid, uint64_t *start, struct md_error *err)
{
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    if (!s)
        return md_errno(err, errno, "read %s", path);
    int p = 0;
    unsigned long long st = 0;
    if (sscanf(s, "%d %llu", &p, &st) < 1 || p <= 0)
        return md_err(err, EINVAL, "read %s: malformed pid file", path);
    *pid = p;
    if (start)
        *start = st;
    return 0;
}

bool util_proc_alive(pid_t pid, uint64_t start)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    const char *p = s ? strrchr(s, ')') : NULL;
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return false;
    return util_proc_start_time(pid) == start;
}

uint64_t util_proc_start_time(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    _cleanup_free_ char *s = fs_read_file(path, NULL);
    if (!s)
        return 0;
    /* comm may contain spaces and parentheses: fields start after the last ')' */
    char *p = strrchr(s, ')');
    if (!p)
        return 0;
    p++;
    /* after ')' come fields 3..; starttime is field 22 */
    for (int field = 2; field < 21 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p)
        return 0;
    return strtoull(p + 1, NULL, 10);
}

int util_is_mountpoint(const char *path)
{
    struct statx sx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx) < 0)
        return -1;
    if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
        return !!(sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
    return -1;
}

int64_t util_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t util_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void util_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

char *util_escape(const char *s)
{
    /* an empty field would vanish between the separators */
    if (!*s)
        return xstrdup("\\e");
    size_t n = strlen(s);
    char *out = xmalloc(n * 4 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '\\') {
            o += sprintf(o, "\\x%02x", *p);
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *util_unescape(const char *s)
{
    if (!strcmp(s, "\\e"))
        return xstrdup("");
    _cleanup_free_ char *out = xmalloc(strlen(s) + 1);
    char *o = out;
    for (const char *p = s; *p; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        if (p[1] != 'x' || hexval(p[2]) < 0 || hexval(p[3]) < 0)
            return NULL;
        int v = hexval(p[2]) * 16 + hexval(p[3]);
        if (v == 0)
            return NULL;
        *o++ = (char)v;
        p += 3;
    }
    *o = 0;
    return steal_ptr(&out);
}

void util_stop_shim(const char *exec_dir, int grace_ms)
{
    _cleanup_free_ char *sp = xasprintf("%s/shim.pid", exec_dir);
    pid_t shim;
    uint64_t start;
    if (util_read_pid_file(sp, &shim, &start, NULL) < 0 || !start ||
        util_proc_start_time(shim) != start)
        return;
    _cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, shim, 0);
    if (fd < 0 || util_proc_start_time(shim) != start)
        return;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, grace_ms) == 0) {
        log_warn("shim %d (%s) still running, killing it", (int)shim, exec_dir);
        syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
        poll(&p, 1, 2000);
    }
    /* our child while we are its subreaper (rt_init): reap it here, or it
     * stays a zombie; someone else's child: ECHILD, nothing to do */
    siginfo_t si;
    if (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == 0 || errno != ECHILD)
        return;
    /* init's child (the daemon restarted since), or an exec shim, which is
     * its container shim's: its parent reaps it, maybe not at once; wait a
     * little so "removed" means no trace of it is left. Short steps: an
     * exec's cleanup runs on the thread that records the next exec's exit. */
    for (int i = 0; i < 3000 && util_proc_start_time(shim) == start; i++)
        util_sleep_ms(1);
}
