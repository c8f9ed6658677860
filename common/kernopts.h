/* docker's rules for the kernel settings a container may ask for: device
 * permissions, device cgroup rules and the sysctls that live in a
 * container's own namespaces. Shared by the client's flag checks and the
 * daemon's spec (daemon/state/ctr_spec.c). */
#pragma once
#include <stdbool.h>

/* validDeviceMode: one to three of 'r', 'w', 'm', none twice. */
bool kopt_device_mode_valid(const char *mode);
/* ^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$ ("c 1:3 rwm", "a *:* m"). */
bool kopt_cgroup_rule_valid(const char *rule);

enum kopt_sysctl_ns { KOPT_SYSCTL_NONE, KOPT_SYSCTL_IPC, KOPT_SYSCTL_NET };
/* Which namespace a sysctl key belongs to: the IPC ones docker allows
 * (kernel.msgmax, ..., fs.mqueue.*), net.*, or none (not settable). */
enum kopt_sysctl_ns kopt_sysctl_ns(const char *key);
