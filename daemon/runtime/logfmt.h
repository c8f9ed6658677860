/* What the shim writes: docker's json-file log lines and the multiplexed
 * stream frames of attach (frames: common/stream.h). Pure functions, unit-tested. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define LOGFMT_MAX_LINE 16384 /* docker splits longer lines into partial messages */

/* One json-file record (time: RFC 3339, 9 fraction digits, UTC), newline-terminated, as moby's
 * jsonlog writes it:
 * {"log":"...","stream":"stdout","time":"..."}\n  (HTML-safe escaping,
 * invalid UTF-8 as U+FFFD). Heap string. */
char *logfmt_json(const char *data, size_t len, const char *stream, int64_t ns, size_t *outlen);

/* Splits a byte stream into log messages at newlines (newline kept), like
 * docker's copier: a partial line waits for more data until LOGFMT_MAX_LINE
 * bytes or the end of the stream. */
struct logfmt_lines {
    char *buf;
    size_t len;
};
typedef void (*logfmt_emit_fn)(const char *line, size_t len, void *arg);
void logfmt_feed(struct logfmt_lines *l, const char *data, size_t len, logfmt_emit_fn emit,
                 void *arg);
/* End of stream: emit what is pending. */
void logfmt_flush(struct logfmt_lines *l, logfmt_emit_fn emit, void *arg);
void logfmt_lines_free(struct logfmt_lines *l);
