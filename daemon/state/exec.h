/* Exec instances (`docker exec`): in-memory records of processes started
 * in a running container, as moby keeps them. An exec is created, started
 * once (prepared, then released), and its exit is learnt from its shim's
 * status socket by one monitor thread, which then removes its exec dir.
 * Records stay for inspect until their container is removed, or about ten
 * minutes after they ended (moby's exec GC).
 *
 * Locking: the fields below the "state" mark are protected by the
 * container store lock (cstore_lock), and changes wake cstore_wait. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/state/container.h"

struct exec_config {
    char **argv;       /* Cmd; argv[0] required */
    char **env;        /* may be NULL */
    char *user;        /* "" = the container's */
    char *workdir;     /* "" = the container's */
    char *detach_keys; /* as sent; "" = ctrl-p,ctrl-q */
    bool tty, attach_stdin, attach_stdout, attach_stderr, privileged;
    uint16_t console_h, console_w;
};

void exec_config_clear(struct exec_config *c);

struct exec_inst {
    char id[65];
    struct container *c; /* a reference */
    struct exec_config cfg;
    unsigned char keys[32]; /* the parsed detach keys; none = the default */
    size_t nkeys;

    /* state */
    bool running;  /* started (moby's Running): until the process ended */
    bool prepared; /* the process waits for release / runs: resize works */
    bool has_exit;
    int exit_code;
    bool can_remove;
    pid_t pid;
    uint64_t pid_start; /* guards exec_kill against pid reuse */
    int64_t ended_ms;
    int refs;
};

/* moby's checks and wording; MD_ECONFLICT "container <id> is not running",
 * "Container <ref> is paused, unpause the container before exec"; the user
 * is resolved in the container's /etc/passwd now (MD_EINVAL). On success
 * cfg is taken over (zeroed); the caller clears it either way. Emits
 * exec_create. */
int exec_create(struct container *c, const char *ref, struct exec_config *cfg,
                struct exec_inst **out, struct md_error *err);
/* A new reference; MD_ENOTFOUND "No such exec instance: <id>". */
int exec_find(const char *id, struct exec_inst **out, struct md_error *err);
void exec_put(struct exec_inst *e);
/* The container is still there and running, not paused or restarting
 * (what moby checks before start and resize). */
int exec_check_active(struct exec_inst *e, struct md_error *err);
/* Mark it started: MD_ECONFLICT "exec command <id> has already run" /
 * "is already running". Emits exec_start. */
int exec_begin(struct exec_inst *e, struct md_error *err);
/* Set the process up (console size h, w overrides the create's when set).
 * On failure the exec has ended with docker's exit code for the message,
 * and err carries the text docker puts into the stream. */
int exec_prepare(struct exec_inst *e, uint16_t h, uint16_t w, struct md_error *err);
/* Let the prepared process exec; on failure like exec_prepare. */
int exec_release(struct exec_inst *e, struct md_error *err);
/* After the output stream ended: wait up to timeout_ms for the exit code,
 * which the shim sends before it ends any stream. */
void exec_wait_exit(struct exec_inst *e, int timeout_ms);
/* Signal the process while it runs (a healthcheck's probe past its
 * timeout); nothing once it has ended. */
void exec_kill(struct exec_inst *e, int sig);
/* Resize its pty; waits (like moby, up to 10 s) for the process to start. */
int exec_resize(struct exec_inst *e, uint16_t h, uint16_t w, struct md_error *err);
/* exec-root/<container>/exec/<id>. Caller frees. */
char *exec_dir_of(const struct exec_inst *e);
/* Ids of the container's execs that have not ended (inspect's ExecIDs);
 * store lock held. NULL when there are none. */
char **exec_ids_live(const struct container *c);

/* A container event with its usual attributes (image, name, labels) plus
 * extra (stolen, may be NULL). */
void exec_container_event(struct container *c, const char *action, json_t *extra);

/* moby's setExitCodeFromError: the exit code a failed exec start gets from
 * its message (126 permission denied / a directory, 127 not found, 126 by
 * default). */
int exec_exit_code_for(const char *msg);
/* The message docker shows for a process that could not start:
 * "OCI runtime exec failed: exec failed: unable to start container
 * process: <msg>: unknown". Caller frees. */
char *exec_start_error_text(const char *msg);
