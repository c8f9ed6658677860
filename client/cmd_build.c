/* build: a Dockerfile through the daemon's classic builder (POST /build).
 * The context directory goes as a tar, less what .dockerignore excludes
 * (the Dockerfile and .dockerignore always go); the reply's JSON lines are
 * printed as they come, as docker's legacy builder output. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/tar.h"
#include "common/cleanup.h"
#include "common/dockerignore.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/pathutil.h"
#include "common/strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct ignore {
    char **patterns;
    bool has_negation;
    const char *dockerfile; /* relative path in the context */
};

static bool skip_entry(void *ctx, const char *name)
{
    struct ignore *ig = ctx;
    if (!strcmp(name, ".dockerignore") || !strcmp(name, ig->dockerfile))
        return false;
    if (!dockerignore_excluded(ig->patterns, name))
        return false;
    /* an excluded directory is walked when a "!" pattern names something
     * below it */
    size_t nl = strlen(name);
    for (char **p = ig->patterns; ig->has_negation && *p; p++)
        if (**p == '!' && !strncmp(*p + 1, name, nl) && (*p)[1 + nl] == '/')
            return false;
    return true;
}

/* go-units HumanSize: 4 significant digits, decimal units */
static char *human_size4(double n)
{
    static const char *const u[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    size_t i = 0;
    while (n >= 1000 && i < 5) {
        n /= 1000;
        i++;
    }
    return xasprintf("%.4g%s", n, u[i]);
}

/* The context as a tar in a memory file. */
static int context_tar(const char *dir, const char *dockerfile, int64_t *len, char **err)
{
    int fd = memfd_create("context", MFD_CLOEXEC);
    if (fd < 0) {
        *err = xasprintf("memfd: %s", strerror(errno));
        return -1;
    }
    _cleanup_free_ char *igpath = xasprintf("%s/.dockerignore", dir);
    _cleanup_free_ char *igtext = fs_read_file(igpath, NULL);
    struct ignore ig = {.patterns = dockerignore_parse(igtext), .dockerfile = dockerfile};
    for (char **p = ig.patterns; *p; p++)
        ig.has_negation = ig.has_negation || **p == '!';
    struct tar_out *t = tar_out_new(fd);
    int r = 0;
    int64_t content = 0;
    DIR *d = opendir(dir);
    if (!d) {
        *err = xasprintf("unable to prepare context: path \"%s\" not found", dir);
        r = -1;
    }
    size_t n = 0;
    _cleanup_strv_ char **names = d ? path_sorted_names(d, &n) : NULL;
    if (d)
        closedir(d);
    for (size_t i = 0; r == 0 && i < n; i++) {
        _cleanup_free_ char *sub = xasprintf("%s/%s", dir, names[i]);
        r = tar_out_tree_skip(t, sub, names[i], &content, skip_entry, &ig, err);
    }
    *len = tar_out_finish(t);
    strv_free(ig.patterns);
    if (r < 0 || *len < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        if (!*err)
            *err = xasprintf("write context: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int show_stream(struct http_conn *hc)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[8192];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = http_read(hc, buf, sizeof buf)) > 0) {
        sb_addn(&sb, buf, (size_t)n);
        char *nl;
        while (rc == 0 && sb.len && (nl = memchr(sb.s, '\n', sb.len))) {
            size_t l = (size_t)(nl - sb.s);
            json_t *m = json_loadb(sb.s, l, 0, NULL);
            memmove(sb.s, nl + 1, sb.len - l - 1);
            sb.len -= l + 1;
            sb.s[sb.len] = '\0';
            if (!json_is_object(m)) {
                json_decref(m);
                continue;
            }
            json_t *ed = json_object_get(m, "errorDetail");
            const char *e = json_str(ed, "message");
            if (!e)
                e = json_str(m, "error");
            if (e) {
                fflush(stdout);
                fprintf(stderr, "%s\n", e);
                rc = 1;
            } else if (json_str(m, "stream")) {
                fputs(json_str(m, "stream"), stdout);
                fflush(stdout);
            }
            json_decref(m);
        }
    }
    sb_free(&sb);
    return rc;
}

static int cmd_build(int argc, char **argv)
{
    enum { O_BUILD_ARG = 1000, O_TARGET, O_NO_CACHE, O_RM, O_FORCE_RM, O_LABEL, O_NETWORK,
           O_PULL };
    static const struct option opts[] = {{"tag", required_argument, 0, 't'},
                                         {"file", required_argument, 0, 'f'},
                                         {"build-arg", required_argument, 0, O_BUILD_ARG},
                                         {"target", required_argument, 0, O_TARGET},
                                         {"no-cache", no_argument, 0, O_NO_CACHE},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"rm", optional_argument, 0, O_RM},
                                         {"force-rm", no_argument, 0, O_FORCE_RM},
                                         {"label", required_argument, 0, O_LABEL},
                                         {"network", required_argument, 0, O_NETWORK},
                                         {"pull", no_argument, 0, O_PULL},
                                         {0, 0, 0, 0}};
    struct strbuf q = STRBUF_INIT;
    const char *file = NULL;
    bool quiet = false, rm = true;
    _cleanup_json_ json_t *args = json_object();
    _cleanup_json_ json_t *labels = json_object();
    int c;
    while ((c = cli_getopt(argc, argv, "t:f:q", opts)) != -1) {
        _cleanup_free_ char *e = NULL;
        switch (c) {
        case 't':
            e = query_escape(optarg);
            sb_printf(&q, "&t=%s", e);
            break;
        case 'f':
            file = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case O_BUILD_ARG:
        case O_LABEL: {
            const char *eq = strchr(optarg, '=');
            _cleanup_free_ char *k = eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);
            json_t *v = NULL;
            if (eq)
                v = json_string(eq + 1);
            else if (c == O_BUILD_ARG)
                v = getenv(k) ? json_string(getenv(k)) : json_null();
            else
                v = json_string("");
            json_object_set_new(c == O_LABEL ? labels : args, k, v);
            break;
        }
        case O_TARGET:
            e = query_escape(optarg);
            sb_printf(&q, "&target=%s", e);
            break;
        case O_NO_CACHE:
            sb_add(&q, "&nocache=1");
            break;
        case O_RM:
            rm = !optarg || strcmp(optarg, "false");
            break;
        case O_FORCE_RM:
            sb_add(&q, "&forcerm=1");
            break;
        case O_NETWORK:
            e = query_escape(optarg);
            sb_printf(&q, "&networkmode=%s", e);
            break;
        case O_PULL:
            sb_add(&q, "&pull=1");
            break;
        default:
            sb_free(&q);
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, 1)) {
        sb_free(&q);
        return 1;
    }
    const char *dir = argv[optind];
    int fd = -1;
    int64_t len = 0;
    char *err = NULL;
    _cleanup_free_ char *df_rel = NULL;
    if (!strcmp(dir, "-")) {
        fd = STDIN_FILENO; /* a tar (or compressed tar) of the context on stdin */
    } else {
        /* -f is a path from the working directory, as docker's; it must be
         * inside the context */
        if (file && strcmp(file, "-")) {
            _cleanup_free_ char *rf = realpath(file, NULL), *rd = realpath(dir, NULL);
            size_t dl = rd ? strlen(rd) : 0;
            if (!rf || !rd) {
                fprintf(stderr, "unable to prepare context: unable to evaluate symlinks in "
                                "Dockerfile path: lstat %s: no such file or directory\n",
                        rf ? dir : file);
                sb_free(&q);
                return 1;
            }
            if (strncmp(rf, rd, dl) || rf[dl] != '/') {
                fprintf(stderr, "minidock build: the Dockerfile %s is outside the build "
                                "context %s: move it into the context\n",
                        file, dir);
                sb_free(&q);
                return 1;
            }
            df_rel = xstrdup(rf + dl + 1);
        } else if (file) {
            fprintf(stderr, "minidock build: a Dockerfile from stdin (-f -) is not supported\n");
            sb_free(&q);
            return 1;
        } else {
            df_rel = xstrdup("Dockerfile");
        }
        fd = context_tar(dir, df_rel, &len, &err);
        if (fd < 0) {
            fprintf(stderr, "%s\n", err);
            free(err);
            sb_free(&q);
            return 1;
        }
        _cleanup_free_ char *hs = human_size4((double)len);
        printf("Sending build context to Docker daemon  %s\n", hs);
        fflush(stdout);
    }
    _cleanup_free_ char *ja = json_dumps(args, JSON_COMPACT),
                        *jl = json_dumps(labels, JSON_COMPACT);
    _cleanup_free_ char *ea = query_escape(ja), *el = query_escape(jl),
                        *ef = query_escape(df_rel ? df_rel : file ? file : "Dockerfile");
    _cleanup_free_ char *path = xasprintf("/build?dockerfile=%s&buildargs=%s&labels=%s&rm=%d&q=%d%s",
                                          ef, ea, el, rm, quiet, q.s ? q.s : "");
    sb_free(&q);
    struct http_req req = {.method = "POST",
                           .path = path,
                           .content_type = "application/x-tar",
                           .body_fd = fd};
    struct http_conn *hc = http_send(&req);
    if (fd != STDIN_FILENO)
        close(fd);
    int rc = 0;
    if (http_status(hc) >= 400) {
        http_print_error(hc);
        rc = 1;
    } else {
        rc = show_stream(hc);
    }
    http_close(hc);
    return rc;
}

#define BUILD_OPTS                                                                                 \
    "      --build-arg list      Set build-time variables\n"                                        \
    "  -f, --file string         Name of the Dockerfile (default: \"PATH/Dockerfile\")\n"          \
    "      --force-rm            Always remove intermediate containers\n"                          \
    "      --label list          Set metadata for an image\n"                                      \
    "      --network string      Set the networking mode for the RUN instructions during build\n"  \
    "      --no-cache            Do not use cache when building the image\n"                       \
    "      --pull                Always attempt to pull a newer version of the image\n"            \
    "  -q, --quiet               Suppress the build output and print image ID on success\n"        \
    "      --rm                  Remove intermediate containers after a successful build\n"        \
    "                            (default true)\n"                                                 \
    "  -t, --tag list            Name and optionally a tag in the \"name:tag\" format\n"           \
    "      --target string       Set the target build stage to build.\n"

const struct cli_cmd cli_cmds_build[] = {
    {"build", cmd_build, "[OPTIONS] PATH | -", "Build an image from a Dockerfile", BUILD_OPTS,
     false},
    {"image build", cmd_build, "[OPTIONS] PATH | -", "Build an image from a Dockerfile",
     BUILD_OPTS, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
