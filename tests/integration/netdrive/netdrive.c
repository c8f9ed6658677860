/* netdrive: a line-oriented driver of daemon/net/ for integration tests and
 * benchmarks, so the network module is tested against the real kernel
 * without a daemon or containers. One command per stdin line, one reply
 * line per command ("ok ..." or "err <message>"):
 *
 *   init
 *   connect ID NAME NETWORK [p=SPEC]... [P=80/tcp]... [alias=A]... [ip=A.B.C.D]
 *       -> ok NETNS IP MAC GATEWAY VETH IFNAME host_ip:host_port->ctr/proto,...
 *   disconnect ID | disconnect-net ID NETWORK   (disconnect and reconcile
 *                              reply once the background veth deletions
 *                              are done: net_settle)
 *   disconnect-later ID        (as the daemon's stop: no waiting for them)
 *   settle                     (net_settle)
 *   reap-hold on|off           (reap_hold: the deletions stay queued)
 *   reconcile [ID...]          hosts ID           ports ID
 *   netcreate NAME [SUBNET [GATEWAY]] [internal]
 *   netrm NAME                 netinspect NAME    netls
 *   endpoint ID                (NetworkSettings.Networks entry, JSON)
 *   shutdown                   quit (no shutdown: like a daemon killed
 *                              with live containers)
 *
 * Flags: --data-root --exec-root --bridge --bip --table (as minidockd's).
 * NETDRIVE_TIMING=1: "timing net_connect N us" on stderr per connect. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "common/portspec.h"
#include "daemon/daemon.h"
#include "daemon/net/net.h"
#include "daemon/net/reap.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void reply_err(struct md_error *e)
{
    printf("err %s\n", md_err_msg(e));
    md_err_clear(e);
}

static void reply_json(json_t *j)
{
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    printf("ok %s\n", s);
    json_decref(j);
}

static char **split(char *line)
{
    char **v = xcalloc(1, sizeof *v);
    for (char *t = strtok(line, " \t\n"); t; t = strtok(NULL, " \t\n"))
        strv_push(&v, t);
    return v;
}

static void cmd_connect(char **a)
{
    struct md_error err = {0};
    if (strv_len(a) < 4) {
        printf("err usage: connect ID NAME NETWORK ...\n");
        return;
    }
    struct port_map *maps = NULL;
    size_t n = 0;
    _cleanup_strv_ char **aliases = NULL;
    const char *ip = NULL;
    for (char **p = a + 4; *p; p++) {
        if (!strncmp(*p, "p=", 2)) {
            if (portspec_parse(*p + 2, &maps, &n, &err) < 0) {
                port_maps_free(maps, n);
                reply_err(&err);
                return;
            }
        } else if (!strncmp(*p, "P=", 2)) {
            uint16_t lo, hi;
            char proto[5];
            if (portspec_parse_expose(*p + 2, &lo, &hi, proto, &err) < 0) {
                port_maps_free(maps, n);
                reply_err(&err);
                return;
            }
            for (unsigned k = lo; k <= hi; k++) {
                maps = xrealloc(maps, (n + 1) * sizeof *maps);
                maps[n] = (struct port_map){
                    .host_ip = xstrdup(""), .host_port = xstrdup(""), .ctr_port = (uint16_t)k};
                snprintf(maps[n].proto, sizeof maps[n].proto, "%s", proto);
                n++;
            }
        } else if (!strncmp(*p, "alias=", 6)) {
            strv_push(&aliases, *p + 6);
        } else if (!strncmp(*p, "ip=", 3)) {
            ip = *p + 3;
        }
    }
    struct net_request rq = {.id = a[1],
                             .name = a[2],
                             .network = a[3],
                             .hostname = "hostname-x",
                             .aliases = aliases,
                             .ipv4 = ip,
                             .ports = maps,
                             .nports = n};
    struct net_endpoint ep;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = net_connect(&rq, &ep, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (getenv("NETDRIVE_TIMING"))
        fprintf(stderr, "timing net_connect %ld us\n",
                (long)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000));
    port_maps_free(maps, n);
    if (r < 0) {
        reply_err(&err);
        return;
    }
    printf("ok %s %s %s %s %s %s ", ep.netns_path, ep.ip, ep.mac, ep.gateway, ep.veth_host,
           ep.ifname);
    for (size_t i = 0; i < ep.nports; i++)
        printf("%s%s:%u->%u/%s", i ? "," : "", ep.ports[i].host_ip, ep.ports[i].host_port,
               ep.ports[i].ctr_port, ep.ports[i].proto);
    printf("%s\n", ep.nports ? "" : "-");
    net_endpoint_free(&ep);
}

static void run(char **a)
{
    struct md_error err = {0};
    const char *c = a[0];
    if (!strcmp(c, "init")) {
        if (net_init(&err) < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "connect")) {
        cmd_connect(a);
    } else if (!strcmp(c, "disconnect") && a[1]) {
        int r = net_disconnect(a[1], &err);
        net_settle();
        if (r < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "disconnect-later") && a[1]) {
        if (net_disconnect(a[1], &err) < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "reap-hold") && a[1]) {
        reap_hold(!strcmp(a[1], "on"));
        printf("ok\n");
    } else if (!strcmp(c, "settle")) {
        net_settle();
        printf("ok\n");
    } else if (!strcmp(c, "disconnect-net") && a[1] && a[2]) {
        if (net_disconnect_network(a[1], a[2], &err) < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "reconcile")) {
        int r = net_reconcile(a + 1, &err);
        net_settle();
        if (r < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "hosts") && a[1]) {
        _cleanup_free_ char *h = NULL;
        net_hosts_entries(a[1], &h);
        reply_json(json_string(h));
    } else if (!strcmp(c, "ports") && a[1]) {
        struct net_endpoint *v;
        size_t n;
        net_endpoints(a[1], &v, &n);
        json_t *j = net_ports_json(n ? &v[0] : NULL, NULL, 0);
        for (size_t i = 0; i < n; i++)
            net_endpoint_free(&v[i]);
        free(v);
        reply_json(j);
    } else if (!strcmp(c, "endpoint") && a[1]) {
        struct net_endpoint *v;
        size_t n;
        net_endpoints(a[1], &v, &n);
        json_t *j = json_object();
        for (size_t i = 0; i < n; i++) {
            json_object_set_new(j, v[i].network, net_endpoint_json(&v[i]));
            net_endpoint_free(&v[i]);
        }
        free(v);
        reply_json(j);
    } else if (!strcmp(c, "netcreate") && a[1]) {
        struct net_create rq = {.name = a[1]};
        for (char **p = a + 2; *p; p++) {
            if (!strcmp(*p, "internal"))
                rq.internal = true;
            else if (!rq.subnet)
                rq.subnet = *p;
            else
                rq.gateway = *p;
        }
        char id[65];
        if (net_network_create(&rq, id, &err) < 0)
            return reply_err(&err);
        printf("ok %s\n", id);
    } else if (!strcmp(c, "netrm") && a[1]) {
        if (net_network_remove(a[1], &err) < 0)
            return reply_err(&err);
        printf("ok\n");
    } else if (!strcmp(c, "netinspect") && a[1]) {
        json_t *j = net_network_inspect(a[1], &err);
        if (!j)
            return reply_err(&err);
        reply_json(j);
    } else if (!strcmp(c, "netls")) {
        reply_json(net_network_list());
    } else if (!strcmp(c, "shutdown")) {
        net_shutdown();
        printf("ok\n");
    } else {
        printf("err unknown command %s\n", c);
    }
}

int main(int argc, char **argv)
{
    md_cfg.data_root = "/tmp/netdrive/data";
    md_cfg.exec_root = "/tmp/netdrive/exec";
    md_cfg.bridge = "minidock0";
    md_cfg.bip = "172.17.0.1/16";
    md_cfg.nft_table = "minidock";
    static const struct option opts[] = {
        {"data-root", required_argument, 0, 'd'}, {"exec-root", required_argument, 0, 'e'},
        {"bridge", required_argument, 0, 'b'},    {"bip", required_argument, 0, 'i'},
        {"table", required_argument, 0, 't'},     {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            md_cfg.data_root = optarg;
            break;
        case 'e':
            md_cfg.exec_root = optarg;
            break;
        case 'b':
            md_cfg.bridge = optarg;
            break;
        case 'i':
            md_cfg.bip = optarg;
            break;
        case 't':
            md_cfg.nft_table = optarg;
            break;
        default:
            return 2;
        }
    }
    log_set_level(LOG_WARN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    char line[65536];
    while (fgets(line, sizeof line, stdin)) {
        _cleanup_strv_ char **a = split(line);
        if (!a[0])
            continue;
        if (!strcmp(a[0], "quit"))
            break;
        run(a);
    }
    return 0;
}
