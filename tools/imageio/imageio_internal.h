/* Per-format readers and writers behind imageio.h. Each one works on memory
 * buffers, reports failures as a one-line reason in err, and keeps its
 * library's error machinery (setjmp/longjmp) to itself. */
#ifndef LAT_TOOLS_IMAGEIO_INTERNAL_H
#define LAT_TOOLS_IMAGEIO_INTERNAL_H
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "lat.h"

/* Fills img's shape and allocates zeroed pixels after checking the pixel
 * limit (0 = LAT_DEFAULT_MAX_PIXELS) and size overflow. Returns 0 or -1. */
int image_alloc(LatImage *img, uint32_t width, uint32_t height, uint32_t channels,
                uint32_t bit_depth, uint64_t max_pixels, char *err, size_t errlen);

/* Frees pixels, icc, exif and xmp (all malloc'd) and zeroes img; the same as
 * lat_image_free, kept here so image I/O does not need the library. */
void image_clear(LatImage *img);

/* Checks that img describes a buffer this module can write (1..4 channels,
 * 8 or 16 bits, non-zero size, pixels present). Returns 0 or -1. */
int image_check_writable(const LatImage *img, char *err, size_t errlen);

int png_is_signature(const uint8_t *data, size_t size);
int png_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                    char *err, size_t errlen);

int jpeg_is_signature(const uint8_t *data, size_t size);
int jpeg_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                     char *err, size_t errlen);

int pnm_is_signature(const uint8_t *data, size_t size);
int pnm_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                    char *err, size_t errlen);
/* Writes P5 (gray) or P6 (RGB), maxval 255 or 65535, to f; images with
 * alpha are refused. Returns 0 or -1 with err set; write errors are left in
 * ferror(f) for the caller. */
int pnm_write_stream(const LatImage *img, FILE *f, char *err, size_t errlen);
#endif
