/* A sign of life for long single calls (a 12-megapixel encode takes
 * seconds): after a second, "lat CMD: WHAT: N s" on stderr, redrawn in
 * place on a terminal, or a line every few seconds with -v when stderr is
 * not a terminal. It shows the elapsed time, the stage (with the image
 * size) and, where the library reports one (an encoder effort's
 * refinement), the fraction done. */
#ifndef LAT_TOOLS_TICKER_H
#define LAT_TOOLS_TICKER_H

typedef struct Ticker Ticker;

/* Starts the ticker when stderr is a terminal or verbose is set; else
 * returns NULL (every function below accepts NULL). */
Ticker *ticker_start(const char *cmd, const char *what, int verbose);

/* What is running now ("reading", "encoding 4000x3000, 12.0 Mpixel"). */
void ticker_stage(Ticker *t, const char *stage);

/* The fraction done of the current stage (0..1), shown as a percentage;
 * a new stage clears it. */
void ticker_fraction(Ticker *t, double done);

/* Stops the ticker and clears its line on a terminal. */
void ticker_stop(Ticker *t);
#endif
