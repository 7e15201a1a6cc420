/* JPEG XL lossless through cjxl / djxl child processes (jxl_codec.h). */
#include "jxl_codec.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imageio.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Runs argv with stdout and stderr sent to /dev/null; its exit status, or
 * -1 when it could not be started or did not exit normally. */
static int run_quiet(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int available;
static pthread_once_t available_once = PTHREAD_ONCE_INIT;

static void check_available(void)
{
    char *cj[] = {"cjxl", "--version", NULL}, *dj[] = {"djxl", "--version", NULL};
    available = run_quiet(cj) == 0 && run_quiet(dj) == 0;
}

int jxl_available(void)
{
    pthread_once(&available_once, check_available);
    return available;
}

/* A new empty temporary file name with the given suffix in *path. */
static int temp_path(char *path, size_t size, const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/lat-jxl-XXXXXX%s", dir && dir[0] ? dir : "/tmp", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int write_all(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int read_all(const char *path, uint8_t **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *size = n;
    return 0;
}

int jxl_encode_memory(const LatImage *img, uint8_t **out, size_t *out_size, char *err,
                      size_t errlen)
{
    *out = NULL;
    *out_size = 0;
    if (!jxl_available()) {
        set_err(err, errlen, "cjxl/djxl not found");
        return -1;
    }
    char png[4096], jxl[4096];
    uint8_t *pngdata = NULL;
    size_t pngsize = 0;
    if (png_encode_memory(img, 1, &pngdata, &pngsize, err, errlen) < 0)
        return -1;
    if (temp_path(png, sizeof png, ".png") < 0 || temp_path(jxl, sizeof jxl, ".jxl") < 0) {
        free(pngdata);
        set_err(err, errlen, "temporary file: %s", strerror(errno));
        return -1;
    }
    int rc = write_all(png, pngdata, pngsize);
    free(pngdata);
    char *argv[] = {"cjxl", "-d", "0", "-e", "7", png, jxl, NULL};
    if (rc == 0 && run_quiet(argv) != 0) {
        set_err(err, errlen, "cjxl failed");
        rc = -1;
    } else if (rc == 0 && read_all(jxl, out, out_size) < 0) {
        set_err(err, errlen, "reading cjxl's output failed");
        rc = -1;
    } else if (rc < 0) {
        set_err(err, errlen, "writing the temporary PNG failed");
    }
    remove(png);
    remove(jxl);
    return rc;
}

int jxl_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err, size_t errlen)
{
    memset(img, 0, sizeof *img);
    char png[4096], jxl[4096];
    if (temp_path(png, sizeof png, ".png") < 0 || temp_path(jxl, sizeof jxl, ".jxl") < 0) {
        set_err(err, errlen, "temporary file: %s", strerror(errno));
        return -1;
    }
    int rc = write_all(jxl, data, size);
    char *argv[] = {"djxl", jxl, png, NULL};
    if (rc < 0)
        set_err(err, errlen, "writing the temporary JXL failed");
    else if (run_quiet(argv) != 0) {
        set_err(err, errlen, "djxl failed");
        rc = -1;
    } else {
        rc = image_read_file(png, img, 0, err, errlen);
    }
    remove(png);
    remove(jxl);
    return rc < 0 ? -1 : 0;
}
