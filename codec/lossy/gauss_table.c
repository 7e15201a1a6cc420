/* Frequency tables of the discretised Gaussians (gauss_table.h). */
#include "lossy/gauss_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lossy/det_math.h"

/* No contraction of a*b+c into fma (clang contracts by default; GCC does
 * not in the ISO C mode the build uses, and ignores this pragma). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

float gauss_log_scale(int i) { return fmaf((float)i, GAUSS_LOG_SCALE_STEP, GAUSS_LOG_SCALE0); }

int gauss_scale_index(float t)
{
    int lo = 0, hi = GAUSS_SCALES - 1;   /* the answer is in [lo, hi] */
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (gauss_log_scale(mid) >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int radius_of(double sigma) { return (int)ceil(GAUSS_RADIUS_SIGMAS * sigma); }

void freq_table_from_pmf(const double *p, int n, uint32_t *cdf)
{
    const uint32_t total = 1u << GAUSS_FREQ_BITS, spare = total - (uint32_t)n;
    int mode = 0;
    uint32_t sum = 0;
    cdf[0] = 0;
    for (int s = 0; s < n; s++) {
        const double ps = p[s] > 0 ? p[s] : 0;   /* also NaN */
        const uint32_t f = 1u + (uint32_t)floor((ps < 1 ? ps : 1) * spare);
        cdf[s + 1] = cdf[s] + f;
        sum += f;
        if (p[s] > p[mode])
            mode = s;
    }
    /* The remainder is >= 0 unless the p sum above 1 (rounding), when the
     * mode gives back the excess (only ever a few counts). */
    const int64_t extra = (int64_t)total - sum;
    for (int s = mode + 1; s <= n; s++)
        cdf[s] = (uint32_t)((int64_t)cdf[s] + extra);
}

/* One Gaussian table: the probabilities of -radius..radius through upper
 * tails (no cancellation), then the escape. */
static void build(double sigma, int radius, double *p, uint32_t *cdf)
{
    const int n = 2 * radius + 2;
    const double inv = 1.0 / (sigma * 1.41421356237309504880);
    for (int s = 0; s < n - 1; s++) {
        const double a = fabs((double)(s - radius));
        /* Phi((1/2 - a)/sigma) - Phi((-1/2 - a)/sigma) */
        p[s] = 0.5 * det_erfc((a - 0.5) * inv) - 0.5 * det_erfc((a + 0.5) * inv);
    }
    p[n - 1] = det_erfc((radius + 0.5) * inv);   /* both tails beyond the radius */
    freq_table_from_pmf(p, n, cdf);
}

int gauss_tables_init(GaussTables *g)
{
    memset(g, 0, sizeof *g);
    size_t entries = 0;
    for (int i = 0; i < GAUSS_SCALES; i++) {
        g->radius[i] = radius_of(det_exp(gauss_log_scale(i)));
        entries += 2 * (size_t)g->radius[i] + 3;
    }
    g->storage = malloc(entries * sizeof(uint32_t));
    double *pmf = malloc(sizeof(double) * (2 * (size_t)g->radius[GAUSS_SCALES - 1] + 2));
    if (!g->storage || !pmf) {
        free(pmf);
        gauss_tables_free(g);
        return -1;
    }
    uint32_t *p = g->storage;
    for (int i = 0; i < GAUSS_SCALES; i++) {
        g->cdf[i] = p;
        build(det_exp(gauss_log_scale(i)), g->radius[i], pmf, p);
        p += 2 * (size_t)g->radius[i] + 3;
    }
    free(pmf);
    return 0;
}

void gauss_tables_free(GaussTables *g)
{
    free(g->storage);
    memset(g, 0, sizeof *g);
}

void sym_encode(RcEncoder *e, const uint32_t *cdf, int r, int32_t v)
{
    const int32_t a = v < 0 ? -v : v;
    if (a <= r) {
        const int s = v + r;
        rc_enc_freq(e, cdf[s], cdf[s + 1] - cdf[s]);
        return;
    }
    const int esc = 2 * r + 1;
    rc_enc_freq(e, cdf[esc], cdf[esc + 1] - cdf[esc]);
    rc_enc_bypass(e, v < 0);
    const uint32_t x = (uint32_t)(a - r);   /* >= 1 */
    const int nbits = 32 - __builtin_clz(x);
    for (int b = 0; b < nbits - 1; b++)
        rc_enc_bypass(e, 0);
    for (int b = nbits - 1; b >= 0; b--)
        rc_enc_bypass(e, (int)((x >> b) & 1));
}

int sym_decode(RcDecoder *d, const uint32_t *cdf, int r, int32_t *v)
{
    const uint32_t t = rc_dec_freq_target(d);
    int lo = 0, hi = 2 * r + 1;   /* the symbol s with cdf[s] <= t < cdf[s + 1] */
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (cdf[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    rc_dec_freq_update(d, cdf[lo], cdf[lo + 1] - cdf[lo]);
    if (lo < 2 * r + 1) {
        *v = lo - r;
        return 0;
    }
    const int negative = rc_dec_bypass(d);
    int zeros = 0;
    while (rc_dec_bypass(d) == 0)
        if (++zeros > 15)
            return -1;
    uint32_t x = 1;
    for (int b = 0; b < zeros; b++)
        x = (x << 1) | (uint32_t)rc_dec_bypass(d);
    if (x > (uint32_t)(GAUSS_VALUE_MAX - r))
        return -1;
    *v = negative ? -(int32_t)(x + (uint32_t)r) : (int32_t)(x + (uint32_t)r);
    return 0;
}

double sym_bits(const uint32_t *cdf, int r, int32_t v)
{
    const int32_t a = v < 0 ? -v : v;
    const int s = a <= r ? v + r : 2 * r + 1;
    double bits = GAUSS_FREQ_BITS - log2((double)(cdf[s + 1] - cdf[s]));
    if (a > r)
        bits += 1 + 2 * (32 - __builtin_clz((uint32_t)(a - r))) - 1;
    return bits;
}
