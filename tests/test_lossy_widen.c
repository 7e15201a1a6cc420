/* Widening a model's latents (lossy_net_widen_latents): the old channels
 * keep their analysis outputs, gains and priors; with the new channels at
 * zero the synthesis is unchanged; new channels get the level's mean gain
 * and its most zero-peaked prior; narrowing is refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lossy/lossy_net.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

enum { N = 6, OLD_M = 5, NEW_M = 9, LEVELS = 3, SIDE = 48 };

static void make_net(LossyNet *net)
{
    static const float lambdas[LEVELS] = {0.01f, 0.03f, 0.09f};
    Rng rng;
    rng_seed(&rng, 11);
    CHECK(lossy_net_init(net, N, OLD_M, LEVELS, lambdas, LEVELS, &rng) == 0, "init");
    /* Trained-looking gains and priors: different per channel and level. */
    for (size_t i = 0; i < net->gain.n; i++) {
        net->gain.v[i] += 0.3f * rng_normal(&rng);
        net->igain.v[i] = -net->gain.v[i] + 0.05f * rng_normal(&rng);
    }
    for (size_t i = 0; i < net->prior.matrices.n; i++)
        net->prior.matrices.v[i] += 0.5f * rng_normal(&rng);
}

static double max_diff(const float *a, const float *b, size_t n)
{
    double d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs((double)a[i] - b[i]));
    return d;
}

int main(void)
{
    LossyNet old, wide;
    make_net(&old);
    make_net(&wide);
    Rng rng;
    rng_seed(&rng, 5);
    CHECK(lossy_net_widen_latents(&wide, OLD_M, &rng) == -1, "same width accepted");
    CHECK(lossy_net_widen_latents(&wide, OLD_M - 1, &rng) == -1, "narrowing accepted");
    CHECK(lossy_net_widen_latents(&wide, NEW_M, &rng) == 0 && wide.m == NEW_M, "widen");
    if (failures)
        return 1;

    Tensor *x = tensor_new(1, 3, SIDE, SIDE), *y_old = tensor_new(1, 1, 1, 1),
           *y_wide = tensor_new(1, 1, 1, 1), *x_old = tensor_new(1, 1, 1, 1),
           *x_wide = tensor_new(1, 1, 1, 1);
    for (size_t i = 0; i < (size_t)3 * SIDE * SIDE; i++)
        x->data[i] = rng_uniform(&rng);
    LossyWork w = {0};
    CHECK(lossy_net_analysis(&old, x, y_old, &w) == 0 && lossy_net_analysis(&wide, x, y_wide, &w) == 0,
          "analysis");
    const size_t plane = (size_t)(SIDE / 16) * (SIDE / 16);
    CHECK(y_wide->c == NEW_M, "wide latent channels %d", y_wide->c);
    CHECK(max_diff(y_old->data, y_wide->data, OLD_M * plane) < 1e-5,
          "old channels' latents changed");
    double new_energy = 0;
    for (size_t i = OLD_M * plane; i < NEW_M * plane; i++)
        new_energy += fabs(y_wide->data[i]);
    CHECK(new_energy > 0, "new channels are dead at init");

    /* Synthesis with the new channels at zero = the old synthesis. */
    for (size_t i = OLD_M * plane; i < NEW_M * plane; i++)
        y_wide->data[i] = 0;
    CHECK(lossy_net_synthesis(&old, y_old, x_old, &w) == 0
          && lossy_net_synthesis(&wide, y_wide, x_wide, &w) == 0, "synthesis");
    CHECK(max_diff(x_old->data, x_wide->data, (size_t)3 * SIDE * SIDE) < 1e-5,
          "synthesis changed: %g", max_diff(x_old->data, x_wide->data, (size_t)3 * SIDE * SIDE));

    for (int l = 0; l < LEVELS; l++) {
        double mean = 0;
        for (int c = 0; c < OLD_M; c++)
            mean += old.gain.v[l * OLD_M + c] / OLD_M;
        for (int c = 0; c < NEW_M; c++) {
            const float want = c < OLD_M ? old.gain.v[l * OLD_M + c] : (float)mean;
            CHECK(wide.gain.v[l * NEW_M + c] == want, "gain level %d channel %d", l, c);
        }
        double best = 0;
        for (int c = 0; c < OLD_M; c++) {
            const int k_old = lossy_prior_channel(&old, l, c), k_wide = lossy_prior_channel(&wide, l, c);
            for (int v = -3; v <= 3; v++)
                CHECK(prior_prob(&old.prior, k_old, v) == prior_prob(&wide.prior, k_wide, v),
                      "prior level %d channel %d", l, c);
            best = fmax(best, prior_prob(&old.prior, k_old, 0));
        }
        for (int c = OLD_M; c < NEW_M; c++)
            CHECK(prior_prob(&wide.prior, lossy_prior_channel(&wide, l, c), 0) == best,
                  "new channel %d of level %d: not the most peaked prior", c, l);
    }

    lossy_work_free(&w);
    tensor_free(x);
    tensor_free(y_old);
    tensor_free(y_wide);
    tensor_free(x_old);
    tensor_free(x_wide);
    lossy_net_free(&old);
    lossy_net_free(&wide);
    if (failures)
        printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
