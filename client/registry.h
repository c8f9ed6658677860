/* The client's side of registries: the credentials `login` stored (docker's
 * config.json "auths"), the X-Registry-Auth header made from them, and the
 * pull that `pull`, `run` and `create` share with its progress display. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "client/http.h"
#include "common/reference.h"

/* The key of a registry in "auths": "https://index.docker.io/v1/" for
 * docker.io, else the domain ("127.0.0.1:5000"). Malloc'd. */
char *auth_server_key(const char *domain);
/* ~/.minidock/config.json (HOME's), where login writes. Malloc'd. */
char *auth_config_path(void);
/* The X-Registry-Auth value for domain: base64url of {"username",
 * "password","serveraddress"} from ~/.minidock/config.json, else
 * ~/.docker/config.json; "e30=" ({}) when neither has it. Malloc'd. */
char *auth_header_for(const char *domain);

/* jsonmessage.DisplayJSONMessagesStream: live per-layer lines on a
 * terminal, plain lines otherwise, nothing but errors when quiet. 0, or -1
 * with *err = the stream's errorDetail message. */
int show_pull_stream(struct http_conn *c, FILE *out, bool quiet, char **err);

/* POST /images/create?fromImage=&tag= for ref (all_tags: no tag), with
 * the stored credentials; progress on out. -1 with *err (docker's text,
 * "Error response from daemon: ..." included) on failure. */
int pull_image(const struct image_ref *ref, bool all_tags, bool quiet, FILE *out, char **err);
/* --platform of pull/run/create, sent with the pull; NULL for the daemon's. */
extern const char *pull_platform;
