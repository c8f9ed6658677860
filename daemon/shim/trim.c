/* Keep the shim's resident set small (the budget is 1 MB per container).
 * Most of a dynamically linked process's RSS is library text mapped by
 * fault-around (16 pages per fault) during start-up, not text it uses while
 * idling in poll(2). Dropping those PTEs and turning fault-around off for
 * the text mappings leaves only the pages the event loop really touches. */
#include "daemon/shim/shim.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

void shim_trim_rss(void)
{
    _cleanup_fclose_ FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
            continue;
        /* only clean, never-written file text: r-xp with a path. Data and
         * RELRO mappings hold private copies that MADV_DONTNEED would lose. */
        if (strcmp(perms, "r-xp") || !strchr(line, '/'))
            continue;
        madvise((void *)start, end - start, MADV_RANDOM);
        madvise((void *)start, end - start, MADV_DONTNEED);
    }
}
