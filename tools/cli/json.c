#include "json.h"

#include <math.h>

void json_put_text(FILE *f, const char *s, int json)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (json && (ch == '"' || ch == '\\'))
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(f, json ? "\\u%04x" : "\\x%02x", ch);
        else
            fputc(ch, f);
    }
}

void json_put_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}
