/* PATH lookup confined to the container root. */
#include "daemon/runtime/lookup.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0 if path (container view) is an executable regular file for us. */
static int check_exec(int rootfd, const char *path)
{
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
        return -EACCES;
    /* like Go's eaccess(X_OK): effective ids, ACLs */
    if (faccessat(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0 && errno != EINVAL &&
        errno != ENOSYS)
        return -errno;
    return 0;
}

static char *join(const char *cwd, const char *dir, const char *file)
{
    if (dir[0] == '/')
        return xasprintf("%s/%s", dir, file);
    const char *c = cwd && cwd[0] ? cwd : "/";
    return xasprintf("%s%s%s%s%s", c, c[strlen(c) - 1] == '/' ? "" : "/", dir, dir[0] ? "/" : "",
                     file);
}

const char *rt_go_strerror(int e)
{
    switch (e) {
    case ENOENT:
        return "no such file or directory";
    case EACCES:
        return "permission denied";
    case ENOTDIR:
        return "not a directory";
    case ELOOP:
        return "too many levels of symbolic links";
    case ENAMETOOLONG:
        return "file name too long";
    default:
        return strerror(e);
    }
}

int rt_lookup_path(int rootfd, const char *cwd, const char *file, const char *path_env, char **out,
                   struct md_error *err)
{
    *out = NULL;
    if (strchr(file, '/')) {
        _cleanup_free_ char *p = file[0] == '/' ? xstrdup(file) : join(cwd, "", file);
        int r = check_exec(rootfd, p);
        if (r == -EACCES)
            return md_err(err, EACCES, "exec: \"%s\": permission denied", file);
        if (r < 0)
            return md_err(err, -r, "exec: \"%s\": stat %s: %s", file, file, rt_go_strerror(-r));
        *out = xstrdup(file);
        return 0;
    }
    const char *pe = path_env ? path_env : RT_DEFAULT_PATH;
    _cleanup_free_ char *copy = xstrdup(pe);
    char *p = copy;
    for (;;) {
        char *colon = strchr(p, ':');
        if (colon)
            *colon = 0;
        /* an empty element means the current directory */
        _cleanup_free_ char *cand = join(cwd, p[0] ? p : ".", file);
        if (check_exec(rootfd, cand) == 0) {
            *out = p[0] ? xasprintf("%s/%s", p, file) : xasprintf("./%s", file);
            return 0;
        }
        if (!colon)
            break;
        p = colon + 1;
    }
    return md_err(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", file);
}

int rt_exec_error_code(int errnum)
{
    return errnum == ENOENT ? 127 : 126;
}
