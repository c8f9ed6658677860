/* Exec instances: the records, moby's state checks and wording, and the
 * monitor thread that learns of exits from the exec shims' status sockets
 * (epoll), removes their exec dirs and forgets old records. */
#include "daemon/state/exec.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/events.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define GC_PERIOD_MS   (5 * 60 * 1000) /* moby's execCommandGC tick */
#define RESIZE_WAIT_MS 10000

/* every record, under the store lock */
static struct exec_inst **all;
static size_t nall, capall;

static pthread_once_t monitor_once = PTHREAD_ONCE_INIT;
static int epfd = -1;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void exec_config_clear(struct exec_config *c)
{
    strv_free(c->argv);
    strv_free(c->env);
    free(c->user);
    free(c->workdir);
    free(c->detach_keys);
    memset(c, 0, sizeof *c);
}

static void inst_free(struct exec_inst *e)
{
    exec_config_clear(&e->cfg);
    ctr_put(e->c);
    free(e);
}

void exec_put(struct exec_inst *e)
{
    if (!e)
        return;
    cstore_lock();
    bool last = --e->refs == 0;
    cstore_unlock();
    if (last)
        inst_free(e);
}

char *exec_dir_of(const struct exec_inst *e)
{
    return md_exec_path("%s/exec/%s", e->c->id, e->id);
}

void exec_container_event(struct container *c, const char *action, json_t *extra)
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

/* "exec_start: sh -c date" (moby keeps the trailing space of no args) */
static void exec_event(struct exec_inst *e, const char *what)
{
    _cleanup_free_ char *args = xstrdup("");
    for (char **a = e->cfg.argv + 1; *a; a++) {
        char *n = xasprintf("%s%s%s", args, a == e->cfg.argv + 1 ? "" : " ", *a);
        free(args);
        args = n;
    }
    _cleanup_free_ char *action = xasprintf("%s: %s %s", what, e->cfg.argv[0], args);
    exec_container_event(e->c, action, json_pack("{s:s}", "execID", e->id));
}

/* moby's setExitCodeFromError: 0 when the message is none of the kinds it
 * knows (the exec then keeps its default 126 and the error is "unknown"). */
static int known_exit_code(const char *msg)
{
    _cleanup_free_ char *l = xstrdup(msg ? msg : "");
    for (char *p = l; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    /* in moby's order; EISDIR counts as EACCES, which the CLI looks for */
    if (strstr(l, "permission denied") || strstr(l, "is a directory"))
        return 126;
    if (strstr(l, "not a directory"))
        return 127;
    if (strstr(l, "executable file not found") || strstr(l, "no such file or directory") ||
        strstr(l, "system cannot find the file specified"))
        return 127;
    return 0;
}

int exec_exit_code_for(const char *msg)
{
    int code = known_exit_code(msg);
    return code ? code : 126;
}

char *exec_start_error_text(const char *msg)
{
    return xasprintf("OCI runtime exec failed: exec failed: unable to start container process: "
                     "%s: unknown",
                     msg);
}

/* ---- the monitor ---- */

static void record_exit(struct exec_inst *e, int code)
{
    cstore_lock();
    bool first = !e->has_exit;
    if (first) {
        e->has_exit = true;
        e->exit_code = code;
    }
    e->running = false;
    e->ended_ms = mono_ms();
    cstore_broadcast();
    cstore_unlock();
    if (first) {
        char c[16];
        snprintf(c, sizeof c, "%d", code);
        exec_container_event(e->c, "exec_die",
                             json_pack("{s:s,s:s}", "execID", e->id, "exitCode", c));
    }
}

struct watch {
    struct exec_inst *e; /* a reference */
    int fd;
    bool got_exit;
};

static void watch_end(struct watch *w)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
    close(w->fd);
    _cleanup_free_ char *dir = exec_dir_of(w->e);
    if (!w->got_exit) {
        /* the shim went away without a word: its exit file, if any */
        struct rt_exit ex;
        struct md_error err = {0};
        int code = 137;
        if (rt_read_exit(dir, &ex, &err) == 0)
            code = ex.code;
        else
            log_warn("exec %.12s: no exit status from its shim (%s)", w->e->id, md_err_msg(&err));
        md_err_clear(&err);
        record_exit(w->e, code);
    }
    struct md_error err = {0};
    if (rt_exec_cleanup(dir, 3000, &err) < 0)
        log_warn("exec %.12s: %s", w->e->id, md_err_msg(&err));
    md_err_clear(&err);
    exec_put(w->e);
    free(w);
}

static void on_status(struct watch *w)
{
    int code = 0;
    int r = rt_exec_read_status(w->fd, &code);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r == 1) {
        w->got_exit = true;
        record_exit(w->e, code);
        return; /* EOF follows when the shim has let its clients go */
    }
    if (r < 0)
        log_warn("exec %.12s: status: %s", w->e->id, strerror(errno));
    watch_end(w);
}

/* Forget records of removed containers at once; the others ended more than
 * one GC period ago (marked CanRemove first, as moby does). */
static void sweep(bool gc)
{
    struct exec_inst **drop = NULL;
    size_t ndrop = 0;
    cstore_lock();
    size_t w = 0;
    for (size_t i = 0; i < nall; i++) {
        struct exec_inst *e = all[i];
        bool live = e->running || (!e->has_exit && !e->c->removed);
        bool gone = e->c->removed && !e->running;
        if (gc && !live && e->can_remove)
            gone = true;
        else if (gc && !live)
            e->can_remove = true;
        if (gone) {
            drop = xrealloc(drop, (ndrop + 1) * sizeof *drop);
            drop[ndrop++] = e;
        } else {
            all[w++] = e;
        }
    }
    nall = w;
    cstore_unlock();
    for (size_t i = 0; i < ndrop; i++)
        exec_put(drop[i]);
    free(drop);
}

static void *monitor_thread(void *arg)
{
    (void)arg;
    int64_t next_gc = mono_ms() + GC_PERIOD_MS;
    for (;;) {
        struct epoll_event evs[16];
        int n = epoll_wait(epfd, evs, 16, 1000);
        for (int i = 0; i < n; i++)
            on_status(evs[i].data.ptr);
        bool gc = mono_ms() >= next_gc;
        if (gc)
            next_gc = mono_ms() + GC_PERIOD_MS;
        sweep(gc);
    }
    return NULL;
}

static void monitor_start(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        log_error("exec monitor: epoll_create1: %s", strerror(errno));
        return;
    }
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, monitor_thread, NULL) != 0)
        log_error("exec monitor: cannot start its thread");
    pthread_attr_destroy(&attr);
}

static int watch_add(struct exec_inst *e, int fd, struct md_error *err)
{
    pthread_once(&monitor_once, monitor_start);
    if (epfd < 0)
        return md_err(err, MD_EINTERNAL, "the exec monitor is not running");
    struct watch *w = xcalloc(1, sizeof *w);
    w->e = e;
    w->fd = fd;
    cstore_lock();
    e->refs++;
    cstore_unlock();
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int en = errno;
        exec_put(e);
        free(w);
        return md_errno(err, en, "watch the exec");
    }
    return 0;
}

/* ---- the verbs ---- */

/* Store lock held. moby names the container by the ref it was given when
 * it is missing (at start: the exec id) or paused at create. */
static int check_container(struct container *c, const char *missing_ref, const char *paused_ref,
                           struct md_error *err)
{
    if (c->removed)
        return md_err(err, MD_ENOTFOUND, "No such container: %s", missing_ref);
    if (c->status == CTR_PAUSED)
        return md_err(err, MD_ECONFLICT,
                      "Container %s is paused, unpause the container before exec", paused_ref);
    if (c->status == CTR_RESTARTING)
        return md_err(err, MD_ECONFLICT,
                      "Container %s is restarting, wait until the container is running", c->id);
    if (c->status != CTR_RUNNING || c->exiting)
        return md_err(err, MD_ECONFLICT, "container %s is not running", c->id);
    return 0;
}

int exec_create(struct container *c, const char *ref, struct exec_config *cfg,
                struct exec_inst **out, struct md_error *err)
{
    cstore_lock();
    int r = check_container(c, ref, ref, err);
    cstore_unlock();
    if (r < 0)
        return -1;
    if (!cfg->argv || !cfg->argv[0])
        return md_err(err, MD_EINVAL, "No exec command specified");
    struct exec_inst *e = xcalloc(1, sizeof *e);
    if (cfg->detach_keys && cfg->detach_keys[0]) {
        _cleanup_free_ char *why = NULL;
        if (cli_detach_keys_parse(cfg->detach_keys, e->keys, sizeof e->keys, &e->nkeys, &why) < 0) {
            free(e);
            /* a plain error in moby: 500 */
            return md_err(err, MD_EINTERNAL, "Invalid escape keys (%s) provided", cfg->detach_keys);
        }
    }
    if (cfg->user && cfg->user[0]) {
        /* moby resolves the user at create for an early error */
        _cleanup_free_ char *root = md_data_path("overlay/%s/merged", c->id);
        if (rt_exec_check_user(root, cfg->user, err) < 0) {
            free(e);
            return -1;
        }
    }
    id_new(e->id);
    e->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    /* moby: the container's User and WorkingDir when the exec sets none
     * (inspect shows them) */
    cstore_lock();
    const char *cu = c->spec->user;
    const char *cw = c->spec->workdir;
    if (!e->cfg.user || !e->cfg.user[0]) {
        free(e->cfg.user);
        e->cfg.user = xstrdup(cu ? cu : "");
    }
    if (!e->cfg.workdir || !e->cfg.workdir[0]) {
        free(e->cfg.workdir);
        e->cfg.workdir = xstrdup(cw ? cw : "");
    }
    cstore_unlock();
    if (!e->cfg.detach_keys)
        e->cfg.detach_keys = xstrdup("");
    ctr_get(c);
    e->c = c;
    e->refs = 2; /* the index's and the caller's */
    cstore_lock();
    if (nall == capall) {
        capall = capall ? capall * 2 : 16;
        all = xrealloc(all, capall * sizeof *all);
    }
    all[nall++] = e;
    cstore_unlock();
    exec_event(e, "exec_create");
    *out = e;
    return 0;
}

int exec_find(const char *id, struct exec_inst **out, struct md_error *err)
{
    struct exec_inst *found = NULL;
    cstore_lock();
    for (size_t i = 0; i < nall && !found; i++)
        if (!strcmp(all[i]->id, id) && !all[i]->c->removed) {
            found = all[i];
            found->refs++;
        }
    cstore_unlock();
    if (!found)
        return md_err(err, MD_ENOTFOUND, "No such exec instance: %s", id);
    *out = found;
    return 0;
}

int exec_check_active(struct exec_inst *e, struct md_error *err)
{
    cstore_lock();
    int r = check_container(e->c, e->id, e->c->id, err);
    cstore_unlock();
    return r;
}

int exec_begin(struct exec_inst *e, struct md_error *err)
{
    cstore_lock();
    int r = 0;
    if (e->has_exit)
        r = md_err(err, MD_ECONFLICT, "exec command %s has already run", e->id);
    else if (e->running)
        r = md_err(err, MD_ECONFLICT, "exec command %s is already running", e->id);
    else
        e->running = true;
    cstore_unlock();
    if (r == 0)
        exec_event(e, "exec_start");
    return r;
}

/* The start failed: no process will report an exit (moby's deferred
 * cleanup in ContainerExecStart). */
static void start_failed(struct exec_inst *e, struct md_error *err)
{
    cstore_lock();
    if (!e->has_exit) {
        e->has_exit = true;
        e->exit_code = exec_exit_code_for(md_err_msg(err));
    }
    e->running = false;
    e->ended_ms = mono_ms();
    cstore_broadcast();
    cstore_unlock();
    if (err->err != MD_ECONFLICT) {
        /* moby: a known kind is an invalid config (400), the rest unknown */
        int kind = known_exit_code(md_err_msg(err)) ? MD_EINVAL : MD_EINTERNAL;
        _cleanup_free_ char *text = exec_start_error_text(md_err_msg(err));
        md_err(err, kind, "%s", text);
    }
}

int exec_prepare(struct exec_inst *e, uint16_t h, uint16_t w, struct md_error *err)
{
    struct rt_exec_plan p = {0};
    memcpy(p.id, e->id, sizeof p.id);
    p.ctr_exec_dir = md_exec_path("%s", e->c->id);
    p.exec_dir = exec_dir_of(e);
    p.argv = e->cfg.argv;
    p.env = e->cfg.env;
    p.user = e->cfg.user;
    p.cwd = e->cfg.workdir;
    p.tty = e->cfg.tty;
    p.open_stdin = e->cfg.attach_stdin;
    p.privileged = e->cfg.privileged;
    p.console_h = h ? h : e->cfg.console_h;
    p.console_w = w ? w : e->cfg.console_w;
    struct rt_state st;
    int fd = rt_exec_prepare(&p, &st, err);
    free(p.ctr_exec_dir);
    free(p.exec_dir);
    if (fd < 0 || watch_add(e, fd, err) < 0) {
        if (fd >= 0) {
            close(fd);
            _cleanup_free_ char *dir = exec_dir_of(e);
            rt_exec_cleanup(dir, 2000, NULL);
        }
        start_failed(e, err);
        return -1;
    }
    cstore_lock();
    e->pid = st.pid;
    e->pid_start = st.pid_start;
    e->prepared = true;
    cstore_broadcast();
    cstore_unlock();
    return 0;
}

int exec_release(struct exec_inst *e, struct md_error *err)
{
    _cleanup_free_ char *dir = exec_dir_of(e);
    if (rt_exec_release(dir, err) == 0)
        return 0;
    /* the process exits with this code too; the shim reports it */
    start_failed(e, err);
    return -1;
}

void exec_wait_exit(struct exec_inst *e, int timeout_ms)
{
    int64_t deadline = mono_ms() + timeout_ms;
    cstore_lock();
    while (!e->has_exit) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            break;
        cstore_wait(left > 250 ? 250 : (int)left);
    }
    cstore_unlock();
}

void exec_kill(struct exec_inst *e, int sig)
{
    cstore_lock();
    struct rt_state st = {.pid = e->pid, .pid_start = e->pid_start};
    bool live = e->prepared && !e->has_exit;
    cstore_unlock();
    struct md_error err = {0};
    if (live && rt_kill(&st, sig, &err) < 0 && err.err != MD_ECONFLICT)
        log_warn("exec %.12s: %s", e->id, md_err_msg(&err));
    md_err_clear(&err);
}

int exec_resize(struct exec_inst *e, uint16_t h, uint16_t w, struct md_error *err)
{
    int64_t deadline = mono_ms() + RESIZE_WAIT_MS;
    cstore_lock();
    while (!e->prepared && !e->has_exit && mono_ms() < deadline)
        cstore_wait(100);
    bool ready = e->prepared && !e->has_exit;
    bool ended = e->has_exit;
    cstore_unlock();
    if (!ready)
        return ended ? md_err(err, MD_ECONFLICT, "exec %s has ended", e->id)
                     : md_err(err, MD_EINTERNAL, "timeout waiting for exec session ready");
    _cleanup_free_ char *dir = exec_dir_of(e);
    return rt_resize(dir, h, w, err);
}

char **exec_ids_live(const struct container *c)
{
    char **v = NULL;
    for (size_t i = 0; i < nall; i++)
        if (all[i]->c == c && !all[i]->has_exit)
            strv_push(&v, all[i]->id);
    return v;
}
