/* A container's filesystem seen from the daemon, for docker cp (the archive
 * API) and export: its root as a directory fd, paths resolved inside that
 * root only, tars written out of it and extracted into it.
 *
 * Security: every lookup below the root is openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS) from the root fd, and every create is an *at() call
 * on a parent fd found that way with a single-component name that is never
 * followed. A symlink in the container, absolute or "../..", or one made by
 * an earlier entry of the same tar, therefore ends inside the container,
 * never on the host. Bind mounts and volumes of the container are not
 * followed: the root is the overlay alone, as export shows it. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "daemon/image/layer.h"

struct container;

struct ctrfs_root {
    int fd;              /* the container's root directory */
    struct container *c; /* its op_lock is held while `locked` */
    bool locked;
};

/* Open the container's root: the mounted overlay of a running container
 * (the fd keeps it alive; the lock is not held), or for a stopped one a
 * fresh overlay instance attached nowhere, with the container's op_lock held
 * until ctrfs_close so that no start mounts the same upper dir meanwhile.
 * Nothing is left mounted after ctrfs_close, nor if the daemon dies. */
int ctrfs_open(struct container *c, struct ctrfs_root *root, struct md_error *err);
void ctrfs_close(struct ctrfs_root *root);

/* docker's ContainerPathStat. mode is Go's os.FileMode. */
struct ctrfs_stat {
    char *name; /* base name of the path as asked ("/" for the root) */
    int64_t size;
    uint32_t mode;
    int64_t mtime_ns;
    char *link_target; /* a symlink's fully resolved target in the container, else "" */
};

/* Stat path (docker's rules: symlinks before the last component followed
 * inside the root, the last one not). ENOENT/ENOTDIR: MD_ENOTFOUND "Could
 * not find the file PATH in container NAME", as docker words it. */
int ctrfs_stat(const struct ctrfs_root *root, const char *path, const char *ctr_name,
               struct ctrfs_stat *st, struct md_error *err);
void ctrfs_stat_free(struct ctrfs_stat *st);
/* The X-Docker-Container-Path-Stat header value: base64 of the JSON. */
char *ctrfs_stat_header(const struct ctrfs_stat *st);

/* GET archive: a tar of path onto fd, entries named as docker names them
 * (a directory as its own top entry, "dir/." as "./", the root as "/").
 * -1 with err when the tree cannot be read or fd fails. */
int ctrfs_tar_path(const struct ctrfs_root *root, const char *path, int fd, struct md_error *err);
/* export: the whole rootfs, entry names relative ("bin/", "etc/passwd"). */
int ctrfs_export(const struct ctrfs_root *root, int fd, struct md_error *err);
/* commit: an overlay upper directory as a layer tar onto fd, overlayfs's
 * whiteouts (0/0 character devices, trusted.overlay.opaque) spelled as
 * ".wh.NAME" and ".wh..wh..opq" entries, file capabilities kept. */
int ctrfs_tar_layer(int upperfd, int fd, struct md_error *err);
/* The mount points the runtime makes in every container ("etc/hosts",
 * "proc", ...; rel is relative to the root): docker keeps them in an "init"
 * layer, so diff does not report them and commit does not take them. */
bool ctrfs_init_path(const char *rel);

struct ctrfs_put_opts {
    bool no_overwrite_dir_nondir; /* refuse to replace a dir by a non-dir and back */
    bool chown;                   /* every entry owned by uid:gid, not the tar's ids */
    uid_t uid;
    gid_t gid;
};

/* PUT archive, first half (nothing changes yet): resolve the extraction
 * point (every symlink followed inside the root) to its absolute path in
 * the container, *dest. MD_ENOTFOUND as ctrfs_stat; MD_EINVAL "extraction
 * point is not a directory"; readonly: MD_EINVAL "container rootfs is marked
 * read-only" (docker's code answers 400 with it). */
int ctrfs_put_check(const struct ctrfs_root *root, const char *path, const char *ctr_name,
                    bool readonly, char **dest, struct md_error *err);
/* Second half: extract the tar (plain, gzip, bzip2 or xz) read from rd into
 * dest. Entry names are joined to dest and cleaned as docker does; one that
 * leaves dest ("../../x" below /tmp) is refused; "../../x" into "/" is "/x". */
int ctrfs_extract(const struct ctrfs_root *root, const char *dest, layer_read_fn rd, void *rctx,
                  const struct ctrfs_put_opts *o, struct md_error *err);

/* A user spec ("name", "uid:gid") resolved in the container's own
 * /etc/passwd and /etc/group. */
int ctrfs_user_ids(const struct ctrfs_root *root, const char *user, uid_t *uid, gid_t *gid,
                   struct md_error *err);

/* "/" + path cleaned as Go's filepath.Clean, keeping a trailing "/" or
 * "/." of the original (moby's PreserveTrailingDotOrSeparator). */
char *ctrfs_abs_path(const char *path);
