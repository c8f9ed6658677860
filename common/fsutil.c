/* mkdir -p, atomic replace, rm -rf and read-file, on directory fds (see
 * fsutil.h). */
#include "common/fsutil.h"
#include "common/cleanup.h"

#include <errno.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* -e, errno e, and "<op> <path>: <strerror>" in err. */
static int fail(struct md_error *err, int e, const char *op, const char *path)
{
    md_errno(err, e, "%s %s", op, path);
    errno = e;
    return -e;
}

static bool is_dir_at(int dirfd, const char *path)
{
    struct stat st;
    return fstatat(dirfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

int fs_mkdir_p_at(int dirfd, const char *path, mode_t mode, mode_t parent_mode,
                  struct md_error *err)
{
    /* Usually the parent is there: one call for the whole path, not one per
     * component (a run creates several directories this way). */
    if (mkdirat(dirfd, path, mode) == 0)
        return 0;
    if (errno == EEXIST)
        return is_dir_at(dirfd, path) ? 0 : fail(err, ENOTDIR, "mkdir", path);
    if (errno != ENOENT || !path[0])
        return fail(err, errno, "mkdir", path);
    _cleanup_free_ char *p = xstrdup(path);
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/')
        p[--len] = 0;
    /* from p + 1: the root of an absolute path exists */
    for (char *s = p + 1;; s++) {
        if (*s && *s != '/')
            continue;
        char c = *s;
        *s = 0;
        if (mkdirat(dirfd, p, c ? parent_mode : mode) < 0) {
            /* a file in the way of a parent shows as ENOTDIR at the next
             * component; only the last one needs a look */
            if (errno != EEXIST)
                return fail(err, errno, "mkdir", p);
            if (!c && !is_dir_at(dirfd, p))
                return fail(err, ENOTDIR, "mkdir", p);
        }
        if (!c)
            return 0;
        *s = c;
    }
}

int fs_mkdir_p(const char *path, mode_t mode, struct md_error *err)
{
    return fs_mkdir_p_at(AT_FDCWD, path, mode, mode, err);
}

int fs_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fs_replace_open(struct fs_replace *r, int dirfd, const char *path, mode_t mode,
                    struct md_error *err)
{
    *r = (struct fs_replace){.fd = -1, .dirfd = dirfd};
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base)
        return fail(err, EISDIR, "write", path);
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    /* Unique without a syscall: threads of one process differ in the
     * counter, processes in the pid. O_EXCL: a leftover of a crashed
     * process with the same pid is skipped, never written through. */
    static atomic_uint seq;
    for (int tries = 0;; tries++) {
        char *tmp = xasprintf("%.*s.%s.tmp-%d-%u", dirlen, path, base, (int)getpid(),
                              atomic_fetch_add(&seq, 1));
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0) {
            r->fd = fd;
            r->tmp = tmp;
            r->path = xstrdup(path);
            return 0;
        }
        int e = errno;
        free(tmp);
        if (e != EEXIST || tries == 100) {
            md_errno(err, e, "write %s: create a temporary file", path);
            return -e;
        }
    }
}

void fs_replace_abort(struct fs_replace *r)
{
    if (!r->tmp)
        return;
    if (r->fd >= 0)
        close(steal_fd(&r->fd));
    int saved = errno;
    unlinkat(r->dirfd, r->tmp, 0);
    errno = saved;
    free(steal_ptr(&r->tmp));
    free(steal_ptr(&r->path));
}

static int fsync_parent(int dirfd, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash && dirfd != AT_FDCWD)
        return fsync(dirfd) < 0 ? -errno : 0;
    _cleanup_free_ char *dir =
        slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
    _cleanup_close_ int fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        return -errno;
    return 0;
}

int fs_replace_commit(struct fs_replace *r, unsigned flags, struct md_error *err)
{
    const char *op = NULL;
    int e = 0;
    if ((flags & FS_SYNC) && fsync(r->fd) < 0)
        e = errno, op = "fsync";
    /* close reports what a network or full filesystem could not write */
    if (close(steal_fd(&r->fd)) < 0 && !e)
        e = errno, op = "close";
    if (!e && (flags & FS_EXCHANGE) &&
        renameat2(r->dirfd, r->tmp, r->dirfd, r->path, RENAME_EXCHANGE) == 0) {
        /* the temporary name holds the old file now; a directory there
         * is swapped back: rename would have refused it (EISDIR) too */
        if (unlinkat(r->dirfd, r->tmp, 0) < 0 && errno == EISDIR) {
            renameat2(r->dirfd, r->tmp, r->dirfd, r->path, RENAME_EXCHANGE);
            e = EISDIR, op = "rename";
        }
    } else if (!e && renameat(r->dirfd, r->tmp, r->dirfd, r->path) < 0) {
        e = errno, op = "rename";
    }
    if (e) {
        md_errno(err, e, "write %s: %s", r->path, op);
        fs_replace_abort(r);
        return -e;
    }
    free(steal_ptr(&r->tmp));
    _cleanup_free_ char *path = steal_ptr(&r->path);
    /* without this the rename itself may not survive a power cut */
    if ((flags & FS_SYNC_DIR) && (e = -fsync_parent(r->dirfd, path)) > 0) {
        md_errno(err, e, "write %s: fsync the directory", path);
        return -e;
    }
    return 0;
}

int fs_write_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                        unsigned flags, struct md_error *err)
{
    _cleanup_fs_replace_ struct fs_replace r = {.fd = -1};
    int rc = fs_replace_open(&r, dirfd, path, mode, err);
    if (rc < 0)
        return rc;
    if ((rc = fs_write_all(r.fd, data, len)) < 0) {
        md_errno(err, -rc, "write %s", path);
        return rc;
    }
    return fs_replace_commit(&r, flags, err);
}

/* ---- rm -rf ---- */

/* Deeper than this is a hostile tree, not a real one; it also bounds the
 * fds held open on the way down. */
#define RM_MAX_DEPTH 512

/* A child directory, never through a symlink or into another mount. */
static int open_child_dir(int dirfd, const char *name)
{
    struct open_how how = {
        .flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    long r;
    do
        r = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
    while (r < 0 && errno == EAGAIN);
    return (int)r;
}

static void note(int *first, int e)
{
    if (!*first)
        *first = e;
}

/* unlinkat below fd; a directory without write permission (layers carry
 * 0555 ones) is made writable once, as root would not need. */
static void rm_entry(int fd, const char *name, int flags, bool *writable, int *first)
{
    if (unlinkat(fd, name, flags) == 0 || errno == ENOENT)
        return;
    if (errno == EACCES && !*writable) {
        *writable = true;
        struct stat st;
        if (fstat(fd, &st) == 0 && fchmod(fd, (st.st_mode & 07777) | S_IRWXU) == 0 &&
            (unlinkat(fd, name, flags) == 0 || errno == ENOENT))
            return;
    }
    note(first, errno);
}

static void rm_children(int fd, int depth, int *first)
{
    if (depth > RM_MAX_DEPTH) {
        note(first, ELOOP);
        return;
    }
    int dfd = dup(fd);
    _cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        note(first, errno);
        if (dfd >= 0)
            close(dfd);
        return;
    }
    bool writable = false;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (!strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
            int cfd = open_child_dir(fd, n);
            if (cfd >= 0) {
                rm_children(cfd, depth + 1, first);
                close(cfd);
                rm_entry(fd, n, AT_REMOVEDIR, &writable, first);
                continue;
            }
            /* a mount point: it and what is mounted there stay */
            if (errno == EXDEV) {
                note(first, EBUSY);
                continue;
            }
            /* ENOTDIR, ELOOP: a DT_UNKNOWN file or symlink, unlinked below */
            if (errno != ENOTDIR && errno != ELOOP) {
                if (errno != ENOENT)
                    note(first, errno);
                continue;
            }
        }
        rm_entry(fd, n, 0, &writable, first);
    }
}

int fs_rm_rf_at(int dirfd, const char *name, struct md_error *err)
{
    /* open first: a directory (the usual case) costs no extra stat */
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        if (errno != ENOTDIR && errno != ELOOP)
            return fail(err, errno, "remove", name);
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
            return fail(err, errno, "remove", name);
        return 0;
    }
    int first = 0;
    rm_children(fd, 0, &first);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        note(&first, errno);
    return first ? fail(err, first, "remove", name) : 0;
}

/* ---- read-file ---- */

static char *fail_null(struct md_error *err, int e, const char *op, const char *path)
{
    fail(err, e, op, path);
    errno = e;
    return NULL;
}

char *fs_read_fd(int fd, size_t max, size_t *lenp, const char *path, struct md_error *err)
{
    size_t cap = 4096, len = 0;
    _cleanup_free_ char *buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail_null(err, errno, "read", path);
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max)
            return fail_null(err, EFBIG, "read", path);
    }
    buf[len] = 0;
    if (lenp)
        *lenp = len;
    return steal_ptr(&buf);
}

char *fs_read_file_at(int dirfd, const char *path, size_t max, size_t *lenp, struct md_error *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_null(err, errno, "open", path);
    return fs_read_fd(fd, max, lenp, path, err);
}

int fs_open_regular_at(int dirfd, const char *name, const struct stat *expect)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    int e = 0;
    if (fstat(fd, &st) < 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EINVAL;
    else if (expect && (st.st_dev != expect->st_dev || st.st_ino != expect->st_ino))
        e = ESTALE;
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    /* O_NONBLOCK was for the open; reads of a regular file ignore it */
    return fd;
}

char *fs_read_file(const char *path, size_t *len)
{
    return fs_read_file_at(AT_FDCWD, path, SIZE_MAX, len, NULL);
}
