/* The client end of an attach or exec stream (docker's hijackedIOStreamer):
 * frames demultiplexed to stdout/stderr without a TTY, raw bytes with one;
 * stdin copied to the connection and half-closed at its end; the local
 * terminal in raw mode while a TTY session reads it, restored on every exit
 * path (signals included); detach keys; SIGWINCH -> resize; and signals
 * proxied to the container as POST /containers/{id}/kill. */
#pragma once
#include <stdbool.h>

#include "client/http.h"

struct stream_opts {
    bool tty;                /* the container's / exec's Tty: raw bytes, no frames */
    bool in;                 /* copy our stdin to the connection */
    bool out, err;           /* show the container's stdout / stderr */
    const char *detach_keys; /* NULL or "": ctrl-p,ctrl-q */
    const char *resize_path; /* "/containers/<id>" or "/exec/<id>": SIGWINCH resizes it */
};

enum { STREAM_DONE = 0, STREAM_DETACHED = 1, STREAM_FAILED = -1 };

/* Catch signals from now on: with proxy_id, the ones docker forwards go to
 * that container as kill?signal=NAME once stream_run runs; the others that
 * would kill us restore the terminal first. Idempotent. */
void stream_signals_begin(const char *proxy_id);
/* Run the session until the daemon closes its side, the user types the
 * detach keys, or an error. The terminal is restored before it returns.
 * On STREAM_FAILED *err says why (docker's text). */
int stream_run(struct http_conn *c, const struct stream_opts *o, char **err);

/* Height and width of our stdout's terminal; 0, 0 when not a terminal. */
void stream_tty_size(unsigned *h, unsigned *w);
/* POST <path>/resize?h=&w= with our size plus dh/dw; retried like docker's
 * initTtySize when it fails. */
void stream_resize(const char *path, unsigned dh, unsigned dw, bool retry);
/* The signal name docker sends for sig: "TERM", "RTMIN+3"; NULL if none. */
const char *stream_signal_name(int sig);
