/* Every route table of the API, in match order. */
#include "daemon/api/server.h"

const struct api_route *const api_route_tables[] = {
    api_routes_system,
    NULL,
};
