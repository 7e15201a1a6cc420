/* Training image storage, downscaling and crop extraction. */
#include "train/train_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int image_set_add(ImageSet *s, const uint8_t *rgb, int w, int h)
{
    if (s->count == s->cap) {
        int cap = s->cap ? 2 * s->cap : 16;
        TrainImage *n = realloc(s->img, sizeof *n * (size_t)cap);
        if (!n)
            return -1;
        s->img = n;
        s->cap = cap;
    }
    size_t bytes = (size_t)w * h * 3;
    uint8_t *copy = malloc(bytes);
    if (!copy)
        return -1;
    memcpy(copy, rgb, bytes);
    s->img[s->count].w = w;
    s->img[s->count].h = h;
    s->img[s->count].rgb = copy;
    s->count++;
    if (s->groups > 0)
        s->group[s->groups - 1].copies++;
    return 0;
}

int image_set_begin_group(ImageSet *s, uint64_t pixels)
{
    if (s->groups == s->group_cap) {
        int cap = s->group_cap ? 2 * s->group_cap : 16;
        ImageGroup *n = realloc(s->group, sizeof *n * (size_t)cap);
        if (!n)
            return -1;
        s->group = n;
        s->group_cap = cap;
    }
    const uint64_t before = s->groups > 0 ? s->group[s->groups - 1].cum_pixels : 0;
    s->group[s->groups++] = (ImageGroup){.first = s->count, .copies = 0, .cum_pixels = before + pixels};
    return 0;
}

void image_set_end_group(ImageSet *s)
{
    if (s->groups > 0 && s->group[s->groups - 1].copies == 0)
        s->groups--;
}

const TrainImage *image_set_pick(const ImageSet *s, uint64_t r64, uint32_t r32)
{
    const uint64_t at = r64 % s->group[s->groups - 1].cum_pixels;
    int lo = 0, hi = s->groups - 1;   /* first group whose cum_pixels > at */
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (s->group[mid].cum_pixels > at)
            hi = mid;
        else
            lo = mid + 1;
    }
    const ImageGroup *g = &s->group[lo];
    return &s->img[g->first + (int)(r32 % (uint32_t)g->copies)];
}

void image_set_free(ImageSet *s)
{
    for (int i = 0; i < s->count; i++)
        free(s->img[i].rgb);
    free(s->img);
    free(s->group);
    memset(s, 0, sizeof *s);
}

/* Filter taps of one output coordinate: first source index and weights. */
typedef struct Taps {
    int first, count;
    float *w;
} Taps;

static Taps *make_taps(int src, int dst, int *max_taps)
{
    const double scale = (double)dst / src;           /* < 1 when shrinking */
    const double support = scale < 1 ? 1.0 / scale : 1.0;
    const int maxt = (int)ceil(2 * support) + 2;
    Taps *t = calloc((size_t)dst, sizeof *t);
    float *w = calloc((size_t)dst * maxt, sizeof *w);
    if (!t || !w) {
        free(t);
        free(w);
        return NULL;
    }
    for (int o = 0; o < dst; o++) {
        const double c = (o + 0.5) / scale - 0.5;
        int lo = (int)floor(c - support) + 1, hi = (int)ceil(c + support) - 1;
        if (hi - lo + 1 > maxt)
            hi = lo + maxt - 1;
        double sum = 0;
        t[o].w = w + (size_t)o * maxt;
        t[o].first = lo;
        t[o].count = hi - lo + 1;
        for (int i = lo; i <= hi; i++) {
            double d = fabs(i - c) / support;
            double v = d < 1 ? 1 - d : 0;
            t[o].w[i - lo] = (float)v;
            sum += v;
        }
        for (int i = 0; i < t[o].count; i++)
            t[o].w[i] = (float)(sum > 0 ? t[o].w[i] / sum : 0);
    }
    *max_taps = maxt;
    return t;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

uint8_t *image_downscale(const uint8_t *src, int w, int h, int dw, int dh)
{
    int mx, my;
    Taps *tx = make_taps(w, dw, &mx), *ty = make_taps(h, dh, &my);
    float *tmp = malloc(sizeof(float) * (size_t)h * dw * 3);
    uint8_t *dst = malloc((size_t)dw * dh * 3);
    if (!tx || !ty || !tmp || !dst) {
        free(dst);
        dst = NULL;
        goto done;
    }
    for (int r = 0; r < h; r++)
        for (int o = 0; o < dw; o++) {
            float acc[3] = {0, 0, 0};
            for (int i = 0; i < tx[o].count; i++) {
                const uint8_t *p = src + ((size_t)r * w + clampi(tx[o].first + i, 0, w - 1)) * 3;
                for (int k = 0; k < 3; k++)
                    acc[k] += tx[o].w[i] * p[k];
            }
            for (int k = 0; k < 3; k++)
                tmp[((size_t)r * dw + o) * 3 + k] = acc[k];
        }
    for (int o = 0; o < dh; o++)
        for (int c = 0; c < dw; c++) {
            float acc[3] = {0, 0, 0};
            for (int i = 0; i < ty[o].count; i++) {
                const float *p = tmp + ((size_t)clampi(ty[o].first + i, 0, h - 1) * dw + c) * 3;
                for (int k = 0; k < 3; k++)
                    acc[k] += ty[o].w[i] * p[k];
            }
            for (int k = 0; k < 3; k++) {
                float v = acc[k] + 0.5f;
                dst[((size_t)o * dw + c) * 3 + k] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
            }
        }
done:
    if (tx)
        free(tx[0].w);
    if (ty)
        free(ty[0].w);
    free(tx);
    free(ty);
    free(tmp);
    return dst;
}

void image_crop_planar(const TrainImage *im, int x0, int y0, int crop, int flip, float *dst)
{
    const size_t plane = (size_t)crop * crop;
    for (int r = 0; r < crop; r++) {
        const uint8_t *row = im->rgb + ((size_t)(y0 + r) * im->w + x0) * 3;
        for (int c = 0; c < crop; c++) {
            const uint8_t *p = row + (size_t)(flip ? crop - 1 - c : c) * 3;
            for (int k = 0; k < 3; k++)
                dst[k * plane + (size_t)r * crop + c] = p[k] * (1.0f / 255.0f);
        }
    }
}
