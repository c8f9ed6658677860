/* The writer thread of layer unpacking (see writer.h). */
#include "daemon/image/writer.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "daemon/image/fsutil.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WQ_RING (16u << 20) /* file contents queued, at most */
#define WQ_WAKE 32          /* jobs that wake the thread up when idle (or a quarter of the ring) */

static void wjob_free(struct wjob *j)
{
    if (j->last && j->fd >= 0)
        close(j->fd);
    for (size_t i = 0; i < j->nxattrs; i++) {
        free(j->xattrs[i].name);
        free(j->xattrs[i].value);
    }
    free(j->xattrs);
    free(j->name);
    free(j);
}

static void wjob_fail(struct writer *w, struct wjob *j, const char *what, int e)
{
    pthread_mutex_lock(&w->mu);
    if (!w->error)
        w->error = xasprintf("%s: entry \"%s\": %s: %s", w->label, j->name, what, strerror(e));
    pthread_mutex_unlock(&w->mu);
}

/* Contents, owner, mode (after chown, which clears set-id bits), xattrs
 * (after chown too: it clears security.capability), times. */
static void wjob_run(struct writer *w, struct wjob *j)
{
    if (j->len && fs_write_all(j->fd, j->data, j->len) < 0)
        return wjob_fail(w, j, "write", errno);
    if (!j->last || !j->meta)
        return;
    if (j->do_chown && fchown(j->fd, j->uid, j->gid) < 0)
        return wjob_fail(w, j, "chown", errno);
    if (j->do_chmod && fchmod(j->fd, j->mode) < 0)
        return wjob_fail(w, j, "chmod", errno);
    for (size_t i = 0; i < j->nxattrs; i++) {
        struct wxattr *x = &j->xattrs[i];
        if (fsetxattr(j->fd, x->name, x->value, x->len, 0) == 0)
            continue;
        if (errno == ENOTSUP || errno == EPERM || errno == EINVAL || errno == E2BIG ||
            errno == ERANGE) {
            log_warn("%s: entry \"%s\": xattr %s not kept: %s", w->label, j->name, x->name,
                     strerror(errno));
            continue;
        }
        return wjob_fail(w, j, "set xattr", errno);
    }
    if (futimens(j->fd, j->ts) < 0)
        return wjob_fail(w, j, "set times", errno);
    if (close(j->fd) < 0) {
        j->fd = -1;
        return wjob_fail(w, j, "close", errno);
    }
    j->fd = -1;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->done) {
            w->idle = true;
            pthread_cond_wait(&w->work, &w->mu);
            w->idle = false;
        }
        struct wjob *j = w->head;
        if (!j)
            break;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        bool skip = w->error != NULL;
        pthread_mutex_unlock(&w->mu);
        if (!skip)
            wjob_run(w, j);
        size_t took = j->took;
        wjob_free(j);
        pthread_mutex_lock(&w->mu);
        w->ring_tail += took;
        if (w->ring_tail >= WQ_RING)
            w->ring_tail -= WQ_RING;
        w->ring_used -= took;
        w->pending--;
        pthread_cond_signal(&w->space);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

void writer_start(struct writer *w, const char *label)
{
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->space, NULL);
    w->label = label;
    w->started = pthread_create(&w->th, NULL, writer_main, w) == 0;
}

/* n contiguous bytes of the ring (n <= WRITER_CHUNK), or NULL while they are
 * not free; *took counts the end of the ring skipped to find them. */
static char *ring_take(struct writer *w, size_t n, size_t *took)
{
    if (!w->ring_used)
        w->ring_head = w->ring_tail = 0;
    if (w->ring_used == WQ_RING)
        return NULL;
    size_t at = w->ring_head, skip = 0;
    if (w->ring_head >= w->ring_tail) { /* free: head..end and 0..tail */
        if (WQ_RING - w->ring_head < n) {
            if (w->ring_tail < n)
                return NULL;
            skip = WQ_RING - w->ring_head;
            at = 0;
        }
    } else if (w->ring_tail - w->ring_head < n) { /* free: head..tail */
        return NULL;
    }
    w->ring_head = at + n;
    w->ring_used += skip + n;
    *took = skip + n;
    return w->ring + at;
}

/* Room for n bytes of contents, once the writer has made it. */
static char *writer_reserve(struct writer *w, size_t n, size_t *took)
{
    *took = 0;
    if (!n)
        return NULL;
    pthread_mutex_lock(&w->mu);
    if (!w->ring)
        w->ring = xbig_alloc(WQ_RING);
    char *p;
    while (!(p = ring_take(w, n, took))) {
        pthread_cond_signal(&w->work);
        pthread_cond_wait(&w->space, &w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return p;
}

struct wjob *writer_job(struct writer *w, int fd, size_t cap, const char *name)
{
    struct wjob *j = xcalloc(1, sizeof *j);
    j->fd = fd;
    j->cap = cap;
    j->data = writer_reserve(w, cap, &j->took);
    j->name = xstrdup(name);
    return j;
}

void writer_push(struct writer *w, struct wjob *j)
{
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->pending++;
    if (w->idle && (w->pending >= WQ_WAKE || w->ring_used >= WQ_RING / 4))
        pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
}

const char *writer_drain(struct writer *w)
{
    if (!w->started)
        return w->error;
    pthread_mutex_lock(&w->mu);
    pthread_cond_signal(&w->work);
    while (w->pending)
        pthread_cond_wait(&w->space, &w->mu);
    const char *e = w->error;
    pthread_mutex_unlock(&w->mu);
    return e;
}

const char *writer_finish(struct writer *w)
{
    if (!w->started)
        return w->error;
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    w->started = false;
    xbig_free(w->ring, WQ_RING);
    w->ring = NULL;
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->space);
    return w->error;
}
