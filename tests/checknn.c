/* Checks the NN engine: fast paths against the reference loops (random
 * shapes, batch > 1) and every reference backward against central finite
 * differences of L = sum(r * y) (double accumulation). Also Adam, the GDN
 * bound reparameterisation, elementwise ops and determinism.
 * Usage: checknn [--bench]   (--bench times the fast ops on a mid-size input) */
#include "check.h"
#include "nn/blas_kernel.h"
#include "nn/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static Rng g_rng;

static void fill(float *p, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (2.0f * rng_uniform(&g_rng) - 1.0f) * scale;
}

static Tensor *rand_tensor(int n, int c, int h, int w)
{
    Tensor *t = tensor_new(n, c, h, w);
    if (!t) { printf("out of memory\n"); exit(1); }
    fill(t->data, tensor_count(t), 1.0f);
    return t;
}

/* max|a - b| / max|b| */
static double rel_err(const float *a, const float *b, size_t n)
{
    double num = 0.0, den = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > num) num = d;
        if (fabs(b[i]) > den) den = fabs(b[i]);
    }
    return num / den;
}

static double dot_d(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---- a generic layer wrapper so one FD routine serves all layers ---- */

typedef enum { L_CONV, L_DECONV, L_GDN } LayerKind;
typedef struct Layer {
    LayerKind kind;
    Conv2d conv;
    Deconv2d deconv;
    Gdn gdn;
} Layer;

static void layer_out_shape(const Layer *l, const Tensor *x, int *c, int *h, int *w)
{
    switch (l->kind) {
    case L_CONV: *c = l->conv.cout; conv2d_out_size(&l->conv, x->h, x->w, h, w); break;
    case L_DECONV: *c = l->deconv.cout; deconv2d_out_size(&l->deconv, x->h, x->w, h, w); break;
    default: *c = x->c; *h = x->h; *w = x->w; break;
    }
}

static void layer_forward(const Layer *l, const Tensor *x, Tensor *y, int fast, NnScratch *s)
{
    int err;
    switch (l->kind) {
    case L_CONV: err = fast ? conv2d_forward(&l->conv, x, y, s) : conv2d_forward_ref(&l->conv, x, y); break;
    case L_DECONV: err = fast ? deconv2d_forward(&l->deconv, x, y, s) : deconv2d_forward_ref(&l->deconv, x, y); break;
    default: err = fast ? gdn_forward(&l->gdn, x, y, s) : gdn_forward_ref(&l->gdn, x, y); break;
    }
    CHECK_ERR(err, 0);
}

static void layer_backward(Layer *l, const Tensor *x, const Tensor *dy, Tensor *dx, int fast, NnScratch *s)
{
    int err;
    switch (l->kind) {
    case L_CONV: err = fast ? conv2d_backward(&l->conv, x, dy, dx, s) : conv2d_backward_ref(&l->conv, x, dy, dx); break;
    case L_DECONV: err = fast ? deconv2d_backward(&l->deconv, x, dy, dx, s) : deconv2d_backward_ref(&l->deconv, x, dy, dx); break;
    default: err = fast ? gdn_backward(&l->gdn, x, dy, dx, s) : gdn_backward_ref(&l->gdn, x, dy, dx); break;
    }
    CHECK_ERR(err, 0);
}

static int layer_params(Layer *l, Param **out)
{
    switch (l->kind) {
    case L_CONV: out[0] = &l->conv.w; out[1] = &l->conv.b; return 2;
    case L_DECONV: out[0] = &l->deconv.w; out[1] = &l->deconv.b; return 2;
    default: out[0] = &l->gdn.beta_raw; out[1] = &l->gdn.gamma_raw; return 2;
    }
}

/* Allocates the gradients on first use (layers are created without them). */
static void zero_grads(Layer *l)
{
    Param *p[2];
    int np = layer_params(l, p);
    for (int i = 0; i < np; i++) {
        if (param_alloc_grad(p[i]) < 0) { printf("out of memory\n"); exit(1); }
        memset(p[i]->g, 0, p[i]->n * sizeof(float));
    }
}

/* Fast vs reference: forward output, dx and parameter gradients. */
static void compare_fast_ref(Layer *l, int n, int c, int h, int w, const char *name)
{
    NnScratch s = { 0 };
    Tensor *x = rand_tensor(n, c, h, w);
    int oc, oh, ow;
    layer_out_shape(l, x, &oc, &oh, &ow);
    Tensor *y1 = tensor_new(n, oc, oh, ow), *y2 = tensor_new(n, oc, oh, ow);
    Tensor *dy = rand_tensor(n, oc, oh, ow);
    Tensor *dx1 = tensor_new(n, c, h, w), *dx2 = tensor_new(n, c, h, w);
    layer_forward(l, x, y1, 1, &s);
    layer_forward(l, x, y2, 0, NULL);
    double e = rel_err(y1->data, y2->data, tensor_count(y1));
    CHECK_MSG(e <= 1e-4, "%s forward fast vs ref rel err %.3g", name, e);

    /* determinism: same call twice gives identical bits */
    Tensor *y3 = tensor_new(n, oc, oh, ow);
    layer_forward(l, x, y3, 1, &s);
    CHECK_MSG(memcmp(y1->data, y3->data, tensor_count(y1) * sizeof(float)) == 0,
              "%s forward not deterministic", name);
    if (l->kind == L_GDN) {   /* in place (y == x), as lossy_net inference runs it */
        memcpy(y3->data, x->data, tensor_count(x) * sizeof(float));
        layer_forward(l, y3, y3, 1, &s);
        CHECK_MSG(memcmp(y1->data, y3->data, tensor_count(y1) * sizeof(float)) == 0,
                  "%s forward in place differs", name);
    }

    Param *p[2];
    int np = layer_params(l, p);
    float *g_fast[2];
    zero_grads(l);
    /* Pre-existing gradient must be accumulated into, not overwritten. */
    for (int i = 0; i < np; i++)
        for (size_t j = 0; j < p[i]->n; j++)
            p[i]->g[j] = 0.5f;
    layer_backward(l, x, dy, dx1, 1, &s);
    for (int i = 0; i < np; i++) {
        g_fast[i] = malloc(p[i]->n * sizeof(float));
        memcpy(g_fast[i], p[i]->g, p[i]->n * sizeof(float));
        for (size_t j = 0; j < p[i]->n; j++)
            p[i]->g[j] = 0.5f;
    }
    layer_backward(l, x, dy, dx2, 0, NULL);
    e = rel_err(dx1->data, dx2->data, tensor_count(dx1));
    CHECK_MSG(e <= 1e-4, "%s dx fast vs ref rel err %.3g", name, e);
    for (int i = 0; i < np; i++) {
        e = rel_err(g_fast[i], p[i]->g, p[i]->n);
        CHECK_MSG(e <= 1e-4, "%s param %d grad fast vs ref rel err %.3g", name, i, e);
        free(g_fast[i]);
    }
    /* dx = NULL must work and still give parameter gradients */
    zero_grads(l);
    layer_backward(l, x, dy, NULL, 1, &s);
    zero_grads(l);
    /* Without parameter gradients (a fixed decoder): dx alone, the same bits. */
    if (l->kind != L_CONV) {
        for (int i = 0; i < np; i++) {
            free(p[i]->g);
            p[i]->g = NULL;
        }
        Tensor *dx3 = tensor_new(n, c, h, w);
        layer_backward(l, x, dy, dx3, 1, &s);
        CHECK_MSG(memcmp(dx1->data, dx3->data, tensor_count(dx1) * sizeof(float)) == 0,
                  "%s dx-only fast backward differs", name);
        layer_backward(l, x, dy, dx3, 0, NULL);
        CHECK_MSG(memcmp(dx2->data, dx3->data, tensor_count(dx2) * sizeof(float)) == 0,
                  "%s dx-only reference backward differs", name);
        tensor_free(dx3);
        zero_grads(l);
    }
    tensor_free(x); tensor_free(y1); tensor_free(y2); tensor_free(y3);
    tensor_free(dy); tensor_free(dx1); tensor_free(dx2);
    nn_scratch_free(&s);
}

/* Reference backward vs central differences of L = sum(r * y). */
static double loss_at(Layer *l, const Tensor *x, Tensor *y, const Tensor *r)
{
    layer_forward(l, x, y, 0, NULL);
    return dot_d(y->data, r->data, tensor_count(y));
}

static double fd_err(Layer *l, float *v, const float *g, size_t n, const Tensor *x, Tensor *y,
                     const Tensor *r, float eps)
{
    double num = 0.0, den = 1e-30;
    for (size_t i = 0; i < n; i++)
        if (fabs(g[i]) > den) den = fabs(g[i]);
    /* About 100 entries spread over the array keep this fast under ASan. */
    size_t step = n > 100 ? n / 100 : 1;
    for (size_t i = 0; i < n; i += step) {
        float keep = v[i];
        v[i] = keep + eps;
        double lp = loss_at(l, x, y, r);
        v[i] = keep - eps;
        double lm = loss_at(l, x, y, r);
        v[i] = keep;
        double fd = (lp - lm) / (2.0 * eps);
        double d = fabs(fd - g[i]);
        if (d > num) num = d;
    }
    return num / den;
}

static void check_fd(Layer *l, int n, int c, int h, int w, float eps, const char *name)
{
    Tensor *x = rand_tensor(n, c, h, w);
    int oc, oh, ow;
    layer_out_shape(l, x, &oc, &oh, &ow);
    Tensor *y = tensor_new(n, oc, oh, ow), *r = rand_tensor(n, oc, oh, ow);
    Tensor *dx = tensor_new(n, c, h, w);
    zero_grads(l);
    layer_backward(l, x, r, dx, 0, NULL);
    double e = fd_err(l, x->data, dx->data, tensor_count(x), x, y, r, eps);
    CHECK_MSG(e <= 2e-3, "%s dx vs finite differences rel err %.3g", name, e);
    Param *p[2];
    int np = layer_params(l, p);
    for (int i = 0; i < np; i++) {
        float *g = malloc(p[i]->n * sizeof(float));
        memcpy(g, p[i]->g, p[i]->n * sizeof(float));
        e = fd_err(l, p[i]->v, g, p[i]->n, x, y, r, eps);
        CHECK_MSG(e <= 2e-3, "%s param %d grad vs finite differences rel err %.3g", name, i, e);
        free(g);
    }
    zero_grads(l);
    tensor_free(x); tensor_free(y); tensor_free(r); tensor_free(dx);
}

/* GDN raw parameters moved off the init point (and off the bound), so the
 * check exercises off-diagonal gamma too. */
static void randomize_gdn(Gdn *l)
{
    for (int i = 0; i < l->c; i++)
        l->beta_raw.v[i] = 0.8f + 0.5f * rng_uniform(&g_rng);
    for (int i = 0; i < l->c * l->c; i++)
        l->gamma_raw.v[i] = 0.05f + 0.4f * rng_uniform(&g_rng);
}

static void check_conv(void)
{
    static const struct { int cin, cout, k, s, pad, n, h, w; } cases[] = {
        { 3, 5, 5, 2, 2, 2, 13, 11 }, { 4, 6, 3, 1, 1, 3, 9, 10 }, { 5, 4, 1, 1, 0, 2, 7, 6 },
        { 2, 3, 1, 2, 0, 2, 9, 8 },   { 6, 7, 5, 1, 2, 2, 8, 9 },  { 3, 4, 3, 2, 1, 2, 10, 7 },
        { 8, 8, 5, 2, 2, 2, 16, 12 }, { 3, 2, 3, 1, 0, 2, 6, 7 },
        /* Several im2col bands (conv2d.c): 10 MiB bands, then (K = 1750)
         * 4096-column bands; cheap for the reference (cout = 2). */
        { 1, 2, 5, 2, 2, 1, 520, 1200 }, { 70, 2, 5, 1, 2, 1, 128, 64 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Layer l = { .kind = L_CONV };
        char name[96];
        snprintf(name, sizeof name, "conv cin=%d cout=%d k=%d s=%d p=%d", cases[i].cin,
                 cases[i].cout, cases[i].k, cases[i].s, cases[i].pad);
        CHECK_MSG(conv2d_init(&l.conv, cases[i].cin, cases[i].cout, cases[i].k, cases[i].s,
                          cases[i].pad, &g_rng) == 0, "conv init");
        fill(l.conv.b.v, l.conv.b.n, 0.5f);
        compare_fast_ref(&l, cases[i].n, cases[i].cin, cases[i].h, cases[i].w, name);
        if (i < 5)   /* FD is O(params * forward): keep shapes small */
            check_fd(&l, 2, cases[i].cin, cases[i].h / 2 + 2, cases[i].w / 2 + 2, 1e-2f, name);
        conv2d_free(&l.conv);
    }
}

static void check_deconv(void)
{
    static const struct { int cin, cout, k, s, pad, op, n, h, w; } cases[] = {
        { 4, 3, 5, 2, 2, 1, 2, 5, 6 }, { 3, 5, 3, 1, 1, 0, 3, 6, 5 }, { 5, 4, 1, 1, 0, 0, 2, 4, 7 },
        { 3, 3, 3, 2, 1, 1, 2, 6, 5 }, { 6, 2, 5, 1, 2, 0, 2, 5, 6 }, { 8, 8, 5, 2, 2, 1, 2, 9, 7 },
        { 2, 3, 4, 2, 1, 0, 2, 5, 5 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Layer l = { .kind = L_DECONV };
        char name[112];
        snprintf(name, sizeof name, "deconv cin=%d cout=%d k=%d s=%d p=%d op=%d", cases[i].cin,
                 cases[i].cout, cases[i].k, cases[i].s, cases[i].pad, cases[i].op);
        CHECK_MSG(deconv2d_init(&l.deconv, cases[i].cin, cases[i].cout, cases[i].k, cases[i].s,
                            cases[i].pad, cases[i].op, &g_rng) == 0, "deconv init");
        fill(l.deconv.b.v, l.deconv.b.n, 0.5f);
        compare_fast_ref(&l, cases[i].n, cases[i].cin, cases[i].h, cases[i].w, name);
        if (i < 5)
            check_fd(&l, 2, cases[i].cin, cases[i].h / 2 + 2, cases[i].w / 2 + 2, 1e-2f, name);
        deconv2d_free(&l.deconv);
    }
    /* shape rule: k5 s2 p2 op1 doubles the size */
    Deconv2d d;
    int oh, ow;
    deconv2d_init(&d, 2, 2, 5, 2, 2, 1, &g_rng);
    deconv2d_out_size(&d, 24, 17, &oh, &ow);
    CHECK_MSG(oh == 48 && ow == 34, "deconv out size %dx%d", oh, ow);
    deconv2d_free(&d);
}

static void check_gdn(void)
{
    for (int inverse = 0; inverse <= 1; inverse++) {
        const char *name = inverse ? "igdn" : "gdn";
        Layer l = { .kind = L_GDN };
        CHECK_MSG(gdn_init(&l.gdn, 6, inverse) == 0, "gdn init");
        /* init: beta = 1, gamma = 0.1 I (to float precision) */
        float be[6], ga[36];
        gdn_effective(&l.gdn, be, ga);
        CHECK_MSG(fabsf(be[0] - 1.0f) < 1e-6f && fabsf(ga[0] - 0.1f) < 1e-6f &&
                  fabsf(ga[1]) < 1e-9f,
                  "%s init beta %g gamma %g %g", name, be[0], ga[0], ga[1]);
        compare_fast_ref(&l, 2, 6, 5, 7, name);   /* at init: off-diagonals on the bound */
        randomize_gdn(&l.gdn);
        compare_fast_ref(&l, 3, 6, 9, 8, name);
        check_fd(&l, 2, 6, 3, 4, 1e-3f, name);
        gdn_free(&l.gdn);

        /* many pixels (several tiles) and more channels */
        Layer big = { .kind = L_GDN };
        gdn_init(&big.gdn, 16, inverse);
        randomize_gdn(&big.gdn);
        compare_fast_ref(&big, 2, 16, 37, 41, name);
        gdn_free(&big.gdn);
    }
    /* Lower bound: below the bound, the gradient passes only when descent
     * raises the value (gradient w.r.t. the value is negative). */
    Gdn g;
    CHECK(gdn_init(&g, 1, 0) == 0 && gdn_alloc_grads(&g) == 0);
    g.gamma_raw.v[0] = 0.0f;   /* below sqrt(2^-36) */
    Tensor *x = tensor_new(1, 1, 1, 1), *dy = tensor_new(1, 1, 1, 1);
    x->data[0] = 1.0f;
    dy->data[0] = 1.0f;        /* GDN: dL/dgamma = -x^3/2 n^-3/2 dy < 0: passes */
    CHECK_ERR(gdn_backward_ref(&g, x, dy, NULL), 0);
    CHECK_MSG(g.gamma_raw.g[0] != 0.0f, "gdn bound: descent-raising gradient was blocked");
    g.gamma_raw.g[0] = 0.0f;
    dy->data[0] = -1.0f;       /* would push gamma lower: blocked */
    CHECK_ERR(gdn_backward_ref(&g, x, dy, NULL), 0);
    CHECK_MSG(g.gamma_raw.g[0] == 0.0f, "gdn bound: lowering gradient passed (%g)",
              g.gamma_raw.g[0]);
    tensor_free(x); tensor_free(dy);
    gdn_free(&g);
}

/* Bad arguments and shapes are errors, not aborts; inference layers have no
 * gradients (a failed allocation: tests/test_oom.c). */
static void check_errors(void)
{
    Conv2d c;
    Deconv2d d;
    Gdn g;
    CHECK(conv2d_init(&c, 0, 4, 3, 1, 1, &g_rng) == -1);
    CHECK(deconv2d_init(&d, 2, 2, 5, 2, 2, 2, &g_rng) == -1);   /* out_pad >= stride */
    CHECK(gdn_init(&g, 0, 0) == -1);
    CHECK(tensor_new(-1, 1, 1, 1) == NULL);
    CHECK(conv2d_init(&c, 3, 4, 3, 1, 1, &g_rng) == 0);
    CHECK(deconv2d_init(&d, 4, 3, 5, 2, 2, 1, &g_rng) == 0);
    CHECK(gdn_init(&g, 4, 1) == 0);
    CHECK_MSG(!c.w.g && !c.b.g && !d.w.g && !g.beta_raw.g && !g.gamma_raw.g,
              "a layer allocated gradients before training asked for them");
    NnScratch s = { 0 };
    Tensor *x = rand_tensor(1, 3, 8, 8), *y = tensor_new(1, 4, 8, 8);
    Tensor *bad = tensor_new(1, 5, 8, 8), *up = tensor_new(1, 3, 16, 16);
    CHECK_ERR(conv2d_forward(&c, x, y, &s), 0);
    CHECK_ERR(conv2d_forward(&c, x, bad, &s), NN_ERR_SHAPE);
    CHECK_ERR(conv2d_forward(&c, y, y, &s), NN_ERR_SHAPE);
    CHECK_ERR(conv2d_forward_ref(&c, x, bad), NN_ERR_SHAPE);
    CHECK_ERR(deconv2d_forward(&d, y, up, &s), 0);
    CHECK_ERR(deconv2d_forward(&d, y, x, &s), NN_ERR_SHAPE);
    CHECK_ERR(gdn_forward(&g, y, bad, &s), NN_ERR_SHAPE);
    CHECK_ERR(gdn_forward(&g, y, y, &s), 0);
    CHECK(conv2d_alloc_grads(&c) == 0);
    CHECK_ERR(conv2d_backward(&c, x, y, bad, &s), NN_ERR_SHAPE);
    CHECK_ERR(conv2d_backward(&c, x, y, NULL, &s), 0);
    tensor_free(x); tensor_free(y); tensor_free(bad); tensor_free(up);
    conv2d_free(&c); deconv2d_free(&d); gdn_free(&g);
    nn_scratch_free(&s);
}

static void check_adam(void)
{
    Param p;
    param_alloc(&p, 3);
    Param *list[1] = { &p };
    Adam a;
    CHECK_MSG(adam_init(&a, list, 1) == 0, "adam init");
    CHECK_MSG(a.lr == 1e-4f && a.beta1 == 0.9f && a.beta2 == 0.999f && a.clip_norm == 1.0f,
              "adam defaults");
    a.lr = 0.1f;
    a.clip_norm = 0.0f;
    p.v[0] = 1.0f; p.v[1] = -2.0f; p.v[2] = 0.5f;
    p.g[0] = 3.0f; p.g[1] = -4.0f; p.g[2] = 0.0f;
    float norm = adam_step(&a);
    CHECK_MSG(fabsf(norm - 5.0f) < 1e-5f, "adam norm %g", norm);
    /* first bias-corrected step is lr * sign(g) */
    CHECK_MSG(fabsf(p.v[0] - 0.9f) < 1e-5f && fabsf(p.v[1] + 1.9f) < 1e-5f && p.v[2] == 0.5f,
              "adam step 1: %g %g %g", p.v[0], p.v[1], p.v[2]);
    CHECK_MSG(p.g[0] == 0.0f && p.g[1] == 0.0f, "adam did not zero gradients");
    /* clipping to norm 1 and decoupled weight decay */
    a.clip_norm = 1.0f;
    a.weight_decay = 0.5f;
    p.g[0] = 30.0f; p.g[1] = -40.0f;
    norm = adam_step(&a);
    CHECK_MSG(fabsf(norm - 50.0f) < 1e-3f, "adam norm before clipping %g", norm);
    /* step 2, clipped g = (0.6, -0.8): m = 0.9*0.1*3 + 0.1*0.6 etc. Compute directly. */
    double m0 = 0.9 * 0.3 + 0.1 * 0.6, v0 = 0.999 * 0.001 * 9 + 0.001 * 0.36;
    double bc1 = 1 - 0.81, bc2 = 1 - 0.999 * 0.999;
    double want = 0.9 * (1 - 0.1 * 0.5) - 0.1 * (m0 / bc1) / (sqrt(v0 / bc2) + 1e-8);
    CHECK_MSG(fabs(p.v[0] - want) < 1e-5, "adam step 2: %g want %g", p.v[0], want);
    CHECK_MSG(fabsf(p.v[2] - 0.5f * 0.95f) < 1e-6f, "adam weight decay on zero-grad param %g",
              p.v[2]);
    adam_free(&a);
    param_free(&p);
}

static void check_misc(void)
{
    CHECK_MSG(fabsf(nn_softplus1(0.0f) - logf(2.0f)) < 1e-6f, "softplus(0)");
    CHECK_MSG(nn_softplus1(100.0f) == 100.0f && nn_softplus1(-100.0f) >= 0.0f &&
              nn_softplus1(-100.0f) < 1e-40f, "softplus extremes");
    CHECK_MSG(nn_sigmoid1(-100.0f) >= 0.0f && nn_sigmoid1(-100.0f) < 1e-40f &&
              nn_sigmoid1(100.0f) == 1.0f && nn_sigmoid1(0.0f) == 0.5f, "sigmoid extremes");
    float v[4] = { -2, -0.5f, 0, 3 }, d[4] = { 1, 1, 1, 1 }, o[4];
    nn_leaky_relu(v, o, 4, 0.1f);
    CHECK_MSG(o[0] == -0.2f && o[3] == 3.0f, "leaky relu");
    nn_leaky_relu_backward(v, d, o, 4, 0.1f);
    CHECK_MSG(o[0] == 0.1f && o[3] == 1.0f, "leaky relu backward");
    nn_relu(v, v, 4);   /* in place */
    CHECK_MSG(v[0] == 0.0f && v[1] == 0.0f && v[3] == 3.0f, "relu");
    nn_add(v, d, o, 4);
    nn_scale(o, 2.0f, o, 4);
    CHECK_MSG(o[3] == 8.0f && o[0] == 2.0f, "add/scale");

    Tensor *t = tensor_new(2, 3, 4, 5);
    CHECK_MSG(t && t->cap == 120 && tensor_count(t) == 120, "tensor_new");
    float *before = t->data;
    CHECK_MSG(tensor_reshape(t, 1, 2, 3, 4) == 0 && t->data == before && tensor_count(t) == 24,
              "reshape within capacity keeps the buffer");
    CHECK_MSG(tensor_reshape(t, 4, 4, 4, 4) == 0 && t->cap >= 256, "reshape grows");
    tensor_free(t);

    Rng a, b;
    rng_seed(&a, 7);
    rng_seed(&b, 7);
    double mean = 0.0, var = 0.0;
    int same = 1;
    for (int i = 0; i < 20000; i++) {
        float u = rng_uniform(&a);
        same &= u == rng_uniform(&b);
        CHECK_MSG(u >= 0.0f && u < 1.0f, "uniform range %g", u);
        float z = rng_normal(&a);
        (void)rng_normal(&b);
        mean += z;
        var += (double)z * z;
    }
    mean /= 20000;
    var = var / 20000 - mean * mean;
    CHECK_MSG(same, "rng not deterministic");
    CHECK_MSG(fabs(mean) < 0.05 && fabs(var - 1.0) < 0.05, "normal mean %g var %g", mean, var);

    nn_set_threads(1);
    CHECK_MSG(nn_get_threads() == 1, "threads");
    CHECK_MSG(nn_set_local_threads(3) == 0 && nn_get_threads() == 3, "local threads");
    CHECK_MSG(nn_set_local_threads(0) == 3 && nn_get_threads() == 1, "local threads restored");
    nn_set_threads(0);
    CHECK_MSG(nn_get_threads() == nn_cpu_count(), "threads (all cores)");
    CHECK_MSG(nn_blas_kernel_runs_here("Prescott") && nn_blas_kernel_runs_here("prescott")
              && !nn_blas_kernel_runs_here("NoSuchCore"), "kernels this CPU runs");
    CHECK_MSG(nn_blas_kernel_below("Prescott", "SkylakeX") && nn_blas_kernel_below("haswell", "SKYLAKEX")
              && nn_blas_kernel_below("SkylakeX", "Haswell") && !nn_blas_kernel_below("Zen", "Haswell")
              && !nn_blas_kernel_below("SapphireRapids", "Cooperlake")
              && !nn_blas_kernel_below("NewCore", "SkylakeX"), "kernel order");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Times each fast op at a mid-size shape (a 256x256 crop through the first
 * layers of g_a and the last of g_s, N = 128). */
static void bench(void)
{
    NnScratch s = { 0 };
    Conv2d c;
    Deconv2d d;
    Gdn g;
    if (conv2d_init(&c, 128, 128, 5, 2, 2, &g_rng) || conv2d_alloc_grads(&c)
        || deconv2d_init(&d, 128, 128, 5, 2, 2, 1, &g_rng) || deconv2d_alloc_grads(&d)
        || gdn_init(&g, 128, 0) || gdn_alloc_grads(&g)) {
        printf("out of memory\n");
        return;
    }
    Tensor *x = rand_tensor(1, 128, 128, 128), *y = tensor_new(1, 128, 64, 64);
    Tensor *dx = tensor_new(1, 128, 128, 128), *z = tensor_new(1, 128, 128, 128);
    Tensor *dy64 = tensor_new(1, 128, 64, 64);
    double flop = 2.0 * 128 * 128 * 25 * 64 * 64;
    struct { const char *name; int op; double flop; } ops[] = {
        { "conv fwd 128->128 k5 s2 @128x128", 0, flop }, { "conv bwd", 1, 2 * flop },
        { "deconv fwd 128->128 @64x64", 2, flop }, { "deconv bwd", 3, 2 * flop },
        { "gdn fwd 128ch @128x128", 4, 2.0 * 128 * 128 * 128 * 128 },
        { "gdn bwd", 5, 3 * 2.0 * 128 * 128 * 128 * 128 },
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t0 = now_s();
            int err;
            switch (ops[i].op) {
            case 0: err = conv2d_forward(&c, x, y, &s); break;
            case 1: err = conv2d_backward(&c, x, y, dx, &s); break;
            case 2: err = deconv2d_forward(&d, y, z, &s); break;
            case 3: err = deconv2d_backward(&d, y, z, dy64, &s); break;
            case 4: err = gdn_forward(&g, x, z, &s); break;
            default: err = gdn_backward(&g, x, z, dx, &s); break;
            }
            double t = now_s() - t0;
            CHECK_ERR(err, 0);
            if (t < best) best = t;
        }
        printf("%-36s %8.2f ms %7.1f GFLOP/s\n", ops[i].name, best * 1e3, ops[i].flop / best * 1e-9);
    }
    tensor_free(x); tensor_free(y); tensor_free(dx); tensor_free(z); tensor_free(dy64);
    conv2d_free(&c); deconv2d_free(&d); gdn_free(&g);
    nn_scratch_free(&s);
}

/* Under OPENBLAS_CORETYPE=X (the checknn-X tests): skipped (77) where this
 * CPU cannot run X or this OpenBLAS does not have it. */
static int kernel_unavailable(void)
{
    const char *want = getenv("OPENBLAS_CORETYPE");
    if (!want || !*want)
        return 0;
    if (!nn_blas_kernel_runs_here(want)) {
        printf("checknn: this CPU cannot run OpenBLAS's %s kernel: skipped\n", want);
        return 1;
    }
    if (strcasecmp(want, nn_blas_kernel_in_use()) != 0) {
        printf("checknn: this OpenBLAS has no %s kernel (it runs %s): skipped\n", want,
               nn_blas_kernel_in_use());
        return 1;
    }
    printf("checknn: OpenBLAS kernel %s\n", nn_blas_kernel_in_use());
    return 0;
}

int main(int argc, char **argv)
{
    if (kernel_unavailable())
        return 77;
    rng_seed(&g_rng, 12345);
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench();
        return 0;
    }
    check_misc();
    check_conv();
    check_deconv();
    check_gdn();
    check_errors();
    check_adam();
    if (!check_failures)
        printf("checknn: all checks passed\n");
    return check_report();
}
