/* Container networking: the networks and endpoints the daemon knows, their
 * persistence under data-root/network/, and the order in which connect and
 * disconnect touch the kernel (netns, veth, nft rules, port reservations),
 * undoing their own steps on failure. See net.h. */
#include "daemon/net/net.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "daemon/daemon.h"
#include "daemon/net/ipam.h"
#include "daemon/net/link.h"
#include "daemon/net/nftrules.h"
#include "daemon/net/netpriv.h"
#include "daemon/net/ports.h"
#include "daemon/net/reap.h"
#include "daemon/state/events.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static struct net_hooks hooks;
pthread_mutex_t net_mu = PTHREAD_MUTEX_INITIALIZER;
struct network **net_list;
size_t net_count;
struct endpoint *net_eps;
bool net_inited;

/* Where a connect or disconnect spends its time, for --log-level debug:
 * "netns 0.52 ms, veth 1.31 ms, ...". */
struct steps {
    int64_t t;
    char text[192];
    size_t len;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void step(struct steps *s, const char *what)
{
    int64_t now = mono_us();
    if (s->t && s->len < sizeof s->text) {
        int n = snprintf(s->text + s->len, sizeof s->text - s->len, "%s%s %.2f ms",
                         s->len ? ", " : "", what, (double)(now - s->t) / 1000);
        if (n > 0)
            s->len += (size_t)n;
    }
    s->t = now;
}

void net_set_hooks(const struct net_hooks *h)
{
    pthread_mutex_lock(&net_mu);
    hooks = h ? *h : (struct net_hooks){0};
    pthread_mutex_unlock(&net_mu);
}

void net_get_hooks(struct net_hooks *h)
{
    pthread_mutex_lock(&net_mu);
    *h = hooks;
    pthread_mutex_unlock(&net_mu);
}

/* ---- small helpers ---- */

bool netp_valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 15)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static bool valid_table(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static char *netns_path_of(const char *id)
{
    return md_exec_path("netns/%s", id);
}

void netp_network_free(struct network *n)
{
    if (!n)
        return;
    json_decref(n->labels);
    json_decref(n->options);
    ipam_pool_free(&n->pool);
    free(n);
}

void net_endpoint_free(struct net_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->ports);
    strv_free(ep->aliases);
    strv_free(ep->dns_names);
    ep->ports = NULL;
    ep->nports = 0;
    ep->aliases = NULL;
    ep->dns_names = NULL;
}

static void endpoint_copy(struct net_endpoint *dst, const struct net_endpoint *src)
{
    *dst = *src;
    dst->ports = NULL;
    if (src->nports) {
        dst->ports = xcalloc(src->nports, sizeof *dst->ports);
        memcpy(dst->ports, src->ports, src->nports * sizeof *dst->ports);
    }
    dst->aliases = src->aliases ? strv_dup(src->aliases) : NULL;
    dst->dns_names = src->dns_names ? strv_dup(src->dns_names) : NULL;
}

static void endpoint_free(struct endpoint *e)
{
    if (!e)
        return;
    ports_release(e->fds, e->ep.nports);
    free(e->fds);
    net_endpoint_free(&e->ep);
    free(e->name);
    free(e->hostname);
    free(e);
}

/* lock held */
struct network *netp_find(const char *ref)
{
    if (!ref || !*ref)
        return NULL;
    if (!strcmp(ref, "default"))
        ref = "bridge";
    for (size_t i = 0; i < net_count; i++)
        if (!strcmp(net_list[i]->id, ref))
            return net_list[i];
    for (size_t i = 0; i < net_count; i++)
        if (!strcmp(net_list[i]->name, ref))
            return net_list[i];
    _cleanup_free_ const char **ids = xcalloc(net_count + 1, sizeof *ids);
    for (size_t i = 0; i < net_count; i++)
        ids[i] = net_list[i]->id;
    long m = id_prefix_match(ref, ids, net_count);
    return m >= 0 ? net_list[m] : NULL;
}

struct network *netp_find_id(const char *id)
{
    for (size_t i = 0; i < net_count; i++)
        if (!strcmp(net_list[i]->id, id))
            return net_list[i];
    return NULL;
}

static struct endpoint *find_ep(const char *ctr, const char *net_id)
{
    for (struct endpoint *e = net_eps; e; e = e->next)
        if (!strcmp(e->ctr, ctr) && (!net_id || !strcmp(e->ep.network_id, net_id)))
            return e;
    return NULL;
}

static bool ctr_has_ep(const char *ctr)
{
    return find_ep(ctr, NULL) != NULL;
}

/* ---- persistence ---- */

/* Atomic replace without fsync. Leases and endpoints only matter while
 * containers live; a daemon crash (even kill -9) keeps the page cache, and
 * a power cut ends every container, after which reconcile drops whatever
 * survived on disk. Two fsyncs per file cost more than the rest of a
 * connect (they dominated it here), for no case that needs them. */
static int write_state(const char *path, json_t *j, struct md_error *err)
{
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return md_err(err, MD_EINTERNAL, "write %s: cannot encode", path);
    /* FS_EXCHANGE: on every connect and disconnect, ext4 would start
     * writing out a file renamed over another at once (fsutil.h) */
    return fs_write_replace_at(AT_FDCWD, path, text, strlen(text), 0600, FS_EXCHANGE, err);
}

static json_t *network_to_json(const struct network *n)
{
    json_t *j = json_pack("{s:s,s:s,s:s,s:I,s:s,s:b,s:b,s:b,s:O,s:O}", "Id", n->id, "Name", n->name,
                          "Driver", n->driver, "Created", (json_int_t)n->created_ns, "Bridge",
                          n->bridge, "Predefined", n->predefined, "Internal", n->internal,
                          "Attachable", n->attachable, "Labels", n->labels, "Options", n->options);
    if (n->has_pool) {
        char s[20], g[16];
        ipv4_net_fmt(&n->pool.subnet, s);
        ipv4_fmt(n->pool.gateway, g);
        json_object_set_new(j, "Subnet", json_string(s));
        json_object_set_new(j, "Gateway", json_string(g));
    }
    return j;
}

static struct network *network_from_json(json_t *j)
{
    const char *id = json_str(j, "Id"), *name = json_str(j, "Name"), *drv = json_str(j, "Driver");
    if (!id || !id_is_full(id) || !name || !drv)
        return NULL;
    struct network *n = xcalloc(1, sizeof *n);
    snprintf(n->id, sizeof n->id, "%s", id);
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->driver, sizeof n->driver, "%s", drv);
    snprintf(n->bridge, sizeof n->bridge, "%s", json_str(j, "Bridge") ? json_str(j, "Bridge") : "");
    n->created_ns = json_integer_value(json_object_get(j, "Created"));
    n->predefined = json_is_true(json_object_get(j, "Predefined"));
    n->internal = json_is_true(json_object_get(j, "Internal"));
    n->attachable = json_is_true(json_object_get(j, "Attachable"));
    json_t *l = json_object_get(j, "Labels"), *o = json_object_get(j, "Options");
    n->labels = json_is_object(l) ? json_deep_copy(l) : json_object();
    n->options = json_is_object(o) ? json_deep_copy(o) : json_object();
    if (!strcmp(n->driver, "bridge")) {
        struct ipv4_net sn;
        uint32_t gw = 0;
        const char *s = json_str(j, "Subnet"), *g = json_str(j, "Gateway");
        if (s && ipv4_parse_cidr(s, &sn, false) == 0 && (!g || ipv4_parse(g, &gw) == 0) &&
            ipam_pool_init(&n->pool, &sn, gw, NULL) == 0)
            n->has_pool = true;
        else if (!n->predefined) {
            log_warn("network %s: bad stored subnet; dropped", n->name);
            netp_network_free(n);
            return NULL;
        }
    }
    return n;
}

int netp_save_networks(struct md_error *err)
{
    _cleanup_json_ json_t *arr = json_array();
    for (size_t i = 0; i < net_count; i++)
        json_array_append_new(arr, network_to_json(net_list[i]));
    _cleanup_free_ char *path = md_data_path("network/networks.json");
    return write_state(path, arr, err);
}

int netp_save_ipam(struct md_error *err)
{
    _cleanup_json_ json_t *obj = json_object();
    for (size_t i = 0; i < net_count; i++)
        if (net_list[i]->has_pool)
            json_object_set_new(obj, net_list[i]->id, ipam_pool_to_json(&net_list[i]->pool));
    _cleanup_free_ char *path = md_data_path("network/ipam.json");
    return write_state(path, obj, err);
}

static json_t *ports_to_json(const struct net_port *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:s}", "HostIp", p[i].host_ip, "HostPort",
                                           p[i].host_port, "CtrPort", p[i].ctr_port, "Proto",
                                           p[i].proto));
    return a;
}

static json_t *endpoint_to_json(const struct endpoint *e)
{
    const struct net_endpoint *ep = &e->ep;
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:o}", "Container", e->ctr, "Name",
        e->name ? e->name : "", "Hostname", e->hostname ? e->hostname : "", "Network", ep->network,
        "NetworkID", ep->network_id, "EndpointID", ep->endpoint_id, "Bridge", ep->bridge, "Veth",
        ep->veth_host, "Ifname", ep->ifname, "IP", ep->ip, "Gateway", ep->gateway, "Mac", ep->mac,
        "Prefix", ep->prefix, "Ports", ports_to_json(ep->ports, ep->nports));
    json_object_set_new(j, "Aliases", json_strv(ep->aliases));
    json_object_set_new(j, "DNSNames", json_strv(ep->dns_names));
    return j;
}

static void copy_str(char *dst, size_t n, json_t *j, const char *key)
{
    const char *s = json_str(j, key);
    snprintf(dst, n, "%s", s ? s : "");
}

static struct endpoint *endpoint_from_json(json_t *j)
{
    const char *ctr = json_str(j, "Container");
    if (!ctr || !id_is_full(ctr))
        return NULL;
    struct endpoint *e = xcalloc(1, sizeof *e);
    struct net_endpoint *ep = &e->ep;
    snprintf(e->ctr, sizeof e->ctr, "%s", ctr);
    e->name = xstrdup(json_str(j, "Name") ? json_str(j, "Name") : "");
    e->hostname = xstrdup(json_str(j, "Hostname") ? json_str(j, "Hostname") : "");
    _cleanup_free_ char *nsp = netns_path_of(ctr);
    snprintf(ep->netns_path, sizeof ep->netns_path, "%s", nsp);
    copy_str(ep->network, sizeof ep->network, j, "Network");
    copy_str(ep->network_id, sizeof ep->network_id, j, "NetworkID");
    copy_str(ep->endpoint_id, sizeof ep->endpoint_id, j, "EndpointID");
    copy_str(ep->bridge, sizeof ep->bridge, j, "Bridge");
    copy_str(ep->veth_host, sizeof ep->veth_host, j, "Veth");
    copy_str(ep->ifname, sizeof ep->ifname, j, "Ifname");
    copy_str(ep->ip, sizeof ep->ip, j, "IP");
    copy_str(ep->gateway, sizeof ep->gateway, j, "Gateway");
    copy_str(ep->mac, sizeof ep->mac, j, "Mac");
    ep->prefix = (int)json_integer_value(json_object_get(j, "Prefix"));
    json_t *ports = json_object_get(j, "Ports");
    size_t np = json_array_size(ports);
    if (np) {
        ep->ports = xcalloc(np, sizeof *ep->ports);
        e->fds = xcalloc(np, sizeof *e->fds);
        for (size_t i = 0; i < np; i++) {
            json_t *p = json_array_get(ports, i);
            copy_str(ep->ports[i].host_ip, sizeof ep->ports[i].host_ip, p, "HostIp");
            copy_str(ep->ports[i].proto, sizeof ep->ports[i].proto, p, "Proto");
            ep->ports[i].host_port = (uint16_t)json_integer_value(json_object_get(p, "HostPort"));
            ep->ports[i].ctr_port = (uint16_t)json_integer_value(json_object_get(p, "CtrPort"));
            e->fds[i] = -1;
        }
        ep->nports = np;
    }
    ep->aliases = json_to_strv(json_object_get(j, "Aliases"));
    ep->dns_names = json_to_strv(json_object_get(j, "DNSNames"));
    return e;
}

static char *endpoints_file(const char *ctr)
{
    return md_data_path("network/endpoints/%s.json", ctr);
}

static int save_endpoints(const char *ctr, struct md_error *err)
{
    _cleanup_free_ char *path = endpoints_file(ctr);
    _cleanup_json_ json_t *arr = json_array();
    for (struct endpoint *e = net_eps; e; e = e->next)
        if (!strcmp(e->ctr, ctr))
            json_array_append_new(arr, endpoint_to_json(e));
    if (!json_array_size(arr)) {
        if (unlink(path) < 0 && errno != ENOENT)
            return md_errno(err, errno, "remove %s", path);
        return 0;
    }
    return write_state(path, arr, err);
}

/* Endpoints recorded on disk for ctr (after a daemon restart). */
static struct endpoint *load_endpoints(const char *ctr)
{
    _cleanup_free_ char *path = endpoints_file(ctr);
    _cleanup_json_ json_t *arr = json_load_path(path, NULL);
    struct endpoint *head = NULL;
    size_t i;
    json_t *j;
    json_array_foreach(arr, i, j)
    {
        struct endpoint *e = endpoint_from_json(j);
        if (e && !strcmp(e->ctr, ctr)) {
            e->next = head;
            head = e;
        } else {
            endpoint_free(e);
        }
    }
    return head;
}

/* ---- nft ---- */

int netp_apply_base(struct md_error *err)
{
    _cleanup_free_ struct nftr_network *v = xcalloc(net_count + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < net_count; i++) {
        if (!net_list[i]->has_pool)
            continue;
        v[n++] = (struct nftr_network){.id = net_list[i]->id,
                                       .bridge = net_list[i]->bridge,
                                       .subnet = net_list[i]->pool.subnet,
                                       .internal = net_list[i]->internal};
    }
    _cleanup_free_ char *text = nftr_base_text(md_cfg.nft_table, v, n);
    return nftr_run(text, false, NULL, err);
}

/* ---- init ---- */

struct network *netp_network_new(const char *name, const char *driver, bool predefined)
{
    struct network *n = xcalloc(1, sizeof *n);
    id_new(n->id);
    snprintf(n->name, sizeof n->name, "%s", name);
    snprintf(n->driver, sizeof n->driver, "%s", driver);
    n->predefined = predefined;
    n->created_ns = time_now_ns();
    n->labels = json_object();
    n->options = json_object();
    return n;
}

void netp_network_add(struct network *n)
{
    net_list = xrealloc(net_list, (net_count + 1) * sizeof *net_list);
    net_list[net_count++] = n;
}

static char **own_bridges(void)
{
    char **v = xcalloc(1, sizeof *v);
    for (size_t i = 0; i < net_count; i++)
        if (net_list[i]->bridge[0])
            strv_push(&v, net_list[i]->bridge);
    return v;
}

/* Host routes plus the subnets of our networks other than skip. */
void netp_taken_subnets(const struct network *skip, struct ipv4_net **out, size_t *n)
{
    _cleanup_strv_ char **own = own_bridges();
    _cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
    struct strbuf b = STRBUF_INIT;
    char line[512];
    while (f && fgets(line, sizeof line, f))
        sb_add(&b, line);
    _cleanup_free_ char *text = sb_steal(&b);
    ipam_parse_proc_routes(text, own, out, n);
    for (size_t i = 0; i < net_count; i++) {
        if (net_list[i] == skip || !net_list[i]->has_pool)
            continue;
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = net_list[i]->pool.subnet;
    }
}

/* The default bridge's subnet: what the bridge already has (a restart with
 * live containers), else --bip unless it is routed, else the next free /16. */
static int default_subnet(struct network *br, struct ipv4_net *sn, uint32_t *gw,
                          struct md_error *err)
{
    struct ipv4_net have;
    if (link_ipv4(md_cfg.bridge, &have, NULL) == 0) {
        sn->addr = have.addr & ipv4_mask(have.prefix);
        sn->prefix = have.prefix;
        *gw = have.addr;
        return 0;
    }
    struct ipv4_net bip;
    if (ipv4_parse_cidr(md_cfg.bip, &bip, true) < 0)
        return md_err(err, MD_EINVAL,
                      "invalid --bip %s: want an address with a prefix, like "
                      "172.17.0.1/16",
                      md_cfg.bip);
    struct ipv4_net want = {bip.addr & ipv4_mask(bip.prefix), bip.prefix};
    _cleanup_free_ struct ipv4_net *taken = NULL;
    size_t nt = 0;
    netp_taken_subnets(br, &taken, &nt);
    if (ipam_pick_subnet(&want, taken, nt, sn) < 0)
        return md_err(err, MD_EINTERNAL, "no free subnet for the default bridge");
    if (sn->addr == want.addr && sn->prefix == want.prefix) {
        *gw = bip.addr == want.addr ? want.addr + 1 : bip.addr;
    } else {
        char w[20], s[20];
        ipv4_net_fmt(&want, w);
        ipv4_net_fmt(sn, s);
        log_info("network: %s is already routed on this host; the default bridge %s uses %s", w,
                 md_cfg.bridge, s);
        *gw = sn->addr + 1;
    }
    return 0;
}

static void load_state(void)
{
    _cleanup_free_ char *np = md_data_path("network/networks.json");
    _cleanup_json_ json_t *arr = json_load_path(np, NULL);
    size_t i;
    json_t *j;
    json_array_foreach(arr, i, j)
    {
        struct network *n = network_from_json(j);
        if (!n)
            continue;
        if (netp_find_id(n->id) || netp_find(n->name)) {
            netp_network_free(n);
            continue;
        }
        netp_network_add(n);
    }
    _cleanup_free_ char *ip = md_data_path("network/ipam.json");
    _cleanup_json_ json_t *pools = json_load_path(ip, NULL);
    for (size_t k = 0; k < net_count; k++) {
        struct network *n = net_list[k];
        json_t *pj = json_object_get(pools, n->id);
        struct ipam_pool p;
        if (!n->has_pool || !pj || ipam_pool_from_json(pj, &p, NULL) < 0)
            continue;
        if (p.subnet.addr == n->pool.subnet.addr && p.subnet.prefix == n->pool.subnet.prefix &&
            p.gateway == n->pool.gateway) {
            ipam_pool_free(&n->pool);
            n->pool = p;
        } else {
            ipam_pool_free(&p);
        }
    }
}

static void free_state(void)
{
    for (size_t i = 0; i < net_count; i++)
        netp_network_free(net_list[i]);
    free(net_list);
    net_list = NULL;
    net_count = 0;
    while (net_eps) {
        struct endpoint *e = net_eps;
        net_eps = e->next;
        endpoint_free(e);
    }
}

static int init_locked(struct md_error *err)
{
    if (!valid_table(md_cfg.nft_table))
        return md_err(err, MD_EINVAL, "invalid nft table name %s", md_cfg.nft_table);
    if (!netp_valid_ifname(md_cfg.bridge))
        return md_err(err, MD_EINVAL, "invalid bridge name %s", md_cfg.bridge);
    _cleanup_free_ char *dir = md_data_path("network/endpoints");
    if (fs_mkdir_p(dir, 0700, err) < 0)
        return md_err_wrap(err, "create %s", dir);
    load_state();
    struct network *br = netp_find("bridge");
    if (!br || !br->predefined) {
        br = netp_network_new("bridge", "bridge", true);
        netp_network_add(br);
    }
    if (!netp_find("host"))
        netp_network_add(netp_network_new("host", "host", true));
    if (!netp_find("none"))
        netp_network_add(netp_network_new("none", "null", true));
    snprintf(br->bridge, sizeof br->bridge, "%s", md_cfg.bridge);
    struct ipv4_net sn = {0};
    uint32_t gw = 0;
    if (default_subnet(br, &sn, &gw, err) < 0)
        return -1;
    if (!br->has_pool || br->pool.subnet.addr != sn.addr || br->pool.subnet.prefix != sn.prefix ||
        br->pool.gateway != gw) {
        if (br->has_pool && br->pool.nleases)
            log_warn("network bridge: subnet changed; %zu lease(s) dropped", br->pool.nleases);
        ipam_pool_free(&br->pool);
        if (ipam_pool_init(&br->pool, &sn, gw, err) < 0)
            return md_err_wrap(err, "default bridge %s", md_cfg.bridge);
        br->has_pool = true;
    }

    _cleanup_free_ char *fwd = sysctl_read("/proc/sys/net/ipv4/ip_forward");
    if ((!fwd || strcmp(fwd, "1")) && sysctl_write("/proc/sys/net/ipv4/ip_forward", "1", err) < 0)
        return md_err_wrap(err, "enable IP forwarding");
    _cleanup_free_ char *nsdir = md_exec_path("netns");
    if (netns_dir_ensure(nsdir, err) < 0)
        return -1;
    _cleanup_strv_ char **created = xcalloc(1, sizeof(char *));
    int r = 0;
    for (size_t i = 0; i < net_count && r == 0; i++) {
        struct network *n = net_list[i];
        if (!n->has_pool)
            continue;
        bool made;
        r = link_bridge_ensure(n->bridge, n->pool.gateway, n->pool.subnet.prefix, &made, err);
        if (r < 0)
            md_err_wrap(err, "network %s", n->name);
        else if (made)
            strv_push(&created, n->bridge);
    }
    if (r == 0)
        r = netp_apply_base(err);
    if (r == 0 && (netp_save_networks(err) < 0 || netp_save_ipam(err) < 0))
        r = -1;
    if (r < 0) {
        for (char **c = created; *c; c++)
            link_delete(*c, NULL);
        netns_dir_release(nsdir);
        return -1;
    }
    char s[20], g[16];
    ipv4_net_fmt(&br->pool.subnet, s);
    ipv4_fmt(br->pool.gateway, g);
    log_info("network: bridge %s %s (gateway %s), nft table ip %s", md_cfg.bridge, s, g,
             md_cfg.nft_table);
    _cleanup_free_ char *chains = NULL;
    if (nftr_run("list chains", true, &chains, NULL) == 0) {
        _cleanup_free_ char *drops = nftr_foreign_forward_drops(chains, md_cfg.nft_table);
        if (drops)
            log_warn("network: forward chains with policy drop (%s) will also see container "
                     "traffic (outbound, and between containers with br_netfilter); accept the "
                     "bridges there (e.g. iptables -I DOCKER-USER -i %s -j ACCEPT, and -o %s)",
                     drops, md_cfg.bridge, md_cfg.bridge);
    }
    return 0;
}

int net_init(struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    int r = 0;
    if (!net_inited) {
        r = init_locked(err);
        if (r == 0)
            net_inited = true;
        else
            free_state();
    }
    pthread_mutex_unlock(&net_mu);
    return r;
}

/* ---- connect ---- */

static bool port_taken(const char *ip, uint16_t port, const char *proto, void *ctx)
{
    (void)ctx;
    for (struct endpoint *e = net_eps; e; e = e->next)
        for (size_t i = 0; i < e->ep.nports; i++) {
            const struct net_port *p = &e->ep.ports[i];
            if (p->host_port == port && !strcmp(p->proto, proto) &&
                (!strcmp(p->host_ip, ip) || !strcmp(p->host_ip, "0.0.0.0") ||
                 !strcmp(ip, "0.0.0.0")))
                return true;
        }
    return false;
}

/* Container ids of the other endpoints on net (user networks only: the
 * default bridge has no name resolution, as in docker). */
static char **peers_of(const struct network *n, const char *ctr)
{
    char **v = xcalloc(1, sizeof *v);
    if (n->predefined)
        return v;
    for (struct endpoint *e = net_eps; e; e = e->next)
        if (!strcmp(e->ep.network_id, n->id) && strcmp(e->ctr, ctr))
            strv_push(&v, e->ctr);
    return v;
}

static void notify(char **ids)
{
    pthread_mutex_lock(&net_mu);
    void (*fn)(const char *) = hooks.hosts_changed;
    pthread_mutex_unlock(&net_mu);
    for (char **p = ids; fn && p && *p; p++)
        fn(*p);
}

void netp_emit(const char *action, const struct network *n, const char *ctr)
{
    json_t *attrs = json_pack("{s:s,s:s}", "name", n->name, "type", n->driver);
    if (ctr)
        json_object_set_new(attrs, "container", json_string(ctr));
    events_emit("network", action, n->id, attrs);
}

static char **dns_names(const struct net_request *rq)
{
    char **v = xcalloc(1, sizeof *v);
    char shortid[13];
    id_short(rq->id, shortid);
    const char *cand[] = {rq->name, shortid, rq->hostname};
    for (size_t i = 0; i < 3; i++) {
        bool seen = false;
        for (char **d = v; *d && cand[i] && !seen; d++)
            seen = !strcmp(*d, cand[i]);
        if (cand[i] && *cand[i] && !seen)
            strv_push(&v, cand[i]);
        /* aliases after the name, as docker lists them */
        for (char **a = rq->aliases; i == 0 && a && *a; a++) {
            bool dup = false;
            for (char **d = v; *d && !dup; d++)
                dup = !strcmp(*d, *a);
            if (!dup && **a)
                strv_push(&v, *a);
        }
    }
    return v;
}

/* The host end of a veth: "mdk" + 7 hex of the container id + 5 of the
 * network id (so `ip link` shows whose it is); attempt > 0 (or a clash with
 * one of ours): "mdk" + 12 hex of a hash of both. IFNAMSIZ allows 15. */
static void veth_name(const char *ctr, const char *net, unsigned attempt, char out[16])
{
    if (attempt == 0) {
        snprintf(out, 16, "mdk%.7s%.5s", ctr, net);
        bool clash = false;
        for (struct endpoint *e = net_eps; e && !clash; e = e->next)
            clash = !strcmp(e->ep.veth_host, out);
        if (!clash)
            return;
        attempt = 1;
    }
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = ctr; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    for (const char *p = net; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ attempt) * 1099511628211ull;
    snprintf(out, 16, "mdk%012llx", (unsigned long long)(h & 0xffffffffffffull));
}

/* Undo of a half-done connect, in reverse order. */
struct undo {
    bool netns, veth, rules, lease;
    uint32_t ip, prev_last;
};

static void rollback(const struct undo *u, struct network *n, struct endpoint *e)
{
    struct md_error x = {0};
    if (u->rules) {
        char tag[96];
        nftr_tag(e->ctr, n->id, tag);
        if (nftr_delete_tagged(md_cfg.nft_table, tag, &x) < 0)
            log_warn("undo connect %.12s: %s", e->ctr, md_err_msg(&x));
        md_err_clear(&x);
    }
    if (u->veth && link_delete(e->ep.veth_host, &x) < 0)
        log_warn("undo connect %.12s: %s", e->ctr, md_err_msg(&x));
    md_err_clear(&x);
    if (u->netns && netns_remove(e->ep.netns_path, &x) < 0)
        log_warn("undo connect %.12s: %s", e->ctr, md_err_msg(&x));
    md_err_clear(&x);
    if (u->lease) {
        ipam_release(&n->pool, u->ip);
        n->pool.last = u->prev_last; /* a failed start does not use up an address */
    }
}

static int connect_locked(const struct net_request *rq, struct network *n, struct endpoint *e,
                          struct md_error *err)
{
    struct net_endpoint *ep = &e->ep;
    struct undo u = {.prev_last = n->pool.last};
    struct steps st = {0};
    step(&st, NULL);
    /* address */
    if (rq->ipv4 && *rq->ipv4) {
        if (ipv4_parse(rq->ipv4, &u.ip) < 0)
            return md_err(err, MD_EINVAL, "invalid IPv4 address %s", rq->ipv4);
        if (ipam_reserve(&n->pool, u.ip, rq->id, err) < 0)
            return -1;
    } else if (ipam_alloc(&n->pool, rq->id, &u.ip, err) < 0) {
        return md_err_wrap(err, "no available IPv4 addresses on network %s", n->name);
    }
    u.lease = true;
    ipv4_fmt(u.ip, ep->ip);
    ipv4_fmt(n->pool.gateway, ep->gateway);
    if (rq->mac && *rq->mac)
        snprintf(ep->mac, sizeof ep->mac, "%s", rq->mac);
    else
        ipv4_mac(u.ip, ep->mac);
    ep->prefix = n->pool.subnet.prefix;

    /* host ports: the check that can fail for ordinary reasons comes
     * before anything is created in the kernel */
    _cleanup_free_ char *desc =
        xasprintf("%s (%s)", rq->name && *rq->name ? rq->name : rq->id, ep->endpoint_id);
    if (ports_reserve(rq->ports, rq->nports, desc, port_taken, NULL, &ep->ports, &e->fds, err) <
        0) {
        rollback(&u, n, e);
        return -1;
    }
    ep->nports = rq->nports;
    step(&st, "address and host ports");

    bool first = !ctr_has_ep(rq->id);
    if (first) {
        if (netns_remove(ep->netns_path, NULL) < 0 || netns_create(ep->netns_path, err) < 0) {
            rollback(&u, n, e);
            return md_err_wrap(err, "network namespace of %.12s", rq->id);
        }
        u.netns = true;
    }
    step(&st, "netns");
    /* the peer's name: the first free ethN in the container */
    for (int k = 0; k < 100; k++) {
        snprintf(ep->ifname, sizeof ep->ifname, "eth%d", k);
        bool used = false;
        for (struct endpoint *o = net_eps; o && !used; o = o->next)
            used = !strcmp(o->ctr, rq->id) && !strcmp(o->ep.ifname, ep->ifname);
        if (!used)
            break;
    }
    /* whose it is, for `ip link` readers and leftover checks (the name has
     * no room for it) */
    _cleanup_free_ char *alias = xasprintf("minidock %s %.12s", n->bridge, rq->id);
    struct veth_cfg vc = {.host = ep->veth_host,
                          .bridge = n->bridge,
                          .netns_path = ep->netns_path,
                          .peer = ep->ifname,
                          .addr = u.ip,
                          .prefix = ep->prefix,
                          .gateway = first ? n->pool.gateway : 0,
                          .mac = ep->mac,
                          .alias = alias};
    /* The name taken (another daemon's container with the same id prefix,
     * or a leftover): another name; never delete a link we do not know. */
    int r = -1;
    for (unsigned attempt = 0; attempt < 4 && r < 0; attempt++) {
        if (attempt)
            veth_name(rq->id, n->id, attempt, ep->veth_host);
        /* the same container's previous veth, or one whose peer had this
         * address, may still be on its way out */
        reap_claim(ep->veth_host, n->id, u.ip);
        md_err_clear(err);
        r = link_veth_setup(&vc, err);
        if (r < 0 && (!err || err->err != EEXIST))
            break;
    }
    if (r < 0) {
        rollback(&u, n, e);
        return -1;
    }
    u.veth = true;
    step(&st, "veth");
    if (ep->nports) {
        char tag[96];
        nftr_tag(rq->id, n->id, tag);
        _cleanup_free_ char *text =
            nftr_ports_text(md_cfg.nft_table, tag, ep->ip, ep->ports, ep->nports);
        u.rules = true;
        if (nftr_run(text, false, NULL, err) < 0) {
            rollback(&u, n, e);
            return md_err_wrap(err, "publish ports of %.12s", rq->id);
        }
    }
    e->next = net_eps;
    net_eps = e;
    step(&st, "rules");
    struct md_error x = {0};
    int failed = netp_save_ipam(&x) < 0 || save_endpoints(rq->id, &x) < 0;
    step(&st, "state files");
    log_debug("network: connect %.12s to %s: %s", rq->id, n->name, st.text);
    if (failed) {
        net_eps = e->next;
        e->next = NULL;
        rollback(&u, n, e);
        if (err) {
            md_err_clear(err);
            *err = x;
        } else {
            md_err_clear(&x);
        }
        return -1;
    }
    return 0;
}

int net_connect(const struct net_request *rq, struct net_endpoint *ep, struct md_error *err)
{
    memset(ep, 0, sizeof *ep);
    if (!rq->id || !id_is_full(rq->id))
        return md_err(err, MD_EINVAL, "net_connect: bad container id");
    pthread_mutex_lock(&net_mu);
    if (!net_inited) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_EINTERNAL, "networking is not initialised");
    }
    struct network *n = netp_find(rq->network ? rq->network : "bridge");
    if (!n) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_ENOTFOUND, "network %s not found",
                      rq->network ? rq->network : "bridge");
    }
    if (!n->has_pool) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_EINVAL,
                      "container cannot be connected to network %s: it has no "
                      "bridge (driver %s)",
                      n->name, n->driver);
    }
    if (find_ep(rq->id, n->id)) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, NET_EFORBIDDEN, "endpoint with name %s already exists in network %s",
                      rq->name ? rq->name : rq->id, n->name);
    }
    struct endpoint *e = xcalloc(1, sizeof *e);
    snprintf(e->ctr, sizeof e->ctr, "%s", rq->id);
    e->name = xstrdup(rq->name ? rq->name : "");
    e->hostname = xstrdup(rq->own_names ? rq->own_names : rq->hostname ? rq->hostname : "");
    struct net_endpoint *p = &e->ep;
    _cleanup_free_ char *nsp = netns_path_of(rq->id);
    snprintf(p->netns_path, sizeof p->netns_path, "%s", nsp);
    snprintf(p->network, sizeof p->network, "%s", n->name);
    snprintf(p->network_id, sizeof p->network_id, "%s", n->id);
    id_new(p->endpoint_id);
    snprintf(p->bridge, sizeof p->bridge, "%s", n->bridge);
    veth_name(rq->id, n->id, 0, p->veth_host);
    p->aliases = rq->aliases ? strv_dup(rq->aliases) : NULL;
    p->dns_names = n->predefined ? NULL : dns_names(rq);
    if (connect_locked(rq, n, e, err) < 0) {
        endpoint_free(e);
        pthread_mutex_unlock(&net_mu);
        return -1;
    }
    endpoint_copy(ep, &e->ep);
    _cleanup_strv_ char **peers = peers_of(n, rq->id);
    struct network copy = *n;
    pthread_mutex_unlock(&net_mu);
    netp_emit("connect", &copy, rq->id);
    notify(peers);
    return 0;
}

bool net_is_connected(const char *id, const char *network)
{
    pthread_mutex_lock(&net_mu);
    struct network *n = netp_find(network);
    bool r = n && find_ep(id, n->id);
    pthread_mutex_unlock(&net_mu);
    return r;
}

/* ---- disconnect ---- */

static void keep_first(struct md_error *first, struct md_error *e)
{
    if (!first->msg) {
        *first = *e;
        *e = (struct md_error){0};
    }
    md_err_clear(e);
}

/* Take down one endpoint (unlinked from eps by the caller). whole: the
 * container leaves every network (net_disconnect), whose caller deletes the
 * container's rules in one go, and whose namespace goes too, so the veth can
 * go in the background (reap.h); else (one network of a running container)
 * everything here, now. */
static void endpoint_down(struct endpoint *e, bool whole, struct md_error *first)
{
    struct md_error x = {0};
    uint32_t a = 0;
    if (ipv4_parse(e->ep.ip, &a) < 0)
        a = 0;
    if (!whole) {
        char tag[96];
        nftr_tag(e->ctr, e->ep.network_id, tag);
        if (net_inited && nftr_delete_tagged(md_cfg.nft_table, tag, &x) < 0)
            keep_first(first, &x);
    }
    if (e->ep.veth_host[0]) {
        if (whole)
            reap_link(e->ep.veth_host, e->ep.network_id, a);
        else if (link_delete(e->ep.veth_host, &x) < 0)
            keep_first(first, &x);
    }
    ports_release(e->fds, e->ep.nports);
    struct network *n = netp_find_id(e->ep.network_id);
    if (n && n->has_pool && a &&
        !strcmp(ipam_owner(&n->pool, a) ? ipam_owner(&n->pool, a) : "", e->ctr))
        ipam_release(&n->pool, a);
}

static void collect_peers(char ***peers, const struct endpoint *e)
{
    struct network *n = netp_find_id(e->ep.network_id);
    if (!n)
        return;
    _cleanup_strv_ char **p = peers_of(n, e->ctr);
    for (char **s = p; *s; s++)
        strv_push(peers, *s);
}

int net_disconnect(const char *id, struct md_error *err)
{
    if (!id || !id_is_full(id))
        return md_err(err, MD_EINVAL, "net_disconnect: bad container id");
    struct md_error first = {0}, x = {0};
    char **peers = xcalloc(1, sizeof *peers);
    struct network **gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&net_mu);
    /* endpoints in memory, else those recorded on disk (the container
     * ended while the daemon was away) */
    struct endpoint *mine = NULL;
    for (struct endpoint **pp = &net_eps; *pp;) {
        struct endpoint *e = *pp;
        if (!strcmp(e->ctr, id)) {
            *pp = e->next;
            e->next = mine;
            mine = e;
        } else {
            pp = &e->next;
        }
    }
    if (!mine)
        mine = load_endpoints(id);
    struct steps st = {0};
    step(&st, NULL);
    while (mine) {
        struct endpoint *e = mine;
        mine = e->next;
        collect_peers(&peers, e);
        endpoint_down(e, true, &first);
        struct network *n = netp_find_id(e->ep.network_id);
        if (n) {
            gone = xrealloc(gone, (ngone + 1) * sizeof *gone);
            gone[ngone++] = n;
        }
        endpoint_free(e);
    }
    step(&st, "endpoints (veths queued)");
    /* rules (of every network at once) and leases, even without a record
     * of them */
    char prefix[80];
    snprintf(prefix, sizeof prefix, "c=%s ", id);
    if (net_inited && nftr_delete_tagged(md_cfg.nft_table, prefix, &x) < 0)
        keep_first(&first, &x);
    step(&st, "rules");
    for (size_t i = 0; i < net_count; i++)
        if (net_list[i]->has_pool)
            ipam_release_owner(&net_list[i]->pool, id);
    _cleanup_free_ char *nsp = netns_path_of(id);
    if (netns_remove(nsp, &x) < 0)
        keep_first(&first, &x);
    step(&st, "netns");
    if (net_inited && netp_save_ipam(&x) < 0)
        keep_first(&first, &x);
    if (save_endpoints(id, &x) < 0)
        keep_first(&first, &x);
    step(&st, "state files");
    log_debug("network: disconnect %.12s: %s", id, st.text);
    _cleanup_free_ struct network *copies = xcalloc(ngone + 1, sizeof *copies);
    for (size_t i = 0; i < ngone; i++)
        copies[i] = *gone[i];
    free(gone);
    pthread_mutex_unlock(&net_mu);
    for (size_t i = 0; i < ngone; i++)
        netp_emit("disconnect", &copies[i], id);
    notify(peers);
    strv_free(peers);
    if (first.msg) {
        if (err) {
            md_err_clear(err);
            *err = first;
        } else {
            md_err_clear(&first);
        }
        return md_err_wrap(err, "disconnect %.12s", id);
    }
    return 0;
}

int net_disconnect_network(const char *id, const char *network, struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    struct network *n = netp_find(network);
    struct endpoint *e = n ? find_ep(id, n->id) : NULL;
    if (!e) {
        pthread_mutex_unlock(&net_mu);
        if (!n)
            return md_err(err, MD_ENOTFOUND, "network %s not found", network);
        return md_err(err, MD_ENOTFOUND, "container %.12s is not connected to network %s", id,
                      n->name);
    }
    for (struct endpoint **pp = &net_eps; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    e->next = NULL;
    struct md_error first = {0}, x = {0};
    char **peers = xcalloc(1, sizeof *peers);
    collect_peers(&peers, e);
    endpoint_down(e, false, &first);
    endpoint_free(e);
    if (netp_save_ipam(&x) < 0 || save_endpoints(id, &x) < 0)
        keep_first(&first, &x);
    struct network copy = *n;
    pthread_mutex_unlock(&net_mu);
    netp_emit("disconnect", &copy, id);
    notify(peers);
    strv_free(peers);
    if (first.msg) {
        if (err) {
            md_err_clear(err);
            *err = first;
        } else {
            md_err_clear(&first);
        }
        return -1;
    }
    return 0;
}

/* ---- reconcile, shutdown ---- */

static bool in_list(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (!strcmp(*v, s))
            return true;
    return false;
}

static bool is_live(char *const *live, const char *id)
{
    return in_list(live, id) || ctr_has_ep(id);
}

int net_reconcile(char *const *live_ids, struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    if (!net_inited) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_EINTERNAL, "networking is not initialised");
    }
    struct md_error x = {0};
    _cleanup_strv_ char **drop = xcalloc(1, sizeof(char *));
    /* recorded endpoints: live ones come back into memory, the rest go */
    _cleanup_free_ char *dir = md_data_path("network/endpoints");
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len != 64 + 5 || strcmp(de->d_name + 64, ".json"))
            continue;
        char id[65];
        snprintf(id, sizeof id, "%.64s", de->d_name);
        if (!id_is_full(id) || ctr_has_ep(id))
            continue;
        if (!in_list(live_ids, id)) {
            strv_push(&drop, id);
            continue;
        }
        struct endpoint *list = load_endpoints(id);
        while (list) {
            struct endpoint *e = list;
            list = e->next;
            ports_rebind(e->ep.ports, e->ep.nports, e->fds);
            e->next = net_eps;
            net_eps = e;
        }
    }
    /* a netns without a live owner */
    _cleanup_free_ char *nsdir = md_exec_path("netns");
    _cleanup_closedir_ DIR *nd = opendir(nsdir);
    while (nd && (de = readdir(nd)))
        if (id_is_full(de->d_name) && !is_live(live_ids, de->d_name) && !in_list(drop, de->d_name))
            strv_push(&drop, de->d_name);
    /* rules without a live owner */
    _cleanup_free_ char *json = NULL;
    _cleanup_free_ uint64_t *handles = NULL;
    _cleanup_strv_ char **comments = NULL;
    size_t nh = 0;
    if (nftr_list_ports(md_cfg.nft_table, &json, &x) == 0 &&
        nftr_find_rules(json, NULL, &handles, &comments, &nh, &x) == 0) {
        for (size_t i = 0; i < nh; i++) {
            char id[65];
            if (sscanf(comments[i], "c=%64[0-9a-f]", id) == 1 && !is_live(live_ids, id) &&
                !in_list(drop, id))
                strv_push(&drop, id);
        }
    }
    md_err_clear(&x);
    /* leases without a live owner */
    for (size_t i = 0; i < net_count; i++)
        for (size_t k = 0; net_list[i]->has_pool && k < net_list[i]->pool.nleases; k++) {
            const char *o = net_list[i]->pool.leases[k].owner;
            if (!is_live(live_ids, o) && !in_list(drop, o))
                strv_push(&drop, o);
        }
    pthread_mutex_unlock(&net_mu);
    int r = 0;
    for (char **p = drop; *p; p++) {
        log_info("network: cleaning up after container %.12s, which is gone", *p);
        if (id_is_full(*p)) {
            if (net_disconnect(*p, &x) < 0) {
                log_warn("%s", md_err_msg(&x));
                md_err_clear(&x);
                r = -1;
            }
        } else {
            pthread_mutex_lock(&net_mu);
            for (size_t i = 0; i < net_count; i++)
                if (net_list[i]->has_pool)
                    ipam_release_owner(&net_list[i]->pool, *p);
            netp_save_ipam(NULL);
            pthread_mutex_unlock(&net_mu);
        }
    }
    if (r < 0)
        return md_err(err, MD_EINTERNAL, "network: some leftovers could not be removed (see log)");
    return 0;
}

void net_settle(void)
{
    reap_settle();
}

void net_shutdown(void)
{
    reap_settle();
    pthread_mutex_lock(&net_mu);
    if (!net_inited) {
        pthread_mutex_unlock(&net_mu);
        return;
    }
    _cleanup_free_ char *dir = md_data_path("network/endpoints");
    bool any = net_eps != NULL;
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    while (!any && d && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        any = len > 5 && !strcmp(de->d_name + len - 5, ".json");
    }
    if (any) {
        log_info("network: containers are still connected; keeping bridges and nft table %s",
                 md_cfg.nft_table);
    } else {
        struct md_error x = {0};
        _cleanup_free_ char *del = nftr_delete_table_text(md_cfg.nft_table);
        if (nftr_run(del, false, NULL, &x) < 0 && x.err != ENOENT)
            log_warn("network: %s", md_err_msg(&x));
        md_err_clear(&x);
        for (size_t i = 0; i < net_count; i++) {
            if (!net_list[i]->has_pool)
                continue;
            if (link_delete(net_list[i]->bridge, &x) < 0)
                log_warn("network: %s", md_err_msg(&x));
            md_err_clear(&x);
        }
        _cleanup_free_ char *nsdir = md_exec_path("netns");
        netns_dir_release(nsdir);
    }
    free_state();
    net_inited = false;
    pthread_mutex_unlock(&net_mu);
}

/* ---- queries ---- */

int net_endpoints(const char *id, struct net_endpoint **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&net_mu);
    for (struct endpoint *e = net_eps; e; e = e->next) {
        if (strcmp(e->ctr, id))
            continue;
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        endpoint_copy(&(*out)[*n], &e->ep);
        (*n)++;
    }
    pthread_mutex_unlock(&net_mu);
    return 0;
}

int net_lookup(const char *ref, char name[64], char id[65], struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    struct network *n = netp_find(ref);
    if (n) {
        snprintf(name, 64, "%s", n->name);
        snprintf(id, 65, "%s", n->id);
    }
    pthread_mutex_unlock(&net_mu);
    if (!n)
        return md_err(err, MD_ENOTFOUND, "network %s not found", ref ? ref : "");
    return 0;
}

json_t *net_endpoint_json(const struct net_endpoint *ep)
{
    json_t *j = json_object();
    json_object_set_new(j, "IPAMConfig", json_null());
    json_object_set_new(j, "Links", json_null());
    json_object_set_new(j, "Aliases", json_strv(ep->aliases));
    json_object_set_new(j, "MacAddress", json_string(ep->mac));
    json_object_set_new(j, "DriverOpts", json_null());
    json_object_set_new(j, "GwPriority", json_integer(0));
    json_object_set_new(j, "NetworkID", json_string(ep->network_id));
    json_object_set_new(j, "EndpointID", json_string(ep->endpoint_id));
    json_object_set_new(j, "Gateway", json_string(ep->gateway));
    json_object_set_new(j, "IPAddress", json_string(ep->ip));
    json_object_set_new(j, "IPPrefixLen", json_integer(ep->prefix));
    json_object_set_new(j, "IPv6Gateway", json_string(""));
    json_object_set_new(j, "GlobalIPv6Address", json_string(""));
    json_object_set_new(j, "GlobalIPv6PrefixLen", json_integer(0));
    json_object_set_new(j, "DNSNames", json_strv(ep->dns_names));
    return j;
}

json_t *net_ports_json(const struct net_endpoint *ep, const struct port_key *exposed,
                       size_t nexposed)
{
    json_t *j = json_object();
    for (size_t i = 0; i < nexposed; i++) {
        char key[32];
        snprintf(key, sizeof key, "%u/%s", exposed[i].port, exposed[i].proto);
        json_object_set_new(j, key, json_null());
    }
    for (size_t i = 0; ep && i < ep->nports; i++) {
        const struct net_port *p = &ep->ports[i];
        char key[32], hp[8];
        snprintf(key, sizeof key, "%u/%s", p->ctr_port, p->proto);
        snprintf(hp, sizeof hp, "%u", p->host_port);
        json_t *arr = json_object_get(j, key);
        if (!json_is_array(arr)) {
            arr = json_array();
            json_object_set_new(j, key, arr);
        }
        json_array_append_new(arr, json_pack("{s:s,s:s}", "HostIp", p->host_ip, "HostPort", hp));
    }
    return j;
}

/* Whether name is one of the blank-separated words of list. */
static bool has_word(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && !strncmp(p, name, n))
            return true;
        p += w;
        p += strspn(p, " ");
    }
    return false;
}

static void add_names(struct strbuf *b, const char *ip, const char *first, char **names)
{
    sb_printf(b, "%s\t%s", ip, first ? first : "");
    bool sep = first && *first;
    for (char **n = names; n && *n; n++) {
        if (has_word(first, *n))
            continue;
        sb_printf(b, "%s%s", sep ? " " : "", *n);
        sep = true;
    }
    sb_add(b, "\n");
}

int net_hosts_entries(const char *id, char **out)
{
    struct strbuf b = STRBUF_INIT;
    sb_add(&b, "");
    pthread_mutex_lock(&net_mu);
    for (struct endpoint *e = net_eps; e; e = e->next)
        if (!strcmp(e->ctr, id))
            add_names(&b, e->ep.ip, e->hostname, e->ep.dns_names);
    for (struct endpoint *e = net_eps; e; e = e->next) {
        if (strcmp(e->ctr, id))
            continue;
        struct network *n = netp_find_id(e->ep.network_id);
        if (!n || n->predefined)
            continue;
        for (struct endpoint *o = net_eps; o; o = o->next)
            if (strcmp(o->ctr, id) && !strcmp(o->ep.network_id, n->id) && o->ep.dns_names &&
                o->ep.dns_names[0])
                add_names(&b, o->ep.ip, NULL, o->ep.dns_names);
    }
    pthread_mutex_unlock(&net_mu);
    *out = sb_steal(&b);
    return 0;
}
