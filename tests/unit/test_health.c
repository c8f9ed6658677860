/* State.Health bookkeeping (moby's handleProbeResult) and its JSON. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/state/health.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static struct health_result res(int64_t start, int code, const char *out)
{
    return (struct health_result){
        .start_ns = start, .end_ns = start + 1, .exit_code = code, .output = xstrdup(out)};
}

START_TEST(unhealthy_after_retries_and_back)
{
    struct ctr_health *h = xcalloc(1, sizeof *h); /* starting */
    struct health_result r = res(10 * SEC, 1, "a");
    ck_assert(!health_apply(h, &r, 0, 0, 2));
    ck_assert_int_eq(h->failing_streak, 1);
    ck_assert_int_eq(h->status, HEALTH_STARTING);
    r = res(11 * SEC, 1, "b");
    ck_assert(health_apply(h, &r, 0, 0, 2));
    ck_assert_int_eq(h->status, HEALTH_UNHEALTHY);
    ck_assert_str_eq(health_ps_text(h), "unhealthy");
    r = res(12 * SEC, 0, "c");
    ck_assert(health_apply(h, &r, 0, 0, 2));
    ck_assert_int_eq(h->status, HEALTH_HEALTHY);
    ck_assert_int_eq(h->failing_streak, 0);
    health_free(h);
}
END_TEST

START_TEST(default_retries_and_start_period)
{
    struct ctr_health *h = xcalloc(1, sizeof *h);
    ck_assert_str_eq(health_ps_text(h), "health: starting");
    /* inside the start period, failures of a never-healthy container do not count */
    for (int i = 0; i < 5; i++) {
        struct health_result r = res(i * SEC, 1, "x");
        health_apply(h, &r, 0, 10 * SEC, 0);
    }
    ck_assert_int_eq(h->failing_streak, 0);
    ck_assert_int_eq(h->status, HEALTH_STARTING);
    for (int i = 0; i < 3; i++) {
        struct health_result r = res((20 + i) * SEC, 1, "x");
        health_apply(h, &r, 0, 10 * SEC, 0);
    }
    ck_assert_int_eq(h->failing_streak, 3); /* 3: the default retries */
    ck_assert_int_eq(h->status, HEALTH_UNHEALTHY);
    health_free(h);
}
END_TEST

START_TEST(log_keeps_last_five_and_round_trips)
{
    struct ctr_health *h = xcalloc(1, sizeof *h);
    for (int i = 0; i < 7; i++) {
        char out[16];
        snprintf(out, sizeof out, "r%d", i);
        struct health_result r = res((i + 1) * SEC, i == 6 ? 0 : 2, out);
        health_apply(h, &r, 0, 0, 10);
    }
    ck_assert_uint_eq(h->nlog, HEALTH_LOG_MAX);
    ck_assert_str_eq(h->log[0].output, "r2");
    ck_assert_str_eq(h->log[4].output, "r6");
    _cleanup_json_ json_t *j = health_to_json(h);
    ck_assert_str_eq(json_str(j, "Status"), "healthy");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "FailingStreak")), 0);
    json_t *log = json_object_get(j, "Log");
    ck_assert_uint_eq(json_array_size(log), 5);
    ck_assert_str_eq(json_str(json_array_get(log, 0), "Output"), "r2");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(log, 0), "ExitCode")), 2);
    ck_assert_str_eq(json_str(json_array_get(log, 0), "Start"), "1970-01-01T00:00:03Z");
    struct ctr_health *back = health_from_json(j);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(back->status, HEALTH_HEALTHY);
    ck_assert_uint_eq(back->nlog, 5);
    ck_assert_int_eq(back->log[4].exit_code, 0);
    ck_assert_int_eq(back->log[1].start_ns, 4 * SEC);
    health_free(back);
    health_free(h);
    ck_assert_ptr_null(health_from_json(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("health");
    TCase *tc = tcase_create("health");
    tcase_add_test(tc, unhealthy_after_retries_and_back);
    tcase_add_test(tc, default_retries_and_start_period);
    tcase_add_test(tc, log_keeps_last_five_and_round_trips);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
