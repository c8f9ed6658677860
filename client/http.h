/* HTTP/1.1 over the daemon's unix socket: requests with in-memory or streamed
 * (chunked) bodies, responses read whole or as a stream, and the 101 upgrade
 * attach and exec use. Hand-written rather than libcurl because attach needs
 * the raw socket after the upgrade, which libcurl does not hand over. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CLIENT_API_PREFIX "/v1.50"

struct http_conn;

/* Where the daemon is: -H, then MINIDOCK_HOST, then DOCKER_HOST, then the default. */
void http_set_host(const char *host);
const char *http_host(void);

struct http_req {
    const char *method;
    const char *path; /* without the /v1.50 prefix; includes the query */
    const char *content_type;
    const void *body;
    size_t body_len;
    int body_fd;                /* >= 0: stream this fd as the body (a file's rest, else chunked) */
    bool upgrade;               /* ask for "Upgrade: tcp" (attach, exec start) */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated */
};

/* Sends the request and reads the response head. On a connection failure
 * prints docker's "Cannot connect ..." message and exits 1. */
struct http_conn *http_send(const struct http_req *req);
int http_status(const struct http_conn *c);
const char *http_header(const struct http_conn *c, const char *name);
/* Body bytes (chunked decoding done; raw bytes after a 101). 0 at the end. */
ssize_t http_read(struct http_conn *c, void *buf, size_t n);
char *http_read_all(struct http_conn *c, size_t *len);
/* After http_read returned 0: whether the body ended as announced (the
 * last chunk, or all of Content-Length), not cut off with the connection. */
bool http_complete(const struct http_conn *c);
/* The socket, for writing stdin after an upgrade and for poll(). */
int http_fd(const struct http_conn *c);
/* Bytes already buffered (read them with http_read before polling the fd). */
size_t http_buffered(const struct http_conn *c);
void http_close(struct http_conn *c);

/* Percent-encode for a query value. */
char *url_escape(const char *s);

/* A whole call; *text gets the body (NUL-terminated), *len its length. */
int api_text(const char *method, const char *path, json_t *body, char **text, size_t *len);
/* A body as JSON: NULL when empty, {"message": text} when it is not JSON. */
json_t *api_parse(const char *text, size_t len);
/* A whole JSON call. Returns the status; *out gets the parsed body (or NULL). */
int api_json(const char *method, const char *path, json_t *body, json_t **out);
/* The daemon's {"message": ...}, or the raw body, for an error response. */
const char *api_message(json_t *j);
/* Prints "Error response from daemon: MSG" to stderr. */
void print_daemon_error(json_t *j);
/* What every command does with a finished call: for an error status
 * (>= 400) prints docker's "Error response from daemon: MSG", drops *out
 * and returns -1; else returns the status. */
int api_check(int status, json_t **out);
/* api_json + api_check: the call nearly every command makes. out may be NULL. */
int api_call(const char *method, const char *path, json_t *body, json_t **out);
/* api_text + api_check (*text NULL after an error). */
int api_call_text(const char *method, const char *path, char **text, size_t *len);
/* A streamed response with an error status: reads the body and prints
 * docker's error for it (the caller closes c). */
void http_print_error(struct http_conn *c);

/* One call of api_parallel: method and path in; status and body (owned by
 * the caller once reported) out. A call with a NULL path is not sent
 * (finished set by the caller: a client-side error, reported in its turn). */
struct api_call {
    const char *method;
    char *path;
    int status;
    json_t *body;
    bool finished;
};
/* All calls at once, as docker's CLI does for stop/kill/rm a b c; report()
 * runs on this thread for each in argument order, as soon as it and all
 * before it are done. */
void api_parallel(struct api_call *calls, size_t n,
                  void (*report)(struct api_call *c, size_t i, void *arg), void *arg);
