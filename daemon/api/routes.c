/* Every route table of the API, in match order. */
#include "daemon/api/containers.h"
#include "daemon/api/images.h"
#include "daemon/api/server.h"

extern const struct api_route api_routes_events[];
extern const struct api_route api_routes_networks[];
extern const struct api_route api_routes_exec[];

const struct api_route *const api_route_tables[] = {
    api_routes_system, api_routes_events,   api_routes_containers,
    api_routes_ctr_io, api_routes_ctr_info, api_routes_exec,
    api_routes_images, api_routes_networks, NULL,
};
