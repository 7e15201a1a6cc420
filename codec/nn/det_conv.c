/* Deterministic conv2d / deconv2d forwards (see det_conv.h): weight
 * packing, the padded input band, the split of output rows over threads and
 * the loops around the kernels of det_kernels.h.
 *
 * Both layer kinds run as correlations over a zero-padded copy of a band of
 * input rows [cin][rows][split][pw] (no im2col): a term (ci, tap) of an
 * output pixel is at a fixed offset from the pixel's base in that copy, so
 * one kernel serves every k, stride and phase.
 * - conv, stride s: buffer row r holds input row s*oh0 - pad + r, its
 *   columns split by phase q = column mod s (so a tap's pixels are
 *   contiguous): (q, c) holds padded column s*c + q.
 * - deconv, stride s: output (s*m + a, s*n + b) gathers x[m + d][n + e]
 *   over the taps ki, kj of phase (a, b), d = (a + pad - ki)/s: s^2 small
 *   convs on the input, written back interleaved. */
#include "det_conv.h"
#include "det_kernels.h"

#include <stdlib.h>
#include <string.h>

/* Input band budget per thread (floats): a few rows of every channel stay
 * in L2/L3 while all output channels of a row are computed. */
#define BAND_FLOATS ((size_t)1 << 20)
#define MAX_BAND_ROWS 16
/* Input rows a kernel pass keeps hot (half of a 32 KiB L1). */
#define L1_BYTES 16384

void nn_det_conv_free(NnDetConv *d)
{
    free(d->w);
    free(d->bias);
    memset(d, 0, sizeof *d);
}

static size_t phase_terms(const NnDetConv *d, const NnDetPhase *ph)
{
    return (size_t)d->cin * ph->nri * ph->ncj;
}

/* Packs w as blocks of NN_DET_NCO output channels, each [terms][nco] in
 * term order (ci, row tap, column tap). weight(ci, co, ki, kj) reads the
 * layer's own layout. */
static int pack_common(NnDetConv *d, const float *lw, const float *lb)
{
    size_t total = 0;
    for (int p = 0; p < d->nphase; p++) {
        d->ph[p].wofs = total;
        total += phase_terms(d, &d->ph[p]) * d->cout;
    }
    d->w = malloc((total ? total : 1) * sizeof(float));
    d->bias = malloc((size_t)d->cout * sizeof(float));
    if (!d->w || !d->bias) {
        nn_det_conv_free(d);
        return NN_ERR_NOMEM;
    }
    memcpy(d->bias, lb, (size_t)d->cout * sizeof(float));
    const int k = d->k;
    for (int p = 0; p < d->nphase; p++) {
        const NnDetPhase *ph = &d->ph[p];
        const size_t nt = phase_terms(d, ph);
        for (int co0 = 0; co0 < d->cout; co0 += NN_DET_NCO) {
            const int nco = d->cout - co0 < NN_DET_NCO ? d->cout - co0 : NN_DET_NCO;
            float *blk = d->w + ph->wofs + nt * co0;
            size_t t = 0;
            for (int ci = 0; ci < d->cin; ci++)
                for (int r = 0; r < ph->nri; r++)
                    for (int c = 0; c < ph->ncj; c++, t++)
                        for (int o = 0; o < nco; o++) {
                            const int co = co0 + o, ki = ph->ri_k[r], kj = ph->cj_k[c];
                            size_t at = d->transposed
                                ? (((size_t)ci * d->cout + co) * k + ki) * k + kj
                                : (((size_t)co * d->cin + ci) * k + ki) * k + kj;
                            blk[t * nco + o] = lw[at];
                        }
        }
    }
    return 0;
}

static int valid_geometry(int cin, int cout, int k, int stride, int pad)
{
    return cin > 0 && cout > 0 && k > 0 && k <= NN_DET_MAX_K && stride > 0
        && stride <= NN_DET_MAX_STRIDE && pad >= 0 && pad < k;
}

int nn_det_conv2d_pack(NnDetConv *d, const Conv2d *l)
{
    memset(d, 0, sizeof *d);
    if (!valid_geometry(l->cin, l->cout, l->k, l->stride, l->pad))
        return NN_ERR_SHAPE;
    d->cin = l->cin; d->cout = l->cout; d->k = l->k; d->stride = l->stride; d->pad = l->pad;
    d->nphase = 1;
    NnDetPhase *ph = &d->ph[0];
    ph->nri = ph->ncj = l->k;
    for (int i = 0; i < l->k; i++) {
        ph->ri_k[i] = ph->ri_d[i] = i;
        ph->cj_k[i] = ph->cj_d[i] = i;
    }
    return pack_common(d, l->w.v, l->b.v);
}

/* Taps ki of output phase a: (a + pad - ki) divisible by s, ascending ki;
 * d = (a + pad - ki)/s is the input offset. */
static int phase_taps(int a, int k, int s, int pad, int *tk, int *td)
{
    int n = 0;
    for (int ki = 0; ki < k; ki++) {
        int t = a + pad - ki;
        if (((t % s) + s) % s == 0) {
            tk[n] = ki;
            td[n++] = t / s;
        }
    }
    return n;
}

int nn_det_deconv2d_pack(NnDetConv *d, const Deconv2d *l)
{
    memset(d, 0, sizeof *d);
    if (!valid_geometry(l->cin, l->cout, l->k, l->stride, l->pad) || l->out_pad < 0
        || l->out_pad >= l->stride)
        return NN_ERR_SHAPE;
    d->transposed = 1;
    d->cin = l->cin; d->cout = l->cout; d->k = l->k; d->stride = l->stride; d->pad = l->pad;
    d->out_pad = l->out_pad;
    const int s = l->stride;
    d->nphase = s * s;
    for (int a = 0; a < s; a++)
        for (int b = 0; b < s; b++) {
            NnDetPhase *ph = &d->ph[a * s + b];
            ph->nri = phase_taps(a, l->k, s, l->pad, ph->ri_k, ph->ri_d);
            ph->ncj = phase_taps(b, l->k, s, l->pad, ph->cj_k, ph->cj_d);
        }
    return pack_common(d, l->w.v, l->b.v);
}

/* ---- forward ---- */

/* One forward on one image, shared by its worker threads (read-only). */
typedef struct Plan {
    const NnDetConv *d;
    const NnDetKernels *kr;
    int relu;
    const NnDetGdn *gdn;
    const float *x;
    float *y;
    int h, w, oh, ow;
    int rows;            /* conv: output rows; deconv: phase rows m */
    int band;            /* rows per band */
    int row_step;        /* buffer rows per band row (conv: s, deconv: 1) */
    int row_ofs;         /* input row of buffer row 0, less row_step*band start */
    int split, col0;     /* column phases in the buffer; input column of buffer (0, 0) */
    int nr, pw;          /* buffer rows per band, floats per column phase */
    int cib;             /* input channels per pass over a chunk (run_row) */
    size_t rs, cs;       /* buffer row and channel strides */
    int32_t *off;        /* term offsets of every phase, concatenated */
    size_t off_at[NN_DET_MAX_STRIDE * NN_DET_MAX_STRIDE];
} Plan;

typedef struct Worker {
    const Plan *p;
    int r0, r1;
    int err;
} Worker;

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

/* Zero-padded copy of input rows [ih0, ih0 + nr) into buf. */
static void fill_band(const Plan *p, int ih0, float *buf)
{
    const int cin = p->d->cin;
    for (int ci = 0; ci < cin; ci++)
        for (int r = 0; r < p->nr; r++) {
            float *dst = buf + ci * p->cs + r * p->rs;
            const int ih = ih0 + r;
            if (ih < 0 || ih >= p->h) {
                memset(dst, 0, p->rs * sizeof(float));
                continue;
            }
            const float *src = p->x + ((size_t)ci * p->h + ih) * p->w;
            const int sp = p->split;
            for (int q = 0; q < sp; q++) {
                /* columns c with 0 <= sp*c + q + col0 < w hold input, the rest 0 */
                const int first = q + p->col0;
                int lo = first >= 0 ? 0 : (-first + sp - 1) / sp;
                int hi = p->w - 1 - first < 0 ? -1 : (p->w - 1 - first) / sp;
                if (hi >= p->pw) hi = p->pw - 1;
                if (lo > hi + 1) lo = hi + 1;
                float *dq = dst + q * p->pw;
                memset(dq, 0, (size_t)lo * sizeof(float));
                if (sp == 1)
                    memcpy(dq + lo, src + lo + first, (size_t)(hi + 1 - lo) * sizeof(float));
                else
                    for (int c = lo; c <= hi; c++)
                        dq[c] = src[sp * c + first];
                memset(dq + hi + 1, 0, (size_t)(p->pw - 1 - hi) * sizeof(float));
            }
        }
}

/* All output channels of one output row, chunk by chunk: per chunk, input
 * channels in blocks of p->cib (their rows of the chunk stay in L1) and
 * within each block every output channel block takes its terms, the
 * accumulators kept in out [cout][ldo] in between. Then out goes to y,
 * column stride cstride. */
static void run_row(const Plan *p, int phase, int npx_row, const float *xrow, float *yrow,
                    int cstride, float *out, size_t ldo)
{
    const NnDetConv *d = p->d;
    const NnDetPhase *ph = &d->ph[phase];
    const int taps = ph->nri * ph->ncj, chunk = p->kr->chunk;
    const size_t nt = phase_terms(d, ph), plane = (size_t)p->oh * p->ow;
    const int32_t *off = p->off + p->off_at[phase];
    for (int n0 = 0; n0 < npx_row; n0 += chunk) {
        const int npx = npx_row - n0 < chunk ? npx_row - n0 : chunk;
        for (int ci0 = 0; ci0 < d->cin; ci0 += p->cib) {
            const int nci = d->cin - ci0 < p->cib ? d->cin - ci0 : p->cib;
            const size_t t0 = (size_t)ci0 * taps;
            for (int co0 = 0; co0 < d->cout; co0 += NN_DET_NCO) {
                const int nco = d->cout - co0 < NN_DET_NCO ? d->cout - co0 : NN_DET_NCO;
                p->kr->conv(nco, npx, nci * taps, xrow + n0, off + t0,
                            d->w + ph->wofs + nt * co0 + t0 * nco, ci0 == 0 ? d->bias + co0 : NULL,
                            out + co0 * ldo, ldo);
            }
        }
        for (int co = 0; co < d->cout; co++) {
            float *yr = yrow + co * plane + (size_t)n0 * cstride;
            const float *o = out + co * ldo;
            if (p->relu)
                for (int i = 0; i < npx; i++)
                    yr[(size_t)i * cstride] = o[i] > 0.0f ? o[i] : 0.0f;
            else if (cstride == 1)
                memcpy(yr, o, (size_t)npx * sizeof(float));
            else
                for (int i = 0; i < npx; i++)
                    yr[(size_t)i * cstride] = o[i];
        }
    }
}

static void *work(void *arg)
{
    Worker *wk = arg;
    const Plan *p = wk->p;
    const NnDetConv *d = p->d;
    const size_t ldo = (size_t)p->kr->chunk + NN_DET_SLACK;
    const size_t nbuf = (size_t)d->cin * p->cs;
    const size_t nsq = p->gdn ? (size_t)p->gdn->c * 64 : 0;
    float *buf = malloc((nbuf + (size_t)d->cout * ldo + nsq) * sizeof(float));
    if (!buf) {
        wk->err = -1;
        return NULL;
    }
    float *out = buf + nbuf, *sq = out + (size_t)d->cout * ldo;
    const int s = d->stride;
    const size_t plane = (size_t)p->oh * p->ow;
    for (int b0 = wk->r0; b0 < wk->r1; b0 += p->band) {
        const int b1 = b0 + p->band < wk->r1 ? b0 + p->band : wk->r1;
        fill_band(p, p->row_step * b0 + p->row_ofs, buf);
        int y0, y1;   /* output rows written by this band */
        if (!d->transposed) {
            for (int oh = b0; oh < b1; oh++)
                run_row(p, 0, p->ow, buf + (size_t)(s * (oh - b0)) * p->rs,
                        p->y + (size_t)oh * p->ow, 1, out, ldo);
            y0 = b0;
            y1 = b1;
        } else {
            for (int m = b0; m < b1; m++)
                for (int a = 0; a < s && s * m + a < p->oh; a++)
                    for (int b = 0; b < s && b < p->ow; b++)
                        run_row(p, a * s + b, (p->ow - b + s - 1) / s,
                                buf + (size_t)(m - b0) * p->rs,
                                p->y + (size_t)(s * m + a) * p->ow + b, s, out, ldo);
            y0 = s * b0;
            y1 = s * b1 < p->oh ? s * b1 : p->oh;
        }
        if (p->gdn)
            nn_det_gdn_pixels(p->gdn, p->y, plane, (size_t)y0 * p->ow, (size_t)y1 * p->ow, sq);
    }
    free(buf);
    return NULL;
}

/* Term offsets in the band buffer, phase by phase. */
static int32_t *make_offsets(Plan *p, int dmin, int emin)
{
    const NnDetConv *d = p->d;
    size_t total = 0;
    for (int ph = 0; ph < d->nphase; ph++) {
        p->off_at[ph] = total;
        total += phase_terms(d, &d->ph[ph]);
    }
    int32_t *off = malloc((total ? total : 1) * sizeof(int32_t));
    if (!off)
        return NULL;
    const int s = d->stride;
    for (int ph = 0; ph < d->nphase; ph++) {
        const NnDetPhase *f = &d->ph[ph];
        int32_t *o = off + p->off_at[ph];
        for (int ci = 0; ci < d->cin; ci++)
            for (int r = 0; r < f->nri; r++)
                for (int c = 0; c < f->ncj; c++) {
                    size_t v;
                    if (!d->transposed)
                        v = ci * p->cs + (size_t)f->ri_d[r] * p->rs
                          + (size_t)(f->cj_d[c] % s) * p->pw + f->cj_d[c] / s;
                    else
                        v = ci * p->cs + (size_t)(f->ri_d[r] - dmin) * p->rs
                          + (size_t)(f->cj_d[c] - emin);
                    *o++ = (int32_t)v;
                }
    }
    return off;
}

static void tap_range(const NnDetConv *d, int rows, int *lo, int *hi)
{
    *lo = 0;
    *hi = 0;
    int first = 1;
    for (int ph = 0; ph < d->nphase; ph++) {
        const NnDetPhase *f = &d->ph[ph];
        const int n = rows ? f->nri : f->ncj;
        const int *v = rows ? f->ri_d : f->cj_d;
        for (int i = 0; i < n; i++) {
            if (first || v[i] < *lo) *lo = v[i];
            if (first || v[i] > *hi) *hi = v[i];
            first = 0;
        }
    }
}

/* Band geometry for one image of x -> y. */
static int plan_geometry(Plan *p, int *dmin, int *emin)
{
    const NnDetConv *d = p->d;
    const int s = d->stride, k = d->k;
    int extra;   /* buffer rows beyond row_step * band */
    if (!d->transposed) {
        p->rows = p->oh;
        p->row_step = s;
        p->row_ofs = -d->pad;
        p->split = s;
        p->col0 = -d->pad;
        p->pw = round_up(p->ow, NN_DET_SLACK) + (k - 1) / s + 1;
        extra = k - s;
        *dmin = *emin = 0;
    } else {
        int dmax, emax;
        tap_range(d, 1, dmin, &dmax);
        tap_range(d, 0, emin, &emax);
        p->rows = (p->oh + s - 1) / s;
        p->row_step = 1;
        p->row_ofs = *dmin;
        p->split = 1;
        p->col0 = *emin;
        p->pw = round_up((p->ow + s - 1) / s, NN_DET_SLACK) + (emax - *emin) + 1;
        extra = dmax - *dmin;
    }
    p->rs = (size_t)p->split * p->pw;
    if (extra < 0)
        extra = 0;
    const size_t rows_fit = BAND_FLOATS / ((size_t)d->cin * p->rs);
    long band = ((long)(rows_fit < MAX_BAND_ROWS * 8 ? rows_fit : MAX_BAND_ROWS * 8) - extra)
              / p->row_step;
    if (band < 1) band = 1;
    if (band > MAX_BAND_ROWS) band = MAX_BAND_ROWS;
    p->band = (int)band;
    p->nr = p->row_step * p->band + extra;
    p->cs = (size_t)p->nr * p->rs;
    /* A chunk's rows of one input channel: the row taps of a phase, each
     * spanning split column phases of chunk + k floats. With one output
     * channel block there is no reuse to keep: all channels in one pass. */
    int max_rows = 1;
    for (int ph = 0; ph < d->nphase; ph++)
        if (d->ph[ph].nri > max_rows)
            max_rows = d->ph[ph].nri;
    const size_t ci_bytes = (size_t)max_rows * p->split * (p->kr->chunk + k) * sizeof(float);
    p->cib = d->cout <= NN_DET_NCO ? d->cin
           : (int)(L1_BYTES / ci_bytes > 0 ? L1_BYTES / ci_bytes : 1);
    /* term offsets are int32 */
    return (size_t)d->cin * p->cs + p->rs < (size_t)INT32_MAX ? 0 : -1;
}

static int forward(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post)
{
    Plan p = { 0 };
    p.d = d;
    p.kr = nn_det_kernels();
    p.relu = post && post->relu;
    p.gdn = post ? post->gdn : NULL;
    p.h = x->h; p.w = x->w; p.oh = y->h; p.ow = y->w;
    if (p.gdn && p.gdn->c != d->cout)
        return NN_ERR_SHAPE;
    int dmin, emin;
    if (plan_geometry(&p, &dmin, &emin) < 0 || !(p.off = make_offsets(&p, dmin, emin)))
        return NN_ERR_NOMEM;
    const int nt = nn_det_threads(p.rows);
    Worker wk[NN_DET_MAX_THREADS];
    int err = 0;
    for (int n = 0; n < x->n && !err; n++) {
        p.x = x->data + (size_t)n * x->c * x->h * x->w;
        p.y = y->data + (size_t)n * y->c * y->h * y->w;
        for (int t = 0; t < nt; t++)
            wk[t] = (Worker){ &p, (int)((long)p.rows * t / nt), (int)((long)p.rows * (t + 1) / nt), 0 };
        nn_det_run(work, wk, sizeof wk[0], nt);
        for (int t = 0; t < nt; t++)
            err |= wk[t].err;
    }
    free(p.off);
    return err ? NN_ERR_NOMEM : 0;
}

int nn_det_conv2d_forward(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post)
{
    if (d->transposed || x->c != d->cin || y->n != x->n || y->c != d->cout)
        return NN_ERR_SHAPE;
    const int oh = (x->h + 2 * d->pad - d->k) / d->stride + 1;
    const int ow = (x->w + 2 * d->pad - d->k) / d->stride + 1;
    if (x->h + 2 * d->pad < d->k || x->w + 2 * d->pad < d->k || y->h != oh || y->w != ow)
        return NN_ERR_SHAPE;
    return forward(d, x, y, post);
}

int nn_det_deconv2d_forward(const NnDetConv *d, const Tensor *x, Tensor *y, const NnDetPost *post)
{
    if (!d->transposed || x->c != d->cin || y->n != x->n || y->c != d->cout)
        return NN_ERR_SHAPE;
    const int oh = (x->h - 1) * d->stride - 2 * d->pad + d->k + d->out_pad;
    const int ow = (x->w - 1) * d->stride - 2 * d->pad + d->k + d->out_pad;
    if (x->h < 1 || x->w < 1 || oh < 1 || ow < 1 || y->h != oh || y->w != ow)
        return NN_ERR_SHAPE;
    return forward(d, x, y, post);
}
