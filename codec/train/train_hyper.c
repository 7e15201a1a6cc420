/* Forward and backward of the mean-scale hyperprior for the trainer, and
 * the discretised Gaussian rate (train_hyper.h). */
#include "train/train_hyper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void hyper_train_free(HyperTrain *h)
{
    Tensor *t[] = {h->ha_a[0], h->ha_a[1], h->ha_a[2], h->ha_r[0], h->ha_r[1], h->zr, h->zin,
                   h->hs_a[0], h->hs_a[1], h->hs_r[0], h->hs_r[1], h->ms, h->d_ms, h->d_hs_r[0],
                   h->d_hs_r[1], h->d_hs_a[0], h->d_hs_a[1], h->d_zin, h->d_z, h->d_ha_r[0],
                   h->d_ha_r[1], h->d_ha_a[0], h->d_ha_a[1], h->d_y};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        tensor_free(t[i]);
    free(h->d_rate);
    memset(h, 0, sizeof *h);
}

int hyper_train_alloc(HyperTrain *h, const LossyNet *net, int batch, int crop)
{
    memset(h, 0, sizeof *h);
    if (crop % 64 != 0)
        return -1;
    h->batch = batch;
    const int b = batch, n = net->n, m = net->m, z = net->hyper.z, hid = net->hyper.hidden;
    const int s1 = crop / 16, s2 = crop / 32, s4 = crop / 64;
    int err = 0;
#define NEW(p, C, S) do { p = tensor_new(b, C, S, S); err |= !p; } while (0)
    NEW(h->ha_a[0], n, s1);
    NEW(h->ha_r[0], n, s1);
    NEW(h->d_ha_a[0], n, s1);
    NEW(h->d_ha_r[0], n, s1);
    NEW(h->ha_a[1], n, s2);
    NEW(h->ha_r[1], n, s2);
    NEW(h->d_ha_a[1], n, s2);
    NEW(h->d_ha_r[1], n, s2);
    NEW(h->ha_a[2], z, s4);
    NEW(h->zr, z, s4);
    NEW(h->zin, z, s4);
    NEW(h->d_z, z, s4);
    NEW(h->d_zin, z, s4);
    NEW(h->hs_a[0], m, s2);
    NEW(h->hs_r[0], m, s2);
    NEW(h->d_hs_a[0], m, s2);
    NEW(h->d_hs_r[0], m, s2);
    NEW(h->hs_a[1], hid, s1);
    NEW(h->hs_r[1], hid, s1);
    NEW(h->d_hs_a[1], hid, s1);
    NEW(h->d_hs_r[1], hid, s1);
    NEW(h->ms, 2 * m, s1);
    NEW(h->d_ms, 2 * m, s1);
    NEW(h->d_y, m, s1);
#undef NEW
    h->d_rate = malloc(sizeof(float) * (size_t)s4 * s4);
    if (err || !h->d_rate) {
        hyper_train_free(h);
        return -1;
    }
    return 0;
}

/* A layer call: return its NN_ERR_* on failure. */
#define TRY(call) \
    do { \
        int e_ = (call); \
        if (e_ < 0) \
            return e_; \
    } while (0)

int hyper_train_forward(HyperTrain *h, LossyNet *net, const Tensor *y, const int *level, int ste,
                        float rate_scale, const uint64_t *noise_seed, NnScratch *s, double *bits_z)
{
    HyperNet *hn = &net->hyper;
    TRY(conv2d_forward(&hn->ha[0], y, h->ha_a[0], s));
    nn_relu(h->ha_a[0]->data, h->ha_r[0]->data, tensor_count(h->ha_a[0]));
    TRY(conv2d_forward(&hn->ha[1], h->ha_r[0], h->ha_a[1], s));
    nn_relu(h->ha_a[1]->data, h->ha_r[1]->data, tensor_count(h->ha_a[1]));
    TRY(conv2d_forward(&hn->ha[2], h->ha_r[1], h->ha_a[2], s));
    const Tensor *z = h->ha_a[2];
    const int Z = hn->z;
    const size_t hw = (size_t)z->h * z->w;
    double bits = 0;
    for (int b = 0; b < h->batch; b++) {
        const int l = level[b];
        Rng noise;   /* the sample's own stream, apart from y's */
        rng_seed(&noise, noise_seed[b] ^ 0xA5A5A5A5A5A5A5A5ull);
        for (int k = 0; k < Z; k++) {
            const float gz = expf(hn->zgain.v[(size_t)l * Z + k]);
            const float igz = expf(hn->zigain.v[(size_t)l * Z + k]);
            const size_t off = ((size_t)b * Z + k) * hw;
            const float *zp = z->data + off;
            float *zr = h->zr->data + off, *zin = h->zin->data + off, *dz = h->d_z->data + off;
            for (size_t i = 0; i < hw; i++) {
                const float v = zp[i] * gz;
                zr[i] = v + rng_uniform(&noise) - 0.5f;
                zin[i] = (ste ? rintf(v) : zr[i]) * igz;
            }
            bits += prior_bits_backward(&hn->zprior, hyper_zprior_channel(hn, l, k), zr, hw,
                                        rate_scale, h->d_rate);
            double dg = 0;
            for (size_t i = 0; i < hw; i++) {
                dz[i] = h->d_rate[i] * gz;
                dg += (double)h->d_rate[i] * zp[i] * gz;
            }
            hn->zgain.g[(size_t)l * Z + k] += (float)dg;
        }
    }
    TRY(deconv2d_forward(&hn->hs[0], h->zin, h->hs_a[0], s));
    nn_relu(h->hs_a[0]->data, h->hs_r[0]->data, tensor_count(h->hs_a[0]));
    TRY(deconv2d_forward(&hn->hs[1], h->hs_r[0], h->hs_a[1], s));
    nn_relu(h->hs_a[1]->data, h->hs_r[1]->data, tensor_count(h->hs_a[1]));
    TRY(conv2d_forward(&hn->hs_out, h->hs_r[1], h->ms, s));
    *bits_z += bits;
    return 0;
}

double hyper_gaussian_bits(double r, double sigma, double *d_r, double *d_sigma)
{
    /* Both tails through erfc of a non-negative argument: no cancellation. */
    const double a = fabs(r), inv = 1.0 / sigma;
    const double u = (0.5 - a) * inv, v = (-0.5 - a) * inv;
    const double upper = 0.5 * erfc(-u * M_SQRT1_2), lower = 0.5 * erfc(-v * M_SQRT1_2);
    double p = upper - lower;
    if (p < PRIOR_P_MIN)
        p = PRIOR_P_MIN;   /* the floor passes the gradient (it pushes p up) */
    if (d_r || d_sigma) {
        const double c = 0.3989422804014327;   /* 1 / sqrt(2 pi) */
        const double pu = c * exp(-0.5 * u * u), pv = c * exp(-0.5 * v * v);
        const double dbits_dp = -1.0 / (p * M_LN2);
        if (d_r)
            *d_r = dbits_dp * (pv - pu) * inv * (r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0));
        if (d_sigma)
            *d_sigma = dbits_dp * (v * pv - u * pu) * inv;
    }
    return -log2(p);
}

double hyper_train_y_bits(HyperTrain *h, const LossyNet *net, int b, int k, float lg,
                          const float *yr, size_t n, float rate_scale, float *d_yr, double *d_lg)
{
    const int M = net->m;
    const double g = exp((double)lg);
    const float *mu = h->ms->data + ((size_t)b * 2 * M + k) * n;
    const float *sc = h->ms->data + ((size_t)b * 2 * M + M + k) * n;
    float *d_mu = h->d_ms->data + ((size_t)b * 2 * M + k) * n;
    float *d_sc = h->d_ms->data + ((size_t)b * 2 * M + M + k) * n;
    double bits = 0, dlg = 0;
    for (size_t i = 0; i < n; i++) {
        const double mup = mu[i] * g, r = yr[i] - mup;
        const double e = exp((double)sc[i] + lg);
        const double sigma = e < HYPER_SCALE_MIN ? HYPER_SCALE_MIN : e;
        double dr, dsig;
        bits += hyper_gaussian_bits(r, sigma, &dr, &dsig);
        dr *= rate_scale;
        dsig *= rate_scale;
        /* The scale's lower bound passes the gradient when it pushes sigma up. */
        const double dt = (e >= HYPER_SCALE_MIN || dsig < 0) ? dsig * e : 0.0;
        d_yr[i] = (float)dr;
        d_mu[i] = (float)(-dr * g);
        d_sc[i] = (float)dt;
        dlg += -dr * mup + dt;
    }
    *d_lg = dlg;
    return bits;
}

int hyper_train_backward(HyperTrain *h, LossyNet *net, const Tensor *y, const int *level,
                         Tensor *d_y, NnScratch *s)
{
    /* (with --ste the straight-through gradient of round is that of the noise) */
    HyperNet *hn = &net->hyper;
    TRY(conv2d_backward(&hn->hs_out, h->hs_r[1], h->d_ms, h->d_hs_r[1], s));
    nn_relu_backward(h->hs_a[1]->data, h->d_hs_r[1]->data, h->d_hs_a[1]->data,
                     tensor_count(h->hs_a[1]));
    TRY(deconv2d_backward(&hn->hs[1], h->hs_r[0], h->d_hs_a[1], h->d_hs_r[0], s));
    nn_relu_backward(h->hs_a[0]->data, h->d_hs_r[0]->data, h->d_hs_a[0]->data,
                     tensor_count(h->hs_a[0]));
    TRY(deconv2d_backward(&hn->hs[0], h->zin, h->d_hs_a[0], h->d_zin, s));
    const Tensor *z = h->ha_a[2];
    const int Z = hn->z;
    const size_t hw = (size_t)z->h * z->w;
    for (int b = 0; b < h->batch; b++) {
        const int l = level[b];
        for (int k = 0; k < Z; k++) {
            const float gz = expf(hn->zgain.v[(size_t)l * Z + k]);
            const float igz = expf(hn->zigain.v[(size_t)l * Z + k]);
            const size_t off = ((size_t)b * Z + k) * hw;
            const float *zp = z->data + off, *zin = h->zin->data + off;
            const float *dzin = h->d_zin->data + off;
            float *dz = h->d_z->data + off;
            double dg = 0, dig = 0;
            for (size_t i = 0; i < hw; i++) {
                dz[i] += dzin[i] * igz * gz;
                dg += (double)dzin[i] * igz * zp[i] * gz;
                dig += (double)dzin[i] * zin[i];
            }
            hn->zgain.g[(size_t)l * Z + k] += (float)dg;
            hn->zigain.g[(size_t)l * Z + k] += (float)dig;
        }
    }
    TRY(conv2d_backward(&hn->ha[2], h->ha_r[1], h->d_z, h->d_ha_r[1], s));
    nn_relu_backward(h->ha_a[1]->data, h->d_ha_r[1]->data, h->d_ha_a[1]->data,
                     tensor_count(h->ha_a[1]));
    TRY(conv2d_backward(&hn->ha[1], h->ha_r[0], h->d_ha_a[1], h->d_ha_r[0], s));
    nn_relu_backward(h->ha_a[0]->data, h->d_ha_r[0]->data, h->d_ha_a[0]->data,
                     tensor_count(h->ha_a[0]));
    TRY(conv2d_backward(&hn->ha[0], y, h->d_ha_a[0], h->d_y, s));
    const size_t n = tensor_count(d_y);
    for (size_t i = 0; i < n; i++)
        d_y->data[i] += h->d_y->data[i];
    return 0;
}

int hyper_val_latents(const LossyNet *net, Tensor *y, double pos, double *bits_y, double *bits_z,
                      NnScratch *s)
{
    const HyperNet *hn = &net->hyper;
    const int M = net->m, Z = hn->z, zl = hyper_z_level(net->levels, pos);
    const size_t hw = (size_t)y->h * y->w;
    Tensor *tmp[2] = {tensor_new(0, 0, 0, 0), tensor_new(0, 0, 0, 0)};
    Tensor *z = tensor_new(0, 0, 0, 0), *ms = tensor_new(0, 0, 0, 0);
    float *lg = malloc(sizeof(float) * (size_t)M), *lig = malloc(sizeof(float) * (size_t)M);
    int err = -1;
    *bits_y = *bits_z = 0;
    if (!tmp[0] || !tmp[1] || !z || !ms || !lg || !lig || hyper_net_analysis(hn, y, z, tmp, s) < 0)
        goto done;
    const size_t zhw = (size_t)z->h * z->w;
    for (int k = 0; k < Z; k++) {
        const float gz = expf(hn->zgain.v[(size_t)zl * Z + k]);
        const float igz = expf(hn->zigain.v[(size_t)zl * Z + k]);
        float *zp = z->data + (size_t)k * zhw;
        for (size_t i = 0; i < zhw; i++)
            zp[i] = rintf(zp[i] * gz);
        *bits_z += prior_bits(&hn->zprior, hyper_zprior_channel(hn, zl, k), zp, zhw);
        for (size_t i = 0; i < zhw; i++)
            zp[i] *= igz;
    }
    if (hyper_net_synthesis(hn, z, y->h, y->w, ms, tmp, s) < 0)
        goto done;
    lossy_net_log_gains(net, pos, lg, lig);
    for (int k = 0; k < M; k++) {
        const double g = exp((double)lg[k]), ig = exp((double)lig[k]);
        float *yp = y->data + (size_t)k * hw;
        const float *mu = ms->data + (size_t)k * hw, *sc = ms->data + (size_t)(M + k) * hw;
        for (size_t i = 0; i < hw; i++) {
            const double mup = mu[i] * g, q = rint(yp[i] * g - mup);
            const double e = exp((double)sc[i] + lg[k]);
            const double sigma = e < HYPER_SCALE_MIN ? HYPER_SCALE_MIN : e;
            *bits_y += hyper_gaussian_bits(q, sigma, NULL, NULL);
            yp[i] = (float)((q + mup) * ig);
        }
    }
    err = 0;
done:
    tensor_free(tmp[0]);
    tensor_free(tmp[1]);
    tensor_free(z);
    tensor_free(ms);
    free(lg);
    free(lig);
    return err;
}
