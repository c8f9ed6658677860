/* .dockerignore patterns (see dockerignore.h). */
#include "common/dockerignore.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

/* filepath.Clean of a relative path, "" for "." */
static char *clean(const char *p)
{
    _cleanup_free_ char *dup = xstrdup(p);
    struct strbuf sb = STRBUF_INIT;
    sb_add(&sb, "");
    char *save = NULL;
    for (char *c = strtok_r(dup, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            char *sl = strrchr(sb.s, '/');
            sb.len = sl ? (size_t)(sl - sb.s) : 0;
            sb.s[sb.len] = '\0';
            continue;
        }
        if (sb.len)
            sb_addc(&sb, '/');
        sb_add(&sb, c);
    }
    return sb_steal(&sb);
}

char **dockerignore_parse(const char *text)
{
    char **v = xcalloc(1, sizeof *v);
    _cleanup_free_ char *dup = xstrdup(text ? text : "");
    for (char *next = dup, *line; (line = strsep(&next, "\n"));) {
        size_t n = strlen(line);
        while (n && isspace((unsigned char)line[n - 1]))
            line[--n] = '\0';
        while (isspace((unsigned char)*line))
            line++;
        if (!*line || *line == '#')
            continue;
        bool neg = *line == '!';
        const char *p = neg ? line + 1 : line;
        while (isspace((unsigned char)*p))
            p++;
        _cleanup_free_ char *c = clean(p);
        if (!*c)
            continue;
        _cleanup_free_ char *e = xasprintf("%s%s", neg ? "!" : "", c);
        strv_push(&v, e);
    }
    return v;
}

/* Components pat[] against name[]; "**" takes any number of them. */
static bool match_comps(char **pat, char **name)
{
    if (!*pat)
        return !*name;
    if (!strcmp(*pat, "**")) {
        for (char **n = name;; n++) {
            if (match_comps(pat + 1, n))
                return true;
            if (!*n)
                return false;
        }
    }
    if (!*name || fnmatch(*pat, *name, 0) != 0)
        return false;
    return match_comps(pat + 1, name + 1);
}

static char **split(const char *s)
{
    char **v = xcalloc(1, sizeof *v);
    _cleanup_free_ char *dup = xstrdup(s);
    char *save = NULL;
    for (char *c = strtok_r(dup, "/", &save); c; c = strtok_r(NULL, "/", &save))
        strv_push(&v, c);
    return v;
}

bool dockerignore_excluded(char *const *patterns, const char *rel)
{
    _cleanup_free_ char *c = clean(rel);
    _cleanup_strv_ char **name = split(c);
    size_t n = strv_len(name);
    bool excluded = false;
    for (char *const *p = patterns; p && *p; p++) {
        bool neg = **p == '!';
        _cleanup_strv_ char **pat = split(neg ? *p + 1 : *p);
        /* the path or one of its parents */
        bool m = false;
        for (size_t k = 1; k <= n && !m; k++) {
            char *saved = name[k];
            name[k] = NULL;
            m = match_comps(pat, name);
            name[k] = saved;
        }
        if (m)
            excluded = !neg;
    }
    return excluded;
}
