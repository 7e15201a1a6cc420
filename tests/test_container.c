/* .lat container v1: write/parse round trip and every named error. */
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "check.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "container/container.h"

static void header_init(LatHeader *h)
{
    memset(h, 0, sizeof *h);
    h->mode = LAT_MODE_LOSSLESS;
    h->width = 33;
    h->height = 17;
    h->channels = 3;
    h->bit_depth = 8;
    h->quality = -1;
}

static uint8_t *dup_bytes(const char *s, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    memcpy(p, s, n);
    return p;
}

/* A small valid file with three streams, one of them empty. */
static void make_file(uint8_t **f, size_t *n)
{
    LatHeader h;
    header_init(&h);
    StreamList l = {0};
    streams_push(&l, STREAM_LOSSLESS_PARAMS, dup_bytes("params", 6), 6, 3);
    streams_push(&l, STREAM_LOSSLESS_RESIDUAL, dup_bytes("", 0), 0, 3);
    streams_push(&l, STREAM_LOSSLESS_RESIDUAL, dup_bytes("aaaaaaaaaabbbbbbbbbbaaaaaaaaaa", 30), 30, 19);
    CHECK_ERR(container_write(&h, &l, f, n), LAT_OK);
    streams_free(&l);
}

static size_t header_size(const uint8_t *f)
{
    return LAT_HEADER_FIXED_SIZE + (size_t)get_u32(f + 72) * LAT_TABLE_ENTRY_SIZE + 4;
}

/* Rewrites the header CRC after a deliberate edit. */
static void fix_crc(uint8_t *f)
{
    size_t hs = header_size(f);
    put_u32(f + hs - 4, crc32_update(0, f, hs - 4));
}

static int read_err(const uint8_t *f, size_t n)
{
    LatHeader h;
    StreamList l;
    int err = container_read(f, n, 0, &h, &l);
    if (err >= 0)
        streams_free(&l);
    return err;
}

/* Copies the file, applies an edit at offset `at` (u32 or u8), fixes CRC. */
static int edited_err(const uint8_t *f, size_t n, size_t at, uint64_t value, int width, int crc)
{
    uint8_t *g = malloc(n);
    memcpy(g, f, n);
    if (width == 1) g[at] = (uint8_t)value;
    else if (width == 2) put_u16(g + at, (uint32_t)value);
    else if (width == 4) put_u32(g + at, (uint32_t)value);
    else put_u64(g + at, value);
    if (crc)
        fix_crc(g);
    int err = read_err(g, n);
    free(g);
    return err;
}

/* CRC-32 (IEEE, reflected): the check value, and the sliced loop equal to
 * a bit-at-a-time reference at every length and alignment. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void test_crc32(void)
{
    CHECK(crc32_update(0, "123456789", 9) == 0xCBF43926u);
    uint8_t buf[80];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 73 + 11);
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; off + n <= sizeof buf; n++) {
            CHECK(crc32_update(0, buf + off, n) == crc32_bitwise(buf + off, n));
            /* in two pieces, as the container writer feeds it */
            CHECK(crc32_update(crc32_update(0, buf + off, n / 3), buf + off + n / 3, n - n / 3) ==
                  crc32_bitwise(buf + off, n));
        }
}

static void test_round_trip(void)
{
    uint8_t *f;
    size_t n;
    make_file(&f, &n);
    LatHeader h;
    StreamList l;
    CHECK_ERR(container_read(f, n, 0, &h, &l), LAT_OK);
    CHECK(h.width == 33 && h.height == 17 && h.channels == 3 && h.bit_depth == 8);
    CHECK(h.mode == LAT_MODE_LOSSLESS && h.quality == -1 && h.format_version == 1);
    CHECK(l.count == 3);
    CHECK(l.s[0].type == STREAM_LOSSLESS_PARAMS && l.s[0].size == 6 && !memcmp(l.s[0].data, "params", 6));
    CHECK(l.s[1].size == 0);
    CHECK(l.s[2].size == 30 && !memcmp(l.s[2].data, "aaaaaaaaaabbbbbbbbbbaaaaaaaaaa", 30));
    streams_free(&l);
    free(f);

    /* Lossy header fields survive too. */
    LatHeader w;
    header_init(&w);
    w.mode = LAT_MODE_LOSSY;
    w.quality = 42;
    strcpy(w.model_id, "photo-test-model");
    w.model_hash = 0x0123456789abcdefULL;
    StreamList e = {0};
    CHECK_ERR(container_write(&w, &e, &f, &n), LAT_OK);
    CHECK_ERR(container_read(f, n, 0, &h, &l), LAT_OK);
    CHECK(h.mode == LAT_MODE_LOSSY && h.quality == 42 && !strcmp(h.model_id, "photo-test-model")
          && h.model_hash == 0x0123456789abcdefULL && l.count == 0);
    free(f);
}

static void test_errors(void)
{
    uint8_t *f;
    size_t n;
    make_file(&f, &n);
    size_t hs = header_size(f);

    CHECK_ERR(read_err(f, 0), LAT_ERR_TRUNCATED);
    for (size_t k = 0; k < n; k++)
        CHECK_ERR(read_err(f, k), LAT_ERR_TRUNCATED);
    CHECK_ERR(edited_err(f, n, 1, 'X', 1, 0), LAT_ERR_BAD_MAGIC);
    CHECK_ERR(read_err((const uint8_t *)"GIF89a", 6), LAT_ERR_BAD_MAGIC);
    CHECK_ERR(edited_err(f, n, 8, 2, 2, 0), LAT_ERR_UNSUPPORTED_VERSION);
    CHECK_ERR(edited_err(f, n, 8, 0, 2, 0), LAT_ERR_UNSUPPORTED_VERSION);
    CHECK_ERR(edited_err(f, n, 16, 1, 4, 1), LAT_ERR_UNKNOWN_FIELD);        /* required flag */
    CHECK_ERR(edited_err(f, n, 20, 0xffffffffu, 4, 1), LAT_OK);             /* optional flags */
    CHECK_ERR(edited_err(f, n, 10, 7, 1, 1), LAT_ERR_UNKNOWN_FIELD);        /* mode */
    CHECK_ERR(edited_err(f, n, 14, 1, 2, 1), LAT_ERR_UNKNOWN_FIELD);        /* reserved */
    CHECK_ERR(edited_err(f, n, 11, 5, 1, 1), LAT_ERR_UNSUPPORTED_IMAGE);    /* channels */
    CHECK_ERR(edited_err(f, n, 12, 12, 1, 1), LAT_ERR_UNSUPPORTED_IMAGE);   /* bit depth */
    CHECK_ERR(edited_err(f, n, 24, 0, 4, 1), LAT_ERR_BAD_DIMENSIONS);
    CHECK_ERR(edited_err(f, n, 28, 0, 4, 1), LAT_ERR_BAD_DIMENSIONS);
    CHECK_ERR(edited_err(f, n, 24, 70000, 4, 1), LAT_ERR_LIMIT_EXCEEDED);
    CHECK_ERR(edited_err(f, n, 24, 0xffffffffu, 4, 1), LAT_ERR_LIMIT_EXCEEDED);
    CHECK_ERR(edited_err(f, n, 33, 'x', 1, 1), LAT_ERR_UNKNOWN_FIELD);      /* model id on lossless */
    CHECK_ERR(edited_err(f, n, 30, 1, 1, 0), LAT_ERR_HEADER_CHECKSUM);
    CHECK_ERR(edited_err(f, n, hs - 1, f[hs - 1] ^ 1, 1, 0), LAT_ERR_HEADER_CHECKSUM);
    CHECK_ERR(edited_err(f, n, 72, 65, 4, 0), LAT_ERR_LIMIT_EXCEEDED);      /* stream count */
    /* Stream table: type, stored size, raw size of entry 2. */
    size_t e2 = LAT_HEADER_FIXED_SIZE + 2 * LAT_TABLE_ENTRY_SIZE;
    CHECK_ERR(edited_err(f, n, e2, 999, 4, 1), LAT_ERR_UNKNOWN_FIELD);
    CHECK_ERR(edited_err(f, n, e2 + 4, 0, 4, 1), LAT_ERR_STREAM_CORRUPT);    /* frame CRC */
    CHECK_ERR(edited_err(f, n, e2 + 8, 1u << 20, 8, 1), LAT_ERR_TRUNCATED);
    CHECK_ERR(edited_err(f, n, e2 + 8, UINT64_MAX, 8, 1), LAT_ERR_TRUNCATED);
    CHECK_ERR(edited_err(f, n, e2 + 16, 1u << 30, 8, 1), LAT_ERR_LIMIT_EXCEEDED);
    CHECK_ERR(edited_err(f, n, e2 + 16, 31, 8, 1), LAT_ERR_STREAM_CORRUPT);  /* raw size lie */
    CHECK_ERR(edited_err(f, n, n - 1, f[n - 1] ^ 0x40, 1, 0), LAT_ERR_STREAM_CORRUPT);
    CHECK_ERR(edited_err(f, n, n - 8, f[n - 8] ^ 0x01, 1, 0), LAT_ERR_STREAM_CORRUPT);

    /* Every single-bit flip anywhere is refused. */
    for (size_t k = 0; k < n; k++)
        for (int b = 0; b < 8; b++) {
            uint8_t *g = malloc(n);
            memcpy(g, f, n);
            g[k] ^= (uint8_t)(1u << b);
            LatHeader h;
            StreamList l;
            int err = container_read(g, n, 0, &h, &l);
            if (err >= 0) {
                fprintf(stderr, "bit flip at %zu.%d accepted\n", k, b);
                streams_free(&l);
            }
            CHECK(err < 0);
            free(g);
        }

    uint8_t *g = malloc(n + 1);
    memcpy(g, f, n);
    g[n] = 0;
    CHECK_ERR(read_err(g, n + 1), LAT_ERR_TRAILING_DATA);
    free(g);

    /* max_pixels is enforced. */
    LatHeader h;
    StreamList l;
    CHECK_ERR(container_read(f, n, 33 * 17 - 1, &h, &l), LAT_ERR_LIMIT_EXCEEDED);
    free(f);
}

static void test_ignorable_stream(void)
{
    LatHeader h;
    header_init(&h);
    StreamList l = {0};
    streams_push(&l, STREAM_LOSSLESS_PARAMS, dup_bytes("p", 1), 1, 3);
    streams_push(&l, STREAM_TYPE_IGNORABLE | 12345u, dup_bytes("future", 6), 6, 3);
    uint8_t *f;
    size_t n;
    CHECK_ERR(container_write(&h, &l, &f, &n), LAT_OK);
    streams_free(&l);
    StreamList r;
    CHECK_ERR(container_read(f, n, 0, &h, &r), LAT_OK);
    CHECK(r.count == 1 && r.s[0].type == STREAM_LOSSLESS_PARAMS);
    streams_free(&r);
    free(f);
}

static void test_writer_validates(void)
{
    LatHeader h;
    header_init(&h);
    StreamList l = {0};
    uint8_t *f;
    size_t n;
    h.channels = 0;
    CHECK_ERR(container_write(&h, &l, &f, &n), LAT_ERR_UNSUPPORTED_IMAGE);
    header_init(&h);
    h.width = 0;
    CHECK_ERR(container_write(&h, &l, &f, &n), LAT_ERR_BAD_DIMENSIONS);
    header_init(&h);
    h.mode = LAT_MODE_LOSSY;
    h.quality = 101;
    CHECK_ERR(container_write(&h, &l, &f, &n), LAT_ERR_UNKNOWN_FIELD);
}

int main(void)
{
    test_crc32();
    test_round_trip();
    test_errors();
    test_ignorable_stream();
    test_writer_validates();
    return check_report();
}
