/* Container names: docker's random "adjective_surname" generator and its
 * name validity rule. */
#pragma once
#include <stdbool.h>

/* A random "adjective_surname" (malloc'd). When retry > 0 (the caller's
 * previous pick was taken) a random digit 0-9 is appended, as docker does. */
char *name_random(unsigned retry);
/* docker's rule ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$ */
bool name_valid(const char *name);
