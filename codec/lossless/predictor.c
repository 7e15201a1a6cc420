#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "lossless/predictor.h"

/* Arithmetic shift right that rounds toward minus infinity for negative
 * values too (>> of a negative int is implementation-defined in C). */
static inline int64_t asr(int64_t a, int s)
{
    return a >= 0 ? a >> s : -((-a + ((int64_t)1 << s) - 1) >> s);
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
    int ok = 1;
    for (int r = 0; r < 2; r++) {
        p->val[r] = calloc(width, sizeof(int32_t));
        p->terr[r] = calloc(width, sizeof(int32_t));
        ok &= p->val[r] && p->terr[r];
        for (int i = 0; i < PRED_SUB; i++) {
            p->serr[i][r] = calloc(width, sizeof(uint32_t));
            ok &= p->serr[i][r] != NULL;
        }
    }
    if (!ok) {
        predictor_free(p);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    return LAT_OK;
}

void predictor_free(PlanePredictor *p)
{
    for (int r = 0; r < 2; r++) {
        free(p->val[r]);
        free(p->terr[r]);
        for (int i = 0; i < PRED_SUB; i++)
            free(p->serr[i][r]);
    }
    memset(p, 0, sizeof *p);
}

void predictor_next_row(PlanePredictor *p)
{
    int32_t *t = p->val[0]; p->val[0] = p->val[1]; p->val[1] = t;
    t = p->terr[0]; p->terr[0] = p->terr[1]; p->terr[1] = t;
    for (int i = 0; i < PRED_SUB; i++) {
        uint32_t *u = p->serr[i][0]; p->serr[i][0] = p->serr[i][1]; p->serr[i][1] = u;
    }
    p->first_row = 0;
}

/* Outside the image, the nearest decoded neighbour stands in (W on the
 * first row, N in the first column); the very first sample sees mid-range. */
int32_t predictor_predict(PlanePredictor *p, uint32_t x, uint32_t *activity)
{
    const uint32_t w = p->width;
    const int32_t *cv = p->val[1], *ct = p->terr[1];
    int64_t W, N, NW, NE;
    int64_t tW, tN, tNW, tNE;
    uint32_t sW[PRED_SUB], sN[PRED_SUB], sNW[PRED_SUB], sNE[PRED_SUB];
    if (p->first_row) {
        if (x == 0) {
            W = N = NW = NE = p->lo + (int64_t)(p->hi - p->lo + 1) / 2;
            tW = tN = tNW = tNE = 0;
            for (int i = 0; i < PRED_SUB; i++)
                sW[i] = sN[i] = sNW[i] = sNE[i] = 0;
        } else {
            W = N = NW = NE = cv[x - 1];
            tW = tN = tNW = tNE = ct[x - 1];
            for (int i = 0; i < PRED_SUB; i++)
                sW[i] = sN[i] = sNW[i] = sNE[i] = p->serr[i][1][x - 1];
        }
    } else {
        const int32_t *pv = p->val[0], *pt = p->terr[0];
        uint32_t xw = x ? x - 1 : x, xe = x + 1 < w ? x + 1 : x;
        N = pv[x]; NW = pv[xw]; NE = pv[xe];
        tN = pt[x]; tNW = pt[xw]; tNE = pt[xe];
        W = x ? cv[x - 1] : N;
        tW = x ? ct[x - 1] : tN;
        for (int i = 0; i < PRED_SUB; i++) {
            const uint32_t *ps = p->serr[i][0];
            sN[i] = ps[x]; sNW[i] = ps[xw]; sNE[i] = ps[xe];
            sW[i] = x ? p->serr[i][1][x - 1] : sN[i];
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

    int64_t wsum = 0, psum = 0;
    for (int i = 0; i < PRED_SUB; i++) {
        uint64_t es = (uint64_t)sN[i] + sW[i] + sNW[i] + sNE[i] + sN[i] + sW[i];
        /* weight ~ 1/err (1/err^2 measured 0.8% worse on the photo set) */
        int64_t wt = (int64_t)(((uint64_t)1 << 24) / ((es >> 2) + 1)) + 1;
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
    for (int i = 0; i < PRED_SUB; i++) {
        int64_t d = p->sub[i] - v8;
        uint64_t a = (uint64_t)(d < 0 ? -d : d);
        p->serr[i][1][x] = a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
    }
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
