/* nftables rule text and execution; see nftrules.h for the table layout. */
#include "daemon/net/nftrules.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <string.h>

char *nftr_base_text(const char *table, const struct nftr_network *nets, size_t n)
{
    struct strbuf b = STRBUF_INIT;
    sb_printf(&b, "add table ip %s\n", table);
    /* dstnat (-100) for both DNAT hooks; srcnat (100) for masquerade */
    sb_printf(
        &b,
        "add chain ip %s prerouting { type nat hook prerouting priority -100; policy accept; }\n",
        table);
    sb_printf(&b, "add chain ip %s output { type nat hook output priority -100; policy accept; }\n",
              table);
    sb_printf(&b,
              "add chain ip %s postrouting { type nat hook postrouting priority 100; policy "
              "accept; }\n",
              table);
    sb_printf(&b,
              "add chain ip %s forward { type filter hook forward priority 0; policy accept; }\n",
              table);
    sb_printf(&b, "add chain ip %s ports\n", table);
    static const char *const base[] = {"prerouting", "output", "postrouting", "forward"};
    for (size_t i = 0; i < 4; i++)
        sb_printf(&b, "flush chain ip %s %s\n", table, base[i]);
    /* only traffic addressed to this host is looked up in ports: a
     * container talking to some other host's port 8080 is left alone */
    sb_printf(&b, "add rule ip %s prerouting fib daddr type local jump ports\n", table);
    sb_printf(&b, "add rule ip %s output fib daddr type local jump ports\n", table);
    for (size_t i = 0; i < n; i++) {
        const struct nftr_network *w = &nets[i];
        char sn[20];
        ipv4_net_fmt(&w->subnet, sn);
        char tag[24];
        snprintf(tag, sizeof tag, "n=%.12s", w->id);
        if (!w->internal)
            sb_printf(&b,
                      "add rule ip %s postrouting ip saddr %s oifname != \"%s\" masquerade "
                      "comment \"%s\"\n",
                      table, sn, w->bridge, tag);
        /* 127.0.0.1:port DNAT'ed to a container: the reply must come back
         * to the host, not to the container's own loopback */
        sb_printf(&b,
                  "add rule ip %s postrouting oifname \"%s\" ip saddr 127.0.0.0/8 masquerade "
                  "comment \"%s\"\n",
                  table, w->bridge, tag);
        /* hairpin: a container reaching a published port of itself or a
         * peer on the same bridge. Matched on the source subnet: the input
         * interface is not known in postrouting. */
        sb_printf(&b,
                  "add rule ip %s postrouting oifname \"%s\" ip saddr %s ct status dnat "
                  "masquerade comment \"%s\"\n",
                  table, w->bridge, sn, tag);
        if (w->internal) {
            sb_printf(
                &b, "add rule ip %s forward iifname \"%s\" oifname != \"%s\" drop comment \"%s\"\n",
                table, w->bridge, w->bridge, tag);
            sb_printf(
                &b, "add rule ip %s forward oifname \"%s\" iifname != \"%s\" drop comment \"%s\"\n",
                table, w->bridge, w->bridge, tag);
        }
        /* docker's isolation: no traffic between two different networks */
        bool any = false;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            if (any)
                sb_printf(&b, ", \"%s\"", nets[j].bridge);
            else
                sb_printf(&b, "add rule ip %s forward iifname \"%s\" oifname { \"%s\"", table,
                          w->bridge, nets[j].bridge);
            any = true;
        }
        if (any)
            sb_printf(&b, " } drop comment \"%s\"\n", tag);
    }
    return sb_steal(&b);
}

void nftr_tag(const char *ctr_id, const char *net_id, char out[96])
{
    snprintf(out, 96, "c=%s n=%.12s", ctr_id, net_id);
}

static void match_prefix(struct strbuf *b, const struct net_port *p)
{
    if (p->host_ip[0] && strcmp(p->host_ip, "0.0.0.0"))
        sb_printf(b, "ip daddr %s ", p->host_ip);
}

static bool same_run(const struct net_port *a, const struct net_port *b)
{
    return !strcmp(a->proto, b->proto) && !strcmp(a->host_ip, b->host_ip) &&
           b->host_port == a->host_port + 1 && b->ctr_port == a->ctr_port + 1;
}

char *nftr_ports_text(const char *table, const char *tag, const char *ctr_ip,
                      const struct net_port *ports, size_t n)
{
    struct strbuf b = STRBUF_INIT;
    sb_add(&b, "");
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && same_run(&ports[j - 1], &ports[j]))
            j++;
        const struct net_port *p = &ports[i];
        sb_printf(&b, "add rule ip %s ports ", table);
        match_prefix(&b, p);
        if (j - i == 1) {
            sb_printf(&b, "%s dport %u dnat to %s:%u", p->proto, p->host_port, ctr_ip, p->ctr_port);
        } else if (p->host_port == p->ctr_port) {
            /* same numbers on both sides: DNAT the address, keep the port */
            sb_printf(&b, "%s dport %u-%u dnat to %s", p->proto, p->host_port,
                      ports[j - 1].host_port, ctr_ip);
        } else {
            sb_printf(&b, "%s dport %u-%u dnat to %s dport map { ", p->proto, p->host_port,
                      ports[j - 1].host_port, p->proto);
            for (size_t k = i; k < j; k++)
                sb_printf(&b, "%s%u : %s . %u", k > i ? ", " : "", ports[k].host_port, ctr_ip,
                          ports[k].ctr_port);
            sb_add(&b, " }");
        }
        sb_printf(&b, " comment \"%s\"\n", tag);
        i = j;
    }
    return sb_steal(&b);
}

char *nftr_delete_table_text(const char *table)
{
    return xasprintf("delete table ip %s\n", table);
}

int nftr_find_rules(const char *json, const char *prefix, uint64_t **handles, char ***comments,
                    size_t *n, struct md_error *err)
{
    *handles = NULL;
    *n = 0;
    if (comments)
        *comments = NULL;
    json_error_t je;
    _cleanup_json_ json_t *root = json_loads(json, 0, &je);
    json_t *items = json_object_get(root, "nftables");
    if (!json_is_array(items))
        return md_err(err, MD_EINTERNAL, "nft listing: unexpected output: %s", je.text);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *rule = json_object_get(it, "rule");
        if (!rule)
            continue;
        const char *c = json_string_value(json_object_get(rule, "comment"));
        json_t *h = json_object_get(rule, "handle");
        if (!json_is_integer(h))
            continue;
        if (prefix && (!c || strncmp(c, prefix, strlen(prefix))))
            continue;
        *handles = xrealloc(*handles, (*n + 1) * sizeof **handles);
        (*handles)[*n] = (uint64_t)json_integer_value(h);
        (*n)++;
        if (comments)
            strv_push(comments, c ? c : "");
    }
    return 0;
}

char *nftr_delete_rules_text(const char *table, const uint64_t *handles, size_t n)
{
    struct strbuf b = STRBUF_INIT;
    sb_add(&b, "");
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "delete rule ip %s ports handle %llu\n", table,
                  (unsigned long long)handles[i]);
    return sb_steal(&b);
}

char *nftr_foreign_forward_drops(const char *json, const char *own)
{
    _cleanup_json_ json_t *root = json_loads(json, 0, NULL);
    struct strbuf b = STRBUF_INIT;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(root, "nftables"), i, it)
    {
        json_t *ch = json_object_get(it, "chain");
        const char *hook = json_str(ch, "hook"), *policy = json_str(ch, "policy");
        const char *table = json_str(ch, "table"), *fam = json_str(ch, "family");
        if (!hook || !policy || !table || !fam || strcmp(hook, "forward") ||
            strcmp(policy, "drop") || (!strcmp(table, own) && !strcmp(fam, "ip")))
            continue;
        if (strcmp(fam, "ip") && strcmp(fam, "inet") && strcmp(fam, "bridge"))
            continue;
        sb_printf(&b, "%s%s %s %s", b.len ? ", " : "", fam, table, json_str(ch, "name"));
    }
    return b.len ? sb_steal(&b) : NULL;
}

/* ---- execution ---- */

/* One context for the daemon: libnftables contexts are not thread-safe,
 * and creating one per call parses the whole library state again. */
static pthread_mutex_t nft_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nft_ctx *nft;

int nftr_run(const char *cmds, bool json, char **out, struct md_error *err)
{
    pthread_mutex_lock(&nft_lock);
    if (!nft) {
        nft = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!nft) {
            pthread_mutex_unlock(&nft_lock);
            return md_err(err, MD_EINTERNAL, "nftables: cannot create a context");
        }
        nft_ctx_buffer_output(nft);
        nft_ctx_buffer_error(nft);
    }
    nft_ctx_output_set_flags(nft, json ? NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE
                                       : NFT_CTX_OUTPUT_HANDLE);
    int r = nft_run_cmd_from_buffer(nft, cmds);
    const char *o = nft_ctx_get_output_buffer(nft);
    const char *e = nft_ctx_get_error_buffer(nft);
    if (r != 0) {
        /* "Error: No such file or directory" for a missing table/chain */
        bool missing = e && strstr(e, "No such file or directory");
        _cleanup_free_ char *msg = xstrdup(e && *e ? e : "failed");
        size_t len = strlen(msg);
        while (len && msg[len - 1] == '\n')
            msg[--len] = '\0';
        pthread_mutex_unlock(&nft_lock);
        return md_err(err, missing ? ENOENT : MD_EINTERNAL, "nftables: %s", msg);
    }
    if (out)
        *out = xstrdup(o ? o : "");
    pthread_mutex_unlock(&nft_lock);
    return 0;
}

int nftr_list_ports(const char *table, char **json, struct md_error *err)
{
    _cleanup_free_ char *cmd = xasprintf("list chain ip %s ports", table);
    return nftr_run(cmd, true, json, err);
}

int nftr_delete_tagged(const char *table, const char *prefix, struct md_error *err)
{
    _cleanup_free_ char *json = NULL;
    struct md_error e = {0};
    if (nftr_list_ports(table, &json, &e) < 0) {
        bool missing = e.err == ENOENT;
        if (!missing && err) {
            md_err_clear(err);
            *err = e;
        } else {
            md_err_clear(&e);
        }
        return missing ? 0 : -1;
    }
    _cleanup_free_ uint64_t *h = NULL;
    size_t n;
    if (nftr_find_rules(json, prefix, &h, NULL, &n, err) < 0)
        return -1;
    if (!n)
        return 0;
    _cleanup_free_ char *cmds = nftr_delete_rules_text(table, h, n);
    return nftr_run(cmds, false, NULL, err);
}
