/* Config + HostConfig + NetworkingConfig -> struct ctr_spec, with docker's
 * checks and messages. The only place that reads a create request's fields;
 * everything after works on the typed spec. */
#include "daemon/state/ctr_spec.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "common/signals.h"
#include "common/volspec.h"
#include "daemon/state/plan.h"

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
                                    STR(cpuset_cpus),
                                    STR(cpuset_mems),
                                    STR(log_type),
                                    STR(pid_ns.container),
                                    STR(ipc_ns.container),
                                    STR(uts_ns.container),
                                    STR(net_ns.container)};
static const size_t strv_fields[] = {STR(argv),
                                     STR(env),
                                     STR(labels),
                                     STR(group_add),
                                     STR(aliases),
                                     STR(cap_add),
                                     STR(cap_drop),
                                     STR(security_opt),
                                     STR(log_config),
                                     STR(sysctls),
                                     STR(device_cgroup_rules)};
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

static void mount_free(struct ctr_mount *m)
{
    free(m->source);
    free(m->target);
    free(m->mode);
    free(m->propagation);
    free(m->options);
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
        mount_free(&s->mounts[i]);
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
    for (size_t i = 0; i < NELEM(strv_fields); i++)
        *strv_at(c, strv_fields[i]) = strv_dup(*strv_at((struct ctr_spec *)s, strv_fields[i]));
    c->mounts = dup_mem(s->mounts, s->nmounts * sizeof *s->mounts);
    for (size_t i = 0; i < s->nmounts; i++) {
        struct ctr_mount *m = &c->mounts[i];
        m->source = dup_opt(m->source);
        m->target = dup_opt(m->target);
        m->mode = dup_opt(m->mode);
        m->propagation = dup_opt(m->propagation);
        m->options = dup_opt(m->options);
    }
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

/* ---- mounts ---- */

static int parse_binds(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Binds"), i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid bind: not a string");
        struct vol_spec vs = {0};
        if (volspec_parse(json_string_value(v), &vs, err) < 0)
            return -1;
        if (vs.type != VOL_BIND) {
            volspec_free(&vs); /* a volume: the record's mount points (ctr_volumes) */
            continue;
        }
        s->mounts = xrealloc(s->mounts, (s->nmounts + 1) * sizeof *s->mounts);
        s->mounts[s->nmounts++] = (struct ctr_mount){
            .type = CTR_MOUNT_BIND,
            .source = steal_ptr(&vs.source),
            .target = steal_ptr(&vs.dest),
            .readonly = vs.readonly,
            .mode = xstrdup(vs.mode ? vs.mode : ""),
            .propagation = xstrdup("rprivate"),
        };
        volspec_free(&vs);
    }
    return 0;
}

/* ---- resources ---- */

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

static int parse_restart(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    json_t *rp = json_object_get(hc, "RestartPolicy");
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
    s->autoremove = flag(hc, "AutoRemove");
    if (which != CTR_RESTART_NO && s->autoremove)
        return md_err(err, MD_EINVAL, "can't create 'AutoRemove' container with restart policy");
    s->restart = (enum ctr_restart)which;
    s->restart_max = max;
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
    return 0;
}

/* ---- process ---- */

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
    s->domainname = str_or_null(cfg, "Domainname");
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
    json_t *hcheck = json_object_get(cfg, "Healthcheck");
    if (json_is_object(hcheck)) {
        s->healthcheck = xcalloc(1, sizeof *s->healthcheck);
        *s->healthcheck = (struct ctr_healthcheck){
            .test = json_to_strv(json_object_get(hcheck, "Test")),
            .interval = num(hcheck, "Interval"),
            .timeout = num(hcheck, "Timeout"),
            .start_period = num(hcheck, "StartPeriod"),
            .start_interval = num(hcheck, "StartInterval"),
            .retries = (int)num(hcheck, "Retries"),
        };
    }
    return 0;
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
        if (!strcmp(*o, "no-new-privileges") || !strcmp(*o, "no-new-privileges:true") ||
            !strcmp(*o, "no-new-privileges=true"))
            s->no_new_privileges = true;
    return 0;
}

static void parse_network(struct ctr_spec *s, json_t *hc, json_t *netcfg)
{
    const char *nm = json_str(hc, "NetworkMode");
    s->network_mode = xstrdup(nm && *nm ? nm : "default");
    json_t *eps = json_object_get(netcfg, "EndpointsConfig");
    json_t *mine = json_object_get(eps, s->network_mode);
    if (!mine && !strcmp(s->network_mode, "default"))
        mine = json_object_get(eps, "bridge");
    s->aliases = json_to_strv(json_object_get(mine, "Aliases"));
    s->ipv4 = str_or_null(json_object_get(mine, "IPAMConfig"), "IPv4Address");
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
        parse_restart(s, hc, err) < 0 || parse_log(s, hc, err) < 0 || parse_binds(s, hc, err) < 0 ||
        parse_security(s, hc, err) < 0 || parse_ulimits(s, hc, err) < 0 ||
        parse_ports(s, cfg, hc, err) < 0) {
        ctr_spec_free(s);
        return -1;
    }
    parse_resources(s, hc);
    parse_network(s, hc, netcfg);
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
        plan_check_host_config(host_config, config, err) < 0)
        return -1;
    return ctr_spec_parse(config, host_config, netcfg, out, err);
}
