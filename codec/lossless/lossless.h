/* Lossless mode v1: a classical, bit-exact coder (docs/FORMAT.md section 3).
 *
 * Pipeline: reversible colour transform (YCoCg-R for RGB; alpha and gray are
 * coded as they are) -> per-plane weighted-average predictor with bias
 * cancellation -> residuals reduced modulo the sample range and zigzagged ->
 * tokens split into context groups by local activity, one stream per group,
 * plus one stream of raw extra bits. The container zstd-compresses each
 * stream, so each group gets its own Huffman table. */
#ifndef LAT_LOSSLESS_H
#define LAT_LOSSLESS_H
#include <stddef.h>
#include <stdint.h>
#include "common/streams.h"

#define LOSSLESS_ZSTD_LEVEL 16   /* see docs/FORMAT.md section 3 for the measurements */

/* Encodes an interleaved image (uint8_t or host-order uint16_t samples,
 * channels 1..4, bit_depth 8 or 16) and appends a STREAM_LOSSLESS_PARAMS, the
 * residual streams and a STREAM_LOSSLESS_EXTRA to out. Returns 0 or a
 * negative LatError; on error the streams appended so far are left in out
 * (the caller frees the whole list). */
int lossless_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    uint32_t bit_depth, int threads, StreamList *out);

/* threads (here and below): at most this many threads code at once (v2's
 * stripes; the caller's included), 0 = one per stripe. The bytes and
 * pixels do not depend on it. */

/* Decodes the lossless streams of `in` (other stream types are ignored) into
 * pixels, a caller-allocated buffer of width*height*channels samples. Every
 * field and every stream length is validated: corrupt input gives a negative
 * LatError, never a read outside the streams. */
int lossless_decode(const StreamList *in, uint32_t width, uint32_t height, uint32_t channels,
                    uint32_t bit_depth, int threads, void *pixels);

/* The same coder packed into one buffer (for STREAM_ALPHA of lossy files):
 * u32 stream count, then per stream u32 type, u32 size, bytes. *out is
 * malloc'd, owned by the caller. */
int lossless_encode_packed(const void *pixels, uint32_t width, uint32_t height,
                           uint32_t channels, uint32_t bit_depth, int threads, uint8_t **out,
                           size_t *out_size);
int lossless_decode_packed(const uint8_t *data, size_t size, uint32_t width, uint32_t height,
                           uint32_t channels, uint32_t bit_depth, int threads, void *pixels);

#define LOSSLESS_MAX_GROUPS 16
#define LOSSLESS_MAX_STREAMS 58   /* params + residual groups + extra, of STREAMS_MAX */

/* Encoder choices; the decoder reads them from the params stream. groups,
 * predictor and zstd_level are v1's. */
typedef struct LosslessTuning {
    int groups;          /* context groups per plane, 1..LOSSLESS_MAX_GROUPS */
    int transform;       /* 1: YCoCg-R for RGB(A); 0: none */
    int predictor;       /* a PREDICTOR_* value (predictor.h) */
    int zstd_level;
    int version;         /* params version: 1 (tokens + zstd), 2 or 3 (context mixing) */
    int stripes;         /* v2: independently coded stripes, 0 = by image size */
    int fallback_permille;   /* v2: write v1 when v2's streams exceed this many 1/1000
                                of the raw sample bytes, plus 1024 bytes (1125) */
    int threads;         /* v2: stripes coded at once, 0 = all of them */
} LosslessTuning;

void lossless_default_tuning(LosslessTuning *t);
/* lossless_encode with explicit choices (experiments, tests). */
int lossless_encode_tuned(const void *pixels, uint32_t width, uint32_t height,
                          uint32_t channels, uint32_t bit_depth, const LosslessTuning *t,
                          StreamList *out);

#endif
