/* The two small protocols around the shim.
 *
 * Attach socket (exec_dir/attach.sock, unix stream): the client sends one
 * line, then
 *   attach <stdin 0|1> <stdout 0|1> <stderr 0|1>\n   output frames / stdin bytes follow
 *   resize <h> <w>\n                                 answered "ok\n" or "err <errno> <msg>\n"
 *   go\n                                             release PID 1; answered likewise
 *   exec <exec id>\n                                 (container shim only) fork a shim for
 *                                                    the exec prepared in exec/<id>: this
 *                                                    connection is then its fd 3 (ready,
 *                                                    exit), as with a spawned exec shim
 *
 * Sync socket (SOCK_SEQPACKET, CLOEXEC) between the shim and PID 1: one
 * message per step; PID 1's end closes on a successful execve, which is how
 * the shim knows the exec worked. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

enum proto_kind { PROTO_ATTACH, PROTO_RESIZE, PROTO_GO, PROTO_EXEC };

struct proto_cmd {
    enum proto_kind kind;
    bool in, out, err;
    uint16_t h, w;
    char id[65]; /* exec: 64 hex digits */
};

#define PROTO_MAX_LINE 128

/* line: without the newline. -1 if malformed. */
int proto_parse(const char *line, struct proto_cmd *c);
/* Parse a control reply ("ok" / "err <errno> <msg>", no newline) into 0 or
 * -1 with err filled. */
int proto_reply_to_error(const char *line, struct md_error *err);

enum sync_type {
    SYNC_CGROUP = 'C', /* shim -> child: you are in your cgroups */
    SYNC_READY = 'R',  /* child -> shim: set up, waiting (may carry the pty master) */
    SYNC_GO = 'G',     /* shim -> child: exec now */
    SYNC_ERROR = 'E',  /* child -> shim: {errno, message}, then the child exits */
};

#define SYNC_MAX_MSG 2048

/* One message; passfd >= 0 is sent along (SCM_RIGHTS). -1 with errno. */
int sync_send(int fd, char type, int err, const char *msg, int passfd);
/* One message. Returns 1, 0 on EOF, -1 with errno. *msg: heap or NULL;
 * *passfd: received fd or -1. */
int sync_recv(int fd, char *type, int *err, char **msg, int *passfd);
