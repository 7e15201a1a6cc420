/* Feature extraction for `lat classify`: from stored files to a float
 * matrix [n, dim], timed from the first file read to the last feature. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "classify.h"
#include "errmsg.h"
#include "imageio.h"
#include "latbatch.h"
#include "lossy/lossy.h"

double classify_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

const char *feature_kind_name(FeatureKind k)
{
    static const char *names[] = {"latent", "pixel_png", "pixel_lat"};
    return (unsigned)k < 3 ? names[k] : "?";
}

int feature_kind_from_name(const char *name)
{
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, feature_kind_name((FeatureKind)k)))
            return k;
    return -1;
}

void feature_set_free(FeatureSet *f)
{
    if (!f)
        return;
    free(f->x);
    memset(f, 0, sizeof *f);
}

void classify_file_name(char *buf, size_t len, const char *dir, size_t i, const char *ext)
{
    snprintf(buf, len, "%s/%06zu.%s", dir, i, ext);
}

int classify_read_file(const char *path, uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1ll << 31)) {
        fclose(f);
        return -1;
    }
    size_t n = (size_t)st.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf || fread(buf, 1, n, f) != n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    *data = buf;
    *size = n;
    return 0;
}

/* Plain write without fsync: an encoded set is thousands of small
 * regenerable files, and an fsync each would dominate the run time. */
int classify_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, size, f) == size;
    ok &= fclose(f) == 0;
    return ok ? 0 : -1;
}

static int alloc_features(FeatureSet *out, size_t n, uint32_t dim, char *err, size_t errlen)
{
    if (n > SIZE_MAX / sizeof(float) / dim) {
        set_err(err, errlen, "feature matrix too large");
        return -1;
    }
    out->x = malloc(n * dim * sizeof(float));
    if (!out->x) {
        set_err(err, errlen, "out of memory for %zu x %u features", n, dim);
        return -1;
    }
    out->n = n;
    out->dim = dim;
    return 0;
}

static void pixel_tag(FeatureSet *out, uint32_t w, uint32_t h, uint32_t ch)
{
    snprintf(out->tag, sizeof out->tag, "pixel %ux%ux%u", w, h, ch);
}

static void latent_tag(FeatureSet *out, uint32_t c, uint32_t h, uint32_t w, const char *model)
{
    snprintf(out->tag, sizeof out->tag, "latent %ux%ux%u %.32s", c, h, w, model);
}

/* ---- .latb batch files ---- */

/* One image's synthesis into its feature row (runs on worker threads). */
typedef struct SynthJob {
    const LatBatch *b;
    const LossyModel *model;
    FeatureSet *out;
    size_t per, npix;
} SynthJob;

static int synthesize_one(void *ctx, size_t i)
{
    SynthJob *j = ctx;
    const LatBatch *b = j->b;
    int32_t *q32 = malloc(j->per * sizeof(int32_t));
    uint8_t *px = malloc(j->npix);
    int e = LAT_ERR_OUT_OF_MEMORY;
    if (q32 && px) {
        for (size_t k = 0; k < j->per; k++)
            q32[k] = b->q[i * j->per + k];
        /* A .latb holds latents made at its quality's level position. */
        LossyLatents lat = {.c = (int)b->c, .h = (int)b->h, .w = (int)b->w, .quality = b->quality,
                            .level = lossy_quality_level(j->model, b->quality), .q = q32};
        e = lossy_synthesize(j->model, &lat, b->width, b->height, b->channels, px);
    }
    if (e >= 0) {
        float *row = j->out->x + i * j->npix;
        for (size_t k = 0; k < j->npix; k++)
            row[k] = px[k] * (1.0f / 255.0f);
    }
    free(q32);
    free(px);
    return e < 0 ? e : 0;
}

static int load_latb(FeatureKind kind, const uint8_t *data, size_t size, ClassifyModel *m,
                     size_t limit, FeatureSet *out, char *err, size_t errlen)
{
    LatBatch b;
    if (latbatch_parse(data, size, &b, err, errlen) < 0)
        return -1;
    int rc = -1;
    size_t n = limit && limit < b.count ? limit : b.count;
    const size_t per = (size_t)b.c * b.h * b.w;
    out->quality = b.quality;
    out->stored_bytes = size;
    if (kind == FEAT_LATENT) {
        if (alloc_features(out, n, (uint32_t)per, err, errlen) < 0)
            goto done;
        for (size_t i = 0; i < n * per; i++)
            out->x[i] = (float)b.q[i];
        latent_tag(out, b.c, b.h, b.w, b.model_id);
        rc = 0;
        goto done;
    }
    if (kind != FEAT_PIXEL_LAT) {
        set_err(err, errlen, "a .latb file holds latents: use --features latent or pixel_lat");
        goto done;
    }
    if (!m || !m->lossy) {
        set_err(err, errlen, "pixel_lat needs the model");
        goto done;
    }
    if (lossy_model_hash(m->lossy) != b.model_hash) {
        set_err(err, errlen, "the .latb was made with model '%s', not '%s'", b.model_id,
                lossy_model_id(m->lossy));
        goto done;
    }
    SynthJob job = {&b, m->lossy, out, per, (size_t)b.width * b.height * b.channels};
    if (alloc_features(out, n, (uint32_t)job.npix, err, errlen) < 0)
        goto done;
    size_t bad;
    int e = classify_parallel_for(n, m->threads, synthesize_one, &job, &bad);
    if (e < 0) {
        set_err(err, errlen, "synthesis of image %zu failed: %s", bad, lat_strerror(e));
        goto done;
    }
    pixel_tag(out, b.width, b.height, b.channels);
    rc = 0;
done:
    latbatch_free(&b);
    if (rc < 0)
        feature_set_free(out);
    return rc;
}

/* ---- directories of per-image files ---- */

static size_t count_files(const char *dir, const char *ext, size_t limit)
{
    char path[4200];
    struct stat st;
    size_t n = 0;
    while (!limit || n < limit) {
        classify_file_name(path, sizeof path, dir, n, ext);
        if (stat(path, &st) != 0)
            break;
        n++;
    }
    return n;
}

/* Per-image decode into row (dim floats); sets up the shape on first call. */
static int decode_one(FeatureKind kind, const uint8_t *data, size_t size, LatContext *ctx,
                      FeatureSet *out, size_t i, size_t n, const char *path, char *err,
                      size_t errlen)
{
    if (kind == FEAT_LATENT) {
        int16_t *lat = NULL;
        uint32_t count = 0, shape[3];
        int e = lat_decode_latents(ctx, data, size, &lat, &count, shape);
        if (e < 0) {
            set_err(err, errlen, "%s: %s", path, lat_strerror(e));
            return -1;
        }
        if (!out->x) {
            LatInfo info;
            memset(&info, 0, sizeof info);
            if (lat_inspect(data, size, &info) == 0)
                out->quality = info.quality;
            if (alloc_features(out, n, count, err, errlen) < 0) {
                lat_free(lat);
                return -1;
            }
            latent_tag(out, shape[0], shape[1], shape[2], info.model_id);
        }
        if (count != out->dim) {
            lat_free(lat);
            set_err(err, errlen, "%s: %u latents, the first file had %u", path, count, out->dim);
            return -1;
        }
        float *row = out->x + i * out->dim;
        for (uint32_t j = 0; j < count; j++)
            row[j] = (float)lat[j];
        lat_free(lat);
        return 0;
    }
    LatImage img;
    char why[256];
    if (kind == FEAT_PIXEL_LAT) {
        int e = lat_decode(ctx, data, size, &img);
        if (e < 0) {
            set_err(err, errlen, "%s: %s", path, lat_strerror(e));
            return -1;
        }
    } else if (image_read_memory(data, size, &img, 0, why, sizeof why) < 0) {
        set_err(err, errlen, "%s: %s", path, why);
        return -1;
    }
    int rc = -1;
    const uint32_t dim = img.width * img.height * img.channels;
    if (img.bit_depth != 8) {
        set_err(err, errlen, "%s: %u-bit image (8-bit expected)", path, img.bit_depth);
        goto done;
    }
    if (!out->x) {
        if (alloc_features(out, n, dim, err, errlen) < 0)
            goto done;
        pixel_tag(out, img.width, img.height, img.channels);
        if (kind == FEAT_PIXEL_LAT) {
            LatInfo info;
            if (lat_inspect(data, size, &info) == 0)
                out->quality = info.quality;
        }
    }
    if (dim != out->dim) {
        set_err(err, errlen, "%s: image size differs from the first image", path);
        goto done;
    }
    const uint8_t *px = img.pixels;
    float *row = out->x + i * dim;
    for (uint32_t j = 0; j < dim; j++)
        row[j] = px[j] * (1.0f / 255.0f);
    rc = 0;
done:
    lat_image_free(&img);
    return rc;
}

static int load_dir(FeatureKind kind, const char *dir, ClassifyModel *m, size_t limit,
                    FeatureSet *out, char *err, size_t errlen)
{
    const char *ext = kind == FEAT_PIXEL_PNG ? "png" : "lat";
    size_t n = count_files(dir, ext, limit);
    if (n == 0) {
        set_err(err, errlen, "%s: no %s files (expected %s/000000.%s, ...)", dir, ext, dir, ext);
        return -1;
    }
    LatContext *ctx = NULL;
    if (kind != FEAT_PIXEL_PNG) {
        if (!m || !m->lossy) {
            set_err(err, errlen, "decoding .lat files needs the model");
            return -1;
        }
        ctx = classify_model_ctx(m, 75, err, errlen);
        if (!ctx)
            return -1;
    }
    out->quality = -1;
    char path[4200];
    for (size_t i = 0; i < n; i++) {
        uint8_t *data;
        size_t size;
        classify_file_name(path, sizeof path, dir, i, ext);
        if (classify_read_file(path, &data, &size) < 0) {
            set_err(err, errlen, "%s: %s", path, strerror(errno));
            feature_set_free(out);
            return -1;
        }
        out->stored_bytes += size;
        int rc = decode_one(kind, data, size, ctx, out, i, n, path, err, errlen);
        free(data);
        if (rc < 0) {
            feature_set_free(out);
            return -1;
        }
    }
    return 0;
}

int features_load(FeatureKind kind, const char *data, ClassifyModel *m, size_t limit,
                  FeatureSet *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    double t0 = classify_now();
    struct stat st;
    if (stat(data, &st) != 0) {
        set_err(err, errlen, "%s: %s", data, strerror(errno));
        return -1;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = load_dir(kind, data, m, limit, out, err, errlen);
    } else {
        uint8_t *buf;
        size_t size;
        if (classify_read_file(data, &buf, &size) < 0) {
            set_err(err, errlen, "%s: cannot read", data);
            return -1;
        }
        char why[256];
        rc = load_latb(kind, buf, size, m, limit, out, why, sizeof why);
        if (rc < 0)
            set_err(err, errlen, "%s: %s", data, why);
        free(buf);
    }
    out->seconds = classify_now() - t0;
    return rc;
}
