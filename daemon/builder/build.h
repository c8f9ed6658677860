/* The classic builder (POST /build): a Dockerfile run step by step on an
 * unpacked context, each step a container of the previous step's image
 * committed as the next (daemon/image/commit), output as moby's
 * builder/dockerfile writes it. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct build_opts {
    int ctxfd;              /* the unpacked context (a directory) */
    const char *dockerfile; /* its path inside the context */
    char **tags;            /* full references, tagged at the end */
    json_t *buildargs;      /* {"K":"v"|null} */
    json_t *labels;         /* {"k":"v"}: a LABEL step at the end */
    const char *target;     /* stage to stop at, or NULL */
    bool nocache, rm, forcerm, quiet;
    json_t *host_config; /* HostConfig of every RUN container */
    int out;             /* the response stream */
};

/* Run the build, writing the JSON lines to o->out, the error line too.
 * 0 when the image was built and tagged. */
int build_run(const struct build_opts *o);
