/* Config + HostConfig + NetworkingConfig -> struct ctr_spec, with docker's
 * checks and messages. The only place that reads a create request's fields;
 * everything after works on the typed spec. */
#include "daemon/state/ctr_spec.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "common/netopts.h"
#include "common/signals.h"
#include "common/template.h"
#include "common/units.h"
#include "common/volspec.h"
#include "daemon/state/ctr_seccomp.h"
#include "daemon/state/plan.h"

#include <errno.h>
#include <regex.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The spec's plain pointer members: free and copy walk these tables, so a
 * new string field is one line here. */
#define STR(f) offsetof(struct ctr_spec, f)
static const size_t str_fields[] = {STR(user),
                                    STR(workdir),
                                    STR(hostname),
                                    STR(domainname),
                                    STR(network_mode),
                                    STR(ipv4),
                                    STR(mac),
                                    STR(cpuset_cpus),
                                    STR(cpuset_mems),
                                    STR(log_type),
                                    STR(pid_ns.container),
                                    STR(ipc_ns.container),
                                    STR(uts_ns.container),
                                    STR(net_ns.container)};
static const size_t strv_fields[] = {
    STR(argv),         STR(env),        STR(labels),     STR(group_add),
    STR(aliases),      STR(dns),        STR(dns_search), STR(dns_options),
    STR(extra_hosts),  STR(links),      STR(cap_add),    STR(cap_drop),
    STR(security_opt), STR(log_config), STR(sysctls),    STR(device_cgroup_rules)};
#undef STR

#define NELEM(a) (sizeof(a) / sizeof *(a))

static char **str_at(struct ctr_spec *s, size_t off)
{
    return (char **)((char *)s + off);
}

static char ***strv_at(struct ctr_spec *s, size_t off)
{
    return (char ***)((char *)s + off);
}

static void device_free(struct ctr_device *d)
{
    free(d->host);
    free(d->path);
    free(d->perms);
}

void ctr_spec_free(struct ctr_spec *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < NELEM(str_fields); i++)
        free(*str_at(s, str_fields[i]));
    for (size_t i = 0; i < NELEM(strv_fields); i++)
        strv_free(*strv_at(s, strv_fields[i]));
    for (size_t i = 0; i < s->nmounts; i++)
        ctr_mount_free(&s->mounts[i]);
    free(s->mounts);
    free(s->exposed);
    port_maps_free(s->bindings, s->nbindings);
    for (size_t i = 0; i < s->nulimits; i++)
        free(s->ulimits[i].name);
    free(s->ulimits);
    for (size_t i = 0; i < s->ndevices; i++)
        device_free(&s->devices[i]);
    free(s->devices);
    if (s->healthcheck)
        strv_free(s->healthcheck->test);
    free(s->healthcheck);
    seccomp_profile_free(s->seccomp_profile);
    free(s);
}

static char *dup_opt(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || !n)
        return NULL;
    void *q = xmalloc(n);
    memcpy(q, p, n);
    return q;
}

struct ctr_spec *ctr_spec_copy(const struct ctr_spec *s)
{
    struct ctr_spec *c = xmalloc(sizeof *c);
    *c = *s;
    for (size_t i = 0; i < NELEM(str_fields); i++)
        *str_at(c, str_fields[i]) = dup_opt(*str_at((struct ctr_spec *)s, str_fields[i]));
    for (size_t i = 0; i < NELEM(strv_fields); i++) {
        char **v = *strv_at((struct ctr_spec *)s, strv_fields[i]);
        *strv_at(c, strv_fields[i]) = v ? strv_dup(v) : NULL; /* NULL means "not given" */
    }
    c->mounts = s->nmounts ? xcalloc(s->nmounts, sizeof *c->mounts) : NULL;
    for (size_t i = 0; i < s->nmounts; i++)
        ctr_mount_copy(&c->mounts[i], &s->mounts[i]);
    c->exposed = dup_mem(s->exposed, s->nexposed * sizeof *s->exposed);
    c->bindings = dup_mem(s->bindings, s->nbindings * sizeof *s->bindings);
    for (size_t i = 0; i < s->nbindings; i++) {
        c->bindings[i].host_ip = dup_opt(c->bindings[i].host_ip);
        c->bindings[i].host_port = dup_opt(c->bindings[i].host_port);
    }
    c->ulimits = dup_mem(s->ulimits, s->nulimits * sizeof *s->ulimits);
    for (size_t i = 0; i < s->nulimits; i++)
        c->ulimits[i].name = dup_opt(c->ulimits[i].name);
    c->devices = dup_mem(s->devices, s->ndevices * sizeof *s->devices);
    for (size_t i = 0; i < s->ndevices; i++) {
        struct ctr_device *d = &c->devices[i];
        d->host = dup_opt(d->host);
        d->path = dup_opt(d->path);
        d->perms = dup_opt(d->perms);
    }
    if (s->healthcheck) {
        c->healthcheck = dup_mem(s->healthcheck, sizeof *s->healthcheck);
        c->healthcheck->test = strv_dup(s->healthcheck->test);
    }
    c->seccomp_profile = seccomp_profile_copy(s->seccomp_profile);
    return c;
}

/* ---- small readers ---- */

static bool flag(json_t *o, const char *k)
{
    return json_is_true(json_object_get(o, k));
}

static int64_t num(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static char *str_or_null(json_t *o, const char *k)
{
    const char *s = json_str(o, k);
    return s && *s ? xstrdup(s) : NULL;
}

static bool has_space(const char *s)
{
    return strpbrk(s, " \t\r\n\v\f") != NULL;
}

/* A map of strings as key, value, ... (sorted by key: jansson's order is
 * its hash's). */
static char **kv_strv(json_t *o)
{
    char **v = NULL;
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x)
    {
        if (!json_is_string(x))
            continue;
        strv_push(&v, k);
        strv_push(&v, json_string_value(x));
    }
    return v;
}

const char *ctr_spec_label(const struct ctr_spec *s, const char *key)
{
    for (char **l = s->labels; l && l[0] && l[1]; l += 2)
        if (!strcmp(l[0], key))
            return l[1];
    return NULL;
}

/* ---- ports ---- */

static bool host_port_valid(const char *hp)
{
    if (!hp || !*hp)
        return true;
    char *end;
    unsigned long lo = strtoul(hp, &end, 10), hi = 0;
    if (end == hp || lo == 0 || lo > 65535)
        return false;
    if (*end == '-') {
        const char *h = end + 1;
        hi = strtoul(h, &end, 10);
        if (end == h || hi > 65535 || (hi && hi < lo))
            return false;
    }
    return *end == '\0';
}

static int parse_ports(struct ctr_spec *s, json_t *cfg, json_t *hc, struct md_error *err)
{
    const char *key;
    json_t *v;
    /* exposed ports come from images too: one that does not parse is
     * shown by inspect but published nowhere, as before */
    json_object_foreach(json_object_get(cfg, "ExposedPorts"), key, v)
    {
        struct port_key p;
        if (portspec_parse_key(key, &p, NULL) < 0)
            continue;
        s->exposed = xrealloc(s->exposed, (s->nexposed + 1) * sizeof *s->exposed);
        s->exposed[s->nexposed++] = p;
    }
    json_t *pb = json_object_get(hc, "PortBindings");
    json_object_foreach(pb, key, v)
    {
        struct port_key p;
        if (portspec_parse_key(key, &p, err) < 0)
            return -1;
        if (!json_is_array(v) && !json_is_null(v))
            return md_err(err, MD_EINVAL, "invalid port bindings for %s", key);
        size_t i;
        json_t *b;
        json_array_foreach(v, i, b)
        {
            const char *hp = json_str(b, "HostPort");
            if (!host_port_valid(hp))
                return md_err(err, MD_EINVAL, "invalid port specification: \"%s\"", hp);
            s->bindings = xrealloc(s->bindings, (s->nbindings + 1) * sizeof *s->bindings);
            struct port_map *m = &s->bindings[s->nbindings++];
            *m = (struct port_map){.host_ip = xstrdup(json_str(b, "HostIp") ?: ""),
                                   .host_port = xstrdup(hp ?: ""),
                                   .ctr_port = p.port};
            memcpy(m->proto, p.proto, sizeof m->proto);
        }
    }
    s->publish_all = flag(hc, "PublishAllPorts");
    return 0;
}

/* ---- resources ---- */

#define ID_MAX   2147483647LL /* runc: "ids must be in range 0-2147483647" */
#define PIDS_MAX 4194304LL    /* PID_MAX_LIMIT: the kernel refuses a larger pids.max */

/* A numeric user or group id above runc's range; names are looked up at start. */
static int check_id(const char *what, const char *id, size_t len, struct md_error *err)
{
    if (!len || strspn(id, "0123456789") < len)
        return 0;
    bool big = len > 10;
    if (!big) {
        char buf[11];
        memcpy(buf, id, len);
        buf[len] = 0;
        big = strtoll(buf, NULL, 10) > ID_MAX;
    }
    if (big)
        return md_err(err, MD_EINVAL, "%s %.*s: ids must be in range 0-2147483647", what, (int)len,
                      id);
    return 0;
}

static int check_ids(const struct ctr_spec *s, struct md_error *err)
{
    const char *u = s->user ? s->user : "";
    const char *colon = strchr(u, ':');
    size_t ulen = colon ? (size_t)(colon - u) : strlen(u);
    if (check_id("user", u, ulen, err) < 0 ||
        (colon && check_id("group", colon + 1, strlen(colon + 1), err) < 0))
        return -1;
    for (char **g = s->group_add; g && *g; g++)
        if (check_id("group", *g, strlen(*g), err) < 0)
            return -1;
    return 0;
}

/* At create only (a record loads whatever the daemon's limits are now):
 * values that would fail at start get a 400 now. */
static int check_create_limits(const struct ctr_spec *s, struct md_error *err)
{
    if (s->pids_limit > PIDS_MAX)
        return md_err(err, MD_EINVAL,
                      "invalid PidsLimit %lld: the kernel's maximum is %lld (0 or -1: unlimited)",
                      (long long)s->pids_limit, PIDS_MAX);
    /* PID 1 inherits the daemon's hard limits and is not given more: a
     * request above one is refused rather than quietly clamped */
    for (size_t i = 0; i < s->nulimits; i++) {
        const struct ctr_ulimit *u = &s->ulimits[i];
        struct rlimit have;
        if (getrlimit(u->resource, &have) < 0 || have.rlim_max == RLIM_INFINITY)
            continue;
        if ((uint64_t)u->hard > have.rlim_max)
            return md_err(err, MD_EINVAL,
                          "ulimit %s: hard limit %lld is above the daemon's hard limit %llu "
                          "(minidock does not raise it)",
                          u->name, (long long)u->hard, (unsigned long long)have.rlim_max);
    }
    return 0;
}

static const struct {
    const char *name;
    int res;
} ulimit_names[] = {
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},   {"core", RLIMIT_CORE},
    {"memlock", RLIMIT_MEMLOCK}, {"stack", RLIMIT_STACK},   {"fsize", RLIMIT_FSIZE},
    {"cpu", RLIMIT_CPU},         {"as", RLIMIT_AS},         {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},       {"rtprio", RLIMIT_RTPRIO}, {"sigpending", RLIMIT_SIGPENDING},
    {"locks", RLIMIT_LOCKS},     {"data", RLIMIT_DATA},     {"rss", RLIMIT_RSS}};

static int parse_ulimits(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Ulimits"), i, v)
    {
        const char *name = json_str(v, "Name");
        int res = -1;
        for (size_t k = 0; name && k < NELEM(ulimit_names); k++)
            if (!strcmp(name, ulimit_names[k].name))
                res = ulimit_names[k].res;
        if (res < 0)
            return md_err(err, MD_EINVAL, "invalid ulimit type: %s", name ? name : "");
        int64_t soft = num(v, "Soft"), hard = num(v, "Hard");
        if ((uint64_t)soft > (uint64_t)hard)
            return md_err(err, MD_EINVAL, "ulimit soft limit must be less than hard limit");
        s->ulimits = xrealloc(s->ulimits, (s->nulimits + 1) * sizeof *s->ulimits);
        s->ulimits[s->nulimits++] =
            (struct ctr_ulimit){.name = xstrdup(name), .resource = res, .soft = soft, .hard = hard};
    }
    return 0;
}

static void parse_resources(struct ctr_spec *s, json_t *hc)
{
    s->memory = num(hc, "Memory");
    s->memory_swap = num(hc, "MemorySwap");
    s->memory_reservation = num(hc, "MemoryReservation");
    s->nano_cpus = num(hc, "NanoCpus");
    s->cpu_shares = num(hc, "CpuShares");
    s->cpu_quota = num(hc, "CpuQuota");
    s->cpu_period = num(hc, "CpuPeriod");
    s->cpuset_cpus = str_or_null(hc, "CpusetCpus");
    s->cpuset_mems = str_or_null(hc, "CpusetMems");
    s->pids_limit = num(hc, "PidsLimit");
}

/* ---- lifecycle ---- */

static const char *const restart_names[] = {
    [CTR_RESTART_NO] = "no",
    [CTR_RESTART_ALWAYS] = "always",
    [CTR_RESTART_UNLESS_STOPPED] = "unless-stopped",
    [CTR_RESTART_ON_FAILURE] = "on-failure",
};

const char *ctr_spec_restart_name(enum ctr_restart r)
{
    return restart_names[r];
}

int ctr_spec_parse_restart(json_t *rp, enum ctr_restart *out, int64_t *max_out,
                           struct md_error *err)
{
    const char *name = json_str(rp, "Name");
    if (!name || !*name)
        name = "no";
    int which = -1;
    for (size_t i = 0; i < NELEM(restart_names); i++)
        if (!strcmp(name, restart_names[i]))
            which = (int)i;
    if (which < 0)
        return md_err(err, MD_EINVAL, "invalid restart policy '%s'", name);
    int64_t max = num(rp, "MaximumRetryCount");
    if (max < 0)
        return md_err(err, MD_EINVAL,
                      "invalid restart policy: maximum retry count cannot be negative");
    if (max > 0 && which != CTR_RESTART_ON_FAILURE)
        return md_err(err, MD_EINVAL,
                      "invalid restart policy: maximum retry count can only be used with "
                      "'on-failure'");
    *out = (enum ctr_restart)which;
    *max_out = max;
    return 0;
}

static int parse_restart(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    if (ctr_spec_parse_restart(json_object_get(hc, "RestartPolicy"), &s->restart, &s->restart_max,
                               err) < 0)
        return -1;
    s->autoremove = flag(hc, "AutoRemove");
    if (s->restart != CTR_RESTART_NO && s->autoremove)
        return md_err(err, MD_EINVAL, "can't create 'AutoRemove' container with restart policy");
    return 0;
}

static int parse_stop(struct ctr_spec *s, json_t *cfg, struct md_error *err)
{
    const char *ss = json_str(cfg, "StopSignal");
    s->stop_signal = SIGTERM;
    if (ss && *ss) {
        s->stop_signal = signal_parse(ss);
        if (s->stop_signal < 0)
            return md_err(err, MD_EINVAL, "Invalid signal: %s", ss);
    }
    json_t *st = json_object_get(cfg, "StopTimeout");
    if (st && !json_is_null(st) && !json_is_integer(st))
        return md_err(err, MD_EINVAL, "StopTimeout must be an integer");
    s->stop_timeout = json_is_integer(st) ? (int)json_integer_value(st) : -1;
    return 0;
}

/* docker's json-file options, and the two every driver takes (logger's
 * builtInLogOpts). Values are checked here, at create, although docker
 * reads them when the logger starts: a bad one then fails every start. */
static const char *const json_file_opts[] = {
    "max-file", "max-size",  "compress", "labels", "labels-regex",
    "env",      "env-regex", "tag",      "mode",   "max-buffer-size"};

const char *ctr_spec_log_opt(const struct ctr_spec *s, const char *key)
{
    for (char **l = s->log_config; l && l[0] && l[1]; l += 2)
        if (!strcmp(l[0], key))
            return l[1];
    return NULL;
}

/* Go's strconv.ParseBool */
static int go_parse_bool(const char *v, bool *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < NELEM(t); i++) {
        if (!strcmp(v, t[i]))
            return *out = true, 0;
        if (!strcmp(v, f[i]))
            return *out = false, 0;
    }
    return -1;
}

static int check_regex(const char *re, struct md_error *err)
{
    regex_t r;
    int rc = regcomp(&r, re, REG_EXTENDED | REG_NOSUB);
    if (rc) {
        char msg[128];
        regerror(rc, &r, msg, sizeof msg);
        return md_err(err, MD_EINVAL, "error parsing regexp: %s: `%s`", msg, re);
    }
    regfree(&r);
    return 0;
}

static int parse_json_file_opts(struct ctr_spec *s, struct md_error *err)
{
    const char *mode = ctr_spec_log_opt(s, "mode");
    if (mode && *mode && strcmp(mode, "blocking") && strcmp(mode, "non-blocking"))
        return md_err(err, MD_EINVAL, "logger: logging mode not supported: %s", mode);
    /* the shim writes each record before it reads more output: blocking is
     * what it does; a ring buffer that drops output is not there */
    if (mode && !strcmp(mode, "non-blocking"))
        return md_err(err, MD_EINVAL,
                      "minidock does not support HostConfig.LogConfig.Config=mode=non-blocking");
    if (ctr_spec_log_opt(s, "max-buffer-size"))
        return md_err(err, MD_EINVAL,
                      "logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    for (char **l = s->log_config; l && l[0] && l[1]; l += 2) {
        bool known = false;
        for (size_t i = 0; i < NELEM(json_file_opts); i++)
            known = known || !strcmp(l[0], json_file_opts[i]);
        if (!known)
            return md_err(err, MD_EINVAL, "unknown log opt '%s' for json-file log driver", l[0]);
    }
    const char *v = ctr_spec_log_opt(s, "max-size");
    if (v) {
        if (parse_human_size(v, &s->log_max_size) < 0)
            return md_err(err, MD_EINVAL, "invalid size: '%s'", v);
        if (s->log_max_size <= 0)
            return md_err(err, MD_EINVAL, "max-size must be a positive number");
    }
    if ((v = ctr_spec_log_opt(s, "max-file"))) {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (!*v || *end || errno || n != (int)n)
            return md_err(err, MD_EINVAL, "strconv.Atoi: parsing \"%s\": %s", v,
                          errno ? "value out of range" : "invalid syntax");
        if (n < 1)
            return md_err(err, MD_EINVAL, "max-file cannot be less than 1");
        s->log_max_file = (int)n;
    }
    if ((v = ctr_spec_log_opt(s, "compress"))) {
        if (go_parse_bool(v, &s->log_compress) < 0)
            return md_err(err, MD_EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax", v);
        if (s->log_compress && (s->log_max_file == 1 || s->log_max_size < 0))
            return md_err(err, MD_EINVAL,
                          "compress cannot be true when max-file is less than 2 "
                          "or max-size is not set");
    }
    if ((v = ctr_spec_log_opt(s, "labels-regex")) && check_regex(v, err) < 0)
        return -1;
    if ((v = ctr_spec_log_opt(s, "env-regex")) && *v && check_regex(v, err) < 0)
        return -1;
    if ((v = ctr_spec_log_opt(s, "tag"))) {
        struct tmpl *t = NULL;
        if (tmpl_parse(v, &t, err) < 0)
            return -1;
        tmpl_free(t);
    }
    return 0;
}

static int parse_log(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    json_t *lc = json_object_get(hc, "LogConfig");
    const char *t = json_str(lc, "Type");
    if (!t || !*t)
        t = "json-file";
    if (strcmp(t, "json-file") && strcmp(t, "none"))
        return md_err(err, MD_EINVAL,
                      "failed to create task for container: logger: no log driver named '%s' "
                      "is registered (only json-file and none are)",
                      t);
    s->log_type = xstrdup(t);
    s->log_config = kv_strv(json_object_get(lc, "Config"));
    s->log_max_size = -1;
    s->log_max_file = 1;
    /* docker checks no option of the none driver */
    return strcmp(t, "json-file") ? 0 : parse_json_file_opts(s, err);
}

static bool regex_match(const char *re, const char *s)
{
    regex_t r;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB))
        return false;
    bool m = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    return m;
}

/* Each name of a comma list present in kv (key, value, ...) into attrs. */
static void attrs_named(json_t *attrs, const char *list, char **kv)
{
    _cleanup_free_ char *copy = xstrdup(list);
    char *save = NULL;
    for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save))
        for (char **p = kv; p && p[0] && p[1]; p += 2)
            if (!strcmp(p[0], n))
                json_object_set_new(attrs, n, json_string(p[1]));
}

static void attrs_matching(json_t *attrs, const char *re, char **kv)
{
    for (char **p = kv; p && p[0] && p[1]; p += 2)
        if (regex_match(re, p[0]))
            json_object_set_new(attrs, p[0], json_string(p[1]));
}

char *ctr_spec_log_attrs(const struct ctr_spec *s, const char *id, const char *name,
                         const char *image_id, const char *image_name)
{
    if (strcmp(s->log_type, "json-file"))
        return NULL;
    _cleanup_json_ json_t *attrs = json_object();
    const char *labels = ctr_spec_log_opt(s, "labels");
    if (labels && *labels)
        attrs_named(attrs, labels, s->labels);
    /* moby's ExtraAttributes tests labels, not labels-regex, before it
     * applies labels-regex: without labels it does nothing */
    const char *labels_re = ctr_spec_log_opt(s, "labels-regex");
    if (labels_re && labels && *labels)
        attrs_matching(attrs, labels_re, s->labels);
    /* the environment as key, value pairs */
    _cleanup_strv_ char **env = NULL;
    for (char **e = s->env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        _cleanup_free_ char *k = xstrndup(*e, (size_t)(eq - *e));
        strv_push(&env, k);
        strv_push(&env, eq + 1);
    }
    const char *envs = ctr_spec_log_opt(s, "env");
    if (envs && *envs)
        attrs_named(attrs, envs, env);
    const char *env_re = ctr_spec_log_opt(s, "env-regex");
    if (env_re && *env_re)
        attrs_matching(attrs, env_re, env);
    const char *tag = ctr_spec_log_opt(s, "tag");
    if (tag && *tag) {
        /* loggerutils.ParseLogTag: the template over logger.Info's methods */
        _cleanup_json_ json_t *info = json_pack(
            "{s:s%, s:s, s:s, s:s%, s:s, s:s, s:s}", "ID", id, (size_t)12, "FullID", id, "Name",
            name, "ImageID", image_id, strlen(image_id) < 12 ? strlen(image_id) : (size_t)12,
            "ImageFullID", image_id, "ImageName", image_name, "DaemonName", "docker");
        struct tmpl *t = NULL;
        char *out = NULL;
        if (tmpl_parse(tag, &t, NULL) == 0 && tmpl_render(t, info, &out, NULL) == 0)
            json_object_set_new(attrs, "tag", json_string(out));
        free(out);
        tmpl_free(t);
    }
    if (!json_object_size(attrs))
        return NULL;
    return json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
}

/* ---- process ---- */

/* moby's validateHealthCheck, in its order and words (MinimumDuration is
 * 1ms; 0 means the default). */
static int parse_healthcheck(struct ctr_spec *s, json_t *hcheck, struct md_error *err)
{
    if (!json_is_object(hcheck))
        return 0;
    static const struct {
        const char *key, *name;
        size_t off;
    } durations[] = {
        {"Interval", "Interval", offsetof(struct ctr_healthcheck, interval)},
        {"Timeout", "Timeout", offsetof(struct ctr_healthcheck, timeout)},
        {"StartPeriod", "StartPeriod", offsetof(struct ctr_healthcheck, start_period)},
        {"StartInterval", "StartInterval", offsetof(struct ctr_healthcheck, start_interval)},
    };
    struct ctr_healthcheck h = {.retries = (int)num(hcheck, "Retries")};
    for (size_t i = 0; i < NELEM(durations); i++) {
        int64_t v = num(hcheck, durations[i].key);
        if (v != 0 && v < 1000000)
            return md_err(err, MD_EINVAL, "%s in Healthcheck cannot be less than 1ms",
                          durations[i].name);
        *(int64_t *)((char *)&h + durations[i].off) = v;
        if (i == 1 && h.retries < 0) /* moby checks Retries after Timeout */
            return md_err(err, MD_EINVAL, "Retries in Healthcheck cannot be negative");
    }
    h.test = json_to_strv(json_object_get(hcheck, "Test"));
    s->healthcheck = dup_mem(&h, sizeof h);
    return 0;
}

bool ctr_spec_has_probe(const struct ctr_spec *s)
{
    const struct ctr_healthcheck *h = s->healthcheck;
    return h && h->test && h->test[0] &&
           ((!strcmp(h->test[0], "CMD") && h->test[1]) ||
            (!strcmp(h->test[0], "CMD-SHELL") && h->test[1]));
}

static int parse_process(struct ctr_spec *s, json_t *cfg, json_t *hc, struct md_error *err)
{
    s->argv = plan_argv(cfg);
    if (!s->argv || !s->argv[0])
        return md_err(err, MD_EINVAL, "No command specified");
    s->env = json_to_strv(json_object_get(cfg, "Env"));
    /* "K" without '=' is docker's way to unset K (kept in Config.Env) */
    for (char **e = s->env; e && *e; e++)
        if (!**e || **e == '=')
            return md_err(err, MD_EINVAL, "invalid environment variable \"%s\"", *e);
    s->user = str_or_null(cfg, "User");
    s->workdir = str_or_null(cfg, "WorkingDir");
    if (s->workdir && s->workdir[0] != '/')
        return md_err(err, MD_EINVAL,
                      "the working directory '%s' is invalid, it needs to be an absolute path",
                      s->workdir);
    s->hostname = xstrdup(json_str(cfg, "Hostname") ?: "");
    if (strlen(s->hostname) > 64)
        return md_err(err, MD_EINVAL, "invalid hostname \"%s\": longer than 64 bytes", s->hostname);
    /* it goes into the container's /etc/hosts and /etc/hostname: a newline
     * would add lines of the caller's choosing */
    for (const char *c = s->hostname; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return md_err(err, MD_EINVAL,
                          "invalid hostname: it contains whitespace or a control character "
                          "(byte 0x%02x)",
                          (unsigned char)*c);
    s->domainname = str_or_null(cfg, "Domainname");
    /* the kernel's limit (__NEW_UTS_LEN) for both names */
    if (s->domainname && (strlen(s->domainname) > 64 || has_space(s->domainname)))
        return md_err(err, MD_EINVAL, "invalid domainname \"%s\"", s->domainname);
    s->labels = kv_strv(json_object_get(cfg, "Labels"));
    s->tty = flag(cfg, "Tty");
    s->open_stdin = flag(cfg, "OpenStdin");
    s->stdin_once = flag(cfg, "StdinOnce");
    s->attach_stdin = flag(cfg, "AttachStdin");
    s->init = flag(hc, "Init");
    s->group_add = json_to_strv(json_object_get(hc, "GroupAdd"));
    json_t *cs = json_object_get(hc, "ConsoleSize");
    if (json_array_size(cs) == 2) {
        s->console_h = (uint16_t)json_integer_value(json_array_get(cs, 0));
        s->console_w = (uint16_t)json_integer_value(json_array_get(cs, 1));
    }
    return parse_healthcheck(s, json_object_get(cfg, "Healthcheck"), err);
    return 0;
}

/* strconv.ParseBool */
static int parse_go_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < NELEM(yes); i++) {
        if (!strcmp(v, yes[i]))
            return *out = true, 0;
        if (!strcmp(v, no[i]))
            return *out = false, 0;
    }
    return -1;
}

/* One --security-opt, as moby's parseSecurityOpt reads it ("k=v", or the
 * deprecated "k:v"). minidock applies no AppArmor profile and no SELinux
 * label, so of those only the values that ask for none (what docker does on
 * a host without AppArmor or SELinux: no confinement) are taken; a request
 * for a profile or a label is refused rather than silently left out. */
static int parse_security_opt(struct ctr_spec *s, const char *opt, struct md_error *err)
{
    if (!strcmp(opt, "no-new-privileges")) {
        s->no_new_privileges = true;
        return 0;
    }
    if (!strcmp(opt, "disable")) /* label=disable, the short way */
        return 0;
    const char *sep = strchr(opt, '=');
    if (!sep)
        sep = strchr(opt, ':');
    if (!sep)
        return md_err(err, MD_EINVAL, "invalid --security-opt 1: \"%s\"", opt);
    _cleanup_free_ char *k = xstrndup(opt, (size_t)(sep - opt));
    const char *v = sep + 1;
    if (!strcmp(k, "no-new-privileges")) {
        if (parse_go_bool(v, &s->no_new_privileges) < 0)
            return md_err(err, MD_EINVAL, "invalid --security-opt 2: \"%s\"", opt);
        return 0;
    }
    if (!strcmp(k, "seccomp")) {
        seccomp_profile_free(s->seccomp_profile);
        s->seccomp_profile = NULL;
        if (!strcmp(v, "unconfined"))
            s->seccomp = SECCOMP_UNCONFINED;
        else if (!*v || !strcmp(v, "builtin"))
            s->seccomp = SECCOMP_DEFAULT;
        else if (ctr_seccomp_parse(v, &s->seccomp_profile, err) < 0)
            return -1;
        else
            s->seccomp = SECCOMP_PROFILE;
        return 0;
    }
    if (!strcmp(k, "apparmor")) {
        if (strcmp(v, "unconfined"))
            return md_err(err, MD_EINVAL,
                          "minidock does not support HostConfig.SecurityOpt=%s: no AppArmor "
                          "profile is applied (only apparmor=unconfined is accepted)",
                          opt);
        return 0;
    }
    if (!strcmp(k, "label")) {
        if (strcmp(v, "disable"))
            return md_err(err, MD_EINVAL,
                          "minidock does not support HostConfig.SecurityOpt=%s: no SELinux "
                          "label is applied (only label=disable is accepted)",
                          opt);
        return 0;
    }
    return md_err(err, MD_EINVAL, "invalid --security-opt 2: \"%s\"", opt);
}

static int parse_security(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "CapAdd"), i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid capability: not a string");
    }
    s->privileged = flag(hc, "Privileged");
    s->readonly_rootfs = flag(hc, "ReadonlyRootfs");
    s->cap_add = json_to_strv(json_object_get(hc, "CapAdd"));
    s->cap_drop = json_to_strv(json_object_get(hc, "CapDrop"));
    s->security_opt = json_to_strv(json_object_get(hc, "SecurityOpt"));
    for (char **o = s->security_opt; o && *o; o++)
        if (parse_security_opt(s, *o, err) < 0)
            return -1;
    return 0;
}

/* A user-defined network (not default, bridge, host, none, container:X:
 * docker's NetworkMode.IsUserDefined). */
static bool user_network(const char *mode)
{
    return strcmp(mode, "default") && strcmp(mode, "bridge") && strcmp(mode, "host") &&
           strcmp(mode, "none") && strncmp(mode, "container:", 10);
}

/* A strv member that is not a list of strings: docker's decoder would have
 * refused the body already; the schema check makes this unreachable. */
static int str_list(json_t *o, const char *k, char ***out, struct md_error *err)
{
    json_t *a = json_object_get(o, k);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid %s: not a list of strings", k);
    }
    *out = json_array_size(a) ? json_to_strv(a) : NULL;
    return 0;
}

/* The entries of list k, each split in two by split (netopts: docker's
 * syntax and message), appended to *out as pairs. Blank parts would break
 * the lines of /etc/hosts they end up in: "bad format for <what>". */
static int parse_pairs(json_t *hc, const char *k,
                       int (*split)(const char *, char **, char **, char **), const char *what,
                       char ***out, struct md_error *err)
{
    _cleanup_strv_ char **list = NULL;
    if (str_list(hc, k, &list, err) < 0)
        return -1;
    bool quoted = !strcmp(what, "add-host");
    for (char **e = list; e && *e; e++) {
        char *a = NULL, *b = NULL, *why = NULL;
        int r = split(*e, &a, &b, &why);
        if (r < 0)
            md_err(err, MD_EINVAL, "%s", why);
        else if (!*a || !*b || has_space(a) || has_space(b))
            r = md_err(err, MD_EINVAL,
                       quoted ? "bad format for %s: \"%s\"" : "bad format for %s: %s", what, *e);
        if (r == 0) {
            strv_push(out, a);
            strv_push(out, b);
        }
        free(a);
        free(b);
        free(why);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int parse_dns(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    if (str_list(hc, "Dns", &s->dns, err) < 0 ||
        str_list(hc, "DnsSearch", &s->dns_search, err) < 0 ||
        str_list(hc, "DnsOptions", &s->dns_options, err) < 0)
        return -1;
    for (char **d = s->dns; d && *d; d++)
        if (!netopt_ip_valid(*d))
            return md_err(err, MD_EINVAL, "IP address is not correctly formatted: %s", *d);
    for (char **d = s->dns_search; d && *d; d++)
        if (!netopt_dns_search_valid(*d))
            return md_err(err, MD_EINVAL, "%s is not a valid domain", *d);
    /* one word each: a blank would end the options line of resolv.conf */
    for (char **d = s->dns_options; d && *d; d++)
        if (!**d || has_space(*d))
            return md_err(err, MD_EINVAL, "invalid DNS option \"%s\": it must be one word", *d);
    return parse_pairs(hc, "ExtraHosts", netopt_extra_host, "add-host", &s->extra_hosts, err);
}

static int parse_links(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    if (!json_array_size(json_object_get(hc, "Links")))
        return 0;
    if (!strcmp(s->network_mode, "host"))
        return md_err(err, MD_EINVAL,
                      "conflicting options: host type networking can't be used with links. This "
                      "would result in undefined behavior");
    /* docker keeps them but makes nothing of them off the default bridge */
    if (strcmp(s->network_mode, "default") && strcmp(s->network_mode, "bridge"))
        return md_err(err, MD_EINVAL,
                      "legacy links (HostConfig.Links) need the default bridge network, not "
                      "network mode %s; on a user-defined network, peers resolve container "
                      "names and aliases",
                      s->network_mode);
    return parse_pairs(hc, "Links", netopt_link, "links", &s->links, err);
}

/* EndpointsConfig of the network the container starts on. */
static json_t *primary_endpoint(const char *mode, json_t *netcfg)
{
    json_t *eps = json_object_get(netcfg, "EndpointsConfig");
    json_t *mine = json_object_get(eps, mode);
    if (!mine && !strcmp(mode, "default"))
        mine = json_object_get(eps, "bridge");
    if (!mine && !strcmp(mode, "bridge"))
        mine = json_object_get(eps, "default");
    return mine;
}

static int parse_network(struct ctr_spec *s, json_t *cfg, json_t *hc, json_t *netcfg,
                         struct md_error *err)
{
    const char *nm = json_str(hc, "NetworkMode");
    s->network_mode = xstrdup(nm && *nm ? nm : "default");
    json_t *mine = primary_endpoint(s->network_mode, netcfg);
    if (str_list(mine, "Aliases", &s->aliases, err) < 0)
        return -1;
    for (char **a = s->aliases; a && *a; a++)
        if (!**a || has_space(*a))
            return md_err(err, MD_EINVAL, "invalid network alias \"%s\"", *a);
    s->ipv4 = str_or_null(json_object_get(mine, "IPAMConfig"), "IPv4Address");
    /* Config.MacAddress: ctr_spec_build moved the endpoint's there */
    const char *mac = json_str(cfg, "MacAddress");
    if (mac && *mac) {
        if (strcmp(s->network_mode, "default") && !user_network(s->network_mode) &&
            strcmp(s->network_mode, "bridge"))
            return md_err(err, MD_EINVAL, "conflicting options: mac-address and the network mode");
        char norm[18], *why = NULL;
        if (netopt_mac(mac, norm, &why) < 0) {
            md_err(err, MD_EINVAL, "%s", why);
            free(why);
            return -1;
        }
        s->mac = xstrdup(norm);
    }
    return parse_dns(s, hc, err) < 0 || parse_links(s, hc, err) < 0 ? -1 : 0;
}

/* Create only (records of earlier versions may hold such aliases): docker
 * refuses aliases where there is no name resolution. */
static int check_aliases(json_t *hc, json_t *netcfg, struct md_error *err)
{
    const char *nm = json_str(hc, "NetworkMode");
    const char *mode = nm && *nm ? nm : "default";
    if (user_network(mode) ||
        !json_array_size(json_object_get(primary_endpoint(mode, netcfg), "Aliases")))
        return 0;
    return md_err(err, MD_EINVAL,
                  "network-scoped alias is supported only for containers in user defined networks");
}

/* API 1.44 moved the MAC address to EndpointsConfig; docker 28 still takes
 * Config.MacAddress, and inspect shows the endpoint's there. One place in
 * the record: Config.MacAddress. */
static int merge_mac(json_t *cfg, json_t *hc, json_t *netcfg, struct md_error *err)
{
    const char *nm = json_str(hc, "NetworkMode");
    json_t *mine = primary_endpoint(nm && *nm ? nm : "default", netcfg);
    const char *ep = json_str(mine, "MacAddress");
    const char *top = json_str(cfg, "MacAddress");
    if (!ep || !*ep)
        return 0;
    if (top && *top && strcmp(top, ep))
        return md_err(err, MD_EINVAL,
                      "the container-wide MAC address must match the endpoint-specific MAC "
                      "address for the main network, or be left empty");
    json_object_set_new(cfg, "MacAddress", json_string(ep));
    return 0;
}

/* ---- namespaces and kernel settings ---- */

#define DEFAULT_SHM_SIZE (64LL * 1024 * 1024) /* docker's */

int ctr_spec_ns_parse(const char *which, const char *v, struct ctr_ns *out, struct md_error *err)
{
    *out = (struct ctr_ns){CTR_NS_PRIVATE, NULL};
    bool ipc = !strcmp(which, "IPC");
    if (!v || !*v)
        return 0;
    if (!strcmp(v, "host")) {
        out->mode = CTR_NS_HOST;
        return 0;
    }
    if (ipc && !strcmp(v, "private"))
        return 0;
    if (ipc && !strcmp(v, "shareable")) {
        out->mode = CTR_NS_SHAREABLE;
        return 0;
    }
    if (ipc && !strcmp(v, "none")) {
        out->mode = CTR_NS_NONE;
        return 0;
    }
    /* docker has no UTSMode "container:" (UTSMode.Valid: "" or "host") */
    if (strcmp(which, "UTS") && !strncmp(v, "container:", 10) && v[10]) {
        out->mode = CTR_NS_CONTAINER;
        out->container = xstrdup(v + 10);
        return 0;
    }
    return md_err(err, MD_EINVAL, "invalid %s mode: %s", which, v);
}

int ctr_spec_sysctl_check(const char *k, bool host_net, bool host_ipc, struct md_error *err)
{
    /* the key becomes a path under /proc/sys ('.' -> '/'): nothing else
     * than names and single dots, so it cannot climb out */
    bool name_ok = *k &&
                   strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") ==
                       strlen(k) &&
                   !strstr(k, "..") && k[strlen(k) - 1] != '.';
    if (name_ok && kopt_sysctl_ns(k) == KOPT_SYSCTL_NET) {
        if (host_net)
            return md_err(err, MD_EINVAL, "sysctl '%s' is not allowed in host network namespace",
                          k);
        return 0;
    }
    if (name_ok && kopt_sysctl_ns(k) == KOPT_SYSCTL_IPC) {
        if (host_ipc)
            return md_err(err, MD_EINVAL, "sysctl '%s' is not allowed in host IPC namespace", k);
        return 0;
    }
    return md_err(err, MD_EINVAL, "sysctl '%s' is not whitelisted", k);
}

static int parse_devices(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Devices"), i, v)
    {
        const char *host = json_str(v, "PathOnHost");
        const char *path = json_str(v, "PathInContainer");
        const char *perms = json_str(v, "CgroupPermissions");
        if (!path || !*path)
            path = host;
        if (!perms || !*perms)
            perms = "rwm";
        if (!host || host[0] != '/')
            return md_err(err, MD_EINVAL, "invalid device path on host: \"%s\"", host ? host : "");
        if (path[0] != '/')
            return md_err(err, MD_EINVAL, "%s is not an absolute path", path);
        if (!kopt_device_mode_valid(perms))
            return md_err(err, MD_EINVAL, "invalid device mode: %s", perms);
        s->devices = xrealloc(s->devices, (s->ndevices + 1) * sizeof *s->devices);
        s->devices[s->ndevices++] = (struct ctr_device){
            .host = xstrdup(host), .path = xstrdup(path), .perms = xstrdup(perms)};
    }
    json_array_foreach(json_object_get(hc, "DeviceCgroupRules"), i, v)
    {
        const char *r = json_string_value(v);
        if (!r || !kopt_cgroup_rule_valid(r))
            return md_err(err, MD_EINVAL, "invalid device cgroup rule format: '%s'", r ? r : "");
        strv_push(&s->device_cgroup_rules, r);
    }
    return 0;
}

static int parse_namespaces(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    if (ctr_spec_ns_parse("PID", json_str(hc, "PidMode"), &s->pid_ns, err) < 0 ||
        ctr_spec_ns_parse("IPC", json_str(hc, "IpcMode"), &s->ipc_ns, err) < 0 ||
        ctr_spec_ns_parse("UTS", json_str(hc, "UTSMode"), &s->uts_ns, err) < 0)
        return -1;
    if (!strncmp(s->network_mode, "container:", 10)) {
        if (!s->network_mode[10])
            return md_err(err, MD_EINVAL,
                          "Invalid network mode: invalid container format container:<name|id>");
        s->net_ns = (struct ctr_ns){CTR_NS_CONTAINER, xstrdup(s->network_mode + 10)};
    }
    s->shm_size = num(hc, "ShmSize");
    if (s->shm_size < 0)
        return md_err(err, MD_EINVAL, "SHM size can not be less than 0");
    if (!s->shm_size)
        s->shm_size = DEFAULT_SHM_SIZE;
    json_t *oom = json_object_get(hc, "OomScoreAdj");
    int64_t adj = json_integer_value(oom);
    if (adj < -1000 || adj > 1000)
        return md_err(err, MD_EINVAL,
                      "Invalid value %lld, range for oom score adj is [-1000, 1000]",
                      (long long)adj);
    s->oom_score_adj = (int)adj;
    bool host_net = !strcmp(s->network_mode, "host");
    bool host_ipc = s->ipc_ns.mode == CTR_NS_HOST;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(hc, "Sysctls"), k, v)
    {
        if (ctr_spec_sysctl_check(k, host_net, host_ipc, err) < 0)
            return -1;
    }
    s->sysctls = kv_strv(json_object_get(hc, "Sysctls"));
    return parse_devices(s, hc, err);
}

/* moby's validateNetContainerMode and the UTS check beside it, on the
 * request as sent (before the image's Config and our defaults are merged
 * in: an image's EXPOSE does not conflict). */
static int check_ns_conflicts(json_t *cfg, json_t *hc, struct md_error *err)
{
    const char *nm = json_str(hc, "NetworkMode");
    const char *host = json_str(cfg, "Hostname");
    bool has_host = host && *host;
    const char *uts = json_str(hc, "UTSMode");
    if (uts && !strcmp(uts, "host") && has_host)
        return md_err(err, MD_EINVAL, "conflicting options: hostname and the UTS mode");
    if (!nm || strncmp(nm, "container:", 10))
        return 0;
    if (!nm[10])
        return md_err(err, MD_EINVAL,
                      "Invalid network mode: invalid container format container:<name|id>");
    if (has_host)
        return md_err(err, MD_EINVAL, "conflicting options: hostname and the network mode");
    if (json_array_size(json_object_get(hc, "Links")))
        return md_err(err, MD_EINVAL,
                      "conflicting options: container type network can't be used with links. "
                      "This would result in undefined behavior");
    if (json_array_size(json_object_get(hc, "Dns")))
        return md_err(err, MD_EINVAL, "conflicting options: dns and the network mode");
    if (json_array_size(json_object_get(hc, "ExtraHosts")))
        return md_err(err, MD_EINVAL,
                      "conflicting options: custom host-to-IP mapping and the network mode");
    const char *mac = json_str(cfg, "MacAddress");
    if (mac && *mac)
        return md_err(err, MD_EINVAL, "conflicting options: mac-address and the network mode");
    if (json_object_size(json_object_get(hc, "PortBindings")) || flag(hc, "PublishAllPorts"))
        return md_err(err, MD_EINVAL,
                      "conflicting options: port publishing and the container type network mode");
    if (json_object_size(json_object_get(cfg, "ExposedPorts")))
        return md_err(err, MD_EINVAL,
                      "conflicting options: port exposing and the container type network mode");
    return 0;
}

int ctr_spec_parse(json_t *cfg, json_t *hc, json_t *netcfg, struct ctr_spec **out,
                   struct md_error *err)
{
    struct ctr_spec *s = xcalloc(1, sizeof *s);
    if (parse_process(s, cfg, hc, err) < 0 || parse_stop(s, cfg, err) < 0 ||
        parse_restart(s, hc, err) < 0 || parse_log(s, hc, err) < 0 ||
        ctr_spec_parse_mounts(s, cfg, hc, err) < 0 || parse_security(s, hc, err) < 0 ||
        parse_ulimits(s, hc, err) < 0 || parse_ports(s, cfg, hc, err) < 0 ||
        parse_network(s, cfg, hc, netcfg, err) < 0) {
        ctr_spec_free(s);
        return -1;
    }
    parse_resources(s, hc);
    if (parse_namespaces(s, hc, err) < 0) {
        ctr_spec_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int ctr_spec_build(json_t *config, json_t *host_config, json_t *netcfg, json_t *image_config,
                   const char *id, struct ctr_spec **out, struct md_error *err)
{
    if (check_ns_conflicts(config, host_config, err) < 0 ||
        plan_merge_image(config, image_config, id, err) < 0 ||
        plan_check_host_config(host_config, config, err) < 0 ||
        merge_mac(config, host_config, netcfg, err) < 0 ||
        check_aliases(host_config, netcfg, err) < 0)
        return -1;
    if (ctr_spec_parse(config, host_config, netcfg, out, err) < 0)
        return -1;
    if (ctr_spec_check_sources(*out, err) < 0 || check_ids(*out, err) < 0 ||
        check_create_limits(*out, err) < 0) {
        ctr_spec_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}
