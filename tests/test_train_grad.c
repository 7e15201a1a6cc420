/* The trainer's whole backward pass (transforms, gains, prior, distortion;
 * with the mean-scale hyperprior also h_a, h_s, the z gains and prior and
 * the Gaussian rate) against central finite differences of its loss, on a
 * tiny network with noisy (differentiable) quantization and a fixed
 * minibatch and noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "lossy/lossy_net.h"
#include "train/train.h"
#include "train/train_hyper.h"


static void zero_grads(Trainer *t)
{
    for (int i = 0; i < trainer_tensor_count(t); i++) {
        Param *p = trainer_param(t, i, NULL);
        memset(p->g, 0, p->n * sizeof(float));
    }
}

/* rate_only: lambdas so small that the rate dominates the loss (its
 * gradients would hide under the distortion's otherwise). */
static void check_gradients(int hyperprior, int rate_only)
{
    TrainConfig cfg;
    train_default_config(&cfg);
    cfg.n = 4;
    cfg.m = 5;
    cfg.levels = 2;
    cfg.lambdas[0] = rate_only ? 1e-6f : 0.01f;
    cfg.lambdas[1] = rate_only ? 4e-6f : 0.08f;
    cfg.batch = 2;
    cfg.crop = hyperprior ? 64 : 32;
    cfg.hyperprior = hyperprior;
    cfg.ste = 0;
    cfg.threads = 1;
    cfg.seed = 9;
    Trainer *t;
    if (trainer_new(&t, &cfg, NULL, 0) != 0) {
        CHECK_MSG(0, "trainer_new (hyperprior %d)", hyperprior);
        return;
    }
    uint8_t *im = malloc(96 * 80 * 3);
    for (int i = 0; i < 96 * 80 * 3; i++)
        im[i] = (uint8_t)(128 + 100 * sin(i * 0.013) * cos(i * 0.0007));
    trainer_add_image(t, im, 96, 80, 0);
    free(im);
    if (hyperprior) {
        /* Log-scales well above the bound sigma >= 0.11, whose gradient
         * passes through where the function is flat (as in CompressAI). */
        for (int i = 0; i < trainer_tensor_count(t); i++) {
            char name[16];
            Param *p = trainer_param(t, i, name);
            if (strcmp(name, "hs2.b") == 0)
                for (size_t j = 0; j < p->n; j++)
                    p->v[j] = j < p->n / 2 ? 0.3f : 1.5f;   /* and non-zero means */
        }
    }
    /* A few steps first so the gains and prior are not at their init. */
    TrainStats st;
    for (int i = 0; i < 5; i++)
        trainer_step(t, &st);

    const uint64_t seed = 1234;
    zero_grads(t);
    trainer_loss_and_gradients(t, seed);
    const int count = trainer_tensor_count(t);
    CHECK_MSG(count == (hyperprior ? LOSSY_MAX_TENSORS : LOSSY_TENSORS), "tensor count %d", count);
    float *grads[LOSSY_MAX_TENSORS];
    for (int i = 0; i < count; i++) {
        Param *p = trainer_param(t, i, NULL);
        grads[i] = malloc(p->n * sizeof(float));
        memcpy(grads[i], p->g, p->n * sizeof(float));
    }
    int checked = 0;
    for (int i = 0; i < count; i++) {
        char name[16];
        Param *p = trainer_param(t, i, name);
        size_t best = 0;
        for (size_t j = 1; j < p->n; j++)
            if (fabsf(grads[i][j]) > fabsf(grads[i][best]))
                best = j;
        /* the entry with the largest gradient and others spread over the
         * tensor (more with the hyperprior, whose paths are many and thin) */
        const int npicks = hyperprior ? 6 : 2;
        for (int k = 0; k < npicks; k++) {
            const size_t j = k == 0 ? best : (best * 7 + 3 + (size_t)k * 131) % p->n;
            const float save = p->v[j];
            /* smaller steps with the hyperprior: its ReLUs put kinks
             * closer to the tiny net's operating point */
            const float h = hyperprior ? fmaxf(1e-4f, 1e-3f * fabsf(save))
                                       : fmaxf(1e-3f, 1e-2f * fabsf(save));
            p->v[j] = save + h;
            double up = trainer_loss_and_gradients(t, seed);
            p->v[j] = save - h;
            double dn = trainer_loss_and_gradients(t, seed);
            p->v[j] = save;
            const double fd = (up - dn) / ((double)(save + h) - (double)(save - h));
            const double an = grads[i][j];
            const double err = fabs(fd - an) / fmax(fabs(fd), fabs(an));
            /* absolute slack: float rounding in the finite difference,
             * and ReLU kinks the tiny hyperprior's biases cross */
            const double slack = hyperprior ? 2e-5 : 1e-6;
            CHECK_MSG(err < 0.02 || fabs(fd - an) < slack * fmax(1.0, fabs(up)),
                  "%s[%zu]: analytic %.6g, finite difference %.6g", name, j, an, fd);
            checked++;
        }
    }
    printf("checked %d gradients against finite differences (hyperprior %d, rate only %d)\n",
           checked, hyperprior, rate_only);
    for (int i = 0; i < count; i++)
        free(grads[i]);
    trainer_free(t);
}

/* The discretised Gaussian's rate and its two derivatives (double
 * precision, so tight), including the far tail and the floor. */
static void check_gaussian(void)
{
    const double rs[] = {0, 0.3, -0.7, 1.5, -4.2, 9.0};
    const double sigmas[] = {0.11, 0.4, 1.0, 3.7, 40.0};
    int checked = 0;
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        for (size_t j = 0; j < sizeof sigmas / sizeof sigmas[0]; j++) {
            const double r = rs[i], sg = sigmas[j], h = 1e-6;
            double dr, ds;
            const double bits = hyper_gaussian_bits(r, sg, &dr, &ds);
            const double p = 0.5 * erfc(-(r + 0.5) / sg / sqrt(2.0))
                           - 0.5 * erfc(-(r - 0.5) / sg / sqrt(2.0));
            CHECK_MSG(fabs(bits + log2(fmax(p, 1e-9))) < 1e-6 * fmax(1.0, bits),
                  "gaussian bits r %g sigma %g: %g, expected %g", r, sg, bits,
                  -log2(fmax(p, 1e-9)));
            if (p < 1e-8)
                continue;   /* at the floor the gradient passes through on purpose */
            const double fr = (hyper_gaussian_bits(r + h, sg, NULL, NULL)
                               - hyper_gaussian_bits(r - h, sg, NULL, NULL)) / (2 * h);
            const double fs = (hyper_gaussian_bits(r, sg + h, NULL, NULL)
                               - hyper_gaussian_bits(r, sg - h, NULL, NULL)) / (2 * h);
            CHECK_MSG(fabs(fr - dr) < 1e-5 * fmax(1.0, fabs(fr))
                      && fabs(fs - ds) < 1e-5 * fmax(1.0, fabs(fs)),
                  "gaussian derivatives r %g sigma %g: d/dr %g vs %g, d/dsigma %g vs %g", r, sg, dr,
                  fr, ds, fs);
            checked++;
        }
    printf("checked %d Gaussian rates and derivatives\n", checked);
}

int main(void)
{
    check_gaussian();
    check_gradients(0, 0);
    check_gradients(1, 0);
    check_gradients(1, 1);
    return check_report();
}
