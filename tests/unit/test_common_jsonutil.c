/* Unit tests for common/jsonutil: string vectors both ways, lossy UTF-8,
 * typed lookups, and atomic writes/loads in a temporary directory. */
#include "common/jsonutil.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(test_strv_to_json)
{
    char *v[] = {"PATH=/usr/bin", "A=b c", "", NULL};
    _cleanup_json_ json_t *j = json_strv(v);
    ck_assert(json_is_array(j));
    _cleanup_free_ char *dump = json_dumps(j, JSON_COMPACT);
    ck_assert_str_eq(dump, "[\"PATH=/usr/bin\",\"A=b c\",\"\"]");

    _cleanup_json_ json_t *n = json_strv(NULL);
    ck_assert(json_is_null(n));

    char *empty[] = {NULL};
    _cleanup_json_ json_t *e = json_strv(empty);
    ck_assert(json_is_array(e));
    ck_assert_uint_eq(json_array_size(e), 0);
}
END_TEST

START_TEST(test_lossy_utf8)
{
    _cleanup_json_ json_t *ok = json_str_lossy("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\xb3");
    ck_assert_str_eq(json_string_value(ok), "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\xb3");
    /* a stray byte, a truncated sequence, an overlong '/', a surrogate */
    _cleanup_json_ json_t *bad = json_str_lossy("a\xff"
                                                "b\xc3"
                                                "c\xc0\xaf"
                                                "d\xed\xa0\x80");
    ck_assert_str_eq(json_string_value(bad), "a\xef\xbf\xbd"
                                             "b\xef\xbf\xbd"
                                             "c\xef\xbf\xbd\xef\xbf\xbd"
                                             "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    _cleanup_json_ json_t *nul = json_str_lossy(NULL);
    ck_assert_str_eq(json_string_value(nul), "");

    char *v[] = {"ok", "x\x80y", NULL};
    _cleanup_json_ json_t *arr = json_strv(v);
    ck_assert_uint_eq(json_array_size(arr), 2);
    ck_assert_str_eq(json_string_value(json_array_get(arr, 1)), "x\xef\xbf\xbdy");
}
END_TEST

START_TEST(test_json_to_strv)
{
    _cleanup_json_ json_t *arr = json_loads("[\"sh\", \"-c\", \"echo hi\"]", 0, NULL);
    _cleanup_strv_ char **v = json_to_strv(arr);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(strv_len(v), 3);
    ck_assert_str_eq(v[0], "sh");
    ck_assert_str_eq(v[2], "echo hi");
    ck_assert_ptr_null(v[3]);

    _cleanup_json_ json_t *empty = json_array();
    _cleanup_strv_ char **ev = json_to_strv(empty);
    ck_assert_ptr_nonnull(ev);
    ck_assert_ptr_null(ev[0]);

    _cleanup_json_ json_t *null = json_null();
    ck_assert_ptr_null(json_to_strv(null));
    ck_assert_ptr_null(json_to_strv(NULL));
    _cleanup_json_ json_t *str = json_string("sh");
    ck_assert_ptr_null(json_to_strv(str));
    _cleanup_json_ json_t *mixed = json_loads("[\"a\", 1]", 0, NULL);
    ck_assert_ptr_null(json_to_strv(mixed));

    /* round trip */
    _cleanup_json_ json_t *back = json_strv(v);
    ck_assert(json_equal(back, arr));
}
END_TEST

START_TEST(test_json_str)
{
    _cleanup_json_ json_t *o =
        json_loads("{\"Image\": \"busybox\", \"Tty\": true, \"Cmd\": null}", 0, NULL);
    ck_assert_str_eq(json_str(o, "Image"), "busybox");
    ck_assert_ptr_null(json_str(o, "Tty"));
    ck_assert_ptr_null(json_str(o, "Cmd"));
    ck_assert_ptr_null(json_str(o, "Missing"));
    ck_assert_ptr_null(json_str(NULL, "Image"));
    _cleanup_json_ json_t *a = json_array();
    ck_assert_ptr_null(json_str(a, "Image"));
}
END_TEST

static char *make_tmpdir(void)
{
    char *d = xstrdup("/tmp/md-jsonutil-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(d));
    return d;
}

static int count_entries(const char *dir)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    return n;
}

START_TEST(test_write_load)
{
    _cleanup_free_ char *dir = make_tmpdir();
    _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
    struct md_error err = {0};

    _cleanup_json_ json_t *rec =
        json_pack("{s:s, s:i, s:[s,s]}", "Name", "/web", "Pid", 42, "Args", "-g", "daemon off;");
    ck_assert_int_eq(json_write_atomic(path, rec, &err), 0);
    /* only the file itself, no temporary left behind, private mode */
    ck_assert_int_eq(count_entries(dir), 1);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);

    _cleanup_json_ json_t *back = json_load_path(path, &err);
    ck_assert_ptr_nonnull(back);
    ck_assert(json_equal(back, rec));

    /* overwrite replaces the whole content */
    _cleanup_json_ json_t *rec2 = json_pack("{s:s}", "Name", "/db");
    ck_assert_int_eq(json_write_atomic(path, rec2, &err), 0);
    _cleanup_json_ json_t *back2 = json_load_path(path, &err);
    ck_assert_str_eq(json_str(back2, "Name"), "/db");
    ck_assert_ptr_null(json_object_get(back2, "Pid"));
    ck_assert_int_eq(count_entries(dir), 1);

    unlink(path);
    rmdir(dir);
    md_err_clear(&err);
}
END_TEST

START_TEST(test_write_relative_path)
{
    _cleanup_free_ char *dir = make_tmpdir();
    ck_assert_int_eq(chdir(dir), 0);
    struct md_error err = {0};
    _cleanup_json_ json_t *v = json_strv((char *[]){"x", NULL});
    ck_assert_int_eq(json_write_atomic("rel.json", v, &err), 0);
    _cleanup_json_ json_t *back = json_load_path("rel.json", &err);
    ck_assert(json_equal(back, v));
    unlink("rel.json");
    ck_assert_int_eq(chdir("/"), 0);
    rmdir(dir);
}
END_TEST

START_TEST(test_write_errors)
{
    _cleanup_free_ char *dir = make_tmpdir();
    struct md_error err = {0};
    _cleanup_json_ json_t *o = json_object();

    _cleanup_free_ char *missing = xasprintf("%s/nodir/config.json", dir);
    ck_assert_int_eq(json_write_atomic(missing, o, &err), -1);
    ck_assert_int_eq(err.err, ENOENT);
    ck_assert_msg(strstr(md_err_msg(&err), missing), "message: %s", md_err_msg(&err));

    /* target is a directory: rename fails, the temporary is cleaned up */
    _cleanup_free_ char *sub = xasprintf("%s/sub", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    _cleanup_free_ char *inner = xasprintf("%s/sub/x", dir);
    ck_assert_int_eq(mkdir(inner, 0700), 0);
    ck_assert_int_eq(json_write_atomic(sub, o, &err), -1);
    ck_assert(err.err == EISDIR || err.err == ENOTEMPTY || err.err == EEXIST);
    ck_assert_int_eq(count_entries(dir), 1);

    _cleanup_free_ char *trailing = xasprintf("%s/", dir);
    ck_assert_int_eq(json_write_atomic(trailing, o, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);

    rmdir(inner);
    rmdir(sub);
    rmdir(dir);
    md_err_clear(&err);
}
END_TEST

START_TEST(test_load_errors)
{
    _cleanup_free_ char *dir = make_tmpdir();
    struct md_error err = {0};
    _cleanup_free_ char *missing = xasprintf("%s/none.json", dir);
    ck_assert_ptr_null(json_load_path(missing, &err));
    ck_assert_int_eq(err.err, ENOENT);
    ck_assert_msg(strstr(md_err_msg(&err), missing), "message: %s", md_err_msg(&err));

    _cleanup_free_ char *bad = xasprintf("%s/bad.json", dir);
    FILE *f = fopen(bad, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{\"Name\": ", f);
    fclose(f);
    ck_assert_ptr_null(json_load_path(bad, &err));
    ck_assert_int_eq(err.err, MD_EINTERNAL);
    ck_assert_msg(strstr(md_err_msg(&err), bad), "message: %s", md_err_msg(&err));

    unlink(bad);
    rmdir(dir);
    md_err_clear(&err);
}
END_TEST


struct each_seen {
    struct strbuf s;
    int stop_at;
    int n;
};

static int each_collect(json_t *e, void *ctx)
{
    struct each_seen *w = ctx;
    _cleanup_free_ char *d = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
    sb_printf(&w->s, "%s;", d);
    return ++w->n == w->stop_at ? 7 : 0;
}

static const char *each_run(const char *text, int stop_at, int *rc, struct md_error *err)
{
    static struct each_seen w;
    sb_free(&w.s);
    w = (struct each_seen){.s = STRBUF_INIT, .stop_at = stop_at};
    *rc = json_array_each(text, strlen(text), each_collect, &w, err);
    return w.s.s ? w.s.s : "";
}

START_TEST(test_array_each)
{
    struct md_error err = {0};
    int rc;
    ck_assert_str_eq(each_run("[{\"a\":[1,{\"b\":\"]\"}]}, {\"c\":null}]", 0, &rc, &err),
                     "{\"a\":[1,{\"b\":\"]\"}]};{\"c\":null};");
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(each_run(" [ ] \n", 0, &rc, &err), "");
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(each_run("[1,22,\"x\",true, null ,[3]]", 0, &rc, &err),
                     "1;22;\"x\";true;null;[3];");
    ck_assert_int_eq(rc, 0);
    /* fn's non-zero return stops the walk */
    ck_assert_str_eq(each_run("[{},{},{}]", 2, &rc, &err), "{};{};");
    ck_assert_int_eq(rc, 7);
    const char *bad[] = {"", "{}", "[", "[{}", "[{},]", "[{} {}]", "[{\"a\":}]", "[{}]x", "[]x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        each_run(bad[i], 0, &rc, &err);
        ck_assert_msg(rc == -1 && err.err == MD_EINVAL, "%s: rc %d", bad[i], rc);
        md_err_clear(&err);
    }
}
END_TEST

static Suite *jsonutil_suite(void)
{
    Suite *s = suite_create("common/jsonutil");
    TCase *tc = tcase_create("jsonutil");
    tcase_add_test(tc, test_strv_to_json);
    tcase_add_test(tc, test_lossy_utf8);
    tcase_add_test(tc, test_json_to_strv);
    tcase_add_test(tc, test_json_str);
    tcase_add_test(tc, test_write_load);
    tcase_add_test(tc, test_write_relative_path);
    tcase_add_test(tc, test_write_errors);
    tcase_add_test(tc, test_load_errors);
    tcase_add_test(tc, test_array_each);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jsonutil_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
