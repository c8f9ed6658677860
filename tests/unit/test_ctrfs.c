/* daemon/ctrfs without a container: docker's path rules, and extraction and
 * tars over a temporary directory standing in for a container's root, with
 * symlinks that point at the host. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/pathutil.h"
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/image/fsutil.h"

static void path_is(char *got, const char *want)
{
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(abs_path_keeps_trailing_dot_and_slash)
{
    path_is(ctrfs_abs_path("etc"), "/etc");
    path_is(ctrfs_abs_path("/etc/"), "/etc/");
    path_is(ctrfs_abs_path("/etc/."), "/etc/.");
    path_is(ctrfs_abs_path("etc//./"), "/etc/");
    path_is(ctrfs_abs_path(""), "/");
    path_is(ctrfs_abs_path("/"), "/");
    path_is(ctrfs_abs_path("."), "/.");
    path_is(ctrfs_abs_path("a/../../b"), "/b");
    path_is(path_clean("/a/b/../../../c/"), "/c");
    path_is(path_clean("a/../../b/../c"), "../c");
    path_is(path_clean("../../x"), "../../x");
    path_is(path_clean(""), ".");
    path_is(path_base("/etc/"), "etc");
    path_is(path_base("/etc/."), ".");
    path_is(path_base("/"), "/");
}
END_TEST

/* ---- a root in a temp dir ---- */

static char tmp[PATH_MAX];

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/ctrfs-test.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    _cleanup_close_ int fd = open("/tmp", O_PATH | O_DIRECTORY);
    fs_rm_rf_at(fd, tmp + 5, NULL);
}

static char *P(const char *rel)
{
    return xasprintf("%s/%s", tmp, rel);
}

static void put(const char *rel, const char *data)
{
    _cleanup_free_ char *p = P(rel);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(data, f);
    fclose(f);
}

static char *get(const char *rel)
{
    _cleanup_free_ char *p = P(rel);
    size_t n;
    return fs_read_file_at(AT_FDCWD, p, 1 << 20, &n, NULL);
}

struct mem {
    char *buf;
    size_t len;
    bool done;
};

static ssize_t mem_read(void *ctx, const void **buf, struct md_error *err)
{
    struct mem *m = ctx;
    if (m->done)
        return 0;
    m->done = true;
    *buf = m->buf;
    return (ssize_t)m->len;
}

/* A tar of (name, type, data) triples: 'f' file, 'd' dir, 'l' symlink. */
static struct mem tar_of(const char *const *e)
{
    struct mem m = {.buf = xmalloc(1 << 20)};
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    ck_assert_int_eq(archive_write_open_memory(a, m.buf, 1 << 20, &m.len), ARCHIVE_OK);
    for (; *e; e += 3) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[0]);
        archive_entry_set_uid(ae, getuid());
        archive_entry_set_gid(ae, getgid());
        if (e[1][0] == 'd') {
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, 0755);
        } else if (e[1][0] == 'l') {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e[2]);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0644);
            archive_entry_set_size(ae, (la_int64_t)strlen(e[2]));
        }
        archive_write_header(a, ae);
        if (e[1][0] == 'f')
            archive_write_data(a, e[2], strlen(e[2]));
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    return m;
}

/* root/ is the container, host/ stands for the host around it */
static int extract(const char *dest, const char *const *entries, struct md_error *err)
{
    _cleanup_free_ char *rootp = P("root");
    struct ctrfs_root root = {.fd = open(rootp, O_RDONLY | O_DIRECTORY)};
    ck_assert_int_ge(root.fd, 0);
    struct mem m = tar_of(entries);
    struct ctrfs_put_opts o = {0};
    _cleanup_free_ char *d = NULL;
    int r = ctrfs_put_check(&root, dest, "ctr", false, &d, err);
    if (r == 0)
        r = ctrfs_extract(&root, d, mem_read, &m, &o, err);
    free(m.buf);
    close(root.fd);
    return r;
}

static void make_tree(void)
{
    _cleanup_free_ char *r = P("root"), *h = P("host"), *inside = NULL;
    ck_assert_int_eq(mkdir(r, 0755), 0);
    ck_assert_int_eq(mkdir(h, 0755), 0);
    put("host/canary", "canary");
    _cleanup_free_ char *l1 = P("root/abs"), *l2 = P("root/rel");
    /* the host dir's absolute path, and a ../.. way up to it */
    ck_assert_int_eq(symlink(h, l1), 0);
    _cleanup_free_ char *up = xasprintf("../../../../../../..%s", h);
    ck_assert_int_eq(symlink(up, l2), 0);
    /* the same path exists inside the root, where the links must lead */
    inside = xasprintf("%s%s", r, h);
    ck_assert_int_eq(fs_mkdir_p(inside, 0755, NULL), 0);
}

START_TEST(extract_through_container_symlinks_stays_inside)
{
    make_tree();
    struct md_error err = {0};
    static const char *const e1[] = {"canary", "f", "intruder", NULL};
    ck_assert_msg(extract("/abs", e1, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_msg(extract("/rel", e1, &err) == 0, "%s", md_err_msg(&err));
    static const char *const e2[] = {"abs/canary", "f",        "intruder", "rel/canary",
                                     "f",          "intruder", NULL};
    ck_assert_msg(extract("/", e2, &err) == 0, "%s", md_err_msg(&err));
    _cleanup_free_ char *host = get("host/canary");
    ck_assert_str_eq(host, "canary");
    _cleanup_free_ char *in = xasprintf("root%s/host/canary", tmp);
    _cleanup_free_ char *inside = get(in);
    ck_assert_str_eq(inside, "intruder");
    md_err_clear(&err);
}
END_TEST

START_TEST(extract_dotdot_and_tar_symlinks_stay_inside)
{
    make_tree();
    struct md_error err = {0};
    /* into "/", "../../x" is "/x", as docker's chrooted extraction has it */
    static const char *const e1[] = {"../../x", "f", "x", NULL};
    ck_assert_msg(extract("/", e1, &err) == 0, "%s", md_err_msg(&err));
    _cleanup_free_ char *x = get("root/x");
    ck_assert_str_eq(x, "x");
    _cleanup_free_ char *outside = P("x");
    ck_assert_int_ne(access(outside, F_OK), 0);
    /* below /abs it leaves the destination: refused, nothing written */
    _cleanup_free_ char *h = P("host");
    ck_assert_int_lt(extract("/abs", e1, &err), 0);
    _cleanup_free_ char *want = xasprintf("\"../../x\" is outside of \"%s\"", h);
    ck_assert_str_eq(md_err_msg(&err), want);
    /* a symlink made by the tar itself, then a file through it */
    static const char *e2[] = {"up", "l", NULL, "up/canary", "f", "intruder", NULL};
    e2[2] = h;
    ck_assert_msg(extract("/", e2, &err) == 0, "%s", md_err_msg(&err));
    _cleanup_free_ char *host = get("host/canary");
    ck_assert_str_eq(host, "canary");
    md_err_clear(&err);
}
END_TEST

START_TEST(put_check_errors)
{
    make_tree();
    put("root/file", "f");
    _cleanup_free_ char *rootp = P("root");
    struct ctrfs_root root = {.fd = open(rootp, O_RDONLY | O_DIRECTORY)};
    struct md_error err = {0};
    char *d = NULL;
    ck_assert_int_lt(ctrfs_put_check(&root, "/nope", "web", false, &d, &err), 0);
    ck_assert_str_eq(md_err_msg(&err), "Could not find the file /nope in container web");
    ck_assert_int_lt(ctrfs_put_check(&root, "/file", "web", false, &d, &err), 0);
    ck_assert_str_eq(md_err_msg(&err), "extraction point is not a directory");
    ck_assert_int_lt(ctrfs_put_check(&root, "/", "web", true, &d, &err), 0);
    ck_assert_str_eq(md_err_msg(&err), "container rootfs is marked read-only");
    ck_assert_int_eq(ctrfs_put_check(&root, "/abs", "web", false, &d, &err), 0);
    _cleanup_free_ char *want = P("host");
    ck_assert_str_eq(d, want);
    free(d);
    struct ctrfs_stat st;
    ck_assert_int_eq(ctrfs_stat(&root, "/abs/", "web", &st, &err), 0);
    ck_assert_str_eq(st.name, "abs");
    ctrfs_stat_free(&st);
    ck_assert_int_eq(ctrfs_stat(&root, "/rel", "web", &st, &err), 0);
    ck_assert_uint_eq(st.mode, (1u << 27) | 0777);
    ck_assert_str_eq(st.link_target, want);
    ctrfs_stat_free(&st);
    close(root.fd);
    md_err_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ctrfs");
    TCase *t = tcase_create("paths");
    tcase_add_test(t, abs_path_keeps_trailing_dot_and_slash);
    suite_add_tcase(s, t);
    t = tcase_create("root");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, extract_through_container_symlinks_stays_inside);
    tcase_add_test(t, extract_dotdot_and_tar_symlinks_stay_inside);
    tcase_add_test(t, put_check_errors);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
