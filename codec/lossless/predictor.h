/* Per-plane sample predictor of lossless mode v1 (docs/FORMAT.md 3.3).
 *
 * PREDICTOR_WEIGHTED: four sub-predictors (in 1/8 sample units) averaged with
 * weights inversely proportional to each one's recent error around the
 * pixel (the self-correcting predictor of JPEG XL), clamped to the
 * neighbours when the neighbouring errors disagree in sign, then corrected by
 * the mean recent error of its context (LOCO-I style bias cancellation).
 * PREDICTOR_MED: the LOCO-I median edge detector, kept as the reference.
 *
 * Encoder and decoder run the exact same integer arithmetic: call
 * predictor_predict(x), then predictor_update(x, actual value), for x = 0..
 * width-1, then predictor_next_row(). */
#ifndef LAT_PREDICTOR_H
#define LAT_PREDICTOR_H
#include <stdint.h>

/* The predictors of v1 params. */
enum { PREDICTOR_WEIGHTED = 0, PREDICTOR_MED = 1, PREDICTOR_COUNT = 2 };
/* Lossless v2's: PREDICTOR_WEIGHTED with two more sub-predictors, online
 * normalised-LMS linear predictors (a fast and a slow one) over 12
 * neighbours and 6 side inputs from the planes coded before at the same
 * pixel (docs/FORMAT.md 3b.2). */
#define PREDICTOR_BLEND 2
/* Lossless v3's: PREDICTOR_BLEND with rounded LMS steps and an error
 * corrector, a normalised LMS over the neighbours' stored errors and the
 * sub-predictors' disagreement that adds its estimate of the remaining
 * error after bias cancellation (docs/FORMAT.md 3b.6). */
#define PREDICTOR_BLEND_EC 3
#define PRED_EC_INPUTS 13

#define PRED_SUB 4          /* sub-predictors of PREDICTOR_WEIGHTED */
#define PRED_SUB_MAX 6
#define PRED_LMS 2          /* LMS sub-predictors of PREDICTOR_BLEND */
#define PRED_LMS_INPUTS 18   /* 12 neighbours, 6 side inputs */
#define PRED_SIDE 6
#define PRED_BIAS_CONTEXTS 96
#define PRED_INV 1024       /* 2^24 / (q + 1) tabulated below this q */

typedef struct PlanePredictor {
    uint32_t width;
    int kind;
    int32_t lo, hi;                 /* sample range of the plane */
    int first_row;
    int nsub;                       /* sub-predictors in the blend */
    uint32_t rows_done;
    int32_t *val[3];                /* [0] row above, [1] current row, [2] two above */
    int32_t *terr[2];               /* final prediction - actual, 1/8 units */
    uint32_t *serr[2];              /* |sub-prediction - actual|, 1/8 units, [x][i] */
    int32_t lms_w[PRED_LMS][PRED_LMS_INPUTS];   /* PREDICTOR_BLEND: 16.16 weights */
    int64_t lms_d[PRED_LMS_INPUTS];   /* its inputs for the update */
    int64_t lms_norm;
    int32_t side[PRED_SIDE];        /* PREDICTOR_BLEND: set before each predict */
    int32_t bias_sum[PRED_BIAS_CONTEXTS];
    int32_t bias_cnt[PRED_BIAS_CONTEXTS];
    /* Scratch between predict and update of one sample. */
    int64_t sub[PRED_SUB_MAX];
    int64_t pred8;                  /* before bias correction */
    int64_t final8;                 /* after correction and clamping */
    int bias_ctx;
    int32_t ec_w[PRED_EC_INPUTS];   /* PREDICTOR_BLEND_EC: corrector weights, 16.16 */
    int64_t ec_in[PRED_EC_INPUTS];
    int64_t ec_norm, ec_base, ec_out;   /* its norm, the prediction before it, its output */
    uint32_t inv[PRED_INV];         /* 2^24 / (q + 1): the blend's divisions, looked up */
} PlanePredictor;

/* Allocates the row buffers. Returns 0 or LAT_ERR_OUT_OF_MEMORY. */
int predictor_init(PlanePredictor *p, int kind, uint32_t width, int32_t lo, int32_t hi);
void predictor_free(PlanePredictor *p);

/* Predicts sample x of the current row, in [lo, hi]. *activity receives a
 * non-negative measure of the local prediction difficulty. */
int32_t predictor_predict(PlanePredictor *p, uint32_t x, uint32_t *activity);
void predictor_update(PlanePredictor *p, uint32_t x, int32_t actual);
void predictor_next_row(PlanePredictor *p);

#endif
