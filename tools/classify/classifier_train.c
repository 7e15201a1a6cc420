/* Training for the classifiers of classifier.h: feature standardisation,
 * initialisation, minibatch Adam on the softmax cross-entropy.
 *
 * Why Adam with a cosine-decayed rate: it needs no per-feature-set tuning
 * (latents and pixels have very different scales even after
 * standardisation, and latents have many near-constant features), and
 * decaying to zero gives a stable final epoch without a validation split. */
#include "classifier.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void classifier_default_train_options(ClassifierTrainOptions *o, uint32_t kind)
{
    memset(o, 0, sizeof *o);
    o->epochs = kind == CLS_MLP ? 20 : 15;
    o->batch = 128;
    o->lr = 1e-3f;
    o->weight_decay = 1e-4f;
    o->seed = 1;
}

/* splitmix64: deterministic, tiny. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float next_normal(uint64_t *s)
{
    double u1 = ((next_u64(s) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Mean and 1/std per feature. Near-constant features (rare non-zero
 * latents) would get huge scales, so the variance gets a floor of 1% of the
 * average feature variance. */
static void fit_standardisation(Classifier *c, const float *x, size_t n)
{
    double *sum = calloc(c->dim, sizeof(double));
    double *sq = calloc(c->dim, sizeof(double));
    if (!sum || !sq) {   // keep the identity transform
        free(sum);
        free(sq);
        return;
    }
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * c->dim;
        for (uint32_t i = 0; i < c->dim; i++) {
            sum[i] += xr[i];
            sq[i] += (double)xr[i] * xr[i];
        }
    }
    double avg_var = 0;
    for (uint32_t i = 0; i < c->dim; i++) {
        double m = sum[i] / (double)n;
        sq[i] = sq[i] / (double)n - m * m;
        if (sq[i] < 0)
            sq[i] = 0;
        c->mean[i] = (float)m;
        avg_var += sq[i];
    }
    avg_var /= c->dim;
    double floor_var = avg_var > 0 ? 0.01 * avg_var : 1.0;
    for (uint32_t i = 0; i < c->dim; i++)
        c->inv_std[i] = (float)(1.0 / sqrt(sq[i] + floor_var));
    free(sum);
    free(sq);
}

typedef struct AdamSlot {
    float *v;       /* parameter */
    float *g;       /* gradient */
    float *m1, *m2; /* moments */
    size_t n;
    int decay;      /* weights decay, biases do not */
} AdamSlot;

static void adam_update(AdamSlot *s, float lr, float wd, long t)
{
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    float c1 = 1.0f - powf(b1, (float)t), c2 = 1.0f - powf(b2, (float)t);
    float step = lr * sqrtf(c2) / c1;
    for (size_t i = 0; i < s->n; i++) {
        float g = s->g[i];
        s->m1[i] = b1 * s->m1[i] + (1 - b1) * g;
        s->m2[i] = b2 * s->m2[i] + (1 - b2) * g * g;
        if (s->decay)
            s->v[i] -= lr * wd * s->v[i];
        s->v[i] -= step * s->m1[i] / (sqrtf(s->m2[i]) + eps);
    }
}

/* Softmax cross-entropy: turns logits [b, k] into dlogits/b, returns the
 * summed loss and counts correct predictions. */
static double softmax_xent(float *logits, const uint8_t *y, size_t b, uint32_t k, size_t *correct)
{
    double loss = 0;
    for (size_t r = 0; r < b; r++) {
        float *l = logits + r * k;
        uint32_t best = 0;
        float mx = l[0];
        for (uint32_t j = 1; j < k; j++)
            if (l[j] > mx) {
                mx = l[j];
                best = j;
            }
        if (best == y[r])
            (*correct)++;
        double z = 0;
        for (uint32_t j = 0; j < k; j++) {
            l[j] = expf(l[j] - mx);
            z += l[j];
        }
        loss -= log(l[y[r]] / z + 1e-30);
        float inv = (float)(1.0 / (z * (double)b));
        for (uint32_t j = 0; j < k; j++)
            l[j] *= inv;
        l[y[r]] -= 1.0f / (float)b;
    }
    return loss;
}

static void col_sum(const float *a, size_t rows, size_t cols, float *out)
{
    memset(out, 0, cols * sizeof(float));
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            out[j] += a[r * cols + j];
}

int classifier_train(Classifier *c, const float *x, const uint8_t *y, size_t n,
                     const ClassifierTrainOptions *o)
{
    if (n == 0 || o->batch <= 0 || o->epochs <= 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (y[i] >= c->classes)
            return -1;
    const int mlp = c->kind == CLS_MLP;
    const size_t D = c->dim, H = c->hidden, K = c->classes;
    const size_t B = (size_t)o->batch < n ? (size_t)o->batch : n;
    const size_t out1 = mlp ? H : K;
    uint64_t rng = o->seed;

    fit_standardisation(c, x, n);
    float std1 = mlp ? sqrtf(2.0f / (float)D) : 0.01f;   // He init for the ReLU layer
    for (size_t i = 0; i < D * out1; i++)
        c->w1[i] = std1 * next_normal(&rng);
    memset(c->b1, 0, out1 * sizeof(float));
    if (mlp) {
        float std2 = sqrtf(1.0f / (float)H);
        for (size_t i = 0; i < H * K; i++)
            c->w2[i] = std2 * next_normal(&rng);
        memset(c->b2, 0, K * sizeof(float));
    }

    AdamSlot slots[4];
    int nslots = mlp ? 4 : 2;
    memset(slots, 0, sizeof slots);
    slots[0] = (AdamSlot){c->w1, NULL, NULL, NULL, D * out1, 1};
    slots[1] = (AdamSlot){c->b1, NULL, NULL, NULL, out1, 0};
    if (mlp) {
        slots[2] = (AdamSlot){c->w2, NULL, NULL, NULL, H * K, 1};
        slots[3] = (AdamSlot){c->b2, NULL, NULL, NULL, K, 0};
    }
    int ok = 1;
    for (int s = 0; s < nslots; s++) {
        slots[s].g = calloc(slots[s].n, sizeof(float));
        slots[s].m1 = calloc(slots[s].n, sizeof(float));
        slots[s].m2 = calloc(slots[s].n, sizeof(float));
        ok &= slots[s].g && slots[s].m1 && slots[s].m2;
    }
    uint32_t *perm = malloc(n * sizeof(uint32_t));
    float *xb = malloc(B * D * sizeof(float));
    float *h = mlp ? malloc(B * H * sizeof(float)) : NULL;
    float *dh = mlp ? malloc(B * H * sizeof(float)) : NULL;
    float *logits = malloc(B * K * sizeof(float));
    uint8_t *yb = malloc(B);
    ok &= perm && xb && logits && yb && (!mlp || (h && dh));
    int rc = -1;
    if (!ok)
        goto done;

    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    const long steps_per_epoch = (long)((n + B - 1) / B);
    const long total = steps_per_epoch * o->epochs;
    long t = 0;
    for (int ep = 0; ep < o->epochs; ep++) {
        for (size_t i = n - 1; i > 0; i--) {   // Fisher-Yates
            size_t j = (size_t)(next_u64(&rng) % (i + 1));
            uint32_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        double loss = 0;
        size_t correct = 0;
        for (size_t b0 = 0; b0 < n; b0 += B) {
            size_t b = n - b0 < B ? n - b0 : B;
            for (size_t r = 0; r < b; r++) {
                classifier_standardise(c, x + (size_t)perm[b0 + r] * D, 1, xb + r * D);
                yb[r] = y[perm[b0 + r]];
            }
            classifier_forward(c, xb, b, h, logits);
            loss += softmax_xent(logits, yb, b, (uint32_t)K, &correct);
            // logits now hold dL/dlogits
            if (mlp) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)H, (int)K, (int)b,
                            1.0f, h, (int)H, logits, (int)K, 0.0f, slots[2].g, (int)K);
                col_sum(logits, b, K, slots[3].g);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, (int)H, (int)K,
                            1.0f, logits, (int)K, c->w2, (int)K, 0.0f, dh, (int)H);
                for (size_t i = 0; i < b * H; i++)
                    if (h[i] <= 0.0f)
                        dh[i] = 0.0f;
            }
            const float *d1 = mlp ? dh : logits;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)D, (int)out1, (int)b, 1.0f,
                        xb, (int)D, d1, (int)out1, 0.0f, slots[0].g, (int)out1);
            col_sum(d1, b, out1, slots[1].g);
            t++;
            float lr = o->lr * 0.5f * (1.0f + cosf(3.14159265f * (float)(t - 1) / (float)total));
            for (int s = 0; s < nslots; s++)
                adam_update(&slots[s], lr, o->weight_decay, t);
        }
        if (o->verbose)
            fprintf(stderr, "  %s epoch %d/%d: loss %.4f, train accuracy %.4f\n",
                    classifier_kind_name(c->kind), ep + 1, o->epochs, loss / (double)n,
                    (double)correct / (double)n);
    }
    rc = 0;
done:
    for (int s = 0; s < nslots; s++) {
        free(slots[s].g);
        free(slots[s].m1);
        free(slots[s].m2);
    }
    free(perm);
    free(xb);
    free(h);
    free(dh);
    free(logits);
    free(yb);
    return rc;
}
