/* Checks that a browser screenshot (PNG) shows a rendered page and not a
 * blank or error page: expected size, enough distinct colours (photos and
 * plots, not flat text), enough non-white pixels, and content in the lower
 * part too (the crops come after the table and plots).
 * usage: check_screenshot SHOT.png WIDTH HEIGHT */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "imageio.h"

/* Not lat_image_free: this checker does not link the codec library. */
static void free_image(LatImage *img)
{
    free(img->pixels);
    free(img->icc);
    free(img->exif);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: check_screenshot SHOT.png WIDTH HEIGHT\n");
        return 2;
    }
    LatImage img;
    char err[256];
    if (image_read_file(argv[1], &img, 0, err, sizeof err) < 0) {
        fprintf(stderr, "check_screenshot: %s\n", err);
        return 1;
    }
    uint32_t want_w = (uint32_t)atoi(argv[2]), want_h = (uint32_t)atoi(argv[3]);
    int ok = 1;
    if (img.width != want_w || img.height != want_h || img.bit_depth != 8 || img.channels < 3) {
        fprintf(stderr, "check_screenshot: %ux%u, %u channels, %u bits; expected %ux%u RGB(A) 8-bit\n",
                img.width, img.height, img.channels, img.bit_depth, want_w, want_h);
        free_image(&img);
        return 1;
    }
    uint8_t *seen = calloc(1u << 21, 1); /* one bit per 24-bit colour */
    if (!seen)
        return 1;
    const uint8_t *px = img.pixels;
    size_t n = (size_t)img.width * img.height, colours = 0, inked = 0, inked_low = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = px + i * img.channels;
        uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        if (!(seen[c >> 3] & (1u << (c & 7)))) {
            seen[c >> 3] |= (uint8_t)(1u << (c & 7));
            colours++;
        }
        if (p[0] < 235 || p[1] < 235 || p[2] < 235) {
            inked++;
            if (i / img.width >= img.height / 2)
                inked_low++;
        }
    }
    free(seen);
    double ink = (double)inked / n, ink_low = (double)inked_low / (n - n / 2);
    printf("screenshot %ux%u: %zu distinct colours, %.1f%% non-white (%.1f%% in the lower half)\n",
           img.width, img.height, colours, ink * 100, ink_low * 100);
    if (colours < 2000) {
        fprintf(stderr, "check_screenshot: only %zu colours: page not rendered (blank or text only)\n",
                colours);
        ok = 0;
    }
    if (ink < 0.05 || ink_low < 0.02) {
        fprintf(stderr, "check_screenshot: page looks blank\n");
        ok = 0;
    }
    free_image(&img);
    return ok ? 0 : 1;
}
