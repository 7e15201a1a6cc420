/* Architecture 3's entropy coding pieces: the deterministic elementary
 * functions against libm, the Gaussian frequency tables (well formed, close
 * to the exact discretised Gaussian, frozen by a CRC so that every machine
 * and compiler must build the same bits), and the range coder's
 * frequency-table symbols with escapes (round trip, size against the
 * tables' ideal). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/checksum.h"
#include "lossy/det_math.h"
#include "lossy/gauss_table.h"
#include "common/range_coder.h"
#include "nn/nn.h"


static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

static void check_det_math(void)
{
    double worst_exp = 0, worst_log = 0, worst_erfc = 0, worst_misc = 0;
    for (int i = 0; i <= 4000; i++) {
        const double x = -60 + 0.03 * i + 1e-4 * (i % 7);
        worst_exp = fmax(worst_exp, rel(det_exp(x), exp(x)));
        const double y = exp(0.011 * i - 20);
        worst_log = fmax(worst_log, fabs(det_log(y) - log(y)) / fmax(1.0, fabs(log(y))));
        const double z = -3 + 0.003 * i;   /* erfc over [-3, 9] */
        worst_erfc = fmax(worst_erfc, rel(det_erfc(z), erfc(z)));
        const double w = -25 + 0.0125 * i;
        worst_misc = fmax(worst_misc, fabs(det_tanh(w) - tanh(w)));
        worst_misc = fmax(worst_misc, rel(det_softplus(w), log1p(exp(w))));
        worst_misc = fmax(worst_misc, rel(det_sigmoid(w), 1 / (1 + exp(-w))));
    }
    CHECK_MSG(worst_exp < 4e-16, "det_exp relative error %g", worst_exp);
    CHECK_MSG(worst_log < 4e-16, "det_log error %g", worst_log);
    CHECK_MSG(worst_erfc < 1.3e-7, "det_erfc relative error %g", worst_erfc);
    CHECK_MSG(worst_misc < 1e-11, "det_tanh/softplus/sigmoid error %g", worst_misc);
    CHECK_MSG(det_exp(-800) == 0 && isinf(det_exp(800)) && det_log(1.0) == 0, "exp/log limits");
    printf("det_math: exp %.2g, log %.2g, erfc %.2g, tanh/softplus/sigmoid %.2g\n", worst_exp,
           worst_log, worst_erfc, worst_misc);
}

static void check_tables(const GaussTables *g)
{
    uint32_t crc = 0;
    double worst_kl = 0;
    for (int i = 0; i < GAUSS_SCALES; i++) {
        const int r = g->radius[i], n = 2 * r + 2;
        const double sigma = exp(gauss_log_scale(i));
        CHECK_MSG(fabs(gauss_log_scale(i) - (log(0.11) + i * (log(256.0) - log(0.11)) / 63)) < 1e-6,
              "log scale %d", i);
        CHECK_MSG(r == (int)ceil(4.5 * sigma), "radius %d: %d", i, r);
        CHECK_MSG(g->cdf[i][0] == 0 && g->cdf[i][n] == 65536, "table %d total", i);
        for (int s = 0; s < n; s++)
            CHECK_MSG(g->cdf[i][s + 1] > g->cdf[i][s], "table %d symbol %d frequency 0", i, s);
        /* Cross entropy of the exact discretised Gaussian under the table,
         * against its entropy: the table's cost per symbol. */
        double h = 0, ce = 0;
        for (int v = -r - 40; v <= r + 40; v++) {
            const double p = 0.5 * erfc((fabs((double)v) - 0.5) / sigma / sqrt(2.0))
                           - 0.5 * erfc((fabs((double)v) + 0.5) / sigma / sqrt(2.0));
            if (p <= 0)
                continue;
            h -= p * log2(p);
            ce += p * gauss_table_bits(g, i, v);
        }
        worst_kl = fmax(worst_kl, (ce - h) / fmax(h, 0.05));
        uint8_t le[4];
        for (int s = 0; s <= n; s++) {
            for (int k = 0; k < 4; k++)
                le[k] = (uint8_t)(g->cdf[i][s] >> (8 * k));
            crc = crc32_update(crc, le, 4);
        }
    }
    CHECK_MSG(worst_kl < 0.01, "table cost %.4f of the entropy", worst_kl);
    /* Frozen: the tables are part of the format (FORMAT.md 4.4). */
    const uint32_t frozen = 0x010c5811;
    CHECK_MSG(crc == frozen, "tables CRC %08x, frozen %08x", crc, frozen);
    printf("tables: 64 scales, worst cost %.4f%% over the entropy, CRC %08x\n", 100 * worst_kl, crc);
}

static void check_coding(const GaussTables *g)
{
    enum { N = 200000 };
    int32_t *v = malloc(sizeof(int32_t) * N), *back = malloc(sizeof(int32_t) * N);
    int *idx = malloc(sizeof(int) * N);
    Rng rng;
    rng_seed(&rng, 5);
    double ideal = 0;
    for (int i = 0; i < N; i++) {
        idx[i] = (int)(rng_u32(&rng) % GAUSS_SCALES);
        const double sigma = exp(gauss_log_scale(idx[i]));
        double x = rint(rng_normal(&rng) * sigma);
        if (i % 5000 == 0)
            x = (i / 5000) % 2 ? 32767 : -32767;   /* escapes at the limit */
        v[i] = (int32_t)x;
        ideal += gauss_table_bits(g, idx[i], v[i]);
    }
    RcEncoder e;
    rc_enc_init(&e);
    for (int i = 0; i < N; i++)
        gauss_encode(&e, g, idx[i], v[i]);
    uint8_t *buf;
    size_t size;
    CHECK_MSG(rc_enc_finish(&e, &buf, &size) == 0, "encode");
    RcDecoder d;
    CHECK_MSG(rc_dec_init(&d, buf, size) == 0, "decoder init");
    int ok = 1;
    for (int i = 0; i < N && ok; i++)
        ok = gauss_decode(&d, g, idx[i], &back[i]) == 0 && back[i] == v[i];
    CHECK_MSG(ok && rc_dec_finish(&d) == 0, "round trip");
    const double over = size * 8.0 / ideal - 1;
    CHECK_MSG(fabs(over) < 0.002, "coded %zu bytes, ideal %.0f: %+.3f%%", size, ideal / 8, 100 * over);
    printf("coding: %d symbols, %zu bytes, %+.3f%% over the tables' ideal\n", N, size, 100 * over);
    /* A corrupt stream decodes to something or fails, never crashes. */
    for (size_t i = 5; i < size; i += size / 7)
        buf[i] ^= 0x5A;
    rc_dec_init(&d, buf, size);
    for (int i = 0; i < N; i++)
        if (gauss_decode(&d, g, idx[i], &back[i]) < 0)
            break;
    free(buf);
    free(v);
    free(back);
    free(idx);
}

int main(void)
{
    check_det_math();
    GaussTables g;
    CHECK_MSG(gauss_tables_init(&g) == 0, "tables");
    check_tables(&g);
    CHECK_MSG(gauss_scale_index(-10.0f) == 0 && gauss_scale_index(100.0f) == 63
              && gauss_scale_index(gauss_log_scale(17)) == 17
              && gauss_scale_index(nextafterf(gauss_log_scale(17), 100.0f)) == 18
              && gauss_scale_index(NAN) == 63,
          "scale index");
    check_coding(&g);
    gauss_tables_free(&g);
    return check_report();
}
