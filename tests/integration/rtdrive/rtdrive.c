/* rtdrive: a test-only front end to daemon/runtime/runtime.h, so the
 * integration suite can exercise prepare / attach / release / exit /
 * cleanup against a real rootfs without the HTTP daemon.
 *
 *   rtdrive run     [opts] -- CMD...   prepare, attach, release, pump output, wait, cleanup
 *   rtdrive start   [opts] -- CMD...   prepare + release; prints "PID SHIMPID"; leaves it running
 *   rtdrive prepare [opts] -- CMD...   prepare only; prints "PID SHIMPID"
 *   rtdrive release|attach|wait|reconnect  [opts]
 *   rtdrive kill    [opts] SIG
 *   rtdrive resize  [opts] H W
 *   rtdrive freeze|thaw|stats|cleanup [opts]
 *   rtdrive mode
 *   rtdrive exec       [opts] --eid HEX64 -- CMD...   exec into the running container --id:
 *                      prepare, attach, release, pump, exit code from the status socket,
 *                      cleanup; --tty --stdin --user --cwd --env --privileged are the exec's
 *   rtdrive exec-start [opts] --eid HEX64 -- CMD...   prepare + release; prints "PID SHIMPID"
 *   rtdrive exec-cleanup [opts] --eid HEX64
 *   attach|resize|wait|kill|reconnect with --eid act on that exec's dir
 * opts: --base DIR (required: overlay/, exec/, containers/ go below it)
 *       --id HEX64 --layer DIR (repeat; top-most first) --cgroup-parent P
 *       --shim PATH --cgroup-root DIR
 *       --tty --stdin --stdin-once --init --hostname H --user U --cwd D
 *       --env K=V --bind SRC:DST[:ro] --netns P|host --memory N --memory-swap N
 *       --cpus-nano N --shares N --pids N --raw FILE (copy of the attach stream)
 *       --read-only --privileged --cap-add C --cap-drop C --no-new-privs
 * Demultiplexed stdout/stderr frames go to our stdout/stderr; "run" and
 * "wait" print "exit code=N oom_killed=0|1" on stderr and exit with N. */
#include "daemon/runtime/runtime.h"
#include "common/cleanup.h"
#include "common/stream.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static struct rt_plan plan;
static char *base, *shim, *cgroup_root = "/sys/fs/cgroup", *raw_path, *eid;
static bool env_given;
static struct md_error err;

/* like docker run: 125 when the start fails, the container's code after */
__attribute__((noreturn)) static void die(const char *what)
{
    fprintf(stderr, "rtdrive: %s: %s (errno %d)\n", what, md_err_msg(&err), err.err);
    exit(125);
}

static void add_bind(const char *spec)
{
    char *s = xstrdup(spec);
    char *c1 = strchr(s, ':');
    if (!c1) {
        fprintf(stderr, "bad --bind %s\n", spec);
        exit(2);
    }
    *c1++ = 0;
    char *c2 = strchr(c1, ':');
    bool ro = false;
    if (c2) {
        *c2++ = 0;
        ro = !strcmp(c2, "ro");
    }
    plan.mounts = xrealloc(plan.mounts, (plan.nmounts + 1) * sizeof *plan.mounts);
    plan.mounts[plan.nmounts++] = (struct rt_mount){.source = xstrdup(s), .dest = xstrdup(c1), .readonly = ro};
    free(s);
}

static void parse(int argc, char **argv)
{
    enum {
        O_BASE = 256,
        O_ID,
        O_LAYER,
        O_CGP,
        O_SHIM,
        O_CGROOT,
        O_TTY,
        O_STDIN,
        O_ONCE,
        O_INIT,
        O_HOST,
        O_USER,
        O_CWD,
        O_ENV,
        O_BIND,
        O_NETNS,
        O_MEM,
        O_SWAP,
        O_CPUS,
        O_SHARES,
        O_PIDS,
        O_RAW,
        O_RO,
        O_PRIV,
        O_CAPADD,
        O_CAPDROP,
        O_NNP,
        O_EID
    };
    static const struct option opts[] = {
        {"base", 1, 0, O_BASE},
        {"id", 1, 0, O_ID},
        {"layer", 1, 0, O_LAYER},
        {"cgroup-parent", 1, 0, O_CGP},
        {"shim", 1, 0, O_SHIM},
        {"cgroup-root", 1, 0, O_CGROOT},
        {"tty", 0, 0, O_TTY},
        {"stdin", 0, 0, O_STDIN},
        {"stdin-once", 0, 0, O_ONCE},
        {"init", 0, 0, O_INIT},
        {"hostname", 1, 0, O_HOST},
        {"user", 1, 0, O_USER},
        {"cwd", 1, 0, O_CWD},
        {"env", 1, 0, O_ENV},
        {"bind", 1, 0, O_BIND},
        {"netns", 1, 0, O_NETNS},
        {"memory", 1, 0, O_MEM},
        {"memory-swap", 1, 0, O_SWAP},
        {"cpus-nano", 1, 0, O_CPUS},
        {"shares", 1, 0, O_SHARES},
        {"pids", 1, 0, O_PIDS},
        {"raw", 1, 0, O_RAW},
        {"read-only", 0, 0, O_RO},
        {"privileged", 0, 0, O_PRIV},
        {"cap-add", 1, 0, O_CAPADD},
        {"cap-drop", 1, 0, O_CAPDROP},
        {"no-new-privs", 0, 0, O_NNP},
        {"eid", 1, 0, O_EID},
        {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case O_BASE:
            base = optarg;
            break;
        case O_ID:
            snprintf(plan.id, sizeof plan.id, "%s", optarg);
            break;
        case O_LAYER:
            strv_push(&plan.layers, optarg);
            break;
        case O_CGP:
            plan.cgroup_parent = xstrdup(optarg);
            break;
        case O_SHIM:
            shim = optarg;
            break;
        case O_CGROOT:
            cgroup_root = optarg;
            break;
        case O_TTY:
            plan.tty = true;
            break;
        case O_STDIN:
            plan.open_stdin = true;
            break;
        case O_ONCE:
            plan.stdin_once = true;
            break;
        case O_INIT:
            plan.init = true;
            break;
        case O_HOST:
            plan.hostname = xstrdup(optarg);
            break;
        case O_USER:
            plan.user = xstrdup(optarg);
            break;
        case O_CWD:
            plan.cwd = xstrdup(optarg);
            break;
        case O_ENV:
            strv_push(&plan.env, optarg);
            env_given = true;
            break;
        case O_BIND:
            add_bind(optarg);
            break;
        case O_NETNS:
            plan.netns_path = xstrdup(optarg);
            break;
        case O_MEM:
            plan.limits.memory = strtoll(optarg, NULL, 10);
            break;
        case O_SWAP:
            plan.limits.memory_swap = strtoll(optarg, NULL, 10);
            break;
        case O_CPUS:
            plan.limits.nano_cpus = strtoll(optarg, NULL, 10);
            break;
        case O_SHARES:
            plan.limits.cpu_shares = strtoll(optarg, NULL, 10);
            break;
        case O_PIDS:
            plan.limits.pids_limit = strtoll(optarg, NULL, 10);
            break;
        case O_RAW:
            raw_path = optarg;
            break;
        case O_RO:
            plan.read_only_rootfs = true;
            break;
        case O_PRIV:
            plan.privileged = true;
            break;
        case O_CAPADD:
            strv_push(&plan.cap_add, optarg);
            break;
        case O_CAPDROP:
            strv_push(&plan.cap_drop, optarg);
            break;
        case O_NNP:
            plan.no_new_privs = true;
            break;
        case O_EID:
            eid = optarg;
            break;
        default:
            exit(2);
        }
    }
    if (!base) {
        fprintf(stderr, "rtdrive: --base is required\n");
        exit(2);
    }
    if (!plan.id[0]) {
        FILE *f = fopen("/dev/urandom", "re");
        unsigned char b[32];
        if (!f || fread(b, 1, 32, f) != 32)
            exit(2);
        fclose(f);
        for (int i = 0; i < 32; i++)
            sprintf(plan.id + 2 * i, "%02x", b[i]);
    }
    plan.rootfs_dir = xasprintf("%s/overlay/%s", base, plan.id);
    plan.exec_dir = xasprintf("%s/exec/%s", base, plan.id);
    plan.etc_dir = xasprintf("%s/containers/%s", base, plan.id);
    plan.log_path = xasprintf("%s/containers/%s/%s-json.log", base, plan.id, plan.id);
    if (!plan.hostname)
        plan.hostname = xstrndup(plan.id, 12);
    if (!plan.env)
        strv_push(&plan.env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (int i = optind; i < argc; i++)
        strv_push(&plan.argv, argv[i]);
}

static void write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void demux_out(void *ctx, int stream, const void *data, size_t len)
{
    (void)ctx;
    write_all(stream == STREAM_STDERR ? 2 : 1, data, len);
}

/* Copy our stdin to the attach socket and its output to stdout/stderr. */
static void pump(int fd)
{
    FILE *raw = raw_path ? fopen(raw_path, "we") : NULL;
    struct stream_demux d;
    stream_demux_init(&d);
    bool in_open = plan.open_stdin;
    for (;;) {
        struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
        int n = poll(p, in_open ? 2 : 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        char buf[32768];
        if (in_open && p[1].revents) {
            ssize_t r = read(0, buf, sizeof buf);
            if (r <= 0) {
                shutdown(fd, SHUT_WR);
                in_open = false;
            } else {
                write_all(fd, buf, (size_t)r);
            }
        }
        if (p[0].revents) {
            ssize_t r = read(fd, buf, sizeof buf);
            if (r <= 0)
                break;
            if (raw)
                fwrite(buf, 1, (size_t)r, raw);
            if (plan.tty)
                write_all(1, buf, (size_t)r);
            else
                stream_demux_feed(&d, buf, (size_t)r, demux_out, NULL);
        }
    }
    if (raw)
        fclose(raw);
}

static int wait_exit(const struct rt_state *st)
{
    int pfd = rt_watch(st, &err);
    if (pfd >= 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, -1) < 0 && errno == EINTR)
            ;
        close(pfd);
    }
    struct rt_exit ex;
    if (rt_read_exit(plan.exec_dir, &ex, &err) < 0)
        die("read exit");
    fprintf(stderr, "exit code=%d oom_killed=%d\n", ex.code, ex.oom_killed);
    return ex.code;
}

static char *exec_dir_of(const char *id)
{
    return xasprintf("%s/exec/%s/exec/%s", base, plan.id, id);
}

/* The exec plan from the same flags: --tty --stdin --user --cwd --env
 * --privileged describe the exec, not the container. */
static void exec_plan(struct rt_exec_plan *x)
{
    memset(x, 0, sizeof *x);
    snprintf(x->id, sizeof x->id, "%s", eid ? eid : "");
    x->ctr_exec_dir = xstrdup(plan.exec_dir);
    x->exec_dir = exec_dir_of(x->id);
    x->argv = strv_dup(plan.argv);
    x->env = env_given ? strv_dup(plan.env) : NULL;
    x->user = plan.user ? xstrdup(plan.user) : NULL;
    x->cwd = plan.cwd ? xstrdup(plan.cwd) : NULL;
    x->tty = plan.tty;
    x->open_stdin = plan.open_stdin;
    x->privileged = plan.privileged;
    x->console_h = 24;
    x->console_w = 80;
}

static int exec_status(int fd)
{
    int code = -1;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno == EINTR)
            continue;
        int r = rt_exec_read_status(fd, &code);
        if (r == 1)
            break;
        if (r == 0 || errno != EAGAIN) {
            fprintf(stderr, "rtdrive: exec status: %s\n", r == 0 ? "EOF" : strerror(errno));
            return 255;
        }
    }
    fprintf(stderr, "exit code=%d\n", code);
    return code;
}

static int do_exec(bool start_only)
{
    struct rt_exec_plan x;
    exec_plan(&x);
    struct rt_state st;
    int sfd = rt_exec_prepare(&x, &st, &err);
    if (sfd < 0)
        die("exec prepare");
    if (start_only) {
        if (rt_exec_release(x.exec_dir, &err) < 0)
            die("exec release");
        printf("%d %d\n", (int)st.pid, (int)st.shim_pid);
        return 0;
    }
    int fd = rt_attach_connect(x.exec_dir, x.open_stdin, true, true, &err);
    if (fd < 0)
        die("exec attach");
    if (rt_exec_release(x.exec_dir, &err) < 0)
        fprintf(stderr, "rtdrive: exec release: %s (errno %d)\n", md_err_msg(&err), err.err);
    pump(fd);
    close(fd);
    int code = exec_status(sfd);
    close(sfd);
    if (rt_exec_cleanup(x.exec_dir, 3000, &err) < 0)
        die("exec cleanup");
    struct stat sb;
    if (stat(x.exec_dir, &sb) == 0)
        fprintf(stderr, "rtdrive: %s still exists\n", x.exec_dir);
    return code;
}

static void cleanup(void)
{
    if (rt_cleanup(plan.id, plan.rootfs_dir, plan.exec_dir, plan.cgroup_parent, &err) < 0)
        die("cleanup");
    /* each rtdrive call is a daemon's whole life: the parent goes when empty */
    rt_shutdown(plan.cgroup_parent);
}

static void prepare(struct rt_state *st)
{
    _cleanup_free_ char *etc = xstrdup(plan.etc_dir);
    char cmd[PATH_MAX * 2];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && echo '%s' > '%s/hostname'", etc, plan.hostname,
             etc);
    if (system(cmd) != 0)
        exit(2);
    if (rt_prepare(&plan, st, NULL, &err) < 0)
        die("prepare");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: see the comment at the top of rtdrive.c\n");
        return 2;
    }
    const char *verb = argv[1];
    signal(SIGPIPE, SIG_IGN);
    parse(argc - 1, argv + 1);
    if (!shim) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n < 0)
            return 2;
        self[n] = 0;
        *strrchr(self, '/') = 0;
        shim = xasprintf("%s/minidock-shim", self);
    }
    if (rt_init(cgroup_root, shim, &err) < 0)
        die("init");
    struct rt_state st;
    if (!strcmp(verb, "mode")) {
        printf("%s %s\n", rt_cgroup_mode(), rt_cgroup_version());
        return 0;
    }
    if (!strcmp(verb, "exec") || !strcmp(verb, "exec-start"))
        return do_exec(!strcmp(verb, "exec-start"));
    if (!strcmp(verb, "exec-cleanup")) {
        _cleanup_free_ char *d = exec_dir_of(eid ? eid : "");
        if (rt_exec_cleanup(d, 3000, &err) < 0)
            die("exec cleanup");
        return 0;
    }
    if (eid) {
        free(plan.exec_dir);
        plan.exec_dir = exec_dir_of(eid);
    }
    if (!strcmp(verb, "run")) {
        prepare(&st);
        int fd = rt_attach_connect(plan.exec_dir, plan.open_stdin, true, true, &err);
        if (fd < 0)
            die("attach");
        if (rt_release(plan.exec_dir, &err) < 0) {
            fprintf(stderr, "rtdrive: release: %s (errno %d)\n", md_err_msg(&err), err.err);
            close(fd);
            int code = wait_exit(&st);
            cleanup();
            return code;
        }
        pump(fd);
        close(fd);
        int code = wait_exit(&st);
        cleanup();
        return code;
    }
    if (!strcmp(verb, "prepare") || !strcmp(verb, "start")) {
        prepare(&st);
        if (!strcmp(verb, "start") && rt_release(plan.exec_dir, &err) < 0)
            die("release");
        printf("%d %d\n", (int)st.pid, (int)st.shim_pid);
        return 0;
    }
    if (!strcmp(verb, "release")) {
        if (rt_release(plan.exec_dir, &err) < 0)
            die("release");
        return 0;
    }
    if (!strcmp(verb, "attach")) {
        int fd = rt_attach_connect(plan.exec_dir, plan.open_stdin, true, true, &err);
        if (fd < 0)
            die("attach");
        pump(fd);
        return 0;
    }
    if (!strcmp(verb, "reconnect")) {
        if (rt_reconnect(plan.exec_dir, &st, &err) < 0)
            die("reconnect");
        printf("%d %d\n", (int)st.pid, (int)st.shim_pid);
        return 0;
    }
    if (!strcmp(verb, "wait")) {
        if (rt_reconnect(plan.exec_dir, &st, &err) < 0 && err.err != MD_ENOTFOUND)
            die("reconnect");
        return wait_exit(&st);
    }
    if (!strcmp(verb, "kill")) {
        if (!plan.argv)
            return 2;
        if (rt_reconnect(plan.exec_dir, &st, &err) < 0)
            die("reconnect");
        if (rt_kill(&st, atoi(plan.argv[0]), &err) < 0)
            die("kill");
        return 0;
    }
    if (!strcmp(verb, "resize")) {
        if (strv_len(plan.argv) != 2)
            return 2;
        if (rt_resize(plan.exec_dir, (uint16_t)atoi(plan.argv[0]), (uint16_t)atoi(plan.argv[1]),
                      &err) < 0)
            die("resize");
        return 0;
    }
    if (!strcmp(verb, "freeze") || !strcmp(verb, "thaw")) {
        if (rt_freeze(plan.id, plan.cgroup_parent, !strcmp(verb, "freeze"), &err) < 0)
            die(verb);
        return 0;
    }
    if (!strcmp(verb, "stats")) {
        struct rt_stats s;
        if (rt_stats(plan.id, plan.cgroup_parent, &s, &err) < 0)
            die("stats");
        printf("mem_usage %llu\nmem_limit %llu\ncpu_usage_ns %llu\npids_current %llu\n"
               "pids_limit %llu\n",
               (unsigned long long)s.mem_usage, (unsigned long long)s.mem_limit,
               (unsigned long long)s.cpu_usage_ns, (unsigned long long)s.pids_current,
               (unsigned long long)s.pids_limit);
        return 0;
    }
    if (!strcmp(verb, "cleanup")) {
        cleanup();
        return 0;
    }
    fprintf(stderr, "rtdrive: unknown verb %s\n", verb);
    return 2;
}
