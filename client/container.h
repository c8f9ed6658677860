/* Helpers the container commands share: typed lookups in daemon JSON,
 * docker's error texts, the wait and attach calls, and the "attach, wait,
 * start, stream" sequence that run and start -a both follow. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "client/http.h"

/* obj[key] as a string ("" when missing), integer, bool. */
const char *jstr(json_t *obj, const char *key);
long long jint(json_t *obj, const char *key);
bool jbool(json_t *obj, const char *key);

/* Go's url.QueryEscape (space as '+') and the path escaping of url.URL. */
char *query_escape(const char *s);
char *path_escape(const char *s);

/* json.Marshal's text for j (HTML characters and U+2028/9 escaped, \u00xx
 * in lower case), plus the newline json.Encoder adds. Malloc'd. */
char *go_json(json_t *j);
/* api_json, but the body goes out as go_json(body) like the Go client's. */
int api_json_go(const char *method, const char *path, json_t *body, json_t **out);

/* Go's syscall error texts are strerror's in lower case. */
const char *go_strerror(int e);

/* "Error response from daemon: MSG" for a failed call (malloc'd). */
char *daemon_error(json_t *body);
/* docker's errors.Join: each collected error on its own line on stderr,
 * after the successes were printed; returns 1 if there were any. */
int print_errors(char **errs);

/* The inspect commands' loop (image, network, volume): GET each ref's path;
 * print the bodies as one indented JSON array, or each through the --format
 * template; the errors after, as docker does. Returns the exit code. */
struct inspect_kind {
    char *(*path_for)(const char *ref);
    /* NULL, or an error text when the template reads a key the object lacks
     * (image inspect: Go's "map has no entry for key") */
    char *(*missing_key)(const char *format, json_t *obj);
    bool newline_when_empty; /* a template's empty result still prints "\n" */
};
int inspect_objects(char **refs, int n, const char *format, const struct inspect_kind *kind);

/* The answer to a prune's "[y/N]" question (already printed) on stdin. */
bool cli_confirmed(void);

/* GET /containers/<ref>/json. 200 and *out, or the status with *err set. */
int ctr_inspect(const char *ref, json_t **out, char **err);

/* POST /containers/<id>/wait[?condition=]: returns once the headers are
 * in (the daemon sends them at once); read the result with ctr_wait_result.
 * NULL with *err on an error status. */
struct http_conn *ctr_wait_begin(const char *id, const char *condition, char **err);
/* StatusCode from the wait body; 125 (and docker's log line) on failure.
 * Closes c. With msg, a wait Error is handed back instead of printed. */
int ctr_wait_result(struct http_conn *c, char **msg);

/* POST /containers/<id>/attach with Upgrade. NULL with *err unless 101. */
struct http_conn *ctr_attach(const char *id, bool in, bool out, bool err_stream,
                             const char *detach_keys, bool logs, char **err);

/* Attach (before start, so no output is lost), wait, start, resize and
 * stream, as docker run and docker start -a do.
 * Returns the exit status; *start_err gets the daemon's message when start
 * itself failed (the caller maps it to an exit code). */
struct attached_run {
    const char *id;
    bool tty, in, out, err;
    bool auto_remove;
    const char *detach_keys;
};
int ctr_attach_and_start(const struct attached_run *r, char **start_err, bool *failed);

/* docker's formatter.Context.Write: each row through the --format template
 * (a "table" format gets the header row and tabwriter alignment). Prints
 * docker's message and returns 1 on a template error. */
int render_rows(const char *format, json_t *rows, const char *(*header_for)(const char *field));
/* Same, with the header row rendered from header_format instead. */
int render_rows_hdr(const char *format, const char *header_format, json_t *rows,
                    const char *(*header_for)(const char *field));
/* The same, a row at a time: rows_begin prints a template error and returns
 * NULL; rows_end prints (tables aligned) and returns the exit code. */
struct rows_out;
struct rows_out *rows_begin(const char *format, const char *header_format,
                            const char *(*header_for)(const char *field));
void rows_add(struct rows_out *o, json_t *row);
int rows_end(struct rows_out *o);
/* timetypes.GetTimestamp for --since/--until: durations become unix seconds
 * before now, dates "%d.%09d", and a unix timestamp goes through unchanged.
 * NULL with docker's *err. Malloc'd. */
char *api_timestamp(const char *value, char **err);
