/* Host port resolution and reservation; see ports.h. */
#include "daemon/net/ports.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "daemon/net/ipam.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* docker's allocator hands out dynamic ports in order, continuing after
 * the last one given, so a port just released is not reused at once */
static pthread_mutex_t dyn_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t dyn_next = PORTS_DYN_FIRST;

int ports_host_ip(const char *in, char out[46], struct md_error *err)
{
    if (!in || !*in) {
        snprintf(out, 46, "0.0.0.0");
        return 0;
    }
    if (strchr(in, ':'))
        return md_err(err, MD_EINVAL, "invalid host IP %s: IPv6 port publishing is not supported",
                      in);
    uint32_t a;
    if (ipv4_parse(in, &a) < 0)
        return md_err(err, MD_EINVAL, "invalid host IP %s", in);
    ipv4_fmt(a, out);
    return 0;
}

/* A socket bound to ip:port, or -1 with errno. -2: the protocol has no
 * socket here (sctp without its module); nothing to hold then. */
static int bind_port(const char *ip, uint16_t port, const char *proto)
{
    int type = SOCK_STREAM, protocol = 0;
    if (!strcmp(proto, "udp"))
        type = SOCK_DGRAM;
    else if (!strcmp(proto, "sctp"))
        protocol = IPPROTO_SCTP;
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, protocol);
    if (fd < 0)
        return errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT ? -2 : -1;
    /* no SO_REUSEADDR: with it a host server that sets it too (most do)
     * could bind the port beside ours */
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* 0 and *fd (>= -1) on success; else errno */
static int try_port(const char *ip, uint16_t port, const char *proto, ports_taken_fn taken,
                    void *ctx, int *fd)
{
    if (taken && taken(ip, port, proto, ctx))
        return EADDRINUSE;
    int r = bind_port(ip, port, proto);
    if (r == -1)
        return errno;
    *fd = r == -2 ? -1 : r;
    return 0;
}

static int fail(struct md_error *err, int e, const char *endpoint, const char *ip,
                const char *ports, const char *proto)
{
    if (e == EADDRINUSE)
        return md_err(err, EADDRINUSE,
                      "driver failed programming external connectivity on endpoint %s: Bind for "
                      "%s:%s failed: port is already allocated",
                      endpoint, ip, ports);
    return md_errno(err, e,
                    "driver failed programming external connectivity on endpoint %s: failed to "
                    "bind host port %s:%s/%s",
                    endpoint, ip, ports, proto);
}

static int resolve_one(const struct port_map *m, const char *endpoint, ports_taken_fn taken,
                       void *ctx, struct net_port *p, int *fd, struct md_error *err)
{
    memset(p, 0, sizeof *p);
    *fd = -1;
    if (ports_host_ip(m->host_ip, p->host_ip, err) < 0)
        return -1;
    snprintf(p->proto, sizeof p->proto, "%s", m->proto[0] ? m->proto : "tcp");
    p->ctr_port = m->ctr_port;
    const char *hp = m->host_port ? m->host_port : "";
    unsigned lo, hi;
    char dash;
    if (!*hp) {
        pthread_mutex_lock(&dyn_lock);
        int e = EADDRINUSE;
        for (unsigned i = 0; i <= PORTS_DYN_LAST - PORTS_DYN_FIRST; i++) {
            uint16_t port = dyn_next;
            dyn_next = port == PORTS_DYN_LAST ? PORTS_DYN_FIRST : port + 1;
            e = try_port(p->host_ip, port, p->proto, taken, ctx, fd);
            if (e == 0) {
                p->host_port = port;
                break;
            }
            if (e != EADDRINUSE && e != EACCES)
                break;
        }
        pthread_mutex_unlock(&dyn_lock);
        if (e == 0)
            return 0;
        if (e == EADDRINUSE)
            return md_err(err, EADDRINUSE,
                          "driver failed programming external connectivity on endpoint %s: no "
                          "available ports in %d-%d for %s/%s",
                          endpoint, PORTS_DYN_FIRST, PORTS_DYN_LAST, p->host_ip, p->proto);
        return fail(err, e, endpoint, p->host_ip, "0", p->proto);
    }
    int nf = sscanf(hp, "%u%c%u", &lo, &dash, &hi);
    if (nf == 1)
        hi = lo;
    else if (nf != 3 || dash != '-')
        return md_err(err, MD_EINVAL, "invalid host port %s", hp);
    if (lo == 0 || hi > 65535 || lo > hi)
        return md_err(err, MD_EINVAL, "invalid host port %s", hp);
    int e = EADDRINUSE;
    for (unsigned port = lo; port <= hi; port++) {
        e = try_port(p->host_ip, (uint16_t)port, p->proto, taken, ctx, fd);
        if (e == 0) {
            p->host_port = (uint16_t)port;
            return 0;
        }
        if (e != EADDRINUSE)
            break;
    }
    return fail(err, e, endpoint, p->host_ip, hp, p->proto);
}

int ports_reserve(const struct port_map *maps, size_t n, const char *endpoint, ports_taken_fn taken,
                  void *ctx, struct net_port **out, int **fds, struct md_error *err)
{
    *out = NULL;
    *fds = NULL;
    if (!n)
        return 0;
    struct net_port *p = xcalloc(n, sizeof *p);
    int *f = xcalloc(n, sizeof *f);
    for (size_t i = 0; i < n; i++) {
        if (resolve_one(&maps[i], endpoint, taken, ctx, &p[i], &f[i], err) < 0) {
            ports_release(f, i);
            free(f);
            free(p);
            return -1;
        }
    }
    *out = p;
    *fds = f;
    return 0;
}

void ports_rebind(const struct net_port *p, size_t n, int *fds)
{
    for (size_t i = 0; i < n; i++) {
        int r = bind_port(p[i].host_ip, p[i].host_port, p[i].proto);
        fds[i] = r >= 0 ? r : -1;
        if (r == -1)
            log_warn("cannot reserve published port %s:%u/%s again: %s", p[i].host_ip,
                     p[i].host_port, p[i].proto, strerror(errno));
    }
}

void ports_release(int *fds, size_t n)
{
    for (size_t i = 0; fds && i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
        fds[i] = -1;
    }
}
