/* Unit tests for the pure parts of daemon/image: whiteout names, chain ids,
 * tar member path cleaning, the Dockerfile shell lexer and the import/commit
 * change lines (expected values from moby/buildkit behaviour). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/image/changes.h"
#include "daemon/image/digest.h"
#include "daemon/image/layer.h"
#include "daemon/image/whiteout.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_whiteout_parse)
{
    const char *t = NULL;
    ck_assert_int_eq(whiteout_parse("passwd", &t), WH_NONE);
    ck_assert_int_eq(whiteout_parse(".whatever", &t), WH_NONE);
    ck_assert_int_eq(whiteout_parse(".wh.passwd", &t), WH_FILE);
    ck_assert_str_eq(t, "passwd");
    ck_assert_int_eq(whiteout_parse(".wh..hidden", &t), WH_FILE);
    ck_assert_str_eq(t, ".hidden");
    ck_assert_int_eq(whiteout_parse(".wh..wh..opq", &t), WH_OPAQUE_DIR);
    ck_assert_int_eq(whiteout_parse(".wh..wh.plnk", &t), WH_META);
    ck_assert_int_eq(whiteout_parse(".wh..wh.aufs", &t), WH_META);
    ck_assert_int_eq(whiteout_parse(".wh.", &t), WH_INVALID);
    ck_assert_int_eq(whiteout_parse(".wh..", &t), WH_INVALID);
    ck_assert_int_eq(whiteout_parse(".wh...", &t), WH_INVALID);
    _cleanup_free_ char *n = whiteout_name("file");
    ck_assert_str_eq(n, ".wh.file");
    /* the round trip export needs */
    ck_assert_int_eq(whiteout_parse(n, &t), WH_FILE);
    ck_assert_str_eq(t, "file");
}
END_TEST

START_TEST(test_chain_ids)
{
    char d1[DIGEST_LEN + 1], d2[DIGEST_LEN + 1], d3[DIGEST_LEN + 1];
    snprintf(d1, sizeof d1, "sha256:%064d", 0);
    memset(d1 + 7, 'a', 64);
    memcpy(d2, d1, sizeof d2);
    memset(d2 + 7, 'b', 64);
    memcpy(d3, d1, sizeof d3);
    memset(d3 + 7, 'c', 64);
    char c1[DIGEST_LEN + 1], c2[DIGEST_LEN + 1], c3[DIGEST_LEN + 1];
    chain_id_next(NULL, d1, c1);
    ck_assert_str_eq(c1, d1); /* the bottom layer's chain id is its diff id */
    chain_id_next(c1, d2, c2);
    ck_assert_str_eq(c2, "sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c");
    chain_id_next(c2, d3, c3);
    ck_assert_str_eq(c3, "sha256:c1377126441fb2f5ec2c21ae2a60255331d639e830f0ee1b40a36e52d4c40588");
}
END_TEST

START_TEST(test_digest)
{
    char d[DIGEST_LEN + 1];
    sha256_digest("", 0, d);
    ck_assert_str_eq(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ck_assert(digest_valid(d));
    ck_assert(
        !digest_valid("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
    ck_assert(!digest_valid("sha256:e3b0"));
    ck_assert(
        !digest_valid("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    ck_assert(!digest_valid(NULL));
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, "ab", 2);
    sha256_update(&s, "c", 1);
    sha256_final(&s, d);
    ck_assert_str_eq(d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
END_TEST

static void clean_ok(const char *in, const char *want)
{
    char out[4096];
    const char *why = NULL;
    ck_assert_msg(layer_clean_path(in, out, sizeof out, &why) == 0, "%s: %s", in, why);
    ck_assert_str_eq(out, want);
}

static void clean_bad(const char *in, const char *why_want)
{
    char out[4096];
    const char *why = NULL;
    ck_assert_msg(layer_clean_path(in, out, sizeof out, &why) < 0, "%s accepted", in);
    ck_assert_str_eq(why, why_want);
}

START_TEST(test_clean_path)
{
    clean_ok("etc/passwd", "etc/passwd");
    clean_ok("./etc/passwd", "etc/passwd");
    clean_ok("./", "");
    clean_ok(".", "");
    clean_ok("usr//bin/./sh", "usr/bin/sh");
    clean_ok("dir/", "dir");
    clean_ok("a..b/..c", "a..b/..c");
    clean_bad("../etc/passwd", "path escapes the layer");
    clean_bad("a/../../x", "path escapes the layer");
    clean_bad("a/..", "path escapes the layer");
    clean_bad("/etc/passwd", "absolute path");
    clean_bad("", "empty name");
    char deep[1200] = "";
    for (int i = 0; i < 300; i++)
        strcat(deep, "a/");
    clean_bad(deep, "path too deep");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    clean_bad(longname, "name too long");
}
END_TEST

static void word(const char *in, char *const *env, const char *want)
{
    struct md_error err = {0};
    _cleanup_free_ char *got = image_shell_word(in, env, &err);
    ck_assert_msg(got, "%s: %s", in, md_err_msg(&err));
    ck_assert_msg(!strcmp(got, want), "%s -> \"%s\", want \"%s\"", in, got, want);
}

START_TEST(test_shell_word)
{
    char *env[] = {"A=1", "EMPTY=", "PATH=/bin", NULL};
    word("plain", env, "plain");
    word("$A", env, "1");
    word("${A}x", env, "1x");
    word("$NOPE-", env, "-");
    word("${NOPE:-def}", env, "def");
    word("${EMPTY:-def}", env, "def");
    word("${EMPTY-def}", env, "");
    word("${A:+set}", env, "set");
    word("${NOPE:+set}", env, "");
    word("'$A'", env, "$A");
    word("\"$A b\"", env, "1 b");
    word("\"a\\\"b\"", env, "a\"b");
    word("a\\ b", env, "a b");
    word("\\$A", env, "$A");
    word("$", env, "$");
    word("$PATH:/x", env, "/bin:/x");
    struct md_error err = {0};
    ck_assert_ptr_null(image_shell_word("'open", env, &err));
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
}
END_TEST

static json_t *apply(char **changes, struct md_error *err)
{
    json_t *c = json_object();
    if (image_apply_changes(c, changes, err) < 0) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static void expect_json(json_t *c, const char *key, const char *want_json)
{
    json_t *want = json_loads(want_json, JSON_DECODE_ANY, NULL);
    ck_assert_ptr_nonnull(want);
    json_t *got = json_object_get(c, key);
    _cleanup_free_ char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    ck_assert_msg(json_equal(got, want), "%s = %s, want %s", key, g ? g : "(missing)", want_json);
    json_decref(want);
}

START_TEST(test_changes_forms)
{
    struct md_error err = {0};
    char *ch[] = {"CMD [\"/bin/echo\", \"hi\"]",
                  "ENTRYPOINT /bin/sh -c 'x y'",
                  "ENV A=1 B=\"two words\" C=$A",
                  "ENV LEGACY value with spaces",
                  "env A=2",
                  "EXPOSE 80 53/UDP 8000-8001/tcp",
                  "WORKDIR /srv",
                  "WORKDIR app/../data",
                  "USER nobody:nogroup",
                  "LABEL com.example.k=v \"quoted key\"=\"v 2\"",
                  "STOPSIGNAL SIGWINCH",
                  "VOLUME [\"/data\", \"/logs\"]",
                  "VOLUME /cache /tmp2",
                  "ONBUILD RUN echo built",
                  NULL};
    _cleanup_json_ json_t *c = apply(ch, &err);
    ck_assert_msg(c, "%s", md_err_msg(&err));
    expect_json(c, "Cmd", "[\"/bin/echo\",\"hi\"]");
    expect_json(c, "Entrypoint", "[\"/bin/sh\",\"-c\",\"/bin/sh -c 'x y'\"]");
    /* C=$A sees A as it was before the line: unset */
    expect_json(c, "Env", "[\"A=2\",\"B=two words\",\"C=\",\"LEGACY=value with spaces\"]");
    expect_json(c, "ExposedPorts", "{\"80/tcp\":{},\"53/udp\":{},\"8000/tcp\":{},\"8001/tcp\":{}}");
    expect_json(c, "WorkingDir", "\"/srv/data\"");
    expect_json(c, "User", "\"nobody:nogroup\"");
    expect_json(c, "Labels", "{\"com.example.k\":\"v\",\"quoted key\":\"v 2\"}");
    expect_json(c, "StopSignal", "\"SIGWINCH\"");
    expect_json(c, "Volumes", "{\"/data\":{},\"/logs\":{},\"/cache\":{},\"/tmp2\":{}}");
    expect_json(c, "OnBuild", "[\"RUN echo built\"]");
}
END_TEST

START_TEST(test_changes_cmd_entrypoint_order)
{
    struct md_error err = {0};
    /* ENTRYPOINT resets a CMD set before this build, not one set in it */
    char *a[] = {"CMD echo a", "ENTRYPOINT [\"/e\"]", NULL};
    _cleanup_json_ json_t *c = apply(a, &err);
    expect_json(c, "Cmd", "[\"/bin/sh\",\"-c\",\"echo a\"]");
    json_t *base = json_pack("{s:[s]}", "Cmd", "old");
    char *b[] = {"ENTRYPOINT [\"/e\"]", NULL};
    ck_assert_int_eq(image_apply_changes(base, b, &err), 0);
    expect_json(base, "Cmd", "null");
    json_decref(base);
    /* line continuation and comments, as in a Dockerfile */
    char *d[] = {"CMD echo \\\n  continued", "# a comment", "", NULL};
    _cleanup_json_ json_t *e = apply(d, &err);
    ck_assert_ptr_nonnull(e);
    expect_json(e, "Cmd", "[\"/bin/sh\",\"-c\",\"echo continued\"]");
}
END_TEST

START_TEST(test_changes_healthcheck)
{
    struct md_error err = {0};
    char *a[] = {"HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/", NULL};
    _cleanup_json_ json_t *c = apply(a, &err);
    ck_assert_msg(c, "%s", md_err_msg(&err));
    expect_json(c, "Healthcheck",
                "{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/\"],\"Interval\":5000000000,"
                "\"Retries\":3}");
    char *b[] = {"HEALTHCHECK NONE", NULL};
    _cleanup_json_ json_t *d = apply(b, &err);
    expect_json(d, "Healthcheck", "{\"Test\":[\"NONE\"]}");
}
END_TEST

static void change_fails(const char *line, const char *want)
{
    struct md_error err = {0};
    char *ch[] = {(char *)line, NULL};
    json_t *c = apply(ch, &err);
    ck_assert_msg(!c, "%s accepted", line);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_msg(!strcmp(md_err_msg(&err), want), "%s: \"%s\", want \"%s\"", line,
                  md_err_msg(&err), want);
    md_err_clear(&err);
}

START_TEST(test_changes_errors)
{
    change_fails("RUN echo hi", "run is not a valid change command");
    change_fails("FROM busybox", "from is not a valid change command");
    change_fails("EXPOSE 70000", "invalid containerPort: 70000");
    change_fails("EXPOSE 80/xyz", "invalid proto: xyz");
    change_fails("STOPSIGNAL SIGNOPE", "Invalid signal: SIGNOPE");
    change_fails("ENV ONLYKEY", "ENV must have two arguments");
    change_fails("ENV A=1 B",
                 "Syntax error - can't find = in \"B\". Must be of the form: name=value");
    change_fails("VOLUME \"\"", "VOLUME specified can not be an empty string");
    change_fails("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger");
    change_fails("HEALTHCHECK FOO", "Unknown type \"FOO\" in HEALTHCHECK (try CMD)");
    change_fails("CMD", "CMD requires at least one argument");
}
END_TEST

START_TEST(test_container_config_shape)
{
    json_t *p = json_pack("{s:[s],s:{s:{}},s:s}", "Cmd", "sh", "ExposedPorts", "80/tcp",
                          "StopSignal", "SIGTERM");
    _cleanup_json_ json_t *c = image_container_config(p);
    json_decref(p);
    _cleanup_free_ char *s = json_dumps(c, JSON_COMPACT);
    /* container.Config as Go marshals it: declaration order, omitempty
     * fields only when set */
    ck_assert_str_eq(
        s, "{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
           "\"AttachStdout\":false,\"AttachStderr\":false,\"ExposedPorts\":{\"80/tcp\":{}},"
           "\"Tty\":false,\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":null,"
           "\"Cmd\":[\"sh\"],\"Image\":\"\",\"Volumes\":null,\"WorkingDir\":\"\","
           "\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":null,\"StopSignal\":\"SIGTERM\"}");
}
END_TEST

START_TEST(test_dockerfile_parse)
{
    struct md_error err = {0};
    struct df_line *v = NULL;
    size_t n = 0;
    const char *df = "# escape=`\n"
                     "# a comment\n"
                     "\n"
                     "FROM busybox AS base\n"
                     "RUN echo a `\n"
                     "  # inside a continuation\n"
                     "    b\r\n"
                     "copy [\"a\", \"b/\"]\n"
                     "ENV A=1\n";
    ck_assert_int_eq(image_dockerfile_parse(df, true, &v, &n, &err), 0);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(v[0].instr, "from");
    ck_assert_str_eq(v[0].rest, "busybox AS base");
    ck_assert_int_eq(v[0].line, 4);
    ck_assert_str_eq(v[1].instr, "run");
    ck_assert_str_eq(v[1].rest, "echo a b");
    ck_assert_str_eq(v[1].original, "RUN echo a b");
    ck_assert_int_eq(v[1].line, 5);
    ck_assert_str_eq(v[2].instr, "copy");
    ck_assert_str_eq(v[2].original, "copy [\"a\", \"b/\"]");
    ck_assert_int_eq(v[3].line, 9);
    image_dockerfile_free(v, n);

    /* a directive after the first instruction is a comment; \ continues */
    ck_assert_int_eq(image_dockerfile_parse("FROM x\n# escape=`\nRUN a \\\n b\n", true, &v, &n, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(v[1].rest, "a b");
    image_dockerfile_free(v, n);

    ck_assert_int_eq(image_dockerfile_parse("FROM x\nRUN <<EOF\necho\nEOF\n", true, &v, &n, &err), -1);
    ck_assert_str_eq(md_err_msg(&err),
                     "dockerfile parse error line 2: heredocs are not supported by the classic builder");
    md_err_clear(&err);
}
END_TEST

START_TEST(test_dispatch_build_args)
{
    struct md_error err = {0};
    json_t *c = json_pack("{s:[s]}", "Env", "A=from-env");
    char *args[] = {"A=from-arg", "B=bee", NULL};
    struct df_line l = {.instr = "env", .rest = "X=$A Y=${B}", .original = "ENV X=$A Y=${B}"};
    ck_assert_int_eq(image_dispatch(c, &l, args, NULL, &err), 0);
    expect_json(c, "Env", "[\"A=from-env\",\"X=from-env\",\"Y=bee\"]");
    json_decref(c);
}
END_TEST

static Suite *image_pure_suite(void)
{
    Suite *s = suite_create("image/pure");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, test_whiteout_parse);
    tcase_add_test(tc, test_chain_ids);
    tcase_add_test(tc, test_digest);
    tcase_add_test(tc, test_clean_path);
    tcase_add_test(tc, test_shell_word);
    tcase_add_test(tc, test_changes_forms);
    tcase_add_test(tc, test_changes_cmd_entrypoint_order);
    tcase_add_test(tc, test_changes_healthcheck);
    tcase_add_test(tc, test_changes_errors);
    tcase_add_test(tc, test_container_config_shape);
    tcase_add_test(tc, test_dockerfile_parse);
    tcase_add_test(tc, test_dispatch_build_args);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_pure_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
