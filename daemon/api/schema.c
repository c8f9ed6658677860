/* moby's request structs as tables (from api/types and the 1.50 swagger)
 * and the decoder that applies Go's encoding/json rules to a body: keys
 * match fields exactly or else case-insensitively (docker-py sends
 * "detachKeys"), map keys are data and stay as sent, and a value of the
 * wrong JSON type is a 400 in Go's words. */
#include "daemon/api/schema.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/strbuf.h"

#include <string.h>
#include <strings.h>

#define END                                                                                        \
    {                                                                                              \
        NULL, SK_ANY, NULL, NULL, SU_UNREVIEWED, NULL, NULL                                        \
    }

/* The last three members of a field: its use, its values, its note. */
#define VALUES(...)            ((const char *const[]){__VA_ARGS__, NULL})
#define APPLIED(note)          SU_APPLIED, NULL, note
#define REFUSED                SU_REFUSED, NULL, NULL
#define REFUSED_WHY(note)      SU_REFUSED, NULL, note
#define REFUSED_BUT(note, ...) SU_REFUSED, VALUES(__VA_ARGS__), note
#define ONLY(note, ...)        SU_ONLY, VALUES(__VA_ARGS__), note
#define EXCEPT(note, ...)      SU_EXCEPT, VALUES(__VA_ARGS__), note
#define IGNORED(note)          SU_IGNORED, NULL, note

/* ---- container.CreateRequest: Config, HostConfig, NetworkingConfig ---- */

static const struct schema_field health_fields[] = {
    {"Test", SK_STRINGS, "[]string", NULL,
     APPLIED("CMD argv or CMD-SHELL under /bin/sh -c, run as an exec; NONE: off; the image's "
             "when empty")},
    {"Interval", SK_INT, "time.Duration", NULL, APPLIED("0: 30s; else at least 1ms")},
    {"Timeout", SK_INT, "time.Duration", NULL, APPLIED("0: 30s; a probe past it is killed")},
    {"StartPeriod", SK_INT, "time.Duration", NULL, APPLIED("failures inside it do not count")},
    {"StartInterval", SK_INT, "time.Duration", NULL, APPLIED("0: 5s, while starting")},
    {"Retries", SK_INT, "int", NULL, APPLIED("0: 3; negative refused")},
    END,
};
static const struct schema health_config = {"HealthConfig", "container.HealthConfig", health_fields,
                                            NULL, NULL};

static const struct schema_field config_fields[] = {
    {"Hostname", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Domainname", SK_STRING, "string", NULL, APPLIED("UTS domain name, own /etc/hosts line")},
    {"User", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"AttachStdin", SK_BOOL, "bool", NULL, APPLIED("recorded; the client attaches")},
    {"AttachStdout", SK_BOOL, "bool", NULL, APPLIED("recorded; the client attaches")},
    {"AttachStderr", SK_BOOL, "bool", NULL, APPLIED("recorded; the client attaches")},
    {"ExposedPorts", SK_MAP_ANY, "nat.PortSet", NULL, APPLIED("PublishAllPorts, inspect")},
    {"Tty", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"OpenStdin", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"StdinOnce", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Env", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    {"Cmd", SK_STRSLICE, "strslice.StrSlice", NULL, APPLIED(NULL)},
    {"Healthcheck", SK_STRUCT, "container.HealthConfig", &health_config, APPLIED("see its fields")},
    {"ArgsEscaped", SK_BOOL, "bool", NULL, IGNORED("Windows only; docker ignores it on Linux")},
    {"Image", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Volumes", SK_MAP_ANY, "map[string]struct {}", NULL, APPLIED("anonymous volumes")},
    {"WorkingDir", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Entrypoint", SK_STRSLICE, "strslice.StrSlice", NULL, APPLIED(NULL)},
    {"NetworkDisabled", SK_BOOL, "bool", NULL, REFUSED},
    {"MacAddress", SK_STRING, "string", NULL,
     APPLIED("deprecated: the main network's EndpointSettings.MacAddress")},
    {"OnBuild", SK_STRINGS, "[]string", NULL, REFUSED_WHY("kept by commit, which minidock lacks")},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL, APPLIED(NULL)},
    {"StopSignal", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"StopTimeout", SK_INT, "int", NULL, APPLIED(NULL)},
    {"Shell", SK_STRSLICE, "strslice.StrSlice", NULL,
     REFUSED_WHY("kept by commit, which minidock lacks")},
    END,
};
const struct schema schema_container_config = {"Config", "container.Config", config_fields, NULL,
                                               "Config"};

static const struct schema_field log_fields[] = {
    {"Type", SK_STRING, "string", NULL,
     APPLIED("json-file and none; other drivers refused with docker's 'no log driver named'")},
    {"Config", SK_MAP_STRING, "map[string]string", NULL,
     APPLIED("json-file: max-size, max-file, compress, labels, labels-regex, env, env-regex, "
             "tag; mode=blocking. none: ignored, as docker does")},
    END,
};
static const struct schema log_config = {"LogConfig", "container.LogConfig", log_fields, NULL,
                                         NULL};

static const struct schema_field port_binding_fields[] = {
    {"HostIp", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"HostPort", SK_STRING, "string", NULL, APPLIED(NULL)},
    END,
};
static const struct schema port_binding = {"PortBinding", "nat.PortBinding", port_binding_fields,
                                           NULL, NULL};

static const struct schema_field restart_fields[] = {
    {"Name", SK_STRING, "container.RestartPolicyMode", NULL, APPLIED(NULL)},
    {"MaximumRetryCount", SK_INT, "int", NULL, APPLIED(NULL)},
    END,
};
static const struct schema restart_policy = {"RestartPolicy", "container.RestartPolicy",
                                             restart_fields, NULL, NULL};

static const struct schema_field weight_device_fields[] = {
    {"Path", SK_STRING, "string", NULL, REFUSED},
    {"Weight", SK_UINT, "uint16", NULL, REFUSED},
    END,
};
static const struct schema weight_device = {"WeightDevice", "blkiodev.WeightDevice",
                                            weight_device_fields, NULL, NULL};

static const struct schema_field throttle_device_fields[] = {
    {"Path", SK_STRING, "string", NULL, REFUSED},
    {"Rate", SK_UINT, "uint64", NULL, REFUSED},
    END,
};
static const struct schema throttle_device = {"ThrottleDevice", "blkiodev.ThrottleDevice",
                                              throttle_device_fields, NULL, NULL};

static const struct schema_field device_mapping_fields[] = {
    {"PathOnHost", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"PathInContainer", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"CgroupPermissions", SK_STRING, "string", NULL, APPLIED(NULL)},
    END,
};
static const struct schema device_mapping = {"DeviceMapping", "container.DeviceMapping",
                                             device_mapping_fields, NULL, NULL};

static const struct schema_field device_request_fields[] = {
    {"Driver", SK_STRING, "string", NULL, REFUSED},
    {"Count", SK_INT, "int", NULL, REFUSED},
    {"DeviceIDs", SK_STRINGS, "[]string", NULL, REFUSED},
    {"Capabilities", SK_STRINGS2, "[][]string", NULL, REFUSED},
    {"Options", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    END,
};
static const struct schema device_request = {"DeviceRequest", "container.DeviceRequest",
                                             device_request_fields, NULL, NULL};

static const struct schema_field ulimit_fields[] = {
    {"Name", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Hard", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Soft", SK_INT, "int64", NULL, APPLIED(NULL)},
    END,
};
static const struct schema ulimit = {"Ulimit", "units.Ulimit", ulimit_fields, NULL, NULL};

static const struct schema_field resources_fields[] = {
    {"CpuShares", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Memory", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"NanoCpus", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"CgroupParent", SK_STRING, "string", NULL,
     REFUSED_WHY("the daemon's --cgroup-parent is used")},
    {"BlkioWeight", SK_UINT, "uint16", NULL, REFUSED},
    {"BlkioWeightDevice", SK_STRUCTS, "[]*blkiodev.WeightDevice", &weight_device, REFUSED},
    {"BlkioDeviceReadBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceWriteBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceReadIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceWriteIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"CpuPeriod", SK_INT, "int64", NULL, REFUSED},
    {"CpuQuota", SK_INT, "int64", NULL, REFUSED},
    {"CpuRealtimePeriod", SK_INT, "int64", NULL, REFUSED},
    {"CpuRealtimeRuntime", SK_INT, "int64", NULL, REFUSED},
    {"CpusetCpus", SK_STRING, "string", NULL, REFUSED},
    {"CpusetMems", SK_STRING, "string", NULL, REFUSED},
    {"Devices", SK_STRUCTS, "[]container.DeviceMapping", &device_mapping,
     APPLIED("device nodes, not directories")},
    {"DeviceCgroupRules", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    {"DeviceRequests", SK_STRUCTS, "[]container.DeviceRequest", &device_request, REFUSED},
    {"KernelMemoryTCP", SK_INT, "int64", NULL, REFUSED},
    {"MemoryReservation", SK_INT, "int64", NULL, REFUSED},
    {"MemorySwap", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"MemorySwappiness", SK_INT, "int64", NULL,
     REFUSED_BUT("-1 (the CLI's default) means not set", "-1")},
    {"OomKillDisable", SK_BOOL, "bool", NULL, REFUSED},
    {"PidsLimit", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Ulimits", SK_STRUCTS, "[]*units.Ulimit", &ulimit, APPLIED(NULL)},
    {"CpuCount", SK_INT, "int64", NULL, REFUSED_WHY("Windows only in docker")},
    {"CpuPercent", SK_INT, "int64", NULL, REFUSED_WHY("Windows only in docker")},
    {"IOMaximumIOps", SK_UINT, "uint64", NULL, REFUSED_WHY("Windows only in docker")},
    {"IOMaximumBandwidth", SK_UINT, "uint64", NULL, REFUSED_WHY("Windows only in docker")},
    END,
};
static const struct schema resources = {"Resources", "container.Resources", resources_fields, NULL,
                                        NULL};

static const struct schema_field bind_options_fields[] = {
    {"Propagation", SK_STRING, "mount.Propagation", NULL, APPLIED(NULL)},
    {"NonRecursive", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"CreateMountpoint", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"ReadOnlyNonRecursive", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"ReadOnlyForceRecursive", SK_BOOL, "bool", NULL,
     APPLIED("fails where the kernel has no mount_setattr")},
    END,
};
static const struct schema bind_options = {"BindOptions", "mount.BindOptions", bind_options_fields,
                                           NULL, NULL};

static const struct schema_field driver_fields[] = {
    {"Name", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Options", SK_MAP_STRING, "map[string]string", NULL, APPLIED(NULL)},
    END,
};
static const struct schema mount_driver = {"Driver", "mount.Driver", driver_fields, NULL, NULL};

static const struct schema_field volume_options_fields[] = {
    {"NoCopy", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL, APPLIED(NULL)},
    {"Subpath", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"DriverConfig", SK_STRUCT, "mount.Driver", &mount_driver, APPLIED(NULL)},
    END,
};
static const struct schema volume_options = {"VolumeOptions", "mount.VolumeOptions",
                                             volume_options_fields, NULL, NULL};

static const struct schema_field image_options_fields[] = {
    {"Subpath", SK_STRING, "string", NULL, REFUSED},
    END,
};
static const struct schema image_options = {"ImageOptions", "mount.ImageOptions",
                                            image_options_fields, NULL, NULL};

static const struct schema_field tmpfs_options_fields[] = {
    {"SizeBytes", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Mode", SK_UINT, "fs.FileMode", NULL, APPLIED(NULL)},
    {"Options", SK_STRINGS2, "[][]string", NULL, APPLIED("exec and noexec, as docker")},
    END,
};
static const struct schema tmpfs_options = {"TmpfsOptions", "mount.TmpfsOptions",
                                            tmpfs_options_fields, NULL, NULL};

static const struct schema_field mount_fields[] = {
    {"Type", SK_STRING, "mount.Type", NULL,
     ONLY("volume, bind and tmpfs; image, npipe, cluster refused", "volume", "bind", "tmpfs")},
    {"Source", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Target", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"ReadOnly", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Consistency", SK_STRING, "mount.Consistency", NULL,
     IGNORED("macOS only; docker ignores it on Linux")},
    {"BindOptions", SK_STRUCT, "mount.BindOptions", &bind_options, APPLIED("see its fields")},
    {"VolumeOptions", SK_STRUCT, "mount.VolumeOptions", &volume_options, APPLIED("see its fields")},
    {"ImageOptions", SK_STRUCT, "mount.ImageOptions", &image_options, REFUSED},
    {"TmpfsOptions", SK_STRUCT, "mount.TmpfsOptions", &tmpfs_options, APPLIED("see its fields")},
    {"ClusterOptions", SK_ANY, "mount.ClusterOptions", NULL, REFUSED},
    END,
};
static const struct schema mount = {"Mount", "mount.Mount", mount_fields, NULL, NULL};

static const struct schema_field host_fields[] = {
    {"Binds", SK_STRINGS, "[]string", NULL, APPLIED("host paths and volume names")},
    {"ContainerIDFile", SK_STRING, "string", NULL, IGNORED("the client writes the file")},
    {"LogConfig", SK_STRUCT, "container.LogConfig", &log_config, APPLIED("see its fields")},
    {"NetworkMode", SK_STRING, "container.NetworkMode", NULL,
     APPLIED("default, bridge, none, host, container:X and user-defined networks")},
    {"PortBindings", SK_MAP_STRUCTS, "nat.PortMap", &port_binding, APPLIED(NULL)},
    {"RestartPolicy", SK_STRUCT, "container.RestartPolicy", &restart_policy, APPLIED(NULL)},
    {"AutoRemove", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"VolumeDriver", SK_STRING, "string", NULL, REFUSED_BUT("local means the default", "local")},
    {"VolumesFrom", SK_STRINGS, "[]string", NULL, REFUSED},
    {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL, APPLIED(NULL)},
    {"Annotations", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    {"CapAdd", SK_STRSLICE, "strslice.StrSlice", NULL, APPLIED(NULL)},
    {"CapDrop", SK_STRSLICE, "strslice.StrSlice", NULL, APPLIED(NULL)},
    {"CgroupnsMode", SK_STRING, "container.CgroupnsMode", NULL,
     ONLY("every container has its own cgroup namespace", "", "private")},
    {"Dns", SK_STRINGS, "[]string", NULL, APPLIED("/etc/resolv.conf")},
    {"DnsOptions", SK_STRINGS, "[]string", NULL, APPLIED("/etc/resolv.conf")},
    {"DnsSearch", SK_STRINGS, "[]string", NULL, APPLIED("/etc/resolv.conf")},
    {"ExtraHosts", SK_STRINGS, "[]string", NULL, APPLIED("/etc/hosts; host-gateway")},
    {"GroupAdd", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    {"IpcMode", SK_STRING, "container.IpcMode", NULL,
     APPLIED("private, shareable, none, host, container:X (a shareable one)")},
    {"Cgroup", SK_STRING, "container.CgroupSpec", NULL, REFUSED},
    {"Links", SK_STRINGS, "[]string", NULL,
     APPLIED("legacy links on the default bridge: /etc/hosts and variables")},
    {"OomScoreAdj", SK_INT, "int", NULL, APPLIED(NULL)},
    {"PidMode", SK_STRING, "container.PidMode", NULL, APPLIED("host, container:X")},
    {"Privileged", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"PublishAllPorts", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"ReadonlyRootfs", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"SecurityOpt", SK_STRINGS, "[]string", NULL,
     APPLIED("no-new-privileges[=bool]; seccomp=unconfined, builtin or a docker-format profile "
             "(the JSON the CLI sends); apparmor=unconfined and label=disable are accepted (no "
             "AppArmor or SELinux confinement is applied), any other apparmor= or label= is "
             "refused, as is an unknown option")},
    {"StorageOpt", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    {"Tmpfs", SK_MAP_STRING, "map[string]string", NULL,
     APPLIED("docker's options: size, mode, uid, gid, nr_inodes, nr_blocks, mpol and mount "
             "flags")},
    {"UTSMode", SK_STRING, "container.UTSMode", NULL, APPLIED("host (docker has no container:X)")},
    {"UsernsMode", SK_STRING, "container.UsernsMode", NULL,
     ONLY("no user namespace remapping: host is what minidock does", "", "host")},
    {"ShmSize", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Sysctls", SK_MAP_STRING, "map[string]string", NULL,
     APPLIED("the namespaced ones docker allows")},
    {"Runtime", SK_STRING, "string", NULL, REFUSED},
    {"Isolation", SK_STRING, "container.Isolation", NULL,
     ONLY("Linux has one isolation", "", "default")},
    {"Mounts", SK_STRUCTS, "[]mount.Mount", &mount, APPLIED("see Mount's fields")},
    {"MaskedPaths", SK_STRINGS, "[]string", NULL,
     REFUSED_WHY("the default masked paths always apply")},
    {"ReadonlyPaths", SK_STRINGS, "[]string", NULL,
     REFUSED_WHY("the default read-only paths always apply")},
    {"Init", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    END,
};
static const struct schema *const host_embeds[] = {&resources, NULL};
const struct schema schema_host_config = {"HostConfig", "container.HostConfig", host_fields,
                                          host_embeds, NULL};

static const struct schema_field endpoint_ipam_fields[] = {
    {"IPv4Address", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"IPv6Address", SK_STRING, "string", NULL, REFUSED_WHY("no IPv6")},
    {"LinkLocalIPs", SK_STRINGS, "[]string", NULL, REFUSED},
    END,
};
static const struct schema endpoint_ipam = {"EndpointIPAMConfig", "network.EndpointIPAMConfig",
                                            endpoint_ipam_fields, NULL, NULL};

static const struct schema_field endpoint_fields[] = {
    {"IPAMConfig", SK_STRUCT, "network.EndpointIPAMConfig", &endpoint_ipam,
     APPLIED("see its fields")},
    {"Links", SK_STRINGS, "[]string", NULL, REFUSED_WHY("legacy links")},
    {"Aliases", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    {"DriverOpts", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    {"GwPriority", SK_INT, "int", NULL, REFUSED},
    {"NetworkID", SK_STRING, "string", NULL, IGNORED("operational data, filled in by the daemon")},
    {"EndpointID", SK_STRING, "string", NULL, IGNORED("operational data, filled in by the daemon")},
    {"Gateway", SK_STRING, "string", NULL, IGNORED("operational data, filled in by the daemon")},
    {"IPAddress", SK_STRING, "string", NULL, IGNORED("operational data, filled in by the daemon")},
    {"MacAddress", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"IPPrefixLen", SK_INT, "int", NULL, IGNORED("operational data, filled in by the daemon")},
    {"IPv6Gateway", SK_STRING, "string", NULL,
     IGNORED("operational data, filled in by the daemon")},
    {"GlobalIPv6Address", SK_STRING, "string", NULL,
     IGNORED("operational data, filled in by the daemon")},
    {"GlobalIPv6PrefixLen", SK_INT, "int", NULL,
     IGNORED("operational data, filled in by the daemon")},
    {"DNSNames", SK_STRINGS, "[]string", NULL,
     IGNORED("operational data, filled in by the daemon")},
    END,
};
static const struct schema endpoint_settings = {"EndpointSettings", "network.EndpointSettings",
                                                endpoint_fields, NULL, NULL};

static const struct schema_field networking_fields[] = {
    {"EndpointsConfig", SK_MAP_STRUCT, "map[string]*network.EndpointSettings", &endpoint_settings,
     APPLIED("see EndpointSettings")},
    END,
};
static const struct schema networking_config = {"NetworkingConfig", "network.NetworkingConfig",
                                                networking_fields, NULL, NULL};

static const struct schema_field create_fields[] = {
    {"HostConfig", SK_STRUCT, "container.HostConfig", &schema_host_config,
     APPLIED("see its fields")},
    {"NetworkingConfig", SK_STRUCT, "network.NetworkingConfig", &networking_config,
     APPLIED("see its fields")},
    END,
};
static const struct schema *const create_embeds[] = {&schema_container_config, NULL};
const struct schema schema_container_create = {"CreateRequest", "container.CreateRequest",
                                               create_fields, create_embeds, NULL};

/* ---- container.UpdateConfig (docker update) ---- */

/* Resources as an update takes them: what docker's update changes on a
 * container, applied to its cgroup when it runs and to its next start. */
static const struct schema_field update_resources_fields[] = {
    {"CpuShares", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"Memory", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"NanoCpus", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"MemorySwap", SK_INT, "int64", NULL, APPLIED(NULL)},
    {"PidsLimit", SK_INT, "int64", NULL, APPLIED("0 and -1: unlimited")},
    {"CgroupParent", SK_STRING, "string", NULL, REFUSED},
    {"BlkioWeight", SK_UINT, "uint16", NULL, REFUSED},
    {"BlkioWeightDevice", SK_STRUCTS, "[]*blkiodev.WeightDevice", &weight_device, REFUSED},
    {"BlkioDeviceReadBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceWriteBps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceReadIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"BlkioDeviceWriteIOps", SK_STRUCTS, "[]*blkiodev.ThrottleDevice", &throttle_device, REFUSED},
    {"CpuPeriod", SK_INT, "int64", NULL, REFUSED_WHY("refused at create too")},
    {"CpuQuota", SK_INT, "int64", NULL, REFUSED_WHY("refused at create too")},
    {"CpuRealtimePeriod", SK_INT, "int64", NULL, REFUSED},
    {"CpuRealtimeRuntime", SK_INT, "int64", NULL, REFUSED},
    {"CpusetCpus", SK_STRING, "string", NULL, REFUSED_WHY("refused at create too")},
    {"CpusetMems", SK_STRING, "string", NULL, REFUSED_WHY("refused at create too")},
    {"Devices", SK_STRUCTS, "[]container.DeviceMapping", &device_mapping, REFUSED},
    {"DeviceCgroupRules", SK_STRINGS, "[]string", NULL, REFUSED},
    {"DeviceRequests", SK_STRUCTS, "[]container.DeviceRequest", &device_request, REFUSED},
    {"KernelMemoryTCP", SK_INT, "int64", NULL, REFUSED},
    {"MemoryReservation", SK_INT, "int64", NULL, REFUSED_WHY("refused at create too")},
    {"MemorySwappiness", SK_INT, "int64", NULL,
     REFUSED_BUT("-1 (the CLI's default) means not set", "-1")},
    {"OomKillDisable", SK_BOOL, "bool", NULL, REFUSED},
    {"Ulimits", SK_STRUCTS, "[]*units.Ulimit", &ulimit,
     REFUSED_WHY("docker's update leaves them as they are")},
    {"CpuCount", SK_INT, "int64", NULL, REFUSED_WHY("Windows only in docker")},
    {"CpuPercent", SK_INT, "int64", NULL, REFUSED_WHY("Windows only in docker")},
    {"IOMaximumIOps", SK_UINT, "uint64", NULL, REFUSED_WHY("Windows only in docker")},
    {"IOMaximumBandwidth", SK_UINT, "uint64", NULL, REFUSED_WHY("Windows only in docker")},
    END,
};
static const struct schema update_resources = {"Resources", "container.Resources",
                                               update_resources_fields, NULL, NULL};

static const struct schema_field update_fields[] = {
    {"RestartPolicy", SK_STRUCT, "container.RestartPolicy", &restart_policy,
     APPLIED("an empty Name leaves the policy as it is")},
    END,
};
static const struct schema *const update_embeds[] = {&update_resources, NULL};
const struct schema schema_container_update = {"UpdateConfig", "container.UpdateConfig",
                                               update_fields, update_embeds, NULL};

/* ---- exec ---- */

static const struct schema_field exec_create_fields[] = {
    {"User", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Privileged", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Tty", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL, APPLIED(NULL)},
    {"AttachStdin", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"AttachStderr", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"AttachStdout", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"DetachKeys", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Env", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    {"WorkingDir", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Cmd", SK_STRINGS, "[]string", NULL, APPLIED(NULL)},
    END,
};
const struct schema schema_exec_create = {"ExecOptions", "container.ExecOptions",
                                          exec_create_fields, NULL, NULL};

static const struct schema_field exec_start_fields[] = {
    {"Detach", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Tty", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"ConsoleSize", SK_UINT_PAIR, "[2]uint", NULL, APPLIED(NULL)},
    END,
};
const struct schema schema_exec_start = {"ExecStartOptions", "container.ExecStartOptions",
                                         exec_start_fields, NULL, NULL};

/* ---- networks ---- */

static const struct schema_field ipam_config_fields[] = {
    {"Subnet", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"IPRange", SK_STRING, "string", NULL, REFUSED},
    {"Gateway", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"AuxiliaryAddresses", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    END,
};
static const struct schema ipam_config = {"IPAMConfig", "network.IPAMConfig", ipam_config_fields,
                                          NULL, NULL};

static const struct schema_field ipam_fields[] = {
    {"Driver", SK_STRING, "string", NULL,
     APPLIED("default only; others are docker's 'plugin not found'")},
    {"Options", SK_MAP_STRING, "map[string]string", NULL, REFUSED},
    {"Config", SK_STRUCTS, "[]network.IPAMConfig", &ipam_config,
     APPLIED("one entry; see its fields")},
    END,
};
static const struct schema ipam = {"IPAM", "network.IPAM", ipam_fields, NULL, NULL};

static const struct schema_field config_reference_fields[] = {
    {"Network", SK_STRING, "string", NULL, REFUSED},
    END,
};
static const struct schema config_reference = {"ConfigReference", "network.ConfigReference",
                                               config_reference_fields, NULL, NULL};

static const struct schema_field network_create_options_fields[] = {
    {"Driver", SK_STRING, "string", NULL,
     APPLIED("bridge; others are docker's 'plugin not found'")},
    {"Scope", SK_STRING, "string", NULL, ONLY("networks are local", "", "local")},
    {"EnableIPv4", SK_BOOL, "bool", NULL, ONLY("IPv4 is always on", "true")},
    {"EnableIPv6", SK_BOOL, "bool", NULL, ONLY("no IPv6", "false")},
    {"IPAM", SK_STRUCT, "network.IPAM", &ipam, APPLIED("see its fields")},
    {"Internal", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Attachable", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    {"Ingress", SK_BOOL, "bool", NULL, REFUSED},
    {"ConfigOnly", SK_BOOL, "bool", NULL, REFUSED},
    {"ConfigFrom", SK_STRUCT, "network.ConfigReference", &config_reference, REFUSED},
    {"Options", SK_MAP_STRING, "map[string]string", NULL,
     ONLY("of the bridge driver's options, only the bridge name is applied",
          "com.docker.network.bridge.name")},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL, APPLIED(NULL)},
    END,
};
static const struct schema network_create_options = {"CreateOptions", "network.CreateOptions",
                                                     network_create_options_fields, NULL, NULL};

/* volume.CreateOptions (POST /volumes/create) */
static const struct schema_field volume_create_fields[] = {
    {"ClusterVolumeSpec", SK_ANY, "*volume.ClusterVolumeSpec", NULL,
     REFUSED_WHY("cluster volumes need swarm")},
    {"Driver", SK_STRING, "string", NULL, APPLIED("local only")},
    {"DriverOpts", SK_MAP_STRING, "map[string]string", NULL, APPLIED("the local driver's")},
    {"Labels", SK_MAP_STRING, "map[string]string", NULL, APPLIED(NULL)},
    {"Name", SK_STRING, "string", NULL, APPLIED(NULL)},
    END,
};
const struct schema schema_volume_create = {"CreateOptions", "volume.CreateOptions",
                                            volume_create_fields, NULL, NULL};

static const struct schema_field network_create_fields[] = {
    {"Name", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"CheckDuplicate", SK_BOOL, "bool", NULL, IGNORED("deprecated; docker always checks")},
    END,
};
static const struct schema *const network_create_embeds[] = {&network_create_options, NULL};
const struct schema schema_network_create = {"CreateRequest", "network.CreateRequest",
                                             network_create_fields, network_create_embeds, NULL};

static const struct schema_field network_connect_fields[] = {
    {"Container", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"EndpointConfig", SK_STRUCT, "network.EndpointSettings", &endpoint_settings,
     APPLIED("see EndpointSettings")},
    END,
};
const struct schema schema_network_connect = {"ConnectOptions", "network.ConnectOptions",
                                              network_connect_fields, NULL, NULL};

static const struct schema_field network_disconnect_fields[] = {
    {"Container", SK_STRING, "string", NULL, APPLIED(NULL)},
    {"Force", SK_BOOL, "bool", NULL, APPLIED(NULL)},
    END,
};
const struct schema schema_network_disconnect = {"DisconnectOptions", "network.DisconnectOptions",
                                                 network_disconnect_fields, NULL, NULL};

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

/* ---- what minidock does with each field ---- */

static bool unset(json_t *v, const struct schema_field *f);

/* A struct value is "not set" when each of its fields is. */
static bool struct_unset(json_t *obj, const struct schema *s)
{
    for (const struct schema_field *f = s->fields; f->name; f++)
        if (!unset(json_object_get(obj, f->name), f))
            return false;
    for (const struct schema *const *e = s->embeds; e && *e; e++)
        if (!struct_unset(obj, *e))
            return false;
    return true;
}

/* Go's zero value, and what a client sends for "not set": maps and lists
 * are set as soon as they hold anything (a Tmpfs {"/x": ""} asks for a
 * tmpfs), ConsoleSize [0,0] is not. */
static bool unset(json_t *v, const struct schema_field *f)
{
    if (!v)
        return true;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return !*json_string_value(v);
    case JSON_INTEGER:
        return json_integer_value(v) == 0;
    case JSON_REAL:
        return json_real_value(v) == 0;
    case JSON_TRUE:
        return false;
    case JSON_ARRAY:
        if (f->kind == SK_UINT_PAIR) {
            size_t i;
            json_t *x;
            json_array_foreach(v, i, x)
            {
                if (!unset(x, f))
                    return false;
            }
            return true;
        }
        return json_array_size(v) == 0;
    case JSON_OBJECT:
        if (f->kind == SK_STRUCT)
            return struct_unset(v, f->sub);
        return json_object_size(v) == 0;
    default: /* null, false */
        return true;
    }
}

/* The value as the table spells it: strings as they are, numbers and bools
 * as their JSON text. */
static char *value_text(json_t *v)
{
    if (json_is_string(v))
        return xstrdup(json_string_value(v));
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

static bool listed(const char *text, const char *const *values)
{
    for (const char *const *p = values; p && *p; p++) {
        size_t n = strlen(*p);
        if (n && (*p)[n - 1] == '*' ? !strncmp(text, *p, n - 1) : !strcmp(text, *p))
            return true;
    }
    return false;
}

static int refuse(struct md_error *err, const char *path, const char *value)
{
    if (!value)
        return md_err(err, MD_EINVAL, "minidock does not support %s", path);
    /* a seccomp profile arrives whole inside SecurityOpt */
    if (strlen(value) > 64)
        return md_err(err, MD_EINVAL, "minidock does not support %s=%.61s...", path, value);
    return md_err(err, MD_EINVAL, "minidock does not support %s=%s", path, value);
}

/* SU_ONLY and SU_EXCEPT: the value, each element of a list, each key of a
 * map is looked up in the field's values. */
static int check_values(json_t *v, const struct schema_field *f, const char *path,
                        struct md_error *err)
{
    bool only = f->use == SU_ONLY;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (json_is_null(x))
                continue;
            _cleanup_free_ char *t = value_text(x);
            if (listed(t, f->values) != only)
                return refuse(err, path, t);
        }
        return 0;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (listed(k, f->values) != only)
                return refuse(err, path, k);
        }
        return 0;
    }
    _cleanup_free_ char *t = value_text(v);
    return listed(t, f->values) != only ? refuse(err, path, t) : 0;
}

static int refuse_struct(json_t *obj, const struct schema *s, const char *prefix,
                         struct md_error *err);

/* An applied field of a struct type: its own fields decide. */
static int refuse_sub(json_t *v, const struct schema_field *f, const char *path,
                      struct md_error *err)
{
    size_t i;
    json_t *x, *y;
    const char *k;
    switch (f->kind) {
    case SK_STRUCT:
        return json_is_object(v) ? refuse_struct(v, f->sub, path, err) : 0;
    case SK_STRUCTS:
        json_array_foreach(v, i, x)
        {
            if (json_is_object(x) && refuse_struct(x, f->sub, path, err) < 0)
                return -1;
        }
        return 0;
    case SK_MAP_STRUCT:
        json_object_foreach(v, k, x)
        {
            if (json_is_object(x) && refuse_struct(x, f->sub, path, err) < 0)
                return -1;
        }
        return 0;
    case SK_MAP_STRUCTS:
        json_object_foreach(v, k, x)
        {
            json_array_foreach(x, i, y)
            {
                if (json_is_object(y) && refuse_struct(y, f->sub, path, err) < 0)
                    return -1;
            }
        }
        return 0;
    default:
        return 0;
    }
}

static int refuse_field(json_t *v, const struct schema_field *f, const char *path,
                        struct md_error *err)
{
    if (!v || json_is_null(v))
        return 0;
    switch (f->use) {
    case SU_APPLIED:
        return f->sub ? refuse_sub(v, f, path, err) : 0;
    case SU_REFUSED: {
        if (unset(v, f))
            return 0;
        _cleanup_free_ char *t = json_is_array(v) || json_is_object(v) ? NULL : value_text(v);
        return t && listed(t, f->values) ? 0 : refuse(err, path, NULL);
    }
    case SU_ONLY:
    case SU_EXCEPT:
        return check_values(v, f, path, err);
    case SU_UNREVIEWED: /* a unit test keeps these out of the tables */
    case SU_IGNORED:
        return 0;
    }
    return 0;
}

static int refuse_struct(json_t *obj, const struct schema *s, const char *prefix,
                         struct md_error *err)
{
    for (const struct schema_field *f = s->fields; f->name; f++) {
        _cleanup_free_ char *path =
            *prefix ? xasprintf("%s.%s", prefix, f->name) : xstrdup(f->name);
        if (refuse_field(json_object_get(obj, f->name), f, path, err) < 0)
            return -1;
    }
    for (const struct schema *const *e = s->embeds; e && *e; e++) {
        /* Config's fields sit at the top of a create body; "Config.Domainname"
         * says where they belong */
        const char *p = !*prefix && (*e)->label ? (*e)->label : prefix;
        if (refuse_struct(obj, *e, p, err) < 0)
            return -1;
    }
    return 0;
}

int schema_refuse(json_t *obj, const struct schema *s, struct md_error *err)
{
    return refuse_struct(obj, s, "", err);
}

/* ---- docs/api-coverage.md ---- */

static const char *use_word(enum schema_use u)
{
    switch (u) {
    case SU_APPLIED:
        return "applied";
    case SU_REFUSED:
        return "refused";
    case SU_ONLY:
        return "applied for the values listed, others refused";
    case SU_EXCEPT:
        return "applied, the values listed refused";
    case SU_IGNORED:
        return "ignored, as docker does";
    case SU_UNREVIEWED:
        break;
    }
    return "UNREVIEWED";
}

static void md_values(struct strbuf *b, const struct schema_field *f)
{
    for (const char *const *p = f->values; p && *p; p++)
        sb_printf(b, "%s`%s`", p == f->values ? "" : ", ", **p ? *p : "\"\"");
}

static void md_rows(struct strbuf *b, const struct schema *s, const char *prefix)
{
    for (const struct schema_field *f = s->fields; f->name; f++) {
        _cleanup_free_ char *path =
            *prefix ? xasprintf("%s.%s", prefix, f->name) : xstrdup(f->name);
        sb_printf(b, "| `%s` | %s | ", path, use_word(f->use));
        if (f->values && f->use == SU_REFUSED)
            sb_add(b, "not set: ");
        md_values(b, f);
        if (f->values && f->note)
            sb_add(b, "; ");
        sb_printf(b, "%s |\n", f->note ? f->note : "");
        if (f->sub && f->use == SU_APPLIED)
            md_rows(b, f->sub, path);
    }
    for (const struct schema *const *e = s->embeds; e && *e; e++)
        md_rows(b, *e, !*prefix && (*e)->label ? (*e)->label : prefix);
}

char *schema_coverage_markdown(void)
{
    static const struct {
        const char *route;
        const struct schema *s;
    } bodies[] = {
        {"POST /containers/create", &schema_container_create},
        {"POST /containers/{id}/update", &schema_container_update},
        {"POST /containers/{id}/exec", &schema_exec_create},
        {"POST /exec/{id}/start", &schema_exec_start},
        {"POST /networks/create", &schema_network_create},
        {"POST /networks/{id}/connect", &schema_network_connect},
        {"POST /networks/{id}/disconnect", &schema_network_disconnect},
    };
    struct strbuf b = STRBUF_INIT;
    sb_add(&b, "# API coverage: what minidock does with each field of a request body\n\n"
               "Generated by `minidockd --api-coverage` from the tables in "
               "daemon/api/schema.c; edit those, not this file.\n\n"
               "A refused field fails the request with 400 and `minidock does not support "
               "HostConfig.Sysctls` (with `=value` where only some values are refused) before "
               "anything is created, unless its value means \"not set\": null, false, 0, "
               "\"\", [] or {}. Fields of a refused struct are not listed; the struct is "
               "refused as a whole.\n");
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        sb_printf(&b, "\n## %s (%s)\n\n| field | minidock | values, notes |\n|---|---|---|\n",
                  bodies[i].route, bodies[i].s->go_type);
        md_rows(&b, bodies[i].s, "");
    }
    return sb_steal(&b);
}
