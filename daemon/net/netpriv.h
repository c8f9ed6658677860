/* Inside daemon/net: the state net.c keeps (networks, endpoints, one module
 * lock) and the helpers networks.c shares with it. Not for other modules. */
#pragma once
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "daemon/net/ipam.h"
#include "daemon/net/net.h"

struct network {
    char id[65], name[64], driver[16], bridge[16];
    bool predefined, internal, attachable;
    int64_t created_ns;
    json_t *labels, *options;
    bool has_pool; /* bridge driver */
    struct ipam_pool pool;
};

struct endpoint {
    struct endpoint *next;
    char ctr[65];
    char *name, *hostname;
    struct net_endpoint ep;
    int *fds; /* reservations, one per ep.ports */
};

/* All below under net_mu, never held while calling the lifecycle's hooks. */
extern pthread_mutex_t net_mu;
extern struct network **net_list;
extern size_t net_count;
extern struct endpoint *net_eps;
extern bool net_inited;

/* "bridge"/"default", exact id, exact name, then a unique id prefix. */
struct network *netp_find(const char *ref);
struct network *netp_find_id(const char *id);
struct network *netp_network_new(const char *name, const char *driver, bool predefined);
void netp_network_add(struct network *n);
void netp_network_free(struct network *n);
bool netp_valid_ifname(const char *s);
/* Host routes (not via our bridges) and our networks' subnets but skip's. */
void netp_taken_subnets(const struct network *skip, struct ipv4_net **out, size_t *n);
/* The nft base chains for the current set of networks. */
int netp_apply_base(struct md_error *err);
int netp_save_networks(struct md_error *err);
int netp_save_ipam(struct md_error *err);
/* A network event (call without net_mu). */
void netp_emit(const char *action, const struct network *n, const char *ctr);
