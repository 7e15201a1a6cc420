/* lat encode: image file -> .lat file. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "json.h"
#include "lat.h"
#include "metrics.h"
#include "output_file.h"
#include "ticker.h"

static const char usage[] =
    "usage: lat encode IN -o OUT.lat [options]\n"
    "       lat encode IN... -d OUTDIR [options]\n"
    "\n"
    "Compresses IN (PNG 8/16-bit gray, gray+alpha, RGB, RGBA or palette; JPEG;\n"
    "binary PPM/PGM; '-' for stdin) into a .lat file. OUT '-' is stdout.\n"
    "A regular OUT is written atomically: a failed run leaves no file.\n"
    "With -d, every IN becomes OUTDIR/<name>.lat with one model load; a bad\n"
    "input does not stop the others, the failures are listed at the end and\n"
    "the exit status is 1 if any failed.\n"
    "\n"
    "  -o, --output FILE    output .lat file (one input)\n"
    "  -d, --dir OUTDIR     output folder (any number of inputs)\n"
    "  -q, --quality N      lossy quality 0..100 (default 75)\n"
    "      --size BYTES     lossy: search the quality for the largest file of at\n"
    "                       most BYTES (whole file; about a dozen encodes)\n"
    "      --psnr DB        lossy: search the quality for the smallest file whose\n"
    "                       8-bit decode reaches DB (colour samples, alpha left out)\n"
    "      --effort E       lossy encoder effort 0..9 (default 0: fastest); higher\n"
    "                       efforts refine the latents for smaller files at the same\n"
    "                       quality, taking longer (the format is the same)\n"
    "      --seed N         random seed of the refinement (effort > 0; default 0)\n"
    "      --lossless       bit-exact mode (every bit depth, alpha kept)\n"
    "      --strip          drop the ICC profile, EXIF and XMP blocks and the PNG\n"
    "                       colour chunks (gAMA, cHRM, sRGB)\n"
    "      --model FILE     lossy model file (default: $LAT_MODEL, then the\n"
    "                       default model from the model folders)\n"
    "      --model-dir DIR  a model folder searched first (README.md, \"Models\")\n"
    "      --threads N      worker threads, 0 = all cores (default 0)\n"
    "      --max-pixels N   refuse larger images (default 268435456)\n"
    "      --print-psnr     decode the result and print its PSNR to stderr\n"
    "      --json           print one JSON object per input on stdout (sizes,\n"
    "                       bpp, times; psnr with --print-psnr)\n"
    "  -v, --verbose        print sizes, bits per pixel and timings to stderr\n"
    "  -h, --help           this help\n";

typedef struct EncodeOptions {
    char **inputs;
    int ninputs;
    const char *output, *dir, *model, *model_dir;
    int quality, lossless, strip, verbose, print_psnr, json;
    long threads, effort;
    uint64_t size, seed;
    double psnr;
    uint64_t max_pixels;
} EncodeOptions;

static int parse(int argc, char **argv, EncodeOptions *o)
{
    static const struct option longs[] = {
        {"output", required_argument, NULL, 'o'},
        {"dir", required_argument, NULL, 'd'},
        {"quality", required_argument, NULL, 'q'},
        {"lossless", no_argument, NULL, 'L'},
        {"strip", no_argument, NULL, 'S'},
        {"model", required_argument, NULL, 'm'},
        {"model-dir", required_argument, NULL, 'D'},
        {"threads", required_argument, NULL, 't'},
        {"max-pixels", required_argument, NULL, 'P'},
        {"print-psnr", no_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"size", required_argument, NULL, 's'},
        {"psnr", required_argument, NULL, 'r'},
        {"effort", required_argument, NULL, 'e'},
        {"seed", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof(*o));
    o->quality = 75;
    opterr = 0;
    int c;
    long v;
    while ((c = getopt_long(argc, argv, ":o:d:q:vh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'd': o->dir = optarg; break;
        case 'q':
            if (cli_parse_long(optarg, 0, 100, &v) < 0)
                return cli_usage_error("encode", "quality must be 0..100, not '%s'", optarg);
            o->quality = (int)v;
            break;
        case 'L': o->lossless = 1; break;
        case 'S': o->strip = 1; break;
        case 'm': o->model = optarg; break;
        case 'D': o->model_dir = optarg; break;
        case 't':
            if (cli_parse_long(optarg, 0, 1024, &o->threads) < 0)
                return cli_usage_error("encode", "threads must be 0..1024, not '%s'", optarg);
            break;
        case 'P':
            if (cli_parse_u64(optarg, &o->max_pixels) < 0)
                return cli_usage_error("encode", "max-pixels must be a positive integer");
            break;
        case 's':
            if (cli_parse_u64(optarg, &o->size) < 0 || o->size > SIZE_MAX)
                return cli_usage_error("encode", "size must be a positive number of bytes, "
                                       "not '%s'", optarg);
            break;
        case 'r':
            if (cli_parse_double(optarg, 1, 200, &o->psnr) < 0)
                return cli_usage_error("encode", "psnr must be 1..200 dB, not '%s'", optarg);
            break;
        case 'e':
            if (cli_parse_long(optarg, 0, LAT_MAX_EFFORT, &o->effort) < 0)
                return cli_usage_error("encode", "effort must be 0..%d, not '%s'",
                                       LAT_MAX_EFFORT, optarg);
            break;
        case 'E':
            if (cli_parse_long(optarg, 0, 4294967295L, &v) < 0)
                return cli_usage_error("encode", "seed must be 0..4294967295, not '%s'", optarg);
            o->seed = (uint64_t)v;
            break;
        case 'p': o->print_psnr = 1; break;
        case 'j': o->json = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': fputs(usage, stdout); return -1;
        default: return cli_option_error("encode", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("encode", "missing input file");
    o->inputs = argv + optind;
    o->ninputs = argc - optind;
    if (o->output && o->dir)
        return cli_usage_error("encode", "give -o OUTPUT or -d OUTDIR, not both");
    if (!o->dir && o->ninputs > 1)
        return cli_usage_error("encode", "%d input files need -d OUTDIR, not -o", o->ninputs);
    if (!o->output && !o->dir)
        return cli_usage_error("encode", "missing -o OUTPUT (or -d OUTDIR)");
    if (o->size && o->psnr > 0)
        return cli_usage_error("encode", "give --size or --psnr, not both");
    if ((o->size || o->psnr > 0) && o->lossless)
        return cli_usage_error("encode", "--size and --psnr are for lossy mode, not --lossless");
    if (o->json && o->output && strcmp(o->output, "-") == 0)
        return cli_usage_error("encode", "--json needs stdout: write the .lat to a file");
    return CLI_EXIT_OK;
}

/* What one encode measured, for -v, --print-psnr and --json. */
typedef struct EncodeReport {
    size_t size;
    int quality;              /* lossy: what the file records (the search's, with a target) */
    double read_ms, encode_ms;
    int have_diff;
    ImageDiff diff;
} EncodeReport;

static int decode_diff(LatContext *ctx, const uint8_t *file, size_t size, const LatImage *img,
                       EncodeReport *rep)
{
    LatImage back;
    int err = lat_decode(ctx, file, size, &back);
    if (err < 0)
        return err;
    rep->have_diff = image_diff(img, &back, &rep->diff) == 0;
    lat_image_free(&back);
    return 0;
}

static void print_psnr(const EncodeReport *rep)
{
    const ImageDiff *d = &rep->diff;
    if (!rep->have_diff)
        fprintf(stderr, "PSNR: decoded image has a different shape\n");
    else if (isinf(d->psnr))
        fprintf(stderr, "PSNR: inf dB (identical)\n");
    else
        fprintf(stderr, "PSNR: %.3f dB (max abs error %u%s)\n", d->psnr, d->max_abs,
                d->bit_depth == 16 ? ", at 16 bits" : "");
}

static void print_json(const EncodeOptions *o, const char *input, const char *output,
                       const LatImage *img, const EncodeReport *rep)
{
    double pixels = (double)img->width * img->height;
    printf("{\"input\": \"");
    json_put_text(stdout, input, 1);
    printf("\", \"output\": \"");
    json_put_text(stdout, output, 1);
    printf("\", \"mode\": \"%s\", ", o->lossless ? "lossless" : "lossy");
    if (!o->lossless)
        printf("\"quality\": %d, ", rep->quality);
    printf("\"width\": %u, \"height\": %u, \"channels\": %u, \"bit_depth\": %u, "
           "\"bytes\": %zu, \"bpp\": %.6f, \"bpsp\": %.6f, \"read_ms\": %.3f, "
           "\"encode_ms\": %.3f",
           img->width, img->height, img->channels, img->bit_depth, rep->size,
           (double)rep->size * 8.0 / pixels, (double)rep->size * 8.0 / (pixels * img->channels),
           rep->read_ms, rep->encode_ms);
    if (rep->have_diff) {
        printf(", \"psnr\": ");
        json_put_number(stdout, rep->diff.psnr);   /* null: identical */
        printf(", \"max_abs_error\": %u", rep->diff.max_abs);
    }
    printf("}\n");
}

/* Says what the nearest end of the quality range gives when --size or
 * --psnr cannot be met (one more encode). */
static int unreachable(LatContext *ctx, const EncodeOptions *o, const char *name,
                       const LatImage *img)
{
    LatEncodeParams p;
    lat_default_encode_params(&p);
    p.quality = o->size ? 0 : 100;
    uint8_t *file = NULL;
    EncodeReport rep;
    memset(&rep, 0, sizeof rep);
    int err = lat_encode_image(ctx, img, &p, &file, &rep.size);
    if (err >= 0 && !o->size)
        err = decode_diff(ctx, file, rep.size, img, &rep);
    lat_free(file);
    if (err < 0)
        return cli_fail("encode", "%s: %s", name, cli_lat_error(ctx, LAT_ERR_TARGET_UNREACHABLE));
    if (o->size)
        return cli_fail("encode", "%s: --size %llu cannot be met: quality 0 gives %zu bytes",
                        name, (unsigned long long)o->size, rep.size);
    return cli_fail("encode", "%s: --psnr %g cannot be met: quality 100 gives %.2f dB", name,
                    o->psnr, rep.have_diff ? rep.diff.psnr : 0.0);
}

/* The library's progress (an effort's refinement) to the ticker. */
static void on_progress(void *user, double done)
{
    ticker_fraction(user, done);
}

/* Encodes one input into output with the shared context (the model is
 * loaded once, on the first lossy input). Returns an exit code. */
static int encode_one(LatContext *ctx, const EncodeOptions *o, const char *input,
                      const char *output)
{
    char msg[512];
    EncodeReport rep;
    memset(&rep, 0, sizeof(rep));
    const char *in_name = strcmp(input, "-") ? input : "stdin";
    Ticker *tk = ticker_start("encode", in_name, o->verbose);
    ticker_stage(tk, "reading");
    double t0 = cli_now();
    LatImage img;
    if (image_read_file(input, &img, o->max_pixels, msg, sizeof(msg)) < 0) {
        ticker_stop(tk);
        return cli_fail("encode", "%s", msg);
    }
    snprintf(msg, sizeof(msg), "encoding %ux%u (%.1f Mpixel)", img.width, img.height,
             (double)img.width * img.height / 1e6);
    ticker_stage(tk, msg);
    if (o->strip)
        image_strip_metadata(&img);
    double t1 = cli_now();
    uint8_t *file = NULL;
    lat_set_progress(ctx, on_progress, tk);
    LatEncodeParams p;
    lat_default_encode_params(&p);
    p.target_size = (size_t)o->size;
    p.target_psnr = o->psnr;
    p.seed = (uint32_t)o->seed;
    int err = lat_encode_image(ctx, &img, &p, &file, &rep.size);
    rep.read_ms = (t1 - t0) * 1e3;
    rep.encode_ms = (cli_now() - t1) * 1e3;
    LatInfo *info = err < 0 ? NULL : malloc(sizeof *info);
    rep.quality = info && lat_inspect(file, rep.size, info) == 0 ? info->quality : o->quality;
    free(info);
    lat_set_progress(ctx, NULL, NULL);
    ticker_stage(tk, "writing");
    int wr = err < 0 ? 0 : output_write_all(output, input, file, rep.size, msg, sizeof(msg));
    ticker_stop(tk);
    int r = CLI_EXIT_OK;
    if (err == LAT_ERR_TARGET_UNREACHABLE)
        r = unreachable(ctx, o, in_name, &img);
    else if (err < 0)
        r = cli_fail("encode", "%s: %s", in_name, cli_lat_error(ctx, err));
    else if (wr < 0)
        r = cli_fail("encode", "%s", msg);
    if (r == CLI_EXIT_OK) {
        if (o->verbose) {
            double pixels = (double)img.width * img.height;
            fprintf(stderr,
                    "%s: %ux%u, %u channel%s, %u-bit -> %s: %zu bytes, %.4f bpp, %.4f "
                    "bits/sub-pixel (%s)\nread %.1f ms, encode %.1f ms\n",
                    input, img.width, img.height, img.channels, img.channels > 1 ? "s" : "",
                    img.bit_depth, output, rep.size, (double)rep.size * 8.0 / pixels,
                    (double)rep.size * 8.0 / (pixels * img.channels),
                    o->lossless ? "lossless" : "lossy", rep.read_ms, rep.encode_ms);
            if (!o->lossless && (o->size || o->psnr > 0))
                fprintf(stderr, "rate search: quality %d\n", rep.quality);
        }
        if (!o->lossless && img.bit_depth == 16)
            fprintf(stderr, "lat encode: note: lossy mode keeps 8 bits per sample; %s is "
                    "16-bit and decodes as 8-bit (--lossless keeps all 16)\n", input);
        if (o->print_psnr && (err = decode_diff(ctx, file, rep.size, &img, &rep)) < 0)
            fprintf(stderr, "lat encode: cannot decode the result for --print-psnr: %s\n",
                    cli_lat_error(ctx, err));
        else if (o->print_psnr && !o->json)
            print_psnr(&rep);
        if (o->json)
            print_json(o, input, output, &img, &rep);
    }
    lat_free(file);
    lat_image_free(&img);
    return r;
}

/* batch_run's view of one input. */
typedef struct BatchJob {
    LatContext *ctx;
    const EncodeOptions *o;
} BatchJob;

static int encode_item(void *user, const char *input, const char *output)
{
    const BatchJob *job = user;
    return encode_one(job->ctx, job->o, input, output);
}

int cmd_encode(int argc, char **argv)
{
    EncodeOptions o;
    int r = parse(argc, argv, &o);
    if (r != CLI_EXIT_OK)
        return r < 0 ? CLI_EXIT_OK : r;

    LatSettings s;
    lat_default_settings(&s);
    s.quality = o.quality;
    s.lossless = o.lossless;
    s.strip_metadata = o.strip;
    s.threads = (int)o.threads;
    s.effort = (int)o.effort;
    s.model_path = o.model;
    s.model_dir = o.model_dir;
    if (o.max_pixels)
        s.max_pixels = o.max_pixels;
    LatContext *ctx = NULL;
    int err = lat_open(&ctx, &s);
    if (err < 0)
        return cli_fail("encode", "%s", cli_lat_error(ctx, err));
    if (!o.dir) {
        r = encode_one(ctx, &o, o.inputs[0], o.output);
        lat_close(&ctx);
        return r;
    }
    BatchJob job = {ctx, &o};
    r = batch_run("encode", o.dir, o.inputs, o.ninputs, ".lat", encode_item, &job);
    lat_close(&ctx);
    return r;
}
