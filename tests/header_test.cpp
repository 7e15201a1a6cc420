// lat.h compiles alone as C++ and its declarations link (extern "C").
#include "lat.h"

int main()
{
    LatSettings s;
    lat_default_settings(&s);
    LatInfo info;
    return lat_inspect(nullptr, 0, &info) < 0 && lat_version()[0] != 0 ? 0 : 1;
}
