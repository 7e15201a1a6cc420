/* TrainGroup without MPI (built with -Dmpi=disabled or without an MPI
 * library): always a group of one. Started by mpirun, it refuses to run:
 * K independent copies would all write the same model. */
#include <stdio.h>
#include <stdlib.h>

#include "train_group.h"

int train_group_join(TrainGroup *g, char *err, size_t err_len)
{
    *g = (TrainGroup){.rank = 0, .size = 1};
    const int launched = train_launcher_size();
    if (launched > 1) {
        snprintf(err, err_len,
                 "started as one of %d MPI processes, but this lat was built without MPI "
                 "(meson setup -Dmpi=enabled needs libopenmpi-dev)", launched);
        return -1;
    }
    return 0;
}

int train_group_or(const TrainGroup *g, int flags)
{
    (void)g;
    return flags;
}

int train_group_same(const TrainGroup *g, uint64_t value)
{
    (void)g;
    (void)value;
    return 1;
}

int train_group_reduce(void *ctx, float *grad, size_t n, double *stats, int k)
{
    (void)ctx;
    (void)grad;
    (void)n;
    (void)stats;
    (void)k;
    return 0;
}

void train_group_leave(TrainGroup *g, int status)
{
    (void)g;
    (void)status;
}

const char *train_group_kind(void) { return "no MPI"; }
