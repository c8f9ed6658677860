/* Attach/exec stream relay: one poll loop per upgraded connection, between
 * the client's socket and the shim's attach socket. */
#include "daemon/api/relay.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/stream.h"
#include "daemon/api/server.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BUF (256 * 1024)

int api_detach_keys(const char *spec, unsigned char *out, size_t cap, size_t *n,
                    struct md_error *err)
{
    _cleanup_free_ char *why = NULL;
    if (cli_detach_keys_parse(spec, out, cap, n, &why) < 0)
        return md_err(err, MD_EINVAL, "Invalid detach keys (%s) provided", spec);
    return 0;
}

/* Client bytes to the shim, through the detach-key filter when it applies.
 * Returns true when the keys were typed (the bytes before them went). */
static bool forward_input(int shim, struct cli_escape *esc, const char *buf, size_t n,
                          unsigned char *tmp)
{
    if (!esc) {
        api_write_all(shim, buf, n);
        return false;
    }
    bool detached = false;
    size_t m = cli_escape_feed(esc, (const unsigned char *)buf, n, tmp, &detached);
    if (m)
        api_write_all(shim, tmp, m);
    return detached;
}

struct unframe {
    int sock;
    bool failed;
};

static void unframed_out(void *ctx, int stream, const void *data, size_t len)
{
    struct unframe *u = ctx;
    if (!u->failed && api_write_all(u->sock, data, len) < 0)
        u->failed = true;
}

/* n bytes of the shim's output to the client, in the framing it asked for. */
static int write_output(int sock, const struct relay_opts *o, struct stream_demux *d,
                        const char *buf, size_t n)
{
    if (o->output == RELAY_FRAME) {
        uint8_t h[8];
        stream_header(h, STREAM_STDOUT, (uint32_t)n);
        if (api_write_all(sock, h, sizeof h) < 0)
            return -1;
    } else if (o->output == RELAY_UNFRAME) {
        struct unframe u = {.sock = sock};
        if (stream_demux_feed(d, buf, n, unframed_out, &u) < 0 || u.failed)
            return -1;
        return 0;
    }
    return api_write_all(sock, buf, n);
}

enum relay_end api_relay(int sock, int shim, const struct relay_opts *o, const char *extra,
                         size_t extra_len)
{
    static const unsigned char default_keys[] = {16, 17}; /* ctrl-p, ctrl-q */
    struct cli_escape esc_state, *esc = NULL;
    if (o->tty && o->stdin_attached) {
        esc = &esc_state;
        if (o->nkeys)
            cli_escape_init(esc, o->keys, o->nkeys);
        else
            cli_escape_init(esc, default_keys, sizeof default_keys);
    }
    _cleanup_free_ char *buf = xmalloc(RELAY_BUF);
    _cleanup_free_ unsigned char *tmp = xmalloc(RELAY_BUF + 64);
    if (o->stdin_attached && extra_len &&
        forward_input(shim, esc, extra, extra_len < RELAY_BUF ? extra_len : RELAY_BUF, tmp))
        return RELAY_DETACHED;
    bool client_open = !o->no_input;
    struct stream_demux demux;
    stream_demux_init(&demux);
    for (;;) {
        struct pollfd p[2] = {{.fd = shim, .events = POLLIN},
                              {.fd = sock, .events = client_open ? POLLIN : 0}};
        int n = poll(p, 2, 250);
        if (api_shutting_down())
            return RELAY_SHUTDOWN;
        if (n < 0 && errno != EINTR)
            return RELAY_HUNG_UP;
        if (n <= 0)
            continue;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t k = read(shim, buf, RELAY_BUF);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                return RELAY_OUTPUT_ENDED;
            if (write_output(sock, o, &demux, buf, (size_t)k) < 0)
                return RELAY_HUNG_UP;
        }
        /* a full hang-up (not just a half-close): the client left */
        if (p[1].revents & (POLLHUP | POLLERR))
            return RELAY_HUNG_UP;
        if (!client_open || !(p[1].revents & POLLIN))
            continue;
        ssize_t k = recv(sock, buf, RELAY_BUF, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k > 0) {
            if (o->stdin_attached && forward_input(shim, esc, buf, (size_t)k, tmp))
                return RELAY_DETACHED;
            continue;
        }
        /* EOF (half-close) or a reset. Without stdin the CLI half-closes at
         * once: ignore it and keep streaming. */
        client_open = false;
        if (k < 0)
            return RELAY_HUNG_UP;
        if (!o->stdin_attached)
            continue;
        if (o->close_stdin && !o->tty) {
            shutdown(shim, SHUT_WR); /* the shim closes the process's stdin */
            continue;
        }
        return RELAY_STDIN_ENDED;
    }
}
