/* Shared helpers of the lat subcommands (tools only).
 *
 * Conventions every subcommand follows: exit 0 on success; on failure
 * exactly one line "lat <cmd>: <problem>" on stderr and exit 1; usage
 * errors (unknown option, missing argument) exit 2. Status output that is
 * not the result goes to stderr, so stdout can carry a file ("-o -"). */
#ifndef LAT_TOOLS_CLI_H
#define LAT_TOOLS_CLI_H
#include <stddef.h>
#include <stdint.h>
#include "lat.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/* Prints "lat <cmd>: <message>" and returns CLI_EXIT_FAILURE. */
int cli_fail(const char *cmd, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prints "lat <cmd>: <message> (see lat <cmd> --help)" and returns
 * CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The usage error for what getopt_long (with ":" leading the optstring and
 * opterr = 0) returned as '?' or ':'. Returns CLI_EXIT_USAGE. */
int cli_option_error(const char *cmd, int getopt_result, char **argv);

/* Parses a whole decimal integer within [min, max]. Returns 0 or -1. */
int cli_parse_long(const char *s, long min, long max, long *out);
/* Parses a whole finite number (strtod syntax) within [min, max]. Returns 0 or -1. */
int cli_parse_double(const char *s, double min, double max, double *out);

/* Parses a whole decimal unsigned integer (>= 1). Returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* A sentence for a LatError of context c (may be NULL) that also tells the
 * user what to do: for model errors, c's lat_model_error (which model, which
 * paths) and how to give a model. Falls back to lat_strerror(). Never NULL;
 * valid until the next call and while c is open. */
const char *cli_lat_error(const LatContext *c, int code);

/* Fails "lat <cmd>: <name>: <problem>" for a LatError that reading the
 * .lat file data (size bytes) with context c (may be NULL) gave; a PNG, JPEG or PPM/PGM given instead is
 * named as such, with a pointer to lat encode. Returns CLI_EXIT_FAILURE. */
int cli_fail_lat_file(const char *cmd, const LatContext *c, const char *name,
                      const uint8_t *data, size_t size, int code);

/* Monotonic time in seconds, for -v timings. */
double cli_now(void);
#endif
