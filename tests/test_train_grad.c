/* The trainer's whole backward pass (transforms, gains, prior, distortion)
 * against central finite differences of its loss, on a tiny network with
 * noisy (differentiable) quantization and a fixed minibatch and noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "lossy/lossy_net.h"
#include "train/train.h"


static void zero_grads(Trainer *t)
{
    for (int i = 0; i < LOSSY_TENSORS; i++) {
        Param *p = trainer_param(t, i, NULL);
        memset(p->g, 0, p->n * sizeof(float));
    }
}

int main(void)
{
    TrainConfig cfg;
    train_default_config(&cfg);
    cfg.n = 4;
    cfg.m = 5;
    cfg.levels = 2;
    cfg.lambdas[0] = 0.01f;
    cfg.lambdas[1] = 0.08f;
    cfg.batch = 2;
    cfg.crop = 32;
    cfg.ste = 0;
    cfg.threads = 1;
    cfg.seed = 9;
    Trainer *t;
    if (trainer_new(&t, &cfg, NULL, 0) != 0)
        return 1;
    uint8_t *im = malloc(64 * 48 * 3);
    for (int i = 0; i < 64 * 48 * 3; i++)
        im[i] = (uint8_t)(128 + 100 * sin(i * 0.013) * cos(i * 0.0007));
    trainer_add_image(t, im, 64, 48, 0);
    free(im);
    /* A few steps first so the gains and prior are not at their init. */
    TrainStats st;
    for (int i = 0; i < 5; i++)
        trainer_step(t, &st);

    const uint64_t seed = 1234;
    zero_grads(t);
    trainer_loss_and_gradients(t, seed);
    float *grads[LOSSY_TENSORS];
    for (int i = 0; i < LOSSY_TENSORS; i++) {
        Param *p = trainer_param(t, i, NULL);
        grads[i] = malloc(p->n * sizeof(float));
        memcpy(grads[i], p->g, p->n * sizeof(float));
    }
    int checked = 0;
    for (int i = 0; i < LOSSY_TENSORS; i++) {
        char name[16];
        Param *p = trainer_param(t, i, name);
        /* the entry with the largest gradient, and one more */
        size_t best = 0;
        for (size_t j = 1; j < p->n; j++)
            if (fabsf(grads[i][j]) > fabsf(grads[i][best]))
                best = j;
        size_t picks[2] = {best, (best * 7 + 3) % p->n};
        for (int k = 0; k < 2; k++) {
            const size_t j = picks[k];
            const float save = p->v[j];
            const float h = fmaxf(1e-3f, 1e-2f * fabsf(save));
            p->v[j] = save + h;
            double up = trainer_loss_and_gradients(t, seed);
            p->v[j] = save - h;
            double dn = trainer_loss_and_gradients(t, seed);
            p->v[j] = save;
            const double fd = (up - dn) / ((double)(save + h) - (double)(save - h));
            const double an = grads[i][j];
            const double err = fabs(fd - an) / fmax(fabs(fd), fabs(an));
            CHECK_MSG(err < 0.02 || fabs(fd - an) < 1e-6 * fmax(1.0, fabs(up)),
                  "%s[%zu]: analytic %.6g, finite difference %.6g", name, j, an, fd);
            checked++;
        }
    }
    printf("checked %d gradients against finite differences\n", checked);
    for (int i = 0; i < LOSSY_TENSORS; i++)
        free(grads[i]);
    trainer_free(t);
    return check_report();
}
