/* json-file log records and the line splitting of docker's copier. A
 * container that prints a lot makes the shim encode every byte, often six
 * times over (a NUL is "\u0000"), so the encoder copies runs at once: plain
 * ASCII with one memcpy, a run of one escaped byte by doubling what it
 * already wrote. */
#include "daemon/runtime/logfmt.h"
#include "common/cleanup.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Length of a valid UTF-8 sequence at p (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    unsigned cp = c & (0xff >> (need + 1));
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return need;
}

/* What each byte becomes, after moby's jsonlog (ffjsonWriteJSONBytesAsString):
 * controls as \u00XX (tab too: it has no short form there) except \n and
 * \r, '"', '\\', and the HTML-unsafe '<', '>', '&'; a byte that can never
 * start valid UTF-8 is U+FFFD. kind: PLAIN copied as is, ESC the escape in
 * s (padded to 8 bytes so one store writes it), UTF8 a lead byte whose
 * sequence decides. */
enum { PLAIN, ESC, UTF8 };
struct esc {
    char s[8];
    unsigned char len, kind;
};
static struct esc esc_table[256];

static void esc_init(void)
{
    static const char hex[] = "0123456789abcdef";
    for (int c = 0; c < 256; c++) {
        struct esc *e = &esc_table[c];
        e->kind = ESC;
        if (c == '\n' || c == '\r' || c == '"' || c == '\\') {
            e->s[0] = '\\';
            e->s[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : (char)c;
            e->len = 2;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(e->s, "\\u00", 4);
            e->s[4] = hex[c >> 4];
            e->s[5] = hex[c & 15];
            e->len = 6;
        } else if (c < 0x80) {
            e->kind = PLAIN;
        } else if (c < 0xc2 || c > 0xf4) {
            memcpy(e->s, "\\ufffd", 6);
            e->len = 6;
        } else {
            e->kind = UTF8;
        }
    }
}

/* n copies of the len bytes just written before o; returns the new end. */
static char *repeat(char *o, size_t len, size_t n)
{
    char *start = o - len;
    size_t have = len, want = len * n;
    while (have < want) {
        size_t k = have < want - have ? have : want - have;
        memcpy(start + have, start, k);
        have += k;
    }
    return start + want;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

size_t logfmt_json_into(char *out, const char *data, size_t len, const char *stream,
                        const char *attrs, const char *time, size_t time_len)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, esc_init);
    char *o = put(out, "{\"log\":\"", 8);
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        const struct esc *e = &esc_table[p[i]];
        if (e->kind == PLAIN) {
            size_t run = i + 1;
            while (run < len && esc_table[p[run]].kind == PLAIN)
                run++;
            o = put(o, (const char *)p + i, run - i);
            i = run;
        } else if (e->kind == ESC) {
            size_t run = i + 1;
            while (run < len && p[run] == p[i])
                run++;
            memcpy(o, e->s, 8);
            o = repeat(o + e->len, e->len, run - i);
            i = run;
        } else {
            size_t n = utf8_len(p + i, len - i);
            if (n == 0) {
                o = put(o, "\\ufffd", 6);
                i++;
            } else if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
                       (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                /* U+2028, U+2029 break JavaScript; moby escapes them */
                o = put(o, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
                i += 3;
            } else {
                o = put(o, (const char *)p + i, n);
                i += n;
            }
        }
    }
    o = put(o, "\",\"stream\":\"", 12);
    o = put(o, stream, strlen(stream));
    if (attrs) {
        o = put(o, "\",\"attrs\":", 10);
        o = put(o, attrs, strlen(attrs));
        o = put(o, ",\"time\":\"", 9);
    } else {
        o = put(o, "\",\"time\":\"", 10);
    }
    o = put(o, time, time_len);
    o = put(o, "\"}\n", 3);
    return (size_t)(o - out);
}

size_t logfmt_time(struct logfmt_clock *c, int64_t ns, char out[40])
{
    int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
    if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    if (!c->head[0] || c->sec != sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        snprintf(c->head, sizeof c->head, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        c->sec = sec;
    }
    size_t n = strlen(c->head);
    memcpy(out, c->head, n);
    if (nsec) {
        /* Go's RFC3339Nano: the fraction without its trailing zeros */
        char d[9];
        for (int k = 8; k >= 0; k--, nsec /= 10)
            d[k] = (char)('0' + nsec % 10);
        int last = 8;
        while (d[last] == '0')
            last--;
        out[n++] = '.';
        memcpy(out + n, d, (size_t)last + 1);
        n += (size_t)last + 1;
    }
    out[n++] = 'Z';
    out[n] = 0;
    return n;
}

char *logfmt_json(const char *data, size_t len, const char *stream, int64_t ns, size_t *outlen)
{
    struct logfmt_clock c = {0};
    char t[40];
    size_t tl = logfmt_time(&c, ns, t);
    char *out = xmalloc(logfmt_json_max(len) + strlen(stream));
    size_t n = logfmt_json_into(out, data, len, stream, NULL, t, tl);
    out[n] = 0;
    if (outlen)
        *outlen = n;
    return out;
}

/* docker's copier: a whole line takes the time it is logged at, unless it
 * ends a line split into parts: then it, like every part, has the time of
 * the first part. */
static void emit_part(struct logfmt_lines *l, const char *line, size_t len, bool partial,
                      int64_t (*now)(void), logfmt_emit_fn emit, void *arg)
{
    int64_t ns = l->partial_ns ? l->partial_ns : now();
    if (partial)
        l->partial_ns = ns;
    else
        l->partial_ns = 0;
    emit(line, len, ns, arg);
}

void logfmt_feed(struct logfmt_lines *l, const char *data, size_t len, int64_t (*now)(void),
                 logfmt_emit_fn emit, void *arg)
{
    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        size_t room = LOGFMT_MAX_LINE - l->len;
        if (take > room)
            take = room;
        bool whole = nl && take == (size_t)(nl - data) + 1;
        if (!l->len && (whole || take == LOGFMT_MAX_LINE)) {
            /* all of it is here: no copy */
            emit_part(l, data, take, !whole, now, emit, arg);
        } else {
            if (!l->buf)
                l->buf = xmalloc(LOGFMT_MAX_LINE);
            memcpy(l->buf + l->len, data, take);
            l->len += take;
            if (whole || l->len == LOGFMT_MAX_LINE) {
                emit_part(l, l->buf, l->len, !whole, now, emit, arg);
                l->len = 0;
            }
        }
        data += take;
        len -= take;
    }
}

void logfmt_flush(struct logfmt_lines *l, int64_t (*now)(void), logfmt_emit_fn emit, void *arg)
{
    if (l->len) {
        /* docker logs the rest at the end of the stream as a partial message */
        emit_part(l, l->buf, l->len, true, now, emit, arg);
        l->len = 0;
    }
    l->partial_ns = 0;
}

void logfmt_lines_free(struct logfmt_lines *l)
{
    free(l->buf);
    l->buf = NULL;
    l->len = 0;
    l->partial_ns = 0;
}
