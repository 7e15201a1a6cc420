/* .latm v1 reader and writer (docs/FORMAT.md section 5). The reader checks
 * the declared architecture against the exact file size before allocating
 * anything, then the CRC, then every tensor descriptor and value. */
#include "lossy/model_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/checksum.h"
#include "lat.h"

static const uint8_t latm_magic[8] = {'L', 'A', 'T', 'M', 0x0D, 0x0A, 0x1A, 0x0A};
/* Byte offsets of the fixed header, docs/FORMAT.md section 5. */
enum {
    LATM_OFF_MAGIC = 0,            /* 8 bytes */
    LATM_OFF_VERSION = 8,          /* u32 */
    LATM_OFF_FLAGS = 12,           /* u32 */
    LATM_OFF_ID = 16,              /* LATM_ID_LEN bytes */
    LATM_OFF_ARCH = 48,            /* u32 */
    LATM_OFF_N = 52,               /* u32 */
    LATM_OFF_M = 56,               /* u32 */
    LATM_OFF_LEVELS = 60,          /* u32 */
    LATM_OFF_STEPS = 64,           /* u64 */
    LATM_OFF_LAMBDAS = 72,         /* f32 per level; the note length follows */
};
/* One tensor descriptor: name[16], u32 ndim, u32 dims[4]. */
enum { DESC_OFF_NAME = 0, DESC_OFF_NDIM = 16, DESC_OFF_DIMS = 20, DESC_SIZE = 36 };
/* After the weights (and optimizer state): u64 weights hash, u32 CRC. */
#define LATM_TRAILER_SIZE 12

void model_opt_state_free(ModelOptState *o)
{
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

/* Number of float parameters of the architecture, without allocating. */
static uint64_t arch_float_count(uint32_t arch, uint64_t n, uint64_t m, uint64_t l)
{
    const uint64_t prior = PRIOR_NMAT + PRIOR_NBIAS + PRIOR_NFAC;
    uint64_t ga = 3 * n * 25 + n + 2 * (n * n * 25 + n) + m * n * 25 + m;
    uint64_t gs = m * n * 25 + n + 2 * (n * n * 25 + n) + n * 3 * 25 + 3;
    uint64_t gdn = 6 * (n + n * n);
    uint64_t base = ga + gs + gdn + 2 * l * m;
    if (arch == LATM_ARCH_FACTORIZED)
        return base + m * prior;
    if (arch == LATM_ARCH_PER_LEVEL_PRIOR)
        return base + l * m * prior;
    const uint64_t z = n, hid = m + m / 2;   /* hyper_net.h */
    uint64_t ha = m * n * 9 + n + n * n * 25 + n + n * z * 25 + z;
    uint64_t hs = z * m * 25 + m + m * hid * 25 + hid + hid * 2 * m * 9 + 2 * m;
    return base + ha + hs + 2 * l * z + l * z * prior;
}

static uint32_t net_arch(const LossyNet *net)
{
    if (net->hyper.z > 0)
        return LATM_ARCH_HYPERPRIOR;
    return net->prior_sets > 1 ? LATM_ARCH_PER_LEVEL_PRIOR : LATM_ARCH_FACTORIZED;
}

static int id_valid(const uint8_t *id)
{
    int len = 0;
    while (len < LATM_ID_LEN && id[len] != 0) {
        if (id[len] < 0x21 || id[len] > 0x7E)
            return 0;
        len++;
    }
    for (int i = len; i < LATM_ID_LEN; i++)
        if (id[i] != 0)
            return 0;
    return len > 0;
}

static void put_f32(uint8_t *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put_u32(p, u);
}

static float get_f32(const uint8_t *p)
{
    uint32_t u = get_u32(p);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

int model_file_write(LossyNet *net, const char *id, const char *note, uint64_t steps,
                     const ModelOptState *opt, uint8_t **out, size_t *out_size)
{
    *out = NULL;
    *out_size = 0;
    size_t id_len = id ? strlen(id) : 0;
    size_t note_len = note ? strlen(note) : 0;
    if (id_len == 0 || id_len > LATM_ID_LEN || note_len > LATM_MAX_NOTE)
        return LAT_ERR_INVALID_ARGUMENT;
    uint8_t idb[LATM_ID_LEN] = {0};
    memcpy(idb, id, id_len);
    if (!id_valid(idb))
        return LAT_ERR_INVALID_ARGUMENT;
    NetTensor t[LOSSY_MAX_TENSORS];
    const int count = lossy_net_tensors(net, t);
    size_t floats = lossy_net_param_count(net);
    if (opt && opt->count != floats)
        return LAT_ERR_INVALID_ARGUMENT;
    size_t size = LATM_OFF_LAMBDAS + 4 * (size_t)net->levels + 4 + note_len + 4
                + DESC_SIZE * (size_t)count + 4 * floats + (opt ? 8 + 8 * floats : 0)
                + LATM_TRAILER_SIZE;
    uint8_t *buf = calloc(1, size);
    if (!buf)
        return LAT_ERR_OUT_OF_MEMORY;
    uint8_t *p = buf;
    memcpy(p + LATM_OFF_MAGIC, latm_magic, 8);
    put_u32(p + LATM_OFF_VERSION, LATM_VERSION);
    put_u32(p + LATM_OFF_FLAGS, opt ? LATM_FLAG_OPTIMIZER : 0);
    memcpy(p + LATM_OFF_ID, idb, LATM_ID_LEN);
    put_u32(p + LATM_OFF_ARCH, net_arch(net));
    put_u32(p + LATM_OFF_N, (uint32_t)net->n);
    put_u32(p + LATM_OFF_M, (uint32_t)net->m);
    put_u32(p + LATM_OFF_LEVELS, (uint32_t)net->levels);
    put_u64(p + LATM_OFF_STEPS, steps);
    p += LATM_OFF_LAMBDAS;
    for (int l = 0; l < net->levels; l++, p += 4)
        put_f32(p, net->lambda[l]);
    put_u32(p, (uint32_t)note_len);
    if (note_len)
        memcpy(p + 4, note, note_len);
    p += 4 + note_len;
    put_u32(p, (uint32_t)count);
    p += 4;
    for (int i = 0; i < count; i++, p += DESC_SIZE) {
        memcpy(p + DESC_OFF_NAME, t[i].name, strlen(t[i].name));
        put_u32(p + DESC_OFF_NDIM, (uint32_t)t[i].ndim);
        for (int d = 0; d < 4; d++)
            put_u32(p + DESC_OFF_DIMS + 4 * d, d < t[i].ndim ? (uint32_t)t[i].dims[d] : 1);
    }
    uint8_t *weights = p;
    for (int i = 0; i < count; i++)
        for (size_t j = 0; j < t[i].p->n; j++, p += 4)
            put_f32(p, t[i].p->v[j]);
    uint64_t hash = hash64_update(HASH64_INIT, weights, (size_t)(p - weights));
    if (opt) {
        put_u64(p, opt->adam_t);
        p += 8;
        for (size_t j = 0; j < floats; j++, p += 4)
            put_f32(p, opt->m[j]);
        for (size_t j = 0; j < floats; j++, p += 4)
            put_f32(p, opt->v[j]);
    }
    put_u64(p, hash);
    p += 8;
    put_u32(p, crc32_update(0, buf, (size_t)(p - buf)));
    *out = buf;
    *out_size = size;
    return 0;
}

static int floats_finite(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(get_f32(p + 4 * i)))
            return 0;
    return 1;
}

int model_file_read(const uint8_t *data, size_t size, LossyNet *net, char id[LATM_ID_LEN + 1],
                    uint64_t *hash, uint64_t *steps, ModelOptState *opt, char *note,
                    size_t note_cap)
{
    memset(net, 0, sizeof *net);
    if (opt)
        memset(opt, 0, sizeof *opt);
    if (!data || size < 8)
        return LAT_ERR_TRUNCATED;
    if (memcmp(data, latm_magic, 8) != 0)
        return LAT_ERR_BAD_MAGIC;
    if (size < LATM_OFF_LAMBDAS)
        return LAT_ERR_TRUNCATED;
    if (get_u32(data + LATM_OFF_VERSION) != LATM_VERSION)
        return LAT_ERR_UNSUPPORTED_VERSION;
    const uint32_t flags = get_u32(data + LATM_OFF_FLAGS);
    if (flags & ~LATM_FLAG_OPTIMIZER)
        return LAT_ERR_BAD_MODEL;
    const uint32_t arch = get_u32(data + LATM_OFF_ARCH);
    if (!id_valid(data + LATM_OFF_ID)
        || (arch != LATM_ARCH_FACTORIZED && arch != LATM_ARCH_PER_LEVEL_PRIOR
            && arch != LATM_ARCH_HYPERPRIOR))
        return LAT_ERR_BAD_MODEL;
    const uint32_t n = get_u32(data + LATM_OFF_N), m = get_u32(data + LATM_OFF_M);
    const uint32_t l = get_u32(data + LATM_OFF_LEVELS);
    if (n < 1 || n > LOSSY_MAX_N || m < 1 || m > LOSSY_MAX_M || l < 1 || l > LOSSY_MAX_LEVELS)
        return LAT_ERR_BAD_MODEL;
    const uint32_t prior_sets = arch == LATM_ARCH_PER_LEVEL_PRIOR ? l : 1;
    const int count = arch == LATM_ARCH_HYPERPRIOR ? LOSSY_MAX_TENSORS : LOSSY_TENSORS;
    size_t pos = LATM_OFF_LAMBDAS + 4 * (size_t)l;
    if (size < pos + 4)
        return LAT_ERR_TRUNCATED;
    const uint32_t note_len = get_u32(data + pos);
    if (note_len > LATM_MAX_NOTE)
        return LAT_ERR_BAD_MODEL;
    const size_t note_pos = pos + 4;
    pos = note_pos + note_len;
    const uint64_t floats = arch_float_count(arch, n, m, l);
    const uint64_t expect = (uint64_t)pos + 4 + DESC_SIZE * (uint64_t)count + 4 * floats
                          + ((flags & LATM_FLAG_OPTIMIZER) ? 8 + 8 * floats : 0) + LATM_TRAILER_SIZE;
    if (size < expect)
        return LAT_ERR_TRUNCATED;
    if (size > expect)
        return LAT_ERR_BAD_MODEL;   /* trailing bytes */
    if (crc32_update(0, data, size - 4) != get_u32(data + size - 4))
        return LAT_ERR_BAD_MODEL;
    if (get_u32(data + pos) != (uint32_t)count)
        return LAT_ERR_BAD_MODEL;
    const size_t desc_pos = pos + 4;
    const size_t weights_pos = desc_pos + DESC_SIZE * (size_t)count;
    const size_t weights_size = 4 * (size_t)floats;
    const uint64_t stored_hash = get_u64(data + size - LATM_TRAILER_SIZE);
    const uint64_t h = hash64_update(HASH64_INIT, data + weights_pos, weights_size);
    if (h != stored_hash)
        return LAT_ERR_BAD_MODEL;
    float lambdas[LOSSY_MAX_LEVELS];
    for (uint32_t i = 0; i < l; i++) {
        lambdas[i] = get_f32(data + LATM_OFF_LAMBDAS + 4 * i);
        if (!isfinite(lambdas[i]) || lambdas[i] <= 0)
            return LAT_ERR_BAD_MODEL;
    }
    if (!floats_finite(data + weights_pos, (size_t)floats))
        return LAT_ERR_BAD_MODEL;

    Rng rng;
    rng_seed(&rng, 1);
    if (lossy_net_init(net, (int)n, (int)m, (int)l, lambdas, (int)prior_sets, &rng) < 0)
        return LAT_ERR_OUT_OF_MEMORY;
    if (arch == LATM_ARCH_HYPERPRIOR && lossy_net_to_hyper(net, (int)l, lambdas, &rng) < 0) {
        lossy_net_free(net);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    NetTensor t[LOSSY_MAX_TENSORS];
    lossy_net_tensors(net, t);
    const uint8_t *w = data + weights_pos;
    for (int i = 0; i < count; i++) {
        const uint8_t *d = data + desc_pos + (size_t)DESC_SIZE * i;
        char name[17];
        memcpy(name, d + DESC_OFF_NAME, 16);
        name[16] = 0;
        int ok = strncmp(name, t[i].name, 16) == 0 && (int)get_u32(d + DESC_OFF_NDIM) == t[i].ndim;
        for (int k = 0; k < 4 && ok; k++)
            ok = get_u32(d + DESC_OFF_DIMS + 4 * k) == (k < t[i].ndim ? (uint32_t)t[i].dims[k] : 1u);
        for (int k = (int)strlen(name); k < 16 && ok; k++)
            ok = d[k] == 0;
        if (!ok) {
            lossy_net_free(net);
            return LAT_ERR_BAD_MODEL;
        }
        for (size_t j = 0; j < t[i].p->n; j++, w += 4)
            t[i].p->v[j] = get_f32(w);
    }
    if (opt && (flags & LATM_FLAG_OPTIMIZER)) {
        const uint8_t *o = data + weights_pos + weights_size;
        opt->adam_t = get_u64(o);
        opt->count = (size_t)floats;
        opt->m = malloc(weights_size);
        opt->v = malloc(weights_size);
        if (!opt->m || !opt->v) {
            model_opt_state_free(opt);
            lossy_net_free(net);
            return LAT_ERR_OUT_OF_MEMORY;
        }
        o += 8;
        for (size_t j = 0; j < floats; j++)
            opt->m[j] = get_f32(o + 4 * j);
        o += weights_size;
        for (size_t j = 0; j < floats; j++)
            opt->v[j] = get_f32(o + 4 * j);
    }
    memcpy(id, data + LATM_OFF_ID, LATM_ID_LEN);
    id[LATM_ID_LEN] = 0;
    *hash = stored_hash;
    if (steps)
        *steps = get_u64(data + LATM_OFF_STEPS);
    if (note && note_cap > 0) {
        size_t k = note_len < note_cap - 1 ? note_len : note_cap - 1;
        memcpy(note, data + note_pos, k);
        note[k] = 0;
    }
    return 0;
}
