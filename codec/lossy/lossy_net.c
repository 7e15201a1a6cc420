/* The lossy network: construction, parameter table, gains and the batch-1
 * inference passes used by the codec. */
#include "lossy/lossy_net.h"
#include "nn/det_conv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lossy_net_free(LossyNet *net)
{
    for (int i = 0; i < 4; i++) {
        conv2d_free(&net->ga[i]);
        deconv2d_free(&net->gs[i]);
    }
    for (int i = 0; i < 3; i++) {
        gdn_free(&net->ga_gdn[i]);
        gdn_free(&net->gs_gdn[i]);
    }
    param_free(&net->gain);
    param_free(&net->igain);
    prior_free(&net->prior);
    hyper_net_free(&net->hyper);
    memset(net, 0, sizeof *net);
}

int lossy_net_init(LossyNet *net, int n, int m, int levels, const float *lambdas, int prior_sets,
                   Rng *rng)
{
    memset(net, 0, sizeof *net);
    if (n < 1 || n > LOSSY_MAX_N || m < 1 || m > LOSSY_MAX_M || levels < 1
        || levels > LOSSY_MAX_LEVELS || (prior_sets != 1 && prior_sets != levels))
        return -1;
    net->n = n;
    net->m = m;
    net->levels = levels;
    net->prior_sets = prior_sets;
    for (int l = 0; l < levels; l++)
        net->lambda[l] = lambdas[l];
    const int ga_in[4] = {3, n, n, n}, ga_out[4] = {n, n, n, m};
    const int gs_in[4] = {m, n, n, n}, gs_out[4] = {n, n, n, 3};
    int err = 0;
    for (int i = 0; i < 4; i++) {
        err |= conv2d_init(&net->ga[i], ga_in[i], ga_out[i], 5, 2, 2, rng);
        err |= deconv2d_init(&net->gs[i], gs_in[i], gs_out[i], 5, 2, 2, 1, rng);
    }
    for (int i = 0; i < 3; i++) {
        err |= gdn_init(&net->ga_gdn[i], n, 0);
        err |= gdn_init(&net->gs_gdn[i], n, 1);
    }
    err |= param_alloc(&net->gain, (size_t)levels * m);
    err |= param_alloc(&net->igain, (size_t)levels * m);
    err |= prior_init(&net->prior, prior_sets * m, rng);
    if (err) {
        lossy_net_free(net);
        return -1;
    }
    /* Start the levels apart: at high rate the best quantizer step scales as
     * 1/sqrt(lambda), so gain ~ sqrt(lambda). */
    double mean_log = 0;
    for (int l = 0; l < levels; l++)
        mean_log += log(lambdas[l] > 0 ? lambdas[l] : 1e-6) / levels;
    for (int l = 0; l < levels; l++) {
        float lg = (float)(0.5 * (log(lambdas[l] > 0 ? lambdas[l] : 1e-6) - mean_log));
        for (int c = 0; c < m; c++) {
            net->gain.v[(size_t)l * m + c] = lg;
            net->igain.v[(size_t)l * m + c] = -lg;
        }
    }
    return 0;
}

static void set_tensor(NetTensor *t, const char *name, Param *p, int ndim, int d0, int d1,
                       int d2, int d3)
{
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->dims[0] = d0;
    t->dims[1] = d1;
    t->dims[2] = d2;
    t->dims[3] = d3;
    t->p = p;
}

static int conv_tensors(NetTensor *t, const char *prefix, Conv2d *c)
{
    char name[16];
    snprintf(name, sizeof name, "%s.w", prefix);
    set_tensor(&t[0], name, &c->w, 4, c->cout, c->cin, c->k, c->k);
    snprintf(name, sizeof name, "%s.b", prefix);
    set_tensor(&t[1], name, &c->b, 1, c->cout, 1, 1, 1);
    return 2;
}

static int deconv_tensors(NetTensor *t, const char *prefix, Deconv2d *d)
{
    char name[16];
    snprintf(name, sizeof name, "%s.w", prefix);
    set_tensor(&t[0], name, &d->w, 4, d->cin, d->cout, d->k, d->k);
    snprintf(name, sizeof name, "%s.b", prefix);
    set_tensor(&t[1], name, &d->b, 1, d->cout, 1, 1, 1);
    return 2;
}

/* The hyperprior's tensors (architecture 3, after the base tensors). */
static int hyper_tensors(LossyNet *net, NetTensor *t)
{
    HyperNet *h = &net->hyper;
    int k = 0;
    k += conv_tensors(t + k, "ha0", &h->ha[0]);
    k += conv_tensors(t + k, "ha1", &h->ha[1]);
    k += conv_tensors(t + k, "ha2", &h->ha[2]);
    k += deconv_tensors(t + k, "hs0", &h->hs[0]);
    k += deconv_tensors(t + k, "hs1", &h->hs[1]);
    k += conv_tensors(t + k, "hs2", &h->hs_out);
    set_tensor(&t[k++], "zgain", &h->zgain, 2, net->levels, h->z, 1, 1);
    set_tensor(&t[k++], "zigain", &h->zigain, 2, net->levels, h->z, 1, 1);
    const int pc = h->zprior.m;
    set_tensor(&t[k++], "zprior.matrices", &h->zprior.matrices, 2, pc, PRIOR_NMAT, 1, 1);
    set_tensor(&t[k++], "zprior.biases", &h->zprior.biases, 2, pc, PRIOR_NBIAS, 1, 1);
    set_tensor(&t[k++], "zprior.factors", &h->zprior.factors, 2, pc, PRIOR_NFAC, 1, 1);
    return k;
}

int lossy_net_tensors(LossyNet *net, NetTensor t[LOSSY_MAX_TENSORS])
{
    int k = 0;
    char name[16];
    for (int i = 0; i < 4; i++) {
        Conv2d *c = &net->ga[i];
        snprintf(name, sizeof name, "ga%d.w", i);
        set_tensor(&t[k++], name, &c->w, 4, c->cout, c->cin, 5, 5);
        snprintf(name, sizeof name, "ga%d.b", i);
        set_tensor(&t[k++], name, &c->b, 1, c->cout, 1, 1, 1);
        if (i < 3) {
            Gdn *g = &net->ga_gdn[i];
            snprintf(name, sizeof name, "gdn%d.beta", i);
            set_tensor(&t[k++], name, &g->beta_raw, 1, g->c, 1, 1, 1);
            snprintf(name, sizeof name, "gdn%d.gamma", i);
            set_tensor(&t[k++], name, &g->gamma_raw, 2, g->c, g->c, 1, 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        Deconv2d *d = &net->gs[i];
        snprintf(name, sizeof name, "gs%d.w", i);
        set_tensor(&t[k++], name, &d->w, 4, d->cin, d->cout, 5, 5);
        snprintf(name, sizeof name, "gs%d.b", i);
        set_tensor(&t[k++], name, &d->b, 1, d->cout, 1, 1, 1);
        if (i < 3) {
            Gdn *g = &net->gs_gdn[i];
            snprintf(name, sizeof name, "igdn%d.beta", i);
            set_tensor(&t[k++], name, &g->beta_raw, 1, g->c, 1, 1, 1);
            snprintf(name, sizeof name, "igdn%d.gamma", i);
            set_tensor(&t[k++], name, &g->gamma_raw, 2, g->c, g->c, 1, 1);
        }
    }
    set_tensor(&t[k++], "gain", &net->gain, 2, net->levels, net->m, 1, 1);
    set_tensor(&t[k++], "igain", &net->igain, 2, net->levels, net->m, 1, 1);
    if (net->hyper.z > 0)
        return k + hyper_tensors(net, t + k);
    const int pc = net->prior.m;
    set_tensor(&t[k++], "prior.matrices", &net->prior.matrices, 2, pc, PRIOR_NMAT, 1, 1);
    set_tensor(&t[k++], "prior.biases", &net->prior.biases, 2, pc, PRIOR_NBIAS, 1, 1);
    set_tensor(&t[k++], "prior.factors", &net->prior.factors, 2, pc, PRIOR_NFAC, 1, 1);
    return k;
}

/* Gains [old_levels][m] -> [levels][m], the new top levels extrapolated
 * from the two highest (log domain). */
static int extend_levels(Param *p, int old_levels, int levels, int m)
{
    Param q;
    if (param_alloc(&q, (size_t)levels * m) < 0)
        return -1;
    memcpy(q.v, p->v, sizeof(float) * (size_t)old_levels * m);
    for (int l = old_levels; l < levels; l++)
        for (int c = 0; c < m; c++) {
            const float top = p->v[(size_t)(old_levels - 1) * m + c];
            const float below = old_levels > 1 ? p->v[(size_t)(old_levels - 2) * m + c] : top;
            q.v[(size_t)l * m + c] = top + (float)(l - old_levels + 1) * (top - below);
        }
    param_free(p);
    *p = q;
    return 0;
}

int lossy_net_to_hyper(LossyNet *net, int levels, const float *lambdas, Rng *rng)
{
    if (net->hyper.z > 0 || levels < net->levels || levels > LOSSY_MAX_LEVELS)
        return -1;
    for (int l = 0; l < levels; l++)
        if (!(lambdas[l] > 0))
            return -1;
    if (extend_levels(&net->gain, net->levels, levels, net->m) < 0
        || extend_levels(&net->igain, net->levels, levels, net->m) < 0)
        return -1;
    net->levels = levels;
    for (int l = 0; l < levels; l++)
        net->lambda[l] = lambdas[l];
    float mean_gain[LOSSY_MAX_LEVELS];
    for (int l = 0; l < levels; l++) {
        double sum = 0;
        for (int c = 0; c < net->m; c++)
            sum += net->gain.v[(size_t)l * net->m + c];
        mean_gain[l] = (float)(sum / net->m);
    }
    if (hyper_net_init(&net->hyper, net->n, net->m, levels, mean_gain, rng) < 0)
        return -1;
    prior_free(&net->prior);
    memset(&net->prior, 0, sizeof net->prior);
    net->prior_sets = 0;
    return 0;
}

double lossy_net_prior_at(const LossyNet *net, double pos, int k, int *prior_channel)
{
    int level = (int)lround(pos);
    if (level < 0)
        level = 0;
    if (level > net->levels - 1)
        level = net->levels - 1;
    *prior_channel = lossy_prior_channel(net, level, k);
    if (net->prior_sets == 1 || pos == level)
        return 1.0;
    float g[LOSSY_MAX_M], ig[LOSSY_MAX_M];
    lossy_net_gains(net, level, g, ig);
    const double at_level = g[k];
    lossy_net_gains(net, pos, g, ig);
    return at_level / g[k];
}

int lossy_net_split_prior(LossyNet *net)
{
    if (net->prior_sets != 1 || net->levels == 1)
        return 0;
    Prior split = {0};
    Param *to[3] = {&split.matrices, &split.biases, &split.factors};
    const Param *from[3] = {&net->prior.matrices, &net->prior.biases, &net->prior.factors};
    split.m = net->levels * net->m;
    for (int i = 0; i < 3; i++) {
        if (param_alloc(to[i], from[i]->n * (size_t)net->levels) < 0) {
            prior_free(&split);
            return -1;
        }
        for (int l = 0; l < net->levels; l++)
            memcpy(to[i]->v + from[i]->n * l, from[i]->v, from[i]->n * sizeof(float));
    }
    prior_free(&net->prior);
    net->prior = split;
    net->prior_sets = net->levels;
    return 0;
}

size_t lossy_net_param_count(LossyNet *net)
{
    NetTensor t[LOSSY_MAX_TENSORS];
    const int count = lossy_net_tensors(net, t);
    size_t n = 0;
    for (int i = 0; i < count; i++)
        n += t[i].p->n;
    return n;
}

static int clamp_quality(int q) { return q < 0 ? 0 : (q > 100 ? 100 : q); }

double lossy_level_position(int levels, int quality)
{
    const double lo = levels >= 2 ? -LOSSY_EXTRAPOLATED_LEVELS : 0;
    return lo + ((double)(levels - 1) - lo) * clamp_quality(quality) / 100.0;
}

double lossy_level_position_v1(int levels, int quality)
{
    return (double)(levels - 1) * clamp_quality(quality) / 100.0;
}

/* Levels a, a + 1 and the weight t of a + 1 for a level position. */
static int gain_levels(const LossyNet *net, double pos, int *b, double *t)
{
    if (pos < LOSSY_MIN_LEVEL_POSITION)
        pos = LOSSY_MIN_LEVEL_POSITION;
    if (pos > net->levels - 1)
        pos = net->levels - 1;
    int a = (int)floor(pos);
    if (a < 0)
        a = 0;   /* below level 0: extrapolate along levels 0..1 (t < 0) */
    if (a >= net->levels - 1)
        a = net->levels > 1 ? net->levels - 2 : 0;
    *b = net->levels > 1 ? a + 1 : a;
    *t = pos - a;
    return a;
}

double lossy_net_lambda_at(const LossyNet *net, double pos)
{
    int b;
    double t;
    const int a = gain_levels(net, pos, &b, &t);
    return exp((1 - t) * log(net->lambda[a]) + t * log(net->lambda[b]));
}

void lossy_net_log_gains(const LossyNet *net, double pos, float *lg, float *lig)
{
    const int m = net->m;
    int b;
    double t;
    const int a = gain_levels(net, pos, &b, &t);
    for (int c = 0; c < m; c++) {
        lg[c] = (float)((1 - t) * net->gain.v[(size_t)a * m + c]
                        + t * net->gain.v[(size_t)b * m + c]);
        lig[c] = (float)((1 - t) * net->igain.v[(size_t)a * m + c]
                         + t * net->igain.v[(size_t)b * m + c]);
    }
}

void lossy_net_gains(const LossyNet *net, double pos, float *g, float *ig)
{
    const int m = net->m;
    int b;
    double t;
    const int a = gain_levels(net, pos, &b, &t);
    for (int c = 0; c < m; c++) {
        double lg = (1 - t) * net->gain.v[(size_t)a * m + c] + t * net->gain.v[(size_t)b * m + c];
        double lig = (1 - t) * net->igain.v[(size_t)a * m + c]
                   + t * net->igain.v[(size_t)b * m + c];
        g[c] = (float)exp(lg);
        ig[c] = (float)exp(lig);
    }
}

/* The net's layers packed for the deterministic kernels. */
struct LossyPacked {
    NnDetConv ga[4], gs[4];
    NnDetGdn ga_gdn[3], gs_gdn[3];
};

static void packed_free(LossyPacked *p)
{
    if (!p)
        return;
    for (int i = 0; i < 4; i++) {
        nn_det_conv_free(&p->ga[i]);
        nn_det_conv_free(&p->gs[i]);
    }
    for (int i = 0; i < 3; i++) {
        nn_det_gdn_free(&p->ga_gdn[i]);
        nn_det_gdn_free(&p->gs_gdn[i]);
    }
    free(p);
}

void lossy_work_free(LossyWork *w)
{
    tensor_free(w->act[0]);
    tensor_free(w->act[1]);
    nn_scratch_free(&w->s);
    packed_free(w->packed);
    memset(w, 0, sizeof *w);
}

/* Creates w's activation buffers and packed layers on first use. */
static int work_alloc(const LossyNet *net, LossyWork *w)
{
    for (int i = 0; i < 2; i++)
        if (!w->act[i] && !(w->act[i] = tensor_new(0, 0, 0, 0)))
            return -1;
    if (w->packed)
        return 0;
    LossyPacked *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    int err = 0;
    for (int i = 0; i < 4; i++) {
        err |= nn_det_conv2d_pack(&p->ga[i], &net->ga[i]);
        err |= nn_det_deconv2d_pack(&p->gs[i], &net->gs[i]);
    }
    for (int i = 0; i < 3; i++) {
        err |= nn_det_gdn_pack(&p->ga_gdn[i], &net->ga_gdn[i]);
        err |= nn_det_gdn_pack(&p->gs_gdn[i], &net->gs_gdn[i]);
    }
    if (err) {
        packed_free(p);
        return -1;
    }
    w->packed = p;
    return 0;
}

/* Each stage: conv (or deconv) with its GDN fused, from `in` into the other
 * activation buffer, so only a stage's input and output are alive. */
int lossy_net_analysis(const LossyNet *net, const Tensor *x, Tensor *y, LossyWork *w)
{
    int h = x->h, wd = x->w, oh, ow, err;
    if (work_alloc(net, w) < 0)
        return NN_ERR_NOMEM;
    const LossyPacked *p = w->packed;
    const Tensor *in = x;
    for (int i = 0; i < 4; i++) {
        Tensor *out = i < 3 ? w->act[i & 1] : y;
        conv2d_out_size(&net->ga[i], h, wd, &oh, &ow);
        const NnDetPost post = {0, i < 3 ? &p->ga_gdn[i] : NULL};
        if (tensor_reshape(out, 1, i < 3 ? net->n : net->m, oh, ow) < 0)
            return NN_ERR_NOMEM;
        if ((err = nn_det_conv2d_forward(&p->ga[i], in, out, &post)) < 0)
            return err;
        in = out;
        h = oh;
        wd = ow;
    }
    return 0;
}

int lossy_net_synthesis(const LossyNet *net, const Tensor *y_in, Tensor *x, LossyWork *w)
{
    int h = y_in->h, wd = y_in->w, oh, ow, err;
    if (work_alloc(net, w) < 0)
        return NN_ERR_NOMEM;
    const LossyPacked *p = w->packed;
    const Tensor *in = y_in;
    for (int i = 0; i < 4; i++) {
        Tensor *out = i < 3 ? w->act[i & 1] : x;
        deconv2d_out_size(&net->gs[i], h, wd, &oh, &ow);
        const NnDetPost post = {0, i < 3 ? &p->gs_gdn[i] : NULL};
        if (tensor_reshape(out, 1, i < 3 ? net->n : 3, oh, ow) < 0)
            return NN_ERR_NOMEM;
        if ((err = nn_det_deconv2d_forward(&p->gs[i], in, out, &post)) < 0)
            return err;
        in = out;
        h = oh;
        wd = ow;
    }
    return 0;
}
