/* --security-opt seccomp=<json>: a docker-format seccomp profile (what the
 * docker CLI sends after reading the file), parsed and checked at create
 * into the runtime's typed struct seccomp_profile. */
#pragma once
#include "common/error.h"
#include "daemon/runtime/seccomp.h"

/* Bad JSON or a field of the wrong type: MD_EINVAL "Decoding seccomp profile
 * failed: ..." (docker's words); a value minidock cannot apply (an unknown
 * action, operator or architecture, a listener, flags): MD_EINVAL naming it. */
int ctr_seccomp_parse(const char *json, struct seccomp_profile **out, struct md_error *err);
