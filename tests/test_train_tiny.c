/* A tiny training run (small network, synthetic image): the loss goes
 * down, validation runs, and a checkpoint resumes with its step counter,
 * weights and optimizer state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "train/train.h"


/* Smooth shapes plus mild texture: compressible but not trivial. */
static uint8_t *synthetic_image(int w, int h)
{
    uint8_t *im = malloc((size_t)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double r = 128 + 90 * sin(x * 0.11) * cos(y * 0.07);
            double g = (x * 3 + y * 2) % 256;
            double b = ((x / 8 + y / 8) & 1) ? 200 : 60;
            uint8_t *p = im + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)r;
            p[1] = (uint8_t)g;
            p[2] = (uint8_t)b;
        }
    return im;
}

int main(void)
{
    TrainConfig cfg;
    train_default_config(&cfg);
    cfg.n = 8;
    cfg.m = 8;
    cfg.levels = 2;
    cfg.lambdas[0] = 0.01f;
    cfg.lambdas[1] = 0.05f;
    cfg.batch = 2;
    cfg.crop = 32;
    cfg.lr = 3e-3f;
    cfg.decay_start = 1000;
    cfg.seed = 3;
    snprintf(cfg.model_id, sizeof cfg.model_id, "test-tiny");
    Trainer *t;
    CHECK_MSG(trainer_new(&t, &cfg, NULL, 0) == 0, "trainer_new");
    if (check_failures)
        return 1;
    uint8_t *im = synthetic_image(96, 80);
    CHECK_MSG(trainer_add_image(t, im, 96, 80, 0) == 0, "add training image");
    CHECK_MSG(trainer_add_image(t, im, 96, 80, 1) == 0, "add validation image");
    CHECK_MSG(trainer_add_image(t, im, 20, 20, 0) == 1, "too-small image is skipped");

    enum { STEPS = 150, WIN = 25 };
    double first = 0, last = 0;
    TrainStats st;
    for (int i = 0; i < STEPS; i++) {
        CHECK_MSG(trainer_step(t, &st) == 0, "step %d", i);
        if (i < WIN)
            first += st.loss / WIN;
        if (i >= STEPS - WIN)
            last += st.loss / WIN;
    }
    printf("mean loss: first %d steps %.4f, last %d steps %.4f\n", WIN, first, WIN, last);
    CHECK_MSG(last < 0.8 * first, "loss did not decrease enough: %.4f -> %.4f", first, last);
    CHECK_MSG(trainer_steps_done(t) == STEPS, "step counter");

    ValStats v0, v1;
    CHECK_MSG(trainer_validate(t, 0.0, &v0) == 0 && trainer_validate(t, 1.0, &v1) == 0, "validate");
    printf("val level 0: %.3f bpp (coded %.3f) %.2f dB; level 1: %.3f bpp (coded %.3f) %.2f dB\n",
           v0.bpp, v0.coded_bpp, v0.psnr, v1.bpp, v1.coded_bpp, v1.psnr);
    CHECK_MSG(v0.images == 1 && isfinite(v0.bpp) && isfinite(v0.psnr) && v0.psnr > 10, "val figures");
    CHECK_MSG(v0.coded_bpp > 0 && v0.coded_bpp < 24, "coded bpp %g", v0.coded_bpp);

    /* Checkpoint -> resume: same step count, same next step. */
    uint8_t *ck;
    size_t ck_size;
    CHECK_MSG(trainer_serialize(t, 1, "test checkpoint", &ck, &ck_size) == 0, "serialize");
    Trainer *r;
    cfg.ste = 1;   /* the resumed run also exercises the straight-through path */
    CHECK_MSG(trainer_new(&r, &cfg, ck, ck_size) == 0, "resume");
    CHECK_MSG(trainer_steps_done(r) == STEPS, "resumed step counter %ld", trainer_steps_done(r));
    uint8_t *ck2;
    size_t ck2_size;
    CHECK_MSG(trainer_serialize(r, 1, "test checkpoint", &ck2, &ck2_size) == 0, "serialize resumed");
    CHECK_MSG(ck_size == ck2_size && memcmp(ck, ck2, ck_size) == 0,
          "checkpoint of a resumed trainer differs from the original");
    trainer_add_image(r, im, 96, 80, 0);
    CHECK_MSG(trainer_step(r, &st) == 0 && isfinite(st.loss), "step after resume");

    /* A shared-prior model resumed with per-level priors: the split prior
     * gives the same loss for the same minibatch, and the file becomes
     * architecture 2 with the prior repeated per level. */
    TrainConfig shared_cfg = cfg;
    shared_cfg.per_level_prior = 0;
    shared_cfg.ste = 0;
    Trainer *s1, *s2;
    CHECK_MSG(trainer_new(&s1, &shared_cfg, NULL, 0) == 0, "shared-prior trainer");
    trainer_add_image(s1, im, 96, 80, 0);
    for (int i = 0; i < 10; i++)
        trainer_step(s1, &st);
    uint8_t *sk;
    size_t sk_size;
    CHECK_MSG(trainer_serialize(s1, 1, NULL, &sk, &sk_size) == 0, "serialize shared");
    cfg.ste = 0;
    CHECK_MSG(trainer_new(&s2, &cfg, sk, sk_size) == 0, "resume shared as per-level");
    trainer_add_image(s2, im, 96, 80, 0);
    const double l1 = trainer_loss_and_gradients(s1, 42), l2 = trainer_loss_and_gradients(s2, 42);
    CHECK_MSG(fabs(l1 - l2) <= 1e-6 * fabs(l1), "split prior changes the loss: %.9g vs %.9g", l1, l2);
    uint8_t *pk;
    size_t pk_size;
    CHECK_MSG(trainer_serialize(s2, 1, NULL, &pk, &pk_size) == 0 && pk_size > sk_size
          && pk[48] == 2 && sk[48] == 1, "per-level checkpoint");
    CHECK_MSG(trainer_step(s2, &st) == 0 && isfinite(st.loss), "step after split");
    free(sk);
    free(pk);
    trainer_free(s1);
    trainer_free(s2);

    /* A resume with a warmup: the lr ramps up from the resumed step. */
    TrainConfig warm_cfg = cfg;
    warm_cfg.warmup = 10;
    Trainer *wt;
    CHECK_MSG(trainer_new(&wt, &warm_cfg, ck, ck_size) == 0, "resume with warmup");
    CHECK_MSG(fabs(trainer_lr_at(wt, STEPS) - cfg.lr / 10) < 1e-9
          && fabs(trainer_lr_at(wt, STEPS + 4) - cfg.lr / 2) < 1e-9
          && trainer_lr_at(wt, STEPS + 9) == cfg.lr && trainer_lr_at(wt, STEPS + 50) == cfg.lr,
          "warmup ramp");
    trainer_free(wt);

    free(ck);
    free(ck2);
    trainer_free(r);
    trainer_free(t);
    free(im);
    return check_report();
}
