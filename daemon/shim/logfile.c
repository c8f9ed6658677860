/* The json-file log on disk: where the shim's records go, and docker's
 * rotation of it (--log-opt max-size, max-file, compress). The shim writes
 * the log, so rotation goes on while the daemon is down. */
#include "daemon/shim/shim.h"
#include "daemon/runtime/runtime.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

int shim_log_open(struct shim_io *io, const struct rt_plan *p, struct md_error *err)
{
    io->log_fd = open(p->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (io->log_fd < 0)
        return md_errno(err, errno, "open log file %s", p->log_path);
    /* a restart appends: what the file holds counts toward max-size */
    struct stat st;
    io->log_size = fstat(io->log_fd, &st) == 0 ? st.st_size : 0;
    io->log_path = p->log_path;
    io->log_max_size = p->log_max_size;
    io->log_max_file = p->log_max_file > 0 ? p->log_max_file : 1;
    io->log_compress = p->log_compress;
    io->log_attrs = p->log_attrs;
    return 0;
}

/* path -> path.gz, then path removed; in a child of the shim. Written to
 * a temporary name first: a reader never opens half a .gz. */
static int gzip_file(const char *path)
{
    _cleanup_free_ char *gz = xasprintf("%s.gz", path);
    _cleanup_free_ char *tmp = xasprintf("%s.gz.tmp", path);
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    gzFile out = gzopen(tmp, "wb");
    if (!out) {
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t n;
    int ok = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (gzwrite(out, buf, (unsigned)n) != n) {
            ok = -1;
            break;
        }
    close(in);
    if (gzclose(out) != Z_OK || n < 0 || ok < 0 || rename(tmp, gz) < 0) {
        unlink(tmp);
        return -1;
    }
    return unlink(path);
}

void shim_log_wait_compress(struct shim_io *io)
{
    if (io->compress_pid > 0)
        while (waitpid(io->compress_pid, NULL, 0) < 0 && errno == EINTR)
            ;
    io->compress_pid = 0;
}

static void rename_quiet(const char *from, const char *to)
{
    if (rename(from, to) < 0 && errno != ENOENT)
        log_warn("rotate log: rename %s: %s", from, strerror(errno));
}

/* docker's loggerutils rotate(): drop the oldest, shift .N-1 to .N, the
 * written file becomes .1 and a new one starts; with max-file 1 the file
 * is emptied instead. */
void shim_log_rotate(struct shim_io *io)
{
    const char *name = io->log_path;
    if (io->log_max_file >= 2) {
        /* the last rotation's .1 must be .1.gz before the names move */
        shim_log_wait_compress(io);
        const char *ext = io->log_compress ? ".gz" : "";
        _cleanup_free_ char *last = xasprintf("%s.%d%s", name, io->log_max_file - 1, ext);
        if (unlink(last) < 0 && errno != ENOENT)
            log_warn("rotate log: remove %s: %s", last, strerror(errno));
        for (int i = io->log_max_file - 1; i > 1; i--) {
            _cleanup_free_ char *to = xasprintf("%s.%d%s", name, i, ext);
            _cleanup_free_ char *from = xasprintf("%s.%d%s", name, i - 1, ext);
            rename_quiet(from, to);
        }
        _cleanup_free_ char *first = xasprintf("%s.1", name);
        rename_quiet(name, first);
    }
    int fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        /* keep writing to the old file rather than lose the output */
        log_warn("rotate log: open %s: %s", name, strerror(errno));
        return;
    }
    close(io->log_fd);
    io->log_fd = fd;
    io->log_size = 0;
    if (io->log_max_file < 2 || !io->log_compress)
        return;
    /* compressing 10 MB takes a while: not in the loop that reads the
     * container's output (docker does it in a goroutine) */
    _cleanup_free_ char *first = xasprintf("%s.1", name);
    pid_t pid = fork();
    if (pid == 0) {
        /* hold no client's socket open past the shim's own close */
        close_range(3, ~0U, 0);
        _exit(gzip_file(first) < 0 ? 1 : 0);
    }
    if (pid < 0) {
        log_warn("rotate log: fork: %s", strerror(errno));
        return;
    }
    io->compress_pid = pid;
}
