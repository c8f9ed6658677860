/* Tar for docker cp in the client: see tar.h. */
#include "client/tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/pathutil.h"

#define BLOCK   512
#define OUT_BUF (256u * 1024)

__attribute__((format(printf, 2, 3))) static char *fail(char **err, const char *fmt, ...)
{
    if (err && !*err) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(err, fmt, ap) < 0)
            abort();
        va_end(ap);
    }
    return NULL;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- writing ---- */

struct link_seen {
    dev_t dev;
    ino_t ino;
    char *name;
};

struct tar_out {
    int fd;
    char *buf;
    size_t len;
    int64_t total;
    struct link_seen *links;
    size_t nlinks;
};

struct tar_out *tar_out_new(int fd)
{
    struct tar_out *t = xcalloc(1, sizeof *t);
    t->fd = fd;
    t->buf = xmalloc(OUT_BUF);
    return t;
}

static int out_put(struct tar_out *t, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        if (t->len == OUT_BUF) {
            if (write_all(t->fd, t->buf, t->len) < 0)
                return -1;
            t->len = 0;
        }
        size_t k = OUT_BUF - t->len < n ? OUT_BUF - t->len : n;
        memcpy(t->buf + t->len, s, k);
        t->len += k;
        t->total += (int64_t)k;
        s += k;
        n -= k;
    }
    return 0;
}

static int out_pad(struct tar_out *t, int64_t size)
{
    static const char zero[BLOCK];
    size_t r = (size_t)(size % BLOCK);
    return r ? out_put(t, zero, BLOCK - r) : 0;
}

/* w-1 octal digits and a NUL, as tar fields are written */
static void octal(char *f, size_t w, uint64_t v)
{
    f[w - 1] = '\0';
    for (size_t i = w - 1; i-- > 0; v >>= 3)
        f[i] = (char)('0' + (v & 7));
}

static void pax_record(char **recs, const char *key, const char *val)
{
    size_t body = strlen(key) + strlen(val) + 3; /* ' ' '=' '\n' */
    size_t len = body + 1;
    while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
        len = body + (size_t)snprintf(NULL, 0, "%zu", len);
    char *r = xasprintf("%s%zu %s=%s\n", *recs ? *recs : "", len, key, val);
    free(*recs);
    *recs = r;
}

static int out_block(struct tar_out *t, const struct tar_hdr *h, const char *name, char type,
                     int64_t size)
{
    char b[BLOCK] = {0};
    memcpy(b, name, strnlen(name, 100));
    octal(b + 100, 8, h->mode & 07777);
    octal(b + 108, 8, h->uid);
    octal(b + 116, 8, h->gid);
    octal(b + 124, 12, (uint64_t)size);
    octal(b + 136, 12, (uint64_t)(h->mtime < 0 ? 0 : h->mtime));
    b[156] = type;
    if (h->linkname)
        memcpy(b + 157, h->linkname, strnlen(h->linkname, 100));
    memcpy(b + 257,
           "ustar\0"
           "00",
           8);
    octal(b + 329, 8, h->devmajor);
    octal(b + 337, 8, h->devminor);
    memset(b + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < BLOCK; i++)
        sum += (unsigned char)b[i];
    snprintf(b + 148, 8, "%06o", sum);
    return out_put(t, b, BLOCK);
}

static int out_header(struct tar_out *t, const struct tar_hdr *h)
{
    _cleanup_free_ char *recs = NULL;
    if (strlen(h->name) > 100)
        pax_record(&recs, "path", h->name);
    if (h->linkname && strlen(h->linkname) > 100)
        pax_record(&recs, "linkpath", h->linkname);
    if (recs) {
        size_t n = strlen(recs);
        if (out_block(t, h, "PaxHeader", 'x', (int64_t)n) < 0 || out_put(t, recs, n) < 0 ||
            out_pad(t, (int64_t)n) < 0)
            return -1;
    }
    return out_block(t, h, h->name, h->type, h->type == '0' ? h->size : 0);
}

static int out_file(struct tar_out *t, const char *path, int64_t size, char **err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(err, "open %s: %s", path, strerror(errno)), -1;
    char buf[65536];
    int64_t left = size;
    while (left > 0) {
        size_t want = left < (int64_t)sizeof buf ? (size_t)left : sizeof buf;
        ssize_t n = read(fd, buf, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(err, "read %s: %s", path, strerror(errno)), -1;
        if (n == 0) { /* shrank meanwhile: keep the header's size */
            memset(buf, 0, want);
            n = (ssize_t)want;
        }
        if (out_put(t, buf, (size_t)n) < 0)
            return fail(err, "write: %s", strerror(errno)), -1;
        left -= n;
    }
    return out_pad(t, size);
}

int tar_out_tree(struct tar_out *t, const char *path, const char *top, int64_t *content, char **err)
{
    return tar_out_tree_skip(t, path, top, content, NULL, NULL, err);
}

int tar_out_tree_skip(struct tar_out *t, const char *path, const char *top, int64_t *content,
                      bool (*skip)(void *ctx, const char *name), void *ctx, char **err)
{
    if (skip && skip(ctx, top))
        return 0;
    struct stat st;
    if (lstat(path, &st) < 0)
        return fail(err, "lstat %s: %s", path, strerror(errno)), -1;
    if (S_ISSOCK(st.st_mode))
        return 0;
    char target[PATH_MAX] = "";
    struct tar_hdr h = {.mode = st.st_mode & 07777,
                        .uid = st.st_uid,
                        .gid = st.st_gid,
                        .mtime = st.st_mtim.tv_sec,
                        .type = '0'};
    _cleanup_free_ char *name = S_ISDIR(st.st_mode) && strcmp(top, "/")
                                    ? xasprintf("%s%s", top, top[strlen(top) - 1] == '/' ? "" : "/")
                                    : xstrdup(top);
    h.name = name;
    if (S_ISDIR(st.st_mode)) {
        h.type = '5';
    } else if (S_ISLNK(st.st_mode)) {
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0)
            return fail(err, "readlink %s: %s", path, strerror(errno)), -1;
        target[n] = '\0';
        h.type = '2';
        h.linkname = target;
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        h.type = S_ISCHR(st.st_mode) ? '3' : '4';
        h.devmajor = major(st.st_rdev);
        h.devminor = minor(st.st_rdev);
    } else if (S_ISFIFO(st.st_mode)) {
        h.type = '6';
    } else {
        h.size = st.st_size;
        if (st.st_nlink > 1) {
            for (size_t i = 0; i < t->nlinks; i++)
                if (t->links[i].dev == st.st_dev && t->links[i].ino == st.st_ino) {
                    h.type = '1';
                    h.linkname = t->links[i].name;
                    h.size = 0;
                }
            if (h.type == '0') {
                t->links = xrealloc(t->links, (t->nlinks + 1) * sizeof *t->links);
                t->links[t->nlinks++] = (struct link_seen){st.st_dev, st.st_ino, xstrdup(name)};
            }
        }
    }
    if (out_header(t, &h) < 0)
        return fail(err, "write: %s", strerror(errno)), -1;
    if (h.type == '0') {
        *content += h.size;
        return out_file(t, path, h.size, err);
    }
    if (h.type != '5')
        return 0;
    _cleanup_closedir_ DIR *d = opendir(path);
    if (!d)
        return fail(err, "open %s: %s", path, strerror(errno)), -1;
    size_t n;
    _cleanup_strv_ char **names = path_sorted_names(d, &n);
    if (!names)
        return fail(err, "read %s: %s", path, strerror(errno)), -1;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *sub = xasprintf("%s/%s", path, names[i]);
        _cleanup_free_ char *subname = xasprintf("%s%s", name, names[i]);
        if (tar_out_tree_skip(t, sub, subname, content, skip, ctx, err) < 0)
            return -1;
    }
    return 0;
}

int64_t tar_out_finish(struct tar_out *t)
{
    static const char zero[2 * BLOCK];
    int r = out_put(t, zero, sizeof zero);
    if (r == 0 && t->len)
        r = write_all(t->fd, t->buf, t->len);
    int64_t total = t->total;
    for (size_t i = 0; i < t->nlinks; i++)
        free(t->links[i].name);
    free(t->links);
    free(t->buf);
    free(t);
    return r < 0 ? -1 : total;
}

/* ---- reading ---- */

struct tar_in {
    tar_read_fn rd;
    void *rctx;
    char buf[OUT_BUF];
    size_t off, len;
    int64_t total;
};

static ssize_t in_read(struct tar_in *t, void *p, size_t n)
{
    if (t->off == t->len) {
        ssize_t r;
        do
            r = t->rd(t->rctx, t->buf, sizeof t->buf);
        while (r < 0 && errno == EINTR);
        if (r <= 0)
            return r;
        t->off = 0;
        t->len = (size_t)r;
        t->total += r;
    }
    size_t k = t->len - t->off < n ? t->len - t->off : n;
    memcpy(p, t->buf + t->off, k);
    t->off += k;
    return (ssize_t)k;
}

static int in_full(struct tar_in *t, void *p, size_t n)
{
    char *s = p;
    while (n) {
        ssize_t r = in_read(t, s, n);
        if (r <= 0)
            return -1;
        s += r;
        n -= (size_t)r;
    }
    return 0;
}

static int in_skip(struct tar_in *t, int64_t n)
{
    char tmp[4096];
    while (n > 0) {
        size_t k = n < (int64_t)sizeof tmp ? (size_t)n : sizeof tmp;
        if (in_full(t, tmp, k) < 0)
            return -1;
        n -= (int64_t)k;
    }
    return 0;
}

static int64_t num(const char *f, size_t w)
{
    if ((unsigned char)f[0] & 0x80) { /* base-256 */
        int64_t v = f[0] & 0x3f;
        for (size_t i = 1; i < w; i++)
            v = (v << 8) | (unsigned char)f[i];
        return v;
    }
    char tmp[16] = {0};
    memcpy(tmp, f, w < sizeof tmp - 1 ? w : sizeof tmp - 1);
    return strtoll(tmp, NULL, 8);
}

static char *read_blob(struct tar_in *t, int64_t size)
{
    if (size < 0 || size > (1 << 20))
        return NULL;
    char *s = xmalloc((size_t)size + 1);
    int64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;
    if (in_full(t, s, (size_t)size) < 0 || in_skip(t, padded - size) < 0) {
        free(s);
        return NULL;
    }
    s[size] = '\0';
    return s;
}

static void pax_parse(const char *recs, char **path, char **link, int64_t *size)
{
    const char *p = recs;
    while (*p) {
        char *end;
        long len = strtol(p, &end, 10);
        if (len <= 0 || *end != ' ' || (size_t)len > strlen(p))
            return;
        const char *kv = end + 1, *stop = p + len - 1; /* the '\n' */
        const char *eq = memchr(kv, '=', (size_t)(stop - kv));
        if (eq) {
            size_t kl = (size_t)(eq - kv);
            char *val = xstrndup(eq + 1, (size_t)(stop - eq - 1));
            if (kl == 4 && !strncmp(kv, "path", 4)) {
                free(*path);
                *path = val;
            } else if (kl == 8 && !strncmp(kv, "linkpath", 8)) {
                free(*link);
                *link = val;
            } else {
                if (kl == 4 && !strncmp(kv, "size", 4))
                    *size = strtoll(val, NULL, 10);
                free(val);
            }
        }
        p += len;
    }
}

/* 1 with *h (free its strings), 0 at the end, -1 on a bad or cut tar. */
static int in_next(struct tar_in *t, struct tar_hdr *h)
{
    char *path = NULL, *link = NULL;
    int64_t size = -1;
    for (;;) {
        unsigned char b[BLOCK];
        if (in_full(t, b, BLOCK) < 0)
            break;
        bool zero = true;
        for (int i = 0; i < BLOCK && zero; i++)
            zero = b[i] == 0;
        if (zero) {
            free(path);
            free(link);
            return 0;
        }
        const char *c = (const char *)b;
        char type = c[156] ? c[156] : '0';
        int64_t sz = num(c + 124, 12);
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            char *blob = read_blob(t, sz);
            if (!blob)
                break;
            if (type == 'x')
                pax_parse(blob, &path, &link, &size);
            if (type == 'L') {
                free(path);
                path = xstrdup(blob);
            } else if (type == 'K') {
                free(link);
                link = xstrdup(blob);
            }
            free(blob);
            continue;
        }
        *h = (struct tar_hdr){.type = type == '7' ? '0' : type,
                              .mode = (mode_t)num(c + 100, 8) & 07777,
                              .uid = (uid_t)num(c + 108, 8),
                              .gid = (gid_t)num(c + 116, 8),
                              .size = size >= 0 ? size : sz,
                              .mtime = num(c + 136, 12),
                              .devmajor = (unsigned)num(c + 329, 8),
                              .devminor = (unsigned)num(c + 337, 8)};
        if (path) {
            h->name = path;
        } else {
            char nm[101] = {0}, pre[156] = {0};
            memcpy(nm, c, 100);
            if (!memcmp(c + 257, "ustar", 5))
                memcpy(pre, c + 345, 155);
            h->name = pre[0] ? xasprintf("%s/%s", pre, nm) : xstrdup(nm);
        }
        if (link) {
            h->linkname = link;
        } else {
            char ln[101] = {0};
            memcpy(ln, c + 157, 100);
            h->linkname = xstrdup(ln);
        }
        return 1;
    }
    free(path);
    free(link);
    return -1;
}

/* ---- extracting ---- */

static int open_beneath(int dfd, const char *rel, int flags)
{
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, dfd, rel[0] ? rel : ".", &how, sizeof how);
}

/* name cleaned as filepath.Join(dest, name) would, relative to dest; NULL
 * when it leaves dest. */
static char *rel_clean(const char *name)
{
    size_t n = strlen(name);
    char *out = xmalloc(n + 1);
    size_t len = 0;
    for (const char *p = name; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchrnul(p, '/');
        size_t k = (size_t)(e - p);
        if (k == 2 && p[0] == '.' && p[1] == '.') {
            if (len == 0) {
                free(out);
                return NULL;
            }
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;
        } else if (k && !(k == 1 && p[0] == '.')) {
            if (len)
                out[len++] = '/';
            memcpy(out + len, p, k);
            len += k;
        }
        p = e;
    }
    out[len] = '\0';
    return out;
}

static int mkdir_beneath(int dfd, const char *rel)
{
    _cleanup_free_ char *p = xstrdup(rel);
    for (char *s = p;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        _cleanup_close_ int fd = open_beneath(dfd, p, O_PATH | O_DIRECTORY);
        if (fd < 0) {
            char *slash = strrchr(p, '/');
            _cleanup_close_ int pfd =
                slash ? (*slash = '\0', open_beneath(dfd, p, O_PATH | O_DIRECTORY))
                      : open_beneath(dfd, "", O_PATH | O_DIRECTORY);
            if (slash)
                *slash = '/';
            if (pfd < 0 || (mkdirat(pfd, slash ? slash + 1 : p, 0755) < 0 && errno != EEXIST))
                return -1;
        }
        *s = c;
        if (!c)
            return 0;
    }
}

struct dir_mtime {
    char *rel;
    int64_t mtime;
};

static int extract_one(struct tar_in *t, int dfd, const char *dir, const struct tar_hdr *h,
                       const char *rel, const struct tar_extract_opts *o, char **err)
{
    _cleanup_free_ char *pdir = xstrdup(rel);
    char *slash = strrchr(pdir, '/');
    const char *base = slash ? slash + 1 : rel;
    if (slash)
        *slash = '\0';
    else
        pdir[0] = '\0';
    _cleanup_close_ int pfd = open_beneath(dfd, pdir, O_PATH | O_DIRECTORY);
    if (pfd < 0 && errno == ENOENT && mkdir_beneath(dfd, pdir) == 0)
        pfd = open_beneath(dfd, pdir, O_PATH | O_DIRECTORY);
    if (pfd < 0)
        return fail(err, "open %s: %s", pdir, strerror(errno)), -1;
    _cleanup_free_ char *full = xasprintf("%s/%s", dir, rel);
    struct stat ex;
    bool isdir = h->type == '5';
    if (fstatat(pfd, base, &ex, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(ex.st_mode) && !isdir)
            return fail(err, "cannot overwrite directory \"%s\" with non-directory \"%s\"", full,
                        dir),
                   -1;
        if (!S_ISDIR(ex.st_mode) && isdir)
            return fail(err, "cannot overwrite non-directory \"%s\" with directory \"%s\"", full,
                        dir),
                   -1;
        if (!isdir && unlinkat(pfd, base, 0) < 0)
            return fail(err, "remove %s: %s", full, strerror(errno)), -1;
    }
    int r = 0;
    switch (h->type) {
    case '5':
        if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
            r = -1;
        break;
    case '2':
        r = symlinkat(h->linkname, pfd, base);
        break;
    case '1': {
        _cleanup_free_ char *target = rel_clean(h->linkname);
        if (!target)
            return fail(err, "invalid hardlink \"%s\" -> \"%s\"", h->linkname, h->name), -1;
        _cleanup_close_ int tfd = open_beneath(dfd, target, O_PATH | O_NOFOLLOW);
        return tfd < 0 || linkat(tfd, "", pfd, base, AT_EMPTY_PATH) < 0
                   ? (fail(err, "link %s: %s", full, strerror(errno)), -1)
                   : 0;
    }
    case '3':
    case '4':
    case '6':
        r = mknodat(pfd, base,
                    (h->type == '3'   ? S_IFCHR
                     : h->type == '4' ? S_IFBLK
                                      : S_IFIFO) |
                        h->mode,
                    makedev(h->devmajor, h->devminor));
        break;
    case '0': {
        _cleanup_close_ int fd =
            openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return fail(err, "create %s: %s", full, strerror(errno)), -1;
        char buf[65536];
        for (int64_t left = h->size; left > 0;) {
            size_t k = left < (int64_t)sizeof buf ? (size_t)left : sizeof buf;
            ssize_t n = in_read(t, buf, k);
            if (n <= 0)
                return fail(err, "%s: unexpected EOF", full), -1;
            if (write_all(fd, buf, (size_t)n) < 0)
                return fail(err, "write %s: %s", full, strerror(errno)), -1;
            left -= n;
        }
        int64_t padded = (h->size + BLOCK - 1) / BLOCK * BLOCK;
        if (in_skip(t, padded - h->size) < 0)
            return fail(err, "%s: unexpected EOF", full), -1;
        break;
    }
    default:
        return 0;
    }
    if (r < 0)
        return fail(err, "create %s: %s", full, strerror(errno)), -1;
    if (o->chown && fchownat(pfd, base, h->uid, h->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return fail(err, "chown %s: %s", full, strerror(errno)), -1;
    if (h->type != '2' && fchmodat(pfd, base, h->mode, AT_SYMLINK_NOFOLLOW) < 0)
        return fail(err, "chmod %s: %s", full, strerror(errno)), -1;
    struct timespec ts[2] = {{h->mtime, 0}, {h->mtime, 0}};
    if (h->type != '5')
        utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
    return 0;
}

/* moby RebaseArchiveEntries: the first old_base in name becomes new_base
 * (an empty old_base puts new_base in front). name itself when unchanged. */
static char *rebase(char *name, const struct tar_extract_opts *o)
{
    if (!o->new_base)
        return name;
    const char *at = o->old_base[0] ? strstr(name, o->old_base) : name;
    if (!at)
        return name;
    return xasprintf("%.*s%s%s", (int)(at - name), name, o->new_base, at + strlen(o->old_base));
}

int tar_extract(tar_read_fn rd, void *rctx, const char *dir, const struct tar_extract_opts *o,
                int64_t *bytes, char **err)
{
    _cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return fail(err, "open %s: %s", dir, strerror(errno)), -1;
    struct tar_in *t = xcalloc(1, sizeof *t);
    t->rd = rd;
    t->rctx = rctx;
    struct dir_mtime *dirs = NULL;
    size_t ndirs = 0;
    int r = 0;
    struct tar_hdr h;
    int k;
    while ((k = in_next(t, &h)) == 1) {
        char *name = rebase(h.name, o);
        if (h.type == '1') { /* a hard link names its target as an entry name */
            char *l = rebase(h.linkname, o);
            if (l != h.linkname) {
                free(h.linkname);
                h.linkname = l;
            }
        }
        _cleanup_free_ char *rel = rel_clean(name);
        if (!rel)
            r = (fail(err, "\"%s\" is outside of \"%s\"", name, dir), -1);
        else if (rel[0])
            r = extract_one(t, dfd, dir, &h, rel, o, err);
        if (r == 0 && rel && rel[0] && h.type == '5') {
            dirs = xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
            dirs[ndirs++] = (struct dir_mtime){xstrdup(rel), h.mtime};
        }
        /* data an entry did not consume (a dir, a link with a size) */
        if (r == 0 && h.type != '0' && h.size > 0)
            r = in_skip(t, (h.size + BLOCK - 1) / BLOCK * BLOCK) < 0
                    ? (fail(err, "unexpected EOF"), -1)
                    : 0;
        if (name != h.name)
            free(name);
        free(h.name);
        free(h.linkname);
        if (r < 0)
            break;
    }
    if (r == 0 && k < 0)
        r = (fail(err, "unexpected EOF"), -1);
    for (size_t i = ndirs; i-- > 0;) {
        struct timespec ts[2] = {{dirs[i].mtime, 0}, {dirs[i].mtime, 0}};
        _cleanup_close_ int f = open_beneath(dfd, dirs[i].rel, O_RDONLY | O_DIRECTORY);
        if (r == 0 && f >= 0)
            futimens(f, ts);
        free(dirs[i].rel);
    }
    free(dirs);
    if (bytes)
        *bytes = t->total;
    free(t);
    return r;
}
