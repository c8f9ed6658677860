/* Unit tests for common/ids: id generation, validation, short form and
 * unique-prefix lookup as `docker inspect 3f` relies on it. */
#include "common/ids.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ID_A[] = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";
static const char ID_B[] = "3f4e000000000000000000000000000000000000000000000000000000000000";
static const char ID_C[] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

START_TEST(test_new_is_full_and_unique)
{
    char a[65], b[65];
    id_new(a);
    id_new(b);
    ck_assert_uint_eq(strlen(a), 64);
    ck_assert(id_is_full(a));
    ck_assert(id_is_full(b));
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_new_short_never_all_digits)
{
    /* One draw in ~(10/16)^12 = 0.35% would be all digits without the rule;
     * 5000 draws make a miss all but certain to show. */
    for (int i = 0; i < 5000; i++) {
        char id[65];
        id_new(id);
        ck_assert_msg(strspn(id, "0123456789") < 12, "numeric short id %s", id);
    }
}
END_TEST

START_TEST(test_is_full)
{
    ck_assert(id_is_full(ID_A));
    ck_assert(!id_is_full(NULL));
    ck_assert(!id_is_full(""));
    ck_assert(!id_is_full("3f4e5d6c7b8a"));
    /* 63 and 65 chars */
    char s[70];
    memcpy(s, ID_A, 63);
    s[63] = '\0';
    ck_assert(!id_is_full(s));
    memcpy(s, ID_A, 64);
    s[64] = '0';
    s[65] = '\0';
    ck_assert(!id_is_full(s));
    /* uppercase and non-hex */
    memcpy(s, ID_A, 65);
    s[10] = 'A';
    ck_assert(!id_is_full(s));
    s[10] = 'g';
    ck_assert(!id_is_full(s));
    ck_assert(!id_is_full("sha256:3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566"));
}
END_TEST

START_TEST(test_short)
{
    char out[13];
    id_short(ID_A, out);
    ck_assert_str_eq(out, "3f4e5d6c7b8a");
    id_short("abc", out);
    ck_assert_str_eq(out, "abc");
    id_short("", out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_prefix_match)
{
    const char *ids[] = {ID_A, ID_B, ID_C};
    ck_assert_int_eq(id_prefix_match("a", ids, 3), 2);
    ck_assert_int_eq(id_prefix_match("abcdef012345", ids, 3), 2);
    ck_assert_int_eq(id_prefix_match(ID_C, ids, 3), 2);
    ck_assert_int_eq(id_prefix_match("3f4e5", ids, 3), 0);
    ck_assert_int_eq(id_prefix_match("3f4e0", ids, 3), 1);
    ck_assert_int_eq(id_prefix_match("3", ids, 3), ID_MATCH_AMBIGUOUS);
    ck_assert_int_eq(id_prefix_match("3f4e", ids, 3), ID_MATCH_AMBIGUOUS);
    ck_assert_int_eq(id_prefix_match("ff", ids, 3), ID_MATCH_NONE);
    ck_assert_int_eq(id_prefix_match("", ids, 3), ID_MATCH_NONE);
    ck_assert_int_eq(id_prefix_match(NULL, ids, 3), ID_MATCH_NONE);
    ck_assert_int_eq(id_prefix_match("a", ids, 0), ID_MATCH_NONE);
    /* longer than any id */
    char longer[80];
    snprintf(longer, sizeof(longer), "%s00", ID_A);
    ck_assert_int_eq(id_prefix_match(longer, ids, 3), ID_MATCH_NONE);
}
END_TEST

START_TEST(test_prefix_exact_wins)
{
    /* A string that is both an exact entry and a prefix of another entry
     * resolves to the exact one, wherever it sits in the list. */
    const char *ids[] = {"abc123", "abc", "abd"};
    ck_assert_int_eq(id_prefix_match("abc", ids, 3), 1);
    const char *ids2[] = {"abc", "abc123"};
    ck_assert_int_eq(id_prefix_match("abc", ids2, 2), 0);
    ck_assert_int_eq(id_prefix_match("ab", ids, 3), ID_MATCH_AMBIGUOUS);
    ck_assert_int_eq(id_prefix_match("abc1", ids, 3), 0);
}
END_TEST

START_TEST(test_random_below)
{
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint32_t v = id_random_below(7);
        ck_assert_uint_lt(v, 7);
        seen[v]++;
    }
    for (int i = 0; i < 7; i++)
        ck_assert_int_gt(seen[i], 700); /* expected 1000 each */
    ck_assert_uint_eq(id_random_below(1), 0);
}
END_TEST

static Suite *ids_suite(void)
{
    Suite *s = suite_create("common/ids");
    TCase *tc = tcase_create("ids");
    tcase_add_test(tc, test_new_is_full_and_unique);
    tcase_add_test(tc, test_new_short_never_all_digits);
    tcase_add_test(tc, test_is_full);
    tcase_add_test(tc, test_short);
    tcase_add_test(tc, test_prefix_match);
    tcase_add_test(tc, test_prefix_exact_wins);
    tcase_add_test(tc, test_random_below);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ids_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
