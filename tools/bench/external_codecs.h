/* The codecs a user would pick instead of lat, run through their installed
 * command-line tools for `lat bench rd`: WebP (cwebp -m 6 / dwebp), AVIF
 * (avifenc -s 4 / avifdec), JPEG XL (cjxl -e 7 / djxl) and JPEG 2000
 * (opj_compress, irreversible 9/7 / opj_decompress). Each encode and decode
 * is one process; the compressed size is the whole file it writes. */
#ifndef LAT_TOOLS_EXTERNAL_CODECS_H
#define LAT_TOOLS_EXTERNAL_CODECS_H
#include <stddef.h>
#include "lat.h"

typedef enum ExtCodec { EXT_WEBP, EXT_AVIF, EXT_JXL, EXT_J2K, EXT_CODECS } ExtCodec;

/* "webp", "avif", "jxl", "j2k": the name in rd.csv and --codecs. */
const char *ext_codec_name(ExtCodec c);
/* "WebP (cwebp -m 6)", ...: the name in plots and the report. */
const char *ext_codec_label(ExtCodec c);
/* 'q' (quality 0..100: WebP, AVIF, JPEG XL) or 'r' (compression ratio:
 * JPEG 2000), the prefix of a setting in rd.csv. */
char ext_setting_prefix(ExtCodec c);
/* The default settings of a sweep, as a LIST for the quality parser. */
const char *ext_default_settings(ExtCodec c);

/* 1 when the encoder and decoder are on $PATH; else 0 with a note in why
 * ("cwebp not found (Debian: apt-get install webp)"). */
int ext_codec_available(ExtCodec c, char *why, size_t whylen);

/* Writes the 8-bit RGB img as the encoders' input (in.png, in.ppm) into the
 * private folder dir (made by the caller, one per worker). Once per image,
 * before ext_codec_run. Returns 0, or -1 with a reason in err. */
int ext_codec_prepare(const char *dir, const LatImage *img, char *err, size_t errlen);

/* Encodes the image of the last ext_codec_prepare in dir at one setting,
 * decodes it back into *dec (8-bit RGB,
 * caller frees with lat_image_free) and reports the file size and the wall
 * time of each process. Returns 0, or -1 with a reason in err. */
int ext_codec_run(ExtCodec c, const char *dir, int setting, size_t *bytes, LatImage *dec,
                  double *enc_s, double *dec_s, char *err, size_t errlen);
#endif
