/* network create, ls, inspect, rm, connect, disconnect, prune: docker's
 * flags, request bodies and output. */
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
#include "common/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char *net_path(const char *ref, const char *suffix)
{
    _cleanup_free_ char *e = path_escape(ref);
    return xasprintf("/networks/%s%s", e, suffix);
}

static char *net_path_of(const char *ref)
{
    return net_path(ref, "");
}

/* ---- create ---- */

static int cmd_create(int argc, char **argv)
{
    static const struct option opts[] = {
        {"driver", required_argument, 0, 'd'},  {"subnet", required_argument, 0, 'S'},
        {"gateway", required_argument, 0, 'G'}, {"ip-range", required_argument, 0, 'R'},
        {"internal", no_argument, 0, 'I'},      {"attachable", no_argument, 0, 'A'},
        {"label", required_argument, 0, 'L'},   {"opt", required_argument, 0, 'o'},
        {"ipv6", no_argument, 0, '6'},          {"ipam-driver", required_argument, 0, 'P'},
        {"scope", required_argument, 0, 's'},   {0, 0, 0, 0}};
    const char *driver = "bridge", *ipam_driver = "default", *scope = "";
    _cleanup_strv_ char **subnets = NULL, **gateways = NULL, **ranges = NULL;
    _cleanup_json_ json_t *labels = json_object(), *options = json_object();
    bool internal = false, attachable = false, ipv6 = false;
    int c;
    while ((c = cli_getopt(argc, argv, "d:o:", opts)) != -1) {
        switch (c) {
        case 'd':
            driver = optarg;
            break;
        case 'S':
            strv_push(&subnets, optarg);
            break;
        case 'G':
            strv_push(&gateways, optarg);
            break;
        case 'R':
            strv_push(&ranges, optarg);
            break;
        case 'I':
            internal = true;
            break;
        case 'A':
            attachable = true;
            break;
        case '6':
            ipv6 = true;
            break;
        case 'P':
            ipam_driver = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'L':
        case 'o': {
            const char *eq = strchr(optarg, '=');
            _cleanup_free_ char *k = eq ? xstrndup(optarg, (size_t)(eq - optarg)) : xstrdup(optarg);
            json_object_set_new(c == 'L' ? labels : options, k, json_string(eq ? eq + 1 : ""));
            break;
        }
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    /* docker's consolidateIpam: each gateway/range belongs to a subnet */
    size_t ns = strv_len(subnets);
    if (strv_len(gateways) > ns || strv_len(ranges) > ns) {
        fprintf(stderr, "every ip-range or gateway must have a corresponding subnet\n");
        return 1;
    }
    json_t *cfg = json_array();
    for (size_t i = 0; i < ns; i++) {
        json_t *e = json_pack("{s:s}", "Subnet", subnets[i]);
        if (i < strv_len(ranges))
            json_object_set_new(e, "IPRange", json_string(ranges[i]));
        if (i < strv_len(gateways))
            json_object_set_new(e, "Gateway", json_string(gateways[i]));
        json_array_append_new(cfg, e);
    }
    json_t *body = json_pack("{s:s,s:s,s:s,s:b,s:{s:s,s:o,s:{}},s:b,s:b,s:b,s:b,s:O,s:O}", "Name",
                             argv[optind], "Driver", driver, "Scope", scope, "EnableIPv6", ipv6,
                             "IPAM", "Driver", ipam_driver, "Config", cfg, "Options", "Internal",
                             internal, "Attachable", attachable, "Ingress", 0, "ConfigOnly", 0,
                             "Options", options, "Labels", labels);
    json_t *out = NULL;
    int st = api_check(api_json_go("POST", "/networks/create", body, &out), &out);
    json_decref(body);
    if (st < 0)
        return 1;
    printf("%s\n", jstr(out, "Id"));
    json_decref(out);
    return 0;
}

/* ---- ls ---- */

static const char *ls_header(const char *field)
{
    static const char *const map[][2] = {
        {"ID", "NETWORK ID"},     {"Name", "NAME"},     {"Driver", "DRIVER"},
        {"Scope", "SCOPE"},       {"IPv6", "IPV6"},     {"IPv4", "IPV4"},
        {"Internal", "INTERNAL"}, {"Labels", "LABELS"}, {"CreatedAt", "CREATED AT"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

/* Go's time.Time.String() in UTC: "2024-01-01 10:00:00.5 +0000 UTC" */
static char *go_time_string(const char *rfc3339)
{
    int64_t ns;
    if (!rfc3339 || time_parse_rfc3339(rfc3339, &ns) < 0)
        return xstrdup(rfc3339 ? rfc3339 : "");
    time_t s = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char base[32], f[16] = "";
    strftime(base, sizeof base, "%Y-%m-%d %H:%M:%S", &tm);
    if (frac) {
        snprintf(f, sizeof f, ".%09ld", frac);
        size_t n = strlen(f);
        while (f[n - 1] == '0')
            f[--n] = '\0';
    }
    return xasprintf("%s%s +0000 UTC", base, f);
}

static int by_name(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return cli_natural_cmp(jstr(x, "Name"), jstr(y, "Name"));
}

static bool is_json_dot(const char *f)
{
    while (*f == ' ')
        f++;
    size_t n = strlen(f);
    while (n && f[n - 1] == ' ')
        n--;
    return (n == 10 && !strncmp(f, "{{json .}}", 10)) ||
           (n == 12 && !strncmp(f, "{{ json . }}", 12));
}

static int cmd_ls(int argc, char **argv)
{
    static const struct option opts[] = {{"filter", required_argument, 0, 'f'},
                                         {"format", required_argument, 0, 'F'},
                                         {"no-trunc", no_argument, 0, 'T'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {0, 0, 0, 0}};
    bool quiet = false, no_trunc = false;
    const char *format = "";
    struct filters *f = filters_new();
    struct md_error err = {0};
    int c;
    while ((c = cli_getopt(argc, argv, "f:q", opts)) != -1) {
        switch (c) {
        case 'f':
            if (filters_add(f, optarg, &err) < 0) {
                filters_free(f);
                int r = cli_usage_error("invalid argument \"%s\" for \"-f, --filter\" flag: %s",
                                        optarg, md_err_msg(&err));
                md_err_clear(&err);
                return r;
            }
            break;
        case 'F':
            format = optarg;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            filters_free(f);
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 0, 0)) {
        filters_free(f);
        return 1;
    }
    _cleanup_free_ char *fj = filters_to_json(f);
    filters_free(f);
    _cleanup_free_ char *path = NULL;
    if (*fj) {
        _cleanup_free_ char *e = query_escape(fj);
        path = xasprintf("/networks?filters=%s", e);
    } else {
        path = xstrdup("/networks");
    }
    json_t *list = NULL;
    if (api_call("GET", path, NULL, &list) < 0)
        return 1;
    size_t n = json_array_size(list);
    json_t **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(list, i);
    qsort(v, n, sizeof *v, by_name);
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *id = jstr(v[i], "Id");
        struct strbuf lb = STRBUF_INIT;
        sb_add(&lb, "");
        const char *k;
        json_t *lv;
        json_object_foreach(json_object_get(v[i], "Labels"), k, lv)
            sb_printf(&lb, "%s%s=%s", lb.len ? "," : "", k, json_string_value(lv));
        _cleanup_free_ char *created = go_time_string(jstr(v[i], "Created"));
        _cleanup_free_ char *labels = sb_steal(&lb);
        char idbuf[65];
        snprintf(idbuf, sizeof idbuf, "%.*s", no_trunc ? 64 : 12, id);
        json_array_append_new(rows,
                              json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "ID", idbuf,
                                        "Name", jstr(v[i], "Name"), "Driver", jstr(v[i], "Driver"),
                                        "Scope", jstr(v[i], "Scope"), "IPv4", "true", "IPv6",
                                        jbool(v[i], "EnableIPv6") ? "true" : "false", "Internal",
                                        jbool(v[i], "Internal") ? "true" : "false", "Labels",
                                        labels, "CreatedAt", created));
    }
    free(v);
    json_decref(list);
    const char *fmt = format;
    if (!*format || !strcmp(format, "table"))
        fmt = quiet ? "{{.ID}}" : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
    else if (!strcmp(format, "json"))
        fmt = "{{json .}}";
    else if (quiet)
        fmt = "{{.ID}}";
    int rc = 0;
    if (is_json_dot(fmt)) {
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            _cleanup_free_ char *s = go_json(row);
            fputs(s, stdout);
        }
    } else {
        rc = render_rows(fmt, rows, ls_header);
    }
    json_decref(rows);
    return rc;
}

/* ---- inspect ---- */

static int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"verbose", no_argument, 0, 'v'}, {0, 0, 0, 0}};
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "f:v", opts)) != -1) {
        if (c == 'f')
            format = optarg;
        else if (c != 'v')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    static const struct inspect_kind kind = {.path_for = net_path_of};
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
        _cleanup_free_ char *path = net_path(argv[i], "");
        json_t *out = NULL;
        int st = api_json("DELETE", path, NULL, &out);
        if (st == 204 || st == 200 || (st == 404 && force)) {
            if (st != 404)
                printf("%s\n", argv[i]);
        } else {
            _cleanup_free_ char *e = daemon_error(out);
            strv_push(&errs, e);
        }
        json_decref(out);
    }
    fflush(stdout);
    if (!print_errors(errs))
        return 0;
    /* docker's network rm ends with cli.StatusError{StatusCode: 1}, which
     * its main prints too */
    fprintf(stderr, "exit status 1\n");
    return 1;
}

/* ---- connect, disconnect ---- */

static int cmd_connect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"alias", required_argument, 0, 'a'},         {"ip", required_argument, 0, 'i'},
        {"ip6", required_argument, 0, '6'},           {"link", required_argument, 0, 'l'},
        {"link-local-ip", required_argument, 0, 'L'}, {"driver-opt", required_argument, 0, 'o'},
        {"gw-priority", required_argument, 0, 'g'},   {0, 0, 0, 0}};
    _cleanup_strv_ char **aliases = NULL;
    const char *ip = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
        if (c == 'a')
            strv_push(&aliases, optarg);
        else if (c == 'i')
            ip = optarg;
        else if (c == '?' || c == ':')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 2, 2))
        return 1;
    json_t *ec = json_object();
    if (ip)
        json_object_set_new(ec, "IPAMConfig", json_pack("{s:s}", "IPv4Address", ip));
    json_object_set_new(ec, "Aliases", json_strv(aliases));
    json_t *body = json_pack("{s:s,s:o}", "Container", argv[optind + 1], "EndpointConfig", ec);
    _cleanup_free_ char *path = net_path(argv[optind], "/connect");
    json_t *out = NULL;
    int st = api_check(api_json_go("POST", path, body, &out), &out);
    json_decref(body);
    if (st < 0)
        return 1;
    json_decref(out);
    return 0;
}

static int cmd_disconnect(int argc, char **argv)
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
    if (cli_want_args(argc - optind, 2, 2))
        return 1;
    json_t *body = json_pack("{s:s,s:b}", "Container", argv[optind + 1], "Force", force);
    _cleanup_free_ char *path = net_path(argv[optind], "/disconnect");
    json_t *out = NULL;
    int st = api_check(api_json_go("POST", path, body, &out), &out);
    json_decref(body);
    if (st < 0)
        return 1;
    json_decref(out);
    return 0;
}

/* ---- prune ---- */

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
        fputs("WARNING! This will remove all custom networks not used by at least one container.\n"
              "Are you sure you want to continue? [y/N] ",
              stdout);
        if (!cli_confirmed())
            return 0;
    }
    long long space;
    _cleanup_free_ char *out = NULL;
    if (prune_call(PRUNE_NETWORKS, false, f, &space, &out))
        return 1;
    prune_print(out, false, 0); /* docker prints no total for networks */
    return 0;
}

#define LS_OPTS                                                                                    \
    "  -f, --filter filter   Provide filter values (e.g. \"driver=bridge\")\n"                     \
    "      --format string   Format output using a custom template:\n"                             \
    "                        'table':            Print output in table format with column "        \
    "headers (default)\n"                                                                          \
    "                        'table TEMPLATE':   Print output in table format using the given "    \
    "Go template\n"                                                                                \
    "                        'json':             Print in JSON format\n"                           \
    "                        'TEMPLATE':         Print output using the given Go template.\n"      \
    "      --no-trunc        Do not truncate the output\n"                                         \
    "  -q, --quiet           Only display network IDs\n"

const struct cli_cmd cli_cmds_network[] = {
    {"network create", cmd_create, "[OPTIONS] NETWORK", "Create a network",
     "      --attachable           Enable manual container attachment\n"
     "  -d, --driver string        Driver to manage the Network (default \"bridge\")\n"
     "      --gateway strings      IPv4 or IPv6 Gateway for the master subnet\n"
     "      --internal             Restrict external access to the network\n"
     "      --ip-range strings     Allocate container ip from a sub-range\n"
     "      --ipam-driver string   IP Address Management Driver (default \"default\")\n"
     "      --ipv6                 Enable or disable IPv6 address assignment\n"
     "      --label list           Set metadata on a network\n"
     "  -o, --opt map              Set driver specific options (default map[])\n"
     "      --subnet strings       Subnet in CIDR format that represents a network segment\n",
     false},
    {"network ls", cmd_ls, "[OPTIONS]", "List networks", LS_OPTS, false},
    {"network list", cmd_ls, "[OPTIONS]", "List networks", LS_OPTS, false},
    {"network inspect", cmd_inspect, "[OPTIONS] NETWORK [NETWORK...]",
     "Display detailed information on one or more networks",
     "  -f, --format string   Format output using a custom template:\n"
     "                        'json':             Print in JSON format\n"
     "                        'TEMPLATE':         Print output using the given Go template.\n"
     "  -v, --verbose         Verbose output for diagnostics\n",
     false},
    {"network rm", cmd_rm, "NETWORK [NETWORK...]", "Remove one or more networks",
     "  -f, --force   Do not error if the network does not exist\n", false},
    {"network remove", cmd_rm, "NETWORK [NETWORK...]", "Remove one or more networks",
     "  -f, --force   Do not error if the network does not exist\n", false},
    {"network connect", cmd_connect, "[OPTIONS] NETWORK CONTAINER",
     "Connect a container to a network",
     "      --alias strings   Add network-scoped alias for the container\n"
     "      --ip string       IPv4 address (e.g., \"172.30.100.104\")\n",
     false},
    {"network disconnect", cmd_disconnect, "[OPTIONS] NETWORK CONTAINER",
     "Disconnect a container from a network",
     "  -f, --force   Force the container to disconnect from a network\n", false},
    {"network prune", cmd_prune, "[OPTIONS]", "Remove all unused networks",
     "      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"
     "  -f, --force           Do not prompt for confirmation\n",
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
