/* Create-request defaults and the spec -> rt_plan translation. */
#include "daemon/state/plan.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/daemon.h"

#include <string.h>
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

/* moby's merge: no Healthcheck in the request takes the image's whole; one
 * given takes the image's value for each field it leaves empty or zero. */
static void merge_healthcheck(json_t *config, json_t *image_hc)
{
    if (!json_is_object(image_hc))
        return;
    json_t *hc = json_object_get(config, "Healthcheck");
    if (!json_is_object(hc)) {
        json_object_set_new(config, "Healthcheck", json_deep_copy(image_hc));
        return;
    }
    /* rebuilt in HealthConfig's order, as docker's inspect prints it */
    static const char *const fields[] = {"Test",        "Interval",      "Timeout",
                                         "StartPeriod", "StartInterval", "Retries"};
    json_t *merged = json_object();
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        json_t *v = json_object_get(hc, fields[i]);
        bool empty = !v || json_is_null(v) || (json_is_array(v) && !json_array_size(v)) ||
                     (json_is_integer(v) && !json_integer_value(v));
        json_t *iv = json_object_get(image_hc, fields[i]);
        if (empty)
            v = iv; /* omitempty in moby's struct: a zero is not shown */
        if (v && !json_is_null(v))
            json_object_set(merged, fields[i], v);
    }
    json_object_set_new(config, "Healthcheck", merged);
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
        merge_healthcheck(config, json_object_get(image_config, "Healthcheck"));
    }
    if (!is_set(json_object_get(config, "Env")))
        json_object_set_new(config, "Env", json_array());
    if (!json_is_object(json_object_get(config, "Labels")))
        json_object_set_new(config, "Labels", json_object());
    const char *h = json_str(config, "Hostname");
    if (!h || !*h)
        json_object_set_new(config, "Hostname", json_stringn(id, 12));

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

/* inspect shows docker's defaults; ctr_spec_parse checks the values */
static void default_restart_policy(json_t *hc)
{
    json_t *rp = json_object_get(hc, "RestartPolicy");
    if (!json_is_object(rp)) {
        json_object_set_new(hc, "RestartPolicy",
                            json_pack("{s:s,s:i}", "Name", "no", "MaximumRetryCount", 0));
        return;
    }
    const char *name = json_str(rp, "Name");
    if (!name || !*name)
        json_object_set_new(rp, "Name", json_string("no"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
    /* docker's default swap is as much again; for a limit past half of
     * int64 (no machine has that much) twice is no limit at all */
    if (mem > 0 && swap == 0)
        json_object_set_new(hc, "MemorySwap", json_integer(mem > INT64_MAX / 2 ? -1 : 2 * mem));

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
    default_restart_policy(hc);
    /* docker-py reads HostConfig.LogConfig.Type back; moby fills it in */
    json_t *lc = json_object_get(hc, "LogConfig");
    if (!json_is_object(lc)) {
        lc = json_object();
        json_object_set_new(hc, "LogConfig", lc);
    }
    const char *ld = json_str(lc, "Type");
    if (!ld || !*ld)
        json_object_set_new(lc, "Type", json_string("json-file"));
    /* a Go map: inspect shows its keys sorted */
    json_t *sorted = json_object();
    _cleanup_free_ const char **keys = NULL;
    size_t nkeys = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(lc, "Config"), k, v)
    {
        keys = xrealloc(keys, (nkeys + 1) * sizeof *keys);
        keys[nkeys++] = k;
    }
    if (nkeys)
        qsort(keys, nkeys, sizeof *keys, cmp_str);
    for (size_t i = 0; i < nkeys; i++)
        json_object_set(sorted, keys[i], json_object_get(json_object_get(lc, "Config"), keys[i]));
    json_object_set_new(lc, "Config", sorted);

    /* docker's defaults, shown by inspect: a private IPC namespace, 64 MiB
     * of /dev/shm */
    const char *ipc = json_str(hc, "IpcMode");
    if (!ipc || !*ipc)
        json_object_set_new(hc, "IpcMode", json_string("private"));
    if (!int_field(hc, "ShmSize"))
        json_object_set_new(hc, "ShmSize", json_integer(64LL * 1024 * 1024));

    /* user-defined networks are looked up by the caller, who has them */
    const char *nm = json_str(hc, "NetworkMode");
    if (!nm || !*nm)
        json_object_set_new(hc, "NetworkMode", json_string("default"));

    (void)config;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? xstrdup(s) : NULL;
}

int plan_build(const struct ctr_spec *s, const char *id, char *const *layers, struct rt_plan **out,
               struct md_error *err)
{
    struct rt_plan *p = xcalloc(1, sizeof *p);
    snprintf(p->id, sizeof p->id, "%s", id);
    p->layers = strv_dup(layers);
    p->rootfs_dir = md_data_path("overlay/%s", id);
    p->argv = strv_dup(s->argv);
    p->env = strv_dup(s->env);
    p->cwd = dup_or_null(s->workdir);
    p->user = dup_or_null(s->user);
    p->group_add = strv_dup(s->group_add);
    p->hostname = xstrdup(s->hostname);
    p->domainname = dup_or_null(s->domainname);
    p->etc_dir = md_data_path("containers/%s", id);
    p->tty = s->tty;
    p->open_stdin = s->open_stdin;
    p->stdin_once = s->stdin_once;
    p->init = s->init;
    p->read_only_rootfs = s->readonly_rootfs;
    p->rootfs_volatile = s->autoremove;
    p->privileged = s->privileged;
    p->no_new_privs = s->no_new_privileges;
    p->seccomp = s->seccomp;
    p->seccomp_profile = seccomp_profile_copy(s->seccomp_profile);
    p->cap_add = strv_dup(s->cap_add);
    p->cap_drop = strv_dup(s->cap_drop);
    p->console_h = s->console_h;
    p->console_w = s->console_w;
    p->limits = (struct rt_limits){
        .memory = s->memory,
        .memory_swap = s->memory_swap,
        .nano_cpus = s->nano_cpus,
        .cpu_shares = s->cpu_shares,
        .pids_limit = s->pids_limit,
    };
    p->netns_path = !strcmp(s->network_mode, "host") ? xstrdup("host") : NULL;
    /* "container:" modes are resolved at start (ctr_ns_plan): the donor's
     * pid is only known then */
    p->pidns_path = s->pid_ns.mode == CTR_NS_HOST ? xstrdup("host") : NULL;
    p->ipcns_path = s->ipc_ns.mode == CTR_NS_HOST ? xstrdup("host") : NULL;
    p->utsns_path = s->uts_ns.mode == CTR_NS_HOST ? xstrdup("host") : NULL;
    p->shm_from = s->ipc_ns.mode == CTR_NS_HOST   ? xstrdup("host")
                  : s->ipc_ns.mode == CTR_NS_NONE ? xstrdup("none")
                                                  : NULL;
    p->shm_size = s->shm_size;
    p->sysctls = strv_dup(s->sysctls);
    p->ndevices = s->ndevices;
    p->devices = s->ndevices ? xcalloc(s->ndevices, sizeof *p->devices) : NULL;
    for (size_t i = 0; i < s->ndevices; i++)
        p->devices[i] = (struct rt_device){xstrdup(s->devices[i].host), xstrdup(s->devices[i].path),
                                           xstrdup(s->devices[i].perms)};
    p->device_rules = strv_dup(s->device_cgroup_rules);
    p->oom_score_adj = s->oom_score_adj;
    p->exec_dir = md_exec_path("%s", id);
    /* --log-driver none: no log file at all (docker's nop logger) */
    if (strcmp(s->log_type, "none")) {
        p->log_path = md_data_path("containers/%s/%s-json.log", id, id);
        p->log_max_size = s->log_max_size;
        p->log_max_file = s->log_max_file;
        p->log_compress = s->log_compress;
    }
    p->cgroup_parent = xstrdup(md_cfg.cgroup_parent);
    p->stop_signal = s->stop_signal;
    for (size_t i = 0; i < s->nmounts; i++) {
        const struct ctr_mount *m = &s->mounts[i];
        if (m->type == CTR_MOUNT_VOLUME)
            continue; /* ctr_volumes_plan adds them: it knows their names */
        p->mounts = xrealloc(p->mounts, (p->nmounts + 1) * sizeof *p->mounts);
        p->mounts[p->nmounts++] = (struct rt_mount){
            .kind = m->type == CTR_MOUNT_TMPFS ? RT_MOUNT_TMPFS : RT_MOUNT_BIND,
            .source = m->type == CTR_MOUNT_BIND ? xstrdup(m->source) : NULL,
            .dest = xstrdup(m->target),
            .readonly = m->readonly,
            .must_exist = m->type == CTR_MOUNT_BIND && !m->create_source,
            .nonrecursive = m->nonrecursive,
            .ro_mode = m->ro_mode == CTR_RO_NONRECURSIVE      ? RT_RO_NONRECURSIVE
                       : m->ro_mode == CTR_RO_FORCE_RECURSIVE ? RT_RO_FORCE_RECURSIVE
                                                              : RT_RO_RECURSIVE_IF_POSSIBLE,
            .propagation = ctr_mount_propagation_flags(m->propagation),
            .flags = m->tmpfs_flags,
            .data = m->options ? xstrdup(m->options) : NULL,
        };
    }
    p->ulimits = s->nulimits ? xcalloc(s->nulimits, sizeof *p->ulimits) : NULL;
    for (size_t i = 0; i < s->nulimits; i++)
        p->ulimits[i] = (struct rt_ulimit){.resource = s->ulimits[i].resource,
                                           .soft = (uint64_t)s->ulimits[i].soft,
                                           .hard = (uint64_t)s->ulimits[i].hard};
    p->nulimits = s->nulimits;
    if (rt_plan_validate(p, err) < 0) {
        rt_plan_free(p);
        return -1;
    }
    *out = p;
    return 0;
}
