/* Fuzz target 3: arbitrary bytes as a lossy model file (.latm) through
 * lossy_model_load. A model that loads must be usable: it encodes and
 * decodes a 20x12 RGB image without error (the output is not checked, an
 * arbitrary model is not a good one).
 * The content hash and the file CRC stop most mutations, so an input whose
 * layout is recognisable is also tried with both recomputed (docs/FORMAT.md
 * section 5 gives the layout). */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "lossy/lossy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void load_and_use(const uint8_t *data, size_t size)
{
    LossyModel *m;
    if (lossy_model_load(data, size, &m) != LAT_OK)
        return;
    (void)lossy_model_id(m);
    (void)lossy_model_hash(m);
    /* Keep the convolutions small: bounded N and M only. */
    if (lossy_model_channels(m) <= 64) {
        enum { W = 20, H = 12 };
        static uint8_t px[W * H * 3], out[W * H * 3];
        for (int i = 0; i < W * H * 3; i++)
            px[i] = (uint8_t)(i * 37 + i / 60 * 11);
        StreamList l;
        memset(&l, 0, sizeof l);
        int quality = (int)(size % 101);
        if (lossy_encode(m, px, W, H, 3, quality, &l) == LAT_OK) {
            if (lossy_decode(m, &l, W, H, 3, out) != LAT_OK)
                abort();   /* what the model encodes it must decode */
        }
        streams_free(&l);
    }
    lossy_model_free(m);
}

/* Recomputes the content hash and the CRC where the header says they are. */
static int fix_checksums(uint8_t *d, size_t size)
{
    if (size < 84 || memcmp(d, "LATM\r\n\x1a\n", 8) != 0)
        return -1;
    uint64_t levels = get_u32(d + 60);
    if (levels > 16)
        return -1;
    uint64_t pos = 72 + 4 * levels;
    if (pos + 4 > size)
        return -1;
    uint64_t note = get_u32(d + pos);
    pos += 4 + note;
    if (note > 4096 || pos + 4 > size)
        return -1;
    uint64_t tensors = get_u32(d + pos);
    pos += 4 + 36 * tensors;
    if (tensors > 64 || pos + 12 > size)
        return -1;
    /* The weights run to the hash (and the optimizer state, when flagged,
     * is inside the hashed range's tail: the hash covers weights only). */
    uint64_t end = size - 12;
    if (get_u32(d + 12) & 1u) {
        uint64_t opt = end - pos;   /* = 4P + 8 + 8P */
        if (opt < 8 || (opt - 8) % 12 != 0)
            return -1;
        end = pos + (opt - 8) / 3;
    }
    put_u64(d + size - 12, hash64_update(HASH64_INIT, d + pos, (size_t)(end - pos)));
    put_u32(d + size - 4, crc32_update(0, d, size - 4));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 21))
        return 0;
    load_and_use(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (fix_checksums(copy, size) == 0 && memcmp(copy, data, size) != 0)
        load_and_use(copy, size);
    free(copy);
    return 0;
}
