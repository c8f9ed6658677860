/* libFuzzer harness for common/filters: parse, print, parse again. */
#include "common/cleanup.h"
#include "common/filters.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *s = xstrndup((const char *)data, size);
    struct filters *f = NULL;
    struct md_error err = {0};
    if (filters_parse(s, &f, &err) == 0) {
        static const char *const allowed[] = {"label", "status", "name", NULL};
        (void)filters_validate(f, allowed, &err);
        json_t *labels = json_pack("{s:s,s:s}", "a", "b", "c", "");
        (void)filters_match_label(f, labels);
        json_decref(labels);
        (void)filters_get(f, "label");
        _cleanup_free_ char *j = filters_to_json(f);
        struct filters *g = NULL;
        if (*j && filters_parse(j, &g, &err) < 0)
            abort();
        _cleanup_free_ char *j2 = g ? filters_to_json(g) : xstrdup("");
        /* Keys without values vanish from the map form; otherwise stable. */
        if (g) {
            _cleanup_free_ char *j3 = NULL;
            struct filters *h = NULL;
            if (filters_parse(j2, &h, &err) < 0)
                abort();
            j3 = filters_to_json(h);
            if (strcmp(j2, j3) != 0)
                abort();
            filters_free(h);
        }
        filters_free(g);
        (void)filters_add(f, s, &err);
        filters_free(f);
    } else if (f || !err.msg) {
        abort();
    }
    md_err_clear(&err);
    return 0;
}
