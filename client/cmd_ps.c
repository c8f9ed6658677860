/* ps / container ls: GET /containers/json, then docker's ContainerContext
 * fields rendered through the --format template (default: the docker 28
 * table). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/listing.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/filters.h"
#include "common/ids.h"
#include "common/jsonutil.h"
#include "common/reference.h"
#include "common/strbuf.h"
#include "common/template.h"
#include "common/units.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char default_table[] =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

const char *ps_header(const char *field)
{
    static const char *const map[][2] = {
        {"ID", "CONTAINER ID"},
        {"Names", "NAMES"},
        {"Image", "IMAGE"},
        {"Command", "COMMAND"},
        {"CreatedAt", "CREATED AT"},
        {"RunningFor", "CREATED"},
        {"Ports", "PORTS"},
        {"State", "STATE"},
        {"Status", "STATUS"},
        {"Size", "SIZE"},
        {"Labels", "LABELS"},
        {"Mounts", "MOUNTS"},
        {"LocalVolumes", "LOCAL VOLUMES"},
        {"Networks", "NETWORKS"},
        {"Platform", "PLATFORM"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], field))
            return map[i][1];
    /* the header is a map[string]string: other keys are "" */
    return "";
}

/* stringid.TruncateID */
static char *truncate_id(const char *id)
{
    if (!strncmp(id, "sha256:", 7))
        id += 7;
    return xstrndup(id, 12);
}

/* ContainerContext.Image */
static char *image_field(const char *image, const char *image_id, bool trunc)
{
    if (!*image)
        return xstrdup("<no image>");
    if (!trunc)
        return xstrdup(image);
    _cleanup_free_ char *a = truncate_id(image_id), *b = truncate_id(image);
    if (!strcmp(a, b))
        return steal_ptr(&a);
    struct image_ref r = {0};
    struct md_error err = {0};
    if (ref_parse_name(image, &r, &err) < 0) {
        md_err_clear(&err);
        return xstrdup(image);
    }
    char *out;
    if (r.tag) {
        free(r.digest);
        r.digest = NULL;
        out = ref_familiar(&r);
    } else {
        out = ref_familiar_name(&r);
    }
    ref_free(&r);
    return out;
}

static char *names_field(json_t *names, bool trunc)
{
    struct strbuf b = STRBUF_INIT;
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n)
    {
        const char *s = json_string_value(n);
        s = s && *s ? s + 1 : "";
        if (trunc && !strchr(s, '/')) {
            sb_free(&b);
            return xstrdup(s); /* the first name that is not a legacy link */
        }
        sb_printf(&b, "%s%s", b.len ? "," : "", s);
    }
    return sb_steal(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *labels_field(json_t *labels)
{
    char **kv = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v)
    {
        _cleanup_free_ char *s = xasprintf("%s=%s", k, json_string_value(v) ?: "");
        strv_push(&kv, s);
    }
    if (!kv)
        return xstrdup("");
    qsort(kv, strv_len(kv), sizeof *kv, cmp_str);
    struct strbuf b = STRBUF_INIT;
    for (char **p = kv; *p; p++)
        sb_printf(&b, "%s%s", p == kv ? "" : ",", *p);
    strv_free(kv);
    return sb_steal(&b);
}

static char *ports_field(json_t *ports)
{
    size_t n = json_array_size(ports);
    struct cli_port *p = xcalloc(n + 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(ports, i);
        p[i] = (struct cli_port){jstr(e, "IP"), (uint16_t)jint(e, "PrivatePort"),
                                 (uint16_t)jint(e, "PublicPort"), jstr(e, "Type")};
    }
    char *out = cli_ports_display(p, n);
    free(p);
    return out;
}

static char *mounts_field(json_t *mounts, bool trunc, int *local)
{
    struct strbuf b = STRBUF_INIT;
    size_t i;
    json_t *m;
    *local = 0;
    json_array_foreach(mounts, i, m)
    {
        const char *name = *jstr(m, "Name") ? jstr(m, "Name") : jstr(m, "Source");
        _cleanup_free_ char *s = trunc ? cli_ellipsis(name, 15) : xstrdup(name);
        sb_printf(&b, "%s%s", b.len ? "," : "", s);
        if (!strcmp(jstr(m, "Driver"), "local"))
            (*local)++;
    }
    return sb_steal(&b);
}

static char *networks_field(json_t *ns)
{
    json_t *nets = json_object_get(ns, "Networks");
    char **names = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(nets, k, v) strv_push(&names, k);
    if (!names)
        return xstrdup("");
    qsort(names, strv_len(names), sizeof *names, cmp_str);
    struct strbuf b = STRBUF_INIT;
    for (char **p = names; *p; p++)
        sb_printf(&b, "%s%s", p == names ? "" : ",", *p);
    strv_free(names);
    return sb_steal(&b);
}

/* The ContainerContext fields; check_fields accepts exactly these. */
static const char *const ctx_fields[] = {
    "ID",     "Names", "Image",  "Command", "CreatedAt", "RunningFor",   "Ports",    "State",
    "Status", "Size",  "Labels", "Label",   "Mounts",    "LocalVolumes", "Networks", "Platform"};
#define N_CTX_FIELDS (sizeof ctx_fields / sizeof ctx_fields[0])

/* Which fields the template reads, a bit per ctx_fields entry: a row is
 * built with only those (ps -q over 1,000 containers needs only IDs). A
 * bare "." (as in {{json .}}) reads the whole row. */
static unsigned fields_used(const char *fmt)
{
    unsigned used = 0;
    for (const char *p = fmt; (p = strstr(p, "{{"));) {
        const char *end = strstr(p, "}}");
        if (!end)
            return ~0u;
        for (const char *q = p + 2; q < end; q++) {
            if (*q != '.')
                continue;
            if (!isalpha((unsigned char)q[1]) && q[1] != '_')
                return ~0u;
            size_t n = 1;
            while (isalnum((unsigned char)q[n]) || q[n] == '_')
                n++;
            for (size_t k = 0; k < N_CTX_FIELDS; k++)
                if (strlen(ctx_fields[k]) == n - 1 && !strncmp(ctx_fields[k], q + 1, n - 1))
                    used |= 1u << k;
            q += n - 1;
        }
        p = end + 2;
    }
    return used;
}

static unsigned field_bit(const char *field)
{
    for (size_t k = 0; k < N_CTX_FIELDS; k++)
        if (!strcmp(ctx_fields[k], field))
            return 1u << k;
    return 0;
}

static bool wants(unsigned used, const char *field)
{
    return used & field_bit(field);
}

/* One ContainerContext as a JSON object, keys in json.Marshal's order;
 * only the fields in used (see fields_used). */
static json_t *ps_row_of(json_t *c, bool trunc, unsigned used)
{
    json_t *row = json_object();
#define WANT(f) wants(used, f)
    if (WANT("Command")) {
        const char *cmd = jstr(c, "Command");
        _cleanup_free_ char *shown = trunc ? cli_ellipsis(cmd, 20) : xstrdup(cmd);
        _cleanup_free_ char *quoted = cli_quote(shown);
        json_object_set_new(row, "Command", json_str_lossy(quoted));
    }
    long long created = jint(c, "Created");
    if (WANT("CreatedAt")) {
        _cleanup_free_ char *created_at = cli_time_string(created);
        json_object_set_new(row, "CreatedAt", json_str_lossy(created_at));
    }
    if (WANT("ID")) {
        _cleanup_free_ char *id = trunc ? truncate_id(jstr(c, "Id")) : xstrdup(jstr(c, "Id"));
        json_object_set_new(row, "ID", json_str_lossy(id));
    }
    if (WANT("Image")) {
        _cleanup_free_ char *image = image_field(jstr(c, "Image"), jstr(c, "ImageID"), trunc);
        json_object_set_new(row, "Image", json_str_lossy(image));
    }
    if (WANT("Label")) {
        json_t *l = json_object_get(c, "Labels");
        json_object_set_new(row, "Label", json_is_object(l) ? json_incref(l) : json_object());
    }
    if (WANT("Labels")) {
        _cleanup_free_ char *labels = labels_field(json_object_get(c, "Labels"));
        json_object_set_new(row, "Labels", json_str_lossy(labels));
    }
    if (WANT("LocalVolumes") || WANT("Mounts")) {
        int local = 0;
        _cleanup_free_ char *mounts = mounts_field(json_object_get(c, "Mounts"), trunc, &local);
        _cleanup_free_ char *lv = xasprintf("%d", local);
        json_object_set_new(row, "LocalVolumes", json_string(lv));
        json_object_set_new(row, "Mounts", json_str_lossy(mounts));
    }
    if (WANT("Names")) {
        _cleanup_free_ char *names = names_field(json_object_get(c, "Names"), trunc);
        json_object_set_new(row, "Names", json_str_lossy(names));
    }
    if (WANT("Networks")) {
        _cleanup_free_ char *nets = networks_field(json_object_get(c, "NetworkSettings"));
        json_object_set_new(row, "Networks", json_str_lossy(nets));
    }
    if (WANT("Platform"))
        json_object_set_new(row, "Platform", json_null());
    if (WANT("Ports")) {
        _cleanup_free_ char *ports = ports_field(json_object_get(c, "Ports"));
        json_object_set_new(row, "Ports", json_str_lossy(ports));
    }
    if (WANT("RunningFor")) {
        _cleanup_free_ char *ago = human_duration((int64_t)time(NULL) - created);
        _cleanup_free_ char *running_for = xasprintf("%s ago", ago);
        json_object_set_new(row, "RunningFor", json_str_lossy(running_for));
    }
    if (WANT("Size")) {
        _cleanup_free_ char *size = cli_ps_size(jint(c, "SizeRw"), jint(c, "SizeRootFs"));
        json_object_set_new(row, "Size", json_str_lossy(size));
    }
    if (WANT("State"))
        json_object_set_new(row, "State", json_str_lossy(jstr(c, "State")));
    if (WANT("Status"))
        json_object_set_new(row, "Status", json_str_lossy(jstr(c, "Status")));
#undef WANT
    return row;
}

json_t *ps_row(json_t *c, bool trunc)
{
    return ps_row_of(c, trunc, ~field_bit("Label")); /* as {{json .}} shows it */
}

/* "{{json .}}" on a ContainerContext goes through its MarshalJSON, i.e.
 * json.Marshal with HTML escaping; the template's json function does not
 * escape, so that one case is printed here. */
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

/* The template asks for .Size (directly or through json .): docker then
 * requests sizes, since computing them is costly for the daemon. */
static bool uses_size(const char *f)
{
    if (strstr(f, ".Size"))
        return true;
    for (const char *p = f; (p = strstr(p, "json .")); p += 6)
        if (p[6] == '}' || p[6] == ' ')
            return true;
    return false;
}

/* buildContainerListOptions executes the template once on an empty
 * ContainerContext, so a field the type lacks fails before any request.
 * The JSON rows cannot tell, so the field names after a bare "." inside
 * actions are checked here. */
static int check_fields(const char *format)
{
    int line = 1;
    const char *line_start = format;
    for (const char *p = format; *p; p++) {
        if (*p == '\n') {
            line++;
            line_start = p + 1;
            continue;
        }
        if (strncmp(p, "{{", 2))
            continue;
        const char *end = strstr(p + 2, "}}");
        if (!end)
            return 0;
        for (const char *q = p + 2; q < end; q++) {
            if (*q == '"' || *q == '`') {
                char quote = *q;
                for (q++; q < end && *q != quote; q++)
                    if (*q == '\\' && quote == '"')
                        q++;
                continue;
            }
            bool word_before = q > p + 2 && (isalnum((unsigned char)q[-1]) || q[-1] == '_' ||
                                             q[-1] == '$' || q[-1] == ')' || q[-1] == ']');
            if (*q != '.' || word_before || !(isalpha((unsigned char)q[1]) || q[1] == '_'))
                continue;
            size_t n = 1;
            while (isalnum((unsigned char)q[n]) || q[n] == '_')
                n++;
            bool ok = false;
            for (size_t k = 0; k < N_CTX_FIELDS; k++)
                ok =
                    ok || (strlen(ctx_fields[k]) == n - 1 && !strncmp(ctx_fields[k], q + 1, n - 1));
            if (!ok) {
                fprintf(stderr,
                        "failed to execute template: template: :%d:%d: executing \"\" at "
                        "<%.*s>: can't evaluate field %.*s in type *formatter.ContainerContext\n",
                        line, (int)(q - line_start), (int)n, q, (int)n - 1, q + 1);
                return 1;
            }
            while (q[n] == '.' && (isalpha((unsigned char)q[n + 1]) || q[n + 1] == '_'))
                for (n++; isalnum((unsigned char)q[n]) || q[n] == '_'; n++)
                    ;
            q += n - 1;
        }
        p = end + 1;
    }
    return 0;
}

/* For the header row, `.Label "a.b-c"` is SubHeaderContext.Label: the last
 * dot-separated part with '-' and '_' as spaces. It becomes that string. */
static char *label_headers(const char *fmt)
{
    struct strbuf b = STRBUF_INIT;
    const char *p = fmt;
    for (const char *q; (q = strstr(p, ".Label \""));) {
        const char *end = strchr(q + 8, '"');
        if (!end)
            break;
        sb_addn(&b, p, (size_t)(q - p));
        const char *name = q + 8;
        for (const char *d = name; d < end; d++)
            if (*d == '.')
                name = d + 1;
        sb_addc(&b, '"');
        for (const char *d = name; d < end; d++)
            sb_addc(&b, *d == '-' || *d == '_' ? ' ' : *d);
        sb_addc(&b, '"');
        p = end + 1;
    }
    sb_add(&b, p);
    return sb_steal(&b);
}

struct ps_walk {
    bool trunc;
    unsigned used;        /* fields_used */
    struct rows_out *out; /* NULL: "{{json .}}", printed as it comes */
};

static int ps_each(json_t *ctr, void *ctx)
{
    struct ps_walk *w = ctx;
    _cleanup_json_ json_t *row = ps_row_of(ctr, w->trunc, w->used);
    if (w->out) {
        rows_add(w->out, row);
    } else {
        _cleanup_free_ char *s = go_json(row);
        fputs(s, stdout);
    }
    return 0;
}

static int cmd_ps(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, 0, 'a'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"last", required_argument, 0, 'n'},
                                         {"latest", no_argument, 0, 'l'},
                                         {"size", optional_argument, 0, 'S'},
                                         {"no-trunc", no_argument, 0, 'T'},
                                         {"filter", required_argument, 0, 'f'},
                                         {"format", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    bool all = false, quiet = false, latest = false, size = false, size_set = false;
    bool no_trunc = false;
    long last = -1;
    const char *format = "";
    struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "aqn:lsf:", opts)) != -1) {
        switch (c) {
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'n': {
            char *end;
            last = strtol(optarg, &end, 10);
            if (!*optarg || *end) {
                filters_free(f);
                return cli_usage_error("invalid argument \"%s\" for \"-n, --last\" flag: "
                                       "strconv.ParseInt: parsing \"%s\": invalid syntax",
                                       optarg, optarg);
            }
            break;
        }
        case 'l':
            latest = true;
            break;
        case 's':
            size = size_set = true;
            break;
        case 'S':
            size_set = true;
            size = !optarg || !strcmp(optarg, "true") || !strcmp(optarg, "1");
            break;
        case 'T':
            no_trunc = true;
            break;
        case 'f': {
            struct md_error err = {0};
            if (filters_add(f, optarg, &err) < 0) {
                int r = cli_usage_error("invalid argument \"%s\" for \"-f, --filter\" flag: %s",
                                        optarg, md_err_msg(&err));
                md_err_clear(&err);
                filters_free(f);
                return r;
            }
            break;
        }
        case 'F':
            format = optarg;
            break;
        default:
            filters_free(f);
            return cli_bad_flag(c, argc, argv);
        }
    }
    if (cli_want_args(argc - optind, 0, 0)) {
        filters_free(f);
        return 1;
    }
    if (*format && quiet)
        fprintf(stderr, "WARNING: Ignoring custom format, because both --format and --quiet are "
                        "set.\n");
    if (*format) {
        struct tmpl *t = NULL;
        struct md_error err = {0};
        if (tmpl_parse(format, &t, &err) < 0) {
            fprintf(stderr, "failed to parse template: %s\n", md_err_msg(&err));
            md_err_clear(&err);
            return 1;
        }
        tmpl_free(t);
        if (check_fields(format))
            return 1;
    }
    if (latest && last == -1)
        last = 1;
    if (*format && !quiet && !size_set && uses_size(format))
        size = true;

    struct strbuf q = STRBUF_INIT;
    if (all)
        sb_add(&q, "&all=1");
    _cleanup_free_ char *fj = filters_to_json(f);
    filters_free(f);
    if (*fj) {
        _cleanup_free_ char *e = query_escape(fj);
        sb_printf(&q, "&filters=%s", e);
    }
    if (last > 0)
        sb_printf(&q, "&limit=%ld", last);
    if (size)
        sb_add(&q, "&size=1");
    _cleanup_free_ char *path =
        xasprintf("/containers/json%s%s", q.len ? "?" : "", q.len ? q.s + 1 : "");
    sb_free(&q);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (api_call_text("GET", path, &text, &len) < 0)
        return 1;

    /* NewContainerFormat */
    _cleanup_free_ char *fmt = NULL;
    if (!*format || !strcmp(format, "table")) {
        fmt = quiet ? xstrdup("{{.ID}}")
                    : xasprintf("%s%s", default_table, size ? "\t{{.Size}}" : "");
    } else if (!strcmp(format, "json")) {
        fmt = xstrdup(quiet ? "{{.ID}}" : "{{json .}}");
    } else if (!strcmp(format, "raw")) {
        fmt = quiet ? xstrdup("container_id: {{.ID}}")
                    : xasprintf("container_id: {{.ID}}\nimage: {{.Image}}\ncommand: "
                                "{{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State "
                                "1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: "
                                "{{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n%s",
                                size ? "size: {{.Size}}\n" : "");
    } else {
        fmt = xstrdup(quiet ? "{{.ID}}" : format);
    }
    /* .Label "key" is the one field that is not in {{json .}} */
    unsigned used = fields_used(fmt);
    if (!strstr(fmt, ".Label "))
        used &= ~field_bit("Label");
    struct ps_walk w = {.trunc = !no_trunc, .used = used};
    _cleanup_free_ char *hfmt = NULL;
    if (!is_json_dot(fmt)) {
        hfmt = label_headers(fmt);
        w.out = rows_begin(fmt, hfmt, ps_header);
        if (!w.out)
            return 1;
    }
    /* one container at a time: with thousands, a tree of the whole list
     * costs more in allocations and page faults than everything else */
    struct md_error err = {0};
    if (json_array_each(text, len, ps_each, &w, &err) < 0) {
        fprintf(stderr, "error reading the container list: %s\n", md_err_msg(&err));
        md_err_clear(&err);
        if (w.out)
            rows_end(w.out);
        return 1;
    }
    return w.out ? rows_end(w.out) : 0;
}

static const char ps_options[] =
    "  -a, --all             Show all containers (default shows just running)\n"
    "  -f, --filter filter   Filter output based on conditions provided\n"
    "      --format string   Format output using a custom template:\n"
    "                        'table':            Print output in table format with column "
    "headers (default)\n"
    "                        'table TEMPLATE':   Print output in table format using the given Go "
    "template\n"
    "                        'json':             Print in JSON format\n"
    "                        'TEMPLATE':         Print output using the given Go template.\n"
    "  -n, --last int        Show n last created containers (includes all states) (default -1)\n"
    "  -l, --latest          Show the latest created container (includes all states)\n"
    "      --no-trunc        Don't truncate output\n"
    "  -q, --quiet           Only display container IDs\n"
    "  -s, --size            Display total file sizes\n";

const struct cli_cmd cli_cmds_ps[] = {
    {"ps", cmd_ps, "[OPTIONS]", "List containers", ps_options, false},
    {"container ls", cmd_ps, "[OPTIONS]", "List containers", ps_options, false},
    {"container list", cmd_ps, "[OPTIONS]", "List containers", ps_options, false},
    {"container ps", cmd_ps, "[OPTIONS]", "List containers", ps_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
