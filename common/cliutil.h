/* The docker CLI's client-side logic that needs no daemon, so it can be
 * unit-tested: ps columns (ports, ellipsis, sizes), json.Indent for inspect,
 * detach keys and the escape proxy, the run/create flag syntaxes that the
 * CLI checks itself (env files, ulimits, restart policies, -v), and the
 * stats arithmetic. Each function names the docker/cli or go-units code it
 * follows. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* formatter.Ellipsis: cut s to max_width display columns (East Asian wide
 * characters count 2), the last one replaced by "…". Malloc'd. */
char *cli_ellipsis(const char *s, int max_width);
/* strconv.Quote (ASCII escapes; other bytes kept). Malloc'd. */
char *cli_quote(const char *s);

/* One entry of a /containers/json "Ports" array. */
struct cli_port {
    const char *ip; /* "" when unpublished */
    uint16_t private_port;
    uint16_t public_port;
    const char *type;
};
/* formatter.DisplayablePorts: "0.0.0.0:8080->80/tcp, 9000-9001/tcp".
 * Sorts ports in place. Malloc'd. */
char *cli_ports_display(struct cli_port *ports, size_t n);

/* go-units HumanSizeWithPrecision (decimal units): (1234, 4) -> "1.234kB";
 * HumanSize is precision 4. Malloc'd. */
char *cli_human_size(double bytes, int precision);
/* go-units BytesSize (binary units, 4 digits): 1536 -> "1.5KiB". Malloc'd. */
char *cli_bytes_size(double bytes);
/* ps --size: "12B (virtual 4.4MB)", or "12B" when rootfs is 0. Malloc'd. */
char *cli_ps_size(int64_t size_rw, int64_t size_rootfs);

/* fvbommel/sortorder NaturalLess as a qsort-style comparison. */
int cli_natural_cmp(const char *a, const char *b);
/* net.JoinHostPort: "[::1]:80" for hosts containing ':'. Malloc'd. */
char *cli_join_host_port(const char *host, const char *port);

/* term.ToBytes: "ctrl-p,ctrl-q" -> {0x10, 0x11}; single characters, ctrl-@
 * .. ctrl-_, "DEL". 0, or -1 with *err = "Unknown character: 'x'". */
int cli_detach_keys_parse(const char *spec, unsigned char *out, size_t cap, size_t *n, char **err);

/* term.NewEscapeProxy as a filter: bytes that may begin the sequence are
 * held back until they match or not. */
struct cli_escape {
    unsigned char keys[32];
    size_t nkeys;
    size_t pos; /* matched so far (held back) */
};
void cli_escape_init(struct cli_escape *e, const unsigned char *keys, size_t n);
/* Filter n bytes of input into out (room for n + nkeys bytes); returns the
 * bytes to forward. *detached is set when the whole sequence was typed (the
 * bytes before it are still returned). */
size_t cli_escape_feed(struct cli_escape *e, const unsigned char *in, size_t n, unsigned char *out,
                       bool *detached);

/* Go's json.Indent(dst, src, "", indent): string tokens are copied byte for
 * byte, "{}" and "[]" stay closed. NULL on malformed input. Malloc'd.
 * A NULL indent gives json.Compact instead. */
char *cli_json_indent(const char *src, size_t len, const char *indent);

/* Go's time.Unix(sec, 0).String() in the local zone:
 * "2024-01-01 10:00:00 +0100 CET". Malloc'd. */
char *cli_time_string(int64_t unix_sec);

/* kvfile.Parse (--env-file): appends to *out; lines without '=' take the
 * value from the environment or are skipped. 0, or -1 with docker's *err. */
int cli_env_file(const char *path, char ***out, char **err);
/* opts.ValidateEnv for -e: "K" takes K's value from the environment if set.
 * NULL with *err for "=x". Malloc'd. */
char *cli_env_value(const char *val, char **err);
/* go-units ParseUlimit ("nofile=100:200", "nproc=50"). */
int cli_ulimit_parse(const char *val, char **name, int64_t *soft, int64_t *hard, char **err);
/* opts.ParseRestartPolicy ("no", "on-failure:3"). */
int cli_restart_parse(const char *val, char **name, int *max_retry, char **err);
/* The CLI's -v syntax check (compose loader.ParseVolume). *bind gets the
 * string for HostConfig.Binds (relative "./x" host paths made absolute
 * against cwd), or NULL for an anonymous volume that goes to Volumes. */
int cli_volume_parse(const char *spec, const char *cwd, char **bind, char **err);

/* docker stats arithmetic (calculateCPUPercentUnix and friends). */
double cli_stats_cpu_percent(uint64_t cpu, uint64_t precpu, uint64_t sys, uint64_t presys,
                             uint32_t online_cpus);
/* usage minus inactive_file (v2) / total_inactive_file (v1) when smaller. */
double cli_stats_mem_usage(uint64_t usage, bool has_total_inactive, uint64_t total_inactive,
                           uint64_t inactive);
/* strconv.FormatFloat(v, 'f', 2, 64) + "%". Malloc'd. */
char *cli_percent(double v);
