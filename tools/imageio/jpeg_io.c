/* JPEG reading with libjpeg-turbo (encoding for comparisons is in
 * jpeg_codec.c). The
 * library's fatal errors longjmp back here instead of calling exit(); all
 * allocations made while the jump is armed live in a heap-allocated state.
 * A file that ends early is refused; other corrupt-data warnings are what
 * every JPEG decoder tolerates, so they are ignored. */
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */

#include <jerror.h>
#include <jpeglib.h>
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "imageio.h"
#include "imageio_internal.h"

/* Hostile progressive JPEGs: a few KB of tiny scans can keep libjpeg busy
 * for minutes; real encoders write about 10 scans (libjpeg-turbo's own
 * fuzzers and TurboJPEG's scan limit use 500). */
#define JPEG_MAX_SCANS 500

typedef struct JpegState {
    struct jpeg_error_mgr mgr; /* first, so the error callbacks can cast */
    struct jpeg_progress_mgr progress;
    jmp_buf jmp;
    char msg[JMSG_LENGTH_MAX];
    int truncated;
    LatImage img;
} JpegState;

static void on_error_exit(j_common_ptr cinfo)
{
    JpegState *st = (JpegState *)(void *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, st->msg);
    longjmp(st->jmp, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    JpegState *st = (JpegState *)(void *)cinfo->err;
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
        st->truncated = 1;
}

static void on_progress(j_common_ptr cinfo)
{
    JpegState *st = (JpegState *)(void *)cinfo->err;
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > JPEG_MAX_SCANS) {
        snprintf(st->msg, sizeof(st->msg), "more than %d scans", JPEG_MAX_SCANS);
        longjmp(st->jmp, 1);
    }
}

static void install_errors(JpegState *st)
{
    jpeg_std_error(&st->mgr);
    st->mgr.error_exit = on_error_exit;
    st->mgr.emit_message = on_message;
}

int jpeg_is_signature(const uint8_t *data, size_t size)
{
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

static void copy_exif(j_decompress_ptr cinfo, LatImage *img)
{
    static const uint8_t tag[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1 || m->data_length <= 6 || memcmp(m->data, tag, 6) != 0)
            continue;
        img->exif = malloc(m->data_length - 6);
        if (!img->exif)
            ERREXIT(cinfo, JERR_OUT_OF_MEMORY);
        memcpy(img->exif, m->data + 6, m->data_length - 6);
        img->exif_size = m->data_length - 6;
        return;
    }
}

int jpeg_read_memory(const uint8_t *data, size_t size, LatImage *img, uint64_t max_pixels,
                     char *err, size_t errlen)
{
    memset(img, 0, sizeof(*img));
    struct jpeg_decompress_struct *cinfo = calloc(1, sizeof(*cinfo));
    JpegState *st = calloc(1, sizeof(*st));
    if (!cinfo || !st) {
        free(cinfo);
        free(st);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    install_errors(st);
    cinfo->err = &st->mgr;
    if (setjmp(st->jmp)) {
        snprintf(err, errlen, "invalid JPEG: %s", st->msg);
        jpeg_destroy_decompress(cinfo);
        image_clear(&st->img);
        free(cinfo);
        free(st);
        return -1;
    }
    jpeg_create_decompress(cinfo);
    st->progress.progress_monitor = on_progress;
    cinfo->progress = &st->progress;
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF); /* EXIF */
    jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF); /* ICC, read by jpeg_read_icc_profile */
    jpeg_read_header(cinfo, TRUE);

    uint32_t channels;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        snprintf(st->msg, sizeof(st->msg), "CMYK JPEG is not supported");
        longjmp(st->jmp, 1);
    default:
        cinfo->out_color_space = JCS_RGB;
        channels = 3;
        break;
    }
    /* A Huffman-coded scan spends at least one bit per MCU, so a file too
     * short for the declared size is refused before the image is allocated
     * (arithmetic coding has no such bound). */
    uint64_t mcus = (uint64_t)cinfo->total_iMCU_rows
        * (((uint64_t)cinfo->image_width + 8u * cinfo->max_h_samp_factor - 1)
           / (8u * cinfo->max_h_samp_factor));
    if (!cinfo->arith_code && (uint64_t)size * 8u < mcus) {
        snprintf(st->msg, sizeof(st->msg), "file too short for the image size in its header");
        longjmp(st->jmp, 1);
    }
    if (image_alloc(&st->img, cinfo->image_width, cinfo->image_height, channels, 8,
                    max_pixels, st->msg, sizeof(st->msg)) < 0) {
        snprintf(err, errlen, "%s", st->msg);
        jpeg_destroy_decompress(cinfo);
        free(cinfo);
        free(st);
        return -1;
    }
    JOCTET *icc = NULL;
    unsigned int icc_len = 0;
    if (jpeg_read_icc_profile(cinfo, &icc, &icc_len) && icc_len > 0) {
        st->img.icc = icc; /* malloc'd by libjpeg-turbo: ours to free */
        st->img.icc_size = icc_len;
    }
    copy_exif(cinfo, &st->img);

    /* libjpeg's own memory cap (its big buffers are the coefficient arrays
     * of progressive files, 2 bytes per sample of the padded image): with
     * no backing store, exceeding it is an error, not a silent allocation. */
    uint64_t padded = ((uint64_t)cinfo->image_width + 31) * ((uint64_t)cinfo->image_height + 31);
    uint64_t cap = padded * (uint64_t)cinfo->num_components * 2u + (64u << 20);
    cinfo->mem->max_memory_to_use = cap < (uint64_t)LONG_MAX ? (long)cap : LONG_MAX;
    jpeg_start_decompress(cinfo);
    if (cinfo->output_components != (int)channels || cinfo->output_width != st->img.width ||
        cinfo->output_height != st->img.height)
        ERREXIT(cinfo, JERR_BAD_LENGTH);
    size_t stride = (size_t)st->img.width * channels;
    /* Stop at the end of the data: the rest would only be filler. */
    while (cinfo->output_scanline < cinfo->output_height && !st->truncated) {
        JSAMPROW row = (uint8_t *)st->img.pixels + cinfo->output_scanline * stride;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    if (st->truncated) {
        snprintf(st->msg, sizeof(st->msg), "file is truncated");
        longjmp(st->jmp, 1);
    }
    jpeg_finish_decompress(cinfo);
    jpeg_destroy_decompress(cinfo);
    *img = st->img;
    free(cinfo);
    free(st);
    return 0;
}
