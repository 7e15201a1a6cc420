/* Fuzz target 2: lossless encode -> decode of an arbitrary small image must
 * give back every sample and the metadata bit-exactly (abort otherwise).
 * Input: u8 width-1, u8 height-1 (1..64 each, with bit 7 of byte 2 adding
 * 64 to the width for wider rows), u8 channels (low 2 bits + 1) and flags
 * (bit 2: 16-bit; bit 3: attach ICC; bit 4: attach EXIF; bit 5: strip),
 * u8 metadata length, then samples (host order for 16-bit), repeated
 * cyclically when the input is shorter than the image. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "lat.h"

static LatContext *enc, *enc_strip, *dec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    LatSettings s;
    lat_default_settings(&s);
    s.threads = 1;
    s.lossless = 1;
    s.max_pixels = FUZZ_MAX_PIXELS;
    if (lat_open(&enc, &s) < 0)
        abort();
    s.strip_metadata = 1;
    if (lat_open(&enc_strip, &s) < 0)
        abort();
    s.strip_metadata = 0;
    s.lossless = 0;   /* the decoder follows the file's mode */
    if (lat_open(&dec, &s) < 0)
        abort();
    return 0;
}

static void same_or_abort(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    if (na != nb || (na && memcmp(a, b, na) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t flags = data[2];
    LatImage img = {0};
    img.width = 1u + data[0] % 64u + ((flags & 0x80) ? 64u : 0u);
    img.height = 1u + data[1] % 64u;
    img.channels = 1u + (flags & 3u);
    img.bit_depth = (flags & 4) ? 16 : 8;
    int strip = (flags & 0x20) != 0;
    size_t meta_len = data[3];
    const uint8_t *body = data + 4;
    size_t body_size = size - 4;

    size_t bytes = (size_t)img.width * img.height * img.channels * (img.bit_depth / 8);
    uint8_t *px = malloc(bytes);
    if (!px)
        return 0;
    for (size_t i = 0; i < bytes; i++)
        px[i] = body_size ? body[i % body_size] : (uint8_t)i;
    img.pixels = px;
    uint8_t *meta = NULL;
    if (flags & 0x18) {
        meta = malloc(meta_len + 1);
        if (!meta) {
            free(px);
            return 0;
        }
        for (size_t i = 0; i < meta_len + 1; i++)
            meta[i] = body_size ? body[(bytes + i) % body_size] : (uint8_t)(i * 7);
        if (flags & 0x08) {
            img.icc = meta;
            img.icc_size = meta_len + 1;
        }
        if (flags & 0x10) {
            img.exif = meta;
            img.exif_size = meta_len + 1;
        }
    }

    uint8_t *file;
    size_t file_size;
    int err = lat_encode(strip ? enc_strip : enc, &img, &file, &file_size);
    if (err != LAT_OK)
        abort();   /* every image of these shapes is encodable losslessly */
    LatInfo info;
    if (lat_inspect(file, file_size, &info) != LAT_OK || !info.lossless
        || info.width != img.width || info.height != img.height)
        abort();
    LatImage back;
    if (lat_decode(dec, file, file_size, &back) != LAT_OK)
        abort();
    if (back.width != img.width || back.height != img.height || back.channels != img.channels
        || back.bit_depth != img.bit_depth)
        abort();
    same_or_abort(back.pixels, bytes, px, bytes);
    if (strip) {
        if (back.icc || back.exif)
            abort();
    } else {
        same_or_abort(back.icc, back.icc_size, img.icc, img.icc_size);
        same_or_abort(back.exif, back.exif_size, img.exif, img.exif_size);
    }
    lat_image_free(&back);
    lat_free(file);
    free(px);
    free(meta);
    return 0;
}
