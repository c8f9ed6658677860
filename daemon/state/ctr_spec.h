/* The container spec: what a create request asked for, as typed C, parsed
 * and validated once (at create, and when the daemon loads a record). The
 * runtime plan and the network requests are built from it; the request's
 * JSON stays on the record only for inspect and persistence.
 *
 * A spec never changes once built (network connect/disconnect change the
 * record's NetworkSettings, not this), so readers need no lock for it. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/portspec.h"

enum ctr_mount_type { CTR_MOUNT_BIND, CTR_MOUNT_VOLUME, CTR_MOUNT_TMPFS };

struct ctr_mount {
    enum ctr_mount_type type;
    char *source; /* bind: clean absolute host path; volume: its name (NULL: anonymous) */
    char *target; /* clean absolute path in the container */
    bool readonly;
    char *mode;        /* -v's options as given ("ro,z"); "" when none (inspect's Mode) */
    char *propagation; /* "rprivate" unless asked otherwise */
    char *options;     /* tmpfs: mount options ("size=64m"); else NULL */
};

enum ctr_restart {
    CTR_RESTART_NO,
    CTR_RESTART_ALWAYS,
    CTR_RESTART_UNLESS_STOPPED,
    CTR_RESTART_ON_FAILURE
};

struct ctr_ulimit {
    char *name; /* "nofile", ... (checked against the names the runtime knows) */
    int resource;
    int64_t soft, hard;
};

/* Config.Healthcheck, kept typed although nothing runs it yet. Durations in
 * nanoseconds, 0 = docker's default. test NULL: inherit; ["NONE"]: off. */
struct ctr_healthcheck {
    char **test;
    int64_t interval, timeout, start_period, start_interval;
    int retries;
};

/* PidMode, IpcMode, UTSMode and a "container:" NetworkMode: whose
 * namespace the container gets. */
enum ctr_ns_mode {
    CTR_NS_PRIVATE,   /* a new one ("" / "private") */
    CTR_NS_SHAREABLE, /* IpcMode "shareable": a new one others may join */
    CTR_NS_NONE,      /* IpcMode "none": a new one without /dev/shm */
    CTR_NS_HOST,
    CTR_NS_CONTAINER, /* ns_container names the donor */
};

struct ctr_ns {
    enum ctr_ns_mode mode;
    char *container; /* CTR_NS_CONTAINER: the donor's name or id as given */
};

/* HostConfig.Devices: a host device node made in the container. */
struct ctr_device {
    char *host;  /* PathOnHost, absolute */
    char *path;  /* PathInContainer, absolute (PathOnHost when not given) */
    char *perms; /* CgroupPermissions: some of "rwm" ("rwm" when not given) */
};

struct ctr_spec {
    /* process */
    char **argv; /* Entrypoint + Cmd after the image merge; argv[0] set */
    char **env;
    char *user;    /* NULL: the image's (root) */
    char *workdir; /* NULL: "/" */
    char *hostname;
    char *domainname;
    char **labels; /* key, value, key, value, ... NULL-terminated */
    bool tty, open_stdin, stdin_once, attach_stdin;
    bool init;
    char **group_add;
    struct ctr_healthcheck *healthcheck; /* NULL: none given */
    uint16_t console_h, console_w;

    /* filesystem */
    struct ctr_mount *mounts;
    size_t nmounts;
    bool readonly_rootfs;

    /* network */
    char *network_mode; /* "default", "bridge", "host", "none", or a network's name */
    struct port_key *exposed;
    size_t nexposed;
    struct port_map *bindings; /* PortBindings, one per host binding */
    size_t nbindings;
    bool publish_all;
    /* NetworkingConfig.EndpointsConfig for network_mode's network */
    char **aliases;
    char *ipv4;

    /* namespaces and kernel settings */
    struct ctr_ns pid_ns, ipc_ns, uts_ns;
    struct ctr_ns net_ns; /* CTR_NS_CONTAINER for "container:X", else PRIVATE
                           * (network_mode says which network) */
    int64_t shm_size;     /* bytes; docker's default 64 MiB */
    char **sysctls;       /* key, value, ... (the namespaced ones docker allows) */

    /* lifecycle */
    enum ctr_restart restart;
    int64_t restart_max; /* on-failure's MaximumRetryCount; 0 = no limit */
    int stop_signal;     /* SIGTERM unless Config.StopSignal */
    int stop_timeout;    /* seconds; -1: not set (stop's default of 10 applies) */
    bool autoremove;

    /* resources */
    int64_t memory, memory_swap, memory_reservation;
    int64_t nano_cpus, cpu_shares, cpu_quota, cpu_period;
    char *cpuset_cpus, *cpuset_mems;
    int64_t pids_limit;
    struct ctr_ulimit *ulimits;
    size_t nulimits;

    /* security */
    bool privileged;
    struct ctr_device *devices;
    size_t ndevices;
    char **device_cgroup_rules; /* "c 1:3 rwm", checked */
    int oom_score_adj;          /* -1000..1000 */
    char **cap_add, **cap_drop;
    char **security_opt;
    bool no_new_privileges; /* SecurityOpt "no-new-privileges[:true]" */

    /* logging */
    char *log_type;    /* "json-file" or "none" */
    char **log_config; /* key, value, ... */
};

/* Everything a create asks for, in one step: the image's config merged into
 * config (in place: inspect shows the merged Config), host_config checked
 * and given docker's defaults (in place), then both parsed into a spec.
 * netcfg is the request's NetworkingConfig (may be NULL). Bad input: -1,
 * MD_EINVAL with docker's message, before anything exists. */
int ctr_spec_build(json_t *config, json_t *host_config, json_t *netcfg, json_t *image_config,
                   const char *id, struct ctr_spec **out, struct md_error *err);
/* Parse a record's (already merged and defaulted) Config and HostConfig:
 * what ctr_spec_build does last, and what a daemon start does for each record.
 * netcfg may be NULL. */
int ctr_spec_parse(json_t *config, json_t *host_config, json_t *netcfg, struct ctr_spec **out,
                   struct md_error *err);
void ctr_spec_free(struct ctr_spec *s);
struct ctr_spec *ctr_spec_copy(const struct ctr_spec *s);

/* Parse PidMode/IpcMode/UTSMode/NetworkMode-like values; exposed for tests.
 * which: "PID", "IPC", "UTS". MD_EINVAL "invalid PID mode: x". */
int ctr_spec_ns_parse(const char *which, const char *v, struct ctr_ns *out, struct md_error *err);
/* A sysctl docker lets a container set (namespaced); MD_EINVAL with docker's
 * message otherwise. host_net / host_ipc: the namespace is the host's. */
int ctr_spec_sysctl_check(const char *key, bool host_net, bool host_ipc, struct md_error *err);

const char *ctr_spec_restart_name(enum ctr_restart r);
/* A label's value, or NULL. */
const char *ctr_spec_label(const struct ctr_spec *s, const char *key);
