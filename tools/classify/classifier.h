/* Small classifiers for `lat classify`: softmax regression and a
 * one-hidden-layer MLP (ReLU), on dense float feature vectors.
 *
 * Shapes (row-major): features x [n, dim]; each is standardised with the
 * per-feature mean / inv_std learned at training time, then
 *   softmax: logits = xs·w1 + b1          w1 [dim, classes], b1 [classes]
 *   mlp:     h = relu(xs·w1 + b1)         w1 [dim, hidden],  b1 [hidden]
 *            logits = h·w2 + b2           w2 [hidden, classes], b2 [classes]
 * Products are cblas_sgemm (OpenBLAS), batched over rows.
 *
 * The weights file format (little-endian) is documented in classifier_io.c
 * and docs/CLASSIFY.md. Tools-only code: errors are -1 plus a message. */
#ifndef LAT_TOOLS_CLASSIFIER_H
#define LAT_TOOLS_CLASSIFIER_H
#include <stddef.h>
#include <stdint.h>

enum { CLS_SOFTMAX = 1, CLS_MLP = 2 };

#define CLS_MAX_DIM (1u << 20)
#define CLS_MAX_HIDDEN 8192u
#define CLS_MAX_CLASSES 256u
#define CLS_TAG_SIZE 64

typedef struct Classifier {
    uint32_t kind;        /* CLS_SOFTMAX or CLS_MLP */
    uint32_t dim, hidden, classes;   /* hidden is 0 for softmax */
    char tag[CLS_TAG_SIZE];  /* NUL-terminated description of the features,
                                e.g. "latent 7x7x32 fmnist-f32m32s2-v1 q75";
                                eval refuses features with another tag */
    float *mean, *inv_std;   /* [dim] */
    float *w1, *b1;          /* see above */
    float *w2, *b2;          /* NULL for softmax */
} Classifier;

/* Allocates zeroed parameters (inv_std = 1) for the given shape. */
int classifier_init(Classifier *c, uint32_t kind, uint32_t dim, uint32_t hidden,
                    uint32_t classes, const char *tag);
void classifier_free(Classifier *c);   /* zeroes the struct */
const char *classifier_kind_name(uint32_t kind);   /* "softmax", "mlp" */
int classifier_kind_from_name(const char *name);   /* CLS_* or -1 */

/* Predicted class of each of n rows of x [n, dim] into pred [n]. Uses
 * scratch memory internally; returns 0 or -1 (out of memory). */
int classifier_predict(const Classifier *c, const float *x, size_t n, uint8_t *pred);

/* Forward pass on already standardised rows xs [n, dim]: writes logits
 * [n, classes] and, for an MLP, the post-ReLU hidden activations h
 * [n, hidden] (h is unused for softmax and may be NULL then). */
void classifier_forward(const Classifier *c, const float *xs, size_t n, float *h, float *logits);
/* Standardises n rows of x into xs (may alias). */
void classifier_standardise(const Classifier *c, const float *x, size_t n, float *xs);

typedef struct ClassifierTrainOptions {
    int epochs;            /* default 20 (mlp) / 15 (softmax) */
    int batch;             /* default 128 */
    float lr;              /* Adam, default 1e-3, cosine-decayed to 0 */
    float weight_decay;    /* decoupled, default 1e-4 */
    uint64_t seed;         /* init and shuffling, default 1 */
    int verbose;           /* 1: one line per epoch on stderr */
} ClassifierTrainOptions;
void classifier_default_train_options(ClassifierTrainOptions *o, uint32_t kind);

/* Fits c (already initialised with its shape) to x [n, dim] and labels y [n]
 * (each < classes): computes the standardisation from x, initialises the
 * weights, then runs minibatch Adam on the cross-entropy. Returns 0 or -1. */
int classifier_train(Classifier *c, const float *x, const uint8_t *y, size_t n,
                     const ClassifierTrainOptions *o);

/* Weights file (classifier_io.c). */
int classifier_save(const Classifier *c, const char *path, char *err, size_t errlen);
int classifier_load(const char *path, Classifier *c, char *err, size_t errlen);
/* Parses a weights file held in memory (untrusted bytes). */
int classifier_parse(const uint8_t *data, size_t size, Classifier *c, char *err, size_t errlen);
#endif
