/* The public API (codec/lat.c): settings, contexts, encode/decode/inspect,
 * metadata, error codes, the committed test vectors. argv[1]: testvectors/ */
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "check.h"
#include "container/container.h"

static const char *err_names[] = {
    "LAT_OK", "LAT_ERR_INVALID_ARGUMENT", "LAT_ERR_OUT_OF_MEMORY", "LAT_ERR_TRUNCATED",
    "LAT_ERR_BAD_MAGIC", "LAT_ERR_UNSUPPORTED_VERSION", "LAT_ERR_UNKNOWN_FIELD",
    "LAT_ERR_HEADER_CHECKSUM", "LAT_ERR_STREAM_CORRUPT", "LAT_ERR_LIMIT_EXCEEDED",
    "LAT_ERR_BAD_DIMENSIONS", "LAT_ERR_NO_MODEL", "LAT_ERR_MODEL_MISMATCH", "LAT_ERR_BAD_MODEL",
    "LAT_ERR_UNSUPPORTED_IMAGE", "LAT_ERR_IO", "LAT_ERR_INTERNAL", "LAT_ERR_TRAILING_DATA",
};
#define ERR_COUNT (int)(sizeof err_names / sizeof err_names[0])

static void test_strerror(void)
{
    for (int i = 0; i < ERR_COUNT; i++) {
        const char *s = lat_strerror(-i);
        CHECK(s && strlen(s) > 5 && strcmp(s, lat_strerror(-999)) != 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(s, lat_strerror(-j)) != 0);
    }
    CHECK(lat_strerror(-999) != NULL && lat_strerror(1) != NULL);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", LAT_VERSION_MAJOR, LAT_VERSION_MINOR, LAT_VERSION_PATCH);
    CHECK(!strcmp(lat_version(), want));
}

static void *make_pixels(uint32_t w, uint32_t h, uint32_t c, uint32_t bd)
{
    size_t n = (size_t)w * h * c;
    void *px = malloc(n * (bd / 8));
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)((i * 37 + (i / c) % w * 11 + i % 5) % (1u << bd));
        if (bd == 8) ((uint8_t *)px)[i] = (uint8_t)v;
        else ((uint16_t *)px)[i] = (uint16_t)(v * 257u);
    }
    return px;
}

static void test_lossless_api(void)
{
    LatSettings s;
    lat_default_settings(&s);
    CHECK(s.quality == 75 && s.lossless == 0 && s.max_pixels == LAT_DEFAULT_MAX_PIXELS);
    s.lossless = 1;
    LatContext *c;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    static uint8_t icc[300], exif[] = "MM\0*exif-ish";
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (uint8_t)i;
    for (uint32_t ch = 1; ch <= 4; ch++)
        for (uint32_t bd = 8; bd <= 16; bd += 8) {
            LatImage img = {29, 11, ch, bd, make_pixels(29, 11, ch, bd), icc, sizeof icc, exif,
                            sizeof exif, NULL, 0, {0, 0, {0}, 0}};
            uint8_t *file;
            size_t size;
            CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
            LatImage back;
            CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
            CHECK(back.width == 29 && back.height == 11 && back.channels == ch && back.bit_depth == bd);
            CHECK(back.pixels && !memcmp(back.pixels, img.pixels, (size_t)29 * 11 * ch * (bd / 8)));
            CHECK(back.icc_size == sizeof icc && !memcmp(back.icc, icc, sizeof icc));
            CHECK(back.exif_size == sizeof exif && !memcmp(back.exif, exif, sizeof exif));
            LatInfo info;
            CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
            CHECK(info.lossless == 1 && info.width == 29 && info.height == 11 && info.channels == ch
                  && info.bit_depth == bd && info.quality == -1 && info.model_id[0] == 0
                  && info.file_size == size && info.format_version == 1);
            CHECK(info.stream_count >= 4 && !strcmp(info.streams[0].name, "lossless-params")
                  && !strcmp(info.streams[1].name, "residual-g0")
                  && !strcmp(info.streams[info.stream_count - 1].name, "exif")
                  && !strcmp(info.streams[info.stream_count - 2].name, "icc"));
            uint64_t total = 0;
            for (uint32_t i = 0; i < info.stream_count; i++)
                total += info.streams[i].stored_size;
            CHECK(total < size && info.bpp > 0);
            lat_image_free(&back);
            CHECK(back.pixels == NULL && back.icc == NULL);
            lat_free(file);
            free(img.pixels);
        }
    lat_close(&c);
    CHECK(c == NULL);
    lat_close(&c);
    lat_close(NULL);

    /* strip_metadata drops ICC and EXIF. */
    s.strip_metadata = 1;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    LatImage img = {5, 4, 3, 8, make_pixels(5, 4, 3, 8), icc, sizeof icc, exif, sizeof exif,
                    NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file;
    size_t size;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
    LatImage back;
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    CHECK(back.icc == NULL && back.exif == NULL && back.icc_size == 0);
    lat_image_free(&back);
    lat_free(file);
    free(img.pixels);
    lat_close(&c);
}

static void test_invalid_arguments(void)
{
    LatSettings s;
    lat_default_settings(&s);
    s.lossless = 1;
    LatContext *c;
    CHECK_ERR(lat_open(NULL, &s), LAT_ERR_INVALID_ARGUMENT);
    s.quality = 101;
    CHECK_ERR(lat_open(&c, &s), LAT_ERR_INVALID_ARGUMENT);
    CHECK(c == NULL);
    s.quality = 75;
    s.max_pixels = 100;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    uint8_t px[4 * 11 * 11] = {0};
    uint8_t *file = (uint8_t *)1;
    size_t size = 1;
    LatImage img = {11, 11, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_LIMIT_EXCEEDED);
    CHECK(file == NULL && size == 0);
    img.width = 0;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_BAD_DIMENSIONS);
    img.width = 5;
    img.channels = 5;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_UNSUPPORTED_IMAGE);
    img.channels = 3;
    img.bit_depth = 12;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_UNSUPPORTED_IMAGE);
    img.bit_depth = 8;
    img.pixels = NULL;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(lat_encode(NULL, &img, &file, &size), LAT_ERR_INVALID_ARGUMENT);
    img.pixels = px;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
    LatImage back;
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    lat_image_free(&back);
    CHECK_ERR(lat_decode(c, NULL, 0, &back), LAT_ERR_TRUNCATED);
    CHECK(back.pixels == NULL && back.width == 0);
    CHECK_ERR(lat_decode(c, file, size - 1, &back), LAT_ERR_TRUNCATED);
    CHECK_ERR(lat_decode(NULL, file, size, &back), LAT_ERR_INVALID_ARGUMENT);
    CHECK_ERR(lat_inspect(file, size, NULL), LAT_ERR_INVALID_ARGUMENT);
    lat_free(file);
    lat_close(&c);
    /* The decoder's max_pixels applies to files too. */
    s.max_pixels = 0;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    img.width = 100;
    img.height = 2;
    uint8_t big[100 * 2 * 3] = {0};
    img.pixels = big;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
    lat_close(&c);
    s.max_pixels = 199;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_ERR_LIMIT_EXCEEDED);
    lat_close(&c);
    lat_free(file);
}

/* A given model file that cannot be read is an error naming it, never a
 * silent fallback to the installed models. */
static void test_unreadable_model(void)
{
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = "/nonexistent/dir/photo.latm";
    LatContext *c;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    uint8_t px[8 * 8 * 3] = {0};
    LatImage img = {8, 8, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file;
    size_t size;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_IO);
    CHECK(strstr(lat_model_error(c), "/nonexistent/dir/photo.latm") != NULL);
    lat_close(&c);
    setenv("LAT_MODEL", "/nonexistent/env.latm", 1);
    CHECK_ERR(lat_open(&c, NULL), LAT_OK);
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_ERR_IO);
    CHECK(strstr(lat_model_error(c), "/nonexistent/env.latm (from $LAT_MODEL)") != NULL);
    lat_close(&c);
    unsetenv("LAT_MODEL");
}

/* A file whose model is not installed: decode says so, naming the model
 * and the paths tried; lat_inspect reports the model. */
static void test_no_model(void)
{
    LatHeader h;
    memset(&h, 0, sizeof h);
    h.mode = LAT_MODE_LOSSY;
    h.width = h.height = 8;
    h.channels = 3;
    h.bit_depth = 8;
    h.quality = 50;
    strcpy(h.model_id, "some-model");
    h.model_hash = 42;
    StreamList l = {0};
    uint8_t *file;
    size_t size;
    CHECK_ERR(container_write(&h, &l, &file, &size), LAT_OK);
    LatSettings s;
    lat_default_settings(&s);
    s.model_dir = "/nonexistent/models";
    LatContext *c;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    LatImage back;
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_ERR_NO_MODEL);
    const char *msg = lat_model_error(c);
    CHECK_MSG(strstr(msg, "some-model (hash 000000000000002a)") != NULL, "%s", msg);
    CHECK_MSG(strstr(msg, "/nonexistent/models/some-model.latm") != NULL, "%s", msg);
    LatInfo info;
    CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
    CHECK(!info.lossless && info.quality == 50 && !strcmp(info.model_id, "some-model")
          && info.model_hash == 42);
    /* An id that could reach outside a folder is never opened. */
    free(file);
    strcpy(h.model_id, "../../etc/x");
    CHECK_ERR(container_write(&h, &l, &file, &size), LAT_OK);
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_ERR_NO_MODEL);
    CHECK(strstr(lat_model_error(c), "cannot name a model file") != NULL);
    free(file);
    lat_close(&c);
}

/* The folders, in the order of lat.h: the setting, $LAT_MODEL_DIR, next to
 * the binary, the install folder, the source tree's models/. */
static void test_model_dirs(void)
{
    setenv("LAT_MODEL_DIR", "/tmp/lat-test-env-models", 1);
    LatSettings s;
    lat_default_settings(&s);
    s.model_dir = "/tmp/lat-test-setting-models";
    LatContext *c;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    CHECK(lat_model_dir(c, 0) && !strcmp(lat_model_dir(c, 0), "/tmp/lat-test-setting-models"));
    CHECK(lat_model_dir(c, 1) && !strcmp(lat_model_dir(c, 1), "/tmp/lat-test-env-models"));
    int n = 0;
    while (lat_model_dir(c, n))
        n++;
    CHECK(n >= 4);
    const char *last = lat_model_dir(c, n - 1);
    CHECK_MSG(last && strlen(last) >= 7 && !strcmp(last + strlen(last) - 7, "/models"), "%s", last);
    CHECK(lat_model_dir(c, -1) == NULL && lat_model_dir(NULL, 0) == NULL);
    CHECK(!strcmp(lat_model_error(c), ""));
    lat_close(&c);
    unsetenv("LAT_MODEL_DIR");
    /* model_data and model_path together, or a size without data, are refused. */
    static const uint8_t junk[16];
    s.model_path = "x.latm";
    s.model_data = junk;
    s.model_size = sizeof junk;
    CHECK_ERR(lat_open(&c, &s), LAT_ERR_INVALID_ARGUMENT);
    s.model_path = NULL;
    s.model_data = NULL;
    CHECK_ERR(lat_open(&c, &s), LAT_ERR_INVALID_ARGUMENT);
    s.model_data = junk;
    CHECK_ERR(lat_open(&c, &s), LAT_ERR_BAD_MAGIC);
}

static int err_code(const char *name)
{
    for (int i = 0; i < ERR_COUNT; i++)
        if (!strcmp(name, err_names[i]))
            return -i;
    return 1;
}

/* testvectors/invalid/README.md lists "- `file.lat`: LAT_ERR_X ..." lines. */
static void test_invalid_vectors(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/invalid/README.md", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    LatSettings s;
    lat_default_settings(&s);
    LatContext *c, *with_model;
    lat_open(&c, &s);
    /* Lines marked [tiny model] are decoded with the fuzzers' tiny model. */
    char model[4096];
    snprintf(model, sizeof model, "%s/fuzz-corpus/tiny.latm", dir);
    s.model_path = model;
    lat_open(&with_model, &s);
    char line[512];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        char file[256], name[64];
        if (sscanf(line, "- `%255[^`]`: %63[A-Z_]", file, name) != 2)
            continue;
        snprintf(path, sizeof path, "%s/invalid/%s", dir, file);
        size_t size = 0;
        uint8_t *data = check_read_file(path, &size);
        CHECK(data != NULL);
        LatImage img;
        int err = lat_decode(strstr(line, "[tiny model]") ? with_model : c, data, size, &img);
        if (err != err_code(name))
            fprintf(stderr, "%s: got %d (%s), expected %s\n", file, err, lat_strerror(err), name);
        CHECK(err == err_code(name));
        CHECK(img.pixels == NULL);
        free(data);
        count++;
    }
    fclose(f);
    CHECK(count >= 10);
    lat_close(&c);
    lat_close(&with_model);
}

/* testvectors/lat/README.md lists "- `file.lat`: ..." reference files. */
static void test_reference_vectors(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lat/README.md", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    LatContext *c;
    lat_open(&c, NULL);
    char line[512];
    int count = 0;
    while (fgets(line, sizeof line, f)) {
        char file[256];
        if (sscanf(line, "- `%255[^`.].lat`", file) != 1)
            continue;
        size_t size, raw_size;
        snprintf(path, sizeof path, "%s/lat/%s.lat", dir, file);
        uint8_t *data = check_read_file(path, &size);
        snprintf(path, sizeof path, "%s/lat/%s.raw", dir, file);
        uint8_t *raw = check_read_file(path, &raw_size);
        CHECK(data && raw);
        LatImage img;
        CHECK_ERR(lat_decode(c, data, size, &img), LAT_OK);
        size_t n = (size_t)img.width * img.height * img.channels;
        CHECK(raw_size == n * (img.bit_depth / 8));
        int same = raw_size == n * (img.bit_depth / 8);
        for (size_t i = 0; same && i < n; i++)
            same = img.bit_depth == 8 ? ((uint8_t *)img.pixels)[i] == raw[i]
                 : ((uint16_t *)img.pixels)[i] == (uint16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
        if (!same)
            fprintf(stderr, "%s: decoded pixels differ from the reference\n", file);
        CHECK(same);
        /* Every truncation and every byte with one flipped bit is refused. */
        LatImage bad;
        for (size_t k = 0; k < size; k++) {
            CHECK_ERR(lat_decode(c, data, k, &bad), LAT_ERR_TRUNCATED);
            data[k] ^= (uint8_t)(1u << (k % 8));
            int err = lat_decode(c, data, size, &bad);
            if (err >= 0)
                fprintf(stderr, "%s: flip at byte %zu accepted\n", file, k);
            CHECK(err < 0 && bad.pixels == NULL);
            lat_image_free(&bad);
            data[k] ^= (uint8_t)(1u << (k % 8));
        }
        lat_image_free(&img);
        free(data);
        free(raw);
        count++;
    }
    fclose(f);
    CHECK(count >= 3);
    lat_close(&c);
}

int main(int argc, char **argv)
{
    test_strerror();
    test_lossless_api();
    test_invalid_arguments();
    test_no_model();
    test_unreadable_model();
    test_model_dirs();
    if (argc > 1) {
        test_invalid_vectors(argv[1]);
        test_reference_vectors(argv[1]);
    }
    else
        CHECK(!"usage: test_api TESTVECTORS_DIR");
    return check_report();
}
