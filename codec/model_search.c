/* Finding lossy models: the given model and the model folders (see
 * model_search.h; the search order is documented in lat.h and README.md). */
#include "model_search.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common/bytes.h"

/* Set by codec/meson.build from models/MANIFEST and the install prefix. */
#ifndef LAT_DEFAULT_MODEL_ID
#error "LAT_DEFAULT_MODEL_ID (models/MANIFEST's default) must be defined"
#endif
#ifndef LAT_INSTALL_MODEL_DIR
#define LAT_INSTALL_MODEL_DIR "/usr/local/share/lat/models"
#endif

/* Model files larger than this are refused before reading them. */
#define MAX_MODEL_FILE_SIZE (512u * 1024u * 1024u)

static int add_dir(ModelSearch *s, const char *dir)
{
    if (!dir || !*dir || s->dir_count == MODEL_SEARCH_DIRS)
        return LAT_OK;
    for (int i = 0; i < s->dir_count; i++)
        if (!strcmp(s->dirs[i], dir))
            return LAT_OK;   /* e.g. the install folder found next to the binary too */
    if (!(s->dirs[s->dir_count] = strdup(dir)))
        return LAT_ERR_OUT_OF_MEMORY;
    s->dir_count++;
    return LAT_OK;
}

/* <prefix>/share/lat/models for a binary <prefix>/<bin>/<name>: an installed
 * tree that was moved, or installed with DESTDIR, still finds its models. */
static int add_dir_of_binary(ModelSearch *s)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return LAT_OK;
    exe[n] = 0;
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return LAT_OK;
        *slash = 0;
    }
    char dir[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/share/lat/models", exe);
    return add_dir(s, dir);
}

int model_search_init(ModelSearch *s, const LatSettings *settings)
{
    memset(s, 0, sizeof *s);
    if (settings->model_path && settings->model_data)
        return LAT_ERR_INVALID_ARGUMENT;
    if (settings->model_data) {
        int err = lossy_model_load(settings->model_data, settings->model_size, &s->given);
        if (err < 0)
            return err;
        s->given_origin = "given in memory";
    } else {
        const char *env = getenv("LAT_MODEL");
        const char *path = settings->model_path ? settings->model_path : env && *env ? env : NULL;
        s->given_origin = settings->model_path ? "given" : "from $LAT_MODEL";
        if (path && !(s->given_path = strdup(path)))
            return LAT_ERR_OUT_OF_MEMORY;
    }
    int err = add_dir(s, settings->model_dir);
    if (err >= 0)
        err = add_dir(s, getenv("LAT_MODEL_DIR"));
    if (err >= 0)
        err = add_dir_of_binary(s);
    if (err >= 0)
        err = add_dir(s, LAT_INSTALL_MODEL_DIR);
#ifdef LAT_SOURCE_MODEL_DIR   /* uninstalled builds: the source tree's models/ */
    if (err >= 0)
        err = add_dir(s, LAT_SOURCE_MODEL_DIR);
#endif
    if (err < 0)
        model_search_free(s);
    return err;
}

void model_search_free(ModelSearch *s)
{
    lossy_model_free(s->given);
    free(s->given_path);
    for (int i = 0; i < s->dir_count; i++)
        free(s->dirs[i]);
    for (int i = 0; i < s->loaded_count; i++) {
        lossy_model_free(s->loaded[i]);
        free(s->loaded_path[i]);
    }
    memset(s, 0, sizeof *s);
}

const char *model_search_path(const ModelSearch *s, const LossyModel *m)
{
    if (m == s->given)
        return s->given_path ? s->given_path : "";
    for (int i = 0; i < s->loaded_count; i++)
        if (s->loaded[i] == m)
            return s->loaded_path[i];
    return "";
}

const char *model_search_dir(const ModelSearch *s, int i)
{
    return i >= 0 && i < s->dir_count ? s->dirs[i] : NULL;
}

/* strerror, thread-safe (XSI strerror_r: contexts may live in several threads). */
static const char *errno_text(int e, char *buf, size_t size)
{
    if (strerror_r(e, buf, size) != 0)
        snprintf(buf, size, "error %d", e);
    return buf;
}

/* Reads a whole model file; *sys_errno is errno when opening or reading
 * fails (LAT_ERR_IO), 0 otherwise. */
static int slurp(const char *path, uint8_t **data, size_t *size, int *sys_errno)
{
    *data = NULL;
    *size = 0;
    *sys_errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *sys_errno = errno;
        return LAT_ERR_IO;
    }
    int err = LAT_OK;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        *sys_errno = errno ? errno : EIO;   /* e.g. a folder */
        err = LAT_ERR_IO;
    } else if ((unsigned long)len > MAX_MODEL_FILE_SIZE) {
        err = LAT_ERR_BAD_MODEL;
    }
    uint8_t *buf = err < 0 ? NULL : malloc(len ? (size_t)len : 1);
    if (err >= 0 && !buf)
        err = LAT_ERR_OUT_OF_MEMORY;
    if (err >= 0 && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        *sys_errno = ferror(f) ? EIO : 0;
        err = LAT_ERR_IO;
    }
    fclose(f);
    if (err < 0) {
        free(buf);
        return err;
    }
    *data = buf;
    *size = (size_t)len;
    return LAT_OK;
}

/* Loads the given model file once; its failure is sticky and explained. */
static int load_given(ModelSearch *s)
{
    if (s->given || !s->given_path)
        return LAT_OK;
    if (s->given_error)
        return s->given_error;
    uint8_t *data;
    size_t size;
    int sys_errno;
    int err = slurp(s->given_path, &data, &size, &sys_errno);
    if (err >= 0) {
        err = lossy_model_load(data, size, &s->given);
        free(data);
    }
    char text[128];
    if (err == LAT_ERR_IO)
        snprintf(s->message, sizeof s->message, "cannot read the model file %s (%s): %s",
                 s->given_path, s->given_origin,
                 sys_errno ? errno_text(sys_errno, text, sizeof text)
                           : "it is shorter than its size");
    else if (err < 0)
        snprintf(s->message, sizeof s->message, "the model file %s (%s) is not a usable model: %s",
                 s->given_path, s->given_origin, lat_strerror(err));
    /* Sticky: the file stays unreadable (running out of memory may pass). */
    s->given_error = err < 0 && err != LAT_ERR_OUT_OF_MEMORY ? err : 0;
    return err;
}

/* Model ids name files: only ids that cannot reach outside a folder. */
static int id_is_file_name(const char *id)
{
    if (!*id || *id == '.')
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
              || *p == '-' || *p == '_' || *p == '.' || *p == '+'))
            return 0;
    return 1;
}

/* Appends sep and text to the message (truncating quietly). */
static void message_add(ModelSearch *s, const char *sep, const char *text)
{
    size_t n = strlen(s->message);
    snprintf(s->message + n, sizeof s->message - n, "%s%s", sep, text);
}

/* The folders' <id>.latm with this hash. what: who needs it, for messages. */
static int find_in_dirs(ModelSearch *s, const char *id, uint64_t hash, const char *what,
                        const LossyModel **m)
{
    for (int i = 0; i < s->loaded_count; i++)
        if (lossy_model_hash(s->loaded[i]) == hash) {
            *m = s->loaded[i];
            return LAT_OK;
        }
    int result = LAT_ERR_NO_MODEL;
    char why[MODEL_SEARCH_PATH + 256] = "";   /* a file found but unusable */
    for (int i = 0; id_is_file_name(id) && i < s->dir_count; i++) {
        char path[MODEL_SEARCH_PATH];
        if (snprintf(path, sizeof path, "%s/%s.latm", s->dirs[i], id) >= (int)sizeof path)
            continue;
        uint8_t *data;
        size_t size;
        int sys_errno;
        int err = slurp(path, &data, &size, &sys_errno);
        if (err == LAT_ERR_IO && (sys_errno == ENOENT || sys_errno == ENOTDIR))
            continue;
        if (err == LAT_ERR_OUT_OF_MEMORY)
            return err;
        LossyModel *found = NULL;
        /* The content hash ends the file (docs/FORMAT.md 5): skip a model
         * with another hash without parsing it. */
        if (err >= 0 && size >= 12 && get_u64(data + size - 12) != hash)
            err = LAT_ERR_MODEL_MISMATCH;
        if (err >= 0)
            err = lossy_model_load(data, size, &found);
        free(data);
        if (err >= 0 && lossy_model_hash(found) != hash)
            err = LAT_ERR_MODEL_MISMATCH;
        char *found_path = err >= 0 ? strdup(path) : NULL;
        if (err >= 0 && !found_path)
            err = LAT_ERR_OUT_OF_MEMORY;
        if (err >= 0) {
            if (s->loaded_count == MODEL_SEARCH_LOADED) {   /* full: start over */
                for (int k = 0; k < s->loaded_count; k++) {
                    lossy_model_free(s->loaded[k]);
                    free(s->loaded_path[k]);
                }
                s->loaded_count = 0;
            }
            s->loaded_path[s->loaded_count] = found_path;
            s->loaded[s->loaded_count++] = found;
            *m = found;
            return LAT_OK;
        }
        lossy_model_free(found);
        if (err == LAT_ERR_OUT_OF_MEMORY)
            return err;
        if (result == LAT_ERR_NO_MODEL || result == LAT_ERR_MODEL_MISMATCH) {
            char text[128];
            result = err;
            if (err == LAT_ERR_MODEL_MISMATCH)
                snprintf(why, sizeof why, "%s has another hash", path);
            else
                snprintf(why, sizeof why, "%s: %s", path,
                         err == LAT_ERR_IO && sys_errno ? errno_text(sys_errno, text, sizeof text)
                                                        : lat_strerror(err));
        }
    }
    if (result == LAT_ERR_NO_MODEL && s->given && !strcmp(lossy_model_id(s->given), id)) {
        result = LAT_ERR_MODEL_MISMATCH;
        snprintf(why, sizeof why, "the given model has this id with another hash");
    }
    snprintf(s->message, sizeof s->message, "%s %s (hash %016llx) is not installed: ", what, id,
             (unsigned long long)hash);
    if (!id_is_file_name(id)) {
        message_add(s, "", "its id cannot name a model file");
    } else {
        message_add(s, "", "searched");
        for (int i = 0; i < s->dir_count; i++) {
            char path[MODEL_SEARCH_PATH];
            snprintf(path, sizeof path, "%s/%s.latm", s->dirs[i], id);
            message_add(s, i ? ", " : " ", path);
        }
        if (why[0])
            message_add(s, "; ", why);
    }
    if (s->given)
        message_add(s, "; the given model is ", lossy_model_id(s->given));
    return result;
}

int model_search_default(ModelSearch *s, const LossyModel **m)
{
    *m = NULL;
    int err = load_given(s);
    if (err < 0)
        return err;
    if (s->given) {
        *m = s->given;
        return LAT_OK;
    }
    return find_in_dirs(s, LAT_DEFAULT_MODEL_ID, LAT_DEFAULT_MODEL_HASH, "the default model", m);
}

int model_search_find(ModelSearch *s, const char *id, uint64_t hash, const LossyModel **m)
{
    *m = NULL;
    int err = load_given(s);
    if (err < 0)
        return err;
    if (s->given && lossy_model_hash(s->given) == hash) {
        *m = s->given;
        return LAT_OK;
    }
    return find_in_dirs(s, id, hash, "the file's model", m);
}
