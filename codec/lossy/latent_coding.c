/* Lossy streams v1 (docs/FORMAT.md section 4.2): the quantized latents,
 * channel by channel, in one or more groups; each group is either raw
 * integers, or "binarized": a bitmap of non-zero flags (8 flags per byte, so
 * zstd's Huffman stage codes them jointly) plus the non-zero values, or
 * range-coded (latent_ac.h), whichever is smaller.
 * All-zero channels are only flagged in the params stream. The encoder may
 * send an explicit channel order (channels sorted by entropy, so similar
 * statistics sit together in the zstd frames). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "lat.h"
#include <zstd.h>

#include "lossy/hyper_codec.h"
#include "lossy/latent_ac.h"
#include "lossy/lossy.h"
#include "lossy/lossy_latents.h"
#include "lossy/lossy_model.h"
#include "lossy/lossy_net.h"
#include "lossy/lossy_refine.h"

#define PARAMS_VERSION 1
#define PARAMS_VERSION_RANGE 2   /* may use group format 4 */
#define PARAMS_VERSION_RANGE5 3  /* may use group formats 4 and 5 */
#define PARAMS_VERSION_LEVEL 4   /* formats 0..5, and the level position in bytes 14-15 */
/* Byte offsets of the params stream, docs/FORMAT.md section 4.2. */
enum {
    PARAMS_OFF_VERSION = 0,        /* u8 */
    PARAMS_OFF_QUALITY = 1,        /* u8 */
    PARAMS_OFF_CHANNELS = 2,       /* u16 */
    PARAMS_OFF_HEIGHT = 4,         /* u32, latent rows */
    PARAMS_OFF_WIDTH = 8,          /* u32, latent columns */
    PARAMS_OFF_GROUPS = 12,        /* u8 */
    PARAMS_OFF_FLAGS = 13,         /* u8 */
    PARAMS_OFF_LEVEL = 14,         /* i16, version 4; 0 before */
    PARAMS_FIXED = 16,             /* bytes before the channel order */
};
#define FLAG_ORDER 1u              /* params flag: explicit channel order */
enum { FMT_INT8 = 0, FMT_INT16 = 1, FMT_BIN_INT8 = 2, FMT_BIN_INT16 = 3, FMT_RANGE4 = 4,
       FMT_RANGE = 5 };
#define ZSTD_FRAME_COST 9   /* frame and block headers of a stored zstd frame */

/* Empirical entropy of a channel in bits per element (histogram clamped to
 * [-64, 64]: only used to rank channels). */
static double channel_entropy(const int32_t *q, size_t n)
{
    uint32_t hist[129] = {0};
    for (size_t i = 0; i < n; i++) {
        int v = q[i] < -64 ? -64 : (q[i] > 64 ? 64 : q[i]);
        hist[v + 64]++;
    }
    double h = 0;
    for (int i = 0; i < 129; i++)
        if (hist[i]) {
            double p = (double)hist[i] / n;
            h -= p * log2(p);
        }
    return h;
}

typedef struct Ranked {
    double entropy;
    int channel;
} Ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const Ranked *x = a, *y = b;
    if (x->entropy != y->entropy)
        return x->entropy < y->entropy ? -1 : 1;
    return x->channel - y->channel;
}

static int order_bytes(int channels) { return channels <= 256 ? 1 : 2; }

/* The group's channel planes in coding order. */
static int group_planes(const LossyLatents *lat, const int *order, const uint8_t *code, int group,
                        const int32_t **planes)
{
    const size_t hw = (size_t)lat->h * lat->w;
    int n = 0;
    for (int r = 0; r < lat->c; r++)
        if (code[order[r]] == group)
            planes[n++] = lat->q + (size_t)order[r] * hw;
    return n;
}

/* zstd's size for a buffer at the level the container will use. */
static size_t zstd_size(const uint8_t *data, size_t size, int level)
{
    size_t cap = ZSTD_compressBound(size);
    void *buf = malloc(cap);
    size_t z = buf ? ZSTD_compress(buf, cap, data, size, level) : 0;
    free(buf);
    return (!buf || ZSTD_isError(z)) ? SIZE_MAX / 4 : z + ZSTD_FRAME_COST;
}

static int is_range(int fmt) { return fmt == FMT_RANGE4 || fmt == FMT_RANGE; }

/* Values of one group in coding order -> its stream(s). *fmt comes in as
 * the raw or binarized format and may become range-coded (opt->coder):
 * FMT_RANGE, or FMT_RANGE4 with LATENT_CODER_RANGE4. */
static int push_group(const LossyLatents *lat, const int *order, const uint8_t *code, int group,
                      uint8_t *fmt, int zstd_level, int coder, StreamList *out)
{
    const size_t hw = (size_t)lat->h * lat->w;
    const int32_t **planes = malloc(sizeof *planes * (size_t)lat->c);
    if (!planes)
        return LAT_ERR_OUT_OF_MEMORY;
    const int n = group_planes(lat, order, code, group, planes);
    size_t count = (size_t)n * hw, nonzero = 0;
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < hw; i++)
            nonzero += planes[k][i] != 0;
    uint8_t *ac = NULL;
    size_t ac_size = 0;
    if (*fmt >= FMT_BIN_INT8 && coder != LATENT_CODER_ZSTD) {
        int err = coder == LATENT_CODER_RANGE4
                    ? latent_ac4_encode(planes, n, lat->h, lat->w, &ac, &ac_size)
                    : latent_ac_encode(planes, n, lat->h, lat->w, &ac, &ac_size);
        if (err < 0) {
            free(planes);
            return err;
        }
    }
    const int binarized = *fmt >= FMT_BIN_INT8;
    const size_t width = (*fmt == FMT_INT8 || *fmt == FMT_BIN_INT8) ? 1 : 2;
    const size_t flags_size = binarized ? (count + 7) / 8 : 0;
    const size_t values_size = (binarized ? nonzero : count) * width;
    uint8_t *flags = binarized ? calloc(flags_size ? flags_size : 1, 1) : NULL;
    uint8_t *values = malloc(values_size ? values_size : 1);
    if ((binarized && !flags) || !values) {
        free(planes);
        free(ac);
        free(flags);
        free(values);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    size_t at = 0, v = 0;
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < hw; i++, at++) {
            int32_t x = planes[k][i];
            if (binarized) {
                if (x == 0)
                    continue;
                flags[at >> 3] |= (uint8_t)(1u << (at & 7));
                if (x > 0)
                    x -= 1;   /* non-zero values: 1..n stored as 0..n-1 */
            }
            if (width == 1)
                values[v++] = (uint8_t)(int8_t)x;
            else {
                put_u16(values + v, (uint32_t)(uint16_t)(int16_t)x);
                v += 2;
            }
        }
    }
    free(planes);
    if (ac && (coder == LATENT_CODER_RANGE || coder == LATENT_CODER_RANGE4
               || ac_size + ZSTD_FRAME_COST < zstd_size(flags, flags_size, zstd_level)
                                                  + zstd_size(values, values_size, zstd_level)
                                                  + STREAM_TABLE_ENTRY_SIZE)) {
        free(flags);
        free(values);
        *fmt = coder == LATENT_CODER_RANGE4 ? FMT_RANGE4 : FMT_RANGE;
        /* Range-coder output is incompressible: zstd stores it. */
        return streams_push(out, STREAM_LOSSY_LATENTS, ac, ac_size, 1) < 0 ? LAT_ERR_LIMIT_EXCEEDED
                                                                           : 0;
    }
    free(ac);
    if (binarized && streams_push(out, STREAM_LOSSY_LATENTS, flags, flags_size, zstd_level) < 0) {
        free(values);
        return LAT_ERR_LIMIT_EXCEEDED;
    }
    if (streams_push(out, STREAM_LOSSY_LATENTS, values, values_size, zstd_level) < 0)
        return LAT_ERR_LIMIT_EXCEEDED;
    return 0;
}

int lossy_latents_to_streams(const LossyLatents *lat, int zstd_level, StreamList *out)
{
    LatentCodingOptions o = {LOSSY_DEFAULT_GROUPS, -1, 0, LATENT_CODER_AUTO};
    return lossy_latents_to_streams_opt(lat, zstd_level, &o, out);
}

int lossy_latents_to_streams_opt(const LossyLatents *lat, int zstd_level,
                                 const LatentCodingOptions *opt, StreamList *out)
{
    const int C = lat->c;
    const size_t hw = (size_t)lat->h * lat->w;
    if (C < 1 || C > 65535 || hw == 0 || lat->quality < 0 || lat->quality > 100
        || lat->level < LOSSY_MIN_LEVEL_POSITION * LOSSY_LEVEL_UNIT
        || lat->level > (LOSSY_MAX_LEVELS - 1) * LOSSY_LEVEL_UNIT)
        return LAT_ERR_INVALID_ARGUMENT;
    Ranked *rank = malloc(sizeof *rank * (size_t)C);
    int *order = malloc(sizeof *order * (size_t)C);
    const size_t psize_max = PARAMS_FIXED + 2 * (size_t)C + (size_t)C + LOSSY_MAX_GROUPS;
    uint8_t *params = calloc(1, psize_max);
    if (!rank || !order || !params) {
        free(rank);
        free(order);
        free(params);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    /* Live (not all-zero) channels, ranked by entropy. */
    int live = 0;
    size_t nonzero = 0;
    for (int c = 0; c < C; c++) {
        const int32_t *q = lat->q + (size_t)c * hw;
        size_t nz = 0;
        for (size_t i = 0; i < hw; i++)
            nz += q[i] != 0;
        if (nz) {
            rank[live].entropy = channel_entropy(q, hw);
            rank[live].channel = c;
            live++;
            nonzero += nz;
        }
    }
    qsort(rank, (size_t)live, sizeof *rank, cmp_ranked);
    /* Sorting pays for its order table only when there is enough data
     * (measured: about 2% smaller at ~0.75 bpp, nothing at ~0.07 bpp). */
    const int sorted = opt->order >= 0 ? opt->order : nonzero * 8 >= hw * (size_t)C;
    int r = 0;
    if (sorted) {
        for (int k = 0; k < live; k++)
            order[r++] = rank[k].channel;
        for (int c = 0; c < C; c++) {
            int is_live = 0;
            for (int k = 0; k < live && !is_live; k++)
                is_live = rank[k].channel == c;
            if (!is_live)
                order[r++] = c;
        }
    } else {
        for (int c = 0; c < C; c++)
            order[c] = c;
    }
    free(rank);

    int groups = opt->groups < 1 ? 1 : (opt->groups > LOSSY_MAX_GROUPS ? LOSSY_MAX_GROUPS : opt->groups);
    if (groups > live)
        groups = live;
    uint8_t *p = params + PARAMS_FIXED;
    if (sorted) {
        for (int k = 0; k < C; k++) {
            if (order_bytes(C) == 1)
                *p++ = (uint8_t)order[k];
            else {
                put_u16(p, (uint32_t)order[k]);
                p += 2;
            }
        }
    }
    uint8_t *code = p;   /* per channel: 0 all zero, else group 1..G */
    p += C;
    /* Live channels, in coding order, are cut into `groups` equal runs. */
    int j = 0;
    for (int k = 0; k < C; k++) {
        const int c = order[k];
        const int32_t *q = lat->q + (size_t)c * hw;
        int zero = 1;
        for (size_t i = 0; i < hw && zero; i++)
            zero = q[i] == 0;
        code[c] = zero ? 0 : (uint8_t)(1 + (int64_t)(j++) * groups / live);
    }
    uint8_t *fmt = p;
    p += groups;
    /* The params stream goes first: push it now, fill the formats below. */
    params[PARAMS_OFF_VERSION] = PARAMS_VERSION_LEVEL;
    params[PARAMS_OFF_QUALITY] = (uint8_t)lat->quality;
    put_u16(params + PARAMS_OFF_CHANNELS, (uint32_t)C);
    put_u32(params + PARAMS_OFF_HEIGHT, (uint32_t)lat->h);
    put_u32(params + PARAMS_OFF_WIDTH, (uint32_t)lat->w);
    params[PARAMS_OFF_GROUPS] = (uint8_t)groups;
    params[PARAMS_OFF_FLAGS] = sorted ? FLAG_ORDER : 0;
    put_u16(params + PARAMS_OFF_LEVEL, (uint32_t)(uint16_t)(int16_t)lat->level);
    for (int g = 1; g <= groups; g++) {
        int32_t lo = 0, hi = 0;
        for (int c = 0; c < C; c++)
            if (code[c] == g)
                for (size_t i = 0; i < hw; i++) {
                    int32_t x = lat->q[(size_t)c * hw + i];
                    lo = x < lo ? x : lo;
                    hi = x > hi ? x : hi;
                }
        if (opt->raw)
            fmt[g - 1] = (lo >= -128 && hi <= 127) ? FMT_INT8 : FMT_INT16;
        else
            fmt[g - 1] = (lo >= -128 && hi <= 128) ? FMT_BIN_INT8 : FMT_BIN_INT16;
    }
    const size_t psize = (size_t)(p - params);
    int err = streams_push(out, STREAM_LOSSY_PARAMS, params, psize, zstd_level) < 0
            ? LAT_ERR_LIMIT_EXCEEDED : 0;
    for (int g = 1; g <= groups && !err; g++) {
        err = push_group(lat, order, code, g, &fmt[g - 1], zstd_level, opt->coder, out);
    }
    free(order);
    return err;
}

int lossy_streams_to_latents(const StreamList *in, int channels, uint32_t lh, uint32_t lw,
                             LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    const Stream *params = NULL;
    const Stream *lat_streams[2 * LOSSY_MAX_GROUPS];
    int nlat = 0;
    for (uint32_t i = 0; i < in->count; i++) {
        if (in->s[i].type == STREAM_LOSSY_PARAMS) {
            if (params)
                return LAT_ERR_STREAM_CORRUPT;
            params = &in->s[i];
        } else if (in->s[i].type == STREAM_LOSSY_LATENTS) {
            if (nlat == 2 * LOSSY_MAX_GROUPS)
                return LAT_ERR_STREAM_CORRUPT;
            lat_streams[nlat++] = &in->s[i];
        }
    }
    if (!params || params->size < PARAMS_FIXED)
        return LAT_ERR_STREAM_CORRUPT;
    const uint8_t *p = params->data;
    const int version = p[PARAMS_OFF_VERSION];
    if (version < PARAMS_VERSION || version > PARAMS_VERSION_LEVEL)
        return LAT_ERR_UNSUPPORTED_VERSION;
    const int max_fmt = version >= PARAMS_VERSION_RANGE5 ? FMT_RANGE
                      : version == PARAMS_VERSION_RANGE ? FMT_RANGE4 : FMT_BIN_INT16;
    /* Version 4 records the level position; before, the quality implied it. */
    const int level = version == PARAMS_VERSION_LEVEL
                          ? (int)(int16_t)get_u16(p + PARAMS_OFF_LEVEL) : LOSSY_LEVEL_OF_QUALITY;
    const int quality = p[PARAMS_OFF_QUALITY], C = (int)get_u16(p + PARAMS_OFF_CHANNELS);
    const int groups = p[PARAMS_OFF_GROUPS], flags = p[PARAMS_OFF_FLAGS];
    if (quality > 100 || C != channels || C < 1 || get_u32(p + PARAMS_OFF_HEIGHT) != lh
        || get_u32(p + PARAMS_OFF_WIDTH) != lw || groups > LOSSY_MAX_GROUPS || (flags & ~FLAG_ORDER)
        || (level == LOSSY_LEVEL_OF_QUALITY ? get_u16(p + PARAMS_OFF_LEVEL) != 0
                                            : level < LOSSY_MIN_LEVEL_POSITION * LOSSY_LEVEL_UNIT))
        return LAT_ERR_STREAM_CORRUPT;
    const size_t order_size = (flags & FLAG_ORDER) ? (size_t)C * order_bytes(C) : 0;
    if (params->size != PARAMS_FIXED + order_size + (size_t)C + (size_t)groups)
        return LAT_ERR_STREAM_CORRUPT;
    const size_t hw = (size_t)lh * lw;
    if (hw == 0 || hw > SIZE_MAX / sizeof(int32_t) / (size_t)C)
        return LAT_ERR_LIMIT_EXCEEDED;
    int *order = malloc(sizeof *order * (size_t)C);
    uint8_t *seen = calloc((size_t)C, 1);
    int err = (!order || !seen) ? LAT_ERR_OUT_OF_MEMORY : 0;
    for (int k = 0; k < C && !err; k++) {
        int c = k;
        if (flags & FLAG_ORDER)
            c = order_bytes(C) == 1 ? p[PARAMS_FIXED + k] : (int)get_u16(p + PARAMS_FIXED + 2 * k);
        if (c >= C || seen[c])
            err = LAT_ERR_STREAM_CORRUPT;   /* not a permutation */
        else {
            seen[c] = 1;
            order[k] = c;
        }
    }
    free(seen);
    const uint8_t *code = p + PARAMS_FIXED + order_size, *fmt = code + C;
    /* Per group: its element count, and the index of its first stream. */
    size_t count[LOSSY_MAX_GROUPS] = {0};
    int first[LOSSY_MAX_GROUPS];
    int streams_needed = 0;
    for (int c = 0; c < C && !err; c++) {
        if (code[c] > groups)
            err = LAT_ERR_STREAM_CORRUPT;
        else if (code[c])
            count[code[c] - 1] += hw;
    }
    for (int g = 0; g < groups && !err; g++) {
        if (fmt[g] > max_fmt || count[g] == 0)
            err = LAT_ERR_STREAM_CORRUPT;
        first[g] = streams_needed;
        streams_needed += (fmt[g] == FMT_BIN_INT8 || fmt[g] == FMT_BIN_INT16) ? 2 : 1;
    }
    if (!err && streams_needed != nlat)
        err = LAT_ERR_STREAM_CORRUPT;
    /* Stream sizes: raw groups exactly count*width; binarized flags exactly
     * ceil(count/8) with zero padding bits, values popcount*width. */
    for (int g = 0; g < groups && !err; g++) {
        const size_t width = (fmt[g] == FMT_INT8 || fmt[g] == FMT_BIN_INT8) ? 1 : 2;
        if (is_range(fmt[g])) {
            continue;   /* checked by its decoder */
        } else if (fmt[g] >= FMT_BIN_INT8) {
            const Stream *fs = lat_streams[first[g]], *vs = lat_streams[first[g] + 1];
            if (fs->size != (count[g] + 7) / 8) {
                err = LAT_ERR_STREAM_CORRUPT;
                break;
            }
            size_t ones = 0;
            for (size_t i = 0; i < fs->size; i++)
                ones += (size_t)__builtin_popcount(fs->data[i]);
            if ((count[g] & 7) && (fs->data[fs->size - 1] >> (count[g] & 7)))
                err = LAT_ERR_STREAM_CORRUPT;   /* padding bits must be 0 */
            else if (vs->size != ones * width)
                err = LAT_ERR_STREAM_CORRUPT;
        } else if (lat_streams[first[g]]->size != count[g] * width) {
            err = LAT_ERR_STREAM_CORRUPT;
        }
    }
    if (!err) {
        out->q = calloc((size_t)C * hw, sizeof(int32_t));
        if (!out->q)
            err = LAT_ERR_OUT_OF_MEMORY;
    }
    /* Range-coded groups decode into their channels' planes at once. */
    int32_t **planes = err ? NULL : malloc(sizeof *planes * (size_t)C);
    if (!err && !planes)
        err = LAT_ERR_OUT_OF_MEMORY;
    for (int g = 0; g < groups && !err; g++) {
        if (!is_range(fmt[g]))
            continue;
        int n = 0;
        for (int k = 0; k < C; k++)
            if (code[order[k]] == g + 1)
                planes[n++] = out->q + (size_t)order[k] * hw;
        const Stream *st = lat_streams[first[g]];
        err = fmt[g] == FMT_RANGE
                ? latent_ac_decode(st->data, st->size, planes, n, (int)lh, (int)lw)
                : latent_ac4_decode(st->data, st->size, planes, n, (int)lh, (int)lw);
    }
    free(planes);
    size_t at[LOSSY_MAX_GROUPS] = {0}, vat[LOSSY_MAX_GROUPS] = {0};
    for (int k = 0; k < C && !err; k++) {
        const int c = order[k];
        if (!code[c] || is_range(fmt[code[c] - 1]))
            continue;
        const int g = code[c] - 1;
        const int binarized = fmt[g] >= FMT_BIN_INT8;
        const int wide = fmt[g] == FMT_INT16 || fmt[g] == FMT_BIN_INT16;
        const uint8_t *flags_data = binarized ? lat_streams[first[g]]->data : NULL;
        const uint8_t *vals = lat_streams[first[g] + binarized]->data;
        int32_t *q = out->q + (size_t)c * hw;
        for (size_t i = 0; i < hw; i++, at[g]++) {
            if (binarized && !((flags_data[at[g] >> 3] >> (at[g] & 7)) & 1))
                continue;   /* q[i] stays 0 */
            int32_t x = wide ? (int16_t)get_u16(vals + vat[g]) : (int8_t)vals[vat[g]];
            vat[g] += wide ? 2 : 1;
            if (binarized && x >= 0)
                x += 1;
            if (x < -LOSSY_Q_MAX || x > LOSSY_Q_MAX) {
                err = LAT_ERR_STREAM_CORRUPT;
                break;
            }
            q[i] = x;
        }
    }
    free(order);
    if (err) {
        free(out->q);
        memset(out, 0, sizeof *out);
        return err;
    }
    out->c = C;
    out->h = (int)lh;
    out->w = (int)lw;
    out->quality = quality;
    out->level = level;
    return 0;
}

int lossy_decode_latents(const LossyModel *m, const StreamList *in, uint32_t width,
                         uint32_t height, LossyLatents *out)
{
    memset(out, 0, sizeof *out);
    if (!m || !in || width == 0 || height == 0)
        return LAT_ERR_INVALID_ARGUMENT;
    /* Params version 5: architecture 3's streams. */
    for (uint32_t i = 0; i < in->count; i++)
        if (in->s[i].type == STREAM_LOSSY_PARAMS && in->s[i].size > 0
            && in->s[i].data[0] == LOSSY_PARAMS_VERSION_HYPER)
            return hyper_streams_to_latents(m, in, (height + 15) / 16, (width + 15) / 16, out);
    int err = lossy_streams_to_latents(in, lossy_model_channels(m), (height + 15) / 16,
                                       (width + 15) / 16, out);
    double pos;
    if (!err && lossy_latents_position(m, out, &pos) < 0) {
        lossy_latents_free(out);
        memset(out, 0, sizeof *out);
        return LAT_ERR_STREAM_CORRUPT;   /* a level position the model does not have */
    }
    return err;
}

LossyEncodeOptions lossy_encode_options(int quality)
{
    LossyEncodeOptions o = {quality, LOSSY_LEVEL_OF_QUALITY, 0, 0, NULL, NULL};
    return o;
}

int lossy_encode(const LossyModel *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                 uint32_t channels, int quality, StreamList *out)
{
    const LossyEncodeOptions o = lossy_encode_options(quality);
    return lossy_encode_opt(m, pixels, width, height, channels, &o, out);
}

int lossy_encode_opt(const LossyModel *m, const uint8_t *pixels, uint32_t width,
                     uint32_t height, uint32_t channels, const LossyEncodeOptions *o,
                     StreamList *out)
{
    if (!m || !pixels || !out || !o || o->quality < 0 || o->quality > 100 || o->effort < 0
        || o->effort > LOSSY_MAX_EFFORT)
        return LAT_ERR_INVALID_ARGUMENT;
    if (o->level != LOSSY_LEVEL_OF_QUALITY
        && (o->level < LOSSY_MIN_LEVEL_POSITION * LOSSY_LEVEL_UNIT
            || o->level > (lossy_model_levels(m) - 1) * LOSSY_LEVEL_UNIT))
        return LAT_ERR_INVALID_ARGUMENT;
    if (channels != 1 && channels != 3)
        return LAT_ERR_UNSUPPORTED_IMAGE;
    LossyLatents lat;
    Tensor *y = tensor_new(0, 0, 0, 0);
    int err = y ? lossy_analysis_float(m, pixels, width, height, channels, 0, y)
                : LAT_ERR_OUT_OF_MEMORY;
    if (!err)
        err = lossy_quantize(m, y, o->quality, o->level, &lat);
    if (!err && o->effort > 0 && (err = lossy_refine(m, pixels, width, height, channels, y, o,
                                                     &lat, NULL)) < 0)
        lossy_latents_free(&lat);
    tensor_free(y);
    if (err < 0)
        return err;
    err = lat.zq ? hyper_latents_to_streams(m, &lat, out)
                 : lossy_latents_to_streams(&lat, LOSSY_ZSTD_LEVEL, out);
    lossy_latents_free(&lat);
    return err;
}

int lossy_decode(const LossyModel *m, const StreamList *in, uint32_t width, uint32_t height,
                 uint32_t channels, uint8_t *pixels)
{
    if (!m || !in || !pixels)
        return LAT_ERR_INVALID_ARGUMENT;
    if (channels != 1 && channels != 3)
        return LAT_ERR_UNSUPPORTED_IMAGE;
    LossyLatents lat;
    int err = lossy_decode_latents(m, in, width, height, &lat);
    if (err < 0)
        return err;
    err = lossy_synthesize(m, &lat, width, height, channels, pixels);
    lossy_latents_free(&lat);
    return err;
}
