/* Scope-based ownership: __attribute__((cleanup)) helpers for every owned
 * type, explicit hand-over with steal_fd/steal_ptr, and allocators that abort
 * on out-of-memory (the only condition on which the daemon aborts). */
#pragma once
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
    free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
static inline void cleanup_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
static inline void cleanup_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}
/* NULL-terminated vector of strings. */
static inline void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}
static inline void cleanup_strvp(char ***v)
{
    strv_free(*v);
}

#define _cleanup_free_     __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_    __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_   __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_strv_     __attribute__((cleanup(cleanup_strvp)))

static inline int steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}
#define steal_ptr(pp)                                                                              \
    ({                                                                                             \
        __typeof__(*(pp)) _p = *(pp);                                                              \
        *(pp) = NULL;                                                                              \
        _p;                                                                                        \
    })

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
/* A large buffer cycled through again and again (the rings of the load
 * path), in 2 MiB pages where the kernel has transparent huge pages: a
 * 4 KiB page fault is costly, in a VM very much so (28 us each measured
 * on our build hosts, 200 ms to touch 28 MiB; 6 ms with huge pages).
 * Release with xbig_free and the same size. */
void *xbig_alloc(size_t n);
void xbig_free(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t strv_len(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);
char **strv_dup(char *const *v);
/* In place, by strcmp. */
void strv_sort(char **v);
/* "a,b,c"; "" for an empty or NULL v. Malloc'd. */
char *strv_join(char *const *v, const char *sep);
