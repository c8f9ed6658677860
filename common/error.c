/* Error construction and context wrapping. */
#include "common/error.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    return s;
}

int md_err(struct md_error *e, int code, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *m = vformat(fmt, ap);
    va_end(ap);
    free(e->msg);
    e->msg = m;
    e->err = code;
    return -1;
}

int md_errno(struct md_error *e, int errnum, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *m = vformat(fmt, ap);
    va_end(ap);
    free(e->msg);
    e->msg = xasprintf("%s: %s", m, strerror(errnum));
    e->err = errnum;
    return -1;
}

int md_err_wrap(struct md_error *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *ctx = vformat(fmt, ap);
    va_end(ap);
    char *m = xasprintf("%s: %s", ctx, e->msg ? e->msg : "unknown error");
    free(e->msg);
    e->msg = m;
    return -1;
}

void md_err_clear(struct md_error *e)
{
    if (!e)
        return;
    free(e->msg);
    e->msg = NULL;
    e->err = 0;
}

const char *md_err_msg(const struct md_error *e)
{
    return e && e->msg ? e->msg : "unknown error";
}
