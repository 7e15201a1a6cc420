#include "batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct Batch {
    const char *cmd;       /* "encode" or "decode", for messages */
    const char *dir;       /* OUTDIR */
    const char **failed;   /* inputs that failed, in order (not owned) */
    char **outputs;        /* outputs written so far (owned) */
    int nfailed, noutputs, total;
} Batch;

static int batch_make_dir(const Batch *b, char *err, size_t errlen)
{
    struct stat st;
    if (stat(b->dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(b->dir, 0777) == 0)
        return 0;
    snprintf(err, errlen, "cannot create the folder %s: %s", b->dir, strerror(errno));
    return -1;
}

static int batch_output_path(Batch *b, const char *input, const char *ext, char *out, size_t outlen,
                             char *err, size_t errlen)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    int n = snprintf(out, outlen, "%s/%.*s%s", b->dir, stem, base, ext);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "%s: output name too long", input);
        return -1;
    }
    /* a.png and a.jpg would both become a.lat: the second would replace
     * the first, so it fails instead. */
    for (int i = 0; i < b->noutputs; i++)
        if (strcmp(b->outputs[i], out) == 0) {
            snprintf(err, errlen, "%.200s: %.200s was already written from another input of "
                     "this run", input, out);
            return -1;
        }
    char **grown = realloc(b->outputs, sizeof(char *) * (size_t)(b->noutputs + 1));
    char *copy = grown ? strdup(out) : NULL;
    if (grown)
        b->outputs = grown;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    b->outputs[b->noutputs++] = copy;
    return 0;
}

static void batch_done(Batch *b, const char *input, int failed)
{
    b->total++;
    if (!failed)
        return;
    const char **grown = realloc(b->failed, sizeof(char *) * (size_t)(b->nfailed + 1));
    if (grown) {
        b->failed = grown;
        b->failed[b->nfailed] = input;
    }
    b->nfailed++;   /* counted even if it could not be listed */
}

static int batch_finish(Batch *b)
{
    int rc = b->nfailed ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    if (b->nfailed && b->total > 1) {
        fprintf(stderr, "lat %s: %d of %d inputs failed:", b->cmd, b->nfailed, b->total);
        for (int i = 0; i < b->nfailed && b->failed; i++)
            fprintf(stderr, " %s", b->failed[i]);
        fputc('\n', stderr);
    }
    for (int i = 0; i < b->noutputs; i++)
        free(b->outputs[i]);
    free(b->outputs);
    free(b->failed);
    return rc;
}

int batch_run(const char *cmd, const char *dir, char **inputs, int ninputs, const char *ext,
              BatchItem one, void *user)
{
    Batch b = {.cmd = cmd, .dir = dir};
    char msg[512];
    if (batch_make_dir(&b, msg, sizeof(msg)) < 0)
        return cli_fail(cmd, "%s", msg);
    for (int i = 0; i < ninputs; i++) {
        char out[4096];
        const char *in = inputs[i];
        int r;
        if (strcmp(in, "-") == 0)
            r = cli_fail(cmd, "stdin cannot be one of several inputs (-d): give a file");
        else if (batch_output_path(&b, in, ext, out, sizeof(out), msg, sizeof(msg)) < 0)
            r = cli_fail(cmd, "%s", msg);
        else
            r = one(user, in, out);
        batch_done(&b, in, r != CLI_EXIT_OK);
    }
    return batch_finish(&b);
}
