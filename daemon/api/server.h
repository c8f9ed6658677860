/* The HTTP side of the daemon: libmicrohttpd on the unix socket, one thread
 * per connection, routing with and without the /vX.Y prefix, and the reply
 * helpers every resource file uses (JSON, errors, streams, upgrades). */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define API_VERSION     "1.50"
#define API_MIN_VERSION "1.24"

struct MHD_Connection;
struct api_req;
typedef void (*api_handler)(struct api_req *r);

enum {
    /* The handler starts as soon as the headers are in, on a thread of its
     * own, and reads the body with api_body_read while it arrives (load:
     * unpacking overlaps the upload). Its reply goes out once the whole
     * body has arrived; what it does not read is received and dropped. */
    API_BODY_STREAM = 1,
};

/* pattern: literal segments, "{x}" matches one segment, "{x*}" matches one or
 * more segments (image names contain '/'); at most one "*" per pattern. */
struct api_route {
    const char *method;
    const char *pattern;
    api_handler fn;
    unsigned flags;
};

struct api_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path; /* %-decoded, version prefix stripped */
    int api_minor;    /* requested API version 1.<minor>; newest when unversioned */
    char *params[3];  /* captured pattern segments, in order */
    char *body;       /* in-memory body (NUL-terminated) */
    size_t body_len;
    bool replied;
};

/* API_BODY_STREAM handlers: the next piece of the body, at *buf until the
 * next call (the signature of layer_read_fn). 0 at the end of the body; -1
 * with err when the client went away before sending all of it. */
ssize_t api_body_read(void *req, const void **buf, struct md_error *err);

/* A route docker has and minidock does not serve: never a bare 404, which
 * clients read as "no such object". status 501 names the feature
 * ("minidock does not implement <feature> yet"); swarm routes answer what
 * docker answers on a node outside a swarm (503 and its message). */
struct api_missing_route {
    const char *method;
    const char *pattern; /* as in struct api_route */
    const char *feature;
    unsigned status;     /* 501, or 503 with message */
    const char *message; /* docker's text, for 503 */
};
extern const struct api_missing_route api_missing_routes[]; /* ended by {NULL} */

/* Route tables, one per resource file, each ended by a {NULL} entry. */
extern const struct api_route api_routes_system[];

int api_server_start(int listen_fd, struct md_error *err);
/* Stop accepting, wake every blocked stream, finish requests, stop. */
void api_server_stop(void);
bool api_shutting_down(void);

const char *api_query(struct api_req *r, const char *key);
/* moby BoolValue: "", 0, no, false, none (any case) are false. */
bool api_query_bool(struct api_req *r, const char *key, bool def);
/* Integer query value; *ok false when present and not an integer. */
long long api_query_int(struct api_req *r, const char *key, long long def, bool *ok);
/* ?h=&w= of a resize (container or exec): false after replying 400. */
bool api_resize_size(struct api_req *r, uint16_t *h, uint16_t *w);
/* Every value of a repeated key (names=a&names=b); NULL-terminated, caller frees. */
char **api_query_all(struct api_req *r, const char *key);
const char *api_header(struct api_req *r, const char *name);
/* The body parsed as JSON. An empty body yields an empty object; malformed
 * JSON fails with MD_EINVAL and the parser's message. */
json_t *api_body_json(struct api_req *r, struct md_error *err);
/* The body decoded as Go decodes it into the struct s (daemon/api/schema.h):
 * keys in canonical spelling, known fields of the right JSON types, else
 * MD_EINVAL with Go's message. read_json: the route is one moby reads with
 * httputils.ReadJSON, which puts "invalid JSON: " before the decoder's
 * message. */
struct schema;
json_t *api_body_decode(struct api_req *r, const struct schema *s, bool read_json,
                        struct md_error *err);

/* One extra header on the reply this request gets (docker's
 * X-Docker-Container-Path-Stat); call before the reply. */
void api_set_header(struct api_req *r, const char *name, const char *value);

/* Replies. Exactly one per request; each queues the response at once. */
void api_reply_json(struct api_req *r, unsigned status, json_t *j); /* steals j */
void api_reply_error(struct api_req *r, const struct md_error *e);
void api_reply_msg(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void api_reply_status(struct api_req *r, unsigned status); /* empty body */
void api_reply_raw(struct api_req *r, unsigned status, const char *content_type, const void *data,
                   size_t len);
/* HTTP status for an error code (MD_E* codes; any errno is a 500). */
unsigned api_status_for(int err);

/* Streaming reply (chunked; headers go out at once, as wait/logs/events need).
 * producer runs on its own thread and writes the body to fd; the fd is closed
 * after it returns. A write fails with EPIPE when the client went away or the
 * daemon is shutting down: producers stop on the first failed write. */
typedef void (*api_producer)(void *ctx, int fd);
void api_reply_stream(struct api_req *r, unsigned status, const char *content_type,
                      api_producer producer, void *ctx, void (*ctx_free)(void *));

/* Connection upgrade (101, "Upgrade: tcp") for attach and exec. fn runs on
 * its own thread with the raw client socket (blocking) and any bytes the
 * client already sent; it must call api_upgrade_done(u) when finished and
 * must not close sock itself. */
struct api_upgrade;
typedef void (*api_upgrade_fn)(void *ctx, int sock, const char *extra, size_t extra_len,
                               struct api_upgrade *u);
void api_reply_upgrade(struct api_req *r, const char *content_type, api_upgrade_fn fn, void *ctx,
                       void (*ctx_free)(void *));
void api_upgrade_done(struct api_upgrade *u);

/* The other end of fd hung up: a stream producer's pipe whose reader went
 * away (client gone, daemon stopping), or an upgraded client socket that
 * was fully closed (a half-close is not a hang-up). Never blocks. */
bool api_fd_hung_up(int fd);

/* Write all of buf to fd (blocking, MSG_NOSIGNAL semantics); -1 on error. */
int api_write_all(int fd, const void *buf, size_t n);
int api_write_json_line(int fd, json_t *j); /* json + "\r\n", as moby's streams */
