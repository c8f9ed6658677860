/* RFC3339 formatting and parsing without the C library's time zone state
 * (UTC arithmetic is done here; only time_parse_since asks for the local
 * offset, as docker's client does). */
#include "common/timefmt.h"
#include "common/cleanup.h"
#include "common/units.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

int64_t time_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar,
 * counting whole 400-year eras (146097 days) from year 0 so the arithmetic
 * never divides a negative number. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    /* Count years from March so the leap day falls at the end of a year. */
    if (m <= 2)
        y--;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12; /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

char *time_format(int64_t unix_ns, bool pad9)
{
    if (unix_ns == TIME_ZERO)
        return xstrdup(pad9 ? "0001-01-01T00:00:00.000000000Z" : "0001-01-01T00:00:00Z");
    int64_t sec = unix_ns / 1000000000;
    int64_t nsec = unix_ns % 1000000000;
    if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char frac[12] = "";
    if (pad9 || nsec) {
        snprintf(frac, sizeof(frac), ".%09lld", (long long)nsec);
        if (!pad9) {
            size_t n = strlen(frac);
            while (frac[n - 1] == '0')
                frac[--n] = '\0';
        }
    }
    return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* Exactly n digits at *p; advances *p. */
static int fixed_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

struct datetime {
    int year, month, day, hour, min, sec;
    int64_t nsec;
    bool has_zone;
    int offset; /* seconds east of UTC */
};

/* "Z" or "+hh:mm"/"-hh:mm" at *p, or nothing. */
static int parse_zone(const char **p, struct datetime *dt)
{
    const char *s = *p;
    if (*s == 'Z') {
        dt->has_zone = true;
        dt->offset = 0;
        *p = s + 1;
        return 0;
    }
    if (*s != '+' && *s != '-')
        return 0;
    int sign = *s == '-' ? -1 : 1, hh, mm;
    s++;
    if (fixed_digits(&s, 2, &hh) < 0 || *s++ != ':' || fixed_digits(&s, 2, &mm) < 0)
        return -1;
    if (hh > 23 || mm > 59)
        return -1;
    dt->has_zone = true;
    dt->offset = sign * (hh * 3600 + mm * 60);
    *p = s;
    return 0;
}

/* RFC3339 when strict; otherwise also docker's shorter forms: a date alone,
 * a time cut after the hour or the minute, and no zone. */
static int parse_datetime(const char *s, bool strict, struct datetime *dt)
{
    memset(dt, 0, sizeof(*dt));
    if (fixed_digits(&s, 4, &dt->year) < 0 || *s++ != '-' || fixed_digits(&s, 2, &dt->month) < 0 ||
        *s++ != '-' || fixed_digits(&s, 2, &dt->day) < 0)
        return -1;
    if (*s == 'T') {
        s++;
        if (fixed_digits(&s, 2, &dt->hour) < 0)
            return -1;
        int fields = 1;
        while (fields < 3 && *s == ':') {
            s++;
            if (fixed_digits(&s, 2, fields == 1 ? &dt->min : &dt->sec) < 0)
                return -1;
            fields++;
        }
        if (strict && fields < 3)
            return -1;
        /* Go accepts a fraction after the seconds even where the layout has
         * none, and keeps at most nanoseconds. */
        if (fields == 3 && *s == '.') {
            s++;
            int n = 0;
            for (; *s >= '0' && *s <= '9'; s++, n++)
                if (n < 9)
                    dt->nsec = dt->nsec * 10 + (*s - '0');
            if (n == 0)
                return -1;
            for (; n < 9; n++)
                dt->nsec *= 10;
        }
    } else if (strict) {
        return -1;
    }
    if (parse_zone(&s, dt) < 0 || *s != '\0')
        return -1;
    if (strict && !dt->has_zone)
        return -1;
    if (dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > days_in_month(dt->year, dt->month) || dt->hour > 23 || dt->min > 59 ||
        dt->sec > 59)
        return -1;
    return 0;
}

/* The instant dt names when read at UTC offset `offset`; -1 if it does not
 * fit int64 nanoseconds (years before 1678 or after 2262). */
static int datetime_to_ns(const struct datetime *dt, int offset, int64_t *ns)
{
    int64_t secs = days_from_civil(dt->year, dt->month, dt->day) * 86400 + dt->hour * 3600 +
                   dt->min * 60 + dt->sec - offset;
    int64_t nsec = dt->nsec;
    /* Borrow a second first so the earliest representable instants
     * (1677-09-21T00:12:43.145224193Z) do not overflow on the way. */
    if (secs < 0 && nsec > 0) {
        secs++;
        nsec -= 1000000000;
    }
    int64_t v;
    if (__builtin_mul_overflow(secs, (int64_t)1000000000, &v) ||
        __builtin_add_overflow(v, nsec, &v))
        return -1;
    *ns = v;
    return 0;
}

int time_parse_rfc3339(const char *s, int64_t *ns)
{
    struct datetime dt;
    if (!s || parse_datetime(s, true, &dt) < 0)
        return -1;
    if (dt.year == 1 && dt.month == 1 && dt.day == 1 && dt.hour == 0 && dt.min == 0 &&
        dt.sec == 0 && dt.nsec == 0 && dt.offset == 0) {
        *ns = TIME_ZERO;
        return 0;
    }
    return datetime_to_ns(&dt, dt.offset, ns);
}

/* docker's unix timestamp form: seconds, optionally ".fraction". */
static int parse_unix_timestamp(const char *s, int64_t *ns)
{
    int64_t sec = 0, nsec = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        if (__builtin_mul_overflow(sec, 10, &sec) || __builtin_add_overflow(sec, *p - '0', &sec))
            return -1;
    if (p == s)
        return -1;
    if (*p == '.') {
        const char *f = ++p;
        for (; *p >= '0' && *p <= '9'; p++)
            if (p - f < 9)
                nsec = nsec * 10 + (*p - '0');
        if (p == f)
            return -1;
        for (ptrdiff_t n = p - f; n < 9; n++)
            nsec *= 10;
    }
    if (*p != '\0')
        return -1;
    int64_t v;
    if (__builtin_mul_overflow(sec, (int64_t)1000000000, &v) || __builtin_add_overflow(v, nsec, &v))
        return -1;
    *ns = v;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int time_parse_since(const char *s, int64_t now_ns, int64_t *ns)
{
    if (!s || !*s)
        return -1;
    /* Same order as docker's GetTimestamp: "0" is the epoch, not a duration. */
    int64_t d;
    if (strcmp(s, "0") != 0 && parse_go_duration(s, &d) == 0) {
        int64_t t;
        if (__builtin_sub_overflow(now_ns, d, &t))
            return -1;
        *ns = floor_div(t, 1000000000) * 1000000000;
        return 0;
    }
    if (strchr(s, '-')) {
        struct datetime dt;
        if (parse_datetime(s, false, &dt) < 0)
            return -1;
        int offset = dt.offset;
        if (!dt.has_zone) {
            /* docker parses zone-less values in a fixed zone equal to the
             * local offset at the reference time, not at the value's time. */
            time_t now = (time_t)floor_div(now_ns, 1000000000);
            struct tm tm;
            if (!localtime_r(&now, &tm))
                return -1;
            offset = (int)tm.tm_gmtoff;
        }
        return datetime_to_ns(&dt, offset, ns);
    }
    return parse_unix_timestamp(s, ns);
}
