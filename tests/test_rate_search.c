/* Rate control (codec/rate_search.c and lat_encode_image's targets):
 * the bisection on made-up monotone and bumpy size / PSNR curves (the
 * exact answer known, the result within the target, bounded trials,
 * errors passed on, bad arguments), then the public API with the shipped
 * default model (argv[1]): a size target gives a file within it and close
 * below, a PSNR target a file whose decode reaches it, unreachable targets
 * LAT_ERR_TARGET_UNREACHABLE, bad parameters LAT_ERR_INVALID_ARGUMENT. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "check.h"
#include "rate_search.h"

/* A made-up codec: size and PSNR grow with the level, with bumps. */
typedef struct Curve {
    int bumpy, fail_at, calls;
} Curve;

static size_t curve_size(const Curve *c, int level)
{
    const size_t base = (size_t)(5000 + 7 * (level + 1024));
    return c->bumpy ? base + (size_t)((level * 7919) % 13) * 40 : base;
}

static int curve_trial(void *ctx, int level, int want_psnr, RateTrial *r)
{
    Curve *c = ctx;
    c->calls++;
    if (level == c->fail_at)
        return LAT_ERR_OUT_OF_MEMORY;
    r->size = curve_size(c, level);
    r->file = malloc(r->size);
    if (!r->file)
        return LAT_ERR_OUT_OF_MEMORY;
    memset(r->file, level & 255, r->size);
    r->psnr = want_psnr ? 20.0 + level / 100.0 + (c->bumpy ? ((level * 31) % 5) * 0.05 : 0) : 0;
    return 0;
}

static void check_search(void)
{
    const int lo = -512, hi = 1536;
    Curve c = {0, 99999, 0};
    RateTrial best;
    int level, trials;
    /* Monotone: exactly the largest level within the size. */
    for (size_t target = 5000; target < 20000; target += 1234) {
        const RateTarget t = {target, 0};
        c.calls = 0;
        int err = rate_search(&t, lo, hi, curve_trial, &c, &best, &level, &trials);
        const int want = (int)((long)(target - 5000) / 7) - 1024;
        if (want < lo) {
            CHECK_ERR(err, LAT_ERR_TARGET_UNREACHABLE);
            continue;
        }
        CHECK_ERR(err, LAT_OK);
        const int exact = want > hi ? hi : want;
        CHECK_MSG(level == exact && best.size == curve_size(&c, exact) && best.size <= target,
                  "target %zu: level %d (%zu bytes), want %d", target, level, best.size, exact);
        CHECK(best.file && best.file[0] == (uint8_t)(exact & 255));
        CHECK_MSG(trials == c.calls && trials <= 2 + 11, "%d trials for 2048 positions", trials);
        free(best.file);
    }
    /* Monotone PSNR: the smallest level reaching it. */
    const RateTarget tp = {0, 31.005};
    CHECK_ERR(rate_search(&tp, lo, hi, curve_trial, &c, &best, &level, &trials), LAT_OK);
    CHECK_MSG(level == 1101 && best.psnr >= 31.005, "psnr: level %d", level);
    free(best.file);
    /* Bumpy curves: within the target all the same. */
    c.bumpy = 1;
    for (size_t target = 9000; target < 20000; target += 977) {
        const RateTarget t = {target, 0};
        CHECK_ERR(rate_search(&t, lo, hi, curve_trial, &c, &best, &level, &trials), LAT_OK);
        CHECK(best.size <= target && best.size + 7 * 4 + 13 * 40 >= target);
        free(best.file);
    }
    CHECK_ERR(rate_search(&tp, lo, hi, curve_trial, &c, &best, &level, NULL), LAT_OK);
    CHECK(best.psnr >= tp.psnr);
    free(best.file);
    /* Unreachable, an error of the encoder, bad arguments. */
    const RateTarget tiny = {100, 0}, high = {0, 60}, both = {9000, 30}, none = {0, 0};
    const RateTarget nan_psnr = {0, NAN}, fine = {9000, 0};
    CHECK_ERR(rate_search(&tiny, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_TARGET_UNREACHABLE);
    CHECK_ERR(rate_search(&high, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_TARGET_UNREACHABLE);
    CHECK(best.file == NULL);
    c.fail_at = (lo + hi) / 2;
    CHECK_ERR(rate_search(&fine, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_OUT_OF_MEMORY);
    c.fail_at = 99999;
    CHECK_ERR(rate_search(&both, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(rate_search(&none, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(rate_search(&nan_psnr, lo, hi, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(rate_search(&fine, hi, lo, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(rate_search(&fine, 0, 1 << 21, curve_trial, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(rate_search(&fine, lo, hi, NULL, &c, &best, &level, NULL),
              LAT_ERR_INVALID_ARGUMENT);
    /* One position: that one, if it meets the target. */
    const RateTarget roomy = {20000, 0};
    CHECK_ERR(rate_search(&roomy, 0, 0, curve_trial, &c, &best, &level, &trials), LAT_OK);
    CHECK(level == 0 && trials == 1);
    free(best.file);
}

enum { W = 96, H = 64 };

static double psnr_of(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return 10.0 * log10(255.0 * 255.0 * (double)n / se);
}

static void check_api(const char *model)
{
    static uint8_t px[W * H * 3];
    for (size_t i = 0; i < sizeof px; i++)   /* smooth ramps and a texture */
        px[i] = (uint8_t)((i / 3 % W) * 2 + (i / 3 / W) * 3 + (i % 3) * 50
                          + ((i * 2654435761u) >> 28));
    LatImage img = {W, H, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = model;
    LatContext *c;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    LatEncodeParams p;
    lat_default_encode_params(&p);
    CHECK(p.target_size == 0 && p.target_psnr == 0 && p.effort == -1 && p.seed == 0);
    uint8_t *f0, *f100, *f;
    size_t n0, n100, n;
    p.quality = 0;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f0, &n0), LAT_OK);
    p.quality = 100;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f100, &n100), LAT_OK);
    CHECK(n0 < n100);
    /* Size targets between the ends: within, and close below (the search
     * lands within one 1/256 level, a few bytes on this image). */
    for (int k = 1; k < 4; k++) {
        lat_default_encode_params(&p);
        p.target_size = n0 + (n100 - n0) * k / 4;
        CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_OK);
        CHECK_MSG(n <= p.target_size && n + (n100 - n0) / 50 >= p.target_size,
                  "target %zu: %zu bytes (q0 %zu, q100 %zu)", p.target_size, n, n0, n100);
        LatInfo info;
        CHECK_ERR(lat_inspect(f, n, &info), LAT_OK);
        CHECK(info.quality > 0 && info.quality < 100);
        lat_free(f);
    }
    lat_default_encode_params(&p);
    p.target_size = n100 * 10;   /* more than q100 needs: q100 */
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_OK);
    CHECK(n == n100 && memcmp(f, f100, n) == 0);
    lat_free(f);
    /* A PSNR target: the decode reaches it. */
    LatImage back;
    CHECK_ERR(lat_decode(c, f100, n100, &back), LAT_OK);
    const double top = psnr_of(px, back.pixels, sizeof px);
    lat_image_free(&back);
    lat_default_encode_params(&p);
    p.target_psnr = top - 2;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_OK);
    CHECK_ERR(lat_decode(c, f, n, &back), LAT_OK);
    const double got = back.pixels ? psnr_of(px, back.pixels, sizeof px) : 0;
    CHECK_MSG(got >= p.target_psnr && n < n100, "psnr %.3f for %.3f, %zu bytes", got,
              p.target_psnr, n);
    lat_image_free(&back);
    lat_free(f);
    /* Unreachable targets. */
    lat_default_encode_params(&p);
    p.target_size = n0 - 1;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_TARGET_UNREACHABLE);
    CHECK(f == NULL && n == 0);
    lat_default_encode_params(&p);
    p.target_psnr = top + 5;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_TARGET_UNREACHABLE);
    CHECK(strlen(lat_strerror(LAT_ERR_TARGET_UNREACHABLE)) > 20);
    /* Bad parameters. */
    lat_default_encode_params(&p);
    p.target_size = 5000;
    p.target_psnr = 30;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_INVALID_ARGUMENT);
    p.target_size = 0;
    p.target_psnr = -3;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_INVALID_ARGUMENT);
    p.target_psnr = NAN;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_INVALID_ARGUMENT);
    lat_default_encode_params(&p);
    p.effort = LAT_MAX_EFFORT + 1;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_INVALID_ARGUMENT);
    lat_close(&c);
    s.lossless = 1;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    lat_default_encode_params(&p);
    p.target_size = 5000;
    CHECK_ERR(lat_encode_image(c, &img, &p, &f, &n), LAT_ERR_INVALID_ARGUMENT);
    lat_close(&c);
    s.lossless = 0;
    s.effort = LAT_MAX_EFFORT + 1;
    CHECK_ERR(lat_open(&c, &s), LAT_ERR_INVALID_ARGUMENT);
    lat_free(f0);
    lat_free(f100);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_rate_search MODEL\n");
        return 2;
    }
    check_search();
    check_api(argv[1]);
    return check_report();
}
