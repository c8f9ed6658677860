/* Unit tests for common/volspec: -v forms and the messages docker's CLI and
 * daemon give for bad ones. */
#include "common/volspec.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void check_vol(const char *spec, enum vol_type type, const char *src, const char *dest,
                      bool ro, const char *mode)
{
    struct vol_spec v;
    struct md_error err = {0};
    ck_assert_msg(volspec_parse(spec, &v, &err) == 0, "%s: %s", spec, md_err_msg(&err));
    ck_assert_int_eq(v.type, type);
    if (src)
        ck_assert_str_eq(v.source, src);
    else
        ck_assert_ptr_null(v.source);
    ck_assert_str_eq(v.dest, dest);
    ck_assert_int_eq(v.readonly, ro);
    if (mode)
        ck_assert_str_eq(v.mode, mode);
    else
        ck_assert_ptr_null(v.mode);
    volspec_free(&v);
}

static void check_err(const char *spec, const char *msg)
{
    struct vol_spec v;
    struct md_error err = {0};
    ck_assert_msg(volspec_parse(spec, &v, &err) < 0, "%s parsed", spec);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_ptr_null(v.dest);
    md_err_clear(&err);
}

START_TEST(test_forms)
{
    check_vol("/host:/ctr", VOL_BIND, "/host", "/ctr", false, NULL);
    check_vol("/host:/ctr:ro", VOL_BIND, "/host", "/ctr", true, "ro");
    check_vol("/host:/ctr:rw", VOL_BIND, "/host", "/ctr", false, "rw");
    check_vol("/host:/ctr:ro,z", VOL_BIND, "/host", "/ctr", true, "ro,z");
    check_vol("/host:/ctr:rshared", VOL_BIND, "/host", "/ctr", false, "rshared");
    check_vol("/tmp:/data", VOL_BIND, "/tmp", "/data", false, NULL);
    check_vol("data:/ctr", VOL_NAMED, "data", "/ctr", false, NULL);
    check_vol("proj_vol1:/v:rw", VOL_NAMED, "proj_vol1", "/v", false, "rw");
    check_vol("my.vol-1:/v:ro,nocopy", VOL_NAMED, "my.vol-1", "/v", true, "ro,nocopy");
    check_vol("/ctr", VOL_ANON, NULL, "/ctr", false, NULL);
    /* Paths are cleaned like Go's path.Clean. */
    check_vol("/host//a/../b/:/ctr/./x/", VOL_BIND, "/host/b", "/ctr/x", false, NULL);
    check_vol("/a/..:/b/../c", VOL_BIND, "/", "/c", false, NULL);
}
END_TEST

START_TEST(test_cli_errors)
{
    check_err("", "invalid empty volume spec");
    check_err(NULL, "invalid empty volume spec");
    check_err("/a:/b:ro:x", "invalid spec: /a:/b:ro:x: too many colons");
    check_err("/a::ro", "invalid spec: /a::ro: empty section between colons");
    check_err(":/b", "invalid spec: :/b: empty section between colons");
    check_err("/a:/b:", "invalid spec: /a:/b:: empty section between colons");
}
END_TEST

START_TEST(test_daemon_errors)
{
    check_err(":", "invalid volume specification: ':'");
    check_err("a:", "invalid volume specification: 'a:'");
    check_err("/x:ro", "invalid volume specification: '/x:ro'");
    check_err("/a:/b:bogus", "invalid mode: bogus");
    check_err("/a:/b:ro,rw", "invalid mode: ro,rw");
    check_err("/a:/b:ro,", "invalid mode: ro,");
    check_err("/host:data", "invalid volume specification: '/host:data': invalid mount config for "
                            "type \"bind\": invalid mount path: 'data' mount path must be "
                            "absolute");
    check_err("vol:data", "invalid volume specification: 'vol:data': invalid mount config for "
                          "type \"volume\": invalid mount path: 'data' mount path must be "
                          "absolute");
    check_err("data", "invalid volume specification: 'data': invalid mount config for type "
                      "\"volume\": invalid mount path: 'data' mount path must be absolute");
    check_err("/a:/", "invalid volume specification: '/a:/': invalid mount config for type "
                      "\"bind\": invalid specification: destination can't be '/'");
    check_err("/a:/x/..", "invalid volume specification: '/a:/x/..': invalid mount config for "
                          "type \"bind\": invalid specification: destination can't be '/'");
    check_err("/", "invalid volume specification: '/': invalid mount config for type \"volume\": "
                   "invalid specification: destination can't be '/'");
    check_err("v1:/x:shared", "invalid volume specification: 'v1:/x:shared': invalid mount "
                              "config for type \"volume\": field BindOptions must not be "
                              "specified");
    check_err("/h:/x:nocopy", "invalid volume specification: '/h:/x:nocopy': invalid mount "
                              "config for type \"bind\": field VolumeOptions must not be "
                              "specified");
}
END_TEST

START_TEST(test_volume_names)
{
    check_err("a!:/x", "create a!: \"a!\" includes invalid characters for a local volume name, "
                       "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
                       "a host directory, use absolute path");
    check_err("rel/dir:/x", "create rel/dir: \"rel/dir\" includes invalid characters for a local "
                            "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you "
                            "intended to pass a host directory, use absolute path");
    check_err("_v:/x", "create _v: \"_v\" includes invalid characters for a local volume name, "
                       "only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
                       "a host directory, use absolute path");
    check_err("a:/x", "create a: volume name is too short, names should be at least two "
                      "alphanumeric characters");
    check_vol("V_1:/x", VOL_NAMED, "V_1", "/x", false, NULL);
}
END_TEST

START_TEST(test_huge_input)
{
    size_t n = 1 << 20;
    char *s = xmalloc(n + 1);
    memset(s, 'a', n);
    s[0] = '/';
    s[n / 2] = ':';
    s[n / 2 + 1] = '/';
    s[n] = '\0';
    struct vol_spec v;
    ck_assert_int_eq(volspec_parse(s, &v, NULL), 0);
    ck_assert_int_eq(v.type, VOL_BIND);
    ck_assert_uint_eq(strlen(v.source), n / 2);
    volspec_free(&v);
    memset(s, ':', n);
    ck_assert_int_lt(volspec_parse(s, &v, NULL), 0);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("volspec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_forms);
    tcase_add_test(tc, test_cli_errors);
    tcase_add_test(tc, test_daemon_errors);
    tcase_add_test(tc, test_volume_names);
    tcase_add_test(tc, test_huge_input);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
