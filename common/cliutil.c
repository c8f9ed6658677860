/* Client-side display and flag logic of the docker CLI (see cliutil.h). */
#include "common/cliutil.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One UTF-8 sequence at s (n bytes left); invalid bytes count as one rune
 * U+FFFD of length 1, as Go's decoder does. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *len)
{
    unsigned c = s[0];
    size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (need == 0 || need > n) {
        *len = 1;
        return c < 0x80 ? c : 0xFFFD;
    }
    uint32_t r = need == 1 ? c : need == 2 ? (c & 0x1f) : need == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        r = (r << 6) | (s[i] & 0x3f);
    }
    *len = need;
    return r;
}

/* East Asian Wide and Fullwidth ranges (golang.org/x/text/width), coarse. */
static int rune_width(uint32_t r)
{
    static const uint32_t wide[][2] = {
        {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
        {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
        {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
        {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (r >= wide[i][0] && r <= wide[i][1])
            return 2;
    return 1;
}

char *cli_ellipsis(const char *s, int max_width)
{
    if (max_width <= 0)
        return xstrdup("");
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    /* rune boundaries and cumulative widths */
    size_t nr = 0, cap = n + 1;
    _cleanup_free_ size_t *end = xcalloc(cap, sizeof *end);
    _cleanup_free_ int *disp = xcalloc(cap, sizeof *disp);
    bool ascii = true;
    int w = 0;
    for (size_t i = 0; i < n;) {
        size_t l;
        uint32_t r = utf8_next(u + i, n - i, &l);
        if (l != 1 || r >= 0x80)
            ascii = false;
        i += l;
        w += rune_width(r);
        end[nr] = i;
        disp[nr] = w;
        nr++;
    }
    if (nr == 0)
        return xstrdup(""); /* Go would panic on rs[0]; nothing to show */
    if (max_width == 1)
        return xstrndup(s, end[0]);
    if (ascii) {
        if (n <= (size_t)max_width)
            return xstrdup(s);
        return xasprintf("%.*s…", max_width - 1, s);
    }
    if (w <= max_width)
        return xstrdup(s);
    for (size_t i = 0; i + 1 < nr; i++)
        if (disp[i] <= max_width - 1 && disp[i + 1] > max_width - 1)
            return xasprintf("%.*s…", (int)end[i], s);
    return xstrdup(s);
}

char *cli_quote(const char *s)
{
    struct strbuf b = STRBUF_INIT;
    sb_add_quoted(&b, s);
    return sb_steal(&b);
}

/* comparePorts of formatter/container.go */
static int port_cmp(const void *pa, const void *pb)
{
    const struct cli_port *a = pa, *b = pb;
    if (a->private_port != b->private_port)
        return a->private_port < b->private_port ? -1 : 1;
    int c = strcmp(a->ip ? a->ip : "", b->ip ? b->ip : "");
    if (c)
        return c;
    if (a->public_port != b->public_port)
        return a->public_port < b->public_port ? -1 : 1;
    return strcmp(a->type ? a->type : "", b->type ? b->type : "");
}

char *cli_join_host_port(const char *host, const char *port)
{
    if (strchr(host, ':'))
        return xasprintf("[%s]:%s", host, port);
    return xasprintf("%s:%s", host, port);
}

struct port_group {
    char *key; /* "tcp" or "ip/tcp" */
    unsigned first, last;
};

static void form_group(struct strbuf *out, const char *key, unsigned first, unsigned last)
{
    /* strings.Split(key, "/"): "ip/type" or "type" */
    const char *slash = strrchr(key, '/');
    _cleanup_free_ char *ip = slash ? xstrndup(key, (size_t)(slash - key)) : NULL;
    const char *type = slash ? slash + 1 : key;
    _cleanup_free_ char *group =
        first != last ? xasprintf("%u-%u", first, last) : xasprintf("%u", first);
    if (out->len)
        sb_add(out, ", ");
    if (ip && *ip) {
        _cleanup_free_ char *hp = cli_join_host_port(ip, group);
        sb_printf(out, "%s->%s", hp, group);
    } else {
        sb_add(out, group);
    }
    sb_printf(out, "/%s", type);
}

char *cli_ports_display(struct cli_port *ports, size_t n)
{
    if (n)
        qsort(ports, n, sizeof *ports, port_cmp);
    struct strbuf result = STRBUF_INIT, mappings = STRBUF_INIT;
    struct port_group *groups = xcalloc(n + 1, sizeof *groups);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) {
        const struct cli_port *p = &ports[i];
        unsigned cur = p->private_port;
        const char *type = p->type ? p->type : "";
        char *key;
        if (p->ip && *p->ip) {
            if (p->public_port != cur) {
                char port[8];
                snprintf(port, sizeof port, "%u", p->public_port);
                _cleanup_free_ char *hp = cli_join_host_port(p->ip, port);
                sb_printf(&mappings, "%s%s->%u/%s", mappings.len ? ", " : "", hp, cur, type);
                continue;
            }
            key = xasprintf("%s/%s", p->ip, type);
        } else {
            key = xstrdup(type);
        }
        struct port_group *g = NULL;
        for (size_t k = 0; k < ng; k++)
            if (!strcmp(groups[k].key, key))
                g = &groups[k];
        if (!g) {
            groups[ng++] = (struct port_group){key, cur, cur};
            continue;
        }
        if (cur == g->last + 1) {
            g->last = cur;
        } else {
            /* a gap: the finished range goes out now, a new one starts */
            form_group(&result, key, g->first, g->last);
            g->first = g->last = cur;
        }
        free(key);
    }
    for (size_t k = 0; k < ng; k++) {
        form_group(&result, groups[k].key, groups[k].first, groups[k].last);
        free(groups[k].key);
    }
    free(groups);
    if (mappings.len) {
        if (result.len)
            sb_add(&result, ", ");
        sb_add(&result, mappings.s);
    }
    sb_free(&mappings);
    return sb_steal(&result);
}

char *cli_human_size(double bytes, int precision)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    size_t i = 0;
    while (bytes >= 1000.0 && i < sizeof units / sizeof units[0] - 1) {
        bytes /= 1000.0;
        i++;
    }
    return xasprintf("%.*g%s", precision, bytes, units[i]);
}

char *cli_bytes_size(double bytes)
{
    static const char *const units[] = {"B",   "KiB", "MiB", "GiB", "TiB",
                                        "PiB", "EiB", "ZiB", "YiB"};
    size_t i = 0;
    while (bytes >= 1024.0 && i < sizeof units / sizeof units[0] - 1) {
        bytes /= 1024.0;
        i++;
    }
    return xasprintf("%.4g%s", bytes, units[i]);
}

char *cli_ps_size(int64_t size_rw, int64_t size_rootfs)
{
    _cleanup_free_ char *rw = cli_human_size((double)size_rw, 3);
    if (size_rootfs > 0) {
        _cleanup_free_ char *v = cli_human_size((double)size_rootfs, 3);
        return xasprintf("%s (virtual %s)", rw, v);
    }
    return steal_ptr(&rw);
}

int cli_natural_cmp(const char *a, const char *b)
{
    size_t i = 0, j = 0, la = strlen(a), lb = strlen(b);
    while (i < la && j < lb) {
        bool da = isdigit((unsigned char)a[i]), db = isdigit((unsigned char)b[j]);
        if (da != db)
            return da ? -1 : 1;
        if (!da) {
            if (a[i] != b[j])
                return (unsigned char)a[i] < (unsigned char)b[j] ? -1 : 1;
            i++, j++;
            continue;
        }
        while (i < la && a[i] == '0')
            i++;
        while (j < lb && b[j] == '0')
            j++;
        size_t nz1 = i, nz2 = j;
        while (i < la && isdigit((unsigned char)a[i]))
            i++;
        while (j < lb && isdigit((unsigned char)b[j]))
            j++;
        size_t l1 = i - nz1, l2 = j - nz2;
        if (l1 != l2)
            return l1 < l2 ? -1 : 1;
        int c = memcmp(a + nz1, b + nz2, l1);
        if (c)
            return c < 0 ? -1 : 1;
        if (nz1 != nz2)
            return nz1 < nz2 ? -1 : 1;
    }
    if (la - i == lb - j)
        return 0;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

int cli_detach_keys_parse(const char *spec, unsigned char *out, size_t cap, size_t *n, char **err)
{
    static const char *const ctrl[] = {
        "ctrl-@", "ctrl-a", "ctrl-b", "ctrl-c", "ctrl-d",  "ctrl-e", "ctrl-f", "ctrl-g",
        "ctrl-h", "ctrl-i", "ctrl-j", "ctrl-k", "ctrl-l",  "ctrl-m", "ctrl-n", "ctrl-o",
        "ctrl-p", "ctrl-q", "ctrl-r", "ctrl-s", "ctrl-t",  "ctrl-u", "ctrl-v", "ctrl-w",
        "ctrl-x", "ctrl-y", "ctrl-z", "ctrl-[", "ctrl-\\", "ctrl-]", "ctrl-^", "ctrl-_"};
    *n = 0;
    _cleanup_free_ char *copy = xstrdup(spec);
    char *save = copy;
    for (;;) {
        char *comma = strchr(save, ',');
        if (comma)
            *comma = '\0';
        const char *key = save;
        int code = -1;
        if (strlen(key) == 1) {
            code = (unsigned char)key[0];
        } else {
            for (int k = 0; k < 32; k++)
                if (!strcmp(ctrl[k], key))
                    code = k;
            if (code < 0 && !strcmp(key, "DEL"))
                code = 127;
        }
        if (code < 0) {
            *err = xasprintf("Unknown character: '%s'", key);
            return -1;
        }
        if (*n >= cap) {
            *err = xstrdup("too many detach keys");
            return -1;
        }
        out[(*n)++] = (unsigned char)code;
        if (!comma)
            break;
        save = comma + 1;
    }
    return 0;
}

void cli_escape_init(struct cli_escape *e, const unsigned char *keys, size_t n)
{
    if (n > sizeof e->keys)
        n = sizeof e->keys;
    memcpy(e->keys, keys, n);
    e->nkeys = n;
    e->pos = 0;
}

size_t cli_escape_feed(struct cli_escape *e, const unsigned char *in, size_t n, unsigned char *out,
                       bool *detached)
{
    size_t w = 0;
    *detached = false;
    for (size_t i = 0; i < n; i++) {
        if (e->nkeys && in[i] == e->keys[e->pos]) {
            if (++e->pos == e->nkeys) {
                *detached = true;
                e->pos = 0;
                return w;
            }
            continue;
        }
        /* Not the sequence after all: the held-back bytes go through. Like
         * docker's proxy, the current byte is not re-tried as a new start. */
        memcpy(out + w, e->keys, e->pos);
        w += e->pos;
        e->pos = 0;
        out[w++] = in[i];
    }
    return w;
}

static void newline_indent(struct strbuf *b, const char *indent, int depth)
{
    if (!indent)
        return; /* json.Compact */
    sb_addc(b, '\n');
    for (int i = 0; i < depth; i++)
        sb_add(b, indent);
}

char *cli_json_indent(const char *src, size_t len, const char *indent)
{
    struct strbuf b = STRBUF_INIT;
    int depth = 0;
    bool need_indent = false;
    size_t i = 0;
    while (i < len) {
        char c = src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        if (need_indent && c != '}' && c != ']') {
            need_indent = false;
            depth++;
            newline_indent(&b, indent, depth);
        }
        switch (c) {
        case '{':
        case '[':
            sb_addc(&b, c);
            need_indent = true;
            i++;
            break;
        case '}':
        case ']':
            if (need_indent) {
                need_indent = false; /* "{}" / "[]" */
            } else {
                if (--depth < 0)
                    goto bad;
                newline_indent(&b, indent, depth);
            }
            sb_addc(&b, c);
            i++;
            break;
        case ',':
            sb_addc(&b, c);
            newline_indent(&b, indent, depth);
            i++;
            break;
        case ':':
            sb_add(&b, indent ? ": " : ":");
            i++;
            break;
        case '"': {
            size_t j = i + 1;
            while (j < len && src[j] != '"')
                j += src[j] == '\\' ? 2 : 1;
            if (j >= len)
                goto bad;
            sb_addn(&b, src + i, j + 1 - i);
            i = j + 1;
            break;
        }
        default: {
            size_t j = i;
            while (j < len && !strchr(" \t\r\n,:{}[]\"", src[j]))
                j++;
            if (j == i)
                goto bad;
            sb_addn(&b, src + i, j - i);
            i = j;
        }
        }
    }
    if (depth != 0 || need_indent)
        goto bad;
    return sb_steal(&b);
bad:
    sb_free(&b);
    return NULL;
}

char *cli_time_string(int64_t unix_sec)
{
    time_t t = (time_t)unix_sec;
    struct tm tm;
    char buf[128];
    localtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
    return xstrdup(buf);
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l;
        uint32_t r = utf8_next(s + i, n - i, &l);
        if (r == 0xFFFD && l == 1 && s[i] >= 0x80)
            return false;
        i += l;
    }
    return true;
}

int cli_env_file(const char *path, char ***out, char **err)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f) {
        /* Go spells errno texts in lower case */
        *err = xasprintf("open %s: %s", path, strerror(errno));
        char *m = strstr(*err, ": ") + 2;
        *m = (char)tolower((unsigned char)*m);
        return -1;
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    ssize_t r;
    char **lines = NULL;
    for (int lineno = 1; (r = getline(&line, &cap, f)) >= 0; lineno++) {
        size_t n = (size_t)r;
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n && line[n - 1] == '\r') /* bufio.ScanLines drops a trailing \r */
            line[--n] = '\0';
        if (!utf8_valid((unsigned char *)line, n)) {
            *err = xasprintf("invalid env file (%s): invalid utf8 bytes at line %d", path, lineno);
            strv_free(lines);
            return -1;
        }
        char *l = line;
        if (lineno == 1 && !strncmp(l, "\xEF\xBB\xBF", 3))
            l += 3;
        while (*l && isspace((unsigned char)*l))
            l++;
        if (!*l || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        size_t klen = eq ? (size_t)(eq - l) : strlen(l);
        if (klen == 0) {
            *err = xasprintf("invalid env file (%s): no variable name on line '%s'", path, l);
            strv_free(lines);
            return -1;
        }
        _cleanup_free_ char *key = xstrndup(l, klen);
        if (strpbrk(key, " \t")) {
            *err =
                xasprintf("invalid env file (%s): variable '%s' contains whitespaces", path, key);
            strv_free(lines);
            return -1;
        }
        if (eq) {
            strv_push(&lines, l);
        } else {
            const char *v = getenv(key);
            if (v) {
                _cleanup_free_ char *kv = xasprintf("%s=%s", key, v);
                strv_push(&lines, kv);
            }
        }
    }
    for (char **p = lines; p && *p; p++)
        strv_push(out, *p);
    strv_free(lines);
    return 0;
}

char *cli_env_value(const char *val, char **err)
{
    const char *eq = strchr(val, '=');
    if (eq == val || !*val) {
        *err = xasprintf("invalid environment variable: %s", val);
        return NULL;
    }
    if (eq)
        return xstrdup(val);
    const char *v = getenv(val);
    return v ? xasprintf("%s=%s", val, v) : xstrdup(val);
}

/* strconv.ParseInt(s, 10, 64) with Go's error text. */
static int go_parse_int(const char *s, int64_t *out, char **err)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool digits_only = *s != '\0';
    for (const char *p = (*s == '-' || *s == '+') ? s + 1 : s; *p; p++)
        if (!isdigit((unsigned char)*p))
            digits_only = false;
    if (*s == '-' || *s == '+')
        digits_only = digits_only && s[1];
    if (!digits_only || *end) {
        *err = xasprintf("strconv.ParseInt: parsing \"%s\": invalid syntax", s);
        return -1;
    }
    if (errno == ERANGE) {
        *err = xasprintf("strconv.ParseInt: parsing \"%s\": value out of range", s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_ulimit_parse(const char *val, char **name, int64_t *soft, int64_t *hard, char **err)
{
    static const char *const names[] = {"core",    "cpu",      "data",   "fsize",      "locks",
                                        "memlock", "msgqueue", "nice",   "nofile",     "nproc",
                                        "rss",     "rtprio",   "rttime", "sigpending", "stack"};
    const char *eq = strchr(val, '=');
    if (!eq) {
        *err = xasprintf("invalid ulimit argument: %s", val);
        return -1;
    }
    _cleanup_free_ char *n = xstrndup(val, (size_t)(eq - val));
    bool known = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        known = known || !strcmp(names[i], n);
    if (!known) {
        *err = xasprintf("invalid ulimit type: %s", n);
        return -1;
    }
    const char *v = eq + 1;
    const char *colon = strchr(v, ':');
    if (colon && strchr(colon + 1, ':')) {
        *err = xasprintf("too many limit value arguments - %s, can only have up to two, "
                         "`soft[:hard]`",
                         v);
        return -1;
    }
    int64_t s, h;
    if (colon) {
        _cleanup_free_ char *sv = xstrndup(v, (size_t)(colon - v));
        if (go_parse_int(colon + 1, &h, err) < 0 || go_parse_int(sv, &s, err) < 0)
            return -1;
    } else {
        if (go_parse_int(v, &s, err) < 0)
            return -1;
        h = s;
    }
    if (h != -1) {
        if (s == -1) {
            *err = xasprintf("ulimit soft limit must be less than or equal to hard limit: soft: -1 "
                             "(unlimited), hard: %" PRId64,
                             h);
            return -1;
        }
        if (s > h) {
            *err = xasprintf("ulimit soft limit must be less than or equal to hard limit: %" PRId64
                             " > %" PRId64,
                             s, h);
            return -1;
        }
    }
    *name = steal_ptr(&n);
    *soft = s;
    *hard = h;
    return 0;
}

int cli_restart_parse(const char *val, char **name, int *max_retry, char **err)
{
    const char *colon = strchr(val, ':');
    *max_retry = 0;
    if (colon == val) {
        *err = xstrdup("invalid restart policy format: no policy provided before colon");
        return -1;
    }
    if (colon && colon[1]) {
        int64_t v;
        _cleanup_free_ char *e = NULL;
        if (go_parse_int(colon + 1, &v, &e) < 0 || v > INT_MAX || v < INT_MIN) {
            *err = xstrdup("invalid restart policy format: maximum retry count must be an integer");
            return -1;
        }
        *max_retry = (int)v;
    }
    *name = colon ? xstrndup(val, (size_t)(colon - val)) : xstrdup(val);
    return 0;
}

int cli_volume_parse(const char *spec, const char *cwd, char **bind, char **err)
{
    *bind = NULL;
    size_t n = strlen(spec);
    if (n == 0) {
        *err = xstrdup("invalid empty volume spec");
        return -1;
    }
    if (n <= 2)
        return 0; /* a target only: an anonymous volume */
    /* Split on ':' (a one-letter Windows drive "C:" stays whole). */
    const char *fields[3] = {NULL, NULL, NULL};
    size_t flen[3] = {0, 0, 0};
    size_t nf = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && spec[i] == ':' && i - start == 1 && isalpha((unsigned char)spec[start]))
            continue;
        if (i < n && spec[i] != ':')
            continue;
        if (i == start) {
            *err = xasprintf("invalid spec: %s: empty section between colons", spec);
            return -1;
        }
        if (nf == 3) {
            *err = xasprintf("invalid spec: %s: too many colons", spec);
            return -1;
        }
        if (nf == 2 && i < n) {
            *err = xasprintf("invalid spec: %s: too many colons", spec);
            return -1;
        }
        fields[nf] = spec + start;
        flen[nf++] = i - start;
        start = i + 1;
    }
    if (nf == 1)
        return 0; /* anonymous */
    _cleanup_free_ char *host = xstrndup(fields[0], flen[0]);
    const char *rest = spec + flen[0] + 1;
    bool is_path = host[0] == '.' || host[0] == '/' || host[0] == '~';
    if (is_path && host[0] == '.' && cwd) {
        /* filepath.Abs = Join(cwd, host) then Clean */
        struct strbuf b = STRBUF_INIT;
        sb_printf(&b, "%s/%s", cwd, host);
        char *joined = sb_steal(&b);
        /* clean: drop "." segments, resolve "..", collapse slashes */
        char **segs = NULL;
        char *save = NULL;
        for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
            if (!strcmp(t, "."))
                continue;
            if (!strcmp(t, "..")) {
                size_t l = strv_len(segs);
                if (l) {
                    free(segs[l - 1]);
                    segs[l - 1] = NULL;
                }
                continue;
            }
            strv_push(&segs, t);
        }
        free(joined);
        for (char **p = segs; p && *p; p++)
            sb_printf(&b, "/%s", *p);
        if (!b.len)
            sb_addc(&b, '/');
        strv_free(segs);
        free(host);
        host = sb_steal(&b);
    }
    *bind = xasprintf("%s:%s", host, rest);
    return 0;
}

double cli_stats_cpu_percent(uint64_t cpu, uint64_t precpu, uint64_t sys, uint64_t presys,
                             uint32_t online_cpus)
{
    double cpu_delta = (double)cpu - (double)precpu;
    double sys_delta = (double)sys - (double)presys;
    if (sys_delta > 0.0 && cpu_delta > 0.0)
        return cpu_delta / sys_delta * (double)online_cpus * 100.0;
    return 0.0;
}

double cli_stats_mem_usage(uint64_t usage, bool has_total_inactive, uint64_t total_inactive,
                           uint64_t inactive)
{
    if (has_total_inactive && total_inactive < usage)
        return (double)(usage - total_inactive);
    if (inactive < usage)
        return (double)(usage - inactive);
    return (double)usage;
}

char *cli_percent(double v)
{
    return xasprintf("%.2f%%", v);
}
