/* Framing and de-framing of docker's multiplexed attach/logs streams. */
#include "common/stream.h"

#include <string.h>

void stream_header(uint8_t hdr[8], int stream, uint32_t len)
{
    hdr[0] = (uint8_t)stream;
    hdr[1] = hdr[2] = hdr[3] = 0;
    hdr[4] = (uint8_t)(len >> 24);
    hdr[5] = (uint8_t)(len >> 16);
    hdr[6] = (uint8_t)(len >> 8);
    hdr[7] = (uint8_t)len;
}

void stream_demux_init(struct stream_demux *d)
{
    memset(d, 0, sizeof(*d));
}

int stream_demux_feed(struct stream_demux *d, const void *buf, size_t n,
                      void (*out)(void *ctx, int stream, const void *data, size_t len), void *ctx)
{
    const uint8_t *p = buf;
    if (d->failed)
        return -1;
    while (n > 0) {
        if (d->remaining == 0) {
            size_t k = sizeof(d->hdr) - d->hdr_len;
            if (k > n)
                k = n;
            memcpy(d->hdr + d->hdr_len, p, k);
            d->hdr_len += k;
            p += k;
            n -= k;
            if (d->hdr_len < sizeof(d->hdr))
                break;
            d->hdr_len = 0;
            /* Like docker's stdcopy, only the stream byte is checked; the
             * three padding bytes are ignored. Anything else means we are
             * reading raw (TTY) output or lost sync, and guessing would
             * print garbage. */
            if (d->hdr[0] > STREAM_SYSERR) {
                d->failed = true;
                return -1;
            }
            d->stream = d->hdr[0];
            d->remaining = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
                           (uint32_t)d->hdr[6] << 8 | d->hdr[7];
            continue;
        }
        size_t k = n < d->remaining ? n : d->remaining;
        out(ctx, d->stream, p, k);
        d->remaining -= (uint32_t)k;
        p += k;
        n -= k;
    }
    return 0;
}

bool stream_demux_idle(const struct stream_demux *d)
{
    return !d->failed && d->remaining == 0 && d->hdr_len == 0;
}

uint32_t stream_demux_pending(const struct stream_demux *d, int *stream)
{
    if (d->failed || d->hdr_len)
        return 0;
    *stream = d->stream;
    return d->remaining;
}

void stream_demux_consumed(struct stream_demux *d, uint32_t n)
{
    d->remaining -= n < d->remaining ? n : d->remaining;
}
