/* jansson helpers: conversions to and from C string vectors, lossy UTF-8,
 * and crash-safe persistence of JSON files (container records, repositories
 * and IPAM state are written through json_write_atomic). */
#include "common/jsonutil.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

static json_t *json_check(json_t *j)
{
    /* jansson returns NULL only on out-of-memory for valid input. */
    if (!j)
        abort();
    return j;
}

/* Length of the valid UTF-8 sequence at s, or 0 if invalid (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t cp, min;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
        min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
        min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

json_t *json_str_lossy(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j)
        return j;
    /* Slow path only for invalid input: rebuild with replacements. */
    size_t len = strlen(s);
    _cleanup_free_ char *fixed = xmalloc(len * 3 + 1);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_seq_len(p);
        if (n == 0) {
            memcpy(fixed + o, "\xef\xbf\xbd", 3);
            o += 3;
            p++;
            continue;
        }
        memcpy(fixed + o, p, n);
        o += n;
        p += n;
    }
    fixed[o] = '\0';
    return json_check(json_string(fixed));
}

json_t *json_strv(char *const *v)
{
    if (!v)
        return json_check(json_null());
    json_t *arr = json_check(json_array());
    for (; *v; v++)
        if (json_array_append_new(arr, json_str_lossy(*v)) < 0)
            abort();
    return arr;
}

char **json_to_strv(json_t *arr)
{
    if (!json_is_array(arr))
        return NULL;
    size_t n = json_array_size(arr);
    _cleanup_strv_ char **v = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (!s)
            return NULL;
        v[i] = xstrdup(s);
    }
    return steal_ptr(&v);
}

const char *json_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

int json_write_replace(const char *path, json_t *j, bool durable, struct md_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!*(slash ? slash + 1 : path))
        return md_err(err, MD_EINVAL, "write %s: not a file name", path);
    /* one write: json_dumpfd writes piece by piece, hundreds of syscalls */
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return md_err(err, MD_EINTERNAL, "write %s: cannot encode", path);
    /* 0600: records hold environment variables, which often carry secrets */
    if (fs_write_replace_at(AT_FDCWD, path, text, strlen(text), 0600,
                            durable ? FS_SYNC | FS_SYNC_DIR : 0, err) < 0)
        return -1;
    return 0;
}

int json_write_atomic(const char *path, json_t *j, struct md_error *err)
{
    return json_write_replace(path, j, true, err);
}

json_t *json_load_path(const char *path, struct md_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        md_errno(err, errno, "open %s", path);
        return NULL;
    }
    json_error_t jerr;
    json_t *j = json_loadfd(fd, JSON_DECODE_ANY, &jerr);
    if (!j)
        md_err(err, MD_EINTERNAL, "parse %s: %s (line %d, column %d)", path, jerr.text, jerr.line,
               jerr.column);
    return j;
}

static size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

int json_array_each(const char *text, size_t len, int (*fn)(json_t *elem, void *ctx), void *ctx,
                    struct md_error *err)
{
    size_t i = skip_ws(text, 0, len);
    if (i >= len || text[i] != '[')
        return md_err(err, MD_EINVAL, "not a JSON array");
    i = skip_ws(text, i + 1, len);
    if (i < len && text[i] == ']')
        return skip_ws(text, i + 1, len) == len ? 0
                                                : md_err(err, MD_EINVAL, "data after the array");
    for (;;) {
        /* jansson stops after one value and says how far it read */
        json_error_t jerr;
        json_t *e = json_loadb(text + i, len - i, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
        if (!e)
            return md_err(err, MD_EINVAL, "array element at byte %zu: %s", i, jerr.text);
        i += (size_t)jerr.position;
        int r = fn(e, ctx);
        json_decref(e);
        if (r)
            return r;
        i = skip_ws(text, i, len);
        if (i < len && text[i] == ',') {
            i = skip_ws(text, i + 1, len);
            continue;
        }
        if (i < len && text[i] == ']' && skip_ws(text, i + 1, len) == len)
            return 0;
        return md_err(err, MD_EINVAL, "array element at byte %zu: expected ',' or ']'", i);
    }
}
