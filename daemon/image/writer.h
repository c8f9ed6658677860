/* The writer thread of layer unpacking: the contents of regular files and
 * their metadata (owner, mode, xattrs, times) written in the order given,
 * beside the thread that parses the tar and creates the names. Writing
 * contents is most of the kernel's work in an unpack. Internal to
 * daemon/image/layer.c. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define WRITER_CHUNK (4u << 20) /* the most contents one job holds */

struct wxattr {
    char *name;
    void *value;
    size_t len;
};

/* A piece of a file's contents; the last one of the file carries its
 * metadata and owns the fd. */
struct wjob {
    struct wjob *next;
    int fd;
    char *data; /* in the writer's ring */
    size_t len; /* filled, of cap reserved */
    size_t cap;
    size_t took; /* of the ring, with the end it skipped */
    bool last;
    bool meta; /* false: a file given up on, only closed */
    uid_t uid;
    gid_t gid;
    mode_t mode;
    struct timespec ts[2];
    struct wxattr *xattrs;
    size_t nxattrs;
    bool do_chown, do_chmod;
    char *name; /* for messages */
};

struct writer {
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t work, space;
    struct wjob *head, *tail;
    /* The contents travel in one ring, reserved and released in order:
     * the same pages over and over, where a buffer per file had the kernel
     * fault in and zero fresh ones for every byte of the layer. */
    char *ring;
    size_t ring_head, ring_tail, ring_used;
    size_t pending; /* jobs queued or being run */
    bool idle;      /* waiting for work: woken for a batch, not for every file */
    bool done;
    char *error; /* the first failure, reported by the main thread */
    const char *label;
};

/* Start the thread (if none can be, w->started stays false: write the
 * files yourself). label prefixes messages. */
void writer_start(struct writer *w, const char *label);
/* A job for fd with room for cap (<= WRITER_CHUNK) bytes of contents at
 * j->data, waiting for the writer to make it; the caller fills data/len
 * and the metadata, sets last on the file's last piece, then pushes it. */
struct wjob *writer_job(struct writer *w, int fd, size_t cap, const char *name);
void writer_push(struct writer *w, struct wjob *j);
/* Wait until everything queued is on disk; the writer's first error or NULL. */
const char *writer_drain(struct writer *w);
/* Drain and stop the thread; the writer's first error or NULL. */
const char *writer_finish(struct writer *w);
