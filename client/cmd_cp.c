/* docker cp and docker export: the path rules of docker's cli cp.go and
 * moby's archive/copy.go (which side of a copy a trailing "/" or "/."
 * asserts a directory, which name the copy takes), tars made and unpacked
 * here (client/tar.h), and the archive API of the daemon. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/tar.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/pathutil.h"

/* ---- paths, as Go's filepath and moby's archive package see them ---- */

static bool asserts_dir(const char *p)
{
    return path_has_trailing_sep(p) || path_specifies_current_dir(p);
}

/* moby SplitPathDirEntry: the clean path's dir and base, "." kept */
static void split_dir_entry(const char *path, char **dir, char **base)
{
    _cleanup_free_ char *c = path_clean(path);
    if (path_specifies_current_dir(path)) {
        char *t = xasprintf("%s/.", c);
        free(c);
        c = t;
    }
    char *slash = strrchr(c, '/');
    *base = path_base(c);
    if (!slash)
        *dir = xstrdup(".");
    else
        *dir = slash == c ? xstrdup("/") : xstrndup(c, (size_t)(slash - c));
}

/* A symlink's target as docker's cp takes it: joined to the link's
 * directory when relative. */
static char *link_path(const char *link, const char *target)
{
    if (target[0] == '/')
        return xstrdup(target);
    _cleanup_free_ char *d = NULL, *b = NULL;
    split_dir_entry(link, &d, &b);
    _cleanup_free_ char *j = xasprintf("%s/%s", d, target);
    return path_clean(j);
}

static char *local_abs(const char *p)
{
    char cwd[PATH_MAX];
    _cleanup_free_ char *j =
        p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", p);
    return path_preserve_trailing(path_clean(j), p);
}

/* docker's splitCpArg: "ctr:path", or a local path ("/x", "./a:b", "a") */
static void split_arg(const char *arg, char **ctr, const char **path)
{
    *ctr = NULL;
    *path = arg;
    const char *colon = strchr(arg, ':');
    if (arg[0] == '/' || !colon || arg[0] == '.')
        return;
    *ctr = xstrndup(arg, (size_t)(colon - arg));
    *path = colon + 1;
}

/* ---- the daemon's stat ---- */

struct path_stat {
    bool ok;
    int64_t size;
    uint32_t mode; /* Go's os.FileMode */
    char *link_target;
};

#define GO_DIR     (1u << 31)
#define GO_SYMLINK (1u << 27)
#define GO_TYPE                                                                                    \
    (GO_DIR | GO_SYMLINK | (1u << 26) | (1u << 25) | (1u << 24) | (1u << 21) | (1u << 19))

static size_t b64_decode(const char *in, unsigned char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *in && *in != '='; in++) {
        const char *p = strchr(tbl, *in);
        if (!p)
            continue;
        acc = (acc << 6) | (uint32_t)(p - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

static void stat_from_header(const char *h, struct path_stat *st)
{
    *st = (struct path_stat){0};
    if (!h)
        return;
    _cleanup_free_ unsigned char *raw = xmalloc(strlen(h) + 1);
    size_t n = b64_decode(h, raw);
    _cleanup_json_ json_t *j = json_loadb((const char *)raw, n, 0, NULL);
    if (!j)
        return;
    st->ok = true;
    st->size = json_integer_value(json_object_get(j, "size"));
    st->mode = (uint32_t)json_integer_value(json_object_get(j, "mode"));
    const char *lt = json_string_value(json_object_get(j, "linkTarget"));
    st->link_target = xstrdup(lt ? lt : "");
}

static char *archive_url(const char *ctr, const char *path, const char *extra)
{
    _cleanup_free_ char *c = path_escape(ctr);
    _cleanup_free_ char *p = query_escape(path);
    return xasprintf("/containers/%s/archive?path=%s%s", c, p, extra ? extra : "");
}

static int stat_path(const char *ctr, const char *path, struct path_stat *st)
{
    _cleanup_free_ char *url = archive_url(ctr, path, NULL);
    struct http_req req = {.method = "HEAD", .path = url, .body_fd = -1};
    struct http_conn *hc = http_send(&req);
    int status = http_status(hc);
    stat_from_header(status == 200 ? http_header(hc, "X-Docker-Container-Path-Stat") : NULL, st);
    http_close(hc);
    return st->ok ? 0 : -1;
}

static int reply_error(struct http_conn *hc)
{
    size_t len;
    _cleanup_free_ char *body = http_read_all(hc, &len);
    _cleanup_json_ json_t *j = api_parse(body, len);
    print_daemon_error(j);
    http_close(hc);
    return 1;
}

/* docker 28: the bytes of the tar that went over the wire, both ways */
static void summary(bool quiet, int64_t size, const char *dest)
{
    if (quiet)
        return;
    _cleanup_free_ char *s = cli_human_size((double)size, 3);
    fprintf(stderr, "Successfully copied %s to %s\n", s, dest);
}

/* ---- from the container ---- */

static ssize_t http_reader(void *ctx, void *buf, size_t n)
{
    return http_read(ctx, buf, n);
}

static int copy_from(const char *ctr, const char *src, const char *dst_arg, bool follow, bool quiet)
{
    _cleanup_free_ char *dst = strcmp(dst_arg, "-") ? local_abs(dst_arg) : xstrdup("-");
    _cleanup_free_ char *srcp = xstrdup(src);
    _cleanup_free_ char *rebase = NULL;
    if (strcmp(dst, "-")) {
        /* docker's ValidateOutputPath */
        _cleanup_free_ char *d = NULL, *b = NULL;
        split_dir_entry(dst, &d, &b);
        struct stat ds;
        if (stat(d, &ds) < 0) {
            fprintf(stderr, "invalid output path: directory \"%s\" does not exist\n", d);
            return 1;
        }
    }
    if (follow) {
        struct path_stat st;
        if (stat_path(ctr, srcp, &st) == 0 && (st.mode & GO_SYMLINK)) {
            _cleanup_free_ char *target = link_path(srcp, st.link_target);
            /* moby GetRebaseName */
            if (path_specifies_current_dir(srcp) && !path_specifies_current_dir(target)) {
                char *t = xasprintf("%s/.", target);
                free(target);
                target = t;
            }
            if (path_has_trailing_sep(srcp) && !path_has_trailing_sep(target)) {
                char *t = xasprintf("%s/", target);
                free(target);
                target = t;
            }
            _cleanup_free_ char *b1 = path_base(srcp), *b2 = path_base(target);
            if (strcmp(b1, b2))
                rebase = xstrdup(b1);
            free(srcp);
            srcp = steal_ptr(&target);
        }
        free(st.link_target);
    }
    _cleanup_free_ char *url = archive_url(ctr, srcp, NULL);
    struct http_req req = {.method = "GET", .path = url, .body_fd = -1};
    struct http_conn *hc = http_send(&req);
    if (http_status(hc) != 200)
        return reply_error(hc);
    struct path_stat st;
    stat_from_header(http_header(hc, "X-Docker-Container-Path-Stat"), &st);
    free(st.link_target);
    if (!strcmp(dst, "-")) {
        char buf[65536];
        ssize_t n;
        while ((n = http_read(hc, buf, sizeof buf)) > 0)
            if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
                http_close(hc);
                return 1;
            }
        http_close(hc);
        return fflush(stdout) ? 1 : 0;
    }
    /* moby CopyInfoDestinationPath: the destination, symlinks followed */
    _cleanup_free_ char *dpath = xstrdup(dst);
    struct stat ds;
    bool exists = false, isdir = false;
    for (int i = 0; i <= 10; i++) {
        if (lstat(dpath, &ds) < 0)
            break;
        if (!S_ISLNK(ds.st_mode)) {
            exists = true;
            isdir = S_ISDIR(ds.st_mode);
            break;
        }
        char t[PATH_MAX];
        ssize_t n = readlink(dpath, t, sizeof t - 1);
        if (n < 0)
            break;
        t[n] = '\0';
        _cleanup_free_ char *d = NULL, *b = NULL;
        split_dir_entry(dpath, &d, &b);
        _cleanup_free_ char *j = t[0] == '/' ? xstrdup(t) : xasprintf("%s/%s", d, t);
        free(dpath);
        dpath = path_clean(j);
    }
    _cleanup_free_ char *ddir = NULL, *dbase = NULL, *sdir = NULL, *sbase = NULL;
    split_dir_entry(dpath, &ddir, &dbase);
    split_dir_entry(srcp, &sdir, &sbase);
    if (!exists) {
        struct stat ps;
        if (stat(ddir, &ps) < 0) {
            fprintf(stderr, "stat %s: %s\n", ddir, go_strerror(errno));
            http_close(hc);
            return 1;
        }
        if (!S_ISDIR(ps.st_mode)) {
            fprintf(stderr, "not a directory\n");
            http_close(hc);
            return 1;
        }
    }
    bool src_dir = (st.mode & GO_DIR) != 0;
    /* moby PrepareArchiveCopy: where to extract, and the name the copy takes */
    const char *into = ddir;
    const char *newb = rebase;
    if (exists && isdir) {
        into = dpath;
    } else if (exists && src_dir) {
        fprintf(stderr, "cannot copy directory\n");
        http_close(hc);
        return 1;
    } else if (!exists && !src_dir && asserts_dir(dpath)) {
        fprintf(stderr, "no such directory\n");
        http_close(hc);
        return 1;
    } else {
        newb = dbase;
    }
    struct tar_extract_opts o = {.old_base = strcmp(sbase, "/") ? sbase : "", .new_base = newb};
    int64_t bytes = 0;
    _cleanup_free_ char *err = NULL;
    int r = tar_extract(http_reader, hc, into, &o, &bytes, &err);
    http_close(hc);
    if (r < 0) {
        fprintf(stderr, "%s\n", err ? err : "copy failed");
        return 1;
    }
    summary(quiet, bytes, dst);
    return 0;
}

/* ---- into the container ---- */

struct tar_job {
    const char *path, *top;
    int64_t content;
};

/* The tar of a local tree, written by a child into a pipe the request
 * streams (chunked) while it is being made; the tar's length comes back on
 * *lenfd once it is written. */
static pid_t tar_child(const char *path, const char *top, int *rfd, int *lenfd)
{
    int p[2], l[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(l, O_CLOEXEC) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        close(l[0]);
        struct tar_out *t = tar_out_new(p[1]);
        int64_t content = 0;
        _cleanup_free_ char *err = NULL;
        int r = tar_out_tree(t, path, top, &content, &err);
        int64_t len = tar_out_finish(t);
        if (len < 0 || r < 0) {
            if (err)
                fprintf(stderr, "%s\n", err);
            _exit(1);
        }
        _exit(write(l[1], &len, sizeof len) == sizeof len ? 0 : 1);
    }
    close(p[1]);
    close(l[1]);
    *rfd = p[0];
    *lenfd = l[0];
    return pid;
}

static int copy_to(const char *ctr, const char *src_arg, const char *dst, bool follow,
                   bool copy_ids, bool quiet)
{
    /* the destination as the daemon sees it: a symlink followed once */
    _cleanup_free_ char *dpath = xstrdup(dst);
    bool exists = false, isdir = false;
    struct path_stat st = {0};
    if (stat_path(ctr, dst, &st) == 0) {
        if (st.mode & GO_SYMLINK) {
            _cleanup_free_ char *target = link_path(dst, st.link_target);
            free(dpath);
            dpath = steal_ptr(&target);
            free(st.link_target);
            if (stat_path(ctr, dpath, &st) < 0)
                st.ok = false;
        }
        if (st.ok) {
            if ((st.mode & GO_TYPE) && !(st.mode & GO_DIR)) {
                fprintf(stderr,
                        "destination \"%s:%s\" must be a directory or a regular file: "
                        "invalid output path: \"%s\" must be a directory or a regular file\n",
                        ctr, dst, dst);
                free(st.link_target);
                return 1;
            }
            exists = true;
            isdir = (st.mode & GO_DIR) != 0;
        }
        free(st.link_target);
    }
    _cleanup_free_ char *url = NULL;
    const char *flags = copy_ids ? "&copyUIDGID=true" : NULL;
    int body = STDIN_FILENO;
    pid_t child = -1;
    int lenfd = -1;
    int64_t sent = -1;
    if (!strcmp(src_arg, "-")) {
        if (!isdir) {
            fprintf(stderr, "destination \"%s:%s\" must be a directory\n", ctr, dst);
            return 1;
        }
        url = archive_url(ctr, dpath, flags);
    } else {
        _cleanup_free_ char *src = local_abs(src_arg);
        /* moby ResolveHostSourcePath: symlinks before the last component
         * (all of them with -L) evaluated */
        _cleanup_free_ char *resolved = NULL, *rebase = NULL;
        if (follow) {
            char buf[PATH_MAX];
            if (!realpath(src, buf)) {
                fprintf(stderr, "lstat %s: %s\n", src, go_strerror(errno));
                return 1;
            }
            resolved = path_preserve_trailing(xstrdup(buf), src);
            _cleanup_free_ char *b1 = path_base(src), *b2 = path_base(resolved);
            if (strcmp(b1, b2))
                rebase = xstrdup(b1);
        } else {
            _cleanup_free_ char *d = NULL, *b = NULL;
            split_dir_entry(src, &d, &b);
            char buf[PATH_MAX];
            const char *rd = realpath(d, buf) ? buf : d;
            resolved = xasprintf("%s/%s", strcmp(rd, "/") ? rd : "", b);
            if (asserts_dir(src) && path_has_trailing_sep(src)) {
                char *t = xasprintf("%s/", resolved);
                free(resolved);
                resolved = t;
            }
        }
        struct stat ls;
        if (lstat(resolved, &ls) < 0) {
            fprintf(stderr, "lstat %s: %s\n", resolved, go_strerror(errno));
            return 1;
        }
        bool src_dir = S_ISDIR(ls.st_mode);
        _cleanup_free_ char *sdir = NULL, *sbase = NULL, *ddir = NULL, *dbase = NULL;
        split_dir_entry(resolved, &sdir, &sbase);
        split_dir_entry(dpath, &ddir, &dbase);
        /* moby PrepareArchiveCopy, with the renaming done as the tar is made */
        const char *into = ddir, *top = rebase ? rebase : sbase;
        if (exists && isdir) {
            into = dpath;
        } else if (exists && src_dir) {
            fprintf(stderr, "cannot copy directory\n");
            return 1;
        } else if (!exists && !src_dir && asserts_dir(dpath)) {
            fprintf(stderr, "no such directory\n");
            return 1;
        } else {
            top = dbase;
        }
        _cleanup_free_ char *srcpath = xasprintf("%s/%s", sdir, sbase);
        child = tar_child(srcpath, top, &body, &lenfd);
        if (child < 0) {
            fprintf(stderr, "tar %s: %s\n", srcpath, strerror(errno));
            return 1;
        }
        url = archive_url(ctr, into, flags);
    }
    struct http_req req = {
        .method = "PUT", .path = url, .content_type = "application/x-tar", .body_fd = body};
    struct http_conn *hc = http_send(&req);
    int rc = 0;
    if (child > 0) {
        close(body);
        int ws;
        waitpid(child, &ws, 0);
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) || read(lenfd, &sent, sizeof sent) != sizeof sent)
            rc = 1;
        close(lenfd);
    }
    if (http_status(hc) != 200)
        return reply_error(hc);
    http_close(hc);
    if (rc == 0 && sent >= 0) {
        _cleanup_free_ char *to = xasprintf("%s:%s", ctr, dpath);
        summary(quiet, sent, to);
    }
    return rc;
}

static int cmd_cp(int argc, char **argv)
{
    static const struct option opts[] = {{"archive", no_argument, 0, 'a'},
                                         {"follow-link", no_argument, 0, 'L'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    bool archive = false, follow = false, quiet = false, quiet_set = false;
    int c;
    while ((c = cli_getopt(argc, argv, "aLq", opts)) != -1) {
        if (c == 'a')
            archive = true;
        else if (c == 'L')
            follow = true;
        else if (c == 'q')
            quiet = quiet_set = true;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 2, 2))
        return 1;
    const char *src = argv[optind], *dst = argv[optind + 1];
    if (!*src) {
        fprintf(stderr, "source can not be empty\n");
        return 1;
    }
    if (!*dst) {
        fprintf(stderr, "destination can not be empty\n");
        return 1;
    }
    /* docker: the summary line only when stdout is a terminal, unless -q */
    if (!quiet_set)
        quiet = !isatty(STDOUT_FILENO);
    _cleanup_free_ char *sc = NULL, *dc = NULL;
    const char *sp, *dp;
    split_arg(src, &sc, &sp);
    split_arg(dst, &dc, &dp);
    if (sc && dc) {
        fprintf(stderr, "copying between containers is not supported\n");
        return 1;
    }
    if (sc)
        return copy_from(sc, sp, dp, follow, quiet);
    if (dc)
        return copy_to(dc, sp, dp, follow, archive, quiet);
    fprintf(stderr, "must specify at least one container source\n");
    return 1;
}

static int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'}, {0, 0, 0, 0}};
    const char *output = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "o:", opts)) != -1) {
        if (c == 'o')
            output = optarg;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    if ((!output || !*output) && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
        return 1;
    }
    _cleanup_free_ char *e = path_escape(argv[optind]);
    _cleanup_free_ char *url = xasprintf("/containers/%s/export", e);
    struct http_req req = {.method = "GET", .path = url, .body_fd = -1};
    struct http_conn *hc = http_send(&req);
    if (http_status(hc) != 200)
        return reply_error(hc);
    int fd = STDOUT_FILENO;
    if (output && *output) {
        fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            fprintf(stderr, "failed to export container: %s: %s\n", output, go_strerror(errno));
            http_close(hc);
            return 1;
        }
    }
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = http_read(hc, buf, sizeof buf)) > 0)
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                fprintf(stderr, "write: %s\n", go_strerror(errno));
                rc = 1;
                break;
            }
            off += w;
        }
    http_close(hc);
    if (fd != STDOUT_FILENO && close(fd) < 0)
        rc = 1;
    return rc;
}

static const char cp_options[] =
    "  -a, --archive       Archive mode (copy all uid/gid information)\n"
    "  -L, --follow-link   Always follow symbol link in SRC_PATH\n"
    "  -q, --quiet         Suppress progress output during copy. Progress output is\n"
    "                      automatically suppressed if no terminal is attached\n";

const struct cli_cmd cli_cmds_cp[] = {
    {"cp", cmd_cp,
     "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- "
     "CONTAINER:DEST_PATH",
     "Copy files/folders between a container and the local filesystem", cp_options, false},
    {"container cp", cmd_cp,
     "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tdocker cp [OPTIONS] SRC_PATH|- "
     "CONTAINER:DEST_PATH",
     "Copy files/folders between a container and the local filesystem", cp_options, false},
    {"export", cmd_export, "[OPTIONS] CONTAINER",
     "Export a container's filesystem as a tar archive",
     "  -o, --output string   Write to a file, instead of STDOUT\n", false},
    {"container export", cmd_export, "[OPTIONS] CONTAINER",
     "Export a container's filesystem as a tar archive",
     "  -o, --output string   Write to a file, instead of STDOUT\n", false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
