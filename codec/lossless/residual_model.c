/* Context-mixing residual coder of lossless mode v2 (residual_model.h).
 *
 * Bit kinds ("slots"), each with its own counters, mixer weights and SSE:
 *   0..15   unary bin i of the bit length n of |e|: "n > i"
 *   17      the sign (1: negative)
 *   18+n    the first bit below the leading one, n = 2..16
 *   35+2(n-3)+b  the second bit below it, n = 3..16, b the first bit
 * Bits further down are coded with one counter per (n, activity level). */
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "lossless/residual_model.h"

#define SLOT_SIGN 17
#define SLOT_FIRST 18
#define SLOT_SECOND 35
#define MIX_RATE 20          /* mixer learning rate */
#define MIX_INIT 19661      /* initial weight of a counter, 0.3 in 16.16 */
#define MIX_MAX (1 << 24)   /* |weight| <= 256 */
#define SSE_RATE 7          /* SSE entries move 1/2^7 of the way */

/* Where each slot's counter sits in a context's row: the bits of the
 * common small residuals (bit length <= 5, and the sign) share the row's
 * first cache line, so a sample mostly touches one line per counter set.
 * Memory layout only: no effect on what is coded. */
static const uint8_t slot_pos[RM_SLOTS] = {
    /* unary 0..15 */ 0, 1, 2, 3, 4, 13, 16, 20, 22, 24, 25, 26, 27, 28, 29, 30,
    /* 16 (unused) */ 31,
    /* sign */ 5,
    /* 18, 19 (unused) */ 32, 33,
    /* first bit, n = 2..16 */ 6, 7, 8, 14, 17, 21, 34, 35, 36, 37, 38, 39, 40, 41, 42,
    /* second bit, n = 3..16, b = 0, 1 */ 9, 10, 11, 12, 15, 18, 19, 23, 43, 44, 45, 46, 47, 48,
    49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
};

/* Sizes of the counter sets' context spaces (they sum to RM_CONTEXTS). */
static const uint32_t set_size[RM_COUNTERS] = {24 * 24, 160, 400, 400, 192, 144, 675, 675, 675};

static inline int32_t asr32(int32_t v, int s)   /* floor(v / 2^s), defined for v < 0 */
{
    return v >= 0 ? v >> s : ~(~v >> s);
}

static inline int64_t asr64(int64_t v, int s)
{
    return v >= 0 ? v >> s : ~(~v >> s);
}

static inline uint32_t bit_length(uint32_t v)
{
    return v ? 32u - (uint32_t)__builtin_clz(v) : 0u;
}

/* Half-octave logarithm: 0, 1, 3, 4, 5, 6, 7, ... for 0, 1, 2, 3, 4-5, 6-7, 8-11 */
static inline uint32_t qlog(uint32_t v)
{
    const uint32_t b = bit_length(v);
    if (b < 2)
        return b;
    return 2 * b - 1 + ((v >> (b - 2)) & 1);
}

static inline uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }

static inline uint32_t uabs(int32_t v) { return v < 0 ? (uint32_t)(-(int64_t)v) : (uint32_t)v; }

/* A stored error (1/8 units) as 0..9, in sample units. */
/* A signed difference (1/8 units) as 0..14, in half samples, 7 for 0. */
static inline uint32_t qdiff(int64_t d)
{
    const uint64_t a = (uint64_t)(d < 0 ? -d : d) >> 2;
    const uint32_t q = umin(qlog(a > 255 ? 255 : (uint32_t)a), 14) / 2;
    return d < 0 ? 7 - q : 7 + q;
}

static inline uint32_t qerr(int32_t t) { return umin(qlog((uint32_t)(((uint64_t)uabs(t) + 4) >> 3)), 9); }

int residual_model_init(ResidualModel *m, uint32_t max_abs, const StretchTable *stretch,
                        int version)
{
    memset(m, 0, sizeof *m);
    m->max_length = bit_length(max_abs);
    if (m->max_length > RM_MAX_LENGTH)
        return LAT_ERR_INVALID_ARGUMENT;
    m->stretch = stretch;
    m->counters = aligned_alloc(64, (size_t)RM_CONTEXTS * RM_ROW * sizeof *m->counters);
    m->low_bits = malloc((size_t)(RM_MAX_LENGTH + 1) * RM_ACT_LEVELS * sizeof *m->low_bits);
    m->weights = malloc((size_t)RM_SLOTS * RM_COARSE * RM_INPUTS * sizeof *m->weights);
    m->sse = malloc((size_t)RM_SLOTS * RM_ACT_LEVELS * 33 * sizeof *m->sse);
    m->young = version >= 3;
    for (int n = 0; n < RM_CONFIDENT; n++)
        m->confidence[n] = (uint16_t)(((n + 1) << 16) / (RM_CONFIDENT + 1));
    if (!m->counters || !m->low_bits || !m->weights || !m->sse) {
        residual_model_free(m);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < (size_t)RM_CONTEXTS * RM_ROW; i++)
        m->counters[i] = (BitCounter){32768, 0};
    for (size_t i = 0; i < (size_t)(RM_MAX_LENGTH + 1) * RM_ACT_LEVELS; i++)
        m->low_bits[i] = (BitCounter){32768, 0};
    for (size_t i = 0; i < (size_t)RM_SLOTS * RM_COARSE; i++)
        for (int k = 0; k < RM_INPUTS; k++)
            m->weights[i * RM_INPUTS + k] = k < RM_COUNTERS ? MIX_INIT : 0;
    for (size_t i = 0; i < (size_t)RM_SLOTS * RM_ACT_LEVELS; i++)
        for (int j = 0; j < 33; j++)
            m->sse[i * 33 + j] = (uint16_t)(logistic_squash((j - 16) * 128) * 16);
    for (int n = 0; n <= RM_COUNT_LIMIT; n++)   /* 1/(n + 1.5): a running mean at first */
        m->rate[n] = (uint16_t)(8192 / (2 * n + 3));
    return LAT_OK;
}

void residual_model_free(ResidualModel *m)
{
    free(m->counters);
    free(m->low_bits);
    free(m->weights);
    free(m->sse);
    memset(m, 0, sizeof *m);
}

/* The neighbourhood as the predictor saw it (same substitutions outside
 * the image, docs/FORMAT.md 3.3). */
typedef struct Neighbours {
    int32_t W, N, NW, NE, WW;          /* values */
    int32_t tW, tN, tNW, tNE, tWW;     /* stored final errors, 1/8 units */
} Neighbours;

static void neighbours(const PlanePredictor *p, uint32_t x, Neighbours *nb)
{
    const int32_t *cv = p->val[1], *ct = p->terr[1];
    if (p->first_row) {
        if (x == 0) {
            const int32_t mid = p->lo + (int32_t)(((int64_t)p->hi - p->lo + 1) / 2);
            nb->W = nb->N = nb->NW = nb->NE = nb->WW = mid;
            nb->tW = nb->tN = nb->tNW = nb->tNE = nb->tWW = 0;
        } else {
            nb->W = nb->N = nb->NW = nb->NE = cv[x - 1];
            nb->tW = nb->tN = nb->tNW = nb->tNE = ct[x - 1];
            nb->WW = x > 1 ? cv[x - 2] : nb->W;
            nb->tWW = x > 1 ? ct[x - 2] : nb->tW;
        }
        return;
    }
    const int32_t *pv = p->val[0], *pt = p->terr[0];
    const uint32_t xw = x ? x - 1 : x, xe = x + 1 < p->width ? x + 1 : x;
    nb->N = pv[x];
    nb->NW = pv[xw];
    nb->NE = pv[xe];
    nb->tN = pt[x];
    nb->tNW = pt[xw];
    nb->tNE = pt[xe];
    nb->W = x ? cv[x - 1] : nb->N;
    nb->tW = x ? ct[x - 1] : nb->tN;
    nb->WW = x > 1 ? cv[x - 2] : nb->W;
    nb->tWW = x > 1 ? ct[x - 2] : nb->tW;
}

void residual_context(ResidualModel *m, const PlanePredictor *pp, uint32_t p, uint32_t x,
                      int32_t pred)
{
    const PlanePredictor *pl = &pp[p];
    Neighbours nb;
    neighbours(pl, x, &nb);
    SampleContext *sc = &m->sc;
    const uint64_t act = 2ull * uabs(nb.tW) + 2ull * uabs(nb.tN) + uabs(nb.tNW) + uabs(nb.tNE);
    const uint32_t qe = umin(qlog(act > UINT32_MAX ? UINT32_MAX : (uint32_t)act), RM_ACT_LEVELS - 1);
    const uint32_t coarse = umin(qe / 4, RM_COARSE - 1);
    sc->act = qe;
    sc->coarse = coarse;
    const uint64_t grad = (uint64_t)uabs(nb.W - nb.NW) + uabs(nb.N - nb.NW) + uabs(nb.NE - nb.N);
    const uint32_t qg = umin(qlog(grad > UINT32_MAX ? UINT32_MAX : (uint32_t)grad), 15);
    const int64_t f = pl->final8;
    uint32_t c3;
    if (p == 0) {
        c3 = ((qerr(nb.tNW) * 10 + qerr(nb.tWW)) * 2 + (nb.tNW < 0)) * 2 + (nb.tWW < 0);
    } else {   /* the previous plane's error at this pixel: errors correlate */
        const int32_t X = pp[p - 1].terr[1][x];
        c3 = ((umin(qlog((uint32_t)(((uint64_t)uabs(X) + 4) >> 3)), 11) * 2) + (X < 0)) * 6
             + coarse;
    }
    const uint32_t texture = (uint32_t)((int64_t)nb.N * 8 > f) | (uint32_t)((int64_t)nb.W * 8 > f) << 1
                             | (uint32_t)((int64_t)nb.NW * 8 > f) << 2
                             | (uint32_t)((int64_t)nb.NE * 8 > f) << 3
                             | (uint32_t)((int64_t)nb.WW * 8 > f) << 4;
    const int64_t frac = f + 4 - (int64_t)pred * 8;   /* 0..7 where pred is unclamped */
    const int64_t tsum = (int64_t)nb.tN + nb.tW;
    const uint32_t tsign = tsum == 0 ? 0 : tsum > 0 ? 1 : 2;
    const uint32_t c5 = ((uint32_t)(frac < 0 ? 0 : frac > 7 ? 7 : frac) * 3 + tsign) * 6 + coarse;
    /* How much the sub-predictors disagree. */
    int64_t smin = pl->sub[0], smax = pl->sub[0];
    for (int i = 1; i < pl->nsub; i++) {
        smin = pl->sub[i] < smin ? pl->sub[i] : smin;
        smax = pl->sub[i] > smax ? pl->sub[i] : smax;
    }
    const uint64_t spread = (uint64_t)(smax - smin);
    const uint32_t qs = umin(qlog(spread > 65535 ? 65535 : (uint32_t)spread), 23);
    const uint32_t local[RM_COUNTERS] = {
        qe * 24 + qs,
        qg * 10 + qerr(nb.tW),
        ((qerr(nb.tN) * 10 + qerr(nb.tNE)) * 2 + (nb.tN < 0)) * 2 + (nb.tNE < 0),
        c3,
        texture * 6 + coarse,
        c5,
        (qdiff((int64_t)nb.W * 8 - f) * 15 + qdiff((int64_t)nb.N * 8 - f)) * 3 + coarse / 2,
        (qdiff(pl->sub[4] - f) * 15 + qdiff(pl->sub[5] - f)) * 3 + coarse / 2,
        (qdiff((int64_t)nb.NE * 8 - f) * 15 + qdiff((int64_t)nb.NW * 8 - f)) * 3 + coarse / 2,
    };
    uint32_t base = 0;
    for (int k = 0; k < RM_COUNTERS; k++) {
        sc->ctx[k] = base + local[k];
        base += set_size[k];
        /* The common bits' counters (slot_pos): fetched while the
         * predictor and the first bins work (no effect on the result). */
        __builtin_prefetch(&m->counters[(size_t)sc->ctx[k] * RM_ROW]);
    }
}

static inline int bc_code(BitCoder *bc, uint32_t p1, int bit)
{
    if (bc->enc) {
        rc_enc_prob(bc->enc, 4096 - p1, 12, bit);
        return bit;
    }
    return rc_dec_prob(bc->dec, 4096 - p1, 12);
}

static inline void counter_update(const ResidualModel *m, BitCounter *c, int bit)
{
    const int32_t target = bit ? 65535 : 0;
    c->p = (uint16_t)(c->p + asr32((target - c->p) * (int32_t)m->rate[c->n], 12));
    if (c->n < RM_COUNT_LIMIT)
        c->n++;
}

/* One bit of kind `slot`: counters mixed, then SSE. */
static int code_mixed(ResidualModel *m, BitCoder *bc, uint32_t slot, int bit)
{
    const SampleContext *sc = &m->sc;
    BitCounter *c[RM_COUNTERS];
    int32_t st[RM_INPUTS];
    for (int k = 0; k < RM_COUNTERS; k++) {
        c[k] = &m->counters[(size_t)sc->ctx[k] * RM_ROW + slot_pos[slot]];
        st[k] = m->stretch->v[c[k]->p >> 4];
        if (m->young && c[k]->n < RM_CONFIDENT)   /* v3: a young counter says less */
            st[k] = asr32(st[k] * m->confidence[c[k]->n], 16);
    }
    st[RM_COUNTERS] = 256;
    int32_t *w = &m->weights[((size_t)slot * RM_COARSE + sc->coarse) * RM_INPUTS];
    int64_t dot = 0;
    for (int k = 0; k < RM_INPUTS; k++)
        dot += (int64_t)w[k] * st[k];
    int32_t d = (int32_t)asr64(dot, 16);
    d = d > 2047 ? 2047 : d < -2047 ? -2047 : d;
    const int pm = logistic_squash(d);
    uint16_t *row = &m->sse[((size_t)slot * RM_ACT_LEVELS + sc->act) * 33];
    const int s = d + 2048, j = s >> 7, wt = s & 127;
    const int pa = (row[j] * (128 - wt) + row[j + 1] * wt) >> 11;
    int p1 = (pm + pa + 1) >> 1;
    p1 = p1 < 1 ? 1 : p1 > 4095 ? 4095 : p1;

    bit = bc_code(bc, (uint32_t)p1, bit);

    const int32_t err = ((bit << 12) - pm) * MIX_RATE;
    for (int k = 0; k <= RM_COUNTERS; k++) {   /* bounded, so never overflows */
        const int32_t v = w[k] + asr32(st[k] * err + (1 << 15), 16);
        w[k] = v > MIX_MAX ? MIX_MAX : v < -MIX_MAX ? -MIX_MAX : v;
    }
    for (int k = 0; k < RM_COUNTERS; k++)
        counter_update(m, c[k], bit);
    const int32_t target = bit ? 65535 : 0;
    row[j] = (uint16_t)(row[j] + asr32((target - row[j]) * (128 - wt), 7 + SSE_RATE));
    row[j + 1] = (uint16_t)(row[j + 1] + asr32((target - row[j + 1]) * wt, 7 + SSE_RATE));
    return bit;
}

/* A low mantissa bit: one counter per (bit length, activity). */
static int code_low(ResidualModel *m, BitCoder *bc, uint32_t n, int bit)
{
    BitCounter *c = &m->low_bits[n * RM_ACT_LEVELS + m->sc.act];
    int p1 = c->p >> 4;
    p1 = p1 < 1 ? 1 : p1 > 4095 ? 4095 : p1;
    bit = bc_code(bc, (uint32_t)p1, bit);
    counter_update(m, c, bit);
    return bit;
}

int32_t residual_code(ResidualModel *m, BitCoder *bc, int32_t e)
{
    const uint32_t a_in = uabs(e);
    const uint32_t n_in = bit_length(a_in);
    uint32_t n = 0;
    while (n < m->max_length && code_mixed(m, bc, n, n_in > n))
        n++;
    if (n == 0)
        return 0;
    const int neg = code_mixed(m, bc, SLOT_SIGN, e < 0);
    uint32_t a = 1;
    for (int i = (int)n - 2; i >= 0; i--) {
        const int bit_in = (int)((a_in >> i) & 1);
        int bit;
        if (i == (int)n - 2)
            bit = code_mixed(m, bc, SLOT_FIRST + n, bit_in);
        else if (i == (int)n - 3)
            bit = code_mixed(m, bc, SLOT_SECOND + 2 * (n - 3) + (a & 1), bit_in);
        else
            bit = code_low(m, bc, n, bit_in);
        a = a << 1 | (uint32_t)bit;
    }
    return neg ? -(int32_t)a : (int32_t)a;
}
