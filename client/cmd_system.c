/* version and info. */
#include "client/cli.h"
#include "client/http.h"
#include "common/cleanup.h"
#include "common/template.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static long long jint(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Go's time.Time.Format(time.ANSIC), as docker prints Built */
static void print_built(const char *label, const char *rfc3339)
{
    struct tm tm = {0};
    char out[64] = "";
    if (rfc3339 && strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm)) {
        strftime(out, sizeof out, "%a %b %e %H:%M:%S %Y", &tm);
        printf("%s%s\n", label, out);
    } else {
        printf("%s%s\n", label, rfc3339 ? rfc3339 : "");
    }
}

/* --format: render one JSON value through a Go template, as docker does;
 * 0, or the exit code of a template error. */
static int print_formatted(const char *format, json_t *data)
{
    struct tmpl *t = NULL;
    struct md_error err = {0};
    _cleanup_free_ char *out = NULL;
    if (tmpl_parse(format, &t, &err) < 0 || tmpl_render(t, data, &out, &err) < 0) {
        fprintf(stderr, "%s\n", md_err_msg(&err));
        md_err_clear(&err);
        tmpl_free(t);
        return 64;
    }
    tmpl_free(t);
    printf("%s\n", out);
    return 0;
}

static json_t *client_version_json(const char *machine)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "Version", MD_VERSION, "ApiVersion", "1.50",
                     "DefaultAPIVersion", "1.50", "GitCommit", MD_GIT_COMMIT, "BuildTime",
                     MD_BUILD_TIME, "Os", "linux", "Arch",
                     !strcmp(machine, "x86_64") ? "amd64" : machine);
}

static int cmd_version(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    const char *format = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
        if (c == 'f') {
            format = optarg;
            continue;
        }
        return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    struct utsname u;
    uname(&u);
    if (format) {
        json_t *v = NULL;
        if (api_call("GET", "/version", NULL, &v) < 0)
            return 1;
        /* docker's templates name Go fields: .Server.APIVersion as well */
        json_t *cl = client_version_json(u.machine);
        json_object_set(cl, "APIVersion", json_object_get(cl, "ApiVersion"));
        json_object_set(v, "APIVersion", json_object_get(v, "ApiVersion"));
        json_t *all = json_pack("{s:o,s:o}", "Client", cl, "Server", v);
        int r = print_formatted(format, all);
        json_decref(all);
        return r;
    }
    printf("Client:\n"
           " Version:           %s\n"
           " API version:       1.50\n"
           " Git commit:        %s\n",
           MD_VERSION, MD_GIT_COMMIT);
    print_built(" Built:             ", MD_BUILD_TIME);
    printf(" OS/Arch:           linux/%s\n\n", !strcmp(u.machine, "x86_64") ? "amd64" : u.machine);
    fflush(stdout);
    json_t *v = NULL;
    if (api_call("GET", "/version", NULL, &v) < 0)
        return 1;
    json_t *plat = json_object_get(v, "Platform");
    printf("Server: %s\n", plat ? jstr(plat, "Name") : "");
    printf(" Engine:\n"
           "  Version:          %s\n"
           "  API version:      %s (minimum version %s)\n"
           "  Git commit:       %s\n",
           jstr(v, "Version"), jstr(v, "ApiVersion"), jstr(v, "MinAPIVersion"),
           jstr(v, "GitCommit"));
    print_built("  Built:            ", jstr(v, "BuildTime"));
    printf("  OS/Arch:          %s/%s\n"
           "  Kernel:           %s\n"
           "  Experimental:     %s\n",
           jstr(v, "Os"), jstr(v, "Arch"), jstr(v, "KernelVersion"),
           json_is_true(json_object_get(v, "Experimental")) ? "true" : "false");
    json_decref(v);
    return 0;
}

static void human_bytes(long long b, char *out, size_t n)
{
    /* go-units BytesSize: binary units with 4 significant digits */
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double d = (double)b;
    int i = 0;
    while (d >= 1024 && i < 5) {
        d /= 1024;
        i++;
    }
    snprintf(out, n, "%.4g%s", d, u[i]);
}

static int cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
    const char *format = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
        if (c == 'f') {
            format = optarg;
            continue;
        }
        return cli_bad_flag(c, argc, argv);
    }
    if (cli_want_args(argc - optind, 0, 0))
        return 1;
    json_t *i = NULL;
    if (api_call("GET", "/info", NULL, &i) < 0)
        return 1;
    if (format) {
        int r = print_formatted(format, i);
        json_decref(i);
        return r;
    }
    char mem[32];
    human_bytes(jint(i, "MemTotal"), mem, sizeof mem);
    printf("Client:\n Version:    %s\n Context:    default\n\n", MD_VERSION);
    printf("Server:\n"
           " Containers: %lld\n"
           "  Running: %lld\n"
           "  Paused: %lld\n"
           "  Stopped: %lld\n"
           " Images: %lld\n"
           " Server Version: %s\n"
           " Storage Driver: %s\n"
           " Logging Driver: %s\n"
           " Cgroup Driver: %s\n"
           " Cgroup Version: %s\n"
           " Runtimes: %s\n"
           " Kernel Version: %s\n"
           " Operating System: %s\n"
           " OSType: %s\n"
           " Architecture: %s\n"
           " CPUs: %lld\n"
           " Total Memory: %s\n"
           " Name: %s\n"
           " ID: %s\n"
           " Docker Root Dir: %s\n"
           " Live Restore Enabled: %s\n",
           jint(i, "Containers"), jint(i, "ContainersRunning"), jint(i, "ContainersPaused"),
           jint(i, "ContainersStopped"), jint(i, "Images"), jstr(i, "ServerVersion"),
           jstr(i, "Driver"), jstr(i, "LoggingDriver"), jstr(i, "CgroupDriver"),
           jstr(i, "CgroupVersion"), jstr(i, "DefaultRuntime"), jstr(i, "KernelVersion"),
           jstr(i, "OperatingSystem"), jstr(i, "OSType"), jstr(i, "Architecture"), jint(i, "NCPU"),
           mem, jstr(i, "Name"), jstr(i, "ID"), jstr(i, "DockerRootDir"),
           json_is_true(json_object_get(i, "LiveRestoreEnabled")) ? "true" : "false");
    json_decref(i);
    return 0;
}

const struct cli_cmd cli_cmds_system[] = {
    {"version", cmd_version, "[OPTIONS]", "Show the minidock version information",
     "  -f, --format string   Format output using a Go template\n", false},
    {"info", cmd_info, "[OPTIONS]", "Display system-wide information",
     "  -f, --format string   Format output using a Go template\n", false},
    {"system info", cmd_info, "[OPTIONS]", "Display system-wide information", NULL, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
