/* Docker-format seccomp profiles (moby profiles/seccomp: LoadProfile and
 * setupSeccomp) to struct seccomp_profile. What depends on the host (the
 * native architecture, the kernel version) is settled here; what depends on
 * the process (its capabilities) is kept on each rule for the compiler. */
#include "daemon/state/ctr_seccomp.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/runtime/caps.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define BAD(...) md_err(err, MD_EINVAL, "Decoding seccomp profile failed: " __VA_ARGS__)

/* "SCMP_ACT_ERRNO" with errnoRet (NULL: EPERM, as runc) */
static int parse_action(const char *name, json_t *errno_ret, uint32_t *out, struct md_error *err)
{
    if (!name)
        return BAD("missing action");
    if (errno_ret && !json_is_null(errno_ret) &&
        (!json_is_integer(errno_ret) || json_integer_value(errno_ret) < 0 ||
         json_integer_value(errno_ret) > 4095))
        return BAD("errnoRet must be a number from 0 to 4095");
    int e = json_is_integer(errno_ret) ? (int)json_integer_value(errno_ret) : EPERM;
    bool has_errno = json_is_integer(errno_ret);
    if (!strcmp(name, "SCMP_ACT_ERRNO"))
        *out = SCMP_ACT_ERRNO(e);
    else if (!strcmp(name, "SCMP_ACT_TRACE"))
        *out = SCMP_ACT_TRACE(e);
    else if (has_errno)
        return md_err(err, MD_EINVAL,
                      "seccomp profile: errnoRet is only valid with SCMP_ACT_ERRNO and "
                      "SCMP_ACT_TRACE, not %s",
                      name);
    else if (!strcmp(name, "SCMP_ACT_ALLOW"))
        *out = SCMP_ACT_ALLOW;
    else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
        *out = SCMP_ACT_KILL_THREAD;
    else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
        *out = SCMP_ACT_KILL_PROCESS;
    else if (!strcmp(name, "SCMP_ACT_TRAP"))
        *out = SCMP_ACT_TRAP;
    else if (!strcmp(name, "SCMP_ACT_LOG"))
        *out = SCMP_ACT_LOG;
    else if (!strcmp(name, "SCMP_ACT_NOTIFY"))
        return md_err(err, MD_EINVAL,
                      "seccomp profile: minidock does not support SCMP_ACT_NOTIFY (no listener)");
    else
        return md_err(err, MD_EINVAL, "seccomp profile: unknown action %s", name);
    return 0;
}

static const struct {
    const char *name;
    enum scmp_compare op;
} ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
           {"SCMP_CMP_LT", SCMP_CMP_LT},
           {"SCMP_CMP_LE", SCMP_CMP_LE},
           {"SCMP_CMP_EQ", SCMP_CMP_EQ},
           {"SCMP_CMP_GE", SCMP_CMP_GE},
           {"SCMP_CMP_GT", SCMP_CMP_GT},
           {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};

static int parse_arg(json_t *a, struct seccomp_arg *out, struct md_error *err)
{
    json_t *idx = json_object_get(a, "index"), *val = json_object_get(a, "value"),
           *two = json_object_get(a, "valueTwo");
    const char *op = json_str(a, "op");
    if (!json_is_object(a) || !json_is_integer(idx) || (val && !json_is_integer(val)) ||
        (two && !json_is_integer(two)))
        return BAD("an argument needs a numeric index, value and valueTwo");
    if (json_integer_value(idx) < 0 || json_integer_value(idx) > 5)
        return md_err(err, MD_EINVAL,
                      "seccomp profile: argument index %" JSON_INTEGER_FORMAT
                      " out of range (0 to 5)",
                      json_integer_value(idx));
    out->index = (unsigned)json_integer_value(idx);
    /* jansson keeps integers as int64: a uint64 above INT64_MAX does not parse */
    out->value = (uint64_t)json_integer_value(val);
    out->value_two = (uint64_t)json_integer_value(two);
    for (size_t i = 0; op && i < sizeof ops / sizeof *ops; i++)
        if (!strcmp(op, ops[i].name)) {
            out->op = ops[i].op;
            return 0;
        }
    return md_err(err, MD_EINVAL, "seccomp profile: unknown operator %s", op ? op : "(none)");
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token; 0 if unknown */
static uint32_t arch_token(const char *name)
{
    if (!name || strncmp(name, "SCMP_ARCH_", 10))
        return 0;
    char low[32];
    size_t n = 0;
    for (const char *c = name + 10; *c && n + 1 < sizeof low; c++)
        low[n++] = (char)tolower((unsigned char)*c);
    low[n] = 0;
    return seccomp_arch_resolve_name(low);
}

static int add_arch(struct seccomp_profile *p, const char *name, struct md_error *err)
{
    uint32_t a = arch_token(name);
    if (!a)
        return md_err(err, MD_EINVAL, "seccomp profile: unknown architecture %s",
                      name ? name : "(none)");
    p->arches = xrealloc(p->arches, (p->narches + 1) * sizeof *p->arches);
    p->arches[p->narches++] = a;
    return 0;
}

/* The Go name of this machine's architecture, as includes.arches spells it. */
static const char *native_goarch(void)
{
    switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
        return "amd64";
    case SCMP_ARCH_X86:
        return "386";
    case SCMP_ARCH_AARCH64:
        return "arm64";
    case SCMP_ARCH_ARM:
        return "arm";
    case SCMP_ARCH_PPC64LE:
        return "ppc64le";
    case SCMP_ARCH_S390X:
        return "s390x";
    case SCMP_ARCH_RISCV64:
        return "riscv64";
    default:
        return "";
    }
}

static bool strv_json_has(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i,
                       v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return true;
    return false;
}

static bool kernel_at_least(const char *want)
{
    struct utsname u;
    unsigned wmaj = 0, wmin = 0, maj = 0, min = 0;
    if (!want || sscanf(want, "%u.%u", &wmaj, &wmin) < 1 || uname(&u) < 0 ||
        sscanf(u.release, "%u.%u", &maj, &min) < 1)
        return true;
    return maj > wmaj || (maj == wmaj && min >= wmin);
}

/* caps of a filter to a mask; unknown names: *unknown set */
static uint64_t caps_mask(json_t *caps, bool *unknown)
{
    uint64_t m = 0;
    size_t i;
    json_t *v;
    json_array_foreach(caps, i, v)
    {
        int c = json_is_string(v) ? caps_from_name(json_string_value(v)) : -1;
        if (c < 0)
            *unknown = true;
        else
            m |= 1ULL << c;
    }
    return m;
}

/* false: the rule does not apply on this host (or can never apply) */
static bool filters_keep(json_t *sc, struct seccomp_rule *r)
{
    json_t *inc = json_object_get(sc, "includes"), *exc = json_object_get(sc, "excludes");
    json_t *ia = json_object_get(inc, "arches"), *ea = json_object_get(exc, "arches");
    if (json_array_size(ia) && !strv_json_has(ia, native_goarch()))
        return false;
    if (json_array_size(ea) && strv_json_has(ea, native_goarch()))
        return false;
    json_t *mk = json_object_get(inc, "minKernel");
    if (json_is_string(mk) && !kernel_at_least(json_string_value(mk)))
        return false;
    bool unknown = false;
    r->caps_all = caps_mask(json_object_get(inc, "caps"), &unknown);
    if (unknown) /* a capability nobody can hold */
        return false;
    r->caps_none = caps_mask(json_object_get(exc, "caps"), &unknown);
    return true;
}

static int parse_syscall(json_t *sc, struct seccomp_profile *p, struct md_error *err)
{
    if (!json_is_object(sc))
        return BAD("a syscalls entry is not an object");
    const char *name = json_str(sc, "name");
    json_t *names = json_object_get(sc, "names");
    if (name && *name && json_array_size(names))
        return md_err(err, MD_EINVAL,
                      "'name' and 'names' were specified in the seccomp profile, use either "
                      "'name' or 'names'");
    if (names && !json_is_array(names) && !json_is_null(names))
        return BAD("names is not a list");
    struct seccomp_rule r = {0};
    if (!filters_keep(sc, &r))
        return 0;
    json_t *args = json_object_get(sc, "args");
    if (args && !json_is_array(args) && !json_is_null(args))
        return BAD("args is not a list");
    if (parse_action(json_str(sc, "action"), json_object_get(sc, "errnoRet"), &r.action, err) < 0)
        return -1;
    if (json_array_size(args) > 6)
        return md_err(err, MD_EINVAL, "seccomp profile: more than 6 argument conditions");
    r.nargs = json_array_size(args);
    r.args = r.nargs ? xcalloc(r.nargs, sizeof *r.args) : NULL;
    for (size_t i = 0; i < r.nargs; i++)
        if (parse_arg(json_array_get(args, i), &r.args[i], err) < 0) {
            free(r.args);
            return -1;
        }
    if (name && *name) {
        r.names = xcalloc(2, sizeof *r.names);
        r.names[0] = xstrdup(name);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v)
        {
            if (!json_is_string(v)) {
                strv_free(r.names);
                free(r.args);
                return BAD("a syscall name is not a string");
            }
            strv_push(&r.names, json_string_value(v));
        }
    }
    p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof *p->rules);
    p->rules[p->nrules++] = r;
    return 0;
}

static int parse_arches(json_t *root, struct seccomp_profile *p, struct md_error *err)
{
    json_t *arches = json_object_get(root, "architectures"),
           *map = json_object_get(root, "archMap");
    if (json_array_size(arches) && json_array_size(map))
        return md_err(err, MD_EINVAL,
                      "both 'architectures' and 'archMap' are specified in the seccomp profile, "
                      "use either 'architectures' or 'archMap'");
    size_t i, j;
    json_t *v, *w;
    json_array_foreach(arches, i, v) if (add_arch(p, json_string_value(v), err) < 0) return -1;
    /* archMap: only the entry of this machine's architecture counts */
    json_array_foreach(map, i, v)
    {
        uint32_t a = arch_token(json_str(v, "architecture"));
        if (!a || a != seccomp_arch_native())
            continue;
        if (add_arch(p, json_str(v, "architecture"), err) < 0)
            return -1;
        json_array_foreach(json_object_get(v, "subArchitectures"), j, w)
        {
            if (add_arch(p, json_string_value(w), err) < 0)
                return -1;
        }
    }
    return 0;
}

int ctr_seccomp_parse(const char *text, struct seccomp_profile **out, struct md_error *err)
{
    json_error_t je;
    _cleanup_json_ json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return BAD("%s", je.text);
    if (!json_is_object(root))
        return BAD("the profile is not a JSON object");
    json_t *listener = json_object_get(root, "listenerPath");
    if (json_is_string(listener) && *json_string_value(listener))
        return md_err(err, MD_EINVAL, "seccomp profile: minidock does not support listenerPath");
    if (json_array_size(json_object_get(root, "flags")))
        return md_err(err, MD_EINVAL, "seccomp profile: minidock does not support flags");
    json_t *sys = json_object_get(root, "syscalls");
    if (sys && !json_is_array(sys) && !json_is_null(sys))
        return BAD("syscalls is not a list");
    _cleanup_seccomp_profile_ struct seccomp_profile *p = xcalloc(1, sizeof *p);
    if (parse_action(json_str(root, "defaultAction"), json_object_get(root, "defaultErrnoRet"),
                     &p->default_action, err) < 0 ||
        parse_arches(root, p, err) < 0)
        return -1;
    size_t i;
    json_t *v;
    json_array_foreach(sys, i, v) if (parse_syscall(v, p, err) < 0) return -1;
    *out = steal_ptr(&p);
    return 0;
}
