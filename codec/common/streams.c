#include <stdlib.h>
#include "common/streams.h"

int streams_push(StreamList *l, uint32_t type, uint8_t *data, size_t size, int zstd_level)
{
    if (l->count >= STREAMS_MAX) {
        free(data);
        return -1;
    }
    Stream *s = &l->s[l->count++];
    s->type = type;
    s->zstd_level = zstd_level;
    s->data = data;
    s->size = size;
    return 0;
}

void streams_free(StreamList *l)
{
    for (uint32_t i = 0; i < l->count; i++)
        free(l->s[i].data);
    l->count = 0;
}
