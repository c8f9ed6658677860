/* The `filters=` query parameter (docker's filters.Args): a key -> set of
 * values map, parsed from the map form {"status":{"exited":true}} the CLI
 * sends or the legacy list form {"label":["a=b"]} docker-py sends. Values of
 * one key are ORed, keys ANDed; the caller matches each key with filters_get. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct filters;

struct filters *filters_new(void);
void filters_free(struct filters *f);
static inline void cleanup_filtersp(struct filters **f)
{
    filters_free(*f);
}
#define _cleanup_filters_ __attribute__((cleanup(cleanup_filtersp)))
/* NULL or "" gives an empty set. Malformed input: MD_EINVAL "invalid filter". */
int filters_parse(const char *json, struct filters **out, struct md_error *err);
/* Every key must be in the NULL-terminated allowed_keys: "invalid filter 'foo'". */
int filters_validate(const struct filters *f, const char *const *allowed_keys,
                     struct md_error *err);
/* Borrowed NULL-terminated vector of the key's values (in the order first
 * seen, without duplicates); NULL if the key is absent. */
char **filters_get(const struct filters *f, const char *key);
bool filters_has(const struct filters *f, const char *key);
/* moby's MatchKVList on "label": true when there is no label filter; else
 * every value ("k" or "k=v") must be satisfied by the labels object. */
bool filters_match_label(const struct filters *f, json_t *labels);
/* Map form with sorted keys, as the CLI sends it; "" for an empty set. */
char *filters_to_json(const struct filters *f);
/* The CLI's `-f key=value`: key lowercased, both sides trimmed; "" is a no-op.
 * Error: "bad format of filter (expected name=value)". */
int filters_add(struct filters *f, const char *kv, struct md_error *err);
