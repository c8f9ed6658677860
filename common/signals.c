/* Signal name table. Numbers are the Linux kernel's, fixed here rather than
 * taken from <signal.h> macros: the signal goes to a process inside a
 * container whose libc may differ from ours (glibc's SIGRTMIN is a function
 * returning 34, musl's 35), and docker's table says RTMIN is 34. */
#include "common/signals.h"

#include <stddef.h>
#include <strings.h>

enum { SIG_RTMIN = 34, SIG_RTMAX = 64 };

/* Primary names first: signal_name returns the first entry for a number. */
static const struct {
    const char *name;
    int num;
} sigtab[] = {
    {"SIGHUP", 1},
    {"SIGINT", 2},
    {"SIGQUIT", 3},
    {"SIGILL", 4},
    {"SIGTRAP", 5},
    {"SIGABRT", 6},
    {"SIGBUS", 7},
    {"SIGFPE", 8},
    {"SIGKILL", 9},
    {"SIGUSR1", 10},
    {"SIGSEGV", 11},
    {"SIGUSR2", 12},
    {"SIGPIPE", 13},
    {"SIGALRM", 14},
    {"SIGTERM", 15},
    {"SIGSTKFLT", 16},
    {"SIGCHLD", 17},
    {"SIGCONT", 18},
    {"SIGSTOP", 19},
    {"SIGTSTP", 20},
    {"SIGTTIN", 21},
    {"SIGTTOU", 22},
    {"SIGURG", 23},
    {"SIGXCPU", 24},
    {"SIGXFSZ", 25},
    {"SIGVTALRM", 26},
    {"SIGPROF", 27},
    {"SIGWINCH", 28},
    {"SIGIO", 29},
    {"SIGPWR", 30},
    {"SIGSYS", 31},
    /* aliases docker also accepts */
    {"SIGIOT", 6},
    {"SIGCLD", 17},
    {"SIGPOLL", 29},
};

/* Docker names 35..49 RTMIN+n and 50..63 RTMAX-n. */
static const char *const rt_names[SIG_RTMAX - SIG_RTMIN + 1] = {
    "SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
    "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11",
    "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13",
    "SIGRTMAX-12", "SIGRTMAX-11", "SIGRTMAX-10", "SIGRTMAX-9",  "SIGRTMAX-8",  "SIGRTMAX-7",
    "SIGRTMAX-6",  "SIGRTMAX-5",  "SIGRTMAX-4",  "SIGRTMAX-3",  "SIGRTMAX-2",  "SIGRTMAX-1",
    "SIGRTMAX",
};

/* Decimal digits only, no sign or spaces; -1 if empty, not digits or > 999. */
static int small_uint(const char *s)
{
    int v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 99)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

int signal_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    if (*s >= '0' && *s <= '9') {
        int n = small_uint(s);
        return n >= 1 && n <= SIG_RTMAX ? n : -1;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof(sigtab) / sizeof(sigtab[0]); i++)
        if (strcasecmp(s, sigtab[i].name + 3) == 0)
            return sigtab[i].num;
    /* RTMIN, RTMAX and offsets from them (docker lists RTMIN+1..15 and
     * RTMAX-14..-1; any offset that stays in the real-time range is the
     * same signal under another spelling, so accept it). */
    int base = 0, dir = 0;
    if (strncasecmp(s, "RTMIN", 5) == 0) {
        base = SIG_RTMIN;
        dir = 1;
    } else if (strncasecmp(s, "RTMAX", 5) == 0) {
        base = SIG_RTMAX;
        dir = -1;
    } else {
        return -1;
    }
    s += 5;
    if (*s == '\0')
        return base;
    if ((dir > 0 && *s != '+') || (dir < 0 && *s != '-'))
        return -1;
    int off = small_uint(s + 1);
    if (off < 0)
        return -1;
    int sig = base + dir * off;
    return sig >= SIG_RTMIN && sig <= SIG_RTMAX ? sig : -1;
}

const char *signal_name(int sig)
{
    for (size_t i = 0; i < sizeof(sigtab) / sizeof(sigtab[0]); i++)
        if (sigtab[i].num == sig)
            return sigtab[i].name;
    if (sig >= SIG_RTMIN && sig <= SIG_RTMAX)
        return rt_names[sig - SIG_RTMIN];
    return NULL;
}
