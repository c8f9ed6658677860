/* attach: docker's RunAttach (wait first, state checks, attach, resize,
 * stream, then the wait result as the exit status). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/runopts.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* inspectContainerAndCheckState */
static json_t *attachable(const char *ref)
{
    json_t *c = NULL;
    _cleanup_free_ char *err = NULL;
    if (ctr_inspect(ref, &c, &err) != 200) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    json_t *s = json_object_get(c, "State");
    const char *why = !jbool(s, "Running") ? "You cannot attach to a stopped container, start it "
                                             "first"
                      : jbool(s, "Paused") ? "You cannot attach to a paused container, unpause "
                                             "it first"
                      : jbool(s, "Restarting")
                          ? "You cannot attach to a restarting container, wait "
                            "until it is running"
                          : NULL;
    if (why) {
        fprintf(stderr, "%s\n", why);
        json_decref(c);
        return NULL;
    }
    return c;
}

static int cmd_attach(int argc, char **argv)
{
    static const struct option opts[] = {{"no-stdin", optional_argument, 0, 'n'},
                                         {"sig-proxy", optional_argument, 0, 's'},
                                         {"detach-keys", required_argument, 0, 'k'},
                                         {0, 0, 0, 0}};
    bool no_stdin = false, proxy = true;
    const char *keys = NULL;
    int c, r = 0;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        switch (c) {
        case 'n':
            r = bool_flag(optarg, "--no-stdin", &no_stdin);
            break;
        case 's':
            r = bool_flag(optarg, "--sig-proxy", &proxy);
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
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    const char *ref = argv[optind];
    _cleanup_free_ char *esc = path_escape(ref);
    _cleanup_free_ char *err = NULL;
    struct http_conn *w = ctr_wait_begin(esc, NULL, &err);
    json_t *ctr = attachable(ref);
    if (!ctr) {
        if (w)
            http_close(w);
        return 1;
    }
    _cleanup_json_ json_t *cc = ctr;
    json_t *cfg = json_object_get(ctr, "Config");
    bool tty = jbool(cfg, "Tty");
    if (!no_stdin && tty && !isatty(STDIN_FILENO)) {
        fprintf(stderr, "the input device is not a TTY\n");
        if (w)
            http_close(w);
        return 1;
    }
    const char *id = jstr(ctr, "Id");
    stream_signals_begin(proxy && !tty ? id : NULL);
    bool in = !no_stdin && jbool(cfg, "OpenStdin");
    _cleanup_free_ char *aerr = NULL;
    struct http_conn *a = ctr_attach(esc, in, true, true, keys, false, &aerr);
    if (!a) {
        fprintf(stderr, "%s\n", aerr);
        if (w)
            http_close(w);
        return 1;
    }
    json_t *again = attachable(ref); /* it may have stopped meanwhile */
    if (!again) {
        http_close(a);
        if (w)
            http_close(w);
        return 1;
    }
    json_decref(again);
    _cleanup_free_ char *rp = xasprintf("/containers/%s", esc); /* as typed, like docker */
    bool term = tty && isatty(STDOUT_FILENO);
    if (term) {
        /* one size off first, so a shell that did not see the last attach
         * redraws its prompt */
        stream_resize(rp, 1, 1, false);
        stream_resize(rp, 0, 0, true);
    }
    struct stream_opts o = {.tty = tty,
                            .in = in,
                            .out = true,
                            .err = true,
                            .detach_keys = keys,
                            .resize_path = term ? rp : NULL};
    _cleanup_free_ char *serr = NULL;
    int rc = stream_run(a, &o, &serr);
    http_close(a);
    if (rc == STREAM_DETACHED) {
        if (w)
            http_close(w);
        fprintf(stderr, "read escape sequence\n");
        return 1;
    }
    if (rc == STREAM_FAILED) {
        if (w)
            http_close(w);
        fprintf(stderr, "%s\n", serr);
        return 1;
    }
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    _cleanup_free_ char *msg = NULL;
    int code = ctr_wait_result(w, &msg);
    if (msg) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    return code;
}

static const char attach_options[] =
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "      --no-stdin             Do not attach STDIN\n"
    "      --sig-proxy            Proxy all received signals to the process (default true)\n";

const struct cli_cmd cli_cmds_attach[] = {
    {"attach", cmd_attach, "[OPTIONS] CONTAINER",
     "Attach local standard input, output, and error streams to a running container",
     attach_options, false},
    {"container attach", cmd_attach, "[OPTIONS] CONTAINER",
     "Attach local standard input, output, and error streams to a running container",
     attach_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
