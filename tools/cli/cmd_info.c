/* lat info: what a .lat file holds, from its header and stream table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "json.h"
#include "lat.h"

static const char usage[] =
    "usage: lat info IN.lat [options]\n"
    "\n"
    "Prints the mode, dimensions, channels, bit depth, model (lossy files: its\n"
    "id, hash and the installed file a decoder would use, or where it was\n"
    "looked for), the streams with their sizes, and bits per pixel. The header,\n"
    "the stream table and every stream's checksum are verified; pixels are not\n"
    "decoded.\n"
    "\n"
    "      --json           machine-readable output\n"
    "  -v, --verbose        also stream type ids, decompressed sizes and ratios;\n"
    "                       for lossy files, the latent bytes against their ideal\n"
    "                       size under the model's prior (decodes the latents)\n"
    "      --model FILE     a lossy model file (default: the model folders)\n"
    "      --model-dir DIR  a model folder searched first (README.md, \"Models\")\n"
    "  -h, --help           this help\n";

/* model_file: the installed file of a lossy file's model, or NULL (then
 * missing says why). */
static void print_json(const char *path, const LatInfo *in, const char *model_file)
{
    printf("{\n  \"file\": \"");
    json_put_text(stdout, path, 1);
    printf("\",\n  \"file_size\": %llu,\n  \"format_version\": %u,\n  \"mode\": \"%s\",\n",
           (unsigned long long)in->file_size, in->format_version,
           in->lossless ? "lossless" : "lossy");
    printf("  \"width\": %u,\n  \"height\": %u,\n  \"channels\": %u,\n  \"bit_depth\": %u,\n",
           in->width, in->height, in->channels, in->bit_depth);
    if (!in->lossless) {
        printf("  \"model_id\": \"");
        json_put_text(stdout, in->model_id, 1);
        printf("\",\n  \"model_hash\": \"%016llx\",\n  \"quality\": %d,\n",
               (unsigned long long)in->model_hash, in->quality);
        printf("  \"model_file\": ");
        if (model_file) {
            printf("\"");
            json_put_text(stdout, model_file, 1);
            printf("\",\n");
        } else {
            printf("null,\n");
        }
    }
    printf("  \"bpp\": %.6f,\n  \"streams\": [", in->bpp);
    for (uint32_t i = 0; i < in->stream_count && i < LAT_MAX_STREAMS_INFO; i++) {
        printf("%s\n    {\"type\": %u, \"name\": \"", i ? "," : "", in->streams[i].type);
        json_put_text(stdout, in->streams[i].name, 1);
        printf("\", \"stored_size\": %llu, \"raw_size\": %llu}",
               (unsigned long long)in->streams[i].stored_size,
               (unsigned long long)in->streams[i].raw_size);
    }
    printf("\n  ]\n}\n");
}

static void print_text(const char *path, const LatInfo *in, int verbose, const char *model_file,
                       const char *missing)
{
    double subpixels = (double)in->width * in->height * in->channels;
    printf("file:       ");
    json_put_text(stdout, path, 0);
    printf(" (%llu bytes, format version %u)\n", (unsigned long long)in->file_size,
           in->format_version);
    printf("mode:       %s\n", in->lossless ? "lossless" : "lossy");
    printf("image:      %ux%u, %u channel%s (%s), %u-bit\n", in->width, in->height,
           in->channels, in->channels > 1 ? "s" : "",
           in->channels == 1 ? "gray" : in->channels == 2 ? "gray+alpha"
                                    : in->channels == 3 ? "RGB" : "RGBA",
           in->bit_depth);
    if (!in->lossless) {
        printf("model:      ");
        json_put_text(stdout, in->model_id, 0);
        printf(" (weights hash %016llx)\n", (unsigned long long)in->model_hash);
        printf("model file: ");
        json_put_text(stdout, model_file ? model_file : "none: ", 0);
        if (!model_file)
            json_put_text(stdout, missing, 0);
        printf("\n");
        if (in->quality >= 0)
            printf("quality:    %d\n", in->quality);
    }
    printf("size:       %.4f bpp, %.4f bits per sub-pixel\n", in->bpp,
           subpixels > 0 ? (double)in->file_size * 8.0 / subpixels : 0.0);
    printf("streams:    %u\n", in->stream_count);
    uint64_t payload = 0;
    for (uint32_t i = 0; i < in->stream_count && i < LAT_MAX_STREAMS_INFO; i++) {
        char name[sizeof(in->streams[0].name)];
        size_t k = 0;
        for (const char *p = in->streams[i].name; *p && k + 1 < sizeof(name); p++)
            name[k++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
        name[k] = '\0';
        payload += in->streams[i].stored_size;
        printf("  %-24s %10llu bytes", name, (unsigned long long)in->streams[i].stored_size);
        if (verbose)
            printf("  type %u, raw %llu bytes, ratio %.3f", in->streams[i].type,
                   (unsigned long long)in->streams[i].raw_size,
                   in->streams[i].raw_size
                       ? (double)in->streams[i].stored_size / (double)in->streams[i].raw_size
                       : 0.0);
        printf("\n");
    }
    if (in->file_size >= payload)
        printf("  %-24s %10llu bytes\n", "(header and table)",
               (unsigned long long)(in->file_size - payload));
}

/* Coding overhead of the latent coder: stored latent bytes against the ideal
 * size under the model's prior (GUIDE section 2). */
static int print_latent_stats(LatContext *ctx, const char *name, const uint8_t *data,
                              size_t size)
{
    uint64_t bytes;
    double bits;
    int err = lat_latent_stats(ctx, data, size, &bytes, &bits);
    if (err < 0) {
        cli_fail("info", "%s: %s", name, cli_lat_error(ctx, err));
        return err;
    }
    printf("latents:    %llu bytes coded, %.0f bytes ideal under the prior (overhead %+.1f%%)\n",
           (unsigned long long)bytes, bits / 8, bits > 0 ? 100.0 * (bytes * 8.0 / bits - 1) : 0.0);
    return 0;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"model", required_argument, NULL, 'm'},
        {"model-dir", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, verbose = 0, c;
    const char *model = NULL, *model_dir = NULL;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vh", longs, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'v': verbose = 1; break;
        case 'm': model = optarg; break;
        case 'D': model_dir = optarg; break;
        case 'h': fputs(usage, stdout); return CLI_EXIT_OK;
        default: return cli_option_error("info", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("info", "missing input file");
    if (optind + 1 < argc)
        return cli_usage_error("info", "one input file expected, got '%s' too", argv[optind + 1]);
    const char *path = argv[optind];
    const char *name = strcmp(path, "-") ? path : "stdin";

    char msg[512];
    uint8_t *data;
    size_t size;
    if (read_whole_file(path, &data, &size, msg, sizeof(msg)) < 0)
        return cli_fail("info", "%s", msg);
    LatInfo *info = calloc(1, sizeof(*info));
    if (!info) {
        free(data);
        return cli_fail("info", "out of memory");
    }
    int err = lat_inspect(data, size, info);
    if (err < 0) {
        int r = cli_fail_lat_file("info", NULL, name, data, size, err);
        free(data);
        free(info);
        return r;
    }
    uint32_t bad;
    if (lat_verify_streams(data, size, &bad) < 0) {
        int r = cli_fail("info", "%s: stream %u (%s) is corrupt: its bytes do not match the "
                         "checksum in the stream table; obtain a fresh copy", name, bad,
                         bad < LAT_MAX_STREAMS_INFO ? info->streams[bad].name : "?");
        free(data);
        free(info);
        return r;
    }
    /* Lossy: the model a decoder would use. Not installed is a finding; a
     * --model that cannot be read is an error. */
    LatContext *ctx = NULL;
    const char *model_file = NULL;
    int r = CLI_EXIT_OK;
    if (!info->lossless) {
        LatSettings s;
        lat_default_settings(&s);
        s.model_path = model;
        s.model_dir = model_dir;
        err = lat_open(&ctx, &s);
        if (err >= 0)
            err = lat_find_model(ctx, info->model_id, info->model_hash, &model_file);
        if (err < 0 && err != LAT_ERR_NO_MODEL && err != LAT_ERR_MODEL_MISMATCH)
            r = cli_fail("info", "%s: %s", name, cli_lat_error(ctx, err));
    }
    if (r == CLI_EXIT_OK && json)
        print_json(name, info, model_file);
    else if (r == CLI_EXIT_OK)
        print_text(name, info, verbose, model_file, lat_model_error(ctx));
    if (r == CLI_EXIT_OK && verbose && !json && !info->lossless
        && print_latent_stats(ctx, name, data, size) < 0)
        r = CLI_EXIT_FAILURE;
    lat_close(&ctx);
    free(data);
    free(info);
    return r;
}
