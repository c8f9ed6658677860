/* -p / --expose parsing, following go-connections' nat package step by step
 * so that the accepted forms and the first error reported match docker's. */
#include "common/portspec.h"
#include "common/netopts.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* strconv.ParseUint(s, 10, 16) with Go's error text. */
static int parse_u16(const char *s, size_t n, uint16_t *out, char **why)
{
    _cleanup_free_ char *str = xstrndup(s, n);
    if (n == 0) {
        *why = xasprintf("strconv.ParseUint: parsing \"\": invalid syntax");
        return -1;
    }
    unsigned long v = 0;
    bool range = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            struct strbuf b = STRBUF_INIT;
            sb_add(&b, "strconv.ParseUint: parsing ");
            sb_add_quoted(&b, str);
            sb_add(&b, ": invalid syntax");
            *why = sb_steal(&b);
            return -1;
        }
        if (!range) {
            v = v * 10 + (unsigned long)(s[i] - '0');
            if (v > 65535)
                range = true;
        }
    }
    if (range) {
        struct strbuf b = STRBUF_INIT;
        sb_add(&b, "strconv.ParseUint: parsing ");
        sb_add_quoted(&b, str);
        sb_add(&b, ": value out of range");
        *why = sb_steal(&b);
        return -1;
    }
    *out = (uint16_t)v;
    return 0;
}

/* nat.ParsePortRange: "80" or "8000-8010"; like Go it reads only the first
 * two '-'-separated fields, so "80-90-100" is 80-90. */
static int parse_range(const char *s, uint16_t *lo, uint16_t *hi, char **why)
{
    if (!*s) {
        *why = xstrdup("empty string specified for ports");
        return -1;
    }
    const char *dash = strchr(s, '-');
    if (!dash) {
        if (parse_u16(s, strlen(s), lo, why) < 0)
            return -1;
        *hi = *lo;
        return 0;
    }
    const char *second = dash + 1;
    size_t second_len = strcspn(second, "-");
    if (parse_u16(s, (size_t)(dash - s), lo, why) < 0 || parse_u16(second, second_len, hi, why) < 0)
        return -1;
    if (*hi < *lo) {
        *why = xasprintf("invalid range specified for port: %s", s);
        return -1;
    }
    return 0;
}

/* nat.SplitProtoPort: "80/udp" -> ("udp", "80"); a missing or empty proto
 * is "tcp"; an empty port gives ("", ""). Fields after a second '/' are
 * ignored, as in Go. */
static void split_proto_port(const char *raw, char **proto, char **port)
{
    const char *slash = strchr(raw, '/');
    size_t pl = slash ? (size_t)(slash - raw) : strlen(raw);
    if (pl == 0) {
        *proto = xstrdup("");
        *port = xstrdup("");
        return;
    }
    *port = xstrndup(raw, pl);
    if (!slash) {
        *proto = xstrdup("tcp");
        return;
    }
    const char *p = slash + 1;
    size_t n = strcspn(p, "/");
    *proto = n ? xstrndup(p, n) : xstrdup("tcp");
}

/* net.SplitHostPort(ip + ":") for a bracketed address, which is how docker
 * strips the brackets; messages are Go's AddrError texts. */
static int strip_brackets(const char *ip, char **host, char **why)
{
    _cleanup_free_ char *hp = xasprintf("%s:", ip);
    size_t n = strlen(hp);
    const char *last_colon = strrchr(hp, ':');
    size_t i = (size_t)(last_colon - hp);
    const char *rb = strchr(hp, ']');
    const char *msg = NULL;
    if (!rb) {
        msg = "missing ']' in address";
    } else {
        size_t end = (size_t)(rb - hp);
        if (end + 1 == n)
            msg = "missing port in address";
        else if (end + 1 != i)
            msg = hp[end + 1] == ':' ? "too many colons in address" : "missing port in address";
        else if (strchr(hp + 1, '['))
            msg = "unexpected '[' in address";
        else if (strchr(hp + end + 1, ']'))
            msg = "unexpected ']' in address";
        else
            *host = xstrndup(hp + 1, end - 1);
    }
    if (msg) {
        *why = xasprintf("address %s: %s", hp, msg);
        return -1;
    }
    return 0;
}

static bool valid_proto(const char *p)
{
    return strcmp(p, "tcp") == 0 || strcmp(p, "udp") == 0 || strcmp(p, "sctp") == 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int portspec_parse(const char *spec, struct port_map **out, size_t *n, struct md_error *err)
{
    if (!spec)
        spec = "";
    /* splitParts: the last field is the container port, the one before it
     * the host port, and everything before that (rejoined) the host IP, so
     * "::1:8080:80" reads as IP "::1". */
    const char *last = strrchr(spec, ':');
    _cleanup_free_ char *ip = NULL, *host_port = NULL, *ctr = NULL;
    if (!last) {
        ip = xstrdup("");
        host_port = xstrdup("");
        ctr = xstrdup(spec);
    } else {
        ctr = xstrdup(last + 1);
        const char *prev = NULL;
        for (const char *p = spec; p < last; p++)
            if (*p == ':')
                prev = p;
        if (!prev) {
            ip = xstrdup("");
            host_port = xstrndup(spec, (size_t)(last - spec));
        } else {
            ip = xstrndup(spec, (size_t)(prev - spec));
            host_port = xstrndup(prev + 1, (size_t)(last - prev - 1));
        }
    }
    _cleanup_free_ char *proto = NULL, *ctr_port = NULL;
    split_proto_port(ctr, &proto, &ctr_port);

    if (ip[0] == '[') {
        _cleanup_free_ char *why = NULL;
        char *host = NULL;
        if (strip_brackets(ip, &host, &why) < 0)
            return md_err(err, MD_EINVAL, "invalid IP address %s: %s", ip, why);
        free(ip);
        ip = host;
    }
    if (ip[0] && !netopt_ip_valid(ip))
        return md_err(err, MD_EINVAL, "invalid IP address: %s", ip);
    if (!ctr_port[0])
        return md_err(err, MD_EINVAL, "no port specified: %s<empty>", spec);

    uint16_t lo, hi, hlo = 0, hhi = 0;
    _cleanup_free_ char *why = NULL;
    if (parse_range(ctr_port, &lo, &hi, &why) < 0)
        return md_err(err, MD_EINVAL, "invalid containerPort: %s", ctr_port);
    if (host_port[0] && parse_range(host_port, &hlo, &hhi, &why) < 0)
        return md_err(err, MD_EINVAL, "invalid hostPort: %s", host_port);
    /* A host range for a single container port is the pool the daemon picks
     * a free port from; any other size mismatch is an error. */
    if (host_port[0] && hi - lo != hhi - hlo && hi != lo)
        return md_err(err, MD_EINVAL,
                      "invalid ranges specified for container and host Ports: %s and %s", ctr_port,
                      host_port);
    _cleanup_free_ char *lproto = xstrdup(proto);
    lower(lproto);
    if (!valid_proto(lproto))
        return md_err(err, MD_EINVAL, "invalid proto: %s", proto);

    size_t count = (size_t)hi - lo + 1;
    *out = xrealloc(*out, (*n + count) * sizeof(**out));
    for (size_t i = 0; i < count; i++) {
        struct port_map *m = &(*out)[*n + i];
        memset(m, 0, sizeof(*m));
        m->host_ip = xstrdup(ip);
        if (!host_port[0])
            m->host_port = xstrdup("");
        else if (count == 1 && hlo != hhi)
            m->host_port = xasprintf("%u-%u", (unsigned)hlo, (unsigned)hhi);
        else
            m->host_port = xasprintf("%u", (unsigned)(hlo + i));
        m->ctr_port = (uint16_t)(lo + i);
        strcpy(m->proto, lproto);
    }
    *n += count;
    return 0;
}

void port_maps_free(struct port_map *m, size_t n)
{
    if (!m)
        return;
    for (size_t i = 0; i < n; i++) {
        free(m[i].host_ip);
        free(m[i].host_port);
    }
    free(m);
}

int portspec_parse_expose(const char *spec, uint16_t *lo, uint16_t *hi, char proto[5],
                          struct md_error *err)
{
    if (!spec)
        spec = "";
    if (strchr(spec, ':'))
        return md_err(err, MD_EINVAL, "invalid port format for --expose: %s", spec);
    _cleanup_free_ char *p = NULL, *port = NULL, *why = NULL;
    split_proto_port(spec, &p, &port);
    if (parse_range(port, lo, hi, &why) < 0)
        return md_err(err, MD_EINVAL, "invalid range format for --expose: %s, error: %s", spec,
                      why);
    _cleanup_free_ char *lp = xstrdup(p);
    lower(lp);
    if (!valid_proto(lp))
        return md_err(err, MD_EINVAL, "invalid proto: %s", p);
    strcpy(proto, lp);
    return 0;
}

int portspec_parse_key(const char *key, struct port_key *out, struct md_error *err)
{
    const char *slash = strchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) : strlen(key);
    uint16_t port = 0;
    _cleanup_free_ char *why = NULL;
    if (parse_u16(key, n, &port, &why) < 0 || port == 0)
        return md_err(err, MD_EINVAL, "invalid port specification: \"%s\"", key);
    /* "80/" is tcp too, as the daemon always took it */
    const char *proto = slash && slash[1] ? slash + 1 : "tcp";
    if (!valid_proto(proto))
        return md_err(err, MD_EINVAL, "invalid proto: %s", proto);
    out->port = port;
    snprintf(out->proto, sizeof out->proto, "%s", proto);
    return 0;
}
