/* The local volume driver's pure rules: names, options (with docker's
 * messages) and the split of a mount option string. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/volume/volume.h"

static const char *name_error(const char *name)
{
    static char buf[512];
    struct md_error err = {0};
    if (vol_name_check(name, &err) == 0)
        return "";
    ck_assert_int_eq(err.err, MD_EINVAL);
    snprintf(buf, sizeof buf, "%s", md_err_msg(&err));
    md_err_clear(&err);
    return buf;
}

START_TEST(names_as_docker_checks_them)
{
    ck_assert_str_eq(name_error("data"), "");
    ck_assert_str_eq(name_error("a1_b.c-d"), "");
    ck_assert_str_eq(name_error("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                     "");
    ck_assert_str_eq(name_error("a"), "create a: volume name is too short, names should be at "
                                      "least two alphanumeric characters");
    ck_assert_str_eq(name_error("_x"),
                     "create _x: \"_x\" includes invalid characters for a local volume name, only "
                     "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
                     "directory, use absolute path");
    ck_assert_str_ne(name_error("a/b"), "");
    ck_assert_str_ne(name_error("../x"), "");
    ck_assert_str_ne(name_error("a b"), "");
    ck_assert_str_ne(name_error(""), "");
}
END_TEST

static const char *opts_error(const char *json)
{
    static char buf[512];
    _cleanup_json_ json_t *o = json_loads(json, 0, NULL);
    ck_assert_ptr_nonnull(o);
    struct md_error err = {0};
    if (vol_opts_check("v", o, &err) == 0)
        return "";
    ck_assert_int_eq(err.err, MD_EINVAL);
    snprintf(buf, sizeof buf, "%s", md_err_msg(&err));
    md_err_clear(&err);
    return buf;
}

START_TEST(options_as_the_local_driver_checks_them)
{
    ck_assert_str_eq(opts_error("{}"), "");
    ck_assert_str_eq(opts_error("{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=64m\"}"),
                     "");
    ck_assert_str_eq(opts_error("{\"type\":\"none\",\"device\":\"/srv\",\"o\":\"bind\"}"), "");
    ck_assert_str_eq(opts_error("{\"foo\":\"bar\"}"), "create v: invalid option: \"foo\"");
    ck_assert_str_eq(opts_error("{\"type\":\"tmpfs\"}"),
                     "create v: missing required option: \"device\"");
    ck_assert_str_eq(opts_error("{\"device\":\"tmpfs\"}"),
                     "create v: missing required option: \"type\"");
    ck_assert_str_eq(opts_error("{\"o\":\"size=1m\",\"type\":\"tmpfs\"}"),
                     "create v: missing required option: \"device\"");
    ck_assert_str_eq(opts_error("{\"size\":\"10m\"}"),
                     "create v: quota size requested but no quota support");
    ck_assert_str_eq(opts_error("{\"size\":\"0\"}"), "");
}
END_TEST

START_TEST(mount_option_string_splits_into_flags_and_data)
{
    unsigned long flags;
    char *data;
    vol_mount_options("size=64m", &flags, &data);
    ck_assert_uint_eq(flags, 0);
    ck_assert_str_eq(data, "size=64m");
    free(data);
    vol_mount_options("bind,ro", &flags, &data);
    ck_assert_uint_eq(flags, MS_BIND | MS_RDONLY);
    ck_assert_ptr_null(data);
    vol_mount_options("nosuid,size=1m,noexec,mode=0700,rw", &flags, &data);
    ck_assert_uint_eq(flags, MS_NOSUID | MS_NOEXEC);
    ck_assert_str_eq(data, "size=1m,mode=0700");
    free(data);
    vol_mount_options(NULL, &flags, &data);
    ck_assert_uint_eq(flags, 0);
    ck_assert_ptr_null(data);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("volume");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, names_as_docker_checks_them);
    tcase_add_test(tc, options_as_the_local_driver_checks_them);
    tcase_add_test(tc, mount_option_string_splits_into_flags_and_data);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
