/* The lossy model behind `lat classify`: found, loaded once as a LossyModel
 * (batch analysis / synthesis) and opened as a LatContext per quality (the
 * public API, for per-image .lat files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "errmsg.h"
#include "lossy/lossy.h"
#include "nn/nn.h"

/* <folder>/<id>.latm for the i-th model folder of the library's search and
 * MANIFEST's classify model (LAT_CLASSIFY_MODEL_ID, set by tools/meson.build). */
static int default_path(int i, char *buf, size_t len)
{
    LatContext *c;
    if (lat_open(&c, NULL) < 0)
        return -1;
    const char *dir = lat_model_dir(c, i);
    if (dir)
        snprintf(buf, len, "%s/%s.latm", dir, LAT_CLASSIFY_MODEL_ID);
    lat_close(&c);
    return dir ? 0 : -1;
}

int classify_model_open(ClassifyModel *m, const char *path, int threads, char *err,
                        size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->threads = threads;
    m->ctx_quality = -1;
    nn_set_threads(threads);
    uint8_t *data = NULL;
    size_t size = 0;
    if (path) {
        snprintf(m->path, sizeof m->path, "%s", path);
        if (classify_read_file(m->path, &data, &size) < 0) {
            set_err(err, errlen, "cannot read model %s", m->path);
            return -1;
        }
    } else {
        for (int i = 0; default_path(i, m->path, sizeof m->path) == 0; i++)
            if (classify_read_file(m->path, &data, &size) == 0)
                break;
        if (!data) {
            set_err(err, errlen, "no %s.latm found in the model folders "
                                 "(give --model FILE)", LAT_CLASSIFY_MODEL_ID);
            return -1;
        }
    }
    int e = lossy_model_load(data, size, &m->lossy);
    free(data);
    if (e < 0) {
        set_err(err, errlen, "%s: %s", m->path, lat_strerror(e));
        return -1;
    }
    return 0;
}

LatContext *classify_model_ctx(ClassifyModel *m, int quality, char *err, size_t errlen)
{
    if (m->ctx && m->ctx_quality == quality)
        return m->ctx;
    lat_close(&m->ctx);
    LatSettings s;
    lat_default_settings(&s);
    s.quality = quality;
    s.threads = m->threads;
    s.model_path = m->path;
    int e = lat_open(&m->ctx, &s);
    if (e < 0) {
        set_err(err, errlen, "lat_open: %s", lat_strerror(e));
        return NULL;
    }
    m->ctx_quality = quality;
    return m->ctx;
}

void classify_model_close(ClassifyModel *m)
{
    lat_close(&m->ctx);
    lossy_model_free(m->lossy);
    m->lossy = NULL;
}
