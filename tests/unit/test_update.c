/* docker update: the request read into struct ctr_update, and merged into
 * a spec with docker's rules and messages. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/state/ctr_spec.h"
#include "daemon/state/ctr_update.h"

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static struct ctr_spec *spec_of(const char *hc_text)
{
    _cleanup_json_ json_t *cfg = json_loads("{\"Cmd\":[\"sleep\",\"1\"]}", 0, NULL);
    _cleanup_json_ json_t *hc = json_loads(hc_text, 0, NULL);
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    ck_assert_msg(ctr_spec_build(cfg, hc, NULL, NULL, ID, &s, &err) == 0, "%s", err.msg);
    return s;
}

/* The update of body applied to a container created with hc: "ok" and
 * *out, or the error message. */
static const char *update(const char *hc, const char *body, struct ctr_spec **out)
{
    static char buf[512];
    struct ctr_spec *cur = spec_of(hc);
    _cleanup_json_ json_t *b = json_loads(body, 0, NULL);
    struct ctr_update u;
    struct md_error err = {0};
    struct ctr_spec *s = NULL;
    int r = ctr_update_parse(b, &u, &err);
    if (r == 0)
        r = ctr_update_spec(cur, &u, &s, &err);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "ok" : err.msg);
    md_err_clear(&err);
    ctr_spec_free(cur);
    if (out)
        *out = s;
    else
        ctr_spec_free(s);
    return buf;
}

START_TEST(memory_within_memoryswap)
{
    struct ctr_spec *s = NULL;
    /* -m 32m: MemorySwap 64m, so 64m fits */
    ck_assert_str_eq(update("{\"Memory\":33554432}", "{\"Memory\":67108864}", &s), "ok");
    ck_assert_int_eq(s->memory, 67108864);
    ck_assert_int_eq(s->memory_swap, 67108864 * 1L);
    ctr_spec_free(s);
    ck_assert_str_eq(update("{\"Memory\":33554432}", "{\"Memory\":134217728}", NULL),
                     "Memory limit should be smaller than already set memoryswap limit, update "
                     "the memoryswap at the same time");
    /* no limit before: docker wants the swap limit too */
    ck_assert_str_eq(update("{}", "{\"Memory\":67108864}", NULL),
                     "Memory limit should be smaller than already set memoryswap limit, update "
                     "the memoryswap at the same time");
    ck_assert_str_eq(update("{}", "{\"Memory\":67108864,\"MemorySwap\":-1}", &s), "ok");
    ck_assert_int_eq(s->memory_swap, -1);
    ctr_spec_free(s);
    ck_assert_str_eq(update("{}", "{\"Memory\":1048576,\"MemorySwap\":2097152}", NULL),
                     "Minimum memory limit allowed is 6MB");
    ck_assert_str_eq(update("{\"Memory\":33554432}", "{\"MemorySwap\":1000}", NULL),
                     "Minimum memoryswap limit should be larger than memory limit, see usage");
}
END_TEST

START_TEST(zero_leaves_as_is)
{
    struct ctr_spec *s = NULL;
    ck_assert_str_eq(update("{\"Memory\":33554432,\"CpuShares\":512,\"PidsLimit\":10}",
                            "{\"Memory\":0,\"CpuShares\":0,\"NanoCpus\":500000000}", &s),
                     "ok");
    ck_assert_int_eq(s->memory, 33554432);
    ck_assert_int_eq(s->cpu_shares, 512);
    ck_assert_int_eq(s->pids_limit, 10);
    ck_assert_int_eq(s->nano_cpus, 500000000);
    ctr_spec_free(s);
    /* PidsLimit is a pointer in moby: present means set, 0 unlimited */
    ck_assert_str_eq(update("{\"PidsLimit\":10}", "{\"PidsLimit\":0}", &s), "ok");
    ck_assert_int_eq(s->pids_limit, -1);
    ctr_spec_free(s);
}
END_TEST

START_TEST(restart_policy)
{
    struct ctr_spec *s = NULL;
    ck_assert_str_eq(update("{}",
                            "{\"RestartPolicy\":{\"Name\":\"on-failure\","
                            "\"MaximumRetryCount\":2}}",
                            &s),
                     "ok");
    ck_assert_int_eq(s->restart, CTR_RESTART_ON_FAILURE);
    ck_assert_int_eq(s->restart_max, 2);
    ctr_spec_free(s);
    ck_assert_str_eq(update("{\"RestartPolicy\":{\"Name\":\"always\"}}",
                            "{\"RestartPolicy\":{\"Name\":\"\"}}", &s),
                     "ok");
    ck_assert_int_eq(s->restart, CTR_RESTART_ALWAYS);
    ctr_spec_free(s);
    ck_assert_str_eq(update("{}", "{\"RestartPolicy\":{\"Name\":\"sometimes\"}}", NULL),
                     "invalid restart policy 'sometimes'");
    ck_assert_str_eq(
        update("{\"AutoRemove\":true}", "{\"RestartPolicy\":{\"Name\":\"always\"}}", NULL),
        "Restart policy cannot be updated because AutoRemove is enabled for the "
        "container");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, memory_within_memoryswap);
    tcase_add_test(tc, zero_leaves_as_is);
    tcase_add_test(tc, restart_policy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
