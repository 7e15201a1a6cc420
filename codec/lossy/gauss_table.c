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

/* Frequencies of one table: each symbol gets 1 + floor(p (2^16 - n)), the
 * centre the remainder, so all are >= 1 and they total 2^16 exactly. */
static void build(double sigma, int radius, uint32_t *cdf)
{
    const int n = 2 * radius + 2;
    const uint32_t total = 1u << GAUSS_FREQ_BITS, spare = total - (uint32_t)n;
    const double inv = 1.0 / (sigma * 1.41421356237309504880);
    uint32_t sum = 0;
    cdf[0] = 0;
    for (int s = 0; s < n; s++) {
        double p;
        if (s == n - 1) {   /* escape: both tails beyond the radius */
            p = det_erfc((radius + 0.5) * inv);
        } else {
            const double a = fabs((double)(s - radius));
            /* Phi((1/2 - a)/sigma) - Phi((-1/2 - a)/sigma) via upper tails */
            p = 0.5 * det_erfc((a - 0.5) * inv) - 0.5 * det_erfc((a + 0.5) * inv);
        }
        if (!(p > 0))
            p = 0;
        const uint32_t f = 1u + (uint32_t)floor(p * spare);
        cdf[s + 1] = cdf[s] + f;
        sum += f;
    }
    /* The remainder goes to the centre symbol (v = 0); it is >= 0 unless
     * det_erfc's error made the p sum above 1, when the centre (>= 100)
     * gives back the excess. */
    const int64_t extra = (int64_t)total - sum;
    for (int s = radius + 1; s <= n; s++)
        cdf[s] = (uint32_t)((int64_t)cdf[s] + extra);
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
    if (!g->storage)
        return -1;
    uint32_t *p = g->storage;
    for (int i = 0; i < GAUSS_SCALES; i++) {
        g->cdf[i] = p;
        build(det_exp(gauss_log_scale(i)), g->radius[i], p);
        p += 2 * (size_t)g->radius[i] + 3;
    }
    return 0;
}

void gauss_tables_free(GaussTables *g)
{
    free(g->storage);
    memset(g, 0, sizeof *g);
}

void gauss_encode(RcEncoder *e, const GaussTables *g, int i, int32_t v)
{
    const int r = g->radius[i];
    const uint32_t *cdf = g->cdf[i];
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

int gauss_decode(RcDecoder *d, const GaussTables *g, int i, int32_t *v)
{
    const int r = g->radius[i];
    const uint32_t *cdf = g->cdf[i];
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

double gauss_table_bits(const GaussTables *g, int i, int32_t v)
{
    const int r = g->radius[i];
    const uint32_t *cdf = g->cdf[i];
    const int32_t a = v < 0 ? -v : v;
    const int s = a <= r ? v + r : 2 * r + 1;
    double bits = GAUSS_FREQ_BITS - log2((double)(cdf[s + 1] - cdf[s]));
    if (a > r)
        bits += 1 + 2 * (32 - __builtin_clz((uint32_t)(a - r))) - 1;
    return bits;
}
