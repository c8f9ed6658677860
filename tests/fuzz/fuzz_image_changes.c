/* libFuzzer harness for daemon/image/changes.c: the import/commit `changes`
 * (Dockerfile lines, untrusted query values). Lines are split at NUL bytes.
 * Build (not in the common/ rule of this directory's Makefile):
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -I../.. -fsanitize=fuzzer,address,undefined \
 *     fuzz_image_changes.c ../../daemon/image/changes.c ../../common/{cleanup,error,strbuf,\
 *     jsonutil,signals,units}.c -ljansson */
#include "common/cleanup.h"
#include "daemon/image/changes.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **lines = NULL;
    const char *p = (const char *)data, *end = p + size;
    while (p <= end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t n = nul ? (size_t)(nul - p) : (size_t)(end - p);
        _cleanup_free_ char *l = xstrndup(p, n);
        strv_push(&lines, l);
        p += n + 1;
    }
    json_t *config = json_object();
    struct md_error err = {0};
    image_apply_changes(config, lines, &err);
    md_err_clear(&err);
    json_t *full = image_container_config(config);
    json_decref(full);
    json_decref(config);
    strv_free(lines);
    return 0;
}
