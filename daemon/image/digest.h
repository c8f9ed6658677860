/* sha256 over streams and the digests docker derives from them: image ids,
 * layer diff ids and chain ids. Digests are "sha256:<64 lowercase hex>". */
#pragma once
#include <pthread.h>
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

/* sha256 on a thread of its own, beside whoever produces the data (layer
 * unpacking: the hash is a fifth of its CPU time). feed copies the bytes
 * into a ring the hasher reads at its own pace, and waits only while that
 * is full: handing over the producer's own blocks made it wait for every
 * one of them to be hashed before it could move on. Without a thread (none
 * could be made) feed hashes in place. */
struct sha256_async {
    struct sha256 h;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* data for the hasher, room for the producer, done */
    char *ring;
    size_t start, len; /* unhashed bytes, wrapping */
    size_t busy;       /* of those, the first busy are being hashed */
    bool stop, started, inited;
};

void sha256_async_init(struct sha256_async *a);
void sha256_async_feed(struct sha256_async *a, const void *p, size_t n);
void sha256_async_final(struct sha256_async *a, char out[DIGEST_LEN + 1]);
/* Stops the thread without a result (error paths; also after final). */
void sha256_async_abort(struct sha256_async *a);

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
