/* From a create request to a runtime plan, with docker's rules: the image's
 * defaults merged into Config and HostConfig's defaults filled in (the JSON
 * inspect shows; state/spec.c parses and checks it), and a container's spec
 * turned into the typed struct rt_plan the runtime executes. Pure functions
 * (no syscalls beyond sysconf), so every rule here is unit-tested. */
#pragma once
#include <jansson.h>

#include "common/error.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/ctr_spec.h"

/* Merge the image's config (its "config" object) into a create request's
 * Config, in place: Env (request wins per key), Cmd/Entrypoint rules
 * (--entrypoint resets the image's Cmd; [""] resets the entrypoint),
 * WorkingDir, User, Labels, ExposedPorts, Volumes, StopSignal, Hostname
 * (default: the first 12 characters of id). Entrypoint and Cmd must be
 * arrays (or strings); the rest is ctr_spec_parse's to check. */
int plan_merge_image(json_t *config, json_t *image_config, const char *id, struct md_error *err);

/* Check a HostConfig's resources and fill docker's defaults (RestartPolicy,
 * LogConfig, NetworkMode, MemorySwap = 2 * Memory when only Memory is set).
 * MD_EINVAL with docker's message for anything out of range. */
int plan_check_host_config(json_t *host_config, json_t *config, struct md_error *err);

/* The argv a container runs: Entrypoint + Cmd from its merged Config. */
char **plan_argv(json_t *config);

/* Build the runtime plan for a container (its spec and id) and its image's
 * layer dirs (top-most first); paths come from the daemon's data and exec
 * roots. Once per start. The plan is heap-allocated; free with rt_plan_free. */
int plan_build(const struct ctr_spec *spec, const char *id, char *const *layers,
               struct rt_plan **out, struct md_error *err);
