/* --mount: encoding/csv fields, then MountOpt.Set's keys and checks. */
#include "common/mountopt.h"
#include "common/cleanup.h"
#include "common/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One CSV record (encoding/csv with its defaults): fields split at commas,
 * a field may be quoted with "" for a quote inside. */
static int csv_fields(const char *s, char ***out, char **why)
{
    char **v = NULL;
    size_t n = strlen(s);
    char *buf = xmalloc(n + 1);
    const char *p = s;
    for (;;) {
        size_t w = 0;
        if (*p == '"') {
            const char *start = p++;
            for (;;) {
                if (!*p) {
                    *why = xasprintf("parse error on line 1, column %zu: extraneous or missing \" "
                                     "in quoted-field",
                                     (size_t)(p - s) + 1);
                    free(buf);
                    strv_free(v);
                    return -1;
                }
                if (*p == '"' && p[1] == '"') {
                    buf[w++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    buf[w++] = *p++;
                }
            }
            if (*p && *p != ',') {
                *why = xasprintf("parse error on line 1, column %zu: extraneous or missing \" in "
                                 "quoted-field",
                                 (size_t)(start - s) + 1);
                free(buf);
                strv_free(v);
                return -1;
            }
        } else {
            for (; *p && *p != ','; p++) {
                if (*p == '"') {
                    *why = xasprintf("parse error on line 1, column %zu: bare \" in "
                                     "non-quoted-field",
                                     (size_t)(p - s) + 1);
                    free(buf);
                    strv_free(v);
                    return -1;
                }
                buf[w++] = *p;
            }
        }
        buf[w] = 0;
        strv_push(&v, buf);
        if (!*p)
            break;
        p++; /* the comma */
    }
    free(buf);
    *out = v;
    return 0;
}

/* strconv.ParseBool */
static int parse_bool(const char *s, bool *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(s, t[i]))
            return *out = true, 0;
        if (!strcmp(s, f[i]))
            return *out = false, 0;
    }
    return -1;
}

static json_t *sub(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!v) {
        v = json_object();
        json_object_set_new(o, k, v);
    }
    return v;
}

/* k=v into a map; a "=v" without a key is dropped, as setValueOnMap does */
static void set_on_map(json_t *map, const char *val)
{
    const char *eq = strchr(val, '=');
    _cleanup_free_ char *k = eq ? xstrndup(val, (size_t)(eq - val)) : xstrdup(val);
    if (*k)
        json_object_set_new(map, k, json_string(eq ? eq + 1 : ""));
}

static int bad(char **why, const char *key, const char *val)
{
    *why = xasprintf("invalid value for %s: %s", key, val);
    return -1;
}

/* One key=value (or bare key) of the CSV; m is the mount being built. */
static int apply(json_t *m, const char *field, const char *cwd, char **why)
{
    const char *eq = strchr(field, '=');
    if (!eq) {
        if (!strcmp(field, "readonly") || !strcmp(field, "ro"))
            json_object_set_new(m, "ReadOnly", json_true());
        else if (!strcmp(field, "volume-nocopy"))
            json_object_set_new(sub(m, "VolumeOptions"), "NoCopy", json_true());
        else if (!strcmp(field, "bind-nonrecursive"))
            json_object_set_new(sub(m, "BindOptions"), "NonRecursive", json_true());
        else if (!strcmp(field, "bind-create-src"))
            json_object_set_new(sub(m, "BindOptions"), "CreateMountpoint", json_true());
        else
            return *why = xasprintf("invalid field '%s' must be a key=value pair", field), -1;
        return 0;
    }
    _cleanup_free_ char *key = xstrndup(field, (size_t)(eq - field));
    const char *val = eq + 1;
    bool b;
    if (!strcmp(key, "type")) {
        _cleanup_free_ char *t = xstrdup(val);
        for (char *c = t; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        json_object_set_new(m, "Type", json_string(t));
    } else if (!strcmp(key, "source") || !strcmp(key, "src")) {
        if (!strcmp(val, ".") || !strncmp(val, "./", 2)) {
            _cleanup_free_ char *abs =
                xasprintf("%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", val[1] ? val + 2 : "");
            size_t l = strlen(abs);
            while (l > 1 && abs[l - 1] == '/')
                abs[--l] = 0;
            json_object_set_new(m, "Source", json_string(abs));
        } else {
            json_object_set_new(m, "Source", json_string(val));
        }
    } else if (!strcmp(key, "target") || !strcmp(key, "dst") || !strcmp(key, "destination")) {
        json_object_set_new(m, "Target", json_string(val));
    } else if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
        if (parse_bool(val, &b) < 0)
            return bad(why, key, val);
        json_object_set_new(m, "ReadOnly", json_boolean(b));
    } else if (!strcmp(key, "consistency")) {
        json_object_set_new(m, "Consistency", json_string(val));
    } else if (!strcmp(key, "bind-propagation")) {
        _cleanup_free_ char *p = xstrdup(val);
        for (char *c = p; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        json_object_set_new(sub(m, "BindOptions"), "Propagation", json_string(p));
    } else if (!strcmp(key, "bind-nonrecursive") || !strcmp(key, "bind-create-src")) {
        if (parse_bool(val, &b) < 0)
            return bad(why, key, val);
        json_object_set_new(sub(m, "BindOptions"),
                            strcmp(key, "bind-nonrecursive") ? "CreateMountpoint" : "NonRecursive",
                            json_boolean(b));
    } else if (!strcmp(key, "bind-recursive")) {
        json_t *bo = sub(m, "BindOptions");
        if (!strcmp(val, "disabled"))
            json_object_set_new(bo, "NonRecursive", json_true());
        else if (!strcmp(val, "writable"))
            json_object_set_new(bo, "ReadOnlyNonRecursive", json_true());
        else if (!strcmp(val, "readonly"))
            json_object_set_new(bo, "ReadOnlyForceRecursive", json_true());
        else if (strcmp(val, "enabled"))
            return *why = xasprintf("invalid value for %s: %s (must be \"enabled\", \"disabled\", "
                                    "\"writable\", or \"readonly\")",
                                    key, val),
                   -1;
    } else if (!strcmp(key, "volume-nocopy")) {
        if (parse_bool(val, &b) < 0)
            return *why = xasprintf("invalid value for volume-nocopy: %s", val), -1;
        json_object_set_new(sub(m, "VolumeOptions"), "NoCopy", json_boolean(b));
    } else if (!strcmp(key, "volume-subpath")) {
        json_object_set_new(sub(m, "VolumeOptions"), "Subpath", json_string(val));
    } else if (!strcmp(key, "volume-label")) {
        set_on_map(sub(sub(m, "VolumeOptions"), "Labels"), val);
    } else if (!strcmp(key, "volume-driver")) {
        json_object_set_new(sub(sub(m, "VolumeOptions"), "DriverConfig"), "Name", json_string(val));
    } else if (!strcmp(key, "volume-opt")) {
        set_on_map(sub(sub(sub(m, "VolumeOptions"), "DriverConfig"), "Options"), val);
    } else if (!strcmp(key, "tmpfs-size")) {
        int64_t size;
        if (parse_ram_size(val, &size) < 0)
            return bad(why, key, val);
        json_object_set_new(sub(m, "TmpfsOptions"), "SizeBytes", json_integer(size));
    } else if (!strcmp(key, "tmpfs-mode")) {
        char *end;
        errno = 0;
        unsigned long long mode = strtoull(val, &end, 8);
        if (!*val || *end || errno || mode > 0xffffffffULL || *val == '-' || *val == '+')
            return bad(why, key, val);
        json_object_set_new(sub(m, "TmpfsOptions"), "Mode", json_integer((json_int_t)mode));
    } else {
        return *why = xasprintf("unexpected key '%s' in '%s'", key, field), -1;
    }
    return 0;
}

int mountopt_parse(const char *value, const char *cwd, json_t **out, char **why)
{
    _cleanup_strv_ char **fields = NULL;
    if (csv_fields(value, &fields, why) < 0)
        return -1;
    json_t *m = json_pack("{s:s}", "Type", "volume");
    for (char **f = fields; *f; f++)
        if (apply(m, *f, cwd, why) < 0) {
            json_decref(m);
            return -1;
        }
    const char *type = json_string_value(json_object_get(m, "Type"));
    const char *err = NULL;
    if (!*type)
        err = "type is required";
    else if (!json_object_get(m, "Target") || !*json_string_value(json_object_get(m, "Target")))
        err = "target is required";
    static const struct {
        const char *field, *prefix, *type;
    } mix[] = {{"VolumeOptions", "volume", "volume"},
               {"BindOptions", "bind", "bind"},
               {"TmpfsOptions", "tmpfs", "tmpfs"}};
    for (size_t i = 0; !err && i < sizeof mix / sizeof *mix; i++)
        if (json_object_get(m, mix[i].field) && strcmp(type, mix[i].type)) {
            *why = xasprintf("cannot mix '%s-*' options with mount type '%s'", mix[i].prefix, type);
            json_decref(m);
            return -1;
        }
    json_t *bo = json_object_get(m, "BindOptions");
    bool ro = json_is_true(json_object_get(m, "ReadOnly"));
    if (!err && json_is_true(json_object_get(bo, "ReadOnlyNonRecursive")) && !ro)
        err = "option 'bind-recursive=writable' requires 'readonly' to be specified in "
              "conjunction";
    if (!err && json_is_true(json_object_get(bo, "ReadOnlyForceRecursive")) && !ro)
        err = "option 'bind-recursive=readonly' requires 'readonly' to be specified in "
              "conjunction";
    if (err) {
        *why = xstrdup(err);
        json_decref(m);
        return -1;
    }
    /* the CLI's VolumeOptions carry an (empty) DriverConfig once any
     * volume-* option was given */
    json_t *vo = json_object_get(m, "VolumeOptions");
    if (vo)
        sub(vo, "DriverConfig");
    *out = m;
    return 0;
}
