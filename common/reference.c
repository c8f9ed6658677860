/* Image reference parsing and printing: a hand-written matcher for
 * distribution/reference's grammar plus docker's normalisation rules. */
#include "common/reference.h"
#include "common/cleanup.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN  "index.docker.io"
#define OFFICIAL_PFX   "library/"
#define NAME_MAX_LEN   255

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

static bool is_xdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | __ | -+ */
static bool match_path_component(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == start)
            return false;
        if (i == n)
            return true;
        if (s[i] == '.')
            i++;
        else if (s[i] == '_')
            i += (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
        else if (s[i] == '-')
            while (i < n && s[i] == '-')
                i++;
        else
            return false;
    }
}

/* remote-name := path-component ('/' path-component)* */
static bool match_remote_name(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '/') {
            if (!match_path_component(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static bool match_domain_component(const char *s, size_t n)
{
    if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    return true;
}

/* domain := (domain-name | '[' [a-fA-F0-9:]+ ']') (':' [0-9]+)? */
static bool match_domain(const char *s, size_t n)
{
    size_t host_end;
    if (n > 0 && s[0] == '[') {
        size_t i = 1;
        while (i < n && (is_xdigit(s[i]) || s[i] == ':'))
            i++;
        if (i == 1 || i >= n || s[i] != ']')
            return false;
        host_end = i + 1;
    } else {
        const char *colon = memchr(s, ':', n);
        host_end = colon ? (size_t)(colon - s) : n;
        size_t start = 0;
        for (size_t i = 0; i <= host_end; i++) {
            if (i == host_end || s[i] == '.') {
                if (!match_domain_component(s + start, i - start))
                    return false;
                start = i + 1;
            }
        }
    }
    if (host_end == n)
        return true;
    if (s[host_end] != ':' || host_end + 1 == n)
        return false;
    for (size_t i = host_end + 1; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* tag := [\w][\w.-]{0,127} */
static bool match_tag(const char *s, size_t n)
{
    if (n == 0 || n > 128 || !is_word(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* digest := [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ':' [0-9a-fA-F]{32,} */
static bool match_digest(const char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (i >= n || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
        i++;
        while (i < n && is_alnum(s[i]))
            i++;
        if (i < n && (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.')) {
            i++;
            continue;
        }
        break;
    }
    if (i >= n || s[i] != ':')
        return false;
    i++;
    if (n - i < 32)
        return false;
    for (; i < n; i++)
        if (!is_xdigit(s[i]))
            return false;
    return true;
}

struct ref_parts {
    const char *domain; /* NULL when the name has no domain */
    size_t domain_len;
    const char *path;
    size_t path_len;
    const char *tag;
    size_t tag_len;
    const char *digest;
    size_t digest_len;
};

/* Match the whole of s against reference := name [':' tag] ['@' digest]. The
 * regexp in distribution/reference prefers a domain when the first component
 * is one, and falls back to reading it as a path component (so "a_b.com/x"
 * is the domain-less path "a_b.com/x"); this reproduces that choice. */
static bool match_reference(const char *s, struct ref_parts *p)
{
    memset(p, 0, sizeof(*p));
    size_t n = strlen(s);
    const char *at = memchr(s, '@', n);
    size_t pre = n;
    if (at) {
        pre = (size_t)(at - s);
        p->digest = at + 1;
        p->digest_len = n - pre - 1;
        if (!match_digest(p->digest, p->digest_len))
            return false;
    }
    /* Neither path nor tag contains ':' or '/', so a tag is whatever follows
     * the last ':' that comes after the last '/'. */
    size_t name_len = pre;
    const char *slash = NULL;
    for (size_t i = 0; i < pre; i++)
        if (s[i] == '/')
            slash = s + i;
    for (size_t i = pre; i > 0; i--) {
        if (s[i - 1] == ':' && (!slash || s + i - 1 > slash)) {
            name_len = i - 1;
            p->tag = s + i;
            p->tag_len = pre - i;
            if (!match_tag(p->tag, p->tag_len))
                return false;
            break;
        }
    }
    const char *first_slash = memchr(s, '/', name_len);
    if (first_slash) {
        size_t dl = (size_t)(first_slash - s);
        if (match_domain(s, dl) && match_remote_name(first_slash + 1, name_len - dl - 1)) {
            p->domain = s;
            p->domain_len = dl;
            p->path = first_slash + 1;
            p->path_len = name_len - dl - 1;
            return true;
        }
    }
    if (!match_remote_name(s, name_len))
        return false;
    p->path = s;
    p->path_len = name_len;
    return true;
}

/* go-digest's Parse: only algorithms docker registers are accepted, with the
 * exact length of their hex encoding. */
static int validate_digest(const char *d, size_t n, struct md_error *err)
{
    static const struct {
        const char *alg;
        size_t hexlen;
    } algs[] = {{"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
    const char *colon = memchr(d, ':', n);
    size_t al = (size_t)(colon - d);
    const char *hex = colon + 1;
    size_t hl = n - al - 1;
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        if (strlen(algs[i].alg) != al || memcmp(algs[i].alg, d, al) != 0)
            continue;
        if (hl != algs[i].hexlen)
            return md_err(err, MD_EINVAL, "invalid checksum digest length");
        for (size_t j = 0; j < hl; j++)
            if (!is_lower_hex(hex[j]))
                return md_err(err, MD_EINVAL, "invalid checksum digest format");
        return 0;
    }
    return md_err(err, MD_EINVAL, "unsupported digest algorithm");
}

static bool has_upper(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'A' && s[i] <= 'Z')
            return true;
    return false;
}

/* distribution/reference's Parse on an already-normalised string. */
static int parse_reference(const char *s, struct image_ref *out, struct md_error *err)
{
    struct ref_parts p;
    if (!match_reference(s, &p)) {
        if (has_upper(s, strlen(s))) {
            _cleanup_free_ char *low = xstrdup(s);
            for (char *c = low; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
            struct ref_parts lp;
            if (match_reference(low, &lp))
                return md_err(err, MD_EINVAL, "repository name must be lowercase");
        }
        return md_err(err, MD_EINVAL, "invalid reference format");
    }
    if (p.path_len > NAME_MAX_LEN)
        return md_err(err, MD_EINVAL, "repository name must not be more than %d characters",
                      NAME_MAX_LEN);
    if (p.digest && validate_digest(p.digest, p.digest_len, err) < 0)
        return -1;
    out->domain = p.domain ? xstrndup(p.domain, p.domain_len) : xstrdup("");
    out->path = xstrndup(p.path, p.path_len);
    out->tag = p.tag ? xstrndup(p.tag, p.tag_len) : NULL;
    out->digest = p.digest ? xstrndup(p.digest, p.digest_len) : NULL;
    return 0;
}

static bool is_identifier(const char *s)
{
    size_t n = strlen(s);
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_hex(s[i]))
            return false;
    return true;
}

/* ParseNormalizedNamed. */
static int parse_normalized(const char *s, struct image_ref *out, struct md_error *err)
{
    memset(out, 0, sizeof(*out));
    if (!s)
        s = "";
    if (is_identifier(s))
        return md_err(err, MD_EINVAL,
                      "invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
                      s);
    /* splitDockerDomain: the first component is a registry when it is
     * "localhost", contains '.' or ':', or has uppercase letters (which a
     * path component never has). */
    const char *domain = DEFAULT_DOMAIN;
    size_t domain_len = strlen(DEFAULT_DOMAIN);
    const char *remainder = s;
    const char *slash = strchr(s, '/');
    if (slash) {
        size_t fl = (size_t)(slash - s);
        bool is_domain = (fl == 9 && memcmp(s, "localhost", 9) == 0) || memchr(s, '.', fl) ||
                         memchr(s, ':', fl) || has_upper(s, fl);
        if (fl == strlen(LEGACY_DOMAIN) && memcmp(s, LEGACY_DOMAIN, fl) == 0) {
            remainder = slash + 1;
        } else if (is_domain) {
            domain = s;
            domain_len = fl;
            remainder = slash + 1;
        }
    }
    bool hub =
        domain_len == strlen(DEFAULT_DOMAIN) && memcmp(domain, DEFAULT_DOMAIN, domain_len) == 0;
    bool add_library = hub && !strchr(remainder, '/');
    _cleanup_free_ char *rem = xasprintf("%s%s", add_library ? OFFICIAL_PFX : "", remainder);
    size_t rl = strcspn(rem, ":");
    if (has_upper(rem, rl))
        return md_err(err, MD_EINVAL,
                      "invalid reference format: repository name (%.*s) must be lowercase", (int)rl,
                      rem);
    _cleanup_free_ char *full = xasprintf("%.*s/%s", (int)domain_len, domain, rem);
    return parse_reference(full, out, err);
}

int ref_parse_name(const char *s, struct image_ref *out, struct md_error *err)
{
    return parse_normalized(s, out, err);
}

int ref_parse(const char *s, struct image_ref *out, struct md_error *err)
{
    if (parse_normalized(s, out, err) < 0)
        return -1;
    if (!out->tag && !out->digest)
        out->tag = xstrdup("latest");
    return 0;
}

static char *with_suffix(const char *name, const struct image_ref *r)
{
    return xasprintf("%s%s%s%s%s", name, r->tag ? ":" : "", r->tag ? r->tag : "",
                     r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *ref_familiar_name(const struct image_ref *r)
{
    const char *domain = r->domain ? r->domain : "";
    const char *path = r->path ? r->path : "";
    if (strcmp(domain, DEFAULT_DOMAIN) == 0) {
        /* Only "library/<one component>" loses its prefix: a nested
         * "library/a/b" would otherwise read as the user repository "a/b". */
        size_t pl = strlen(OFFICIAL_PFX);
        if (strncmp(path, OFFICIAL_PFX, pl) == 0 && !strchr(path + pl, '/'))
            return xstrdup(path + pl);
        return xstrdup(path);
    }
    if (!*domain)
        return xstrdup(path);
    return xasprintf("%s/%s", domain, path);
}

char *ref_familiar(const struct image_ref *r)
{
    _cleanup_free_ char *name = ref_familiar_name(r);
    return with_suffix(name, r);
}

char *ref_full(const struct image_ref *r)
{
    const char *domain = r->domain ? r->domain : "";
    _cleanup_free_ char *name =
        *domain ? xasprintf("%s/%s", domain, r->path ? r->path : "") : xstrdup(r->path);
    return with_suffix(name, r);
}

void ref_free(struct image_ref *r)
{
    if (!r)
        return;
    free(r->domain);
    free(r->path);
    free(r->tag);
    free(r->digest);
    memset(r, 0, sizeof(*r));
}

bool ref_looks_like_id(const char *s)
{
    if (!s)
        return false;
    if (strncmp(s, "sha256:", 7) == 0)
        s += 7;
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_hex(s[i]))
            return false;
    return true;
}
