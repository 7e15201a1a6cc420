/* Bjøntegaard metrics: fit, integrate the fits over the common range,
 * average the difference. Both fits are integrated in closed form. */
#include "bdrate.h"

#include <math.h>
#include <stdlib.h>

/* One curve y(x) ready to integrate: points sorted by x, distinct x. */
typedef struct Fit {
    int n;
    double x[BD_MAX_POINTS], y[BD_MAX_POINTS];
    double slope[BD_MAX_POINTS]; /* PCHIP derivatives at the points */
    double poly[4];              /* cubic: y = sum poly[i] * ((x - center) / scale)^i */
    double center, scale;
    BdFit kind;
} Fit;

typedef struct Pair { double x, y; } Pair;

static int cmp_pair(const void *a, const void *b)
{
    double d = ((const Pair *)a)->x - ((const Pair *)b)->x;
    return (d > 0) - (d < 0);
}

static double sign_of(double v) { return (v > 0) - (v < 0); }

/* scipy.interpolate.PchipInterpolator's one-sided end derivative. */
static double pchip_end_slope(double h0, double h1, double d0, double d1)
{
    double s = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
    if (sign_of(s) != sign_of(d0))
        return 0;
    if (sign_of(d0) != sign_of(d1) && fabs(s) > fabs(3 * d0))
        return 3 * d0;
    return s;
}

static void pchip_slopes(Fit *f)
{
    int n = f->n;
    double h[BD_MAX_POINTS], d[BD_MAX_POINTS];
    for (int k = 0; k + 1 < n; k++) {
        h[k] = f->x[k + 1] - f->x[k];
        d[k] = (f->y[k + 1] - f->y[k]) / h[k];
    }
    if (n == 2) {
        f->slope[0] = f->slope[1] = d[0];
        return;
    }
    for (int k = 1; k + 1 < n; k++) {
        if (d[k - 1] * d[k] <= 0) {
            f->slope[k] = 0;
        } else {
            double w1 = 2 * h[k] + h[k - 1], w2 = h[k] + 2 * h[k - 1];
            f->slope[k] = (w1 + w2) / (w1 / d[k - 1] + w2 / d[k]);
        }
    }
    f->slope[0] = pchip_end_slope(h[0], h[1], d[0], d[1]);
    f->slope[n - 1] = pchip_end_slope(h[n - 2], h[n - 3], d[n - 2], d[n - 3]);
}

/* Solves the 4x4 system a * p = b by Gaussian elimination with pivoting.
 * Returns -1 if singular. */
static int solve4(double a[4][4], double b[4], double p[4])
{
    for (int c = 0; c < 4; c++) {
        int piv = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(a[r][c]) > fabs(a[piv][c]))
                piv = r;
        if (fabs(a[piv][c]) < 1e-300)
            return -1;
        for (int k = 0; k < 4; k++) {
            double t = a[c][k]; a[c][k] = a[piv][k]; a[piv][k] = t;
        }
        double t = b[c]; b[c] = b[piv]; b[piv] = t;
        for (int r = c + 1; r < 4; r++) {
            double m = a[r][c] / a[c][c];
            for (int k = c; k < 4; k++)
                a[r][k] -= m * a[c][k];
            b[r] -= m * b[c];
        }
    }
    for (int r = 3; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < 4; k++)
            s -= a[r][k] * p[k];
        p[r] = s / a[r][r];
    }
    return 0;
}

/* Least squares cubic in a centred, scaled variable (keeps the normal
 * equations well conditioned for PSNR values around 30). */
static int cubic_fit(Fit *f)
{
    double lo = f->x[0], hi = f->x[f->n - 1];
    f->center = 0.5 * (lo + hi);
    f->scale = 0.5 * (hi - lo);
    double a[4][4] = {{0}}, b[4] = {0};
    for (int i = 0; i < f->n; i++) {
        double t = (f->x[i] - f->center) / f->scale, pw[7];
        pw[0] = 1;
        for (int k = 1; k < 7; k++)
            pw[k] = pw[k - 1] * t;
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++)
                a[r][c] += pw[r + c];
            b[r] += pw[r] * f->y[i];
        }
    }
    return solve4(a, b, f->poly);
}

static int fit_build(Fit *f, const double *x, const double *y, int n, BdFit kind)
{
    if (n < 2 || n > BD_MAX_POINTS)
        return -1;
    Pair p[BD_MAX_POINTS];
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        p[m].x = x[i];
        p[m].y = y[i];
        m++;
    }
    qsort(p, (size_t)m, sizeof(Pair), cmp_pair);
    f->n = 0;
    for (int i = 0; i < m; i++) {
        if (f->n > 0 && p[i].x <= f->x[f->n - 1])
            continue; /* a repeated x adds nothing a function of x can use */
        f->x[f->n] = p[i].x;
        f->y[f->n] = p[i].y;
        f->n++;
    }
    f->kind = kind;
    if (kind == BD_FIT_CUBIC)
        return f->n >= 4 ? cubic_fit(f) : -1;
    if (f->n < 2)
        return -1;
    pchip_slopes(f);
    return 0;
}

/* Integral of y over [a, b] inside the fitted range. */
static double fit_integral(const Fit *f, double a, double b)
{
    if (f->kind == BD_FIT_CUBIC) {
        double ta = (a - f->center) / f->scale, tb = (b - f->center) / f->scale, s = 0;
        for (int k = 0; k < 4; k++)
            s += f->poly[k] * (pow(tb, k + 1) - pow(ta, k + 1)) / (k + 1);
        return s * f->scale;
    }
    double total = 0;
    for (int k = 0; k + 1 < f->n; k++) {
        double x0 = f->x[k], x1 = f->x[k + 1];
        double lo = a > x0 ? a : x0, hi = b < x1 ? b : x1;
        if (hi <= lo)
            continue;
        /* y = y0 + d0 t + c2 t^2 + c3 t^3 with t = x - x0 (Hermite form). */
        double h = x1 - x0, delta = (f->y[k + 1] - f->y[k]) / h;
        double d0 = f->slope[k], d1 = f->slope[k + 1];
        double c2 = (3 * delta - 2 * d0 - d1) / h, c3 = (d0 + d1 - 2 * delta) / (h * h);
        double t0 = lo - x0, t1 = hi - x0;
#define PRIM(t) (f->y[k] * (t) + d0 * (t) * (t) / 2 + c2 * (t) * (t) * (t) / 3 \
                 + c3 * (t) * (t) * (t) * (t) / 4)
        total += PRIM(t1) - PRIM(t0);
#undef PRIM
    }
    return total;
}

static double fit_eval(const Fit *f, double x)
{
    int k = 0;
    while (k + 2 < f->n && x > f->x[k + 1])
        k++;
    double x0 = f->x[k], h = f->x[k + 1] - x0, t = x - x0;
    double delta = (f->y[k + 1] - f->y[k]) / h, d0 = f->slope[k], d1 = f->slope[k + 1];
    double c2 = (3 * delta - 2 * d0 - d1) / h, c3 = (d0 + d1 - 2 * delta) / (h * h);
    return f->y[k] + t * (d0 + t * (c2 + t * c3));
}

/* Mean difference test - anchor of two fits over their common x range. */
static double mean_difference(const double *ax, const double *ay, int an, const double *tx,
                              const double *ty, int tn, BdFit kind)
{
    Fit fa, ft;
    if (fit_build(&fa, ax, ay, an, kind) < 0 || fit_build(&ft, tx, ty, tn, kind) < 0)
        return NAN;
    double lo = fmax(fa.x[0], ft.x[0]);
    double hi = fmin(fa.x[fa.n - 1], ft.x[ft.n - 1]);
    if (!(hi > lo))
        return NAN;
    return (fit_integral(&ft, lo, hi) - fit_integral(&fa, lo, hi)) / (hi - lo);
}

static int log_rates(const double *rate, int n, double *out)
{
    if (n < 0 || n > BD_MAX_POINTS)
        return -1;
    for (int i = 0; i < n; i++)
        out[i] = rate[i] > 0 ? log(rate[i]) : NAN;
    return 0;
}

double bd_rate(const double *anchor_rate, const double *anchor_quality, int anchor_n,
               const double *test_rate, const double *test_quality, int test_n, BdFit fit)
{
    double la[BD_MAX_POINTS], lt[BD_MAX_POINTS];
    if (log_rates(anchor_rate, anchor_n, la) < 0 || log_rates(test_rate, test_n, lt) < 0)
        return NAN;
    double d = mean_difference(anchor_quality, la, anchor_n, test_quality, lt, test_n, fit);
    return (exp(d) - 1) * 100;
}

double bd_quality(const double *anchor_rate, const double *anchor_quality, int anchor_n,
                  const double *test_rate, const double *test_quality, int test_n, BdFit fit)
{
    double la[BD_MAX_POINTS], lt[BD_MAX_POINTS];
    if (log_rates(anchor_rate, anchor_n, la) < 0 || log_rates(test_rate, test_n, lt) < 0)
        return NAN;
    return mean_difference(la, anchor_quality, anchor_n, lt, test_quality, test_n, fit);
}

double rd_quality_at_rate(const double *rate, const double *quality, int n, double at_rate)
{
    Fit f;
    double lr[BD_MAX_POINTS];
    if (!(at_rate > 0) || log_rates(rate, n, lr) < 0 || fit_build(&f, lr, quality, n, BD_FIT_PCHIP) < 0)
        return NAN;
    double x = log(at_rate);
    if (x < f.x[0] || x > f.x[f.n - 1])
        return NAN;
    return fit_eval(&f, x);
}
