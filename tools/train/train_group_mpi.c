/* TrainGroup over MPI: one rank per process of MPI_COMM_WORLD. MPI is
 * initialised only when an MPI launcher started this process, so a plain
 * `lat train` never touches it. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "train_group.h"

int train_group_join(TrainGroup *g, char *err, size_t err_len)
{
    *g = (TrainGroup){.rank = 0, .size = 1};
    if (train_launcher_size() == 0)
        return 0;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        snprintf(err, err_len, "MPI_Init failed");
        return -1;
    }
    g->joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g->size);
    return 0;
}

int train_group_or(const TrainGroup *g, int flags)
{
    if (g->size > 1)
        MPI_Allreduce(MPI_IN_PLACE, &flags, 1, MPI_INT, MPI_BOR, MPI_COMM_WORLD);
    return flags;
}

int train_group_same(const TrainGroup *g, uint64_t value)
{
    if (g->size == 1)
        return 1;
    /* max(value) and max(~value) = ~min(value): equal everywhere iff max == min */
    uint64_t v[2] = {value, ~value};
    MPI_Allreduce(MPI_IN_PLACE, v, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    return v[0] == ~v[1];
}

int train_group_reduce(void *ctx, float *grad, size_t n, double *stats, int k)
{
    const TrainGroup *g = ctx;
    if (g->size == 1)
        return 0;
    if (n > INT_MAX)
        return -1;
    if (MPI_Allreduce(MPI_IN_PLACE, grad, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS
        || MPI_Allreduce(MPI_IN_PLACE, stats, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return -1;
    return 0;
}

void train_group_leave(TrainGroup *g, int status)
{
    if (!g->joined)
        return;
    if (status != 0 && g->size > 1)
        MPI_Abort(MPI_COMM_WORLD, status);
    MPI_Finalize();
    g->joined = 0;
}

const char *train_group_kind(void)
{
    static char kind[64];
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    version[strcspn(version, ",\n")] = 0;   /* "Open MPI v4.1.4, package: ..." */
    snprintf(kind, sizeof kind, "MPI (%.48s)", version);
    return kind;
}
