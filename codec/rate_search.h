/* Rate control (lat.h, LatEncodeParams.target_size / target_psnr): a
 * bisection over the encoder's level position, encoding at each trial
 * point, for the largest file within a size or the smallest file that
 * reaches a PSNR. Knows nothing of images or models: the caller's encode
 * function does the work. */
#ifndef LAT_RATE_SEARCH_H
#define LAT_RATE_SEARCH_H
#include <stddef.h>
#include <stdint.h>

/* One trial: a whole file (malloc'd, owned by whoever holds the trial)
 * and, when asked for, the PSNR of its decode. */
typedef struct RateTrial {
    uint8_t *file;
    size_t size;
    double psnr;
} RateTrial;

/* Encodes at level position `level` into *r (r->psnr only when want_psnr).
 * Returns 0 or a negative LatError (the search stops with it). */
typedef int (*RateEncodeFn)(void *ctx, int level, int want_psnr, RateTrial *r);

/* Exactly one of size > 0 or psnr > 0. */
typedef struct RateTarget {
    size_t size;      /* bytes */
    double psnr;      /* dB */
} RateTarget;

/* Trials at most for a range of 2^20 positions: 2 ends + 20 halvings. */
#define RATE_SEARCH_MAX_TRIALS 22

/* Searches [lo, hi] (sizes and PSNR grow with the level position, more or
 * less: among the trials that meet the target, the largest file for a size
 * target, the smallest for a PSNR target is kept). On success *best holds
 * that trial (its file the caller's), *level its position and *trials
 * (may be NULL) the number of encodes. Errors: LAT_ERR_INVALID_ARGUMENT
 * (no or two targets, lo > hi, a range over 2^20, NULL pointers),
 * LAT_ERR_TARGET_UNREACHABLE (quality lo above the size, hi below the
 * PSNR), or fn's error. */
int rate_search(const RateTarget *target, int lo, int hi, RateEncodeFn fn, void *ctx,
                RateTrial *best, int *level, int *trials);

#endif
