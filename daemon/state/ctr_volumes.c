/* Container <-> volume glue: mount points from the create request, their
 * binds in the plan, mounts and copy-up at start, anonymous volume removal.
 * Each mount point is an object of the record's MountPoints:
 *   {Type: "volume", Name, Destination, RW, Mode, Anonymous, NoCopy, Subpath}
 *   {Type: "bind", Source, Destination, RW}   (HostConfig.Mounts binds) */
#include "daemon/state/ctr_volumes.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/volspec.h"
#include "daemon/runtime/mounts.h"
#include "daemon/volume/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool dest_taken(json_t *mps, const char *dest)
{
    size_t i;
    json_t *m;
    json_array_foreach(mps, i, m)
    {
        if (!strcmp(json_str(m, "Destination"), dest))
            return true;
    }
    return false;
}

/* Create (or find) the volume and add its mount point. name NULL:
 * anonymous. The volume stays held until the record references it. */
static int add_volume(json_t *mps, const char *name, const char *dest, bool rw, const char *mode,
                      json_t *vopts, struct md_error *err)
{
    if (dest_taken(mps, dest))
        return md_err(err, MD_EINVAL, "Duplicate mount point: %s", dest);
    json_t *dc = json_object_get(vopts, "DriverConfig");
    char vname[256];
    bool created = false;
    if (vol_create(name, json_str(dc, "Name"), json_object_get(vopts, "Labels"),
                   json_object_get(dc, "Options"), true, vname, &created, err) < 0)
        return -1;
    const char *sub = json_str(vopts, "Subpath");
    json_array_append_new(mps, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:b,s:b,s:s,s:b}", "Type",
                                         "volume", "Name", vname, "Destination", dest, "Driver",
                                         "local", "RW", rw, "Mode", mode, "Propagation", "",
                                         "Anonymous", !name || !*name, "NoCopy",
                                         json_is_true(json_object_get(vopts, "NoCopy")), "Subpath",
                                         sub ? sub : "", "New", created));
    return 0;
}

static char *clean_target(const char *t)
{
    /* volspec's path rules: the spec "/x:T" gives T's cleaned form */
    struct vol_spec vs;
    _cleanup_free_ char *spec = xasprintf("/x:%s", t);
    if (volspec_parse(spec, &vs, NULL) < 0)
        return NULL;
    char *d = steal_ptr(&vs.dest);
    volspec_free(&vs);
    return d;
}

static int mount_err(struct md_error *err, const char *type, const char *why)
{
    return md_err(err, MD_EINVAL, "invalid mount config for type \"%s\": %s", type, why);
}

static int add_mount(json_t *mps, json_t *m, struct md_error *err)
{
    const char *type = json_str(m, "Type");
    const char *src = json_str(m, "Source");
    const char *target = json_str(m, "Target");
    bool ro = json_is_true(json_object_get(m, "ReadOnly"));
    if (!type || !*type)
        return md_err(err, MD_EINVAL,
                      "invalid mount config: must use either propagation mode "
                      "\"rprivate\" or a type");
    if (strcmp(type, "volume") && strcmp(type, "bind"))
        return md_err(err, MD_EINVAL, "mount type \"%s\" is not supported yet", type);
    if (!target || !*target)
        return mount_err(err, type, "field Target must not be empty");
    _cleanup_free_ char *dest = clean_target(target);
    if (!dest || target[0] != '/') {
        _cleanup_free_ char *why =
            xasprintf("invalid mount path: '%s' mount path must be absolute", target);
        return mount_err(err, type, why);
    }
    if (!strcmp(type, "bind")) {
        if (!src || !*src)
            return mount_err(err, type, "field Source must not be empty");
        if (json_object_get(m, "VolumeOptions"))
            return mount_err(err, type, "field VolumeOptions must not be specified");
        struct stat st;
        if (src[0] != '/' || stat(src, &st) < 0) {
            _cleanup_free_ char *why = xasprintf("bind source path does not exist: %s", src);
            return mount_err(err, type, why);
        }
        if (dest_taken(mps, dest))
            return md_err(err, MD_EINVAL, "Duplicate mount point: %s", dest);
        json_array_append_new(mps, json_pack("{s:s,s:s,s:s,s:b,s:s,s:s}", "Type", "bind", "Source",
                                             src, "Destination", dest, "RW", !ro, "Mode", "",
                                             "Propagation", "rprivate"));
        return 0;
    }
    if (json_object_get(m, "BindOptions"))
        return mount_err(err, type, "field BindOptions must not be specified");
    json_t *vo = json_object_get(m, "VolumeOptions");
    const char *sub = json_str(vo, "Subpath");
    if (sub && *sub) {
        if (sub[0] == '/' || strstr(sub, ".."))
            return mount_err(err, type, "subpath must be a relative path within the volume");
    }
    return add_volume(mps, src, dest, !ro, "z", vo, err);
}

int ctr_volumes_create(struct container *c, struct md_error *err)
{
    json_t *mps = json_array();
    size_t i;
    json_t *v;
    int r = 0;
    /* Binds first: its host paths are not mount points of ours, but their
     * destinations are taken */
    json_t *binds_seen = json_array();
    json_array_foreach(json_object_get(c->host_config, "Binds"), i, v)
    {
        struct vol_spec vs;
        if (r < 0 || volspec_parse(json_string_value(v), &vs, err) < 0) {
            r = -1;
            break;
        }
        if (dest_taken(mps, vs.dest) || dest_taken(binds_seen, vs.dest))
            r = md_err(err, MD_EINVAL, "Duplicate mount point: %s", vs.dest);
        else if (vs.type == VOL_BIND)
            json_array_append_new(binds_seen, json_pack("{s:s}", "Destination", vs.dest));
        else {
            bool nocopy = vs.mode && strstr(vs.mode, "nocopy");
            json_t *opts = json_pack("{s:b}", "NoCopy", nocopy);
            r = add_volume(mps, vs.type == VOL_NAMED ? vs.source : NULL, vs.dest, !vs.readonly,
                           vs.mode ? vs.mode : (vs.type == VOL_NAMED ? "z" : ""), opts, err);
            json_decref(opts);
        }
        volspec_free(&vs);
    }
    json_array_foreach(json_object_get(c->host_config, "Mounts"), i, v)
    {
        if (r == 0)
            r = add_mount(mps, v, err);
    }
    /* Config.Volumes (-v /data, the image's VOLUME): anonymous, unless a
     * bind or a volume already covers the path */
    const char *k;
    json_t *x;
    json_object_foreach(json_object_get(c->config, "Volumes"), k, x)
    {
        if (r < 0)
            break;
        _cleanup_free_ char *dest = clean_target(k);
        if (!dest || k[0] != '/') {
            r = md_err(err, MD_EINVAL, "invalid volume specification: '%s'", k);
            break;
        }
        if (!dest_taken(mps, dest) && !dest_taken(binds_seen, dest))
            r = add_volume(mps, NULL, dest, true, "", NULL, err);
    }
    json_decref(binds_seen);
    json_decref(c->mount_points);
    c->mount_points = mps;
    if (r < 0) {
        ctr_volumes_undo(c);
        return -1;
    }
    return 0;
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
    size_t i;
    json_t *m;
    json_array_foreach(c->mount_points, i, m)
    {
        const char *type = json_str(m, "Type");
        char *src;
        if (!strcmp(type, "bind")) {
            src = xstrdup(json_str(m, "Source"));
        } else {
            _cleanup_free_ char *data = vol_data_path(json_str(m, "Name"));
            const char *sub = json_str(m, "Subpath");
            src = sub && *sub ? xasprintf("%s/%s", data, sub) : xstrdup(data);
        }
        p->binds = xrealloc(p->binds, (p->nbinds + 1) * sizeof *p->binds);
        p->binds[p->nbinds++] = (struct rt_bind){
            .source = src,
            .dest = xstrdup(json_str(m, "Destination")),
            .readonly = !json_is_true(json_object_get(m, "RW")),
        };
    }
}

/* The image's content at dest (through the container's rootfs, symlinks
 * resolved inside it) into the volume, when the volume is empty. */
static int copy_up(json_t *m, int rootfd, struct md_error *err)
{
    const char *name = json_str(m, "Name");
    struct md_error e = {0};
    _cleanup_close_ int path =
        mnt_open_in_root(rootfd, json_str(m, "Destination"), true, false, &e);
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

static int check_subpath(json_t *m, struct md_error *err)
{
    const char *sub = json_str(m, "Subpath");
    if (!sub || !*sub)
        return 0;
    _cleanup_free_ char *data = vol_data_path(json_str(m, "Name"));
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
    size_t n = json_array_size(c->mount_points), i;
    bool copy = false;
    for (i = 0; i < n; i++) {
        json_t *m = json_array_get(c->mount_points, i);
        if (strcmp(json_str(m, "Type"), "volume"))
            continue;
        if (vol_acquire(json_str(m, "Name"), err) < 0)
            break;
        copy |= !json_is_true(json_object_get(m, "NoCopy"));
    }
    int r = i < n ? -1 : 0;
    if (r == 0 && copy) {
        /* the container's own rootfs, as docker copies from it; rt_prepare
         * finds it mounted */
        r = rt_rootfs_mount(p->layers, p->rootfs_dir, p->rootfs_volatile, err);
        _cleanup_free_ char *merged = xasprintf("%s/merged", p->rootfs_dir);
        _cleanup_close_ int rootfd = r < 0 ? -1 : open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r == 0 && rootfd < 0)
            r = md_errno(err, errno, "open %s", merged);
        for (size_t k = 0; r == 0 && k < n; k++) {
            json_t *m = json_array_get(c->mount_points, k);
            if (!strcmp(json_str(m, "Type"), "volume") &&
                !json_is_true(json_object_get(m, "NoCopy")))
                r = copy_up(m, rootfd, err);
        }
    }
    for (size_t k = 0; r == 0 && k < n; k++) {
        json_t *m = json_array_get(c->mount_points, k);
        if (!strcmp(json_str(m, "Type"), "volume"))
            r = check_subpath(m, err);
    }
    if (r < 0) {
        /* release what was taken: the first i volumes */
        for (size_t k = 0; k < i; k++) {
            json_t *m = json_array_get(c->mount_points, k);
            if (!strcmp(json_str(m, "Type"), "volume"))
                vol_release(json_str(m, "Name"));
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

void ctr_volumes_mounts_json(const struct container *c, json_t *out)
{
    size_t i;
    json_t *m;
    json_array_foreach(c->mount_points, i, m)
    {
        json_t *e = json_pack("{s:O}", "Type", json_object_get(m, "Type"));
        if (!strcmp(json_str(m, "Type"), "volume")) {
            _cleanup_free_ char *data = vol_data_path(json_str(m, "Name"));
            json_object_set(e, "Name", json_object_get(m, "Name"));
            json_object_set_new(e, "Source", json_string(data));
        } else {
            json_object_set(e, "Source", json_object_get(m, "Source"));
        }
        json_object_set(e, "Destination", json_object_get(m, "Destination"));
        if (!strcmp(json_str(m, "Type"), "volume"))
            json_object_set(e, "Driver", json_object_get(m, "Driver"));
        json_object_set(e, "Mode", json_object_get(m, "Mode"));
        json_object_set(e, "RW", json_object_get(m, "RW"));
        json_object_set(e, "Propagation", json_object_get(m, "Propagation"));
        json_array_append_new(out, e);
    }
}
