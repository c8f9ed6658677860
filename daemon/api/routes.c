/* Every route table of the API, in match order, and the routes docker has
 * that minidock does not serve yet. */
#include "daemon/api/containers.h"
#include "daemon/api/images.h"
#include "daemon/api/server.h"

extern const struct api_route api_routes_events[];
extern const struct api_route api_routes_networks[];
extern const struct api_route api_routes_exec[];
extern const struct api_route api_routes_volumes[];
extern const struct api_route api_routes_commit[];
extern const struct api_route api_routes_df[];
extern const struct api_route api_routes_build[];

/* one per line: tables get added by separate changes */
const struct api_route *const api_route_tables[] = {
    api_routes_system,
    api_routes_events,
    api_routes_containers,
    api_routes_ctr_io,
    api_routes_ctr_info,
    api_routes_exec,
    api_routes_images,
    api_routes_networks,
    api_routes_ctr_archive,
    api_routes_volumes,
    api_routes_commit,
    api_routes_df,
    api_routes_build,
    NULL,
};

/* What a node outside a swarm answers (moby daemon/cluster: errNoManager,
 * errNoSwarm; both 503, which docker-py's leave_swarm(force=True) takes as
 * "nothing to leave"). */
#define NO_MANAGER                                                                                 \
    "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to "     \
    "connect this node to swarm and try again."
#define NO_SWARM "This node is not part of a swarm"
#define SWARM(method, pattern)                                                                     \
    {                                                                                              \
        method, pattern, "swarm mode", 503, NO_MANAGER                                             \
    }
#define TODO(method, pattern, feature)                                                             \
    {                                                                                              \
        method, pattern, feature, 501, NULL                                                        \
    }

/* Every route of the 1.50 swagger that no table above serves. */
const struct api_missing_route api_missing_routes[] = {
    TODO("GET", "/containers/{id}/attach/ws", "attach over a websocket"),
    TODO("POST", "/session", "build sessions"),
    TODO("GET", "/images/search", "image search"),
    /* only cluster volumes can be updated (moby putVolumesUpdate) */
    {"PUT", "/volumes/{name}", "cluster volumes", 503,
     "volume update only valid for cluster volumes, but swarm is not enabled"},
    TODO("GET", "/plugins", "plugins"),
    TODO("GET", "/plugins/privileges", "plugins"),
    TODO("POST", "/plugins/pull", "plugins"),
    TODO("POST", "/plugins/create", "plugins"),
    TODO("GET", "/plugins/{name*}/json", "plugins"),
    TODO("DELETE", "/plugins/{name*}", "plugins"),
    TODO("POST", "/plugins/{name*}/enable", "plugins"),
    TODO("POST", "/plugins/{name*}/disable", "plugins"),
    TODO("POST", "/plugins/{name*}/upgrade", "plugins"),
    TODO("POST", "/plugins/{name*}/push", "plugins"),
    TODO("POST", "/plugins/{name*}/set", "plugins"),
    /* init and join would make this node a swarm node: not a state error */
    TODO("POST", "/swarm/init", "swarm mode (swarm init)"),
    TODO("POST", "/swarm/join", "swarm mode (swarm join)"),
    {"POST", "/swarm/leave", "swarm mode", 503, NO_SWARM},
    SWARM("GET", "/swarm"),
    SWARM("POST", "/swarm/update"),
    SWARM("GET", "/swarm/unlockkey"),
    SWARM("POST", "/swarm/unlock"),
    SWARM("GET", "/nodes"),
    SWARM("GET", "/nodes/{id}"),
    SWARM("DELETE", "/nodes/{id}"),
    SWARM("POST", "/nodes/{id}/update"),
    SWARM("GET", "/services"),
    SWARM("POST", "/services/create"),
    SWARM("GET", "/services/{id}"),
    SWARM("DELETE", "/services/{id}"),
    SWARM("POST", "/services/{id}/update"),
    SWARM("GET", "/services/{id}/logs"),
    SWARM("GET", "/tasks"),
    SWARM("GET", "/tasks/{id}"),
    SWARM("GET", "/tasks/{id}/logs"),
    SWARM("GET", "/secrets"),
    SWARM("POST", "/secrets/create"),
    SWARM("GET", "/secrets/{id}"),
    SWARM("DELETE", "/secrets/{id}"),
    SWARM("POST", "/secrets/{id}/update"),
    SWARM("GET", "/configs"),
    SWARM("POST", "/configs/create"),
    SWARM("GET", "/configs/{id}"),
    SWARM("DELETE", "/configs/{id}"),
    SWARM("POST", "/configs/{id}/update"),
    {NULL, NULL, NULL, 0, NULL},
};
