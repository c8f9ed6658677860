/* Create-request rules and the container -> rt_plan translation. */
#include "daemon/state/plan.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/signals.h"
#include "common/volspec.h"
#include "daemon/daemon.h"
#include "daemon/state/container.h"
#include "daemon/state/ctr_volumes.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define MIN_MEMORY (6 * 1024 * 1024) /* docker's floor: "Minimum memory limit allowed is 6MB" */

static bool is_set(json_t *j)
{
    return j && !json_is_null(j);
}

static void merge_env(json_t *config, json_t *image_env)
{
    json_t *env = json_object_get(config, "Env");
    json_t *out = json_array();
    size_t i;
    json_t *v;
    /* image entries first, unless the request sets the same key */
    json_array_foreach(image_env, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        size_t klen = strcspn(s, "=");
        bool overridden = false;
        size_t k;
        json_t *w;
        json_array_foreach(env, k, w)
        {
            const char *t = json_string_value(w);
            if (t && !strncmp(t, s, klen) && (t[klen] == '=' || t[klen] == '\0'))
                overridden = true;
        }
        if (!overridden)
            json_array_append(out, v);
    }
    json_array_foreach(env, i, v)
    {
        if (json_is_string(v))
            json_array_append(out, v);
    }
    json_object_set_new(config, "Env", out);
}

static void merge_object(json_t *config, json_t *image_config, const char *key)
{
    json_t *img = json_object_get(image_config, key);
    json_t *mine = json_object_get(config, key);
    if (!json_is_object(img) || !json_object_size(img))
        return;
    json_t *out = json_deep_copy(img);
    if (json_is_object(mine))
        json_object_update(out, mine);
    json_object_set_new(config, key, out);
}

static void default_string(json_t *config, json_t *image_config, const char *key)
{
    const char *mine = json_str(config, key);
    const char *img = json_str(image_config, key);
    if ((!mine || !*mine) && img && *img)
        json_object_set_new(config, key, json_string(img));
}

int plan_merge_image(json_t *config, json_t *image_config, const char *id, struct md_error *err)
{
    if (!json_is_object(image_config))
        image_config = NULL;
    json_t *ep = json_object_get(config, "Entrypoint");
    json_t *cmd = json_object_get(config, "Cmd");
    bool ep_given = is_set(ep);
    if (json_is_string(ep)) /* the API also accepts a string; docker wraps it */
        json_object_set_new(config, "Entrypoint", json_pack("[s]", json_string_value(ep)));
    if (json_is_string(cmd))
        json_object_set_new(config, "Cmd", json_pack("[s]", json_string_value(cmd)));
    ep = json_object_get(config, "Entrypoint");
    cmd = json_object_get(config, "Cmd");
    if ((is_set(ep) && !json_is_array(ep)) || (is_set(cmd) && !json_is_array(cmd)))
        return md_err(err, MD_EINVAL, "Entrypoint and Cmd must be arrays of strings");

    if (ep_given) {
        /* --entrypoint "" arrives as [""]: no entrypoint at all */
        if (json_array_size(ep) == 1 &&
            !strcmp(json_string_value(json_array_get(ep, 0)) ?: "x", ""))
            json_object_set_new(config, "Entrypoint", json_null());
    } else if (image_config) {
        json_t *iep = json_object_get(image_config, "Entrypoint");
        json_object_set(config, "Entrypoint", is_set(iep) ? iep : json_null());
    }
    /* an image's Cmd only applies when the request changed neither */
    if (!is_set(cmd) || !json_array_size(cmd)) {
        json_t *icmd = image_config ? json_object_get(image_config, "Cmd") : NULL;
        json_object_set(config, "Cmd", !ep_given && is_set(icmd) ? icmd : json_null());
    }
    if (image_config) {
        merge_env(config, json_object_get(image_config, "Env"));
        merge_object(config, image_config, "Labels");
        merge_object(config, image_config, "ExposedPorts");
        merge_object(config, image_config, "Volumes");
        default_string(config, image_config, "WorkingDir");
        default_string(config, image_config, "User");
        default_string(config, image_config, "StopSignal");
    }
    if (!is_set(json_object_get(config, "Env")))
        json_object_set_new(config, "Env", json_array());
    if (!json_is_object(json_object_get(config, "Labels")))
        json_object_set_new(config, "Labels", json_object());
    const char *h = json_str(config, "Hostname");
    if (!h || !*h)
        json_object_set_new(config, "Hostname", json_stringn(id, 12));

    _cleanup_strv_ char **argv = plan_argv(config);
    if (!argv || !argv[0])
        return md_err(err, MD_EINVAL, "No command specified");
    const char *wd = json_str(config, "WorkingDir");
    if (wd && *wd && wd[0] != '/')
        return md_err(err, MD_EINVAL,
                      "the working directory '%s' is invalid, it needs to be an absolute path", wd);
    const char *ss = json_str(config, "StopSignal");
    if (ss && *ss && signal_parse(ss) < 0)
        return md_err(err, MD_EINVAL, "Invalid signal: %s", ss);
    json_t *st = json_object_get(config, "StopTimeout");
    if (is_set(st) && !json_is_integer(st))
        return md_err(err, MD_EINVAL, "StopTimeout must be an integer");
    return 0;
}

char **plan_argv(json_t *config)
{
    char **argv = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(config, "Entrypoint"), i, v)
    {
        if (json_is_string(v))
            strv_push(&argv, json_string_value(v));
    }
    json_array_foreach(json_object_get(config, "Cmd"), i, v)
    {
        if (json_is_string(v))
            strv_push(&argv, json_string_value(v));
    }
    return argv;
}

static int64_t int_field(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

static int check_restart_policy(json_t *hc, struct md_error *err)
{
    json_t *rp = json_object_get(hc, "RestartPolicy");
    if (!json_is_object(rp)) {
        json_object_set_new(hc, "RestartPolicy",
                            json_pack("{s:s,s:i}", "Name", "no", "MaximumRetryCount", 0));
        return 0;
    }
    const char *name = json_str(rp, "Name");
    if (!name || !*name) {
        json_object_set_new(rp, "Name", json_string("no"));
        name = "no";
    }
    static const char *const names[] = {"no", "always", "unless-stopped", "on-failure"};
    bool known = false;
    for (size_t i = 0; i < 4; i++)
        known |= !strcmp(name, names[i]);
    if (!known)
        return md_err(err, MD_EINVAL, "invalid restart policy '%s'", name);
    int64_t max = int_field(rp, "MaximumRetryCount");
    if (max < 0)
        return md_err(err, MD_EINVAL,
                      "invalid restart policy: maximum retry count cannot be negative");
    if (max > 0 && strcmp(name, "on-failure"))
        return md_err(err, MD_EINVAL,
                      "invalid restart policy: maximum retry count can only be used with "
                      "'on-failure'");
    if (strcmp(name, "no") && json_is_true(json_object_get(hc, "AutoRemove")))
        return md_err(err, MD_EINVAL, "can't create 'AutoRemove' container with restart policy");
    return 0;
}

int plan_check_host_config(json_t *hc, json_t *config, struct md_error *err)
{
    int64_t mem = int_field(hc, "Memory");
    int64_t swap = int_field(hc, "MemorySwap");
    if (mem < 0 || (mem > 0 && mem < MIN_MEMORY))
        return md_err(err, MD_EINVAL, "Minimum memory limit allowed is 6MB");
    if (swap > 0 && mem == 0)
        return md_err(err, MD_EINVAL,
                      "You should always set the Memory limit when using Memoryswap limit, see "
                      "usage");
    if (swap > 0 && swap < mem)
        return md_err(err, MD_EINVAL,
                      "Minimum memoryswap limit should be larger than memory limit, see usage");
    if (mem > 0 && swap == 0)
        json_object_set_new(hc, "MemorySwap", json_integer(2 * mem));

    int64_t ncpus = int_field(hc, "NanoCpus");
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpus < 0 || ncpus > (int64_t)online * 1000000000)
        return md_err(err, MD_EINVAL,
                      "Range of CPUs is from 0.01 to %ld.00, as there are only %ld CPUs "
                      "available",
                      online, online);
    if (ncpus > 0 && ncpus < 10000000)
        return md_err(err, MD_EINVAL,
                      "Range of CPUs is from 0.01 to %ld.00, as there are only "
                      "%ld CPUs available",
                      online, online);
    if (int_field(hc, "CpuShares") < 0)
        return md_err(err, MD_EINVAL, "invalid CPU shares: must not be negative");
    if (check_restart_policy(hc, err) < 0)
        return -1;
    /* docker-py reads HostConfig.LogConfig.Type back; moby fills it in */
    json_t *lc = json_object_get(hc, "LogConfig");
    const char *ld = json_str(lc, "Type");
    if (!ld || !*ld)
        json_object_set_new(hc, "LogConfig",
                            json_pack("{s:s,s:{}}", "Type", "json-file", "Config"));
    else if (strcmp(ld, "json-file") && strcmp(ld, "none"))
        return md_err(err, MD_EINVAL,
                      "failed to create task for container: logger: no log driver named '%s' "
                      "is registered (only json-file and none are)",
                      ld);

    /* user-defined networks are looked up by the caller, who has them */
    const char *nm = json_str(hc, "NetworkMode");
    if (!nm || !*nm)
        json_object_set_new(hc, "NetworkMode", json_string("default"));

    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Binds"), i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid bind: not a string");
        struct vol_spec vs = {0};
        if (volspec_parse(json_string_value(v), &vs, err) < 0)
            return -1;
        volspec_free(&vs);
    }
    json_array_foreach(json_object_get(hc, "CapAdd"), i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid capability: not a string");
    }
    (void)config;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

static char **strv_field(json_t *o, const char *k)
{
    return json_to_strv(json_object_get(o, k));
}

int plan_build(const struct container *c, char *const *layers, struct rt_plan **out,
               struct md_error *err)
{
    json_t *cfg = c->config, *hc = c->host_config;
    struct rt_plan *p = xcalloc(1, sizeof *p);
    memcpy(p->id, c->id, 65);
    p->layers = strv_dup(layers);
    p->rootfs_dir = md_data_path("overlay/%s", c->id);
    p->argv = plan_argv(cfg);
    p->env = strv_field(cfg, "Env");
    p->cwd = dup_or_null(json_str(cfg, "WorkingDir"));
    p->user = dup_or_null(json_str(cfg, "User"));
    p->group_add = strv_field(hc, "GroupAdd");
    p->hostname = xstrdup(json_str(cfg, "Hostname"));
    p->etc_dir = ctr_dir(c);
    p->tty = json_is_true(json_object_get(cfg, "Tty"));
    p->open_stdin = json_is_true(json_object_get(cfg, "OpenStdin"));
    p->stdin_once = json_is_true(json_object_get(cfg, "StdinOnce"));
    p->init = json_is_true(json_object_get(hc, "Init"));
    p->read_only_rootfs = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
    p->rootfs_volatile = json_is_true(json_object_get(hc, "AutoRemove"));
    p->privileged = json_is_true(json_object_get(hc, "Privileged"));
    p->cap_add = strv_field(hc, "CapAdd");
    p->cap_drop = strv_field(hc, "CapDrop");
    json_t *cs = json_object_get(hc, "ConsoleSize");
    if (json_array_size(cs) == 2) {
        p->console_h = (uint16_t)json_integer_value(json_array_get(cs, 0));
        p->console_w = (uint16_t)json_integer_value(json_array_get(cs, 1));
    }
    p->limits = (struct rt_limits){
        .memory = int_field(hc, "Memory"),
        .memory_swap = int_field(hc, "MemorySwap"),
        .nano_cpus = int_field(hc, "NanoCpus"),
        .cpu_shares = int_field(hc, "CpuShares"),
        .pids_limit = int_field(hc, "PidsLimit"),
    };
    const char *nm = json_str(hc, "NetworkMode");
    p->netns_path = nm && !strcmp(nm, "host") ? xstrdup("host") : NULL;
    p->exec_dir = md_exec_path("%s", c->id);
    /* --log-driver none: no log file at all (docker's nop logger) */
    if (!ctr_log_none(c))
        p->log_path = md_data_path("containers/%s/%s-json.log", c->id, c->id);
    p->cgroup_parent = xstrdup(md_cfg.cgroup_parent);
    const char *ss = json_str(cfg, "StopSignal");
    p->stop_signal = ss && *ss ? signal_parse(ss) : 15;

    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Binds"), i, v)
    {
        struct vol_spec vs = {0};
        if (volspec_parse(json_string_value(v), &vs, err) < 0) {
            rt_plan_free(p);
            return -1;
        }
        /* volumes come from the mount points (ctr_volumes_plan) */
        if (vs.type != VOL_BIND) {
            volspec_free(&vs);
            continue;
        }
        p->binds = xrealloc(p->binds, (p->nbinds + 1) * sizeof *p->binds);
        p->binds[p->nbinds++] = (struct rt_bind){
            .source = steal_ptr(&vs.source), .dest = steal_ptr(&vs.dest), .readonly = vs.readonly};
        volspec_free(&vs);
    }
    ctr_volumes_plan(c, p);
    json_array_foreach(json_object_get(hc, "Ulimits"), i, v)
    {
        static const struct {
            const char *name;
            int res;
        } names[] = {{"nofile", RLIMIT_NOFILE},
                     {"nproc", RLIMIT_NPROC},
                     {"core", RLIMIT_CORE},
                     {"memlock", RLIMIT_MEMLOCK},
                     {"stack", RLIMIT_STACK},
                     {"fsize", RLIMIT_FSIZE},
                     {"cpu", RLIMIT_CPU},
                     {"as", RLIMIT_AS},
                     {"msgqueue", RLIMIT_MSGQUEUE},
                     {"nice", RLIMIT_NICE},
                     {"rtprio", RLIMIT_RTPRIO},
                     {"sigpending", RLIMIT_SIGPENDING},
                     {"locks", RLIMIT_LOCKS},
                     {"data", RLIMIT_DATA},
                     {"rss", RLIMIT_RSS}};
        const char *name = json_str(v, "Name");
        int res = -1;
        for (size_t k = 0; name && k < sizeof names / sizeof *names; k++)
            if (!strcmp(name, names[k].name))
                res = names[k].res;
        if (res < 0) {
            rt_plan_free(p);
            return md_err(err, MD_EINVAL, "invalid ulimit type: %s", name ? name : "");
        }
        p->ulimits = xrealloc(p->ulimits, (p->nulimits + 1) * sizeof *p->ulimits);
        p->ulimits[p->nulimits++] = (struct rt_ulimit){
            .resource = res,
            .soft = (uint64_t)int_field(v, "Soft"),
            .hard = (uint64_t)int_field(v, "Hard"),
        };
    }
    if (rt_plan_validate(p, err) < 0) {
        rt_plan_free(p);
        return -1;
    }
    *out = p;
    return 0;
}
