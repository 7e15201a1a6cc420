/* The discretised Gaussians of architecture 3's y (docs/FORMAT.md section
 * 4.4): 64 standard deviations log-spaced from 0.11 to 256 (CompressAI's
 * scale table), each with an integer frequency table of 2^16 total over
 * the symbols -radius..radius and one escape symbol for values beyond.
 * Computed with det_math only, so every machine builds the same tables. */
#ifndef LAT_LOSSY_GAUSS_TABLE_H
#define LAT_LOSSY_GAUSS_TABLE_H
#include <stdint.h>

#include "common/range_coder.h"

#define GAUSS_SCALES 64
#define GAUSS_FREQ_BITS 16
#define GAUSS_LOG_SCALE0 (-2.20727491f)     /* log 0.11 as float */
#define GAUSS_LOG_SCALE_STEP 0.123054802f   /* (log 256 - log 0.11) / 63 as float */
#define GAUSS_RADIUS_SIGMAS 4.5             /* radius = ceil(4.5 sigma) */

typedef struct GaussTables {
    int radius[GAUSS_SCALES];
    /* cdf[i][0] = 0 < cdf[i][1] < ... < cdf[i][2 radius + 2] = 2^16: symbol
     * v (|v| <= radius) has frequency cdf[v + radius + 1] - cdf[v + radius],
     * the escape the last one. */
    uint32_t *cdf[GAUSS_SCALES];
    uint32_t *storage;
} GaussTables;

/* Log of scale i: fmaf(i, GAUSS_LOG_SCALE_STEP, GAUSS_LOG_SCALE0). */
float gauss_log_scale(int i);
/* The table for a log standard deviation t (s + lg): the smallest i whose
 * log scale is >= t, 63 at most (0 for t below log 0.11; NaN gives 63). */
int gauss_scale_index(float t);
/* Builds the 64 tables. Returns 0 or -1 (out of memory). */
int gauss_tables_init(GaussTables *g);
void gauss_tables_free(GaussTables *g);

/* Largest |value| coded (as the lossy latents, section 4.1). */
#define GAUSS_VALUE_MAX 32767

/* A frequency table over -radius..radius and an escape (the layout of
 * GaussTables.cdf, also used for z): sym_encode codes v (|v| <=
 * GAUSS_VALUE_MAX) as its symbol, or as the escape followed by bypass bits:
 * the sign (1 = negative), then |v| - radius in Exp-Golomb order 0 (as many
 * 0 bits as it has bits after its leading 1, then those bits from the
 * leading 1 down). sym_decode returns 0, or -1 when the escape codes a value
 * beyond GAUSS_VALUE_MAX. sym_bits: -log2 of v's probability, escape bits
 * included. */
void sym_encode(RcEncoder *e, const uint32_t *cdf, int radius, int32_t v);
int sym_decode(RcDecoder *d, const uint32_t *cdf, int radius, int32_t *v);
double sym_bits(const uint32_t *cdf, int radius, int32_t v);
/* Frequencies of total 2^16 from n probabilities: 1 + floor(p (2^16 - n))
 * each, the remainder to the most probable (the first of equals); all >= 1.
 * cdf gets n + 1 entries. */
void freq_table_from_pmf(const double *p, int n, uint32_t *cdf);

static inline void gauss_encode(RcEncoder *e, const GaussTables *g, int i, int32_t v)
{
    sym_encode(e, g->cdf[i], g->radius[i], v);
}
static inline int gauss_decode(RcDecoder *d, const GaussTables *g, int i, int32_t *v)
{
    return sym_decode(d, g->cdf[i], g->radius[i], v);
}
static inline double gauss_table_bits(const GaussTables *g, int i, int32_t v)
{
    return sym_bits(g->cdf[i], g->radius[i], v);
}

#endif
