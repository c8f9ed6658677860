/* The built-in init behind --init (docker uses tini): a PID 1 that has
 * handlers, so SIGTERM from `docker stop` reaches the command instead of
 * being dropped by the kernel's PID 1 rule, and that reaps orphans. */
#include "daemon/runtime/child.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void pid1_init_loop(pid_t child)
{
    /* every signal is blocked (by the caller, before fork): blocked signals
     * are queued even for a namespace's init, and sigwaitinfo takes them */
    sigset_t all;
    sigfillset(&all);
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        for (;;) {
            int st;
            pid_t w = waitpid(-1, &st, WNOHANG);
            if (w <= 0)
                break;
            if (w != child)
                continue;
            if (WIFEXITED(st))
                _exit(WEXITSTATUS(st));
            _exit(128 + WTERMSIG(st));
        }
    }
}
