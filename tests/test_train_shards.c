/* Data-parallel shards of the trainer (TrainConfig.shard/shards/reduce):
 * the shares of one minibatch split over 2 or 3 shards (evenly and not)
 * sum to the loss and gradients of the whole minibatch computed by one
 * trainer; trainer_step hands reduce every gradient and the 3 statistics,
 * and a failing reduce drops the step; the trainer's threads (shards of
 * its own) give the same sums. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lat.h"
#include "lossy/lossy_net.h"
#include "nn/nn.h"
#include "train/train.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } } while (0)

static Trainer *new_trainer(const TrainConfig *cfg, const uint8_t *ck, size_t ck_size,
                            const uint8_t *im, int w, int h)
{
    Trainer *t;
    if (trainer_new(&t, cfg, ck, ck_size) != 0)
        return NULL;
    trainer_add_image(t, im, w, h, 0);
    trainer_add_image(t, im, w - 16, h - 8, 0);   /* the same bytes as a second, smaller photo */
    return t;
}

typedef struct ReduceLog {
    size_t n;
    int k, calls, fail;
} ReduceLog;

static int logging_reduce(void *ctx, float *grad, size_t n, double *stats, int k)
{
    ReduceLog *r = ctx;
    (void)grad;
    (void)stats;
    r->n = n;
    r->k = k;
    r->calls++;
    return r->fail ? -1 : 0;
}

/* Largest difference between whole's gradients and the sum of the parts'
 * gradients, relative to each tensor's largest gradient. */
static double largest_difference(Trainer *whole, Trainer **part, int parts)
{
    double worst = 0;
    for (int i = 0; i < LOSSY_TENSORS; i++) {
        const Param *p = trainer_param(whole, i, NULL);
        double scale = 0;
        for (size_t j = 0; j < p->n; j++)
            scale = fmax(scale, fabs(p->g[j]));
        for (size_t j = 0; j < p->n; j++) {
            double g = 0;
            for (int s = 0; s < parts; s++)
                g += trainer_param(part[s], i, NULL)->g[j];
            worst = fmax(worst, fabs(g - p->g[j]) / (scale > 0 ? scale : 1));
        }
    }
    return worst;
}

int main(void)
{
    enum { W = 80, H = 64 };
    uint8_t *im = malloc(W * H * 3);
    for (int i = 0; i < W * H * 3; i++)
        im[i] = (uint8_t)(128 + 100 * sin(i * 0.013) * cos(i * 0.0007));
    TrainConfig cfg;
    train_default_config(&cfg);
    cfg.n = 4;
    cfg.m = 5;
    cfg.levels = 3;
    cfg.lambdas[0] = 0.01f;
    cfg.lambdas[1] = 0.03f;
    cfg.lambdas[2] = 0.08f;
    cfg.batch = 5;
    cfg.crop = 32;
    cfg.threads = 1;
    cfg.seed = 5;
    /* A few steps so the weights are not at their init; every trainer below
     * starts from this checkpoint. */
    Trainer *base = new_trainer(&cfg, NULL, 0, im, W, H);
    CHECK(base != NULL, "trainer_new");
    if (!base)
        return 1;
    TrainStats st;
    for (int i = 0; i < 3; i++)
        CHECK(trainer_step(base, &st) == 0, "step %d", i);
    uint8_t *ck;
    size_t ck_size;
    CHECK(trainer_serialize(base, 1, NULL, &ck, &ck_size) == 0, "serialize");
    trainer_free(base);

    Trainer *whole = new_trainer(&cfg, ck, ck_size, im, W, H);
    const double loss = trainer_loss_and_gradients(whole, 77);
    for (int shards = 2; shards <= 3; shards++) {
        Trainer *part[3];
        double sum = 0;
        for (int s = 0; s < shards; s++) {
            TrainConfig c = cfg;
            c.shard = s;
            c.shards = shards;
            part[s] = new_trainer(&c, ck, ck_size, im, W, H);
            sum += trainer_loss_and_gradients(part[s], 77);
        }
        CHECK(fabs(sum - loss) <= 1e-5 * fabs(loss), "%d shards: loss %.9g, whole batch %.9g",
              shards, sum, loss);
        const double worst = largest_difference(whole, part, shards);
        printf("%d shards: loss %.9g (whole batch %.9g), largest gradient difference %.2e\n",
               shards, sum, loss, worst);
        CHECK(worst < 1e-4, "%d shards: gradients differ by %.3g of the largest", shards, worst);
        for (int s = 0; s < shards; s++)
            trainer_free(part[s]);
    }
    /* Threads: the trainer's own shards (a replica of the network each, on
     * a thread of its own) give the whole batch's loss and gradients. */
    for (int threads = 2; threads <= 3; threads++) {
        TrainConfig c = cfg;
        c.threads = threads;
        Trainer *tt = new_trainer(&c, ck, ck_size, im, W, H);
        CHECK(tt && trainer_shard_count(tt) == threads, "%d threads: shards", threads);
        if (!tt)
            continue;
        const double l = trainer_loss_and_gradients(tt, 77);
        const double worst = largest_difference(whole, &tt, 1);
        printf("%d threads: loss %.9g, largest gradient difference %.2e\n", threads, l, worst);
        CHECK(fabs(l - loss) <= 1e-5 * fabs(loss), "%d threads: loss %.9g, whole batch %.9g",
              threads, l, loss);
        CHECK(worst < 1e-4, "%d threads: gradients differ by %.3g of the largest", threads, worst);
        trainer_free(tt);
    }
    trainer_free(whole);

    /* reduce sees every gradient and 3 statistics; when it fails, no update. */
    ReduceLog log = {0};
    TrainConfig c = cfg;
    c.reduce = logging_reduce;
    c.reduce_ctx = &log;
    Trainer *t = new_trainer(&c, ck, ck_size, im, W, H);
    CHECK(trainer_step(t, &st) == 0 && log.calls == 1 && log.n == trainer_param_count(t)
          && log.k == 3, "reduce: %d calls, n %zu of %zu, k %d", log.calls, log.n,
          trainer_param_count(t), log.k);
    const long done = trainer_steps_done(t);
    log.fail = 1;
    CHECK(trainer_step(t, &st) == LAT_ERR_INTERNAL && trainer_steps_done(t) == done,
          "a failed reduce must drop the step");
    trainer_free(t);

    /* Shards outside [0, shards) or more shards than crops are refused. */
    c = cfg;
    c.shards = 6;
    CHECK(trainer_new(&t, &c, NULL, 0) == LAT_ERR_INVALID_ARGUMENT, "6 shards of a batch of 5");
    c.shards = 2;
    c.shard = 2;
    CHECK(trainer_new(&t, &c, NULL, 0) == LAT_ERR_INVALID_ARGUMENT, "shard 2 of 2");

    free(ck);
    free(im);
    if (failures)
        printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
