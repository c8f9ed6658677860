/* Unit tests for common/timefmt: docker's timestamp strings (logs -t,
 * inspect, Go's zero time) and the --since/--until syntax. */
#include "common/timefmt.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEC 1000000000LL

static const int64_t T2024 = 1704067200LL * SEC; /* 2024-01-01T00:00:00Z */

static void check_fmt(int64_t ns, bool pad9, const char *want)
{
    _cleanup_free_ char *got = time_format(ns, pad9);
    ck_assert_msg(strcmp(got, want) == 0, "time_format(%lld, %d) = \"%s\", want \"%s\"",
                  (long long)ns, pad9, got, want);
}

START_TEST(test_format)
{
    check_fmt(T2024, true, "2024-01-01T00:00:00.000000000Z");
    check_fmt(T2024, false, "2024-01-01T00:00:00Z");
    check_fmt(T2024 + SEC / 2, false, "2024-01-01T00:00:00.5Z");
    check_fmt(T2024 + SEC / 2, true, "2024-01-01T00:00:00.500000000Z");
    check_fmt(T2024 + 123456789, false, "2024-01-01T00:00:00.123456789Z");
    check_fmt(T2024 + 1000, false, "2024-01-01T00:00:00.000001Z");
    check_fmt(T2024 + 1, true, "2024-01-01T00:00:00.000000001Z");
    check_fmt(1700000000LL * SEC, false, "2023-11-14T22:13:20Z");
    check_fmt(951782400LL * SEC + 86399LL * SEC, false, "2000-02-29T23:59:59Z");
    check_fmt(0, false, "1970-01-01T00:00:00Z");
    check_fmt(-1, false, "1969-12-31T23:59:59.999999999Z");
    check_fmt(-SEC, true, "1969-12-31T23:59:59.000000000Z");
    check_fmt(INT64_MAX, false, "2262-04-11T23:47:16.854775807Z");
    check_fmt(INT64_MIN + 1, false, "1677-09-21T00:12:43.145224193Z");
    /* Go's zero time, as docker inspect shows FinishedAt of a fresh container */
    check_fmt(TIME_ZERO, false, "0001-01-01T00:00:00Z");
    check_fmt(TIME_ZERO, true, "0001-01-01T00:00:00.000000000Z");
}
END_TEST

static void check_rfc(const char *s, int64_t want)
{
    int64_t got = 42;
    int r = time_parse_rfc3339(s, &got);
    ck_assert_msg(r == 0 && got == want, "time_parse_rfc3339(\"%s\") = %d/%lld, want %lld", s, r,
                  (long long)got, (long long)want);
}

static void check_rfc_bad(const char *s)
{
    int64_t got = 42;
    ck_assert_msg(time_parse_rfc3339(s, &got) == -1, "time_parse_rfc3339(\"%s\") accepted: %lld", s,
                  (long long)got);
}

START_TEST(test_parse_rfc3339)
{
    check_rfc("2024-01-01T00:00:00Z", T2024);
    check_rfc("2024-01-01T00:00:00.5Z", T2024 + SEC / 2);
    check_rfc("2024-01-01T00:00:00.000000001Z", T2024 + 1);
    check_rfc("2024-01-01T00:00:00.1234567891Z", T2024 + 123456789); /* beyond ns: cut */
    check_rfc("2024-01-01T10:00:00+02:00", T2024 + 8 * 3600 * SEC);
    check_rfc("2024-01-01T00:00:00-05:30", T2024 + (5 * 3600 + 1800) * SEC);
    check_rfc("2024-01-01T00:00:00.25+00:00", T2024 + SEC / 4);
    check_rfc("2000-02-29T00:00:00Z", 951782400LL * SEC);
    check_rfc("1970-01-01T00:00:00Z", 0);
    check_rfc("1969-12-31T23:59:59.999999999Z", -1);
    check_rfc("2262-04-11T23:47:16.854775807Z", INT64_MAX);
    check_rfc("0001-01-01T00:00:00Z", TIME_ZERO);

    check_rfc_bad(NULL);
    check_rfc_bad("");
    check_rfc_bad("2024-01-01");
    check_rfc_bad("2024-01-01T00:00:00");  /* no zone */
    check_rfc_bad("2024-01-01T00:00Z");    /* no seconds */
    check_rfc_bad("2024-01-01 00:00:00Z"); /* space instead of T */
    check_rfc_bad("2024-1-01T00:00:00Z");
    check_rfc_bad("2024-13-01T00:00:00Z");
    check_rfc_bad("2024-00-01T00:00:00Z");
    check_rfc_bad("2023-02-29T00:00:00Z"); /* not a leap year */
    check_rfc_bad("1900-02-29T00:00:00Z"); /* century, not leap */
    check_rfc_bad("2024-04-31T00:00:00Z");
    check_rfc_bad("2024-01-01T24:00:00Z");
    check_rfc_bad("2024-01-01T00:60:00Z");
    check_rfc_bad("2024-01-01T00:00:60Z");
    check_rfc_bad("2024-01-01T00:00:00.Z");
    check_rfc_bad("2024-01-01T00:00:00+0200");
    check_rfc_bad("2024-01-01T00:00:00+24:00");
    check_rfc_bad("2024-01-01T00:00:00Zjunk");
    check_rfc_bad("2262-04-11T23:47:16.854775808Z"); /* int64 overflow */
    check_rfc_bad("1600-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_format_parse_roundtrip)
{
    const int64_t samples[] = {
        0,        1, -1, T2024, T2024 + 7, 1700000000LL * SEC + 500000000, INT64_MAX, INT64_MIN + 1,
        TIME_ZERO};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        for (int pad = 0; pad < 2; pad++) {
            _cleanup_free_ char *s = time_format(samples[i], pad);
            int64_t back = 0;
            ck_assert_int_eq(time_parse_rfc3339(s, &back), 0);
            ck_assert_int_eq(back, samples[i]);
        }
    }
}
END_TEST

START_TEST(test_now)
{
    int64_t a = time_now_ns();
    time_t t = time(NULL);
    int64_t b = time_now_ns();
    ck_assert_int_le(a, b);
    ck_assert_int_le(a / SEC, (int64_t)t);
    ck_assert_int_ge(b / SEC, (int64_t)t);
}
END_TEST

static void check_since(const char *s, int64_t now, int64_t want)
{
    int64_t got = 42;
    int r = time_parse_since(s, now, &got);
    ck_assert_msg(r == 0 && got == want, "time_parse_since(\"%s\") = %d/%lld, want %lld", s, r,
                  (long long)got, (long long)want);
}

static void check_since_bad(const char *s)
{
    int64_t got = 42;
    ck_assert_msg(time_parse_since(s, T2024, &got) == -1, "time_parse_since(\"%s\") accepted: %lld",
                  s, (long long)got);
}

START_TEST(test_since_utc_forms)
{
    const int64_t now = T2024 + 3600 * SEC + 250000000; /* 01:00:00.25Z */
    setenv("TZ", "UTC", 1);
    tzset();
    /* unix seconds, as the CLI sends them to the API */
    check_since("1700000000", now, 1700000000LL * SEC);
    check_since("1700000000.5", now, 1700000000LL * SEC + 500000000);
    check_since("1700000000.000000001", now, 1700000000LL * SEC + 1);
    check_since("0", now, 0);
    check_since("10", now, 10 * SEC); /* no unit: a timestamp, not a duration */
    /* durations before now, whole seconds like docker's Unix() */
    check_since("10m", now, T2024 + 50 * 60 * SEC);
    check_since("1h", now, T2024);
    check_since("1.5s", now, T2024 + 3598 * SEC);
    check_since("-10m", now, T2024 + 70 * 60 * SEC);
    /* RFC3339 with zone */
    check_since("2024-01-01T00:00:00Z", now, T2024);
    check_since("2024-01-01T00:00:00.5Z", now, T2024 + SEC / 2);
    check_since("2024-01-01T02:00:00+02:00", now, T2024);
    check_since("2023-12-31T19:00:00-05:00", now, T2024);
    check_since("2024-01-01T05Z", now, T2024 + 5 * 3600 * SEC);
    check_since("2024-01-01Z", now, T2024);
    /* no zone: local, which is UTC here */
    check_since("2024-01-01", now, T2024);
    check_since("2024-01-01T15", now, T2024 + 15 * 3600 * SEC);
    check_since("2024-01-01T15:04", now, T2024 + (15 * 3600 + 4 * 60) * SEC);
    check_since("2024-03-10T15:04:05", now, 1710083045LL * SEC);
    check_since("2024-03-10T15:04:05.123", now, 1710083045LL * SEC + 123000000);
}
END_TEST

START_TEST(test_since_local_zone)
{
    /* A fixed zone 5 hours west of UTC: zone-less values are read in it,
     * values that carry a zone are not. */
    setenv("TZ", "EST5", 1);
    tzset();
    check_since("2024-01-01", T2024, T2024 + 5 * 3600 * SEC);
    check_since("2024-01-01T10:00:00", T2024, T2024 + 15 * 3600 * SEC);
    check_since("2024-01-01T10:00:00Z", T2024, T2024 + 10 * 3600 * SEC);
    check_since("1700000000", T2024, 1700000000LL * SEC);
}
END_TEST

START_TEST(test_since_invalid)
{
    check_since_bad(NULL);
    check_since_bad("");
    check_since_bad("yesterday");
    check_since_bad("10x");
    check_since_bad("1700000000.");
    check_since_bad("1700000000.5.5");
    check_since_bad("2024-13-01");
    check_since_bad("2024-01-01T");
    check_since_bad("2024-01-01T10:00:00+02");
    check_since_bad("2024-01-01 10:00:00");
    check_since_bad("2024-01-01T10:00.5");
    check_since_bad("-5");
    check_since_bad("99999999999999999999");
}
END_TEST

static Suite *timefmt_suite(void)
{
    Suite *s = suite_create("common/timefmt");
    TCase *tc = tcase_create("timefmt");
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_parse_rfc3339);
    tcase_add_test(tc, test_format_parse_roundtrip);
    tcase_add_test(tc, test_now);
    tcase_add_test(tc, test_since_utc_forms);
    tcase_add_test(tc, test_since_local_zone);
    tcase_add_test(tc, test_since_invalid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(timefmt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
