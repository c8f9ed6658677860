/* Shared by the container endpoint files. */
#pragma once
#include <jansson.h>

#include "daemon/api/server.h"
#include "daemon/state/container.h"

extern const struct api_route api_routes_containers[];
extern const struct api_route api_routes_ctr_io[];

/* The container named by r->params[0] (a new reference), or NULL after
 * replying 404. */
struct container *api_find_container(struct api_req *r);
/* docker inspect's JSON (store lock held). */
json_t *ctr_inspect_json(const struct container *c);
json_t *ctr_mounts_json(const struct container *c);
/* Bytes in the container's writable layer. */
long long ctr_size_rw(const struct container *c);
/* Every container as GET /containers/json?all=1&size=1 lists it (system df). */
json_t *ctr_list_sized(void);
extern const struct api_route api_routes_ctr_info[];
/* ctr_archive.c: docker cp (archive HEAD/GET/PUT) and export */
extern const struct api_route api_routes_ctr_archive[];
