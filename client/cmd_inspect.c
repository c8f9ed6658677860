/* inspect (containers, then images, networks, volumes, plugins, as docker's
 * inspectAll) and container inspect. Without --format the daemon's raw JSON
 * is printed through json.Indent, so what the daemon sends is what users
 * see; "json" compacts it; anything else is a template. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/template.h"

#include <stdio.h>
#include <string.h>

static const char *const all_types[] = {"config", "container", "image",   "network", "node",
                                        "plugin", "secret",    "service", "task",    "volume"};

/* GET path: status, raw body, parsed body. */
static int get_raw(const char *path, char **raw, size_t *len, json_t **parsed)
{
    struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
    struct http_conn *c = http_send(&req);
    *raw = http_read_all(c, len);
    int st = http_status(c);
    http_close(c);
    *parsed = *len ? json_loadb(*raw, *len, JSON_DECODE_ANY, NULL) : NULL;
    if (!*parsed)
        *parsed = json_pack("{s:s}", "message", *raw);
    return st;
}

struct found {
    char *raw;
    size_t len;
    json_t *obj;
};

/* isErrSkippable */
static bool skippable(int st, json_t *body)
{
    const char *m = api_message(body);
    return st == 404 || strstr(m, "not supported") || strstr(m, "invalid reference format");
}

/* One reference: 0 and *out, or -1 and *err (docker's text). */
static int inspect_one(const char *ref, const char *type, bool size, struct found *out, char **err)
{
    _cleanup_free_ char *esc = path_escape(ref);
    struct {
        const char *type;
        char *path;
        bool swarm;
    } kinds[] = {
        {"container", xasprintf("/containers/%s/json%s", esc, size ? "?size=1" : ""), false},
        {"image", xasprintf("/images/%s/json", esc), false},
        {"network", xasprintf("/networks/%s", esc), false},
        {"volume", xasprintf("/volumes/%s", esc), false},
        {"service", NULL, true},
        {"task", NULL, true},
        {"node", NULL, true},
        {"plugin", xasprintf("/plugins/%s/json", esc), false},
        {"secret", NULL, true},
        {"config", NULL, true},
    };
    size_t nk = sizeof kinds / sizeof kinds[0];
    int rc = -1;
    int swarm = 0; /* 0 unknown, 1 manager, -1 not */
    for (size_t k = 0; k < nk; k++) {
        if (*type && strcmp(type, kinds[k].type))
            continue;
        if (!*type && kinds[k].swarm) {
            if (swarm == 0) {
                json_t *info = NULL;
                int st = api_call("GET", "/info", NULL, &info);
                swarm =
                    st == 200 && jbool(json_object_get(info, "Swarm"), "ControlAvailable") ? 1 : -1;
                json_decref(info);
            }
            if (swarm < 0)
                continue;
        }
        if (!kinds[k].path) {
            /* swarm objects: this engine has no swarm */
            *err = xstrdup("Error response from daemon: This node is not a swarm manager. Use "
                           "\"docker swarm init\" or \"docker swarm join\" to connect this node "
                           "to swarm and try again.");
            break;
        }
        char *raw;
        size_t len;
        json_t *body;
        int st = get_raw(kinds[k].path, &raw, &len, &body);
        if (st == 200) {
            if (size && strcmp(kinds[k].type, "container"))
                fprintf(stderr, "WARNING: --size ignored for %s\n", kinds[k].type);
            out->raw = raw;
            out->len = len;
            out->obj = body;
            rc = 0;
            break;
        }
        bool skip = !*type && skippable(st, body);
        if (!skip)
            *err = daemon_error(body);
        free(raw);
        json_decref(body);
        if (!skip)
            break;
    }
    for (size_t k = 0; k < nk; k++)
        free(kinds[k].path);
    if (rc < 0 && !*err)
        *err = xasprintf("Error: No such object: %s", ref);
    return rc;
}

static int run_inspect(char **refs, int n, const char *format, const char *type, bool size)
{
    struct tmpl *t = NULL;
    if (*format && strcmp(format, "json")) {
        struct md_error merr = {0};
        if (tmpl_parse(format, &t, &merr) < 0) {
            fprintf(stderr, "template parsing error: %s\n", md_err_msg(&merr));
            md_err_clear(&merr);
            return 64;
        }
    }
    char **errs = NULL;
    struct strbuf raw = STRBUF_INIT, text = STRBUF_INIT;
    size_t found = 0;
    for (int i = 0; i < n; i++) {
        struct found f = {0};
        char *err = NULL;
        if (inspect_one(refs[i], type, size, &f, &err) < 0) {
            strv_push(&errs, err);
            free(err);
            continue;
        }
        if (t) {
            char *s = NULL;
            struct md_error merr = {0};
            if (tmpl_render(t, f.obj, &s, &merr) < 0) {
                _cleanup_free_ char *e = xasprintf("template parsing error: %s", md_err_msg(&merr));
                strv_push(&errs, e);
                md_err_clear(&merr);
            } else {
                sb_printf(&text, "%s\n", s);
                free(s);
            }
        } else {
            sb_printf(&raw, "%s%.*s", found ? "," : "", (int)f.len, f.raw);
        }
        found++;
        free(f.raw);
        json_decref(f.obj);
    }
    if (t) {
        fputs(text.len ? text.s : "\n", stdout);
    } else if (!found) {
        printf("[]\n");
    } else {
        _cleanup_free_ char *all = xasprintf("[%s]", raw.s);
        _cleanup_free_ char *pretty =
            cli_json_indent(all, strlen(all), strcmp(format, "json") ? "    " : NULL);
        printf("%s\n", pretty ? pretty : all);
    }
    fflush(stdout);
    sb_free(&raw);
    sb_free(&text);
    tmpl_free(t);
    int rc = print_errors(errs);
    strv_free(errs);
    return rc;
}

static int inspect_main(int argc, char **argv, const char *fixed_type)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"type", required_argument, 0, 'T'},
                                         {"size", no_argument, 0, 's'},
                                         {0, 0, 0, 0}};
    const char *format = "", *type = fixed_type ? fixed_type : "";
    bool size = false, type_set = false;
    int c;
    while ((c = cli_getopt(argc, argv, "f:s", opts)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'T':
            if (fixed_type)
                return cli_bad_flag('?', argc, argv);
            type = optarg;
            type_set = true;
            break;
        case 's':
            size = true;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    struct strbuf list = STRBUF_INIT;
    for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++)
        sb_printf(&list, "%s\"%s\"", i ? ", " : "", all_types[i]);
    if (type_set && !*type) {
        fprintf(stderr, "type is empty: must be one of %s\n", list.s);
        sb_free(&list);
        return 1;
    }
    bool known = !*type;
    for (size_t i = 0; i < sizeof all_types / sizeof all_types[0]; i++)
        known = known || !strcmp(type, all_types[i]);
    if (!known) {
        fprintf(stderr, "unknown type: \"%s\": must be one of %s\n", type, list.s);
        sb_free(&list);
        return 1;
    }
    sb_free(&list);
    return run_inspect(argv + optind, argc - optind, format, type, size);
}

static int cmd_inspect(int argc, char **argv)
{
    return inspect_main(argc, argv, NULL);
}

static int cmd_container_inspect(int argc, char **argv)
{
    return inspect_main(argc, argv, "container");
}

static const char inspect_options[] =
    "  -f, --format string   Format output using a custom template:\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template.\n"
    "  -s, --size            Display total file sizes if the type is container\n"
    "      --type string     Only inspect objects of the given type\n";

const struct cli_cmd cli_cmds_inspect[] = {
    {"inspect", cmd_inspect, "[OPTIONS] NAME|ID [NAME|ID...]",
     "Return low-level information on Docker objects", inspect_options, false},
    {"container inspect", cmd_container_inspect, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Display detailed information on one or more containers",
     "  -f, --format string   Format output using a custom template\n"
     "  -s, --size            Display total file sizes\n",
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
