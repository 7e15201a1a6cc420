/* The binary range coder: round trips (skewed, balanced, bypass and
 * carry-heavy inputs) with both context kinds (RcBit, RcBit2), cost close
 * to the source entropy, and exact consumption (a truncated or extended
 * stream is refused). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "common/range_coder.h"
#include "nn/nn.h"


enum { N = 200000, CONTEXTS = 4 };

/* Bit i of the test source and the context it is coded in (context 3:
 * bypass). Context k emits 1 with probability p1[k]. */
static const double p1[CONTEXTS] = {0.02, 0.5, 0.97, 0.5};

int main(void)
{
    Rng rng;
    rng_seed(&rng, 3);
    int *bits = malloc(sizeof(int) * N), *ctx_of = malloc(sizeof(int) * N);
    double ideal = 0;
    for (int i = 0; i < N; i++) {
        ctx_of[i] = (int)(rng_u32(&rng) % CONTEXTS);
        bits[i] = rng_uniform(&rng) < p1[ctx_of[i]];
        const double p = bits[i] ? p1[ctx_of[i]] : 1 - p1[ctx_of[i]];
        ideal -= log2(p);
    }
    /* A long run of the likeliest symbol drives the range to its limits. */
    for (int i = N - 20000; i < N; i++) {
        ctx_of[i] = 2;
        bits[i] = 1;
        ideal -= log2(p1[2]);
    }
    RcEncoder e;
    rc_enc_init(&e);
    RcBit ctx[CONTEXTS] = {RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT};
    for (int i = 0; i < N; i++) {
        if (ctx_of[i] == 3)
            rc_enc_bypass(&e, bits[i]);
        else
            rc_enc_bit(&e, &ctx[ctx_of[i]], bits[i]);
    }
    uint8_t *data;
    size_t size;
    CHECK_MSG(rc_enc_finish(&e, &data, &size) == 0, "finish");
    printf("%d bits: %zu bytes, ideal %.0f bytes (%+.2f%%)\n", N, size, ideal / 8,
           100.0 * (size * 8.0 / ideal - 1.0));
    CHECK_MSG(size * 8.0 < ideal * 1.03, "coded size %zu bytes vs ideal %.0f", size, ideal / 8);

    RcDecoder d;
    RcBit dctx[CONTEXTS] = {RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT};
    CHECK_MSG(rc_dec_init(&d, data, size) == 0, "decoder init");
    int mismatches = 0;
    for (int i = 0; i < N; i++) {
        int b = ctx_of[i] == 3 ? rc_dec_bypass(&d) : rc_dec_bit(&d, &dctx[ctx_of[i]]);
        mismatches += b != bits[i];
    }
    CHECK_MSG(mismatches == 0, "%d bits decoded wrong", mismatches);
    CHECK_MSG(rc_dec_finish(&d) == 0, "valid stream not consumed exactly");

    /* Truncated by one byte: the decoder reads past the end. */
    RcBit tctx[CONTEXTS] = {RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT};
    CHECK_MSG(rc_dec_init(&d, data, size - 1) == 0, "truncated init");
    for (int i = 0; i < N; i++)
        ctx_of[i] == 3 ? rc_dec_bypass(&d) : rc_dec_bit(&d, &tctx[ctx_of[i]]);
    CHECK_MSG(rc_dec_finish(&d) < 0, "truncated stream accepted");
    /* Extended by one byte: not consumed. */
    uint8_t *longer = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        longer[i] = data[i];
    longer[size] = 0;
    RcBit lctx[CONTEXTS] = {RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT, RC_BIT_INIT};
    CHECK_MSG(rc_dec_init(&d, longer, size + 1) == 0, "extended init");
    for (int i = 0; i < N; i++)
        ctx_of[i] == 3 ? rc_dec_bypass(&d) : rc_dec_bit(&d, &lctx[ctx_of[i]]);
    CHECK_MSG(rc_dec_finish(&d) < 0, "trailing byte accepted");
    /* Two-rate 15-bit contexts (format 5): the same source round trips,
     * interleaved with the 12-bit ones, and costs no more. */
    {
        RcEncoder e2;
        rc_enc_init(&e2);
        RcBit2 c2[CONTEXTS] = {RC_BIT2_INIT, RC_BIT2_INIT, RC_BIT2_INIT, RC_BIT2_INIT};
        RcBit c1 = RC_BIT_INIT;
        for (int i = 0; i < N; i++) {
            if (ctx_of[i] == 3)
                rc_enc_bypass(&e2, bits[i]);
            else if (i % 7 == 0)
                rc_enc_bit(&e2, &c1, bits[i]);
            else
                rc_enc_bit2(&e2, &c2[ctx_of[i]], bits[i]);
        }
        uint8_t *data2;
        size_t size2;
        CHECK_MSG(rc_enc_finish(&e2, &data2, &size2) == 0, "finish (two-rate)");
        printf("two-rate contexts: %zu bytes (%+.2f%% vs ideal)\n", size2,
               100.0 * (size2 * 8.0 / ideal - 1.0));
        CHECK_MSG(size2 * 8.0 < ideal * 1.03, "two-rate coded size %zu bytes", size2);
        for (int cut = 0; cut <= 1; cut++) {
            RcBit2 d2[CONTEXTS] = {RC_BIT2_INIT, RC_BIT2_INIT, RC_BIT2_INIT, RC_BIT2_INIT};
            RcBit d1 = RC_BIT_INIT;
            CHECK_MSG(rc_dec_init(&d, data2, size2 - (size_t)cut) == 0, "two-rate init");
            int wrong = 0;
            for (int i = 0; i < N; i++) {
                const int b = ctx_of[i] == 3 ? rc_dec_bypass(&d)
                            : i % 7 == 0     ? rc_dec_bit(&d, &d1)
                                             : rc_dec_bit2(&d, &d2[ctx_of[i]]);
                wrong += b != bits[i];
            }
            if (!cut)
                CHECK_MSG(wrong == 0 && rc_dec_finish(&d) == 0, "two-rate: %d bits wrong", wrong);
            else
                CHECK_MSG(rc_dec_finish(&d) < 0, "two-rate: truncated stream accepted");
        }
        free(data2);
        /* Saturated contexts keep their probabilities within 1..32767. */
        RcBit2 s0 = RC_BIT2_INIT, s1 = RC_BIT2_INIT;
        rc_enc_init(&e2);
        for (int i = 0; i < 100000; i++) {
            rc_enc_bit2(&e2, &s0, 0);
            rc_enc_bit2(&e2, &s1, 1);
        }
        CHECK_MSG(s0.fast <= 32767 && s0.slow <= 32767 && s1.fast >= 1 && s1.slow >= 1 && s0.n == 255,
              "saturated two-rate context out of range");
        CHECK_MSG(rc_enc_finish(&e2, &data2, &size2) == 0 && size2 < 200, "saturated: %zu bytes", size2);
        free(data2);
    }
    /* Not a range-coder stream at all. */
    const uint8_t bad[5] = {1, 0, 0, 0, 0};
    CHECK_MSG(rc_dec_init(&d, bad, 5) < 0 && rc_dec_init(&d, bad + 1, 4) < 0, "bad start accepted");

    free(longer);
    free(data);
    free(bits);
    free(ctx_of);
    if (!check_failures)
        printf("range coder tests passed\n");
    return check_report();
}
