/* minidock-shim entry point: mode dispatch. */
#include "daemon/shim/shim.h"
#include "daemon/runtime/child.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    child_argv_area = argv[0];
    child_argv_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
    if (argc == 3 && !strcmp(argv[1], "run"))
        return shim_run_container(argv[2], 3) < 0 ? 1 : 0;
    if (argc == 3 && !strcmp(argv[1], "exec"))
        return shim_run_exec(argv[2], 3) < 0 ? 1 : 0;
    fprintf(stderr,
            "usage: minidock-shim run|exec EXEC_DIR   (started by minidockd, fd 3 = sync)\n");
    return 2;
}
