/* Deterministic elementary functions (det_math.h). */
#include "lossy/det_math.h"

#include <math.h>

/* No contraction of a*b+c into fma (clang contracts by default; GCC does
 * not in the ISO C mode the build uses, and ignores this pragma). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define LN2_HI 6.93147180369123816490e-01   /* ln 2 split so k * LN2_HI is exact */
#define LN2_LO 1.90821492927058770002e-10
#define LOG2E 1.44269504088896338700e+00

double det_exp(double x)
{
    if (x != x)
        return x;
    if (x > 709.7)
        return INFINITY;
    if (x < -745.0)
        return 0.0;
    const double k = rint(x * LOG2E);
    const double r = fma(-k, LN2_LO, fma(-k, LN2_HI, x));   /* |r| <= 0.35 */
    /* Taylor series to r^13 (truncation < 1e-17 relative), Horner with fma. */
    static const double c[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
                                 1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
                                 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0};
    double p = c[13];
    for (int i = 12; i >= 0; i--)
        p = fma(p, r, c[i]);
    return ldexp(p, (int)k);
}

double det_log(double x)
{
    if (!(x > 0))
        return x == 0 ? -INFINITY : NAN;
    if (x == INFINITY)
        return x;
    int e;
    double m = frexp(x, &e);   /* x = m 2^e, m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2;
        e--;
    }
    /* log(m) = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172: odd series to s^23. */
    const double f = m - 1.0, s = f / (m + 1.0), s2 = s * s;
    double p = 1.0 / 23;
    for (int i = 21; i >= 1; i -= 2)
        p = fma(p, s2, 1.0 / i);
    const double lm = 2.0 * s * p;
    return fma((double)e, LN2_HI, fma((double)e, LN2_LO, lm));
}

double det_erfc(double x)
{
    /* Numerical Recipes' erfcc (Chebyshev fit, relative error < 1.2e-7). */
    const double z = fabs(x), t = 1.0 / fma(0.5, z, 1.0);
    static const double c[10] = {-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
                                 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277};
    double p = c[9];
    for (int i = 8; i >= 0; i--)
        p = fma(p, t, c[i]);
    const double r = t * det_exp(fma(-z, z, p));
    return x >= 0 ? r : 2.0 - r;
}

double det_tanh(double x)
{
    const double a = fabs(x);
    if (a > 20)
        return x > 0 ? 1.0 : -1.0;
    const double e = det_exp(-2.0 * a);
    const double t = (1.0 - e) / (1.0 + e);
    return x >= 0 ? t : -t;
}

/* log(1 + u) for 0 <= u <= 1: the series below 1e-4, where 1 + u would
 * round away u's low bits. */
static double log1p_small(double u)
{
    if (u < 1e-4)
        return u * fma(u, fma(u, fma(u, -0.25, 1.0 / 3), -0.5), 1.0);
    return det_log(1.0 + u);
}

double det_softplus(double x)
{
    if (x > 40)
        return x;
    const double e = det_exp(-fabs(x));
    return (x > 0 ? x : 0.0) + log1p_small(e);
}

double det_sigmoid(double x)
{
    if (x >= 0)
        return 1.0 / (1.0 + det_exp(-x));
    const double e = det_exp(x);
    return e / (1.0 + e);
}

float det_expf(float x) { return (float)det_exp((double)x); }
