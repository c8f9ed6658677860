/* The relay between an upgraded client connection and a shim's attach
 * socket, shared by container attach and exec start: output to the client
 * as the shim frames it, client bytes to the process's stdin (never framed),
 * docker's half-close rules and daemon-side detach keys. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* How the shim's output reaches the client. An exec's output is framed or
 * raw as its *start* request's Tty says (moby wraps the writers in stdcopy
 * when !Tty), while its shim frames as the create's Tty decided. */
enum relay_output {
    RELAY_AS_SHIM, /* as the shim sends it */
    RELAY_UNFRAME, /* the shim frames, the client wants raw bytes */
    RELAY_FRAME,   /* the shim sends raw bytes (a pty), the client wants stdout frames */
};

struct relay_opts {
    bool stdin_attached;       /* client bytes are the process's stdin */
    bool tty;                  /* raw stream: the detach keys apply (with stdin) */
    bool close_stdin;          /* without a tty, the client's EOF closes the process's
                                * stdin and output keeps flowing (StdinOnce, exec);
                                * otherwise it ends the stream, as moby does */
    bool no_input;             /* sock is write-only (a plain HTTP stream) */
    const unsigned char *keys; /* detach keys; none = ctrl-p,ctrl-q */
    size_t nkeys;
    enum relay_output output;
};

enum relay_end {
    RELAY_OUTPUT_ENDED, /* the shim closed: the process is gone */
    RELAY_DETACHED,     /* the client typed the detach keys */
    RELAY_HUNG_UP,      /* the client closed the connection or stopped reading */
    RELAY_STDIN_ENDED,  /* the client's stdin ended and that ends the stream */
    RELAY_SHUTDOWN,     /* the daemon is stopping */
};

/* Run until one of the ends above. extra: bytes the client sent with the
 * request (stdin when attached). Closes neither fd. */
enum relay_end api_relay(int sock, int shim, const struct relay_opts *o, const char *extra,
                         size_t extra_len);

/* docker's detachKeys syntax (term.ToBytes): "ctrl-p,ctrl-q", "ctrl-@".."ctrl-_",
 * single characters, "DEL". MD_EINVAL "Invalid detach keys (<spec>) provided". */
int api_detach_keys(const char *spec, unsigned char *out, size_t cap, size_t *n,
                    struct md_error *err);
