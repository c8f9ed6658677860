/* pull, login, logout: docker 28's flags, output and exit codes
 * (docker/cli cli/command/image/pull.go, cli/command/registry). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/registry.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/reference.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* ---- pull ---- */

static int cmd_pull(int argc, char **argv)
{
    enum { O_DCT = 256, O_PLATFORM };
    static const struct option opts[] = {{"all-tags", no_argument, 0, 'a'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"platform", required_argument, 0, O_PLATFORM},
                                         {"disable-content-trust", optional_argument, 0, O_DCT},
                                         {0, 0, 0, 0}};
    bool all = false, quiet = false;
    int c;
    while ((c = cli_getopt(argc, argv, "aq", opts)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'q')
            quiet = true;
        else if (c == O_PLATFORM)
            pull_platform = optarg;
        else if (c != O_DCT) /* content trust is off unless asked for, as docker's default */
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    struct image_ref ref = {0};
    struct md_error err = {0};
    if (ref_parse_name(argv[optind], &ref, &err) < 0) {
        fprintf(stderr, "%s\n", md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    bool name_only = !ref.tag && !ref.digest;
    int rc = 0;
    if (all && !name_only) {
        fprintf(stderr, "tag can't be used with --all-tags/-a\n");
        rc = 1;
        goto out;
    }
    if (!all && name_only) {
        ref.tag = xstrdup("latest");
        if (!quiet)
            printf("Using default tag: latest\n");
    }
    fflush(stdout);
    char *perr = NULL;
    if (pull_image(&ref, all, quiet, stdout, &perr) < 0) {
        fprintf(stderr, "%s\n", perr);
        free(perr);
        rc = 1;
        goto out;
    }
    char *full = all ? xasprintf("%s/%s", ref.domain, ref.path) : ref_full(&ref);
    printf("%s\n", full);
    free(full);
out:
    ref_free(&ref);
    return rc;
}

/* ---- push ---- */

/* ImagePush and the display of its stream. */
static int push_ref(struct image_ref *ref, bool all, bool quiet, const char *platform)
{
    _cleanup_free_ char *name = ref_familiar_name(ref);
    _cleanup_free_ char *ename = path_escape(name);
    _cleanup_free_ char *etag = query_escape(all ? "" : ref->tag);
    _cleanup_free_ char *eplat = platform ? query_escape(platform) : NULL;
    _cleanup_free_ char *path = xasprintf("/images/%s/push?tag=%s%s%s", ename, etag,
                                          eplat ? "&platform=" : "", eplat ? eplat : "");
    _cleanup_free_ char *auth = auth_header_for(ref->domain);
    _cleanup_free_ char *hdr = xasprintf("X-Registry-Auth: %s", auth);
    const char *const hdrs[] = {hdr, NULL};
    struct http_req req = {.method = "POST", .path = path, .body_fd = -1, .headers = hdrs};
    struct http_conn *hc = http_send(&req);
    if (http_status(hc) >= 400) {
        http_print_error(hc);
        http_close(hc);
        return 1;
    }
    char *perr = NULL;
    int st = show_pull_stream(hc, stdout, quiet, &perr);
    http_close(hc);
    if (st < 0) {
        fprintf(stderr, "%s\n", perr);
        free(perr);
        return 1;
    }
    if (quiet) {
        char *full = all ? xasprintf("%s/%s", ref->domain, ref->path) : ref_full(ref);
        printf("%s\n", full);
        free(full);
    }
    return 0;
}

static int cmd_push(int argc, char **argv)
{
    enum { O_DCT = 256, O_PLATFORM };
    static const struct option opts[] = {{"all-tags", no_argument, 0, 'a'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"platform", required_argument, 0, O_PLATFORM},
                                         {"disable-content-trust", optional_argument, 0, O_DCT},
                                         {0, 0, 0, 0}};
    bool all = false, quiet = false;
    const char *platform = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "aq", opts)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'q')
            quiet = true;
        else if (c == O_PLATFORM)
            platform = optarg;
        else if (c != O_DCT)
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    struct image_ref ref = {0};
    struct md_error err = {0};
    if (ref_parse_name(argv[optind], &ref, &err) < 0) {
        fprintf(stderr, "%s\n", md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    int rc = 1;
    bool name_only = !ref.tag && !ref.digest;
    if (ref.digest) {
        fprintf(stderr, "cannot push a digest reference\n");
        goto out;
    }
    if (all && !name_only) {
        fprintf(stderr, "tag can't be used with --all-tags/-a\n");
        goto out;
    }
    if (!all && name_only) {
        ref.tag = xstrdup("latest");
        if (!quiet)
            printf("Using default tag: latest\n");
        fflush(stdout);
    }
    rc = push_ref(&ref, all, quiet, platform);
out:
    ref_free(&ref);
    return rc;
}

/* ---- login / logout ---- */

static char *read_line(FILE *in, bool echo)
{
    struct termios old, quiet;
    bool tty = !echo && isatty(fileno(in)) && tcgetattr(fileno(in), &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(in), TCSAFLUSH, &quiet);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, in);
    if (tty) {
        tcsetattr(fileno(in), TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

static json_t *load_config(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        j = json_object();
    }
    if (!json_is_object(json_object_get(j, "auths")))
        json_object_set_new(j, "auths", json_object());
    return j;
}

static int save_config(const char *path, json_t *j)
{
    struct md_error err = {0};
    _cleanup_free_ char *copy = xstrdup(path);
    if (fs_mkdir_p(dirname(copy), 0700, &err) < 0 || json_write_atomic(path, j, &err) < 0) {
        fprintf(stderr, "Error saving credentials: %s\n", md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    return 0;
}

/* The domain a SERVER argument names ("https://host:5000/v1/" -> "host:5000"). */
static char *server_domain(const char *server)
{
    if (!server || !*server)
        return xstrdup("docker.io");
    const char *s = strstr(server, "://");
    s = s ? s + 3 : server;
    char *d = xstrndup(s, strcspn(s, "/"));
    if (!strcmp(d, "index.docker.io") || !strcmp(d, "registry-1.docker.io")) {
        free(d);
        d = xstrdup("docker.io");
    }
    return d;
}

static int cmd_login(int argc, char **argv)
{
    enum { O_STDIN = 256 };
    static const struct option opts[] = {{"username", required_argument, 0, 'u'},
                                         {"password", required_argument, 0, 'p'},
                                         {"password-stdin", no_argument, 0, O_STDIN},
                                         {0, 0, 0, 0}};
    const char *user = NULL, *pass_arg = NULL;
    bool pass_stdin = false;
    int c;
    while ((c = cli_getopt(argc, argv, "u:p:", opts)) != -1) {
        if (c == 'u')
            user = optarg;
        else if (c == 'p')
            pass_arg = optarg;
        else if (c == O_STDIN)
            pass_stdin = true;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 1))
        return 1;
    if (pass_arg && pass_stdin) {
        fprintf(stderr, "--password and --password-stdin are mutually exclusive\n");
        return 1;
    }
    if (pass_stdin && !user) {
        fprintf(stderr, "Must provide --username with --password-stdin\n");
        return 1;
    }
    if (pass_arg)
        fprintf(stderr,
                "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    _cleanup_free_ char *domain = server_domain(optind < argc ? argv[optind] : NULL);
    _cleanup_free_ char *key = auth_server_key(domain);
    _cleanup_free_ char *u = user ? xstrdup(user) : NULL;
    _cleanup_free_ char *p = pass_arg ? xstrdup(pass_arg) : NULL;
    if (pass_stdin) {
        p = read_line(stdin, true);
        if (!p)
            p = xstrdup("");
    }
    if (!u || !p) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr, "Error: Cannot perform an interactive login from a non TTY device\n");
            return 1;
        }
        if (!u) {
            fprintf(stderr, "Username: ");
            u = read_line(stdin, true);
        }
        if (!p) {
            fprintf(stderr, "Password: ");
            p = read_line(stdin, false);
        }
        if (!u || !*u) {
            fprintf(stderr, "Error: Non-null Username Required\n");
            return 1;
        }
        if (!p || !*p) {
            fprintf(stderr, "Error: Password Required\n");
            return 1;
        }
    }
    json_t *body = json_pack("{s:s,s:s,s:s}", "username", u, "password", p, "serveraddress", key);
    json_t *resp = NULL;
    int st = api_json_go("POST", "/auth", body, &resp);
    json_decref(body);
    if (st != 200) {
        _cleanup_free_ char *e = daemon_error(resp);
        json_decref(resp);
        fprintf(stderr, "%s\n", e);
        return 1;
    }
    json_decref(resp);
    _cleanup_free_ char *path = auth_config_path();
    _cleanup_json_ json_t *cfg = load_config(path);
    _cleanup_free_ char *up = xasprintf("%s:%s", u, p);
    _cleanup_free_ char *b = base64_encode(up, strlen(up));
    json_object_set_new(json_object_get(cfg, "auths"), key, json_pack("{s:s}", "auth", b));
    if (save_config(path, cfg))
        return 1;
    fprintf(stderr,
            "WARNING! Your credentials are stored unencrypted in '%s'.\n"
            "Configure a credential helper to remove this warning. See\n"
            "https://docs.docker.com/go/credential-store/\n\n",
            path);
    printf("Login Succeeded\n");
    return 0;
}

static int cmd_logout(int argc, char **argv)
{
    static const struct option opts[] = {{0, 0, 0, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1)
        return cli_bad_flag(c, argc, argv);
    if (cli_want_args(argc - optind, 0, 1))
        return 1;
    _cleanup_free_ char *domain = server_domain(optind < argc ? argv[optind] : NULL);
    _cleanup_free_ char *key = auth_server_key(domain);
    _cleanup_free_ char *path = auth_config_path();
    _cleanup_json_ json_t *cfg = load_config(path);
    json_t *auths = json_object_get(cfg, "auths");
    if (!json_object_get(auths, key)) {
        printf("Not logged in to %s\n", key);
        return 0;
    }
    printf("Removing login credentials for %s\n", key);
    json_object_del(auths, key);
    return save_config(path, cfg);
}

#define PULL_OPTS                                                                                  \
    "  -a, --all-tags                Download all tagged images in the repository\n"               \
    "      --disable-content-trust   Skip image verification (default true)\n"                     \
    "      --platform string         Set platform if server is multi-platform capable\n"           \
    "  -q, --quiet                   Suppress verbose output\n"
#define PUSH_OPTS                                                                                  \
    "  -a, --all-tags                Push all tags of an image to the repository\n"                \
    "      --disable-content-trust   Skip image signing (default true)\n"                          \
    "      --platform string         Push a platform-specific manifest as a single-platform "      \
    "image\n"                                                                                      \
    "                                to the registry.\n"                                           \
    "  -q, --quiet                   Suppress verbose output\n"
#define LOGIN_OPTS                                                                                 \
    "  -p, --password string   Password or Personal Access Token (PAT)\n"                          \
    "      --password-stdin    Take the Password or Personal Access Token (PAT) from stdin\n"      \
    "  -u, --username string   Username\n"

const struct cli_cmd cli_cmds_registry[] = {
    {"pull", cmd_pull, "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
     PULL_OPTS, false},
    {"image pull", cmd_pull, "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
     PULL_OPTS, false},
    {"push", cmd_push, "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", PUSH_OPTS, false},
    {"image push", cmd_push, "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", PUSH_OPTS,
     false},
    {"login", cmd_login, "[OPTIONS] [SERVER]", "Authenticate to a registry", LOGIN_OPTS, false},
    {"logout", cmd_logout, "[SERVER]", "Log out from a registry", NULL, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
