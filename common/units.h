/* Human-readable sizes and durations and the unit parsers of docker's flags,
 * compatible with github.com/docker/go-units and Go's time.ParseDuration. */
#pragma once
#include <stdint.h>

/* go-units HumanDuration: "Less than a second", "1 second", "5 seconds",
 * "About a minute", "3 minutes", "About an hour", "5 hours", "3 days",
 * "2 weeks", "4 months", "3 years". Malloc'd. */
char *human_duration(int64_t seconds);
/* go-units HumanSize (decimal units, 3 significant digits): 2140160 ->
 * "2.14MB", 1000 -> "1kB", 0 -> "0B". Malloc'd. */
char *human_size(double bytes);
/* go-units RAMInBytes (binary multipliers): "64m", "1.5g", "1024", "64MB",
 * "64 MiB". 0 on success, -1 on bad input or overflow. */
int parse_ram_size(const char *s, int64_t *out);
/* go-units FromHumanSize: the same syntax with decimal multipliers ("10k"
 * = 10000), as json-file's max-size reads it. */
int parse_human_size(const char *s, int64_t *out);
/* docker's --cpus: a non-negative decimal CPU count to nanocpus ("1.5" ->
 * 1500000000). -1 on garbage, negative values, or more than 9 decimals. */
int parse_nano_cpus(const char *s, int64_t *out);
/* Go's time.ParseDuration: "10s", "1m30s", "1.5h", "500ms", "1us", "-2m",
 * "0". 0 on success, -1 on error (missing unit, unknown unit, overflow). */
int parse_go_duration(const char *s, int64_t *ns);
/* Go's time.Duration.String: "30s", "1.5s", "500ms", "1m30s", "2h0m0s",
 * "0s". Malloc'd. */
char *go_duration_string(int64_t ns);
