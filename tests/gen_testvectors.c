/* Regenerates testvectors/lat/ (small valid lossless files with their
 * expected pixels) and testvectors/invalid/ (hostile files, each refused
 * with the error named in testvectors/invalid/README.md).
 *
 *   gen_testvectors TESTVECTORS_DIR KODAK_PPM
 *
 * KODAK_PPM: a binary 8-bit P6 image; a 48x32 crop of it is used. Output is
 * deterministic. Not run by the test suite (the files are committed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "container/container.h"

static void write_file(const char *dir, const char *name, const uint8_t *d, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

static uint8_t *crop_ppm(const char *path, uint32_t cw, uint32_t ch)
{
    FILE *f = fopen(path, "rb");
    int w, h, max;
    if (!f || fscanf(f, "P6 %d %d %d", &w, &h, &max) != 3 || max != 255 || w < (int)cw + 200 || h < (int)ch + 200) {
        fprintf(stderr, "need an 8-bit P6 image of at least %ux%u\n", cw + 200, ch + 200);
        exit(1);
    }
    fgetc(f);
    uint8_t *all = malloc((size_t)w * h * 3), *out = malloc((size_t)cw * ch * 3);
    if (fread(all, 1, (size_t)w * h * 3, f) != (size_t)w * h * 3)
        exit(1);
    fclose(f);
    for (uint32_t y = 0; y < ch; y++)   /* from (200, 200): some texture */
        memcpy(out + (size_t)y * cw * 3, all + ((size_t)(y + 200) * w + 200) * 3, (size_t)cw * 3);
    free(all);
    return out;
}

/* Encodes with the lossless mode and writes NAME.lat and NAME.raw (expected
 * pixels; 16-bit samples little-endian). */
static void valid_vector(const char *dir, const char *name, LatImage *img)
{
    LatSettings s;
    lat_default_settings(&s);
    s.lossless = 1;
    LatContext *c;
    uint8_t *file;
    size_t size;
    if (lat_open(&c, &s) < 0 || lat_encode(c, img, &file, &size) < 0)
        exit(1);
    char fn[256];
    snprintf(fn, sizeof fn, "%s.lat", name);
    write_file(dir, fn, file, size);
    size_t n = (size_t)img->width * img->height * img->channels;
    uint8_t *raw = malloc(n * 2);
    for (size_t i = 0; i < n; i++) {
        if (img->bit_depth == 8)
            raw[i] = ((uint8_t *)img->pixels)[i];
        else
            put_u16(raw + 2 * i, ((uint16_t *)img->pixels)[i]);
    }
    snprintf(fn, sizeof fn, "%s.raw", name);
    write_file(dir, fn, raw, n * (img->bit_depth / 8));
    free(raw);
    lat_free(file);
    lat_close(&c);
}

static uint8_t *base;     /* a valid lossless file */
static size_t base_size;

static size_t header_size(const uint8_t *f)
{
    return LAT_HEADER_FIXED_SIZE + (size_t)get_u32(f + 72) * LAT_TABLE_ENTRY_SIZE + 4;
}

static void fix_crc(uint8_t *f)
{
    size_t hs = header_size(f);
    put_u32(f + hs - 4, crc32_update(0, f, hs - 4));
}

static uint8_t *copy_base(void)
{
    uint8_t *g = malloc(base_size + 16);
    memcpy(g, base, base_size);
    return g;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_testvectors TESTVECTORS_DIR KODAK_PPM\n");
        return 2;
    }
    char lat_dir[4096], bad_dir[4096];
    snprintf(lat_dir, sizeof lat_dir, "%s/lat", argv[1]);
    snprintf(bad_dir, sizeof bad_dir, "%s/invalid", argv[1]);

    uint8_t *crop = crop_ppm(argv[2], 48, 32);
    LatImage rgb = {48, 32, 3, 8, crop, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    valid_vector(lat_dir, "kodim-crop-rgb8", &rgb);
    uint16_t *ga = malloc(sizeof(uint16_t) * 37 * 21 * 2);
    for (uint32_t i = 0; i < 37 * 21; i++) {
        ga[2 * i] = (uint16_t)(crop[i * 3 + 1] * 257u + (i * 7919u) % 251u);
        ga[2 * i + 1] = (uint16_t)(i % 37 < 18 ? 65535 : (i % 37) * 1000u);
    }
    LatImage gray_alpha = {37, 21, 2, 16, ga, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    valid_vector(lat_dir, "synthetic-ga16", &gray_alpha);
    uint8_t icc[] = "not a real ICC profile, just bytes to carry";
    LatImage rgba = {19, 13, 4, 8, crop, icc, sizeof icc, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    valid_vector(lat_dir, "kodim-crop-rgba8-icc", &rgba);

    /* The hostile files start from the RGB crop. */
    {
        LatSettings s;
        lat_default_settings(&s);
        s.lossless = 1;
        LatContext *c;
        if (lat_open(&c, &s) < 0 || lat_encode(c, &rgb, &base, &base_size) < 0)
            return 1;
        lat_close(&c);
    }
    size_t hs = header_size(base);
    uint8_t *g;
    write_file(bad_dir, "empty.lat", base, 0);
    write_file(bad_dir, "truncated-header.lat", base, 40);
    write_file(bad_dir, "truncated-stream.lat", base, base_size - 5);
    g = copy_base(); g[0] = 'P'; write_file(bad_dir, "bad-magic.lat", g, base_size); free(g);
    g = copy_base(); put_u16(g + 8, 2); write_file(bad_dir, "unknown-version.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + 16, 0x100); fix_crc(g);
    write_file(bad_dir, "unknown-required-flag.lat", g, base_size); free(g);
    g = copy_base(); g[10] = 9; fix_crc(g); write_file(bad_dir, "unknown-mode.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + LAT_HEADER_FIXED_SIZE, 4242); fix_crc(g);
    write_file(bad_dir, "unknown-stream-type.lat", g, base_size); free(g);
    g = copy_base(); g[25] ^= 1; write_file(bad_dir, "bad-header-checksum.lat", g, base_size); free(g);
    g = copy_base(); g[hs + 20] ^= 0x10; write_file(bad_dir, "corrupt-stream.lat", g, base_size); free(g);
    g = copy_base(); g[base_size - 2] ^= 0x01; write_file(bad_dir, "bad-stream-checksum.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + 24, 0); fix_crc(g); write_file(bad_dir, "zero-width.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + 24, 70000); put_u32(g + 28, 70000); fix_crc(g);
    write_file(bad_dir, "huge-dimensions.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + 24, 65535); put_u32(g + 28, 65535); fix_crc(g);
    write_file(bad_dir, "too-many-pixels.lat", g, base_size); free(g);
    g = copy_base(); g[11] = 7; fix_crc(g); write_file(bad_dir, "bad-channels.lat", g, base_size); free(g);
    g = copy_base(); put_u32(g + 72, 1000); write_file(bad_dir, "too-many-streams.lat", g, base_size); free(g);
    g = copy_base(); put_u64(g + LAT_HEADER_FIXED_SIZE + 8, 1ull << 40); fix_crc(g);
    write_file(bad_dir, "stream-outside-file.lat", g, base_size); free(g);
    g = copy_base(); put_u64(g + LAT_HEADER_FIXED_SIZE + 16, 1ull << 33); fix_crc(g);
    write_file(bad_dir, "raw-size-too-large.lat", g, base_size); free(g);
    g = copy_base(); put_u64(g + LAT_HEADER_FIXED_SIZE + LAT_TABLE_ENTRY_SIZE + 16, get_u64(g + LAT_HEADER_FIXED_SIZE + LAT_TABLE_ENTRY_SIZE + 16) + 1);
    fix_crc(g); write_file(bad_dir, "raw-size-mismatch.lat", g, base_size); free(g);
    g = copy_base(); memcpy(g + base_size, "PADDING", 7); write_file(bad_dir, "trailing-data.lat", g, base_size + 7); free(g);
    g = copy_base(); put_u32(g + 28, 31); fix_crc(g);   /* one row fewer than coded */
    write_file(bad_dir, "dimensions-mismatch.lat", g, base_size); free(g);
    {
        /* A lossless file without its extra-bits stream: the table is
         * consistent, the lossless decoder refuses. */
        uint32_t n = get_u32(base + 72);
        size_t last_stored = (size_t)get_u64(base + LAT_HEADER_FIXED_SIZE + (n - 1) * LAT_TABLE_ENTRY_SIZE + 8);
        size_t nhs = hs - LAT_TABLE_ENTRY_SIZE, body = base_size - hs - last_stored;
        g = malloc(base_size);
        memcpy(g, base, LAT_HEADER_FIXED_SIZE + (size_t)(n - 1) * LAT_TABLE_ENTRY_SIZE);
        put_u32(g + 72, n - 1);
        memcpy(g + nhs, base + hs, body);
        fix_crc(g);
        write_file(bad_dir, "missing-stream.lat", g, nhs + body);
        free(g);
    }
    {
        LatHeader h;
        memset(&h, 0, sizeof h);
        h.mode = LAT_MODE_LOSSY;
        h.width = 48;
        h.height = 32;
        h.channels = 3;
        h.bit_depth = 8;
        h.quality = 75;
        strcpy(h.model_id, "no-such-model");
        h.model_hash = 0x1234;
        StreamList l = {0};
        uint8_t *f;
        size_t n;
        if (container_write(&h, &l, &f, &n) < 0)
            return 1;
        write_file(bad_dir, "lossy-no-model.lat", f, n);
        free(f);
    }
    free(base);
    free(crop);
    free(ga);
    return 0;
}
