/* docker's create rules: image defaults merged into Config, HostConfig
 * checks, and the container -> rt_plan translation. */
#include <check.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/daemon.h"
#include "daemon/state/ctr_spec.h"
#include "daemon/state/ctr_volumes.h"
#include "daemon/state/plan.h"

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

static char *dump(json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static json_t *image_cfg(void)
{
    return J("{\"Env\":[\"PATH=/usr/bin:/bin\",\"A=image\"],\"Cmd\":[\"sh\"],"
             "\"WorkingDir\":\"/srv\",\"Labels\":{\"l1\":\"img\",\"l2\":\"img\"},"
             "\"ExposedPorts\":{\"80/tcp\":{}},\"StopSignal\":\"SIGWINCH\"}");
}

START_TEST(image_cmd_used_when_none_given)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"busybox\"}");
    _cleanup_json_ json_t *img = image_cfg();
    struct md_error err = {0};
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, &err), 0);
    _cleanup_strv_ char **argv = plan_argv(cfg);
    ck_assert_str_eq(argv[0], "sh");
    ck_assert_ptr_null(argv[1]);
    ck_assert_str_eq(json_str(cfg, "WorkingDir"), "/srv");
    ck_assert_str_eq(json_str(cfg, "StopSignal"), "SIGWINCH");
    ck_assert_str_eq(json_str(cfg, "Hostname"), "0123456789ab");
}
END_TEST

START_TEST(args_replace_image_cmd)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"busybox\",\"Cmd\":[\"echo\",\"hi\"]}");
    _cleanup_json_ json_t *img = image_cfg();
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_strv_ char **argv = plan_argv(cfg);
    ck_assert_str_eq(argv[0], "echo");
    ck_assert_str_eq(argv[1], "hi");
}
END_TEST

START_TEST(entrypoint_drops_image_cmd)
{
    /* docker: --entrypoint resets the image's CMD */
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"x\",\"Entrypoint\":[\"/bin/echo\"]}");
    _cleanup_json_ json_t *img = image_cfg();
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_strv_ char **argv = plan_argv(cfg);
    ck_assert_str_eq(argv[0], "/bin/echo");
    ck_assert_ptr_null(argv[1]);
}
END_TEST

START_TEST(empty_entrypoint_resets_image_entrypoint)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"x\",\"Entrypoint\":[\"\"],\"Cmd\":[\"ls\"]}");
    _cleanup_json_ json_t *img = J("{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}");
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_strv_ char **argv = plan_argv(cfg);
    ck_assert_str_eq(argv[0], "ls");
    ck_assert_ptr_null(argv[1]);
    ck_assert(json_is_null(json_object_get(cfg, "Entrypoint")));
}
END_TEST

START_TEST(image_entrypoint_gets_args)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"x\",\"Cmd\":[\"-v\"]}");
    _cleanup_json_ json_t *img = J("{\"Entrypoint\":[\"/init\"],\"Cmd\":[\"serve\"]}");
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_strv_ char **argv = plan_argv(cfg);
    ck_assert_str_eq(argv[0], "/init");
    ck_assert_str_eq(argv[1], "-v");
    ck_assert_ptr_null(argv[2]);
}
END_TEST

START_TEST(env_request_wins_per_key)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"x\",\"Env\":[\"A=mine\",\"B=2\"]}");
    _cleanup_json_ json_t *img = image_cfg();
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_free_ char *s = dump(json_object_get(cfg, "Env"));
    ck_assert_str_eq(s, "[\"PATH=/usr/bin:/bin\",\"A=mine\",\"B=2\"]");
}
END_TEST

START_TEST(labels_and_ports_merge)
{
    _cleanup_json_ json_t *cfg =
        J("{\"Image\":\"x\",\"Labels\":{\"l2\":\"mine\"},\"ExposedPorts\":{\"53/udp\":{}}}");
    _cleanup_json_ json_t *img = image_cfg();
    ck_assert_int_eq(plan_merge_image(cfg, img, ID, NULL), 0);
    _cleanup_free_ char *l = dump(json_object_get(cfg, "Labels"));
    ck_assert_str_eq(l, "{\"l1\":\"img\",\"l2\":\"mine\"}");
    _cleanup_free_ char *p = dump(json_object_get(cfg, "ExposedPorts"));
    ck_assert_str_eq(p, "{\"53/udp\":{},\"80/tcp\":{}}");
}
END_TEST

/* spec_build's first error for a request and an image config ("ok" when
 * none); the spec is checked and freed. */
static const char *build_error(const char *cfg_text, const char *hc_text, const char *img_text)
{
    static char buf[512];
    json_t *cfg = J(cfg_text);
    json_t *hc = J(hc_text);
    json_t *img = img_text ? J(img_text) : NULL;
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    int r = ctr_spec_build(cfg, hc, NULL, img, ID, &s, &err);
    ck_assert(r == 0 ? s != NULL : s == NULL);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "ok" : err.msg);
    md_err_clear(&err);
    ctr_spec_free(s);
    json_decref(cfg);
    json_decref(hc);
    json_decref(img);
    return buf;
}

START_TEST(no_command_is_an_error)
{
    _cleanup_json_ json_t *cfg = J("{\"Image\":\"scratchy\"}");
    _cleanup_json_ json_t *hc = J("{}");
    _cleanup_json_ json_t *img = J("{}");
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    ck_assert_int_eq(ctr_spec_build(cfg, hc, NULL, img, ID, &s, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    ck_assert_str_eq(err.msg, "No command specified");
    md_err_clear(&err);
}
END_TEST

START_TEST(relative_workdir_rejected)
{
    ck_assert_str_eq(
        build_error("{\"Image\":\"x\",\"Cmd\":[\"ls\"],\"WorkingDir\":\"srv\"}", "{}", NULL),
        "the working directory 'srv' is invalid, it needs to be an absolute path");
}
END_TEST

static const char *host_error(const char *hc_text)
{
    return build_error("{\"Cmd\":[\"true\"]}", hc_text, NULL);
}

START_TEST(host_config_checks)
{
    ck_assert_str_eq(host_error("{}"), "ok");
    ck_assert_str_eq(host_error("{\"Memory\":1024}"), "Minimum memory limit allowed is 6MB");
    ck_assert_str_eq(host_error("{\"Memory\":67108864,\"MemorySwap\":1000}"),
                     "Minimum memoryswap limit should be larger than memory limit, see usage");
    ck_assert_str_eq(host_error("{\"RestartPolicy\":{\"Name\":\"sometimes\"}}"),
                     "invalid restart policy 'sometimes'");
    ck_assert_str_eq(host_error("{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}"),
                     "can't create 'AutoRemove' container with restart policy");
    ck_assert_str_eq(
        host_error("{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":3}}"),
        "invalid restart policy: maximum retry count can only be used with 'on-failure'");
    ck_assert_str_eq(host_error("{\"Binds\":[\"/tmp:data\"]}"),
                     "invalid volume specification: '/tmp:data': invalid mount config for type "
                     "\"bind\": invalid mount path: 'data' mount path must be absolute");
    ck_assert(strstr(host_error("{\"NanoCpus\":1000000000000}"), "Range of CPUs is from 0.01"));
}
END_TEST

static const char *log_error(const char *config)
{
    static char hc[512];
    snprintf(hc, sizeof hc, "{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":%s}}", config);
    return host_error(hc);
}

START_TEST(log_options_checked_as_docker)
{
    ck_assert_str_eq(log_error("{\"max-size\":\"10k\",\"max-file\":\"3\"}"), "ok");
    ck_assert_str_eq(log_error("{\"max-size\":\"10k\",\"max-file\":\"3\",\"compress\":\"true\"}"),
                     "ok");
    ck_assert_str_eq(log_error("{\"max-sise\":\"1k\"}"),
                     "unknown log opt 'max-sise' for json-file log driver");
    ck_assert_str_eq(log_error("{\"max-file\":\"0\"}"), "max-file cannot be less than 1");
    ck_assert_str_eq(log_error("{\"max-file\":\"x\"}"),
                     "strconv.Atoi: parsing \"x\": invalid syntax");
    ck_assert_str_eq(log_error("{\"max-size\":\"lots\"}"), "invalid size: 'lots'");
    ck_assert_str_eq(log_error("{\"max-size\":\"0\"}"), "max-size must be a positive number");
    ck_assert_str_eq(log_error("{\"compress\":\"true\"}"),
                     "compress cannot be true when max-file is less than 2 or max-size is not set");
    ck_assert_str_eq(log_error("{\"compress\":\"yes\"}"),
                     "strconv.ParseBool: parsing \"yes\": invalid syntax");
    ck_assert_str_eq(log_error("{\"mode\":\"fast\"}"), "logger: logging mode not supported: fast");
    ck_assert_str_eq(log_error("{\"mode\":\"blocking\"}"), "ok");
    ck_assert(strstr(log_error("{\"env-regex\":\"(\"}"), "error parsing regexp"));
    ck_assert(strstr(log_error("{\"tag\":\"{{.Name\"}"), "template"));
    /* the none driver takes any option, as docker's */
    ck_assert_str_eq(host_error("{\"LogConfig\":{\"Type\":\"none\",\"Config\":{\"x\":\"y\"}}}"),
                     "ok");
}
END_TEST

START_TEST(log_attrs_from_labels_env_tag)
{
    _cleanup_json_ json_t *cfg = J("{\"Cmd\":[\"true\"],\"Env\":[\"FOO=bar\",\"FOX=1\",\"BAZ=2\"],"
                                   "\"Labels\":{\"team\":\"a\",\"other\":\"b\"}}");
    _cleanup_json_ json_t *hc =
        J("{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{\"labels\":\"team,nosuch\","
          "\"env\":\"BAZ\",\"env-regex\":\"^FO\",\"tag\":\"{{.Name}}/{{.ID}}\"}}}");
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    ck_assert_int_eq(ctr_spec_build(cfg, hc, NULL, NULL, ID, &s, &err), 0);
    _cleanup_free_ char *a = ctr_spec_log_attrs(s, ID, "web", "sha256:abc", "busybox");
    ck_assert_str_eq(a, "{\"BAZ\":\"2\",\"FOO\":\"bar\",\"FOX\":\"1\",\"tag\":\"web/"
                        "0123456789ab\",\"team\":\"a\"}");
    ck_assert_int_eq(s->log_max_size, -1);
    ck_assert_int_eq(s->log_max_file, 1);
    ctr_spec_free(s);
    /* no option that adds attrs: none */
    _cleanup_json_ json_t *hc2 = J("{\"LogConfig\":{\"Config\":{\"max-size\":\"1m\"}}}");
    ck_assert_int_eq(ctr_spec_build(cfg, hc2, NULL, NULL, ID, &s, &err), 0);
    ck_assert_ptr_null(ctr_spec_log_attrs(s, ID, "web", "sha256:abc", "busybox"));
    ck_assert_int_eq(s->log_max_size, 1000000);
    _cleanup_free_ char *kept =
        json_dumps(json_object_get(json_object_get(hc2, "LogConfig"), "Config"), JSON_COMPACT);
    ck_assert_str_eq(kept, "{\"max-size\":\"1m\"}");
    ctr_spec_free(s);
}
END_TEST

START_TEST(memory_swap_defaults_to_twice_memory)
{
    _cleanup_json_ json_t *hc = J("{\"Memory\":67108864}");
    _cleanup_json_ json_t *cfg = J("{}");
    ck_assert_int_eq(plan_check_host_config(hc, cfg, NULL), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(hc, "MemorySwap")), 134217728);
    ck_assert_str_eq(json_str(json_object_get(hc, "RestartPolicy"), "Name"), "no");
    ck_assert_str_eq(json_str(hc, "NetworkMode"), "default");
}
END_TEST

START_TEST(build_plan_from_spec)
{
    md_cfg.data_root = "/var/lib/minidock";
    md_cfg.exec_root = "/run/minidock";
    md_cfg.cgroup_parent = "minidock";
    /* no JSON here: the plan is a function of the typed spec alone */
    char *argv[] = {"httpd", "-f", NULL}, *env[] = {"A=1", NULL};
    struct ctr_mount mounts[] = {
        {.type = CTR_MOUNT_BIND, .source = "/srv/data", .target = "/data", .readonly = true},
        {.type = CTR_MOUNT_VOLUME, .source = "cache", .target = "/c"}};
    struct ctr_ulimit ul[] = {
        {.name = "nofile", .resource = RLIMIT_NOFILE, .soft = 1024, .hard = 2048}};
    struct ctr_spec s = {.argv = argv,
                         .env = env,
                         .hostname = "box",
                         .tty = true,
                         .init = true,
                         .autoremove = true,
                         .mounts = mounts,
                         .nmounts = 2,
                         .ulimits = ul,
                         .nulimits = 1,
                         .memory = 67108864,
                         .memory_swap = -1,
                         .nano_cpus = 1500000000,
                         .pids_limit = 20,
                         .network_mode = "default",
                         .stop_signal = 28,
                         .log_type = "json-file"};
    char *layers[] = {"/l/top", "/l/base", NULL};
    struct rt_plan *p = NULL;
    struct md_error err = {0};
    ck_assert_msg(plan_build(&s, ID, layers, &p, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(p->argv[0], "httpd");
    ck_assert_str_eq(p->argv[1], "-f");
    ck_assert_ptr_ne(p->argv, argv); /* the plan owns copies */
    ck_assert_str_eq(p->layers[0], "/l/top");
    ck_assert_str_eq(p->hostname, "box");
    ck_assert(p->tty);
    ck_assert(p->init);
    ck_assert(p->rootfs_volatile);
    ck_assert_int_eq(p->limits.memory, 67108864);
    ck_assert_int_eq(p->limits.memory_swap, -1);
    ck_assert_int_eq(p->limits.nano_cpus, 1500000000);
    ck_assert_int_eq(p->limits.pids_limit, 20);
    /* volumes are the volume module's to resolve: only binds reach the runtime */
    ck_assert_uint_eq(p->nmounts, 1);
    ck_assert_str_eq(p->mounts[0].source, "/srv/data");
    ck_assert_str_eq(p->mounts[0].dest, "/data");
    ck_assert(p->mounts[0].readonly);
    ck_assert_uint_eq(p->nulimits, 1);
    ck_assert_int_eq(p->ulimits[0].resource, RLIMIT_NOFILE);
    ck_assert_uint_eq(p->ulimits[0].hard, 2048);
    ck_assert_int_eq(p->stop_signal, 28);
    ck_assert_ptr_null(p->netns_path);
    _cleanup_free_ char *log = xasprintf("/var/lib/minidock/containers/%s/%s-json.log", ID, ID);
    ck_assert_str_eq(p->log_path, log);
    _cleanup_free_ char *ex = xasprintf("/run/minidock/%s", ID);
    ck_assert_str_eq(p->exec_dir, ex);
    _cleanup_free_ char *etc = xasprintf("/var/lib/minidock/containers/%s", ID);
    ck_assert_str_eq(p->etc_dir, etc);
    rt_plan_free(p);

    /* host network, no log */
    s.network_mode = "host";
    s.log_type = "none";
    ck_assert_int_eq(plan_build(&s, ID, layers, &p, &err), 0);
    ck_assert_str_eq(p->netns_path, "host");
    ck_assert_ptr_null(p->log_path);
    rt_plan_free(p);
}
END_TEST

/* a volume's bind comes from the record's mount points, never from the
 * Binds string (a name is not a host path) */
START_TEST(volume_mount_points_become_binds)
{
    md_cfg.data_root = "/var/lib/minidock";
    md_cfg.exec_root = "/run/minidock";
    struct container *c = ctr_new();
    memcpy(c->id, ID, 65);
    c->name = xstrdup("web");
    c->config = J("{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Hostname\":\"box\"}");
    c->host_config = J("{\"Binds\":[\"data:/data:ro\",\"/srv:/srv\"],\"Mounts\":[{\"Type\":"
                       "\"volume\",\"Source\":\"v2\",\"Target\":\"/sub\",\"VolumeOptions\":{"
                       "\"Subpath\":\"a/b\"}}],\"Tmpfs\":{\"/run\":\"size=1m\"}}");
    c->mount_points =
        J("[{\"Type\":\"volume\",\"Name\":\"data\",\"Destination\":\"/data\",\"RW\":false},"
          "{\"Type\":\"volume\",\"Name\":\"v2\",\"Destination\":\"/sub\",\"RW\":true,"
          "\"Subpath\":\"a/b\"}]");
    char *layers[] = {"/l/base", NULL};
    struct rt_plan *p = NULL;
    struct md_error err = {0};
    ck_assert_msg(ctr_spec_parse(c->config, c->host_config, NULL, &c->spec, &err) == 0, "%s",
                  md_err_msg(&err));
    ck_assert_msg(plan_build(c->spec, c->id, layers, &p, &err) == 0, "%s", md_err_msg(&err));
    ctr_volumes_plan(c, p);
    ck_assert_uint_eq(p->nmounts, 4);
    ck_assert_str_eq(p->mounts[0].source, "/srv");
    ck_assert(!p->mounts[0].must_exist); /* -v creates a missing source */
    ck_assert_int_eq(p->mounts[1].kind, RT_MOUNT_TMPFS);
    ck_assert_str_eq(p->mounts[1].dest, "/run");
    ck_assert_str_eq(p->mounts[1].data, "size=1m");
    ck_assert_uint_eq(p->mounts[1].flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    ck_assert_str_eq(p->mounts[2].source, "/var/lib/minidock/volumes/data/_data");
    ck_assert_str_eq(p->mounts[2].dest, "/data");
    ck_assert(p->mounts[2].readonly);
    ck_assert_str_eq(p->mounts[3].source, "/var/lib/minidock/volumes/v2/_data/a/b");
    ck_assert(!p->mounts[3].readonly);
    rt_plan_free(p);
    ctr_put(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, image_cmd_used_when_none_given);
    tcase_add_test(tc, args_replace_image_cmd);
    tcase_add_test(tc, entrypoint_drops_image_cmd);
    tcase_add_test(tc, empty_entrypoint_resets_image_entrypoint);
    tcase_add_test(tc, image_entrypoint_gets_args);
    tcase_add_test(tc, env_request_wins_per_key);
    tcase_add_test(tc, labels_and_ports_merge);
    tcase_add_test(tc, no_command_is_an_error);
    tcase_add_test(tc, relative_workdir_rejected);
    tcase_add_test(tc, host_config_checks);
    tcase_add_test(tc, memory_swap_defaults_to_twice_memory);
    tcase_add_test(tc, log_options_checked_as_docker);
    tcase_add_test(tc, log_attrs_from_labels_env_tag);
    tcase_add_test(tc, build_plan_from_spec);
    tcase_add_test(tc, volume_mount_points_become_binds);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
