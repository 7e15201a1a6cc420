/* Integer logistic functions for the context-mixing model of lossless mode
 * v2 (docs/FORMAT.md 3.7). Probabilities are 12-bit (1..4095 of 4096),
 * the logistic domain ("stretch") is ln(p/(1-p)) in units of 1/256,
 * clamped to -2047..2047. Both are table-driven integers, so every machine
 * computes the same values. */
#ifndef LAT_LOSSLESS_LOGISTIC_H
#define LAT_LOSSLESS_LOGISTIC_H
#include <stdint.h>

/* 4096 / (1 + e^(-d/256)) for d = -2048 + 64 i, rounded, within 1..4095. */
extern const int16_t logistic_knots[65];

/* squash(d): the probability of d, by linear interpolation between knots. */
static inline int logistic_squash(int d)
{
    if (d > 2047)
        d = 2047;
    if (d < -2047)
        d = -2047;
    const int s = d + 2048, i = s >> 6, w = s & 63;
    return (logistic_knots[i] * (64 - w) + logistic_knots[i + 1] * w + 32) >> 6;
}

/* stretch[p] for p = 0..4095: the smallest d whose squash(d) >= p (its
 * inverse), 2047 where none is. */
typedef struct StretchTable {
    int16_t v[4096];
} StretchTable;

void logistic_stretch_init(StretchTable *t);

#endif
