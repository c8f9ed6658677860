/* The rows of docker's list formatters (ImageContext, ContainerContext) as
 * JSON objects for the --format templates, shared by the list commands and
 * system df -v, with their table headers. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

/* images: one row for repo:tag (or digest); trunc shortens the ID. */
json_t *image_row(json_t *img, const char *repo, const char *tag, const char *digest, bool trunc);
const char *images_header(const char *field);
/* ps: one /containers/json entry, every field. */
json_t *ps_row(json_t *c, bool trunc);
const char *ps_header(const char *field);
