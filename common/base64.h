/* Base64 as registries and X-Registry-Auth use it: standard alphabet on the
 * way out, standard or URL-safe (with or without padding) on the way in. */
#pragma once
#include <stddef.h>

/* Malloc'd, NUL-terminated. */
char *base64_encode(const void *data, size_t n);
/* Malloc'd, NUL-terminated (*n without it); NULL for invalid input. */
char *base64_decode(const char *s, size_t *n);
