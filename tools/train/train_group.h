/* The processes that train one model together: `mpirun -np K lat train`
 * runs K ranks, data parallel (each computes its share of every minibatch;
 * the gradients are summed with MPI_Allreduce). Without MPI (not built, or
 * not started by mpirun) the group is this process alone and lat train is
 * the same program as without this file. */
#ifndef LAT_TRAIN_GROUP_H
#define LAT_TRAIN_GROUP_H
#include <stddef.h>
#include <stdint.h>

typedef struct TrainGroup {
    int rank, size;
    int joined;     /* MPI was initialised (and must be finalised) */
} TrainGroup;

/* Joins the group: MPI_Init when started by an MPI launcher, else a group
 * of one. Returns 0, or -1 with a message in err. */
int train_group_join(TrainGroup *g, char *err, size_t err_len);

/* Bitwise OR of flags over the processes. Every process must call it. */
int train_group_or(const TrainGroup *g, int flags);

/* 1 when value is the same in every process. Every process must call it. */
int train_group_same(const TrainGroup *g, uint64_t value);

/* TrainConfig.reduce (ctx: the TrainGroup): sums grad and stats over the
 * group, in place. */
int train_group_reduce(void *ctx, float *grad, size_t n, double *stats, int k);

/* Leaves the group; status != 0 in a group of several ends every process
 * (a rank that stops alone would leave the others waiting forever). */
void train_group_leave(TrainGroup *g, int status);

/* Processes an MPI launcher started, from the environment (at least 1 when
 * this process was started by one); 0: not started by one. */
int train_launcher_size(void);

/* "MPI (library version)" or "no MPI", for messages. */
const char *train_group_kind(void);

#endif
