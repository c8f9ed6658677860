/* Unit tests for common/template. Expected strings were produced by docker
 * 28.2.2's CLI (`docker inspect --format ... obj` against a stub daemon
 * serving the DATA object below), except where a comment says otherwise. */
#include "common/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char DATA[] =
    "{\"Id\": \"abc\", \"Name\": \"/web\", \"Num\": 5, \"Float\": 0.5, \"Big\": 1234567.5,"
    " \"Int\": 1000000, \"Bool\": true, \"Null\": null, \"Arr\": [\"a\", \"b\"],"
    " \"Obj\": {\"b\": 1, \"a\": \"x\"}, \"Empty\": \"\", \"Nested\": {\"In\": {\"Deep\": \"d\"}},"
    " \"Labels\": {\"k\": \"v\", \"k2\": \"v2\"}, \"Mixed\": [1, \"s\", null, true, {\"z\": 1}],"
    " \"EmptyArr\": [], \"EmptyObj\": {}, \"Str\": \"Hello World\"}";

static json_t *data(void)
{
    json_t *d = json_loads(DATA, 0, NULL);
    ck_assert_ptr_nonnull(d);
    return d;
}

/* Render src over DATA; returns the output or "ERR:<message>". */
static char *render(const char *src)
{
    struct tmpl *t = NULL;
    struct md_error err = {0};
    if (tmpl_parse(src, &t, &err) < 0) {
        char *r = xasprintf("ERR:%s", err.msg);
        md_err_clear(&err);
        return r;
    }
    json_t *d = data();
    char *out = NULL;
    char *r;
    if (tmpl_render(t, d, &out, &err) < 0) {
        ck_assert_ptr_null(out);
        r = xasprintf("ERR:%s", err.msg);
    } else {
        r = out;
    }
    md_err_clear(&err);
    json_decref(d);
    tmpl_free(t);
    return r;
}

#define CHECK(src, want)                                                                           \
    do {                                                                                           \
        _cleanup_free_ char *got_ = render(src);                                                   \
        ck_assert_msg(strcmp(got_, want) == 0, "%s: got [%s] want [%s]", src, got_, want);         \
    } while (0)

START_TEST(test_values_print_like_go)
{
    CHECK("{{.Num}}", "5");
    CHECK("{{.Float}}", "0.5");
    CHECK("{{.Big}}", "1234567.5");
    CHECK("{{.Int}}", "1000000");
    CHECK("{{.Bool}}", "true");
    CHECK("{{.Null}}", "<no value>");
    CHECK("{{.Arr}}", "[a b]");
    CHECK("{{.Obj}}", "map[a:x b:1]");
    CHECK("{{.Mixed}}", "[1 s <nil> true map[z:1]]");
    CHECK("{{.EmptyArr}}", "[]");
    CHECK("{{.EmptyObj}}", "map[]");
    CHECK("{{.Nested.In.Deep}}", "d");
    CHECK("{{.Nested.In}}", "map[Deep:d]");
    CHECK("{{1.5}}", "1.5");
    CHECK("{{1e3}}", "1000");
    CHECK("{{0x10}}", "16");
    CHECK("{{'a'}}", "97");
    CHECK("{{true}}", "true");
    CHECK("{{-3}}", "-3");
    CHECK("{{ -3 }}", "-3");
    CHECK("{{\"a\\tb\"}}", "a\tb");
    CHECK("{{`raw\\t`}}", "raw\t"); /* docker turns the literal \t into a tab first */
    /* Not from docker: the brief's rules for missing fields. */
    CHECK("{{.Missing}}", "<no value>");
    CHECK("x{{.Name}}y", "x/weby");
}
END_TEST

START_TEST(test_functions)
{
    CHECK("{{json .Obj}}", "{\"b\":1,\"a\":\"x\"}"); /* typed data keeps field order */
    CHECK("{{json .Mixed}}", "[1,\"s\",null,true,{\"z\":1}]");
    CHECK("{{json .Str}}", "\"Hello World\"");
    CHECK("{{json .Null}}", "null");
    CHECK("{{json .Float}}", "0.5");
    CHECK("{{index .Labels \"k\"}}", "v");
    CHECK("{{index .Obj \"a\"}}", "x");
    CHECK("{{index .Mixed 1}}", "s");
    CHECK("{{index .Mixed 4 \"z\"}}", "1");
    CHECK("{{upper .Str}}", "HELLO WORLD");
    CHECK("{{lower .Str}}", "hello world");
    CHECK("{{title \"hello wide world\"}}", "Hello Wide World");
    CHECK("{{split .Str \" \"}}", "[Hello World]");
    CHECK("{{pad .Str 1 2}}|", " Hello World  |");
    CHECK("{{truncate .Str 3}}", "Hel");
    CHECK("{{.Str | upper}}", "HELLO WORLD");
    CHECK("{{.Str | printf \"%s!\"}}", "Hello World!");
    CHECK("{{(index .Labels \"k\")}}", "v");
    CHECK("{{len .Arr}}", "2");
    CHECK("{{len .Str}}", "11");
    CHECK("{{and .Num .Str}}", "Hello World");
    CHECK("{{or .Empty \"def\"}}", "def");
    CHECK("{{not .Bool}}", "false");
    CHECK("{{eq .Bool true}}", "true");
    CHECK("{{eq 1 1 2}}", "true");
    CHECK("{{ne 1 2}}", "true");
    CHECK("{{lt 1 2}}", "true");
    CHECK("{{eq .Str \"Hello World\"}}", "true");
    CHECK("{{print .Num .Str 1 2 \"a\" \"b\"}}", "5Hello World1 2ab");
    CHECK("{{println .Num}}", "5\n");
    CHECK("{{slice .Str 1 3}}", "el");
    CHECK("{{html \"<a>\"}}", "&lt;a&gt;");
    /* join takes []string; docker's raw inspect data would be []interface{}. */
    CHECK("{{join .Arr \",\"}}", "a,b");
    CHECK("{{join .Arr \", \"}}", "a, b");
}
END_TEST

START_TEST(test_printf)
{
    CHECK("{{printf \"%s-%d\" .Str 3}}", "Hello World-3");
    CHECK("{{printf \"%v\" .Obj}}", "map[a:x b:1]");
    CHECK("{{printf \"%q\" .Str}}", "\"Hello World\"");
    CHECK("{{printf \"%5s|%-5s|%05d|%x|%X|%o|%c|%t|%%\" \"a\" \"b\" 42 255 255 8 65 true}}",
          "    a|b    |00042|ff|FF|10|A|true|%");
    CHECK("{{printf \"%d\" .Float}}", "%!d(float64=0.5)"); /* docker: json.Number=0.5 */
    CHECK("{{printf \"%s\"}}", "%!s(MISSING)");
    CHECK("{{printf \"%s\" 1 2}}", "%!s(int=1)%!(EXTRA int=2)");
    CHECK("{{printf \"%.2f\" .Float}}", "0.50");
    CHECK("{{printf \"%-4d|\" 7}}", "7   |");
    CHECK("{{printf \"%99999999d\" 1}}", "%!(NOVERB)%!(EXTRA int=1)");
    CHECK("{{printf \"%v %g %e\" 1e21 1.5e6 1.5}}", "1e+21 1.5e+06 1.500000e+00");
    CHECK("{{1e21}}", "1e+21");
    CHECK("{{printf \"%x %X %o %b\" -255 -255 -8 5}}", "-ff -FF -10 101");
    CHECK("{{printf \"%5.1f|%-8.3e|%+d\" 3.14159 1234.5 5}}", "  3.1|1.234e+03|+5");
    CHECK("{{json \"<a&b>\\u2028\"}}", "\"<a&b>\\u2028\"");
    CHECK("{{.Arr | len}}", "2");
    CHECK("{{\"a\" | printf \"%s%s\" \"b\"}}", "ba");
    CHECK("{{index .Obj}}", "map[a:x b:1]");
    CHECK("{{slice .Arr 1}}", "[b]");
    CHECK("{{print nil}}", "<nil>");
    CHECK("{{print \"a\" 1 2 \"b\" true false}}", "a1 2btrue false");
    CHECK("{{printf \"%s\" .Arr}}", "[a b]");
    CHECK("{{printf \"%d\" .Arr}}", "[%!d(string=a) %!d(string=b)]");
    CHECK("{{printf \"%v\" .Null}}", "<nil>");
    CHECK("{{printf \"%s\" .Null}}", "%!s(<nil>)");
    CHECK("{{printf \"%q\" 65}}", "'A'");
    CHECK("{{printf \"%6.2s|\" \"abc\"}}", "    ab|");
    CHECK("{{printf \"%t\" 1}}", "%!t(int=1)");
    CHECK("{{printf \"%\"}}", "%!(NOVERB)");
    CHECK("{{printf \"%!\"}}", "%!!(MISSING)");
    CHECK("{{printf \"%z\" 1}}", "%!z(int=1)");
    CHECK("{{len nil}}", "ERR:template: :1:2: executing \"\" at <len nil>: error calling len: "
                         "reflect: call of reflect.Value.Type on zero Value");
}
END_TEST

START_TEST(test_control)
{
    CHECK("{{if .Empty}}yes{{else}}no{{end}}", "no");
    CHECK("{{if .Empty}}a{{else if .Num}}b{{end}}", "b");
    CHECK("{{if .Empty}}a{{else if .Null}}b{{else}}c{{end}}", "c");
    CHECK("{{range .Arr}}[{{.}}]{{end}}", "[a][b]");
    CHECK("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", "k=v;k2=v2;");
    CHECK("{{range $i, $e := .Arr}}{{$i}}{{$e}}{{end}}", "0a1b");
    CHECK("{{range .Obj}}{{.}};{{end}}", "x;1;");
    CHECK("{{range .EmptyArr}}x{{else}}empty{{end}}", "empty");
    CHECK("{{range .Null}}x{{else}}none{{end}}", "none");
    CHECK("{{range .Arr}}{{$.Str}}{{end}}", "Hello WorldHello World");
    CHECK("{{range .Arr}}{{break}}{{end}}", "");
    CHECK("{{range .Arr}}{{if eq . \"a\"}}{{continue}}{{end}}{{.}}{{end}}", "b");
    CHECK("{{range 3}}{{.}}{{end}}", "012");
    CHECK("{{with .Nested}}{{.In.Deep}}{{end}}", "d");
    CHECK("{{with .Empty}}x{{else}}y{{end}}", "y");
    CHECK("{{$x := .Str}}{{$x}}", "Hello World");
    CHECK("{{$x := 1}}{{$x = 2}}{{$x}}", "2");
    CHECK("{{if $v := .Num}}{{$v}}{{end}}", "5");
}
END_TEST

START_TEST(test_whitespace_and_comments)
{
    CHECK("{{ .Num -}} x {{- .Num }}", "5x5");
    CHECK("a {{- 3}}", "a3");
    CHECK("{{3 -}} b", "3b");
    CHECK("{{.Num}} {{/* x */}} y", "5  y");
    CHECK("{{- /* x */ -}} y", "y");
    CHECK("{{/* c */}}x", "x");
    CHECK("a}}b", "a}}b");
    CHECK("a\\tb", "a\tb");
    CHECK("a\\nb", "a\nb");
    CHECK("  {{.Num}}  ", "5");
}
END_TEST

START_TEST(test_exec_errors)
{
    CHECK("{{.Null.X}}",
          "ERR:template: :1:7: executing \"\" at <.Null.X>: nil pointer evaluating interface {}.X");
    CHECK("{{.Nested.Missing.X}}", "ERR:template: :1:9: executing \"\" at <.Nested.Missing.X>: "
                                   "nil pointer evaluating interface {}.X");
    CHECK("{{.Arr.X}}", "ERR:template: :1:6: executing \"\" at <.Arr.X>: can't evaluate field X "
                        "in type interface {}");
    CHECK("{{.Str.X}}", "ERR:template: :1:6: executing \"\" at <.Str.X>: can't evaluate field X "
                        "in type interface {}");
    CHECK("{{index .Arr 5}}", "ERR:template: :1:2: executing \"\" at <index .Arr 5>: error "
                              "calling index: index out of range: 5");
    CHECK("{{range .Str}}x{{end}}", "ERR:template: :1:8: executing \"\" at <.Str>: range can't "
                                    "iterate over Hello World");
    CHECK("{{eq \"a\" 1}}", "ERR:template: :1:2: executing \"\" at <eq \"a\" 1>: error calling "
                            "eq: incompatible types for comparison");
    CHECK("{{.Num .Str}}", "ERR:template: :1:2: executing \"\" at <.Num>: Num is not a method "
                           "but has arguments");
    CHECK("{{nil}}", "ERR:template: :1:2: executing \"\" at <nil>: nil is not a command");
    CHECK("x\n{{.Null.X}}", "ERR:template: :2:7: executing \"\" at <.Null.X>: nil pointer "
                            "evaluating interface {}.X");
}
END_TEST

START_TEST(test_parse_errors)
{
    CHECK("{{", "ERR:template: :1: unclosed action");
    CHECK("{{.Num", "ERR:template: :1: unclosed action");
    CHECK("{{end}}", "ERR:template: :1: unexpected {{end}}");
    CHECK("{{else}}", "ERR:template: :1: unexpected {{else}}");
    CHECK("{{if .Num}}", "ERR:template: :1: unexpected EOF");
    CHECK("{{foo .Num}}", "ERR:template: :1: function \"foo\" not defined");
    CHECK("{{if}}", "ERR:template: :1: missing value for if");
    CHECK("{{range}}", "ERR:template: :1: missing value for range");
    CHECK("{{\"unterminated}}", "ERR:template: :1: unterminated quoted string");
    CHECK("{{$y}}", "ERR:template: :1: undefined variable \"$y\"");
    CHECK("{{end", "ERR:template: :1: unclosed action");
    CHECK("{{break}}", "ERR:template: :1: {{break}} outside {{range}}");
    /* Not compared with docker: */
    CHECK("{{}}", "ERR:template: :1: missing value for command");
    CHECK("{{/* x", "ERR:template: :1: unclosed comment");
    CHECK("{{#}}", "ERR:template: :1: unexpected \"#\" in command");
    CHECK("a\n\n{{.X", "ERR:template: :3: unclosed action");
    CHECK("{{(.X}}", "ERR:template: :1: unclosed left paren");
    CHECK("{{.X)}}", "ERR:template: :1: unexpected right paren");
    CHECK("{{08}}", "ERR:template: :1: integer overflow: \"08\"");
    CHECK("{{99999999999999999999999}}", "ERR:template: :1: integer overflow: "
                                         "\"99999999999999999999999\"");
    CHECK("{{1e999}}", "ERR:template: :1: illegal number syntax: \"1e999\"");
    CHECK("{{3x}}", "ERR:template: :1: bad number syntax: \"3x\"");
    CHECK("{{template \"x\"}}", "ERR:template: :1: {{template}} is not supported");
    CHECK("{{if 1}}{{else}}{{else}}{{end}}", "ERR:template: :1: expected end; found {{else}}");
    CHECK("{{`x", "ERR:template: :1: unterminated raw quoted string");
}
END_TEST

START_TEST(test_malicious)
{
    /* Deep nesting is refused, not a stack overflow. */
    struct strbuf b = STRBUF_INIT;
    for (int i = 0; i < 5000; i++)
        sb_add(&b, "{{if 1}}");
    _cleanup_free_ char *deep = sb_steal(&b);
    CHECK(deep, "ERR:template: :1: max expression depth exceeded");
    for (int i = 0; i < 5000; i++)
        sb_addc(&b, '(');
    _cleanup_free_ char *parens = xasprintf("{{%s", b.s);
    sb_free(&b);
    CHECK(parens, "ERR:template: :1: max expression depth exceeded");
    /* Work and output are bounded. */
    _cleanup_free_ char *r1 = render("{{range 1000000000}}x{{end}}");
    ck_assert_msg(strstr(r1, "execution limit exceeded") != NULL, "%.80s", r1);
    _cleanup_free_ char *r2 = render("{{pad \"\" 999999999999 0}}");
    ck_assert_msg(strstr(r2, "output too large") != NULL, "%.80s", r2);
    CHECK("", "");
    CHECK("{{{{", "ERR:template: :1: unexpected \"{\" in command");
    CHECK("{{truncate .Str -1}}",
          "ERR:template: :1:2: executing \"\" at <truncate .Str -1>: "
          "error calling truncate: runtime error: slice bounds out of range [:-1]");
}
END_TEST

static const char *header_for(const char *field)
{
    if (strcmp(field, "ID") == 0)
        return "CONTAINER ID";
    if (strcmp(field, "Image") == 0)
        return "IMAGE";
    if (strcmp(field, "Names") == 0)
        return "NAMES";
    return NULL;
}

START_TEST(test_table_and_header)
{
    struct tmpl *t = NULL;
    struct md_error err = {0};
    ck_assert_int_eq(tmpl_parse("table {{.ID}}\\t{{.Image}}\\t{{upper .Names}}", &t, &err), 0);
    ck_assert(tmpl_is_table(t));
    _cleanup_free_ char *h = tmpl_render_header(t, header_for);
    ck_assert_str_eq(h, "CONTAINER ID\tIMAGE\tNAMES");
    json_t *row =
        json_pack("{s:s,s:s,s:s}", "ID", "3f4e5d6c7b8a", "Image", "busybox", "Names", "web");
    char *out = NULL;
    ck_assert_int_eq(tmpl_render(t, row, &out, &err), 0);
    ck_assert_str_eq(out, "3f4e5d6c7b8a\tbusybox\tWEB");
    free(out);
    json_decref(row);
    tmpl_free(t);

    ck_assert_int_eq(tmpl_parse("{{.ID}}: {{.Other.X}} {{.}}", &t, &err), 0);
    ck_assert(!tmpl_is_table(t));
    _cleanup_free_ char *h2 = tmpl_render_header(t, header_for);
    ck_assert_str_eq(h2, "CONTAINER ID: Other.X ");
    tmpl_free(t);

    /* A header that fails halfway keeps what was written, as docker does. */
    ck_assert_int_eq(tmpl_parse("table {{.ID}}\\t{{range .Names}}x{{end}}", &t, &err), 0);
    _cleanup_free_ char *h3 = tmpl_render_header(t, header_for);
    ck_assert_str_eq(h3, "CONTAINER ID\t");
    tmpl_free(t);

    /* .Label "key": docker's method, an object lookup here. */
    ck_assert_int_eq(tmpl_parse("{{.Label \"com.x\"}}|{{.Label \"none\"}}|", &t, &err), 0);
    json_t *d = json_pack("{s:{s:s}}", "Label", "com.x", "y");
    ck_assert_int_eq(tmpl_render(t, d, &out, &err), 0);
    ck_assert_str_eq(out, "y||");
    free(out);
    json_decref(d);
    tmpl_free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_values_print_like_go);
    tcase_add_test(tc, test_functions);
    tcase_add_test(tc, test_printf);
    tcase_add_test(tc, test_control);
    tcase_add_test(tc, test_whitespace_and_comments);
    tcase_add_test(tc, test_exec_errors);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_malicious);
    tcase_add_test(tc, test_table_and_header);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
