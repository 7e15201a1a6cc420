#include "textbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *textbuf_reserve(TextBuf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void textbuf_append_n(TextBuf *b, const char *s, size_t n)
{
    char *dst = textbuf_reserve(b, n);
    if (!dst)
        return;
    memcpy(dst, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void textbuf_append(TextBuf *b, const char *s) { textbuf_append_n(b, s, strlen(s)); }

void textbuf_printf(TextBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    char *dst = textbuf_reserve(b, (size_t)n);
    if (!dst)
        return;
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void textbuf_append_xml(TextBuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': textbuf_append(b, "&amp;"); break;
        case '<': textbuf_append(b, "&lt;"); break;
        case '>': textbuf_append(b, "&gt;"); break;
        case '"': textbuf_append(b, "&quot;"); break;
        case '\'': textbuf_append(b, "&#39;"); break;
        default: textbuf_append_n(b, s, 1);
        }
    }
}

void textbuf_append_json(TextBuf *b, const char *s)
{
    textbuf_append(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            textbuf_printf(b, "\\%c", c);
        else if (c < 0x20)
            textbuf_printf(b, "\\u%04x", c);
        else
            textbuf_append_n(b, s, 1);
    }
    textbuf_append(b, "\"");
}

void textbuf_free(TextBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void textbuf_append_json_number(TextBuf *b, double v, const char *fmt)
{
    if (isfinite(v))
        textbuf_printf(b, fmt, v);
    else
        textbuf_append(b, "null");
}
