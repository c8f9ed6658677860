/* Unit tests for common/stream: frame headers and a demultiplexer fed the
 * same byte stream whole, byte by byte, and cut at every point. */
#include "common/stream.h"
#include "common/cleanup.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* What the demultiplexer delivered: bytes per stream, plus every stream
 * switch in order so interleaving is checked too. */
struct sink {
    char data[4][1024];
    size_t len[4];
    char order[64];
    size_t norder;
    int calls;
};

static void collect(void *ctx, int stream, const void *data, size_t len)
{
    struct sink *s = ctx;
    ck_assert_int_ge(stream, 0);
    ck_assert_int_le(stream, 3);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_le(s->len[stream] + len, sizeof(s->data[stream]));
    memcpy(s->data[stream] + s->len[stream], data, len);
    s->len[stream] += len;
    if (s->norder == 0 || s->order[s->norder - 1] != '0' + stream) {
        ck_assert_uint_lt(s->norder, sizeof(s->order) - 1);
        s->order[s->norder++] = (char)('0' + stream);
    }
    s->calls++;
}

static uint8_t wire[2048];
static size_t wire_len;
static char big[300];

static void put_frame(int stream, const void *data, uint32_t len)
{
    stream_header(wire + wire_len, stream, len);
    memcpy(wire + wire_len + 8, data, len);
    wire_len += 8 + len;
}

/* stdout "hello\n", stderr "oops", an empty stdout frame, 300 bytes of
 * stdout (length above 255 exercises the big-endian bytes), syserr. */
static void build_wire(void)
{
    wire_len = 0;
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (char)('a' + i % 26);
    put_frame(STREAM_STDOUT, "hello\n", 6);
    put_frame(STREAM_STDERR, "oops", 4);
    put_frame(STREAM_STDOUT, "", 0);
    put_frame(STREAM_STDOUT, big, sizeof(big));
    put_frame(STREAM_SYSERR, "boom", 4);
}

static void check_sink(const struct sink *s)
{
    ck_assert_uint_eq(s->len[STREAM_STDOUT], 6 + sizeof(big));
    ck_assert(memcmp(s->data[STREAM_STDOUT], "hello\n", 6) == 0);
    ck_assert(memcmp(s->data[STREAM_STDOUT] + 6, big, sizeof(big)) == 0);
    ck_assert_uint_eq(s->len[STREAM_STDERR], 4);
    ck_assert(memcmp(s->data[STREAM_STDERR], "oops", 4) == 0);
    ck_assert_uint_eq(s->len[STREAM_SYSERR], 4);
    ck_assert(memcmp(s->data[STREAM_SYSERR], "boom", 4) == 0);
    ck_assert_uint_eq(s->len[STREAM_STDIN], 0);
    ck_assert_str_eq(s->order, "1213");
}

START_TEST(test_header)
{
    uint8_t h[8];
    stream_header(h, STREAM_STDERR, 0x01020304);
    const uint8_t want[8] = {2, 0, 0, 0, 1, 2, 3, 4};
    ck_assert(memcmp(h, want, 8) == 0);
    stream_header(h, STREAM_STDOUT, 6);
    const uint8_t want2[8] = {1, 0, 0, 0, 0, 0, 0, 6};
    ck_assert(memcmp(h, want2, 8) == 0);
    stream_header(h, STREAM_STDIN, 0xffffffffu);
    const uint8_t want3[8] = {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    ck_assert(memcmp(h, want3, 8) == 0);
}
END_TEST

START_TEST(test_demux_whole)
{
    build_wire();
    struct sink s = {0};
    struct stream_demux d;
    stream_demux_init(&d);
    ck_assert(stream_demux_idle(&d));
    ck_assert_int_eq(stream_demux_feed(&d, wire, wire_len, collect, &s), 0);
    check_sink(&s);
    ck_assert(stream_demux_idle(&d));
    /* one call per non-empty frame when nothing is split */
    ck_assert_int_eq(s.calls, 4);
}
END_TEST

START_TEST(test_demux_byte_by_byte)
{
    build_wire();
    struct sink s = {0};
    struct stream_demux d;
    stream_demux_init(&d);
    for (size_t i = 0; i < wire_len; i++) {
        ck_assert_int_eq(stream_demux_feed(&d, wire + i, 1, collect, &s), 0);
        /* idle exactly after the last byte of each frame */
        bool boundary =
            i + 1 == 14 || i + 1 == 26 || i + 1 == 34 || i + 1 == 342 || i + 1 == wire_len;
        ck_assert_msg(stream_demux_idle(&d) == boundary, "idle wrong after byte %zu", i);
    }
    check_sink(&s);
    ck_assert_uint_eq(wire_len, 354);
}
END_TEST

START_TEST(test_demux_every_split)
{
    build_wire();
    for (size_t cut = 0; cut <= wire_len; cut++) {
        struct sink s = {0};
        struct stream_demux d;
        stream_demux_init(&d);
        ck_assert_int_eq(stream_demux_feed(&d, wire, cut, collect, &s), 0);
        ck_assert_int_eq(stream_demux_feed(&d, wire + cut, wire_len - cut, collect, &s), 0);
        check_sink(&s);
        ck_assert(stream_demux_idle(&d));
    }
}
END_TEST

START_TEST(test_demux_random_chunks)
{
    build_wire();
    srand(12345);
    for (int round = 0; round < 200; round++) {
        struct sink s = {0};
        struct stream_demux d;
        stream_demux_init(&d);
        size_t off = 0;
        while (off < wire_len) {
            size_t k = (size_t)rand() % 20;
            if (k > wire_len - off)
                k = wire_len - off;
            ck_assert_int_eq(stream_demux_feed(&d, wire + off, k, collect, &s), 0);
            off += k;
        }
        check_sink(&s);
    }
}
END_TEST

START_TEST(test_demux_truncated)
{
    build_wire();
    struct sink s = {0};
    struct stream_demux d;
    stream_demux_init(&d);
    /* cut inside the 300-byte frame: a short read must be visible */
    ck_assert_int_eq(stream_demux_feed(&d, wire, 100, collect, &s), 0);
    ck_assert(!stream_demux_idle(&d));
    ck_assert_uint_eq(s.len[STREAM_STDOUT], 6 + 100 - 34 - 8);
    /* cut inside a header */
    stream_demux_init(&d);
    ck_assert_int_eq(stream_demux_feed(&d, wire, 3, collect, &s), 0);
    ck_assert(!stream_demux_idle(&d));
}
END_TEST

START_TEST(test_demux_bad_header)
{
    build_wire();
    uint8_t bad[32];
    memcpy(bad, wire, 14);         /* a good stdout frame */
    stream_header(bad + 14, 4, 2); /* stream 4 does not exist */
    memcpy(bad + 22, "xx", 2);
    struct sink s = {0};
    struct stream_demux d;
    stream_demux_init(&d);
    ck_assert_int_eq(stream_demux_feed(&d, bad, 24, collect, &s), -1);
    /* the good frame before it was still delivered, nothing after */
    ck_assert_uint_eq(s.len[STREAM_STDOUT], 6);
    ck_assert_int_eq(s.calls, 1);
    ck_assert(!stream_demux_idle(&d));
    /* sticky: no resync on garbage */
    ck_assert_int_eq(stream_demux_feed(&d, wire, wire_len, collect, &s), -1);
    ck_assert_int_eq(s.calls, 1);

    /* raw TTY output fed by mistake: 'h' is 0x68 */
    stream_demux_init(&d);
    ck_assert_int_eq(stream_demux_feed(&d, "hello world\n", 12, collect, &s), -1);
    ck_assert_int_eq(s.calls, 1);

    /* the bad header split byte by byte fails once complete */
    stream_demux_init(&d);
    uint8_t h[8];
    stream_header(h, 0xff, 1);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(stream_demux_feed(&d, h + i, 1, collect, &s), 0);
    ck_assert_int_eq(stream_demux_feed(&d, h + 7, 1, collect, &s), -1);
}
END_TEST

START_TEST(test_demux_empty_feed)
{
    struct sink s = {0};
    struct stream_demux d;
    stream_demux_init(&d);
    ck_assert_int_eq(stream_demux_feed(&d, "", 0, collect, &s), 0);
    ck_assert_int_eq(s.calls, 0);
    ck_assert(stream_demux_idle(&d));
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("common/stream");
    TCase *tc = tcase_create("stream");
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_demux_whole);
    tcase_add_test(tc, test_demux_byte_by_byte);
    tcase_add_test(tc, test_demux_every_split);
    tcase_add_test(tc, test_demux_random_chunks);
    tcase_add_test(tc, test_demux_truncated);
    tcase_add_test(tc, test_demux_bad_header);
    tcase_add_test(tc, test_demux_empty_feed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stream_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
