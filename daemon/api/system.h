/* Figures /info reports, gathered from the modules that own them. */
#pragma once

struct system_counts {
    int containers, running, paused, stopped;
    int images;
    const char *cgroup_version; /* "1" or "2" */
};

void system_get_counts(struct system_counts *c);
