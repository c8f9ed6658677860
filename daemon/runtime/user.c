/* Parsing of passwd/group files (not the host's: the container's, so no
 * NSS, no getpwnam) and docker's user spec rules. */
#include "daemon/runtime/user.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ID_MAX 2147483647UL /* runc: ids must be in range 0-2147483647 */

struct pwent {
    char *name;
    unsigned long uid, gid;
    char *home;
};

/* -1: not a number; -2: out of range */
static int parse_id(const char *s, unsigned long *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, NULL, 10);
    if (errno || v > ID_MAX)
        return -2;
    *out = v;
    return 0;
}

/* Split one line into at most n ':'-separated fields (in place); returns how
 * many the line has. The fields a short line lacks are set to "" (as
 * moby/sys/user leaves them empty), so a caller may read all n: images do
 * ship lines like "daemon:x:1:1". */
static size_t fields(char *line, char **f, size_t n)
{
    size_t k = 0;
    char *p = line;
    while (k < n) {
        f[k++] = p;
        char *c = strchr(p, ':');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    for (size_t i = k; i < n; i++)
        f[i] = p + strlen(p);
    return k;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

/* First passwd entry whose name is `name` or (numeric) uid is `uid`. */
static bool find_passwd(FILE *f, const char *name, const unsigned long *uid, struct pwent *out)
{
    if (!f)
        return false;
    rewind(f);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        if (!line[0] || line[0] == '#')
            continue;
        char *fv[7];
        if (fields(line, fv, 7) < 4)
            continue;
        unsigned long u, g;
        if (parse_id(fv[2], &u) || parse_id(fv[3], &g))
            continue;
        if ((name && !strcmp(fv[0], name)) || (uid && u == *uid)) {
            out->name = xstrdup(fv[0]);
            out->uid = u;
            out->gid = g;
            out->home = xstrdup(fv[5][0] ? fv[5] : "/");
            return true;
        }
    }
    return false;
}

/* Group by name or gid. */
static bool find_group(FILE *f, const char *name, const unsigned long *gid, unsigned long *out)
{
    if (!f)
        return false;
    rewind(f);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        if (!line[0] || line[0] == '#')
            continue;
        char *fv[4];
        if (fields(line, fv, 4) < 3)
            continue;
        unsigned long g;
        if (parse_id(fv[2], &g))
            continue;
        if ((name && !strcmp(fv[0], name)) || (gid && g == *gid)) {
            *out = g;
            return true;
        }
    }
    return false;
}

static void add_gid(struct rt_user *u, gid_t g)
{
    for (size_t i = 0; i < u->ngroups; i++)
        if (u->groups[i] == g)
            return;
    u->groups = xrealloc(u->groups, (u->ngroups + 1) * sizeof *u->groups);
    u->groups[u->ngroups++] = g;
}

/* Groups that list `user` as a member. */
static void member_groups(FILE *f, const char *user, struct rt_user *u)
{
    if (!f || !user)
        return;
    rewind(f);
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) >= 0) {
        chomp(line);
        if (!line[0] || line[0] == '#')
            continue;
        char *fv[4];
        if (fields(line, fv, 4) < 4)
            continue;
        unsigned long g;
        if (parse_id(fv[2], &g))
            continue;
        char *save = NULL;
        for (char *m = strtok_r(fv[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
            if (!strcmp(m, user))
                add_gid(u, (gid_t)g);
    }
}

static int resolve_group(FILE *group, const char *g, unsigned long *out, struct md_error *err)
{
    int r = parse_id(g, out);
    if (r == -2)
        return md_err(err, EINVAL, "group %s: ids must be in range 0-2147483647", g);
    if (r == 0)
        return 0;
    if (find_group(group, g, NULL, out))
        return 0;
    return md_err(err, ENOENT, "unable to find group %s: no matching entries in group file", g);
}

int user_resolve(FILE *passwd, FILE *group, const char *spec, char *const *group_add,
                 struct rt_user *out, struct md_error *err)
{
    memset(out, 0, sizeof *out);
    _cleanup_free_ char *s = xstrdup(spec ? spec : "");
    char *gspec = strchr(s, ':');
    if (gspec)
        *gspec++ = 0;
    const char *uspec = s[0] ? s : "0";

    struct pwent pw = {0};
    unsigned long uid = 0, gid = 0;
    bool found;
    int r = parse_id(uspec, &uid);
    if (r == -2)
        return md_err(err, EINVAL, "user %s: ids must be in range 0-2147483647", uspec);
    if (r == 0) {
        found = find_passwd(passwd, NULL, &uid, &pw);
        if (found)
            gid = pw.gid;
    } else {
        found = find_passwd(passwd, uspec, NULL, &pw);
        if (!found)
            return md_err(err, ENOENT, "unable to find user %s: no matching entries in passwd file",
                          uspec);
        uid = pw.uid;
        gid = pw.gid;
    }
    out->uid = (uid_t)uid;
    out->home = found ? steal_ptr(&pw.home) : xstrdup("/");
    if (gspec && gspec[0] && resolve_group(group, gspec, &gid, err) < 0) {
        free(pw.name);
        user_free(out);
        return -1;
    }
    out->gid = (gid_t)gid;
    /* the primary group is a supplementary group too (docker >= 23, the fix
     * for CVE-2023-25173): dropping it with setgroups would let a process
     * escape "deny this group" permissions */
    add_gid(out, out->gid);
    if (!(gspec && gspec[0]) && found)
        member_groups(group, pw.name, out);
    free(pw.name);
    for (char *const *a = group_add; a && *a; a++) {
        unsigned long g;
        if (resolve_group(group, *a, &g, err) < 0) {
            user_free(out);
            return -1;
        }
        add_gid(out, (gid_t)g);
    }
    return 0;
}

void user_free(struct rt_user *u)
{
    free(u->groups);
    free(u->home);
    memset(u, 0, sizeof *u);
}

/* ---- the container's files, read safely ---- */

static int open_in(int root, const char *path, int flags)
{
    struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

/* path (inside root) as a FILE over a copy of its bytes: *out NULL when it
 * does not exist or is empty; -1 with *why when it cannot be used. The
 * file is looked at through O_PATH first (a device node or FIFO is never
 * opened for reading), then opened non-blocking and checked to be the same
 * regular file, in case it was swapped in between. */
static int db_open(int root, const char *path, FILE **out, char **buf, char **why)
{
    *out = NULL;
    *buf = NULL;
    _cleanup_close_ int pfd = open_in(root, path, O_PATH);
    if (pfd < 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    struct stat st, st2;
    if (pfd < 0 || fstat(pfd, &st) < 0) {
        *why = xasprintf("open %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = xasprintf("%s is not a regular file", path);
        return -1;
    }
    if (st.st_size > (off_t)USER_DB_MAX) {
        *why = xasprintf("%s is larger than %u MiB", path, USER_DB_MAX >> 20);
        return -1;
    }
    _cleanup_close_ int fd = open_in(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino) {
        *why = xasprintf("%s changed while it was read", path);
        return -1;
    }
    size_t len;
    struct md_error e = {0};
    char *data = fs_read_fd(fd, USER_DB_MAX, &len, path, &e);
    if (!data) {
        *why = e.err == EFBIG ? xasprintf("%s is larger than %u MiB", path, USER_DB_MAX >> 20)
                              : xstrdup(md_err_msg(&e));
        md_err_clear(&e);
        return -1;
    }
    if (!len) {
        free(data);
        return 0;
    }
    *out = fmemopen(data, len, "r");
    if (!*out) {
        free(data);
        *why = xasprintf("%s: %s", path, strerror(errno));
        return -1;
    }
    *buf = data;
    return 0;
}

static bool is_name(const char *s)
{
    return s && *s && strspn(s, "0123456789") != strlen(s);
}

int user_resolve_in(int root, const char *spec, char *const *group_add, struct rt_user *out,
                    struct md_error *err)
{
    _cleanup_free_ char *s = xstrdup(spec ? spec : "");
    char *gspec = strchr(s, ':');
    if (gspec)
        *gspec++ = 0;
    FILE *pw = NULL, *gr = NULL;
    _cleanup_free_ char *pbuf = NULL, *gbuf = NULL, *pwhy = NULL, *gwhy = NULL;
    int pr = db_open(root, "/etc/passwd", &pw, &pbuf, &pwhy);
    int gr_r = db_open(root, "/etc/group", &gr, &gbuf, &gwhy);
    int r;
    if (pr < 0 && is_name(s))
        r = md_err(err, ENOENT, "unable to find user %s: %s", s, pwhy);
    else if (gr_r < 0 && gspec && is_name(gspec))
        r = md_err(err, ENOENT, "unable to find group %s: %s", gspec, gwhy);
    else {
        const char *bad_add = NULL;
        for (char *const *a = group_add; gr_r < 0 && a && *a && !bad_add; a++)
            if (is_name(*a))
                bad_add = *a;
        if (bad_add)
            r = md_err(err, ENOENT, "unable to find group %s: %s", bad_add, gwhy);
        else
            r = user_resolve(pw, gr, spec, group_add, out, err);
    }
    if (pw)
        fclose(pw);
    if (gr)
        fclose(gr);
    return r;
}
