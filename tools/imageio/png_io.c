/* PNG reading and writing with libpng. libpng reports errors by longjmp;
 * the jump buffer and everything allocated while it is armed live in a
 * heap-allocated state, so no automatic variable is modified between
 * setjmp and longjmp. Warnings are silenced: an image either reads
 * completely or fails with one message. */
#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageio.h"
#include "imageio_internal.h"

typedef struct PngState {
    jmp_buf jmp;
    char msg[200];
    /* reading */
    const uint8_t *data;
    size_t size, pos;
    /* writing: to file, else into out */
    FILE *file;
    uint8_t *out;
    size_t out_size, out_cap;
    /* owned while the jump is armed */
    png_bytep *rows;
    uint8_t *row16;
    char *xmp;        /* NUL-terminated copy of the XMP packet, while writing */
    LatImage img;
} PngState;

static void on_error(png_structp png, png_const_charp msg)
{
    PngState *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof(st->msg), "%s", msg);
    longjmp(st->jmp, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void read_bytes(png_structp png, png_bytep out, size_t n)
{
    PngState *st = png_get_io_ptr(png);
    if (n > st->size - st->pos)
        png_error(png, "file is truncated");
    memcpy(out, st->data + st->pos, n);
    st->pos += n;
}

int png_is_signature(const uint8_t *data, size_t size)
{
    return size >= 8 && png_sig_cmp(data, 0, 8) == 0;
}

/* libpng delivers 16-bit samples big-endian, as stored in the file. */
static void big_endian_to_host(void *pixels, size_t count)
{
    uint8_t *b = pixels;
    uint16_t *s = pixels;
    for (size_t i = 0; i < count; i++)
        s[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
}

/* The keyword of XMP in PNG text chunks (XMP specification part 3). */
#define XMP_KEY "XML:com.adobe.xmp"

static void copy_metadata(png_structp png, png_infop info, LatImage *img)
{
    png_charp name;
    int compression;
    png_bytep profile;
    png_uint_32 profile_len;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &profile_len) &&
        profile_len > 0) {
        img->icc = malloc(profile_len);
        if (!img->icc)
            png_error(png, "out of memory");
        memcpy(img->icc, profile, profile_len);
        img->icc_size = profile_len;
    }
    png_bytep exif;
    png_uint_32 exif_len;
    if (png_get_eXIf_1(png, info, &exif_len, &exif) && exif_len > 0) {
        img->exif = malloc(exif_len);
        if (!img->exif)
            png_error(png, "out of memory");
        memcpy(img->exif, exif, exif_len);
        img->exif_size = exif_len;
    }
    png_textp text;
    int ntext = 0;
    png_get_text(png, info, &text, &ntext);
    for (int i = 0; i < ntext && !img->xmp; i++) {
        size_t len = text[i].compression >= PNG_ITXT_COMPRESSION_NONE ? text[i].itxt_length
                                                                       : text[i].text_length;
        if (strcmp(text[i].key, XMP_KEY) != 0 || len == 0)
            continue;
        img->xmp = malloc(len);
        if (!img->xmp)
            png_error(png, "out of memory");
        memcpy(img->xmp, text[i].text, len);
        img->xmp_size = len;
    }
    /* libpng also reports the gAMA and cHRM values an sRGB chunk implies:
     * they are written back with it, as the PNG spec recommends. */
    LatColourInfo *c = &img->colour;
    png_fixed_point g, ch[8];
    int intent;
    if (png_get_gAMA_fixed(png, info, &g) && g > 0) {
        c->flags |= LAT_COLOUR_GAMMA;
        c->gamma = (uint32_t)g;
    }
    if (png_get_cHRM_fixed(png, info, &ch[0], &ch[1], &ch[2], &ch[3], &ch[4], &ch[5], &ch[6],
                           &ch[7])) {
        c->flags |= LAT_COLOUR_CHROMA;
        for (int i = 0; i < 8; i++)
            c->chroma[i] = ch[i] < 0 ? 0 : (uint32_t)ch[i];
    }
    if (png_get_sRGB(png, info, &intent) && intent >= 0 && intent <= 3) {
        c->flags |= LAT_COLOUR_SRGB;
        c->srgb_intent = (uint32_t)intent;
    }
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The pixel limit, from the IHDR chunk's bytes before libpng sees them:
 * libpng's side limit below would otherwise refuse a large image as
 * "Invalid IHDR data", a message that does not say what is wrong. */
static int png_check_pixel_limit(const uint8_t *data, size_t size, uint64_t max_pixels,
                                 char *err, size_t errlen)
{
    if (max_pixels == 0)
        max_pixels = LAT_DEFAULT_MAX_PIXELS;
    if (size < 24 || memcmp(data + 12, "IHDR", 4) != 0)
        return 0;   /* libpng reports the damage */
    uint32_t w = get_be32(data + 16), h = get_be32(data + 20);
    if ((uint64_t)w * h <= max_pixels)
        return 0;
    snprintf(err, errlen, "image is %ux%u, more than the limit of %llu pixels", w, h,
             (unsigned long long)max_pixels);
    return -1;
}

int png_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                    char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    PngState *st = calloc(1, sizeof(*st));
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->data = data;
    st->size = size;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        free(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (setjmp(st->jmp)) {
        snprintf(err, errlen, "invalid PNG: %s", st->msg);
        png_destroy_read_struct(&png, &info, NULL);
        free(st->rows);
        image_clear(&st->img);
        free(st);
        return -1;
    }
    if (png_check_pixel_limit(data, size, max_pixels, err, errlen) < 0) {
        png_destroy_read_struct(&png, &info, NULL);
        free(st);
        return -1;
    }
    png_set_read_fn(png, st, read_bytes);
    /* libpng's own guards: no side longer than the pixel limit allows (our
     * exact w*h limit is applied below, before any allocation); ancillary
     * chunks (iCCP, eXIf, text: decompressed size included) at most 16 MiB
     * each, the largest metadata a .lat stores; at most 1000 of them. */
    uint64_t side = max_pixels ? max_pixels : LAT_DEFAULT_MAX_PIXELS;
    side = side < PNG_UINT_31_MAX ? side : PNG_UINT_31_MAX;
    png_set_user_limits(png, (png_uint_32)side, (png_uint_32)side);
    png_set_chunk_malloc_max(png, 16u << 20);
    png_set_chunk_cache_max(png, 1000);
    /* libpng reports a chunk longer than that limit as a "benign" error,
     * only a warning by default when reading, and then allocates the
     * declared length anyway (a 150-byte file declaring a 1.9 GB sPLT
     * chunk took 1.9 GB): make such errors fatal. */
    png_set_benign_errors(png, 0);
    png_read_info(png, info);

    png_uint_32 width, height;
    int depth, color_type, interlace;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, &interlace, NULL, NULL);
    if (color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    /* Deflate expands at most 1032 times: a file too short to hold the
     * declared rows is refused before the image is allocated. */
    static const uint32_t samples_per_pixel[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t row_bytes = ((uint64_t)width * samples_per_pixel[color_type % 7] * (uint32_t)depth + 7) / 8;
    if ((uint64_t)size * 1032u / height < row_bytes + 1)
        png_error(png, "file too short for the image size in its header");
    uint32_t channels = png_get_channels(png, info);
    uint32_t out_depth = png_get_bit_depth(png, info);
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16))
        png_error(png, "unexpected pixel layout after expansion");
    if (image_alloc(&st->img, width, height, channels, out_depth, max_pixels, st->msg,
                    sizeof(st->msg)) < 0) {
        snprintf(err, errlen, "%s", st->msg);
        png_destroy_read_struct(&png, &info, NULL);
        free(st);
        return -1;
    }
    size_t stride = (size_t)width * channels * (out_depth / 8);
    if (png_get_rowbytes(png, info) != stride)
        png_error(png, "unexpected row size");
    st->rows = malloc(sizeof(png_bytep) * height);
    if (!st->rows)
        png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++)
        st->rows[y] = (uint8_t *)st->img.pixels + y * stride;
    png_read_image(png, st->rows);
    /* Reads the chunks after IDAT (an eXIf may be there) and checks IEND. */
    png_read_end(png, info);
    copy_metadata(png, info, &st->img);
    if (out_depth == 16)
        big_endian_to_host(st->img.pixels, (size_t)width * height * channels);

    *img = st->img;
    png_destroy_read_struct(&png, &info, NULL);
    free(st->rows);
    free(st);
    return 0;
}

static void write_bytes(png_structp png, png_bytep data, size_t n)
{
    PngState *st = png_get_io_ptr(png);
    if (st->file) {
        if (fwrite(data, 1, n, st->file) != n)
            png_error(png, "write failed");   /* the caller reports ferror */
        return;
    }
    if (n > st->out_cap - st->out_size) {
        size_t cap = st->out_cap ? st->out_cap : 65536;
        while (cap - st->out_size < n) {
            if (cap > SIZE_MAX / 2)
                png_error(png, "out of memory");
            cap *= 2;
        }
        uint8_t *grown = realloc(st->out, cap);
        if (!grown)
            png_error(png, "out of memory");
        st->out = grown;
        st->out_cap = cap;
    }
    memcpy(st->out + st->out_size, data, n);
    st->out_size += n;
}

static void flush_bytes(png_structp png)
{
    (void)png;
}

static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                   PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};

/* Into file when it is not NULL, else into a malloc'd *out. */
static int png_encode(const LatImage *img, int level, FILE *file, uint8_t **out,
                      size_t *out_size, char *err, size_t errlen)
{
    if (image_check_writable(img, err, errlen) < 0)
        return -1;
    if (level < 0 || level > 9) {
        snprintf(err, errlen, "PNG compression level %d is not 0..9", level);
        return -1;
    }
    if (img->width > PNG_UINT_31_MAX || img->height > PNG_UINT_31_MAX) {
        snprintf(err, errlen, "image too large for PNG");
        return -1;
    }
    PngState *st = calloc(1, sizeof(*st));
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    st->file = file;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, st, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (setjmp(st->jmp)) {
        snprintf(err, errlen, "cannot write PNG: %s", st->msg);
        png_destroy_write_struct(&png, &info);
        free(st->out);
        free(st->row16);
        free(st->xmp);
        free(st);
        return -1;
    }
    png_set_write_fn(png, st, write_bytes, flush_bytes);
    /* An ICC profile libpng finds questionable is dropped with a warning
     * rather than failing the whole write. */
    png_set_benign_errors(png, 1);
    png_set_compression_level(png, level);
    /* Below level 9 (the reference size of `lat compare --png` and `lat
     * bench lossless`, kept as libpng makes it), zlib's default strategy
     * instead of libpng's Z_FILTERED: at level 5 it wrote 8 Kodak images
     * (4 originals, 4 lossy decodes) 2.2x faster than level 6 with
     * Z_FILTERED, each file within 5% of the size (the 24 originals: 0.5%
     * larger in all). Level 3 was 3.3x faster but up to 8.6% larger. */
    if (level < 9)
        png_set_compression_strategy(png, Z_DEFAULT_STRATEGY);
    png_set_IHDR(png, info, img->width, img->height, (int)img->bit_depth,
                 color_types[img->channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (img->icc && img->icc_size > 0 && img->icc_size <= PNG_UINT_31_MAX)
        png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, img->icc,
                     (png_uint_32)img->icc_size);
    if (img->exif && img->exif_size > 0 && img->exif_size <= PNG_UINT_31_MAX)
        png_set_eXIf_1(png, info, (png_uint_32)img->exif_size, img->exif);
    const LatColourInfo *c = &img->colour;
    if (c->flags & LAT_COLOUR_SRGB)
        png_set_sRGB(png, info, (int)c->srgb_intent);
    if ((c->flags & LAT_COLOUR_GAMMA) && c->gamma > 0 && c->gamma <= PNG_UINT_31_MAX)
        png_set_gAMA_fixed(png, info, (png_fixed_point)c->gamma);
    if (c->flags & LAT_COLOUR_CHROMA) {
        png_fixed_point ch[8];
        for (int i = 0; i < 8; i++)
            ch[i] = c->chroma[i] <= PNG_UINT_31_MAX ? (png_fixed_point)c->chroma[i] : 0;
        png_set_cHRM_fixed(png, info, ch[0], ch[1], ch[2], ch[3], ch[4], ch[5], ch[6], ch[7]);
    }
    /* XMP as an uncompressed iTXt chunk; libpng takes it NUL-terminated. */
    if (img->xmp && img->xmp_size > 0 && img->xmp_size < PNG_UINT_31_MAX) {
        st->xmp = malloc(img->xmp_size + 1);
        if (!st->xmp)
            png_error(png, "out of memory");
        memcpy(st->xmp, img->xmp, img->xmp_size);
        st->xmp[img->xmp_size] = '\0';
        png_text t;
        memset(&t, 0, sizeof t);
        t.compression = PNG_ITXT_COMPRESSION_NONE;
        t.key = XMP_KEY;
        t.text = st->xmp;
        png_set_text(png, info, &t, 1);
    }
    png_write_info(png, info);

    size_t stride = (size_t)img->width * img->channels * (img->bit_depth / 8);
    if (img->bit_depth == 16) {
        st->row16 = malloc(stride);
        if (!st->row16)
            png_error(png, "out of memory");
    }
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *row = (const uint8_t *)img->pixels + y * stride;
        if (img->bit_depth == 16) {
            const uint16_t *s = (const uint16_t *)(const void *)row;
            for (size_t i = 0; i < stride / 2; i++) {
                st->row16[2 * i] = (uint8_t)(s[i] >> 8);
                st->row16[2 * i + 1] = (uint8_t)s[i];
            }
            png_write_row(png, st->row16);
        } else {
            png_write_row(png, (png_const_bytep)row);
        }
    }
    /* NULL info: libpng 1.6.39 would write the eXIf chunk a second time. */
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (!file) {
        *out = st->out;
        *out_size = st->out_size;
    }
    free(st->row16);
    free(st->xmp);
    free(st);
    return 0;
}

int png_encode_memory(const LatImage *img, int level, uint8_t **out, size_t *out_size,
                      char *err, size_t errlen)
{
    *out = NULL;
    *out_size = 0;
    return png_encode(img, level, NULL, out, out_size, err, errlen);
}

int png_write_stream(const LatImage *img, int level, FILE *f, char *err, size_t errlen)
{
    return png_encode(img, level, f, NULL, NULL, err, errlen);
}
