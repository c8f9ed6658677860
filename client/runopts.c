/* docker's runconfig for run and create: the flags with the checks the CLI
 * makes itself (pflag values, then parse()), and the create body exactly as
 * the docker 28 CLI marshals it. */
#include "client/runopts.h"
#include "client/cli.h"
#include "client/container.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "common/portspec.h"
#include "common/strbuf.h"
#include "common/units.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void create_opts_free(struct create_opts *o)
{
    strv_free(o->env);
    strv_free(o->env_files);
    strv_free(o->labels);
    strv_free(o->publish);
    strv_free(o->expose);
    strv_free(o->volumes);
    strv_free(o->cap_add);
    strv_free(o->cap_drop);
    strv_free(o->group_add);
    strv_free(o->attach);
    strv_free(o->log_opts);
    strv_free(o->sysctls);
    strv_free(o->devices);
    strv_free(o->device_cgroup_rules);
    for (size_t i = 0; i < o->nulimits; i++)
        free(o->ulimits[i].name);
    free(o->ulimits);
}

/* "minidock: MSG\n\nRun 'minidock run --help' for more information" (withHelp) */
int with_help(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "minidock: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n\nRun 'minidock %s --help' for more information\n", cli_current->name);
    return code;
}

/* pflag's message for a value its Set() refused */
static int bad_value(const char *val, const char *flag, const char *why)
{
    return cli_usage_error("invalid argument \"%s\" for \"%s\" flag: %s", val, flag, why);
}

/* strconv.ParseBool */
static int parse_bool(const char *s, bool *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(s, t[i]))
            return *out = true, 0;
        if (!strcmp(s, f[i]))
            return *out = false, 0;
    }
    return -1;
}

int bool_flag(const char *arg, const char *flag, bool *out)
{
    if (!arg)
        return *out = true, 0;
    if (parse_bool(arg, out) < 0) {
        _cleanup_free_ char *why =
            xasprintf("strconv.ParseBool: parsing \"%s\": invalid syntax", arg);
        return bad_value(arg, flag, why);
    }
    return 0;
}

static int int_flag(const char *arg, const char *flag, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (!*arg || *end || isspace((unsigned char)*arg)) {
        _cleanup_free_ char *why =
            xasprintf("strconv.ParseInt: parsing \"%s\": invalid syntax", arg);
        return bad_value(arg, flag, why);
    }
    if (errno == ERANGE) {
        _cleanup_free_ char *why =
            xasprintf("strconv.ParseInt: parsing \"%s\": value out of range", arg);
        return bad_value(arg, flag, why);
    }
    *out = v;
    return 0;
}

/* opts.NanoCPUs.Set: a rational number, at most nanosecond precision */
static int cpus_flag(const char *arg, int64_t *out)
{
    const char *p = arg;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    bool digits = false, ok = true;
    for (const char *q = p; *q; q++) {
        if (isdigit((unsigned char)*q))
            digits = true;
        else if (*q != '.')
            ok = false;
    }
    if (!ok || !digits || strchr(p, '.') != strrchr(p, '.')) {
        _cleanup_free_ char *why = xasprintf("failed to parse %s as a rational number", arg);
        return bad_value(arg, "--cpus", why);
    }
    int64_t v;
    if (parse_nano_cpus(p, &v) < 0)
        return bad_value(arg, "--cpus", "value is too precise");
    *out = neg ? -v : v;
    return 0;
}

static int size_flag(const char *arg, const char *flag, bool swap, int64_t *out)
{
    if (swap && !strcmp(arg, "-1")) {
        *out = -1;
        return 0;
    }
    if (parse_ram_size(arg, out) < 0) {
        _cleanup_free_ char *why = xasprintf("invalid size: '%s'", arg);
        return bad_value(arg, flag, why);
    }
    return 0;
}

static int label_check(const char *val)
{
    const char *eq = strchr(val, '=');
    _cleanup_free_ char *key = eq ? xstrndup(val, (size_t)(eq - val)) : xstrdup(val);
    const char *k = key + strspn(key, " \t");
    if (!*k) {
        _cleanup_free_ char *why = xasprintf("invalid label '%s': empty name", val);
        return bad_value(val, "-l, --label", why);
    }
    if (strpbrk(k, " \t")) {
        _cleanup_free_ char *why = xasprintf("label '%s' contains whitespaces", k);
        return bad_value(val, "-l, --label", why);
    }
    return 0;
}

enum {
    O_RM = 1000,
    O_NAME,
    O_ENV_FILE,
    O_ENTRYPOINT,
    O_EXPOSE,
    O_MEMORY_SWAP,
    O_CPUS,
    O_PIDS_LIMIT,
    O_RESTART,
    O_INIT,
    O_STOP_SIGNAL,
    O_STOP_TIMEOUT,
    O_NETWORK,
    O_PRIVILEGED,
    O_CAP_ADD,
    O_CAP_DROP,
    O_READ_ONLY,
    O_ULIMIT,
    O_GROUP_ADD,
    O_DETACH_KEYS,
    O_SIG_PROXY,
    O_PULL,
    O_DETACH,
    O_INTERACTIVE,
    O_TTY,
    O_PUBLISH_ALL,
    O_LOG_DRIVER,
    O_LOG_OPT,
    O_PID,
    O_IPC,
    O_UTS,
    O_SHM_SIZE,
    O_SYSCTL,
    O_DEVICE,
    O_DEVICE_CGROUP_RULE,
    O_OOM_SCORE_ADJ,
};

static const struct option create_longopts[] = {
    {"detach", optional_argument, 0, O_DETACH},
    {"interactive", optional_argument, 0, O_INTERACTIVE},
    {"tty", optional_argument, 0, O_TTY},
    {"rm", optional_argument, 0, O_RM},
    {"name", required_argument, 0, O_NAME},
    {"env", required_argument, 0, 'e'},
    {"env-file", required_argument, 0, O_ENV_FILE},
    {"workdir", required_argument, 0, 'w'},
    {"user", required_argument, 0, 'u'},
    {"hostname", required_argument, 0, 'h'},
    {"entrypoint", required_argument, 0, O_ENTRYPOINT},
    {"label", required_argument, 0, 'l'},
    {"publish", required_argument, 0, 'p'},
    {"publish-all", optional_argument, 0, O_PUBLISH_ALL},
    {"expose", required_argument, 0, O_EXPOSE},
    {"volume", required_argument, 0, 'v'},
    {"memory", required_argument, 0, 'm'},
    {"memory-swap", required_argument, 0, O_MEMORY_SWAP},
    {"cpus", required_argument, 0, O_CPUS},
    {"cpu-shares", required_argument, 0, 'c'},
    {"pids-limit", required_argument, 0, O_PIDS_LIMIT},
    {"restart", required_argument, 0, O_RESTART},
    {"init", optional_argument, 0, O_INIT},
    {"stop-signal", required_argument, 0, O_STOP_SIGNAL},
    {"stop-timeout", required_argument, 0, O_STOP_TIMEOUT},
    {"network", required_argument, 0, O_NETWORK},
    {"net", required_argument, 0, O_NETWORK},
    {"privileged", optional_argument, 0, O_PRIVILEGED},
    {"cap-add", required_argument, 0, O_CAP_ADD},
    {"cap-drop", required_argument, 0, O_CAP_DROP},
    {"read-only", optional_argument, 0, O_READ_ONLY},
    {"ulimit", required_argument, 0, O_ULIMIT},
    {"group-add", required_argument, 0, O_GROUP_ADD},
    {"attach", required_argument, 0, 'a'},
    {"pull", required_argument, 0, O_PULL},
    {"log-driver", required_argument, 0, O_LOG_DRIVER},
    {"log-opt", required_argument, 0, O_LOG_OPT},
    {"quiet", no_argument, 0, 'q'},
    {"pid", required_argument, 0, O_PID},
    {"ipc", required_argument, 0, O_IPC},
    {"uts", required_argument, 0, O_UTS},
    {"shm-size", required_argument, 0, O_SHM_SIZE},
    {"sysctl", required_argument, 0, O_SYSCTL},
    {"device", required_argument, 0, O_DEVICE},
    {"device-cgroup-rule", required_argument, 0, O_DEVICE_CGROUP_RULE},
    {"oom-score-adj", required_argument, 0, O_OOM_SCORE_ADJ},
    /* run only (checked below) */
    {"detach-keys", required_argument, 0, O_DETACH_KEYS},
    {"sig-proxy", optional_argument, 0, O_SIG_PROXY},
    {0, 0, 0, 0},
};

static int add_ulimit(struct create_opts *o, const char *val)
{
    char *name = NULL, *why = NULL;
    int64_t s, h;
    if (cli_ulimit_parse(val, &name, &s, &h, &why) < 0) {
        int r = bad_value(val, "--ulimit", why);
        free(why);
        return r;
    }
    for (size_t i = 0; i < o->nulimits; i++)
        if (!strcmp(o->ulimits[i].name, name)) { /* a map: the last one wins */
            free(name);
            o->ulimits[i].soft = s;
            o->ulimits[i].hard = h;
            return 0;
        }
    o->ulimits = xrealloc(o->ulimits, (o->nulimits + 1) * sizeof *o->ulimits);
    o->ulimits[o->nulimits++] = (struct ulimit){name, s, h};
    return 0;
}

/* opts.ValidateSysctl: the namespaced sysctls docker lets a container set */
static int sysctl_check(const char *val)
{
    const char *eq = strchr(val, '=');
    _cleanup_free_ char *k = eq ? xstrndup(val, (size_t)(eq - val)) : NULL;
    if (k && kopt_sysctl_ns(k) != KOPT_SYSCTL_NONE)
        return 0;
    _cleanup_free_ char *why = xasprintf("sysctl '%s' is not allowed", val);
    return bad_value(val, "--sysctl", why);
}

/* validateLinuxPath(val, validDeviceMode), which parse() runs on each
 * --device: NULL, or docker's reason (heap) */
static char *device_check(const char *val)
{
    size_t colons = 0;
    for (const char *c = val; *c; c++)
        colons += *c == ':';
    _cleanup_free_ char *copy = xstrdup(val);
    char *f[3] = {copy, NULL, NULL};
    for (size_t i = 1; i < 3 && f[i - 1] && (f[i] = strchr(f[i - 1], ':')); i++)
        *f[i]++ = 0;
    const char *ctr = f[0];
    if (colons > 2 || !*f[0])
        return xasprintf("bad format for path: %s", val);
    if (f[2] && !kopt_device_mode_valid(f[2]))
        return xasprintf("bad mode specified: %s", f[2]);
    if (f[1])
        ctr = f[2] || !kopt_device_mode_valid(f[1]) ? f[1] : f[0];
    return ctr[0] != '/' ? xasprintf("%s is not an absolute path", ctr) : NULL;
}

/* opts.ValidateDeviceCgroupRule */
static int cgroup_rule_check(const char *val)
{
    if (kopt_cgroup_rule_valid(val))
        return 0;
    _cleanup_free_ char *why = xasprintf("invalid device cgroup format '%s'", val);
    return bad_value(val, "--device-cgroup-rule", why);
}

int create_opts_parse(int argc, char **argv, struct create_opts *o)
{
    int c;
    o->sig_proxy = true;
    o->restart = "no";
    o->pull = "missing";
    const char *shortopts = o->run ? "ditqe:w:u:h:l:p:Pv:m:c:a:" : "itqe:w:u:h:l:p:Pv:m:c:a:";
    while ((c = cli_getopt(argc, argv, shortopts, create_longopts)) != -1) {
        int r = 0;
        switch (c) {
        case 'd':
            o->detach = true;
            break;
        case O_DETACH:
            if (!o->run)
                return cli_usage_error("unknown flag: --detach");
            r = bool_flag(optarg, "-d, --detach", &o->detach);
            break;
        case 'i':
            o->interactive = true;
            break;
        case O_INTERACTIVE:
            r = bool_flag(optarg, "-i, --interactive", &o->interactive);
            break;
        case 't':
            o->tty = true;
            break;
        case O_TTY:
            r = bool_flag(optarg, "-t, --tty", &o->tty);
            break;
        case 'q':
            o->quiet = true;
            break;
        case O_RM:
            r = bool_flag(optarg, "--rm", &o->rm);
            break;
        case O_NAME:
            o->name = optarg;
            break;
        case 'e': {
            char *why = NULL;
            char *v = cli_env_value(optarg, &why);
            if (!v) {
                r = bad_value(optarg, "-e, --env", why);
                free(why);
                break;
            }
            strv_push(&o->env, v);
            free(v);
            break;
        }
        case O_ENV_FILE:
            strv_push(&o->env_files, optarg);
            break;
        case 'w':
            o->workdir = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'h':
            o->hostname = optarg;
            break;
        case O_ENTRYPOINT:
            o->entrypoint = optarg;
            o->entrypoint_set = true;
            break;
        case 'l':
            if ((r = label_check(optarg)) == 0)
                strv_push(&o->labels, optarg);
            break;
        case 'p':
            strv_push(&o->publish, optarg);
            break;
        case 'P':
            o->publish_all = true;
            break;
        case O_PUBLISH_ALL:
            r = bool_flag(optarg, "-P, --publish-all", &o->publish_all);
            break;
        case O_LOG_DRIVER:
            o->log_driver = optarg;
            break;
        case O_LOG_OPT:
            strv_push(&o->log_opts, optarg);
            break;
        case O_EXPOSE:
            strv_push(&o->expose, optarg);
            break;
        case 'v':
            strv_push(&o->volumes, optarg);
            break;
        case 'm':
            r = size_flag(optarg, "-m, --memory", false, &o->memory);
            break;
        case O_MEMORY_SWAP:
            r = size_flag(optarg, "--memory-swap", true, &o->memory_swap);
            break;
        case O_CPUS:
            r = cpus_flag(optarg, &o->nano_cpus);
            break;
        case 'c':
            r = int_flag(optarg, "-c, --cpu-shares", &o->cpu_shares);
            break;
        case O_PIDS_LIMIT:
            r = int_flag(optarg, "--pids-limit", &o->pids_limit);
            break;
        case O_RESTART:
            o->restart = optarg;
            break;
        case O_INIT:
            o->init_set = true;
            r = bool_flag(optarg, "--init", &o->init);
            break;
        case O_STOP_SIGNAL:
            o->stop_signal = optarg;
            break;
        case O_STOP_TIMEOUT:
            o->stop_timeout_set = true;
            r = int_flag(optarg, "--stop-timeout", &o->stop_timeout);
            break;
        case O_NETWORK:
            o->network = optarg;
            break;
        case O_PRIVILEGED:
            r = bool_flag(optarg, "--privileged", &o->privileged);
            break;
        case O_CAP_ADD:
            strv_push(&o->cap_add, optarg);
            break;
        case O_CAP_DROP:
            strv_push(&o->cap_drop, optarg);
            break;
        case O_READ_ONLY:
            r = bool_flag(optarg, "--read-only", &o->read_only);
            break;
        case O_ULIMIT:
            r = add_ulimit(o, optarg);
            break;
        case O_GROUP_ADD:
            strv_push(&o->group_add, optarg);
            break;
        case 'a': {
            _cleanup_free_ char *l = xstrdup(optarg);
            for (char *p = l; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            if (strcmp(l, "stdin") && strcmp(l, "stdout") && strcmp(l, "stderr"))
                r = bad_value(optarg, "-a, --attach", "valid streams are STDIN, STDOUT and STDERR");
            else
                strv_push(&o->attach, l);
            break;
        }
        case O_PULL:
            o->pull = optarg;
            break;
        case O_PID:
            o->pid = optarg;
            break;
        case O_IPC:
            o->ipc = optarg;
            break;
        case O_UTS:
            o->uts = optarg;
            break;
        case O_SHM_SIZE:
            r = size_flag(optarg, "--shm-size", false, &o->shm_size);
            break;
        case O_SYSCTL:
            r = sysctl_check(optarg);
            if (!r)
                strv_push(&o->sysctls, optarg);
            break;
        case O_DEVICE:
            strv_push(&o->devices, optarg);
            break;
        case O_DEVICE_CGROUP_RULE:
            r = cgroup_rule_check(optarg);
            if (!r)
                strv_push(&o->device_cgroup_rules, optarg);
            break;
        case O_OOM_SCORE_ADJ:
            r = int_flag(optarg, "--oom-score-adj", &o->oom_score_adj);
            break;
        case O_DETACH_KEYS:
            if (!o->run)
                return cli_usage_error("unknown flag: --detach-keys");
            o->detach_keys = optarg;
            break;
        case O_SIG_PROXY:
            if (!o->run)
                return cli_usage_error("unknown flag: --sig-proxy");
            r = bool_flag(optarg, "--sig-proxy", &o->sig_proxy);
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (r)
            return r;
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    o->image = argv[optind];
    o->args = argv + optind + 1;
    return 0;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A JSON object with the keys in Go's map order (sorted). */
static json_t *sorted_object(json_t *obj)
{
    size_t n = json_object_size(obj);
    const char **keys = xcalloc(n + 1, sizeof *keys);
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, cmp_strp);
    json_t *out = json_object();
    for (i = 0; i < n; i++)
        json_object_set(out, keys[i], json_object_get(obj, keys[i]));
    free(keys);
    json_decref(obj);
    return out;
}

/* client.normalizeCapabilities: upper case, "CAP_" prefix, unique, sorted */
static json_t *caps_json(char **caps)
{
    if (!caps)
        return json_null();
    char **norm = NULL;
    for (char **c = caps; *c; c++) {
        _cleanup_free_ char *u = xstrdup(*c);
        for (char *p = u; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        _cleanup_free_ char *n =
            !strcmp(u, "ALL") || !strncmp(u, "CAP_", 4) ? xstrdup(u) : xasprintf("CAP_%s", u);
        bool dup = false;
        for (char **q = norm; q && *q; q++)
            dup = dup || !strcmp(*q, n);
        if (!dup)
            strv_push(&norm, n);
    }
    qsort(norm, strv_len(norm), sizeof *norm, cmp_strp);
    json_t *a = json_array();
    for (char **q = norm; *q; q++)
        json_array_append_new(a, json_string(*q));
    strv_free(norm);
    return a;
}

static json_t *strv_or_null(char **v)
{
    if (!v)
        return json_null();
    json_t *a = json_array();
    for (; *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

static json_t *empty_endpoint(void)
{
    return json_pack("{s:n,s:n,s:n,s:s,s:n,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:n}", "IPAMConfig",
                     "Links", "Aliases", "MacAddress", "", "DriverOpts", "GwPriority", 0,
                     "NetworkID", "", "EndpointID", "", "Gateway", "", "IPAddress", "",
                     "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
                     "GlobalIPv6PrefixLen", 0, "DNSNames");
}

/* runconfig parse(): the create body, field for field in docker's order.
 * Returns NULL after printing docker's message (exit 125) on bad input. */
json_t *create_body(struct create_opts *o, int *code)
{
    *code = 125;
    bool a_in = false, a_out = false, a_err = false;
    for (char **a = o->attach; a && *a; a++) {
        a_in |= !strcmp(*a, "stdin");
        a_out |= !strcmp(*a, "stdout");
        a_err |= !strcmp(*a, "stderr");
    }
    if (o->interactive)
        a_in = true;
    if (!o->attach)
        a_out = a_err = true;

    /* -v: binds, or anonymous volumes */
    json_t *binds = NULL, *volumes = json_object();
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    for (char **v = o->volumes; v && *v; v++) {
        char *bind = NULL, *why = NULL;
        if (cli_volume_parse(*v, cwd, &bind, &why) < 0) {
            with_help(125, "%s", why);
            free(why);
            json_decref(binds);
            json_decref(volumes);
            return NULL;
        }
        if (bind) {
            if (!binds)
                binds = json_array();
            json_array_append_new(binds, json_string(bind));
            free(bind);
        } else {
            json_object_set_new(volumes, *v, json_object());
        }
    }
    volumes = sorted_object(volumes);
    _cleanup_json_ json_t *cleanup_binds = binds;
    _cleanup_json_ json_t *cleanup_vols = volumes;

    /* -p (long syntax converted first), then --expose */
    json_t *exposed = json_object(), *bindings = json_object();
    _cleanup_json_ json_t *ce = exposed, *cb = bindings;
    for (char **p = o->publish; p && *p; p++) {
        _cleanup_free_ char *spec = NULL;
        if (strchr(*p, '=')) {
            const char *published = "", *target = "", *proto = "tcp";
            _cleanup_free_ char *copy = xstrdup(*p);
            char *save = NULL;
            for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(kv, '=');
                if (!eq || eq == kv) {
                    with_help(
                        125, "invalid publish opts format (should be name=value but got '%s')", kv);
                    return NULL;
                }
                *eq = '\0';
                if (!strcmp(kv, "published"))
                    published = eq + 1;
                else if (!strcmp(kv, "target"))
                    target = eq + 1;
                else if (!strcmp(kv, "protocol"))
                    proto = eq + 1;
            }
            spec = xasprintf("%s:%s/%s", published, target, proto);
        } else {
            spec = xstrdup(*p);
        }
        struct port_map *maps = NULL;
        size_t n = 0;
        struct md_error err = {0};
        if (portspec_parse(spec, &maps, &n, &err) < 0) {
            with_help(125, "%s", md_err_msg(&err));
            md_err_clear(&err);
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            _cleanup_free_ char *key = xasprintf("%u/%s", maps[i].ctr_port, maps[i].proto);
            json_object_set_new(exposed, key, json_object());
            json_t *list = json_object_get(bindings, key);
            if (!list) {
                list = json_array();
                json_object_set_new(bindings, key, list);
            }
            json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", maps[i].host_ip,
                                                  "HostPort", maps[i].host_port));
        }
        port_maps_free(maps, n);
    }
    for (char **e = o->expose; e && *e; e++) {
        uint16_t lo, hi;
        char proto[5];
        struct md_error err = {0};
        if (portspec_parse_expose(*e, &lo, &hi, proto, &err) < 0) {
            with_help(125, "%s", md_err_msg(&err));
            md_err_clear(&err);
            return NULL;
        }
        for (unsigned port = lo; port <= hi; port++) {
            _cleanup_free_ char *key = xasprintf("%u/%s", port, proto);
            json_object_set_new(exposed, key, json_object());
        }
    }

    /* env files first, then -e */
    char **env = NULL;
    for (char **f = o->env_files; f && *f; f++) {
        char *why = NULL;
        if (cli_env_file(*f, &env, &why) < 0) {
            with_help(125, "%s", why);
            free(why);
            strv_free(env);
            return NULL;
        }
    }
    for (char **e = o->env; e && *e; e++)
        strv_push(&env, *e);
    _cleanup_strv_ char **env_c = env;

    json_t *labels = json_object();
    for (char **l = o->labels; l && *l; l++) {
        const char *eq = strchr(*l, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
        json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
    }
    labels = sorted_object(labels);

    _cleanup_free_ char *rp_name = NULL;
    int rp_max = 0;
    {
        char *why = NULL;
        if (*o->restart && cli_restart_parse(o->restart, &rp_name, &rp_max, &why) < 0) {
            with_help(125, "%s", why);
            free(why);
            json_decref(labels);
            return NULL;
        }
    }
    /* parseLoggingOpts: "k=v" (a bare "k" is k=""); none takes none */
    const char *driver = o->log_driver ? o->log_driver : "";
    if (!strcmp(driver, "none") && o->log_opts) {
        json_decref(labels);
        with_help(125, "invalid logging opts for driver none");
        return NULL;
    }
    json_t *log_cfg = json_object();
    for (char **l = o->log_opts; l && *l; l++) {
        const char *eq = strchr(*l, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*l, (size_t)(eq - *l)) : xstrdup(*l);
        json_object_set_new(log_cfg, k, json_string(eq ? eq + 1 : ""));
    }
    if (o->rm && rp_name && *rp_name && strcmp(rp_name, "no")) {
        json_decref(log_cfg);
        json_decref(labels);
        with_help(125, "conflicting options: cannot specify both --restart and --rm");
        return NULL;
    }

    /* parse(): the PID and UTS modes (docker 28 leaves IpcMode to the
     * daemon), then the devices (parseDevice) */
    const char *pid = o->pid ? o->pid : "", *ipc = o->ipc ? o->ipc : "",
               *uts = o->uts ? o->uts : "";
    bool pid_ok = !*pid || !strcmp(pid, "host") || (!strncmp(pid, "container:", 10) && pid[10]);
    if (!pid_ok || (*uts && strcmp(uts, "host"))) {
        json_decref(log_cfg);
        json_decref(labels);
        with_help(125, "%s", !pid_ok ? "--pid: invalid PID mode" : "--uts: invalid UTS mode");
        return NULL;
    }
    json_t *devices = json_array();
    for (char **d = o->devices; d && *d; d++) {
        _cleanup_free_ char *why = device_check(*d);
        if (why) {
            json_decref(devices);
            json_decref(log_cfg);
            json_decref(labels);
            with_help(125, "%s", why);
            return NULL;
        }
        _cleanup_free_ char *copy = xstrdup(*d);
        char *f[4] = {copy, NULL, NULL, NULL};
        size_t n = 1;
        for (; n < 4 && (f[n] = strchr(f[n - 1], ':')); n++)
            *f[n]++ = 0;
        const char *src = f[0], *dst = "", *perms = "rwm";
        if (n > 3) {
            json_decref(devices);
            json_decref(log_cfg);
            json_decref(labels);
            with_help(125, "invalid device specification: %s", *d);
            return NULL;
        }
        if (n == 3)
            perms = f[2];
        if (n >= 2) {
            if (n == 2 && kopt_device_mode_valid(f[1]))
                perms = f[1];
            else
                dst = f[1];
        }
        json_array_append_new(devices,
                              json_pack("{s:s,s:s,s:s}", "PathOnHost", src, "PathInContainer",
                                        *dst ? dst : src, "CgroupPermissions", perms));
    }
    json_t *sysctls = json_object();
    for (char **k = o->sysctls; k && *k; k++) {
        const char *eq = strchr(*k, '=');
        _cleanup_free_ char *key = xstrndup(*k, (size_t)(eq - *k));
        json_object_set_new(sysctls, key, json_string(eq + 1));
    }

    json_t *body = json_object();
    json_object_set_new(body, "Hostname", json_string(o->hostname ? o->hostname : ""));
    json_object_set_new(body, "Domainname", json_string(""));
    json_object_set_new(body, "User", json_string(o->user ? o->user : ""));
    json_object_set_new(body, "AttachStdin", json_boolean(a_in));
    json_object_set_new(body, "AttachStdout", json_boolean(a_out));
    json_object_set_new(body, "AttachStderr", json_boolean(a_err));
    if (json_object_size(exposed))
        json_object_set_new(body, "ExposedPorts", sorted_object(json_incref(exposed)));
    json_object_set_new(body, "Tty", json_boolean(o->tty));
    json_object_set_new(body, "OpenStdin", json_boolean(o->interactive));
    json_object_set_new(body, "StdinOnce", json_boolean(o->interactive && a_in));
    json_object_set_new(body, "Env", strv_or_null(env));
    json_object_set_new(body, "Cmd", strv_or_null(*o->args ? o->args : NULL));
    json_object_set_new(body, "Image", json_string(o->image));
    json_object_set(body, "Volumes", volumes);
    json_object_set_new(body, "WorkingDir", json_string(o->workdir ? o->workdir : ""));
    if (o->entrypoint_set)
        json_object_set_new(body, "Entrypoint", json_pack("[s]", o->entrypoint));
    else
        json_object_set_new(body, "Entrypoint", json_null());
    json_object_set_new(body, "OnBuild", json_null());
    json_object_set_new(body, "Labels", labels);
    if (o->stop_signal && *o->stop_signal)
        json_object_set_new(body, "StopSignal", json_string(o->stop_signal));
    if (o->stop_timeout_set)
        json_object_set_new(body, "StopTimeout", json_integer(o->stop_timeout));

    unsigned ch = 0, cw = 0;
    stream_tty_size(&ch, &cw);
    json_t *ul = json_array();
    for (size_t i = 0; i < o->nulimits; i++)
        for (size_t j = i + 1; j < o->nulimits; j++)
            if (strcmp(o->ulimits[i].name, o->ulimits[j].name) > 0) {
                struct ulimit t = o->ulimits[i];
                o->ulimits[i] = o->ulimits[j];
                o->ulimits[j] = t;
            }
    for (size_t i = 0; i < o->nulimits; i++)
        json_array_append_new(ul, json_pack("{s:s,s:I,s:I}", "Name", o->ulimits[i].name, "Hard",
                                            (json_int_t)o->ulimits[i].hard, "Soft",
                                            (json_int_t)o->ulimits[i].soft));
    const char *netmode = o->network && *o->network ? o->network : "default";

    json_t *hc = json_object();
    json_object_set(hc, "Binds", binds ? binds : json_null());
    json_object_set_new(hc, "ContainerIDFile", json_string(""));
    json_object_set_new(hc, "LogConfig", json_pack("{s:s,s:o}", "Type", driver, "Config", log_cfg));
    json_object_set_new(hc, "NetworkMode", json_string(netmode));
    json_object_set_new(hc, "PortBindings", sorted_object(json_incref(bindings)));
    json_object_set_new(
        hc, "RestartPolicy",
        json_pack("{s:s,s:i}", "Name", rp_name ? rp_name : "", "MaximumRetryCount", rp_max));
    json_object_set_new(hc, "AutoRemove", json_boolean(o->rm));
    json_object_set_new(hc, "VolumeDriver", json_string(""));
    json_object_set_new(hc, "VolumesFrom", json_null());
    json_object_set_new(hc, "ConsoleSize", json_pack("[i,i]", ch, cw));
    json_object_set_new(hc, "CapAdd", caps_json(o->cap_add));
    json_object_set_new(hc, "CapDrop", caps_json(o->cap_drop));
    json_object_set_new(hc, "CgroupnsMode", json_string(""));
    json_object_set_new(hc, "Dns", json_array());
    json_object_set_new(hc, "DnsOptions", json_array());
    json_object_set_new(hc, "DnsSearch", json_array());
    json_object_set_new(hc, "ExtraHosts", json_null());
    json_object_set_new(hc, "GroupAdd", strv_or_null(o->group_add));
    json_object_set_new(hc, "IpcMode", json_string(ipc));
    json_object_set_new(hc, "Cgroup", json_string(""));
    json_object_set_new(hc, "Links", json_null());
    json_object_set_new(hc, "OomScoreAdj", json_integer(o->oom_score_adj));
    json_object_set_new(hc, "PidMode", json_string(pid));
    json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
    json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
    json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
    json_object_set_new(hc, "SecurityOpt", json_null());
    json_object_set_new(hc, "UTSMode", json_string(uts));
    json_object_set_new(hc, "UsernsMode", json_string(""));
    json_object_set_new(hc, "ShmSize", json_integer(o->shm_size));
    if (json_object_size(sysctls))
        json_object_set_new(hc, "Sysctls", sorted_object(json_incref(sysctls)));
    json_decref(sysctls);
    json_object_set_new(hc, "Isolation", json_string(""));
    json_object_set_new(hc, "CpuShares", json_integer(o->cpu_shares));
    json_object_set_new(hc, "Memory", json_integer(o->memory));
    json_object_set_new(hc, "NanoCpus", json_integer(o->nano_cpus));
    json_object_set_new(hc, "CgroupParent", json_string(""));
    json_object_set_new(hc, "BlkioWeight", json_integer(0));
    static const char *const blk[] = {"BlkioWeightDevice", "BlkioDeviceReadBps",
                                      "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
                                      "BlkioDeviceWriteIOps"};
    for (size_t i = 0; i < 5; i++)
        json_object_set_new(hc, blk[i], json_array());
    static const char *const cpu0[] = {"CpuPeriod", "CpuQuota", "CpuRealtimePeriod",
                                       "CpuRealtimeRuntime"};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(hc, cpu0[i], json_integer(0));
    json_object_set_new(hc, "CpusetCpus", json_string(""));
    json_object_set_new(hc, "CpusetMems", json_string(""));
    json_object_set_new(hc, "Devices", devices);
    json_object_set_new(hc, "DeviceCgroupRules", strv_or_null(o->device_cgroup_rules));
    json_object_set_new(hc, "DeviceRequests", json_null());
    json_object_set_new(hc, "MemoryReservation", json_integer(0));
    json_object_set_new(hc, "MemorySwap", json_integer(o->memory_swap));
    json_object_set_new(hc, "MemorySwappiness", json_integer(-1));
    json_object_set_new(hc, "OomKillDisable", json_false());
    json_object_set_new(hc, "PidsLimit", json_integer(o->pids_limit));
    json_object_set_new(hc, "Ulimits", ul);
    static const char *const tail0[] = {"CpuCount", "CpuPercent", "IOMaximumIOps",
                                        "IOMaximumBandwidth"};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(hc, tail0[i], json_integer(0));
    json_object_set_new(hc, "MaskedPaths", json_null());
    json_object_set_new(hc, "ReadonlyPaths", json_null());
    if (o->init_set)
        json_object_set_new(hc, "Init", json_boolean(o->init));
    json_object_set_new(body, "HostConfig", hc);

    /* parseNetworkOpts: an endpoint for "default" without --network; one
     * network given without endpoint options gets none */
    json_t *eps = json_object();
    if (!o->network)
        json_object_set_new(eps, "default", empty_endpoint());
    json_object_set_new(body, "NetworkingConfig", json_pack("{s:o}", "EndpointsConfig", eps));
    *code = 0;
    return body;
}
