/* The syntax of docker's name and DNS options (--dns, --dns-search,
 * --add-host, --link, --mac-address and the HostConfig fields behind
 * them), checked the same way by the client and by the daemon, with
 * docker's messages. Pure functions; *why is malloc'ed on error. */
#pragma once
#include <stdbool.h>

/* net.ParseIP: dotted IPv4 without leading zeros, or IPv6 without a zone. */
bool netopt_ip_valid(const char *s);
/* A HostConfig.ExtraHosts entry as the API takes it, "name:ip" (split at
 * the first ':', so the address may be IPv6; ip may be "host-gateway"). */
int netopt_extra_host(const char *val, char **name, char **ip, char **why);
/* --add-host as the docker 28 CLI takes it: "name:ip", "name=ip", the
 * address optionally in brackets. Returns the API form "name:ip". */
char *netopt_add_host_flag(const char *val, char **why);
/* A link, "container[:alias]" or inspect's "/container:/me/alias". */
int netopt_link(const char *val, char **name, char **alias, char **why);
/* A 48-bit unicast MAC ("02:42:ac:11:00:02", '-' separators accepted),
 * written to out in lower case with ':'. */
int netopt_mac(const char *val, char out[18], char **why);
/* --dns-search's check (ValidateDNSSearch): "." or a domain name. */
bool netopt_dns_search_valid(const char *s);
