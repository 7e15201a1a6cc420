/* Model files (.latm v1, docs/FORMAT.md section 5): serialisation of a
 * LossyNet, with an optional optimizer-state section for training
 * checkpoints. The parser treats the bytes as untrusted. */
#ifndef LAT_LOSSY_MODEL_FILE_H
#define LAT_LOSSY_MODEL_FILE_H
#include <stddef.h>
#include <stdint.h>
#include "lossy/lossy_net.h"

#define LATM_VERSION 1
#define LATM_ARCH_FACTORIZED 1        /* one prior shared by all levels */
#define LATM_ARCH_PER_LEVEL_PRIOR 2   /* one prior per level */
#define LATM_ARCH_HYPERPRIOR 3        /* mean-scale hyperprior (lossy/hyper_net.h) */
#define LATM_FLAG_OPTIMIZER 1u
#define LATM_MAX_NOTE 4096
#define LATM_ID_LEN 32

/* Optimizer state of a checkpoint: Adam moments for every parameter, in
 * file tensor order (m and v each hold lossy_net_param_count floats). */
typedef struct ModelOptState {
    uint64_t adam_t;     /* Adam's bias-correction step count */
    float *m, *v;        /* malloc'd */
    size_t count;
} ModelOptState;
void model_opt_state_free(ModelOptState *o);

/* Writes net (+ opt when non-NULL) into a malloc'd buffer. steps: training
 * steps done (recorded in the header, also in shipped models). id: 1..32
 * printable ASCII chars; note: free text (<= LATM_MAX_NOTE bytes, may be
 * NULL). Returns 0 or a negative LatError. */
int model_file_write(LossyNet *net, const char *id, const char *note, uint64_t steps,
                     const ModelOptState *opt, uint8_t **out, size_t *out_size);

/* Parses a model file: on success net is initialised (caller frees with
 * lossy_net_free), id receives the NUL-terminated id, *hash the content
 * hash, *steps (may be NULL) the training steps; when opt is non-NULL it receives the optimizer state (count 0 when
 * the file has none); when note is non-NULL it receives the note
 * (NUL-terminated, truncated to note_cap). Returns 0 or a LatError
 * (LAT_ERR_BAD_MODEL for malformed content, LAT_ERR_BAD_MAGIC,
 * LAT_ERR_UNSUPPORTED_VERSION, LAT_ERR_TRUNCATED, LAT_ERR_OUT_OF_MEMORY). */
int model_file_read(const uint8_t *data, size_t size, LossyNet *net, char id[LATM_ID_LEN + 1],
                    uint64_t *hash, uint64_t *steps, ModelOptState *opt, char *note,
                    size_t note_cap);

#endif
