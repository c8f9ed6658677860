/* Serialisation of the daemon -> shim container spec, and plan helpers
 * (copy, free, validate). */
#include "daemon/runtime/spec.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ---- plan helpers ---- */

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void plan_copy(struct rt_plan *d, const struct rt_plan *s)
{
    memset(d, 0, sizeof *d);
    memcpy(d->id, s->id, sizeof d->id);
    d->id[64] = 0;
    d->layers = s->layers ? strv_dup(s->layers) : NULL;
    d->rootfs_dir = dup_or_null(s->rootfs_dir);
    d->argv = s->argv ? strv_dup(s->argv) : NULL;
    d->env = s->env ? strv_dup(s->env) : NULL;
    d->cwd = dup_or_null(s->cwd);
    d->user = dup_or_null(s->user);
    d->group_add = s->group_add ? strv_dup(s->group_add) : NULL;
    d->hostname = dup_or_null(s->hostname);
    d->domainname = dup_or_null(s->domainname);
    d->etc_dir = dup_or_null(s->etc_dir);
    if (s->nmounts) {
        d->mounts = xcalloc(s->nmounts, sizeof *d->mounts);
        for (size_t i = 0; i < s->nmounts; i++) {
            d->mounts[i] = s->mounts[i];
            d->mounts[i].source = dup_or_null(s->mounts[i].source);
            d->mounts[i].dest = xstrdup(s->mounts[i].dest);
            d->mounts[i].data = dup_or_null(s->mounts[i].data);
        }
    }
    d->nmounts = s->nmounts;
    if (s->nulimits) {
        d->ulimits = xcalloc(s->nulimits, sizeof *d->ulimits);
        memcpy(d->ulimits, s->ulimits, s->nulimits * sizeof *d->ulimits);
    }
    d->nulimits = s->nulimits;
    d->tty = s->tty;
    d->open_stdin = s->open_stdin;
    d->stdin_once = s->stdin_once;
    d->init = s->init;
    d->read_only_rootfs = s->read_only_rootfs;
    d->rootfs_volatile = s->rootfs_volatile;
    d->privileged = s->privileged;
    d->no_new_privs = s->no_new_privs;
    d->seccomp = s->seccomp;
    d->cap_add = s->cap_add ? strv_dup(s->cap_add) : NULL;
    d->cap_drop = s->cap_drop ? strv_dup(s->cap_drop) : NULL;
    d->console_h = s->console_h;
    d->console_w = s->console_w;
    d->limits = s->limits;
    d->netns_path = dup_or_null(s->netns_path);
    d->pidns_path = dup_or_null(s->pidns_path);
    d->ipcns_path = dup_or_null(s->ipcns_path);
    d->utsns_path = dup_or_null(s->utsns_path);
    d->shm_from = dup_or_null(s->shm_from);
    d->shm_size = s->shm_size;
    d->sysctls = s->sysctls ? strv_dup(s->sysctls) : NULL;
    if (s->ndevices) {
        d->devices = xcalloc(s->ndevices, sizeof *d->devices);
        for (size_t i = 0; i < s->ndevices; i++)
            d->devices[i] =
                (struct rt_device){xstrdup(s->devices[i].source), xstrdup(s->devices[i].dest),
                                   xstrdup(s->devices[i].perms)};
    }
    d->ndevices = s->ndevices;
    d->device_rules = s->device_rules ? strv_dup(s->device_rules) : NULL;
    d->oom_score_adj = s->oom_score_adj;
    d->limits.device_rules = NULL;
    d->exec_dir = dup_or_null(s->exec_dir);
    d->log_path = dup_or_null(s->log_path);
    d->log_max_size = s->log_max_size;
    d->log_max_file = s->log_max_file;
    d->log_compress = s->log_compress;
    d->log_attrs = dup_or_null(s->log_attrs);
    d->cgroup_parent = dup_or_null(s->cgroup_parent);
    d->stop_signal = s->stop_signal;
}

void plan_clear(struct rt_plan *p)
{
    if (!p)
        return;
    strv_free(p->layers);
    free(p->rootfs_dir);
    strv_free(p->argv);
    strv_free(p->env);
    free(p->cwd);
    free(p->user);
    strv_free(p->group_add);
    free(p->hostname);
    free(p->domainname);
    free(p->etc_dir);
    for (size_t i = 0; i < p->nmounts; i++) {
        free(p->mounts[i].source);
        free(p->mounts[i].dest);
        free(p->mounts[i].data);
    }
    free(p->mounts);
    free(p->ulimits);
    strv_free(p->cap_add);
    strv_free(p->cap_drop);
    seccomp_profile_free(p->seccomp_profile);
    free(p->netns_path);
    free(p->pidns_path);
    free(p->ipcns_path);
    free(p->utsns_path);
    free(p->shm_from);
    strv_free(p->sysctls);
    for (size_t i = 0; i < p->ndevices; i++) {
        free(p->devices[i].source);
        free(p->devices[i].dest);
        free(p->devices[i].perms);
    }
    free(p->devices);
    strv_free(p->device_rules);
    free(p->exec_dir);
    free(p->log_path);
    free(p->log_attrs);
    free(p->cgroup_parent);
    memset(p, 0, sizeof *p);
}

void rt_plan_free(struct rt_plan *p)
{
    plan_clear(p);
    free(p);
}

static bool is_abs(const char *s)
{
    return s && s[0] == '/';
}

/* A path component list with no "..": plan paths are used to build host
 * paths (cgroup dirs) or resolved inside the rootfs; ".." has no business
 * in either. */
static bool has_dotdot(const char *s)
{
    for (const char *p = s; (p = strstr(p, "..")); p += 2)
        if ((p == s || p[-1] == '/') && (p[2] == 0 || p[2] == '/'))
            return true;
    return false;
}

int rt_limits_validate(const struct rt_limits *l, struct md_error *err)
{
    if (l->memory < 0)
        return md_err(err, MD_EINVAL, "invalid memory limit %" PRId64, l->memory);
    if (l->memory > 0 && l->memory < 6 * 1024 * 1024)
        return md_err(err, MD_EINVAL, "Minimum memory limit allowed is 6MB");
    if (l->memory_swap < -1)
        return md_err(err, MD_EINVAL, "invalid memory swap limit %" PRId64, l->memory_swap);
    if (l->memory_swap > 0 && l->memory_swap < l->memory)
        return md_err(err, MD_EINVAL,
                      "Minimum memoryswap limit should be larger than memory limit, see usage");
    if (l->memory_swap > 0 && l->memory == 0)
        return md_err(err, MD_EINVAL,
                      "You should always set the Memory limit when using Memoryswap limit, see "
                      "usage");
    if (l->nano_cpus < 0 || (l->nano_cpus > 0 && l->nano_cpus < 1000000))
        return md_err(err, MD_EINVAL, "Range of CPUs is from 0.01 to the number of CPUs");
    if (l->cpu_shares < 0)
        return md_err(err, MD_EINVAL, "invalid CPU shares %" PRId64, l->cpu_shares);
    if (l->pids_limit < -1)
        return md_err(err, MD_EINVAL, "invalid pids limit %" PRId64, l->pids_limit);
    return 0;
}

int rt_plan_validate(const struct rt_plan *p, struct md_error *err)
{
    if (!p)
        return md_err(err, MD_EINVAL, "no container plan");
    size_t idlen = strnlen(p->id, sizeof p->id);
    if (idlen != 64 || strspn(p->id, "0123456789abcdef") != 64)
        return md_err(err, MD_EINVAL, "invalid container id \"%.65s\"", p->id);
    if (!p->layers || !p->layers[0])
        return md_err(err, MD_EINVAL, "no image layers");
    for (char **l = p->layers; *l; l++) {
        if (!is_abs(*l))
            return md_err(err, MD_EINVAL, "layer dir \"%s\" is not absolute", *l);
        /* overlay splits lowerdir on ':' and ',' (escapable, but layer dirs never need it) */
        if (strpbrk(*l, ":,\\"))
            return md_err(err, MD_EINVAL, "layer dir \"%s\" contains ':', ',' or '\\'", *l);
    }
    if (!is_abs(p->rootfs_dir) || strpbrk(p->rootfs_dir, ":,\\"))
        return md_err(err, MD_EINVAL, "rootfs dir \"%s\" is not a plain absolute path",
                      p->rootfs_dir ? p->rootfs_dir : "");
    if (!p->argv || !p->argv[0] || !p->argv[0][0])
        return md_err(err, MD_EINVAL, "no command specified");
    /* "K" without '=' is docker's way to unset K (kept in Config.Env) */
    for (char **e = p->env; e && *e; e++)
        if (!**e || **e == '=')
            return md_err(err, MD_EINVAL, "invalid environment variable \"%s\"", *e);
    if (p->cwd && p->cwd[0] && !is_abs(p->cwd))
        return md_err(err, MD_EINVAL,
                      "the working directory '%s' is invalid, it needs to be an absolute path",
                      p->cwd);
    if (p->hostname && strlen(p->hostname) > 64)
        return md_err(err, MD_EINVAL, "invalid hostname \"%s\": longer than 64 bytes", p->hostname);
    if (p->domainname && strlen(p->domainname) > 64)
        return md_err(err, MD_EINVAL, "invalid domainname \"%s\": longer than 64 bytes",
                      p->domainname);
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct rt_mount *b = &p->mounts[i];
        if (b->kind != RT_MOUNT_BIND && b->kind != RT_MOUNT_TMPFS)
            return md_err(err, MD_EINVAL, "invalid mount kind %d", (int)b->kind);
        if (b->kind == RT_MOUNT_BIND && !is_abs(b->source))
            return md_err(err, MD_EINVAL, "invalid mount config: source \"%s\" is not absolute",
                          b->source ? b->source : "");
        if (!is_abs(b->dest))
            return md_err(err, MD_EINVAL,
                          "invalid mount config: destination \"%s\" is not absolute",
                          b->dest ? b->dest : "");
        if (!strcmp(b->dest, "/"))
            return md_err(err, MD_EINVAL, "invalid mount config: destination can't be '/'");
    }
    for (size_t i = 0; i < p->nulimits; i++) {
        const struct rt_ulimit *u = &p->ulimits[i];
        if (u->resource < 0 || u->resource >= RLIMIT_NLIMITS)
            return md_err(err, MD_EINVAL, "invalid ulimit resource %d", u->resource);
        if (u->soft > u->hard)
            return md_err(err, MD_EINVAL, "ulimit soft limit must be less than hard limit");
    }
    if (rt_limits_validate(&p->limits, err) < 0)
        return -1;
    if (p->netns_path && strcmp(p->netns_path, "host") && !is_abs(p->netns_path))
        return md_err(err, MD_EINVAL, "network namespace \"%s\" is not an absolute path",
                      p->netns_path);
    const char *const ns[] = {p->pidns_path, p->ipcns_path, p->utsns_path, p->shm_from};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        if (ns[i] && strcmp(ns[i], "host") && strcmp(ns[i], "none") && !is_abs(ns[i]))
            return md_err(err, MD_EINVAL, "namespace \"%s\" is not an absolute path", ns[i]);
    if (p->utsns_path && strcmp(p->utsns_path, "host"))
        return md_err(err, MD_EINVAL, "a UTS namespace is new or the host's");
    if (p->shm_size < 0)
        return md_err(err, MD_EINVAL, "SHM size can not be less than 0");
    for (char **k = p->sysctls; k && k[0]; k += 2)
        if (!k[1] || strchr(k[0], '/') || strstr(k[0], ".."))
            return md_err(err, MD_EINVAL, "invalid sysctl \"%s\"", k[0]);
    for (size_t i = 0; i < p->ndevices; i++) {
        const struct rt_device *d = &p->devices[i];
        if (!is_abs(d->source) || !is_abs(d->dest) || has_dotdot(d->dest) || !d->perms ||
            strspn(d->perms, "rwm") != strlen(d->perms))
            return md_err(err, MD_EINVAL, "invalid device \"%s\"", d->source ? d->source : "");
    }
    if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
        return md_err(err, MD_EINVAL, "Invalid value %d, range for oom score adj is [-1000, 1000]",
                      p->oom_score_adj);
    if (!is_abs(p->exec_dir))
        return md_err(err, MD_EINVAL, "exec dir is not an absolute path");
    if (p->log_path && p->log_path[0] && !is_abs(p->log_path))
        return md_err(err, MD_EINVAL, "log path is not absolute");
    if (p->cgroup_parent && (has_dotdot(p->cgroup_parent) || strchr(p->cgroup_parent, '\n')))
        return md_err(err, MD_EINVAL, "invalid cgroup parent \"%s\"", p->cgroup_parent);
    if (p->stop_signal < 0 || p->stop_signal > 64)
        return md_err(err, MD_EINVAL, "invalid stop signal %d", p->stop_signal);
    return 0;
}

/* ---- spec format ---- */

struct sbuf {
    char *s;
    size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* key, then each value escaped, space separated */
static void put(struct sbuf *b, const char *key, int nvals, ...)
{
    va_list ap;
    va_start(ap, nvals);
    sb_add(b, key);
    for (int i = 0; i < nvals; i++) {
        const char *v = va_arg(ap, const char *);
        _cleanup_free_ char *e = util_escape(v);
        sb_add(b, " ");
        sb_add(b, e);
    }
    va_end(ap);
    sb_add(b, "\n");
}

static void put_str(struct sbuf *b, const char *key, const char *v)
{
    if (v)
        put(b, key, 1, v);
}

static void put_strv(struct sbuf *b, const char *key, char *const *v)
{
    for (; v && *v; v++)
        put(b, key, 1, *v);
}

static void put_i64(struct sbuf *b, const char *key, int64_t v)
{
    char n[32];
    snprintf(n, sizeof n, "%" PRId64, v);
    put(b, key, 1, n);
}

char *spec_format(const struct rt_spec *s)
{
    const struct rt_plan *p = &s->plan;
    struct sbuf b = {0};
    sb_add(&b, "minidock-spec 1\n");
    put(&b, "id", 1, p->id);
    put_strv(&b, "layer", p->layers);
    put_str(&b, "rootfs_dir", p->rootfs_dir);
    put_strv(&b, "arg", p->argv);
    put_strv(&b, "env", p->env);
    put_str(&b, "cwd", p->cwd);
    put_str(&b, "user", p->user);
    put_strv(&b, "group_add", p->group_add);
    put_str(&b, "hostname", p->hostname);
    put_str(&b, "domainname", p->domainname);
    put_str(&b, "etc_dir", p->etc_dir);
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct rt_mount *m = &p->mounts[i];
        char kind[16], ro_mode[16], must[4], nonrec[4], prop[32], flags[32];
        snprintf(kind, sizeof kind, "%d", (int)m->kind);
        snprintf(ro_mode, sizeof ro_mode, "%d", (int)m->ro_mode);
        snprintf(must, sizeof must, "%d", m->must_exist);
        snprintf(nonrec, sizeof nonrec, "%d", m->nonrecursive);
        snprintf(prop, sizeof prop, "%lu", m->propagation);
        snprintf(flags, sizeof flags, "%lu", m->flags);
        put(&b, "mount", 10, kind, m->source ? m->source : "", m->dest, m->readonly ? "ro" : "rw",
            ro_mode, must, nonrec, prop, flags, m->data ? m->data : "");
    }
    for (size_t i = 0; i < p->nulimits; i++) {
        char r[16], so[32], h[32];
        snprintf(r, sizeof r, "%d", p->ulimits[i].resource);
        snprintf(so, sizeof so, "%" PRIu64, p->ulimits[i].soft);
        snprintf(h, sizeof h, "%" PRIu64, p->ulimits[i].hard);
        put(&b, "ulimit", 3, r, so, h);
    }
    put_i64(&b, "tty", p->tty);
    put_i64(&b, "open_stdin", p->open_stdin);
    put_i64(&b, "stdin_once", p->stdin_once);
    put_i64(&b, "init", p->init);
    put_i64(&b, "read_only_rootfs", p->read_only_rootfs);
    put_i64(&b, "rootfs_volatile", p->rootfs_volatile);
    put_i64(&b, "privileged", p->privileged);
    put_i64(&b, "no_new_privs", p->no_new_privs);
    put_i64(&b, "seccomp", p->seccomp);
    put_strv(&b, "cap_add", p->cap_add);
    put_strv(&b, "cap_drop", p->cap_drop);
    put_i64(&b, "console_h", p->console_h);
    put_i64(&b, "console_w", p->console_w);
    put_i64(&b, "memory", p->limits.memory);
    put_i64(&b, "memory_swap", p->limits.memory_swap);
    put_i64(&b, "nano_cpus", p->limits.nano_cpus);
    put_i64(&b, "cpu_shares", p->limits.cpu_shares);
    put_i64(&b, "pids_limit", p->limits.pids_limit);
    put_str(&b, "netns_path", p->netns_path);
    put_str(&b, "pidns_path", p->pidns_path);
    put_str(&b, "ipcns_path", p->ipcns_path);
    put_str(&b, "utsns_path", p->utsns_path);
    put_str(&b, "shm_from", p->shm_from);
    put_i64(&b, "shm_size", p->shm_size);
    for (char **k = p->sysctls; k && k[0] && k[1]; k += 2)
        put(&b, "sysctl", 2, k[0], k[1]);
    for (size_t i = 0; i < p->ndevices; i++)
        put(&b, "device", 3, p->devices[i].source, p->devices[i].dest, p->devices[i].perms);
    put_strv(&b, "device_rule", p->device_rules);
    put_i64(&b, "oom_score_adj", p->oom_score_adj);
    put_str(&b, "exec_dir", p->exec_dir);
    put_str(&b, "log_path", p->log_path);
    put_i64(&b, "log_max_size", p->log_max_size);
    put_i64(&b, "log_max_file", p->log_max_file);
    put_i64(&b, "log_compress", p->log_compress);
    put_str(&b, "log_attrs", p->log_attrs);
    put_str(&b, "cgroup_parent", p->cgroup_parent);
    put_i64(&b, "stop_signal", p->stop_signal);
    put_strv(&b, "cgroup_dir", s->cgroup_dirs);
    put_str(&b, "oom_file", s->oom_file);
    put_str(&b, "seccomp_bpf", s->seccomp_bpf);
    put_i64(&b, "cgroup2_ns", s->cgroup2_ns);
    put_strv(&b, "cgroup_v1", s->cgroup_v1);
    sb_add(&b, "end\n");
    return b.s;
}

static int parse_i64(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = n;
    return 0;
}

static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-')
        return -1;
    *out = n;
    return 0;
}

/* Fields of one line, unescaped. */
static char **split_fields(const char *line)
{
    char **v = NULL;
    const char *p = line;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        _cleanup_free_ char *raw = xstrndup(p, n);
        char *u = util_unescape(raw);
        if (!u) {
            strv_free(v);
            return NULL;
        }
        strv_push(&v, u);
        free(u);
        p += n;
        if (*p == ' ')
            p++;
    }
    return v;
}

static int set_str(char **dst, char **f, size_t n)
{
    if (n != 2)
        return -1;
    free(*dst);
    *dst = xstrdup(f[1]);
    return 0;
}

int spec_parse(const char *text, struct rt_spec *s, struct md_error *err)
{
    memset(s, 0, sizeof *s);
    struct rt_plan *p = &s->plan;
    bool ended = false;
    int lineno = 0;
    const char *line = text;
    while (*line) {
        lineno++;
        const char *nl = strchr(line, '\n');
        if (!nl) {
            spec_free(s);
            return md_err(err, MD_EINVAL, "spec line %d: no newline", lineno);
        }
        _cleanup_free_ char *l = xstrndup(line, nl - line);
        line = nl + 1;
        _cleanup_strv_ char **f = split_fields(l);
        size_t n = strv_len(f);
        if (!f || n == 0) {
            spec_free(s);
            return md_err(err, MD_EINVAL, "spec line %d: malformed", lineno);
        }
        const char *k = f[0];
        int64_t iv = 0;
        int r = 0;
        if (lineno == 1) {
            r = (strcmp(k, "minidock-spec") || n != 2 || strcmp(f[1], "1")) ? -1 : 0;
        } else if (!strcmp(k, "end")) {
            ended = true;
            break;
        } else if (!strcmp(k, "id")) {
            r = n == 2 && strlen(f[1]) < sizeof p->id ? 0 : -1;
            if (!r)
                strcpy(p->id, f[1]);
        } else if (!strcmp(k, "layer") && n == 2) {
            strv_push(&p->layers, f[1]);
        } else if (!strcmp(k, "arg") && n == 2) {
            strv_push(&p->argv, f[1]);
        } else if (!strcmp(k, "env") && n == 2) {
            strv_push(&p->env, f[1]);
        } else if (!strcmp(k, "group_add") && n == 2) {
            strv_push(&p->group_add, f[1]);
        } else if (!strcmp(k, "cap_add") && n == 2) {
            strv_push(&p->cap_add, f[1]);
        } else if (!strcmp(k, "cap_drop") && n == 2) {
            strv_push(&p->cap_drop, f[1]);
        } else if (!strcmp(k, "cgroup_v1") && n == 2) {
            strv_push(&s->cgroup_v1, f[1]);
        } else if (!strcmp(k, "cgroup_dir") && n == 2) {
            strv_push(&s->cgroup_dirs, f[1]);
        } else if (!strcmp(k, "rootfs_dir")) {
            r = set_str(&p->rootfs_dir, f, n);
        } else if (!strcmp(k, "cwd")) {
            r = set_str(&p->cwd, f, n);
        } else if (!strcmp(k, "user")) {
            r = set_str(&p->user, f, n);
        } else if (!strcmp(k, "hostname")) {
            r = set_str(&p->hostname, f, n);
        } else if (!strcmp(k, "domainname")) {
            r = set_str(&p->domainname, f, n);
        } else if (!strcmp(k, "etc_dir")) {
            r = set_str(&p->etc_dir, f, n);
        } else if (!strcmp(k, "netns_path")) {
            r = set_str(&p->netns_path, f, n);
        } else if (!strcmp(k, "pidns_path")) {
            r = set_str(&p->pidns_path, f, n);
        } else if (!strcmp(k, "ipcns_path")) {
            r = set_str(&p->ipcns_path, f, n);
        } else if (!strcmp(k, "utsns_path")) {
            r = set_str(&p->utsns_path, f, n);
        } else if (!strcmp(k, "shm_from")) {
            r = set_str(&p->shm_from, f, n);
        } else if (!strcmp(k, "sysctl") && n == 3) {
            strv_push(&p->sysctls, f[1]);
            strv_push(&p->sysctls, f[2]);
        } else if (!strcmp(k, "device_rule") && n == 2) {
            strv_push(&p->device_rules, f[1]);
        } else if (!strcmp(k, "device") && n == 4) {
            p->devices = xrealloc(p->devices, (p->ndevices + 1) * sizeof *p->devices);
            p->devices[p->ndevices++] =
                (struct rt_device){xstrdup(f[1]), xstrdup(f[2]), xstrdup(f[3])};
        } else if (!strcmp(k, "exec_dir")) {
            r = set_str(&p->exec_dir, f, n);
        } else if (!strcmp(k, "log_path")) {
            r = set_str(&p->log_path, f, n);
        } else if (!strcmp(k, "log_attrs")) {
            r = set_str(&p->log_attrs, f, n);
        } else if (!strcmp(k, "cgroup_parent")) {
            r = set_str(&p->cgroup_parent, f, n);
        } else if (!strcmp(k, "oom_file")) {
            r = set_str(&s->oom_file, f, n);
        } else if (!strcmp(k, "seccomp_bpf")) {
            r = set_str(&s->seccomp_bpf, f, n);
        } else if (!strcmp(k, "mount")) {
            int64_t kind, ro_mode, must, nonrec;
            uint64_t prop, flags;
            if (n != 11 || parse_i64(f[1], &kind) || (strcmp(f[4], "ro") && strcmp(f[4], "rw")) ||
                parse_i64(f[5], &ro_mode) || parse_i64(f[6], &must) || parse_i64(f[7], &nonrec) ||
                parse_u64(f[8], &prop) || parse_u64(f[9], &flags)) {
                r = -1;
            } else {
                p->mounts = xrealloc(p->mounts, (p->nmounts + 1) * sizeof *p->mounts);
                p->mounts[p->nmounts++] = (struct rt_mount){
                    .kind = (enum rt_mount_kind)kind,
                    .source = *f[2] ? xstrdup(f[2]) : NULL,
                    .dest = xstrdup(f[3]),
                    .readonly = !strcmp(f[4], "ro"),
                    .ro_mode = (enum rt_ro_mode)ro_mode,
                    .must_exist = must,
                    .nonrecursive = nonrec,
                    .propagation = prop,
                    .flags = flags,
                    .data = *f[10] ? xstrdup(f[10]) : NULL,
                };
            }
        } else if (!strcmp(k, "ulimit")) {
            struct rt_ulimit u;
            int64_t res;
            if (n != 4 || parse_i64(f[1], &res) || parse_u64(f[2], &u.soft) ||
                parse_u64(f[3], &u.hard)) {
                r = -1;
            } else {
                u.resource = (int)res;
                p->ulimits = xrealloc(p->ulimits, (p->nulimits + 1) * sizeof *p->ulimits);
                p->ulimits[p->nulimits++] = u;
            }
        } else if (n == 2 && !parse_i64(f[1], &iv)) {
            if (!strcmp(k, "tty"))
                p->tty = iv;
            else if (!strcmp(k, "open_stdin"))
                p->open_stdin = iv;
            else if (!strcmp(k, "stdin_once"))
                p->stdin_once = iv;
            else if (!strcmp(k, "init"))
                p->init = iv;
            else if (!strcmp(k, "read_only_rootfs"))
                p->read_only_rootfs = iv;
            else if (!strcmp(k, "rootfs_volatile"))
                p->rootfs_volatile = iv;
            else if (!strcmp(k, "privileged"))
                p->privileged = iv;
            else if (!strcmp(k, "no_new_privs"))
                p->no_new_privs = iv;
            else if (!strcmp(k, "seccomp") && iv >= SECCOMP_DEFAULT && iv <= SECCOMP_PROFILE)
                p->seccomp = (enum seccomp_mode)iv;
            else if (!strcmp(k, "console_h"))
                p->console_h = (uint16_t)iv;
            else if (!strcmp(k, "console_w"))
                p->console_w = (uint16_t)iv;
            else if (!strcmp(k, "memory"))
                p->limits.memory = iv;
            else if (!strcmp(k, "memory_swap"))
                p->limits.memory_swap = iv;
            else if (!strcmp(k, "nano_cpus"))
                p->limits.nano_cpus = iv;
            else if (!strcmp(k, "cpu_shares"))
                p->limits.cpu_shares = iv;
            else if (!strcmp(k, "pids_limit"))
                p->limits.pids_limit = iv;
            else if (!strcmp(k, "stop_signal"))
                p->stop_signal = (int)iv;
            else if (!strcmp(k, "shm_size"))
                p->shm_size = iv;
            else if (!strcmp(k, "oom_score_adj"))
                p->oom_score_adj = (int)iv;
            else if (!strcmp(k, "log_max_size"))
                p->log_max_size = iv;
            else if (!strcmp(k, "log_max_file"))
                p->log_max_file = (int)iv;
            else if (!strcmp(k, "log_compress"))
                p->log_compress = iv;
            else if (!strcmp(k, "cgroup2_ns"))
                s->cgroup2_ns = iv;
            else
                r = -1;
        } else {
            r = -1;
        }
        if (r < 0) {
            spec_free(s);
            return md_err(err, MD_EINVAL, "spec line %d: bad \"%s\" entry", lineno, k);
        }
    }
    if (!ended) {
        spec_free(s);
        return md_err(err, MD_EINVAL, "spec: truncated (no end line)");
    }
    return 0;
}

void spec_free(struct rt_spec *s)
{
    plan_clear(&s->plan);
    strv_free(s->cgroup_dirs);
    strv_free(s->cgroup_v1);
    free(s->oom_file);
    free(s->seccomp_bpf);
    memset(s, 0, sizeof *s);
}

/* ---- exec plans ---- */

void exec_plan_clear(struct rt_exec_plan *p)
{
    if (!p)
        return;
    free(p->ctr_exec_dir);
    free(p->exec_dir);
    strv_free(p->argv);
    strv_free(p->env);
    free(p->user);
    free(p->cwd);
    memset(p, 0, sizeof *p);
}

int rt_exec_validate(const struct rt_exec_plan *p, struct md_error *err)
{
    if (!p)
        return md_err(err, MD_EINVAL, "no exec plan");
    if (strnlen(p->id, sizeof p->id) != 64 || strspn(p->id, "0123456789abcdef") != 64)
        return md_err(err, MD_EINVAL, "invalid exec id \"%.65s\"", p->id);
    if (!p->argv || !p->argv[0] || !p->argv[0][0])
        return md_err(err, MD_EINVAL, "No exec command specified");
    for (char **e = p->env; e && *e; e++)
        if (!**e || **e == '=')
            return md_err(err, MD_EINVAL, "invalid environment variable \"%s\"", *e);
    if (p->cwd && p->cwd[0] && !is_abs(p->cwd))
        return md_err(err, MD_EINVAL,
                      "the working directory '%s' is invalid, it needs to be an absolute path",
                      p->cwd);
    if (!is_abs(p->ctr_exec_dir) || !is_abs(p->exec_dir))
        return md_err(err, MD_EINVAL, "exec dirs must be absolute paths");
    return 0;
}

char *exec_spec_format(const struct rt_exec_plan *p)
{
    struct sbuf b = {0};
    sb_add(&b, "minidock-exec 1\n");
    put(&b, "id", 1, p->id);
    put_str(&b, "ctr_exec_dir", p->ctr_exec_dir);
    put_str(&b, "exec_dir", p->exec_dir);
    put_strv(&b, "arg", p->argv);
    put_strv(&b, "env", p->env);
    put_str(&b, "user", p->user);
    put_str(&b, "cwd", p->cwd);
    put_i64(&b, "tty", p->tty);
    put_i64(&b, "open_stdin", p->open_stdin);
    put_i64(&b, "privileged", p->privileged);
    put_i64(&b, "console_h", p->console_h);
    put_i64(&b, "console_w", p->console_w);
    sb_add(&b, "end\n");
    return b.s;
}

int exec_spec_parse(const char *text, struct rt_exec_plan *p, struct md_error *err)
{
    memset(p, 0, sizeof *p);
    int lineno = 0;
    for (const char *line = text; *line;) {
        lineno++;
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        _cleanup_free_ char *l = xstrndup(line, nl - line);
        line = nl + 1;
        _cleanup_strv_ char **f = split_fields(l);
        size_t n = strv_len(f);
        if (!f || n == 0)
            break;
        const char *k = f[0];
        int64_t iv = 0;
        int r = 0;
        if (lineno == 1)
            r = strcmp(k, "minidock-exec") || n != 2 || strcmp(f[1], "1") ? -1 : 0;
        else if (!strcmp(k, "end") && n == 1)
            return 0;
        else if (!strcmp(k, "id") && n == 2 && strlen(f[1]) < sizeof p->id)
            strcpy(p->id, f[1]);
        else if (!strcmp(k, "arg") && n == 2)
            strv_push(&p->argv, f[1]);
        else if (!strcmp(k, "env") && n == 2)
            strv_push(&p->env, f[1]);
        else if (!strcmp(k, "ctr_exec_dir"))
            r = set_str(&p->ctr_exec_dir, f, n);
        else if (!strcmp(k, "exec_dir"))
            r = set_str(&p->exec_dir, f, n);
        else if (!strcmp(k, "user"))
            r = set_str(&p->user, f, n);
        else if (!strcmp(k, "cwd"))
            r = set_str(&p->cwd, f, n);
        else if (n == 2 && !parse_i64(f[1], &iv) && !strcmp(k, "tty"))
            p->tty = iv;
        else if (n == 2 && !parse_i64(f[1], &iv) && !strcmp(k, "open_stdin"))
            p->open_stdin = iv;
        else if (n == 2 && !parse_i64(f[1], &iv) && !strcmp(k, "privileged"))
            p->privileged = iv;
        else if (n == 2 && !parse_i64(f[1], &iv) && !strcmp(k, "console_h") && iv >= 0 &&
                 iv <= 65535)
            p->console_h = (uint16_t)iv;
        else if (n == 2 && !parse_i64(f[1], &iv) && !strcmp(k, "console_w") && iv >= 0 &&
                 iv <= 65535)
            p->console_w = (uint16_t)iv;
        else
            r = -1;
        if (r < 0) {
            exec_plan_clear(p);
            return md_err(err, MD_EINVAL, "exec spec line %d: bad \"%s\" entry", lineno, k);
        }
    }
    exec_plan_clear(p);
    return md_err(err, MD_EINVAL, "exec spec: truncated (no end line)");
}

/* The name part of "K=V" (or all of "K"). */
static size_t env_key_len(const char *e)
{
    const char *eq = strchr(e, '=');
    return eq ? (size_t)(eq - e) : strlen(e);
}

char **env_replace_or_append(char *const *base, char *const *overrides)
{
    char **out = base ? strv_dup(base) : xcalloc(1, sizeof *out);
    /* like moby, only the defaults are looked up: repeated new keys are
     * all appended */
    size_t ndef = strv_len(out);
    bool *unset = xcalloc(ndef + 1, sizeof *unset);
    for (char *const *o = overrides; o && *o; o++) {
        size_t kl = env_key_len(*o);
        bool has_eq = (*o)[kl] == '=';
        size_t hit = ndef;
        for (size_t i = 0; i < ndef; i++)
            if (env_key_len(out[i]) == kl && !strncmp(out[i], *o, kl)) {
                hit = i;
                break;
            }
        if (!has_eq) {
            if (hit < ndef)
                unset[hit] = true;
            continue;
        }
        if (hit < ndef) {
            free(out[hit]);
            out[hit] = xstrdup(*o);
            unset[hit] = false;
        } else {
            strv_push(&out, *o);
        }
    }
    size_t w = 0, n = strv_len(out);
    for (size_t i = 0; i < n; i++) {
        if (i < ndef && unset[i])
            free(out[i]);
        else
            out[w++] = out[i];
    }
    out[w] = NULL;
    free(unset);
    return out;
}

char **exec_env(char *const *ctr_env, const char *hostname, bool tty, char *const *xenv)
{
    char **base = NULL;
    strv_push(&base, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    _cleanup_free_ char *h = xasprintf("HOSTNAME=%s", hostname ? hostname : "");
    strv_push(&base, h);
    if (tty)
        strv_push(&base, "TERM=xterm");
    char **with_ctr = env_replace_or_append(base, ctr_env);
    strv_free(base);
    char **all = env_replace_or_append(with_ctr, xenv);
    strv_free(with_ctr);
    return all;
}
