/* Volumes of the "local" driver: data-root/volumes/<name>/_data holds the
 * data, volumes/<name>/volume.json the metadata (labels, driver options,
 * creation time), written atomically; both are loaded at daemon start. A
 * volume with mount options (type/device/o) is mounted on its _data when
 * the first container using it starts and unmounted when the last one
 * stops, as docker's local driver does. Who uses a volume is the
 * container side's to say (vol_set_usage_check). */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* The label docker (25+) puts on anonymous volumes; prune without all=true
 * removes only volumes that carry it. */
#define VOL_ANON_LABEL "com.docker.volume.anonymous"

/* The local driver's name rule, with docker's message ("create NAME: ..."). */
int vol_name_check(const char *name, struct md_error *err);
/* The local driver's options (type, device, o, size; o needs device and
 * type, and each of type and device needs the other). opts: NULL or an
 * object of strings. Errors carry "create NAME: " as docker's do. */
int vol_opts_check(const char *name, json_t *opts, struct md_error *err);
/* Split a mount option string ("bind,ro,size=64m") into mount(2) flags and
 * the filesystem's data ("size=64m"); *data is NULL when nothing is left. */
void vol_mount_options(const char *o, unsigned long *flags, char **data);

/* Load every volume (data-root/volumes). */
int vol_init(struct md_error *err);

/* Create a volume, or return the existing one of that name (its options
 * then stay as they were, as docker's). name NULL: an anonymous volume (a
 * random 64-hex name and VOL_ANON_LABEL). driver NULL or "" is "local";
 * labels/opts may be NULL. The volume's name goes to out_name (size 256)
 * when given; *created tells whether it is new. The new volume is held (see
 * vol_unhold) when hold is true, so a concurrent remove cannot take it
 * before a container record references it. */
int vol_create(const char *name, const char *driver, json_t *labels, json_t *opts, bool hold,
               char out_name[256], bool *created, struct md_error *err);
void vol_unhold(const char *name);
/* The API's Volume object; MD_ENOTFOUND "get NAME: no such volume". */
json_t *vol_inspect(const char *name, struct md_error *err);
bool vol_exists(const char *name);
/* Every volume's Volume object, sorted by name. */
json_t *vol_list(void);
/* Remove a volume and its data. In use: MD_ECONFLICT "remove NAME: volume
 * is in use - [IDS]". force: a missing volume is not an error. */
int vol_remove(const char *name, bool force, struct md_error *err);
/* Total bytes under the volume's _data (prune's reclaimed space). */
long long vol_size(const char *name);

/* data-root/volumes/<name>/_data; caller frees. */
char *vol_data_path(const char *name);
/* A container that uses the volume starts: mount it when it has mount
 * options and is not mounted yet. Every vol_acquire is paired with one
 * vol_release when that container stops. */
int vol_acquire(const char *name, struct md_error *err);
void vol_release(const char *name);
/* After a daemon restart, once every running container acquired its
 * volumes again: unmount what no running container uses. */
void vol_reconcile(void);

/* Copy what dir_fd holds (the image's content at the volume's path) into
 * the volume's _data when that is empty, with owners, modes, times and
 * xattrs, as docker does on a volume's first use. */
int vol_copy_up(const char *name, int dir_fd, struct md_error *err);

/* Container ids that reference the volume (any state); NULL-terminated
 * vector, NULL when none. Registered by the container side. */
typedef char **(*vol_usage_fn)(const char *name);
void vol_set_usage_check(vol_usage_fn fn);
/* The ids of the containers that use the volume (as vol_usage_fn). */
char **vol_users(const char *name);
