/* libFuzzer harness for common/volspec (-v specs). */
#include "common/cleanup.h"
#include "common/volspec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *s = xstrndup((const char *)data, size);
    struct vol_spec v;
    struct md_error err = {0};
    if (volspec_parse(s, &v, &err) == 0) {
        /* A parsed destination is absolute and never the root. */
        if (v.dest[0] != '/' || strcmp(v.dest, "/") == 0)
            abort();
        if (v.type == VOL_BIND && v.source[0] != '/')
            abort();
        if ((v.type == VOL_ANON) != (v.source == NULL))
            abort();
        volspec_free(&v);
    } else if (!err.msg) {
        abort();
    }
    md_err_clear(&err);
    return 0;
}
