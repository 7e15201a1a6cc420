/* Lossy mode: a learned transform codec (docs/FORMAT.md, "Lossy mode").
 * Called by codec/lat.c; uses nn/ for the transforms. The streams it
 * produces/consumes are opaque to the container. */
#ifndef LAT_LOSSY_H
#define LAT_LOSSY_H
#include <stddef.h>
#include <stdint.h>
#include "common/streams.h"

typedef struct LossyModel LossyModel;

/* Parses and validates a model file held in memory (see FORMAT.md, model
 * files). Returns 0 or a negative LatError (LAT_ERR_BAD_MODEL, ...). */
int lossy_model_load(const uint8_t *data, size_t size, LossyModel **out);
void lossy_model_free(LossyModel *m);
const char *lossy_model_id(const LossyModel *m);   /* <= 32 chars, e.g. "photo-f64m96-v1" */
uint64_t lossy_model_hash(const LossyModel *m);    /* content hash recorded in .lat files */

/* Encodes an 8-bit RGB (channels 3) or gray (channels 1) image, interleaved,
 * at quality 0..100. Appends its streams to out. Returns 0 or a LatError. */
int lossy_encode(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                 uint32_t height, uint32_t channels, int quality, StreamList *out);

/* Decodes the lossy streams of `in` into an 8-bit interleaved image with
 * `channels` (1 or 3) channels, written to pixels (width*height*channels
 * bytes, caller-allocated). Streams of other types are ignored. Every field
 * read from the streams is validated. Returns 0 or a LatError. */
int lossy_decode(const LossyModel *m, const StreamList *in, uint32_t width,
                 uint32_t height, uint32_t channels, uint8_t *pixels);

#endif
