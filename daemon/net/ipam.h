/* IPv4 address management: CIDR parsing and formatting, one pool per
 * network (serial allocation like docker's, so a released address is not
 * handed out again at once), pool persistence as JSON, and the choice of a
 * free subnet against the host's routes. Pure: no syscalls, unit-tested. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Addresses are in host byte order throughout. */
struct ipv4_net {
    uint32_t addr; /* the network address (host bits zero) */
    int prefix;    /* 0..32 */
};

int ipv4_parse(const char *s, uint32_t *out);
/* "a.b.c.d/n"; host bits must be zero unless allow_host_bits (then they
 * are kept in out->addr, e.g. a --bip "172.17.0.1/16"). */
int ipv4_parse_cidr(const char *s, struct ipv4_net *out, bool allow_host_bits);
void ipv4_fmt(uint32_t a, char out[16]);
/* "172.17.0.0/16" into out (19 bytes suffice). */
void ipv4_net_fmt(const struct ipv4_net *n, char out[20]);
uint32_t ipv4_mask(int prefix);
bool ipv4_net_contains(const struct ipv4_net *n, uint32_t a);
bool ipv4_net_overlap(const struct ipv4_net *a, const struct ipv4_net *b);
/* docker's MAC for an IPv4 address: 02:42 followed by its four bytes. */
void ipv4_mac(uint32_t a, char out[18]);

struct ipam_lease {
    uint32_t addr;
    char owner[65]; /* container id */
};

struct ipam_pool {
    struct ipv4_net subnet;
    uint32_t gateway;
    uint32_t last; /* the last address handed out (serial allocation), 0 = none */
    struct ipam_lease *leases;
    size_t nleases;
    uint8_t *bitmap; /* one bit per address of the subnet */
};

/* An empty pool; the gateway is reserved (0 = the first host address). */
int ipam_pool_init(struct ipam_pool *p, const struct ipv4_net *subnet, uint32_t gateway,
                   struct md_error *err);
void ipam_pool_free(struct ipam_pool *p);
/* The next free address after the last one handed out, wrapping around;
 * never the network, broadcast or gateway address. MD_ECONFLICT "no
 * available addresses on this pool" when full. */
int ipam_alloc(struct ipam_pool *p, const char *owner, uint32_t *out, struct md_error *err);
/* A specific address (IPAMConfig.IPv4Address). */
int ipam_reserve(struct ipam_pool *p, uint32_t a, const char *owner, struct md_error *err);
bool ipam_is_leased(const struct ipam_pool *p, uint32_t a);
/* The owner of a leased address, NULL if free. */
const char *ipam_owner(const struct ipam_pool *p, uint32_t a);
void ipam_release(struct ipam_pool *p, uint32_t a);
/* Every lease of owner; returns how many. */
size_t ipam_release_owner(struct ipam_pool *p, const char *owner);

/* {"Subnet":"172.17.0.0/16","Gateway":"172.17.0.1","Last":"172.17.0.3",
 *  "Leases":{"172.17.0.2":"<id>"}} */
json_t *ipam_pool_to_json(const struct ipam_pool *p);
/* Leases outside the subnet or duplicated are dropped (logged). */
int ipam_pool_from_json(json_t *j, struct ipam_pool *p, struct md_error *err);

/* Routes of /proc/net/route's text (destination/mask columns); the
 * default route and routes through skip_ifaces (NULL-terminated, may be
 * NULL: our own bridges) are left out. *out is malloc'ed. */
int ipam_parse_proc_routes(const char *text, char *const *skip_ifaces, struct ipv4_net **out,
                           size_t *n);
/* The first candidate that overlaps none of taken: want first (when
 * non-NULL), then docker's default pools 172.17-31.0.0/16 and
 * 192.168.0-240.0/20. -1 when none is free. */
int ipam_pick_subnet(const struct ipv4_net *want, const struct ipv4_net *taken, size_t ntaken,
                     struct ipv4_net *out);
