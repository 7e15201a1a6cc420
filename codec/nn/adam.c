/* Adam with bias correction, decoupled weight decay (AdamW) and global-norm
 * gradient clipping. */
#include "nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int adam_init(Adam *a, Param **params, size_t count)
{
    memset(a, 0, sizeof *a);
    a->lr = 1e-4f;
    a->beta1 = 0.9f;
    a->beta2 = 0.999f;
    a->eps = 1e-8f;
    a->weight_decay = 0.0f;
    a->clip_norm = 1.0f;
    a->count = count;
    a->params = params;
    a->m = calloc(count ? count : 1, sizeof *a->m);
    a->v = calloc(count ? count : 1, sizeof *a->v);
    if (!a->m || !a->v) {
        adam_free(a);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        size_t n = params[i]->n ? params[i]->n : 1;
        a->m[i] = calloc(n, sizeof(float));
        a->v[i] = calloc(n, sizeof(float));
        if (!a->m[i] || !a->v[i] || param_alloc_grad(params[i]) < 0) {
            adam_free(a);
            return -1;
        }
    }
    return 0;
}

void adam_free(Adam *a)
{
    for (size_t i = 0; a->m && i < a->count; i++)
        free(a->m[i]);
    for (size_t i = 0; a->v && i < a->count; i++)
        free(a->v[i]);
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
    a->count = 0;
}

float adam_step(Adam *a)
{
    double sq = 0.0;
    for (size_t i = 0; i < a->count; i++) {
        const Param *p = a->params[i];
        for (size_t j = 0; j < p->n; j++)
            sq += (double)p->g[j] * p->g[j];
    }
    const double norm = sqrt(sq);
    float scale = 1.0f;
    if (a->clip_norm > 0.0f && norm > a->clip_norm)
        scale = (float)(a->clip_norm / (norm + 1e-6));

    a->t++;
    const float b1 = a->beta1, b2 = a->beta2;
    const float bc1 = (float)(1.0 - pow(b1, (double)a->t));
    const float bc2 = (float)(1.0 - pow(b2, (double)a->t));
    const float step = a->lr / bc1;
    const float inv_sqrt_bc2 = 1.0f / sqrtf(bc2);
    const float decay = 1.0f - a->lr * a->weight_decay;
    for (size_t i = 0; i < a->count; i++) {
        Param *p = a->params[i];
        float *m = a->m[i], *v = a->v[i];
        for (size_t j = 0; j < p->n; j++) {
            float g = p->g[j] * scale;
            m[j] = b1 * m[j] + (1.0f - b1) * g;
            v[j] = b2 * v[j] + (1.0f - b2) * g * g;
            p->v[j] = p->v[j] * decay - step * m[j] / (sqrtf(v[j]) * inv_sqrt_bc2 + a->eps);
            p->g[j] = 0.0f;
        }
    }
    return (float)norm;
}
