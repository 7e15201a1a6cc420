#include "ticker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct Ticker {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop, tty, shown;
    double start, done;   /* done < 0: no fraction known */
    char cmd[32], what[256], stage[128];
};

enum { FIRST_MS = 1000, TTY_MS = 250, LINE_MS = 5000 };

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *run(void *arg)
{
    Ticker *t = arg;
    struct timespec ts;
    pthread_mutex_lock(&t->lock);
    deadline_in(&ts, FIRST_MS);
    while (!t->stop) {
        if (pthread_cond_timedwait(&t->wake, &t->lock, &ts) == 0)
            continue;   /* woken: stop, or a spurious wake-up */
        double s = cli_now() - t->start;
        char pct[16] = "";
        if (t->done >= 0)
            snprintf(pct, sizeof pct, " %.0f%%,", 100 * t->done);
        if (t->tty)
            fprintf(stderr, "\r\033[Klat %s: %s: %s,%s %.0f s", t->cmd, t->what, t->stage, pct, s);
        else
            fprintf(stderr, "lat %s: %s: %s,%s %.0f s\n", t->cmd, t->what, t->stage, pct, s);
        fflush(stderr);
        t->shown = 1;
        deadline_in(&ts, t->tty ? TTY_MS : LINE_MS);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

Ticker *ticker_start(const char *cmd, const char *what, int verbose)
{
    int tty = isatty(STDERR_FILENO);
    if (!tty && !verbose)
        return NULL;
    Ticker *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;   /* no ticker is no failure */
    t->tty = tty;
    t->start = cli_now();
    t->done = -1;
    snprintf(t->cmd, sizeof t->cmd, "%s", cmd);
    snprintf(t->what, sizeof t->what, "%s", what);
    snprintf(t->stage, sizeof t->stage, "working");
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

void ticker_stage(Ticker *t, const char *stage)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    snprintf(t->stage, sizeof t->stage, "%s", stage);
    t->done = -1;
    pthread_mutex_unlock(&t->lock);
}

void ticker_fraction(Ticker *t, double done)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->done = done;
    pthread_mutex_unlock(&t->lock);
}

void ticker_stop(Ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    if (t->tty && t->shown)
        fputs("\r\033[K", stderr);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
