/* Internals of `lat classify` (tools/cli/cmd_classify.c dispatches to
 * classify_encode.c, classify_features.c and classify_bench.c). See
 * docs/CLASSIFY.md for the commands, storage forms and measurements.
 *
 * Storage of an encoded image set ("data"):
 *   - a .latb batch file (latbatch.h): one file, latents of all images;
 *   - a directory of per-image files NNNNNN.lat (standard .lat files, via the
 *     public API) or NNNNNN.png, numbered from 000000 with no gaps.
 * Image i of a set always has label i of the matching IDX label file. */
#ifndef LAT_TOOLS_CLASSIFY_H
#define LAT_TOOLS_CLASSIFY_H
#include <stddef.h>
#include <stdint.h>

#include "idx.h"
#include "lat.h"

typedef struct LossyModel LossyModel;

/* The lossy model used for encoding, latent decoding and synthesis: loaded
 * both as an internal LossyModel (batch files: analysis / synthesis of
 * latents) and as a public LatContext (per-image .lat files). */
typedef struct ClassifyModel {
    char path[4096];
    LossyModel *lossy;       /* NULL until classify_model_open */
    LatContext *ctx;         /* per quality: reopened by classify_model_ctx */
    int ctx_quality;
    int threads;
} ClassifyModel;

/* path NULL: the classify model of models/MANIFEST from the first model
 * folder (lat_model_dir) that has it. Returns 0 or -1 with err. */
int classify_model_open(ClassifyModel *m, const char *path, int threads, char *err,
                        size_t errlen);
/* A LatContext for this model at a quality (owned by m). */
LatContext *classify_model_ctx(ClassifyModel *m, int quality, char *err, size_t errlen);
void classify_model_close(ClassifyModel *m);

typedef enum FeatureKind {
    FEAT_LATENT = 0,      /* entropy-decoded quantized latents, no synthesis */
    FEAT_PIXEL_PNG = 1,   /* pixels decoded from PNG files */
    FEAT_PIXEL_LAT = 2,   /* pixels decoded from .lat/.latb (synthesis transform) */
} FeatureKind;
const char *feature_kind_name(FeatureKind k);      /* "latent", "pixel_png", "pixel_lat" */
int feature_kind_from_name(const char *name);      /* FeatureKind or -1 */

typedef struct FeatureSet {
    size_t n;
    uint32_t dim;
    float *x;                 /* [n, dim], malloc'd */
    char tag[64];             /* what the features are (stored in classifier files) */
    int quality;              /* of the coded data, -1 for PNG */
    uint64_t stored_bytes;    /* bytes of the files read */
    double seconds;           /* wall time: reading files + decoding + conversion */
} FeatureSet;
void feature_set_free(FeatureSet *f);

/* Loads features of the first `limit` images (0 = all) stored at data (a
 * .latb file or a directory, see above). m is needed for FEAT_PIXEL_LAT and
 * for latents from .lat files; may be NULL otherwise. */
int features_load(FeatureKind kind, const char *data, ClassifyModel *m, size_t limit,
                  FeatureSet *out, char *err, size_t errlen);

/* Encodes images [first, first+count) of im into out:
 * format "latb" (one batch file), "lat" (directory of .lat) or "png"
 * (directory of .png, lossless, compression level 9). pad16: for "png",
 * edge-replicate each image to a multiple of 16 (the frame the codec and
 * the trainer see; used to export training images for `lat train`).
 * Reports bytes written and seconds. */
typedef struct EncodeStats {
    uint64_t bytes;
    double seconds;
    size_t images;
} EncodeStats;
int classify_encode(const IdxImages *im, size_t first, size_t count, const char *format,
                    const char *out, int quality, int pad16, ClassifyModel *m,
                    EncodeStats *st, char *err, size_t errlen);

/* Per-image file name inside a directory: DIR/NNNNNN.ext. */
void classify_file_name(char *buf, size_t len, const char *dir, size_t i, const char *ext);
int classify_read_file(const char *path, uint8_t **data, size_t *size);
int classify_write_file(const char *path, const void *data, size_t size);
double classify_now(void);

/* Runs fn(ctx, i) for i in [0, n) on `threads` threads (0 = all cores),
 * BLAS single-threaded meanwhile. fn must be thread-safe for distinct i and
 * return 0 or a negative LatError; after a failure no new index starts.
 * Returns 0, or the first failure's code with its index in *failed_index. */
typedef int (*ClassifyTask)(void *ctx, size_t i);
int classify_parallel_for(size_t n, int threads, ClassifyTask fn, void *ctx,
                          size_t *failed_index);

int classify_bench(int argc, char **argv);   /* classify_bench.c */
#endif
