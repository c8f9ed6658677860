/* Growable byte buffer (see strbuf.h). */
#include "common/strbuf.h"
#include "common/cleanup.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_grow(struct strbuf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        abort();
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void sb_addn(struct strbuf *b, const char *s, size_t n)
{
    sb_grow(b, n);
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_add(struct strbuf *b, const char *s)
{
    sb_addn(b, s, strlen(s));
}

void sb_addc(struct strbuf *b, char c)
{
    sb_addn(b, &c, 1);
}

void sb_addrep(struct strbuf *b, char c, size_t n)
{
    sb_grow(b, n);
    memset(b->s + b->len, c, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    sb_addn(b, s, (size_t)n);
    free(s);
}

char *sb_steal(struct strbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(struct strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void sb_add_quoted(struct strbuf *b, const char *s)
{
    sb_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_add(b, "\\\"");
            break;
        case '\\':
            sb_add(b, "\\\\");
            break;
        case '\a':
            sb_add(b, "\\a");
            break;
        case '\b':
            sb_add(b, "\\b");
            break;
        case '\f':
            sb_add(b, "\\f");
            break;
        case '\n':
            sb_add(b, "\\n");
            break;
        case '\r':
            sb_add(b, "\\r");
            break;
        case '\t':
            sb_add(b, "\\t");
            break;
        case '\v':
            sb_add(b, "\\v");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sb_printf(b, "\\x%02x", *p);
            else
                sb_addc(b, (char)*p);
        }
    }
    sb_addc(b, '"');
}
