/* Small file and process helpers shared by the daemon side of the runtime
 * and the shim: atomic writes, pid files with start times, recursive mkdir
 * and removal. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* Atomic replace (fs_write_replace_at) without fsync, for exec-root state
 * (specs, pid files, exit records): readers see the old or the new file,
 * never a torn one, and
 * nothing there outlives a reboot (tmpfs /run), so the disk flush that
 * would cost milliseconds per exec on a disk-backed exec-root buys nothing. */
int util_write_volatile(const char *path, const char *data, size_t len, struct md_error *err);
/* Write a whole string to an existing file (cgroup knobs): one write(2). */
int util_write_file(const char *path, const char *s, bool create, struct md_error *err);
/* "<pid> <starttime>\n" (util_write_volatile) */
int util_write_pid_file(const char *path, pid_t pid, uint64_t start, struct md_error *err);
int util_read_pid_file(const char *path, pid_t *pid, uint64_t *start, struct md_error *err);
/* pid runs (not a zombie) and started at `start`. */
bool util_proc_alive(pid_t pid, uint64_t start);
/* Field 22 of /proc/<pid>/stat; 0 if the process does not exist. */
uint64_t util_proc_start_time(pid_t pid);
/* Is path a mount point (statx STATX_ATTR_MOUNT_ROOT)? -1 on error. */
int util_is_mountpoint(const char *path);
/* Wait up to grace_ms for the shim recorded in exec_dir (shim.pid, start
 * time checked) to exit, SIGKILL it after that, and reap it if it is our
 * child. */
void util_stop_shim(const char *exec_dir, int grace_ms);
/* CLOCK_REALTIME in ns. */
int64_t util_now_ns(void);
/* Monotonic ms, for timeouts. */
int64_t util_mono_ms(void);
/* Sleep ms milliseconds. */
void util_sleep_ms(int ms);
/* C-style escaping for the spec and the protocol: every byte outside
 * printable ASCII, space and backslash becomes \xHH; "" becomes \e. */
char *util_escape(const char *s);
/* Inverse of util_escape; NULL on malformed input. */
char *util_unescape(const char *s);
