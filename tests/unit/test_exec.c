/* Pure parts of exec and attach: the exec spec format and plan checks,
 * docker's exec environment, moby's exit codes and wording for a failed
 * exec start, detach-key parsing, and the attach/exec relay itself over
 * socketpairs (detach keys, half-close rules, hang-ups). */
#include "daemon/api/relay.h"
#include "daemon/runtime/spec.h"
#include "daemon/state/exec.h"
#include "common/cleanup.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *EID = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static void good_exec(struct rt_exec_plan *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->id, EID);
    p->ctr_exec_dir = xstrdup("/run/minidock/c");
    p->exec_dir = xstrdup("/run/minidock/c/exec/e");
    strv_push(&p->argv, "sh");
    strv_push(&p->argv, "-c");
    strv_push(&p->argv, "echo \"a b\"\n\\x");
}

START_TEST(test_exec_spec_roundtrip)
{
    struct rt_exec_plan p, q;
    good_exec(&p);
    strv_push(&p.env, "A=1");
    strv_push(&p.env, "UNSET");
    strv_push(&p.env, "E=");
    p.user = xstrdup("nobody:nogroup");
    p.cwd = xstrdup("/tmp/with space");
    p.tty = true;
    p.open_stdin = true;
    p.privileged = true;
    p.console_h = 40;
    p.console_w = 132;
    ck_assert_int_eq(rt_exec_validate(&p, NULL), 0);
    _cleanup_free_ char *text = exec_spec_format(&p);
    struct md_error e = {0};
    ck_assert_msg(exec_spec_parse(text, &q, &e) == 0, "%s", md_err_msg(&e));
    ck_assert_str_eq(q.id, EID);
    ck_assert_str_eq(q.ctr_exec_dir, "/run/minidock/c");
    ck_assert_str_eq(q.exec_dir, "/run/minidock/c/exec/e");
    ck_assert_int_eq(strv_len(q.argv), 3);
    ck_assert_str_eq(q.argv[2], "echo \"a b\"\n\\x");
    ck_assert_int_eq(strv_len(q.env), 3);
    ck_assert_str_eq(q.env[1], "UNSET");
    ck_assert_str_eq(q.env[2], "E=");
    ck_assert_str_eq(q.user, "nobody:nogroup");
    ck_assert_str_eq(q.cwd, "/tmp/with space");
    ck_assert(q.tty && q.open_stdin && q.privileged);
    ck_assert_int_eq(q.console_h, 40);
    ck_assert_int_eq(q.console_w, 132);
    exec_plan_clear(&p);
    exec_plan_clear(&q);

    /* defaults survive too: no user, no cwd, no env */
    good_exec(&p);
    _cleanup_free_ char *t2 = exec_spec_format(&p);
    ck_assert_int_eq(exec_spec_parse(t2, &q, NULL), 0);
    ck_assert_ptr_null(q.user);
    ck_assert_ptr_null(q.env);
    ck_assert(!q.tty);
    exec_plan_clear(&p);
    exec_plan_clear(&q);
}
END_TEST

static void expect_parse_error(const char *text, const char *msg)
{
    struct rt_exec_plan q;
    struct md_error e = {0};
    ck_assert_int_eq(exec_spec_parse(text, &q, &e), -1);
    ck_assert_int_eq(e.err, MD_EINVAL);
    ck_assert_msg(strstr(e.msg, msg), "\"%s\" lacks \"%s\"", e.msg, msg);
    md_err_clear(&e);
}

START_TEST(test_exec_spec_errors)
{
    expect_parse_error("", "truncated");
    expect_parse_error("minidock-spec 1\nend\n", "line 1");
    expect_parse_error("minidock-exec 1\narg sh\n", "truncated");
    expect_parse_error("minidock-exec 1\ntty yes\nend\n", "bad \"tty\"");
    expect_parse_error("minidock-exec 1\nconsole_h 70000\nend\n", "bad \"console_h\"");
    expect_parse_error("minidock-exec 1\nwhat 1\nend\n", "bad \"what\"");
    expect_parse_error("minidock-exec 1\nuser a b\nend\n", "bad \"user\"");
}
END_TEST

static void expect_invalid(struct rt_exec_plan *p, const char *msg)
{
    struct md_error e = {0};
    ck_assert_int_eq(rt_exec_validate(p, &e), -1);
    ck_assert_int_eq(e.err, MD_EINVAL);
    ck_assert_msg(strstr(e.msg, msg), "\"%s\" lacks \"%s\"", e.msg, msg);
    md_err_clear(&e);
    exec_plan_clear(p);
}

START_TEST(test_exec_validate)
{
    struct rt_exec_plan p;
    good_exec(&p);
    p.id[0] = 'X';
    expect_invalid(&p, "invalid exec id");
    good_exec(&p);
    free(p.argv[0]);
    p.argv[0] = xstrdup("");
    expect_invalid(&p, "No exec command specified");
    good_exec(&p);
    strv_push(&p.env, "=x");
    expect_invalid(&p, "invalid environment variable");
    good_exec(&p);
    p.cwd = xstrdup("tmp");
    expect_invalid(&p, "needs to be an absolute path");
    good_exec(&p);
    free(p.exec_dir);
    p.exec_dir = xstrdup("rel");
    expect_invalid(&p, "absolute");
}
END_TEST

static char *joined(char **v)
{
    char *s = xstrdup("");
    for (; v && *v; v++) {
        char *n = xasprintf("%s%s|", s, *v);
        free(s);
        s = n;
    }
    return s;
}

START_TEST(test_exec_env)
{
    /* moby: PATH, HOSTNAME, TERM (tty) replaced/extended by the container's
     * env, then by the exec's; "K" unsets */
    char *ctr[] = {"PATH=/bin", "FOO=ctr", "KEEP=1", NULL};
    char *xe[] = {"FOO=exec", "NEW=2", "KEEP", "NEW=3", NULL};
    char **env = exec_env(ctr, "host1", true, xe);
    _cleanup_free_ char *j = joined(env);
    ck_assert_str_eq(j, "PATH=/bin|HOSTNAME=host1|TERM=xterm|FOO=exec|NEW=2|NEW=3|");
    strv_free(env);

    env = exec_env(NULL, "h", false, NULL);
    _cleanup_free_ char *j2 = joined(env);
    ck_assert_str_eq(
        j2, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|HOSTNAME=h|");
    strv_free(env);

    char *ctr2[] = {"TERM=vt100", "HOSTNAME=mine", NULL};
    env = exec_env(ctr2, "h", true, NULL);
    _cleanup_free_ char *j3 = joined(env);
    ck_assert_str_eq(j3, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|"
                         "HOSTNAME=mine|TERM=vt100|");
    strv_free(env);

    char *base[] = {"A=1", "B=2", NULL};
    char *ov[] = {"A", "B=3", "A=4", NULL};
    env = env_replace_or_append(base, ov);
    _cleanup_free_ char *j4 = joined(env);
    ck_assert_str_eq(j4, "A=4|B=3|"); /* unset, then set again */
    strv_free(env);
}
END_TEST

START_TEST(test_exec_exit_codes)
{
    ck_assert_int_eq(exec_exit_code_for("exec: \"nosuch\": executable file not found in $PATH"),
                     127);
    ck_assert_int_eq(exec_exit_code_for("exec: \"/etc/passwd\": permission denied"), 126);
    ck_assert_int_eq(exec_exit_code_for("exec: \"/tmp\": is a directory"), 126);
    ck_assert_int_eq(exec_exit_code_for("chdir to cwd (\"/nope\") set in config.json failed: "
                                        "no such file or directory"),
                     127);
    ck_assert_int_eq(exec_exit_code_for("chdir to cwd (\"/x\") set in config.json failed: "
                                        "Permission Denied"),
                     126);
    ck_assert_int_eq(exec_exit_code_for("mount: not a directory"), 127);
    ck_assert_int_eq(exec_exit_code_for("unable to find user x: no matching entries"), 126);
    _cleanup_free_ char *t = exec_start_error_text("exec: \"x\": executable file not found");
    ck_assert_str_eq(t, "OCI runtime exec failed: exec failed: unable to start container process: "
                        "exec: \"x\": executable file not found: unknown");
}
END_TEST

START_TEST(test_detach_keys)
{
    unsigned char k[8];
    size_t n = 0;
    struct md_error e = {0};
    ck_assert_int_eq(api_detach_keys("ctrl-p,ctrl-q", k, sizeof k, &n, &e), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(k[0], 0x10);
    ck_assert_int_eq(k[1], 0x11);
    ck_assert_int_eq(api_detach_keys("ctrl-@,ctrl-[,ctrl-\\,ctrl-_,a,DEL", k, sizeof k, &n, &e), 0);
    ck_assert_int_eq(n, 6);
    ck_assert_mem_eq(k,
                     "\x00\x1b\x1c\x1f"
                     "a\x7f",
                     6);
    ck_assert_int_eq(api_detach_keys("ctrl-pp", k, sizeof k, &n, &e), -1);
    ck_assert_int_eq(e.err, MD_EINVAL);
    ck_assert_str_eq(e.msg, "Invalid detach keys (ctrl-pp) provided");
    md_err_clear(&e);
    ck_assert_int_eq(api_detach_keys("ctrl-P", k, sizeof k, &n, &e), -1); /* case matters */
    md_err_clear(&e);
}
END_TEST

/* ---- the relay, between two socketpairs: "client" and "shim" ---- */

struct relay_run {
    int sock, shim;
    struct relay_opts o;
    const char *extra;
    size_t extra_len;
    enum relay_end end;
};

static void *relay_thread(void *arg)
{
    struct relay_run *r = arg;
    r->end = api_relay(r->sock, r->shim, &r->o, r->extra, r->extra_len);
    return NULL;
}

struct pair {
    int client, sock;   /* client end, the daemon's end */
    int shim_d, shim_s; /* the daemon's end of the shim socket, the shim's end */
    pthread_t th;
    struct relay_run run;
};

static void relay_start(struct pair *p, const struct relay_opts *o, const char *extra)
{
    int a[2], b[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    p->client = a[0];
    p->sock = a[1];
    p->shim_d = b[0];
    p->shim_s = b[1];
    p->run = (struct relay_run){.sock = p->sock,
                                .shim = p->shim_d,
                                .o = *o,
                                .extra = extra,
                                .extra_len = extra ? strlen(extra) : 0};
    ck_assert_int_eq(pthread_create(&p->th, NULL, relay_thread, &p->run), 0);
}

static enum relay_end relay_join(struct pair *p)
{
    pthread_join(p->th, NULL);
    close(p->sock);
    close(p->shim_d);
    if (p->client >= 0)
        close(p->client);
    if (p->shim_s >= 0)
        close(p->shim_s);
    return p->run.end;
}

/* Read what arrives on fd within ms (until n bytes or a quiet ms). */
static size_t read_some(int fd, char *buf, size_t n, int ms)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, ms) <= 0)
            break;
        ssize_t k = read(fd, buf + got, n - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

START_TEST(test_relay_output_and_eof)
{
    struct pair p;
    struct relay_opts o = {0};
    relay_start(&p, &o, NULL);
    ck_assert_int_eq(write(p.shim_s, "hello", 5), 5);
    char buf[16];
    ck_assert_int_eq(read_some(p.client, buf, 5, 2000), 5);
    ck_assert_mem_eq(buf, "hello", 5);
    /* the CLI half-closes at once without stdin: ignored, output flows on */
    shutdown(p.client, SHUT_WR);
    ck_assert_int_eq(write(p.shim_s, "more", 4), 4);
    ck_assert_int_eq(read_some(p.client, buf, 4, 2000), 4);
    close(p.shim_s);
    p.shim_s = -1;
    ck_assert_int_eq(relay_join(&p), RELAY_OUTPUT_ENDED);
}
END_TEST

START_TEST(test_relay_detach_keys)
{
    struct pair p;
    struct relay_opts o = {.stdin_attached = true, .tty = true};
    relay_start(&p, &o, "ex");
    /* ctrl-p alone is held back, then let through with the next byte */
    ck_assert_int_eq(write(p.client, "tra\x10x", 5), 5);
    char buf[16];
    ck_assert_int_eq(read_some(p.shim_s, buf, 7, 2000), 7);
    ck_assert_mem_eq(buf, "extra\x10x", 7);
    ck_assert_int_eq(write(p.client, "ab\x10\x11zz", 6), 6);
    ck_assert_int_eq(relay_join(&p), RELAY_DETACHED);
}
END_TEST

START_TEST(test_relay_custom_keys_and_bytes_before)
{
    struct pair p;
    static const unsigned char keys[] = {'q'};
    struct relay_opts o = {.stdin_attached = true, .tty = true, .keys = keys, .nkeys = 1};
    relay_start(&p, &o, NULL);
    ck_assert_int_eq(write(p.client,
                           "\x10\x11"
                           "abq",
                           5),
                     5);
    char buf[8];
    ck_assert_int_eq(read_some(p.shim_s, buf, sizeof buf, 500), 4);
    ck_assert_mem_eq(buf,
                     "\x10\x11"
                     "ab",
                     4);
    ck_assert_int_eq(relay_join(&p), RELAY_DETACHED);
}
END_TEST

START_TEST(test_relay_no_keys_without_tty)
{
    struct pair p;
    struct relay_opts o = {.stdin_attached = true, .close_stdin = true};
    relay_start(&p, &o, NULL);
    ck_assert_int_eq(write(p.client, "\x10\x11", 2), 2);
    char buf[4];
    ck_assert_int_eq(read_some(p.shim_s, buf, 2, 2000), 2);
    ck_assert_mem_eq(buf, "\x10\x11", 2);
    /* stdin EOF (StdinOnce): the shim sees EOF, output still flows */
    shutdown(p.client, SHUT_WR);
    ck_assert_int_eq(read_some(p.shim_s, buf, 1, 2000), 0);
    ck_assert_int_eq(write(p.shim_s, "out", 3), 3);
    ck_assert_int_eq(read_some(p.client, buf, 3, 2000), 3);
    close(p.shim_s);
    p.shim_s = -1;
    ck_assert_int_eq(relay_join(&p), RELAY_OUTPUT_ENDED);
}
END_TEST

START_TEST(test_relay_stdin_eof_ends_tty)
{
    struct pair p;
    struct relay_opts o = {.stdin_attached = true, .tty = true, .close_stdin = true};
    relay_start(&p, &o, NULL);
    shutdown(p.client, SHUT_WR);
    ck_assert_int_eq(relay_join(&p), RELAY_STDIN_ENDED);
}
END_TEST

START_TEST(test_relay_hangup)
{
    struct pair p;
    struct relay_opts o = {.stdin_attached = true, .tty = true};
    relay_start(&p, &o, NULL);
    close(p.client);
    p.client = -1;
    ck_assert_int_eq(relay_join(&p), RELAY_HUNG_UP);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("exec");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 20);
    tcase_add_test(t, test_exec_spec_roundtrip);
    tcase_add_test(t, test_exec_spec_errors);
    tcase_add_test(t, test_exec_validate);
    tcase_add_test(t, test_exec_env);
    tcase_add_test(t, test_exec_exit_codes);
    tcase_add_test(t, test_detach_keys);
    tcase_add_test(t, test_relay_output_and_eof);
    tcase_add_test(t, test_relay_detach_keys);
    tcase_add_test(t, test_relay_custom_keys_and_bytes_before);
    tcase_add_test(t, test_relay_no_keys_without_tty);
    tcase_add_test(t, test_relay_stdin_eof_ends_tty);
    tcase_add_test(t, test_relay_hangup);
    suite_add_tcase(s, t);
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
