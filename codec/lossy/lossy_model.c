/* A loaded lossy model and the codec's inference passes: image -> quantized
 * latents (analysis) and latents -> image (synthesis). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "lossy/lossy.h"
#include "lossy/lossy_model.h"
#include "lossy/model_file.h"

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
    memset(l, 0, sizeof *l);
}

/* ---- tiling: bounded memory for large images ----
 * Four 5x5 stride-2 layers: a latent depends on the pixels within 30 of its
 * 16x16 block, a pixel on the latents within 30 pixels (< 2 latents) of its
 * own. Tiles with a halo of 2 latents on each side, aligned to the 16-pixel
 * grid, therefore give the untiled result up to float summation order
 * (tests/test_lossy_coding.c checks it; a halo of 1 fails). */
#define ANALYSIS_HALO 2
#define SYNTHESIS_HALO 2
static int g_tile_latents = 64;   /* tile side in latents (1024 pixels) */

void lossy_set_tile_size(int latents) { g_tile_latents = latents > 0 ? latents : 64; }

/* The side (in latents) to tile with; the whole image when it is small. */
static int tile_side(int lh, int lw, int tile)
{
    if (tile > 0)
        return tile;
    return (lh <= 96 && lw <= 96) ? (lh > lw ? lh : lw) : g_tile_latents;
}

int lossy_analysis_float(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                         uint32_t height, uint32_t channels, int tile, Tensor *y)
{
    const int lh = (int)((height + 15) / 16), lw = (int)((width + 15) / 16);
    const int M = m->net.m, T = tile_side(lh, lw, tile);
    if (tensor_reshape(y, 1, M, lh, lw) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    Tensor *x = tensor_new(0, 0, 0, 0), *yt = tensor_new(0, 0, 0, 0);
    NnScratch scratch = {0};
    int err = (!x || !yt) ? LAT_ERR_OUT_OF_MEMORY : 0;
    for (int r0 = 0; r0 < lh && !err; r0 += T)
        for (int c0 = 0; c0 < lw && !err; c0 += T) {
            const int r1 = r0 + T < lh ? r0 + T : lh, c1 = c0 + T < lw ? c0 + T : lw;
            const int tr0 = r0 - ANALYSIS_HALO > 0 ? r0 - ANALYSIS_HALO : 0;
            const int tc0 = c0 - ANALYSIS_HALO > 0 ? c0 - ANALYSIS_HALO : 0;
            const int tr1 = r1 + ANALYSIS_HALO < lh ? r1 + ANALYSIS_HALO : lh;
            const int tc1 = c1 + ANALYSIS_HALO < lw ? c1 + ANALYSIS_HALO : lw;
            const int th = 16 * (tr1 - tr0), tw = 16 * (tc1 - tc0);
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
            if (lossy_net_analysis(&m->net, x, yt, &scratch) < 0) {
                err = LAT_ERR_OUT_OF_MEMORY;
                break;
            }
            for (int k = 0; k < M; k++)
                for (int r = r0; r < r1; r++)
                    memcpy(y->data + ((size_t)k * lh + r) * lw + c0,
                           yt->data + ((size_t)k * yt->h + (r - tr0)) * yt->w + (c0 - tc0),
                           sizeof(float) * (size_t)(c1 - c0));
        }
    tensor_free(x);
    tensor_free(yt);
    nn_scratch_free(&scratch);
    return err;
}

int lossy_synthesis_float(const LossyModel *m, const LossyLatents *lat, int tile, Tensor *x)
{
    const int lh = lat->h, lw = lat->w, M = m->net.m, T = tile_side(lh, lw, tile);
    if (tensor_reshape(x, 1, 3, 16 * lh, 16 * lw) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    Tensor *yt = tensor_new(0, 0, 0, 0), *xt = tensor_new(0, 0, 0, 0);
    float *g = malloc(sizeof(float) * (size_t)M), *ig = malloc(sizeof(float) * (size_t)M);
    NnScratch scratch = {0};
    int err = (!yt || !xt || !g || !ig) ? LAT_ERR_OUT_OF_MEMORY : 0;
    if (!err)
        lossy_net_gains(&m->net, lossy_level_position(m->net.levels, lat->quality), g, ig);
    const size_t hw = (size_t)lh * lw, oplane = (size_t)x->h * x->w;
    for (int r0 = 0; r0 < lh && !err; r0 += T)
        for (int c0 = 0; c0 < lw && !err; c0 += T) {
            const int r1 = r0 + T < lh ? r0 + T : lh, c1 = c0 + T < lw ? c0 + T : lw;
            const int tr0 = r0 - SYNTHESIS_HALO > 0 ? r0 - SYNTHESIS_HALO : 0;
            const int tc0 = c0 - SYNTHESIS_HALO > 0 ? c0 - SYNTHESIS_HALO : 0;
            const int tr1 = r1 + SYNTHESIS_HALO < lh ? r1 + SYNTHESIS_HALO : lh;
            const int tc1 = c1 + SYNTHESIS_HALO < lw ? c1 + SYNTHESIS_HALO : lw;
            const int th = tr1 - tr0, tw = tc1 - tc0;
            if (tensor_reshape(yt, 1, M, th, tw) < 0) {
                err = LAT_ERR_OUT_OF_MEMORY;
                break;
            }
            for (int k = 0; k < M; k++)
                for (int r = 0; r < th; r++)
                    for (int c = 0; c < tw; c++)
                        yt->data[((size_t)k * th + r) * tw + c] =
                            (float)lat->q[k * hw + (size_t)(tr0 + r) * lw + tc0 + c] * ig[k];
            if (lossy_net_synthesis(&m->net, yt, xt, &scratch) < 0) {
                err = LAT_ERR_OUT_OF_MEMORY;
                break;
            }
            const size_t tplane = (size_t)xt->h * xt->w;
            for (int k = 0; k < 3; k++)
                for (int r = 16 * r0; r < 16 * r1; r++)
                    memcpy(x->data + k * oplane + (size_t)r * x->w + 16 * c0,
                           xt->data + k * tplane + (size_t)(r - 16 * tr0) * xt->w + 16 * (c0 - tc0),
                           sizeof(float) * 16 * (size_t)(c1 - c0));
        }
    tensor_free(yt);
    tensor_free(xt);
    free(g);
    free(ig);
    nn_scratch_free(&scratch);
    return err;
}

int lossy_analyze(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                  uint32_t channels, int quality, LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    if (!m || !pixels || width == 0 || height == 0 || (channels != 1 && channels != 3))
        return LAT_ERR_INVALID_ARGUMENT;
    const int M = m->net.m;
    Tensor *y = tensor_new(0, 0, 0, 0);
    float *g = malloc(sizeof(float) * (size_t)M), *ig = malloc(sizeof(float) * (size_t)M);
    int err = (!y || !g || !ig) ? LAT_ERR_OUT_OF_MEMORY : 0;
    if (!err)
        err = lossy_analysis_float(m, pixels, width, height, channels, 0, y);
    const size_t hw = err ? 0 : (size_t)y->h * y->w;
    if (!err && !(out->q = malloc(sizeof(int32_t) * M * hw)))
        err = LAT_ERR_OUT_OF_MEMORY;
    if (!err) {
        lossy_net_gains(&m->net, lossy_level_position(m->net.levels, quality), g, ig);
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
    }
    tensor_free(y);
    free(g);
    free(ig);
    return err;
}

int lossy_synthesize(const LossyModel *m, const LossyLatents *lat, uint32_t width,
                     uint32_t height, uint32_t channels, uint8_t *pixels)
{
    if (!m || !lat || !pixels || (channels != 1 && channels != 3) || lat->c != m->net.m
        || (uint32_t)lat->w != (width + 15) / 16 || (uint32_t)lat->h != (height + 15) / 16)
        return LAT_ERR_INVALID_ARGUMENT;
    Tensor *x = tensor_new(0, 0, 0, 0);
    int err = x ? lossy_synthesis_float(m, lat, 0, x) : LAT_ERR_OUT_OF_MEMORY;
    if (!err) {
        const size_t plane = (size_t)x->h * x->w;
        for (uint32_t r = 0; r < height; r++)
            for (uint32_t c = 0; c < width; c++) {
                const size_t at = (size_t)r * x->w + c;
                uint8_t *d = pixels + ((size_t)r * width + c) * channels;
                float v[3];
                for (int k = 0; k < 3; k++)
                    v[k] = x->data[k * plane + at];
                if (channels == 1)
                    v[0] = (v[0] + v[1] + v[2]) * (1.0f / 3.0f);
                for (uint32_t k = 0; k < channels; k++) {
                    float s = v[k] * 255.0f;
                    if (!(s >= 0))   /* also NaN */
                        s = 0;
                    if (s > 255)
                        s = 255;
                    d[k] = (uint8_t)lrintf(s);
                }
            }
    }
    tensor_free(x);
    return err;
}

double lossy_channel_ideal_bits(const LossyModel *m, const LossyLatents *lat, int channel)
{
    int pk;
    const double s = lossy_net_prior_at(&m->net, lossy_level_position(m->net.levels, lat->quality),
                                        channel, &pk);
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
    double bits = 0;
    for (int c = 0; c < lat->c; c++)
        bits += lossy_channel_ideal_bits(m, lat, c);
    return bits;
}
