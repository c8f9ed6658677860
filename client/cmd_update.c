/* update: docker's resource and restart flags into one UpdateConfig body,
 * sent to each container in turn; the names that took it are printed, the
 * errors after them (docker's update.go). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/runopts.h"
#include "common/cleanup.h"
#include "common/cliutil.h"
#include "common/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    O_BLKIO = 256,
    O_CPU_PERIOD,
    O_CPU_QUOTA,
    O_CPU_RT_PERIOD,
    O_CPU_RT_RUNTIME,
    O_CPUS,
    O_CPUSET_CPUS,
    O_CPUSET_MEMS,
    O_MEM_RES,
    O_MEM_SWAP,
    O_PIDS,
    O_RESTART,
};

/* The body: every field as docker's CLI sends it, zero when not given
 * (zero is "leave as is"); PidsLimit only when --pids-limit was. */
static int update_body(int argc, char **argv, json_t *b)
{
    static const struct option opts[] = {{"blkio-weight", required_argument, 0, O_BLKIO},
                                         {"cpu-period", required_argument, 0, O_CPU_PERIOD},
                                         {"cpu-quota", required_argument, 0, O_CPU_QUOTA},
                                         {"cpu-rt-period", required_argument, 0, O_CPU_RT_PERIOD},
                                         {"cpu-rt-runtime", required_argument, 0, O_CPU_RT_RUNTIME},
                                         {"cpu-shares", required_argument, 0, 'c'},
                                         {"cpus", required_argument, 0, O_CPUS},
                                         {"cpuset-cpus", required_argument, 0, O_CPUSET_CPUS},
                                         {"cpuset-mems", required_argument, 0, O_CPUSET_MEMS},
                                         {"memory", required_argument, 0, 'm'},
                                         {"memory-reservation", required_argument, 0, O_MEM_RES},
                                         {"memory-swap", required_argument, 0, O_MEM_SWAP},
                                         {"pids-limit", required_argument, 0, O_PIDS},
                                         {"restart", required_argument, 0, O_RESTART},
                                         {0, 0, 0, 0}};
    int64_t blkio = 0, period = 0, quota = 0, rt_period = 0, rt_runtime = 0, shares = 0;
    int64_t nano = 0, mem = 0, mem_res = 0, swap = 0, pids = 0;
    const char *cpuset_cpus = "", *cpuset_mems = "", *restart = "";
    bool pids_set = false;
    int nflags = 0, c, r = 0;
    while ((c = cli_getopt(argc, argv, "c:m:", opts)) != -1) {
        nflags++;
        switch (c) {
        case O_BLKIO:
            r = int_flag(optarg, "--blkio-weight", &blkio);
            break;
        case O_CPU_PERIOD:
            r = int_flag(optarg, "--cpu-period", &period);
            break;
        case O_CPU_QUOTA:
            r = int_flag(optarg, "--cpu-quota", &quota);
            break;
        case O_CPU_RT_PERIOD:
            r = int_flag(optarg, "--cpu-rt-period", &rt_period);
            break;
        case O_CPU_RT_RUNTIME:
            r = int_flag(optarg, "--cpu-rt-runtime", &rt_runtime);
            break;
        case 'c':
            r = int_flag(optarg, "-c, --cpu-shares", &shares);
            break;
        case O_CPUS:
            r = cpus_flag(optarg, &nano);
            break;
        case O_CPUSET_CPUS:
            cpuset_cpus = optarg;
            break;
        case O_CPUSET_MEMS:
            cpuset_mems = optarg;
            break;
        case 'm':
            r = size_flag(optarg, "-m, --memory", false, &mem);
            break;
        case O_MEM_RES:
            r = size_flag(optarg, "--memory-reservation", false, &mem_res);
            break;
        case O_MEM_SWAP:
            r = size_flag(optarg, "--memory-swap", true, &swap);
            break;
        case O_PIDS:
            r = int_flag(optarg, "--pids-limit", &pids);
            pids_set = true;
            break;
        case O_RESTART:
            restart = optarg;
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (r)
            return r;
    }
    if (cli_want_args(argc - optind, 1, -1))
        return 1;
    if (nflags == 0) {
        fprintf(stderr, "you must provide one or more flags when using this command\n");
        return 1;
    }
    _cleanup_free_ char *rp_name = NULL;
    int rp_max = 0;
    if (*restart) {
        char *why = NULL;
        if (cli_restart_parse(restart, &rp_name, &rp_max, &why) < 0) {
            fprintf(stderr, "%s\n", why);
            free(why);
            return 1;
        }
    }
    json_object_set_new(b, "BlkioWeight", json_integer(blkio));
    json_object_set_new(b, "CpuPeriod", json_integer(period));
    json_object_set_new(b, "CpuQuota", json_integer(quota));
    json_object_set_new(b, "CpuRealtimePeriod", json_integer(rt_period));
    json_object_set_new(b, "CpuRealtimeRuntime", json_integer(rt_runtime));
    json_object_set_new(b, "CpusetCpus", json_string(cpuset_cpus));
    json_object_set_new(b, "CpusetMems", json_string(cpuset_mems));
    json_object_set_new(b, "CpuShares", json_integer(shares));
    json_object_set_new(b, "Memory", json_integer(mem));
    json_object_set_new(b, "MemoryReservation", json_integer(mem_res));
    json_object_set_new(b, "MemorySwap", json_integer(swap));
    json_object_set_new(b, "NanoCpus", json_integer(nano));
    if (pids_set)
        json_object_set_new(b, "PidsLimit", json_integer(pids));
    json_object_set_new(
        b, "RestartPolicy",
        json_pack("{s:s, s:i}", "Name", rp_name ? rp_name : "", "MaximumRetryCount", rp_max));
    return 0;
}

static int cmd_update(int argc, char **argv)
{
    _cleanup_json_ json_t *body = json_object();
    int rc = update_body(argc, argv, body);
    if (rc)
        return rc;
    char **errs = NULL;
    for (int i = optind; i < argc; i++) {
        _cleanup_free_ char *esc = path_escape(argv[i]);
        _cleanup_free_ char *path = xasprintf("/containers/%s/update", esc);
        json_t *out = NULL;
        int st = api_json("POST", path, body, &out);
        if (st >= 400 || st < 0) {
            _cleanup_free_ char *msg = daemon_error(out);
            strv_push(&errs, msg);
        } else {
            size_t k;
            json_t *w;
            json_array_foreach(json_object_get(out, "Warnings"), k, w)
                fprintf(stderr, "Warning: %s\n", json_string_value(w));
            printf("%s\n", argv[i]);
            fflush(stdout);
        }
        json_decref(out);
    }
    rc = print_errors(errs);
    strv_free(errs);
    return rc;
}

static const char update_options[] =
    "      --blkio-weight uint16        Block IO (relative weight), between 10 and 1000, or 0 "
    "to disable (default 0)\n"
    "      --cpu-period int             Limit CPU CFS (Completely Fair Scheduler) period\n"
    "      --cpu-quota int              Limit CPU CFS (Completely Fair Scheduler) quota\n"
    "      --cpu-rt-period int          Limit the CPU real-time period in microseconds\n"
    "      --cpu-rt-runtime int         Limit the CPU real-time runtime in microseconds\n"
    "  -c, --cpu-shares int             CPU shares (relative weight)\n"
    "      --cpus decimal               Number of CPUs\n"
    "      --cpuset-cpus string         CPUs in which to allow execution (0-3, 0,1)\n"
    "      --cpuset-mems string         MEMs in which to allow execution (0-3, 0,1)\n"
    "  -m, --memory bytes               Memory limit\n"
    "      --memory-reservation bytes   Memory soft limit\n"
    "      --memory-swap bytes          Swap limit equal to memory plus swap: -1 to enable "
    "unlimited swap\n"
    "      --pids-limit int             Tune container pids limit (set -1 for unlimited)\n"
    "      --restart string             Restart policy to apply when a container exits\n";

const struct cli_cmd cli_cmds_update[] = {
    {"update", cmd_update, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Update configuration of one or more containers", update_options, false},
    {"container update", cmd_update, "[OPTIONS] CONTAINER [CONTAINER...]",
     "Update configuration of one or more containers", update_options, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
