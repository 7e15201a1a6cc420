/* Rate-distortion plots for `lat bench rd`: a small SVG writer (axes, ticks,
 * grid, legend, curves with markers) and PNG rendering through gnuplot.
 * Not a plotting library: x/y line charts with up to PLOT_MAX_SERIES
 * curves, linear axes. */
#ifndef LAT_TOOLS_PLOT_H
#define LAT_TOOLS_PLOT_H
#include <stddef.h>
#include "textbuf.h"

#define PLOT_MAX_SERIES 8

typedef struct PlotSeries {
    const char *label;
    const double *x, *y;   /* n points, borrowed; non-finite points are skipped */
    int n;
    const char *color;     /* CSS/gnuplot colour, e.g. "#d62728" */
    int marker;            /* 0 circle, 1 square, 2 triangle */
} PlotSeries;

typedef struct Plot {
    const char *title, *xlabel, *ylabel;
    PlotSeries series[PLOT_MAX_SERIES];
    int nseries;
    double xmin, xmax;     /* x range shown; NAN = from the data. Points outside are clipped */
} Plot;

/* Appends a standalone <svg> element of width x height pixels to out. */
void plot_svg(const Plot *p, int width, int height, TextBuf *out);

/* Writes data_path (whitespace columns, one block per series) and
 * script_path (a gnuplot script that reads data_path) and runs gnuplot to
 * render png_path with the pngcairo terminal. Returns 0, or -1 with a reason
 * in err (e.g. gnuplot not installed). */
int plot_png_gnuplot(const Plot *p, int width, int height, const char *png_path,
                     const char *script_path, const char *data_path, char *err, size_t errlen);
#endif
