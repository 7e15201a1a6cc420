/* The public API's lossy path (codec/lat.c) with a tiny untrained model made
 * here: model loading from settings.model_path, model_data and model_dir,
 * header model id/hash, alpha through the lossless coder, 16-bit input
 * reduced to 8 bits, a file of another model found in a model folder or
 * refused. Image quality is not tested (the model is random); the plumbing
 * is. With the default model found by the default search, the colour of
 * images with alpha. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lat.h"
#include "check.h"
#include "lossy/lossy_net.h"
#include "lossy/model_file.h"
#include "nn/nn.h"

static int write_model(const char *path, uint64_t seed, const char *id)
{
    LossyNet net;
    Rng rng;
    rng_seed(&rng, seed);
    float lambdas[1] = {0.01f};
    if (lossy_net_init(&net, 8, 8, 1, lambdas, 1, &rng) < 0)
        return -1;
    uint8_t *buf;
    size_t size;
    int err = model_file_write(&net, id, "test", 0, NULL, &buf, &size);
    lossy_net_free(&net);
    if (err < 0)
        return -1;
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, size, f) == size;
    if (f)
        fclose(f);
    free(buf);
    return ok ? 0 : -1;
}

/* lat_decode interleaves the lossy colour and the lossless alpha in place:
 * the colour of a GA / RGBA file is that of the same image without alpha.
 * Needs a trained model (the random one synthesizes flat black): the
 * default one, found by the default search of an uninstalled build. */
static void check_alpha_interleave(void)
{
    LatContext *c;
    CHECK_ERR(lat_open(&c, NULL), LAT_OK);
    enum { W = 37, H = 21 };
    uint8_t px[W * H * 4], *plain = NULL;
    for (uint32_t ch = 1; ch <= 4; ch++) {
        for (size_t i = 0; i < (size_t)W * H * ch; i++)
            px[i] = (uint8_t)((i / ch % W) * 5 + (i / ch / W) * 3 + (i % ch) * 40);
        LatImage img = {W, H, ch, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}}, back;
        uint8_t *file;
        size_t size;
        CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
        CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
        lat_free(file);
        const uint32_t cc = ch >= 3 ? 3 : 1;
        if (ch == cc) {
            free(plain);
            plain = back.pixels;
            back.pixels = NULL;
        }
        for (size_t i = 0; back.pixels && plain && i < (size_t)W * H; i++)
            if (memcmp((uint8_t *)back.pixels + i * ch, plain + i * cc, cc) != 0
                || ((uint8_t *)back.pixels)[i * ch + cc] != px[i * ch + cc]) {
                CHECK_MSG(0, "%u channels: pixel %zu differs from the image without alpha", ch, i);
                break;
            }
        lat_image_free(&back);
    }
    free(plain);
    lat_close(&c);
}

static void write_all(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(data, 1, size, f) == size);
    if (f)
        fclose(f);
}

/* A file of model a (path pa): found as <dir>/test-model-a.latm by a
 * context given model b; the same name holding b's weights is
 * LAT_ERR_MODEL_MISMATCH; a model in memory encodes like its file. */
static void check_model_dir(const uint8_t *file, size_t size, const char *pa, const char *pb)
{
    char dir[64], path[96];
    snprintf(dir, sizeof dir, "/tmp/lat-test-models-%d", (int)getpid());
    snprintf(path, sizeof path, "%s/test-model-a.latm", dir);
    CHECK(mkdir(dir, 0700) == 0);
    size_t na = 0, nb = 0;
    uint8_t *a = check_read_file(pa, &na), *b = check_read_file(pb, &nb);
    CHECK(a && b);
    if (!a || !b)
        return;
    write_all(path, a, na);
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = pb;
    s.model_dir = dir;
    LatContext *c;
    LatImage back;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    lat_image_free(&back);
    LatInfo info;
    const char *where;
    CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
    CHECK_ERR(lat_find_model(c, info.model_id, info.model_hash, &where), LAT_OK);
    CHECK(where && !strcmp(where, path));
    CHECK_ERR(lat_find_model(c, "test-model-c", info.model_hash ^ 1, &where), LAT_ERR_NO_MODEL);
    CHECK(where == NULL);
    lat_close(&c);
    write_all(path, b, nb);
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_ERR_MODEL_MISMATCH);
    CHECK(strstr(lat_model_error(c), "has another hash") != NULL);
    lat_close(&c);
    remove(path);
    rmdir(dir);

    lat_default_settings(&s);
    s.model_data = a;
    s.model_size = na;
    s.quality = 50;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    LatImage img = back;
    uint8_t *again;
    size_t again_size;
    img.icc = img.exif = NULL;
    CHECK_ERR(lat_encode(c, &img, &again, &again_size), LAT_OK);
    CHECK_ERR(lat_inspect(again, again_size, &info), LAT_OK);
    CHECK(!strcmp(info.model_id, "test-model-a"));
    lat_free(again);
    lat_image_free(&back);
    lat_close(&c);
    s.model_size = na - 1;   /* a truncated model in memory fails at lat_open */
    CHECK(lat_open(&c, &s) < 0 && c == NULL);
    free(a);
    free(b);
}

int main(void)
{
    unsetenv("LAT_MODEL");
    unsetenv("LAT_MODEL_DIR");
    check_alpha_interleave();
    char pa[64], pb[64];
    snprintf(pa, sizeof pa, "/tmp/lat-test-a-%d.latm", (int)getpid());
    snprintf(pb, sizeof pb, "/tmp/lat-test-b-%d.latm", (int)getpid());
    CHECK(write_model(pa, 1, "test-model-a") == 0);
    CHECK(write_model(pb, 2, "test-model-b") == 0);

    LatSettings s;
    lat_default_settings(&s);
    s.model_path = pa;
    s.quality = 50;
    LatContext *a, *b;
    CHECK_ERR(lat_open(&a, &s), LAT_OK);
    s.model_path = pb;
    CHECK_ERR(lat_open(&b, &s), LAT_OK);

    uint32_t w = 37, h = 21;
    for (uint32_t ch = 1; ch <= 4; ch++)
        for (uint32_t bd = 8; bd <= 16; bd += 8) {
            size_t n = (size_t)w * h * ch;
            void *px = malloc(n * (bd / 8));
            for (size_t i = 0; i < n; i++) {
                uint32_t v = (uint32_t)((i / ch % w) * 5 + (i / ch / w) * 3 + (i % ch) * 40) & 255;
                if (bd == 8) ((uint8_t *)px)[i] = (uint8_t)v;
                else ((uint16_t *)px)[i] = (uint16_t)(v * 257u);
            }
            LatImage img = {w, h, ch, bd, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
            uint8_t *file;
            size_t size;
            CHECK_ERR(lat_encode(a, &img, &file, &size), LAT_OK);
            LatInfo info;
            CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
            CHECK(!info.lossless && info.quality == 50 && !strcmp(info.model_id, "test-model-a")
                  && info.bit_depth == 8 && info.channels == ch);
            int alpha_streams = 0;
            for (uint32_t i = 0; i < info.stream_count; i++)
                alpha_streams += !strcmp(info.streams[i].name, "alpha");
            CHECK(alpha_streams == (ch == 2 || ch == 4));
            LatImage back;
            CHECK_ERR(lat_decode(a, file, size, &back), LAT_OK);
            CHECK(back.width == w && back.height == h && back.channels == ch && back.bit_depth == 8);
            if (back.pixels && (ch == 2 || ch == 4))   /* alpha is exact */
                for (size_t i = ch - 1; i < n; i += ch) {
                    uint32_t want = bd == 8 ? ((uint8_t *)px)[i] : ((uint16_t *)px)[i] / 257u;
                    if (((uint8_t *)back.pixels)[i] != want) {
                        CHECK(!"alpha differs");
                        break;
                    }
                }
            lat_image_free(&back);
            /* b was given model b; model a is installed nowhere. */
            CHECK_ERR(lat_decode(b, file, size, &back), LAT_ERR_NO_MODEL);
            CHECK(strstr(lat_model_error(b), "test-model-a") != NULL);
            if (ch == 3 && bd == 8)
                check_model_dir(file, size, pa, pb);
            lat_free(file);
            free(px);
        }
    lat_close(&a);
    lat_close(&b);

    /* A broken model file is LAT_ERR_BAD_MODEL (or another parse error), not a crash. */
    FILE *f = fopen(pb, "r+b");
    if (f) {
        fseek(f, 20, SEEK_SET);
        fputc(0x5a, f);
        fputc(0xa5, f);
        fclose(f);
    }
    s.model_path = pb;
    CHECK_ERR(lat_open(&b, &s), LAT_OK);
    uint8_t px[3 * 16 * 16] = {0};
    LatImage img = {16, 16, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file;
    size_t size;
    int err = lat_encode(b, &img, &file, &size);
    CHECK(err < 0 && err != LAT_ERR_NO_MODEL);
    lat_close(&b);
    remove(pa);
    remove(pb);
    return check_report();
}
