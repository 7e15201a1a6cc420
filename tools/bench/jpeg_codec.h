/* JPEG encode/decode in memory through libjpeg-turbo, for `lat bench`
 * (tools only; the library never links libjpeg).
 *
 * Settings match `cjpeg -quality Q -optimize` (and `-sample 1x1` for 4:4:4)
 * and `djpeg` defaults: islow DCT, JFIF header, non-baseline quantization
 * tables allowed at low quality, fancy upsampling on decode. This is what
 * tools/check_jpeg_reference.sh verifies against the real cjpeg/djpeg. */
#ifndef LAT_TOOLS_JPEG_CODEC_H
#define LAT_TOOLS_JPEG_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "lat.h"

typedef struct JpegOptions {
    int quality;      /* 1..100 */
    int chroma_444;   /* 1: no chroma subsampling; 0: 4:2:0 (cjpeg default) */
    int optimize;     /* 1: optimized Huffman tables (cjpeg -optimize) */
} JpegOptions;

/* Encodes an 8-bit gray (1 channel) or RGB (3 channels) image.
 * On success *out is a malloc'd buffer of *out_size bytes (caller frees
 * with free()) and 0 is returned; on failure -1 with a reason in err. */
int jpeg_encode_memory(const LatImage *img, const JpegOptions *opt, uint8_t **out,
                       size_t *out_size, char *err, size_t errlen);

/* Decodes a JPEG to 8-bit gray or RGB (as stored). On success *img is
 * filled in (pixels malloc'd; free with lat_image_free) and 0 is returned;
 * on failure -1 with a reason in err and *img zeroed. */
int jpeg_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err,
                       size_t errlen);
#endif
