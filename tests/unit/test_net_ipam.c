/* daemon/net/ipam: CIDR parsing, serial allocation, exhaustion, persistence
 * round trip, MAC derivation, and the choice of a subnet when the default
 * one is routed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/net/ipam.h"

static const char *A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

static uint32_t ip(const char *s)
{
    uint32_t a;
    ck_assert_int_eq(ipv4_parse(s, &a), 0);
    return a;
}

static struct ipv4_net net(const char *s)
{
    struct ipv4_net n;
    ck_assert_msg(ipv4_parse_cidr(s, &n, false) == 0, "bad cidr %s", s);
    return n;
}

static const char *fmt(uint32_t a)
{
    static char buf[4][16];
    static int i;
    i = (i + 1) % 4;
    ipv4_fmt(a, buf[i]);
    return buf[i];
}

START_TEST(cidr_parsing)
{
    struct ipv4_net n;
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.0/16", &n, false), 0);
    ck_assert_uint_eq(n.addr, 0xac110000u);
    ck_assert_int_eq(n.prefix, 16);
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.1/16", &n, false), -1); /* host bits */
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.1/16", &n, true), 0);
    ck_assert_uint_eq(n.addr, 0xac110001u);
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.0", &n, true), -1);
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.0/33", &n, true), -1);
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.0/-1", &n, true), -1);
    ck_assert_int_eq(ipv4_parse_cidr("172.17.0.0/", &n, true), -1);
    ck_assert_int_eq(ipv4_parse_cidr("1.2.3/8", &n, true), -1);
    char s[20];
    struct ipv4_net x = net("10.213.0.0/16");
    ipv4_net_fmt(&x, s);
    ck_assert_str_eq(s, "10.213.0.0/16");
}
END_TEST

START_TEST(overlap_and_contains)
{
    struct ipv4_net a = net("172.17.0.0/16"), b = net("172.17.5.0/24"), c = net("172.18.0.0/16");
    ck_assert(ipv4_net_overlap(&a, &b));
    ck_assert(ipv4_net_overlap(&b, &a));
    ck_assert(!ipv4_net_overlap(&a, &c));
    ck_assert(ipv4_net_contains(&a, ip("172.17.255.255")));
    ck_assert(!ipv4_net_contains(&a, ip("172.18.0.1")));
}
END_TEST

START_TEST(mac_like_docker)
{
    char m[18];
    ipv4_mac(ip("172.17.0.2"), m);
    ck_assert_str_eq(m, "02:42:ac:11:00:02");
    ipv4_mac(ip("10.213.1.254"), m);
    ck_assert_str_eq(m, "02:42:0a:d5:01:fe");
}
END_TEST

START_TEST(serial_allocation)
{
    struct ipam_pool p;
    struct ipv4_net sn = net("172.17.0.0/16");
    ck_assert_int_eq(ipam_pool_init(&p, &sn, 0, NULL), 0);
    ck_assert_str_eq(fmt(p.gateway), "172.17.0.1");
    uint32_t a, b, c;
    ck_assert_int_eq(ipam_alloc(&p, A, &a, NULL), 0);
    ck_assert_int_eq(ipam_alloc(&p, B, &b, NULL), 0);
    ck_assert_str_eq(fmt(a), "172.17.0.2"); /* the gateway is never handed out */
    ck_assert_str_eq(fmt(b), "172.17.0.3");
    ipam_release(&p, a);
    /* a released address is not reused at once (docker's serial allocator) */
    ck_assert_int_eq(ipam_alloc(&p, A, &c, NULL), 0);
    ck_assert_str_eq(fmt(c), "172.17.0.4");
    ck_assert_str_eq(ipam_owner(&p, b), B);
    ck_assert_ptr_null(ipam_owner(&p, a));
    ipam_pool_free(&p);
}
END_TEST

START_TEST(exhaustion_and_wrap)
{
    struct ipam_pool p;
    struct ipv4_net sn = net("10.0.0.0/29"); /* .1 gateway, .2-.6 usable, .7 broadcast */
    ck_assert_int_eq(ipam_pool_init(&p, &sn, 0, NULL), 0);
    uint32_t got[5];
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ipam_alloc(&p, A, &got[i], NULL), 0);
    ck_assert_str_eq(fmt(got[0]), "10.0.0.2");
    ck_assert_str_eq(fmt(got[4]), "10.0.0.6");
    struct md_error e = {0};
    uint32_t x;
    ck_assert_int_eq(ipam_alloc(&p, B, &x, &e), -1);
    ck_assert_int_eq(e.err, MD_ECONFLICT);
    ck_assert_str_eq(e.msg, "no available addresses on this pool");
    md_err_clear(&e);
    /* after a release the pool wraps around to the free address */
    ipam_release(&p, got[1]);
    ck_assert_int_eq(ipam_alloc(&p, B, &x, NULL), 0);
    ck_assert_str_eq(fmt(x), "10.0.0.3");
    ck_assert_uint_eq(ipam_release_owner(&p, A), 4);
    ck_assert_uint_eq(p.nleases, 1);
    ipam_pool_free(&p);
}
END_TEST

START_TEST(reserve_specific)
{
    struct ipam_pool p;
    struct ipv4_net sn = net("192.168.7.0/24");
    ck_assert_int_eq(ipam_pool_init(&p, &sn, ip("192.168.7.254"), NULL), 0);
    struct md_error e = {0};
    ck_assert_int_eq(ipam_reserve(&p, ip("192.168.7.10"), A, NULL), 0);
    ck_assert_int_eq(ipam_reserve(&p, ip("192.168.7.10"), B, &e), -1);
    ck_assert_str_eq(e.msg, "Address already in use: 192.168.7.10");
    ck_assert_int_eq(ipam_reserve(&p, ip("192.168.7.254"), B, &e), -1); /* gateway */
    ck_assert_int_eq(ipam_reserve(&p, ip("192.168.7.255"), B, &e), -1); /* broadcast */
    ck_assert_int_eq(ipam_reserve(&p, ip("192.168.8.1"), B, &e), -1);
    md_err_clear(&e);
    uint32_t a;
    ck_assert_int_eq(ipam_alloc(&p, B, &a, NULL), 0);
    ck_assert_str_eq(fmt(a), "192.168.7.1"); /* the gateway is .254 here */
    ipam_pool_free(&p);
}
END_TEST

START_TEST(bad_pools)
{
    struct ipam_pool p;
    struct md_error e = {0};
    struct ipv4_net sn = net("10.0.0.0/16");
    ck_assert_int_eq(ipam_pool_init(&p, &sn, ip("10.1.0.1"), &e), -1);
    ck_assert_str_eq(e.msg, "gateway 10.1.0.1 is not in subnet 10.0.0.0/16");
    struct ipv4_net tiny = net("10.0.0.0/31");
    ck_assert_int_eq(ipam_pool_init(&p, &tiny, 0, &e), -1);
    md_err_clear(&e);
}
END_TEST

START_TEST(persistence_round_trip)
{
    struct ipam_pool p, q;
    struct ipv4_net sn = net("172.17.0.0/16");
    ck_assert_int_eq(ipam_pool_init(&p, &sn, 0, NULL), 0);
    uint32_t a, b, c;
    ipam_alloc(&p, A, &a, NULL);
    ipam_alloc(&p, B, &b, NULL);
    ipam_alloc(&p, A, &c, NULL);
    ipam_release(&p, a);
    _cleanup_json_ json_t *j = ipam_pool_to_json(&p);
    _cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(text,
                     "{\"Gateway\":\"172.17.0.1\",\"Last\":\"172.17.0.4\",\"Leases\":{"
                     "\"172.17.0.3\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
                     "bbbbb\",\"172.17.0.4\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                     "aaaaaaaaaaaaaaaaaaaa\"},\"Subnet\":\"172.17.0.0/16\"}");
    /* reload, as after a daemon restart: same leases, and no duplicate */
    _cleanup_json_ json_t *j2 = json_loads(text, 0, NULL);
    ck_assert_int_eq(ipam_pool_from_json(j2, &q, NULL), 0);
    ck_assert_uint_eq(q.nleases, 2);
    ck_assert(ipam_is_leased(&q, b));
    ck_assert(ipam_is_leased(&q, c));
    ck_assert(!ipam_is_leased(&q, a));
    for (int i = 0; i < 300; i++) {
        uint32_t x;
        ck_assert_int_eq(ipam_alloc(&q, B, &x, NULL), 0);
        ck_assert(x != b && x != c && x != q.gateway);
    }
    ck_assert_uint_eq(q.nleases, 302);
    ipam_pool_free(&p);
    ipam_pool_free(&q);
}
END_TEST

START_TEST(persistence_drops_bad_leases)
{
    const char *text = "{\"Subnet\":\"10.9.0.0/24\",\"Gateway\":\"10.9.0.1\",\"Last\":\"\","
                       "\"Leases\":{\"10.9.0.1\":\"x\",\"10.9.1.5\":\"y\",\"nonsense\":\"z\","
                       "\"10.9.0.9\":\"ok\"}}";
    _cleanup_json_ json_t *j = json_loads(text, 0, NULL);
    struct ipam_pool p;
    ck_assert_int_eq(ipam_pool_from_json(j, &p, NULL), 0);
    ck_assert_uint_eq(p.nleases, 1);
    ck_assert_str_eq(ipam_owner(&p, ip("10.9.0.9")), "ok");
    ipam_pool_free(&p);
}
END_TEST

static const char *ROUTES =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
    "minidock0\t0000D50A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

START_TEST(proc_routes)
{
    struct ipv4_net *v;
    size_t n;
    char *const skip[] = {"minidock0", NULL};
    ipam_parse_proc_routes(ROUTES, skip, &v, &n);
    ck_assert_uint_eq(n, 2); /* default route and our own bridge left out */
    char s[20];
    ipv4_net_fmt(&v[0], s);
    ck_assert_str_eq(s, "192.0.2.0/24");
    ipv4_net_fmt(&v[1], s);
    ck_assert_str_eq(s, "172.17.0.0/16");
    free(v);
}
END_TEST

START_TEST(subnet_when_default_is_routed)
{
    struct ipv4_net *v;
    size_t n;
    ipam_parse_proc_routes(ROUTES, NULL, &v, &n);
    struct ipv4_net want = net("172.17.0.0/16"), got;
    char s[20];
    /* docker0 holds 172.17/16: the next free /16 */
    ck_assert_int_eq(ipam_pick_subnet(&want, v, n, &got), 0);
    ipv4_net_fmt(&got, s);
    ck_assert_str_eq(s, "172.18.0.0/16");
    /* not routed: kept */
    struct ipv4_net free_ = net("10.77.0.0/16");
    ck_assert_int_eq(ipam_pick_subnet(&free_, v, n, &got), 0);
    ipv4_net_fmt(&got, s);
    ck_assert_str_eq(s, "10.77.0.0/16");
    /* a route inside the wanted range counts too (a /24 of 172.17) */
    struct ipv4_net some[] = {net("172.17.3.0/24"), net("172.18.0.0/15")};
    ck_assert_int_eq(ipam_pick_subnet(&want, some, 2, &got), 0);
    ipv4_net_fmt(&got, s);
    ck_assert_str_eq(s, "172.20.0.0/16");
    /* every 172.16/12 /16 taken: docker's 192.168.x.0/20 pools */
    struct ipv4_net big = net("172.16.0.0/12");
    ck_assert_int_eq(ipam_pick_subnet(&want, &big, 1, &got), 0);
    ipv4_net_fmt(&got, s);
    ck_assert_str_eq(s, "192.168.0.0/20");
    struct ipv4_net all[] = {big, net("192.168.0.0/16")};
    ck_assert_int_eq(ipam_pick_subnet(&want, all, 2, &got), -1);
    free(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("net_ipam");
    TCase *t = tcase_create("core");
    tcase_add_test(t, cidr_parsing);
    tcase_add_test(t, overlap_and_contains);
    tcase_add_test(t, mac_like_docker);
    tcase_add_test(t, serial_allocation);
    tcase_add_test(t, exhaustion_and_wrap);
    tcase_add_test(t, reserve_specific);
    tcase_add_test(t, bad_pools);
    tcase_add_test(t, persistence_round_trip);
    tcase_add_test(t, persistence_drops_bad_leases);
    tcase_add_test(t, proc_routes);
    tcase_add_test(t, subnet_when_default_is_routed);
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
