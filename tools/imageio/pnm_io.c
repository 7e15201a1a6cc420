/* Binary PGM (P5) and PPM (P6). Samples are one byte when maxval <= 255 and
 * two bytes, big-endian, up to 65535 (the netpbm rule). A maxval other than
 * 255 or 65535 is rescaled to the full range with rounding, which keeps
 * distinct values distinct. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageio.h"
#include "imageio_internal.h"

int pnm_is_signature(const uint8_t *data, size_t size)
{
    return size >= 3 && data[0] == 'P' && (data[1] == '5' || data[1] == '6') &&
           (data[2] == ' ' || data[2] == '\t' || data[2] == '\n' || data[2] == '\r' ||
            data[2] == '#');
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads one decimal header field, skipping whitespace and # comments.
 * Returns 0, or -1 when the field is missing or above limit. */
static int read_field(const uint8_t *data, size_t size, size_t *pos, uint32_t limit,
                      uint32_t *value)
{
    size_t p = *pos;
    for (;;) {
        while (p < size && is_space(data[p]))
            p++;
        if (p < size && data[p] == '#') {
            while (p < size && data[p] != '\n' && data[p] != '\r')
                p++;
            continue;
        }
        break;
    }
    if (p >= size || data[p] < '0' || data[p] > '9')
        return -1;
    uint64_t v = 0;
    while (p < size && data[p] >= '0' && data[p] <= '9') {
        v = v * 10 + (uint64_t)(data[p] - '0');
        if (v > limit)
            return -1;
        p++;
    }
    *pos = p;
    *value = (uint32_t)v;
    return 0;
}

int pnm_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                    char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    if (!pnm_is_signature(data, size)) {
        snprintf(err, errlen, "not a binary PGM/PPM file");
        return -1;
    }
    uint32_t channels = data[1] == '5' ? 1 : 3;
    size_t pos = 2;
    uint32_t width, height, maxval;
    if (read_field(data, size, &pos, UINT32_MAX, &width) < 0 ||
        read_field(data, size, &pos, UINT32_MAX, &height) < 0 ||
        read_field(data, size, &pos, 65535, &maxval) < 0 || maxval == 0) {
        snprintf(err, errlen, "invalid PGM/PPM header");
        return -1;
    }
    /* Exactly one whitespace byte separates the header from the samples. */
    if (pos >= size || !is_space(data[pos])) {
        snprintf(err, errlen, "invalid PGM/PPM header");
        return -1;
    }
    pos++;
    uint32_t depth = maxval <= 255 ? 8 : 16;
    uint32_t full = depth == 8 ? 255 : 65535;
    /* The samples must be in the file before the image is allocated: a
     * 20-byte header cannot ask for gigabytes (division: no overflow). */
    uint64_t limit = max_pixels ? max_pixels : LAT_DEFAULT_MAX_PIXELS;
    if (width && height && (uint64_t)width * height <= limit
        && (size - pos) / (channels * (depth / 8)) / width < height) {
        snprintf(err, errlen, "PGM/PPM file is truncated");
        return -1;
    }
    if (image_alloc(img, width, height, channels, depth, max_pixels, err, errlen) < 0)
        return -1;
    size_t count = (size_t)width * height * channels;
    const uint8_t *s = data + pos;
    for (size_t i = 0; i < count; i++) {
        uint32_t v = depth == 8 ? s[i] : (uint32_t)(s[2 * i] << 8 | s[2 * i + 1]);
        if (v > maxval) {
            snprintf(err, errlen, "PGM/PPM sample %u exceeds maxval %u", v, maxval);
            image_clear(img);
            return -1;
        }
        if (maxval != full)
            v = (v * full + maxval / 2) / maxval;
        if (depth == 8)
            ((uint8_t *)img->pixels)[i] = (uint8_t)v;
        else
            ((uint16_t *)img->pixels)[i] = (uint16_t)v;
    }
    return 0;
}

int pnm_write_stream(const LatImage *img, FILE *f, char *err, size_t errlen)
{
    if (image_check_writable(img, err, errlen) < 0)
        return -1;
    if (img->channels != 1 && img->channels != 3) {
        snprintf(err, errlen, "PGM/PPM cannot store an alpha channel (write a .png)");
        return -1;
    }
    fprintf(f, "P%c\n%u %u\n%u\n", img->channels == 1 ? '5' : '6', img->width, img->height,
            img->bit_depth == 8 ? 255u : 65535u);
    const size_t row = (size_t)img->width * img->channels;
    if (img->bit_depth == 8) {
        fwrite(img->pixels, 1, row * img->height, f);   /* the caller reports ferror */
        return 0;
    }
    /* 16-bit: big-endian, one row at a time. */
    uint8_t *buf = malloc(2 * row);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const uint16_t *s = img->pixels;
    for (uint32_t y = 0; y < img->height && !ferror(f); y++) {
        for (size_t i = 0; i < row; i++, s++) {
            buf[2 * i] = (uint8_t)(*s >> 8);
            buf[2 * i + 1] = (uint8_t)*s;
        }
        fwrite(buf, 1, 2 * row, f);
    }
    free(buf);
    return 0;
}
