/* sha256 over streams and the digests docker derives from them: image ids,
 * layer diff ids and chain ids. Digests are "sha256:<64 lowercase hex>". */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define DIGEST_LEN 71 /* strlen("sha256:") + 64 */

struct sha256 {
    void *md; /* EVP_MD_CTX */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* "sha256:<hex>" into out; the context is freed. */
void sha256_final(struct sha256 *s, char out[DIGEST_LEN + 1]);
/* Frees the context without a result (error paths). */
void sha256_abort(struct sha256 *s);
void sha256_digest(const void *data, size_t n, char out[DIGEST_LEN + 1]);

/* "sha256:" followed by exactly 64 lowercase hex digits. */
bool digest_valid(const char *s);
/* The 64 hex digits of a valid digest. */
static inline const char *digest_hex(const char *d)
{
    return d + 7;
}
/* ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
void chain_id_next(const char *parent_chain /* NULL for the bottom layer */, const char *diff_id,
                   char out[DIGEST_LEN + 1]);
