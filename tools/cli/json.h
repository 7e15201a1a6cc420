/* Text from files (paths, model ids) printed safely: JSON string escapes,
 * or \xNN for the bytes a terminal would act on. */
#ifndef LAT_TOOLS_JSON_H
#define LAT_TOOLS_JSON_H
#include <stdio.h>

/* Writes s to f: with json, '"' and '\' escaped and control or non-ASCII
 * bytes as \u00NN; without, those bytes as \xNN. No surrounding quotes. */
void json_put_text(FILE *f, const char *s, int json);

/* A JSON number, or null for a value JSON cannot hold (inf, nan). */
void json_put_number(FILE *f, double v);
#endif
