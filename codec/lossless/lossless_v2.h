/* Lossless mode v2 (docs/FORMAT.md 3.6, 3.7): the v1 planes and predictor,
 * with residuals coded by an online-learning context-mixing model and the
 * binary range coder instead of tokens and zstd. The image is cut into
 * horizontal stripes coded independently (one thread each, at most
 * `threads` at once: 0 = no limit). */
#ifndef LAT_LOSSLESS_V2_H
#define LAT_LOSSLESS_V2_H
#include <stddef.h>
#include <stdint.h>
#include "common/streams.h"
#include "lossless/layout.h"

#define LOSSLESS_V2_VERSION 2
/* Version 3: the same driver, predictor and model with the refinements of
 * docs/FORMAT.md 3b.6 (what the encoder writes by default). */
#define LOSSLESS_V3_VERSION 3
#define LOSSLESS_V2_MAX_STRIPES 16

/* Stripes the encoder uses for an image of this size (0 in tuning). */
uint32_t lossless_v2_default_stripes(uint32_t width, uint32_t height);

/* Encodes as params version 2 or 3 with the layout's transform; appends
 * the params stream and one residual stream per stripe (stripes
 * 1..LOSSLESS_V2_MAX_STRIPES, at most the height). */
int lossless_v2_encode(const void *pixels, const Layout *L, int version, uint32_t stripes,
                       int threads, StreamList *out);

/* Decodes from the params stream (version 2 or 3) and the residual streams in
 * order; L holds the image shape only. */
int lossless_v2_decode(Layout *L, const Stream *params, const Stream *const *resid,
                       uint32_t nresid, int threads, void *pixels);

#endif
