/* The residual coder of lossless mode v2 (docs/FORMAT.md 3.7): a residual
 * is binarised (the bit length of |e| in unary, the sign, the bits below
 * the leading one) and every bit is coded by the binary range coder with a
 * probability that the model learns while it codes: several adaptive
 * context counters, mixed in the logistic domain by a small online-trained
 * mixer, refined by an adaptive probability map (SSE). All integer, so the
 * encoder and the decoder compute the same probabilities everywhere.
 *
 * Use: residual_context() from the plane predictors' state, then
 * residual_code() with a BitCoder that encodes or decodes. */
#ifndef LAT_LOSSLESS_RESIDUAL_MODEL_H
#define LAT_LOSSLESS_RESIDUAL_MODEL_H
#include <stdint.h>
#include "common/range_coder.h"
#include "lossless/logistic.h"
#include "lossless/predictor.h"

#define RM_COUNTERS 9         /* context counters mixed per bit */
#define RM_INPUTS 10          /* their stretched predictions and a bias */
#define RM_MAX_LENGTH 16      /* bit length of |e| <= 16 (|e| <= 65535) */
#define RM_SLOTS 63           /* modelled bit kinds, see residual_model.c */
#define RM_ROW 64             /* counters per context: the slots, padded to 4 cache lines */
#define RM_CONTEXTS 3897      /* all counter sets together, per slot */
#define RM_COUNT_LIMIT 1023
#define RM_ACT_LEVELS 24
#define RM_COARSE 6
#define RM_CONFIDENT 30       /* v3: a counter's input at full strength after this many updates */

/* An adaptive probability of a 1 bit (16-bit) and its update count. */
typedef struct BitCounter {
    uint16_t p;
    uint16_t n;
} BitCounter;

/* What the contexts of one sample are made of. */
typedef struct SampleContext {
    uint32_t ctx[RM_COUNTERS];   /* context of each counter set, 0..RM_CONTEXTS-1 */
    uint32_t act;                /* 0..RM_ACT_LEVELS-1: expected error level */
    uint32_t coarse;             /* 0..RM_COARSE-1 */
} SampleContext;

/* One plane's model: counters, mixer weights and SSE tables. */
typedef struct ResidualModel {
    uint32_t max_length;          /* bit length of the largest |e| */
    BitCounter *counters;         /* [RM_CONTEXTS][RM_ROW], 64-byte aligned */
    BitCounter *low_bits;         /* [RM_MAX_LENGTH + 1][RM_ACT_LEVELS] */
    int32_t *weights;             /* [RM_SLOTS][RM_COARSE][RM_INPUTS], 16.16 */
    uint16_t *sse;                /* [RM_SLOTS][RM_ACT_LEVELS][33] */
    int young;                    /* v3: young counters' inputs scaled by confidence */
    uint16_t confidence[RM_CONFIDENT];   /* input scale after n updates, 1/65536 */
    const StretchTable *stretch;
    uint16_t rate[RM_COUNT_LIMIT + 1];   /* counter step after n updates, 1/4096 */
    SampleContext sc;
} ResidualModel;

/* Encodes when enc is set, else decodes from dec. */
typedef struct BitCoder {
    RcEncoder *enc;
    RcDecoder *dec;
} BitCoder;

/* For residuals e with |e| <= max_abs, the model of lossless version 2 or
 * 3 (docs/FORMAT.md 3b.4, 3b.6). Returns 0 or LAT_ERR_OUT_OF_MEMORY. */
int residual_model_init(ResidualModel *m, uint32_t max_abs, const StretchTable *stretch,
                        int version);
void residual_model_free(ResidualModel *m);

/* The contexts of sample x of plane p, between predictor_predict (which
 * gave pred) and predictor_update. pp holds all planes' predictors; planes
 * before p have already coded this row. */
void residual_context(ResidualModel *m, const PlanePredictor *pp, uint32_t p, uint32_t x,
                      int32_t pred);

/* Codes residual e (encoder; ignored when decoding) and returns the residual
 * coded. */
int32_t residual_code(ResidualModel *m, BitCoder *bc, int32_t e);

#endif
