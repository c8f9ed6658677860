/* File helpers of the image store (see fsutil.h). */
#include "daemon/image/fsutil.h"
#include "common/cleanup.h"
#include "common/ids.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(IMG_RESOLVE_STRICT == (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
                                      RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH),
               "resolve flags");

int img_openat2(int dirfd, const char *rel, int flags, mode_t mode, unsigned long long resolve)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = resolve,
    };
    long r;
    do
        r = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    while (r < 0 && errno == EAGAIN);
    return (int)r;
}

static int rm_children(int fd, int depth)
{
    if (depth > 1024) {
        errno = ELOOP;
        return -1;
    }
    int dfd = dup(fd);
    if (dfd < 0)
        return -1;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
            int cfd = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd >= 0) {
                int r = rm_children(cfd, depth + 1);
                close(cfd);
                if (r < 0)
                    rc = -1;
                if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                    rc = -1;
                continue;
            }
            if (errno != ENOTDIR && errno != ELOOP) {
                rc = -1;
                continue;
            }
        }
        if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int img_rm_rf_at(int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = rm_children(fd, 0);
    if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return -1;
    return r;
}

void img_rand_suffix(char out[17])
{
    unsigned char b[8];
    id_random_bytes(b, sizeof b);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

char *img_read_file(const char *path, size_t max, size_t *len, struct md_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        md_errno(err, errno, "open %s", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
        md_err(err, MD_EINTERNAL, "%s: unexpected size", path);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = xmalloc(n + 1);
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(buf);
            md_errno(err, r < 0 ? errno : EIO, "read %s", path);
            return NULL;
        }
        got += (size_t)r;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}
