/* The training-crop sampler (codec/train/train_data.c): photos are drawn in
 * proportion to their pixel count, then one of their scale copies
 * uniformly; an empty group (a photo none of whose copies was added) is
 * never drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "train/train_data.h"


int main(void)
{
    ImageSet s = {0};
    uint8_t px[3 * 4 * 4] = {0};
    /* Photo A: 100 pixels, 2 copies; photo B: nothing added; photo C: 300
     * pixels, 1 copy; photo D: 600 pixels, 3 copies. */
    CHECK_MSG(image_set_begin_group(&s, 100) == 0 && image_set_add(&s, px, 2, 2) == 0
          && image_set_add(&s, px, 1, 1) == 0, "group A");
    CHECK_MSG(image_set_begin_group(&s, 5000) == 0, "group B");
    image_set_end_group(&s);
    CHECK_MSG(image_set_begin_group(&s, 300) == 0 && image_set_add(&s, px, 3, 3) == 0, "group C");
    image_set_end_group(&s);
    CHECK_MSG(image_set_begin_group(&s, 600) == 0 && image_set_add(&s, px, 4, 4) == 0
          && image_set_add(&s, px, 3, 3) == 0 && image_set_add(&s, px, 2, 2) == 0, "group D");
    CHECK_MSG(s.groups == 3 && s.count == 6, "%d groups, %d images", s.groups, s.count);
    if (check_failures)
        return 1;

    /* Every residue of r64 modulo the 1000 pixels once, with every copy
     * index: exact counts per image. */
    int hits[6] = {0};
    for (uint64_t r = 0; r < 1000; r++)
        for (uint32_t c = 0; c < 6; c++) {
            const TrainImage *im = image_set_pick(&s, r + 1000 * (r % 7), c);
            hits[im - s.img]++;
        }
    const int want[6] = {300, 300, 1800, 1200, 1200, 1200};
    for (int i = 0; i < 6; i++)
        CHECK_MSG(hits[i] == want[i], "image %d drawn %d times, expected %d", i, hits[i], want[i]);
    image_set_free(&s);
    CHECK_MSG(s.img == NULL && s.group == NULL && s.groups == 0, "free");
    if (!check_failures)
        printf("sampler: ok\n");
    return check_report();
}
