/* minidock-shim: one per container, detached from the daemon. Owns the
 * container's stdio, writes its json-file log, serves the attach socket,
 * reaps PID 1 and records its exit.
 *
 * Modes (fd 3: the socket to the daemon):
 *   `minidock-shim run EXEC_DIR` starts a container from EXEC_DIR/spec;
 *   `minidock-shim exec EXEC_DIR` joins a running container's namespaces
 *   (EXEC_DIR/spec names the container's exec dir) and runs one process
 *   there, with its own attach socket in EXEC_DIR.
 * Both serve with the same event loop (shim_io_run): nothing in io.c knows
 * how the process was started. */
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
    int log_fd;     /* json-file log; -1: none (see shim_log_open) */
    int sync_fd;    /* PID 1's sync socket: release and exec result; -1: released */
    pid_t pid;      /* the process whose exit ends the loop */
    int winsize_fd; /* pty master for resize, or -1 */

    /* called once pid has exited and its output is drained, before any
     * client's stream ends: an exit code recorded here is known to whoever
     * sees the stream close (docker exec inspects right after) */
    void (*on_exit)(struct shim_io *io, void *arg);
    void *on_exit_arg;
    /* the container's shim only: fork a shim for the exec prepared in
     * exec/<id>, which takes over conn (the daemon's connection). 0, or -1
     * with errno. NULL: the "exec" command is refused. */
    int (*fork_exec)(void *arg, const char *id, int conn);
    void *fork_exec_arg;
    /* drop start-up pages (md_trim_rss) a second after the loop starts,
     * not before: a short run exits without faulting them back in */
    bool trim_late;
    /* the process runs before the daemon has attached (an exec started at
     * once): its output waits until "go", then goes to the clients attached
     * by then (none: dropped, as for a detached exec). The shim stays until
     * then, or until hold_deadline (CLOCK_MONOTONIC ms). */
    bool hold;
    int64_t hold_deadline;

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
    struct logfmt_clock clock;
    char *held; /* output kept while hold: records [stream][u32 length][bytes] */
    size_t heldlen, heldcap;
    bool go_seen;
    char *logbuf; /* json-file records not yet written */
    size_t loglen, logcap;
    /* rotation (logfile.c): log_path is NULL when nothing rotates */
    const char *log_path, *log_attrs;
    int64_t log_size, log_max_size;
    int log_max_file;
    bool log_compress;
    pid_t compress_pid; /* the child gzip'ing the last rotated file, 0: none */
    int sig_fd;
};

/* Serve until pid has exited and its output is drained; then flush and
 * close every client. Returns 0, or -1 on a setup failure. */
int shim_io_run(struct shim_io *io);

/* The json-file log of plan p (log_path set): opened for appending, with
 * its rotation settings, into io. */
struct rt_plan;
struct md_error;
int shim_log_open(struct shim_io *io, const struct rt_plan *p, struct md_error *err);
/* The log reached max-size: rotate it as docker does (logfile.c). */
void shim_log_rotate(struct shim_io *io);
/* Wait for the child compressing the last rotated file, if any. */
void shim_log_wait_compress(struct shim_io *io);

/* Container start: clone PID 1 from the spec in exec_dir and fill io.
 * Reports to the daemon on daemon_fd. */
int shim_run_container(const char *exec_dir, int daemon_fd);
/* exec: fork a process into the container named by exec_dir/spec.
 * Reports "ready" on daemon_fd, and "exit <code>" before its attach
 * clients see their streams end. */
int shim_run_exec(const char *exec_dir, int daemon_fd);
/* The container's shim forks the shim of exec ctr_exec_dir/exec/<id>,
 * which serves conn as its daemon socket (fork_exec of struct shim_io). */
int shim_fork_exec(void *ctr_exec_dir, const char *id, int conn);

/* Shared by both modes (container.c). */
struct rt_spec;
struct md_error;
/* Ignore terminal, session and pipe signals; block SIGCHLD (io.c reads it
 * from a signalfd). */
void shim_signals(void);
/* "ready <pid> <start>\n" or "err <errno> <message>\n" to the daemon. */
void shim_tell_daemon(int fd, const char *line);
void shim_tell_error(int fd, const struct md_error *e);
/* exec_dir/attach.sock, listening; also makes exec_dir our cwd. */
int shim_listen_attach(const char *exec_dir, struct md_error *err);
void shim_set_nonblock(int fd);
int shim_join_cgroups(const struct rt_spec *s, pid_t pid, struct md_error *err);
/* One sync message from the child within ms. 1: got it; 0: EOF. */
int shim_recv_timeout(int fd, char *type, int *e, char **msg, int *passfd, int ms);
void shim_describe_status(struct md_error *e, int st);
/* Cgroups (unless the child joined them itself), the child's setup
 * handshake and the pty master (see container.c). */
int shim_wait_ready(const struct rt_spec *spec, bool tty, const char *what, struct shim_io *io,
                    uint64_t *oom_base, bool joined, struct md_error *e);
/* Pipes for stdin (or /dev/null in in[0]), stdout, stderr; CLOEXEC. */
int shim_make_pipes(bool open_stdin, int in[2], int out[2], int errp[2], struct md_error *e);
/* docker's code for a wait status: the exit status, or 128+signal. */
int shim_exit_code(int status);
/* exec_dir/exit, written atomically. */
int shim_write_exit(const char *exec_dir, const struct shim_io *io, bool oom);
