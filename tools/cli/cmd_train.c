/* lat train: trains the lossy model on folders of PNG/JPEG photos
 * (codec/train/train.h does the work; this file loads images, parses
 * options, logs progress and writes checkpoints atomically). Under mpirun
 * the ranks share every minibatch (tools/train/train_group.h); rank 0
 * validates, logs and writes the files. */
#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "imageio.h"
#include "lat.h"
#include "output_file.h"
#include "train/train.h"
#include "train_group.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: lat train DIR... -o MODEL.latm [options]\n\n"
        "Trains the lossy model on the PNG/JPEG images of the folders. The last\n"
        "--val-count images (by name) of the first folder are held out for validation.\n"
        "Every --checkpoint-every steps it writes MODEL.latm (weights only, usable by\n"
        "the codec) and MODEL.latm.ckpt (weights + optimizer state, for --resume),\n"
        "both atomically; MODEL.latm.stepN.latm snapshots every --snapshot-every steps.\n\n"
        "options:\n"
        "  -o, --output FILE        model file to write (required)\n"
        "  --steps S                train until the step counter reaches S (default 100000)\n"
        "  --time-limit MIN         stop after MIN minutes (a checkpoint is written)\n"
        "  --batch B                crops per step (default 8)\n"
        "  --crop C                 crop side, multiple of 16 (default 128)\n"
        "  --lr X                   peak learning rate (default 1e-3)\n"
        "  --lr-min X               final learning rate (default 1e-4)\n"
        "  --prior-lr-mult X        entropy model's lr relative to the network's (default 1)\n"
        "  --decay-start S          step where the cosine decay starts (default 15000)\n"
        "  --decay-steps S          length of the decay (default 30000)\n"
        "  --warmup K               ramp the lr up over this run's first K steps (default 0;\n"
        "                           for a resume whose optimizer state restarts)\n"
        "  --lambdas a,b,...        rate-distortion lambdas, one per level\n"
        "                           (default 0.0018,0.0035,0.0067,0.013,0.025,0.0483,0.0932)\n"
        "  --N n --M m              network widths (default 64, 96)\n"
        "  --id ID                  model id stored in the file (default photo-fNmM-v1)\n"
        "  --resume FILE            continue from a checkpoint or model file\n"
        "  --checkpoint-every K     (default 500)\n"
        "  --snapshot-every K       keep a copy every K steps (default 5000, 0 = never)\n"
        "  --val-every V            validation every V steps (default 1000, 0 = never)\n"
        "  --val-count K            held-out images (default 3)\n"
        "  --log-every K            progress line every K steps (default 50)\n"
        "  --scales K               downscaled copies per image incl. 1.0 (default 3)\n"
        "  --min-scale X            smallest downscale factor (default 0.5)\n"
        "  --ste                    decoder sees rounded latents with a straight-through\n"
        "                           gradient (default: noisy latents; --noise)\n"
        "  --shared-prior           one entropy model for all levels (default: one per\n"
        "                           level; a resumed shared-prior model is split)\n"
        "  --hyperprior             model architecture 3: a mean-scale hyperprior codes y\n"
        "                           (crop a multiple of 64); a resumed architecture 1/2\n"
        "                           model keeps its transforms and y gains, and --lambdas\n"
        "                           with more levels adds levels (gains extrapolated)\n"
        "  --freeze-until S         train only the entropy model (transforms and y gains\n"
        "                           fixed) while the step counter is below S\n"
        "  --val-levels a,b,...     level positions validated (default: lowest, middle, top)\n"
        "  --seed S                 random seed (default 1)\n"
        "  --threads T|auto         threads, each computing whole crops of the minibatch\n"
        "                           (data parallel, one BLAS thread each; default and auto:\n"
        "                           all cores; 1 per rank under mpirun)\n\n"
        "Data parallel: mpirun -np K lat train ... runs K ranks (processes); each computes\n"
        "its share (--batch / K crops) of every minibatch, the gradients are summed over\n"
        "the ranks, and rank 0 validates, logs and writes the files. The minibatches\n"
        "do not depend on K: K ranks train the model one rank trains, up to float\n"
        "rounding. SIGINT, SIGTERM and SIGUSR1 stop training after a checkpoint; under\n"
        "mpirun send SIGUSR1 (mpirun forwards it; it follows a forwarded SIGTERM with\n"
        "SIGKILL a second later).\n");
}

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0
                   || strcasecmp(dot, ".jpeg") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted image file paths of dir (malloc'd array of malloc'd strings). */
static char **list_images(const char *dir, int *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **v = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !has_image_ext(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, sizeof *nv * (size_t)cap);
            if (!nv)
                break;
            v = nv;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        v[n] = malloc(len);
        if (!v[n])
            break;
        snprintf(v[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (v)
        qsort(v, (size_t)n, sizeof *v, cmp_str);
    *count = n;
    return v;
}

/* 8-bit RGB interleaved copy of any LatImage (gray replicated, alpha dropped,
 * 16-bit rounded). */
static uint8_t *to_rgb8(const LatImage *im)
{
    const size_t n = (size_t)im->width * im->height;
    uint8_t *out = malloc(n * 3);
    if (!out)
        return NULL;
    const uint32_t ch = im->channels;
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            uint32_t src = ch >= 3 ? (uint32_t)k : 0;
            size_t at = i * ch + src;
            out[i * 3 + k] = im->bit_depth == 16
                ? (uint8_t)((((const uint16_t *)im->pixels)[at] * 255u + 32767u) / 65535u)
                : ((const uint8_t *)im->pixels)[at];
        }
    return out;
}

/* A comma-separated list of at most max numbers in (lo, hi] (lambdas) or
 * [lo, hi] (level positions); returns the count or -1. */
static int parse_floats(const char *s, float *out, int max, double lo, double hi, int lo_open)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !(lo_open ? v > lo : v >= lo) || !(v <= hi))
            return -1;
        out[n++] = (float)v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return *s ? -1 : n;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *data = buf;
    *size = len;
    return 0;
}

typedef struct Run {
    Trainer *t;
    const char *out_path;
    char note[1024];
} Run;

static int save(Run *r, const char *path, int with_opt)
{
    uint8_t *buf;
    size_t size;
    char err[256];
    int e = trainer_serialize(r->t, with_opt, r->note, &buf, &size);
    if (e < 0) {
        fprintf(stderr, "lat train: cannot serialize the model: %s\n", lat_strerror(e));
        return -1;
    }
    int w = output_write_all(path, NULL, buf, size, err, sizeof err);
    free(buf);
    if (w < 0)
        fprintf(stderr, "lat train: cannot write %s: %s\n", path, err);
    return w;
}

static int checkpoint(Run *r)
{
    char ck[4096];
    snprintf(ck, sizeof ck, "%s.ckpt", r->out_path);
    int a = save(r, r->out_path, 0), b = save(r, ck, 1);
    return (a < 0 || b < 0) ? -1 : 0;
}

static void validate(Trainer *t, const float *pos, int count)
{
    fprintf(stderr, "val step %ld:", trainer_steps_done(t));
    for (int i = 0; i < count; i++) {
        ValStats v;
        if (trainer_validate(t, pos[i], &v) != 0 || v.images == 0)
            continue;
        if (v.coded_bpp < 0)   /* hyperprior: ideal bits of y and z */
            fprintf(stderr, "  level %.1f %.4f bpp (y %.4f + z %.4f) %.2f dB%s", pos[i],
                    v.bpp + v.bpp_z, v.bpp, v.bpp_z, v.psnr, i < count - 1 ? " |" : "");
        else
            fprintf(stderr, "  level %.1f %.4f bpp (coded %.4f) %.2f dB%s", pos[i], v.bpp,
                    v.coded_bpp, v.psnr, i < count - 1 ? " |" : "");
    }
    fprintf(stderr, "\n");
}

/* Under MPI, before a checkpoint: every rank must hold the same weights. */
static int weights_agree(const TrainGroup *g, Trainer *t)
{
    if (g->size == 1)
        return 1;
    uint8_t *buf;
    size_t size;
    uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a of the weights-only model file */
    if (trainer_serialize(t, 0, NULL, &buf, &size) == 0) {
        for (size_t i = 0; i < size; i++)
            h = (h ^ buf[i]) * 0x100000001b3ull;
        free(buf);
    }
    return train_group_same(g, h);
}

static int leave(TrainGroup *g, int status)
{
    train_group_leave(g, status);
    return status;
}

static void format_duration(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s > 1e8) {
        snprintf(buf, len, "?");
        return;
    }
    long v = (long)s;
    snprintf(buf, len, "%ldh%02ldm%02lds", v / 3600, v / 60 % 60, v % 60);
}

static int bad_value(const char *opt, const char *value)
{
    fprintf(stderr, "lat train: bad value '%s' for %s (see --help)\n", value, opt);
    return 2;
}

int cmd_train(int argc, char **argv)
{
    TrainConfig cfg;
    train_default_config(&cfg);
    const char *out_path = NULL, *resume_path = NULL, *id = NULL;
    const char *dirs[64];
    int ndirs = 0, threads = 0, threads_given = 0, val_count = 3;
    long steps = 100000, ck_every = 500, val_every = 1000, log_every = 50, snap_every = 5000;
    double time_limit_min = 0;
    int lambdas_given = 0, nm_given = 0, val_count_levels = 0;
    float val_levels[TRAIN_MAX_LEVELS];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name) (strcmp(a, name) == 0 && v && (i++, 1))
/* Checked values: "--steps x" is a usage error, not 0. */
#define LONG_ARG(dst, lo, hi) \
    do { long n_; if (cli_parse_long(v, lo, hi, &n_) < 0) return bad_value(a, v); dst = n_; } while (0)
#define NUM_ARG(dst, lo, hi) \
    do { double x_; if (cli_parse_double(v, lo, hi, &x_) < 0) return bad_value(a, v); dst = x_; } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (OPT("-o") || OPT("--output")) {
            out_path = v;
        } else if (OPT("--steps")) {
            LONG_ARG(steps, 0, LONG_MAX);
        } else if (OPT("--time-limit")) {
            NUM_ARG(time_limit_min, 0, 1e9);
        } else if (OPT("--batch")) {
            LONG_ARG(cfg.batch, 0, INT_MAX);
        } else if (OPT("--crop")) {
            LONG_ARG(cfg.crop, 0, INT_MAX);
        } else if (OPT("--lr")) {
            NUM_ARG(cfg.lr, 0, 1e9);
        } else if (OPT("--lr-min")) {
            NUM_ARG(cfg.lr_min, 0, 1e9);
        } else if (OPT("--prior-lr-mult")) {
            NUM_ARG(cfg.prior_lr_mult, 0, 1e9);
        } else if (OPT("--decay-start")) {
            LONG_ARG(cfg.decay_start, 0, LONG_MAX);
        } else if (OPT("--warmup")) {
            LONG_ARG(cfg.warmup, 0, LONG_MAX);
        } else if (OPT("--decay-steps")) {
            LONG_ARG(cfg.decay_steps, 0, LONG_MAX);
        } else if (OPT("--lambdas")) {
            int n = parse_floats(v, cfg.lambdas, TRAIN_MAX_LEVELS, 0, 1e9, 1);
            if (n < 1) {
                fprintf(stderr, "lat train: bad --lambdas '%s'\n", v);
                return 2;
            }
            cfg.levels = n;
            lambdas_given = 1;
        } else if (OPT("--N")) {
            LONG_ARG(cfg.n, 0, INT_MAX);
            nm_given = 1;
        } else if (OPT("--M")) {
            LONG_ARG(cfg.m, 0, INT_MAX);
            nm_given = 1;
        } else if (OPT("--id")) {
            id = v;
        } else if (OPT("--resume")) {
            resume_path = v;
        } else if (OPT("--checkpoint-every")) {
            LONG_ARG(ck_every, 0, LONG_MAX);
        } else if (OPT("--snapshot-every")) {
            LONG_ARG(snap_every, 0, LONG_MAX);
        } else if (OPT("--val-every")) {
            LONG_ARG(val_every, 0, LONG_MAX);
        } else if (OPT("--val-count")) {
            LONG_ARG(val_count, 0, INT_MAX);
        } else if (OPT("--log-every")) {
            LONG_ARG(log_every, 0, LONG_MAX);
        } else if (OPT("--scales")) {
            LONG_ARG(cfg.scale_copies, 0, INT_MAX);
        } else if (OPT("--min-scale")) {
            NUM_ARG(cfg.min_scale, 0, 1e9);
        } else if (strcmp(a, "--noise") == 0) {
            cfg.ste = 0;
        } else if (strcmp(a, "--ste") == 0) {
            cfg.ste = 1;
        } else if (strcmp(a, "--shared-prior") == 0) {
            cfg.per_level_prior = 0;
        } else if (strcmp(a, "--hyperprior") == 0) {
            cfg.hyperprior = 1;
        } else if (OPT("--freeze-until")) {
            LONG_ARG(cfg.freeze_until, 0, LONG_MAX);
        } else if (OPT("--val-levels")) {
            val_count_levels = parse_floats(v, val_levels, TRAIN_MAX_LEVELS, -4, TRAIN_MAX_LEVELS, 0);
            if (val_count_levels < 1) {
                fprintf(stderr, "lat train: bad --val-levels '%s'\n", v);
                return 2;
            }
        } else if (OPT("--seed")) {
            long seed;
            if (cli_parse_long(v, 0, LONG_MAX, &seed) < 0)
                return bad_value(a, v);
            cfg.seed = (uint64_t)seed;
        } else if (OPT("--threads")) {
            threads = 0;   /* all cores; auto (kept for old scripts) is the default */
            if (strcmp(v, "auto") != 0)
                LONG_ARG(threads, 1, 65536);
            threads_given = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "lat train: unknown or incomplete option '%s' (see --help)\n", a);
            return 2;
        } else if (ndirs < 64) {
            dirs[ndirs++] = a;
        }
#undef OPT
#undef LONG_ARG
#undef NUM_ARG
    }
    if (!out_path || ndirs == 0) {
        usage(stderr);
        return 2;
    }
    if (cfg.n < 1 || cfg.m < 1 || cfg.batch < 1 || cfg.crop < 16 || cfg.crop % 16 || ck_every < 1
        || log_every < 1 || val_count < 0) {
        fprintf(stderr, "lat train: invalid option value (see --help)\n");
        return 2;
    }
    if (id)
        snprintf(cfg.model_id, sizeof cfg.model_id, "%s", id);
    else
        snprintf(cfg.model_id, sizeof cfg.model_id, "photo-f%dm%d-v1", cfg.n, cfg.m);
    TrainGroup g;
    char gerr[256];
    if (train_group_join(&g, gerr, sizeof gerr) < 0) {
        fprintf(stderr, "lat train: %s\n", gerr);
        return 1;
    }
    const int talk = g.rank == 0;   /* rank 0 logs, validates and writes */
    if (g.size > 1 && cfg.batch < g.size) {
        if (talk)
            fprintf(stderr, "lat train: --batch %d is smaller than the %d ranks\n", cfg.batch,
                    g.size);
        return leave(&g, 2);
    }
    if (g.size > 1 && !threads_given)
        threads = 1;
    cfg.threads = threads;
    cfg.shard = g.rank;
    cfg.shards = g.size;
    if (g.size > 1) {
        cfg.reduce = train_group_reduce;
        cfg.reduce_ctx = &g;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal);   /* mpirun forwards it; SIGTERM it follows with SIGKILL */

    uint8_t *resume = NULL;
    size_t resume_size = 0;
    if (resume_path && read_file(resume_path, &resume, &resume_size) < 0) {
        fprintf(stderr, "lat train: cannot read %s: %s\n", resume_path, strerror(errno));
        return leave(&g, 1);
    }
    Trainer *t;
    int e = trainer_new(&t, &cfg, resume, resume_size);
    free(resume);
    if (e < 0) {
        fprintf(stderr, "lat train: cannot start%s%s: %s\n", resume_path ? " from " : "",
                resume_path ? resume_path : "", lat_strerror(e));
        return leave(&g, 1);
    }
    int n, m, levels;
    float lambdas[TRAIN_MAX_LEVELS];
    trainer_arch(t, &n, &m, &levels, lambdas);
    if (talk && resume_path && (lambdas_given || nm_given) && !cfg.hyperprior)
        fprintf(stderr, "lat train: note: --N/--M/--lambdas are taken from %s\n", resume_path);
    if (val_count_levels == 0) {
        val_levels[0] = 0;
        val_levels[1] = (levels - 1) / 2.0f;
        val_levels[2] = (float)(levels - 1);
        val_count_levels = 3;
    }
    if (resume_path && !id)
        snprintf(cfg.model_id, sizeof cfg.model_id, "photo-f%dm%d-v1", n, m);

    /* Load the images. */
    double t0 = now_seconds();
    long pixels = 0;
    for (int d = 0; d < ndirs; d++) {
        int count;
        char **files = list_images(dirs[d], &count);
        if (!files) {
            fprintf(stderr, "lat train: cannot read folder %s\n", dirs[d]);
            continue;
        }
        if (talk && strstr(dirs[d], "kodak"))
            fprintf(stderr, "lat train: warning: %s looks like the Kodak test set\n", dirs[d]);
        for (int i = 0; i < count; i++) {
            const int is_val = d == 0 && i >= count - val_count;
            LatImage im;
            char err[256];
            if (is_val && !talk) {   /* only rank 0 validates */
                free(files[i]);
                continue;
            }
            if (image_read_file(files[i], &im, 0, err, sizeof err) < 0) {
                if (talk)
                    fprintf(stderr, "lat train: skipping %s: %s\n", files[i], err);
                free(files[i]);
                continue;
            }
            uint8_t *rgb = to_rgb8(&im);
            int r = rgb ? trainer_add_image(t, rgb, (int)im.width, (int)im.height, is_val)
                        : LAT_ERR_OUT_OF_MEMORY;
            if (r == 1 && talk)
                fprintf(stderr, "lat train: skipping %s: smaller than the crop\n", files[i]);
            else if (r < 0 && talk)
                fprintf(stderr, "lat train: skipping %s: %s\n", files[i], lat_strerror(r));
            else if (!is_val)
                pixels += (long)im.width * im.height;
            free(rgb);
            lat_image_free(&im);
            free(files[i]);
        }
        free(files);
    }
    const int ntrain = trainer_image_count(t, 0), nval = trainer_image_count(t, 1);
    if (talk) {
        fprintf(stderr,
                "lat train: %d training images (%.1f Mpixel), %d validation images, loaded in %.1f s\n",
                ntrain, pixels / 1e6, nval, now_seconds() - t0);
        fprintf(stderr, "lat train: model %s N=%d M=%d levels=%d (%zu parameters), lambdas", cfg.model_id,
                n, m, levels, trainer_param_count(t));
        for (int l = 0; l < levels; l++)
            fprintf(stderr, "%s%g", l ? "," : " ", lambdas[l]);
        fprintf(stderr, "\nlat train: step %ld -> %ld, batch %d x %dx%d, lr %g -> %g (cosine from %ld over %ld), %d thread(s)\n",
                trainer_steps_done(t), steps, cfg.batch, cfg.crop, cfg.crop, cfg.lr, cfg.lr_min,
                cfg.decay_start, cfg.decay_steps, trainer_shard_count(t));
        if (g.size > 1)
            fprintf(stderr, "lat train: %d ranks (%s), %d%s crops each, %d thread(s) each\n",
                    g.size, train_group_kind(), cfg.batch / g.size,
                    cfg.batch % g.size ? " or 1 more" : "", trainer_shard_count(t));
    }
    if (ntrain == 0) {
        fprintf(stderr, "lat train: no usable training images\n");
        trainer_free(t);
        return leave(&g, 1);
    }

    Run run = {.t = t, .out_path = out_path};
    const long start_step = trainer_steps_done(t);
    const double start = now_seconds();
    double last_log = start;
    long last_log_step = start_step;
    double sum_loss = 0, sum_bpp = 0, sum_psnr = 0, sum_gn = 0;
    int acc = 0, status = 0, bad_steps = 0, signalled = 0;
    long last_val = -1;
    TrainStats st = {0};
    while (trainer_steps_done(t) < steps) {
        /* Every rank stops at the same step: 1 a signal, 2 the time limit. */
        const int why = train_group_or(&g, (stop_requested ? 1 : 0)
            | (time_limit_min > 0 && now_seconds() - start > time_limit_min * 60 ? 2 : 0));
        signalled = why & 1;
        if (why)
            break;
        e = trainer_step(t, &st);
        if (e < 0) {
            if (talk)
                fprintf(stderr, "lat train: step %ld: loss or gradient not finite, step dropped\n",
                        trainer_steps_done(t));
            if (++bad_steps >= 20) {
                if (talk)
                    fprintf(stderr, "lat train: 20 dropped steps in a row; stopping (last checkpoint kept)\n");
                status = 1;
                break;
            }
            continue;
        }
        bad_steps = 0;
        sum_loss += st.loss;
        sum_bpp += st.bpp;
        sum_psnr += st.psnr;
        sum_gn += st.grad_norm;
        acc++;
        const long s = st.step;
        if (s % log_every == 0) {
            double now = now_seconds();
            double rate = (s - last_log_step) / (now - last_log);
            char eta[32];
            format_duration((steps - s) / rate, eta, sizeof eta);
            if (talk)
                fprintf(stderr, "step %ld loss %.4f bpp %.4f psnr %.2f |g| %.3f lr %.2e %.2f steps/s "
                        "(%.1f crops/s) ETA %s\n", s, sum_loss / acc, sum_bpp / acc, sum_psnr / acc,
                        sum_gn / acc, st.lr, rate, rate * cfg.batch, eta);
            last_log = now;
            last_log_step = s;
            sum_loss = sum_bpp = sum_psnr = sum_gn = 0;
            acc = 0;
        }
        if (val_every > 0 && s % val_every == 0 && nval > 0) {   /* nval is 0 off rank 0 */
            validate(t, val_levels, val_count_levels);
            last_val = s;
        }
        if (s % ck_every == 0 || (snap_every > 0 && s % snap_every == 0)) {
            if (!weights_agree(&g, t)) {
                if (talk)
                    fprintf(stderr, "lat train: step %ld: the ranks' weights differ; stopping\n", s);
                status = 1;
                break;
            }
            if (!talk)   /* rank 0 writes the files */
                continue;
            snprintf(run.note, sizeof run.note,
                     "lat train: steps %ld, batch %d x %d^2, lambdas from header, lr %g->%g "
                     "(cosine %ld+%ld), %d training images",
                     s, cfg.batch, cfg.crop, cfg.lr, cfg.lr_min, cfg.decay_start, cfg.decay_steps,
                     ntrain);
            checkpoint(&run);
            if (snap_every > 0 && s % snap_every == 0) {
                char snap[4096];
                snprintf(snap, sizeof snap, "%s.step%ld.latm", out_path, s);
                save(&run, snap, 0);
            }
        }
    }
    snprintf(run.note, sizeof run.note,
             "lat train: steps %ld, batch %d x %d^2, lr %g->%g (cosine %ld+%ld), %d training images",
             trainer_steps_done(t), cfg.batch, cfg.crop, cfg.lr, cfg.lr_min, cfg.decay_start,
             cfg.decay_steps, ntrain);
    if (status == 0 && !weights_agree(&g, t)) {
        if (talk)
            fprintf(stderr, "lat train: the ranks' weights differ; no checkpoint written\n");
        status = 1;
    }
    if (status == 0 && talk) {
        if (nval > 0 && last_val != trainer_steps_done(t))
            validate(t, val_levels, val_count_levels);
        if (checkpoint(&run) < 0)
            status = 1;
    }
    if (talk)
        fprintf(stderr, "lat train: stopped at step %ld after %.0f s%s\n", trainer_steps_done(t),
                now_seconds() - start, signalled ? " (signal)" : "");
    trainer_free(t);
    return leave(&g, status);
}
