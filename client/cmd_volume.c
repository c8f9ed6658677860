/* volume create, ls, inspect, rm, prune: docker's flags, request bodies and
 * output. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/prune.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/template.h"
#include "common/units.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int fail_daemon(json_t *body)
{
    print_daemon_error(body);
    json_decref(body);
    return 1;
}

static char *vol_path(const char *name)
{
    _cleanup_free_ char *e = path_escape(name);
    return xasprintf("/volumes/%s", e);
}

/* "k=v" (or "k") into obj */
static void put_kv(json_t *obj, const char *kv)
{
    const char *eq = strchr(kv, '=');
    _cleanup_free_ char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
    json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
}

/* ---- create ---- */

static int cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {{"driver", required_argument, 0, 'd'},
                                         {"label", required_argument, 0, 'L'},
                                         {"opt", required_argument, 0, 'o'},
                                         {"name", required_argument, 0, 'n'},
                                         {0, 0, 0, 0}};
    const char *driver = "local", *name = "";
    _cleanup_json_ json_t *labels = json_object(), *options = json_object();
    int c;
    while ((c = cli_getopt(argc, argv, "d:o:", opts)) != -1) {
        switch (c) {
        case 'd':
            driver = optarg;
            break;
        case 'n':
            name = optarg;
            break;
        case 'L':
        case 'o':
            put_kv(c == 'L' ? labels : options, optarg);
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 0, 1))
        return 1;
    if (optind < argc) {
        if (*name && strcmp(name, argv[optind])) {
            fprintf(stderr, "conflicting options: cannot specify a volume-name through both "
                            "--name and as a positional arg\n");
            return 1;
        }
        name = argv[optind];
    }
    json_t *body = json_pack("{s:s,s:s,s:O,s:O}", "Driver", driver, "Name", name, "DriverOpts",
                             options, "Labels", labels);
    json_t *out = NULL;
    int st = api_json_go("POST", "/volumes/create", body, &out);
    json_decref(body);
    if (st != 201 && st != 200)
        return fail_daemon(out);
    printf("%s\n", jstr(out, "Name"));
    json_decref(out);
    return 0;
}

/* ---- ls ---- */

static const char *ls_header(const char *field)
{
    static const char *const map[][2] = {
        {"Name", "VOLUME NAME"}, {"Driver", "DRIVER"},
        {"Scope", "SCOPE"},      {"Mountpoint", "MOUNTPOINT"},
        {"Labels", "LABELS"},    {"Links", "LINKS"},
        {"Size", "SIZE"},        {"CreatedAt", "CREATED"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return cli_natural_cmp(jstr(x, "Name"), jstr(y, "Name"));
}

/* --filter/-f values into f; the usage error when one is malformed */
static int add_filter(struct filters *f, const char *flag)
{
    struct md_error err = {0};
    if (filters_add(f, optarg, &err) == 0)
        return 0;
    int r = cli_usage_error("invalid argument \"%s\" for \"%s\" flag: %s", optarg, flag,
                            md_err_msg(&err));
    md_err_clear(&err);
    return r;
}

static char *filtered_path(const char *base, struct filters *f)
{
    _cleanup_free_ char *fj = filters_to_json(f);
    if (!*fj)
        return xstrdup(base);
    _cleanup_free_ char *e = query_escape(fj);
    return xasprintf("%s?filters=%s", base, e);
}

static int cmd_ls(int argc, char **argv)
{
    static const struct option opts[] = {{"filter", required_argument, 0, 'f'},
                                         {"format", required_argument, 0, 'F'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"cluster", no_argument, 0, 'C'},
                                         {0, 0, 0, 0}};
    bool quiet = false;
    const char *format = "";
    struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "f:q", opts)) != -1) {
        if (c == 'f') {
            if (add_filter(f, "-f, --filter") != 0) {
                filters_free(f);
                return 125;
            }
        } else if (c == 'F') {
            format = optarg;
        } else if (c == 'q') {
            quiet = true;
        } else if (c != 'C') {
            filters_free(f);
            return cli_bad_flag(c, argc, argv);
        }
    }
    _cleanup_free_ char *path = filtered_path("/volumes", f);
    filters_free(f);
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    json_t *out = NULL;
    int st = api_json("GET", path, NULL, &out);
    if (st != 200)
        return fail_daemon(out);
    json_t *list = json_object_get(out, "Volumes");
    size_t n = json_array_size(list);
    json_t **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(list, i);
    qsort(v, n, sizeof *v, by_name);
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        struct strbuf lb = STRBUF_INIT;
        sb_add(&lb, "");
        const char *k;
        json_t *lv;
        json_object_foreach(json_object_get(v[i], "Labels"), k, lv)
            sb_printf(&lb, "%s%s=%s", lb.len ? "," : "", k, json_string_value(lv));
        _cleanup_free_ char *labels = sb_steal(&lb);
        json_array_append_new(
            rows, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Name", jstr(v[i], "Name"),
                            "Driver", jstr(v[i], "Driver"), "Scope", jstr(v[i], "Scope"),
                            "Mountpoint", jstr(v[i], "Mountpoint"), "Labels", labels, "Links",
                            "N/A", "Size", "N/A", "CreatedAt", jstr(v[i], "CreatedAt")));
    }
    free(v);
    json_decref(out);
    const char *fmt = format;
    if (!*format || !strcmp(format, "table"))
        fmt = quiet ? "{{.Name}}" : "table {{.Driver}}\t{{.Name}}";
    else if (!strcmp(format, "json"))
        fmt = "{{json .}}";
    else if (quiet)
        fmt = "{{.Name}}";
    int rc = render_rows(fmt, rows, ls_header);
    json_decref(rows);
    return rc;
}

/* ---- inspect ---- */

static int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
        if (c == 'f')
            format = optarg;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    static const struct inspect_kind kind = {.path_for = vol_path};
    return inspect_objects(argv + optind, argc - optind, format, &kind);
}

/* ---- rm ---- */

static int cmd_rm(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'}, {0, 0, 0, 0}};
    bool force = false;
    int c;
    while ((c = cli_getopt(argc, argv, "f", opts)) != -1) {
        if (c == 'f')
            force = true;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    _cleanup_strv_ char **errs = NULL;
    for (int i = optind; i < argc; i++) {
        _cleanup_free_ char *p = vol_path(argv[i]);
        _cleanup_free_ char *path = xasprintf("%s%s", p, force ? "?force=1" : "");
        json_t *out = NULL;
        int st = api_json("DELETE", path, NULL, &out);
        if (st == 204 || st == 200) {
            printf("%s\n", argv[i]);
        } else {
            _cleanup_free_ char *e = daemon_error(out);
            strv_push(&errs, e);
        }
        json_decref(out);
    }
    fflush(stdout);
    return print_errors(errs);
}

/* ---- prune ---- */

static int cmd_prune(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, 0, 'a'},
                                         {"force", no_argument, 0, 'f'},
                                         {"filter", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    bool force = false, all = false;
    _cleanup_filters_ struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "af", opts)) != -1) {
        if (c == 'f')
            force = true;
        else if (c == 'a')
            all = true;
        else if (c == 'F') {
            if (prune_filter_flag(f))
                return 125;
        } else
            return cli_bad_flag(c, argc, argv);
    }
    if (all) {
        if (filters_has(f, "all")) {
            fprintf(stderr, "conflicting options: cannot specify both --all and --filter all=1\n");
            return 1;
        }
        filters_add(f, "all=true", NULL);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    if (!force) {
        printf("WARNING! This will remove %s local volumes not used by at least one container.\n"
               "Are you sure you want to continue? [y/N] ",
               all ? "all" : "anonymous");
        if (!cli_confirmed())
            return 0;
    }
    long long space;
    _cleanup_free_ char *out = NULL;
    if (prune_call(PRUNE_VOLUMES, false, f, &space, &out))
        return 1;
    prune_print(out, true, space);
    return 0;
}

const struct cli_cmd cli_cmds_volume[] = {
    {"volume create", cmd_create, "[OPTIONS] [VOLUME]", "Create a volume",
     "  -d, --driver string   Specify volume driver name (default \"local\")\n"
     "      --label list      Set metadata for a volume\n"
     "  -o, --opt map         Set driver specific options (default map[])\n",
     false},
    {"volume ls", cmd_ls, "[OPTIONS]", "List volumes",
     "  -f, --filter filter   Provide filter values (e.g. \"dangling=true\")\n"
     "      --format string   Format output using a custom template:\n"
     "                        'table':            Print output in table format with column "
     "headers (default)\n"
     "                        'table TEMPLATE':   Print output in table format using the given "
     "Go template\n"
     "                        'json':             Print in JSON format\n"
     "                        'TEMPLATE':         Print output using the given Go template.\n"
     "  -q, --quiet           Only display volume names\n",
     false},
    {"volume list", cmd_ls, "[OPTIONS]", "List volumes", "", false},
    {"volume inspect", cmd_inspect, "[OPTIONS] VOLUME [VOLUME...]",
     "Display detailed information on one or more volumes",
     "  -f, --format string   Format output using a custom template:\n"
     "                        'json':             Print in JSON format\n"
     "                        'TEMPLATE':         Print output using the given Go template.\n",
     false},
    {"volume rm", cmd_rm, "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes",
     "  -f, --force   Force the removal of one or more volumes\n", false},
    {"volume remove", cmd_rm, "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes",
     "  -f, --force   Force the removal of one or more volumes\n", false},
    {"volume prune", cmd_prune, "[OPTIONS]", "Remove unused local volumes",
     "  -a, --all             Remove all unused volumes, not just anonymous ones\n"
     "      --filter filter   Provide filter values (e.g. \"label=<label>\")\n"
     "  -f, --force           Do not prompt for confirmation\n",
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
