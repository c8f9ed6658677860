/* The host ends of veths of containers that are gone, deleted by a
 * background thread. Unregistering a network device waits for an RCU grace
 * period (rcu_barrier in netdev_run_todo): 10-40 ms of sleep here, more than
 * the rest of a container's network setup and teardown together, so stop,
 * rm and run --rm do not wait for it. Until its deletion is done, a link
 * keeps its name and the address its peer had (net_id + ip): a connect that
 * wants either claims the deletion first. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Queue the deletion of host link name (its peer had ip on network net_id;
 * ip 0: no address to hold). */
void reap_link(const char *name, const char *net_id, uint32_t ip);
/* Any queued deletion of name, or of the link whose peer had ip on net_id
 * (either may be NULL/0), done now in the caller, or waited for when the
 * thread is at it. */
void reap_claim(const char *name, const char *net_id, uint32_t ip);
/* Wait until every queued deletion is done (not while held). */
void reap_settle(void);
/* Tests: the thread leaves the queue alone while on, so a test can be sure
 * a deletion is still pending when it connects again. */
void reap_hold(bool on);
