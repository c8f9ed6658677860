/* The event bus: every module reports what it did (container start, image
 * load, ...); GET /events replays the recent past and follows the present. */
#pragma once
#include <jansson.h>
#include <stdint.h>

/* type: "container", "image", "network", "volume"; id: the full object id
 * (containers: 64 hex, which the docker CLI requires) or a name; attributes
 * is stolen and may be NULL. Safe from any thread. */
void events_emit(const char *type, const char *action, const char *id, json_t *attributes);

/* Every event with a sequence number above *cursor, oldest first, waiting
 * up to timeout_ms for the first; *cursor advances. Returns a new array
 * (possibly empty). Start with *cursor = 0 to replay the buffer, or with
 * events_last_seq() to see only new events. */
json_t *events_wait(uint64_t *cursor, int timeout_ms);
uint64_t events_last_seq(void);
