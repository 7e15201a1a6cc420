/* A library user's program, built against an installed liblat (lat.h and
 * pkg-config only; tests/models_cli_test.sh): encodes a small image with
 * the default model search, decodes it, prints the model id; with a .lat
 * file argument, decodes that too. Exit 0 on success, 1 with the library's
 * explanation otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include "lat.h"

/* Decodes the .lat file at path with c. */
static int decode_file(LatContext *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    static uint8_t data[1 << 20];
    size_t size = f ? fread(data, 1, sizeof data, f) : 0;
    if (f)
        fclose(f);
    LatImage img;
    int err = lat_decode(c, data, size, &img);
    if (err >= 0)
        printf("%s: %ux%u\n", path, img.width, img.height);
    lat_image_free(&img);
    return err;
}

int main(int argc, char **argv)
{
    static uint8_t px[32 * 24 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 13 % 256);
    LatImage img = {32, 24, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}}, back;
    LatContext *c;
    uint8_t *file = NULL;
    size_t size = 0;
    LatInfo info;
    int err = lat_open(&c, NULL);
    if (err >= 0)
        err = lat_encode(c, &img, &file, &size);
    if (err >= 0)
        err = lat_decode(c, file, size, &back);
    if (err >= 0)
        err = lat_inspect(file, size, &info);
    if (err >= 0 && argc > 1)
        err = decode_file(c, argv[1]);
    if (err < 0) {
        fprintf(stderr, "model_client: %s %s\n", lat_strerror(err), c ? lat_model_error(c) : "");
        lat_close(&c);
        return 1;
    }
    printf("%s %u bytes, decoded %ux%u\n", info.model_id, (unsigned)size, back.width, back.height);
    lat_image_free(&back);
    lat_free(file);
    lat_close(&c);
    return 0;
}
