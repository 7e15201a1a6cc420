/* SVG: computed layout, "nice" tick steps (1, 2, 2.5, 5 x 10^k).
 * PNG: gnuplot does the rasterization and font rendering; we only write its
 * inputs and run it (fork/exec, no shell, so paths need no quoting). */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Axis {
    double lo, hi, step;
    int decimals;
} Axis;

static double nice_step(double range, int target_ticks)
{
    double raw = range / target_ticks, mag = pow(10, floor(log10(raw)));
    static const double kSteps[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof(kSteps) / sizeof(kSteps[0]); i++)
        if (kSteps[i] * mag >= raw)
            return kSteps[i] * mag;
    return 10 * mag;
}

static Axis make_axis(double lo, double hi, int target_ticks, int snap_outward)
{
    Axis a;
    if (!(hi > lo)) {
        double pad = fabs(lo) > 0 ? fabs(lo) * 0.05 : 1;
        lo -= pad;
        hi += pad;
    }
    a.step = nice_step(hi - lo, target_ticks);
    a.lo = snap_outward ? floor(lo / a.step + 1e-9) * a.step : lo;
    a.hi = snap_outward ? ceil(hi / a.step - 1e-9) * a.step : hi;
    double dec = -floor(log10(a.step) + 1e-9);
    a.decimals = dec > 0 ? (int)dec : 0;
    if (fabs(a.step / pow(10, -a.decimals) - 2.5) < 1e-6)
        a.decimals++; /* 0.25, 2.5 need one more digit than their magnitude */
    return a;
}

/* The data range (x within [xmin, xmax] when given) of all series. */
static void data_range(const Plot *p, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = *y0 = INFINITY;
    *x1 = *y1 = -INFINITY;
    for (int s = 0; s < p->nseries; s++) {
        const PlotSeries *se = &p->series[s];
        for (int i = 0; i < se->n; i++) {
            double x = se->x[i], y = se->y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            if ((isfinite(p->xmin) && x < p->xmin) || (isfinite(p->xmax) && x > p->xmax))
                continue;
            *x0 = fmin(*x0, x);
            *x1 = fmax(*x1, x);
            *y0 = fmin(*y0, y);
            *y1 = fmax(*y1, y);
        }
    }
    if (!isfinite(*x0)) {
        *x0 = *y0 = 0;
        *x1 = *y1 = 1;
    }
    if (isfinite(p->xmin))
        *x0 = p->xmin;
    if (isfinite(p->xmax))
        *x1 = p->xmax;
}

static void svg_marker(TextBuf *o, int marker, double x, double y, const char *color)
{
    if (marker == 1)
        textbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"%s\"/>",
                       x - 3.5, y - 3.5, color);
    else if (marker == 2)
        textbuf_printf(o, "<path d=\"M%.1f %.1fl4.5 7.8h-9z\" fill=\"%s\"/>", x, y - 5, color);
    else
        textbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.8\" fill=\"%s\"/>", x, y, color);
}

void plot_svg(const Plot *p, int width, int height, TextBuf *o)
{
    const double left = 62, right = 18, top = 34, bottom = 48;
    const double pw = width - left - right, ph = height - top - bottom;
    double x0, x1, y0, y1;
    data_range(p, &x0, &x1, &y0, &y1);
    Axis ax = make_axis(x0, x1, 8, !isfinite(p->xmin) || !isfinite(p->xmax));
    if (isfinite(p->xmin) && isfinite(p->xmax)) {
        ax.lo = p->xmin;
        ax.hi = p->xmax;
    }
    Axis ay = make_axis(y0, y1, 7, 1);
#define PX(v) (left + ((v) - ax.lo) / (ax.hi - ax.lo) * pw)
#define PY(v) (top + ph - ((v) - ay.lo) / (ay.hi - ay.lo) * ph)
    static int clip_id; /* unique clipPath ids when several plots share a page */
    int id = ++clip_id;
    textbuf_printf(o,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
                   "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                   "<defs><clipPath id=\"plotclip%d\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                   "height=\"%.1f\"/></clipPath></defs>\n",
                   width, height, width, height, id, left, top, pw, ph);
    textbuf_printf(o, "<text x=\"%.1f\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" "
                      "font-weight=\"bold\">", left + pw / 2);
    textbuf_append_xml(o, p->title ? p->title : "");
    textbuf_append(o, "</text>\n<g stroke=\"#e3e3e3\" stroke-width=\"1\">");
    /* Grid lines and tick labels. */
    TextBuf labels = {0};
    for (double v = ax.lo; v <= ax.hi + ax.step * 1e-6; v += ax.step) {
        double x = PX(v);
        textbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x, top, x,
                       top + ph);
        textbuf_printf(&labels, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>",
                       x, top + ph + 16, ax.decimals, fabs(v) < ax.step * 1e-6 ? 0.0 : v);
    }
    for (double v = ay.lo; v <= ay.hi + ay.step * 1e-6; v += ay.step) {
        double y = PY(v);
        textbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", left, y,
                       left + pw, y);
        textbuf_printf(&labels, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>",
                       left - 6, y + 4, ay.decimals, fabs(v) < ay.step * 1e-6 ? 0.0 : v);
    }
    textbuf_append(o, "</g>\n");
    if (labels.data)
        textbuf_append(o, labels.data);
    textbuf_free(&labels);
    textbuf_printf(o, "\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                      "stroke=\"#444\"/>\n", left, top, pw, ph);
    textbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", left + pw / 2,
                   (double)height - 8);
    textbuf_append_xml(o, p->xlabel ? p->xlabel : "");
    textbuf_printf(o, "</text>\n<text transform=\"translate(16 %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\">", top + ph / 2);
    textbuf_append_xml(o, p->ylabel ? p->ylabel : "");
    textbuf_append(o, "</text>\n");
    /* Curves, clipped to the plot area. */
    textbuf_printf(o, "<g clip-path=\"url(#plotclip%d)\">\n", id);
    for (int s = 0; s < p->nseries; s++) {
        const PlotSeries *se = &p->series[s];
        textbuf_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                       se->color);
        for (int i = 0; i < se->n; i++)
            if (isfinite(se->x[i]) && isfinite(se->y[i]))
                textbuf_printf(o, "%.1f,%.1f ", PX(se->x[i]), PY(se->y[i]));
        textbuf_append(o, "\"/>\n");
        for (int i = 0; i < se->n; i++)
            if (isfinite(se->x[i]) && isfinite(se->y[i]))
                svg_marker(o, se->marker, PX(se->x[i]), PY(se->y[i]), se->color);
        textbuf_append(o, "\n");
    }
    textbuf_append(o, "</g>\n");
    /* Legend, bottom right (RD curves rise to the right, leaving it empty). */
    double lw = 150, lh = 10 + 20.0 * p->nseries;
    double lx = left + pw - lw - 10, ly = top + ph - lh - 10;
    textbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
                      "fill-opacity=\"0.9\" stroke=\"#999\"/>\n", lx, ly, lw, lh);
    for (int s = 0; s < p->nseries; s++) {
        const PlotSeries *se = &p->series[s];
        double y = ly + 15 + 20.0 * s;
        textbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"2\"/>", lx + 8, y, lx + 36, y, se->color);
        svg_marker(o, se->marker, lx + 22, y, se->color);
        textbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">", lx + 44, y + 4);
        textbuf_append_xml(o, se->label ? se->label : "");
        textbuf_append(o, "</text>\n");
    }
    textbuf_append(o, "</svg>\n");
#undef PX
#undef PY
}

/* gnuplot string literal: single quotes, a quote doubled. */
static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

int plot_png_gnuplot(const Plot *p, int width, int height, const char *png_path,
                     const char *script_path, const char *data_path, char *err, size_t errlen)
{
    FILE *d = fopen(data_path, "w");
    if (!d) {
        snprintf(err, errlen, "%s: %s", data_path, strerror(errno));
        return -1;
    }
    for (int s = 0; s < p->nseries; s++) {
        fprintf(d, "# %s\n", p->series[s].label);
        for (int i = 0; i < p->series[s].n; i++)
            if (isfinite(p->series[s].x[i]) && isfinite(p->series[s].y[i]))
                fprintf(d, "%.6f %.6f\n", p->series[s].x[i], p->series[s].y[i]);
        fprintf(d, "\n\n");
    }
    if (fclose(d) != 0) {
        snprintf(err, errlen, "%s: write failed", data_path);
        return -1;
    }
    FILE *g = fopen(script_path, "w");
    if (!g) {
        snprintf(err, errlen, "%s: %s", script_path, strerror(errno));
        return -1;
    }
    fprintf(g, "# Renders %s; rerun with: gnuplot %s\n", png_path, script_path);
    fprintf(g, "set terminal pngcairo size %d,%d font 'sans,11'\nset output ", width, height);
    gp_quote(g, png_path);
    fprintf(g, "\nset title ");
    gp_quote(g, p->title);
    fprintf(g, "\nset xlabel ");
    gp_quote(g, p->xlabel);
    fprintf(g, "\nset ylabel ");
    gp_quote(g, p->ylabel);
    fprintf(g, "\nset grid\nset key bottom right box opaque\n");
    if (isfinite(p->xmin) || isfinite(p->xmax)) {
        fprintf(g, "set xrange [");
        if (isfinite(p->xmin))
            fprintf(g, "%g", p->xmin);
        fprintf(g, ":");
        if (isfinite(p->xmax))
            fprintf(g, "%g", p->xmax);
        fprintf(g, "]\n");
    }
    /* The y range of the SVG: from the points shown, so that gnuplot does
     * not autoscale on clipped points (or warn about a single one). */
    double x0, x1, y0, y1;
    data_range(p, &x0, &x1, &y0, &y1);
    Axis ay = make_axis(y0, y1, 7, 1);
    fprintf(g, "set yrange [%g:%g]\n", ay.lo, ay.hi);
    static const int kPointTypes[] = {7, 5, 9};
    fprintf(g, "plot ");
    for (int s = 0; s < p->nseries; s++) {
        const PlotSeries *se = &p->series[s];
        fprintf(g, "%s", s ? ", \\\n     " : "");
        gp_quote(g, data_path);
        fprintf(g, " index %d using 1:2 with linespoints lw 2 pt %d ps 1.2 lc rgb '%s' title ", s,
                kPointTypes[se->marker % 3], se->color);
        gp_quote(g, se->label);
    }
    fprintf(g, "\n");
    if (fclose(g) != 0) {
        snprintf(err, errlen, "%s: write failed", script_path);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", script_path, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "gnuplot not found (Debian: apt-get install gnuplot-nox)");
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "gnuplot failed on %s", script_path);
        return -1;
    }
    return 0;
}
