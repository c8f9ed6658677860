/* json-file log records and attach frames. */
#include "daemon/runtime/logfmt.h"
#include "common/cleanup.h"
#include "common/timefmt.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

/* The escapes of moby's jsonlog (ffjsonWriteJSONBytesAsString) for bytes
 * below 0x80: controls as \u00XX (tab too: it has no short form there)
 * except \n and \r, '"', '\\', and the HTML-unsafe '<', '>', '&'. Length 0:
 * copied as is. Each entry is padded to 8 bytes so one store writes it. */
struct esc {
    char s[8];
    unsigned char len;
};
static struct esc esc_table[128];

static void esc_init(void)
{
    static const char hex[] = "0123456789abcdef";
    for (int c = 0; c < 128; c++) {
        struct esc *e = &esc_table[c];
        if (c == '\n' || c == '\r' || c == '"' || c == '\\') {
            e->s[0] = '\\';
            e->s[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : (char)c;
            e->len = 2;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(e->s, "\\u00", 4);
            e->s[4] = hex[c >> 4];
            e->s[5] = hex[c & 15];
            e->len = 6;
        }
    }
}

char *logfmt_json(const char *data, size_t len, const char *stream, int64_t ns, size_t *outlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, esc_init);
    /* worst case: every byte becomes \ufffd (6 chars); 8 of slack for the
     * padded stores */
    size_t cap = len * 6 + strlen(stream) + 104;
    char *out = xmalloc(cap), *o = out;
    memcpy(o, "{\"log\":\"", 8);
    o += 8;
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            const struct esc *e = &esc_table[c];
            if (e->len) {
                memcpy(o, e->s, 8);
                o += e->len;
                i++;
                continue;
            }
            /* a run of plain ASCII, copied at once */
            size_t run = i + 1;
            while (run < len && p[run] < 0x80 && !esc_table[p[run]].len)
                run++;
            memcpy(o, p + i, run - i);
            o += run - i;
            i = run;
            continue;
        }
        size_t n = utf8_len(p + i, len - i);
        if (n == 0) {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            i++;
            continue;
        }
        /* U+2028, U+2029 break JavaScript; moby escapes them */
        if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
            memcpy(o, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
        } else {
            memcpy(o, p + i, n);
            o += n;
        }
        i += n;
    }
    _cleanup_free_ char *t = time_format(ns, true);
    o += sprintf(o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, t);
    if (outlen)
        *outlen = (size_t)(o - out);
    return out;
}

void logfmt_feed(struct logfmt_lines *l, const char *data, size_t len, logfmt_emit_fn emit,
                 void *arg)
{
    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) + 1 : len;
        size_t room = LOGFMT_MAX_LINE - l->len;
        if (take > room)
            take = room;
        if (!l->buf)
            l->buf = xmalloc(LOGFMT_MAX_LINE);
        memcpy(l->buf + l->len, data, take);
        l->len += take;
        data += take;
        len -= take;
        if (l->buf[l->len - 1] == '\n' || l->len == LOGFMT_MAX_LINE) {
            emit(l->buf, l->len, arg);
            l->len = 0;
        }
    }
}

void logfmt_flush(struct logfmt_lines *l, logfmt_emit_fn emit, void *arg)
{
    if (l->len) {
        emit(l->buf, l->len, arg);
        l->len = 0;
    }
}

void logfmt_lines_free(struct logfmt_lines *l)
{
    free(l->buf);
    l->buf = NULL;
    l->len = 0;
}
