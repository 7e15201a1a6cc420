/* Reversible colour transform YCoCg-R (docs/FORMAT.md 3.2). For samples in
 * [0, max]: Y in [0, max], Co and Cg in [-max, max] (one extra bit). */
#ifndef LAT_COLOUR_H
#define LAT_COLOUR_H
#include <stdint.h>

static inline int32_t colour_half(int32_t v)   /* floor(v / 2) for any sign */
{
    return v >= 0 ? v / 2 : -((1 - v) / 2);
}

static inline void ycocg_forward(int32_t r, int32_t g, int32_t b, int32_t *y, int32_t *co,
                                 int32_t *cg)
{
    *co = r - b;
    int32_t t = b + colour_half(*co);
    *cg = g - t;
    *y = t + colour_half(*cg);
}

static inline void ycocg_inverse(int32_t y, int32_t co, int32_t cg, int32_t *r, int32_t *g,
                                 int32_t *b)
{
    int32_t t = y - colour_half(cg);
    *g = cg + t;
    *b = t - colour_half(co);
    *r = *b + co;
}

#endif
