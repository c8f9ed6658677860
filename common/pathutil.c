/* Go's and moby's path rules; see pathutil.h. */
#include "common/pathutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

char *path_clean(const char *path)
{
    bool abs = path[0] == '/';
    size_t n = strlen(path);
    char *out = xmalloc(n + 2);
    size_t len = 0, floor = abs ? 1 : 0, dotdot = floor; /* out[floor..dotdot) is "../.." */
    if (abs)
        out[len++] = '/';
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchrnul(p, '/');
        size_t k = (size_t)(e - p);
        if (k == 2 && p[0] == '.' && p[1] == '.') {
            if (len > dotdot) { /* drop the last real component */
                while (len > dotdot && out[len - 1] != '/')
                    len--;
                if (len > dotdot)
                    len--;
            } else if (!abs) { /* nothing to drop: a leading ".." stays */
                if (len > floor)
                    out[len++] = '/';
                memcpy(out + len, "..", 2);
                len += 2;
                dotdot = len;
            }
        } else if (k && !(k == 1 && p[0] == '.')) {
            if (len > floor)
                out[len++] = '/';
            memcpy(out + len, p, k);
            len += k;
        }
        p = e;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = '\0';
    return out;
}

char *path_base(const char *path)
{
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    if (n == 0)
        return xstrdup(path[0] ? "/" : ".");
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    return xstrndup(path + s, n - s);
}

bool path_has_trailing_sep(const char *path)
{
    size_t n = strlen(path);
    return n && path[n - 1] == '/';
}

bool path_specifies_current_dir(const char *path)
{
    size_t n = strlen(path);
    return (n == 1 && path[0] == '.') || (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/');
}

char *path_preserve_trailing(char *cleaned, const char *orig)
{
    if (!path_specifies_current_dir(cleaned) && path_specifies_current_dir(orig)) {
        char *t = xasprintf("%s%s.", cleaned, path_has_trailing_sep(cleaned) ? "" : "/");
        free(cleaned);
        cleaned = t;
    }
    if (!path_has_trailing_sep(cleaned) && path_has_trailing_sep(orig)) {
        char *t = xasprintf("%s/", cleaned);
        free(cleaned);
        cleaned = t;
    }
    return cleaned;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **path_sorted_names(DIR *d, size_t *n)
{
    size_t cap = 16;
    char **names = xcalloc(cap + 1, sizeof *names);
    *n = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            if (*n == cap) {
                cap *= 2;
                names = xrealloc(names, (cap + 1) * sizeof *names);
            }
            names[(*n)++] = xstrdup(de->d_name);
            names[*n] = NULL;
        }
    if (errno) { /* a listing cut short must not pass for a whole one */
        int e = errno;
        strv_free(names);
        errno = e;
        return NULL;
    }
    if (*n)
        qsort(names, *n, sizeof *names, by_name);
    return names;
}
