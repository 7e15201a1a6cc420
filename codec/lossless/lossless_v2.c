/* Lossless mode v2 driver (lossless_v2.h): params, stripes, threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "common/range_coder.h"
#include "lossless/lossless_v2.h"
#include "lossless/predictor.h"
#include "lossless/residual_model.h"

#define PARAMS_SIZE 5
#define STRIPE_MIN_PIXELS (1u << 17)   /* below this one stripe: threads would not pay */

uint32_t lossless_v2_default_stripes(uint32_t width, uint32_t height)
{
    const uint64_t pixels = (uint64_t)width * height;
    return pixels >= STRIPE_MIN_PIXELS && height >= 2 ? 2 : 1;
}

/* One stripe, coded on its own: its own predictors and models. */
typedef struct StripeJob {
    const Layout *L;
    const StretchTable *stretch;
    int version;                   /* params version: 2 or 3 */
    uint32_t y0, y1;               /* rows [y0, y1) */
    const void *in;                /* encoder: the image */
    void *out;                     /* decoder: the image */
    const uint8_t *coded;          /* decoder: the stripe's stream */
    size_t coded_size;
    uint8_t *data;                 /* encoder: the stripe's stream, malloc'd */
    size_t size;
    int err;
} StripeJob;

static inline int32_t wrap_residual(int32_t e, int32_t R)   /* into [-R/2, R-R/2-1] */
{
    const int32_t half = R / 2;
    if (e < -half)
        return e + R;
    if (e > R - half - 1)
        return e - R;
    return e;
}

static inline int32_t side_residual(const PlanePredictor *q, uint32_t x)
{
    const int32_t t = -q->terr[1][x];   /* value - prediction, 1/8 units */
    return t >= 0 ? (t + 4) >> 3 : -((-t + 3) >> 3);
}

/* Plane p's side inputs at x from the (up to) two planes coded before at
 * this pixel: their residuals, then per plane its step from the left and
 * from above (docs/FORMAT.md 3b.2). */
static void side_inputs(PlanePredictor *pp, uint32_t p, uint32_t x)
{
    int32_t *side = pp[p].side;
    for (uint32_t k = 0; k < 2; k++) {
        if (k >= p) {
            side[k] = side[2 + 2 * k] = side[3 + 2 * k] = 0;
            continue;
        }
        const PlanePredictor *q = &pp[p - 1 - k];
        const int32_t here = q->val[1][x];
        side[k] = side_residual(q, x);
        side[2 + 2 * k] = x ? here - q->val[1][x - 1] : 0;
        side[3 + 2 * k] = q->first_row ? 0 : here - q->val[0][x];
    }
}

static int version_predictor(int version)
{
    return version == LOSSLESS_V3_VERSION ? PREDICTOR_BLEND_EC : PREDICTOR_BLEND;
}

static int code_stripe(StripeJob *j)
{
    const Layout *L = j->L;
    const int encoding = j->in != NULL;
    PlanePredictor pp[MAX_PLANES];
    ResidualModel rm[MAX_PLANES];
    int32_t *rows[MAX_PLANES] = {0};
    memset(pp, 0, sizeof pp);
    memset(rm, 0, sizeof rm);
    RcEncoder enc;
    RcDecoder dec;
    BitCoder bc = {NULL, NULL};
    int err = LAT_OK;
    for (uint32_t p = 0; err >= 0 && p < L->planes; p++) {
        const uint32_t R = (uint32_t)(L->hi[p] - L->lo[p] + 1);
        err = predictor_init(&pp[p], version_predictor(j->version), L->width, L->lo[p], L->hi[p]);
        if (err >= 0)
            err = residual_model_init(&rm[p], R / 2, j->stretch, j->version);
        rows[p] = malloc(L->width * sizeof(int32_t));
        if (err >= 0 && !rows[p])
            err = LAT_ERR_OUT_OF_MEMORY;
    }
    if (encoding) {
        rc_enc_init(&enc);
        bc.enc = &enc;
    } else {
        if (err >= 0 && rc_dec_init(&dec, j->coded, j->coded_size) < 0)
            err = LAT_ERR_STREAM_CORRUPT;
        bc.dec = &dec;
    }
    for (uint32_t y = j->y0; err >= 0 && y < j->y1; y++) {
        if (encoding)
            row_to_planes(L, j->in, y, rows);
        for (uint32_t p = 0; p < L->planes; p++) {
            const int32_t R = L->hi[p] - L->lo[p] + 1;
            for (uint32_t x = 0; x < L->width; x++) {
                uint32_t act;
                side_inputs(pp, p, x);
                const int32_t pr = predictor_predict(&pp[p], x, &act);
                residual_context(&rm[p], pp, p, x, pr);
                int32_t v;
                if (encoding) {
                    v = rows[p][x];
                    residual_code(&rm[p], &bc, wrap_residual(v - pr, R));
                } else {
                    /* |e| < R, so one wrap brings any decoded value in range. */
                    v = pr + residual_code(&rm[p], &bc, 0);
                    if (v < L->lo[p])
                        v += R;
                    else if (v > L->hi[p])
                        v -= R;
                    rows[p][x] = v;
                }
                predictor_update(&pp[p], x, v);
            }
        }
        if (!encoding) {
            err = planes_to_row(L, rows, y, j->out);
            if (err >= 0 && dec.overrun)   /* garbage: stop early */
                err = LAT_ERR_STREAM_CORRUPT;
        }
        for (uint32_t p = 0; p < L->planes; p++)
            predictor_next_row(&pp[p]);
    }
    if (encoding) {
        if (rc_enc_finish(&enc, &j->data, &j->size) < 0 && err >= 0)
            err = LAT_ERR_OUT_OF_MEMORY;
        if (err < 0) {
            free(j->data);
            j->data = NULL;
        }
    } else if (err >= 0 && rc_dec_finish(&dec) < 0) {
        err = LAT_ERR_STREAM_CORRUPT;
    }
    for (uint32_t p = 0; p < MAX_PLANES; p++) {
        predictor_free(&pp[p]);
        residual_model_free(&rm[p]);
        free(rows[p]);
    }
    return err;
}

/* Thread k of n codes stripes k, k + n, ... in order. */
typedef struct StripeWorker {
    StripeJob *jobs;
    uint32_t first, step, count;
} StripeWorker;

static void *stripe_worker(void *arg)
{
    const StripeWorker *w = arg;
    for (uint32_t s = w->first; s < w->count; s += w->step)
        w->jobs[s].err = code_stripe(&w->jobs[s]);
    return NULL;
}

/* Runs the jobs on min(n, threads) threads (threads 0: n), the first on
 * the caller's; a thread that cannot start runs on the caller's
 * afterwards. */
static int run_stripes(StripeJob *jobs, uint32_t n, int threads)
{
    const uint32_t nt = threads > 0 && (uint32_t)threads < n ? (uint32_t)threads : n;
    if (nt == 0)
        return LAT_OK;
    pthread_t th[LOSSLESS_V2_MAX_STRIPES];
    int started[LOSSLESS_V2_MAX_STRIPES] = {0};
    StripeWorker w[LOSSLESS_V2_MAX_STRIPES];
    for (uint32_t t = 0; t < nt; t++)
        w[t] = (StripeWorker){jobs, t, nt, n};
    for (uint32_t t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, stripe_worker, &w[t]) == 0;
    stripe_worker(&w[0]);
    for (uint32_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else
            stripe_worker(&w[t]);
    }
    int err = LAT_OK;
    for (uint32_t s = 0; s < n && err >= 0; s++)
        err = jobs[s].err;
    return err;
}

static void stripe_jobs(const Layout *L, const StretchTable *stretch, int version, uint32_t n,
                        StripeJob *jobs)
{
    memset(jobs, 0, n * sizeof *jobs);
    for (uint32_t s = 0; s < n; s++) {
        jobs[s].L = L;
        jobs[s].version = version;
        jobs[s].stretch = stretch;
        jobs[s].y0 = (uint32_t)((uint64_t)L->height * s / n);
        jobs[s].y1 = (uint32_t)((uint64_t)L->height * (s + 1) / n);
    }
}

int lossless_v2_encode(const void *pixels, const Layout *L, int version, uint32_t stripes,
                       int threads, StreamList *out)
{
    if ((version != LOSSLESS_V2_VERSION && version != LOSSLESS_V3_VERSION) || stripes < 1
        || stripes > LOSSLESS_V2_MAX_STRIPES || stripes > L->height)
        return LAT_ERR_INVALID_ARGUMENT;
    StretchTable *stretch = malloc(sizeof *stretch);
    uint8_t *params = malloc(PARAMS_SIZE);
    if (!stretch || !params) {
        free(stretch);
        free(params);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    logistic_stretch_init(stretch);
    StripeJob jobs[LOSSLESS_V2_MAX_STRIPES];
    stripe_jobs(L, stretch, version, stripes, jobs);
    for (uint32_t s = 0; s < stripes; s++)
        jobs[s].in = pixels;
    int err = run_stripes(jobs, stripes, threads);
    params[0] = (uint8_t)version;
    params[1] = (uint8_t)L->transform;
    params[2] = (uint8_t)version_predictor(version);
    params[3] = (uint8_t)L->planes;
    params[4] = (uint8_t)stripes;
    if (err >= 0)
        err = streams_push(out, STREAM_LOSSLESS_PARAMS, params, PARAMS_SIZE, 1) < 0
                  ? LAT_ERR_LIMIT_EXCEEDED : LAT_OK;
    else
        free(params);
    /* Range-coded bytes do not compress: zstd's fastest level stores them. */
    for (uint32_t s = 0; s < stripes; s++) {
        if (err >= 0)
            err = streams_push(out, STREAM_LOSSLESS_RESIDUAL, jobs[s].data, jobs[s].size, 1) < 0
                      ? LAT_ERR_LIMIT_EXCEEDED : LAT_OK;
        else
            free(jobs[s].data);
    }
    free(stretch);
    return err;
}

int lossless_v2_decode(Layout *L, const Stream *params, const Stream *const *resid,
                       uint32_t nresid, int threads, void *pixels)
{
    const uint8_t *d = params->data;
    if (params->size != PARAMS_SIZE || (d[0] != LOSSLESS_V2_VERSION && d[0] != LOSSLESS_V3_VERSION)
        || d[1] > 1 || (d[1] && L->channels < 3) || d[2] != version_predictor(d[0])
        || d[3] != L->channels
        || d[4] < 1 || d[4] > LOSSLESS_V2_MAX_STRIPES || d[4] > L->height || d[4] != nresid)
        return LAT_ERR_STREAM_CORRUPT;
    L->transform = d[1];
    layout_ranges(L);
    StretchTable *stretch = malloc(sizeof *stretch);
    if (!stretch)
        return LAT_ERR_OUT_OF_MEMORY;
    logistic_stretch_init(stretch);
    StripeJob jobs[LOSSLESS_V2_MAX_STRIPES];
    stripe_jobs(L, stretch, d[0], nresid, jobs);
    for (uint32_t s = 0; s < nresid; s++) {
        jobs[s].out = pixels;
        jobs[s].coded = resid[s]->data;
        jobs[s].coded_size = resid[s]->size;
    }
    const int err = run_stripes(jobs, nresid, threads);
    free(stretch);
    return err;
}
