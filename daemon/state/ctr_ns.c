/* "container:X" namespace modes, resolved at start against the running
 * donor (moby's getPIDContainer, getIPCContainer, getNetworkedContainer). */
#include "daemon/state/ctr_ns.h"
#include "common/cleanup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ctr_ns_shares_net(const struct ctr_spec *s)
{
    return s->net_ns.mode == CTR_NS_CONTAINER;
}

/* The running donor named by ref, a new reference. what: "PID", "IPC",
 * "network" (docker's words). */
static struct container *donor(const struct container *c, const char *ref, const char *what,
                               struct md_error *err)
{
    struct container *d = NULL;
    if (cstore_find(ref, &d, err) < 0) {
        err->err = MD_EINVAL; /* a 404 would make the CLI pull the image */
        return NULL;
    }
    if (d == c) {
        ctr_put(d);
        md_err(err, MD_EINVAL, "cannot join own %s namespace", what);
        return NULL;
    }
    cstore_lock();
    bool running = d->status == CTR_RUNNING || d->status == CTR_PAUSED;
    cstore_unlock();
    if (!running) {
        ctr_put(d);
        md_err(err, MD_ECONFLICT, "cannot join %s of a non running container: %s", what, ref);
        return NULL;
    }
    return d;
}

static char *ns_path(const struct container *d, const char *ns)
{
    cstore_lock();
    pid_t pid = d->pid;
    cstore_unlock();
    return xasprintf("/proc/%d/ns/%s", (int)pid, ns);
}

static void set(char **dst, char *v)
{
    free(*dst);
    *dst = v;
}

int ctr_ns_plan(const struct container *c, struct rt_plan *p, struct md_error *err)
{
    const struct ctr_spec *s = c->spec;
    if (s->pid_ns.mode == CTR_NS_CONTAINER) {
        struct container *d = donor(c, s->pid_ns.container, "PID", err);
        if (!d)
            return -1;
        set(&p->pidns_path, ns_path(d, "pid"));
        ctr_put(d);
    }
    if (s->ipc_ns.mode == CTR_NS_CONTAINER) {
        struct container *d = donor(c, s->ipc_ns.container, "IPC", err);
        if (!d)
            return -1;
        enum ctr_ns_mode m = d->spec->ipc_ns.mode;
        if (m != CTR_NS_SHAREABLE && m != CTR_NS_HOST) {
            md_err(err, MD_EINVAL,
                   "container %s: non-shareable IPC (hint: use IpcMode:shareable for the donor "
                   "container)",
                   s->ipc_ns.container);
            ctr_put(d);
            return -1;
        }
        /* a donor in the host's IPC namespace shares the host's */
        set(&p->ipcns_path, m == CTR_NS_HOST ? xstrdup("host") : ns_path(d, "ipc"));
        set(&p->shm_from, m == CTR_NS_HOST ? xstrdup("host") : ns_path(d, "mnt"));
        ctr_put(d);
    }
    if (s->net_ns.mode == CTR_NS_CONTAINER) {
        struct container *d = donor(c, s->net_ns.container, "network", err);
        if (!d)
            return -1;
        /* docker: the donor's hostname, hosts and resolv.conf too */
        set(&p->netns_path, ns_path(d, "net"));
        set(&p->hostname, xstrdup(d->spec->hostname));
        set(&p->etc_dir, ctr_dir(d));
        ctr_put(d);
    }
    return 0;
}
