/* The text of a container's /etc/resolv.conf, its /etc/hosts lines of its
 * own (extra hosts, legacy links) and the environment of legacy links, as
 * docker 28 writes them. Pure functions of their arguments (unit-tested);
 * lifecycle.c and ctr_net.c write the files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/portspec.h"

/* resolv.conf from the host's (host_text, read from host_path; NULL: none),
 * with HostConfig.Dns / DnsSearch / DnsOptions replacing the host's
 * nameservers / search / options where given (NULL: keep the host's).
 * Off the host's network, loopback nameservers (they answer only in the
 * host's namespace) and IPv6 ones (no IPv6 here) are dropped, and docker's
 * defaults 8.8.8.8 and 8.8.4.4 used when none remain; docker's trailing
 * comments say what was done. */
char *etc_resolv_conf(const char *host_text, const char *host_path, char *const *dns,
                      char *const *search, char *const *options, bool host_net);

/* "ip\tname\n" for each ExtraHosts pair (name, ip, ...); "host-gateway"
 * becomes gateway (NULL: such entries are left out). */
char *etc_extra_hosts(char *const *pairs, const char *gateway);

/* The own line: "ip\thost.domain host" (docker: the FQDN, then the bare
 * name when there is a dot), or "ip\thost". */
char *etc_own_names(const char *hostname, const char *domainname);

/* A legacy link's hosts line: "ip\talias hostname name" (name left out
 * when it is the alias). */
char *etc_link_hosts_line(const char *ip, const char *alias, const char *hostname,
                          const char *name);

/* docker's link variables for alias ("DB_PORT=tcp://172.17.0.2:80",
 * DB_PORT_80_TCP*, DB_NAME=/me/db, DB_ENV_K=V for the child's env except
 * HOME and PATH), appended to *env. link_name is "/parent/alias". Ports:
 * the child's exposed ports, tcp first then by number, ranges of
 * consecutive ports also as _START/_END. */
void etc_link_env(char ***env, const char *link_name, const char *child_ip,
                  char *const *child_env, const struct port_key *ports, size_t nports);
