/* The daemon-wide configuration and path helpers. */
#include "daemon/daemon.h"
#include "common/cleanup.h"

#include <stdarg.h>

struct md_config md_cfg;

static char *under(const char *root, const char *fmt, va_list ap)
{
    _cleanup_free_ char *rel = NULL;
    if (vasprintf(&rel, fmt, ap) < 0)
        abort();
    return xasprintf("%s/%s", root, rel);
}

char *md_data_path(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = under(md_cfg.data_root, fmt, ap);
    va_end(ap);
    return p;
}

char *md_exec_path(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = under(md_cfg.exec_root, fmt, ap);
    va_end(ap);
    return p;
}
