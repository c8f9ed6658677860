/* -v parsing. The checks run in the order a user of the docker CLI meets
 * them: the CLI's own syntax check, then moby's linux ParseMountRaw, then the
 * local volume driver's name rule. */
#include "common/volspec.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <stdlib.h>
#include <string.h>

/* Go's path.Clean. */
char *volspec_path_clean(const char *p)
{
    if (!*p)
        return xstrdup(".");
    bool rooted = p[0] == '/';
    size_t n = strlen(p);
    char *out = xmalloc(n + 2);
    size_t w = 0, r = 0, dotdot = 0;
    if (rooted) {
        out[w++] = '/';
        r = 1;
        dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) {
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) {
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[w++] = p[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

enum mode_class { M_RW, M_LABEL, M_PROP, M_COPY, M_CONSIST, M_NCLASS };

static int classify_option(const char *o, size_t n)
{
    static const struct {
        const char *name;
        enum mode_class cls;
    } opts[] = {
        {"rw", M_RW},          {"ro", M_RW},
        {"z", M_LABEL},        {"Z", M_LABEL},
        {"private", M_PROP},   {"rprivate", M_PROP},
        {"slave", M_PROP},     {"rslave", M_PROP},
        {"shared", M_PROP},    {"rshared", M_PROP},
        {"nocopy", M_COPY},    {"consistent", M_CONSIST},
        {"cached", M_CONSIST}, {"delegated", M_CONSIST},
    };
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (strlen(opts[i].name) == n && memcmp(opts[i].name, o, n) == 0)
            return (int)opts[i].cls;
    return -1;
}

/* linuxValidMountMode: comma-separated known options, at most one of each
 * kind ("ro,rw" is invalid). */
static bool valid_mode(const char *mode)
{
    if (!*mode)
        return true;
    int count[M_NCLASS] = {0};
    const char *p = mode;
    for (;;) {
        size_t n = strcspn(p, ",");
        int c = classify_option(p, n);
        if (c < 0 || ++count[c] > 1)
            return false;
        if (!p[n])
            return true;
        p += n + 1;
    }
}

static bool mode_has(const char *mode, enum mode_class cls, const char *only)
{
    for (const char *p = mode; *p;) {
        size_t n = strcspn(p, ",");
        if (classify_option(p, n) == (int)cls &&
            (!only || (strlen(only) == n && !memcmp(only, p, n))))
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

const char *volspec_mode_propagation(const char *mode)
{
    static const char *const props[] = {"private", "rprivate", "slave",
                                        "rslave",  "shared",   "rshared"};
    for (const char *p = mode ? mode : ""; *p;) {
        size_t n = strcspn(p, ",");
        for (size_t i = 0; i < sizeof props / sizeof *props; i++)
            if (strlen(props[i]) == n && !memcmp(props[i], p, n))
                return props[i];
        p += n;
        if (*p)
            p++;
    }
    return NULL;
}

static bool valid_volume_name_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return !first && (c == '_' || c == '.' || c == '-');
}

int volspec_check_name(const char *name, struct md_error *err)
{
    size_t n = strlen(name);
    if (n == 1)
        return md_err(err, MD_EINVAL,
                      "create %s: volume name is too short, names should be at least two "
                      "alphanumeric characters",
                      name);
    bool ok = n >= 2;
    for (size_t i = 0; ok && i < n; i++)
        ok = valid_volume_name_char(name[i], i == 0);
    if (ok)
        return 0;
    struct strbuf b = STRBUF_INIT;
    sb_add_quoted(&b, name);
    _cleanup_free_ char *q = sb_steal(&b);
    return md_err(err, MD_EINVAL,
                  "create %s: %s includes invalid characters for a local volume name, only "
                  "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                  "directory, use absolute path",
                  name, q);
}

/* The docker CLI (cli/compose/loader ParseVolume) rejects these before
 * sending anything; specs of one or two bytes skip its check. */
static int cli_check(const char *spec, struct md_error *err)
{
    size_t n = strlen(spec);
    if (n == 0)
        return md_err(err, MD_EINVAL, "invalid empty volume spec");
    if (n <= 2)
        return 0;
    size_t fields = 0;
    for (const char *p = spec;;) {
        size_t fl = strcspn(p, ":");
        if (fl == 0)
            return md_err(err, MD_EINVAL, "invalid spec: %s: empty section between colons", spec);
        fields++;
        if (!p[fl])
            break;
        if (fields == 3)
            return md_err(err, MD_EINVAL, "invalid spec: %s: too many colons", spec);
        p += fl + 1;
    }
    return 0;
}

static int mount_config_err(struct md_error *err, const char *spec, const char *type,
                            const char *why)
{
    return md_err(err, MD_EINVAL,
                  "invalid volume specification: '%s': invalid mount config for type \"%s\": %s",
                  spec, type, why);
}

int volspec_parse(const char *spec, struct vol_spec *out, struct md_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!spec)
        spec = "";
    if (cli_check(spec, err) < 0)
        return -1;

    /* ParseMountRaw: strings.SplitN(raw, ":", 4). */
    const char *f[4] = {0};
    size_t fl[4] = {0};
    size_t nf = 0;
    for (const char *p = spec; nf < 4;) {
        size_t l = nf == 3 ? strlen(p) : strcspn(p, ":");
        f[nf] = p;
        fl[nf++] = l;
        if (!p[l])
            break;
        p += l + 1;
    }
    if (fl[0] == 0 || nf == 4)
        return md_err(err, MD_EINVAL, "invalid volume specification: '%s'", spec);
    _cleanup_free_ char *source = NULL, *target = NULL, *mode = NULL;
    if (nf == 1) {
        target = xstrndup(f[0], fl[0]);
    } else {
        source = xstrndup(f[0], fl[0]);
        target = xstrndup(f[1], fl[1]);
        if (nf == 3)
            mode = xstrndup(f[2], fl[2]);
        else if (valid_mode(target))
            /* "/foo:rw": a destination with a mode but no source. */
            return md_err(err, MD_EINVAL, "invalid volume specification: '%s'", spec);
    }
    if (mode && !valid_mode(mode))
        return md_err(err, MD_EINVAL, "invalid mode: %s", mode);

    bool bind = source && source[0] == '/';
    const char *type = bind ? "bind" : "volume";
    const char *m = mode ? mode : "";
    if (!*target)
        return mount_config_err(err, spec, type, "field Target must not be empty");
    _cleanup_free_ char *dest = volspec_path_clean(target);
    if (strcmp(dest, "/") == 0)
        return mount_config_err(err, spec, type, "invalid specification: destination can't be '/'");
    if (target[0] != '/') {
        _cleanup_free_ char *why =
            xasprintf("invalid mount path: '%s' mount path must be absolute", target);
        return mount_config_err(err, spec, type, why);
    }
    if (bind && mode_has(m, M_COPY, NULL))
        return mount_config_err(err, spec, type, "field VolumeOptions must not be specified");
    if (!bind && mode_has(m, M_PROP, NULL))
        return mount_config_err(err, spec, type, "field BindOptions must not be specified");
    if (source && !bind && volspec_check_name(source, err) < 0)
        return -1;

    out->type = bind ? VOL_BIND : source ? VOL_NAMED : VOL_ANON;
    out->source = bind ? volspec_path_clean(source) : steal_ptr(&source);
    out->dest = steal_ptr(&dest);
    out->readonly = mode_has(m, M_RW, "ro");
    out->mode = steal_ptr(&mode);
    return 0;
}

void volspec_free(struct vol_spec *v)
{
    if (!v)
        return;
    free(v->source);
    free(v->dest);
    free(v->mode);
    memset(v, 0, sizeof(*v));
}
