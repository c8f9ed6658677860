/* Capabilities of the container process: docker's default set, adjusted by
 * cap_add/cap_drop, or (privileged) everything in our own bounding set. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* docker's default: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID
 * SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE */
uint64_t caps_default(void);
/* Bit mask of the capabilities to keep. Names: "NET_ADMIN", "CAP_NET_ADMIN"
 * (any case), "ALL". Unknown names: MD_EINVAL `unknown capability: "X"`. */
int caps_compute(bool privileged, char *const *add, char *const *drop, uint64_t *out,
                 struct md_error *err);
/* One name -> number (-1 if unknown). */
int caps_from_name(const char *name);
/* Drop everything else from the bounding set (needs CAP_SETPCAP: do it
 * before the uid change). */
int caps_drop_bounding(uint64_t keep, struct md_error *err);
/* After setuid: effective = permitted = keep, inheritable and ambient empty. */
int caps_apply(uint64_t keep, struct md_error *err);
