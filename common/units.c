/* Size and duration formatting and parsing, matching go-units and Go's time
 * package so minidock prints and accepts exactly what docker does. */
#include "common/units.h"
#include "common/cleanup.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

char *human_duration(int64_t seconds)
{
    if (seconds < 1)
        return xstrdup("Less than a second");
    if (seconds == 1)
        return xstrdup("1 second");
    if (seconds < 60)
        return xasprintf("%lld seconds", (long long)seconds);
    int64_t minutes = seconds / 60;
    if (minutes == 1)
        return xstrdup("About a minute");
    if (minutes < 60)
        return xasprintf("%lld minutes", (long long)minutes);
    /* go-units rounds hours (math.Round) but truncates minutes and years:
     * 89 minutes is "About an hour", 90 minutes "2 hours". */
    int64_t hours = (seconds + 1800) / 3600;
    if (hours == 1)
        return xstrdup("About an hour");
    if (hours < 48)
        return xasprintf("%lld hours", (long long)hours);
    if (hours < 24 * 7 * 2)
        return xasprintf("%lld days", (long long)(hours / 24));
    if (hours < 24 * 30 * 2)
        return xasprintf("%lld weeks", (long long)(hours / 24 / 7));
    if (hours < 24 * 365 * 2)
        return xasprintf("%lld months", (long long)(hours / 24 / 30));
    return xasprintf("%lld years", (long long)(seconds / 3600 / 24 / 365));
}

char *human_size(double bytes)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    size_t i = 0;
    while (bytes >= 1000.0 && i < sizeof(units) / sizeof(units[0]) - 1) {
        bytes /= 1000.0;
        i++;
    }
    /* C's %.3g and Go's agree: shortest of %e/%f, trailing zeros trimmed,
     * both round the exact binary value. */
    return xasprintf("%.*g%s", 3, bytes, units[i]);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A non-negative decimal as typed: the integer part (-1 once it overflows)
 * and the fraction as frac over scale, keeping at most 18 digits (enough for
 * every multiplier used here). */
struct decimal {
    int64_t ip;
    int64_t frac;
    int64_t scale;
    size_t int_digits;
    size_t frac_digits;
    bool frac_nonzero_dropped; /* digits beyond the 18 kept were not all 0 */
    bool point;
};

/* Reads digits and an optional ".digits" at *s and advances *s. */
static void scan_decimal(const char **s, struct decimal *d)
{
    const char *p = *s;
    memset(d, 0, sizeof(*d));
    d->scale = 1;
    for (; is_digit(*p); p++, d->int_digits++) {
        if (d->ip >= 0) {
            if (d->ip > (INT64_MAX - (*p - '0')) / 10)
                d->ip = -1;
            else
                d->ip = d->ip * 10 + (*p - '0');
        }
    }
    if (*p == '.') {
        d->point = true;
        p++;
        for (; is_digit(*p); p++, d->frac_digits++) {
            if (d->frac_digits < 18) {
                d->frac = d->frac * 10 + (*p - '0');
                d->scale *= 10;
            } else if (*p != '0') {
                d->frac_nonzero_dropped = true;
            }
        }
    }
    *s = p;
}

/* ip * mul + frac * mul / scale, truncated; -1 on overflow. */
static int64_t scale_decimal(const struct decimal *d, int64_t mul)
{
    if (d->ip < 0 || d->ip > INT64_MAX / mul)
        return -1;
    __int128 v = (__int128)d->ip * mul + (__int128)d->frac * mul / d->scale;
    return v > INT64_MAX ? -1 : (int64_t)v;
}

/* go-units parseSize: mul_base 1024 (RAMInBytes) or 1000 (FromHumanSize) */
static int parse_size(const char *s, int64_t base, int64_t *out)
{
    if (!s)
        return -1;
    /* go-units: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ ; a second
     * ".digits" group passes the regex but not ParseFloat, so it is an
     * error there too. We compute exactly where go-units multiplies
     * float64s; the results agree for every size anyone types. */
    const char *p = s;
    struct decimal d;
    scan_decimal(&p, &d);
    if (d.int_digits == 0 || (d.point && d.frac_digits == 0))
        return -1;
    if (*p == ' ')
        p++;
    static const char prefixes[] = "kmgtp";
    int64_t mul = 1;
    const char *u = *p ? strchr(prefixes, *p | 0x20) : NULL;
    if (u) {
        for (const char *k = prefixes; k <= u; k++)
            mul *= base;
        p++;
    }
    if (*p == 'i' || *p == 'I')
        p++;
    if (*p == 'b' || *p == 'B')
        p++;
    if (*p != '\0')
        return -1;
    int64_t v = scale_decimal(&d, mul);
    if (v < 0)
        return -1;
    *out = v;
    return 0;
}

int parse_ram_size(const char *s, int64_t *out)
{
    return parse_size(s, 1024, out);
}

int parse_human_size(const char *s, int64_t *out)
{
    return parse_size(s, 1000, out);
}

int parse_nano_cpus(const char *s, int64_t *out)
{
    if (!s)
        return -1;
    const char *p = s;
    struct decimal d;
    scan_decimal(&p, &d);
    if (*p != '\0' || d.int_digits + d.frac_digits == 0)
        return -1;
    /* docker rejects values that are not a whole number of nanocpus
     * ("value is too precise") rather than rounding them. */
    if (d.frac_nonzero_dropped)
        return -1;
    for (int64_t f = d.frac, sc = d.scale; sc > 1000000000; f /= 10, sc /= 10)
        if (f % 10 != 0)
            return -1;
    int64_t v = scale_decimal(&d, 1000000000);
    if (v < 0)
        return -1;
    *out = v;
    return 0;
}

static const struct {
    const char *name;
    uint64_t ns;
} duration_units[] = {
    {"ns", 1ULL},
    {"us", 1000ULL},
    {"\xc2\xb5s", 1000ULL}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000ULL}, /* U+03BC Greek mu */
    {"ms", 1000000ULL},
    {"s", 1000000000ULL},
    {"m", 60ULL * 1000000000ULL},
    {"h", 3600ULL * 1000000000ULL},
};

int parse_go_duration(const char *s, int64_t *ns)
{
    /* Follows Go's algorithm step by step (including its float rounding of
     * fractions and its overflow limits), since users pass the same strings
     * to docker and to us. */
    const uint64_t limit = 1ULL << 63;
    if (!s)
        return -1;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (*s == '\0')
        return -1;
    uint64_t total = 0;
    while (*s) {
        if (!(*s == '.' || is_digit(*s)))
            return -1;
        uint64_t v = 0;
        const char *start = s;
        for (; is_digit(*s); s++) {
            if (v > limit / 10)
                return -1;
            v = v * 10 + (uint64_t)(*s - '0');
            if (v > limit)
                return -1;
        }
        bool pre = s != start;
        bool post = false;
        uint64_t f = 0;
        double scale = 1.0;
        if (*s == '.') {
            s++;
            start = s;
            bool overflow = false;
            for (; is_digit(*s); s++) {
                if (overflow)
                    continue;
                if (f > (limit - 1) / 10) {
                    overflow = true;
                    continue;
                }
                uint64_t y = f * 10 + (uint64_t)(*s - '0');
                if (y > limit) {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10;
            }
            post = s != start;
        }
        if (!pre && !post)
            return -1;
        size_t ulen = 0;
        while (s[ulen] && s[ulen] != '.' && !is_digit(s[ulen]))
            ulen++;
        if (ulen == 0)
            return -1; /* Go: missing unit */
        uint64_t unit = 0;
        for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
            if (strlen(duration_units[i].name) == ulen &&
                memcmp(duration_units[i].name, s, ulen) == 0)
                unit = duration_units[i].ns;
        if (unit == 0)
            return -1;
        s += ulen;
        if (v > limit / unit)
            return -1;
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > limit)
                return -1;
        }
        total += v;
        if (total > limit)
            return -1;
    }
    if (neg) {
        *ns = total == limit ? INT64_MIN : -(int64_t)total;
        return 0;
    }
    if (total > limit - 1)
        return -1;
    *ns = (int64_t)total;
    return 0;
}

/* v's digits with prec of them after a point, trailing zeros and a bare
 * point dropped (Go's fmtFrac and fmtInt together). */
static void frac_digits(char *out, size_t n, uint64_t v, int prec)
{
    uint64_t p = 1;
    for (int i = 0; i < prec; i++)
        p *= 10;
    uint64_t whole = v / p, frac = v % p;
    int digits = prec;
    while (digits > 0 && frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    if (digits)
        snprintf(out, n, "%llu.%0*llu", (unsigned long long)whole, digits,
                 (unsigned long long)frac);
    else
        snprintf(out, n, "%llu", (unsigned long long)whole);
}

char *go_duration_string(int64_t ns)
{
    bool neg = ns < 0;
    uint64_t u = neg ? -(uint64_t)ns : (uint64_t)ns;
    const char *sign = neg ? "-" : "";
    char num[64];
    if (u == 0)
        return xstrdup("0s");
    if (u < 1000000000ULL) {
        /* below a second: the largest unit that keeps a whole part */
        if (u < 1000ULL)
            return xasprintf("%s%lluns", sign, (unsigned long long)u);
        if (u < 1000000ULL) {
            frac_digits(num, sizeof num, u, 3);
            return xasprintf("%s%s\u00b5s", sign, num);
        }
        frac_digits(num, sizeof num, u, 6);
        return xasprintf("%s%sms", sign, num);
    }
    frac_digits(num, sizeof num, u % 60000000000ULL, 9);
    uint64_t min = u / 60000000000ULL;
    if (!min)
        return xasprintf("%s%ss", sign, num);
    if (min < 60)
        return xasprintf("%s%llum%ss", sign, (unsigned long long)min, num);
    return xasprintf("%s%lluh%llum%ss", sign, (unsigned long long)(min / 60),
                     (unsigned long long)(min % 60), num);
}
