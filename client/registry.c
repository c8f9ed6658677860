/* Registry credentials on the client side and the shared pull. */
#include "client/registry.h"
#include "client/container.h"
#include "common/base64.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *pull_platform;

char *auth_server_key(const char *domain)
{
    return xstrdup(!strcmp(domain, "docker.io") ? "https://index.docker.io/v1/" : domain);
}

char *auth_config_path(void)
{
    const char *home = getenv("HOME");
    return xasprintf("%s/.minidock/config.json", home && *home ? home : "/root");
}

/* The "auth" (base64 "user:pass") stored for key in one config file. */
static char *stored_auth(const char *path, const char *key)
{
    _cleanup_json_ json_t *j = json_load_file(path, 0, NULL);
    json_t *auths = json_object_get(j, "auths");
    const char *a = json_str(json_object_get(auths, key), "auth");
    if (!a) {
        /* docker also matches entries written with a scheme */
        _cleanup_free_ char *h = xasprintf("https://%s", key), *p = xasprintf("http://%s", key);
        a = json_str(json_object_get(auths, h), "auth");
        if (!a)
            a = json_str(json_object_get(auths, p), "auth");
    }
    return a && *a ? xstrdup(a) : NULL;
}

char *auth_header_for(const char *domain)
{
    _cleanup_free_ char *key = auth_server_key(domain);
    _cleanup_free_ char *mine = auth_config_path();
    char *a = stored_auth(mine, key);
    if (!a) {
        const char *home = getenv("HOME");
        _cleanup_free_ char *theirs =
            xasprintf("%s/.docker/config.json", home && *home ? home : "/root");
        a = stored_auth(theirs, key);
    }
    _cleanup_free_ char *owned = a;
    size_t n;
    _cleanup_free_ char *up = a ? base64_decode(a, &n) : NULL;
    char *colon = up ? strchr(up, ':') : NULL;
    if (!colon)
        return xstrdup("e30=");
    *colon = '\0';
    _cleanup_json_ json_t *j =
        json_pack("{s:s,s:s,s:s}", "username", up, "password", colon + 1, "serveraddress", key);
    _cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
    char *b = base64_encode(s, strlen(s));
    /* base64url, as the docker CLI sends it */
    for (char *p = b; *p; p++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    return b;
}

/* jsonmessage.DisplayJSONMessagesStream, for the pull that run/create do.
 * Returns 0, or -1 with *err = the stream's errorDetail message. */
int show_pull_stream(struct http_conn *c, FILE *out, bool quiet, char **err)
{
    bool term = !quiet && isatty(fileno(out));
    char **ids = NULL;
    struct strbuf line = STRBUF_INIT;
    char buf[8192];
    ssize_t n;
    int rc = 0;
    bool eof = false;
    while (!eof) {
        n = http_read(c, buf, sizeof buf);
        if (n <= 0) {
            eof = true;
            if (!line.len)
                break;
        } else {
            sb_addn(&line, buf, (size_t)n);
        }
        char *start = line.s;
        char *nl;
        while (start && ((nl = strchr(start, '\n')) || (eof && *start))) {
            if (!nl)
                nl = start + strlen(start);
            char save = *nl;
            *nl = '\0';
            json_t *m = json_loads(start, 0, NULL);
            *nl = save;
            start = *nl ? nl + 1 : nl;
            if (!json_is_object(m)) {
                json_decref(m);
                continue;
            }
            json_t *ed = json_object_get(m, "errorDetail");
            if (json_is_object(ed)) {
                *err = xstrdup(jstr(ed, "message"));
                json_decref(m);
                rc = -1;
                goto out;
            }
            if (json_object_get(m, "aux") || quiet) {
                json_decref(m);
                continue;
            }
            json_t *pd = json_object_get(m, "progressDetail");
            bool progress = json_is_object(pd);
            bool progress_nonempty = progress && (jint(pd, "current") > 0 || jint(pd, "total") > 0);
            const char *id = jstr(m, "id");
            const char *pm = jstr(m, "progress");
            size_t diff = 0;
            if (*id && (progress || *pm)) {
                size_t k = 0, nids = strv_len(ids);
                while (k < nids && strcmp(ids[k], id))
                    k++;
                if (k == nids) {
                    strv_push(&ids, id);
                    if (term)
                        fputc('\n', out);
                }
                diff = strv_len(ids) - k;
                if (term && diff)
                    fprintf(out, "\033[%zuA", diff);
            } else {
                strv_free(ids);
                ids = NULL;
            }
            if (term && progress) {
                fputs("\033[2K\r", out);
            } else if (progress_nonempty) {
                json_decref(m);
                continue; /* no progress bars off a terminal */
            }
            const char *endl = term && progress ? "\r" : "";
            if (*id)
                fprintf(out, "%s: ", id);
            if (term && progress)
                fprintf(out, "%s %s%s", jstr(m, "status"), pm, endl);
            else if (*pm)
                fprintf(out, "%s %s%s", jstr(m, "status"), pm, endl);
            else if (*jstr(m, "stream"))
                fprintf(out, "%s%s", jstr(m, "stream"), endl);
            else
                fprintf(out, "%s%s\n", jstr(m, "status"), endl);
            if (*id && term && diff)
                fprintf(out, "\033[%zuB", diff);
            json_decref(m);
        }
        if (start && start != line.s) {
            _cleanup_free_ char *rest = xstrdup(start);
            sb_free(&line);
            sb_add(&line, rest);
        }
    }
    if (!http_complete(c)) {
        /* the daemon went away in the middle (Go's decoder: unexpected EOF) */
        *err = xstrdup("unexpected EOF");
        rc = -1;
    }
out:
    fflush(out);
    strv_free(ids);
    sb_free(&line);
    return rc;
}

int pull_image(const struct image_ref *ref, bool all_tags, bool quiet, FILE *out, char **err)
{
    _cleanup_free_ char *name = xasprintf("%s/%s", ref->domain, ref->path);
    _cleanup_free_ char *ename = query_escape(name);
    const char *tag = all_tags ? "" : ref->digest ? ref->digest : ref->tag ? ref->tag : "latest";
    _cleanup_free_ char *etag = query_escape(tag);
    _cleanup_free_ char *path =
        xasprintf("/images/create?fromImage=%s&tag=%s%s%s", ename, etag,
                  pull_platform ? "&platform=" : "", pull_platform ? pull_platform : "");
    _cleanup_free_ char *auth = auth_header_for(ref->domain);
    _cleanup_free_ char *hdr = xasprintf("X-Registry-Auth: %s", auth);
    const char *const hdrs[] = {hdr, NULL};
    struct http_req req = {.method = "POST", .path = path, .body_fd = -1, .headers = hdrs};
    struct http_conn *c = http_send(&req);
    if (http_status(c) >= 400) {
        size_t len;
        _cleanup_free_ char *data = http_read_all(c, &len);
        json_t *j = json_loadb(data, len, 0, NULL);
        if (!j)
            j = json_pack("{s:s}", "message", data);
        *err = daemon_error(j);
        json_decref(j);
        http_close(c);
        return -1;
    }
    int rc = show_pull_stream(c, out, quiet, err);
    http_close(c);
    return rc;
}
