/* File helpers of the image store (see fsutil.h). */
#include "daemon/image/fsutil.h"
#include "common/cleanup.h"
#include "common/ids.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(IMG_RESOLVE_STRICT == (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
                                      RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH),
               "resolve flags");

int img_openat2(int dirfd, const char *rel, int flags, mode_t mode, unsigned long long resolve)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = resolve,
    };
    long r;
    do
        r = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
    while (r < 0 && errno == EAGAIN);
    return (int)r;
}

void img_rand_suffix(char out[17])
{
    unsigned char b[8];
    id_random_bytes(b, sizeof b);
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}
