/* IPv4 pools and subnet choice; see ipam.h. */
#include "daemon/net/ipam.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int ipv4_parse(const char *s, uint32_t *out)
{
    struct in_addr in;
    if (!s || inet_pton(AF_INET, s, &in) != 1)
        return -1;
    *out = ntohl(in.s_addr);
    return 0;
}

uint32_t ipv4_mask(int prefix)
{
    return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

int ipv4_parse_cidr(const char *s, struct ipv4_net *out, bool allow_host_bits)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash == s || slash - s > 15)
        return -1;
    char a[16];
    memcpy(a, s, (size_t)(slash - s));
    a[slash - s] = '\0';
    char *end;
    if (!slash[1] || slash[1] == '-' || slash[1] == '+')
        return -1;
    long p = strtol(slash + 1, &end, 10);
    if (*end || p < 0 || p > 32)
        return -1;
    uint32_t addr;
    if (ipv4_parse(a, &addr) < 0)
        return -1;
    if (!allow_host_bits && (addr & ~ipv4_mask((int)p)))
        return -1;
    out->addr = addr;
    out->prefix = (int)p;
    return 0;
}

void ipv4_fmt(uint32_t a, char out[16])
{
    snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

void ipv4_net_fmt(const struct ipv4_net *n, char out[20])
{
    char a[16];
    ipv4_fmt(n->addr, a);
    snprintf(out, 20, "%s/%d", a, n->prefix);
}

bool ipv4_net_contains(const struct ipv4_net *n, uint32_t a)
{
    uint32_t m = ipv4_mask(n->prefix);
    return (a & m) == (n->addr & m);
}

bool ipv4_net_overlap(const struct ipv4_net *a, const struct ipv4_net *b)
{
    int p = a->prefix < b->prefix ? a->prefix : b->prefix;
    uint32_t m = ipv4_mask(p);
    return (a->addr & m) == (b->addr & m);
}

void ipv4_mac(uint32_t a, char out[18])
{
    snprintf(out, 18, "02:42:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
             a & 255);
}

/* ---- pools ---- */

static uint64_t pool_size(const struct ipam_pool *p)
{
    return (uint64_t)1 << (32 - p->subnet.prefix);
}

static bool bit_get(const struct ipam_pool *p, uint32_t a)
{
    uint64_t i = a - p->subnet.addr;
    return p->bitmap[i / 8] & (1u << (i % 8));
}

static void bit_set(struct ipam_pool *p, uint32_t a, bool on)
{
    uint64_t i = a - p->subnet.addr;
    if (on)
        p->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        p->bitmap[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

int ipam_pool_init(struct ipam_pool *p, const struct ipv4_net *subnet, uint32_t gateway,
                   struct md_error *err)
{
    memset(p, 0, sizeof *p);
    /* /31 and /32 leave no address for a container besides the gateway;
     * below /8 the bitmap would be large for no real use */
    if (subnet->prefix < 8 || subnet->prefix > 30)
        return md_err(err, MD_EINVAL, "invalid subnet prefix /%d: must be between /8 and /30",
                      subnet->prefix);
    p->subnet.addr = subnet->addr & ipv4_mask(subnet->prefix);
    p->subnet.prefix = subnet->prefix;
    p->gateway = gateway ? gateway : p->subnet.addr + 1;
    if (!ipv4_net_contains(&p->subnet, p->gateway)) {
        char g[16], s[20];
        ipv4_fmt(p->gateway, g);
        ipv4_net_fmt(&p->subnet, s);
        memset(p, 0, sizeof *p);
        return md_err(err, MD_EINVAL, "gateway %s is not in subnet %s", g, s);
    }
    p->bitmap = xcalloc((size_t)((pool_size(p) + 7) / 8), 1);
    return 0;
}

void ipam_pool_free(struct ipam_pool *p)
{
    free(p->leases);
    free(p->bitmap);
    memset(p, 0, sizeof *p);
}

static bool usable(const struct ipam_pool *p, uint32_t a)
{
    uint32_t bcast = p->subnet.addr | ~ipv4_mask(p->subnet.prefix);
    return ipv4_net_contains(&p->subnet, a) && a != p->subnet.addr && a != bcast && a != p->gateway;
}

bool ipam_is_leased(const struct ipam_pool *p, uint32_t a)
{
    return ipv4_net_contains(&p->subnet, a) && p->bitmap && bit_get(p, a);
}

const char *ipam_owner(const struct ipam_pool *p, uint32_t a)
{
    for (size_t i = 0; i < p->nleases; i++)
        if (p->leases[i].addr == a)
            return p->leases[i].owner;
    return NULL;
}

static void add_lease(struct ipam_pool *p, uint32_t a, const char *owner)
{
    p->leases = xrealloc(p->leases, (p->nleases + 1) * sizeof *p->leases);
    p->leases[p->nleases].addr = a;
    snprintf(p->leases[p->nleases].owner, sizeof p->leases[p->nleases].owner, "%s",
             owner ? owner : "");
    p->nleases++;
    bit_set(p, a, true);
}

int ipam_alloc(struct ipam_pool *p, const char *owner, uint32_t *out, struct md_error *err)
{
    uint64_t n = pool_size(p);
    uint32_t start = p->last && ipv4_net_contains(&p->subnet, p->last) ? p->last : p->subnet.addr;
    for (uint64_t i = 1; i <= n; i++) {
        uint32_t a = p->subnet.addr + (uint32_t)((start - p->subnet.addr + i) % n);
        if (!usable(p, a) || bit_get(p, a))
            continue;
        add_lease(p, a, owner);
        p->last = a;
        *out = a;
        return 0;
    }
    return md_err(err, MD_ECONFLICT, "no available addresses on this pool");
}

int ipam_reserve(struct ipam_pool *p, uint32_t a, const char *owner, struct md_error *err)
{
    char s[16];
    ipv4_fmt(a, s);
    if (!usable(p, a)) {
        char n[20];
        ipv4_net_fmt(&p->subnet, n);
        return md_err(err, MD_EINVAL, "invalid address %s: not a host address of %s", s, n);
    }
    if (bit_get(p, a))
        return md_err(err, MD_ECONFLICT, "Address already in use: %s", s);
    add_lease(p, a, owner);
    return 0;
}

void ipam_release(struct ipam_pool *p, uint32_t a)
{
    for (size_t i = 0; i < p->nleases; i++) {
        if (p->leases[i].addr != a)
            continue;
        p->leases[i] = p->leases[--p->nleases];
        bit_set(p, a, false);
        return;
    }
}

size_t ipam_release_owner(struct ipam_pool *p, const char *owner)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nleases;) {
        if (!strcmp(p->leases[i].owner, owner)) {
            bit_set(p, p->leases[i].addr, false);
            p->leases[i] = p->leases[--p->nleases];
            n++;
        } else {
            i++;
        }
    }
    return n;
}

json_t *ipam_pool_to_json(const struct ipam_pool *p)
{
    char s[20], g[16], l[16];
    ipv4_net_fmt(&p->subnet, s);
    ipv4_fmt(p->gateway, g);
    ipv4_fmt(p->last, l);
    json_t *leases = json_object();
    for (size_t i = 0; i < p->nleases; i++) {
        char a[16];
        ipv4_fmt(p->leases[i].addr, a);
        json_object_set_new(leases, a, json_string(p->leases[i].owner));
    }
    return json_pack("{s:s,s:s,s:s,s:o}", "Subnet", s, "Gateway", g, "Last", p->last ? l : "",
                     "Leases", leases);
}

int ipam_pool_from_json(json_t *j, struct ipam_pool *p, struct md_error *err)
{
    struct ipv4_net sn;
    uint32_t gw = 0, last = 0;
    const char *s = json_string_value(json_object_get(j, "Subnet"));
    if (!s || ipv4_parse_cidr(s, &sn, false) < 0)
        return md_err(err, MD_EINTERNAL, "bad pool: Subnet %s", s ? s : "missing");
    const char *g = json_string_value(json_object_get(j, "Gateway"));
    if (g && *g && ipv4_parse(g, &gw) < 0)
        return md_err(err, MD_EINTERNAL, "bad pool: Gateway %s", g);
    if (ipam_pool_init(p, &sn, gw, err) < 0)
        return -1;
    const char *l = json_string_value(json_object_get(j, "Last"));
    if (l && *l && ipv4_parse(l, &last) == 0 && ipv4_net_contains(&p->subnet, last))
        p->last = last;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(j, "Leases"), k, v)
    {
        uint32_t a;
        const char *owner = json_string_value(v);
        if (ipv4_parse(k, &a) < 0 || !usable(p, a) || bit_get(p, a) || !owner) {
            log_warn("ipam: dropping bad lease %s in %s", k, s);
            continue;
        }
        add_lease(p, a, owner);
    }
    return 0;
}

/* ---- subnet choice ---- */

int ipam_parse_proc_routes(const char *text, char *const *skip_ifaces, struct ipv4_net **out,
                           size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        char buf[512];
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = nl ? nl + 1 : NULL;
        char ifname[64];
        unsigned dst, gw, flags, refcnt, use, metric, mask;
        /* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the
         * hex words are the kernel's network-order u32 printed natively */
        if (sscanf(buf, "%63s %x %x %x %u %u %u %x", ifname, &dst, &gw, &flags, &refcnt, &use,
                   &metric, &mask) != 8)
            continue;
        uint32_t d = ntohl(dst), m = ntohl(mask);
        if (m == 0)
            continue;
        bool skip = false;
        for (char *const *sk = skip_ifaces; sk && *sk && !skip; sk++)
            skip = !strcmp(*sk, ifname);
        if (skip)
            continue;
        int prefix = 0;
        while (prefix < 32 && (m & (0x80000000u >> prefix)))
            prefix++;
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[*n].addr = d & ipv4_mask(prefix);
        (*out)[*n].prefix = prefix;
        (*n)++;
    }
    return 0;
}

static bool is_free(const struct ipv4_net *c, const struct ipv4_net *taken, size_t ntaken)
{
    for (size_t i = 0; i < ntaken; i++)
        if (ipv4_net_overlap(c, &taken[i]))
            return false;
    return true;
}

int ipam_pick_subnet(const struct ipv4_net *want, const struct ipv4_net *taken, size_t ntaken,
                     struct ipv4_net *out)
{
    if (want) {
        struct ipv4_net w = {want->addr & ipv4_mask(want->prefix), want->prefix};
        if (is_free(&w, taken, ntaken)) {
            *out = w;
            return 0;
        }
    }
    for (uint32_t b = 17; b <= 31; b++) {
        struct ipv4_net c = {(172u << 24) | (b << 16), 16};
        if (is_free(&c, taken, ntaken)) {
            *out = c;
            return 0;
        }
    }
    for (uint32_t b = 0; b <= 240; b += 16) {
        struct ipv4_net c = {(192u << 24) | (168u << 16) | (b << 8), 20};
        if (is_free(&c, taken, ntaken)) {
            *out = c;
            return 0;
        }
    }
    return -1;
}
