/* The self-contained HTML report of `lat bench rd` (OUTDIR/index.html):
 * summary table, the two RD plots as inline SVG, side-by-side crops of
 * original / JPEG / lat at matched bpp (PNG data: URIs) with zoom. No
 * external resources; a few lines of inline JS for the zoom controls. */
#ifndef LAT_TOOLS_BENCH_REPORT_H
#define LAT_TOOLS_BENCH_REPORT_H
#include <stddef.h>
#include "bench_rd.h"
#include "textbuf.h"

/* Appends the whole page to out. psnr_svg and msssim_svg are <svg>
 * elements (plot.h). Returns 0, or -1 with a reason in err. */
int bench_report_html(const RdRun *run, const char *psnr_svg, const char *msssim_svg,
                      TextBuf *out, char *err, size_t errlen);
#endif
