/* docker update: request -> typed update -> new spec -> cgroup and record. */
#include "daemon/state/ctr_update.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/daemon.h"
#include "daemon/runtime/runtime.h"

#include <string.h>

int ctr_update_parse(json_t *body, struct ctr_update *u, struct md_error *err)
{
    *u = (struct ctr_update){0};
    u->memory = json_integer_value(json_object_get(body, "Memory"));
    u->memory_swap = json_integer_value(json_object_get(body, "MemorySwap"));
    u->nano_cpus = json_integer_value(json_object_get(body, "NanoCpus"));
    u->cpu_shares = json_integer_value(json_object_get(body, "CpuShares"));
    json_t *pl = json_object_get(body, "PidsLimit");
    if (json_is_integer(pl)) {
        u->has_pids_limit = true;
        u->pids_limit = json_integer_value(pl);
    }
    json_t *rp = json_object_get(body, "RestartPolicy");
    const char *name = json_str(rp, "Name");
    if (name && *name) {
        u->has_restart = true;
        if (ctr_spec_parse_restart(rp, &u->restart, &u->restart_max, err) < 0)
            return -1;
    }
    if (u->memory < 0 || u->memory_swap < -1 || u->nano_cpus < 0 || u->cpu_shares < 0)
        return md_err(err, MD_EINVAL, "invalid resources: negative values are not allowed");
    return 0;
}

static struct rt_limits limits_of(const struct ctr_spec *s)
{
    return (struct rt_limits){.memory = s->memory,
                              .memory_swap = s->memory_swap,
                              .nano_cpus = s->nano_cpus,
                              .cpu_shares = s->cpu_shares,
                              .pids_limit = s->pids_limit};
}

int ctr_update_spec(const struct ctr_spec *cur, const struct ctr_update *u, struct ctr_spec **out,
                    struct md_error *err)
{
    /* moby's container.UpdateContainer, field by field */
    if (u->memory) {
        if (u->memory > cur->memory_swap && !u->memory_swap)
            return md_err(err, MD_ECONFLICT,
                          "Memory limit should be smaller than already set memoryswap limit, "
                          "update the memoryswap at the same time");
    }
    if (u->has_restart && cur->autoremove && u->restart != CTR_RESTART_NO)
        return md_err(err, MD_ECONFLICT,
                      "Restart policy cannot be updated because AutoRemove "
                      "is enabled for the container");
    struct ctr_spec *s = ctr_spec_copy(cur);
    if (u->memory)
        s->memory = u->memory;
    if (u->memory_swap)
        s->memory_swap = u->memory_swap;
    if (u->nano_cpus)
        s->nano_cpus = u->nano_cpus;
    if (u->cpu_shares)
        s->cpu_shares = u->cpu_shares;
    if (u->has_pids_limit)
        s->pids_limit = u->pids_limit > 0 ? u->pids_limit : -1; /* 0 and -1: unlimited */
    if (u->has_restart) {
        s->restart = u->restart;
        s->restart_max = u->restart_max;
    }
    struct rt_limits l = limits_of(s);
    if (rt_limits_validate(&l, err) < 0) {
        ctr_spec_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

/* HostConfig as inspect shows it after the update. */
static void host_config_set(json_t *hc, const struct ctr_spec *s)
{
    json_object_set_new(hc, "Memory", json_integer(s->memory));
    json_object_set_new(hc, "MemorySwap", json_integer(s->memory_swap));
    json_object_set_new(hc, "NanoCpus", json_integer(s->nano_cpus));
    json_object_set_new(hc, "CpuShares", json_integer(s->cpu_shares));
    json_object_set_new(hc, "PidsLimit", json_integer(s->pids_limit));
    json_object_set_new(hc, "RestartPolicy",
                        json_pack("{s:s, s:I}", "Name", ctr_spec_restart_name(s->restart),
                                  "MaximumRetryCount", (json_int_t)s->restart_max));
}

int ctr_update(struct container *c, const struct ctr_update *u, struct md_error *err)
{
    /* serialised with start and stop: a start between reading the spec
     * and writing the cgroup would keep the old limits */
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    struct ctr_spec *s = NULL;
    int r = c->removed || c->status == CTR_REMOVING
                ? md_err(err, MD_ECONFLICT, "container is marked for removal and cannot be updated")
                : ctr_update_spec(c->spec, u, &s, err);
    bool live = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
    cstore_unlock();
    if (r == 0 && live) {
        struct rt_limits l = limits_of(s);
        r = rt_update_limits(c->id, md_cfg.cgroup_parent, &l, err);
    }
    if (r < 0) {
        ctr_spec_free(s);
        pthread_mutex_unlock(&c->op_lock);
        return md_err_wrap(err, "Cannot update container %s", c->id);
    }
    cstore_lock();
    c->retired = xrealloc(c->retired, (c->nretired + 1) * sizeof *c->retired);
    c->retired[c->nretired++] = c->spec;
    c->spec = s;
    host_config_set(c->host_config, s);
    cstore_unlock();
    r = ctr_save(c, err);
    pthread_mutex_unlock(&c->op_lock);
    return r;
}
