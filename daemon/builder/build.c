/* The classic builder (see build.h). Each step as moby's dispatchers do
 * it: config instructions commit an empty layer from a container that
 * never runs, RUN commits what its container changed, COPY/ADD/WORKDIR
 * write into a created container's root (daemon/ctrfs) and commit it. A
 * step whose parent and container_config match an existing image's is
 * taken from the cache. */
#include "daemon/builder/build.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "daemon/api/server.h"
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/daemon.h"
#include "daemon/image/changes.h"
#include "daemon/image/commit.h"
#include "daemon/image/store.h"
#include "daemon/state/commit.h"
#include "daemon/state/ctr_volumes.h"
#include "daemon/state/lifecycle.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct stage {
    char *name; /* lower case, or NULL */
    char id[DIGEST_LEN + 1];
};

struct bstate {
    const struct build_opts *o;
    struct strbuf quiet_buf;
    bool failed_write;
    /* the stage being built */
    char image[DIGEST_LEN + 1];
    json_t *config; /* its run config */
    char *author;
    bool cmd_set;
    char **args;      /* "K=V": ARGs of this stage with a value */
    char **meta_args; /* before the first FROM */
    json_t *used;     /* build args consumed: {"K":true} */
    struct stage *stages;
    int exit_code; /* of a failed RUN, for errorDetail.code */
    size_t nstages;
};

/* ---- output ---- */

static void emit(struct bstate *b, json_t *j)
{
    if (!b->failed_write && api_write_json_line(b->o->out, j) < 0)
        b->failed_write = true;
    json_decref(j);
}

static void say(struct bstate *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct bstate *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s)
        return;
    if (b->o->quiet)
        sb_add(&b->quiet_buf, s);
    else
        emit(b, json_pack("{s:s}", "stream", s));
    free(s);
}

static const char *short_id(const char *id)
{
    static __thread char s[13];
    const char *h = strncmp(id, "sha256:", 7) ? id : id + 7;
    snprintf(s, sizeof s, "%.12s", h);
    return s;
}

/* ---- Go's formatting of command lines in commit messages ---- */

/* fmt %q of a []string: ["a" "b"] */
static char *go_quote_list(json_t *arr)
{
    struct strbuf sb = STRBUF_INIT;
    sb_addc(&sb, '[');
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            sb_addc(&sb, ' ');
        char *q = json_dumps(v, JSON_ENCODE_ANY);
        sb_add(&sb, q);
        free(q);
    }
    sb_addc(&sb, ']');
    return sb_steal(&sb);
}

/* fmt %v of a []string: [a b] */
static char *go_list(char *const *v)
{
    struct strbuf sb = STRBUF_INIT;
    sb_addc(&sb, '[');
    for (char *const *x = v; x && *x; x++) {
        if (x != v)
            sb_addc(&sb, ' ');
        sb_add(&sb, *x);
    }
    sb_addc(&sb, ']');
    return sb_steal(&sb);
}

static char *join_words(json_t *arr)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (i)
            sb_addc(&sb, ' ');
        sb_add(&sb, json_string_value(v) ? json_string_value(v) : "");
    }
    return sb_steal(&sb);
}

/* ---- environment for expansion and RUN ---- */

static char **expand_env(struct bstate *b)
{
    char **env = json_to_strv(json_object_get(b->config, "Env"));
    if (!env)
        env = xcalloc(1, sizeof *env);
    for (char **a = b->args; a && *a; a++) {
        size_t kl = strcspn(*a, "=");
        bool found = false;
        for (char **e = env; *e; e++)
            if (!strncmp(*e, *a, kl) && (*e)[kl] == '=')
                found = true;
        if (!found)
            strv_push(&env, *a);
    }
    return env;
}

static json_t *shell_of(struct bstate *b)
{
    json_t *sh = json_object_get(b->config, "Shell");
    if (json_is_array(sh) && json_array_size(sh))
        return json_deep_copy(sh);
    return json_pack("[s,s]", "/bin/sh", "-c");
}

/* ---- the cache ---- */

static bool cache_find(struct bstate *b, json_t *ccfg, char id[DIGEST_LEN + 1])
{
    if (b->o->nocache)
        return false;
    size_t n = 0;
    struct image **all = store_all_images(&n);
    int64_t best = -1;
    for (size_t i = 0; i < n; i++) {
        json_t *cc = json_object_get(all[i]->config, "container_config");
        if (cc && json_equal(cc, ccfg) && all[i]->created_ns > best) {
            best = all[i]->created_ns;
            memcpy(id, all[i]->id, DIGEST_LEN + 1);
        }
    }
    store_images_free(all, n);
    return best >= 0;
}

/* Take the cached image as the new state. */
static void use_cache(struct bstate *b, const char *id)
{
    struct image *im = NULL;
    struct md_error e = {0};
    if (image_lookup(id, &im, &e) == 0) {
        json_decref(b->config);
        b->config = json_deep_copy(image_config(im));
        image_put(im);
    }
    md_err_clear(&e);
    memcpy(b->image, id, DIGEST_LEN + 1);
    say(b, " ---> Using cache\n");
}

/* ---- containers of a step ---- */

static int step_create(struct bstate *b, json_t *cmd, bool run, struct container **out,
                       struct md_error *err)
{
    _cleanup_json_ json_t *body = json_deep_copy(b->config);
    json_object_set_new(body, "Image", json_string(b->image));
    json_object_set(body, "Cmd", cmd);
    if (run) {
        json_object_set_new(body, "Entrypoint", json_array());
        _cleanup_strv_ char **env = expand_env(b);
        json_object_set_new(body, "Env", json_strv(env));
        json_object_set_new(body, "AttachStdout", json_true());
        json_object_set_new(body, "AttachStderr", json_true());
    }
    json_object_set_new(body, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
    json_object_del(body, "OnBuild");
    json_object_set_new(body, "HostConfig",
                        b->o->host_config ? json_deep_copy(b->o->host_config) : json_object());
    if (ctr_create(body, NULL, out, err) < 0)
        return -1;
    say(b, " ---> Running in %.12s\n", (*out)->id);
    return 0;
}

static void step_remove(struct bstate *b, struct container *c, bool announce)
{
    struct md_error e = {0};
    char id[13];
    snprintf(id, sizeof id, "%.12s", c->id);
    /* moby removes them with RemoveVolume: a VOLUME's anonymous volumes go too */
    if (ctr_remove(c, true, &e) < 0) {
        say(b, "Error removing intermediate container %s: %s\n", id, md_err_msg(&e));
        md_err_clear(&e);
        return;
    }
    ctr_volumes_remove_anonymous(c);
    if (announce)
        say(b, "Removing intermediate container %s\n", id);
}

/* Commit the upper directory ufd (of container_id, "" for none) with the
 * state's config as the next image. */
static int step_commit_fd(struct bstate *b, int ufd, const char *container_id, json_t *ccfg,
                          struct md_error *err)
{
    json_object_set_new(b->config, "Image", json_string(b->image));
    _cleanup_json_ json_t *cfg = image_container_config(b->config);
    struct image_commit_req req = {.parent_id = b->image,
                                   .upperfd = ufd,
                                   .container_id = container_id,
                                   .config = cfg,
                                   .container_config = ccfg,
                                   .author = b->author};
    char id[DIGEST_LEN + 1];
    if (image_commit(&req, id, err) < 0)
        return -1;
    memcpy(b->image, id, DIGEST_LEN + 1);
    return 0;
}

static int step_commit(struct bstate *b, struct container *c, json_t *ccfg, struct md_error *err)
{
    _cleanup_close_ int ufd = ctr_commit_upper_fd(c, err);
    if (ufd < 0)
        return -1;
    return step_commit_fd(b, ufd, c->id, ccfg, err);
}

/* FROM scratch has no image to make a container of: a step's files go
 * into an empty directory that is committed as the first layer. */
struct scratch {
    char *tmp;
    struct ctrfs_root root;
};

static bool is_scratch(const struct bstate *b)
{
    return !b->image[0];
}

static int scratch_open(struct scratch *s, struct md_error *err)
{
    s->root = (struct ctrfs_root){.fd = -1};
    s->tmp = store_tmp_dir(err);
    if (!s->tmp)
        return -1;
    s->root.fd = open(s->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root.fd < 0)
        return md_errno(err, errno, "open %s", s->tmp);
    return 0;
}

static void scratch_close(struct scratch *s)
{
    if (s->root.fd >= 0)
        close(s->root.fd);
    if (s->tmp)
        store_tmp_remove(s->tmp);
    free(s->tmp);
}

/* A step's files written by fill into a created container (or, FROM
 * scratch, the empty directory) and committed. */
static int files_step(struct bstate *b, json_t *cmd, json_t *ccfg,
                      int (*fill)(const struct ctrfs_root *root, void *ctx, struct md_error *err),
                      void *ctx, struct md_error *err)
{
    if (is_scratch(b)) {
        struct scratch s;
        int r = scratch_open(&s, err);
        if (r == 0 && fill)
            r = fill(&s.root, ctx, err);
        if (r == 0)
            r = step_commit_fd(b, s.root.fd, "", ccfg, err);
        scratch_close(&s);
        return r;
    }
    struct container *c = NULL;
    if (step_create(b, cmd, false, &c, err) < 0)
        return -1;
    int r = 0;
    if (fill) {
        struct ctrfs_root root;
        r = ctrfs_open(c, &root, err);
        if (r == 0) {
            r = fill(&root, ctx, err);
            ctrfs_close(&root);
        }
    }
    if (r == 0)
        r = step_commit(b, c, ccfg, err);
    if (r == 0 ? b->o->rm : b->o->forcerm)
        step_remove(b, c, true);
    ctr_put(c);
    return r;
}

/* The container_config of a step: the state's config with cmd. */
static json_t *probe_config(struct bstate *b, json_t *cmd, bool run)
{
    _cleanup_json_ json_t *p = json_deep_copy(b->config);
    json_object_set_new(p, "Image", json_string(b->image));
    json_object_set(p, "Cmd", cmd);
    if (run)
        json_object_set_new(p, "Entrypoint", json_array());
    return image_container_config(p);
}

/* A step that changes only the config: "#(nop) " and the comment as two
 * words, as moby's commit does (history shows two spaces). */
static int commit_config(struct bstate *b, const char *comment, struct md_error *err)
{
    _cleanup_json_ json_t *cmd = shell_of(b);
    json_array_append_new(cmd, json_string("#(nop) "));
    json_array_append_new(cmd, json_string(comment));
    _cleanup_json_ json_t *ccfg = probe_config(b, cmd, false);
    char id[DIGEST_LEN + 1];
    if (cache_find(b, ccfg, id)) {
        use_cache(b, id);
        return 0;
    }
    return files_step(b, cmd, ccfg, NULL, NULL, err);
}

/* ---- RUN ---- */

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void relay_log(struct bstate *b, int fd, struct strbuf *pending)
{
    char buf[16384];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        sb_addn(pending, buf, (size_t)n);
    char *nl;
    while (pending->len && (nl = memchr(pending->s, '\n', pending->len))) {
        size_t len = (size_t)(nl - pending->s);
        json_t *j = json_loadb(pending->s, len, 0, NULL);
        const char *s = json_str(j, "log");
        if (s)
            say(b, "%s", s);
        json_decref(j);
        memmove(pending->s, nl + 1, pending->len - len - 1);
        pending->len -= len + 1;
        pending->s[pending->len] = '\0';
    }
}

/* Start c, relay its output, wait; *code gets its exit code. */
static int run_container(struct bstate *b, struct container *c, int *code, struct md_error *err)
{
    cstore_lock();
    uint64_t seq = c->exit_seq;
    cstore_unlock();
    if (ctr_start(c, err) < 0)
        return -1;
    _cleanup_free_ char *path = md_data_path("containers/%s/%s-json.log", c->id, c->id);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct strbuf pending = STRBUF_INIT;
    bool cancelled = false;
    for (;;) {
        if (fd >= 0)
            relay_log(b, fd, &pending);
        cstore_lock();
        bool done = c->exit_seq != seq || c->removed;
        if (!done)
            cstore_wait(100);
        done = c->exit_seq != seq || c->removed;
        *code = c->seq_exit_code;
        cstore_unlock();
        if (done)
            break;
        if (api_shutting_down() || b->failed_write || api_fd_hung_up(b->o->out)) {
            struct md_error e = {0};
            ctr_kill(c, 9, &e);
            md_err_clear(&e);
            cancelled = true;
        }
    }
    if (fd >= 0)
        relay_log(b, fd, &pending);
    sb_free(&pending);
    if (cancelled)
        return md_err(err, MD_EINTERNAL, "build cancelled");
    return 0;
}

static int do_run(struct bstate *b, const struct df_line *l, struct md_error *err)
{
    _cleanup_strv_ char **jv = image_json_args(l->rest);
    _cleanup_json_ json_t *cmd = NULL;
    if (jv) {
        cmd = json_strv(jv);
    } else {
        cmd = shell_of(b);
        json_array_append_new(cmd, json_string(l->rest));
    }
    if (!json_array_size(cmd))
        return md_err(err, MD_EINVAL, "RUN requires at least one argument");
    if (is_scratch(b))
        return md_err(err, MD_EINVAL,
                      "RUN in a stage FROM scratch is not supported by minidock's builder: the "
                      "stage has no files yet");
    /* moby's prependEnvOnCmd: the build args in use, in the cache key and
     * the history, not in the image's Env */
    _cleanup_json_ json_t *save = json_array();
    size_t nargs = strv_len(b->args);
    if (nargs) {
        char n[32];
        snprintf(n, sizeof n, "|%zu", nargs);
        json_array_append_new(save, json_string(n));
        _cleanup_strv_ char **sorted = strv_dup(b->args);
        qsort(sorted, nargs, sizeof *sorted, cmp_str);
        for (char **a = sorted; *a; a++)
            json_array_append_new(save, json_string(*a));
    }
    json_array_extend(save, cmd);
    _cleanup_json_ json_t *ccfg = probe_config(b, save, true);
    char id[DIGEST_LEN + 1];
    if (cache_find(b, ccfg, id)) {
        use_cache(b, id);
        return 0;
    }
    struct container *c = NULL;
    if (step_create(b, cmd, true, &c, err) < 0)
        return -1;
    int code = 0;
    int r = run_container(b, c, &code, err);
    if (r == 0 && code != 0) {
        _cleanup_free_ char *joined = join_words(cmd);
        r = md_err(err, MD_EINVAL, "The command '%s' returned a non-zero code: %d", joined, code);
        b->exit_code = code;
    }
    if (r == 0)
        r = step_commit(b, c, ccfg, err);
    if (r == 0 ? b->o->rm : b->o->forcerm || api_fd_hung_up(b->o->out))
        step_remove(b, c, true);
    ctr_put(c);
    return r;
}

/* ---- COPY, ADD, WORKDIR: files into a created container ---- */

static int open_in(int root, const char *rel, int flags)
{
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof how);
}

struct copy_job {
    struct archive *a; /* NULL: only hash */
    struct sha256 h;
    bool chmod;
    mode_t mode;
};

static int put_header(struct copy_job *j, const char *name, const struct stat *st, const char *link)
{
    sha256_update(&j->h, name, strlen(name) + 1);
    mode_t mode = st->st_mode;
    if (j->chmod && !S_ISLNK(mode))
        mode = (mode & S_IFMT) | j->mode;
    char meta[64];
    int n = snprintf(meta, sizeof meta, "%o %lld", (unsigned)mode,
                     S_ISREG(mode) ? (long long)st->st_size : 0LL);
    sha256_update(&j->h, meta, (size_t)n + 1);
    if (link)
        sha256_update(&j->h, link, strlen(link) + 1);
    if (!j->a)
        return 0;
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_mode(e, mode);
    archive_entry_set_size(e, S_ISREG(mode) ? st->st_size : 0);
    archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    if (link)
        archive_entry_set_symlink(e, link);
    int r = archive_write_header(j->a, e);
    archive_entry_free(e);
    return r == ARCHIVE_OK ? 0 : -1;
}

static int cmp_dirent(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The entry name in dirfd, as tarname; a directory with everything below
 * (with_self: its own entry too). */
static int add_tree(struct copy_job *j, int pfd, const char *name, const char *tarname,
                    bool with_self, struct md_error *err)
{
    struct stat st;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return md_errno(err, errno, "stat %s", tarname);
    if (S_ISLNK(st.st_mode)) {
        char link[4096];
        ssize_t n = readlinkat(pfd, name, link, sizeof link - 1);
        if (n < 0)
            return md_errno(err, errno, "readlink %s", tarname);
        link[n] = '\0';
        return put_header(j, tarname, &st, link) < 0 ? md_err(err, MD_EINTERNAL, "tar: %s", tarname)
                                                    : 0;
    }
    if (S_ISREG(st.st_mode)) {
        _cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            return md_errno(err, errno, "open %s", tarname);
        if (put_header(j, tarname, &st, NULL) < 0)
            return md_err(err, MD_EINTERNAL, "tar: %s", tarname);
        char buf[65536];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            sha256_update(&j->h, buf, (size_t)n);
            if (j->a && archive_write_data(j->a, buf, (size_t)n) != n)
                return md_err(err, MD_EINTERNAL, "tar: %s", archive_error_string(j->a));
        }
        return n < 0 ? md_errno(err, errno, "read %s", tarname) : 0;
    }
    if (!S_ISDIR(st.st_mode))
        return 0; /* devices, fifos, sockets: not copied */
    if (with_self) {
        _cleanup_free_ char *dn = xasprintf("%s/", tarname);
        if (put_header(j, dn, &st, NULL) < 0)
            return md_err(err, MD_EINTERNAL, "tar: %s", tarname);
    }
    int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return md_errno(err, errno, "open %s", tarname);
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return md_errno(err, errno, "open %s", tarname);
    }
    char **names = xcalloc(1, sizeof *names);
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            strv_push(&names, de->d_name);
    qsort(names, strv_len(names), sizeof *names, cmp_dirent);
    int r = 0;
    for (char **x = names; *x && r == 0; x++) {
        _cleanup_free_ char *child = *tarname ? xasprintf("%s/%s", tarname, *x) : xstrdup(*x);
        r = add_tree(j, dirfd(d), *x, child, true, err);
    }
    strv_free(names);
    closedir(d);
    return r;
}

/* path.Clean of "/"+p; NULL when p leaves the root ("../x"). */
static char *clean_rel(const char *p)
{
    _cleanup_free_ char *dup = xstrdup(p);
    struct strbuf sb = STRBUF_INIT;
    sb_add(&sb, "");
    char *save = NULL;
    for (char *c = strtok_r(dup, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            if (!sb.len) {
                sb_free(&sb);
                return NULL;
            }
            char *sl = strrchr(sb.s, '/');
            sb.len = sl ? (size_t)(sl - sb.s) : 0;
            sb.s[sb.len] = '\0';
            continue;
        }
        if (sb.len)
            sb_addc(&sb, '/');
        sb_add(&sb, c);
    }
    return sb_steal(&sb);
}

/* Paths below root matching pattern (Go filepath.Match per component). */
static void glob_in(int root, const char *prefix, char **comps, char ***out)
{
    if (!*comps) {
        strv_push(out, prefix);
        return;
    }
    if (!strpbrk(*comps, "*?[")) {
        _cleanup_free_ char *p = *prefix ? xasprintf("%s/%s", prefix, *comps) : xstrdup(*comps);
        struct stat st;
        _cleanup_close_ int fd = open_in(root, p, O_PATH | O_NOFOLLOW);
        if (fd >= 0 && fstat(fd, &st) == 0)
            glob_in(root, p, comps + 1, out);
        return;
    }
    int dfd = open_in(root, prefix, O_RDONLY | O_DIRECTORY);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    char **names = xcalloc(1, sizeof *names);
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && !fnmatch(*comps, de->d_name, 0))
            strv_push(&names, de->d_name);
    closedir(d);
    qsort(names, strv_len(names), sizeof *names, cmp_dirent);
    for (char **x = names; *x; x++) {
        _cleanup_free_ char *p = *prefix ? xasprintf("%s/%s", prefix, *x) : xstrdup(*x);
        glob_in(root, p, comps + 1, out);
    }
    strv_free(names);
}

struct copy_req {
    const char *cmd; /* "COPY" or "ADD" */
    char **srcs;     /* relative paths in the source root, matched */
    char *dest;      /* absolute, in the container */
    bool dest_dir;   /* ends in "/" */
    char *chown;     /* user spec or NULL */
    bool chmod;
    mode_t mode;
    int root;        /* the source tree */
    bool archives;   /* ADD: local archives are unpacked */
};

static bool is_archive(int root, const char *rel)
{
    _cleanup_close_ int fd = open_in(root, rel, O_RDONLY | O_NOFOLLOW);
    unsigned char h[263] = {0};
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return false;
    ssize_t n = read(fd, h, sizeof h);
    if (n < 6)
        return false;
    return (h[0] == 0x1f && h[1] == 0x8b) || !memcmp(h, "BZh", 3) ||
           !memcmp(h, "\xfd" "7zXZ\0", 6) || (n >= 262 && !memcmp(h + 257, "ustar", 5));
}

static bool is_dir_in(int root, const char *rel)
{
    _cleanup_close_ int fd = open_in(root, rel, O_PATH | O_NOFOLLOW);
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Each source into j: a directory's contents under base, a file as
 * base/name or (file_name) as file_name itself. */
static int copy_sources(struct copy_job *j, const struct copy_req *q, const char *base,
                        const char *file_name, struct md_error *err)
{
    for (char **s = q->srcs; *s; s++) {
        if (q->archives && is_archive(q->root, *s)) {
            /* hashed here, unpacked separately */
            _cleanup_free_ char *n = xasprintf("archive:%s", *s);
            sha256_update(&j->h, n, strlen(n) + 1);
            continue;
        }
        const char *slash = strrchr(*s, '/');
        _cleanup_free_ char *dir = slash ? xstrndup(*s, (size_t)(slash - *s)) : xstrdup("");
        const char *name = slash ? slash + 1 : *s;
        int dfd = open_in(q->root, dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
            return md_errno(err, errno, "%s failed: open %s", q->cmd, *s);
        bool isdir = is_dir_in(q->root, *s);
        _cleanup_free_ char *tn = isdir       ? xstrdup(base)
                                  : file_name ? xstrdup(file_name)
                                  : *base     ? xasprintf("%s/%s", base, name)
                                              : xstrdup(name);
        int r = add_tree(j, dfd, *name ? name : ".", tn, false, err);
        close(dfd);
        if (r < 0)
            return -1;
    }
    return 0;
}

static void copy_hash(const struct copy_req *q, char hex[DIGEST_LEN + 1], struct md_error *err)
{
    struct copy_job j = {.chmod = q->chmod, .mode = q->mode};
    sha256_init(&j.h);
    if (q->chown)
        sha256_update(&j.h, q->chown, strlen(q->chown) + 1);
    copy_sources(&j, q, "", NULL, err);
    sha256_final(&j.h, hex);
}

/* The directories of dir (absolute) that do not exist in root, as tar
 * entries, outermost first. */
static int add_missing_dirs(struct copy_job *j, const struct ctrfs_root *root, const char *dir,
                            struct md_error *err)
{
    _cleanup_free_ char *rel = clean_rel(dir);
    if (!rel || !*rel)
        return 0;
    struct strbuf p = STRBUF_INIT;
    char *save = NULL;
    int r = 0;
    for (char *c = strtok_r(rel, "/", &save); c && r == 0; c = strtok_r(NULL, "/", &save)) {
        if (p.len)
            sb_addc(&p, '/');
        sb_add(&p, c);
        _cleanup_free_ char *abs = xasprintf("/%s", p.s);
        struct ctrfs_stat st = {0};
        struct md_error e = {0};
        if (ctrfs_stat(root, abs, "", &st, &e) == 0) {
            ctrfs_stat_free(&st);
            continue;
        }
        md_err_clear(&e);
        struct stat ds = {.st_mode = S_IFDIR | 0755};
        clock_gettime(CLOCK_REALTIME, &ds.st_mtim);
        _cleanup_free_ char *dn = xasprintf("%s/", p.s);
        bool chmod = j->chmod; /* --chmod is for what is copied, not the dirs made */
        j->chmod = false;
        if (j->a && put_header(j, dn, &ds, NULL) < 0)
            r = md_err(err, MD_EINTERNAL, "tar: %s", dn);
        j->chmod = chmod;
    }
    sb_free(&p);
    return r;
}

static bool ctr_is_dir(const struct ctrfs_root *root, const char *path)
{
    struct ctrfs_stat st = {0};
    struct md_error e = {0};
    bool dir = ctrfs_stat(root, path, "", &st, &e) == 0 && (st.mode & 0x80000000u);
    ctrfs_stat_free(&st);
    md_err_clear(&e);
    return dir;
}

/* Write the sources into a container's root (a files_step fill). */
static int copy_into(const struct ctrfs_root *rootp, void *ctx, struct md_error *err)
{
    const struct copy_req *q = ctx;
    const struct ctrfs_root root = *rootp;
    struct ctrfs_put_opts po = {.chown = true};
    int r = 0;
    if (q->chown && ctrfs_user_ids(&root, q->chown, &po.uid, &po.gid, err) < 0)
        r = -1;
    bool single_file = q->srcs[0] && !q->srcs[1] && !is_dir_in(q->root, q->srcs[0]) &&
                       !(q->archives && is_archive(q->root, q->srcs[0]));
    bool as_dir = q->dest_dir || !single_file || ctr_is_dir(&root, q->dest);
    _cleanup_free_ char *dest_rel = clean_rel(q->dest);
    _cleanup_free_ char *dir = NULL;
    if (as_dir) {
        dir = xstrdup(q->dest);
    } else {
        char *sl = strrchr(q->dest, '/');
        dir = sl && sl != q->dest ? xstrndup(q->dest, (size_t)(sl - q->dest)) : xstrdup("/");
    }
    _cleanup_free_ char *tmpdir = r == 0 ? store_tmp_dir(err) : NULL;
    if (r == 0 && !tmpdir)
        r = -1;
    _cleanup_free_ char *tarpath = tmpdir ? xasprintf("%s/copy.tar", tmpdir) : NULL;
    if (r == 0) {
        _cleanup_close_ int fd = open(tarpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        struct copy_job j = {.chmod = q->chmod, .mode = q->mode, .a = archive_write_new()};
        sha256_init(&j.h);
        archive_write_set_format_pax_restricted(j.a);
        if (fd < 0 || archive_write_open_fd(j.a, fd) != ARCHIVE_OK)
            r = md_errno(err, errno ? errno : EIO, "%s: temporary tar", q->cmd);
        if (r == 0)
            r = add_missing_dirs(&j, &root, dir, err);
        if (r == 0)
            r = copy_sources(&j, q, as_dir ? (dest_rel ? dest_rel : "") : "",
                             as_dir ? NULL : dest_rel, err);
        if (archive_write_close(j.a) != ARCHIVE_OK && r == 0)
            r = md_err(err, MD_EINTERNAL, "tar: %s", archive_error_string(j.a));
        archive_write_free(j.a);
        sha256_abort(&j.h);
        if (r == 0 && lseek(fd, 0, SEEK_SET) == 0) {
            _cleanup_free_ char *buf = xmalloc(LAYER_READ_BLOCK);
            struct layer_fd_src src = {.fd = fd, .buf = buf, .size = LAYER_READ_BLOCK};
            r = ctrfs_extract(&root, "/", layer_fd_read, &src, &po, err);
        }
    }
    for (char **s = q->srcs; r == 0 && *s; s++) {
        if (!q->archives || !is_archive(q->root, *s))
            continue;
        _cleanup_close_ int fd = open_in(q->root, *s, O_RDONLY | O_NOFOLLOW);
        if (fd < 0) {
            r = md_errno(err, errno, "ADD: open %s", *s);
            break;
        }
        _cleanup_free_ char *buf = xmalloc(LAYER_READ_BLOCK);
        struct layer_fd_src src = {.fd = fd, .buf = buf, .size = LAYER_READ_BLOCK};
        struct ctrfs_put_opts ao = {0};
        r = ctrfs_extract(&root, dir, layer_fd_read, &src, &ao, err);
    }
    if (tmpdir)
        store_tmp_remove(tmpdir);
    return r;
}

/* A throwaway container of image id, for reading its files. */
static int image_root_ctr(const char *id, struct container **out, struct md_error *err)
{
    _cleanup_json_ json_t *body = json_pack("{s:s,s:[s],s:[],s:{s:[s]},s:{}}", "Image", id, "Cmd",
                                            "/nop", "Entrypoint", "Healthcheck", "Test", "NONE",
                                            "HostConfig");
    return ctr_create(body, NULL, out, err);
}

static const char *stage_image(struct bstate *b, const char *name)
{
    for (size_t i = 0; i < b->nstages; i++)
        if (b->stages[i].name && !strcasecmp(b->stages[i].name, name))
            return b->stages[i].id;
    char *end;
    unsigned long n = strtoul(name, &end, 10);
    if (*name && !*end && n < b->nstages)
        return b->stages[n].id;
    return NULL;
}

static int do_copy(struct bstate *b, const struct df_line *l, bool add, struct md_error *err)
{
    const char *cmd = add ? "ADD" : "COPY";
    _cleanup_strv_ char **env = expand_env(b);
    _cleanup_strv_ char **words = image_json_args(l->rest);
    if (!words)
        words = image_split_words(l->rest);
    struct copy_req q = {.cmd = cmd, .root = b->o->ctxfd, .archives = add};
    _cleanup_free_ char *from = NULL;
    char **w = words;
    int r = 0;
    for (; *w && !strncmp(*w, "--", 2); w++) {
        char *eq = strchr(*w, '=');
        _cleanup_free_ char *val = eq ? image_shell_word(eq + 1, env, err) : NULL;
        if (eq && !val)
            return -1;
        size_t kl = eq ? (size_t)(eq - *w) : strlen(*w);
        if (kl == 7 && !strncmp(*w, "--chown", 7) && val) {
            q.chown = xstrdup(val);
        } else if (kl == 7 && !strncmp(*w, "--chmod", 7) && val) {
            char *end;
            q.mode = (mode_t)strtoul(val, &end, 8);
            if (!*val || *end || q.mode > 07777) {
                free(q.chown);
                return md_err(err, MD_EINVAL, "invalid chmod parameter: %s", val);
            }
            q.chmod = true;
        } else if (kl == 6 && !strncmp(*w, "--from", 6) && val && !add) {
            from = xstrdup(val);
        } else {
            free(q.chown);
            return md_err(err, MD_EINVAL, "Unknown flag: %.*s", (int)kl - 2, *w + 2);
        }
    }
    size_t n = strv_len(w);
    if (n < 2) {
        free(q.chown);
        return md_err(err, MD_EINVAL, "%s requires at least two arguments", cmd);
    }
    struct container *src_c = NULL;
    struct ctrfs_root src_root = {.fd = -1};
    if (from) {
        const char *id = stage_image(b, from);
        struct image *im = NULL;
        if (!id && image_lookup(from, &im, err) == 0) {
            id = image_id(im);
        }
        if (!id)
            r = -1;
        if (r == 0 && image_root_ctr(id, &src_c, err) < 0)
            r = -1;
        if (im)
            image_put(im);
        if (r == 0 && ctrfs_open(src_c, &src_root, err) < 0)
            r = -1;
        if (r == 0)
            q.root = src_root.fd;
    }
    _cleanup_free_ char *dest = r == 0 ? image_shell_word(w[n - 1], env, err) : NULL;
    if (r == 0 && !dest)
        r = -1;
    q.srcs = xcalloc(1, sizeof *q.srcs);
    for (size_t i = 0; r == 0 && i < n - 1; i++) {
        _cleanup_free_ char *s = image_shell_word(w[i], env, err);
        if (!s) {
            r = -1;
            break;
        }
        if (add && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8))) {
            r = md_err(err, MD_EINVAL, "ADD from a URL is not supported by minidock's builder: %s",
                       s);
            break;
        }
        _cleanup_free_ char *c = clean_rel(s);
        if (!c) {
            r = md_err(err, MD_EINVAL, "forbidden path outside the build context: %s ()", s);
            break;
        }
        _cleanup_strv_ char **comps = xcalloc(1, sizeof *comps);
        _cleanup_free_ char *cc = xstrdup(c);
        char *save = NULL;
        for (char *x = strtok_r(cc, "/", &save); x; x = strtok_r(NULL, "/", &save))
            strv_push(&comps, x);
        size_t before = strv_len(q.srcs);
        glob_in(q.root, "", comps, &q.srcs);
        if (strv_len(q.srcs) == before && !strpbrk(c, "*?["))
            r = md_err(err, MD_EINVAL,
                       "%s failed: file not found in build context or excluded by "
                       ".dockerignore: stat %s: file does not exist",
                       cmd, s);
    }
    if (r == 0 && !q.srcs[0])
        r = md_err(err, MD_EINVAL, "%s failed: no source files were specified", cmd);
    if (r == 0) {
        size_t dl = strlen(dest);
        q.dest_dir = dl && (dest[dl - 1] == '/' || (dl >= 2 && !strcmp(dest + dl - 2, "/.")));
        if (n > 2 && !q.dest_dir)
            r = md_err(err, MD_EINVAL,
                       "When using %s with more than one source file, the destination must be "
                       "a directory and end with a /",
                       cmd);
        const char *wd = json_str(b->config, "WorkingDir");
        _cleanup_free_ char *joined =
            dest[0] == '/' ? xstrdup(dest) : xasprintf("%s/%s", wd && *wd ? wd : "", dest);
        _cleanup_free_ char *c = clean_rel(joined);
        q.dest = xasprintf("/%s", c ? c : "");
    }
    if (r == 0) {
        char hex[DIGEST_LEN + 1];
        copy_hash(&q, hex, err);
        bool isdir = !q.srcs[1] && is_dir_in(q.root, q.srcs[0]);
        _cleanup_free_ char *comment = xasprintf("%s %s:%s in %s ", cmd,
                                                 q.srcs[1] ? "multi" : isdir ? "dir" : "file",
                                                 digest_hex(hex), dest);
        _cleanup_json_ json_t *ccmd = shell_of(b);
        _cleanup_free_ char *nop = xasprintf("#(nop) %s", comment);
        json_array_append_new(ccmd, json_string(nop));
        _cleanup_json_ json_t *ccfg = probe_config(b, ccmd, false);
        char id[DIGEST_LEN + 1];
        if (cache_find(b, ccfg, id))
            use_cache(b, id);
        else
            r = files_step(b, ccmd, ccfg, copy_into, &q, err);
    }
    if (src_root.fd >= 0)
        ctrfs_close(&src_root);
    if (src_c) {
        step_remove(b, src_c, false);
        ctr_put(src_c);
    }
    strv_free(q.srcs);
    free(q.dest);
    free(q.chown);
    return r;
}

/* WORKDIR makes its directory, as moby's ContainerCreateWorkdir (a files_step fill). */
static int make_workdir(const struct ctrfs_root *root, void *ctx, struct md_error *err)
{
    const char *wd = ctx;
    _cleanup_free_ char *tmpdir = store_tmp_dir(err);
    if (!tmpdir)
        return -1;
    _cleanup_free_ char *tarpath = xasprintf("%s/wd.tar", tmpdir);
    _cleanup_close_ int fd = open(tarpath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct copy_job j = {.a = archive_write_new()};
    sha256_init(&j.h);
    archive_write_set_format_pax_restricted(j.a);
    int r = 0;
    if (fd < 0 || archive_write_open_fd(j.a, fd) != ARCHIVE_OK)
        r = md_errno(err, errno ? errno : EIO, "WORKDIR: temporary tar");
    if (r == 0)
        r = add_missing_dirs(&j, root, wd, err);
    archive_write_close(j.a);
    archive_write_free(j.a);
    sha256_abort(&j.h);
    if (r == 0 && lseek(fd, 0, SEEK_SET) == 0) {
        _cleanup_free_ char *buf = xmalloc(LAYER_READ_BLOCK);
        struct layer_fd_src src = {.fd = fd, .buf = buf, .size = LAYER_READ_BLOCK};
        struct ctrfs_put_opts po = {.chown = true};
        r = ctrfs_extract(root, "/", layer_fd_read, &src, &po, err);
    }
    store_tmp_remove(tmpdir);
    return r;
}

static int do_workdir(struct bstate *b, const struct df_line *l, struct md_error *err)
{
    _cleanup_strv_ char **env = expand_env(b);
    if (image_dispatch(b->config, l, env, &b->cmd_set, err) < 0)
        return -1;
    _cleanup_free_ char *wd = xstrdup(json_str(b->config, "WorkingDir"));
    _cleanup_free_ char *comment = xasprintf("#(nop) WORKDIR %s", wd);
    _cleanup_json_ json_t *cmd = shell_of(b);
    json_array_append_new(cmd, json_string(comment));
    _cleanup_json_ json_t *ccfg = probe_config(b, cmd, false);
    char id[DIGEST_LEN + 1];
    if (cache_find(b, ccfg, id)) {
        use_cache(b, id);
        return 0;
    }
    return files_step(b, cmd, ccfg, make_workdir, wd, err);
}
/* ---- config instructions, ARG, FROM ---- */

static void strv_set(char ***v, const char *k, const char *val)
{
    size_t kl = strlen(k);
    for (char **x = *v; x && *x; x++) {
        if (!strncmp(*x, k, kl) && (*x)[kl] == '=') {
            free(*x);
            *x = xasprintf("%s=%s", k, val);
            return;
        }
    }
    _cleanup_free_ char *kv = xasprintf("%s=%s", k, val);
    strv_push(v, kv);
}

/* ARG name[=default]...: the value from buildargs, else the default. */
static int do_arg(struct bstate *b, const char *rest, char ***into, struct strbuf *comment,
                  struct md_error *err)
{
    _cleanup_strv_ char **words = image_split_words(rest);
    if (!words[0])
        return md_err(err, MD_EINVAL, "ARG requires at least one argument");
    _cleanup_strv_ char **env = into == &b->meta_args ? strv_dup(b->meta_args) : expand_env(b);
    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        _cleanup_free_ char *name = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
        _cleanup_free_ char *def = eq ? image_shell_word(eq + 1, env, err) : NULL;
        if (eq && !def)
            return -1;
        if (comment) {
            sb_addc(comment, ' ');
            sb_add(comment, *w);
        }
        json_t *given = json_object_get(b->o->buildargs, name);
        if (given)
            json_object_set_new(b->used, name, json_true());
        if (json_is_string(given))
            strv_set(into, name, json_string_value(given));
        else if (def)
            strv_set(into, name, def);
        else if (into != &b->meta_args) {
            /* a meta ARG's value carries into the stage when redeclared */
            size_t nl = strlen(name);
            for (char **m = b->meta_args; m && *m; m++)
                if (!strncmp(*m, name, nl) && (*m)[nl] == '=')
                    strv_set(into, name, *m + nl + 1);
        }
    }
    return 0;
}

static int do_config(struct bstate *b, const struct df_line *l, struct md_error *err)
{
    const char *in = l->instr;
    _cleanup_strv_ char **env = expand_env(b);
    _cleanup_free_ char *comment = NULL;
    if (!strcmp(in, "arg")) {
        struct strbuf c = STRBUF_INIT;
        sb_add(&c, "ARG");
        if (do_arg(b, l->rest, &b->args, &c, err) < 0) {
            sb_free(&c);
            return -1;
        }
        comment = sb_steal(&c);
    } else if (!strcmp(in, "shell")) {
        _cleanup_strv_ char **v = image_json_args(l->rest);
        if (!v)
            return md_err(err, MD_EINVAL, "SHELL requires the arguments to be in JSON form");
        if (!v[0])
            return md_err(err, MD_EINVAL, "SHELL requires at least one argument");
        json_object_set_new(b->config, "Shell", json_strv(v));
        _cleanup_free_ char *gl = go_list(v);
        comment = xasprintf("SHELL %s", gl);
    } else if (!strcmp(in, "maintainer")) {
        if (!*l->rest)
            return md_err(err, MD_EINVAL, "MAINTAINER requires exactly one argument");
        free(b->author);
        b->author = image_shell_word(l->rest, env, err);
        if (!b->author)
            return -1;
        comment = xasprintf("MAINTAINER %s", b->author);
    } else {
        static const char *const known[] = {"cmd",   "entrypoint", "env",        "expose",
                                            "label", "onbuild",    "stopsignal", "user",
                                            "volume", "healthcheck"};
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            ok = ok || !strcmp(in, known[i]);
        if (!ok) {
            _cleanup_free_ char *up = xstrdup(in);
            for (char *c = up; *c; c++)
                *c = (char)toupper((unsigned char)*c);
            return md_err(err, MD_EINVAL, "dockerfile parse error line %d: unknown instruction: %s",
                          l->line, up);
        }
        if (image_dispatch(b->config, l, env, &b->cmd_set, err) < 0)
            return -1;
        if (!strcmp(in, "cmd") || !strcmp(in, "entrypoint")) {
            _cleanup_free_ char *q =
                go_quote_list(json_object_get(b->config, in[0] == 'c' ? "Cmd" : "Entrypoint"));
            comment = xasprintf("%s %s", in[0] == 'c' ? "CMD" : "ENTRYPOINT", q);
        } else if (!strcmp(in, "volume")) {
            _cleanup_strv_ char **v = image_json_args(l->rest);
            if (!v)
                v = image_split_words(l->rest);
            for (char **x = v; *x; x++) {
                char *e = image_shell_word(*x, env, err);
                free(*x);
                *x = e ? e : xstrdup("");
            }
            _cleanup_free_ char *gl = go_list(v);
            comment = xasprintf("VOLUME %s", gl);
        } else {
            /* ENV, LABEL, EXPOSE, USER, ... as written, variables expanded */
            _cleanup_strv_ char **words = image_split_words(l->rest);
            struct strbuf c = STRBUF_INIT;
            _cleanup_free_ char *up = xstrdup(in);
            for (char *x = up; *x; x++)
                *x = (char)toupper((unsigned char)*x);
            sb_add(&c, up);
            bool expand = strcmp(in, "onbuild") && strcmp(in, "healthcheck");
            for (char **x = words; *x; x++) {
                struct md_error e = {0};
                char *ex = expand ? image_shell_word(*x, env, &e) : NULL;
                md_err_clear(&e);
                sb_addc(&c, ' ');
                sb_add(&c, ex ? ex : *x);
                free(ex);
            }
            comment = sb_steal(&c);
        }
    }
    return commit_config(b, comment, err);
}

static int do_from(struct bstate *b, const struct df_line *l, char **name_out,
                   struct md_error *err)
{
    _cleanup_strv_ char **words = image_split_words(l->rest);
    char **w = words;
    for (; *w && !strncmp(*w, "--", 2); w++) {
        if (strncmp(*w, "--platform=", 11))
            return md_err(err, MD_EINVAL, "Unknown flag: %s", *w + 2);
    }
    size_t n = strv_len(w);
    if (n != 1 && !(n == 3 && !strcasecmp(w[1], "as")))
        return md_err(err, MD_EINVAL, "FROM requires either one or three arguments");
    _cleanup_free_ char *ref = image_shell_word(w[0], b->meta_args, err);
    if (!ref)
        return -1;
    if (n == 3) {
        *name_out = xstrdup(w[2]);
        for (char *c = *name_out; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    }
    json_decref(b->config);
    b->config = NULL;
    if (!strcasecmp(ref, "scratch")) {
        b->image[0] = '\0';
    } else {
        const char *stage = stage_image(b, ref);
        struct image *im = NULL;
        if (image_lookup(stage ? stage : ref, &im, err) < 0)
            return -1;
        memcpy(b->image, image_id(im), DIGEST_LEN + 1);
        b->config = json_deep_copy(image_config(im));
        image_put(im);
    }
    if (!json_is_object(b->config)) {
        json_decref(b->config);
        b->config = json_object();
    }
    b->cmd_set = false;
    strv_free(b->args);
    b->args = xcalloc(1, sizeof *b->args);
    free(b->author);
    b->author = NULL;
    return 0;
}

static int run_onbuild(struct bstate *b, struct md_error *err);
static int dispatch_line(struct bstate *b, const struct df_line *l, struct md_error *err)
{
    const char *in = l->instr;
    if (!strcmp(in, "run"))
        return do_run(b, l, err);
    if (!strcmp(in, "copy") || !strcmp(in, "add"))
        return do_copy(b, l, in[0] == 'a', err);
    if (!strcmp(in, "workdir"))
        return do_workdir(b, l, err);
    if (!strcmp(in, "from"))
        return md_err(err, MD_EINVAL, "FROM is not allowed here");
    return do_config(b, l, err);
}

/* The base image's ONBUILD triggers run first (moby's processOnBuild). */
static int run_onbuild(struct bstate *b, struct md_error *err)
{
    _cleanup_strv_ char **trig = json_to_strv(json_object_get(b->config, "OnBuild"));
    if (!trig || !trig[0])
        return 0;
    json_object_set_new(b->config, "OnBuild", json_null());
    say(b, "# Executing %zu build trigger%s\n", strv_len(trig), trig[1] ? "s" : "");
    for (char **t = trig; *t; t++) {
        struct df_line *v = NULL;
        size_t n = 0;
        if (image_dockerfile_parse(*t, false, &v, &n, err) < 0)
            return -1;
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++)
            r = dispatch_line(b, &v[i], err);
        image_dockerfile_free(v, n);
        if (r < 0)
            return -1;
    }
    return 0;
}

static char *read_dockerfile(const struct build_opts *o, struct md_error *err)
{
    const char *name = o->dockerfile && *o->dockerfile ? o->dockerfile : "Dockerfile";
    _cleanup_free_ char *rel = clean_rel(name);
    if (!rel) {
        md_err(err, MD_EINVAL, "forbidden path outside the build context: %s ()", name);
        return NULL;
    }
    _cleanup_close_ int fd = open_in(o->ctxfd, rel, O_RDONLY);
    if (fd < 0 && !strcmp(rel, "Dockerfile"))
        fd = open_in(o->ctxfd, "dockerfile", O_RDONLY);
    if (fd < 0) {
        md_err(err, MD_EINVAL,
               "Cannot locate specified Dockerfile: %s", name);
        return NULL;
    }
    struct strbuf sb = STRBUF_INIT;
    char buf[16384];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        sb_addn(&sb, buf, (size_t)n);
    if (!sb.s)
        sb_add(&sb, "");
    return sb_steal(&sb);
}

/* "k"="v" pairs of the labels query, as a LABEL line */
static char *labels_line(json_t *labels)
{
    struct strbuf sb = STRBUF_INIT;
    sb_add(&sb, "LABEL");
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v)
    {
        char *qk = json_dumps(json_string(k), JSON_ENCODE_ANY);
        char *qv = json_dumps(v, JSON_ENCODE_ANY);
        sb_printf(&sb, " %s=%s", qk, qv);
        free(qk);
        free(qv);
    }
    return sb_steal(&sb);
}

static int build(struct bstate *b, struct md_error *err)
{
    const struct build_opts *o = b->o;
    _cleanup_free_ char *text = read_dockerfile(o, err);
    if (!text)
        return -1;
    struct df_line *v = NULL;
    size_t n = 0;
    if (image_dockerfile_parse(text, true, &v, &n, err) < 0)
        return -1;
    if (json_object_size(o->labels)) {
        _cleanup_free_ char *ll = labels_line(o->labels);
        struct df_line *extra = NULL;
        size_t en = 0;
        if (image_dockerfile_parse(ll, false, &extra, &en, err) == 0 && en == 1) {
            v = xrealloc(v, (n + 1) * sizeof *v);
            v[n++] = extra[0];
            free(extra);
        }
    }
    int r = 0;
    size_t first = 0;
    while (first < n && !strcmp(v[first].instr, "arg"))
        first++;
    if (first == n || strcmp(v[first].instr, "from"))
        r = md_err(err, MD_EINVAL,
                   n ? "Dockerfile parse error line %d: no build stage in current context"
                     : "the Dockerfile (%d) cannot be empty",
                   first < n ? v[first].line : 0);
    /* the stages up to the target */
    size_t end = n, nst = 0;
    if (r == 0 && o->target && *o->target) {
        bool found = false;
        for (size_t i = first; i < n; i++) {
            if (strcmp(v[i].instr, "from"))
                continue;
            if (found) {
                end = i;
                break;
            }
            _cleanup_strv_ char **w = image_split_words(v[i].rest);
            size_t wn = strv_len(w);
            if (wn >= 3 && !strcasecmp(w[wn - 1], o->target) && !strcasecmp(w[wn - 2], "as"))
                found = true;
        }
        if (!found)
            r = md_err(err, MD_EINVAL, "failed to reach build target %s in Dockerfile",
                       o->target);
    }
    for (size_t i = 0; i < end; i++)
        nst += !strcmp(v[i].instr, "from");
    b->stages = xcalloc(nst + 1, sizeof *b->stages);
    b->meta_args = xcalloc(1, sizeof *b->meta_args);
    for (size_t i = 0; r == 0 && i < end; i++) {
        say(b, "Step %zu/%zu : %s\n", i + 1, end, v[i].original);
        if (i < first) {
            r = do_arg(b, v[i].rest, &b->meta_args, NULL, err);
            continue;
        }
        if (!strcmp(v[i].instr, "from")) {
            if (b->nstages)
                memcpy(b->stages[b->nstages - 1].id, b->image, DIGEST_LEN + 1);
            char *name = NULL;
            r = do_from(b, &v[i], &name, err);
            b->stages[b->nstages++].name = name;
            if (r == 0)
                say(b, " ---> %s\n", short_id(b->image));
            if (r == 0)
                r = run_onbuild(b, err);
            continue;
        }
        r = dispatch_line(b, &v[i], err);
        if (r == 0)
            say(b, " ---> %s\n", short_id(b->image));
        if (b->failed_write && r == 0)
            r = md_err(err, MD_EINTERNAL, "build cancelled");
    }
    image_dockerfile_free(v, n);
    if (r < 0)
        return -1;
    /* build args nobody declared */
    _cleanup_strv_ char **unused = xcalloc(1, sizeof *unused);
    const char *k;
    json_t *val;
    json_object_foreach(o->buildargs, k, val)
    {
        static const char *const builtin[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY",
                                              "https_proxy", "FTP_PROXY", "ftp_proxy",
                                              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"};
        bool skip = json_object_get(b->used, k) != NULL;
        for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
            skip = skip || !strcmp(k, builtin[i]);
        if (!skip)
            strv_push(&unused, k);
    }
    if (unused[0]) {
        _cleanup_free_ char *gl = go_list(unused);
        say(b, "[Warning] One or more build-args %s were not consumed\n", gl);
    }
    if (!b->image[0])
        return md_err(err, MD_EINVAL, "No image was generated. Is your Dockerfile empty?");
    emit(b, json_pack("{s:{s:s}}", "aux", "ID", b->image));
    if (o->quiet) {
        emit(b, json_pack("{s:s+}", "stream", b->image, "\n"));
    } else {
        say(b, "Successfully built %s\n", short_id(b->image));
    }
    for (char **t = o->tags; t && *t; t++) {
        if (store_tag(b->image, *t, NULL, err) < 0)
            return -1;
        _cleanup_free_ char *fam = store_familiar(*t);
        say(b, "Successfully tagged %s\n", fam);
    }
    return 0;
}

int build_run(const struct build_opts *o)
{
    struct bstate b = {.o = o, .used = json_object(), .config = json_object()};
    struct md_error err = {0};
    int r = build(&b, &err);
    if (r < 0) {
        if (o->quiet && b.quiet_buf.len)
            emit(&b, json_pack("{s:s}", "stream", b.quiet_buf.s));
        json_t *detail = json_pack("{s:s}", "message", md_err_msg(&err));
        if (b.exit_code)
            json_object_set_new(detail, "code", json_integer(b.exit_code));
        emit(&b, json_pack("{s:o,s:s}", "errorDetail", detail, "error", md_err_msg(&err)));
        log_info("build: %s", md_err_msg(&err));
    }
    md_err_clear(&err);
    sb_free(&b.quiet_buf);
    json_decref(b.config);
    json_decref(b.used);
    strv_free(b.args);
    strv_free(b.meta_args);
    free(b.author);
    for (size_t i = 0; i < b.nstages; i++)
        free(b.stages[i].name);
    free(b.stages);
    return r;
}
