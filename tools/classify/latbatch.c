/* .latb batch files, version 2 (see latbatch.h). Little-endian:
 *
 *   offset size  field
 *   0      8     magic 0x89 'L' 'A' 'T' 'B' '\r' '\n' 0x1a
 *   8      4     u32 version (2; version 1 files, whose quality meant
 *                 another level position, are refused)
 *   12     4     u32 count              images
 *   16     12    u32 width, height, channels   of the source images
 *   28     4     u32 quality            0..100
 *   32     32    model id, NUL-padded ASCII (as in .lat files)
 *   64     8     u64 model hash         (as in .lat files)
 *   72     12    u32 c, h, w            latent shape of one image
 *   84     4     u32 value bytes        1 or 2
 *   88     8     u64 payload size       bytes of the zstd frame that follows
 *   96     8     u64 FNV-1a-64 of bytes 0..95
 *   104    ...   one zstd frame (content size and checksum present)
 *
 * The frame decompresses to count*c*h*w*value_bytes bytes: each latent v is
 * zigzag-mapped (v >= 0 -> 2v, v < 0 -> -2v-1), laid out channel-major
 * across images (for k, for n, for y, x) so zstd sees one channel's
 * statistics at a time; with 2 value bytes all low bytes come first, then
 * all high bytes. Nothing may follow the frame. */
#include "latbatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "errmsg.h"
#include "le_bytes.h"

static const uint8_t kMagic[8] = {0x89, 'L', 'A', 'T', 'B', '\r', '\n', 0x1a};

static uint16_t zigzag(int16_t v)
{
    return v >= 0 ? (uint16_t)(2 * v) : (uint16_t)(-2 * (int32_t)v - 1);
}
static int32_t unzigzag(uint32_t u)
{
    return (u & 1) ? -(int32_t)((u + 1) >> 1) : (int32_t)(u >> 1);
}

static int shape_ok(const LatBatch *b, char *err, size_t errlen)
{
    uint64_t per = (uint64_t)b->c * b->h * b->w;
    if (b->count == 0 || b->count > LATB_MAX_COUNT || b->width == 0 || b->height == 0
        || b->width > 65535 || b->height > 65535 || (b->channels != 1 && b->channels != 3)
        || b->quality < 0 || b->quality > 100 || per == 0 || per > LATB_MAX_PER_IMAGE
        || per * b->count * 2 > LATB_MAX_RAW) {
        set_err(err, errlen,
                "latb: invalid shape (count %u, image %ux%ux%u, quality %d, latents %ux%ux%u)",
                b->count, b->width, b->height, b->channels, b->quality, b->c, b->h, b->w);
        return 0;
    }
    return 1;
}

int latbatch_write(const LatBatch *b, int zstd_level, uint8_t **out, size_t *out_size,
                   char *err, size_t errlen)
{
    *out = NULL;
    *out_size = 0;
    if (!shape_ok(b, err, errlen))
        return -1;
    const size_t hw = (size_t)b->h * b->w, per = b->c * hw, total = per * b->count;
    int vb = 1;
    for (size_t i = 0; i < total; i++)
        if (zigzag(b->q[i]) > 255) {
            vb = 2;
            break;
        }
    uint8_t *raw = malloc(total * (size_t)vb);
    if (!raw) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    size_t o = 0;
    for (uint32_t k = 0; k < b->c; k++)
        for (uint32_t n = 0; n < b->count; n++) {
            const int16_t *src = b->q + (size_t)n * per + (size_t)k * hw;
            for (size_t i = 0; i < hw; i++, o++) {
                uint16_t z = zigzag(src[i]);
                raw[o] = (uint8_t)z;
                if (vb == 2)
                    raw[total + o] = (uint8_t)(z >> 8);
            }
        }
    size_t cap = ZSTD_compressBound(total * (size_t)vb);
    uint8_t *buf = malloc(LATB_HEADER_SIZE + cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!buf || !cc) {
        free(raw);
        free(buf);
        ZSTD_freeCCtx(cc);
        set_err(err, errlen, "out of memory");
        return -1;
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, zstd_level);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    size_t z = ZSTD_compress2(cc, buf + LATB_HEADER_SIZE, cap, raw, total * (size_t)vb);
    ZSTD_freeCCtx(cc);
    free(raw);
    if (ZSTD_isError(z)) {
        free(buf);
        set_err(err, errlen, "zstd: %s", ZSTD_getErrorName(z));
        return -1;
    }
    memset(buf, 0, LATB_HEADER_SIZE);
    memcpy(buf, kMagic, 8);
    put_le32(buf + 8, LATB_VERSION);
    put_le32(buf + 12, b->count);
    put_le32(buf + 16, b->width);
    put_le32(buf + 20, b->height);
    put_le32(buf + 24, b->channels);
    put_le32(buf + 28, (uint32_t)b->quality);
    memcpy(buf + 32, b->model_id, strnlen(b->model_id, 32));
    put_le64(buf + 64, b->model_hash);
    put_le32(buf + 72, b->c);
    put_le32(buf + 76, b->h);
    put_le32(buf + 80, b->w);
    put_le32(buf + 84, (uint32_t)vb);
    put_le64(buf + 88, z);
    put_le64(buf + 96, fnv1a64(buf, 96));
    *out = buf;
    *out_size = LATB_HEADER_SIZE + z;
    return 0;
}

int latbatch_parse(const uint8_t *data, size_t size, LatBatch *b, char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    if (size < LATB_HEADER_SIZE || memcmp(data, kMagic, 8) != 0) {
        set_err(err, errlen, "not a .latb file (bad magic or shorter than its header)");
        return -1;
    }
    if (fnv1a64(data, 96) != get_le64(data + 96)) {
        set_err(err, errlen, "latb: header checksum mismatch (corrupted)");
        return -1;
    }
    uint32_t version = get_le32(data + 8);
    if (version != LATB_VERSION) {
        set_err(err, errlen, "latb: unsupported version %u", version);
        return -1;
    }
    b->count = get_le32(data + 12);
    b->width = get_le32(data + 16);
    b->height = get_le32(data + 20);
    b->channels = get_le32(data + 24);
    uint32_t q = get_le32(data + 28);
    b->quality = q > 100 ? -1 : (int)q;
    for (int i = 0; i < 32; i++) {
        uint8_t ch = data[32 + i];
        if (ch != 0 && (ch < 0x20 || ch > 0x7e)) {
            set_err(err, errlen, "latb: model id is not printable ASCII");
            return -1;
        }
    }
    memcpy(b->model_id, data + 32, 32);
    b->model_id[32] = 0;
    b->model_hash = get_le64(data + 64);
    b->c = get_le32(data + 72);
    b->h = get_le32(data + 76);
    b->w = get_le32(data + 80);
    uint32_t vb = get_le32(data + 84);
    uint64_t stored = get_le64(data + 88);
    if (!shape_ok(b, err, errlen)) {
        memset(b, 0, sizeof *b);
        return -1;
    }
    if (vb != 1 && vb != 2) {
        set_err(err, errlen, "latb: value bytes %u (must be 1 or 2)", vb);
        memset(b, 0, sizeof *b);
        return -1;
    }
    if (stored != size - LATB_HEADER_SIZE) {
        set_err(err, errlen, "latb: %s payload: %zu bytes after the header, %llu declared",
                stored > size - LATB_HEADER_SIZE ? "truncated" : "trailing bytes after the",
                size - LATB_HEADER_SIZE, (unsigned long long)stored);
        memset(b, 0, sizeof *b);
        return -1;
    }
    const size_t hw = (size_t)b->h * b->w, per = b->c * hw, total = per * b->count;
    const size_t raw_size = total * vb;
    const uint8_t *frame = data + LATB_HEADER_SIZE;
    unsigned long long content = ZSTD_getFrameContentSize(frame, (size_t)stored);
    if (content != raw_size || ZSTD_findFrameCompressedSize(frame, (size_t)stored) != stored) {
        set_err(err, errlen, "latb: payload is not one zstd frame of %zu bytes", raw_size);
        memset(b, 0, sizeof *b);
        return -1;
    }
    uint8_t *raw = malloc(raw_size);
    b->q = malloc(total * sizeof(int16_t));
    if (!raw || !b->q) {
        free(raw);
        latbatch_free(b);
        set_err(err, errlen, "out of memory");
        return -1;
    }
    size_t got = ZSTD_decompress(raw, raw_size, frame, (size_t)stored);
    if (ZSTD_isError(got) || got != raw_size) {
        free(raw);
        latbatch_free(b);
        set_err(err, errlen, "latb: corrupt payload (%s)",
                ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
        return -1;
    }
    size_t o = 0;
    for (uint32_t k = 0; k < b->c; k++)
        for (uint32_t n = 0; n < b->count; n++) {
            int16_t *dst = b->q + (size_t)n * per + (size_t)k * hw;
            for (size_t i = 0; i < hw; i++, o++) {
                uint32_t zz = raw[o];
                if (vb == 2)
                    zz |= (uint32_t)raw[total + o] << 8;
                int32_t v = unzigzag(zz);
                if (v < -32767 || v > 32767) {   // outside what the encoder can write
                    free(raw);
                    latbatch_free(b);
                    set_err(err, errlen, "latb: latent value out of range");
                    return -1;
                }
                dst[i] = (int16_t)v;
            }
        }
    free(raw);
    return 0;
}

void latbatch_free(LatBatch *b)
{
    if (!b)
        return;
    free(b->q);
    memset(b, 0, sizeof *b);
}
