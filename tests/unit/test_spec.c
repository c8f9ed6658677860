/* The typed container spec: parsed once from a create request (docker's
 * checks and messages), copied and freed by its tables, and re-parsed from
 * records on disk, including those an earlier version wrote. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "daemon/daemon.h"
#include "daemon/state/container.h"
#include "daemon/state/ctr_spec.h"

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

static struct ctr_spec *build(const char *cfg_text, const char *hc_text, const char *net_text)
{
    _cleanup_json_ json_t *cfg = J(cfg_text);
    _cleanup_json_ json_t *hc = J(hc_text);
    _cleanup_json_ json_t *net = net_text ? J(net_text) : NULL;
    _cleanup_json_ json_t *img = J("{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],"
                                   "\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGQUIT\"}");
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    ck_assert_msg(ctr_spec_build(cfg, hc, net, img, ID, &s, &err) == 0, "%s", md_err_msg(&err));
    return s;
}

static const char *error_of(const char *cfg_text, const char *hc_text)
{
    static char buf[512];
    json_t *cfg = J(cfg_text);
    json_t *hc = J(hc_text);
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    int r = ctr_spec_build(cfg, hc, NULL, NULL, ID, &s, &err);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "ok" : err.msg);
    if (r < 0)
        ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    ctr_spec_free(s);
    json_decref(cfg);
    json_decref(hc);
    return buf;
}

static const char FULL_CFG[] =
    "{\"Image\":\"busybox\",\"Entrypoint\":[\"/init\"],\"Cmd\":[\"-v\"],\"Env\":[\"A=1\"],"
    "\"User\":\"nobody\",\"WorkingDir\":\"/srv\",\"Domainname\":\"example.org\","
    "\"Labels\":{\"app\":\"web\"},\"Tty\":true,\"OpenStdin\":true,\"StopTimeout\":3,"
    "\"ExposedPorts\":{\"53/udp\":{}},"
    "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":1000000000,\"Retries\":3}}";
static const char FULL_HC[] =
    "{\"Binds\":[\"/srv/data/:/data:ro,z\",\"/tmp:/t\"],"
    "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}],"
    "\"53/udp\":[{\"HostPort\":\"\"}]},\"PublishAllPorts\":true,"
    "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":4},"
    "\"NetworkMode\":\"mynet\",\"Memory\":67108864,\"NanoCpus\":500000000,"
    "\"CpuShares\":512,\"CpuQuota\":50000,\"CpuPeriod\":100000,\"CpusetCpus\":\"0\","
    "\"PidsLimit\":64,\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200}],"
    "\"Privileged\":false,\"CapAdd\":[\"NET_ADMIN\"],\"CapDrop\":[\"MKNOD\"],"
    "\"ReadonlyRootfs\":true,\"SecurityOpt\":[\"no-new-privileges\"],\"Init\":true,"
    "\"GroupAdd\":[\"audio\"],\"ConsoleSize\":[24,80],"
    "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"max-size\":\"1m\"}}}";
static const char FULL_NET[] = "{\"EndpointsConfig\":{\"mynet\":{\"Aliases\":[\"db\"],"
                               "\"IPAMConfig\":{\"IPv4Address\":\"10.5.0.9\"}}}}";

static void check_full(const struct ctr_spec *s)
{
    /* process: the request's entrypoint drops the image's Cmd, keeps its args */
    ck_assert_str_eq(s->argv[0], "/init");
    ck_assert_str_eq(s->argv[1], "-v");
    ck_assert_ptr_null(s->argv[2]);
    ck_assert_str_eq(s->env[0], "PATH=/bin");
    ck_assert_str_eq(s->env[1], "A=1");
    ck_assert_str_eq(s->user, "nobody");
    ck_assert_str_eq(s->workdir, "/srv");
    ck_assert_str_eq(s->hostname, "0123456789ab");
    ck_assert_str_eq(s->domainname, "example.org");
    ck_assert_str_eq(ctr_spec_label(s, "app"), "web");
    ck_assert(s->tty && s->open_stdin && !s->stdin_once && s->init);
    ck_assert_str_eq(s->group_add[0], "audio");
    ck_assert_int_eq(s->console_h, 24);
    ck_assert_int_eq(s->console_w, 80);
    ck_assert_ptr_nonnull(s->healthcheck);
    ck_assert_str_eq(s->healthcheck->test[1], "true");
    ck_assert_int_eq(s->healthcheck->interval, 1000000000);
    ck_assert_int_eq(s->healthcheck->retries, 3);
    /* mounts: parsed once, cleaned, with the mode inspect shows */
    ck_assert_uint_eq(s->nmounts, 2);
    ck_assert_int_eq(s->mounts[0].type, CTR_MOUNT_BIND);
    ck_assert_str_eq(s->mounts[0].source, "/srv/data");
    ck_assert_str_eq(s->mounts[0].target, "/data");
    ck_assert_str_eq(s->mounts[0].mode, "ro,z");
    ck_assert_str_eq(s->mounts[0].propagation, "rprivate");
    ck_assert(s->mounts[0].readonly);
    ck_assert(!s->mounts[1].readonly);
    ck_assert_str_eq(s->mounts[1].mode, "");
    ck_assert(s->readonly_rootfs);
    /* ports: the image's 80/tcp merged with the request's 53/udp */
    ck_assert_uint_eq(s->nexposed, 2);
    ck_assert_uint_eq(s->nbindings, 2);
    bool saw80 = false, saw53 = false;
    for (size_t i = 0; i < s->nbindings; i++) {
        const struct port_map *m = &s->bindings[i];
        if (m->ctr_port == 80) {
            saw80 = true;
            ck_assert_str_eq(m->proto, "tcp");
            ck_assert_str_eq(m->host_ip, "127.0.0.1");
            ck_assert_str_eq(m->host_port, "8080");
        } else {
            saw53 = m->ctr_port == 53 && !strcmp(m->proto, "udp") && !*m->host_port;
        }
    }
    ck_assert(saw80 && saw53);
    ck_assert(s->publish_all);
    ck_assert_str_eq(s->network_mode, "mynet");
    ck_assert_str_eq(s->aliases[0], "db");
    ck_assert_str_eq(s->ipv4, "10.5.0.9");
    /* lifecycle */
    ck_assert_int_eq(s->restart, CTR_RESTART_ON_FAILURE);
    ck_assert_int_eq(s->restart_max, 4);
    ck_assert_int_eq(s->stop_signal, SIGQUIT);
    ck_assert_int_eq(s->stop_timeout, 3);
    ck_assert(!s->autoremove);
    /* resources: MemorySwap got docker's default of twice Memory */
    ck_assert_int_eq(s->memory, 67108864);
    ck_assert_int_eq(s->memory_swap, 134217728);
    ck_assert_int_eq(s->nano_cpus, 500000000);
    ck_assert_int_eq(s->cpu_shares, 512);
    ck_assert_int_eq(s->cpu_quota, 50000);
    ck_assert_int_eq(s->cpu_period, 100000);
    ck_assert_str_eq(s->cpuset_cpus, "0");
    ck_assert_int_eq(s->pids_limit, 64);
    ck_assert_uint_eq(s->nulimits, 1);
    ck_assert_int_eq(s->ulimits[0].resource, RLIMIT_NOFILE);
    ck_assert_int_eq(s->ulimits[0].soft, 100);
    ck_assert_int_eq(s->ulimits[0].hard, 200);
    /* security, logging */
    ck_assert(!s->privileged);
    ck_assert_str_eq(s->cap_add[0], "NET_ADMIN");
    ck_assert_str_eq(s->cap_drop[0], "MKNOD");
    ck_assert(s->no_new_privileges);
    ck_assert_str_eq(s->log_type, "json-file");
    ck_assert_str_eq(s->log_config[0], "max-size");
    ck_assert_str_eq(s->log_config[1], "1m");
}

START_TEST(full_request_parses_into_every_field)
{
    struct ctr_spec *s = build(FULL_CFG, FULL_HC, FULL_NET);
    check_full(s);
    ctr_spec_free(s);
}
END_TEST

START_TEST(copy_is_deep)
{
    struct ctr_spec *s = build(FULL_CFG, FULL_HC, FULL_NET);
    struct ctr_spec *c = ctr_spec_copy(s);
    ck_assert_ptr_ne(c->argv, s->argv);
    ck_assert_ptr_ne(c->mounts[0].source, s->mounts[0].source);
    ck_assert_ptr_ne(c->bindings[0].host_port, s->bindings[0].host_port);
    ck_assert_ptr_ne(c->healthcheck, s->healthcheck);
    ctr_spec_free(s); /* the copy must not need the original (ASan checks) */
    check_full(c);
    ctr_spec_free(c);
}
END_TEST

START_TEST(defaults_of_a_bare_request)
{
    struct ctr_spec *s = build("{\"Image\":\"busybox\"}", "{}", NULL);
    ck_assert_str_eq(s->argv[0], "sh");
    ck_assert_ptr_null(s->user);
    ck_assert_ptr_null(s->workdir);
    ck_assert_int_eq(s->restart, CTR_RESTART_NO);
    ck_assert_int_eq(s->stop_signal, SIGQUIT); /* the image's */
    ck_assert_int_eq(s->stop_timeout, -1);
    ck_assert_str_eq(s->network_mode, "default");
    ck_assert_str_eq(s->log_type, "json-file");
    ck_assert_uint_eq(s->nmounts, 0);
    ck_assert_uint_eq(s->nbindings, 0);
    ck_assert_ptr_null(s->healthcheck);
    ctr_spec_free(s);
}
END_TEST

START_TEST(bad_requests_get_dockers_messages)
{
    const char *cmd = "{\"Cmd\":[\"true\"]}";
    ck_assert_str_eq(error_of("{}", "{}"), "No command specified");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"StopSignal\":\"SIGNOPE\"}", "{}"),
                     "Invalid signal: SIGNOPE");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Env\":[\"=x\"]}", "{}"),
                     "invalid environment variable \"=x\"");
    ck_assert_str_eq(error_of(cmd, "{\"RestartPolicy\":{\"Name\":\"sometimes\"}}"),
                     "invalid restart policy 'sometimes'");
    ck_assert_str_eq(
        error_of(cmd, "{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}}"),
        "invalid restart policy: maximum retry count cannot be negative");
    ck_assert_str_eq(error_of(cmd, "{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}"),
                     "can't create 'AutoRemove' container with restart policy");
    ck_assert_str_eq(error_of(cmd, "{\"LogConfig\":{\"Type\":\"syslog\"}}"),
                     "failed to create task for container: logger: no log driver named 'syslog' "
                     "is registered (only json-file and none are)");
    ck_assert_str_eq(error_of(cmd, "{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}"),
                     "invalid ulimit type: bogus");
    ck_assert_str_eq(error_of(cmd, "{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":9,\"Hard\":1}]}"),
                     "ulimit soft limit must be less than hard limit");
    ck_assert_str_eq(error_of(cmd, "{\"PortBindings\":{\"0/tcp\":[]}}"),
                     "invalid port specification: \"0/tcp\"");
    ck_assert_str_eq(error_of(cmd, "{\"PortBindings\":{\"http\":[]}}"),
                     "invalid port specification: \"http\"");
    ck_assert_str_eq(error_of(cmd, "{\"PortBindings\":{\"80/xyz\":[]}}"), "invalid proto: xyz");
    ck_assert_str_eq(error_of(cmd, "{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"99999\"}]}}"),
                     "invalid port specification: \"99999\"");
    ck_assert_str_eq(error_of(cmd, "{\"Binds\":[\"vol:/data\"]}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"Binds\":[\"/tmp:data\"]}"),
                     "invalid volume specification: '/tmp:data': invalid mount config for type "
                     "\"bind\": invalid mount path: 'data' mount path must be absolute");
    ck_assert_str_eq(error_of(cmd, "{\"PortBindings\":{\"80\":[{\"HostPort\":\"8000-8010\"}]}}"),
                     "ok");
}
END_TEST

static const char NS_HC[] =
    "{\"PidMode\":\"container:web\",\"IpcMode\":\"shareable\",\"UTSMode\":\"host\","
    "\"NetworkMode\":\"container:db\",\"ShmSize\":134217728,"
    "\"Sysctls\":{\"net.core.somaxconn\":\"1024\",\"kernel.shmmax\":\"65536\"},"
    "\"Devices\":[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/mynull\","
    "\"CgroupPermissions\":\"rw\"},{\"PathOnHost\":\"/dev/zero\"}],"
    "\"DeviceCgroupRules\":[\"c 10:237 rwm\",\"a *:* m\"],\"OomScoreAdj\":-500}";

static void check_ns(const struct ctr_spec *s)
{
    ck_assert_int_eq(s->pid_ns.mode, CTR_NS_CONTAINER);
    ck_assert_str_eq(s->pid_ns.container, "web");
    ck_assert_int_eq(s->ipc_ns.mode, CTR_NS_SHAREABLE);
    ck_assert_ptr_null(s->ipc_ns.container);
    ck_assert_int_eq(s->uts_ns.mode, CTR_NS_HOST);
    ck_assert_int_eq(s->net_ns.mode, CTR_NS_CONTAINER);
    ck_assert_str_eq(s->net_ns.container, "db");
    ck_assert_str_eq(s->network_mode, "container:db");
    ck_assert_int_eq(s->shm_size, 134217728);
    ck_assert_uint_eq(strv_len(s->sysctls), 4);
    int k = !strcmp(s->sysctls[0], "kernel.shmmax") ? 0 : 2;
    ck_assert_str_eq(s->sysctls[k], "kernel.shmmax");
    ck_assert_str_eq(s->sysctls[k + 1], "65536");
    ck_assert_str_eq(s->sysctls[2 - k], "net.core.somaxconn");
    ck_assert_str_eq(s->sysctls[3 - k], "1024");
    ck_assert_uint_eq(s->ndevices, 2);
    ck_assert_str_eq(s->devices[0].host, "/dev/null");
    ck_assert_str_eq(s->devices[0].path, "/dev/mynull");
    ck_assert_str_eq(s->devices[0].perms, "rw");
    /* docker's defaults: the host's path, all permissions */
    ck_assert_str_eq(s->devices[1].path, "/dev/zero");
    ck_assert_str_eq(s->devices[1].perms, "rwm");
    ck_assert_str_eq(s->device_cgroup_rules[1], "a *:* m");
    ck_assert_int_eq(s->oom_score_adj, -500);
}

START_TEST(namespaces_and_kernel_settings_parse)
{
    struct ctr_spec *s = build("{\"Image\":\"busybox\"}", NS_HC, NULL);
    check_ns(s);
    struct ctr_spec *c = ctr_spec_copy(s);
    ck_assert_ptr_ne(c->devices[0].path, s->devices[0].path);
    ck_assert_ptr_ne(c->pid_ns.container, s->pid_ns.container);
    ctr_spec_free(s);
    check_ns(c);
    ctr_spec_free(c);

    /* a bare request: docker's defaults, also in the HostConfig inspect shows */
    _cleanup_json_ json_t *cfg = J("{\"Cmd\":[\"true\"]}");
    _cleanup_json_ json_t *hc = J("{}");
    struct md_error err = {0};
    ck_assert_int_eq(ctr_spec_build(cfg, hc, NULL, NULL, ID, &s, &err), 0);
    ck_assert_int_eq(s->pid_ns.mode, CTR_NS_PRIVATE);
    ck_assert_int_eq(s->ipc_ns.mode, CTR_NS_PRIVATE);
    ck_assert_int_eq(s->net_ns.mode, CTR_NS_PRIVATE);
    ck_assert_int_eq(s->shm_size, 64 * 1024 * 1024);
    ck_assert_ptr_null(s->sysctls);
    ck_assert_uint_eq(s->ndevices, 0);
    ck_assert_str_eq(json_str(hc, "IpcMode"), "private");
    ck_assert_int_eq(json_integer_value(json_object_get(hc, "ShmSize")), 64 * 1024 * 1024);
    ctr_spec_free(s);
}
END_TEST

START_TEST(namespace_refusals_get_dockers_messages)
{
    const char *cmd = "{\"Cmd\":[\"true\"]}";
    ck_assert_str_eq(error_of(cmd, "{\"PidMode\":\"bogus\"}"), "invalid PID mode: bogus");
    ck_assert_str_eq(error_of(cmd, "{\"PidMode\":\"container:\"}"), "invalid PID mode: container:");
    ck_assert_str_eq(error_of(cmd, "{\"PidMode\":\"private\"}"), "invalid PID mode: private");
    ck_assert_str_eq(error_of(cmd, "{\"IpcMode\":\"none\"}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"IpcMode\":\"container:x\"}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"IpcMode\":\"bogus\"}"), "invalid IPC mode: bogus");
    ck_assert_str_eq(error_of(cmd, "{\"UTSMode\":\"container:x\"}"),
                     "invalid UTS mode: container:x");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Hostname\":\"h\"}", "{\"UTSMode\":\"host\"}"),
                     "conflicting options: hostname and the UTS mode");
    ck_assert_str_eq(error_of(cmd, "{\"NetworkMode\":\"container:\"}"),
                     "Invalid network mode: invalid container format container:<name|id>");
    ck_assert_str_eq(
        error_of("{\"Cmd\":[\"true\"],\"Hostname\":\"h\"}", "{\"NetworkMode\":\"container:x\"}"),
        "conflicting options: hostname and the network mode");
    ck_assert_str_eq(error_of(cmd, "{\"NetworkMode\":\"container:x\",\"Dns\":[\"1.1.1.1\"]}"),
                     "conflicting options: dns and the network mode");
    ck_assert_str_eq(
        error_of(cmd, "{\"NetworkMode\":\"container:x\",\"PortBindings\":{\"80/tcp\":[]}}"),
        "conflicting options: port publishing and the container type network mode");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"ExposedPorts\":{\"80/tcp\":{}}}",
                              "{\"NetworkMode\":\"container:x\"}"),
                     "conflicting options: port exposing and the container type network mode");
    ck_assert_str_eq(error_of(cmd, "{\"ShmSize\":-1}"), "SHM size can not be less than 0");
    ck_assert_str_eq(error_of(cmd, "{\"OomScoreAdj\":-1001}"),
                     "Invalid value -1001, range for oom score adj is [-1000, 1000]");
    ck_assert_str_eq(error_of(cmd, "{\"OomScoreAdj\":1000}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"Sysctls\":{\"kernel.hostname\":\"x\"}}"),
                     "sysctl 'kernel.hostname' is not whitelisted");
    ck_assert_str_eq(
        error_of(cmd, "{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}"),
        "sysctl 'net.ipv4.ip_forward' is not allowed in host network namespace");
    ck_assert_str_eq(
        error_of(cmd, "{\"IpcMode\":\"host\",\"Sysctls\":{\"fs.mqueue.msg_max\":\"1\"}}"),
        "sysctl 'fs.mqueue.msg_max' is not allowed in host IPC namespace");
    ck_assert_str_eq(error_of(cmd, "{\"Devices\":[{\"PathOnHost\":\"/dev/null\","
                                   "\"CgroupPermissions\":\"rr\"}]}"),
                     "invalid device mode: rr");
    ck_assert_str_eq(error_of(cmd, "{\"Devices\":[{\"PathOnHost\":\"/dev/null\","
                                   "\"PathInContainer\":\"null\"}]}"),
                     "null is not an absolute path");
    ck_assert_str_eq(error_of(cmd, "{\"Devices\":[{\"PathOnHost\":\"null\"}]}"),
                     "invalid device path on host: \"null\"");
    ck_assert_str_eq(error_of(cmd, "{\"DeviceCgroupRules\":[\"c 1:3 rwx\"]}"),
                     "invalid device cgroup rule format: 'c 1:3 rwx'");
}
END_TEST

START_TEST(sysctl_and_cgroup_rule_checks)
{
    static const char *const good_rules[] = {"c 1:3 rwm", "a *:* m", "b 8:* r", "c *:5 wr"};
    static const char *const bad_rules[] = {"",         "c",       "d 1:3 r", "c 1:3",
                                            "c 1:3 ",   "c 1 r",   "c x:3 r", "c 1:3 rwmr",
                                            "c  1:3 r", "c 1:3 rq"};
    for (size_t i = 0; i < sizeof good_rules / sizeof *good_rules; i++)
        ck_assert_msg(kopt_cgroup_rule_valid(good_rules[i]), "%s", good_rules[i]);
    for (size_t i = 0; i < sizeof bad_rules / sizeof *bad_rules; i++)
        ck_assert_msg(!kopt_cgroup_rule_valid(bad_rules[i]), "%s", bad_rules[i]);
    /* the key becomes a path under /proc/sys: nothing that climbs out */
    static const char *const bad_keys[] = {"net..core",      "net./../kernel/x", "net.core.",
                                           "kernel.shmmax.", "net.a/b",          "",
                                           "vm.swappiness"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof *bad_keys; i++)
        ck_assert_msg(ctr_spec_sysctl_check(bad_keys[i], false, false, NULL) < 0, "%s",
                      bad_keys[i]);
    ck_assert_int_eq(ctr_spec_sysctl_check("net.ipv4.conf.all.rp_filter", false, true, NULL), 0);
    ck_assert_int_eq(ctr_spec_sysctl_check("kernel.sem", true, false, NULL), 0);
    ck_assert_int_eq(ctr_spec_sysctl_check("kernel.shm_rmid_forced", false, false, NULL), 0);
}
END_TEST

/* A record as the previous version wrote it (no field of the spec's own):
 * the daemon must still load it, parse its spec, and keep it running. */
START_TEST(record_of_previous_version_loads)
{
    char root[] = "/tmp/md-spec-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(root));
    md_cfg.data_root = root;
    _cleanup_free_ char *dir = xasprintf("%s/containers/%s", root, ID);
    ck_assert_int_eq(fs_mkdir_p(dir, 0700, NULL), 0);
    _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "{\"Id\":\"%s\",\"Name\":\"web\",\"Created\":\"2025-01-02T03:04:05.000000006Z\","
            "\"ImageRef\":\"busybox\",\"Image\":\"sha256:%s\",\"Path\":\"httpd\","
            "\"Args\":[\"-f\"],\"Config\":{\"Hostname\":\"0123456789ab\",\"Cmd\":[\"httpd\","
            "\"-f\"],\"Entrypoint\":null,\"Env\":[\"PATH=/bin\"],\"Labels\":{},"
            "\"StopSignal\":\"SIGINT\",\"ExposedPorts\":{\"80/tcp\":{}}},"
            "\"HostConfig\":{\"Binds\":[\"/srv:/srv\"],\"NetworkMode\":\"default\","
            "\"RestartPolicy\":{\"Name\":\"unless-stopped\",\"MaximumRetryCount\":0},"
            "\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]},"
            "\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}}},"
            "\"NetworkSettings\":{\"Ports\":{},\"Networks\":{\"bridge\":{\"Aliases\":[\"w\"]}}},"
            "\"State\":{\"Status\":\"exited\",\"Pid\":0,\"ExitCode\":3,\"HasRun\":true,"
            "\"StartedAt\":\"0001-01-01T00:00:00Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"}}\n",
            ID, ID);
    fclose(f);
    struct md_error err = {0};
    ck_assert_msg(cstore_init(&err) == 0, "%s", md_err_msg(&err));
    struct container *c = NULL;
    ck_assert_msg(cstore_find("web", &c, &err) == 0, "%s", md_err_msg(&err));
    const struct ctr_spec *s = c->spec;
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->argv[0], "httpd");
    ck_assert_int_eq(s->restart, CTR_RESTART_UNLESS_STOPPED);
    ck_assert_int_eq(s->stop_signal, SIGINT);
    ck_assert_str_eq(s->mounts[0].source, "/srv");
    ck_assert_uint_eq(s->nbindings, 1);
    ck_assert_str_eq(s->bindings[0].host_port, "8080");
    ck_assert_str_eq(s->aliases[0], "w");
    /* what is written back is what was read: Config and HostConfig as they were */
    json_t *j = ctr_to_json(c);
    ck_assert_str_eq(json_str(json_object_get(j, "Config"), "StopSignal"), "SIGINT");
    ck_assert_ptr_null(json_object_get(json_object_get(j, "HostConfig"), "AutoRemove"));
    json_decref(j);
    cstore_remove(c);
    ctr_put(c);
    fs_rm_rf(root, NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("spec");
    tcase_add_test(tc, full_request_parses_into_every_field);
    tcase_add_test(tc, copy_is_deep);
    tcase_add_test(tc, defaults_of_a_bare_request);
    tcase_add_test(tc, bad_requests_get_dockers_messages);
    tcase_add_test(tc, record_of_previous_version_loads);
    tcase_add_test(tc, namespaces_and_kernel_settings_parse);
    tcase_add_test(tc, namespace_refusals_get_dockers_messages);
    tcase_add_test(tc, sysctl_and_cgroup_rule_checks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
