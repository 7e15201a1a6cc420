/* Safe output (output_file.h). A regular target is written as a hidden
 * temporary "<dir>/.<name>.XXXXXX" made by mkstemp in the target's folder,
 * so the final rename(2) is atomic and never crosses file systems. */
#include "output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary file being written, removed if the process is interrupted
 * (Ctrl-C, kill) so that no stray file is left behind. One at a time: the
 * CLI writes one output per run. */
static char *volatile pending_tmp;

static const int tracked_sigs[] = {SIGINT, SIGTERM, SIGHUP};
static void (*previous_handler[3])(int);

static void on_signal(int sig)
{
    /* A command with its own handler (lat train stops cleanly and writes a
     * checkpoint) keeps it: it finishes the pending write itself. */
    for (int i = 0; i < 3; i++)
        if (tracked_sigs[i] == sig && previous_handler[i]) {
            previous_handler[i](sig);
            return;
        }
    char *tmp = pending_tmp;
    if (tmp)
        unlink(tmp); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void track_tmp(char *tmp)
{
    static int installed;
    if (tmp && !installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < 3; i++) {
            struct sigaction old;
            /* keep an inherited "ignore" (e.g. nohup) */
            if (sigaction(tracked_sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
                continue;
            if (old.sa_handler != SIG_DFL && !(old.sa_flags & SA_SIGINFO))
                previous_handler[i] = old.sa_handler;
            sigaction(tracked_sigs[i], &sa, NULL);
        }
        installed = 1;
    }
    pending_tmp = tmp;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* "<dir>/.<base>.XXXXXX" for mkstemp. */
static char *temp_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t n = dir_len + 1 + strlen(base) + 8 + 1;
    char *t = malloc(n);
    if (t) {
        memcpy(t, path, dir_len);
        snprintf(t + dir_len, n - dir_len, ".%s.XXXXXX", base);
    }
    return t;
}

int output_open(OutputFile *o, const char *path, const char *input_path, char *err,
                size_t errlen)
{
    memset(o, 0, sizeof(*o));
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = 1;
        return 0;
    }
    if (input_path && strcmp(input_path, "-") != 0 && same_file(path, input_path)) {
        snprintf(err, errlen, "output %s is the input file; refusing to overwrite it", path);
        return -1;
    }
    o->path = dup_string(path);
    if (!o->path) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "output %s is a directory", path);
            output_abort(o);
            return -1;
        }
        /* A device or a pipe: write directly, it is never replaced. */
        o->f = fopen(path, "wb");
        if (!o->f) {
            snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
            output_abort(o);
            return -1;
        }
        return 0;
    }
    o->tmp_path = temp_template(path);
    if (!o->tmp_path) {
        snprintf(err, errlen, "out of memory");
        output_abort(o);
        return -1;
    }
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file next to %s: %s", path, strerror(errno));
        free(o->tmp_path);
        o->tmp_path = NULL;
        output_abort(o);
        return -1;
    }
    /* mkstemp makes 0600; give the result the mode a plain fopen would. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        /* not fatal: the file is merely more private than usual */
    }
    track_tmp(o->tmp_path);
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        snprintf(err, errlen, "cannot open %s: %s", o->tmp_path, strerror(errno));
        close(fd);
        output_abort(o);
        return -1;
    }
    return 0;
}

static void release(OutputFile *o)
{
    if (o->tmp_path && pending_tmp == o->tmp_path)
        track_tmp(NULL);
    free(o->path);
    free(o->tmp_path);
    memset(o, 0, sizeof(*o));
}

int output_commit(OutputFile *o, char *err, size_t errlen)
{
    const char *name = o->is_stdout ? "stdout" : o->path;
    int failed = fflush(o->f) != 0 || ferror(o->f);
    int saved = errno;
    if (!failed && o->tmp_path && fsync(fileno(o->f)) != 0) {
        failed = 1;
        saved = errno;
    }
    if (!o->is_stdout) {
        if (fclose(o->f) != 0 && !failed) {
            failed = 1;
            saved = errno;
        }
        o->f = NULL;
    }
    if (!failed && o->tmp_path && rename(o->tmp_path, o->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, errlen, "cannot write %s: %s", name, strerror(saved));
        output_abort(o);
        return -1;
    }
    release(o);
    return 0;
}

void output_abort(OutputFile *o)
{
    if (o->f && !o->is_stdout)
        fclose(o->f);
    if (o->tmp_path)
        unlink(o->tmp_path);
    release(o);
}

int output_write_all(const char *path, const char *input_path, const void *data, size_t size,
                     char *err, size_t errlen)
{
    OutputFile o;
    if (output_open(&o, path, input_path, err, errlen) < 0)
        return -1;
    if (size > 0 && fwrite(data, 1, size, o.f) != size) {
        snprintf(err, errlen, "cannot write %s: %s", o.is_stdout ? "stdout" : path,
                 strerror(errno));
        output_abort(&o);
        return -1;
    }
    return output_commit(&o, err, errlen);
}
