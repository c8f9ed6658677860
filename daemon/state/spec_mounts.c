/* A container's mounts, parsed once into the spec: HostConfig.Binds (-v),
 * HostConfig.Mounts (--mount), HostConfig.Tmpfs (--tmpfs) and
 * Config.Volumes (the image's VOLUMEs merged in), with moby's checks and
 * messages (volume/mounts/linux_parser.go, moby/sys/mount's tmpfs options). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/volspec.h"
#include "daemon/state/ctr_spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define NELEM(a) (sizeof(a) / sizeof *(a))

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void ctr_mount_free(struct ctr_mount *m)
{
    free(m->source);
    free(m->target);
    free(m->mode);
    free(m->propagation);
    free(m->subpath);
    free(m->driver);
    strv_free(m->vol_labels);
    strv_free(m->vol_opts);
    free(m->options);
}

void ctr_mount_copy(struct ctr_mount *d, const struct ctr_mount *s)
{
    *d = *s;
    d->source = dup_or_null(s->source);
    d->target = dup_or_null(s->target);
    d->mode = dup_or_null(s->mode);
    d->propagation = dup_or_null(s->propagation);
    d->subpath = dup_or_null(s->subpath);
    d->driver = dup_or_null(s->driver);
    d->vol_labels = strv_dup(s->vol_labels);
    d->vol_opts = strv_dup(s->vol_opts);
    d->options = dup_or_null(s->options);
}

static const struct {
    const char *name;
    unsigned long flags;
} propagations[] = {
    {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},   {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},     {"rslave", MS_SLAVE | MS_REC},
};

unsigned long ctr_mount_propagation_flags(const char *name)
{
    /* the container's namespace is rprivate already (runtime/init.c) */
    if (!name || !*name || !strcmp(name, "rprivate"))
        return 0;
    for (size_t i = 0; i < NELEM(propagations); i++)
        if (!strcmp(name, propagations[i].name))
            return propagations[i].flags;
    return 0;
}

static bool propagation_valid(const char *name)
{
    for (size_t i = 0; i < NELEM(propagations); i++)
        if (!strcmp(name, propagations[i].name))
            return true;
    return false;
}

static struct ctr_mount *add(struct ctr_spec *s)
{
    s->mounts = xrealloc(s->mounts, (s->nmounts + 1) * sizeof *s->mounts);
    struct ctr_mount *m = &s->mounts[s->nmounts++];
    memset(m, 0, sizeof *m);
    return m;
}

static bool taken(const struct ctr_spec *s, const char *dest)
{
    for (size_t i = 0; i < s->nmounts; i++)
        if (!strcmp(s->mounts[i].target, dest))
            return true;
    return false;
}

static int check_free(const struct ctr_spec *s, const char *dest, struct md_error *err)
{
    if (taken(s, dest))
        return md_err(err, MD_EINVAL, "Duplicate mount point: %s", dest);
    return 0;
}

/* ---- tmpfs options (moby/sys/mount MergeTmpfsOptions, ParseTmpfsOptions) ---- */

/* The flags a tmpfs accepts; clear: the option removes the flag. */
static const struct {
    const char *name;
    bool clear;
    unsigned long flag;
} tmpfs_flags[] = {
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
};

static const char *const tmpfs_data_keys[] = {"size",      "mode",      "uid", "gid",
                                              "nr_inodes", "nr_blocks", "mpol"};

/* Go's %q of strings.SplitN(option, "=", 2): ["foo"], ["size" ""] */
static int tmpfs_option_err(const char *o, struct md_error *err)
{
    const char *eq = strchr(o, '=');
    if (!eq)
        return md_err(err, MD_EINVAL, "invalid tmpfs option [\"%s\"]", o);
    return md_err(err, MD_EINVAL, "invalid tmpfs option [\"%.*s\" \"%s\"]", (int)(eq - o), o,
                  eq + 1);
}

/* Values the kernel would refuse at start: refused now, while nothing
 * exists. size: a number with k, m, g or %; mode: octal; the rest numbers
 * (mpol is the kernel's to judge). */
static bool tmpfs_value_ok(const char *key, const char *v)
{
    if (!strcmp(key, "mpol"))
        return *v != '\0';
    const char *p = v;
    if (!strcmp(key, "mode")) {
        for (; *p >= '0' && *p <= '7'; p++)
            ;
        return p != v && !*p && p - v <= 4;
    }
    for (; *p >= '0' && *p <= '9'; p++)
        ;
    if (p == v)
        return false;
    if (!strcmp(key, "size") && *p && strchr("kKmMgG%", *p))
        p++;
    return !*p;
}

/* Merge docker's defaults (noexec,nosuid,nodev) with the user's options,
 * later ones winning as in MergeTmpfsOptions; into mount flags and data. */
static int tmpfs_options(const char *user, unsigned long *flags, char **data, struct md_error *err)
{
    _cleanup_free_ char *all = xasprintf("noexec,nosuid,nodev%s%s", *user ? "," : "", user);
    unsigned long f = 0;
    char *vals[NELEM(tmpfs_data_keys)] = {0};
    int r = 0;
    char *save = NULL;
    for (char *o = strtok_r(all, ",", &save); o && r == 0; o = strtok_r(NULL, ",", &save)) {
        if (!strcmp(o, "defaults"))
            continue;
        size_t k;
        for (k = 0; k < NELEM(tmpfs_flags); k++)
            if (!strcmp(o, tmpfs_flags[k].name))
                break;
        if (k < NELEM(tmpfs_flags)) {
            f = tmpfs_flags[k].clear ? f & ~tmpfs_flags[k].flag : f | tmpfs_flags[k].flag;
            continue;
        }
        if (propagation_valid(o))
            continue; /* a tmpfs has no peers: every mode is rprivate's */
        char *eq = strchr(o, '=');
        for (k = 0; eq && k < NELEM(tmpfs_data_keys); k++)
            if (strlen(tmpfs_data_keys[k]) == (size_t)(eq - o) &&
                !memcmp(o, tmpfs_data_keys[k], (size_t)(eq - o)))
                break;
        if (!eq || k == NELEM(tmpfs_data_keys) || !tmpfs_value_ok(tmpfs_data_keys[k], eq + 1)) {
            r = tmpfs_option_err(o, err);
            break;
        }
        free(vals[k]);
        vals[k] = xstrdup(o);
    }
    char **d = NULL;
    for (size_t k = 0; k < NELEM(vals); k++) {
        if (vals[k])
            strv_push(&d, vals[k]);
        free(vals[k]);
    }
    if (r == 0) {
        *flags = f;
        *data = d ? strv_join(d, ",") : NULL;
    }
    strv_free(d);
    return r;
}

static int add_tmpfs(struct ctr_spec *s, enum ctr_mount_origin origin, const char *dest,
                     const char *opts, bool ro, struct md_error *err)
{
    unsigned long flags = 0;
    char *data = NULL;
    if (tmpfs_options(opts, &flags, &data, err) < 0)
        return -1;
    struct ctr_mount *m = add(s);
    *m = (struct ctr_mount){
        .type = CTR_MOUNT_TMPFS,
        .origin = origin,
        .target = xstrdup(dest),
        .readonly = ro || (flags & MS_RDONLY),
        .mode = xstrdup(""),
        .propagation = xstrdup(""),
        .tmpfs_flags = flags | (ro ? MS_RDONLY : 0),
        .options = data,
    };
    return 0;
}

/* ---- HostConfig.Binds ---- */

static int parse_binds(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(hc, "Binds"), i, v)
    {
        if (!json_is_string(v))
            return md_err(err, MD_EINVAL, "invalid bind: not a string");
        struct vol_spec vs = {0};
        if (volspec_parse(json_string_value(v), &vs, err) < 0)
            return -1;
        if (check_free(s, vs.dest, err) < 0) {
            volspec_free(&vs);
            return -1;
        }
        struct ctr_mount *m = add(s);
        bool bind = vs.type == VOL_BIND;
        const char *prop = volspec_mode_propagation(vs.mode);
        *m = (struct ctr_mount){
            .type = bind ? CTR_MOUNT_BIND : CTR_MOUNT_VOLUME,
            .origin = CTR_FROM_BINDS,
            .source = steal_ptr(&vs.source),
            .target = steal_ptr(&vs.dest),
            .readonly = vs.readonly,
            .mode = xstrdup(vs.mode                       ? vs.mode
                            : bind || vs.type == VOL_ANON ? ""
                                                          : "z"),
            .propagation = xstrdup(bind ? (prop ? prop : "rprivate") : ""),
            .create_source = bind,
            .nocopy = vs.mode && strstr(vs.mode, "nocopy"),
        };
        volspec_free(&vs);
    }
    return 0;
}

/* ---- HostConfig.Mounts ---- */

__attribute__((format(printf, 3, 4))) static int mount_err(struct md_error *err, const char *type,
                                                           const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return md_err(err, MD_EINVAL, "invalid mount config for type \"%s\": %s", type, why);
}

static bool is_set(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v && !json_is_null(v);
}

static char **kv(json_t *o)
{
    char **v = NULL;
    const char *k;
    json_t *x;
    json_object_foreach(o, k, x)
    {
        strv_push(&v, k);
        strv_push(&v, json_string_value(x) ?: "");
    }
    return v;
}

/* filepath.IsLocal for a subpath */
static bool path_local(const char *p)
{
    if (!*p || p[0] == '/')
        return false;
    _cleanup_free_ char *c = volspec_path_clean(p);
    return strcmp(c, "..") && strncmp(c, "../", 3);
}

static int bind_options(struct ctr_mount *m, json_t *mnt, struct md_error *err)
{
    json_t *bo = json_object_get(mnt, "BindOptions");
    const char *prop = json_str(bo, "Propagation");
    if (prop && *prop && !propagation_valid(prop))
        return mount_err(err, "bind", "invalid propagation mode: %s", prop);
    if (is_set(mnt, "VolumeOptions"))
        return mount_err(err, "bind", "field %s must not be specified", "VolumeOptions");
    if (is_set(mnt, "TmpfsOptions"))
        return mount_err(err, "bind", "field %s must not be specified", "TmpfsOptions");
    const char *src = json_str(mnt, "Source");
    if (src[0] != '/')
        return mount_err(err, "bind", "invalid mount path: '%s' mount path must be absolute", src);
    bool ronr = json_is_true(json_object_get(bo, "ReadOnlyNonRecursive"));
    bool rofr = json_is_true(json_object_get(bo, "ReadOnlyForceRecursive"));
    if (ronr && !m->readonly)
        return md_err(err, MD_EINVAL, "option ReadOnlyNonRecursive requires ReadOnly");
    if (rofr && !m->readonly)
        return md_err(err, MD_EINVAL, "option ReadOnlyForceRecursive requires ReadOnly");
    if (ronr && rofr)
        return md_err(err, MD_EINVAL,
                      "option ReadOnlyNonRecursive and ReadOnlyForceRecursive are mutually "
                      "exclusive");
    m->source = volspec_path_clean(src);
    m->propagation = xstrdup(prop && *prop ? prop : "rprivate");
    m->create_source = json_is_true(json_object_get(bo, "CreateMountpoint"));
    m->nonrecursive = json_is_true(json_object_get(bo, "NonRecursive"));
    m->ro_mode = ronr ? CTR_RO_NONRECURSIVE : rofr ? CTR_RO_FORCE_RECURSIVE : CTR_RO_DEFAULT;
    m->mode = xstrdup("");
    return 0;
}

static int volume_options(struct ctr_mount *m, json_t *mnt, struct md_error *err)
{
    if (is_set(mnt, "BindOptions"))
        return mount_err(err, "volume", "field %s must not be specified", "BindOptions");
    if (is_set(mnt, "TmpfsOptions"))
        return mount_err(err, "volume", "field %s must not be specified", "TmpfsOptions");
    const char *src = json_str(mnt, "Source");
    bool anon = !src || !*src;
    json_t *vo = json_object_get(mnt, "VolumeOptions");
    const char *sub = json_str(vo, "Subpath");
    if (sub && *sub) {
        if (anon)
            return mount_err(err, "volume", "%s",
                             "must not set Subpath when using anonymous volumes");
        if (!path_local(sub))
            return mount_err(err, "volume", "%s",
                             "subpath must be a relative path within the volume");
    }
    if (m->readonly && anon)
        return mount_err(err, "volume", "%s",
                         "must not set ReadOnly mode when using anonymous volumes");
    if (!anon && volspec_check_name(src, err) < 0)
        return -1;
    json_t *dc = json_object_get(vo, "DriverConfig");
    const char *driver = json_str(dc, "Name");
    m->source = anon ? NULL : xstrdup(src);
    m->mode = xstrdup("z");
    m->propagation = xstrdup("");
    m->nocopy = json_is_true(json_object_get(vo, "NoCopy"));
    m->subpath = sub && *sub ? volspec_path_clean(sub) : NULL;
    m->driver = driver && *driver ? xstrdup(driver) : NULL;
    m->vol_labels = kv(json_object_get(vo, "Labels"));
    m->vol_opts = kv(json_object_get(dc, "Options"));
    return 0;
}

/* docker's ConvertTmpfsOptions: ro, mode=%o, size with the largest unit
 * that divides it, then Options ([["exec"]], [["noexec"]]). */
static int tmpfs_mount_options(json_t *mnt, bool ro, char **out, struct md_error *err)
{
    if (is_set(mnt, "BindOptions"))
        return mount_err(err, "tmpfs", "field %s must not be specified", "BindOptions");
    if (is_set(mnt, "VolumeOptions"))
        return mount_err(err, "tmpfs", "field %s must not be specified", "VolumeOptions");
    const char *src = json_str(mnt, "Source");
    if (src && *src)
        return mount_err(err, "tmpfs", "field %s must not be specified", "Source");
    json_t *to = json_object_get(mnt, "TmpfsOptions");
    char **o = NULL;
    if (ro)
        strv_push(&o, "ro");
    json_int_t mode = json_integer_value(json_object_get(to, "Mode"));
    json_int_t size = json_integer_value(json_object_get(to, "SizeBytes"));
    if (mode < 0 || mode > 07777 || size < 0) {
        strv_free(o);
        return mount_err(err, "tmpfs", "%s",
                         size < 0 ? "size must not be negative" : "invalid mode");
    }
    char buf[64];
    if (mode) {
        snprintf(buf, sizeof buf, "mode=%llo", (unsigned long long)mode);
        strv_push(&o, buf);
    }
    if (size) {
        static const struct {
            char suffix;
            json_int_t div;
        } units[] = {{'g', 1LL << 30}, {'m', 1LL << 20}, {'k', 1LL << 10}};
        char suffix[2] = "";
        for (size_t i = 0; i < NELEM(units); i++)
            if (size % units[i].div == 0) {
                size /= units[i].div;
                suffix[0] = units[i].suffix;
                break;
            }
        snprintf(buf, sizeof buf, "size=%lld%s", (long long)size, suffix);
        strv_push(&o, buf);
    }
    size_t i;
    json_t *opt;
    json_array_foreach(json_object_get(to, "Options"), i, opt)
    {
        size_t n = json_array_size(opt);
        const char *k = json_string_value(json_array_get(opt, 0));
        if (n < 1 || n > 2) {
            strv_free(o);
            return mount_err(err, "tmpfs", "%s", "invalid option array length");
        }
        if (!k || (strcmp(k, "exec") && strcmp(k, "noexec"))) {
            strv_free(o);
            return mount_err(err, "tmpfs", "invalid option: %s", k ? k : "");
        }
        const char *val = json_string_value(json_array_get(opt, 1));
        if (n == 2) {
            _cleanup_free_ char *kv2 = xasprintf("%s=%s", k, val ? val : "");
            strv_push(&o, kv2);
        } else {
            strv_push(&o, k);
        }
    }
    *out = o ? strv_join(o, ",") : xstrdup("");
    strv_free(o);
    return 0;
}

static int parse_one_mount(struct ctr_spec *s, json_t *mnt, struct md_error *err)
{
    const char *type = json_str(mnt, "Type") ?: "";
    const char *target = json_str(mnt, "Target") ?: "";
    bool ro = json_is_true(json_object_get(mnt, "ReadOnly"));
    if (!*target)
        return mount_err(err, type, "field %s must not be empty", "Target");
    _cleanup_free_ char *dest = volspec_path_clean(target);
    if (!strcmp(dest, "/"))
        return mount_err(err, type, "%s", "invalid specification: destination can't be '/'");
    if (target[0] != '/')
        return mount_err(err, type, "invalid mount path: '%s' mount path must be absolute", target);
    enum ctr_mount_type t;
    if (!strcmp(type, "bind"))
        t = CTR_MOUNT_BIND;
    else if (!strcmp(type, "volume"))
        t = CTR_MOUNT_VOLUME;
    else if (!strcmp(type, "tmpfs"))
        t = CTR_MOUNT_TMPFS;
    else
        return mount_err(err, type, "%s", "mount type unknown");
    if (t == CTR_MOUNT_BIND && !*(json_str(mnt, "Source") ?: ""))
        return mount_err(err, type, "field %s must not be empty", "Source");
    if (t == CTR_MOUNT_TMPFS) {
        _cleanup_free_ char *opts = NULL;
        if (tmpfs_mount_options(mnt, ro, &opts, err) < 0 || check_free(s, dest, err) < 0)
            return -1;
        return add_tmpfs(s, CTR_FROM_MOUNTS, dest, opts, ro, err);
    }
    struct ctr_mount m = {.type = t, .origin = CTR_FROM_MOUNTS, .readonly = ro};
    int r = t == CTR_MOUNT_BIND ? bind_options(&m, mnt, err) : volume_options(&m, mnt, err);
    if (r == 0)
        r = check_free(s, dest, err);
    if (r < 0) {
        ctr_mount_free(&m);
        return -1;
    }
    m.target = steal_ptr(&dest);
    *add(s) = m;
    return 0;
}

/* ---- HostConfig.Tmpfs ---- */

static int parse_tmpfs(struct ctr_spec *s, json_t *hc, struct md_error *err)
{
    /* sorted: jansson's order is its hash's, and mounts of one depth go in
     * this order */
    json_t *t = json_object_get(hc, "Tmpfs");
    char **keys = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v) strv_push(&keys, k);
    strv_sort(keys);
    int r = 0;
    for (char **d = keys; r == 0 && d && *d; d++) {
        const char *opts = json_string_value(json_object_get(t, *d)) ?: "";
        _cleanup_free_ char *dest = volspec_path_clean(*d);
        if (!strcmp(dest, "/"))
            r = md_err(err, MD_EINVAL, "invalid specification: destination can't be '/'");
        else if ((*d)[0] != '/')
            r = md_err(err, MD_EINVAL, "invalid mount path: '%s' mount path must be absolute", *d);
        else if ((r = check_free(s, dest, err)) == 0)
            r = add_tmpfs(s, CTR_FROM_TMPFS, dest, opts, false, err);
    }
    strv_free(keys);
    return r;
}

/* ---- Config.Volumes ---- */

static int parse_config_volumes(struct ctr_spec *s, json_t *cfg, struct md_error *err)
{
    json_t *vols = json_object_get(cfg, "Volumes");
    char **keys = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(vols, k, v) strv_push(&keys, k);
    strv_sort(keys);
    int r = 0;
    for (char **p = keys; r == 0 && p && *p; p++) {
        _cleanup_free_ char *dest = volspec_path_clean(*p);
        if ((*p)[0] != '/' || !strcmp(dest, "/")) {
            r = md_err(err, MD_EINVAL, "invalid volume specification: '%s'", *p);
            break;
        }
        if (taken(s, dest)) /* a bind, volume or tmpfs covers it */
            continue;
        struct ctr_mount *m = add(s);
        *m = (struct ctr_mount){.type = CTR_MOUNT_VOLUME,
                                .origin = CTR_FROM_VOLUMES,
                                .target = steal_ptr(&dest),
                                .mode = xstrdup(""),
                                .propagation = xstrdup("")};
    }
    strv_free(keys);
    return r;
}

int ctr_spec_parse_mounts(struct ctr_spec *s, json_t *cfg, json_t *hc, struct md_error *err)
{
    if (parse_binds(s, hc, err) < 0)
        return -1;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(hc, "Mounts"), i, m)
    {
        if (!json_is_object(m))
            return md_err(err, MD_EINVAL, "invalid mount: not an object");
        if (parse_one_mount(s, m, err) < 0)
            return -1;
    }
    if (parse_tmpfs(s, hc, err) < 0)
        return -1;
    return parse_config_volumes(s, cfg, err);
}

int ctr_spec_check_sources(const struct ctr_spec *s, struct md_error *err)
{
    for (size_t i = 0; i < s->nmounts; i++) {
        const struct ctr_mount *m = &s->mounts[i];
        struct stat st;
        if (m->type == CTR_MOUNT_BIND && !m->create_source && stat(m->source, &st) < 0)
            return mount_err(err, "bind", "bind source path does not exist: %s", m->source);
    }
    return 0;
}
