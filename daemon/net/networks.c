/* User-defined networks and the predefined ones as the API shows them:
 * inspect/list JSON, create (subnet choice, bridge, nft base chains),
 * remove, prune. The state is net.c's (netpriv.h). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "daemon/net/link.h"
#include "daemon/net/netpriv.h"

#include <string.h>

static json_t *network_inspect(const struct network *n, bool containers)
{
    _cleanup_free_ char *created = time_format(n->created_ns, false);
    json_t *j = json_object();
    json_object_set_new(j, "Name", json_string(n->name));
    json_object_set_new(j, "Id", json_string(n->id));
    json_object_set_new(j, "Created", json_string(created));
    json_object_set_new(j, "Scope", json_string("local"));
    json_object_set_new(j, "Driver", json_string(n->driver));
    json_object_set_new(j, "EnableIPv4", json_true());
    json_object_set_new(j, "EnableIPv6", json_false());
    json_t *cfg = json_null();
    if (n->has_pool) {
        char s[20], g[16];
        ipv4_net_fmt(&n->pool.subnet, s);
        ipv4_fmt(n->pool.gateway, g);
        cfg = json_pack("[{s:s,s:s}]", "Subnet", s, "Gateway", g);
    }
    json_object_set_new(j, "IPAM",
                        json_pack("{s:s,s:o,s:o}", "Driver", "default", "Options",
                                  n->predefined ? json_null() : json_object(), "Config", cfg));
    json_object_set_new(j, "Internal", json_boolean(n->internal));
    json_object_set_new(j, "Attachable", json_boolean(n->attachable));
    json_object_set_new(j, "Ingress", json_false());
    json_object_set_new(j, "ConfigFrom", json_pack("{s:s}", "Network", ""));
    json_object_set_new(j, "ConfigOnly", json_false());
    json_t *ctrs = json_object();
    for (struct endpoint *e = net_eps; containers && e; e = e->next) {
        if (strcmp(e->ep.network_id, n->id))
            continue;
        _cleanup_free_ char *v4 = xasprintf("%s/%d", e->ep.ip, e->ep.prefix);
        json_object_set_new(ctrs, e->ctr,
                            json_pack("{s:s,s:s,s:s,s:s,s:s}", "Name", e->name, "EndpointID",
                                      e->ep.endpoint_id, "MacAddress", e->ep.mac, "IPv4Address", v4,
                                      "IPv6Address", ""));
    }
    json_object_set_new(j, "Containers", ctrs);
    json_t *opts = json_deep_copy(n->options);
    if (n->predefined && !strcmp(n->name, "bridge")) {
        /* what docker shows for its default bridge */
        json_object_set_new(opts, "com.docker.network.bridge.default_bridge", json_string("true"));
        json_object_set_new(opts, "com.docker.network.bridge.enable_icc", json_string("true"));
        json_object_set_new(opts, "com.docker.network.bridge.enable_ip_masquerade",
                            json_string("true"));
        json_object_set_new(opts, "com.docker.network.bridge.host_binding_ipv4",
                            json_string("0.0.0.0"));
        json_object_set_new(opts, "com.docker.network.bridge.name", json_string(n->bridge));
        json_object_set_new(opts, "com.docker.network.driver.mtu", json_string("1500"));
    }
    json_object_set_new(j, "Options", opts);
    json_object_set_new(j, "Labels", json_deep_copy(n->labels));
    return j;
}

json_t *net_network_inspect(const char *ref, struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    struct network *n = netp_find(ref);
    json_t *j = n ? network_inspect(n, true) : NULL;
    pthread_mutex_unlock(&net_mu);
    if (!j)
        md_err(err, MD_ENOTFOUND, "network %s not found", ref ? ref : "");
    return j;
}

json_t *net_network_list(void)
{
    json_t *a = json_array();
    pthread_mutex_lock(&net_mu);
    for (size_t i = 0; i < net_count; i++)
        json_array_append_new(a, network_inspect(net_list[i], true));
    pthread_mutex_unlock(&net_mu);
    return a;
}

static int create_locked(const struct net_create *rq, char id[65], struct md_error *err)
{
    if (!rq->name || !*rq->name)
        return md_err(err, MD_EINVAL, "network name cannot be empty");
    if (strlen(rq->name) >= 64 || strchr(rq->name, '/'))
        return md_err(err, MD_EINVAL, "invalid network name %s", rq->name);
    const char *drv = rq->driver && *rq->driver ? rq->driver : "bridge";
    if (!strcmp(drv, "host") || !strcmp(drv, "null"))
        return md_err(err, NET_EFORBIDDEN, "only one instance of \"%s\" network is allowed", drv);
    if (strcmp(drv, "bridge"))
        return md_err(err, MD_ENOTFOUND, "plugin \"%s\" not found", drv);
    for (size_t i = 0; i < net_count; i++)
        if (!strcmp(net_list[i]->name, rq->name))
            return md_err(err, MD_ECONFLICT, "network with name %s already exists", rq->name);
    struct network *n = netp_network_new(rq->name, "bridge", false);
    n->internal = rq->internal;
    n->attachable = rq->attachable;
    if (json_is_object(rq->labels))
        json_object_update(n->labels, rq->labels);
    if (json_is_object(rq->options))
        json_object_update(n->options, rq->options);
    const char *brname = json_str(n->options, "com.docker.network.bridge.name");
    if (brname && *brname) {
        if (!netp_valid_ifname(brname)) {
            netp_network_free(n);
            return md_err(err, MD_EINVAL, "invalid bridge name %s", brname);
        }
        snprintf(n->bridge, sizeof n->bridge, "%s", brname);
    } else {
        snprintf(n->bridge, sizeof n->bridge, "br-%.12s", n->id);
    }
    for (size_t i = 0; i < net_count; i++)
        if (!strcmp(net_list[i]->bridge, n->bridge)) {
            netp_network_free(n);
            return md_err(err, MD_ECONFLICT, "bridge %s is already in use", brname);
        }
    _cleanup_free_ struct ipv4_net *taken = NULL;
    size_t nt = 0;
    netp_taken_subnets(NULL, &taken, &nt);
    struct ipv4_net sn;
    uint32_t gw = 0;
    if (rq->subnet && *rq->subnet) {
        struct ipv4_net loose;
        if (ipv4_parse_cidr(rq->subnet, &loose, true) < 0) {
            netp_network_free(n);
            return md_err(err, MD_EINVAL, "invalid subnet %s: invalid CIDR address", rq->subnet);
        }
        sn.addr = loose.addr & ipv4_mask(loose.prefix);
        sn.prefix = loose.prefix;
        if (sn.addr != loose.addr) {
            char want[20];
            ipv4_net_fmt(&sn, want);
            netp_network_free(n);
            return md_err(err, MD_EINVAL, "invalid subnet %s: it should be %s", rq->subnet, want);
        }
        for (size_t i = 0; i < net_count; i++)
            if (net_list[i]->has_pool && ipv4_net_overlap(&net_list[i]->pool.subnet, &sn)) {
                netp_network_free(n);
                return md_err(err, NET_EFORBIDDEN,
                              "invalid pool request: Pool overlaps with other one on this address "
                              "space");
            }
    } else if (ipam_pick_subnet(NULL, taken, nt, &sn) < 0) {
        netp_network_free(n);
        return md_err(err, NET_EFORBIDDEN,
                      "all predefined address pools have been fully subnetted");
    }
    if (rq->gateway && *rq->gateway && ipv4_parse(rq->gateway, &gw) < 0) {
        netp_network_free(n);
        return md_err(err, MD_EINVAL, "invalid gateway address %s", rq->gateway);
    }
    if (ipam_pool_init(&n->pool, &sn, gw, err) < 0) {
        netp_network_free(n);
        return -1;
    }
    n->has_pool = true;
    bool made;
    if (link_bridge_ensure(n->bridge, n->pool.gateway, sn.prefix, &made, err) < 0) {
        netp_network_free(n);
        return md_err_wrap(err, "create network %s", rq->name);
    }
    netp_network_add(n);
    struct md_error x = {0};
    if (netp_apply_base(err) < 0 || netp_save_networks(err) < 0 || netp_save_ipam(err) < 0) {
        net_count--;
        if (made)
            link_delete(n->bridge, NULL);
        netp_network_free(n);
        netp_apply_base(&x);
        md_err_clear(&x);
        netp_save_networks(NULL);
        return md_err_wrap(err, "create network %s", rq->name);
    }
    snprintf(id, 65, "%s", n->id);
    return 0;
}

int net_network_create(const struct net_create *rq, char id[65], struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    if (!net_inited) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_EINTERNAL, "networking is not initialised");
    }
    int r = create_locked(rq, id, err);
    struct network copy = {0};
    if (r == 0)
        copy = *netp_find_id(id);
    pthread_mutex_unlock(&net_mu);
    if (r == 0)
        netp_emit("create", &copy, NULL);
    return r;
}

static int remove_locked(struct network *n, struct md_error *err)
{
    if (n->predefined)
        return md_err(err, NET_EFORBIDDEN, "%s is a pre-defined network and cannot be removed",
                      n->name);
    struct strbuf b = STRBUF_INIT;
    for (struct endpoint *e = net_eps; e; e = e->next)
        if (!strcmp(e->ep.network_id, n->id))
            sb_printf(&b, "%s(name:\"%s\" id:\"%.12s\")", b.len ? ", " : " ", e->name, e->ctr);
    if (b.len) {
        _cleanup_free_ char *list = sb_steal(&b);
        return md_err(err, MD_ECONFLICT,
                      "error while removing network: network %s has active endpoints%s", n->name,
                      list);
    }
    if (link_delete(n->bridge, err) < 0)
        return md_err_wrap(err, "error while removing network %s", n->name);
    size_t i = 0;
    while (net_list[i] != n)
        i++;
    memmove(&net_list[i], &net_list[i + 1], (net_count - i - 1) * sizeof *net_list);
    net_count--;
    struct md_error x = {0};
    if (netp_apply_base(&x) < 0 || netp_save_networks(&x) < 0 || netp_save_ipam(&x) < 0)
        log_warn("remove network %s: %s", n->name, md_err_msg(&x));
    md_err_clear(&x);
    return 0;
}

int net_network_remove(const char *ref, struct md_error *err)
{
    pthread_mutex_lock(&net_mu);
    struct network *n = net_inited ? netp_find(ref) : NULL;
    if (!n) {
        pthread_mutex_unlock(&net_mu);
        return md_err(err, MD_ENOTFOUND, "network %s not found", ref ? ref : "");
    }
    int r = remove_locked(n, err);
    pthread_mutex_unlock(&net_mu);
    if (r == 0) {
        netp_emit("destroy", n, NULL);
        netp_network_free(n);
    }
    return r;
}

char **net_network_prune(bool (*keep)(json_t *net, void *ctx), void *ctx)
{
    char **removed = xcalloc(1, sizeof *removed);
    struct network **gone = NULL;
    size_t ngone = 0;
    pthread_mutex_lock(&net_mu);
    for (size_t i = 0; net_inited && i < net_count;) {
        struct network *n = net_list[i];
        bool busy = false;
        for (struct endpoint *e = net_eps; e && !busy; e = e->next)
            busy = !strcmp(e->ep.network_id, n->id);
        _cleanup_json_ json_t *j = n->predefined || busy ? NULL : network_inspect(n, false);
        struct md_error x = {0};
        if (j && !(keep && keep(j, ctx)) && remove_locked(n, &x) == 0) {
            strv_push(&removed, n->name);
            gone = xrealloc(gone, (ngone + 1) * sizeof *gone);
            gone[ngone++] = n;
            continue; /* nets[i] is the next one now */
        }
        md_err_clear(&x);
        i++;
    }
    pthread_mutex_unlock(&net_mu);
    for (size_t i = 0; i < ngone; i++) {
        netp_emit("destroy", gone[i], NULL);
        netp_network_free(gone[i]);
    }
    free(gone);
    return removed;
}
