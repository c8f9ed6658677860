/* Unit tests for common/signals: every spelling docker accepts for
 * --signal / --stop-signal, and the names printed back. */
#include "common/signals.h"

#include <check.h>
#include <signal.h>
#include <stdlib.h>

START_TEST(test_parse_names)
{
    ck_assert_int_eq(signal_parse("kill"), 9);
    ck_assert_int_eq(signal_parse("KILL"), 9);
    ck_assert_int_eq(signal_parse("SIGKILL"), 9);
    ck_assert_int_eq(signal_parse("sigkill"), 9);
    ck_assert_int_eq(signal_parse("SIGTERM"), 15);
    ck_assert_int_eq(signal_parse("hup"), 1);
    ck_assert_int_eq(signal_parse("SigInt"), 2);
    ck_assert_int_eq(signal_parse("USR1"), 10);
    ck_assert_int_eq(signal_parse("usr2"), 12);
    ck_assert_int_eq(signal_parse("WINCH"), 28);
    ck_assert_int_eq(signal_parse("STKFLT"), 16);
    ck_assert_int_eq(signal_parse("PWR"), 30);
    ck_assert_int_eq(signal_parse("SYS"), 31);
    /* aliases */
    ck_assert_int_eq(signal_parse("IOT"), 6);
    ck_assert_int_eq(signal_parse("CLD"), 17);
    ck_assert_int_eq(signal_parse("POLL"), 29);
    /* they agree with this host's libc for the classic signals */
    ck_assert_int_eq(signal_parse("QUIT"), SIGQUIT);
    ck_assert_int_eq(signal_parse("CHLD"), SIGCHLD);
    ck_assert_int_eq(signal_parse("STOP"), SIGSTOP);
    ck_assert_int_eq(signal_parse("VTALRM"), SIGVTALRM);
}
END_TEST

START_TEST(test_parse_realtime)
{
    ck_assert_int_eq(signal_parse("RTMIN"), 34);
    ck_assert_int_eq(signal_parse("SIGRTMIN"), 34);
    ck_assert_int_eq(signal_parse("RTMIN+3"), 37);
    ck_assert_int_eq(signal_parse("sigrtmin+15"), 49);
    ck_assert_int_eq(signal_parse("RTMAX"), 64);
    ck_assert_int_eq(signal_parse("RTMAX-1"), 63);
    ck_assert_int_eq(signal_parse("rtmax-14"), 50);
    ck_assert_int_eq(signal_parse("RTMIN+30"), 64);
    ck_assert_int_eq(signal_parse("RTMIN+0"), 34);

    ck_assert_int_eq(signal_parse("RTMIN+31"), -1);
    ck_assert_int_eq(signal_parse("RTMAX-31"), -1);
    ck_assert_int_eq(signal_parse("RTMIN-1"), -1);
    ck_assert_int_eq(signal_parse("RTMAX+1"), -1);
    ck_assert_int_eq(signal_parse("RTMIN+"), -1);
    ck_assert_int_eq(signal_parse("RTMIN+x"), -1);
    ck_assert_int_eq(signal_parse("RTMIN3"), -1);
    ck_assert_int_eq(signal_parse("RTMINUTE"), -1);
}
END_TEST

START_TEST(test_parse_numbers)
{
    ck_assert_int_eq(signal_parse("9"), 9);
    ck_assert_int_eq(signal_parse("1"), 1);
    ck_assert_int_eq(signal_parse("15"), 15);
    ck_assert_int_eq(signal_parse("64"), 64);
    ck_assert_int_eq(signal_parse("32"), 32);
    ck_assert_int_eq(signal_parse("0"), -1);
    ck_assert_int_eq(signal_parse("65"), -1);
    ck_assert_int_eq(signal_parse("99999999999"), -1);
    ck_assert_int_eq(signal_parse("-9"), -1);
    ck_assert_int_eq(signal_parse("9x"), -1);
    ck_assert_int_eq(signal_parse(" 9"), -1);
}
END_TEST

START_TEST(test_parse_invalid)
{
    ck_assert_int_eq(signal_parse(NULL), -1);
    ck_assert_int_eq(signal_parse(""), -1);
    ck_assert_int_eq(signal_parse("SIG"), -1);
    ck_assert_int_eq(signal_parse("SIGSIGKILL"), -1);
    ck_assert_int_eq(signal_parse("NOPE"), -1);
    ck_assert_int_eq(signal_parse("KILL "), -1);
    ck_assert_int_eq(signal_parse("SIG KILL"), -1);
    ck_assert_int_eq(signal_parse("TERMINATE"), -1);
}
END_TEST

START_TEST(test_name)
{
    ck_assert_str_eq(signal_name(15), "SIGTERM");
    ck_assert_str_eq(signal_name(9), "SIGKILL");
    ck_assert_str_eq(signal_name(1), "SIGHUP");
    ck_assert_str_eq(signal_name(6), "SIGABRT"); /* not the IOT alias */
    ck_assert_str_eq(signal_name(17), "SIGCHLD");
    ck_assert_str_eq(signal_name(29), "SIGIO");
    ck_assert_str_eq(signal_name(31), "SIGSYS");
    ck_assert_str_eq(signal_name(34), "SIGRTMIN");
    ck_assert_str_eq(signal_name(37), "SIGRTMIN+3");
    ck_assert_str_eq(signal_name(49), "SIGRTMIN+15");
    ck_assert_str_eq(signal_name(50), "SIGRTMAX-14");
    ck_assert_str_eq(signal_name(63), "SIGRTMAX-1");
    ck_assert_str_eq(signal_name(64), "SIGRTMAX");
    ck_assert_ptr_null(signal_name(0));
    ck_assert_ptr_null(signal_name(32));
    ck_assert_ptr_null(signal_name(33));
    ck_assert_ptr_null(signal_name(65));
    ck_assert_ptr_null(signal_name(-1));
}
END_TEST

START_TEST(test_roundtrip)
{
    /* Every named signal parses back to itself, with and without "SIG". */
    int named = 0;
    for (int sig = 1; sig <= 64; sig++) {
        const char *n = signal_name(sig);
        if (!n)
            continue;
        named++;
        ck_assert_int_eq(signal_parse(n), sig);
        ck_assert_int_eq(signal_parse(n + 3), sig);
    }
    ck_assert_int_eq(named, 62);
}
END_TEST

static Suite *signals_suite(void)
{
    Suite *s = suite_create("common/signals");
    TCase *tc = tcase_create("signals");
    tcase_add_test(tc, test_parse_names);
    tcase_add_test(tc, test_parse_realtime);
    tcase_add_test(tc, test_parse_numbers);
    tcase_add_test(tc, test_parse_invalid);
    tcase_add_test(tc, test_name);
    tcase_add_test(tc, test_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(signals_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
