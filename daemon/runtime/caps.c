/* Capability sets via libcap. */
#include "daemon/runtime/caps.h"
#include "common/cleanup.h"

#include <errno.h>
#include <strings.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#define BIT(c) (1ULL << (c))

uint64_t caps_default(void)
{
    return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) |
           BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) |
           BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) |
           BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

static unsigned last_cap(void)
{
    int n = cap_max_bits();
    return n > 0 && n <= 64 ? (unsigned)n - 1 : CAP_LAST_CAP;
}

/* Our own bounding set: nothing outside it can be given. */
static uint64_t own_bounding(void)
{
    uint64_t m = 0;
    for (unsigned c = 0; c <= last_cap(); c++)
        if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
            m |= BIT(c);
    return m;
}

int caps_from_name(const char *name)
{
    const char *n = !strncasecmp(name, "CAP_", 4) ? name + 4 : name;
    if (!*n)
        return -1;
    _cleanup_free_ char *full = xasprintf("cap_%s", n);
    for (char *p = full; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    cap_value_t v;
    if (cap_from_name(full, &v) < 0 || v < 0 || v > 63)
        return -1;
    return (int)v;
}

static bool is_all(const char *s)
{
    return !strcasecmp(s, "ALL") || !strcasecmp(s, "CAP_ALL");
}

int caps_compute(bool privileged, char *const *add, char *const *drop, uint64_t *out,
                 struct md_error *err)
{
    uint64_t all = own_bounding();
    if (privileged) {
        *out = all;
        return 0;
    }
    uint64_t m = caps_default();
    /* docker: drop first (ALL clears), then add (ALL grants everything) */
    for (char *const *d = drop; d && *d; d++) {
        if (is_all(*d)) {
            m = 0;
            continue;
        }
        int c = caps_from_name(*d);
        if (c < 0)
            return md_err(err, MD_EINVAL, "unknown capability drop: \"%s\"", *d);
        m &= ~BIT(c);
    }
    for (char *const *a = add; a && *a; a++) {
        if (is_all(*a)) {
            m = all;
            continue;
        }
        int c = caps_from_name(*a);
        if (c < 0)
            return md_err(err, MD_EINVAL, "unknown capability: \"%s\"", *a);
        m |= BIT(c);
    }
    *out = m & all;
    return 0;
}

int caps_drop_bounding(uint64_t keep, struct md_error *err)
{
    for (unsigned c = 0; c <= last_cap(); c++) {
        if (keep & BIT(c))
            continue;
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return md_errno(err, errno, "drop capability %u from the bounding set", c);
    }
    return 0;
}

int caps_apply(uint64_t keep, struct md_error *err)
{
    cap_t caps = cap_init(); /* all clear */
    if (!caps)
        return md_errno(err, errno, "cap_init");
    cap_value_t list[64];
    int n = 0;
    for (unsigned c = 0; c <= last_cap(); c++)
        if (keep & BIT(c))
            list[n++] = (cap_value_t)c;
    int r = 0;
    if (n && (cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0 ||
              cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0))
        r = md_errno(err, errno, "cap_set_flag");
    if (!r && cap_set_proc(caps) < 0)
        r = md_errno(err, errno, "apply capabilities");
    cap_free(caps);
    if (r)
        return r;
    /* ambient caps could survive the exec of a non-root user: none */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return md_errno(err, errno, "clear ambient capabilities");
    return 0;
}
