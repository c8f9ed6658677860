/* `-v` / HostConfig.Binds specifications: the CLI's syntax checks, then the
 * daemon's linux mount parser and local-volume name rules, with docker's
 * messages. */
#pragma once
#include <stdbool.h>

#include "common/error.h"

enum vol_type { VOL_BIND, VOL_NAMED, VOL_ANON };

struct vol_spec {
    enum vol_type type;
    char *source; /* bind: cleaned absolute host path; named: volume name; anon: NULL */
    char *dest;   /* cleaned absolute container path */
    bool readonly;
    char *mode; /* raw options string, e.g. "ro,z", or NULL when none was given */
};

/* "/host:/ctr", "/host:/ctr:ro", "name:/ctr[:opts]", "/ctr" (anonymous).
 * Errors have code MD_EINVAL. */
int volspec_parse(const char *spec, struct vol_spec *out, struct md_error *err);
void volspec_free(struct vol_spec *v);
/* The local volume driver's name rule ([a-zA-Z0-9][a-zA-Z0-9_.-]+), applied
 * when the daemon creates a volume; the message starts with the
 * "create <name>: " that docker users see. */
int volspec_check_name(const char *name, struct md_error *err);
/* Go's path.Clean: "/a//b/../c/" -> "/a/c", "" -> ".". Malloc'd. */
char *volspec_path_clean(const char *p);
/* The propagation named in a -v mode ("ro,rshared" -> "rshared"), or NULL. */
const char *volspec_mode_propagation(const char *mode);
