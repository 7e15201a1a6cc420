#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "lossless/predictor.h"

/* Arithmetic shift right that rounds toward minus infinity for negative
 * values too (>> of a negative int is implementation-defined in C). */
static inline int64_t asr(int64_t a, int s)
{
    return a >= 0 ? a >> s : ~(~a >> s);   /* both shifts of non-negative values: branch-free sar */
}

static inline int64_t floordiv(int64_t a, int64_t b)   /* b > 0 */
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static inline int64_t min3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a < b ? a : b;
    return m < c ? m : c;
}

static inline int64_t max3(int64_t a, int64_t b, int64_t c)
{
    int64_t m = a > b ? a : b;
    return m > c ? m : c;
}

static inline uint32_t ilog2(uint64_t v)   /* floor(log2(v)), v >= 1 */
{
    uint32_t n = 0;
    while (v >>= 1)
        n++;
    return n;
}

int predictor_init(PlanePredictor *p, int kind, uint32_t width, int32_t lo, int32_t hi)
{
    memset(p, 0, sizeof *p);
    p->width = width;
    p->kind = kind;
    p->lo = lo;
    p->hi = hi;
    p->first_row = 1;
    p->nsub = kind == PREDICTOR_BLEND || kind == PREDICTOR_BLEND_EC ? PRED_SUB_MAX : PRED_SUB;
    p->lms_w[0][0] = p->lms_w[1][0] = 1 << 15;   /* starts as (W + N) / 2 */
    for (uint32_t q = 0; q < PRED_INV; q++)
        p->inv[q] = (1u << 24) / (q + 1);
    p->val[2] = calloc(width, sizeof(int32_t));
    int ok = p->val[2] != NULL;
    for (int r = 0; r < 2; r++) {
        p->val[r] = calloc(width, sizeof(int32_t));
        p->terr[r] = calloc(width, sizeof(int32_t));
        ok &= p->val[r] && p->terr[r];
        p->serr[r] = calloc((size_t)width * PRED_SUB_MAX, sizeof(uint32_t));
        ok &= p->serr[r] != NULL;
    }
    if (!ok) {
        predictor_free(p);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    return LAT_OK;
}

void predictor_free(PlanePredictor *p)
{
    free(p->val[2]);
    for (int r = 0; r < 2; r++) {
        free(p->val[r]);
        free(p->terr[r]);
        free(p->serr[r]);
    }
    memset(p, 0, sizeof *p);
}

void predictor_next_row(PlanePredictor *p)
{
    int32_t *t = p->val[2]; p->val[2] = p->val[0]; p->val[0] = p->val[1]; p->val[1] = t;
    t = p->terr[0]; p->terr[0] = p->terr[1]; p->terr[1] = t;
    p->rows_done++;
    uint32_t *u = p->serr[0]; p->serr[0] = p->serr[1]; p->serr[1] = u;
    p->first_row = 0;
}

#define LMS_SHIFT_FAST 2     /* normalised steps 1/4 and 1/128 */
#define LMS_SHIFT_SLOW 7
#define LMS_MAX (1 << 20)    /* |weight| <= 16 */
#define LMS_EPS 16           /* keeps flat areas from taking huge steps */

/* The two LMS predictions (fast, returned; slow, in *second) from 12
 * neighbours minus W and the side inputs (docs/FORMAT.md 3b.2): in 1/8
 * units, within the plane's range. The first row sees W everywhere
 * (neighbour inputs zero). */
static int64_t lms_predict(PlanePredictor *p, uint32_t x, int64_t W, int64_t *second)
{
    const uint32_t w = p->width;
    int64_t in[PRED_LMS_INPUTS];
    if (p->first_row) {
        for (int i = 0; i < PRED_LMS_INPUTS; i++)
            in[i] = W;
    } else {
        const int32_t *a = p->val[0], *b = p->rows_done >= 2 ? p->val[2] : p->val[0];
        const uint32_t xw = x ? x - 1 : x, xww = x > 1 ? x - 2 : xw;
        const uint32_t xe = x + 1 < w ? x + 1 : x, xee = x + 2 < w ? x + 2 : xe;
        in[0] = a[x];
        in[1] = a[xw];
        in[2] = a[xe];
        in[3] = x > 1 ? p->val[1][x - 2] : W;
        in[4] = b[x];
        in[5] = b[xe];
        in[6] = a[xww];
        in[7] = a[xee];
        const uint32_t xwww = x > 2 ? x - 3 : xww;
        in[8] = b[xw];
        in[9] = b[xee];
        in[10] = x > 2 ? p->val[1][xwww] : in[3];
        in[11] = b[xww];
    }
    for (int i = 0; i < PRED_SIDE; i++)
        in[PRED_LMS_INPUTS - PRED_SIDE + i] = W + p->side[i];
    int64_t dot = 0, dot2 = 0, norm = LMS_EPS;
    for (int i = 0; i < PRED_LMS_INPUTS; i++) {
        const int64_t d = in[i] - W;
        p->lms_d[i] = d;
        dot += (int64_t)p->lms_w[0][i] * d;
        dot2 += (int64_t)p->lms_w[1][i] * d;
        norm += d * d;
    }
    p->lms_norm = norm;
    int64_t v = W * 8 + asr(dot, 13), v2 = W * 8 + asr(dot2, 13);
    const int64_t lo8 = (int64_t)p->lo * 8, hi8 = (int64_t)p->hi * 8;
    *second = v2 < lo8 ? lo8 : v2 > hi8 ? hi8 : v2;
    return v < lo8 ? lo8 : v > hi8 ? hi8 : v;
}

static void lms_update(PlanePredictor *p, int64_t v8)
{
    /* g = error (samples) * 2^16 / |d|^2; C division truncates toward 0. */
    for (int k = 0; k < PRED_LMS; k++) {
        const int64_t g = (v8 - p->sub[4 + k]) * 8192 / p->lms_norm;
        const int shift = k ? LMS_SHIFT_SLOW : LMS_SHIFT_FAST;
        int32_t *w = p->lms_w[k];
        /* v3 rounds: flooring drifts the weights down by half a step each */
        const int64_t round = p->kind == PREDICTOR_BLEND_EC ? 1 << (shift - 1) : 0;
        for (int i = 0; i < PRED_LMS_INPUTS; i++) {
            int64_t nw = w[i] + asr(g * p->lms_d[i] + round, shift);
            nw = nw > LMS_MAX ? LMS_MAX : nw;
            w[i] = (int32_t)(nw < -LMS_MAX ? -LMS_MAX : nw);
        }
    }
}

#define EC_SHIFT 9          /* corrector step 1/512 (normalised) */
#define EC_MAX (1 << 18)     /* |weight| <= 4 */
#define EC_EPS 64

/* The error corrector's estimate (1/8 units) of v·8 - f from the stored
 * errors tW, tN, tNW, tNE, tWW, the side residuals and the sub-predictions
 * p4, p5, p0..p3 relative to the blend (docs/FORMAT.md 3b.6). */
static int64_t ec_predict(PlanePredictor *p, const int64_t t[5], int64_t pred8)
{
    int64_t *in = p->ec_in;
    for (int i = 0; i < 5; i++)
        in[i] = t[i];
    in[5] = (int64_t)p->side[0] * 8;
    in[6] = (int64_t)p->side[1] * 8;
    in[7] = p->sub[4] - pred8;
    in[8] = p->sub[5] - pred8;
    for (int i = 0; i < 4; i++)   /* p0..p3 */
        in[9 + i] = p->sub[i] - pred8;
    int64_t dot = 0, norm = EC_EPS;
    for (int i = 0; i < PRED_EC_INPUTS; i++) {
        dot += (int64_t)p->ec_w[i] * in[i];
        norm += in[i] * in[i];
    }
    p->ec_norm = norm;
    p->ec_out = asr(dot, 16);
    return p->ec_out;
}

static void ec_update(PlanePredictor *p, int64_t v8)
{
    const int64_t g = (v8 - p->ec_base - p->ec_out) * 65536 / p->ec_norm;
    for (int i = 0; i < PRED_EC_INPUTS; i++) {
        int64_t nw = p->ec_w[i] + asr(g * p->ec_in[i] + (1 << (EC_SHIFT - 1)), EC_SHIFT);
        nw = nw > EC_MAX ? EC_MAX : nw;
        p->ec_w[i] = (int32_t)(nw < -EC_MAX ? -EC_MAX : nw);
    }
}

/* Outside the image, the nearest decoded neighbour stands in (W on the
 * first row, N in the first column); the very first sample sees mid-range. */
int32_t predictor_predict(PlanePredictor *p, uint32_t x, uint32_t *activity)
{
    const uint32_t w = p->width;
    const int32_t *cv = p->val[1], *ct = p->terr[1];
    int64_t W, N, NW, NE;
    int64_t tW, tN, tNW, tNE;
    uint32_t sW[PRED_SUB_MAX], sN[PRED_SUB_MAX], sNW[PRED_SUB_MAX], sNE[PRED_SUB_MAX];
    const int nsub = p->nsub;
    if (p->first_row) {
        if (x == 0) {
            W = N = NW = NE = p->lo + (int64_t)(p->hi - p->lo + 1) / 2;
            tW = tN = tNW = tNE = 0;
            for (int i = 0; i < nsub; i++)
                sW[i] = sN[i] = sNW[i] = sNE[i] = 0;
        } else {
            W = N = NW = NE = cv[x - 1];
            tW = tN = tNW = tNE = ct[x - 1];
            for (int i = 0; i < nsub; i++)
                sW[i] = sN[i] = sNW[i] = sNE[i] = p->serr[1][(x - 1) * PRED_SUB_MAX + i];
        }
    } else {
        const int32_t *pv = p->val[0], *pt = p->terr[0];
        uint32_t xw = x ? x - 1 : x, xe = x + 1 < w ? x + 1 : x;
        N = pv[x]; NW = pv[xw]; NE = pv[xe];
        tN = pt[x]; tNW = pt[xw]; tNE = pt[xe];
        W = x ? cv[x - 1] : N;
        tW = x ? ct[x - 1] : tN;
        for (int i = 0; i < nsub; i++) {
            const uint32_t *ps = p->serr[0] + i;
            sN[i] = ps[x * PRED_SUB_MAX]; sNW[i] = ps[xw * PRED_SUB_MAX]; sNE[i] = ps[xe * PRED_SUB_MAX];
            sW[i] = x ? p->serr[1][(x - 1) * PRED_SUB_MAX + i] : sN[i];
        }
    }

    if (p->kind == PREDICTOR_MED) {
        int64_t pr;
        if (NW >= (W > N ? W : N))
            pr = W < N ? W : N;
        else if (NW <= (W < N ? W : N))
            pr = W > N ? W : N;
        else
            pr = W + N - NW;
        p->final8 = pr * 8;
        uint64_t a = (uint64_t)(llabs(W - NW) + llabs(N - NW) + llabs(NE - N));
        *activity = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
        return (int32_t)pr;
    }

    const int64_t W8 = W * 8, N8 = N * 8, NW8 = NW * 8, NE8 = NE * 8;
    p->sub[0] = W8 + NE8 - N8;
    p->sub[1] = N8 - asr((tW + tN + tNE) * 16, 5);
    p->sub[2] = W8 - asr((tW + tN + tNW) * 10, 5);
    p->sub[3] = N8 - asr(tNW * 7 + tN * 7 + tNE * 7, 5);
    if (nsub > PRED_SUB)
        p->sub[4] = lms_predict(p, x, W, &p->sub[5]);

    int64_t wsum = 0, psum = 0;
    for (int i = 0; i < nsub; i++) {
        uint64_t es = (uint64_t)sN[i] + sW[i] + sNW[i] + sNE[i] + sN[i] + sW[i];
        /* weight ~ 1/err (1/err^2 measured 0.8% worse on the photo set) */
        const uint64_t q = es >> 2;   /* 32-bit division: 2^24 / (q + 1) is 0 beyond */
        int64_t wt = (q < PRED_INV ? (int64_t)p->inv[q]
                      : q < (1u << 24) ? (int64_t)((1u << 24) / ((uint32_t)q + 1)) : 0) + 1;
        if (i >= PRED_SUB)   /* the LMS predictors count 4 times */
            wt *= 4;
        wsum += wt;
        psum += wt * p->sub[i];
    }
    int64_t pred8 = floordiv(psum + wsum / 2, wsum);
    /* Where the neighbours' errors disagree in sign, stay inside them. */
    if (((tN ^ tW) | (tN ^ tNW)) < 0 || tN == 0 || tW == 0) {
        int64_t mn = min3(W8, N8, NE8), mx = max3(W8, N8, NE8);
        if (pred8 < mn) pred8 = mn;
        if (pred8 > mx) pred8 = mx;
    }
    p->pred8 = pred8;

    uint64_t act = (uint64_t)(llabs(tN) + llabs(tW) + llabs(tNW) + llabs(tNE));
    uint32_t level = ilog2(act / 8 + 1);
    if (level > 11)
        level = 11;
    p->bias_ctx = (int)(level * 8 + (tN < 0) * 4 + (tW < 0) * 2 + (N8 > pred8));
    int64_t cnt = p->bias_cnt[p->bias_ctx];
    int64_t f = pred8;
    if (cnt > 0)
        f += floordiv(p->bias_sum[p->bias_ctx] + cnt / 2, cnt);
    if (p->kind == PREDICTOR_BLEND_EC) {
        const int64_t t[5] = {tW, tN, tNW, tNE, x > 1 ? ct[x - 2] : tW};
        p->ec_base = f;
        f += ec_predict(p, t, pred8);
    }
    int64_t lo8 = (int64_t)p->lo * 8, hi8 = (int64_t)p->hi * 8;
    if (f < lo8) f = lo8;
    if (f > hi8) f = hi8;
    p->final8 = f;
    /* Grouping activity: the neighbours' errors plus the local gradient. */
    uint64_t group_act = act + (uint64_t)(llabs(W8 - NW8) + llabs(N8 - NW8) + llabs(NE8 - N8));
    *activity = group_act > UINT32_MAX ? UINT32_MAX : (uint32_t)group_act;
    return (int32_t)asr(f + 4, 3);
}

void predictor_update(PlanePredictor *p, uint32_t x, int32_t actual)
{
    int64_t v8 = (int64_t)actual * 8;
    p->val[1][x] = actual;
    p->terr[1][x] = (int32_t)(p->final8 - v8);
    if (p->kind == PREDICTOR_MED)
        return;
    if (p->nsub > PRED_SUB)
        lms_update(p, v8);
    for (int i = 0; i < p->nsub; i++) {
        int64_t d = p->sub[i] - v8;
        uint64_t a = (uint64_t)(d < 0 ? -d : d);
        p->serr[1][x * PRED_SUB_MAX + i] = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
    }
    if (p->kind == PREDICTOR_BLEND_EC)
        ec_update(p, v8);
    int c = p->bias_ctx;
    int64_t s = p->bias_sum[c] + (v8 - p->pred8);
    int32_t n = p->bias_cnt[c] + 1;
    if (n >= 64) {
        s = s / 2;
        n /= 2;
    }
    p->bias_sum[c] = (int32_t)s;
    p->bias_cnt[c] = n;
}
