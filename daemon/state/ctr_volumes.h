/* A container's volumes, between the lifecycle and daemon/volume: which
 * volumes it uses (named ones from Binds and Mounts, anonymous ones from
 * Config.Volumes, the image's included), recorded as its MountPoints at
 * create; mounted and filled with the image's content at start, released
 * at exit; its anonymous ones removed with it when asked (rm -v, --rm). */
#pragma once
#include <jansson.h>

#include "common/error.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/container.h"

/* At create, after the spec was built: create (or find) the volumes of
 * its volume mounts, recording their names in c->mount_points (held until
 * ctr_volumes_created). Nothing is left on failure. */
int ctr_volumes_create(struct container *c, struct md_error *err);
/* The record is in the store: its volumes are referenced from now on. */
void ctr_volumes_created(struct container *c);
/* The create failed after ctr_volumes_create: remove what it made. */
void ctr_volumes_undo(struct container *c);
/* The binds of the container's volumes, appended to the plan (pure). */
void ctr_volumes_plan(const struct container *c, struct rt_plan *p);
/* At start, before rt_prepare: mount the volumes that need it and copy the
 * image's content into new ones. All or nothing. */
int ctr_volumes_start(struct container *c, const struct rt_plan *p, struct md_error *err);
/* At exit, or when a start failed after ctr_volumes_start. */
void ctr_volumes_stop(struct container *c);
/* After the record was removed: remove its anonymous volumes (rm -v). */
void ctr_volumes_remove_anonymous(struct container *c);
/* At daemon start, after the records were restored: running containers
 * take their volumes again; the rest are unmounted. */
void ctr_volumes_restore(void);
/* The name of the volume a volume mount of c's spec uses (an anonymous
 * one's was chosen at create); NULL for other mounts. */
const char *ctr_volumes_name(const struct container *c, const struct ctr_mount *m);
/* inspect's Name, Source and Driver of a volume mount, set on e. */
void ctr_volumes_mount_json(const struct container *c, const struct ctr_mount *m, json_t *e);
