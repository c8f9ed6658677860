/* Unit tests for common/names: the random name generator's shape and its
 * boring_wozniak rule, and docker's container name syntax. */
#include "common/names.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* "word_word" with lowercase letters only, plus an optional trailing digit. */
static bool shape_ok(const char *s, bool want_digit)
{
    const char *us = strchr(s, '_');
    if (!us || us == s || strchr(us + 1, '_'))
        return false;
    size_t n = strlen(s);
    size_t end = want_digit ? n - 1 : n;
    if (want_digit && (s[n - 1] < '0' || s[n - 1] > '9'))
        return false;
    if ((size_t)(us - s) + 1 >= end)
        return false;
    for (size_t i = 0; i < end; i++)
        if (s + i != us && (s[i] < 'a' || s[i] > 'z'))
            return false;
    return true;
}

START_TEST(test_random_shape)
{
    for (int i = 0; i < 2000; i++) {
        _cleanup_free_ char *n = name_random(0);
        ck_assert_msg(shape_ok(n, false), "bad name %s", n);
        ck_assert(name_valid(n));
    }
}
END_TEST

START_TEST(test_random_retry_digit)
{
    bool seen[10] = {false};
    for (int i = 0; i < 2000; i++) {
        _cleanup_free_ char *n = name_random(1 + (unsigned)i % 3);
        ck_assert_msg(shape_ok(n, true), "bad retry name %s", n);
        ck_assert(name_valid(n));
        seen[n[strlen(n) - 1] - '0'] = true;
    }
    for (int d = 0; d < 10; d++)
        ck_assert_msg(seen[d], "digit %d never appended", d);
}
END_TEST

START_TEST(test_random_variety_and_no_boring_wozniak)
{
    /* With ~100 words per list, boring_wozniak would come up ~10 times in
     * 100000 draws if the rule were missing; boring_* and *_wozniak alone
     * must still appear. */
    int boring = 0, wozniak = 0, distinct_first = 0;
    char firsts[26] = {0};
    for (int i = 0; i < 100000; i++) {
        _cleanup_free_ char *n = name_random(0);
        ck_assert_str_ne(n, "boring_wozniak");
        if (strncmp(n, "boring_", 7) == 0)
            boring++;
        const char *us = strchr(n, '_');
        if (strcmp(us + 1, "wozniak") == 0)
            wozniak++;
        if (!firsts[n[0] - 'a']) {
            firsts[n[0] - 'a'] = 1;
            distinct_first++;
        }
    }
    ck_assert_int_gt(boring, 100);
    ck_assert_int_gt(wozniak, 100);
    ck_assert_int_ge(distinct_first, 15);
}
END_TEST

START_TEST(test_valid)
{
    ck_assert(name_valid("web"));
    ck_assert(name_valid("/web"));
    ck_assert(name_valid("ab"));
    ck_assert(name_valid("My_App-1.2"));
    ck_assert(name_valid("0x"));
    ck_assert(name_valid("a__"));
    ck_assert(name_valid("a.-_"));

    ck_assert(!name_valid(NULL));
    ck_assert(!name_valid(""));
    ck_assert(!name_valid("/"));
    ck_assert(!name_valid("a")); /* needs at least two characters */
    ck_assert(!name_valid("/a"));
    ck_assert(!name_valid("//ab"));
    ck_assert(!name_valid("_web"));
    ck_assert(!name_valid("-web"));
    ck_assert(!name_valid(".web"));
    ck_assert(!name_valid("web server"));
    ck_assert(!name_valid("web/1"));
    ck_assert(!name_valid("web:1"));
    ck_assert(!name_valid("wéb"));
}
END_TEST

static Suite *names_suite(void)
{
    Suite *s = suite_create("common/names");
    TCase *tc = tcase_create("names");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_random_shape);
    tcase_add_test(tc, test_random_retry_digit);
    tcase_add_test(tc, test_random_variety_and_no_boring_wozniak);
    tcase_add_test(tc, test_valid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(names_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
