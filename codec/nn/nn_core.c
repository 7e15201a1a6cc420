/* Core pieces of the NN engine: threads, RNG, tensors, params,
 * scratch memory. */
#include "nn.h"
#include "nn_internal.h"

#include <cblas.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- threads ---- */

static atomic_int g_threads;                  /* 0: not set yet */
static _Thread_local int g_local_threads;     /* 0: none (g_threads holds) */

int nn_cpu_count(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 && cores < INT_MAX ? (int)cores : 1;
}

void nn_set_threads(int n)
{
    if (n <= 0)
        n = nn_cpu_count();
    /* OpenBLAS's count is process-wide: set it only when it changes (its
     * thread pool is resized then, which another thread's sgemm should not
     * meet needlessly). */
    atomic_store(&g_threads, n);
    nn_set_blas_threads(n);
}

void nn_set_blas_threads(int n)
{
    if (openblas_get_num_threads() != n)
        openblas_set_num_threads(n);
}

int nn_set_local_threads(int n)
{
    const int old = g_local_threads;
    g_local_threads = n > 0 ? n : 0;
    return old;
}

int nn_get_threads(void)
{
    if (g_local_threads > 0)
        return g_local_threads;
    const int n = atomic_load(&g_threads);
    return n > 0 ? n : openblas_get_num_threads();
}


/* ---- RNG: splitmix64 (simple, good enough for init and tests) ---- */

void rng_seed(Rng *r, uint64_t seed) { r->s = seed; }

static uint64_t rng_next64(Rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t rng_u32(Rng *r) { return (uint32_t)(rng_next64(r) >> 32); }

float rng_uniform(Rng *r)
{
    return (float)(rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

float rng_normal(Rng *r)
{
    /* Box-Muller from 53-bit uniforms; u1 in (0, 1]. */
    double u1 = ((double)(rng_next64(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double u2 = (double)(rng_next64(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

/* ---- aligned allocation (64 bytes: cache lines and AVX-512 loads) ---- */

static float *alloc_floats(size_t n)
{
    void *p = NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / sizeof(float) || posix_memalign(&p, 64, n * sizeof(float)) != 0)
        return NULL;
    return p;
}

/* ---- tensors ---- */

Tensor *tensor_new(int n, int c, int h, int w)
{
    if (n < 0 || c < 0 || h < 0 || w < 0)
        return NULL;
    Tensor *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->n = n; t->c = c; t->h = h; t->w = w;
    t->cap = (size_t)n * c * h * w;
    t->data = alloc_floats(t->cap);
    if (!t->data) {
        free(t);
        return NULL;
    }
    memset(t->data, 0, t->cap * sizeof(float));
    return t;
}

void tensor_free(Tensor *t)
{
    if (!t)
        return;
    free(t->data);
    free(t);
}

size_t tensor_count(const Tensor *t)
{
    return (size_t)t->n * t->c * t->h * t->w;
}

int tensor_reshape(Tensor *t, int n, int c, int h, int w)
{
    if (n < 0 || c < 0 || h < 0 || w < 0)
        return -1;
    size_t need = (size_t)n * c * h * w;
    if (need > t->cap) {
        float *d = alloc_floats(need);
        if (!d)
            return -1;
        free(t->data);
        t->data = d;
        t->cap = need;
    }
    t->n = n; t->c = c; t->h = h; t->w = w;
    return 0;
}

void tensor_zero(Tensor *t)
{
    memset(t->data, 0, tensor_count(t) * sizeof(float));
}

/* ---- parameters ---- */

int param_alloc(Param *p, size_t n)
{
    p->g = NULL;
    p->v = alloc_floats(n);
    if (!p->v) {
        p->n = 0;
        return -1;
    }
    memset(p->v, 0, (n ? n : 1) * sizeof(float));
    p->n = n;
    return 0;
}

int param_alloc_grad(Param *p)
{
    if (p->g)
        return 0;
    p->g = alloc_floats(p->n);
    if (!p->g)
        return -1;
    memset(p->g, 0, (p->n ? p->n : 1) * sizeof(float));
    return 0;
}

void param_free(Param *p)
{
    free(p->v);
    free(p->g);
    p->v = p->g = NULL;
    p->n = 0;
}

/* ---- scratch ---- */

float *nn_scratch(NnScratch *s, size_t floats)
{
    if (floats > s->cap) {
        float *b = alloc_floats(floats);
        if (!b)
            return NULL;
        free(s->buf);
        s->buf = b;
        s->cap = floats;
    }
    return s->buf;
}

void nn_scratch_free(NnScratch *s)
{
    free(s->buf);
    s->buf = NULL;
    s->cap = 0;
}

/* ---- shared small loops ---- */

void nn_add_bias(float *y, const float *b, int c, size_t hw)
{
    for (int ch = 0; ch < c; ch++) {
        float *row = y + (size_t)ch * hw;
        const float bv = b[ch];
        for (size_t i = 0; i < hw; i++)
            row[i] += bv;
    }
}

void nn_set_bias(float *y, const float *b, int c, size_t hw)
{
    for (int ch = 0; ch < c; ch++) {
        float *row = y + (size_t)ch * hw;
        const float bv = b[ch];
        for (size_t i = 0; i < hw; i++)
            row[i] = bv;
    }
}

void nn_init_uniform(float *v, size_t n, float bound, Rng *rng)
{
    for (size_t i = 0; i < n; i++)
        v[i] = (2.0f * rng_uniform(rng) - 1.0f) * bound;
}

int nn_same_shape(const Tensor *a, const Tensor *b)
{
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

void nn_accum_bias_grad(const float *dy, float *g, int c, size_t hw)
{
    for (int ch = 0; ch < c; ch++) {
        const float *row = dy + (size_t)ch * hw;
        /* Blocked float sums combined in double: vectorizable and accurate. */
        double acc = 0.0;
        size_t i = 0;
        for (; i + 256 <= hw; i += 256) {
            float part = 0.0f;
            for (size_t j = 0; j < 256; j++)
                part += row[i + j];
            acc += part;
        }
        for (; i < hw; i++)
            acc += row[i];
        g[ch] += (float)acc;
    }
}

/* ---- sgemm wrapper and profiling ---- */

static int g_profile = 0;
/* Under a lock: the trainer's shards call sgemm from several threads (their
 * seconds add up: thread time inside GEMM). */
static double g_gemm_seconds = 0.0, g_gemm_flop = 0.0;
static pthread_mutex_t g_profile_lock = PTHREAD_MUTEX_INITIALIZER;

void nn_profile_enable(int mode) { g_profile = mode; }

void nn_profile_reset(void)
{
    g_gemm_seconds = 0.0;
    g_gemm_flop = 0.0;
}

void nn_profile_get(double *gemm_seconds, double *gemm_flop)
{
    if (gemm_seconds)
        *gemm_seconds = g_gemm_seconds;
    if (gemm_flop)
        *gemm_flop = g_gemm_flop;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(g_profile == NN_PROFILE_CPU ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void nn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    double t0 = g_profile ? now_seconds() : 0.0;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (g_profile) {
        const double dt = now_seconds() - t0;
        pthread_mutex_lock(&g_profile_lock);
        g_gemm_seconds += dt;
        g_gemm_flop += 2.0 * m * n * k;
        pthread_mutex_unlock(&g_profile_lock);
    }
}
