/* A loaded lossy model and the codec's inference passes: image -> quantized
 * latents (analysis) and latents -> image (synthesis). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "lossy/hyper_codec.h"
#include "lossy/lossy.h"
#include "lossy/lossy_model.h"
#include "lossy/lossy_tiles.h"
#include "lossy/model_file.h"

/* The LatError of an NN_ERR_* (a shape error is a bug of ours). */
static int lat_error_of_nn(int nn_err)
{
    return nn_err == 0 ? 0 : nn_err == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL;
}

int lossy_model_load(const uint8_t *data, size_t size, LossyModel **out)
{
    *out = NULL;
    LossyModel *m = calloc(1, sizeof *m);
    if (!m)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = model_file_read(data, size, &m->net, m->id, &m->hash, NULL, NULL, NULL, 0);
    if (err < 0) {
        free(m);
        return err;
    }
    *out = m;
    return 0;
}

void lossy_model_free(LossyModel *m)
{
    if (!m)
        return;
    lossy_net_free(&m->net);
    free(m);
}

const char *lossy_model_id(const LossyModel *m) { return m->id; }
uint64_t lossy_model_hash(const LossyModel *m) { return m->hash; }
int lossy_model_channels(const LossyModel *m) { return m->net.m; }
int lossy_model_levels(const LossyModel *m) { return m->net.levels; }

void lossy_latents_free(LossyLatents *l)
{
    free(l->q);
    free(l->zq);
    free(l->mean);
    free(l->scale);
    memset(l, 0, sizeof *l);
}

int lossy_analysis_float(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                         uint32_t height, uint32_t channels, int tile, Tensor *y)
{
    const int lh = (int)((height + 15) / 16), lw = (int)((width + 15) / 16);
    const int M = m->net.m, TR = tile_step(lh, tile), TC = tile_step(lw, tile);
    if (tensor_reshape(y, 1, M, lh, lw) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    Tensor *x = tensor_new(0, 0, 0, 0), *yt = tensor_new(0, 0, 0, 0);
    LossyWork work = {0};
    int err = (!x || !yt) ? LAT_ERR_OUT_OF_MEMORY : 0;
    for (int r0 = 0; r0 < lh && !err; r0 += TR)
        for (int c0 = 0; c0 < lw && !err; c0 += TC) {
            const Tile t = tile_at(r0, c0, TR, TC, lh, lw, LOSSY_ANALYSIS_HALO);
            const int r1 = t.r1, c1 = t.c1, tr0 = t.tr0, tc0 = t.tc0;
            const int th = 16 * (t.tr1 - tr0), tw = 16 * (t.tc1 - tc0);
            if (tensor_reshape(x, 1, 3, th, tw) < 0) {
                err = LAT_ERR_OUT_OF_MEMORY;
                break;
            }
            /* Edge-replicating pad to the multiple of 16: padded pixel (r, c)
             * is pixel (min(r, H-1), min(c, W-1)). */
            const size_t plane = (size_t)th * tw;
            for (int r = 0; r < th; r++) {
                uint32_t sr = (uint32_t)(16 * tr0 + r);
                sr = sr < height ? sr : height - 1;
                for (int c = 0; c < tw; c++) {
                    uint32_t sc = (uint32_t)(16 * tc0 + c);
                    sc = sc < width ? sc : width - 1;
                    const uint8_t *px = pixels + ((size_t)sr * width + sc) * channels;
                    for (int k = 0; k < 3; k++)
                        x->data[k * plane + (size_t)r * tw + c] =
                            px[channels == 3 ? k : 0] * (1.0f / 255.0f);
                }
            }
            if ((err = lat_error_of_nn(lossy_net_analysis(&m->net, x, yt, &work))) < 0)
                break;
            for (int k = 0; k < M; k++)
                for (int r = r0; r < r1; r++)
                    memcpy(y->data + ((size_t)k * lh + r) * lw + c0,
                           yt->data + ((size_t)k * yt->h + (r - tr0)) * yt->w + (c0 - tc0),
                           sizeof(float) * (size_t)(c1 - c0));
        }
    tensor_free(x);
    tensor_free(yt);
    lossy_work_free(&work);
    return err;
}

/* One synthesized tile handed to a TileSink: x [1, 3, th, tw] is the tile
 * with its halo, its pixel (0, 0) at image pixel (y0, x0); the sink keeps
 * image rows [top, bottom) and columns [left, right) (uncropped). */
typedef struct TileOut {
    const Tensor *x;
    int y0, x0, top, bottom, left, right;
} TileOut;
typedef void (*TileSink)(void *ctx, const TileOut *t);

int lossy_quality_level(const LossyModel *m, int quality)
{
    return (int)lround(lossy_level_position(m->net.levels, quality) * LOSSY_LEVEL_UNIT);
}

int lossy_level_quality(const LossyModel *m, int level)
{
    /* lossy_level_position is linear in q: invert it, then round. */
    const double t0 = lossy_level_position(m->net.levels, 0) * LOSSY_LEVEL_UNIT;
    const double t1 = lossy_level_position(m->net.levels, 100) * LOSSY_LEVEL_UNIT;
    const long q = t1 > t0 ? lround(100.0 * (level - t0) / (t1 - t0)) : 100;
    return q < 0 ? 0 : q > 100 ? 100 : (int)q;
}

int lossy_latents_position(const LossyModel *m, const LossyLatents *lat, double *pos)
{
    if (lat->level == LOSSY_LEVEL_OF_QUALITY) {
        *pos = lossy_level_position_v1(m->net.levels, lat->quality);
        return 0;
    }
    *pos = (double)lat->level / LOSSY_LEVEL_UNIT;
    return *pos >= LOSSY_MIN_LEVEL_POSITION && *pos <= m->net.levels - 1 ? 0 : -1;
}

/* Runs g_s tile by tile and hands each tile's interior to sink, so that no
 * full-image float buffer exists (issue 7: bounded decoder memory). */
static int synthesize_tiles(const LossyModel *m, const LossyLatents *lat, int tile,
                            TileSink sink, void *ctx)
{
    const int lh = lat->h, lw = lat->w, M = m->net.m;
    const int TR = tile_step(lh, tile), TC = tile_step(lw, tile);
    Tensor *yt = tensor_new(0, 0, 0, 0), *xt = tensor_new(0, 0, 0, 0);
    float *g = malloc(sizeof(float) * (size_t)M), *ig = malloc(sizeof(float) * (size_t)M);
    LossyWork work = {0};
    int err = (!yt || !xt || !g || !ig) ? LAT_ERR_OUT_OF_MEMORY : 0;
    double pos;
    if (!err && lossy_latents_position(m, lat, &pos) < 0)
        err = LAT_ERR_STREAM_CORRUPT;
    if (!err)
        lossy_net_gains(&m->net, pos, g, ig);
    const size_t hw = (size_t)lh * lw;
    for (int r0 = 0; r0 < lh && !err; r0 += TR)
        for (int c0 = 0; c0 < lw && !err; c0 += TC) {
            const Tile tl = tile_at(r0, c0, TR, TC, lh, lw, LOSSY_SYNTHESIS_HALO);
            const int r1 = tl.r1, c1 = tl.c1, tr0 = tl.tr0, tc0 = tl.tc0;
            const int th = tl.tr1 - tr0, tw = tl.tc1 - tc0;
            if (tensor_reshape(yt, 1, M, th, tw) < 0) {
                err = LAT_ERR_OUT_OF_MEMORY;
                break;
            }
            for (int k = 0; k < M; k++)
                for (int r = 0; r < th; r++)
                    for (int c = 0; c < tw; c++) {
                        const size_t at = k * hw + (size_t)(tr0 + r) * lw + tc0 + c;
                        const float v = lat->mean ? (float)lat->q[at] + lat->mean[at]
                                                  : (float)lat->q[at];
                        yt->data[((size_t)k * th + r) * tw + c] = v * ig[k];
                    }
            if ((err = lat_error_of_nn(lossy_net_synthesis(&m->net, yt, xt, &work))) < 0)
                break;
            const TileOut t = {xt, 16 * tr0, 16 * tc0, 16 * r0, 16 * r1, 16 * c0, 16 * c1};
            sink(ctx, &t);
        }
    tensor_free(yt);
    tensor_free(xt);
    free(g);
    free(ig);
    lossy_work_free(&work);
    return err;
}

static void float_sink(void *ctx, const TileOut *t)
{
    Tensor *x = ctx;
    const size_t oplane = (size_t)x->h * x->w, tplane = (size_t)t->x->h * t->x->w;
    for (int k = 0; k < 3; k++)
        for (int r = t->top; r < t->bottom; r++)
            memcpy(x->data + k * oplane + (size_t)r * x->w + t->left,
                   t->x->data + k * tplane + (size_t)(r - t->y0) * t->x->w + (t->left - t->x0),
                   sizeof(float) * (size_t)(t->right - t->left));
}

int lossy_synthesis_float(const LossyModel *m, const LossyLatents *lat, int tile, Tensor *x)
{
    if (tensor_reshape(x, 1, 3, 16 * lat->h, 16 * lat->w) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    return synthesize_tiles(m, lat, tile, float_sink, x);
}

typedef struct PixelSink {
    uint8_t *pixels;
    uint32_t width, height, channels;
} PixelSink;

/* Crops the tile to the image, clamps to [0, 1] and rounds to 8 bits (gray:
 * the mean of the three channels) straight into the caller's pixels. */
static void pixel_sink(void *ctx, const TileOut *t)
{
    const PixelSink *o = ctx;
    const size_t plane = (size_t)t->x->h * t->x->w;
    const uint32_t bottom = (uint32_t)t->bottom < o->height ? (uint32_t)t->bottom : o->height;
    const uint32_t right = (uint32_t)t->right < o->width ? (uint32_t)t->right : o->width;
    for (uint32_t r = (uint32_t)t->top; r < bottom; r++)
        for (uint32_t c = (uint32_t)t->left; c < right; c++) {
            const size_t at = (size_t)(r - (uint32_t)t->y0) * t->x->w + (c - (uint32_t)t->x0);
            uint8_t *d = o->pixels + ((size_t)r * o->width + c) * o->channels;
            float v[3];
            for (int k = 0; k < 3; k++)
                v[k] = t->x->data[k * plane + at];
            if (o->channels == 1)
                v[0] = (v[0] + v[1] + v[2]) * (1.0f / 3.0f);
            for (uint32_t k = 0; k < o->channels; k++) {
                float s = v[k] * 255.0f;
                if (!(s >= 0))   /* also NaN */
                    s = 0;
                if (s > 255)
                    s = 255;
                d[k] = (uint8_t)lrintf(s);
            }
        }
}

int lossy_analyze(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                  uint32_t channels, int quality, LossyLatents *out)
{
    return lossy_analyze_at(m, pixels, width, height, channels, quality, LOSSY_LEVEL_OF_QUALITY,
                            out);
}

int lossy_quantize(const LossyModel *m, const Tensor *y, int quality, int level,
                   LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    if (level == LOSSY_LEVEL_OF_QUALITY)
        level = lossy_quality_level(m, quality);
    if (m->net.hyper.z > 0)
        return hyper_analyze(m, y, quality, level, out);
    const int M = m->net.m;
    const size_t hw = (size_t)y->h * y->w;
    float *g = malloc(sizeof(float) * (size_t)M), *ig = malloc(sizeof(float) * (size_t)M);
    out->q = malloc(sizeof(int32_t) * M * hw);
    if (!g || !ig || !out->q) {
        free(g);
        free(ig);
        lossy_latents_free(out);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    /* The file records the position, rounded to its unit, and the gains
     * come from the recorded value as a decoder sees it. */
    out->level = level;
    lossy_net_gains(&m->net, (double)out->level / LOSSY_LEVEL_UNIT, g, ig);
    out->c = M;
    out->h = y->h;
    out->w = y->w;
    out->quality = quality;
    for (int c = 0; c < M; c++)
        for (size_t i = 0; i < hw; i++) {
            float v = rintf(y->data[c * hw + i] * g[c]);
            if (!(v >= -LOSSY_Q_MAX))   /* also maps NaN to -max */
                v = -LOSSY_Q_MAX;
            if (v > LOSSY_Q_MAX)
                v = LOSSY_Q_MAX;
            out->q[c * hw + i] = (int32_t)v;
        }
    free(g);
    free(ig);
    return 0;
}

int lossy_analyze_at(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                     uint32_t height, uint32_t channels, int quality, int level,
                     LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    if (!m || !pixels || width == 0 || height == 0 || (channels != 1 && channels != 3))
        return LAT_ERR_INVALID_ARGUMENT;
    Tensor *y = tensor_new(0, 0, 0, 0);
    int err = y ? lossy_analysis_float(m, pixels, width, height, channels, 0, y)
                : LAT_ERR_OUT_OF_MEMORY;
    if (!err)
        err = lossy_quantize(m, y, quality, level, out);
    tensor_free(y);
    return err;
}

int lossy_synthesize(const LossyModel *m, const LossyLatents *lat, uint32_t width,
                     uint32_t height, uint32_t channels, uint8_t *pixels)
{
    if (!m || !lat || !pixels || (channels != 1 && channels != 3) || lat->c != m->net.m
        || (uint32_t)lat->w != (width + 15) / 16 || (uint32_t)lat->h != (height + 15) / 16)
        return LAT_ERR_INVALID_ARGUMENT;
    PixelSink o = {pixels, width, height, channels};
    return synthesize_tiles(m, lat, 0, pixel_sink, &o);
}

double lossy_channel_ideal_bits(const LossyModel *m, const LossyLatents *lat, int channel)
{
    int pk;
    double pos;
    if (m->net.hyper.z > 0 || lossy_latents_position(m, lat, &pos) < 0)
        return NAN;   /* architecture 3: y has no factorized prior */
    const double s = lossy_net_prior_at(&m->net, pos, channel, &pk);
    const size_t hw = (size_t)lat->h * lat->w;
    double bits = 0;
    float buf[256];
    for (size_t i = 0; i < hw; i += 256) {
        size_t n = hw - i < 256 ? hw - i : 256;
        for (size_t j = 0; j < n; j++)
            buf[j] = (float)lat->q[(size_t)channel * hw + i + j];
        bits += prior_bits_scaled(&m->net.prior, pk, buf, n, s);
    }
    return bits;
}

double lossy_latents_ideal_bits(const LossyModel *m, const LossyLatents *lat)
{
    if (lat->zq)
        return hyper_ideal_bits(m, lat);
    double bits = 0;
    for (int c = 0; c < lat->c; c++)
        bits += lossy_channel_ideal_bits(m, lat, c);
    return bits;
}
