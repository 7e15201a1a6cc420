#include <stdlib.h>
#include "lossless/tokens.h"

void bytebuf_push(ByteBuf *b, uint8_t v)
{
    if (b->size == b->cap) {
        if (b->failed)
            return;
        size_t cap = b->cap ? b->cap * 2 : 4096;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    b->data[b->size++] = v;
}

void bitwriter_put(BitWriter *w, uint32_t bits, int n)
{
    w->acc |= (uint64_t)bits << w->nbits;
    w->nbits += n;
    while (w->nbits >= 8) {
        bytebuf_push(&w->buf, (uint8_t)w->acc);
        w->acc >>= 8;
        w->nbits -= 8;
    }
}

void bitwriter_flush(BitWriter *w)
{
    if (w->nbits > 0)
        bytebuf_push(&w->buf, (uint8_t)w->acc);
    w->acc = 0;
    w->nbits = 0;
}

void bitreader_init(BitReader *r, const uint8_t *data, size_t size)
{
    r->data = data;
    r->size = size;
    r->pos = 0;
    r->acc = 0;
    r->nbits = 0;
    r->overrun = 0;
}

uint32_t bitreader_get(BitReader *r, int n)
{
    while (r->nbits < n) {
        if (r->pos < r->size) {
            r->acc |= (uint64_t)r->data[r->pos++] << r->nbits;
        } else {
            r->overrun = 1;
        }
        r->nbits += 8;
    }
    uint32_t v = (uint32_t)(r->acc & ((1u << n) - 1));
    r->acc >>= n;
    r->nbits -= n;
    return v;
}
