/* Attach/exec stream relay: one poll loop per upgraded connection, between
 * the client's socket and the shim's attach socket. */
#include "daemon/api/relay.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "daemon/api/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_BUF  (256 * 1024)
#define RELAY_PIPE (256 * 1024)

/* Output, shim to client, through a pipe with splice(2): the pages the
 * shim sent move to the client's socket without being copied through our
 * memory (two copies per byte less on a stream of gigabytes). */
struct out_pipe {
    int fd[2]; /* -1: not made yet; fd[0] == -2: splice unusable, copy */
};

static void out_pipe_close(struct out_pipe *op)
{
    for (int i = 0; i < 2; i++)
        if (op->fd[i] >= 0)
            close(op->fd[i]);
}

/* Move what the shim has to the client. >0: bytes moved; 0: the shim
 * closed; -1: errno (EAGAIN: nothing after all); -2: the client is gone. */
static ssize_t relay_output(int shim, int sock, struct out_pipe *op, char *buf)
{
    if (op->fd[0] == -1) {
        if (pipe2(op->fd, O_CLOEXEC) < 0)
            op->fd[0] = op->fd[1] = -2;
        else
            fcntl(op->fd[1], F_SETPIPE_SZ, RELAY_PIPE); /* best effort */
    }
    if (op->fd[0] >= 0) {
        ssize_t k =
            splice(shim, NULL, op->fd[1], NULL, RELAY_PIPE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (k < 0 && errno == EINVAL) {
            /* not a splicing pair (never with our unix sockets): copy */
            out_pipe_close(op);
            op->fd[0] = op->fd[1] = -2;
        } else {
            if (k <= 0)
                return k;
            for (ssize_t left = k; left > 0;) {
                ssize_t w = splice(op->fd[0], NULL, sock, NULL, (size_t)left, SPLICE_F_MOVE);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0)
                    return -2;
                left -= w;
            }
            return k;
        }
    }
    ssize_t k = read(shim, buf, RELAY_BUF);
    if (k > 0 && api_write_all(sock, buf, (size_t)k) < 0)
        return -2;
    return k;
}

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

/* The poll loop of api_relay. */
static enum relay_end relay_loop(int sock, int shim, const struct relay_opts *o,
                                 struct cli_escape *esc, char *buf, unsigned char *tmp,
                                 struct out_pipe *op, bool client_open)
{
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
            ssize_t k = relay_output(shim, sock, op, buf);
            if (k == -2)
                return RELAY_HUNG_UP;
            if (k < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (k <= 0)
                return RELAY_OUTPUT_ENDED;
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
    struct out_pipe op = {{-1, -1}};
    enum relay_end end = relay_loop(sock, shim, o, esc, buf, tmp, &op, client_open);
    out_pipe_close(&op);
    return end;
}
