/* Checksums used by the .lat container and model files (docs/FORMAT.md). */
#ifndef LAT_CHECKSUM_H
#define LAT_CHECKSUM_H
#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), as in PNG and zlib.
 * crc32_update(0, data, n) gives the standard CRC of data; chain calls by
 * passing the previous result. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t n);

/* 64-bit FNV-1a over data: the content hash of model weights. Not
 * cryptographic; it identifies a model, it does not authenticate it. */
uint64_t hash64_update(uint64_t h, const void *data, size_t n);
#define HASH64_INIT 0xcbf29ce484222325ULL

#endif
