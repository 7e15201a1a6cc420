/* IDX files (the MNIST / Fashion-MNIST format), read and written by the tools.
 *
 * Layout (big-endian): u8 0, u8 0, u8 type (0x08 = unsigned byte), u8 ndim,
 * then ndim u32 dimensions, then the samples. Only unsigned-byte files are
 * supported: images have magic 0x00000803 (count, rows, cols) and labels
 * 0x00000801 (count).
 *
 * Files ending in ".gz" (or starting with the gzip magic) are decompressed by
 * running `gzip -dc` (no zlib dependency); the Debian dataset packages ship
 * them that way. Memory: never more than the declared size is allocated, and
 * for a plain file the declared size is checked against the file length
 * before allocating; a gzip stream is buffered as it arrives, so a header
 * that lies about its size fails with "truncated" instead of allocating.
 *
 * Errors: functions return 0, or -1 with a one-line reason in err. */
#ifndef LAT_TOOLS_IDX_H
#define LAT_TOOLS_IDX_H
#include <stddef.h>
#include <stdint.h>

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAX_COUNT (1u << 24)       /* 16.7 M items */
#define IDX_MAX_SIDE 4096u             /* rows, cols */
#define IDX_MAX_BYTES (1ull << 32)     /* whole sample payload */

typedef struct IdxImages {
    uint32_t count, rows, cols;
    uint8_t *pixels;   /* count*rows*cols bytes, image-major, row-major; owned, idx_images_free */
} IdxImages;

typedef struct IdxLabels {
    uint32_t count;
    uint8_t *labels;   /* count bytes; owned, idx_labels_free */
} IdxLabels;

/* Parse an IDX file held in memory (untrusted bytes). Trailing bytes after
 * the declared samples are an error. The pixels/labels are copied. */
int idx_parse_images(const uint8_t *data, size_t size, IdxImages *out, char *err, size_t errlen);
int idx_parse_labels(const uint8_t *data, size_t size, IdxLabels *out, char *err, size_t errlen);

/* Read from a file: plain IDX or gzip-compressed (see above). */
int idx_read_images(const char *path, IdxImages *out, char *err, size_t errlen);
int idx_read_labels(const char *path, IdxLabels *out, char *err, size_t errlen);

/* Write plain (uncompressed) IDX files, atomically (output_file.h). */
int idx_write_images(const char *path, const IdxImages *im, char *err, size_t errlen);
int idx_write_labels(const char *path, const IdxLabels *lb, char *err, size_t errlen);

void idx_images_free(IdxImages *im);   /* NULL fine; zeroes the struct */
void idx_labels_free(IdxLabels *lb);
#endif
