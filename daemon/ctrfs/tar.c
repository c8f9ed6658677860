/* Tars out of and into a container's root, driven by fds found inside it
 * (see ctrfs.h for why): libarchive only formats and parses the stream. */
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/ctrfs/priv.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/pathutil.h"
#include "daemon/image/fsutil.h"
#include "daemon/image/whiteout.h"
#include "common/fsutil.h"

static inline void cleanup_archive_writep(struct archive **a)
{
    if (*a)
        archive_write_free(*a);
}
static inline void cleanup_archive_readp(struct archive **a)
{
    if (*a)
        archive_read_free(*a);
}
static inline void cleanup_entryp(struct archive_entry **e)
{
    if (*e)
        archive_entry_free(*e);
}
#define _cleanup_archive_write_ __attribute__((cleanup(cleanup_archive_writep)))
#define _cleanup_archive_read_  __attribute__((cleanup(cleanup_archive_readp)))
#define _cleanup_entry_         __attribute__((cleanup(cleanup_entryp)))

#define IO_BLOCK (256u * 1024)

/* ---- out ---- */

struct hardlink {
    dev_t dev;
    ino_t ino;
    char *name;
};

struct tw {
    struct archive *a;
    char *io;
    struct hardlink *links; /* first name of each multiply-linked file seen */
    size_t nlinks;
    bool layer; /* an overlay upper dir written as a layer (ctrfs_tar_layer) */
    struct md_error *err;
};

static int tw_fail(struct tw *w, const char *what, const char *name)
{
    return md_err(w->err, MD_EINTERNAL, "%s %s: %s", what, name, archive_error_string(w->a));
}

/* Regular file data: exactly size bytes whatever the file does meanwhile
 * (a file that shrank is padded with zeros, one that grew is cut), so the
 * header written before stays true. */
static int tw_data(struct tw *w, int fd, int64_t size, const char *name)
{
    int64_t left = size;
    while (left > 0) {
        size_t want = left < (int64_t)IO_BLOCK ? (size_t)left : IO_BLOCK;
        ssize_t n = read(fd, w->io, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return md_errno(w->err, errno, "read %s", name);
        if (n == 0) {
            memset(w->io, 0, want);
            n = (ssize_t)want;
        }
        if (archive_write_data(w->a, w->io, (size_t)n) < 0)
            return tw_fail(w, "write", name);
        left -= n;
    }
    return 0;
}

/* The file capability of a layer's entry: the one xattr moby's layer tars
 * carry (ReadSecurityXattrToTarHeader). */
static int tw_layer_entry(struct tw *w, int dirfd, const char *name, const char *tarname,
                          const struct stat *st, struct archive_entry *e)
{
    if (!S_ISREG(st->st_mode))
        return 0;
    _cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dirfd, name);
    char cap[256];
    ssize_t n = lgetxattr(path, "security.capability", cap, sizeof cap);
    if (n >= 0)
        archive_entry_xattr_add_entry(e, "security.capability", cap, (size_t)n);
    else if (errno != ENODATA && errno != ENOTSUP)
        return md_errno(w->err, errno, "read the capabilities of %s", tarname);
    return 0;
}

/* A layer's whiteout entry: an empty regular file named tarname, with the
 * owner of st and the given mode (moby's overlay whiteout converter). */
static int tw_whiteout(struct tw *w, const char *tarname, const struct stat *st, mode_t perm)
{
    _cleanup_entry_ struct archive_entry *e = archive_entry_new();
    archive_entry_copy_pathname(e, tarname);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, perm);
    archive_entry_set_uid(e, st->st_uid);
    archive_entry_set_gid(e, st->st_gid);
    archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
    archive_entry_set_size(e, 0);
    if (archive_write_header(w->a, e) < ARCHIVE_WARN)
        return tw_fail(w, "write header of", tarname);
    return 0;
}

static bool is_opaque_dir(int dirfd, const char *name)
{
    _cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dirfd, name);
    char v[2];
    return lgetxattr(path, WH_OPAQUE_XATTR, v, sizeof v) == 1 && v[0] == 'y';
}

/* One entry: name below dirfd ("" = dirfd itself, a directory), written as
 * tarname with the metadata of st. */
static int tw_entry(struct tw *w, int dirfd, const char *name, const char *tarname,
                    const struct stat *st)
{
    if (S_ISSOCK(st->st_mode))
        return 0; /* a tar cannot hold one; Go's writer skips them too */
    _cleanup_entry_ struct archive_entry *e = archive_entry_new();
    archive_entry_copy_stat(e, st);
    /* as moby's tar headers: whole seconds, no atime or ctime */
    archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
    archive_entry_unset_atime(e);
    archive_entry_unset_ctime(e);
    archive_entry_unset_birthtime(e);
    archive_entry_set_nlink(e, 1);
    archive_entry_copy_pathname(e, tarname);
    bool data = S_ISREG(st->st_mode) && st->st_size > 0;
    if (S_ISLNK(st->st_mode)) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
        if (n < 0)
            return md_errno(w->err, errno, "readlink %s", tarname);
        target[n] = '\0';
        archive_entry_copy_symlink(e, target);
    } else if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
        for (size_t i = 0; i < w->nlinks; i++)
            if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino) {
                archive_entry_copy_hardlink(e, w->links[i].name);
                data = false;
                break;
            }
        if (data) {
            w->links = xrealloc(w->links, (w->nlinks + 1) * sizeof *w->links);
            w->links[w->nlinks++] =
                (struct hardlink){.dev = st->st_dev, .ino = st->st_ino, .name = xstrdup(tarname)};
        }
    }
    if (!data)
        archive_entry_set_size(e, 0);
    if (w->layer && tw_layer_entry(w, dirfd, name, tarname, st, e) < 0)
        return -1;
    _cleanup_close_ int fd = -1;
    if (data) {
        fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return md_errno(w->err, errno, "open %s", tarname);
    }
    if (archive_write_header(w->a, e) < ARCHIVE_WARN)
        return tw_fail(w, "write header of", tarname);
    return data ? tw_data(w, fd, st->st_size, tarname) : 0;
}

/* Everything below the directory dfd, names prefixed with prefix, in
 * lexical order (as Go's WalkDir). */
static int tw_dir(struct tw *w, int dfd, const char *prefix)
{
    int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return md_errno(w->err, errno, "open directory %s", prefix);
    }
    _cleanup_closedir_ DIR *dcl = d;
    size_t n;
    _cleanup_strv_ char **names = path_sorted_names(d, &n);
    if (!names)
        return md_errno(w->err, errno, "list %s", prefix[0] ? prefix : "/");
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; /* gone meanwhile */
            return md_errno(w->err, errno, "stat %s%s", prefix, names[i]);
        }
        _cleanup_free_ char *tarname = xasprintf("%s%s", prefix, names[i]);
        if (w->layer && ctrfs_init_path(tarname))
            continue;
        if (w->layer && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
            /* overlayfs's whiteout: ".wh.NAME" in a layer */
            _cleanup_free_ char *wh = xasprintf("%s%s%s", prefix, WH_PREFIX, names[i]);
            if (tw_whiteout(w, wh, &st, 0600) < 0)
                return -1;
            continue;
        }
        if (tw_entry(w, dfd, names[i], tarname, &st) < 0)
            return -1;
        if (!S_ISDIR(st.st_mode))
            continue;
        if (w->layer && is_opaque_dir(dfd, names[i])) {
            /* the lower layers' content of this directory is hidden */
            _cleanup_free_ char *wh = xasprintf("%s/%s", tarname, WH_OPAQUE);
            if (tw_whiteout(w, wh, &st, st.st_mode & 07777) < 0)
                return -1;
        }
        _cleanup_close_ int cfd =
            openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0)
            return md_errno(w->err, errno, "open %s", tarname);
        _cleanup_free_ char *sub = xasprintf("%s/", tarname);
        if (tw_dir(w, cfd, sub) < 0)
            return -1;
    }
    return 0;
}

static int tw_begin(struct tw *w, int fd, struct md_error *err)
{
    *w = (struct tw){.a = archive_write_new(), .io = xbig_alloc(IO_BLOCK), .err = err};
    archive_write_set_format_pax_restricted(w->a);
    /* big writes into the reply pipe, and no padding of the last block
     * beyond the two zero blocks that end a tar */
    archive_write_set_bytes_per_block(w->a, 64 * 1024);
    archive_write_set_bytes_in_last_block(w->a, 1);
    if (archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
        return md_err(err, MD_EINTERNAL, "tar: %s", archive_error_string(w->a));
    return 0;
}

static int tw_end(struct tw *w, int r)
{
    if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
        r = md_err(w->err, MD_EINTERNAL, "tar: %s", archive_error_string(w->a));
    archive_write_free(w->a);
    xbig_free(w->io, IO_BLOCK);
    for (size_t i = 0; i < w->nlinks; i++)
        free(w->links[i].name);
    free(w->links);
    return r;
}

int ctrfs_tar_path(const struct ctrfs_root *root, const char *path, int fd, struct md_error *err)
{
    _cleanup_free_ char *abs = ctrfs_abs_path(path);
    _cleanup_free_ char *dir = NULL;
    const char *last = ctrfs_split_last(abs, &dir);
    _cleanup_close_ int dfd = img_openat2(root->fd, dir, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
    if (dfd < 0)
        return md_errno(err, errno, "open %s", dir);
    struct stat st;
    if ((*last ? fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) : fstat(dfd, &st)) < 0)
        return md_errno(err, errno, "stat %s", abs);
    _cleanup_free_ char *name = path_base(abs);
    struct tw w;
    if (tw_begin(&w, fd, err) < 0)
        return tw_end(&w, -1);
    if (!S_ISDIR(st.st_mode))
        return tw_end(&w, tw_entry(&w, dfd, last, name, &st));
    /* a directory is its own top entry, renamed as the path was asked
     * (moby's TarResourceRebaseOpts); the root's children are "/bin"... */
    _cleanup_close_ int tfd =
        *last ? openat(dfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
              : openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (tfd < 0)
        return tw_end(&w, md_errno(err, errno, "open %s", abs));
    _cleanup_free_ char *top = strcmp(name, "/") ? xasprintf("%s/", name) : xstrdup("/");
    if (tw_entry(&w, tfd, "", top, &st) < 0)
        return tw_end(&w, -1);
    return tw_end(&w, tw_dir(&w, tfd, top));
}

int ctrfs_export(const struct ctrfs_root *root, int fd, struct md_error *err)
{
    struct tw w;
    if (tw_begin(&w, fd, err) < 0)
        return tw_end(&w, -1);
    return tw_end(&w, tw_dir(&w, root->fd, ""));
}

bool ctrfs_init_path(const char *rel)
{
    static const char *const paths[] = {"etc/hostname", "etc/hosts", "etc/resolv.conf", "dev",
                                        "proc",         "sys",       ".dockerenv",      "etc/mtab"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (!strcmp(rel, paths[i]))
            return true;
    return false;
}

int ctrfs_tar_layer(int upperfd, int fd, struct md_error *err)
{
    struct tw w;
    if (tw_begin(&w, fd, err) < 0)
        return tw_end(&w, -1);
    w.layer = true;
    return tw_end(&w, tw_dir(&w, upperfd, ""));
}

/* ---- in ---- */

struct dir_time {
    char *path;
    struct timespec mtime;
};

struct tx {
    struct archive *a;
    int rootfd;
    const char *dest;
    const struct ctrfs_put_opts *o;
    char *pdir; /* the last parent looked up, and its fd */
    int pfd;
    struct dir_time *dirs; /* set last: creating children changes a dir's mtime */
    size_t ndirs;
    layer_read_fn rd;
    void *rctx;
    struct md_error *err;
    bool read_failed;
};

static la_ssize_t tx_read(struct archive *a, void *p, const void **buf)
{
    struct tx *x = p;
    ssize_t n = x->rd(x->rctx, buf, x->err);
    if (n < 0) {
        x->read_failed = true;
        archive_set_error(a, EIO, "%s", md_err_msg(x->err));
    }
    return n;
}

static bool under(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    if (!strcmp(dir, "/"))
        return true;
    return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

/* mkdir -p of abs inside the root, one component at a time, each created
 * in the fd its parent resolved to. */
static int mkdir_in_root(int rootfd, const char *abs, struct md_error *err)
{
    _cleanup_close_ int pfd = img_openat2(rootfd, "/", O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
    if (pfd < 0)
        return md_errno(err, errno, "open /");
    size_t n = strlen(abs);
    for (size_t i = 1; i <= n; i++) {
        if (abs[i] != '/' && abs[i] != '\0')
            continue;
        _cleanup_free_ char *prefix = xstrndup(abs, i);
        int fd = img_openat2(rootfd, prefix, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
        if (fd < 0 && errno == ENOENT) {
            const char *comp = strrchr(prefix, '/') + 1;
            if (mkdirat(pfd, comp, 0755) < 0 && errno != EEXIST)
                return md_errno(err, errno, "mkdir %s", prefix);
            fd = img_openat2(rootfd, prefix, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
        }
        if (fd < 0)
            return md_errno(err, errno, "open %s", prefix);
        close(pfd);
        pfd = fd;
    }
    return 0;
}

static int tx_parent(struct tx *x, const char *dir)
{
    if (x->pdir && !strcmp(x->pdir, dir))
        return x->pfd;
    free(x->pdir);
    x->pdir = NULL;
    if (x->pfd >= 0)
        close(x->pfd);
    x->pfd = img_openat2(x->rootfd, dir, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
    if (x->pfd < 0 && errno == ENOENT) {
        if (mkdir_in_root(x->rootfd, dir, x->err) < 0)
            return -1;
        x->pfd = img_openat2(x->rootfd, dir, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
    }
    if (x->pfd < 0)
        return md_errno(x->err, errno, "open %s", dir);
    x->pdir = xstrdup(dir);
    return x->pfd;
}

static int tx_file(struct tx *x, int pfd, const char *base, const char *path, int64_t size,
                   uid_t uid, gid_t gid, mode_t mode, const struct timespec *mt)
{
    _cleanup_close_ int fd =
        openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return md_errno(x->err, errno, "create %s", path);
    const void *buf;
    size_t n;
    la_int64_t off;
    int r;
    while ((r = archive_read_data_block(x->a, &buf, &n, &off)) == ARCHIVE_OK) {
        const char *p = buf;
        while (n) {
            ssize_t k = pwrite(fd, p, n, off);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                return md_errno(x->err, errno, "write %s", path);
            p += k;
            n -= (size_t)k;
            off += k;
        }
    }
    if (r != ARCHIVE_EOF)
        return md_err(x->err, x->read_failed ? x->err->err : MD_EINVAL, "%s: %s", path,
                      x->read_failed ? md_err_msg(x->err) : archive_error_string(x->a));
    struct timespec t[2] = {*mt, *mt};
    if (ftruncate(fd, size) < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 ||
        futimens(fd, t) < 0)
        return md_errno(x->err, errno, "set up %s", path);
    return 0;
}

static int tx_entry(struct tx *x, struct archive_entry *e)
{
    const char *name = archive_entry_pathname(e);
    if (!name)
        return 0;
    _cleanup_free_ char *j = xasprintf("%s/%s", x->dest, name);
    _cleanup_free_ char *path = path_clean(j);
    if (!under(path, x->dest))
        return md_err(x->err, MD_EINTERNAL, "\"%s\" is outside of \"%s\"", name, x->dest);
    if (!strcmp(path, x->dest))
        return 0; /* "." itself: the extraction point stays as it is */
    _cleanup_free_ char *dir = NULL;
    const char *base = ctrfs_split_last(path, &dir);
    int pfd = tx_parent(x, dir);
    if (pfd < 0)
        return -1;
    const char *hardlink = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    bool isdir = type == AE_IFDIR && !hardlink;
    struct stat ex;
    bool exists = fstatat(pfd, base, &ex, AT_SYMLINK_NOFOLLOW) == 0;
    if (exists && x->o->no_overwrite_dir_nondir && S_ISDIR(ex.st_mode) != isdir)
        return md_err(x->err, MD_EINTERNAL,
                      isdir ? "cannot overwrite non-directory \"%s\" with directory \"%s\""
                            : "cannot overwrite directory \"%s\" with non-directory \"%s\"",
                      path, x->dest);
    if (exists && !(S_ISDIR(ex.st_mode) && isdir)) {
        if (fs_rm_rf_at(pfd, base, NULL) < 0)
            return md_errno(x->err, errno, "remove %s", path);
        exists = false;
    }
    uid_t uid = x->o->chown ? x->o->uid : (uid_t)archive_entry_uid(e);
    gid_t gid = x->o->chown ? x->o->gid : (gid_t)archive_entry_gid(e);
    mode_t mode = archive_entry_perm(e) & 07777;
    struct timespec mt = {archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    struct timespec t[2] = {mt, mt};
    if (hardlink) {
        _cleanup_free_ char *tj = xasprintf("%s/%s", x->dest, hardlink);
        _cleanup_free_ char *target = path_clean(tj);
        if (!under(target, x->dest))
            return md_err(x->err, MD_EINTERNAL, "invalid hardlink \"%s\" -> \"%s\"", hardlink,
                          name);
        _cleanup_close_ int tfd =
            img_openat2(x->rootfd, target, O_PATH | O_NOFOLLOW, 0, CTRFS_IN_ROOT);
        if (tfd < 0 || linkat(tfd, "", pfd, base, AT_EMPTY_PATH) < 0)
            return md_errno(x->err, errno, "link %s to %s", path, target);
        return 0;
    }
    switch (type) {
    case AE_IFDIR: {
        if (!exists && mkdirat(pfd, base, 0700) < 0)
            return md_errno(x->err, errno, "mkdir %s", path);
        _cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
            return md_errno(x->err, errno, "set up %s", path);
        x->dirs = xrealloc(x->dirs, (x->ndirs + 1) * sizeof *x->dirs);
        x->dirs[x->ndirs++] = (struct dir_time){.path = xstrdup(path), .mtime = mt};
        return 0;
    }
    case AE_IFREG:
        return tx_file(x, pfd, base, path, archive_entry_size(e), uid, gid, mode, &mt);
    case AE_IFLNK:
        if (symlinkat(archive_entry_symlink(e), pfd, base) < 0)
            return md_errno(x->err, errno, "symlink %s", path);
        break;
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
        if (mknodat(pfd, base, type | mode, archive_entry_rdev(e)) < 0)
            return md_errno(x->err, errno, "mknod %s", path);
        break;
    default:
        return 0; /* sockets and the like: nothing to make */
    }
    /* AT_SYMLINK_NOFOLLOW everywhere: should the name be swapped for a
     * symlink meanwhile, nothing follows it */
    if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
        (type != AE_IFLNK && fchmodat(pfd, base, mode, AT_SYMLINK_NOFOLLOW) < 0) ||
        utimensat(pfd, base, t, AT_SYMLINK_NOFOLLOW) < 0)
        return md_errno(x->err, errno, "set up %s", path);
    return 0;
}

int ctrfs_extract(const struct ctrfs_root *root, const char *dest, layer_read_fn rd, void *rctx,
                  const struct ctrfs_put_opts *o, struct md_error *err)
{
    _cleanup_archive_read_ struct archive *a = archive_read_new();
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_empty(a);
    struct tx x = {.a = a,
                   .rootfd = root->fd,
                   .dest = dest,
                   .o = o,
                   .pfd = -1,
                   .rd = rd,
                   .rctx = rctx,
                   .err = err};
    int r = 0;
    if (archive_read_open(a, &x, NULL, tx_read, NULL) != ARCHIVE_OK) {
        r = x.read_failed ? -1 : md_err(err, MD_EINVAL, "%s", archive_error_string(a));
    } else {
        struct archive_entry *e;
        int h;
        while ((h = archive_read_next_header(a, &e)) == ARCHIVE_OK || h == ARCHIVE_WARN)
            if ((r = tx_entry(&x, e)) < 0)
                break;
        if (r == 0 && h != ARCHIVE_EOF)
            r = x.read_failed ? -1 : md_err(err, MD_EINVAL, "%s", archive_error_string(a));
    }
    for (size_t i = x.ndirs; i-- > 0;) {
        if (r == 0) {
            _cleanup_close_ int fd =
                img_openat2(root->fd, x.dirs[i].path, O_RDONLY | O_DIRECTORY, 0, CTRFS_IN_ROOT);
            struct timespec t[2] = {x.dirs[i].mtime, x.dirs[i].mtime};
            if (fd >= 0)
                futimens(fd, t);
        }
        free(x.dirs[i].path);
    }
    free(x.dirs);
    free(x.pdir);
    if (x.pfd >= 0)
        close(x.pfd);
    return r;
}
