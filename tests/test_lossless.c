/* Lossless modes v1, v2 and v3: bit-exact round trips for every channel count
 * and bit depth on synthetic images, v2's stripes and params checks, and
 * robustness against corrupt streams. */
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "check.h"
#include "container/container.h"
#include "lossless/lossless.h"
#include "lossless/predictor.h"

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

enum { PAT_NOISE, PAT_FLAT, PAT_GRADIENT, PAT_EXTREMES, PAT_SMOOTH_NOISY, PAT_COUNT };

static void *make_image(int pattern, uint32_t w, uint32_t h, uint32_t c, uint32_t bd)
{
    size_t n = (size_t)w * h * c;
    uint32_t max = (1u << bd) - 1;
    void *px = malloc(n * (bd / 8));
    for (size_t i = 0; i < n; i++) {
        size_t pix = i / c, x = pix % w, y = pix / w, ch = i % c;
        uint32_t v;
        switch (pattern) {
        case PAT_NOISE: v = rnd() & max; break;
        case PAT_FLAT: v = ch == 0 ? max / 3 : max; break;
        case PAT_GRADIENT: v = (uint32_t)((x * 7 + y * 3 + ch * 50) * (max / 255)) & max; break;
        case PAT_EXTREMES: v = ((x + y + ch) & 1) ? max : 0; break;
        default: v = (uint32_t)(((x + y) * (max / 255) * 2 + (rnd() % 9) * (max / 255)) & max); break;
        }
        if (bd == 8)
            ((uint8_t *)px)[i] = (uint8_t)v;
        else
            ((uint16_t *)px)[i] = (uint16_t)v;
    }
    return px;
}

/* Encode, store in a container, read back, decode, compare. */
static int round_trip(const void *px, uint32_t w, uint32_t h, uint32_t c, uint32_t bd,
                      const LosslessTuning *t)
{
    StreamList l = {0};
    int err = lossless_encode_tuned(px, w, h, c, bd, t, &l);
    if (err < 0) {
        streams_free(&l);
        return err;
    }
    LatHeader hd;
    memset(&hd, 0, sizeof hd);
    hd.width = w; hd.height = h; hd.channels = c; hd.bit_depth = bd; hd.quality = -1;
    uint8_t *f;
    size_t fs;
    err = container_write(&hd, &l, &f, &fs);
    streams_free(&l);
    if (err < 0)
        return err;
    StreamList r;
    err = container_read(f, fs, 0, &hd, &r);
    free(f);
    if (err < 0)
        return err;
    size_t bytes = (size_t)w * h * c * (bd / 8);
    void *out = malloc(bytes);
    err = lossless_decode(&r, w, h, c, bd, t->threads, out);
    streams_free(&r);
    if (err >= 0 && memcmp(out, px, bytes) != 0)
        err = LAT_ERR_INTERNAL;
    free(out);
    return err;
}

static void test_round_trips(void)
{
    static const uint32_t sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 2}, {13, 9}, {64, 33}, {3, 130}};
    LosslessTuning def;
    lossless_default_tuning(&def);
    for (int version = 1; version <= 3; version++)
        for (uint32_t c = 1; c <= 4; c++)
            for (uint32_t bd = 8; bd <= 16; bd += 8)
                for (int pat = 0; pat < PAT_COUNT; pat++)
                    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
                        uint32_t w = sizes[s][0], h = sizes[s][1];
                        void *px = make_image(pat, w, h, c, bd);
                        def.version = version;
                        int err = round_trip(px, w, h, c, bd, &def);
                        if (err != LAT_OK)
                            fprintf(stderr, "v%d c=%u bd=%u pattern=%d %ux%u\n", version, c, bd,
                                    pat, w, h);
                        CHECK_ERR(err, LAT_OK);
                        free(px);
                    }
}

/* v2: any stripe count up to the height round-trips (stripes run on their
 * own threads, at most t.threads at once, the same bytes for any count);
 * more stripes than rows is refused. */
static void test_stripes(void)
{
    LosslessTuning t;
    lossless_default_tuning(&t);
    for (uint32_t c = 1; c <= 4; c += 3) {
        void *px = make_image(PAT_SMOOTH_NOISY, 37, 9, c, 8);
        for (t.stripes = 1; t.stripes <= 9; t.stripes++)
            for (t.threads = 0; t.threads <= 3; t.threads++)
                CHECK_ERR(round_trip(px, 37, 9, c, 8, &t), LAT_OK);
        t.threads = 0;
        t.stripes = 10;
        CHECK_ERR(round_trip(px, 37, 9, c, 8, &t), LAT_ERR_INVALID_ARGUMENT);
        free(px);
    }
    /* The size cost of stripes is small on a smooth image. */
    void *px = make_image(PAT_SMOOTH_NOISY, 200, 160, 3, 8);
    size_t bytes[2];
    StreamList one_thread = {0};
    for (int k = 0; k < 2; k++) {
        StreamList l = {0};
        t.stripes = k ? 4 : 1;
        t.threads = 0;
        CHECK_ERR(lossless_encode_tuned(px, 200, 160, 3, 8, &t, &l), LAT_OK);
        bytes[k] = 0;
        for (uint32_t s = 0; s < l.count; s++)
            bytes[k] += l.s[s].size;
        CHECK(l.count == 1 + (uint32_t)t.stripes);
        t.threads = 1;
        CHECK_ERR(lossless_encode_tuned(px, 200, 160, 3, 8, &t, &one_thread), LAT_OK);
        CHECK(one_thread.count == l.count);
        for (uint32_t s = 0; s < l.count && s < one_thread.count; s++)
            CHECK(one_thread.s[s].size == l.s[s].size
                  && memcmp(one_thread.s[s].data, l.s[s].data, l.s[s].size) == 0);
        streams_free(&one_thread);
        streams_free(&l);
    }
    t.threads = 0;
    CHECK(bytes[1] > bytes[0] && bytes[1] < bytes[0] + bytes[0] / 20);
    free(px);
}

/* v2 and v3 params: exactly 5 bytes, known version and its predictor (2
 * for v2, 3 for v3), the stripe count equal to the residual streams, no v1
 * extra-bits stream. The default is v3. */
static void test_v2_params(void)
{
    void *px = make_image(PAT_GRADIENT, 30, 20, 3, 8);
    void *out = malloc(30 * 20 * 3);
    LosslessTuning t;
    lossless_default_tuning(&t);
    CHECK(t.version == 3);
    for (t.version = 2; t.version <= 3; t.version++) {
        t.stripes = 2;
        StreamList l = {0};
        CHECK_ERR(lossless_encode_tuned(px, 30, 20, 3, 8, &t, &l), LAT_OK);
        CHECK(l.count == 3 && l.s[0].size == 5 && l.s[0].data[0] == t.version
              && l.s[0].data[2] == t.version && l.s[0].data[4] == 2);
        CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_OK);
        CHECK(!memcmp(out, px, 30 * 20 * 3));
        static const int fields[] = {0, 1, 2, 3, 4};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            uint8_t *b = &l.s[0].data[fields[f]];
            const uint8_t keep = *b;
            *b = (uint8_t)(f == 0 ? 4 : keep + 1);   /* version 4 is unknown */
            CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_ERR_STREAM_CORRUPT);
            *b = keep;
        }
        /* The other version's number with this one's predictor. */
        l.s[0].data[0] = (uint8_t)(5 - t.version);
        CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_ERR_STREAM_CORRUPT);
        l.s[0].data[0] = (uint8_t)t.version;
        l.s[0].size = 4;
        CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_ERR_STREAM_CORRUPT);
        l.s[0].size = 5;
        l.count = 2;   /* one stripe stream missing */
        CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_ERR_STREAM_CORRUPT);
        l.count = 3;
        uint8_t *extra = malloc(1);
        extra[0] = 0;
        CHECK(streams_push(&l, STREAM_LOSSLESS_EXTRA, extra, 1, 1) == 0);
        CHECK_ERR(lossless_decode(&l, 30, 20, 3, 8, 0, out), LAT_ERR_STREAM_CORRUPT);
        streams_free(&l);
    }
    free(out);
    free(px);
}

/* v2 falls back to v1 when its streams would be larger than the raw
 * samples allow (noise-like content; forced here with a limit of 0): the
 * file is a valid v1 file. On noise and smooth images alike the default
 * limit keeps v2, whose worst case here is within 7% of the raw size. */
static void test_v2_fallback(void)
{
    static const uint32_t kinds[][2] = {{3, 8}, {1, 16}, {4, 16}, {2, 8}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const uint32_t c = kinds[k][0], bd = kinds[k][1], w = 96, h = 80;
        for (int pat = PAT_NOISE; pat <= PAT_SMOOTH_NOISY; pat += PAT_SMOOTH_NOISY)
            for (int forced = 0; forced <= 1; forced++) {
                void *px = make_image(pat, w, h, c, bd);
                LosslessTuning t;
                lossless_default_tuning(&t);
                t.fallback_permille = forced ? 0 : t.fallback_permille;
                StreamList l = {0};
                CHECK_ERR(lossless_encode_tuned(px, w, h, c, bd, &t, &l), LAT_OK);
                CHECK(l.count > 0 && l.s[0].type == STREAM_LOSSLESS_PARAMS && l.s[0].size > 0);
                CHECK(l.s[0].data[0] == (forced ? 1 : 3));
                /* v1 ends with its extra-bits stream, v3 has none. */
                CHECK((l.s[l.count - 1].type == STREAM_LOSSLESS_EXTRA) == forced);
                streams_free(&l);
                CHECK_ERR(round_trip(px, w, h, c, bd, &t), LAT_OK);
                free(px);
            }
    }
}

/* Every encoder choice the params can express decodes. */
static void test_tunings(void)
{
    for (uint32_t c = 1; c <= 4; c += 3) {
        void *px = make_image(PAT_SMOOTH_NOISY, 40, 30, c, 8);
        for (int pred = 0; pred < PREDICTOR_COUNT; pred++)
            for (int tr = 0; tr <= 1; tr++)
                for (int g = 1; g <= LOSSLESS_MAX_GROUPS; g += 5) {
                    LosslessTuning t = {g, tr, pred, 3, 1, 0, 1125, 0};
                    CHECK_ERR(round_trip(px, 40, 30, c, 8, &t), LAT_OK);
                }
        free(px);
    }
}

static void test_packed(void)
{
    void *px = make_image(PAT_SMOOTH_NOISY, 21, 19, 1, 8);
    uint8_t *buf;
    size_t n;
    CHECK_ERR(lossless_encode_packed(px, 21, 19, 1, 8, 1, &buf, &n), LAT_OK);
    uint8_t out[21 * 19];
    CHECK_ERR(lossless_decode_packed(buf, n, 21, 19, 1, 8, 0, out), LAT_OK);
    CHECK(!memcmp(out, px, sizeof out));
    for (size_t k = 0; k < n; k++)   /* any truncation is refused */
        CHECK(lossless_decode_packed(buf, k, 21, 19, 1, 8, 0, out) < 0);
    free(buf);
    free(px);
}

/* Corrupt raw streams (after zstd, so no checksum helps): the decoder must
 * return an error or some image, never read out of bounds (ASan run). */
static void test_corrupt_streams(void)
{
    uint32_t w = 23, h = 17;
    for (uint32_t bd = 8; bd <= 16; bd += 8) {
        void *px = make_image(PAT_SMOOTH_NOISY, w, h, 4, bd);
        StreamList l = {0};
        CHECK_ERR(lossless_encode(px, w, h, 4, bd, 1, &l), LAT_OK);
        void *out = malloc((size_t)w * (h + 1) * 4 * 2);   /* room for the h + 1 call */
        int refused = 0, trials = 0;
        for (uint32_t s = 0; s < l.count; s++) {
            for (size_t k = 0; k < l.s[s].size; k += 1 + l.s[s].size / 40) {
                for (int b = 0; b < 8; b += 3) {
                    l.s[s].data[k] ^= (uint8_t)(1u << b);
                    refused += lossless_decode(&l, w, h, 4, bd, 0, out) < 0;
                    trials++;
                    l.s[s].data[k] ^= (uint8_t)(1u << b);
                }
            }
            /* A stream one byte short never decodes. */
            if (l.s[s].size) {
                l.s[s].size--;
                CHECK(lossless_decode(&l, w, h, 4, bd, 0, out) < 0);
                l.s[s].size++;
            }
        }
        CHECK(refused > 0 && trials > 0);
        CHECK_ERR(lossless_decode(&l, w, h, 4, bd, 0, out), LAT_OK);
        CHECK(!memcmp(out, px, (size_t)w * h * 4 * (bd / 8)));
        /* Wrong geometry for the streams. */
        CHECK(lossless_decode(&l, w, h, 3, bd, 0, out) < 0);
        CHECK(lossless_decode(&l, w, h + 1, 4, bd, 0, out) < 0);
        streams_free(&l);
        free(out);
        free(px);
    }
}

int main(void)
{
    test_round_trips();
    test_tunings();
    test_stripes();
    test_v2_params();
    test_v2_fallback();
    test_packed();
    test_corrupt_streams();
    return check_report();
}
