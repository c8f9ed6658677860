/* sha256 (OpenSSL EVP; the CPU's SHA extensions make this far cheaper than
 * the disk writes it accompanies) and chain ids. */
#include "daemon/image/digest.h"
#include "common/cleanup.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

void sha256_init(struct sha256 *s)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
        abort();
    s->md = c;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
    if (n && EVP_DigestUpdate(s->md, data, n) != 1)
        abort();
}

void sha256_final(struct sha256 *s, char out[DIGEST_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(s->md, md, &len) != 1 || len != 32)
        abort();
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[DIGEST_LEN] = '\0';
}

void sha256_abort(struct sha256 *s)
{
    if (s->md)
        EVP_MD_CTX_free(s->md);
    s->md = NULL;
}

void sha256_digest(const void *data, size_t n, char out[DIGEST_LEN + 1])
{
    struct sha256 s;
    sha256_init(&s);
    sha256_update(&s, data, n);
    sha256_final(&s, out);
}

#define HASH_RING (8u << 20)

static void *hasher_main(void *arg)
{
    struct sha256_async *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->len && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->len)
            break;
        /* the bytes from start are the hasher's until it gives them back */
        size_t n = a->len < HASH_RING - a->start ? a->len : HASH_RING - a->start;
        a->busy = n;
        pthread_mutex_unlock(&a->mu);
        sha256_update(&a->h, a->ring + a->start, n);
        pthread_mutex_lock(&a->mu);
        a->busy = 0;
        a->start = (a->start + n) % HASH_RING;
        a->len -= n;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

void sha256_async_init(struct sha256_async *a)
{
    *a = (struct sha256_async){0};
    sha256_init(&a->h);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->inited = true;
    a->ring = xbig_alloc(HASH_RING);
    a->started = pthread_create(&a->th, NULL, hasher_main, a) == 0;
}

void sha256_async_feed(struct sha256_async *a, const void *p, size_t n)
{
    if (!a->started) {
        sha256_update(&a->h, p, n);
        return;
    }
    const char *c = p;
    pthread_mutex_lock(&a->mu);
    while (n) {
        if (a->len == HASH_RING) {
            pthread_cond_wait(&a->cv, &a->mu);
            continue;
        }
        size_t at = (a->start + a->len) % HASH_RING;
        size_t k = HASH_RING - a->len;
        if (k > HASH_RING - at)
            k = HASH_RING - at;
        if (k > n)
            k = n;
        /* [at, at + k) is free and the hasher never moves the end */
        pthread_mutex_unlock(&a->mu);
        memcpy(a->ring + at, c, k);
        pthread_mutex_lock(&a->mu);
        a->len += k;
        c += k;
        n -= k;
        if (a->len == k) /* it was empty: the hasher may be asleep */
            pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
}

void sha256_async_abort(struct sha256_async *a)
{
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->stop = true;
        a->len -= a->len - a->busy; /* drop what it has not started */
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
        a->started = false;
    }
    if (a->inited) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        a->inited = false;
    }
    xbig_free(a->ring, HASH_RING);
    a->ring = NULL;
    sha256_abort(&a->h);
}

void sha256_async_final(struct sha256_async *a, char out[DIGEST_LEN + 1])
{
    if (a->started) {
        pthread_mutex_lock(&a->mu);
        a->stop = true; /* after everything fed */
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
        a->started = false;
    }
    sha256_final(&a->h, out);
    sha256_async_abort(a);
}

bool digest_valid(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != DIGEST_LEN)
        return false;
    for (const char *p = s + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

void chain_id_next(const char *parent_chain, const char *diff_id, char out[DIGEST_LEN + 1])
{
    if (!parent_chain) {
        snprintf(out, DIGEST_LEN + 1, "%s", diff_id);
        return;
    }
    _cleanup_free_ char *s = xasprintf("%s %s", parent_chain, diff_id);
    sha256_digest(s, strlen(s), out);
}
