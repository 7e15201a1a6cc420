/* index.html of `lat bench rd`. Everything is inline: plots as <svg>,
 * crops as PNG data: URIs, CSS in <style>, two one-line event handlers for
 * zoom (a slider for all crops, a click to enlarge one comparison row). */
#include "bench_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "imageio.h"

static const char kStyle[] =
    "body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1400px}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;"
    "border-bottom:1px solid #ccc;padding-bottom:3px}h3{font-size:15px;margin:18px 0 6px}\n"
    ".sub{color:#555;margin:0 0 12px}\n"
    "table.num{border-collapse:collapse;font-size:14px}\n"
    "table.num th,table.num td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}\n"
    "table.num th:first-child,table.num td:first-child{text-align:left}\n"
    "table.num thead th{background:#f0f0f0}\n"
    ".good{color:#1a7f37;font-weight:bold}.bad{color:#b42318;font-weight:bold}\n"
    ".warn{background:#fff4e5;border:1px solid #f0b35b;padding:8px 12px;margin:10px 0}\n"
    ".plots{display:flex;flex-wrap:wrap;gap:16px}\n"
    ".plots svg{border:1px solid #ddd}\n"
    ".zoombar{position:sticky;top:0;background:#fff;padding:6px 0;z-index:1}\n"
    ".cmp{display:flex;gap:8px;overflow-x:auto;margin-bottom:10px}\n"
    ".cmp figure{margin:0}\n"
    ".cmp img{display:block;image-rendering:pixelated;image-rendering:crisp-edges;"
    "width:calc(var(--cw) * var(--zoom, 1) * 1px);cursor:zoom-in;border:1px solid #bbb}\n"
    ".cmp.big img{width:calc(var(--cw) * var(--zoom, 1) * 2px);cursor:zoom-out}\n"
    ".cmp figcaption{font-size:12px;color:#333;padding:2px 0}\n"
    ".missing{display:flex;align-items:center;justify-content:center;color:#777;"
    "border:1px dashed #bbb;font-size:13px;width:calc(var(--cw) * var(--zoom, 1) * 1px);"
    "height:calc(var(--ch) * var(--zoom, 1) * 1px)}\n"
    ".notes{font-size:13px;color:#444;max-width:900px}\n";

static void fmt_or_dash(char *s, size_t n, double v, const char *fmt)
{
    if (isfinite(v))
        snprintf(s, n, fmt, v);
    else
        snprintf(s, n, "&ndash;");
}

/* <img> of a w x h RGB buffer as a PNG data: URI. */
static int append_png_img(TextBuf *o, const uint8_t *rgb, uint32_t w, uint32_t h,
                          const char *alt, char *err, size_t errlen)
{
    LatImage img;
    memset(&img, 0, sizeof img);
    img.width = w;
    img.height = h;
    img.channels = 3;
    img.bit_depth = 8;
    img.pixels = (void *)rgb;
    uint8_t *png = NULL;
    size_t size = 0;
    if (png_encode_memory(&img, 6, &png, &size, err, errlen) < 0)
        return -1;
    textbuf_printf(o, "<img width=\"%u\" height=\"%u\" alt=\"", w, h);
    textbuf_append_xml(o, alt);
    textbuf_append(o, "\" title=\"click to zoom\" src=\"data:image/png;base64,");
    char *dst = textbuf_reserve(o, base64_encoded_size(size));
    if (dst) {
        base64_encode(png, size, dst);
        o->len += base64_encoded_size(size);
    }
    textbuf_append(o, "\">");
    free(png);
    return 0;
}

/* The setting of `codec` whose bpp on this image is nearest to target (in
 * log ratio), or -1. */
static int nearest_setting(const RdRun *run, const RdImage *im, int codec, double target)
{
    int best = -1;
    double best_d = INFINITY;
    for (int si = 0; si < run->nsettings[codec]; si++) {
        const RdMeasure *m = &im->m[codec][si];
        if (!m->ok || !im->crop->decoded[codec][si] || !(m->bpp > 0))
            continue;
        double d = fabs(log(m->bpp / target));
        if (d < best_d) {
            best_d = d;
            best = si;
        }
    }
    return best;
}

/* Is ref a column of model's BD table: a codec with a curve other than lat,
 * or the first model for the others? */
static int bd_column(const RdRun *run, int model, int ref)
{
    return run->mean[ref].n > 0 && (rd_is_lat(ref) ? model > 0 && ref == RD_LAT : 1);
}

/* The Bjøntegaard table of one lat model: one column per reference codec
 * that has a curve, then the first model. */
static void bd_table(const RdRun *run, int model, TextBuf *o)
{
    char v[64];
    textbuf_append(o, "<p></p>\n<table class=\"num\"><thead><tr><th>");
    textbuf_append_xml(o, rd_codec_label(run, RD_LAT + model));
    textbuf_append(o, " vs (Bj&oslash;ntegaard)</th>");
    for (int k = 0; k < RD_CODECS; k++) {
        int ref = (RD_JPEG + k) % RD_CODECS;
        if (bd_column(run, model, ref)) {
            textbuf_append(o, "<th>");
            textbuf_append_xml(o, rd_codec_label(run, ref));
            textbuf_append(o, "</th>");
        }
    }
    textbuf_append(o, "</tr></thead><tbody>\n");
    static const struct { const char *name; const char *fmt; int rate; } rows[] = {
        {"BD-rate, PSNR (piecewise cubic)", "%+.2f %%", 1},
        {"BD-rate, PSNR (cubic polynomial)", "%+.2f %%", 1},
        {"BD-PSNR", "%+.3f dB", 0},
        {"BD-rate, MS-SSIM (dB)", "%+.2f %%", 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        textbuf_printf(o, "<tr><td>%s</td>", rows[i].name);
        for (int k = 0; k < RD_CODECS; k++) {
            int ref = (RD_JPEG + k) % RD_CODECS;
            if (!bd_column(run, model, ref))
                continue;
            const RdBd *bd = &run->bd[model][ref];
            double value = i == 0 ? bd->rate_psnr : i == 1 ? bd->rate_psnr_cubic
                         : i == 2 ? bd->psnr : bd->rate_msssim;
            fmt_or_dash(v, sizeof v, value, rows[i].fmt);
            const char *cls = !isfinite(value) ? ""
                              : (value < 0) == (rows[i].rate != 0) ? "good" : "bad";
            textbuf_printf(o, "<td class=\"%s\">%s</td>", cls, v);
        }
        textbuf_append(o, "</tr>\n");
    }
    textbuf_append(o, "</tbody></table>\n");
}

static void summary_tables(const RdRun *run, TextBuf *o)
{
    char v[64];
    textbuf_append(o, "<h2>Summary</h2>\n");
    if (!run->lat_available) {
        textbuf_append(o, "<p class=\"warn\"><b>lat not measured:</b> ");
        textbuf_append_xml(o, run->lat_reason);
        textbuf_append(o, "</p>\n");
    }
    for (int codec = RD_EXT; codec < RD_CODECS; codec++)
        if (run->skip_note[codec][0]) {
            textbuf_append(o, "<p class=\"warn\">");
            textbuf_append_xml(o, run->skip_note[codec]);
            textbuf_append(o, "</p>\n");
        }
    textbuf_append(o, "<table class=\"num\"><thead><tr><th>PSNR (dB) at</th>");
    for (int t = 0; t < RD_TARGET_COUNT; t++)
        textbuf_printf(o, "<th>%.2f bpp</th>", rd_target_bpp[t]);
    textbuf_append(o, "</tr></thead><tbody>\n");
    for (int codec = RD_CODECS - 1; codec >= RD_LAT; codec--) {
        if (run->mean[codec].n == 0)
            continue;
        textbuf_append(o, "<tr><td>");
        textbuf_append_xml(o, rd_codec_label(run, codec));
        textbuf_append(o, "</td>");
        for (int t = 0; t < RD_TARGET_COUNT; t++) {
            fmt_or_dash(v, sizeof v, run->psnr_at[codec][t], "%.2f");
            textbuf_printf(o, "<td>%s</td>", v);
        }
        textbuf_append(o, "</tr>\n");
    }
    textbuf_append(o, "</tbody></table>\n");
    for (int model = 0; model < run->nmodels; model++)
        bd_table(run, model, o);
    textbuf_append(o, "<p class=\"notes\">Negative BD-rate: lat needs fewer "
                      "bits than that codec for the same quality; &ndash; means the curves do "
                      "not overlap or a curve is missing.</p>\n");
}

static void mean_table(const RdRun *run, TextBuf *o)
{
    textbuf_append(o, "<h2>Dataset means per setting</h2>\n<table class=\"num\"><thead><tr>"
                      "<th>codec</th><th>setting</th><th>images</th><th>bpp</th><th>PSNR dB</th>"
                      "<th>MS-SSIM</th><th>MS-SSIM dB</th><th>enc ms</th><th>dec ms</th></tr>"
                      "</thead><tbody>\n");
    for (int codec = RD_CODECS - 1; codec >= RD_LAT; codec--) {
        const RdCurve *c = &run->mean[codec];
        for (int k = 0; k < c->n; k++)
            textbuf_printf(o, "<tr><td>%s</td><td>%c%d</td><td>%d</td><td>%.4f</td><td>%.3f</td>"
                              "<td>%.5f</td><td>%.2f</td><td>%.1f</td><td>%.1f</td></tr>\n",
                           rd_codec_name(run, codec), rd_setting_prefix(codec), c->setting[k],
                           c->count[k],
                           c->bpp[k], c->psnr[k], c->msssim[k], c->msssim_db[k],
                           c->enc_s[k] * 1e3, c->dec_s[k] * 1e3);
    }
    textbuf_append(o, "</tbody></table>\n");
}

static double crop_psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        se += d * d;
    }
    return se > 0 ? 10 * log10(255.0 * 255.0 * n / se) : INFINITY;
}

static int crop_section(const RdRun *run, TextBuf *o, char *err, size_t errlen)
{
    int any = 0;
    for (int i = 0; i < run->nimages; i++)
        any |= run->images[i].crop && run->images[i].crop->original && !run->images[i].failed;
    if (!any)
        return 0;
    textbuf_append(o,
        "<h2>Crops at matched bit rates</h2>\n"
        "<p class=\"sub\">For each image, the setting of each codec whose whole-image bpp is "
        "nearest to the target. Captions: whole-image bpp and PSNR, crop PSNR in brackets. "
        "Click a row to enlarge it.</p>\n"
        "<div class=\"zoombar\">Zoom <input id=\"zoom\" type=\"range\" min=\"1\" max=\"4\" "
        "step=\"1\" value=\"1\" oninput=\"document.getElementById('crops').style.setProperty("
        "'--zoom',this.value);document.getElementById('zoomv').textContent=this.value+'x'\"> "
        "<span id=\"zoomv\">1x</span></div>\n<div id=\"crops\">\n");
    static const double kTargets[] = {0.25, 0.5};
    for (int i = 0; i < run->nimages; i++) {
        const RdImage *im = &run->images[i];
        const RdCrop *c = im->crop;
        if (!c || !c->original || im->failed)
            continue;
        textbuf_append(o, "<h3>");
        textbuf_append_xml(o, im->name);
        textbuf_printf(o, " <small>(%ux%u crop at %u,%u of %ux%u)</small></h3>\n", c->w, c->h,
                       c->x, c->y, im->width, im->height);
        size_t n = (size_t)c->w * c->h * 3;
        for (size_t t = 0; t < sizeof kTargets / sizeof kTargets[0]; t++) {
            textbuf_printf(o, "<div class=\"cmp\" style=\"--cw:%u;--ch:%u\" "
                              "onclick=\"this.classList.toggle('big')\">\n<figure>", c->w, c->h);
            if (append_png_img(o, c->original, c->w, c->h, "original", err, errlen) < 0)
                return -1;
            textbuf_printf(o, "<figcaption><b>original</b> (target %.2f bpp)</figcaption>"
                              "</figure>\n", kTargets[t]);
            for (int codec = RD_LAT; codec < RD_CODECS; codec++) {
                if (rd_is_lat(codec) ? codec - RD_LAT >= run->nmodels
                                     : run->nsettings[codec] == 0)
                    continue;
                int si = nearest_setting(run, im, codec, kTargets[t]);
                const char *name = rd_codec_name(run, codec);
                const char pre = rd_setting_prefix(codec);
                textbuf_append(o, "<figure>");
                if (si < 0) {
                    textbuf_printf(o, "<div class=\"missing\">%s not measured</div>"
                                      "<figcaption><b>%s</b></figcaption></figure>\n", name, name);
                    continue;
                }
                const RdMeasure *m = &im->m[codec][si];
                char alt[64];
                snprintf(alt, sizeof alt, "%s %c%d", name, pre, run->settings[codec][si]);
                if (append_png_img(o, c->decoded[codec][si], c->w, c->h, alt, err, errlen) < 0)
                    return -1;
                textbuf_printf(o, "<figcaption><b>%s %c%d</b>: %.3f bpp, %.2f dB [%.2f dB]"
                                  "</figcaption></figure>\n", name, pre, run->settings[codec][si],
                               m->bpp, m->psnr, crop_psnr(c->original, c->decoded[codec][si], n));
            }
            textbuf_append(o, "</div>\n");
        }
    }
    textbuf_append(o, "</div>\n");
    return 0;
}

int bench_report_html(const RdRun *run, const char *psnr_svg, const char *msssim_svg,
                      TextBuf *o, char *err, size_t errlen)
{
    int measured = 0;
    for (int i = 0; i < run->nimages; i++)
        measured += !run->images[i].failed;
    textbuf_append(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                      "<title>lat: rate-distortion report</title>\n<style>\n");
    textbuf_append(o, kStyle);
    textbuf_append(o, "</style></head><body>\n<h1>lat: rate-distortion report</h1>\n"
                      "<p class=\"sub\">");
    textbuf_printf(o, "%d image%s from ", measured, measured == 1 ? "" : "s");
    for (int i = 0; i < run->ninputs; i++) {
        textbuf_append(o, i ? ", <code>" : "<code>");
        textbuf_append_xml(o, run->inputs[i]);
        textbuf_append(o, "</code>");
    }
    textbuf_printf(o, ". lat %s", lat_version());
    for (int k = 0; k < run->nmodels; k++) {
        if (!run->lat_model_id[k][0] && !run->model_path[k])
            continue;
        textbuf_append(o, k ? ", " : run->nmodels > 1 ? ", models " : ", model ");
        textbuf_append_xml(o, run->lat_model_id[k][0] ? run->lat_model_id[k] : "?");
        if (run->model_path[k]) {
            textbuf_append(o, " (<code>");
            textbuf_append_xml(o, run->model_path[k]);
            textbuf_append(o, "</code>)");
        }
    }
    textbuf_printf(o, "; JPEG: libjpeg-turbo %s, optimized Huffman tables",
                   run->jpeg_444 ? "4:4:4" : "4:2:0");
    for (int codec = RD_EXT; codec < RD_CODECS; codec++)
        if (run->nsettings[codec] > 0) {
            textbuf_append(o, "; ");
            textbuf_append_xml(o, rd_codec_label(run, codec));
        }
    textbuf_printf(o, ". %d threads, %.1f s.</p>\n", run->threads, run->elapsed_s);
    summary_tables(run, o);
    textbuf_append(o, "<h2>Rate-distortion curves (dataset means)</h2>\n<div class=\"plots\">\n");
    textbuf_append(o, psnr_svg);
    textbuf_append(o, msssim_svg);
    textbuf_printf(o, "</div>\n<p class=\"notes\">Plots show 0&ndash;%.2f bpp; every point is in "
                      "<a href=\"rd_mean.csv\">rd_mean.csv</a> (per image: "
                      "<a href=\"rd.csv\">rd.csv</a>).</p>\n", run->plot_xmax);
    if (crop_section(run, o, err, errlen) < 0)
        return -1;
    mean_table(run, o);
    textbuf_append(o,
        "<h2>Method</h2>\n<ul class=\"notes\">\n"
        "<li>bpp: whole compressed file &times; 8 / pixels (headers included).</li>\n"
        "<li>PSNR: 10&middot;log10(255&sup2;/MSE), MSE over all pixels and R, G, B of the 8-bit "
        "decoded image; dataset value = mean of per-image values.</li>\n"
        "<li>MS-SSIM: 5 scales (Wang et al. 2003), 11&times;11 Gaussian window, &sigma; = 1.5, "
        "per channel, averaged over R, G, B; MS-SSIM dB = &minus;10&middot;log10(1 &minus; "
        "MS-SSIM).</li>\n"
        "<li>BD-rate / BD-PSNR: Bj&oslash;ntegaard deltas of the dataset-mean curves over their "
        "overlapping range; the headline fit is piecewise cubic (PCHIP), the classic cubic "
        "polynomial fit is given for comparison.</li>\n"
        "<li>Times: wall clock per call, on a machine that may be shared with other jobs; "
        "WebP, AVIF, JPEG XL and JPEG 2000 run as one process per encode and decode (their "
        "installed command-line tools, single-threaded), so their times include a process "
        "start and file I/O.</li>\n"
        "</ul>\n</body></html>\n");
    if (o->failed) {
        snprintf(err, errlen, "report: out of memory");
        return -1;
    }
    return 0;
}
