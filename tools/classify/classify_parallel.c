/* A tiny parallel for over images. Batch-1 inference on a 32x32 image is
 * made of small GEMMs that OpenBLAS cannot spread over cores usefully, so
 * `lat classify` runs whole images on separate threads instead, with BLAS
 * single-threaded meanwhile (nn_set_threads is process-wide). */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "classify.h"
#include "nn/nn.h"

typedef struct Shared {
    ClassifyTask fn;
    void *ctx;
    size_t n;
    size_t next;           /* next index to take */
    int failed;            /* first error (negative), stops the others */
    size_t failed_index;
    pthread_mutex_t lock;
} Shared;

static void *worker(void *arg)
{
    Shared *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        size_t i = s->next < s->n && !s->failed ? s->next++ : s->n;
        pthread_mutex_unlock(&s->lock);
        if (i >= s->n)
            return NULL;
        int e = s->fn(s->ctx, i);
        if (e < 0) {
            pthread_mutex_lock(&s->lock);
            if (!s->failed) {
                s->failed = e;
                s->failed_index = i;
            }
            pthread_mutex_unlock(&s->lock);
        }
    }
}

int classify_parallel_for(size_t n, int threads, ClassifyTask fn, void *ctx,
                          size_t *failed_index)
{
    if (threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (int)cores : 1;
    }
    if (threads > 64)
        threads = 64;
    if ((size_t)threads > n)
        threads = n ? (int)n : 1;
    Shared s = {fn, ctx, n, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER};
    if (threads == 1) {
        worker(&s);
        *failed_index = s.failed_index;
        return s.failed;
    }
    const int saved = nn_get_threads();
    nn_set_threads(1);
    pthread_t tid[64];
    int started = 0;
    for (; started < threads - 1; started++)
        if (pthread_create(&tid[started], NULL, worker, &s) != 0)
            break;
    worker(&s);   // this thread works too
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    nn_set_threads(saved);
    *failed_index = s.failed_index;
    return s.failed;
}
