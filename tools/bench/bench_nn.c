/* `lat bench nn`: speed of the NN engine on the factorized-prior transforms
 * at 768x512, each layer on the sgemm path (nn.h) and on the deterministic
 * kernels (nn/det_conv.h, what the codec runs), compared with a plain
 * cblas_sgemm of the same GEMM shape measured in the same run, and the
 * transforms against the measured FMA ceiling; optionally a training step.
 *
 *   lat bench nn [--json] [--threads N] [--runs R] [--train-step]
 *                [--path c|avx2|avx512]
 *
 * GEMM shape per layer (M x N x K, row-major C = A.B):
 *   conv   k5/2 cin->cout:  cout x OH*OW x cin*25      (W . im2col(x))
 *   deconv k5/2 cin->cout:  cout*25 x H*W x cin        (W^T . x, then col2im)
 *   GDN    C channels:      C x H*W x C                (gamma . x^2)
 * bound_seconds of a transform = sum over its layers of GEMM FLOPs divided by
 * the plain sgemm rate of that layer's shape. */
#include "bench.h"
#include "lat.h"
#include "nn/det_conv.h"
#include "nn/nn.h"
#include "train/train.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { K_CONV, K_DECONV, K_GDN, K_IGDN } Kind;

typedef struct BLayer {
    Kind kind;
    char name[24];
    Conv2d conv;
    Deconv2d deconv;
    Gdn gdn;
    NnDetConv det;             /* conv / deconv packed for the deterministic kernels */
    NnDetGdn det_gdn;
    /* measured */
    int gm, gn, gk, trans_a;   /* GEMM shape */
    double seconds, gemm_seconds, sgemm_seconds, det_seconds;
} BLayer;

#define MAX_LAYERS 8

typedef struct Transform {
    const char *name;          /* "analysis" | "synthesis" */
    int nl;
    BLayer l[MAX_LAYERS];
    Tensor *act[MAX_LAYERS + 1];   /* act[0] input, act[i+1] output of layer i */
    double seconds;
    double det_seconds;        /* deterministic kernels, GDN fused as in the codec */
} Transform;

/* Wall clock by default; process CPU time with --cpu-time (robust on a
 * shared machine when used with --threads 1). */
static clockid_t g_clock = CLOCK_MONOTONIC;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(g_clock, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void fill_uniform(float *p, size_t n, Rng *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 2.0f * rng_uniform(rng) - 1.0f;
}

static void add_layer(Transform *t, Kind kind, int cin, int cout, Rng *rng)
{
    BLayer *l = &t->l[t->nl];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    int idx = t->nl / 2 + 1;
    int ok = 0;
    switch (kind) {
    case K_CONV:
        snprintf(l->name, sizeof l->name, "conv%d", idx);
        ok = conv2d_init(&l->conv, cin, cout, 5, 2, 2, rng);
        ok = ok ? ok : nn_det_conv2d_pack(&l->det, &l->conv);
        break;
    case K_DECONV:
        snprintf(l->name, sizeof l->name, "deconv%d", idx);
        ok = deconv2d_init(&l->deconv, cin, cout, 5, 2, 2, 1, rng);
        ok = ok ? ok : nn_det_deconv2d_pack(&l->det, &l->deconv);
        break;
    default:
        snprintf(l->name, sizeof l->name, "%s%d", kind == K_GDN ? "gdn" : "igdn", idx);
        ok = gdn_init(&l->gdn, cin, kind == K_IGDN);
        ok = ok ? ok : nn_det_gdn_pack(&l->det_gdn, &l->gdn);
        break;
    }
    if (ok != 0) {
        fprintf(stderr, "lat bench nn: out of memory\n");
        exit(1);
    }
    t->nl++;
}

static void build(Transform *t, int synthesis, int N, int M, Rng *rng)
{
    memset(t, 0, sizeof *t);
    t->name = synthesis ? "synthesis" : "analysis";
    if (!synthesis) {
        add_layer(t, K_CONV, 3, N, rng);  add_layer(t, K_GDN, N, N, rng);
        add_layer(t, K_CONV, N, N, rng);  add_layer(t, K_GDN, N, N, rng);
        add_layer(t, K_CONV, N, N, rng);  add_layer(t, K_GDN, N, N, rng);
        add_layer(t, K_CONV, N, M, rng);
    } else {
        add_layer(t, K_DECONV, M, N, rng); add_layer(t, K_IGDN, N, N, rng);
        add_layer(t, K_DECONV, N, N, rng); add_layer(t, K_IGDN, N, N, rng);
        add_layer(t, K_DECONV, N, N, rng); add_layer(t, K_IGDN, N, N, rng);
        add_layer(t, K_DECONV, N, 3, rng);
    }
}

static Tensor *must_tensor(int n, int c, int h, int w)
{
    Tensor *t = tensor_new(n, c, h, w);
    if (!t) {
        fprintf(stderr, "lat bench nn: out of memory\n");
        exit(1);
    }
    return t;
}

/* Allocates activations for an input of shape [n, c, h, w] (act[0] given),
 * and fills in each layer's GEMM shape. */
static void plan(Transform *t, Tensor *input)
{
    t->act[0] = input;
    for (int i = 0; i < t->nl; i++) {
        BLayer *l = &t->l[i];
        const Tensor *x = t->act[i];
        int c = x->c, h = x->h, w = x->w;
        switch (l->kind) {
        case K_CONV:
            conv2d_out_size(&l->conv, x->h, x->w, &h, &w);
            c = l->conv.cout;
            l->gm = c; l->gn = h * w; l->gk = x->c * 25; l->trans_a = 0;
            break;
        case K_DECONV:
            deconv2d_out_size(&l->deconv, x->h, x->w, &h, &w);
            c = l->deconv.cout;
            l->gm = c * 25; l->gn = x->h * x->w; l->gk = x->c; l->trans_a = 1;
            break;
        default:
            l->gm = c; l->gn = h * w; l->gk = c; l->trans_a = 0;
            break;
        }
        t->act[i + 1] = must_tensor(x->n, c, h, w);
    }
}

static void must_run(int nn_err)
{
    if (nn_err < 0) {
        fprintf(stderr, "lat bench nn: %s\n",
                nn_err == NN_ERR_NOMEM ? "out of memory" : "layer shapes do not fit (a bug)");
        exit(1);
    }
}

static void layer_forward(BLayer *l, const Tensor *x, Tensor *y, NnScratch *s)
{
    switch (l->kind) {
    case K_CONV: must_run(conv2d_forward(&l->conv, x, y, s)); break;
    case K_DECONV: must_run(deconv2d_forward(&l->deconv, x, y, s)); break;
    default: must_run(gdn_forward(&l->gdn, x, y, s)); break;
    }
}

/* Deterministic kernels; with gdn (the next layer) fused into a conv or
 * deconv when gdn != NULL. */
static void layer_forward_det(const BLayer *l, const Tensor *x, Tensor *y, const BLayer *gdn)
{
    const NnDetPost post = { 0, gdn ? &gdn->det_gdn : NULL };
    int err;
    switch (l->kind) {
    case K_CONV: err = nn_det_conv2d_forward(&l->det, x, y, &post); break;
    case K_DECONV: err = nn_det_deconv2d_forward(&l->det, x, y, &post); break;
    default: err = nn_det_gdn_forward(&l->det_gdn, x, y); break;
    }
    if (err) {
        fprintf(stderr, "lat bench nn: deterministic forward failed (out of memory)\n");
        exit(1);
    }
}

/* The whole transform on the deterministic kernels, as the codec runs it. */
static void transform_forward_det(Transform *t)
{
    for (int i = 0; i < t->nl; i++) {
        const int fuse = t->l[i].kind != K_GDN && t->l[i].kind != K_IGDN && i + 1 < t->nl
                      && (t->l[i + 1].kind == K_GDN || t->l[i + 1].kind == K_IGDN);
        layer_forward_det(&t->l[i], t->act[i], t->act[i + 1 + fuse], fuse ? &t->l[i + 1] : NULL);
        i += fuse;
    }
}

static double gemm_flop(const BLayer *l) { return 2.0 * l->gm * (double)l->gn * l->gk; }

static void free_transform(Transform *t, int free_input)
{
    for (int i = 0; i < t->nl; i++) {
        BLayer *l = &t->l[i];
        if (l->kind == K_CONV) conv2d_free(&l->conv);
        else if (l->kind == K_DECONV) deconv2d_free(&l->deconv);
        else gdn_free(&l->gdn);
        nn_det_conv_free(&l->det);
        nn_det_gdn_free(&l->det_gdn);
    }
    for (int i = free_input ? 0 : 1; i <= t->nl; i++)
        tensor_free(t->act[i]);
}

/* Operands of a plain sgemm with a layer's shape and transposes. */
typedef struct PlainGemm { float *a, *b, *c; } PlainGemm;

static void plain_alloc(PlainGemm *g, const BLayer *l, Rng *rng)
{
    size_t na = (size_t)l->gm * l->gk, nb = (size_t)l->gk * l->gn, nc = (size_t)l->gm * l->gn;
    g->a = malloc(na * sizeof(float));
    g->b = malloc(nb * sizeof(float));
    g->c = calloc(nc, sizeof(float));
    if (!g->a || !g->b || !g->c) {
        fprintf(stderr, "lat bench nn: out of memory\n");
        exit(1);
    }
    fill_uniform(g->a, na, rng);
    fill_uniform(g->b, nb, rng);
}

static double plain_run(const PlainGemm *g, const BLayer *l)
{
    double t0 = now_s();
    cblas_sgemm(CblasRowMajor, l->trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans,
                l->gm, l->gn, l->gk, 1.0f, g->a, l->trans_a ? l->gm : l->gk, g->b, l->gn,
                0.0f, g->c, l->gn);
    return now_s() - t0;
}

static void plain_free(PlainGemm *g)
{
    free(g->a);
    free(g->b);
    free(g->c);
}

/* OpenBLAS's idle pool threads spin for a while after each sgemm call
 * (about 0.1 s), taking a core from threads of our own: the deterministic
 * kernels are timed first, after a pause longer than that, as the codec
 * runs them (it never calls BLAS). */
static void let_blas_pool_sleep(void)
{
    struct timespec ts = { 0, 300 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

/* Medians over runs of each layer and of the whole transform, on the
 * deterministic kernels and on the sgemm path; run -1 is a warm-up. */
static void measure_transform(Transform *t, int runs, NnScratch *s, Rng *rng)
{
    double *tl = malloc(sizeof(double) * (size_t)runs);
    double *tg = malloc(sizeof(double) * (size_t)runs);
    double *tp = malloc(sizeof(double) * (size_t)runs);
    let_blas_pool_sleep();
    for (int i = 0; i < t->nl; i++) {
        for (int r = -1; r < runs; r++) {
            double t0 = now_s();
            layer_forward_det(&t->l[i], t->act[i], t->act[i + 1], NULL);
            if (r >= 0)
                tl[r] = now_s() - t0;
        }
        t->l[i].det_seconds = median(tl, runs);
    }
    for (int r = -1; r < runs; r++) {
        double t0 = now_s();
        transform_forward_det(t);
        if (r >= 0)
            tl[r] = now_s() - t0;
    }
    t->det_seconds = median(tl, runs);
    /* The sgemm path, each layer alternating with a plain sgemm of its
     * shape so that both see the same load. */
    for (int i = 0; i < t->nl; i++) {
        BLayer *l = &t->l[i];
        PlainGemm pg;
        plain_alloc(&pg, l, rng);
        for (int r = -1; r < runs; r++) {
            nn_profile_reset();
            double t0 = now_s();
            layer_forward(l, t->act[i], t->act[i + 1], s);
            double dt = now_s() - t0;
            if (r >= 0)
                nn_profile_get(&tg[r], NULL);
            double dp = plain_run(&pg, l);
            if (r >= 0) {
                tl[r] = dt;
                tp[r] = dp;
            }
        }
        plain_free(&pg);
        l->seconds = median(tl, runs);
        l->gemm_seconds = median(tg, runs);
        l->sgemm_seconds = median(tp, runs);
    }
    for (int r = -1; r < runs; r++) {
        double t0 = now_s();
        for (int i = 0; i < t->nl; i++)
            layer_forward(&t->l[i], t->act[i], t->act[i + 1], s);
        if (r >= 0)
            tl[r] = now_s() - t0;
    }
    t->seconds = median(tl, runs);
    free(tl);
    free(tg);
    free(tp);
}

static double transform_flop(const Transform *t)
{
    double f = 0.0;
    for (int i = 0; i < t->nl; i++)
        f += gemm_flop(&t->l[i]);
    return f;
}

static double transform_bound(const Transform *t)
{
    double b = 0.0;
    for (int i = 0; i < t->nl; i++)
        b += t->l[i].sgemm_seconds;
    return b;
}

/* ---- training step: the trainer's own (codec/train), on synthetic photos ---- */

typedef struct TrainResult {
    double seconds, gemm_seconds, gemm_flop;   /* gemm_seconds: summed over threads */
    int shards;
} TrainResult;

/* A smooth RGB test picture with some texture (the step's cost does not
 * depend on the content; the values only need to stay finite). */
static uint8_t *synthetic_photo(int w, int h, Rng *rng)
{
    uint8_t *rgb = malloc((size_t)w * h * 3);
    if (!rgb)
        return NULL;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                float v = 128 + 60 * sinf(0.011f * x * (c + 1) + 0.017f * y) + 30 * rng_uniform(rng);
                rgb[((size_t)y * w + x) * 3 + c] = (uint8_t)v;
            }
    return rgb;
}

static TrainResult measure_train_step(int batch, int crop, int N, int M, int runs, Rng *rng)
{
    TrainConfig cfg;
    train_default_config(&cfg);
    cfg.n = N;
    cfg.m = M;
    cfg.batch = batch;
    cfg.crop = crop;
    cfg.threads = nn_get_threads();
    Trainer *t = NULL;
    uint8_t *photo = synthetic_photo(2 * crop, 2 * crop, rng);
    if (!photo || trainer_new(&t, &cfg, NULL, 0) != 0
        || trainer_add_image(t, photo, 2 * crop, 2 * crop, 0) != 0) {
        fprintf(stderr, "lat bench nn: cannot set up the trainer (out of memory?)\n");
        exit(1);
    }
    free(photo);
    double *tt = malloc(sizeof(double) * (size_t)runs), *tg = malloc(sizeof(double) * (size_t)runs);
    double flop = 0.0;
    for (int r = -1; r < runs; r++) {   /* run -1 warms up (allocations, BLAS buffers) */
        nn_profile_reset();
        double t0 = now_s();
        if (trainer_step(t, NULL) != 0) {
            fprintf(stderr, "lat bench nn: training step failed\n");
            exit(1);
        }
        double dt = now_s() - t0;
        if (r >= 0) {
            tt[r] = dt;
            nn_profile_get(&tg[r], &flop);
        }
    }
    TrainResult res = { median(tt, runs), median(tg, runs), flop, trainer_shard_count(t) };
    free(tt);
    free(tg);
    trainer_free(t);
    return res;
}

static void print_loadavg(FILE *f, int json)
{
    double l1 = -1.0;
    FILE *p = fopen("/proc/loadavg", "r");
    if (p) {
        if (fscanf(p, "%lf", &l1) != 1)
            l1 = -1.0;
        fclose(p);
    }
    if (json)
        fprintf(f, "\"loadavg_1min\": %.2f", l1);
    else
        fprintf(f, "load average (1 min) before the run: %.2f\n", l1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lat bench nn [--json] [--threads N] [--runs R] [--train-step] [--cpu-time]\n"
               "                    [--path c|avx2|avx512]\n"
                    "  --threads N   threads for OpenBLAS and the engine (default: all cores)\n"
                    "  --runs R      timed runs per measurement, median reported (default 3)\n"
                    "  --train-step  time a training step instead (8 crops 256x256, N=128 M=192)\n"
                    "  --cpu-time    process CPU time instead of wall time (use with --threads 1\n"
                    "                on a busy machine)\n"
                    "  --path P      force the deterministic kernels' path: c, avx2 or avx512\n");
}

int bench_nn(int argc, char **argv)
{
    int json = 0, threads = 0, runs = 3, train = 0;
    NnDetPath path = NN_PATH_AUTO;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else if (strcmp(argv[i], "--train-step") == 0) train = 1;
        else if (strcmp(argv[i], "--cpu-time") == 0) g_clock = CLOCK_PROCESS_CPUTIME_ID;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            path = strcmp(v, "c") == 0 ? NN_PATH_C : strcmp(v, "avx2") == 0 ? NN_PATH_AVX2
                 : strcmp(v, "avx512") == 0 ? NN_PATH_AVX512 : NN_PATH_AUTO;
            if (path == NN_PATH_AUTO) { usage(stderr); return 2; }
        }
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { usage(stdout); return 0; }
        else { usage(stderr); return 2; }
    }
    if (runs < 1 || runs > 1000 || threads < 0) {
        usage(stderr);
        return 2;
    }
    if (path != NN_PATH_AUTO && nn_det_force_path(path) < 0) {
        fprintf(stderr, "lat bench nn: this CPU has no %s path\n", nn_det_path_name(path));
        return 1;
    }
    nn_set_threads(threads);
    threads = nn_get_threads();
    const double fma_gflops = nn_det_fma_gflops(0.3);
    LatBlasKernel kernel;
    lat_blas_kernel(&kernel);
    nn_profile_enable(g_clock == CLOCK_MONOTONIC ? NN_PROFILE_WALL : NN_PROFILE_CPU);
    if (!json) {
        printf("lat bench nn: %s, %d thread(s), median of %d run(s), %s\n",
               train ? "training step" : "768x512 input, batch 1", threads, runs,
               g_clock == CLOCK_MONOTONIC ? "wall time" : "process CPU time");
        print_loadavg(stdout, 0);
        printf("FMA ceiling (%s kernels, %d thread(s)): %.1f GFLOP/s\n",
               nn_det_path_name(nn_det_path()), threads, fma_gflops);
        printf("OpenBLAS kernel: %s\n", kernel.text);
    }

    static const int configs[2][2] = { { 128, 192 }, { 64, 96 } };
    Rng rng;
    rng_seed(&rng, 1);
    NnScratch s = { 0 };
    Transform tr[4];
    int ntr = train ? 0 : 4;   /* --train-step measures only the training step */
    for (int c = 0; c < ntr / 2; c++) {
        int N = configs[c][0], M = configs[c][1];
        Tensor *img = must_tensor(1, 3, 512, 768);
        fill_uniform(img->data, tensor_count(img), &rng);
        Transform *ga = &tr[2 * c], *gs = &tr[2 * c + 1];
        build(ga, 0, N, M, &rng);
        plan(ga, img);
        measure_transform(ga, runs, &s, &rng);
        build(gs, 1, N, M, &rng);
        plan(gs, ga->act[ga->nl]);
        measure_transform(gs, runs, &s, &rng);
    }

    TrainResult trn = { 0, 0, 0, 0 };
    if (train)
        trn = measure_train_step(8, 256, 128, 192, runs, &rng);

    if (json) {
        printf("{\"threads\": %d, \"runs\": %d, \"clock\": \"%s\", \"det_path\": \"%s\", "
               "\"fma_gflops\": %.2f, \"blas_kernel\": \"%s\", \"blas_best\": \"%s\", "
               "\"coretype_set\": %s, ", threads, runs, g_clock == CLOCK_MONOTONIC ? "wall" : "cpu",
               nn_det_path_name(nn_det_path()), fma_gflops, kernel.in_use, kernel.best,
               kernel.coretype_set ? "true" : "false");
        print_loadavg(stdout, 1);
        printf(", \"layers\": [");
        int first = 1;
        for (int c = 0; c < ntr; c++)
            for (int i = 0; i < tr[c].nl; i++) {
                const BLayer *l = &tr[c].l[i];
                double f = gemm_flop(l);
                printf("%s\n  {\"name\": \"%s.%s\", \"N\": %d, \"M\": %d, \"gemm_m\": %d, \"gemm_n\": %d, "
                       "\"gemm_k\": %d, \"seconds\": %.6f, \"gemm_seconds\": %.6f, \"gflops\": %.2f, "
                       "\"sgemm_gflops\": %.2f, \"det_seconds\": %.6f}",
                       first ? "" : ",", c % 2 ? "g_s" : "g_a", l->name, configs[c / 2][0],
                       configs[c / 2][1], l->gm, l->gn, l->gk, l->seconds, l->gemm_seconds,
                       f / l->seconds * 1e-9, f / l->sgemm_seconds * 1e-9, l->det_seconds);
                first = 0;
            }
        printf("],\n \"transforms\": [");
        for (int c = 0; c < ntr; c++)
            printf("%s\n  {\"name\": \"%s\", \"N\": %d, \"M\": %d, \"seconds\": %.6f, \"gflop\": %.3f, "
                   "\"bound_seconds\": %.6f, \"det_seconds\": %.6f, \"fma_bound_seconds\": %.6f}",
                   c ? "," : "", tr[c].name, configs[c / 2][0], configs[c / 2][1], tr[c].seconds,
                   transform_flop(&tr[c]) * 1e-9, transform_bound(&tr[c]), tr[c].det_seconds,
                   transform_flop(&tr[c]) / (fma_gflops * 1e9));
        printf("]");
        if (train)
            printf(",\n \"train_step\": {\"batch\": 8, \"size\": 256, \"N\": 128, \"M\": 192, "
                   "\"shards\": %d, \"seconds\": %.6f, \"gemm_thread_seconds\": %.6f, "
                   "\"gemm_gflop\": %.3f}",
                   trn.shards, trn.seconds, trn.gemm_seconds, trn.gemm_flop * 1e-9);
        printf("}\n");
    } else {
        for (int c = 0; c < ntr; c++) {
            printf("\n%s (N=%d, M=%d)\n", tr[c].name, configs[c / 2][0], configs[c / 2][1]);
            printf("  %-8s %6s %7s %5s %9s %8s %9s %6s %9s %8s %8s %7s\n", "layer", "gemm_m", "gemm_n",
                   "k", "ms", "GFLOP/s", "sgemm", "ratio", "in-gemm", "det ms", "GFLOP/s", "speedup");
            for (int i = 0; i < tr[c].nl; i++) {
                const BLayer *l = &tr[c].l[i];
                double f = gemm_flop(l);
                printf("  %-8s %6d %7d %5d %9.2f %8.1f %9.1f %5.0f%% %8.0f%% %8.2f %8.1f %6.2fx\n",
                       l->name, l->gm, l->gn, l->gk, l->seconds * 1e3, f / l->seconds * 1e-9,
                       f / l->sgemm_seconds * 1e-9, 100.0 * l->sgemm_seconds / l->seconds,
                       100.0 * l->gemm_seconds / l->seconds, l->det_seconds * 1e3,
                       f / l->det_seconds * 1e-9, l->seconds / l->det_seconds);
            }
            double b = transform_bound(&tr[c]), fb = transform_flop(&tr[c]) / (fma_gflops * 1e9);
            printf("  total: %.1f ms, %.2f GFLOP, bound (plain sgemm) %.1f ms, ratio %.2fx\n",
                   tr[c].seconds * 1e3, transform_flop(&tr[c]) * 1e-9, b * 1e3, tr[c].seconds / b);
            printf("  deterministic kernels (GDN fused, as the codec runs): %.1f ms, %.2fx the "
                   "sgemm path; FMA bound %.1f ms, ratio %.2fx\n", tr[c].det_seconds * 1e3,
                   tr[c].det_seconds / tr[c].seconds, fb * 1e3, tr[c].det_seconds / fb);
        }
        if (train) {
            /* GEMM share: of the threads' time (shards x wall); its rate per
             * GEMM thread-second, times the threads that ran them. */
            printf("\ntraining step (lat train's: 8 x 256x256, N=128, M=192, fwd+bwd+Adam, "
                   "%d shard(s)): %.1f ms; GEMM %.1f thread-ms (%.0f%% of %d x wall), "
                   "%.1f GFLOP at %.1f GFLOP/s\n",
                   trn.shards, trn.seconds * 1e3, trn.gemm_seconds * 1e3,
                   100.0 * trn.gemm_seconds / (trn.shards > 1 ? trn.shards * trn.seconds : trn.seconds),
                   trn.shards > 1 ? trn.shards : 1, trn.gemm_flop * 1e-9,
                   trn.gemm_flop / trn.gemm_seconds * 1e-9 * (trn.shards > 1 ? trn.shards : 1));
        }
        if (!train)
            printf("\nms, GFLOP/s, ratio, in-gemm: the sgemm path (nn.h); ratio = plain sgemm time / "
                   "layer time; in-gemm = share of layer time inside sgemm; det: the deterministic "
                   "kernels (%s), speedup = sgemm path time / det time\n",
                   nn_det_path_name(nn_det_path()));
    }
    for (int c = 0; c < ntr; c++)
        free_transform(&tr[c], c % 2 == 0);
    nn_scratch_free(&s);
    return 0;
}
