/* The daemon gives memory back when it has nothing to do: one second after
 * the last API request began or ended, it trims its resident set (free
 * heap, and library pages mapped by requests long finished; see
 * common/trim.c). The thread sleeps on a condition variable in between, so
 * an idle daemon does not wake up on a timer. */
#include "daemon/idle.h"
#include "common/log.h"
#include "common/trim.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define IDLE_NS 1000000000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static int64_t last_ns;  /* CLOCK_MONOTONIC of the last activity */
static bool pending;     /* activity since the last trim */

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void idle_activity(void)
{
    pthread_mutex_lock(&lock);
    last_ns = mono_ns();
    if (!pending) {
        pending = true;
        pthread_cond_signal(&cond);
    }
    pthread_mutex_unlock(&lock);
}

static void *idle_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (!pending)
            pthread_cond_wait(&cond, &lock);
        int64_t due = last_ns + IDLE_NS;
        if (mono_ns() < due) {
            struct timespec ts = {.tv_sec = due / 1000000000, .tv_nsec = due % 1000000000};
            pthread_cond_timedwait(&cond, &lock, &ts);
            continue; /* re-read last_ns: a request may have come meanwhile */
        }
        pending = false;
        pthread_mutex_unlock(&lock);
        md_trim_rss(false);
        pthread_mutex_lock(&lock);
    }
    return NULL;
}

void idle_start(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    pthread_t t;
    if (pthread_create(&t, &a, idle_main, NULL) != 0)
        log_warn("idle trimming thread: not started");
    pthread_attr_destroy(&a);
    idle_activity(); /* start-up itself is activity: trim a second after it */
}
