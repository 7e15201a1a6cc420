/* Classifier weights file (".latc"), version 1. All integers and floats
 * little-endian:
 *
 *   offset  size  field
 *   0       8     magic "LATCLS\0\1"
 *   8       4     u32 kind: 1 softmax, 2 mlp
 *   12      4     u32 dim      (1 .. 2^20)
 *   16      4     u32 hidden   (0 for softmax; 1 .. 8192 for mlp)
 *   20      4     u32 classes  (2 .. 256)
 *   24      64    tag: feature description, NUL-terminated, NUL-padded
 *   88      ...   f32 arrays: mean[dim], inv_std[dim], w1[dim*o], b1[o]
 *                 with o = hidden (mlp) or classes (softmax); for mlp
 *                 also w2[hidden*classes], b2[classes]
 *   end-8   8     u64 FNV-1a-64 of every preceding byte
 *
 * The reader checks the magic, every field's range, the exact file size,
 * the checksum, and that every float is finite. */
#include "classifier.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"
#include "le_bytes.h"
#include "output_file.h"

static const uint8_t kMagic[8] = {'L', 'A', 'T', 'C', 'L', 'S', 0, 1};
#define HEADER_SIZE 88u
#define MAX_FILE_SIZE (1ull << 31)

/* Number of floats after the header for a shape. */
static uint64_t float_count(uint32_t kind, uint64_t dim, uint64_t hidden, uint64_t classes)
{
    uint64_t o = kind == CLS_MLP ? hidden : classes;
    uint64_t n = 2 * dim + dim * o + o;
    if (kind == CLS_MLP)
        n += hidden * classes + classes;
    return n;
}

int classifier_save(const Classifier *c, const char *path, char *err, size_t errlen)
{
    uint64_t nf = float_count(c->kind, c->dim, c->hidden, c->classes);
    size_t size = HEADER_SIZE + (size_t)nf * 4 + 8;
    uint8_t *buf = calloc(1, size);
    if (!buf) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    memcpy(buf, kMagic, 8);
    put_le32(buf + 8, c->kind);
    put_le32(buf + 12, c->dim);
    put_le32(buf + 16, c->hidden);
    put_le32(buf + 20, c->classes);
    memcpy(buf + 24, c->tag, strnlen(c->tag, CLS_TAG_SIZE - 1));
    uint8_t *p = buf + HEADER_SIZE;
    uint32_t o = c->kind == CLS_MLP ? c->hidden : c->classes;
    const struct { const float *v; size_t n; } arrays[] = {
        {c->mean, c->dim}, {c->inv_std, c->dim}, {c->w1, (size_t)c->dim * o}, {c->b1, o},
        {c->w2, c->kind == CLS_MLP ? (size_t)c->hidden * c->classes : 0},
        {c->b2, c->kind == CLS_MLP ? c->classes : 0},
    };
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        for (size_t i = 0; i < arrays[a].n; i++) {
            uint32_t u;
            memcpy(&u, &arrays[a].v[i], 4);
            put_le32(p, u);
            p += 4;
        }
    uint64_t h = fnv1a64(buf, size - 8);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(h >> (8 * i));
    int rc = output_write_all(path, NULL, buf, size, err, errlen);
    free(buf);
    return rc;
}

int classifier_parse(const uint8_t *data, size_t size, Classifier *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (size < HEADER_SIZE + 8 || memcmp(data, kMagic, 8) != 0) {
        set_err(err, errlen, "not a lat classifier weights file (bad magic or too short)");
        return -1;
    }
    uint32_t kind = get_le32(data + 8), dim = get_le32(data + 12);
    uint32_t hidden = get_le32(data + 16), classes = get_le32(data + 20);
    if (kind != CLS_SOFTMAX && kind != CLS_MLP) {
        set_err(err, errlen, "unknown classifier kind %u", kind);
        return -1;
    }
    if (dim == 0 || dim > CLS_MAX_DIM || classes < 2 || classes > CLS_MAX_CLASSES
        || (kind == CLS_MLP && (hidden == 0 || hidden > CLS_MAX_HIDDEN))
        || (kind == CLS_SOFTMAX && hidden != 0)) {
        set_err(err, errlen, "classifier shape out of range (dim %u, hidden %u, classes %u)",
                dim, hidden, classes);
        return -1;
    }
    if (memchr(data + 24, 0, CLS_TAG_SIZE) == NULL) {
        set_err(err, errlen, "classifier tag not NUL-terminated");
        return -1;
    }
    uint64_t nf = float_count(kind, dim, hidden, classes);
    uint64_t want = HEADER_SIZE + nf * 4 + 8;
    if ((uint64_t)size != want) {
        set_err(err, errlen, "classifier file is %zu bytes, its header declares %llu", size,
                (unsigned long long)want);
        return -1;
    }
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h |= (uint64_t)data[size - 8 + i] << (8 * i);
    if (h != fnv1a64(data, size - 8)) {
        set_err(err, errlen, "classifier file checksum mismatch (corrupted)");
        return -1;
    }
    if (classifier_init(c, kind, dim, hidden, classes, (const char *)data + 24) < 0) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    uint32_t o = kind == CLS_MLP ? hidden : classes;
    float *arrays[] = {c->mean, c->inv_std, c->w1, c->b1, c->w2, c->b2};
    size_t counts[] = {dim, dim, (size_t)dim * o, o,
                       kind == CLS_MLP ? (size_t)hidden * classes : 0,
                       kind == CLS_MLP ? classes : 0};
    const uint8_t *p = data + HEADER_SIZE;
    for (int a = 0; a < 6; a++)
        for (size_t i = 0; i < counts[a]; i++) {
            uint32_t u = get_le32(p);
            p += 4;
            float f;
            memcpy(&f, &u, 4);
            if (!isfinite(f)) {
                classifier_free(c);
                set_err(err, errlen, "classifier file holds a non-finite weight");
                return -1;
            }
            arrays[a][i] = f;
        }
    return 0;
}

int classifier_load(const char *path, Classifier *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || (unsigned long long)size > MAX_FILE_SIZE || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        set_err(err, errlen, "%s: not a readable regular file of sane size", path);
        return -1;
    }
    buf = malloc(size ? (size_t)size : 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        fclose(f);
        set_err(err, errlen, "%s: read failed", path);
        return -1;
    }
    fclose(f);
    char why[200];
    int rc = classifier_parse(buf, (size_t)size, c, why, sizeof why);
    free(buf);
    if (rc < 0)
        set_err(err, errlen, "%s: %s", path, why);
    return rc;
}
