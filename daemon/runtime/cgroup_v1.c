/* cgroup v1 backend: one directory per controller hierarchy. Limits
 * (memory, memsw, cfs quota, shares, pids), the device whitelist, the
 * freezer, and stats. */
#include "daemon/runtime/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_PERIOD 100000

static const char *dir_of(const struct cg_paths *p, const char *ctrl)
{
    for (size_t i = 0; i < p->nv1; i++)
        if (!strcmp(p->v1_name[i], ctrl))
            return p->v1[i];
    /* co-mounted hierarchies are listed under their first controller */
    if (!strcmp(ctrl, "cpuacct"))
        return dir_of(p, "cpu");
    return NULL;
}

/* docker's default device rules (runc's AllowedDevices): mknod of anything,
 * read/write only of the standard nodes, pts, ptmx and tun. */
static const char *const default_devices[] = {
    "c *:* m",   "b *:* m",   "c 1:3 rwm",   "c 1:8 rwm", "c 1:7 rwm",    "c 5:0 rwm",
    "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm",
};

static int need(const char *dir, const char *ctrl, struct md_error *err)
{
    if (!dir)
        return md_err(err, ENOTSUP, "cgroup v1 controller \"%s\" is not mounted", ctrl);
    return 0;
}

static int v1_set_memsw(const char *mem, const struct rt_limits *l, struct md_error *err)
{
    char v[64];
    snprintf(v, sizeof v, "%" PRId64, l->memory_swap);
    _cleanup_free_ char *f = xasprintf("%s/memory.memsw.limit_in_bytes", mem);
    if (!cgroup_is_fake() && access(f, F_OK) < 0) {
        log_warn("cgroup %s: no swap accounting, memory swap limit ignored", mem);
        return 0;
    }
    return cg_write(mem, "memory.memsw.limit_in_bytes", v, err);
}

static int v1_set_resources(const struct cg_paths *p, const struct rt_limits *l,
                            struct md_error *err)
{
    char v[64];
    const char *mem = dir_of(p, "memory");
    bool memsw = l->memory_swap == -1 || (l->memory_swap > 0 && l->memory > 0);
    if ((l->memory > 0 || memsw) && need(mem, "memory", err) < 0)
        return -1;
    if (l->memory > 0) {
        snprintf(v, sizeof v, "%" PRId64, l->memory);
        /* memsw must stay >= the limit: written after it, unless the limit
         * grows past the memsw already set (an update), then before */
        if (cg_write(mem, "memory.limit_in_bytes", v, err) < 0) {
            if (!memsw)
                return -1;
            md_err_clear(err);
            if (v1_set_memsw(mem, l, err) < 0 || cg_write(mem, "memory.limit_in_bytes", v, err) < 0)
                return -1;
            memsw = false;
        }
    }
    if (memsw && v1_set_memsw(mem, l, err) < 0)
        return -1;
    const char *cpu = dir_of(p, "cpu");
    if (l->nano_cpus > 0) {
        if (need(cpu, "cpu", err) < 0)
            return -1;
        int64_t quota = l->nano_cpus * CPU_PERIOD / 1000000000;
        if (quota < 1000)
            quota = 1000;
        snprintf(v, sizeof v, "%d", CPU_PERIOD);
        if (cg_write(cpu, "cpu.cfs_period_us", v, err) < 0)
            return -1;
        snprintf(v, sizeof v, "%" PRId64, quota);
        if (cg_write(cpu, "cpu.cfs_quota_us", v, err) < 0)
            return -1;
    }
    if (l->cpu_shares > 0) {
        if (need(cpu, "cpu", err) < 0)
            return -1;
        snprintf(v, sizeof v, "%" PRId64, l->cpu_shares < 2 ? 2 : l->cpu_shares);
        if (cg_write(cpu, "cpu.shares", v, err) < 0)
            return -1;
    }
    const char *pids = dir_of(p, "pids");
    if (l->pids_limit != 0) {
        if (need(pids, "pids", err) < 0)
            return -1;
        if (l->pids_limit < 0)
            snprintf(v, sizeof v, "max");
        else
            snprintf(v, sizeof v, "%" PRId64, l->pids_limit);
        if (cg_write(pids, "pids.max", v, err) < 0)
            return -1;
    }
    return 0;
}

static int v1_set_limits(const struct cg_paths *p, const struct rt_limits *l, bool privileged,
                         struct md_error *err)
{
    if (v1_set_resources(p, l, err) < 0)
        return -1;
    const char *dev = dir_of(p, "devices");
    if (dev) {
        if (privileged)
            return cg_write(dev, "devices.allow", "a", err);
        if (cg_write(dev, "devices.deny", "a", err) < 0)
            return -1;
        for (size_t i = 0; i < sizeof default_devices / sizeof *default_devices; i++)
            if (cg_write(dev, "devices.allow", default_devices[i], err) < 0)
                return -1;
        for (char **r = l->device_rules; r && *r; r++)
            if (cg_write(dev, "devices.allow", *r, err) < 0)
                return -1;
    }
    return 0;
}

static int v1_freeze(const struct cg_paths *p, bool freeze, struct md_error *err)
{
    const char *f = dir_of(p, "freezer");
    if (need(f, "freezer", err) < 0)
        return -1;
    const char *state = freeze ? "FROZEN" : "THAWED";
    if (cg_write(f, "freezer.state", state, err) < 0)
        return -1;
    /* reads FREEZING until every task has stopped */
    return cg_wait_line(f, "freezer.state", state, 10000, err);
}

static const char *any_dir(const struct cg_paths *p)
{
    for (size_t i = 0; i < p->nv1; i++)
        if (access(p->v1[i], F_OK) == 0)
            return p->v1[i];
    return NULL;
}

static int v1_kill(const struct cg_paths *p, struct md_error *err)
{
    const char *freezer = dir_of(p, "freezer");
    if (freezer && access(freezer, F_OK) < 0)
        freezer = NULL;
    for (int round = 0; round < 200; round++) {
        const char *d = any_dir(p);
        if (!d)
            return 0;
        /* freeze first so nothing can fork between reading cgroup.procs and
         * the kills; thaw so the SIGKILLs are delivered */
        bool frozen = freezer && v1_freeze(p, true, NULL) == 0;
        int n = cg_kill_procs(d);
        if (frozen)
            v1_freeze(p, false, NULL);
        if (n == 0)
            return 0;
        usleep(10000);
    }
    return md_err(err, EBUSY, "cgroup %s: processes left after kill", any_dir(p));
}

static int v1_stats(const struct cg_paths *p, struct rt_stats *o, struct md_error *err)
{
    const char *mem = dir_of(p, "memory");
    if (!any_dir(p))
        return md_err(err, MD_ENOTFOUND, "container cgroup does not exist");
    unsigned long long v;
    if (mem) {
        _cleanup_free_ char *u = cg_read(mem, "memory.usage_in_bytes");
        if (u)
            o->mem_usage = strtoull(u, NULL, 10);
        _cleanup_free_ char *lim = cg_read(mem, "memory.limit_in_bytes");
        /* "unlimited" is PAGE_COUNTER_MAX pages, 0x7ffffffffffff000 */
        if (lim && strtoull(lim, NULL, 10) < (1ULL << 62))
            o->mem_limit = strtoull(lim, NULL, 10);
        if (cg_read_key(mem, "memory.stat", "total_inactive_file", &v) == 0)
            o->mem_inactive_file = v;
    }
    const char *acct = dir_of(p, "cpuacct");
    if (acct) {
        _cleanup_free_ char *u = cg_read(acct, "cpuacct.usage");
        if (u)
            o->cpu_usage_ns = strtoull(u, NULL, 10);
        long hz = sysconf(_SC_CLK_TCK);
        if (hz <= 0)
            hz = 100;
        if (cg_read_key(acct, "cpuacct.stat", "user", &v) == 0)
            o->cpu_user_ns = v * (1000000000ULL / hz);
        if (cg_read_key(acct, "cpuacct.stat", "system", &v) == 0)
            o->cpu_system_ns = v * (1000000000ULL / hz);
    }
    const char *pids = dir_of(p, "pids");
    if (pids) {
        _cleanup_free_ char *c = cg_read(pids, "pids.current");
        if (c)
            o->pids_current = strtoull(c, NULL, 10);
        _cleanup_free_ char *m = cg_read(pids, "pids.max");
        if (m && strncmp(m, "max", 3))
            o->pids_limit = strtoull(m, NULL, 10);
    }
    return 0;
}

static char *v1_oom_file(const struct cg_paths *p)
{
    const char *mem = dir_of(p, "memory");
    return mem ? xasprintf("%s/memory.oom_control", mem) : NULL;
}

const struct cg_backend cg_v1_backend = {
    .name = "cgroup v1",
    .set_limits = v1_set_limits,
    .set_resources = v1_set_resources,
    .freeze = v1_freeze,
    .kill = v1_kill,
    .stats = v1_stats,
    .oom_file = v1_oom_file,
};
