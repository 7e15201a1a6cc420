/* The public API (codec/include/lat.h): settings, context with lazy model
 * loading, encode/decode dispatch to the lossless and lossy modes, inspect,
 * error strings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "common/bytes.h"
#include "common/checksum.h"
#include "common/limits.h"
#include "common/streams.h"
#include "container/container.h"
#include "lossless/lossless.h"
#include "lossy/lossy.h"
#include "model_search.h"
#include "rate_search.h"
#include "nn/blas_kernel.h"
#include "nn/nn.h"

struct LatContext {
    LatSettings settings;      /* its pointers cleared: what they point to is in models */
    ModelSearch models;        /* the given model and the model folders */
    void (*progress)(void *user, double done);   /* lat_set_progress */
    void *progress_user;
};

#define LAT_STRINGIFY_(x) #x
#define LAT_STRINGIFY(x) LAT_STRINGIFY_(x)

const char *lat_version(void)
{
    return LAT_STRINGIFY(LAT_VERSION_MAJOR) "." LAT_STRINGIFY(LAT_VERSION_MINOR) "."
           LAT_STRINGIFY(LAT_VERSION_PATCH);
}

const char *lat_strerror(int err)
{
    switch (err) {
    case LAT_OK: return "Success.";
    case LAT_ERR_INVALID_ARGUMENT: return "Invalid argument: a required pointer is NULL or a setting or image field is out of range; check the call.";
    case LAT_ERR_OUT_OF_MEMORY: return "Out of memory: free memory or try a smaller image.";
    case LAT_ERR_TRUNCATED: return "The file is truncated: it ends before the data it declares; fetch or copy it again.";
    case LAT_ERR_BAD_MAGIC: return "Not a .lat file (bad magic bytes); check that the right file was given.";
    case LAT_ERR_UNSUPPORTED_VERSION: return "The file uses a format version this decoder does not support; upgrade lat.";
    case LAT_ERR_UNKNOWN_FIELD: return "The file uses a mode, flag, field value or stream type this decoder does not know; upgrade lat or check the file.";
    case LAT_ERR_HEADER_CHECKSUM: return "The file header is corrupted (checksum mismatch); the file cannot be trusted, obtain a fresh copy.";
    case LAT_ERR_STREAM_CORRUPT: return "A compressed stream in the file is corrupted (decoding or checksum failed); obtain a fresh copy.";
    case LAT_ERR_LIMIT_EXCEEDED: return "The image or file exceeds a format limit (dimensions, pixel count, stream count or size); raise max_pixels if the input is trusted.";
    case LAT_ERR_BAD_DIMENSIONS: return "Invalid image dimensions: width and height must be at least 1 and sizes consistent.";
    case LAT_ERR_NO_MODEL: return "The lossy model needed (the default one to encode, the file's own to decode) is not installed in any model folder; install it or give its file (or use lossless mode).";
    case LAT_ERR_MODEL_MISMATCH: return "The model folders hold a model of the id needed but with other weights (another hash); install the model the file names (see lat info).";
    case LAT_ERR_BAD_MODEL: return "The model file is malformed or corrupted; reinstall it.";
    case LAT_ERR_UNSUPPORTED_IMAGE: return "Unsupported image: channels must be 1 to 4 and bit depth 8 or 16.";
    case LAT_ERR_IO: return "Reading a model file failed; check its path and permissions.";
    case LAT_ERR_INTERNAL: return "Internal error in lat; please report it with the input that caused it.";
    case LAT_ERR_TRAILING_DATA: return "The file has extra bytes after its last stream; it is damaged or was concatenated with other data.";
    case LAT_ERR_TARGET_UNREACHABLE: return "No quality meets the target: quality 0 is larger than the size asked for, or quality 100 stays below the PSNR asked for.";
    default: return "Unknown error code.";
    }
}

void lat_free(void *p)
{
    free(p);
}

void lat_image_free(LatImage *img)
{
    if (!img)
        return;
    free(img->pixels);
    free(img->icc);
    free(img->exif);
    free(img->xmp);
    memset(img, 0, sizeof *img);
}

void lat_default_settings(LatSettings *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    s->quality = 75;
    s->max_pixels = LAT_DEFAULT_MAX_PIXELS;
}

int lat_open(LatContext **c, const LatSettings *s)
{
    if (!c)
        return LAT_ERR_INVALID_ARGUMENT;
    *c = NULL;
    LatSettings def;
    if (!s) {
        lat_default_settings(&def);
        s = &def;
    }
    if (s->quality < 0 || s->quality > 100 || s->threads < 0 || s->effort < 0
        || s->effort > LAT_MAX_EFFORT)
        return LAT_ERR_INVALID_ARGUMENT;
    if ((s->model_data && !s->model_size) || (!s->model_data && s->model_size))
        return LAT_ERR_INVALID_ARGUMENT;
    LatContext *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = model_search_init(&ctx->models, s);
    if (err < 0) {
        free(ctx);
        return err;
    }
    ctx->settings = *s;
    if (ctx->settings.max_pixels == 0)
        ctx->settings.max_pixels = LAT_DEFAULT_MAX_PIXELS;
    ctx->settings.model_path = ctx->settings.model_dir = NULL;
    ctx->settings.model_data = NULL;
    *c = ctx;
    return LAT_OK;
}

void lat_close(LatContext **c)
{
    if (!c || !*c)
        return;
    model_search_free(&(*c)->models);
    free(*c);
    *c = NULL;
}

/* ---- model search (model_search.c) ----------------------------------- */

const char *lat_model_dir(const LatContext *c, int i)
{
    return c ? model_search_dir(&c->models, i) : NULL;
}

const char *lat_model_error(const LatContext *c)
{
    return c ? c->models.message : "";
}

int lat_find_model(LatContext *c, const char *id, uint64_t hash, const char **where)
{
    if (where)
        *where = NULL;
    if (!c || !id)
        return LAT_ERR_INVALID_ARGUMENT;
    const LossyModel *m;
    int err = model_search_find(&c->models, id, hash, &m);
    if (err >= 0 && where)
        *where = model_search_path(&c->models, m);
    return err;
}

/* ---- threads ----------------------------------------------------------- */

/* The threads of c's calls: LatSettings.threads, 0 = all cores. */
static int context_threads(const LatContext *c)
{
    return c->settings.threads > 0 ? c->settings.threads : nn_cpu_count();
}

/* ---- OpenBLAS kernel ----------------------------------------------------- */

int lat_blas_kernel(LatBlasKernel *k)
{
    if (!k)
        return LAT_ERR_INVALID_ARGUMENT;
    memset(k, 0, sizeof *k);
    const char *best = nn_blas_kernel_best();
    const char *env = getenv("OPENBLAS_CORETYPE");
    snprintf(k->in_use, sizeof k->in_use, "%s", nn_blas_kernel_in_use());
    snprintf(k->best, sizeof k->best, "%s", best ? best : "");
    k->coretype_set = env && *env;
    k->below_best = best && nn_blas_kernel_below(k->in_use, best);
    snprintf(k->text, sizeof k->text, "%s (best for this CPU: %s%s%.32s%s)", k->in_use,
             best ? best : "none known", k->coretype_set ? "; OPENBLAS_CORETYPE=" : "",
             k->coretype_set ? env : "",
             !k->below_best ? "" : k->coretype_set ? ", kept though slower" : ", slower");
    return LAT_OK;
}

/* ---- encode ------------------------------------------------------------ */

static size_t image_bytes(uint32_t w, uint32_t h, uint32_t channels, uint32_t bit_depth)
{
    return (size_t)w * h * channels * (bit_depth / 8);
}

static int image_validate(const LatContext *c, const LatImage *img)
{
    if (!img->pixels)
        return LAT_ERR_INVALID_ARGUMENT;
    if (img->channels < 1 || img->channels > 4 || (img->bit_depth != 8 && img->bit_depth != 16))
        return LAT_ERR_UNSUPPORTED_IMAGE;
    if (img->width == 0 || img->height == 0)
        return LAT_ERR_BAD_DIMENSIONS;
    if (img->width > LAT_MAX_DIMENSION || img->height > LAT_MAX_DIMENSION
        || (uint64_t)img->width * img->height > c->settings.max_pixels)
        return LAT_ERR_LIMIT_EXCEEDED;
    if ((img->icc_size && !img->icc) || (img->exif_size && !img->exif) ||
        (img->xmp_size && !img->xmp))
        return LAT_ERR_INVALID_ARGUMENT;
    if ((img->colour.flags & ~(LAT_COLOUR_GAMMA | LAT_COLOUR_CHROMA | LAT_COLOUR_SRGB)) ||
        ((img->colour.flags & LAT_COLOUR_SRGB) && img->colour.srgb_intent > 3))
        return LAT_ERR_INVALID_ARGUMENT;
    return LAT_OK;
}

/* Lossy input: 8-bit colour planes (gray or RGB) and, if present, alpha. */
static int lossy_split(const LatImage *img, uint8_t **colour, uint8_t **alpha)
{
    uint32_t cc = img->channels >= 3 ? 3 : 1;
    int has_alpha = img->channels == 2 || img->channels == 4;
    size_t n = (size_t)img->width * img->height;
    *colour = malloc(n * cc);
    *alpha = has_alpha ? malloc(n) : NULL;
    if (!*colour || (has_alpha && !*alpha)) {
        free(*colour);
        free(*alpha);
        *colour = *alpha = NULL;
        return LAT_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < img->channels; k++) {
            size_t s = i * img->channels + k;
            /* 16-bit input is rounded to 8 bits: lossy output is 8-bit. */
            uint8_t v = img->bit_depth == 8 ? ((const uint8_t *)img->pixels)[s]
                : (uint8_t)((((const uint16_t *)img->pixels)[s] * 255u + 32767u) / 65535u);
            if (k < cc)
                (*colour)[i * cc + k] = v;
            else
                (*alpha)[i] = v;
        }
    }
    return LAT_OK;
}

static int encode_lossy(LatContext *c, const LatImage *img, const LossyEncodeOptions *lo,
                        LatHeader *h, StreamList *l)
{
    const LossyModel *model;
    int err = model_search_default(&c->models, &model);
    if (err < 0)
        return err;
    /* 8-bit gray or RGB is analysed in place; other input is split (a copy). */
    const int direct = img->bit_depth == 8 && (img->channels == 1 || img->channels == 3);
    uint8_t *colour = NULL, *alpha = NULL;
    if (!direct && (err = lossy_split(img, &colour, &alpha)) < 0)
        return err;
    uint32_t cc = img->channels >= 3 ? 3 : 1;
    err = lossy_encode_opt(model, direct ? img->pixels : colour, img->width, img->height, cc,
                           lo, l);
    if (err >= 0 && alpha) {
        uint8_t *packed;
        size_t packed_size;
        err = lossless_encode_packed(alpha, img->width, img->height, 1, 8, context_threads(c),
                                     &packed, &packed_size);
        if (err >= 0 && streams_push(l, STREAM_ALPHA, packed, packed_size, LOSSLESS_ZSTD_LEVEL) < 0)
            err = LAT_ERR_LIMIT_EXCEEDED;
    }
    free(colour);
    free(alpha);
    h->mode = LAT_MODE_LOSSY;
    h->bit_depth = 8;
    h->quality = lo->quality;
    snprintf(h->model_id, sizeof h->model_id, "%s", lossy_model_id(model));
    h->model_hash = lossy_model_hash(model);
    return err;
}

/* The colour stream's bytes (docs/FORMAT.md section 2), little-endian. */
static void colour_pack(const LatColourInfo *c, uint8_t out[LAT_COLOUR_STREAM_SIZE])
{
    put_u32(out, c->flags);
    put_u32(out + 4, c->gamma);
    for (int i = 0; i < 8; i++)
        put_u32(out + 8 + 4 * i, c->chroma[i]);
    put_u32(out + 40, c->srgb_intent);
}

static int colour_unpack(const uint8_t *in, size_t size, LatColourInfo *c)
{
    if (size != LAT_COLOUR_STREAM_SIZE)
        return LAT_ERR_STREAM_CORRUPT;
    c->flags = get_u32(in);
    c->gamma = get_u32(in + 4);
    for (int i = 0; i < 8; i++)
        c->chroma[i] = get_u32(in + 8 + 4 * i);
    c->srgb_intent = get_u32(in + 40);
    if (c->flags == 0 || (c->flags & ~(LAT_COLOUR_GAMMA | LAT_COLOUR_CHROMA | LAT_COLOUR_SRGB)) ||
        c->srgb_intent > 3)
        return LAT_ERR_STREAM_CORRUPT;
    return LAT_OK;
}

/* Copies a metadata block into a stream (the list owns the copy). */
static int push_metadata(StreamList *l, uint32_t type, const uint8_t *data, size_t size)
{
    if (!size)
        return LAT_OK;
    if (size > LAT_MAX_METADATA_SIZE)
        return LAT_ERR_LIMIT_EXCEEDED;
    uint8_t *copy = malloc(size);
    if (!copy)
        return LAT_ERR_OUT_OF_MEMORY;
    memcpy(copy, data, size);
    return streams_push(l, type, copy, size, 19) < 0 ? LAT_ERR_LIMIT_EXCEEDED : LAT_OK;
}

/* lat_encode of a validated, packed image with these lossy options. */
static int encode_packed(LatContext *c, const LatImage *img, const LossyEncodeOptions *lo,
                         uint8_t **out, size_t *out_size)
{
    int err = LAT_OK;
    StreamList *l = calloc(1, sizeof *l);
    if (!l)
        return LAT_ERR_OUT_OF_MEMORY;
    LatHeader h;
    memset(&h, 0, sizeof h);
    h.width = img->width;
    h.height = img->height;
    h.channels = img->channels;
    h.bit_depth = img->bit_depth;
    h.quality = -1;
    h.mode = LAT_MODE_LOSSLESS;
    const int local = nn_set_local_threads(context_threads(c));
    if (c->settings.lossless) {
        err = lossless_encode(img->pixels, img->width, img->height, img->channels, img->bit_depth,
                              context_threads(c), l);
    } else {
        err = encode_lossy(c, img, lo, &h, l);
    }
    nn_set_local_threads(local);
    if (err >= 0 && !c->settings.strip_metadata) {
        err = push_metadata(l, STREAM_ICC, img->icc, img->icc_size);
        if (err >= 0)
            err = push_metadata(l, STREAM_EXIF, img->exif, img->exif_size);
        if (err >= 0)
            err = push_metadata(l, STREAM_XMP, img->xmp, img->xmp_size);
        if (err >= 0 && img->colour.flags) {
            uint8_t colour[LAT_COLOUR_STREAM_SIZE];
            colour_pack(&img->colour, colour);
            err = push_metadata(l, STREAM_COLOUR, colour, sizeof colour);
        }
    }
    if (err >= 0)
        err = container_write(&h, l, out, out_size);
    streams_free(l);
    free(l);
    return err;
}

void lat_default_encode_params(LatEncodeParams *p)
{
    if (!p)
        return;
    memset(p, 0, sizeof *p);
    p->quality = -1;
    p->effort = -1;
}

/* PSNR (dB) of the colour samples of dec against ref at 8 bits (gray or
 * RGB; alpha, coded losslessly, is left out); INFINITY when equal. */
static uint8_t sample8(const LatImage *img, size_t i);
static double colour_psnr(const LatImage *ref, const LatImage *dec)
{
    const size_t n = (size_t)ref->width * ref->height;
    const uint32_t cc = ref->channels >= 3 ? 3 : 1;
    double se = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < cc; k++) {
            const double d = (double)sample8(ref, i * ref->channels + k)
                           - sample8(dec, i * dec->channels + k);
            se += d * d;
        }
    return se > 0 ? 10.0 * log10(255.0 * 255.0 * (double)(n * cc) / se) : INFINITY;
}

/* One point of the rate search: img encoded at a level position. */
typedef struct RateJob {
    LatContext *c;
    const LatImage *img;
    const LossyModel *model;
    LossyEncodeOptions lo;
} RateJob;

static int rate_trial(void *ctx, int level, int want_psnr, RateTrial *r)
{
    RateJob *j = ctx;
    LossyEncodeOptions lo = j->lo;
    lo.level = level;
    lo.quality = lossy_level_quality(j->model, level);
    int err = encode_packed(j->c, j->img, &lo, &r->file, &r->size);
    if (err >= 0 && want_psnr) {
        LatImage back;
        if ((err = lat_decode(j->c, r->file, r->size, &back)) >= 0)
            r->psnr = colour_psnr(j->img, &back);
        lat_image_free(&back);
    }
    return err;
}

/* Rate control (lat.h): the search at effort 0, then the requested effort
 * at the point found, kept when it still meets the target. */
static int encode_to_target(LatContext *c, const LatImage *img, const LatEncodeParams *p,
                            const LossyEncodeOptions *lo, uint8_t **out, size_t *out_size)
{
    const LossyModel *model;
    int err = model_search_default(&c->models, &model);
    if (err < 0)
        return err;
    RateJob job = {c, img, model, *lo};
    job.lo.effort = 0;
    const RateTarget target = {p->target_size, p->target_psnr};
    RateTrial best;
    int level;
    err = rate_search(&target, lossy_quality_level(model, 0), lossy_quality_level(model, 100),
                      rate_trial, &job, &best, &level, NULL);
    if (err < 0)
        return err;
    if (lo->effort > 0) {
        RateTrial refined = {NULL, 0, 0};
        job.lo.effort = lo->effort;
        err = rate_trial(&job, level, p->target_psnr > 0, &refined);
        const int keep = err >= 0 && (p->target_size ? refined.size <= p->target_size
                                                     : refined.psnr >= p->target_psnr);
        if (keep) {
            free(best.file);
            best = refined;
        } else {
            free(refined.file);
        }
        if (err < 0) {
            free(best.file);
            return err;
        }
    }
    *out = best.file;
    *out_size = best.size;
    return LAT_OK;
}

/* A packed, validated image: one encode, or the rate search. */
static int encode_image(LatContext *c, const LatImage *img, const LatEncodeParams *p,
                        const LossyEncodeOptions *lo, uint8_t **out, size_t *out_size)
{
    if (p->target_size || p->target_psnr > 0)
        return encode_to_target(c, img, p, lo, out, out_size);
    return encode_packed(c, img, lo, out, out_size);
}

int lat_encode_image(LatContext *c, const LatImage *img, const LatEncodeParams *p,
                     uint8_t **out, size_t *out_size)
{
    if (!out || !out_size)
        return LAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    LatEncodeParams def;
    if (!p) {
        lat_default_encode_params(&def);
        p = &def;
    }
    if (!c || !img || p->quality < -1 || p->quality > 100 || p->effort < -1
        || p->effort > LAT_MAX_EFFORT)
        return LAT_ERR_INVALID_ARGUMENT;
    /* At most one target, a PSNR in (0, 200] dB, and none in lossless mode. */
    if ((p->target_size && p->target_psnr != 0) || !(p->target_psnr >= 0 && p->target_psnr <= 200)
        || ((p->target_size || p->target_psnr > 0) && c->settings.lossless))
        return LAT_ERR_INVALID_ARGUMENT;
    int err = image_validate(c, img);
    if (err < 0)
        return err;
    LossyEncodeOptions lo = lossy_encode_options(p->quality < 0 ? c->settings.quality
                                                                : p->quality);
    lo.effort = p->effort < 0 ? c->settings.effort : p->effort;
    lo.seed = p->seed;
    lo.progress = c->progress;
    lo.progress_ctx = c->progress_user;
    const size_t row = image_bytes(img->width, 1, img->channels, img->bit_depth);
    if (p->stride == 0 || p->stride == row)
        return encode_image(c, img, p, &lo, out, out_size);
    if (p->stride < row)
        return LAT_ERR_INVALID_ARGUMENT;
    /* Strided rows: one packed copy, so both modes read plain rows. */
    LatImage packed = *img;
    packed.pixels = malloc(row * img->height);
    if (!packed.pixels)
        return LAT_ERR_OUT_OF_MEMORY;
    for (uint32_t y = 0; y < img->height; y++)
        memcpy((uint8_t *)packed.pixels + y * row, (const uint8_t *)img->pixels + y * p->stride,
               row);
    err = encode_image(c, &packed, p, &lo, out, out_size);
    free(packed.pixels);
    return err;
}

int lat_set_progress(LatContext *c, void (*progress)(void *user, double done), void *user)
{
    if (!c)
        return LAT_ERR_INVALID_ARGUMENT;
    c->progress = progress;
    c->progress_user = user;
    return LAT_OK;
}

int lat_encode(LatContext *c, const LatImage *img, uint8_t **out, size_t *out_size)
{
    return lat_encode_image(c, img, NULL, out, out_size);
}

/* ---- decode ------------------------------------------------------------ */

static int decode_lossy(LatContext *c, const LatHeader *h, const StreamList *l, LatImage *img)
{
    if (h->bit_depth != 8)
        return LAT_ERR_UNSUPPORTED_IMAGE;
    const LossyModel *model;
    int err = model_search_find(&c->models, h->model_id, h->model_hash, &model);
    if (err < 0)
        return err;
    uint32_t cc = h->channels >= 3 ? 3 : 1;
    int has_alpha = h->channels == 2 || h->channels == 4;
    size_t n = (size_t)h->width * h->height;
    /* The colour goes straight into the image (no full-size copy), packed
     * at its start; with alpha it is spread out below. */
    uint8_t *px = img->pixels;
    uint8_t *alpha = has_alpha ? malloc(n) : NULL;
    if (has_alpha && !alpha)
        err = LAT_ERR_OUT_OF_MEMORY;
    if (err >= 0)
        err = lossy_decode(model, l, h->width, h->height, cc, px);
    if (err >= 0 && has_alpha) {
        const Stream *a = NULL;
        for (uint32_t i = 0; i < l->count; i++)
            if (l->s[i].type == STREAM_ALPHA)
                a = a ? NULL : &l->s[i];   /* exactly one */
        err = a ? lossless_decode_packed(a->data, a->size, h->width, h->height, 1, 8,
                                         context_threads(c), alpha)
                : LAT_ERR_STREAM_CORRUPT;
    }
    /* Interleave in place, last pixel first: pixel i moves from i*cc to
     * i*channels >= i*cc, over bytes already moved (last sample first). */
    if (err >= 0 && has_alpha)
        for (size_t i = n; i-- > 0;) {
            px[i * h->channels + cc] = alpha[i];
            for (uint32_t k = cc; k-- > 0;)
                px[i * h->channels + k] = px[i * cc + k];
        }
    free(alpha);
    return err;
}

/* Copies the metadata streams of the file into the image. */
static int take_metadata(StreamList *l, LatImage *img)
{
    for (uint32_t i = 0; i < l->count; i++) {
        Stream *s = &l->s[i];
        if (s->type == STREAM_COLOUR) {
            if (img->colour.flags)
                return LAT_ERR_STREAM_CORRUPT;   /* two colour streams */
            int err = colour_unpack(s->data, s->size, &img->colour);
            if (err < 0)
                return err;
            continue;
        }
        uint8_t **dst = s->type == STREAM_ICC ? &img->icc : s->type == STREAM_EXIF ? &img->exif
                      : s->type == STREAM_XMP ? &img->xmp : NULL;
        size_t *dsize = s->type == STREAM_ICC ? &img->icc_size : s->type == STREAM_EXIF
                      ? &img->exif_size : &img->xmp_size;
        if (!dst || s->size == 0)
            continue;
        if (*dst)
            return LAT_ERR_STREAM_CORRUPT;   /* two ICC, EXIF or XMP streams */
        *dst = s->data;                      /* ownership moves to the image */
        *dsize = s->size;
        s->data = NULL;
    }
    return LAT_OK;
}

/* Validates the arguments, then parses and decompresses a .lat file into a
 * new stream list (*out, freed by the caller with streams_free + free). */
static int read_file(LatContext *c, const uint8_t *data, size_t size, LatHeader *h,
                     StreamList **out)
{
    *out = NULL;
    if (!c || (!data && size))
        return LAT_ERR_INVALID_ARGUMENT;
    StreamList *l = calloc(1, sizeof *l);
    if (!l)
        return LAT_ERR_OUT_OF_MEMORY;
    int err = container_read(data, size, c->settings.max_pixels, h, l);
    if (err < 0) {
        streams_free(l);
        free(l);
        return err;
    }
    *out = l;
    return 0;
}

int lat_decode(LatContext *c, const uint8_t *data, size_t size, LatImage *img)
{
    if (!img)
        return LAT_ERR_INVALID_ARGUMENT;
    memset(img, 0, sizeof *img);
    LatHeader h;
    StreamList *l;
    int err = read_file(c, data, size, &h, &l);
    if (err < 0)
        return err;
    img->width = h.width;
    img->height = h.height;
    img->channels = h.channels;
    img->bit_depth = h.bit_depth;
    img->pixels = malloc(image_bytes(h.width, h.height, h.channels, h.bit_depth));
    if (!img->pixels)
        err = LAT_ERR_OUT_OF_MEMORY;
    if (err >= 0) {
        const int local = nn_set_local_threads(context_threads(c));
        if (h.mode == LAT_MODE_LOSSLESS) {
            err = lossless_decode(l, h.width, h.height, h.channels, h.bit_depth,
                                  context_threads(c), img->pixels);
        } else {
            err = decode_lossy(c, &h, l, img);
        }
        nn_set_local_threads(local);
    }
    if (err >= 0)
        err = take_metadata(l, img);
    streams_free(l);
    free(l);
    if (err < 0)
        lat_image_free(img);
    return err;
}

/* ---- inspect ----------------------------------------------------------- */

static void stream_name(uint32_t type, uint32_t index, char *name, size_t size)
{
    switch (type) {
    case STREAM_LOSSLESS_PARAMS: snprintf(name, size, "lossless-params"); break;
    case STREAM_LOSSLESS_RESIDUAL: snprintf(name, size, "residual-g%u", index); break;
    case STREAM_LOSSLESS_EXTRA: snprintf(name, size, "residual-extra-bits"); break;
    case STREAM_ICC: snprintf(name, size, "icc"); break;
    case STREAM_EXIF: snprintf(name, size, "exif"); break;
    case STREAM_XMP: snprintf(name, size, "xmp"); break;
    case STREAM_COLOUR: snprintf(name, size, "colour"); break;
    case STREAM_LOSSY_PARAMS: snprintf(name, size, "lossy-params"); break;
    case STREAM_LOSSY_LATENTS: snprintf(name, size, "latents-g%u", index); break;
    case STREAM_ALPHA: snprintf(name, size, "alpha"); break;
    default: snprintf(name, size, "unknown-0x%x", type); break;
    }
}

int lat_inspect(const uint8_t *data, size_t size, LatInfo *info)
{
    if (!info)
        return LAT_ERR_INVALID_ARGUMENT;
    memset(info, 0, sizeof *info);
    ContainerTable *t = malloc(sizeof *t);
    if (!t)
        return LAT_ERR_OUT_OF_MEMORY;
    LatHeader h;
    int err = container_parse_header(data, size, UINT64_MAX, &h, t);
    if (err >= 0) {
        info->format_version = h.format_version;
        info->lossless = h.mode == LAT_MODE_LOSSLESS;
        info->width = h.width;
        info->height = h.height;
        info->channels = h.channels;
        info->bit_depth = h.bit_depth;
        memcpy(info->model_id, h.model_id, sizeof info->model_id);
        info->model_hash = h.model_hash;
        info->quality = h.quality;
        info->stream_count = t->count;
        uint32_t residual = 0, latents = 0;
        for (uint32_t i = 0; i < t->count && i < LAT_MAX_STREAMS_INFO; i++) {
            uint32_t type = t->e[i].type;
            uint32_t idx = type == STREAM_LOSSLESS_RESIDUAL ? residual++
                         : type == STREAM_LOSSY_LATENTS ? latents++ : 0;
            info->streams[i].type = type;
            stream_name(type, idx, info->streams[i].name, sizeof info->streams[i].name);
            info->streams[i].stored_size = t->e[i].stored_size;
            info->streams[i].raw_size = t->e[i].raw_size;
        }
        info->file_size = size;
        info->bpp = (double)size * 8.0 / ((double)h.width * h.height);
    }
    free(t);
    return err;
}

int lat_verify_streams(const uint8_t *data, size_t size, uint32_t *bad_stream)
{
    if (bad_stream)
        *bad_stream = 0;
    ContainerTable *t = malloc(sizeof *t);
    if (!t)
        return LAT_ERR_OUT_OF_MEMORY;
    LatHeader h;
    int err = container_parse_header(data, size, UINT64_MAX, &h, t);
    for (uint32_t i = 0; err >= 0 && i < t->count; i++) {
        const ContainerEntry *e = &t->e[i];
        if (crc32_update(0, data + e->offset, (size_t)e->stored_size) != e->frame_crc) {
            if (bad_stream)
                *bad_stream = i;
            err = LAT_ERR_STREAM_CORRUPT;
        }
    }
    free(t);
    return err;
}

/* ---- one-call convenience ---------------------------------------------- */

int lat_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                   int quality, uint8_t **out, size_t *out_size)
{
    if (!out || !out_size)
        return LAT_ERR_INVALID_ARGUMENT;
    *out = NULL;
    *out_size = 0;
    if (quality < 0 || quality > 100)
        return LAT_ERR_INVALID_ARGUMENT;
    LatContext *c;
    int err = lat_open(&c, NULL);
    if (err < 0)
        return err;
    LatImage img;
    memset(&img, 0, sizeof img);
    img.width = width;
    img.height = height;
    img.channels = 3;
    img.bit_depth = 8;
    img.pixels = (void *)(uintptr_t)rgb;
    LatEncodeParams p;
    lat_default_encode_params(&p);
    p.quality = quality;
    p.stride = stride;
    err = lat_encode_image(c, &img, &p, out, out_size);
    lat_close(&c);
    return err;
}

/* Sample i of img as 8 bits. */
static uint8_t sample8(const LatImage *img, size_t i)
{
    if (img->bit_depth == 8)
        return ((const uint8_t *)img->pixels)[i];
    return (uint8_t)((((const uint16_t *)img->pixels)[i] * 255u + 32767u) / 65535u);
}

int lat_decode_rgb(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   uint8_t **rgb)
{
    if (!width || !height || !rgb)
        return LAT_ERR_INVALID_ARGUMENT;
    *width = *height = 0;
    *rgb = NULL;
    LatContext *c;
    int err = lat_open(&c, NULL);
    if (err < 0)
        return err;
    LatImage img;
    err = lat_decode(c, data, size, &img);
    lat_close(&c);
    if (err < 0)
        return err;
    size_t n = (size_t)img.width * img.height;
    uint8_t *out = malloc(n * 3);
    if (!out) {
        lat_image_free(&img);
        return LAT_ERR_OUT_OF_MEMORY;
    }
    const uint32_t ch = img.channels;
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < 3; k++)   /* gray (1, 2): one sample for R, G, B */
            out[i * 3 + k] = sample8(&img, i * ch + (ch >= 3 ? k : 0));
    *width = img.width;
    *height = img.height;
    *rgb = out;
    lat_image_free(&img);
    return LAT_OK;
}

/* ---- latents only (classification, docs/CLASSIFY.md) ------------------- */

/* Parses a lossy file and entropy-decodes its latents (no synthesis) with
 * the file's model (*model). */
static int decode_latents(LatContext *c, const uint8_t *data, size_t size, LossyLatents *lat,
                          const LossyModel **model)
{
    LatHeader h;
    StreamList *l;
    int err = read_file(c, data, size, &h, &l);
    if (err < 0)
        return err;
    if (h.mode != LAT_MODE_LOSSY)
        err = LAT_ERR_UNSUPPORTED_IMAGE;
    if (err >= 0)
        err = model_search_find(&c->models, h.model_id, h.model_hash, model);
    if (err >= 0)
        err = lossy_decode_latents(*model, l, h.width, h.height, lat);
    streams_free(l);
    free(l);
    return err;
}

int lat_decode_latents(LatContext *c, const uint8_t *data, size_t size, int16_t **latents,
                       uint32_t *count, uint32_t shape[3])
{
    if (!latents || !count || !shape)
        return LAT_ERR_INVALID_ARGUMENT;
    *latents = NULL;
    *count = 0;
    shape[0] = shape[1] = shape[2] = 0;
    LossyLatents lat = {0};
    const LossyModel *model;
    int err = decode_latents(c, data, size, &lat, &model);
    if (err >= 0) {
        size_t n = (size_t)lat.c * lat.h * lat.w;
        int16_t *out = malloc(n ? n * sizeof *out : 1);
        if (!out) {
            err = LAT_ERR_OUT_OF_MEMORY;
        } else {
            for (size_t i = 0; i < n; i++)   /* |q| <= LOSSY_Q_MAX fits int16 */
                out[i] = (int16_t)lat.q[i];
            *latents = out;
            *count = (uint32_t)n;
            shape[0] = (uint32_t)lat.c;
            shape[1] = (uint32_t)lat.h;
            shape[2] = (uint32_t)lat.w;
        }
    }
    lossy_latents_free(&lat);
    return err;
}

int lat_latent_stats(LatContext *c, const uint8_t *data, size_t size, uint64_t *latent_bytes,
                     double *ideal_bits)
{
    if (!latent_bytes || !ideal_bits)
        return LAT_ERR_INVALID_ARGUMENT;
    *latent_bytes = 0;
    *ideal_bits = 0;
    LatInfo *info = malloc(sizeof *info);
    if (!info)
        return LAT_ERR_OUT_OF_MEMORY;
    LossyLatents lat = {0};
    const LossyModel *model;
    int err = lat_inspect(data, size, info);
    if (err >= 0)
        err = decode_latents(c, data, size, &lat, &model);
    if (err >= 0) {
        for (uint32_t i = 0; i < info->stream_count && i < LAT_MAX_STREAMS_INFO; i++)
            if (info->streams[i].type == STREAM_LOSSY_LATENTS)
                *latent_bytes += info->streams[i].stored_size;
        *ideal_bits = lossy_latents_ideal_bits(model, &lat);
    }
    lossy_latents_free(&lat);
    free(info);
    return err;
}
