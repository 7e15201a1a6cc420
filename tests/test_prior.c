/* The factorized prior: probabilities sum to 1, and the rate gradient
 * (parameters and inputs; inputs with scaled bins, prior_bits_dv) matches
 * central finite differences. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "lossy/prior.h"


static double rel_err(double a, double b)
{
    return fabs(a - b) / fmax(1e-4, fmax(fabs(a), fabs(b)));
}

int main(void)
{
    Rng rng;
    rng_seed(&rng, 7);
    Prior p;
    if (prior_init(&p, 3, &rng) < 0 || param_alloc_grad(&p.matrices) < 0
        || param_alloc_grad(&p.biases) < 0 || param_alloc_grad(&p.factors) < 0)
        return 1;
    /* Move away from the symmetric init so every parameter matters. */
    for (size_t i = 0; i < p.matrices.n; i++)
        p.matrices.v[i] += 0.3f * rng_normal(&rng);
    for (size_t i = 0; i < p.factors.n; i++)
        p.factors.v[i] = 0.5f * rng_normal(&rng);

    /* Probabilities of all integer bins sum to ~1 for every channel. */
    for (int k = 0; k < 3; k++) {
        double sum = 0;
        for (int v = -200; v <= 200; v++)
            sum += prior_prob(&p, k, v);
        CHECK_MSG(fabs(sum - 1.0) < 1e-3, "channel %d: sum of p = %.6f", k, sum);
    }
    /* Scaled bins (a gain between two levels) still partition the line, and
     * scale 1 is the plain prior. */
    for (int k = 0; k < 3; k++)
        for (double s = 0.6; s < 2.0; s += 0.5) {
            double sum = 0;
            for (int v = -400; v <= 400; v++) {
                const float fv = (float)v;
                sum += exp2(-prior_bits_scaled(&p, k, &fv, 1, s));
            }
            CHECK_MSG(fabs(sum - 1.0) < 1e-3, "channel %d, scale %.1f: sum of p = %.6f", k, s, sum);
        }
    {
        const float fv = 2.0f;
        CHECK_MSG(prior_bits_scaled(&p, 1, &fv, 1, 1.0) == -log2(prior_prob(&p, 1, 2.0)),
              "scale 1 differs from prior_prob");
    }

    enum { N = 40 };
    float v[N], dv[N];
    for (int i = 0; i < N; i++)
        v[i] = 4.0f * rng_normal(&rng);
    v[0] = 60.0f;   /* deep in the tail: the floor */
    const int k = 1;
    const float scale = 0.37f;
    prior_bits_backward(&p, k, v, N, scale, dv);

    /* d bits / d v */
    for (int i = 1; i < N; i++) {
        const float h = 1e-2f;
        float save = v[i];
        v[i] = save + h;
        double up = prior_bits(&p, k, &v[i], 1);
        v[i] = save - h;
        double dn = prior_bits(&p, k, &v[i], 1);
        v[i] = save;
        double fd = scale * (up - dn) / (2 * h);
        CHECK_MSG(rel_err(fd, dv[i]) < 2e-2 || fabs(fd - dv[i]) < 1e-4,
              "dv[%d] = %g, finite difference %g (v = %g)", i, dv[i], fd, v[i]);
    }

    /* With bins of width s (a level between two trained ones), the prior
     * fixed: d bits / d v of prior_bits_scaled. */
    float dvs[N];
    const double s_bin = 0.8;
    const double bits_s = prior_bits_dv(&p, k, v, N, s_bin, scale, dvs);
    CHECK_MSG(fabs(bits_s - prior_bits_scaled(&p, k, v, N, s_bin)) < 1e-9 * fabs(bits_s),
              "prior_bits_dv bits differ from prior_bits_scaled");
    for (int i = 1; i < N; i++) {
        const float h = 1e-2f, save = v[i];
        v[i] = save + h;
        const double up = prior_bits_scaled(&p, k, &v[i], 1, s_bin);
        v[i] = save - h;
        const double dn = prior_bits_scaled(&p, k, &v[i], 1, s_bin);
        v[i] = save;
        const double fd = scale * (up - dn) / (2 * h);
        CHECK_MSG(rel_err(fd, dvs[i]) < 2e-2 || fabs(fd - dvs[i]) < 1e-4,
                  "scaled dv[%d] = %g, finite difference %g (v = %g)", i, dvs[i], fd, v[i]);
    }

    /* d bits / d params of channel k; other channels get no gradient. */
    Param *ps[3] = {&p.matrices, &p.biases, &p.factors};
    const int per[3] = {PRIOR_NMAT, PRIOR_NBIAS, PRIOR_NFAC};
    int checked = 0;
    for (int t = 0; t < 3; t++) {
        for (int j = 0; j < per[t]; j++) {
            float *w = &ps[t]->v[(size_t)k * per[t] + j];
            const float save = *w, h = 1e-3f;
            *w = save + h;
            double up = prior_bits(&p, k, v, N);
            *w = save - h;
            double dn = prior_bits(&p, k, v, N);
            *w = save;
            double fd = scale * (up - dn) / (2 * h);
            double an = ps[t]->g[(size_t)k * per[t] + j];
            CHECK_MSG(rel_err(fd, an) < 2e-2 || fabs(fd - an) < 2e-3,
                  "param set %d index %d: analytic %g, finite difference %g", t, j, an, fd);
            checked++;
        }
        for (int j = 0; j < per[t]; j++)
            CHECK_MSG(ps[t]->g[j] == 0.0f, "channel 0 got a gradient");
    }
    printf("checked %d parameter gradients and %d input gradients\n", checked, N - 1);
    prior_free(&p);
    return check_report();
}
