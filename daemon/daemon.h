/* The daemon's configuration (from its flags) and facts about the host it
 * runs on, shared by every module of minidockd. */
#pragma once
#include <stdint.h>

#ifndef MD_VERSION
#define MD_VERSION "0.1.0"
#endif

struct md_config {
    char *socket_path;   /* --socket */
    char *data_root;     /* --data-root */
    char *exec_root;     /* --exec-root */
    char *group;         /* --group: owner group of the socket */
    char *pidfile;       /* --pidfile */
    char *cgroup_parent; /* --cgroup-parent */
    char *bridge;        /* --bridge */
    char *bip;           /* --bip */
    char *nft_table;     /* --nft-table */
    char *shim_path;     /* --shim, default: minidock-shim beside minidockd */
    char **insecure_registries; /* --insecure-registry, repeated */
    char *registry_certs;       /* --registry-certs */
    char *engine_id;     /* persistent daemon id (data-root/engine-id) */
    int64_t started_ns;
};

extern struct md_config md_cfg;

/* Path under the data root: md_data_path("containers/%s", id). Caller frees. */
char *md_data_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *md_exec_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
