/* Keep a long-lived process's resident set to what it uses while it waits.
 * Most of a dynamically linked process's RSS is library text and read-only
 * data mapped by fault-around (16 pages per fault) during start-up and by
 * requests long finished, not pages its idle loop touches. Those pages are
 * clean copies of files still in the page cache: dropping their page-table
 * entries frees nothing the process needs. A process that trims once and
 * then waits for good also turns fault-around off for them, so only the
 * pages it uses again come back; one that trims whenever it falls idle
 * keeps fault-around (fewer faults when it wakes up). */
#include "common/trim.h"
#include "common/cleanup.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static void drop(unsigned long start, unsigned long end, bool once)
{
    if (once)
        madvise((void *)start, end - start, MADV_RANDOM);
    madvise((void *)start, end - start, MADV_DONTNEED);
}

void md_trim_rss(bool once)
{
    malloc_trim(0);
    /* smaps tells, per mapping, whether any page is a private copy (a
     * relocated or written page: "Anonymous" > 0). MADV_DONTNEED would
     * lose those, so only mappings of a file that are read-only and hold
     * no private page are dropped. */
    _cleanup_fclose_ FILE *f = fopen("/proc/self/smaps", "re");
    if (!f)
        return;
    char line[512];
    unsigned long start = 0, end = 0;
    bool candidate = false;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3) {
            start = s, end = e;
            /* r-xp or r--p with a path: file text and read-only data */
            candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' &&
                        strchr(line, '/') != NULL;
            continue;
        }
        unsigned long anon;
        if (candidate && sscanf(line, "Anonymous: %lu kB", &anon) == 1) {
            if (anon == 0)
                drop(start, end, once);
            candidate = false;
        }
    }
}
