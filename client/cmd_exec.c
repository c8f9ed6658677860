/* exec: docker's RunExec (inspect, exec create, exec start with the
 * upgrade, stream, exec inspect for the exit code). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/runopts.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cmd_exec(int argc, char **argv)
{
    static const struct option opts[] = {
        {"detach", optional_argument, 0, 'D'},      {"interactive", optional_argument, 0, 'I'},
        {"tty", optional_argument, 0, 'T'},         {"user", required_argument, 0, 'u'},
        {"privileged", optional_argument, 0, 'P'},  {"env", required_argument, 0, 'e'},
        {"env-file", required_argument, 0, 'E'},    {"workdir", required_argument, 0, 'w'},
        {"detach-keys", required_argument, 0, 'k'}, {0, 0, 0, 0}};
    bool detach = false, interactive = false, tty = false, privileged = false;
    const char *user = "", *workdir = "", *keys = "";
    _cleanup_strv_ char **env = NULL, **env_files = NULL;
    int c, r = 0;
    while ((c = cli_getopt(argc, argv, "ditu:e:w:", opts)) != -1) {
        switch (c) {
        case 'd':
            detach = true;
            break;
        case 'i':
            interactive = true;
            break;
        case 't':
            tty = true;
            break;
        case 'D':
            r = bool_flag(optarg, "-d, --detach", &detach);
            break;
        case 'I':
            r = bool_flag(optarg, "-i, --interactive", &interactive);
            break;
        case 'T':
            r = bool_flag(optarg, "-t, --tty", &tty);
            break;
        case 'P':
            r = bool_flag(optarg, "--privileged", &privileged);
            break;
        case 'u':
            user = optarg;
            break;
        case 'w':
            workdir = optarg;
            break;
        case 'k':
            keys = optarg;
            break;
        case 'e': {
            char *why = NULL;
            char *v = cli_env_value(optarg, &why);
            if (!v) {
                r = cli_usage_error("invalid argument \"%s\" for \"-e, --env\" flag: %s", optarg,
                                    why);
                free(why);
                break;
            }
            strv_push(&env, v);
            free(v);
            break;
        }
        case 'E':
            strv_push(&env_files, optarg);
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (r)
            return r;
    }
    if (cli_want_args(argc - optind, 2, -1))
        return 1;
    const char *ref = argv[optind];
    /* parseExec: env files first, then -e */
    char **all_env = NULL;
    for (char **f = env_files; f && *f; f++) {
        char *why = NULL;
        if (cli_env_file(*f, &all_env, &why) < 0) {
            fprintf(stderr, "%s\n", why);
            free(why);
            strv_free(all_env);
            return 1;
        }
    }
    for (char **e = env; e && *e; e++)
        strv_push(&all_env, *e);
    _cleanup_strv_ char **envc = all_env;
    bool a_in = !detach && interactive, a_out = !detach, a_err = !detach;

    /* docker's CLI inspects the container first so that "No such container"
     * wins over the tty check. Exec create answers that same error itself,
     * so the extra round trip is only needed when the tty check fails. */
    if (!detach && a_in && tty && !isatty(STDIN_FILENO)) {
        json_t *ctr = NULL;
        _cleanup_free_ char *err = NULL;
        if (ctr_inspect(ref, &ctr, &err) != 200) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        json_decref(ctr);
        fprintf(stderr, "the input device is not a TTY\n");
        return 1;
    }
    unsigned h = 0, w = 0;
    stream_tty_size(&h, &w);
    json_t *cmd = json_array();
    for (int i = optind + 1; i < argc; i++)
        json_array_append_new(cmd, json_str_lossy(argv[i]));
    json_t *body = json_object();
    json_object_set_new(body, "User", json_str_lossy(user));
    json_object_set_new(body, "Privileged", json_boolean(privileged));
    json_object_set_new(body, "Tty", json_boolean(tty));
    if (tty)
        json_object_set_new(body, "ConsoleSize", json_pack("[i,i]", h, w));
    json_object_set_new(body, "AttachStdin", json_boolean(a_in));
    json_object_set_new(body, "AttachStderr", json_boolean(a_err));
    json_object_set_new(body, "AttachStdout", json_boolean(a_out));
    json_object_set_new(body, "Detach", json_boolean(detach));
    json_object_set_new(body, "DetachKeys", json_str_lossy(keys));
    json_object_set_new(body, "Env", all_env ? json_strv(all_env) : json_null());
    json_object_set_new(body, "WorkingDir", json_str_lossy(workdir));
    json_object_set_new(body, "Cmd", cmd);
    _cleanup_free_ char *esc = path_escape(ref);
    _cleanup_free_ char *path = xasprintf("/containers/%s/exec", esc);
    json_t *resp = NULL;
    int st = api_check(api_json_go("POST", path, body, &resp), &resp);
    json_decref(body);
    if (st < 0)
        return 1;
    _cleanup_free_ char *eid = xstrdup(jstr(resp, "Id"));
    json_decref(resp);
    if (!*eid) {
        fprintf(stderr, "exec ID empty\n");
        return 1;
    }
    json_t *sb = json_object();
    json_object_set_new(sb, "Detach", json_boolean(detach));
    json_object_set_new(sb, "Tty", json_boolean(tty));
    if (tty)
        json_object_set_new(sb, "ConsoleSize", json_pack("[i,i]", h, w));
    _cleanup_free_ char *start = xasprintf("/exec/%s/start", eid);
    if (detach) {
        st = api_check(api_json_go("POST", start, sb, &resp), &resp);
        json_decref(sb);
        json_decref(resp);
        return st < 0;
    }
    _cleanup_free_ char *text = go_json(sb);
    json_decref(sb);
    struct http_req req = {.method = "POST",
                           .path = start,
                           .content_type = "application/json",
                           .body = text,
                           .body_len = strlen(text),
                           .body_fd = -1,
                           .upgrade = true};
    stream_signals_begin(NULL);
    struct http_conn *conn = http_send(&req);
    if (http_status(conn) != 101) {
        st = http_status(conn);
        if (st >= 400)
            http_print_error(conn);
        else
            fprintf(stderr, "unable to upgrade to tcp, received %d\n", st);
        http_close(conn);
        return 1;
    }
    _cleanup_free_ char *rp = xasprintf("/exec/%s", eid);
    bool term = tty && isatty(STDIN_FILENO);
    if (term)
        stream_resize(rp, 0, 0, true);
    struct stream_opts o = {.tty = tty,
                            .in = a_in,
                            .out = a_out,
                            .err = a_err,
                            .detach_keys = keys,
                            .resize_path = term ? rp : NULL};
    _cleanup_free_ char *serr = NULL;
    int rc = stream_run(conn, &o, &serr);
    http_close(conn);
    if (rc == STREAM_DETACHED) {
        fprintf(stderr, "read escape sequence\n");
        return 1;
    }
    if (rc == STREAM_FAILED) {
        fprintf(stderr, "%s\n", serr);
        return 1;
    }
    _cleanup_free_ char *ip = xasprintf("/exec/%s/json", eid);
    _cleanup_json_ json_t *ins = NULL;
    if (api_call("GET", ip, NULL, &ins) < 0)
        return 1;
    return (int)jint(ins, "ExitCode");
}

static const char exec_options[] =
    "  -d, --detach               Detached mode: run command in the background\n"
    "      --detach-keys string   Override the key sequence for detaching a container\n"
    "  -e, --env list             Set environment variables\n"
    "      --env-file list        Read in a file of environment variables\n"
    "  -i, --interactive          Keep STDIN open even if not attached\n"
    "      --privileged           Give extended privileges to the command\n"
    "  -t, --tty                  Allocate a pseudo-TTY\n"
    "  -u, --user string          Username or UID (format: \"<name|uid>[:<group|gid>]\")\n"
    "  -w, --workdir string       Working directory inside the container\n";

const struct cli_cmd cli_cmds_exec[] = {
    {"exec", cmd_exec, "[OPTIONS] CONTAINER COMMAND [ARG...]",
     "Execute a command in a running container", exec_options, true},
    {"container exec", cmd_exec, "[OPTIONS] CONTAINER COMMAND [ARG...]",
     "Execute a command in a running container", exec_options, true},
    {NULL, NULL, NULL, NULL, NULL, false},
};
