/* The daemon's nftables table: the rule text (pure functions, unit-tested)
 * and its execution through libnftables.
 *
 * Layout of table `ip <name>`:
 *   prerouting  nat hook, -100: fib daddr type local jump ports
 *   output      nat hook, -100: fib daddr type local jump ports
 *   postrouting nat hook,  100: per network: masquerade outbound, loopback
 *               sources (127.0.0.1:port published via route_localnet) and
 *               hairpin (container -> published port of a peer)
 *   forward     filter hook, 0: isolation between networks, internal networks
 *   ports       one DNAT rule per published port or run of ports, comment
 *               "c=<container id> n=<12 hex network id>"
 * The base chains are rewritten as a whole (one transaction) whenever the
 * set of networks changes; `ports` rules are added and deleted per
 * container, found by their comment. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "daemon/net/ipam.h"
#include "daemon/net/net.h"

struct nftr_network {
    const char *id;     /* 64 hex */
    const char *bridge; /* ifname */
    struct ipv4_net subnet;
    bool internal;
};

/* Creates the table and chains if missing, flushes the base chains and
 * fills them for nets (ports is left alone). */
char *nftr_base_text(const char *table, const struct nftr_network *nets, size_t n);
/* "c=<id> n=<netid[0:12]>" */
void nftr_tag(const char *ctr_id, const char *net_id, char out[96]);
/* DNAT rules for one endpoint's ports, tagged; consecutive ports (same
 * address and protocol) collapse into one rule: a port range when host and
 * container ports are equal, a port map otherwise. "" when n == 0. */
char *nftr_ports_text(const char *table, const char *tag, const char *ctr_ip,
                      const struct net_port *ports, size_t n);
/* "delete table ip <name>" */
char *nftr_delete_table_text(const char *table);

/* From the JSON listing of the ports chain (`nft -j list chain`): handles of
 * the rules whose comment starts with prefix (NULL: every rule), with their
 * comments. *handles / *comments malloc'ed (comments: NULL-terminated). */
int nftr_find_rules(const char *json, const char *prefix, uint64_t **handles, char ***comments,
                    size_t *n, struct md_error *err);
char *nftr_delete_rules_text(const char *table, const uint64_t *handles, size_t n);

/* From the JSON listing of all chains (`nft -j list chains`): the
 * "family table chain" of forward-hook base chains with policy drop outside
 * table own, comma-separated (NULL when none). With br_netfilter, packets
 * between containers pass them too, and an accept in our own table cannot
 * overrule a drop elsewhere (docker's iptables leave FORWARD at DROP). */
char *nftr_foreign_forward_drops(const char *json, const char *own);

/* Run nft commands (libnftables, one transaction). With out, the output
 * (JSON when json) is returned there. */
int nftr_run(const char *cmds, bool json, char **out, struct md_error *err);
/* The JSON listing of the ports chain; ENOENT when the table is missing. */
int nftr_list_ports(const char *table, char **json, struct md_error *err);
/* Delete the rules whose comment starts with prefix. */
int nftr_delete_tagged(const char *table, const char *prefix, struct md_error *err);
