/* docker's RunPrune of each kind, for the prune commands. */
#pragma once
#include <stdbool.h>
#include "common/filters.h"

enum prune_kind {
    PRUNE_CONTAINERS,
    PRUNE_NETWORKS,
    PRUNE_VOLUMES,
    PRUNE_IMAGES,
    PRUNE_BUILD_CACHE
};

/* POST /<kind>/prune with the filters (images add dangling=true, or false
 * with all; the build cache takes all=1). *output gets docker's report
 * ("Deleted Containers:\n<id>\n...", NULL when nothing went) and *space the
 * bytes docker counts. 0, or 1 after printing the daemon's error. */
int prune_call(enum prune_kind k, bool all, const struct filters *f, long long *space,
               char **output);
/* The report and a blank line, as docker's Fprintln(output); with total,
 * then "Total reclaimed space: SIZE". */
void prune_print(const char *output, bool total, long long space);
/* --filter's value (optarg) into f; docker's usage error (125) if malformed. */
int prune_filter_flag(struct filters *f);
