/* A failed allocation anywhere inside the public entry points is
 * LAT_ERR_OUT_OF_MEMORY, never a crash, a hang or a leak (the sanitizer
 * build checks leaks at exit).
 *
 * The library's allocation calls are routed through the wrappers below
 * (-Wl,--wrap, tests/meson.build): each operation runs once to count its
 * allocations, then once per allocation with exactly that one failing.
 * Each run must end in LAT_ERR_OUT_OF_MEMORY, or succeed with the same
 * result (a caller that can do without the memory). One thread, so the
 * n-th allocation is the same one in every run.
 * Usage: test_oom TESTVECTORS_DIR */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lat.h"

/* ---- failing allocator ---- */

static atomic_long g_calls;     /* allocations since the last reset */
static atomic_long g_fail_at;   /* 1-based index of the one that fails; 0: none */

static int fail_now(void)
{
    long n = atomic_fetch_add(&g_calls, 1) + 1;
    return n == atomic_load(&g_fail_at);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
char *__wrap_strdup(const char *s);

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    return fail_now() ? 12 /* ENOMEM */ : __real_posix_memalign(p, align, n);
}

/* ---- operations ---- */

typedef struct Case {
    const char *name;
    const char *model;        /* model_path, or NULL */
    int lossless;
    const LatImage *img;      /* encode this ... */
    const uint8_t *file;      /* ... or decode this */
    size_t file_size;
} Case;

/* One run: lat_open, the operation, lat_close. The output (encoded bytes
 * or decoded pixels) goes to *out / *out_size, owned by the caller. */
static int run(const Case *c, uint8_t **out, size_t *out_size)
{
    LatSettings s;
    lat_default_settings(&s);
    s.threads = 1;
    s.lossless = c->lossless;
    s.model_path = c->model;
    LatContext *ctx;
    *out = NULL;
    *out_size = 0;
    int err = lat_open(&ctx, &s);
    if (err < 0)
        return err;
    if (c->img) {
        err = lat_encode(ctx, c->img, out, out_size);
    } else {
        LatImage img;
        err = lat_decode(ctx, c->file, c->file_size, &img);
        if (err == LAT_OK) {
            *out_size = (size_t)img.width * img.height * img.channels * (img.bit_depth / 8);
            *out = __real_malloc(*out_size);
            if (*out)
                memcpy(*out, img.pixels, *out_size);
            lat_image_free(&img);
        }
    }
    lat_close(&ctx);
    return err;
}

/* Counts the allocations of a good run, then fails each in turn. */
static void sweep(const Case *c)
{
    uint8_t *want, *got;
    size_t want_size, got_size;
    atomic_store(&g_fail_at, 0);
    atomic_store(&g_calls, 0);
    int err = run(c, &want, &want_size);
    const long total = atomic_load(&g_calls);
    CHECK_MSG(err == LAT_OK && want, "%s: the run without failures: %s", c->name, lat_strerror(err));
    if (err != LAT_OK)
        return;
    int oom = 0, recovered = 0;
    for (long k = 1; k <= total; k++) {
        atomic_store(&g_calls, 0);
        atomic_store(&g_fail_at, k);
        err = run(c, &got, &got_size);
        atomic_store(&g_fail_at, 0);
        if (err == LAT_ERR_OUT_OF_MEMORY) {
            oom++;
        } else {
            CHECK_MSG(err == LAT_OK && got_size == want_size && !memcmp(got, want, want_size),
                      "%s: allocation %ld of %ld failed: %s", c->name, k, total,
                      lat_strerror(err));
            recovered++;
        }
        free(got);
    }
    printf("%-28s %4ld allocations: %d out of memory, %d done without\n", c->name, total, oom,
           recovered);
    CHECK_MSG(oom > 0, "%s: no failure reached the caller", c->name);
    free(want);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_oom TESTVECTORS_DIR\n");
        return 2;
    }
    char tiny[600], vec[600];
    snprintf(tiny, sizeof tiny, "%s/fuzz-corpus/tiny.latm", argv[1]);
    snprintf(vec, sizeof vec, "%s/lossy/rgb48-q50.lat", argv[1]);

    enum { W = 40, H = 24 };
    static uint8_t px[W * H * 4], icc[300];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 7 + (i / (W * 4)) * 13);
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (uint8_t)i;
    const LatImage rgb = {W, H, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    const LatImage rgba = {W, H, 4, 8, px, icc, sizeof icc, NULL, 0, NULL, 0, {0, 0, {0}, 0}};

    Case lossless_enc = {"lossless encode (RGBA, ICC)", NULL, 1, &rgba, NULL, 0};
    sweep(&lossless_enc);
    uint8_t *file;
    size_t size;
    CHECK(run(&lossless_enc, &file, &size) == LAT_OK);
    Case lossless_dec = {"lossless decode", NULL, 0, NULL, file, size};
    sweep(&lossless_dec);
    free(file);

    Case lossy_enc = {"lossy encode (tiny model)", tiny, 0, &rgb, NULL, 0};
    sweep(&lossy_enc);
    CHECK(run(&lossy_enc, &file, &size) == LAT_OK);
    Case lossy_dec = {"lossy decode (tiny model)", tiny, 0, NULL, file, size};
    sweep(&lossy_dec);
    free(file);

    /* A committed vector, its model found by the default search. */
    unsetenv("LAT_MODEL");
    unsetenv("LAT_MODEL_DIR");
    uint8_t *v = check_read_file(vec, &size);
    CHECK(v != NULL);
    if (v) {
        Case shipped = {"lossy decode (model search)", NULL, 0, NULL, v, size};
        sweep(&shipped);
    }
    free(v);
    return check_report();
}
