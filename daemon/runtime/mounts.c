/* Filesystem view of a container: overlay options, in-child mounts. */
#include "daemon/runtime/mounts.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

char *mnt_overlay_options(char *const *layers, const char *upper, const char *work, bool index_off,
                          bool volatile_upper)
{
    size_t n = 64 + strlen(upper) + strlen(work);
    for (char *const *l = layers; *l; l++)
        n += strlen(*l) + 1;
    char *o = xmalloc(n), *p = o;
    p += sprintf(p, "lowerdir=");
    for (char *const *l = layers; *l; l++)
        p += sprintf(p, "%s%s", l == layers ? "" : ":", *l);
    p += sprintf(p, ",upperdir=%s,workdir=%s%s%s", upper, work, index_off ? ",index=off" : "",
                 volatile_upper ? ",volatile" : "");
    /* mount(2) copies one page of data, NUL included */
    if ((size_t)(p - o) >= 4096) {
        free(o);
        return NULL;
    }
    return o;
}

static int openat2_in(int rootfd, const char *path, int flags)
{
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int fd;
    do
        fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

int mnt_open_in_root(int rootfd, const char *path, bool dir, bool create, struct md_error *err)
{
    while (*path == '/')
        path++;
    if (!*path)
        return openat2_in(rootfd, ".", O_PATH | O_DIRECTORY);
    int fd = openat2_in(rootfd, path, O_PATH);
    if (fd >= 0 || errno != ENOENT || !create) {
        if (fd < 0)
            return md_errno(err, errno, "open /%s in the container", path);
        return fd;
    }
    /* create component by component, each step resolved inside root again */
    _cleanup_free_ char *p = xstrdup(path);
    size_t len = strlen(p);
    while (len && p[len - 1] == '/')
        p[--len] = 0;
    for (char *s = p;; s++) {
        if (*s != '/' && *s)
            continue;
        bool last = *s == 0;
        *s = 0;
        _cleanup_close_ int cur = openat2_in(rootfd, p, O_PATH);
        if (cur < 0 && errno == ENOENT) {
            char *slash = strrchr(p, '/');
            _cleanup_close_ int parent =
                slash ? (*slash = 0, openat2_in(rootfd, p, O_PATH | O_DIRECTORY))
                      : openat2_in(rootfd, ".", O_PATH | O_DIRECTORY);
            if (slash)
                *slash = '/';
            if (parent < 0)
                return md_errno(err, errno, "open parent of /%s in the container", p);
            const char *name = slash ? slash + 1 : p;
            if (!last || dir) {
                if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
                    return md_errno(err, errno, "mkdir /%s in the container", p);
            } else {
                int f = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
                               0644);
                if (f < 0 && errno != EEXIST)
                    return md_errno(err, errno, "create /%s in the container", p);
                if (f >= 0)
                    close(f);
            }
        } else if (cur < 0) {
            return md_errno(err, errno, "open /%s in the container", p);
        }
        if (last)
            break;
        *s = '/';
    }
    fd = openat2_in(rootfd, path, O_PATH);
    if (fd < 0)
        return md_errno(err, errno, "open /%s in the container", path);
    return fd;
}

static char *fdpath(int fd)
{
    return xasprintf("/proc/self/fd/%d", fd);
}

/* Mount onto a path inside the rootfs. */
static int mount_in(int rootfd, const char *src, const char *target, const char *type,
                    unsigned long flags, const char *data, bool dir, struct md_error *err)
{
    _cleanup_close_ int fd = mnt_open_in_root(rootfd, target, dir, true, err);
    if (fd < 0)
        return -1;
    _cleanup_free_ char *p = fdpath(fd);
    if (mount(src, p, type, flags, data) < 0)
        return md_errno(err, errno, "mount %s on %s", type ? type : src, target);
    return 0;
}

/* Read-only for a bind mount keeps the flags the kernel locks (nosuid,
 * nodev, noexec of the source), else the remount fails with EPERM. */
static int remount_ro(const char *p, const char *what, struct md_error *err)
{
    struct statvfs sv;
    unsigned long keep = 0;
    if (statvfs(p, &sv) == 0) {
        if (sv.f_flag & ST_NOSUID)
            keep |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
            keep |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
            keep |= MS_NOEXEC;
    }
    if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | keep, NULL) < 0)
        return md_errno(err, errno, "remount %s read-only", what);
    return 0;
}

/* Read-only: recursively where the kernel has mount_setattr (5.12), so
 * submounts of a read-only bind are read-only too; docker's
 * ReadOnlyNonRecursive asks for the top mount alone, ReadOnlyForceRecursive
 * for the recursive form or nothing. */
static int make_ro(int fd, enum rt_ro_mode mode, const char *what, struct md_error *err)
{
    if (mode != RT_RO_NONRECURSIVE) {
#ifdef SYS_mount_setattr
        struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
        if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a) == 0)
            return 0;
        if (errno != ENOSYS || mode == RT_RO_FORCE_RECURSIVE)
            return md_errno(err, errno, "make %s recursively read-only", what);
#else
        if (mode == RT_RO_FORCE_RECURSIVE)
            return md_errno(err, ENOSYS, "make %s recursively read-only", what);
#endif
    }
    _cleanup_free_ char *p = fdpath(fd);
    return remount_ro(p, what, err);
}

static int bind_in(int rootfd, const struct rt_mount *m, struct md_error *err)
{
    struct stat st;
    if (stat(m->source, &st) < 0)
        return md_errno(err, errno, "bind source %s", m->source);
    bool dir = S_ISDIR(st.st_mode);
    unsigned long rec = m->nonrecursive ? 0 : MS_REC;
    if (mount_in(rootfd, m->source, m->dest, NULL, MS_BIND | rec, NULL, dir, err) < 0)
        return -1;
    if (!m->readonly && !m->propagation)
        return 0;
    /* reopen: the fd must name the new mount, not the dir below it */
    _cleanup_close_ int fd = mnt_open_in_root(rootfd, m->dest, dir, false, err);
    if (fd < 0)
        return -1;
    if (m->propagation) {
        _cleanup_free_ char *p = fdpath(fd);
        if (mount(NULL, p, NULL, m->propagation, NULL) < 0)
            return md_errno(err, errno, "set the propagation of %s", m->dest);
    }
    return m->readonly ? make_ro(fd, m->ro_mode, m->dest, err) : 0;
}

static int tmpfs_in(int rootfd, const struct rt_mount *m, struct md_error *err)
{
    /* a new tmpfs has no peers: rprivate, whatever the options said */
    return mount_in(rootfd, "tmpfs", m->dest, "tmpfs", m->flags, m->data, true, err);
}

static size_t depth(const char *path)
{
    size_t n = 0;
    for (const char *c = path; *c; c++)
        n += *c == '/' && c[1] && c[1] != '/';
    return n;
}

/* The user's mounts, parents before children (docker sorts them so: a
 * tmpfs on /x must not hide a bind on /x/y); equal depths keep their order. */
static int user_mounts(const struct rt_plan *p, int rootfd, struct md_error *err)
{
    size_t maxd = 0;
    for (size_t i = 0; i < p->nmounts; i++)
        if (depth(p->mounts[i].dest) > maxd)
            maxd = depth(p->mounts[i].dest);
    for (size_t d = 0; d <= maxd; d++)
        for (size_t i = 0; i < p->nmounts; i++) {
            const struct rt_mount *m = &p->mounts[i];
            if (depth(m->dest) != d)
                continue;
            int r = m->kind == RT_MOUNT_TMPFS ? tmpfs_in(rootfd, m, err) : bind_in(rootfd, m, err);
            if (r < 0)
                return -1;
        }
    return 0;
}

struct devnode {
    const char *name;
    unsigned maj, min;
};
static const struct devnode devnodes[] = {
    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/* /dev/shm as IpcMode says: a tmpfs of its own (ShmSize), the host's
 * (host), none, or the /dev/shm of the container whose IPC namespace we
 * joined. That one lives in the donor's mount namespace, where bind mounts
 * cannot reach: clone it there (open_tree) and attach the copy here. */
static int setup_shm(const struct rt_plan *p, int rootfd, struct md_error *err)
{
    if (!p->shm_from) {
        /* bytes, as docker passes ShmSize; 0 would be an unlimited tmpfs */
        long long size = p->shm_size > 0 ? (long long)p->shm_size : 64LL << 20;
        _cleanup_free_ char *opts = xasprintf("mode=1777,size=%lld", size);
        return mount_in(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts,
                        true, err);
    }
    if (!strcmp(p->shm_from, "none"))
        return 0;
    if (!strcmp(p->shm_from, "host")) {
        char shm[] = "/dev/shm";
        struct rt_mount m = {.source = shm, .dest = shm};
        return bind_in(rootfd, &m, err);
    }
    /* shm_from is the donor's /proc/PID/ns/mnt; its root is /proc/PID/root */
    size_t n = strlen(p->shm_from);
    if (n < 7 || strcmp(p->shm_from + n - 7, "/ns/mnt"))
        return md_err(err, MD_EINVAL, "invalid IPC donor %s", p->shm_from);
    _cleanup_free_ char *root_path = xasprintf("%.*s/root", (int)(n - 7), p->shm_from);
    _cleanup_close_ int mine = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int donor = open(p->shm_from, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int droot = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    /* setns to a mount namespace also moves root and cwd to its first root:
     * ours are put back after (a chrooted daemon's root is not that) */
    _cleanup_close_ int myroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int mycwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (mine < 0 || donor < 0 || droot < 0 || myroot < 0 || mycwd < 0)
        return md_errno(err, errno, "open the mount namespace %s", p->shm_from);
    /* open_tree clones only mounts of our own namespace: join the donor's
     * for the clone. Its /dev/shm is looked up from the donor's root
     * directory, not from "/" (after setns, "/" is that namespace's first
     * root, which is the host's when the daemon runs in a chroot) */
    if (setns(donor, CLONE_NEWNS) < 0)
        return md_errno(err, errno, "join the mount namespace %s", p->shm_from);
    int tree = (int)syscall(SYS_open_tree, droot, "dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int saved = errno;
    if (setns(mine, CLONE_NEWNS) < 0 || fchdir(myroot) < 0 || chroot(".") < 0 ||
        fchdir(mycwd) < 0) {
        if (tree >= 0)
            close(tree);
        return md_errno(err, errno, "return to our mount namespace");
    }
    if (tree < 0)
        return md_errno(err, saved, "clone /dev/shm of the IPC namespace's container");
    _cleanup_close_ int t = tree;
    _cleanup_close_ int dst = mnt_open_in_root(rootfd, "/dev/shm", true, true, err);
    if (dst < 0)
        return -1;
    if (syscall(SYS_move_mount, t, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
        0)
        return md_errno(err, errno, "mount the shared /dev/shm");
    return 0;
}

/* --device: a node of the host device's type and numbers, its mode and
 * owner (as runc makes them); one already there (from the image) is
 * replaced. */
static int setup_devices(const struct rt_plan *p, int rootfd, struct md_error *err)
{
    for (size_t i = 0; i < p->ndevices; i++) {
        const struct rt_device *d = &p->devices[i];
        struct stat st;
        if (stat(d->source, &st) < 0)
            return md_errno(err, errno,
                            "error gathering device information while adding custom device \"%s\"",
                            d->source);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
            return md_err(err, MD_EINVAL, "%s is not a device node", d->source);
        _cleanup_free_ char *dir = xstrdup(d->dest);
        char *slash = strrchr(dir, '/');
        const char *name = slash + 1;
        *slash = 0;
        _cleanup_close_ int parent = mnt_open_in_root(rootfd, *dir ? dir : "/", true, true, err);
        if (parent < 0)
            return -1;
        if (!*name)
            return md_err(err, MD_EINVAL, "invalid device path %s", d->dest);
        mode_t mode = (st.st_mode & S_IFMT) | (st.st_mode & 07777);
        if (mknodat(parent, name, mode, st.st_rdev) < 0 &&
            (errno != EEXIST || unlinkat(parent, name, 0) < 0 ||
             mknodat(parent, name, mode, st.st_rdev) < 0))
            return md_errno(err, errno, "mknod %s in the container", d->dest);
        _cleanup_close_ int node = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (node < 0)
            return md_errno(err, errno, "mknod %s", d->dest);
        if (fchownat(node, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0)
            return md_errno(err, errno, "chown %s", d->dest);
    }
    return 0;
}

static int setup_dev(const struct rt_plan *plan, int rootfd, struct md_error *err)
{
    if (mount_in(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                 "mode=755,size=65536k", true, err) < 0)
        return -1;
    _cleanup_close_ int dev = openat2_in(rootfd, "dev", O_DIRECTORY | O_RDONLY);
    if (dev < 0)
        return md_errno(err, errno, "open /dev in the container");
    for (size_t i = 0; i < sizeof devnodes / sizeof *devnodes; i++) {
        const struct devnode *d = &devnodes[i];
        if (mknodat(dev, d->name, S_IFCHR | 0666, makedev(d->maj, d->min)) == 0)
            continue;
        if (errno != EPERM)
            return md_errno(err, errno, "mknod /dev/%s", d->name);
        /* no CAP_MKNOD (e.g. in a user namespace): bind the host's node */
        int f = openat(dev, d->name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (f < 0)
            return md_errno(err, errno, "create /dev/%s", d->name);
        _cleanup_free_ char *p = fdpath(f);
        _cleanup_free_ char *src = xasprintf("/dev/%s", d->name);
        int r = mount(src, p, NULL, MS_BIND, NULL);
        close(f);
        if (r < 0)
            return md_errno(err, errno, "bind %s", src);
    }
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++)
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
            return md_errno(err, errno, "symlink /dev/%s", links[i][1]);
    if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
        errno != EEXIST)
        return md_errno(err, errno, "symlink /dev/core");
    if (mount_in(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620,gid=5", true, err) < 0)
        return -1;
    if (setup_shm(plan, rootfd, err) < 0)
        return -1;
    if (mount_in(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
                 true, err) < 0)
        return -1;
    return 0;
}

/* /sys/fs/cgroup, read-only. Mounted inside the cgroup namespace, each
 * hierarchy shows the container's own cgroup as its root, so the container
 * reads its limits where docker's containers find them. */
static int setup_cgroupfs(const struct rt_spec *s, int rootfd, struct md_error *err)
{
    const unsigned long ro = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;
    if (s->cgroup2_ns)
        return mount_in(rootfd, "cgroup", "/sys/fs/cgroup", "cgroup2", ro, NULL, true, err);
    if (!s->cgroup_v1)
        return 0;
    if (mount_in(rootfd, "tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "mode=755,size=64k", true, err) < 0)
        return -1;
    _cleanup_close_ int dir = openat2_in(rootfd, "sys/fs/cgroup", O_DIRECTORY | O_RDONLY);
    if (dir < 0)
        return md_errno(err, errno, "open /sys/fs/cgroup in the container");
    for (char **c = s->cgroup_v1; *c; c++) {
        if (strchr(*c, '/') || !strcmp(*c, ".") || !strcmp(*c, ".."))
            continue;
        if (mkdirat(dir, *c, 0755) < 0 && errno != EEXIST)
            return md_errno(err, errno, "mkdir /sys/fs/cgroup/%s", *c);
        _cleanup_free_ char *target = xasprintf("/sys/fs/cgroup/%s", *c);
        if (mount_in(rootfd, "cgroup", target, "cgroup", ro, *c, true, err) < 0)
            return -1;
        /* co-mounted "cpu,cpuacct": also reachable as cpu and cpuacct */
        if (strchr(*c, ',')) {
            _cleanup_free_ char *list = xstrdup(*c);
            char *save = NULL;
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (symlinkat(*c, dir, t) < 0 && errno != EEXIST)
                    return md_errno(err, errno, "symlink /sys/fs/cgroup/%s", t);
        }
    }
    _cleanup_close_ int top = mnt_open_in_root(rootfd, "/sys/fs/cgroup", true, false, err);
    if (top < 0)
        return -1;
    _cleanup_free_ char *p = fdpath(top);
    if (mount(NULL, p, NULL, MS_REMOUNT | ro, "mode=755,size=64k") < 0)
        return md_errno(err, errno, "remount /sys/fs/cgroup read-only");
    return 0;
}

int mnt_setup_rootfs(const struct rt_spec *s, int rootfd, struct md_error *err)
{
    const struct rt_plan *p = &s->plan;
    if (mount_in(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true,
                 err) < 0)
        return -1;
    if (mount_in(rootfd, "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                 NULL, true, err) < 0)
        return -1;
    if (setup_cgroupfs(s, rootfd, err) < 0)
        return -1;
    if (setup_dev(p, rootfd, err) < 0)
        return -1;
    static const char *const etc_files[] = {"hostname", "hosts", "resolv.conf"};
    for (size_t i = 0; p->etc_dir && i < 3; i++) {
        _cleanup_free_ char *src = xasprintf("%s/%s", p->etc_dir, etc_files[i]);
        if (access(src, F_OK) < 0)
            continue;
        _cleanup_free_ char *dst = xasprintf("/etc/%s", etc_files[i]);
        struct rt_mount m = {.source = src, .dest = dst};
        if (bind_in(rootfd, &m, err) < 0)
            return -1;
    }
    if (user_mounts(p, rootfd, err) < 0)
        return -1;
    return setup_devices(p, rootfd, err);
}

int mnt_pivot_root(int rootfd, struct md_error *err)
{
    /* put_old == new_root: the old root ends up stacked under the new one
     * and is detached right away; no directory needed in the image */
    if (fchdir(rootfd) < 0)
        return md_errno(err, errno, "chdir to the rootfs");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return md_errno(err, errno, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        return md_errno(err, errno, "detach the old root");
    if (chdir("/") < 0)
        return md_errno(err, errno, "chdir /");
    return 0;
}

/* docker's defaults (moby oci/defaults.go) */
static const char *const masked[] = {
    "/proc/asound",      "/proc/acpi",          "/proc/interrupts", "/proc/kcore",
    "/proc/keys",        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",          "/sys/firmware",    "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

int mnt_finish(const struct rt_spec *s, struct md_error *err)
{
    const struct rt_plan *p = &s->plan;
    /* after pivot_root these are our own proc and sysfs, not the image's */
    for (size_t i = 0; !p->privileged && i < sizeof masked / sizeof *masked; i++) {
        struct stat st;
        if (stat(masked[i], &st) < 0)
            continue;
        int r = S_ISDIR(st.st_mode)
                    ? mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, "size=0,mode=755")
                    : mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
        if (r < 0)
            return md_errno(err, errno, "mask %s", masked[i]);
    }
    for (size_t i = 0; !p->privileged && i < sizeof readonly / sizeof *readonly; i++) {
        if (access(readonly[i], F_OK) < 0)
            continue;
        if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0)
            return md_errno(err, errno, "bind %s", readonly[i]);
        if (remount_ro(readonly[i], readonly[i], err) < 0)
            return -1;
    }
    if (p->read_only_rootfs && remount_ro("/", "the rootfs", err) < 0)
        return -1;
    return 0;
}

int mnt_console(const char *slave, struct md_error *err)
{
    int f = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return md_errno(err, errno, "create /dev/console");
    close(f);
    if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
        return md_errno(err, errno, "bind %s on /dev/console", slave);
    return 0;
}
