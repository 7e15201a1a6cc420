/* The trainer: minibatch sampling, batched forward/backward of the lossy
 * network with gain units and the factorized prior, Adam with a cosine
 * learning-rate decay by step count, validation and checkpoints. */
#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "lat.h"
#include "lossy/lossy.h"
#include "lossy/lossy_latents.h"
#include "lossy/lossy_net.h"
#include "lossy/model_file.h"
#include "nn/det_threads.h"
#include "nn/det_train.h"
#include "train/train_data.h"
#include "train/train_hyper.h"

/* Tensors before the last 3 (a factorized prior: of y, or of z with a
 * hyperprior), which have their own optimizer (--prior-lr-mult). */
#define NET_PARAMS(t) ((t)->ntensors - 3)

/* One thread's part of this process's share of the minibatch: samples
 * [first, first + local) of that share, their activations, and the network
 * it runs: the trainer's own (shard 0), or a replica that shares the
 * trainer's values and has gradients of its own, added to the trainer's in
 * shard order after every pass (so the sums never depend on timing). */
typedef struct Shard {
    struct Trainer *t;
    LossyNet *net;           /* &t->net or &replica */
    LossyNet replica;
    int first, local;
    int *level;              /* [local] */
    uint64_t *noise_seed;    /* [local]: seeds of each sample's noise stream */
    NnScratch scratch;
    /* Activations (shapes for local samples of the configured crop). */
    Tensor *x, *ga_a[4], *ga_g[3];   /* ga_a[3] = y */
    Tensor *y_rate, *z;              /* y*g + u (rate), decoder input */
    Tensor *gs_a[4], *gs_g[3];       /* gs_a[3] = x_hat */
    /* Gradients. */
    Tensor *d_ga_a[4], *d_ga_g[3], *d_z, *d_gs_a[4], *d_gs_g[3];
    float *d_rate;                   /* one latent plane */
    HyperTrain hyper;                /* architecture 3 */
    double sums[3];                  /* its loss share, bits, summed MSE */
    int err;
} Shard;

struct Trainer {
    TrainConfig cfg;
    LossyNet net;
    Adam adam_net, adam_prior;
    Param *params[LOSSY_MAX_TENSORS];
    int ntensors;
    long step;
    long start_step;          /* step this run started from (warmup) */
    Rng rng;
    ImageSet train;          /* every scale copy of every training image */
    int train_originals;
    ImageSet val;            /* center crops of validation images */
    int first, local;        /* this process: samples [first, first + local) of the batch */
    Shard *shard;            /* [nshards]: threads, each with part of local */
    int nshards;
    /* The transforms on the deterministic kernels (forwards and input
     * gradients), packed from the weights before every pass; the shards
     * share them. */
    NnDetTrainLayer det_ga[4], det_gs[4];
    NnDetGdn det_ga_gdn[3], det_gs_gdn[3];
    float *flat_grad;        /* all gradients, for cfg.reduce */
};

void train_default_config(TrainConfig *c)
{
    static const float lambdas[7] = {0.0018f, 0.0035f, 0.0067f, 0.0130f, 0.0250f, 0.0483f, 0.0932f};
    memset(c, 0, sizeof *c);
    c->n = 64;
    c->m = 96;
    c->levels = 7;
    memcpy(c->lambdas, lambdas, sizeof lambdas);
    c->batch = 8;
    c->crop = 128;
    c->lr = 1e-3f;
    c->lr_min = 1e-4f;
    c->decay_start = 15000;
    c->decay_steps = 30000;
    c->prior_lr_mult = 1.0f;
    c->clip = 1.0f;
    c->min_scale = 0.5f;
    c->scale_copies = 3;
    c->ste = 0;
    c->per_level_prior = 1;
    c->seed = 1;
    c->threads = 2;
    c->shard = 0;
    c->shards = 1;
    snprintf(c->model_id, sizeof c->model_id, "photo-f%dm%d-v1", c->n, c->m);
}


static void free_shard(Shard *s)
{
    Tensor **all[] = {&s->x, &s->y_rate, &s->z, &s->d_z};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        tensor_free(*all[i]);
    for (int i = 0; i < 4; i++) {
        tensor_free(s->ga_a[i]);
        tensor_free(s->gs_a[i]);
        tensor_free(s->d_ga_a[i]);
        tensor_free(s->d_gs_a[i]);
    }
    for (int i = 0; i < 3; i++) {
        tensor_free(s->ga_g[i]);
        tensor_free(s->gs_g[i]);
        tensor_free(s->d_ga_g[i]);
        tensor_free(s->d_gs_g[i]);
    }
    if (s->net == &s->replica) {   /* its gradients only: the values are the trainer's */
        NetTensor nt[LOSSY_MAX_TENSORS];
        const int n = lossy_net_tensors(&s->replica, nt);
        for (int i = 0; i < n; i++)
            free(nt[i].p->g);
    }
    free(s->d_rate);
    free(s->level);
    free(s->noise_seed);
    nn_scratch_free(&s->scratch);
    hyper_train_free(&s->hyper);
    memset(s, 0, sizeof *s);
}

/* Shard k of n: its samples, its network (a replica for k > 0) and its
 * activations. Returns 0 or -1. */
static int alloc_shard(Trainer *t, Shard *s, int k, int n_shards)
{
    s->t = t;
    s->first = k * t->local / n_shards;
    s->local = (k + 1) * t->local / n_shards - s->first;
    s->net = &t->net;
    if (k > 0) {
        s->replica = t->net;   /* shallow: the same values ... */
        s->net = &s->replica;
        NetTensor nt[LOSSY_MAX_TENSORS];
        const int n = lossy_net_tensors(&s->replica, nt);
        for (int i = 0; i < n; i++)   /* ... and gradients of its own */
            nt[i].p->g = NULL;
        for (int i = 0; i < n; i++)
            if (param_alloc_grad(nt[i].p) < 0)
                return -1;
    }
    const int b = s->local, c = t->cfg.crop, n = t->net.n, m = t->net.m;
    int err = 0;
#define NEW(p, C, S) do { p = tensor_new(b, C, S, S); err |= !p; } while (0)
    NEW(s->x, 3, c);
    for (int i = 0; i < 3; i++) {
        NEW(s->ga_a[i], n, c >> (i + 1));
        NEW(s->ga_g[i], n, c >> (i + 1));
        NEW(s->d_ga_a[i], n, c >> (i + 1));
        NEW(s->d_ga_g[i], n, c >> (i + 1));
        NEW(s->gs_a[i], n, c >> (3 - i));
        NEW(s->gs_g[i], n, c >> (3 - i));
        NEW(s->d_gs_a[i], n, c >> (3 - i));
        NEW(s->d_gs_g[i], n, c >> (3 - i));
    }
    NEW(s->ga_a[3], m, c >> 4);
    NEW(s->d_ga_a[3], m, c >> 4);
    NEW(s->y_rate, m, c >> 4);
    NEW(s->z, m, c >> 4);
    NEW(s->d_z, m, c >> 4);
    NEW(s->gs_a[3], 3, c);
    NEW(s->d_gs_a[3], 3, c);
#undef NEW
    s->d_rate = malloc(sizeof(float) * (size_t)(c >> 4) * (c >> 4));
    s->level = malloc(sizeof(int) * (size_t)b);
    s->noise_seed = malloc(sizeof(uint64_t) * (size_t)b);
    if (t->net.hyper.z > 0 && hyper_train_alloc(&s->hyper, &t->net, b, c) < 0)
        err = 1;
    return (err || !s->d_rate || !s->level || !s->noise_seed) ? -1 : 0;
}

/* Threads of this process: one shard each (at most one per sample). OpenBLAS
 * then runs one thread per shard: a shard computes whole samples alone,
 * which keeps both cores busy where 2 BLAS threads on one sample wait for
 * each other (and for the serial work between GEMMs). */
static int alloc_shards(Trainer *t)
{
    int n = nn_get_threads();
    if (n > t->local)
        n = t->local;
    if (n > NN_DET_MAX_THREADS)
        n = NN_DET_MAX_THREADS;
    t->shard = calloc((size_t)n, sizeof *t->shard);
    if (!t->shard)
        return -1;
    t->nshards = n;
    for (int k = 0; k < n; k++)
        if (alloc_shard(t, &t->shard[k], k, n) < 0)
            return -1;
    if (n > 1)
        nn_set_blas_threads(1);
    return 0;
}

void trainer_free(Trainer *t)
{
    if (!t)
        return;
    for (int k = 0; k < t->nshards; k++)
        free_shard(&t->shard[k]);
    if (t->nshards > 1)   /* give OpenBLAS back the process's count */
        nn_set_blas_threads(nn_get_threads());
    free(t->shard);
    free(t->flat_grad);
    for (int i = 0; i < 4; i++) {
        nn_det_train_free(&t->det_ga[i]);
        nn_det_train_free(&t->det_gs[i]);
    }
    for (int i = 0; i < 3; i++) {
        nn_det_gdn_free(&t->det_ga_gdn[i]);
        nn_det_gdn_free(&t->det_gs_gdn[i]);
    }
    adam_free(&t->adam_net);
    adam_free(&t->adam_prior);
    lossy_net_free(&t->net);
    image_set_free(&t->train);
    image_set_free(&t->val);
    free(t);
}

/* Copies checkpoint moments into the two Adam instances (file order). */
static void load_moments(Trainer *t, const ModelOptState *o)
{
    size_t at = 0;
    for (int i = 0; i < t->ntensors; i++) {
        Adam *a = i < NET_PARAMS(t) ? &t->adam_net : &t->adam_prior;
        int k = i < NET_PARAMS(t) ? i : i - NET_PARAMS(t);
        size_t n = t->params[i]->n;
        memcpy(a->m[k], o->m + at, n * sizeof(float));
        memcpy(a->v[k], o->v + at, n * sizeof(float));
        at += n;
    }
    t->adam_net.t = (long)o->adam_t;
    t->adam_prior.t = (long)o->adam_t;
}

/* Gives every level its own copy of a resumed model's shared prior, with
 * copies of its Adam moments. */
static int split_prior(Trainer *t)
{
    Adam old = t->adam_prior;
    memset(&t->adam_prior, 0, sizeof t->adam_prior);
    int err = lossy_net_split_prior(&t->net);
    NetTensor nt[LOSSY_MAX_TENSORS];
    lossy_net_tensors(&t->net, nt);
    for (int i = NET_PARAMS(t); i < t->ntensors; i++)
        t->params[i] = nt[i].p;
    if (err < 0 || adam_init(&t->adam_prior, t->params + NET_PARAMS(t), 3) < 0) {
        adam_free(&old);
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        const size_t n = t->params[NET_PARAMS(t) + i]->n / (size_t)t->net.levels;
        for (int l = 0; l < t->net.levels; l++) {
            memcpy(t->adam_prior.m[i] + n * l, old.m[i], n * sizeof(float));
            memcpy(t->adam_prior.v[i] + n * l, old.v[i], n * sizeof(float));
        }
    }
    t->adam_prior.t = old.t;
    t->adam_prior.clip_norm = old.clip_norm;
    adam_free(&old);
    return 0;
}

int trainer_new(Trainer **out, const TrainConfig *cfg, const uint8_t *resume, size_t resume_size)
{
    *out = NULL;
    if (cfg->batch < 1 || cfg->crop < 16 || cfg->crop % 16 != 0 || cfg->scale_copies < 1
        || cfg->min_scale <= 0 || cfg->min_scale > 1 || cfg->shards < 1
        || cfg->shards > cfg->batch || cfg->shard < 0 || cfg->shard >= cfg->shards
        || (cfg->hyperprior && cfg->crop % 64 != 0))
        return LAT_ERR_INVALID_ARGUMENT;
    Trainer *t = calloc(1, sizeof *t);
    if (!t)
        return LAT_ERR_OUT_OF_MEMORY;
    t->cfg = *cfg;
    t->first = cfg->shard * cfg->batch / cfg->shards;
    t->local = (cfg->shard + 1) * cfg->batch / cfg->shards - t->first;
    if (cfg->threads > 0)
        nn_set_threads(cfg->threads);
    rng_seed(&t->rng, cfg->seed);
    ModelOptState opt = {0};
    int err;
    if (resume) {
        char id[LATM_ID_LEN + 1];
        uint64_t hash, steps = 0;
        err = model_file_read(resume, resume_size, &t->net, id, &hash, &steps, &opt, NULL, 0);
        if (err < 0) {
            free(t);
            return err;
        }
        t->step = (long)steps;
        t->start_step = t->step;
        /* Continue the same random stream no matter where we resume. */
        rng_seed(&t->rng, cfg->seed ^ (steps * 0x9E3779B97F4A7C15ull));
    } else {
        if (cfg->levels < 1 || cfg->levels > TRAIN_MAX_LEVELS
            || lossy_net_init(&t->net, cfg->n, cfg->m, cfg->levels, cfg->lambdas,
                              cfg->per_level_prior ? cfg->levels : 1, &t->rng) < 0) {
            free(t);
            return cfg->levels < 1 || cfg->levels > TRAIN_MAX_LEVELS ? LAT_ERR_INVALID_ARGUMENT
                                                                    : LAT_ERR_OUT_OF_MEMORY;
        }
    }
    if (cfg->hyperprior && t->net.hyper.z == 0) {
        /* Architecture 1/2 -> 3: the optimizer state does not carry over. */
        const int more = cfg->levels > t->net.levels;
        model_opt_state_free(&opt);
        if (lossy_net_to_hyper(&t->net, more ? cfg->levels : t->net.levels,
                               more ? cfg->lambdas : t->net.lambda, &t->rng) < 0) {
            trainer_free(t);
            return LAT_ERR_INVALID_ARGUMENT;
        }
    }
    NetTensor nt[LOSSY_MAX_TENSORS];
    t->ntensors = lossy_net_tensors(&t->net, nt);
    for (int i = 0; i < t->ntensors; i++)
        t->params[i] = nt[i].p;
    err = LAT_ERR_OUT_OF_MEMORY;
    if (adam_init(&t->adam_net, t->params, (size_t)NET_PARAMS(t)) < 0
        || adam_init(&t->adam_prior, t->params + NET_PARAMS(t), 3) < 0)
        goto fail;
    t->adam_net.clip_norm = cfg->clip;
    t->adam_prior.clip_norm = cfg->clip;
    if (opt.count > 0)
        load_moments(t, &opt);
    model_opt_state_free(&opt);
    if (cfg->per_level_prior && t->net.prior_sets == 1 && t->net.levels > 1
        && split_prior(t) < 0)
        goto fail;
    if (alloc_shards(t) < 0)   /* after split_prior: replicas copy the final layout */
        goto fail;
    *out = t;
    return 0;
fail:
    model_opt_state_free(&opt);
    trainer_free(t);
    return err;
}

int trainer_add_image(Trainer *t, const uint8_t *rgb, int width, int height, int validation)
{
    if (!rgb || width < 1 || height < 1)
        return LAT_ERR_INVALID_ARGUMENT;
    if (validation) {
        int cw = (width < 512 ? width : 512) / 16 * 16, ch = (height < 512 ? height : 512) / 16 * 16;
        if (cw < 16 || ch < 16)
            return 1;
        uint8_t *crop = malloc((size_t)cw * ch * 3);
        if (!crop)
            return LAT_ERR_OUT_OF_MEMORY;
        const int x0 = (width - cw) / 2, y0 = (height - ch) / 2;
        for (int r = 0; r < ch; r++)
            memcpy(crop + (size_t)r * cw * 3, rgb + ((size_t)(y0 + r) * width + x0) * 3,
                   (size_t)cw * 3);
        int e = image_set_add(&t->val, crop, cw, ch);
        free(crop);
        return e < 0 ? LAT_ERR_OUT_OF_MEMORY : 0;
    }
    const int crop = t->cfg.crop;
    if (width < crop || height < crop)
        return 1;
    if (image_set_begin_group(&t->train, (uint64_t)width * height) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    if (image_set_add(&t->train, rgb, width, height) < 0) {
        image_set_end_group(&t->train);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    t->train_originals++;
    /* Downscaled copies, evenly spaced in [min_scale, 1). */
    for (int k = 1; k < t->cfg.scale_copies; k++) {
        double s = 1.0 - (1.0 - t->cfg.min_scale) * k / (t->cfg.scale_copies - 1);
        int dw = (int)lround(width * s), dh = (int)lround(height * s);
        if (dw < crop || dh < crop)
            break;
        uint8_t *small = image_downscale(rgb, width, height, dw, dh);
        if (!small)
            return LAT_ERR_OUT_OF_MEMORY;
        int e = image_set_add(&t->train, small, dw, dh);
        free(small);
        if (e < 0)
            return LAT_ERR_OUT_OF_MEMORY;
    }
    return 0;
}

int trainer_image_count(const Trainer *t, int validation)
{
    return validation ? t->val.count : t->train_originals;
}

long trainer_steps_done(const Trainer *t) { return t->step; }

double trainer_lr_at(const Trainer *t, long step)
{
    const TrainConfig *c = &t->cfg;
    const double ramp = step - t->start_step < c->warmup
                            ? (double)(step - t->start_step + 1) / (double)c->warmup
                            : 1.0;
    if (step < c->decay_start)
        return c->lr * ramp;
    if (c->decay_steps <= 0 || step >= c->decay_start + c->decay_steps)
        return c->lr_min * ramp;
    double f = (double)(step - c->decay_start) / c->decay_steps;
    return ramp * (c->lr_min + 0.5 * (c->lr - c->lr_min) * (1.0 + cos(3.14159265358979 * f)));
}

void trainer_arch(const Trainer *t, int *n, int *m, int *levels, float *lambdas)
{
    *n = t->net.n;
    *m = t->net.m;
    *levels = t->net.levels;
    if (lambdas)
        memcpy(lambdas, t->net.lambda, sizeof(float) * (size_t)t->net.levels);
}

size_t trainer_param_count(Trainer *t) { return lossy_net_param_count(&t->net); }

/* Draws the whole minibatch, every process the same, and extracts this
 * process's crops into its shards. */
static void sample_batch(Trainer *t)
{
    const int b = t->cfg.batch, c = t->cfg.crop;
    const size_t per = (size_t)3 * c * c;
    for (int s = 0; s < b; s++) {
        const uint64_t hi = rng_u32(&t->rng), r64 = hi << 32 | rng_u32(&t->rng);
        const TrainImage *im = image_set_pick(&t->train, r64, rng_u32(&t->rng));
        int x0 = (int)(rng_u32(&t->rng) % (uint32_t)(im->w - c + 1));
        int y0 = (int)(rng_u32(&t->rng) % (uint32_t)(im->h - c + 1));
        int flip = (int)(rng_u32(&t->rng) & 1);
        int level = (int)(rng_u32(&t->rng) % (uint32_t)t->net.levels);
        const uint64_t seed_hi = rng_u32(&t->rng), noise_seed = seed_hi << 32 | rng_u32(&t->rng);
        const int at = s - t->first;
        if (at < 0 || at >= t->local)
            continue;
        Shard *sh = t->shard;
        while (at >= sh->first + sh->local)
            sh++;
        image_crop_planar(im, x0, y0, c, flip, sh->x->data + per * (at - sh->first));
        sh->level[at - sh->first] = level;
        sh->noise_seed[at - sh->first] = noise_seed;
    }
}

/* A layer call of forward_backward: its NN_ERR_* as a LatError. */
#define NN_TRY(call) \
    do { \
        int e_ = (call); \
        if (e_ < 0) \
            return e_ == NN_ERR_NOMEM ? LAT_ERR_OUT_OF_MEMORY : LAT_ERR_INTERNAL; \
    } while (0)

/* Forward and backward of this shard's part of the sampled minibatch:
 * accumulates every parameter gradient of its share of the mean loss over
 * the whole batch; sets that share, the shard's total bits and its summed
 * per-sample MSE. Returns 0 or a LatError. */
static int forward_backward(Shard *sh, double *loss_out, double *bits_out, double *mse_out)
{
    const Trainer *t = sh->t;
    LossyNet *net = sh->net;
    NnScratch *s = &sh->scratch;
    const int B = t->cfg.batch, NB = sh->local, C = t->cfg.crop, M = net->m;

    /* ---- forward ---- */
    const Tensor *in = sh->x;
    for (int i = 0; i < 3; i++) {
        NN_TRY(nn_det_train_forward(&t->det_ga[i], in, sh->ga_a[i]));
        NN_TRY(nn_det_gdn_forward(&t->det_ga_gdn[i], sh->ga_a[i], sh->ga_g[i]));
        in = sh->ga_g[i];
    }
    NN_TRY(nn_det_train_forward(&t->det_ga[3], in, sh->ga_a[3]));
    const Tensor *y = sh->ga_a[3];
    const size_t hw = (size_t)y->h * y->w;
    const double pixels = (double)C * C;
    const float rate_scale = (float)(1.0 / (B * pixels));
    double bits_total = 0;
    const int hyper = net->hyper.z > 0;
    if (hyper)
        NN_TRY(hyper_train_forward(&sh->hyper, net, y, sh->level, t->cfg.ste, rate_scale,
                                   sh->noise_seed, s, &bits_total));
    /* Gains, quantization and the rate (with its backward: it needs only y). */
    tensor_zero(sh->d_ga_a[3]);
    for (int b = 0; b < NB; b++) {
        const int l = sh->level[b];
        Rng noise;
        rng_seed(&noise, sh->noise_seed[b]);
        for (int k = 0; k < M; k++) {
            const float lg = net->gain.v[(size_t)l * M + k], lig = net->igain.v[(size_t)l * M + k];
            const float g = expf(lg), ig = expf(lig);
            const float *yp = y->data + ((size_t)b * M + k) * hw;
            float *yr = sh->y_rate->data + ((size_t)b * M + k) * hw;
            float *zp = sh->z->data + ((size_t)b * M + k) * hw;
            for (size_t i = 0; i < hw; i++) {
                const float v = yp[i] * g;
                yr[i] = v + rng_uniform(&noise) - 0.5f;
                zp[i] = (t->cfg.ste ? rintf(v) : yr[i]) * ig;
            }
            if (hyper) {
                double d_lg;
                bits_total += hyper_train_y_bits(&sh->hyper, net, b, k, lg, yr, hw, rate_scale,
                                                 sh->d_rate, &d_lg);
                net->gain.g[(size_t)l * M + k] += (float)d_lg;
            } else {
                bits_total += prior_bits_backward(&net->prior, lossy_prior_channel(net, l, k), yr,
                                                  hw, rate_scale, sh->d_rate);
            }
            float *dy = sh->d_ga_a[3]->data + ((size_t)b * M + k) * hw;
            double dg = 0;
            for (size_t i = 0; i < hw; i++) {
                dy[i] += sh->d_rate[i] * g;
                dg += (double)sh->d_rate[i] * yp[i];
            }
            net->gain.g[(size_t)l * M + k] += (float)(dg * g);
        }
    }
    in = sh->z;
    for (int i = 0; i < 3; i++) {
        NN_TRY(nn_det_train_forward(&t->det_gs[i], in, sh->gs_a[i]));
        NN_TRY(nn_det_gdn_forward(&t->det_gs_gdn[i], sh->gs_a[i], sh->gs_g[i]));
        in = sh->gs_g[i];
    }
    NN_TRY(nn_det_train_forward(&t->det_gs[3], in, sh->gs_a[3]));

    /* ---- distortion and its gradient ---- */
    const Tensor *xh = sh->gs_a[3];
    const size_t per = (size_t)3 * C * C;
    double mse_sum = 0, loss = 0;
    for (int b = 0; b < NB; b++) {
        const float *xp = sh->x->data + per * b, *hp = xh->data + per * b;
        float *d = sh->d_gs_a[3]->data + per * b;
        double se = 0;
        for (size_t i = 0; i < per; i++) {
            double e = (double)hp[i] - xp[i];
            se += e * e;
        }
        const double mse = se / per;
        const double lam = net->lambda[sh->level[b]] * 255.0 * 255.0;
        const float coef = (float)(lam * 2.0 / per / B);
        for (size_t i = 0; i < per; i++)
            d[i] = coef * (hp[i] - xp[i]);
        mse_sum += mse;
        loss += lam * mse;
    }
    loss = (loss + bits_total / pixels) / B;

    /* With the transforms frozen only the hyperprior learns (from the rate,
     * which does not depend on g_s). */
    const int frozen = t->step < t->cfg.freeze_until;
    if (!frozen) {
        /* ---- backward through g_s ---- */
        for (int i = 3; i >= 0; i--) {
            const Tensor *xin = i > 0 ? sh->gs_g[i - 1] : sh->z;
            Tensor *dxin = i > 0 ? sh->d_gs_g[i - 1] : sh->d_z;
            NN_TRY(deconv2d_backward(&net->gs[i], xin, sh->d_gs_a[i], NULL, s));
            NN_TRY(nn_det_train_input_grad(&t->det_gs[i], sh->d_gs_a[i], dxin));
            if (i > 0)
                NN_TRY(gdn_backward(&net->gs_gdn[i - 1], sh->gs_a[i - 1], sh->d_gs_g[i - 1],
                                    sh->d_gs_a[i - 1], s));
        }
        /* ---- through the gains (straight-through rounding) ---- */
        for (int b = 0; b < NB; b++) {
            const int l = sh->level[b];
            for (int k = 0; k < M; k++) {
                const float g = expf(net->gain.v[(size_t)l * M + k]);
                const float ig = expf(net->igain.v[(size_t)l * M + k]);
                const size_t off = ((size_t)b * M + k) * hw;
                const float *yp = y->data + off, *dz = sh->d_z->data + off, *zp = sh->z->data + off;
                float *dy = sh->d_ga_a[3]->data + off;
                double dg = 0, dig = 0;
                for (size_t i = 0; i < hw; i++) {
                    dy[i] += dz[i] * ig * g;
                    dg += (double)dz[i] * ig * yp[i];
                    dig += (double)dz[i] * zp[i];   /* z = q * ig, so dz/d(log ig) = z */
                }
                net->gain.g[(size_t)l * M + k] += (float)(dg * g);
                net->igain.g[(size_t)l * M + k] += (float)dig;
            }
        }
    }
    if (hyper)
        NN_TRY(hyper_train_backward(&sh->hyper, net, y, sh->level, sh->d_ga_a[3], s));
    if (!frozen) {
        /* ---- backward through g_a ---- */
        for (int i = 3; i >= 0; i--) {
            const Tensor *xin = i > 0 ? sh->ga_g[i - 1] : sh->x;
            Tensor *dxin = i > 0 ? sh->d_ga_g[i - 1] : NULL;
            NN_TRY(conv2d_backward(&net->ga[i], xin, sh->d_ga_a[i], NULL, s));
            if (dxin)
                NN_TRY(nn_det_train_input_grad(&t->det_ga[i], sh->d_ga_a[i], dxin));
            if (i > 0)
                NN_TRY(gdn_backward(&net->ga_gdn[i - 1], sh->ga_a[i - 1], sh->d_ga_g[i - 1],
                                    sh->d_ga_a[i - 1], s));
        }
    }

    *loss_out = loss;
    *bits_out = bits_total;
    *mse_out = mse_sum;
    return 0;
}

/* The deterministic kernels' packing of the current weights. Returns 0 or
 * an NN_ERR_*. */
static int pack_transforms(Trainer *t)
{
    const LossyNet *net = &t->net;
    int err = 0;
    for (int i = 0; i < 4 && err == 0; i++) {
        const int in = t->cfg.crop >> i;
        err = nn_det_train_conv2d_pack(&t->det_ga[i], &net->ga[i], in, in);
        if (err == 0)
            err = nn_det_train_deconv2d_pack(&t->det_gs[i], &net->gs[i]);
    }
    for (int i = 0; i < 3 && err == 0; i++) {
        nn_det_gdn_free(&t->det_ga_gdn[i]);
        nn_det_gdn_free(&t->det_gs_gdn[i]);
        err = nn_det_gdn_pack(&t->det_ga_gdn[i], &net->ga_gdn[i]);
        if (err == 0)
            err = nn_det_gdn_pack(&t->det_gs_gdn[i], &net->gs_gdn[i]);
    }
    return err;
}

static void *shard_work(void *arg)
{
    Shard *sh = arg;
    /* Several shards: each is one thread (its sgemm calls too). */
    const int old = nn_set_local_threads(sh->t->nshards > 1 ? 1 : 0);
    sh->err = forward_backward(sh, &sh->sums[0], &sh->sums[1], &sh->sums[2]);
    nn_set_local_threads(old);
    return NULL;
}

/* Forward and backward of every shard, on threads; then the replicas'
 * gradients are added to the trainer's in shard order (and zeroed), and
 * sums[3] is the shards' loss share, bits and summed MSE. Returns 0 or the
 * first shard's error. */
static int forward_backward_shards(Trainer *t, double sums[3])
{
    sums[0] = sums[1] = sums[2] = 0;
    if (pack_transforms(t) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    nn_det_run(shard_work, t->shard, sizeof t->shard[0], t->nshards);
    int err = 0;
    for (int k = 0; k < t->nshards; k++) {
        Shard *sh = &t->shard[k];
        if (sh->err < 0 && err == 0)
            err = sh->err;
        for (int j = 0; j < 3; j++)
            sums[j] += sh->sums[j];
        if (sh->net != &sh->replica)
            continue;
        NetTensor nt[LOSSY_MAX_TENSORS];
        const int n = lossy_net_tensors(&sh->replica, nt);
        for (int i = 0; i < n; i++) {
            float *g = t->params[i]->g, *r = nt[i].p->g;
            for (size_t j = 0; j < nt[i].p->n; j++) {
                g[j] += r[j];
                r[j] = 0;
            }
        }
    }
    return err;
}

double trainer_loss_and_gradients(Trainer *t, uint64_t seed)
{
    rng_seed(&t->rng, seed);
    sample_batch(t);
    double sums[3];
    return forward_backward_shards(t, sums) < 0 ? NAN : sums[0];
}

static void zero_gradients(Trainer *t)
{
    for (int i = 0; i < t->ntensors; i++)
        memset(t->params[i]->g, 0, t->params[i]->n * sizeof(float));
}

/* cfg.reduce over the flattened gradients (file order) and the stats. */
static int reduce_gradients(Trainer *t, double *stats, int k)
{
    if (!t->flat_grad)
        t->flat_grad = malloc(sizeof(float) * lossy_net_param_count(&t->net));
    if (!t->flat_grad)
        return -1;
    size_t at = 0;
    for (int i = 0; i < t->ntensors; i++) {
        memcpy(t->flat_grad + at, t->params[i]->g, t->params[i]->n * sizeof(float));
        at += t->params[i]->n;
    }
    if (t->cfg.reduce(t->cfg.reduce_ctx, t->flat_grad, at, stats, k) < 0)
        return -1;
    at = 0;
    for (int i = 0; i < t->ntensors; i++) {
        memcpy(t->params[i]->g, t->flat_grad + at, t->params[i]->n * sizeof(float));
        at += t->params[i]->n;
    }
    return 0;
}

int trainer_step(Trainer *t, TrainStats *st)
{
    if (t->train.count == 0)
        return LAT_ERR_INVALID_ARGUMENT;
    const int B = t->cfg.batch, C = t->cfg.crop;
    const double pixels = (double)C * C;
    sample_batch(t);
    double sums[3];   /* loss, bits, summed MSE: this shard's, then the batch's */
    int err = forward_backward_shards(t, sums);
    if (err < 0)
        sums[0] = NAN;   /* the other shards drop this step too */
    if (t->cfg.reduce && reduce_gradients(t, sums, 3) < 0 && err == 0)
        err = LAT_ERR_INTERNAL;
    const double loss = sums[0], bits_total = sums[1], mse_sum = sums[2];

    /* ---- update, unless something overflowed (then the step is dropped) ---- */
    double gsum = 0;
    for (int i = 0; i < t->ntensors; i++)
        for (size_t j = 0; j < t->params[i]->n; j++)
            gsum += (double)t->params[i]->g[j] * t->params[i]->g[j];
    if (err < 0 || !isfinite(loss) || !isfinite(gsum)) {
        zero_gradients(t);
        return err < 0 ? err : LAT_ERR_INTERNAL;
    }
    if (t->step < t->cfg.freeze_until)
        for (int i = 0; i < LOSSY_BASE_TENSORS; i++)
            memset(t->params[i]->g, 0, t->params[i]->n * sizeof(float));
    const double lr = trainer_lr_at(t, t->step);
    t->adam_net.lr = (float)lr;
    t->adam_prior.lr = (float)(lr * t->cfg.prior_lr_mult);
    float gn = adam_step(&t->adam_net);
    adam_step(&t->adam_prior);
    t->step++;
    if (st) {
        const double mse = mse_sum / B;
        st->step = t->step;
        st->loss = loss;
        st->bpp = bits_total / pixels / B;
        st->psnr = mse > 0 ? 10.0 * log10(1.0 / mse) : 99.0;
        st->grad_norm = gn;
        st->lr = lr;
    }
    return 0;
}

/* Bytes the latents cost in a .lat file: the lossy streams, each as a zstd
 * frame (level 19) plus its 20-byte stream-table entry. -1 on failure. */
static double coded_bytes(const LossyLatents *lat)
{
    StreamList *sl = calloc(1, sizeof *sl);
    if (!sl || lossy_latents_to_streams(lat, LOSSY_ZSTD_LEVEL, sl) < 0) {
        if (sl)
            streams_free(sl);
        free(sl);
        return -1;
    }
    double total = 0;
    for (uint32_t i = 0; i < sl->count && total >= 0; i++) {
        size_t cap = ZSTD_compressBound(sl->s[i].size);
        void *buf = malloc(cap);
        size_t c = buf ? ZSTD_compress(buf, cap, sl->s[i].data, sl->s[i].size, LOSSY_ZSTD_LEVEL) : 0;
        total = (!buf || ZSTD_isError(c)) ? -1 : total + (double)c + 20;
        free(buf);
    }
    streams_free(sl);
    free(sl);
    return total;
}

/* Validation latents of the factorized-prior architectures: y [1, M, h, w]
 * in, the decoder input out; *bits the ideal bits under the prior, *coded
 * the bytes of the lossy streams. Returns 0 or -1. */
static int factorized_val_latents(const LossyNet *net, Tensor *y, double level_pos,
                                  const float *g, const float *ig, double *bits, double *coded)
{
    const int M = net->m;
    const size_t hw = (size_t)y->h * y->w;
    *bits = 0;
    LossyLatents lat = {.c = M, .h = y->h, .w = y->w, .quality = 0};
    lat.q = malloc(sizeof(int32_t) * M * hw);
    if (!lat.q)
        return -1;
    for (int k = 0; k < M; k++) {
        float *yp = y->data + k * hw;
        for (size_t p = 0; p < hw; p++) {
            yp[p] = rintf(yp[p] * g[k]);
            float c = yp[p] < -LOSSY_Q_MAX ? -LOSSY_Q_MAX : (yp[p] > LOSSY_Q_MAX ? LOSSY_Q_MAX : yp[p]);
            lat.q[k * hw + p] = (int32_t)c;
        }
        int pk;
        const double s = lossy_net_prior_at(net, level_pos, k, &pk);
        *bits += prior_bits_scaled(&net->prior, pk, yp, hw, s);
        for (size_t p = 0; p < hw; p++)
            yp[p] *= ig[k];
    }
    *coded = coded_bytes(&lat);
    lossy_latents_free(&lat);
    return *coded < 0 ? -1 : 0;
}

int trainer_validate(Trainer *t, double level_pos, ValStats *vs)
{
    memset(vs, 0, sizeof *vs);
    const LossyNet *net = &t->net;
    const int M = net->m;
    Tensor *x = tensor_new(0, 0, 0, 0), *y = tensor_new(0, 0, 0, 0), *xh = tensor_new(0, 0, 0, 0);
    float *g = malloc(sizeof(float) * (size_t)M), *ig = malloc(sizeof(float) * (size_t)M);
    LossyWork work = {.s = t->shard[0].scratch};   /* borrows shard 0's scratch */
    int err = LAT_ERR_OUT_OF_MEMORY;
    if (!x || !y || !xh || !g || !ig)
        goto done;
    lossy_net_gains(net, level_pos, g, ig);
    double bpp_sum = 0, bpp_z_sum = 0, psnr_sum = 0, coded_sum = 0;
    for (int i = 0; i < t->val.count; i++) {
        const TrainImage *im = &t->val.img[i];
        if (tensor_reshape(x, 1, 3, im->h, im->w) < 0)
            goto done;
        const size_t plane = (size_t)im->w * im->h;
        for (size_t p = 0; p < plane; p++)
            for (int k = 0; k < 3; k++)
                x->data[k * plane + p] = im->rgb[p * 3 + k] * (1.0f / 255.0f);
        if (lossy_net_analysis(net, x, y, &work) < 0)
            goto done;
        double bits_y, bits_z = 0, coded = -1;
        if ((net->hyper.z > 0 ? hyper_val_latents(net, y, level_pos, &bits_y, &bits_z, &work.s)
                              : factorized_val_latents(net, y, level_pos, g, ig, &bits_y, &coded))
            < 0)
            goto done;
        bpp_sum += bits_y / plane;
        bpp_z_sum += bits_z / plane;
        coded_sum = coded < 0 || coded_sum < 0 ? -1 : coded_sum + coded * 8 / (double)plane;
        if (lossy_net_synthesis(net, y, xh, &work) < 0)
            goto done;
        double se = 0;
        for (size_t p = 0; p < plane; p++)
            for (int k = 0; k < 3; k++) {
                float v = xh->data[k * plane + p] * 255.0f;
                v = !(v >= 0) ? 0 : (v > 255 ? 255 : v);
                double e = (double)lrintf(v) - im->rgb[p * 3 + k];
                se += e * e;
            }
        const double mse = se / (3.0 * plane);
        psnr_sum += mse > 0 ? 10.0 * log10(255.0 * 255.0 / mse) : 99.0;
    }
    vs->images = t->val.count;
    if (t->val.count > 0) {
        vs->bpp = bpp_sum / t->val.count;
        vs->coded_bpp = coded_sum < 0 ? -1 : coded_sum / t->val.count;
        vs->bpp_z = bpp_z_sum / t->val.count;
        vs->psnr = psnr_sum / t->val.count;
    }
    err = 0;
done:
    t->shard[0].scratch = work.s;   /* possibly grown: give it back */
    work.s = (NnScratch){0};
    lossy_work_free(&work);
    tensor_free(x);
    tensor_free(y);
    tensor_free(xh);
    free(g);
    free(ig);
    return err;
}

int trainer_serialize(Trainer *t, int with_optimizer, const char *note, uint8_t **out,
                      size_t *out_size)
{
    ModelOptState opt = {0};
    if (with_optimizer) {
        size_t total = lossy_net_param_count(&t->net);
        opt.count = total;
        opt.adam_t = (uint64_t)t->adam_net.t;
        opt.m = malloc(sizeof(float) * total);
        opt.v = malloc(sizeof(float) * total);
        if (!opt.m || !opt.v) {
            model_opt_state_free(&opt);
            return LAT_ERR_OUT_OF_MEMORY;
        }
        size_t at = 0;
        for (int i = 0; i < t->ntensors; i++) {
            Adam *a = i < NET_PARAMS(t) ? &t->adam_net : &t->adam_prior;
            int k = i < NET_PARAMS(t) ? i : i - NET_PARAMS(t);
            size_t n = t->params[i]->n;
            memcpy(opt.m + at, a->m[k], n * sizeof(float));
            memcpy(opt.v + at, a->v[k], n * sizeof(float));
            at += n;
        }
    }
    int err = model_file_write(&t->net, t->cfg.model_id, note, (uint64_t)t->step,
                               with_optimizer ? &opt : NULL, out, out_size);
    model_opt_state_free(&opt);
    return err;
}

int trainer_tensor_count(const Trainer *t) { return t->ntensors; }

int trainer_shard_count(const Trainer *t) { return t->nshards; }

Param *trainer_param(Trainer *t, int index, char name[16])
{
    if (index < 0 || index >= t->ntensors)
        return NULL;
    NetTensor nt[LOSSY_MAX_TENSORS];
    lossy_net_tensors(&t->net, nt);
    if (name)
        memcpy(name, nt[index].name, 16);
    return t->params[index];
}
