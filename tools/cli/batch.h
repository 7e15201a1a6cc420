/* Several inputs in one run (`lat encode *.png -d OUTDIR`, `lat decode
 * *.lat -d OUTDIR`): where each output goes, and the failures, which do not
 * stop the run but are listed at its end and make it exit 1. */
#ifndef LAT_TOOLS_BATCH_H
#define LAT_TOOLS_BATCH_H

/* One input into one output; returns an exit code (0 on success) and has
 * printed its own failure. */
typedef int (*BatchItem)(void *user, const char *input, const char *output);

/* Creates OUTDIR if it does not exist (its parent must), then runs one()
 * for every input into OUTDIR/<input's name without its extension><ext>
 * (e.g. "a/b.png" -> "OUTDIR/b.lat"). Standard input and an output that an
 * earlier input of the run already wrote (a.png and a.jpg) fail that
 * input. With any failure: "lat CMD: N of M inputs failed: a b" on stderr.
 * Returns the exit code of the run (0, or 1 if any input failed). */
int batch_run(const char *cmd, const char *dir, char **inputs, int ninputs, const char *ext,
              BatchItem one, void *user);
#endif
