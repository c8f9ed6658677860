/* Random ids, short ids and prefix matching (docker's stringid and
 * truncindex behaviour). */
#include "common/ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void id_random_bytes(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* Ids that may repeat are worse than no daemon at all. */
            abort();
        }
        p += r;
        n -= (size_t)r;
    }
}

uint32_t id_random_below(uint32_t n)
{
    /* Reject the top partial range so every value is equally likely. */
    uint32_t limit = UINT32_MAX - UINT32_MAX % n;
    uint32_t v;
    do
        id_random_bytes(&v, sizeof(v));
    while (v >= limit);
    return v % n;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void id_new(char out[65])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[32];
    do {
        id_random_bytes(raw, sizeof(raw));
        for (size_t i = 0; i < sizeof(raw); i++) {
            out[2 * i] = hex[raw[i] >> 4];
            out[2 * i + 1] = hex[raw[i] & 0xf];
        }
        out[64] = '\0';
        /* Like docker: a short id made only of digits could be read as a
         * number (e.g. by tools that parse `ps` output), so draw again. */
    } while (all_digits(out, 12));
}

bool id_is_full(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++) {
        if (i >= 64)
            return false;
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return i == 64;
}

void id_short(const char *id, char out[13])
{
    size_t n = strnlen(id, 12);
    memcpy(out, id, n);
    out[n] = '\0';
}

long id_prefix_match(const char *prefix, const char *const *ids, size_t n)
{
    if (!prefix || !*prefix)
        return ID_MATCH_NONE;
    size_t plen = strlen(prefix);
    long found = ID_MATCH_NONE;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i] || strncmp(ids[i], prefix, plen) != 0)
            continue;
        if (ids[i][plen] == '\0')
            return (long)i;
        found = found == ID_MATCH_NONE ? (long)i : ID_MATCH_AMBIGUOUS;
    }
    return found;
}
