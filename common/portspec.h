/* `-p/--publish` and `--expose` specifications, parsed like docker's
 * nat.ParsePortSpec (go-connections v0.5, as vendored by docker 28) with its
 * error messages. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct port_map {
    char *host_ip;   /* "" = all addresses; brackets of "[::1]" removed */
    char *host_port; /* "" = random, "8080", or "8000-8010" when one container
                        port takes the first free port of a host range */
    uint16_t ctr_port;
    char proto[5]; /* "tcp", "udp", "sctp" */
};

/* Parse one spec ("8080:80", "127.0.0.1::80", "[::1]:8080:80/udp",
 * "8000-8010:8000-8010" = 11 maps) and append the maps to *out / *n. On
 * error nothing is appended; the message is docker's, code MD_EINVAL. */
int portspec_parse(const char *spec, struct port_map **out, size_t *n, struct md_error *err);
void port_maps_free(struct port_map *m, size_t n);

/* A container port and its protocol: a key of ExposedPorts, PortBindings
 * or NetworkSettings.Ports. */
struct port_key {
    uint16_t port;
    char proto[5];
};
/* The one parser of those "80/tcp" keys ("80" means tcp). MD_EINVAL:
 * `invalid port specification: "80/x"`, `invalid proto: abc`. */
int portspec_parse_key(const char *key, struct port_key *out, struct md_error *err);
/* "80", "80/tcp", "8000-8010/udp". */
int portspec_parse_expose(const char *spec, uint16_t *lo, uint16_t *hi, char proto[5],
                          struct md_error *err);
