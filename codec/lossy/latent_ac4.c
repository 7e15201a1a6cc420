/* Latent group format 4: binarization and contexts (latent_ac.h). Kept so
 * that older files decode; the encoder writes format 5 (latent_ac.c).
 *
 * Each value v, with L and U its left and upper neighbours in the same
 * channel (0 outside the plane) and A the activity of its position in the
 * channels of the group coded before it (see activity()):
 *   zero flag (v != 0), context (L != 0) + (U != 0) and A;
 *   sign (v < 0), context sign of L (0, +, -);
 *   m = |v| - 1 in unary: bins "m > i" for i = 0..13, context i and
 *   (|L| > 1 || |U| > 1); m >= 14: m - 14 as Exp-Golomb order 0 with
 *   probability-1/2 bits (prefix of at most 15 zeros).
 * Every channel has its own contexts, starting at probability 1/2. */
#include "lossy/latent_ac.h"

#include <stdlib.h>

#include "lat.h"
#include "lossy/lossy_latents.h"
#include "common/range_coder.h"

#define UNARY_BINS 14
#define EG_MAX_PREFIX 15

typedef struct ChannelContexts {
    RcBit zero[3][4];
    RcBit sign[3];
    RcBit mag[2][UNARY_BINS];
} ChannelContexts;

static ChannelContexts *new_contexts(int n)
{
    ChannelContexts *c = malloc(sizeof *c * (size_t)n);
    if (!c)
        return NULL;
    const RcBit init = RC_BIT_INIT;
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < 3; i++) {
            c[k].sign[i] = init;
            for (int j = 0; j < 4; j++)
                c[k].zero[i][j] = init;
        }
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < UNARY_BINS; i++)
                c[k].mag[j][i] = init;
    }
    return c;
}

static int32_t abs32(int32_t v) { return v < 0 ? -v : v; }

/* The three context selectors of the value at (r, c). */
static void neighbours(const int32_t *p, int w, int r, int c, int *zc, int *sc, int *mc)
{
    const int32_t L = c > 0 ? p[-1] : 0, U = r > 0 ? p[-w] : 0;
    *zc = (L != 0) + (U != 0);
    *sc = L == 0 ? 0 : (L > 0 ? 1 : 2);
    *mc = abs32(L) > 1 || abs32(U) > 1;
}

/* Activity of a position: S = sum of min(|v|, 2) over the k channels of
 * the group already coded there; 4S / (2k + 1), at most 3 (0 when k = 0).
 * Latents are large together across channels (what a hyperprior models):
 * this context saves 0.5-1.5% over the spatial one alone. */
static int activity(const uint16_t *act, size_t i, int k)
{
    if (k == 0)
        return 0;
    const int a = (int)((4u * act[i]) / (2u * (unsigned)k + 1u));
    return a > 3 ? 3 : a;
}

int latent_ac4_encode(const int32_t *const *planes, int n, int h, int w, uint8_t **out,
                      size_t *size)
{
    ChannelContexts *ctx = new_contexts(n);
    if (!ctx)
        return LAT_ERR_OUT_OF_MEMORY;
    uint16_t *act = calloc((size_t)h * w, sizeof *act);
    if (!act) {
        free(ctx);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    RcEncoder e;
    rc_enc_init(&e);
    for (int k = 0; k < n; k++)
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                const size_t i = (size_t)r * w + c;
                const int32_t *p = planes[k] + i;
                int zc, sc, mc;
                neighbours(p, w, r, c, &zc, &sc, &mc);
                rc_enc_bit(&e, &ctx[k].zero[zc][activity(act, i, k)], *p != 0);
                if (*p == 0)
                    continue;
                act[i] += abs32(*p) > 1 ? 2 : 1;
                rc_enc_bit(&e, &ctx[k].sign[sc], *p < 0);
                const uint32_t m = (uint32_t)abs32(*p) - 1;
                int b = 0;
                for (; b < UNARY_BINS; b++) {
                    rc_enc_bit(&e, &ctx[k].mag[mc][b], m > (uint32_t)b);
                    if (m == (uint32_t)b)
                        break;
                }
                if (b < UNARY_BINS)
                    continue;
                /* Exp-Golomb 0 of x = m - 14: (bits of x+1) - 1 zeros, then x+1. */
                const uint32_t x = m - UNARY_BINS + 1;
                int bits = 0;
                while ((x >> bits) > 1)
                    bits++;
                for (int j = 0; j < bits; j++)
                    rc_enc_bypass(&e, 0);
                for (int j = bits; j >= 0; j--)
                    rc_enc_bypass(&e, (int)((x >> j) & 1));
            }
    free(ctx);
    free(act);
    return rc_enc_finish(&e, out, size) < 0 ? LAT_ERR_OUT_OF_MEMORY : 0;
}

int latent_ac4_decode(const uint8_t *data, size_t size, int32_t *const *planes, int n, int h,
                      int w)
{
    RcDecoder d;
    if (rc_dec_init(&d, data, size) < 0)
        return LAT_ERR_STREAM_CORRUPT;
    ChannelContexts *ctx = new_contexts(n);
    uint16_t *act = calloc((size_t)h * w, sizeof *act);
    if (!ctx || !act) {
        free(ctx);
        free(act);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    int err = 0;
    for (int k = 0; k < n && !err; k++)
        for (int r = 0; r < h && !err; r++) {
            /* A valid stream is never read past its end: stop early on a
             * short or corrupt one instead of decoding zeros. */
            if (d.overrun) {
                err = LAT_ERR_STREAM_CORRUPT;
                break;
            }
            for (int c = 0; c < w; c++) {
                const size_t i = (size_t)r * w + c;
                int32_t *p = planes[k] + i;
                int zc, sc, mc;
                neighbours(p, w, r, c, &zc, &sc, &mc);
                if (!rc_dec_bit(&d, &ctx[k].zero[zc][activity(act, i, k)])) {
                    *p = 0;
                    continue;
                }
                const int negative = rc_dec_bit(&d, &ctx[k].sign[sc]);
                uint32_t m = 0;
                while (m < UNARY_BINS && rc_dec_bit(&d, &ctx[k].mag[mc][m]))
                    m++;
                if (m == UNARY_BINS) {
                    int bits = 0;
                    while (bits <= EG_MAX_PREFIX && !rc_dec_bypass(&d))
                        bits++;
                    if (bits > EG_MAX_PREFIX) {
                        err = LAT_ERR_STREAM_CORRUPT;
                        break;
                    }
                    uint32_t x = 1;
                    for (int b = 0; b < bits; b++)
                        x = (x << 1) | (uint32_t)rc_dec_bypass(&d);
                    m = UNARY_BINS + x - 1;
                }
                if (m + 1 > LOSSY_Q_MAX) {
                    err = LAT_ERR_STREAM_CORRUPT;
                    break;
                }
                *p = negative ? -(int32_t)(m + 1) : (int32_t)(m + 1);
                act[i] += m > 0 ? 2 : 1;
            }
        }
    free(ctx);
    free(act);
    if (!err && rc_dec_finish(&d) < 0)
        err = LAT_ERR_STREAM_CORRUPT;
    return err;
}
