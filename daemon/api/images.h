/* Image endpoints (images.c). */
#pragma once
#include "daemon/api/server.h"

extern const struct api_route api_routes_images[];
