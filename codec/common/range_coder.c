/* Binary adaptive range coder (range_coder.h). */
#include "common/range_coder.h"

#include <stdlib.h>

#define PROB_BITS 12      /* RcBit */
#define PROB2_BITS 15     /* RcBit2 */
#define FAST_SHIFT 6
#define SLOW_SHIFT 8
#define TOP (1u << 24)

static void adapt(RcBit *c, int bit)
{
    const int shift = c->n < 3 ? 2 + c->n : 5;
    if (c->n < 3)
        c->n++;
    /* Stays within 1..4095: the step is always smaller than the distance. */
    if (bit)
        c->p0 = (uint16_t)(c->p0 - (c->p0 >> shift));
    else
        c->p0 = (uint16_t)(c->p0 + (((1u << PROB_BITS) - c->p0) >> shift));
}

/* One estimate of an RcBit2 moves 1/2^shift of the way to the bit; it
 * stays within 1..32767 (the step never reaches the distance). */
static uint16_t adapt15(uint16_t p0, int bit, int shift)
{
    if (bit)
        return (uint16_t)(p0 - (p0 >> shift));
    return (uint16_t)(p0 + (((1u << PROB2_BITS) - p0) >> shift));
}

/* floor(log2(n + 2)) capped at max: early updates weigh like a running
 * average, later ones decay geometrically. */
static int count_shift(int n, int max)
{
    const int s = 31 - __builtin_clz((unsigned)n + 2u);
    return s < max ? s : max;
}

static void adapt2(RcBit2 *c, int bit)
{
    c->fast = adapt15(c->fast, bit, count_shift(c->n, FAST_SHIFT));
    c->slow = adapt15(c->slow, bit, count_shift(c->n, SLOW_SHIFT));
    if (c->n < 255)
        c->n++;
}

/* The coded probability: the mean of the two estimates (1..32767). */
static uint32_t p0_of(const RcBit2 *c) { return ((uint32_t)c->fast + c->slow) >> 1; }

void rc_enc_init(RcEncoder *e)
{
    e->low = 0;
    e->range = 0xFFFFFFFFu;
    e->cache = 0;
    e->pending = 1;
    e->buf = NULL;
    e->size = e->cap = 0;
    e->failed = 0;
}

static void put_byte(RcEncoder *e, uint8_t b)
{
    if (e->failed)
        return;
    if (e->size == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 4096;
        uint8_t *nb = realloc(e->buf, cap);
        if (!nb) {
            e->failed = 1;
            return;
        }
        e->buf = nb;
        e->cap = cap;
    }
    e->buf[e->size++] = b;
}

/* Emits the top byte of low, holding back 0xFF bytes until a carry into
 * them is ruled out. */
static void shift_low(RcEncoder *e)
{
    if ((uint32_t)e->low < 0xFF000000u || (e->low >> 32) != 0) {
        const uint8_t carry = (uint8_t)(e->low >> 32);
        uint8_t b = e->cache;
        do {
            put_byte(e, (uint8_t)(b + carry));
            b = 0xFF;
        } while (--e->pending != 0);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->pending++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

/* p0 is in units of 1/2^bits. */
static void encode(RcEncoder *e, uint32_t p0, int bits, int bit)
{
    const uint32_t bound = (e->range >> bits) * p0;
    if (bit) {
        e->low += bound;
        e->range -= bound;
    } else {
        e->range = bound;
    }
    while (e->range < TOP) {
        e->range <<= 8;
        shift_low(e);
    }
}

void rc_enc_bit(RcEncoder *e, RcBit *ctx, int bit)
{
    encode(e, ctx->p0, PROB_BITS, bit);
    adapt(ctx, bit);
}

void rc_enc_bit2(RcEncoder *e, RcBit2 *ctx, int bit)
{
    encode(e, p0_of(ctx), PROB2_BITS, bit);
    adapt2(ctx, bit);
}

void rc_enc_bypass(RcEncoder *e, int bit) { encode(e, 1u << (PROB_BITS - 1), PROB_BITS, bit); }

#define FREQ_BITS 16

void rc_enc_freq(RcEncoder *e, uint32_t cum, uint32_t freq)
{
    const uint32_t unit = e->range >> FREQ_BITS;
    e->low += (uint64_t)unit * cum;
    e->range = unit * freq;
    while (e->range < TOP) {
        e->range <<= 8;
        shift_low(e);
    }
}

void rc_enc_prob(RcEncoder *e, uint32_t p0, int bits, int bit) { encode(e, p0, bits, bit); }

int rc_enc_finish(RcEncoder *e, uint8_t **out, size_t *size)
{
    for (int i = 0; i < 5; i++)
        shift_low(e);
    if (e->failed) {
        free(e->buf);
        e->buf = NULL;
        return -1;
    }
    *out = e->buf;
    *size = e->size;
    e->buf = NULL;
    return 0;
}

static uint8_t next_byte(RcDecoder *d)
{
    if (d->pos < d->size)
        return d->data[d->pos++];
    d->overrun = 1;
    return 0;
}

int rc_dec_init(RcDecoder *d, const uint8_t *data, size_t size)
{
    d->data = data;
    d->size = size;
    d->pos = 0;
    d->overrun = 0;
    d->range = 0xFFFFFFFFu;
    d->code = 0;
    d->unit = 0;
    if (size < 5 || data[0] != 0)
        return -1;
    d->pos = 1;
    for (int i = 0; i < 4; i++)
        d->code = (d->code << 8) | next_byte(d);
    return 0;
}

static int decode(RcDecoder *d, uint32_t p0, int bits)
{
    const uint32_t bound = (d->range >> bits) * p0;
    int bit;
    if (d->code < bound) {
        d->range = bound;
        bit = 0;
    } else {
        d->code -= bound;
        d->range -= bound;
        bit = 1;
    }
    while (d->range < TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | next_byte(d);
    }
    return bit;
}

int rc_dec_bit(RcDecoder *d, RcBit *ctx)
{
    const int bit = decode(d, ctx->p0, PROB_BITS);
    adapt(ctx, bit);
    return bit;
}

int rc_dec_bit2(RcDecoder *d, RcBit2 *ctx)
{
    const int bit = decode(d, p0_of(ctx), PROB2_BITS);
    adapt2(ctx, bit);
    return bit;
}

int rc_dec_bypass(RcDecoder *d) { return decode(d, 1u << (PROB_BITS - 1), PROB_BITS); }

uint32_t rc_dec_freq_target(RcDecoder *d)
{
    d->unit = d->range >> FREQ_BITS;
    const uint32_t t = d->code / d->unit;
    /* Only a corrupt stream points past the table. */
    return t < (1u << FREQ_BITS) ? t : (1u << FREQ_BITS) - 1;
}

void rc_dec_freq_update(RcDecoder *d, uint32_t cum, uint32_t freq)
{
    d->code -= d->unit * cum;
    d->range = d->unit * freq;
    while (d->range < TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | next_byte(d);
    }
}

int rc_dec_prob(RcDecoder *d, uint32_t p0, int bits) { return decode(d, p0, bits); }

int rc_dec_finish(const RcDecoder *d) { return (!d->overrun && d->pos == d->size) ? 0 : -1; }
