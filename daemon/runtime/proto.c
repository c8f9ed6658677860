/* Attach-socket command parsing and the shim <-> PID 1 sync messages. */
#include "daemon/runtime/proto.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int flag(const char *s, bool *out)
{
    if (!strcmp(s, "0") || !strcmp(s, "1")) {
        *out = s[0] == '1';
        return 0;
    }
    return -1;
}

static int dim(const char *s, uint16_t *out)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

int proto_parse(const char *line, struct proto_cmd *c)
{
    memset(c, 0, sizeof *c);
    if (strlen(line) >= PROTO_MAX_LINE)
        return -1;
    char buf[PROTO_MAX_LINE];
    strcpy(buf, line);
    char *f[5];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (n == 5)
            return -1;
        f[n++] = t;
    }
    if (n == 4 && !strcmp(f[0], "attach")) {
        c->kind = PROTO_ATTACH;
        return flag(f[1], &c->in) || flag(f[2], &c->out) || flag(f[3], &c->err) ? -1 : 0;
    }
    if (n == 3 && !strcmp(f[0], "resize")) {
        c->kind = PROTO_RESIZE;
        return dim(f[1], &c->h) || dim(f[2], &c->w) ? -1 : 0;
    }
    if (n == 1 && !strcmp(f[0], "go")) {
        c->kind = PROTO_GO;
        return 0;
    }
    /* the id becomes a path component: hex digits only */
    if (n == 2 && !strcmp(f[0], "exec") && strlen(f[1]) == 64 &&
        strspn(f[1], "0123456789abcdef") == 64) {
        c->kind = PROTO_EXEC;
        memcpy(c->id, f[1], 65);
        return 0;
    }
    return -1;
}

int proto_reply_to_error(const char *line, struct md_error *err)
{
    if (!strcmp(line, "ok"))
        return 0;
    int e = 0, off = 0;
    if (sscanf(line, "err %d %n", &e, &off) >= 1 && off > 0 && e > 0)
        return md_err(err, e, "%s", line + off);
    return md_err(err, EPROTO, "shim: unexpected reply \"%s\"", line);
}

struct sync_hdr {
    char type;
    int err;
};

int sync_send(int fd, char type, int err, const char *msg, int passfd)
{
    char buf[sizeof(struct sync_hdr) + SYNC_MAX_MSG];
    struct sync_hdr h = {.type = type, .err = err};
    memcpy(buf, &h, sizeof h);
    size_t ml = msg ? strnlen(msg, SYNC_MAX_MSG - 1) : 0;
    if (ml)
        memcpy(buf + sizeof h, msg, ml);
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof h + ml};
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (passfd >= 0) {
        memset(&c, 0, sizeof c);
        m.msg_control = c.b;
        m.msg_controllen = sizeof c.b;
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
    }
    ssize_t r;
    do
        r = sendmsg(fd, &m, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

int sync_recv(int fd, char *type, int *err, char **msg, int *passfd)
{
    char buf[sizeof(struct sync_hdr) + SYNC_MAX_MSG];
    union {
        char b[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } c;
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b};
    *msg = NULL;
    *passfd = -1;
    ssize_t r;
    do
        r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
            memcpy(passfd, CMSG_DATA(cm), sizeof(int));
    if ((size_t)r < sizeof(struct sync_hdr)) {
        errno = EPROTO;
        return -1;
    }
    struct sync_hdr h;
    memcpy(&h, buf, sizeof h);
    *type = h.type;
    *err = h.err;
    size_t ml = (size_t)r - sizeof h;
    *msg = xstrndup(buf + sizeof h, ml);
    return 1;
}
