/* run/create options: docker's flags, its client-side checks, and the
 * POST /containers/create body the docker 28 CLI sends. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct ulimit {
    char *name;
    int64_t soft, hard;
};

struct create_opts {
    bool run; /* docker run (else create) */
    bool detach, interactive, tty, rm, publish_all, privileged, read_only, sig_proxy, quiet;
    bool init_set, init, stop_timeout_set, entrypoint_set;
    bool no_healthcheck;
    const char *health_cmd;
    int64_t health_interval, health_timeout, health_start_period, health_start_interval;
    int64_t health_retries;
    const char *name, *workdir, *user, *hostname, *entrypoint, *network, *restart;
    const char *stop_signal, *detach_keys, *pull, *log_driver, *domainname, *mac_address;
    const char *pid, *ipc, *uts;
    char **dns, **dns_search, **dns_options, **add_hosts, **aliases, **links;
    char **sysctls, **devices, **device_cgroup_rules;
    int64_t shm_size, oom_score_adj;
    char **log_opts;
    char **env, **env_files, **labels, **publish, **expose, **volumes, **cap_add, **cap_drop;
    char **group_add, **attach, **security_opt;
    char **tmpfs;   /* --tmpfs "/run:size=64m" */
    json_t *mounts; /* --mount entries, parsed as the flag is read */
    struct ulimit *ulimits;
    size_t nulimits;
    int64_t memory, memory_swap, nano_cpus, cpu_shares, pids_limit, stop_timeout;
    const char *image;
    char **args;
};

/* Parse the flags (o->run selects run's extra flags). 0, or the exit
 * status after printing docker's message. */
int create_opts_parse(int argc, char **argv, struct create_opts *o);
void create_opts_free(struct create_opts *o);
/* The body, or NULL after printing docker's message (*code = 125). */
json_t *create_body(struct create_opts *o, int *code);

/* "minidock: MSG\n\nRun 'minidock run --help' for more information";
 * returns code (docker's withHelp). */
int with_help(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A bool flag's optional "=value" (strconv.ParseBool). */
int bool_flag(const char *arg, const char *flag, bool *out);
/* The value parsers of docker's resource flags, shared with update: an
 * integer (strconv.ParseInt), --cpus (a rational number to nanocpus), a
 * size (RAMInBytes; swap: "-1" too). 0, or 125 after docker's message. */
int int_flag(const char *arg, const char *flag, int64_t *out);
int cpus_flag(const char *arg, int64_t *out);
int size_flag(const char *arg, const char *flag, bool swap, int64_t *out);
