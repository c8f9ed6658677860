/* docker's runconfig for run and create: the flags with the checks the CLI
 * makes itself (pflag values, then parse()), and the create body exactly as
 * the docker 28 CLI marshals it. */
#include "client/runopts.h"
#include "client/cli.h"
#include "client/container.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "common/mountopt.h"
#include "common/netopts.h"
#include "common/portspec.h"
#include "common/strbuf.h"
#include "common/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
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
    strv_free(o->security_opt);
    strv_free(o->log_opts);
    strv_free(o->sysctls);
    strv_free(o->devices);
    strv_free(o->device_cgroup_rules);
    strv_free(o->tmpfs);
    json_decref(o->mounts);
    strv_free(o->dns);
    strv_free(o->dns_search);
    strv_free(o->dns_options);
    strv_free(o->add_hosts);
    strv_free(o->aliases);
    strv_free(o->links);
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

int int_flag(const char *arg, const char *flag, int64_t *out)
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

/* pflag's DurationVar: Go's time.ParseDuration and its messages */
static int duration_flag(const char *arg, const char *flag, int64_t *out)
{
    if (parse_go_duration(arg, out) == 0)
        return 0;
    const char *p = arg + (*arg == '-' || *arg == '+');
    while (isdigit((unsigned char)*p) || *p == '.')
        p++;
    _cleanup_free_ char *why = NULL;
    if (p > arg && !*p) {
        why = xasprintf("time: missing unit in duration \"%s\"", arg);
    } else if (p > arg && isalpha((unsigned char)*p)) {
        size_t n = strcspn(p, "0123456789.");
        static const char *const units[] = {"ns", "us", "ms", "s", "m", "h"};
        bool known = false;
        for (size_t i = 0; i < 6; i++)
            known |= strlen(units[i]) == n && !strncmp(p, units[i], n);
        if (!known)
            why = xasprintf("time: unknown unit \"%.*s\" in duration \"%s\"", (int)n, p, arg);
    }
    if (!why)
        why = xasprintf("time: invalid duration \"%s\"", arg);
    return bad_value(arg, flag, why);
}

/* opts.NanoCPUs.Set: a rational number, at most nanosecond precision */
int cpus_flag(const char *arg, int64_t *out)
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

int size_flag(const char *arg, const char *flag, bool swap, int64_t *out)
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
    O_MOUNT,
    O_TMPFS,
    O_HEALTH_CMD,
    O_HEALTH_INTERVAL,
    O_HEALTH_TIMEOUT,
    O_HEALTH_RETRIES,
    O_HEALTH_START_PERIOD,
    O_HEALTH_START_INTERVAL,
    O_NO_HEALTHCHECK,
    O_DNS,
    O_DNS_SEARCH,
    O_DNS_OPTION,
    O_ADD_HOST,
    O_ALIAS,
    O_LINK,
    O_MAC,
    O_DOMAINNAME,
    O_SECURITY_OPT,
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
    {"mount", required_argument, 0, O_MOUNT},
    {"tmpfs", required_argument, 0, O_TMPFS},
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
    {"security-opt", required_argument, 0, O_SECURITY_OPT},
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
    {"health-cmd", required_argument, 0, O_HEALTH_CMD},
    {"health-interval", required_argument, 0, O_HEALTH_INTERVAL},
    {"health-timeout", required_argument, 0, O_HEALTH_TIMEOUT},
    {"health-retries", required_argument, 0, O_HEALTH_RETRIES},
    {"health-start-period", required_argument, 0, O_HEALTH_START_PERIOD},
    {"health-start-interval", required_argument, 0, O_HEALTH_START_INTERVAL},
    {"no-healthcheck", optional_argument, 0, O_NO_HEALTHCHECK},
    {"dns", required_argument, 0, O_DNS},
    {"dns-search", required_argument, 0, O_DNS_SEARCH},
    {"dns-option", required_argument, 0, O_DNS_OPTION},
    {"dns-opt", required_argument, 0, O_DNS_OPTION}, /* hidden, as in docker */
    {"add-host", required_argument, 0, O_ADD_HOST},
    {"network-alias", required_argument, 0, O_ALIAS},
    {"net-alias", required_argument, 0, O_ALIAS},
    {"link", required_argument, 0, O_LINK},
    {"mac-address", required_argument, 0, O_MAC},
    {"domainname", required_argument, 0, O_DOMAINNAME},
    /* run only (checked below) */
    {"detach-keys", required_argument, 0, O_DETACH_KEYS},
    {"sig-proxy", optional_argument, 0, O_SIG_PROXY},
    {0, 0, 0, 0},
};

static int mount_flag(struct create_opts *o, const char *val)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        strcpy(cwd, "/");
    json_t *m = NULL;
    char *why = NULL;
    if (mountopt_parse(val, cwd, &m, &why) < 0) {
        int r = bad_value(val, "--mount", why);
        free(why);
        return r;
    }
    if (!o->mounts)
        o->mounts = json_array();
    json_array_append_new(o->mounts, m);
    return 0;
}

/* The CLI's parseSecurityOpts: "k=v" (or "k:v"), a value required except
 * for no-new-privileges; seccomp=FILE sends the file's JSON, compacted.
 * NULL after printing docker's message. */
static json_t *security_opts_json(char **opts)
{
    if (!opts)
        return json_null();
    json_t *out = json_array();
    for (char **o = opts; *o; o++) {
        const char *sep = strchr(*o, '=');
        if (!sep && strcmp(*o, "no-new-privileges"))
            sep = strchr(*o, ':');
        _cleanup_free_ char *k = sep ? xstrndup(*o, (size_t)(sep - *o)) : xstrdup(*o);
        const char *v = sep ? sep + 1 : "";
        if ((!sep || !*v) && strcmp(k, "no-new-privileges")) {
            json_decref(out);
            with_help(125, "Invalid --security-opt: \"%s\"", *o);
            return NULL;
        }
        if (strcmp(k, "seccomp") || !strcmp(v, "builtin") || !strcmp(v, "unconfined")) {
            json_array_append_new(out, json_string(*o));
            continue;
        }
        json_error_t je;
        size_t len;
        _cleanup_free_ char *text = fs_read_file(v, &len);
        if (!text) {
            /* Go's *PathError: "open FILE: no such file or directory" */
            _cleanup_free_ char *why = xstrdup(strerror(errno));
            why[0] = (char)tolower((unsigned char)why[0]);
            json_decref(out);
            with_help(125, "opening seccomp profile (%s) failed: open %s: %s", v, v, why);
            return NULL;
        }
        _cleanup_json_ json_t *prof = json_loadb(text, len, JSON_DECODE_ANY, &je);
        if (!prof) {
            json_decref(out);
            with_help(125, "compacting json for seccomp profile (%s) failed: %s", v, je.text);
            return NULL;
        }
        _cleanup_free_ char *compact =
            json_dumps(prof, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        _cleanup_free_ char *opt = xasprintf("seccomp=%s", compact);
        json_array_append_new(out, json_string(opt));
    }
    return out;
}

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
        case O_MOUNT:
            r = mount_flag(o, optarg);
            break;
        case O_TMPFS:
            strv_push(&o->tmpfs, optarg);
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
        case O_HEALTH_CMD:
            o->health_cmd = optarg;
            break;
        case O_HEALTH_INTERVAL:
            r = duration_flag(optarg, "--health-interval", &o->health_interval);
            break;
        case O_HEALTH_TIMEOUT:
            r = duration_flag(optarg, "--health-timeout", &o->health_timeout);
            break;
        case O_HEALTH_START_PERIOD:
            r = duration_flag(optarg, "--health-start-period", &o->health_start_period);
            break;
        case O_HEALTH_START_INTERVAL:
            r = duration_flag(optarg, "--health-start-interval", &o->health_start_interval);
            break;
        case O_HEALTH_RETRIES:
            r = int_flag(optarg, "--health-retries", &o->health_retries);
            break;
        case O_NO_HEALTHCHECK:
            r = bool_flag(optarg, "--no-healthcheck", &o->no_healthcheck);
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
        case O_SECURITY_OPT:
            strv_push(&o->security_opt, optarg);
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
        case O_DNS:
            if (!netopt_ip_valid(optarg)) {
                _cleanup_free_ char *why =
                    xasprintf("IP address is not correctly formatted: %s", optarg);
                r = bad_value(optarg, "--dns", why);
            } else {
                strv_push(&o->dns, optarg);
            }
            break;
        case O_DNS_SEARCH:
            if (!netopt_dns_search_valid(optarg)) {
                _cleanup_free_ char *why = xasprintf("%s is not a valid domain", optarg);
                r = bad_value(optarg, "--dns-search", why);
            } else {
                strv_push(&o->dns_search, optarg);
            }
            break;
        case O_DNS_OPTION:
            strv_push(&o->dns_options, optarg);
            break;
        case O_ADD_HOST: {
            char *why = NULL;
            _cleanup_free_ char *h = netopt_add_host_flag(optarg, &why);
            if (!h) {
                r = bad_value(optarg, "--add-host", why);
                free(why);
            } else {
                strv_push(&o->add_hosts, h);
            }
            break;
        }
        case O_ALIAS:
            strv_push(&o->aliases, optarg);
            break;
        case O_LINK: {
            char *why = NULL, *n = NULL, *a = NULL;
            if (netopt_link(optarg, &n, &a, &why) < 0) {
                r = bad_value(optarg, "--link", why);
                free(why);
            } else {
                strv_push(&o->links, optarg);
            }
            free(n);
            free(a);
            break;
        }
        case O_MAC:
            o->mac_address = optarg;
            break;
        case O_DOMAINNAME:
            o->domainname = optarg;
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
/* The CLI's Healthcheck (opts.go): NONE for --no-healthcheck, else the
 * --health-* values when any is set; *out stays NULL without either. */
static int health_config(const struct create_opts *o, json_t **out)
{
    bool any = (o->health_cmd && *o->health_cmd) || o->health_interval || o->health_timeout ||
               o->health_start_period || o->health_retries || o->health_start_interval;
    if (o->no_healthcheck) {
        if (any)
            return with_help(125, "--no-healthcheck conflicts with --health-* options"), -1;
        *out = json_pack("{s:[s]}", "Test", "NONE");
        return 0;
    }
    if (!any)
        return 0;
    static const struct {
        const char *flag;
        size_t off;
    } negs[] = {
        {"--health-interval", offsetof(struct create_opts, health_interval)},
        {"--health-timeout", offsetof(struct create_opts, health_timeout)},
        {"--health-retries", offsetof(struct create_opts, health_retries)},
        {"--health-start-period", offsetof(struct create_opts, health_start_period)},
        {"--health-start-interval", offsetof(struct create_opts, health_start_interval)},
    };
    for (size_t i = 0; i < sizeof negs / sizeof *negs; i++)
        if (*(const int64_t *)((const char *)o + negs[i].off) < 0)
            return with_help(125, "%s cannot be negative", negs[i].flag), -1;
    json_t *h = json_object();
    if (o->health_cmd && *o->health_cmd)
        json_object_set_new(h, "Test", json_pack("[s,s]", "CMD-SHELL", o->health_cmd));
    if (o->health_interval)
        json_object_set_new(h, "Interval", json_integer(o->health_interval));
    if (o->health_timeout)
        json_object_set_new(h, "Timeout", json_integer(o->health_timeout));
    if (o->health_start_period)
        json_object_set_new(h, "StartPeriod", json_integer(o->health_start_period));
    if (o->health_start_interval)
        json_object_set_new(h, "StartInterval", json_integer(o->health_start_interval));
    if (o->health_retries)
        json_object_set_new(h, "Retries", json_integer(o->health_retries));
    *out = h;
    return 0;
}

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
    const char *nm = o->network && *o->network ? o->network : "default";
    bool user_net = strcmp(nm, "default") && strcmp(nm, "bridge") && strcmp(nm, "host") &&
                    strcmp(nm, "none") && strncmp(nm, "container:", 10);

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

    /* parseNetworkAttachmentOpt's checks */
    if (o->aliases && !user_net) {
        json_decref(devices);
        json_decref(sysctls);
        json_decref(log_cfg);
        json_decref(labels);
        with_help(125, "network-scoped aliases are only supported for user-defined networks");
        return NULL;
    }
    char mac[18], *mac_why = NULL;
    if (o->mac_address && netopt_mac(o->mac_address, mac, &mac_why) < 0) {
        free(mac_why);
        json_decref(devices);
        json_decref(sysctls);
        json_decref(log_cfg);
        json_decref(labels);
        with_help(125, "%s is not a valid mac address", o->mac_address);
        return NULL;
    }
    json_t *health = NULL;
    if (health_config(o, &health) < 0) {
        json_decref(devices);
        json_decref(sysctls);
        json_decref(log_cfg);
        json_decref(labels);
        return NULL;
    }
    json_t *secopts = security_opts_json(o->security_opt);
    if (!secopts) {
        json_decref(health);
        json_decref(log_cfg);
        json_decref(labels);
        return NULL;
    }

    json_t *body = json_object();
    json_object_set_new(body, "Hostname", json_string(o->hostname ? o->hostname : ""));
    json_object_set_new(body, "Domainname", json_string(o->domainname ? o->domainname : ""));
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
    if (health)
        json_object_set_new(body, "Healthcheck", health);
    json_object_set_new(body, "Image", json_string(o->image));
    json_object_set(body, "Volumes", volumes);
    json_object_set_new(body, "WorkingDir", json_string(o->workdir ? o->workdir : ""));
    if (o->entrypoint_set)
        json_object_set_new(body, "Entrypoint", json_pack("[s]", o->entrypoint));
    else
        json_object_set_new(body, "Entrypoint", json_null());
    /* Config.MacAddress: the docker 28 client drops it for API >= 1.44 */
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
    json_object_set_new(hc, "Dns", o->dns ? strv_or_null(o->dns) : json_array());
    json_object_set_new(hc, "DnsOptions",
                        o->dns_options ? strv_or_null(o->dns_options) : json_array());
    json_object_set_new(hc, "DnsSearch",
                        o->dns_search ? strv_or_null(o->dns_search) : json_array());
    json_object_set_new(hc, "ExtraHosts", strv_or_null(o->add_hosts));
    json_object_set_new(hc, "GroupAdd", strv_or_null(o->group_add));
    json_object_set_new(hc, "IpcMode", json_string(ipc));
    json_object_set_new(hc, "Cgroup", json_string(""));
    /* --link: on a user-defined network, also the endpoint's Links */
    json_object_set_new(hc, "Links", strv_or_null(o->links));
    json_object_set_new(hc, "OomScoreAdj", json_integer(o->oom_score_adj));
    json_object_set_new(hc, "PidMode", json_string(pid));
    json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
    json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
    json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
    json_object_set_new(hc, "SecurityOpt", secopts);
    if (o->tmpfs) {
        /* "/run:size=64m": the path, and the options after its first colon */
        json_t *t = json_object();
        for (char **e = o->tmpfs; *e; e++) {
            const char *colon = strchr(*e, ':');
            _cleanup_free_ char *k = colon ? xstrndup(*e, (size_t)(colon - *e)) : xstrdup(*e);
            json_object_set_new(t, k, json_string(colon ? colon + 1 : ""));
        }
        json_object_set_new(hc, "Tmpfs", sorted_object(t));
    }
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
    if (o->mounts)
        json_object_set(hc, "Mounts", o->mounts);
    json_object_set_new(hc, "MaskedPaths", json_null());
    json_object_set_new(hc, "ReadonlyPaths", json_null());
    if (o->init_set)
        json_object_set_new(hc, "Init", json_boolean(o->init));
    json_object_set_new(body, "HostConfig", hc);

    /* parseNetworkOpts: an endpoint for "default" without --network; one
     * network given without endpoint options gets none */
    json_t *eps = json_object();
    if (!o->network || o->aliases || o->mac_address || (user_net && o->links)) {
        json_t *ep = empty_endpoint();
        if (o->aliases)
            json_object_set_new(ep, "Aliases", strv_or_null(o->aliases));
        if (user_net && o->links)
            json_object_set_new(ep, "Links", strv_or_null(o->links));
        if (o->mac_address)
            json_object_set_new(ep, "MacAddress", json_string(o->mac_address));
        json_object_set_new(eps, netmode, ep);
    }
    json_object_set_new(body, "NetworkingConfig", json_pack("{s:o}", "EndpointsConfig", eps));
    *code = 0;
    return body;
}
