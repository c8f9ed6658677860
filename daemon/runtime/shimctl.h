/* The daemon's side of talking to a shim, shared by container start
 * (spawn.c) and exec (exec.c). Internal to the runtime. */
#pragma once
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

struct rt_state;

/* fork, setsid, fork, exec `minidock-shim MODE EXEC_DIR`: the shim is
 * nobody's child in the daemon, in a session of its own, so neither the
 * daemon's death (even SIGKILL) nor its terminal reaches it. Only
 * async-signal-safe calls after fork: the daemon has threads. Returns our
 * end of the socket that is the shim's fd 3. */
int rt_spawn_shim(const char *mode, const char *exec_dir, struct md_error *err);
/* The shim running as shim_pid is the binary we would start now (same
 * inode): its code speaks today's protocols. */
bool rt_shim_is_current(pid_t shim_pid);
/* Read one line (up to '\n') within timeout_ms. Returns its length + 1, 0
 * on EOF without a line, -1 on error/timeout (errno). */
ssize_t rt_read_line(int fd, char *buf, size_t cap, int timeout_ms);
/* The last line of the shim's own log, for "the shim died" errors. */
char *rt_shim_log_tail(const char *exec_dir);
/* A connection to exec_dir/attach.sock (CLOEXEC). Not there: MD_ECONFLICT
 * "container is not running". */
int rt_shim_connect(const char *exec_dir, struct md_error *err);
/* One control command on exec_dir/attach.sock and its one-line reply. */
int rt_shim_control(const char *exec_dir, const char *cmd, struct md_error *err);
/* Wait for the shim's "ready PID START" (or its error) on sync and read
 * its pid file; what names it in messages ("shim", "exec shim"). */
int rt_await_ready(int sync, const char *exec_dir, const char *what, int timeout_ms,
                   struct rt_state *st, struct md_error *err);
