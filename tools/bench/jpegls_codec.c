#include "jpegls_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LAT_HAVE_CHARLS
#include <charls/charls.h>

int jpegls_available(void) { return 1; }

/* Interleave mode per component count. 3 (RGB): sample interleaving, a bit
 * smaller than line on Kodak. 4: line, because CharLS 2.4.1's
 * sample-interleaved 4-component streams do not always decode to the input
 * (found by this bench's bit-exact check on PngSuite tm3n3p02.png). 2: the
 * CharLS decoder refuses interleaved 2-component streams, so planes are
 * coded one after the other (mode none). */
static charls_interleave_mode interleave_for(uint32_t channels)
{
    if (channels == 3)
        return CHARLS_INTERLEAVE_MODE_SAMPLE;
    if (channels == 4)
        return CHARLS_INTERLEAVE_MODE_LINE;
    return CHARLS_INTERLEAVE_MODE_NONE;
}

/* Interleaved <-> planar (one plane per channel) for mode none. */
static void to_planar(const uint8_t *src, uint8_t *dst, size_t pixels, uint32_t channels,
                      size_t bytes_per_sample)
{
    for (uint32_t c = 0; c < channels; c++)
        for (size_t i = 0; i < pixels; i++)
            memcpy(dst + (c * pixels + i) * bytes_per_sample,
                   src + (i * channels + c) * bytes_per_sample, bytes_per_sample);
}

static void from_planar(const uint8_t *src, uint8_t *dst, size_t pixels, uint32_t channels,
                        size_t bytes_per_sample)
{
    for (uint32_t c = 0; c < channels; c++)
        for (size_t i = 0; i < pixels; i++)
            memcpy(dst + (i * channels + c) * bytes_per_sample,
                   src + (c * pixels + i) * bytes_per_sample, bytes_per_sample);
}

int jpegls_encode_memory(const LatImage *img, uint8_t **out, size_t *out_size, char *err,
                         size_t errlen)
{
    *out = NULL;
    *out_size = 0;
    if (!img || !img->pixels || img->channels < 1 || img->channels > 4 ||
        (img->bit_depth != 8 && img->bit_depth != 16)) {
        snprintf(err, errlen, "JPEG-LS: unsupported image");
        return -1;
    }
    charls_jpegls_encoder *enc = charls_jpegls_encoder_create();
    if (!enc) {
        snprintf(err, errlen, "JPEG-LS: out of memory");
        return -1;
    }
    charls_frame_info fi = {img->width, img->height, (int32_t)img->bit_depth,
                            (int32_t)img->channels};
    charls_interleave_mode mode = interleave_for(img->channels);
    size_t bytes_per_sample = img->bit_depth / 8, pixels = (size_t)img->width * img->height;
    size_t stride = (size_t)img->width * img->channels * bytes_per_sample;
    const void *src = img->pixels;
    uint8_t *planar = NULL;
    if (mode == CHARLS_INTERLEAVE_MODE_NONE && img->channels > 1) {
        planar = malloc(pixels * img->channels * bytes_per_sample);
        if (!planar) {
            charls_jpegls_encoder_destroy(enc);
            snprintf(err, errlen, "JPEG-LS: out of memory");
            return -1;
        }
        to_planar(img->pixels, planar, pixels, img->channels, bytes_per_sample);
        src = planar;
        stride = (size_t)img->width * bytes_per_sample;
    }
    size_t capacity = 0, written = 0;
    uint8_t *buf = NULL;
    charls_jpegls_errc e = charls_jpegls_encoder_set_frame_info(enc, &fi);
    if (!e && img->channels > 1)
        e = charls_jpegls_encoder_set_interleave_mode(enc, mode);
    if (!e)
        e = charls_jpegls_encoder_get_estimated_destination_size(enc, &capacity);
    if (!e) {
        buf = malloc(capacity);
        if (!buf) {
            charls_jpegls_encoder_destroy(enc);
            free(planar);
            snprintf(err, errlen, "JPEG-LS: out of memory");
            return -1;
        }
        e = charls_jpegls_encoder_set_destination_buffer(enc, buf, capacity);
    }
    if (!e)
        e = charls_jpegls_encoder_encode_from_buffer(
            enc, src, pixels * img->channels * bytes_per_sample, (uint32_t)stride);
    if (!e)
        e = charls_jpegls_encoder_get_bytes_written(enc, &written);
    charls_jpegls_encoder_destroy(enc);
    free(planar);
    if (e) {
        free(buf);
        snprintf(err, errlen, "JPEG-LS encode: %s", charls_get_error_message(e));
        return -1;
    }
    *out = buf;
    *out_size = written;
    return 0;
}

int jpegls_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err,
                         size_t errlen)
{
    memset(img, 0, sizeof(*img));
    charls_jpegls_decoder *dec = charls_jpegls_decoder_create();
    if (!dec) {
        snprintf(err, errlen, "JPEG-LS: out of memory");
        return -1;
    }
    charls_frame_info fi;
    charls_interleave_mode mode = CHARLS_INTERLEAVE_MODE_NONE;
    size_t needed = 0;
    uint8_t *px = NULL;
    charls_jpegls_errc e = charls_jpegls_decoder_set_source_buffer(dec, data, size);
    if (!e)
        e = charls_jpegls_decoder_read_header(dec);
    if (!e)
        e = charls_jpegls_decoder_get_frame_info(dec, &fi);
    if (!e)
        e = charls_jpegls_decoder_get_interleave_mode(dec, &mode);
    if (!e && (fi.component_count < 1 || fi.component_count > 4 ||
               (fi.bits_per_sample != 8 && fi.bits_per_sample != 16))) {
        charls_jpegls_decoder_destroy(dec);
        snprintf(err, errlen, "JPEG-LS decode: %d components of %d bits not supported here",
                 fi.component_count, fi.bits_per_sample);
        return -1;
    }
    if (!e)
        e = charls_jpegls_decoder_get_destination_size(dec, 0, &needed);
    if (!e) {
        px = malloc(needed);
        if (!px) {
            charls_jpegls_decoder_destroy(dec);
            snprintf(err, errlen, "JPEG-LS: out of memory");
            return -1;
        }
        e = charls_jpegls_decoder_decode_to_buffer(dec, px, needed, 0);
    }
    charls_jpegls_decoder_destroy(dec);
    if (e) {
        free(px);
        snprintf(err, errlen, "JPEG-LS decode: %s", charls_get_error_message(e));
        return -1;
    }
    size_t bytes_per_sample = (size_t)fi.bits_per_sample / 8, pixels = (size_t)fi.width * fi.height;
    if (mode == CHARLS_INTERLEAVE_MODE_NONE && fi.component_count > 1) {
        uint8_t *inter = malloc(needed);
        if (!inter) {
            free(px);
            snprintf(err, errlen, "JPEG-LS: out of memory");
            return -1;
        }
        from_planar(px, inter, pixels, (uint32_t)fi.component_count, bytes_per_sample);
        free(px);
        px = inter;
    }
    img->width = fi.width;
    img->height = fi.height;
    img->channels = (uint32_t)fi.component_count;
    img->bit_depth = (uint32_t)fi.bits_per_sample;
    img->pixels = px;
    return 0;
}

#else /* !LAT_HAVE_CHARLS */

int jpegls_available(void) { return 0; }

int jpegls_encode_memory(const LatImage *img, uint8_t **out, size_t *out_size, char *err,
                         size_t errlen)
{
    (void)img;
    *out = NULL;
    *out_size = 0;
    snprintf(err, errlen, "JPEG-LS unavailable: built without CharLS");
    return -1;
}

int jpegls_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err,
                         size_t errlen)
{
    (void)data;
    (void)size;
    memset(img, 0, sizeof(*img));
    snprintf(err, errlen, "JPEG-LS unavailable: built without CharLS");
    return -1;
}
#endif
