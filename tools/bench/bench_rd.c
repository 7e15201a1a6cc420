/* `lat bench rd DIR... [-o OUTDIR]`: every image is encoded and decoded by
 * lat at each --qualities value, by libjpeg-turbo at each --jpeg-qualities
 * value and by each installed external codec (WebP, AVIF, JPEG XL, JPEG
 * 2000: external_codecs.h) at its settings; bpp counts whole files. Outputs: rd.csv (per
 * image), rd_mean.csv (dataset means), RD plots (SVG, PNG via gnuplot),
 * index.html, and a summary on stdout (--json: one JSON object).
 *
 * Parallelism: images are handed to --threads workers; each worker owns one
 * LatContext per lat model and quality (fixed at lat_open) with
 * LatSettings.threads = threads / workers, so lat and the bench together
 * never use more than --threads cores. Timings are wall clock per call. */
#include "bench_rd.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bdrate.h"
#include "bench.h"
#include "bench_inputs.h"
#include "bench_report.h"
#include "bench_workers.h"
#include "cli.h"
#include "imageio.h"
#include "jpeg_codec.h"
#include "lat.h"
#include "metrics.h"
#include "msssim.h"
#include "output_file.h"
#include "plot.h"
#include "textbuf.h"

const double rd_target_bpp[RD_TARGET_COUNT] = {0.25, 0.5, 1.0};

/* The codec's name in --codecs: every lat model is "lat". */
static const char *base_name(int codec)
{
    return rd_is_lat(codec) ? "lat" : codec == RD_JPEG ? "jpeg" : ext_codec_name(codec - RD_EXT);
}

const char *rd_codec_name(const RdRun *run, int codec)
{
    return rd_is_lat(codec) && run->nmodels > 1 ? run->lat_name[codec - RD_LAT] : base_name(codec);
}

const char *rd_codec_label(const RdRun *run, int codec)
{
    if (rd_is_lat(codec))
        return run->nmodels > 1 ? run->lat_label[codec - RD_LAT] : "lat";
    if (codec == RD_JPEG)
        return run->jpeg_444 ? "JPEG 4:4:4" : "JPEG 4:2:0";
    return ext_codec_label(codec - RD_EXT);
}

int rd_measures(const RdRun *run, int codec)
{
    return run->nsettings[codec] * (codec == RD_LAT && run->ref_effort >= 0 ? 2 : 1);
}

char rd_setting_prefix(int codec)
{
    return codec >= RD_EXT ? ext_setting_prefix(codec - RD_EXT) : 'q';
}
#define CROP_SIZE 256
#define MAX_SETTINGS 64
#define MAX_RATIO 1000   /* largest JPEG 2000 compression ratio of a sweep */

typedef struct RdOptions {
    const char *outdir;
    int threads;
    int crops;
    int json;
    int quiet;
} RdOptions;

typedef struct RdState {
    RdRun run;
    RdOptions opt;
    int workers;
    int lat_threads;          /* LatSettings.threads of each context */
    /* [(worker * RD_MAX_MODELS + model) * rd_measures(RD_LAT) + setting],
     * opened lazily by their worker */
    LatContext **contexts;
    atomic_int lat_disabled;
    /* per model: the first worker to encode records run.lat_model_id */
    atomic_int model_id_claimed[RD_MAX_MODELS];
    atomic_int failures;      /* encode/decode errors other than a missing model */
    BenchProgress *progress;
    char (*ext_dirs)[4096];   /* [workers]: each worker's scratch folder for external codecs */
} RdState;

static void remove_ext_dirs(RdState *st);

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lat bench rd DIR|FILE... [options]\n"
        "  Rate-distortion sweep of lat against JPEG (libjpeg-turbo) and the other\n"
        "  codecs installed (WebP, AVIF, JPEG XL, JPEG 2000) on every image.\n"
        "  -o OUTDIR              output folder (default: lat-bench-rd)\n"
        "  -q, --qualities LIST   lat qualities (default 0:100:10, the whole range)\n"
        "  --jpeg-qualities LIST  JPEG qualities (default 5:95:5)\n"
        "                         LIST: comma-separated values and START:END:STEP ranges\n"
        "  --jpeg-444             JPEG without chroma subsampling (default 4:2:0)\n"
        "  --codecs LIST          codecs to run, of lat,jpeg,webp,avif,jxl,j2k (default: all;\n"
        "                         webp, avif, jxl and j2k need cwebp/dwebp, avifenc/avifdec,\n"
        "                         cjxl/djxl, opj_compress/opj_decompress and are skipped\n"
        "                         with a note when missing)\n"
        "  --webp-qualities LIST  cwebp -m 6 -q values (default 5:95:10)\n"
        "  --avif-qualities LIST  avifenc -s 4 qualities, quantizer 63*(100-q)/100 (5:95:10)\n"
        "  --jxl-qualities LIST   cjxl -e 7 -q values (default 5:95:10)\n"
        "  --j2k-ratios LIST      opj_compress -I -r compression ratios\n"
        "                         (default 8,12,16,24,32,48,64,96,128,192)\n"
        "  --no-lat               JPEG only (e.g. for tools/check_jpeg_reference.sh)\n"
        "  --model PATH           lat model file (default: the installed model); repeat it\n"
        "                         (at most 4) to compare models: one curve each, named by\n"
        "                         model id, with BD-rates of each against the first\n"
        "  --effort E             lat's encoder effort 0..9 (default 0), for every model\n"
        "  --effort-ref R         also run lat at effort R: BD-rate and median encode\n"
        "                         time of effort E against R (the effort ladder; one\n"
        "                         model only)\n"
        "  --threads N            cores to use (default: all)\n"
        "  --crops N              images with side-by-side crops in index.html (default 3)\n"
        "  --json                 print the summary as one JSON object\n"
        "  --quiet                no progress bar\n"
        "Writes OUTDIR/rd.csv, rd_mean.csv, rd_psnr.{svg,png}, rd_msssim.{svg,png}, index.html.\n");
}

/* "5,10,20:40:10" -> 5 10 20 30 40, each value 0..vmax. Returns the count,
 * or -1. */
static int parse_setting_list(const char *s, int *out, int max, int vmax)
{
    int n = 0;
    while (*s) {
        char *end;
        long a = strtol(s, &end, 10), b = a, step = 1;
        if (end == s)
            return -1;
        if (*end == ':') {
            s = end + 1;
            b = strtol(s, &end, 10);
            if (end == s || *end != ':')
                return -1;
            s = end + 1;
            step = strtol(s, &end, 10);
            if (end == s || step <= 0)
                return -1;
        }
        for (long q = a; q <= b; q += step) {
            if (q < 0 || q > vmax || n == max)
                return -1;
            out[n++] = (int)q;
        }
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return n;
}

/* The CROP_SIZE window with the most detail (sum of absolute luma
 * gradients): where codecs differ most visibly. Searched on a 16-pixel grid
 * with an integral image. */
static void choose_crop(const LatImage *img, RdCrop *crop)
{
    uint32_t w = img->width, h = img->height;
    crop->w = w < CROP_SIZE ? w : CROP_SIZE;
    crop->h = h < CROP_SIZE ? h : CROP_SIZE;
    crop->x = (w - crop->w) / 2;
    crop->y = (h - crop->h) / 2;
    double *sum = calloc((size_t)(w + 1) * (h + 1), sizeof(double));
    if (!sum)
        return; /* the centre crop is fine too */
    const uint8_t *px = img->pixels;
#define LUMA(xx, yy) (0.299 * px[((size_t)(yy) * w + (xx)) * 3] + \
                      0.587 * px[((size_t)(yy) * w + (xx)) * 3 + 1] + \
                      0.114 * px[((size_t)(yy) * w + (xx)) * 3 + 2])
    for (uint32_t y = 0; y < h; y++) {
        double row = 0;
        for (uint32_t x = 0; x < w; x++) {
            double g = 0, l = LUMA(x, y);
            if (x + 1 < w)
                g += fabs(LUMA(x + 1, y) - l);
            if (y + 1 < h)
                g += fabs(LUMA(x, y + 1) - l);
            row += g;
            sum[(size_t)(y + 1) * (w + 1) + x + 1] = sum[(size_t)y * (w + 1) + x + 1] + row;
        }
    }
#undef LUMA
    double best = -1;
    for (uint32_t y = 0; y + crop->h <= h; y += 16) {
        for (uint32_t x = 0; x + crop->w <= w; x += 16) {
            size_t W = w + 1;
            double s = sum[(size_t)(y + crop->h) * W + x + crop->w] - sum[(size_t)y * W + x + crop->w] -
                       sum[(size_t)(y + crop->h) * W + x] + sum[(size_t)y * W + x];
            if (s > best) {
                best = s;
                crop->x = x;
                crop->y = y;
            }
        }
    }
    free(sum);
}

static uint8_t *copy_crop(const RdCrop *c, const uint8_t *rgb, uint32_t width)
{
    uint8_t *out = malloc((size_t)c->w * c->h * 3);
    if (!out)
        return NULL;
    for (uint32_t r = 0; r < c->h; r++)
        memcpy(out + (size_t)r * c->w * 3, rgb + ((size_t)(c->y + r) * width + c->x) * 3,
               (size_t)c->w * 3);
    return out;
}

static int is_model_problem(int err)
{
    return err == LAT_ERR_NO_MODEL || err == LAT_ERR_BAD_MODEL || err == LAT_ERR_IO;
}

static void disable_lat(RdState *st, int err)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&st->lat_disabled, &expected, 1))
        return;
    snprintf(st->run.lat_reason, sizeof st->run.lat_reason,
             "lat curve skipped: %s", lat_strerror(err));
    bench_progress_note(st->progress, "note: %s\n", st->run.lat_reason);
}

/* Encodes + decodes img with one codec at one setting. Returns the decoded
 * image in *dec (caller frees) when ok. */
static void measure(RdState *st, int codec, int si, int worker, const LatImage *img,
                    RdImage *im, LatImage *dec)
{
    RdMeasure *m = &im->m[codec][si];
    const int nq = st->run.nsettings[codec];
    int q = st->run.settings[codec][si % (nq ? nq : 1)];
    uint8_t *file = NULL;
    size_t size = 0;
    char err[256] = "";
    double t0, t1, t2;
    memset(dec, 0, sizeof(*dec));
    if (rd_is_lat(codec)) {
        const int model = codec - RD_LAT;
        LatContext **ctx = &st->contexts[(worker * RD_MAX_MODELS + model) *
                                         rd_measures(&st->run, RD_LAT) + si];
        int e = LAT_OK;
        if (!*ctx) {
            LatSettings s;
            lat_default_settings(&s);
            s.quality = q;
            s.threads = st->lat_threads;
            s.strip_metadata = 1;
            s.model_path = st->run.model_path[model];
            s.effort = si < nq ? st->run.lat_effort : st->run.ref_effort;
            e = lat_open(ctx, &s);
        }
        struct timespec c0, c1;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        t0 = bench_now();
        if (e == LAT_OK)
            e = lat_encode(*ctx, img, &file, &size);
        t1 = bench_now();
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        m->enc_cpu_s = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
        int unclaimed = 0;
        if (e == LAT_OK &&
            atomic_compare_exchange_strong(&st->model_id_claimed[model], &unclaimed, 1)) {
            LatInfo info;
            if (lat_inspect(file, size, &info) == LAT_OK)
                memcpy(st->run.lat_model_id[model], info.model_id, sizeof info.model_id);
        }
        if (e == LAT_OK)
            e = lat_decode(*ctx, file, size, dec);
        t2 = bench_now();
        lat_free(file);
        if (e != LAT_OK) {
            if (is_model_problem(e)) {
                disable_lat(st, e);
                return;
            }
            snprintf(err, sizeof err, "%s", lat_strerror(e));
        }
    } else if (codec >= RD_EXT) {
        double enc = 0, decs = 0;
        t0 = 0;
        if (ext_codec_run(codec - RD_EXT, st->ext_dirs[worker], q, &size, dec, &enc, &decs, err,
                          sizeof err) < 0 && !err[0])
            snprintf(err, sizeof err, "failed");
        t1 = enc;
        t2 = enc + decs;
    } else {
        JpegOptions jo = {.quality = q, .chroma_444 = st->run.jpeg_444, .optimize = 1};
        t0 = bench_now();
        int e = jpeg_encode_memory(img, &jo, &file, &size, err, sizeof err);
        t1 = bench_now();
        if (e == 0)
            e = jpeg_decode_memory(file, size, dec, err, sizeof err);
        t2 = bench_now();
        free(file);
    }
    if (!err[0] && (dec->width != img->width || dec->height != img->height || dec->channels != 3 ||
                    dec->bit_depth != 8))
        snprintf(err, sizeof err, "decoded image is %ux%u, %u channels, %u bits", dec->width,
                 dec->height, dec->channels, dec->bit_depth);
    if (err[0]) {
        lat_image_free(dec);
        atomic_fetch_add(&st->failures, 1);
        bench_progress_note(st->progress, "error: %s %s %c%d: %s\n", im->name,
                            rd_codec_name(&st->run, codec), rd_setting_prefix(codec), q, err);
        return;
    }
    size_t npx = (size_t)img->width * img->height;
    m->bytes = size;
    m->bpp = (double)size * 8 / (double)npx;
    m->psnr = psnr_u8(img->pixels, dec->pixels, npx * 3);
    m->msssim = msssim_u8(img->pixels, dec->pixels, img->width, img->height, 3);
    m->enc_s = t1 - t0;
    m->dec_s = t2 - t1;
    m->ok = 1;
}

static void rd_job(void *vctx, int job, int worker)
{
    RdState *st = vctx;
    RdImage *im = &st->run.images[job];
    int units = 0, ext_units = 0;
    for (int codec = 0; codec < RD_CODECS; codec++) {
        units += rd_measures(&st->run, codec);
        ext_units += codec >= RD_EXT ? st->run.nsettings[codec] : 0;
    }
    LatImage img;
    char err[256];
    if (image_read_file(im->path, &img, 0, err, sizeof err) < 0) {
        im->failed = 1;
        atomic_fetch_add(&st->failures, 1);
        bench_progress_note(st->progress, "error: %s\n", err);
        bench_progress_add(st->progress, units);
        return;
    }
    int conv = bench_to_rgb8(&img);
    if (conv < 0) {
        im->failed = 1;
        atomic_fetch_add(&st->failures, 1);
        bench_progress_note(st->progress, "error: %s: out of memory\n", im->name);
        bench_progress_add(st->progress, units);
        lat_image_free(&img);
        return;
    }
    if (conv > 0)
        bench_progress_note(st->progress, "note: %s measured as 8-bit RGB\n", im->name);
    im->width = img.width;
    im->height = img.height;
    if (im->crop) {
        choose_crop(&img, im->crop);
        im->crop->original = copy_crop(im->crop, img.pixels, img.width);
    }
    int ext_ready = 1;
    if (ext_units && ext_codec_prepare(st->ext_dirs[worker], &img, err, sizeof err) < 0) {
        atomic_fetch_add(&st->failures, 1);
        bench_progress_note(st->progress, "error: %s: %s\n", im->name, err);
        ext_ready = 0;
    }
    for (int codec = 0; codec < RD_CODECS; codec++) {
        const int n = rd_measures(&st->run, codec);
        for (int si = 0; si < n; si++) {
            if ((rd_is_lat(codec) && atomic_load(&st->lat_disabled)) ||
                (codec >= RD_EXT && !ext_ready)) {
                bench_progress_add(st->progress, 1);
                continue;
            }
            LatImage dec;
            measure(st, codec, si, worker, &img, im, &dec);
            if (im->m[codec][si].ok && im->crop && im->crop->original
                && si < st->run.nsettings[codec])
                im->crop->decoded[codec][si] = copy_crop(im->crop, dec.pixels, dec.width);
            lat_image_free(&dec);
            bench_progress_add(st->progress, 1);
        }
    }
    lat_image_free(&img);
}

static double msssim_to_db(double m) { return m < 1 ? -10 * log10(1 - m) : INFINITY; }

/* The mean curve of one codec over its measures [first, first + n). */
static void mean_curve(const RdRun *run, int codec, int first, int n, RdCurve *c)
{
    memset(c, 0, sizeof(*c));
    {
        for (int si = first; si < first + n; si++) {
            double bpp = 0, psnr = 0, ms = 0, enc = 0, dec = 0;
            int count = 0;
            for (int i = 0; i < run->nimages; i++) {
                const RdImage *im = &run->images[i];
                if (im->failed || !im->m[codec][si].ok)
                    continue;
                const RdMeasure *m = &im->m[codec][si];
                bpp += m->bpp;
                psnr += m->psnr;
                ms += m->msssim;
                enc += m->enc_s;
                dec += m->dec_s;
                count++;
            }
            if (count == 0)
                continue;
            int k = c->n++;
            c->setting[k] = run->settings[codec][si - first];
            c->count[k] = count;
            c->bpp[k] = bpp / count;
            c->psnr[k] = psnr / count;
            c->msssim[k] = ms / count;
            c->msssim_db[k] = msssim_to_db(c->msssim[k]);
            c->enc_s[k] = enc / count;
            c->dec_s[k] = dec / count;
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median encode time (wall, or CPU) of lat's measures [first, first + n)
 * over all images. */
static double median_enc(const RdRun *run, int first, int n, int cpu)
{
    double *t = malloc(sizeof(double) * (size_t)(run->nimages * n + 1));
    int count = 0;
    for (int i = 0; i < run->nimages && t; i++)
        for (int si = first; si < first + n; si++)
            if (!run->images[i].failed && run->images[i].m[RD_LAT][si].ok)
                t[count++] = cpu ? run->images[i].m[RD_LAT][si].enc_cpu_s
                                 : run->images[i].m[RD_LAT][si].enc_s;
    double med = NAN;
    if (count) {
        qsort(t, (size_t)count, sizeof *t, cmp_double);
        med = count % 2 ? t[count / 2] : 0.5 * (t[count / 2 - 1] + t[count / 2]);
    }
    free(t);
    return med;
}

static void compute_means(RdRun *run)
{
    for (int codec = 0; codec < RD_CODECS; codec++)
        mean_curve(run, codec, 0, run->nsettings[codec], &run->mean[codec]);
    const int nq = run->nsettings[RD_LAT];
    if (run->ref_effort >= 0)
        mean_curve(run, RD_LAT, nq, nq, &run->ref);
    run->enc_median_s = median_enc(run, 0, nq, 0);
    run->enc_cpu_median_s = median_enc(run, 0, nq, 1);
    run->ref_enc_median_s = run->ref_effort >= 0 ? median_enc(run, nq, nq, 0) : NAN;
    run->ref_enc_cpu_median_s = run->ref_effort >= 0 ? median_enc(run, nq, nq, 1) : NAN;
}

/* BD figures of curve l against the reference curve r. */
static void bd_against(const RdCurve *r, const RdCurve *l, RdBd *bd)
{
    bd->rate_psnr = bd_rate(r->bpp, r->psnr, r->n, l->bpp, l->psnr, l->n, BD_FIT_PCHIP);
    bd->rate_psnr_cubic = bd_rate(r->bpp, r->psnr, r->n, l->bpp, l->psnr, l->n, BD_FIT_CUBIC);
    bd->psnr = bd_quality(r->bpp, r->psnr, r->n, l->bpp, l->psnr, l->n, BD_FIT_PCHIP);
    bd->rate_msssim = bd_rate(r->bpp, r->msssim_db, r->n, l->bpp, l->msssim_db, l->n,
                              BD_FIT_PCHIP);
}

static void compute_summary(RdRun *run)
{
    for (int codec = 0; codec < RD_CODECS; codec++)
        for (int t = 0; t < RD_TARGET_COUNT; t++)
            run->psnr_at[codec][t] = rd_quality_at_rate(run->mean[codec].bpp,
                                                        run->mean[codec].psnr,
                                                        run->mean[codec].n, rd_target_bpp[t]);
    for (int model = 0; model < run->nmodels; model++) {
        const RdCurve *l = &run->mean[RD_LAT + model];
        for (int codec = RD_JPEG; codec < RD_CODECS; codec++)
            bd_against(&run->mean[codec], l, &run->bd[model][codec]);
        if (model > 0)
            bd_against(&run->mean[RD_LAT], l, &run->bd[model][RD_LAT]);
    }
    if (run->ref_effort >= 0)
        bd_against(&run->ref, &run->mean[RD_LAT], &run->ref_bd);
    /* Plots show up to 2 bpp, or further when lat goes there: the
     * interesting range; the CSVs keep every point. */
    double xmax = 2.0, data_max = 0;
    for (int model = 0; model < run->nmodels; model++)
        for (int k = 0; k < run->mean[RD_LAT + model].n; k++)
            xmax = fmax(xmax, run->mean[RD_LAT + model].bpp[k] * 1.05);
    for (int codec = 0; codec < RD_CODECS; codec++)
        for (int k = 0; k < run->mean[codec].n; k++)
            data_max = fmax(data_max, run->mean[codec].bpp[k]);
    if (data_max > 0 && data_max < xmax)
        xmax = data_max * 1.05;
    run->plot_xmax = ceil(xmax * 4) / 4;
}

static int write_text(const char *outdir, const char *name, const TextBuf *b, char *err,
                      size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    if (b->failed) {
        snprintf(err, errlen, "%.200s: out of memory", path);
        return -1;
    }
    return output_write_all(path, NULL, b->data ? b->data : "", b->len, err, errlen);
}

static void csv_per_image(const RdRun *run, TextBuf *b)
{
    textbuf_append(b, "image,codec,setting,bytes,bpp,psnr,msssim,enc_s,dec_s\n");
    for (int i = 0; i < run->nimages; i++) {
        const RdImage *im = &run->images[i];
        if (im->failed)
            continue;
        for (int codec = 0; codec < RD_CODECS; codec++) {
            for (int si = 0; si < run->nsettings[codec]; si++) {
                const RdMeasure *m = &im->m[codec][si];
                if (!m->ok)
                    continue;
                textbuf_printf(b, "%s,%s,%c%d,%zu,%.6f,%.4f,%.6f,%.6f,%.6f\n", im->name,
                               rd_codec_name(run, codec), rd_setting_prefix(codec),
                               run->settings[codec][si], m->bytes, m->bpp,
                               m->psnr, m->msssim, m->enc_s, m->dec_s);
            }
        }
        /* lat at the reference effort: codec "lat-e<R>". */
        for (int si = run->nsettings[RD_LAT]; si < rd_measures(run, RD_LAT); si++) {
            const RdMeasure *m = &im->m[RD_LAT][si];
            if (m->ok)
                textbuf_printf(b, "%s,lat-e%d,q%d,%zu,%.6f,%.4f,%.6f,%.6f,%.6f\n", im->name,
                               run->ref_effort, run->settings[RD_LAT][si - run->nsettings[RD_LAT]],
                               m->bytes, m->bpp, m->psnr, m->msssim, m->enc_s, m->dec_s);
        }
    }
}

static void csv_means(const RdRun *run, TextBuf *b)
{
    textbuf_append(b, "codec,setting,images,bpp,psnr,msssim,msssim_db,enc_s,dec_s\n");
    for (int codec = 0; codec < RD_CODECS; codec++) {
        const RdCurve *c = &run->mean[codec];
        for (int k = 0; k < c->n; k++)
            textbuf_printf(b, "%s,%c%d,%d,%.6f,%.4f,%.6f,%.4f,%.6f,%.6f\n",
                           rd_codec_name(run, codec),
                           rd_setting_prefix(codec), c->setting[k], c->count[k], c->bpp[k], c->psnr[k], c->msssim[k],
                           c->msssim_db[k], c->enc_s[k], c->dec_s[k]);
    }
}

static Plot make_plot(const RdRun *run, int msssim)
{
    Plot p;
    memset(&p, 0, sizeof p);
    p.title = msssim ? "Rate-distortion: MS-SSIM" : "Rate-distortion: PSNR (RGB)";
    p.xlabel = "bits per pixel";
    p.ylabel = msssim ? "MS-SSIM (dB) = -10 log10(1 - MS-SSIM)" : "PSNR (dB)";
    p.xmin = 0;
    p.xmax = run->plot_xmax;
    static const char *const kColor[RD_CODECS] = {"#d62728", "#e377c2", "#17becf", "#7f7f7f",
                                                  "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e",
                                                  "#8c564b"};
    for (int codec = 0; codec < RD_CODECS; codec++) {
        const RdCurve *c = &run->mean[codec];
        if (c->n == 0)
            continue;
        PlotSeries *s = &p.series[p.nseries++];
        s->label = rd_codec_label(run, codec);
        s->x = c->bpp;
        s->y = msssim ? c->msssim_db : c->psnr;
        s->n = c->n;
        s->color = kColor[codec];
        s->marker = rd_is_lat(codec) ? 0 : 1 + (codec - RD_JPEG) % 2;
    }
    return p;
}

/* The four Bjøntegaard fields, names prefixed ("" or "lat_"), the first
 * one after sep. */
static void json_bd(TextBuf *b, const char *sep, const char *prefix, const RdBd *bd)
{
    textbuf_printf(b, "%s\"%sbd_rate_psnr_pct\":", sep, prefix);
    textbuf_append_json_number(b, bd->rate_psnr, "%.4f");
    textbuf_printf(b, ",\"%sbd_rate_psnr_cubic_pct\":", prefix);
    textbuf_append_json_number(b, bd->rate_psnr_cubic, "%.4f");
    textbuf_printf(b, ",\"%sbd_psnr_db\":", prefix);
    textbuf_append_json_number(b, bd->psnr, "%.4f");
    textbuf_printf(b, ",\"%sbd_rate_msssim_pct\":", prefix);
    textbuf_append_json_number(b, bd->rate_msssim, "%.4f");
}

/* With several models, a lat model's entry: its id, file and "bd": its
 * Bjøntegaard deltas against each codec measured and, after the first
 * model, against the first. */
static void json_model(const RdRun *run, int model, TextBuf *b)
{
    textbuf_append(b, "\"model_id\":");
    textbuf_append_json(b, run->lat_model_id[model]);
    textbuf_append(b, ",\"model_path\":");
    textbuf_append_json(b, run->model_path[model] ? run->model_path[model] : "");
    textbuf_append(b, ",\"bd\":{");
    const char *sep = "";
    for (int k = 0; k < RD_CODECS; k++) {
        const int codec = (RD_JPEG + k) % RD_CODECS;   /* the first model last */
        if ((rd_is_lat(codec) && (codec != RD_LAT || model == 0)) || run->mean[codec].n == 0)
            continue;
        textbuf_printf(b, "%s\"%s\":{", sep, rd_codec_name(run, codec));
        json_bd(b, "", "", &run->bd[model][codec]);
        textbuf_append(b, "}");
        sep = ",";
    }
    textbuf_append(b, "}");
}

static void json_summary(const RdRun *run, const char *outdir, TextBuf *b)
{
    textbuf_append(b, "{\"inputs\":[");
    for (int i = 0; i < run->ninputs; i++) {
        textbuf_append(b, i ? "," : "");
        textbuf_append_json(b, run->inputs[i]);
    }
    int measured = 0;
    for (int i = 0; i < run->nimages; i++)
        measured += !run->images[i].failed;
    textbuf_printf(b, "],\"images\":%d,\"threads\":%d,\"elapsed_s\":%.3f,\"outdir\":", measured,
                   run->threads, run->elapsed_s);
    textbuf_append_json(b, outdir);
    textbuf_printf(b, ",\"jpeg_subsampling\":\"%s\"", run->jpeg_444 ? "4:4:4" : "4:2:0");
    textbuf_printf(b, ",\"lat_available\":%s,\"lat_reason\":", run->lat_available ? "true" : "false");
    textbuf_append_json(b, run->lat_reason);
    textbuf_append(b, ",\"lat_model_id\":");
    textbuf_append_json(b, run->lat_model_id[0]);
    /* The top-level BD fields are the first model's against JPEG, as
     * before other codecs and models. */
    json_bd(b, ",", "", &run->bd[0][RD_JPEG]);
    textbuf_printf(b, ",\"lat_effort\":%d,\"lat_enc_median_s\":", run->lat_effort);
    textbuf_append_json_number(b, run->enc_median_s, "%.4f");
    textbuf_append(b, ",\"lat_enc_cpu_median_s\":");
    textbuf_append_json_number(b, run->workers == 1 ? run->enc_cpu_median_s : NAN, "%.4f");
    if (run->ref_effort >= 0) {
        textbuf_printf(b, ",\"effort_ref\":{\"effort\":%d,\"enc_median_s\":", run->ref_effort);
        textbuf_append_json_number(b, run->ref_enc_median_s, "%.4f");
        textbuf_append(b, ",\"enc_cpu_median_s\":");
        textbuf_append_json_number(b, run->workers == 1 ? run->ref_enc_cpu_median_s : NAN,
                                   "%.4f");
        json_bd(b, ",", "lat_", &run->ref_bd);
        textbuf_append(b, "}");
    }
    textbuf_append(b, ",\"codecs\":{");
    for (int codec = 0; codec < RD_CODECS; codec++) {
        const RdCurve *c = &run->mean[codec];
        if (rd_is_lat(codec) && codec - RD_LAT >= run->nmodels)
            continue;
        textbuf_printf(b, "%s\"%s\":{", codec ? "," : "", rd_codec_name(run, codec));
        if (run->skip_note[codec][0]) {
            textbuf_append(b, "\"skipped\":");
            textbuf_append_json(b, run->skip_note[codec]);
            textbuf_append(b, ",");
        }
        if (!rd_is_lat(codec)) {
            json_bd(b, "", "lat_", &run->bd[0][codec]);
            textbuf_append(b, ",");
        } else if (run->nmodels > 1) {
            json_model(run, codec - RD_LAT, b);
            textbuf_append(b, ",");
        }
        textbuf_append(b, "\"psnr_at_bpp\":{");
        for (int t = 0; t < RD_TARGET_COUNT; t++) {
            textbuf_printf(b, "%s\"%g\":", t ? "," : "", rd_target_bpp[t]);
            textbuf_append_json_number(b, run->psnr_at[codec][t], "%.4f");
        }
        textbuf_append(b, "},\"curve\":[");
        for (int k = 0; k < c->n; k++)
            textbuf_printf(b, "%s{\"setting\":\"%c%d\",\"images\":%d,\"bpp\":%.6f,\"psnr\":%.4f,"
                              "\"msssim\":%.6f,\"enc_s\":%.6f,\"dec_s\":%.6f}",
                           k ? "," : "", rd_setting_prefix(codec), c->setting[k], c->count[k], c->bpp[k], c->psnr[k],
                           c->msssim[k], c->enc_s[k], c->dec_s[k]);
        textbuf_append(b, "]}");
    }
    textbuf_append(b, "}}\n");
}

static void print_dash_or(FILE *f, double v, const char *fmt, int width)
{
    if (isfinite(v))
        fprintf(f, fmt, v);
    else
        fprintf(f, "%*s", width, "-");
}

static void print_summary(const RdRun *run, const char *outdir, const char *png_note)
{
    int measured = 0;
    for (int i = 0; i < run->nimages; i++)
        measured += !run->images[i].failed;
    printf("lat bench rd: %d image%s, JPEG %s optimized, %d threads, %.1f s, lat effort %d\n",
           measured, measured == 1 ? "" : "s", run->jpeg_444 ? "4:4:4" : "4:2:0", run->threads,
           run->elapsed_s, run->lat_effort);
    for (int model = 0; model < run->nmodels; model++)
        if (run->lat_model_id[model][0])
            printf("lat model: %s%s%s\n", run->lat_model_id[model],
                   run->model_path[model] ? ", " : "",
                   run->model_path[model] ? run->model_path[model] : "");
    /* Columns as wide as the longest codec name ("lat:<id>" with models). */
    int w = 6;
    for (int codec = 0; codec < RD_CODECS; codec++)
        if (run->mean[codec].n > 0 && (int)strlen(rd_codec_name(run, codec)) > w)
            w = (int)strlen(rd_codec_name(run, codec));
    printf("\n");
    printf("%-*s %-7s %8s %9s %9s %9s %9s\n", w, "codec", "setting", "bpp", "PSNR dB",
           "MS-SSIM", "enc ms", "dec ms");
    for (int codec = RD_CODECS - 1; codec >= 0; codec--) {
        const RdCurve *c = &run->mean[codec];
        for (int k = 0; k < c->n; k++)
            printf("%-*s %c%-6d %8.4f %9.3f %9.5f %9.1f %9.1f\n", w, rd_codec_name(run, codec),
                   rd_setting_prefix(codec), c->setting[k],
                   c->bpp[k], c->psnr[k], c->msssim[k], c->enc_s[k] * 1e3, c->dec_s[k] * 1e3);
    }
    w = w > 14 ? w : 14;
    printf("\n%-*s", w, "PSNR dB at");
    for (int t = 0; t < RD_TARGET_COUNT; t++)
        printf("  %4.2f bpp", rd_target_bpp[t]);
    printf("\n");
    for (int codec = RD_CODECS - 1; codec >= 0; codec--) {
        if (run->mean[codec].n == 0)
            continue;
        printf("%-*s", w, rd_codec_name(run, codec));
        for (int t = 0; t < RD_TARGET_COUNT; t++)
            print_dash_or(stdout, run->psnr_at[codec][t], "  %8.2f", 10);
        printf("\n");
    }
    printf("\n");
    if (!run->lat_available) {
        printf("lat: %s\n", run->lat_reason);
    } else {
        /* Each model against the other codecs, then against the first model. */
        for (int model = 0; model < run->nmodels; model++)
            for (int codec = RD_JPEG; codec < RD_CODECS + (model > 0); codec++) {
                const int ref = codec < RD_CODECS ? codec : RD_LAT;
                const RdBd *bd = &run->bd[model][ref];
                if (run->mean[ref].n == 0)
                    continue;
                printf("%s vs %s: BD-rate ", rd_codec_label(run, RD_LAT + model),
                       rd_codec_label(run, ref));
                print_dash_or(stdout, bd->rate_psnr, "%+.2f%%", 1);
                printf(" (PSNR, piecewise cubic; cubic polynomial: ");
                print_dash_or(stdout, bd->rate_psnr_cubic, "%+.2f%%", 1);
                printf("), BD-PSNR ");
                print_dash_or(stdout, bd->psnr, "%+.3f dB", 1);
                printf(", BD-rate ");
                print_dash_or(stdout, bd->rate_msssim, "%+.2f%%", 1);
                printf(" (MS-SSIM dB)\n");
            }
    }
    if (run->lat_available && run->ref_effort >= 0) {
        printf("lat effort %d vs effort %d: BD-rate ", run->lat_effort, run->ref_effort);
        print_dash_or(stdout, run->ref_bd.rate_psnr, "%+.2f%%", 1);
        printf(" (PSNR), BD-PSNR ");
        print_dash_or(stdout, run->ref_bd.psnr, "%+.3f dB", 1);
        printf(", BD-rate ");
        print_dash_or(stdout, run->ref_bd.rate_msssim, "%+.2f%%", 1);
        printf(" (MS-SSIM dB); median encode %.2f s vs %.2f s", run->enc_median_s,
               run->ref_enc_median_s);
        if (run->workers == 1)   /* else the CPU times overlap */
            printf(", CPU %.2f s vs %.2f s", run->enc_cpu_median_s, run->ref_enc_cpu_median_s);
        printf("\n");
        for (int k = 0; k < run->ref.n; k++)
            printf("  effort %d q%-3d %8.4f bpp %9.3f dB %9.1f ms\n", run->ref_effort,
                   run->ref.setting[k], run->ref.bpp[k], run->ref.psnr[k],
                   run->ref.enc_s[k] * 1e3);
    }
    for (int codec = RD_EXT; codec < RD_CODECS; codec++)
        if (run->skip_note[codec][0])
            printf("note: %s\n", run->skip_note[codec]);
    printf("(negative BD-rate: lat needs fewer bits; '-': outside the measured range)\n");
    printf("wrote %s/{rd.csv,rd_mean.csv,rd_psnr.svg,rd_msssim.svg,%sindex.html}\n", outdir,
           png_note ? "" : "rd_psnr.png,rd_msssim.png,");
    if (png_note)
        printf("PNG plots not written: %s\n", png_note);
}

static void free_run(RdState *st)
{
    RdRun *run = &st->run;
    for (int i = 0; i < run->nimages; i++) {
        RdImage *im = &run->images[i];
        free(im->path);
        for (int codec = 0; codec < RD_CODECS; codec++)
            free(im->m[codec]);
        if (im->crop) {
            free(im->crop->original);
            for (int codec = 0; codec < RD_CODECS; codec++) {
                for (int si = 0; si < run->nsettings[codec]; si++)
                    free(im->crop->decoded[codec] ? im->crop->decoded[codec][si] : NULL);
                free(im->crop->decoded[codec]);
            }
            free(im->crop);
        }
    }
    free(run->images);
    if (st->contexts)
        for (int i = 0; i < st->workers * RD_MAX_MODELS * rd_measures(run, RD_LAT); i++)
            lat_close(&st->contexts[i]);
    free(st->contexts);
    remove_ext_dirs(st);
}

/* --codecs "lat,webp": enabled[codec] for each. Returns 0 or -1. */
static int parse_codec_list(const char *s, int enabled[RD_CODECS])
{
    for (int codec = 0; codec < RD_CODECS; codec++)
        enabled[codec] = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        int found = -1;
        for (int codec = 0; codec < RD_CODECS; codec++)
            if ((!rd_is_lat(codec) || codec == RD_LAT) && strlen(base_name(codec)) == n &&
                strncmp(s, base_name(codec), n) == 0)
                found = codec;
        if (found < 0)
            return -1;
        enabled[found] = 1;
        s += n + (s[n] == ',');
    }
    return 0;
}

/* The external codec whose settings option a is ("--webp-qualities",
 * "--j2k-ratios"), or -1. */
static int ext_settings_option(const char *a)
{
    for (int k = 0; k < EXT_CODECS; k++) {
        char name[64];
        snprintf(name, sizeof name, "--%s-%s", ext_codec_name(k),
                 ext_setting_prefix(k) == 'r' ? "ratios" : "qualities");
        if (strcmp(a, name) == 0)
            return k;
    }
    return -1;
}

/* One scratch folder per worker for the external codecs' files. */
static int make_ext_dirs(RdState *st, char *err, size_t errlen)
{
    st->ext_dirs = calloc((size_t)st->workers, sizeof *st->ext_dirs);
    if (!st->ext_dirs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *tmp = getenv("TMPDIR");
    for (int w = 0; w < st->workers; w++) {
        snprintf(st->ext_dirs[w], sizeof st->ext_dirs[w], "%s/lat-bench-rd.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(st->ext_dirs[w])) {
            snprintf(err, errlen, "cannot make a scratch folder in %s: %s",
                     tmp && *tmp ? tmp : "/tmp", strerror(errno));
            st->ext_dirs[w][0] = '\0';
            return -1;
        }
    }
    return 0;
}

static void remove_ext_dirs(RdState *st)
{
    static const char *const kFiles[] = {"in.png", "in.ppm", "out.webp", "out.avif", "out.jxl",
                                         "out.j2k", "dec.png", "dec.ppm"};
    for (int w = 0; st->ext_dirs && w < st->workers; w++) {
        if (!st->ext_dirs[w][0])
            continue;
        for (size_t f = 0; f < sizeof kFiles / sizeof kFiles[0]; f++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", st->ext_dirs[w], kFiles[f]);
            unlink(path);
        }
        rmdir(st->ext_dirs[w]);
    }
    free(st->ext_dirs);
    st->ext_dirs = NULL;
}

static int write_outputs(RdState *st, const char **png_note, char *png_err, size_t png_errlen,
                         char *err, size_t errlen)
{
    const RdRun *run = &st->run;
    const char *outdir = st->opt.outdir;
    TextBuf b = {0};
    int rc = 0;
    csv_per_image(run, &b);
    rc |= write_text(outdir, "rd.csv", &b, err, errlen);
    textbuf_free(&b);
    csv_means(run, &b);
    if (!rc)
        rc |= write_text(outdir, "rd_mean.csv", &b, err, errlen);
    textbuf_free(&b);

    TextBuf svg[2] = {{0}, {0}};
    static const char *const kName[2] = {"rd_psnr", "rd_msssim"};
    *png_note = NULL;
    for (int k = 0; k < 2 && !rc; k++) {
        Plot p = make_plot(run, k);
        plot_svg(&p, 580, 390, &svg[k]);
        char name[64], png[4096], gp[4096], dat[4096];
        snprintf(name, sizeof name, "%s.svg", kName[k]);
        rc |= write_text(outdir, name, &svg[k], err, errlen);
        if (*png_note)
            continue;
        snprintf(png, sizeof png, "%s/%s.png", outdir, kName[k]);
        snprintf(gp, sizeof gp, "%s/%s.gp", outdir, kName[k]);
        snprintf(dat, sizeof dat, "%s/%s.dat", outdir, kName[k]);
        if (plot_png_gnuplot(&p, 900, 600, png, gp, dat, png_err, png_errlen) < 0)
            *png_note = png_err;
    }
    if (!rc) {
        TextBuf html = {0};
        rc |= bench_report_html(run, svg[0].data ? svg[0].data : "",
                                svg[1].data ? svg[1].data : "", &html, err, errlen);
        if (!rc)
            rc |= write_text(outdir, "index.html", &html, err, errlen);
        textbuf_free(&html);
    }
    textbuf_free(&svg[0]);
    textbuf_free(&svg[1]);
    return rc ? -1 : 0;
}

/* Loads a --model file by encoding an 8x8 image with it: a model that
 * cannot be used is an error before the sweep, and its id (LatInfo) names
 * its curve. Returns 0, or -1 with a reason in err. */
static int probe_model(const char *path, char id[33], char *err, size_t errlen)
{
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = path;
    s.strip_metadata = 1;
    s.threads = 1;
    uint8_t px[8 * 8 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 7);
    LatImage img;
    memset(&img, 0, sizeof img);
    img.width = img.height = 8;
    img.channels = 3;
    img.bit_depth = 8;
    img.pixels = px;
    LatContext *c = NULL;
    uint8_t *file = NULL;
    size_t size = 0;
    LatInfo info;
    int e = lat_open(&c, &s);
    if (e == LAT_OK)
        e = lat_encode(c, &img, &file, &size);
    if (e == LAT_OK)
        e = lat_inspect(file, size, &info);
    if (e == LAT_OK)
        memcpy(id, info.model_id, sizeof info.model_id);
    else
        snprintf(err, errlen, "--model %s: %s", path, cli_lat_error(c, e));
    lat_free(file);
    lat_close(&c);
    return e == LAT_OK ? 0 : -1;
}

/* Checks the --model files and names their curves by model id ("#k" after
 * an id that repeats). Returns 0, or -1 with a reason in err. */
static int name_models(RdState *st, char *err, size_t errlen)
{
    RdRun *run = &st->run;
    for (int k = 0; k < run->nmodels; k++) {
        if (!run->model_path[k])
            continue; /* the default model: its id is taken from its first file */
        if (probe_model(run->model_path[k], run->lat_model_id[k], err, errlen) < 0)
            return -1;
        atomic_store(&st->model_id_claimed[k], 1);
        int same = 0;
        for (int j = 0; j < k; j++)
            same += strcmp(run->lat_model_id[j], run->lat_model_id[k]) == 0;
        char suffix[8] = "";
        if (same)
            snprintf(suffix, sizeof suffix, "#%d", same + 1);
        snprintf(run->lat_name[k], sizeof run->lat_name[k], "lat:%s%s", run->lat_model_id[k],
                 suffix);
        snprintf(run->lat_label[k], sizeof run->lat_label[k], "lat %s%s", run->lat_model_id[k],
                 suffix);
    }
    return 0;
}

int bench_rd(int argc, char **argv)
{
    RdState st;
    memset(&st, 0, sizeof st);
    RdRun *run = &st.run;
    st.opt.outdir = "lat-bench-rd";
    st.opt.crops = 3;
    run->ref_effort = -1;
    run->nsettings[RD_LAT] = parse_setting_list("0:100:10", run->settings[RD_LAT], MAX_SETTINGS,
                                                100);
    run->nsettings[RD_JPEG] = parse_setting_list("5:95:5", run->settings[RD_JPEG], MAX_SETTINGS,
                                                 100);
    for (int k = 0; k < EXT_CODECS; k++)
        run->nsettings[RD_EXT + k] = parse_setting_list(ext_default_settings(k),
                                                        run->settings[RD_EXT + k], MAX_SETTINGS,
                                                        MAX_RATIO);
    int enabled[RD_CODECS];
    for (int codec = 0; codec < RD_CODECS; codec++)
        enabled[codec] = 1;
    char **args = calloc((size_t)argc + 1, sizeof(char *));
    if (!args)
        return 1;
    int nargs = 0, no_lat = 0;
    /* argv[0] is "rd" */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(args);
            return 0;
        } else if (strcmp(a, "-o") == 0 && has_value) {
            st.opt.outdir = argv[++i];
        } else if ((strcmp(a, "-q") == 0 || strcmp(a, "--qualities") == 0 ||
                    strcmp(a, "--jpeg-qualities") == 0) && has_value) {
            int codec = strcmp(a, "--jpeg-qualities") == 0 ? RD_JPEG : RD_LAT;
            int n = parse_setting_list(argv[++i], run->settings[codec], MAX_SETTINGS, 100);
            for (int k = 0; k < n && codec == RD_JPEG; k++)
                if (run->settings[codec][k] < 1)
                    n = -1; /* libjpeg's scale starts at 1 */
            if (n <= 0) {
                fprintf(stderr, "lat bench rd: bad quality list '%s' (values %s..100, at most %d)\n",
                        argv[i], codec == RD_JPEG ? "1" : "0", MAX_SETTINGS);
                free(args);
                return 2;
            }
            run->nsettings[codec] = n;
        } else if (strcmp(a, "--codecs") == 0 && has_value) {
            if (parse_codec_list(argv[++i], enabled) < 0) {
                fprintf(stderr, "lat bench rd: bad codec list '%s' (names: lat, jpeg, webp, "
                        "avif, jxl, j2k)\n", argv[i]);
                free(args);
                return 2;
            }
        } else if (ext_settings_option(a) >= 0 && has_value) {
            int codec = RD_EXT + ext_settings_option(a);
            int n = parse_setting_list(argv[++i], run->settings[codec], MAX_SETTINGS,
                                       rd_setting_prefix(codec) == 'r' ? MAX_RATIO : 100);
            for (int k = 0; k < n && rd_setting_prefix(codec) == 'r'; k++)
                if (run->settings[codec][k] < 1)
                    n = -1;
            if (n <= 0) {
                fprintf(stderr, "lat bench rd: bad list for %s: '%s'\n", a, argv[i]);
                free(args);
                return 2;
            }
            run->nsettings[codec] = n;
        } else if (strcmp(a, "--jpeg-444") == 0) {
            run->jpeg_444 = 1;
        } else if (strcmp(a, "--no-lat") == 0) {
            no_lat = 1;
        } else if ((strcmp(a, "--effort") == 0 || strcmp(a, "--effort-ref") == 0) && has_value) {
            long v;
            if (cli_parse_long(argv[++i], 0, LAT_MAX_EFFORT, &v) < 0) {
                fprintf(stderr, "lat bench rd: %s must be 0..%d, not '%s'\n", a, LAT_MAX_EFFORT,
                        argv[i]);
                free(args);
                return 2;
            }
            if (strcmp(a, "--effort") == 0)
                run->lat_effort = (int)v;
            else
                run->ref_effort = (int)v;
        } else if (strcmp(a, "--model") == 0 && has_value) {
            if (run->nmodels == RD_MAX_MODELS) {
                fprintf(stderr, "lat bench rd: at most %d --model\n", RD_MAX_MODELS);
                free(args);
                return 2;
            }
            run->model_path[run->nmodels++] = argv[++i];
        } else if ((strcmp(a, "--threads") == 0 || strcmp(a, "--crops") == 0) && has_value) {
            long v;
            if (cli_parse_long(argv[++i], 0, 1024, &v) < 0) {
                fprintf(stderr, "lat bench rd: bad value for %s: '%s'\n", a, argv[i]);
                free(args);
                return 2;
            }
            if (strcmp(a, "--threads") == 0)
                st.opt.threads = (int)v;
            else
                st.opt.crops = (int)v;
        } else if (strcmp(a, "--json") == 0) {
            st.opt.json = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            st.opt.quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lat bench rd: unknown option or missing value: %s\n", a);
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
    /* The effort reference is measured on one model: its measures follow
     * the first model's (rd_measures), not every model's. */
    if (run->nmodels > 1 && run->ref_effort >= 0) {
        fprintf(stderr, "lat bench rd: --effort-ref measures one model; give one --model "
                "(--effort applies to every model)\n");
        free(args);
        return 2;
    }
    run->inputs = args;
    run->ninputs = nargs;
    if (run->nmodels == 0)
        run->nmodels = 1; /* the default model */
    if (no_lat || !enabled[RD_LAT]) {
        run->nsettings[RD_LAT] = 0;
        atomic_store(&st.lat_disabled, 1);
        snprintf(run->lat_reason, sizeof run->lat_reason, "lat curve skipped (%s)",
                 no_lat ? "--no-lat" : "--codecs");
    }
    for (int k = 1; k < run->nmodels; k++) {
        run->nsettings[RD_LAT + k] = run->nsettings[RD_LAT];
        memcpy(run->settings[RD_LAT + k], run->settings[RD_LAT], sizeof run->settings[RD_LAT]);
    }
    if (!enabled[RD_JPEG])
        run->nsettings[RD_JPEG] = 0;
    int ext_settings = 0;
    for (int k = 0; k < EXT_CODECS; k++) {
        int codec = RD_EXT + k;
        if (!enabled[codec])
            run->nsettings[codec] = 0;
        else if (!ext_codec_available(k, run->skip_note[codec], sizeof run->skip_note[codec]))
            run->nsettings[codec] = 0;
        ext_settings += run->nsettings[codec];
    }

    char err[8704];
    if (run->nsettings[RD_LAT] > 0 && name_models(&st, err, sizeof err) < 0) {
        fprintf(stderr, "lat bench rd: %s\n", err);
        free(args);
        return 1;
    }
    char **paths;
    int npaths;
    if (bench_collect_inputs(args, nargs, &paths, &npaths, err, sizeof err) < 0) {
        fprintf(stderr, "lat bench rd: %s\n", err);
        free(args);
        return 1;
    }
    if (bench_make_dirs(st.opt.outdir, err, sizeof err) < 0) {
        fprintf(stderr, "lat bench rd: %s\n", err);
        bench_free_inputs(paths, npaths);
        free(args);
        return 1;
    }
    run->nimages = npaths;
    run->images = calloc((size_t)npaths, sizeof(RdImage));
    int threads = st.opt.threads > 0 ? st.opt.threads : bench_cpu_count();
    st.workers = threads < npaths ? threads : npaths;
    st.lat_threads = threads / st.workers > 0 ? threads / st.workers : 1;
    run->workers = st.workers;
    run->threads = threads;
    st.contexts = calloc((size_t)st.workers * RD_MAX_MODELS * (size_t)rd_measures(run, RD_LAT) + 1,
                         sizeof(LatContext *));
    int oom = !run->images || !st.contexts;
    if (!oom && ext_settings && make_ext_dirs(&st, err, sizeof err) < 0) {
        fprintf(stderr, "lat bench rd: %s\n", err);
        free_run(&st);
        free(args);
        return 1;
    }
    for (int i = 0; i < npaths && !oom; i++) {
        RdImage *im = &run->images[i];
        im->path = paths[i];
        paths[i] = NULL;
        im->name = bench_basename(im->path);
        for (int codec = 0; codec < RD_CODECS; codec++) {
            const int n = rd_measures(run, codec);
            im->m[codec] = calloc((size_t)n + 1, sizeof(RdMeasure));
            oom |= !im->m[codec];
        }
    }
    /* Crops for --crops images spread over the list. */
    int ncrops = st.opt.crops < npaths ? st.opt.crops : npaths;
    for (int k = 0; k < ncrops && !oom; k++) {
        RdImage *im = &run->images[(int)((long)k * npaths / ncrops)];
        im->crop = calloc(1, sizeof(RdCrop));
        oom |= !im->crop;
        for (int codec = 0; codec < RD_CODECS && !oom; codec++) {
            im->crop->decoded[codec] = calloc((size_t)run->nsettings[codec] + 1, sizeof(uint8_t *));
            oom |= !im->crop->decoded[codec];
        }
    }
    bench_free_inputs(paths, npaths);
    if (oom) {
        fprintf(stderr, "lat bench rd: out of memory\n");
        free_run(&st);
        free(args);
        return 1;
    }

    double start = bench_now();
    int64_t units = 0;
    for (int codec = 0; codec < RD_CODECS; codec++)
        units += (int64_t)npaths * rd_measures(run, codec);
    st.progress = bench_progress_start("rd", units, !st.opt.quiet);
    bench_parallel(npaths, st.workers, rd_job, &st);
    bench_progress_finish(st.progress);
    st.progress = NULL;
    run->elapsed_s = bench_now() - start;
    run->lat_available = !atomic_load(&st.lat_disabled);

    compute_means(run);
    compute_summary(run);
    const char *png_note = NULL;
    char png_err[512];
    int rc = write_outputs(&st, &png_note, png_err, sizeof png_err, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "lat bench rd: %s\n", err);
    if (st.opt.json) {
        TextBuf j = {0};
        json_summary(run, st.opt.outdir, &j);
        if (j.data)
            fputs(j.data, stdout);
        textbuf_free(&j);
        if (!run->lat_available)
            fprintf(stderr, "lat bench rd: %s\n", run->lat_reason);
        if (png_note)
            fprintf(stderr, "lat bench rd: PNG plots not written: %s\n", png_note);
    } else {
        print_summary(run, st.opt.outdir, png_note);
    }
    int failures = atomic_load(&st.failures);
    if (failures)
        fprintf(stderr, "lat bench rd: %d measurement(s) failed (see the errors above)\n",
                failures);
    free_run(&st);
    free(args);
    return rc < 0 || failures ? 1 : 0;
}
