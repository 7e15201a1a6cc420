/* `lat bench lossless DIR...`: lat lossless against PNG (libpng, maximum
 * compression), JPEG-LS (CharLS, optional), JPEG XL lossless (`cjxl -d 0
 * -e 7`, optional, see jxl_codec.h) and, as the near-lossless
 * reference, JPEG quality 100 4:4:4 with its PSNR. Bits per sub-pixel
 * (bpsp = bytes * 8 / (width * height * channels)), size relative to PNG,
 * encode/decode wall times. Every lossless round trip is compared sample by
 * sample with the input; a mismatch is reported as an error and makes the
 * command fail. Images are measured as read (gray, alpha, 16-bit kept);
 * ICC/EXIF metadata is dropped so that only pixel coding is compared. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_inputs.h"
#include "bench_workers.h"
#include "cli.h"
#include "imageio.h"
#include "jpeg_codec.h"
#include "jpegls_codec.h"
#include "jxl_codec.h"
#include "lat.h"
#include "metrics.h"
#include "output_file.h"
#include "textbuf.h"

enum { LL_LAT, LL_PNG, LL_JPEGLS, LL_JXL, LL_JPEG100, LL_CODECS };
static const char *const kId[LL_CODECS] = {"lat", "png", "jpegls", "jxl_e7", "jpeg_q100_444"};
static const char *const kLabel[LL_CODECS] = {"lat lossless", "PNG (libpng -9)", "JPEG-LS (CharLS)",
                                              "JPEG XL (-e 7)", "JPEG q100 4:4:4"};
static const int kLossless[LL_CODECS] = {1, 1, 1, 1, 0};

typedef struct LlMeasure {
    int ok;         /* measured */
    int exact;      /* decoded == input (lossless codecs must be) */
    size_t bytes;
    double bpsp, psnr, enc_s, dec_s;
    char error[160];
} LlMeasure;

typedef struct LlImage {
    const char *path, *name;
    uint32_t width, height, channels, bit_depth;
    int failed;
    LlMeasure m[LL_CODECS];
} LlImage;

typedef struct LlState {
    LlImage *images;
    int nimages;
    int workers, lat_threads;
    LatContext **contexts;   /* one per worker */
    BenchProgress *progress;
    atomic_int mismatches;
    atomic_int failures;
} LlState;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lat bench lossless DIR|FILE... [options]\n"
        "  lat lossless vs PNG (max compression), JPEG-LS (CharLS), JPEG XL (cjxl -d 0 -e 7,\n"
        "  when installed) and JPEG q100 4:4:4.\n"
        "  -o OUTDIR      also write OUTDIR/lossless.csv\n"
        "  --threads N    cores to use (default: all)\n"
        "  --json         print the summary as one JSON object\n"
        "  --quiet        no progress bar\n"
        "Exit status 1 if any lossless round trip is not bit-exact.\n");
}

static int same_pixels(const LatImage *a, const LatImage *b)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels ||
        a->bit_depth != b->bit_depth)
        return 0;
    size_t n = (size_t)a->width * a->height * a->channels * (a->bit_depth / 8);
    return memcmp(a->pixels, b->pixels, n) == 0;
}

static void mismatch(LlState *st, const LlImage *im, int codec, const LatImage *in,
                     const LatImage *out)
{
    ImageDiff d;
    char what[128];
    if (image_diff(in, out, &d) == 0)
        snprintf(what, sizeof what, "%llu samples differ, max abs difference %u",
                 (unsigned long long)d.differing, d.max_abs);
    else
        snprintf(what, sizeof what, "decoded %ux%u, %u channels, %u bits", out->width,
                 out->height, out->channels, out->bit_depth);
    atomic_fetch_add(&st->mismatches, 1);
    bench_progress_note(st->progress, "ERROR: %s round trip is NOT bit-exact on %s: %s\n",
                        kLabel[codec], im->path, what);
}

static void measure(LlState *st, int codec, int worker, const LatImage *img, LlImage *im)
{
    LlMeasure *m = &im->m[codec];
    uint8_t *file = NULL;
    size_t size = 0;
    LatImage dec;
    memset(&dec, 0, sizeof dec);
    char err[160] = "";
    double t0 = bench_now(), t1 = t0, t2 = t0;
    int rc = -1;
    switch (codec) {
    case LL_LAT: {
        LatContext **ctx = &st->contexts[worker];
        int e = LAT_OK;
        if (!*ctx) {
            LatSettings s;
            lat_default_settings(&s);
            s.lossless = 1;
            s.threads = st->lat_threads;
            s.strip_metadata = 1;
            e = lat_open(ctx, &s);
        }
        t0 = bench_now();
        if (e == LAT_OK)
            e = lat_encode(*ctx, img, &file, &size);
        t1 = bench_now();
        if (e == LAT_OK)
            e = lat_decode(*ctx, file, size, &dec);
        t2 = bench_now();
        lat_free(file);
        file = NULL;
        if (e != LAT_OK)
            snprintf(err, sizeof err, "%s", lat_strerror(e));
        rc = e == LAT_OK ? 0 : -1;
        break;
    }
    case LL_PNG:
        t0 = bench_now();
        rc = png_encode_memory(img, 9, &file, &size, err, sizeof err);
        t1 = bench_now();
        if (rc == 0)
            rc = image_read_memory(file, size, &dec, 0, err, sizeof err);
        t2 = bench_now();
        break;
    case LL_JPEGLS:
        t0 = bench_now();
        rc = jpegls_encode_memory(img, &file, &size, err, sizeof err);
        t1 = bench_now();
        if (rc == 0)
            rc = jpegls_decode_memory(file, size, &dec, err, sizeof err);
        t2 = bench_now();
        break;
    case LL_JXL:
        t0 = bench_now();
        rc = jxl_encode_memory(img, &file, &size, err, sizeof err);
        t1 = bench_now();
        if (rc == 0)
            rc = jxl_decode_memory(file, size, &dec, err, sizeof err);
        t2 = bench_now();
        break;
    case LL_JPEG100: {
        if (img->bit_depth != 8 || (img->channels != 1 && img->channels != 3)) {
            snprintf(m->error, sizeof m->error, "n/a: JPEG needs 8-bit gray or RGB");
            return;
        }
        JpegOptions jo = {.quality = 100, .chroma_444 = 1, .optimize = 1};
        t0 = bench_now();
        rc = jpeg_encode_memory(img, &jo, &file, &size, err, sizeof err);
        t1 = bench_now();
        if (rc == 0)
            rc = jpeg_decode_memory(file, size, &dec, err, sizeof err);
        t2 = bench_now();
        break;
    }
    }
    free(file);
    if (rc < 0) {
        snprintf(m->error, sizeof m->error, "%s", err);
        lat_image_free(&dec);
        /* A codec that is not available is a note, anything else a failure. */
        if ((codec != LL_JPEGLS || jpegls_available()) && (codec != LL_JXL || jxl_available())) {
            atomic_fetch_add(&st->failures, 1);
            bench_progress_note(st->progress, "error: %s on %s: %s\n", kLabel[codec], im->name, err);
        }
        return;
    }
    size_t samples = (size_t)img->width * img->height * img->channels;
    m->ok = 1;
    m->bytes = size;
    m->bpsp = (double)size * 8 / (double)samples;
    m->enc_s = t1 - t0;
    m->dec_s = t2 - t1;
    m->exact = same_pixels(img, &dec);
    if (!kLossless[codec]) {
        ImageDiff d;
        m->psnr = image_diff(img, &dec, &d) == 0 ? d.psnr : NAN;
    } else {
        m->psnr = m->exact ? INFINITY : NAN;
        if (!m->exact)
            mismatch(st, im, codec, img, &dec);
    }
    lat_image_free(&dec);
}

static void ll_job(void *vctx, int job, int worker)
{
    LlState *st = vctx;
    LlImage *im = &st->images[job];
    LatImage img;
    char err[256];
    if (image_read_file(im->path, &img, 0, err, sizeof err) < 0) {
        im->failed = 1;
        atomic_fetch_add(&st->failures, 1);
        bench_progress_note(st->progress, "error: %s\n", err);
        bench_progress_add(st->progress, LL_CODECS);
        return;
    }
    image_strip_metadata(&img);
    im->width = img.width;
    im->height = img.height;
    im->channels = img.channels;
    im->bit_depth = img.bit_depth;
    for (int codec = 0; codec < LL_CODECS; codec++) {
        measure(st, codec, worker, &img, im);
        bench_progress_add(st->progress, 1);
    }
    lat_image_free(&img);
}

typedef struct LlSummary {
    int n;                   /* images measured by this codec */
    int all_exact;
    double bpsp, psnr, enc_s, dec_s; /* means over those images */
    double bytes, png_bytes; /* totals over images measured by both */
} LlSummary;

static void summarize(const LlState *st, LlSummary s[LL_CODECS])
{
    memset(s, 0, sizeof(LlSummary) * LL_CODECS);
    for (int c = 0; c < LL_CODECS; c++) {
        s[c].all_exact = 1;
        double psnr_sum = 0;
        int psnr_n = 0;
        for (int i = 0; i < st->nimages; i++) {
            const LlImage *im = &st->images[i];
            const LlMeasure *m = &im->m[c];
            if (im->failed || !m->ok)
                continue;
            s[c].n++;
            s[c].bpsp += m->bpsp;
            s[c].enc_s += m->enc_s;
            s[c].dec_s += m->dec_s;
            s[c].all_exact &= m->exact;
            if (isfinite(m->psnr)) {
                psnr_sum += m->psnr;
                psnr_n++;
            }
            if (im->m[LL_PNG].ok) {
                s[c].bytes += (double)m->bytes;
                s[c].png_bytes += (double)im->m[LL_PNG].bytes;
            }
        }
        if (s[c].n) {
            s[c].bpsp /= s[c].n;
            s[c].enc_s /= s[c].n;
            s[c].dec_s /= s[c].n;
        }
        s[c].psnr = psnr_n ? psnr_sum / psnr_n : s[c].all_exact && s[c].n ? INFINITY : NAN;
    }
}

/* Why a codec has no numbers: the first error seen. */
static const char *codec_reason(const LlState *st, int c)
{
    for (int i = 0; i < st->nimages; i++)
        if (!st->images[i].failed && st->images[i].m[c].error[0])
            return st->images[i].m[c].error;
    return "no image measured";
}

static void print_table(const LlState *st, const LlSummary *s, double elapsed, int threads)
{
    int measured = 0;
    for (int i = 0; i < st->nimages; i++)
        measured += !st->images[i].failed;
    printf("lat bench lossless: %d image%s, %d threads, %.1f s\n\n", measured,
           measured == 1 ? "" : "s", threads, elapsed);
    printf("%-14s %-12s", "image", "size");
    for (int c = 0; c < LL_CODECS; c++)
        printf(" %9s", c == LL_JPEG100 ? "jpeg100" : kId[c]);
    printf("   (bpsp)\n");
    for (int i = 0; i < st->nimages; i++) {
        const LlImage *im = &st->images[i];
        if (im->failed)
            continue;
        char size[32];
        snprintf(size, sizeof size, "%ux%ux%u%s", im->width, im->height, im->channels,
                 im->bit_depth == 16 ? "/16" : "");
        printf("%-14.14s %-12s", im->name, size);
        for (int c = 0; c < LL_CODECS; c++) {
            if (im->m[c].ok)
                printf(" %8.3f%s", im->m[c].bpsp, kLossless[c] && !im->m[c].exact ? "!" : " ");
            else
                printf(" %9s", "-");
        }
        printf("\n");
    }
    printf("\n%-18s %7s %8s %9s %9s  %s\n", "codec", "bpsp", "vs PNG", "enc ms", "dec ms",
           "round trip");
    for (int c = 0; c < LL_CODECS; c++) {
        if (s[c].n == 0) {
            printf("%-18s %s\n", kLabel[c], codec_reason(st, c));
            continue;
        }
        printf("%-18s %7.3f %8.3f %9.1f %9.1f  ", kLabel[c], s[c].bpsp,
               s[c].png_bytes > 0 ? s[c].bytes / s[c].png_bytes : NAN, s[c].enc_s * 1e3,
               s[c].dec_s * 1e3);
        if (kLossless[c])
            printf("%s\n", s[c].all_exact ? "bit-exact" : "NOT BIT-EXACT");
        else
            printf("near-lossless, PSNR %.2f dB\n", s[c].psnr);
        if (s[c].n < measured)
            printf("%-18s (%d of %d images; first error: %s)\n", "", s[c].n, measured,
                   codec_reason(st, c));
    }
    printf("(bpsp: bits per sub-pixel = bytes*8/(width*height*channels), mean over images; "
           "vs PNG: total bytes / total PNG bytes)\n");
}

static void print_json(const LlState *st, const LlSummary *s, double elapsed, int threads)
{
    TextBuf b = {0};
    int measured = 0;
    for (int i = 0; i < st->nimages; i++)
        measured += !st->images[i].failed;
    textbuf_printf(&b, "{\"images\":%d,\"threads\":%d,\"elapsed_s\":%.3f,\"mismatches\":%d,"
                       "\"codecs\":{", measured, threads, elapsed, atomic_load(&st->mismatches));
    for (int c = 0; c < LL_CODECS; c++) {
        textbuf_printf(&b, "%s\"%s\":{\"available\":%s", c ? "," : "", kId[c],
                       s[c].n ? "true" : "false");
        if (s[c].n == 0) {
            textbuf_append(&b, ",\"reason\":");
            textbuf_append_json(&b, codec_reason(st, c));
        } else {
            textbuf_printf(&b, ",\"images\":%d,\"bpsp\":%.5f,\"ratio_png\":", s[c].n, s[c].bpsp);
            textbuf_append_json_number(
                &b, s[c].png_bytes > 0 ? s[c].bytes / s[c].png_bytes : NAN, "%.5f");
            textbuf_printf(&b, ",\"enc_s\":%.6f,\"dec_s\":%.6f", s[c].enc_s, s[c].dec_s);
            if (kLossless[c]) {
                textbuf_printf(&b, ",\"bit_exact\":%s", s[c].all_exact ? "true" : "false");
            } else {
                textbuf_append(&b, ",\"psnr\":");
                textbuf_append_json_number(&b, s[c].psnr, "%.4f");
            }
        }
        textbuf_append(&b, "}");
    }
    textbuf_append(&b, "}}\n");
    if (b.data)
        fputs(b.data, stdout);
    textbuf_free(&b);
}

static int write_csv(const LlState *st, const char *outdir)
{
    TextBuf b = {0};
    textbuf_append(&b, "image,codec,bytes,bpsp,enc_s,dec_s,exact,psnr\n");
    for (int i = 0; i < st->nimages; i++) {
        const LlImage *im = &st->images[i];
        for (int c = 0; c < LL_CODECS && !im->failed; c++) {
            const LlMeasure *m = &im->m[c];
            if (!m->ok)
                continue;
            textbuf_printf(&b, "%s,%s,%zu,%.6f,%.6f,%.6f,%d,", im->name, kId[c], m->bytes, m->bpsp,
                           m->enc_s, m->dec_s, m->exact);
            if (isfinite(m->psnr))
                textbuf_printf(&b, "%.4f\n", m->psnr);
            else
                textbuf_append(&b, m->exact ? "inf\n" : "nan\n");
        }
    }
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/lossless.csv", outdir);
    int rc = b.failed ? -1 : output_write_all(path, NULL, b.data, b.len, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "lat bench lossless: %s\n", b.failed ? "out of memory" : err);
    textbuf_free(&b);
    return rc;
}

int bench_lossless(int argc, char **argv)
{
    const char *outdir = NULL;
    int threads = 0, json = 0, quiet = 0, nargs = 0;
    char **args = calloc((size_t)argc + 1, sizeof(char *));
    if (!args)
        return 1;
    /* argv[0] is "lossless" */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(args);
            return 0;
        } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
            outdir = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            long v;
            if (cli_parse_long(argv[++i], 0, 1024, &v) < 0) {
                fprintf(stderr, "lat bench lossless: bad --threads '%s'\n", argv[i]);
                free(args);
                return 2;
            }
            threads = (int)v;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lat bench lossless: unknown option or missing value: %s\n", a);
            usage(stderr);
            free(args);
            return 2;
        } else {
            args[nargs++] = argv[i];
        }
    }
    if (nargs == 0) {
        usage(stderr);
        free(args);
        return 2;
    }
    char err[512] = "";
    char **paths;
    int npaths;
    int rc = bench_collect_inputs(args, nargs, &paths, &npaths, err, sizeof err);
    free(args);
    if (rc < 0) {
        fprintf(stderr, "lat bench lossless: %s\n", err);
        return 1;
    }
    LlState st;
    memset(&st, 0, sizeof st);
    st.nimages = npaths;
    st.images = calloc((size_t)npaths, sizeof(LlImage));
    if (threads <= 0)
        threads = bench_cpu_count();
    st.workers = threads < npaths ? threads : npaths;
    st.lat_threads = threads / st.workers > 0 ? threads / st.workers : 1;
    st.contexts = calloc((size_t)st.workers, sizeof(LatContext *));
    if (!st.images || !st.contexts) {
        fprintf(stderr, "lat bench lossless: out of memory\n");
        free(st.images);
        free(st.contexts);
        bench_free_inputs(paths, npaths);
        return 1;
    }
    for (int i = 0; i < npaths; i++) {
        st.images[i].path = paths[i];
        st.images[i].name = bench_basename(paths[i]);
    }
    if (!jpegls_available() && !json)
        fprintf(stderr, "note: JPEG-LS unavailable: built without CharLS\n");
    if (!jxl_available() && !json)
        fprintf(stderr, "note: JPEG XL skipped: cjxl/djxl not found\n");
    double start = bench_now();
    st.progress = bench_progress_start("lossless", (int64_t)npaths * LL_CODECS, !quiet);
    bench_parallel(npaths, st.workers, ll_job, &st);
    bench_progress_finish(st.progress);
    st.progress = NULL;
    double elapsed = bench_now() - start;

    LlSummary s[LL_CODECS];
    summarize(&st, s);
    if (json)
        print_json(&st, s, elapsed, threads);
    else
        print_table(&st, s, elapsed, threads);
    int status = 0;
    if (outdir && (bench_make_dirs(outdir, err, sizeof err) < 0 || write_csv(&st, outdir) < 0)) {
        if (err[0])
            fprintf(stderr, "lat bench lossless: %s\n", err);
        status = 1;
    }
    int mism = atomic_load(&st.mismatches), fails = atomic_load(&st.failures);
    if (mism) {
        fprintf(stderr, "lat bench lossless: FAILED: %d lossless round trip(s) not bit-exact\n",
                mism);
        status = 1;
    }
    if (fails) {
        fprintf(stderr, "lat bench lossless: %d measurement(s) failed (see the errors above)\n",
                fails);
        status = 1;
    }
    for (int w = 0; w < st.workers; w++)
        lat_close(&st.contexts[w]);
    free(st.contexts);
    free(st.images);
    bench_free_inputs(paths, npaths);
    return status;
}
