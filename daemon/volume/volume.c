/* The local volume store: names and options as docker's local driver checks
 * them, the metadata files, and the mounts of volumes with options. */
#include "daemon/volume/volume.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timefmt.h"
#include "common/units.h"
#include "common/volspec.h"
#include "daemon/daemon.h"
#include "daemon/runtime/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct vol {
    char *name;
    int64_t created_ns;
    json_t *labels; /* object or null, as created */
    json_t *opts;   /* object or null, as created */
    int active;     /* running containers that acquired it */
    int holds;      /* creates not yet referenced by a container record */
    bool mounted;   /* its mount options are mounted on _data */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct vol **vols;
static size_t nvols;
static vol_usage_fn usage_fn;

void vol_set_usage_check(vol_usage_fn fn)
{
    usage_fn = fn;
}

char **vol_users(const char *name)
{
    return usage_fn ? usage_fn(name) : NULL;
}

/* ---- pure rules ---- */

int vol_name_check(const char *name, struct md_error *err)
{
    return volspec_check_name(name, err);
}

int vol_opts_check(const char *name, json_t *opts, struct md_error *err)
{
    static const char *const valid[] = {"type", "o", "device", "size"};
    /* moby's mandatoryOpts: each key needs the ones listed */
    static const struct {
        const char *opt, *needs[2];
    } mandatory[] = {
        {"device", {"type", NULL}},
        {"type", {"device", NULL}},
        {"o", {"device", "type"}},
    };
    if (!json_is_object(opts) || !json_object_size(opts))
        return 0;
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < 4; i++)
            known |= !strcmp(k, valid[i]);
        if (!known) {
            struct strbuf b = STRBUF_INIT;
            sb_add_quoted(&b, k);
            _cleanup_free_ char *q = sb_steal(&b);
            return md_err(err, MD_EINVAL, "create %s: invalid option: %s", name, q);
        }
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "create %s: option %s: not a string", name, k);
    }
    const char *size = json_str(opts, "size");
    if (size) {
        int64_t bytes;
        if (parse_ram_size(size, &bytes) < 0)
            return md_err(err, MD_EINVAL, "create %s: invalid size: '%s'", name, size);
        /* docker sets sizes through xfs project quotas, which we do not */
        if (bytes > 0)
            return md_err(err, MD_EINVAL, "create %s: quota size requested but no quota support",
                          name);
    }
    for (size_t i = 0; i < sizeof mandatory / sizeof *mandatory; i++) {
        if (!json_object_get(opts, mandatory[i].opt))
            continue;
        for (size_t j = 0; j < 2 && mandatory[i].needs[j]; j++)
            if (!json_object_get(opts, mandatory[i].needs[j]))
                return md_err(err, MD_EINVAL, "create %s: missing required option: \"%s\"", name,
                              mandatory[i].needs[j]);
    }
    return 0;
}

void vol_mount_options(const char *o, unsigned long *flags, char **data)
{
    /* the flags mount(8) knows; everything else is the filesystem's */
    static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
    } table[] = {
        {"ro", false, MS_RDONLY},
        {"rw", true, MS_RDONLY},
        {"nosuid", false, MS_NOSUID},
        {"suid", true, MS_NOSUID},
        {"nodev", false, MS_NODEV},
        {"dev", true, MS_NODEV},
        {"noexec", false, MS_NOEXEC},
        {"exec", true, MS_NOEXEC},
        {"sync", false, MS_SYNCHRONOUS},
        {"async", true, MS_SYNCHRONOUS},
        {"dirsync", false, MS_DIRSYNC},
        {"remount", false, MS_REMOUNT},
        {"mand", false, MS_MANDLOCK},
        {"nomand", true, MS_MANDLOCK},
        {"noatime", false, MS_NOATIME},
        {"atime", true, MS_NOATIME},
        {"nodiratime", false, MS_NODIRATIME},
        {"diratime", true, MS_NODIRATIME},
        {"bind", false, MS_BIND},
        {"rbind", false, MS_BIND | MS_REC},
        {"relatime", false, MS_RELATIME},
        {"norelatime", true, MS_RELATIME},
        {"strictatime", false, MS_STRICTATIME},
        {"defaults", false, 0},
    };
    *flags = 0;
    struct strbuf b = STRBUF_INIT;
    for (const char *p = o ? o : ""; *p;) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof table / sizeof *table && !found; i++) {
            if (strlen(table[i].name) != n || memcmp(table[i].name, p, n))
                continue;
            found = true;
            if (table[i].clear)
                *flags &= ~table[i].flag;
            else
                *flags |= table[i].flag;
        }
        if (!found && n) {
            if (b.len)
                sb_addc(&b, ',');
            sb_addn(&b, p, n);
        }
        p += n;
        if (*p)
            p++;
    }
    *data = b.len ? sb_steal(&b) : NULL;
    sb_free(&b);
}

/* ---- the store ---- */

static char *vol_dir(const char *name)
{
    return md_data_path("volumes/%s", name);
}

char *vol_data_path(const char *name)
{
    return md_data_path("volumes/%s/_data", name);
}

static void vol_free(struct vol *v)
{
    if (!v)
        return;
    free(v->name);
    json_decref(v->labels);
    json_decref(v->opts);
    free(v);
}

static struct vol *find_locked(const char *name)
{
    for (size_t i = 0; i < nvols; i++)
        if (!strcmp(vols[i]->name, name))
            return vols[i];
    return NULL;
}

static bool needs_mount(const struct vol *v)
{
    return json_str(v->opts, "type") || json_str(v->opts, "device");
}

static char *created_at(int64_t ns)
{
    /* docker's CreatedAt: RFC 3339 to the second */
    time_t t = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return xstrdup(buf);
}

static json_t *to_json(const struct vol *v)
{
    _cleanup_free_ char *mp = vol_data_path(v->name);
    _cleanup_free_ char *at = created_at(v->created_ns);
    return json_pack("{s:s,s:s,s:O,s:s,s:s,s:O,s:s}", "CreatedAt", at, "Driver", "local", "Labels",
                     v->labels ? v->labels : json_null(), "Mountpoint", mp, "Name", v->name,
                     "Options", v->opts ? v->opts : json_null(), "Scope", "local");
}

static int save(const struct vol *v, struct md_error *err)
{
    _cleanup_free_ char *dir = vol_dir(v->name);
    _cleanup_free_ char *path = xasprintf("%s/volume.json", dir);
    _cleanup_json_ json_t *j = json_pack(
        "{s:s,s:I,s:O,s:O}", "Name", v->name, "CreatedNs", (json_int_t)v->created_ns, "Labels",
        v->labels ? v->labels : json_null(), "Options", v->opts ? v->opts : json_null());
    return json_write_atomic(path, j, err);
}

static void add_locked(struct vol *v)
{
    vols = xrealloc(vols, (nvols + 1) * sizeof *vols);
    vols[nvols++] = v;
}

static bool mounted_now(const char *name)
{
    _cleanup_free_ char *data = vol_data_path(name);
    return util_is_mountpoint(data) == 1;
}

int vol_init(struct md_error *err)
{
    _cleanup_free_ char *root = md_data_path("volumes");
    if (fs_mkdir_p(root, 0700, err) < 0)
        return -1;
    _cleanup_closedir_ DIR *d = opendir(root);
    if (!d)
        return md_errno(err, errno, "open %s", root);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s/volume.json", root, de->d_name);
        struct md_error e = {0};
        _cleanup_json_ json_t *j = json_load_path(path, &e);
        if (!j || vol_name_check(de->d_name, &e) < 0) {
            /* a create that did not finish: its directory has no metadata */
            log_warn("volume %s: %s; ignored", de->d_name, md_err_msg(&e));
            md_err_clear(&e);
            continue;
        }
        struct vol *v = xcalloc(1, sizeof *v);
        v->name = xstrdup(de->d_name);
        v->created_ns = json_integer_value(json_object_get(j, "CreatedNs"));
        json_t *l = json_object_get(j, "Labels"), *o = json_object_get(j, "Options");
        v->labels = json_is_object(l) ? json_incref(l) : NULL;
        v->opts = json_is_object(o) ? json_incref(o) : NULL;
        v->mounted = needs_mount(v) && mounted_now(v->name);
        add_locked(v);
    }
    return 0;
}

static int create_locked(const char *name, json_t *labels, json_t *opts, struct md_error *err)
{
    _cleanup_free_ char *dir = vol_dir(name);
    _cleanup_free_ char *data = vol_data_path(name);
    if (mkdir(dir, 0701) < 0 && errno != EEXIST)
        return md_errno(err, errno, "create %s", name);
    if (mkdir(data, 0755) < 0 && errno != EEXIST) {
        md_errno(err, errno, "create %s", name);
        fs_rm_rf(dir, NULL);
        return -1;
    }
    struct vol *v = xcalloc(1, sizeof *v);
    v->name = xstrdup(name);
    v->created_ns = time_now_ns();
    v->labels = json_is_object(labels) ? json_deep_copy(labels) : NULL;
    v->opts = json_is_object(opts) ? json_deep_copy(opts) : NULL;
    if (save(v, err) < 0) {
        fs_rm_rf(dir, NULL);
        vol_free(v);
        return md_err_wrap(err, "create %s", name);
    }
    add_locked(v);
    return 0;
}

int vol_create(const char *name, const char *driver, json_t *labels, json_t *opts, bool hold,
               char out_name[256], bool *created, struct md_error *err)
{
    char anon[65];
    _cleanup_json_ json_t *anon_labels = NULL;
    if (!name || !*name) {
        id_new(anon);
        name = anon;
        anon_labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
        json_object_set_new(anon_labels, VOL_ANON_LABEL, json_string(""));
        labels = anon_labels;
    }
    if (driver && *driver && strcmp(driver, "local"))
        return md_err(err, MD_ENOTFOUND,
                      "create %s: error looking up volume plugin %s: plugin \"%s\" not found", name,
                      driver, driver);
    if (strlen(name) > 255)
        return md_err(err, MD_EINVAL, "create %s: volume name is too long", name);
    if (vol_name_check(name, err) < 0 || vol_opts_check(name, opts, err) < 0)
        return -1;
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    bool isnew = !v;
    int r = isnew ? create_locked(name, labels, opts, err) : 0;
    if (r == 0 && hold)
        find_locked(name)->holds++;
    pthread_mutex_unlock(&lock);
    if (r < 0)
        return -1;
    if (out_name)
        snprintf(out_name, 256, "%s", name);
    if (created)
        *created = isnew;
    return 0;
}

void vol_unhold(const char *name)
{
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    if (v && v->holds > 0)
        v->holds--;
    pthread_mutex_unlock(&lock);
}

json_t *vol_inspect(const char *name, struct md_error *err)
{
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    json_t *j = v ? to_json(v) : NULL;
    pthread_mutex_unlock(&lock);
    if (!j)
        md_err(err, MD_ENOTFOUND, "get %s: no such volume", name);
    return j;
}

bool vol_exists(const char *name)
{
    pthread_mutex_lock(&lock);
    bool r = find_locked(name) != NULL;
    pthread_mutex_unlock(&lock);
    return r;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(json_str(*(json_t *const *)a, "Name"), json_str(*(json_t *const *)b, "Name"));
}

json_t *vol_list(void)
{
    pthread_mutex_lock(&lock);
    size_t n = nvols;
    json_t **v = xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = to_json(vols[i]);
    pthread_mutex_unlock(&lock);
    qsort(v, n, sizeof *v, by_name);
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, v[i]);
    free(v);
    return out;
}

static int unmount_locked(struct vol *v, struct md_error *err)
{
    _cleanup_free_ char *data = vol_data_path(v->name);
    if (util_is_mountpoint(data) == 1 && umount2(data, 0) < 0 && umount2(data, MNT_DETACH) < 0)
        return md_errno(err, errno, "unmount volume %s", v->name);
    v->mounted = false;
    return 0;
}

int vol_remove(const char *name, bool force, struct md_error *err)
{
    _cleanup_strv_ char **users = vol_users(name);
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    if (!v) {
        pthread_mutex_unlock(&lock);
        return force ? 0 : md_err(err, MD_ENOTFOUND, "get %s: no such volume", name);
    }
    if (users || v->holds || v->active) {
        pthread_mutex_unlock(&lock);
        struct strbuf b = STRBUF_INIT;
        for (char **u = users; u && *u; u++)
            sb_printf(&b, "%s%s", u == users ? "" : ", ", *u);
        _cleanup_free_ char *ids = sb_steal(&b);
        return md_err(err, MD_ECONFLICT, "remove %s: volume is in use - [%s]", name, ids);
    }
    /* never delete through a mount: a bind device's files are the host's */
    if (unmount_locked(v, err) < 0) {
        pthread_mutex_unlock(&lock);
        return md_err_wrap(err, "remove %s", name);
    }
    _cleanup_free_ char *dir = vol_dir(name);
    _cleanup_free_ char *meta = xasprintf("%s/volume.json", dir);
    /* the metadata first: a crash midway leaves a directory vol_init ignores */
    if (unlink(meta) < 0 && errno != ENOENT) {
        pthread_mutex_unlock(&lock);
        return md_errno(err, errno, "remove %s", name);
    }
    int r = fs_rm_rf(dir, err);
    for (size_t i = 0; i < nvols; i++)
        if (vols[i] == v) {
            vols[i] = vols[--nvols];
            break;
        }
    vol_free(v);
    pthread_mutex_unlock(&lock);
    return r < 0 ? md_err_wrap(err, "remove %s", name) : 0;
}

static long long du_total;

static int du_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag == FTW_F)
        du_total += (long long)st->st_blocks * 512;
    return 0;
}

long long vol_size(const char *name)
{
    static pthread_mutex_t du_lock = PTHREAD_MUTEX_INITIALIZER;
    _cleanup_free_ char *data = vol_data_path(name);
    pthread_mutex_lock(&du_lock);
    du_total = 0;
    nftw(data, du_one, 16, FTW_PHYS | FTW_MOUNT);
    long long n = du_total;
    pthread_mutex_unlock(&du_lock);
    return n;
}

static int mount_locked(struct vol *v, struct md_error *err)
{
    _cleanup_free_ char *data = vol_data_path(v->name);
    const char *type = json_str(v->opts, "type");
    const char *device = json_str(v->opts, "device");
    unsigned long flags;
    _cleanup_free_ char *fsdata = NULL;
    vol_mount_options(json_str(v->opts, "o"), &flags, &fsdata);
    if (!device || !*device)
        return md_err(err, MD_EINVAL, "missing device in volume options");
    if (mount(device, data, type, flags & ~MS_RDONLY, fsdata) < 0)
        return md_errno(err, errno, "failed to mount local volume: mount %s:%s, flags: 0x%lx",
                        device, data, flags);
    /* a bind ignores MS_RDONLY on the first call: remount it read-only */
    if ((flags & MS_RDONLY) &&
        mount(NULL, data, NULL, flags | MS_REMOUNT | ((flags & MS_BIND) ? MS_BIND : 0), fsdata) <
            0) {
        int e = errno;
        umount2(data, MNT_DETACH);
        return md_errno(err, e, "failed to mount local volume: remount %s read-only", data);
    }
    v->mounted = true;
    return 0;
}

int vol_acquire(const char *name, struct md_error *err)
{
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    int r = 0;
    if (!v)
        r = md_err(err, MD_ENOTFOUND, "get %s: no such volume", name);
    else if (needs_mount(v) && !v->mounted)
        r = mount_locked(v, err);
    if (r == 0)
        v->active++;
    pthread_mutex_unlock(&lock);
    return r;
}

void vol_release(const char *name)
{
    pthread_mutex_lock(&lock);
    struct vol *v = find_locked(name);
    if (v && v->active > 0 && --v->active == 0 && v->mounted) {
        struct md_error err = {0};
        if (unmount_locked(v, &err) < 0)
            log_warn("%s", md_err_msg(&err));
        md_err_clear(&err);
    }
    pthread_mutex_unlock(&lock);
}

void vol_reconcile(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nvols; i++) {
        struct vol *v = vols[i];
        if (v->active || !v->mounted)
            continue;
        struct md_error err = {0};
        if (unmount_locked(v, &err) < 0)
            log_warn("%s", md_err_msg(&err));
        md_err_clear(&err);
    }
    pthread_mutex_unlock(&lock);
}
