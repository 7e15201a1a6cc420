/* .latb: the quantized latents of many images coded by one lossy model, in
 * one file (the batch form of `lat classify encode`). One .lat file per
 * 28x28 image spends most of its bytes on the container header and
 * per-stream zstd frames; a batch shares one header and one zstd frame, so
 * its bytes per image are the latents' own cost. docs/CLASSIFY.md has the
 * byte layout (also at the top of latbatch.c).
 *
 * Latents are held image-major: q[((n*c + k)*h + y)*w + x]. Errors: -1 and
 * a one-line reason in err. Parsing treats the bytes as untrusted. */
#ifndef LAT_TOOLS_LATBATCH_H
#define LAT_TOOLS_LATBATCH_H
#include <stddef.h>
#include <stdint.h>

#define LATB_VERSION 2   /* 2: quality maps to levels as in .lat params version 4 */
#define LATB_HEADER_SIZE 104
#define LATB_MAX_COUNT (1u << 24)
#define LATB_MAX_PER_IMAGE (1u << 20)     /* c*h*w */
#define LATB_MAX_RAW (1ull << 32)         /* decompressed payload bytes */

typedef struct LatBatch {
    uint32_t count;                 /* images, 1..LATB_MAX_COUNT */
    uint32_t width, height;         /* of every source image */
    uint32_t channels;              /* 1 or 3 */
    int quality;                    /* 0..100 */
    char model_id[33];              /* NUL-terminated */
    uint64_t model_hash;
    uint32_t c, h, w;               /* latent shape of one image */
    int16_t *q;                     /* count*c*h*w values, malloc'd, owned */
} LatBatch;

/* Serialises b (zstd level 1..22) into a malloc'd buffer. */
int latbatch_write(const LatBatch *b, int zstd_level, uint8_t **out, size_t *out_size,
                   char *err, size_t errlen);
/* Parses and validates a .latb file; b->q is allocated only after the
 * header, the checksum and the declared sizes are checked. */
int latbatch_parse(const uint8_t *data, size_t size, LatBatch *b, char *err, size_t errlen);
void latbatch_free(LatBatch *b);   /* frees q, zeroes the struct */
#endif
