/* Container networking: bridges (default `bridge` and user-defined
 * networks), one network namespace per container with a veth pair per
 * network, IPAM with leases persisted under data-root/network/, and NAT and
 * published ports in one nftables table owned by the daemon (kernel NAT
 * only, no proxy process).
 *
 * Life of a container's network:
 *   net_connect     (start, once per network; the first call creates the
 *                    netns at exec-root/netns/<id>, which rt_plan.netns_path
 *                    names; later calls add eth1, eth2, ...)
 *   net_disconnect  (stop/exit/rm: everything of that container)
 *   net_reconcile   (daemon start, with the ids of live containers)
 * Every function is thread-safe (one module lock, never held while calling
 * the hooks below). Errors: -1 with *err set; nothing is left half done. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/portspec.h"

/* A published port after resolution (random and range host ports chosen). */
struct net_port {
    char host_ip[46]; /* "0.0.0.0" for all addresses */
    uint16_t host_port;
    uint16_t ctr_port;
    char proto[5]; /* "tcp", "udp", "sctp" */
};

struct net_request {
    const char *id;       /* container id (64 hex) */
    const char *name;     /* container name without '/' (peers resolve it; error messages) */
    const char *network;  /* "bridge" ("default" too), or a user network's name, id or id prefix */
    const char *hostname; /* Config.Hostname (one of its DNSNames on user networks) */
    const char *own_names; /* its own /etc/hosts names ("h.example.com h"); NULL: hostname */
    const char *mac;      /* NULL/"": 02:42 + the address; else "xx:xx:xx:xx:xx:xx" */
    char **aliases;       /* NULL-terminated or NULL: more names for peers on user networks */
    const char *ipv4;     /* NULL/"": from IPAM; else EndpointConfig.IPAMConfig.IPv4Address */
    /* HostConfig.PortBindings via common/portspec. host_port "" = the next
     * free port in 32768-60999; "8000-8010" = the first free of that range.
     * -P: the caller passes ExposedPorts with empty host ports. */
    const struct port_map *ports;
    size_t nports;
};

struct net_endpoint {
    char netns_path[4096]; /* exec-root/netns/<id>: bind-mounted netns, join with setns */
    char network[64];      /* network name ("bridge", "mynet") */
    char network_id[65];
    char endpoint_id[65];
    char bridge[16];    /* host bridge ("minidock0", "br-<12 hex>") */
    char veth_host[16]; /* host end: "mdk<7 hex id><5 hex network id>" */
    char ifname[16];    /* in the container: eth0, eth1, ... */
    char ip[16], gateway[16], mac[18];
    int prefix;
    struct net_port *ports;
    size_t nports;
    char **aliases;   /* as requested (NULL-terminated or NULL) */
    char **dns_names; /* user networks: name, aliases, short id, hostname (peers' /etc/hosts) */
};

/* Bridge md_cfg.bridge with md_cfg.bip (the next free /16 of 172.17-31 when
 * that range is routed elsewhere, logged), ip_forward, the nft table
 * md_cfg.nft_table, networks and leases from data-root/network/, bridges of
 * user networks. Safe to call again after net_shutdown. */
int net_init(struct md_error *err);
/* All or nothing: netns (first network only), veth, address, route, lo up,
 * DNAT/masquerade rules, host ports reserved, IP lease. ep is filled (free
 * with net_endpoint_free). Connecting a container to a network it is
 * already on fails with NET_EFORBIDDEN "endpoint with name X already exists
 * in network N" (docker's 403); callers that want idempotence check
 * net_is_connected first. */
int net_connect(const struct net_request *rq, struct net_endpoint *ep, struct md_error *err);
bool net_is_connected(const char *id, const char *network);
/* One network only (`network disconnect` of a running container); the
 * netns stays. MD_ENOTFOUND when not connected. */
int net_disconnect_network(const char *id, const char *network, struct md_error *err);
/* Idempotent: rules, veths, host ports, leases, the netns of the container.
 * The host ends of the veths go in the background (deleting a link waits
 * for an RCU grace period, 10-40 ms); until then they keep their names and
 * the peers' addresses, and a connect that wants one waits for it. */
int net_disconnect(const char *id, struct md_error *err);
/* Wait for the background deletions of net_disconnect. */
void net_settle(void);
/* Daemon start: keep (and re-reserve host ports of) the endpoints of
 * live_ids (NULL-terminated, may be NULL), drop every rule, lease, veth and
 * netns of any other container. */
int net_reconcile(char *const *live_ids, struct md_error *err);
/* Daemon stop: when no endpoint remains, delete every bridge, the netns
 * directory mount and the nft table (live containers keep all of it). */
void net_shutdown(void);

/* The endpoints of a connected container (copies; free each with
 * net_endpoint_free, then free the array). 0 with *n = 0 when none. */
int net_endpoints(const char *id, struct net_endpoint **out, size_t *n);
void net_endpoint_free(struct net_endpoint *ep);

/* docker's NetworkSettings.Networks.<name> entry. */
json_t *net_endpoint_json(const struct net_endpoint *ep);
/* docker's NetworkSettings.Ports: {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]};
 * exposed (the container's ExposedPorts) but unpublished ports map to null. */
json_t *net_ports_json(const struct net_endpoint *ep, const struct port_key *exposed,
                       size_t nexposed);
/* /etc/hosts lines for the container: its own IPs with hostname (and name
 * and aliases on user networks), then every peer on its user networks.
 * *out is malloc'ed ("" when not connected). */
int net_hosts_entries(const char *id, char **out);

/* Resolve "bridge"/"default", "host", "none", a name, full id or unique id
 * prefix to the network's name (out, 64 bytes) and id. MD_ENOTFOUND
 * "network X not found". */
int net_lookup(const char *ref, char name[64], char id[65], struct md_error *err);

/* Hooks the container lifecycle registers (both may be NULL):
 * hosts_changed: the peers of container id changed (a peer connected to or
 *   left one of its user networks); rewrite its hosts file in place (it is
 *   bind-mounted, a rename would not reach the container).
 * connect/disconnect: POST /networks/{id}/connect|disconnect for container
 *   ctr (name or id). connect must be idempotent (compose connects a created
 *   container it created with that network); endpoint_config is docker's
 *   EndpointConfig (may be NULL). For a running container they call
 *   net_connect / net_disconnect_network and update the record; for a
 *   created one they only record the network for its start. */
struct net_hooks {
    void (*hosts_changed)(const char *id);
    int (*connect)(const char *network, const char *ctr, json_t *endpoint_config,
                   struct md_error *err);
    int (*disconnect)(const char *network, const char *ctr, bool force, struct md_error *err);
};
void net_set_hooks(const struct net_hooks *h);
void net_get_hooks(struct net_hooks *h);

/* ---- networks, for api/networks.c ---- */

/* Errors that have no MD_E* code: 403 in docker's API. */
#define NET_EFORBIDDEN (MD_EINTERNAL + 100)

struct net_create {
    const char *name;
    const char *driver;  /* "" or "bridge"; anything else: 404 plugin not found */
    const char *subnet;  /* IPAM.Config[0].Subnet, NULL = the next free pool */
    const char *gateway; /* IPAM.Config[0].Gateway, NULL = first address */
    json_t *labels;      /* object or NULL */
    json_t *options;     /* object or NULL; com.docker.network.bridge.name is honoured */
    bool internal, attachable;
};
/* 409 "network with name X already exists"; 403 for overlapping pools. */
int net_network_create(const struct net_create *rq, char id[65], struct md_error *err);
/* 403 for bridge/host/none; 409 while containers are connected. */
int net_network_remove(const char *ref, struct md_error *err);
/* docker's network inspect object; NULL + MD_ENOTFOUND. */
json_t *net_network_inspect(const char *ref, struct md_error *err);
/* Every network as inspect shows it (with Containers), oldest first. */
json_t *net_network_list(void);
/* Remove every user network without endpoints for which keep() is false
 * (keep gets the inspect object); returns the removed names. */
char **net_network_prune(bool (*keep)(json_t *net, void *ctx), void *ctx);
