/* Unit tests for the registry client's pure parts: base64 both ways,
 * X-Registry-Auth decoding, login server names, docker's progress bar. */
#include "common/base64.h"
#include "common/cleanup.h"
#include "daemon/image/pull.h"
#include "daemon/image/registry.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_base64_round_trip)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        _cleanup_free_ char *e = base64_encode(in[i], strlen(in[i]));
        ck_assert_str_eq(e, out[i]);
        size_t n;
        _cleanup_free_ char *d = base64_decode(e, &n);
        ck_assert_uint_eq(n, strlen(in[i]));
        ck_assert_str_eq(d, in[i]);
    }
}
END_TEST

START_TEST(test_base64_url_and_invalid)
{
    /* 0xfb 0xff: "+/8=" in the standard alphabet, "-_8" in base64url */
    size_t n;
    _cleanup_free_ char *a = base64_decode("-_8", &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq((unsigned char)a[0], 0xfb);
    ck_assert_int_eq((unsigned char)a[1], 0xff);
    ck_assert_ptr_null(base64_decode("a", &n));
    ck_assert_ptr_null(base64_decode("ab!d", &n));
}
END_TEST

START_TEST(test_auth_decode)
{
    struct reg_auth a;
    struct md_error err = {0};
    ck_assert_int_eq(reg_auth_decode(NULL, &a, &err), 0);
    ck_assert_ptr_null(a.username);
    /* {} as the docker CLI sends it when not logged in */
    ck_assert_int_eq(reg_auth_decode("e30=", &a, &err), 0);
    ck_assert_ptr_null(a.username);
    static const char js[] = "{\"username\":\"u\",\"password\":\"p?>\",\"serveraddress\":\"h\"}";
    _cleanup_free_ char *hdr = base64_encode(js, strlen(js));
    ck_assert_int_eq(reg_auth_decode(hdr, &a, &err), 0);
    ck_assert_str_eq(a.username, "u");
    ck_assert_str_eq(a.password, "p?>");
    reg_auth_free(&a);
    ck_assert_int_eq(reg_auth_decode("!!", &a, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
}
END_TEST

START_TEST(test_domain_of)
{
    static const char *const cases[][2] = {
        {"", "docker.io"},
        {"https://index.docker.io/v1/", "docker.io"},
        {"registry-1.docker.io", "docker.io"},
        {"127.0.0.1:5000", "127.0.0.1:5000"},
        {"http://127.0.0.1:5000/v2/", "127.0.0.1:5000"},
        {"[::1]:5000", "[::1]:5000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        _cleanup_free_ char *d = registry_domain_of(cases[i][0]);
        ck_assert_str_eq(d, cases[i][1]);
    }
}
END_TEST

START_TEST(test_progress_bar)
{
    _cleanup_free_ char *a = pull_progress_bar(0, 1000);
    ck_assert_str_eq(a, "[>                                                  ]       0B/1kB");
    _cleanup_free_ char *b = pull_progress_bar(1088135, 2176270);
    ck_assert_str_eq(b, "[=========================>                         ]  1.088MB/2.176MB");
    _cleanup_free_ char *c = pull_progress_bar(5, 5);
    ck_assert_str_eq(c, "[==================================================>]       5B/5B");
    _cleanup_free_ char *d = pull_progress_bar(1234, 0);
    ck_assert_str_eq(d, " 1.234kB");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("image_registry");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_base64_round_trip);
    tcase_add_test(tc, test_base64_url_and_invalid);
    tcase_add_test(tc, test_auth_decode);
    tcase_add_test(tc, test_domain_of);
    tcase_add_test(tc, test_progress_bar);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
