#include "bench_inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int has_image_extension(const char *name)
{
    static const char *const kExt[] = {".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".pnm"};
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof(kExt) / sizeof(kExt[0]); i++)
        if (strcasecmp(dot, kExt[i]) == 0)
            return 1;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***list, int *count, int *cap, char *s)
{
    if (!s)
        return -1;
    if (*count == *cap) {
        int ncap = *cap ? *cap * 2 : 32;
        char **p = realloc(*list, sizeof(char *) * (size_t)ncap);
        if (!p) {
            free(s);
            return -1;
        }
        *list = p;
        *cap = ncap;
    }
    (*list)[(*count)++] = s;
    return 0;
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    size_t n = a;
    if (n > 0 && s[n - 1] != '/')
        s[n++] = '/';
    memcpy(s + n, name, b + 1);
    return s;
}

int bench_collect_inputs(char **args, int nargs, char ***paths, int *count, char *err,
                         size_t errlen)
{
    char **list = NULL;
    int n = 0, cap = 0;
    for (int i = 0; i < nargs; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            snprintf(err, errlen, "%s: %s", args[i], strerror(errno));
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (push(&list, &n, &cap, strdup(args[i])) < 0)
                goto oom;
            continue;
        }
        DIR *d = opendir(args[i]);
        if (!d) {
            snprintf(err, errlen, "%s: %s", args[i], strerror(errno));
            goto fail;
        }
        int first = n;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || !has_image_extension(e->d_name))
                continue;
            if (push(&list, &n, &cap, join_path(args[i], e->d_name)) < 0) {
                closedir(d);
                goto oom;
            }
        }
        closedir(d);
        qsort(list + first, (size_t)(n - first), sizeof(char *), cmp_str);
    }
    if (n == 0) {
        snprintf(err, errlen, "no images (.png .jpg .ppm .pgm) found in the given paths");
        goto fail;
    }
    *paths = list;
    *count = n;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    bench_free_inputs(list, n);
    *paths = NULL;
    *count = 0;
    return -1;
}

void bench_free_inputs(char **paths, int count)
{
    for (int i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

const char *bench_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int bench_to_rgb8(LatImage *img)
{
    if (img->channels == 3 && img->bit_depth == 8)
        return 0;
    size_t n = (size_t)img->width * img->height;
    uint8_t *rgb = malloc(n * 3);
    if (!rgb)
        return -1;
    uint32_t ch = img->channels;
    for (size_t i = 0; i < n; i++) {
        for (uint32_t c = 0; c < 3; c++) {
            uint32_t src = ch >= 3 ? c : 0; /* gray and gray+alpha replicate channel 0 */
            size_t at = i * ch + src;
            rgb[i * 3 + c] = img->bit_depth == 16
                                 ? (uint8_t)((((const uint16_t *)img->pixels)[at] * 255u + 32767u) / 65535u)
                                 : ((const uint8_t *)img->pixels)[at];
        }
    }
    free(img->pixels);
    img->pixels = rgb;
    img->channels = 3;
    img->bit_depth = 8;
    return 1;
}

int bench_make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) {
        snprintf(err, errlen, "bad output folder '%s'", path);
        return -1;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
            return -1;
        }
        buf[i] = c;
    }
    return 0;
}
