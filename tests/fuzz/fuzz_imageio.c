/* Fuzz target 4: arbitrary bytes through the tools' image reader
 * (image_read_memory: PNG, JPEG, PGM/PPM sniffed from content), with a
 * small pixel limit so huge declared sizes are refused, not decoded. A
 * success must describe a consistent image; a failure must give a reason. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "imageio.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    LatImage img;
    char err[256] = "";
    if (image_read_memory(data, size, &img, FUZZ_MAX_PIXELS, err, sizeof err) == 0) {
        if (!img.pixels || img.width == 0 || img.height == 0 || img.channels < 1
            || img.channels > 4 || (img.bit_depth != 8 && img.bit_depth != 16)
            || (uint64_t)img.width * img.height > FUZZ_MAX_PIXELS)
            abort();
        /* Touch every sample, so a short buffer shows under ASan. */
        size_t bytes = (size_t)img.width * img.height * img.channels * (img.bit_depth / 8);
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < bytes; i++)
            sum = (uint8_t)(sum + ((const uint8_t *)img.pixels)[i]);
        (void)sum;
        lat_image_free(&img);
    } else if (err[0] == 0) {
        abort();
    }
    return 0;
}
