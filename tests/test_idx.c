/* IDX reader: round trips through plain and gzip files, and malformed files
 * that must fail with a clear message (never a crash, never a huge
 * allocation). Also reads the committed Fashion-MNIST subset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "idx.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A valid images file of n images of r x c in a malloc'd buffer. */
static uint8_t *make_images(uint32_t n, uint32_t r, uint32_t c, size_t *size)
{
    *size = 16 + (size_t)n * r * c;
    uint8_t *b = malloc(*size);
    put_be32(b, IDX_MAGIC_IMAGES);
    put_be32(b + 4, n);
    put_be32(b + 8, r);
    put_be32(b + 12, c);
    for (size_t i = 16; i < *size; i++)
        b[i] = (uint8_t)(i * 7);
    return b;
}

static void write_file(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

/* Expects parse failure and that the message contains `needle`. */
static void expect_parse_images_error(const uint8_t *b, size_t n, const char *needle)
{
    IdxImages im;
    char err[256] = "";
    int rc = idx_parse_images(b, n, &im, err, sizeof err);
    CHECK_MSG(rc < 0, "parse of bad data succeeded (wanted '%s')", needle);
    CHECK_MSG(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    CHECK_MSG(im.pixels == NULL, "pixels left allocated");
}

static void expect_read_images_error(const char *path, const char *needle)
{
    IdxImages im;
    char err[256] = "";
    int rc = idx_read_images(path, &im, err, sizeof err);
    CHECK_MSG(rc < 0, "read of %s succeeded (wanted '%s')", path, needle);
    CHECK_MSG(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
}

static void test_memory(void)
{
    size_t n;
    uint8_t *b = make_images(3, 4, 5, &n);
    IdxImages im;
    char err[256];
    CHECK_MSG(idx_parse_images(b, n, &im, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(im.count == 3 && im.rows == 4 && im.cols == 5, "shape %u %u %u", im.count, im.rows,
              im.cols);
    CHECK_MSG(im.pixels && memcmp(im.pixels, b + 16, 60) == 0, "pixels differ");
    idx_images_free(&im);

    expect_parse_images_error(b, 3, "truncated");
    expect_parse_images_error(b, 10, "truncated IDX header");
    expect_parse_images_error(b, n - 1, "truncated IDX data");
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, b, n);
    longer[n] = 0;
    expect_parse_images_error(longer, n + 1, "trailing");
    free(longer);

    uint8_t *bad = malloc(n);
    memcpy(bad, b, n);
    put_be32(bad, IDX_MAGIC_LABELS);
    expect_parse_images_error(bad, n, "expected an IDX image file");
    memcpy(bad, b, n);
    bad[0] = 0x1f;
    expect_parse_images_error(bad, n, "not an IDX file");
    memcpy(bad, b, n);
    bad[2] = 0x0d;   // float samples
    expect_parse_images_error(bad, n, "not supported");
    memcpy(bad, b, n);
    put_be32(bad + 8, 0);   // zero rows
    expect_parse_images_error(bad, n, "invalid");
    memcpy(bad, b, n);
    put_be32(bad + 12, 100000);
    expect_parse_images_error(bad, n, "invalid");
    // Huge declared sizes must be refused from the header alone.
    memcpy(bad, b, n);
    put_be32(bad + 4, 0xffffffffu);
    expect_parse_images_error(bad, n, "above the limit");
    memcpy(bad, b, n);
    put_be32(bad + 4, 1u << 24);
    put_be32(bad + 8, 4096);
    put_be32(bad + 12, 4096);
    expect_parse_images_error(bad, n, "above the limit");
    free(bad);
    free(b);

    uint8_t lab[8 + 4] = {0, 0, 8, 1, 0, 0, 0, 4, 9, 0, 3, 1};
    IdxLabels lb;
    CHECK_MSG(idx_parse_labels(lab, sizeof lab, &lb, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(lb.count == 4 && lb.labels[0] == 9 && lb.labels[3] == 1, "labels wrong");
    idx_labels_free(&lb);
    CHECK_MSG(idx_parse_labels(lab, sizeof lab - 1, &lb, err, sizeof err) < 0, "short labels");
    uint8_t lab3[] = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5};
    CHECK_MSG(idx_parse_labels(lab3, sizeof lab3, &lb, err, sizeof err) < 0
              && strstr(err, "expected an IDX label file"),
              "images parsed as labels: %s", err);
}

static void test_files(const char *dir)
{
    char path[512], gz[600], cmd[1400];
    char err[256];
    size_t n;
    uint8_t *b = make_images(10, 28, 28, &n);
    IdxImages im = {10, 28, 28, b + 16};
    snprintf(path, sizeof path, "%s/images.idx", dir);
    CHECK_MSG(idx_write_images(path, &im, err, sizeof err) == 0, "%s", err);
    IdxImages back;
    CHECK_MSG(idx_read_images(path, &back, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(back.count == 10 && back.pixels && memcmp(back.pixels, b + 16, n - 16) == 0,
              "plain round trip");
    idx_images_free(&back);

    // gzip-compressed copy, read through `gzip -dc`.
    snprintf(gz, sizeof gz, "%s.gz", path);
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", path, gz);
    if (system(cmd) == 0) {
        CHECK_MSG(idx_read_images(gz, &back, err, sizeof err) == 0, "%s", err);
        CHECK_MSG(back.count == 10 && back.pixels && memcmp(back.pixels, b + 16, n - 16) == 0,
                  "gzip round trip");
        idx_images_free(&back);
        // A gzip stream cut short: the data ends early.
        snprintf(cmd, sizeof cmd, "head -c 200 '%s' > '%s.cut.gz'", gz, path);
        CHECK_MSG(system(cmd) == 0, "head failed");
        snprintf(gz, sizeof gz, "%s.cut.gz", path);
        expect_read_images_error(gz, "truncated");
        // A gzip of a file with a lying header: declares far more than it has.
        uint8_t *lie = malloc(n);
        memcpy(lie, b, n);
        put_be32(lie + 4, 1u << 20);
        snprintf(path, sizeof path, "%s/lie.idx", dir);
        write_file(path, lie, n);
        snprintf(cmd, sizeof cmd, "gzip -f '%s'", path);
        CHECK_MSG(system(cmd) == 0, "gzip failed");
        snprintf(gz, sizeof gz, "%s/lie.idx.gz", dir);
        expect_read_images_error(gz, "truncated IDX data");
        free(lie);
    } else {
        fprintf(stderr, "note: gzip not available, gzip cases skipped\n");
    }

    // Plain files: sizes are checked against the file length.
    snprintf(path, sizeof path, "%s/short.idx", dir);
    write_file(path, b, n - 5);
    expect_read_images_error(path, "truncated IDX file");
    snprintf(path, sizeof path, "%s/hdr.idx", dir);
    write_file(path, b, 9);
    expect_read_images_error(path, "truncated IDX header");
    snprintf(path, sizeof path, "%s/empty.idx", dir);
    write_file(path, b, 0);
    expect_read_images_error(path, "no header");
    snprintf(path, sizeof path, "%s/missing.idx", dir);
    expect_read_images_error(path, "No such file");
    expect_read_images_error(dir, "not a regular file");
    free(b);
}

static void test_subset(const char *vectors)
{
    char path[512], err[256];
    IdxImages im;
    IdxLabels lb;
    snprintf(path, sizeof path, "%s/fmnist/train-images.idx", vectors);
    CHECK_MSG(idx_read_images(path, &im, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(im.rows == 28 && im.cols == 28 && im.count > 0, "subset shape");
    snprintf(path, sizeof path, "%s/fmnist/train-labels.idx", vectors);
    CHECK_MSG(idx_read_labels(path, &lb, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(lb.count == im.count, "label count %u vs %u images", lb.count, im.count);
    for (uint32_t i = 0; i < lb.count; i++)
        CHECK_MSG(lb.labels[i] < 10, "label %u = %u", i, lb.labels[i]);
    idx_images_free(&im);
    idx_labels_free(&lb);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/lat_test_idx_XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_memory();
    test_files(dir);
    if (argc > 1)
        test_subset(argv[1]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", dir);
    if (!check_failures)
        printf("test_idx: ok\n");
    return check_report();
}
