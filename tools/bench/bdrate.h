/* Bjøntegaard delta metrics (VCEG-M33, 2001) for `lat bench rd`.
 *
 * Rate-distortion curves are given as (rate, quality) points, e.g. (bpp,
 * PSNR dB), in any order. BD-rate fits log(rate) as a function of quality
 * for both curves, integrates each fit over the overlapping quality range
 * and reports the mean log-rate difference as a percentage:
 *   BD-rate = (exp(mean(log r_test - log r_anchor)) - 1) * 100.
 * Negative means the test codec needs fewer bits for the same quality.
 * BD-quality (BD-PSNR) swaps the roles: quality as a function of log(rate),
 * mean difference over the overlapping log-rate range, in quality units.
 *
 * Two fits: BD_FIT_PCHIP (default) interpolates the points with a monotone
 * piecewise-cubic Hermite curve (Fritsch-Carlson slopes, the end rule of
 * scipy's PchipInterpolator), robust for many points; BD_FIT_CUBIC is the
 * original least-squares cubic polynomial (needs >= 4 points).
 * Functions return NAN when a curve has too few distinct points or the
 * ranges do not overlap. */
#ifndef LAT_TOOLS_BDRATE_H
#define LAT_TOOLS_BDRATE_H

#define BD_MAX_POINTS 256

typedef enum BdFit { BD_FIT_PCHIP = 0, BD_FIT_CUBIC = 1 } BdFit;

double bd_rate(const double *anchor_rate, const double *anchor_quality, int anchor_n,
               const double *test_rate, const double *test_quality, int test_n, BdFit fit);

double bd_quality(const double *anchor_rate, const double *anchor_quality, int anchor_n,
                  const double *test_rate, const double *test_quality, int test_n, BdFit fit);

/* Quality of a curve at a given rate: PCHIP of quality against log(rate),
 * NAN outside the measured rate range (never extrapolated). */
double rd_quality_at_rate(const double *rate, const double *quality, int n, double at_rate);
#endif
