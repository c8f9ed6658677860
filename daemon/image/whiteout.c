/* Whiteout name conversion (see whiteout.h). */
#include "daemon/image/whiteout.h"
#include "common/cleanup.h"

#include <string.h>

enum wh_kind whiteout_parse(const char *base, const char **target)
{
    size_t pl = strlen(WH_PREFIX);
    if (strncmp(base, WH_PREFIX, pl) != 0)
        return WH_NONE;
    if (strcmp(base, WH_OPAQUE) == 0)
        return WH_OPAQUE_DIR;
    /* ".wh..wh.*" is aufs metadata (plnk hardlink dir, aufs xino, orph);
     * docker drops those entries too. */
    if (strncmp(base + pl, WH_PREFIX, pl) == 0)
        return WH_META;
    const char *t = base + pl;
    if (!*t || strcmp(t, ".") == 0 || strcmp(t, "..") == 0)
        return WH_INVALID;
    if (target)
        *target = t;
    return WH_FILE;
}

char *whiteout_name(const char *base)
{
    return xasprintf("%s%s", WH_PREFIX, base);
}
