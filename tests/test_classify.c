/* lat classify building blocks on the committed Fashion-MNIST subset
 * (testvectors/fmnist: 96 training and 48 test images):
 * - softmax regression and the MLP learn the training pixels and beat
 *   chance clearly on the test images;
 * - classifier weights survive save/load exactly; damaged weight files are
 *   refused with a message;
 * - .latb batch files round-trip latents exactly (1- and 2-byte values);
 *   damaged ones are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "classifier.h"
#include "idx.h"
#include "latbatch.h"

static float *to_float(const IdxImages *im)
{
    size_t n = (size_t)im->count * im->rows * im->cols;
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = im->pixels[i] / 255.0f;
    return x;
}

static double accuracy(const Classifier *c, const float *x, const uint8_t *y, size_t n)
{
    uint8_t *pred = malloc(n);
    size_t ok = 0;
    if (classifier_predict(c, x, n, pred) == 0)
        for (size_t i = 0; i < n; i++)
            ok += pred[i] == y[i];
    free(pred);
    return (double)ok / (double)n;
}

static void test_classifiers(const char *vectors, const char *tmp)
{
    char path[600], err[256];
    IdxImages tr, te;
    IdxLabels ltr, lte;
    snprintf(path, sizeof path, "%s/fmnist/train-images.idx", vectors);
    int ok = idx_read_images(path, &tr, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/fmnist/train-labels.idx", vectors);
    ok = ok && idx_read_labels(path, &ltr, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/fmnist/test-images.idx", vectors);
    ok = ok && idx_read_images(path, &te, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/fmnist/test-labels.idx", vectors);
    ok = ok && idx_read_labels(path, &lte, err, sizeof err) == 0;
    CHECK_MSG(ok, "reading the subset: %s", err);
    if (!ok)
        return;
    float *xtr = to_float(&tr), *xte = to_float(&te);
    const uint32_t dim = tr.rows * tr.cols;
    const uint32_t kinds[2] = {CLS_SOFTMAX, CLS_MLP};
    for (int k = 0; k < 2; k++) {
        Classifier c;
        CHECK_MSG(classifier_init(&c, kinds[k], dim, 64, 10, "pixel 28x28x1") == 0, "init");
        ClassifierTrainOptions o;
        classifier_default_train_options(&o, kinds[k]);
        o.epochs = 60;   // tiny set: many passes
        o.batch = 16;
        CHECK_MSG(classifier_train(&c, xtr, ltr.labels, tr.count, &o) == 0, "train");
        double a_tr = accuracy(&c, xtr, ltr.labels, tr.count);
        double a_te = accuracy(&c, xte, lte.labels, te.count);
        printf("%s: train accuracy %.3f, test accuracy %.3f (%u / %u images)\n",
               classifier_kind_name(kinds[k]), a_tr, a_te, tr.count, te.count);
        CHECK_MSG(a_tr >= 0.95, "%s fits its training set: %.3f", classifier_kind_name(kinds[k]),
                  a_tr);
        CHECK_MSG(a_te >= 0.5, "%s beats chance (0.1) clearly: %.3f",
                  classifier_kind_name(kinds[k]), a_te);

        // Save / load: identical predictions.
        snprintf(path, sizeof path, "%s/w%d.latc", tmp, k);
        CHECK_MSG(classifier_save(&c, path, err, sizeof err) == 0, "save: %s", err);
        Classifier d;
        CHECK_MSG(classifier_load(path, &d, err, sizeof err) == 0, "load: %s", err);
        CHECK_MSG(d.kind == c.kind && d.dim == c.dim && d.hidden == c.hidden
                  && !strcmp(d.tag, "pixel 28x28x1"),
                  "header fields");
        CHECK_MSG(accuracy(&d, xte, lte.labels, te.count) == a_te, "reloaded accuracy differs");
        CHECK_MSG(d.w1 && memcmp(d.w1, c.w1, (size_t)dim * (k ? 64 : 10) * sizeof(float)) == 0,
                  "reloaded weights differ");
        classifier_free(&d);

        // Damaged files: every one refused with a message.
        size_t size;
        uint8_t *b = check_read_file(path, &size);
        CHECK_MSG(b != NULL, "reread");
        if (b) {
            err[0] = 0;
            CHECK_MSG(classifier_parse(b, size - 1, &d, err, sizeof err) < 0 && err[0], "short");
            b[100] ^= 1;
            err[0] = 0;
            CHECK_MSG(classifier_parse(b, size, &d, err, sizeof err) < 0 && strstr(err, "checksum"),
                      "flipped bit: %s", err);
            b[100] ^= 1;
            b[12] = 0xff;   // dim
            err[0] = 0;
            CHECK_MSG(classifier_parse(b, size, &d, err, sizeof err) < 0 && err[0], "bad dim");
            b[0] = 'X';
            CHECK_MSG(classifier_parse(b, size, &d, err, sizeof err) < 0 && strstr(err, "magic"),
                      "bad magic: %s", err);
            free(b);
        }
        classifier_free(&c);
    }
    free(xtr);
    free(xte);
    idx_images_free(&tr);
    idx_images_free(&te);
    idx_labels_free(&ltr);
    idx_labels_free(&lte);
}

static void test_latbatch(void)
{
    const int wide[2] = {0, 1};
    for (int t = 0; t < 2; t++) {
        LatBatch b;
        memset(&b, 0, sizeof b);
        b.count = 37;
        b.width = b.height = 28;
        b.channels = 1;
        b.quality = 60;
        snprintf(b.model_id, sizeof b.model_id, "test-model");
        b.model_hash = 0x0123456789abcdefull;
        b.c = 5;
        b.h = b.w = 2;
        size_t n = (size_t)b.count * b.c * b.h * b.w;
        b.q = malloc(n * sizeof(int16_t));
        uint32_t s = 7;
        for (size_t i = 0; i < n; i++) {
            s = s * 1103515245u + 12345u;
            int v = (int)((s >> 16) % 9) - 4;
            if (wide[t] && i % 11 == 0)
                v = i % 2 ? 32767 : -32767;
            b.q[i] = (int16_t)v;
        }
        uint8_t *bytes;
        size_t size;
        char err[256];
        CHECK_MSG(latbatch_write(&b, 19, &bytes, &size, err, sizeof err) == 0, "write: %s", err);
        LatBatch r;
        CHECK_MSG(latbatch_parse(bytes, size, &r, err, sizeof err) == 0, "parse: %s", err);
        CHECK_MSG(r.count == b.count && r.c == b.c && r.h == 2 && r.w == 2 && r.quality == 60
                  && r.model_hash == b.model_hash && !strcmp(r.model_id, "test-model"),
                  "header fields");
        CHECK_MSG(r.q && memcmp(r.q, b.q, n * sizeof(int16_t)) == 0, "latents differ");
        latbatch_free(&r);
        // Damage: truncation, trailing byte, header bit, payload bit.
        err[0] = 0;
        CHECK_MSG(latbatch_parse(bytes, size - 1, &r, err, sizeof err) < 0
                  && strstr(err, "truncated"), "truncated: %s", err);
        uint8_t *longer = malloc(size + 1);
        memcpy(longer, bytes, size);
        longer[size] = 0;
        CHECK_MSG(latbatch_parse(longer, size + 1, &r, err, sizeof err) < 0
                  && strstr(err, "trailing"), "trailing: %s", err);
        free(longer);
        bytes[12] ^= 0x40;
        CHECK_MSG(latbatch_parse(bytes, size, &r, err, sizeof err) < 0 && strstr(err, "checksum"),
                  "header bit: %s", err);
        bytes[12] ^= 0x40;
        bytes[size - 6] ^= 0x10;
        err[0] = 0;
        CHECK_MSG(latbatch_parse(bytes, size, &r, err, sizeof err) < 0 && err[0],
                  "payload bit must fail (zstd checksum)");
        CHECK_MSG(latbatch_parse(bytes, 50, &r, err, sizeof err) < 0 && strstr(err, "magic"),
                  "short: %s", err);
        free(bytes);
        free(b.q);
    }
}

int main(int argc, char **argv)
{
    char tmp[] = "/tmp/lat_test_classify_XXXXXX";
    if (argc < 2 || !mkdtemp(tmp)) {
        fprintf(stderr, "usage: test_classify TESTVECTORS_DIR\n");
        return 1;
    }
    test_classifiers(argv[1], tmp);
    test_latbatch();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "note: could not remove %s\n", tmp);
    if (!check_failures)
        printf("test_classify: ok\n");
    return check_report();
}
