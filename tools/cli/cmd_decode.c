/* lat decode: .lat file -> PNG or PPM/PGM. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "lat.h"

static const char usage[] =
    "usage: lat decode IN.lat -o OUT [options]\n"
    "\n"
    "Decompresses IN ('-' for stdin) into OUT: .png (default, also for '-' =\n"
    "stdout), or .ppm/.pgm/.pnm (no alpha). The ICC profile and EXIF block\n"
    "stored in the .lat are written back (PNG iCCP/eXIf). A regular OUT is\n"
    "written atomically: a failed run leaves no file.\n"
    "\n"
    "  -o, --output FILE    output image (required)\n"
    "      --model FILE     lossy model file (default: $LAT_MODEL, then the\n"
    "                       installed model)\n"
    "      --threads N      worker threads, 0 = all cores (default 0)\n"
    "      --max-pixels N   refuse larger images (default 268435456)\n"
    "  -v, --verbose        print the image shape and timings to stderr\n"
    "  -h, --help           this help\n";

typedef struct DecodeOptions {
    const char *input, *output, *model;
    int verbose;
    long threads;
    uint64_t max_pixels;
} DecodeOptions;

static int parse(int argc, char **argv, DecodeOptions *o)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"model", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"max-pixels", required_argument, NULL, 'P'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'm': o->model = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 0, 1024, &o->threads) < 0)
                return cli_usage_error("decode", "threads must be 0..1024, not '%s'", optarg);
            break;
        case 'P':
            if (cli_parse_u64(optarg, &o->max_pixels) < 0)
                return cli_usage_error("decode", "max-pixels must be a positive integer");
            break;
        case 'v': o->verbose = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_option_error("decode", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("decode", "missing input file");
    if (optind + 1 < argc)
        return cli_usage_error("decode", "one input file expected, got '%s' too", argv[optind + 1]);
    o->input = argv[optind];
    if (!o->output)
        return cli_usage_error("decode", "missing -o OUTPUT");
    return CLI_EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
    DecodeOptions o;
    int r = parse(argc, argv, &o);
    if (r != CLI_EXIT_OK)
        return r < 0 ? CLI_EXIT_OK : r;

    char msg[512];
    if (image_check_output_path(o.output, msg, sizeof(msg)) < 0)
        return cli_usage_error("decode", "%s", msg);
    const char *in_name = strcmp(o.input, "-") ? o.input : "stdin";
    uint8_t *data;
    size_t size;
    if (read_whole_file(o.input, &data, &size, msg, sizeof(msg)) < 0)
        return cli_fail("decode", "%s", msg);
    double t0 = cli_now();
    LatSettings s;
    lat_default_settings(&s);
    s.threads = (int)o.threads;
    s.model_path = o.model;
    if (o.max_pixels)
        s.max_pixels = o.max_pixels;
    LatContext *ctx = NULL;
    LatImage img;
    memset(&img, 0, sizeof(img));
    int err = lat_open(&ctx, &s);
    if (err >= 0)
        err = lat_decode(ctx, data, size, &img);
    lat_close(&ctx);
    double t1 = cli_now();
    if (err < 0) {
        r = cli_fail_lat_file("decode", in_name, data, size, err);
        free(data);
        return r;
    }
    free(data);
    r = CLI_EXIT_OK;
    if (image_write_file_guarded(o.output, o.input, &img, msg, sizeof(msg)) < 0)
        r = cli_fail("decode", "%s", msg);
    else if (o.verbose)
        fprintf(stderr, "%s: %ux%u, %u channel%s, %u-bit -> %s\ndecode %.1f ms, write %.1f ms\n",
                in_name, img.width, img.height, img.channels, img.channels > 1 ? "s" : "",
                img.bit_depth, o.output, (t1 - t0) * 1e3, (cli_now() - t1) * 1e3);
    lat_image_free(&img);
    return r;
}
