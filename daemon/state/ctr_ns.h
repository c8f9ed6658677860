/* Namespaces shared with another container (PidMode, IpcMode and
 * NetworkMode "container:X"): at start, the donor is looked up and the
 * plan gets the paths of its namespaces. */
#pragma once
#include "common/error.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/container.h"

/* Fill plan's pidns/ipcns/netns paths (and /dev/shm, hostname and /etc
 * files for a shared network) from the donors named in c's spec. Docker's
 * errors: MD_EINVAL "No such container: X", MD_ECONFLICT "cannot join PID
 * of a non running container: X", the IPC donor not shareable, joining
 * itself. */
int ctr_ns_plan(const struct container *c, struct rt_plan *plan, struct md_error *err);
/* NetworkMode "container:X" (no network of its own to set up). */
bool ctr_ns_shares_net(const struct ctr_spec *s);
