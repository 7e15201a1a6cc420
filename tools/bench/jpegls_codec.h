/* JPEG-LS (ISO 14495-1, lossless mode) in memory through CharLS, for
 * `lat bench lossless`. CharLS is an optional dependency of the tools: when
 * the build did not find it (meson defines LAT_HAVE_CHARLS otherwise),
 * jpegls_available() is 0 and both calls fail with "built without CharLS".
 *
 * Settings: lossless (NEAR = 0), sample-interleaved components, no colour
 * transform (the HP transforms are a non-standard CharLS extension), default
 * coding parameters. 8- or 16-bit samples, 1..4 channels. */
#ifndef LAT_TOOLS_JPEGLS_CODEC_H
#define LAT_TOOLS_JPEGLS_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "lat.h"

int jpegls_available(void);

/* On success *out is malloc'd (caller frees with free()) and 0 is returned;
 * on failure -1 with a reason in err. */
int jpegls_encode_memory(const LatImage *img, uint8_t **out, size_t *out_size, char *err,
                         size_t errlen);

/* On success *img is filled in (pixels malloc'd; free with lat_image_free)
 * and 0 is returned; on failure -1 with a reason in err and *img zeroed. */
int jpegls_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err,
                         size_t errlen);
#endif
