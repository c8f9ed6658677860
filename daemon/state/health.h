/* Healthchecks (Config.Healthcheck), as moby's daemon/health.go runs them:
 * a probe is an exec in the running container (CMD argv, or CMD-SHELL under
 * /bin/sh -c), limited by the check's timeout, its output capped at 4096
 * bytes; its results make State.Health (starting, healthy, unhealthy, the
 * failing streak and the last five results), persisted with the record.
 *
 * Each container with a probe that is running and not paused has one
 * monitor thread, which sleeps until its next probe is due: nothing runs for
 * containers without one. Monitors are started by health_init (start,
 * restore) and health_update (unpause), stopped by health_update (pause)
 * and health_stop (stop, exit, remove); none of these may be called with
 * the store lock held. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct container;

enum health_status { HEALTH_STARTING, HEALTH_HEALTHY, HEALTH_UNHEALTHY };

#define HEALTH_LOG_MAX    5    /* moby's maxLogEntries */
#define HEALTH_OUTPUT_MAX 4096 /* moby's maxOutputLen */

struct health_result {
    int64_t start_ns, end_ns; /* CLOCK_REALTIME */
    int exit_code;            /* -1: the probe could not run, or timed out */
    char *output;
};

/* State.Health; on the record under the store lock. */
struct ctr_health {
    enum health_status status;
    int failing_streak;
    struct health_result log[HEALTH_LOG_MAX]; /* oldest first */
    size_t nlog;
};

void health_free(struct ctr_health *h);
const char *health_status_name(enum health_status s); /* "starting", ... */
/* Docker's form ({Status, FailingStreak, Log: [{Start, End, ExitCode,
 * Output}]}), for inspect and the record; and back (NULL if not one). */
json_t *health_to_json(const struct ctr_health *h);
struct ctr_health *health_from_json(json_t *j);
/* What ps's Status shows in its parentheses: "health: starting", "healthy". */
const char *health_ps_text(const struct ctr_health *h);

/* Record one probe's result (moby's handleProbeResult) and return whether
 * the status changed. started_ns: the container's StartedAt (start period);
 * retries: the check's, 0 = 3. Pure: unit-tested. */
bool health_apply(struct ctr_health *h, struct health_result *r, int64_t started_ns,
                  int64_t start_period_ns, int retries);

/* A newly started or restored container: status starting, streak 0 (the
 * log is kept), and its monitor started. No-op without a probe. */
void health_init(struct container *c);
/* Start or stop the monitor to match the container's state (running and
 * not paused: probing). */
void health_update(struct container *c);
/* Stop the monitor (an unfinished probe is killed and forgotten). */
void health_stop(struct container *c);
