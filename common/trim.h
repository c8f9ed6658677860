/* md_trim_rss: return free heap to the kernel and drop the page-table
 * entries of clean, read-only file mappings (library text and constants).
 * For processes that mostly wait: the shim once its container runs
 * (once=true: fault-around is turned off for those mappings too), the
 * daemon each time it has been idle for a second (once=false). */
#pragma once
#include <stdbool.h>

void md_trim_rss(bool once);
