/* Architecture 3's lossy latents (hyper_codec.h). */
#include "lossy/hyper_codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lat.h"
#include "lossy/det_math.h"
#include "lossy/gauss_table.h"
#include "nn/det_conv.h"
#include "common/range_coder.h"

/* No contraction of a*b+c into fma (clang contracts by default; GCC does
 * not in the ISO C mode the build uses, and ignores this pragma). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define PARAMS_SIZE 16

int hyper_z_level_of(int levels, int T)
{
    const int l = T >= 0 ? (T + 128) / 256 : 0;
    return l < levels - 1 ? l : levels - 1;
}

void hyper_log_gains(const LossyNet *net, int T, float *lg)
{
    const int L = net->levels, M = net->m;
    const float t = (float)T / 256.0f;   /* exact */
    int a = T >= 0 ? T / 256 : 0;
    if (a > L - 2)
        a = L > 1 ? L - 2 : 0;
    const int b = L > 1 ? a + 1 : a;
    const float f = t - (float)a;        /* exact */
    for (int c = 0; c < M; c++) {
        const float ga = net->gain.v[(size_t)a * M + c], gb = net->gain.v[(size_t)b * M + c];
        lg[c] = fmaf(f, gb - ga, ga);
    }
}

/* ---- h_a and h_s on the deterministic kernels (nn/det_conv.h): each
 * output is acc = bias, then over ci, ki, kj ascending acc = fmaf(w, x, acc),
 * taps in the zero padding included; then ReLU. The same bits on every
 * kernel path and thread count. The layers are small next to g_a / g_s, so
 * their weights are packed per call. ---- */

/* y = layer(x), one of conv / deconv non-NULL. Returns 0 or a LatError. */
static int det_layer(const Conv2d *conv, const Deconv2d *deconv, const Tensor *x, Tensor *y,
                     int relu)
{
    NnDetConv d;
    int oh, ow, err;
    if (conv) {
        conv2d_out_size(conv, x->h, x->w, &oh, &ow);
        err = nn_det_conv2d_pack(&d, conv);
    } else {
        deconv2d_out_size(deconv, x->h, x->w, &oh, &ow);
        err = nn_det_deconv2d_pack(&d, deconv);
    }
    if (err < 0)
        return err == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL;
    const NnDetPost post = {relu, NULL};
    err = tensor_reshape(y, 1, d.cout, oh, ow) < 0 ? NN_ERR_NOMEM
          : conv ? nn_det_conv2d_forward(&d, x, y, &post)
                 : nn_det_deconv2d_forward(&d, x, y, &post);
    nn_det_conv_free(&d);
    return err == 0 ? 0 : err == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL;
}

static void z_grid(int h, int w, int *zh, int *zw)
{
    *zh = ((h + 1) / 2 + 1) / 2;   /* two stride-2 convs of pad 2, kernel 5 */
    *zw = ((w + 1) / 2 + 1) / 2;
}

int hyper_predict(const LossyNet *net, const int32_t *zq, int h, int w, int T, uint8_t *scale,
                  float *mean)
{
    const HyperNet *hn = &net->hyper;
    const int M = net->m, Z = hn->z, H = hn->hidden, zl = hyper_z_level_of(net->levels, T);
    int zh, zw;
    z_grid(h, w, &zh, &zw);
    Tensor *zin = tensor_new(1, Z, zh, zw), *a1 = tensor_new(0, 0, 0, 0);
    Tensor *a2 = tensor_new(0, 0, 0, 0), *crop = tensor_new(1, H, h, w);
    Tensor *ms = tensor_new(0, 0, 0, 0);
    float *lg = malloc(sizeof(float) * (size_t)M);
    int err = LAT_ERR_OUT_OF_MEMORY;
    if (!zin || !a1 || !a2 || !crop || !ms || !lg)
        goto done;
    for (int k = 0; k < Z; k++) {
        const float igz = det_expf(hn->zigain.v[(size_t)zl * Z + k]);
        for (int i = 0; i < zh * zw; i++)
            zin->data[(size_t)k * zh * zw + i] = (float)zq[(size_t)k * zh * zw + i] * igz;
    }
    if ((err = det_layer(NULL, &hn->hs[0], zin, a1, 1)) < 0
        || (err = det_layer(NULL, &hn->hs[1], a1, a2, 1)) < 0)
        goto done;
    const int h2 = a2->h, w2 = a2->w;   /* 4 zh x 4 zw */
    for (int c = 0; c < H; c++)
        for (int r = 0; r < h; r++)
            memcpy(crop->data + ((size_t)c * h + r) * w, a2->data + ((size_t)c * h2 + r) * w2,
                   sizeof(float) * (size_t)w);
    if ((err = det_layer(&hn->hs_out, NULL, crop, ms, 0)) < 0)
        goto done;
    hyper_log_gains(net, T, lg);
    const size_t hw = (size_t)h * w;
    for (int c = 0; c < M; c++) {
        const float g = det_expf(lg[c]);
        for (size_t i = 0; i < hw; i++) {
            if (scale)
                scale[c * hw + i] = (uint8_t)gauss_scale_index(ms->data[(M + c) * hw + i] + lg[c]);
            mean[c * hw + i] = ms->data[c * hw + i] * g;
        }
    }
    err = 0;
done:
    tensor_free(zin);
    tensor_free(a1);
    tensor_free(a2);
    tensor_free(crop);
    tensor_free(ms);
    free(lg);
    return err;
}

static int32_t clamp_q(float v)
{
    if (!(v >= -GAUSS_VALUE_MAX))   /* also NaN */
        return -GAUSS_VALUE_MAX;
    return v > GAUSS_VALUE_MAX ? GAUSS_VALUE_MAX : (int32_t)v;
}

static int alloc_latents(LossyLatents *l, int M, int Z, int h, int w)
{
    const size_t hw = (size_t)h * w;
    l->c = M;
    l->h = h;
    l->w = w;
    l->zc = Z;
    z_grid(h, w, &l->zh, &l->zw);
    l->q = malloc(sizeof(int32_t) * M * hw);
    l->zq = malloc(sizeof(int32_t) * (size_t)Z * l->zh * l->zw);
    l->mean = malloc(sizeof(float) * M * hw);
    l->scale = malloc((size_t)M * hw);
    return l->q && l->zq && l->mean && l->scale ? 0 : LAT_ERR_OUT_OF_MEMORY;
}

int hyper_analyze(const LossyModel *m, const Tensor *y, int quality, int level,
                  LossyLatents *out)
{
    const LossyNet *net = &m->net;
    const HyperNet *hn = &net->hyper;
    const int M = net->m, Z = hn->z, h = y->h, w = y->w;
    memset(out, 0, sizeof *out);
    out->quality = quality;
    out->level = level;
    Tensor *z = tensor_new(0, 0, 0, 0), *tmp[2] = {tensor_new(0, 0, 0, 0), tensor_new(0, 0, 0, 0)};
    float *lg = malloc(sizeof(float) * (size_t)M);
    int err = (!z || !tmp[0] || !tmp[1] || !lg) ? LAT_ERR_OUT_OF_MEMORY
                                                : alloc_latents(out, M, Z, h, w);
    /* h_a on the deterministic kernels too: the encoder's z (and so its
     * file) is the same on every machine, as its y is (FORMAT.md 4.4). */
    if (!err)
        err = det_layer(&hn->ha[0], NULL, y, tmp[0], 1);
    if (!err)
        err = det_layer(&hn->ha[1], NULL, tmp[0], tmp[1], 1);
    if (!err)
        err = det_layer(&hn->ha[2], NULL, tmp[1], z, 0);
    if (!err && (z->h != out->zh || z->w != out->zw))
        err = LAT_ERR_INTERNAL;
    if (!err) {
        const int zl = hyper_z_level_of(net->levels, out->level);
        const size_t zhw = (size_t)z->h * z->w;
        for (int k = 0; k < Z; k++) {
            const float gz = det_expf(hn->zgain.v[(size_t)zl * Z + k]);
            for (size_t i = 0; i < zhw; i++)
                out->zq[k * zhw + i] = clamp_q(rintf(z->data[k * zhw + i] * gz));
        }
        err = hyper_predict(net, out->zq, h, w, out->level, out->scale, out->mean);
    }
    if (!err) {
        hyper_log_gains(net, out->level, lg);
        const size_t hw = (size_t)h * w;
        for (int c = 0; c < M; c++) {
            const float g = det_expf(lg[c]);
            for (size_t i = 0; i < hw; i++)
                out->q[c * hw + i] = clamp_q(rintf(y->data[c * hw + i] * g - out->mean[c * hw + i]));
        }
    }
    tensor_free(z);
    tensor_free(tmp[0]);
    tensor_free(tmp[1]);
    free(lg);
    if (err)
        lossy_latents_free(out);
    return err;
}

/* ---- z's frequency tables, from the prior of level zl evaluated with
 * det_math (the order of lossy/prior.h's evaluation, in double). ---- */

/* One channel's prior with its softplus'd matrices and tanh'd factors
 * computed once (the same values for every bin edge). */
typedef struct DetPrior {
    double sp[PRIOR_NMAT], th[PRIOR_NFAC];
    const float *bias;
} DetPrior;

static void det_prior_init(DetPrior *d, const Prior *p, int k)
{
    const float *mat = p->matrices.v + (size_t)k * PRIOR_NMAT;
    const float *fac = p->factors.v + (size_t)k * PRIOR_NFAC;
    for (int i = 0; i < PRIOR_NMAT; i++)
        d->sp[i] = det_softplus(mat[i]);
    for (int i = 0; i < PRIOR_NFAC; i++)
        d->th[i] = det_tanh(fac[i]);
    d->bias = p->biases.v + (size_t)k * PRIOR_NBIAS;
}

static double det_logit(const DetPrior *d, double x)
{
    static const int rows[5] = {3, 3, 3, 3, 1}, cols[5] = {1, 3, 3, 3, 3};
    static const int mat_off[5] = {0, 3, 12, 21, 30}, bias_off[5] = {0, 3, 6, 9, 12};
    double f[3] = {x, 0, 0};
    for (int l = 0; l < 5; l++) {
        double zv[3];
        for (int r = 0; r < rows[l]; r++) {
            double acc = d->bias[bias_off[l] + r];
            for (int j = 0; j < cols[l]; j++)
                acc = fma(d->sp[mat_off[l] + r * cols[l] + j], f[j], acc);
            zv[r] = acc;
        }
        if (l == 4)
            return zv[0];
        for (int r = 0; r < 3; r++)
            f[r] = fma(d->th[l * 3 + r], det_tanh(zv[r]), zv[r]);
    }
    return 0;
}

#define Z_SYMBOLS (2 * HYPER_Z_RADIUS + 2)

/* cdf [Z][Z_SYMBOLS + 1] for level zl. */
static void z_tables(const HyperNet *hn, int zl, uint32_t *cdf)
{
    double p[Z_SYMBOLS], logit[2 * HYPER_Z_RADIUS + 2];
    for (int k = 0; k < hn->z; k++) {
        DetPrior d;
        det_prior_init(&d, &hn->zprior, hyper_zprior_channel(hn, zl, k));
        for (int i = 0; i <= 2 * HYPER_Z_RADIUS + 1; i++)   /* bin edges v - 1/2 */
            logit[i] = det_logit(&d, i - HYPER_Z_RADIUS - 0.5);
        for (int s = 0; s < Z_SYMBOLS - 1; s++) {
            const double lo = logit[s], hi = logit[s + 1];
            const double sg = lo + hi > 0 ? -1.0 : 1.0;   /* the sign trick */
            p[s] = fabs(det_sigmoid(sg * hi) - det_sigmoid(sg * lo));
        }
        p[Z_SYMBOLS - 1] = det_sigmoid(logit[0]) + det_sigmoid(-logit[2 * HYPER_Z_RADIUS + 1]);
        freq_table_from_pmf(p, Z_SYMBOLS, cdf + (size_t)k * (Z_SYMBOLS + 1));
    }
}

/* Shared by the ideal bits, the encoder and the decoder. */
typedef struct Tables {
    GaussTables g;
    uint32_t *zcdf;
} Tables;

static int tables_init(Tables *t, const LossyNet *net, int T)
{
    t->zcdf = malloc(sizeof(uint32_t) * (size_t)net->hyper.z * (Z_SYMBOLS + 1));
    if (!t->zcdf || gauss_tables_init(&t->g) < 0) {
        free(t->zcdf);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    z_tables(&net->hyper, hyper_z_level_of(net->levels, T), t->zcdf);
    return 0;
}

static void tables_free(Tables *t)
{
    gauss_tables_free(&t->g);
    free(t->zcdf);
}

double hyper_ideal_bits(const LossyModel *m, const LossyLatents *lat)
{
    Tables t;
    if (!lat->zq || tables_init(&t, &m->net, lat->level) < 0)
        return NAN;
    double bits = 0;
    const size_t zhw = (size_t)lat->zh * lat->zw, hw = (size_t)lat->h * lat->w;
    for (int k = 0; k < lat->zc; k++)
        for (size_t i = 0; i < zhw; i++)
            bits += sym_bits(t.zcdf + (size_t)k * (Z_SYMBOLS + 1), HYPER_Z_RADIUS,
                             lat->zq[k * zhw + i]);
    for (size_t i = 0; i < (size_t)lat->c * hw; i++)
        bits += gauss_table_bits(&t.g, lat->scale[i], lat->q[i]);
    tables_free(&t);
    return bits;
}

int hyper_latents_to_streams(const LossyModel *m, const LossyLatents *lat, StreamList *out)
{
    uint8_t *params = calloc(1, PARAMS_SIZE);
    if (!params)
        return LAT_ERR_OUT_OF_MEMORY;
    params[0] = LOSSY_PARAMS_VERSION_HYPER;
    params[1] = (uint8_t)lat->quality;
    put_u16(params + 2, (uint32_t)lat->c);
    put_u32(params + 4, (uint32_t)lat->h);
    put_u32(params + 8, (uint32_t)lat->w);
    put_u16(params + 14, (uint32_t)(uint16_t)(int16_t)lat->level);
    if (streams_push(out, STREAM_LOSSY_PARAMS, params, PARAMS_SIZE, 0) < 0)
        return LAT_ERR_LIMIT_EXCEEDED;
    Tables t;
    int err = tables_init(&t, &m->net, lat->level);
    if (err < 0)
        return err;
    RcEncoder e;
    rc_enc_init(&e);
    const size_t zhw = (size_t)lat->zh * lat->zw, hw = (size_t)lat->h * lat->w;
    for (int k = 0; k < lat->zc; k++)
        for (size_t i = 0; i < zhw; i++)
            sym_encode(&e, t.zcdf + (size_t)k * (Z_SYMBOLS + 1), HYPER_Z_RADIUS,
                       lat->zq[k * zhw + i]);
    for (size_t i = 0; i < (size_t)lat->c * hw; i++)
        gauss_encode(&e, &t.g, lat->scale[i], lat->q[i]);
    tables_free(&t);
    uint8_t *buf;
    size_t size;
    if (rc_enc_finish(&e, &buf, &size) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    /* The range coder's output does not compress: stored as is (level 0). */
    return streams_push(out, STREAM_LOSSY_LATENTS, buf, size, 0) < 0 ? LAT_ERR_LIMIT_EXCEEDED : 0;
}

int hyper_streams_to_latents(const LossyModel *m, const StreamList *in, uint32_t lh, uint32_t lw,
                             LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    const LossyNet *net = &m->net;
    const Stream *params = NULL, *data = NULL;
    for (uint32_t i = 0; i < in->count; i++) {
        const Stream **slot = in->s[i].type == STREAM_LOSSY_PARAMS    ? &params
                            : in->s[i].type == STREAM_LOSSY_LATENTS ? &data : NULL;
        if (slot && *slot)
            return LAT_ERR_STREAM_CORRUPT;   /* exactly one of each */
        if (slot)
            *slot = &in->s[i];
    }
    if (!params || !data || params->size != PARAMS_SIZE)
        return LAT_ERR_STREAM_CORRUPT;
    const uint8_t *p = params->data;
    const int T = (int)(int16_t)get_u16(p + 14);
    if (p[0] != LOSSY_PARAMS_VERSION_HYPER || net->hyper.z == 0 || p[1] > 100
        || get_u16(p + 2) != (uint32_t)net->m || get_u32(p + 4) != lh || get_u32(p + 8) != lw
        || p[12] != 0 || p[13] != 0 || T < LOSSY_MIN_LEVEL_POSITION * LOSSY_LEVEL_UNIT
        || T > (net->levels - 1) * LOSSY_LEVEL_UNIT || lh == 0 || lw == 0)
        return LAT_ERR_STREAM_CORRUPT;
    out->quality = p[1];
    out->level = T;
    int err = alloc_latents(out, net->m, net->hyper.z, (int)lh, (int)lw);
    Tables t = {0};
    if (!err)
        err = tables_init(&t, net, T);
    if (err) {
        lossy_latents_free(out);
        return err;
    }
    RcDecoder d;
    err = rc_dec_init(&d, data->data, data->size) < 0 ? LAT_ERR_STREAM_CORRUPT : 0;
    const size_t zhw = (size_t)out->zh * out->zw, hw = (size_t)lh * lw;
    for (int k = 0; k < out->zc && !err; k++)
        for (size_t i = 0; i < zhw && !err; i++)
            if (sym_decode(&d, t.zcdf + (size_t)k * (Z_SYMBOLS + 1), HYPER_Z_RADIUS,
                           &out->zq[k * zhw + i]) < 0)
                err = LAT_ERR_STREAM_CORRUPT;
    if (!err)
        err = hyper_predict(net, out->zq, (int)lh, (int)lw, T, out->scale, out->mean);
    for (size_t i = 0; i < (size_t)out->c * hw && !err; i++)
        if (gauss_decode(&d, &t.g, out->scale[i], &out->q[i]) < 0)
            err = LAT_ERR_STREAM_CORRUPT;
    if (!err && rc_dec_finish(&d) < 0)
        err = LAT_ERR_STREAM_CORRUPT;
    tables_free(&t);
    if (err)
        lossy_latents_free(out);
    return err;
}
