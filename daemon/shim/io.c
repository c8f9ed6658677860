/* The shim's event loop: container output to the json-file log and to
 * every attached client, client input to the container's stdin, control
 * commands (resize, go), reaping. One thread, poll(2). */
#include "daemon/shim/shim.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "common/trim.h"
#include "common/stream.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CHUNK       65536        /* client input per read */
#define READ_MAX    (256 * 1024) /* container output per read */
#define LOG_FLUSH   (512 * 1024) /* json-file bytes gathered before one write */
#define BACKLOG_MAX (1 << 20)    /* per client; beyond it we stop reading the container */
#define DRAIN_IDLE  2000         /* ms without output after PID 1's exit before we give up */
#define FLUSH_MAX   5000         /* ms to hand the last output to slow clients */
#define TRIM_IDLE   1000         /* ms: trim_late's delay; idle time before output buffers go */

struct shim_client {
    struct shim_client *next;
    int fd;
    char line[PROTO_MAX_LINE];
    size_t linelen;
    bool have_cmd;
    struct proto_cmd cmd;
    char *out; /* queued output: out[out_off, outlen) */
    size_t out_off, outlen, outcap;
    bool in_eof, close_after_flush, waiting_go, dead;
};

static size_t queued(const struct shim_client *c)
{
    return c->outlen - c->out_off;
}

static void client_queue(struct shim_client *c, const void *data, size_t n)
{
    if (c->out_off && c->outlen + n > c->outcap) {
        /* slide the unsent rest to the front once, not on every send */
        memmove(c->out, c->out + c->out_off, queued(c));
        c->outlen -= c->out_off;
        c->out_off = 0;
    }
    if (c->outlen + n > c->outcap) {
        c->outcap = (c->outlen + n) * 2;
        c->out = xrealloc(c->out, c->outcap);
    }
    memcpy(c->out + c->outlen, data, n);
    c->outlen += n;
}

static void client_reply(struct shim_client *c, const char *line)
{
    client_queue(c, line, strlen(line));
    c->close_after_flush = true;
}

static void reply_error(struct shim_client *c, int e, const char *msg)
{
    _cleanup_free_ char *l = xasprintf("err %d %s\n", e, msg);
    for (char *p = l; p[1]; p++)
        if (*p == '\n')
            *p = ' ';
    client_reply(c, l);
}

/* json-file records are gathered in io->logbuf and written in batches:
 * one write per read of output, not one per line. */
static void log_flush(struct shim_io *io)
{
    const char *p = io->logbuf;
    size_t n = io->loglen;
    while (n) {
        ssize_t w = write(io->log_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            log_warn("write log: %s", strerror(errno));
            break;
        }
        p += w;
        n -= (size_t)w;
        io->log_size += w;
    }
    io->loglen = 0;
}

struct emit_ctx {
    struct shim_io *io;
    const char *stream;
};

static void emit_log(const char *line, size_t len, int64_t ns, void *arg)
{
    struct emit_ctx *x = arg;
    struct shim_io *io = x->io;
    /* docker checks the size before each record: a file ends up at most
     * one record over max-size */
    if (io->log_max_size > 0 && io->log_size + (int64_t)io->loglen >= io->log_max_size) {
        log_flush(io);
        shim_log_rotate(io);
    }
    size_t need =
        logfmt_json_max(len) + strlen(x->stream) + (io->log_attrs ? strlen(io->log_attrs) + 10 : 0);
    if (io->loglen && io->loglen + need > io->logcap)
        log_flush(io);
    if (io->loglen + need > io->logcap) {
        /* mapped, not malloc'd: release_buffers must really give it back */
        if (io->logbuf)
            munmap(io->logbuf, io->logcap);
        io->logcap = LOG_FLUSH + logfmt_json_max(LOGFMT_MAX_LINE) + 64;
        if (io->logcap < need)
            io->logcap = need;
        io->logbuf =
            mmap(NULL, io->logcap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (io->logbuf == MAP_FAILED)
            abort(); /* out of memory */
    }
    char t[40];
    size_t tl = logfmt_time(&io->clock, ns, t);
    io->loglen +=
        logfmt_json_into(io->logbuf + io->loglen, line, len, x->stream, io->log_attrs, t, tl);
    if (io->loglen >= LOG_FLUSH)
        log_flush(io);
}

static void send_output(struct shim_io *io, int idx, const char *buf, size_t n);

/* While io->hold: the clients' share of the output, kept for "go". */
static void hold_output(struct shim_io *io, int idx, const char *buf, size_t n)
{
    size_t need = io->heldlen + 5 + n;
    if (need > io->heldcap) {
        io->heldcap = need * 2;
        io->held = xrealloc(io->held, io->heldcap);
    }
    char *p = io->held + io->heldlen;
    uint32_t len = (uint32_t)n;
    p[0] = (char)idx;
    memcpy(p + 1, &len, 4);
    memcpy(p + 5, buf, n);
    io->heldlen = need;
}

/* "go" came (or never will): what was held goes to the clients attached
 * now; no new attach once the process is over and has been heard. */
static void release_hold(struct shim_io *io)
{
    io->hold = false;
    for (size_t off = 0; off < io->heldlen;) {
        uint32_t len;
        memcpy(&len, io->held + off + 1, 4);
        send_output(io, io->held[off], io->held + off + 5, len);
        off += 5 + len;
    }
    free(io->held);
    io->held = NULL;
    io->heldlen = io->heldcap = 0;
    if (io->exited && io->listen_fd >= 0) {
        close(io->listen_fd);
        io->listen_fd = -1;
    }
}

static void dispatch_output(struct shim_io *io, int idx, const char *buf, size_t n)
{
    if (io->log_fd >= 0) {
        /* docker logs tty output as stdout */
        struct emit_ctx x = {io, idx == 0 ? "stdout" : "stderr"};
        logfmt_feed(&io->lines[idx], buf, n, util_now_ns, emit_log, &x);
        log_flush(io);
    }
    if (io->hold)
        hold_output(io, idx, buf, n);
    else
        send_output(io, idx, buf, n);
}

static void send_output(struct shim_io *io, int idx, const char *buf, size_t n)
{
    for (struct shim_client *c = io->clients; c; c = c->next) {
        if (c->dead || !c->have_cmd || c->cmd.kind != PROTO_ATTACH)
            continue;
        if (!(idx == 0 ? c->cmd.out : c->cmd.err))
            continue;
        uint8_t h[8];
        size_t hl = 0;
        if (!io->tty) {
            stream_header(h, idx == 0 ? STREAM_STDOUT : STREAM_STDERR, (uint32_t)n);
            hl = 8;
        }
        /* nothing waiting for this client: try to send at once and queue
         * only what the socket did not take (one copy less per chunk) */
        size_t sent = 0;
        if (!queued(c)) {
            struct iovec iov[2] = {{h, hl}, {(void *)buf, n}};
            struct msghdr m = {.msg_iov = hl ? iov : iov + 1, .msg_iovlen = hl ? 2 : 1};
            ssize_t w = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0)
                sent = (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                c->dead = true;
        }
        if (sent < hl)
            client_queue(c, h + sent, hl - sent);
        size_t done = sent > hl ? sent - hl : 0;
        if (done < n)
            client_queue(c, buf + done, n - done);
    }
}

static void flush_logs(struct shim_io *io)
{
    if (io->log_fd < 0)
        return;
    for (int i = 0; i < 2; i++) {
        struct emit_ctx x = {io, i == 0 ? "stdout" : "stderr"};
        logfmt_flush(&io->lines[i], util_now_ns, emit_log, &x);
        logfmt_lines_free(&io->lines[i]);
    }
    log_flush(io);
    if (io->logbuf)
        munmap(io->logbuf, io->logcap);
    io->logbuf = NULL;
    io->logcap = 0;
}

static void close_stdin(struct shim_io *io)
{
    /* with a tty the master is also the output: it stays */
    if (io->stdin_fd >= 0 && !io->tty)
        close(io->stdin_fd);
    io->stdin_fd = -1;
    free(io->inbuf);
    io->inbuf = NULL;
    io->inlen = 0;
}

static void queue_stdin(struct shim_io *io, struct shim_client *c, const char *buf, size_t n)
{
    if (!n || !io->open_stdin || !c->cmd.in || io->stdin_fd < 0 || io->stdin_closing)
        return;
    io->inbuf = xrealloc(io->inbuf, io->inlen + n);
    memcpy(io->inbuf + io->inlen, buf, n);
    io->inlen += n;
}

static void answer_go(struct shim_io *io, struct shim_client *c)
{
    if (io->exec_done) {
        if (io->exec_errno)
            reply_error(c, io->exec_errno, io->exec_msg ? io->exec_msg : "exec failed");
        else
            client_reply(c, "ok\n");
    } else if (io->exited) {
        reply_error(c, ESRCH, "the container exited before it was started");
    } else {
        c->waiting_go = true;
    }
}

static void handle_command(struct shim_io *io, struct shim_client *c)
{
    c->line[c->linelen] = 0;
    if (proto_parse(c->line, &c->cmd) < 0) {
        reply_error(c, EINVAL, "bad request");
        return;
    }
    c->have_cmd = true;
    switch (c->cmd.kind) {
    case PROTO_ATTACH: {
        /* room for a whole read of output in flight (the default, about
         * 200 KiB, splits it); the force variant goes past wmem_max */
        int sz = 2 * READ_MAX;
        if (setsockopt(c->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
            setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        break;
    }
    case PROTO_RESIZE: {
        if (io->winsize_fd < 0) {
            reply_error(c, ENOTTY, "the container has no tty");
            break;
        }
        struct winsize ws = {.ws_row = c->cmd.h, .ws_col = c->cmd.w};
        if (ioctl(io->winsize_fd, TIOCSWINSZ, &ws) < 0)
            reply_error(c, errno, "resize the tty");
        else
            client_reply(c, "ok\n");
        break;
    }
    case PROTO_GO:
        io->go_seen = true; /* held output goes out after this round of commands */
        if (!io->released && !io->exited && io->sync_fd >= 0) {
            if (sync_send(io->sync_fd, SYNC_GO, 0, NULL, -1) < 0) {
                reply_error(c, errno, "release the container process");
                break;
            }
            io->released = true;
        }
        answer_go(io, c);
        break;
    case PROTO_EXEC:
        if (!io->fork_exec)
            reply_error(c, EINVAL, "bad request");
        else if (io->exited)
            reply_error(c, MD_ECONFLICT, "container is not running");
        else if (io->fork_exec(io->fork_exec_arg, c->cmd.id, c->fd) < 0)
            reply_error(c, errno, "fork the exec shim");
        else
            c->dead = true; /* the exec's shim has the connection now */
        break;
    }
}

static void client_read(struct shim_io *io, struct shim_client *c)
{
    char buf[CHUNK];
    ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            c->dead = true;
        return;
    }
    if (n == 0) {
        c->in_eof = true;
        if (c->have_cmd && c->cmd.kind == PROTO_ATTACH && c->cmd.in && io->stdin_once && !io->tty &&
            io->open_stdin)
            io->stdin_closing = true;
        if (!c->have_cmd)
            c->dead = true;
        return;
    }
    size_t off = 0;
    if (!c->have_cmd) {
        while (off < (size_t)n && buf[off] != '\n') {
            if (c->linelen + 1 >= sizeof c->line) {
                c->dead = true;
                return;
            }
            c->line[c->linelen++] = buf[off++];
        }
        if (off == (size_t)n)
            return; /* no newline yet */
        off++;
        handle_command(io, c);
    }
    if (c->have_cmd && c->cmd.kind == PROTO_ATTACH)
        queue_stdin(io, c, buf + off, (size_t)n - off);
}

static void client_write(struct shim_client *c)
{
    while (queued(c)) {
        ssize_t n = send(c->fd, c->out + c->out_off, queued(c), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                c->dead = true;
            return;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->outlen = 0;
    if (c->close_after_flush)
        c->dead = true;
}

static void reap_dead(struct shim_io *io)
{
    for (struct shim_client **pp = &io->clients; *pp;) {
        struct shim_client *c = *pp;
        if (!c->dead) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        close(c->fd);
        free(c->out);
        free(c);
    }
}

static void accept_clients(struct shim_io *io)
{
    for (;;) {
        int fd = accept4(io->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        /* in the order they came: the daemon sends "attach" before "go",
         * and held output must find the attached client */
        struct shim_client *c = xcalloc(1, sizeof *c);
        c->fd = fd;
        struct shim_client **tail = &io->clients;
        while (*tail)
            tail = &(*tail)->next;
        *tail = c;
    }
}

static void reap_children(struct shim_io *io)
{
    struct signalfd_siginfo si;
    while (read(io->sig_fd, &si, sizeof si) == sizeof si)
        ;
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, WNOHANG);
        if (w <= 0)
            return;
        if (w == io->compress_pid)
            io->compress_pid = 0;
        if (w == io->pid && !io->exited) {
            io->exited = true;
            io->status = st;
            io->finished_ns = util_now_ns();
            /* no new attach once it is over (held output still waits for
             * its client: release_hold closes it then) */
            if (!io->hold && io->listen_fd >= 0) {
                close(io->listen_fd);
                io->listen_fd = -1;
            }
        }
    }
}

/* PID 1's sync socket after release: EOF = the exec worked (CLOEXEC),
 * SYNC_ERROR = it did not. */
static void read_exec_result(struct shim_io *io)
{
    char type = 0;
    int e = 0, fd = -1;
    _cleanup_free_ char *msg = NULL;
    int r = sync_recv(io->sync_fd, &type, &e, &msg, &fd);
    if (fd >= 0)
        close(fd);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r == 1 && type == SYNC_ERROR && !io->exec_done) {
        io->exec_done = true;
        io->exec_errno = e ? e : EINVAL;
        io->exec_msg = steal_ptr(&msg);
        log_info("exec failed: %s", io->exec_msg);
        return;
    }
    if (r == 1)
        return; /* nothing else is expected; ignore */
    close(io->sync_fd);
    io->sync_fd = -1;
    if (io->released && !io->exec_done) {
        io->exec_done = true;
        io->exec_errno = 0;
    }
    for (struct shim_client *c = io->clients; c; c = c->next)
        if (c->waiting_go) {
            c->waiting_go = false;
            answer_go(io, c);
        }
}

static bool backlogged(const struct shim_io *io)
{
    if (io->heldlen > BACKLOG_MAX)
        return true;
    for (const struct shim_client *c = io->clients; c; c = c->next)
        if (queued(c) > BACKLOG_MAX)
            return true;
    return false;
}

static void final_flush(struct shim_io *io)
{
    for (struct shim_client *c = io->clients; c; c = c->next)
        if (c->waiting_go) {
            c->waiting_go = false;
            answer_go(io, c);
        }
    int64_t deadline = util_mono_ms() + FLUSH_MAX;
    for (;;) {
        reap_dead(io);
        size_t n = 0;
        struct pollfd pf[256];
        for (struct shim_client *c = io->clients; c && n < 256; c = c->next)
            if (queued(c))
                pf[n++] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
        int64_t left = deadline - util_mono_ms();
        if (!n || left <= 0)
            break;
        poll(pf, n, (int)left);
        for (struct shim_client *c = io->clients; c; c = c->next)
            if (queued(c))
                client_write(c);
    }
    for (struct shim_client *c = io->clients; c; c = c->next) {
        shutdown(c->fd, SHUT_WR);
        c->dead = true;
    }
    reap_dead(io);
}

/* Container output is read here; page-aligned so release_buffers can give
 * its pages back. */
static char out_buf[READ_MAX] __attribute__((aligned(4096)));

/* The memory an output burst used (the shim's budget is its idle RSS). */
static void release_buffers(struct shim_io *io)
{
    madvise(out_buf, sizeof out_buf, MADV_DONTNEED);
    if (io->logbuf && !io->loglen) {
        munmap(io->logbuf, io->logcap);
        io->logbuf = NULL;
        io->logcap = 0;
    }
    for (struct shim_client *c = io->clients; c; c = c->next)
        if (!queued(c) && c->outcap > CHUNK) {
            free(c->out);
            c->out = NULL;
            c->out_off = c->outlen = c->outcap = 0;
        }
}

int shim_io_run(struct shim_io *io)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    io->sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (io->sig_fd < 0) {
        log_error("signalfd: %s", strerror(errno));
        return -1;
    }
    /* a SIGCHLD before the signalfd existed is still pending: check now */
    reap_children(io);
    int64_t drain_deadline = 0;
    int64_t trim_at = io->trim_late ? util_mono_ms() + TRIM_IDLE : 0;
    bool hot = false;
    for (;;) {
        if (trim_at && util_mono_ms() >= trim_at) {
            md_trim_rss(true);
            trim_at = 0;
        }
        if (io->exited) {
            if (!drain_deadline)
                drain_deadline = util_mono_ms() + DRAIN_IDLE;
            if (!io->released && io->sync_fd >= 0) {
                close(io->sync_fd);
                io->sync_fd = -1;
            }
            bool outputs_open = io->out_fd[0] >= 0 || io->out_fd[1] >= 0;
            bool over = (!outputs_open && io->sync_fd < 0) || util_mono_ms() >= drain_deadline;
            if (over && io->hold && util_mono_ms() >= io->hold_deadline)
                release_hold(io); /* no "go" came: nobody to give it to */
            if (over && !io->hold)
                break;
        }
        if (io->stdin_closing && io->inlen == 0 && io->stdin_fd >= 0)
            close_stdin(io);
        reap_dead(io);

        size_t nc = 0;
        for (struct shim_client *c = io->clients; c; c = c->next)
            nc++;
        struct pollfd *pf = xcalloc(nc + 8, sizeof *pf);
        size_t n = 0;
        int i_sig = -1, i_listen = -1, i_sync = -1, i_out[2] = {-1, -1}, i_in = -1;
        pf[i_sig = n++] = (struct pollfd){.fd = io->sig_fd, .events = POLLIN};
        if (io->listen_fd >= 0)
            pf[i_listen = n++] = (struct pollfd){.fd = io->listen_fd, .events = POLLIN};
        if (io->sync_fd >= 0 && io->released)
            pf[i_sync = n++] = (struct pollfd){.fd = io->sync_fd, .events = POLLIN};
        bool full = backlogged(io);
        for (int k = 0; k < 2; k++)
            if (io->out_fd[k] >= 0 && !full)
                pf[i_out[k] = n++] = (struct pollfd){.fd = io->out_fd[k], .events = POLLIN};
        if (io->stdin_fd >= 0 && io->inlen)
            pf[i_in = n++] = (struct pollfd){.fd = io->stdin_fd, .events = POLLOUT};
        size_t cbase = n;
        bool in_full = io->inlen > BACKLOG_MAX;
        for (struct shim_client *c = io->clients; c; c = c->next) {
            short ev = 0;
            if (!c->in_eof && !c->close_after_flush && !(in_full && c->have_cmd))
                ev |= POLLIN;
            if (queued(c))
                ev |= POLLOUT;
            pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        int timeout = -1;
        if (io->exited)
            timeout = (int)((io->hold ? io->hold_deadline : drain_deadline) - util_mono_ms());
        if (timeout < -1)
            timeout = 0;
        /* start-up pages go a second after the start, busy or not; the
         * buffers of an output burst after a second without work */
        int64_t wake = hot ? TRIM_IDLE : -1, now = util_mono_ms();
        if (trim_at && (wake < 0 || trim_at - now < wake))
            wake = trim_at > now ? trim_at - now : 0;
        if (wake >= 0 && (timeout < 0 || timeout > wake))
            timeout = (int)wake;
        int r = poll(pf, n, timeout);
        if (r < 0 && errno != EINTR) {
            log_error("poll: %s", strerror(errno));
            free(pf);
            return -1;
        }
        if (r == 0 && hot && (!trim_at || trim_at > util_mono_ms())) {
            release_buffers(io);
            hot = false;
        }
        if (r <= 0) {
            free(pf);
            continue;
        }
        if (pf[i_sig].revents)
            reap_children(io);
        if (i_listen >= 0 && io->listen_fd >= 0 && pf[i_listen].revents)
            accept_clients(io);
        if (i_sync >= 0 && pf[i_sync].revents)
            read_exec_result(io);
        for (int k = 0; k < 2; k++) {
            if (i_out[k] < 0 || !pf[i_out[k]].revents)
                continue;
            ssize_t got = read(io->out_fd[k], out_buf, sizeof out_buf);
            if (got > 0) {
                hot = true;
                dispatch_output(io, k, out_buf, (size_t)got);
                if (io->exited)
                    drain_deadline = util_mono_ms() + DRAIN_IDLE;
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                /* EOF, or EIO from a pty master once every slave is closed */
                if (!io->tty)
                    close(io->out_fd[k]);
                io->out_fd[k] = -1;
            }
        }
        if (i_in >= 0 && pf[i_in].revents && io->stdin_fd >= 0) {
            ssize_t w = write(io->stdin_fd, io->inbuf, io->inlen);
            if (w > 0) {
                memmove(io->inbuf, io->inbuf + w, io->inlen - (size_t)w);
                io->inlen -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                close_stdin(io); /* the container closed its stdin */
            }
        }
        /* the clients polled: the first nc (accept_clients appended any new
         * ones after them, to be polled next round) */
        size_t k = cbase;
        for (struct shim_client *c = io->clients; c && k < cbase + nc; c = c->next, k++) {
            if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
                if (!c->in_eof && !c->dead)
                    client_read(io, c);
            /* POLLHUP on a unix socket: the peer closed both directions */
            if ((pf[k].revents & (POLLHUP | POLLERR)) && c->in_eof)
                c->dead = true;
            if (queued(c) && !c->dead)
                client_write(c);
        }
        if (io->hold && io->go_seen)
            release_hold(io);
        free(pf);
    }
    /* output still buffered in a pty or pipe that we gave up on is lost,
     * like docker after its drain timeout */
    flush_logs(io);
    /* a removal right after the exit must find no gzip still writing */
    shim_log_wait_compress(io);
    if (io->on_exit)
        io->on_exit(io, io->on_exit_arg);
    final_flush(io);
    if (io->tty && io->winsize_fd >= 0)
        close(io->winsize_fd);
    close_stdin(io);
    return 0;
}
