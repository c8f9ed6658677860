/* stats: docker's columns and formulas over /containers/{id}/stats; with
 * --no-stream one sample each (stream=0), otherwise a stream per container
 * and the table redrawn in place every half second until interrupted. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/timefmt.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char default_format[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{."
                                     "MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

static const char *header_for(const char *field)
{
    static const char *const map[][2] = {
        {"Container", "CONTAINER"},
        {"Name", "NAME"},
        {"ID", "CONTAINER ID"},
        {"CPUPerc", "CPU %"},
        {"MemUsage", "MEM USAGE / LIMIT"},
        {"MemPerc", "MEM %"},
        {"NetIO", "NET I/O"},
        {"BlockIO", "BLOCK I/O"},
        {"PIDs", "PIDS"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], field))
            return map[i][1];
    return "";
}

static uint64_t ju(json_t *o, const char *k)
{
    return (uint64_t)jint(o, k);
}

/* One statsContext row from a stats sample (StatsEntry, then its methods). */
static json_t *stats_row(const char *container, json_t *v, bool trunc)
{
    json_t *cpu = json_object_get(v, "cpu_stats"), *pre = json_object_get(v, "precpu_stats");
    json_t *cu = json_object_get(cpu, "cpu_usage"), *pu = json_object_get(pre, "cpu_usage");
    uint32_t online = (uint32_t)ju(cpu, "online_cpus");
    if (!online)
        online = (uint32_t)json_array_size(json_object_get(cu, "percpu_usage"));
    double cpu_pct =
        cli_stats_cpu_percent(ju(cu, "total_usage"), ju(pu, "total_usage"),
                              ju(cpu, "system_cpu_usage"), ju(pre, "system_cpu_usage"), online);
    json_t *mem = json_object_get(v, "memory_stats"), *ms = json_object_get(mem, "stats");
    json_t *tif = json_object_get(ms, "total_inactive_file");
    double mem_use = cli_stats_mem_usage(
        ju(mem, "usage"), tif != NULL, (uint64_t)json_integer_value(tif), ju(ms, "inactive_file"));
    double limit = (double)ju(mem, "limit");
    double mem_pct = limit != 0 ? mem_use / limit * 100.0 : 0;
    double rx = 0, tx = 0, br = 0, bw = 0;
    const char *k;
    json_t *n;
    json_object_foreach(json_object_get(v, "networks"), k, n)
    {
        rx += (double)ju(n, "rx_bytes");
        tx += (double)ju(n, "tx_bytes");
    }
    size_t i;
    json_t *e;
    json_array_foreach(
        json_object_get(json_object_get(v, "blkio_stats"), "io_service_bytes_recursive"), i, e)
    {
        const char *op = jstr(e, "op");
        if (*op == 'r' || *op == 'R')
            br += (double)ju(e, "value");
        else if (*op == 'w' || *op == 'W')
            bw += (double)ju(e, "value");
    }
    const char *name = jstr(v, "name");
    const char *id = jstr(v, "id");
    _cleanup_free_ char *cpu_s = cli_percent(cpu_pct), *mem_p = cli_percent(mem_pct);
    _cleanup_free_ char *mu = cli_bytes_size(mem_use), *ml = cli_bytes_size(limit);
    _cleanup_free_ char *nrx = cli_human_size(rx, 3), *ntx = cli_human_size(tx, 3);
    _cleanup_free_ char *brs = cli_human_size(br, 3), *bws = cli_human_size(bw, 3);
    _cleanup_free_ char *mem_s = xasprintf("%s / %s", mu, ml);
    _cleanup_free_ char *net_s = xasprintf("%s / %s", nrx, ntx);
    _cleanup_free_ char *blk_s = xasprintf("%s / %s", brs, bws);
    _cleanup_free_ char *pids =
        xasprintf("%llu", (unsigned long long)ju(json_object_get(v, "pids_stats"), "current"));
    json_t *row = json_object();
    json_object_set_new(row, "BlockIO", json_string(blk_s));
    json_object_set_new(row, "CPUPerc", json_string(cpu_s));
    json_object_set_new(row, "Container", json_str_lossy(container));
    json_object_set_new(row, "ID", json_str_lossy(trunc ? strndupa(id, 12) : id));
    json_object_set_new(row, "MemPerc", json_string(mem_p));
    json_object_set_new(row, "MemUsage", json_string(mem_s));
    json_object_set_new(row, "Name", json_str_lossy(strlen(name) > 1 ? name + 1 : "--"));
    json_object_set_new(row, "NetIO", json_string(net_s));
    json_object_set_new(row, "PIDs", json_string(pids));
    return row;
}

/* GET stats?stream=0 for each container; rows or errors. */
static json_t *collect(char **refs, size_t n, bool trunc, char ***errs)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *esc = path_escape(refs[i]);
        _cleanup_free_ char *path = xasprintf("/containers/%s/stats?stream=0", esc);
        json_t *v = NULL;
        int st = api_json("GET", path, NULL, &v);
        if (st >= 400 || !json_is_object(v)) {
            _cleanup_free_ char *e = daemon_error(v);
            strv_push(errs, e);
        } else {
            json_array_append_new(rows, stats_row(refs[i], v, trunc));
        }
        json_decref(v);
    }
    return rows;
}

/* One streaming stats connection per container (stream=1), docker's
 * collect(): the newest sample is kept; a container whose stream ends or
 * fails shows "--". */
struct live {
    char *ref;
    struct http_conn *c;
    struct strbuf pending;
    json_t *row;
};

static json_t *invalid_row(const char *ref, json_t *last)
{
    json_t *row = json_object();
    static const char *const dash[] = {"BlockIO", "CPUPerc", "MemPerc", "NetIO", "PIDs"};
    for (size_t i = 0; i < 5; i++)
        json_object_set_new(row, dash[i], json_string("--"));
    json_object_set_new(row, "Container", json_str_lossy(ref));
    json_object_set(row, "ID", last ? json_object_get(last, "ID") : json_string(""));
    json_object_set_new(row, "MemUsage", json_string("-- / --"));
    json_object_set(row, "Name", last ? json_object_get(last, "Name") : json_string("--"));
    return row;
}

static void live_read(struct live *l, bool trunc)
{
    char buf[16384];
    ssize_t n = http_read(l->c, buf, sizeof buf);
    if (n <= 0) {
        json_t *row = invalid_row(l->ref, l->row);
        json_decref(l->row);
        l->row = row;
        http_close(l->c);
        l->c = NULL;
        return;
    }
    sb_addn(&l->pending, buf, (size_t)n);
    char *nl;
    while (l->pending.s && (nl = strchr(l->pending.s, '\n'))) {
        json_t *v = json_loadb(l->pending.s, (size_t)(nl - l->pending.s), 0, NULL);
        if (json_is_object(v)) {
            json_decref(l->row);
            l->row = stats_row(l->ref, v, trunc);
        }
        json_decref(v);
        _cleanup_free_ char *rest = xstrdup(nl + 1);
        sb_free(&l->pending);
        sb_add(&l->pending, rest);
    }
}

static int stream_stats(char **refs, const char *fmt, bool trunc)
{
    size_t n = strv_len(refs);
    struct live *l = xcalloc(n + 1, sizeof *l);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *esc = path_escape(refs[i]);
        _cleanup_free_ char *path = xasprintf("/containers/%s/stats?stream=1", esc);
        struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
        l[i].ref = refs[i];
        l[i].c = http_send(&req);
        if (http_status(l[i].c) >= 400) {
            http_print_error(l[i].c);
            for (size_t k = 0; k <= i; k++)
                http_close(l[k].c);
            free(l);
            return 1;
        }
    }
    int rc = 0, waited = 0;
    bool first = true;
    for (;;) {
        /* gather for half a second, then redraw, as docker's ticker */
        int64_t deadline = time_now_ns() + 500000000LL;
        for (int64_t now; (now = time_now_ns()) < deadline;) {
            struct pollfd *pf = xcalloc(n + 1, sizeof *pf);
            for (size_t i = 0; i < n; i++)
                pf[i] = (struct pollfd){l[i].c ? http_fd(l[i].c) : -1, POLLIN, 0};
            bool buffered = false;
            for (size_t i = 0; i < n; i++)
                buffered = buffered || (l[i].c && http_buffered(l[i].c));
            int r = poll(pf, n, buffered ? 0 : (int)((deadline - now) / 1000000) + 1);
            for (size_t i = 0; r >= 0 && i < n; i++)
                if (l[i].c && (http_buffered(l[i].c) || pf[i].revents))
                    live_read(&l[i], trunc);
            free(pf);
        }
        /* docker waits for each container's first sample (up to 2 s) */
        bool ready = true;
        for (size_t i = 0; i < n; i++)
            ready = ready && l[i].row;
        if (first && !ready && waited++ < 3)
            continue;
        json_t *rows = json_array();
        for (size_t i = 0; i < n; i++)
            if (l[i].row)
                json_array_append(rows, l[i].row);
        fputs(first ? "\033[2J\033[H" : "\033[H", stdout);
        first = false;
        rc = render_rows(fmt, rows, header_for);
        fputs("\033[J", stdout);
        fflush(stdout);
        json_decref(rows);
        if (rc)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        if (l[i].c)
            http_close(l[i].c);
        sb_free(&l[i].pending);
        json_decref(l[i].row);
    }
    free(l);
    return rc;
}

static int cmd_stats(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, 0, 'a'},
                                         {"no-stream", no_argument, 0, 'N'},
                                         {"no-trunc", no_argument, 0, 'T'},
                                         {"format", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    bool all = false, no_stream = false, no_trunc = false;
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "a", opts)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'N':
            no_stream = true;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'F':
            format = optarg;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    char **refs = NULL;
    struct http_conn *events = NULL;
    bool show_all = optind >= argc;
    if (show_all) {
        /* docker subscribes to container events before listing, so that it
         * misses no container that starts meanwhile */
        static const char ev[] = "/events?filters=%7B%22type%22%3A%7B%22container%22%3Atrue%7D%7D";
        struct http_req req = {.method = "GET", .path = ev, .body_fd = -1};
        events = http_send(&req);
        json_t *list = NULL;
        if (api_call("GET", all ? "/containers/json?all=1" : "/containers/json", NULL, &list) < 0) {
            http_close(events);
            return 1;
        }
        size_t i;
        json_t *ctr;
        json_array_foreach(list, i, ctr)
        {
            _cleanup_free_ char *short_id = xstrndup(jstr(ctr, "Id"), 12);
            strv_push(&refs, short_id);
        }
        json_decref(list);
    } else {
        for (int i = optind; i < argc; i++)
            strv_push(&refs, argv[i]);
    }
    const char *fmt = *format && strcmp(format, "table") ? format : default_format;
    if (!strcmp(fmt, "json"))
        fmt = "{{json .}}";
    int rc;
    if (no_stream) {
        char **errs = NULL;
        json_t *rows = collect(refs, strv_len(refs), !no_trunc, &errs);
        if (errs && !show_all) {
            rc = print_errors(errs);
        } else {
            rc = render_rows(fmt, rows, header_for);
            fflush(stdout);
        }
        strv_free(errs);
        json_decref(rows);
    } else {
        rc = stream_stats(refs, fmt, !no_trunc);
    }
    strv_free(refs);
    if (events)
        http_close(events);
    return rc;
}

static const char stats_options[] =
    "  -a, --all             Show all containers (default shows just running)\n"
    "      --format string   Format output using a custom template\n"
    "      --no-stream       Disable streaming stats and only pull the first result\n"
    "      --no-trunc        Do not truncate output\n";

const struct cli_cmd cli_cmds_stats[] = {
    {"stats", cmd_stats, "[OPTIONS] [CONTAINER...]",
     "Display a live stream of container(s) resource usage statistics", stats_options, false},
    {"container stats", cmd_stats, "[OPTIONS] [CONTAINER...]",
     "Display a live stream of container(s) resource usage statistics", stats_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
