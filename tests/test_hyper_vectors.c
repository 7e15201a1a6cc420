/* The frozen architecture-3 vector (testvectors/hyper/README.md): a tiny
 * mean-scale hyperprior model, a .lat file it wrote, and what that file
 * must decode to on every machine (docs/FORMAT.md 4.4): the same latents
 * (CRC-32 of the decoded symbols) and the same pixels (the reference PNG,
 * byte for byte, 4.1). Encoding the source with the model must give the
 * file's bytes (this encoder's g_a and h_a are exact). Run by meson under
 * every OpenBLAS kernel, kernel path and thread count this CPU allows.
 *   test_hyper_vectors DIR [THREADS]   check (exit 77 when the CPU cannot
 *       run the OPENBLAS_CORETYPE or LAT_NN_PATH asked for)
 *   test_hyper_vectors --print DIR     the EXPECTED lines of DIR's file */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/checksum.h"
#include "imageio.h"
#include "lat.h"
#include "nn/det_conv.h"

#define QUALITY 50

/* 1 when this CPU has the instructions of OPENBLAS_CORETYPE (unset or a
 * kernel not listed here: 1). */
static int coretype_runs(const char *core)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (!core || !*core || strcmp(core, "Prescott") == 0)
        return 1;
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                       __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (strcmp(core, "Haswell") == 0)
        return avx2;
    if (strcmp(core, "SkylakeX") == 0)
        return avx512;
    if (strcmp(core, "Cooperlake") == 0)
        return avx512 && __builtin_cpu_supports("avx512bf16");
    return 1;
#else
    return !core || !*core;
#endif
}

static int path_runs(const char *path)
{
    if (!path || !*path)
        return 1;
    const NnDetPath p = strcmp(path, "c") == 0 ? NN_PATH_C
                      : strcmp(path, "avx2") == 0 ? NN_PATH_AVX2
                      : strcmp(path, "avx512") == 0 ? NN_PATH_AVX512 : NN_PATH_AUTO;
    return p != NN_PATH_AUTO && nn_det_path_supported(p);
}

typedef struct Decoded {
    uint32_t latent_crc, latent_count, shape[3];
    LatImage img;
} Decoded;

static int decode(LatContext *c, const uint8_t *file, size_t size, Decoded *d)
{
    memset(d, 0, sizeof *d);
    int16_t *lat;
    int e = lat_decode_latents(c, file, size, &lat, &d->latent_count, d->shape);
    if (e)
        return e;
    /* The symbols as little-endian bytes: the same CRC on any machine. */
    uint32_t crc = 0;
    for (uint32_t i = 0; i < d->latent_count; i++) {
        const uint8_t b[2] = {(uint8_t)((uint16_t)lat[i] & 0xff), (uint8_t)((uint16_t)lat[i] >> 8)};
        crc = crc32_update(crc, b, 2);
    }
    d->latent_crc = crc;
    lat_free(lat);
    return lat_decode(c, file, size, &d->img);
}

int main(int argc, char **argv)
{
    const int print = argc == 3 && strcmp(argv[1], "--print") == 0;
    if (argc < 2 || (!print && argc > 3)) {
        fprintf(stderr, "usage: test_hyper_vectors DIR [THREADS] | --print DIR\n");
        return 2;
    }
    const char *dir = argv[print ? 2 : 1];
    const int threads = !print && argc == 3 ? atoi(argv[2]) : 1;
    if (!coretype_runs(getenv("OPENBLAS_CORETYPE")) || !path_runs(getenv("LAT_NN_PATH"))) {
        printf("SKIP: this CPU cannot run OPENBLAS_CORETYPE=%s LAT_NN_PATH=%s\n",
               getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "",
               getenv("LAT_NN_PATH") ? getenv("LAT_NN_PATH") : "");
        return 77;
    }
    char model[4096], lat_path[4096], png_path[4096], src_path[4096], exp_path[4096], err[256];
    snprintf(model, sizeof model, "%s/test-hyper-n8m8.latm", dir);
    snprintf(lat_path, sizeof lat_path, "%s/source-q%d.lat", dir, QUALITY);
    snprintf(png_path, sizeof png_path, "%s/source-q%d.png", dir, QUALITY);
    snprintf(src_path, sizeof src_path, "%s/source.png", dir);
    snprintf(exp_path, sizeof exp_path, "%s/EXPECTED", dir);
    size_t size;
    uint8_t *file = check_read_file(lat_path, &size);
    CHECK_MSG(file != NULL, "cannot read %s", lat_path);
    if (!file)
        return check_report();
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = model;
    s.threads = threads;
    s.quality = QUALITY;
    s.strip_metadata = 1;
    LatContext *c;
    int e = lat_open(&c, &s);
    CHECK_MSG(e == 0, "open: %s", lat_strerror(e));
    if (e)
        return check_report();
    Decoded d;
    e = decode(c, file, size, &d);
    CHECK_MSG(e == 0, "decode %s: %s", lat_path, lat_strerror(e));
    if (print) {
        printf("latents %u %ux%ux%u crc %08x\n", d.latent_count, d.shape[0], d.shape[1],
               d.shape[2], d.latent_crc);
        printf("pixels %ux%u crc %08x\n", d.img.width, d.img.height,
               crc32_update(0, d.img.pixels, (size_t)d.img.width * d.img.height * d.img.channels));
    } else if (e == 0) {
        char want[256], got[256];
        FILE *f = fopen(exp_path, "r");
        CHECK_MSG(f && fgets(want, sizeof want, f), "cannot read %s", exp_path);
        if (f)
            fclose(f);
        snprintf(got, sizeof got, "latents %u %ux%ux%u crc %08x\n", d.latent_count, d.shape[0],
                 d.shape[1], d.shape[2], d.latent_crc);
        CHECK_MSG(strcmp(want, got) == 0, "latents (threads %d, path %s, OpenBLAS %s): %s, expected %s",
                  threads, nn_det_path_name(nn_det_path()),
                  getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "default", got, want);
        /* The pixels: the reference PNG's, every byte. */
        LatImage ref;
        CHECK_MSG(image_read_file(png_path, &ref, 0, err, sizeof err) == 0, "%s", err);
        const size_t n = (size_t)ref.width * ref.height * ref.channels;
        CHECK_MSG(ref.width == d.img.width && ref.height == d.img.height &&
                  ref.channels == d.img.channels && memcmp(ref.pixels, d.img.pixels, n) == 0,
                  "pixels differ from %s (threads %d, path %s)", png_path, threads,
                  nn_det_path_name(nn_det_path()));
        lat_image_free(&ref);
        /* The encoder: the source gives the file's bytes. */
        LatImage src;
        CHECK_MSG(image_read_file(src_path, &src, 0, err, sizeof err) == 0, "%s", err);
        uint8_t *out;
        size_t out_size;
        e = lat_encode(c, &src, &out, &out_size);
        CHECK_MSG(e == 0, "encode: %s", lat_strerror(e));
        if (e == 0) {
            CHECK_MSG(out_size == size && memcmp(out, file, size) == 0,
                      "encoding %s gives other bytes (%zu, expected %zu; threads %d, path %s)",
                      src_path, out_size, size, threads, nn_det_path_name(nn_det_path()));
            lat_free(out);
        }
        lat_image_free(&src);
    }
    lat_image_free(&d.img);
    lat_close(&c);
    free(file);
    return check_report();
}
