/* Hostile headers must be refused before anything is allocated for the
 * size they declare. The test runs with a small address-space limit
 * (512 MiB RLIMIT_AS; not under ASan, which reserves terabytes of shadow memory),
 * while each input declares an image of 768 MiB or more: a reader that
 * allocated first would fail with "out of memory" (or LAT_ERR_OUT_OF_MEMORY)
 * instead of the named error checked here.
 *
 *   test_limits TESTVECTORS_DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "lat.h"
#include "imageio.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "container/container.h"
#include "../check.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* The reader must fail, and with `want` in its reason. */
static void expect_refused(const char *what, const uint8_t *d, size_t n, const char *want)
{
    LatImage img;
    char err[256] = "";
    int r = image_read_memory(d, n, &img, 0, err, sizeof err);
    if (r == 0)
        lat_image_free(&img);
    if (r == 0 || !strstr(err, want))
        fprintf(stderr, "%s: got \"%s\", want an error with \"%s\"\n", what, err, want);
    CHECK(r < 0 && strstr(err, want) != NULL);
}

static void pnm_header(void)
{
    static const char ppm[] = "P6\n16000 16000\n65535\nabc";   /* 1.5 GiB declared */
    expect_refused("PPM 16000x16000", (const uint8_t *)ppm, sizeof ppm - 1, "truncated");
}

static void png_header(const char *tv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kodim23-48.png", tv);
    size_t n;
    uint8_t *d = check_read_file(path, &n);
    CHECK(d && n > 33);
    if (!d)
        return;
    /* IHDR: length at 8, "IHDR" at 12, width at 16, height at 20 (big
     * endian), CRC over type + data at 29. */
    static const uint8_t side[4] = {0, 0, 0x3e, 0x80};   /* 16000 */
    memcpy(d + 16, side, 4);
    memcpy(d + 20, side, 4);
    uint32_t crc = crc32_update(0, d + 12, 17);
    d[29] = (uint8_t)(crc >> 24), d[30] = (uint8_t)(crc >> 16);
    d[31] = (uint8_t)(crc >> 8), d[32] = (uint8_t)crc;
    expect_refused("PNG 16000x16000", d, n, "too short");
    free(d);
}

static void jpeg_header(const char *tv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/kodim23-64.jpg", tv);
    size_t n;
    uint8_t *d = check_read_file(path, &n);
    CHECK(d != NULL);
    if (!d)
        return;
    int patched = 0;
    for (size_t i = 2; i + 9 < n; i++)
        if (d[i] == 0xFF && (d[i + 1] == 0xC0 || d[i + 1] == 0xC2)) {
            d[i + 5] = 0x3e, d[i + 6] = 0x80;   /* height 16000 */
            d[i + 7] = 0x3e, d[i + 8] = 0x80;   /* width 16000 */
            patched = 1;
            break;
        }
    CHECK(patched);
    expect_refused("JPEG 16000x16000", d, n, "too short");
    free(d);
}

/* A .lat declaring 65535x4000 RGB 16-bit (1.5 GiB of pixels) whose first
 * stream claims 1 GiB raw: the frame does not hold that, which must show
 * before the buffer is allocated. */
static void lat_header(const char *tv)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lat/kodim-crop-rgb8.lat", tv);
    size_t n;
    uint8_t *d = check_read_file(path, &n);
    CHECK(d != NULL);
    if (!d)
        return;
    d[12] = 16;
    put_u32(d + 24, 65535);
    put_u32(d + 28, 4000);
    put_u64(d + LAT_HEADER_FIXED_SIZE + 16, 1ull << 30);
    size_t hs = LAT_HEADER_FIXED_SIZE + (size_t)get_u32(d + 72) * LAT_TABLE_ENTRY_SIZE + 4;
    put_u32(d + hs - 4, crc32_update(0, d, hs - 4));
    LatContext *c;
    CHECK_ERR(lat_open(&c, NULL), LAT_OK);
    LatImage img;
    CHECK_ERR(lat_decode(c, d, n, &img), LAT_ERR_STREAM_CORRUPT);
    lat_close(&c);
    free(d);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_limits TESTVECTORS_DIR\n");
        return 2;
    }
#ifndef UNDER_ASAN
    struct rlimit rl = {512ull << 20, 512ull << 20};
    CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
#endif
    pnm_header();
    png_header(argv[1]);
    jpeg_header(argv[1]);
    lat_header(argv[1]);
    return check_report();
}
