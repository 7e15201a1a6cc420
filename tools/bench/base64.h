/* Base64 (RFC 4648, standard alphabet, '=' padding), for data: URIs in the
 * bench report. */
#ifndef LAT_TOOLS_BASE64_H
#define LAT_TOOLS_BASE64_H
#include <stddef.h>
#include <stdint.h>

/* Characters base64_encode writes for size bytes (without the NUL). */
size_t base64_encoded_size(size_t size);

/* Writes base64_encoded_size(size) characters and a NUL to out. */
void base64_encode(const uint8_t *data, size_t size, char *out);
#endif
