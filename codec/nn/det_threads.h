/* Threads for work whose result must not depend on how it is split: the
 * deterministic kernels and the encoder's refinement (det_threads.c). */
#ifndef LAT_NN_DET_THREADS_H
#define LAT_NN_DET_THREADS_H

#include <stddef.h>

/* At most this many threads. */
#define NN_DET_MAX_THREADS 64
/* nn_get_threads(), at most NN_DET_MAX_THREADS and `useful`, at least 1. */
int nn_det_threads(long useful);
/* fn(jobs + t*job_size) for t < n: job 0 on the calling thread, the others
 * on threads of their own (on the caller when one cannot start). */
void nn_det_run(void *(*fn)(void *), void *jobs, size_t job_size, int n);

#endif
