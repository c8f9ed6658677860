/* Shared container-command helpers (see container.h). */
#include "client/container.h"
#include "client/stream.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/tabwriter.h"
#include "common/template.h"
#include "common/timefmt.h"
#include "common/units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : "";
}

long long jint(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return json_integer_value(v);
}

bool jbool(json_t *obj, const char *key)
{
    return json_is_true(json_is_object(obj) ? json_object_get(obj, key) : NULL);
}

static char *escape(const char *s, const char *keep, bool plus)
{
    static const char hex[] = "0123456789ABCDEF";
    struct strbuf b = STRBUF_INIT;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr(keep, *p))
            sb_addc(&b, (char)*p);
        else if (plus && *p == ' ')
            sb_addc(&b, '+');
        else
            sb_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    return sb_steal(&b);
}

char *query_escape(const char *s)
{
    return escape(s, "-_.~", true);
}

char *path_escape(const char *s)
{
    return escape(s, "-_.~!$&'()*+,;=:@/", false);
}

char *go_json(json_t *j)
{
    _cleanup_free_ char *raw = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    struct strbuf b = STRBUF_INIT;
    for (const char *p = raw ? raw : "null"; *p; p++) {
        if (*p == '<' || *p == '>' || *p == '&') {
            sb_printf(&b, "\\u%04x", (unsigned char)*p);
        } else if (!strncmp(p, "\xe2\x80\xa8", 3) || !strncmp(p, "\xe2\x80\xa9", 3)) {
            sb_printf(&b, "\\u%s", p[2] == '\xa8' ? "2028" : "2029");
            p += 2;
        } else if (p[0] == '\\' && p[1] == '\\') {
            sb_addn(&b, p, 2);
            p++;
        } else if (p[0] == '\\' && p[1] == 'u') {
            for (int i = 0; i < 6 && p[i]; i++)
                sb_addc(&b, (char)tolower((unsigned char)p[i]));
            p += 5;
        } else {
            sb_addc(&b, *p);
        }
    }
    sb_addc(&b, '\n');
    return sb_steal(&b);
}

int api_json_go(const char *method, const char *path, json_t *body, json_t **out)
{
    _cleanup_free_ char *text = go_json(body);
    struct http_req req = {.method = method,
                           .path = path,
                           .content_type = "application/json",
                           .body = text,
                           .body_len = strlen(text),
                           .body_fd = -1};
    struct http_conn *c = http_send(&req);
    size_t len;
    _cleanup_free_ char *data = http_read_all(c, &len);
    int status = http_status(c);
    http_close(c);
    *out = api_parse(data, len);
    return status;
}

char *daemon_error(json_t *body)
{
    return xasprintf("Error response from daemon: %s", api_message(body));
}

int print_errors(char **errs)
{
    for (char **e = errs; e && *e; e++)
        fprintf(stderr, "%s\n", *e);
    return errs && *errs ? 1 : 0;
}

int ctr_inspect(const char *ref, json_t **out, char **err)
{
    _cleanup_free_ char *esc = path_escape(ref);
    _cleanup_free_ char *path = xasprintf("/containers/%s/json", esc);
    json_t *body = NULL;
    int st = api_json("GET", path, NULL, &body);
    if (st == 200 && json_is_object(body)) {
        *out = body;
        return 200;
    }
    *out = NULL;
    if (err)
        *err = daemon_error(body);
    json_decref(body);
    return st == 200 ? 500 : st;
}

static char *conn_error(struct http_conn *c)
{
    size_t len;
    _cleanup_free_ char *data = http_read_all(c, &len);
    json_t *j = len ? json_loadb(data, len, 0, NULL) : NULL;
    if (!j)
        j = json_pack("{s:s}", "message", data);
    char *e = daemon_error(j);
    json_decref(j);
    return e;
}

struct http_conn *ctr_wait_begin(const char *id, const char *condition, char **err)
{
    _cleanup_free_ char *path = condition && *condition
                                    ? xasprintf("/containers/%s/wait?condition=%s", id, condition)
                                    : xasprintf("/containers/%s/wait", id);
    struct http_req req = {.method = "POST", .path = path, .body_fd = -1};
    struct http_conn *c = http_send(&req);
    if (http_status(c) >= 400) {
        *err = conn_error(c);
        http_close(c);
        return NULL;
    }
    return c;
}

int ctr_wait_result(struct http_conn *c, char **msg)
{
    size_t len;
    _cleanup_free_ char *data = http_read_all(c, &len);
    http_close(c);
    json_t *j = json_loadb(data, len, 0, NULL);
    if (!json_is_object(j)) {
        /* the connection broke before the body: docker logs and uses 125 */
        json_decref(j);
        if (msg)
            *msg = xstrdup("unexpected EOF");
        else
            fprintf(stderr, "error waiting for container: unexpected EOF\n");
        return 125;
    }
    json_t *e = json_object_get(j, "Error");
    if (json_is_object(e) && *jstr(e, "Message")) {
        if (msg)
            *msg = xstrdup(jstr(e, "Message"));
        else
            fprintf(stderr, "Error waiting for container: %s\n", jstr(e, "Message"));
        json_decref(j);
        return 125;
    }
    int code = (int)jint(j, "StatusCode");
    json_decref(j);
    return code;
}

struct http_conn *ctr_attach(const char *id, bool in, bool out, bool err_stream,
                             const char *detach_keys, bool logs, char **err)
{
    /* url.Values.Encode sorts the keys */
    struct strbuf q = STRBUF_INIT;
    if (detach_keys && *detach_keys) {
        _cleanup_free_ char *k = query_escape(detach_keys);
        sb_printf(&q, "&detachKeys=%s", k);
    }
    if (logs)
        sb_add(&q, "&logs=1");
    if (err_stream)
        sb_add(&q, "&stderr=1");
    if (in)
        sb_add(&q, "&stdin=1");
    if (out)
        sb_add(&q, "&stdout=1");
    sb_add(&q, "&stream=1");
    _cleanup_free_ char *path = xasprintf("/containers/%s/attach?%s", id, q.s + 1);
    sb_free(&q);
    struct http_req req = {.method = "POST",
                           .path = path,
                           .content_type = "text/plain",
                           .body_fd = -1,
                           .upgrade = true};
    struct http_conn *c = http_send(&req);
    if (http_status(c) != 101) {
        if (http_status(c) >= 400)
            *err = conn_error(c);
        else
            *err = xasprintf("unable to upgrade to tcp, received %d", http_status(c));
        http_close(c);
        return NULL;
    }
    return c;
}

int ctr_attach_and_start(const struct attached_run *r, char **start_err, bool *failed)
{
    *failed = false;
    _cleanup_free_ char *err = NULL;
    struct http_conn *a = ctr_attach(r->id, r->in, r->out, r->err, r->detach_keys, false, &err);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        *failed = true;
        return 1;
    }
    struct http_conn *w = ctr_wait_begin(r->id, r->auto_remove ? "removed" : "next-exit", &err);
    _cleanup_free_ char *start = xasprintf("/containers/%s/start", r->id);
    json_t *body = NULL;
    int st = api_json("POST", start, NULL, &body);
    if (st >= 400) {
        *start_err = xstrdup(api_message(body));
        json_decref(body);
        http_close(a);
        if (w && r->auto_remove)
            ctr_wait_result(w, NULL); /* until the daemon removed it */
        else if (w)
            http_close(w);
        *failed = true;
        return 125;
    }
    json_decref(body);
    if (r->tty && isatty(STDOUT_FILENO)) {
        _cleanup_free_ char *rp = xasprintf("/containers/%s", r->id);
        stream_resize(rp, 0, 0, true);
    }
    _cleanup_free_ char *rp = xasprintf("/containers/%s", r->id);
    struct stream_opts o = {.tty = r->tty,
                            .in = r->in,
                            .out = r->out,
                            .err = r->err,
                            .detach_keys = r->detach_keys,
                            .resize_path = r->tty && isatty(STDOUT_FILENO) ? rp : NULL};
    _cleanup_free_ char *serr = NULL;
    int rc = stream_run(a, &o, &serr);
    http_close(a);
    if (rc == STREAM_DETACHED) {
        if (w)
            http_close(w);
        return 0;
    }
    if (rc == STREAM_FAILED) {
        fprintf(stderr, "%s\n", serr);
        if (w)
            http_close(w);
        *failed = true;
        return 1;
    }
    if (!w) {
        fprintf(stderr, "error waiting for container: %s\n", err ? err : "unknown error");
        return 125;
    }
    return ctr_wait_result(w, NULL);
}

int render_rows(const char *format, json_t *rows, const char *(*header_for)(const char *field))
{
    return render_rows_hdr(format, NULL, rows, header_for);
}

struct rows_out {
    struct tmpl *t;
    struct strbuf body;
    const char *header_format;
    const char *(*header_for)(const char *field);
    int rc;
};

struct rows_out *rows_begin(const char *format, const char *header_format,
                            const char *(*header_for)(const char *field))
{
    struct tmpl *t = NULL;
    struct md_error err = {0};
    if (tmpl_parse(format, &t, &err) < 0) {
        fprintf(stderr, "template parsing error: %s\n", md_err_msg(&err));
        md_err_clear(&err);
        return NULL;
    }
    struct rows_out *o = xcalloc(1, sizeof *o);
    *o = (struct rows_out){
        .t = t, .body = STRBUF_INIT, .header_format = header_format, .header_for = header_for};
    return o;
}

void rows_add(struct rows_out *o, json_t *row)
{
    if (o->rc)
        return;
    struct md_error err = {0};
    char *line = NULL;
    if (tmpl_render(o->t, row, &line, &err) < 0) {
        fprintf(stderr, "template parsing error: %s\n", md_err_msg(&err));
        md_err_clear(&err);
        o->rc = 1;
        return;
    }
    sb_add(&o->body, line);
    sb_addc(&o->body, '\n');
    free(line);
}

int rows_end(struct rows_out *o)
{
    int rc = o->rc;
    if (rc == 0) {
        if (tmpl_is_table(o->t)) {
            struct md_error err = {0};
            struct tabwriter *tw = tw_new();
            struct tmpl *ht = NULL;
            if (o->header_format && tmpl_parse(o->header_format, &ht, &err) < 0)
                md_err_clear(&err);
            char *h = tmpl_render_header(ht ? ht : o->t, o->header_for);
            tmpl_free(ht);
            tw_write(tw, h);
            tw_write(tw, "\n");
            free(h);
            if (o->body.len)
                tw_write(tw, o->body.s);
            char *out = tw_flush(tw);
            fputs(out, stdout);
            free(out);
            tw_free(tw);
        } else if (o->body.len) {
            fputs(o->body.s, stdout);
        }
    }
    sb_free(&o->body);
    tmpl_free(o->t);
    free(o);
    return rc;
}

int render_rows_hdr(const char *format, const char *header_format, json_t *rows,
                    const char *(*header_for)(const char *field))
{
    struct rows_out *o = rows_begin(format, header_format, header_for);
    if (!o)
        return 1;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) rows_add(o, row);
    return rows_end(o);
}

const char *go_strerror(int e)
{
    static __thread char buf[128];
    snprintf(buf, sizeof buf, "%s", strerror(e));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
        buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}

int inspect_objects(char **refs, int n, const char *format, const struct inspect_kind *kind)
{
    struct tmpl *t = NULL;
    bool json_fmt = !*format || !strcmp(format, "json");
    if (!json_fmt) {
        struct md_error err = {0};
        if (tmpl_parse(format, &t, &err) < 0) {
            fprintf(stderr, "template parsing error: %s\n", md_err_msg(&err));
            md_err_clear(&err);
            return 64;
        }
    }
    struct strbuf raw = STRBUF_INIT, out = STRBUF_INIT;
    _cleanup_strv_ char **errs = NULL;
    int nok = 0;
    for (int i = 0; i < n; i++) {
        _cleanup_free_ char *path = kind->path_for(refs[i]);
        struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
        struct http_conn *hc = http_send(&req);
        size_t len;
        _cleanup_free_ char *body = http_read_all(hc, &len);
        int st = http_status(hc);
        http_close(hc);
        _cleanup_json_ json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
        if (st != 200) {
            if (!j)
                j = json_pack("{s:s}", "message", body);
            _cleanup_free_ char *e = daemon_error(j);
            strv_push(&errs, e);
            continue;
        }
        if (json_fmt) {
            if (nok++)
                sb_addc(&raw, ',');
            sb_addn(&raw, body, len);
            continue;
        }
        char *miss = kind->missing_key ? kind->missing_key(format, j) : NULL;
        if (miss) {
            strv_push(&errs, miss);
            free(miss);
            continue;
        }
        char *line = NULL;
        struct md_error err = {0};
        if (tmpl_render(t, j, &line, &err) < 0) {
            _cleanup_free_ char *e = xasprintf("template parsing error: %s", md_err_msg(&err));
            md_err_clear(&err);
            strv_push(&errs, e);
            continue;
        }
        sb_add(&out, line);
        sb_addc(&out, '\n');
        free(line);
    }
    if (json_fmt) {
        if (!nok) {
            fputs("[]\n", stdout);
        } else {
            _cleanup_free_ char *arr = xasprintf("[%s]", raw.s);
            _cleanup_free_ char *ind = cli_json_indent(arr, strlen(arr), "    ");
            printf("%s\n", ind ? ind : arr);
        }
    } else if (out.len || kind->newline_when_empty) {
        fputs(out.len ? out.s : "\n", stdout);
    }
    sb_free(&raw);
    sb_free(&out);
    tmpl_free(t);
    fflush(stdout);
    return print_errors(errs);
}

bool cli_confirmed(void)
{
    fflush(stdout);
    char line[256] = "";
    if (!fgets(line, sizeof line, stdin))
        line[0] = '\0';
    char *s = line;
    while (*s == ' ' || *s == '\t')
        s++;
    s[strcspn(s, " \t\r\n")] = '\0';
    return strcasecmp(s, "y") == 0;
}

char *api_timestamp(const char *value, char **err)
{
    int64_t d, now = time_now_ns(), ns;
    if (strcmp(value, "0") && parse_go_duration(value, &d) == 0) {
        int64_t t = now - d;
        int64_t sec = t / 1000000000 - (t % 1000000000 < 0);
        return xasprintf("%lld", (long long)sec);
    }
    bool dateish = strchr(value, '-') || strchr(value, 'T') || strchr(value, ':');
    if (time_parse_since(value, now, &ns) < 0) {
        *err = dateish ? xasprintf("parsing time \"%s\": cannot parse", value)
                       : xasprintf("failed to parse value as time or duration: \"%s\"", value);
        return NULL;
    }
    if (!dateish)
        return xstrdup(value);
    int64_t sec = ns / 1000000000 - (ns % 1000000000 < 0);
    return xasprintf("%lld.%09lld", (long long)sec, (long long)(ns - sec * 1000000000));
}
