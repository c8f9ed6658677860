/* Container lifecycle over the runtime: every verb checks the state with
 * docker's messages before it changes anything, and undoes its own work when
 * it fails half-way. Exits arrive through the monitor thread (an epoll over
 * the shims' pidfds), never by polling. */
#include "daemon/state/lifecycle.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/names.h"
#include "common/signals.h"
#include "common/timefmt.h"
#include "daemon/daemon.h"
#include "daemon/image/image.h"
#include "daemon/runtime/runtime.h"
#include "daemon/net/net.h"
#include "daemon/state/ctr_net.h"
#include "daemon/state/ctr_ns.h"
#include "daemon/state/ctr_volumes.h"
#include "daemon/state/etc_files.h"
#include "daemon/state/events.h"
#include "daemon/state/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>

static int epfd = -1;
static pthread_t monitor;
static volatile bool stopping;

void ctr_emit(struct container *c, const char *action, json_t *extra)
{
    cstore_lock();
    json_t *attrs = json_pack("{s:s,s:s}", "image", c->image_ref, "name", c->name);
    json_t *labels = json_object_get(c->config, "Labels");
    if (json_is_object(labels))
        json_object_update(attrs, labels);
    cstore_unlock();
    if (extra) {
        json_object_update(attrs, extra);
        json_decref(extra);
    }
    events_emit("container", action, c->id, attrs);
}

static void set_error(struct container *c, const char *msg)
{
    free(c->error);
    c->error = msg ? xstrdup(msg) : NULL;
}

int ctr_start_exit_code(int err)
{
    if (err == ENOENT)
        return 127;
    if (err == EACCES)
        return 126;
    return 128;
}

/* ---- /etc files ---- */

static int write_file(const char *dir, const char *name, const char *text, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    /* no fsync: these files are written anew at every start */
    return fs_write_replace_at(AT_FDCWD, path, text, strlen(text), 0644, 0, err);
}

/* The host's resolv.conf without loopback nameservers, which mean nothing
 * inside a network namespace (docker's rule); Google's when none remain. */
static int write_etc_files(struct container *c, struct md_error *err)
{
    const struct ctr_spec *s = c->spec;
    _cleanup_free_ char *dir = ctr_dir(c);
    _cleanup_free_ char *h = xasprintf("%s\n", s->hostname);
    _cleanup_free_ char *host_resolv = fs_read_file("/etc/resolv.conf", NULL);
    _cleanup_free_ char *resolv =
        etc_resolv_conf(host_resolv, "/etc/resolv.conf", s->dns, s->dns_search, s->dns_options,
                        !strcmp(s->network_mode, "host"));
    _cleanup_free_ char *hosts = ctr_net_hosts(c);
    if (write_file(dir, "hostname", h, err) < 0 || write_file(dir, "resolv.conf", resolv, err) < 0)
        return -1;
    return write_file(dir, "hosts", hosts, err);
}

/* ---- create ---- */

static json_t *config_from_request(json_t *body)
{
    /* The create body is Config's fields plus HostConfig and
     * NetworkingConfig; Config keeps the former. */
    json_t *cfg = json_deep_copy(body);
    json_object_del(cfg, "HostConfig");
    json_object_del(cfg, "NetworkingConfig");
    return cfg;
}

static char *pick_name(const char *want, struct md_error *err)
{
    if (want && *want) {
        const char *n = want[0] == '/' ? want + 1 : want;
        if (!name_valid(n)) {
            md_err(err, MD_EINVAL,
                   "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", want);
            return NULL;
        }
        return xstrdup(n);
    }
    for (unsigned retry = 0;; retry++) {
        char *n = name_random(retry);
        cstore_lock();
        bool taken = cstore_name_taken(n, NULL);
        cstore_unlock();
        if (!taken)
            return n;
        free(n);
    }
}

/* NetworkMode names a network that exists; its EndpointsConfig (aliases,
 * a fixed address) is kept for start. */
static int create_networks(struct container *c, json_t *netcfg, struct md_error *err)
{
    const char *nm = c->spec->network_mode;
    const char *net = !strcmp(nm, "default") ? "bridge" : nm;
    char name[64] = "", id[65] = "";
    if (strcmp(net, "none") && strcmp(net, "host") && !ctr_ns_shares_net(c->spec) &&
        net_lookup(net, name, id, err) < 0) {
        err->err = MD_EINVAL; /* a 404 would make the CLI try to pull the image */
        return -1;
    }
    if (!*name)
        snprintf(name, sizeof name, "%s", net);
    json_t *eps = json_object_get(netcfg, "EndpointsConfig");
    json_t *mine = json_object_get(eps, nm);
    if (!mine)
        mine = json_object_get(eps, name);
    if (ctr_ns_shares_net(c->spec)) {
        c->net_settings = json_pack("{s:{},s:{}}", "Ports", "Networks");
        return 0;
    }
    json_t *entry = json_is_object(mine) ? json_deep_copy(mine) : json_object();
    c->net_settings = json_pack("{s:{},s:{s:o}}", "Ports", "Networks", name, entry);
    return 0;
}

/* Legacy links name existing containers; HostConfig.Links is kept the way
 * docker's inspect shows it, "/web:/me/db". */
static int create_links(struct container *c, struct md_error *err)
{
    if (!c->spec->links)
        return 0;
    json_t *shown = json_array();
    for (char **l = c->spec->links; l[0] && l[1]; l += 2) {
        struct container *child = NULL;
        if (cstore_find(l[0], &child, err) < 0) {
            json_decref(shown);
            md_err_wrap(err, "could not get container for %s", l[0]);
            err->err = MD_EINVAL; /* a 404 would make the CLI pull the image */
            return -1;
        }
        cstore_lock();
        _cleanup_free_ char *child_name = xstrdup(child->name);
        cstore_unlock();
        bool host = !strcmp(child->spec->network_mode, "host");
        ctr_put(child);
        if (host) {
            json_decref(shown);
            return md_err(err, MD_EINVAL,
                          "conflicting options: host type networking can't be used with links. "
                          "This would result in undefined behavior");
        }
        json_array_append_new(shown, json_sprintf("/%s:/%s/%s", child_name, c->name, l[1]));
    }
    json_object_set_new(c->host_config, "Links", shown);
    return 0;
}

int ctr_create(json_t *body, const char *name, struct container **out, struct md_error *err)
{
    const char *image = json_str(body, "Image");
    if (!image || !*image)
        return md_err(err, MD_EINVAL, "config error: no image specified");
    _cleanup_free_ char *cname = pick_name(name, err);
    if (!cname)
        return -1;
    struct image *im = NULL;
    if (image_lookup(image, &im, err) < 0)
        return -1;
    struct container *c = ctr_new();
    id_new(c->id);
    c->name = steal_ptr(&cname);
    c->created_ns = time_now_ns();
    c->image_ref = xstrdup(image);
    c->image_id = xstrdup(image_id(im));
    c->config = config_from_request(body);
    json_t *hc = json_object_get(body, "HostConfig");
    c->host_config = json_is_object(hc) ? json_deep_copy(hc) : json_object();
    json_t *netcfg = json_object_get(body, "NetworkingConfig");
    /* every check of the request happens here, before anything exists */
    int r =
        ctr_spec_build(c->config, c->host_config, netcfg, image_config(im), c->id, &c->spec, err);
    image_put(im);
    if (r == 0)
        r = create_links(c, err);
    if (r == 0)
        r = create_networks(c, netcfg, err);
    bool volumes = r == 0 && (r = ctr_volumes_create(c, err)) == 0;
    if (r < 0) {
        if (volumes)
            ctr_volumes_undo(c);
        ctr_put(c);
        return -1;
    }
    c->path = xstrdup(c->spec->argv[0]);
    c->args = json_strv(c->spec->argv + 1);
    c->status = CTR_CREATED;

    _cleanup_free_ char *dir = ctr_dir(c);
    if (mkdir(dir, 0700) < 0) {
        md_errno(err, errno, "create %s", dir);
        ctr_volumes_undo(c);
        ctr_put(c);
        return -1;
    }
    /* A --rm container is gone once it stops, and nothing runs after a
     * power cut: its record needs no fsync (two of them were ~1.3 ms of
     * every `run --rm`). Replaced atomically all the same. */
    bool ephemeral = c->spec->autoremove;
    if (cstore_add(c, err) < 0 || (ephemeral ? ctr_save_state(c, err) : ctr_save(c, err)) < 0) {
        cstore_remove(c); /* harmless when it was never added */
        rmdir(dir);
        ctr_volumes_undo(c);
        ctr_put(c);
        return -1;
    }
    ctr_volumes_created(c);
    ctr_emit(c, "create", NULL);
    *out = c;
    return 0;
}

/* ---- monitor ---- */

static void watch_add(struct container *c)
{
    ctr_get(c); /* the monitor's reference, dropped on exit */
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->watch_fd, &ev) < 0) {
        log_error("watch container %.12s: %s", c->id, strerror(errno));
        ctr_put(c);
    }
}

static void *restart_worker(void *arg);

static bool wants_restart(struct container *c)
{
    const struct ctr_spec *s = c->spec;
    if (c->manual_stop || c->removed || stopping)
        return false;
    switch (s->restart) {
    case CTR_RESTART_ALWAYS:
    case CTR_RESTART_UNLESS_STOPPED:
        return true;
    case CTR_RESTART_ON_FAILURE:
        return c->exit_code != 0 && (s->restart_max == 0 || c->restart_count < s->restart_max);
    case CTR_RESTART_NO:
        break;
    }
    return false;
}

static void spawn_worker(void *(*fn)(void *), struct container *c)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    ctr_get(c);
    if (pthread_create(&th, &attr, fn, c) != 0)
        ctr_put(c);
    pthread_attr_destroy(&attr);
}

static void *autoremove_worker(void *arg)
{
    struct container *c = arg;
    struct md_error err = {0};
    /* docker's auto-remove takes the anonymous volumes too */
    if (ctr_remove(c, true, &err) < 0)
        log_warn("auto-remove %.12s: %s", c->id, md_err_msg(&err));
    else
        ctr_volumes_remove_anonymous(c);
    md_err_clear(&err);
    ctr_put(c);
    return NULL;
}

/* The shim is gone: record how PID 1 ended, undo the runtime's work, then
 * apply --rm or the restart policy. */
static void handle_exit(struct container *c)
{
    _cleanup_free_ char *exec_dir = md_exec_path("%s", c->id);
    _cleanup_free_ char *rootfs = md_data_path("overlay/%s", c->id);
    struct rt_exit ex = {.code = 255, .finished_ns = time_now_ns()};
    struct md_error err = {0};
    if (rt_read_exit(exec_dir, &ex, &err) < 0) {
        log_warn("container %.12s: no exit record (%s); recording 255", c->id, md_err_msg(&err));
        md_err_clear(&err);
    }
    /* The state changes first, so ps and inspect are right at once; the
     * cleanup can take a moment (a zombie shim whose reaper is slow). */
    cstore_lock();
    /* restore_one of a container the old daemon left restarting: its
     * restart was counted at that exit */
    bool counted = c->status == CTR_RESTARTING;
    if (c->watch_fd >= 0) {
        close(c->watch_fd);
        c->watch_fd = -1;
    }
    c->status = CTR_EXITED;
    c->exit_code = ex.code;
    c->oom_killed = ex.oom_killed;
    c->finished_ns = ex.finished_ns;
    c->pid = 0;
    c->shim_pid = 0;
    c->exiting = true;
    cstore_unlock();
    /* after the status: a health_update racing with this exit sees it */
    health_stop(c);
    bool cleaned = rt_cleanup(c->id, rootfs, exec_dir, md_cfg.cgroup_parent, &err) == 0;
    if (!cleaned) {
        log_warn("clean up container %.12s: %s", c->id, md_err_msg(&err));
        md_err_clear(&err);
    }
    ctr_net_stop(c);
    ctr_volumes_stop(c);
    /* waiters (docker wait, run) see the exit once everything is undone */
    cstore_lock();
    c->exit_seq++;
    c->seq_exit_code = ex.code;
    c->exiting = false;
    c->cleaned = cleaned;
    bool autoremove = c->spec->autoremove;
    bool restart = !autoremove && wants_restart(c);
    /* moby counts a restart when it decides on it, at the exit: inspect
     * never shows Restarting with the count of the run before, and a
     * waiter woken by this exit reads the new count */
    if (restart) {
        c->status = CTR_RESTARTING;
        if (!counted)
            c->restart_count++;
    }
    cstore_broadcast();
    cstore_unlock();
    /* an --rm container's record is deleted next: no need to make it durable */
    if (!autoremove && ctr_save_state(c, &err) < 0) {
        log_warn("%s", md_err_msg(&err));
        md_err_clear(&err);
    }
    char code[16];
    snprintf(code, sizeof code, "%d", ex.code);
    if (ex.oom_killed)
        ctr_emit(c, "oom", NULL);
    ctr_emit(c, "die", json_pack("{s:s}", "exitCode", code));
    if (autoremove)
        spawn_worker(autoremove_worker, c);
    else if (restart)
        spawn_worker(restart_worker, c);
}

static void *monitor_thread(void *arg)
{
    struct epoll_event evs[16];
    while (!stopping) {
        int n = epoll_wait(epfd, evs, 16, 500);
        for (int i = 0; i < n; i++) {
            struct container *c = evs[i].data.ptr;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->watch_fd, NULL);
            handle_exit(c);
            ctr_put(c);
        }
    }
    return NULL;
}

/* ---- start ---- */

/* docker creates a missing bind source as a directory (-v /new:/x); a
 * --mount bind's must exist (unless BindOptions.CreateMountpoint) */
static int create_bind_sources(const struct rt_plan *p, struct md_error *err)
{
    for (size_t i = 0; i < p->nmounts; i++) {
        const struct rt_mount *m = &p->mounts[i];
        if (m->kind != RT_MOUNT_BIND || access(m->source, F_OK) == 0)
            continue;
        if (m->must_exist)
            return md_err(err, MD_EINVAL,
                          "invalid mount config for type \"bind\": bind source path does not "
                          "exist: %s",
                          m->source);
        if (fs_mkdir_p(m->source, 0755, err) < 0)
            return md_err_wrap(err, "create bind source %s", m->source);
    }
    return 0;
}

static int start_locked(struct container *c, struct md_error *err)
{
    cstore_lock();
    /* the previous run may still be being undone (same exec dir, cgroup
     * and overlay): wait for handle_exit to finish */
    for (int i = 0; i < 300 && c->exiting; i++)
        cstore_wait(100);
    bool busy = c->exiting;
    enum ctr_status s = c->status;
    cstore_unlock();
    if (busy)
        return md_err(err, MD_ECONFLICT, "container %s is still being cleaned up", c->id);
    if (s == CTR_RUNNING)
        return md_err(err, MD_ENOTMODIFIED, "container already started");
    if (s == CTR_PAUSED)
        return md_err(err, MD_ECONFLICT, "cannot start a paused container, try unpause instead");
    if (s == CTR_REMOVING || c->removed)
        return md_err(err, MD_ECONFLICT, "container is marked for removal and cannot be started");

    struct image *im = NULL;
    if (image_lookup(c->image_id, &im, err) < 0)
        return md_err_wrap(err, "image of container %s", c->name);
    _cleanup_strv_ char **layers = image_layer_dirs(im);
    image_put(im);
    struct rt_plan *plan = NULL;
    if (plan_build(c->spec, c->id, layers, &plan, err) < 0)
        return -1;
    if (ctr_ns_plan(c, plan, err) < 0) {
        rt_plan_free(plan);
        return -1;
    }
    /* json-file's attrs name the container as it is called now (tag) */
    cstore_lock();
    plan->log_attrs = ctr_spec_log_attrs(c->spec, c->id, c->name, c->image_id, c->image_ref);
    cstore_unlock();
    ctr_volumes_plan(c, plan);
    if (create_bind_sources(plan, err) < 0 || ctr_volumes_start(c, plan, err) < 0) {
        rt_plan_free(plan);
        return -1;
    }
    if (ctr_net_start(c, plan, err) < 0 || ctr_net_links(c, plan, err) < 0 ||
        write_etc_files(c, err) < 0) {
        ctr_net_stop(c);
        ctr_volumes_stop(c);
        rt_plan_free(plan);
        return -1;
    }
    struct rt_state st = {0};
    int watch = -1; /* EOF once the shim recorded PID 1's exit */
    int r = rt_prepare(plan, &st, &watch, err);
    if (r == 0) {
        /* attach streams that came before start connect now (docker run) */
        cstore_lock();
        c->prepared = true;
        cstore_broadcast();
        for (int i = 0; i < 100 && c->pending_attach > 0; i++)
            cstore_wait(50);
        c->prepared = false;
        cstore_unlock();
        r = rt_release(plan->exec_dir, err);
        if (r < 0) {
            /* PID 1 never ran the command: undo everything at once */
            struct md_error e2 = {0};
            rt_cleanup(c->id, plan->rootfs_dir, plan->exec_dir, plan->cgroup_parent, &e2);
            md_err_clear(&e2);
            close(watch);
        }
    }
    if (r < 0) {
        ctr_net_stop(c);
        ctr_volumes_stop(c);
        int code = ctr_start_exit_code(err->err);
        cstore_lock();
        set_error(c, md_err_msg(err));
        if (c->has_run || code != 128) {
            c->status = CTR_EXITED;
            c->exit_code = code;
            c->finished_ns = time_now_ns();
        }
        c->exit_seq++;
        c->seq_exit_code = c->exit_code;
        cstore_broadcast();
        cstore_unlock();
        struct md_error e2 = {0};
        ctr_save_state(c, &e2);
        md_err_clear(&e2);
        rt_plan_free(plan);
        if (err->err == ENOENT || err->err == EACCES)
            err->err = MD_EINVAL;
        return -1;
    }
    cstore_lock();
    c->status = CTR_RUNNING;
    c->cleaned = false;
    c->pid = st.pid;
    c->shim_pid = st.shim_pid;
    c->pid_start = st.pid_start;
    c->shim_start = st.shim_start;
    c->started_ns = time_now_ns();
    c->finished_ns = TIME_ZERO;
    c->exit_code = 0;
    c->oom_killed = false;
    c->has_run = true;
    c->manual_stop = false;
    set_error(c, NULL);
    c->watch_fd = watch;
    cstore_broadcast();
    cstore_unlock();
    rt_plan_free(plan);
    if (ctr_save_state(c, err) < 0)
        log_warn("%s", md_err_msg(err));
    md_err_clear(err);
    ctr_emit(c, "start", NULL);
    watch_add(c);
    health_init(c);
    return 0;
}

int ctr_start(struct container *c, struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    int r = start_locked(c, err);
    pthread_mutex_unlock(&c->op_lock);
    /* moby removes an --rm container whose start failed; `docker run --rm`
     * waits for exactly that (condition=removed) */
    if (r < 0 && c->spec->autoremove)
        spawn_worker(autoremove_worker, c);
    return r;
}

static void *restart_worker(void *arg)
{
    struct container *c = arg;
    /* docker's backoff: 100 ms doubling per consecutive restart, capped;
     * restart_count already counts this one */
    cstore_lock();
    int n = c->restart_count - 1;
    cstore_unlock();
    n = n < 0 ? 0 : n > 10 ? 10 : n;
    long delay_ms = 100L << n;
    if (delay_ms > 60000)
        delay_ms = 60000;
    struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    bool go = c->status == CTR_RESTARTING && !c->removed && !c->manual_stop && !stopping;
    cstore_unlock();
    if (go) {
        struct md_error err = {0};
        if (start_locked(c, &err) < 0) {
            log_warn("restart %s: %s", c->name, md_err_msg(&err));
            cstore_lock();
            c->status = CTR_EXITED;
            cstore_broadcast();
            cstore_unlock();
        } else {
            ctr_emit(c, "restart", NULL);
        }
        md_err_clear(&err);
    }
    pthread_mutex_unlock(&c->op_lock);
    ctr_put(c);
    return NULL;
}

/* ---- stop, kill, pause ---- */

static bool is_live(const struct container *c)
{
    return c->status == CTR_RUNNING || c->status == CTR_PAUSED || c->exiting;
}

static struct rt_state state_of(const struct container *c)
{
    return (struct rt_state){.pid = c->pid,
                             .shim_pid = c->shim_pid,
                             .pid_start = c->pid_start,
                             .shim_start = c->shim_start};
}

/* Wait (store lock held) until the container is no longer live. */
static bool wait_exit_locked(struct container *c, int64_t timeout_ms)
{
    int64_t deadline = time_now_ns() + timeout_ms * 1000000;
    while (is_live(c)) {
        int64_t left = (deadline - time_now_ns()) / 1000000;
        if (timeout_ms >= 0 && left <= 0)
            return false;
        cstore_wait(timeout_ms < 0 || left > 500 ? 500 : (int)left);
    }
    return true;
}

static int stop_locked(struct container *c, int timeout, int sig, struct md_error *err)
{
    cstore_lock();
    if (c->status == CTR_RESTARTING) {
        c->manual_stop = true;
        c->status = CTR_EXITED;
        cstore_broadcast();
        cstore_unlock();
        return 0;
    }
    if (!is_live(c)) {
        cstore_unlock();
        return md_err(err, MD_ENOTMODIFIED, "container already stopped");
    }
    c->manual_stop = true;
    if (!sig)
        sig = c->spec->stop_signal;
    if (timeout < 0)
        timeout = c->spec->stop_timeout >= 0 ? c->spec->stop_timeout : 10;
    bool paused = c->status == CTR_PAUSED;
    struct rt_state st = state_of(c);
    cstore_unlock();

    if (rt_kill(&st, sig, err) < 0)
        log_debug("stop %.12s: %s", c->id, md_err_msg(err));
    md_err_clear(err);
    if (paused && rt_freeze(c->id, md_cfg.cgroup_parent, false, err) == 0) {
        cstore_lock();
        if (c->status == CTR_PAUSED)
            c->status = CTR_RUNNING;
        cstore_unlock();
    }
    md_err_clear(err);
    char signame[16];
    snprintf(signame, sizeof signame, "%d", sig);
    ctr_emit(c, "kill", json_pack("{s:s}", "signal", signame));
    cstore_lock();
    bool gone = wait_exit_locked(c, (int64_t)timeout * 1000);
    cstore_unlock();
    if (!gone) {
        log_info("container %.12s did not stop within %d s; sending SIGKILL", c->id, timeout);
        if (rt_kill(&st, SIGKILL, err) < 0)
            log_debug("stop %.12s: %s", c->id, md_err_msg(err));
        md_err_clear(err);
        ctr_emit(c, "kill", json_pack("{s:s}", "signal", "9"));
        cstore_lock();
        wait_exit_locked(c, -1);
        cstore_unlock();
    }
    ctr_emit(c, "stop", NULL);
    return 0;
}

int ctr_stop(struct container *c, int timeout, int sig, struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    int r = stop_locked(c, timeout, sig, err);
    pthread_mutex_unlock(&c->op_lock);
    return r;
}

int ctr_kill(struct container *c, int sig, struct md_error *err)
{
    cstore_lock();
    if (!is_live(c)) {
        cstore_unlock();
        return md_err(err, MD_ECONFLICT, "cannot kill container: %s: container %s is not running",
                      c->name, c->id);
    }
    bool paused = c->status == CTR_PAUSED;
    struct rt_state st = state_of(c);
    cstore_unlock();
    if (rt_kill(&st, sig, err) < 0) {
        /* PID 1 already gone, its exit not yet handled: SIGKILL's outcome
         * all the same (docker ignores "no such process" there too) */
        if (sig != SIGKILL || err->err != MD_ECONFLICT)
            return md_err_wrap(err, "cannot kill container: %s", c->name);
        md_err_clear(err);
    }
    char signame[16];
    snprintf(signame, sizeof signame, "%d", sig);
    ctr_emit(c, "kill", json_pack("{s:s}", "signal", signame));
    if (sig != SIGKILL)
        return 0;
    /* docker answers a SIGKILL only once the container is dead, so that
     * `kill && rm` works and inspect shows the exit; other signals may be
     * caught, their answer comes once they are sent. A frozen PID 1 (v1
     * freezer) dies only when thawed. */
    if (paused)
        rt_freeze(c->id, md_cfg.cgroup_parent, false, err);
    md_err_clear(err);
    cstore_lock();
    bool gone = wait_exit_locked(c, 10000);
    cstore_unlock();
    if (!gone)
        return md_err(err, MD_EINTERNAL,
                      "tried to kill container, but did not receive an exit event");
    return 0;
}

int ctr_pause(struct container *c, bool pause, struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    int r = 0;
    if (pause && c->status == CTR_PAUSED)
        r = md_err(err, MD_ECONFLICT, "Container %s is already paused", c->id);
    else if (pause && c->status != CTR_RUNNING)
        r = md_err(err, MD_ECONFLICT, "Container %s is not running", c->id);
    else if (!pause && c->status != CTR_PAUSED)
        r = md_err(err, MD_EINTERNAL, "Container %s is not paused", c->id);
    cstore_unlock();
    /* no probes while paused: stopped before the freeze, which would
     * hold a running probe's process where SIGKILL cannot end it (v1) */
    if (r == 0 && pause)
        health_stop(c);
    if (r == 0)
        r = rt_freeze(c->id, md_cfg.cgroup_parent, pause, err);
    if (r == 0) {
        cstore_lock();
        c->status = pause ? CTR_PAUSED : CTR_RUNNING;
        cstore_broadcast();
        cstore_unlock();
        ctr_save_state(c, err);
        md_err_clear(err);
        ctr_emit(c, pause ? "pause" : "unpause", NULL);
    }
    health_update(c); /* probing again after unpause, or a failed pause */
    pthread_mutex_unlock(&c->op_lock);
    return r;
}

int ctr_restart(struct container *c, int timeout, struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    int r = stop_locked(c, timeout, 0, err);
    if (r < 0 && err->err == MD_ENOTMODIFIED) {
        md_err_clear(err);
        r = 0;
    }
    if (r == 0)
        r = start_locked(c, err);
    pthread_mutex_unlock(&c->op_lock);
    if (r == 0)
        ctr_emit(c, "restart", NULL);
    return r;
}

int ctr_remove(struct container *c, bool force, struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    /* an exit being cleaned up is not "running": let it finish */
    for (int i = 0; i < 300 && c->exiting; i++)
        cstore_wait(100);
    if (c->removed) {
        cstore_unlock();
        pthread_mutex_unlock(&c->op_lock);
        return md_err(err, MD_ENOTFOUND, "No such container: %s", c->id);
    }
    if (is_live(c) && !force) {
        bool paused = c->status == CTR_PAUSED;
        cstore_unlock();
        pthread_mutex_unlock(&c->op_lock);
        return md_err(err, MD_ECONFLICT,
                      "cannot remove container \"/%s\": container is %s: stop the container "
                      "before removing or force remove",
                      c->name, paused ? "paused" : "running");
    }
    c->manual_stop = true;
    if (c->status == CTR_RESTARTING)
        c->status = CTR_EXITED;
    bool live = is_live(c);
    bool paused = c->status == CTR_PAUSED;
    struct rt_state st = state_of(c);
    cstore_unlock();
    /* killed here: its exit is handled (and cleaned up) before we go on */
    if (live) {
        rt_kill(&st, SIGKILL, err);
        md_err_clear(err);
        if (paused)
            rt_freeze(c->id, md_cfg.cgroup_parent, false, err);
        md_err_clear(err);
        cstore_lock();
        wait_exit_locked(c, 10000);
        cstore_unlock();
    }
    cstore_lock();
    c->status = CTR_REMOVING;
    cstore_unlock();
    _cleanup_free_ char *exec_dir = md_exec_path("%s", c->id);
    _cleanup_free_ char *rootfs = md_data_path("overlay/%s", c->id);
    ctr_net_stop(c);
    cstore_lock();
    bool cleaned = c->cleaned;
    cstore_unlock();
    if ((!cleaned && rt_cleanup(c->id, rootfs, exec_dir, md_cfg.cgroup_parent, err) < 0) ||
        rt_rootfs_remove(rootfs, err) < 0) {
        cstore_lock();
        c->status = CTR_DEAD;
        cstore_unlock();
        ctr_save(c, NULL);
        pthread_mutex_unlock(&c->op_lock);
        return md_err_wrap(err, "unable to remove container %s", c->name);
    }
    ctr_emit(c, "destroy", NULL);
    cstore_remove(c);
    pthread_mutex_unlock(&c->op_lock);
    return 0;
}

int ctr_rename(struct container *c, const char *name, struct md_error *err)
{
    const char *n = name && name[0] == '/' ? name + 1 : name;
    if (!n || !*n)
        return md_err(err, MD_EINVAL, "Neither old nor new names may be empty");
    if (!name_valid(n))
        return md_err(err, MD_EINVAL,
                      "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", n);
    cstore_lock();
    bool same = !strcmp(c->name, n);
    _cleanup_free_ char *old = xstrdup(c->name);
    cstore_unlock();
    if (same)
        return md_err(err, MD_EINVAL,
                      "Renaming a container with the same name as its current name");
    if (cstore_rename(c, n, err) < 0)
        return -1;
    if (ctr_save(c, err) < 0)
        return -1;
    _cleanup_free_ char *oldname = xasprintf("/%s", old);
    ctr_emit(c, "rename", json_pack("{s:s}", "oldName", oldname));
    return 0;
}

void ctr_attach_pending(struct container *c, int delta)
{
    cstore_lock();
    c->pending_attach += delta;
    cstore_broadcast();
    cstore_unlock();
}

/* ---- restore ---- */

static void restore_one(struct container *c)
{
    cstore_lock();
    bool live = is_live(c) || c->status == CTR_RESTARTING;
    cstore_unlock();
    if (!live)
        return;
    _cleanup_free_ char *exec_dir = md_exec_path("%s", c->id);
    struct rt_state st = {0};
    struct md_error err = {0};
    if (rt_reconnect(exec_dir, &st, &err) == 0) {
        int w = rt_watch(&st, &err);
        if (w >= 0) {
            cstore_lock();
            c->pid = st.pid;
            c->shim_pid = st.shim_pid;
            c->watch_fd = w;
            if (c->status == CTR_RESTARTING)
                c->status = CTR_RUNNING;
            cstore_unlock();
            log_info("container %.12s (%s) is still running (pid %d)", c->id, c->name, st.pid);
            watch_add(c);
            health_init(c); /* moby resets a restored container's health too */
            return;
        }
    }
    md_err_clear(&err);
    /* it ended while the daemon was away: handle_exit reads the record */
    log_info("container %.12s (%s) exited while the daemon was down", c->id, c->name);
    handle_exit(c);
}

/* rmi's question: does a container use this image? A running one is
 * reported first, because docker's message differs. */
static bool image_in_use(const char *image_id, char container_id[65], bool *running)
{
    bool found = false;
    *running = false;
    size_t n;
    struct container **v = cstore_list(&n);
    cstore_lock();
    for (size_t i = 0; i < n && !*running; i++) {
        if (strcmp(v[i]->image_id, image_id))
            continue;
        bool live = is_live(v[i]) || v[i]->status == CTR_RESTARTING;
        if (!found || live) {
            memcpy(container_id, v[i]->id, 65);
            *running = live;
        }
        found = true;
    }
    cstore_unlock();
    cstore_list_free(v, n);
    return found;
}

int lifecycle_init(struct md_error *err)
{
    image_set_usage_check(image_in_use);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0)
        return md_errno(err, errno, "epoll_create1");
    if (cstore_init(err) < 0 || ctr_net_init(err) < 0)
        return -1;
    size_t n;
    struct container **v = cstore_list(&n);
    for (size_t i = 0; i < n; i++)
        restore_one(v[i]);
    ctr_volumes_restore();
    if (ctr_net_reconcile(err) < 0)
        return md_err_wrap(err, "reconcile the network with the containers");
    /* always / unless-stopped containers come back with the daemon, as docker's do */
    for (size_t i = 0; i < n; i++) {
        struct container *c = v[i];
        enum ctr_restart p = c->spec->restart;
        cstore_lock();
        bool down = c->status == CTR_EXITED && c->has_run;
        bool manual = c->manual_stop;
        cstore_unlock();
        if (down && (p == CTR_RESTART_ALWAYS || (p == CTR_RESTART_UNLESS_STOPPED && !manual))) {
            struct md_error e = {0};
            if (ctr_start(c, &e) < 0)
                log_warn("restart %s at daemon start: %s", c->name, md_err_msg(&e));
            md_err_clear(&e);
        }
    }
    cstore_list_free(v, n);
    if (pthread_create(&monitor, NULL, monitor_thread, NULL) != 0)
        return md_err(err, MD_EINTERNAL, "cannot start the exit monitor");
    return 0;
}

void lifecycle_shutdown(void)
{
    stopping = true;
    if (epfd >= 0) {
        pthread_join(monitor, NULL);
        close(epfd);
        epfd = -1;
    }
    ctr_net_shutdown();
}
