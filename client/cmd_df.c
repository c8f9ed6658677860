/* system df: GET /system/df shown as docker 28's DiskUsageContext does, the
 * summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) or, with -v, a table
 * per kind of object; --format as docker applies it to each. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/listing.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"
#include "common/template.h"

#include <stdio.h>
#include <string.h>

static char *human(long long n)
{
    return cli_human_size((double)n, 4);
}

/* "1.2MB (50%)", the share in whole percent as Go's integer division */
static char *reclaimable(long long part, long long total)
{
    _cleanup_free_ char *h = human(part);
    if (total > 0)
        return xasprintf("%s (%lld%%)", h, part * 100 / total);
    return xstrdup(h);
}

/* One summary row; keys sorted, as {{json .}} prints the context's map. */
static json_t *summary_row(const char *type, size_t total, size_t active, long long size,
                           char *recl)
{
    _cleanup_free_ char *sz = human(size);
    _cleanup_free_ char *tc = xasprintf("%zu", total), *ac = xasprintf("%zu", active);
    json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s}", "Active", ac, "Reclaimable", recl, "Size", sz,
                            "TotalCount", tc, "Type", type);
    free(recl);
    return row;
}

static bool ctr_active(json_t *c)
{
    const char *s = jstr(c, "State");
    return !strcmp(s, "running") || !strcmp(s, "paused") || !strcmp(s, "restarting");
}

static json_t *summary_rows(json_t *du)
{
    json_t *rows = json_array();
    size_t i, active = 0;
    json_t *v;
    /* images: what containers use is not reclaimable, shared layers aside */
    long long layers = jint(du, "LayersSize"), used = 0;
    json_t *imgs = json_object_get(du, "Images");
    json_array_foreach(imgs, i, v)
    {
        if (jint(v, "Containers") > 0)
            active++;
        if (jint(v, "Containers") != 0 && jint(v, "Size") != -1 && jint(v, "SharedSize") != -1)
            used += jint(v, "Size") - jint(v, "SharedSize");
    }
    json_array_append_new(rows, summary_row("Images", json_array_size(imgs), active, layers,
                                            reclaimable(layers - used, layers)));
    json_t *ctrs = json_object_get(du, "Containers");
    long long size = 0, recl = 0;
    active = 0;
    json_array_foreach(ctrs, i, v)
    {
        size += jint(v, "SizeRw");
        if (ctr_active(v))
            active++;
        else
            recl += jint(v, "SizeRw");
    }
    json_array_append_new(rows, summary_row("Containers", json_array_size(ctrs), active, size,
                                            reclaimable(recl, size)));
    json_t *vols = json_object_get(du, "Volumes");
    size = recl = 0;
    active = 0;
    json_array_foreach(vols, i, v)
    {
        json_t *u = json_object_get(v, "UsageData");
        if (jint(u, "RefCount") > 0)
            active++;
        if (jint(u, "Size") == -1)
            continue;
        size += jint(u, "Size");
        if (jint(u, "RefCount") == 0)
            recl += jint(u, "Size");
    }
    json_array_append_new(rows, summary_row("Local Volumes", json_array_size(vols), active, size,
                                            reclaimable(recl, size)));
    /* minidock has no build cache: nothing in use, nothing to reclaim */
    json_array_append_new(rows, summary_row("Build Cache",
                                            json_array_size(json_object_get(du, "BuildCache")), 0,
                                            0, human(0)));
    return rows;
}

static const char *summary_header(const char *field)
{
    static const char *const map[][2] = {{"Type", "TYPE"},
                                         {"TotalCount", "TOTAL"},
                                         {"Active", "ACTIVE"},
                                         {"Size", "SIZE"},
                                         {"Reclaimable", "RECLAIMABLE"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

/* ---- -v ---- */

static const char *volume_header(const char *field)
{
    static const char *const map[][2] = {
        {"Name", "VOLUME NAME"}, {"Links", "LINKS"}, {"Size", "SIZE"},
        {"Driver", "DRIVER"},    {"Scope", "SCOPE"}, {"Mountpoint", "MOUNTPOINT"},
        {"Labels", "LABELS"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

static const char *cache_header(const char *field)
{
    static const char *const map[][2] = {
        {"ID", "CACHE ID"},          {"CacheType", "CACHE TYPE"},    {"Size", "SIZE"},
        {"CreatedSince", "CREATED"}, {"LastUsedSince", "LAST USED"}, {"UsageCount", "USAGE"},
        {"Shared", "SHARED"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(field, map[i][0]))
            return map[i][1];
    return NULL;
}

/* The verbose rows: images by their first tag ("<none>" when dangling),
 * containers without the virtual size, volumes with their usage. */
static json_t *verbose_rows(json_t *du, bool trunc)
{
    json_t *imgs = json_array(), *ctrs = json_array(), *vols = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(du, "Images"), i, v)
    {
        const char *first = json_string_value(json_array_get(json_object_get(v, "RepoTags"), 0));
        _cleanup_free_ char *repo = xstrdup("<none>"), *tag = xstrdup("<none>");
        if (first && strcmp(first, "<none>:<none>")) {
            const char *colon = strrchr(first, ':');
            if (!colon || strchr(colon, '/'))
                continue; /* not name:tag; docker skips what does not parse */
            free(repo);
            free(tag);
            repo = xstrndup(first, (size_t)(colon - first));
            tag = xstrdup(colon + 1);
        }
        json_array_append_new(imgs, image_row(v, repo, tag, "", trunc));
    }
    json_array_foreach(json_object_get(du, "Containers"), i, v)
    {
        json_object_set_new(v, "SizeRootFs", json_integer(0));
        json_array_append_new(ctrs, ps_row(v, trunc));
    }
    json_array_foreach(json_object_get(du, "Volumes"), i, v)
    {
        json_t *u = json_object_get(v, "UsageData");
        _cleanup_free_ char *links = u ? xasprintf("%lld", jint(u, "RefCount")) : xstrdup("N/A");
        _cleanup_free_ char *size = u ? human(jint(u, "Size")) : xstrdup("N/A");
        struct strbuf lb = STRBUF_INIT;
        sb_add(&lb, "");
        const char *k;
        json_t *lv;
        json_object_foreach(json_object_get(v, "Labels"), k, lv)
            sb_printf(&lb, "%s%s=%s", lb.len ? "," : "", k, json_string_value(lv));
        _cleanup_free_ char *labels = sb_steal(&lb);
        /* volumeContext's MarshalJSON: its methods, sorted */
        json_array_append_new(
            vols, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Availability", "N/A",
                            "Driver", jstr(v, "Driver"), "Group", "N/A", "Labels", labels, "Links",
                            links, "Mountpoint", jstr(v, "Mountpoint"), "Name", jstr(v, "Name"),
                            "Scope", jstr(v, "Scope"), "Size", size, "Status", "N/A"));
    }
    return json_pack("{s:o,s:o,s:o,s:[]}", "Images", imgs, "Containers", ctrs, "Volumes", vols,
                     "BuildCache");
}

static int verbose_table(json_t *du)
{
    _cleanup_json_ json_t *r = verbose_rows(du, true);
    printf("Images space usage:\n\n");
    fflush(stdout);
    int rc = render_rows("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t"
                         "{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}",
                         json_object_get(r, "Images"), images_header);
    printf("\nContainers space usage:\n\n");
    fflush(stdout);
    rc |= render_rows("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t"
                      "{{.RunningFor}}\t{{.Status}}\t{{.Names}}",
                      json_object_get(r, "Containers"), ps_header);
    printf("\nLocal Volumes space usage:\n\n");
    fflush(stdout);
    rc |= render_rows("table {{.Name}}\t{{.Links}}\t{{.Size}}", json_object_get(r, "Volumes"),
                      volume_header);
    printf("\nBuild cache usage: 0B\n\n");
    fflush(stdout);
    rc |= render_rows("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t"
                      "{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}",
                      json_object_get(r, "BuildCache"), cache_header);
    return rc;
}

/* -v with a template: executed once over all the rows (docker's
 * diskUsageContext), untruncated. */
static int verbose_template(json_t *du, const char *format)
{
    _cleanup_json_ json_t *r = verbose_rows(du, false);
    if (!strcmp(format, "{{json .}}")) {
        /* each row is a formatter context whose MarshalJSON escapes HTML */
        _cleanup_free_ char *j = go_json(r);
        j[strcspn(j, "\n")] = '\0';
        fputs(j, stdout);
        return 0;
    }
    struct tmpl *t = NULL;
    struct md_error err = {0};
    _cleanup_free_ char *out = NULL;
    if (tmpl_parse(format, &t, &err) < 0 || tmpl_render(t, r, &out, &err) < 0) {
        fprintf(stderr, "template parsing error: %s\n", md_err_msg(&err));
        md_err_clear(&err);
        tmpl_free(t);
        return 1;
    }
    tmpl_free(t);
    fputs(out, stdout);
    return 0;
}

static int cmd_df(int argc, char **argv)
{
    static const struct option opts[] = {
        {"verbose", no_argument, 0, 'v'}, {"format", required_argument, 0, 'F'}, {0, 0, 0, 0}};
    bool verbose = false;
    const char *format = "";
    int c;
    while ((c = cli_getopt(argc, argv, "v", opts)) != -1) {
        if (c == 'v')
            verbose = true;
        else if (c == 'F')
            format = optarg;
        else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    _cleanup_json_ json_t *du = NULL;
    if (api_call("GET", "/system/df", NULL, &du) < 0)
        return 1;
    /* NewDiskUsageFormat */
    const char *fmt = !*format ? "table" : !strcmp(format, "json") ? "{{json .}}" : format;
    if (verbose) {
        if (!strcmp(fmt, "table"))
            return verbose_table(du);
        if (!strcmp(fmt, "raw")) {
            fprintf(stderr, "minidock: system df -v --format raw is not supported\n");
            return 1;
        }
        return verbose_template(du, fmt);
    }
    if (!strcmp(fmt, "table"))
        fmt = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
    else if (!strcmp(fmt, "raw"))
        fmt = "type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: "
              "{{.Size}}\nreclaimable: {{.Reclaimable}}\n";
    _cleanup_json_ json_t *rows = summary_rows(du);
    return render_rows(fmt, rows, summary_header);
}

const struct cli_cmd cli_cmds_df[] = {
    {"system df", cmd_df, "[OPTIONS]", "Show minidock disk usage",
     "      --format string   Format output using a custom template:\n"
     "                        'table':            Print output in table format with column "
     "headers (default)\n"
     "                        'table TEMPLATE':   Print output in table format using the given "
     "Go template\n"
     "                        'json':             Print in JSON format\n"
     "                        'TEMPLATE':         Print output using the given Go template.\n"
     "                        Refer to https://docs.docker.com/go/formatting/ for more "
     "information about formatting output with templates\n"
     "  -v, --verbose         Show detailed information on space usage\n",
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
