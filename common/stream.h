/* docker's multiplexed stream framing (attach, logs and exec without a TTY):
 * each frame is an 8-byte header [stream, 0, 0, 0, big-endian length]
 * followed by that many bytes of payload. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2, STREAM_SYSERR = 3 };

void stream_header(uint8_t hdr[8], int stream, uint32_t len);

/* Demultiplexer state; visible so callers can keep it on the stack, but
 * only the functions below touch it. */
struct stream_demux {
    uint8_t hdr[8];
    size_t hdr_len;     /* header bytes gathered so far */
    uint32_t remaining; /* payload bytes still due for the current frame */
    int stream;
    bool failed;
};

void stream_demux_init(struct stream_demux *d);
/* Feed n bytes, cut anywhere; calls out() for each run of payload (a frame
 * split across feeds arrives in several calls; empty frames in none).
 * Returns 0, or -1 on a malformed header (stream > 3), after which every
 * further feed fails too. */
int stream_demux_feed(struct stream_demux *d, const void *buf, size_t n,
                      void (*out)(void *ctx, int stream, const void *data, size_t len), void *ctx);
/* True at a frame boundary: an end of input here is clean, anywhere else
 * the peer cut a frame short. */
bool stream_demux_idle(const struct stream_demux *d);
/* Payload bytes of the current frame not yet seen, and its stream in
 * *stream; 0 at a frame boundary or inside a header. A reader may deliver
 * them itself (splice) and then report them with stream_demux_consumed. */
uint32_t stream_demux_pending(const struct stream_demux *d, int *stream);
void stream_demux_consumed(struct stream_demux *d, uint32_t n);
