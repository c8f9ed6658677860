/* minidockd: flags, host checks, the data-root lock, the API socket, and
 * signals. Containers are not children of the daemon: stopping or killing it
 * leaves them running (live restore). */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/daemon.h"
#include "daemon/image/registry.h"
#include "daemon/idle.h"
#include "daemon/image/image.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/lifecycle.h"
#include "daemon/volume/volume.h"

#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

static void usage(FILE *f)
{
    fprintf(f, "Usage: minidockd [OPTIONS]\n\n"
               "A container engine for one Linux host, serving the Docker Engine API.\n\n"
               "Options:\n"
               "      --socket PATH         API socket (default /run/minidock.sock)\n"
               "      --data-root DIR       persistent state (default /var/lib/minidock)\n"
               "      --exec-root DIR       runtime state (default /run/minidock)\n"
               "      --group NAME          group owning the socket (default minidock)\n"
               "      --log-level LEVEL     error, warn, info, debug (default info)\n"
               "      --pidfile PATH        write the daemon's pid here\n"
               "      --cgroup-parent NAME  parent cgroup of containers (default minidock)\n"
               "      --bridge NAME         default bridge (default minidock0)\n"
               "      --bip CIDR            bridge address (default 172.17.0.1/16)\n"
               "      --nft-table NAME      nftables table (default minidock)\n"
               "      --shim PATH           minidock-shim binary\n"
               "      --insecure-registry R plain HTTP to R (host:port, CIDR), repeatable\n"
               "      --registry-certs DIR  registries' CAs and client certificates, as\n"
               "                            DIR/HOST:PORT/{ca.crt,client.cert,client.key}\n"
               "                            (default /etc/minidock/certs.d)\n"
               "      --api-coverage        print what minidock does with each request field\n"
               "                            (docs/api-coverage.md) and exit\n"
               "  -v, --version             print the version and exit\n"
               "  -h, --help                print this help\n");
}

/* One daemon per data root: an flock held for the daemon's lifetime. */
static int lock_data_root(struct md_error *err)
{
    _cleanup_free_ char *path = md_data_path("minidockd.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return md_errno(err, errno, "open lock file %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        close(fd);
        return md_err(err, MD_ECONFLICT,
                      "data root %s is in use by another minidockd (pid %s); "
                      "stop it or choose another --data-root",
                      md_cfg.data_root, *buf ? buf : "unknown");
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%d\n", getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        log_warn("write pid to %s: %s", path, strerror(errno));
    return fd; /* kept open: the lock lives as long as the process */
}

/* A socket file nobody answers on is a leftover of a crashed daemon. */
static int open_socket(struct md_error *err)
{
    /* As dockerd with its "docker" group: the default group may be absent
     * (the socket stays root-only, with a warning); one named by --group
     * must exist: checked before anything is touched. */
    struct group *g = getgrnam(md_cfg.group);
    if (!g && strcmp(md_cfg.group, "minidock") != 0)
        return md_err(err, MD_EINVAL, "group %s not found", md_cfg.group);
    if (!g)
        log_warn("could not change group %s to minidock: group minidock not found",
                 md_cfg.socket_path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(md_cfg.socket_path) >= sizeof sa.sun_path)
        return md_err(err, MD_EINVAL, "socket path %s is too long", md_cfg.socket_path);
    strcpy(sa.sun_path, md_cfg.socket_path);

    struct stat stt;
    if (lstat(md_cfg.socket_path, &stt) == 0) {
        if (!S_ISSOCK(stt.st_mode))
            return md_err(err, MD_EINVAL, "%s exists and is not a socket", md_cfg.socket_path);
        _cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0)
            return md_err(err, MD_ECONFLICT, "socket %s is in use by a running daemon",
                          md_cfg.socket_path);
        log_info("removing stale socket %s", md_cfg.socket_path);
        unlink(md_cfg.socket_path);
    }
    _cleanup_free_ char *dir = xstrdup(md_cfg.socket_path);
    if (fs_mkdir_p(dirname(dir), 0755, err) < 0)
        return md_err_wrap(err, "create the socket's directory");

    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return md_errno(err, errno, "socket");
    mode_t old = umask(0117);
    int r = bind(fd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (r < 0)
        return md_errno(err, errno, "bind %s", md_cfg.socket_path);
    if (listen(fd, 128) < 0)
        return md_errno(err, errno, "listen on %s", md_cfg.socket_path);
    chmod(md_cfg.socket_path, 0660);
    if (g && chown(md_cfg.socket_path, 0, g->gr_gid) < 0)
        log_warn("chown %s to group %s: %s", md_cfg.socket_path, md_cfg.group, strerror(errno));
    return steal_fd(&fd);
}

static void load_engine_id(void)
{
    _cleanup_free_ char *path = md_data_path("engine-id");
    char buf[80] = "";
    _cleanup_fclose_ FILE *f = fopen(path, "r");
    if (f && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        md_cfg.engine_id = xstrdup(buf);
        return;
    }
    /* docker prints a UUID here; any stable unique string serves */
    unsigned char rnd[16];
    _cleanup_close_ int ufd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (ufd < 0 || read(ufd, rnd, sizeof rnd) != (ssize_t)sizeof rnd)
        memset(rnd, 0, sizeof rnd);
    md_cfg.engine_id =
        xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", rnd[0],
                  rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], rnd[8], rnd[9], rnd[10],
                  rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
    _cleanup_fclose_ FILE *w = fopen(path, "w");
    if (w)
        fprintf(w, "%s\n", md_cfg.engine_id);
}

static char *default_shim_path(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *dir = dirname(exe);
        _cleanup_free_ char *beside = xasprintf("%s/minidock-shim", dir);
        if (access(beside, X_OK) == 0)
            return steal_ptr(&beside);
        _cleanup_free_ char *libexec = xasprintf("%s/../libexec/minidock/minidock-shim", dir);
        if (access(libexec, X_OK) == 0)
            return realpath(libexec, NULL);
    }
    return xstrdup("minidock-shim");
}

static int parse_flags(int argc, char **argv)
{
    enum {
        O_SOCKET = 256,
        O_DATA,
        O_EXEC,
        O_GROUP,
        O_LOG,
        O_PID,
        O_CG,
        O_BRIDGE,
        O_BIP,
        O_NFT,
        O_SHIM,
        O_INSECURE,
        O_CERTS,
        O_COVERAGE
    };
    static const struct option opts[] = {
        {"socket", required_argument, 0, O_SOCKET},
        {"data-root", required_argument, 0, O_DATA},
        {"exec-root", required_argument, 0, O_EXEC},
        {"group", required_argument, 0, O_GROUP},
        {"log-level", required_argument, 0, O_LOG},
        {"pidfile", required_argument, 0, O_PID},
        {"cgroup-parent", required_argument, 0, O_CG},
        {"bridge", required_argument, 0, O_BRIDGE},
        {"bip", required_argument, 0, O_BIP},
        {"nft-table", required_argument, 0, O_NFT},
        {"shim", required_argument, 0, O_SHIM},
        {"insecure-registry", required_argument, 0, O_INSECURE},
        {"registry-certs", required_argument, 0, O_CERTS},
        {"api-coverage", no_argument, 0, O_COVERAGE},
        {"version", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    md_cfg = (struct md_config){
        .socket_path = "/run/minidock.sock",
        .data_root = "/var/lib/minidock",
        .exec_root = "/run/minidock",
        .group = "minidock",
        .cgroup_parent = "minidock",
        .bridge = "minidock0",
        .bip = "172.17.0.1/16",
        .nft_table = "minidock",
    };
    int c;
    enum log_level lvl;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case O_SOCKET:
            md_cfg.socket_path = optarg;
            break;
        case O_DATA:
            md_cfg.data_root = optarg;
            break;
        case O_EXEC:
            md_cfg.exec_root = optarg;
            break;
        case O_GROUP:
            md_cfg.group = optarg;
            break;
        case O_PID:
            md_cfg.pidfile = optarg;
            break;
        case O_CG:
            md_cfg.cgroup_parent = optarg;
            break;
        case O_BRIDGE:
            md_cfg.bridge = optarg;
            break;
        case O_BIP:
            md_cfg.bip = optarg;
            break;
        case O_NFT:
            md_cfg.nft_table = optarg;
            break;
        case O_SHIM:
            md_cfg.shim_path = optarg;
            break;
        case O_INSECURE:
            strv_push(&md_cfg.insecure_registries, optarg);
            break;
        case O_CERTS:
            md_cfg.registry_certs = optarg;
            break;
        case O_LOG:
            if (log_parse_level(optarg, &lvl) < 0) {
                fprintf(stderr, "minidockd: invalid --log-level %s (error, warn, info, debug)\n",
                        optarg);
                return 2;
            }
            log_set_level(lvl);
            break;
        case O_COVERAGE: {
            _cleanup_free_ char *doc = schema_coverage_markdown();
            fputs(doc, stdout);
            return 0;
        }
        case 'v':
            printf("minidockd version %s\n", MD_VERSION);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "minidockd: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    /* one arena per request thread would keep megabytes per thread ever
     * used; two are enough for a daemon that mostly waits */
    mallopt(M_ARENA_MAX, 2);
    /* Replies of a few hundred KB (ps -a of 1,000 containers) would each be
     * mmap'ed and unmapped, page-faulting their way in every time: keep
     * them in the heap, and keep up to 4 MB of it between requests. */
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 4 << 20);
    int rc = parse_flags(argc, argv);
    if (rc >= 0)
        return rc;
    if (geteuid() != 0) {
        fprintf(stderr, "minidockd: must run as root (containers need namespaces, mounts and "
                        "cgroups)\n");
        return 1;
    }
    struct md_error err = {0};
    if (fs_mkdir_p_at(AT_FDCWD, md_cfg.data_root, 0711, 0755, &err) < 0 ||
        fs_mkdir_p_at(AT_FDCWD, md_cfg.exec_root, 0711, 0755, &err) < 0) {
        fprintf(stderr, "minidockd: create the data and exec roots: %s\n", md_err_msg(&err));
        return 1;
    }
    /* Relative paths would change meaning for the shim and the mount table. */
    md_cfg.data_root = realpath(md_cfg.data_root, NULL);
    md_cfg.exec_root = realpath(md_cfg.exec_root, NULL);
    if (!md_cfg.data_root || !md_cfg.exec_root) {
        fprintf(stderr, "minidockd: resolve the data and exec roots: %s\n", strerror(errno));
        return 1;
    }
    if (!md_cfg.shim_path)
        md_cfg.shim_path = default_shim_path();

    /* Signals are taken synchronously by main; every other thread blocks them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lock_fd = lock_data_root(&err);
    if (lock_fd < 0) {
        fprintf(stderr, "minidockd: %s\n", md_err_msg(&err));
        return 1;
    }
    int lfd = open_socket(&err);
    if (lfd < 0) {
        fprintf(stderr, "minidockd: %s\n", md_err_msg(&err));
        return 1;
    }
    load_engine_id();
    _cleanup_free_ char *filters = md_exec_path("seccomp");
    if (rt_seccomp_cache(filters, &err) < 0) {
        log_warn("%s (every container compiles its own filter)", md_err_msg(&err));
        md_err_clear(&err);
    }
    /* Order matters: the image store before the containers (restart
     * policies start containers while the records load). */
    registry_configure(md_cfg.insecure_registries, md_cfg.registry_certs);
    if (image_store_init(&err) < 0 || vol_init(&err) < 0 ||
        rt_init("/sys/fs/cgroup", md_cfg.shim_path, &err) < 0 || lifecycle_init(&err) < 0) {
        fprintf(stderr, "minidockd: %s\n", md_err_msg(&err));
        unlink(md_cfg.socket_path);
        return 1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    md_cfg.started_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;

    if (api_server_start(lfd, &err) < 0) {
        fprintf(stderr, "minidockd: %s\n", md_err_msg(&err));
        unlink(md_cfg.socket_path);
        return 1;
    }
    if (md_cfg.pidfile) {
        _cleanup_fclose_ FILE *pf = fopen(md_cfg.pidfile, "w");
        if (pf)
            fprintf(pf, "%d\n", getpid());
        else
            log_warn("write pidfile %s: %s", md_cfg.pidfile, strerror(errno));
    }
    idle_start();
    log_info("minidockd %s listening on %s (data-root %s, exec-root %s)", MD_VERSION,
             md_cfg.socket_path, md_cfg.data_root, md_cfg.exec_root);

    int sig = 0;
    do {
        sigwait(&set, &sig);
    } while (sig == SIGHUP);
    log_info("received %s, shutting down (containers keep running)", strsignal(sig));
    api_server_stop();
    lifecycle_shutdown();
    rt_shutdown(md_cfg.cgroup_parent);
    unlink(md_cfg.socket_path);
    if (md_cfg.pidfile)
        unlink(md_cfg.pidfile);
    close(lock_fd);
    log_info("stopped");
    return 0;
}
