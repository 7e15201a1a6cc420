/* Was this process started by an MPI launcher? (Its environment says so.) */
#include <stdlib.h>

#include "train_group.h"

int train_launcher_size(void)
{
    /* Open MPI's mpirun, then MPICH's Hydra; PMIx names the rank only. */
    static const char *const size_vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof size_vars / sizeof size_vars[0]; i++) {
        const char *v = getenv(size_vars[i]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    return getenv("PMIX_RANK") ? 1 : 0;
}
