/* Signal names and numbers as docker's --signal, --stop-signal and the
 * STOPSIGNAL instruction spell them (Linux numbering). */
#pragma once

/* A number 1..64, or a name with or without "SIG" in any case: "kill",
 * "SIGTERM", "hup", "RTMIN+3", "sigrtmax-2". -1 if invalid. */
int signal_parse(const char *s);
/* "SIGTERM", "SIGRTMIN+3"; NULL for numbers without a name (0, 32, 33, >64). */
const char *signal_name(int sig);
