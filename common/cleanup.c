/* Allocation wrappers and string vectors. */
#include "common/cleanup.h"

#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        abort();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

void *xbig_alloc(size_t n)
{
    size_t len = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    char *m =
        mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        abort();
    /* keep the 2 MiB-aligned part, so it can be backed by huge pages */
    char *a = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > m)
        munmap(m, (size_t)(a - m));
    if (a + len < m + len + HUGE_PAGE)
        munmap(a + len, (size_t)(m + len + HUGE_PAGE - (a + len)));
    madvise(a, len, MADV_HUGEPAGE); /* advice only: without THP, 4 KiB pages */
    return a;
}

void xbig_free(void *p, size_t n)
{
    if (p)
        munmap(p, (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1));
}

char *xstrdup(const char *s)
{
    char *r = strdup(s ? s : "");
    if (!r)
        abort();
    return r;
}

char *xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        abort();
    return r;
}

char *xasprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        abort();
    return s;
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_push(char ***v, const char *s)
{
    size_t n = strv_len(*v);
    *v = xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = xstrdup(s);
    (*v)[n + 1] = NULL;
}

char **strv_dup(char *const *v)
{
    size_t n = strv_len(v);
    char **r = xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        r[i] = xstrdup(v[i]);
    return r;
}

static int strv_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
    if (v)
        qsort(v, strv_len(v), sizeof *v, strv_cmp);
}

char *strv_join(char *const *v, const char *sep)
{
    size_t n = 1, seplen = strlen(sep);
    for (char *const *p = v; p && *p; p++)
        n += strlen(*p) + seplen;
    char *out = xmalloc(n), *o = out;
    *o = 0;
    for (char *const *p = v; p && *p; p++) {
        if (p != v) {
            memcpy(o, sep, seplen);
            o += seplen;
        }
        size_t l = strlen(*p);
        memcpy(o, *p, l + 1);
        o += l;
    }
    return out;
}
