/* Latent group format 5: binarization and contexts (latent_ac.h);
 * docs/FORMAT.md section 4.3 has the exact rules.
 *
 * Each value v, with L and U its left and upper neighbours in the same
 * channel (0 outside the plane), is coded as
 *   zero flag (v != 0), context (L != 0) + (U != 0) and the position's
 *     activity level Z (0..7);
 *   sign (v < 0), context (sign of L, sign of U);
 *   m = |v| - 1 in unary: bins "m > i" for i = 0..13, context i, a size
 *     class of |L| + |U| (0..3) and an activity class from level M (0..3);
 *     m >= 14: m - 14 as Exp-Golomb order 0 with probability-1/2 bits
 *     (prefix of at most 15 zeros).
 * The levels Z and M say how active the position was in the channels of
 * the group coded before, relative to the whole plane (see level()):
 * latents are large together across channels (what a hyperprior models),
 * and the relative measure adapts to the quality by itself.
 * Contexts are two-rate RcBit2 estimators. The first channel starts them
 * at probability 1/2; every later channel inherits them as the previous
 * channel left them, with update counts cut to 32 so that they re-adapt:
 * a channel has only a few thousand latents, too few to learn ~250
 * contexts from scratch (channels of similar statistics are adjacent when
 * the encoder sorts them by entropy).
 * Against format 4, on training photos: 3-7% smaller files. */
#include "lossy/latent_ac.h"

#include <stdlib.h>

#include "lat.h"
#include "lossy/lossy_latents.h"
#include "common/range_coder.h"

#define UNARY_BINS 14
#define EG_MAX_PREFIX 15
#define LEVELS 8          /* activity levels 0..7 */
#define CLASSES 4         /* neighbour-size and activity classes of the magnitude */
#define CARRY_COUNT 32    /* update count a context keeps into the next channel */
#define ZERO_CAP 2        /* what one latent adds to the zero-flag activity */
#define MAG_CAP 4         /* ... and to the magnitude activity */

typedef struct Contexts {
    RcBit2 zero[3][LEVELS];
    RcBit2 sign[3][3];
    RcBit2 mag[CLASSES][CLASSES][UNARY_BINS];
} Contexts;

/* Per position: sums over the channels coded so far of min(|v|, cap), and
 * the levels derived from them for the channel being coded. */
typedef struct Activity {
    size_t hw;
    uint32_t *zsum, *msum;
    uint8_t *zlev, *mlev;
} Activity;

static void contexts_init(Contexts *cx)
{
    const RcBit2 init = RC_BIT2_INIT;
    RcBit2 *all = (RcBit2 *)cx;
    for (size_t i = 0; i < sizeof *cx / sizeof *all; i++)
        all[i] = init;
}

/* Between channels: keep the probabilities, forget most of the count. */
static void contexts_carry(Contexts *cx)
{
    RcBit2 *all = (RcBit2 *)cx;
    for (size_t i = 0; i < sizeof *cx / sizeof *all; i++)
        if (all[i].n > CARRY_COUNT)
            all[i].n = CARRY_COUNT;
}

static int activity_init(Activity *a, size_t hw)
{
    a->hw = hw;
    a->zsum = calloc(hw, sizeof *a->zsum);
    a->msum = calloc(hw, sizeof *a->msum);
    a->zlev = calloc(hw, 1);
    a->mlev = calloc(hw, 1);
    return a->zsum && a->msum && a->zlev && a->mlev ? 0 : -1;
}

static void activity_free(Activity *a)
{
    free(a->zsum);
    free(a->msum);
    free(a->zlev);
    free(a->mlev);
}

/* Level of each position, its sum s among the plane's hw sums totalling
 * t: 0 when s = 0, else 1 + the bit length of floor(4 hw s / t), at most 7
 * (4: about the plane's mean; each level doubles). Computed without the
 * division: the bit length is at least j when 4 hw s >= t 2^(j-1). Within
 * the format's limits 4 hw s < 2^44 and t 2^5 < 2^48. */
static void levels(const uint32_t *sum, uint8_t *lev, size_t hw)
{
    uint64_t t = 0;
    for (size_t i = 0; i < hw; i++)
        t += sum[i];
    for (size_t i = 0; i < hw; i++) {
        const uint64_t x = 4u * (uint64_t)hw * sum[i];
        uint8_t b = sum[i] ? 1 : 0;
        while (b && b < LEVELS - 1 && x >= t << (b - 1))
            b++;
        lev[i] = b;
    }
}

/* Called before each channel: levels from the channels coded before. */
static void activity_levels(Activity *a)
{
    levels(a->zsum, a->zlev, a->hw);
    levels(a->msum, a->mlev, a->hw);
}

static uint32_t abs32(int32_t v) { return v < 0 ? (uint32_t)-v : (uint32_t)v; }
static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void activity_add(Activity *a, size_t i, uint32_t mag)
{
    a->zsum[i] += min32(mag, ZERO_CAP);
    a->msum[i] += min32(mag, MAG_CAP);
}

static int sign3(int32_t v) { return v == 0 ? 0 : (v > 0 ? 1 : 2); }

/* The neighbours of the value at p (row r, column c). */
typedef struct Nb {
    int32_t L, U;
} Nb;

static Nb neighbours(const int32_t *p, int w, int r, int c)
{
    Nb nb = {c > 0 ? p[-1] : 0, r > 0 ? p[-w] : 0};
    return nb;
}

static RcBit2 *zero_ctx(Contexts *cx, const Activity *a, Nb nb, size_t i)
{
    return &cx->zero[(nb.L != 0) + (nb.U != 0)][a->zlev[i]];
}

static RcBit2 *sign_ctx(Contexts *cx, Nb nb) { return &cx->sign[sign3(nb.L)][sign3(nb.U)]; }

/* The 14 unary bins of a non-zero value's magnitude. */
static RcBit2 *mag_ctx(Contexts *cx, const Activity *a, Nb nb, size_t i)
{
    const uint32_t s = abs32(nb.L) + abs32(nb.U);
    const int size = s <= 1 ? 0 : (s <= 3 ? 1 : (s <= 6 ? 2 : 3));
    const int lev = a->mlev[i];
    const int act = lev <= 2 ? 0 : (lev - 2 < CLASSES - 1 ? lev - 2 : CLASSES - 1);
    return cx->mag[size][act];
}

static void encode_magnitude(RcEncoder *e, RcBit2 *bins, uint32_t m)
{
    int b = 0;
    for (; b < UNARY_BINS; b++) {
        rc_enc_bit2(e, &bins[b], m > (uint32_t)b);
        if (m == (uint32_t)b)
            return;
    }
    /* Exp-Golomb 0 of m - 14: (bits of x) - 1 zeros, then x = m - 13. */
    const uint32_t x = m - UNARY_BINS + 1;
    int bits = 0;
    while ((x >> bits) > 1)
        bits++;
    for (int j = 0; j < bits; j++)
        rc_enc_bypass(e, 0);
    for (int j = bits; j >= 0; j--)
        rc_enc_bypass(e, (int)((x >> j) & 1));
}

static void encode_plane(RcEncoder *e, Contexts *cx, Activity *a, const int32_t *plane, int h,
                         int w)
{
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            const size_t i = (size_t)r * w + c;
            const int32_t *p = plane + i;
            const Nb nb = neighbours(p, w, r, c);
            rc_enc_bit2(e, zero_ctx(cx, a, nb, i), *p != 0);
            if (*p == 0)
                continue;
            rc_enc_bit2(e, sign_ctx(cx, nb), *p < 0);
            encode_magnitude(e, mag_ctx(cx, a, nb, i), abs32(*p) - 1);
            activity_add(a, i, abs32(*p));
        }
}

/* What encoder and decoder keep across the channels of a group. */
typedef struct GroupState {
    Contexts *cx;
    Activity a;
} GroupState;

static void group_free(GroupState *gs)
{
    free(gs->cx);
    activity_free(&gs->a);
}

static int group_init(GroupState *gs, int h, int w)
{
    gs->cx = malloc(sizeof *gs->cx);
    if (activity_init(&gs->a, (size_t)h * w) < 0 || !gs->cx) {
        group_free(gs);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    contexts_init(gs->cx);
    return 0;
}

/* Before channel k: contexts carried over, activity levels of the channels
 * coded so far. */
static void group_next_channel(GroupState *gs, int k)
{
    if (k > 0) {
        contexts_carry(gs->cx);
        activity_levels(&gs->a);
    }
}

int latent_ac_encode(const int32_t *const *planes, int n, int h, int w, uint8_t **out,
                     size_t *size)
{
    GroupState gs;
    if (group_init(&gs, h, w) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    RcEncoder e;
    rc_enc_init(&e);
    for (int k = 0; k < n; k++) {
        group_next_channel(&gs, k);
        encode_plane(&e, gs.cx, &gs.a, planes[k], h, w);
    }
    group_free(&gs);
    return rc_enc_finish(&e, out, size) < 0 ? LAT_ERR_OUT_OF_MEMORY : 0;
}

/* m = |v| - 1, or -1 when the stream is corrupt. */
static int32_t decode_magnitude(RcDecoder *d, RcBit2 *bins)
{
    uint32_t m = 0;
    while (m < UNARY_BINS && rc_dec_bit2(d, &bins[m]))
        m++;
    if (m < UNARY_BINS)
        return (int32_t)m;
    int bits = 0;
    while (bits <= EG_MAX_PREFIX && !rc_dec_bypass(d))
        bits++;
    if (bits > EG_MAX_PREFIX)
        return -1;
    uint32_t x = 1;
    for (int b = 0; b < bits; b++)
        x = (x << 1) | (uint32_t)rc_dec_bypass(d);
    m = UNARY_BINS + x - 1;
    return m + 1 > LOSSY_Q_MAX ? -1 : (int32_t)m;
}

static int decode_plane(RcDecoder *d, Contexts *cx, Activity *a, int32_t *plane, int h, int w)
{
    for (int r = 0; r < h; r++) {
        /* A valid stream is never read past its end: stop early on a
         * short or corrupt one instead of decoding zeros. */
        if (d->overrun)
            return LAT_ERR_STREAM_CORRUPT;
        for (int c = 0; c < w; c++) {
            const size_t i = (size_t)r * w + c;
            int32_t *p = plane + i;
            const Nb nb = neighbours(p, w, r, c);
            if (!rc_dec_bit2(d, zero_ctx(cx, a, nb, i))) {
                *p = 0;
                continue;
            }
            const int negative = rc_dec_bit2(d, sign_ctx(cx, nb));
            const int32_t m = decode_magnitude(d, mag_ctx(cx, a, nb, i));
            if (m < 0)
                return LAT_ERR_STREAM_CORRUPT;
            *p = negative ? -(m + 1) : m + 1;
            activity_add(a, i, (uint32_t)m + 1);
        }
    }
    return 0;
}

int latent_ac_decode(const uint8_t *data, size_t size, int32_t *const *planes, int n, int h,
                     int w)
{
    RcDecoder d;
    if (rc_dec_init(&d, data, size) < 0)
        return LAT_ERR_STREAM_CORRUPT;
    GroupState gs;
    if (group_init(&gs, h, w) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = 0;
    for (int k = 0; k < n && !err; k++) {
        group_next_channel(&gs, k);
        err = decode_plane(&d, gs.cx, &gs.a, planes[k], h, w);
    }
    group_free(&gs);
    if (!err && rc_dec_finish(&d) < 0)
        err = LAT_ERR_STREAM_CORRUPT;
    return err;
}
