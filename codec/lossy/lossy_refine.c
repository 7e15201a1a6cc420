/* Latent refinement by SGA through the fixed decoder (lossy_refine.h). */
#include "lossy/lossy_refine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "lossy/synthesis_grad.h"
#include "nn/det_threads.h"

/* Iterations per effort: each is a synthesis forward and backward, about
 * 0.38 s at 2 threads for a Kodak image (AMD EPYC: effort 5 8.5 s, effort
 * 9 47 s; models/README.md gives the measured times and the gains they
 * buy). */
static const int effort_iterations[LOSSY_MAX_EFFORT + 1] = {0, 4, 8, 12, 16, 20, 32, 52, 80,
                                                            120};

/* Adam's step on u (quantization units) and the temperature schedule:
 * REFINE_TAU for the first REFINE_HOLD of the iterations, then decaying
 * exponentially to REFINE_TAU_END at the last. */
#define REFINE_LR 0.02f
#define REFINE_TAU 0.5f
#define REFINE_TAU_END 0.05f
#define REFINE_HOLD 0.4
#define REFINE_EPS 1e-5f   /* SGA: distances to floor / ceil kept inside (0, 1) */

int lossy_refine_iterations(int effort)
{
    return effort >= 0 && effort <= LOSSY_MAX_EFFORT ? effort_iterations[effort] : 0;
}

/* The rate term of architecture 2: each channel's prior at the level
 * position (the nearest level's, bins scaled by its gain over the
 * interpolated one: lossy_net_prior_at). A hyperprior's term would take
 * this place. */
typedef struct RefineRate {
    const LossyNet *net;
    int M;
    size_t hw;
    int pk[LOSSY_MAX_M];
    double s[LOSSY_MAX_M];
} RefineRate;

/* Work over the channels, spread over the threads; each channel's result
 * lands in its own place (bits[k], its own plane), so nothing depends on
 * the split. */
typedef struct ChannelJob {
    const RefineRate *r;
    int k0, k1;
    const float *yhat;
    float scale;
    float *d;                 /* rate: d bits / d yhat, or NULL */
    double *bits;             /* rate: [M] */
    const float *u;           /* sampling: the continuous latents */
    float *yhat_out, *dsga;   /* sampling: relaxed values, their d / d u */
    float tau;
    uint64_t seed;
} ChannelJob;

static void for_channels(const RefineRate *r, void *(*fn)(void *), const ChannelJob *proto)
{
    const int nt = nn_det_threads(r->M);
    ChannelJob job[NN_DET_MAX_THREADS];
    for (int t = 0; t < nt; t++) {
        job[t] = *proto;
        job[t].k0 = r->M * t / nt;
        job[t].k1 = r->M * (t + 1) / nt;
    }
    nn_det_run(fn, job, sizeof job[0], nt);
}

static void *rate_work(void *arg)
{
    const ChannelJob *j = arg;
    const RefineRate *r = j->r;
    for (int k = j->k0; k < j->k1; k++) {
        const float *v = j->yhat + (size_t)k * r->hw;
        j->bits[k] = j->d ? prior_bits_dv(&r->net->prior, r->pk[k], v, r->hw, r->s[k], j->scale,
                                          j->d + (size_t)k * r->hw)
                          : prior_bits_scaled(&r->net->prior, r->pk[k], v, r->hw, r->s[k]);
    }
    return NULL;
}

/* Bits of yhat [M][hw]; with d, d[i] = scale * d bits / d yhat[i]. */
static double rate_bits(const RefineRate *r, const float *yhat, float scale, float *d)
{
    double bits[LOSSY_MAX_M];
    const ChannelJob job = {.r = r, .yhat = yhat, .scale = scale, .d = d, .bits = bits};
    for_channels(r, rate_work, &job);
    double sum = 0;
    for (int k = 0; k < r->M; k++)
        sum += bits[k];
    return sum;
}

static float temperature(int t, int iterations)
{
    const int hold = (int)(REFINE_HOLD * iterations);
    if (t < hold || iterations - 1 <= hold)
        return REFINE_TAU;
    const double f = (double)(t - hold) / (iterations - 1 - hold);
    return (float)(REFINE_TAU * pow(REFINE_TAU_END / REFINE_TAU, f));
}

/* SGA: a relaxed random choice between floor(u) and ceil(u), the nearer
 * the likelier (logits -atanh(distance) / tau), sampled with Gumbel noise
 * at temperature tau (the difference of two Gumbels is logistic). Returns
 * the relaxed value; *dv = its derivative in u. */
static float sga(float u, float tau, Rng *rng, float *dv)
{
    const float f = floorf(u), r = u - f;
    float lo = r, hi = 1.0f - r;
    const int lo_in = lo > REFINE_EPS && lo < 1 - REFINE_EPS;
    const int hi_in = hi > REFINE_EPS && hi < 1 - REFINE_EPS;
    lo = lo < REFINE_EPS ? REFINE_EPS : lo > 1 - REFINE_EPS ? 1 - REFINE_EPS : lo;
    hi = hi < REFINE_EPS ? REFINE_EPS : hi > 1 - REFINE_EPS ? 1 - REFINE_EPS : hi;
    float p = rng_uniform(rng);
    p = p < 1e-6f ? 1e-6f : p > 1 - 1e-6f ? 1 - 1e-6f : p;
    const float noise = logf(p) - logf(1.0f - p);
    const float a = (atanhf(lo) - atanhf(hi)) / tau;   /* logit(ceil) - logit(floor) */
    const float w = nn_sigmoid1((a + noise) / tau);
    const float da = ((lo_in ? 1.0f / (1.0f - lo * lo) : 0.0f)
                      + (hi_in ? 1.0f / (1.0f - hi * hi) : 0.0f)) / tau;
    *dv = w * (1.0f - w) / tau * da;
    return f + w;
}

/* Iteration t's noise: a stream of its own for each channel (splitmix64
 * seeds need not be far apart). */
static uint64_t sample_seed(uint64_t seed, int t)
{
    return 0x5ca1ab1e00000000ull ^ seed ^ ((uint64_t)t << 40);
}

static void *sample_work(void *arg)
{
    const ChannelJob *j = arg;
    const size_t hw = j->r->hw;
    for (int k = j->k0; k < j->k1; k++) {
        Rng rng;
        rng_seed(&rng, j->seed ^ ((uint64_t)k << 20));
        for (size_t i = (size_t)k * hw; i < (size_t)(k + 1) * hw; i++)
            j->yhat_out[i] = sga(j->u[i], j->tau, &rng, &j->dsga[i]);
    }
    return NULL;
}

/* Everything a refinement works with. */
typedef struct Refine {
    const LossyNet *net;
    RefineRate rate;
    SynthTarget target;
    SynthGradWork work;
    float g[LOSSY_MAX_M], ig[LOSSY_MAX_M];
    double d_coef, r_coef;      /* loss = d_coef sse + r_coef bits */
    Tensor *z, *dz;
    float *yhat, *dyhat, *dsga, *x;
} Refine;

static void refine_free(Refine *r)
{
    synth_grad_free(&r->work);
    tensor_free(r->z);
    tensor_free(r->dz);
    free(r->yhat);
    free(r->dyhat);
    free(r->dsga);
    free(r->x);
}

/* The loss of r->yhat (sets r->z); with grad, r->dz and r->dyhat get
 * its gradients. */
static int loss_at(Refine *r, int grad, double *loss)
{
    const size_t hw = r->rate.hw;
    for (int k = 0; k < r->rate.M; k++)
        for (size_t i = 0; i < hw; i++)
            r->z->data[k * hw + i] = r->yhat[k * hw + i] * r->ig[k];
    double sse;
    int err = synth_grad_sse(r->net, r->z, &r->target, 0, &r->work, &sse, grad ? r->dz : NULL);
    if (err < 0)
        return err;
    const double bits = rate_bits(&r->rate, r->yhat, (float)r->r_coef, grad ? r->dyhat : NULL);
    *loss = r->d_coef * sse + r->r_coef * bits;
    return isfinite(*loss) ? 0 : LAT_ERR_INTERNAL;
}

static int hard_loss(Refine *r, const int32_t *q, double *loss)
{
    const size_t n = (size_t)r->rate.M * r->rate.hw;
    for (size_t i = 0; i < n; i++)
        r->yhat[i] = (float)q[i];
    return loss_at(r, 0, loss);
}

static int32_t clamp_q(float v)
{
    return v >= LOSSY_Q_MAX ? LOSSY_Q_MAX : v <= -LOSSY_Q_MAX ? -LOSSY_Q_MAX : (int32_t)v;
}

int lossy_refine(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                 uint32_t channels, const Tensor *y, const LossyEncodeOptions *o,
                 LossyLatents *lat, LossyRefineStats *st)
{
    LossyRefineStats local;
    st = st ? st : &local;
    memset(st, 0, sizeof *st);
    const LossyNet *net = &m->net;
    const int iterations = lossy_refine_iterations(o->effort);
    if (iterations == 0 || net->hyper.z > 0)
        return 0;
    if (y->c != net->m || y->h != lat->h || y->w != lat->w || lat->c != net->m
        || (channels != 1 && channels != 3))
        return LAT_ERR_INVALID_ARGUMENT;
    const int M = net->m;
    const size_t hw = (size_t)y->h * y->w, n = (size_t)M * hw, npix = (size_t)width * height;
    const double pos = (double)lat->level / LOSSY_LEVEL_UNIT;
    Refine r = {net, {net, M, hw, {0}, {0}}, {NULL, (int)width, (int)height, (int)channels},
                {0}, {0}, {0}, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL};
    lossy_net_gains(net, pos, r.g, r.ig);
    for (int k = 0; k < M; k++)
        r.rate.s[k] = lossy_net_prior_at(net, pos, k, &r.rate.pk[k]);
    r.d_coef = lossy_net_lambda_at(net, pos) * 255.0 * 255.0 / ((double)npix * channels);
    r.r_coef = 1.0 / (double)npix;
    r.z = tensor_new(1, M, y->h, y->w);
    r.dz = tensor_new(1, M, y->h, y->w);
    r.yhat = malloc(sizeof(float) * n);
    r.dyhat = malloc(sizeof(float) * n);
    r.dsga = malloc(sizeof(float) * n);
    r.x = malloc(sizeof(float) * npix * channels);
    Param u = {NULL, NULL, 0};
    Param *params[1] = {&u};
    Adam adam;
    memset(&adam, 0, sizeof adam);
    int err = (!r.z || !r.dz || !r.yhat || !r.dyhat || !r.dsga || !r.x
               || param_alloc(&u, n) < 0 || adam_init(&adam, params, 1) < 0)
                  ? LAT_ERR_OUT_OF_MEMORY : 0;
    if (!err) {
        for (size_t p = 0; p < npix; p++)
            for (uint32_t k = 0; k < channels; k++)
                r.x[k * npix + p] = pixels[p * channels + k] * (1.0f / 255.0f);
        r.target.x = r.x;
        for (int k = 0; k < M; k++)
            for (size_t i = 0; i < hw; i++)
                u.v[k * hw + i] = y->data[k * hw + i] * r.g[k];   /* as lossy_quantize */
        adam.lr = REFINE_LR;
        adam.clip_norm = 0;
        err = hard_loss(&r, lat->q, &st->loss_before);
    }
    for (int t = 0; t < iterations && !err; t++) {
        const float tau = temperature(t, iterations);
        const ChannelJob job = {.r = &r.rate, .u = u.v, .yhat_out = r.yhat, .dsga = r.dsga,
                                .tau = tau, .seed = sample_seed(o->seed, t)};
        for_channels(&r.rate, sample_work, &job);
        double loss;
        if ((err = loss_at(&r, 1, &loss)) < 0)
            break;
        if (t == 0)
            st->first_loss = loss;
        st->last_loss = loss;
        for (int k = 0; k < M; k++)
            for (size_t i = 0; i < hw; i++) {
                const size_t at = k * hw + i;
                u.g[at] = (r.dyhat[at] + (float)r.d_coef * r.dz->data[at] * r.ig[k]) * r.dsga[at];
            }
        adam_step(&adam);
        st->iterations = t + 1;
        if (o->progress)
            o->progress(o->progress_ctx, (double)(t + 1) / iterations);
    }
    /* Hard rounding; kept when the model's loss is lower than g_a's. */
    int32_t *q = err ? NULL : malloc(sizeof(int32_t) * n);
    if (!err && !q)
        err = LAT_ERR_OUT_OF_MEMORY;
    if (!err) {
        for (size_t i = 0; i < n; i++)
            q[i] = clamp_q(rintf(u.v[i]));
        err = hard_loss(&r, q, &st->loss_after);
    }
    if (!err && st->loss_after < st->loss_before) {
        memcpy(lat->q, q, sizeof(int32_t) * n);
        st->kept = 1;
    }
    free(q);
    adam_free(&adam);
    param_free(&u);
    refine_free(&r);
    return err;
}
