/* json-file log records and attach frames. */
#include "daemon/runtime/logfmt.h"
#include "common/cleanup.h"
#include "common/timefmt.h"

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

char *logfmt_json(const char *data, size_t len, const char *stream, int64_t ns, size_t *outlen)
{
    /* worst case: every byte becomes \ufffd (6 chars) */
    size_t cap = len * 6 + strlen(stream) + 96;
    char *out = xmalloc(cap), *o = out;
    static const char hex[] = "0123456789abcdef";
    o += sprintf(o, "{\"log\":\"");
    const unsigned char *p = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            size_t n = utf8_len(p + i, len - i);
            if (n == 0) {
                o += sprintf(o, "\\ufffd");
                i++;
                continue;
            }
            /* U+2028, U+2029 break JavaScript; Go escapes them */
            if (n == 3 && c == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                o += sprintf(o, "\\u202%c", p[i + 2] == 0xa8 ? '8' : '9');
            } else {
                memcpy(o, p + i, n);
                o += n;
            }
            i += n;
            continue;
        }
        switch (c) {
        case '"':
            o += sprintf(o, "\\\"");
            break;
        case '\\':
            o += sprintf(o, "\\\\");
            break;
        case '\n':
            o += sprintf(o, "\\n");
            break;
        case '\r':
            o += sprintf(o, "\\r");
            break;
        case '\t':
            o += sprintf(o, "\\t");
            break;
        case '<':
        case '>':
        case '&':
            o += sprintf(o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            break;
        default:
            if (c < 0x20) {
                o += sprintf(o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            } else {
                *o++ = (char)c;
            }
        }
        i++;
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
