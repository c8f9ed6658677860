/* Whiteouts as layer tars spell them (".wh.NAME" hides NAME of the layers
 * below, ".wh..wh..opq" hides a whole directory's lower content) and as
 * overlayfs stores them (a 0/0 character device, trusted.overlay.opaque=y).
 * Pure name logic, shared by unpacking and by export. */
#pragma once

#define WH_PREFIX       ".wh."
#define WH_OPAQUE       ".wh..wh..opq"
#define WH_OPAQUE_XATTR "trusted.overlay.opaque"

enum wh_kind {
    WH_NONE, /* an ordinary name */
    WH_FILE, /* ".wh.NAME": *target = NAME */
    WH_OPAQUE_DIR,
    WH_META,    /* aufs bookkeeping (".wh..wh.plnk", ".wh..wh.aufs"): skipped */
    WH_INVALID, /* ".wh." alone, ".wh..", ".wh..." */
};

/* Classify one path component (no '/'). */
enum wh_kind whiteout_parse(const char *base, const char **target);
/* ".wh." + base, malloc'd: the tar name of a whiteout for base. */
char *whiteout_name(const char *base);
