/* Model files (.latm v1): write -> read round trip (weights, id, hash,
 * steps, optimizer state) and rejection of malformed files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "lat.h"
#include "lossy/lossy.h"
#include "lossy/model_file.h"


static int read_ok(const uint8_t *d, size_t n, int *err)
{
    LossyNet net;
    char id[LATM_ID_LEN + 1];
    uint64_t hash;
    *err = model_file_read(d, n, &net, id, &hash, NULL, NULL, NULL, 0);
    if (*err == 0)
        lossy_net_free(&net);
    return *err == 0;
}

/* Recomputes the content hash and CRC after an edit, so the parser gets
 * past them to the check under test. */
static void reseal(uint8_t *d, size_t n, size_t weights_pos, size_t weights_size)
{
    if (weights_size)
        put_u64(d + n - 12, hash64_update(HASH64_INIT, d + weights_pos, weights_size));
    put_u32(d + n - 4, crc32_update(0, d, n - 4));
}

int main(void)
{
    const float lambdas[3] = {0.001f, 0.01f, 0.1f};
    Rng rng;
    rng_seed(&rng, 11);
    LossyNet net;
    CHECK_MSG(lossy_net_init(&net, 4, 5, 3, lambdas, 3, &rng) == 0, "init");   /* architecture 2 */
    NetTensor t[LOSSY_MAX_TENSORS];
    lossy_net_tensors(&net, t);
    for (int i = 0; i < LOSSY_TENSORS; i++)
        for (size_t j = 0; j < t[i].p->n; j++)
            t[i].p->v[j] = rng_normal(&rng);
    const size_t count = lossy_net_param_count(&net);

    /* Plain model. */
    uint8_t *d;
    size_t n;
    CHECK_MSG(model_file_write(&net, "test-f4m5", "a note", 1234, NULL, &d, &n) == 0, "write");
    LossyNet back;
    char id[LATM_ID_LEN + 1];
    uint64_t hash, steps;
    char note[64];
    ModelOptState opt;
    CHECK_MSG(model_file_read(d, n, &back, id, &hash, &steps, &opt, note, sizeof note) == 0, "read");
    CHECK_MSG(strcmp(id, "test-f4m5") == 0 && steps == 1234 && strcmp(note, "a note") == 0
          && opt.count == 0, "header fields");
    CHECK_MSG(back.n == 4 && back.m == 5 && back.levels == 3 && back.lambda[2] == 0.1f
          && back.prior_sets == 3 && get_u32(d + 48) == LATM_ARCH_PER_LEVEL_PRIOR, "arch");
    NetTensor tb[LOSSY_MAX_TENSORS];
    lossy_net_tensors(&back, tb);
    for (int i = 0; i < LOSSY_TENSORS; i++)
        CHECK_MSG(memcmp(t[i].p->v, tb[i].p->v, t[i].p->n * sizeof(float)) == 0, "tensor %s", t[i].name);
    lossy_net_free(&back);

    LossyModel *model;
    CHECK_MSG(lossy_model_load(d, n, &model) == 0, "lossy_model_load");
    if (model) {
        CHECK_MSG(strcmp(lossy_model_id(model), "test-f4m5") == 0 && lossy_model_hash(model) == hash,
              "model id/hash");
        lossy_model_free(model);
    }

    /* Checkpoint with optimizer state: same weights, same hash. */
    ModelOptState o = {.adam_t = 77, .count = count};
    o.m = malloc(count * sizeof(float));
    o.v = malloc(count * sizeof(float));
    for (size_t j = 0; j < count; j++) {
        o.m[j] = (float)j;
        o.v[j] = (float)(2 * j);
    }
    uint8_t *dc;
    size_t nc;
    CHECK_MSG(model_file_write(&net, "test-f4m5", NULL, 99, &o, &dc, &nc) == 0, "write checkpoint");
    uint64_t hash2;
    CHECK_MSG(model_file_read(dc, nc, &back, id, &hash2, &steps, &opt, NULL, 0) == 0, "read checkpoint");
    CHECK_MSG(hash2 == hash, "hash depends on weights only");
    CHECK_MSG(opt.count == count && opt.adam_t == 77 && steps == 99
          && memcmp(opt.m, o.m, count * sizeof(float)) == 0
          && memcmp(opt.v, o.v, count * sizeof(float)) == 0, "optimizer state");
    model_opt_state_free(&opt);
    model_opt_state_free(&o);
    lossy_net_free(&back);
    free(dc);

    /* Malformed files. */
    int err;
    for (size_t k = 0; k < n; k++)
        CHECK_MSG(!read_ok(d, k, &err), "truncated to %zu accepted", k);
    uint8_t *b = malloc(n + 8);
    memcpy(b, d, n);
    b[n] = 0;
    CHECK_MSG(!read_ok(b, n + 1, &err) && err == LAT_ERR_BAD_MODEL, "trailing byte");
    const size_t desc_pos = 72 + 4 * 3 + 4 + strlen("a note") + 4;
    const size_t weights_pos = desc_pos + 36 * LOSSY_TENSORS, weights_size = 4 * count;
    struct { size_t at; uint32_t v; int expect; const char *what; } edits[] = {
        {0, 0x4D54414C ^ 1, LAT_ERR_BAD_MAGIC, "bad magic"},
        {8, 2, LAT_ERR_UNSUPPORTED_VERSION, "version 2"},
        {12, 4, LAT_ERR_BAD_MODEL, "unknown flag"},
        {48, 9, LAT_ERR_BAD_MODEL, "unknown architecture"},
        {48, LATM_ARCH_FACTORIZED, LAT_ERR_BAD_MODEL, "architecture 1 with per-level priors"},
        {52, 0, LAT_ERR_BAD_MODEL, "N = 0"},
        {52, 0x7fffffff, LAT_ERR_BAD_MODEL, "absurd N"},
        {56, 100000, LAT_ERR_BAD_MODEL, "absurd M"},
        {60, 17, LAT_ERR_BAD_MODEL, "17 levels"},
        {60, 2, LAT_ERR_BAD_MODEL, "levels disagree with the size"},
        {72 + 12, 0xffffffff, LAT_ERR_BAD_MODEL, "absurd note length"},
        {72 + 4, 0xbf800000, LAT_ERR_BAD_MODEL, "negative lambda"},
        {desc_pos - 4, 32, LAT_ERR_BAD_MODEL, "tensor count"},
        {desc_pos + 16, 3, LAT_ERR_BAD_MODEL, "tensor rank"},
        {desc_pos + 20, 5, LAT_ERR_BAD_MODEL, "tensor shape"},
        {desc_pos, 0x78787878, LAT_ERR_BAD_MODEL, "tensor name"},
        {weights_pos + 8, 0x7fc00000, LAT_ERR_BAD_MODEL, "NaN weight"},
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(b, d, n);
        put_u32(b + edits[e].at, edits[e].v);
        reseal(b, n, weights_pos, weights_size);
        CHECK_MSG(!read_ok(b, n, &err) && err == edits[e].expect, "%s: got %d, expected %d",
              edits[e].what, err, edits[e].expect);
    }
    /* Corruption without resealing: CRC / hash catch it. */
    memcpy(b, d, n);
    b[weights_pos + 5] ^= 0x10;
    CHECK_MSG(!read_ok(b, n, &err) && err == LAT_ERR_BAD_MODEL, "flipped weight bit");
    memcpy(b, d, n);
    b[weights_pos + 5] ^= 0x10;
    put_u32(b + n - 4, crc32_update(0, b, n - 4));
    CHECK_MSG(!read_ok(b, n, &err) && err == LAT_ERR_BAD_MODEL, "hash mismatch");
    /* Every single-byte corruption is rejected (CRC) without crashing. */
    for (size_t k = 0; k < n; k += 7) {
        memcpy(b, d, n);
        b[k] ^= 0x5A;
        CHECK_MSG(!read_ok(b, n, &err), "byte %zu corrupted accepted", k);
    }
    free(b);
    free(d);

    /* Architecture 1 (one shared prior) still reads, and splitting its
     * prior gives every level the shared values. */
    LossyNet shared;
    CHECK_MSG(lossy_net_init(&shared, 4, 5, 3, lambdas, 1, &rng) == 0, "init shared");
    shared.prior.biases.v[7] = 0.25f;
    CHECK_MSG(model_file_write(&shared, "test-shared", NULL, 1, NULL, &d, &n) == 0, "write shared");
    CHECK_MSG(get_u32(d + 48) == LATM_ARCH_FACTORIZED, "architecture 1 written");
    CHECK_MSG(model_file_read(d, n, &back, id, &hash, &steps, NULL, NULL, 0) == 0 && back.prior_sets == 1,
          "read architecture 1");
    CHECK_MSG(lossy_net_split_prior(&back) == 0 && back.prior_sets == 3
          && back.prior.biases.n == 3 * shared.prior.biases.n
          && back.prior.biases.v[2 * 5 * PRIOR_NBIAS + 7] == 0.25f
          && lossy_prior_channel(&back, 2, 1) == 11, "split prior");
    lossy_net_free(&back);
    lossy_net_free(&shared);
    free(d);

    /* Architecture 3: an architecture-2 net converted to a hyperprior with
     * two more levels (gains extrapolated from the top two), written and
     * read back tensor by tensor; a truncated file is refused. */
    const float lambdas5[5] = {0.001f, 0.01f, 0.1f, 0.2f, 0.4f};
    const float g1 = net.gain.v[1 * 5 + 2], g2 = net.gain.v[2 * 5 + 2];
    CHECK_MSG(lossy_net_to_hyper(&net, 5, lambdas5, &rng) == 0 && net.levels == 5 && net.hyper.z == 4
          && net.prior_sets == 0 && net.lambda[4] == 0.4f, "to hyper");
    CHECK_MSG(net.gain.v[3 * 5 + 2] == g2 + (g2 - g1) && net.gain.v[4 * 5 + 2] == g2 + 2 * (g2 - g1),
          "extrapolated gains");
    const int count3 = lossy_net_tensors(&net, t);
    CHECK_MSG(count3 == LOSSY_MAX_TENSORS && strcmp(t[count3 - 1].name, "zprior.factors") == 0,
          "architecture 3 tensors");
    for (int i = 0; i < count3; i++)
        for (size_t j = 0; j < t[i].p->n; j++)
            t[i].p->v[j] = rng_normal(&rng);
    CHECK_MSG(model_file_write(&net, "test-hyper", NULL, 9, NULL, &d, &n) == 0, "write arch 3");
    CHECK_MSG(get_u32(d + 48) == LATM_ARCH_HYPERPRIOR, "architecture 3 written");
    CHECK_MSG(model_file_read(d, n, &back, id, &hash, &steps, NULL, NULL, 0) == 0 && back.hyper.z == 4
          && back.hyper.hidden == 7 && back.levels == 5, "read architecture 3");
    if (back.hyper.z == 4) {
        CHECK_MSG(lossy_net_tensors(&back, tb) == count3, "tensor count read");
        for (int i = 0; i < count3; i++)
            CHECK_MSG(strcmp(t[i].name, tb[i].name) == 0
                  && memcmp(t[i].p->v, tb[i].p->v, t[i].p->n * sizeof(float)) == 0,
                  "arch 3 tensor %s", t[i].name);
        lossy_net_free(&back);
    }
    int err3;
    CHECK_MSG(!read_ok(d, n - 1, &err3) && err3 == LAT_ERR_TRUNCATED, "truncated arch 3");
    free(d);
    lossy_net_free(&net);
    if (!check_failures)
        printf("model file tests passed\n");
    return check_report();
}
