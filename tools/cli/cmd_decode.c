/* lat decode: .lat file -> PNG or PPM/PGM. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "json.h"
#include "lat.h"
#include "ticker.h"

static const char usage[] =
    "usage: lat decode IN.lat -o OUT [options]\n"
    "       lat decode IN.lat... -d OUTDIR [options]\n"
    "\n"
    "Decompresses IN ('-' for stdin) into OUT: .png (default, also for '-' =\n"
    "stdout), or .ppm/.pgm/.pnm (no alpha; .pgm grey only). The ICC profile\n"
    "and EXIF block stored in the .lat are written back (PNG iCCP/eXIf). A\n"
    "regular OUT is written atomically: a failed run leaves no file.\n"
    "With -d, every IN becomes OUTDIR/<name>.png with one model load; a bad\n"
    "input does not stop the others, the failures are listed at the end and\n"
    "the exit status is 1 if any failed.\n"
    "\n"
    "  -o, --output FILE    output image (one input)\n"
    "  -d, --dir OUTDIR     output folder (any number of inputs)\n"
    "      --model FILE     a lossy model file (default: the model the file names,\n"
    "                       from $LAT_MODEL or the model folders)\n"
    "      --model-dir DIR  a model folder searched first (README.md, \"Models\")\n"
    "      --threads N      worker threads, 0 = all cores (default 0)\n"
    "      --max-pixels N   refuse larger images (default 268435456)\n"
    "      --json           print one JSON object per input on stdout (sizes,\n"
    "                       bpp, times)\n"
    "  -v, --verbose        print the image shape and timings to stderr\n"
    "  -h, --help           this help\n";

typedef struct DecodeOptions {
    char **inputs;
    int ninputs;
    const char *output, *dir, *model, *model_dir;
    int verbose, json;
    long threads;
    uint64_t max_pixels;
} DecodeOptions;

static int parse(int argc, char **argv, DecodeOptions *o)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"dir", required_argument, NULL, 'd'},
        {"model", required_argument, NULL, 'm'},
        {"model-dir", required_argument, NULL, 'D'},
        {"threads", required_argument, NULL, 't'},
        {"max-pixels", required_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:d:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'd': o->dir = optarg; break;
        case 'm': o->model = optarg; break;
        case 'D': o->model_dir = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 0, 1024, &o->threads) < 0)
                return cli_usage_error("decode", "threads must be 0..1024, not '%s'", optarg);
            break;
        case 'P':
            if (cli_parse_u64(optarg, &o->max_pixels) < 0)
                return cli_usage_error("decode", "max-pixels must be a positive integer");
            break;
        case 'j': o->json = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_option_error("decode", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("decode", "missing input file");
    o->inputs = argv + optind;
    o->ninputs = argc - optind;
    if (o->output && o->dir)
        return cli_usage_error("decode", "give -o OUTPUT or -d OUTDIR, not both");
    if (!o->dir && o->ninputs > 1)
        return cli_usage_error("decode", "%d input files need -d OUTDIR, not -o", o->ninputs);
    if (!o->output && !o->dir)
        return cli_usage_error("decode", "missing -o OUTPUT (or -d OUTDIR)");
    if (o->json && o->output && strcmp(o->output, "-") == 0)
        return cli_usage_error("decode", "--json needs stdout: write the image to a file");
    return CLI_EXIT_OK;
}

static void print_json(const char *input, const char *output, size_t size, const LatImage *img,
                       double decode_ms, double write_ms)
{
    printf("{\"input\": \"");
    json_put_text(stdout, input, 1);
    printf("\", \"output\": \"");
    json_put_text(stdout, output, 1);
    printf("\", \"width\": %u, \"height\": %u, \"channels\": %u, \"bit_depth\": %u, "
           "\"bytes\": %zu, \"bpp\": %.6f, \"decode_ms\": %.3f, \"write_ms\": %.3f}\n",
           img->width, img->height, img->channels, img->bit_depth, size,
           (double)size * 8.0 / ((double)img->width * img->height), decode_ms, write_ms);
}

/* Decodes one input into output with the shared context. Returns an exit
 * code. */
static int decode_one(LatContext *ctx, const DecodeOptions *o, const char *input,
                      const char *output)
{
    char msg[512];
    const char *in_name = strcmp(input, "-") ? input : "stdin";
    uint8_t *data;
    size_t size;
    Ticker *tk = ticker_start("decode", in_name, o->verbose);
    ticker_stage(tk, "reading");
    if (read_whole_file(input, &data, &size, msg, sizeof(msg)) < 0) {
        ticker_stop(tk);
        return cli_fail("decode", "%s", msg);
    }
    ticker_stage(tk, "decoding");
    double t0 = cli_now();
    LatImage img;
    int err = lat_decode(ctx, data, size, &img);
    double t1 = cli_now();
    int r = CLI_EXIT_OK;
    if (err < 0) {
        ticker_stop(tk);
        r = cli_fail_lat_file("decode", ctx, in_name, data, size, err);
    }
    free(data);
    if (r != CLI_EXIT_OK)
        return r;
    ticker_stage(tk, "writing");
    int wr = image_write_file_guarded(output, input, &img, msg, sizeof(msg));
    ticker_stop(tk);
    if (wr < 0)
        r = cli_fail("decode", "%s", msg);
    double t2 = cli_now();
    if (r == CLI_EXIT_OK && o->verbose)
        fprintf(stderr, "%s: %ux%u, %u channel%s, %u-bit -> %s\ndecode %.1f ms, write %.1f ms\n",
                in_name, img.width, img.height, img.channels, img.channels > 1 ? "s" : "",
                img.bit_depth, output, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    if (r == CLI_EXIT_OK && o->json)
        print_json(in_name, output, size, &img, (t1 - t0) * 1e3, (t2 - t1) * 1e3);
    lat_image_free(&img);
    return r;
}

/* batch_run's view of one input. */
typedef struct BatchJob {
    LatContext *ctx;
    const DecodeOptions *o;
} BatchJob;

static int decode_item(void *user, const char *input, const char *output)
{
    const BatchJob *job = user;
    return decode_one(job->ctx, job->o, input, output);
}

int cmd_decode(int argc, char **argv)
{
    DecodeOptions o;
    int r = parse(argc, argv, &o);
    if (r != CLI_EXIT_OK)
        return r < 0 ? CLI_EXIT_OK : r;

    char msg[512];
    if (o.output && image_check_output_path(o.output, msg, sizeof(msg)) < 0)
        return cli_usage_error("decode", "%s", msg);
    LatSettings s;
    lat_default_settings(&s);
    s.threads = (int)o.threads;
    s.model_path = o.model;
    s.model_dir = o.model_dir;
    if (o.max_pixels)
        s.max_pixels = o.max_pixels;
    LatContext *ctx = NULL;
    int err = lat_open(&ctx, &s);
    if (err < 0)
        return cli_fail("decode", "%s", cli_lat_error(ctx, err));
    if (!o.dir) {
        r = decode_one(ctx, &o, o.inputs[0], o.output);
        lat_close(&ctx);
        return r;
    }
    BatchJob job = {ctx, &o};
    r = batch_run("decode", o.dir, o.inputs, o.ninputs, ".png", decode_item, &job);
    lat_close(&ctx);
    return r;
}
