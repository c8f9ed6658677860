/* The container's overlay rootfs on the host: mounted by the daemon so
 * `docker diff`, commit and cp can read upper/ and merged/. */
#include "daemon/runtime/runtime.h"
#include "daemon/runtime/mounts.h"
#include "daemon/runtime/util.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* index=on (a distro default on some kernels) ties a lower layer to one
 * upper and fails the second container of an image with EBUSY. */
static bool overlay_has_index(void)
{
    return access("/sys/module/overlay/parameters/index", F_OK) == 0;
}

/* A new overlay instance as a detached mount (an fd, attached nowhere):
 * one "lowerdir+" per layer (kernel 6.8), so any number of layers fits. */
static int overlay_fsmount(char *const *layers, const char *upper, const char *work,
                           bool volatile_upper, struct md_error *err)
{
    _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return md_errno(err, errno, "fsopen overlay");
    for (char *const *l = layers; *l; l++)
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0)
            return md_errno(err, errno, "overlay: add layer %s (too many layers for this kernel?)",
                            *l);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
        syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
        return md_errno(err, errno, "overlay: set upperdir/workdir");
    if (overlay_has_index())
        syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "index", "off", 0);
    if (volatile_upper)
        syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return md_errno(err, errno, "create overlay");
    int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
    if (mnt < 0)
        return md_errno(err, errno, "fsmount overlay");
    return mnt;
}

/* More layers than one page of mount options holds. */
static int mount_fsconfig(char *const *layers, const char *upper, const char *work,
                          const char *merged, bool volatile_upper, struct md_error *err)
{
    _cleanup_close_ int mnt = overlay_fsmount(layers, upper, work, volatile_upper, err);
    if (mnt < 0)
        return -1;
    if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, merged, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return md_errno(err, errno, "mount overlay on %s", merged);
    return 0;
}

int rt_rootfs_mount(char *const *layers, const char *rootfs_dir, bool volatile_upper,
                    struct md_error *err)
{
    if (!layers || !layers[0])
        return md_err(err, MD_EINVAL, "no image layers");
    _cleanup_free_ char *upper = xasprintf("%s/upper", rootfs_dir);
    _cleanup_free_ char *work = xasprintf("%s/work", rootfs_dir);
    _cleanup_free_ char *merged = xasprintf("%s/merged", rootfs_dir);
    if (fs_mkdir_p(upper, 0755, err) < 0 || fs_mkdir_p(merged, 0755, err) < 0)
        return -1;
    if (mkdir(work, 0700) < 0 && errno != EEXIST)
        return md_errno(err, errno, "mkdir %s", work);
    if (util_is_mountpoint(merged) == 1)
        return 0;
    if (volatile_upper) {
        /* a volatile mount leaves this behind and refuses to mount again
         * while it is there; the upper dir it guards is ours to trust or
         * not (an --rm container's, run again by restart) */
        _cleanup_free_ char *mark = xasprintf("%s/work/incompat/volatile", work);
        if (access(mark, F_OK) == 0 && fs_rm_rf(mark, err) < 0)
            return -1;
    }
    _cleanup_free_ char *opts =
        mnt_overlay_options(layers, upper, work, overlay_has_index(), volatile_upper);
    if (!opts)
        return mount_fsconfig(layers, upper, work, merged, volatile_upper, err);
    if (mount("overlay", merged, "overlay", 0, opts) < 0) {
        /* "volatile" is Linux 5.10: without it, the mount syncs as usual */
        if (errno == EINVAL && volatile_upper)
            return rt_rootfs_mount(layers, rootfs_dir, false, err);
        return md_errno(err, errno, "mount overlay on %s", merged);
    }
    return 0;
}

int rt_rootfs_open(char *const *layers, const char *rootfs_dir, struct md_error *err)
{
    if (!layers || !layers[0])
        return md_err(err, MD_EINVAL, "no image layers");
    _cleanup_free_ char *upper = xasprintf("%s/upper", rootfs_dir);
    _cleanup_free_ char *work = xasprintf("%s/work", rootfs_dir);
    if (fs_mkdir_p(upper, 0755, err) < 0)
        return -1;
    if (mkdir(work, 0700) < 0 && errno != EEXIST)
        return md_errno(err, errno, "mkdir %s", work);
    return overlay_fsmount(layers, upper, work, false, err);
}

int rt_rootfs_umount(const char *rootfs_dir, struct md_error *err)
{
    _cleanup_free_ char *merged = xasprintf("%s/merged", rootfs_dir);
    for (int i = 0; i < 8 && util_is_mountpoint(merged) == 1; i++) {
        if (umount2(merged, 0) == 0)
            continue;
        if (errno != EBUSY)
            return md_errno(err, errno, "unmount %s", merged);
        /* still held by a process somewhere: detach, the kernel finishes later */
        if (umount2(merged, MNT_DETACH) < 0)
            return md_errno(err, errno, "detach %s", merged);
    }
    return 0;
}

int rt_rootfs_remove(const char *rootfs_dir, struct md_error *err)
{
    if (rt_rootfs_umount(rootfs_dir, err) < 0)
        return -1;
    _cleanup_free_ char *merged = xasprintf("%s/merged", rootfs_dir);
    if (util_is_mountpoint(merged) == 1)
        return md_err(err, EBUSY, "%s is still mounted", merged);
    return fs_rm_rf(rootfs_dir, err);
}
