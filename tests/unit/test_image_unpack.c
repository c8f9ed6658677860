/* Unit tests for layer unpacking: what lands on disk (modes, links,
 * whiteouts, xattrs), the byte-exact export, compression, and the refusal
 * of malicious entries without writing anything outside the layer. */
#include "daemon/image/layer.h"
#include "image_tarlib.h"

#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct fsrc {
    int fd;
    char buf[8192];
};

static ssize_t fsrc_read(void *ctx, const void **buf, struct md_error *err)
{
    struct fsrc *s = ctx;
    ssize_t n = read(s->fd, s->buf, sizeof s->buf);
    if (n < 0)
        return md_errno(err, errno, "read");
    *buf = s->buf;
    return n;
}

/* Unpack tar into dir/L (created); returns layer_unpack's result. */
static int unpack(const char *dir, const char *tar, bool keep_tar, struct layer_info *li,
                  struct md_error *err)
{
    _cleanup_free_ char *ld = xasprintf("%s/L", dir);
    mkdir(ld, 0700);
    int dfd = open(ld, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(dfd, 0);
    struct fsrc s = {.fd = open(tar, O_RDONLY)};
    ck_assert_int_ge(s.fd, 0);
    struct layer_unpack_opts o = {.label = "layer test", .keep_tar = keep_tar};
    int r = layer_unpack(fsrc_read, &s, dfd, &o, li, err);
    close(s.fd);
    close(dfd);
    return r;
}

static int fd_sink(void *ctx, const void *buf, size_t n)
{
    return write(*(int *)ctx, buf, n) == (ssize_t)n ? 0 : -1;
}

static void export_equal(const char *dir, const char *tar, const struct layer_info *li)
{
    _cleanup_free_ char *ld = xasprintf("%s/L", dir);
    _cleanup_free_ char *out = xasprintf("%s/export.tar", dir);
    int dfd = open(ld, O_RDONLY | O_DIRECTORY);
    int ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct md_error err = {0};
    ck_assert_msg(layer_export(dfd, li->tar_size, li->diff_id, fd_sink, &ofd, &err) == 0, "%s",
                  md_err_msg(&err));
    close(dfd);
    close(ofd);
    char a[DIGEST_LEN + 1], b[DIGEST_LEN + 1];
    file_digest(tar, a);
    file_digest(out, b);
    ck_assert_str_eq(a, b);
}

START_TEST(test_unpack_tree)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    struct tent e[] = {
        {"./", 'd', NULL, 0755, NULL, NULL, 0},
        {"bin/", 'd', NULL, 0755, NULL, NULL, 0},
        {"bin/tool", 'f', "#!/bin/sh\necho tool\n", 04755, "user.test", "hello", 0},
        {"bin/link", 'h', "bin/tool", 0, NULL, NULL, 0},
        {"bin/sh", 'l', "/bin/busybox", 0777, NULL, NULL, 0},
        {"etc/conf", 'f', "k=v\n", 0600, NULL, NULL, 0}, /* parent never listed */
        {"run/fifo", 'p', NULL, 0644, NULL, NULL, 0},
        {"etc/.wh.passwd", 'f', "", 0644, NULL, NULL, 0},
        {"empty", 'f', "", 0644, NULL, NULL, 0},
    };
    tar_write(tar, e, sizeof e / sizeof e[0], false);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, tar, false, &li, &err) == 0, "%s", md_err_msg(&err));
    char want[DIGEST_LEN + 1];
    file_digest(tar, want);
    ck_assert_str_eq(li.diff_id, want);
    ck_assert_str_eq(li.blob_digest, want);
    /* contents: the file plus the symlink's target, the hardlink once */
    ck_assert_int_eq(li.size, (int64_t)(strlen("#!/bin/sh\necho tool\n") + 4 + 12));

    struct stat st;
    _cleanup_free_ char *tool = xasprintf("%s/L/diff/bin/tool", d);
    ck_assert_int_eq(stat(tool, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 04755);
    ck_assert_int_eq(st.st_nlink, 2);
    ck_assert_int_eq(st.st_mtime, 1700000002);
    char xv[16] = "";
    ck_assert_int_eq(getxattr(tool, "user.test", xv, sizeof xv), 5);
    ck_assert_str_eq(xv, "hello");
    _cleanup_free_ char *sh = xasprintf("%s/L/diff/bin/sh", d);
    char target[64] = "";
    ck_assert_int_eq(readlink(sh, target, sizeof target), 12);
    ck_assert_str_eq(target, "/bin/busybox");
    ck_assert_int_eq(lstat(sh, &st), 0);
    ck_assert_int_eq(st.st_mtime, 1700000004);
    ck_assert_int_eq(st.st_uid, getuid());
    _cleanup_free_ char *fifo = xasprintf("%s/L/diff/run/fifo", d);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    _cleanup_free_ char *wh = xasprintf("%s/L/diff/etc/passwd", d);
    ck_assert_int_eq(lstat(wh, &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    ck_assert_int_eq(major(st.st_rdev), 0);
    ck_assert_int_eq(minor(st.st_rdev), 0);
    _cleanup_free_ char *whname = xasprintf("%s/L/diff/etc/.wh.passwd", d);
    ck_assert(!exists(whname));
    _cleanup_free_ char *bin = xasprintf("%s/L/diff/bin", d);
    ck_assert_int_eq(stat(bin, &st), 0);
    ck_assert_int_eq(st.st_mtime, 1700000001); /* set after its children were written */

    export_equal(d, tar, &li);
    rmtree(d);
}
END_TEST

START_TEST(test_unpack_opaque)
{
    if (geteuid() != 0)
        return; /* trusted.* xattrs need CAP_SYS_ADMIN */
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    struct tent e[] = {
        {"dir/", 'd', NULL, 0755, NULL, NULL, 0},
        {"dir/.wh..wh..opq", 'f', "", 0644, NULL, NULL, 0},
        {"dir/new", 'f', "n", 0644, NULL, NULL, 0},
        /* overlay xattrs from the archive itself are dropped */
        {"other/", 'd', NULL, 0755, "trusted.overlay.opaque", "y", 0},
    };
    tar_write(tar, e, 4, false);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, tar, false, &li, &err) == 0, "%s", md_err_msg(&err));
    _cleanup_free_ char *dir = xasprintf("%s/L/diff/dir", d);
    _cleanup_free_ char *other = xasprintf("%s/L/diff/other", d);
    char v[4] = "";
    ck_assert_int_eq(getxattr(dir, "trusted.overlay.opaque", v, sizeof v), 1);
    ck_assert_int_eq(v[0], 'y');
    ck_assert_int_lt(getxattr(other, "trusted.overlay.opaque", v, sizeof v), 0);
    _cleanup_free_ char *marker = xasprintf("%s/L/diff/dir/.wh..wh..opq", d);
    ck_assert(!exists(marker));
    export_equal(d, tar, &li);
    rmtree(d);
}
END_TEST

START_TEST(test_unpack_gzip_same_diff_id)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *plain = xasprintf("%s/p.tar", d);
    _cleanup_free_ char *gz = xasprintf("%s/p.tar.gz", d);
    struct tent e[] = {{"a", 'f', "aaaa", 0644, NULL, NULL, 0},
                       {"b/", 'd', NULL, 0755, NULL, NULL, 0}};
    tar_write(plain, e, 2, false);
    tar_write(gz, e, 2, true);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, gz, false, &li, &err) == 0, "%s", md_err_msg(&err));
    char p[DIGEST_LEN + 1], z[DIGEST_LEN + 1];
    file_digest(plain, p);
    file_digest(gz, z);
    ck_assert_str_eq(li.diff_id, p);     /* of the uncompressed stream */
    ck_assert_str_eq(li.blob_digest, z); /* of the bytes as sent */
    export_equal(d, plain, &li);
    rmtree(d);
}
END_TEST

/* A repeated name switches the layer to layer.tar in the middle of the
 * stream: the bytes before it are rebuilt from tar-split and the files. */
START_TEST(test_unpack_duplicate_keeps_tar)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    _cleanup_free_ char *plain = xasprintf("%s/plain.tar", d);
    /* contents large enough to go past the writer thread, and small ones
     * still queued for it when the switch comes */
    size_t big_len = (9u << 20) + 17;
    _cleanup_free_ char *big = xmalloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i * 7 + i / 4099);
    struct tent e[] = {
        {"a", 'f', "first", 0644, NULL, NULL, 0},  {"big", 'f', big, 0644, NULL, NULL, big_len},
        {"d/", 'd', NULL, 0755, NULL, NULL, 0},    {"d/x", 'f', "x", 0644, NULL, NULL, 0},
        {"a", 'f', "second", 0644, NULL, NULL, 0}, {"d", 'f', "now a file", 0644, NULL, NULL, 0}};
    tar_write(plain, e, 6, false);
    tar_write(tar, e, 6, _i == 1);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, tar, false, &li, &err) == 0, "%s", md_err_msg(&err));
    ck_assert(li.keep_tar);
    _cleanup_free_ char *ts = xasprintf("%s/L/tar-split", d);
    ck_assert(!exists(ts));
    size_t n;
    _cleanup_free_ char *a_path = xasprintf("%s/L/diff/a", d);
    _cleanup_free_ char *a = read_all(a_path, &n);
    ck_assert_str_eq(a, "second"); /* the later copy wins, as with tar */
    _cleanup_free_ char *d_path = xasprintf("%s/L/diff/d", d);
    _cleanup_free_ char *dd = read_all(d_path, &n);
    ck_assert_str_eq(dd, "now a file");
    export_equal(d, plain, &li);
    rmtree(d);
}
END_TEST

/* Megabytes of padding after the end-of-archive blocks are part of the diff
 * id; tar-split records them as they come rather than holding them. */
START_TEST(test_unpack_long_tail)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    struct tent e[] = {{"a", 'f', "a", 0644, NULL, NULL, 0}};
    tar_write(tar, e, 1, false);
    FILE *f = fopen(tar, "a");
    ck_assert_ptr_nonnull(f);
    static char zeros[1 << 16];
    for (int i = 0; i < 300; i++) /* 19 MiB */
        ck_assert_int_eq(fwrite(zeros, 1, sizeof zeros, f), sizeof zeros);
    fclose(f);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, tar, false, &li, &err) == 0, "%s", md_err_msg(&err));
    ck_assert(!li.keep_tar);
    char want[DIGEST_LEN + 1];
    file_digest(tar, want);
    ck_assert_str_eq(li.diff_id, want);
    export_equal(d, tar, &li);
    rmtree(d);
}
END_TEST

/* Each malicious archive is refused naming the entry, and nothing appears
 * outside the layer directory. */
static void refused(const struct tent *e, int n, const char *want)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    tar_write(tar, e, n, false);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_int_eq(unpack(d, tar, false, &li, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_msg(strstr(md_err_msg(&err), want), "\"%s\" lacks \"%s\"", md_err_msg(&err), want);
    md_err_clear(&err);
    /* the sandbox around L holds only what the test put there */
    ck_assert_int_eq(count_entries(d), 2); /* in.tar and L */
    _cleanup_free_ char *up = xasprintf("%s/evil", d);
    ck_assert(!exists(up));
    ck_assert(!exists("/tmp/evil-from-mdunit"));
    rmtree(d);
}

START_TEST(test_unpack_refuses)
{
    struct tent dotdot[] = {{"ok", 'f', "x", 0, NULL, NULL, 0},
                            {"../evil", 'f', "evil", 0, NULL, NULL, 0}};
    refused(dotdot, 2, "layer test: entry \"../evil\": path escapes the layer");
    struct tent abs[] = {{"/tmp/evil-from-mdunit", 'f', "evil", 0, NULL, NULL, 0}};
    refused(abs, 1, "entry \"/tmp/evil-from-mdunit\": absolute path");
    struct tent symesc[] = {{"x", 'l', "..", 0, NULL, NULL, 0},
                            {"x/evil", 'f', "evil", 0, NULL, NULL, 0}};
    refused(symesc, 2, "entry \"x/evil\": path goes through a symbolic link");
    struct tent symabs[] = {{"x", 'l', "/tmp", 0, NULL, NULL, 0},
                            {"x/evil-from-mdunit", 'f', "evil", 0, NULL, NULL, 0}};
    refused(symabs, 2, "entry \"x/evil-from-mdunit\": path goes through a symbolic link");
    struct tent hlesc[] = {{"h", 'h', "../evil", 0, NULL, NULL, 0}};
    refused(hlesc, 1, "entry \"h\": hardlink target \"../evil\" escapes the layer");
    struct tent hlsym[] = {{"x", 'l', "/etc", 0, NULL, NULL, 0},
                           {"h", 'h', "x/passwd", 0, NULL, NULL, 0}};
    refused(hlsym, 2,
            "entry \"h\": hardlink target \"x/passwd\": path goes through a symbolic link");
    struct tent hlmissing[] = {{"h", 'h', "nothere", 0, NULL, NULL, 0}};
    refused(hlmissing, 1, "hardlink target \"nothere\" is not in the layer");
    struct tent dev[] = {{"null", 'c', NULL, 0666, NULL, NULL, 0}};
    refused(dev, 1, "entry \"null\": device nodes are not allowed in image layers");
    struct tent badwh[] = {{".wh..", 'f', "", 0, NULL, NULL, 0}};
    refused(badwh, 1, "entry \".wh..\": invalid whiteout name");
}
END_TEST

START_TEST(test_unpack_bad_streams)
{
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    struct layer_info li;
    struct md_error err = {0};
    /* a size field of 2^42 (base-256) with no data */
    char h[1536] = {0};
    char size[12] = {(char)0x80, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0};
    ustar_header(h, "big", '0', size);
    write_file(tar, h, sizeof h);
    ck_assert_int_eq(unpack(d, tar, false, &li, &err), -1);
    ck_assert_msg(strstr(md_err_msg(&err), "entry \"big\": size 4398046511104 is out of range"),
                  "%s", md_err_msg(&err));
    md_err_clear(&err);
    _cleanup_free_ char *ld = xasprintf("%s/L", d);
    rmtree(ld);
    /* 8 GiB announced, 512 bytes there */
    ustar_header(h, "truncated", '0', "77777777777");
    write_file(tar, h, 1024);
    ck_assert_int_eq(unpack(d, tar, false, &li, &err), -1);
    ck_assert_msg(strstr(md_err_msg(&err), "entry \"truncated\""), "%s", md_err_msg(&err));
    md_err_clear(&err);
    rmtree(ld);
    /* not a tar at all */
    write_file(tar, "hello, world\n", 13);
    ck_assert_int_eq(unpack(d, tar, false, &li, &err), -1);
    ck_assert_msg(strstr(md_err_msg(&err), "layer test: not a tar archive"), "%s",
                  md_err_msg(&err));
    md_err_clear(&err);
    rmtree(d);
}
END_TEST

/* Owners and modes come out right whether they were set at creation or
 * by chown/chmod afterwards: modes the umask would cut, set-gid parents
 * that would hand down their group, other owners. */
START_TEST(test_unpack_owners_and_modes)
{
    if (geteuid() != 0)
        return; /* chown to other users */
    mode_t old = umask(022);
    _cleanup_free_ char *d = mktmpdir();
    _cleanup_free_ char *tar = xasprintf("%s/in.tar", d);
    struct tent e[] = {
        {"open", 'f', "x", 0666, NULL, NULL, 0, 0},
        {"g/", 'd', NULL, 02775, NULL, NULL, 0, 4321},
        {"g/f", 'f', "y", 0644, NULL, NULL, 0, 0},
        {"g/sub/", 'd', NULL, 0755, NULL, NULL, 0, 0},
        {"other", 'f', "z", 0640, NULL, NULL, 0, 1234},
        {"ro/", 'd', NULL, 0555, NULL, NULL, 0, 0},
        {"ro/f", 'f', "r", 0444, NULL, NULL, 0, 0},
        {"big", 'f', NULL, 0604, NULL, NULL, 9 << 20, 0}, /* past the writer thread */
    };
    _cleanup_free_ char *big = xcalloc(1, 9 << 20);
    e[7].data = big;
    tar_write(tar, e, 8, false);
    struct layer_info li;
    struct md_error err = {0};
    ck_assert_msg(unpack(d, tar, false, &li, &err) == 0, "%s", md_err_msg(&err));
    const char *names[] = {"open", "g", "g/f", "g/sub", "other", "ro", "ro/f", "big"};
    const char *want[] = {"666 0:0",       "2775 4321:4321", "644 0:0", "755 0:0",
                          "640 1234:1234", "555 0:0",        "444 0:0", "604 0:0"};
    for (int i = 0; i < 8; i++) {
        _cleanup_free_ char *p = xasprintf("%s/L/diff/%s", d, names[i]);
        struct stat st;
        ck_assert_int_eq(lstat(p, &st), 0);
        char got[64];
        snprintf(got, sizeof got, "%o %u:%u", st.st_mode & 07777, st.st_uid, st.st_gid);
        ck_assert_msg(!strcmp(got, want[i]), "%s: %s, want %s", names[i], got, want[i]);
    }
    export_equal(d, tar, &li);
    rmtree(d);
    umask(old);
}
END_TEST

static Suite *unpack_suite(void)
{
    Suite *s = suite_create("image/unpack");
    TCase *tc = tcase_create("unpack");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_unpack_tree);
    tcase_add_test(tc, test_unpack_opaque);
    tcase_add_test(tc, test_unpack_gzip_same_diff_id);
    tcase_add_loop_test(tc, test_unpack_duplicate_keeps_tar, 0, 2);
    tcase_add_test(tc, test_unpack_long_tail);
    tcase_add_test(tc, test_unpack_refuses);
    tcase_add_test(tc, test_unpack_bad_streams);
    tcase_add_test(tc, test_unpack_owners_and_modes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(unpack_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
