/* Image commands: images / image ls, image inspect, history, tag, rmi,
 * save, load, import, image prune. Output follows docker 28's (docker/cli
 * cli/command/image and cli/command/formatter); rows go through the shared
 * --format renderer (render_rows in client/container.c). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/prune.h"
#include "client/listing.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/filters.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/reference.h"
#include "common/strbuf.h"
#include "common/template.h"
#include "common/units.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- shared bits ---- */

/* "/images/<escaped name><suffix>" */
static char *image_path(const char *name, const char *suffix)
{
    _cleanup_free_ char *e = path_escape(name);
    return xasprintf("/images/%s%s", e, suffix);
}

/* stringid.TruncateID */
static char *truncate_id(const char *id)
{
    const char *c = strchr(id, ':');
    const char *h = c ? c + 1 : id;
    return xstrndup(h, strlen(h) > 12 ? 12 : strlen(h));
}

static bool is_json_dot(const char *f)
{
    while (*f == ' ')
        f++;
    size_t n = strlen(f);
    while (n && f[n - 1] == ' ')
        n--;
    return (n == 10 && !strncmp(f, "{{json .}}", 10)) ||
           (n == 12 && !strncmp(f, "{{ json . }}", 12));
}

static int render(const char *fmt, json_t *rows, const char *(*header_for)(const char *))
{
    if (!is_json_dot(fmt))
        return render_rows(fmt, rows, header_for);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        _cleanup_free_ char *s = go_json(row);
        fputs(s, stdout);
    }
    return 0;
}

/* jsonstream.Display for the short streams of load and import: "stream"
 * text as is, "status" lines, and the first error ends it. */
static int show_json_stream(struct http_conn *c, char **err)
{
    size_t len;
    _cleanup_free_ char *body = http_read_all(c, &len);
    char *save = NULL;
    for (char *line = strtok_r(body, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        _cleanup_json_ json_t *m = json_loads(line, 0, NULL);
        if (!json_is_object(m))
            continue;
        json_t *ed = json_object_get(m, "errorDetail");
        if (json_is_object(ed) || json_is_string(json_object_get(m, "error"))) {
            const char *msg = json_is_object(ed) ? jstr(ed, "message") : jstr(m, "error");
            *err = xstrdup(msg);
            return -1;
        }
        const char *id = jstr(m, "id");
        if (*jstr(m, "stream")) {
            fputs(jstr(m, "stream"), stdout);
        } else if (*jstr(m, "status")) {
            if (*id)
                printf("%s: ", id);
            printf("%s\n", jstr(m, "status"));
        }
    }
    fflush(stdout);
    return 0;
}

static int bad_filter(const char *v, struct md_error *err)
{
    int r = cli_usage_error("invalid argument \"%s\" for \"-f, --filter\" flag: %s", v,
                            md_err_msg(err));
    md_err_clear(err);
    return r;
}

/* ---- images ---- */

const char *images_header(const char *field)
{
    static const char *const map[][2] = {
        {"ID", "IMAGE ID"},
        {"Repository", "REPOSITORY"},
        {"Tag", "TAG"},
        {"Digest", "DIGEST"},
        {"CreatedSince", "CREATED"},
        {"CreatedAt", "CREATED AT"},
        {"Size", "SIZE"},
        {"Containers", "CONTAINERS"},
        {"VirtualSize", "SIZE"},
        {"SharedSize", "SHARED SIZE"},
        {"UniqueSize", "UNIQUE SIZE"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

json_t *image_row(json_t *img, const char *repo, const char *tag, const char *digest, bool trunc)
{
    long long created = jint(img, "Created");
    long long size = jint(img, "Size");
    long long shared = jint(img, "SharedSize");
    long long containers = jint(img, "Containers");
    _cleanup_free_ char *id = trunc ? truncate_id(jstr(img, "Id")) : xstrdup(jstr(img, "Id"));
    _cleanup_free_ char *ago = human_duration((int64_t)time(NULL) - created);
    _cleanup_free_ char *since = xasprintf("%s ago", ago);
    _cleanup_free_ char *at = cli_time_string(created);
    _cleanup_free_ char *sz = cli_human_size((double)size, 3);
    _cleanup_free_ char *vsz = cli_human_size((double)size, 4);
    _cleanup_free_ char *ssz = shared == -1 ? xstrdup("N/A") : cli_human_size((double)shared, 4);
    _cleanup_free_ char *usz =
        shared == -1 ? xstrdup("N/A") : cli_human_size((double)(size - shared), 4);
    _cleanup_free_ char *cn = containers == -1 ? xstrdup("N/A") : xasprintf("%lld", containers);
    /* keys in sorted order: {{json .}} prints them as Go prints a map */
    json_t *row = json_object();
    json_object_set_new(row, "Containers", json_string(cn));
    json_object_set_new(row, "CreatedAt", json_str_lossy(at));
    /* time.Unix(0, 0).IsZero() is false: only Created 0 prints as a date */
    json_object_set_new(row, "CreatedSince", json_string(since));
    json_object_set_new(row, "Digest", json_str_lossy(digest));
    json_object_set_new(row, "ID", json_string(id));
    json_object_set_new(row, "Repository", json_str_lossy(repo));
    json_object_set_new(row, "SharedSize", json_string(ssz));
    json_object_set_new(row, "Size", json_string(sz));
    json_object_set_new(row, "Tag", json_str_lossy(tag));
    json_object_set_new(row, "UniqueSize", json_string(usz));
    json_object_set_new(row, "VirtualSize", json_string(vsz));
    return row;
}

/* Familiar name and the tag or digest of one reference. */
static bool split_ref(const char *s, char **name, char **suffix, bool digest)
{
    struct image_ref r;
    if (ref_parse_name(s, &r, NULL) < 0)
        return false;
    if (digest ? !r.digest : !r.tag) {
        ref_free(&r);
        return false;
    }
    *name = ref_familiar_name(&r);
    *suffix = xstrdup(digest ? r.digest : r.tag);
    ref_free(&r);
    return true;
}

/* imageFormatTaggedAndDigest: a row per tag (per tag and digest with
 * --digests), then the repositories that only have digests. */
static void add_image_rows(json_t *rows, json_t *img, bool trunc, bool need_digest,
                           bool show_digests)
{
    json_t *tags = json_object_get(img, "RepoTags");
    json_t *digests = json_object_get(img, "RepoDigests");
    if (json_array_size(tags) == 0 && json_array_size(digests) == 0) {
        json_array_append_new(rows, image_row(img, "<none>", "<none>", "<none>", trunc));
        return;
    }
    _cleanup_strv_ char **repos = NULL;  /* with tags, in order */
    _cleanup_strv_ char **dnames = NULL; /* digest repo, digest, ... pairs */
    size_t i;
    json_t *t;
    json_array_foreach(digests, i, t)
    {
        _cleanup_free_ char *n = NULL, *d = NULL;
        if (!split_ref(json_string_value(t), &n, &d, true))
            continue;
        strv_push(&dnames, n);
        strv_push(&dnames, d);
    }
    _cleanup_strv_ char **done = NULL;
    json_array_foreach(tags, i, t)
    {
        _cleanup_free_ char *n = NULL, *tag = NULL;
        if (!split_ref(json_string_value(t), &n, &tag, false))
            continue;
        bool any = false;
        for (char **d = dnames; need_digest && d && d[0] && d[1]; d += 2) {
            if (strcmp(d[0], n))
                continue;
            json_array_append_new(rows, image_row(img, n, tag, d[1], trunc));
            any = true;
        }
        if (!any)
            json_array_append_new(rows, image_row(img, n, tag, "<none>", trunc));
        strv_push(&done, n);
    }
    for (char **d = dnames; d && d[0] && d[1]; d += 2) {
        bool tagged = false;
        for (char **x = done; x && *x; x++)
            tagged |= !strcmp(*x, d[0]);
        if (tagged)
            continue;
        if (show_digests) {
            json_array_append_new(rows, image_row(img, d[0], "<none>", d[1], trunc));
        } else {
            bool seen = false;
            for (char **e = dnames; e < d; e += 2)
                seen |= !strcmp(e[0], d[0]);
            if (!seen)
                json_array_append_new(rows, image_row(img, d[0], "<none>", "", trunc));
        }
    }
}

static int images_run(int argc, char **argv, bool called_as_images)
{
    static const struct option opts[] = {
        {"all", no_argument, 0, 'a'},          {"quiet", no_argument, 0, 'q'},
        {"no-trunc", no_argument, 0, 'T'},     {"digests", no_argument, 0, 'D'},
        {"filter", required_argument, 0, 'f'}, {"format", required_argument, 0, 'F'},
        {"tree", no_argument, 0, 'R'},         {0, 0, 0, 0}};
    bool all = false, quiet = false, no_trunc = false, digests = false;
    const char *format = "";
    struct filters *f = filters_new();
    struct md_error err = {0};
    int c;
    while ((c = cli_getopt(argc, argv, "aqf:", opts)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'D':
            digests = true;
            break;
        case 'F':
            format = optarg;
            break;
        case 'R':
            filters_free(f);
            fprintf(stderr, "minidock: --tree is not supported\n");
            return 1;
        case 'f':
            if (filters_add(f, optarg, &err) < 0) {
                filters_free(f);
                return bad_filter(optarg, &err);
            }
            break;
        default:
            filters_free(f);
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 0, 1)) {
        filters_free(f);
        return 1;
    }
    const char *match = optind < argc ? argv[optind] : NULL;
    if (match) {
        _cleanup_free_ char *kv = xasprintf("reference=%s", match);
        filters_add(f, kv, NULL);
    }
    _cleanup_free_ char *fj = filters_to_json(f);
    filters_free(f);
    struct strbuf q = STRBUF_INIT;
    if (all)
        sb_add(&q, "&all=1");
    if (*fj) {
        _cleanup_free_ char *e = query_escape(fj);
        sb_printf(&q, "&filters=%s", e);
    }
    _cleanup_free_ char *path =
        xasprintf("/images/json%s%s", q.len ? "?" : "", q.len ? q.s + 1 : "");
    sb_free(&q);
    _cleanup_json_ json_t *list = NULL;
    if (api_call("GET", path, NULL, &list) < 0)
        return 1;
    /* NewImageFormat */
    _cleanup_free_ char *fmt = NULL;
    static const char *const table =
        "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}"
        "N/A{{end}}\t{{.Size}}";
    static const char *const table_digest =
        "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}"
        "{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    if (!*format || !strcmp(format, "table"))
        fmt = xstrdup(quiet ? "{{.ID}}" : digests ? table_digest : table);
    else if (!strcmp(format, "raw"))
        fmt = xstrdup(quiet     ? "image_id: {{.ID}}"
                      : digests ? "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: "
                                  "{{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\n"
                                  "virtual_size: {{.Size}}\n"
                                : "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: "
                                  "{{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n");
    else if (!strcmp(format, "json"))
        fmt = xstrdup("{{json .}}");
    else if (!strncmp(format, "table", 5) && digests && !strstr(format, "{{.Digest}}"))
        fmt = xasprintf("%s\t{{.Digest}}", format);
    else
        fmt = xstrdup(format);
    bool need_digest = digests || strstr(fmt, "{{.Digest}}");
    json_t *rows = json_array();
    size_t i;
    json_t *img;
    json_array_foreach(list, i, img) add_image_rows(rows, img, !no_trunc, need_digest, digests);
    int rc = render(fmt, rows, images_header);
    json_decref(rows);
    static const char *const subcommands[] = {"build", "history", "import", "inspect", "list",
                                              "load",  "ls",      "prune",  "pull",    "push",
                                              "rm",    "save",    "tag",    NULL};
    if (rc == 0 && match && json_array_size(list) == 0 && called_as_images) {
        for (const char *const *s = subcommands; *s; s++)
            if (!strcmp(*s, match))
                fprintf(stderr,
                        "\nNo images found matching \"%s\": did you mean \"minidock image %s\"?\n",
                        match, match);
    }
    return rc;
}

static int cmd_images(int argc, char **argv)
{
    return images_run(argc, argv, true);
}

static int cmd_image_ls(int argc, char **argv)
{
    return images_run(argc, argv, false);
}

/* ---- image inspect ---- */

/* docker renders inspect templates over the raw JSON with missingkey=error
 * when its typed struct lacks a field: "{{.Nope}}" is an error, not
 * "<no value>". Field chains are checked against the data here; templates
 * that move "." (range, with) are left alone. */
static char *missing_key(const char *format, json_t *data)
{
    if (strstr(format, "range") || strstr(format, "with"))
        return NULL;
    int line = 1;
    const char *line_start = format;
    for (const char *p = format; *p; p++) {
        if (*p == '\n') {
            line++;
            line_start = p + 1;
        }
        if (strncmp(p, "{{", 2))
            continue;
        const char *end = strstr(p + 2, "}}");
        if (!end)
            return NULL;
        for (const char *q = p + 2; q < end; q++) {
            if (*q == '"' || *q == '`') {
                char quote = *q;
                for (q++; q < end && *q != quote; q++)
                    if (*q == '\\' && quote == '"')
                        q++;
                continue;
            }
            bool after_word = q > p + 2 && (isalnum((unsigned char)q[-1]) || q[-1] == '_' ||
                                            q[-1] == '$' || q[-1] == ')');
            if (*q != '.' || after_word || !(isalpha((unsigned char)q[1]) || q[1] == '_'))
                continue;
            json_t *cur = data;
            const char *s0 = q;
            while (*q == '.' && (isalpha((unsigned char)q[1]) || q[1] == '_')) {
                const char *dot = q, *k = q + 1;
                size_t n = 0;
                while (isalnum((unsigned char)k[n]) || k[n] == '_')
                    n++;
                _cleanup_free_ char *key = xstrndup(k, n);
                q = k + n;
                if (!json_is_object(cur))
                    break;
                json_t *next = json_object_get(cur, key);
                if (!next)
                    return xasprintf("template parsing error: template: :%d:%d: executing \"\" "
                                     "at <%.*s>: map has no entry for key \"%s\"",
                                     line, (int)(dot - line_start), (int)(q - s0), s0, key);
                cur = next;
            }
            q--;
        }
        p = end + 1;
    }
    return NULL;
}

static char *image_json_path(const char *ref)
{
    return image_path(ref, "/json");
}

static int cmd_image_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'},
                                         {"platform", required_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
        if (c == 'f')
            format = optarg;
        else if (c != 'P')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    static const struct inspect_kind images = {
        .path_for = image_json_path, .missing_key = missing_key, .newline_when_empty = true};
    return inspect_objects(argv + optind, argc - optind, format, &images);
}

/* ---- history ---- */

static const char *history_header(const char *field)
{
    static const char *const map[][2] = {
        {"ID", "IMAGE"},
        {"CreatedSince", "CREATED"},
        {"CreatedAt", "CREATED AT"},
        {"CreatedBy", "CREATED BY"},
        {"Size", "SIZE"},
        {"Comment", "COMMENT"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

/* time.Unix(sec, 0).Format(time.RFC3339) in the local zone */
static char *rfc3339_local(long long sec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff;
    if (!off)
        return xasprintf("%sZ", buf);
    char sign = off < 0 ? '-' : '+';
    off = off < 0 ? -off : off;
    return xasprintf("%s%c%02ld:%02ld", buf, sign, off / 3600, off % 3600 / 60);
}

static json_t *history_row(json_t *h, bool trunc, bool human)
{
    long long created = jint(h, "Created");
    _cleanup_free_ char *id = trunc ? truncate_id(jstr(h, "Id")) : xstrdup(jstr(h, "Id"));
    _cleanup_free_ char *at = rfc3339_local(created);
    char *since;
    if (!human) {
        since = xstrdup(at);
    } else if (created <= 946684800) { /* before 2000: no meaningful age */
        since = xstrdup("N/A");
    } else {
        _cleanup_free_ char *d = human_duration((int64_t)time(NULL) - created);
        since = xasprintf("%s ago", d);
    }
    _cleanup_free_ char *by = xstrdup(jstr(h, "CreatedBy"));
    for (char *p = by; *p; p++)
        if (*p == '\t')
            *p = ' ';
    _cleanup_free_ char *by_shown = trunc ? cli_ellipsis(by, 45) : xstrdup(by);
    _cleanup_free_ char *size =
        human ? cli_human_size((double)jint(h, "Size"), 3) : xasprintf("%lld", jint(h, "Size"));
    json_t *row = json_object();
    json_object_set_new(row, "Comment", json_str_lossy(jstr(h, "Comment")));
    json_object_set_new(row, "CreatedAt", json_string(at));
    json_object_set_new(row, "CreatedBy", json_str_lossy(by_shown));
    json_object_set_new(row, "CreatedSince", json_string(since));
    json_object_set_new(row, "ID", json_str_lossy(id));
    json_object_set_new(row, "Size", json_string(size));
    free(since);
    return row;
}

static int parse_go_bool(const char *s, bool *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
    for (int i = 0; t[i]; i++)
        if (!strcmp(s, t[i]))
            return *out = true, 0;
    for (int i = 0; f[i]; i++)
        if (!strcmp(s, f[i]))
            return *out = false, 0;
    return -1;
}

static int cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {
        {"human", optional_argument, 0, 'H'},    {"quiet", no_argument, 0, 'q'},
        {"no-trunc", no_argument, 0, 'T'},       {"format", required_argument, 0, 'F'},
        {"platform", required_argument, 0, 'P'}, {0, 0, 0, 0}};
    bool human = true, quiet = false, no_trunc = false;
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "H::q", opts)) != -1) {
        switch (c) {
        case 'H': {
            const char *v = optarg && *optarg == '=' ? optarg + 1 : optarg;
            if (v && parse_go_bool(v, &human) < 0)
                return cli_usage_error("invalid argument \"%s\" for \"-H, --human\" flag: "
                                       "strconv.ParseBool: parsing \"%s\": invalid syntax",
                                       v, v);
            if (!v)
                human = true;
            break;
        }
        case 'q':
            quiet = true;
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'F':
            format = optarg;
            break;
        case 'P':
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 1, 1))
        return 1;
    _cleanup_free_ char *path = image_path(argv[optind], "/history");
    _cleanup_json_ json_t *list = NULL;
    if (api_call("GET", path, NULL, &list) < 0)
        return 1;
    _cleanup_free_ char *fmt = NULL;
    if (!*format || !strcmp(format, "table"))
        fmt = xstrdup(quiet    ? "{{.ID}}"
                      : !human ? "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t"
                                 "{{.Comment}}"
                               : "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t"
                                 "{{.Comment}}");
    else if (!strcmp(format, "json"))
        fmt = xstrdup("{{json .}}");
    else
        fmt = xstrdup(format);
    json_t *rows = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(list, i, h) json_array_append_new(rows, history_row(h, !no_trunc, human));
    int rc = render(fmt, rows, history_header);
    json_decref(rows);
    return rc;
}

/* ---- tag ---- */

static int cmd_tag(int argc, char **argv)
{
    static const struct option opts[] = {{0, 0, 0, 0}};
    int c;
    while ((c = cli_getopt(argc, argv, "", opts)) != -1)
        return cli_bad_flag(c, argc, argv);
    if (cli_want_args(argc - optind, 2, 2))
        return 1;
    const char *source = argv[optind], *target = argv[optind + 1];
    struct image_ref r;
    struct md_error err = {0};
    if (!ref_looks_like_id(source) && ref_parse(source, &r, &err) < 0) {
        fprintf(stderr, "Error parsing reference: \"%s\" is not a valid repository/tag: %s\n",
                source, md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    if (!ref_looks_like_id(source))
        ref_free(&r);
    if (ref_parse(target, &r, &err) < 0) {
        fprintf(stderr, "Error parsing reference: \"%s\" is not a valid repository/tag: %s\n",
                target, md_err_msg(&err));
        md_err_clear(&err);
        return 1;
    }
    if (r.digest) {
        ref_free(&r);
        fprintf(stderr, "refusing to create a tag with a digest reference\n");
        return 1;
    }
    _cleanup_free_ char *repo = ref_full(&(struct image_ref){.domain = r.domain, .path = r.path});
    _cleanup_free_ char *erepo = query_escape(repo);
    _cleanup_free_ char *etag = query_escape(r.tag);
    ref_free(&r);
    _cleanup_free_ char *suffix = xasprintf("/tag?repo=%s&tag=%s", erepo, etag);
    _cleanup_free_ char *path = image_path(source, suffix);
    _cleanup_json_ json_t *out = NULL;
    if (api_call("POST", path, NULL, &out) < 0)
        return 1;
    return 0;
}

/* ---- rmi ---- */

static int cmd_rmi(int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'},
                                         {"no-prune", no_argument, 0, 'N'},
                                         {"platform", required_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    bool force = false, no_prune = false;
    int c;
    while ((c = cli_getopt(argc, argv, "f", opts)) != -1) {
        if (c == 'f')
            force = true;
        else if (c == 'N')
            no_prune = true;
        else if (c != 'P')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    _cleanup_strv_ char **errs = NULL;
    bool fatal = false;
    for (int i = optind; i < argc; i++) {
        _cleanup_free_ char *suffix =
            xasprintf("%s%s%s", force || no_prune ? "?" : "", force ? "force=1" : "",
                      no_prune ? (force ? "&noprune=1" : "noprune=1") : "");
        _cleanup_free_ char *path = image_path(argv[i], suffix);
        json_t *out = NULL;
        int st = api_json("DELETE", path, NULL, &out);
        _cleanup_json_ json_t *oc = out;
        if (st >= 400) {
            if (st != 404)
                fatal = true;
            _cleanup_free_ char *e = daemon_error(out);
            strv_push(&errs, e);
            continue;
        }
        size_t k;
        json_t *d;
        json_array_foreach(out, k, d)
        {
            if (*jstr(d, "Deleted"))
                printf("Deleted: %s\n", jstr(d, "Deleted"));
            else
                printf("Untagged: %s\n", jstr(d, "Untagged"));
        }
    }
    fflush(stdout);
    if (!errs || !*errs)
        return 0;
    if (!force || fatal)
        return print_errors(errs);
    print_errors(errs);
    return 0;
}

/* ---- save ---- */

static int cmd_save(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"platform", required_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    const char *output = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "o:", opts)) != -1) {
        if (c == 'o')
            output = optarg;
        else if (c != 'P')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    if ((!output || !*output) && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
        return 1;
    }
    struct strbuf q = STRBUF_INIT;
    for (int i = optind; i < argc; i++) {
        _cleanup_free_ char *e = query_escape(argv[i]);
        sb_printf(&q, "%snames=%s", i == optind ? "" : "&", e);
    }
    _cleanup_free_ char *path = xasprintf("/images/get?%s", q.s);
    sb_free(&q);
    /* atomicwriter: a temp file beside the target, renamed on success */
    int fd = STDOUT_FILENO;
    _cleanup_fs_replace_ struct fs_replace out = {.fd = -1};
    if (output && *output) {
        struct md_error e = {0};
        if (fs_replace_open(&out, AT_FDCWD, output, 0600, &e) < 0) {
            fprintf(stderr, "failed to save image: %s\n", md_err_msg(&e));
            md_err_clear(&e);
            return 1;
        }
        fd = out.fd;
    }
    struct http_req req = {.method = "GET", .path = path, .body_fd = -1};
    struct http_conn *hc = http_send(&req);
    int st = http_status(hc);
    int rc = 0;
    if (st != 200) {
        http_print_error(hc);
        rc = 1;
    } else {
        /* The daemon cuts the connection when it cannot finish the archive,
         * which reads as a plain end here: a complete tar ends with two zero
         * blocks on a block boundary, a cut one almost never does. */
        char buf[65536];
        char tail[1024] = {1};
        long long total = 0;
        ssize_t n;
        while ((n = http_read(hc, buf, sizeof buf)) > 0) {
            total += n;
            if (n >= (ssize_t)sizeof tail) {
                memcpy(tail, buf + n - sizeof tail, sizeof tail);
            } else {
                memmove(tail, tail + n, sizeof tail - (size_t)n);
                memcpy(tail + sizeof tail - (size_t)n, buf, (size_t)n);
            }
            int w = fs_write_all(fd, buf, (size_t)n);
            if (w < 0) {
                fprintf(stderr, "write: %s\n", strerror(-w));
                rc = 1;
                break;
            }
        }
        if (n < 0 && !rc) {
            fprintf(stderr, "error reading the archive from the daemon: %s\n",
                    n < 0 ? strerror(errno) : "unexpected end");
            rc = 1;
        }
        static const char zeros[1024];
        if (!rc && (total % 512 || memcmp(tail, zeros, sizeof zeros))) {
            fprintf(stderr, "unexpected EOF\n");
            rc = 1;
        }
    }
    http_close(hc);
    /* on failure the cleanup drops the temporary file */
    if (out.tmp && rc == 0) {
        struct md_error e = {0};
        if (fs_replace_commit(&out, FS_SYNC, &e) < 0) {
            fprintf(stderr, "failed to save image: %s\n", md_err_msg(&e));
            md_err_clear(&e);
            rc = 1;
        }
    }
    return rc;
}

/* ---- load ---- */

static int cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {{"input", required_argument, 0, 'i'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"platform", required_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    const char *input = NULL;
    bool quiet = false;
    int c;
    while ((c = cli_getopt(argc, argv, "i:q", opts)) != -1) {
        if (c == 'i')
            input = optarg;
        else if (c == 'q')
            quiet = true;
        else if (c != 'P')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    int fd = STDIN_FILENO;
    if (!input || !*input) {
        if (isatty(STDIN_FILENO)) {
            fprintf(stderr, "requested load from stdin, but stdin is empty\n");
            return 1;
        }
    } else {
        fd = open(input, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "open %s: %s\n", input, go_strerror(errno));
            return 1;
        }
    }
    if (!quiet && !isatty(STDOUT_FILENO))
        quiet = true;
    struct http_req req = {.method = "POST",
                           .path = quiet ? "/images/load?quiet=1" : "/images/load",
                           .content_type = "application/x-tar",
                           .body_fd = fd};
    struct http_conn *hc = http_send(&req);
    if (fd != STDIN_FILENO)
        close(fd);
    int st = http_status(hc);
    const char *ct = http_header(hc, "Content-Type");
    int rc = 0;
    if (st >= 400) {
        http_print_error(hc);
        rc = 1;
    } else if (ct && !strcmp(ct, "application/json")) {
        char *err = NULL;
        if (show_json_stream(hc, &err) < 0) {
            fprintf(stderr, "%s\n", err);
            free(err);
            rc = 1;
        }
    } else {
        size_t len;
        _cleanup_free_ char *body = http_read_all(hc, &len);
        fwrite(body, 1, len, stdout);
    }
    http_close(hc);
    return rc;
}

/* ---- import ---- */

static int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {{"change", required_argument, 0, 'c'},
                                         {"message", required_argument, 0, 'm'},
                                         {"platform", required_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    _cleanup_strv_ char **changes = NULL;
    const char *message = "";
    int c;
    while ((c = cli_getopt(argc, argv, "c:m:", opts)) != -1) {
        if (c == 'c')
            strv_push(&changes, optarg);
        else if (c == 'm')
            message = optarg;
        else if (c != 'P')
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 1, 2))
        return 1;
    const char *source = argv[optind];
    const char *ref = optind + 1 < argc ? argv[optind + 1] : "";
    if (*ref) {
        struct image_ref r;
        struct md_error err = {0};
        if (ref_parse_name(ref, &r, &err) < 0) {
            fprintf(stderr, "%s\n", md_err_msg(&err));
            md_err_clear(&err);
            return 1;
        }
        ref_free(&r);
    }
    int fd = -1;
    const char *src_name = "-";
    if (!strcmp(source, "-")) {
        fd = STDIN_FILENO;
    } else if (!strncmp(source, "http://", 7) || !strncmp(source, "https://", 8)) {
        src_name = source;
    } else {
        fd = open(source, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "open %s: %s\n", source, go_strerror(errno));
            return 1;
        }
    }
    struct strbuf q = STRBUF_INIT;
    _cleanup_free_ char *esrc = query_escape(src_name);
    _cleanup_free_ char *eref = query_escape(ref);
    _cleanup_free_ char *emsg = query_escape(message);
    sb_printf(&q, "/images/create?fromSrc=%s&message=%s&repo=%s&tag=", esrc, emsg, eref);
    for (char **ch = changes; ch && *ch; ch++) {
        _cleanup_free_ char *e = query_escape(*ch);
        sb_printf(&q, "&changes=%s", e);
    }
    _cleanup_free_ char *path = sb_steal(&q);
    struct http_req req = {.method = "POST", .path = path, .body_fd = fd};
    struct http_conn *hc = http_send(&req);
    if (fd > STDIN_FILENO)
        close(fd);
    int st = http_status(hc);
    int rc = 0;
    if (st >= 400) {
        http_print_error(hc);
        rc = 1;
    } else {
        char *err = NULL;
        if (show_json_stream(hc, &err) < 0) {
            fprintf(stderr, "%s\n", err);
            free(err);
            rc = 1;
        }
    }
    http_close(hc);
    return rc;
}

/* ---- image prune ---- */

static int cmd_image_prune(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, 0, 'a'},
                                         {"force", no_argument, 0, 'f'},
                                         {"filter", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    bool all = false, force = false;
    _cleanup_filters_ struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "af", opts)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'f')
            force = true;
        else if (c == 'F') {
            if (prune_filter_flag(f))
                return 125;
        } else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    if (!force) {
        fputs(all ? "WARNING! This will remove all images without at least one container "
                    "associated to them.\nAre you sure you want to continue? [y/N] "
                  : "WARNING! This will remove all dangling images.\nAre you sure you want to "
                    "continue? [y/N] ",
              stdout);
        if (!cli_confirmed())
            return 0; /* cancelled: nothing more printed, exit 0, like docker */
    }
    long long space;
    _cleanup_free_ char *out = NULL;
    if (prune_call(PRUNE_IMAGES, all, f, &space, &out))
        return 1;
    prune_print(out, true, space);
    return 0;
}

#define IMAGES_OPTS                                                                                \
    "  -a, --all             Show all images (default hides intermediate images)\n"                \
    "      --digests         Show digests\n"                                                       \
    "  -f, --filter filter   Filter output based on conditions provided\n"                         \
    "      --format string   Format output using a custom template:\n"                             \
    "                        'table':            Print output in table format with column "        \
    "headers (default)\n"                                                                          \
    "                        'table TEMPLATE':   Print output in table format using the given "    \
    "Go template\n"                                                                                \
    "                        'json':             Print in JSON format\n"                           \
    "                        'TEMPLATE':         Print output using the given Go template.\n"      \
    "      --no-trunc        Don't truncate output\n"                                              \
    "  -q, --quiet           Only show image IDs\n"
#define RMI_OPTS                                                                                   \
    "  -f, --force      Force removal of the image\n"                                              \
    "      --no-prune   Do not delete untagged parents\n"
#define HISTORY_OPTS                                                                               \
    "      --format string   Format output using a custom template\n"                              \
    "  -H, --human           Print sizes and dates in human readable format (default true)\n"      \
    "      --no-trunc        Don't truncate output\n"                                              \
    "  -q, --quiet           Only show image IDs\n"
#define SAVE_OPTS "  -o, --output string   Write to a file, instead of STDOUT\n"
#define LOAD_OPTS                                                                                  \
    "  -i, --input string   Read from tar archive file, instead of STDIN\n"                        \
    "  -q, --quiet          Suppress the load output\n"
#define IMPORT_OPTS                                                                                \
    "  -c, --change list       Apply Dockerfile instruction to the created image\n"                \
    "  -m, --message string    Set commit message for imported image\n"
#define PRUNE_OPTS                                                                                 \
    "  -a, --all             Remove all unused images, not just dangling ones\n"                   \
    "      --filter filter   Provide filter values (e.g. \"until=<timestamp>\")\n"                 \
    "  -f, --force           Do not prompt for confirmation\n"
#define INSPECT_OPTS "  -f, --format string   Format output using a custom template\n"

const struct cli_cmd cli_cmds_images[] = {
    {"images", cmd_images, "[OPTIONS] [REPOSITORY[:TAG]]", "List images", IMAGES_OPTS, false},
    {"image ls", cmd_image_ls, "[OPTIONS] [REPOSITORY[:TAG]]", "List images", IMAGES_OPTS, false},
    {"image list", cmd_image_ls, "[OPTIONS] [REPOSITORY[:TAG]]", "List images", IMAGES_OPTS, false},
    {"image inspect", cmd_image_inspect, "[OPTIONS] IMAGE [IMAGE...]",
     "Display detailed information on one or more images", INSPECT_OPTS, false},
    {"history", cmd_history, "[OPTIONS] IMAGE", "Show the history of an image", HISTORY_OPTS,
     false},
    {"image history", cmd_history, "[OPTIONS] IMAGE", "Show the history of an image", HISTORY_OPTS,
     false},
    {"tag", cmd_tag, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL, true},
    {"image tag", cmd_tag, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
     "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", NULL, true},
    {"rmi", cmd_rmi, "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", RMI_OPTS, false},
    {"image rm", cmd_rmi, "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", RMI_OPTS,
     false},
    {"image remove", cmd_rmi, "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", RMI_OPTS,
     false},
    {"save", cmd_save, "[OPTIONS] IMAGE [IMAGE...]",
     "Save one or more images to a tar archive (streamed to STDOUT by default)", SAVE_OPTS, false},
    {"image save", cmd_save, "[OPTIONS] IMAGE [IMAGE...]",
     "Save one or more images to a tar archive (streamed to STDOUT by default)", SAVE_OPTS, false},
    {"load", cmd_load, "[OPTIONS]", "Load an image from a tar archive or STDIN", LOAD_OPTS, false},
    {"image load", cmd_load, "[OPTIONS]", "Load an image from a tar archive or STDIN", LOAD_OPTS,
     false},
    {"import", cmd_import, "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
     "Import the contents from a tarball to create a filesystem image", IMPORT_OPTS, false},
    {"image import", cmd_import, "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
     "Import the contents from a tarball to create a filesystem image", IMPORT_OPTS, false},
    {"image prune", cmd_image_prune, "[OPTIONS]", "Remove unused images", PRUNE_OPTS, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
