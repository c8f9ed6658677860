/* The container runtime, as the daemon's API layer sees it: a validated,
 * typed plan goes in; overlay rootfs, cgroups, a detached minidock-shim and a
 * prepared (not yet exec'd) PID 1 come out. No JSON, no HTTP here.
 *
 * Life of a container:
 *   rt_prepare  -> PID 1 is set up inside its namespaces and waits; its
 *                  exit_fd reads EOF once PID 1's exit is recorded
 *   rt_attach_connect (optional, as many as needed: `docker run` streams)
 *   rt_release  -> PID 1 execs the command (exec errors reported here)
 *   rt_watch    -> after a daemon restart, instead of exit_fd: a pidfd
 *                  readable when the shim exits; then rt_read_exit
 *   rt_cleanup  -> undo everything but the writable layer (upper/)
 *   rt_rootfs_remove -> `docker rm`: the writable layer too
 * Every function returns 0 (or an fd) on success, -1 with *err filled. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/runtime/seccomp.h"

/* What goes into the container's filesystem besides the rootfs: binds
 * (host paths and volumes' data dirs) and tmpfs instances. Mounted parents
 * first (by the depth of dest), whatever the order here. */
enum rt_mount_kind { RT_MOUNT_BIND, RT_MOUNT_TMPFS };

/* A read-only bind's submounts: read-only too where the kernel can
 * (mount_setattr, 5.12), left as they are, or the mount fails without it. */
enum rt_ro_mode { RT_RO_RECURSIVE_IF_POSSIBLE, RT_RO_NONRECURSIVE, RT_RO_FORCE_RECURSIVE };

struct rt_mount {
    char *source; /* bind: host path, file or directory (trusted: it comes from the user);
                   * created as a directory when missing, like docker -v, unless must_exist;
                   * tmpfs: NULL */
    char *dest;   /* absolute path inside the container; missing mount points are created */
    bool readonly;
    enum rt_mount_kind kind;
    bool must_exist;           /* bind: a missing source is an error (--mount) */
    bool nonrecursive;         /* bind: MS_BIND without MS_REC */
    enum rt_ro_mode ro_mode;   /* bind, readonly */
    unsigned long propagation; /* bind: MS_PRIVATE, MS_SHARED, ... | MS_REC; 0 = rprivate */
    unsigned long flags;       /* tmpfs: MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_RDONLY, ... */
    char *data;                /* tmpfs: "size=64m,mode=1777"; may be NULL */
};

struct rt_ulimit {
    int resource; /* RLIMIT_* */
    uint64_t soft, hard;
};

/* 0 = unset everywhere. memory_swap: -1 = unlimited, else memory+swap total
 * (docker's default of 2*memory is the caller's to apply, so inspect shows
 * it). pids_limit: -1 = unlimited. */
struct rt_limits {
    int64_t memory;
    int64_t memory_swap;
    int64_t nano_cpus;
    int64_t cpu_shares;
    int64_t pids_limit;
    /* devices-cgroup rules ("c 1:3 rwm") allowed beyond docker's defaults:
     * rt_prepare sets it from the plan's devices and device_rules for
     * cgroup_create; a plan's own limits leave it NULL */
    char **device_rules;
};

/* --device: a host device node made in the container and allowed in its
 * devices cgroup. */
struct rt_device {
    char *source; /* absolute host path of a char or block device */
    char *dest;   /* absolute path in the container */
    char *perms;  /* cgroup permissions, some of "rwm" */
};

/* Everything needed to start one container. rt_plan_validate() checks it
 * before any syscall; rt_prepare() calls it too. The runtime copies what it
 * needs: the caller keeps ownership of its plan. */
struct rt_plan {
    char id[65];   /* 64 hex chars */
    char **layers; /* lower layer dirs, top-most first (overlay lowerdir order); NULL-terminated */
    char *rootfs_dir; /* data-root/overlay/<id>: upper/, work/, merged/ (created if missing) */
    char **argv;      /* resolved entrypoint + cmd; NULL-terminated, argv[0] required */
    char **env;       /* NULL-terminated "K=V"; HOME is added from passwd when absent */
    char *cwd;        /* absolute; NULL or "" = "/"; created if missing, like docker */
    char *user;       /* "", "uid", "uid:gid", "name", "name:group" (resolved in the child) */
    char **group_add; /* extra supplementary groups: names or gids; may be NULL */
    char *hostname;   /* the caller passes the default (first 12 chars of id) */
    char *domainname; /* NULL: none (the UTS namespace's "(none)") */
    char *etc_dir; /* containers/<id>: hostname, hosts, resolv.conf bound over /etc/ when present */
    struct rt_mount *mounts;
    size_t nmounts;
    struct rt_ulimit *ulimits; /* clamped to the current hard limit, never raised above it */
    size_t nulimits;
    bool tty, open_stdin, stdin_once, init;
    bool read_only_rootfs;
    bool rootfs_volatile;      /* --rm: the overlay skips syncs; nothing of it outlives the run */
    bool privileged;           /* every capability in the daemon's bounding set; no masked paths */
    bool no_new_privs;         /* PR_SET_NO_NEW_PRIVS before exec (execs inherit it) */
    enum seccomp_mode seccomp; /* privileged overrides it: no filter */
    /* SECCOMP_PROFILE: the profile, compiled by rt_prepare into exec_dir for
     * PID 1 and the execs; not carried to the spec file (plan_copy: NULL) */
    struct seccomp_profile *seccomp_profile;
    char **cap_add; /* "NET_ADMIN" or "CAP_NET_ADMIN", "ALL"; may be NULL */
    char **cap_drop;
    uint16_t console_h, console_w; /* initial pty size when tty (0 = leave the default) */
    struct rt_limits limits;
    char *netns_path; /* NULL: new netns, lo up; "host": the host's; else a netns path to join */
    /* the other namespaces, the same way: NULL new, "host", or a path
     * (/proc/PID/ns/pid of the container whose namespace is joined) */
    char *pidns_path;
    char *ipcns_path;
    char *utsns_path; /* NULL or "host": no sethostname then */
    /* /dev/shm: NULL a tmpfs of shm_size; "host" the host's /dev/shm;
     * "none" no mount (IpcMode none); else a mount namespace path whose
     * /dev/shm is bound (an IPC donor's) */
    char *shm_from;
    int64_t shm_size; /* bytes; 0: docker's 64 MiB */
    char **sysctls;   /* key, value, ...: written under /proc/sys before the command runs */
    struct rt_device *devices;
    size_t ndevices;
    char **device_rules; /* --device-cgroup-rule "c 1:3 rwm" */
    int oom_score_adj;   /* written to /proc/self/oom_score_adj of PID 1 */
    char *exec_dir;      /* exec-root/<id>: shim.pid, pid, attach.sock, exit, shim.log (created) */
    char *log_path;      /* json-file log, appended */
    /* json-file rotation, in the shim as docker's log writer does it: once
     * the log holds log_max_size bytes (<= 0: never) the next record goes
     * to a new file; log_path.1 ... log_path.<max_file-1> keep the older
     * ones (gzip'ed to .N.gz when log_compress). */
    int64_t log_max_size;
    int log_max_file;
    bool log_compress;
    char *log_attrs;     /* NULL, or a JSON object's text, each record's "attrs" */
    char *cgroup_parent; /* NULL/"" = "minidock"; absolute: from each hierarchy's root;
                          * relative: beneath the daemon's own cgroup in each hierarchy */
    int stop_signal;     /* recorded for the API layer; the runtime does not use it */
};

/* Who runs a container. The *_start fields are /proc/<pid>/stat start times
 * (clock ticks since boot) and guard against pid reuse; persist them with the
 * pids if convenient, rt_reconnect() re-reads them from exec_dir anyway. */
struct rt_state {
    pid_t shim_pid;
    pid_t pid; /* host pid of container PID 1 */
    uint64_t shim_start;
    uint64_t pid_start;
};

struct rt_exit {
    int code;            /* exit status, or 128+signal */
    bool oom_killed;     /* the container's memory cgroup OOM-killed something */
    int64_t finished_ns; /* CLOCK_REALTIME */
};

struct rt_stats {
    uint64_t mem_usage;         /* bytes, including page cache */
    uint64_t mem_limit;         /* bytes; 0 = unlimited */
    uint64_t mem_inactive_file; /* docker subtracts this from usage */
    uint64_t cpu_usage_ns;
    uint64_t cpu_user_ns;
    uint64_t cpu_system_ns;
    uint64_t pids_current;
    uint64_t pids_limit; /* 0 = unlimited */
};

/* Once at daemon start. cgroup_root is "/sys/fs/cgroup" (or a test tree);
 * detects unified/hybrid/legacy, records the daemon's own cgroups. shim_path
 * is the minidock-shim binary. Shims are the daemon's children (each in a
 * session of its own); rt_cleanup reaps them; if the daemon dies they pass
 * to init and keep running. Makes the calling process a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so what a dying shim leaves is ours to reap. */
int rt_init(const char *cgroup_root, const char *shim_path, struct md_error *err);
/* At daemon exit: remove what the runtime kept for the next container (the
 * containers' parent cgroups, if no container is left in them). */
void rt_shutdown(const char *cgroup_parent);
/* Keep the containers' seccomp filters compiled in dir (emptied first), one
 * per capability set: compiling one takes PID 1 milliseconds per start.
 * Without this call every PID 1 compiles its own. */
int rt_seccomp_cache(const char *dir, struct md_error *err);
const char *rt_cgroup_version(void); /* "2" or "1" (what `docker info` calls CgroupVersion) */
const char *rt_cgroup_mode(void);    /* "unified", "hybrid", "legacy" */

/* Write new limits into a running container's cgroups (docker update); the
 * device rules stay. */
int rt_update_limits(const char *id, const char *cgroup_parent, const struct rt_limits *l,
                     struct md_error *err);
/* docker's checks of a set of limits, with its messages. */
int rt_limits_validate(const struct rt_limits *l, struct md_error *err);
/* Structural checks only (no filesystem access): MD_EINVAL with a message. */
int rt_plan_validate(const struct rt_plan *p, struct md_error *err);
/* Frees every field of a heap plan (and the plan itself). */
void rt_plan_free(struct rt_plan *p);

/* Mount the overlay, create the cgroup and write limits, spawn the detached
 * shim, which clones PID 1; PID 1 does all its setup and waits. Returns once
 * it is ready; on failure *err carries the child's {errno, message} and
 * everything done so far is undone. exit_fd (if not NULL) gets a socket
 * that reads EOF once the shim has recorded PID 1's exit (or died): sooner
 * than rt_watch, which waits for the shim's own exit. */
int rt_prepare(const struct rt_plan *p, struct rt_state *st, int *exit_fd, struct md_error *err);
/* Let PID 1 exec. 0 once execve succeeded; else docker's wording:
 * `exec: "nosuch": executable file not found in $PATH` (err ENOENT, exit
 * code 127 recorded), permission denied (EACCES, 126). */
int rt_release(const char *exec_dir, struct md_error *err);

/* A connected stream to the shim (MD_ECONFLICT "container is not running"
 * when there is none). Attach before rt_release to get every byte. Output:
 * docker multiplexed frames
 * (8-byte header, stream 1 or 2) when the container has no tty, raw bytes
 * with a tty. Input: raw stdin bytes; shutdown(SHUT_WR) = stdin EOF. The
 * shim closes it after the last output when the container exits. */
int rt_attach_connect(const char *exec_dir, bool in, bool out, bool errs, struct md_error *err);
int rt_resize(const char *exec_dir, uint16_t h, uint16_t w, struct md_error *err);
/* Signal PID 1 (pidfd, checked against pid reuse). */
int rt_kill(const struct rt_state *st, int sig, struct md_error *err);
/* Pause/unpause: cgroup2 cgroup.freeze (waits for frozen), else v1 freezer. */
int rt_freeze(const char *id, const char *cgroup_parent, bool freeze, struct md_error *err);
/* A pidfd (CLOEXEC) that becomes readable when the shim exits. */
int rt_watch(const struct rt_state *st, struct md_error *err);
/* The exit record the shim wrote; MD_ENOTFOUND while there is none. */
int rt_read_exit(const char *exec_dir, struct rt_exit *ex, struct md_error *err);
/* After a daemon restart: read the shim and container pids from exec_dir and
 * check they are really ours (start times; a live PID 1 must be the shim's
 * child). 0 while the shim runs, even if PID 1 just exited (the shim is
 * writing the exit record: watch it). MD_ENOTFOUND when the shim is gone or
 * a zombie: read the exit record then. */
int rt_reconnect(const char *exec_dir, struct rt_state *st, struct md_error *err);
/* Unmount the overlay, kill whatever is left in the cgroup, stop the shim
 * and every exec's shim (under exec_dir/exec), remove the cgroup dirs and
 * exec_dir. Keeps rootfs_dir/upper. Idempotent. */
int rt_cleanup(const char *id, const char *rootfs_dir, const char *exec_dir,
               const char *cgroup_parent, struct md_error *err);
int rt_stats(const char *id, const char *cgroup_parent, struct rt_stats *out, struct md_error *err);

/* ---- exec: a process joined to a running container (`docker exec`) ----
 *
 * Its own minidock-shim (`minidock-shim exec EXEC_DIR`) joins the mount,
 * UTS, IPC, network, cgroup and PID namespaces of the container's PID 1 (a
 * pidfd, checked against the start time in the container's exec dir) and
 * its cgroups, takes the container's user, environment, working dir,
 * capabilities, no_new_privs and seccomp (as docker: exec settings replace
 * or add to the container's), gets a pty of its own when tty, and serves its
 * own attach socket in exec_dir. Life of an exec:
 *   rt_exec_prepare -> the process is set up and waits (exec_fd returned)
 *   rt_attach_connect(exec_dir, ...) (optional)
 *   rt_exec_release -> it execs (docker's exec errors reported here)
 *   rt_exec_read_status(exec_fd) -> the exit code, written by the shim
 *       before it closes its attach clients
 *   rt_exec_cleanup -> reap the shim, remove exec_dir
 * rt_resize, rt_read_exit, rt_watch and rt_reconnect take exec_dir too. */
struct rt_exec_plan {
    char id[65];        /* exec id, 64 hex chars */
    char *ctr_exec_dir; /* the container's exec dir: its spec and PID 1's pid file */
    char *exec_dir;     /* this exec's dir, created (conventionally ctr_exec_dir/exec/<id>) */
    char **argv;        /* NULL-terminated, argv[0] required (looked up in the container's PATH) */
    char **env;         /* "K=V" replaces or adds to the container's env; "K" unsets it */
    char *user;         /* NULL/"" = the container's user */
    char *cwd;          /* NULL/"" = the container's working dir; must exist (runc exec) */
    bool tty, open_stdin; /* open_stdin: a pipe (no tty); else /dev/null */
    bool privileged;      /* every capability in the daemon's bounding set */
    uint16_t console_h, console_w;
};

int rt_exec_validate(const struct rt_exec_plan *p, struct md_error *err);
/* Returns the shim's status socket (CLOEXEC; poll it, then
 * rt_exec_read_status) and fills st (pid: the process's host pid). The
 * container not running: MD_ECONFLICT. Failures in the process's setup
 * (user, working dir) come back with the child's message; nothing is left
 * behind then. */
int rt_exec_prepare(const struct rt_exec_plan *p, struct rt_state *st, struct md_error *err);
/* Let it exec: 0, or docker's wording (ENOENT -> exit 127, EACCES -> 126;
 * the shim records that code as the exit). */
int rt_exec_release(const char *exec_dir, struct md_error *err);
/* Read the status socket (non-blocking): 1 with *code once the process
 * has exited and its output is drained; 0 at EOF (the shim is gone; try
 * rt_read_exit); -1 with errno (EAGAIN: nothing yet). */
int rt_exec_read_status(int fd, int *code);
/* Stop (grace_ms, then SIGKILL) and reap the exec's shim, remove exec_dir. */
int rt_exec_cleanup(const char *exec_dir, int grace_ms, struct md_error *err);
/* docker exec -u: resolve user against the container's /etc/passwd and
 * /etc/group (rootfs: the mounted root, resolved inside it); MD_EINVAL
 * "unable to find user x: no matching entries in passwd file". */
int rt_exec_check_user(const char *rootfs, const char *user, struct md_error *err);

/* The overlay alone (docker cp / export / commit of a stopped container). */
/* volatile_upper: skip the syncs (an --rm container's: its upper dir is
 * deleted when it stops, so a umount need not write it back first). */
int rt_rootfs_mount(char *const *layers, const char *rootfs_dir, bool volatile_upper,
                    struct md_error *err);
int rt_rootfs_umount(const char *rootfs_dir, struct md_error *err);
/* The container's rootfs as a new overlay instance attached nowhere: an fd
 * of its root (O_CLOEXEC), gone with the last fd, so a daemon that dies
 * mid-request leaves no mount behind. Only while no other instance uses
 * upper/ (the container is not running: overlay gives no coherence between
 * two instances). */
int rt_rootfs_open(char *const *layers, const char *rootfs_dir, struct md_error *err);
/* `docker rm`: unmount if needed, then delete rootfs_dir with upper/. */
int rt_rootfs_remove(const char *rootfs_dir, struct md_error *err);
