/* The container spec: what a create request asked for, as typed C, parsed
 * and validated once (at create, and when the daemon loads a record). The
 * runtime plan and the network requests are built from it; the request's
 * JSON stays on the record only for inspect and persistence.
 *
 * A spec never changes once built (network connect/disconnect change the
 * record's NetworkSettings, not this). An update (docker update) builds a
 * new one and swaps the record's pointer under the store lock; the old one
 * lives on (the record's retired list) until the record is freed, so a
 * reader that took the pointer without the lock reads a whole spec, if
 * perhaps the one before the update. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/portspec.h"
#include "daemon/runtime/seccomp.h"

enum ctr_mount_type { CTR_MOUNT_BIND, CTR_MOUNT_VOLUME, CTR_MOUNT_TMPFS };

/* Where a mount was asked for: docker's rules and inspect differ by it. */
enum ctr_mount_origin {
    CTR_FROM_BINDS,   /* HostConfig.Binds (-v) */
    CTR_FROM_MOUNTS,  /* HostConfig.Mounts (--mount) */
    CTR_FROM_VOLUMES, /* Config.Volumes, the image's VOLUMEs included: anonymous */
    CTR_FROM_TMPFS    /* HostConfig.Tmpfs (--tmpfs): not in inspect's Mounts */
};

enum ctr_ro_mode { CTR_RO_DEFAULT, CTR_RO_NONRECURSIVE, CTR_RO_FORCE_RECURSIVE };

/* One entry of the container's filesystem besides the rootfs. A volume's
 * name for an anonymous one is chosen at create and kept on the record
 * (ctr_volumes); everything else is here. */
struct ctr_mount {
    enum ctr_mount_type type;
    enum ctr_mount_origin origin;
    char *source; /* bind: clean absolute host path; volume: its name (NULL: anonymous);
                   * tmpfs: NULL */
    char *target; /* clean absolute path in the container */
    bool readonly;
    char *mode;        /* inspect's Mode: -v's options as given ("ro,z"), "z", or "" */
    char *propagation; /* bind: "rprivate" unless asked otherwise; else "" */
    /* bind */
    bool create_source; /* a missing source becomes a directory (-v, CreateMountpoint) */
    bool nonrecursive;
    enum ctr_ro_mode ro_mode;
    /* volume */
    bool nocopy;
    char *subpath;     /* NULL: the volume's root */
    char *driver;      /* NULL: local */
    char **vol_labels; /* key, value, ... for a volume the mount creates */
    char **vol_opts;   /* its driver options, key, value, ... */
    /* tmpfs */
    unsigned long tmpfs_flags; /* MS_* */
    char *options;             /* tmpfs: mount data ("size=64m,mode=1777"); else NULL */
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

/* Config.Healthcheck after the image merge (state/health.c runs it).
 * Durations in nanoseconds, 0 = docker's default; retries 0 = 3.
 * test: ["CMD", argv...], ["CMD-SHELL", "cmd"], ["NONE"] (off), or NULL. */
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
    char *mac; /* its MacAddress (or the deprecated Config.MacAddress), "xx:..:xx"; NULL: derived */

    /* names and DNS: /etc/resolv.conf and /etc/hosts */
    char **dns;         /* HostConfig.Dns: addresses (checked); NULL: the host's */
    char **dns_search;  /* HostConfig.DnsSearch; NULL: the host's */
    char **dns_options; /* HostConfig.DnsOptions; NULL: the host's */
    char **extra_hosts; /* ExtraHosts as name, ip, name, ip, ... (ip may be "host-gateway") */
    char **links;       /* HostConfig.Links as container, alias, container, alias, ... */

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
    bool no_new_privileges;                  /* SecurityOpt "no-new-privileges[=:true]" */
    enum seccomp_mode seccomp;               /* SecurityOpt "seccomp=unconfined|builtin|<json>" */
    struct seccomp_profile *seccomp_profile; /* SECCOMP_PROFILE: the parsed profile */

    /* logging */
    char *log_type;       /* "json-file" or "none" */
    char **log_config;    /* key, value, ... (labels, env, env-regex, tag: plan time) */
    int64_t log_max_size; /* json-file max-size in bytes; -1: not set, never rotated */
    int log_max_file;     /* max-file: files kept, the written one included (1) */
    bool log_compress;
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

/* A healthcheck that runs a probe: CMD or CMD-SHELL with a command. */
bool ctr_spec_has_probe(const struct ctr_spec *s);
/* Parse PidMode/IpcMode/UTSMode/NetworkMode-like values; exposed for tests.
 * which: "PID", "IPC", "UTS". MD_EINVAL "invalid PID mode: x". */
int ctr_spec_ns_parse(const char *which, const char *v, struct ctr_ns *out, struct md_error *err);
/* A sysctl docker lets a container set (namespaced); MD_EINVAL with docker's
 * message otherwise. host_net / host_ipc: the namespace is the host's. */
int ctr_spec_sysctl_check(const char *key, bool host_net, bool host_ipc, struct md_error *err);

const char *ctr_spec_restart_name(enum ctr_restart r);

/* The mounts of a spec (daemon/state/spec_mounts.c), for ctr_spec_parse:
 * HostConfig.Binds, Mounts and Tmpfs, then Config.Volumes where nothing
 * else is mounted. */
int ctr_spec_parse_mounts(struct ctr_spec *s, json_t *config, json_t *host_config,
                          struct md_error *err);
/* At create only (a record's sources may have gone since): a Mounts bind's
 * source must exist unless CreateMountpoint. */
int ctr_spec_check_sources(const struct ctr_spec *s, struct md_error *err);
void ctr_mount_free(struct ctr_mount *m);
void ctr_mount_copy(struct ctr_mount *dst, const struct ctr_mount *src);
/* "rshared" -> MS_SHARED | MS_REC; rprivate (the namespace's own) -> 0. */
unsigned long ctr_mount_propagation_flags(const char *name);
/* A RestartPolicy object (NULL: "no"), with docker's checks. */
int ctr_spec_parse_restart(json_t *rp, enum ctr_restart *out, int64_t *max, struct md_error *err);
/* A LogConfig.Config value, or NULL. */
const char *ctr_spec_log_opt(const struct ctr_spec *s, const char *key);
/* json-file's "attrs" for each record, as docker computes them when the
 * logger starts: the labels and env variables named by --log-opt labels,
 * env (comma lists), labels-regex, env-regex, and the rendered tag. JSON
 * text with sorted keys, or NULL when there are none. */
char *ctr_spec_log_attrs(const struct ctr_spec *s, const char *id, const char *name,
                         const char *image_id, const char *image_name);
/* A label's value, or NULL. */
const char *ctr_spec_label(const struct ctr_spec *s, const char *key);
