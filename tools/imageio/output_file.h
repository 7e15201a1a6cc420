/* Safe output: a regular file is written to a temporary file in the same
 * folder and renamed over the target only when complete; a non-regular
 * target (stdout "-", a pipe, a device) is written directly and never
 * replaced. Refuses to write over the input file. */
#ifndef LAT_TOOLS_OUTPUT_FILE_H
#define LAT_TOOLS_OUTPUT_FILE_H
#include <stddef.h>
#include <stdio.h>

typedef struct OutputFile {
    FILE *f;
    char *path;      /* target path */
    char *tmp_path;  /* NULL when writing directly */
    int is_stdout;
} OutputFile;

/* input_path may be NULL; when it names the same file as path, fails. */
int output_open(OutputFile *o, const char *path, const char *input_path, char *err, size_t errlen);
/* Flushes, fsyncs and renames into place. Returns 0 or -1 (the temp is removed). */
int output_commit(OutputFile *o, char *err, size_t errlen);
/* Removes the temporary file, leaves the target untouched. */
void output_abort(OutputFile *o);
/* Convenience: writes a whole buffer with open/commit. */
int output_write_all(const char *path, const char *input_path, const void *data, size_t size,
                     char *err, size_t errlen);
#endif
