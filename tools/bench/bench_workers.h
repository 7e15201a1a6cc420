/* Parallel loop and progress bar for the bench tools. */
#ifndef LAT_TOOLS_BENCH_WORKERS_H
#define LAT_TOOLS_BENCH_WORKERS_H
#include <stdint.h>

/* Monotonic wall clock in seconds. */
double bench_now(void);

/* Progress of a run in units of work (e.g. one encode+decode). Drawn on
 * stderr as a one-line bar when stderr is a terminal and enabled is set;
 * otherwise silent. Thread-safe. */
typedef struct BenchProgress BenchProgress;
BenchProgress *bench_progress_start(const char *label, int64_t total, int enabled);
void bench_progress_add(BenchProgress *p, int64_t units);
/* Clears the bar (so following output starts on a clean line) and frees p. */
void bench_progress_finish(BenchProgress *p);
/* Prints a message on stderr without garbling the bar. */
void bench_progress_note(BenchProgress *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Runs fn(ctx, job, worker) for job = 0..jobs-1 on `workers` threads
 * (worker = 0..workers-1, jobs handed out in order). workers <= 1 runs in
 * the calling thread. Returns 0, or -1 if threads could not be started (the
 * jobs then run in the calling thread). */
int bench_parallel(int jobs, int workers, void (*fn)(void *ctx, int job, int worker), void *ctx);

/* Online CPU count (at least 1). */
int bench_cpu_count(void);
#endif
