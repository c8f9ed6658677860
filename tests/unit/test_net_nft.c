/* daemon/net/nftrules: the text of the daemon's nft table for every -p
 * form (after common/portspec parsing and host port resolution), the base
 * chains per network, and finding a container's rules in nft's JSON. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/portspec.h"
#include "daemon/net/nftrules.h"

static const char *ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char *NET = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

/* -p specs as the CLI gives them, resolved the way ports_reserve does for
 * fixed host ports (random ones get the given fallback). */
static char *rules_for(const char *const *specs, uint16_t random_port)
{
    struct port_map *m = NULL;
    size_t n = 0;
    for (const char *const *s = specs; *s; s++)
        ck_assert_msg(portspec_parse(*s, &m, &n, NULL) == 0, "bad spec %s", *s);
    struct net_port *p = xcalloc(n + 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        snprintf(p[i].host_ip, sizeof p[i].host_ip, "%s", *m[i].host_ip ? m[i].host_ip : "0.0.0.0");
        p[i].host_port = *m[i].host_port ? (uint16_t)atoi(m[i].host_port) : random_port++;
        p[i].ctr_port = m[i].ctr_port;
        snprintf(p[i].proto, sizeof p[i].proto, "%s", m[i].proto);
    }
    char tag[96];
    nftr_tag(ID, NET, tag);
    char *text = nftr_ports_text("minidock", tag, "172.17.0.2", p, n);
    port_maps_free(m, n);
    free(p);
    return text;
}

#define TAG                                                                                        \
    "comment \"c="                                                                                 \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                             \
    " n=fedcba987654\""

START_TEST(host_to_container)
{
    const char *s[] = {"8080:80", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t,
                     "add rule ip minidock ports tcp dport 8080 dnat to 172.17.0.2:80 " TAG "\n");
}
END_TEST

START_TEST(ip_host_container)
{
    const char *s[] = {"127.0.0.1:8080:80", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t, "add rule ip minidock ports ip daddr 127.0.0.1 tcp dport 8080 dnat to "
                        "172.17.0.2:80 " TAG "\n");
}
END_TEST

START_TEST(ip_random_container)
{
    const char *s[] = {"127.0.0.1::80", NULL};
    _cleanup_free_ char *t = rules_for(s, 32768);
    ck_assert_str_eq(t, "add rule ip minidock ports ip daddr 127.0.0.1 tcp dport 32768 dnat to "
                        "172.17.0.2:80 " TAG "\n");
}
END_TEST

START_TEST(container_only)
{
    const char *s[] = {"80", NULL};
    _cleanup_free_ char *t = rules_for(s, 32769);
    ck_assert_str_eq(t,
                     "add rule ip minidock ports tcp dport 32769 dnat to 172.17.0.2:80 " TAG "\n");
}
END_TEST

START_TEST(udp)
{
    const char *s[] = {"5353:53/udp", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t,
                     "add rule ip minidock ports udp dport 5353 dnat to 172.17.0.2:53 " TAG "\n");
}
END_TEST

START_TEST(sctp)
{
    const char *s[] = {"9000:9000/sctp", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t, "add rule ip minidock ports sctp dport 9000 dnat to 172.17.0.2:9000 " TAG
                        "\n");
}
END_TEST

START_TEST(same_number_range_is_one_rule)
{
    const char *s[] = {"8000-8010:8000-8010", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t,
                     "add rule ip minidock ports tcp dport 8000-8010 dnat to 172.17.0.2 " TAG "\n");
}
END_TEST

START_TEST(shifted_range_is_one_map)
{
    const char *s[] = {"9000-9002:8000-8002", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t, "add rule ip minidock ports tcp dport 9000-9002 dnat to tcp dport map { "
                        "9000 : 172.17.0.2 . 8000, 9001 : 172.17.0.2 . 8001, 9002 : 172.17.0.2 . "
                        "8002 } " TAG "\n");
}
END_TEST

START_TEST(several_p_keep_order_and_split_runs)
{
    /* the seed's multi-port form: -p 3306:3306 -p IP:7777:80, plus a
     * udp port that must not join the tcp run next to it */
    const char *s[] = {"3306:3306", "192.0.2.2:7777:80", "3307:3307/udp", "3308:3308", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t,
                     "add rule ip minidock ports tcp dport 3306 dnat to 172.17.0.2:3306 " TAG "\n"
                     "add rule ip minidock ports ip daddr 192.0.2.2 tcp dport 7777 dnat to "
                     "172.17.0.2:80 " TAG "\n"
                     "add rule ip minidock ports udp dport 3307 dnat to 172.17.0.2:3307 " TAG "\n"
                     "add rule ip minidock ports tcp dport 3308 dnat to 172.17.0.2:3308 " TAG "\n");
}
END_TEST

START_TEST(no_ports_no_text)
{
    const char *s[] = {NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t, "");
}
END_TEST

START_TEST(large_range)
{
    /* 1,000 ports published as one rule */
    const char *s[] = {"20000-20999:20000-20999", NULL};
    _cleanup_free_ char *t = rules_for(s, 0);
    ck_assert_str_eq(t, "add rule ip minidock ports tcp dport 20000-20999 dnat to 172.17.0.2 " TAG
                        "\n");
}
END_TEST

START_TEST(base_chains)
{
    struct nftr_network nets[] = {
        {.id = NET, .bridge = "minidock0", .subnet = {0xac110000u, 16}},
        {.id = ID, .bridge = "br-0123456789ab", .subnet = {0xac120000u, 16}, .internal = true},
    };
    _cleanup_free_ char *t = nftr_base_text("md", nets, 2);
    const char *want =
        "add table ip md\n"
        "add chain ip md prerouting { type nat hook prerouting priority -100; policy accept; }\n"
        "add chain ip md output { type nat hook output priority -100; policy accept; }\n"
        "add chain ip md postrouting { type nat hook postrouting priority 100; policy accept; }\n"
        "add chain ip md forward { type filter hook forward priority 0; policy accept; }\n"
        "add chain ip md ports\n"
        "flush chain ip md prerouting\n"
        "flush chain ip md output\n"
        "flush chain ip md postrouting\n"
        "flush chain ip md forward\n"
        "add rule ip md prerouting fib daddr type local jump ports\n"
        "add rule ip md output fib daddr type local jump ports\n"
        "add rule ip md postrouting ip saddr 172.17.0.0/16 oifname != \"minidock0\" masquerade "
        "comment \"n=fedcba987654\"\n"
        "add rule ip md postrouting oifname \"minidock0\" ip saddr 127.0.0.0/8 masquerade comment "
        "\"n=fedcba987654\"\n"
        "add rule ip md postrouting oifname \"minidock0\" ip saddr 172.17.0.0/16 ct status dnat "
        "masquerade comment \"n=fedcba987654\"\n"
        "add rule ip md forward iifname \"minidock0\" oifname { \"br-0123456789ab\" } drop "
        "comment \"n=fedcba987654\"\n"
        /* internal: no masquerade out, no forwarding in or out */
        "add rule ip md postrouting oifname \"br-0123456789ab\" ip saddr 127.0.0.0/8 masquerade "
        "comment \"n=0123456789ab\"\n"
        "add rule ip md postrouting oifname \"br-0123456789ab\" ip saddr 172.18.0.0/16 ct status "
        "dnat masquerade comment \"n=0123456789ab\"\n"
        "add rule ip md forward iifname \"br-0123456789ab\" oifname != \"br-0123456789ab\" drop "
        "comment \"n=0123456789ab\"\n"
        "add rule ip md forward oifname \"br-0123456789ab\" iifname != \"br-0123456789ab\" drop "
        "comment \"n=0123456789ab\"\n"
        "add rule ip md forward iifname \"br-0123456789ab\" oifname { \"minidock0\" } drop "
        "comment \"n=0123456789ab\"\n";
    ck_assert_str_eq(t, want);
}
END_TEST

START_TEST(find_rules_in_listing)
{
    const char *json =
        "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"chain\": {\"family\": "
        "\"ip\", \"table\": \"md\", \"name\": \"ports\", \"handle\": 5}}, {\"rule\": {\"family\": "
        "\"ip\", \"table\": \"md\", \"chain\": \"ports\", \"handle\": 14, \"comment\": \"c=aaa "
        "n=bbb\", \"expr\": []}}, {\"rule\": {\"family\": \"ip\", \"table\": \"md\", \"chain\": "
        "\"ports\", \"handle\": 15, \"comment\": \"c=ccc n=bbb\", \"expr\": []}}, {\"rule\": "
        "{\"family\": \"ip\", \"table\": \"md\", \"chain\": \"ports\", \"handle\": 19, "
        "\"comment\": "
        "\"c=aaa n=ddd\", \"expr\": []}}]}";
    uint64_t *h;
    char **c;
    size_t n;
    ck_assert_int_eq(nftr_find_rules(json, "c=aaa ", &h, &c, &n, NULL), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(h[0], 14);
    ck_assert_uint_eq(h[1], 19);
    ck_assert_str_eq(c[1], "c=aaa n=ddd");
    _cleanup_free_ char *del = nftr_delete_rules_text("md", h, n);
    ck_assert_str_eq(del, "delete rule ip md ports handle 14\ndelete rule ip md ports handle 19\n");
    free(h);
    strv_free(c);
    ck_assert_int_eq(nftr_find_rules(json, NULL, &h, NULL, &n, NULL), 0);
    ck_assert_uint_eq(n, 3);
    free(h);
    struct md_error e = {0};
    ck_assert_int_eq(nftr_find_rules("garbage", NULL, &h, NULL, &n, &e), -1);
    md_err_clear(&e);
}
END_TEST

START_TEST(foreign_forward_drops)
{
    const char *json =
        "{\"nftables\": [{\"metainfo\": {}}, {\"chain\": {\"family\": \"ip\", \"table\": "
        "\"md\", \"name\": \"forward\", \"hook\": \"forward\", \"policy\": \"drop\"}}, "
        "{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"FORWARD\", "
        "\"hook\": \"forward\", \"policy\": \"drop\"}}, {\"chain\": {\"family\": \"inet\", "
        "\"table\": \"fw\", \"name\": \"fwd\", \"hook\": \"forward\", \"policy\": "
        "\"accept\"}}, {\"chain\": {\"family\": \"ip6\", \"table\": \"f6\", \"name\": "
        "\"FORWARD\", \"hook\": \"forward\", \"policy\": \"drop\"}}, {\"chain\": "
        "{\"family\": \"ip\", \"table\": \"nat\", \"name\": \"x\"}}]}";
    _cleanup_free_ char *d = nftr_foreign_forward_drops(json, "md");
    ck_assert_str_eq(d, "ip filter FORWARD");
    ck_assert_ptr_null(nftr_foreign_forward_drops("{\"nftables\": []}", "md"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net_nft");
    TCase *t = tcase_create("rules");
    tcase_add_test(t, host_to_container);
    tcase_add_test(t, ip_host_container);
    tcase_add_test(t, ip_random_container);
    tcase_add_test(t, container_only);
    tcase_add_test(t, udp);
    tcase_add_test(t, sctp);
    tcase_add_test(t, same_number_range_is_one_rule);
    tcase_add_test(t, shifted_range_is_one_map);
    tcase_add_test(t, several_p_keep_order_and_split_runs);
    tcase_add_test(t, no_ports_no_text);
    tcase_add_test(t, large_range);
    tcase_add_test(t, base_chains);
    tcase_add_test(t, find_rules_in_listing);
    tcase_add_test(t, foreign_forward_drops);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
