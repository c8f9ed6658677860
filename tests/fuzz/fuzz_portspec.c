/* libFuzzer harness for common/portspec (-p and --expose specs). */
#include "common/cleanup.h"
#include "common/portspec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    _cleanup_free_ char *s = xstrndup((const char *)data, size);
    struct port_map *m = NULL;
    size_t n = 0;
    struct md_error err = {0};
    if (portspec_parse(s, &m, &n, &err) == 0) {
        if (n == 0)
            abort();
        for (size_t i = 0; i < n; i++)
            if (strcmp(m[i].proto, "tcp") && strcmp(m[i].proto, "udp") &&
                strcmp(m[i].proto, "sctp"))
                abort();
    } else if (n != 0 || m || !err.msg) {
        abort();
    }
    port_maps_free(m, n);
    md_err_clear(&err);
    uint16_t lo, hi;
    char proto[5];
    if (portspec_parse_expose(s, &lo, &hi, proto, &err) == 0 && lo > hi)
        abort();
    md_err_clear(&err);
    return 0;
}
