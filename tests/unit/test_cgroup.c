/* cgroup backends against a fake tree in a temporary directory: the exact
 * file contents written for unified (cgroup2), hybrid and legacy (v1)
 * hosts, where container cgroups are placed, and the stats parsers. */
#include "daemon/runtime/cgroup.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char tmp[64];

static void setup(void)
{
    strcpy(tmp, "/tmp/mdcgtest.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    fs_rm_rf(tmp, NULL);
}

static void mk(const char *rel)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", tmp, rel);
    ck_assert_int_eq(fs_mkdir_p(p, 0755, NULL), 0);
}

static void put(const char *rel, const char *content)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", tmp, rel);
    ck_assert_int_eq(util_write_file(p, content, true, NULL), 0);
}

/* content of dir/file, which must exist */
static void expect_file(const char *dir, const char *file, const char *want)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    _cleanup_free_ char *got = fs_read_file(p, NULL);
    ck_assert_msg(got != NULL, "%s was not written", p);
    ck_assert_msg(!strcmp(got, want), "%s: got \"%s\", want \"%s\"", p, got, want);
}

static void expect_absent(const char *dir, const char *file)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
    ck_assert_msg(access(p, F_OK) != 0, "%s should not have been written", p);
}

static const struct rt_limits LIM = {
    .memory = 64 << 20,
    .memory_swap = 128 << 20,
    .nano_cpus = 1500000000,
    .cpu_shares = 1024,
    .pids_limit = 20,
};

START_TEST(test_parse_own)
{
    const char *hybrid = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/8c53\n"
                         "2:cpu,cpuacct:/sys/x\n0::/\n";
    _cleanup_free_ char *m = cgroup_parse_own(hybrid, "memory");
    ck_assert_str_eq(m, "/process_api/8c53");
    _cleanup_free_ char *ctrls = NULL;
    _cleanup_free_ char *c = cgroup_parse_own2(hybrid, "cpuacct", &ctrls);
    ck_assert_str_eq(c, "/sys/x");
    ck_assert_str_eq(ctrls, "cpu,cpuacct");
    _cleanup_free_ char *v2 = cgroup_parse_own(hybrid, NULL);
    ck_assert_str_eq(v2, "/");
    ck_assert_ptr_null(cgroup_parse_own(hybrid, "blkio"));
    _cleanup_free_ char *u = cgroup_parse_own("0::/system.slice/minidock.service\n", NULL);
    ck_assert_str_eq(u, "/system.slice/minidock.service");
    ck_assert_ptr_null(cgroup_parse_own("0::/x\n", "memory"));
}
END_TEST

START_TEST(test_shares_to_weight)
{
    ck_assert_uint_eq(cg_shares_to_weight(2), 1);
    ck_assert_uint_eq(cg_shares_to_weight(1024), 39);
    ck_assert_uint_eq(cg_shares_to_weight(262144), 10000);
    ck_assert_uint_eq(cg_shares_to_weight(1), 1);
}
END_TEST

static void init_unified(void)
{
    put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
    mk("user.slice/daemon");
    ck_assert_int_eq(cgroup_init_custom(tmp, CG_UNIFIED, "0::/user.slice/daemon\n", NULL), 0);
}

START_TEST(test_v2_paths_and_limits)
{
    init_unified();
    ck_assert_str_eq(cgroup_mode_name(), "unified");
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, NULL, &p, NULL), 0);
    _cleanup_free_ char *want = xasprintf("%s/user.slice/daemon/minidock/%s", tmp, ID);
    ck_assert_str_eq(p.v2, want);
    ck_assert_uint_eq(p.nv1, 0);
    struct md_error e = {0};
    ck_assert_msg(cgroup_create(&p, &LIM, false, &e) == 0, "%s", md_err_msg(&e));
    expect_file(p.v2, "memory.max", "67108864");
    expect_file(p.v2, "memory.swap.max", "67108864"); /* memory_swap - memory */
    expect_file(p.v2, "cpu.max", "150000 100000");
    expect_file(p.v2, "cpu.weight", "39");
    expect_file(p.v2, "pids.max", "20");
    /* controllers delegated from the daemon's cgroup down to the parent */
    _cleanup_free_ char *own = xasprintf("%s/user.slice/daemon", tmp);
    expect_file(own, "cgroup.subtree_control", "+cpu +memory +pids");
    expect_file(p.v2_parent, "cgroup.subtree_control", "+cpu +memory +pids");
    char **join = cgroup_join_dirs(&p);
    ck_assert_uint_eq(strv_len(join), 1);
    ck_assert_str_eq(join[0], p.v2);
    strv_free(join);
    _cleanup_free_ char *oom = cgroup_oom_file(&p);
    _cleanup_free_ char *woom = xasprintf("%s/memory.events", p.v2);
    ck_assert_str_eq(oom, woom);
    ck_assert_ptr_null(cgroup_v1_mounts(&p));
    ck_assert_int_eq(cgroup_destroy(&p, NULL), 0);
    ck_assert_int_ne(access(p.v2, F_OK), 0);
    cgroup_paths_free(&p);
}
END_TEST

START_TEST(test_v2_unlimited_and_unset)
{
    init_unified();
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, "/custom/parent", &p, NULL), 0);
    _cleanup_free_ char *want = xasprintf("%s/custom/parent/%s", tmp, ID);
    ck_assert_str_eq(p.v2, want);
    struct rt_limits l = {.memory = 32 << 20, .memory_swap = -1, .pids_limit = -1};
    ck_assert_int_eq(cgroup_create(&p, &l, false, NULL), 0);
    expect_file(p.v2, "memory.max", "33554432");
    expect_file(p.v2, "memory.swap.max", "max");
    expect_file(p.v2, "pids.max", "max");
    expect_absent(p.v2, "cpu.max");
    expect_absent(p.v2, "cpu.weight");
    cgroup_paths_free(&p);
}
END_TEST

START_TEST(test_v2_freeze_kill_stats)
{
    init_unified();
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, NULL, &p, NULL), 0);
    struct rt_limits none = {0};
    ck_assert_int_eq(cgroup_create(&p, &none, false, NULL), 0);
    ck_assert_int_eq(cg_write(p.v2, "cgroup.events", "populated 1\nfrozen 1\n", NULL), 0);
    struct md_error e = {0};
    ck_assert_msg(cgroup_freeze(&p, true, &e) == 0, "%s", md_err_msg(&e));
    expect_file(p.v2, "cgroup.freeze", "1");
    _cleanup_free_ char *kf = xasprintf("%s/cgroup.kill", p.v2);
    ck_assert_int_eq(util_write_file(kf, "", true, NULL), 0);
    ck_assert_int_eq(cgroup_kill(&p, NULL), 0);
    expect_file(p.v2, "cgroup.kill", "1");

    ck_assert_int_eq(cg_write(p.v2, "memory.current", "1234\n", NULL), 0);
    ck_assert_int_eq(cg_write(p.v2, "memory.max", "max\n", NULL), 0);
    ck_assert_int_eq(cg_write(p.v2, "memory.stat", "anon 1\ninactive_file 77\nfile 9\n", NULL), 0);
    ck_assert_int_eq(cg_write(p.v2, "cpu.stat", "usage_usec 5\nuser_usec 3\nsystem_usec 2\n", NULL),
                     0);
    ck_assert_int_eq(cg_write(p.v2, "pids.current", "3\n", NULL), 0);
    ck_assert_int_eq(cg_write(p.v2, "pids.max", "20\n", NULL), 0);
    struct rt_stats s;
    ck_assert_int_eq(cgroup_stats(&p, &s, NULL), 0);
    ck_assert_uint_eq(s.mem_usage, 1234);
    ck_assert_uint_eq(s.mem_limit, 0);
    ck_assert_uint_eq(s.mem_inactive_file, 77);
    ck_assert_uint_eq(s.cpu_usage_ns, 5000);
    ck_assert_uint_eq(s.cpu_user_ns, 3000);
    ck_assert_uint_eq(s.cpu_system_ns, 2000);
    ck_assert_uint_eq(s.pids_current, 3);
    ck_assert_uint_eq(s.pids_limit, 20);
    cgroup_paths_free(&p);
}
END_TEST

START_TEST(test_v2_no_delegation)
{
    init_unified();
    /* a cgroup that refuses controllers (here: the knob is not writable) */
    mk("user.slice/daemon/cgroup.subtree_control");
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, NULL, &p, NULL), 0);
    struct md_error e = {0};
    ck_assert_int_eq(cgroup_create(&p, &LIM, false, &e), -1);
    ck_assert_msg(strstr(e.msg, "cannot apply resource limits"), "%s", e.msg);
    md_err_clear(&e);
    struct rt_limits none = {0};
    ck_assert_msg(cgroup_create(&p, &none, false, &e) == 0, "%s", md_err_msg(&e));
    ck_assert_int_eq(access(p.v2, F_OK), 0);
    cgroup_paths_free(&p);
}
END_TEST

static const char *HYBRID_SELF = "9:name=systemd:/\n8:pids:/\n6:freezer:/\n5:devices:/\n"
                                 "4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";

static void init_v1(enum cg_mode mode, const char *self)
{
    static const char *const d[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "devices"};
    for (size_t i = 0; i < 6; i++)
        mk(d[i]);
    mk("memory/process_api/abc");
    if (mode == CG_HYBRID)
        mk("unified");
    ck_assert_int_eq(cgroup_init_custom(tmp, mode, self, NULL), 0);
}

START_TEST(test_v1_hybrid_paths_and_limits)
{
    init_v1(CG_HYBRID, HYBRID_SELF);
    ck_assert_str_eq(cgroup_mode_name(), "hybrid");
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, "minidock-t1", &p, NULL), 0);
    ck_assert_uint_eq(p.nv1, 6);
    _cleanup_free_ char *wmem = xasprintf("%s/memory/process_api/abc/minidock-t1/%s", tmp, ID);
    _cleanup_free_ char *wcpu = xasprintf("%s/cpu/minidock-t1/%s", tmp, ID);
    _cleanup_free_ char *wv2 = xasprintf("%s/unified/minidock-t1/%s", tmp, ID);
    ck_assert_str_eq(p.v1[0], wmem);
    ck_assert_str_eq(p.v1[1], wcpu);
    ck_assert_str_eq(p.v2, wv2);
    struct md_error e = {0};
    ck_assert_msg(cgroup_create(&p, &LIM, false, &e) == 0, "%s", md_err_msg(&e));
    expect_file(wmem, "memory.limit_in_bytes", "67108864");
    expect_file(wmem, "memory.memsw.limit_in_bytes", "134217728");
    expect_file(wcpu, "cpu.cfs_period_us", "100000");
    expect_file(wcpu, "cpu.cfs_quota_us", "150000");
    expect_file(wcpu, "cpu.shares", "1024");
    _cleanup_free_ char *wpids = xasprintf("%s/pids/minidock-t1/%s", tmp, ID);
    expect_file(wpids, "pids.max", "20");
    _cleanup_free_ char *wdev = xasprintf("%s/devices/minidock-t1/%s", tmp, ID);
    expect_file(wdev, "devices.deny", "a");
    expect_file(wdev, "devices.allow", "c 10:200 rwm"); /* the last of docker's rules */
    /* no cgroup2 limit files on a hybrid host */
    expect_absent(wv2, "memory.max");

    char **join = cgroup_join_dirs(&p);
    ck_assert_uint_eq(strv_len(join), 7);
    ck_assert_str_eq(join[6], wv2);
    strv_free(join);
    char **mnts = cgroup_v1_mounts(&p);
    ck_assert_uint_eq(strv_len(mnts), 6);
    ck_assert_str_eq(mnts[0], "memory");
    strv_free(mnts);
    _cleanup_free_ char *oom = cgroup_oom_file(&p);
    _cleanup_free_ char *woom = xasprintf("%s/memory.oom_control", wmem);
    ck_assert_str_eq(oom, woom);

    /* freeze: v1 freezer until the cgroup2 dir offers cgroup.freeze */
    _cleanup_free_ char *wfrz = xasprintf("%s/freezer/minidock-t1/%s", tmp, ID);
    ck_assert_msg(cgroup_freeze(&p, true, &e) == 0, "%s", md_err_msg(&e));
    expect_file(wfrz, "freezer.state", "FROZEN");
    ck_assert_int_eq(cgroup_freeze(&p, false, NULL), 0);
    expect_file(wfrz, "freezer.state", "THAWED");
    ck_assert_int_eq(cg_write(wv2, "cgroup.freeze", "0", NULL), 0);
    ck_assert_int_eq(cg_write(wv2, "cgroup.events", "populated 1\nfrozen 1\n", NULL), 0);
    ck_assert_int_eq(cgroup_freeze(&p, true, NULL), 0);
    expect_file(wv2, "cgroup.freeze", "1");
    expect_file(wfrz, "freezer.state", "THAWED");

    ck_assert_int_eq(cg_write(wv2, "cgroup.kill", "", NULL), 0);
    ck_assert_int_eq(cgroup_destroy(&p, NULL), 0);
    expect_absent(wv2, "cgroup.kill"); /* gone with the dir */
    ck_assert_int_ne(access(wmem, F_OK), 0);
    ck_assert_int_ne(access(wv2, F_OK), 0);
    cgroup_paths_free(&p);
}
END_TEST

START_TEST(test_v1_legacy_and_privileged)
{
    init_v1(CG_LEGACY, HYBRID_SELF);
    ck_assert_str_eq(cgroup_mode_name(), "legacy");
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, "/abs", &p, NULL), 0);
    ck_assert_ptr_null(p.v2);
    _cleanup_free_ char *wmem = xasprintf("%s/memory/abs/%s", tmp, ID);
    ck_assert_str_eq(p.v1[0], wmem);
    struct rt_limits l = {.memory = 32 << 20, .memory_swap = -1, .pids_limit = -1};
    ck_assert_int_eq(cgroup_create(&p, &l, true, NULL), 0);
    expect_file(wmem, "memory.limit_in_bytes", "33554432");
    expect_file(wmem, "memory.memsw.limit_in_bytes", "-1");
    _cleanup_free_ char *wpids = xasprintf("%s/pids/abs/%s", tmp, ID);
    expect_file(wpids, "pids.max", "max");
    _cleanup_free_ char *wdev = xasprintf("%s/devices/abs/%s", tmp, ID);
    expect_file(wdev, "devices.allow", "a");
    expect_absent(wdev, "devices.deny");
    _cleanup_free_ char *wcpu = xasprintf("%s/cpu/abs/%s", tmp, ID);
    expect_absent(wcpu, "cpu.cfs_quota_us");

    ck_assert_int_eq(cg_write(wmem, "memory.usage_in_bytes", "4096\n", NULL), 0);
    ck_assert_int_eq(cg_write(wmem, "memory.limit_in_bytes", "9223372036854771712\n", NULL), 0);
    ck_assert_int_eq(cg_write(wmem, "memory.stat", "cache 1\ntotal_inactive_file 12\n", NULL), 0);
    _cleanup_free_ char *wacct = xasprintf("%s/cpuacct/abs/%s", tmp, ID);
    ck_assert_int_eq(cg_write(wacct, "cpuacct.usage", "999\n", NULL), 0);
    struct rt_stats s;
    ck_assert_int_eq(cgroup_stats(&p, &s, NULL), 0);
    ck_assert_uint_eq(s.mem_usage, 4096);
    ck_assert_uint_eq(s.mem_limit, 0); /* "unlimited" */
    ck_assert_uint_eq(s.mem_inactive_file, 12);
    ck_assert_uint_eq(s.cpu_usage_ns, 999);
    cgroup_paths_free(&p);
}
END_TEST

START_TEST(test_v1_comounted_cpu)
{
    mk("memory");
    mk("pids");
    mk("cpu,cpuacct");
    _cleanup_free_ char *l1 = xasprintf("%s/cpu", tmp);
    _cleanup_free_ char *l2 = xasprintf("%s/cpuacct", tmp);
    ck_assert_int_eq(symlink("cpu,cpuacct", l1), 0);
    ck_assert_int_eq(symlink("cpu,cpuacct", l2), 0);
    const char *self = "3:pids:/\n2:cpu,cpuacct:/\n1:memory:/\n";
    ck_assert_int_eq(cgroup_init_custom(tmp, CG_LEGACY, self, NULL), 0);
    struct cg_paths p;
    ck_assert_int_eq(cgroup_paths(ID, NULL, &p, NULL), 0);
    ck_assert_uint_eq(p.nv1, 3); /* cpuacct is the same hierarchy as cpu */
    char **mnts = cgroup_v1_mounts(&p);
    ck_assert_uint_eq(strv_len(mnts), 3);
    ck_assert_str_eq(mnts[1], "cpu,cpuacct");
    strv_free(mnts);
    struct rt_limits l = {.nano_cpus = 500000000};
    ck_assert_int_eq(cgroup_create(&p, &l, false, NULL), 0);
    _cleanup_free_ char *wcpu = xasprintf("%s/cpu/minidock/%s", tmp, ID);
    expect_file(wcpu, "cpu.cfs_quota_us", "50000");
    cgroup_paths_free(&p);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cgroup");
    TCase *t = tcase_create("core");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, test_parse_own);
    tcase_add_test(t, test_shares_to_weight);
    tcase_add_test(t, test_v2_paths_and_limits);
    tcase_add_test(t, test_v2_unlimited_and_unset);
    tcase_add_test(t, test_v2_freeze_kill_stats);
    tcase_add_test(t, test_v2_no_delegation);
    tcase_add_test(t, test_v1_hybrid_paths_and_limits);
    tcase_add_test(t, test_v1_legacy_and_privileged);
    tcase_add_test(t, test_v1_comounted_cpu);
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
