/* System endpoints: _ping, version, info. */
#include "common/cleanup.h"
#include "daemon/api/server.h"
#include "daemon/api/system.h"
#include "daemon/daemon.h"

#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void ping(struct api_req *r)
{
    /* HEAD gets the same headers and no body; the CLI negotiates from them */
    struct api_req *rr = r;
    if (!strcmp(r->method, "HEAD")) {
        api_reply_raw(rr, 200, "text/plain; charset=utf-8", "", 0);
        return;
    }
    api_reply_raw(rr, 200, "text/plain; charset=utf-8", "OK", 2);
}

static char *os_pretty_name(void)
{
    _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "PRETTY_NAME=", 12))
            continue;
        char *v = line + 12;
        v[strcspn(v, "\n")] = '\0';
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            v++;
        }
        return xstrdup(v);
    }
    return xstrdup("Linux");
}

static const char *arch_name(const char *machine)
{
    /* Go's GOARCH names, as docker reports Arch */
    if (!strcmp(machine, "x86_64"))
        return "amd64";
    if (!strcmp(machine, "aarch64"))
        return "arm64";
    return machine;
}

static void version(struct api_req *r)
{
    struct utsname u;
    uname(&u);
    json_t *j = json_pack("{s:{s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "Platform",
                          "Name", "minidock", "Version", MD_VERSION, "ApiVersion", API_VERSION,
                          "MinAPIVersion", API_MIN_VERSION, "GitCommit", MD_GIT_COMMIT, "GoVersion",
                          "none (C)", "Os", "linux", "Arch", arch_name(u.machine), "KernelVersion",
                          u.release, "BuildTime", MD_BUILD_TIME, "Experimental", 0);
    api_reply_json(r, 200, j);
}

/* What --insecure-registry made of the registries, as docker reports it:
 * CIDRs beside the loopback one, names as insecure index configs. */
static json_t *registry_config(void)
{
    json_t *cidrs = json_pack("[s]", "127.0.0.0/8");
    json_t *idx = json_pack("{s:{s:[],s:s,s:b,s:b}}", "docker.io", "Mirrors", "Name", "docker.io",
                            "Official", 1, "Secure", 1);
    for (char **i = md_cfg.insecure_registries; i && *i; i++) {
        if (strchr(*i, '/'))
            json_array_append_new(cidrs, json_string(*i));
        else
            json_object_set_new(
                idx, *i,
                json_pack("{s:[],s:s,s:b,s:b}", "Mirrors", "Name", *i, "Official", 0, "Secure", 0));
    }
    return json_pack("{s:[],s:o,s:o,s:[]}", "AllowNondistributableArtifactsCIDRs",
                     "InsecureRegistryCIDRs", cidrs, "IndexConfigs", idx, "Mirrors");
}

static void info(struct api_req *r)
{
    struct utsname u;
    uname(&u);
    struct sysinfo si;
    sysinfo(&si);
    struct system_counts c;
    system_get_counts(&c);
    _cleanup_free_ char *os = os_pretty_name();
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char now[64];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
    _cleanup_free_ char *system_time = xasprintf("%s.000000000Z", now);

    json_t *j = json_object();
    json_object_set_new(j, "ID", json_string(md_cfg.engine_id ? md_cfg.engine_id : ""));
    json_object_set_new(j, "Containers", json_integer(c.containers));
    json_object_set_new(j, "ContainersRunning", json_integer(c.running));
    json_object_set_new(j, "ContainersPaused", json_integer(c.paused));
    json_object_set_new(j, "ContainersStopped", json_integer(c.stopped));
    json_object_set_new(j, "Images", json_integer(c.images));
    json_object_set_new(j, "Driver", json_string("overlay2"));
    json_object_set_new(j, "DriverStatus",
                        json_pack("[[s,s],[s,s]]", "Backing Filesystem", "overlayfs", "Layers",
                                  "shared by chain id"));
    json_object_set_new(j, "Plugins",
                        json_pack("{s:[s],s:[s,s,s],s:[s],s:n}", "Volume", "local", "Network",
                                  "bridge", "host", "null", "Log", "json-file", "Authorization"));
    json_object_set_new(j, "MemoryLimit", json_true());
    json_object_set_new(j, "SwapLimit", json_true());
    json_object_set_new(j, "CpuCfsPeriod", json_true());
    json_object_set_new(j, "CpuCfsQuota", json_true());
    json_object_set_new(j, "CPUShares", json_true());
    json_object_set_new(j, "PidsLimit", json_true());
    json_object_set_new(j, "IPv4Forwarding", json_true());
    json_object_set_new(j, "Debug", json_false());
    json_object_set_new(j, "NFd", json_integer(0));
    json_object_set_new(j, "NGoroutines", json_integer(0));
    json_object_set_new(j, "SystemTime", json_string(system_time));
    json_object_set_new(j, "LoggingDriver", json_string("json-file"));
    json_object_set_new(j, "CgroupDriver", json_string("cgroupfs"));
    json_object_set_new(j, "CgroupVersion", json_string(c.cgroup_version));
    json_object_set_new(j, "KernelVersion", json_string(u.release));
    json_object_set_new(j, "OperatingSystem", json_string(os));
    json_object_set_new(j, "OSVersion", json_string(""));
    json_object_set_new(j, "OSType", json_string("linux"));
    json_object_set_new(j, "Architecture", json_string(u.machine));
    json_object_set_new(j, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
    json_object_set_new(j, "MemTotal", json_integer((json_int_t)si.totalram * si.mem_unit));
    json_object_set_new(j, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
    json_object_set_new(j, "RegistryConfig", registry_config());
    json_object_set_new(j, "DockerRootDir", json_string(md_cfg.data_root));
    json_object_set_new(j, "HttpProxy", json_string(""));
    json_object_set_new(j, "HttpsProxy", json_string(""));
    json_object_set_new(j, "NoProxy", json_string(""));
    json_object_set_new(j, "Name", json_string(host));
    json_object_set_new(j, "Labels", json_array());
    json_object_set_new(j, "ExperimentalBuild", json_false());
    json_object_set_new(j, "ServerVersion", json_string(MD_VERSION));
    json_object_set_new(j, "Runtimes",
                        json_pack("{s:{s:s}}", "minidock", "path",
                                  md_cfg.shim_path ? md_cfg.shim_path : "minidock-shim"));
    json_object_set_new(j, "DefaultRuntime", json_string("minidock"));
    json_object_set_new(j, "Swarm",
                        json_pack("{s:s,s:s,s:s,s:b,s:s,s:n}", "NodeID", "", "NodeAddr", "",
                                  "LocalNodeState", "inactive", "ControlAvailable", 0, "Error", "",
                                  "RemoteManagers"));
    json_object_set_new(j, "LiveRestoreEnabled", json_true());
    json_object_set_new(j, "Isolation", json_string(""));
    json_object_set_new(j, "InitBinary", json_string(""));
    json_object_set_new(j, "ContainerdCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(j, "RuncCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(j, "InitCommit", json_pack("{s:s}", "ID", ""));
    json_object_set_new(j, "SecurityOptions", json_pack("[s]", "name=seccomp,profile=builtin"));
    json_object_set_new(j, "CDISpecDirs", json_array());
    json_object_set_new(j, "Warnings", json_null());
    api_reply_json(r, 200, j);
}

const struct api_route api_routes_system[] = {
    {"GET", "/_ping", ping, 0}, {"HEAD", "/_ping", ping, 0}, {"GET", "/version", version, 0},
    {"GET", "/info", info, 0},  {NULL, NULL, NULL, 0},
};
