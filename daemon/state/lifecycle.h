/* A container's life: create, start, stop, kill, pause, restart, remove; the
 * monitor that learns of exits from the shims' pidfds; restart policies; and
 * live restore after a daemon restart. Errors carry docker's wording and an
 * MD_E* code the API maps to a status. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/state/container.h"

/* Reload every record, reconnect to live shims, record exits that happened
 * while the daemon was away, start the exit monitor, apply restart
 * policies. */
int lifecycle_init(struct md_error *err);
void lifecycle_shutdown(void);

/* body: the create request (Config fields at the top level, HostConfig,
 * NetworkingConfig), already decoded against schema_container_create (keys
 * canonical, types checked). name may be NULL (a random one is chosen). */
int ctr_create(json_t *body, const char *name, struct container **out, struct md_error *err);
int ctr_start(struct container *c, struct md_error *err);
/* timeout: seconds, -1 = the container's StopTimeout or 10; sig 0 = its StopSignal. */
int ctr_stop(struct container *c, int timeout, int sig, struct md_error *err);
int ctr_kill(struct container *c, int sig, struct md_error *err);
int ctr_pause(struct container *c, bool pause, struct md_error *err);
int ctr_restart(struct container *c, int timeout, struct md_error *err);
int ctr_remove(struct container *c, bool force, struct md_error *err);
int ctr_rename(struct container *c, const char *name, struct md_error *err);
/* A container event: image and name (and its labels) as attributes, plus
 * extra's (stolen; may be NULL). */
void ctr_emit(struct container *c, const char *action, json_t *extra);

/* Attach streams that arrive before start register here; start lets PID 1
 * exec only once they are connected, so no output is lost. */
void ctr_attach_pending(struct container *c, int delta);

/* Exit code docker reports for a start failure's errno: 127, 126 or 128. */
int ctr_start_exit_code(int err);
