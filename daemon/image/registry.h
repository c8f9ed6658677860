/* A client of one repository on a registry (Docker Registry HTTP API v2 /
 * OCI distribution), over libcurl: where the registry is and how to reach
 * it (TLS verified, a CA of its own from /etc/minidock/certs.d/HOST/,
 * plain HTTP only for loopback and --insecure-registry), and its auth
 * (Bearer tokens from the WWW-Authenticate challenge, or Basic). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* The credentials a client sent (X-Registry-Auth, POST /auth). */
struct reg_auth {
    char *username;
    char *password;
    char *registrytoken; /* a bearer token to use as is */
};

/* Decode an X-Registry-Auth header (base64url JSON); NULL or "" = none.
 * MD_EINVAL for a header that is not one. */
int reg_auth_decode(const char *hdr, struct reg_auth *out, struct md_error *err);
void reg_auth_free(struct reg_auth *a);

/* Registries reached over plain HTTP besides loopback ones (the daemon's
 * --insecure-registry values: "host:port" or a CIDR), and the directory of
 * per-registry TLS files (--registry-certs, default /etc/minidock/certs.d:
 * HOST:PORT/ca.crt, client.cert, client.key, docker's layout). A registry
 * with such a directory is always spoken to over verified TLS. */
void registry_configure(char **insecure_list, const char *certs);

struct registry;

/* The registry a login's serveraddress names: "https://index.docker.io/v1/"
 * and "" are "docker.io", "http://host:5000/" is "host:5000". Malloc'd. */
char *registry_domain_of(const char *server);

/* domain as a reference names it ("docker.io", "127.0.0.1:5000"); path the
 * repository ("library/busybox"); actions the scope asked for ("pull",
 * "pull,push"); path "" for no repository (login). auth may be NULL. */
struct registry *registry_new(const char *domain, const char *path, const char *actions,
                              const struct reg_auth *auth);
void registry_free(struct registry *r);
const char *registry_host(const struct registry *r); /* "registry-1.docker.io" */

/* A registry's error ({"errors":[{"code":..,"message":..}]}), kept from the
 * last failed request: code "" when the reply had none. */
struct reg_error {
    long status;
    char code[64];
    char *message;
};
const struct reg_error *registry_last_error(const struct registry *r);

struct reg_resp {
    long status;
    char *content_type;
    char *digest;   /* Docker-Content-Digest, or NULL */
    char *location; /* Location, or NULL */
    char *body;
    size_t len;
};
void reg_resp_free(struct reg_resp *x);

/* GET (or HEAD) path ("/v2/<name>/manifests/<ref>") with Accept, body up
 * to max bytes, authenticating when challenged. A reply of 2xx is 0; any
 * other is -1 with err (the registry's "code: message" when it sent one,
 * and registry_last_error set). */
int registry_get(struct registry *r, const char *method, const char *path, const char *accept,
                 size_t max, struct reg_resp *out, struct md_error *err);

/* A request body: data[0..len), or the whole of fd (size bytes; fd >= 0),
 * with progress(pctx, sent, total) called as it goes (-1 stops it). */
struct reg_body {
    const char *content_type;
    const void *data;
    size_t len;
    int fd;
    int64_t size;
    int (*progress)(void *pctx, int64_t sent, int64_t total);
    void *pctx;
};
/* registry_get with any method and an optional body; path may also be a
 * full URL (an upload location). */
int registry_send(struct registry *r, const char *method, const char *path, const char *accept,
                  const struct reg_body *body, size_t max, struct reg_resp *out,
                  struct md_error *err);

/* Check the credentials against /v2/ (POST /auth). */
int registry_login(struct registry *r, struct md_error *err);

/* A blob read as it arrives: open starts the GET (following redirects to
 * the storage) and waits for the reply's status; read has the signature of
 * layer_read_fn. */
struct reg_blob;
int registry_blob_open(struct registry *r, const char *digest, struct reg_blob **out,
                       struct md_error *err);
ssize_t registry_blob_read(void *blob, const void **buf, struct md_error *err);
void registry_blob_close(struct reg_blob *b);

/* Push: whether the repository has the blob (HEAD); a monolithic upload
 * (POST, then PUT with the digest) of the size bytes of fd; a manifest
 * PUT under a tag. */
int registry_blob_exists(struct registry *r, const char *digest, bool *yes, struct md_error *err);
int registry_blob_push(struct registry *r, const char *digest, int fd, int64_t size,
                       int (*progress)(void *ctx, int64_t sent, int64_t total), void *pctx,
                       struct md_error *err);
int registry_manifest_put(struct registry *r, const char *reference, const char *media_type,
                          const char *body, size_t len, struct md_error *err);
