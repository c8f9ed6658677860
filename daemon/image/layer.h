/* One image layer on disk: unpacking a layer tar (plain, gzip, zstd, ...)
 * safely into a directory, and writing the same tar back out for save.
 *
 * A layer directory holds:
 *   diff/        the unpacked files, whiteouts in overlayfs form
 *   tar-split    the tar's headers and padding, with references to the files
 *                in diff/ for the contents, so export rebuilds the original
 *                tar byte for byte (its sha256 is the diff id in the image
 *                config, which docker load verifies) without keeping a copy
 *   layer.tar    instead of tar-split, for the rare tar that cannot be
 *                rebuilt from its files (a name repeated in the archive, a
 *                whiteout of a name in the same layer); unpack switches to
 *                it in the middle of the stream when it meets one
 *   meta.json    written by the store (diff id, sizes, parent chain id)
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/image/digest.h"

/* Entries above this size are refused as corrupt or malicious. */
#define LAYER_MAX_ENTRY_SIZE (1LL << 40)

/* Source of the layer bytes as stored (maybe compressed): points *buf at the
 * next block (valid until the next call) and returns its length, 0 at the
 * end, -1 with err set. */
typedef ssize_t (*layer_read_fn)(void *ctx, const void **buf, struct md_error *err);

/* A layer_read_fn over a file: reads of up to size bytes into buf. */
#define LAYER_READ_BLOCK (256u * 1024)
struct layer_fd_src {
    int fd;
    char *buf;
    size_t size;
};
ssize_t layer_fd_read(void *ctx, const void **buf, struct md_error *err);

struct layer_unpack_opts {
    const char *label; /* message prefix: "layer sha256:…" */
    bool keep_tar;     /* store layer.tar from the start instead of tar-split */
};

struct layer_info {
    char diff_id[DIGEST_LEN + 1];     /* sha256 of the uncompressed tar */
    char blob_digest[DIGEST_LEN + 1]; /* sha256 of the bytes as read */
    int64_t blob_size;
    int64_t tar_size; /* uncompressed tar length */
    int64_t size;     /* file contents, as docker's layer Size */
    bool keep_tar;    /* layer.tar was kept */
};

/* Unpack into dirfd (an empty directory): creates diff/ and tar-split or
 * layer.tar, reading the source once. Returns 0, or -1 with err (MD_EINVAL
 * for a bad or malicious archive, naming the entry). On failure the caller
 * removes the directory. */
int layer_unpack(layer_read_fn rd, void *rctx, int dirfd, const struct layer_unpack_opts *o,
                 struct layer_info *out, struct md_error *err);

/* Sink of export: 0, or -1 to stop (the client went away). */
typedef int (*layer_write_fn)(void *ctx, const void *buf, size_t n);
/* A layer_write_fn into the file descriptor *(int *)ctx. */
int layer_fd_write(void *ctx, const void *buf, size_t n);

/* Write the layer's uncompressed tar (exactly tar_size bytes) and check it
 * against diff_id. -1 with err when the layer on disk no longer matches. */
int layer_export(int dirfd, int64_t tar_size, const char *diff_id, layer_write_fn wr, void *wctx,
                 struct md_error *err);

/* Whether a stream starting with these bytes (LAYER_SNIFF_LEN of them, or
 * all there are) looks like a layer: a tar header, or the magic of a
 * compression layer_unpack reads. */
#define LAYER_SNIFF_LEN 512
bool layer_sniff(const void *p, size_t n);

/* Normalise a tar member name to a relative path without "." components:
 * "./a//b/" -> "a/b", "./" -> "". -1 for absolute names, ".." components,
 * and names too long or too deep (*why gets a short reason). Exposed for
 * unit tests. */
int layer_clean_path(const char *name, char *out, size_t cap, const char **why);
