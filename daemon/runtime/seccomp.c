/* Seccomp with libseccomp. Docker's default profile is an allow list of
 * ~350 syscalls; this is the equivalent deny list of the dangerous ones it
 * leaves out (kernel modules, kexec, keyrings, namespaces and mounts,
 * clock setting, bpf, perf, ...), conditioned on capabilities the way
 * docker's profile conditions them. */
#include "daemon/runtime/seccomp.h"

#include "common/cleanup.h"
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ALWAYS (-1)

struct rule {
    const char *name;
    int unless_cap; /* allowed when the container holds this cap */
};

static const struct rule rules[] = {
    {"acct", CAP_SYS_PACCT},
    {"add_key", ALWAYS},
    {"bpf", CAP_SYS_ADMIN},
    {"clock_adjtime", CAP_SYS_TIME},
    {"clock_settime", CAP_SYS_TIME},
    {"create_module", ALWAYS},
    {"delete_module", CAP_SYS_MODULE},
    {"finit_module", CAP_SYS_MODULE},
    {"fanotify_init", CAP_SYS_ADMIN},
    {"fsconfig", CAP_SYS_ADMIN},
    {"fsmount", CAP_SYS_ADMIN},
    {"fsopen", CAP_SYS_ADMIN},
    {"fspick", CAP_SYS_ADMIN},
    {"get_kernel_syms", ALWAYS},
    {"init_module", CAP_SYS_MODULE},
    {"io_uring_enter", ALWAYS},
    {"io_uring_register", ALWAYS},
    {"io_uring_setup", ALWAYS},
    {"ioperm", CAP_SYS_RAWIO},
    {"iopl", CAP_SYS_RAWIO},
    {"kcmp", CAP_SYS_PTRACE},
    {"kexec_file_load", CAP_SYS_BOOT},
    {"kexec_load", CAP_SYS_BOOT},
    {"keyctl", ALWAYS},
    {"lookup_dcookie", CAP_SYS_ADMIN},
    {"mount", CAP_SYS_ADMIN},
    {"mount_setattr", CAP_SYS_ADMIN},
    {"move_mount", CAP_SYS_ADMIN},
    {"nfsservctl", ALWAYS},
    {"open_by_handle_at", CAP_DAC_READ_SEARCH},
    {"open_tree", CAP_SYS_ADMIN},
    {"perf_event_open", CAP_SYS_ADMIN},
    {"pivot_root", CAP_SYS_ADMIN},
    {"process_vm_readv", CAP_SYS_PTRACE},
    {"process_vm_writev", CAP_SYS_PTRACE},
    {"query_module", ALWAYS},
    {"quotactl", CAP_SYS_ADMIN},
    {"reboot", CAP_SYS_BOOT},
    {"request_key", ALWAYS},
    {"setns", CAP_SYS_ADMIN},
    {"settimeofday", CAP_SYS_TIME},
    {"stime", CAP_SYS_TIME},
    {"swapoff", CAP_SYS_ADMIN},
    {"swapon", CAP_SYS_ADMIN},
    {"syslog", CAP_SYSLOG},
    {"_sysctl", ALWAYS},
    {"sysfs", ALWAYS},
    {"umount", CAP_SYS_ADMIN},
    {"umount2", CAP_SYS_ADMIN},
    {"unshare", CAP_SYS_ADMIN},
    {"uselib", ALWAYS},
    {"userfaultfd", CAP_SYS_PTRACE},
    {"ustat", ALWAYS},
    {"vm86", ALWAYS},
    {"vm86old", ALWAYS},
};

/* The filter for caps, not loaded yet: NULL with err set. */
static scmp_filter_ctx build(uint64_t caps, struct md_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        md_err(err, ENOMEM, "seccomp_init failed");
        return NULL;
    }
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    /* 32-bit syscall ABIs get the same rules, or they would be a way around */
    if (!r && seccomp_arch_native() == SCMP_ARCH_X86_64) {
        r = seccomp_arch_add(ctx, SCMP_ARCH_X86);
        if (!r || r == -EEXIST)
            r = seccomp_arch_add(ctx, SCMP_ARCH_X32);
        if (r == -EEXIST)
            r = 0;
    }
    for (size_t i = 0; !r && i < sizeof rules / sizeof *rules; i++) {
        if (rules[i].unless_cap != ALWAYS && (caps & (1ULL << rules[i].unless_cap)))
            continue;
        int nr = seccomp_syscall_resolve_name(rules[i].name);
        if (nr == __NR_SCMP_ERROR)
            continue;
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        if (r == -EDOM || r == -EOPNOTSUPP) /* not on this arch */
            r = 0;
    }
    if (!r && !(caps & (1ULL << CAP_SYS_ADMIN))) {
        /* new namespaces through clone; clone3 hides its flags in memory,
         * so it gets ENOSYS and libc falls back to clone (docker does this) */
        static const unsigned long ns[] = {CLONE_NEWNS,    CLONE_NEWUTS, CLONE_NEWIPC,
                                           CLONE_NEWUSER,  CLONE_NEWPID, CLONE_NEWNET,
                                           CLONE_NEWCGROUP};
        for (size_t i = 0; !r && i < sizeof ns / sizeof *ns; i++)
            r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                 SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
        if (!r)
            r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    if (r) {
        seccomp_release(ctx);
        md_errno(err, -r, "build the seccomp filter");
        return NULL;
    }
    return ctx;
}

int seccomp_apply_default(uint64_t caps, struct md_error *err)
{
    scmp_filter_ctx ctx = build(caps, err);
    if (!ctx)
        return -1;
    int r = seccomp_load(ctx);
    seccomp_release(ctx);
    if (r)
        return md_errno(err, -r, "load the seccomp filter");
    return 0;
}

int seccomp_export_default(uint64_t caps, int fd, struct md_error *err)
{
    scmp_filter_ctx ctx = build(caps, err);
    if (!ctx)
        return -1;
    int r = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (r)
        return md_errno(err, -r, "export the seccomp filter");
    return 0;
}

int seccomp_export_cached(const char *path, uint64_t caps, struct md_error *err)
{
    if (access(path, R_OK) == 0)
        return 0;
    /* daemon threads may fill the same entry at once: each writes its own
     * temporary file, the last rename wins, all with the same bytes */
    _cleanup_fs_replace_ struct fs_replace r = {.fd = -1};
    if (fs_replace_open(&r, AT_FDCWD, path, 0600, err) < 0 ||
        seccomp_export_default(caps, r.fd, err) < 0 || fs_replace_commit(&r, 0, err) < 0)
        return md_err_wrap(err, "seccomp filter cache %s", path);
    return 0;
}

int seccomp_load_bpf(const void *prog, size_t len, struct md_error *err)
{
    if (!len || len % sizeof(struct sock_filter) || len / sizeof(struct sock_filter) > 65535)
        return md_err(err, EINVAL, "load the seccomp filter: bad program size %zu", len);
    struct sock_fprog fp = {.len = (unsigned short)(len / sizeof(struct sock_filter)),
                            .filter = (struct sock_filter *)prog};
    /* like seccomp_load with SCMP_FLTATR_CTL_NNP off: no flags */
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
        return md_errno(err, errno, "load the seccomp filter");
    return 0;
}

/* ---- docker-format profiles (--security-opt seccomp=<json>) ---- */

void seccomp_profile_free(struct seccomp_profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nrules; i++) {
        strv_free(p->rules[i].names);
        free(p->rules[i].args);
    }
    free(p->rules);
    free(p->arches);
    free(p);
}

static void *dup_mem(const void *m, size_t n)
{
    return n ? memcpy(xmalloc(n), m, n) : NULL;
}

struct seccomp_profile *seccomp_profile_copy(const struct seccomp_profile *p)
{
    if (!p)
        return NULL;
    struct seccomp_profile *c = xcalloc(1, sizeof *c);
    *c = *p;
    c->arches = dup_mem(p->arches, p->narches * sizeof *p->arches);
    c->rules = dup_mem(p->rules, p->nrules * sizeof *p->rules);
    for (size_t i = 0; i < p->nrules; i++) {
        c->rules[i].names = strv_dup(p->rules[i].names);
        c->rules[i].args = dup_mem(p->rules[i].args, p->rules[i].nargs * sizeof *p->rules[i].args);
    }
    return c;
}

static bool args_share_an_index(const struct seccomp_rule *r)
{
    for (size_t i = 0; i < r->nargs; i++)
        for (size_t j = i + 1; j < r->nargs; j++)
            if (r->args[i].index == r->args[j].index)
                return true;
    return false;
}

/* One syscall of a rule. As runc: conditions on distinct arguments are
 * ANDed in one rule; several on the same argument make one rule each (ORed),
 * since libseccomp cannot AND two comparisons of one argument. */
static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, int nr)
{
    struct scmp_arg_cmp cmp[6];
    if (!r->nargs)
        return seccomp_rule_add(ctx, r->action, nr, 0);
    if (!args_share_an_index(r) && r->nargs <= 6) {
        for (size_t i = 0; i < r->nargs; i++)
            cmp[i] = (struct scmp_arg_cmp){r->args[i].index, (enum scmp_compare)r->args[i].op,
                                           r->args[i].value, r->args[i].value_two};
        return seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->nargs, cmp);
    }
    for (size_t i = 0; i < r->nargs; i++) {
        cmp[0] = (struct scmp_arg_cmp){r->args[i].index, (enum scmp_compare)r->args[i].op,
                                       r->args[i].value, r->args[i].value_two};
        int e = seccomp_rule_add_array(ctx, r->action, nr, 1, cmp);
        if (e)
            return e;
    }
    return 0;
}

int seccomp_export_profile(const struct seccomp_profile *p, uint64_t caps, int fd,
                           struct md_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(p->default_action);
    if (!ctx)
        return md_err(err, MD_EINVAL, "seccomp profile: invalid defaultAction");
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (size_t i = 0; !r && i < p->narches; i++) {
        r = seccomp_arch_add(ctx, p->arches[i]);
        if (r == -EEXIST)
            r = 0;
    }
    for (size_t i = 0; !r && i < p->nrules; i++) {
        const struct seccomp_rule *rule = &p->rules[i];
        if ((caps & rule->caps_all) != rule->caps_all || (caps & rule->caps_none))
            continue;
        /* the default action again: libseccomp refuses it as a rule */
        if (rule->action == p->default_action)
            continue;
        for (char **n = rule->names; !r && n && *n; n++) {
            int nr = seccomp_syscall_resolve_name(*n);
            if (nr == __NR_SCMP_ERROR)
                continue; /* unknown to libseccomp: skipped, as runc does */
            r = add_rule(ctx, rule, nr);
            if (r == -EDOM || r == -EOPNOTSUPP) /* not on this arch */
                r = 0;
            if (r) {
                seccomp_release(ctx);
                return md_err(err, MD_EINVAL, "seccomp profile: syscall %s: %s", *n, strerror(-r));
            }
        }
    }
    if (!r)
        r = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (r)
        return md_errno(err, -r, "seccomp profile: export the filter");
    return 0;
}
