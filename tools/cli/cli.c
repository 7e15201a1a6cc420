#include "cli.h"

#include <math.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imageio.h"
#include "lat.h"

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lat %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lat %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see lat %s --help)\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_option_error(const char *cmd, int getopt_result, char **argv)
{
    const char *what = argv[optind - 1];
    if (strncmp(what, "--", 2) == 0) {
        int len = (int)strcspn(what, "=");
        if (getopt_result == ':')
            return cli_usage_error(cmd, "option %.*s needs a value", len, what);
        if (what[len] == '=')
            return cli_usage_error(cmd, "option %.*s takes no value", len, what);
        return cli_usage_error(cmd, "unknown option %.*s", len, what);
    }
    if (getopt_result == ':')
        return cli_usage_error(cmd, "option -%c needs a value", optopt);
    return cli_usage_error(cmd, "unknown option -%c", optopt);
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end != '\0' || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v == 0)
        return -1;
    *out = v;
    return 0;
}

const char *cli_lat_error(const LatContext *c, int code)
{
    static char buf[8448];
    const char *detail = c ? lat_model_error(c) : "";
    if (*detail && (code == LAT_ERR_NO_MODEL || code == LAT_ERR_MODEL_MISMATCH)) {
        snprintf(buf, sizeof buf, "%s (give the model with --model FILE or --model-dir DIR)",
                 detail);
        return buf;
    }
    if (*detail && (code == LAT_ERR_IO || code == LAT_ERR_BAD_MODEL))
        return detail;
    switch (code) {
    case LAT_ERR_NO_MODEL:
        return "the lossy model needed is not installed (use --lossless, or give a model with "
               "--model FILE or --model-dir DIR)";
    case LAT_ERR_MODEL_MISMATCH:
        return "the installed model of the id needed has other weights (give the matching "
               "model with --model FILE)";
    case LAT_ERR_LIMIT_EXCEEDED:
        return "image or stream larger than the limits (see --max-pixels)";
    case LAT_ERR_UNSUPPORTED_VERSION:
        return "the file uses a newer .lat format version than this lat supports";
    default:
        return lat_strerror(code);
    }
}

int cli_fail_lat_file(const char *cmd, const LatContext *c, const char *name,
                      const uint8_t *data, size_t size, int code)
{
    const char *format = code == LAT_ERR_BAD_MAGIC ? image_format_name(data, size) : NULL;
    if (format)
        return cli_fail(cmd, "%s is a %s image, not a .lat file (lat encode compresses "
                             "images into .lat files)", name, format);
    return cli_fail(cmd, "%s: %s", name, cli_lat_error(c, code));
}

double cli_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
