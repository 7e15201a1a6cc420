/* A list of named byte streams: what a coding mode produces and what the
 * container stores (each stream becomes one zstd frame in the .lat file). */
#ifndef LAT_STREAMS_H
#define LAT_STREAMS_H
#include <stddef.h>
#include <stdint.h>

#define STREAMS_MAX 64   /* also the container's stream-count limit */
/* Bytes each stream adds to the container's stream table (docs/FORMAT.md
 * section 1): coding modes count it when choosing between one stream and
 * several. The entry layout itself is the container's (container.h). */
#define STREAM_TABLE_ENTRY_SIZE 24

typedef struct Stream {
    uint32_t type;     /* a STREAM_* value (docs/FORMAT.md); stored on disk */
    int zstd_level;    /* encoder hint, not stored */
    uint8_t *data;     /* raw (uncompressed) bytes, malloc'd, owned by the list */
    size_t size;
} Stream;

typedef struct StreamList {
    uint32_t count;
    Stream s[STREAMS_MAX];
} StreamList;

/* Stream types. Stored on disk: append only, never reuse a value. */
enum {
    STREAM_LOSSLESS_PARAMS = 1,   /* lossless coder header (predictor, contexts) */
    STREAM_LOSSLESS_RESIDUAL = 2, /* residuals of one context group; repeated */
    STREAM_LOSSLESS_EXTRA = 3,    /* raw low bits of large lossless residuals */
    STREAM_ICC = 16,
    STREAM_EXIF = 17,
    STREAM_LOSSY_PARAMS = 32,     /* lossy header: latent shape, gain, grouping */
    STREAM_LOSSY_LATENTS = 33,    /* quantized latents of one channel group; repeated */
    STREAM_ALPHA = 48,            /* alpha plane, coded with the lossless coder */
};

/* Ignorable types (bit 31, docs/FORMAT.md section 2): decoders that predate
 * them skip them. */
#define STREAM_XMP 0x80000012u     /* XMP packet */
#define STREAM_COLOUR 0x80000013u  /* gAMA / cHRM / sRGB values, 44 bytes */

/* Appends a stream taking ownership of data (freed on failure too).
 * Returns 0, or -1 when the list is full. */
int streams_push(StreamList *l, uint32_t type, uint8_t *data, size_t size, int zstd_level);
void streams_free(StreamList *l);   /* frees every data buffer, count = 0 */

#endif
