/* cgroup dispatch: detect the host's layout once, place container cgroups
 * in every hierarchy, and route each operation to the v2 or v1 backend. On
 * hybrid hosts limits go through the v1 controllers and freeze/kill through
 * the (controller-less) cgroup2 tree, which still offers cgroup.freeze and
 * cgroup.kill. */
#include "daemon/runtime/cgroup.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* v1 controllers a container joins. cpuset is left out on purpose: a new
 * v1 cpuset cgroup starts with empty cpus/mems and would need them copied
 * down every level; docker only needs it for --cpuset-cpus. */
static const char *const v1_wanted[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "devices"};

static struct {
    bool ready;
    enum cg_mode mode;
    bool fake;
    char *root;
    char *v2_root; /* the cgroup2 mount, NULL if none */
    char *v2_own;  /* daemon's cgroup2 path at init ("/..."), before any move */
    size_t nv1;
    const char *v1_name[CG_V1_MAX];
    char *v1_mnt[CG_V1_MAX];
    char *v1_own[CG_V1_MAX];
    char *v1_ctrls[CG_V1_MAX];
} L;

static void layout_reset(void)
{
    free(L.root);
    free(L.v2_root);
    free(L.v2_own);
    for (size_t i = 0; i < L.nv1; i++) {
        free(L.v1_mnt[i]);
        free(L.v1_own[i]);
        free(L.v1_ctrls[i]);
    }
    memset(&L, 0, sizeof L);
}

char *cgroup_parse_own(const char *text, const char *controller)
{
    return cgroup_parse_own2(text, controller, NULL);
}

char *cgroup_parse_own2(const char *text, const char *controller, char **ctrls_out)
{
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        _cleanup_free_ char *l = xstrndup(line, len);
        line = nl ? nl + 1 : NULL;
        char *c1 = strchr(l, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = 0;
        const char *ctrls = c1 + 1, *path = c2 + 1;
        if (!controller) {
            if (!strcmp(l, "0") && !*ctrls)
                return xstrdup(path);
            continue;
        }
        _cleanup_free_ char *list = xstrdup(ctrls);
        char *save = NULL;
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
            if (!strcmp(t, controller)) {
                if (ctrls_out)
                    *ctrls_out = xstrdup(ctrls);
                return xstrdup(path);
            }
    }
    return NULL;
}

/* Find the v1 hierarchies under root; dedupe co-mounts (cpu -> cpu,cpuacct). */
static void find_v1(const char *proc_cgroup)
{
    char *seen[CG_V1_MAX] = {0};
    for (size_t i = 0; i < sizeof v1_wanted / sizeof *v1_wanted && L.nv1 < CG_V1_MAX; i++) {
        _cleanup_free_ char *dir = xasprintf("%s/%s", L.root, v1_wanted[i]);
        char real[PATH_MAX];
        if (!realpath(dir, real))
            continue;
        bool dup = false;
        for (size_t j = 0; j < L.nv1; j++)
            if (!strcmp(seen[j], real))
                dup = true;
        if (dup)
            continue;
        char *ctrls = NULL;
        char *own = cgroup_parse_own2(proc_cgroup, v1_wanted[i], &ctrls);
        if (!own) /* not a hierarchy this process is in: not mounted as such */
            continue;
        L.v1_ctrls[L.nv1] = ctrls;
        seen[L.nv1] = xstrdup(real);
        L.v1_name[L.nv1] = v1_wanted[i];
        L.v1_mnt[L.nv1] = xstrdup(dir);
        L.v1_own[L.nv1] = own;
        L.nv1++;
    }
    for (size_t j = 0; j < L.nv1; j++)
        free(seen[j]);
}

int cgroup_init_custom(const char *root, enum cg_mode mode, const char *proc_cgroup,
                       struct md_error *err)
{
    layout_reset();
    L.root = xstrdup(root);
    L.mode = mode;
    L.fake = true;
    if (mode != CG_LEGACY) {
        L.v2_root = mode == CG_UNIFIED ? xstrdup(root) : xasprintf("%s/unified", root);
        L.v2_own = cgroup_parse_own(proc_cgroup, NULL);
        if (!L.v2_own)
            L.v2_own = xstrdup("/");
    }
    if (mode != CG_UNIFIED)
        find_v1(proc_cgroup);
    L.ready = true;
    return 0;
}

int cgroup_init(const char *root, struct md_error *err)
{
    struct statfs sf;
    if (statfs(root, &sf) < 0)
        return md_errno(err, errno, "statfs %s", root);
    _cleanup_free_ char *self = fs_read_file("/proc/self/cgroup", NULL);
    if (!self)
        return md_errno(err, errno, "read /proc/self/cgroup");
    layout_reset();
    L.root = xstrdup(root);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) {
        L.mode = CG_UNIFIED;
        L.v2_root = xstrdup(root);
    } else {
        _cleanup_free_ char *u = xasprintf("%s/unified", root);
        struct statfs su;
        if (statfs(u, &su) == 0 && su.f_type == CGROUP2_SUPER_MAGIC) {
            L.mode = CG_HYBRID;
            L.v2_root = steal_ptr(&u);
        } else {
            L.mode = CG_LEGACY;
        }
        find_v1(self);
        if (L.nv1 == 0) {
            layout_reset();
            return md_err(err, ENOTSUP, "no cgroup v1 controllers found under %s", root);
        }
    }
    if (L.v2_root) {
        L.v2_own = cgroup_parse_own(self, NULL);
        if (!L.v2_own)
            L.v2_own = xstrdup("/");
    }
    L.ready = true;
    return 0;
}

enum cg_mode cgroup_mode(void)
{
    return L.mode;
}

const char *cgroup_mode_name(void)
{
    return L.mode == CG_UNIFIED ? "unified" : L.mode == CG_HYBRID ? "hybrid" : "legacy";
}

bool cgroup_is_fake(void)
{
    return L.fake;
}

/* <mnt>[<own>]/<parent> */
static char *parent_dir(const char *mnt, const char *own, const char *parent)
{
    const char *rel = parent && *parent ? parent : "minidock";
    if (rel[0] == '/')
        return xasprintf("%s%s", mnt, rel);
    if (!strcmp(own, "/"))
        own = "";
    return xasprintf("%s%s/%s", mnt, own, rel);
}

static void strip_trailing_slash(char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        s[--n] = 0;
}

int cgroup_paths(const char *id, const char *parent, struct cg_paths *out, struct md_error *err)
{
    memset(out, 0, sizeof *out);
    if (!L.ready)
        return md_err(err, MD_EINTERNAL, "cgroups not initialised");
    if (L.mode != CG_LEGACY) {
        out->v2_parent = parent_dir(L.v2_root, L.v2_own, parent);
        strip_trailing_slash(out->v2_parent);
        out->v2 = xasprintf("%s/%s", out->v2_parent, id);
    }
    if (L.mode != CG_UNIFIED) {
        for (size_t i = 0; i < L.nv1; i++) {
            out->v1_name[i] = L.v1_name[i];
            out->v1_ctrls[i] = L.v1_ctrls[i];
            out->v1_parent[i] = parent_dir(L.v1_mnt[i], L.v1_own[i], parent);
            strip_trailing_slash(out->v1_parent[i]);
            out->v1[i] = xasprintf("%s/%s", out->v1_parent[i], id);
        }
        out->nv1 = L.nv1;
    }
    return 0;
}

void cgroup_paths_free(struct cg_paths *p)
{
    free(p->v2);
    free(p->v2_parent);
    for (size_t i = 0; i < p->nv1; i++) {
        free(p->v1[i]);
        free(p->v1_parent[i]);
    }
    memset(p, 0, sizeof *p);
}

/* ---- shared file helpers ---- */

int cg_write(const char *dir, const char *file, const char *value, struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    return util_write_file(path, value, L.fake, err);
}

char *cg_read(const char *dir, const char *file)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    return fs_read_file(path, NULL);
}

int cg_read_key(const char *dir, const char *file, const char *key, unsigned long long *out)
{
    _cleanup_free_ char *s = cg_read(dir, file);
    if (!s)
        return -1;
    size_t kl = strlen(key);
    for (char *l = s; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = 0;
        if (!strncmp(l, key, kl) && l[kl] == ' ') {
            *out = strtoull(l + kl + 1, NULL, 10);
            return 0;
        }
        l = nl ? nl + 1 : NULL;
    }
    return -1;
}

static bool has_line(const char *s, const char *want)
{
    size_t n = strlen(want);
    for (const char *l = s; l && *l;) {
        if (!strncmp(l, want, n) && (l[n] == '\n' || !l[n]))
            return true;
        l = strchr(l, '\n');
        l = l ? l + 1 : NULL;
    }
    return false;
}

/* cgroup2's cgroup.events notifies pollers (POLLPRI) when it changes, so a
 * freeze is seen the moment it completes; v1's freezer.state does not, and
 * the same poll then just sleeps, 0.1 ms at first, doubling up to 50 ms. */
int cg_wait_line(const char *dir, const char *file, const char *want, int timeout_ms,
                 struct md_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open %s", path);
    int64_t deadline = util_mono_ms() + timeout_ms;
    long delay_us = 100;
    for (;;) {
        char buf[512];
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0); /* re-arms the notification */
        if (n < 0)
            return md_errno(err, errno, "read %s", path);
        buf[n] = '\0';
        if (has_line(buf, want))
            return 0;
        int64_t left = deadline - util_mono_ms();
        if (left <= 0)
            return md_err(err, ETIMEDOUT, "%s: no \"%s\" after %d ms", path, want, timeout_ms);
        long wait_us = delay_us < left * 1000 ? delay_us : (long)left * 1000;
        struct pollfd pfd = {.fd = fd, .events = POLLPRI};
        struct timespec ts = {.tv_sec = wait_us / 1000000, .tv_nsec = (wait_us % 1000000) * 1000};
        ppoll(&pfd, 1, &ts, NULL);
        if (delay_us < 50000)
            delay_us *= 2;
    }
}

int cg_kill_procs(const char *dir)
{
    _cleanup_free_ char *s = cg_read(dir, "cgroup.procs");
    if (!s)
        return 0;
    int n = 0;
    for (char *p = s; *p;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 0) {
            kill((pid_t)pid, SIGKILL);
            n++;
        }
        p = end;
        while (*p == '\n')
            p++;
    }
    return n;
}

unsigned long long cg_shares_to_weight(long long shares)
{
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((unsigned long long)(shares - 2) * 9999) / 262142;
}

/* ---- cgroup2 subtree delegation (unified) ---- */

/* Controllers the limits need, among those the hierarchy offers. */
static char *wanted_controllers(void)
{
    _cleanup_free_ char *have = cg_read(L.v2_root, "cgroup.controllers");
    if (!have)
        return xstrdup("");
    static const char *const want[] = {"cpu", "memory", "pids"};
    char buf[64] = "";
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(want[i]);
        for (char *p = have; (p = strstr(p, want[i])); p += n)
            if ((p == have || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ' || p[n] == '\n')) {
                if (buf[0])
                    strcat(buf, " ");
                strcat(buf, "+");
                strcat(buf, want[i]);
                break;
            }
    }
    return xstrdup(buf);
}

/* A cgroup2 node with processes cannot hand controllers to its children
 * ("no internal processes"), so when the daemon's own cgroup refuses with
 * EBUSY, the daemon moves itself into a leaf <own>/minidock/daemon first. */
static int enable_subtree(const char *dir, const char *ctrls, bool is_own, struct md_error *err)
{
    struct md_error e = {0};
    if (cg_write(dir, "cgroup.subtree_control", ctrls, &e) == 0)
        return 0;
    if (!(e.err == EBUSY && is_own)) {
        md_err(err, e.err, "enable controllers \"%s\": %s", ctrls, md_err_msg(&e));
        md_err_clear(&e);
        return -1;
    }
    md_err_clear(&e);
    _cleanup_free_ char *leaf = xasprintf("%s/minidock/daemon", dir);
    if (fs_mkdir_p(leaf, 0755, err) < 0)
        return -1;
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (cg_write(leaf, "cgroup.procs", pid, err) < 0)
        return md_err_wrap(err, "move the daemon into %s", leaf);
    log_info("cgroup: moved the daemon into %s to delegate controllers", leaf);
    if (cg_write(dir, "cgroup.subtree_control", ctrls, err) < 0)
        return md_err_wrap(err, "enable controllers in %s (other processes there?)", dir);
    return 0;
}

static int v2_prepare_parents(const char *parent, struct md_error *err)
{
    _cleanup_free_ char *ctrls = wanted_controllers();
    if (!ctrls[0])
        return fs_mkdir_p(parent, 0755, err);
    _cleanup_free_ char *own =
        strcmp(L.v2_own, "/") ? xasprintf("%s%s", L.v2_root, L.v2_own) : xstrdup(L.v2_root);
    size_t ol = strlen(own);
    /* walk from the topmost dir we may touch down to the parent */
    const char *start = L.v2_root;
    if (!strncmp(parent, own, ol) && (parent[ol] == '/' || parent[ol] == 0))
        start = own;
    _cleanup_free_ char *cur = xstrdup(start);
    const char *rest = parent + strlen(start);
    for (;;) {
        bool is_own = !strcmp(cur, own) && strcmp(own, L.v2_root);
        if (enable_subtree(cur, ctrls, is_own, err) < 0)
            return md_err_wrap(err, "cgroup %s", cur);
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        const char *slash = strchr(rest, '/');
        size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
        char *next = xasprintf("%s/%.*s", cur, (int)n, rest);
        free(cur);
        cur = next;
        rest += n;
        if (mkdir(cur, 0755) < 0 && errno != EEXIST)
            return md_errno(err, errno, "mkdir %s", cur);
    }
    return 0;
}

/* ---- dispatch ---- */

static const struct cg_backend *limits_backend(void)
{
    return L.mode == CG_UNIFIED ? &cg_v2_backend : &cg_v1_backend;
}

/* Freeze and kill: cgroup2 where it offers them (kernel >= 5.2 / 5.14). */
static const struct cg_backend *freeze_backend(const struct cg_paths *p)
{
    if (L.mode == CG_UNIFIED)
        return &cg_v2_backend;
    if (L.mode == CG_HYBRID && p->v2) {
        _cleanup_free_ char *f = xasprintf("%s/cgroup.freeze", p->v2);
        if (access(f, F_OK) == 0)
            return &cg_v2_backend;
    }
    return &cg_v1_backend;
}

static int rmdir_retry(const char *dir, struct md_error *err)
{
    for (int i = 0; i < 100; i++) {
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            break;
        util_sleep_ms(10);
    }
    return md_errno(err, errno, "remove cgroup %s", dir);
}

/* Test trees are plain directories: rmdir needs them empty. */
static void rm_fake(const char *dir)
{
    if (L.fake)
        fs_rm_rf(dir, NULL);
}

static void remove_dirs(const struct cg_paths *p)
{
    if (p->v2) {
        rm_fake(p->v2);
        rmdir_retry(p->v2, NULL);
    }
    for (size_t i = 0; i < p->nv1; i++) {
        rm_fake(p->v1[i]);
        rmdir_retry(p->v1[i], NULL);
    }
}

int cgroup_create(const struct cg_paths *p, const struct rt_limits *l, bool privileged,
                  struct md_error *err)
{
    if (p->v2) {
        struct md_error e = {0};
        if (L.mode == CG_UNIFIED && v2_prepare_parents(p->v2_parent, &e) < 0) {
            /* e.g. the daemon shares its cgroup with its login shell: no
             * controllers for containers. Fine while nothing needs them. */
            static const struct rt_limits none;
            struct rt_limits asked = *l;
            asked.device_rules = NULL; /* a BPF program, no controller */
            if (memcmp(&asked, &none, sizeof none)) {
                md_err(err, e.err, "cannot apply resource limits: %s", md_err_msg(&e));
                md_err_clear(&e);
                return -1;
            }
            log_warn("cgroup: %s; containers run without resource controllers", md_err_msg(&e));
            md_err_clear(&e);
        }
        if (fs_mkdir_p(p->v2_parent, 0755, err) < 0)
            return -1;
        if (mkdir(p->v2, 0755) < 0 && errno != EEXIST)
            return md_errno(err, errno, "create cgroup %s", p->v2);
    }
    for (size_t i = 0; i < p->nv1; i++) {
        if (fs_mkdir_p(p->v1[i], 0755, err) < 0) {
            remove_dirs(p);
            return md_err_wrap(err, "create cgroup");
        }
    }
    if (limits_backend()->set_limits(p, l, privileged, err) < 0) {
        remove_dirs(p);
        return -1;
    }
    return 0;
}

int cgroup_kill(const struct cg_paths *p, struct md_error *err)
{
    return freeze_backend(p)->kill(p, err);
}

int cgroup_destroy(const struct cg_paths *p, struct md_error *err)
{
    bool any = false;
    if (p->v2 && access(p->v2, F_OK) == 0)
        any = true;
    for (size_t i = 0; i < p->nv1; i++)
        if (access(p->v1[i], F_OK) == 0)
            any = true;
    if (any && cgroup_kill(p, err) < 0)
        return -1;
    /* the parents stay for the next container (cgroup_release_parents) */
    if (p->v2) {
        rm_fake(p->v2);
        if (rmdir_retry(p->v2, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < p->nv1; i++) {
        rm_fake(p->v1[i]);
        if (rmdir_retry(p->v1[i], err) < 0)
            return -1;
    }
    return 0;
}

static void rmdir_if_empty(const char *dir)
{
    if (rmdir(dir) < 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
        log_debug("rmdir %s: %s", dir, strerror(errno));
}

void cgroup_release_parents(const char *parent)
{
    struct cg_paths p;
    if (cgroup_paths("x", parent, &p, NULL) < 0)
        return;
    if (p.v2_parent)
        rmdir_if_empty(p.v2_parent);
    for (size_t i = 0; i < p.nv1; i++)
        rmdir_if_empty(p.v1_parent[i]);
    cgroup_paths_free(&p);
}

int cgroup_update(const struct cg_paths *p, const struct rt_limits *l, struct md_error *err)
{
    return limits_backend()->set_resources(p, l, err);
}

int cgroup_freeze(const struct cg_paths *p, bool freeze, struct md_error *err)
{
    return freeze_backend(p)->freeze(p, freeze, err);
}

int cgroup_stats(const struct cg_paths *p, struct rt_stats *out, struct md_error *err)
{
    memset(out, 0, sizeof *out);
    return limits_backend()->stats(p, out, err);
}

char **cgroup_join_dirs(const struct cg_paths *p)
{
    char **v = NULL;
    for (size_t i = 0; i < p->nv1; i++)
        strv_push(&v, p->v1[i]);
    if (p->v2)
        strv_push(&v, p->v2);
    return v;
}

char **cgroup_v1_mounts(const struct cg_paths *p)
{
    char **v = NULL;
    for (size_t i = 0; i < p->nv1; i++)
        if (p->v1_ctrls[i] && !strchr(p->v1_ctrls[i], '='))
            strv_push(&v, p->v1_ctrls[i]);
    return v;
}

char *cgroup_oom_file(const struct cg_paths *p)
{
    return limits_backend()->oom_file(p);
}
