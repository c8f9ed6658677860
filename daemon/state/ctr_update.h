/* docker update: a container.UpdateConfig (Resources + RestartPolicy) read
 * into a typed request, merged into a container's spec with docker's rules
 * (pure, unit-tested), and applied to a record: the live cgroup of a
 * running container, the spec and HostConfig of any. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "daemon/state/container.h"

/* What the request sets: Go's zero values mean "leave as is", PidsLimit
 * (a pointer in moby) is set when present. */
struct ctr_update {
    int64_t memory, memory_swap, nano_cpus, cpu_shares, pids_limit;
    bool has_pids_limit, has_restart;
    enum ctr_restart restart;
    int64_t restart_max;
};

/* body: decoded against schema_container_update (refused fields already
 * answered). */
int ctr_update_parse(json_t *body, struct ctr_update *u, struct md_error *err);
/* The spec cur with u applied, or -1 with docker's message (MD_ECONFLICT
 * for "Memory limit should be smaller than already set memoryswap limit,
 * ...", MD_EINVAL for values out of range). */
int ctr_update_spec(const struct ctr_spec *cur, const struct ctr_update *u, struct ctr_spec **out,
                    struct md_error *err);
/* Apply u to c: a running container's cgroup first, then its spec and
 * HostConfig, saved. Nothing changes on an error. */
int ctr_update(struct container *c, const struct ctr_update *u, struct md_error *err);
