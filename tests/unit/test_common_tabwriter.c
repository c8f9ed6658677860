/* Unit tests for common/tabwriter. Expected tables were printed by docker
 * 28.2.2 (`docker ps -a`, `docker images`, `--format table ...`) against a
 * stub daemon; the input is what docker's formatter feeds its tabwriter. */
#include "common/tabwriter.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *format(const char *in)
{
    struct tabwriter *tw = tw_new();
    tw_write(tw, in);
    char *out = tw_flush(tw);
    tw_free(tw);
    return out;
}

#define CHECK(in, want)                                                                            \
    do {                                                                                           \
        _cleanup_free_ char *got_ = format(in);                                                    \
        ck_assert_msg(strcmp(got_, want) == 0, "got\n[%s]\nwant\n[%s]", got_, want);               \
    } while (0)

START_TEST(test_empty_ps_header)
{
    CHECK("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n",
          "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
    CHECK("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n",
          "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n");
}
END_TEST

START_TEST(test_ps_table)
{
    CHECK("CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES\n"
          "3f4e5d6c7b8a\tbusybox\t\"sh -c 'while true; \xe2\x80\xa6\"\t3 years ago\tUp 5 "
          "minutes\t0.0.0.0:8080->80/tcp\tweb\n"
          "abcdef012345\tlocalhost:5000/team/app:v1\t\"/bin/true\"\t6 years ago\tExited (0) 3 "
          "years ago\t\ta_very_long_container_name_indeed\n",
          "CONTAINER ID   IMAGE                        COMMAND                  CREATED       "
          "STATUS                   PORTS                  NAMES\n"
          "3f4e5d6c7b8a   busybox                      \"sh -c 'while true; \xe2\x80\xa6\"   3 "
          "years ago   Up 5 minutes             0.0.0.0:8080->80/tcp   web\n"
          "abcdef012345   localhost:5000/team/app:v1   \"/bin/true\"              6 years ago   "
          "Exited (0) 3 years ago                          a_very_long_container_name_indeed\n");
    CHECK("CONTAINER ID\tNAMES\tSTATUS\n3f4e5d6c7b8a\tweb\tUp 5 minutes\n"
          "abcdef012345\ta_very_long_container_name_indeed\tExited (0) 3 years ago\n",
          "CONTAINER ID   NAMES                               STATUS\n"
          "3f4e5d6c7b8a   web                                 Up 5 minutes\n"
          "abcdef012345   a_very_long_container_name_indeed   Exited (0) 3 years ago\n");
}
END_TEST

START_TEST(test_images_table)
{
    CHECK("REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
          "busybox\tlatest\t7cc4b5aefd1d\t3 years ago\t4.26MB\n"
          "localhost:5000/team/app\tv1\t1111b5aefd1d\t6 years ago\t123MB\n",
          "REPOSITORY                TAG       IMAGE ID       CREATED       SIZE\n"
          "busybox                   latest    7cc4b5aefd1d   3 years ago   4.26MB\n"
          "localhost:5000/team/app   v1        1111b5aefd1d   6 years ago   123MB\n");
}
END_TEST

START_TEST(test_go_semantics)
{
    /* Trailing cell after the last tab is not a column; a terminated
     * empty cell is padded. */
    CHECK("a\tb\t\n", "a         b         \n");
    CHECK("a\n", "a\n");
    CHECK("", "");
    CHECK("no newline\tat end", "no newline   at end");
    /* A line without tabs ends the column block. */
    CHECK("x\ty\nlonger line without tabs\nab\tc\n", "x         y\nlonger line without "
                                                     "tabs\nab        c\n");
    /* Nested blocks: column 1 only spans the lines that have it. */
    CHECK("a\tb\tc\nlong-first-cell\tx\nq\tr\ts\n", "a                 b         c\n"
                                                    "long-first-cell   x\n"
                                                    "q                 r         s\n");
    CHECK("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\t1\n\n\tz\n",
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   1\n\n          z\n");
    /* Width counts characters, not bytes. */
    CHECK("\xc3\xa9t\xc3\xa9\tx\nab\ty\n", "\xc3\xa9t\xc3\xa9       x\nab        y\n");
}
END_TEST

START_TEST(test_pieces_and_reuse)
{
    struct tabwriter *tw = tw_new();
    tw_write(tw, "NAME\tST");
    tw_write(tw, "ATUS\nweb\tup\n");
    tw_write(tw, NULL);
    char *out = tw_flush(tw);
    ck_assert_str_eq(out, "NAME      STATUS\nweb       up\n");
    free(out);
    tw_write(tw, "x\ty\n");
    out = tw_flush(tw);
    ck_assert_str_eq(out, "x         y\n");
    free(out);
    out = tw_flush(tw);
    ck_assert_str_eq(out, "");
    free(out);
    tw_free(tw);
    tw_free(NULL);
}
END_TEST

START_TEST(test_many_columns)
{
    /* 200k cells on one line: no recursion, linear work. */
    size_t n = 200000;
    char *s = xmalloc(2 * n + 2);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = 'x';
        s[2 * i + 1] = '\t';
    }
    s[2 * n] = '\n';
    s[2 * n + 1] = '\0';
    struct tabwriter *tw = tw_new();
    tw_write(tw, s);
    tw_write(tw, s);
    char *out = tw_flush(tw);
    ck_assert_uint_eq(strlen(out), 2 * (n * 10 + 1));
    free(out);
    tw_free(tw);
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tabwriter");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_empty_ps_header);
    tcase_add_test(tc, test_ps_table);
    tcase_add_test(tc, test_images_table);
    tcase_add_test(tc, test_go_semantics);
    tcase_add_test(tc, test_pieces_and_reuse);
    tcase_add_test(tc, test_many_columns);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
