#include "external_codecs.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_inputs.h"
#include "imageio.h"

extern char **environ;

typedef struct ExtInfo {
    const char *name, *label, *encoder, *decoder, *package, *defaults;
    char prefix;
} ExtInfo;

/* Defaults span each codec from about 0.1 bpp to past lat's range on
 * Kodak; JPEG 2000 ratios r give 24/r bpp on RGB. */
static const ExtInfo kInfo[EXT_CODECS] = {
    {"webp", "WebP (cwebp -m 6)", "cwebp", "dwebp", "webp", "5:95:10", 'q'},
    {"avif", "AVIF (avifenc -s 4)", "avifenc", "avifdec", "libavif-bin", "5:95:10", 'q'},
    {"jxl", "JPEG XL (cjxl -e 7)", "cjxl", "djxl", "libjxl-tools", "5:95:10", 'q'},
    {"j2k", "JPEG 2000 (OpenJPEG 9/7)", "opj_compress", "opj_decompress",
     "libopenjp2-tools", "8,12,16,24,32,48,64,96,128,192", 'r'},
};

const char *ext_codec_name(ExtCodec c) { return kInfo[c].name; }
const char *ext_codec_label(ExtCodec c) { return kInfo[c].label; }
char ext_setting_prefix(ExtCodec c) { return kInfo[c].prefix; }
const char *ext_default_settings(ExtCodec c) { return kInfo[c].defaults; }

/* 1 if an executable named prog is in a folder of $PATH. */
static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        path += n + (path[n] == ':');
    }
    return 0;
}

int ext_codec_available(ExtCodec c, char *why, size_t whylen)
{
    const ExtInfo *e = &kInfo[c];
    const char *missing = !on_path(e->encoder) ? e->encoder : !on_path(e->decoder) ? e->decoder
                                                                                   : NULL;
    if (!missing)
        return 1;
    snprintf(why, whylen, "%s curve skipped: %s not found (Debian: apt-get install %s)", e->name,
             missing, e->package);
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Runs argv with stdin, stdout and stderr on /dev/null; 0 if it exited 0. */
static int run_quiet(char *const argv[], char *err, size_t errlen)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd = 0; fd <= 2; fd++)
        posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(e));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(err, errlen, "%s: %s", argv[0], strerror(errno));
            return -1;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s failed (status %d)", argv[0], status);
        return -1;
    }
    return 0;
}

/* The encoder's command line for one setting (strings in buf). */
static void encoder_argv(ExtCodec c, int setting, const char *in_png, const char *in_ppm,
                         const char *out, char buf[4][32], char *argv[16])
{
    int k = 0;
    switch (c) {
    case EXT_WEBP:
        snprintf(buf[0], 32, "%d", setting);
        argv[k++] = "cwebp"; argv[k++] = "-quiet"; argv[k++] = "-m"; argv[k++] = "6";
        argv[k++] = "-q"; argv[k++] = buf[0]; argv[k++] = (char *)in_ppm;
        argv[k++] = "-o"; argv[k++] = (char *)out;
        break;
    case EXT_AVIF:
        /* avifenc 0.11 takes a quantizer 0 (lossless) .. 63, not a quality:
         * quality q maps linearly, q 100 -> 0, q 0 -> 63. */
        snprintf(buf[0], 32, "%d", (63 * (100 - setting) + 50) / 100);
        argv[k++] = "avifenc"; argv[k++] = "-s"; argv[k++] = "4"; argv[k++] = "-j";
        argv[k++] = "1"; argv[k++] = "--min"; argv[k++] = buf[0]; argv[k++] = "--max";
        argv[k++] = buf[0]; argv[k++] = (char *)in_png; argv[k++] = (char *)out;
        break;
    case EXT_JXL:
        snprintf(buf[0], 32, "%d", setting);
        argv[k++] = "cjxl"; argv[k++] = (char *)in_ppm; argv[k++] = (char *)out;
        argv[k++] = "-e"; argv[k++] = "7"; argv[k++] = "-q"; argv[k++] = buf[0];
        argv[k++] = "--num_threads=0";
        break;
    default:
        snprintf(buf[0], 32, "%d", setting);
        argv[k++] = "opj_compress"; argv[k++] = "-i"; argv[k++] = (char *)in_ppm;
        argv[k++] = "-o"; argv[k++] = (char *)out; argv[k++] = "-r"; argv[k++] = buf[0];
        argv[k++] = "-I";
        break;
    }
    argv[k] = NULL;
}

static void decoder_argv(ExtCodec c, const char *in, const char *out, char *argv[16])
{
    int k = 0;
    switch (c) {
    case EXT_WEBP:
        argv[k++] = "dwebp"; argv[k++] = "-quiet"; argv[k++] = (char *)in; argv[k++] = "-ppm";
        argv[k++] = "-o"; argv[k++] = (char *)out;
        break;
    case EXT_AVIF:
        argv[k++] = "avifdec"; argv[k++] = "-j"; argv[k++] = "1"; argv[k++] = (char *)in;
        argv[k++] = (char *)out;
        break;
    case EXT_JXL:
        argv[k++] = "djxl"; argv[k++] = (char *)in; argv[k++] = (char *)out;
        argv[k++] = "--num_threads=0";
        break;
    default:
        argv[k++] = "opj_decompress"; argv[k++] = "-i"; argv[k++] = (char *)in;
        argv[k++] = "-o"; argv[k++] = (char *)out;
        break;
    }
    argv[k] = NULL;
}

/* A scratch file, written plainly: no atomic rename, no fsync. */
static int write_scratch(const char *path, const LatImage *img, int png, char *err,
                         size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int r = 0;
    if (png) {
        r = png_write_stream(img, 1, f, err, errlen);
    } else {
        fprintf(f, "P6\n%u %u\n255\n", img->width, img->height);
        fwrite(img->pixels, 3, (size_t)img->width * img->height, f);
    }
    if ((fclose(f) != 0 || r < 0) && r == 0) {
        snprintf(err, errlen, "%s: write error", path);
        r = -1;
    }
    return r;
}

int ext_codec_prepare(const char *dir, const LatImage *img, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/in.png", dir);
    if (write_scratch(path, img, 1, err, errlen) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/in.ppm", dir);
    return write_scratch(path, img, 0, err, errlen);
}

int ext_codec_run(ExtCodec c, const char *dir, int setting, size_t *bytes, LatImage *dec,
                  double *enc_s, double *dec_s, char *err, size_t errlen)
{
    static const char *const kExt[EXT_CODECS] = {"webp", "avif", "jxl", "j2k"};
    char in_png[4096], in_ppm[4096], file[4096], out[4096], buf[4][32];
    char *argv[16];
    memset(dec, 0, sizeof *dec);
    snprintf(in_png, sizeof in_png, "%s/in.png", dir);
    snprintf(in_ppm, sizeof in_ppm, "%s/in.ppm", dir);
    snprintf(file, sizeof file, "%s/out.%s", dir, kExt[c]);
    /* avifdec writes PNG, the others PPM. */
    snprintf(out, sizeof out, "%s/dec.%s", dir, c == EXT_AVIF ? "png" : "ppm");
    unlink(file);
    unlink(out);
    encoder_argv(c, setting, in_png, in_ppm, file, buf, argv);
    double t0 = now_s();
    if (run_quiet(argv, err, errlen) < 0)
        return -1;
    double t1 = now_s();
    decoder_argv(c, file, out, argv);
    if (run_quiet(argv, err, errlen) < 0)
        return -1;
    double t2 = now_s();
    struct stat st;
    if (stat(file, &st) < 0) {
        snprintf(err, errlen, "%s wrote no file", kInfo[c].encoder);
        return -1;
    }
    if (image_read_file(out, dec, 0, err, errlen) < 0)
        return -1;
    if (bench_to_rgb8(dec) < 0) {
        lat_image_free(dec);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *bytes = (size_t)st.st_size;
    *enc_s = t1 - t0;
    *dec_s = t2 - t1;
    return 0;
}
