/* Timestamps as docker prints and accepts them: RFC3339 in UTC with
 * nanoseconds, Go's zero time, and the --since/--until value syntax. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* Go's zero time.Time ("0001-01-01T00:00:00Z"), e.g. FinishedAt of a
 * container that never ran. It lies outside int64 nanoseconds, so it has
 * this sentinel; time_format and time_parse_rfc3339 map it both ways. */
#define TIME_ZERO INT64_MIN

/* CLOCK_REALTIME in nanoseconds since the epoch. */
int64_t time_now_ns(void);
/* RFC3339 in UTC, malloc'd. pad9: "2024-01-01T00:00:00.000000000Z" (docker
 * logs -t); otherwise Go's RFC3339Nano with trailing zeros trimmed:
 * "2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z" (docker inspect). */
char *time_format(int64_t unix_ns, bool pad9);
/* "2024-01-01T10:00:00Z", "...T10:00:00.123+02:00"; 0 or -1. */
int time_parse_rfc3339(const char *s, int64_t *ns);
/* docker's --since/--until: unix seconds with optional fraction
 * ("1700000000.5"), RFC3339 with or without fraction or zone,
 * "2006-01-02", "2006-01-02T15", "2006-01-02T15:04", "2006-01-02T15:04:05"
 * (no zone: the local zone in force at now_ns), or a Go duration before
 * now_ns ("10m", truncated to whole seconds as docker does). 0 or -1. */
int time_parse_since(const char *s, int64_t now_ns, int64_t *ns);
