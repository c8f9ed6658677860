/* Unit tests for common/cliutil: the docker CLI's client-side display and
 * flag logic. Expected values come from docker/cli's own tests
 * (formatter/container_test.go, displayutils_test.go) and from running the
 * docker 28 CLI against a logging fake daemon. */
#include "common/cliutil.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define P(ip, priv, pub, type) ((struct cli_port){ip, priv, pub, type})

static void check_ports(struct cli_port *p, size_t n, const char *want)
{
    _cleanup_free_ char *got = cli_ports_display(p, n);
    ck_assert_msg(!strcmp(got, want), "ports: got \"%s\", want \"%s\"", got, want);
}

START_TEST(test_ports_display)
{
    check_ports(NULL, 0, "");
    struct cli_port a[] = {P("", 9988, 0, "tcp")};
    check_ports(a, 1, "9988/tcp");
    struct cli_port b[] = {P("0.0.0.0", 9988, 0, "tcp")};
    check_ports(b, 1, "0.0.0.0:0->9988/tcp");
    struct cli_port c[] = {P("::", 9988, 0, "tcp")};
    check_ports(c, 1, "[::]:0->9988/tcp");
    struct cli_port d[] = {P("", 9988, 8899, "tcp")};
    check_ports(d, 1, "9988/tcp");
    struct cli_port e[] = {P("4.3.2.1", 9988, 8899, "tcp")};
    check_ports(e, 1, "4.3.2.1:8899->9988/tcp");
    struct cli_port f[] = {P("::1", 9988, 9988, "tcp")};
    check_ports(f, 1, "[::1]:9988->9988/tcp");
    struct cli_port g[] = {P("", 9988, 0, "udp"), P("", 9988, 0, "udp")};
    check_ports(g, 2, "9988/udp, 9988/udp");
    struct cli_port h[] = {P("1.2.3.4", 9998, 9998, "udp"), P("1.2.3.4", 9999, 9999, "udp")};
    check_ports(h, 2, "1.2.3.4:9998-9999->9998-9999/udp");
    struct cli_port i[] = {P("1.2.3.4", 9998, 8887, "udp"), P("1.2.3.4", 9999, 8888, "udp")};
    check_ports(i, 2, "1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp");
    struct cli_port j[] = {P("", 9998, 0, "udp"), P("", 9999, 0, "udp")};
    check_ports(j, 2, "9998-9999/udp");
    struct cli_port k[] = {P("1.2.3.4", 6677, 7766, "tcp"), P("", 9988, 8899, "udp")};
    check_ports(k, 2, "9988/udp, 1.2.3.4:7766->6677/tcp");
    struct cli_port l[] = {P("1.2.3.4", 9988, 8899, "udp"), P("1.2.3.4", 9988, 8899, "tcp"),
                           P("4.3.2.1", 2233, 3322, "tcp"), P("::1", 2233, 3322, "tcp")};
    check_ports(l, 4,
                "4.3.2.1:3322->2233/tcp, [::1]:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, "
                "1.2.3.4:8899->9988/udp");
    struct cli_port m[] = {
        P("", 80, 0, "tcp"),           P("", 1024, 0, "tcp"),         P("", 80, 0, "udp"),
        P("", 1024, 0, "udp"),         P("1.1.1.1", 1024, 80, "tcp"), P("1.1.1.1", 1024, 80, "udp"),
        P("1.1.1.1", 80, 1024, "tcp"), P("1.1.1.1", 80, 1024, "udp"), P("2.1.1.1", 1024, 80, "tcp"),
        P("2.1.1.1", 1024, 80, "udp"), P("2.1.1.1", 80, 1024, "tcp"), P("2.1.1.1", 80, 1024, "udp"),
        P("", 12345, 0, "sctp")};
    check_ports(m, 13,
                "80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, "
                "1.1.1.1:1024->80/udp, 2.1.1.1:1024->80/tcp, 2.1.1.1:1024->80/udp, "
                "1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, 2.1.1.1:80->1024/tcp, "
                "2.1.1.1:80->1024/udp");
    /* what `-p 8080:80` looks like on a dual-stack daemon */
    struct cli_port n[] = {P("0.0.0.0", 80, 8080, "tcp"), P("::", 80, 8080, "tcp")};
    check_ports(n, 2, "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp");
}
END_TEST

static void check_ellipsis(const char *s, int w, const char *want)
{
    _cleanup_free_ char *got = cli_ellipsis(s, w);
    ck_assert_msg(!strcmp(got, want), "ellipsis(%s, %d) = \"%s\", want \"%s\"", s, w, got, want);
}

START_TEST(test_ellipsis)
{
    check_ellipsis("t🐳ststring", 0, "");
    check_ellipsis("t🐳ststring", 1, "t");
    check_ellipsis("t🐳ststring", 2, "t…");
    check_ellipsis("t🐳ststring", 6, "t🐳st…");
    check_ellipsis("t🐳ststring", 20, "t🐳ststring");
    check_ellipsis("你好世界teststring", 0, "");
    check_ellipsis("你好世界teststring", 1, "你");
    check_ellipsis("你好世界teststring", 3, "你…");
    check_ellipsis("你好世界teststring", 6, "你好…");
    check_ellipsis("你好世界teststring", 20, "你好世界teststring");
    check_ellipsis("sh -c 'echo hi'", 20, "sh -c 'echo hi'");
    check_ellipsis("sh -c 'while true; do sleep 1; done'", 20, "sh -c 'while true; …");
    check_ellipsis("", 20, "");
}
END_TEST

START_TEST(test_quote)
{
    _cleanup_free_ char *a = cli_quote("sh -c 'echo \"hi\"'");
    ck_assert_str_eq(a, "\"sh -c 'echo \\\"hi\\\"'\"");
    _cleanup_free_ char *b = cli_quote("a\tb\n");
    ck_assert_str_eq(b, "\"a\\tb\\n\"");
}
END_TEST

START_TEST(test_sizes)
{
    _cleanup_free_ char *a = cli_human_size(0, 4);
    ck_assert_str_eq(a, "0B");
    _cleanup_free_ char *b = cli_human_size(1234, 4);
    ck_assert_str_eq(b, "1.234kB");
    _cleanup_free_ char *c = cli_human_size(1234, 3);
    ck_assert_str_eq(c, "1.23kB");
    _cleanup_free_ char *d = cli_bytes_size(1536);
    ck_assert_str_eq(d, "1.5KiB");
    _cleanup_free_ char *e = cli_bytes_size(2000000000);
    ck_assert_str_eq(e, "1.863GiB");
    _cleanup_free_ char *f = cli_ps_size(12, 4400000);
    ck_assert_str_eq(f, "12B (virtual 4.4MB)");
    _cleanup_free_ char *g = cli_ps_size(0, 0);
    ck_assert_str_eq(g, "0B");
    _cleanup_free_ char *h = cli_percent(12.345);
    ck_assert_str_eq(h, "12.35%");
}
END_TEST

START_TEST(test_natural)
{
    ck_assert_int_lt(cli_natural_cmp("80/tcp -> 0.0.0.0:8080", "443/tcp -> 0.0.0.0:8443"), 0);
    ck_assert_int_lt(cli_natural_cmp("a2", "a10"), 0);
    ck_assert_int_gt(cli_natural_cmp("a10", "a2"), 0);
    ck_assert_int_eq(cli_natural_cmp("abc", "abc"), 0);
    ck_assert_int_lt(cli_natural_cmp("ab", "abc"), 0);
    ck_assert_int_lt(cli_natural_cmp("1", "a"), 0);
    ck_assert_int_lt(cli_natural_cmp("a01", "a001"), 0);
}
END_TEST

START_TEST(test_detach_keys)
{
    unsigned char k[8];
    size_t n;
    char *err = NULL;
    ck_assert_int_eq(cli_detach_keys_parse("ctrl-p,ctrl-q", k, sizeof k, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(k[0], 16);
    ck_assert_uint_eq(k[1], 17);
    ck_assert_int_eq(cli_detach_keys_parse("a,DEL,ctrl-@,ctrl-_", k, sizeof k, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(k[0], 'a');
    ck_assert_uint_eq(k[1], 127);
    ck_assert_uint_eq(k[2], 0);
    ck_assert_uint_eq(k[3], 31);
    ck_assert_int_eq(cli_detach_keys_parse("ctrl-xx", k, sizeof k, &n, &err), -1);
    ck_assert_str_eq(err, "Unknown character: 'ctrl-xx'");
    free(err);
}
END_TEST

START_TEST(test_escape)
{
    struct cli_escape e;
    unsigned char out[64];
    bool det;
    cli_escape_init(&e, (const unsigned char *)"\x10\x11", 2);
    size_t n = cli_escape_feed(&e, (const unsigned char *)"ab\x10", 3, out, &det);
    ck_assert(!det);
    ck_assert_uint_eq(n, 2); /* ctrl-p held back */
    n = cli_escape_feed(&e, (const unsigned char *)"c", 1, out, &det);
    ck_assert(!det);
    ck_assert_uint_eq(n, 2);
    ck_assert(!memcmp(out,
                      "\x10"
                      "c",
                      2));
    n = cli_escape_feed(&e, (const unsigned char *)"x\x10\x11y", 4, out, &det);
    ck_assert(det);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(out[0], 'x');
    /* split across reads */
    cli_escape_init(&e, (const unsigned char *)"\x10\x11", 2);
    n = cli_escape_feed(&e, (const unsigned char *)"\x10", 1, out, &det);
    ck_assert(!det && n == 0);
    n = cli_escape_feed(&e, (const unsigned char *)"\x11", 1, out, &det);
    ck_assert(det && n == 0);
}
END_TEST

static void check_indent(const char *src, const char *want)
{
    _cleanup_free_ char *got = cli_json_indent(src, strlen(src), "    ");
    ck_assert_msg(got && !strcmp(got, want), "indent: got\n%s\nwant\n%s", got ? got : "(null)",
                  want);
}

START_TEST(test_json_indent)
{
    check_indent("[{\"a\":1,\"b\":[],\"c\":{},\"d\":[1,2],\"e\":\"x\\\"y<>\"}\n]",
                 "[\n    {\n        \"a\": 1,\n        \"b\": [],\n        \"c\": {},\n"
                 "        \"d\": [\n            1,\n            2\n        ],\n"
                 "        \"e\": \"x\\\"y<>\"\n    }\n]");
    check_indent("[]", "[]");
    check_indent(" {\"k\" : null , \"u\":\"\\u003c\"} ",
                 "{\n    \"k\": null,\n    \"u\": \"\\u003c\"\n}");
    const char *src = "[ {\"a\" : [ 1, 2 ], \"b\": \"x y\"} ]\n";
    _cleanup_free_ char *compact = cli_json_indent(src, strlen(src), NULL);
    ck_assert_str_eq(compact, "[{\"a\":[1,2],\"b\":\"x y\"}]");
    ck_assert_ptr_null(cli_json_indent("[", 1, "  "));
    ck_assert_ptr_null(cli_json_indent("{\"a", 3, "  "));
}
END_TEST

START_TEST(test_env_file)
{
    char path[] = "/tmp/cliutil-env-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "\xEF\xBB\xBF"
                       "A=1\n  # comment\n\n  B = x \nCLIUTIL_SET\nCLIUTIL_UNSET\nC=\r\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    setenv("CLIUTIL_SET", "v", 1);
    unsetenv("CLIUTIL_UNSET");
    char **out = NULL, *err = NULL;
    ck_assert_int_eq(cli_env_file(path, &out, &err), -1);
    _cleanup_free_ char *want =
        xasprintf("invalid env file (%s): variable 'B ' contains whitespaces", path);
    ck_assert_str_eq(err, want);
    free(err);
    unlink(path);
}
END_TEST

START_TEST(test_env_file_ok)
{
    char path[] = "/tmp/cliutil-env-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "\xEF\xBB\xBF"
                       "A=1\n  # comment\n\n  B=x \nCLIUTIL_SET\nCLIUTIL_UNSET\nC=\r\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    setenv("CLIUTIL_SET", "v", 1);
    unsetenv("CLIUTIL_UNSET");
    char **out = NULL, *err = NULL;
    strv_push(&out, "PRE=0");
    ck_assert_int_eq(cli_env_file(path, &out, &err), 0);
    ck_assert_uint_eq(strv_len(out), 5);
    ck_assert_str_eq(out[0], "PRE=0");
    ck_assert_str_eq(out[1], "A=1");
    ck_assert_str_eq(out[2], "B=x ");
    ck_assert_str_eq(out[3], "CLIUTIL_SET=v");
    ck_assert_str_eq(out[4], "C=");
    strv_free(out);
    unlink(path);
    out = NULL;
    ck_assert_int_eq(cli_env_file("/nonexistent-cliutil", &out, &err), -1);
    ck_assert_str_eq(err, "open /nonexistent-cliutil: no such file or directory");
    free(err);
}
END_TEST

START_TEST(test_env_value)
{
    char *err = NULL;
    setenv("CLIUTIL_X", "42", 1);
    unsetenv("CLIUTIL_Y");
    _cleanup_free_ char *a = cli_env_value("A=1", &err);
    ck_assert_str_eq(a, "A=1");
    _cleanup_free_ char *b = cli_env_value("CLIUTIL_X", &err);
    ck_assert_str_eq(b, "CLIUTIL_X=42");
    _cleanup_free_ char *c = cli_env_value("CLIUTIL_Y", &err);
    ck_assert_str_eq(c, "CLIUTIL_Y");
    ck_assert_ptr_null(cli_env_value("=x", &err));
    ck_assert_str_eq(err, "invalid environment variable: =x");
    free(err);
}
END_TEST

START_TEST(test_ulimit)
{
    char *name = NULL, *err = NULL;
    int64_t s, h;
    ck_assert_int_eq(cli_ulimit_parse("nofile=100:200", &name, &s, &h, &err), 0);
    ck_assert_str_eq(name, "nofile");
    ck_assert(s == 100 && h == 200);
    free(name);
    ck_assert_int_eq(cli_ulimit_parse("nproc=50", &name, &s, &h, &err), 0);
    ck_assert(s == 50 && h == 50);
    free(name);
    const struct {
        const char *in, *msg;
    } bad[] = {
        {"x", "invalid ulimit argument: x"},
        {"foo=1", "invalid ulimit type: foo"},
        {"nofile=a", "strconv.ParseInt: parsing \"a\": invalid syntax"},
        {"nofile=200:100", "ulimit soft limit must be less than or equal to hard limit: 200 > 100"},
        {"nofile=-1:100", "ulimit soft limit must be less than or equal to hard limit: soft: -1 "
                          "(unlimited), hard: 100"},
        {"nofile=1:2:3", "too many limit value arguments - 1:2:3, can only have up to two, "
                         "`soft[:hard]`"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(cli_ulimit_parse(bad[i].in, &name, &s, &h, &err), -1);
        ck_assert_str_eq(err, bad[i].msg);
        free(err);
    }
}
END_TEST

START_TEST(test_restart)
{
    char *name = NULL, *err = NULL;
    int max;
    ck_assert_int_eq(cli_restart_parse("on-failure:3", &name, &max, &err), 0);
    ck_assert_str_eq(name, "on-failure");
    ck_assert_int_eq(max, 3);
    free(name);
    ck_assert_int_eq(cli_restart_parse("always", &name, &max, &err), 0);
    ck_assert_str_eq(name, "always");
    ck_assert_int_eq(max, 0);
    free(name);
    ck_assert_int_eq(cli_restart_parse("on-failure:x", &name, &max, &err), -1);
    ck_assert_str_eq(err, "invalid restart policy format: maximum retry count must be an integer");
    free(err);
    ck_assert_int_eq(cli_restart_parse(":3", &name, &max, &err), -1);
    free(err);
}
END_TEST

START_TEST(test_volume)
{
    char *bind = NULL, *err = NULL;
    ck_assert_int_eq(cli_volume_parse("/tmp:/data", "/cwd", &bind, &err), 0);
    ck_assert_str_eq(bind, "/tmp:/data");
    free(bind);
    ck_assert_int_eq(cli_volume_parse("/anon", "/cwd", &bind, &err), 0);
    ck_assert_ptr_null(bind);
    ck_assert_int_eq(cli_volume_parse("./rel/../x:/rel:ro", "/cwd/a", &bind, &err), 0);
    ck_assert_str_eq(bind, "/cwd/a/x:/rel:ro");
    free(bind);
    ck_assert_int_eq(cli_volume_parse("named:/x", "/cwd", &bind, &err), 0);
    ck_assert_str_eq(bind, "named:/x");
    free(bind);
    /* "c:d" is taken for a Windows drive, so docker accepts this */
    ck_assert_int_eq(cli_volume_parse("/a:/b:c:d", "/cwd", &bind, &err), 0);
    free(bind);
    ck_assert_int_eq(cli_volume_parse(":/x", "/cwd", &bind, &err), -1);
    ck_assert_str_eq(err, "invalid spec: :/x: empty section between colons");
    free(err);
    ck_assert_int_eq(cli_volume_parse("/a:/b:ro:rw", "/cwd", &bind, &err), -1);
    ck_assert_str_eq(err, "invalid spec: /a:/b:ro:rw: too many colons");
    free(err);
    ck_assert_int_eq(cli_volume_parse("", "/cwd", &bind, &err), -1);
    free(err);
}
END_TEST

START_TEST(test_stats)
{
    double p = cli_stats_cpu_percent(2000000000, 1000000000, 100000000000, 90000000000, 2);
    _cleanup_free_ char *s = cli_percent(p);
    ck_assert_str_eq(s, "20.00%");
    ck_assert(cli_stats_cpu_percent(1, 1, 2, 1, 2) == 0.0);
    ck_assert(cli_stats_mem_usage(5000000, false, 0, 1000000) == 4000000.0);
    ck_assert(cli_stats_mem_usage(5000000, true, 2000000, 1000000) == 3000000.0);
    ck_assert(cli_stats_mem_usage(5000000, false, 0, 6000000) == 5000000.0);
}
END_TEST

START_TEST(test_time_string)
{
    setenv("TZ", "UTC", 1);
    tzset();
    _cleanup_free_ char *s = cli_time_string(1700000000);
    ck_assert_str_eq(s, "2023-11-14 22:13:20 +0000 UTC");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cliutil");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ports_display);
    tcase_add_test(tc, test_ellipsis);
    tcase_add_test(tc, test_quote);
    tcase_add_test(tc, test_sizes);
    tcase_add_test(tc, test_natural);
    tcase_add_test(tc, test_detach_keys);
    tcase_add_test(tc, test_escape);
    tcase_add_test(tc, test_json_indent);
    tcase_add_test(tc, test_env_file);
    tcase_add_test(tc, test_env_file_ok);
    tcase_add_test(tc, test_env_value);
    tcase_add_test(tc, test_ulimit);
    tcase_add_test(tc, test_restart);
    tcase_add_test(tc, test_volume);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_time_string);
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
