/* Format sniffing and file-level entry points of imageio.h. The per-format
 * code lives in png_io.c, jpeg_io.c and pnm_io.c. */
#include "imageio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imageio_internal.h"
#include "output_file.h"

int image_alloc(LatImage *img, uint32_t width, uint32_t height, uint32_t channels,
                uint32_t bit_depth, uint64_t max_pixels, char *err, size_t errlen)
{
    if (max_pixels == 0)
        max_pixels = LAT_DEFAULT_MAX_PIXELS;
    memset(img, 0, sizeof(*img));
    if (width == 0 || height == 0) {
        snprintf(err, errlen, "image has zero width or height");
        return -1;
    }
    if ((uint64_t)width * height > max_pixels) {
        snprintf(err, errlen, "image is %ux%u, more than the limit of %llu pixels", width,
                 height, (unsigned long long)max_pixels);
        return -1;
    }
    uint64_t bytes = (uint64_t)width * height * channels * (bit_depth / 8);
    if (bytes > SIZE_MAX) {
        snprintf(err, errlen, "image is too large for this machine");
        return -1;
    }
    img->pixels = calloc(1, (size_t)bytes);
    if (!img->pixels) {
        snprintf(err, errlen, "out of memory for a %ux%u image", width, height);
        return -1;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->bit_depth = bit_depth;
    return 0;
}

void image_clear(LatImage *img)
{
    if (!img)
        return;
    free(img->pixels);
    free(img->icc);
    free(img->exif);
    free(img->xmp);
    memset(img, 0, sizeof(*img));
}

void image_strip_metadata(LatImage *img)
{
    free(img->icc);
    free(img->exif);
    free(img->xmp);
    img->icc = img->exif = img->xmp = NULL;
    img->icc_size = img->exif_size = img->xmp_size = 0;
    memset(&img->colour, 0, sizeof(img->colour));
}

int image_check_writable(const LatImage *img, char *err, size_t errlen)
{
    if (!img || !img->pixels || img->width == 0 || img->height == 0 || img->channels < 1 ||
        img->channels > 4 || (img->bit_depth != 8 && img->bit_depth != 16)) {
        snprintf(err, errlen, "invalid image (need 1..4 channels of 8 or 16 bits)");
        return -1;
    }
    return 0;
}

static int has_ihdr_near_start(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 4 <= size && i < 24; i++)
        if (memcmp(data + i, "IHDR", 4) == 0)
            return 1;
    return 0;
}

int image_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                      char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    if (size == 0) {
        snprintf(err, errlen, "empty file");
        return -1;
    }
    if (png_is_signature(data, size))
        return png_read_memory(data, size, img, max_pixels, err, errlen);
    if (jpeg_is_signature(data, size))
        return jpeg_read_memory(data, size, img, max_pixels, err, errlen);
    if (pnm_is_signature(data, size))
        return pnm_read_memory(data, size, img, max_pixels, err, errlen);
    if (size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7' && data[1] != '5' &&
        data[1] != '6')
        snprintf(err, errlen, "only binary PGM/PPM (P5/P6) is supported, not P%c", data[1]);
    else if (size >= 4 && memcmp(data, "\x89LAT", 4) == 0)
        snprintf(err, errlen, "this is a .lat file, not an image (use lat decode)");
    /* PngSuite's xcrn/xlfn/xs* files: a PNG whose signature was damaged,
     * typically by a text-mode transfer rewriting line ends. */
    else if (has_ihdr_near_start(data, size))
        snprintf(err, errlen, "invalid PNG: damaged signature (e.g. a text-mode transfer)");
    else
        snprintf(err, errlen, "not a PNG, JPEG, PPM or PGM image");
    return -1;
}

const char *image_format_name(const uint8_t *data, size_t size)
{
    if (png_is_signature(data, size))
        return "PNG";
    if (jpeg_is_signature(data, size))
        return "JPEG";
    if (pnm_is_signature(data, size))
        return "PPM/PGM";
    return NULL;
}

int read_whole_file(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    *data = NULL;
    *size = 0;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    int ok = buf != NULL;
    while (ok) {
        if (len == cap) {
            uint8_t *grown = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!grown) {
                ok = 0;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (!ok) {
        snprintf(err, errlen, "%s: out of memory", is_stdin ? "stdin" : path);
    } else if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", is_stdin ? "stdin" : path, strerror(errno));
        ok = 0;
    }
    if (!is_stdin)
        fclose(f);
    if (!ok) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = len;
    return 0;
}

int image_read_file(const char *path, LatImage *img, uint64_t max_pixels, char *err,
                    size_t errlen)
{
    uint8_t *data;
    size_t size;
    memset(img, 0, sizeof(*img));
    if (read_whole_file(path, &data, &size, err, errlen) < 0)
        return -1;
    char reason[400];
    int r = image_read_memory(data, size, img, max_pixels, reason, sizeof(reason));
    free(data);
    if (r < 0)
        snprintf(err, errlen, "%s: %s", strcmp(path, "-") ? path : "stdin", reason);
    return r;
}

typedef enum { FMT_UNKNOWN, FMT_PNG, FMT_PNM } OutputFormat;

static OutputFormat format_from_path(const char *path)
{
    if (strcmp(path, "-") == 0)
        return FMT_PNG;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return FMT_PNG; /* no extension, e.g. /dev/stdout: PNG */
    if (strcasecmp(dot, ".png") == 0)
        return FMT_PNG;
    if (strcasecmp(dot, ".ppm") == 0 || strcasecmp(dot, ".pgm") == 0 ||
        strcasecmp(dot, ".pnm") == 0)
        return FMT_PNM;
    return FMT_UNKNOWN;
}

int image_check_output_path(const char *path, char *err, size_t errlen)
{
    if (format_from_path(path) == FMT_UNKNOWN) {
        snprintf(err, errlen, "cannot tell the image format of %s (use .png, .ppm or .pgm)",
                 path);
        return -1;
    }
    return 0;
}

/* 1 if path ends in ".pgm" (any case): a grey-only format. */
static int is_pgm_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".pgm") == 0;
}

int image_write_file_guarded(const char *path, const char *input_path, const LatImage *img,
                             char *err, size_t errlen)
{
    const OutputFormat fmt = format_from_path(path);
    if (fmt != FMT_PNG && fmt != FMT_PNM)
        return image_check_output_path(path, err, errlen);
    /* PGM holds grey only; P6 data behind a .pgm name misleads every reader. */
    if (is_pgm_path(path) && img->channels >= 3) {
        snprintf(err, errlen, "%s: a .pgm file holds grey images, this one is %s (write a .ppm "
                 "or .png)", path, img->channels == 3 ? "RGB" : "RGBA");
        return -1;
    }
    /* Encoded straight into the file: no second copy of the image. */
    OutputFile o;
    if (output_open(&o, path, input_path, err, errlen) < 0)
        return -1;
    int r = fmt == FMT_PNG ? png_write_stream(img, PNG_WRITE_LEVEL, o.f, err, errlen)
                           : pnm_write_stream(img, o.f, err, errlen);
    if (r < 0 && !ferror(o.f)) {
        output_abort(&o);
        return -1;
    }
    return output_commit(&o, err, errlen);   /* reports write errors with the path */
}

int image_write_file(const char *path, const LatImage *img, char *err, size_t errlen)
{
    return image_write_file_guarded(path, NULL, img, err, errlen);
}
