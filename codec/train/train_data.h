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

/* The scale copies of one photo: img[first .. first + copies - 1]. */
typedef struct ImageGroup {
    int first, copies;
    uint64_t cum_pixels;   /* pixels of the originals of groups 0 .. this one */
} ImageGroup;

typedef struct ImageSet {
    TrainImage *img;
    int count, cap;
    ImageGroup *group;     /* only where image_set_begin_group was used */
    int groups, group_cap;
} ImageSet;

/* Appends a copy of rgb (w x h) to the current group, if any. Returns 0 or
 * -1 (out of memory). */
int image_set_add(ImageSet *s, const uint8_t *rgb, int w, int h);
/* Starts a group (the next images added are scale copies of one photo of
 * pixels pixels). Returns 0 or -1 (out of memory). */
int image_set_begin_group(ImageSet *s, uint64_t pixels);
/* Drops the last group when it holds no image. */
void image_set_end_group(ImageSet *s);
/* The image a draw picks: a group with probability proportional to its
 * photo's pixel count (so a photo gives crops in proportion to its area,
 * and small photos do not dominate), then one of its copies uniformly.
 * r64 and r32: uniform random integers. Needs at least one non-empty group. */
const TrainImage *image_set_pick(const ImageSet *s, uint64_t r64, uint32_t r32);
void image_set_free(ImageSet *s);

/* Antialiased downscale (separable tent filter whose support widens with
 * the scale factor) of src (w x h) into a malloc'd dw x dh image. NULL on
 * allocation failure. */
uint8_t *image_downscale(const uint8_t *src, int w, int h, int dw, int dh);

/* Writes the crop at (x0, y0) of side crop x crop into dst as planar float
 * [3][crop][crop] in [0, 1], mirrored horizontally when flip. */
void image_crop_planar(const TrainImage *im, int x0, int y0, int crop, int flip, float *dst);

#endif
