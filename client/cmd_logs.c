/* logs: GET /containers/{id}/json for Tty, then the log stream, demuxed to
 * stdout/stderr (or copied raw for a TTY container), as docker's runLogs. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/stream.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "common/units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void logs_out(void *ctx, int stream, const void *data, size_t len)
{
    struct strbuf *syserr = ctx;
    if (stream == STREAM_STDERR) {
        fwrite(data, 1, len, stderr);
    } else if (stream == STREAM_STDOUT || stream == STREAM_STDIN) {
        fwrite(data, 1, len, stdout);
    } else {
        sb_addn(syserr, data, len);
    }
}

static int cmd_logs(int argc, char **argv)
{
    static const struct option opts[] = {{"follow", no_argument, 0, 'f'},
                                         {"since", required_argument, 0, 'S'},
                                         {"until", required_argument, 0, 'U'},
                                         {"timestamps", no_argument, 0, 't'},
                                         {"details", no_argument, 0, 'D'},
                                         {"tail", required_argument, 0, 'n'},
                                         {0, 0, 0, 0}};
    bool follow = false, ts = false, details = false;
    const char *since = NULL, *until = NULL, *tail = "all";
    int c;
    while ((c = cli_getopt(argc, argv, "ftn:", opts)) != -1) {
        switch (c) {
        case 'f':
            follow = true;
            break;
        case 'S':
            since = optarg;
            break;
        case 'U':
            until = optarg;
            break;
        case 't':
            ts = true;
            break;
        case 'D':
            details = true;
            break;
        case 'n':
            tail = optarg;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    json_t *ctr = NULL;
    _cleanup_free_ char *err = NULL;
    if (ctr_inspect(argv[optind], &ctr, &err) != 200) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    _cleanup_json_ json_t *cc = ctr;
    bool tty = jbool(json_object_get(ctr, "Config"), "Tty");

    /* ContainerLogs: url.Values, encoded with sorted keys */
    struct strbuf q = STRBUF_INIT;
    if (details)
        sb_add(&q, "&details=1");
    if (follow)
        sb_add(&q, "&follow=1");
    if (since && *since) {
        _cleanup_free_ char *e = NULL;
        _cleanup_free_ char *v = api_timestamp(since, &e);
        if (!v) {
            fprintf(stderr, "invalid value for \"since\": %s\n", e);
            sb_free(&q);
            return 1;
        }
        _cleanup_free_ char *qe = query_escape(v);
        sb_printf(&q, "&since=%s", qe);
    }
    sb_add(&q, "&stderr=1&stdout=1");
    _cleanup_free_ char *te = query_escape(tail);
    sb_printf(&q, "&tail=%s", te);
    if (ts)
        sb_add(&q, "&timestamps=1");
    if (until && *until) {
        _cleanup_free_ char *e = NULL;
        _cleanup_free_ char *v = api_timestamp(until, &e);
        if (!v) {
            fprintf(stderr, "invalid value for \"until\": %s\n", e);
            sb_free(&q);
            return 1;
        }
        _cleanup_free_ char *qe = query_escape(v);
        sb_printf(&q, "&until=%s", qe);
    }
    _cleanup_free_ char *path = xasprintf("/containers/%s/logs?%s", jstr(ctr, "Id"), q.s + 1);
    sb_free(&q);
    struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
    struct http_conn *conn = http_send(&req);
    if (http_status(conn) >= 400) {
        http_print_error(conn);
        http_close(conn);
        return 1;
    }
    struct stream_demux d;
    stream_demux_init(&d);
    struct strbuf syserr = STRBUF_INIT;
    char buf[65536];
    int rc = 0;
    ssize_t n;
    while ((n = http_read(conn, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        if (tty) {
            fwrite(buf, 1, (size_t)n, stdout);
            fflush(stdout);
            continue;
        }
        if (stream_demux_feed(&d, buf, (size_t)n, logs_out, &syserr) < 0) {
            fprintf(stderr, "Unrecognized input header: %d\n", d.hdr[0]);
            rc = 1;
            break;
        }
        fflush(stdout);
        fflush(stderr);
        if (syserr.len && stream_demux_idle(&d)) {
            fprintf(stderr, "error from daemon in stream: %s\n", syserr.s);
            rc = 1;
            break;
        }
    }
    http_close(conn);
    sb_free(&syserr);
    return rc;
}

static const char logs_options[] =
    "      --details        Show extra details provided to logs\n"
    "  -f, --follow         Follow log output\n"
    "      --since string   Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative "
    "(e.g. \"42m\" for 42 minutes)\n"
    "  -n, --tail string    Number of lines to show from the end of the logs (default \"all\")\n"
    "  -t, --timestamps     Show timestamps\n"
    "      --until string   Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or "
    "relative (e.g. \"42m\" for 42 minutes)\n";

const struct cli_cmd cli_cmds_logs[] = {
    {"logs", cmd_logs, "[OPTIONS] CONTAINER", "Fetch the logs of a container", logs_options, false},
    {"container logs", cmd_logs, "[OPTIONS] CONTAINER", "Fetch the logs of a container",
     logs_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
