/* lat_decode_latents (public API): the latents it returns from a .lat file
 * are exactly the encoder's quantized latents (lossy_analyze), with the
 * model's shape; bad input gives error codes and no buffer.
 * usage: test_decode_latents MODEL.latm TESTVECTORS_DIR (exit 77 without
 * the model). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "idx.h"
#include "lat.h"
#include "lossy/lossy.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_decode_latents MODEL TESTVECTORS_DIR\n");
        return 2;
    }
    size_t msize;
    uint8_t *mbytes = check_read_file(argv[1], &msize);
    if (!mbytes) {
        printf("test_decode_latents: %s absent, skipped\n", argv[1]);
        return 77;
    }
    LossyModel *model;
    CHECK_MSG(lossy_model_load(mbytes, msize, &model) == 0, "model load");
    free(mbytes);
    char path[600], err[256];
    IdxImages im;
    snprintf(path, sizeof path, "%s/fmnist/test-images.idx", argv[2]);
    if (idx_read_images(path, &im, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    LatSettings s;
    lat_default_settings(&s);
    s.model_path = argv[1];
    s.threads = 1;
    const int qualities[3] = {0, 50, 100};
    for (int qi = 0; qi < 3; qi++) {
        s.quality = qualities[qi];
        LatContext *c;
        CHECK_MSG(lat_open(&c, &s) == 0, "open");
        for (uint32_t i = 0; i < 8; i++) {
            uint8_t *px = im.pixels + (size_t)i * 784;
            LatImage img = {28, 28, 1, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
            uint8_t *file;
            size_t size;
            int e = lat_encode(c, &img, &file, &size);
            CHECK_MSG(e == 0, "encode: %s", lat_strerror(e));
            if (e)
                continue;
            int16_t *lat;
            uint32_t count, shape[3];
            e = lat_decode_latents(c, file, size, &lat, &count, shape);
            CHECK_MSG(e == 0, "decode latents: %s", lat_strerror(e));
            LossyLatents ref;
            CHECK_MSG(lossy_analyze(model, px, 28, 28, 1, s.quality, &ref) == 0, "analyze");
            if (e == 0) {
                CHECK_MSG(shape[0] == (uint32_t)ref.c && shape[1] == 2 && shape[2] == 2
                          && count == 4u * ref.c, "shape %u %u %u", shape[0], shape[1], shape[2]);
                int same = 1;
                for (uint32_t k = 0; k < count && k < (uint32_t)(ref.c * 4); k++)
                    same &= lat[k] == ref.q[k];
                CHECK_MSG(same, "latents differ from the encoder's (q %d, image %u)", s.quality, i);
                lat_free(lat);
            }
            lossy_latents_free(&ref);
            // Truncations of the file: an error code and no buffer, never a crash.
            for (size_t cut = 0; cut < size; cut += 7) {
                lat = (int16_t *)1;
                e = lat_decode_latents(c, file, cut, &lat, &count, shape);
                CHECK_MSG(e < 0 && lat == NULL && count == 0, "truncated to %zu: %d", cut, e);
            }
            // A flipped bit past the header: the stream checksums catch it.
            file[size - 3] ^= 0x20;
            e = lat_decode_latents(c, file, size, &lat, &count, shape);
            CHECK_MSG(e < 0 && lat == NULL, "flipped bit accepted");
            lat_free(file);
        }
        lat_close(&c);
    }
    // A lossless file has no latents.
    s.lossless = 1;
    LatContext *c;
    CHECK_MSG(lat_open(&c, &s) == 0, "open lossless");
    LatImage img = {28, 28, 1, 8, im.pixels, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file;
    size_t size;
    CHECK_MSG(lat_encode(c, &img, &file, &size) == 0, "lossless encode");
    int16_t *lat;
    uint32_t count, shape[3];
    CHECK_MSG(lat_decode_latents(c, file, size, &lat, &count, shape) == LAT_ERR_UNSUPPORTED_IMAGE,
              "lossless file");
    CHECK_MSG(lat_decode_latents(c, file, size, NULL, &count, shape) == LAT_ERR_INVALID_ARGUMENT,
              "NULL output");
    CHECK_MSG(lat_decode_latents(NULL, file, size, &lat, &count, shape) == LAT_ERR_INVALID_ARGUMENT,
              "NULL context");
    lat_free(file);
    lat_close(&c);
    lossy_model_free(model);
    idx_images_free(&im);
    if (!check_failures)
        printf("test_decode_latents: ok\n");
    return check_report();
}
