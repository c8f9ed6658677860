/* cgroup2 backend: memory.max, memory.swap.max, cpu.max, cpu.weight,
 * pids.max, cgroup.freeze, cgroup.kill, and the stats files. */
#include "daemon/runtime/cgroup.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CPU_PERIOD 100000

/* A limit file is missing when its controller is not enabled for us. */
static int set(const char *d, const char *file, const char *v, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", d, file);
    if (!cgroup_is_fake() && access(path, F_OK) < 0 && errno == ENOENT)
        return md_err(err, ENOTSUP, "the %.*s controller is not available in %s (needed for %s)",
                      (int)strcspn(file, "."), file, d, file);
    return cg_write(d, file, v, err);
}

static int v2_set_resources(const struct cg_paths *p, const struct rt_limits *l,
                            struct md_error *err)
{
    const char *d = p->v2;
    char v[64];
    if (l->memory > 0) {
        snprintf(v, sizeof v, "%" PRId64, l->memory);
        if (set(d, "memory.max", v, err) < 0)
            return -1;
    }
    if (l->memory_swap == -1 || (l->memory_swap > 0 && l->memory > 0)) {
        /* cgroup2 counts swap separately; docker's MemorySwap is memory+swap */
        if (l->memory_swap == -1)
            snprintf(v, sizeof v, "max");
        else
            snprintf(v, sizeof v, "%" PRId64, l->memory_swap - l->memory);
        _cleanup_free_ char *f = xasprintf("%s/memory.swap.max", d);
        if (!cgroup_is_fake() && access(f, F_OK) < 0)
            log_warn("cgroup %s: no swap accounting, memory swap limit ignored", d);
        else if (set(d, "memory.swap.max", v, err) < 0)
            return -1;
    }
    if (l->nano_cpus > 0) {
        int64_t quota = l->nano_cpus * CPU_PERIOD / 1000000000;
        if (quota < 1000)
            quota = 1000; /* the kernel's minimum quota is 1 ms */
        snprintf(v, sizeof v, "%" PRId64 " %d", quota, CPU_PERIOD);
        if (set(d, "cpu.max", v, err) < 0)
            return -1;
    }
    if (l->cpu_shares > 0) {
        snprintf(v, sizeof v, "%llu", cg_shares_to_weight(l->cpu_shares));
        if (set(d, "cpu.weight", v, err) < 0)
            return -1;
    }
    if (l->pids_limit != 0) {
        if (l->pids_limit < 0)
            snprintf(v, sizeof v, "max");
        else
            snprintf(v, sizeof v, "%" PRId64, l->pids_limit);
        if (set(d, "pids.max", v, err) < 0)
            return -1;
    }
    return 0;
}

static int v2_set_limits(const struct cg_paths *p, const struct rt_limits *l, bool privileged,
                         struct md_error *err)
{
    const char *d = p->v2;
    if (v2_set_resources(p, l, err) < 0)
        return -1;
    if (!privileged && !cgroup_is_fake() && cg_v2_attach_device_filter(d, l->device_rules, err) < 0)
        return -1;
    return 0;
}

static int v2_freeze(const struct cg_paths *p, bool freeze, struct md_error *err)
{
    if (cg_write(p->v2, "cgroup.freeze", freeze ? "1" : "0", err) < 0)
        return -1;
    /* the write returns before every task has stopped; docker's pause means stopped */
    return cg_wait_line(p->v2, "cgroup.events", freeze ? "frozen 1" : "frozen 0", 10000, err);
}

static bool procs_empty(const char *dir)
{
    _cleanup_free_ char *s = cg_read(dir, "cgroup.procs");
    return !s || strspn(s, " \n") == strlen(s);
}

static int v2_kill(const struct cg_paths *p, struct md_error *err)
{
    const char *d = p->v2;
    if (access(d, F_OK) < 0)
        return 0;
    _cleanup_free_ char *kf = xasprintf("%s/cgroup.kill", d);
    if (access(kf, F_OK) == 0) {
        if (cg_write(d, "cgroup.kill", "1", err) < 0)
            return -1;
    } else {
        /* before 5.14: freeze so nothing forks while we kill, then thaw so
         * the SIGKILLs are delivered */
        bool frozen = v2_freeze(p, true, NULL) == 0;
        cg_kill_procs(d);
        if (frozen)
            v2_freeze(p, false, NULL);
    }
    for (int i = 0; i < 500 && !procs_empty(d); i++) {
        if (i % 50 == 49)
            cg_kill_procs(d);
        usleep(10000);
    }
    if (!procs_empty(d))
        return md_err(err, EBUSY, "cgroup %s: processes left after kill", d);
    return 0;
}

static int v2_stats(const struct cg_paths *p, struct rt_stats *o, struct md_error *err)
{
    const char *d = p->v2;
    _cleanup_free_ char *cur = cg_read(d, "memory.current");
    if (!cur && errno == ENOENT && access(d, F_OK) < 0)
        return md_err(err, MD_ENOTFOUND, "cgroup %s does not exist", d);
    if (cur)
        o->mem_usage = strtoull(cur, NULL, 10);
    _cleanup_free_ char *max = cg_read(d, "memory.max");
    if (max && strncmp(max, "max", 3))
        o->mem_limit = strtoull(max, NULL, 10);
    unsigned long long v;
    if (cg_read_key(d, "memory.stat", "inactive_file", &v) == 0)
        o->mem_inactive_file = v;
    if (cg_read_key(d, "cpu.stat", "usage_usec", &v) == 0)
        o->cpu_usage_ns = v * 1000;
    if (cg_read_key(d, "cpu.stat", "user_usec", &v) == 0)
        o->cpu_user_ns = v * 1000;
    if (cg_read_key(d, "cpu.stat", "system_usec", &v) == 0)
        o->cpu_system_ns = v * 1000;
    _cleanup_free_ char *pc = cg_read(d, "pids.current");
    if (pc)
        o->pids_current = strtoull(pc, NULL, 10);
    _cleanup_free_ char *pm = cg_read(d, "pids.max");
    if (pm && strncmp(pm, "max", 3))
        o->pids_limit = strtoull(pm, NULL, 10);
    return 0;
}

static char *v2_oom_file(const struct cg_paths *p)
{
    return p->v2 ? xasprintf("%s/memory.events", p->v2) : NULL;
}

const struct cg_backend cg_v2_backend = {
    .name = "cgroup2",
    .set_limits = v2_set_limits,
    .set_resources = v2_set_resources,
    .freeze = v2_freeze,
    .kill = v2_kill,
    .stats = v2_stats,
    .oom_file = v2_oom_file,
};
