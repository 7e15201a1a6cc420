/* The err/errlen convention of the tools/ modules: a function that fails
 * leaves a one-line reason in the caller's buffer err[errlen]. */
#ifndef LAT_TOOLS_ERRMSG_H
#define LAT_TOOLS_ERRMSG_H
#include <stddef.h>

/* printf-style formatting into err (truncated to errlen; nothing when err is
 * NULL or errlen is 0). */
void set_err(char *err, size_t errlen, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#endif
