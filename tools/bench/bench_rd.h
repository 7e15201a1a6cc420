/* `lat bench rd`: rate-distortion sweep of lat against JPEG (libjpeg-turbo)
 * and, when their tools are installed, WebP, AVIF, JPEG XL and JPEG 2000
 * (external_codecs.h). The results of a run, shared with the HTML report
 * (bench_report.c). */
#ifndef LAT_TOOLS_BENCH_RD_H
#define LAT_TOOLS_BENCH_RD_H
#include <stddef.h>
#include <stdint.h>
#include "external_codecs.h"

/* Codec indices: one per lat model (--model, RD_LAT + k for the k-th; slots
 * past RdRun.nmodels have no settings), JPEG, then the external codecs
 * (RD_EXT + ExtCodec). */
enum {
    RD_LAT = 0,
    RD_MAX_MODELS = 4,
    RD_JPEG = RD_LAT + RD_MAX_MODELS,
    RD_EXT = RD_JPEG + 1,
    RD_CODECS = RD_EXT + EXT_CODECS
};
static inline int rd_is_lat(int codec) { return codec >= RD_LAT && codec < RD_JPEG; }
#define RD_TARGET_COUNT 3   /* PSNR is interpolated at these bpp: */
extern const double rd_target_bpp[RD_TARGET_COUNT]; /* 0.25, 0.5, 1.0 */

/* One encode + decode of one image at one setting. */
typedef struct RdMeasure {
    int ok;
    size_t bytes;        /* whole compressed file */
    double bpp;          /* bytes * 8 / (width * height) */
    double psnr;         /* dB, RGB, 8-bit */
    double msssim;       /* mean over R, G, B; see msssim.h */
    double enc_s, dec_s; /* wall-clock seconds of the encode / decode call */
    double enc_cpu_s;    /* lat: process CPU seconds during the encode (all threads; the
                            encode's own with one worker, --threads 1) */
} RdMeasure;

/* Crops of one image for the visual report: the original and the decoded
 * output of every setting, each w x h x 3 bytes (NULL when that setting
 * failed). Owned by the RdImage. */
typedef struct RdCrop {
    uint32_t x, y, w, h;
    uint8_t *original;
    uint8_t **decoded[RD_CODECS];   /* [nsettings[codec]] */
} RdCrop;

typedef struct RdImage {
    char *path;
    const char *name;              /* points into path */
    uint32_t width, height;
    RdMeasure *m[RD_CODECS];       /* [nsettings[codec]] */
    RdCrop *crop;                  /* NULL unless shown in the report */
    int failed;                    /* could not be read: no measures */
} RdImage;

/* Dataset-mean curve of one codec: one point per setting, the mean of the
 * per-image values over the images measured at that setting. */
typedef struct RdCurve {
    int n;
    int count[64];                 /* images averaged per point */
    double bpp[64], psnr[64], msssim[64], msssim_db[64], enc_s[64], dec_s[64];
    int setting[64];               /* quality value */
} RdCurve;

/* Bjøntegaard deltas of a lat model against one reference codec; NAN when the
 * curves do not overlap or one is missing. */
typedef struct RdBd {
    double rate_psnr;              /* %, PCHIP fit (the headline number) */
    double rate_psnr_cubic;        /* %, classic cubic polynomial fit */
    double psnr;                   /* BD-PSNR, dB */
    double rate_msssim;            /* %, on MS-SSIM in dB */
} RdBd;

typedef struct RdRun {
    int nimages;
    RdImage *images;
    int nsettings[RD_CODECS];
    int settings[RD_CODECS][64];   /* quality values (JPEG 2000: compression ratios) */
    int jpeg_444;
    int lat_available;             /* 0: lat skipped, lat_reason says why */
    int nmodels;                   /* lat models measured: codecs RD_LAT..RD_LAT+nmodels-1 */
    char lat_reason[256];
    RdCurve mean[RD_CODECS];
    double psnr_at[RD_CODECS][RD_TARGET_COUNT]; /* NAN outside a curve's range */
    /* bd[k][codec]: lat model k against each other codec; bd[k][RD_LAT],
     * k > 0: model k against the first model (bd[0][RD_LAT.. ] unused). */
    RdBd bd[RD_MAX_MODELS][RD_CODECS];
    char skip_note[RD_CODECS][160];/* why an external codec has no curve, "" if it has one */
    double elapsed_s;
    int threads;
    double plot_xmax;              /* bpp range shown by the plots */
    const char *model_path[RD_MAX_MODELS];   /* --model, NULL = the default model */
    char lat_model_id[RD_MAX_MODELS][33];    /* LatInfo.model_id of its lat files, "" if none */
    /* With several models: "lat:<id>" (rd.csv, JSON) and "lat <id>" (plots,
     * report); with one, "lat" for both. */
    char lat_name[RD_MAX_MODELS][48], lat_label[RD_MAX_MODELS][48];
    char **inputs;                 /* the DIR... arguments */
    int ninputs;
    /* lat's encoder effort (--effort, every model) and, with --effort-ref
     * (else -1; one model only), the same qualities at a reference effort:
     * lat's measures at settings index nsettings[RD_LAT] + k are quality
     * settings[RD_LAT][k] at it. */
    int lat_effort, ref_effort;
    RdCurve ref;                   /* lat's mean curve at the reference effort */
    RdBd ref_bd;                   /* lat against its reference effort */
    double enc_median_s, ref_enc_median_s;   /* median encode time over images x qualities */
    double enc_cpu_median_s, ref_enc_cpu_median_s;   /* the same in CPU time */
    int workers;                   /* images encoded at once */
} RdRun;

/* A codec's measures per image: its settings; lat's first model's twice
 * with a reference effort. */
int rd_measures(const RdRun *run, int codec);

/* "lat" (or "lat:<id>"), "jpeg", "webp", "avif", "jxl", "j2k": rd.csv's codec column. */
const char *rd_codec_name(const RdRun *run, int codec);
/* The name in plots and the report: "lat", "JPEG 4:2:0", "WebP (cwebp -m 6)"... */
const char *rd_codec_label(const RdRun *run, int codec);
/* 'q' for a quality, 'r' for a JPEG 2000 compression ratio. */
char rd_setting_prefix(int codec);
#endif
