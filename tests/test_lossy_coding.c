/* Lossy latent coding: streams decode to exactly the latents written
 * (int8 and int16 groups, all-zero channels, both range-coded formats),
 * malformed params and unknown versions are rejected, and
 * lossy_encode/lossy_decode agree with analysis/synthesis on a small
 * random model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "lat.h"
#include "lossy/lossy.h"
#include "lossy/lossy_latents.h"
#include "lossy/lossy_model.h"
#include "lossy/model_file.h"


static void synthetic_latents(LossyLatents *l, Rng *rng)
{
    memset(l, 0, sizeof *l);
    l->c = 12;
    l->h = 5;
    l->w = 7;
    l->quality = 42;
    l->level = 300;   /* 1.17 levels */
    const size_t hw = (size_t)l->h * l->w;
    l->q = calloc((size_t)l->c * hw, sizeof(int32_t));
    for (int c = 0; c < l->c; c++) {
        if (c % 4 == 1)
            continue;   /* all-zero channel */
        double scale = 0.2 + c * 0.8;
        for (size_t i = 0; i < hw; i++)
            l->q[c * hw + i] = (int32_t)(rng_normal(rng) * scale);
    }
    l->q[7 * hw + 3] = 300;      /* forces an int16 group */
    l->q[7 * hw + 4] = -32767;
}

/* Random corruption of every stream (contents and sizes): decoding
 * either succeeds or fails cleanly (ASan checks the reads). */
static void corrupt_and_decode(const StreamList *sl, int channels)
{
    Rng fr;
    rng_seed(&fr, 99);
    LossyLatents back;
    StreamList *copy = calloc(1, sizeof *copy);
    for (int iter = 0; iter < 2000; iter++) {
        copy->count = sl->count;
        for (uint32_t i = 0; i < sl->count; i++) {
            copy->s[i] = sl->s[i];
            copy->s[i].data = malloc(sl->s[i].size + 1);
            memcpy(copy->s[i].data, sl->s[i].data, sl->s[i].size);
        }
        const uint32_t k = rng_u32(&fr) % copy->count;
        Stream *st = &copy->s[k];
        if (rng_u32(&fr) % 4 == 0 && st->size > 0)
            st->size -= 1 + rng_u32(&fr) % st->size;   /* truncate */
        for (int f = 0; f < 3 && st->size > 0; f++)
            st->data[rng_u32(&fr) % st->size] ^= (uint8_t)(1u << (rng_u32(&fr) % 8));
        if (lossy_streams_to_latents(copy, channels, 5, 7, &back) == 0)
            lossy_latents_free(&back);
        else
            CHECK_MSG(back.q == NULL && back.c == 0, "output not zeroed on error");
        streams_free(copy);
    }
    free(copy);
}

/* The range-coded group formats are frozen: integer-only latents (no
 * libm, the same on every machine) must code to the bytes recorded when
 * each format was defined (the latent stream; the params stream has its
 * own version). A change here breaks every file written. */
static void frozen_bitstreams(void)
{
    static const struct {
        int coder;
        uint32_t crc;
    } want[] = {{LATENT_CODER_RANGE4, 0x1ce348d2u}, {LATENT_CODER_RANGE, 0x2d33d5f3u}};
    Rng rng;
    rng_seed(&rng, 77);
    LossyLatents l = {.c = 10, .h = 9, .w = 11, .quality = 63};
    const size_t hw = (size_t)l.h * l.w;
    l.q = calloc((size_t)l.c * hw, sizeof(int32_t));
    for (int c = 0; c < l.c; c++)
        for (size_t i = 0; c % 5 != 2 && i < hw; i++) {
            const uint32_t r = rng_u32(&rng);
            const int32_t mag = r % 5 == 0 ? (int32_t)(r >> 8) % (3 + 4 * c) : (r % 3 == 0);
            l.q[c * hw + i] = r & 0x80000000u ? -mag : mag;
        }
    l.q[3 * hw + 7] = 1000;   /* past the unary bins: the Exp-Golomb escape */
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        StreamList sl = {0};
        LatentCodingOptions o = {1, 0, 0, want[k].coder};
        CHECK_MSG(lossy_latents_to_streams_opt(&l, 1, &o, &sl) == 0 && sl.count == 2, "frozen encode");
        const uint32_t crc = sl.count == 2 ? crc32_update(0, sl.s[1].data, sl.s[1].size) : 0;
        printf("coder %d: %u bytes of latents, crc %08x\n", want[k].coder,
               sl.count == 2 ? (unsigned)sl.s[1].size : 0u, crc);
        CHECK_MSG(crc == want[k].crc, "coder %d bitstream changed: crc %08x, recorded %08x",
              want[k].coder, crc, want[k].crc);
        streams_free(&sl);
    }
    free(l.q);
}

int main(void)
{
    frozen_bitstreams();
    Rng rng;
    rng_seed(&rng, 5);
    LossyLatents lat;
    synthetic_latents(&lat, &rng);
    const size_t total = (size_t)lat.c * lat.h * lat.w;

    StreamList *sl = calloc(1, sizeof *sl);
    /* Every encoder layout: groups, channel order, raw or binarized. */
    for (int groups = 1; groups <= 5; groups += 2)
        for (int order = 0; order <= 1; order++)
            for (int raw = 0; raw <= 1; raw++)
                for (int coder = LATENT_CODER_ZSTD; coder <= LATENT_CODER_RANGE4; coder++) {
                    LatentCodingOptions o = {groups, order, raw, coder};
                    LossyLatents b2;
                    CHECK_MSG(lossy_latents_to_streams_opt(&lat, 1, &o, sl) == 0, "encode layout");
                    const int range = !raw && coder != LATENT_CODER_ZSTD;
                    const int per_group = raw || range ? 1 : 2;
                    CHECK_MSG(sl->count == 1 + (uint32_t)(groups * per_group), "stream count %u", sl->count);
                    CHECK_MSG(sl->s[0].data[0] == 4, "params version %d, expected 4",
                          sl->s[0].data[0]);
                    CHECK_MSG(lossy_streams_to_latents(sl, lat.c, 5, 7, &b2) == 0
                          && memcmp(b2.q, lat.q, total * sizeof(int32_t)) == 0,
                          "layout groups %d order %d raw %d coder %d does not round trip", groups,
                          order, raw, coder);
                    lossy_latents_free(&b2);
                    streams_free(sl);
                }
    CHECK_MSG(lossy_latents_to_streams(&lat, 3, sl) == 0, "encode latents");
    CHECK_MSG(sl->count >= 2 && sl->s[0].type == STREAM_LOSSY_PARAMS, "params stream first");
    LossyLatents back;
    CHECK_MSG(lossy_streams_to_latents(sl, lat.c, 5, 7, &back) == 0, "decode latents");
    CHECK_MSG(back.c == lat.c && back.h == 5 && back.w == 7 && back.quality == 42
          && memcmp(back.q, lat.q, total * sizeof(int32_t)) == 0, "round trip differs");
    lossy_latents_free(&back);

    /* Wrong expectations and corrupted params are errors, never crashes. */
    CHECK_MSG(lossy_streams_to_latents(sl, lat.c + 1, 5, 7, &back) < 0, "channel count mismatch");
    CHECK_MSG(lossy_streams_to_latents(sl, lat.c, 6, 7, &back) < 0, "height mismatch");
    Stream *ps = &sl->s[0];
    for (size_t k = 0; k < ps->size; k++) {
        uint8_t save = ps->data[k];
        for (int v = 0; v < 256; v += 37) {
            ps->data[k] = (uint8_t)v;
            if (lossy_streams_to_latents(sl, lat.c, 5, 7, &back) == 0) {
                /* a harmless edit (e.g. the quality) may still decode */
                CHECK_MSG(back.q != NULL, "decoded without data");
                lossy_latents_free(&back);
            }
        }
        ps->data[k] = save;
    }
    corrupt_and_decode(sl, lat.c);
    for (int coder = LATENT_CODER_RANGE; coder <= LATENT_CODER_RANGE4; coder++) {
        /* The same with range-coded groups (every way a range stream breaks). */
        StreamList *rl = calloc(1, sizeof *rl);
        LatentCodingOptions o = {2, 1, 0, coder};
        CHECK_MSG(lossy_latents_to_streams_opt(&lat, 1, &o, rl) == 0, "encode range-coded");
        corrupt_and_decode(rl, lat.c);
        /* Unknown params versions are refused as such, and a version too
         * old for a group's format is corrupt. */
        uint8_t *version = &rl->s[0].data[0];
        const uint8_t saved = *version;
        *version = 5;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == LAT_ERR_UNSUPPORTED_VERSION,
              "params version 5 not refused as unsupported");
        *version = 0;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == LAT_ERR_UNSUPPORTED_VERSION,
              "params version 0 not refused as unsupported");
        *version = 1;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == LAT_ERR_STREAM_CORRUPT,
              "range-coded group accepted with params version 1");
        /* Version 3 files have no level position: bytes 14-15 must be 0,
         * and the decoder then takes the position from the quality. */
        *version = 3;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == LAT_ERR_STREAM_CORRUPT,
              "version 3 with a level position accepted");
        uint8_t *pos = &rl->s[0].data[14];
        const uint8_t pos0 = pos[0], pos1 = pos[1];
        pos[0] = pos[1] = 0;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == 0
              && back.level == LOSSY_LEVEL_OF_QUALITY, "version 3 level");
        lossy_latents_free(&back);
        *version = 4;
        put_u16(pos, (uint32_t)(uint16_t)(int16_t)(LOSSY_MIN_LEVEL_POSITION * LOSSY_LEVEL_UNIT - 1));
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == LAT_ERR_STREAM_CORRUPT,
              "level position below the minimum accepted");
        pos[0] = pos0;
        pos[1] = pos1;
        *version = saved;
        CHECK_MSG(lossy_streams_to_latents(rl, lat.c, 5, 7, &back) == 0 && back.level == lat.level
              && memcmp(back.q, lat.q, total * sizeof(int32_t)) == 0, "range-coded round trip");
        lossy_latents_free(&back);
        streams_free(rl);
        free(rl);
    }
    size_t save_size = sl->s[1].size;
    sl->s[1].size = save_size - 1;
    CHECK_MSG(lossy_streams_to_latents(sl, lat.c, 5, 7, &back) < 0, "short latent stream");
    sl->s[1].size = save_size;
    sl->count--;
    CHECK_MSG(lossy_streams_to_latents(sl, lat.c, 5, 7, &back) < 0, "missing latent stream");
    sl->count++;
    streams_free(sl);
    lossy_latents_free(&lat);

    /* All-zero latents: no latent streams at all. */
    LossyLatents zero = {.c = 3, .h = 2, .w = 2, .quality = 0};
    zero.q = calloc(12, sizeof(int32_t));
    CHECK_MSG(lossy_latents_to_streams(&zero, 3, sl) == 0 && sl->count == 1, "all-zero latents");
    CHECK_MSG(lossy_streams_to_latents(sl, 3, 2, 2, &back) == 0 && back.q[5] == 0, "all-zero decode");
    lossy_latents_free(&back);
    lossy_latents_free(&zero);
    streams_free(sl);

    /* End to end on a small random model. */
    const float lambdas[2] = {0.01f, 0.1f};
    LossyNet net;
    CHECK_MSG(lossy_net_init(&net, 4, 6, 2, lambdas, 2, &rng) == 0, "net");
    for (size_t i = 0; i < net.gain.n; i++)
        net.gain.v[i] = 4.0f + 0.5f * (float)(i % 3);   /* big gains: non-zero latents */
    uint8_t *file;
    size_t fsize;
    CHECK_MSG(model_file_write(&net, "test-coding", NULL, 0, NULL, &file, &fsize) == 0, "write model");
    lossy_net_free(&net);
    LossyModel *m;
    CHECK_MSG(lossy_model_load(file, fsize, &m) == 0, "load model");
    free(file);
    const uint32_t W = 37, H = 21;
    uint8_t *img = malloc(W * H * 3), *out = malloc(W * H * 3), *out2 = malloc(W * H * 3);
    for (uint32_t i = 0; i < W * H * 3; i++)
        img[i] = (uint8_t)(i * 7 + (i / 3) % 13);
    for (int q = 0; q <= 100; q += 50) {
        LossyLatents a;
        CHECK_MSG(lossy_analyze(m, img, W, H, 3, q, &a) == 0 && a.h == 2 && a.w == 3, "analyze");
        int nonzero = 0;
        for (int i = 0; i < a.c * a.h * a.w; i++)
            nonzero += a.q[i] != 0;
        CHECK_MSG(nonzero > 0, "all latents are zero: the test would not exercise the groups");
        CHECK_MSG(lossy_encode(m, img, W, H, 3, q, sl) == 0, "lossy_encode q=%d", q);
        CHECK_MSG(lossy_decode_latents(m, sl, W, H, &back) == 0
              && memcmp(back.q, a.q, (size_t)a.c * a.h * a.w * 4) == 0, "decoded latents q=%d", q);
        CHECK_MSG(lossy_decode(m, sl, W, H, 3, out) == 0, "lossy_decode");
        CHECK_MSG(lossy_synthesize(m, &a, W, H, 3, out2) == 0 && memcmp(out, out2, W * H * 3) == 0,
              "decode == synthesize(analyze)");
        CHECK_MSG(lossy_decode(m, sl, W, H, 1, out) == 0, "gray decode");
        /* q spans two extrapolated levels below level 0 up to the top. */
        CHECK_MSG(a.level == lossy_quality_level(m, q) && a.level == (int)lround((-2 + 3 * q / 100.0) * 256)
              && back.level == a.level, "level position of q=%d: %d", q, a.level);
        /* A version-3 file (no position) decodes at (L - 1) q / 100. */
        sl->s[0].data[0] = 3;
        uint8_t *lp = sl->s[0].data + 14;
        lp[0] = lp[1] = 0;
        LossyLatents v1 = a;
        v1.level = (int)lround(lossy_level_position_v1(lossy_model_levels(m), q) * 256);
        CHECK_MSG(lossy_decode(m, sl, W, H, 3, out) == 0 && lossy_synthesize(m, &v1, W, H, 3, out2) == 0
              && memcmp(out, out2, W * H * 3) == 0, "version-3 decode at q=%d", q);
        sl->s[0].data[0] = 4;
        /* A position above the model's top level is refused. */
        put_u16(lp, (uint32_t)(uint16_t)(int16_t)(lossy_model_levels(m) - 1) * 256 + 1);
        CHECK_MSG(lossy_decode(m, sl, W, H, 3, out) == LAT_ERR_STREAM_CORRUPT, "level above the top");
        lossy_latents_free(&back);
        lossy_latents_free(&a);
        streams_free(sl);
    }
    /* Tiled passes (bounded memory for large images) match untiled ones
     * exactly (the kernels' fixed order, docs/FORMAT.md 4.1). */
    {
        const uint32_t TW = 150, TH = 101;   /* 10 x 7 latents */
        uint8_t *big = malloc(TW * TH * 3);
        for (uint32_t i = 0; i < TW * TH * 3; i++)
            big[i] = (uint8_t)((i * 13) ^ (i / 97));
        Tensor *a = tensor_new(0, 0, 0, 0), *b = tensor_new(0, 0, 0, 0);
        CHECK_MSG(lossy_analysis_float(m, big, TW, TH, 3, 100, a) == 0
              && lossy_analysis_float(m, big, TW, TH, 3, 3, b) == 0, "analysis");
        double md = 0;
        for (size_t i = 0; i < tensor_count(a); i++)
            md = fmax(md, fabs(a->data[i] - b->data[i]));
        CHECK_MSG(a->h == 7 && a->w == 10 && md == 0, "tiled analysis differs by %g", md);
        LossyLatents tl;
        CHECK_MSG(lossy_analyze(m, big, TW, TH, 3, 70, &tl) == 0, "analyze");
        CHECK_MSG(lossy_synthesis_float(m, &tl, 100, a) == 0 && lossy_synthesis_float(m, &tl, 2, b) == 0,
              "synthesis");
        md = 0;
        for (size_t i = 0; i < tensor_count(a); i++)
            md = fmax(md, fabs(a->data[i] - b->data[i]));
        CHECK_MSG(a->h == 112 && a->w == 160 && md == 0, "tiled synthesis differs by %g", md);
        lossy_latents_free(&tl);
        tensor_free(a);
        tensor_free(b);
        free(big);
    }
    lossy_model_free(m);
    free(img);
    free(out);
    free(out2);
    free(sl);
    if (!check_failures)
        printf("lossy coding tests passed\n");
    return check_report();
}
