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
