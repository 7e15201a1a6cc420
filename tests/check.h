/* Minimal assertions for the C tests: a failed CHECK records the failure
 * with its location and the test continues; tests end with
 * `return check_report();` (exit 1 when anything failed).
 *   CHECK(cond)             prints the condition;
 *   CHECK_MSG(cond, fmt...) also a printf-style explanation;
 *   CHECK_ERR(expr, want)   an int result against the expected code.
 * check_read_file loads a test input. */
#ifndef LAT_TEST_CHECK_H
#define LAT_TEST_CHECK_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)
#define CHECK_ERR(expr, want) do { int got_ = (expr); if (got_ != (want)) { check_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d, expected %d (%s)\n", __FILE__, __LINE__, #expr, \
            got_, (int)(want), #want); } } while (0)

static inline int check_report(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

/* The whole file in a malloc'd buffer (never NULL for an empty file) and its
 * size, or NULL when it cannot be opened or read. */
static inline uint8_t *check_read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    if (ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = n;
    return buf;
}

#endif
