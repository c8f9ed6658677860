/* Attach/exec streaming: one poll loop over stdin, the hijacked socket and a
 * self-pipe fed by signal handlers, so terminal state, resizes and signal
 * forwarding need no threads. */
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/signals.h"
#include "common/stream.h"
#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Signals that end a process by default; docker's CLI catches all of them
 * (signal.Notify with no list) and forwards all but SIGCHLD and SIGPIPE. */
static const int fatal_sigs[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM,
                                 SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};

#define SPLICE_MIN 4096      /* shorter payloads are copied with the rest */
#define SPLICE_MAX (1 << 20) /* per splice without frames (tty) */

static int sig_pipe[2] = {-1, -1};
static const char *proxy_container; /* NULL: no forwarding */
static volatile sig_atomic_t term_saved;
static struct termios term_orig;

static void term_restore(void)
{
    if (term_saved) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &term_orig);
        term_saved = 0;
    }
}

static void on_signal(int sig)
{
    int saved = errno;
    bool forward = proxy_container && sig != SIGPIPE;
    if (sig == SIGWINCH || forward) {
        unsigned char b = (unsigned char)sig;
        if (write(sig_pipe[1], &b, 1) < 0) {
            /* full pipe: the signal is dropped, like a full Go channel */
        }
        errno = saved;
        return;
    }
    /* A signal that kills us: give the terminal back first. */
    term_restore();
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved;
}

void stream_signals_begin(const char *proxy_id)
{
    if (sig_pipe[0] < 0) {
        if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
            sig_pipe[0] = sig_pipe[1] = -1;
            return;
        }
        atexit(term_restore);
    }
    proxy_container = proxy_id;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++)
        sigaction(fatal_sigs[i], &sa, NULL);
    sigaction(SIGWINCH, &sa, NULL);
    /* Only forwarded, never fatal: left alone unless we proxy (docker's
     * client catches every signal, so ^Z goes to the container too). */
    static const int proxy_only[] = {SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU};
    for (size_t i = 0; proxy_id && i < sizeof proxy_only / sizeof proxy_only[0]; i++)
        sigaction(proxy_only[i], &sa, NULL);
}

const char *stream_signal_name(int sig)
{
    const char *n = signal_name(sig);
    return n && !strncmp(n, "SIG", 3) ? n + 3 : n;
}

void stream_tty_size(unsigned *h, unsigned *w)
{
    struct winsize ws = {0};
    *h = *w = 0;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        *h = ws.ws_row;
        *w = ws.ws_col;
    }
}

static bool resize_once(const char *path, unsigned h, unsigned w)
{
    _cleanup_free_ char *p = xasprintf("%s/resize?h=%u&w=%u", path, h, w);
    json_t *out = NULL;
    int st = api_json("POST", p, NULL, &out);
    json_decref(out);
    return st < 400;
}

void stream_resize(const char *path, unsigned dh, unsigned dw, bool retry)
{
    unsigned h, w;
    stream_tty_size(&h, &w);
    if (h == 0 && w == 0)
        return;
    if (resize_once(path, h + dh, w + dw) || !retry)
        return;
    /* initTtySize: the exec may not have started yet; try again a few times */
    for (int i = 0; i < 10; i++) {
        struct timespec ts = {0, (long)(i + 1) * 10 * 1000000L};
        nanosleep(&ts, NULL);
        if (resize_once(path, h + dh, w + dw))
            return;
    }
    fprintf(stderr, "failed to resize tty, using default size\n");
}

static int write_fd(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

struct demux_ctx {
    const struct stream_opts *o;
    struct strbuf syserr;
};

static void demux_out(void *ctx, int stream, const void *data, size_t len)
{
    struct demux_ctx *d = ctx;
    switch (stream) {
    case STREAM_STDIN: /* stdcopy shows a stdin frame as stdout */
    case STREAM_STDOUT:
        if (d->o->out)
            write_fd(STDOUT_FILENO, data, len);
        break;
    case STREAM_STDERR:
        if (d->o->err)
            write_fd(STDERR_FILENO, data, len);
        break;
    default:
        sb_addn(&d->syserr, data, len);
    }
}

static void forward_signal(int sig)
{
    const char *name = stream_signal_name(sig);
    if (!name || !proxy_container)
        return;
    _cleanup_free_ char *p = xasprintf("/containers/%s/kill?signal=%s", proxy_container, name);
    json_t *out = NULL;
    api_json("POST", p, NULL, &out); /* errors are only logged at debug level by docker */
    json_decref(out);
}

static void handle_signals(const struct stream_opts *o)
{
    unsigned char b[64];
    ssize_t n;
    while ((n = read(sig_pipe[0], b, sizeof b)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            /* docker both resizes and, when proxying, forwards WINCH */
            if (b[i] == SIGWINCH && o->tty && o->resize_path)
                stream_resize(o->resize_path, 0, 0, false);
            forward_signal(b[i]);
        }
}

static void no_out(void *ctx, int stream, const void *data, size_t len)
{
    (void)ctx, (void)stream, (void)data, (void)len;
}

/* At a frame boundary: when the next frame is a long one, take just its
 * header, so that all of its payload can be spliced. Returns the payload
 * length then, else 0 (nothing taken). */
static size_t take_long_header(int sock, struct stream_demux *dm, int *st)
{
    unsigned char h[8];
    if (recv(sock, h, sizeof h, MSG_PEEK | MSG_DONTWAIT) != sizeof h || h[0] > STREAM_STDOUT)
        return 0;
    uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    if (len < SPLICE_MIN || recv(sock, h, sizeof h, 0) != sizeof h)
        return 0;
    stream_demux_feed(dm, h, sizeof h, no_out, NULL);
    return stream_demux_pending(dm, st);
}

int stream_run(struct http_conn *c, const struct stream_opts *o, char **err)
{
    int sock = http_fd(c);
    struct cli_escape esc;
    bool use_escape = o->tty && o->in;
    if (use_escape) {
        unsigned char keys[32];
        size_t nk = 0;
        _cleanup_free_ char *kerr = NULL;
        if (!o->detach_keys || !*o->detach_keys ||
            cli_detach_keys_parse(o->detach_keys, keys, sizeof keys, &nk, &kerr) < 0) {
            /* docker warns and falls back to the default on a bad value */
            keys[0] = 16, keys[1] = 17, nk = 2;
        }
        cli_escape_init(&esc, keys, nk);
    }
    if (o->tty && o->in && isatty(STDIN_FILENO) && !term_saved &&
        tcgetattr(STDIN_FILENO, &term_orig) == 0) {
        struct termios raw = term_orig;
        cfmakeraw(&raw);
        term_saved = 1;
        tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
    }
    bool in_open = o->in;
    if (!in_open)
        shutdown(sock, SHUT_WR); /* nothing to send: tell the daemon at once */

    struct stream_demux dm;
    stream_demux_init(&dm);
    struct stat so;
    bool splice_out = fstat(STDOUT_FILENO, &so) == 0 && S_ISFIFO(so.st_mode);
    struct demux_ctx dctx = {o, STRBUF_INIT};
    int rc = STREAM_DONE;
    char buf[65536];
    unsigned char fwd[sizeof buf + 32];
    for (;;) {
        if (!http_buffered(c)) {
            struct pollfd pf[3] = {{sock, POLLIN, 0}, {-1, POLLIN, 0}, {sig_pipe[0], POLLIN, 0}};
            if (in_open)
                pf[1].fd = STDIN_FILENO;
            if (poll(pf, 3, -1) < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            if (pf[2].revents & POLLIN)
                handle_signals(o);
            if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                if (n <= 0) {
                    in_open = false;
                    shutdown(sock, SHUT_WR);
                } else {
                    size_t m = (size_t)n;
                    const void *data = buf;
                    bool detached = false;
                    if (use_escape) {
                        m = cli_escape_feed(&esc, (unsigned char *)buf, (size_t)n, fwd, &detached);
                        data = fwd;
                    }
                    if (m && send_all(sock, data, m) < 0) {
                        in_open = false; /* the read side reports the failure */
                    }
                    if (detached) {
                        rc = STREAM_DETACHED;
                        break;
                    }
                }
            }
            if (!(pf[0].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
        }
        /* Output for a pipe goes there with splice(2), socket to pipe, not
         * through our memory: the framing is all we need to see. Short
         * frames and what http.c already buffered take the copy below. */
        if (splice_out && !http_buffered(c)) {
            int st = STREAM_STDOUT;
            size_t want = o->tty ? SPLICE_MAX : stream_demux_pending(&dm, &st);
            if (!o->tty && !want && stream_demux_idle(&dm))
                want = take_long_header(sock, &dm, &st);
            if (want >= SPLICE_MIN && o->out && (st == STREAM_STDOUT || st == STREAM_STDIN)) {
                ssize_t k = splice(sock, NULL, STDOUT_FILENO, NULL, want, SPLICE_F_MOVE);
                if (k > 0) {
                    if (!o->tty)
                        stream_demux_consumed(&dm, (uint32_t)k);
                    continue;
                }
                if (k == 0)
                    break;
                if (errno == EINTR)
                    continue;
                splice_out = false; /* EINVAL, EAGAIN...: nothing moved, copy instead */
            }
        }
        ssize_t n = http_read(c, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n < 0 && errno != ECONNRESET) {
                *err = xasprintf("read from daemon: %s", strerror(errno));
                rc = STREAM_FAILED;
            }
            break;
        }
        if (o->tty) {
            if (o->out)
                write_fd(STDOUT_FILENO, buf, (size_t)n);
            continue;
        }
        if (stream_demux_feed(&dm, buf, (size_t)n, demux_out, &dctx) < 0) {
            *err = xstrdup("Unrecognized input header");
            rc = STREAM_FAILED;
            break;
        }
        if (dctx.syserr.len && stream_demux_idle(&dm)) {
            *err = xasprintf("error from daemon in stream: %s", dctx.syserr.s);
            rc = STREAM_FAILED;
            break;
        }
    }
    term_restore();
    sb_free(&dctx.syserr);
    return rc;
}
