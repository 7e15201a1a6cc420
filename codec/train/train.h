/* The trainer of the lossy model (never used by the decoder).
 *
 * Usage (tools/cli/cmd_train.c):
 *   TrainConfig cfg; train_default_config(&cfg); ...adjust...
 *   Trainer *t; trainer_new(&t, &cfg, resume_bytes_or_NULL, size);
 *   trainer_add_image(t, rgb, w, h, is_validation);  // for each photo
 *   while (...) trainer_step(t, &stats);
 *   trainer_validate(t, level, &val);
 *   trainer_serialize(t, with_optimizer, note, &bytes, &size);  // .latm
 *   trainer_free(t);
 *
 * Images are copied in (8-bit RGB interleaved) together with a few
 * downscaled copies; each step draws a minibatch of random crops from
 * random photos (in proportion to their pixel count) and scale copies
 * (uniformly) with random horizontal flips and a random
 * rate level per sample. Loss per sample: bpp + lambda_level * 255^2 * MSE
 * (rate estimated with additive uniform noise under the prior; the decoder
 * sees the same noisy latents, or with cfg.ste round(y*g)*ig with a
 * straight-through gradient). Functions return
 * 0 or a negative LatError; nothing here prints. */
#ifndef LAT_TRAIN_H
#define LAT_TRAIN_H
#include <stddef.h>
#include <stdint.h>

#define TRAIN_MAX_LEVELS 16

typedef struct TrainConfig {
    int n, m;                 /* network widths (ignored when resuming) */
    int levels;               /* number of rate levels (ignored when resuming) */
    float lambdas[TRAIN_MAX_LEVELS];
    int batch, crop;          /* minibatch size, crop side (multiple of 16) */
    float lr;                 /* peak learning rate */
    float lr_min;             /* final learning rate */
    long decay_start;         /* step at which lr starts decaying */
    long decay_steps;         /* steps of cosine decay from lr to lr_min; after: lr_min */
    float prior_lr_mult;      /* prior's lr relative to the network's */
    float clip;               /* global gradient-norm clipping */
    float min_scale;          /* random downscale range [min_scale, 1] */
    int scale_copies;         /* downscaled copies per image (>= 1, includes 1.0) */
    int ste;                  /* 1: decoder sees round() with straight-through grads;
                                 0 (default): noisy latents, as in Balle et al. */
    long warmup;              /* lr ramps up linearly over this run's first
                                 warmup steps (fresh optimizer state); 0: none */
    int per_level_prior;      /* 1 (default): one prior per level (a shared-prior
                                 model being resumed is split); 0: one shared prior */
    int hyperprior;           /* 1: model architecture 3 (mean-scale hyperprior); a
                                 resumed architecture 1/2 model is converted (its
                                 transforms and y gains kept; with more levels and
                                 lambdas than it has, the new levels' gains are
                                 extrapolated); crop a multiple of 64 */
    long freeze_until;        /* transforms and y gains fixed while the step counter
                                 is below this (a fresh hyperprior learns first) */
    uint64_t seed;
    int threads;              /* > 0: passed to nn_set_threads by trainer_new; the
                                 trainer then runs that many shards of this
                                 process's crops (at most one per crop) */
    char model_id[33];
    /* Data parallel (tools/train): `shards` processes train one model. Every
     * process draws the whole minibatch (crops, levels, noise) from the
     * seeded stream and computes samples [shard * batch / shards,
     * (shard + 1) * batch / shards) of it, so the minibatch does not depend
     * on shards. reduce(reduce_ctx, grad, n, stats, k) must sum the n
     * parameter gradients and the k statistics over the processes, in place,
     * with the same result in every process, and return 0 (else the step
     * fails with LAT_ERR_INTERNAL). Defaults: shard 0 of 1, reduce NULL. */
    int shard, shards;
    int (*reduce)(void *reduce_ctx, float *grad, size_t n, double *stats, int k);
    void *reduce_ctx;
} TrainConfig;
void train_default_config(TrainConfig *c);


typedef struct TrainStats {
    long step;                /* steps done after this one */
    double loss, bpp, psnr;   /* minibatch means (PSNR from the mean MSE) */
    double grad_norm, lr;
} TrainStats;

typedef struct ValStats {
    double bpp;               /* ideal bits of y's symbols under the model / pixels */
    double bpp_z;             /* the same for z (hyperprior), else 0 */
    double coded_bpp;         /* the lossy streams (what a file holds); -1: no coder
                                 for the architecture yet */
    double psnr;              /* mean over validation images, 8-bit output */
    int images;
} ValStats;

typedef struct Trainer Trainer;

/* resume: a model file (weights; with the optimizer state and step
 * counter when it is a checkpoint), or NULL to start from scratch. */
int trainer_new(Trainer **out, const TrainConfig *cfg, const uint8_t *resume, size_t resume_size);
void trainer_free(Trainer *t);

/* Copies an 8-bit RGB interleaved image in. validation: held out, used only
 * by trainer_validate (center crop of at most 512x512). Training images
 * smaller than the crop are skipped (returns 1). */
int trainer_add_image(Trainer *t, const uint8_t *rgb, int width, int height, int validation);
int trainer_image_count(const Trainer *t, int validation);

/* One optimization step. LAT_ERR_INTERNAL: the loss or a gradient was not
 * finite; the step was dropped (no update, step counter unchanged). */
int trainer_step(Trainer *t, TrainStats *st);
long trainer_steps_done(const Trainer *t);
double trainer_lr_at(const Trainer *t, long step);

/* Validation at a (continuous) level position. */
int trainer_validate(Trainer *t, double level_pos, ValStats *vs);

/* Model file of the current weights (and the optimizer state when
 * with_optimizer): malloc'd buffer. */
int trainer_serialize(Trainer *t, int with_optimizer, const char *note, uint8_t **out,
                      size_t *out_size);

/* For tests: with the random stream reset to seed, samples a minibatch and
 * accumulates the gradients of its loss into the parameters (no update);
 * returns the loss (NAN when out of memory). Same seed, same crops, levels
 * and noise. */
double trainer_loss_and_gradients(Trainer *t, uint64_t seed);
/* For tests: the parameter tensors (file order), trainer_tensor_count of them. */
struct Param;
struct Param *trainer_param(Trainer *t, int index, char name[16]);
int trainer_tensor_count(const Trainer *t);
/* Threads a step runs: data-parallel shards of this process's samples, one
 * OpenBLAS thread each when there are several. */
int trainer_shard_count(const Trainer *t);

/* Architecture actually in use (after resume). */
void trainer_arch(const Trainer *t, int *n, int *m, int *levels, float *lambdas);
size_t trainer_param_count(Trainer *t);

#endif
