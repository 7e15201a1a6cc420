/* A growable text buffer for building SVG/HTML/JSON in the bench tools.
 * After an allocation failure the buffer stays in a failed state (failed = 1,
 * further appends are ignored), so callers check once at the end. */
#ifndef LAT_TOOLS_TEXTBUF_H
#define LAT_TOOLS_TEXTBUF_H
#include <stddef.h>

typedef struct TextBuf {
    char *data;   /* NUL-terminated when len > 0; owned, free with textbuf_free */
    size_t len;
    size_t cap;
    int failed;
} TextBuf;

#if defined(__GNUC__)
#define TEXTBUF_PRINTF __attribute__((format(printf, 2, 3)))
#else
#define TEXTBUF_PRINTF
#endif

void textbuf_append(TextBuf *b, const char *s);
void textbuf_append_n(TextBuf *b, const char *s, size_t n);
void textbuf_printf(TextBuf *b, const char *fmt, ...) TEXTBUF_PRINTF;
/* Appends s with &, <, >, " and ' replaced by entities (HTML/SVG/XML text). */
void textbuf_append_xml(TextBuf *b, const char *s);
/* Appends s as a JSON string literal, quotes included. */
void textbuf_append_json(TextBuf *b, const char *s);
/* Appends v formatted with fmt (one double conversion), or null when v is
 * not finite (JSON has no inf or nan). */
void textbuf_append_json_number(TextBuf *b, double v, const char *fmt);
/* Makes room for n more bytes and returns where they go (NULL on failure);
 * the caller then adds n to len. */
char *textbuf_reserve(TextBuf *b, size_t n);
void textbuf_free(TextBuf *b);
#endif
