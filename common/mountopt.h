/* The docker CLI's --mount syntax (cli/opts/mount.go): CSV fields
 * "type=bind,src=/x,dst=/y,readonly", into one HostConfig.Mounts entry as
 * the docker 28 CLI marshals it, with its messages. */
#pragma once
#include <jansson.h>

/* cwd makes a "./x" or "." source absolute, as the CLI does. 0 and *out;
 * -1 and *why (malloc'd, the CLI's message) on bad input. */
int mountopt_parse(const char *value, const char *cwd, json_t **out, char **why);
