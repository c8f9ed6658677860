/* The prune calls of every kind (docker's RunPrune functions), shared by
 * container/image/network/volume prune, and system prune, which runs them
 * in docker's order after one confirmation. */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/prune.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *path, *list, *heading;
} kinds[] = {
    [PRUNE_CONTAINERS] = {"/containers/prune", "ContainersDeleted", "Deleted Containers:"},
    [PRUNE_NETWORKS] = {"/networks/prune", "NetworksDeleted", "Deleted Networks:"},
    [PRUNE_VOLUMES] = {"/volumes/prune", "VolumesDeleted", "Deleted Volumes:"},
    [PRUNE_IMAGES] = {"/images/prune", "ImagesDeleted", "Deleted Images:"},
    [PRUNE_BUILD_CACHE] = {"/build/prune", "CachesDeleted", "Deleted build cache objects:"},
};

int prune_call(enum prune_kind k, bool all, const struct filters *f, long long *space,
               char **output)
{
    *space = 0;
    *output = NULL;
    /* a copy: the image prune adds dangling= to what the user gave */
    _cleanup_free_ char *given = filters_to_json(f);
    struct filters *q = NULL;
    struct md_error err = {0};
    if (filters_parse(given, &q, &err) < 0) { /* our own output: cannot fail */
        md_err_clear(&err);
        q = filters_new();
    }
    if (k == PRUNE_IMAGES)
        filters_add(q, all ? "dangling=false" : "dangling=true", NULL);
    _cleanup_free_ char *fj = filters_to_json(q);
    filters_free(q);
    struct strbuf path = STRBUF_INIT;
    sb_add(&path, kinds[k].path);
    char sep = '?';
    if (k == PRUNE_BUILD_CACHE && all) {
        sb_add(&path, "?all=1");
        sep = '&';
    }
    if (*fj) {
        _cleanup_free_ char *e = query_escape(fj);
        sb_printf(&path, "%cfilters=%s", sep, e);
    }
    _cleanup_json_ json_t *out = NULL;
    int st = api_call("POST", path.s, NULL, &out);
    sb_free(&path);
    if (st < 0)
        return 1;
    json_t *del = json_object_get(out, kinds[k].list);
    if (json_array_size(del)) {
        struct strbuf o = STRBUF_INIT;
        sb_printf(&o, "%s\n", kinds[k].heading);
        size_t i;
        json_t *d;
        json_array_foreach(del, i, d)
        {
            if (k != PRUNE_IMAGES)
                sb_printf(&o, "%s\n", json_string_value(d));
            else if (*jstr(d, "Untagged"))
                sb_printf(&o, "untagged: %s\n", jstr(d, "Untagged"));
            else
                sb_printf(&o, "deleted: %s\n", jstr(d, "Deleted"));
        }
        *output = sb_steal(&o);
    }
    /* docker counts the space only when something was listed, except for
     * the build cache */
    if (*output || k == PRUNE_BUILD_CACHE)
        *space = jint(out, "SpaceReclaimed");
    return 0;
}

void prune_print(const char *output, bool total, long long space)
{
    if (output)
        printf("%s\n", output);
    if (total) {
        _cleanup_free_ char *h = cli_human_size((double)space, 4);
        printf("Total reclaimed space: %s\n", h);
    }
}

int prune_filter_flag(struct filters *f)
{
    struct md_error err = {0};
    if (filters_add(f, optarg, &err) == 0)
        return 0;
    int r = cli_usage_error("invalid argument \"%s\" for \"--filter\" flag: %s", optarg,
                            md_err_msg(&err));
    md_err_clear(&err);
    return r;
}

/* ---- system prune ---- */

/* docker's confirmationMessage: the warnings, then the label/until filters
 * in natural order. */
static void print_confirmation(bool all, bool volumes, const struct filters *f)
{
    printf("WARNING! This will remove:\n"
           "  - all stopped containers\n"
           "  - all networks not used by at least one container\n");
    if (volumes)
        printf("  - all anonymous volumes not used by at least one container\n");
    printf(all ? "  - all images without at least one container associated to them\n"
               : "  - all dangling images\n");
    printf(all ? "  - all build cache\n" : "  - unused build cache\n");
    char **shown = NULL;
    static const char *const keys[] = {"label", "label!", "until"};
    for (size_t i = 0; i < 3; i++)
        for (char **v = filters_get(f, keys[i]); v && *v; v++) {
            _cleanup_free_ char *kv = xasprintf("%s=%s", keys[i], *v);
            strv_push(&shown, kv);
        }
    printf("\n");
    if (shown) {
        size_t n = strv_len(shown);
        for (size_t i = 1; i < n; i++) /* insertion sort: a handful of filters */
            for (size_t j = i; j > 0 && cli_natural_cmp(shown[j], shown[j - 1]) < 0; j--) {
                char *t = shown[j];
                shown[j] = shown[j - 1];
                shown[j - 1] = t;
            }
        printf("  Items to be pruned will be filtered with:\n");
        for (char **s = shown; *s; s++)
            printf("  - %s\n", *s);
        printf("\n");
        strv_free(shown);
    }
    printf("Are you sure you want to continue? [y/N] ");
}

static int cmd_system_prune(int argc, char **argv)
{
    static const struct option opts[] = {{"all", no_argument, 0, 'a'},
                                         {"force", no_argument, 0, 'f'},
                                         {"volumes", no_argument, 0, 'V'},
                                         {"filter", required_argument, 0, 'F'},
                                         {0, 0, 0, 0}};
    bool all = false, force = false, volumes = false;
    _cleanup_filters_ struct filters *f = filters_new();
    int c;
    while ((c = cli_getopt(argc, argv, "af", opts)) != -1) {
        if (c == 'a')
            all = true;
        else if (c == 'f')
            force = true;
        else if (c == 'V')
            volumes = true;
        else if (c == 'F') {
            if (prune_filter_flag(f))
                return 125;
        } else
            return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    if (volumes && filters_has(f, "until")) {
        fprintf(stderr, "ERROR: The \"until\" filter is not supported with \"--volumes\"\n");
        return 1;
    }
    if (!force) {
        print_confirmation(all, volumes, f);
        if (!cli_confirmed())
            return 0; /* docker neither prints its cancelled error nor fails */
    }
    static const enum prune_kind order[] = {PRUNE_CONTAINERS, PRUNE_NETWORKS, PRUNE_VOLUMES,
                                            PRUNE_IMAGES, PRUNE_BUILD_CACHE};
    long long total = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        if (order[i] == PRUNE_VOLUMES && !volumes)
            continue;
        long long space;
        _cleanup_free_ char *out = NULL;
        if (prune_call(order[i], all, f, &space, &out))
            return 1;
        prune_print(out, false, 0);
        fflush(stdout);
        total += space;
    }
    prune_print(NULL, true, total);
    return 0;
}

const struct cli_cmd cli_cmds_prune[] = {
    {"system prune", cmd_system_prune, "[OPTIONS]", "Remove unused data",
     "  -a, --all             Remove all unused images not just dangling ones\n"
     "      --filter filter   Provide filter values (e.g. \"label=<key>=<value>\")\n"
     "  -f, --force           Do not prompt for confirmation\n"
     "      --volumes         Prune anonymous volumes\n",
     false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
