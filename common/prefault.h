/* md_prefault_program: map the running program's own text, constants and
 * initialised data in one call per segment, instead of one page fault per
 * touched page (fault-around: 16 pages) as it runs. For the short-lived
 * static binaries (client, shim), first thing in main. */
#pragma once

void md_prefault_program(void);
