/* libFuzzer harness for daemon/image/layer.c: arbitrary bytes as a layer
 * (tar, gzip, zstd ...) unpacked into a fresh directory. Whatever the input,
 * the unpack must fail cleanly or succeed, and nothing may appear outside
 * the layer directory (checked: the sandbox holds only "L").
 * Build (not in the common/ rule of this directory's Makefile):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -I../.. -fsanitize=fuzzer,address,undefined \
 *     fuzz_image_unpack.c ../../daemon/image/{layer,writer,fsutil,digest,whiteout}.c \
 *     ../../common/{cleanup,error,log,ids,fsutil}.c -larchive -lcrypto -lpthread */
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "daemon/image/fsutil.h"
#include "daemon/image/layer.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
    const uint8_t *p;
    size_t left;
};

static ssize_t rd(void *ctx, const void **buf, struct md_error *err)
{
    struct src *s = ctx;
    size_t n = s->left < 4096 ? s->left : 4096; /* small blocks: exercise the joins */
    *buf = s->p;
    s->p += n;
    s->left -= n;
    return (ssize_t)n;
}

static int sink(void *ctx, const void *buf, size_t n)
{
    (void)ctx;
    (void)buf;
    (void)n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char box[] = "/tmp/mdfuzz.XXXXXX";
    if (!mkdtemp(box))
        abort();
    _cleanup_free_ char *l = xasprintf("%s/L", box);
    mkdir(l, 0700);
    int dfd = open(l, O_RDONLY | O_DIRECTORY);
    struct src s = {data, size};
    struct layer_unpack_opts o = {.label = "fuzz", .keep_tar = size && (data[0] & 1)};
    struct layer_info li;
    struct md_error err = {0};
    int r = layer_unpack(rd, &s, dfd, &o, &li, &err);
    md_err_clear(&err);
    /* what was unpacked must export to the very bytes that came in */
    if (r == 0 && layer_export(dfd, li.tar_size, li.diff_id, sink, NULL, &err) < 0)
        abort();
    close(dfd);
    DIR *d = opendir(box);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "L"))
            abort(); /* something escaped the layer */
    if (d)
        closedir(d);
    fs_rm_rf_at(AT_FDCWD, box, NULL);
    return 0;
}
