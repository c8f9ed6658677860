/* Layer unpacking and export (see layer.h).
 *
 * Two libarchive readers in a pipe: A undoes the compression (raw format,
 * filters picked by magic), B reads the tar from A's output. Between them
 * every uncompressed byte passes through b_read, which hands it to the
 * hasher thread (the diff id) and keeps the bytes that are not file
 * contents for tar-split. This thread parses and creates the names, in
 * order; file contents and their metadata go to the writer thread
 * (writer.c). Three threads, as the work of one is more than the time tar
 * takes for the same layer.
 *
 * Nothing is written through a path string: every entry's parent directory
 * is opened with openat2 below the layer root with RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS, so ".." tricks and symlinks planted by earlier
 * entries (an absolute one, or "x -> ../../etc" followed by "x/passwd") can
 * neither redirect a write nor a hardlink outside the layer; the final
 * component is created with O_EXCL/O_NOFOLLOW semantics. Names with ".."
 * or a leading "/" are refused outright rather than reinterpreted, because
 * no tool that builds layers produces them. */
#include "daemon/image/layer.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "daemon/image/fsutil.h"
#include "daemon/image/whiteout.h"
#include "daemon/image/writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_DEPTH     256
#define DIR_CACHE     16           /* directory fds kept open: a tar walks back up its tree */
#define RETAIN_FLUSH  (8u << 20)   /* raw bytes held for tar-split before recording them */
#define RETAIN_LIMIT  (256u << 20) /* the most it may have to hold (a header B is reading) */
#define TS_MAGIC      "MDTS1\n"
#define COPY_BUF_SIZE (256u * 1024)

ssize_t layer_fd_read(void *ctx, const void **buf, struct md_error *err)
{
    struct layer_fd_src *s = ctx;
    for (;;) {
        ssize_t n = read(s->fd, s->buf, s->size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return md_errno(err, errno, "read");
        *buf = s->buf;
        return n;
    }
}

int layer_fd_write(void *ctx, const void *buf, size_t n)
{
    return fs_write_all(*(int *)ctx, buf, n);
}

bool layer_sniff(const void *p, size_t n)
{
    static const struct {
        const char *magic;
        size_t len;
    } filters[] = {{"\x1f\x8b", 2},
                   {"\x28\xb5\x2f\xfd", 4},
                   {"BZh", 3},
                   {"\xfd"
                    "7zXZ",
                    6}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (n >= filters[i].len && memcmp(p, filters[i].magic, filters[i].len) == 0)
            return true;
    /* POSIX "ustar\0" and GNU "ustar  " alike */
    return n >= 262 && memcmp((const char *)p + 257, "ustar", 5) == 0;
}

static inline void cleanup_archivep(struct archive **a)
{
    if (*a)
        archive_read_free(*a);
}
#define _cleanup_archive_ __attribute__((cleanup(cleanup_archivep)))

int layer_clean_path(const char *name, char *out, size_t cap, const char **why)
{
    if (!name || !*name) {
        *why = "empty name";
        return -1;
    }
    if (name[0] == '/') {
        *why = "absolute path";
        return -1;
    }
    size_t o = 0;
    int depth = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if (n == 1 && p[0] == '.') {
            p = e;
            continue;
        }
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            *why = "path escapes the layer";
            return -1;
        }
        if (n > NAME_MAX || o + n + 2 > cap) {
            *why = "name too long";
            return -1;
        }
        if (++depth > MAX_DEPTH) {
            *why = "path too deep";
            return -1;
        }
        if (o)
            out[o++] = '/';
        memcpy(out + o, p, n);
        o += n;
        p = e;
    }
    out[o] = '\0';
    return 0;
}

/* Export's sink and running digest (none when hash.md is NULL). */
struct exporter {
    layer_write_fn wr;
    void *wctx;
    struct sha256 hash;
    int64_t total;
};

static int export_tarsplit(struct exporter *x, int dirfd, char *buf, bool partial,
                           struct md_error *err);

/* ---- the unpack state ---- */

struct dir_time {
    char *path;
    struct timespec ts[2];
};

struct unpack {
    const struct layer_unpack_opts *o;
    layer_read_fn rd;
    void *rctx;
    struct archive *A;
    struct sha256 blob_hash;
    struct sha256_async diff_hash; /* on its own thread */
    int64_t blob_size;
    int64_t pos; /* uncompressed bytes handed to B so far */
    bool a_eof;
    bool src_failed;
    struct md_error src_err;

    /* tar-split: bytes at offsets >= cursor are not yet recorded. Those
     * that arrived are in the block B was given last (slice, from offset
     * slice_pos up to pos; valid until b_read asks A for more) and, for
     * the part before it, in ret (ret_off..ret_len, from offset cursor):
     * only what is still unrecorded when B moves on is copied there, and
     * that is mostly nothing, as B moves on when it has used a block up. */
    FILE *ts;
    int tar_fd; /* keep_tar */
    bool keep_tar;
    int dirfd;         /* the layer directory (borrowed) */
    struct archive *B; /* the tar reader; NULL once it reached the end */
    const char *slice;
    int64_t slice_pos;
    char *ret;
    size_t ret_off, ret_len, ret_cap;
    int64_t cursor;
    bool overflow; /* raw bytes were lost: the layer cannot be recorded */
    bool write_failed;

    int rootfd;
    /* Parent directories of recent entries, least recently used evicted. */
    struct dir_ent {
        char *path; /* NULL: a free slot */
        int fd;
        bool sgid;
        uint64_t used;
    } dirc[DIR_CACHE];
    uint64_t dirc_clock;
    struct dir_time *dirs;
    size_t ndirs, cap_dirs;
    int64_t size;
    const char *cur_name; /* the entry being unpacked, as named in the tar */
    const char *cur_dir;  /* its parent, cleaned ("" for the root) */
    struct writer w;
    /* New files get the daemon's owner and their mode at creation when
     * those are already right, which saves a chown and a chmod per file
     * (a Debian rootfs is ~7000 of them): known umask, no set-id bits, and
     * a parent without the set-gid bit (which would hand down its group). */
    int umask_v; /* -1: unknown, always chown and chmod */
    uid_t euid;
    gid_t egid;
    bool root_sgid;
};

static void put_u64(FILE *f, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    fwrite(b, 1, 8, f);
}

/* Unrecorded bytes [cursor, upto) (upto <= pos) to out, dropped from ret. */
static void ret_take(struct unpack *u, int64_t upto, FILE *out)
{
    size_t n = (size_t)(upto - u->cursor);
    size_t k = u->ret_len - u->ret_off;
    if (k > n)
        k = n;
    if (out && k)
        fwrite(u->ret + u->ret_off, 1, k, out);
    u->ret_off += k;
    if (u->ret_off == u->ret_len)
        u->ret_off = u->ret_len = 0;
    if (out && n > k) /* the rest is in the slice: ret ends where it starts */
        fwrite(u->slice + (u->cursor + (int64_t)k - u->slice_pos), 1, n - k, out);
    u->cursor = upto;
}

/* Record the raw bytes [cursor, upto). */
static void ts_raw(struct unpack *u, int64_t upto)
{
    if (!u->ts || u->overflow || upto <= u->cursor)
        return;
    if (upto > u->pos) { /* cannot happen: B consumed no more than it was given */
        u->overflow = true;
        return;
    }
    fputc('R', u->ts);
    put_u64(u->ts, (uint64_t)(upto - u->cursor));
    ret_take(u, upto, u->ts);
}

/* The next size bytes are the contents of rel. */
static void ts_file(struct unpack *u, const char *rel, int64_t size)
{
    if (!u->ts || u->overflow)
        return;
    size_t len = strlen(rel);
    fputc('F', u->ts);
    put_u64(u->ts, (uint64_t)size);
    put_u64(u->ts, len);
    fwrite(rel, 1, len, u->ts);
    int64_t end = u->cursor + size; /* B may not have been given all of it yet */
    ret_take(u, end < u->pos ? end : u->pos, NULL);
    u->cursor = end;
}

/* B is done with the slice: keep what of it is not recorded yet. */
static void slice_leave(struct unpack *u)
{
    if (!u->ts || u->overflow || !u->slice || u->pos <= u->cursor) {
        u->slice = NULL;
        return;
    }
    int64_t from = u->cursor > u->slice_pos ? u->cursor : u->slice_pos;
    size_t n = (size_t)(u->pos - from);
    if (u->ret_len + n > u->ret_cap) {
        if (u->ret_off) { /* room at the front first */
            memmove(u->ret, u->ret + u->ret_off, u->ret_len - u->ret_off);
            u->ret_len -= u->ret_off;
            u->ret_off = 0;
        }
        if (u->ret_len + n > u->ret_cap) {
            u->ret_cap = (u->ret_len + n) * 2;
            u->ret = xrealloc(u->ret, u->ret_cap);
        }
    }
    memcpy(u->ret + u->ret_len, u->slice + (from - u->slice_pos), n);
    u->ret_len += n;
    u->slice = NULL;
    /* Much data that is not file contents (a sparse file, the data of
     * entries that have none on disk, padding after the end): what B has
     * consumed is raw tar whatever comes next, and can be recorded now. */
    if (u->ret_len - u->ret_off > RETAIN_FLUSH)
        ts_raw(u, u->B ? archive_filter_bytes(u->B, 0) : u->pos);
    if (u->ret_len - u->ret_off > RETAIN_LIMIT)
        u->overflow = true; /* B is reading a header of this size: refused at the end */
}

/* libarchive read callback of A: the stored bytes. */
static la_ssize_t a_read(struct archive *a, void *cd, const void **buf)
{
    struct unpack *u = cd;
    ssize_t n = u->rd(u->rctx, buf, &u->src_err);
    if (n < 0) {
        u->src_failed = true;
        archive_set_error(a, EIO, "%s", md_err_msg(&u->src_err));
        return -1;
    }
    if (u->blob_hash.md)
        sha256_update(&u->blob_hash, *buf, (size_t)n);
    u->blob_size += n;
    return n;
}

/* libarchive read callback of B: the uncompressed tar stream. */
static la_ssize_t b_read(struct archive *b, void *cd, const void **buf)
{
    struct unpack *u = cd;
    if (u->a_eof)
        return 0;
    slice_leave(u);
    size_t size = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(u->A, buf, &size, &off);
    if (r == ARCHIVE_EOF) {
        u->a_eof = true;
        return 0;
    }
    if (r < ARCHIVE_WARN) {
        if (b)
            archive_set_error(b, archive_errno(u->A), "%s", archive_error_string(u->A));
        return -1;
    }
    if (off != u->pos) { /* the raw format never leaves holes */
        if (b)
            archive_set_error(b, EINVAL, "unexpected gap in the decompressed stream");
        return -1;
    }
    sha256_async_feed(&u->diff_hash, *buf, size);
    if (u->tar_fd >= 0 && fs_write_all(u->tar_fd, *buf, size) < 0)
        u->write_failed = true;
    u->slice = *buf;
    u->slice_pos = u->pos;
    u->pos += (int64_t)size;
    return (la_ssize_t)size;
}

/* ---- writing entries ---- */

#define entry_err(u, err, ...)                                                                     \
    md_err(err, MD_EINVAL, "%s: entry \"%s\": %s", (u)->o->label, (u)->cur_name,                   \
           md_tmpmsg(__VA_ARGS__))

static __thread char tmpmsg_buf[512];
static const char *md_tmpmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *md_tmpmsg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmpmsg_buf, sizeof tmpmsg_buf, fmt, ap);
    va_end(ap);
    return tmpmsg_buf;
}

/* Why a confined open of a path inside the layer failed. */
static const char *resolve_why(int e)
{
    switch (e) {
    case ELOOP:
        return "path goes through a symbolic link";
    case EXDEV:
        return "path escapes the layer";
    case ENOTDIR:
        return "a parent is not a directory";
    default:
        return strerror(e);
    }
}

static void dirc_free(struct dir_ent *d)
{
    if (d->path)
        close(d->fd);
    free(d->path);
    d->path = NULL;
}

/* Forget dir and, with below, everything under it (removed, or its mode
 * about to change). */
static void dirc_drop(struct unpack *u, const char *dir, bool below)
{
    size_t n = strlen(dir);
    for (int i = 0; i < DIR_CACHE; i++) {
        const char *p = u->dirc[i].path;
        if (p && strncmp(p, dir, n) == 0 && (p[n] == '\0' || (below && p[n] == '/')))
            dirc_free(&u->dirc[i]);
    }
}

static struct dir_ent *dirc_find(struct unpack *u, const char *dir)
{
    for (int i = 0; i < DIR_CACHE; i++) {
        if (u->dirc[i].path && strcmp(u->dirc[i].path, dir) == 0) {
            u->dirc[i].used = ++u->dirc_clock;
            return &u->dirc[i];
        }
    }
    return NULL;
}

static int dirc_add(struct unpack *u, const char *dir, int fd)
{
    struct dir_ent *d = &u->dirc[0];
    for (int i = 1; i < DIR_CACHE && d->path; i++)
        if (!u->dirc[i].path || u->dirc[i].used < d->used)
            d = &u->dirc[i];
    dirc_free(d);
    struct stat st;
    *d = (struct dir_ent){.path = xstrdup(dir),
                          .fd = fd,
                          .sgid = fstat(fd, &st) < 0 || (st.st_mode & S_ISGID),
                          .used = ++u->dirc_clock};
    return fd;
}

/* The directory dir (relative, "" for the root) as an fd; missing parents
 * are created (tar files may omit them), as tar and docker do. Borrowed:
 * valid until the next call. */
static int parent_fd(struct unpack *u, const char *dir, struct md_error *err)
{
    if (!*dir)
        return u->rootfd;
    struct dir_ent *d = dirc_find(u, dir);
    if (d)
        return d->fd;
    int fd = img_openat2(u->rootfd, dir, O_RDONLY | O_DIRECTORY, 0, IMG_RESOLVE_STRICT);
    if (fd < 0 && errno == ENOENT) {
        _cleanup_free_ char *copy = xstrdup(dir);
        int cur = dup(u->rootfd);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c && cur >= 0; c = strtok_r(NULL, "/", &save)) {
            int next = img_openat2(cur, c, O_RDONLY | O_DIRECTORY, 0, IMG_RESOLVE_STRICT);
            if (next < 0 && errno == ENOENT) {
                if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST) {
                    int e = errno;
                    close(cur);
                    errno = e;
                    cur = -1;
                    break;
                }
                next = img_openat2(cur, c, O_RDONLY | O_DIRECTORY, 0, IMG_RESOLVE_STRICT);
            }
            int e = errno;
            close(cur);
            errno = e;
            cur = next;
        }
        fd = cur;
    }
    if (fd < 0)
        return entry_err(u, err, "%s", resolve_why(errno));
    return dirc_add(u, dir, fd);
}

static bool parent_sgid(struct unpack *u, int pfd)
{
    if (pfd == u->rootfd)
        return u->root_sgid;
    for (int i = 0; i < DIR_CACHE; i++)
        if (u->dirc[i].path && u->dirc[i].fd == pfd)
            return u->dirc[i].sgid;
    return true; /* not known: as if set, so owner and mode are applied */
}

/* chown can be left out: the new inode already has this owner */
static bool owner_is_ours(struct unpack *u, struct archive_entry *e, int pfd)
{
    return (uid_t)archive_entry_uid(e) == u->euid && (gid_t)archive_entry_gid(e) == u->egid &&
           !parent_sgid(u, pfd);
}

/* the mode can be given at creation instead of by a chmod */
static bool mode_at_create(struct unpack *u, struct archive_entry *e, int pfd)
{
    mode_t perm = archive_entry_perm(e) & 07777;
    return u->umask_v >= 0 && !(perm & 07000) && (perm & (mode_t)~u->umask_v) == perm &&
           owner_is_ours(u, e, pfd);
}

static int read_umask(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    while (f && fgets(line, sizeof line, f)) {
        unsigned m;
        if (sscanf(line, "Umask: %o", &m) == 1)
            return (int)(m & 0777);
    }
    return -1;
}

static int apply_xattrs(struct unpack *u, struct archive_entry *e, int fd, int pfd,
                        const char *base, struct md_error *err)
{
    const char *name;
    const void *val;
    size_t len;
    if (archive_entry_xattr_reset(e) == 0)
        return 0;
    while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
        /* overlay xattrs steer overlayfs (opaque dirs, redirects, metacopy):
         * only our own whiteout conversion may set them */
        if (strncmp(name, "trusted.overlay.", 16) == 0)
            continue;
        int r;
        if (fd >= 0) {
            r = fsetxattr(fd, name, val, len, 0);
        } else {
            char p[64];
            snprintf(p, sizeof p, "/proc/self/fd/%d/", pfd);
            _cleanup_free_ char *path = xasprintf("%s%s", p, base);
            r = lsetxattr(path, name, val, len, 0);
        }
        if (r < 0) {
            if (errno == ENOTSUP || errno == EPERM || errno == EINVAL || errno == E2BIG ||
                errno == ERANGE) {
                log_warn("%s: entry \"%s\": xattr %s not kept: %s", u->o->label, u->cur_name, name,
                         strerror(errno));
                continue;
            }
            return entry_err(u, err, "set xattr %s: %s", name, strerror(errno));
        }
    }
    return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
    ts[1].tv_sec = archive_entry_mtime(e);
    ts[1].tv_nsec = archive_entry_mtime_nsec(e);
    if (archive_entry_atime_is_set(e)) {
        ts[0].tv_sec = archive_entry_atime(e);
        ts[0].tv_nsec = archive_entry_atime_nsec(e);
    } else {
        ts[0] = ts[1];
    }
}

/* Ownership, mode (after chown, which clears set-id bits), then xattrs
 * (security.capability is cleared by chown too). */
static int apply_meta_fd(struct unpack *u, struct archive_entry *e, int fd, bool do_chown,
                         bool do_chmod, struct md_error *err)
{
    if (do_chown && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
        return entry_err(u, err, "chown: %s", strerror(errno));
    if (do_chmod && fchmod(fd, archive_entry_perm(e) & 07777) < 0)
        return entry_err(u, err, "chmod: %s", strerror(errno));
    return apply_xattrs(u, e, fd, -1, NULL, err);
}

static void remember_dir(struct unpack *u, const char *rel, struct archive_entry *e)
{
    if (u->ndirs == u->cap_dirs) {
        u->cap_dirs = u->cap_dirs ? u->cap_dirs * 2 : 64;
        u->dirs = xrealloc(u->dirs, u->cap_dirs * sizeof *u->dirs);
    }
    u->dirs[u->ndirs].path = xstrdup(rel);
    entry_times(e, u->dirs[u->ndirs].ts);
    u->ndirs++;
}

static int switch_to_tar(struct unpack *u, struct md_error *err);

/* Something already has this name: a name repeated in the archive. Its
 * later copy wins, as with tar; but then the tar cannot be rebuilt from
 * the files, so the layer keeps its tar from here on. */
static int make_room(struct unpack *u, int pfd, const char *base, struct md_error *err)
{
    if (!u->keep_tar && switch_to_tar(u, err) < 0)
        return -1;
    /* pfd (the entry's parent, cached, or the root) stays; cached
     * directories at or below the name being removed would go stale */
    _cleanup_free_ char *victim =
        *u->cur_dir ? xasprintf("%s/%s", u->cur_dir, base) : xstrdup(base);
    dirc_drop(u, victim, true);
    if (fs_rm_rf_at(pfd, base, NULL) < 0)
        return entry_err(u, err, "replace the earlier entry: %s", strerror(errno));
    return 0;
}

static int write_contents(struct unpack *u, struct archive *b, int fd, int64_t size,
                          struct md_error *err)
{
    int64_t written = 0;
    bool sparse = false;
    for (;;) {
        const void *buf;
        size_t n;
        la_int64_t off;
        int r = archive_read_data_block(b, &buf, &n, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            if (u->src_failed)
                return md_err(err, u->src_err.err, "%s: %s", u->o->label, md_err_msg(&u->src_err));
            return entry_err(u, err, "%s", archive_error_string(b));
        }
        if (off != written) {
            if (off < written || off > size)
                return entry_err(u, err, "bad sparse map");
            if (lseek(fd, off, SEEK_SET) < 0)
                return entry_err(u, err, "seek: %s", strerror(errno));
            written = off;
            sparse = true;
        }
        if (written + (int64_t)n > size)
            return entry_err(u, err, "more data than the header's size");
        if (fs_write_all(fd, buf, n) < 0)
            return entry_err(u, err, "write: %s", strerror(errno));
        written += (int64_t)n;
    }
    if (written != size) {
        if (!sparse && written < size)
            return entry_err(u, err, "truncated: %lld of %lld bytes", (long long)written,
                             (long long)size);
        if (ftruncate(fd, size) < 0)
            return entry_err(u, err, "truncate: %s", strerror(errno));
    }
    return 0;
}

/* From tar-split to layer.tar, in the middle of the stream: the bytes so far
 * are rebuilt from the records and the files (all of them written, once
 * the writer is drained; none changed yet, as every replacement of a name
 * comes here first), the rest of the stream follows them in b_read. So no
 * layer is ever read twice, which a streamed load could not do. */
static int switch_to_tar(struct unpack *u, struct md_error *err)
{
    const char *werr = writer_drain(&u->w);
    if (werr)
        return md_err(err, MD_EINVAL, "%s", werr);
    if (u->overflow)
        return md_err(err, MD_EINVAL, "%s: a tar header too large to keep", u->o->label);
    if (fflush(u->ts) != 0 || ferror(u->ts))
        return md_errno(err, errno, "%s: write tar-split", u->o->label);
    _cleanup_close_ int fd =
        openat(u->dirfd, "layer.tar", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return md_errno(err, errno, "%s: create layer.tar", u->o->label);
    struct exporter x = {.wr = layer_fd_write, .wctx = &fd};
    _cleanup_free_ char *buf = xmalloc(COPY_BUF_SIZE);
    if (export_tarsplit(&x, u->dirfd, buf, true, err) < 0)
        return md_err_wrap(err, "%s: keep the layer's tar", u->o->label);
    if (x.total != u->cursor)
        return md_err(err, MD_EINTERNAL, "%s: keep the layer's tar: %lld bytes rebuilt, not %lld",
                      u->o->label, (long long)x.total, (long long)u->cursor);
    /* then the bytes B was given beyond: in ret, then in the slice */
    size_t k = u->ret_len - u->ret_off;
    int64_t rest = u->pos - u->cursor - (int64_t)k;
    if ((k && fs_write_all(fd, u->ret + u->ret_off, k) < 0) ||
        (rest > 0 && fs_write_all(fd, u->slice + (u->pos - rest - u->slice_pos), (size_t)rest) < 0))
        return md_errno(err, errno, "%s: write layer.tar", u->o->label);
    fclose(u->ts);
    u->ts = NULL;
    if (unlinkat(u->dirfd, "tar-split", 0) < 0)
        return md_errno(err, errno, "%s: remove tar-split", u->o->label);
    free(u->ret);
    u->ret = NULL;
    u->ret_off = u->ret_len = u->ret_cap = 0;
    u->tar_fd = steal_fd(&fd);
    u->keep_tar = true;
    return 0;
}

/* A regular file: the contents are read here and written by the writer, in
 * pieces of WRITER_CHUNK; the last piece sets the metadata and closes fd (which
 * is the writer's from here on, also on failure). */
static int regular_async(struct unpack *u, struct archive *b, struct archive_entry *e, int fd,
                         int64_t size, bool do_chown, bool do_chmod, struct md_error *err)
{
    struct wjob *j = NULL;
    int64_t got = 0;
    int rc = 0;
    for (;;) {
        const void *buf;
        size_t n;
        la_int64_t off;
        int r = archive_read_data_block(b, &buf, &n, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || off != got || got + (int64_t)n > size) {
            if (u->src_failed)
                rc = md_err(err, u->src_err.err, "%s: %s", u->o->label, md_err_msg(&u->src_err));
            else
                rc = entry_err(u, err, "%s",
                               r < ARCHIVE_WARN ? archive_error_string(b) : "unexpected data");
            break;
        }
        const char *p = buf;
        while (n) {
            if (!j)
                j = writer_job(&u->w, fd,
                               size - got < WRITER_CHUNK ? (size_t)(size - got) : WRITER_CHUNK,
                               u->cur_name);
            size_t k = n < j->cap - j->len ? n : j->cap - j->len;
            memcpy(j->data + j->len, p, k);
            j->len += k;
            got += (int64_t)k;
            p += k;
            n -= k;
            if (j->len == j->cap && got < size) {
                writer_push(&u->w, j);
                j = NULL;
            }
        }
    }
    if (!rc && got != size)
        rc = entry_err(u, err, "truncated: %lld of %lld bytes", (long long)got, (long long)size);
    if (!j)
        j = writer_job(&u->w, fd, 0, u->cur_name);
    j->last = true;
    if (rc < 0) { /* only closed; its ring space goes back in order */
        j->len = 0;
        writer_push(&u->w, j);
        return -1;
    }
    j->meta = true;
    j->do_chown = do_chown;
    j->do_chmod = do_chmod;
    j->uid = (uid_t)archive_entry_uid(e);
    j->gid = (gid_t)archive_entry_gid(e);
    j->mode = archive_entry_perm(e) & 07777;
    entry_times(e, j->ts);
    const char *name;
    const void *val;
    size_t len;
    if (archive_entry_xattr_reset(e) > 0) {
        while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
            if (strncmp(name, "trusted.overlay.", 16) == 0)
                continue;
            j->xattrs = xrealloc(j->xattrs, (j->nxattrs + 1) * sizeof *j->xattrs);
            struct wxattr *x = &j->xattrs[j->nxattrs++];
            x->name = xstrdup(name);
            x->value = xmalloc(len ? len : 1);
            memcpy(x->value, val, len);
            x->len = len;
        }
    }
    writer_push(&u->w, j);
    return 0;
}

static int do_regular(struct unpack *u, struct archive *b, struct archive_entry *e, int pfd,
                      const char *base, const char *rel, struct md_error *err)
{
    int64_t size = archive_entry_size(e);
    bool do_chown = !owner_is_ours(u, e, pfd);
    bool do_chmod = !mode_at_create(u, e, pfd);
    mode_t cmode = do_chmod ? 0600 : archive_entry_perm(e) & 0777;
    int fd;
    for (;;) {
        fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, cmode);
        if (fd >= 0 || errno != EEXIST)
            break;
        int r = make_room(u, pfd, base, err);
        if (r)
            return r;
    }
    if (fd < 0)
        return entry_err(u, err, "create: %s", strerror(errno));
    /* Contents come from the files on export: record the reference before
     * reading, so the contents are never held in memory. */
    bool sparse = archive_entry_sparse_count(e) > 0;
    if (size > 0 && !sparse)
        ts_file(u, rel, size);
    if (u->w.started && !sparse) {
        if (regular_async(u, b, e, fd, size, do_chown, do_chmod, err) < 0)
            return -1; /* the job (and fd) is gone */
        u->size += size;
        return 0;
    }
    _cleanup_close_ int cfd = fd;
    if (write_contents(u, b, fd, size, err) < 0)
        return -1;
    if (apply_meta_fd(u, e, fd, do_chown, do_chmod, err) < 0)
        return -1;
    struct timespec ts[2];
    entry_times(e, ts);
    if (futimens(fd, ts) < 0)
        return entry_err(u, err, "set times: %s", strerror(errno));
    u->size += size;
    return 0;
}

static int do_dir(struct unpack *u, struct archive_entry *e, int pfd, const char *base,
                  const char *rel, struct md_error *err)
{
    bool do_chown = !owner_is_ours(u, e, pfd);
    bool do_chmod = !mode_at_create(u, e, pfd);
    bool created = false;
    for (;;) {
        if (mkdirat(pfd, base, do_chmod ? 0700 : archive_entry_perm(e) & 0777) == 0) {
            created = true;
            break;
        }
        if (errno != EEXIST)
            return entry_err(u, err, "mkdir: %s", strerror(errno));
        struct stat st;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
            break; /* a directory again (or one made as a parent): update it */
        int r = make_room(u, pfd, base, err);
        if (r)
            return r;
    }
    if (!created)
        do_chown = do_chmod = true;
    /* its mode may change while it is a cached parent: look again */
    dirc_drop(u, rel, false);
    remember_dir(u, rel, e);
    if (!do_chown && !do_chmod && archive_entry_xattr_count(e) == 0)
        return 0;
    _cleanup_close_ int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return entry_err(u, err, "open: %s", strerror(errno));
    return apply_meta_fd(u, e, fd, do_chown, do_chmod, err);
}

/* Metadata of entries that cannot be opened for writing (symlinks, fifos,
 * whiteout devices): through the parent fd, never following the name. */
static int apply_meta_at(struct unpack *u, struct archive_entry *e, int pfd, const char *base,
                         bool chmod_too, struct md_error *err)
{
    if (!owner_is_ours(u, e, pfd) && fchownat(pfd, base, (uid_t)archive_entry_uid(e),
                                              (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
        return entry_err(u, err, "chown: %s", strerror(errno));
    if (chmod_too && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
        return entry_err(u, err, "chmod: %s", strerror(errno));
    if (apply_xattrs(u, e, -1, pfd, base, err) < 0)
        return -1;
    struct timespec ts[2];
    entry_times(e, ts);
    if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return entry_err(u, err, "set times: %s", strerror(errno));
    return 0;
}

static int do_symlink(struct unpack *u, struct archive_entry *e, int pfd, const char *base,
                      struct md_error *err)
{
    const char *target = archive_entry_symlink(e);
    if (!target)
        target = archive_entry_symlink_utf8(e);
    if (!target || !*target)
        return entry_err(u, err, "symbolic link without a target");
    if (strlen(target) >= PATH_MAX)
        return entry_err(u, err, "symbolic link target too long");
    /* Any target is fine: links are stored, never followed while unpacking. */
    for (;;) {
        if (symlinkat(target, pfd, base) == 0)
            break;
        if (errno != EEXIST)
            return entry_err(u, err, "symlink: %s", strerror(errno));
        int r = make_room(u, pfd, base, err);
        if (r)
            return r;
    }
    u->size += (int64_t)strlen(target);
    return apply_meta_at(u, e, pfd, base, false, err);
}

static int do_hardlink(struct unpack *u, int pfd, const char *base, const char *link,
                       struct md_error *err)
{
    char tgt[PATH_MAX];
    const char *why;
    if (layer_clean_path(link, tgt, sizeof tgt, &why) < 0 || !*tgt)
        return entry_err(u, err, "hardlink target \"%s\" escapes the layer", link);
    char *slash = strrchr(tgt, '/');
    const char *tbase = slash ? slash + 1 : tgt;
    _cleanup_close_ int tpfd = -1;
    if (slash) {
        *slash = '\0';
        tpfd = img_openat2(u->rootfd, tgt, O_RDONLY | O_DIRECTORY, 0, IMG_RESOLVE_STRICT);
        if (tpfd < 0) {
            int e2 = errno;
            *slash = '/';
            if (e2 == ENOENT)
                return entry_err(u, err, "hardlink target \"%s\" is not in the layer", link);
            return entry_err(u, err, "hardlink target \"%s\": %s", link, resolve_why(e2));
        }
    }
    int tdir = slash ? tpfd : u->rootfd;
    for (;;) {
        if (linkat(tdir, tbase, pfd, base, 0) == 0)
            break;
        if (errno == ENOENT)
            return entry_err(u, err, "hardlink target \"%s\" is not in the layer", link);
        if (errno != EEXIST)
            return entry_err(u, err, "hardlink to \"%s\": %s", link, strerror(errno));
        int r = make_room(u, pfd, base, err);
        if (r)
            return r;
    }
    return 0;
}

static int do_fifo(struct unpack *u, struct archive_entry *e, int pfd, const char *base,
                   struct md_error *err)
{
    for (;;) {
        if (mkfifoat(pfd, base, 0600) == 0)
            break;
        if (errno != EEXIST)
            return entry_err(u, err, "mkfifo: %s", strerror(errno));
        int r = make_room(u, pfd, base, err);
        if (r)
            return r;
    }
    return apply_meta_at(u, e, pfd, base, true, err);
}

/* ".wh.NAME": NAME becomes an overlayfs whiteout, a 0/0 character device. */
static int do_whiteout(struct unpack *u, struct archive_entry *e, int pfd, const char *target,
                       struct md_error *err)
{
    for (;;) {
        if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) == 0)
            break;
        if (errno != EEXIST)
            return entry_err(u, err, "create whiteout: %s", strerror(errno));
        int r = make_room(u, pfd, target, err);
        if (r)
            return r;
    }
    if (fchownat(pfd, target, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
                 AT_SYMLINK_NOFOLLOW) < 0)
        return entry_err(u, err, "chown whiteout: %s", strerror(errno));
    struct timespec ts[2];
    entry_times(e, ts);
    if (utimensat(pfd, target, ts, AT_SYMLINK_NOFOLLOW) < 0)
        return entry_err(u, err, "set times: %s", strerror(errno));
    return 0;
}

static int unpack_entry(struct unpack *u, struct archive *b, struct archive_entry *e,
                        struct md_error *err)
{
    const char *name = archive_entry_pathname(e);
    if (!name)
        name = archive_entry_pathname_utf8(e);
    if (!name)
        return md_err(err, MD_EINVAL, "%s: an entry has a name that cannot be read", u->o->label);
    u->cur_name = name;
    u->cur_dir = "";
    /* Everything of this entry up to its data is header: record it. */
    ts_raw(u, archive_filter_bytes(b, 0));

    char rel[PATH_MAX];
    const char *why;
    if (layer_clean_path(name, rel, sizeof rel, &why) < 0)
        return entry_err(u, err, "%s", why);
    int64_t size = archive_entry_size(e);
    if (size < 0 || size > LAYER_MAX_ENTRY_SIZE)
        return entry_err(u, err, "size %lld is out of range", (long long)size);
    const char *link = archive_entry_hardlink(e);
    if (!link)
        link = archive_entry_hardlink_utf8(e);
    mode_t type = archive_entry_filetype(e);

    if (!*rel) { /* "./": the layer root itself */
        if (link || type != AE_IFDIR)
            return entry_err(u, err, "the root of the layer must be a directory");
        if (apply_meta_fd(u, e, u->rootfd, true, true, err) < 0)
            return -1;
        u->root_sgid = (archive_entry_perm(e) & S_ISGID) != 0;
        remember_dir(u, "", e);
        return 0;
    }
    if (strncmp(rel, WH_PREFIX WH_PREFIX, 8) == 0)
        return 0; /* aufs metadata at the top (".wh..wh.plnk/..."): dropped, like docker */

    char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    _cleanup_free_ char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
    u->cur_dir = dir;
    const char *target = NULL;
    enum wh_kind wk = whiteout_parse(base, &target);
    if (wk == WH_INVALID)
        return entry_err(u, err, "invalid whiteout name");
    if (wk == WH_META)
        return 0;
    if (wk == WH_NONE && !link && (type == AE_IFCHR || type == AE_IFBLK))
        return entry_err(u, err, "device nodes are not allowed in image layers");
    if (wk == WH_NONE && !link && type == AE_IFSOCK)
        return entry_err(u, err, "sockets are not allowed in image layers");

    int pfd = parent_fd(u, dir, err);
    if (pfd < 0)
        return -1;
    if (wk == WH_OPAQUE_DIR) {
        /* pfd is the cached O_RDONLY fd of the directory */
        if (fsetxattr(pfd, WH_OPAQUE_XATTR, "y", 1, 0) < 0)
            return entry_err(u, err, "mark the directory opaque: %s", strerror(errno));
        return 0;
    }
    if (wk == WH_FILE)
        return do_whiteout(u, e, pfd, target, err);
    if (link)
        return do_hardlink(u, pfd, base, link, err);
    switch (type) {
    case AE_IFREG:
        return do_regular(u, b, e, pfd, base, rel, err);
    case AE_IFDIR:
        return do_dir(u, e, pfd, base, rel, err);
    case AE_IFLNK:
        return do_symlink(u, e, pfd, base, err);
    case AE_IFIFO:
        return do_fifo(u, e, pfd, base, err);
    default:
        return entry_err(u, err, "unsupported entry type 0%o", (unsigned)type);
    }
}

static int set_dir_times(struct unpack *u, struct md_error *err)
{
    for (size_t i = u->ndirs; i-- > 0;) {
        struct dir_time *d = &u->dirs[i];
        /* Without layer.tar no name was ever replaced: every directory is
         * still there, and its parent's fd (mostly cached) will do. */
        char *slash = strrchr(d->path, '/');
        if (!u->keep_tar && *d->path) {
            _cleanup_free_ char *dir = slash ? xstrndup(d->path, (size_t)(slash - d->path)) : NULL;
            struct md_error e2 = {0};
            u->cur_name = d->path;
            int pfd = parent_fd(u, dir ? dir : "", &e2);
            md_err_clear(&e2);
            if (pfd >= 0 &&
                utimensat(pfd, slash ? slash + 1 : d->path, d->ts, AT_SYMLINK_NOFOLLOW) == 0)
                continue;
        }
        int fd = *d->path ? img_openat2(u->rootfd, d->path, O_RDONLY | O_DIRECTORY, 0,
                                        IMG_RESOLVE_STRICT)
                          : dup(u->rootfd);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue; /* replaced by a later entry */
            return md_errno(err, errno, "%s: directory \"%s\"", u->o->label, d->path);
        }
        int r = futimens(fd, d->ts);
        int e = errno;
        close(fd);
        if (r < 0)
            return md_errno(err, e, "%s: set times of \"%s\"", u->o->label, d->path);
    }
    return 0;
}

static void unpack_free(struct unpack *u)
{
    writer_finish(&u->w);
    free(u->w.error);
    sha256_async_abort(&u->diff_hash);
    if (u->A)
        archive_read_free(u->A);
    sha256_abort(&u->blob_hash);
    if (u->ts)
        fclose(u->ts);
    if (u->tar_fd >= 0)
        close(u->tar_fd);
    if (u->rootfd >= 0)
        close(u->rootfd);
    for (int i = 0; i < DIR_CACHE; i++)
        dirc_free(&u->dirc[i]);
    for (size_t i = 0; i < u->ndirs; i++)
        free(u->dirs[i].path);
    free(u->dirs);
    free(u->ret);
    md_err_clear(&u->src_err);
}

static int support_filters(struct archive *a)
{
    /* Only in-process decompressors: libarchive would run an external
     * program for some formats, which has no place on untrusted input. */
    if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(a) != ARCHIVE_OK)
        return -1;
    if (archive_read_support_filter_bzip2(a) != ARCHIVE_OK)
        log_debug("libarchive: no in-process bzip2");
    if (archive_read_support_filter_xz(a) != ARCHIVE_OK)
        log_debug("libarchive: no in-process xz");
    return 0;
}

int layer_unpack(layer_read_fn rd, void *rctx, int dirfd, const struct layer_unpack_opts *o,
                 struct layer_info *out, struct md_error *err)
{
    struct unpack u = {.o = o,
                       .rd = rd,
                       .rctx = rctx,
                       .tar_fd = -1,
                       .keep_tar = o->keep_tar,
                       .dirfd = dirfd,
                       .rootfd = -1};
    sha256_init(&u.blob_hash);
    sha256_async_init(&u.diff_hash);
    int rc = -1;
    _cleanup_archive_ struct archive *b = NULL;

    if (mkdirat(dirfd, "diff", 0755) < 0) {
        md_errno(err, errno, "%s: create the layer directory", o->label);
        goto out;
    }
    u.rootfd = openat(dirfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (u.rootfd < 0) {
        md_errno(err, errno, "%s: open the layer directory", o->label);
        goto out;
    }
    if (o->keep_tar) {
        u.tar_fd = openat(dirfd, "layer.tar", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    } else {
        int fd = openat(dirfd, "tar-split", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0 && !(u.ts = fdopen(fd, "w")))
            close(fd);
        if (u.ts) {
            setvbuf(u.ts, NULL, _IOFBF, 1 << 16);
            fputs(TS_MAGIC, u.ts);
        }
    }
    if (u.tar_fd < 0 && !u.ts) {
        md_errno(err, errno, "%s: create the layer's tar record", o->label);
        goto out;
    }

    u.umask_v = read_umask();
    u.euid = geteuid();
    u.egid = getegid();
    struct stat rst;
    u.root_sgid = fstat(u.rootfd, &rst) < 0 || (rst.st_mode & S_ISGID);
    writer_start(&u.w, o->label);
    u.A = archive_read_new();
    if (support_filters(u.A) < 0 || archive_read_support_format_raw(u.A) != ARCHIVE_OK) {
        md_err(err, MD_EINTERNAL, "libarchive lacks gzip or zstd support");
        goto out;
    }
    if (archive_read_open2(u.A, &u, NULL, a_read, NULL, NULL) != ARCHIVE_OK) {
        if (u.src_failed)
            md_err(err, u.src_err.err, "%s: %s", o->label, md_err_msg(&u.src_err));
        else
            md_err(err, MD_EINVAL, "%s: %s", o->label, archive_error_string(u.A));
        goto out;
    }
    struct archive_entry *ae;
    int r = archive_read_next_header(u.A, &ae);
    if (r == ARCHIVE_EOF) {
        md_err(err, MD_EINVAL, "%s: empty layer", o->label);
        goto out;
    }
    if (r < ARCHIVE_WARN) {
        md_err(err, MD_EINVAL, "%s: %s", o->label, archive_error_string(u.A));
        goto out;
    }

    /* Uncompressed, the stored bytes are the tar: one hash serves both. */
    bool plain = archive_filter_code(u.A, 0) == ARCHIVE_FILTER_NONE;
    if (plain)
        sha256_abort(&u.blob_hash);

    b = archive_read_new();
    u.B = b;
    archive_read_support_format_tar(b);
    if (archive_read_open2(b, &u, NULL, b_read, NULL, NULL) != ARCHIVE_OK) {
        md_err(err, MD_EINVAL, "%s: not a tar archive: %s", o->label, archive_error_string(b));
        goto out;
    }
    size_t entries = 0;
    for (;;) {
        struct archive_entry *e;
        r = archive_read_next_header(b, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
            if (u.src_failed)
                md_err(err, u.src_err.err, "%s: %s", o->label, md_err_msg(&u.src_err));
            else
                md_err(err, MD_EINVAL, "%s: %s%s", o->label,
                       entries ? "" : "not a tar archive: ", archive_error_string(b));
            goto out;
        }
        entries++;
        if (unpack_entry(&u, b, e, err) < 0)
            goto out;
        if (u.write_failed) {
            md_errno(err, errno, "%s: write layer.tar", o->label);
            goto out;
        }
    }
    /* The diff id covers the whole stream, including any padding after the
     * end-of-archive blocks: read it all. */
    u.B = NULL;
    for (;;) {
        const void *buf;
        la_ssize_t n = b_read(NULL, &u, &buf);
        if (n == 0)
            break;
        if (n < 0) {
            md_err(err, MD_EINVAL, "%s: %s", o->label,
                   u.src_failed ? md_err_msg(&u.src_err) : archive_error_string(u.A));
            goto out;
        }
    }
    ts_raw(&u, u.pos);
    if (u.overflow) {
        md_err(err, MD_EINVAL, "%s: a tar header too large to keep", o->label);
        goto out;
    }
    const char *werr = writer_finish(&u.w);
    if (werr) {
        md_err(err, MD_EINVAL, "%s", werr);
        goto out;
    }
    if (set_dir_times(&u, err) < 0)
        goto out;
    if (u.ts) {
        fputc('E', u.ts);
        put_u64(u.ts, (uint64_t)u.pos);
        if (fflush(u.ts) != 0 || ferror(u.ts)) {
            md_errno(err, errno, "%s: write tar-split", o->label);
            goto out;
        }
    }
    if (u.write_failed) {
        md_errno(err, errno, "%s: write layer.tar", o->label);
        goto out;
    }
    sha256_async_final(&u.diff_hash, out->diff_id);
    if (plain)
        memcpy(out->blob_digest, out->diff_id, sizeof out->blob_digest);
    else
        sha256_final(&u.blob_hash, out->blob_digest);
    out->blob_size = u.blob_size;
    out->tar_size = u.pos;
    out->size = u.size;
    out->keep_tar = u.keep_tar;
    rc = 0;
out:
    unpack_free(&u);
    return rc;
}

/* ---- export ---- */

static int ex_write(struct exporter *x, const void *buf, size_t n)
{
    if (x->hash.md)
        sha256_update(&x->hash, buf, n);
    x->total += (int64_t)n;
    return x->wr(x->wctx, buf, n);
}

static int read_full(FILE *f, void *buf, size_t n)
{
    return fread(buf, 1, n, f) == n ? 0 : -1;
}

static int get_u64(FILE *f, uint64_t *v)
{
    unsigned char b[8];
    if (read_full(f, b, 8) < 0)
        return -1;
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = (*v << 8) | b[i];
    return 0;
}

static int copy_fd(struct exporter *x, int fd, int64_t len, char *buf)
{
    while (len > 0) {
        size_t want = len < (int64_t)COPY_BUF_SIZE ? (size_t)len : COPY_BUF_SIZE;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -1 : -2;
        if (ex_write(x, buf, (size_t)n) < 0)
            return -3;
        len -= n;
    }
    return 0;
}

static int export_tarsplit(struct exporter *x, int dirfd, char *buf, bool partial,
                           struct md_error *err)
{
    int fd = openat(dirfd, "tar-split", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open tar-split");
    _cleanup_fclose_ FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return md_errno(err, errno, "open tar-split");
    }
    _cleanup_close_ int rootfd =
        openat(dirfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rootfd < 0)
        return md_errno(err, errno, "open the layer's files");
    char magic[sizeof TS_MAGIC - 1];
    if (read_full(f, magic, sizeof magic) < 0 || memcmp(magic, TS_MAGIC, sizeof magic) != 0)
        return md_err(err, MD_EINTERNAL, "tar-split: bad header");
    for (;;) {
        int t = fgetc(f);
        uint64_t n, len;
        if (t == EOF && partial && !ferror(f))
            return 0;
        if (t == 'E') {
            if (get_u64(f, &n) < 0 || (int64_t)n != x->total)
                return md_err(err, MD_EINTERNAL, "tar-split: length mismatch");
            return 0;
        }
        if (t == 'R') {
            if (get_u64(f, &n) < 0)
                return md_err(err, MD_EINTERNAL, "tar-split: truncated");
            while (n > 0) {
                size_t k = n < COPY_BUF_SIZE ? (size_t)n : COPY_BUF_SIZE;
                if (read_full(f, buf, k) < 0)
                    return md_err(err, MD_EINTERNAL, "tar-split: truncated");
                if (ex_write(x, buf, k) < 0)
                    return md_err(err, EPIPE, "the client went away");
                n -= k;
            }
            continue;
        }
        if (t != 'F' || get_u64(f, &n) < 0 || get_u64(f, &len) < 0 || len >= PATH_MAX)
            return md_err(err, MD_EINTERNAL, "tar-split: corrupt record");
        char path[PATH_MAX];
        if (read_full(f, path, len) < 0)
            return md_err(err, MD_EINTERNAL, "tar-split: truncated");
        path[len] = '\0';
        _cleanup_close_ int cfd =
            img_openat2(rootfd, path, O_RDONLY | O_NOFOLLOW, 0, IMG_RESOLVE_STRICT);
        if (cfd < 0)
            return md_errno(err, errno, "layer file \"%s\"", path);
        int r = copy_fd(x, cfd, (int64_t)n, buf);
        if (r == -3)
            return md_err(err, EPIPE, "the client went away");
        if (r < 0)
            return md_err(err, MD_EINTERNAL, "layer file \"%s\" changed on disk", path);
    }
}

int layer_export(int dirfd, int64_t tar_size, const char *diff_id, layer_write_fn wr, void *wctx,
                 struct md_error *err)
{
    struct exporter x = {.wr = wr, .wctx = wctx};
    sha256_init(&x.hash);
    _cleanup_free_ char *buf = xmalloc(COPY_BUF_SIZE);
    int r;
    _cleanup_close_ int tfd = openat(dirfd, "layer.tar", O_RDONLY | O_CLOEXEC);
    if (tfd >= 0) {
        r = copy_fd(&x, tfd, tar_size, buf);
        if (r == -3)
            r = md_err(err, EPIPE, "the client went away");
        else if (r < 0)
            r = md_err(err, MD_EINTERNAL, "layer.tar is shorter than recorded");
    } else {
        r = export_tarsplit(&x, dirfd, buf, false, err);
    }
    char got[DIGEST_LEN + 1];
    sha256_final(&x.hash, got);
    if (r < 0)
        return md_err_wrap(err, "layer %s", diff_id);
    if (x.total != tar_size || strcmp(got, diff_id) != 0)
        return md_err(err, MD_EINTERNAL, "layer %s: rebuilt tar does not match (got %s)", diff_id,
                      got);
    return 0;
}
