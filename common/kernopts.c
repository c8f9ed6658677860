/* Device modes, device cgroup rules and namespaced sysctls, as docker
 * checks them (cli/opts and moby's oci). */
#include "common/kernopts.h"

#include <string.h>

bool kopt_device_mode_valid(const char *m)
{
    if (!m || !*m || strlen(m) > 3 || strspn(m, "rwm") != strlen(m))
        return false;
    for (const char *c = m; *c; c++)
        if (strchr(c + 1, *c))
            return false;
    return true;
}

bool kopt_cgroup_rule_valid(const char *r)
{
    if (!r || !r[0] || !strchr("acb", r[0]) || r[1] != ' ')
        return false;
    const char *p = r + 2;
    for (int part = 0; part < 2; part++) {
        size_t n = *p == '*' ? 1 : strspn(p, "0123456789");
        if (!n || p[n] != (part ? ' ' : ':'))
            return false;
        p += n + 1;
    }
    size_t n = strspn(p, "rwm");
    return n >= 1 && n <= 3 && !p[n];
}

enum kopt_sysctl_ns kopt_sysctl_ns(const char *k)
{
    static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                      "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                      "kernel.shmmni", "kernel.shm_rmid_forced"};
    for (size_t i = 0; i < sizeof ipc / sizeof *ipc; i++)
        if (!strcmp(k, ipc[i]))
            return KOPT_SYSCTL_IPC;
    if (!strncmp(k, "fs.mqueue.", 10))
        return KOPT_SYSCTL_IPC;
    if (!strncmp(k, "net.", 4))
        return KOPT_SYSCTL_NET;
    return KOPT_SYSCTL_NONE;
}
