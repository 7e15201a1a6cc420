/* The .lat container v1 (docs/FORMAT.md sections 1, 2 and 6).
 *
 * A .lat file is a fixed header, a stream table, a header CRC-32 and then one
 * zstd frame per stream. This module turns a LatHeader + StreamList (raw
 * bytes) into file bytes and back, validating every field and limit before
 * allocating anything. It knows nothing about what the streams contain. */
#ifndef LAT_CONTAINER_H
#define LAT_CONTAINER_H
#include <stddef.h>
#include <stdint.h>
#include "common/streams.h"

#define LAT_FORMAT_VERSION 1
#define LAT_MAGIC_SIZE 8
extern const uint8_t lat_magic[LAT_MAGIC_SIZE];  /* 0x89 'L' 'A' 'T' '\r' '\n' 0x1a '\n' */

/* Byte offsets of the fixed header, docs/FORMAT.md section 1 (little-endian). */
enum {
    LAT_OFF_MAGIC = 0,             /* LAT_MAGIC_SIZE bytes */
    LAT_OFF_VERSION = 8,           /* u16 */
    LAT_OFF_MODE = 10,             /* u8 */
    LAT_OFF_CHANNELS = 11,         /* u8 */
    LAT_OFF_BIT_DEPTH = 12,        /* u8 */
    LAT_OFF_QUALITY = 13,          /* u8 */
    LAT_OFF_RESERVED = 14,         /* u16, 0 */
    LAT_OFF_REQUIRED_FLAGS = 16,   /* u32 */
    LAT_OFF_OPTIONAL_FLAGS = 20,   /* u32 */
    LAT_OFF_WIDTH = 24,            /* u32 */
    LAT_OFF_HEIGHT = 28,           /* u32 */
    LAT_OFF_MODEL_ID = 32,         /* LAT_MODEL_ID_SIZE bytes */
    LAT_OFF_MODEL_HASH = 64,       /* u64 */
    LAT_OFF_STREAM_COUNT = 72,     /* u32 */
    LAT_HEADER_FIXED_SIZE = 76,    /* bytes before the stream table */
};
/* One stream-table entry, STREAM_TABLE_ENTRY_SIZE bytes; the header CRC
 * (u32) follows the last entry. */
enum {
    LAT_ENTRY_OFF_TYPE = 0,        /* u32 */
    LAT_ENTRY_OFF_FRAME_CRC = 4,   /* u32 */
    LAT_ENTRY_OFF_STORED_SIZE = 8, /* u64 */
    LAT_ENTRY_OFF_RAW_SIZE = 16,   /* u64 */
};
#define LAT_TABLE_ENTRY_SIZE STREAM_TABLE_ENTRY_SIZE
/* Header bytes (fixed part, table, CRC) of a file with n streams. */
#define LAT_HEADER_SIZE(n) (LAT_HEADER_FIXED_SIZE + (size_t)(n) * LAT_TABLE_ENTRY_SIZE + 4)

enum { LAT_MODE_LOSSLESS = 0, LAT_MODE_LOSSY = 1 };
#define LAT_QUALITY_NONE 255       /* quality byte of a lossless file */
#define LAT_MODEL_ID_SIZE 32

/* Bit of a stream type: a decoder that does not know the type may skip the
 * stream. Types without it are required: unknown -> LAT_ERR_UNKNOWN_FIELD. */
#define STREAM_TYPE_IGNORABLE 0x80000000u

/* Required-feature flags. v1 defines none: any set bit is refused. */
#define LAT_REQUIRED_FLAGS_KNOWN 0u

typedef struct LatHeader {
    uint32_t format_version;   /* filled by parse; write always writes 1 */
    uint32_t required_flags;   /* must be 0 in v1 */
    uint32_t optional_flags;   /* informational, ignored by v1 decoders */
    uint32_t mode;             /* LAT_MODE_* */
    uint32_t width, height;    /* 1..LAT_MAX_DIMENSION */
    uint32_t channels;         /* 1..4 */
    uint32_t bit_depth;        /* 8 or 16 */
    int quality;               /* lossy 0..100; -1 for lossless */
    char model_id[LAT_MODEL_ID_SIZE + 1];  /* NUL-terminated; "" for lossless */
    uint64_t model_hash;       /* 0 for lossless */
} LatHeader;

/* One stream table entry as stored, plus where its frame starts. */
typedef struct ContainerEntry {
    uint32_t type;
    uint32_t frame_crc;        /* CRC-32 of the stored frame bytes */
    uint64_t stored_size;      /* zstd frame bytes */
    uint64_t raw_size;         /* decompressed bytes */
    uint64_t offset;           /* of the frame from the start of the file */
} ContainerEntry;

typedef struct ContainerTable {
    uint32_t count;
    ContainerEntry e[STREAMS_MAX];
    uint64_t header_size;      /* fixed part + table + CRC */
} ContainerTable;

/* Zstd-compresses every stream (at its zstd_level, with content size and
 * checksum) and writes header + table + CRC + frames into a new malloc'd
 * buffer (*out, owned by the caller, free()). Validates the header fields the
 * same way the parser does. Returns 0 or a negative LatError. */
int container_write(const LatHeader *h, const StreamList *streams, uint8_t **out,
                    size_t *out_size);

/* Parses and validates header, table, CRC, limits and the file length
 * (no decompression). max_pixels: 0 = LAT_DEFAULT_MAX_PIXELS. */
int container_parse_header(const uint8_t *data, size_t size, uint64_t max_pixels,
                           LatHeader *h, ContainerTable *t);

/* container_parse_header, then decompresses every stream into *streams
 * (caller frees with streams_free; empty on error). Ignorable streams of
 * unknown type are verified but not returned. */
int container_read(const uint8_t *data, size_t size, uint64_t max_pixels,
                   LatHeader *h, StreamList *streams);

/* Largest raw size a stream of this type may declare in an image with this
 * header (docs/FORMAT.md section 6). */
uint64_t container_raw_limit(const LatHeader *h, uint32_t type);

/* 1 if this decoder knows the stream type. */
int container_stream_type_known(uint32_t type);

#endif
