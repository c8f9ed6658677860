/* The filesystem chores every part of minidock needs: mkdir -p, replacing a
 * file atomically, rm -rf and reading a whole file. Each takes a directory
 * fd (AT_FDCWD for a plain path) so a caller already holding one of a tree
 * stays inside it. Linked into the daemon, the static shim and the client:
 * libc only.
 *
 * Errors: 0 or a negative errno, errno set to it too; err (may be NULL)
 * gets a message naming the operation and the path, as md_errno writes
 * it. */
#pragma once
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/error.h"

/* mkdir -p of path below dirfd: the last component gets mode, missing
 * parents parent_mode; directories already there are fine, whatever their
 * mode. Something else in the way (a file, a dangling symlink) is
 * -ENOTDIR. */
int fs_mkdir_p_at(int dirfd, const char *path, mode_t mode, mode_t parent_mode,
                  struct md_error *err);
/* The same with one mode for every level, from the working directory. */
int fs_mkdir_p(const char *path, mode_t mode, struct md_error *err);

/* How fs_replace_commit makes the new file visible. */
enum {
    /* fsync the new file before the rename: it is on disk before any
     * reader can see it (records that outlive a power cut) */
    FS_SYNC = 1 << 0,
    /* fsync the directory after the rename, so the rename itself survives
     * a power cut */
    FS_SYNC_DIR = 1 << 1,
    /* swap the files with RENAME_EXCHANGE, then unlink the old one: a
     * rename over an existing file makes ext4 (auto_da_alloc) write the
     * new one out at once, 0.2 ms and more under load. Readers see the old
     * or the new file all the same. A missing target falls back to rename. */
    FS_EXCHANGE = 1 << 2,
};

/* A file being written under a temporary name beside its final one (same
 * directory: the rename is atomic): ".<name>.tmp-<random>", a dot name
 * that directory scans skip. Write to fd, then commit or abort. */
struct fs_replace {
    int fd;
    int dirfd;
    char *tmp;
    char *path;
};

/* Create the temporary file with mode (umask applies). */
int fs_replace_open(struct fs_replace *r, int dirfd, const char *path, mode_t mode,
                    struct md_error *err);
/* Close, (fsync,) rename over path; the temporary file is gone either way.
 * flags: FS_SYNC, FS_SYNC_DIR, FS_EXCHANGE. */
int fs_replace_commit(struct fs_replace *r, unsigned flags, struct md_error *err);
/* Drop the temporary file; a no-op after commit, so it suits a cleanup. */
void fs_replace_abort(struct fs_replace *r);
#define _cleanup_fs_replace_ __attribute__((cleanup(fs_replace_abort)))

/* Replace path below dirfd by data[0..len), mode as fs_replace_open, flags
 * as fs_replace_commit. On any failure path keeps its old content and no
 * temporary file is left. */
int fs_write_replace_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                        unsigned flags, struct md_error *err);

/* Remove name below dirfd, whatever it is, missing is fine. Never follows a
 * symlink and never descends into another mount (a bind mount of the same
 * filesystem too: openat2 RESOLVE_NO_XDEV), so a tree that still has
 * something mounted in it fails with -EBUSY and what is mounted there is
 * untouched. Directories without write permission are made writable
 * first, so a caller without CAP_DAC_OVERRIDE removes them too. Removes
 * what it can; the first error is returned. */
int fs_rm_rf_at(int dirfd, const char *name, struct md_error *err);
static inline int fs_rm_rf(const char *path, struct md_error *err)
{
    return fs_rm_rf_at(AT_FDCWD, path, err);
}

/* All of buf to fd (EINTR retried); 0, or -errno with errno set too. */
int fs_write_all(int fd, const void *buf, size_t n);

/* The whole file below dirfd, NUL-terminated (len, if non-NULL, excludes
 * the NUL). /proc files too: reads to EOF, no size taken from stat. A file
 * larger than max bytes fails with EFBIG. NULL with errno set (and err). */
char *fs_read_file_at(int dirfd, const char *path, size_t max, size_t *len, struct md_error *err);
/* The same from an open fd; path names it in errors. */
char *fs_read_fd(int fd, size_t max, size_t *len, const char *path, struct md_error *err);
/* name below dirfd (not followed if a symlink) opened for reading, but only
 * if it is a regular file, and with expect (an earlier lstat) the very same
 * file: a tree someone else controls may swap in a FIFO (O_NONBLOCK: the
 * open cannot hang) or a device node (refused after the open, which
 * O_NOCTTY keeps from taking a terminal). -1 with errno: EINVAL for not a
 * regular file, ESTALE for another file than expect. */
int fs_open_regular_at(int dirfd, const char *name, const struct stat *expect);
/* Without a size limit, from the working directory, errno only. */
char *fs_read_file(const char *path, size_t *len);
