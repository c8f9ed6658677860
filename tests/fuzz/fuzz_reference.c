/* libFuzzer harness for common/reference: any input either fails with a
 * message or parses to a reference whose printed forms parse back to it. */
#include "common/cleanup.h"
#include "common/reference.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *s = xstrndup((const char *)data, size);
    (void)ref_looks_like_id(s);
    struct md_error err = {0};
    struct image_ref r;
    if (ref_parse(s, &r, &err) < 0) {
        if (!err.msg || !*err.msg)
            abort();
        md_err_clear(&err);
        return 0;
    }
    _cleanup_free_ char *full = ref_full(&r);
    _cleanup_free_ char *fam = ref_familiar(&r);
    _cleanup_free_ char *name = ref_familiar_name(&r);
    if (!*name || strncmp(fam, name, strlen(name)) != 0)
        abort();
    /* Printing and parsing again is the identity on the full form. */
    struct image_ref again;
    if (ref_parse(full, &again, &err) < 0)
        abort();
    _cleanup_free_ char *full2 = ref_full(&again);
    if (strcmp(full, full2) != 0)
        abort();
    ref_free(&again);
    /* The familiar form parses back too, except where docker's own
     * familiar form is ambiguous: a docker.io path whose first component
     * looks like a registry ("docker.io/l.io/x" prints as "l.io/x"). */
    size_t first = strcspn(r.path, "/");
    bool ambiguous = strcmp(r.domain, "docker.io") == 0 &&
                     (memchr(r.path, '.', first) || memchr(r.path, ':', first) ||
                      (first == 9 && strncmp(r.path, "localhost", 9) == 0));
    if (*r.domain && !ambiguous) {
        if (ref_parse(fam, &again, &err) < 0)
            abort();
        _cleanup_free_ char *full3 = ref_full(&again);
        if (strcmp(full, full3) != 0)
            abort();
        ref_free(&again);
    }
    md_err_clear(&err);
    ref_free(&r);
    if (ref_parse_name(s, &r, NULL) == 0)
        ref_free(&r);
    return 0;
}
