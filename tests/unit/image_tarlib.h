/* Test helpers for daemon/image: tar archives built in a temporary file
 * with libarchive, raw ustar headers for malformed ones, and tree checks. */
#pragma once
/* tables of struct tent list only the fields they need */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "daemon/image/digest.h"
#include "daemon/image/fsutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct tent {
    const char *name;
    char type;        /* 'f' file, 'd' dir, 'l' symlink, 'h' hardlink, 'p' fifo, 'c' char dev */
    const char *data; /* contents, or the link target */
    unsigned mode;
    const char *xattr_name, *xattr_value;
    size_t len;     /* contents length when they hold NUL bytes (0: strlen) */
    unsigned owner; /* uid and gid; 0: the caller's */
};

/* Write entries as a pax tar to path; gzip when gz. */
static inline void tar_write(const char *path, const struct tent *ents, int n, bool gz)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (gz)
        archive_write_add_filter_gzip(a);
    ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        const struct tent *t = &ents[i];
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, t->name);
        archive_entry_set_uid(e, t->owner ? t->owner : getuid());
        archive_entry_set_gid(e, t->owner ? t->owner : getgid());
        archive_entry_set_mtime(e, 1700000000 + i, 0);
        unsigned mode = t->mode ? t->mode : (t->type == 'd' ? 0755 : 0644);
        size_t size = 0;
        switch (t->type) {
        case 'd':
            archive_entry_set_filetype(e, AE_IFDIR);
            break;
        case 'l':
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, t->data);
            break;
        case 'h':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, t->data);
            break;
        case 'p':
            archive_entry_set_filetype(e, AE_IFIFO);
            break;
        case 'c':
            archive_entry_set_filetype(e, AE_IFCHR);
            archive_entry_set_rdev(e, makedev(1, 3));
            break;
        default:
            archive_entry_set_filetype(e, AE_IFREG);
            size = t->len ? t->len : t->data ? strlen(t->data) : 0;
            archive_entry_set_size(e, (la_int64_t)size);
        }
        archive_entry_set_perm(e, mode);
        if (t->xattr_name)
            archive_entry_xattr_add_entry(e, t->xattr_name, t->xattr_value, strlen(t->xattr_value));
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (size)
            ck_assert_int_eq(archive_write_data(a, t->data, size), (la_ssize_t)size);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static inline char *read_all(const char *path, size_t *len)
{
    struct md_error err = {0};
    char *s = fs_read_file_at(AT_FDCWD, path, 1u << 30, len, &err);
    ck_assert_msg(s, "%s", md_err_msg(&err));
    return s;
}

static inline void file_digest(const char *path, char out[DIGEST_LEN + 1])
{
    size_t n;
    _cleanup_free_ char *s = read_all(path, &n);
    sha256_digest(s, n, out);
}

static inline void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* A ustar header block for name with a raw 12-byte size field. */
static inline void ustar_header(char h[512], const char *name, char type, const char size[12])
{
    memset(h, 0, 512);
    snprintf(h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    memcpy(h + 124, size, 12);
    memcpy(h + 136, "14000000000", 12);
    h[156] = type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

static inline char *mktmpdir(void)
{
    char *d = xstrdup("/tmp/mdunit.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

static inline void rmtree(const char *d)
{
    fs_rm_rf_at(AT_FDCWD, d, NULL);
}

static inline bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Entries directly in dir ("." and ".." excluded). */
static inline int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}
