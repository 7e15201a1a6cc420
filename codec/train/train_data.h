/* Training images in memory: 8-bit RGB copies at a few scales, and crop
 * extraction into planar float minibatches. Internal to codec/train. */
#ifndef LAT_TRAIN_DATA_H
#define LAT_TRAIN_DATA_H
#include <stddef.h>
#include <stdint.h>

typedef struct TrainImage {
    int w, h;
    uint8_t *rgb;    /* interleaved, owned */
} TrainImage;

typedef struct ImageSet {
    TrainImage *img;
    int count, cap;
} ImageSet;

/* Appends a copy of rgb (w x h). Returns 0 or -1 (out of memory). */
int image_set_add(ImageSet *s, const uint8_t *rgb, int w, int h);
void image_set_free(ImageSet *s);

/* Antialiased downscale (separable tent filter whose support widens with
 * the scale factor) of src (w x h) into a malloc'd dw x dh image. NULL on
 * allocation failure. */
uint8_t *image_downscale(const uint8_t *src, int w, int h, int dw, int dh);

/* Writes the crop at (x0, y0) of side crop x crop into dst as planar float
 * [3][crop][crop] in [0, 1], mirrored horizontally when flip. */
void image_crop_planar(const TrainImage *im, int x0, int y0, int crop, int flip, float *dst);

#endif
