/* The public API's per-call parameters and one-call pair (codec/lat.c):
 * lat_encode_image at another quality than the context's gives the bytes a
 * context opened at that quality gives, with no second context; strided
 * rows give the bytes of the packed image (lossless and lossy); the
 * convenience lat_encode_rgb / lat_decode_rgb give what the context API
 * gives, gray and 16-bit converted to 8-bit RGB; the encoder effort per call
 * and per context, its seed and progress. Needs the shipped
 * default model (argv[1]). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lat.h"
#include "check.h"

enum { W = 45, H = 29, PAD = 7 };

static void fill(uint8_t *px, uint32_t channels)
{
    for (size_t i = 0; i < (size_t)W * H * channels; i++)
        px[i] = (uint8_t)((i / channels % W) * 5 + (i / channels / W) * 7 + (i % channels) * 60);
}

static int same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && memcmp(a, b, na) == 0;
}

static LatContext *open_at(const char *model, int quality, int lossless)
{
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = model;
    s.quality = quality;
    s.lossless = lossless;
    LatContext *c = NULL;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    return c;
}

/* Another quality per call: the bytes of a context made for it. */
static void check_quality_per_call(const char *model)
{
    static uint8_t px[W * H * 3];
    fill(px, 3);
    LatImage img = {W, H, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    LatContext *c = open_at(model, 75, 0);
    uint8_t *first, *at30, *again, *ref30, *ref75;
    size_t n_first, n30, n_again, nref30, nref75;
    CHECK_ERR(lat_encode(c, &img, &first, &n_first), LAT_OK);
    LatEncodeParams p;
    lat_default_encode_params(&p);
    CHECK(p.quality == -1 && p.stride == 0);
    p.quality = 30;
    CHECK_ERR(lat_encode_image(c, &img, &p, &at30, &n30), LAT_OK);
    CHECK_ERR(lat_encode_image(c, &img, NULL, &again, &n_again), LAT_OK);
    LatContext *c30 = open_at(model, 30, 0), *c75 = open_at(model, 75, 0);
    CHECK_ERR(lat_encode(c30, &img, &ref30, &nref30), LAT_OK);
    CHECK_ERR(lat_encode(c75, &img, &ref75, &nref75), LAT_OK);
    CHECK_MSG(same(at30, n30, ref30, nref30), "q 30 per call: %zu bytes, context at 30: %zu",
              n30, nref30);
    CHECK_MSG(same(again, n_again, ref75, nref75), "the context's quality is not restored");
    CHECK(same(first, n_first, ref75, nref75));
    CHECK(n30 < n_first);
    LatInfo *info = calloc(1, sizeof *info);
    CHECK(info && lat_inspect(at30, n30, info) == LAT_OK && info->quality == 30);
    free(info);
    uint8_t *bad = (uint8_t *)1;
    size_t nbad = 1;
    p.quality = 101;
    CHECK_ERR(lat_encode_image(c, &img, &p, &bad, &nbad), LAT_ERR_INVALID_ARGUMENT);
    CHECK(bad == NULL && nbad == 0);
    p.quality = -2;
    CHECK_ERR(lat_encode_image(c, &img, &p, &bad, &nbad), LAT_ERR_INVALID_ARGUMENT);
    lat_free(first);
    lat_free(at30);
    lat_free(again);
    lat_free(ref30);
    lat_free(ref75);
    lat_close(&c);
    lat_close(&c30);
    lat_close(&c75);
}

/* Rows stride bytes apart, with other bytes between them: the same file as
 * the packed image. */
static void check_stride(const char *model, uint32_t channels, int lossless)
{
    static uint8_t packed[W * H * 4], strided[(W * 4 + PAD) * H];
    fill(packed, channels);
    const size_t row = (size_t)W * channels, stride = row + PAD;
    memset(strided, 0xA5, sizeof strided);
    for (int y = 0; y < H; y++)
        memcpy(strided + y * stride, packed + y * row, row);
    LatContext *c = open_at(model, 60, lossless);
    LatImage a = {W, H, channels, 8, packed, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    LatImage b = {W, H, channels, 8, strided, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    LatEncodeParams p;
    lat_default_encode_params(&p);
    uint8_t *fa, *fb;
    size_t na, nb;
    CHECK_ERR(lat_encode(c, &a, &fa, &na), LAT_OK);
    p.stride = stride;
    CHECK_ERR(lat_encode_image(c, &b, &p, &fb, &nb), LAT_OK);
    CHECK_MSG(same(fa, na, fb, nb), "%u channels, lossless %d: strided %zu bytes, packed %zu",
              channels, lossless, nb, na);
    lat_free(fb);
    p.stride = row;   /* the packed stride, given explicitly */
    CHECK_ERR(lat_encode_image(c, &a, &p, &fb, &nb), LAT_OK);
    CHECK(same(fa, na, fb, nb));
    lat_free(fb);
    p.stride = row - 1;
    CHECK_ERR(lat_encode_image(c, &a, &p, &fb, &nb), LAT_ERR_INVALID_ARGUMENT);
    lat_free(fa);
    lat_close(&c);
}

/* The one-call pair against the context API. */
static void check_convenience(const char *model)
{
    static uint8_t px[W * H * 3], strided[(W * 3 + PAD) * H];
    fill(px, 3);
    for (int y = 0; y < H; y++)
        memcpy(strided + y * (W * 3 + PAD), px + y * W * 3, W * 3);
    uint8_t *one, *ref, *rgb;
    size_t n_one, n_ref;
    CHECK_ERR(lat_encode_rgb(strided, W, H, W * 3 + PAD, 50, &one, &n_one), LAT_OK);
    LatContext *c = open_at(model, 50, 0);
    LatImage img = {W, H, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}}, back;
    CHECK_ERR(lat_encode(c, &img, &ref, &n_ref), LAT_OK);
    CHECK_MSG(same(one, n_one, ref, n_ref), "lat_encode_rgb: %zu bytes, lat_encode: %zu", n_one,
              n_ref);
    uint32_t w = 0, h = 0;
    CHECK_ERR(lat_decode_rgb(one, n_one, &w, &h, &rgb), LAT_OK);
    CHECK_ERR(lat_decode(c, ref, n_ref, &back), LAT_OK);
    CHECK(w == W && h == H && rgb && back.pixels && memcmp(rgb, back.pixels, W * H * 3) == 0);
    lat_free(rgb);
    lat_image_free(&back);
    lat_free(one);
    lat_free(ref);
    lat_close(&c);
    CHECK_ERR(lat_encode_rgb(px, W, H, 0, 101, &one, &n_one), LAT_ERR_INVALID_ARGUMENT);

    /* A 16-bit gray lossless file: replicated and rounded to 8 bits. */
    static uint16_t g16[W * H];
    for (size_t i = 0; i < (size_t)W * H; i++)
        g16[i] = (uint16_t)(i * 1237u);
    LatImage gray = {W, H, 1, 16, g16, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    c = open_at(model, 75, 1);
    CHECK_ERR(lat_encode(c, &gray, &ref, &n_ref), LAT_OK);
    lat_close(&c);
    CHECK_ERR(lat_decode_rgb(ref, n_ref, &w, &h, &rgb), LAT_OK);
    int ok = rgb != NULL;
    for (size_t i = 0; ok && i < (size_t)W * H; i++) {
        uint8_t v = (uint8_t)((g16[i] * 255u + 32767u) / 65535u);
        ok = rgb[3 * i] == v && rgb[3 * i + 1] == v && rgb[3 * i + 2] == v;
    }
    CHECK_MSG(ok, "16-bit gray not converted to 8-bit RGB");
    lat_free(rgb);
    lat_free(ref);
    static const uint8_t junk[16] = "not a lat file!";
    rgb = (uint8_t *)1;
    w = h = 7;
    CHECK_ERR(lat_decode_rgb(junk, sizeof junk, &w, &h, &rgb), LAT_ERR_BAD_MAGIC);
    CHECK(rgb == NULL && w == 0 && h == 0);
}

typedef struct Calls {
    int n;
    double last;
} Calls;

static void count_progress(void *user, double done)
{
    Calls *c = user;
    c->n++;
    c->last = done;
}

/* The encoder effort: per call or per context, 0 is the plain encoder, a
 * refined file decodes, the seed decides the bytes, progress is reported;
 * a rate search with an effort still meets its target. */
static void check_effort(const char *model)
{
    static uint8_t px[W * H * 3];
    fill(px, 3);
    LatImage img = {W, H, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}}, back;
    LatContext *c = open_at(model, 60, 0);
    uint8_t *plain, *e0, *e1, *again, *seeded, *ctx1, *sized;
    size_t n_plain, n0, n1, n_again, n_seeded, n_ctx1, n_sized;
    CHECK_ERR(lat_encode(c, &img, &plain, &n_plain), LAT_OK);
    LatEncodeParams p;
    lat_default_encode_params(&p);
    CHECK(p.effort == -1 && p.seed == 0);
    p.effort = 0;
    CHECK_ERR(lat_encode_image(c, &img, &p, &e0, &n0), LAT_OK);
    CHECK_MSG(same(plain, n_plain, e0, n0), "effort 0 is not the plain encoder");
    Calls calls = {0, 0};
    CHECK_ERR(lat_set_progress(c, count_progress, &calls), LAT_OK);
    p.effort = 1;
    CHECK_ERR(lat_encode_image(c, &img, &p, &e1, &n1), LAT_OK);
    CHECK_MSG(calls.n > 0 && calls.last == 1.0, "progress: %d calls, last %g", calls.n,
              calls.last);
    CHECK_ERR(lat_set_progress(c, NULL, NULL), LAT_OK);
    CHECK_ERR(lat_set_progress(NULL, NULL, NULL), LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(lat_encode_image(c, &img, &p, &again, &n_again), LAT_OK);
    CHECK_MSG(same(e1, n1, again, n_again), "effort 1 twice, the same seed: other bytes");
    CHECK_MSG(!same(e1, n1, e0, n0), "effort 1 changed nothing");
    p.seed = 12345;
    CHECK_ERR(lat_encode_image(c, &img, &p, &seeded, &n_seeded), LAT_OK);
    CHECK_ERR(lat_decode(c, e1, n1, &back), LAT_OK);
    lat_image_free(&back);
    CHECK_ERR(lat_decode(c, seeded, n_seeded, &back), LAT_OK);
    lat_image_free(&back);
    /* LatSettings.effort: what the calls get by default. */
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = model;
    s.quality = 60;
    s.effort = 1;
    LatContext *c1;
    CHECK_ERR(lat_open(&c1, &s), LAT_OK);
    CHECK_ERR(lat_encode(c1, &img, &ctx1, &n_ctx1), LAT_OK);
    CHECK_MSG(same(ctx1, n_ctx1, e1, n1), "LatSettings.effort 1 differs from the per-call one");
    /* A size target with an effort: within it. */
    lat_default_encode_params(&p);
    p.target_size = n_plain;
    CHECK_ERR(lat_encode_image(c1, &img, &p, &sized, &n_sized), LAT_OK);
    CHECK_MSG(n_sized <= n_plain, "--size %zu with effort 1: %zu bytes", n_plain, n_sized);
    lat_default_encode_params(&p);
    p.effort = LAT_MAX_EFFORT + 1;
    uint8_t *none;
    size_t n_none;
    CHECK_ERR(lat_encode_image(c, &img, &p, &none, &n_none), LAT_ERR_INVALID_ARGUMENT);
    lat_free(plain);
    lat_free(e0);
    lat_free(e1);
    lat_free(again);
    lat_free(seeded);
    lat_free(ctx1);
    lat_free(sized);
    lat_close(&c);
    lat_close(&c1);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_api_encode_params MODEL\n");
        return 2;
    }
    const char *model = argv[1];
    if (access(model, R_OK) != 0) {
        printf("no shipped model at %s: skipped\n", model);
        return 77;
    }
    /* The one-call functions use default settings: $LAT_MODEL is their model. */
    setenv("LAT_MODEL", model, 1);
    check_quality_per_call(model);
    for (uint32_t ch = 1; ch <= 4; ch++) {
        check_stride(model, ch, 1);
        check_stride(model, ch, 0);
    }
    check_convenience(model);
    check_effort(model);
    return check_report();
}
