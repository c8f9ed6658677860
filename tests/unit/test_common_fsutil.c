/* Unit tests for common/fsutil: mkdir -p over existing parts and into a
 * file, atomic replace that keeps the old content when writing fails, rm -rf
 * that removes read-only directories and never follows a symlink out of the
 * tree, read-file of empty, /proc and large files. No root needed. */
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void mkroot(void)
{
    snprintf(root, sizeof root, "/tmp/md-fsutil-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void rmroot(void)
{
    /* not fs_rm_rf: a bug there must not hide behind the cleanup */
    _cleanup_free_ char *cmd = xasprintf("chmod -R u+rwx %s 2>/dev/null; rm -rf %s", root, root);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", root);
}

static char *at(const char *rel)
{
    return xasprintf("%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
    _cleanup_free_ char *p = at(rel);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static char *get(const char *rel)
{
    _cleanup_free_ char *p = at(rel);
    return fs_read_file(p, NULL);
}

static void expect_content(const char *rel, const char *want)
{
    _cleanup_free_ char *s = get(rel);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, want);
}

static mode_t mode_of(const char *rel)
{
    _cleanup_free_ char *p = at(rel);
    struct stat st;
    ck_assert_int_eq(lstat(p, &st), 0);
    return st.st_mode & 07777;
}

/* Names in dir other than . and .. */
static int entries(const char *rel)
{
    _cleanup_free_ char *p = at(rel);
    _cleanup_closedir_ DIR *d = opendir(p);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    return n;
}

START_TEST(test_mkdir_p)
{
    umask(022);
    struct md_error e = {0};
    _cleanup_free_ char *deep = at("a/b/c/");
    ck_assert_int_eq(fs_mkdir_p(deep, 0700, &e), 0);
    ck_assert_uint_eq(mode_of("a"), 0700);
    ck_assert_uint_eq(mode_of("a/b/c"), 0700);
    /* existing parts, an existing last one: fine, modes untouched */
    _cleanup_free_ char *more = at("a/b/d");
    ck_assert_int_eq(fs_mkdir_p(more, 0755, &e), 0);
    ck_assert_uint_eq(mode_of("a/b"), 0700);
    ck_assert_uint_eq(mode_of("a/b/d"), 0755);
    ck_assert_int_eq(fs_mkdir_p(more, 0755, &e), 0);
    /* parents apart from the last one, relative to a directory fd */
    int dfd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    ck_assert_int_eq(fs_mkdir_p_at(dfd, "p/q/r", 0700, 0755, &e), 0);
    close(dfd);
    ck_assert_uint_eq(mode_of("p"), 0755);
    ck_assert_uint_eq(mode_of("p/q"), 0755);
    ck_assert_uint_eq(mode_of("p/q/r"), 0700);
}
END_TEST

START_TEST(test_mkdir_p_file_in_the_way)
{
    struct md_error e = {0};
    put("f", "x");
    _cleanup_free_ char *below = at("f/sub/dir");
    ck_assert_int_eq(fs_mkdir_p(below, 0755, &e), -ENOTDIR);
    _cleanup_free_ char *want = xasprintf("mkdir %s/f/sub/dir: Not a directory", root);
    ck_assert_str_eq(e.msg, want);
    /* the file itself as the last component is no directory either */
    _cleanup_free_ char *f = at("f");
    ck_assert_int_eq(fs_mkdir_p(f, 0755, &e), -ENOTDIR);
    md_err_clear(&e);
    expect_content("f", "x");
}
END_TEST

START_TEST(test_replace)
{
    umask(022);
    struct md_error e = {0};
    _cleanup_free_ char *p = at("rec.json");
    const unsigned modes[] = {0, FS_SYNC | FS_SYNC_DIR, FS_EXCHANGE, FS_EXCHANGE | FS_SYNC};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        unlink(p);
        /* a new file, then over an existing one */
        ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, p, "one", 3, 0600, modes[i], &e), 0);
        ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, p, "second", 6, 0600, modes[i], &e), 0);
        _cleanup_free_ char *s = get("rec.json");
        ck_assert_str_eq(s, "second");
        ck_assert_uint_eq(mode_of("rec.json"), 0600);
        ck_assert_int_eq(entries("."), 1); /* no temporary file, no old one */
    }
    /* relative to a directory fd, mode 0644 */
    int dfd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    ck_assert_int_eq(fs_write_replace_at(dfd, "hosts", "h\n", 2, 0644, FS_SYNC_DIR, &e), 0);
    close(dfd);
    _cleanup_free_ char *h = get("hosts");
    ck_assert_str_eq(h, "h\n");
    ck_assert_uint_eq(mode_of("hosts"), 0644);
}
END_TEST

START_TEST(test_replace_failed_write_keeps_old)
{
    struct md_error e = {0};
    put("state", "old content");
    _cleanup_free_ char *p = at("state");
    /* a write that fails half-way: the file size limit (EFBIG) */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 16, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    char big[64];
    memset(big, 'n', sizeof big);
    ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, p, big, sizeof big, 0644, FS_SYNC, &e), -EFBIG);
    _cleanup_free_ char *want = xasprintf("write %s: File too large", p);
    ck_assert_str_eq(e.msg, want);
    _cleanup_free_ char *s = get("state");
    ck_assert_str_eq(s, "old content");
    ck_assert_int_eq(entries("."), 1);

    /* a rename that fails (a directory in the way): the directory stays,
     * no temporary file, with an exchange too */
    _cleanup_free_ char *d = at("dir/sub");
    ck_assert_int_eq(fs_mkdir_p(d, 0755, &e), 0);
    _cleanup_free_ char *dp = at("dir");
    ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, dp, "y", 1, 0644, 0, &e), -EISDIR);
    ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, dp, "y", 1, 0644, FS_EXCHANGE, &e), -EISDIR);
    ck_assert_uint_eq(mode_of("dir/sub"), 0755);
    ck_assert_int_eq(entries("."), 2);
    /* a missing directory: nothing created */
    _cleanup_free_ char *nodir = at("nodir/f");
    ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, nodir, "x", 1, 0644, 0, &e), -ENOENT);
    ck_assert_int_eq(entries("."), 2);
    md_err_clear(&e);
}
END_TEST

START_TEST(test_replace_abort)
{
    struct md_error e = {0};
    put("f", "keep");
    _cleanup_free_ char *p = at("f");
    {
        _cleanup_fs_replace_ struct fs_replace r = {.fd = -1};
        ck_assert_int_eq(fs_replace_open(&r, AT_FDCWD, p, 0644, &e), 0);
        ck_assert_int_eq(fs_write_all(r.fd, "partial", 7), 0);
        ck_assert_int_eq(entries("."), 2);
        /* leaves scope uncommitted, as an early return would */
    }
    ck_assert_int_eq(entries("."), 1);
    expect_content("f", "keep");
}
END_TEST

START_TEST(test_rm_rf)
{
    struct md_error e = {0};
    /* outside the tree: must survive */
    put("outside", "precious");
    _cleanup_free_ char *od = at("outdir/x");
    ck_assert_int_eq(fs_mkdir_p(od, 0755, &e), 0);
    put("outdir/x/keep", "k");

    _cleanup_free_ char *t = at("tree/ro/deep/er");
    ck_assert_int_eq(fs_mkdir_p(t, 0755, &e), 0);
    put("tree/ro/deep/er/f", "1");
    put("tree/ro/g", "2");
    put("tree/top", "3");
    _cleanup_free_ char *out = at("outside"), *outdir = at("outdir");
    _cleanup_free_ char *l1 = at("tree/link-file"), *l2 = at("tree/ro/link-dir");
    ck_assert_int_eq(symlink(out, l1), 0);
    ck_assert_int_eq(symlink(outdir, l2), 0);
    _cleanup_free_ char *ro = at("tree/ro"), *deep = at("tree/ro/deep");
    ck_assert_int_eq(chmod(deep, 0555), 0);
    ck_assert_int_eq(chmod(ro, 0555), 0);

    _cleanup_free_ char *tree = at("tree");
    ck_assert_int_eq(fs_rm_rf(tree, &e), 0);
    ck_assert_int_eq(access(tree, F_OK), -1);
    expect_content("outside", "precious");
    expect_content("outdir/x/keep", "k");
    /* missing is fine; a file or a symlink by itself goes too */
    ck_assert_int_eq(fs_rm_rf(tree, &e), 0);
    _cleanup_free_ char *l3 = at("alone");
    ck_assert_int_eq(symlink(outdir, l3), 0);
    ck_assert_int_eq(fs_rm_rf(l3, &e), 0);
    expect_content("outdir/x/keep", "k");
    int dfd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_int_eq(fs_rm_rf_at(dfd, "outside", &e), 0);
    close(dfd);
    ck_assert_int_eq(entries("."), 1); /* outdir */
}
END_TEST

static void write_proc(const char *path, const char *text)
{
    _cleanup_close_ int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* A mount inside the tree (a bind mount of the same filesystem too) is
 * left alone, and so is everything mounted there. Needs a mount namespace
 * of its own: root, or an unprivileged user namespace; Check runs each test
 * in a child, so the mounts die with it. */
START_TEST(test_rm_rf_stops_at_mounts)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNS) < 0) {
        /* no silent skip: a check that did not run has not passed */
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
            ck_abort_msg("no mount namespace (needs root or unprivileged user namespaces): %s",
                         strerror(errno));
        /* stay who we are inside, or new files would have no owner */
        char map[64];
        snprintf(map, sizeof map, "%u %u 1", uid, uid);
        write_proc("/proc/self/uid_map", map);
        write_proc("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1", gid, gid);
        write_proc("/proc/self/gid_map", map);
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    struct md_error e = {0};
    _cleanup_free_ char *m1 = at("tree/tmpfs"), *m2 = at("tree/sub/bind"), *src = at("src");
    ck_assert_int_eq(fs_mkdir_p(m1, 0755, &e), 0);
    ck_assert_int_eq(fs_mkdir_p(m2, 0755, &e), 0);
    ck_assert_int_eq(fs_mkdir_p(src, 0755, &e), 0);
    put("src/keep", "k");
    ck_assert_int_eq(mount("tmpfs", m1, "tmpfs", 0, NULL), 0);
    put("tree/tmpfs/keep", "t");
    ck_assert_int_eq(mount(src, m2, NULL, MS_BIND, NULL), 0);
    put("tree/other", "o");

    _cleanup_free_ char *tree = at("tree");
    ck_assert_int_eq(fs_rm_rf(tree, &e), -EBUSY);
    expect_content("tree/tmpfs/keep", "t");
    expect_content("tree/sub/bind/keep", "k");
    _cleanup_free_ char *other = at("tree/other");
    ck_assert_int_eq(access(other, F_OK), -1); /* the rest went */
    ck_assert_int_eq(umount(m1), 0);
    ck_assert_int_eq(umount(m2), 0);
    ck_assert_int_eq(fs_rm_rf(tree, &e), 0);
    expect_content("src/keep", "k");
    md_err_clear(&e);
}
END_TEST

START_TEST(test_read_file)
{
    struct md_error e = {0};
    put("empty", "");
    _cleanup_free_ char *p = at("empty");
    size_t len = 99;
    _cleanup_free_ char *s = fs_read_file_at(AT_FDCWD, p, 10, &len, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_eq(s, "");

    /* larger than any buffer step, with a NUL inside */
    size_t n = 3 * 1024 * 1024 + 17;
    _cleanup_free_ char *big = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 23);
    big[5000] = 0;
    _cleanup_free_ char *bp = at("big");
    ck_assert_int_eq(fs_write_replace_at(AT_FDCWD, bp, big, n, 0644, 0, &e), 0);
    _cleanup_free_ char *b = fs_read_file(bp, &len);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(b, big, n), 0);
    ck_assert_int_eq(b[n], 0);
    /* over the limit */
    errno = 0;
    ck_assert_ptr_null(fs_read_file_at(AT_FDCWD, bp, n - 1, &len, &e));
    ck_assert_int_eq(errno, EFBIG);
    _cleanup_free_ char *want = xasprintf("read %s: File too large", bp);
    ck_assert_str_eq(e.msg, want);
    /* /proc: size 0 in stat, content all the same */
    _cleanup_free_ char *st = fs_read_file("/proc/self/stat", NULL);
    ck_assert_ptr_nonnull(st);
    ck_assert_ptr_nonnull(strchr(st, ')'));
    /* missing: NULL, errno and message */
    _cleanup_free_ char *missing = at("missing");
    errno = 0;
    ck_assert_ptr_null(fs_read_file_at(AT_FDCWD, missing, 10, NULL, &e));
    ck_assert_int_eq(errno, ENOENT);
    _cleanup_free_ char *want2 = xasprintf("open %s: No such file or directory", missing);
    ck_assert_str_eq(e.msg, want2);
    md_err_clear(&e);
}
END_TEST

static Suite *fsutil_suite(void)
{
    Suite *s = suite_create("common/fsutil");
    TCase *tc = tcase_create("fsutil");
    tcase_add_checked_fixture(tc, mkroot, rmroot);
    tcase_add_test(tc, test_mkdir_p);
    tcase_add_test(tc, test_mkdir_p_file_in_the_way);
    tcase_add_test(tc, test_replace);
    tcase_add_test(tc, test_replace_failed_write_keeps_old);
    tcase_add_test(tc, test_replace_abort);
    tcase_add_test(tc, test_rm_rf);
    tcase_add_test(tc, test_rm_rf_stops_at_mounts);
    tcase_add_test(tc, test_read_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fsutil_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
