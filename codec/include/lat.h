/* lat: a learned image codec.
 *
 * Public API. Usage:
 *
 *   LatSettings s;
 *   lat_default_settings(&s);
 *   s.quality = 60;
 *   LatContext *c;
 *   if (lat_open(&c, &s) < 0) ...
 *   uint8_t *file; size_t size;
 *   int err = lat_encode(c, &image, &file, &size);   // file owned by caller: lat_free(file)
 *   ...
 *   LatImage out;
 *   err = lat_decode(c, file, size, &out);            // out owned by caller: lat_image_free(&out)
 *   lat_close(&c);                                    // sets c to NULL
 *
 * Every function returning int returns 0 (LAT_OK) on success or a negative
 * LatError. The library never prints, never exits and never does file I/O for
 * images; it reads model files only (see "Models" below).
 * Bytes given to lat_decode / lat_inspect are untrusted: any content yields an
 * error code, never a crash.
 *
 * Threads: a LatContext is used by one thread at a time (it holds the loaded
 * model and its working memory); separate contexts may be used from
 * separate threads at the same time. Functions without a context
 * (lat_inspect, lat_strerror, lat_version, lat_default_settings, lat_free,
 * lat_image_free, lat_blas_kernel) may be called from any thread at any
 * time.
 *
 * LatSettings.threads is the number of threads each encode or decode call
 * of that context runs on (the calling thread and threads it starts and
 * joins before returning); contexts with different counts may be used at
 * the same time. These calls never use BLAS: the transforms run on lat's
 * own deterministic kernels, so they leave OpenBLAS's thread count alone.
 * That count is process-wide (OpenBLAS has one thread pool): only the
 * lat tools that use BLAS (lat train, lat bench nn, lat classify) set it,
 * once per process, from --threads; a program that uses OpenBLAS itself
 * sets its own (openblas_set_num_threads), and the last one set holds.
 *
 * ABI: LatSettings and LatInfo end in reserved bytes, so that fields can be
 * added without changing their size.
 */
#ifndef LAT_H
#define LAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LAT_BUILDING_LIBRARY) && defined(__GNUC__)
#define LAT_API __attribute__((visibility("default")))
#else
#define LAT_API
#endif

/* The version, defined only here: meson.build reads it for the soname and
 * pkg-config, lat_version() returns it as a string. */
#define LAT_VERSION_MAJOR 0
#define LAT_VERSION_MINOR 1
#define LAT_VERSION_PATCH 0

/* Error codes. Values are stable: append only, never renumber or reuse. */
typedef enum LatError {
    LAT_OK = 0,
    LAT_ERR_INVALID_ARGUMENT = -1,   /* caller passed NULL, bad size, bad setting */
    LAT_ERR_OUT_OF_MEMORY = -2,
    LAT_ERR_TRUNCATED = -3,          /* input ends before the data it declares */
    LAT_ERR_BAD_MAGIC = -4,          /* not a .lat (or model) file */
    LAT_ERR_UNSUPPORTED_VERSION = -5,/* format version newer than this decoder */
    LAT_ERR_UNKNOWN_FIELD = -6,      /* unknown required flag, mode or stream type */
    LAT_ERR_HEADER_CHECKSUM = -7,    /* header CRC mismatch: file corrupted */
    LAT_ERR_STREAM_CORRUPT = -8,     /* a zstd stream fails to decode or its checksum fails */
    LAT_ERR_LIMIT_EXCEEDED = -9,     /* dimensions, pixel count, stream count or size above limits */
    LAT_ERR_BAD_DIMENSIONS = -10,    /* zero width/height, or inconsistent sizes */
    LAT_ERR_NO_MODEL = -11,          /* the lossy model needed is not installed (lat_model_error says which) */
    LAT_ERR_MODEL_MISMATCH = -12,    /* a model of the id needed is installed, with another hash */
    LAT_ERR_BAD_MODEL = -13,         /* model file malformed */
    LAT_ERR_UNSUPPORTED_IMAGE = -14, /* channel count / bit depth not supported by this mode */
    LAT_ERR_IO = -15,                /* reading a model file failed (a given one: also if missing) */
    LAT_ERR_INTERNAL = -16,          /* a bug: please report */
    LAT_ERR_TRAILING_DATA = -17,     /* bytes after the last stream */
    LAT_ERR_TARGET_UNREACHABLE = -18,/* no quality meets the target size or PSNR */
} LatError;

/* A static English sentence for an error code (never NULL). */
LAT_API const char *lat_strerror(int err);

/* "MAJOR.MINOR.PATCH" of the library that runs (may differ from the header's
 * macros when linked dynamically). */
LAT_API const char *lat_version(void);

/* How the input describes its colours, from PNG's gAMA, cHRM and sRGB
 * chunks (kept with the image like the ICC profile). flags 0: none. */
#define LAT_COLOUR_GAMMA 1u    /* gamma is set */
#define LAT_COLOUR_CHROMA 2u   /* chroma is set */
#define LAT_COLOUR_SRGB 4u     /* srgb_intent is set */
typedef struct LatColourInfo {
    uint32_t flags;            /* LAT_COLOUR_* */
    uint32_t gamma;            /* file gamma x 100000 (PNG gAMA) */
    uint32_t chroma[8];        /* white x, y, red x, y, green x, y, blue x, y, x 100000 (cHRM) */
    uint32_t srgb_intent;      /* rendering intent 0..3 (PNG sRGB) */
} LatColourInfo;

/* An image in memory: interleaved samples, rows top to bottom, no padding
 * between rows. 8-bit samples are uint8_t; 16-bit samples are uint16_t in
 * host byte order. channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
typedef struct LatImage {
    uint32_t width;
    uint32_t height;
    uint32_t channels;   /* 1..4 */
    uint32_t bit_depth;  /* 8 or 16 */
    void *pixels;        /* width*height*channels samples */
    uint8_t *icc;        /* ICC profile, or NULL */
    size_t icc_size;
    uint8_t *exif;       /* EXIF block (TIFF header onward, as in PNG eXIf), or NULL */
    size_t exif_size;
    uint8_t *xmp;        /* XMP packet (UTF-8 XML, as in PNG iTXt "XML:com.adobe.xmp"), or NULL */
    size_t xmp_size;
    LatColourInfo colour;
} LatImage;

/* Frees pixels, icc, exif and xmp of an image that the library filled in (or that
 * the caller allocated with malloc) and zeroes the struct. NULL is fine. */
LAT_API void lat_image_free(LatImage *img);

/* Frees a buffer returned by lat_encode. NULL is fine. */
LAT_API void lat_free(void *p);

#define LAT_DEFAULT_MAX_PIXELS (256u * 1024u * 1024u) /* 256 Mpixel */

typedef struct LatSettings {
    int quality;              /* lossy quality 0..100, default 75 */
    int lossless;             /* 1: bit-exact mode; default 0 */
    int threads;              /* threads of each encode/decode call, 0 = all cores;
                                 default 0 (see "Threads" below) */
    int strip_metadata;       /* 1: do not store ICC, EXIF, XMP, colour info; default 0 */
    const char *model_path;   /* a model file to encode with (and to decode its files);
                                 NULL: $LAT_MODEL, else the default model. Copied. */
    uint64_t max_pixels;      /* decode/encode refuse larger images; default LAT_DEFAULT_MAX_PIXELS */
    const char *model_dir;    /* a folder of <id>.latm files searched first; NULL: none. Copied. */
    const void *model_data;   /* a model file in memory, used as model_path is (not both);
                                 parsed by lat_open, need not outlive it. NULL: none */
    size_t model_size;        /* bytes at model_data */
    int effort;               /* lossy encoder effort 0..LAT_MAX_EFFORT; default 0
                                 (see LatEncodeParams.effort) */
    uint8_t reserved[32 - 2 * sizeof(void *) - sizeof(size_t) - sizeof(int)];   /* zero: room to grow */
} LatSettings;

LAT_API void lat_default_settings(LatSettings *s);

typedef struct LatContext LatContext;

/* Creates a context (s NULL: default settings; s is copied). A model given
 * in memory is parsed here (its errors are returned here); other models are
 * loaded on first use (see "Models" below). Free with lat_close. */
LAT_API int lat_open(LatContext **c, const LatSettings *s);

/* Frees the context and sets *c to NULL. NULL or *c == NULL is fine. */
LAT_API void lat_close(LatContext **c);

/* Compresses img into a .lat file in memory. On success *out is a buffer of
 * *out_size bytes that the caller owns and frees with lat_free. */
LAT_API int lat_encode(LatContext *c, const LatImage *img, uint8_t **out, size_t *out_size);

#define LAT_MAX_EFFORT 9

/* Per-call parameters of lat_encode_image.
 *
 * Rate control (lossy only; at most one of the two targets): the encoder
 * searches the quality, in fractional steps (1/256 of a model level), by
 * bisection, encoding at each trial point (about a dozen encodes, bounded):
 * target_size gives the largest file of at most target_size bytes (whole
 * file: container, metadata and alpha included), target_psnr the smallest
 * file whose 8-bit decode reaches target_psnr dB (PSNR over the colour
 * samples: gray or RGB, alpha excluded). quality is ignored then; the file
 * records the quality nearest to the level position found. When even
 * quality 0 is larger than target_size, or quality 100 below target_psnr:
 * LAT_ERR_TARGET_UNREACHABLE. With an effort the search runs at effort 0
 * and the refined encoder codes the point found (kept when it still meets
 * the target, else the unrefined file).
 *
 * Effort: 0 runs the analysis transform once and rounds (fastest, the
 * default). 1..LAT_MAX_EFFORT refine the latents by gradient descent on the
 * rate-distortion loss of the file's level through the fixed decoder, more
 * iterations at higher efforts (docs/FORMAT.md 4.5: times and gains); the
 * format and the decoder are the same. The result depends on seed and, like
 * any float computation through BLAS, may differ between machines, OpenBLAS
 * kernels and thread counts; on one machine and thread count the same
 * input, settings and seed give the same file. */
typedef struct LatEncodeParams {
    int quality;              /* lossy quality 0..100 of this call; -1 (default): the
                                 context's LatSettings.quality */
    size_t stride;            /* bytes from the start of one row of img->pixels to the
                                 next, at least width*channels*(bit_depth/8); 0
                                 (default): rows are packed */
    size_t target_size;       /* > 0: search the largest file of at most this many bytes */
    double target_psnr;       /* > 0: search the smallest file reaching this PSNR (dB) */
    int effort;               /* 0..LAT_MAX_EFFORT; -1 (default): LatSettings.effort */
    uint32_t seed;            /* random stream of the refinement (effort > 0); default 0 */
    uint8_t reserved[32 - sizeof(size_t) - sizeof(double) - 2 * sizeof(int)];   /* zero */
} LatEncodeParams;

/* quality -1, stride 0, no target, effort -1, seed 0: the same as lat_encode. */
LAT_API void lat_default_encode_params(LatEncodeParams *p);

/* lat_encode with per-call parameters (p NULL: defaults). Another quality
 * reuses the context's loaded model: no new context, no reload. Strided
 * rows are copied into a packed buffer first. */
LAT_API int lat_encode_image(LatContext *c, const LatImage *img, const LatEncodeParams *p,
                             uint8_t **out, size_t *out_size);

/* Progress of long encodes (an effort above 0): progress(user, done) is
 * called from the encoding thread, inside lat_encode / lat_encode_image,
 * with the fraction done of the current refinement (0 < done <= 1; a rate
 * search with an effort refines once, at the end). NULL: none (the
 * default). Returns LAT_OK, or LAT_ERR_INVALID_ARGUMENT when c is NULL. */
LAT_API int lat_set_progress(LatContext *c, void (*progress)(void *user, double done),
                             void *user);

/* Decompresses a .lat file. On success *img is filled in and owned by the
 * caller (free with lat_image_free). On error *img is zeroed. */
LAT_API int lat_decode(LatContext *c, const uint8_t *data, size_t size, LatImage *img);

/* Decodes a lossy .lat file only as far as its quantized latents: the
 * entropy-decoded integers that the synthesis transform would take, without
 * running it (classification from latents, docs/CLASSIFY.md). On success
 * *latents holds *count = shape[0]*shape[1]*shape[2] values, channel-major
 * [c][h][w] with shape = {c, h, w}; the caller frees it with lat_free. The
 * file's model is found as lat_decode finds it; a lossless file is LAT_ERR_UNSUPPORTED_IMAGE. On error *latents is NULL. */
LAT_API int lat_decode_latents(LatContext *c, const uint8_t *data, size_t size,
                               int16_t **latents, uint32_t *count, uint32_t shape[3]);

/* Entropy-stage efficiency of a lossy .lat file: *latent_bytes is the stored
 * size of its latent streams (zstd frames, without the params stream and the
 * container header) and *ideal_bits is sum of -log2 p(y_hat) over its
 * latents under the model's learned prior, what an ideal entropy coder
 * driven by that prior would spend. Coding overhead = latent_bytes /
 * (ideal_bits / 8) - 1. Same errors as lat_decode_latents. */
LAT_API int lat_latent_stats(LatContext *c, const uint8_t *data, size_t size,
                             uint64_t *latent_bytes, double *ideal_bits);

#define LAT_MAX_STREAMS_INFO 64

/* What lat_inspect reports about a .lat file without decoding pixels. */
typedef struct LatInfo {
    uint32_t format_version;
    int lossless;
    uint32_t width, height, channels, bit_depth;
    char model_id[33];        /* NUL-terminated, empty for lossless */
    uint64_t model_hash;
    int quality;              /* lossy quality recorded by the encoder, -1 if none */
    uint32_t stream_count;
    struct {
        uint32_t type;
        char name[24];        /* e.g. "residual-ctx3", "latents-g1", "icc" */
        uint64_t stored_size; /* bytes in the file (compressed) */
        uint64_t raw_size;    /* bytes after zstd decompression */
    } streams[LAT_MAX_STREAMS_INFO];
    uint64_t file_size;
    double bpp;               /* file_size*8 / (width*height) */
    uint8_t reserved[64];     /* zeroed by lat_inspect: room for new fields */
} LatInfo;

/* Parses and validates the header, its CRC and the stream table (limits,
 * file length); stream contents are not decompressed, so a corrupt stream
 * shows only at lat_decode. Any pixel count up to the dimension limits is
 * accepted (max_pixels is a decoder setting). */
LAT_API int lat_inspect(const uint8_t *data, size_t size, LatInfo *info);

/* Checks the CRC-32 that the stream table records for every stream's stored
 * bytes (no decompression, so it is cheap). Returns LAT_OK; or
 * LAT_ERR_STREAM_CORRUPT with *bad_stream set to the index (as in
 * LatInfo.streams) of the first stream whose bytes do not match; or the
 * header errors of lat_inspect. bad_stream may be NULL. */
LAT_API int lat_verify_streams(const uint8_t *data, size_t size, uint32_t *bad_stream);

/* ---- Speed: the OpenBLAS kernel ----
 * OpenBLAS chooses its kernel once, when the process loads it: from
 * $OPENBLAS_CORETYPE if set, else by CPUID. Releases older than the CPU
 * (Debian 12's 0.3.21 on Intel CPUs since Sapphire Rapids, for instance)
 * fall back to the generic "Prescott" kernel, 3x slower than the AVX-512
 * one on a training step. lat's encode and decode do not depend on it (see
 * "Threads"); training and other BLAS work do.
 *
 * lat_blas_kernel fills *k: in_use, the kernel OpenBLAS runs
 * (openblas_get_corename(), e.g. "Prescott", "Haswell", "SkylakeX",
 * "Cooperlake"); best, the best kernel for this CPU ("Cooperlake" with
 * AVX-512 and BF16, "SkylakeX" with AVX-512 F/BW/DQ/VL, "Haswell" with
 * AVX2 and FMA, "" when none is known); coretype_set, 1 when
 * $OPENBLAS_CORETYPE is set (non-empty); below_best, 1 when in_use is a
 * kernel known to be slower than best; text, all of that as one line for
 * a report ("Prescott (best for this CPU: Cooperlake; ...)"). What to do when below_best is 1
 * and coretype_set 0: set OPENBLAS_CORETYPE=<best> in the environment the
 * program starts with (a wrapper script, a service file), or do what the
 * lat binary does for its BLAS commands: setenv("OPENBLAS_CORETYPE",
 * best) and re-execute the program before doing any work. Setting it
 * later in the process has no effect. An explicit OPENBLAS_CORETYPE should
 * be honoured, even a slower one. Returns LAT_OK, or LAT_ERR_INVALID_ARGUMENT when k is NULL. */
typedef struct LatBlasKernel {
    char in_use[32];
    char best[32];
    int coretype_set;
    int below_best;
    char text[160];
    uint8_t reserved[32];     /* zeroed: room for new fields */
} LatBlasKernel;
LAT_API int lat_blas_kernel(LatBlasKernel *k);

/* ---- Models ----
 * A lossy file names its model by id and content hash (lat_inspect reports
 * both). Models are installed as <id>.latm files in model folders; a
 * shipped model never changes and stays installed, so every file stays
 * decodable (docs/FORMAT.md section 7).
 *
 * The given model: LatSettings.model_path or model_data, else the file
 * named by $LAT_MODEL. Encoding uses it; without one, the default model
 * of this build (models/MANIFEST's default id and hash) found in the
 * folders. Decoding uses the given model if its hash is the file's, else
 * <folder>/<id>.latm of the first folder whose file has the file's hash.
 * A given model that cannot be read is an error (LAT_ERR_IO), never
 * skipped.
 *
 * The folders, in order: LatSettings.model_dir, $LAT_MODEL_DIR,
 * <prefix>/share/lat/models for the running binary <prefix>/bin/NAME (an
 * installed tree, also when moved or installed with DESTDIR), the install
 * folder <datadir>/lat/models configured at build time, and the source
 * tree's models/ of the build (uninstalled builds).
 *
 * lat_model_dir returns the i-th folder c searches (owned by c), NULL past
 * the end. lat_model_error describes c's last model failure: the file that
 * cannot be read, or the model id and hash needed and every path tried
 * (owned by c, "" if none failed). lat_find_model finds (and loads, for c's
 * later use) the model with this id and hash as lat_decode would; *where
 * (may be NULL) is then the file it was read from, "" for a model given in
 * memory (owned by c). Errors as lat_decode's. */
LAT_API const char *lat_model_dir(const LatContext *c, int i);
LAT_API const char *lat_model_error(const LatContext *c);
LAT_API int lat_find_model(LatContext *c, const char *id, uint64_t hash, const char **where);

/* One-call convenience, no context (like WebPEncodeRGB / WebPDecodeRGB):
 * each call opens a context with default settings, so it loads the model
 * every time; for many images keep a context instead.
 *
 * lat_encode_rgb compresses width x height 8-bit RGB pixels, rows `stride`
 * bytes apart (0: packed, 3*width), in lossy mode at quality 0..100. On
 * success *out (*out_size bytes) is owned by the caller: lat_free. */
LAT_API int lat_encode_rgb(const uint8_t *rgb, uint32_t width, uint32_t height, size_t stride,
                           int quality, uint8_t **out, size_t *out_size);

/* Decompresses any .lat file to packed 8-bit RGB (3*width bytes a row):
 * gray is replicated, alpha dropped, 16-bit samples rounded to 8 bits. On
 * success *rgb is owned by the caller (lat_free); on error it is NULL and
 * *width = *height = 0. */
LAT_API int lat_decode_rgb(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                           uint8_t **rgb);

#ifdef __cplusplus
}
#endif
#endif
