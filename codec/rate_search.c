/* Rate control by bisection over the level position (rate_search.h). */
#include "rate_search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"

typedef struct Search {
    const RateTarget *t;
    RateEncodeFn fn;
    void *ctx;
    RateTrial best;
    int best_level, have_best, trials;
} Search;

static int meets(const RateTarget *t, const RateTrial *r)
{
    return t->size ? r->size <= t->size : r->psnr >= t->psnr;
}

/* Encodes at level, keeps the trial when it is the best so far; *ok says
 * whether it met the target. */
static int trial(Search *s, int level, int *ok)
{
    RateTrial r = {NULL, 0, 0};
    s->trials++;
    int err = s->fn(s->ctx, level, s->t->psnr > 0, &r);
    if (err < 0) {
        free(r.file);
        return err;
    }
    *ok = meets(s->t, &r);
    const int better = !s->have_best || (s->t->size ? r.size > s->best.size
                                                     : r.size < s->best.size);
    if (*ok && better) {
        free(s->best.file);
        s->best = r;
        s->best_level = level;
        s->have_best = 1;
    } else {
        free(r.file);
    }
    return 0;
}

int rate_search(const RateTarget *target, int lo, int hi, RateEncodeFn fn, void *ctx,
                RateTrial *best, int *level, int *trials)
{
    if (trials)
        *trials = 0;
    if (!best || !level || !target || !fn || lo > hi || (long)hi - lo > (1L << 20))
        return LAT_ERR_INVALID_ARGUMENT;
    memset(best, 0, sizeof *best);
    *level = 0;
    const int by_size = target->size > 0, by_psnr = target->psnr > 0;
    if (by_size == by_psnr || (by_psnr && !isfinite(target->psnr)))
        return LAT_ERR_INVALID_ARGUMENT;
    Search s = {target, fn, ctx, {NULL, 0, 0}, 0, 0, 0};
    /* The end that meets the target when any does (the smallest files for
     * a size, the best quality for a PSNR), then the other end. */
    int ok_end, ok_other, err = trial(&s, by_size ? lo : hi, &ok_end);
    if (!err && !ok_end)
        err = LAT_ERR_TARGET_UNREACHABLE;
    if (!err && lo < hi)
        err = trial(&s, by_size ? hi : lo, &ok_other);
    if (!err && lo < hi && !ok_other) {
        /* good meets the target, bad does not: halve the gap between them. */
        int good = by_size ? lo : hi, bad = by_size ? hi : lo;
        while (!err && abs(good - bad) > 1 && s.trials < RATE_SEARCH_MAX_TRIALS) {
            const int mid = (int)(((long)good + bad) / 2);
            int ok;
            err = trial(&s, mid, &ok);
            if (ok)
                good = mid;
            else
                bad = mid;
        }
    }
    if (trials)
        *trials = s.trials;
    if (err < 0) {
        free(s.best.file);
        return err;
    }
    *best = s.best;
    *level = s.best_level;
    return 0;
}
