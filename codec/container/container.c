/* .lat container v1: writer and validating parser (docs/FORMAT.md). */
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "common/limits.h"
#include "container/container.h"

const uint8_t lat_magic[LAT_MAGIC_SIZE] = {0x89, 'L', 'A', 'T', '\r', '\n', 0x1a, '\n'};

_Static_assert(LAT_ENTRY_OFF_RAW_SIZE + 8 == LAT_TABLE_ENTRY_SIZE, "table entry layout");

#define ZSTD_FRAME_MAGIC 0xFD2FB528u

int container_stream_type_known(uint32_t type)
{
    switch (type) {
    case STREAM_LOSSLESS_PARAMS: case STREAM_LOSSLESS_RESIDUAL: case STREAM_LOSSLESS_EXTRA:
    case STREAM_ICC: case STREAM_EXIF: case STREAM_XMP: case STREAM_COLOUR:
    case STREAM_LOSSY_PARAMS: case STREAM_LOSSY_LATENTS:
    case STREAM_ALPHA:
        return 1;
    default:
        return 0;
    }
}

static int is_metadata(uint32_t type)
{
    return type == STREAM_ICC || type == STREAM_EXIF || type == STREAM_XMP ||
           type == STREAM_COLOUR;
}

uint64_t container_raw_limit(const LatHeader *h, uint32_t type)
{
    if (is_metadata(type))
        return LAT_MAX_METADATA_SIZE;
    /* Coded pixel data: at most two bytes per input byte, counted on the
     * image padded to the lossy mode's 16x16 latent grid (a 65535x1 image
     * has 4096 latent columns of M channels). */
    uint64_t pw = ((uint64_t)h->width + 15) / 16 * 16, ph = ((uint64_t)h->height + 15) / 16 * 16;
    return pw * ph * h->channels * (h->bit_depth / 8) * 2 + LAT_STREAM_SLACK;
}

/* Decompression-bomb guard: the raw sizes of all streams together, not
 * only each one, are bounded by the image (coded data) and by twice the
 * largest metadata block (ICC, EXIF, XMP and colour info together), so 64
 * streams cannot ask for 64 times that. */
static int totals_within_limits(const LatHeader *h, uint64_t coded, uint64_t metadata)
{
    return coded <= container_raw_limit(h, STREAM_LOSSLESS_RESIDUAL)
        && metadata <= 2 * (uint64_t)LAT_MAX_METADATA_SIZE;
}

/* Checks the semantic header fields shared by the writer and the parser. */
static int header_validate(const LatHeader *h, uint64_t max_pixels)
{
    if (h->required_flags & ~LAT_REQUIRED_FLAGS_KNOWN)
        return LAT_ERR_UNKNOWN_FIELD;
    if (h->mode != LAT_MODE_LOSSLESS && h->mode != LAT_MODE_LOSSY)
        return LAT_ERR_UNKNOWN_FIELD;
    if (h->channels < 1 || h->channels > 4 || (h->bit_depth != 8 && h->bit_depth != 16))
        return LAT_ERR_UNSUPPORTED_IMAGE;
    if (h->width == 0 || h->height == 0)
        return LAT_ERR_BAD_DIMENSIONS;
    if (h->width > LAT_MAX_DIMENSION || h->height > LAT_MAX_DIMENSION)
        return LAT_ERR_LIMIT_EXCEEDED;
    if (max_pixels == 0)
        max_pixels = LAT_DEFAULT_MAX_PIXELS;
    if ((uint64_t)h->width * h->height > max_pixels)
        return LAT_ERR_LIMIT_EXCEEDED;
    if (h->mode == LAT_MODE_LOSSLESS) {
        if (h->quality != -1 || h->model_id[0] != 0 || h->model_hash != 0)
            return LAT_ERR_UNKNOWN_FIELD;
    } else if (h->quality < 0 || h->quality > 100) {
        return LAT_ERR_UNKNOWN_FIELD;
    }
    return LAT_OK;
}

int container_write(const LatHeader *h, const StreamList *streams, uint8_t **out,
                    size_t *out_size)
{
    if (!h || !streams || !out || !out_size || streams->count > STREAMS_MAX)
        return LAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    if (strlen(h->model_id) > LAT_MODEL_ID_SIZE)
        return LAT_ERR_INVALID_ARGUMENT;
    int err = header_validate(h, UINT64_MAX);
    if (err < 0)
        return err;

    size_t header_size = LAT_HEADER_SIZE(streams->count);
    size_t bound = header_size;
    uint64_t coded = 0, metadata = 0;
    for (uint32_t i = 0; i < streams->count; i++) {
        if (streams->s[i].size > container_raw_limit(h, streams->s[i].type))
            return LAT_ERR_LIMIT_EXCEEDED;
        *(is_metadata(streams->s[i].type) ? &metadata : &coded) += streams->s[i].size;
        bound += ZSTD_compressBound(streams->s[i].size);
    }
    if (!totals_within_limits(h, coded, metadata))
        return LAT_ERR_LIMIT_EXCEEDED;
    uint8_t *buf = malloc(bound);
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (!buf || !cctx) {
        free(buf);
        ZSTD_freeCCtx(cctx);
        return LAT_ERR_OUT_OF_MEMORY;
    }

    size_t pos = header_size;
    for (uint32_t i = 0; i < streams->count; i++) {
        const Stream *s = &streams->s[i];
        ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, s->zstd_level);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
        size_t n = ZSTD_compress2(cctx, buf + pos, bound - pos, s->data ? s->data : (const uint8_t *)"", s->size);
        if (ZSTD_isError(n)) {
            free(buf);
            ZSTD_freeCCtx(cctx);
            return LAT_ERR_INTERNAL;
        }
        uint8_t *e = buf + LAT_HEADER_FIXED_SIZE + (size_t)i * LAT_TABLE_ENTRY_SIZE;
        put_u32(e + LAT_ENTRY_OFF_TYPE, s->type);
        put_u32(e + LAT_ENTRY_OFF_FRAME_CRC, crc32_update(0, buf + pos, n));
        put_u64(e + LAT_ENTRY_OFF_STORED_SIZE, n);
        put_u64(e + LAT_ENTRY_OFF_RAW_SIZE, s->size);
        pos += n;
    }
    ZSTD_freeCCtx(cctx);

    memcpy(buf + LAT_OFF_MAGIC, lat_magic, LAT_MAGIC_SIZE);
    put_u16(buf + LAT_OFF_VERSION, LAT_FORMAT_VERSION);
    buf[LAT_OFF_MODE] = (uint8_t)h->mode;
    buf[LAT_OFF_CHANNELS] = (uint8_t)h->channels;
    buf[LAT_OFF_BIT_DEPTH] = (uint8_t)h->bit_depth;
    buf[LAT_OFF_QUALITY] = h->mode == LAT_MODE_LOSSLESS ? LAT_QUALITY_NONE : (uint8_t)h->quality;
    put_u16(buf + LAT_OFF_RESERVED, 0);
    put_u32(buf + LAT_OFF_REQUIRED_FLAGS, h->required_flags);
    put_u32(buf + LAT_OFF_OPTIONAL_FLAGS, h->optional_flags);
    put_u32(buf + LAT_OFF_WIDTH, h->width);
    put_u32(buf + LAT_OFF_HEIGHT, h->height);
    memset(buf + LAT_OFF_MODEL_ID, 0, LAT_MODEL_ID_SIZE);
    memcpy(buf + LAT_OFF_MODEL_ID, h->model_id, strlen(h->model_id));
    put_u64(buf + LAT_OFF_MODEL_HASH, h->model_hash);
    put_u32(buf + LAT_OFF_STREAM_COUNT, streams->count);
    put_u32(buf + header_size - 4, crc32_update(0, buf, header_size - 4));

    *out = buf;
    *out_size = pos;
    return LAT_OK;
}

int container_parse_header(const uint8_t *data, size_t size, uint64_t max_pixels,
                           LatHeader *h, ContainerTable *t)
{
    if (!data && size)
        return LAT_ERR_INVALID_ARGUMENT;
    if (!h || !t)
        return LAT_ERR_INVALID_ARGUMENT;
    memset(h, 0, sizeof *h);
    memset(t, 0, sizeof *t);
    /* Magic first: a prefix of the magic is a truncated .lat, anything
     * else is not a .lat at all. */
    size_t m = size < LAT_MAGIC_SIZE ? size : LAT_MAGIC_SIZE;
    if (memcmp(data ? data : (const uint8_t *)"", lat_magic, m) != 0)
        return LAT_ERR_BAD_MAGIC;
    if (size < LAT_OFF_VERSION + 2)
        return LAT_ERR_TRUNCATED;
    h->format_version = get_u16(data + LAT_OFF_VERSION);
    if (h->format_version != LAT_FORMAT_VERSION)
        return LAT_ERR_UNSUPPORTED_VERSION;
    if (size < LAT_HEADER_FIXED_SIZE)
        return LAT_ERR_TRUNCATED;
    uint32_t count = get_u32(data + LAT_OFF_STREAM_COUNT);
    if (count > STREAMS_MAX)
        return LAT_ERR_LIMIT_EXCEEDED;
    size_t header_size = LAT_HEADER_SIZE(count);
    if (size < header_size)
        return LAT_ERR_TRUNCATED;
    if (crc32_update(0, data, header_size - 4) != get_u32(data + header_size - 4))
        return LAT_ERR_HEADER_CHECKSUM;

    h->mode = data[LAT_OFF_MODE];
    h->channels = data[LAT_OFF_CHANNELS];
    h->bit_depth = data[LAT_OFF_BIT_DEPTH];
    h->quality = data[LAT_OFF_QUALITY] == LAT_QUALITY_NONE ? -1 : data[LAT_OFF_QUALITY];
    if (get_u16(data + LAT_OFF_RESERVED) != 0)
        return LAT_ERR_UNKNOWN_FIELD;
    h->required_flags = get_u32(data + LAT_OFF_REQUIRED_FLAGS);
    h->optional_flags = get_u32(data + LAT_OFF_OPTIONAL_FLAGS);
    h->width = get_u32(data + LAT_OFF_WIDTH);
    h->height = get_u32(data + LAT_OFF_HEIGHT);
    /* Model id: NUL padded; bytes after the first NUL must be NUL too. */
    const uint8_t *id = data + LAT_OFF_MODEL_ID;
    size_t idlen = 0;
    while (idlen < LAT_MODEL_ID_SIZE && id[idlen])
        idlen++;
    for (size_t i = idlen; i < LAT_MODEL_ID_SIZE; i++)
        if (id[i])
            return LAT_ERR_UNKNOWN_FIELD;
    memcpy(h->model_id, id, idlen);
    h->model_id[idlen] = 0;
    h->model_hash = get_u64(data + LAT_OFF_MODEL_HASH);
    int err = header_validate(h, max_pixels);
    if (err < 0)
        return err;

    t->count = count;
    t->header_size = header_size;
    uint64_t pos = header_size, coded = 0, metadata = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = data + LAT_HEADER_FIXED_SIZE + (size_t)i * LAT_TABLE_ENTRY_SIZE;
        ContainerEntry *ce = &t->e[i];
        ce->type = get_u32(e + LAT_ENTRY_OFF_TYPE);
        ce->frame_crc = get_u32(e + LAT_ENTRY_OFF_FRAME_CRC);
        ce->stored_size = get_u64(e + LAT_ENTRY_OFF_STORED_SIZE);
        ce->raw_size = get_u64(e + LAT_ENTRY_OFF_RAW_SIZE);
        ce->offset = pos;
        if (!(ce->type & STREAM_TYPE_IGNORABLE) && !container_stream_type_known(ce->type))
            return LAT_ERR_UNKNOWN_FIELD;
        if (ce->raw_size > container_raw_limit(h, ce->type))
            return LAT_ERR_LIMIT_EXCEEDED;
        *(is_metadata(ce->type) ? &metadata : &coded) += ce->raw_size;
        if (!totals_within_limits(h, coded, metadata))
            return LAT_ERR_LIMIT_EXCEEDED;
        if (ce->stored_size > size - pos)   /* pos <= size holds here */
            return LAT_ERR_TRUNCATED;
        pos += ce->stored_size;
    }
    if (pos != size)
        return LAT_ERR_TRAILING_DATA;
    return LAT_OK;
}

/* Decompresses one frame of exactly e->raw_size bytes into a new buffer. */
static int frame_decode(ZSTD_DCtx *dctx, const uint8_t *src, const ContainerEntry *e,
                        uint8_t **out)
{
    *out = NULL;
    size_t n = (size_t)e->stored_size;
    /* The CRC catches what zstd would not: bits of the frame's encoding
     * that do not change the decoded content. */
    if (crc32_update(0, src, n) != e->frame_crc)
        return LAT_ERR_STREAM_CORRUPT;
    /* One standard zstd frame, with its content size and checksum, the
     * unused and reserved descriptor bits clear and no dictionary. */
    if (n < 6 || get_u32(src) != ZSTD_FRAME_MAGIC || (src[4] & 0x1f) != 0x04)
        return LAT_ERR_STREAM_CORRUPT;
    unsigned long long content = ZSTD_getFrameContentSize(src, n);
    if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR
        || content != e->raw_size)
        return LAT_ERR_STREAM_CORRUPT;
    size_t frame = ZSTD_findFrameCompressedSize(src, n);
    if (ZSTD_isError(frame) || frame != n)
        return LAT_ERR_STREAM_CORRUPT;
    uint8_t *buf = malloc(e->raw_size ? (size_t)e->raw_size : 1);
    if (!buf)
        return LAT_ERR_OUT_OF_MEMORY;
    size_t got = ZSTD_decompressDCtx(dctx, buf, (size_t)e->raw_size, src, n);
    if (ZSTD_isError(got) || got != e->raw_size) {
        free(buf);
        return LAT_ERR_STREAM_CORRUPT;
    }
    *out = buf;
    return LAT_OK;
}

int container_read(const uint8_t *data, size_t size, uint64_t max_pixels,
                   LatHeader *h, StreamList *streams)
{
    if (!streams)
        return LAT_ERR_INVALID_ARGUMENT;
    streams->count = 0;
    ContainerTable *t = malloc(sizeof *t);
    if (!t)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = container_parse_header(data, size, max_pixels, h, t);
    ZSTD_DCtx *dctx = err < 0 ? NULL : ZSTD_createDCtx();
    if (err >= 0 && !dctx)
        err = LAT_ERR_OUT_OF_MEMORY;
    for (uint32_t i = 0; err >= 0 && i < t->count; i++) {
        uint8_t *raw;
        err = frame_decode(dctx, data + t->e[i].offset, &t->e[i], &raw);
        if (err < 0)
            break;
        if (!container_stream_type_known(t->e[i].type)) {
            free(raw);   /* ignorable and unknown: verified, then skipped */
            continue;
        }
        if (streams_push(streams, t->e[i].type, raw, (size_t)t->e[i].raw_size, 0) < 0)
            err = LAT_ERR_INTERNAL;
    }
    ZSTD_freeDCtx(dctx);
    free(t);
    if (err < 0)
        streams_free(streams);
    return err;
}
