/* md_prefault_program: map the running program's own text, constants and
 * initialised data in one call per segment, instead of one page fault per
 * touched page (fault-around: 16 pages) as it runs. For the short-lived
 * static binaries (client, shim), first thing in main. */
#pragma once

void md_prefault_program(void);
/* After a fork (or a clone without CLONE_VM): copy, in one call per
 * range, the pages this side is about to write (the heap, initialised
 * data, the live part of the stack), instead of taking a copy-on-write
 * fault on each. Both sides call it. Needs md_prefault_program first. */
void md_prefault_private(void);
