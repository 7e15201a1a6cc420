/* lat.h compiles alone: as C99 (this file) and as C++ (header_test.cpp),
 * and its declarations link against liblat. */
#include "lat.h"

int main(void)
{
    LatSettings s;
    lat_default_settings(&s);
    LatInfo info;
    LatBlasKernel k;
    return lat_inspect(NULL, 0, &info) < 0 && lat_version()[0] != 0 && lat_blas_kernel(&k) == 0
        ? 0 : 1;
}
