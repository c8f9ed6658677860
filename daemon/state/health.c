/* Healthchecks: State.Health, its JSON, and the per-container monitor that
 * runs probes as execs (see health.h). Timing and wording follow moby's
 * daemon/health.go. */
#include "daemon/state/health.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/stream.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/container.h"
#include "daemon/state/exec.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define SEC                    1000000000LL
#define DEFAULT_INTERVAL       (30 * SEC)
#define DEFAULT_TIMEOUT        (30 * SEC)
#define DEFAULT_START_INTERVAL (5 * SEC)
#define DEFAULT_RETRIES        3
#define KILL_WAIT_MS           5000 /* for a killed probe's stream to end */

static const char *const status_names[] = {
    [HEALTH_STARTING] = "starting",
    [HEALTH_HEALTHY] = "healthy",
    [HEALTH_UNHEALTHY] = "unhealthy",
};

const char *health_status_name(enum health_status s)
{
    return status_names[s];
}

const char *health_ps_text(const struct ctr_health *h)
{
    return h->status == HEALTH_STARTING ? "health: starting" : status_names[h->status];
}

static void result_clear(struct health_result *r)
{
    free(r->output);
    r->output = NULL;
}

void health_free(struct ctr_health *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->nlog; i++)
        result_clear(&h->log[i]);
    free(h);
}

static json_t *time_json(int64_t ns)
{
    _cleanup_free_ char *s = time_format(ns, false);
    return json_string(s);
}

static int64_t time_of(json_t *j)
{
    int64_t ns = TIME_ZERO;
    if (json_is_string(j))
        time_parse_rfc3339(json_string_value(j), &ns);
    return ns;
}

json_t *health_to_json(const struct ctr_health *h)
{
    json_t *log = json_array();
    for (size_t i = 0; i < h->nlog; i++) {
        const struct health_result *r = &h->log[i];
        json_array_append_new(log, json_pack("{s:o,s:o,s:i,s:s}", "Start", time_json(r->start_ns),
                                             "End", time_json(r->end_ns), "ExitCode", r->exit_code,
                                             "Output", r->output ? r->output : ""));
    }
    return json_pack("{s:s,s:i,s:o}", "Status", status_names[h->status], "FailingStreak",
                     h->failing_streak, "Log", log);
}

struct ctr_health *health_from_json(json_t *j)
{
    const char *st = json_str(j, "Status");
    if (!st)
        return NULL;
    struct ctr_health *h = xcalloc(1, sizeof *h);
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (!strcmp(st, status_names[i]))
            h->status = (enum health_status)i;
    h->failing_streak = (int)json_integer_value(json_object_get(j, "FailingStreak"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(j, "Log"), i, e)
    {
        if (h->nlog == HEALTH_LOG_MAX)
            break;
        h->log[h->nlog++] = (struct health_result){
            .start_ns = time_of(json_object_get(e, "Start")),
            .end_ns = time_of(json_object_get(e, "End")),
            .exit_code = (int)json_integer_value(json_object_get(e, "ExitCode")),
            .output = xstrdup(json_str(e, "Output") ?: ""),
        };
    }
    return h;
}

bool health_apply(struct ctr_health *h, struct health_result *r, int64_t started_ns,
                  int64_t start_period_ns, int retries)
{
    enum health_status old = h->status;
    if (h->nlog == HEALTH_LOG_MAX) {
        result_clear(&h->log[0]);
        memmove(h->log, h->log + 1, (HEALTH_LOG_MAX - 1) * sizeof *h->log);
        h->nlog--;
    }
    h->log[h->nlog++] = *r;
    memset(r, 0, sizeof *r);
    const struct health_result *last = &h->log[h->nlog - 1];
    if (last->exit_code == 0) {
        h->failing_streak = 0;
        h->status = HEALTH_HEALTHY;
    } else if (h->status != HEALTH_STARTING || last->start_ns - started_ns >= start_period_ns) {
        /* a failure inside the start period of a container never healthy
         * yet does not count */
        if (++h->failing_streak >= (retries > 0 ? retries : DEFAULT_RETRIES))
            h->status = HEALTH_UNHEALTHY;
    }
    return h->status != old;
}

/* ---- the monitor ---- */

struct health_mon {
    struct container *c; /* a reference */
    int cancel_fd;       /* eventfd: readable once the monitor must end */
    pthread_t th;
};

/* guards every container's health_mon pointer */
static pthread_mutex_t mon_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static int64_t or_default(int64_t v, int64_t def)
{
    return v ? v : def;
}

/* Wait up to ns; true when cancelled. */
static bool sleep_or_cancel(int fd, int64_t ns)
{
    int64_t deadline = mono_ns() + ns;
    for (;;) {
        int64_t left = deadline - mono_ns();
        if (left <= 0)
            return false;
        int ms = left / 1000000 > 86400000 ? 86400000 : (int)((left + 999999) / 1000000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n = poll(&p, 1, ms);
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

/* moby's getInterval: the start interval while starting inside the start
 * period, and never past the period's end. */
static int64_t next_interval(struct container *c)
{
    const struct ctr_healthcheck *hc = c->spec->healthcheck;
    int64_t interval = or_default(hc->interval, DEFAULT_INTERVAL);
    cstore_lock();
    int64_t elapsed = time_now_ns() - c->started_ns;
    bool starting = !c->health || c->health->status == HEALTH_STARTING;
    cstore_unlock();
    if (elapsed >= hc->start_period)
        return interval;
    int64_t remaining = hc->start_period - elapsed;
    if (remaining < interval)
        return remaining;
    return starting ? or_default(hc->start_interval, DEFAULT_START_INTERVAL) : interval;
}

struct capture {
    char buf[HEALTH_OUTPUT_MAX];
    size_t len;
    bool truncated;
};

static void capture_out(void *ctx, int stream, const void *data, size_t len)
{
    (void)stream;
    struct capture *cap = ctx;
    size_t keep = HEALTH_OUTPUT_MAX - cap->len;
    if (keep > len)
        keep = len;
    memcpy(cap->buf + cap->len, data, keep);
    cap->len += keep;
    cap->truncated |= keep < len;
}

static char *capture_text(const struct capture *cap)
{
    return xasprintf("%.*s%s", (int)cap->len, cap->buf, cap->truncated ? "..." : "");
}

enum stream_end { STREAM_DONE, STREAM_TIMEOUT, STREAM_CANCELLED };

/* Read the probe's output until it ends, the deadline passes, or cancel. */
static enum stream_end read_output(int sock, int cancel_fd, int64_t deadline, struct capture *cap)
{
    struct stream_demux d;
    stream_demux_init(&d);
    for (;;) {
        int64_t left = deadline - mono_ns();
        if (left <= 0)
            return STREAM_TIMEOUT;
        struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = cancel_fd, .events = POLLIN}};
        int n = poll(p, cancel_fd >= 0 ? 2 : 1, (int)((left + 999999) / 1000000));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return STREAM_DONE;
        if (cancel_fd >= 0 && p[1].revents)
            return STREAM_CANCELLED;
        if (!p[0].revents)
            continue;
        char buf[4096];
        ssize_t r = read(sock, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return STREAM_DONE;
        stream_demux_feed(&d, buf, (size_t)r, capture_out, cap);
    }
}

/* The probe's argv: CMD's own, or CMD-SHELL's command under /bin/sh -c. */
static char **probe_argv(const struct ctr_healthcheck *hc)
{
    if (!strcmp(hc->test[0], "CMD"))
        return strv_dup(hc->test + 1);
    char **v = NULL;
    strv_push(&v, "/bin/sh");
    strv_push(&v, "-c");
    for (char **a = hc->test + 1; *a; a++)
        strv_push(&v, *a);
    return v;
}

/* One probe (moby's cmdProbe.run). false: cancelled, r is to be dropped. */
static bool run_probe(struct container *c, int cancel_fd, struct health_result *r)
{
    const struct ctr_healthcheck *hc = c->spec->healthcheck;
    int64_t timeout = or_default(hc->timeout, DEFAULT_TIMEOUT);
    r->start_ns = time_now_ns();
    r->exit_code = -1;
    struct md_error err = {0};
    struct exec_config cfg = {.argv = probe_argv(hc),
                              .user = xstrdup(""),
                              .workdir = xstrdup(""),
                              .detach_keys = xstrdup(""),
                              .attach_stdout = true,
                              .attach_stderr = true};
    struct exec_inst *e = NULL;
    int rc = exec_create(c, c->id, &cfg, &e, &err);
    exec_config_clear(&cfg);
    _cleanup_close_ int sock = -1;
    if (rc == 0)
        rc = exec_begin(e, &err);
    if (rc == 0)
        rc = exec_prepare(e, 0, 0, &err);
    if (rc == 0) {
        _cleanup_free_ char *dir = exec_dir_of(e);
        sock = rt_attach_connect(dir, false, true, true, &err);
        rc = sock < 0 ? -1 : exec_release(e, &err);
        if (sock < 0) {
            /* no output to read, but the process may run: let it go */
            struct md_error e2 = {0};
            exec_release(e, &e2);
            md_err_clear(&e2);
        }
    }
    if (rc < 0) {
        r->output = xstrdup(md_err_msg(&err));
        md_err_clear(&err);
        r->end_ns = time_now_ns();
        exec_put(e);
        return true;
    }
    /* the timeout starts once the process runs, as in moby */
    struct capture cap = {0};
    enum stream_end end = read_output(sock, cancel_fd, mono_ns() + timeout, &cap);
    if (end != STREAM_DONE) {
        /* moby cancels the exec's context: the process gets SIGKILL, and
         * the monitor waits for it to end so dying probes do not pile up */
        exec_kill(e, SIGKILL);
        read_output(sock, -1, mono_ns() + (int64_t)KILL_WAIT_MS * 1000000, &cap);
    }
    if (end == STREAM_CANCELLED) {
        exec_put(e);
        return false;
    }
    r->end_ns = time_now_ns();
    _cleanup_free_ char *out = capture_text(&cap);
    if (end == STREAM_TIMEOUT) {
        _cleanup_free_ char *d = go_duration_string(timeout);
        r->output = *out ? xasprintf("Health check exceeded timeout (%s): %s", d, out)
                         : xasprintf("Health check exceeded timeout (%s)", d);
    } else {
        exec_wait_exit(e, 2000);
        cstore_lock();
        bool has = e->has_exit;
        int code = e->exit_code;
        cstore_unlock();
        if (has) {
            r->exit_code = code;
            r->output = steal_ptr(&out);
        } else {
            r->output = xasprintf("healthcheck for container %s has no exit code", c->id);
        }
    }
    exec_put(e);
    return true;
}

static void *monitor(void *arg)
{
    struct health_mon *m = arg;
    struct container *c = m->c;
    const struct ctr_healthcheck *hc = c->spec->healthcheck;
    while (!sleep_or_cancel(m->cancel_fd, next_interval(c))) {
        struct health_result r = {0};
        if (!run_probe(c, m->cancel_fd, &r)) {
            result_clear(&r);
            break;
        }
        if (r.exit_code != 0)
            log_debug("health check for container %.12s: exit %d", c->id, r.exit_code);
        cstore_lock();
        /* a probe that failed because the container was exiting is not
         * the container's health (moby drops a result once stopped) */
        bool live = c->status == CTR_RUNNING && !c->exiting;
        bool changed = false;
        if (c->health && live)
            changed = health_apply(c->health, &r, c->started_ns, hc->start_period, hc->retries);
        const char *now = c->health ? status_names[c->health->status] : NULL;
        cstore_unlock();
        result_clear(&r);
        if (!live)
            continue; /* health_stop ends this monitor next */
        struct md_error err = {0};
        if (ctr_save_state(c, &err) < 0)
            log_warn("%s", md_err_msg(&err));
        md_err_clear(&err);
        if (changed) {
            _cleanup_free_ char *action = xasprintf("health_status: %s", now);
            exec_container_event(c, action, NULL);
        }
    }
    return NULL;
}

static void mon_end(struct health_mon *m)
{
    uint64_t one = 1;
    if (write(m->cancel_fd, &one, sizeof one) < 0)
        log_warn("stop the health monitor: %s", strerror(errno));
    pthread_join(m->th, NULL);
    close(m->cancel_fd);
    ctr_put(m->c);
    free(m);
}

void health_update(struct container *c)
{
    if (!ctr_spec_has_probe(c->spec))
        return;
    struct health_mon *old = NULL;
    /* the state is read under mon_lock: an exit sets it before its
     * health_stop, so a monitor started here is stopped there */
    pthread_mutex_lock(&mon_lock);
    cstore_lock();
    bool want = c->status == CTR_RUNNING && !c->exiting && !c->removed && c->health;
    cstore_unlock();
    if (want && !c->health_mon) {
        struct health_mon *m = xcalloc(1, sizeof *m);
        m->c = c;
        m->cancel_fd = eventfd(0, EFD_CLOEXEC);
        ctr_get(c);
        if (m->cancel_fd < 0 || pthread_create(&m->th, NULL, monitor, m) != 0) {
            log_error("container %.12s: cannot start its health monitor", c->id);
            if (m->cancel_fd >= 0)
                close(m->cancel_fd);
            ctr_put(c);
            free(m);
        } else {
            c->health_mon = m;
        }
    } else if (!want) {
        old = steal_ptr(&c->health_mon);
    }
    pthread_mutex_unlock(&mon_lock);
    if (old)
        mon_end(old);
}

void health_stop(struct container *c)
{
    pthread_mutex_lock(&mon_lock);
    struct health_mon *m = steal_ptr(&c->health_mon);
    pthread_mutex_unlock(&mon_lock);
    if (m)
        mon_end(m);
}

void health_init(struct container *c)
{
    if (!ctr_spec_has_probe(c->spec))
        return;
    health_stop(c); /* a restart policy's restart */
    cstore_lock();
    if (!c->health)
        c->health = xcalloc(1, sizeof *c->health);
    c->health->status = HEALTH_STARTING;
    c->health->failing_streak = 0;
    cstore_unlock();
    health_update(c);
}
