/* Input images of `lat bench rd` / `lat bench lossless`. */
#ifndef LAT_TOOLS_BENCH_INPUTS_H
#define LAT_TOOLS_BENCH_INPUTS_H
#include <stddef.h>
#include "lat.h"

/* Expands args (directories and files) into a list of image paths: a
 * directory contributes its *.png, *.jpg, *.jpeg, *.ppm, *.pgm, *.pnm files
 * (not recursive) in name order; a file is taken as is. *paths is a malloc'd
 * array of malloc'd strings (free with bench_free_inputs). Returns 0, or -1
 * with a reason in err (unreadable argument, or no image found). */
int bench_collect_inputs(char **args, int nargs, char ***paths, int *count, char *err,
                         size_t errlen);
void bench_free_inputs(char **paths, int count);

/* mkdir -p: creates path and its missing parents. Returns 0, or -1 with a
 * reason in err. */
int bench_make_dirs(const char *path, char *err, size_t errlen);

/* The file name without directories, e.g. "kodim01.png". */
const char *bench_basename(const char *path);

/* Converts img in place to 8-bit RGB: gray is replicated, alpha dropped,
 * 16-bit samples rounded to 8 bits. Returns 1 if it changed anything, 0 if
 * the image already was 8-bit RGB, -1 when out of memory. */
int bench_to_rgb8(LatImage *img);
#endif
