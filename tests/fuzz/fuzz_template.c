/* libFuzzer harness for common/template. The input is a --format string,
 * optionally followed by a NUL byte and the JSON data to render; without
 * one, a fixed container-like object is used. */
#include "common/cleanup.h"
#include "common/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char DEFAULT_DATA[] =
    "{\"ID\":\"3f4e5d6c7b8a\",\"Names\":[\"web\",\"db\"],\"Labels\":{\"a\":\"b\",\"c\":\"\"},"
    "\"Num\":5,\"Float\":0.5,\"Null\":null,\"Bool\":true,\"Nested\":{\"In\":{\"Deep\":\"d\"}},"
    "\"Mixed\":[1,\"s\",null,true,{\"z\":1},[2.5]],\"Empty\":\"\",\"Str\":\"Hello World\"}";

static const char *header_for(const char *field)
{
    return strcmp(field, "ID") == 0 ? "CONTAINER ID" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t tl = nul ? (size_t)(nul - data) : size;
    _cleanup_free_ char *src = xstrndup((const char *)data, tl);
    json_t *d = NULL;
    if (nul)
        d = json_loadb((const char *)nul + 1, size - tl - 1, JSON_DECODE_ANY, NULL);
    if (!d)
        d = json_loads(DEFAULT_DATA, 0, NULL);
    struct tmpl *t = NULL;
    struct md_error err = {0};
    if (tmpl_parse(src, &t, &err) == 0) {
        char *out = NULL;
        if (tmpl_render(t, d, &out, &err) == 0) {
            if (!out)
                abort();
            free(out);
        } else if (out || !err.msg) {
            abort();
        }
        free(tmpl_render_header(t, header_for));
        tmpl_free(t);
    } else if (t || !err.msg || strncmp(err.msg, "template: ", 10) != 0) {
        abort();
    }
    md_err_clear(&err);
    json_decref(d);
    return 0;
}
