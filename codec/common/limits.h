/* Format limits of .lat v1 (docs/FORMAT.md section 6). Checked by the
 * container before any allocation, and by the encoder before writing. */
#ifndef LAT_LIMITS_H
#define LAT_LIMITS_H

/* Width and height: 16-bit values keep every w*h*channels*2 product far from
 * 64-bit overflow and every row index in int32; 65535 is more than any
 * camera sensor side today. max_pixels (LatSettings) bounds the total. */
#define LAT_MAX_DIMENSION 65535u

/* ICC profiles and EXIF blocks: the largest real ones are a few MiB. */
#define LAT_MAX_METADATA_SIZE (16u * 1024u * 1024u)
/* The colour stream: u32 flags, u32 gamma, 8 x u32 chroma, u32 intent. */
#define LAT_COLOUR_STREAM_SIZE 44u

/* Slack every coded stream may use beyond its per-sample bound (headers,
 * tables, padding of tiny images). */
#define LAT_STREAM_SLACK 65536u

#endif
