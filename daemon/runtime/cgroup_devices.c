/* Device access for cgroup2: there is no devices.allow file, only a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup. This one
 * encodes docker's default rules (the same list the v1 backend writes):
 * mknod of any char or block device; read/write only of null, zero, full,
 * random, urandom, tty, ptmx, the pts and tun. Without it, a container's
 * root (which holds CAP_MKNOD) could create and open the host's disks. */
#include "daemon/runtime/cgroup.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
    ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o)       INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define MOV64_REG(d, s)      INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)      INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU32_IMM(op, d, i)  INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define JMP_IMM(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JA(o)                INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT()               INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* ctx: struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major, minor; }
 * Jump offsets count from the next instruction; the labels are DENY = 22
 * and ALLOW = 24. */
static const struct bpf_insn prog[] = {
    /* 0 */ LDX_W(BPF_REG_2, BPF_REG_1, 0),
    /* 1 */ MOV64_REG(BPF_REG_3, BPF_REG_2),
    /* 2 */ ALU32_IMM(BPF_AND, BPF_REG_3, 0xffff),                /* type */
    /* 3 */ ALU32_IMM(BPF_RSH, BPF_REG_2, 16),                    /* access */
    /* 4 */ LDX_W(BPF_REG_4, BPF_REG_1, 4),                       /* major */
    /* 5 */ LDX_W(BPF_REG_5, BPF_REG_1, 8),                       /* minor */
    /* 6 */ JMP_IMM(BPF_JEQ, BPF_REG_2, BPF_DEVCG_ACC_MKNOD, 17), /* "c *:* m", "b *:* m" */
    /* 7 */ JMP_IMM(BPF_JNE, BPF_REG_3, BPF_DEVCG_DEV_CHAR, 14),
    /* 8 */ JMP_IMM(BPF_JEQ, BPF_REG_4, 136, 15), /* c 136:* (pts) */
    /* 9 */ JMP_IMM(BPF_JNE, BPF_REG_4, 1, 6),
    /* 10 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 3, 13), /* null */
    /* 11 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 5, 12), /* zero */
    /* 12 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 7, 11), /* full */
    /* 13 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 8, 10), /* random */
    /* 14 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 9, 9),  /* urandom */
    /* 15 */ JA(6),
    /* 16 */ JMP_IMM(BPF_JNE, BPF_REG_4, 5, 3),
    /* 17 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 0, 6), /* tty */
    /* 18 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 2, 5), /* ptmx */
    /* 19 */ JA(2),
    /* 20 */ JMP_IMM(BPF_JNE, BPF_REG_4, 10, 1),
    /* 21 */ JMP_IMM(BPF_JEQ, BPF_REG_5, 200, 2), /* tun */
    /* 22 DENY */ MOV64_IMM(BPF_REG_0, 0),
    /* 23 */ EXIT(),
    /* 24 ALLOW */ MOV64_IMM(BPF_REG_0, 1),
    /* 25 */ EXIT(),
};

#define NPROG      (sizeof prog / sizeof *prog)
#define LOADS      6 /* prog[0..5] load the registers; the rules go after them */
#define RULE_INSNS 6 /* the most one rule takes */

/* One "t maj:min acc" rule (valid: ctr_spec checked it) as a test that
 * jumps to ALLOW, the program's second last instruction, when the device
 * matches and the access asked for is within acc; else falls through. */
static size_t emit_rule(struct bpf_insn *out, size_t at, size_t allow, const char *rule)
{
    char type = rule[0];
    const char *p = rule + 2;
    long maj = -1, min = -1;
    if (*p != '*')
        maj = strtol(p, NULL, 10);
    p = strchr(p, ':') + 1;
    if (*p != '*')
        min = strtol(p, NULL, 10);
    const char *acc = strchr(p, ' ') + 1;
    int mask = (strchr(acc, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
               (strchr(acc, 'r') ? BPF_DEVCG_ACC_READ : 0) |
               (strchr(acc, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
    size_t n = 3 + (type != 'a') + (maj >= 0) + (min >= 0), k = 0;
    struct bpf_insn *o = out + at;
    /* a jump's offset counts from the next instruction: the rule's end
     * is n - 1 - k away */
    if (type != 'a') {
        o[k] = JMP_IMM(BPF_JNE, BPF_REG_3, type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
                       (int16_t)(n - 1 - k));
        k++;
    }
    if (maj >= 0) {
        o[k] = JMP_IMM(BPF_JNE, BPF_REG_4, (int32_t)maj, (int16_t)(n - 1 - k));
        k++;
    }
    if (min >= 0) {
        o[k] = JMP_IMM(BPF_JNE, BPF_REG_5, (int32_t)min, (int16_t)(n - 1 - k));
        k++;
    }
    o[k++] = MOV64_REG(BPF_REG_6, BPF_REG_2);
    o[k++] = ALU32_IMM(BPF_AND, BPF_REG_6, ~mask & 7);
    o[k] = JMP_IMM(BPF_JEQ, BPF_REG_6, 0, (int16_t)(allow - (at + k + 1)));
    return n;
}

int cg_v2_attach_device_filter(const char *dir, char *const *extra, struct md_error *err)
{
    char log[4096] = "";
    size_t nextra = 0;
    for (char *const *r = extra; r && *r; r++)
        nextra++;
    /* the extra rules sit between the loads and the defaults, whose
     * jumps are relative and stay as they are; the first pass counts */
    _cleanup_free_ struct bpf_insn *insns = xcalloc(NPROG + nextra * RULE_INSNS, sizeof *insns);
    size_t len = LOADS;
    struct bpf_insn scratch[RULE_INSNS];
    for (char *const *r = extra; r && *r; r++)
        len += emit_rule(scratch, 0, RULE_INSNS, *r);
    size_t allow = len + (NPROG - LOADS) - 2;
    memcpy(insns, prog, LOADS * sizeof *insns);
    size_t at = LOADS;
    for (char *const *r = extra; r && *r; r++)
        at += emit_rule(insns, at, allow, *r);
    memcpy(insns + at, prog + LOADS, (NPROG - LOADS) * sizeof *insns);
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)insns;
    a.insn_cnt = (uint32_t)(at + NPROG - LOADS);
    a.license = (uint64_t)(uintptr_t) "Apache-2.0";
    a.log_buf = (uint64_t)(uintptr_t)log;
    a.log_size = sizeof log;
    a.log_level = 1;
    _cleanup_close_ int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
    if (pfd < 0)
        return md_errno(err, errno, "load the device filter%s%s", log[0] ? ": " : "", log);
    _cleanup_close_ int cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0)
        return md_errno(err, errno, "open %s", dir);
    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cg;
    a.attach_bpf_fd = (uint32_t)pfd;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    /* the attachment keeps the program alive until the cgroup is removed */
    if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof a) < 0)
        return md_errno(err, errno, "attach the device filter to %s", dir);
    return 0;
}
