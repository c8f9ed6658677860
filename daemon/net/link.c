/* Links, addresses and routes (libnl-route-3), network namespaces and
 * sysctls; see link.h. */
#include "daemon/net/link.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void cleanup_nl_sockp(struct nl_sock **s)
{
    if (*s)
        nl_socket_free(*s);
}
static void cleanup_linkp(struct rtnl_link **l)
{
    if (*l)
        rtnl_link_put(*l);
}
static void cleanup_nladdrp(struct nl_addr **a)
{
    if (*a)
        nl_addr_put(*a);
}
static void cleanup_rtaddrp(struct rtnl_addr **a)
{
    if (*a)
        rtnl_addr_put(*a);
}
static void cleanup_routep(struct rtnl_route **r)
{
    if (*r)
        rtnl_route_put(*r);
}
static void cleanup_cachep(struct nl_cache **c)
{
    if (*c)
        nl_cache_free(*c);
}
#define _cleanup_nlsock_  __attribute__((cleanup(cleanup_nl_sockp)))
#define _cleanup_link_    __attribute__((cleanup(cleanup_linkp)))
#define _cleanup_nladdr_  __attribute__((cleanup(cleanup_nladdrp)))
#define _cleanup_rtaddr_  __attribute__((cleanup(cleanup_rtaddrp)))
#define _cleanup_route_   __attribute__((cleanup(cleanup_routep)))
#define _cleanup_nlcache_ __attribute__((cleanup(cleanup_cachep)))

/* libnl's negative NLE_* codes as md_error (code: the closest errno). */
static int nl_fail(struct md_error *err, int r, const char *what, const char *name)
{
    int code = MD_EINTERNAL;
    switch (-r) {
    case NLE_EXIST:
        code = EEXIST;
        break;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        code = ENODEV;
        break;
    case NLE_PERM:
        code = EPERM;
        break;
    case NLE_BUSY:
        code = EBUSY;
        break;
    default:
        break;
    }
    return md_err(err, code, "%s %s: %s", what, name, nl_geterror(r));
}

/* A route socket in the calling thread's namespace (nsfd < 0) or in nsfd's:
 * the socket keeps the namespace it was created in, so the thread enters
 * it only for the socket() call. */
static struct nl_sock *route_sock(int nsfd, struct md_error *err)
{
    _cleanup_close_ int orig = -1;
    if (nsfd >= 0) {
        orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (orig < 0) {
            md_errno(err, errno, "open /proc/thread-self/ns/net");
            return NULL;
        }
        if (setns(nsfd, CLONE_NEWNET) < 0) {
            md_errno(err, errno, "enter network namespace");
            return NULL;
        }
    }
    struct nl_sock *s = nl_socket_alloc();
    int r = s ? nl_connect(s, NETLINK_ROUTE) : -NLE_NOMEM;
    /* a daemon thread left in a container's namespace would configure the
     * wrong links from then on: there is no sane way to continue */
    if (orig >= 0 && setns(orig, CLONE_NEWNET) < 0)
        abort();
    if (r < 0) {
        if (s)
            nl_socket_free(s);
        nl_fail(err, r, "netlink", "connect");
        return NULL;
    }
    return s;
}

static struct nl_addr *v4addr(uint32_t a, int prefix)
{
    uint32_t be = htonl(a);
    struct nl_addr *n = nl_addr_build(AF_INET, &be, 4);
    if (!n)
        abort();
    nl_addr_set_prefixlen(n, prefix);
    return n;
}

static int get_link(struct nl_sock *s, const char *name, struct rtnl_link **out,
                    struct md_error *err)
{
    int r = rtnl_link_get_kernel(s, 0, name, out);
    if (r < 0)
        return nl_fail(err, r, "find link", name);
    return 0;
}

bool link_exists(const char *name)
{
    _cleanup_nlsock_ struct nl_sock *s = route_sock(-1, NULL);
    _cleanup_link_ struct rtnl_link *l = NULL;
    return s && rtnl_link_get_kernel(s, 0, name, &l) == 0;
}

int link_delete(const char *name, struct md_error *err)
{
    _cleanup_nlsock_ struct nl_sock *s = route_sock(-1, err);
    if (!s)
        return -1;
    _cleanup_link_ struct rtnl_link *l = NULL;
    if (rtnl_link_get_kernel(s, 0, name, &l) < 0)
        return 0;
    int r = rtnl_link_delete(s, l);
    if (r < 0 && r != -NLE_OBJ_NOTFOUND && r != -NLE_NODEV)
        return nl_fail(err, r, "delete link", name);
    return 0;
}

static int first_v4(struct nl_sock *s, int ifindex, struct ipv4_net *out)
{
    _cleanup_nlcache_ struct nl_cache *c = NULL;
    if (rtnl_addr_alloc_cache(s, &c) < 0)
        return -1;
    for (struct nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
        struct rtnl_addr *a = (struct rtnl_addr *)o;
        if (rtnl_addr_get_ifindex(a) != ifindex || rtnl_addr_get_family(a) != AF_INET)
            continue;
        struct nl_addr *local = rtnl_addr_get_local(a);
        if (!local)
            continue;
        uint32_t be;
        memcpy(&be, nl_addr_get_binary_addr(local), 4);
        out->addr = ntohl(be);
        out->prefix = rtnl_addr_get_prefixlen(a);
        return 0;
    }
    return -1;
}

int link_ipv4(const char *name, struct ipv4_net *out, struct md_error *err)
{
    _cleanup_nlsock_ struct nl_sock *s = route_sock(-1, err);
    if (!s)
        return -1;
    _cleanup_link_ struct rtnl_link *l = NULL;
    if (rtnl_link_get_kernel(s, 0, name, &l) < 0)
        return md_err(err, ENOENT, "no link %s", name);
    if (first_v4(s, rtnl_link_get_ifindex(l), out) < 0)
        return md_err(err, ENOENT, "link %s has no IPv4 address", name);
    return 0;
}

static int add_addr(struct nl_sock *s, int ifindex, const char *ifname, uint32_t a, int prefix,
                    struct md_error *err)
{
    _cleanup_rtaddr_ struct rtnl_addr *ra = rtnl_addr_alloc();
    _cleanup_nladdr_ struct nl_addr *local = v4addr(a, prefix);
    _cleanup_nladdr_ struct nl_addr *bcast = v4addr(a | ~ipv4_mask(prefix), 32);
    if (!ra)
        abort();
    rtnl_addr_set_ifindex(ra, ifindex);
    rtnl_addr_set_local(ra, local);
    rtnl_addr_set_prefixlen(ra, prefix);
    rtnl_addr_set_broadcast(ra, bcast);
    int r = rtnl_addr_add(s, ra, 0);
    if (r < 0 && r != -NLE_EXIST) {
        char ip[16];
        ipv4_fmt(a, ip);
        _cleanup_free_ char *what = xasprintf("add address %s/%d to", ip, prefix);
        return nl_fail(err, r, what, ifname);
    }
    return 0;
}

/* Up, with no IPv6 address generation: the networks are IPv4-only, and a
 * link-local address per veth means DAD, MLD and router solicitations for
 * nothing (docker also leaves eth0 without IPv6 on such networks). Both in
 * one request, so the link never comes up with IPv6 on. */
static int set_up_v4only(struct nl_sock *s, struct rtnl_link *l, const char *name,
                         struct md_error *err)
{
    _cleanup_link_ struct rtnl_link *ch = rtnl_link_alloc();
    if (!ch)
        abort();
    rtnl_link_inet6_set_addr_gen_mode(ch, 1 /* IN6_ADDR_GEN_MODE_NONE */);
    rtnl_link_set_flags(ch, IFF_UP);
    int r = rtnl_link_change(s, l, ch, 0);
    if (r < 0)
        return nl_fail(err, r, "set up", name);
    return 0;
}

static int set_up(struct nl_sock *s, struct rtnl_link *l, const char *name, struct md_error *err)
{
    _cleanup_link_ struct rtnl_link *ch = rtnl_link_alloc();
    if (!ch)
        abort();
    rtnl_link_set_flags(ch, IFF_UP);
    int r = rtnl_link_change(s, l, ch, 0);
    if (r < 0)
        return nl_fail(err, r, "set up", name);
    return 0;
}

int sysctl_write(const char *path, const char *value, struct md_error *err)
{
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open %s", path);
    size_t n = strlen(value);
    if (write(fd, value, n) != (ssize_t)n)
        return md_errno(err, errno, "write %s to %s", value, path);
    return 0;
}

char *sysctl_read(const char *path)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    char buf[256];
    if (!f || !fgets(buf, sizeof buf, f))
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    return xstrdup(buf);
}

static int bridge_configure(struct nl_sock *s, const char *name, uint32_t addr, int prefix,
                            struct md_error *err)
{
    _cleanup_link_ struct rtnl_link *br = NULL;
    if (get_link(s, name, &br, err) < 0)
        return -1;
    const char *type = rtnl_link_get_type(br);
    if (!type || strcmp(type, "bridge"))
        return md_err(err, MD_ECONFLICT, "%s exists and is not a bridge", name);
    struct ipv4_net have;
    if (first_v4(s, rtnl_link_get_ifindex(br), &have) < 0 || have.addr != addr ||
        have.prefix != prefix) {
        if (add_addr(s, rtnl_link_get_ifindex(br), name, addr, prefix, err) < 0)
            return -1;
    }
    if (set_up(s, br, name, err) < 0)
        return -1;
    _cleanup_free_ char *rl = xasprintf("/proc/sys/net/ipv4/conf/%s/route_localnet", name);
    return sysctl_write(rl, "1", err);
}

int link_bridge_ensure(const char *name, uint32_t addr, int prefix, bool *created,
                       struct md_error *err)
{
    *created = false;
    _cleanup_nlsock_ struct nl_sock *s = route_sock(-1, err);
    if (!s)
        return -1;
    _cleanup_link_ struct rtnl_link *br = NULL;
    if (rtnl_link_get_kernel(s, 0, name, &br) < 0) {
        _cleanup_link_ struct rtnl_link *nb = rtnl_link_bridge_alloc();
        if (!nb)
            abort();
        rtnl_link_set_name(nb, name);
        /* a fixed MAC: by default a bridge takes the lowest MAC of its
         * ports, so the gateway's MAC would change under the containers'
         * ARP caches whenever a container comes or goes */
        uint8_t mac[6];
        id_random_bytes(mac, sizeof mac);
        mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
        _cleanup_nladdr_ struct nl_addr *lla = nl_addr_build(AF_LLC, mac, 6);
        rtnl_link_set_addr(nb, lla);
        int r = rtnl_link_add(s, nb, NLM_F_CREATE | NLM_F_EXCL);
        if (r < 0)
            return nl_fail(err, r, "create bridge", name);
        *created = true;
    }
    if (bridge_configure(s, name, addr, prefix, err) < 0) {
        if (*created)
            link_delete(name, NULL);
        *created = false;
        return -1;
    }
    return 0;
}

static int route_default(struct nl_sock *s, int ifindex, uint32_t gw, const char *ifname,
                         struct md_error *err)
{
    _cleanup_route_ struct rtnl_route *rt = rtnl_route_alloc();
    if (!rt)
        abort();
    _cleanup_nladdr_ struct nl_addr *dst = v4addr(0, 0);
    struct nl_addr *gwa = v4addr(gw, 32);
    rtnl_route_set_family(rt, AF_INET);
    rtnl_route_set_table(rt, RT_TABLE_MAIN);
    rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
    rtnl_route_set_protocol(rt, RTPROT_BOOT);
    rtnl_route_set_type(rt, RTN_UNICAST);
    rtnl_route_set_dst(rt, dst);
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!nh)
        abort();
    rtnl_route_nh_set_ifindex(nh, ifindex);
    rtnl_route_nh_set_gateway(nh, gwa);
    nl_addr_put(gwa);
    rtnl_route_add_nexthop(rt, nh); /* the route owns nh now */
    int r = rtnl_route_add(s, rt, NLM_F_CREATE | NLM_F_EXCL);
    if (r < 0)
        return nl_fail(err, r, "add default route via", ifname);
    return 0;
}

static int veth_inside(const struct veth_cfg *c, int nsfd, struct md_error *err)
{
    _cleanup_nlsock_ struct nl_sock *ns = route_sock(nsfd, err);
    if (!ns)
        return -1;
    _cleanup_link_ struct rtnl_link *peer = NULL;
    _cleanup_link_ struct rtnl_link *lo = NULL;
    if (get_link(ns, c->peer, &peer, err) < 0 || get_link(ns, "lo", &lo, err) < 0)
        return -1;
    int idx = rtnl_link_get_ifindex(peer);
    if (add_addr(ns, idx, c->peer, c->addr, c->prefix, err) < 0 ||
        set_up_v4only(ns, peer, c->peer, err) < 0 || set_up(ns, lo, "lo", err) < 0)
        return -1;
    if (c->gateway && route_default(ns, idx, c->gateway, c->peer, err) < 0)
        return -1;
    return 0;
}

/* The host end comes up (IPv4 only) with hairpin on its bridge port: with br_netfilter (on by
 * default here), a container's connection to its own published port is
 * DNAT'ed while still being bridged, and the bridge must be allowed to send
 * the frame back out of the port it came in on. */
static int set_hairpin(struct nl_sock *s, const char *port, const char *alias, struct md_error *err)
{
    _cleanup_link_ struct rtnl_link *l = NULL;
    if (get_link(s, port, &l, err) < 0 || set_up_v4only(s, l, port, err) < 0)
        return -1;
    if (alias) {
        /* IFLA_IFALIAS is only applied to an existing link, not at creation */
        _cleanup_link_ struct rtnl_link *ch = rtnl_link_alloc();
        if (!ch)
            abort();
        rtnl_link_set_ifalias(ch, alias);
        int r = rtnl_link_change(s, l, ch, 0);
        if (r < 0)
            return nl_fail(err, r, "set alias of", port);
    }
    /* a bridge-port change is an AF_BRIDGE request on both sides */
    _cleanup_link_ struct rtnl_link *orig = rtnl_link_alloc();
    _cleanup_link_ struct rtnl_link *ch = rtnl_link_alloc();
    if (!orig || !ch)
        abort();
    rtnl_link_set_ifindex(orig, rtnl_link_get_ifindex(l));
    rtnl_link_set_family(orig, AF_BRIDGE);
    rtnl_link_set_family(ch, AF_BRIDGE);
    rtnl_link_bridge_set_flags(ch, RTNL_BRIDGE_HAIRPIN_MODE);
    int r = rtnl_link_change(s, orig, ch, 0);
    if (r < 0)
        return nl_fail(err, r, "set hairpin mode on", port);
    return 0;
}

/* The first character of a sysfs file; 0 when unreadable. */
static char sysfs_char(const char *path)
{
    char c[2] = "";
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, c, 1) != 1)
        return 0;
    return c[0];
}

/* A new bridge port forwards only once the kernel's linkwatch work has seen
 * the veth's carrier come up (a workqueue that needs the RTNL lock, which
 * every other link change holds too: another container's veth going away is
 * enough to delay it). Until then the port drops every frame. And a bridge
 * whose last port went has had its own transmit queue stopped; the new
 * port's carrier starts it again in a later linkwatch run. A packet lost in
 * either gap is an ARP request that is retried only a second later
 * (retrans_time_ms): the first connection to a container that had just
 * started hung for a second, now and then. So both are ready before any
 * rule or process sends traffic this way; usually within 0.2 ms. A bridge
 * with STP on (not ours) may take far longer: then go on, and say so. */
static void wait_forwarding(const char *port, const char *bridge)
{
    _cleanup_free_ char *state = xasprintf("/sys/class/net/%s/brport/state", port);
    _cleanup_free_ char *oper = xasprintf("/sys/class/net/%s/operstate", bridge);
    for (int i = 0; i < 5000; i++) {
        char st = sysfs_char(state), op = sysfs_char(oper);
        if (!st || !op)
            return;
        if (st == '3' && op == 'u') /* BR_STATE_FORWARDING, "up" */
            return;
        struct timespec ts = {.tv_nsec = 200000};
        nanosleep(&ts, NULL);
    }
    log_warn("network: bridge port %s is not forwarding after a second (STP on %s?)", port, bridge);
}

int link_veth_setup(const struct veth_cfg *c, struct md_error *err)
{
    _cleanup_close_ int nsfd = open(c->netns_path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0)
        return md_errno(err, errno, "open network namespace %s", c->netns_path);
    _cleanup_nlsock_ struct nl_sock *s = route_sock(-1, err);
    if (!s)
        return -1;
    _cleanup_link_ struct rtnl_link *br = NULL;
    if (get_link(s, c->bridge, &br, err) < 0)
        return -1;
    unsigned char mac[6];
    if (sscanf(c->mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
               &mac[5]) != 6)
        return md_err(err, MD_EINVAL, "bad MAC address %s", c->mac);

    /* The peer is created directly inside the namespace under its final
     * name: no temporary name on the host, nothing to rename or move. */
    struct rtnl_link *veth = rtnl_link_veth_alloc();
    if (!veth)
        abort();
    struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
    rtnl_link_set_name(veth, c->host);
    rtnl_link_set_master(veth, rtnl_link_get_ifindex(br));
    rtnl_link_set_name(peer, c->peer);
    _cleanup_nladdr_ struct nl_addr *lla = nl_addr_build(AF_LLC, mac, 6);
    rtnl_link_set_addr(peer, lla);
    rtnl_link_set_ns_fd(peer, nsfd);
    int r = rtnl_link_add(s, veth, NLM_F_CREATE | NLM_F_EXCL);
    rtnl_link_put(peer);
    rtnl_link_veth_release(veth);
    if (r < 0)
        return nl_fail(err, r, "create veth pair", c->host);
    if (set_hairpin(s, c->host, c->alias, err) < 0 || veth_inside(c, nsfd, err) < 0) {
        link_delete(c->host, NULL); /* takes the peer with it */
        return -1;
    }
    wait_forwarding(c->host, c->bridge);
    return 0;
}

/* ---- namespaces ---- */

int netns_create(const char *path, struct md_error *err)
{
    _cleanup_close_ int f = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (f < 0)
        return md_errno(err, errno, "create %s", path);
    _cleanup_close_ int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig < 0) {
        int e = errno;
        unlink(path);
        return md_errno(err, e, "open /proc/thread-self/ns/net");
    }
    /* unshare(CLONE_NEWNET) moves only this thread; it comes back below */
    if (unshare(CLONE_NEWNET) < 0) {
        int e = errno;
        unlink(path);
        return md_errno(err, e, "create network namespace");
    }
    int r = mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL);
    int e = errno;
    if (setns(orig, CLONE_NEWNET) < 0)
        abort(); /* see route_sock */
    if (r < 0) {
        unlink(path);
        return md_errno(err, e, "bind-mount network namespace on %s", path);
    }
    return 0;
}

int netns_remove(const char *path, struct md_error *err)
{
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return md_errno(err, errno, "unmount %s", path);
    if (unlink(path) < 0 && errno != ENOENT)
        return md_errno(err, errno, "remove %s", path);
    return 0;
}

int netns_dir_ensure(const char *dir, struct md_error *err)
{
    if (fs_mkdir_p(dir, 0711, err) < 0)
        return md_err_wrap(err, "create %s", dir);
    bool made = false;
    while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
        /* EINVAL: not a mount point yet; make it one, then retry */
        if (errno != EINVAL || made)
            return md_errno(err, errno, "make %s a shared mount", dir);
        if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0)
            return md_errno(err, errno, "bind-mount %s on itself", dir);
        made = true;
    }
    return 0;
}

void netns_dir_release(const char *dir)
{
    if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        log_warn("unmount %s: %s", dir, strerror(errno));
    if (rmdir(dir) < 0 && errno != ENOENT)
        log_warn("remove %s: %s", dir, strerror(errno));
}
