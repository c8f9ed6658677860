/* What is inside a running container: top (ps filtered to its processes),
 * stats (cgroup figures), changes (its writable layer against the image). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timefmt.h"
#include "daemon/api/containers.h"
#include "daemon/ctrfs/ctrfs.h"
#include "daemon/daemon.h"
#include "daemon/image/image.h"
#include "daemon/runtime/runtime.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---- top ---- */

/* Host pids of every process in the container: those sharing PID 1's pid
 * namespace (cgroup membership would miss nothing either, but the namespace
 * is what "in the container" means to ps). */
static size_t container_pids(pid_t pid1, pid_t **out)
{
    *out = NULL;
    _cleanup_free_ char *p = xasprintf("/proc/%d/ns/pid", pid1);
    struct stat want;
    if (stat(p, &want) < 0)
        return 0;
    _cleanup_closedir_ DIR *d = opendir("/proc");
    size_t n = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
        struct stat st;
        if (stat(path, &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev) {
            *out = xrealloc(*out, (n + 1) * sizeof **out);
            (*out)[n++] = (pid_t)pid;
        }
    }
    return n;
}

static json_t *split_fields(const char *line, size_t ncols)
{
    /* ps columns are space separated; the last one (the command) keeps its spaces */
    json_t *row = json_array();
    const char *p = line;
    for (size_t i = 0; i < ncols; i++) {
        while (*p == ' ')
            p++;
        if (i == ncols - 1) {
            json_array_append_new(row, json_string(p));
            break;
        }
        size_t k = strcspn(p, " ");
        json_array_append_new(row, json_stringn(p, k));
        p += k;
    }
    return row;
}

static void top(struct api_req *r)
{
    const char *args = api_query(r, "ps_args");
    if (!args || !*args)
        args = "-ef";
    for (const char *s = args; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_,=:", *s)) {
            api_reply_msg(r, 400, "invalid ps arguments: %s", args);
            return;
        }
    struct container *c = api_find_container(r);
    if (!c)
        return;
    cstore_lock();
    bool running = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
    pid_t pid1 = c->pid;
    cstore_unlock();
    if (!running) {
        api_reply_msg(r, 409, "container %s is not running", c->id);
        ctr_put(c);
        return;
    }
    ctr_put(c);
    _cleanup_free_ pid_t *pids = NULL;
    size_t npids = container_pids(pid1, &pids);
    _cleanup_free_ char *cmd = xasprintf("ps %s 2>&1", args);
    FILE *ps = popen(cmd, "r");
    if (!ps) {
        api_reply_msg(r, 500, "ps: %s", strerror(errno));
        return;
    }
    char *line = NULL;
    size_t cap = 0;
    json_t *titles = NULL, *procs = json_array();
    int pid_col = -1;
    ssize_t n;
    while ((n = getline(&line, &cap, ps)) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (!titles) {
            titles = json_array();
            const char *p = line;
            for (int i = 0; *p; i++) {
                while (*p == ' ')
                    p++;
                size_t k = strcspn(p, " ");
                if (!k)
                    break;
                if (k == 3 && !strncmp(p, "PID", 3))
                    pid_col = i;
                json_array_append_new(titles, json_stringn(p, k));
                p += k;
            }
            continue;
        }
        json_t *row = split_fields(line, json_array_size(titles));
        if (pid_col >= 0) {
            pid_t pid = atoi(json_string_value(json_array_get(row, (size_t)pid_col)) ?: "0");
            bool mine = false;
            for (size_t i = 0; i < npids; i++)
                mine |= pids[i] == pid;
            if (!mine) {
                json_decref(row);
                continue;
            }
        }
        json_array_append_new(procs, row);
    }
    free(line);
    int st = pclose(ps);
    if (pid_col < 0) {
        json_decref(titles);
        json_decref(procs);
        api_reply_msg(r, 500, "Couldn't find PID field in ps output (ps %s, exit %d)", args, st);
        return;
    }
    api_reply_json(r, 200, json_pack("{s:o,s:o}", "Titles", titles, "Processes", procs));
}

/* ---- stats ---- */

static uint64_t system_cpu_ns(void)
{
    /* the first line of /proc/stat, in clock ticks, as docker reports system_cpu_usage */
    _cleanup_fclose_ FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = {0};
    if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                     &v[4], &v[5], &v[6], &v[7]) < 4)
        return 0;
    uint64_t ticks = 0;
    for (int i = 0; i < 8; i++)
        ticks += v[i];
    return ticks * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));
}

static json_t *cpu_json(const struct rt_stats *s, uint64_t sys)
{
    return json_pack("{s:{s:I,s:I,s:I},s:I,s:i,s:{s:i,s:i,s:i}}", "cpu_usage", "total_usage",
                     (json_int_t)s->cpu_usage_ns, "usage_in_usermode", (json_int_t)s->cpu_user_ns,
                     "usage_in_kernelmode", (json_int_t)s->cpu_system_ns, "system_cpu_usage",
                     (json_int_t)sys, "online_cpus", (int)sysconf(_SC_NPROCESSORS_ONLN),
                     "throttling_data", "periods", 0, "throttled_periods", 0, "throttled_time", 0);
}

struct stats_ctx {
    struct container *c;
    bool stream;
};

static void stats_free(void *p)
{
    struct stats_ctx *s = p;
    ctr_put(s->c);
    free(s);
}

static void stats_producer(void *p, int fd)
{
    struct stats_ctx *sc = p;
    struct container *c = sc->c;
    struct rt_stats prev = {0}, cur = {0};
    uint64_t prev_sys = 0;
    int64_t prev_ns = TIME_ZERO;
    struct md_error err = {0};
    rt_stats(c->id, md_cfg.cgroup_parent, &prev, &err);
    prev_sys = system_cpu_ns();
    prev_ns = time_now_ns();
    for (;;) {
        /* CPU % needs two samples: the CLI divides the deltas */
        for (int i = 0; i < 10; i++) {
            usleep(100 * 1000);
            if (api_shutting_down())
                return;
        }
        md_err_clear(&err);
        rt_stats(c->id, md_cfg.cgroup_parent, &cur, &err);
        uint64_t sys = system_cpu_ns();
        int64_t now = time_now_ns();
        _cleanup_free_ char *read = time_format(now, false);
        _cleanup_free_ char *preread = time_format(prev_ns, false);
        cstore_lock();
        _cleanup_free_ char *name = xasprintf("/%s", c->name);
        cstore_unlock();
        json_t *j = json_pack(
            "{s:s,s:s,s:s,s:s,s:{s:I,s:I},s:o,s:o,s:{s:I,s:I,s:{s:I}},s:{},s:{s:[]}}", "read", read,
            "preread", preread, "id", c->id, "name", name, "pids_stats", "current",
            (json_int_t)cur.pids_current, "limit", (json_int_t)cur.pids_limit, "cpu_stats",
            cpu_json(&cur, sys), "precpu_stats", cpu_json(&prev, prev_sys), "memory_stats", "usage",
            (json_int_t)cur.mem_usage, "limit", (json_int_t)(cur.mem_limit ? cur.mem_limit : 0),
            "stats", "inactive_file", (json_int_t)cur.mem_inactive_file, "networks", "blkio_stats",
            "io_service_bytes_recursive");
        if (!cur.mem_limit) {
            /* unlimited: docker shows the host's memory as the limit */
            long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
            json_object_set_new(json_object_get(j, "memory_stats"), "limit",
                                json_integer((json_int_t)pages * psz));
        }
        int w = api_write_json_line(fd, j);
        json_decref(j);
        if (w < 0 || !sc->stream)
            return;
        prev = cur;
        prev_sys = sys;
        prev_ns = now;
        cstore_lock();
        bool live = c->status == CTR_RUNNING || c->status == CTR_PAUSED;
        cstore_unlock();
        if (!live)
            return;
    }
}

static void stats(struct api_req *r)
{
    struct container *c = api_find_container(r);
    if (!c)
        return;
    struct stats_ctx *s = xcalloc(1, sizeof *s);
    s->c = c;
    s->stream = api_query_bool(r, "stream", true) && !api_query_bool(r, "one-shot", false);
    api_reply_stream(r, 200, "application/json", stats_producer, s, stats_free);
}

/* ---- changes ---- */

static bool in_layers(char *const *layers, const char *rel)
{
    for (size_t i = 0; layers && layers[i]; i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", layers[i], rel);
        struct stat st;
        if (lstat(p, &st) == 0)
            return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
    }
    return false;
}

/* Adds the changes under rel to out (if out) and their bytes to size (if
 * size); returns how many entries it reported. */
static size_t walk_upper(const char *root, const char *rel, char *const *layers, json_t *out,
                         long long *size)
{
    _cleanup_free_ char *dir = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    _cleanup_closedir_ DIR *d = opendir(dir);
    struct dirent *de;
    size_t reported = 0;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        _cleanup_free_ char *r = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
        _cleanup_free_ char *full = xasprintf("%s/%s", root, r);
        struct stat st;
        if (lstat(full, &st) < 0)
            continue;
        if (size && !S_ISDIR(st.st_mode))
            *size += st.st_size;
        if (!out) {
            if (S_ISDIR(st.st_mode))
                walk_upper(root, r, layers, NULL, size);
            continue;
        }
        bool whiteout = S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
        bool existed = !whiteout && in_layers(layers, r);
        if (!existed && ctrfs_init_path(r))
            continue;
        _cleanup_free_ char *path = xasprintf("/%s", r);
        size_t below =
            S_ISDIR(st.st_mode) && !whiteout ? walk_upper(root, r, layers, out, size) : 0;
        /* a directory of the image is "changed" only through what changed in it */
        if (S_ISDIR(st.st_mode) && existed && below == 0)
            continue;
        int kind = whiteout ? 2 : existed ? 0 : 1;
        json_array_append_new(out, json_pack("{s:s,s:i}", "Path", path, "Kind", kind));
        reported += 1 + below;
    }
    return reported;
}

long long ctr_size_rw(const struct container *c)
{
    _cleanup_free_ char *upper = md_data_path("overlay/%s/upper", c->id);
    long long size = 0;
    walk_upper(upper, "", NULL, NULL, &size);
    return size;
}

static int by_path(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    return strcmp(json_str(x, "Path"), json_str(y, "Path"));
}

static void changes(struct api_req *r)
{
    struct container *c = api_find_container(r);
    if (!c)
        return;
    struct image *im = NULL;
    struct md_error err = {0};
    _cleanup_strv_ char **layers = NULL;
    if (image_lookup(c->image_id, &im, &err) == 0) {
        layers = image_layer_dirs(im);
        image_put(im);
    }
    md_err_clear(&err);
    _cleanup_free_ char *upper = md_data_path("overlay/%s/upper", c->id);
    ctr_put(c);
    json_t *out = json_array();
    walk_upper(upper, "", layers, out, NULL);
    size_t n = json_array_size(out);
    json_t **v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(out, i));
    qsort(v, n, sizeof *v, by_path);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(sorted, v[i]);
    free(v);
    json_decref(out);
    api_reply_json(r, 200, n ? sorted : (json_decref(sorted), json_null()));
}

const struct api_route api_routes_ctr_info[] = {
    {"GET", "/containers/{id}/top", top, 0},
    {"GET", "/containers/{id}/stats", stats, 0},
    {"GET", "/containers/{id}/changes", changes, 0},
    {NULL, NULL, NULL, 0},
};
