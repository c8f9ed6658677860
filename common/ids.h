/* Object ids (64 lowercase hex chars, as docker's), their 12-char short form,
 * unique-prefix lookup, and the random source the other common/ modules use. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ID_MATCH_NONE = -1, ID_MATCH_AMBIGUOUS = -2 };

/* 64 random lowercase hex chars, NUL-terminated. */
void id_new(char out[65]);
/* Exactly 64 lowercase hex chars. */
bool id_is_full(const char *s);
/* The first 12 chars (fewer if id is shorter), NUL-terminated. */
void id_short(const char *id, char out[13]);
/* Index of the one id in ids[0..n) that starts with prefix; an exact full
 * match wins over longer ids sharing it. ID_MATCH_NONE for no match or an
 * empty prefix, ID_MATCH_AMBIGUOUS when several ids start with prefix. */
long id_prefix_match(const char *prefix, const char *const *ids, size_t n);

/* Kernel randomness (getrandom); aborts if the kernel cannot give any. */
void id_random_bytes(void *buf, size_t n);
/* Uniform in [0, n); n must be > 0. */
uint32_t id_random_below(uint32_t n);
