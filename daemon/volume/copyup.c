/* A new volume's first use: the image's content at the volume's path is
 * copied in, owners, modes, times and xattrs kept (hard links too), as
 * docker's copyExistingContents does. Everything goes through directory
 * fds without following symlinks: the source is an image's tree. */
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "daemon/volume/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct links {
    struct {
        dev_t dev;
        ino_t ino;
        int dirfd;  /* borrowed: only looked up while its directory is open */
        char *path; /* relative to the volume's root */
    } * v;
    size_t n;
    int rootfd;
};

static int copy_xattrs(int src, int dst, const char *what, struct md_error *err)
{
    ssize_t n = flistxattr(src, NULL, 0);
    if (n <= 0)
        return 0;
    _cleanup_free_ char *names = xmalloc((size_t)n);
    n = flistxattr(src, names, (size_t)n);
    for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(names + off) + 1) {
        const char *k = names + off;
        /* an overlay's own bookkeeping is not the file's */
        if (!strncmp(k, "trusted.overlay.", 16))
            continue;
        ssize_t vl = fgetxattr(src, k, NULL, 0);
        if (vl < 0)
            continue;
        _cleanup_free_ char *val = xmalloc((size_t)vl + 1);
        vl = fgetxattr(src, k, val, (size_t)vl);
        if (vl >= 0 && fsetxattr(dst, k, val, (size_t)vl, 0) < 0 && errno != ENOTSUP)
            return md_errno(err, errno, "copy xattr %s of %s", k, what);
    }
    return 0;
}

/* owner first: chown clears set-id bits that the mode then restores */
static int copy_meta_fd(int src, int dst, const struct stat *st, const char *what,
                        struct md_error *err)
{
    if (fchown(dst, st->st_uid, st->st_gid) < 0 || fchmod(dst, st->st_mode & 07777) < 0)
        return md_errno(err, errno, "copy owner and mode of %s", what);
    if (copy_xattrs(src, dst, what, err) < 0)
        return -1;
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (futimens(dst, ts) < 0)
        return md_errno(err, errno, "copy times of %s", what);
    return 0;
}

static int copy_data(int src, int dst, const char *what, struct md_error *err)
{
    for (;;) {
        ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return md_errno(err, errno, "copy %s", what);
        break;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(src, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return md_errno(err, errno, "read %s", what);
        }
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(dst, buf + w, (size_t)(n - w));
            if (k < 0 && errno != EINTR)
                return md_errno(err, errno, "write %s", what);
            w += k > 0 ? k : 0;
        }
    }
}

static int copy_dir(int src, int dst, const char *rel, struct links *l, struct md_error *err);

static int copy_entry(int src, int dst, const char *name, const char *rel, struct links *l,
                      struct md_error *err)
{
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return md_errno(err, errno, "stat %s/%s", rel, name);
    _cleanup_free_ char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].dev == st.st_dev && l->v[i].ino == st.st_ino) {
                if (linkat(l->rootfd, l->v[i].path, dst, name, 0) < 0)
                    return md_errno(err, errno, "link %s", path);
                return 0;
            }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
        l->v[l->n].dev = st.st_dev;
        l->v[l->n].ino = st.st_ino;
        l->v[l->n].path = xstrdup(path);
        l->n++;
    }
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
        if (mkdirat(dst, name, 0700) < 0)
            return md_errno(err, errno, "mkdir %s", path);
        _cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
            return md_errno(err, errno, "open %s", path);
        if (copy_dir(s, d, path, l, err) < 0)
            return -1;
        return copy_meta_fd(s, d, &st, path, err);
    }
    case S_IFREG: {
        _cleanup_close_ int s = fs_open_regular_at(src, name, &st);
        _cleanup_close_ int d =
            openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (s < 0 || d < 0)
            return md_errno(err, errno, "open %s", path);
        if (copy_data(s, d, path, err) < 0)
            return -1;
        return copy_meta_fd(s, d, &st, path, err);
    }
    case S_IFLNK: {
        _cleanup_free_ char *target = xmalloc((size_t)st.st_size + 1);
        ssize_t n = readlinkat(src, name, target, (size_t)st.st_size + 1);
        if (n < 0 || n > st.st_size)
            return md_errno(err, n < 0 ? errno : ENAMETOOLONG, "readlink %s", path);
        target[n] = '\0';
        if (symlinkat(target, dst, name) < 0 ||
            fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return md_errno(err, errno, "symlink %s", path);
        break;
    }
    default:
        /* overlay whiteouts do not show through a merged view; anything
         * else (devices, fifos, sockets) is made again */
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
            return 0;
        if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0 ||
            fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
            return md_errno(err, errno, "mknod %s", path);
        break;
    }
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return md_errno(err, errno, "copy times of %s", path);
    return 0;
}

static int copy_dir(int src, int dst, const char *rel, struct links *l, struct md_error *err)
{
    int fd = dup(src);
    if (fd < 0)
        return md_errno(err, errno, "dup");
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return md_errno(err, errno, "open %s", rel);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (copy_entry(src, dst, de->d_name, rel, l, err) < 0)
            return -1;
    }
    return 0;
}

static bool dir_empty(int fd)
{
    int d2 = dup(fd);
    if (d2 < 0)
        return false;
    _cleanup_closedir_ DIR *d = fdopendir(d2);
    if (!d) {
        close(d2);
        return false;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            return false;
    return true;
}

int vol_copy_up(const char *name, int dir_fd, struct md_error *err)
{
    _cleanup_free_ char *data = vol_data_path(name);
    _cleanup_close_ int dst = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dst < 0)
        return md_errno(err, errno, "open volume %s", name);
    /* a volume with content is never overwritten: only the first use copies */
    if (!dir_empty(dst))
        return 0;
    struct links l = {.rootfd = dst};
    int r = copy_dir(dir_fd, dst, "", &l, err);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i].path);
    free(l.v);
    if (r < 0)
        return md_err_wrap(err, "copy image content into volume %s", name);
    /* the volume's root takes the owner and mode of the image's directory */
    struct stat st;
    if (fstat(dir_fd, &st) < 0 || fchown(dst, st.st_uid, st.st_gid) < 0 ||
        fchmod(dst, st.st_mode & 07777) < 0)
        return md_errno(err, errno, "copy owner of %s into volume %s", data, name);
    return 0;
}
