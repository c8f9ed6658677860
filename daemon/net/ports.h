/* Host ports of published container ports: resolution of random ports
 * (docker's 32768-60999, handed out in order) and host ranges, and
 * reservation by binding a socket that the daemon keeps while the mapping
 * exists. The bind is the conflict check (another container's mapping or a
 * host process), and holding it stops a host process from taking the port
 * later (it could not receive anything: NAT sends the traffic on). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/portspec.h"
#include "daemon/net/net.h"

#define PORTS_DYN_FIRST 32768
#define PORTS_DYN_LAST  60999

/* Is this (ip, port, proto) already taken by one of ours? For protocols
 * the kernel cannot reserve (sctp without the module). */
typedef bool (*ports_taken_fn)(const char *ip, uint16_t port, const char *proto, void *ctx);

/* Resolve and reserve every map; all or nothing. *fds (one per port, -1
 * when nothing could be bound) stay open until ports_release. endpoint is
 * "name (endpoint id)" for docker's message: "driver failed programming
 * external connectivity on endpoint web (1a2b..): Bind for 0.0.0.0:8080
 * failed: port is already allocated". */
int ports_reserve(const struct port_map *maps, size_t n, const char *endpoint, ports_taken_fn taken,
                  void *ctx, struct net_port **out, int **fds, struct md_error *err);
/* Reserve already resolved ports again (daemon restart); failures logged. */
void ports_rebind(const struct net_port *p, size_t n, int *fds);
void ports_release(int *fds, size_t n);
/* Validate a host IP for publishing: "" -> "0.0.0.0"; IPv6 refused. */
int ports_host_ip(const char *in, char out[46], struct md_error *err);
