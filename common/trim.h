/* md_trim_rss: return free heap to the kernel and drop the page-table
 * entries of clean, read-only file mappings (library text and constants),
 * turning fault-around off for them. For processes that mostly wait: the
 * shim after its container starts, the daemon when it has been idle. */
#pragma once

void md_trim_rss(void);
