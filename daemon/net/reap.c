/* Background deletion of links; see reap.h. */
#include "daemon/net/reap.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "daemon/net/link.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

struct reap_item {
    struct reap_item *next;
    char name[16];
    char net_id[65];
    uint32_t ip;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER; /* the thread: work queued */
static pthread_cond_t done = PTHREAD_COND_INITIALIZER; /* waiters: a deletion ended */
static struct reap_item *queue;                        /* oldest first */
static struct reap_item *busy;                         /* being deleted by the thread */
static int claimed;                                    /* being deleted by reap_claim callers */
static bool started, held;

static bool matches(const struct reap_item *it, const char *name, const char *net_id, uint32_t ip)
{
    return (name && !strcmp(it->name, name)) ||
           (ip && net_id && it->ip == ip && !strcmp(it->net_id, net_id));
}

static void delete_now(const struct reap_item *it)
{
    struct md_error err = {0};
    /* gone already is fine: the kernel deletes the pair with the
     * container's namespace once nothing holds that */
    if (link_delete(it->name, &err) < 0)
        log_warn("network: %s", md_err_msg(&err));
    md_err_clear(&err);
}

static void *reaper(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (!queue || held)
            pthread_cond_wait(&wake, &mu);
        busy = queue;
        queue = busy->next;
        pthread_mutex_unlock(&mu);
        delete_now(busy);
        pthread_mutex_lock(&mu);
        free(busy);
        busy = NULL;
        pthread_cond_broadcast(&done);
    }
    return NULL;
}

void reap_link(const char *name, const char *net_id, uint32_t ip)
{
    struct reap_item *it = xcalloc(1, sizeof *it);
    snprintf(it->name, sizeof it->name, "%s", name);
    snprintf(it->net_id, sizeof it->net_id, "%s", net_id ? net_id : "");
    it->ip = ip;
    pthread_mutex_lock(&mu);
    if (!started) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&th, &attr, reaper, NULL) == 0;
        pthread_attr_destroy(&attr);
        if (!started) {
            pthread_mutex_unlock(&mu);
            delete_now(it);
            free(it);
            return;
        }
    }
    struct reap_item **tail = &queue;
    while (*tail)
        tail = &(*tail)->next;
    *tail = it;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

void reap_claim(const char *name, const char *net_id, uint32_t ip)
{
    pthread_mutex_lock(&mu);
    for (;;) {
        struct reap_item **pp = &queue;
        while (*pp && !matches(*pp, name, net_id, ip))
            pp = &(*pp)->next;
        if (*pp) {
            struct reap_item *it = *pp;
            *pp = it->next;
            claimed++;
            pthread_mutex_unlock(&mu);
            delete_now(it);
            free(it);
            pthread_mutex_lock(&mu);
            claimed--;
            pthread_cond_broadcast(&done);
            continue;
        }
        if (busy && matches(busy, name, net_id, ip)) {
            pthread_cond_wait(&done, &mu);
            continue;
        }
        break;
    }
    pthread_mutex_unlock(&mu);
}

void reap_hold(bool on)
{
    pthread_mutex_lock(&mu);
    held = on;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

void reap_settle(void)
{
    pthread_mutex_lock(&mu);
    while (queue || busy || claimed)
        pthread_cond_wait(&done, &mu);
    pthread_mutex_unlock(&mu);
}
