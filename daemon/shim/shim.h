/* minidock-shim: one per container, detached from the daemon. Owns the
 * container's stdio, writes its json-file log, serves the attach socket,
 * reaps PID 1 and records its exit.
 *
 * Modes: `minidock-shim run EXEC_DIR` (fd 3: sync socket to the daemon)
 * starts a container from EXEC_DIR/spec. A later `exec` mode will setns
 * into a running container's namespaces and serve its own attach socket
 * with the same event loop (shim_io_run): nothing in io.c knows how the
 * process was started. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "daemon/runtime/logfmt.h"

struct shim_client;

/* The event loop's world. The starter fills the first block. */
struct shim_io {
    bool tty, open_stdin, stdin_once;
    int stdin_fd;   /* our write end (pipe or pty master); -1: none */
    int out_fd[2];  /* read ends: stdout, stderr (tty: master, -1) */
    int listen_fd;  /* attach socket */
    int log_fd;     /* json-file log; -1: none */
    int sync_fd;    /* PID 1's sync socket: release and exec result; -1: released */
    pid_t pid;      /* the process whose exit ends the loop */
    int winsize_fd; /* pty master for resize, or -1 */

    /* filled by the loop */
    int status; /* wait status of pid */
    int64_t finished_ns;

    /* internal */
    struct shim_client *clients;
    char *inbuf;
    size_t inlen;
    bool stdin_closing;
    bool released, exec_done;
    int exec_errno;
    char *exec_msg;
    bool exited;
    struct logfmt_lines lines[2];
    int sig_fd;
};

/* Serve until pid has exited and its output is drained; then flush and
 * close every client. Returns 0, or -1 on a setup failure. */
int shim_io_run(struct shim_io *io);

/* Drop start-up pages from the resident set (trim.c). */
void shim_trim_rss(void);

/* Container start: clone PID 1 from the spec in exec_dir and fill io.
 * Reports to the daemon on daemon_fd. */
int shim_run_container(const char *exec_dir, int daemon_fd);
