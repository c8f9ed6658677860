/* Network endpoints: list (filters), inspect, create, remove, connect,
 * disconnect, prune. The networks themselves live in daemon/net; connecting
 * a container goes through the hooks the container lifecycle registers. */
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/timefmt.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/net/net.h"

#include <string.h>

static void reply_err(struct api_req *r, struct md_error *e)
{
    /* docker answers 403 for "pre-defined network" and overlapping pools;
     * md_error has no such code, the net module marks them */
    if (e->err == NET_EFORBIDDEN)
        api_reply_msg(r, 403, "%s", md_err_msg(e));
    else
        api_reply_error(r, e);
    md_err_clear(e);
}

static bool predefined(json_t *n)
{
    const char *name = json_str(n, "Name");
    return name && (!strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none"));
}

static bool any_value(char **vals, bool (*fn)(const char *v, json_t *n), json_t *n)
{
    if (!vals)
        return true;
    for (char **v = vals; *v; v++)
        if (fn(*v, n))
            return true;
    return false;
}

static bool m_name(const char *v, json_t *n)
{
    const char *s = json_str(n, "Name");
    return s && strstr(s, v);
}
static bool m_id(const char *v, json_t *n)
{
    const char *s = json_str(n, "Id");
    return s && !strncmp(s, v, strlen(v));
}
static bool m_driver(const char *v, json_t *n)
{
    const char *s = json_str(n, "Driver");
    return s && !strcmp(s, v);
}
static bool m_scope(const char *v, json_t *n)
{
    return !strcmp(v, "local");
}
static bool m_type(const char *v, json_t *n)
{
    return !strcmp(v, "custom") ? !predefined(n) : !strcmp(v, "builtin") ? predefined(n) : false;
}
static bool m_dangling(const char *v, json_t *n)
{
    bool dangling = !predefined(n) && json_object_size(json_object_get(n, "Containers")) == 0;
    bool want = !strcmp(v, "true") || !strcmp(v, "1");
    return dangling == want;
}

static bool matches(const struct filters *f, json_t *n)
{
    return any_value(filters_get(f, "name"), m_name, n) &&
           any_value(filters_get(f, "id"), m_id, n) &&
           any_value(filters_get(f, "driver"), m_driver, n) &&
           any_value(filters_get(f, "scope"), m_scope, n) &&
           any_value(filters_get(f, "type"), m_type, n) &&
           any_value(filters_get(f, "dangling"), m_dangling, n) &&
           filters_match_label(f, json_object_get(n, "Labels"));
}

static void list(struct api_req *r)
{
    static const char *const keys[] = {"dangling", "driver", "id",   "label",
                                       "name",     "scope",  "type", NULL};
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 || filters_validate(f, keys, &err) < 0)
        return reply_err(r, &err);
    for (char **v = filters_get(f, "type"); v && *v; v++)
        if (strcmp(*v, "custom") && strcmp(*v, "builtin")) {
            api_reply_msg(r, 400, "invalid filter: 'type'='%s'", *v);
            return;
        }
    json_t *all = net_network_list();
    json_t *out = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(all, i, n)
    {
        if (!matches(f, n))
            continue;
        /* the list shows no containers (docker's since API 1.28) */
        json_object_set_new(n, "Containers", json_object());
        json_array_append(out, n);
    }
    json_decref(all);
    api_reply_json(r, 200, out);
}

static void inspect(struct api_req *r)
{
    struct md_error err = {0};
    json_t *j = net_network_inspect(r->params[0], &err);
    if (!j)
        return reply_err(r, &err);
    api_reply_json(r, 200, j);
}

static void create(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *b = api_body_decode(r, &schema_network_create, true, &err);
    if (!b)
        return reply_err(r, &err);
    if (json_is_true(json_object_get(b, "EnableIPv6"))) {
        api_reply_msg(r, 400, "IPv6 networks are not supported");
        return;
    }
    json_t *ipam = json_object_get(b, "IPAM");
    const char *ipam_drv = json_str(ipam, "Driver");
    if (ipam_drv && *ipam_drv && strcmp(ipam_drv, "default")) {
        api_reply_msg(r, 404, "plugin \"%s\" not found", ipam_drv);
        return;
    }
    json_t *cfg = json_object_get(ipam, "Config");
    if (json_array_size(cfg) > 1) {
        api_reply_msg(r, 400, "only one IPAM configuration per network is supported");
        return;
    }
    json_t *c0 = json_array_get(cfg, 0);
    struct net_create rq = {
        .name = json_str(b, "Name"),
        .driver = json_str(b, "Driver"),
        .subnet = json_str(c0, "Subnet"),
        .gateway = json_str(c0, "Gateway"),
        .labels = json_object_get(b, "Labels"),
        .options = json_object_get(b, "Options"),
        .internal = json_is_true(json_object_get(b, "Internal")),
        .attachable = json_is_true(json_object_get(b, "Attachable")),
    };
    char id[65];
    if (net_network_create(&rq, id, &err) < 0)
        return reply_err(r, &err);
    api_reply_json(r, 201, json_pack("{s:s,s:s}", "Id", id, "Warning", ""));
}

static void del(struct api_req *r)
{
    struct md_error err = {0};
    if (net_network_remove(r->params[0], &err) < 0)
        return reply_err(r, &err);
    api_reply_status(r, 204);
}

/* connect / disconnect: the network must exist, and host/none take no
 * endpoints; the rest is the container lifecycle's (hooks). */
static bool attach_target(struct api_req *r, json_t *b, char name[64], const char **ctr)
{
    struct md_error err = {0};
    char id[65];
    if (net_lookup(r->params[0], name, id, &err) < 0) {
        reply_err(r, &err);
        return false;
    }
    if (!strcmp(name, "host") || !strcmp(name, "none")) {
        api_reply_msg(r, 403,
                      "container cannot be disconnected from host network or connected "
                      "to host network");
        return false;
    }
    *ctr = json_str(b, "Container");
    if (!*ctr || !**ctr) {
        api_reply_msg(r, 400, "container is required");
        return false;
    }
    return true;
}

static void connect(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *b = api_body_decode(r, &schema_network_connect, true, &err);
    if (!b)
        return reply_err(r, &err);
    char name[64];
    const char *ctr;
    if (!attach_target(r, b, name, &ctr))
        return;
    struct net_hooks h;
    net_get_hooks(&h);
    if (!h.connect) {
        api_reply_msg(r, 500, "connecting containers to networks is not available yet");
        return;
    }
    json_t *ec = json_object_get(b, "EndpointConfig");
    if (h.connect(name, ctr, json_is_object(ec) ? ec : NULL, &err) < 0)
        return reply_err(r, &err);
    api_reply_status(r, 200);
}

static void disconnect(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *b = api_body_decode(r, &schema_network_disconnect, true, &err);
    if (!b)
        return reply_err(r, &err);
    char name[64];
    const char *ctr;
    if (!attach_target(r, b, name, &ctr))
        return;
    struct net_hooks h;
    net_get_hooks(&h);
    if (!h.disconnect) {
        api_reply_msg(r, 500, "disconnecting containers from networks is not available yet");
        return;
    }
    if (h.disconnect(name, ctr, json_is_true(json_object_get(b, "Force")), &err) < 0)
        return reply_err(r, &err);
    api_reply_status(r, 200);
}

struct prune_ctx {
    const struct filters *f;
    int64_t until;
};

/* keep: what the filters do not select */
static bool prune_keep(json_t *n, void *arg)
{
    struct prune_ctx *c = arg;
    if (c->until) {
        int64_t created;
        const char *s = json_str(n, "Created");
        if (!s || time_parse_rfc3339(s, &created) < 0 || created > c->until)
            return true;
    }
    json_t *labels = json_object_get(n, "Labels");
    for (char **v = filters_get(c->f, "label!"); v && *v; v++) {
        const char *eq = strchr(*v, '=');
        _cleanup_free_ char *k = eq ? xstrndup(*v, (size_t)(eq - *v)) : xstrdup(*v);
        const char *have = json_str(labels, k);
        if (have && (!eq || !strcmp(have, eq + 1)))
            return true;
    }
    return !filters_match_label(c->f, labels);
}

static void prune(struct api_req *r)
{
    static const char *const keys[] = {"until", "label", "label!", NULL};
    struct md_error err = {0};
    _cleanup_filters_ struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 || filters_validate(f, keys, &err) < 0)
        return reply_err(r, &err);
    struct prune_ctx c = {.f = f};
    char **until = filters_get(f, "until");
    if (until && *until && time_parse_since(*until, time_now_ns(), &c.until) < 0) {
        api_reply_msg(r, 400, "invalid filter 'until=%s'", *until);
        return;
    }
    _cleanup_strv_ char **gone = net_network_prune(prune_keep, &c);
    api_reply_json(r, 200,
                   json_pack("{s:o}", "NetworksDeleted", *gone ? json_strv(gone) : json_null()));
}

const struct api_route api_routes_networks[] = {
    {"GET", "/networks", list, 0},
    {"POST", "/networks/create", create, 0},
    {"POST", "/networks/prune", prune, 0},
    {"GET", "/networks/{id}", inspect, 0},
    {"DELETE", "/networks/{id}", del, 0},
    {"POST", "/networks/{id}/connect", connect, 0},
    {"POST", "/networks/{id}/disconnect", disconnect, 0},
    {NULL, NULL, NULL, 0},
};
