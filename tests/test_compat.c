/* The compatibility corpus (testvectors/compat/README.md). Every model of
 * models/MANIFEST keeps its bytes (content hash and file CRC) and has
 * vectors; every vector folder names a shipped model (or is lossless/);
 * every vector decodes with the default model search (no model given) to
 * its expected latents (CRC-32, exact) and pixels (within 1 per sample,
 * docs/FORMAT.md 4.1; lossless: exact); the default model encodes. A
 * model dropped from the manifest or the install, or a decoder change that
 * moves a latent, fails here. The old names of models/ALIASES hold the
 * bytes of the files they name.
 *   test_compat TESTVECTORS MODELS   check
 *   test_compat --print FOLDER       the LATENTS lines of FOLDER's .lat files */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lat.h"
#include "check.h"
#include "common/checksum.h"
#include "common/streams.h"
#include "container/container.h"
#include "imageio.h"

enum { MAX_MODELS = 64, MAX_FILES = 256 };

typedef struct Manifest {
    char id[MAX_MODELS][33], hash[MAX_MODELS][17], crc[MAX_MODELS][9], role[MAX_MODELS][16];
    int count;
} Manifest;

static int read_manifest(const char *models, Manifest *m)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/MANIFEST", models);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    m->count = 0;
    while (fgets(line, sizeof line, f) && m->count < MAX_MODELS) {
        int i = m->count;
        if (line[0] == '#' || sscanf(line, "%32s %16s %8s %15s", m->id[i], m->hash[i], m->crc[i],
                                     m->role[i]) != 4)
            continue;
        m->count++;
    }
    fclose(f);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted (malloc'd; free with free_names). */
static int list_dir(const char *dir, const char *suffix, char **names)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while (d && (e = readdir(d)) && n < MAX_FILES) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] != '.' && l >= sl && !strcmp(e->d_name + l - sl, suffix))
            names[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_names);
    return n;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
}

/* CRC-32 of the latents' shape (3 u32) and values (i16), little-endian. */
static uint32_t latents_crc(const int16_t *q, uint32_t count, const uint32_t shape[3])
{
    uint8_t b[4];
    uint32_t crc = 0;
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 4; k++)
            b[k] = (uint8_t)(shape[i] >> (8 * k));
        crc = crc32_update(crc, b, 4);
    }
    for (uint32_t i = 0; i < count; i++) {
        b[0] = (uint8_t)((uint16_t)q[i] & 0xff);
        b[1] = (uint8_t)((uint16_t)q[i] >> 8);
        crc = crc32_update(crc, b, 2);
    }
    return crc;
}

/* The latents' CRC of one .lat file by the default search; 0 and *crc, or
 * the LatError. */
static int file_latents_crc(LatContext *c, const uint8_t *data, size_t size, uint32_t *crc)
{
    int16_t *q;
    uint32_t count, shape[3];
    int err = lat_decode_latents(c, data, size, &q, &count, shape);
    if (err >= 0)
        *crc = latents_crc(q, count, shape);
    lat_free(q);
    return err;
}

/* The decode of one file against its expected image, within tol per sample. */
static void check_pixels(const char *name, const LatImage *got, const LatImage *want, int tol)
{
    if (got->width != want->width || got->height != want->height
        || got->channels != want->channels || got->bit_depth != want->bit_depth) {
        CHECK_MSG(0, "%s: decoded shape %ux%ux%u/%u, expected %ux%ux%u/%u", name, got->width,
                  got->height, got->channels, got->bit_depth, want->width, want->height,
                  want->channels, want->bit_depth);
        return;
    }
    size_t n = (size_t)got->width * got->height * got->channels;
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int a = got->bit_depth == 8 ? ((const uint8_t *)got->pixels)[i]
                                    : ((const uint16_t *)got->pixels)[i];
        int b = want->bit_depth == 8 ? ((const uint8_t *)want->pixels)[i]
                                     : ((const uint16_t *)want->pixels)[i];
        if (abs(a - b) > worst)
            worst = abs(a - b);
    }
    CHECK_MSG(worst <= tol, "%s: a sample differs by %d from the expected decode (at most %d)",
              name, worst, tol);
}

/* The expected latents CRC of name in the LATENTS lines, or -1. */
static long expected_crc(const char *latents, const char *name)
{
    char pattern[300];
    snprintf(pattern, sizeof pattern, "\n%s ", name);
    const char *p = strstr(latents, pattern);
    return p ? strtol(p + strlen(pattern), NULL, 16) : -1;
}

/* The lossless params version of a lossless file (its first params byte),
 * or -1: a file named lV-* must really be lossless mode vV (an encoder
 * fallback would otherwise leave a version untested). */
static int lossless_version(const uint8_t *data, size_t size)
{
    LatHeader h;
    StreamList l;
    int version = -1;
    if (container_read(data, size, 0, &h, &l) < 0)
        return -1;
    for (uint32_t i = 0; i < l.count; i++)
        if (l.s[i].type == STREAM_LOSSLESS_PARAMS && l.s[i].size > 0)
            version = l.s[i].data[0];
    streams_free(&l);
    return version;
}

/* One vector folder: lossless (tol 0, no latents) or a model's. Returns
 * the number of vectors checked. */
static int check_folder(LatContext *c, const char *dir, const Manifest *m, int model)
{
    char *names[MAX_FILES], path[4096];
    int n = list_dir(dir, ".lat", names);
    char *latents = NULL;
    if (model >= 0) {
        snprintf(path, sizeof path, "%s/LATENTS", dir);
        size_t size = 0;
        uint8_t *text = check_read_file(path, &size);
        CHECK_MSG(text != NULL, "%s is missing", path);
        latents = calloc(1, size + 2);
        if (latents && text) {
            latents[0] = '\n';   /* every line starts after a newline */
            memcpy(latents + 1, text, size);
        }
        free(text);
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t size = 0;
        uint8_t *data = check_read_file(path, &size);
        LatInfo info;
        CHECK_ERR(lat_inspect(data, size, &info), LAT_OK);
        if (model < 0) {
            int want = names[i][0] == 'l' ? atoi(names[i] + 1) : 0;
            CHECK_MSG(want > 0 && lossless_version(data, size) == want,
                      "%s: not lossless mode v%d", path, want);
        }
        if (model >= 0) {
            char hash[17];
            snprintf(hash, sizeof hash, "%016llx", (unsigned long long)info.model_hash);
            CHECK_MSG(!strcmp(info.model_id, m->id[model]) && !strcmp(hash, m->hash[model]),
                      "%s: made with %s %s, not the folder's model", path, info.model_id, hash);
            uint32_t crc = 0;
            int err = file_latents_crc(c, data, size, &crc);
            CHECK_MSG(err == LAT_OK, "%s: %s %s", path, lat_strerror(err), lat_model_error(c));
            long want = latents ? expected_crc(latents, names[i]) : -1;
            CHECK_MSG(err < 0 || (long)crc == want, "%s: latents CRC %08x, LATENTS says %08lx",
                      path, crc, want);
        }
        LatImage got, want;
        char msg[256];
        int err = lat_decode(c, data, size, &got);
        CHECK_MSG(err == LAT_OK, "%s: %s %s", path, lat_strerror(err), lat_model_error(c));
        snprintf(path + strlen(path) - 4, 5, ".png");
        int read = image_read_file(path, &want, 0, msg, sizeof msg);
        CHECK_MSG(read == 0, "%s", msg);
        if (err == LAT_OK && read == 0)
            check_pixels(names[i], &got, &want, model >= 0 ? 1 : 0);
        lat_image_free(&got);
        if (read == 0)
            lat_image_free(&want);
        free(data);
    }
    /* Every LATENTS line names a file that is there. */
    for (const char *p = latents; p && (p = strchr(p, '\n')) && p[1]; p++) {
        char name[256];
        int found = 0;
        if (sscanf(p + 1, "%255s", name) == 1)
            for (int i = 0; i < n; i++)
                found |= !strcmp(names[i], name);
        CHECK_MSG(found, "%s/LATENTS names %s, which is not there", dir, name);
    }
    free(latents);
    free_names(names, n);
    return n;
}

/* Each old name in models/ALIASES holds the same bytes as the file it names. */
static int check_aliases(const char *models)
{
    char path[4096], line[512], alias[128], target[128];
    snprintf(path, sizeof path, "%s/ALIASES", models);
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "%s cannot be read", path);
    int n = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%127s %127s", alias, target) != 2)
            continue;
        size_t sa = 0, st = 0;
        snprintf(path, sizeof path, "%s/%s", models, alias);
        uint8_t *a = check_read_file(path, &sa);
        snprintf(path, sizeof path, "%s/%s", models, target);
        uint8_t *t = check_read_file(path, &st);
        CHECK_MSG(a && t && sa == st && !memcmp(a, t, sa), "models/%s differs from %s", alias,
                  target);
        free(a);
        free(t);
        n++;
    }
    if (f)
        fclose(f);
    return n;
}

/* The model file of entry i is the shipped one: hash and CRC as listed. */
static void check_model_file(const char *models, const Manifest *m, int i)
{
    char path[4096], hash[17], crc[9];
    snprintf(path, sizeof path, "%s/%s.latm", models, m->id[i]);
    size_t size = 0;
    uint8_t *data = check_read_file(path, &size);
    CHECK_MSG(data && size > 12, "%s cannot be read", path);
    if (!data || size <= 12) {
        free(data);
        return;
    }
    uint64_t h = 0;
    uint32_t stored = 0;
    for (int k = 7; k >= 0; k--)
        h = h << 8 | data[size - 12 + k];
    for (int k = 3; k >= 0; k--)
        stored = stored << 8 | data[size - 4 + k];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)h);
    snprintf(crc, sizeof crc, "%08x", crc32_update(0, data, size - 4));
    CHECK_MSG(!strcmp(hash, m->hash[i]), "%s: hash %s, MANIFEST says %s", path, hash, m->hash[i]);
    CHECK_MSG(!strcmp(crc, m->crc[i]) && stored == (uint32_t)strtoul(crc, NULL, 16),
              "%s: CRC %s (stored %08x), MANIFEST says %s: a shipped model changed", path, crc,
              stored, m->crc[i]);
    free(data);
}

/* The default model of the manifest is what a context with no model given
 * encodes with. */
static void check_default_encode(LatContext *c, const Manifest *m)
{
    int def = -1, defaults = 0;
    for (int i = 0; i < m->count; i++)
        if (!strcmp(m->role[i], "default")) {
            def = i;
            defaults++;
        }
    CHECK_MSG(defaults == 1, "MANIFEST has %d default models", defaults);
    uint8_t px[24 * 16 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 7 % 251);
    LatImage img = {24, 16, 3, 8, px, NULL, 0, NULL, 0, NULL, 0, {0, 0, {0}, 0}};
    uint8_t *file = NULL;
    size_t size = 0;
    int err = lat_encode(c, &img, &file, &size);
    CHECK_MSG(err == LAT_OK, "default encode: %s %s", lat_strerror(err), lat_model_error(c));
    LatInfo info;
    if (err == LAT_OK && def >= 0) {
        CHECK_ERR(lat_inspect(file, size, &info), LAT_OK);
        CHECK_MSG(!strcmp(info.model_id, m->id[def]), "default encode used %s, MANIFEST says %s",
                  info.model_id, m->id[def]);
    }
    lat_free(file);
}

static int print_latents(const char *dir)
{
    char *names[MAX_FILES], path[4096];
    int n = list_dir(dir, ".lat", names);
    LatContext *c;
    if (lat_open(&c, NULL) < 0)
        return 1;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        size_t size = 0;
        uint8_t *data = check_read_file(path, &size);
        uint32_t crc;
        int err = file_latents_crc(c, data, size, &crc);
        if (err < 0)
            fprintf(stderr, "%s: %s %s\n", path, lat_strerror(err), lat_model_error(c));
        else
            printf("%s %08x\n", names[i], crc);
        free(data);
    }
    lat_close(&c);
    free_names(names, n);
    return 0;
}

int main(int argc, char **argv)
{
    unsetenv("LAT_MODEL");       /* the default search, as a new user has it */
    unsetenv("LAT_MODEL_DIR");
    if (argc == 3 && !strcmp(argv[1], "--print"))
        return print_latents(argv[2]);
    if (argc != 3) {
        fprintf(stderr, "usage: test_compat TESTVECTORS MODELS | --print FOLDER\n");
        return 2;
    }
    Manifest m;
    CHECK_MSG(read_manifest(argv[2], &m) == 0 && m.count > 0, "no models in %s/MANIFEST", argv[2]);
    LatContext *c;
    CHECK_ERR(lat_open(&c, NULL), LAT_OK);
    check_default_encode(c, &m);
    char dir[4096], *folders[MAX_FILES];
    snprintf(dir, sizeof dir, "%s/compat", argv[1]);
    int nf = list_dir(dir, "", folders);
    int vectors[MAX_MODELS] = {0}, lossless = 0;
    for (int f = 0; f < nf; f++) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", dir, folders[f]);
        DIR *d = opendir(sub);
        if (!d)
            continue;   /* a file: README.md, add.sh */
        closedir(d);
        int model = -1;
        for (int i = 0; i < m.count; i++)
            if (!strcmp(m.id[i], folders[f]))
                model = i;
        if (!strcmp(folders[f], "lossless")) {
            lossless += check_folder(c, sub, &m, -1);
            continue;
        }
        CHECK_MSG(model >= 0, "compat/%s: vectors of a model MANIFEST no longer lists", folders[f]);
        if (model >= 0)
            vectors[model] += check_folder(c, sub, &m, model);
    }
    free_names(folders, nf);
    for (int i = 0; i < m.count; i++) {
        check_model_file(argv[2], &m, i);
        CHECK_MSG(vectors[i] > 0, "model %s has no compatibility vectors", m.id[i]);
        printf("%s: %d vectors\n", m.id[i], vectors[i]);
    }
    printf("aliases: %d\n", check_aliases(argv[2]));
    CHECK_MSG(lossless > 0, "no lossless compatibility vectors");
    printf("lossless: %d vectors\n", lossless);
    lat_close(&c);
    return check_report();
}
