/* IDX reader/writer: see idx.h. */
#include "idx.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errmsg.h"
#include "output_file.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* What a header declares. dims[0] is the item count. */
typedef struct IdxHeader {
    uint32_t magic;
    uint32_t ndim;
    uint32_t dims[3];
    size_t header_size;
    uint64_t payload;   /* bytes of samples */
} IdxHeader;

static const char *kind_name(uint32_t magic)
{
    return magic == IDX_MAGIC_IMAGES ? "image" : "label";
}

/* Validates the 4-byte magic against the expected kind. */
static int check_magic(const uint8_t m[4], uint32_t want, IdxHeader *h, char *err, size_t errlen)
{
    uint32_t got = be32(m);
    if (m[0] != 0 || m[1] != 0) {
        set_err(err, errlen, "not an IDX file (magic %08x)", got);
        return -1;
    }
    if (m[2] != 0x08) {
        set_err(err, errlen, "IDX sample type 0x%02x not supported (only unsigned bytes, 0x08)",
                m[2]);
        return -1;
    }
    if (got != want) {
        set_err(err, errlen, "expected an IDX %s file (magic %08x), got magic %08x (%u dims)",
                kind_name(want), want, got, m[3]);
        return -1;
    }
    h->magic = got;
    h->ndim = m[3];   // fixed by the magic: 3 for images, 1 for labels (bounds dims[])
    h->header_size = 4 + 4 * (size_t)h->ndim;
    return 0;
}

/* Validates the dimensions (already read into d, ndim*4 bytes). */
static int check_dims(const uint8_t *d, IdxHeader *h, char *err, size_t errlen)
{
    uint64_t total = 1;
    for (uint32_t i = 0; i < h->ndim; i++) {
        h->dims[i] = be32(d + 4 * i);
        total *= h->dims[i];
    }
    if (h->dims[0] > IDX_MAX_COUNT) {
        set_err(err, errlen, "IDX declares %u items, above the limit %u", h->dims[0],
                IDX_MAX_COUNT);
        return -1;
    }
    if (h->ndim == 3) {
        if (h->dims[1] == 0 || h->dims[2] == 0 || h->dims[1] > IDX_MAX_SIDE
            || h->dims[2] > IDX_MAX_SIDE) {
            set_err(err, errlen, "IDX image size %ux%u invalid (1..%u per side)", h->dims[2],
                    h->dims[1], IDX_MAX_SIDE);
            return -1;
        }
    }
    if (total > IDX_MAX_BYTES) {
        set_err(err, errlen, "IDX payload of %llu bytes is above the limit",
                (unsigned long long)total);
        return -1;
    }
    h->payload = total;
    return 0;
}

static int parse_header(const uint8_t *data, size_t size, uint32_t magic, IdxHeader *h,
                        char *err, size_t errlen)
{
    if (size < 4) {
        set_err(err, errlen, "truncated IDX file: %zu bytes, no header", size);
        return -1;
    }
    if (check_magic(data, magic, h, err, errlen) < 0)
        return -1;
    if (size < h->header_size) {
        set_err(err, errlen, "truncated IDX header: %zu bytes, need %zu", size, h->header_size);
        return -1;
    }
    return check_dims(data + 4, h, err, errlen);
}

/* ---- a byte source: a plain file or the stdout of `gzip -dc` ---- */

typedef struct Source {
    FILE *f;
    pid_t child;       /* > 0 when f is a pipe from gzip */
    long long size;    /* plain file length, -1 for a pipe */
} Source;

static int source_open(Source *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->size = -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t sig[2] = {0, 0};
    size_t n = fread(sig, 1, 2, f);
    if (!(n == 2 && sig[0] == 0x1f && sig[1] == 0x8b)) {
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
            fclose(f);
            set_err(err, errlen, "%s: not a regular file", path);
            return -1;
        }
        rewind(f);
        s->f = f;
        s->size = (long long)st.st_size;
        return 0;
    }
    fclose(f);
    // gzip: decompress with the gzip program, no shell involved.
    int fds[2];
    if (pipe(fds) != 0) {
        set_err(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        set_err(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("gzip", "gzip", "-dc", "--", path, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    s->f = fdopen(fds[0], "rb");
    if (!s->f) {
        close(fds[0]);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        set_err(err, errlen, "fdopen: %s", strerror(errno));
        return -1;
    }
    s->child = pid;
    return 0;
}

/* Closes; for a gzip source reports whether gzip succeeded (0) or not (-1). */
static int source_close(Source *s)
{
    int rc = 0;
    if (s->f)
        fclose(s->f);
    if (s->child > 0) {
        int status = 0;
        if (waitpid(s->child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = -1;
    }
    memset(s, 0, sizeof *s);
    return rc;
}

/* Reads exactly n bytes into a buffer that grows as data arrives (never
 * more than min(n, received + 16 MiB) allocated). */
static int source_read_exact(Source *s, uint64_t n, uint8_t **out, uint64_t *got)
{
    const uint64_t chunk = 16u << 20;
    uint8_t *buf = NULL;
    uint64_t cap = 0, have = 0;
    *out = NULL;
    *got = 0;
    if (n > SIZE_MAX)
        return -1;
    while (have < n) {
        if (have == cap) {
            uint64_t ncap = n - cap > chunk ? cap + chunk : n;
            uint8_t *nb = realloc(buf, (size_t)ncap);
            if (!nb) {
                free(buf);
                return -2;
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + have, 1, (size_t)(cap - have), s->f);
        if (r == 0)
            break;
        have += r;
    }
    if (!buf) {                      // n == 0: a valid, empty payload
        buf = malloc(1);
        if (!buf)
            return -2;
    }
    *out = buf;
    *got = have;
    return 0;
}

/* Reads a whole IDX file of the expected kind: header, then the payload. */
static int read_idx(const char *path, uint32_t magic, IdxHeader *h, uint8_t **payload,
                    char *err, size_t errlen)
{
    char why[200];
    Source s;
    *payload = NULL;
    if (source_open(&s, path, why, sizeof why) < 0) {
        set_err(err, errlen, "%s", why);
        return -1;
    }
    uint8_t hdr[4 + 4 * 3];
    size_t n = fread(hdr, 1, 4, s.f);
    int rc = -1;
    if (n < 4) {
        snprintf(why, sizeof why, "truncated IDX file: %zu bytes, no header", n);
        goto fail;
    }
    if (check_magic(hdr, magic, h, why, sizeof why) < 0)
        goto fail;
    n = fread(hdr + 4, 1, 4 * (size_t)h->ndim, s.f);
    if (n < 4 * (size_t)h->ndim) {
        snprintf(why, sizeof why, "truncated IDX header");
        goto fail;
    }
    if (check_dims(hdr + 4, h, why, sizeof why) < 0)
        goto fail;
    uint64_t want = h->header_size + h->payload;
    if (s.size >= 0 && (uint64_t)s.size != want) {
        snprintf(why, sizeof why, "%s IDX file: %lld bytes, header declares %llu",
                 (uint64_t)s.size < want ? "truncated" : "trailing bytes in", s.size,
                 (unsigned long long)want);
        goto fail;
    }
    uint64_t got = 0;
    int r = source_read_exact(&s, h->payload, payload, &got);
    if (r == -2) {
        snprintf(why, sizeof why, "out of memory");
        goto fail;
    }
    if (r < 0 || got < h->payload) {
        snprintf(why, sizeof why, "truncated IDX data: %llu of %llu sample bytes",
                 (unsigned long long)got, (unsigned long long)h->payload);
        goto fail;
    }
    if (fgetc(s.f) != EOF) {
        snprintf(why, sizeof why, "trailing bytes after the declared IDX data");
        goto fail;
    }
    rc = 0;
fail:
    if (source_close(&s) < 0 && rc == 0) {
        snprintf(why, sizeof why, "gzip -dc failed");
        rc = -1;
    }
    if (rc < 0) {
        free(*payload);
        *payload = NULL;
        set_err(err, errlen, "%s: %s", path, why);
    }
    return rc;
}

/* The result of reading or parsing an images / labels file (rc: 0 or -1 from
 * read_idx / parse_idx): out takes the payload, or is zeroed on failure. */
static int images_result(int rc, const IdxHeader *h, uint8_t *pixels, IdxImages *out)
{
    memset(out, 0, sizeof *out);
    if (rc < 0)
        return -1;
    out->count = h->dims[0];
    out->rows = h->dims[1];
    out->cols = h->dims[2];
    out->pixels = pixels;
    return 0;
}

static int labels_result(int rc, const IdxHeader *h, uint8_t *labels, IdxLabels *out)
{
    memset(out, 0, sizeof *out);
    if (rc < 0)
        return -1;
    out->count = h->dims[0];
    out->labels = labels;
    return 0;
}

int idx_read_images(const char *path, IdxImages *out, char *err, size_t errlen)
{
    IdxHeader h;
    uint8_t *p = NULL;
    int rc = read_idx(path, IDX_MAGIC_IMAGES, &h, &p, err, errlen);
    return images_result(rc, &h, p, out);
}

int idx_read_labels(const char *path, IdxLabels *out, char *err, size_t errlen)
{
    IdxHeader h;
    uint8_t *p = NULL;
    int rc = read_idx(path, IDX_MAGIC_LABELS, &h, &p, err, errlen);
    return labels_result(rc, &h, p, out);
}

static int parse_idx(const uint8_t *data, size_t size, uint32_t magic, IdxHeader *h,
                     uint8_t **payload, char *err, size_t errlen)
{
    *payload = NULL;
    if (parse_header(data, size, magic, h, err, errlen) < 0)
        return -1;
    uint64_t have = size - h->header_size;
    if (have != h->payload) {
        set_err(err, errlen, "%s IDX data: %llu bytes, header declares %llu",
                have < h->payload ? "truncated" : "trailing bytes in",
                (unsigned long long)have, (unsigned long long)h->payload);
        return -1;
    }
    *payload = malloc(h->payload ? (size_t)h->payload : 1);
    if (!*payload) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    memcpy(*payload, data + h->header_size, (size_t)h->payload);
    return 0;
}

int idx_parse_images(const uint8_t *data, size_t size, IdxImages *out, char *err, size_t errlen)
{
    IdxHeader h;
    uint8_t *p = NULL;
    int rc = parse_idx(data, size, IDX_MAGIC_IMAGES, &h, &p, err, errlen);
    return images_result(rc, &h, p, out);
}

int idx_parse_labels(const uint8_t *data, size_t size, IdxLabels *out, char *err, size_t errlen)
{
    IdxHeader h;
    uint8_t *p = NULL;
    int rc = parse_idx(data, size, IDX_MAGIC_LABELS, &h, &p, err, errlen);
    return labels_result(rc, &h, p, out);
}

static int write_idx(const char *path, uint32_t magic, const uint32_t *dims, uint32_t ndim,
                     const uint8_t *payload, size_t size, char *err, size_t errlen)
{
    uint8_t hdr[16];
    put_be32(hdr, magic);
    for (uint32_t i = 0; i < ndim; i++)
        put_be32(hdr + 4 + 4 * i, dims[i]);
    OutputFile o;
    if (output_open(&o, path, NULL, err, errlen) < 0)
        return -1;
    size_t hs = 4 + 4 * (size_t)ndim;
    if (fwrite(hdr, 1, hs, o.f) != hs || fwrite(payload, 1, size, o.f) != size) {
        set_err(err, errlen, "%s: write failed: %s", path, strerror(errno));
        output_abort(&o);
        return -1;
    }
    return output_commit(&o, err, errlen);
}

int idx_write_images(const char *path, const IdxImages *im, char *err, size_t errlen)
{
    uint32_t dims[3] = {im->count, im->rows, im->cols};
    return write_idx(path, IDX_MAGIC_IMAGES, dims, 3, im->pixels,
                     (size_t)im->count * im->rows * im->cols, err, errlen);
}

int idx_write_labels(const char *path, const IdxLabels *lb, char *err, size_t errlen)
{
    uint32_t dims[1] = {lb->count};
    return write_idx(path, IDX_MAGIC_LABELS, dims, 1, lb->labels, lb->count, err, errlen);
}

void idx_images_free(IdxImages *im)
{
    if (!im)
        return;
    free(im->pixels);
    memset(im, 0, sizeof *im);
}

void idx_labels_free(IdxLabels *lb)
{
    if (!lb)
        return;
    free(lb->labels);
    memset(lb, 0, sizeof *lb);
}
