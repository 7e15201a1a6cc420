/* Image I/O tests: every PngSuite file is read (valid ones exactly, corrupt
 * x*.png refused), written back as PNG (and PPM/PGM when there is no alpha)
 * and read again with identical pixels and metadata; interlaced files must
 * equal their non-interlaced twins; JPEG ICC/EXIF extraction, PNM parsing,
 * 16-bit byte order and the pixel limit are checked on synthetic inputs.
 *
 * Usage: test_imageio PNGSUITE_DIR
 *        test_imageio --make-metadata-png OUT.png   (regenerates
 *        testvectors/meta-icc-exif.png: 24x16 RGB with an ICC profile and EXIF) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "check.h"
#include "imageio.h"
#include "imageio_internal.h"

static size_t pixel_bytes(const LatImage *img)
{
    return (size_t)img->width * img->height * img->channels * (img->bit_depth / 8);
}

static int same_pixels(const LatImage *a, const LatImage *b)
{
    return a->width == b->width && a->height == b->height && a->channels == b->channels &&
           a->bit_depth == b->bit_depth &&
           memcmp(a->pixels, b->pixels, pixel_bytes(a)) == 0;
}

static int same_blob(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

static int same_image(const LatImage *a, const LatImage *b)
{
    return same_pixels(a, b) && same_blob(a->icc, a->icc_size, b->icc, b->icc_size) &&
           same_blob(a->exif, a->exif_size, b->exif, b->exif_size);
}

/* PNG write -> read must reproduce img exactly, metadata included. */
static void check_png_round_trip(const char *name, const LatImage *img)
{
    char err[256];
    uint8_t *png;
    size_t size;
    LatImage back;
    if (png_encode_memory(img, 6, &png, &size, err, sizeof(err)) < 0) {
        CHECK_MSG(0, "%s: png encode: %s", name, err);
        return;
    }
    int r = image_read_memory(png, size, &back, 0, err, sizeof(err));
    CHECK_MSG(r == 0, "%s: png re-read: %s", name, err);
    if (r == 0)
        CHECK_MSG(same_image(img, &back), "%s: PNG round trip differs", name);
    image_clear(&back);
    free(png);
}

static void check_pnm_round_trip(const char *name, const LatImage *img)
{
    char err[256];
    uint8_t *pnm = NULL;
    size_t size = 0;
    LatImage back;
    FILE *f = open_memstream((char **)&pnm, &size);
    int w = f ? pnm_write_stream(img, f, err, sizeof(err)) : -1;
    if (f && fclose(f) != 0)
        w = -1;
    if (w < 0) {
        CHECK_MSG(0, "%s: pnm encode: %s", name, f ? err : "open_memstream");
        free(pnm);
        return;
    }
    int r = image_read_memory(pnm, size, &back, 0, err, sizeof(err));
    CHECK_MSG(r == 0, "%s: pnm re-read: %s", name, err);
    if (r == 0)
        CHECK_MSG(same_pixels(img, &back), "%s: PNM round trip differs", name);
    image_clear(&back);
    free(pnm);
}

static int read_suite_file(const char *dir, const char *name, LatImage *img, char *err,
                           size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return image_read_file(path, img, 0, err, errlen);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_pngsuite(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        CHECK_MSG(0, "cannot open %s", dir);
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".png") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), compare_names);
    int valid = 0, refused = 0;
    for (int i = 0; i < n; i++) {
        char err[256] = "";
        LatImage img;
        int r = read_suite_file(dir, names[i], &img, err, sizeof(err));
        if (names[i][0] == 'x') {
            CHECK_MSG(r < 0, "%s: corrupt file accepted", names[i]);
            CHECK_MSG(r == 0 || err[0] != '\0', "%s: refused without a reason", names[i]);
            refused += r < 0;
            if (r == 0)
                image_clear(&img);
        } else {
            CHECK_MSG(r == 0, "%s: %s", names[i], err);
            if (r == 0) {
                valid++;
                check_png_round_trip(names[i], &img);
                if (img.channels == 1 || img.channels == 3)
                    check_pnm_round_trip(names[i], &img);
                image_clear(&img);
            }
        }
    }
    printf("pngsuite: %d valid files read and round-tripped, %d corrupt files refused\n",
           valid, refused);
    CHECK_MSG(refused == 14, "expected 14 corrupt files refused, got %d", refused);

    /* Interlaced files hold the same pixels as their non-interlaced twins. */
    int pairs = 0;
    for (int i = 0; i < n; i++) {
        if (strncmp(names[i], "basi", 4) != 0)
            continue;
        char twin[64];
        snprintf(twin, sizeof(twin), "basn%s", names[i] + 4);
        char err[256];
        LatImage a, b;
        if (read_suite_file(dir, names[i], &a, err, sizeof(err)) == 0 &&
            read_suite_file(dir, twin, &b, err, sizeof(err)) == 0) {
            CHECK_MSG(same_pixels(&a, &b), "%s differs from %s", names[i], twin);
            pairs++;
            image_clear(&b);
        }
        image_clear(&a);
    }
    CHECK_MSG(pairs >= 15, "only %d interlaced pairs compared", pairs);
    for (int i = 0; i < n; i++)
        free(names[i]);
}

static void expect_shape(const char *dir, const char *name, uint32_t channels, uint32_t depth)
{
    char err[256];
    LatImage img;
    if (read_suite_file(dir, name, &img, err, sizeof(err)) < 0) {
        CHECK_MSG(0, "%s: %s", name, err);
        return;
    }
    CHECK_MSG(img.channels == channels && img.bit_depth == depth, "%s: got %u channels %u bits",
              name, img.channels, img.bit_depth);
    image_clear(&img);
}

static void test_expansions(const char *dir)
{
    expect_shape(dir, "basn0g01.png", 1, 8);
    expect_shape(dir, "basn0g16.png", 1, 16);
    expect_shape(dir, "basn3p04.png", 3, 8);  /* palette -> RGB */
    expect_shape(dir, "tbbn3p08.png", 4, 8);  /* palette + tRNS -> RGBA */
    expect_shape(dir, "tbbn0g04.png", 2, 8);  /* gray + tRNS -> gray + alpha */
    expect_shape(dir, "tbbn2c16.png", 4, 16); /* RGB16 + tRNS -> RGBA16 */
    expect_shape(dir, "basn6a16.png", 4, 16);
    /* 1-bit gray widens by bit replication: only 0 and 255 occur. */
    char err[256];
    LatImage img;
    if (read_suite_file(dir, "basn0g01.png", &img, err, sizeof(err)) == 0) {
        const uint8_t *p = img.pixels;
        int only_extremes = 1;
        for (size_t i = 0; i < (size_t)img.width * img.height; i++)
            only_extremes &= p[i] == 0 || p[i] == 255;
        CHECK_MSG(only_extremes, "basn0g01: 1-bit samples not widened to 0/255");
        image_clear(&img);
    }
}

static void test_pnm(void)
{
    char err[256];
    LatImage img;
    /* 16-bit samples are big-endian on disk and host order in memory. */
    static const uint8_t p16[] = "P5\n2 1\n65535\n\x12\x34\xAB\xCD";
    int r = image_read_memory(p16, sizeof(p16) - 1, &img, 0, err, sizeof(err));
    CHECK_MSG(r == 0, "P5 16-bit: %s", err);
    if (r == 0) {
        const uint16_t *s = img.pixels;
        CHECK_MSG(img.bit_depth == 16 && s[0] == 0x1234 && s[1] == 0xABCD, "P5 16-bit values");
        check_png_round_trip("P5 16-bit", &img);
        image_clear(&img);
    }
    /* maxval 15 is rescaled to 0..255 (x17), with a comment in the header. */
    static const uint8_t p4[] = "P6 # comment\n1 1 15\n\x00\x0F\x07";
    r = image_read_memory(p4, sizeof(p4) - 1, &img, 0, err, sizeof(err));
    CHECK_MSG(r == 0, "P6 maxval 15: %s", err);
    if (r == 0) {
        const uint8_t *s = img.pixels;
        CHECK_MSG(s[0] == 0 && s[1] == 255 && s[2] == 119, "P6 maxval 15 values %u %u %u", s[0],
                  s[1], s[2]);
        image_clear(&img);
    }
    static const uint8_t over[] = "P5\n1 1\n15\n\x10";
    CHECK_MSG(image_read_memory(over, sizeof(over) - 1, &img, 0, err, sizeof(err)) < 0,
              "sample above maxval accepted");
    static const uint8_t trunc[] = "P6\n4 4\n255\n\x01\x02";
    CHECK_MSG(image_read_memory(trunc, sizeof(trunc) - 1, &img, 0, err, sizeof(err)) < 0,
              "truncated PPM accepted");
    static const uint8_t huge[] = "P6\n100000 100000\n255\n";
    CHECK_MSG(image_read_memory(huge, sizeof(huge) - 1, &img, 0, err, sizeof(err)) < 0 &&
              strstr(err, "limit") != NULL,
              "absurd PPM dimensions not refused by the pixel limit: %s", err);
    CHECK_MSG(image_read_memory((const uint8_t *)"", 0, &img, 0, err, sizeof(err)) < 0,
              "empty input accepted");
    static const char text[] = "hello, this is not an image\n";
    CHECK_MSG(image_read_memory((const uint8_t *)text, sizeof(text) - 1, &img, 0, err,
                            sizeof(err)) < 0,
              "text accepted as an image");
}

/* A small ICC profile that libpng accepts: the 128-byte header (size,
 * 'mntr' class, 'RGB ' data, 'XYZ ' PCS, 'acsp' magic, D50 illuminant), a
 * media white point tag and a tag of incompressible bytes (libpng 1.6.39
 * ignores iCCP chunks shorter than 92 bytes, so a profile that deflates
 * too well would be dropped on read). */
#define ICC_SIZE 292
static size_t make_icc(uint8_t *p)
{
    memset(p, 0, ICC_SIZE);
    p[2] = ICC_SIZE >> 8;
    p[3] = ICC_SIZE & 255;
    memcpy(p + 8, "\x04\x20\x00\x00", 4); /* version 4.2 */
    memcpy(p + 12, "mntr", 4);
    memcpy(p + 16, "RGB ", 4);
    memcpy(p + 20, "XYZ ", 4);
    memcpy(p + 36, "acsp", 4);
    memcpy(p + 68, "\x00\x00\xF6\xD6\x00\x01\x00\x00\x00\x00\xD3\x2D", 12);
    p[131] = 2;                                                   /* tag count */
    memcpy(p + 132, "wtpt\x00\x00\x00\x9C\x00\x00\x00\x14", 12); /* 156, 20 bytes */
    memcpy(p + 144, "zzzz\x00\x00\x00\xB0\x00\x00\x00\x74", 12); /* 176, 116 bytes */
    memcpy(p + 156, "XYZ ", 4);
    memcpy(p + 164, "\x00\x00\xF6\xD6\x00\x01\x00\x00\x00\x00\xD3\x2D", 12);
    uint32_t x = 12345;
    for (int i = 176; i < ICC_SIZE; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 24);
    }
    return ICC_SIZE;
}

static const uint8_t exif_block[] = "MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03"
                                    "\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00";

static void test_jpeg_metadata(void)
{
    uint8_t icc[ICC_SIZE];
    size_t icc_size = make_icc(icc);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *jpg = NULL;
    unsigned long jpg_size = 0;
    jpeg_mem_dest(&c, &jpg, &jpg_size);
    c.image_width = 17;
    c.image_height = 9;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    jpeg_write_icc_profile(&c, icc, (unsigned)icc_size);
    uint8_t app1[6 + sizeof(exif_block)];
    memcpy(app1, "Exif\0\0", 6);
    memcpy(app1 + 6, exif_block, sizeof(exif_block));
    jpeg_write_marker(&c, JPEG_APP0 + 1, app1, sizeof(app1));
    uint8_t row[17 * 3];
    for (int i = 0; i < 17 * 3; i++)
        row[i] = (uint8_t)(i * 5);
    while (c.next_scanline < c.image_height) {
        JSAMPROW rp = row;
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);

    char err[256];
    LatImage img;
    int r = image_read_memory(jpg, jpg_size, &img, 0, err, sizeof(err));
    CHECK_MSG(r == 0, "JPEG read: %s", err);
    if (r == 0) {
        CHECK_MSG(img.width == 17 && img.height == 9 && img.channels == 3 && img.bit_depth == 8,
                  "JPEG shape");
        CHECK_MSG(same_blob(img.icc, img.icc_size, icc, icc_size), "JPEG ICC not extracted");
        CHECK_MSG(same_blob(img.exif, img.exif_size, exif_block, sizeof(exif_block)),
                  "JPEG EXIF not extracted");
        /* ...and they survive PNG write -> read (iCCP, eXIf). */
        check_png_round_trip("JPEG with ICC+EXIF", &img);
        image_clear(&img);
    }
    CHECK_MSG(image_read_memory(jpg, jpg_size / 2, &img, 0, err, sizeof(err)) < 0,
              "truncated JPEG accepted");
    CHECK_MSG(image_read_memory(jpg, jpg_size, &img, 100, err, sizeof(err)) < 0,
              "JPEG above the pixel limit accepted");
    free(jpg);
}

/* A w x h JPEG with `components` channels of colour space cs, in memory. */
static unsigned char *make_jpeg(int components, J_COLOR_SPACE cs, unsigned long *size)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *jpg = NULL;
    *size = 0;
    jpeg_mem_dest(&c, &jpg, size);
    c.image_width = 8;
    c.image_height = 8;
    c.input_components = components;
    c.in_color_space = cs;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    uint8_t row[8 * 4];
    for (int i = 0; i < 8 * 4; i++)
        row[i] = (uint8_t)(i * 8);
    while (c.next_scanline < c.image_height) {
        JSAMPROW rp = row;
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return jpg;
}

static void test_jpeg_color_spaces(void)
{
    char err[256];
    LatImage img;
    unsigned long size;
    unsigned char *gray = make_jpeg(1, JCS_GRAYSCALE, &size);
    int r = image_read_memory(gray, size, &img, 0, err, sizeof(err));
    CHECK_MSG(r == 0 && img.channels == 1 && img.bit_depth == 8, "gray JPEG: %s", err);
    if (r == 0)
        image_clear(&img);
    free(gray);
    unsigned char *cmyk = make_jpeg(4, JCS_CMYK, &size);
    r = image_read_memory(cmyk, size, &img, 0, err, sizeof(err));
    CHECK_MSG(r < 0 && strstr(err, "CMYK") != NULL, "CMYK JPEG not refused by name: %s", err);
    free(cmyk);
}

static void test_png_limits(const char *dir)
{
    char path[4096], err[256];
    snprintf(path, sizeof(path), "%s/basn2c08.png", dir);
    uint8_t *data;
    size_t size;
    LatImage img;
    if (read_whole_file(path, &data, &size, err, sizeof(err)) < 0) {
        CHECK_MSG(0, "%s", err);
        return;
    }
    CHECK_MSG(image_read_memory(data, size, &img, 32 * 32 - 1, err, sizeof(err)) < 0,
              "PNG above the pixel limit accepted");
    for (size_t cut = 8; cut < size; cut += 97)
        CHECK_MSG(image_read_memory(data, cut, &img, 0, err, sizeof(err)) < 0,
                  "PNG truncated to %zu bytes accepted", cut);
    free(data);
}

static int make_metadata_png(const char *path)
{
    uint8_t icc[ICC_SIZE], px[24 * 16 * 3];
    for (int i = 0; i < 24 * 16 * 3; i++)
        px[i] = (uint8_t)(i * 7 + (i / 72) * 13);
    LatImage img = {24, 16, 3, 8, px, icc, make_icc(icc), (uint8_t *)exif_block,
                    sizeof(exif_block), NULL, 0, {0, 0, {0}, 0}};
    char err[256];
    if (image_write_file(path, &img, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--make-metadata-png") == 0)
        return make_metadata_png(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: test_imageio PNGSUITE_DIR\n");
        return 2;
    }
    test_pngsuite(argv[1]);
    test_expansions(argv[1]);
    test_png_limits(argv[1]);
    test_pnm();
    test_jpeg_metadata();
    test_jpeg_color_spaces();
    if (!check_failures)
        printf("all image I/O checks passed\n");
    return check_report();
}
