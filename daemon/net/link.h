/* Kernel side of container networking that is not nftables: links and
 * addresses through libnl-route-3 (bridges, veth pairs, routes), network
 * namespaces bind-mounted on files, and the few sysctls involved. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/net/ipam.h"

bool link_exists(const char *name);
/* Delete a link of the host namespace; 0 when it does not exist. */
int link_delete(const char *name, struct md_error *err);
/* The first IPv4 address of a host link (host bits kept) in *out; ENOENT
 * when the link or an address is missing. */
int link_ipv4(const char *name, struct ipv4_net *out, struct md_error *err);
/* Create the bridge (random fixed MAC, so the gateway's MAC does not change
 * as containers come and go) unless it exists, give it addr/prefix unless
 * it has it, bring it up, set route_localnet (127.0.0.1 DNAT'ed onto it).
 * *created tells the caller to delete it on a later failure. */
int link_bridge_ensure(const char *name, uint32_t addr, int prefix, bool *created,
                       struct md_error *err);

struct veth_cfg {
    const char *host; /* host end, attached to bridge */
    const char *bridge;
    const char *netns_path; /* the peer goes there */
    const char *peer;       /* its name there: eth0, eth1, ... */
    uint32_t addr;
    int prefix;
    uint32_t gateway;  /* default route via it; 0: none (a second network) */
    const char *mac;   /* "02:42:..." */
    const char *alias; /* ifalias of the host end (shown by `ip link`), may be NULL */
};
/* All or nothing: pair, peer address/MAC/up, lo up, default route; returns
 * once the bridge forwards on the host end. */
int link_veth_setup(const struct veth_cfg *c, struct md_error *err);

/* A new network namespace bind-mounted on path (created, must not exist).
 * Only the calling thread enters it, and only for the moment of the mount. */
int netns_create(const char *path, struct md_error *err);
/* Unmount and unlink; 0 when already gone. */
int netns_remove(const char *path, struct md_error *err);
/* The directory of the netns files: created and made a shared mount of
 * itself (as iproute2 does for /run/netns), so an unmount here reaches
 * copies in other mount namespaces and the namespace is really freed. */
int netns_dir_ensure(const char *dir, struct md_error *err);
void netns_dir_release(const char *dir);

int sysctl_write(const char *path, const char *value, struct md_error *err);
/* "1\n" -> "1"; NULL when unreadable. */
char *sysctl_read(const char *path);
