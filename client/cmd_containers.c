/* The small container verbs: stop, restart, kill, pause, unpause, rm,
 * rename, wait, container prune, port, diff, top. Multi-container verbs
 * print each name as given on success and collect the errors, which come
 * last (docker's errors.Join), with exit status 1. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/prune.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct each {
    char **refs;
    char **errs;
    bool rm_force; /* rm -f: a missing container is said, not a failure */
};

static void report_each(struct api_call *c, size_t i, void *arg)
{
    struct each *e = arg;
    if (!c->path) {
        strv_push(&e->errs, "container name cannot be empty");
    } else if (c->status >= 400) {
        _cleanup_free_ char *msg = daemon_error(c->body);
        if (e->rm_force && c->status == 404)
            fprintf(stderr, "%s\n", msg);
        else
            strv_push(&e->errs, msg);
    } else {
        printf("%s\n", e->refs[i]);
        fflush(stdout);
    }
    json_decref(c->body);
    free(c->path);
}

/* POST or DELETE /containers/<ref><suffix> for each ref, all at once as
 * docker's CLI does (stop a b c takes one timeout, not three); names and
 * errors come out in argument order. rm trims "/" off each ref first
 * (strings.Trim(ref, "/")), and an empty one is an error of its own. */
static int for_each(char **refs, int n, const char *method, const char *suffix, const char *query,
                    bool rm, bool rm_force)
{
    struct api_call *calls = xcalloc((size_t)n, sizeof *calls);
    for (int i = 0; i < n; i++) {
        const char *r = refs[i];
        if (rm)
            while (*r == '/')
                r++;
        _cleanup_free_ char *ref = xstrdup(r);
        if (rm)
            for (size_t l = strlen(ref); l && ref[l - 1] == '/'; l--)
                ref[l - 1] = '\0';
        calls[i].method = method;
        calls[i].finished = !*ref;
        if (!*ref)
            continue;
        _cleanup_free_ char *esc = path_escape(ref);
        calls[i].path = xasprintf("/containers/%s%s%s%s", esc, suffix, query && *query ? "?" : "",
                                  query && *query ? query : "");
    }
    struct each e = {.refs = refs, .rm_force = rm_force};
    api_parallel(calls, (size_t)n, report_each, &e);
    free(calls);
    int rc = print_errors(e.errs);
    strv_free(e.errs);
    return rc;
}

static int no_flags(int argc, char **argv, int min, int max)
{
    static const struct option opts[] = {{0, 0, 0, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1)
        return cli_bad_flag(c, argc, argv);
    return cli_want_args(argc - optind, min, max);
}

/* stop and restart: -s/--signal, -t/--timeout (and the deprecated --time) */
static int stop_like(int argc, char **argv, const char *suffix)
{
    static const struct option opts[] = {{"signal", required_argument, 0, 's'},
                                         {"timeout", required_argument, 0, 't'},
                                         {"time", required_argument, 0, 'T'},
                                         {0, 0, 0, 0}};
    const char *sig = NULL, *timeout = NULL;
    bool t_set = false, time_set = false;
    int c;
    while ((c = cli_getopt(argc, argv, "s:t:", opts)) != -1) {
        switch (c) {
        case 's':
            sig = optarg;
            break;
        case 'T':
            printf("Flag --time has been deprecated, use --timeout instead\n");
            time_set = true;
            timeout = optarg;
            break;
        case 't':
            t_set = true;
            timeout = optarg;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (timeout && (c == 't' || c == 'T')) {
            char *end;
            errno = 0;
            long v = strtol(timeout, &end, 10);
            (void)v;
            if (!*timeout || *end || errno) {
                const char *flag = c == 't' ? "-t, --timeout" : "--time";
                return cli_usage_error(
                    "invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: parsing \"%s\": "
                    "invalid syntax",
                    timeout, flag, timeout);
            }
        }
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    if (t_set && time_set) {
        fprintf(stderr, "conflicting options: cannot specify both --timeout and --time\n");
        return 1;
    }
    struct strbuf q = STRBUF_INIT;
    if (sig && *sig) {
        _cleanup_free_ char *e = query_escape(sig);
        sb_printf(&q, "signal=%s", e);
    }
    if (timeout)
        sb_printf(&q, "%st=%ld", q.len ? "&" : "", strtol(timeout, NULL, 10));
    int rc = for_each(argv + optind, argc - optind, "POST", suffix, q.s, false, false);
    sb_free(&q);
    return rc;
}

static int cmd_stop(int argc, char **argv)
{
    return stop_like(argc, argv, "/stop");
}

static int cmd_restart(int argc, char **argv)
{
    return stop_like(argc, argv, "/restart");
}

static int cmd_kill(int argc, char **argv)
{
    static const struct option opts[] = {{"signal", required_argument, 0, 's'}, {0, 0, 0, 0}};
    const char *sig = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "s:", opts)) != -1) {
        if (c == 's')
            sig = optarg;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    _cleanup_free_ char *q = NULL;
    if (sig && *sig) {
        _cleanup_free_ char *e = query_escape(sig);
        q = xasprintf("signal=%s", e);
    }
    return for_each(argv + optind, argc - optind, "POST", "/kill", q, false, false);
}

static int cmd_pause(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 1, -1);
    if (rc)
        return rc;
    return for_each(argv + optind, argc - optind, "POST", "/pause", NULL, false, false);
}

static int cmd_unpause(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 1, -1);
    if (rc)
        return rc;
    return for_each(argv + optind, argc - optind, "POST", "/unpause", NULL, false, false);
}

static int cmd_rm(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'},
                                         {"volumes", no_argument, 0, 'v'},
                                         {"link", no_argument, 0, 'l'},
                                         {0, 0, 0, 0}};
    bool force = false, vols = false, link = false;
    int c;
    while ((c = cli_getopt(argc, argv, "fvl", opts)) != -1) {
        switch (c) {
        case 'f':
            force = true;
            break;
        case 'v':
            vols = true;
            break;
        case 'l':
            link = true;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    struct strbuf q = STRBUF_INIT;
    if (force)
        sb_add(&q, "&force=1");
    if (link)
        sb_add(&q, "&link=1");
    if (vols)
        sb_add(&q, "&v=1");
    int rc =
        for_each(argv + optind, argc - optind, "DELETE", "", q.len ? q.s + 1 : NULL, true, force);
    sb_free(&q);
    return rc;
}

static char *trim_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *r = xstrdup(s);
    for (size_t l = strlen(r); l && isspace((unsigned char)r[l - 1]); l--)
        r[l - 1] = '\0';
    return r;
}

static int cmd_rename(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 2, 2);
    if (rc)
        return rc;
    _cleanup_free_ char *old = trim_space(argv[optind]);
    _cleanup_free_ char *new = trim_space(argv[optind + 1]);
    if (!*old || !*new) {
        fprintf(stderr, "Error: Neither old nor new names may be empty\n");
        return 1;
    }
    _cleanup_free_ char *eo = path_escape(old), *en = query_escape(new);
    _cleanup_free_ char *path = xasprintf("/containers/%s/rename?name=%s", eo, en);
    if (api_call("POST", path, NULL, NULL) < 0) {
        fprintf(stderr, "Error: failed to rename container named %s\n", old);
        return 1;
    }
    return 0;
}

static int cmd_wait(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 1, -1);
    if (rc)
        return rc;
    char **errs = NULL;
    for (int i = optind; i < argc; i++) {
        _cleanup_free_ char *esc = path_escape(argv[i]);
        _cleanup_free_ char *err = NULL;
        struct http_conn *w = ctr_wait_begin(esc, NULL, &err);
        if (!w) {
            strv_push(&errs, err);
            continue;
        }
        size_t len;
        _cleanup_free_ char *data = http_read_all(w, &len);
        http_close(w);
        _cleanup_json_ json_t *j = json_loadb(data, len, 0, NULL);
        if (!json_is_object(j)) {
            strv_push(&errs, "unexpected EOF");
            continue;
        }
        printf("%lld\n", jint(j, "StatusCode")); /* also when Error is set, as docker */
        fflush(stdout);
    }
    rc = print_errors(errs);
    strv_free(errs);
    return rc;
}

static int cmd_prune(int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, 0, 'f'}, {"filter", required_argument, 0, 'F'}, {0, 0, 0, 0}};
    bool force = false;
    _cleanup_filters_ struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "f", opts)) != -1) {
        if (c == 'f')
            force = true;
        else if (c == 'F') {
            if (prune_filter_flag(f))
                return 125;
        } else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    if (!force) {
        printf("WARNING! This will remove all stopped containers.\n"
               "Are you sure you want to continue? [y/N] ");
        if (!cli_confirmed())
            return 0; /* docker neither prints its cancelled error nor fails */
    }
    long long space;
    _cleanup_free_ char *out = NULL;
    if (prune_call(PRUNE_CONTAINERS, false, f, &space, &out))
        return 1;
    prune_print(out, true, space);
    return 0;
}

static int natural_cmp(const void *a, const void *b)
{
    return cli_natural_cmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_port(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 1, 2);
    if (rc)
        return rc;
    const char *ref = argv[optind];
    const char *want = optind + 1 < argc ? argv[optind + 1] : NULL;
    json_t *c = NULL;
    _cleanup_free_ char *err = NULL;
    if (ctr_inspect(ref, &c, &err) != 200) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    _cleanup_json_ json_t *cc = c;
    json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
    char **out = NULL;
    if (want) {
        const char *slash = strchr(want, '/');
        _cleanup_free_ char *port = slash ? xstrndup(want, (size_t)(slash - want)) : xstrdup(want);
        const char *proto = slash && slash[1] ? slash + 1 : "tcp";
        char *end;
        errno = 0;
        unsigned long v = strtoul(port, &end, 10);
        if (!*port || *end || !isdigit((unsigned char)*port) || v > 65535) {
            fprintf(stderr, "Error: invalid port (%s): strconv.ParseUint: parsing \"%s\": %s\n",
                    port, port,
                    *port && !*end && isdigit((unsigned char)*port) ? "value out of range"
                                                                    : "invalid syntax");
            return 1;
        }
        _cleanup_free_ char *key = xasprintf("%s/%s", port, proto);
        json_t *fe = json_object_get(ports, key);
        if (!json_array_size(fe)) {
            fprintf(stderr, "Error: No public port '%s' published for %s\n", want, ref);
            return 1;
        }
        size_t i;
        json_t *b;
        json_array_foreach(fe, i, b)
        {
            char *hp = cli_join_host_port(jstr(b, "HostIp"), jstr(b, "HostPort"));
            strv_push(&out, hp);
            free(hp);
        }
    } else {
        const char *key;
        json_t *fe;
        json_object_foreach(ports, key, fe)
        {
            size_t i;
            json_t *b;
            json_array_foreach(fe, i, b)
            {
                _cleanup_free_ char *hp =
                    cli_join_host_port(jstr(b, "HostIp"), jstr(b, "HostPort"));
                _cleanup_free_ char *line = xasprintf("%s -> %s", key, hp);
                strv_push(&out, line);
            }
        }
    }
    if (out) {
        qsort(out, strv_len(out), sizeof *out, natural_cmp);
        for (char **l = out; *l; l++)
            printf("%s\n", *l);
    }
    strv_free(out);
    return 0;
}

static int cmd_diff(int argc, char **argv)
{
    int rc = no_flags(argc, argv, 1, 1);
    if (rc)
        return rc;
    if (!*argv[optind]) {
        fprintf(stderr, "Container name cannot be empty\n");
        return 1;
    }
    _cleanup_free_ char *esc = path_escape(argv[optind]);
    _cleanup_free_ char *path = xasprintf("/containers/%s/changes", esc);
    _cleanup_json_ json_t *resp = NULL;
    if (api_call("GET", path, NULL, &resp) < 0)
        return 1;
    size_t i;
    json_t *ch;
    json_array_foreach(resp, i, ch)
    {
        long long k = jint(ch, "Kind");
        const char *kind = k == 0 ? "C" : k == 1 ? "A" : k == 2 ? "D" : "";
        printf("%s %s\n", kind, jstr(ch, "Path"));
    }
    return 0;
}

static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int cmd_top(int argc, char **argv)
{
    if (no_flags(argc, argv, 1, -1)) /* stop_at_arg: ps options are not ours */
        return 125;
    _cleanup_free_ char *esc = path_escape(argv[optind]);
    struct strbuf psargs = STRBUF_INIT;
    for (int i = optind + 1; i < argc; i++)
        sb_printf(&psargs, "%s%s", psargs.len ? " " : "", argv[i]);
    _cleanup_free_ char *path = NULL;
    if (psargs.len) {
        _cleanup_free_ char *q = query_escape(psargs.s);
        path = xasprintf("/containers/%s/top?ps_args=%s", esc, q);
    } else {
        path = xasprintf("/containers/%s/top", esc);
    }
    sb_free(&psargs);
    _cleanup_json_ json_t *resp = NULL;
    if (api_call("GET", path, NULL, &resp) < 0)
        return 1;
    /* text/tabwriter with minwidth 20, padding 3: every cell but a line's
     * last is padded to its column's width */
    json_t *titles = json_object_get(resp, "Titles");
    json_t *procs = json_object_get(resp, "Processes");
    size_t ncols = json_array_size(titles);
    size_t i;
    json_t *row;
    json_array_foreach(procs, i, row) if (json_array_size(row) > ncols) ncols =
        json_array_size(row);
    size_t *width = xcalloc(ncols + 1, sizeof *width);
    for (size_t k = 0; k < ncols; k++)
        width[k] = 20;
    json_t *rows = json_array();
    json_array_append(rows, titles);
    json_array_foreach(procs, i, row) json_array_append(rows, row);
    json_array_foreach(rows, i, row)
    {
        size_t n = json_array_size(row);
        for (size_t k = 0; k + 1 < n; k++) {
            size_t w = utf8_len(json_string_value(json_array_get(row, k)) ?: "") + 3;
            if (w > width[k])
                width[k] = w;
        }
    }
    json_array_foreach(rows, i, row)
    {
        size_t n = json_array_size(row);
        for (size_t k = 0; k < n; k++) {
            const char *cell = json_string_value(json_array_get(row, k)) ?: "";
            if (k + 1 < n)
                printf("%s%*s", cell, (int)(width[k] - utf8_len(cell)), "");
            else
                printf("%s", cell);
        }
        printf("\n");
    }
    json_decref(rows);
    free(width);
    return 0;
}

static const char stop_options[] =
    "  -s, --signal string   Signal to send to the container\n"
    "  -t, --timeout int     Seconds to wait before killing the container\n";
static const char rm_options[] =
    "  -f, --force     Force the removal of a running container (uses SIGKILL)\n"
    "  -l, --link      Remove the specified link\n"
    "  -v, --volumes   Remove anonymous volumes associated with the container\n";
static const char prune_options[] =
    "      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"
    "  -f, --force           Do not prompt for confirmation\n";

#define CMD(name, fn, usage, summary, opts)                                                        \
    {name, fn, usage, summary, opts, false},                                                       \
    {                                                                                              \
        "container " name, fn, usage, summary, opts, false                                         \
    }

const struct cli_cmd cli_cmds_containers[] = {
    CMD("stop", cmd_stop, "[OPTIONS] CONTAINER [CONTAINER...]",
        "Stop one or more running containers", stop_options),
    CMD("restart", cmd_restart, "[OPTIONS] CONTAINER [CONTAINER...]",
        "Restart one or more containers", stop_options),
    CMD("kill", cmd_kill, "[OPTIONS] CONTAINER [CONTAINER...]",
        "Kill one or more running containers",
        "  -s, --signal string   Signal to send to the container\n"),
    CMD("pause", cmd_pause, "CONTAINER [CONTAINER...]",
        "Pause all processes within one or more containers", NULL),
    CMD("unpause", cmd_unpause, "CONTAINER [CONTAINER...]",
        "Unpause all processes within one or more containers", NULL),
    CMD("rm", cmd_rm, "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
        rm_options),
    {"container remove", cmd_rm, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Remove one or more containers", rm_options, false},
    CMD("rename", cmd_rename, "CONTAINER NEW_NAME", "Rename a container", NULL),
    CMD("wait", cmd_wait, "CONTAINER [CONTAINER...]",
        "Block until one or more containers stop, then print their exit codes", NULL),
    {"container prune", cmd_prune, "[OPTIONS]", "Remove all stopped containers", prune_options,
     false},
    CMD("port", cmd_port, "CONTAINER [PRIVATE_PORT[/PROTO]]",
        "List port mappings or a specific mapping for the container", NULL),
    CMD("diff", cmd_diff, "CONTAINER",
        "Inspect changes to files or directories on a container's filesystem", NULL),
    {"top", cmd_top, "CONTAINER [ps OPTIONS]", "Display the running processes of a container", NULL,
     true},
    {"container top", cmd_top, "CONTAINER [ps OPTIONS]",
     "Display the running processes of a container", NULL, true},
    {NULL, NULL, NULL, NULL, NULL, false},
};
