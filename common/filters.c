/* filters= parsing and matching helpers (see filters.h). */
#include "common/filters.h"
#include "common/cleanup.h"

#include <stdlib.h>
#include <string.h>

struct filter_entry {
    char *key;
    char **values; /* NULL-terminated, never NULL */
    size_t n;
};

struct filters {
    struct filter_entry *e;
    size_t n;
};

struct filters *filters_new(void)
{
    return xcalloc(1, sizeof(struct filters));
}

void filters_free(struct filters *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->e[i].key);
        strv_free(f->e[i].values);
    }
    free(f->e);
    free(f);
}

static struct filter_entry *find(const struct filters *f, const char *key)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (strcmp(f->e[i].key, key) == 0)
            return &f->e[i];
    return NULL;
}

static struct filter_entry *find_or_add(struct filters *f, const char *key)
{
    struct filter_entry *e = find(f, key);
    if (e)
        return e;
    f->e = xrealloc(f->e, (f->n + 1) * sizeof(*f->e));
    e = &f->e[f->n++];
    e->key = xstrdup(key);
    e->values = xcalloc(1, sizeof(char *));
    e->n = 0;
    return e;
}

static void add_value(struct filters *f, const char *key, const char *value)
{
    struct filter_entry *e = find_or_add(f, key);
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->values[i], value) == 0)
            return;
    strv_push(&e->values, value);
    e->n++;
}

/* One key's value in either form. Go decodes the map form into
 * map[string]map[string]bool and, failing that, the legacy form into
 * map[string][]string, so a document mixing the two is rejected; null stands
 * for a key without values in both. */
static int add_json_values(struct filters *f, const char *key, json_t *v, bool legacy)
{
    find_or_add(f, key);
    if (json_is_null(v))
        return 0;
    if (!legacy) {
        if (!json_is_object(v))
            return -1;
        const char *val;
        json_t *b;
        json_object_foreach(v, val, b)
        {
            if (!json_is_boolean(b))
                return -1;
            add_value(f, key, val);
        }
        return 0;
    }
    if (!json_is_array(v))
        return -1;
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s)
    {
        if (json_is_null(s))
            add_value(f, key, ""); /* Go leaves the element zero */
        else if (json_is_string(s))
            add_value(f, key, json_string_value(s));
        else
            return -1;
    }
    return 0;
}

static int parse_form(json_t *root, bool legacy, struct filters **out)
{
    _cleanup_filters_ struct filters *f = filters_new();
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (add_json_values(f, key, v, legacy) < 0)
            return -1;
    }
    *out = steal_ptr(&f);
    return 0;
}

int filters_parse(const char *json, struct filters **out, struct md_error *err)
{
    *out = NULL;
    if (!json || !*json) {
        *out = filters_new();
        return 0;
    }
    json_t *root = json_loads(json, JSON_DECODE_ANY, NULL);
    if (!root)
        return md_err(err, MD_EINVAL, "invalid filter");
    int r = 0;
    if (json_is_null(root))
        *out = filters_new();
    else if (!json_is_object(root) ||
             (parse_form(root, false, out) < 0 && parse_form(root, true, out) < 0))
        r = md_err(err, MD_EINVAL, "invalid filter");
    json_decref(root);
    return r;
}

int filters_validate(const struct filters *f, const char *const *allowed_keys, struct md_error *err)
{
    for (size_t i = 0; f && i < f->n; i++) {
        bool ok = false;
        for (const char *const *a = allowed_keys; a && *a && !ok; a++)
            ok = strcmp(*a, f->e[i].key) == 0;
        if (!ok)
            return md_err(err, MD_EINVAL, "invalid filter '%s'", f->e[i].key);
    }
    return 0;
}

char **filters_get(const struct filters *f, const char *key)
{
    struct filter_entry *e = find(f, key);
    return e ? e->values : NULL;
}

bool filters_has(const struct filters *f, const char *key)
{
    return find(f, key) != NULL;
}

bool filters_match_label(const struct filters *f, json_t *labels)
{
    struct filter_entry *e = find(f, "label");
    if (!e || e->n == 0)
        return true;
    if (!json_is_object(labels) || json_object_size(labels) == 0)
        return false;
    for (size_t i = 0; i < e->n; i++) {
        const char *v = e->values[i];
        const char *eq = strchr(v, '=');
        _cleanup_free_ char *k = eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
        json_t *have = json_object_get(labels, k);
        if (!have)
            return false;
        if (eq && (!json_is_string(have) || strcmp(json_string_value(have), eq + 1) != 0))
            return false;
    }
    return true;
}

char *filters_to_json(const struct filters *f)
{
    if (!f || f->n == 0)
        return xstrdup("");
    json_t *root = json_object();
    for (size_t i = 0; i < f->n; i++) {
        json_t *set = json_object();
        for (size_t j = 0; j < f->e[i].n; j++)
            json_object_set_new(set, f->e[i].values[j], json_true());
        json_object_set_new(root, f->e[i].key, set);
    }
    char *s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    if (!s)
        abort();
    return s;
}

static char *trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
                 s[n - 1] == '\v' || s[n - 1] == '\f'))
        n--;
    return xstrndup(s, n);
}

int filters_add(struct filters *f, const char *kv, struct md_error *err)
{
    if (!kv || !*kv)
        return 0;
    const char *eq = strchr(kv, '=');
    if (!eq)
        return md_err(err, MD_EINVAL, "bad format of filter (expected name=value)");
    _cleanup_free_ char *key = trim(kv, (size_t)(eq - kv));
    _cleanup_free_ char *val = trim(eq + 1, strlen(eq + 1));
    for (char *c = key; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    add_value(f, key, val);
    return 0;
}
