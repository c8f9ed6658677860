/* moby's request structs as tables (from api/types and the 1.50 swagger)
 * and the decoder that applies Go's encoding/json rules to a body: keys
 * match fields exactly or else case-insensitively (docker-py sends
 * "detachKeys"), map keys are data and stay as sent, and a value of the
 * wrong JSON type is a 400 in Go's words. */
#include "daemon/api/schema.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"

#include <string.h>
#include <strings.h>

#define END                                                                                        \
    {                                                                                              \
        NULL, SK_ANY, NULL, NULL                                                                   \
    }

/* ---- container.CreateRequest: Config, HostConfig, NetworkingConfig ---- */

static const struct schema_field health_fields[] = {
    {"Test", SK_STRINGS, "[]string", NULL},
    {"Interval", SK_INT, "time.Duration", NULL},
    {"Timeout", SK_INT, "time.Duration", NULL},
    {"StartPeriod", SK_INT, "time.Duration", NULL},
    {"StartInterval", SK_INT, "time.Duration", NULL},
    {"Retries", SK_INT, "int", NULL},
    END,
};
static const struct schema health_config = {"HealthConfig", "container.HealthConfig", health_fields,
                                            NULL};

static const struct schema_field config_fields[] = {
    {"Hostname", SK_STRING, "string", NULL},
    {"Domainname", SK_STRING, "string", NULL},
    {"User", SK_STRING, "string", NULL},
    {"AttachStdin", SK_BOOL, "bool", NULL},
    {"AttachStdout", SK_BOOL, "bool", NULL},
    {"AttachStderr", SK_BOOL, "bool", NULL},
    {"ExposedPorts", SK_MAP_ANY, "nat.PortSet", NULL},
    {"Tty", SK_BOOL, "bool", NULL},
    {"OpenStdin", SK_BOOL, "bool", NULL},
    {"StdinOnce", SK_BOOL, "bool", NULL},
    {"Env", SK_STRINGS, "[]string", NULL},
    {"Cmd", SK_STRSLICE, "strslice.StrSlice", NULL},
    {"Healthcheck", SK_STRUCT, "container.HealthConfig", &health_config},
    {"ArgsEscaped", SK_BOOL, "bool", NULL},
    {"Image", SK_STRING, "string", NULL},
    {"Volumes", SK_MAP_ANY, "map[string]struct {}", NULL},
    {"WorkingDir", SK_STRING, "string", NULL},
    {"Entrypoint", SK_STRSLICE, "strslice.StrSlice", NULL},
    {"NetworkDisabled", SK_BOOL, "bool", NULL},
    {"MacAddress", SK_STRING, "string", NULL},
    {"OnBuild", SK_STRINGS, "[]string", NULL},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL},
    {"StopSignal", SK_STRING, "string", NULL},
    {"StopTimeout", SK_INT, "int", NULL},
    {"Shell", SK_STRSLICE, "strslice.StrSlice", NULL},
    END,
};
const struct schema schema_container_config = {"Config", "container.Config", config_fields, NULL};

static const struct schema_field log_fields[] = {
    {"Type", SK_STRING, "string", NULL},
    {"Config", SK_MAP_STRING, "map[string]string", NULL},
    END,
};
static const struct schema log_config = {"LogConfig", "container.LogConfig", log_fields, NULL};

static const struct schema_field port_binding_fields[] = {
    {"HostIp", SK_STRING, "string", NULL},
    {"HostPort", SK_STRING, "string", NULL},
    END,
};
static const struct schema port_binding = {"PortBinding", "nat.PortBinding", port_binding_fields,
                                           NULL};

static const struct schema_field restart_fields[] = {
    {"Name", SK_STRING, "container.RestartPolicyMode", NULL},
    {"MaximumRetryCount", SK_INT, "int", NULL},
    END,
};
static const struct schema restart_policy = {"RestartPolicy", "container.RestartPolicy",
                                             restart_fields, NULL};

static const struct schema_field weight_device_fields[] = {
    {"Path", SK_STRING, "string", NULL},
    {"Weight", SK_UINT, "uint16", NULL},
    END,
};
static const struct schema weight_device = {"WeightDevice", "blkiodev.WeightDevice",
                                            weight_device_fields, NULL};

static const struct schema_field throttle_device_fields[] = {
    {"Path", SK_STRING, "string", NULL},
    {"Rate", SK_UINT, "uint64", NULL},
    END,
};
static const struct schema throttle_device = {"ThrottleDevice", "blkiodev.ThrottleDevice",
                                              throttle_device_fields, NULL};

static const struct schema_field device_mapping_fields[] = {
    {"PathOnHost", SK_STRING, "string", NULL},
    {"PathInContainer", SK_STRING, "string", NULL},
    {"CgroupPermissions", SK_STRING, "string", NULL},
    END,
};
static const struct schema device_mapping = {"DeviceMapping", "container.DeviceMapping",
                                             device_mapping_fields, NULL};

static const struct schema_field device_request_fields[] = {
    {"Driver", SK_STRING, "string", NULL},
    {"Count", SK_INT, "int", NULL},
    {"DeviceIDs", SK_STRINGS, "[]string", NULL},
    {"Capabilities", SK_STRINGS2, "[][]string", NULL},
    {"Options", SK_MAP_STRING, "map[string]string", NULL},
    END,
};
static const struct schema device_request = {"DeviceRequest", "container.DeviceRequest",
                                             device_request_fields, NULL};

static const struct schema_field ulimit_fields[] = {
    {"Name", SK_STRING, "string", NULL},
    {"Hard", SK_INT, "int64", NULL},
    {"Soft", SK_INT, "int64", NULL},
    END,
};
static const struct schema ulimit = {"Ulimit", "units.Ulimit", ulimit_fields, NULL};

static const struct schema_field resources_fields[] = {
    {"CpuShares", SK_INT, "int64", NULL},
    {"Memory", SK_INT, "int64", NULL},
    {"NanoCpus", SK_INT, "int64", NULL},
    {"CgroupParent", SK_STRING, "string", NULL},
    {"BlkioWeight", SK_UINT, "uint16", NULL},
    {"BlkioWeightDevice", SK_STRUCTS, "[]*blkiodev.WeightDevice", &weight_device},
    {"BlkioDeviceReadBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device},
    {"BlkioDeviceWriteBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device},
    {"BlkioDeviceReadIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device},
    {"BlkioDeviceWriteIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device},
    {"CpuPeriod", SK_INT, "int64", NULL},
    {"CpuQuota", SK_INT, "int64", NULL},
    {"CpuRealtimePeriod", SK_INT, "int64", NULL},
    {"CpuRealtimeRuntime", SK_INT, "int64", NULL},
    {"CpusetCpus", SK_STRING, "string", NULL},
    {"CpusetMems", SK_STRING, "string", NULL},
    {"Devices", SK_STRUCTS, "[]container.DeviceMapping", &device_mapping},
    {"DeviceCgroupRules", SK_STRINGS, "[]string", NULL},
    {"DeviceRequests", SK_STRUCTS, "[]container.DeviceRequest", &device_request},
    {"KernelMemoryTCP", SK_INT, "int64", NULL},
    {"MemoryReservation", SK_INT, "int64", NULL},
    {"MemorySwap", SK_INT, "int64", NULL},
    {"MemorySwappiness", SK_INT, "int64", NULL},
    {"OomKillDisable", SK_BOOL, "bool", NULL},
    {"PidsLimit", SK_INT, "int64", NULL},
    {"Ulimits", SK_STRUCTS, "[]*units.Ulimit", &ulimit},
    {"CpuCount", SK_INT, "int64", NULL},
    {"CpuPercent", SK_INT, "int64", NULL},
    {"IOMaximumIOps", SK_UINT, "uint64", NULL},
    {"IOMaximumBandwidth", SK_UINT, "uint64", NULL},
    END,
};
static const struct schema resources = {"Resources", "container.Resources", resources_fields, NULL};

static const struct schema_field bind_options_fields[] = {
    {"Propagation", SK_STRING, "mount.Propagation", NULL},
    {"NonRecursive", SK_BOOL, "bool", NULL},
    {"CreateMountpoint", SK_BOOL, "bool", NULL},
    {"ReadOnlyNonRecursive", SK_BOOL, "bool", NULL},
    {"ReadOnlyForceRecursive", SK_BOOL, "bool", NULL},
    END,
};
static const struct schema bind_options = {"BindOptions", "mount.BindOptions", bind_options_fields,
                                           NULL};

static const struct schema_field driver_fields[] = {
    {"Name", SK_STRING, "string", NULL},
    {"Options", SK_MAP_STRING, "map[string]string", NULL},
    END,
};
static const struct schema mount_driver = {"Driver", "mount.Driver", driver_fields, NULL};

static const struct schema_field volume_options_fields[] = {
    {"NoCopy", SK_BOOL, "bool", NULL},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL},
    {"Subpath", SK_STRING, "string", NULL},
    {"DriverConfig", SK_STRUCT, "mount.Driver", &mount_driver},
    END,
};
static const struct schema volume_options = {"VolumeOptions", "mount.VolumeOptions",
                                             volume_options_fields, NULL};

static const struct schema_field image_options_fields[] = {
    {"Subpath", SK_STRING, "string", NULL},
    END,
};
static const struct schema image_options = {"ImageOptions", "mount.ImageOptions",
                                            image_options_fields, NULL};

static const struct schema_field tmpfs_options_fields[] = {
    {"SizeBytes", SK_INT, "int64", NULL},
    {"Mode", SK_UINT, "fs.FileMode", NULL},
    {"Options", SK_STRINGS2, "[][]string", NULL},
    END,
};
static const struct schema tmpfs_options = {"TmpfsOptions", "mount.TmpfsOptions",
                                            tmpfs_options_fields, NULL};

static const struct schema_field mount_fields[] = {
    {"Type", SK_STRING, "mount.Type", NULL},
    {"Source", SK_STRING, "string", NULL},
    {"Target", SK_STRING, "string", NULL},
    {"ReadOnly", SK_BOOL, "bool", NULL},
    {"Consistency", SK_STRING, "mount.Consistency", NULL},
    {"BindOptions", SK_STRUCT, "mount.BindOptions", &bind_options},
    {"VolumeOptions", SK_STRUCT, "mount.VolumeOptions", &volume_options},
    {"ImageOptions", SK_STRUCT, "mount.ImageOptions", &image_options},
    {"TmpfsOptions", SK_STRUCT, "mount.TmpfsOptions", &tmpfs_options},
    {"ClusterOptions", SK_ANY, "mount.ClusterOptions", NULL},
    END,
};
static const struct schema mount = {"Mount", "mount.Mount", mount_fields, NULL};

static const struct schema_field host_fields[] = {
    {"Binds", SK_STRINGS, "[]string", NULL},
    {"ContainerIDFile", SK_STRING, "string", NULL},
    {"LogConfig", SK_STRUCT, "container.LogConfig", &log_config},
    {"NetworkMode", SK_STRING, "container.NetworkMode", NULL},
    {"PortBindings", SK_MAP_STRUCTS, "nat.PortMap", &port_binding},
    {"RestartPolicy", SK_STRUCT, "container.RestartPolicy", &restart_policy},
    {"AutoRemove", SK_BOOL, "bool", NULL},
    {"VolumeDriver", SK_STRING, "string", NULL},
    {"VolumesFrom", SK_STRINGS, "[]string", NULL},
    {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL},
    {"Annotations", SK_MAP_STRING, "map[string]string", NULL},
    {"CapAdd", SK_STRSLICE, "strslice.StrSlice", NULL},
    {"CapDrop", SK_STRSLICE, "strslice.StrSlice", NULL},
    {"CgroupnsMode", SK_STRING, "container.CgroupnsMode", NULL},
    {"Dns", SK_STRINGS, "[]string", NULL},
    {"DnsOptions", SK_STRINGS, "[]string", NULL},
    {"DnsSearch", SK_STRINGS, "[]string", NULL},
    {"ExtraHosts", SK_STRINGS, "[]string", NULL},
    {"GroupAdd", SK_STRINGS, "[]string", NULL},
    {"IpcMode", SK_STRING, "container.IpcMode", NULL},
    {"Cgroup", SK_STRING, "container.CgroupSpec", NULL},
    {"Links", SK_STRINGS, "[]string", NULL},
    {"OomScoreAdj", SK_INT, "int", NULL},
    {"PidMode", SK_STRING, "container.PidMode", NULL},
    {"Privileged", SK_BOOL, "bool", NULL},
    {"PublishAllPorts", SK_BOOL, "bool", NULL},
    {"ReadonlyRootfs", SK_BOOL, "bool", NULL},
    {"SecurityOpt", SK_STRINGS, "[]string", NULL},
    {"StorageOpt", SK_MAP_STRING, "map[string]string", NULL},
    {"Tmpfs", SK_MAP_STRING, "map[string]string", NULL},
    {"UTSMode", SK_STRING, "container.UTSMode", NULL},
    {"UsernsMode", SK_STRING, "container.UsernsMode", NULL},
    {"ShmSize", SK_INT, "int64", NULL},
    {"Sysctls", SK_MAP_STRING, "map[string]string", NULL},
    {"Runtime", SK_STRING, "string", NULL},
    {"Isolation", SK_STRING, "container.Isolation", NULL},
    {"Mounts", SK_STRUCTS, "[]mount.Mount", &mount},
    {"MaskedPaths", SK_STRINGS, "[]string", NULL},
    {"ReadonlyPaths", SK_STRINGS, "[]string", NULL},
    {"Init", SK_BOOL, "bool", NULL},
    END,
};
static const struct schema *const host_embeds[] = {&resources, NULL};
const struct schema schema_host_config = {"HostConfig", "container.HostConfig", host_fields,
                                          host_embeds};

static const struct schema_field endpoint_ipam_fields[] = {
    {"IPv4Address", SK_STRING, "string", NULL},
    {"IPv6Address", SK_STRING, "string", NULL},
    {"LinkLocalIPs", SK_STRINGS, "[]string", NULL},
    END,
};
static const struct schema endpoint_ipam = {"EndpointIPAMConfig", "network.EndpointIPAMConfig",
                                            endpoint_ipam_fields, NULL};

static const struct schema_field endpoint_fields[] = {
    {"IPAMConfig", SK_STRUCT, "network.EndpointIPAMConfig", &endpoint_ipam},
    {"Links", SK_STRINGS, "[]string", NULL},
    {"Aliases", SK_STRINGS, "[]string", NULL},
    {"DriverOpts", SK_MAP_STRING, "map[string]string", NULL},
    {"GwPriority", SK_INT, "int", NULL},
    {"NetworkID", SK_STRING, "string", NULL},
    {"EndpointID", SK_STRING, "string", NULL},
    {"Gateway", SK_STRING, "string", NULL},
    {"IPAddress", SK_STRING, "string", NULL},
    {"MacAddress", SK_STRING, "string", NULL},
    {"IPPrefixLen", SK_INT, "int", NULL},
    {"IPv6Gateway", SK_STRING, "string", NULL},
    {"GlobalIPv6Address", SK_STRING, "string", NULL},
    {"GlobalIPv6PrefixLen", SK_INT, "int", NULL},
    {"DNSNames", SK_STRINGS, "[]string", NULL},
    END,
};
static const struct schema endpoint_settings = {"EndpointSettings", "network.EndpointSettings",
                                                endpoint_fields, NULL};

static const struct schema_field networking_fields[] = {
    {"EndpointsConfig", SK_MAP_STRUCT, "map[string]*network.EndpointSettings", &endpoint_settings},
    END,
};
static const struct schema networking_config = {"NetworkingConfig", "network.NetworkingConfig",
                                                networking_fields, NULL};

static const struct schema_field create_fields[] = {
    {"HostConfig", SK_STRUCT, "container.HostConfig", &schema_host_config},
    {"NetworkingConfig", SK_STRUCT, "network.NetworkingConfig", &networking_config},
    END,
};
static const struct schema *const create_embeds[] = {&schema_container_config, NULL};
const struct schema schema_container_create = {"CreateRequest", "container.CreateRequest",
                                               create_fields, create_embeds};

/* ---- exec ---- */

static const struct schema_field exec_create_fields[] = {
    {"User", SK_STRING, "string", NULL},     {"Privileged", SK_BOOL, "bool", NULL},
    {"Tty", SK_BOOL, "bool", NULL},          {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL},
    {"AttachStdin", SK_BOOL, "bool", NULL},  {"AttachStderr", SK_BOOL, "bool", NULL},
    {"AttachStdout", SK_BOOL, "bool", NULL}, {"DetachKeys", SK_STRING, "string", NULL},
    {"Env", SK_STRINGS, "[]string", NULL},   {"WorkingDir", SK_STRING, "string", NULL},
    {"Cmd", SK_STRINGS, "[]string", NULL},   END,
};
const struct schema schema_exec_create = {"ExecOptions", "container.ExecOptions",
                                          exec_create_fields, NULL};

static const struct schema_field exec_start_fields[] = {
    {"Detach", SK_BOOL, "bool", NULL},
    {"Tty", SK_BOOL, "bool", NULL},
    {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL},
    END,
};
const struct schema schema_exec_start = {"ExecStartOptions", "container.ExecStartOptions",
                                         exec_start_fields, NULL};

/* ---- networks ---- */

static const struct schema_field ipam_config_fields[] = {
    {"Subnet", SK_STRING, "string", NULL},
    {"IPRange", SK_STRING, "string", NULL},
    {"Gateway", SK_STRING, "string", NULL},
    {"AuxiliaryAddresses", SK_MAP_STRING, "map[string]string", NULL},
    END,
};
static const struct schema ipam_config = {"IPAMConfig", "network.IPAMConfig", ipam_config_fields,
                                          NULL};

static const struct schema_field ipam_fields[] = {
    {"Driver", SK_STRING, "string", NULL},
    {"Options", SK_MAP_STRING, "map[string]string", NULL},
    {"Config", SK_STRUCTS, "[]network.IPAMConfig", &ipam_config},
    END,
};
static const struct schema ipam = {"IPAM", "network.IPAM", ipam_fields, NULL};

static const struct schema_field config_reference_fields[] = {
    {"Network", SK_STRING, "string", NULL},
    END,
};
static const struct schema config_reference = {"ConfigReference", "network.ConfigReference",
                                               config_reference_fields, NULL};

static const struct schema_field network_create_options_fields[] = {
    {"Driver", SK_STRING, "string", NULL},
    {"Scope", SK_STRING, "string", NULL},
    {"EnableIPv4", SK_BOOL, "bool", NULL},
    {"EnableIPv6", SK_BOOL, "bool", NULL},
    {"IPAM", SK_STRUCT, "network.IPAM", &ipam},
    {"Internal", SK_BOOL, "bool", NULL},
    {"Attachable", SK_BOOL, "bool", NULL},
    {"Ingress", SK_BOOL, "bool", NULL},
    {"ConfigOnly", SK_BOOL, "bool", NULL},
    {"ConfigFrom", SK_STRUCT, "network.ConfigReference", &config_reference},
    {"Options", SK_MAP_STRING, "map[string]string", NULL},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL},
    END,
};
static const struct schema network_create_options = {"CreateOptions", "network.CreateOptions",
                                                     network_create_options_fields, NULL};

/* volume.CreateOptions (POST /volumes/create) */
static const struct schema_field volume_create_fields[] = {
    {"ClusterVolumeSpec", SK_ANY, "*volume.ClusterVolumeSpec", NULL},
    {"Driver", SK_STRING, "string", NULL},
    {"DriverOpts", SK_MAP_STRING, "map[string]string", NULL},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL},
    {"Name", SK_STRING, "string", NULL},
    END,
};
const struct schema schema_volume_create = {"CreateOptions", "volume.CreateOptions",
                                            volume_create_fields, NULL};

static const struct schema_field network_create_fields[] = {
    {"Name", SK_STRING, "string", NULL},
    {"CheckDuplicate", SK_BOOL, "bool", NULL},
    END,
};
static const struct schema *const network_create_embeds[] = {&network_create_options, NULL};
const struct schema schema_network_create = {"CreateRequest", "network.CreateRequest",
                                             network_create_fields, network_create_embeds};

static const struct schema_field network_connect_fields[] = {
    {"Container", SK_STRING, "string", NULL},
    {"EndpointConfig", SK_STRUCT, "network.EndpointSettings", &endpoint_settings},
    END,
};
const struct schema schema_network_connect = {"ConnectOptions", "network.ConnectOptions",
                                              network_connect_fields, NULL};

static const struct schema_field network_disconnect_fields[] = {
    {"Container", SK_STRING, "string", NULL},
    {"Force", SK_BOOL, "bool", NULL},
    END,
};
const struct schema schema_network_disconnect = {"DisconnectOptions", "network.DisconnectOptions",
                                                 network_disconnect_fields, NULL};

/* ---- the decoder ---- */

static const struct schema_field *lookup(const struct schema *s, const char *key, bool fold)
{
    for (const struct schema_field *f = s->fields; f->name; f++)
        if (fold ? !strcasecmp(f->name, key) : !strcmp(f->name, key))
            return f;
    for (const struct schema *const *e = s->embeds; e && *e; e++) {
        const struct schema_field *f = lookup(*e, key, fold);
        if (f)
            return f;
    }
    return NULL;
}

const struct schema_field *schema_field_for(const struct schema *s, const char *key)
{
    const struct schema_field *f = lookup(s, key, false);
    return f ? f : lookup(s, key, true);
}

#define MAX_DEPTH 16

/* Go's decoder names the innermost struct and the path of field names from
 * the top (map keys and array indexes are not part of it). */
struct dctx {
    const char *path[MAX_DEPTH];
    int depth;
    struct md_error *err;
};

/* What Go calls the JSON value in its message; a number that does not fit
 * the integer type is shown with its text. */
static char *value_word(json_t *v, bool with_number)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return xstrdup("string");
    case JSON_INTEGER:
    case JSON_REAL: {
        if (!with_number)
            return xstrdup("number");
        _cleanup_free_ char *t = json_dumps(v, JSON_ENCODE_ANY);
        return xasprintf("number %s", t ? t : "");
    }
    case JSON_TRUE:
    case JSON_FALSE:
        return xstrdup("bool");
    case JSON_ARRAY:
        return xstrdup("array");
    case JSON_OBJECT:
        return xstrdup("object");
    default:
        return xstrdup("null");
    }
}

/* numeric: the target is an integer, where Go names a number it cannot
 * take by its text ("number 1.5", "number -1"). */
static int type_error_in(struct dctx *c, json_t *v, const char *strct, const char *go, bool numeric)
{
    _cleanup_free_ char *word = value_word(v, numeric);
    char path[512] = "";
    size_t n = 0;
    for (int i = 0; i < c->depth && n < sizeof path; i++)
        n += (size_t)snprintf(path + n, sizeof path - n, "%s%s", i ? "." : "", c->path[i]);
    return md_err(c->err, MD_EINVAL,
                  "json: cannot unmarshal %s into Go struct field %s.%s of type %s", word, strct,
                  path, go);
}

static int type_error(struct dctx *c, json_t *v, const char *strct, const char *go)
{
    return type_error_in(c, v, strct, go, false);
}

static bool is_int(json_t *v, bool is_unsigned)
{
    return json_is_integer(v) && (!is_unsigned || json_integer_value(v) >= 0);
}

static int decode_struct(struct dctx *c, json_t *obj, const struct schema *s);

/* An element of a []T or a map value of a struct type T. */
static int decode_elem(struct dctx *c, json_t *v, const struct schema *sub, const char *strct)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return type_error(c, v, strct, sub->go_type);
    return decode_struct(c, v, sub);
}

static int decode_array(struct dctx *c, json_t *v, const struct schema_field *f, const char *strct)
{
    if (!json_is_array(v))
        return type_error(c, v, strct, f->go);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        int rc = 0;
        switch (f->kind) {
        case SK_STRINGS:
            if (!json_is_string(x) && !json_is_null(x))
                rc = type_error(c, x, strct, "string");
            break;
        case SK_STRINGS2: {
            size_t k;
            json_t *y;
            if (!json_is_array(x) && !json_is_null(x))
                rc = type_error(c, x, strct, "[]string");
            json_array_foreach(x, k, y)
            {
                if (rc == 0 && !json_is_string(y) && !json_is_null(y))
                    rc = type_error(c, y, strct, "string");
            }
            break;
        }
        case SK_UINT_PAIR:
            if (i < 2 && !is_int(x, true) && !json_is_null(x))
                rc = type_error_in(c, x, strct, "uint", true);
            break;
        default: /* SK_STRUCTS */
            rc = decode_elem(c, x, f->sub, strct);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int decode_map(struct dctx *c, json_t *v, const struct schema_field *f, const char *strct)
{
    if (!json_is_object(v))
        return type_error(c, v, strct, f->go);
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        int rc = 0;
        if (json_is_null(x))
            continue;
        if (f->kind == SK_MAP_STRING && !json_is_string(x)) {
            rc = type_error(c, x, strct, "string");
        } else if (f->kind == SK_MAP_STRUCT) {
            rc = decode_elem(c, x, f->sub, strct);
        } else if (f->kind == SK_MAP_STRUCTS) {
            if (!json_is_array(x)) {
                _cleanup_free_ char *go = xasprintf("[]%s", f->sub->go_type);
                rc = type_error(c, x, strct, go);
            } else {
                size_t i;
                json_t *y;
                json_array_foreach(x, i, y)
                {
                    if (rc == 0)
                        rc = decode_elem(c, y, f->sub, strct);
                }
            }
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* StrSlice has its own UnmarshalJSON: it tries []string, then string, and
 * returns the second error, which names no field. */
static int decode_strslice(struct dctx *c, json_t *v)
{
    bool ok = json_is_string(v) || json_is_array(v);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) && !json_is_null(x))
            ok = false;
    }
    if (ok)
        return 0;
    _cleanup_free_ char *word = value_word(v, false);
    return md_err(c->err, MD_EINVAL, "json: cannot unmarshal %s into Go value of type string",
                  word);
}

static int decode_value(struct dctx *c, json_t *v, const struct schema_field *f, const char *strct)
{
    if (json_is_null(v))
        return 0; /* Go leaves the zero value */
    switch (f->kind) {
    case SK_STRING:
        return json_is_string(v) ? 0 : type_error(c, v, strct, f->go);
    case SK_BOOL:
        return json_is_boolean(v) ? 0 : type_error(c, v, strct, f->go);
    case SK_INT:
    case SK_UINT:
        return is_int(v, f->kind == SK_UINT) ? 0 : type_error_in(c, v, strct, f->go, true);
    case SK_STRSLICE:
        return decode_strslice(c, v);
    case SK_STRINGS:
    case SK_STRINGS2:
    case SK_UINT_PAIR:
    case SK_STRUCTS:
        return decode_array(c, v, f, strct);
    case SK_MAP_STRING:
    case SK_MAP_ANY:
    case SK_MAP_STRUCT:
    case SK_MAP_STRUCTS:
        return decode_map(c, v, f, strct);
    case SK_STRUCT:
        return json_is_object(v) ? decode_struct(c, v, f->sub) : type_error(c, v, strct, f->go);
    case SK_ANY:
        return 0;
    }
    return 0;
}

static int decode_struct(struct dctx *c, json_t *obj, const struct schema *s)
{
    if (c->depth >= MAX_DEPTH)
        return md_err(c->err, MD_EINVAL, "json: request body nested too deeply");
    /* Rebuilt in order so that, as in Go, the later of two spellings of one
     * field wins; a body already in canonical spelling is left alone. */
    bool canonical = true;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        const struct schema_field *f = schema_field_for(s, k);
        if (!f)
            continue;
        if (strcmp(f->name, k))
            canonical = false;
        c->path[c->depth++] = f->name;
        int rc = decode_value(c, v, f, s->go_name);
        c->depth--;
        if (rc < 0)
            return rc;
    }
    if (canonical)
        return 0;
    _cleanup_json_ json_t *out = json_object();
    json_object_foreach(obj, k, v)
    {
        const struct schema_field *f = schema_field_for(s, k);
        json_object_set(out, f ? f->name : k, v);
    }
    json_object_clear(obj);
    json_object_update(obj, out);
    return 0;
}

int schema_decode(json_t *obj, const struct schema *s, struct md_error *err)
{
    struct dctx c = {.err = err};
    if (!json_is_object(obj))
        return md_err(err, MD_EINVAL, "json: cannot unmarshal %s into Go value of type %s",
                      json_is_array(obj) ? "array" : "value", s->go_type);
    return decode_struct(&c, obj, s);
}
