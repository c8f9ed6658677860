/* Gathers /info's counts from the container state, the image store and the
 * runtime. */
#include "daemon/api/system.h"

#include <stddef.h>

/* Until the state and image modules are linked in, a count is 0. */
__attribute__((weak)) void state_counts(int *total, int *running, int *paused, int *stopped);
__attribute__((weak)) size_t image_store_count(void);
__attribute__((weak)) const char *rt_cgroup_version(void);

void system_get_counts(struct system_counts *c)
{
    *c = (struct system_counts){.cgroup_version = "1"};
    if (state_counts)
        state_counts(&c->containers, &c->running, &c->paused, &c->stopped);
    if (image_store_count)
        c->images = (int)image_store_count();
    if (rt_cgroup_version)
        c->cgroup_version = rt_cgroup_version();
}
