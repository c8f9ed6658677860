/* Unit tests for common/units: go-units HumanDuration/HumanSize/RAMInBytes,
 * docker's --cpus, and Go's time.ParseDuration (cases from Go's own table). */
#include "common/units.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024LL * 1024)

static void check_duration(int64_t secs, const char *want)
{
    _cleanup_free_ char *got = human_duration(secs);
    ck_assert_msg(strcmp(got, want) == 0, "human_duration(%lld) = \"%s\", want \"%s\"",
                  (long long)secs, got, want);
}

START_TEST(test_human_duration)
{
    check_duration(-5, "Less than a second");
    check_duration(0, "Less than a second");
    check_duration(1, "1 second");
    check_duration(2, "2 seconds");
    check_duration(59, "59 seconds");
    check_duration(60, "About a minute");
    check_duration(119, "About a minute");
    check_duration(120, "2 minutes");
    check_duration(59 * 60 + 59, "59 minutes");
    check_duration(60 * 60, "About an hour");
    /* hours are rounded: 89 minutes is still about an hour, 90 is 2 hours */
    check_duration(89 * 60 + 59, "About an hour");
    check_duration(90 * 60, "2 hours");
    check_duration(47 * 3600, "47 hours");
    check_duration(47 * 3600 + 1799, "47 hours");
    check_duration(47 * 3600 + 1800, "2 days");
    check_duration(13 * 86400, "13 days");
    check_duration(14 * 86400 - 1801, "13 days");
    check_duration(14 * 86400, "2 weeks");
    check_duration(59 * 86400, "8 weeks");
    check_duration(60 * 86400, "2 months");
    check_duration(729 * 86400, "24 months");
    check_duration(730 * 86400, "2 years");
    check_duration(3 * 365 * 86400 + 86399, "3 years");
}
END_TEST

static void check_size(double bytes, const char *want)
{
    _cleanup_free_ char *got = human_size(bytes);
    ck_assert_msg(strcmp(got, want) == 0, "human_size(%.17g) = \"%s\", want \"%s\"", bytes, got,
                  want);
}

START_TEST(test_human_size)
{
    check_size(0, "0B");
    check_size(1, "1B");
    check_size(999, "999B");
    check_size(1000, "1kB");
    check_size(1024, "1.02kB");
    check_size(1500, "1.5kB");
    check_size(2140160, "2.14MB");
    check_size(193000000, "193MB");
    check_size(4.3e9, "4.3GB");
    check_size(1e12, "1TB");
    check_size(1e15, "1PB");
    check_size(1e18, "1EB");
    /* Go's %.3g switches to an exponent once rounding reaches 1000 */
    check_size(999999, "1e+03kB");
    check_size(1e27, "1e+03YB");
    check_size(12.345, "12.3B");
}
END_TEST

static void check_ram(const char *s, int64_t want)
{
    int64_t got = -42;
    int r = parse_ram_size(s, &got);
    ck_assert_msg(r == 0 && got == want, "parse_ram_size(\"%s\") = %d/%lld, want %lld", s, r,
                  (long long)got, (long long)want);
}

static void check_ram_bad(const char *s)
{
    int64_t got = -42;
    ck_assert_msg(parse_ram_size(s, &got) == -1, "parse_ram_size(\"%s\") accepted: %lld", s,
                  (long long)got);
    ck_assert_int_eq(got, -42);
}

START_TEST(test_parse_ram_size)
{
    check_ram("64m", 64 * MiB);
    check_ram("64M", 64 * MiB);
    check_ram("64MB", 64 * MiB);
    check_ram("64MiB", 64 * MiB);
    check_ram("64 mib", 64 * MiB);
    check_ram("1g", 1024 * MiB);
    check_ram("1.5g", 1536 * MiB);
    check_ram("1024", 1024);
    check_ram("32b", 32);
    check_ram("32B", 32);
    check_ram("32k", 32 * 1024);
    check_ram("32Kb", 32 * 1024);
    check_ram("32Tb", 32LL << 40);
    check_ram("32P", 32LL << 50);
    check_ram("0", 0);
    check_ram("32.3", 32);
    /* go-units truncates 32.3 * 2^20 = 33869004.8 */
    check_ram("32.3 mb", 33869004);
    check_ram("0.5k", 512);
    check_ram("9223372036854775807", INT64_MAX);
    check_ram("8191p", 8191LL << 50);

    check_ram_bad(NULL);
    check_ram_bad("");
    check_ram_bad("hello");
    check_ram_bad("-32");
    check_ram_bad("-1g");
    check_ram_bad(" 32");
    check_ram_bad("32  m");
    check_ram_bad("32m b");
    check_ram_bad("32bm");
    check_ram_bad("32x");
    check_ram_bad("32mm");
    check_ram_bad("32mbb");
    check_ram_bad("32.");
    check_ram_bad(".5m");
    check_ram_bad("1.2.3");
    check_ram_bad("1,5g");
    check_ram_bad("8192p"); /* 2^63 overflows */
    check_ram_bad("9223372036854775808");
}
END_TEST

/* json-file's max-size: the same syntax, decimal multipliers */
START_TEST(test_parse_human_size)
{
    int64_t v = -1;
    ck_assert_int_eq(parse_human_size("10k", &v), 0);
    ck_assert_int_eq(v, 10000);
    ck_assert_int_eq(parse_human_size("10KiB", &v), 0);
    ck_assert_int_eq(v, 10000);
    ck_assert_int_eq(parse_human_size("1.5m", &v), 0);
    ck_assert_int_eq(v, 1500000);
    ck_assert_int_eq(parse_human_size("2g", &v), 0);
    ck_assert_int_eq(v, 2000000000);
    ck_assert_int_eq(parse_human_size("123", &v), 0);
    ck_assert_int_eq(v, 123);
    ck_assert_int_eq(parse_human_size("lots", &v), -1);
    ck_assert_int_eq(parse_human_size("-1k", &v), -1);
    ck_assert_int_eq(parse_ram_size("10k", &v), 0);
    ck_assert_int_eq(v, 10240);
}
END_TEST

static void check_cpus(const char *s, int64_t want)
{
    int64_t got = -42;
    int r = parse_nano_cpus(s, &got);
    ck_assert_msg(r == 0 && got == want, "parse_nano_cpus(\"%s\") = %d/%lld, want %lld", s, r,
                  (long long)got, (long long)want);
}

static void check_cpus_bad(const char *s)
{
    int64_t got = -42;
    ck_assert_msg(parse_nano_cpus(s, &got) == -1, "parse_nano_cpus(\"%s\") accepted: %lld", s,
                  (long long)got);
}

START_TEST(test_parse_nano_cpus)
{
    check_cpus("1.5", 1500000000);
    check_cpus("0.5", 500000000);
    check_cpus("2", 2000000000);
    check_cpus("0", 0);
    check_cpus("0.000000001", 1);
    check_cpus("1.0000000000000", 1000000000);
    check_cpus("0.25", 250000000);
    check_cpus("9223372036", 9223372036000000000LL);

    check_cpus_bad(NULL);
    check_cpus_bad("");
    check_cpus_bad(".");
    check_cpus_bad("-1");
    check_cpus_bad("-0.5");
    check_cpus_bad("abc");
    check_cpus_bad("1.5x");
    check_cpus_bad("1 ");
    check_cpus_bad("1e3");
    check_cpus_bad("0.0000000001"); /* docker: value is too precise */
    check_cpus_bad("0.00000000000000000000001");
    check_cpus_bad("9223372037");
}
END_TEST

static void check_dur(const char *s, int64_t want)
{
    int64_t got = -42;
    int r = parse_go_duration(s, &got);
    ck_assert_msg(r == 0 && got == want, "parse_go_duration(\"%s\") = %d/%lld, want %lld", s, r,
                  (long long)got, (long long)want);
}

static void check_dur_bad(const char *s)
{
    int64_t got = -42;
    ck_assert_msg(parse_go_duration(s, &got) == -1, "parse_go_duration(\"%s\") accepted: %lld", s,
                  (long long)got);
}

#define NS  1LL
#define US  1000LL
#define MS  1000000LL
#define SEC 1000000000LL
#define MIN (60 * SEC)
#define HR  (60 * MIN)

START_TEST(test_parse_go_duration)
{
    check_dur("0", 0);
    check_dur("-0", 0);
    check_dur("+0", 0);
    check_dur("10s", 10 * SEC);
    check_dur("1m30s", 90 * SEC);
    check_dur("1.5h", 90 * MIN);
    check_dur("500ms", 500 * MS);
    check_dur("1us", 1 * US);
    check_dur("12\xc2\xb5s", 12 * US);
    check_dur("12\xce\xbcs", 12 * US);
    check_dur("10ns", 10 * NS);
    check_dur("-5s", -5 * SEC);
    check_dur("+5s", 5 * SEC);
    check_dur("5.0s", 5 * SEC);
    check_dur("5.6s", 5 * SEC + 600 * MS);
    check_dur("5.s", 5 * SEC);
    check_dur(".5s", 500 * MS);
    check_dur("1.004s", 1004 * MS);
    check_dur("100.00100s", 100 * SEC + 1 * MS);
    check_dur("3h30m", 3 * HR + 30 * MIN);
    check_dur("10.5s4m", 4 * MIN + 10 * SEC + 500 * MS);
    check_dur("-2m3.4s", -(2 * MIN + 3 * SEC + 400 * MS));
    check_dur("1h2m3s4ms5us6ns", HR + 2 * MIN + 3 * SEC + 4 * MS + 5 * US + 6 * NS);
    check_dur("39h9m14.425s", 39 * HR + 9 * MIN + 14 * SEC + 425 * MS);
    check_dur("52763797000ns", 52763797000LL);
    /* Go rounds long fractions through float64; these come from its tests */
    check_dur("0.3333333333333333333h", 20 * MIN);
    check_dur("0.100000000000000000000h", 6 * MIN);
    check_dur("0.830103483285477580700h", 49 * MIN + 48 * SEC + 372539827 * NS);
    check_dur("9007199254740993ns", 9007199254740993LL);
    check_dur("9223372036854775807ns", INT64_MAX);
    check_dur("9223372036.854775807s", INT64_MAX);
    check_dur("9223372036854775.807us", INT64_MAX);
    check_dur("9223372036s854ms775us807ns", INT64_MAX);
    check_dur("-9223372036854775808ns", INT64_MIN);
    check_dur("-9223372036.854775808s", INT64_MIN);

    check_dur_bad(NULL);
    check_dur_bad("");
    check_dur_bad("3");
    check_dur_bad("-");
    check_dur_bad("s");
    check_dur_bad(".");
    check_dur_bad("-.");
    check_dur_bad(".s");
    check_dur_bad("+.s");
    check_dur_bad("1d");
    check_dur_bad("10 s");
    check_dur_bad("1sm");
    check_dur_bad("1S");
    check_dur_bad("\x85\x85");
    check_dur_bad("\xff"
                  "ff");
    check_dur_bad("hello \xff"
                  "ff world");
    check_dur_bad("9223372036854775808ns");
    check_dur_bad("9223372036854775.808us");
    check_dur_bad("9223372036854ms775us808ns");
    check_dur_bad("-9223372036854775809ns");
    check_dur_bad("99999999999999999999h");
}
END_TEST
START_TEST(test_go_duration_string)
{
    static const struct {
        int64_t ns;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {1, "1ns"},
        {1100, "1.1\xc2\xb5s"},
        {2200 * US, "2.2ms"},
        {300 * MS, "300ms"},
        {30 * SEC, "30s"},
        {3 * SEC + 500 * MS, "3.5s"},
        {90 * SEC, "1m30s"},
        {2 * HR, "2h0m0s"},
        {HR + 2 * MIN + 3 * SEC + 4 * MS, "1h2m3.004s"},
        {-5 * SEC, "-5s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = go_duration_string(cases[i].ns);
        ck_assert_str_eq(got, cases[i].want);
        free(got);
    }
}
END_TEST


static Suite *units_suite(void)
{
    Suite *s = suite_create("common/units");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, test_human_duration);
    tcase_add_test(tc, test_human_size);
    tcase_add_test(tc, test_parse_ram_size);
    tcase_add_test(tc, test_parse_human_size);
    tcase_add_test(tc, test_parse_nano_cpus);
    tcase_add_test(tc, test_parse_go_duration);
    tcase_add_test(tc, test_go_duration_string);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(units_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
