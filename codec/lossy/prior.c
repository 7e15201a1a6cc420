/* Deep factorized prior: forward (probabilities) and backward (gradients of
 * the rate). Scalar loops: the prior has ~60 parameters per channel and is
 * evaluated once per latent element, so it is cheap next to the transforms. */
#include "lossy/prior.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Offsets of each layer's matrix / bias / factor inside a channel's block. */
static const int mat_off[5] = {0, 3, 12, 21, 30};
static const int mat_rows[5] = {3, 3, 3, 3, 1};
static const int mat_cols[5] = {1, 3, 3, 3, 3};
static const int bias_off[5] = {0, 3, 6, 9, 12};

int prior_init(Prior *p, int m, Rng *rng)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    if (param_alloc(&p->matrices, (size_t)m * PRIOR_NMAT) < 0
        || param_alloc(&p->biases, (size_t)m * PRIOR_NBIAS) < 0
        || param_alloc(&p->factors, (size_t)m * PRIOR_NFAC) < 0) {
        prior_free(p);
        return -1;
    }
    const double scale = pow(10.0, 1.0 / 5.0);
    for (int k = 0; k < m; k++) {
        float *mat = p->matrices.v + (size_t)k * PRIOR_NMAT;
        float *bias = p->biases.v + (size_t)k * PRIOR_NBIAS;
        for (int l = 0; l < 5; l++) {
            double init = log(expm1(1.0 / scale / mat_rows[l]));
            for (int i = 0; i < mat_rows[l] * mat_cols[l]; i++)
                mat[mat_off[l] + i] = (float)init;
        }
        for (int i = 0; i < PRIOR_NBIAS; i++)
            bias[i] = rng_uniform(rng) - 0.5f;
    }
    return 0;
}

void prior_free(Prior *p)
{
    param_free(&p->matrices);
    param_free(&p->biases);
    param_free(&p->factors);
}

static double softplus_d(double x)
{
    return x > 30.0 ? x : log1p(exp(x));
}

static double sigmoid_d(double x)
{
    if (x >= 0) {
        double e = exp(-x);
        return 1.0 / (1.0 + e);
    }
    double e = exp(x);
    return e / (1.0 + e);
}

/* A channel's parameters with the reparameterisations applied. */
typedef struct ChannelParams {
    double h[PRIOR_NMAT];     /* softplus(raw) */
    double dh[PRIOR_NMAT];    /* d softplus / d raw = sigmoid(raw) */
    double b[PRIOR_NBIAS];
    double a[PRIOR_NFAC];     /* tanh(raw) */
} ChannelParams;

static void channel_params(const Prior *p, int k, ChannelParams *cp)
{
    const float *mat = p->matrices.v + (size_t)k * PRIOR_NMAT;
    const float *bias = p->biases.v + (size_t)k * PRIOR_NBIAS;
    const float *fac = p->factors.v + (size_t)k * PRIOR_NFAC;
    for (int i = 0; i < PRIOR_NMAT; i++) {
        cp->h[i] = softplus_d(mat[i]);
        cp->dh[i] = sigmoid_d(mat[i]);
    }
    for (int i = 0; i < PRIOR_NBIAS; i++)
        cp->b[i] = bias[i];
    for (int i = 0; i < PRIOR_NFAC; i++)
        cp->a[i] = tanh(fac[i]);
}

/* Activations of one evaluation of the logits MLP, kept for backward. */
typedef struct Trace {
    double in[5][3];   /* input of layer l (in[0][0] = x) */
    double t[4][3];    /* tanh(z) of the gated layers */
} Trace;

static double logits(const ChannelParams *cp, double x, Trace *tr)
{
    double f[3] = {x, 0, 0};
    for (int l = 0; l < 5; l++) {
        const int rows = mat_rows[l], cols = mat_cols[l];
        const double *h = cp->h + mat_off[l];
        double z[3];
        for (int j = 0; j < cols; j++)
            tr->in[l][j] = f[j];
        for (int r = 0; r < rows; r++) {
            double s = cp->b[bias_off[l] + r];
            for (int j = 0; j < cols; j++)
                s += h[r * cols + j] * f[j];
            z[r] = s;
        }
        if (l == 4)
            return z[0];
        for (int r = 0; r < 3; r++) {
            double t = tanh(z[r]);
            tr->t[l][r] = t;
            f[r] = z[r] + cp->a[l * 3 + r] * t;
        }
    }
    return 0; /* not reached */
}

/* Parameter gradients of one channel, accumulated in double. */
typedef struct ChannelGrads {
    double h[PRIOR_NMAT];
    double b[PRIOR_NBIAS];
    double a[PRIOR_NFAC];
} ChannelGrads;

/* Backpropagates d_out (d loss / d logits) through the trace; returns
 * d loss / d x. */
static double logits_backward(const ChannelParams *cp, const Trace *tr, double d_out,
                              ChannelGrads *g)
{
    double d[3] = {d_out, 0, 0};   /* d loss / d z of the current layer */
    for (int l = 4; l >= 0; l--) {
        const int rows = mat_rows[l], cols = mat_cols[l];
        const double *h = cp->h + mat_off[l];
        double din[3] = {0, 0, 0};
        for (int r = 0; r < rows; r++) {
            g->b[bias_off[l] + r] += d[r];
            for (int j = 0; j < cols; j++) {
                g->h[mat_off[l] + r * cols + j] += d[r] * tr->in[l][j];
                din[j] += d[r] * h[r * cols + j];
            }
        }
        if (l == 0)
            return din[0];
        /* din is d loss / d f of layer l-1's output; through its gate. */
        for (int r = 0; r < 3; r++) {
            const double t = tr->t[l - 1][r];
            const double a = cp->a[(l - 1) * 3 + r];
            g->a[(l - 1) * 3 + r] += din[r] * t;
            d[r] = din[r] * (1.0 + a * (1.0 - t * t));
        }
    }
    return 0; /* not reached */
}

/* p with the sign trick; also returns the two sigmoids for backward. */
static double bin_prob(double lo, double hi, double *sa, double *sb)
{
    const double s = (lo + hi > 0) ? -1.0 : 1.0;
    const double a = sigmoid_d(s * hi), b = sigmoid_d(s * lo);
    if (sa) {
        *sa = a;
        *sb = b;
    }
    return s * (a - b);   /* = |a - b| since the cumulative is monotone */
}

double prior_prob(const Prior *p, int k, double v)
{
    ChannelParams cp;
    Trace tr;
    channel_params(p, k, &cp);
    double pr = bin_prob(logits(&cp, v - 0.5, &tr), logits(&cp, v + 0.5, &tr), NULL, NULL);
    return pr < PRIOR_P_MIN ? PRIOR_P_MIN : pr;
}

double prior_bits(const Prior *p, int k, const float *v, size_t n)
{
    return prior_bits_scaled(p, k, v, n, 1.0);
}

double prior_bits_scaled(const Prior *p, int k, const float *v, size_t n, double s)
{
    ChannelParams cp;
    Trace tr;
    channel_params(p, k, &cp);
    double bits = 0;
    for (size_t i = 0; i < n; i++) {
        double pr = bin_prob(logits(&cp, (v[i] - 0.5) * s, &tr), logits(&cp, (v[i] + 0.5) * s, &tr),
                             NULL, NULL);
        bits -= log2(pr < PRIOR_P_MIN ? PRIOR_P_MIN : pr);
    }
    return bits;
}

/* -log2 p of the bin of width s around v s (s = 1: the bin of v) and
 * scale * its derivative in v (*dv); accumulates scale * d bits / d params
 * of the channel into g. */
static double bin_bits_backward(const ChannelParams *cp, double v, double s, double scale,
                                float *dv, ChannelGrads *g)
{
    Trace tlo, thi;
    const double lo = logits(cp, (v - 0.5) * s, &tlo);
    const double hi = logits(cp, (v + 0.5) * s, &thi);
    double a, b;
    double pr = bin_prob(lo, hi, &a, &b);
    if (pr < PRIOR_P_MIN)
        pr = PRIOR_P_MIN;   /* the floor passes the gradient (it pushes p up) */
    /* d bits / d p = -1/(p ln2); dp/dhi = a(1-a), dp/dlo = -b(1-b). */
    const double dp = -scale * (1.0 / log(2.0)) / pr;
    const double dx = logits_backward(cp, &thi, dp * a * (1.0 - a), g)
                    + logits_backward(cp, &tlo, -dp * b * (1.0 - b), g);
    if (dv)
        *dv = (float)(dx * s);
    return -log2(pr);
}

double prior_bits_dv(const Prior *p, int k, const float *v, size_t n, double s, float scale,
                     float *dv)
{
    ChannelParams cp;
    ChannelGrads g;   /* computed and dropped: the prior is fixed here */
    channel_params(p, k, &cp);
    memset(&g, 0, sizeof g);
    double bits = 0;
    for (size_t i = 0; i < n; i++)
        bits += bin_bits_backward(&cp, v[i], s, scale, dv + i, &g);
    return bits;
}

double prior_bits_backward(Prior *p, int k, const float *v, size_t n, float scale, float *dv)
{
    ChannelParams cp;
    ChannelGrads g;
    channel_params(p, k, &cp);
    memset(&g, 0, sizeof g);
    double bits = 0;
    for (size_t i = 0; i < n; i++)
        bits += bin_bits_backward(&cp, v[i], 1.0, scale, dv ? dv + i : NULL, &g);
    float *gm = p->matrices.g + (size_t)k * PRIOR_NMAT;
    float *gb = p->biases.g + (size_t)k * PRIOR_NBIAS;
    float *ga = p->factors.g + (size_t)k * PRIOR_NFAC;
    for (int i = 0; i < PRIOR_NMAT; i++)
        gm[i] += (float)(g.h[i] * cp.dh[i]);
    for (int i = 0; i < PRIOR_NBIAS; i++)
        gb[i] += (float)g.b[i];
    for (int i = 0; i < PRIOR_NFAC; i++)
        ga[i] += (float)(g.a[i] * (1.0 - cp.a[i] * cp.a[i]));
    return bits;
}
