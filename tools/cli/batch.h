/* Several inputs in one run (`lat encode *.png -d OUTDIR`, `lat decode
 * *.lat -d OUTDIR`): where each output goes, and the failures, which do not
 * stop the run but are listed at its end and make it exit 1. */
#ifndef LAT_TOOLS_BATCH_H
#define LAT_TOOLS_BATCH_H
#include <stddef.h>

typedef struct Batch {
    const char *cmd;       /* "encode" or "decode", for messages */
    const char *dir;       /* -d OUTDIR, or NULL for a single -o OUTPUT */
    const char **failed;   /* inputs that failed, in order (not owned) */
    char **outputs;        /* outputs written so far (owned) */
    int nfailed, noutputs, total;
} Batch;

/* Creates b->dir if it does not exist (its parent must). Returns 0, or -1
 * with a reason in err. */
int batch_make_dir(const Batch *b, char *err, size_t errlen);

/* OUTDIR/<input's name without its extension><ext>, e.g. ("a/b.png", ".lat")
 * -> "OUTDIR/b.lat". Returns 0, or -1 with a reason in err (an output that
 * an earlier input of this run already wrote, a name too long). */
int batch_output_path(Batch *b, const char *input, const char *ext, char *out, size_t outlen,
                      char *err, size_t errlen);

/* Counts one input; failed != 0 records it in the list of failures. */
void batch_done(Batch *b, const char *input, int failed);

/* With several inputs or any failure: "lat CMD: N of M inputs failed: a, b"
 * on stderr. Returns the exit code of the run (0, or 1 if any failed). */
int batch_finish(Batch *b);
#endif
