/* Container <-> volume glue: the volumes the spec's mounts name (created
 * or found at create), their binds in the plan, mounting and copy-up at
 * start, anonymous volume removal. What a volume mount is comes from the
 * spec (c->spec->mounts); the record's MountPoints only keep the state
 * that create chose, one object per volume:
 *   {Type: "volume", Name, Destination, Driver, Anonymous, New (until the
 *    record is saved)}
 * Records of earlier versions also hold Mode, RW, NoCopy, Subpath and
 * "bind" entries: read where they still mean something, ignored else. */
#include "daemon/state/ctr_volumes.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/runtime/mounts.h"
#include "daemon/volume/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *kv_json(char **kv)
{
    if (!kv)
        return NULL;
    json_t *o = json_object();
    for (char **p = kv; p[0] && p[1]; p += 2)
        json_object_set_new(o, p[0], json_string(p[1]));
    return o;
}

/* Create (or find) the volume and add its mount point. The volume stays
 * held until the record references it. */
static int add_volume(json_t *mps, const struct ctr_mount *m, struct md_error *err)
{
    char vname[256];
    bool created = false;
    _cleanup_json_ json_t *labels = kv_json(m->vol_labels);
    _cleanup_json_ json_t *opts = kv_json(m->vol_opts);
    if (vol_create(m->source, m->driver, labels, opts, true, vname, &created, err) < 0)
        return -1;
    json_array_append_new(mps, json_pack("{s:s,s:s,s:s,s:s,s:b,s:b}", "Type", "volume", "Name",
                                         vname, "Destination", m->target, "Driver",
                                         m->driver ? m->driver : "local", "Anonymous", !m->source,
                                         "New", created));
    return 0;
}

int ctr_volumes_create(struct container *c, struct md_error *err)
{
    json_t *mps = json_array();
    int r = 0;
    for (size_t i = 0; r == 0 && i < c->spec->nmounts; i++)
        if (c->spec->mounts[i].type == CTR_MOUNT_VOLUME)
            r = add_volume(mps, &c->spec->mounts[i], err);
    json_decref(c->mount_points);
    c->mount_points = mps;
    if (r < 0) {
        ctr_volumes_undo(c);
        return -1;
    }
    return 0;
}

/* The record's mount point of a volume mount (its name), or NULL. */
static json_t *mount_point(const struct container *c, const struct ctr_mount *m)
{
    size_t i;
    json_t *mp;
    json_array_foreach(c->mount_points, i, mp)
    {
        const char *type = json_str(mp, "Type"), *dest = json_str(mp, "Destination");
        if (type && !strcmp(type, "volume") && dest && !strcmp(dest, m->target))
            return mp;
    }
    return NULL;
}

const char *ctr_volumes_name(const struct container *c, const struct ctr_mount *m)
{
    if (m->type != CTR_MOUNT_VOLUME)
        return NULL;
    return json_str(mount_point(c, m), "Name");
}

static void each_volume(const struct container *c, void (*fn)(json_t *m))
{
    size_t i;
    json_t *m;
    json_array_foreach(c->mount_points, i, m)
    {
        if (!strcmp(json_str(m, "Type"), "volume"))
            fn(m);
    }
}

static void unhold(json_t *m)
{
    vol_unhold(json_str(m, "Name"));
    json_object_del(m, "New");
}

void ctr_volumes_created(struct container *c)
{
    each_volume(c, unhold);
}

static void undo_one(json_t *m)
{
    const char *name = json_str(m, "Name");
    vol_unhold(name);
    struct md_error err = {0};
    if (json_is_true(json_object_get(m, "New")) && vol_remove(name, false, &err) < 0)
        log_warn("undo volume %s: %s", name, md_err_msg(&err));
    md_err_clear(&err);
}

void ctr_volumes_undo(struct container *c)
{
    each_volume(c, undo_one);
    json_decref(c->mount_points);
    c->mount_points = NULL;
}

void ctr_volumes_plan(const struct container *c, struct rt_plan *p)
{
    for (size_t i = 0; i < c->spec->nmounts; i++) {
        const struct ctr_mount *m = &c->spec->mounts[i];
        const char *name = ctr_volumes_name(c, m);
        if (!name)
            continue; /* not a volume (or a record without it: nothing to bind) */
        _cleanup_free_ char *data = vol_data_path(name);
        p->mounts = xrealloc(p->mounts, (p->nmounts + 1) * sizeof *p->mounts);
        p->mounts[p->nmounts++] = (struct rt_mount){
            .kind = RT_MOUNT_BIND,
            .source = m->subpath ? xasprintf("%s/%s", data, m->subpath) : xstrdup(data),
            .dest = xstrdup(m->target),
            .readonly = m->readonly,
        };
    }
}

/* The image's content at dest (through the container's rootfs, symlinks
 * resolved inside it) into the volume, when the volume is empty. */
static int copy_up(const char *name, const char *dest, int rootfd, struct md_error *err)
{
    struct md_error e = {0};
    _cleanup_close_ int path = mnt_open_in_root(rootfd, dest, true, false, &e);
    if (path < 0) {
        /* nothing at that path in the image: nothing to copy */
        md_err_clear(&e);
        return 0;
    }
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", path);
    _cleanup_close_ int dir = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return errno == ENOTDIR ? 0 : md_errno(err, errno, "open %s in the image", name);
    return vol_copy_up(name, dir, err);
}

static int check_subpath(const char *name, const char *sub, struct md_error *err)
{
    if (!sub)
        return 0;
    _cleanup_free_ char *data = vol_data_path(name);
    _cleanup_close_ int root = open(data, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct md_error e = {0};
    _cleanup_close_ int fd = root < 0 ? -1 : mnt_open_in_root(root, sub, false, false, &e);
    md_err_clear(&e);
    if (fd < 0)
        return md_err(err, MD_EINVAL, "cannot access path %s/%s: no such file or directory", data,
                      sub);
    return 0;
}

int ctr_volumes_start(struct container *c, const struct rt_plan *p, struct md_error *err)
{
    const struct ctr_spec *s = c->spec;
    size_t n = s->nmounts, i;
    bool copy = false;
    int r = 0;
    for (i = 0; i < n; i++) {
        const char *name = ctr_volumes_name(c, &s->mounts[i]);
        if (!name)
            continue;
        if ((r = vol_acquire(name, err)) < 0)
            break;
        copy |= !s->mounts[i].nocopy;
    }
    if (r == 0 && copy) {
        /* the container's own rootfs, as docker copies from it; rt_prepare
         * finds it mounted */
        r = rt_rootfs_mount(p->layers, p->rootfs_dir, p->rootfs_volatile, err);
        _cleanup_free_ char *merged = xasprintf("%s/merged", p->rootfs_dir);
        _cleanup_close_ int rootfd = r < 0 ? -1 : open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r == 0 && rootfd < 0)
            r = md_errno(err, errno, "open %s", merged);
        for (size_t k = 0; r == 0 && k < n; k++) {
            const char *name = ctr_volumes_name(c, &s->mounts[k]);
            if (name && !s->mounts[k].nocopy)
                r = copy_up(name, s->mounts[k].target, rootfd, err);
        }
    }
    for (size_t k = 0; r == 0 && k < n; k++) {
        const char *name = ctr_volumes_name(c, &s->mounts[k]);
        if (name)
            r = check_subpath(name, s->mounts[k].subpath, err);
    }
    if (r < 0) {
        /* release what was taken: the volumes of the first i mounts */
        for (size_t k = 0; k < i; k++) {
            const char *name = ctr_volumes_name(c, &s->mounts[k]);
            if (name)
                vol_release(name);
        }
    }
    return r;
}

static void release_one(json_t *m)
{
    vol_release(json_str(m, "Name"));
}

void ctr_volumes_stop(struct container *c)
{
    each_volume(c, release_one);
}

static void remove_anon(json_t *m)
{
    if (!json_is_true(json_object_get(m, "Anonymous")))
        return;
    const char *name = json_str(m, "Name");
    struct md_error err = {0};
    if (vol_remove(name, true, &err) < 0)
        log_warn("remove anonymous volume %s: %s", name, md_err_msg(&err));
    md_err_clear(&err);
}

void ctr_volumes_remove_anonymous(struct container *c)
{
    each_volume(c, remove_anon);
}

static char **users_of(const char *name)
{
    size_t n;
    struct container **v = cstore_list(&n);
    char **ids = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        json_t *m;
        bool uses = false;
        json_array_foreach(v[i]->mount_points, k, m)
        {
            const char *mn = json_str(m, "Name");
            uses |= mn && !strcmp(mn, name);
        }
        if (uses)
            strv_push(&ids, v[i]->id);
    }
    cstore_list_free(v, n);
    return ids;
}

void ctr_volumes_restore(void)
{
    vol_set_usage_check(users_of);
    size_t n;
    struct container **v = cstore_list(&n);
    for (size_t i = 0; i < n; i++) {
        cstore_lock();
        bool live = v[i]->status == CTR_RUNNING || v[i]->status == CTR_PAUSED;
        cstore_unlock();
        struct md_error err = {0};
        size_t k;
        json_t *m;
        json_array_foreach(v[i]->mount_points, k, m)
        {
            if (live && !strcmp(json_str(m, "Type"), "volume") &&
                vol_acquire(json_str(m, "Name"), &err) < 0)
                log_warn("container %.12s: %s", v[i]->id, md_err_msg(&err));
            md_err_clear(&err);
        }
    }
    cstore_list_free(v, n);
    vol_reconcile();
}

void ctr_volumes_mount_json(const struct container *c, const struct ctr_mount *m, json_t *e)
{
    const char *name = ctr_volumes_name(c, m);
    json_t *mp = mount_point(c, m);
    _cleanup_free_ char *data = name ? vol_data_path(name) : NULL;
    json_object_set_new(e, "Name", json_string(name ? name : ""));
    json_object_set_new(e, "Source", json_string(data ? data : ""));
    json_object_set_new(e, "Driver", json_string(json_str(mp, "Driver") ?: "local"));
}
