/* Pure logic of the runtime: plan validation, the daemon -> shim spec
 * format, user resolution from a fake passwd/group, PATH lookup confined to
 * a temporary root, overlay options, json-file log records and line
 * splitting, the shim protocols, capability sets. */
#include "daemon/runtime/caps.h"
#include "daemon/runtime/logfmt.h"
#include "daemon/runtime/lookup.h"
#include "daemon/runtime/mounts.h"
#include "daemon/runtime/proto.h"
#include "daemon/runtime/seccomp.h"
#include "daemon/runtime/spec.h"
#include "daemon/runtime/user.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void good_plan(struct rt_plan *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->id, ID);
    strv_push(&p->layers, "/var/lib/minidock/image/layers/abc/diff");
    p->rootfs_dir = xstrdup("/var/lib/minidock/overlay/x");
    strv_push(&p->argv, "sh");
    strv_push(&p->env, "PATH=/bin");
    p->exec_dir = xstrdup("/run/minidock/x");
}

static void expect_invalid(struct rt_plan *p, const char *msg)
{
    struct md_error e = {0};
    ck_assert_int_eq(rt_plan_validate(p, &e), -1);
    ck_assert_int_eq(e.err, MD_EINVAL);
    ck_assert_msg(strstr(e.msg, msg), "message \"%s\" lacks \"%s\"", e.msg, msg);
    md_err_clear(&e);
    plan_clear(p);
}

START_TEST(test_plan_validate)
{
    struct rt_plan p;
    good_plan(&p);
    ck_assert_int_eq(rt_plan_validate(&p, NULL), 0);
    plan_clear(&p);
    /* "Foo" without '=' unsets Foo, as in docker; "=x" names nothing */
    good_plan(&p);
    strv_push(&p.env, "Foo");
    ck_assert_int_eq(rt_plan_validate(&p, NULL), 0);
    plan_clear(&p);
    good_plan(&p);
    strv_push(&p.env, "=x");
    expect_invalid(&p, "invalid environment variable \"=x\"");

    good_plan(&p);
    p.id[3] = 'X';
    expect_invalid(&p, "invalid container id");
    good_plan(&p);
    p.layers[0][0] = 'v';
    expect_invalid(&p, "is not absolute");
    good_plan(&p);
    free(p.argv[0]);
    p.argv[0] = xstrdup("");
    expect_invalid(&p, "no command specified");
    good_plan(&p);
    p.limits.memory = 1024;
    expect_invalid(&p, "Minimum memory limit allowed is 6MB");
    good_plan(&p);
    p.limits.memory = 64 << 20;
    p.limits.memory_swap = 32 << 20;
    expect_invalid(&p, "Minimum memoryswap limit should be larger than memory limit");
    good_plan(&p);
    p.cwd = xstrdup("tmp");
    expect_invalid(&p, "it needs to be an absolute path");
    good_plan(&p);
    p.mounts = xcalloc(1, sizeof *p.mounts);
    p.mounts[0] = (struct rt_mount){.source = xstrdup("/src"), .dest = xstrdup("data")};
    p.nmounts = 1;
    expect_invalid(&p, "destination \"data\" is not absolute");
    good_plan(&p);
    free(p.exec_dir);
    p.exec_dir = xstrdup("run/x");
    expect_invalid(&p, "exec dir is not an absolute path");
    good_plan(&p);
    p.cgroup_parent = xstrdup("a/../../b");
    expect_invalid(&p, "invalid cgroup parent");
    good_plan(&p);
    p.netns_path = xstrdup("netns");
    expect_invalid(&p, "not an absolute path");
}
END_TEST

START_TEST(test_spec_roundtrip)
{
    struct rt_spec s = {0};
    good_plan(&s.plan);
    struct rt_plan *p = &s.plan;
    strv_push(&p->layers, "/layers/two");
    strv_push(&p->argv, "-c");
    strv_push(&p->argv, "echo 'a b'\n\\x\tü");
    strv_push(&p->env, "EMPTY=");
    strv_push(&p->argv, "");
    p->cwd = xstrdup("/work dir");
    p->user = xstrdup("");
    strv_push(&p->group_add, "wheel");
    p->hostname = xstrdup("host");
    p->etc_dir = xstrdup("/var/lib/minidock/containers/x");
    p->mounts = xcalloc(3, sizeof *p->mounts);
    p->mounts[0] =
        (struct rt_mount){.source = xstrdup("/src dir"), .dest = xstrdup("/dst"), .readonly = true};
    p->mounts[1] = (struct rt_mount){.source = xstrdup("/a"),
                                     .dest = xstrdup("/b"),
                                     .must_exist = true,
                                     .nonrecursive = true,
                                     .readonly = true,
                                     .ro_mode = RT_RO_FORCE_RECURSIVE,
                                     .propagation = 0x104000};
    p->mounts[2] = (struct rt_mount){.kind = RT_MOUNT_TMPFS,
                                     .dest = xstrdup("/run"),
                                     .flags = 14,
                                     .data = xstrdup("size=64m,mode=1777")};
    p->nmounts = 3;
    p->ulimits = xcalloc(1, sizeof *p->ulimits);
    p->ulimits[0] = (struct rt_ulimit){7, 1024, 4096};
    p->nulimits = 1;
    p->tty = p->open_stdin = p->init = true;
    p->console_h = 24;
    p->console_w = 80;
    p->limits = (struct rt_limits){64 << 20, -1, 1500000000, 512, -1, NULL};
    p->netns_path = xstrdup("host");
    p->pidns_path = xstrdup("/proc/42/ns/pid");
    p->ipcns_path = xstrdup("host");
    p->utsns_path = xstrdup("host");
    p->shm_from = xstrdup("/proc/42/ns/mnt");
    p->shm_size = 1 << 20;
    strv_push(&p->sysctls, "net.ipv4.ip_forward");
    strv_push(&p->sysctls, "1");
    strv_push(&p->sysctls, "kernel.sem");
    strv_push(&p->sysctls, "250 32000 32 128");
    p->devices = xcalloc(1, sizeof *p->devices);
    p->devices[0] =
        (struct rt_device){xstrdup("/dev/null"), xstrdup("/dev/my null"), xstrdup("rw")};
    p->ndevices = 1;
    strv_push(&p->device_rules, "c 1:3 rwm");
    p->oom_score_adj = -500;
    p->log_path = xstrdup("/l.log");
    p->cgroup_parent = xstrdup("/abs");
    p->stop_signal = 15;
    strv_push(&p->cap_add, "NET_ADMIN");
    strv_push(&s.cgroup_dirs, "/sys/fs/cgroup/memory/x");
    strv_push(&s.cgroup_v1, "cpu,cpuacct");
    s.oom_file = xstrdup("/sys/fs/cgroup/memory/x/memory.oom_control");
    s.seccomp_bpf = xstrdup("/run/minidock/seccomp/00000000a80425fb.bpf");

    _cleanup_free_ char *text = spec_format(&s);
    struct rt_spec r;
    struct md_error e = {0};
    ck_assert_msg(spec_parse(text, &r, &e) == 0, "%s", md_err_msg(&e));
    ck_assert_str_eq(r.plan.id, ID);
    ck_assert_uint_eq(strv_len(r.plan.layers), 2);
    ck_assert_str_eq(r.plan.layers[1], "/layers/two");
    ck_assert_str_eq(r.plan.argv[2], "echo 'a b'\n\\x\tü");
    ck_assert_str_eq(r.plan.env[1], "EMPTY=");
    ck_assert_str_eq(r.plan.cwd, "/work dir");
    ck_assert_str_eq(r.plan.user, "");
    ck_assert_uint_eq(strv_len(r.plan.argv), 4);
    ck_assert_str_eq(r.plan.argv[3], "");
    ck_assert_str_eq(r.plan.group_add[0], "wheel");
    ck_assert_uint_eq(r.plan.nmounts, 3);
    ck_assert_str_eq(r.plan.mounts[0].source, "/src dir");
    ck_assert(r.plan.mounts[0].readonly);
    ck_assert(!r.plan.mounts[0].must_exist);
    const struct rt_mount *b = &r.plan.mounts[1];
    ck_assert(b->readonly && b->must_exist && b->nonrecursive);
    ck_assert_int_eq(b->ro_mode, RT_RO_FORCE_RECURSIVE);
    ck_assert_uint_eq(b->propagation, 0x104000);
    const struct rt_mount *t = &r.plan.mounts[2];
    ck_assert_int_eq(t->kind, RT_MOUNT_TMPFS);
    ck_assert_ptr_null(t->source);
    ck_assert_str_eq(t->dest, "/run");
    ck_assert_uint_eq(t->flags, 14);
    ck_assert_str_eq(t->data, "size=64m,mode=1777");
    ck_assert_uint_eq(r.plan.nulimits, 1);
    ck_assert_uint_eq(r.plan.ulimits[0].hard, 4096);
    ck_assert(r.plan.tty && r.plan.open_stdin && r.plan.init && !r.plan.stdin_once);
    ck_assert_uint_eq(r.plan.console_w, 80);
    ck_assert_int_eq(r.plan.limits.memory_swap, -1);
    ck_assert_int_eq(r.plan.limits.nano_cpus, 1500000000);
    ck_assert_int_eq(r.plan.limits.pids_limit, -1);
    ck_assert_str_eq(r.plan.netns_path, "host");
    ck_assert_str_eq(r.plan.pidns_path, "/proc/42/ns/pid");
    ck_assert_str_eq(r.plan.ipcns_path, "host");
    ck_assert_str_eq(r.plan.utsns_path, "host");
    ck_assert_str_eq(r.plan.shm_from, "/proc/42/ns/mnt");
    ck_assert_int_eq(r.plan.shm_size, 1 << 20);
    ck_assert_uint_eq(strv_len(r.plan.sysctls), 4);
    ck_assert_str_eq(r.plan.sysctls[3], "250 32000 32 128");
    ck_assert_uint_eq(r.plan.ndevices, 1);
    ck_assert_str_eq(r.plan.devices[0].dest, "/dev/my null");
    ck_assert_str_eq(r.plan.devices[0].perms, "rw");
    ck_assert_str_eq(r.plan.device_rules[0], "c 1:3 rwm");
    ck_assert_int_eq(r.plan.oom_score_adj, -500);
    ck_assert_int_eq(r.plan.stop_signal, 15);
    ck_assert_str_eq(r.plan.cap_add[0], "NET_ADMIN");
    ck_assert_str_eq(r.cgroup_dirs[0], "/sys/fs/cgroup/memory/x");
    ck_assert_str_eq(r.cgroup_v1[0], "cpu,cpuacct");
    ck_assert_str_eq(r.oom_file, s.oom_file);
    ck_assert_str_eq(r.seccomp_bpf, s.seccomp_bpf);
    ck_assert_str_eq(r.plan.etc_dir, "/var/lib/minidock/containers/x");
    _cleanup_free_ char *again = spec_format(&r);
    ck_assert_str_eq(again, text);
    /* plan_copy is deep */
    struct rt_plan c;
    plan_copy(&c, &r.plan);
    spec_free(&r);
    ck_assert_str_eq(c.mounts[0].dest, "/dst");
    ck_assert_str_eq(c.mounts[2].data, "size=64m,mode=1777");
    plan_clear(&c);
    spec_free(&s);
}
END_TEST

START_TEST(test_spec_errors)
{
    struct rt_spec r;
    struct md_error e = {0};
    ck_assert_int_eq(spec_parse("minidock-spec 1\nid x\n", &r, &e), -1);
    ck_assert_str_eq(e.msg, "spec: truncated (no end line)");
    ck_assert_int_eq(spec_parse("minidock-spec 2\nend\n", &r, &e), -1);
    ck_assert_str_eq(e.msg, "spec line 1: bad \"minidock-spec\" entry");
    ck_assert_int_eq(spec_parse("minidock-spec 1\nbogus 1\nend\n", &r, &e), -1);
    ck_assert_str_eq(e.msg, "spec line 2: bad \"bogus\" entry");
    ck_assert_int_eq(spec_parse("minidock-spec 1\nbind /a /b maybe\nend\n", &r, &e), -1);
    ck_assert_int_eq(spec_parse("minidock-spec 1\narg bad\\x0\nend\n", &r, &e), -1);
    ck_assert_str_eq(e.msg, "spec line 2: malformed");
    md_err_clear(&e);
}
END_TEST

START_TEST(test_escape)
{
    const char *s = "a b\\c\n\x01\x7f\xc3\xa9";
    _cleanup_free_ char *x = util_escape(s);
    ck_assert_str_eq(x, "a\\x20b\\x5cc\\x0a\\x01\\x7f\\xc3\\xa9");
    _cleanup_free_ char *u = util_unescape(x);
    ck_assert_str_eq(u, s);
    _cleanup_free_ char *empty = util_escape("");
    ck_assert_str_eq(empty, "\\e");
    _cleanup_free_ char *empty2 = util_unescape(empty);
    ck_assert_str_eq(empty2, "");
    ck_assert_ptr_null(util_unescape("bad\\q"));
    ck_assert_ptr_null(util_unescape("nul\\x00"));
}
END_TEST

static const char *PASSWD = "root:x:0:0:root:/root:/bin/sh\n"
                            "# comment\n"
                            "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                            "alice:x:1001:1001::/home/alice:/bin/sh\n"
                            "broken:x:notanumber:1:::\n";
static const char *GROUP = "root:x:0:\nwheel:x:10:alice,bob\nstaff:x:50:bob,alice\n"
                           "nogroup:x:65534:\nalice:x:1001:\n";

static int resolve_in(const char *passwd, const char *spec, char *const *add, struct rt_user *u,
                      struct md_error *e)
{
    FILE *pw = fmemopen((void *)passwd, strlen(passwd), "r");
    FILE *gr = fmemopen((void *)GROUP, strlen(GROUP), "r");
    int r = user_resolve(pw, gr, spec, add, u, e);
    fclose(pw);
    fclose(gr);
    return r;
}

static int resolve(const char *spec, char *const *add, struct rt_user *u, struct md_error *e)
{
    return resolve_in(PASSWD, spec, add, u, e);
}

START_TEST(test_user_resolve)
{
    struct rt_user u;
    struct md_error e = {0};
    ck_assert_int_eq(resolve("", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 0);
    ck_assert_uint_eq(u.gid, 0);
    ck_assert_str_eq(u.home, "/root");
    user_free(&u);

    ck_assert_int_eq(resolve("nobody", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 65534);
    ck_assert_uint_eq(u.gid, 65534);
    ck_assert_str_eq(u.home, "/nonexistent");
    ck_assert_uint_eq(u.ngroups, 1); /* the primary group */
    ck_assert_uint_eq(u.groups[0], 65534);
    user_free(&u);

    /* a uid with no passwd entry is fine, like docker: gid 0, home / */
    ck_assert_int_eq(resolve("4242", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 4242);
    ck_assert_uint_eq(u.gid, 0);
    ck_assert_str_eq(u.home, "/");
    user_free(&u);

    ck_assert_int_eq(resolve("1001", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.gid, 1001);
    ck_assert_str_eq(u.home, "/home/alice");
    /* the primary group, then wheel and staff */
    ck_assert_uint_eq(u.ngroups, 3);
    ck_assert_uint_eq(u.groups[0], 1001);
    ck_assert_uint_eq(u.groups[1], 10);
    ck_assert_uint_eq(u.groups[2], 50);
    user_free(&u);

    ck_assert_int_eq(resolve("alice:nogroup", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 1001);
    ck_assert_uint_eq(u.gid, 65534);
    ck_assert_uint_eq(u.ngroups, 1); /* an explicit group replaces the memberships */
    ck_assert_uint_eq(u.groups[0], 65534);
    user_free(&u);

    ck_assert_int_eq(resolve("5:7", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 5);
    ck_assert_uint_eq(u.gid, 7);
    user_free(&u);

    char *add[] = {"wheel", "123", NULL};
    ck_assert_int_eq(resolve("nobody", add, &u, &e), 0);
    ck_assert_uint_eq(u.ngroups, 3);
    ck_assert_uint_eq(u.groups[1], 10);
    ck_assert_uint_eq(u.groups[2], 123);
    user_free(&u);

    ck_assert_int_eq(resolve("nosuch", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find user nosuch: no matching entries in passwd file");
    ck_assert_int_eq(resolve("root:nosuch", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find group nosuch: no matching entries in group file");
    ck_assert_int_eq(resolve("99999999999", NULL, &u, &e), -1);
    ck_assert_int_eq(e.err, EINVAL);
    md_err_clear(&e);

    /* no passwd file at all: numeric still works, names do not */
    ck_assert_int_eq(user_resolve(NULL, NULL, "1000:1000", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.gid, 1000);
    user_free(&u);
    ck_assert_int_eq(user_resolve(NULL, NULL, "root", NULL, &u, &e), -1);
    md_err_clear(&e);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* A container's tree read safely (issue 14): what is not a regular file
 * of sane size is an error naming it, never a hang; links stay inside. */
START_TEST(test_user_resolve_in_a_tree)
{
    char dir[] = "/tmp/md-user-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    _cleanup_free_ char *etc = xasprintf("%s/etc", dir);
    ck_assert_int_eq(mkdir(etc, 0755), 0);
    put(etc, "passwd", "alice:x:1001:1001::/home/alice:/bin/sh\n");
    put(etc, "group", "staff:x:50:alice\n");
    int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(root, 0);
    struct rt_user u;
    struct md_error e = {0};
    ck_assert_msg(user_resolve_in(root, "alice", NULL, &u, &e) == 0, "%s", md_err_msg(&e));
    ck_assert_uint_eq(u.uid, 1001);
    ck_assert_uint_eq(u.ngroups, 2); /* 1001 and staff */
    user_free(&u);

    /* a FIFO: no hang, an error for names, numeric ids still work */
    _cleanup_free_ char *pw = xasprintf("%s/passwd", etc);
    _cleanup_free_ char *gr = xasprintf("%s/group", etc);
    ck_assert_int_eq(unlink(pw), 0);
    ck_assert_int_eq(mkfifo(pw, 0644), 0);
    ck_assert_int_eq(user_resolve_in(root, "alice", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find user alice: /etc/passwd is not a regular file");
    md_err_clear(&e);
    ck_assert_int_eq(user_resolve_in(root, "1001:staff", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.gid, 50);
    user_free(&u);

    /* a symlink out of the tree resolves inside it (here: to nothing) */
    ck_assert_int_eq(unlink(pw), 0);
    ck_assert_int_eq(symlink("../../../../../nonexistent", pw), 0);
    ck_assert_int_eq(user_resolve_in(root, "root", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find user root: no matching entries in passwd file");
    md_err_clear(&e);

    /* a group file over the cap */
    FILE *f = fopen(gr, "w");
    ck_assert_ptr_nonnull(f);
    for (unsigned i = 0; i < USER_DB_MAX / 16 + 1; i++)
        fputs("nogroup:x:65534:\n", f);
    fclose(f);
    ck_assert_int_eq(user_resolve_in(root, "0:staff", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find group staff: /etc/group is larger than 4 MiB");
    md_err_clear(&e);
    char *add[] = {"staff", NULL};
    ck_assert_int_eq(user_resolve_in(root, "0", add, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find group staff: /etc/group is larger than 4 MiB");
    md_err_clear(&e);
    close(root);
    fs_rm_rf(dir, NULL);
}
END_TEST

START_TEST(test_open_regular_at)
{
    char dir[] = "/tmp/md-reg-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    put(dir, "f", "x");
    _cleanup_free_ char *fifo = xasprintf("%s/p", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    struct stat st;
    ck_assert_int_eq(fstatat(d, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
    int fd = fs_open_regular_at(d, "f", &st);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(fs_open_regular_at(d, "p", NULL), -1); /* at once, no hang */
    ck_assert_int_eq(errno, EINVAL);
    /* replaced since the lstat */
    put(dir, "g", "y");
    ck_assert_int_eq(renameat(d, "g", d, "f"), 0);
    ck_assert_int_eq(fs_open_regular_at(d, "f", &st), -1);
    ck_assert_int_eq(errno, ESTALE);
    close(d);
    fs_rm_rf(dir, NULL);
}
END_TEST

/* Short lines (bug 8): the fields a line lacks are empty, never whatever the
 * previous line left in the field array. "daemon" follows a full line, so
 * a stale pointer would show up as its home "/root"; "first" comes before
 * any other line. A line without a gid names no usable user. */
static const char *SHORT_PASSWD = "first:x:3:3\n"
                                  "root:x:0:0:root:/root:/bin/sh\n"
                                  "daemon:x:1:1\n"
                                  "broken:x:5\n"
                                  "app:x:1000:1000::/home/app:/bin/sh\n";

START_TEST(test_user_short_lines)
{
    struct rt_user u;
    struct md_error e = {0};
    ck_assert_int_eq(resolve_in(SHORT_PASSWD, "first", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 3);
    ck_assert_str_eq(u.home, "/");
    user_free(&u);

    ck_assert_int_eq(resolve_in(SHORT_PASSWD, "daemon", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 1);
    ck_assert_uint_eq(u.gid, 1);
    ck_assert_str_eq(u.home, "/");
    user_free(&u);

    ck_assert_int_eq(resolve_in(SHORT_PASSWD, "app", NULL, &u, &e), 0);
    ck_assert_uint_eq(u.uid, 1000);
    ck_assert_str_eq(u.home, "/home/app");
    user_free(&u);

    ck_assert_int_eq(resolve_in(SHORT_PASSWD, "broken", NULL, &u, &e), -1);
    ck_assert_str_eq(e.msg, "unable to find user broken: no matching entries in passwd file");
    md_err_clear(&e);
}
END_TEST

static char root[64];

static void mkroot(void)
{
    strcpy(root, "/tmp/mdlookup.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    char p[256];
    snprintf(p, sizeof p, "%s/bin", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/usr", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/usr/bin", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/usr/bin/adir", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/bin/sh", root);
    close(open(p, O_CREAT | O_WRONLY, 0755));
    snprintf(p, sizeof p, "%s/usr/bin/noexec", root);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    /* absolute and escaping symlinks stay inside the root */
    snprintf(p, sizeof p, "%s/bin/abs", root);
    ck_assert_int_eq(symlink("/bin/sh", p), 0);
    snprintf(p, sizeof p, "%s/bin/escape", root);
    ck_assert_int_eq(symlink("../../../../../../bin/true", p), 0);
}

START_TEST(test_lookup)
{
    mkroot();
    int fd = open(root, O_PATH | O_DIRECTORY);
    ck_assert_int_ge(fd, 0);
    char *out = NULL;
    struct md_error e = {0};
    ck_assert_int_eq(rt_lookup_path(fd, "/", "sh", "/usr/bin:/bin", &out, &e), 0);
    ck_assert_str_eq(out, "/bin/sh");
    free(out);
    ck_assert_int_eq(rt_lookup_path(fd, "/", "abs", NULL, &out, &e), 0);
    ck_assert_str_eq(out, "/bin/abs");
    free(out);
    ck_assert_int_eq(rt_lookup_path(fd, "/", "nosuch", "/usr/bin:/bin", &out, &e), -1);
    ck_assert_int_eq(e.err, ENOENT);
    ck_assert_str_eq(e.msg, "exec: \"nosuch\": executable file not found in $PATH");
    ck_assert_int_eq(rt_exec_error_code(e.err), 127);
    /* not executable or a directory: skipped in $PATH, refused by path */
    ck_assert_int_eq(rt_lookup_path(fd, "/", "noexec", "/usr/bin", &out, &e), -1);
    ck_assert_int_eq(e.err, ENOENT);
    ck_assert_int_eq(rt_lookup_path(fd, "/", "adir", "/usr/bin", &out, &e), -1);
    ck_assert_int_eq(rt_lookup_path(fd, "/", "/usr/bin/noexec", NULL, &out, &e), -1);
    ck_assert_int_eq(e.err, EACCES);
    ck_assert_str_eq(e.msg, "exec: \"/usr/bin/noexec\": permission denied");
    ck_assert_int_eq(rt_exec_error_code(e.err), 126);
    ck_assert_int_eq(rt_lookup_path(fd, "/", "/nope", NULL, &out, &e), -1);
    ck_assert_str_eq(e.msg, "exec: \"/nope\": stat /nope: no such file or directory");
    /* ../ out of the root resolves to the root: the host's /bin/true is not found */
    ck_assert_int_eq(rt_lookup_path(fd, "/", "escape", "/bin", &out, &e), -1);
    /* relative names resolve against the working directory */
    ck_assert_int_eq(rt_lookup_path(fd, "/usr", "../bin/sh", NULL, &out, &e), 0);
    ck_assert_str_eq(out, "../bin/sh");
    free(out);
    ck_assert_int_eq(rt_lookup_path(fd, "/bin", "sh", "", &out, &e), 0);
    ck_assert_str_eq(out, "./sh");
    free(out);
    md_err_clear(&e);
    close(fd);
    fs_rm_rf(root, NULL);
}
END_TEST

START_TEST(test_open_in_root)
{
    mkroot();
    int fd = open(root, O_PATH | O_DIRECTORY);
    struct md_error e = {0};
    /* an absolute symlink is followed inside the root, not on the host */
    char p[256];
    snprintf(p, sizeof p, "%s/etc", root);
    ck_assert_int_eq(symlink("/../../real-etc", p), 0);
    snprintf(p, sizeof p, "%s/real-etc", root);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    int t = mnt_open_in_root(fd, "/etc/hostname", false, true, &e);
    ck_assert_msg(t >= 0, "%s", md_err_msg(&e));
    close(t);
    snprintf(p, sizeof p, "%s/real-etc/hostname", root);
    ck_assert_int_eq(access(p, F_OK), 0);
    ck_assert_int_ne(access("/real-etc", F_OK), 0);
    /* a dangling one is an error, and nothing is created anywhere */
    snprintf(p, sizeof p, "%s/dangling", root);
    ck_assert_int_eq(symlink("/../../mdtest-nowhere", p), 0);
    ck_assert_int_eq(mnt_open_in_root(fd, "/dangling/x", false, true, &e), -1);
    ck_assert_int_ne(access("/mdtest-nowhere", F_OK), 0);
    t = mnt_open_in_root(fd, "/a/b/c", true, true, &e);
    ck_assert_int_ge(t, 0);
    close(t);
    snprintf(p, sizeof p, "%s/a/b/c", root);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(mnt_open_in_root(fd, "/missing", true, false, &e), -1);
    md_err_clear(&e);
    close(fd);
    fs_rm_rf(root, NULL);
}
END_TEST

START_TEST(test_overlay_options)
{
    char *layers[] = {"/l/top", "/l/mid", "/l/base", NULL};
    _cleanup_free_ char *o = mnt_overlay_options(layers, "/c/upper", "/c/work", false, false);
    ck_assert_str_eq(o, "lowerdir=/l/top:/l/mid:/l/base,upperdir=/c/upper,workdir=/c/work");
    _cleanup_free_ char *o2 = mnt_overlay_options(layers, "/u", "/w", true, false);
    ck_assert_str_eq(o2, "lowerdir=/l/top:/l/mid:/l/base,upperdir=/u,workdir=/w,index=off");
    _cleanup_free_ char *o3 = mnt_overlay_options(layers, "/u", "/w", true, true);
    ck_assert_str_eq(o3,
                     "lowerdir=/l/top:/l/mid:/l/base,upperdir=/u,workdir=/w,index=off,volatile");
    char **many = NULL;
    for (int i = 0; i < 100; i++) {
        _cleanup_free_ char *l =
            xasprintf("/var/lib/minidock/image/layers/%064d/diff", i); /* ~100 bytes each */
        strv_push(&many, l);
    }
    ck_assert_ptr_null(mnt_overlay_options(many, "/u", "/w", false, false)); /* > one page */
    strv_free(many);
}
END_TEST

START_TEST(test_logfmt_json)
{
    const int64_t ns = 1704067200123456789LL; /* 2024-01-01T00:00:00.123456789Z */
    size_t n;
    _cleanup_free_ char *a = logfmt_json("hi\n", 3, "stdout", ns, &n);
    ck_assert_str_eq(a, "{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":"
                        "\"2024-01-01T00:00:00.123456789Z\"}\n");
    ck_assert_uint_eq(n, strlen(a));
    const char raw[] = "<a>&\"\\\t\r\x01\xff\xc3\xa9\xe2\x80\xa8";
    _cleanup_free_ char *b =
        logfmt_json(raw, sizeof raw - 1, "stderr", 1704067200000000000LL, NULL);
    /* a tab is \u0009 in moby's jsonlog (it has no short form for it);
     * the time is Go's RFC3339Nano: no fraction when it is zero */
    ck_assert_str_eq(b,
                     "{\"log\":\"\\u003ca\\u003e\\u0026\\\"\\\\\\u0009\\r\\u0001\\ufffdé\\u2028\","
                     "\"stream\":\"stderr\",\"time\":\"2024-01-01T00:00:00Z\"}\n");
    /* trailing zeros of the fraction go, as in docker's own files */
    _cleanup_free_ char *c = logfmt_json("x", 1, "stdout", 1704067200120000000LL, NULL);
    ck_assert_str_eq(c, "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":"
                        "\"2024-01-01T00:00:00.12Z\"}\n");
    /* --log-opt labels/env/tag: attrs between stream and time, as moby */
    char out[256], t[40];
    struct logfmt_clock clk = {0};
    size_t tl = logfmt_time(&clk, 1704067200000000000LL, t);
    const char *attrs = "{\"tag\":\"web\"}";
    size_t len = logfmt_json_into(out, "x\n", 2, "stdout", attrs, t, tl);
    out[len] = 0;
    ck_assert_str_eq(out, "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"attrs\":{\"tag\":\"web\"},"
                          "\"time\":\"2024-01-01T00:00:00Z\"}\n");
}
END_TEST

/* The encoder's runs (one memcpy, doubling) against a byte-at-a-time
 * reference built from single-byte records. */
START_TEST(test_logfmt_runs)
{
    static const char pre[] = "{\"log\":\"",
                      post[] = "\",\"stream\":\"stdout\",\"time\":\"2024-01-01T00:00:00Z\"}\n";
    const int64_t ns = 1704067200000000000LL;
    unsigned char data[3000];
    size_t len = 0;
    for (int k = 0; k < 1000; k++)
        data[len++] = 0; /* a long run of one escape */
    for (int k = 0; k < 7; k++)
        data[len++] = '<';
    memcpy(data + len, "plain text\xc3\xa9", 12);
    len += 12;
    for (int k = 0; k < 33; k++)
        data[len++] = 0xff; /* never valid UTF-8: a run of U+FFFD */
    data[len++] = '\n';
    for (int k = 0; k < 5; k++)
        data[len++] = '\n';
    data[len++] = 0xc3; /* a lead byte without its continuation */
    data[len++] = 'x';
    struct strbuf want = STRBUF_INIT;
    sb_add(&want, pre);
    for (size_t i = 0; i < len; i++) {
        size_t take = data[i] == 0xc3 && i + 1 < len && data[i + 1] == 0xa9 ? 2 : 1;
        _cleanup_free_ char *one = logfmt_json((const char *)data + i, take, "stdout", ns, NULL);
        size_t body = strlen(one) - strlen(pre) - strlen(post);
        sb_addn(&want, one + strlen(pre), body);
        i += take - 1;
    }
    sb_add(&want, post);
    _cleanup_free_ char *got = logfmt_json((const char *)data, len, "stdout", ns, NULL);
    ck_assert_str_eq(got, want.s);
    sb_free(&want);
}
END_TEST

struct lines {
    char got[8][64];
    size_t lens[8];
    int64_t ns[8];
    int n;
};

static void collect(const char *line, size_t len, int64_t ns, void *arg)
{
    struct lines *l = arg;
    ck_assert_int_lt(l->n, 8);
    l->lens[l->n] = len;
    l->ns[l->n] = ns;
    snprintf(l->got[l->n], sizeof l->got[0], "%.*s", (int)(len < 60 ? len : 60), line);
    l->n++;
}

static int64_t fake_now_v;
static int64_t fake_now(void)
{
    return ++fake_now_v;
}

START_TEST(test_logfmt_lines)
{
    struct logfmt_lines lb = {0};
    struct lines l = {0};
    logfmt_feed(&lb, "a\nb", 3, fake_now, collect, &l);
    ck_assert_int_eq(l.n, 1);
    ck_assert_str_eq(l.got[0], "a\n");
    logfmt_feed(&lb, "c\n\nd", 4, fake_now, collect, &l);
    ck_assert_int_eq(l.n, 3);
    ck_assert_str_eq(l.got[1], "bc\n");
    ck_assert_str_eq(l.got[2], "\n");
    ck_assert(l.ns[0] < l.ns[1] && l.ns[1] < l.ns[2]); /* whole lines: their own time */
    logfmt_flush(&lb, fake_now, collect, &l);
    ck_assert_int_eq(l.n, 4);
    ck_assert_str_eq(l.got[3], "d");
    /* a 40000-byte line is split at 16 KiB like docker's partial messages,
     * and every part has the time of the first one, as docker's copier */
    char *big = xmalloc(40001);
    memset(big, 'x', 40000);
    big[40000] = '\n';
    logfmt_feed(&lb, big, 100, fake_now, collect, &l);
    logfmt_feed(&lb, big + 100, 39901, fake_now, collect, &l);
    ck_assert_int_eq(l.n, 7);
    ck_assert_uint_eq(l.lens[4], LOGFMT_MAX_LINE);
    ck_assert_uint_eq(l.lens[5], LOGFMT_MAX_LINE);
    ck_assert_uint_eq(l.lens[6], 40001 - 2 * LOGFMT_MAX_LINE);
    ck_assert(l.ns[4] == l.ns[5] && l.ns[5] == l.ns[6]);
    /* the next line is on its own again */
    int64_t split_ns = l.ns[6];
    l.n = 0;
    logfmt_feed(&lb, "y\n", 2, fake_now, collect, &l);
    ck_assert(l.ns[0] > split_ns && lb.partial_ns == 0);
    free(big);
    logfmt_lines_free(&lb);
}
END_TEST

START_TEST(test_logfmt_time)
{
    struct logfmt_clock c = {0};
    char t[40];
    ck_assert_uint_eq(logfmt_time(&c, 1704067200123456789LL, t), 30);
    ck_assert_str_eq(t, "2024-01-01T00:00:00.123456789Z");
    logfmt_time(&c, 1704067200100000000LL, t);
    ck_assert_str_eq(t, "2024-01-01T00:00:00.1Z");
    logfmt_time(&c, 1704067261000000010LL, t); /* another second, another minute */
    ck_assert_str_eq(t, "2024-01-01T00:01:01.00000001Z");
    logfmt_time(&c, 1704067261000000000LL, t);
    ck_assert_str_eq(t, "2024-01-01T00:01:01Z");
}
END_TEST

START_TEST(test_proto)
{
    struct proto_cmd c;
    ck_assert_int_eq(proto_parse("attach 1 0 1", &c), 0);
    ck_assert(c.kind == PROTO_ATTACH && c.in && !c.out && c.err);
    ck_assert_int_eq(proto_parse("resize 24 80", &c), 0);
    ck_assert(c.kind == PROTO_RESIZE && c.h == 24 && c.w == 80);
    ck_assert_int_eq(proto_parse("go", &c), 0);
    ck_assert(c.kind == PROTO_GO);
    ck_assert_int_eq(proto_parse("attach 2 0 0", &c), -1);
    ck_assert_int_eq(proto_parse("attach 1 1", &c), -1);
    ck_assert_int_eq(proto_parse("resize -1 80", &c), -1);
    ck_assert_int_eq(proto_parse("resize 70000 1", &c), -1);
    ck_assert_int_eq(proto_parse("go now", &c), -1);
    const char *id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    _cleanup_free_ char *ex = xasprintf("exec %s", id);
    ck_assert_int_eq(proto_parse(ex, &c), 0);
    ck_assert_int_eq(c.kind, PROTO_EXEC);
    ck_assert_str_eq(c.id, id);
    ck_assert_int_eq(proto_parse("exec ../../etc", &c), -1);
    ck_assert_int_eq(
        proto_parse("exec 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", &c),
        -1);
    ck_assert_int_eq(proto_parse("exec", &c), -1);
    ck_assert_int_eq(proto_parse("", &c), -1);
    struct md_error e = {0};
    ck_assert_int_eq(proto_reply_to_error("ok", &e), 0);
    ck_assert_int_eq(
        proto_reply_to_error("err 2 exec: \"x\": executable file not found in $PATH", &e), -1);
    ck_assert_int_eq(e.err, 2);
    ck_assert_str_eq(e.msg, "exec: \"x\": executable file not found in $PATH");
    ck_assert_int_eq(proto_reply_to_error("what", &e), -1);
    ck_assert_int_eq(e.err, EPROTO);
    md_err_clear(&e);
}
END_TEST

START_TEST(test_sync_messages)
{
    int sp[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
    int devnull = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(sync_send(sp[0], SYNC_ERROR, EACCES, "mount proc on /proc: denied", -1), 0);
    ck_assert_int_eq(sync_send(sp[0], SYNC_READY, 0, NULL, devnull), 0);
    close(sp[0]);
    char type;
    int err, fd;
    char *msg;
    ck_assert_int_eq(sync_recv(sp[1], &type, &err, &msg, &fd), 1);
    ck_assert(type == SYNC_ERROR && err == EACCES && fd == -1);
    ck_assert_str_eq(msg, "mount proc on /proc: denied");
    free(msg);
    ck_assert_int_eq(sync_recv(sp[1], &type, &err, &msg, &fd), 1);
    ck_assert(type == SYNC_READY && fd >= 0 && fd != devnull);
    ck_assert_str_eq(msg, "");
    free(msg);
    close(fd);
    ck_assert_int_eq(sync_recv(sp[1], &type, &err, &msg, &fd), 0); /* EOF */
    close(sp[1]);
    close(devnull);
}
END_TEST

#define BIT(c) (1ULL << (c))

static bool prctl_has_net_admin(void)
{
    return prctl(PR_CAPBSET_READ, CAP_NET_ADMIN, 0, 0, 0) == 1;
}

START_TEST(test_caps)
{
    uint64_t d = caps_default();
    ck_assert(d & BIT(CAP_CHOWN));
    ck_assert(d & BIT(CAP_AUDIT_WRITE));
    ck_assert(!(d & BIT(CAP_SYS_ADMIN)));
    ck_assert(!(d & BIT(CAP_NET_ADMIN)));
    ck_assert_int_eq(__builtin_popcountll(d), 14);
    ck_assert_int_eq(caps_from_name("net_admin"), CAP_NET_ADMIN);
    ck_assert_int_eq(caps_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
    ck_assert_int_eq(caps_from_name("NOPE"), -1);
    uint64_t m;
    char *add[] = {"NET_ADMIN", NULL}, *drop[] = {"chown", "CAP_KILL", NULL};
    ck_assert_int_eq(caps_compute(false, add, drop, &m, NULL), 0);
    /* whatever our bounding set holds; a test runner normally has them all */
    if (prctl_has_net_admin())
        ck_assert(m & BIT(CAP_NET_ADMIN));
    ck_assert(!(m & BIT(CAP_CHOWN)));
    ck_assert(!(m & BIT(CAP_KILL)));
    char *all[] = {"ALL", NULL}, *nbs[] = {"NET_BIND_SERVICE", NULL};
    ck_assert_int_eq(caps_compute(false, nbs, all, &m, NULL), 0);
    ck_assert_uint_eq(m & ~BIT(CAP_NET_BIND_SERVICE), 0);
    struct md_error e = {0};
    char *bad[] = {"FOO", NULL};
    ck_assert_int_eq(caps_compute(false, bad, NULL, &m, &e), -1);
    ck_assert_str_eq(e.msg, "unknown capability: \"FOO\"");
    md_err_clear(&e);
}
END_TEST

/* The daemon's filter cache holds what a fresh compile gives, and an
 * entry, once there, is used as it is. */
START_TEST(test_seccomp_cache)
{
    char dir[] = "/tmp/md-seccomp-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    uint64_t caps = caps_default();
    _cleanup_free_ char *path = xasprintf("%s/%016llx.bpf", dir, (unsigned long long)caps);
    struct md_error e = {0};
    ck_assert_msg(seccomp_export_cached(path, caps, &e) == 0, "%s", md_err_msg(&e));
    size_t n = 0, m = 0;
    _cleanup_free_ char *cached = fs_read_file(path, &n);
    ck_assert_ptr_nonnull(cached);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_eq(n % 8, 0); /* struct sock_filter */
    _cleanup_free_ char *fresh_path = xasprintf("%s/fresh", dir);
    int fd = open(fresh_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(seccomp_export_default(caps, fd, &e), 0);
    close(fd);
    _cleanup_free_ char *fresh = fs_read_file(fresh_path, &m);
    ck_assert_uint_eq(n, m);
    ck_assert(memcmp(cached, fresh, n) == 0);
    /* another capability set, another program */
    fd = open(fresh_path, O_WRONLY | O_TRUNC);
    ck_assert_int_eq(seccomp_export_default(caps | BIT(CAP_SYS_ADMIN), fd, &e), 0);
    close(fd);
    _cleanup_free_ char *admin = fs_read_file(fresh_path, &m);
    ck_assert(m != n || memcmp(cached, admin, n) != 0);
    /* an entry already there is not rewritten, and no temporary is left */
    struct stat a, b;
    ck_assert_int_eq(stat(path, &a), 0);
    ck_assert_int_eq(seccomp_export_cached(path, caps, &e), 0);
    ck_assert_int_eq(stat(path, &b), 0);
    ck_assert_uint_eq(a.st_ino, b.st_ino);
    ck_assert_int_eq(fs_rm_rf(fresh_path, NULL), 0);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0); /* empty: nothing else was written */
    /* an unwritable place is an error, not a crash */
    ck_assert_int_eq(seccomp_export_cached("/nonexistent-dir/x.bpf", caps, &e), -1);
    ck_assert_ptr_nonnull(strstr(md_err_msg(&e), "seccomp filter cache"));
    md_err_clear(&e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *t = tcase_create("core");
    tcase_add_test(t, test_plan_validate);
    tcase_add_test(t, test_spec_roundtrip);
    tcase_add_test(t, test_spec_errors);
    tcase_add_test(t, test_escape);
    tcase_add_test(t, test_user_resolve);
    tcase_add_test(t, test_user_resolve_in_a_tree);
    tcase_add_test(t, test_open_regular_at);
    tcase_add_test(t, test_user_short_lines);
    tcase_add_test(t, test_lookup);
    tcase_add_test(t, test_open_in_root);
    tcase_add_test(t, test_overlay_options);
    tcase_add_test(t, test_logfmt_json);
    tcase_add_test(t, test_logfmt_lines);
    tcase_add_test(t, test_proto);
    tcase_add_test(t, test_logfmt_runs);
    tcase_add_test(t, test_logfmt_time);
    tcase_add_test(t, test_sync_messages);
    tcase_add_test(t, test_caps);
    tcase_add_test(t, test_seccomp_cache);
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
