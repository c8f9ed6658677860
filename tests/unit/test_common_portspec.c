/* Unit tests for common/portspec: the -p forms users type and the exact
 * messages docker 28's CLI prints for bad ones. */
#include "common/portspec.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct expect {
    const char *ip, *host_port;
    uint16_t ctr;
    const char *proto;
};

static void check_spec(const char *spec, const struct expect *e, size_t ne)
{
    struct port_map *m = NULL;
    size_t n = 0;
    struct md_error err = {0};
    ck_assert_msg(portspec_parse(spec, &m, &n, &err) == 0, "%s: %s", spec, md_err_msg(&err));
    ck_assert_uint_eq(n, ne);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(m[i].host_ip, e[i].ip);
        ck_assert_str_eq(m[i].host_port, e[i].host_port);
        ck_assert_uint_eq(m[i].ctr_port, e[i].ctr);
        ck_assert_str_eq(m[i].proto, e[i].proto);
    }
    port_maps_free(m, n);
}

static void check_err(const char *spec, const char *msg)
{
    struct port_map *m = NULL;
    size_t n = 0;
    struct md_error err = {0};
    ck_assert_msg(portspec_parse(spec, &m, &n, &err) < 0, "%s parsed", spec);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(m);
    md_err_clear(&err);
}

START_TEST(test_basic_forms)
{
    check_spec("8080:80", (struct expect[]){{"", "8080", 80, "tcp"}}, 1);
    check_spec("127.0.0.1:8080:80", (struct expect[]){{"127.0.0.1", "8080", 80, "tcp"}}, 1);
    check_spec("127.0.0.1::80", (struct expect[]){{"127.0.0.1", "", 80, "tcp"}}, 1);
    check_spec("80", (struct expect[]){{"", "", 80, "tcp"}}, 1);
    check_spec("5353:53/udp", (struct expect[]){{"", "5353", 53, "udp"}}, 1);
    check_spec("9000:9000/sctp", (struct expect[]){{"", "9000", 9000, "sctp"}}, 1);
    check_spec("80/TCP", (struct expect[]){{"", "", 80, "tcp"}}, 1);
    check_spec("80/", (struct expect[]){{"", "", 80, "tcp"}}, 1);
    check_spec(":80", (struct expect[]){{"", "", 80, "tcp"}}, 1);
    check_spec("080:0080", (struct expect[]){{"", "80", 80, "tcp"}}, 1);
    check_spec("65535:65535", (struct expect[]){{"", "65535", 65535, "tcp"}}, 1);
}
END_TEST

START_TEST(test_ipv6)
{
    check_spec("[::1]:8080:80", (struct expect[]){{"::1", "8080", 80, "tcp"}}, 1);
    check_spec("[::]::80/udp", (struct expect[]){{"::", "", 80, "udp"}}, 1);
    /* Without brackets every field but the last two is the address. */
    check_spec("::1:8080:80", (struct expect[]){{"::1", "8080", 80, "tcp"}}, 1);
    check_spec("[]:8080:80", (struct expect[]){{"", "8080", 80, "tcp"}}, 1);
    check_err("[::1:8080:80", "invalid IP address [::1: address [::1:: missing ']' in address");
    check_err("[::1]x:80:80", "invalid IP address [::1]x: address [::1]x:: missing port in "
                              "address");
    check_err("[::1]:5:8080:80", "invalid IP address [::1]:5: address [::1]:5:: too many colons "
                                 "in address");
    check_err("[fe80::1%eth0]:80:80", "invalid IP address: fe80::1%eth0");
}
END_TEST

START_TEST(test_ranges)
{
    struct expect e[11];
    char hp[11][16];
    for (unsigned i = 0; i < 11; i++) {
        snprintf(hp[i], sizeof(hp[i]), "%u", 8000 + i);
        e[i] = (struct expect){"", hp[i], (uint16_t)(8000 + i), "tcp"};
    }
    check_spec("8000-8010:8000-8010", e, 11);
    check_spec("8000-8010:80", (struct expect[]){{"", "8000-8010", 80, "tcp"}}, 1);
    check_spec("1.2.3.4:7000-7001:80-81/udp",
               (struct expect[]){{"1.2.3.4", "7000", 80, "udp"}, {"1.2.3.4", "7001", 81, "udp"}},
               2);
    check_spec("80-81", (struct expect[]){{"", "", 80, "tcp"}, {"", "", 81, "tcp"}}, 2);
    /* Go reads only the first two fields of a range. */
    check_spec("80-81-99", (struct expect[]){{"", "", 80, "tcp"}, {"", "", 81, "tcp"}}, 2);
    check_err("8000-8010:80-81",
              "invalid ranges specified for container and host Ports: 80-81 and 8000-8010");
    check_err("8000:80-81", "invalid ranges specified for container and host Ports: 80-81 and "
                            "8000");
    check_err("80-70", "invalid containerPort: 80-70");
    check_err("8000-:80", "invalid hostPort: 8000-");
    /* The whole port space is allowed and expands one map per port. */
    struct port_map *m = NULL;
    size_t n = 0;
    ck_assert_int_eq(portspec_parse("0-65535", &m, &n, NULL), 0);
    ck_assert_uint_eq(n, 65536);
    ck_assert_uint_eq(m[65535].ctr_port, 65535);
    port_maps_free(m, n);
}
END_TEST

START_TEST(test_appends)
{
    struct port_map *m = NULL;
    size_t n = 0;
    struct md_error err = {0};
    ck_assert_int_eq(portspec_parse("8080:80", &m, &n, &err), 0);
    ck_assert_int_eq(portspec_parse("53/udp", &m, &n, &err), 0);
    ck_assert_int_lt(portspec_parse("x", &m, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(m[0].ctr_port, 80);
    ck_assert_str_eq(m[1].proto, "udp");
    port_maps_free(m, n);
    md_err_clear(&err);
}
END_TEST

START_TEST(test_docker_errors)
{
    check_err("foo:80", "invalid hostPort: foo");
    check_err("80:foo", "invalid containerPort: foo");
    check_err("1.2.3:80:80", "invalid IP address: 1.2.3");
    check_err("01.2.3.4:80:80", "invalid IP address: 01.2.3.4");
    check_err("a:b:c:d", "invalid IP address: a:b");
    check_err("80/tcpx", "invalid proto: tcpx");
    check_err("8080:80/TCPX", "invalid proto: TCPX");
    check_err("x/foo", "invalid containerPort: x");
    check_err("", "no port specified: <empty>");
    check_err(":", "no port specified: :<empty>");
    check_err("80:", "no port specified: 80:<empty>");
    check_err("/udp", "no port specified: /udp<empty>");
    check_err("1.2.3.4::", "no port specified: 1.2.3.4::<empty>");
    check_err("1.2.3::", "invalid IP address: 1.2.3");
    check_err("70000", "invalid containerPort: 70000");
    check_err("65536:80", "invalid hostPort: 65536");
    check_err("-1", "invalid containerPort: -1");
    check_err("+80", "invalid containerPort: +80");
    check_err(" 80", "invalid containerPort:  80");
    check_err("99999999999999999999999999999999", "invalid containerPort: "
                                                  "99999999999999999999999999999999");
    check_err(NULL, "no port specified: <empty>");
}
END_TEST

START_TEST(test_expose)
{
    uint16_t lo, hi;
    char proto[5];
    struct md_error err = {0};
    ck_assert_int_eq(portspec_parse_expose("80", &lo, &hi, proto, &err), 0);
    ck_assert_uint_eq(lo, 80);
    ck_assert_uint_eq(hi, 80);
    ck_assert_str_eq(proto, "tcp");
    ck_assert_int_eq(portspec_parse_expose("8000-8010/udp", &lo, &hi, proto, &err), 0);
    ck_assert_uint_eq(lo, 8000);
    ck_assert_uint_eq(hi, 8010);
    ck_assert_str_eq(proto, "udp");
    ck_assert_int_eq(portspec_parse_expose("80/SCTP", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(proto, "sctp");

    ck_assert_int_lt(portspec_parse_expose("x", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid range format for --expose: x, error: "
                              "strconv.ParseUint: parsing \"x\": invalid syntax");
    ck_assert_int_lt(portspec_parse_expose("80:90", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid port format for --expose: 80:90");
    ck_assert_int_lt(portspec_parse_expose("90-80", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid range format for --expose: 90-80, error: invalid range "
                              "specified for port: 90-80");
    ck_assert_int_lt(portspec_parse_expose("70000", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid range format for --expose: 70000, error: "
                              "strconv.ParseUint: parsing \"70000\": value out of range");
    ck_assert_int_lt(portspec_parse_expose("", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid range format for --expose: , error: empty string "
                              "specified for ports");
    ck_assert_int_lt(portspec_parse_expose("80/foo", &lo, &hi, proto, &err), 0);
    ck_assert_str_eq(err.msg, "invalid proto: foo");
    md_err_clear(&err);
}
END_TEST

START_TEST(test_port_keys)
{
    struct port_key k;
    struct md_error err = {0};
    ck_assert_int_eq(portspec_parse_key("80/tcp", &k, &err), 0);
    ck_assert_int_eq(k.port, 80);
    ck_assert_str_eq(k.proto, "tcp");
    ck_assert_int_eq(portspec_parse_key("53/udp", &k, &err), 0);
    ck_assert_str_eq(k.proto, "udp");
    ck_assert_int_eq(portspec_parse_key("8080", &k, &err), 0);
    ck_assert_int_eq(k.port, 8080);
    ck_assert_str_eq(k.proto, "tcp");
    ck_assert_int_eq(portspec_parse_key("65535/sctp", &k, &err), 0);
    ck_assert_int_lt(portspec_parse_key("65536/tcp", &k, &err), 0);
    ck_assert_str_eq(err.msg, "invalid port specification: \"65536/tcp\"");
    ck_assert_int_lt(portspec_parse_key("-1/tcp", &k, &err), 0);
    ck_assert_str_eq(err.msg, "invalid port specification: \"-1/tcp\"");
    ck_assert_int_lt(portspec_parse_key("/tcp", &k, &err), 0);
    ck_assert_int_lt(portspec_parse_key("80/icmp", &k, &err), 0);
    ck_assert_str_eq(err.msg, "invalid proto: icmp");
    md_err_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("portspec");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_basic_forms);
    tcase_add_test(tc, test_ipv6);
    tcase_add_test(tc, test_ranges);
    tcase_add_test(tc, test_appends);
    tcase_add_test(tc, test_docker_errors);
    tcase_add_test(tc, test_expose);
    tcase_add_test(tc, test_port_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
