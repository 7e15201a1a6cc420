/* Residual tokens of lossless mode v1 (docs/FORMAT.md 3.4).
 *
 * A residual z (zigzag, z < range) becomes one token byte, coded in its
 * context group's stream, plus 0..13 raw bits in the extra-bits stream:
 *   direct planes (range <= 256): token = z, no extra bits;
 *   other planes: z < 128 -> token z; else with n = floor(log2 z):
 *   token = 128 + 8*(n-7) + the 3 bits below the leading one, and the
 *   remaining n-3 low bits go to the extra stream (LSB first). */
#ifndef LAT_TOKENS_H
#define LAT_TOKENS_H
#include <stddef.h>
#include <stdint.h>

#define TOKEN_DIRECT_LIMIT 128u
#define TOKEN_MAX_LOG2 16        /* z < 2^17: 16-bit chroma after YCoCg-R */

/* Growable byte buffer; on allocation failure `failed` is set and bytes are
 * dropped, so callers check once at the end. */
typedef struct ByteBuf {
    uint8_t *data;
    size_t size, cap;
    int failed;
} ByteBuf;

void bytebuf_push(ByteBuf *b, uint8_t v);

/* LSB-first bit writer over a ByteBuf. */
typedef struct BitWriter {
    ByteBuf buf;
    uint64_t acc;
    int nbits;
} BitWriter;
void bitwriter_put(BitWriter *w, uint32_t bits, int n);   /* n <= 24 */
void bitwriter_flush(BitWriter *w);                       /* pads with zero bits */

typedef struct BitReader {
    const uint8_t *data;
    size_t size, pos;
    uint64_t acc;
    int nbits;
    int overrun;         /* set when reading past the end */
} BitReader;
void bitreader_init(BitReader *r, const uint8_t *data, size_t size);
uint32_t bitreader_get(BitReader *r, int n);             /* n <= 24 */

/* Splits z into a token and extra bits (count in *nextra). */
static inline uint8_t token_encode(uint32_t z, int direct, uint32_t *extra, int *nextra)
{
    if (direct || z < TOKEN_DIRECT_LIMIT) {
        *nextra = 0;
        *extra = 0;
        return (uint8_t)z;
    }
    int n = 0;
    for (uint32_t v = z; v > 1; v >>= 1)
        n++;
    *nextra = n - 3;
    *extra = z & ((1u << (n - 3)) - 1);
    return (uint8_t)(TOKEN_DIRECT_LIMIT + 8 * (n - 7) + ((z >> (n - 3)) & 7));
}

#endif
