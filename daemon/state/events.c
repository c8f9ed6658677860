/* Event bus: a ring of the last EVENTS_KEEP events for replay (since=),
 * a sequence number per event, and a condition variable for followers.
 * The ring holds each event as its compact JSON text, one allocation of
 * ~350 bytes: as jansson trees (three objects, a dozen strings) they took
 * ~2.7 KB in ~30 small blocks each, 2.7 MB for a full ring, and those
 * long-lived blocks, scattered among each request's short-lived ones, kept
 * the pages around them from going back to the system when idle. */
#include "daemon/state/events.h"
#include "common/cleanup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_KEEP 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static char *ring[EVENTS_KEEP];
static uint64_t last_seq; /* seq of the newest event; ring[seq % KEEP] */

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go marshals the Attributes map with its keys sorted; clients that print
 * the JSON (docker events --format '{{json .}}') show that order. Steals
 * attributes. */
static json_t *sorted_object(json_t *attributes)
{
    size_t n = json_object_size(attributes), i = 0;
    const char **keys = xcalloc(n + 1, sizeof *keys);
    const char *k;
    json_t *v;
    json_object_foreach(attributes, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, key_cmp);
    json_t *out = json_object();
    for (i = 0; i < n; i++)
        json_object_set(out, keys[i], json_object_get(attributes, keys[i]));
    free(keys);
    json_decref(attributes);
    return out;
}

void events_emit(const char *type, const char *action, const char *id, json_t *attributes)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    json_int_t ns = (json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    attributes = attributes ? sorted_object(attributes) : json_object();
    json_t *ev = json_object();
    /* compose and docker-py read the legacy status/id/from fields too */
    if (!strcmp(type, "container") || !strcmp(type, "image")) {
        json_object_set_new(ev, "status", json_string(action));
        json_object_set_new(ev, "id", json_string(id));
        json_t *img = json_object_get(attributes, "image");
        if (!strcmp(type, "container") && json_is_string(img))
            json_object_set(ev, "from", img);
    }
    json_object_set_new(ev, "Type", json_string(type));
    json_object_set_new(ev, "Action", json_string(action));
    json_object_set_new(ev, "Actor", json_pack("{s:s,s:o}", "ID", id, "Attributes", attributes));
    json_object_set_new(ev, "scope", json_string("local"));
    json_object_set_new(ev, "time", json_integer(ts.tv_sec));
    json_object_set_new(ev, "timeNano", json_integer(ns));
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (!text)
        abort(); /* only out of memory */

    pthread_mutex_lock(&lock);
    uint64_t seq = ++last_seq;
    free(ring[seq % EVENTS_KEEP]);
    ring[seq % EVENTS_KEEP] = text;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

uint64_t events_last_seq(void)
{
    pthread_mutex_lock(&lock);
    uint64_t s = last_seq;
    pthread_mutex_unlock(&lock);
    return s;
}

json_t *events_wait(uint64_t *cursor, int timeout_ms)
{
    json_t *out = json_array();
    pthread_mutex_lock(&lock);
    if (*cursor >= last_seq && timeout_ms > 0) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += timeout_ms / 1000;
        dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (dl.tv_nsec >= 1000000000) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000;
        }
        while (*cursor >= last_seq)
            if (pthread_cond_timedwait(&cond, &lock, &dl) != 0)
                break;
    }
    uint64_t from = *cursor + 1;
    if (last_seq >= EVENTS_KEEP && from <= last_seq - EVENTS_KEEP)
        from = last_seq - EVENTS_KEEP + 1; /* a slow follower loses the oldest */
    /* copied under the lock, parsed after it: emitters need not wait for a
     * replay of the whole ring */
    size_t n = from <= last_seq ? (size_t)(last_seq - from + 1) : 0;
    _cleanup_free_ char **texts = n ? xcalloc(n, sizeof *texts) : NULL;
    for (size_t i = 0; i < n; i++)
        texts[i] = xstrdup(ring[(from + i) % EVENTS_KEEP]);
    *cursor = last_seq;
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++) {
        json_t *ev = json_loads(texts[i], 0, NULL);
        if (ev)
            json_array_append_new(out, ev);
        free(texts[i]);
    }
    return out;
}
