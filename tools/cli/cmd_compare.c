/* lat compare: the difference between two images (PSNR), and the size and
 * PSNR of reference codecs (JPEG via libjpeg-turbo, PNG via libpng) on the
 * same image, so a .lat result can be read against them. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "jpeg_codec.h"
#include "lat.h"
#include "metrics.h"

static const char usage[] =
    "usage: lat compare REF [TEST] [options]\n"
    "\n"
    "With TEST: prints the PSNR of TEST against REF (MSE over all samples and\n"
    "channels, peak 255 or 65535) and the largest sample difference. Either\n"
    "file may be an image (PNG, JPEG, PPM/PGM) or a .lat file (decoded).\n"
    "\n"
    "      --exact          exit 1 unless the pixels are identical\n"
    "      --same-metadata  exit 1 unless the ICC profiles, EXIF and XMP blocks\n"
    "                       and colour info are identical (or both absent)\n"
    "      --jpeg Q         also encode REF as JPEG at quality Q (libjpeg-turbo,\n"
    "                       4:2:0, optimized) and print its size, bpp and PSNR\n"
    "      --jpeg-bytes N   the same at the highest quality whose file fits in\n"
    "                       N bytes (e.g. the size of a .lat file)\n"
    "      --png            also print the size of REF as PNG (zlib level 9)\n"
    "      --model FILE     lossy model for decoding .lat inputs\n"
    "      --threads N      threads for decoding .lat inputs, 0 = all cores (default 0)\n"
    "  -h, --help           this help\n";

/* An image file, or a .lat file decoded with the library. */
static int load(const char *path, const char *model, int threads, LatImage *img, char *msg,
                size_t len)
{
    uint8_t *data;
    size_t size;
    if (read_whole_file(path, &data, &size, msg, len) < 0)
        return -1;
    int r = image_read_memory(data, size, img, 0, msg, len);
    if (r < 0) {
        LatInfo *info = calloc(1, sizeof(*info));
        if (info && lat_inspect(data, size, info) == 0) {
            LatSettings s;
            lat_default_settings(&s);
            s.model_path = model;
            s.threads = threads;
            LatContext *ctx = NULL;
            int err = lat_open(&ctx, &s);
            if (err >= 0)
                err = lat_decode(ctx, data, size, img);
            r = err < 0 ? -1 : 0;
            if (err < 0)
                snprintf(msg, len, "%s", cli_lat_error(ctx, err));
            lat_close(&ctx);
        }
        free(info);
    }
    free(data);
    if (r < 0) {
        char reason[400];
        snprintf(reason, sizeof(reason), "%s", msg);
        snprintf(msg, len, "%s: %s", path, reason);
    }
    return r;
}

static void print_diff(const ImageDiff *d, uint64_t samples)
{
    if (isinf(d->psnr))
        printf("PSNR: inf dB (identical)\n");
    else
        printf("PSNR: %.3f dB (MSE %.4f, max abs error %u, %.2f%% of samples differ)\n",
               d->psnr, d->mse, d->max_abs, 100.0 * (double)d->differing / (double)samples);
}

static int same_blob(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static int same_colour(const LatImage *a, const LatImage *b)
{
    return memcmp(&a->colour, &b->colour, sizeof(a->colour)) == 0;
}

static void print_metadata(const LatImage *a, const LatImage *b)
{
    if (a->icc_size || b->icc_size)
        printf("ICC: %zu vs %zu bytes, %s\n", a->icc_size, b->icc_size,
               same_blob(a->icc, a->icc_size, b->icc, b->icc_size) ? "identical" : "different");
    if (a->xmp_size || b->xmp_size)
        printf("XMP: %zu vs %zu bytes, %s\n", a->xmp_size, b->xmp_size,
               same_blob(a->xmp, a->xmp_size, b->xmp, b->xmp_size) ? "identical" : "different");
    if (a->colour.flags || b->colour.flags)
        printf("colour (gAMA/cHRM/sRGB): %s\n", same_colour(a, b) ? "identical" : "different");
    if (a->exif_size || b->exif_size)
        printf("EXIF: %zu vs %zu bytes, %s\n", a->exif_size, b->exif_size,
               same_blob(a->exif, a->exif_size, b->exif, b->exif_size) ? "identical"
                                                                        : "different");
}

/* JPEG wants 8-bit gray or RGB: alpha is dropped, 16 bits rounded to 8. */
static int to_8bit_color(const LatImage *img, LatImage *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t color = img->channels >= 3 ? 3 : 1;
    size_t n = (size_t)img->width * img->height;
    uint8_t *p = malloc(n * color);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (uint32_t c = 0; c < color; c++) {
            size_t k = i * img->channels + c;
            p[i * color + c] = img->bit_depth == 8
                                   ? ((const uint8_t *)img->pixels)[k]
                                   : (uint8_t)((((const uint16_t *)img->pixels)[k] * 255u + 32767u) / 65535u);
        }
    out->width = img->width;
    out->height = img->height;
    out->channels = color;
    out->bit_depth = 8;
    out->pixels = p;
    return 0;
}

static int jpeg_at(const LatImage *rgb, int q, uint8_t **jpg, size_t *size, char *msg,
                   size_t len)
{
    JpegOptions opt = {q, 0, 1};
    return jpeg_encode_memory(rgb, &opt, jpg, size, msg, len);
}

/* Prints one JPEG reference line; quality q, or the best that fits max_bytes. */
static int jpeg_reference(const LatImage *ref, int q, uint64_t max_bytes)
{
    char msg[512];
    LatImage rgb;
    if (to_8bit_color(ref, &rgb) < 0)
        return cli_fail("compare", "out of memory");
    uint8_t *jpg = NULL;
    size_t size = 0;
    int r = 0;
    if (max_bytes) {
        /* JPEG size grows with quality: binary search for the largest q that fits. */
        int lo = 1, hi = 100, best = 0;
        while (lo <= hi && r == 0) {
            int mid = (lo + hi) / 2;
            uint8_t *t;
            size_t ts;
            r = jpeg_at(&rgb, mid, &t, &ts, msg, sizeof(msg));
            if (r == 0) {
                free(t);
                if (ts <= max_bytes) {
                    best = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
        }
        if (r == 0 && best == 0) {
            lat_image_free(&rgb);
            return cli_fail("compare", "no JPEG quality fits in %llu bytes",
                            (unsigned long long)max_bytes);
        }
        q = best;
    }
    if (r == 0)
        r = jpeg_at(&rgb, q, &jpg, &size, msg, sizeof(msg));
    LatImage dec;
    memset(&dec, 0, sizeof(dec));
    if (r == 0)
        r = image_read_memory(jpg, size, &dec, 0, msg, sizeof(msg));
    if (r < 0) {
        free(jpg);
        lat_image_free(&rgb);
        return cli_fail("compare", "%s", msg);
    }
    ImageDiff d;
    image_diff(&rgb, &dec, &d);
    double pixels = (double)ref->width * ref->height;
    printf("JPEG q=%d (4:2:0, optimized): %zu bytes, %.4f bpp, PSNR %.3f dB\n", q, size,
           (double)size * 8.0 / pixels, d.psnr);
    free(jpg);
    lat_image_free(&dec);
    lat_image_free(&rgb);
    return CLI_EXIT_OK;
}

static int png_reference(const LatImage *ref)
{
    char msg[512];
    uint8_t *png;
    size_t size;
    if (png_encode_memory(ref, 9, &png, &size, msg, sizeof(msg)) < 0)
        return cli_fail("compare", "%s", msg);
    double pixels = (double)ref->width * ref->height;
    printf("PNG (level 9): %zu bytes, %.4f bpp, %.4f bits per sub-pixel\n", size,
           (double)size * 8.0 / pixels, (double)size * 8.0 / (pixels * ref->channels));
    free(png);
    return CLI_EXIT_OK;
}

int cmd_compare(int argc, char **argv)
{
    static const struct option longs[] = {
        {"exact", no_argument, NULL, 'e'},
        {"same-metadata", no_argument, NULL, 's'},
        {"jpeg", required_argument, NULL, 'j'},
        {"jpeg-bytes", required_argument, NULL, 'b'},
        {"png", no_argument, NULL, 'p'},
        {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int exact = 0, same_metadata = 0, png = 0, c;
    long jpeg_q = 0, threads = 0;
    uint64_t jpeg_bytes = 0;
    const char *model = NULL;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'e': exact = 1; break;
        case 's': same_metadata = 1; break;
        case 'j':
            if (cli_parse_long(optarg, 1, 100, &jpeg_q) < 0)
                return cli_usage_error("compare", "JPEG quality must be 1..100");
            break;
        case 'b':
            if (cli_parse_u64(optarg, &jpeg_bytes) < 0)
                return cli_usage_error("compare", "--jpeg-bytes needs a positive integer");
            break;
        case 'p': png = 1; break;
        case 'm': model = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 0, 1024, &threads) < 0)
                return cli_usage_error("compare", "threads must be 0..1024, not '%s'", optarg);
            break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_option_error("compare", c, argv);
        }
    }
    int nfiles = argc - optind;
    if (nfiles < 1)
        return cli_usage_error("compare", "missing reference image");
    if (nfiles > 2)
        return cli_usage_error("compare", "at most two images expected");
    if (nfiles == 1 && (exact || same_metadata))
        return cli_usage_error("compare", "--exact and --same-metadata need two images");
    if (nfiles == 1 && !jpeg_q && !jpeg_bytes && !png)
        return cli_usage_error("compare", "give a second image, --jpeg Q, --jpeg-bytes N or --png");

    char msg[512];
    LatImage ref, test;
    if (load(argv[optind], model, (int)threads, &ref, msg, sizeof(msg)) < 0)
        return cli_fail("compare", "%s", msg);
    int r = CLI_EXIT_OK;
    if (nfiles == 2) {
        if (load(argv[optind + 1], model, (int)threads, &test, msg, sizeof(msg)) < 0) {
            lat_image_free(&ref);
            return cli_fail("compare", "%s", msg);
        }
        ImageDiff d;
        if (exact && ref.bit_depth != test.bit_depth) {
            r = cli_fail("compare", "images differ in bit depth: %u-bit vs %u-bit",
                         ref.bit_depth, test.bit_depth);
        } else if (image_diff(&ref, &test, &d) < 0) {
            r = cli_fail("compare", "images differ in shape: %ux%u %ux%u-bit vs %ux%u %ux%u-bit",
                         ref.width, ref.height, ref.channels, ref.bit_depth, test.width,
                         test.height, test.channels, test.bit_depth);
        } else {
            print_diff(&d, (uint64_t)ref.width * ref.height * ref.channels);
            if (ref.bit_depth != test.bit_depth)
                printf("bit depth: %u-bit vs %u-bit, compared at 16 bits (8-bit samples "
                       "x 257, peak 65535)\n", ref.bit_depth, test.bit_depth);
            print_metadata(&ref, &test);
            if (exact && d.differing)
                r = cli_fail("compare", "images differ in %llu samples (max abs error %u)",
                             (unsigned long long)d.differing, d.max_abs);
            else if (same_metadata && !same_blob(ref.icc, ref.icc_size, test.icc, test.icc_size))
                r = cli_fail("compare", "ICC profiles differ (%zu vs %zu bytes)", ref.icc_size,
                             test.icc_size);
            else if (same_metadata &&
                     !same_blob(ref.exif, ref.exif_size, test.exif, test.exif_size))
                r = cli_fail("compare", "EXIF blocks differ (%zu vs %zu bytes)", ref.exif_size,
                             test.exif_size);
            else if (same_metadata && !same_blob(ref.xmp, ref.xmp_size, test.xmp, test.xmp_size))
                r = cli_fail("compare", "XMP blocks differ (%zu vs %zu bytes)", ref.xmp_size,
                             test.xmp_size);
            else if (same_metadata && !same_colour(&ref, &test))
                r = cli_fail("compare", "colour info (gAMA/cHRM/sRGB) differs");
        }
        lat_image_free(&test);
    }
    if (r == CLI_EXIT_OK && jpeg_q)
        r = jpeg_reference(&ref, (int)jpeg_q, 0);
    if (r == CLI_EXIT_OK && jpeg_bytes)
        r = jpeg_reference(&ref, 0, jpeg_bytes);
    if (r == CLI_EXIT_OK && png)
        r = png_reference(&ref);
    lat_image_free(&ref);
    return r;
}
