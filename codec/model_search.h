/* Where a context finds its lossy models (README.md "Models", lat.h): the
 * model it was given (LatSettings.model_path or model_data, else
 * $LAT_MODEL) and the model folders, each holding <id>.latm files. The
 * encoder uses the given model, else the build's default id; the decoder
 * takes whichever model has the file's hash. Loaded models are kept. */
#ifndef LAT_MODEL_SEARCH_H
#define LAT_MODEL_SEARCH_H
#include <stdint.h>
#include "lat.h"
#include "lossy/lossy.h"

enum {
    MODEL_SEARCH_DIRS = 5,      /* setting, $LAT_MODEL_DIR, next to the binary, install, source */
    MODEL_SEARCH_LOADED = 16,   /* distinct models kept per context */
    MODEL_SEARCH_PATH = 4096,
};

typedef struct ModelSearch {
    char *given_path;           /* model_path or $LAT_MODEL, owned; NULL if none */
    const char *given_origin;   /* "given" or "from $LAT_MODEL", for messages */
    LossyModel *given;          /* the given model once loaded (model_data: at init) */
    int given_error;            /* sticky result of loading given_path, 0 if none yet */
    char *dirs[MODEL_SEARCH_DIRS];
    int dir_count;
    LossyModel *loaded[MODEL_SEARCH_LOADED];   /* found in the folders */
    char *loaded_path[MODEL_SEARCH_LOADED];    /* the file each came from */
    int loaded_count;
    char message[2 * MODEL_SEARCH_PATH];       /* the last failure, "" if none */
} ModelSearch;

/* Copies the settings' model choices and builds the folder list. A model in
 * memory (model_data) is parsed here. Returns 0 or a LatError; on error s
 * holds nothing to free. */
int model_search_init(ModelSearch *s, const LatSettings *settings);
void model_search_free(ModelSearch *s);

/* The model to encode with: the given one, else the build's default
 * (LAT_DEFAULT_MODEL_ID with LAT_DEFAULT_MODEL_HASH) from the folders. */
int model_search_default(ModelSearch *s, const LossyModel **m);

/* The model with this id and content hash (a .lat header's): the given
 * one if its hash matches, else <dir>/<id>.latm of the first folder whose
 * file has the hash. LAT_ERR_NO_MODEL when no folder has <id>.latm,
 * LAT_ERR_MODEL_MISMATCH when one has it (or the given model has the id)
 * with another hash; a given model that cannot be loaded is its error
 * whatever the file needs. */
int model_search_find(ModelSearch *s, const char *id, uint64_t hash, const LossyModel **m);

/* The file m (a result of the two above) was read from; "" for a model
 * given in memory. */
const char *model_search_path(const ModelSearch *s, const LossyModel *m);

/* The i-th model folder searched, in order; NULL past the end. */
const char *model_search_dir(const ModelSearch *s, int i);

#endif
