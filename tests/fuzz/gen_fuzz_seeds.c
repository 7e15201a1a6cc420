/* Regenerates the generated part of testvectors/fuzz-corpus/ (not a test;
 * the output is committed and deterministic):
 *
 *   gen_fuzz_seeds TESTVECTORS_DIR
 *
 *   fuzz-corpus/tiny.latm          the tiny random lossy model (N=4, M=4,
 *                                  2 levels) that fuzz_decode loads
 *   fuzz-corpus/model/             model-file seeds (a checkpoint with
 *                                  optimizer state, another N/M)
 *   fuzz-corpus/decode/lossy-*.lat lossy files made with tiny.latm
 *   fuzz-corpus/decode/lats-*      "LATS" raw-stream seeds (fuzz_decode.c)
 *                                  from those and from testvectors/lat/
 *   fuzz-corpus/decode/lossless-v3-*.lat  testvectors/lat/ images
 *                                  re-encoded by lossless mode v3 (the
 *                                  lossless-v2-* seeds, written by the
 *                                  v2 encoder, are kept as they are)
 *   fuzz-corpus/roundtrip/         fuzz_lossless_roundtrip seeds
 *   fuzz-corpus/imageio/           small PGM/PPM seeds
 *   invalid/<the files testvectors/invalid/README.md says come from here>
 *                                  hostile .lat files (model hash, stream
 *                                  table, totals, lossy streams) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "container/container.h"
#include "lossy/lossy.h"
#include "lossy/lossy_latents.h"
#include "lossy/lossy_net.h"
#include "lossy/model_file.h"
#include "nn/nn.h"

static const char *tv;

static void write_file(const char *sub, const char *name, const uint8_t *d, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz-corpus/%s%s%s", tv, sub, *sub ? "/" : "", name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[1 << 20];
    *size = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *d = malloc(*size);
    memcpy(d, buf, *size);
    return d;
}

static void model(const char *sub, const char *name, const char *id, int n, int m, int levels,
                  int prior_sets, uint64_t seed, int with_opt)
{
    LossyNet net;
    Rng rng;
    rng_seed(&rng, seed);
    float lambdas[4] = {0.002f, 0.01f, 0.05f, 0.2f};
    if (lossy_net_init(&net, n, m, levels, lambdas, prior_sets, &rng) < 0)
        exit(1);
    ModelOptState opt = {0};
    if (with_opt) {
        opt.count = lossy_net_param_count(&net);
        opt.adam_t = 12;
        opt.m = calloc(opt.count, sizeof(float));
        opt.v = calloc(opt.count, sizeof(float));
        for (size_t i = 0; i < opt.count; i++) {
            opt.m[i] = 0.001f * (float)(i % 7);
            opt.v[i] = 0.0001f * (float)(i % 5);
        }
    }
    uint8_t *buf;
    size_t size;
    if (model_file_write(&net, id, "fuzz seed", 12, with_opt ? &opt : NULL, &buf, &size) < 0)
        exit(1);
    write_file(sub, name, buf, size);
    free(buf);
    free(opt.m);
    free(opt.v);
    lossy_net_free(&net);
}

/* Writes a .lat's streams, raw, in the LATS layout of fuzz_decode.c. */
static void lats_seed(const char *name, const uint8_t *file, size_t size)
{
    static const uint32_t types[] = {1, 2, 3, 16, 17, 32, 33, 48};
    LatHeader h;
    StreamList *l = calloc(1, sizeof *l);
    if (container_read(file, size, 0, &h, l) < 0 || h.width > 65535 || h.height > 65535)
        exit(1);
    size_t cap = 13;
    for (uint32_t i = 0; i < l->count; i++)
        cap += 3 + l->s[i].size;
    uint8_t *d = malloc(cap);
    memcpy(d, "LATS", 4);
    d[4] = (uint8_t)h.mode;
    d[5] = (uint8_t)h.channels;
    d[6] = (uint8_t)h.bit_depth;
    d[7] = (uint8_t)(h.quality < 0 ? 0 : h.quality);
    put_u16(d + 8, h.width);
    put_u16(d + 10, h.height);
    d[12] = 0;
    size_t pos = 13;
    for (uint32_t i = 0; i < l->count; i++) {
        uint8_t sel = 0;
        while (types[sel] != l->s[i].type)
            sel++;
        if (l->s[i].size > 65535)
            exit(1);
        d[pos] = sel;
        put_u16(d + pos + 1, (uint32_t)l->s[i].size);
        memcpy(d + pos + 3, l->s[i].data, l->s[i].size);
        pos += 3 + l->s[i].size;
    }
    write_file("decode", name, d, pos);
    free(d);
    streams_free(l);
    free(l);
}

static void fix_header_crc(uint8_t *d)
{
    size_t hs = LAT_HEADER_FIXED_SIZE + (size_t)get_u32(d + 72) * LAT_TABLE_ENTRY_SIZE + 4;
    put_u32(d + hs - 4, crc32_update(0, d, hs - 4));
}

static void write_invalid(const char *name, const uint8_t *d, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/invalid/%s", tv, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* Lossy streams of the hand-made 33x20 RGB file with the tiny model:
 * params (latents 4x2x3; channel 1 zero; groups {0, 3} int8, {2} int16). */
static StreamList *handmade_lossy_streams(int latent_height, size_t g2_size)
{
    StreamList *l = calloc(1, sizeof *l);
    uint8_t *params = calloc(1, 22);
    params[0] = 1;
    params[1] = 70;
    put_u16(params + 2, 4);
    put_u32(params + 4, (uint32_t)latent_height);
    put_u32(params + 8, 3);
    params[12] = 2;
    params[16] = 1, params[17] = 0, params[18] = 2, params[19] = 1;
    params[20] = 0, params[21] = 1;
    uint8_t *g1 = malloc(12), *g2 = malloc(12);
    for (int i = 0; i < 12; i++) {
        g1[i] = (uint8_t)(int8_t)(i % 5 - 2);
        g2[i] = (uint8_t)(i % 2 ? 0xff : i * 3);   /* int16 LE: small +-values */
    }
    streams_push(l, STREAM_LOSSY_PARAMS, params, 22, 19);
    streams_push(l, STREAM_LOSSY_LATENTS, g1, 12, 19);
    streams_push(l, STREAM_LOSSY_LATENTS, g2, g2_size, 19);
    return l;
}

static uint8_t *handmade_lossy_file(const LatHeader *h, int latent_height, size_t g2_size,
                                    size_t *size)
{
    StreamList *l = handmade_lossy_streams(latent_height, g2_size);
    uint8_t *file;
    if (container_write(h, l, &file, size) < 0)
        exit(1);
    streams_free(l);
    free(l);
    return file;
}

/* Hostile files for the categories of issue 7 that gen_testvectors does not
 * make; each is listed in testvectors/invalid/README.md with its error. */
static void hostile_vectors(const LatHeader *lossy)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lat/kodim-crop-rgb8.lat", tv);
    size_t n;
    uint8_t *base = read_file(path, &n), *g = malloc(n + 64);
    if (!base)
        exit(1);
    const size_t tab = LAT_HEADER_FIXED_SIZE;
    const uint32_t count = get_u32(base + 72);
    const size_t hs = tab + (size_t)count * LAT_TABLE_ENTRY_SIZE + 4;

    memcpy(g, base, n); put_u32(g + 28, 0); fix_header_crc(g);
    write_invalid("zero-height.lat", g, n);
    memcpy(g, base, n); g[12] = 12; fix_header_crc(g);
    write_invalid("bad-bit-depth.lat", g, n);
    memcpy(g, base, n); g[32 + 5] = 'x'; fix_header_crc(g);   /* id after its NUL */
    write_invalid("model-id-garbage.lat", g, n);
    write_invalid("truncated-in-table.lat", base, tab + LAT_TABLE_ENTRY_SIZE + 10);
    /* The table points outside the file: the last frame one byte longer
     * than the file, and sizes that wrap around 2^64 when added. */
    memcpy(g, base, n);
    size_t last = tab + (size_t)(count - 1) * LAT_TABLE_ENTRY_SIZE;
    put_u64(g + last + 8, get_u64(g + last + 8) + 1); fix_header_crc(g);
    write_invalid("last-stream-past-end.lat", g, n);
    memcpy(g, base, n);
    put_u64(g + tab + 8, 16); put_u64(g + tab + LAT_TABLE_ENTRY_SIZE + 8, UINT64_MAX - 8);
    fix_header_crc(g);
    write_invalid("stream-sizes-wrap.lat", g, n);
    /* A frame CRC in the table that does not match the frame (header CRC
     * fixed): wrong checksum. */
    memcpy(g, base, n); g[tab + 4] ^= 0x20; fix_header_crc(g);
    write_invalid("bad-frame-crc.lat", g, n);
    /* A bit flipped inside a frame, with both CRCs recomputed: only zstd's
     * own content checksum or the decoder can catch it. */
    memcpy(g, base, n);
    g[hs + get_u64(base + tab + 8) + 12] ^= 0x04;
    put_u32(g + tab + LAT_TABLE_ENTRY_SIZE + 4,
            crc32_update(0, g + hs + get_u64(base + tab + 8), get_u64(base + tab + LAT_TABLE_ENTRY_SIZE + 8)));
    fix_header_crc(g);
    write_invalid("bitflip-crc-fixed.lat", g, n);
    /* Decompression bombs: every raw size within its own limit, the sum
     * above it (coded data), and three 16 MiB ICC streams (metadata). */
    {
        LatHeader h;
        StreamList *l = calloc(1, sizeof *l);
        if (container_read(base, n, 0, &h, l) < 0)
            exit(1);
        uint64_t lim = container_raw_limit(&h, STREAM_LOSSLESS_RESIDUAL);
        streams_free(l);
        free(l);
        memcpy(g, base, n);
        put_u64(g + tab + 16, lim - 100);
        put_u64(g + tab + LAT_TABLE_ENTRY_SIZE + 16, lim - 100);
        fix_header_crc(g);
        write_invalid("streams-total-too-large.lat", g, n);
        memcpy(g, base, n);
        for (int i = 0; i < 3; i++) {
            put_u32(g + tab + (size_t)i * LAT_TABLE_ENTRY_SIZE, STREAM_ICC);
            put_u64(g + tab + (size_t)i * LAT_TABLE_ENTRY_SIZE + 16, 16u << 20);
        }
        fix_header_crc(g);
        write_invalid("metadata-total-too-large.lat", g, n);
    }
    free(base);
    free(g);

    /* Lossy, decoded with the tiny model. */
    LatHeader h = *lossy;
    h.model_hash ^= 1;
    uint8_t *f = handmade_lossy_file(&h, 2, 12, &n);
    write_invalid("wrong-model-hash.lat", f, n);
    free(f);
    f = handmade_lossy_file(lossy, 3, 12, &n);
    write_invalid("lossy-bad-latent-shape.lat", f, n);
    free(f);
    f = handmade_lossy_file(lossy, 2, 11, &n);
    write_invalid("lossy-short-latents.lat", f, n);
    free(f);
    h = *lossy;
    h.bit_depth = 16;
    f = handmade_lossy_file(&h, 2, 12, &n);
    write_invalid("lossy-16-bit.lat", f, n);
    free(f);
}

/* LATS seeds with range-coded latent groups (formats 5 and 4) for the tiny
 * model: its own latents quantize to 0, so these are synthetic, small
 * integers with a few large ones (the Exp-Golomb escape), in 1 or 2 groups,
 * with and without a channel order. */
static void range_coded_seeds(int channels)
{
    static const int dims[][2] = {{48, 32}, {40, 24}, {20, 13}, {64, 64}};
    Rng rng;
    rng_seed(&rng, 3);
    for (int d = 0; d < 4; d++)
        for (int coder = LATENT_CODER_RANGE; coder <= LATENT_CODER_RANGE4; coder++)
            for (int spread = 1; spread <= 9; spread += 4) {
                const int w = dims[d][0], h = dims[d][1];
                LossyLatents l = {.c = channels, .h = (h + 15) / 16, .w = (w + 15) / 16,
                                  .quality = 20 * d};
                const size_t n = (size_t)channels * l.h * l.w;
                l.q = calloc(n, sizeof(int32_t));
                for (size_t i = 0; i < n; i++)
                    if (rng_u32(&rng) % 3 == 0)
                        l.q[i] = (int32_t)(rng_u32(&rng) % (2 * spread + 1)) - spread;
                if (spread > 5)
                    l.q[0] = 700;
                StreamList sl = {0};
                LatentCodingOptions o = {1 + d % 2, d % 2, 0, coder};
                if (!l.q || lossy_latents_to_streams_opt(&l, 1, &o, &sl) < 0)
                    exit(1);
                static uint8_t rec[13 + 2 * (3 + 65535)];
                memcpy(rec, "LATS", 4);
                rec[4] = LAT_MODE_LOSSY;
                rec[5] = 3;
                rec[6] = 8;
                rec[7] = (uint8_t)l.quality;
                put_u16(rec + 8, (uint32_t)w);
                put_u16(rec + 10, (uint32_t)h);
                rec[12] = 0;
                size_t pos = 13;
                for (uint32_t i = 0; i < sl.count && i < 2; i++) {
                    rec[pos] = sl.s[i].type == STREAM_LOSSY_PARAMS ? 5 : 6;   /* fuzz_decode.c */
                    put_u16(rec + pos + 1, (uint32_t)sl.s[i].size);
                    memcpy(rec + pos + 3, sl.s[i].data, sl.s[i].size);
                    pos += 3 + sl.s[i].size;
                }
                char name[64];
                snprintf(name, sizeof name, "lats-lossy-range%d-%dx%d-s%d",
                         coder == LATENT_CODER_RANGE ? 5 : 4, w, h, spread);
                write_file("decode", name, rec, pos);
                streams_free(&sl);
                free(l.q);
            }
}

static void lossy_seed(LatContext *c, const char *name, uint32_t w, uint32_t h, uint32_t ch,
                       uint32_t depth)
{
    size_t n = (size_t)w * h * ch;
    uint8_t *px = malloc(n * (depth / 8));
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)((i / ch % w) * 9 + (i / ch / w) * 5 + (i % ch) * 50) & 255;
        if (depth == 8)
            px[i] = (uint8_t)v;
        else
            ((uint16_t *)px)[i] = (uint16_t)(v * 257);
    }
    LatImage img = {w, h, ch, depth, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file;
    size_t size;
    if (lat_encode(c, &img, &file, &size) < 0)
        exit(1);
    char fn[128];
    snprintf(fn, sizeof fn, "lossy-%s.lat", name);
    write_file("decode", fn, file, size);
    snprintf(fn, sizeof fn, "lats-lossy-%s", name);
    lats_seed(fn, file, size);
    lat_free(file);
    free(px);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_fuzz_seeds TESTVECTORS_DIR\n");
        return 2;
    }
    tv = argv[1];
    /* Architecture 1 (one shared prior) for the files made before
     * architecture 2, whose hashes the other seeds and vectors record. */
    model("", "tiny.latm", "fuzz-tiny", 4, 4, 2, 1, 7, 0);
    model("model", "checkpoint-n3m5.latm", "fuzz-ckpt", 3, 5, 1, 1, 8, 1);
    model("model", "n2m2-l4.latm", "fuzz-l4", 2, 2, 4, 1, 9, 0);
    model("model", "n2m2-l4-arch2.latm", "fuzz-l4", 2, 2, 4, 4, 9, 0);

    char path[4096];
    snprintf(path, sizeof path, "%s/fuzz-corpus/tiny.latm", tv);
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = path;
    s.quality = 60;
    LatContext *c;
    if (lat_open(&c, &s) < 0)
        return 1;
    lossy_seed(c, "gray-23x17", 23, 17, 1, 8);
    lat_close(&c);
    s.quality = 100;   /* the random model's latents are mostly 0 below */
    if (lat_open(&c, &s) < 0)
        return 1;
    lossy_seed(c, "rgb-33x20", 33, 20, 3, 8);
    lossy_seed(c, "rgba-16x16", 16, 16, 4, 8);
    lossy_seed(c, "ga16-9x40", 9, 40, 2, 16);
    lat_close(&c);

    /* The random model's latents quantize to 0, so one lossy file is made
     * by hand: 33x20 RGB, latents 4x2x3, channel 1 all zero, groups
     * {0, 3} as int8 and {2} as int16 (docs/FORMAT.md section 4.2). */
    {
        size_t msize;
        uint8_t *mfile = read_file(path, &msize);
        LossyModel *m;
        if (!mfile || lossy_model_load(mfile, msize, &m) < 0)
            return 1;
        LatHeader h = {0};
        h.mode = LAT_MODE_LOSSY;
        h.width = 33;
        h.height = 20;
        h.channels = 3;
        h.bit_depth = 8;
        h.quality = 70;
        snprintf(h.model_id, sizeof h.model_id, "%s", lossy_model_id(m));
        h.model_hash = lossy_model_hash(m);
        const int tiny_m = lossy_model_channels(m);
        lossy_model_free(m);
        free(mfile);
        size_t size;
        uint8_t *file = handmade_lossy_file(&h, 2, 12, &size);
        write_file("decode", "lossy-handmade-rgb-33x20.lat", file, size);
        lats_seed("lats-lossy-handmade-rgb-33x20", file, size);
        free(file);
        range_coded_seeds(tiny_m);
        hostile_vectors(&h);
    }

    const char *lossless[] = {"kodim-crop-rgb8", "kodim-crop-rgba8-icc", "synthetic-ga16"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/lat/%s.lat", tv, lossless[i]);
        size_t size;
        uint8_t *file = read_file(path, &size);
        if (!file)
            return 1;
        char fn[128];
        snprintf(fn, sizeof fn, "lats-%s", lossless[i]);
        lats_seed(fn, file, size);
        /* The same image re-encoded by the current lossless mode (v3). */
        LatSettings ls;
        lat_default_settings(&ls);
        ls.lossless = 1;
        LatContext *lc;
        LatImage img;
        uint8_t *v2;
        size_t v2_size;
        if (lat_open(&lc, &ls) < 0 || lat_decode(lc, file, size, &img) < 0
            || lat_encode(lc, &img, &v2, &v2_size) < 0)
            return 1;
        snprintf(fn, sizeof fn, "lossless-v3-%s.lat", lossless[i]);
        write_file("decode", fn, v2, v2_size);
        snprintf(fn, sizeof fn, "lats-lossless-v3-%s", lossless[i]);
        lats_seed(fn, v2, v2_size);
        lat_free(v2);
        lat_image_free(&img);
        lat_close(&lc);
        free(file);
    }

    /* Round-trip seeds: 4 header bytes (see fuzz_lossless_roundtrip.c),
     * then a metadata length and samples. */
    static const uint8_t shapes[][4] = {
        {15, 9, 0x02, 0},      /* 16x10 RGB 8-bit */
        {5, 30, 0x07, 0},      /* 6x31 RGBA 16-bit */
        {63, 63, 0x80, 0},     /* 128x64 gray */
        {7, 7, 0x19, 40},      /* 8x8 GA, ICC + EXIF */
        {0, 0, 0x23, 3},       /* 1x1 RGBA, strip */
    };
    for (int i = 0; i < 5; i++) {
        uint8_t d[4 + 300];
        memcpy(d, shapes[i], 4);
        for (int k = 0; k < 300; k++)   /* smooth ramps plus a little noise */
            d[4 + k] = (uint8_t)(k / 3 + ((k * 2654435761u) >> 29) + i * 17);
        char fn[32];
        snprintf(fn, sizeof fn, "seed-%d", i);
        write_file("roundtrip", fn, d, sizeof d);
    }

    /* PGM/PPM: maxval 255, a rescaled maxval, 16-bit, comments. */
    static const char *pnm[][2] = {
        {"gray-4x3.pgm", "P5\n4 3\n255\n"},
        {"rgb-3x2-max100.ppm", "P6 3 2 100\n"},
        {"gray16-2x2.pgm", "P5\n# comment\n2 2\n65535\n"},
        {"rgb16-2x1-max1000.ppm", "P6\n2 1\n1000\n"},
    };
    static const size_t pnm_bytes[] = {12, 18, 8, 12};
    for (int i = 0; i < 4; i++) {
        uint8_t d[128];
        size_t hl = strlen(pnm[i][1]);
        memcpy(d, pnm[i][1], hl);
        for (size_t k = 0; k < pnm_bytes[i]; k++)
            d[hl + k] = (uint8_t)(k * 7 % (i == 1 ? 100 : 256));
        if (i == 3)   /* 16-bit samples <= 1000 */
            for (size_t k = 0; k < pnm_bytes[i]; k += 2)
                d[hl + k] = 3;
        write_file("imageio", pnm[i][0], d, hl + pnm_bytes[i]);
    }
    return 0;
}
