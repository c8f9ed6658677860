/* minidock: parse global flags, find the command, run it. */
#include "client/cli.h"
#include "client/http.h"
#include "common/cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef MD_VERSION
#define MD_VERSION "0.1.0"
#endif

extern const struct cli_cmd cli_cmds_images[];  /* cmd_images.c */
extern const struct cli_cmd cli_cmds_network[]; /* cmd_network.c */
extern const struct cli_cmd cli_cmds_cp[];      /* cmd_cp.c */
extern const struct cli_cmd cli_cmds_volume[];  /* cmd_volume.c */
extern const struct cli_cmd cli_cmds_commit[];  /* cmd_commit.c */
extern const struct cli_cmd cli_cmds_update[];  /* cmd_update.c */
extern const struct cli_cmd cli_cmds_prune[];   /* prune.c */
extern const struct cli_cmd cli_cmds_df[];      /* cmd_df.c */
extern const struct cli_cmd cli_cmds_events[];  /* cmd_events.c */
extern const struct cli_cmd cli_cmds_registry[]; /* cmd_registry.c */
extern const struct cli_cmd cli_cmds_build[];   /* cmd_build.c */

/* one per line: tables get added by separate changes */
static const struct cli_cmd *const tables[] = {
    cli_cmds_system,
    cli_cmds_run,
    cli_cmds_containers,
    cli_cmds_ps,
    cli_cmds_logs,
    cli_cmds_inspect,
    cli_cmds_stats,
    cli_cmds_exec,
    cli_cmds_attach,
    cli_cmds_images,
    cli_cmds_network,
    cli_cmds_cp,
    cli_cmds_volume,
    cli_cmds_commit,
    cli_cmds_update,
    cli_cmds_prune,
    cli_cmds_df,
    cli_cmds_events,
    cli_cmds_registry,
    cli_cmds_build,
    NULL,
};

/* docker's management commands; --help lists those that have a subcommand */
static const struct {
    const char *name, *summary;
} groups[] = {
    {"container", "Manage containers"}, {"image", "Manage images"},
    {"network", "Manage networks"},     {"system", "Manage minidock"},
    {"volume", "Manage volumes"},       {NULL, NULL},
};

const struct cli_cmd *cli_current;

/* The Usage block docker 28 prints under a usage error. */
static void print_usage_block(const char *see_or_run)
{
    const struct cli_cmd *c = cli_current;
    if (!c)
        return;
    fprintf(stderr, "\nUsage:  minidock %s %s\n\n%s 'minidock %s --help' for more information\n",
            c->name, c->usage ? c->usage : "", see_or_run, c->name);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    print_usage_block("Run");
    return 125;
}

/* A long flag getopt_long took as an abbreviation ("--pid" for --pids-limit): docker's
 * flags have no abbreviations, so it is an unknown flag, named as typed. */
static char bad_long[64];

int cli_bad_flag(int c, int argc, char **argv)
{
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':') {
        if (optopt && arg[1] != '-')
            return cli_usage_error("flag needs an argument: '%c' in -%c", optopt, optopt);
        return cli_usage_error("flag needs an argument: %s", arg);
    }
    if (optopt)
        return cli_usage_error("unknown shorthand flag: '%c' in -%c", optopt, optopt);
    if (bad_long[0])
        return cli_usage_error("unknown flag: %s", bad_long);
    return cli_usage_error("unknown flag: %s", arg);
}

/* docker 28: a wrong argument count is exit 1, with this wording. */
int cli_want_args(int have, int min, int max)
{
    if (have >= min && (max < 0 || have <= max))
        return 0;
    const char *name = cli_current->name;
    if (max == 0) {
        fprintf(stderr, "minidock: 'minidock %s' accepts no arguments\n", name);
        print_usage_block("Run");
    } else if (min == max) {
        fprintf(stderr, "minidock: 'minidock %s' requires %d argument%s\n", name, min,
                min == 1 ? "" : "s");
        print_usage_block("Run");
    } else if (have < min) {
        fprintf(stderr, "minidock: 'minidock %s' requires at least %d argument%s\n", name, min,
                min == 1 ? "" : "s");
        print_usage_block("See");
    } else {
        fprintf(stderr, "minidock: 'minidock %s' requires at most %d argument%s\n", name, max,
                max == 1 ? "" : "s");
        print_usage_block("Run");
    }
    return 1;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    _cleanup_free_ char *so =
        xasprintf("%s:%s", cli_current && cli_current->stop_at_arg ? "+" : "", shortopts);
    opterr = 0;
    int idx = -1;
    int c = getopt_long(argc, argv, so, longopts, &idx);
    if (c == -1 || idx < 0 || optind < 1)
        return c;
    /* the element that held it: the one before optind, or the one before its value */
    const char *el =
        optarg && optind >= 2 && optarg == argv[optind - 1] ? argv[optind - 2] : argv[optind - 1];
    if (strncmp(el, "--", 2))
        return c;
    size_t n = strcspn(el + 2, "=");
    if (n == strlen(longopts[idx].name) && !strncmp(el + 2, longopts[idx].name, n))
        return c;
    snprintf(bad_long, sizeof bad_long, "--%.*s", (int)n, el + 2);
    optopt = 0;
    return '?';
}

static void print_cmd_help(const struct cli_cmd *c)
{
    printf("Usage:  minidock %s %s\n\n%s\n", c->name, c->usage ? c->usage : "", c->summary);
    if (c->options)
        printf("\nOptions:\n%s", c->options);
}

/* The subcommands of a group, without aliases (the table lists "ls" before
 * "list": the first of those sharing a function is the one shown). Fills
 * out (when given) and returns how many. */
static size_t group_size(const char *group, const struct cli_cmd **out)
{
    size_t n = 0, gl = strlen(group);
    const struct cli_cmd *seen[64];
    for (size_t t = 0; tables[t]; t++)
        for (const struct cli_cmd *k = tables[t]; k->name; k++) {
            if (strncmp(k->name, group, gl) || k->name[gl] != ' ' || !k->name[gl + 1])
                continue;
            bool alias = false;
            for (size_t j = 0; j < n && !alias; j++)
                alias = seen[j]->fn == k->fn;
            if (alias || n == sizeof seen / sizeof *seen)
                continue;
            seen[n++] = k;
        }
    if (out)
        memcpy(out, seen, n * sizeof *seen);
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const struct cli_cmd *const *)a)->name,
                  (*(const struct cli_cmd *const *)b)->name);
}

/* docker network --help: cobra sorts the subcommands and pads their names
 * to the longest (at least 11) plus one space. docker 28's help texts open
 * with "Usage:" (only usage errors put a blank line before it). */
static void print_group_help(size_t g)
{
    const struct cli_cmd *sub[64];
    size_t n = group_size(groups[g].name, sub), gl = strlen(groups[g].name), pad = 11;
    qsort(sub, n, sizeof *sub, by_name);
    for (size_t k = 0; k < n; k++)
        if (strlen(sub[k]->name + gl + 1) > pad)
            pad = strlen(sub[k]->name + gl + 1);
    printf("Usage:  minidock %s COMMAND\n\n%s\n\nCommands:\n", groups[g].name, groups[g].summary);
    for (size_t k = 0; k < n; k++)
        printf("  %-*s %s\n", (int)pad, sub[k]->name + gl + 1, sub[k]->summary);
    printf("\nRun 'minidock %s COMMAND --help' for more information on a command.\n",
           groups[g].name);
}

static void print_help(void)
{
    printf("Usage:  minidock [OPTIONS] COMMAND\n\n"
           "A container engine for one Linux host, speaking the Docker Engine API\n\n"
           "Commands:\n");
    for (size_t t = 0; tables[t]; t++)
        for (const struct cli_cmd *c = tables[t]; c->name; c++)
            if (!strchr(c->name, ' '))
                printf("  %-12s%s\n", c->name, c->summary);
    printf("\nManagement Commands:\n");
    for (size_t g = 0; groups[g].name; g++)
        if (group_size(groups[g].name, NULL))
            printf("  %-12s%s\n", groups[g].name, groups[g].summary);
    printf("\nGlobal Options:\n"
           "  -H, --host string   Daemon socket (default unix:///run/minidock.sock;\n"
           "                      also MINIDOCK_HOST, then DOCKER_HOST)\n"
           "  -v, --version       Print version information and quit\n"
           "  -h, --help          Print usage\n"
           "\nRun 'minidock COMMAND --help' for more information on a command.\n");
}

static const struct cli_cmd *find(const char *name)
{
    for (size_t t = 0; tables[t]; t++)
        for (const struct cli_cmd *c = tables[t]; c->name; c++)
            if (!strcmp(c->name, name))
                return c;
    return NULL;
}

/* --help among the command's own leading flags (not among a container's args) */
static bool wants_help(const struct cli_cmd *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return false;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return !(c->stop_at_arg && !strcmp(argv[i], "-h"));
        if (argv[i][0] != '-' && c->stop_at_arg)
            return false;
    }
    return false;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-H") || !strcmp(a, "--host")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "minidock: flag needs an argument: %s\nSee 'minidock --help'.\n",
                        a);
                return 125;
            }
            http_set_host(argv[++i]);
        } else if (!strncmp(a, "--host=", 7)) {
            http_set_host(a + 7);
        } else if (!strcmp(a, "-v") || !strcmp(a, "--version")) {
            printf("minidock version %s, build %s\n", MD_VERSION, MD_GIT_COMMIT);
            return 0;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help();
            return 0;
        } else {
            fprintf(stderr, "minidock: unknown flag: %s\nSee 'minidock --help'.\n", a);
            return 125;
        }
    }
    if (i >= argc || (!strcmp(argv[i], "help") && i + 1 == argc)) {
        print_help();
        return 0;
    }
    if (!strcmp(argv[i], "help")) {
        /* docker help COMMAND...: that command's --help */
        char **hv = xcalloc((size_t)(argc - i + 1), sizeof *hv);
        memcpy(hv, argv + i + 1, (size_t)(argc - i - 1) * sizeof *hv);
        hv[argc - i - 1] = "--help";
        argc -= i;
        argv = hv;
        i = 0;
    }
    const struct cli_cmd *c = NULL;
    int consumed = 1;
    for (size_t g = 0; groups[g].name; g++) {
        if (strcmp(argv[i], groups[g].name))
            continue;
        if (i + 1 >= argc || !strcmp(argv[i + 1], "--help")) {
            print_group_help(g);
            return 0;
        }
        _cleanup_free_ char *name = xasprintf("%s %s", argv[i], argv[i + 1]);
        c = find(name);
        consumed = 2;
        if (!c) {
            fprintf(stderr,
                    "minidock: unknown command: minidock %s\n\nRun 'minidock %s --help' "
                    "for more information\n",
                    name, argv[i]);
            return 125;
        }
    }
    if (!c)
        c = find(argv[i]);
    if (!c) {
        fprintf(stderr,
                "minidock: unknown command: minidock %s\n\nRun 'minidock --help' for more "
                "information\n",
                argv[i]);
        return 1;
    }
    cli_current = c;
    int cargc = argc - i - (consumed - 1);
    char **cargv = argv + i + (consumed - 1);
    if (wants_help(c, cargc, cargv)) {
        print_cmd_help(c);
        return 0;
    }
    optind = 1;
    return c->fn(cargc, cargv);
}
