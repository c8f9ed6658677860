/* Container records: the in-memory index, persistence, and the text docker
 * shows for a container's state. */
#include "daemon/state/container.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "daemon/daemon.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct container **all;
static size_t nall;

static const char *const status_names[] = {
    [CTR_CREATED] = "created",   [CTR_RUNNING] = "running",
    [CTR_PAUSED] = "paused",     [CTR_RESTARTING] = "restarting",
    [CTR_REMOVING] = "removing", [CTR_EXITED] = "exited",
    [CTR_DEAD] = "dead",
};

const char *ctr_status_name(enum ctr_status s)
{
    return status_names[s];
}

static int status_from_name(const char *s)
{
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (s && !strcmp(s, status_names[i]))
            return (int)i;
    return -1;
}

void cstore_lock(void)
{
    pthread_mutex_lock(&lock);
}

void cstore_unlock(void)
{
    pthread_mutex_unlock(&lock);
}

void cstore_broadcast(void)
{
    pthread_cond_broadcast(&changed);
}

int cstore_wait(int timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (dl.tv_nsec >= 1000000000) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000;
    }
    return pthread_cond_timedwait(&changed, &lock, &dl);
}

struct container *ctr_new(void)
{
    struct container *c = xcalloc(1, sizeof *c);
    c->refs = 1;
    c->watch_fd = -1;
    c->started_ns = c->finished_ns = TIME_ZERO;
    pthread_mutex_init(&c->op_lock, NULL);
    return c;
}

void ctr_get(struct container *c)
{
    cstore_lock();
    c->refs++;
    cstore_unlock();
}

static void ctr_free(struct container *c)
{
    free(c->name);
    free(c->image_ref);
    free(c->list_fixed);
    free(c->link_hosts);
    free(c->image_id);
    ctr_spec_free(c->spec);
    health_free(c->health);
    for (size_t i = 0; i < c->nretired; i++)
        ctr_spec_free(c->retired[i]);
    free(c->retired);
    json_decref(c->config);
    json_decref(c->host_config);
    json_decref(c->net_settings);
    json_decref(c->mount_points);
    free(c->path);
    json_decref(c->args);
    free(c->error);
    if (c->watch_fd >= 0)
        close(c->watch_fd);
    pthread_mutex_destroy(&c->op_lock);
    free(c);
}

void ctr_put(struct container *c)
{
    if (!c)
        return;
    cstore_lock();
    bool last = --c->refs == 0;
    cstore_unlock();
    if (last)
        ctr_free(c);
}

char *ctr_dir(const struct container *c)
{
    return md_data_path("containers/%s", c->id);
}

bool ctr_log_none(const struct container *c)
{
    return !strcmp(c->spec->log_type, "none");
}

static json_t *time_json(int64_t ns)
{
    _cleanup_free_ char *s = time_format(ns, false);
    return json_string(s);
}

static int64_t time_from_json(json_t *j)
{
    int64_t ns = TIME_ZERO;
    if (json_is_string(j))
        time_parse_rfc3339(json_string_value(j), &ns);
    return ns;
}

json_t *ctr_to_json(const struct container *c)
{
    json_t *j = json_object();
    json_object_set_new(j, "Id", json_string(c->id));
    json_object_set_new(j, "Name", json_string(c->name));
    json_object_set_new(j, "Created", time_json(c->created_ns));
    json_object_set_new(j, "ImageRef", json_string(c->image_ref));
    json_object_set_new(j, "Image", json_string(c->image_id));
    json_object_set_new(j, "Path", json_string(c->path ? c->path : ""));
    json_object_set(j, "Args", c->args ? c->args : json_array());
    json_object_set(j, "Config", c->config);
    json_object_set(j, "HostConfig", c->host_config);
    /* a copy: the caller writes it out after letting go of the store
     * lock, while network connect may change the live one */
    if (c->net_settings)
        json_object_set_new(j, "NetworkSettings", json_deep_copy(c->net_settings));
    if (c->mount_points)
        json_object_set(j, "MountPoints", c->mount_points);
    json_t *st = json_object();
    json_object_set_new(st, "Status", json_string(ctr_status_name(c->status)));
    json_object_set_new(st, "Pid", json_integer(c->pid));
    json_object_set_new(st, "ShimPid", json_integer(c->shim_pid));
    json_object_set_new(st, "PidStart", json_integer((json_int_t)c->pid_start));
    json_object_set_new(st, "ShimStart", json_integer((json_int_t)c->shim_start));
    json_object_set_new(st, "ExitCode", json_integer(c->exit_code));
    json_object_set_new(st, "OOMKilled", json_boolean(c->oom_killed));
    json_object_set_new(st, "Error", json_string(c->error ? c->error : ""));
    json_object_set_new(st, "StartedAt", time_json(c->started_ns));
    json_object_set_new(st, "FinishedAt", time_json(c->finished_ns));
    json_object_set_new(st, "RestartCount", json_integer(c->restart_count));
    json_object_set_new(st, "ManualStop", json_boolean(c->manual_stop));
    json_object_set_new(st, "HasRun", json_boolean(c->has_run));
    if (c->health)
        json_object_set_new(st, "Health", health_to_json(c->health));
    json_object_set_new(j, "State", st);
    return j;
}

static struct container *ctr_from_json(json_t *j, struct md_error *err)
{
    const char *id = json_str(j, "Id");
    const char *name = json_str(j, "Name");
    json_t *st = json_object_get(j, "State");
    int status = status_from_name(json_str(st, "Status"));
    if (!id || !id_is_full(id) || !name || !json_is_object(json_object_get(j, "Config")) ||
        !json_is_object(json_object_get(j, "HostConfig")) || status < 0)
        return NULL;
    /* parsed once here: a record is the same Config and HostConfig that
     * passed these checks at create (by this or an earlier version); its
     * networks' Aliases and IPAMConfig were kept in NetworkSettings */
    struct ctr_spec *spec = NULL;
    json_t *nets = json_object_get(json_object_get(j, "NetworkSettings"), "Networks");
    _cleanup_json_ json_t *netcfg = json_pack("{s:O?}", "EndpointsConfig", nets);
    if (ctr_spec_parse(json_object_get(j, "Config"), json_object_get(j, "HostConfig"), netcfg,
                       &spec, err) < 0)
        return NULL;
    struct container *c = ctr_new();
    c->spec = spec;
    memcpy(c->id, id, 65);
    c->name = xstrdup(name);
    c->created_ns = time_from_json(json_object_get(j, "Created"));
    c->image_ref = xstrdup(json_str(j, "ImageRef"));
    c->image_id = xstrdup(json_str(j, "Image"));
    c->path = xstrdup(json_str(j, "Path"));
    c->args = json_incref(json_object_get(j, "Args"));
    c->config = json_incref(json_object_get(j, "Config"));
    c->host_config = json_incref(json_object_get(j, "HostConfig"));
    c->net_settings = json_incref(json_object_get(j, "NetworkSettings"));
    c->mount_points = json_incref(json_object_get(j, "MountPoints"));
    c->status = status;
    c->pid = (pid_t)json_integer_value(json_object_get(st, "Pid"));
    c->shim_pid = (pid_t)json_integer_value(json_object_get(st, "ShimPid"));
    c->pid_start = (uint64_t)json_integer_value(json_object_get(st, "PidStart"));
    c->shim_start = (uint64_t)json_integer_value(json_object_get(st, "ShimStart"));
    c->exit_code = (int)json_integer_value(json_object_get(st, "ExitCode"));
    c->oom_killed = json_is_true(json_object_get(st, "OOMKilled"));
    const char *e = json_str(st, "Error");
    c->error = e && *e ? xstrdup(e) : NULL;
    c->started_ns = time_from_json(json_object_get(st, "StartedAt"));
    c->finished_ns = time_from_json(json_object_get(st, "FinishedAt"));
    c->restart_count = (int)json_integer_value(json_object_get(st, "RestartCount"));
    c->manual_stop = json_is_true(json_object_get(st, "ManualStop"));
    c->has_run = json_is_true(json_object_get(st, "HasRun"));
    c->health = health_from_json(json_object_get(st, "Health"));
    return c;
}

static int save(struct container *c, bool durable, struct md_error *err)
{
    cstore_lock();
    json_t *j = ctr_to_json(c);
    cstore_unlock();
    _cleanup_free_ char *dir = ctr_dir(c);
    _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
    int r = json_write_replace(path, j, durable, err);
    json_decref(j);
    if (r < 0)
        return md_err_wrap(err, "save container %.12s", c->id);
    return 0;
}

int ctr_save(struct container *c, struct md_error *err)
{
    return save(c, true, err);
}

int ctr_save_state(struct container *c, struct md_error *err)
{
    return save(c, false, err);
}

int cstore_init(struct md_error *err)
{
    _cleanup_free_ char *root = md_data_path("containers");
    if (mkdir(root, 0700) < 0 && errno != EEXIST)
        return md_errno(err, errno, "create %s", root);
    _cleanup_closedir_ DIR *d = opendir(root);
    if (!d)
        return md_errno(err, errno, "open %s", root);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!id_is_full(de->d_name))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s/config.json", root, de->d_name);
        struct md_error e = {0};
        json_t *j = json_load_path(path, &e);
        struct container *c = j ? ctr_from_json(j, &e) : NULL;
        json_decref(j);
        if (!c) {
            /* a record we cannot read is kept on disk for a human to look at */
            log_warn("skipping container %s: %s", de->d_name, e.msg ? e.msg : "unreadable record");
            md_err_clear(&e);
            continue;
        }
        all = xrealloc(all, (nall + 1) * sizeof *all);
        all[nall++] = c;
    }
    return 0;
}

static struct container *find_locked(const char *ref)
{
    if (ref[0] == '/')
        ref++;
    for (size_t i = 0; i < nall; i++)
        if (!strcmp(all[i]->id, ref))
            return all[i];
    for (size_t i = 0; i < nall; i++)
        if (!strcmp(all[i]->name, ref))
            return all[i];
    _cleanup_free_ const char **ids = xcalloc(nall + 1, sizeof *ids);
    for (size_t i = 0; i < nall; i++)
        ids[i] = all[i]->id;
    long k = id_prefix_match(ref, ids, nall);
    return k >= 0 ? all[k] : NULL;
}

int cstore_find(const char *ref, struct container **out, struct md_error *err)
{
    cstore_lock();
    struct container *c = *ref ? find_locked(ref) : NULL;
    if (c)
        c->refs++;
    cstore_unlock();
    if (!c)
        return md_err(err, MD_ENOTFOUND, "No such container: %s", ref);
    *out = c;
    return 0;
}

bool cstore_name_taken(const char *name, char owner_id[65])
{
    for (size_t i = 0; i < nall; i++)
        if (!strcmp(all[i]->name, name)) {
            if (owner_id)
                memcpy(owner_id, all[i]->id, 65);
            return true;
        }
    return false;
}

static int name_conflict(struct md_error *err, const char *name, const char *owner)
{
    return md_err(err, MD_ECONFLICT,
                  "Conflict. The container name \"/%s\" is already in use by container \"%s\". "
                  "You have to remove (or rename) that container to be able to reuse that name.",
                  name, owner);
}

int cstore_add(struct container *c, struct md_error *err)
{
    cstore_lock();
    char owner[65];
    if (cstore_name_taken(c->name, owner)) {
        cstore_unlock();
        return name_conflict(err, c->name, owner);
    }
    all = xrealloc(all, (nall + 1) * sizeof *all);
    all[nall++] = c;
    c->refs++;
    cstore_unlock();
    return 0;
}

int cstore_rename(struct container *c, const char *name, struct md_error *err)
{
    cstore_lock();
    char owner[65];
    if (cstore_name_taken(name, owner)) {
        cstore_unlock();
        return name_conflict(err, name, owner);
    }
    free(c->name);
    c->name = xstrdup(name);
    cstore_unlock();
    return 0;
}

void cstore_remove(struct container *c)
{
    cstore_lock();
    for (size_t i = 0; i < nall; i++)
        if (all[i] == c) {
            memmove(all + i, all + i + 1, (nall - i - 1) * sizeof *all);
            nall--;
            c->removed = true;
            cstore_broadcast();
            cstore_unlock();
            _cleanup_free_ char *dir = ctr_dir(c);
            fs_rm_rf(dir, NULL);
            ctr_put(c); /* the index's reference */
            return;
        }
    cstore_unlock();
}

static int by_created_desc(const void *a, const void *b)
{
    const struct container *x = *(struct container *const *)a;
    const struct container *y = *(struct container *const *)b;
    return x->created_ns < y->created_ns ? 1 : x->created_ns > y->created_ns ? -1 : 0;
}

struct container **cstore_list(size_t *n)
{
    cstore_lock();
    struct container **v = xcalloc(nall + 1, sizeof *v);
    for (size_t i = 0; i < nall; i++) {
        v[i] = all[i];
        v[i]->refs++;
    }
    *n = nall;
    cstore_unlock();
    qsort(v, *n, sizeof *v, by_created_desc);
    return v;
}

void cstore_list_free(struct container **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ctr_put(v[i]);
    free(v);
}

void state_counts(int *total, int *running, int *paused, int *stopped)
{
    cstore_lock();
    *total = (int)nall;
    *running = *paused = *stopped = 0;
    for (size_t i = 0; i < nall; i++) {
        if (all[i]->status == CTR_PAUSED)
            (*paused)++;
        else if (all[i]->status == CTR_RUNNING || all[i]->status == CTR_RESTARTING)
            (*running)++;
        else
            (*stopped)++;
    }
    cstore_unlock();
}

char *ctr_status_text(const struct container *c, int64_t now_ns)
{
    switch (c->status) {
    case CTR_RUNNING:
    case CTR_PAUSED: {
        _cleanup_free_ char *d = human_duration((now_ns - c->started_ns) / 1000000000);
        if (c->status == CTR_PAUSED)
            return xasprintf("Up %s (Paused)", d);
        if (c->health) /* moby: "Up 3 seconds (healthy)", "(health: starting)" */
            return xasprintf("Up %s (%s)", d, health_ps_text(c->health));
        return xasprintf("Up %s", d);
    }
    case CTR_RESTARTING: {
        _cleanup_free_ char *d = human_duration((now_ns - c->finished_ns) / 1000000000);
        return xasprintf("Restarting (%d) %s ago", c->exit_code, d);
    }
    case CTR_REMOVING:
        return xstrdup("Removal In Progress");
    case CTR_DEAD:
        return xstrdup("Dead");
    case CTR_EXITED:
        if (c->finished_ns != TIME_ZERO) {
            _cleanup_free_ char *d = human_duration((now_ns - c->finished_ns) / 1000000000);
            return xasprintf("Exited (%d) %s ago", c->exit_code, d);
        }
        return xstrdup("Exited");
    case CTR_CREATED:
    default:
        return xstrdup("Created");
    }
}
