/* Name and DNS option syntax shared by client and daemon (see netopts.h). */
#include "common/netopts.h"
#include "common/cleanup.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool netopt_ip_valid(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

int netopt_extra_host(const char *val, char **name, char **ip, char **why)
{
    const char *colon = strchr(val, ':');
    if (!colon || colon == val) {
        *why = xasprintf("bad format for add-host: \"%s\"", val);
        return -1;
    }
    const char *addr = colon + 1;
    if (strcmp(addr, "host-gateway") && !netopt_ip_valid(addr)) {
        *why = xasprintf("invalid IP address in add-host: \"%s\"", addr);
        return -1;
    }
    *name = xstrndup(val, (size_t)(colon - val));
    *ip = xstrdup(addr);
    return 0;
}

char *netopt_add_host_flag(const char *val, char **why)
{
    const char *sep = strchr(val, '=');
    if (!sep)
        sep = strchr(val, ':');
    _cleanup_free_ char *k = sep ? xstrndup(val, (size_t)(sep - val)) : NULL;
    /* a ':' in the name: the daemon would split there and say something odd */
    if (!sep || !*k || strchr(k, ':')) {
        *why = xasprintf("bad format for add-host: \"%s\"", val);
        return NULL;
    }
    _cleanup_free_ char *v = xstrdup(sep + 1);
    size_t n = strlen(v);
    if (n > 2 && v[0] == '[' && v[n - 1] == ']') {
        memmove(v, v + 1, n - 2);
        v[n - 2] = '\0';
    }
    if (strcmp(v, "host-gateway") && !netopt_ip_valid(v)) {
        *why = xasprintf("invalid IP address in add-host: \"%s\"", v);
        return NULL;
    }
    return xasprintf("%s:%s", k, v);
}

int netopt_link(const char *val, char **name, char **alias, char **why)
{
    if (!*val) {
        *why = xstrdup("empty string specified for links");
        return -1;
    }
    const char *c1 = strchr(val, ':');
    if (c1 && strchr(c1 + 1, ':')) {
        *why = xasprintf("bad format for links: %s", val);
        return -1;
    }
    if (!c1) {
        *name = xstrdup(val);
        *alias = xstrdup(val);
        return 0;
    }
    if (val[0] == '/') { /* "/web:/me/db" as inspect shows it */
        const char *slash = strrchr(c1 + 1, '/');
        *name = xstrndup(val + 1, (size_t)(c1 - val - 1));
        *alias = xstrdup(slash ? slash + 1 : c1 + 1);
        return 0;
    }
    *name = xstrndup(val, (size_t)(c1 - val));
    *alias = xstrdup(c1 + 1);
    return 0;
}

int netopt_mac(const char *val, char out[18], char **why)
{
    unsigned b[6];
    char s1[6], tail;
    int n = sscanf(val, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &s1[0], &b[1], &s1[1], &b[2],
                   &s1[2], &b[3], &s1[3], &b[4], &s1[4], &b[5], &tail);
    bool ok = n == 11 && strlen(val) == 17;
    for (int i = 0; ok && i < 5; i++)
        ok = (s1[i] == ':' || s1[i] == '-') && s1[i] == s1[0];
    for (int i = 0; ok && i < 17; i++)
        ok = i % 3 == 2 || isxdigit((unsigned char)val[i]);
    if (!ok) {
        *why = xasprintf("invalid MAC address %s", val);
        return -1;
    }
    /* the kernel refuses a multicast address for an interface */
    if (b[0] & 1) {
        *why = xasprintf("invalid MAC address %s: it is a multicast address", val);
        return -1;
    }
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0] & 255u, b[1] & 255u, b[2] & 255u,
             b[3] & 255u, b[4] & 255u, b[5] & 255u);
    return 0;
}

/* one label: alphanumerics and '-', neither first nor last */
static bool label_ok(const char *s, size_t n)
{
    if (!n || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return false;
    return true;
}

bool netopt_dns_search_valid(const char *s)
{
    if (!strcmp(s, "."))
        return true;
    size_t len = strlen(s);
    if (len && s[len - 1] == '.')
        len--;
    if (!len || len >= 255)
        return false;
    bool letter = false;
    for (size_t i = 0; i < len; i++)
        letter |= isalpha((unsigned char)s[i]) != 0;
    if (!letter)
        return false;
    for (size_t start = 0; start <= len;) {
        const char *dot = memchr(s + start, '.', len - start);
        size_t end = dot ? (size_t)(dot - s) : len;
        if (!label_ok(s + start, end - start))
            return false;
        start = end + 1;
        if (!dot)
            break;
    }
    return true;
}
