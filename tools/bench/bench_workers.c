#include "bench_workers.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int bench_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

struct BenchProgress {
    pthread_mutex_t lock;
    const char *label;
    int64_t total, done;
    double start, last_draw;
    int enabled;
    int drawn; /* a bar is on screen */
};

BenchProgress *bench_progress_start(const char *label, int64_t total, int enabled)
{
    BenchProgress *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    pthread_mutex_init(&p->lock, NULL);
    p->label = label;
    p->total = total > 0 ? total : 1;
    p->start = bench_now();
    p->enabled = enabled && isatty(2);
    return p;
}

static void fmt_duration(char *s, size_t n, double secs)
{
    int t = (int)(secs + 0.5);
    snprintf(s, n, "%d:%02d", t / 60, t % 60);
}

static void draw(BenchProgress *p)
{
    enum { kWidth = 30 };
    double now = bench_now(), frac = (double)p->done / p->total;
    char bar[kWidth + 1], elapsed[16], eta[16] = "?";
    int fill = (int)(frac * kWidth);
    for (int i = 0; i < kWidth; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[kWidth] = '\0';
    fmt_duration(elapsed, sizeof elapsed, now - p->start);
    if (p->done > 0)
        fmt_duration(eta, sizeof eta, (now - p->start) * (1 - frac) / frac);
    fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld  %s elapsed, %s left ", p->label, bar,
            (int)(frac * 100), (long long)p->done, (long long)p->total, elapsed, eta);
    fflush(stderr);
    p->drawn = 1;
    p->last_draw = now;
}

void bench_progress_add(BenchProgress *p, int64_t units)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->done += units;
    if (p->enabled && (bench_now() - p->last_draw > 0.1 || p->done >= p->total))
        draw(p);
    pthread_mutex_unlock(&p->lock);
}

static void clear_line(BenchProgress *p)
{
    if (p->drawn) {
        fprintf(stderr, "\r%*s\r", 100, "");
        p->drawn = 0;
    }
}

void bench_progress_note(BenchProgress *p, const char *fmt, ...)
{
    if (p)
        pthread_mutex_lock(&p->lock);
    if (p)
        clear_line(p);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (p && p->enabled)
        draw(p);
    if (p)
        pthread_mutex_unlock(&p->lock);
}

void bench_progress_finish(BenchProgress *p)
{
    if (!p)
        return;
    clear_line(p);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

typedef struct Pool {
    pthread_mutex_t lock;
    int next, jobs;
    void (*fn)(void *, int, int);
    void *ctx;
} Pool;

typedef struct WorkerArg {
    Pool *pool;
    int worker;
} WorkerArg;

static void *worker_main(void *arg)
{
    WorkerArg *w = arg;
    Pool *p = w->pool;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        int job = p->next < p->jobs ? p->next++ : -1;
        pthread_mutex_unlock(&p->lock);
        if (job < 0)
            return NULL;
        p->fn(p->ctx, job, w->worker);
    }
}

int bench_parallel(int jobs, int workers, void (*fn)(void *ctx, int job, int worker), void *ctx)
{
    if (workers > jobs)
        workers = jobs;
    if (workers <= 1) {
        for (int j = 0; j < jobs; j++)
            fn(ctx, j, 0);
        return 0;
    }
    Pool pool = {.next = 0, .jobs = jobs, .fn = fn, .ctx = ctx};
    pthread_mutex_init(&pool.lock, NULL);
    pthread_t *threads = calloc((size_t)workers, sizeof(pthread_t));
    WorkerArg *args = calloc((size_t)workers, sizeof(WorkerArg));
    int started = 0, rc = 0;
    if (threads && args) {
        for (; started < workers; started++) {
            args[started].pool = &pool;
            args[started].worker = started;
            if (pthread_create(&threads[started], NULL, worker_main, &args[started]) != 0)
                break;
        }
    }
    if (started == 0) {
        rc = -1;
        WorkerArg self = {&pool, 0};
        worker_main(&self);
    }
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&pool.lock);
    free(threads);
    free(args);
    return rc;
}
