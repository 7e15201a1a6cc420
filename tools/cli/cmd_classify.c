/* lat classify: classification straight from compressed latents, compared
 * with classification of decoded pixels (docs/CLASSIFY.md).
 *   lat classify encode  IDX images -> .latb / .lat files / .png files
 *   lat classify train   features + labels -> classifier weights (.latc)
 *   lat classify eval    accuracy and end-to-end images/s of a classifier
 *   lat classify bench   the whole Fashion-MNIST comparison */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier.h"
#include "classify.h"
#include "commands.h"
#include "nn/nn.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lat classify <encode|train|eval|bench> [options]\n\n"
        "  lat classify encode --images IDX -o OUT [--format latb|lat|png] [-q Q]\n"
        "        [--first I] [--count N] [--model FILE] [--pad16] [--threads T]\n"
        "      Encodes IDX images (plain or .gz) into one .latb batch file (default),\n"
        "      a folder of NNNNNN.lat files or a folder of NNNNNN.png files.\n"
        "      --pad16 (png): edge-replicate to a multiple of 16, the frame the codec\n"
        "      codes; used to export training images for `lat train`.\n\n"
        "  lat classify train --features latent|pixel_png|pixel_lat --data PATH\n"
        "        --labels IDX --classifier softmax|mlp -o WEIGHTS.latc [--model FILE]\n"
        "        [--count N] [--epochs E] [--hidden H] [--batch B] [--lr X] [--seed S]\n"
        "        [--threads T] [-v]\n"
        "      PATH: a .latb file or a folder of .lat/.png files (image i <-> label i).\n\n"
        "  lat classify eval --features K --data PATH --labels IDX --weights FILE\n"
        "        [--model FILE] [--count N] [--json] [--threads T]\n"
        "      Test accuracy and end-to-end throughput (files -> predicted labels).\n\n"
        "  lat classify bench [--dataset DIR] [-q Q1,Q2,...] [--model FILE] [--work DIR]\n"
        "        [--train-count N] [--test-count N] [--json] [--threads T] [--no-lat-files]\n"
        "      The full comparison on Fashion-MNIST (default DIR\n"
        "      /usr/share/datasets/fashion-mnist); see docs/CLASSIFY.md.\n\n"
        "The model defaults to the installed classify model (models/MANIFEST).\n");
}

typedef struct Opts {
    const char *images, *out, *format, *model, *features, *data, *labels, *weights, *cls;
    long first, count, epochs, hidden, batch, seed;
    int quality, threads, pad16, json, verbose;
    double lr;
} Opts;

/* Parses the options shared by encode/train/eval. Returns 0, 1 (help) or -1. */
static int parse(int argc, char **argv, Opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = "latb";
    o->quality = 75;
    o->threads = 1;
    o->count = -1;
    o->epochs = -1;
    o->hidden = 256;
    o->batch = -1;
    o->seed = 1;
    o->lr = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (!strcmp(a, name) && v && (i++, 1))
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return 1;
        else if (OPT("--images"))
            o->images = v;
        else if (OPT("-o") || OPT("--output"))
            o->out = v;
        else if (OPT("--format"))
            o->format = v;
        else if (OPT("--model"))
            o->model = v;
        else if (OPT("--features"))
            o->features = v;
        else if (OPT("--data"))
            o->data = v;
        else if (OPT("--labels"))
            o->labels = v;
        else if (OPT("--weights"))
            o->weights = v;
        else if (OPT("--classifier"))
            o->cls = v;
        else if (OPT("--first"))
            o->first = atol(v);
        else if (OPT("--count"))
            o->count = atol(v);
        else if (OPT("--epochs"))
            o->epochs = atol(v);
        else if (OPT("--hidden"))
            o->hidden = atol(v);
        else if (OPT("--batch"))
            o->batch = atol(v);
        else if (OPT("--seed"))
            o->seed = atol(v);
        else if (OPT("--lr"))
            o->lr = atof(v);
        else if (OPT("-q") || OPT("--quality"))
            o->quality = atoi(v);
        else if (OPT("--threads"))
            o->threads = atoi(v);
        else if (!strcmp(a, "--pad16"))
            o->pad16 = 1;
        else if (!strcmp(a, "--json"))
            o->json = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
            o->verbose = 1;
        else {
            fprintf(stderr, "lat classify: unknown or incomplete option '%s'\n", a);
            return -1;
        }
#undef OPT
    }
    if (o->quality < 0 || o->quality > 100 || o->first < 0 || o->threads < 0
        || o->hidden < 1 || o->hidden > (long)CLS_MAX_HIDDEN) {
        fprintf(stderr, "lat classify: option value out of range\n");
        return -1;
    }
    return 0;
}

static int need(const char *v, const char *name)
{
    if (!v)
        fprintf(stderr, "lat classify: %s is required\n", name);
    return v != NULL;
}

static int run_encode(const Opts *o)
{
    if (!need(o->images, "--images") || !need(o->out, "-o"))
        return 2;
    char err[512];
    IdxImages im;
    if (idx_read_images(o->images, &im, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        return 1;
    }
    size_t count = o->count >= 0 ? (size_t)o->count
                   : (size_t)o->first < im.count ? im.count - (size_t)o->first : 0;
    ClassifyModel m;
    memset(&m, 0, sizeof m);
    int rc = 1;
    if (strcmp(o->format, "png") && classify_model_open(&m, o->model, o->threads, err,
                                                        sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        goto done;
    }
    EncodeStats st;
    if (classify_encode(&im, (size_t)o->first, count, o->format, o->out, o->quality, o->pad16,
                        &m, &st, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        goto done;
    }
    printf("encoded %zu images -> %s (%s): %llu bytes, %.1f bytes/image, %.0f images/s\n",
           st.images, o->out, o->format, (unsigned long long)st.bytes,
           (double)st.bytes / (double)st.images, (double)st.images / st.seconds);
    rc = 0;
done:
    classify_model_close(&m);
    idx_images_free(&im);
    return rc;
}

/* Features at o->data and their labels; the model is opened when needed. */
static int load_inputs(const Opts *o, ClassifyModel *m, FeatureSet *fs, IdxLabels *lb,
                       int *kind)
{
    char err[512];
    memset(m, 0, sizeof *m);
    memset(fs, 0, sizeof *fs);
    memset(lb, 0, sizeof *lb);
    if (!need(o->features, "--features") || !need(o->data, "--data")
        || !need(o->labels, "--labels"))
        return -1;
    *kind = feature_kind_from_name(o->features);
    if (*kind < 0) {
        fprintf(stderr, "lat classify: --features must be latent, pixel_png or pixel_lat\n");
        return -1;
    }
    if (idx_read_labels(o->labels, lb, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        return -1;
    }
    // Latents from a .latb need no model; everything else that decodes .lat does.
    int needs_model = *kind == FEAT_PIXEL_LAT;
    if (*kind == FEAT_LATENT) {
        FILE *f = fopen(o->data, "rb");
        uint8_t magic[5] = {0};
        int is_latb = f && fread(magic, 1, 5, f) == 5 && !memcmp(magic, "\x89LATB", 5);
        if (f)
            fclose(f);
        needs_model = !is_latb;
    }
    if (needs_model && classify_model_open(m, o->model, o->threads, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        return -1;
    }
    if (!needs_model)
        nn_set_threads(o->threads);   // the classifier's sgemm
    size_t limit = o->count > 0 ? (size_t)o->count : 0;
    if (features_load((FeatureKind)*kind, o->data, m, limit, fs, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        return -1;
    }
    if (lb->count < fs->n) {
        fprintf(stderr, "lat classify: %zu images but only %u labels\n", fs->n, lb->count);
        return -1;
    }
    return 0;
}

static int run_train(const Opts *o)
{
    if (!need(o->cls, "--classifier") || !need(o->out, "-o"))
        return 2;
    int kind_cls = classifier_kind_from_name(o->cls);
    if (kind_cls < 0) {
        fprintf(stderr, "lat classify: --classifier must be softmax or mlp\n");
        return 2;
    }
    ClassifyModel m;
    FeatureSet fs;
    IdxLabels lb;
    int kind, rc = 1;
    Classifier c;
    memset(&c, 0, sizeof c);
    if (load_inputs(o, &m, &fs, &lb, &kind) < 0)
        goto done;
    uint32_t classes = 2;
    for (size_t i = 0; i < fs.n; i++)
        if (lb.labels[i] + 1u > classes)
            classes = lb.labels[i] + 1u;
    if (classifier_init(&c, (uint32_t)kind_cls, fs.dim, (uint32_t)o->hidden, classes, fs.tag)
        < 0) {
        fprintf(stderr, "lat classify: cannot create the classifier (dim %u)\n", fs.dim);
        goto done;
    }
    ClassifierTrainOptions to;
    classifier_default_train_options(&to, (uint32_t)kind_cls);
    if (o->epochs > 0)
        to.epochs = (int)o->epochs;
    if (o->batch > 0)
        to.batch = (int)o->batch;
    if (o->lr > 0)
        to.lr = (float)o->lr;
    to.seed = (uint64_t)o->seed;
    to.verbose = o->verbose;
    double t0 = classify_now();
    if (classifier_train(&c, fs.x, lb.labels, fs.n, &to) < 0) {
        fprintf(stderr, "lat classify: training failed\n");
        goto done;
    }
    double train_s = classify_now() - t0;
    uint8_t *pred = malloc(fs.n);
    size_t ok = 0;
    if (pred && classifier_predict(&c, fs.x, fs.n, pred) == 0)
        for (size_t i = 0; i < fs.n; i++)
            ok += pred[i] == lb.labels[i];
    free(pred);
    char err[512];
    if (classifier_save(&c, o->out, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        goto done;
    }
    printf("trained %s on %zu x %u %s features (%s) in %.1f s: train accuracy %.4f -> %s\n",
           o->cls, fs.n, fs.dim, o->features, fs.tag, train_s, (double)ok / (double)fs.n,
           o->out);
    rc = 0;
done:
    classifier_free(&c);
    feature_set_free(&fs);
    idx_labels_free(&lb);
    classify_model_close(&m);
    return rc;
}

static int run_eval(const Opts *o)
{
    if (!need(o->weights, "--weights"))
        return 2;
    char err[512];
    Classifier c;
    if (classifier_load(o->weights, &c, err, sizeof err) < 0) {
        fprintf(stderr, "lat classify: %s\n", err);
        return 1;
    }
    ClassifyModel m;
    FeatureSet fs;
    IdxLabels lb;
    int kind, rc = 1;
    uint8_t *pred = NULL;
    if (load_inputs(o, &m, &fs, &lb, &kind) < 0)
        goto done;
    if (strcmp(fs.tag, c.tag) || fs.dim != c.dim) {
        fprintf(stderr, "lat classify: the classifier was trained on '%s', these features are "
                        "'%s'\n", c.tag, fs.tag);
        goto done;
    }
    pred = malloc(fs.n);
    double t0 = classify_now();
    if (!pred || classifier_predict(&c, fs.x, fs.n, pred) < 0) {
        fprintf(stderr, "lat classify: out of memory\n");
        goto done;
    }
    double seconds = fs.seconds + (classify_now() - t0);
    size_t ok = 0;
    for (size_t i = 0; i < fs.n; i++)
        ok += pred[i] == lb.labels[i];
    double acc = (double)ok / (double)fs.n;
    double bpi = (double)fs.stored_bytes / (double)fs.n;
    if (o->json)
        printf("{\"features\": \"%s\", \"classifier\": \"%s\", \"quality\": %d, "
               "\"accuracy\": %.4f, \"images\": %zu, \"features_per_image\": %u, "
               "\"bytes_per_image\": %.2f, \"images_per_s\": %.1f}\n",
               o->features, classifier_kind_name(c.kind), fs.quality, acc, fs.n, fs.dim, bpi,
               (double)fs.n / seconds);
    else
        printf("%s %s: accuracy %.4f on %zu images (%u features, %.1f bytes/image stored), "
               "%.0f images/s end to end\n",
               o->features, classifier_kind_name(c.kind), acc, fs.n, fs.dim, bpi,
               (double)fs.n / seconds);
    rc = 0;
done:
    free(pred);
    classifier_free(&c);
    feature_set_free(&fs);
    idx_labels_free(&lb);
    classify_model_close(&m);
    return rc;
}

int cmd_classify(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "bench"))
        return classify_bench(argc - 1, argv + 1);
    Opts o;
    int p = parse(argc - 1, argv + 1, &o);
    if (p != 0) {
        usage(p > 0 ? stdout : stderr);
        return p > 0 ? 0 : 2;
    }
    if (!strcmp(sub, "encode"))
        return run_encode(&o);
    if (!strcmp(sub, "train"))
        return run_train(&o);
    if (!strcmp(sub, "eval"))
        return run_eval(&o);
    fprintf(stderr, "lat classify: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return 2;
}
