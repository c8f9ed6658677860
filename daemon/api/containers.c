/* Container endpoints: create, list, inspect, the lifecycle verbs, rename,
 * remove and prune. The state rules live in state/lifecycle.c; this file
 * parses queries, maps errors to statuses and shapes docker's JSON. */
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/portspec.h"
#include "common/signals.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "daemon/api/containers.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/daemon.h"
#include "daemon/state/ctr_update.h"
#include "daemon/image/image.h"
#include "daemon/state/ctr_volumes.h"
#include "daemon/state/exec.h"
#include "daemon/state/lifecycle.h"

#include <malloc.h>
#include <regex.h>
#include <signal.h>
#include <string.h>

/* Find the container named in the path, replying 404 when there is none. */
struct container *api_find_container(struct api_req *r)
{
    struct container *c = NULL;
    struct md_error err = {0};
    if (cstore_find(r->params[0], &c, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return NULL;
    }
    return c;
}

static void reply_result(struct api_req *r, int rc, struct md_error *err, unsigned ok_status)
{
    if (rc < 0)
        api_reply_error(r, err);
    else
        api_reply_status(r, ok_status);
    md_err_clear(err);
}

/* ---- create ---- */

static void create(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *body = api_body_decode(r, &schema_container_create, false, &err);
    if (!body) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    struct container *c = NULL;
    if (ctr_create(body, api_query(r, "name"), &c, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 201, json_pack("{s:s,s:[]}", "Id", c->id, "Warnings"));
    ctr_put(c);
}

/* ---- shapes shared by list and inspect ---- */

static json_t *ports_list(const struct container *c)
{
    /* NetworkSettings.Ports {"80/tcp":[{"HostIp","HostPort"}]|null} -> ps's list */
    json_t *out = json_array();
    json_t *ports = json_object_get(c->net_settings, "Ports");
    json_t *bindings;
    const char *key;
    json_object_foreach(ports, key, bindings)
    {
        struct port_key k;
        if (portspec_parse_key(key, &k, NULL) < 0)
            continue;
        if (!json_array_size(bindings)) {
            json_array_append_new(out,
                                  json_pack("{s:i,s:s}", "PrivatePort", k.port, "Type", k.proto));
            continue;
        }
        size_t i;
        json_t *b;
        json_array_foreach(bindings, i, b)
        {
            json_array_append_new(out,
                                  json_pack("{s:s,s:i,s:i,s:s}", "IP", json_str(b, "HostIp") ?: "",
                                            "PrivatePort", k.port, "PublicPort",
                                            atoi(json_str(b, "HostPort") ?: "0"), "Type", k.proto));
        }
    }
    return out;
}

static json_t *command_string(const struct container *c)
{
    char *s = xstrdup(c->path ? c->path : "");
    size_t i;
    json_t *a;
    json_array_foreach(c->args, i, a)
    {
        char *n = xasprintf("%s %s", s, json_string_value(a) ?: "");
        free(s);
        s = n;
    }
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* docker's MountPoints as inspect shows them; --tmpfs mounts are not
 * mount points there (HostConfig.Tmpfs shows them). */
json_t *ctr_mounts_json(const struct container *c)
{
    static const char *const types[] = {
        [CTR_MOUNT_BIND] = "bind", [CTR_MOUNT_VOLUME] = "volume", [CTR_MOUNT_TMPFS] = "tmpfs"};
    json_t *out = json_array();
    for (size_t i = 0; i < c->spec->nmounts; i++) {
        const struct ctr_mount *m = &c->spec->mounts[i];
        if (m->origin == CTR_FROM_TMPFS)
            continue;
        json_t *e = json_pack("{s:s}", "Type", types[m->type]);
        if (m->type == CTR_MOUNT_VOLUME)
            ctr_volumes_mount_json(c, m, e);
        else
            json_object_set_new(e, "Source", json_string(m->source ?: ""));
        json_object_set_new(e, "Destination", json_string(m->target));
        json_object_set_new(e, "Mode", json_string(m->mode ?: ""));
        json_object_set_new(e, "RW", json_boolean(!m->readonly));
        json_object_set_new(e, "Propagation", json_string(m->propagation ?: ""));
        json_array_append_new(out, e);
    }
    return out;
}

/* The members of a ps entry that are fixed when the container is made, as
 * JSON without the braces. Kept on the record: with 1,000 containers,
 * building and dumping them on every ps was most of its cost. */
static const char *list_fixed(struct container *c)
{
    if (c->list_fixed)
        return c->list_fixed;
    json_t *j = json_object();
    json_object_set_new(j, "Id", json_string(c->id));
    json_object_set_new(j, "Image", json_string(c->image_ref));
    json_object_set_new(j, "ImageID", json_string(c->image_id));
    json_object_set_new(j, "Command", command_string(c));
    json_object_set_new(j, "Created", json_integer(c->created_ns / 1000000000));
    json_object_set(j, "Labels", json_object_get(c->config, "Labels"));
    json_object_set_new(j, "HostConfig", json_pack("{s:s}", "NetworkMode", c->spec->network_mode));
    json_object_set_new(j, "Mounts", ctr_mounts_json(c));
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    size_t n = strlen(s); /* "{...}" */
    memmove(s, s + 1, n - 2);
    s[n - 2] = '\0';
    c->list_fixed = s;
    return s;
}

/* SizeRw: the bytes in the container's upper directory; SizeRootFs: those
 * and its image's (moby's getSize: the whole layer chain). */
static void put_sizes(json_t *j, const struct container *c)
{
    long long rw = ctr_size_rw(c), root = rw;
    struct image *im;
    struct md_error e = {0};
    if (image_lookup(c->image_id, &im, &e) == 0) {
        root += image_size(im);
        image_put(im);
    }
    md_err_clear(&e);
    json_object_set_new(j, "SizeRw", json_integer(rw));
    json_object_set_new(j, "SizeRootFs", json_integer(root));
}

/* One ps entry onto out: the fixed members, then what changes (name,
 * state, ports, networks). */
static void list_entry(struct strbuf *out, struct container *c, int64_t now, bool size)
{
    _cleanup_free_ char *status = ctr_status_text(c, now);
    _cleanup_free_ char *name = xasprintf("/%s", c->name);
    json_t *j = json_object();
    json_object_set_new(j, "Names", json_pack("[s]", name));
    json_object_set_new(j, "Ports", ports_list(c));
    json_object_set_new(j, "State", json_string(ctr_status_name(c->status)));
    json_object_set_new(j, "Status", json_string(status));
    json_t *nets = json_object_get(c->net_settings, "Networks");
    json_object_set_new(j, "NetworkSettings",
                        json_pack("{s:O}", "Networks", nets ? nets : json_object()));
    if (size)
        put_sizes(j, c);
    sb_addc(out, '{');
    sb_add(out, list_fixed(c));
    sb_addc(out, ',');
    char buf[1024];
    size_t len = json_dumpb(j, buf, sizeof buf, JSON_COMPACT);
    if (len <= sizeof buf) {
        sb_addn(out, buf + 1, len - 1); /* its members and the closing brace */
    } else {
        _cleanup_free_ char *big = json_dumps(j, JSON_COMPACT);
        sb_add(out, big + 1);
    }
    json_decref(j);
}

/* ---- list ---- */

static const char *const list_filters[] = {"status", "name",    "id",     "label",   "ancestor",
                                           "exited", "before",  "since",  "network", "volume",
                                           "health", "is-task", "expose", "publish", NULL};

static bool any_match(char **vals, bool (*pred)(const struct container *, const char *),
                      const struct container *c)
{
    if (!vals)
        return true;
    for (char **v = vals; *v; v++)
        if (pred(c, *v))
            return true;
    return false;
}

static bool m_status(const struct container *c, const char *v)
{
    return !strcmp(ctr_status_name(c->status), v);
}

static bool m_name(const struct container *c, const char *v)
{
    /* a regular expression over the name, with or without its slash */
    regex_t re;
    if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    _cleanup_free_ char *slashed = xasprintf("/%s", c->name);
    bool m = regexec(&re, slashed, 0, NULL, 0) == 0 || regexec(&re, c->name, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

static bool m_id(const struct container *c, const char *v)
{
    return !strncmp(c->id, v, strlen(v));
}

static bool m_exited(const struct container *c, const char *v)
{
    return c->status == CTR_EXITED && c->exit_code == atoi(v);
}

static bool m_ancestor(const struct container *c, const char *v)
{
    if (!strcmp(c->image_ref, v))
        return true;
    const char *id = c->image_id;
    if (!strncmp(v, "sha256:", 7))
        return !strncmp(id, v, strlen(v));
    if (strlen(v) >= 4 && !strncmp(id + 7, v, strlen(v)))
        return true;
    /* busybox matches busybox:latest and the reverse */
    size_t n = strlen(v);
    if (!strncmp(c->image_ref, v, n) && !strcmp(c->image_ref + n, ":latest"))
        return true;
    n = strlen(c->image_ref);
    return !strncmp(v, c->image_ref, n) && !strcmp(v + n, ":latest");
}

/* moby's view: "none" for a container that never had a healthcheck */
static bool m_health(const struct container *c, const char *v)
{
    return !strcmp(c->health ? health_status_name(c->health->status) : "none", v);
}

static bool m_network(const struct container *c, const char *v)
{
    json_t *nets = json_object_get(c->net_settings, "Networks");
    return json_object_get(nets, v) != NULL;
}

static void list(struct api_req *r)
{
    struct md_error err = {0};
    struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
        filters_validate(f, list_filters, &err) < 0) {
        filters_free(f);
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    char **st = filters_get(f, "status");
    for (char **s = st; s && *s; s++) {
        static const char *const ok[] = {"created", "restarting", "running", "removing",
                                         "paused",  "exited",     "dead"};
        bool valid = false;
        for (size_t i = 0; i < 7; i++)
            valid |= !strcmp(*s, ok[i]);
        if (!valid) {
            api_reply_msg(r, 400, "invalid filter 'status=%s'", *s);
            filters_free(f); /* *s lives in f */
            return;
        }
    }
    for (char **h = filters_get(f, "health"); h && *h; h++) {
        if (strcmp(*h, "starting") && strcmp(*h, "healthy") && strcmp(*h, "unhealthy") &&
            strcmp(*h, "none")) {
            api_reply_msg(r, 400, "Unrecognised filter value for health: %s", *h);
            filters_free(f);
            return;
        }
    }
    bool ok = true;
    long long limit = api_query_int(r, "limit", -1, &ok);
    bool all = api_query_bool(r, "all", false) || limit > 0 || st;
    bool size = api_query_bool(r, "size", false);
    size_t n;
    struct container **v = cstore_list(&n);
    int64_t now = time_now_ns();
    int64_t before = INT64_MAX, since = INT64_MIN;
    struct container *ref = NULL;
    char **b = filters_get(f, "before");
    if (b && b[0] && cstore_find(b[0], &ref, &err) == 0) {
        before = ref->created_ns;
        ctr_put(ref);
    }
    md_err_clear(&err);
    char **s = filters_get(f, "since");
    if (s && s[0] && cstore_find(s[0], &ref, &err) == 0) {
        since = ref->created_ns;
        ctr_put(ref);
    }
    md_err_clear(&err);
    /* Each entry is serialised as soon as it is built: with 1,000
     * containers, a whole array of jansson objects would mean tens of
     * thousands of live allocations and a heap that grows on every ps. */
    struct strbuf out = {0};
    size_t count = 0;
    sb_addc(&out, '[');
    cstore_lock();
    for (size_t i = 0; i < n; i++) {
        struct container *c = v[i];
        if (!all && c->status != CTR_RUNNING && c->status != CTR_PAUSED &&
            c->status != CTR_RESTARTING)
            continue;
        if (c->created_ns >= before || c->created_ns <= since)
            continue;
        if (!any_match(st, m_status, c) || !any_match(filters_get(f, "name"), m_name, c) ||
            !any_match(filters_get(f, "id"), m_id, c) ||
            !any_match(filters_get(f, "exited"), m_exited, c) ||
            !any_match(filters_get(f, "ancestor"), m_ancestor, c) ||
            !any_match(filters_get(f, "network"), m_network, c) ||
            !any_match(filters_get(f, "health"), m_health, c) ||
            !filters_match_label(f, json_object_get(c->config, "Labels")))
            continue;
        if (limit > 0 && (long long)count >= limit)
            break;
        if (count++)
            sb_addc(&out, ',');
        list_entry(&out, c, now, size);
    }
    cstore_unlock();
    cstore_list_free(v, n);
    filters_free(f);
    sb_add(&out, "]\n");
    api_reply_raw(r, 200, "application/json", out.s, out.len);
    sb_free(&out);
}

/* ---- inspect ---- */

json_t *ctr_inspect_json(const struct container *c)
{
    _cleanup_free_ char *dir = ctr_dir(c);
    _cleanup_free_ char *name = xasprintf("/%s", c->name);
    _cleanup_free_ char *created = time_format(c->created_ns, false);
    _cleanup_free_ char *started = time_format(c->started_ns, false);
    _cleanup_free_ char *finished = time_format(c->finished_ns, false);
    _cleanup_free_ char *rootfs = md_data_path("overlay/%s", c->id);
    json_t *state = json_object();
    json_object_set_new(state, "Status", json_string(ctr_status_name(c->status)));
    json_object_set_new(state, "Running",
                        json_boolean(c->status == CTR_RUNNING || c->status == CTR_PAUSED));
    json_object_set_new(state, "Paused", json_boolean(c->status == CTR_PAUSED));
    json_object_set_new(state, "Restarting", json_boolean(c->status == CTR_RESTARTING));
    json_object_set_new(state, "OOMKilled", json_boolean(c->oom_killed));
    json_object_set_new(state, "Dead", json_boolean(c->status == CTR_DEAD));
    json_object_set_new(state, "Pid", json_integer(c->pid));
    json_object_set_new(state, "ExitCode", json_integer(c->exit_code));
    json_object_set_new(state, "Error", json_string(c->error ? c->error : ""));
    json_object_set_new(state, "StartedAt", json_string(started));
    json_object_set_new(state, "FinishedAt", json_string(finished));
    if (c->health)
        json_object_set_new(state, "Health", health_to_json(c->health));

    json_t *j = json_object();
    json_object_set_new(j, "Id", json_string(c->id));
    json_object_set_new(j, "Created", json_string(created));
    json_object_set_new(j, "Path", json_string(c->path ? c->path : ""));
    json_object_set(j, "Args", c->args ? c->args : json_array());
    json_object_set_new(j, "State", state);
    json_object_set_new(j, "Image", json_string(c->image_id));
    json_object_set_new(j, "ResolvConfPath", json_sprintf("%s/resolv.conf", dir));
    json_object_set_new(j, "HostnamePath", json_sprintf("%s/hostname", dir));
    json_object_set_new(j, "HostsPath", json_sprintf("%s/hosts", dir));
    json_object_set_new(j, "LogPath",
                        ctr_log_none(c) ? json_string("")
                                        : json_sprintf("%s/%s-json.log", dir, c->id));
    json_object_set_new(j, "Name", json_string(name));
    json_object_set_new(j, "RestartCount", json_integer(c->restart_count));
    json_object_set_new(j, "Driver", json_string("overlay2"));
    json_object_set_new(j, "Platform", json_string("linux"));
    json_object_set_new(j, "MountLabel", json_string(""));
    json_object_set_new(j, "ProcessLabel", json_string(""));
    json_object_set_new(j, "AppArmorProfile", json_string(""));
    _cleanup_strv_ char **execs = exec_ids_live(c);
    json_object_set_new(j, "ExecIDs", execs ? json_strv(execs) : json_null());
    json_object_set(j, "HostConfig", c->host_config);
    json_object_set_new(j, "GraphDriver",
                        json_pack("{s:{s:s+,s:s+,s:s+},s:s}", "Data", "MergedDir", rootfs,
                                  "/merged", "UpperDir", rootfs, "/upper", "WorkDir", rootfs,
                                  "/work", "Name", "overlay2"));
    json_object_set_new(j, "Mounts", ctr_mounts_json(c));
    json_t *cfg = json_deep_copy(c->config);
    json_object_set_new(cfg, "Image", json_string(c->image_ref));
    json_object_set_new(j, "Config", cfg);
    json_t *ns = json_deep_copy(c->net_settings ? c->net_settings : json_object());
    if (!json_object_get(ns, "Ports"))
        json_object_set_new(ns, "Ports", json_object());
    /* exposed but unpublished ports show as null, as docker's do */
    const char *port;
    json_t *x;
    json_object_foreach(json_object_get(c->config, "ExposedPorts"), port, x)
    {
        if (!json_object_get(json_object_get(ns, "Ports"), port))
            json_object_set_new(json_object_get(ns, "Ports"), port, json_null());
    }
    json_object_set_new(j, "NetworkSettings", ns);
    return j;
}

static void inspect(struct api_req *r)
{
    struct container *c = api_find_container(r);
    if (!c)
        return;
    cstore_lock();
    json_t *j = ctr_inspect_json(c);
    if (api_query_bool(r, "size", false))
        put_sizes(j, c);
    cstore_unlock();
    ctr_put(c);
    api_reply_json(r, 200, j);
}

/* ---- verbs ---- */

/* What a verb's query said, checked before the container is looked up. */
struct verb_args {
    int timeout, sig;
    bool flag, volumes;
    const char *name;
};
typedef int (*verb_fn)(struct container *c, const struct verb_args *a, struct md_error *err);

/* Find the container, run the verb, answer 204 or the error. */
static void run_verb(struct api_req *r, verb_fn fn, const struct verb_args *a)
{
    struct container *c = api_find_container(r);
    if (!c)
        return;
    struct md_error err = {0};
    reply_result(r, fn(c, a, &err), &err, 204);
    ctr_put(c);
}

static int v_start(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_start(c, e);
}
static int v_stop(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_stop(c, a->timeout, a->sig, e);
}
static int v_restart(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_restart(c, a->timeout, e);
}
static int v_kill(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_kill(c, a->sig, e);
}
static int v_pause(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_pause(c, a->flag, e);
}
static int v_rename(struct container *c, const struct verb_args *a, struct md_error *e)
{
    return ctr_rename(c, a->name, e);
}
static int v_remove(struct container *c, const struct verb_args *a, struct md_error *e)
{
    if (ctr_remove(c, a->flag, e) < 0)
        return -1;
    if (a->volumes)
        ctr_volumes_remove_anonymous(c);
    return 0;
}

/* ?t= and ?signal=; false after replying 400. */
static bool parse_stop_args(struct api_req *r, struct verb_args *a, int default_sig)
{
    bool ok = true;
    a->timeout = (int)api_query_int(r, "t", -1, &ok);
    if (!ok) {
        api_reply_msg(r, 400, "invalid value for t: %s", api_query(r, "t"));
        return false;
    }
    const char *s = api_query(r, "signal");
    a->sig = s && *s ? signal_parse(s) : default_sig;
    if (a->sig < 0) {
        api_reply_msg(r, 400, "Invalid signal: %s", s);
        return false;
    }
    return true;
}

static void start(struct api_req *r)
{
    run_verb(r, v_start, &(struct verb_args){0});
}

static void stop(struct api_req *r)
{
    struct verb_args a = {0};
    if (parse_stop_args(r, &a, 0))
        run_verb(r, v_stop, &a);
}

static void restart(struct api_req *r)
{
    struct verb_args a = {0};
    if (parse_stop_args(r, &a, 0))
        run_verb(r, v_restart, &a);
}

static void kill_(struct api_req *r)
{
    struct verb_args a = {0};
    if (parse_stop_args(r, &a, SIGKILL))
        run_verb(r, v_kill, &a);
}

static void pause_(struct api_req *r)
{
    run_verb(r, v_pause, &(struct verb_args){.flag = true});
}

static void unpause(struct api_req *r)
{
    run_verb(r, v_pause, &(struct verb_args){.flag = false});
}

static void rename_(struct api_req *r)
{
    run_verb(r, v_rename, &(struct verb_args){.name = api_query(r, "name")});
}

static void remove_(struct api_req *r)
{
    run_verb(r, v_remove,
             &(struct verb_args){.flag = api_query_bool(r, "force", false),
                                 .volumes = api_query_bool(r, "v", false)});
}

json_t *ctr_list_sized(void)
{
    size_t n;
    struct container **v = cstore_list(&n);
    int64_t now = time_now_ns();
    struct strbuf out = {0};
    sb_addc(&out, '[');
    cstore_lock();
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(&out, ',');
        list_entry(&out, v[i], now, true);
    }
    cstore_unlock();
    cstore_list_free(v, n);
    sb_addc(&out, ']');
    json_t *j = json_loads(out.s, 0, NULL);
    sb_free(&out);
    return j ? j : json_array();
}

static const char *const prune_filters[] = {"until", "label", "label!", NULL};

static void prune(struct api_req *r)
{
    struct md_error err = {0};
    struct filters *f = NULL;
    if (filters_parse(api_query(r, "filters"), &f, &err) < 0 ||
        filters_validate(f, prune_filters, &err) < 0) {
        filters_free(f);
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    int64_t until = INT64_MAX;
    char **u = filters_get(f, "until");
    if (u && u[0] && time_parse_since(u[0], time_now_ns(), &until) < 0) {
        filters_free(f);
        api_reply_msg(r, 400, "invalid filter 'until=%s'", u[0]);
        return;
    }
    size_t n;
    struct container **v = cstore_list(&n);
    json_t *deleted = json_array();
    json_int_t reclaimed = 0;
    for (size_t i = 0; i < n; i++) {
        struct container *c = v[i];
        cstore_lock();
        bool stopped = c->status == CTR_EXITED || c->status == CTR_CREATED || c->status == CTR_DEAD;
        bool match =
            c->created_ns < until && filters_match_label(f, json_object_get(c->config, "Labels"));
        cstore_unlock();
        if (!stopped || !match)
            continue;
        json_int_t size = ctr_size_rw(c);
        if (ctr_remove(c, false, &err) == 0) {
            json_array_append_new(deleted, json_string(c->id));
            reclaimed += size;
        }
        md_err_clear(&err);
    }
    cstore_list_free(v, n);
    filters_free(f);
    api_reply_json(
        r, 200,
        json_pack("{s:o,s:I}", "ContainersDeleted",
                  json_array_size(deleted) ? deleted : (json_decref(deleted), json_null()),
                  "SpaceReclaimed", reclaimed));
}

/* ---- update ---- */

static void update(struct api_req *r)
{
    struct md_error err = {0};
    _cleanup_json_ json_t *body = api_body_decode(r, &schema_container_update, false, &err);
    struct ctr_update u;
    if (!body || ctr_update_parse(body, &u, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    struct container *c = api_find_container(r);
    if (!c)
        return;
    int rc = ctr_update(c, &u, &err);
    ctr_put(c);
    if (rc < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 200, json_pack("{s:[]}", "Warnings"));
}

const struct api_route api_routes_containers[] = {
    {"POST", "/containers/{id}/update", update, 0},
    {"POST", "/containers/create", create, 0},
    {"GET", "/containers/json", list, 0},
    {"POST", "/containers/prune", prune, 0},
    {"GET", "/containers/{id}/json", inspect, 0},
    {"POST", "/containers/{id}/start", start, 0},
    {"POST", "/containers/{id}/stop", stop, 0},
    {"POST", "/containers/{id}/restart", restart, 0},
    {"POST", "/containers/{id}/kill", kill_, 0},
    {"POST", "/containers/{id}/pause", pause_, 0},
    {"POST", "/containers/{id}/unpause", unpause, 0},
    {"POST", "/containers/{id}/rename", rename_, 0},
    {"DELETE", "/containers/{id}", remove_, 0},
    {NULL, NULL, NULL, 0},
};
