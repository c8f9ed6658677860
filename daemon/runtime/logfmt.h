/* What the shim writes: docker's json-file log lines and the multiplexed
 * stream frames of attach (frames: common/stream.h). Pure functions, unit-tested. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGFMT_MAX_LINE 16384 /* docker splits longer lines into partial messages */

/* One json-file record, newline-terminated, as moby's jsonlog writes it:
 * {"log":"...","stream":"stdout","time":"..."}\n  (HTML-safe escaping,
 * invalid UTF-8 as U+FFFD; time: Go's RFC3339Nano, UTC, trailing zeros of
 * the fraction dropped). Heap string. */
char *logfmt_json(const char *data, size_t len, const char *stream, int64_t ns, size_t *outlen);

/* The same record written at out, which has room for logfmt_json_max(len)
 * bytes plus strlen(attrs); returns its length. time: from logfmt_time.
 * attrs: NULL, or a JSON object's text put in as json-file's "attrs"
 * (--log-opt labels, env, env-regex, tag), between stream and time as
 * moby writes it. */
size_t logfmt_json_into(char *out, const char *data, size_t len, const char *stream,
                        const char *attrs, const char *time, size_t time_len);
#define logfmt_json_max(len) ((len)*6 + 128)

/* Go's RFC3339Nano for ns (UTC), into out (40 bytes); returns the length.
 * The date and clock part is kept between calls in the same second. */
struct logfmt_clock {
    int64_t sec;
    char head[64]; /* "2006-01-02T15:04:05" */
};
size_t logfmt_time(struct logfmt_clock *c, int64_t ns, char out[40]);

/* Splits a byte stream into log messages at newlines (newline kept), like
 * docker's copier: a partial line waits for more data until LOGFMT_MAX_LINE
 * bytes or the end of the stream. Like docker, every part of a line split
 * into partial messages carries the time of its first part. */
struct logfmt_lines {
    char *buf;
    size_t len;
    int64_t partial_ns; /* time of the first part of a split line; 0: none */
};
typedef void (*logfmt_emit_fn)(const char *line, size_t len, int64_t ns, void *arg);
/* now: the clock (called once per message that starts a new time). */
void logfmt_feed(struct logfmt_lines *l, const char *data, size_t len, int64_t (*now)(void),
                 logfmt_emit_fn emit, void *arg);
/* End of stream: emit what is pending. */
void logfmt_flush(struct logfmt_lines *l, int64_t (*now)(void), logfmt_emit_fn emit, void *arg);
void logfmt_lines_free(struct logfmt_lines *l);
