/* A binary adaptive range coder (the LZMA construction: 32-bit range,
 * carry propagation through a cached byte). Integer only, so encoder and
 * decoder agree on every machine. docs/FORMAT.md section 4.3 specifies it
 * bit for bit.
 *
 * Two kinds of context:
 * - RcBit (latent group format 4): the probability that the next bit is 0,
 *   in units of 1/4096 (always 1..4095), and an update count that makes a
 *   new context adapt fast (shift 2, 3, 4, then 5).
 * - RcBit2 (format 5): two estimates of that probability in units of
 *   1/32768, one adapting fast (shift up to 6) and one slowly (up to 8);
 *   a bit is coded with their mean. The shift grows with the update count
 *   as floor(log2(n + 2)), so a new context learns like a running average. */
#ifndef LAT_COMMON_RANGE_CODER_H
#define LAT_COMMON_RANGE_CODER_H
#include <stddef.h>
#include <stdint.h>

typedef struct RcBit {
    uint16_t p0;
    uint8_t n;
} RcBit;
#define RC_BIT_INIT {2048, 0}

typedef struct RcBit2 {
    uint16_t fast, slow;    /* probability of 0, 1..32767 of 32768 */
    uint8_t n;              /* updates so far, stops at 255 */
} RcBit2;
#define RC_BIT2_INIT {16384, 16384, 0}

typedef struct RcEncoder {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t pending;       /* cache byte plus the 0xFF bytes behind it */
    uint8_t *buf;
    size_t size, cap;
    int failed;             /* out of memory */
} RcEncoder;

void rc_enc_init(RcEncoder *e);
void rc_enc_bit(RcEncoder *e, RcBit *ctx, int bit);
void rc_enc_bit2(RcEncoder *e, RcBit2 *ctx, int bit);
void rc_enc_bypass(RcEncoder *e, int bit);   /* probability 1/2, no context */
/* A symbol of a frequency table totalling 2^16: its cumulative frequency
 * cum and frequency freq (freq >= 1, cum + freq <= 2^16). */
void rc_enc_freq(RcEncoder *e, uint32_t cum, uint32_t freq);
/* A bit with a caller-modelled probability of zero p0 in units of 1/2^bits
 * (1 <= p0 <= 2^bits - 1, bits <= 16); no context is adapted. */
void rc_enc_prob(RcEncoder *e, uint32_t p0, int bits, int bit);
/* Flushes; on success *out (malloc'd, owned by the caller) and *size hold
 * the coded bytes. Returns 0 or -1 (out of memory; nothing to free). */
int rc_enc_finish(RcEncoder *e, uint8_t **out, size_t *size);

typedef struct RcDecoder {
    uint32_t range, code;
    uint32_t unit;          /* range >> 16 of the frequency symbol being decoded */
    const uint8_t *data;
    size_t size, pos;
    int overrun;            /* read past the end: the stream is corrupt */
} RcDecoder;

/* Returns -1 when the stream cannot be a range-coder stream (shorter than
 * 5 bytes or first byte non-zero). */
int rc_dec_init(RcDecoder *d, const uint8_t *data, size_t size);
int rc_dec_bit(RcDecoder *d, RcBit *ctx);
int rc_dec_bit2(RcDecoder *d, RcBit2 *ctx);
int rc_dec_bypass(RcDecoder *d);
/* Frequency-table symbols in two calls: rc_dec_freq_target gives a value
 * in [0, 2^16); the caller finds the symbol whose [cum, cum + freq) holds
 * it and passes its cum and freq to rc_dec_freq_update. */
uint32_t rc_dec_freq_target(RcDecoder *d);
void rc_dec_freq_update(RcDecoder *d, uint32_t cum, uint32_t freq);
int rc_dec_prob(RcDecoder *d, uint32_t p0, int bits);
/* A valid stream is consumed exactly: 0, else -1. */
int rc_dec_finish(const RcDecoder *d);

#endif
