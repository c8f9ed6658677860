/* Unit tests for common/dockerignore: docker's patternmatcher rules. */
#include "common/dockerignore.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>

START_TEST(test_parse)
{
    char **p = dockerignore_parse("# comment\n\n  /logs/ \n!keep.log\n./a/../b\n");
    ck_assert_uint_eq(strv_len(p), 3);
    ck_assert_str_eq(p[0], "logs");
    ck_assert_str_eq(p[1], "!keep.log");
    ck_assert_str_eq(p[2], "b");
    strv_free(p);
}
END_TEST

START_TEST(test_match)
{
    char **p = dockerignore_parse("*.tmp\nbuild\n**/cache\ndocs/*.md\n!docs/README.md\n");
    ck_assert(dockerignore_excluded(p, "x.tmp"));
    ck_assert(!dockerignore_excluded(p, "sub/x.tmp")); /* * does not cross "/" */
    ck_assert(dockerignore_excluded(p, "build"));
    ck_assert(dockerignore_excluded(p, "build/out/a.o")); /* below a match */
    ck_assert(dockerignore_excluded(p, "cache"));
    ck_assert(dockerignore_excluded(p, "a/b/cache/x"));
    ck_assert(dockerignore_excluded(p, "docs/guide.md"));
    ck_assert(!dockerignore_excluded(p, "docs/README.md")); /* the last match wins */
    ck_assert(!dockerignore_excluded(p, "src/main.c"));
    strv_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("common/dockerignore");
    TCase *tc = tcase_create("dockerignore");
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_match);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
