/* GDN / IGDN (Balle et al.) with the CompressAI lower-bound
 * reparameterisation.
 *
 * With n_i = beta_i + sum_j gamma_ij x_j^2 and a = -1/2 (GDN) or +1/2 (IGDN):
 *   y_i = x_i n_i^a
 *   u_i = a dy_i x_i n_i^(a-1)
 *   dx_j = dy_j n_j^a + 2 x_j sum_i gamma_ij u_i
 *   dbeta_i += u_i,  dgamma_ij += u_i x_j^2       (effective parameters)
 * Fast path: per image and per tile of pixels, the channel mixing is one
 * sgemm [C x C] . [C x T]; the gamma gradient another. */
#include "nn.h"
#include "nn_internal.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <math.h>
#include <string.h>

#define GDN_PEDESTAL (1.0f / 68719476736.0f)   /* 2^-36 */
/* Pixels per tile: few sgemm calls (each one syncs the OpenBLAS threads),
 * while the 8 MiB buffers (at C = 128) stay in L3. */
#define GDN_TILE 16384

static float beta_bound(void) { return sqrtf(1e-6f + GDN_PEDESTAL); }
static float gamma_bound(void) { return sqrtf(GDN_PEDESTAL); }

int gdn_init(Gdn *l, int c, int inverse)
{
    memset(l, 0, sizeof *l);
    if (c <= 0)
        return -1;
    l->c = c;
    l->inverse = inverse ? 1 : 0;
    if (param_alloc(&l->beta_raw, (size_t)c) || param_alloc(&l->gamma_raw, (size_t)c * c)) {
        gdn_free(l);
        return -1;
    }
    for (int i = 0; i < c; i++) {
        l->beta_raw.v[i] = sqrtf(1.0f + GDN_PEDESTAL);
        for (int j = 0; j < c; j++)
            l->gamma_raw.v[i * c + j] = sqrtf((i == j ? 0.1f : 0.0f) + GDN_PEDESTAL);
    }
    return 0;
}

void gdn_free(Gdn *l)
{
    param_free(&l->beta_raw);
    param_free(&l->gamma_raw);
}

int gdn_alloc_grads(Gdn *l)
{
    return param_alloc_grad(&l->beta_raw) || param_alloc_grad(&l->gamma_raw) ? -1 : 0;
}

static float bounded(float raw, float bound)
{
    float m = raw > bound ? raw : bound;
    return m * m - GDN_PEDESTAL;
}

void gdn_effective(const Gdn *l, float *beta, float *gamma)
{
    const int c = l->c;
    const float bb = beta_bound(), gb = gamma_bound();
    for (int i = 0; i < c; i++)
        beta[i] = bounded(l->beta_raw.v[i], bb);
    for (size_t i = 0; i < (size_t)c * c; i++)
        gamma[i] = bounded(l->gamma_raw.v[i], gb);
}

/* raw.g += d(effective)/d(raw) * dv, letting the gradient through the bound
 * only when descent would raise the value (CompressAI LowerBound). */
static void chain_raw(Param *raw, const float *dv, size_t n, float bound)
{
    for (size_t i = 0; i < n; i++) {
        float r = raw->v[i];
        float m = r > bound ? r : bound;
        float dm = dv[i] * 2.0f * m;
        if (r >= bound || dm < 0.0f)
            raw->g[i] += dm;
    }
}

static int check_shapes(const Gdn *l, const Tensor *x, const Tensor *y)
{
    return x->c == l->c && nn_same_shape(y, x) ? 0 : NN_ERR_SHAPE;
}

/* Backward: shapes, the input gradient's shape and the parameter gradients. */
static int check_backward(const Gdn *l, const Tensor *x, const Tensor *dy, const Tensor *dx)
{
    if (check_shapes(l, x, dy) < 0 || (dx && check_shapes(l, x, dx) < 0))
        return NN_ERR_SHAPE;
    NN_ASSERT(!l->beta_raw.g == !l->gamma_raw.g && (l->beta_raw.g || dx));
    return 0;
}

/* ---- reference ---- */

int gdn_forward_ref(const Gdn *l, const Tensor *x, Tensor *y)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const int c = l->c;
    const size_t hw = (size_t)x->h * x->w;
    Tensor *eff = tensor_new(1, 1, 1, c + c * c);
    if (!eff)
        return NN_ERR_NOMEM;
    float *be = eff->data, *ga = eff->data + c;
    gdn_effective(l, be, ga);
    for (int n = 0; n < x->n; n++)
        for (size_t p = 0; p < hw; p++)
            for (int i = 0; i < c; i++) {
                double nrm = be[i];
                for (int j = 0; j < c; j++) {
                    double xj = x->data[((size_t)n * c + j) * hw + p];
                    nrm += (double)ga[i * c + j] * xj * xj;
                }
                size_t at = ((size_t)n * c + i) * hw + p;
                double f = l->inverse ? sqrt(nrm) : 1.0 / sqrt(nrm);
                y->data[at] = (float)(x->data[at] * f);
            }
    tensor_free(eff);
    return 0;
}

int gdn_backward_ref(Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    const int c = l->c;
    const size_t hw = (size_t)x->h * x->w;
    const double a = l->inverse ? 0.5 : -0.5;
    /* effective beta, gamma, their gradients, and u for one pixel */
    Tensor *tmp = tensor_new(1, 1, 1, 2 * (c + c * c) + c);
    if (!tmp)
        return NN_ERR_NOMEM;
    float *be = tmp->data, *ga = be + c, *dbe = ga + c * c, *dga = dbe + c, *u = dga + c * c;
    gdn_effective(l, be, ga);
    for (int n = 0; n < x->n; n++)
        for (size_t p = 0; p < hw; p++) {
            const float *xp = x->data + (size_t)n * c * hw + p;
            const float *dyp = dy->data + (size_t)n * c * hw + p;
            for (int i = 0; i < c; i++) {
                double nrm = be[i];
                for (int j = 0; j < c; j++)
                    nrm += (double)ga[i * c + j] * xp[j * hw] * xp[j * hw];
                u[i] = (float)(a * dyp[i * hw] * xp[i * hw] * pow(nrm, a - 1.0));
                dbe[i] += u[i];
                for (int j = 0; j < c; j++)
                    dga[i * c + j] += u[i] * xp[j * hw] * xp[j * hw];
                if (dx)
                    dx->data[(size_t)n * c * hw + i * hw + p] = (float)(dyp[i * hw] * pow(nrm, a));
            }
            if (dx)
                for (int j = 0; j < c; j++) {
                    double acc = 0.0;
                    for (int i = 0; i < c; i++)
                        acc += (double)ga[i * c + j] * u[i];
                    dx->data[(size_t)n * c * hw + j * hw + p] += (float)(2.0 * xp[j * hw] * acc);
                }
        }
    if (l->beta_raw.g) {
        chain_raw(&l->beta_raw, dbe, (size_t)c, beta_bound());
        chain_raw(&l->gamma_raw, dga, (size_t)c * c, gamma_bound());
    }
    tensor_free(tmp);
    return 0;
}

/* ---- fast path ---- */

/* dst[p] = sqrt(src[p] + b). Written with SSE because sqrtf's errno
 * semantics keep compilers from vectorising it; both are IEEE correctly
 * rounded, so results are identical. */
static void sqrt_add(float *dst, const float *src, float b, int n)
{
    int p = 0;
#if defined(__SSE2__)
    const __m128 vb = _mm_set1_ps(b);
    for (; p + 4 <= n; p += 4)
        _mm_storeu_ps(dst + p, _mm_sqrt_ps(_mm_add_ps(_mm_loadu_ps(src + p), vb)));
#endif
    for (; p < n; p++)
        dst[p] = sqrtf(src[p] + b);
}

/* Sum with 8 independent float lanes (vectorisable, fixed order). */
static float sum_floats(const float *v, int n)
{
    float lane[8] = { 0 };
    int p = 0;
    for (; p + 8 <= n; p += 8)
        for (int j = 0; j < 8; j++)
            lane[j] += v[p + j];
    double s = 0.0;
    for (int j = 0; j < 8; j++)
        s += lane[j];
    for (; p < n; p++)
        s += v[p];
    return (float)s;
}

/* For one tile: sq [c, t] = x^2 and nrm [c, t] = gamma . x^2 (beta is added
 * by the caller in its per-pixel pass). */
static void tile_mix(int c, int t, const float *xt, size_t ld, const float *ga,
                     float *sq, float *nrm)
{
    for (int j = 0; j < c; j++) {
        const float *xr = xt + j * ld;
        float *sr = sq + (size_t)j * t;
        for (int p = 0; p < t; p++)
            sr[p] = xr[p] * xr[p];
    }
    nn_sgemm(0, 0, c, t, c, 1.0f, ga, c, sq, t, 0.0f, nrm, t);
}

int gdn_forward(const Gdn *l, const Tensor *x, Tensor *y, NnScratch *s)
{
    if (check_shapes(l, x, y) < 0)
        return NN_ERR_SHAPE;
    const int c = l->c;
    const size_t hw = (size_t)x->h * x->w;
    const int tile = hw < GDN_TILE ? (int)hw : GDN_TILE;
    float *buf = nn_scratch(s, (size_t)c + (size_t)c * c + 2 * (size_t)c * tile);
    if (!buf)
        return NN_ERR_NOMEM;
    float *be = buf, *ga = be + c, *sq = ga + (size_t)c * c, *nrm = sq + (size_t)c * tile;
    gdn_effective(l, be, ga);
    for (int n = 0; n < x->n; n++)
        for (size_t p0 = 0; p0 < hw; p0 += tile) {
            int t = (int)(hw - p0 < (size_t)tile ? hw - p0 : (size_t)tile);
            const float *xt = x->data + (size_t)n * c * hw + p0;
            float *yt = y->data + (size_t)n * c * hw + p0;
            tile_mix(c, t, xt, hw, ga, sq, nrm);
            for (int i = 0; i < c; i++) {
                const float *xr = xt + i * hw;
                float *nr = nrm + (size_t)i * t, *yr = yt + i * hw;
                sqrt_add(nr, nr, be[i], t);
                if (l->inverse)
                    for (int p = 0; p < t; p++)
                        yr[p] = xr[p] * nr[p];
                else
                    for (int p = 0; p < t; p++)
                        yr[p] = xr[p] / nr[p];
            }
        }
    return 0;
}

/* gdn_backward over pixels [q0, q1) of every image. The effective
 * parameters' gradients are summed into the scratch's dbe / dga: only a
 * call over all pixels may chain them into the raw parameters. */
static int backward_pixels(const Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx,
                           size_t q0, size_t q1, NnScratch *s, float **grads)
{
    const int c = l->c;
    const size_t hw = (size_t)x->h * x->w;
    const int tile = q1 - q0 < GDN_TILE ? (int)(q1 - q0) : GDN_TILE;
    const size_t cc = (size_t)c * c, ct = (size_t)c * tile;
    float *buf = nn_scratch(s, 2 * ((size_t)c + cc) + 3 * ct);
    if (!buf)
        return NN_ERR_NOMEM;
    float *be = buf, *ga = be + c, *dbe = ga + cc, *dga = dbe + c;
    float *sq = dga + cc, *nrm = sq + ct, *mix = nrm + ct;
    gdn_effective(l, be, ga);
    memset(dbe, 0, ((size_t)c + cc) * sizeof(float));
    const float a = l->inverse ? 0.5f : -0.5f;
    for (int n = 0; n < x->n; n++)
        for (size_t p0 = q0; p0 < q1; p0 += tile) {
            int t = (int)(q1 - p0 < (size_t)tile ? q1 - p0 : (size_t)tile);
            const float *xt = x->data + (size_t)n * c * hw + p0;
            const float *dyt = dy->data + (size_t)n * c * hw + p0;
            tile_mix(c, t, xt, hw, ga, sq, nrm);
            /* nrm <- u = a dy x n^(a-1); mix (temporarily) <- dy n^a */
            for (int i = 0; i < c; i++) {
                const float *xr = xt + i * hw, *dr = dyt + i * hw;
                float *nr = nrm + (size_t)i * t, *mr = mix + (size_t)i * t;
                const float b = be[i];
                sqrt_add(mr, nr, b, t);   /* mr <- sqrt(n) */
                if (l->inverse)
                    for (int p = 0; p < t; p++) {
                        float nv = nr[p] + b, sq_n = mr[p];
                        nr[p] = a * dr[p] * xr[p] * (sq_n / nv);
                        mr[p] = dr[p] * sq_n;
                    }
                else
                    for (int p = 0; p < t; p++) {
                        float nv = nr[p] + b, sq_n = mr[p];
                        nr[p] = a * dr[p] * xr[p] / (sq_n * nv);
                        mr[p] = dr[p] / sq_n;
                    }
                dbe[i] += sum_floats(nr, t);
            }
            if (l->gamma_raw.g)
                nn_sgemm(0, 1, c, c, t,
                            1.0f, nrm, t, sq, t, 1.0f, dga, c);
            if (!dx)
                continue;
            float *dxt = dx->data + (size_t)n * c * hw + p0;
            for (int j = 0; j < c; j++)
                memcpy(dxt + j * hw, mix + (size_t)j * t, (size_t)t * sizeof(float));
            /* mix <- gamma^T . u ; dx += 2 x mix */
            nn_sgemm(1, 0, c, t, c,
                        1.0f, ga, c, nrm, t, 0.0f, mix, t);
            for (int j = 0; j < c; j++) {
                const float *xr = xt + j * hw, *mr = mix + (size_t)j * t;
                float *dr = dxt + j * hw;
                for (int p = 0; p < t; p++)
                    dr[p] += 2.0f * xr[p] * mr[p];
            }
        }
    *grads = dbe;
    return 0;
}

int gdn_backward(Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx, NnScratch *s)
{
    if (check_backward(l, x, dy, dx) < 0)
        return NN_ERR_SHAPE;
    float *dbe;
    const size_t c = (size_t)l->c, hw = (size_t)x->h * x->w;
    int err = backward_pixels(l, x, dy, dx, 0, hw, s, &dbe);
    if (err == 0 && l->beta_raw.g) {
        chain_raw(&l->beta_raw, dbe, c, beta_bound());
        chain_raw(&l->gamma_raw, dbe + c, c * c, gamma_bound());
    }
    return err;
}

int gdn_backward_dx_pixels(const Gdn *l, const Tensor *x, const Tensor *dy, Tensor *dx,
                           size_t p0, size_t p1, NnScratch *s)
{
    if (check_backward(l, x, dy, dx) < 0 || !dx || l->beta_raw.g || p0 > p1
        || p1 > (size_t)x->h * x->w)
        return NN_ERR_SHAPE;
    float *unused;
    return p0 == p1 ? 0 : backward_pixels(l, x, dy, dx, p0, p1, s, &unused);
}
