/* lat encode: image file -> .lat file. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "lat.h"
#include "metrics.h"
#include "output_file.h"

static const char usage[] =
    "usage: lat encode IN -o OUT.lat [options]\n"
    "\n"
    "Compresses IN (PNG 8/16-bit gray, gray+alpha, RGB, RGBA or palette; JPEG;\n"
    "binary PPM/PGM; '-' for stdin) into a .lat file. OUT '-' is stdout.\n"
    "A regular OUT is written atomically: a failed run leaves no file.\n"
    "\n"
    "  -o, --output FILE    output .lat file (required)\n"
    "  -q, --quality N      lossy quality 0..100 (default 75)\n"
    "      --lossless       bit-exact mode (every bit depth, alpha kept)\n"
    "      --strip          drop the ICC profile and EXIF block\n"
    "      --model FILE     lossy model file (default: $LAT_MODEL, then the\n"
    "                       installed model)\n"
    "      --threads N      worker threads, 0 = all cores (default 0)\n"
    "      --max-pixels N   refuse larger images (default 268435456)\n"
    "      --print-psnr     decode the result and print its PSNR to stderr\n"
    "  -v, --verbose        print sizes, bits per pixel and timings to stderr\n"
    "  -h, --help           this help\n";

typedef struct EncodeOptions {
    const char *input, *output, *model;
    int quality, lossless, strip, verbose, print_psnr;
    long threads;
    uint64_t max_pixels;
} EncodeOptions;

static int parse(int argc, char **argv, EncodeOptions *o)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"quality", required_argument, NULL, 'q'},
        {"lossless", no_argument, NULL, 'L'},
        {"strip", no_argument, NULL, 'S'},
        {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"max-pixels", required_argument, NULL, 'P'},
        {"print-psnr", no_argument, NULL, 'p'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->quality = 75;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, ":o:q:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'q':
            if (cli_parse_long(optarg, 0, 100, &v) < 0)
                return cli_usage_error("encode", "quality must be 0..100, not '%s'", optarg);
            o->quality = (int)v;
            break;
        case 'L': o->lossless = 1; break;
        case 'S': o->strip = 1; break;
        case 'm': o->model = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 0, 1024, &o->threads) < 0)
                return cli_usage_error("encode", "threads must be 0..1024, not '%s'", optarg);
            break;
        case 'P':
            if (cli_parse_u64(optarg, &o->max_pixels) < 0)
                return cli_usage_error("encode", "max-pixels must be a positive integer");
            break;
        case 'p': o->print_psnr = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_option_error("encode", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("encode", "missing input file");
    if (optind + 1 < argc)
        return cli_usage_error("encode", "one input file expected, got '%s' too", argv[optind + 1]);
    o->input = argv[optind];
    if (!o->output)
        return cli_usage_error("encode", "missing -o OUTPUT");
    return CLI_EXIT_OK;
}

static void print_psnr(LatContext *ctx, const uint8_t *file, size_t size, const LatImage *img)
{
    LatImage back;
    int err = lat_decode(ctx, file, size, &back);
    if (err < 0) {
        fprintf(stderr, "lat encode: cannot decode the result for --print-psnr: %s\n",
                cli_lat_error(err));
        return;
    }
    ImageDiff d;
    if (image_diff(img, &back, &d) < 0)
        fprintf(stderr, "PSNR: decoded image has a different shape\n");
    else if (isinf(d.psnr))
        fprintf(stderr, "PSNR: inf dB (identical)\n");
    else
        fprintf(stderr, "PSNR: %.3f dB (max abs error %u%s)\n", d.psnr, d.max_abs,
                back.bit_depth != img->bit_depth ? ", at 16 bits" : "");
    lat_image_free(&back);
}

int cmd_encode(int argc, char **argv)
{
    EncodeOptions o;
    int r = parse(argc, argv, &o);
    if (r != CLI_EXIT_OK)
        return r < 0 ? CLI_EXIT_OK : r;

    char msg[512];
    double t0 = cli_now();
    LatImage img;
    if (image_read_file(o.input, &img, o.max_pixels, msg, sizeof(msg)) < 0)
        return cli_fail("encode", "%s", msg);
    if (o.strip) {
        free(img.icc);
        free(img.exif);
        img.icc = img.exif = NULL;
        img.icc_size = img.exif_size = 0;
    }
    double t1 = cli_now();

    LatSettings s;
    lat_default_settings(&s);
    s.quality = o.quality;
    s.lossless = o.lossless;
    s.strip_metadata = o.strip;
    s.threads = (int)o.threads;
    s.model_path = o.model;
    if (o.max_pixels)
        s.max_pixels = o.max_pixels;
    LatContext *ctx = NULL;
    uint8_t *file = NULL;
    size_t size = 0;
    int err = lat_open(&ctx, &s);
    if (err >= 0)
        err = lat_encode(ctx, &img, &file, &size);
    double t2 = cli_now();
    if (err < 0) {
        lat_close(&ctx);
        lat_image_free(&img);
        return cli_fail("encode", "%s", cli_lat_error(err));
    }
    if (output_write_all(o.output, o.input, file, size, msg, sizeof(msg)) < 0) {
        lat_free(file);
        lat_close(&ctx);
        lat_image_free(&img);
        return cli_fail("encode", "%s", msg);
    }
    if (o.verbose) {
        double pixels = (double)img.width * img.height;
        fprintf(stderr,
                "%s: %ux%u, %u channel%s, %u-bit -> %s: %zu bytes, %.4f bpp, %.4f bits/sub-pixel "
                "(%s)\nread %.1f ms, encode %.1f ms\n",
                o.input, img.width, img.height, img.channels, img.channels > 1 ? "s" : "",
                img.bit_depth, o.output, size, (double)size * 8.0 / pixels,
                (double)size * 8.0 / (pixels * img.channels),
                o.lossless ? "lossless" : "lossy", (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    }
    if (!o.lossless && img.bit_depth == 16)
        fprintf(stderr, "lat encode: note: lossy mode keeps 8 bits per sample; %s is 16-bit "
                "and decodes as 8-bit (--lossless keeps all 16)\n", o.input);
    if (o.print_psnr)
        print_psnr(ctx, file, size, &img);
    lat_free(file);
    lat_close(&ctx);
    lat_image_free(&img);
    return CLI_EXIT_OK;
}
