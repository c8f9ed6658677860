/* Base64 (RFC 4648), both alphabets on decoding. */
#include "common/base64.h"
#include "common/cleanup.h"

#include <string.h>

static const char ALPHA[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n)
{
    const unsigned char *p = data;
    char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = ALPHA[(v >> 18) & 63];
        *o++ = ALPHA[(v >> 12) & 63];
        *o++ = i + 1 < n ? ALPHA[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? ALPHA[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

char *base64_decode(const char *s, size_t *n)
{
    size_t len = strlen(s);
    while (len && s[len - 1] == '=')
        len--;
    if (len % 4 == 1)
        return NULL;
    char *out = xmalloc(len / 4 * 3 + 3), *o = out;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int x = sextet(s[i]);
        if (x < 0) {
            free(out);
            return NULL;
        }
        v = (v << 6) | (unsigned)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (char)((v >> bits) & 0xff);
        }
    }
    *o = '\0';
    if (n)
        *n = (size_t)(o - out);
    return out;
}
