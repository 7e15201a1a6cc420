/* `lat classify bench`: the Fashion-MNIST comparison end to end.
 *
 * For each storage form and quality it encodes the images, trains softmax
 * regression and an MLP on the training set's features, and measures on the
 * test set: accuracy, bytes per image stored, and end-to-end throughput
 * (images/s from the files on disk to predicted labels: read, decode,
 * classify). Features:
 *   latent     quantized latents, entropy-decoded only (no synthesis)
 *   pixel_lat  pixels from the same files through the synthesis transform
 *   pixel_png  pixels decoded from PNG files (lossless, level 9)
 * Storage: one .latb batch file per set, and (unless --no-lat-files) the
 * test set also as one standard .lat file per image. Classifiers for
 * pixel_png are trained on the IDX training pixels, which PNG reproduces
 * exactly (checked on the test set). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classifier.h"
#include "classify.h"
#include "lossy/lossy.h"
#include "nn/nn.h"

#define MAX_QUALITIES 8
#define MAX_RESULTS 64

typedef struct Result {
    const char *features, *classifier, *storage;
    int quality;            /* -1: none (PNG) */
    double accuracy, bytes_per_image, images_per_s;
    uint32_t features_per_image;
} Result;

typedef struct Bench {
    const char *dataset, *model, *work;
    int qualities[MAX_QUALITIES], nq;
    long train_count, test_count;
    int json, threads, lat_files, keep, epochs_mlp, epochs_softmax, hidden;
    IdxImages train_im, test_im;
    IdxLabels train_lb, test_lb;
    ClassifyModel m;
    Result res[MAX_RESULTS];
    int nres;
    char work_buf[4096];
} Bench;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lat classify bench [options]\n"
        "  --dataset DIR       folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]\n"
        "                      (default /usr/share/datasets/fashion-mnist)\n"
        "  -q, --qualities Q1,Q2,...  qualities (default 50,90)\n"
        "  --model FILE        lossy model (default: the classify model of models/MANIFEST)\n"
        "  --work DIR          where encoded files go (default: a new folder in $TMPDIR or\n"
        "                      /tmp, removed afterwards unless --keep)\n"
        "  --train-count N     training images used (default all)\n"
        "  --test-count N      test images used (default all)\n"
        "  --hidden H          MLP hidden units (default 256)\n"
        "  --epochs-mlp E, --epochs-softmax E   (defaults 20, 15)\n"
        "  --no-lat-files      skip the per-image .lat files (batch files only)\n"
        "  --threads T         threads for BLAS and the codec (default 2)\n"
        "  --json              print one JSON object instead of the table\n");
}

/* Removes a work folder this run created (mkdtemp): files, and folders of
 * files, one level deep; that is all the bench writes there. */
static int remove_work(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) {
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            DIR *sub = opendir(path);
            struct dirent *f;
            char file[4700];
            while (sub && (f = readdir(sub)) != NULL)
                if (strcmp(f->d_name, ".") && strcmp(f->d_name, "..")) {
                    snprintf(file, sizeof file, "%s/%s", path, f->d_name);
                    rc |= unlink(file);
                }
            if (sub)
                closedir(sub);
            rc |= rmdir(path);
        } else {
            rc |= unlink(path);
        }
    }
    closedir(d);
    rc |= rmdir(dir);
    return rc ? -1 : 0;
}

static int parse_qualities(const char *s, int *q, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 0 || v > 100 || n == max)
            return -1;
        q[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

/* path of name in the dataset folder: plain if present, else .gz. */
static void dataset_file(const Bench *b, const char *name, char *buf, size_t len)
{
    struct stat st;
    snprintf(buf, len, "%s/%s", b->dataset, name);
    if (stat(buf, &st) == 0)
        return;
    snprintf(buf, len, "%s/%s.gz", b->dataset, name);
}

static int load_dataset(Bench *b)
{
    char path[4200], err[512];
    dataset_file(b, "train-images-idx3-ubyte", path, sizeof path);
    if (idx_read_images(path, &b->train_im, err, sizeof err) < 0)
        goto fail;
    dataset_file(b, "train-labels-idx1-ubyte", path, sizeof path);
    if (idx_read_labels(path, &b->train_lb, err, sizeof err) < 0)
        goto fail;
    dataset_file(b, "t10k-images-idx3-ubyte", path, sizeof path);
    if (idx_read_images(path, &b->test_im, err, sizeof err) < 0)
        goto fail;
    dataset_file(b, "t10k-labels-idx1-ubyte", path, sizeof path);
    if (idx_read_labels(path, &b->test_lb, err, sizeof err) < 0)
        goto fail;
    if (b->train_lb.count != b->train_im.count || b->test_lb.count != b->test_im.count) {
        snprintf(err, sizeof err, "image and label counts differ");
        goto fail;
    }
    if (b->train_count <= 0 || b->train_count > (long)b->train_im.count)
        b->train_count = b->train_im.count;
    if (b->test_count <= 0 || b->test_count > (long)b->test_im.count)
        b->test_count = b->test_im.count;
    return 0;
fail:
    fprintf(stderr, "lat classify bench: %s\n", err);
    return -1;
}

static void add_result(Bench *b, const char *features, const char *classifier,
                       const char *storage, int quality, double acc, double bpi, double ips,
                       uint32_t dim)
{
    if (b->nres == MAX_RESULTS)
        return;
    b->res[b->nres++] = (Result){features, classifier, storage, quality, acc, bpi, ips, dim};
    if (!b->json)
        fprintf(stderr,
                "  %-9s %-7s %-9s q=%-3d accuracy %.4f  %7.1f bytes/image  %9.0f images/s\n",
                features, classifier, storage, quality, acc, bpi, ips);
}

/* Trains both classifiers on (x, labels) with tag. */
static int train_pair(Bench *b, const FeatureSet *fs, const uint8_t *labels, Classifier cls[2])
{
    const uint32_t kinds[2] = {CLS_SOFTMAX, CLS_MLP};
    for (int k = 0; k < 2; k++) {
        if (classifier_init(&cls[k], kinds[k], fs->dim, (uint32_t)b->hidden, 10, fs->tag) < 0)
            return -1;
        ClassifierTrainOptions o;
        classifier_default_train_options(&o, kinds[k]);
        o.epochs = kinds[k] == CLS_MLP ? b->epochs_mlp : b->epochs_softmax;
        double t0 = classify_now();
        if (classifier_train(&cls[k], fs->x, labels, fs->n, &o) < 0)
            return -1;
        if (!b->json)
            fprintf(stderr, "    trained %s on %zu x %u (%s) in %.1f s\n",
                    classifier_kind_name(kinds[k]), fs->n, fs->dim, fs->tag,
                    classify_now() - t0);
    }
    return 0;
}

/* Loads the test features at data (timed), classifies them with both
 * classifiers and records two results. */
static int eval_pair(Bench *b, FeatureKind kind, const char *data, const char *storage,
                     int quality, Classifier cls[2])
{
    char err[512];
    FeatureSet fs;
    if (features_load(kind, data, &b->m, (size_t)b->test_count, &fs, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify bench: %s\n", err);
        return -1;
    }
    int rc = -1;
    uint8_t *pred = malloc(fs.n);
    if (!pred || strcmp(fs.tag, cls[0].tag) != 0) {
        fprintf(stderr, "lat classify bench: feature mismatch (%s vs %s)\n", fs.tag, cls[0].tag);
        goto done;
    }
    for (int k = 0; k < 2; k++) {
        double t0 = classify_now();
        if (classifier_predict(&cls[k], fs.x, fs.n, pred) < 0)
            goto done;
        double s = fs.seconds + classify_now() - t0;
        size_t ok = 0;
        for (size_t i = 0; i < fs.n; i++)
            ok += pred[i] == b->test_lb.labels[i];
        add_result(b, feature_kind_name(kind), classifier_kind_name(cls[k].kind), storage,
                   quality, (double)ok / (double)fs.n, (double)fs.stored_bytes / (double)fs.n,
                   (double)fs.n / s, fs.dim);
    }
    rc = 0;
done:
    free(pred);
    feature_set_free(&fs);
    return rc;
}

static void free_pair(Classifier cls[2])
{
    classifier_free(&cls[0]);
    classifier_free(&cls[1]);
}

static int bench_png(Bench *b)
{
    char dir[4200], err[512];
    snprintf(dir, sizeof dir, "%s/png-test", b->work);
    EncodeStats st;
    if (classify_encode(&b->test_im, 0, (size_t)b->test_count, "png", dir, 0, 0, &b->m, &st,
                        err, sizeof err) < 0) {
        fprintf(stderr, "lat classify bench: %s\n", err);
        return -1;
    }
    if (!b->json)
        fprintf(stderr, "png: %zu test images, %.1f bytes/image, encoded at %.0f images/s\n",
                st.images, (double)st.bytes / (double)st.images, st.images / st.seconds);
    // Training pixels straight from IDX: PNG is lossless, checked here on the test set.
    FeatureSet tr = {0}, te;
    if (features_load(FEAT_PIXEL_PNG, dir, NULL, (size_t)b->test_count, &te, err, sizeof err)
        < 0) {
        fprintf(stderr, "lat classify bench: %s\n", err);
        return -1;
    }
    const size_t npix = (size_t)b->test_im.rows * b->test_im.cols;
    for (size_t i = 0; i < te.n * npix; i++)
        if ((int)(te.x[i] * 255.0f + 0.5f) != b->test_im.pixels[i]) {
            fprintf(stderr, "lat classify bench: PNG round trip differs at %zu\n", i);
            feature_set_free(&te);
            return -1;
        }
    snprintf(tr.tag, sizeof tr.tag, "%s", te.tag);
    feature_set_free(&te);
    tr.n = (size_t)b->train_count;
    tr.dim = (uint32_t)npix;
    tr.x = malloc(tr.n * npix * sizeof(float));
    if (!tr.x)
        return -1;
    for (size_t i = 0; i < tr.n * npix; i++)
        tr.x[i] = b->train_im.pixels[i] * (1.0f / 255.0f);
    Classifier cls[2];
    memset(cls, 0, sizeof cls);
    int rc = train_pair(b, &tr, b->train_lb.labels, cls);
    feature_set_free(&tr);
    if (rc == 0)
        rc = eval_pair(b, FEAT_PIXEL_PNG, dir, "png_files", -1, cls);
    free_pair(cls);
    return rc;
}

static int bench_quality(Bench *b, int q)
{
    char train_latb[4200], test_latb[4200], test_dir[4200], err[512];
    snprintf(train_latb, sizeof train_latb, "%s/q%d-train.latb", b->work, q);
    snprintf(test_latb, sizeof test_latb, "%s/q%d-test.latb", b->work, q);
    snprintf(test_dir, sizeof test_dir, "%s/q%d-test-lat", b->work, q);
    EncodeStats st;
    if (classify_encode(&b->train_im, 0, (size_t)b->train_count, "latb", train_latb, q, 0,
                        &b->m, &st, err, sizeof err) < 0
        || classify_encode(&b->test_im, 0, (size_t)b->test_count, "latb", test_latb, q, 0,
                           &b->m, &st, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify bench: %s\n", err);
        return -1;
    }
    if (!b->json)
        fprintf(stderr, "q=%d: .latb test set %.1f bytes/image, encoded at %.0f images/s\n", q,
                (double)st.bytes / (double)st.images, st.images / st.seconds);
    if (b->lat_files) {
        if (classify_encode(&b->test_im, 0, (size_t)b->test_count, "lat", test_dir, q, 0, &b->m,
                            &st, err, sizeof err) < 0) {
            fprintf(stderr, "lat classify bench: %s\n", err);
            return -1;
        }
        if (!b->json)
            fprintf(stderr, "q=%d: .lat files %.1f bytes/image, encoded at %.0f images/s\n", q,
                    (double)st.bytes / (double)st.images, st.images / st.seconds);
    }
    const FeatureKind kinds[2] = {FEAT_LATENT, FEAT_PIXEL_LAT};
    for (int k = 0; k < 2; k++) {
        FeatureSet tr;
        if (features_load(kinds[k], train_latb, &b->m, (size_t)b->train_count, &tr, err,
                          sizeof err) < 0) {
            fprintf(stderr, "lat classify bench: %s\n", err);
            return -1;
        }
        Classifier cls[2];
        memset(cls, 0, sizeof cls);
        int rc = train_pair(b, &tr, b->train_lb.labels, cls);
        feature_set_free(&tr);
        if (rc == 0)
            rc = eval_pair(b, kinds[k], test_latb, "latb", q, cls);
        if (rc == 0 && b->lat_files)
            rc = eval_pair(b, kinds[k], test_dir, "lat_files", q, cls);
        free_pair(cls);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void print_results(const Bench *b)
{
    if (b->json) {
        printf("{\"dataset\": \"%s\", \"model\": \"%s\", \"train_images\": %ld, "
               "\"test_images\": %ld, \"threads\": %d, \"results\": [\n",
               b->dataset, lossy_model_id(b->m.lossy), b->train_count, b->test_count,
               b->threads);
        for (int i = 0; i < b->nres; i++) {
            const Result *r = &b->res[i];
            char q[16];
            if (r->quality < 0)
                snprintf(q, sizeof q, "null");
            else
                snprintf(q, sizeof q, "%d", r->quality);
            printf("  {\"features\": \"%s\", \"classifier\": \"%s\", \"storage\": \"%s\", "
                   "\"quality\": %s, \"accuracy\": %.4f, \"bytes_per_image\": %.2f, "
                   "\"features_per_image\": %u, \"images_per_s\": %.1f}%s\n",
                   r->features, r->classifier, r->storage, q, r->accuracy, r->bytes_per_image,
                   r->features_per_image, r->images_per_s, i + 1 < b->nres ? "," : "");
        }
        printf("]}\n");
        return;
    }
    double png_bytes = 0;
    for (int i = 0; i < b->nres; i++)
        if (!strcmp(b->res[i].features, "pixel_png"))
            png_bytes = b->res[i].bytes_per_image;
    printf("Fashion-MNIST: %ld training, %ld test images; model %s\n\n", b->train_count,
           b->test_count, lossy_model_id(b->m.lossy));
    printf("| features  | classifier | storage   | q   | accuracy | bytes/image | vs PNG | "
           "features | images/s |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < b->nres; i++) {
        const Result *r = &b->res[i];
        char q[8];
        snprintf(q, sizeof q, r->quality < 0 ? "-" : "%d", r->quality);
        printf("| %-9s | %-10s | %-9s | %-3s | %.4f   | %11.1f | %6.3f | %8u | %8.0f |\n",
               r->features, r->classifier, r->storage, q, r->accuracy, r->bytes_per_image,
               png_bytes > 0 ? r->bytes_per_image / png_bytes : 0.0, r->features_per_image,
               r->images_per_s);
    }
}

int classify_bench(int argc, char **argv)
{
    Bench *b = calloc(1, sizeof *b);
    if (!b)
        return 1;
    b->dataset = "/usr/share/datasets/fashion-mnist";
    b->qualities[0] = 50;
    b->qualities[1] = 90;
    b->nq = 2;
    b->threads = 2;
    b->lat_files = 1;
    b->hidden = 256;
    b->epochs_mlp = 20;
    b->epochs_softmax = 15;
    int rc = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && (i++, 1))
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            rc = 0;
            goto out;
        } else if (OPT("--dataset"))
            b->dataset = v;
        else if (OPT("-q") || OPT("--qualities")) {
            b->nq = parse_qualities(v, b->qualities, MAX_QUALITIES);
            if (b->nq <= 0) {
                fprintf(stderr, "lat classify bench: bad -q list '%s'\n", v);
                goto out;
            }
        } else if (OPT("--model"))
            b->model = v;
        else if (OPT("--work"))
            b->work = v;
        else if (OPT("--train-count"))
            b->train_count = atol(v);
        else if (OPT("--test-count"))
            b->test_count = atol(v);
        else if (OPT("--hidden"))
            b->hidden = atoi(v);
        else if (OPT("--epochs-mlp"))
            b->epochs_mlp = atoi(v);
        else if (OPT("--epochs-softmax"))
            b->epochs_softmax = atoi(v);
        else if (OPT("--threads"))
            b->threads = atoi(v);
        else if (!strcmp(a, "--no-lat-files"))
            b->lat_files = 0;
        else if (!strcmp(a, "--keep"))
            b->keep = 1;
        else if (!strcmp(a, "--json"))
            b->json = 1;
        else {
            fprintf(stderr, "lat classify bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            goto out;
        }
#undef OPT
    }
    if (b->hidden < 1 || b->hidden > (int)CLS_MAX_HIDDEN || b->epochs_mlp < 1
        || b->epochs_softmax < 1 || b->threads < 0) {
        fprintf(stderr, "lat classify bench: option value out of range\n");
        goto out;
    }
    rc = 1;
    char err[512];
    double t0 = classify_now();
    if (classify_model_open(&b->m, b->model, b->threads, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify bench: %s\n", err);
        goto out;
    }
    if (load_dataset(b) < 0)
        goto out;
    int own_work = 0;
    if (!b->work) {
        const char *tmp = getenv("TMPDIR");
        snprintf(b->work_buf, sizeof b->work_buf, "%s/lat-classify-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(b->work_buf)) {
            fprintf(stderr, "lat classify bench: cannot create a work folder in %s\n",
                    tmp && *tmp ? tmp : "/tmp");
            goto out;
        }
        b->work = b->work_buf;
        own_work = !b->keep;
    } else if (mkdir(b->work, 0777) != 0 && access(b->work, W_OK) != 0) {
        fprintf(stderr, "lat classify bench: cannot use work folder %s\n", b->work);
        goto out;
    }
    if (!b->json)
        fprintf(stderr, "lat classify bench: model %s, work folder %s, %d thread(s)\n",
                b->m.path, b->work, b->threads);
    int ok = bench_png(b) == 0;
    for (int i = 0; ok && i < b->nq; i++)
        ok = bench_quality(b, b->qualities[i]) == 0;
    if (ok) {
        print_results(b);
        if (!b->json)
            printf("\ntotal time %.1f s\n", classify_now() - t0);
        rc = 0;
    }
    if (own_work && remove_work(b->work) < 0)
        fprintf(stderr, "lat classify bench: could not remove %s\n", b->work);
out:
    classify_model_close(&b->m);
    idx_images_free(&b->train_im);
    idx_images_free(&b->test_im);
    idx_labels_free(&b->train_lb);
    idx_labels_free(&b->test_lb);
    free(b);
    return rc;
}
