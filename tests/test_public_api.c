/* The public API as a user sees it: this file includes only lat.h (and the
 * C library) and links liblat.so, not the internal archives. Lossless and
 * lossy round trips, lat_inspect, error codes, two threads each with its
 * own context (2 threads, all cores) getting the same bytes as one
 * context on 1 thread, and the OpenBLAS kernel report.
 * Usage: test_public_api TESTVECTORS_DIR MODELS_DIR */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lat.h"

enum { W = 45, H = 29 };
static uint8_t g_px[W * H * 4];
static char g_tiny[600];

static LatContext *open_ctx(int lossless, const char *model)
{
    LatSettings s;
    lat_default_settings(&s);
    s.lossless = lossless;
    s.quality = 60;
    s.model_path = model;
    LatContext *c = NULL;
    CHECK_ERR(lat_open(&c, &s), LAT_OK);
    return c;
}

static void check_lossless(void)
{
    LatContext *c = open_ctx(1, NULL);
    if (!c)
        return;
    const LatImage img = {W, H, 4, 8, g_px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file = NULL;
    size_t size = 0;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
    LatInfo info;
    CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
    CHECK(info.lossless == 1 && info.width == W && info.height == H && info.channels == 4);
    CHECK(info.file_size == size && info.stream_count > 0 && info.model_id[0] == 0);
    LatImage back;
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    CHECK(back.width == W && back.height == H && back.channels == 4 && back.bit_depth == 8);
    CHECK(back.pixels && memcmp(back.pixels, g_px, sizeof g_px) == 0);
    lat_image_free(&back);
    CHECK(back.pixels == NULL);

    /* Errors: every input gets a code, never a crash. */
    CHECK_ERR(lat_decode(c, file, 5, &back), LAT_ERR_TRUNCATED);
    CHECK_ERR(lat_decode(c, file, size - 1, &back), LAT_ERR_TRUNCATED);
    CHECK(back.pixels == NULL);
    static const uint8_t junk[100] = "not a lat file at all";
    CHECK_ERR(lat_decode(c, junk, sizeof junk, &back), LAT_ERR_BAD_MAGIC);
    CHECK_ERR(lat_inspect(junk, sizeof junk, &info), LAT_ERR_BAD_MAGIC);
    file[20] ^= 1;   /* optional flags: covered by the header CRC */
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_ERR_HEADER_CHECKSUM);
    CHECK_ERR(lat_decode(c, NULL, 0, &back), LAT_ERR_TRUNCATED);
    CHECK_ERR(lat_decode(NULL, junk, sizeof junk, &back), LAT_ERR_INVALID_ARGUMENT);
    const LatImage empty = {0, H, 3, 8, g_px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *none = NULL;
    CHECK_ERR(lat_encode(c, &empty, &none, &size), LAT_ERR_BAD_DIMENSIONS);
    CHECK(none == NULL);
    lat_free(file);
    lat_close(&c);
    CHECK(c == NULL);
    lat_close(&c);   /* NULL is fine */

    LatSettings bad;
    lat_default_settings(&bad);
    bad.quality = 101;
    CHECK_ERR(lat_open(&c, &bad), LAT_ERR_INVALID_ARGUMENT);
    CHECK(strlen(lat_strerror(LAT_ERR_OUT_OF_MEMORY)) > 0 && lat_strerror(12345) != NULL);
}

/* Lossy with a given model: encode, inspect, decode; the file's model is
 * checked against the context's. */
static void check_lossy(const char *photo)
{
    LatContext *c = open_ctx(0, g_tiny);
    if (!c)
        return;
    const LatImage img = {W, H, 3, 8, g_px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file = NULL;
    size_t size = 0;
    CHECK_ERR(lat_encode(c, &img, &file, &size), LAT_OK);
    LatInfo info;
    CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
    CHECK(info.lossless == 0 && info.quality == 60 && info.model_id[0] != 0);
    LatImage back;
    CHECK_ERR(lat_decode(c, file, size, &back), LAT_OK);
    CHECK(back.width == W && back.height == H && back.channels == 3 && back.pixels);
    lat_image_free(&back);
    lat_close(&c);

    /* Given another model, the file's (fuzz-tiny) is searched for in the
     * model folders, where it is not installed. */
    LatContext *other = open_ctx(0, photo);
    if (other) {
        CHECK_ERR(lat_decode(other, file, size, &back), LAT_ERR_NO_MODEL);
        CHECK(strstr(lat_model_error(other), "fuzz-tiny") != NULL);
        lat_close(&other);
    }
    LatContext *missing = open_ctx(0, "/nonexistent/model.latm");
    if (missing) {
        int err = lat_decode(missing, file, size, &back);
        CHECK_MSG(err == LAT_ERR_IO, "missing model: %s", lat_strerror(err));
        lat_close(&missing);
    }
    lat_free(file);
}

/* What one thread does: lossless and lossy round trips in its own context;
 * the bytes of both files and decodes, concatenated. */
typedef struct Work {
    uint8_t *out;
    size_t size;
    int err;
    int threads;   /* LatSettings.threads */
} Work;

static int append(Work *w, const void *p, size_t n)
{
    uint8_t *b = realloc(w->out, w->size + n);
    if (!b)
        return LAT_ERR_OUT_OF_MEMORY;
    memcpy(b + w->size, p, n);
    w->out = b;
    w->size += n;
    return 0;
}

static void *work(void *arg)
{
    Work *w = arg;
    for (int lossless = 0; lossless <= 1 && !w->err; lossless++) {
        LatSettings s;
        lat_default_settings(&s);
        s.lossless = lossless;
        s.model_path = g_tiny;
        s.threads = w->threads;
        LatContext *c;
        if ((w->err = lat_open(&c, &s)) < 0)
            break;
        for (int round = 0; round < 3 && !w->err; round++) {
            const LatImage img = {W, H - round, 3, 8, g_px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
            uint8_t *file;
            size_t size;
            LatImage back;
            if ((w->err = lat_encode(c, &img, &file, &size)) < 0)
                break;
            w->err = append(w, file, size);
            if (!w->err)
                w->err = lat_decode(c, file, size, &back);
            if (!w->err) {
                w->err = append(w, back.pixels, (size_t)back.width * back.height * 3);
                lat_image_free(&back);
            }
            lat_free(file);
        }
        lat_close(&c);
    }
    return NULL;
}

/* The OpenBLAS kernel report: filled in, consistent, NULL refused. */
static void check_blas_kernel(void)
{
    LatBlasKernel k;
    memset(&k, 0xff, sizeof k);
    CHECK_ERR(lat_blas_kernel(&k), LAT_OK);
    CHECK(k.in_use[0] && memchr(k.in_use, 0, sizeof k.in_use) && memchr(k.best, 0, sizeof k.best));
    CHECK(strncmp(k.text, k.in_use, strlen(k.in_use)) == 0 && strstr(k.text, "best for this CPU"));
    CHECK((k.coretype_set == 0 || k.coretype_set == 1) && (k.below_best == 0 || k.below_best == 1));
    CHECK(!k.below_best || k.best[0]);
    CHECK_ERR(lat_blas_kernel(NULL), LAT_ERR_INVALID_ARGUMENT);
}

static void check_threads(void)
{
    /* Contexts with different thread counts, at the same time. */
    Work one = {.threads = 1}, a = {.threads = 2}, b = {.threads = 0};
    work(&one);
    CHECK_ERR(one.err, LAT_OK);
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, work, &a) == 0);
    CHECK(pthread_create(&tb, NULL, work, &b) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK_ERR(a.err, LAT_OK);
    CHECK_ERR(b.err, LAT_OK);
    CHECK_MSG(a.size == one.size && b.size == one.size && !memcmp(a.out, one.out, one.size)
                  && !memcmp(b.out, one.out, one.size),
              "two threads with their own contexts differ from one thread");
    free(one.out);
    free(a.out);
    free(b.out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_public_api TESTVECTORS_DIR MODEL\n");
        return 2;
    }
    snprintf(g_tiny, sizeof g_tiny, "%s/fuzz-corpus/tiny.latm", argv[1]);
    const char *photo = argv[2];
    for (size_t i = 0; i < sizeof g_px; i++)
        g_px[i] = (uint8_t)((i % (W * 4)) * 3 + (i / (W * 4)) * 5);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", LAT_VERSION_MAJOR, LAT_VERSION_MINOR, LAT_VERSION_PATCH);
    CHECK_MSG(strcmp(lat_version(), want) == 0, "library %s, header %s", lat_version(), want);
    check_lossless();
    check_lossy(photo);
    check_threads();
    check_blas_kernel();
    return check_report();
}
