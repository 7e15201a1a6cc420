/* Deterministic GDN / IGDN forward (see det_conv.h): effective parameters
 * computed once (gdn_effective: the library is ISO C11, so no contraction),
 * gamma transposed for the kernels, pixels split over threads. */
#include "det_conv.h"
#include "det_kernels.h"
#include "nn_internal.h"

#include <stdlib.h>
#include <string.h>

void nn_det_gdn_free(NnDetGdn *g)
{
    free(g->beta);
    free(g->gamma);
    memset(g, 0, sizeof *g);
}

int nn_det_gdn_pack(NnDetGdn *g, const Gdn *l)
{
    memset(g, 0, sizeof *g);
    const int c = l->c;
    const size_t cc = (size_t)c * c;
    float *plain = malloc(cc * sizeof(float));
    g->beta = malloc((size_t)c * sizeof(float));
    g->gamma = malloc(cc * sizeof(float));
    if (!plain || !g->beta || !g->gamma) {
        free(plain);
        nn_det_gdn_free(g);
        return NN_ERR_NOMEM;
    }
    g->c = c;
    g->inverse = l->inverse;
    gdn_effective(l, g->beta, plain);
    for (int i = 0; i < c; i++)
        for (int j = 0; j < c; j++)
            g->gamma[(size_t)j * c + i] = plain[(size_t)i * c + j];
    free(plain);
    return 0;
}

void nn_det_gdn_pixels(const NnDetGdn *g, float *img, size_t hw, size_t p0, size_t p1, float *sq)
{
    const NnDetKernels *kr = nn_det_kernels();
    /* chunks bounded for int pixel counts */
    for (size_t p = p0; p < p1; p += (size_t)1 << 20) {
        const size_t n = p1 - p < ((size_t)1 << 20) ? p1 - p : ((size_t)1 << 20);
        kr->gdn(g->c, (int)n, img + p, hw, g->beta, g->gamma, g->inverse, img + p, sq);
    }
}

typedef struct GdnJob {
    const NnDetGdn *g;
    float *img;
    size_t hw, p0, p1;
    int err;
} GdnJob;

static void *gdn_work(void *arg)
{
    GdnJob *j = arg;
    float *sq = malloc((size_t)j->g->c * 64 * sizeof(float));
    if (!sq) {
        j->err = -1;
        return NULL;
    }
    nn_det_gdn_pixels(j->g, j->img, j->hw, j->p0, j->p1, sq);
    free(sq);
    return NULL;
}

int nn_det_gdn_forward(const NnDetGdn *g, const Tensor *x, Tensor *y)
{
    if (x->c != g->c || !nn_same_shape(x, y))
        return NN_ERR_SHAPE;
    const size_t hw = (size_t)x->h * x->w;
    if (y != x)
        memcpy(y->data, x->data, tensor_count(x) * sizeof(float));
    const int nt = nn_det_threads((long)(hw < 1024 ? 1 : hw / 1024));
    GdnJob job[NN_DET_MAX_THREADS];
    int err = 0;
    for (int n = 0; n < x->n; n++) {
        for (int t = 0; t < nt; t++)
            job[t] = (GdnJob){ g, y->data + (size_t)n * g->c * hw, hw, hw * t / nt,
                               hw * (t + 1) / nt, 0 };
        nn_det_run(gdn_work, job, sizeof job[0], nt);
        for (int t = 0; t < nt; t++)
            err |= job[t].err;
    }
    return err ? NN_ERR_NOMEM : 0;
}
