/* run, create and start: docker's flags and checks, the exact create body
 * the docker 28 CLI sends, the auto-pull on 404, and the attached run
 * sequence (attach, wait, start, resize, stream). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/registry.h"
#include "client/runopts.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/portspec.h"
#include "common/reference.h"
#include "common/strbuf.h"
#include "common/units.h"
#include "common/jsonutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* createContainer(): create, pulling the image on a 404. Returns the id,
 * or NULL with *err (the text docker prints). */
static char *create_container(struct create_opts *o, json_t *body, char **err)
{
    struct image_ref ref = {0};
    struct md_error merr = {0};
    bool named = ref_parse(o->image, &ref, &merr) == 0;
    if (!named && !ref_looks_like_id(o->image)) {
        *err = xstrdup(md_err_msg(&merr));
        md_err_clear(&merr);
        return NULL;
    }
    md_err_clear(&merr);
    _cleanup_free_ char *path = NULL;
    if (o->name && *o->name) {
        _cleanup_free_ char *n = query_escape(o->name);
        path = xasprintf("/containers/create?name=%s", n);
    } else {
        path = xstrdup("/containers/create");
    }
    char *id = NULL;
    if (named && !strcmp(o->pull, "always") && pull_image(&ref, false, o->quiet, stderr, err) < 0)
        goto out;
    json_t *resp = NULL;
    int st = api_json_go("POST", path, body, &resp);
    if (st == 404 && named && !strcmp(o->pull, "missing")) {
        json_decref(resp);
        resp = NULL;
        if (!o->quiet) {
            _cleanup_free_ char *fam = ref_familiar(&ref);
            fprintf(stderr, "Unable to find image '%s' locally\n", fam);
        }
        if (pull_image(&ref, false, o->quiet, stderr, err) < 0)
            goto out;
        st = api_json_go("POST", path, body, &resp);
    }
    if (st != 201 && st != 200) {
        *err = daemon_error(resp);
        json_decref(resp);
        goto out;
    }
    json_t *w = json_object_get(resp, "Warnings");
    size_t i;
    json_t *v;
    json_array_foreach(w, i, v) fprintf(stderr, "WARNING: %s\n", json_string_value(v));
    id = xstrdup(jstr(resp, "Id"));
    json_decref(resp);
out:
    ref_free(&ref);
    return id;
}

/* toStatusError: the exit code docker derives from the message */
static int status_for(const char *msg)
{
    if (strstr(msg, "executable file not found") || strstr(msg, "no such file or directory") ||
        strstr(msg, "system cannot find the file specified"))
        return 127;
    if (strstr(msg, "permission denied") || strstr(msg, "is a directory"))
        return 126;
    return 125;
}

static int cmd_create_or_run(int argc, char **argv, bool run)
{
    struct create_opts o = {.run = run};
    int rc = create_opts_parse(argc, argv, &o);
    if (rc) {
        create_opts_free(&o);
        return rc;
    }
    if (strcmp(o.pull, "always") && strcmp(o.pull, "missing") && strcmp(o.pull, "never") &&
        *o.pull) {
        create_opts_free(&o);
        return with_help(125,
                         "invalid pull option: '%s': must be one of \"always\", \"missing\" or "
                         "\"never\"",
                         o.pull);
    }
    _cleanup_json_ json_t *body = create_body(&o, &rc);
    if (!body) {
        create_opts_free(&o);
        return rc;
    }
    bool a_in = jbool(body, "AttachStdin"), a_out = jbool(body, "AttachStdout");
    bool a_err = jbool(body, "AttachStderr");
    if (run && !o.detach) {
        if (a_in && o.tty && !isatty(STDIN_FILENO)) {
            fprintf(stderr, "the input device is not a TTY\n");
            create_opts_free(&o);
            return 1;
        }
    } else if (run) {
        if (o.attach) {
            fprintf(stderr, "conflicting options: cannot specify both --attach and --detach\n");
            create_opts_free(&o);
            return 1;
        }
        a_in = a_out = a_err = false;
        json_object_set_new(body, "AttachStdin", json_false());
        json_object_set_new(body, "AttachStdout", json_false());
        json_object_set_new(body, "AttachStderr", json_false());
        json_object_set_new(body, "StdinOnce", json_false());
    }
    _cleanup_free_ char *err = NULL;
    _cleanup_free_ char *id = create_container(&o, body, &err);
    if (!id) {
        rc = run ? with_help(status_for(err), "%s", err) : (fprintf(stderr, "%s\n", err), 1);
        create_opts_free(&o);
        return rc;
    }
    if (!run) {
        printf("%s\n", id);
        create_opts_free(&o);
        return 0;
    }
    stream_signals_begin(o.sig_proxy ? id : NULL);
    if (!(a_in || a_out || a_err)) {
        /* detached: docker prints the id at once (from a goroutine, so even
         * when start then fails) and still registers the wait before start */
        printf("%s\n", id);
        fflush(stdout);
        _cleanup_free_ char *werr = NULL;
        struct http_conn *w = ctr_wait_begin(id, o.rm ? "removed" : "next-exit", &werr);
        _cleanup_free_ char *sp = xasprintf("/containers/%s/start", id);
        json_t *resp = NULL;
        int st = api_json("POST", sp, NULL, &resp);
        if (st >= 400) {
            _cleanup_free_ char *msg = daemon_error(resp);
            json_decref(resp);
            if (w && o.rm)
                ctr_wait_result(w, NULL);
            else if (w)
                http_close(w);
            create_opts_free(&o);
            return with_help(status_for(msg), "%s", msg);
        }
        json_decref(resp);
        if (w)
            http_close(w);
        create_opts_free(&o);
        return 0;
    }
    struct attached_run r = {.id = id,
                             .tty = o.tty,
                             .in = a_in,
                             .out = a_out,
                             .err = a_err,
                             .auto_remove = o.rm,
                             .detach_keys = o.detach_keys};
    _cleanup_free_ char *start_err = NULL;
    bool failed;
    rc = ctr_attach_and_start(&r, &start_err, &failed);
    create_opts_free(&o);
    if (start_err) {
        _cleanup_free_ char *msg = xasprintf("Error response from daemon: %s", start_err);
        return with_help(status_for(msg), "%s", msg);
    }
    return rc;
}

static int cmd_run(int argc, char **argv)
{
    return cmd_create_or_run(argc, argv, true);
}

static int cmd_create(int argc, char **argv)
{
    return cmd_create_or_run(argc, argv, false);
}

static int start_attached(const char *ref, bool interactive, const char *keys)
{
    json_t *c = NULL;
    _cleanup_free_ char *err = NULL;
    if (ctr_inspect(ref, &c, &err) != 200) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    _cleanup_json_ json_t *cc = c;
    json_t *cfg = json_object_get(c, "Config");
    bool tty = jbool(cfg, "Tty");
    const char *id = jstr(c, "Id");
    stream_signals_begin(tty ? NULL : id);
    struct attached_run r = {.id = id,
                             .tty = tty,
                             .in = interactive && jbool(cfg, "OpenStdin"),
                             .out = true,
                             .err = true,
                             .auto_remove = jbool(json_object_get(c, "HostConfig"), "AutoRemove"),
                             .detach_keys = keys};
    _cleanup_free_ char *start_err = NULL;
    bool failed;
    int rc = ctr_attach_and_start(&r, &start_err, &failed);
    if (start_err) {
        fprintf(stderr, "Error response from daemon: %s\n", start_err);
        return 1;
    }
    return rc;
}

/* docker start a b c: each error at once, in argument order, then the
 * names that failed. The calls go out together (docker's CLI sends them one
 * after the other here, but the output is the same). */
struct started {
    char **refs;
    struct strbuf failed;
};

static void report_start(struct api_call *c, size_t i, void *arg)
{
    struct started *s = arg;
    if (c->status >= 400) {
        print_daemon_error(c->body);
        sb_printf(&s->failed, "%s%s", s->failed.len ? ", " : "", s->refs[i]);
    } else {
        printf("%s\n", s->refs[i]);
        fflush(stdout);
    }
    json_decref(c->body);
    free(c->path);
}

static int cmd_start(int argc, char **argv)
{
    static const struct option opts[] = {{"attach", optional_argument, 0, 'A'},
                                         {"interactive", optional_argument, 0, 'I'},
                                         {"detach-keys", required_argument, 0, 'k'},
                                         {0, 0, 0, 0}};
    bool attach = false, interactive = false;
    const char *keys = NULL;
    int c, r = 0;
    while ((c = cli_getopt(argc, argv, "ai", opts)) != -1) {
        switch (c) {
        case 'a':
            attach = true;
            break;
        case 'i':
            interactive = true;
            break;
        case 'A':
            r = bool_flag(optarg, "-a, --attach", &attach);
            break;
        case 'I':
            r = bool_flag(optarg, "-i, --interactive", &interactive);
            break;
        case 'k':
            keys = optarg;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (r)
            return r;
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    if (attach || interactive) {
        if (argc - optind > 1) {
            fprintf(stderr, "you cannot start and attach multiple containers at once\n");
            return 1;
        }
        return start_attached(argv[optind], interactive, keys);
    }
    int n = argc - optind;
    struct api_call *calls = xcalloc((size_t)n, sizeof *calls);
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *esc = path_escape(argv[optind + i]);
        calls[i].method = "POST";
        calls[i].path = xasprintf("/containers/%s/start", esc);
    }
    struct started s = {.refs = argv + optind, .failed = STRBUF_INIT};
    api_parallel(calls, (size_t)n, report_start, &s);
    free(calls);
    if (s.failed.len) {
        fprintf(stderr, "Error: failed to start containers: %s\n", s.failed.s);
        sb_free(&s.failed);
        return 1;
    }
    return 0;
}

#define RUN_OPTIONS                                                                                \
    "      --add-host list                Add a custom host-to-IP mapping (host:ip)\n"             \
    "  -a, --attach list                  Attach to STDIN, STDOUT or STDERR\n"                     \
    "      --cap-add list                 Add Linux capabilities\n"                                \
    "      --cap-drop list                Drop Linux capabilities\n"                               \
    "  -c, --cpu-shares int               CPU shares (relative weight)\n"                          \
    "      --cpus decimal                 Number of CPUs\n"                                        \
    "      --device list                  Add a host device to the container\n"                    \
    "      --device-cgroup-rule list      Add a rule to the cgroup allowed devices list\n"         \
    "      --dns list                     Set custom DNS servers\n"                                \
    "      --dns-option list              Set DNS options\n"                                       \
    "      --dns-search list              Set custom DNS search domains\n"                         \
    "      --domainname string            Container NIS domain name\n"                             \
    "      --entrypoint string            Overwrite the default ENTRYPOINT of the image\n"         \
    "  -e, --env list                     Set environment variables\n"                             \
    "      --env-file list                Read in a file of environment variables\n"               \
    "      --expose list                  Expose a port or a range of ports\n"                     \
    "      --group-add list               Add additional groups to join\n"                         \
    "  -h, --hostname string              Container host name\n"                                   \
    "      --init                         Run an init inside the container that forwards "         \
    "signals and reaps processes\n"                                                                \
    "  -i, --interactive                  Keep STDIN open even if not attached\n"                  \
    "      --ipc string                   IPC mode to use\n"                                       \
    "  -l, --label list                   Set meta data on a container\n"                          \
    "      --link list                    Add link to another container\n"                         \
    "      --log-driver string            Logging driver for the container\n"                      \
    "      --log-opt list                 Log driver options\n"                                    \
    "      --mac-address string           Container MAC address (e.g., 92:d0:c6:0a:29:33)\n"       \
    "  -m, --memory bytes                 Memory limit\n"                                          \
    "      --memory-swap bytes            Swap limit equal to memory plus swap: '-1' to enable "   \
    "unlimited swap\n"                                                                             \
    "      --mount mount                  Attach a filesystem mount to the container\n"            \
    "      --name string                  Assign a name to the container\n"                        \
    "      --network network              Connect a container to a network\n"                      \
    "      --network-alias list           Add network-scoped alias for the container\n"            \
    "      --oom-score-adj int            Tune host's OOM preferences (-1000 to 1000)\n"           \
    "      --pid string                   PID namespace to use\n"                                  \
    "      --pids-limit int               Tune container pids limit (set -1 for unlimited)\n"      \
    "      --privileged                   Give extended privileges to this container\n"            \
    "  -p, --publish list                 Publish a container's port(s) to the host\n"             \
    "  -P, --publish-all                  Publish all exposed ports to random ports\n"             \
    "      --pull string                  Pull image before running (\"always\", \"missing\", "    \
    "\"never\") (default \"missing\")\n"                                                           \
    "  -q, --quiet                        Suppress the pull output\n"                              \
    "      --read-only                    Mount the container's root filesystem as read only\n"    \
    "      --restart string               Restart policy to apply when a container exits "         \
    "(default \"no\")\n"                                                                           \
    "      --rm                           Automatically remove the container and its associated "  \
    "anonymous volumes when it exits\n"                                                            \
    "      --shm-size bytes               Size of /dev/shm\n"                                      \
    "      --stop-signal string           Signal to stop the container\n"                          \
    "      --stop-timeout int             Timeout (in seconds) to stop a container\n"              \
    "      --sysctl map                   Sysctl options (default map[])\n"                        \
    "      --tmpfs list                   Mount a tmpfs directory\n"                               \
    "  -t, --tty                          Allocate a pseudo-TTY\n"                                 \
    "      --ulimit ulimit                Ulimit options (default [])\n"                           \
    "  -u, --user string                  Username or UID (format: <name|uid>[:<group|gid>])\n"    \
    "      --uts string                   UTS namespace to use\n"                                  \
    "  -v, --volume list                  Bind mount a volume\n"                                   \
    "  -w, --workdir string               Working directory inside the container\n"

static const char run_options[] =
    "  -d, --detach                       Run container in background and print container ID\n"
    "      --detach-keys string           Override the key sequence for detaching a container\n"
    "      --sig-proxy                    Proxy received signals to the process (default "
    "true)\n" RUN_OPTIONS;

static const char start_options[] =
    "  -a, --attach               Attach STDOUT/STDERR and forward signals\n"
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "  -i, --interactive          Attach container's STDIN\n";

const struct cli_cmd cli_cmds_run[] = {
    {"run", cmd_run, "[OPTIONS] IMAGE [COMMAND] [ARG...]",
     "Create and run a new container from an image", run_options, true},
    {"container run", cmd_run, "[OPTIONS] IMAGE [COMMAND] [ARG...]",
     "Create and run a new container from an image", run_options, true},
    {"create", cmd_create, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
     RUN_OPTIONS, true},
    {"container create", cmd_create, "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
     RUN_OPTIONS, true},
    {"start", cmd_start, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Start one or more stopped containers", start_options, false},
    {"container start", cmd_start, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Start one or more stopped containers", start_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
