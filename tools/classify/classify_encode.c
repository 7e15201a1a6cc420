/* `lat classify encode`: an IDX image set into a .latb batch file, a
 * directory of .lat files or a directory of .png files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classify.h"
#include "errmsg.h"
#include "imageio.h"
#include "latbatch.h"
#include "lossy/lossy.h"

static int make_dir(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return 0;
    set_err(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
}

/* One image's analysis into its slot of the batch (runs on worker threads). */
typedef struct AnalyzeJob {
    const IdxImages *im;
    size_t first, per;
    int quality;
    const LossyModel *model;
    LatBatch *b;
} AnalyzeJob;

static int analyze_one(void *ctx, size_t i)
{
    AnalyzeJob *j = ctx;
    const size_t npix = (size_t)j->im->rows * j->im->cols;
    LossyLatents lat;
    int e = lossy_analyze(j->model, j->im->pixels + (j->first + i) * npix, j->im->cols,
                          j->im->rows, 1, j->quality, &lat);
    if (e >= 0 && (size_t)lat.c * lat.h * lat.w != j->per)
        e = LAT_ERR_INTERNAL;
    if (e < 0) {
        lossy_latents_free(&lat);
        return e;
    }
    for (size_t k = 0; k < j->per; k++)   // |q| <= LOSSY_Q_MAX fits int16
        j->b->q[i * j->per + k] = (int16_t)lat.q[k];
    lossy_latents_free(&lat);
    return 0;
}

static int encode_latb(const IdxImages *im, size_t first, size_t count, const char *out,
                       int quality, ClassifyModel *m, EncodeStats *st, char *err, size_t errlen)
{
    LatBatch b;
    memset(&b, 0, sizeof b);
    b.count = (uint32_t)count;
    b.width = im->cols;
    b.height = im->rows;
    b.channels = 1;
    b.quality = quality;
    snprintf(b.model_id, sizeof b.model_id, "%s", lossy_model_id(m->lossy));
    b.model_hash = lossy_model_hash(m->lossy);
    int rc = -1;
    // The latent shape comes from the model; analyse image 0 to learn it.
    LossyLatents lat0;
    int e = lossy_analyze(m->lossy, im->pixels + first * (size_t)im->rows * im->cols, im->cols,
                          im->rows, 1, quality, &lat0);
    if (e < 0) {
        set_err(err, errlen, "analysis of image %zu: %s", first, lat_strerror(e));
        return -1;
    }
    b.c = (uint32_t)lat0.c;
    b.h = (uint32_t)lat0.h;
    b.w = (uint32_t)lat0.w;
    lossy_latents_free(&lat0);
    AnalyzeJob job = {im, first, (size_t)b.c * b.h * b.w, quality, m->lossy, &b};
    b.q = malloc(job.per * count * sizeof(int16_t));
    if (!b.q) {
        set_err(err, errlen, "out of memory");
        goto done;
    }
    size_t bad;
    e = classify_parallel_for(count, m->threads, analyze_one, &job, &bad);
    if (e < 0) {
        set_err(err, errlen, "analysis of image %zu: %s", first + bad, lat_strerror(e));
        goto done;
    }
    uint8_t *bytes;
    size_t size;
    if (latbatch_write(&b, 19, &bytes, &size, err, errlen) < 0)
        goto done;
    if (classify_write_file(out, bytes, size) < 0) {
        set_err(err, errlen, "%s: write failed: %s", out, strerror(errno));
        free(bytes);
        goto done;
    }
    free(bytes);
    st->bytes = size;
    rc = 0;
done:
    latbatch_free(&b);
    return rc;
}

/* Edge-replicated copy of a gray image padded to multiples of 16. */
static uint8_t *pad_to_16(const uint8_t *px, uint32_t w, uint32_t h, uint32_t *pw, uint32_t *ph)
{
    *pw = (w + 15) / 16 * 16;
    *ph = (h + 15) / 16 * 16;
    uint8_t *o = malloc((size_t)*pw * *ph);
    if (!o)
        return NULL;
    for (uint32_t r = 0; r < *ph; r++)
        for (uint32_t c = 0; c < *pw; c++)
            o[(size_t)r * *pw + c] = px[(size_t)(r < h ? r : h - 1) * w + (c < w ? c : w - 1)];
    return o;
}

static int encode_files(const IdxImages *im, size_t first, size_t count, const char *format,
                        const char *out, int quality, int pad16, ClassifyModel *m,
                        EncodeStats *st, char *err, size_t errlen)
{
    const int png = !strcmp(format, "png");
    if (make_dir(out, err, errlen) < 0)
        return -1;
    LatContext *ctx = NULL;
    if (!png && !(ctx = classify_model_ctx(m, quality, err, errlen)))
        return -1;
    const size_t npix = (size_t)im->rows * im->cols;
    char path[4200];
    for (size_t i = 0; i < count; i++) {
        uint8_t *px = im->pixels + (first + i) * npix, *padded = NULL;
        LatImage img = {im->cols, im->rows, 1, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
        if (png && pad16) {
            padded = pad_to_16(px, im->cols, im->rows, &img.width, &img.height);
            if (!padded) {
                set_err(err, errlen, "out of memory");
                return -1;
            }
            img.pixels = padded;
        }
        uint8_t *bytes = NULL;
        size_t size = 0;
        char why[256] = "";
        int e;
        if (png) {
            e = png_encode_memory(&img, 9, &bytes, &size, why, sizeof why);
        } else {
            e = lat_encode(ctx, &img, &bytes, &size);
            if (e < 0)
                snprintf(why, sizeof why, "%s", lat_strerror(e));
        }
        free(padded);
        if (e < 0) {
            set_err(err, errlen, "image %zu: %s", first + i, why);
            return -1;
        }
        classify_file_name(path, sizeof path, out, i, png ? "png" : "lat");
        int w = classify_write_file(path, bytes, size);
        if (png)
            free(bytes);
        else
            lat_free(bytes);
        if (w < 0) {
            set_err(err, errlen, "%s: write failed: %s", path, strerror(errno));
            return -1;
        }
        st->bytes += size;
    }
    return 0;
}

int classify_encode(const IdxImages *im, size_t first, size_t count, const char *format,
                    const char *out, int quality, int pad16, ClassifyModel *m,
                    EncodeStats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (first > im->count || count > im->count - first || count == 0) {
        set_err(err, errlen, "image range %zu+%zu outside the %u images", first, count,
                im->count);
        return -1;
    }
    const int latb = !strcmp(format, "latb");
    if (!latb && strcmp(format, "lat") && strcmp(format, "png")) {
        set_err(err, errlen, "unknown format '%s' (latb, lat or png)", format);
        return -1;
    }
    if (strcmp(format, "png") && (!m || !m->lossy)) {
        set_err(err, errlen, "format %s needs the model", format);
        return -1;
    }
    double t0 = classify_now();
    int rc = latb ? encode_latb(im, first, count, out, quality, m, st, err, errlen)
                  : encode_files(im, first, count, format, out, quality, pad16, m, st, err,
                                 errlen);
    st->seconds = classify_now() - t0;
    st->images = count;
    return rc;
}
