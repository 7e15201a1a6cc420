/* The FMA ceiling of the kernel path in use: a loop of independent FMAs on
 * each of nn_get_threads() threads (what lat bench nn compares the
 * transforms with). */
#include "det_conv.h"
#include "det_kernels.h"

#include <time.h>

typedef struct PeakJob { long n; float sink; } PeakJob;

static void *peak_work(void *arg)
{
    PeakJob *j = arg;
    j->sink = nn_det_kernels()->fma_loop(j->n);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double nn_det_fma_gflops(double seconds)
{
    const NnDetKernels *kr = nn_det_kernels();
    const int nt = nn_det_threads(NN_DET_MAX_THREADS);
    PeakJob job[NN_DET_MAX_THREADS];
    long n = 1 << 16;
    double best = 0.0, spent = 0.0;
    while (spent < seconds) {
        const double t0 = now_s();
        for (int t = 0; t < nt; t++)
            job[t].n = n;
        nn_det_run(peak_work, job, sizeof job[0], nt);
        const double dt = now_s() - t0;
        spent += dt;
        const double rate = (double)n * kr->fma_flop * nt / dt * 1e-9;
        if (rate > best)
            best = rate;
        if (dt < 0.02)
            n *= 2;
    }
    return best;
}
