/* Integer logistic functions (logistic.h). */
#include "lossless/logistic.h"

const int16_t logistic_knots[65] = {
    1,    2,    2,    3,    4,    5,    6,    8,    10,   13,   17,   21,   27,
    35,   45,   58,   74,   94,   120,  153,  194,  246,  311,  391,  488,  606,
    747,  912,  1102, 1314, 1546, 1793, 2048, 2303, 2550, 2782, 2994, 3184, 3349,
    3490, 3608, 3705, 3785, 3850, 3902, 3943, 3976, 4002, 4022, 4038, 4051, 4061,
    4069, 4075, 4079, 4083, 4086, 4088, 4090, 4091, 4092, 4093, 4094, 4094, 4095,
};

void logistic_stretch_init(StretchTable *t)
{
    int p = 0;
    for (int d = -2047; d <= 2047; d++) {
        const int q = logistic_squash(d);
        while (p <= q && p < 4096)
            t->v[p++] = (int16_t)d;
    }
    while (p < 4096)
        t->v[p++] = 2047;
}
