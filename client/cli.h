/* The client's command table and the helpers every command shares: usage
 * errors (exit 125, like docker), --help text, and daemon errors (exit 1). */
#pragma once
#include <getopt.h>
#include <stdbool.h>

struct cli_cmd {
    const char *name; /* "ps", "container ls", "image ls" ... */
    int (*fn)(int argc, char **argv);
    const char *usage;   /* "[OPTIONS] CONTAINER [CONTAINER...]" */
    const char *summary; /* one line, shown in minidock --help */
    const char *options; /* the Options: block of --help, or NULL */
    bool stop_at_arg;    /* flags end at the first argument (run, create, exec) */
};

/* One table per command file, each ended by {NULL}. */
extern const struct cli_cmd cli_cmds_system[];
extern const struct cli_cmd cli_cmds_run[];        /* run, create, start */
extern const struct cli_cmd cli_cmds_containers[]; /* stop, rm, kill, ... */
extern const struct cli_cmd cli_cmds_ps[];
extern const struct cli_cmd cli_cmds_logs[];
extern const struct cli_cmd cli_cmds_inspect[];
extern const struct cli_cmd cli_cmds_stats[];
extern const struct cli_cmd cli_cmds_exec[];
extern const struct cli_cmd cli_cmds_attach[];

/* The command being run (for usage messages). */
extern const struct cli_cmd *cli_current;

/* MSG and the command's Usage block on stderr, as docker 28; returns 125. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long loops: c is what cli_getopt returned ('?' or ':'); prints
 * docker's message for an unknown flag or a missing value; returns 125. */
int cli_bad_flag(int c, int argc, char **argv);
/* Checks the argument count: at least min, at most max (-1 = any). 0 when
 * fine, else prints docker's message and returns 1 (docker's exit code). */
int cli_want_args(int have, int min, int max);
/* getopt_long with the command's rules (stop_at_arg, silent errors). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
