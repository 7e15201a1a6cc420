/* Architecture 3's lossy streams (params version 5): the probability path
 * (h_s, scale indexes, tables, range coder) frozen by a CRC on exact
 * inputs, so that another machine or compiler that computes one bit
 * differently fails here; lossy_encode / lossy_decode agree with analysis
 * and synthesis; the coded size is within 2% of the tables' ideal; damaged
 * streams fail cleanly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/checksum.h"
#include "lat.h"
#include "lossy/hyper_codec.h"
#include "lossy/lossy.h"
#include "lossy/lossy_model.h"
#include "lossy/model_file.h"

/* Weights that are exact multiples of 1/1024 of `scale` (no libm): the
 * same model on every machine. */
static void fill(Param *p, Rng *rng, float scale)
{
    for (size_t i = 0; i < p->n; i++)
        p->v[i] = (float)((int)(rng_u32(rng) % 2049) - 1024) * (scale / 1024.0f);
}

static LossyModel *tiny_model(uint32_t seed)
{
    const float lambdas[3] = {0.005f, 0.02f, 0.08f};
    Rng rng;
    rng_seed(&rng, seed);
    LossyNet net;
    if (lossy_net_init(&net, 6, 8, 2, lambdas, 2, &rng) < 0
        || lossy_net_to_hyper(&net, 3, lambdas, &rng) < 0)
        return NULL;
    NetTensor t[LOSSY_MAX_TENSORS];
    const int count = lossy_net_tensors(&net, t);
    for (int i = 0; i < count; i++) {
        const char *n = t[i].name;
        const float scale = strstr(n, "gain") ? 1.0f : strstr(n, "prior") ? 1.0f
                          : strstr(n, "gdn") ? 0.05f : 0.2f;
        fill(t[i].p, &rng, scale);
        if (strstr(n, "beta"))
            for (size_t j = 0; j < t[i].p->n; j++)
                t[i].p->v[j] = 1.0f + fabsf(t[i].p->v[j]);
    }
    for (int l = 0; l < 3; l++)   /* gains growing with the level */
        for (int c = 0; c < 8; c++)
            net.gain.v[l * 8 + c] = 1.0f + 0.5f * l + 0.125f * c;
    uint8_t *file;
    size_t size;
    LossyModel *m = NULL;
    if (model_file_write(&net, "test-hyper", NULL, 0, NULL, &file, &size) == 0) {
        if (lossy_model_load(file, size, &m) < 0)
            m = NULL;
        free(file);
    }
    lossy_net_free(&net);
    return m;
}

/* h_s and the coder on fixed integers: CRC of the scale indexes, the
 * means' bits and the coded bytes. */
static void check_frozen(const LossyModel *m)
{
    LossyLatents lat = {.c = 8, .h = 9, .w = 11, .quality = 60, .level = 300, .zc = 6};
    lat.zh = 3;
    lat.zw = 3;
    const size_t hw = 99, zn = 6 * 9;
    lat.q = malloc(sizeof(int32_t) * 8 * hw);
    lat.zq = malloc(sizeof(int32_t) * zn);
    lat.mean = malloc(sizeof(float) * 8 * hw);
    lat.scale = malloc(8 * hw);
    Rng rng;
    rng_seed(&rng, 77);
    for (size_t i = 0; i < zn; i++)
        lat.zq[i] = (int32_t)(rng_u32(&rng) % 9) - 4;
    lat.zq[5] = 200;   /* an escape */
    CHECK_MSG(hyper_predict(&m->net, lat.zq, 9, 11, 300, lat.scale, lat.mean) == 0, "predict");
    for (size_t i = 0; i < 8 * hw; i++)
        lat.q[i] = (int32_t)(rng_u32(&rng) % 7) - 3;
    lat.q[17] = -5000;
    StreamList *sl = calloc(1, sizeof *sl);
    CHECK_MSG(hyper_latents_to_streams(m, &lat, sl) == 0 && sl->count == 2, "streams");
    uint32_t crc = crc32_update(0, lat.scale, 8 * hw);
    crc = crc32_update(crc, (const uint8_t *)lat.mean, sizeof(float) * 8 * hw);   /* little-endian hosts */
    crc = crc32_update(crc, sl->s[1].data, sl->s[1].size);
    int distinct = 0;
    for (size_t i = 1; i < 8 * hw; i++)
        distinct += lat.scale[i] != lat.scale[0];
    CHECK_MSG(distinct > 0, "all scale indexes equal: the test would not see the scales");
    const uint32_t frozen = 0x773bde28;
    CHECK_MSG(crc == frozen, "probability path CRC %08x, frozen %08x", crc, frozen);
    LossyLatents back;
    CHECK_MSG(hyper_streams_to_latents(m, sl, 9, 11, &back) == 0
                  && memcmp(back.q, lat.q, 4 * 8 * hw) == 0 && memcmp(back.zq, lat.zq, 4 * zn) == 0
                  && memcmp(back.mean, lat.mean, 4 * 8 * hw) == 0,
              "decoded latents");
    lossy_latents_free(&back);
    printf("frozen probability path: CRC %08x, %zu bytes\n", crc, sl->s[1].size);
    streams_free(sl);
    free(sl);
    lossy_latents_free(&lat);
}

static void check_end_to_end(const LossyModel *m)
{
    const uint32_t W = 150, H = 100;
    uint8_t *img = malloc(W * H * 3), *out = malloc(W * H * 3), *out2 = malloc(W * H * 3);
    for (uint32_t y = 0; y < H; y++)
        for (uint32_t x = 0; x < W; x++)
            for (int k = 0; k < 3; k++)
                img[(y * W + x) * 3 + k] = (uint8_t)(128 + 90 * sin(x * 0.07 + k) * cos(y * 0.05));
    StreamList *sl = calloc(1, sizeof *sl);
    for (int q = 0; q <= 100; q += 50) {
        LossyLatents a, back;
        CHECK_MSG(lossy_analyze(m, img, W, H, 3, q, &a) == 0 && a.zq && a.h == 7 && a.w == 10
                      && a.zh == 2 && a.zw == 3,
                  "analyze q=%d", q);
        int nonzero = 0;
        for (int i = 0; i < a.c * a.h * a.w; i++)
            nonzero += a.q[i] != 0;
        CHECK_MSG(nonzero > 0, "all symbols are zero at q=%d", q);
        CHECK_MSG(lossy_encode(m, img, W, H, 3, q, sl) == 0 && sl->s[0].data[0] == 5, "encode");
        CHECK_MSG(lossy_decode_latents(m, sl, W, H, &back) == 0
                      && memcmp(back.q, a.q, (size_t)a.c * a.h * a.w * 4) == 0
                      && memcmp(back.zq, a.zq, (size_t)a.zc * a.zh * a.zw * 4) == 0,
                  "decoded latents q=%d", q);
        const double ideal = hyper_ideal_bits(m, &back);
        const double coded = 8.0 * sl->s[1].size;
        CHECK_MSG(coded <= 1.02 * ideal + 40 && coded >= 0.98 * ideal - 40,
                  "q=%d: coded %.0f bits, ideal %.0f", q, coded, ideal);
        printf("q=%d: %d symbols, coded %.0f bits, ideal %.0f\n", q, a.c * a.h * a.w, coded, ideal);
        CHECK_MSG(lossy_decode(m, sl, W, H, 3, out) == 0 && lossy_synthesize(m, &a, W, H, 3, out2) == 0
                      && memcmp(out, out2, W * H * 3) == 0,
                  "decode == synthesize(analyze) q=%d", q);
        /* Damage: every outcome is a clean error or a decode. */
        Rng fr;
        rng_seed(&fr, (uint64_t)q + 5);
        for (int it = 0; it < 300; it++) {
            Stream *st = &sl->s[rng_u32(&fr) % 2];
            const size_t at = rng_u32(&fr) % st->size;
            const uint8_t save = st->data[at];
            st->data[at] ^= (uint8_t)(1 + rng_u32(&fr) % 255);
            const int e = lossy_decode(m, sl, W, H, 3, out);
            CHECK_MSG(e == 0 || e == LAT_ERR_STREAM_CORRUPT || e == LAT_ERR_UNSUPPORTED_VERSION,
                      "damaged stream: %d", e);
            st->data[at] = save;
        }
        lossy_latents_free(&a);
        lossy_latents_free(&back);
        streams_free(sl);
    }
    free(sl);
    free(img);
    free(out);
    free(out2);
}

int main(void)
{
    LossyModel *m = tiny_model(3);
    CHECK_MSG(m != NULL, "model");
    if (!m)
        return check_report();
    check_frozen(m);
    check_end_to_end(m);
    lossy_model_free(m);
    return check_report();
}
