/* JPEG XL lossless through the libjxl command-line tools, for `lat bench
 * lossless`: `cjxl -d 0 -e 7` (distance 0: lossless; effort 7, cjxl's
 * default) and `djxl`, run as child processes on temporary PNG / JXL files
 * in $TMPDIR (or /tmp). The tools are optional (Debian: libjxl-tools): when
 * cjxl cannot be run, jxl_available() is 0. Times include the processes'
 * start and the PNG files they read and write. */
#ifndef LAT_TOOLS_JXL_CODEC_H
#define LAT_TOOLS_JXL_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "lat.h"

/* 1 when `cjxl --version` and `djxl --version` run (checked once). */
int jxl_available(void);

/* As jpegls_codec.h: on success *out is malloc'd (caller frees with free())
 * and 0 is returned; on failure -1 with a reason in err. */
int jxl_encode_memory(const LatImage *img, uint8_t **out, size_t *out_size, char *err,
                      size_t errlen);

/* On success *img is filled in (free with lat_image_free) and 0 is
 * returned; on failure -1 with a reason in err and *img zeroed. */
int jxl_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err, size_t errlen);
#endif
