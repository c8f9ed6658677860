/* The one error type of minidock: an errno-like code plus a message that
 * grows context on its way up ("create container web: mount overlay: ..."). */
#pragma once
#include <stdarg.h>

/* err is an errno value, or one of the MD_E* codes below for conditions that
 * have no errno; api/ maps it to an HTTP status at the edge only. */
struct md_error {
    int err;
    char *msg;
};

enum {
    MD_EINVAL = 1000,  /* bad input from a client: 400 */
    MD_ENOTFOUND,      /* no such object: 404 */
    MD_ECONFLICT,      /* state or name conflict: 409 */
    MD_ENOTMODIFIED,   /* already in that state: 304 */
    MD_EUNAUTHORIZED,  /* 401 */
    MD_EINTERNAL,      /* 500 */
};

/* Set *e (if non-NULL) and return -1. A previous message is replaced. */
int md_err(struct md_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like md_err, appending ": strerror(errnum)" and keeping errnum as the code. */
int md_errno(struct md_error *e, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix context: "<fmt>: <old message>"; code unchanged. Returns -1. */
int md_err_wrap(struct md_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void md_err_clear(struct md_error *e);
/* Message or "unknown error" when none was set. */
const char *md_err_msg(const struct md_error *e);
