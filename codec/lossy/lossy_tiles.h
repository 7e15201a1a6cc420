/* Tiles of the latent grid (bounded memory for large images): the
 * transforms run tile by tile with a halo, which gives the untiled result
 * exactly. Shared by
 * inference (lossy_model.c) and the encoder's refinement (synthesis_grad.c). */
#ifndef LAT_LOSSY_TILES_H
#define LAT_LOSSY_TILES_H

/* Four 5x5 stride-2 layers: a latent depends on the pixels within 30 of its
 * 16x16 block, a pixel on the latents within 30 pixels (< 2 latents) of its
 * own. Tiles with a halo of 2 latents on each side, aligned to the 16-pixel
 * grid, therefore give the untiled result exactly (the kernels' fixed
 * order; tests/test_lossy_coding.c checks it; a halo of 1 fails). */
#define LOSSY_ANALYSIS_HALO 2
#define LOSSY_SYNTHESIS_HALO 2

/* Default tile side in latents: 32 (512 pixels) keeps the synthesis scratch
 * near 55 MB (64: 2.4 times that) for about 20% more CPU than 64, the
 * halo's share (docs/FUZZING.md, peak memory). */
#define DEFAULT_TILE_LATENTS 32

/* Tile side in latents along a dimension of len latents: at most `tile`
 * (0: the default), split evenly so that no thin last tile pays a full halo
 * for a few latents; one tile when the dimension fits. */
static inline int tile_step(int len, int tile)
{
    const int T = tile > 0 ? tile : DEFAULT_TILE_LATENTS;
    const int n = (len + T - 1) / T;
    return n > 1 ? (len + n - 1) / n : len;
}

/* A tile: latent rows [r0, r1) x columns [c0, c1), processed with the
 * halo rows [tr0, tr1) x columns [tc0, tc1) (clipped to the image). */
typedef struct Tile {
    int r0, r1, c0, c1, tr0, tr1, tc0, tc1;
} Tile;

static inline Tile tile_at(int r0, int c0, int TR, int TC, int lh, int lw, int halo)
{
    Tile t = {r0, r0 + TR < lh ? r0 + TR : lh, c0, c0 + TC < lw ? c0 + TC : lw, 0, 0, 0, 0};
    t.tr0 = r0 - halo > 0 ? r0 - halo : 0;
    t.tc0 = c0 - halo > 0 ? c0 - halo : 0;
    t.tr1 = t.r1 + halo < lh ? t.r1 + halo : lh;
    t.tc1 = t.c1 + halo < lw ? t.c1 + halo : lw;
    return t;
}

#endif
