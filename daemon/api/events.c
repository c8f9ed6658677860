/* GET /events: replay (since=), follow, stop at until=, filtered. Headers go
 * out at once: `docker stats` opens this before anything else. */
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/timefmt.h"
#include "daemon/api/server.h"
#include "daemon/state/events.h"

#include <string.h>

struct ev_ctx {
    struct filters *f;
    int64_t since, until; /* ns; INT64_MIN / INT64_MAX when absent */
    bool has_since;
};

static void ev_free(void *p)
{
    struct ev_ctx *e = p;
    filters_free(e->f);
    free(e);
}

static bool one_of(char **vals, const char *s)
{
    if (!vals)
        return true;
    for (char **v = vals; *v; v++)
        if (s && !strcmp(*v, s))
            return true;
    return false;
}

static bool matches(struct ev_ctx *e, json_t *ev)
{
    const char *type = json_str(ev, "Type");
    const char *action = json_str(ev, "Action");
    json_t *actor = json_object_get(ev, "Actor");
    const char *id = json_str(actor, "ID");
    json_t *attrs = json_object_get(actor, "Attributes");
    const char *name = json_str(attrs, "name");
    if (!one_of(filters_get(e->f, "type"), type))
        return false;
    /* "exec_start: sh" style actions match on their prefix */
    char **evs = filters_get(e->f, "event");
    if (evs) {
        bool m = false;
        for (char **v = evs; *v; v++)
            m |= !strncmp(action, *v, strlen(*v)) &&
                 (!action[strlen(*v)] || action[strlen(*v)] == ':');
        if (!m)
            return false;
    }
    static const char *const scoped[] = {"container", "image", "network", "volume"};
    for (size_t i = 0; i < 4; i++) {
        char **vals = filters_get(e->f, scoped[i]);
        if (!vals)
            continue;
        if (strcmp(type, scoped[i]) && !(i == 1 && !strcmp(type, "container")))
            return false;
        const char *image = json_str(attrs, "image");
        bool m = false;
        for (char **v = vals; *v; v++) {
            if (i == 1 && !strcmp(type, "container"))
                m |= image && !strcmp(image, *v);
            else
                m |= (id && !strncmp(id, *v, strlen(*v))) || (name && !strcmp(name, *v));
        }
        if (!m)
            return false;
    }
    return filters_match_label(e->f, attrs);
}

static void producer(void *p, int fd)
{
    struct ev_ctx *e = p;
    /* without since=, only what happens from now on */
    uint64_t cursor = e->has_since ? 0 : events_last_seq();
    for (;;) {
        json_t *batch = events_wait(&cursor, 250);
        size_t i;
        json_t *ev;
        json_array_foreach(batch, i, ev)
        {
            json_int_t ns = json_integer_value(json_object_get(ev, "timeNano"));
            if (ns < e->since)
                continue;
            if (ns > e->until) {
                json_decref(batch);
                return;
            }
            if (matches(e, ev) && api_write_json_line(fd, ev) < 0) {
                json_decref(batch);
                return;
            }
        }
        json_decref(batch);
        if (time_now_ns() > e->until || api_shutting_down() || api_fd_hung_up(fd))
            return;
    }
}

static const char *const allowed[] = {"type",    "container", "image",  "event",  "label",
                                      "network", "volume",    "daemon", "scope",  "plugin",
                                      "node",    "service",   "secret", "config", NULL};

static void events(struct api_req *r)
{
    struct md_error err = {0};
    struct ev_ctx *e = xcalloc(1, sizeof *e);
    e->since = INT64_MIN;
    e->until = INT64_MAX;
    int64_t now = time_now_ns();
    const char *s = api_query(r, "since"), *u = api_query(r, "until");
    if (s && *s) {
        if (time_parse_since(s, now, &e->since) < 0) {
            ev_free(e);
            api_reply_msg(r, 400, "invalid value for \"since\": %s", s);
            return;
        }
        e->has_since = true;
    }
    if (u && *u && time_parse_since(u, now, &e->until) < 0) {
        ev_free(e);
        api_reply_msg(r, 400, "invalid value for \"until\": %s", u);
        return;
    }
    if (filters_parse(api_query(r, "filters"), &e->f, &err) < 0 ||
        filters_validate(e->f, allowed, &err) < 0) {
        ev_free(e);
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_stream(r, 200, "application/json", producer, e, ev_free);
}

const struct api_route api_routes_events[] = {
    {"GET", "/events", events, 0},
    {NULL, NULL, NULL, 0},
};
