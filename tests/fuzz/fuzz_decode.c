/* Fuzz target 1: arbitrary bytes as a .lat file, through lat_inspect,
 * lat_decode and lat_decode_latents, with a tiny lossy model loaded
 * (testvectors/fuzz-corpus/tiny.latm) so the lossy path is reached too.
 *
 * Checksums stop most mutations at the header CRC or a frame CRC, so each
 * input runs up to three ways:
 *   1. as is;
 *   2. with the header CRC and every frame CRC recomputed (reaches zstd
 *      and, when the zstd content checksum still matches, the decoders);
 *   3. inputs starting with "LATS" describe raw streams, which are packed
 *      into a valid container with container_write: this reaches the
 *      lossless and lossy stream parsers with arbitrary stream contents.
 * LATS layout: "LATS", u8 mode, u8 channels, u8 bit depth, u8 quality,
 * u16 width, u16 height, u8 flags (bit 0: wrong model hash), then records
 * { u8 type selector, u16 length, bytes } to the end. All little-endian. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "common/streams.h"
#include "container/container.h"
#include "lossy/lossy.h"

#ifndef LAT_FUZZ_MODEL
#error "LAT_FUZZ_MODEL (path of the tiny test model) must be defined"
#endif

static LatContext *ctx;
static char model_id[LAT_MODEL_ID_SIZE + 1];
static uint64_t model_hash;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    LatSettings s;
    lat_default_settings(&s);
    s.threads = 1;
    s.max_pixels = FUZZ_MAX_PIXELS;
    s.model_path = LAT_FUZZ_MODEL;
    if (lat_open(&ctx, &s) < 0)
        abort();
    /* The model's id and hash, for the LATS headers. */
    FILE *f = fopen(LAT_FUZZ_MODEL, "rb");
    if (!f)
        abort();
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LossyModel *m;
    if (lossy_model_load(buf, n, &m) < 0)
        abort();
    snprintf(model_id, sizeof model_id, "%s", lossy_model_id(m));
    model_hash = lossy_model_hash(m);
    lossy_model_free(m);
    return 0;
}

static void decode_all_ways(const uint8_t *data, size_t size)
{
    LatInfo info;
    int ierr = lat_inspect(data, size, &info);
    LatImage img;
    int err = lat_decode(ctx, data, size, &img);
    if (err == LAT_OK) {
        /* A decoded image must be what the header says. */
        if (ierr != LAT_OK || img.width != info.width || img.height != info.height
            || img.channels != info.channels || !img.pixels)
            abort();
        lat_image_free(&img);
    } else if (img.pixels || img.width) {
        abort();   /* on error *img is zeroed */
    }
    int16_t *latents;
    uint32_t count, shape[3];
    if (lat_decode_latents(ctx, data, size, &latents, &count, shape) == LAT_OK) {
        if ((uint64_t)shape[0] * shape[1] * shape[2] != count)
            abort();
        lat_free(latents);
    }
    (void)lat_strerror(err);
}

/* Recomputes every frame CRC the table locates inside the file, then the
 * header CRC. Returns 0 when the layout was recognisable. */
static int fix_checksums(uint8_t *d, size_t size)
{
    if (size < LAT_HEADER_FIXED_SIZE + 4 || memcmp(d, lat_magic, LAT_MAGIC_SIZE) != 0)
        return -1;
    uint32_t count = get_u32(d + 72);
    if (count > STREAMS_MAX)
        return -1;
    size_t header = LAT_HEADER_FIXED_SIZE + (size_t)count * LAT_TABLE_ENTRY_SIZE + 4;
    if (size < header)
        return -1;
    uint64_t pos = header;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *e = d + LAT_HEADER_FIXED_SIZE + (size_t)i * LAT_TABLE_ENTRY_SIZE;
        uint64_t stored = get_u64(e + 8);
        if (stored > size - pos)
            break;
        put_u32(e + 4, crc32_update(0, d + pos, (size_t)stored));
        pos += stored;
    }
    put_u32(d + header - 4, crc32_update(0, d, header - 4));
    return 0;
}

static const uint32_t stream_types[] = {
    STREAM_LOSSLESS_PARAMS, STREAM_LOSSLESS_RESIDUAL, STREAM_LOSSLESS_EXTRA, STREAM_ICC,
    STREAM_EXIF, STREAM_LOSSY_PARAMS, STREAM_LOSSY_LATENTS, STREAM_ALPHA,
    STREAM_TYPE_IGNORABLE | 4242u,
};

static void decode_streams(const uint8_t *d, size_t size)
{
    if (size < 13)
        return;
    LatHeader h;
    memset(&h, 0, sizeof h);
    h.mode = d[4] & 1;
    h.channels = d[5];
    h.bit_depth = d[6];
    h.width = get_u16(d + 8);
    h.height = get_u16(d + 10);
    if (h.mode == LAT_MODE_LOSSY) {
        h.quality = d[7] <= 100 ? d[7] : 100;
        memcpy(h.model_id, model_id, sizeof model_id);
        h.model_hash = model_hash ^ (d[12] & 1);
    } else {
        h.quality = -1;
    }
    StreamList *l = calloc(1, sizeof *l);
    if (!l)
        return;
    size_t pos = 13;
    while (pos + 3 <= size && l->count < STREAMS_MAX) {
        uint32_t type = stream_types[d[pos] % (sizeof stream_types / sizeof *stream_types)];
        size_t len = get_u16(d + pos + 1);
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *s = malloc(len ? len : 1);
        if (!s)
            break;
        memcpy(s, d + pos, len);
        pos += len;
        if (streams_push(l, type, s, len, 1) < 0)
            break;
    }
    uint8_t *file;
    size_t file_size;
    if (container_write(&h, l, &file, &file_size) == LAT_OK) {
        decode_all_ways(file, file_size);
        free(file);
    }
    streams_free(l);
    free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    if (size >= 4 && memcmp(data, "LATS", 4) == 0) {
        decode_streams(data, size);
        return 0;
    }
    decode_all_ways(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (fix_checksums(copy, size) == 0 && memcmp(copy, data, size) != 0)
        decode_all_ways(copy, size);
    free(copy);
    return 0;
}
