/* A container's networks, between the lifecycle and daemon/net: which
 * networks it joins at start (NetworkMode plus any it was connected to),
 * its published ports, its /etc/hosts, and what inspect shows. */
#pragma once
#include "common/error.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/container.h"

int ctr_net_init(struct md_error *err);
/* After restore: drop what belongs to containers that are not running. */
int ctr_net_reconcile(struct md_error *err);
void ctr_net_shutdown(void);
/* At start, before rt_prepare: connect, set plan->netns_path, record
 * NetworkSettings. "none" and "host" connect nothing. All or nothing. */
int ctr_net_start(struct container *c, struct rt_plan *plan, struct md_error *err);
/* At exit and rm: disconnect everything; inspect keeps the networks with
 * empty addresses, as docker's does for a stopped container. */
void ctr_net_stop(struct container *c);
/* The /etc/hosts text for the container: base lines, ExtraHosts, its own
 * and its peers' entries, legacy links (host network without ExtraHosts:
 * the host's file). */
char *ctr_net_hosts(struct container *c);
/* Legacy links at start, after ctr_net_start: docker's variables into
 * plan->env, the hosts lines kept for ctr_net_hosts. A linked container
 * that is not running: MD_EINVAL with docker's message. */
int ctr_net_links(struct container *c, struct rt_plan *plan, struct md_error *err);
