/* The container's root for cp and export: opening it (running or stopped),
 * docker's path rules, symlink resolution kept inside the root, and stat. */
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/ctrfs/priv.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/pathutil.h"
#include "common/timefmt.h"
#include "daemon/daemon.h"
#include "daemon/image/fsutil.h"
#include "daemon/image/image.h"
#include "daemon/runtime/runtime.h"
#include "daemon/runtime/user.h"
#include "daemon/runtime/util.h"
#include "daemon/state/container.h"

int ctrfs_open(struct container *c, struct ctrfs_root *root, struct md_error *err)
{
    *root = (struct ctrfs_root){.fd = -1, .c = c};
    _cleanup_free_ char *dir = md_data_path("overlay/%s", c->id);
    _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    enum ctr_status s = c->status;
    cstore_unlock();
    if (util_is_mountpoint(merged) == 1) {
        /* running (or not yet cleaned up): its own mount, which the fd
         * keeps alive should the container stop meanwhile */
        root->fd = open(merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        pthread_mutex_unlock(&c->op_lock);
        if (root->fd < 0)
            return md_errno(err, errno, "open %s", merged);
        return 0;
    }
    if (s == CTR_RUNNING || s == CTR_PAUSED) {
        pthread_mutex_unlock(&c->op_lock);
        return md_err(err, MD_EINTERNAL, "the rootfs of running container %s is not mounted",
                      c->name);
    }
    struct image *im = NULL;
    if (image_lookup(c->image_id, &im, err) < 0) {
        pthread_mutex_unlock(&c->op_lock);
        return md_err_wrap(err, "container %s", c->name);
    }
    _cleanup_strv_ char **layers = image_layer_dirs(im);
    image_put(im);
    _cleanup_close_ int mnt = rt_rootfs_open(layers, dir, err);
    /* fsmount's fd is O_PATH, which getdents refuses (a listing of it
     * reads as empty): a real directory fd, which keeps the mount alive */
    root->fd = mnt < 0 ? -1 : openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root->fd < 0) {
        if (mnt >= 0)
            md_errno(err, errno, "open the rootfs of %s", c->name);
        pthread_mutex_unlock(&c->op_lock);
        return -1;
    }
    root->locked = true;
    return 0;
}

void ctrfs_close(struct ctrfs_root *root)
{
    if (root->fd >= 0)
        close(root->fd);
    root->fd = -1;
    if (root->locked)
        pthread_mutex_unlock(&root->c->op_lock);
    root->locked = false;
}

/* ---- paths, as Go's path/filepath and moby's archive package see them ---- */

char *ctrfs_abs_path(const char *path)
{
    _cleanup_free_ char *joined = xasprintf("/%s", path);
    return path_preserve_trailing(path_clean(joined), path);
}

/* The last component of abs as filepath.Split leaves it ("" after a
 * trailing "/"), and a malloc'd copy of what comes before it. */
const char *ctrfs_split_last(const char *abs, char **dir)
{
    const char *slash = strrchr(abs, '/');
    *dir = xstrndup(abs, (size_t)(slash - abs) + 1);
    return slash + 1;
}

/* moby's FollowSymlinkInScope on the fd tree: every symlink in abs resolved
 * (the last one too) as the container would, a ".." never above the root;
 * components that do not exist are kept as written. */
char *ctrfs_resolve(int rootfd, const char *abs, struct md_error *err)
{
    _cleanup_free_ char *todo = xstrdup(abs);
    _cleanup_free_ char *done = xstrdup("/");
    int links = 0;
    for (;;) {
        char *p = todo;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        char *e = strchrnul(p, '/');
        _cleanup_free_ char *comp = xstrndup(p, (size_t)(e - p));
        _cleanup_free_ char *rest = xstrdup(e);
        free(todo);
        todo = steal_ptr(&rest);
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            _cleanup_free_ char *up = xasprintf("%s/..", done);
            free(done);
            done = path_clean(up);
            continue;
        }
        _cleanup_free_ char *cand = xasprintf("%s%s%s", done, strcmp(done, "/") ? "/" : "", comp);
        _cleanup_close_ int fd = img_openat2(rootfd, cand, O_PATH | O_NOFOLLOW, 0, CTRFS_IN_ROOT);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode)) {
            free(done);
            done = steal_ptr(&cand);
            continue;
        }
        if (++links > 255)
            return md_errno(err, ELOOP, "resolve %s", abs), NULL;
        char target[PATH_MAX];
        ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
        if (n < 0)
            return md_errno(err, errno, "readlink %s", cand), NULL;
        target[n] = '\0';
        char *t = xasprintf("%s/%s", target, todo);
        free(todo);
        todo = t;
        if (target[0] == '/') {
            free(done);
            done = xstrdup("/");
        }
    }
    return steal_ptr(&done);
}

static int not_found(struct md_error *err, const char *path, const char *ctr_name)
{
    return md_err(err, MD_ENOTFOUND, "Could not find the file %s in container %s", path, ctr_name);
}

/* Go's os.FileMode of a stat mode. */
static uint32_t go_mode(mode_t m)
{
    uint32_t g = m & 0777;
    switch (m & S_IFMT) {
    case S_IFDIR:
        g |= 1u << 31;
        break;
    case S_IFLNK:
        g |= 1u << 27;
        break;
    case S_IFBLK:
        g |= 1u << 26;
        break;
    case S_IFCHR:
        g |= (1u << 26) | (1u << 21);
        break;
    case S_IFIFO:
        g |= 1u << 25;
        break;
    case S_IFSOCK:
        g |= 1u << 24;
        break;
    }
    if (m & S_ISUID)
        g |= 1u << 23;
    if (m & S_ISGID)
        g |= 1u << 22;
    if (m & S_ISVTX)
        g |= 1u << 20;
    return g;
}

int ctrfs_stat(const struct ctrfs_root *root, const char *path, const char *ctr_name,
               struct ctrfs_stat *out, struct md_error *err)
{
    *out = (struct ctrfs_stat){0};
    _cleanup_free_ char *abs = ctrfs_abs_path(path);
    _cleanup_free_ char *dir = NULL;
    const char *last = ctrfs_split_last(abs, &dir);
    _cleanup_close_ int dfd = img_openat2(root->fd, dir, O_PATH | O_DIRECTORY, 0, CTRFS_IN_ROOT);
    if (dfd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return not_found(err, path, ctr_name);
    if (dfd < 0)
        return md_errno(err, errno, "open %s in container %s", dir, ctr_name);
    struct stat st;
    int r = *last ? fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) : fstat(dfd, &st);
    if (r < 0 && (errno == ENOENT || errno == ENOTDIR))
        return not_found(err, path, ctr_name);
    if (r < 0)
        return md_errno(err, errno, "stat %s in container %s", abs, ctr_name);
    out->name = path_base(abs);
    out->size = st.st_size;
    out->mode = go_mode(st.st_mode);
    out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    out->link_target = S_ISLNK(st.st_mode) ? ctrfs_resolve(root->fd, abs, err) : xstrdup("");
    if (!out->link_target) {
        ctrfs_stat_free(out);
        return -1;
    }
    return 0;
}

void ctrfs_stat_free(struct ctrfs_stat *st)
{
    free(st->name);
    free(st->link_target);
    *st = (struct ctrfs_stat){0};
}

char *ctrfs_stat_header(const struct ctrfs_stat *st)
{
    _cleanup_free_ char *mtime = time_format(st->mtime_ns, false);
    json_t *j =
        json_pack("{s:s,s:I,s:I,s:s,s:s}", "name", st->name, "size", (json_int_t)st->size, "mode",
                  (json_int_t)st->mode, "mtime", mtime, "linkTarget", st->link_target);
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    size_t n = strlen(s);
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
    return out;
}

int ctrfs_put_check(const struct ctrfs_root *root, const char *path, const char *ctr_name,
                    bool readonly, char **dest, struct md_error *err)
{
    _cleanup_free_ char *abs = ctrfs_abs_path(path);
    /* the last component is followed too: extracting "to" a symlink to a
     * directory extracts into that directory, as docker does */
    _cleanup_close_ int fd = img_openat2(root->fd, abs, O_PATH, 0, CTRFS_IN_ROOT);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return not_found(err, path, ctr_name);
    if (fd < 0)
        return md_errno(err, errno, "open %s in container %s", abs, ctr_name);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return md_errno(err, errno, "stat %s in container %s", abs, ctr_name);
    if (!S_ISDIR(st.st_mode))
        return md_err(err, MD_EINVAL, "extraction point is not a directory");
    if (readonly)
        return md_err(err, MD_EINVAL, "container rootfs is marked read-only");
    *dest = ctrfs_resolve(root->fd, abs, err);
    return *dest ? 0 : -1;
}

int ctrfs_user_ids(const struct ctrfs_root *root, const char *user, uid_t *uid, gid_t *gid,
                   struct md_error *err)
{
    struct rt_user u;
    if (user_resolve_in(root->fd, user, NULL, &u, err) < 0)
        return -1;
    *uid = u.uid;
    *gid = u.gid;
    user_free(&u);
    return 0;
}
