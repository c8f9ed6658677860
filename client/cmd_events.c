/* events (and system events): GET /events streamed, each message printed as
 * docker's prettyPrintEvent does, or through --format; ends when the daemon
 * ends the stream (at --until) or when interrupted. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "common/cleanup.h"
#include "common/filters.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's time.Unix(0, ns).Format("2006-01-02T15:04:05.000000000Z07:00") in
 * the local zone. */
static void put_time(struct strbuf *o, long long ns)
{
    time_t sec = (time_t)(ns / 1000000000 - (ns % 1000000000 < 0));
    long long frac = ns - (long long)sec * 1000000000;
    struct tm tm;
    localtime_r(&sec, &tm);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    sb_printf(o, "%s.%09lld", date, frac);
    long off = tm.tm_gmtoff;
    if (off == 0) {
        sb_add(o, "Z");
        return;
    }
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    sb_printf(o, "%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
}

/* prettyPrintEvent: time, type, action, actor id, then the attributes
 * sorted by key. */
static void pretty(json_t *ev)
{
    struct strbuf o = STRBUF_INIT;
    long long ns = jint(ev, "timeNano"), sec = jint(ev, "time");
    if (ns || sec) {
        put_time(&o, ns ? ns : sec * 1000000000);
        sb_addc(&o, ' ');
    }
    json_t *actor = json_object_get(ev, "Actor");
    sb_printf(&o, "%s %s %s", jstr(ev, "Type"), jstr(ev, "Action"), jstr(actor, "ID"));
    json_t *attrs = json_object_get(actor, "Attributes");
    size_t n = json_object_size(attrs);
    if (n) {
        const char **keys = xcalloc(n, sizeof *keys);
        size_t i = 0;
        const char *k;
        json_t *v;
        json_object_foreach(attrs, k, v) keys[i++] = k;
        qsort(keys, n, sizeof *keys, cmp_str);
        sb_add(&o, " (");
        for (i = 0; i < n; i++)
            sb_printf(&o, "%s%s=%s", i ? ", " : "", keys[i], jstr(attrs, keys[i]));
        sb_addc(&o, ')');
        free(keys);
    }
    sb_addc(&o, '\n');
    fwrite(o.s, 1, o.len, stdout);
    sb_free(&o);
}

/* The template sees events.Message: its Go field names beside the JSON
 * ones ({{.Status}}, {{.ID}}, {{.TimeNano}}); {{json .}} the JSON alone. */
static json_t *template_view(json_t *ev)
{
    static const char *const names[][2] = {{"status", "Status"}, {"id", "ID"},
                                           {"from", "From"},     {"scope", "Scope"},
                                           {"time", "Time"},     {"timeNano", "TimeNano"}};
    json_t *v = json_copy(ev);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        json_t *x = json_object_get(ev, names[i][0]);
        json_object_set(v, names[i][1], x ? x : (i < 4 ? json_string("") : json_integer(0)));
    }
    return v;
}

static int show(json_t *ev, const struct tmpl *t, bool json_dot)
{
    if (!t) {
        pretty(ev);
        return 0;
    }
    json_t *view = json_dot ? json_incref(ev) : template_view(ev);
    _cleanup_free_ char *out = NULL;
    struct md_error err = {0};
    int rc = tmpl_render(t, view, &out, &err);
    json_decref(view);
    if (rc < 0) {
        fprintf(stderr, "%s\n", md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    printf("%s\n", out);
    return 0;
}

/* Query value through GetTimestamp; *rc set when it fails. */
static bool add_time(struct strbuf *q, const char *key, const char *value)
{
    if (!value || !*value)
        return true;
    _cleanup_free_ char *e = NULL;
    _cleanup_free_ char *ts = api_timestamp(value, &e);
    if (!ts) {
        fprintf(stderr, "%s\n", e);
        return false;
    }
    _cleanup_free_ char *qe = query_escape(ts);
    sb_printf(q, "&%s=%s", key, qe);
    return true;
}

static int cmd_events(int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, 0, 'S'},
                                         {"until", required_argument, 0, 'U'},
                                         {"filter", required_argument, 0, 'f'},
                                         {"format", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    const char *since = NULL, *until = NULL, *format = "";
    _cleanup_filters_ struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
        if (c == 'S') {
            since = optarg;
        } else if (c == 'U') {
            until = optarg;
        } else if (c == 'F') {
            format = optarg;
        } else if (c == 'f') {
            struct md_error err = {0};
            if (filters_add(f, optarg, &err) < 0) {
                int r = cli_usage_error("invalid argument \"%s\" for \"-f, --filter\" flag: %s",
                                        optarg, md_err_msg(&err));
                md_err_clear(&err);
                return r;
            }
        } else {
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    /* makeTemplate: "json" is {{json .}}; a bad template exits 64 */
    const char *fmt = !strcmp(format, "json") ? "{{json .}}" : format;
    struct tmpl *t = NULL;
    if (*fmt) {
        struct md_error err = {0};
        if (tmpl_parse(fmt, &t, &err) < 0) {
            fprintf(stderr, "Error parsing format: %s\n", md_err_msg(&err));
            md_err_clear(&err);
            return 64;
        }
    }
    bool json_dot = !strcmp(fmt, "{{json .}}");
    struct strbuf q = STRBUF_INIT;
    _cleanup_free_ char *fj = filters_to_json(f);
    bool ok = add_time(&q, "since", since) && add_time(&q, "until", until);
    if (ok && *fj) {
        _cleanup_free_ char *e = query_escape(fj);
        sb_printf(&q, "&filters=%s", e);
    }
    if (!ok) {
        sb_free(&q);
        tmpl_free(t);
        return 1;
    }
    _cleanup_free_ char *path = xasprintf("/events%s%s", q.len ? "?" : "", q.len ? q.s + 1 : "");
    sb_free(&q);
    struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
    struct http_conn *conn = http_send(&req);
    if (http_status(conn) >= 400) {
        http_print_error(conn);
        http_close(conn);
        tmpl_free(t);
        return 1;
    }
    /* one JSON message per line */
    struct strbuf line = STRBUF_INIT;
    char buf[8192];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = http_read(conn, buf, sizeof buf)) > 0) {
        sb_addn(&line, buf, (size_t)n);
        char *nl;
        size_t done = 0;
        while (rc == 0 && (nl = memchr(line.s + done, '\n', line.len - done))) {
            json_t *ev = json_loadb(line.s + done, (size_t)(nl - line.s) - done, 0, NULL);
            done = (size_t)(nl - line.s) + 1;
            if (!ev)
                continue; /* a blank keep-alive line */
            rc = show(ev, t, json_dot);
            json_decref(ev);
            fflush(stdout);
        }
        memmove(line.s, line.s + done, line.len - done);
        line.len -= done;
        line.s[line.len] = '\0';
    }
    sb_free(&line);
    http_close(conn);
    tmpl_free(t);
    return rc;
}

#define EVENTS_OPTS                                                                                \
    "  -f, --filter filter   Filter output based on conditions provided\n"                         \
    "      --format string   Format output using a custom template:\n"                             \
    "                        'json':             Print in JSON format\n"                           \
    "                        'TEMPLATE':         Print output using the given Go template.\n"      \
    "                        Refer to https://docs.docker.com/go/formatting/ for more "            \
    "information about formatting output with templates\n"                                         \
    "      --since string    Show all events created since timestamp\n"                            \
    "      --until string    Stream events until this timestamp\n"

const struct cli_cmd cli_cmds_events[] = {
    {"events", cmd_events, "[OPTIONS]", "Get real time events from the server", EVENTS_OPTS, false},
    {"system events", cmd_events, "[OPTIONS]", "Get real time events from the server", EVENTS_OPTS,
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
