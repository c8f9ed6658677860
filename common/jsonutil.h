/* Small jansson helpers used at every JSON edge: string vectors, typed
 * lookups, lossy UTF-8 strings, atomic file writes and loads. */
#pragma once
#include "common/error.h"

#include <jansson.h>
#include <stdbool.h>

static inline void cleanup_jsonp(json_t **j)
{
    if (*j)
        json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(cleanup_jsonp)))

/* A JSON string for s even when s is not valid UTF-8: each invalid byte
 * becomes U+FFFD, as Go's encoder (and so docker) does. Never NULL. */
json_t *json_str_lossy(const char *s);
/* Array of strings (lossy, see above), or json null for a NULL v. */
json_t *json_strv(char *const *v);
/* NULL-terminated copy of an array of strings; NULL if arr is missing, not
 * an array, or holds a non-string. [] gives an empty (non-NULL) vector. */
char **json_to_strv(json_t *arr);
/* obj[key] if obj is an object and the value a string, else NULL. */
const char *json_str(json_t *obj, const char *key);
/* Write j to path so a crash leaves either the old or the new file: a
 * temporary file in the same directory (mode 0600), fsync, rename, fsync of
 * the directory. 0, or -1 with err set (errno code). */
int json_write_atomic(const char *path, json_t *j, struct md_error *err);
/* The same replace-by-rename; durable=false skips the fsyncs, for state that
 * means nothing after a power cut (what runs, and how it ended: nothing
 * runs after a reboot), while a daemon crash still finds the new file. */
int json_write_replace(const char *path, json_t *j, bool durable, struct md_error *err);
/* Parse the file at path. NULL with err set: the errno code (ENOENT for a
 * missing file) or MD_EINTERNAL for bad JSON, message naming path. */
json_t *json_load_path(const char *path, struct md_error *err);
/* Call fn for each element of the JSON array in text[0..len), parsing one
 * element at a time, so a long list never exists as one tree (ps with
 * thousands of containers). Each element is decref'd after fn returns; a
 * non-zero return from fn stops the walk and is returned. -1 with err set
 * (MD_EINVAL) when the text is not an array or an element is malformed. */
int json_array_each(const char *text, size_t len, int (*fn)(json_t *elem, void *ctx), void *ctx,
                    struct md_error *err);
