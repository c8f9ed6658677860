/* Container records: what a container is (its config as docker shows it),
 * where it is in its life, and the index by id and name. Records persist in
 * data-root/containers/<id>/config.json, written atomically on every change.
 *
 * Locking: one store lock protects the index and every record's fields; it is
 * never held across a slow operation (stop's grace period, a pull). A record
 * is kept alive by a reference while used outside the lock. Lifecycle verbs
 * on one container are serialised by its op_lock. */
#pragma once
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/state/ctr_spec.h"
#include "daemon/state/health.h"

enum ctr_status {
    CTR_CREATED,
    CTR_RUNNING,
    CTR_PAUSED,
    CTR_RESTARTING,
    CTR_REMOVING,
    CTR_EXITED,
    CTR_DEAD,
};

struct container {
    char id[65];
    char *name; /* without the leading '/' */
    int64_t created_ns;
    char *image_ref;       /* as the user typed it ("busybox") */
    char *image_id;        /* "sha256:..." */
    struct ctr_spec *spec; /* what it runs, typed; swapped by update under the
                            * store lock, never changed in place (ctr_spec.h) */
    /* Config and HostConfig as docker's inspect shows them, the JSON the
     * spec was parsed from: only inspect, ps and persistence read these */
    json_t *config;       /* Config (image defaults merged) */
    json_t *host_config;  /* HostConfig as sent (with defaults filled in) */
    json_t *net_settings; /* NetworkSettings (ports, networks) */
    json_t *mount_points; /* the volume each volume mount got (state/ctr_volumes.c) */
    char *path;           /* resolved argv[0] as docker's Path */
    json_t *args;         /* the rest, docker's Args */

    enum ctr_status status;
    pid_t pid, shim_pid;
    uint64_t pid_start, shim_start;
    int exit_code;
    bool oom_killed;
    char *error;
    int64_t started_ns, finished_ns; /* TIME_ZERO when never */
    int restart_count;
    bool manual_stop; /* stopped by a user: unless-stopped stays down */
    bool has_run;     /* started at least once (restart policies, ps) */
    /* State.Health; NULL: never had a probe */
    struct ctr_health *health;

    /* in memory only */
    int refs;
    bool removed;
    uint64_t exit_seq;  /* bumped on every exit: wait's conditions */
    int seq_exit_code;  /* that exit's code: a restart resets exit_code */
    bool exiting;       /* exited, its runtime state not yet undone */
    bool cleaned;       /* exited and its runtime state undone: rm need not again */
    bool prepared;      /* PID 1 waits for release: pending attaches connect now */
    int pending_attach; /* attach streams waiting to connect before release */
    int net_busy;       /* network connects/disconnects of a running one in flight */
    int watch_fd;       /* while running: the shim's exit socket or pidfd; else -1 */
    char *list_fixed;   /* the ps entry's unchanging members (api/containers.c) */
    /* its healthcheck monitor while one runs (state/health.c) */
    struct health_mon *health_mon;
    char *link_hosts;   /* /etc/hosts lines of its legacy links, set at start */
    /* the specs an update replaced: freed with the record */
    struct ctr_spec **retired;
    size_t nretired;
    pthread_mutex_t op_lock;
};

int cstore_init(struct md_error *err); /* load every record; see state_restore */
void cstore_lock(void);
void cstore_unlock(void);
/* Wake everyone in cstore_wait (after any change to a record). */
void cstore_broadcast(void);
/* Wait for a store change (store lock held); 0 or ETIMEDOUT. */
int cstore_wait(int timeout_ms);

/* Find by full id, unique id prefix, name or "/name". A new reference.
 * MD_ENOTFOUND "No such container: X". */
int cstore_find(const char *ref, struct container **out, struct md_error *err);
void ctr_get(struct container *c);
void ctr_put(struct container *c);

/* Add a new record (name checked for uniqueness under the lock). */
int cstore_add(struct container *c, struct md_error *err);
/* Drop from the index and delete its directory. */
void cstore_remove(struct container *c);
/* Snapshot of all records (new references), newest first. */
struct container **cstore_list(size_t *n);
void cstore_list_free(struct container **v, size_t n);
/* Rename (uniqueness checked); MD_ECONFLICT as docker words it. */
int cstore_rename(struct container *c, const char *name, struct md_error *err);
bool cstore_name_taken(const char *name, char owner_id[65]);

/* Persist the record (takes the store lock): durably (create, rename), or
 * for run-state changes only replaced atomically (start, exit, pause). */
int ctr_save(struct container *c, struct md_error *err);
int ctr_save_state(struct container *c, struct md_error *err);
json_t *ctr_to_json(const struct container *c); /* the persisted form */
struct container *ctr_new(void);

const char *ctr_status_name(enum ctr_status s); /* "running", "exited", ... */
/* docker's Status column: "Up 5 minutes (Paused)", "Exited (0) 3 seconds ago" */
char *ctr_status_text(const struct container *c, int64_t now_ns);
char *ctr_dir(const struct container *c); /* data-root/containers/<id> */
/* --log-driver none: no json-file log; `logs` is docker's 501 */
bool ctr_log_none(const struct container *c);

void state_counts(int *total, int *running, int *paused, int *stopped);
