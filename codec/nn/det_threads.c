/* The deterministic kernels' threads: jobs on pthreads of their own, the
 * first on the calling thread (results never depend on the split). */
#include "det_threads.h"

#include "nn.h"

#include <pthread.h>

int nn_det_threads(long useful)
{
    long n = nn_get_threads();
    if (n > NN_DET_MAX_THREADS) n = NN_DET_MAX_THREADS;
    if (n > useful) n = useful;
    return n < 1 ? 1 : (int)n;
}

void nn_det_run(void *(*fn)(void *), void *jobs, size_t job_size, int n)
{
    pthread_t tid[NN_DET_MAX_THREADS];
    int started[NN_DET_MAX_THREADS] = { 0 };
    char *job = jobs;
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, job + t * job_size) == 0;
    for (int t = 0; t < n; t++)
        if (!started[t])
            fn(job + t * job_size);
    for (int t = 1; t < n; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
}
