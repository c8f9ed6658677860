/* Unit tests for common/reference: docker's normalisation of image names and
 * its error messages, as `docker pull`/`docker tag` users see them. */
#include "common/reference.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define HEX64 "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa"

/* Parse s and compare every field and both printed forms. */
static void check_ref(const char *s, const char *domain, const char *path, const char *tag,
                      const char *digest, const char *familiar, const char *full)
{
    struct image_ref r;
    struct md_error err = {0};
    ck_assert_msg(ref_parse(s, &r, &err) == 0, "%s: %s", s, md_err_msg(&err));
    ck_assert_str_eq(r.domain, domain);
    ck_assert_str_eq(r.path, path);
    if (tag)
        ck_assert_str_eq(r.tag, tag);
    else
        ck_assert_ptr_null(r.tag);
    if (digest)
        ck_assert_str_eq(r.digest, digest);
    else
        ck_assert_ptr_null(r.digest);
    _cleanup_free_ char *f = ref_familiar(&r);
    _cleanup_free_ char *u = ref_full(&r);
    ck_assert_str_eq(f, familiar);
    ck_assert_str_eq(u, full);
    ref_free(&r);
}

static void check_err(const char *s, const char *msg)
{
    struct image_ref r;
    struct md_error err = {0};
    ck_assert_msg(ref_parse(s, &r, &err) < 0, "%s parsed", s);
    ck_assert_str_eq(err.msg, msg);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_ptr_null(r.path);
    md_err_clear(&err);
}

START_TEST(test_busybox_forms_are_equal)
{
    const char *forms[] = {"busybox",
                           "busybox:latest",
                           "docker.io/library/busybox:latest",
                           "index.docker.io/library/busybox",
                           "docker.io/busybox",
                           "library/busybox"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        check_ref(forms[i], "docker.io", "library/busybox", "latest", NULL, "busybox:latest",
                  "docker.io/library/busybox:latest");
}
END_TEST

START_TEST(test_user_and_registry_repos)
{
    check_ref("myrepo/bb:v1", "docker.io", "myrepo/bb", "v1", NULL, "myrepo/bb:v1",
              "docker.io/myrepo/bb:v1");
    check_ref("host:5000/team/app:v1", "host:5000", "team/app", "v1", NULL, "host:5000/team/app:v1",
              "host:5000/team/app:v1");
    check_ref("localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest",
              "localhost/app:latest");
    check_ref("localhost:5000/app", "localhost:5000", "app", "latest", NULL,
              "localhost:5000/app:latest", "localhost:5000/app:latest");
    check_ref("quay.io/coreos/etcd:v3.5.0", "quay.io", "coreos/etcd", "v3.5.0", NULL,
              "quay.io/coreos/etcd:v3.5.0", "quay.io/coreos/etcd:v3.5.0");
    check_ref("[::1]:5000/app:1", "[::1]:5000", "app", "1", NULL, "[::1]:5000/app:1",
              "[::1]:5000/app:1");
    check_ref("127.0.0.1:5000/a/b/c", "127.0.0.1:5000", "a/b/c", "latest", NULL,
              "127.0.0.1:5000/a/b/c:latest", "127.0.0.1:5000/a/b/c:latest");
    /* "library/" is only dropped for one-component official names. */
    check_ref("docker.io/library/a/b", "docker.io", "library/a/b", "latest", NULL,
              "library/a/b:latest", "docker.io/library/a/b:latest");
    /* An uppercase first component is a registry host. */
    check_ref("Example/app", "Example", "app", "latest", NULL, "Example/app:latest",
              "Example/app:latest");
    /* A first component that is no valid host but a valid path component
     * makes a domain-less name, as in distribution/reference. */
    check_ref("a_b.com/app", "", "a_b.com/app", "latest", NULL, "a_b.com/app:latest",
              "a_b.com/app:latest");
}
END_TEST

START_TEST(test_separators_and_tags)
{
    check_ref("a.b_c__d---e:T_a.g-1", "docker.io", "library/a.b_c__d---e", "T_a.g-1", NULL,
              "a.b_c__d---e:T_a.g-1", "docker.io/library/a.b_c__d---e:T_a.g-1");
    check_ref("foo:_x", "docker.io", "library/foo", "_x", NULL, "foo:_x",
              "docker.io/library/foo:_x");
    char tag128[129];
    memset(tag128, 'a', 128);
    tag128[128] = '\0';
    _cleanup_free_ char *ok = xasprintf("foo:%s", tag128);
    _cleanup_free_ char *fam = xasprintf("foo:%s", tag128);
    _cleanup_free_ char *full = xasprintf("docker.io/library/foo:%s", tag128);
    check_ref(ok, "docker.io", "library/foo", tag128, NULL, fam, full);
    _cleanup_free_ char *bad = xasprintf("foo:%sa", tag128);
    check_err(bad, "invalid reference format");
}
END_TEST

START_TEST(test_digests)
{
    check_ref("busybox@sha256:" HEX64, "docker.io", "library/busybox", NULL, "sha256:" HEX64,
              "busybox@sha256:" HEX64, "docker.io/library/busybox@sha256:" HEX64);
    check_ref("busybox:1.36@sha256:" HEX64, "docker.io", "library/busybox", "1.36", "sha256:" HEX64,
              "busybox:1.36@sha256:" HEX64, "docker.io/library/busybox:1.36@sha256:" HEX64);
    check_ref("host:5000/app@sha256:" HEX64, "host:5000", "app", NULL, "sha256:" HEX64,
              "host:5000/app@sha256:" HEX64, "host:5000/app@sha256:" HEX64);
    check_err("busybox@sha256:abc", "invalid reference format");
    check_err("busybox@sha256:" HEX64 "00", "invalid checksum digest length");
    check_err("busybox@sha256:7CC4B5AEFD1D0CADF8D97D4350462BA51C694EBCA145B08D7D41B41ACC8DB5AA",
              "invalid checksum digest format");
    check_err("busybox@md5:" HEX64, "unsupported digest algorithm");
    check_err("busybox@sha256:" HEX64 "@sha256:" HEX64, "invalid reference format");
}
END_TEST

START_TEST(test_docker_errors)
{
    check_err("Busybox", "invalid reference format: repository name (library/Busybox) must be "
                         "lowercase");
    check_err("myrepo/Bb:v1", "invalid reference format: repository name (myrepo/Bb) must be "
                              "lowercase");
    check_err(HEX64,
              "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal strings");
    check_err("", "invalid reference format");
    check_err(":", "invalid reference format");
    check_err("busybox:", "invalid reference format");
    check_err(":latest", "invalid reference format");
    check_err("/busybox", "invalid reference format");
    check_err("busybox/", "invalid reference format");
    check_err("a//b", "invalid reference format");
    check_err("foo bar", "invalid reference format");
    check_err("-foo", "invalid reference format");
    check_err("foo-", "invalid reference format");
    check_err("foo..bar", "invalid reference format");
    check_err("foo___bar", "invalid reference format");
    check_err("foo:bar:baz", "invalid reference format");
    check_err("foo:-bar", "invalid reference format");
    check_err("host:port/app", "invalid reference format");
    check_err("host:/app", "invalid reference format");
    check_err("[::1/app", "invalid reference format");
    check_err("-host.com/app", "invalid reference format");
    check_err("busybox@", "invalid reference format");
    check_err("b\xc3\xa4r", "invalid reference format");
    /* The uppercase part is in a host that is not a valid host but would be
     * a valid path in lowercase: distribution's own message. */
    check_err("A_b.c/app", "repository name must be lowercase");
}
END_TEST

START_TEST(test_length_limit)
{
    char path[300];
    memset(path, 'a', 255);
    path[255] = '\0';
    /* docker.io adds "library/": 263 characters of path. */
    check_err(path, "repository name must not be more than 255 characters");
    _cleanup_free_ char *ok = xasprintf("localhost/%.*s", 255, path);
    struct image_ref r;
    struct md_error err = {0};
    ck_assert_int_eq(ref_parse(ok, &r, &err), 0);
    ref_free(&r);
    _cleanup_free_ char *bad = xasprintf("localhost/%sa", path);
    check_err(bad, "repository name must not be more than 255 characters");
    /* A huge input is rejected without trouble. */
    size_t n = 1 << 20;
    char *huge = xmalloc(n + 1);
    memset(huge, 'a', n);
    huge[n] = '\0';
    check_err(huge, "repository name must not be more than 255 characters");
    huge[n / 2] = ':';
    check_err(huge, "invalid reference format");
    free(huge);
}
END_TEST

START_TEST(test_parse_name_keeps_no_tag)
{
    struct image_ref r;
    struct md_error err = {0};
    ck_assert_int_eq(ref_parse_name("busybox", &r, &err), 0);
    ck_assert_ptr_null(r.tag);
    _cleanup_free_ char *f = ref_familiar(&r);
    _cleanup_free_ char *u = ref_full(&r);
    _cleanup_free_ char *n = ref_familiar_name(&r);
    ck_assert_str_eq(f, "busybox");
    ck_assert_str_eq(u, "docker.io/library/busybox");
    ck_assert_str_eq(n, "busybox");
    ref_free(&r);
    ck_assert_int_eq(ref_parse_name("host:5000/team/app:v2", &r, &err), 0);
    ck_assert_str_eq(r.tag, "v2");
    _cleanup_free_ char *n2 = ref_familiar_name(&r);
    ck_assert_str_eq(n2, "host:5000/team/app");
    ref_free(&r);
    ck_assert_int_lt(ref_parse_name("Busybox", &r, &err), 0);
    md_err_clear(&err);
    /* NULL error pointer is allowed. */
    ck_assert_int_lt(ref_parse("UPPER", &r, NULL), 0);
}
END_TEST

START_TEST(test_looks_like_id)
{
    ck_assert(ref_looks_like_id(HEX64));
    ck_assert(ref_looks_like_id("sha256:" HEX64));
    ck_assert(ref_looks_like_id("7cc4"));
    ck_assert(ref_looks_like_id("sha256:7cc4"));
    ck_assert(ref_looks_like_id("a"));
    ck_assert(!ref_looks_like_id(""));
    ck_assert(!ref_looks_like_id("sha256:"));
    ck_assert(!ref_looks_like_id(NULL));
    ck_assert(!ref_looks_like_id("busybox"));
    ck_assert(!ref_looks_like_id("7CC4"));
    ck_assert(!ref_looks_like_id(HEX64 "0"));
    ck_assert(!ref_looks_like_id("sha512:7cc4"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_busybox_forms_are_equal);
    tcase_add_test(tc, test_user_and_registry_repos);
    tcase_add_test(tc, test_separators_and_tags);
    tcase_add_test(tc, test_digests);
    tcase_add_test(tc, test_docker_errors);
    tcase_add_test(tc, test_length_limit);
    tcase_add_test(tc, test_parse_name_keeps_no_tag);
    tcase_add_test(tc, test_looks_like_id);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
