/* Lossless mode v1 driver: colour transform, prediction, grouping into
 * streams (encoder) and the exact mirror of it (decoder). */
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "common/bytes.h"
#include "lossless/layout.h"
#include "lossless/lossless.h"
#include "lossless/lossless_v2.h"
#include "lossless/predictor.h"
#include "lossless/tokens.h"

#define PARAMS_VERSION 1
#define LOSSLESS_SAMPLES_PER_GROUP 4096

void lossless_default_tuning(LosslessTuning *t)
{
    t->groups = 16;
    t->transform = 1;
    t->predictor = PREDICTOR_WEIGHTED;
    t->zstd_level = LOSSLESS_ZSTD_LEVEL;
    t->version = LOSSLESS_V3_VERSION;
    t->stripes = 0;
    t->fallback_permille = 1125;
    t->threads = 0;
}

static inline uint32_t group_of(const Layout *L, uint32_t p, uint32_t act)
{
    uint32_t g = 0;
    while (g + 1 < L->groups[p] && act >= L->thresholds[p][g])
        g++;
    return g;
}

static inline uint32_t abs_u32(int32_t v)
{
    return v < 0 ? (uint32_t)(-(int64_t)v) : (uint32_t)v;
}

/* Chroma planes also look at how hard Y (and Cg at Co) was at the same
 * pixel: errors in the planes are correlated. */
static inline uint32_t coupled_activity(const Layout *L, const PlanePredictor *pp,
                                        uint32_t p, uint32_t x, uint32_t act)
{
    if (!L->transform || p == 0 || p > 2)
        return act;
    uint64_t a = (uint64_t)act + abs_u32(pp[0].terr[1][x]);
    if (p == 2)
        a += abs_u32(pp[1].terr[1][x]) / 2;
    return a > UINT32_MAX ? UINT32_MAX : (uint32_t)a;
}

static int predictors_init(const Layout *L, PlanePredictor *pp)
{
    memset(pp, 0, sizeof(PlanePredictor) * MAX_PLANES);
    for (uint32_t p = 0; p < L->planes; p++) {
        int err = predictor_init(&pp[p], L->predictor, L->width, L->lo[p], L->hi[p]);
        if (err < 0)
            return err;
    }
    return LAT_OK;
}

static void predictors_free(PlanePredictor *pp)
{
    for (int p = 0; p < MAX_PLANES; p++)
        predictor_free(&pp[p]);
}

/* ---- encoder ---------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Group thresholds: activity quantiles, so groups hold similar counts;
 * duplicates collapse, which lowers the group count. */
static void choose_thresholds(Layout *L, uint32_t p, const uint32_t *act, size_t n,
                              uint32_t groups)
{
    uint32_t *sorted = malloc(n * sizeof *sorted);
    L->groups[p] = 1;
    if (!sorted || n == 0) {
        free(sorted);
        return;
    }
    memcpy(sorted, act, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u32);
    uint32_t count = 0;
    for (uint32_t g = 1; g < groups; g++) {
        uint32_t t = sorted[(size_t)((double)n * g / groups)];
        if (t == 0 || (count && t <= L->thresholds[p][count - 1]))
            continue;
        L->thresholds[p][count++] = t;
    }
    L->groups[p] = count + 1;
    free(sorted);
}

static void params_write(const Layout *L, ByteBuf *b)
{
    bytebuf_push(b, PARAMS_VERSION);
    bytebuf_push(b, (uint8_t)L->transform);
    bytebuf_push(b, (uint8_t)L->predictor);
    bytebuf_push(b, (uint8_t)L->planes);
    for (uint32_t p = 0; p < L->planes; p++) {
        bytebuf_push(b, (uint8_t)L->groups[p]);
        for (uint32_t g = 0; g + 1 < L->groups[p]; g++) {
            uint8_t t[4];
            put_u32(t, L->thresholds[p][g]);
            for (int k = 0; k < 4; k++)
                bytebuf_push(b, t[k]);
        }
    }
}

static int push_buf(StreamList *out, uint32_t type, ByteBuf *b, int level)
{
    if (b->failed) {
        free(b->data);
        memset(b, 0, sizeof *b);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    int r = streams_push(out, type, b->data, b->size, level);
    memset(b, 0, sizeof *b);
    return r < 0 ? LAT_ERR_LIMIT_EXCEEDED : LAT_OK;
}

static size_t n_bytes(uint32_t width, uint32_t height, uint32_t channels, uint32_t bit_depth)
{
    return (size_t)width * height * channels * (bit_depth / 8);
}

/* Whether the streams from index first on hold more than permille/1000 of
 * the raw samples plus 1 KiB: the container's coded-data limit is twice
 * the raw size, and v1's output is bounded. */
static int v2_too_large(const StreamList *l, uint32_t first, size_t raw, int permille)
{
    size_t total = 0;
    for (uint32_t i = first; i < l->count; i++)
        total += l->s[i].size;
    return total > (uint64_t)raw * (uint32_t)permille / 1000 + 1024;
}

int lossless_encode_tuned(const void *pixels, uint32_t width, uint32_t height,
                          uint32_t channels, uint32_t bit_depth, const LosslessTuning *t,
                          StreamList *out)
{
    if (!pixels || !out || !t || width == 0 || height == 0 || channels < 1 || channels > 4
        || (bit_depth != 8 && bit_depth != 16) || t->groups < 1
        || t->groups > LOSSLESS_MAX_GROUPS || t->predictor < 0 || t->predictor >= PREDICTOR_COUNT
        || (t->version != 1 && t->version != LOSSLESS_V2_VERSION && t->version != LOSSLESS_V3_VERSION)
        || t->stripes < 0
        || t->fallback_permille < 0 || t->fallback_permille > 1125
        || t->threads < 0)
        return LAT_ERR_INVALID_ARGUMENT;
    Layout L;
    layout_init(&L, width, height, channels, bit_depth);
    L.transform = t->transform && channels >= 3;
    L.predictor = t->predictor;
    layout_ranges(&L);
    if (t->version != 1) {
        uint32_t stripes = t->stripes ? (uint32_t)t->stripes : lossless_v2_default_stripes(width, height);
        const uint32_t first = out->count;
        int err = lossless_v2_encode(pixels, &L, t->version, stripes, t->threads, out);
        if (err < 0 || !v2_too_large(out, first, n_bytes(width, height, channels, bit_depth),
                                             t->fallback_permille))
            return err;
        /* Noise-like content: v1 bounds its output, v2 need not. */
        while (out->count > first)
            free(out->s[--out->count].data);
    }

    size_t n = (size_t)width * height;
    PlanePredictor pp[MAX_PLANES];
    int32_t *rows[MAX_PLANES] = {0};
    uint32_t *zs[MAX_PLANES] = {0}, *acts[MAX_PLANES] = {0};
    ByteBuf gb[MAX_PLANES][LOSSLESS_MAX_GROUPS];
    BitWriter extra;
    ByteBuf params;
    memset(gb, 0, sizeof gb);
    memset(&extra, 0, sizeof extra);
    memset(&params, 0, sizeof params);
    int err = predictors_init(&L, pp);
    for (uint32_t p = 0; err >= 0 && p < L.planes; p++) {
        rows[p] = malloc(width * sizeof(int32_t));
        zs[p] = malloc(n * sizeof(uint32_t));
        acts[p] = malloc(n * sizeof(uint32_t));
        if (!rows[p] || !zs[p] || !acts[p])
            err = LAT_ERR_OUT_OF_MEMORY;
    }
    if (err < 0)
        goto done;

    /* Pass 1: predict everything, keep residuals and activities. */
    for (uint32_t y = 0; y < height; y++) {
        row_to_planes(&L, pixels, y, rows);
        for (uint32_t p = 0; p < L.planes; p++) {
            int32_t R = L.hi[p] - L.lo[p] + 1, half = R / 2;
            for (uint32_t x = 0; x < width; x++) {
                uint32_t act;
                int32_t pr = predictor_predict(&pp[p], x, &act);
                int32_t v = rows[p][x];
                int32_t e = v - pr;
                if (e < -half)
                    e += R;
                else if (e > R - half - 1)
                    e -= R;
                size_t i = (size_t)y * width + x;
                zs[p][i] = e >= 0 ? 2u * (uint32_t)e : 2u * (uint32_t)(-e) - 1u;
                predictor_update(&pp[p], x, v);
                acts[p][i] = coupled_activity(&L, pp, p, x, act);
            }
        }
        for (uint32_t p = 0; p < L.planes; p++)
            predictor_next_row(&pp[p]);
    }

    /* Pass 2: group boundaries, then tokens in decoding order. */
    /* Leave room in the container's stream table for params, extra bits,
     * ICC, EXIF and a few more. */
    uint32_t groups = (uint32_t)t->groups;
    if (groups * L.planes > LOSSLESS_MAX_STREAMS - 2)
        groups = (LOSSLESS_MAX_STREAMS - 2) / L.planes;
    /* A group needs enough samples to pay for its Huffman table and frame. */
    if (groups > n / LOSSLESS_SAMPLES_PER_GROUP)
        groups = n / LOSSLESS_SAMPLES_PER_GROUP > 0 ? (uint32_t)(n / LOSSLESS_SAMPLES_PER_GROUP) : 1;
    for (uint32_t p = 0; p < L.planes; p++)
        choose_thresholds(&L, p, acts[p], n, groups);
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t p = 0; p < L.planes; p++) {
            int direct = L.hi[p] - L.lo[p] + 1 <= 256;
            for (uint32_t x = 0; x < width; x++) {
                size_t i = (size_t)y * width + x;
                uint32_t bits;
                int nbits;
                uint8_t tok = token_encode(zs[p][i], direct, &bits, &nbits);
                bytebuf_push(&gb[p][group_of(&L, p, acts[p][i])], tok);
                if (nbits)
                    bitwriter_put(&extra, bits, nbits);
            }
        }
    }
    bitwriter_flush(&extra);

    params_write(&L, &params);
    err = push_buf(out, STREAM_LOSSLESS_PARAMS, &params, t->zstd_level);
    for (uint32_t p = 0; err >= 0 && p < L.planes; p++)
        for (uint32_t g = 0; err >= 0 && g < L.groups[p]; g++)
            err = push_buf(out, STREAM_LOSSLESS_RESIDUAL, &gb[p][g], t->zstd_level);
    if (err >= 0)
        err = push_buf(out, STREAM_LOSSLESS_EXTRA, &extra.buf, t->zstd_level);

done:
    predictors_free(pp);
    for (uint32_t p = 0; p < MAX_PLANES; p++) {
        free(rows[p]);
        free(zs[p]);
        free(acts[p]);
        for (int g = 0; g < LOSSLESS_MAX_GROUPS; g++)
            free(gb[p][g].data);
    }
    free(extra.buf.data);
    free(params.data);
    return err;
}

int lossless_encode(const void *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    uint32_t bit_depth, int threads, StreamList *out)
{
    LosslessTuning t;
    lossless_default_tuning(&t);
    t.threads = threads;
    return lossless_encode_tuned(pixels, width, height, channels, bit_depth, &t, out);
}

/* ---- decoder ---------------------------------------------------------- */

static int params_read(Layout *L, const uint8_t *d, size_t size)
{
    size_t pos = 4;
    if (size < 4 || d[0] != PARAMS_VERSION)
        return LAT_ERR_STREAM_CORRUPT;
    L->transform = d[1];
    L->predictor = d[2];
    if (L->transform > 1 || (L->transform && L->channels < 3) || L->predictor >= PREDICTOR_COUNT
        || d[3] != L->channels)
        return LAT_ERR_STREAM_CORRUPT;
    layout_ranges(L);
    for (uint32_t p = 0; p < L->planes; p++) {
        if (pos >= size)
            return LAT_ERR_STREAM_CORRUPT;
        L->groups[p] = d[pos++];
        if (L->groups[p] < 1 || L->groups[p] > LOSSLESS_MAX_GROUPS
            || size - pos < 4 * (size_t)(L->groups[p] - 1))
            return LAT_ERR_STREAM_CORRUPT;
        for (uint32_t g = 0; g + 1 < L->groups[p]; g++, pos += 4) {
            L->thresholds[p][g] = get_u32(d + pos);
            if (g && L->thresholds[p][g] <= L->thresholds[p][g - 1])
                return LAT_ERR_STREAM_CORRUPT;
        }
    }
    return pos == size ? LAT_OK : LAT_ERR_STREAM_CORRUPT;
}

typedef struct Cursor {
    const uint8_t *data;
    size_t size, pos;
} Cursor;

int lossless_decode(const StreamList *in, uint32_t width, uint32_t height, uint32_t channels,
                    uint32_t bit_depth, int threads, void *pixels)
{
    if (!in || !pixels || width == 0 || height == 0 || channels < 1 || channels > 4
        || (bit_depth != 8 && bit_depth != 16) || threads < 0)
        return LAT_ERR_INVALID_ARGUMENT;
    Layout L;
    layout_init(&L, width, height, channels, bit_depth);

    /* Streams: one params, the residual groups in order, one extra. */
    const Stream *params = NULL, *extra_s = NULL;
    const Stream *resid[MAX_PLANES * LOSSLESS_MAX_GROUPS];
    uint32_t nresid = 0;
    for (uint32_t i = 0; i < in->count; i++) {
        const Stream *s = &in->s[i];
        if (s->type == STREAM_LOSSLESS_PARAMS) {
            if (params)
                return LAT_ERR_STREAM_CORRUPT;
            params = s;
        } else if (s->type == STREAM_LOSSLESS_EXTRA) {
            if (extra_s)
                return LAT_ERR_STREAM_CORRUPT;
            extra_s = s;
        } else if (s->type == STREAM_LOSSLESS_RESIDUAL) {
            if (nresid == MAX_PLANES * LOSSLESS_MAX_GROUPS)
                return LAT_ERR_STREAM_CORRUPT;
            resid[nresid++] = s;
        }
    }
    if (params && params->size > 0
        && (params->data[0] == LOSSLESS_V2_VERSION || params->data[0] == LOSSLESS_V3_VERSION))
        return extra_s ? LAT_ERR_STREAM_CORRUPT
                       : lossless_v2_decode(&L, params, resid, nresid, threads, pixels);
    if (!params || !extra_s)
        return LAT_ERR_STREAM_CORRUPT;
    int err = params_read(&L, params->data, params->size);
    if (err < 0)
        return err;
    Cursor cur[MAX_PLANES][LOSSLESS_MAX_GROUPS];
    uint32_t k = 0;
    for (uint32_t p = 0; p < L.planes; p++)
        for (uint32_t g = 0; g < L.groups[p]; g++, k++) {
            if (k >= nresid)
                return LAT_ERR_STREAM_CORRUPT;
            cur[p][g].data = resid[k]->data;
            cur[p][g].size = resid[k]->size;
            cur[p][g].pos = 0;
        }
    if (k != nresid)
        return LAT_ERR_STREAM_CORRUPT;
    /* One token per sample: check the total before any work. */
    uint64_t tokens = 0;
    for (uint32_t i = 0; i < nresid; i++)
        tokens += resid[i]->size;
    if (tokens != (uint64_t)width * height * L.planes)
        return LAT_ERR_STREAM_CORRUPT;
    BitReader br;
    bitreader_init(&br, extra_s->data, extra_s->size);

    PlanePredictor pp[MAX_PLANES];
    int32_t *rows[MAX_PLANES] = {0};
    err = predictors_init(&L, pp);
    for (uint32_t p = 0; err >= 0 && p < L.planes; p++) {
        rows[p] = malloc(width * sizeof(int32_t));
        if (!rows[p])
            err = LAT_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t y = 0; err >= 0 && y < height; y++) {
        for (uint32_t p = 0; err >= 0 && p < L.planes; p++) {
            int32_t R = L.hi[p] - L.lo[p] + 1;
            int direct = R <= 256;
            for (uint32_t x = 0; x < width; x++) {
                uint32_t act;
                int32_t pr = predictor_predict(&pp[p], x, &act);
                act = coupled_activity(&L, pp, p, x, act);
                Cursor *c = &cur[p][group_of(&L, p, act)];
                if (c->pos >= c->size) {
                    err = LAT_ERR_STREAM_CORRUPT;
                    break;
                }
                uint32_t z = c->data[c->pos++];
                if (!direct && z >= TOKEN_DIRECT_LIMIT) {
                    uint32_t tk = z - TOKEN_DIRECT_LIMIT;
                    int nl = 7 + (int)(tk / 8);
                    if (nl > TOKEN_MAX_LOG2) {
                        err = LAT_ERR_STREAM_CORRUPT;
                        break;
                    }
                    z = (1u << nl) | ((tk & 7) << (nl - 3)) | bitreader_get(&br, nl - 3);
                }
                if (z >= (uint32_t)R) {
                    err = LAT_ERR_STREAM_CORRUPT;
                    break;
                }
                int32_t e = (z & 1) ? -(int32_t)((z + 1) / 2) : (int32_t)(z / 2);
                int32_t v = pr + e;
                if (v < L.lo[p])
                    v += R;
                else if (v > L.hi[p])
                    v -= R;
                rows[p][x] = v;
                predictor_update(&pp[p], x, v);
            }
        }
        if (err >= 0)
            err = planes_to_row(&L, rows, y, pixels);
        for (uint32_t p = 0; p < L.planes; p++)
            predictor_next_row(&pp[p]);
    }
    /* Every byte must have been used: leftovers mean a corrupt file. */
    for (uint32_t p = 0; err >= 0 && p < L.planes; p++)
        for (uint32_t g = 0; g < L.groups[p]; g++)
            if (cur[p][g].pos != cur[p][g].size)
                err = LAT_ERR_STREAM_CORRUPT;
    if (err >= 0 && (br.overrun || br.size - br.pos != 0 || br.acc != 0))
        err = LAT_ERR_STREAM_CORRUPT;
    predictors_free(pp);
    for (uint32_t p = 0; p < MAX_PLANES; p++)
        free(rows[p]);
    return err;
}

/* ---- packed form (one buffer) ----------------------------------------- */

int lossless_encode_packed(const void *pixels, uint32_t width, uint32_t height,
                           uint32_t channels, uint32_t bit_depth, int threads, uint8_t **out,
                           size_t *out_size)
{
    if (!out || !out_size)
        return LAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    StreamList *l = calloc(1, sizeof *l);
    if (!l)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = lossless_encode(pixels, width, height, channels, bit_depth, threads, l);
    size_t total = 4;
    for (uint32_t i = 0; i < l->count; i++)
        total += 8 + l->s[i].size;
    uint8_t *buf = err < 0 ? NULL : malloc(total);
    if (err >= 0 && !buf)
        err = LAT_ERR_OUT_OF_MEMORY;
    if (err >= 0) {
        size_t pos = 4;
        put_u32(buf, l->count);
        for (uint32_t i = 0; i < l->count; i++) {
            put_u32(buf + pos, l->s[i].type);
            put_u32(buf + pos + 4, (uint32_t)l->s[i].size);
            if (l->s[i].size)
                memcpy(buf + pos + 8, l->s[i].data, l->s[i].size);
            pos += 8 + l->s[i].size;
        }
        *out = buf;
        *out_size = total;
    }
    streams_free(l);
    free(l);
    return err;
}

int lossless_decode_packed(const uint8_t *data, size_t size, uint32_t width, uint32_t height,
                           uint32_t channels, uint32_t bit_depth, int threads, void *pixels)
{
    if (!data && size)
        return LAT_ERR_INVALID_ARGUMENT;
    if (size < 4)
        return LAT_ERR_STREAM_CORRUPT;
    uint32_t count = get_u32(data);
    if (count > STREAMS_MAX)
        return LAT_ERR_STREAM_CORRUPT;
    /* The list borrows the bytes: data is const, the decoder only reads. */
    StreamList *l = calloc(1, sizeof *l);
    if (!l)
        return LAT_ERR_OUT_OF_MEMORY;
    size_t pos = 4;
    int err = LAT_OK;
    for (uint32_t i = 0; i < count; i++) {
        if (size - pos < 8) {
            err = LAT_ERR_STREAM_CORRUPT;
            break;
        }
        uint32_t type = get_u32(data + pos), len = get_u32(data + pos + 4);
        pos += 8;
        if (len > size - pos) {
            err = LAT_ERR_STREAM_CORRUPT;
            break;
        }
        Stream *s = &l->s[l->count++];
        s->type = type;
        s->data = (uint8_t *)(uintptr_t)(data + pos);
        s->size = len;
        pos += len;
    }
    if (err >= 0 && pos != size)
        err = LAT_ERR_STREAM_CORRUPT;
    if (err >= 0)
        err = lossless_decode(l, width, height, channels, bit_depth, threads, pixels);
    free(l);   /* not streams_free: the data is borrowed */
    return err;
}
