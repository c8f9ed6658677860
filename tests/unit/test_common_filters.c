/* Unit tests for common/filters: both JSON forms docker clients send, key
 * validation with docker's message, label matching and the CLI's -f. */
#include "common/filters.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static struct filters *parse_ok(const char *json)
{
    struct filters *f = NULL;
    struct md_error err = {0};
    ck_assert_msg(filters_parse(json, &f, &err) == 0, "%s: %s", json, md_err_msg(&err));
    ck_assert_ptr_nonnull(f);
    return f;
}

static void parse_bad(const char *json)
{
    struct filters *f = (struct filters *)1;
    struct md_error err = {0};
    ck_assert_msg(filters_parse(json, &f, &err) < 0, "%s parsed", json);
    ck_assert_ptr_null(f);
    ck_assert_str_eq(err.msg, "invalid filter");
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
}

START_TEST(test_map_form)
{
    struct filters *f = parse_ok("{\"status\":{\"exited\":true,\"created\":true},"
                                 "\"name\":{\"web\":true}}");
    char **st = filters_get(f, "status");
    ck_assert_ptr_nonnull(st);
    ck_assert_str_eq(st[0], "exited");
    ck_assert_str_eq(st[1], "created");
    ck_assert_ptr_null(st[2]);
    ck_assert(filters_has(f, "name"));
    ck_assert(!filters_has(f, "label"));
    ck_assert_ptr_null(filters_get(f, "label"));
    /* A false value still names a value, as in moby's Get. */
    filters_free(f);
    f = parse_ok("{\"dangling\":{\"true\":false}}");
    ck_assert_str_eq(filters_get(f, "dangling")[0], "true");
    filters_free(f);
}
END_TEST

START_TEST(test_legacy_form)
{
    struct filters *f = parse_ok("{\"label\": [\"a=b\", \"c\", \"a=b\"]}");
    char **v = filters_get(f, "label");
    ck_assert_str_eq(v[0], "a=b");
    ck_assert_str_eq(v[1], "c");
    ck_assert_ptr_null(v[2]);
    filters_free(f);
    f = parse_ok("{\"label\": null}");
    ck_assert(filters_has(f, "label"));
    ck_assert_ptr_null(filters_get(f, "label")[0]);
    filters_free(f);
}
END_TEST

START_TEST(test_empty_and_bad)
{
    struct filters *f = parse_ok(NULL);
    ck_assert(!filters_has(f, "status"));
    _cleanup_free_ char *j = filters_to_json(f);
    ck_assert_str_eq(j, "");
    filters_free(f);
    filters_free(parse_ok(""));
    filters_free(parse_ok("{}"));
    filters_free(parse_ok("null"));
    parse_bad("{");
    parse_bad("[]");
    parse_bad("\"x\"");
    parse_bad("42");
    parse_bad("{\"a\":1}");
    parse_bad("{\"a\":\"b\"}");
    parse_bad("{\"a\":{\"b\":\"yes\"}}");
    parse_bad("{\"a\":[1]}");
    parse_bad("{\"a\":{\"b\":true},\"c\":[\"d\"]}");
    parse_bad("{\"a\":[\"\\u0000\"]}");
}
END_TEST

START_TEST(test_validate)
{
    struct filters *f = parse_ok("{\"status\":{\"exited\":true},\"foo\":{\"x\":true}}");
    static const char *const allowed[] = {"status", "label", "name", NULL};
    struct md_error err = {0};
    ck_assert_int_lt(filters_validate(f, allowed, &err), 0);
    ck_assert_str_eq(err.msg, "invalid filter 'foo'");
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    filters_free(f);
    f = parse_ok("{\"status\":{\"exited\":true}}");
    ck_assert_int_eq(filters_validate(f, allowed, &err), 0);
    filters_free(f);
}
END_TEST

START_TEST(test_match_label)
{
    json_t *labels = json_pack("{s:s, s:s}", "a", "b", "com.example", "");
    struct filters *f = parse_ok("{}");
    ck_assert(filters_match_label(f, labels));
    ck_assert(filters_match_label(f, NULL));
    filters_free(f);

    f = parse_ok("{\"label\":[\"a=b\",\"com.example\"]}");
    ck_assert(filters_match_label(f, labels));
    ck_assert(!filters_match_label(f, NULL));
    json_t *empty = json_object();
    ck_assert(!filters_match_label(f, empty));
    filters_free(f);

    f = parse_ok("{\"label\":{\"a=c\":true}}");
    ck_assert(!filters_match_label(f, labels));
    filters_free(f);
    f = parse_ok("{\"label\":{\"missing\":true}}");
    ck_assert(!filters_match_label(f, labels));
    filters_free(f);
    /* "k=" asks for an empty value. */
    f = parse_ok("{\"label\":{\"com.example=\":true}}");
    ck_assert(filters_match_label(f, labels));
    filters_free(f);
    f = parse_ok("{\"label\":{\"a=\":true}}");
    ck_assert(!filters_match_label(f, labels));
    filters_free(f);
    /* The value may itself contain '='. */
    json_t *eq = json_pack("{s:s}", "k", "x=y");
    f = parse_ok("{\"label\":{\"k=x=y\":true}}");
    ck_assert(filters_match_label(f, eq));
    filters_free(f);
    json_decref(eq);
    json_decref(empty);
    json_decref(labels);
}
END_TEST

START_TEST(test_cli_add_and_json)
{
    struct filters *f = filters_new();
    struct md_error err = {0};
    ck_assert_int_eq(filters_add(f, "dangling=true", &err), 0);
    ck_assert_int_eq(filters_add(f, " Label = a=b ", &err), 0);
    ck_assert_int_eq(filters_add(f, "label=c", &err), 0);
    ck_assert_int_eq(filters_add(f, "", &err), 0);
    ck_assert_int_lt(filters_add(f, "dangling", &err), 0);
    ck_assert_str_eq(err.msg, "bad format of filter (expected name=value)");
    md_err_clear(&err);
    _cleanup_free_ char *j = filters_to_json(f);
    ck_assert_str_eq(j, "{\"dangling\":{\"true\":true},\"label\":{\"a=b\":true,\"c\":true}}");
    /* What the client sends, the daemon reads back. */
    struct filters *g = parse_ok(j);
    ck_assert_str_eq(filters_get(g, "label")[0], "a=b");
    ck_assert_str_eq(filters_get(g, "dangling")[0], "true");
    filters_free(g);
    filters_free(f);
}
END_TEST

START_TEST(test_until)
{
    struct md_error err = {0};
    int64_t until = 7;
    _cleanup_filters_ struct filters *none = parse_ok("{\"label\":[\"a\"]}");
    ck_assert_int_eq(filters_until(none, 1000000000000, &until, &err), 0);
    ck_assert_int_eq(until, 7);
    _cleanup_filters_ struct filters *ok = parse_ok("{\"until\":[\"10s\"]}");
    ck_assert_int_eq(filters_until(ok, 100000000000, &until, &err), 0);
    ck_assert_int_eq(until, 90000000000);
    _cleanup_filters_ struct filters *bad = parse_ok("{\"until\":[\"bogus\"]}");
    ck_assert_int_lt(filters_until(bad, 0, &until, &err), 0);
    ck_assert_str_eq(err.msg, "failed to parse value as time or duration: \"bogus\"");
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    _cleanup_filters_ struct filters *two = parse_ok("{\"until\":[\"1s\",\"2s\"]}");
    ck_assert_int_lt(filters_until(two, 0, &until, &err), 0);
    ck_assert_str_eq(err.msg, "more than one until filter specified");
    md_err_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("filters");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_map_form);
    tcase_add_test(tc, test_legacy_form);
    tcase_add_test(tc, test_empty_and_bad);
    tcase_add_test(tc, test_validate);
    tcase_add_test(tc, test_match_label);
    tcase_add_test(tc, test_cli_add_and_json);
    tcase_add_test(tc, test_until);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
