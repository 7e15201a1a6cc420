/* Classifier shapes, forward pass and prediction: see classifier.h. */
#include "classifier.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

const char *classifier_kind_name(uint32_t kind)
{
    return kind == CLS_SOFTMAX ? "softmax" : kind == CLS_MLP ? "mlp" : "?";
}

int classifier_kind_from_name(const char *name)
{
    if (!strcmp(name, "softmax"))
        return CLS_SOFTMAX;
    if (!strcmp(name, "mlp"))
        return CLS_MLP;
    return -1;
}

int classifier_init(Classifier *c, uint32_t kind, uint32_t dim, uint32_t hidden,
                    uint32_t classes, const char *tag)
{
    memset(c, 0, sizeof *c);
    if ((kind != CLS_SOFTMAX && kind != CLS_MLP) || dim == 0 || dim > CLS_MAX_DIM
        || classes < 2 || classes > CLS_MAX_CLASSES
        || (kind == CLS_MLP && (hidden == 0 || hidden > CLS_MAX_HIDDEN)))
        return -1;
    c->kind = kind;
    c->dim = dim;
    c->hidden = kind == CLS_MLP ? hidden : 0;
    c->classes = classes;
    if (tag)
        memcpy(c->tag, tag, strnlen(tag, CLS_TAG_SIZE - 1));
    size_t out1 = kind == CLS_MLP ? hidden : classes;
    c->mean = calloc(dim, sizeof(float));
    c->inv_std = malloc(dim * sizeof(float));
    c->w1 = calloc((size_t)dim * out1, sizeof(float));
    c->b1 = calloc(out1, sizeof(float));
    if (kind == CLS_MLP) {
        c->w2 = calloc((size_t)hidden * classes, sizeof(float));
        c->b2 = calloc(classes, sizeof(float));
    }
    if (!c->mean || !c->inv_std || !c->w1 || !c->b1
        || (kind == CLS_MLP && (!c->w2 || !c->b2))) {
        classifier_free(c);
        return -1;
    }
    for (uint32_t i = 0; i < dim; i++)
        c->inv_std[i] = 1.0f;
    return 0;
}

void classifier_free(Classifier *c)
{
    if (!c)
        return;
    free(c->mean);
    free(c->inv_std);
    free(c->w1);
    free(c->b1);
    free(c->w2);
    free(c->b2);
    memset(c, 0, sizeof *c);
}

void classifier_standardise(const Classifier *c, const float *x, size_t n, float *xs)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + r * c->dim;
        float *o = xs + r * c->dim;
        for (uint32_t i = 0; i < c->dim; i++)
            o[i] = (xr[i] - c->mean[i]) * c->inv_std[i];
    }
}

// y [n, m] = x [n, k] · w [k, m] + b [m]
static void affine(const float *x, const float *w, const float *b, size_t n, size_t k,
                   size_t m, float *y)
{
    for (size_t r = 0; r < n; r++)
        memcpy(y + r * m, b, m * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)m, (int)k, 1.0f, x,
                (int)k, w, (int)m, 1.0f, y, (int)m);
}

void classifier_forward(const Classifier *c, const float *xs, size_t n, float *h, float *logits)
{
    if (c->kind == CLS_SOFTMAX) {
        affine(xs, c->w1, c->b1, n, c->dim, c->classes, logits);
        return;
    }
    size_t hn = (size_t)n * c->hidden;
    affine(xs, c->w1, c->b1, n, c->dim, c->hidden, h);
    for (size_t i = 0; i < hn; i++)
        h[i] = h[i] > 0.0f ? h[i] : 0.0f;
    affine(h, c->w2, c->b2, n, c->hidden, c->classes, logits);
}

int classifier_predict(const Classifier *c, const float *x, size_t n, uint8_t *pred)
{
    const size_t chunk = 512;   // bounds scratch memory, keeps sgemm efficient
    size_t rows = n < chunk ? n : chunk;
    float *xs = malloc(rows * c->dim * sizeof(float));
    float *h = c->kind == CLS_MLP ? malloc(rows * c->hidden * sizeof(float)) : NULL;
    float *logits = malloc(rows * c->classes * sizeof(float));
    if (!xs || !logits || (c->kind == CLS_MLP && !h)) {
        free(xs);
        free(h);
        free(logits);
        return -1;
    }
    for (size_t r0 = 0; r0 < n; r0 += chunk) {
        size_t m = n - r0 < chunk ? n - r0 : chunk;
        classifier_standardise(c, x + r0 * c->dim, m, xs);
        classifier_forward(c, xs, m, h, logits);
        for (size_t r = 0; r < m; r++) {
            const float *l = logits + r * c->classes;
            uint32_t best = 0;
            for (uint32_t k = 1; k < c->classes; k++)
                if (l[k] > l[best])
                    best = k;
            pred[r0 + r] = (uint8_t)best;
        }
    }
    free(xs);
    free(h);
    free(logits);
    return 0;
}
