/* Container cgroups: mode detection (unified / hybrid / legacy), where a
 * container's cgroup lives in each hierarchy, and dispatch to the cgroup2 or
 * v1 backend for limits, freeze, kill and stats. The root directory is a
 * parameter so unit tests drive both backends against a temporary tree. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "daemon/runtime/runtime.h"

enum cg_mode { CG_UNIFIED, CG_HYBRID, CG_LEGACY };

#define CG_V1_MAX 8

/* A container's cgroup directories (absolute). */
struct cg_paths {
    char *v2;                       /* cgroup2 dir; NULL on legacy hosts */
    size_t nv1;                     /* v1 hierarchies joined (hybrid, legacy) */
    const char *v1_name[CG_V1_MAX]; /* "memory", "cpu", ... (first controller of the mount) */
    char *v1[CG_V1_MAX];
    char *v1_parent[CG_V1_MAX];      /* the parent dirs, removed when empty */
    const char *v1_ctrls[CG_V1_MAX]; /* the hierarchy's controllers: "memory", "cpu,cpuacct" */
    char *v2_parent;
};

/* One backend: the files of one cgroup version. */
struct cg_backend {
    const char *name;
    int (*set_limits)(const struct cg_paths *p, const struct rt_limits *l, bool privileged,
                      struct md_error *err);
    /* the resource limits alone (an update of a live cgroup: the device
     * rules stay as they are) */
    int (*set_resources)(const struct cg_paths *p, const struct rt_limits *l, struct md_error *err);
    int (*freeze)(const struct cg_paths *p, bool freeze, struct md_error *err);
    int (*kill)(const struct cg_paths *p, struct md_error *err);
    int (*stats)(const struct cg_paths *p, struct rt_stats *out, struct md_error *err);
    char *(*oom_file)(const struct cg_paths *p); /* heap path of the OOM counter, or NULL */
};
extern const struct cg_backend cg_v2_backend;
extern const struct cg_backend cg_v1_backend;

/* Detect the mode under root (statfs) and read /proc/self/cgroup. */
int cgroup_init(const char *root, struct md_error *err);
/* Tests: a given mode over a plain directory tree; proc_self_cgroup is the
 * text /proc/self/cgroup would hold. Writes create missing files. */
int cgroup_init_custom(const char *root, enum cg_mode mode, const char *proc_self_cgroup,
                       struct md_error *err);
enum cg_mode cgroup_mode(void);
const char *cgroup_mode_name(void);
bool cgroup_is_fake(void);

/* The path of `controller` (NULL = the cgroup2 "0::" entry) in the text of
 * /proc/<pid>/cgroup; NULL if absent. */
char *cgroup_parse_own(const char *proc_cgroup, const char *controller);
/* Like cgroup_parse_own, also giving the hierarchy's controller list
 * ("cpu,cpuacct") in *ctrls. */
char *cgroup_parse_own2(const char *proc_cgroup, const char *controller, char **ctrls);

int cgroup_paths(const char *id, const char *parent, struct cg_paths *out, struct md_error *err);
void cgroup_paths_free(struct cg_paths *p);

/* mkdir in every hierarchy, enable cgroup2 controllers on the way (unified),
 * write limits. Undoes itself on failure. */
int cgroup_create(const struct cg_paths *p, const struct rt_limits *l, bool privileged,
                  struct md_error *err);
/* Kill everything inside, then rmdir. The parent stays: the next container
 * would create it again (a dozen mkdirs and rmdirs per run on a hybrid host).
 * Idempotent. */
int cgroup_destroy(const struct cg_paths *p, struct md_error *err);
/* rmdir the containers' parent in every hierarchy if it is empty (at daemon
 * exit; live containers keep it). */
void cgroup_release_parents(const char *parent);
/* Rewrite the limits of a live cgroup (docker update). */
int cgroup_update(const struct cg_paths *p, const struct rt_limits *l, struct md_error *err);
int cgroup_freeze(const struct cg_paths *p, bool freeze, struct md_error *err);
int cgroup_kill(const struct cg_paths *p, struct md_error *err);
int cgroup_stats(const struct cg_paths *p, struct rt_stats *out, struct md_error *err);
/* The dirs whose cgroup.procs a new container process is written to. */
char **cgroup_join_dirs(const struct cg_paths *p);
/* The v1 hierarchies to mount inside the container (controller lists). */
char **cgroup_v1_mounts(const struct cg_paths *p);
/* The file with an "oom_kill N" line, or NULL. Heap string. */
char *cgroup_oom_file(const struct cg_paths *p);

/* Shared by the backends. */
int cg_write(const char *dir, const char *file, const char *value, struct md_error *err);
char *cg_read(const char *dir, const char *file);
/* The number after "key " on its own line in a "key value" file; -1 if none. */
int cg_read_key(const char *dir, const char *file, const char *key, unsigned long long *out);
/* Poll `file` in dir until a line equals want, up to timeout_ms. */
int cg_wait_line(const char *dir, const char *file, const char *want, int timeout_ms,
                 struct md_error *err);
/* SIGKILL every pid listed in dir/cgroup.procs; returns how many were listed. */
int cg_kill_procs(const char *dir);
/* cgroup2: attach docker's default device rules, after the extra rules
 * ("c 1:3 rwm", checked by the caller; may be NULL), as a BPF program. */
int cg_v2_attach_device_filter(const char *dir, char *const *extra, struct md_error *err);
/* docker's cpu.shares -> cpu.weight conversion. */
unsigned long long cg_shares_to_weight(long long shares);
