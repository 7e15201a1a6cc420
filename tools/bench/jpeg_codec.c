/* libjpeg-turbo in memory. Errors longjmp back to the calling function
 * (libjpeg's documented error-recovery pattern); the jmp_buf never leaves
 * this file. */
#include "jpeg_codec.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

typedef struct JpegError {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} JpegError;

static void on_jpeg_error(j_common_ptr cinfo)
{
    JpegError *e = (JpegError *)cinfo->err;
    e->mgr.format_message(cinfo, e->message);
    longjmp(e->jump, 1);
}

/* Warnings (e.g. corrupt-data recoveries) are ignored: the caller measures
 * the output anyway. */
static void on_jpeg_message(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
}

int jpeg_encode_memory(const LatImage *img, const JpegOptions *opt, uint8_t **out,
                       size_t *out_size, char *err, size_t errlen)
{
    *out = NULL;
    *out_size = 0;
    if (!img || !img->pixels || img->bit_depth != 8 || (img->channels != 1 && img->channels != 3)) {
        snprintf(err, errlen, "JPEG encoder needs an 8-bit gray or RGB image");
        return -1;
    }
    if (opt->quality < 1 || opt->quality > 100) {
        snprintf(err, errlen, "JPEG quality %d outside 1..100", opt->quality);
        return -1;
    }
    struct jpeg_compress_struct cinfo;
    JpegError jerr;
    /* libjpeg owns this buffer until jpeg_finish_compress; volatile because it
     * is read after a longjmp. */
    unsigned char *volatile buf = NULL;
    unsigned long size = 0;

    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = on_jpeg_error;
    jerr.mgr.emit_message = on_jpeg_message;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buf);
        snprintf(err, errlen, "JPEG encode: %s", jerr.message);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buf, &size);
    cinfo.image_width = img->width;
    cinfo.image_height = img->height;
    cinfo.input_components = (int)img->channels;
    cinfo.in_color_space = img->channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    /* cjpeg -quality does not force baseline tables: at low quality the
     * quantizers exceed 255, as in the reference tool. */
    jpeg_set_quality(&cinfo, opt->quality, FALSE);
    cinfo.optimize_coding = opt->optimize ? TRUE : FALSE;
    if (img->channels == 3 && opt->chroma_444) {
        cinfo.comp_info[0].h_samp_factor = 1;
        cinfo.comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(&cinfo, TRUE);
    const uint8_t *px = img->pixels;
    size_t stride = (size_t)img->width * img->channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buf;
    *out_size = size;
    return 0;
}

int jpeg_decode_memory(const uint8_t *data, size_t size, LatImage *img, char *err,
                       size_t errlen)
{
    memset(img, 0, sizeof(*img));
    if (!data || size == 0) {
        snprintf(err, errlen, "JPEG decode: empty input");
        return -1;
    }
    struct jpeg_decompress_struct cinfo;
    JpegError jerr;
    uint8_t *volatile pixels = NULL;

    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = on_jpeg_error;
    jerr.mgr.emit_message = on_jpeg_message;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        snprintf(err, errlen, "JPEG decode: %s", jerr.message);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    uint32_t channels = (uint32_t)cinfo.output_components;
    size_t stride = (size_t)cinfo.output_width * channels;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(err, errlen, "JPEG decode: out of memory");
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.output_scanline * stride);
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    img->width = cinfo.output_width;
    img->height = cinfo.output_height;
    img->channels = channels;
    img->bit_depth = 8;
    img->pixels = pixels;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}
