/* The typed container spec: parsed once from a create request (docker's
 * checks and messages), copied and freed by its tables, and re-parsed from
 * records on disk, including those an earlier version wrote. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/kernopts.h"
#include "daemon/daemon.h"
#include "daemon/state/container.h"
#include "common/netopts.h"
#include "daemon/state/ctr_seccomp.h"
#include "daemon/state/ctr_spec.h"
#include "daemon/state/etc_files.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <unistd.h>

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

/* The message a bad request gets ("ok" when it passes); net_text may be NULL. */
static const char *net_error_of(const char *cfg_text, const char *hc_text, const char *net_text)
{
    static char buf[512];
    _cleanup_json_ json_t *cfg = J(cfg_text);
    _cleanup_json_ json_t *hc = J(hc_text);
    _cleanup_json_ json_t *net = net_text ? J(net_text) : NULL;
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    int r = ctr_spec_build(cfg, hc, net, NULL, ID, &s, &err);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "ok" : err.msg);
    if (r < 0)
        ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    ctr_spec_free(s);
    return buf;
}

static const char *error_of(const char *cfg_text, const char *hc_text)
{
    return net_error_of(cfg_text, hc_text, NULL);
}

static const char FULL_CFG[] =
    "{\"Image\":\"busybox\",\"MacAddress\":\"02:42:0A:05:00:09\",\"Entrypoint\":[\"/"
    "init\"],\"Cmd\":[\"-v\"],\"Env\":[\"A=1\"],"
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
    "\"Dns\":[\"10.0.0.53\",\"fd00::53\"],\"DnsSearch\":[\"example.org\",\".\"],"
    "\"DnsOptions\":[\"ndots:2\"],\"ExtraHosts\":[\"db:10.1.2.3\",\"v6:fd00::1\","
    "\"gw:host-gateway\"],"
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
    ck_assert_str_eq(s->mac, "02:42:0a:05:00:09");
    /* names and DNS */
    ck_assert_str_eq(s->dns[0], "10.0.0.53");
    ck_assert_str_eq(s->dns[1], "fd00::53");
    ck_assert_str_eq(s->dns_search[0], "example.org");
    ck_assert_str_eq(s->dns_search[1], ".");
    ck_assert_str_eq(s->dns_options[0], "ndots:2");
    const char *const hosts[] = {"db", "10.1.2.3", "v6", "fd00::1", "gw", "host-gateway"};
    for (size_t i = 0; i < 6; i++)
        ck_assert_str_eq(s->extra_hosts[i], hosts[i]);
    ck_assert_ptr_null(s->extra_hosts[6]);
    ck_assert_ptr_null(s->links);
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
    ck_assert_ptr_ne(c->extra_hosts, s->extra_hosts);
    ck_assert_ptr_ne(c->mac, s->mac);
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
    ck_assert_ptr_null(s->dns);
    ck_assert_ptr_null(s->dns_search);
    ck_assert_ptr_null(s->dns_options);
    ck_assert_ptr_null(s->extra_hosts);
    ck_assert_ptr_null(s->links);
    ck_assert_ptr_null(s->mac);
    ck_assert_ptr_null(s->domainname);
    ctr_spec_free(s);
}
END_TEST

START_TEST(names_and_dns_fields_parse_and_check)
{
    const char *cmd = "{\"Cmd\":[\"true\"]}";
    /* links: "name:alias", "name", and inspect's "/name:/me/alias" */
    struct ctr_spec *s =
        build(cmd, "{\"Links\":[\"web:db\",\"cache\",\"/api:/me/backend\"]}", NULL);
    const char *const links[] = {"web", "db", "cache", "cache", "api", "backend"};
    for (size_t i = 0; i < 6; i++)
        ck_assert_str_eq(s->links[i], links[i]);
    ck_assert_ptr_null(s->links[6]);
    ctr_spec_free(s);
    /* the endpoint's MAC goes to Config.MacAddress, where docker 28 shows it */
    _cleanup_json_ json_t *cfg = J(cmd);
    _cleanup_json_ json_t *hc = J("{}");
    _cleanup_json_ json_t *net =
        J("{\"EndpointsConfig\":{\"default\":{\"MacAddress\":\"92:d0:c6:0a:29:33\"}}}");
    struct md_error err = {0};
    ck_assert_int_eq(ctr_spec_build(cfg, hc, net, NULL, ID, &s, &err), 0);
    ck_assert_str_eq(s->mac, "92:d0:c6:0a:29:33");
    ck_assert_str_eq(json_str(cfg, "MacAddress"), "92:d0:c6:0a:29:33");
    ctr_spec_free(s);

    ck_assert_str_eq(error_of(cmd, "{\"Dns\":[\"1.2.3\"]}"),
                     "IP address is not correctly formatted: 1.2.3");
    ck_assert_str_eq(error_of(cmd, "{\"DnsSearch\":[\"-bad.example\"]}"),
                     "-bad.example is not a valid domain");
    ck_assert_str_eq(error_of(cmd, "{\"DnsOptions\":[\"a b\"]}"),
                     "invalid DNS option \"a b\": it must be one word");
    ck_assert_str_eq(error_of(cmd, "{\"ExtraHosts\":[\"db:1.2.3.999\"]}"),
                     "invalid IP address in add-host: \"1.2.3.999\"");
    ck_assert_str_eq(error_of(cmd, "{\"ExtraHosts\":[\"db=1.2.3.4\"]}"),
                     "bad format for add-host: \"db=1.2.3.4\"");
    ck_assert_str_eq(error_of(cmd, "{\"ExtraHosts\":[\":1.2.3.4\"]}"),
                     "bad format for add-host: \":1.2.3.4\"");
    ck_assert_str_eq(error_of(cmd, "{\"Links\":[\"a:b:c\"]}"), "bad format for links: a:b:c");
    ck_assert_str_eq(error_of(cmd, "{\"Links\":[\"web\"],\"NetworkMode\":\"host\"}"),
                     "conflicting options: host type networking can't be used with links. This "
                     "would result in undefined behavior");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"MacAddress\":\"02:42:zz:00:00:01\"}", "{}"),
                     "invalid MAC address 02:42:zz:00:00:01");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"MacAddress\":\"03:42:ac:00:00:01\"}", "{}"),
                     "invalid MAC address 03:42:ac:00:00:01: it is a multicast address");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"MacAddress\":\"02:42:ac:00:00:01\"}",
                              "{\"NetworkMode\":\"host\"}"),
                     "conflicting options: mac-address and the network mode");
    ck_assert_str_eq(net_error_of("{\"Cmd\":[\"true\"],\"MacAddress\":\"02:42:ac:00:00:01\"}", "{}",
                                  "{\"EndpointsConfig\":{\"bridge\":{\"MacAddress\":"
                                  "\"02:42:ac:00:00:02\"}}}"),
                     "the container-wide MAC address must match the endpoint-specific MAC "
                     "address for the main network, or be left empty");
    ck_assert_str_eq(
        net_error_of(cmd, "{}", "{\"EndpointsConfig\":{\"default\":{\"Aliases\":[\"x\"]}}}"),
        "network-scoped alias is supported only for containers in user defined "
        "networks");
    ck_assert_str_eq(net_error_of(cmd, "{\"NetworkMode\":\"mynet\"}",
                                  "{\"EndpointsConfig\":{\"mynet\":{\"Aliases\":[\"x\"]}}}"),
                     "ok");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Domainname\":\"a b\"}", "{}"),
                     "invalid domainname \"a b\"");
}
END_TEST

START_TEST(option_syntax_as_the_cli_checks_it)
{
    char *why = NULL, *out;
    out = netopt_add_host_flag("db=10.0.0.1", &why);
    ck_assert_str_eq(out, "db:10.0.0.1");
    free(out);
    out = netopt_add_host_flag("v6=[fd00::1]", &why);
    ck_assert_str_eq(out, "v6:fd00::1");
    free(out);
    out = netopt_add_host_flag("v6:fd00::1", &why);
    ck_assert_str_eq(out, "v6:fd00::1");
    free(out);
    out = netopt_add_host_flag("gw:host-gateway", &why);
    ck_assert_str_eq(out, "gw:host-gateway");
    free(out);
    ck_assert_ptr_null(netopt_add_host_flag("nohost", &why));
    ck_assert_str_eq(why, "bad format for add-host: \"nohost\"");
    free(why);
    ck_assert_ptr_null(netopt_add_host_flag("db=notanip", &why));
    ck_assert_str_eq(why, "invalid IP address in add-host: \"notanip\"");
    free(why);
    char mac[18];
    ck_assert_int_eq(netopt_mac("92-D0-C6-0A-29-33", mac, &why), 0);
    ck_assert_str_eq(mac, "92:d0:c6:0a:29:33");
    ck_assert_int_eq(netopt_mac("92:d0:c6:0a:29", mac, &why), -1);
    free(why);
    ck_assert_int_eq(netopt_mac("92:d0-c6:0a:29:33", mac, &why), -1);
    free(why);
    ck_assert(netopt_dns_search_valid("."));
    ck_assert(netopt_dns_search_valid("example.org."));
    ck_assert(netopt_dns_search_valid("a-1.example"));
    ck_assert(!netopt_dns_search_valid("123"));
    ck_assert(!netopt_dns_search_valid("a..b"));
    ck_assert(!netopt_dns_search_valid("ex ample"));
}
END_TEST

START_TEST(resolv_conf_as_docker_writes_it)
{
    const char *host = "# comment\nnameserver 127.0.0.53\nnameserver 10.9.9.9\n"
                       "nameserver ::1\nsearch corp.example\noptions edns0 trust-ad\n"
                       "sortlist 10.0.0.0\n";
    _cleanup_free_ char *plain = etc_resolv_conf(host, "/etc/resolv.conf", NULL, NULL, NULL, false);
    ck_assert_ptr_nonnull(strstr(plain, "\n\nnameserver 10.9.9.9\nsearch corp.example\n"
                                        "options edns0 trust-ad\nsortlist 10.0.0.0\n\n"
                                        "# Based on host file: '/etc/resolv.conf' (legacy)\n"
                                        "# Overrides: []\n"));
    ck_assert_ptr_null(strstr(plain, "127.0.0.53"));
    /* only loopback servers: docker's defaults */
    _cleanup_free_ char *dflt =
        etc_resolv_conf("nameserver 127.0.0.53\n", "/etc/resolv.conf", NULL, NULL, NULL, false);
    ck_assert_ptr_nonnull(strstr(dflt, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n\n"
                                       "# Based on host file: '/etc/resolv.conf' (legacy)\n"
                                       "# Used default nameservers.\n# Overrides: []\n"));
    /* overrides replace, each on its own; "." drops the search line */
    char *dns[] = {"1.1.1.1", "127.0.0.1", NULL};
    char *search[] = {".", NULL};
    char *opts[] = {"ndots:3", "timeout:1", NULL};
    _cleanup_free_ char *all = etc_resolv_conf(host, "/etc/resolv.conf", dns, search, opts, false);
    ck_assert_ptr_nonnull(strstr(all, "\n\nnameserver 1.1.1.1\nnameserver 127.0.0.1\n"
                                      "options ndots:3 timeout:1\nsortlist 10.0.0.0\n\n"
                                      "# Based on host file: '/etc/resolv.conf' (legacy)\n"
                                      "# Overrides: [nameservers search options]\n"
                                      "# Option ndots from: override\n"));
    ck_assert_ptr_null(strstr(all, "\nsearch"));
    _cleanup_free_ char *some = etc_resolv_conf(host, "/etc/resolv.conf", NULL, NULL, opts, false);
    ck_assert_ptr_nonnull(strstr(some, "nameserver 10.9.9.9\nsearch corp.example\n"
                                       "options ndots:3 timeout:1\n"));
    ck_assert_ptr_nonnull(strstr(some, "# Overrides: [options]\n"));
    /* the host's network keeps the host's servers */
    _cleanup_free_ char *hostnet =
        etc_resolv_conf(host, "/etc/resolv.conf", NULL, NULL, NULL, true);
    ck_assert_ptr_nonnull(strstr(hostnet, "nameserver 127.0.0.53\nnameserver 10.9.9.9\n"
                                          "nameserver ::1\n"));
}
END_TEST

START_TEST(hosts_lines_and_link_variables)
{
    char *pairs[] = {"db", "10.1.2.3", "gw", "host-gateway", NULL};
    _cleanup_free_ char *x = etc_extra_hosts(pairs, "172.17.0.1");
    ck_assert_str_eq(x, "10.1.2.3\tdb\n172.17.0.1\tgw\n");
    _cleanup_free_ char *n1 = etc_own_names("web", "example.org");
    ck_assert_str_eq(n1, "web.example.org web");
    _cleanup_free_ char *n2 = etc_own_names("web", NULL);
    ck_assert_str_eq(n2, "web");
    _cleanup_free_ char *n3 = etc_own_names("a.b", NULL);
    ck_assert_str_eq(n3, "a.b a");
    _cleanup_free_ char *l1 = etc_link_hosts_line("172.17.0.2", "db", "0123456789ab", "web");
    ck_assert_str_eq(l1, "172.17.0.2\tdb 0123456789ab web\n");
    _cleanup_free_ char *l2 = etc_link_hosts_line("172.17.0.2", "web", "h", "web");
    ck_assert_str_eq(l2, "172.17.0.2\tweb h\n");

    struct port_key ports[] = {
        {.port = 81, .proto = "tcp"}, {.port = 53, .proto = "udp"}, {.port = 80, .proto = "tcp"}};
    char *child_env[] = {"PATH=/bin", "HOME=/root", "GREETING=hi there", "NOVALUE", NULL};
    char **env = NULL;
    etc_link_env(&env, "/me/my-db", "172.17.0.2", child_env, ports, 3);
    const char *const want[] = {
        "MY_DB_PORT=tcp://172.17.0.2:80",    "MY_DB_PORT_80_TCP=tcp://172.17.0.2:80",
        "MY_DB_PORT_80_TCP_ADDR=172.17.0.2", "MY_DB_PORT_80_TCP_PORT=80",
        "MY_DB_PORT_80_TCP_PROTO=tcp",       "MY_DB_PORT_81_TCP=tcp://172.17.0.2:81",
        "MY_DB_PORT_81_TCP_ADDR=172.17.0.2", "MY_DB_PORT_81_TCP_PORT=81",
        "MY_DB_PORT_81_TCP_PROTO=tcp",       "MY_DB_PORT_53_UDP=udp://172.17.0.2:53",
        "MY_DB_PORT_53_UDP_ADDR=172.17.0.2", "MY_DB_PORT_53_UDP_PORT=53",
        "MY_DB_PORT_53_UDP_PROTO=udp",       "MY_DB_PORT_80_TCP_START=tcp://172.17.0.2:80",
        "MY_DB_PORT_80_TCP_PORT_START=80",   "MY_DB_PORT_80_TCP_END=tcp://172.17.0.2:81",
        "MY_DB_PORT_80_TCP_PORT_END=81",     "MY_DB_NAME=/me/my-db",
        "MY_DB_ENV_GREETING=hi there",
    };
    size_t n = sizeof want / sizeof *want;
    ck_assert_uint_eq(strv_len(env), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_str_eq(env[i], want[i]);
    strv_free(env);
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
    /* issue 14: what used to fail only at start (500) is a 400 at create */
    ck_assert_str_eq(error_of(cmd, "{\"PidsLimit\":9223372036854775807}"),
                     "invalid PidsLimit 9223372036854775807: the kernel's maximum is 4194304 (0 "
                     "or -1: unlimited)");
    ck_assert_str_eq(error_of(cmd, "{\"PidsLimit\":4194304}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"PidsLimit\":-1}"), "ok");
    ck_assert_str_eq(error_of(cmd, "{\"GroupAdd\":[\"99999999999\"]}"),
                     "group 99999999999: ids must be in range 0-2147483647");
    ck_assert_str_eq(error_of(cmd, "{\"GroupAdd\":[\"2147483648\"]}"),
                     "group 2147483648: ids must be in range 0-2147483647");
    ck_assert_str_eq(error_of(cmd, "{\"GroupAdd\":[\"2147483647\",\"staff\"]}"), "ok");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"User\":\"2199023255552\"}", "{}"),
                     "user 2199023255552: ids must be in range 0-2147483647");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"User\":\"0:4294967296\"}", "{}"),
                     "group 4294967296: ids must be in range 0-2147483647");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"User\":\"nobody:nogroup\"}", "{}"), "ok");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Hostname\":\"web\\n1.2.3.4 evil\"}", "{}"),
                     "invalid hostname: it contains whitespace or a control character (byte 0x0a)");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Hostname\":\"web-1.example\"}", "{}"), "ok");
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY) {
        _cleanup_free_ char *hc =
            xasprintf("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1,\"Hard\":%llu}]}",
                      (unsigned long long)rl.rlim_max + 1);
        _cleanup_free_ char *want =
            xasprintf("ulimit nofile: hard limit %llu is above the daemon's hard limit %llu "
                      "(minidock does not raise it)",
                      (unsigned long long)rl.rlim_max + 1, (unsigned long long)rl.rlim_max);
        ck_assert_str_eq(error_of(cmd, hc), want);
        _cleanup_free_ char *at =
            xasprintf("{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1,\"Hard\":%llu}]}",
                      (unsigned long long)rl.rlim_max);
        ck_assert_str_eq(error_of(cmd, at), "ok");
    }
}
END_TEST

static struct ctr_spec *with_secopts(const char *opts_json)
{
    _cleanup_free_ char *hc = xasprintf("{\"SecurityOpt\":%s}", opts_json);
    return build("{\"Cmd\":[\"true\"]}", hc, NULL);
}

START_TEST(security_opts_parsed_as_moby_does)
{
    struct ctr_spec *s = with_secopts("[]");
    ck_assert(!s->no_new_privileges);
    ck_assert_int_eq(s->seccomp, SECCOMP_DEFAULT);
    ctr_spec_free(s);
    const char *yes[] = {"\"no-new-privileges\"", "\"no-new-privileges:true\"",
                         "\"no-new-privileges=1\"", "\"no-new-privileges=True\""};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        _cleanup_free_ char *o = xasprintf("[%s]", yes[i]);
        s = with_secopts(o);
        ck_assert_msg(s->no_new_privileges, "%s", yes[i]);
        ctr_spec_free(s);
    }
    s = with_secopts("[\"no-new-privileges\",\"no-new-privileges=false\"]");
    ck_assert(!s->no_new_privileges); /* the last one wins */
    ctr_spec_free(s);
    s = with_secopts("[\"seccomp=unconfined\",\"apparmor=unconfined\",\"label=disable\","
                     "\"label:disable\",\"disable\"]");
    ck_assert_int_eq(s->seccomp, SECCOMP_UNCONFINED);
    ctr_spec_free(s);
    s = with_secopts("[\"seccomp=builtin\"]");
    ck_assert_int_eq(s->seccomp, SECCOMP_DEFAULT);
    ctr_spec_free(s);
    s = with_secopts("[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\"]");
    ck_assert_int_eq(s->seccomp, SECCOMP_PROFILE);
    ck_assert_ptr_nonnull(s->seccomp_profile);
    struct ctr_spec *c = ctr_spec_copy(s);
    ck_assert_ptr_ne(c->seccomp_profile, s->seccomp_profile);
    ck_assert_uint_eq(c->seccomp_profile->default_action, SCMP_ACT_ALLOW);
    ctr_spec_free(s);
    ctr_spec_free(c);

    const char *cmd = "{\"Cmd\":[\"true\"]}";
    ck_assert_str_eq(error_of(cmd, "{\"SecurityOpt\":[\"foo=bar\"]}"),
                     "invalid --security-opt 2: \"foo=bar\"");
    ck_assert_str_eq(error_of(cmd, "{\"SecurityOpt\":[\"foo\"]}"),
                     "invalid --security-opt 1: \"foo\"");
    ck_assert_str_eq(error_of(cmd, "{\"SecurityOpt\":[\"no-new-privileges=yes\"]}"),
                     "invalid --security-opt 2: \"no-new-privileges=yes\"");
    ck_assert_str_eq(error_of(cmd, "{\"SecurityOpt\":[\"apparmor=docker-default\"]}"),
                     "minidock does not support HostConfig.SecurityOpt=apparmor=docker-default: no "
                     "AppArmor profile is applied (only apparmor=unconfined is accepted)");
    ck_assert_str_eq(error_of(cmd, "{\"SecurityOpt\":[\"label=level:s0:c100\"]}"),
                     "minidock does not support HostConfig.SecurityOpt=label=level:s0:c100: no "
                     "SELinux label is applied (only label=disable is accepted)");
}
END_TEST

static const char *profile_error(const char *json)
{
    static char buf[512];
    struct seccomp_profile *p = NULL;
    struct md_error err = {0};
    int r = ctr_seccomp_parse(json, &p, &err);
    snprintf(buf, sizeof buf, "%s", r == 0 ? "ok" : err.msg);
    if (r < 0) {
        ck_assert_int_eq(err.err, MD_EINVAL);
        ck_assert_ptr_null(p);
    }
    md_err_clear(&err);
    seccomp_profile_free(p);
    return buf;
}

START_TEST(seccomp_profiles_in_docker_format)
{
    const char *json =
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
        "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
        "[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},{\"architecture\":\"SCMP_ARCH_AARCH64\","
        "\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
        "\"syscalls\":[{\"names\":[\"read\",\"write\",\"exit_group\"],\"action\":"
        "\"SCMP_ACT_ALLOW\"},"
        "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
        "\"value\":0,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"value\":8,\"op\":"
        "\"SCMP_CMP_EQ\"}]},"
        "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
        "[\"CAP_SYS_ADMIN\"]}},"
        "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"caps\":"
        "[\"CAP_SYS_PTRACE\"]}},"
        "{\"names\":[\"ioperm\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":"
        "[\"s390x\"]}},"
        "{\"name\":\"not_a_syscall\",\"action\":\"SCMP_ACT_KILL\"}]}";
    struct seccomp_profile *p = NULL;
    struct md_error err = {0};
    ck_assert_msg(ctr_seccomp_parse(json, &p, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_uint_eq(p->default_action, SCMP_ACT_ERRNO(38));
    if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
        ck_assert_uint_eq(p->narches, 3);
        ck_assert_uint_eq(p->arches[1], SCMP_ARCH_X86);
        ck_assert_uint_eq(p->nrules, 5); /* ioperm: for s390x only */
    }
    ck_assert_str_eq(p->rules[0].names[1], "write");
    ck_assert_uint_eq(p->rules[1].nargs, 2);
    ck_assert_uint_eq(p->rules[1].args[1].value, 8);
    ck_assert_uint_eq(p->rules[2].caps_all, 1ULL << CAP_SYS_ADMIN);
    ck_assert_uint_eq(p->rules[3].caps_none, 1ULL << CAP_SYS_PTRACE);
    ck_assert_uint_eq(p->rules[4].action, SCMP_ACT_KILL_THREAD);
    /* it compiles, with or without the capabilities its rules depend on */
    char path[] = "/tmp/md-bpf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(seccomp_export_profile(p, 0, fd, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_msg(seccomp_export_profile(p, ~0ULL, fd, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_int_gt(lseek(fd, 0, SEEK_CUR), 0);
    close(fd);
    unlink(path);
    seccomp_profile_free(p);

    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"), "ok");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":null}"),
                     "ok");
    ck_assert_str_eq(profile_error("{oops"),
                     "Decoding seccomp profile failed: string or '}' expected near 'oops'");
    ck_assert_str_eq(profile_error("[]"),
                     "Decoding seccomp profile failed: the profile is not a JSON object");
    ck_assert_str_eq(profile_error("{}"), "Decoding seccomp profile failed: missing action");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_MAYBE\"}"),
                     "seccomp profile: unknown action SCMP_ACT_MAYBE");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}"),
                     "seccomp profile: minidock does not support SCMP_ACT_NOTIFY (no listener)");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
                                   "[\"SCMP_ARCH_PDP11\"]}"),
                     "seccomp profile: unknown architecture SCMP_ARCH_PDP11");
    ck_assert_str_eq(
        profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
                      "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}"),
        "both 'architectures' and 'archMap' are specified in the seccomp profile, use either "
        "'architectures' or 'archMap'");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                                   "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":"
                                   "6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
                     "seccomp profile: argument index 6 out of range (0 to 5)");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                                   "[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":"
                                   "0,\"value\":1,\"op\":\"SCMP_CMP_ABOUT\"}]}]}"),
                     "seccomp profile: unknown operator SCMP_CMP_ABOUT");
    ck_assert_str_eq(profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
                                   "[\"mkdir\"],\"action\":\"SCMP_ACT_KILL\",\"errnoRet\":1}]}"),
                     "seccomp profile: errnoRet is only valid with SCMP_ACT_ERRNO and "
                     "SCMP_ACT_TRACE, not SCMP_ACT_KILL");
    ck_assert_str_eq(
        profile_error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/x\"}"),
        "seccomp profile: minidock does not support listenerPath");
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

/* Binds, Mounts, Tmpfs and Config.Volumes: one typed list, in that order,
 * Config.Volumes only where nothing else is mounted. */
START_TEST(mounts_from_every_source)
{
    struct ctr_spec *s =
        build("{\"Cmd\":[\"true\"],\"Volumes\":{\"/cache\":{},\"/data\":{}}}",
              "{\"Binds\":[\"/srv:/data:ro,rshared\",\"vol:/v:nocopy\"],"
              "\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp/\",\"Target\":\"/b\","
              "\"ReadOnly\":true,\"BindOptions\":{\"Propagation\":\"rslave\","
              "\"NonRecursive\":true,\"ReadOnlyNonRecursive\":true}},"
              "{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\",\"Target\":\"/c\","
              "\"BindOptions\":{\"CreateMountpoint\":true}},"
              "{\"Type\":\"volume\",\"Source\":\"named\",\"Target\":\"/n\","
              "\"VolumeOptions\":{\"NoCopy\":true,\"Subpath\":\"a/./b\",\"Labels\":{\"k\":\"v\"},"
              "\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"tmpfs\"}}}},"
              "{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":67108864,"
              "\"Mode\":1023,\"Options\":[[\"exec\"]]}}],"
              "\"Tmpfs\":{\"/run\":\"rw,size=64k,uid=5,size=1m\",\"/z\":\"\"}}",
              NULL);
    ck_assert_uint_eq(s->nmounts, 9);
    const struct ctr_mount *m = s->mounts;
    /* -v bind: its mode for inspect, propagation from the mode */
    ck_assert_int_eq(m[0].type, CTR_MOUNT_BIND);
    ck_assert_int_eq(m[0].origin, CTR_FROM_BINDS);
    ck_assert_str_eq(m[0].propagation, "rshared");
    ck_assert(m[0].readonly && m[0].create_source);
    /* -v name: a named volume, nocopy */
    ck_assert_int_eq(m[1].type, CTR_MOUNT_VOLUME);
    ck_assert_str_eq(m[1].source, "vol");
    ck_assert(m[1].nocopy);
    ck_assert_str_eq(m[1].mode, "nocopy");
    /* --mount bind with every option */
    ck_assert_int_eq(m[2].origin, CTR_FROM_MOUNTS);
    ck_assert_str_eq(m[2].source, "/tmp");
    ck_assert_str_eq(m[2].propagation, "rslave");
    ck_assert(m[2].nonrecursive && !m[2].create_source);
    ck_assert_int_eq(m[2].ro_mode, CTR_RO_NONRECURSIVE);
    ck_assert_str_eq(m[2].mode, "");
    /* a missing source with CreateMountpoint is fine */
    ck_assert(m[3].create_source);
    /* --mount volume */
    ck_assert_str_eq(m[4].source, "named");
    ck_assert_str_eq(m[4].subpath, "a/b");
    ck_assert(m[4].nocopy);
    ck_assert_str_eq(m[4].driver, "local");
    ck_assert_str_eq(m[4].vol_labels[0], "k");
    ck_assert_str_eq(m[4].vol_opts[1], "tmpfs");
    ck_assert_str_eq(m[4].mode, "z");
    /* --mount tmpfs: docker's size with a unit, mode in octal, exec wins */
    ck_assert_int_eq(m[5].type, CTR_MOUNT_TMPFS);
    ck_assert_str_eq(m[5].options, "size=64m,mode=1777");
    ck_assert_uint_eq(m[5].tmpfs_flags, MS_NOSUID | MS_NODEV);
    /* --tmpfs, sorted by path; the last size wins */
    ck_assert_int_eq(m[6].origin, CTR_FROM_TMPFS);
    ck_assert_str_eq(m[6].target, "/run");
    ck_assert_str_eq(m[6].options, "size=1m,uid=5");
    ck_assert_uint_eq(m[6].tmpfs_flags, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    ck_assert_str_eq(m[7].target, "/z");
    ck_assert_ptr_null(m[7].options);
    /* Config.Volumes: /data is the bind's, /cache anonymous */
    ck_assert_int_eq(m[8].origin, CTR_FROM_VOLUMES);
    ck_assert_str_eq(m[8].target, "/cache");
    ck_assert_ptr_null(m[8].source);

    struct ctr_spec *c = ctr_spec_copy(s);
    ck_assert_str_eq(c->mounts[4].vol_opts[1], "tmpfs");
    ck_assert_ptr_ne(c->mounts[4].vol_opts, s->mounts[4].vol_opts);
    ck_assert_str_eq(c->mounts[6].options, "size=1m,uid=5");
    ctr_spec_free(c);
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
    /* the endpoint's MAC and aliases: container:X is no user-defined network */
    ck_assert_str_eq(net_error_of(cmd, "{\"NetworkMode\":\"container:x\"}",
                                  "{\"EndpointsConfig\":{\"container:x\":"
                                  "{\"MacAddress\":\"02:42:ac:11:00:09\"}}}"),
                     "conflicting options: mac-address and the network mode");
    ck_assert_str_eq(
        net_error_of(cmd, "{\"NetworkMode\":\"container:x\"}",
                     "{\"EndpointsConfig\":{\"container:x\":{\"Aliases\":[\"a\"]}}}"),
        "network-scoped alias is supported only for containers in user defined networks");
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

START_TEST(healthcheck_checked_and_merged_as_docker)
{
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"Interval\":999999}}", "{}"),
                     "Interval in Healthcheck cannot be less than 1ms");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"Interval\":1000000}}", "{}"),
                     "ok");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"Timeout\":5}}", "{}"),
                     "Timeout in Healthcheck cannot be less than 1ms");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"Retries\":-1,"
                              "\"StartPeriod\":5}}",
                              "{}"),
                     "Retries in Healthcheck cannot be negative");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"StartPeriod\":5}}", "{}"),
                     "StartPeriod in Healthcheck cannot be less than 1ms");
    ck_assert_str_eq(error_of("{\"Cmd\":[\"true\"],\"Healthcheck\":{\"StartInterval\":-3}}", "{}"),
                     "StartInterval in Healthcheck cannot be less than 1ms");

    /* the image's check, field by field under the request's */
    _cleanup_json_ json_t *img = J("{\"Cmd\":[\"sh\"],\"Healthcheck\":{\"Test\":[\"CMD\",\"a\"],"
                                   "\"Interval\":2000000000,\"Retries\":7}}");
    _cleanup_json_ json_t *cfg2 = J("{\"Healthcheck\":{\"Interval\":0,\"Timeout\":3000000}}");
    _cleanup_json_ json_t *hcj = J("{}");
    struct ctr_spec *s = NULL;
    struct md_error err = {0};
    ck_assert_int_eq(ctr_spec_build(cfg2, hcj, NULL, img, ID, &s, &err), 0);
    ck_assert_str_eq(s->healthcheck->test[0], "CMD");
    ck_assert_str_eq(s->healthcheck->test[1], "a");
    ck_assert_int_eq(s->healthcheck->interval, 2000000000);
    ck_assert_int_eq(s->healthcheck->timeout, 3000000);
    ck_assert_int_eq(s->healthcheck->retries, 7);
    ck_assert(ctr_spec_has_probe(s));
    ctr_spec_free(s);
    /* NONE from the request turns the image's off; none given takes it whole */
    _cleanup_json_ json_t *cfg3 = J("{\"Healthcheck\":{\"Test\":[\"NONE\"]}}");
    ck_assert_int_eq(ctr_spec_build(cfg3, hcj, NULL, img, ID, &s, &err), 0);
    ck_assert(!ctr_spec_has_probe(s));
    ck_assert_int_eq(s->healthcheck->retries, 7);
    ctr_spec_free(s);
    _cleanup_json_ json_t *cfg4 = J("{}");
    ck_assert_int_eq(ctr_spec_build(cfg4, hcj, NULL, img, ID, &s, &err), 0);
    ck_assert(ctr_spec_has_probe(s));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(cfg4, "Healthcheck"), "Retries")), 7);
    ctr_spec_free(s);
}
END_TEST

START_TEST(bad_mounts_get_dockers_messages)
{
    const char *cmd = "{\"Cmd\":[\"true\"]}";
    static const char *const cases[][2] = {
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\",\"Target\":\"/x\"}]}",
         "invalid mount config for type \"bind\": bind source path does not exist: "
         "/nonexistent/x"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Target\":\"/x\"}]}",
         "invalid mount config for type \"bind\": field Source must not be empty"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\"}]}",
         "invalid mount config for type \"bind\": field Target must not be empty"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"x\"}]}",
         "invalid mount config for type \"bind\": invalid mount path: 'x' mount path must be "
         "absolute"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/\"}]}",
         "invalid mount config for type \"bind\": invalid specification: destination can't be "
         "'/'"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\","
         "\"BindOptions\":{\"Propagation\":\"sideways\"}}]}",
         "invalid mount config for type \"bind\": invalid propagation mode: sideways"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\","
         "\"BindOptions\":{\"ReadOnlyNonRecursive\":true}}]}",
         "option ReadOnlyNonRecursive requires ReadOnly"},
        {"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/x\","
         "\"VolumeOptions\":{\"NoCopy\":true}}]}",
         "invalid mount config for type \"bind\": field VolumeOptions must not be specified"},
        {"{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"ReadOnly\":true}]}",
         "invalid mount config for type \"volume\": must not set ReadOnly mode when using "
         "anonymous volumes"},
        {"{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\","
         "\"VolumeOptions\":{\"Subpath\":\"../up\"}}]}",
         "invalid mount config for type \"volume\": subpath must be a relative path within the "
         "volume"},
        {"{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\","
         "\"BindOptions\":{\"Propagation\":\"shared\"}}]}",
         "invalid mount config for type \"volume\": field BindOptions must not be specified"},
        {"{\"Mounts\":[{\"Type\":\"tmpfs\",\"Source\":\"/tmp\",\"Target\":\"/x\"}]}",
         "invalid mount config for type \"tmpfs\": field Source must not be specified"},
        {"{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\","
         "\"TmpfsOptions\":{\"Options\":[[\"nosuid\"]]}}]}",
         "invalid mount config for type \"tmpfs\": invalid option: nosuid"},
        {"{\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\","
         "\"TmpfsOptions\":{\"Options\":[[\"exec\",\"a\",\"b\"]]}}]}",
         "invalid mount config for type \"tmpfs\": invalid option array length"},
        {"{\"Mounts\":[{\"Type\":\"nfs\",\"Target\":\"/x\"}]}",
         "invalid mount config for type \"nfs\": mount type unknown"},
        {"{\"Tmpfs\":{\"/x\":\"size=64m,bogus\"}}", "invalid tmpfs option [\"bogus\"]"},
        {"{\"Tmpfs\":{\"/x\":\"size=lots\"}}", "invalid tmpfs option [\"size\" \"lots\"]"},
        {"{\"Tmpfs\":{\"x\":\"\"}}", "invalid mount path: 'x' mount path must be absolute"},
        {"{\"Tmpfs\":{\"/\":\"\"}}", "invalid specification: destination can't be '/'"},
        {"{\"Binds\":[\"/tmp:/x\"],\"Tmpfs\":{\"/x\":\"\"}}", "Duplicate mount point: /x"},
        {"{\"Binds\":[\"/tmp:/x\"],\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x/\"}]}",
         "Duplicate mount point: /x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        ck_assert_str_eq(error_of(cmd, cases[i][0]), cases[i][1]);
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
    tcase_add_test(tc, healthcheck_checked_and_merged_as_docker);
    tcase_add_test(tc, record_of_previous_version_loads);
    tcase_add_test(tc, namespaces_and_kernel_settings_parse);
    tcase_add_test(tc, namespace_refusals_get_dockers_messages);
    tcase_add_test(tc, sysctl_and_cgroup_rule_checks);
    tcase_add_test(tc, mounts_from_every_source);
    tcase_add_test(tc, bad_mounts_get_dockers_messages);
    tcase_add_test(tc, names_and_dns_fields_parse_and_check);
    tcase_add_test(tc, option_syntax_as_the_cli_checks_it);
    tcase_add_test(tc, resolv_conf_as_docker_writes_it);
    tcase_add_test(tc, hosts_lines_and_link_variables);
    tcase_add_test(tc, security_opts_parsed_as_moby_does);
    tcase_add_test(tc, seccomp_profiles_in_docker_format);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
