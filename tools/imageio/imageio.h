/* Image file I/O for the tools (never part of the library).
 * Formats: PNG (8/16-bit; gray, gray+alpha, RGB, RGBA, palette, tRNS, with
 * iCCP/eXIf/XMP (iTXt or tEXt "XML:com.adobe.xmp") metadata and
 * gAMA/cHRM/sRGB colour info), JPEG (8-bit gray/RGB, ICC from APP2, EXIF from APP1),
 * PPM/PGM (P5/P6, maxval <= 65535). Readers sniff the format from content. */
#ifndef LAT_TOOLS_IMAGEIO_H
#define LAT_TOOLS_IMAGEIO_H
#include <stddef.h>
#include <stdio.h>
#include "lat.h"

/* Low bit depths are widened as libpng does it (1/2/4-bit gray scaled to
 * 8 bits by bit replication, which is exact and reversible), palettes
 * become RGB, a tRNS chunk becomes an alpha channel, no gamma is applied.
 * PNM maxvals other than 255/65535 are rescaled to the full 8/16-bit range.
 * Reads path ("-" = stdin) into img (caller frees with lat_image_free).
 * max_pixels: refuse larger images before allocating (0 = default limit).
 * On failure returns -1 and writes a one-line reason to err, starting with
 * the path ("stdin" for "-"); image_read_memory's reasons name no file. */
int image_read_file(const char *path, LatImage *img, uint64_t max_pixels, char *err, size_t errlen);
int image_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                      char *err, size_t errlen);

/* Drops the ICC profile, EXIF and XMP blocks and the colour info (--strip). */
void image_strip_metadata(LatImage *img);

/* "PNG", "JPEG" or "PPM/PGM" when data starts like an image this module
 * reads, else NULL: lets lat decode say what it was given instead. */
const char *image_format_name(const uint8_t *data, size_t size);

/* Writes img to path; format from the extension (.png, .ppm/.pgm/.pnm;
 * "-" = PNG to stdout). Regular files are written atomically (see
 * output_file.h). Returns 0 or -1 with a reason in err. */
int image_write_file(const char *path, const LatImage *img, char *err, size_t errlen);

/* As image_write_file, but also refuses to write over input_path (may be
 * NULL), e.g. `lat decode x.png -o x.png`. */
int image_write_file_guarded(const char *path, const char *input_path, const LatImage *img,
                             char *err, size_t errlen);

/* Checks that path has an extension image_write_file can write (.png, .ppm,
 * .pgm, .pnm, none, or "-"), so a command can fail before doing work. */
int image_check_output_path(const char *path, char *err, size_t errlen);

/* The zlib level of image_write_file's PNGs: the speed of a decode that
 * writes a PNG is mostly this (see png_io.c for the measurements). */
#define PNG_WRITE_LEVEL 5

/* Encodes img as PNG in memory (compression level 0..9); *out is malloc'd. */
int png_encode_memory(const LatImage *img, int level, uint8_t **out, size_t *out_size,
                      char *err, size_t errlen);
/* Same, written to f as it is made (no copy of the file in memory). Returns
 * 0 or -1 with err set; after a write error ferror(f) is set. */
int png_write_stream(const LatImage *img, int level, FILE *f, char *err, size_t errlen);

/* Reads a whole file ("-" = stdin) into a malloc'd buffer. Returns 0, or -1
 * with "<path>: <reason>" in err. */
int read_whole_file(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen);
#endif
