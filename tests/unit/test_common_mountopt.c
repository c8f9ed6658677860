/* --mount: the docker CLI's CSV syntax, the Mounts entry it sends, and its
 * messages (checked against docker 28's output). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/mountopt.h"

/* The entry as compact, sorted JSON, or "error: MSG". */
static char *parse(const char *v)
{
    json_t *m = NULL;
    char *why = NULL;
    if (mountopt_parse(v, "/home/u", &m, &why) < 0) {
        char *r = xasprintf("error: %s", why);
        free(why);
        return r;
    }
    char *s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(m);
    return s;
}

#define CK(in, want)                                                                               \
    do {                                                                                           \
        char *got_ = parse(in);                                                                    \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(test_forms)
{
    CK("type=bind,src=/a,dst=/b", "{\"Source\":\"/a\",\"Target\":\"/b\",\"Type\":\"bind\"}");
    CK("target=/v", "{\"Target\":\"/v\",\"Type\":\"volume\"}");
    CK("type=BIND,source=.,destination=/b,ro",
       "{\"ReadOnly\":true,\"Source\":\"/home/u\",\"Target\":\"/b\",\"Type\":\"bind\"}");
    CK("type=bind,src=./x/,dst=/b,readonly=false",
       "{\"ReadOnly\":false,\"Source\":\"/home/u/x\",\"Target\":\"/b\",\"Type\":\"bind\"}");
    CK("type=bind,src=/a,dst=/b,bind-propagation=RSHARED,bind-nonrecursive,bind-create-src",
       "{\"BindOptions\":{\"CreateMountpoint\":true,\"NonRecursive\":true,\"Propagation\":"
       "\"rshared\"},\"Source\":\"/a\",\"Target\":\"/b\",\"Type\":\"bind\"}");
    CK("type=bind,src=/a,dst=/b,ro,bind-recursive=readonly",
       "{\"BindOptions\":{\"ReadOnlyForceRecursive\":true},\"ReadOnly\":true,\"Source\":\"/a\","
       "\"Target\":\"/b\",\"Type\":\"bind\"}");
    CK("src=v,dst=/v,volume-nocopy,volume-subpath=a/b,volume-label=k=v,volume-driver=local,"
       "\"volume-opt=o=size=1m,uid=5\"",
       "{\"Source\":\"v\",\"Target\":\"/v\",\"Type\":\"volume\",\"VolumeOptions\":{"
       "\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"o\":\"size=1m,uid=5\"}},\"Labels\":"
       "{\"k\":\"v\"},\"NoCopy\":true,\"Subpath\":\"a/b\"}}");
    CK("type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1777",
       "{\"Target\":\"/t\",\"TmpfsOptions\":{\"Mode\":1023,\"SizeBytes\":67108864},\"Type\":"
       "\"tmpfs\"}");
}
END_TEST

START_TEST(test_errors)
{
    CK("foo", "error: invalid field 'foo' must be a key=value pair");
    CK("type=bind", "error: target is required");
    CK("type=,dst=/x", "error: type is required");
    CK("type=tmpfs,dst=/x,volume-nocopy",
       "error: cannot mix 'volume-*' options with mount type 'tmpfs'");
    CK("type=volume,dst=/x,bind-propagation=shared",
       "error: cannot mix 'bind-*' options with mount type 'volume'");
    CK("type=bind,src=/a,dst=/x,tmpfs-size=1m",
       "error: cannot mix 'tmpfs-*' options with mount type 'bind'");
    CK("type=tmpfs,dst=/x,tmpfs-size=abc", "error: invalid value for tmpfs-size: abc");
    CK("type=tmpfs,dst=/x,tmpfs-mode=999", "error: invalid value for tmpfs-mode: 999");
    CK("dst=/x,ro=maybe", "error: invalid value for ro: maybe");
    CK("dst=/x,bogus=1", "error: unexpected key 'bogus' in 'bogus=1'");
    CK("type=bind,src=/tmp,dst=/x,bind-recursive=writable",
       "error: option 'bind-recursive=writable' requires 'readonly' to be specified in "
       "conjunction");
    CK("type=bind,src=/tmp,dst=/x,bind-recursive=bogus",
       "error: invalid value for bind-recursive: bogus (must be \"enabled\", \"disabled\", "
       "\"writable\", or \"readonly\")");
    CK("type=volume,\"dst=/x",
       "error: parse error on line 1, column 20: extraneous or missing \" in quoted-field");
    CK("type=volume,d\"st=/x",
       "error: parse error on line 1, column 14: bare \" in non-quoted-field");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mountopt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_forms);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
