/* The tar side of docker cp in the client, which is linked statically and
 * carries no libarchive: a ustar writer (pax records for long names) and a
 * reader of what moby and minidock write (ustar, pax, GNU long names), and
 * extraction below a local directory that nothing in the tar can leave. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct tar_hdr {
    char *name;
    char *linkname;
    char type;   /* '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo */
    mode_t mode; /* permission bits (07777) */
    uid_t uid;
    gid_t gid;
    int64_t size;
    int64_t mtime;
    unsigned devmajor, devminor;
};

/* ---- writing ---- */
struct tar_out;
struct tar_out *tar_out_new(int fd);
/* Write the local tree at path (a file, a dir with everything below it, a
 * symlink as itself) named top in the tar (a dir's children "top/x"). Adds
 * the bytes of regular files to *content. -1 with a message in *err. */
int tar_out_tree(struct tar_out *t, const char *path, const char *top, int64_t *content,
                 char **err);
/* The same, leaving out every entry whose name (as in the tar, without a
 * trailing "/") skip returns true for, and what is below it. */
int tar_out_tree_skip(struct tar_out *t, const char *path, const char *top, int64_t *content,
                      bool (*skip)(void *ctx, const char *name), void *ctx, char **err);
/* The two zero blocks, flush, free; the tar's length, or -1. */
int64_t tar_out_finish(struct tar_out *t);

/* ---- reading and extracting ---- */
struct tar_extract_opts {
    const char *old_base; /* entry names starting with old_base get new_base instead */
    const char *new_base; /* (moby's RebaseArchiveEntries); NULL = no renaming */
    bool chown;           /* keep the tar's uid/gid */
};
/* Extract the tar read from rd into the local directory dir (which must
 * exist). An existing dir is not replaced by a non-dir nor the other way
 * (moby's NoOverwriteDirNonDir); every path is resolved beneath dir, so no
 * entry or symlink in the tar can reach outside it. *bytes gets the tar's
 * length. -1 with a message in *err. */
typedef ssize_t (*tar_read_fn)(void *ctx, void *buf, size_t n); /* 0 at the end, -1 error */
int tar_extract(tar_read_fn rd, void *rctx, const char *dir, const struct tar_extract_opts *o,
                int64_t *bytes, char **err);
