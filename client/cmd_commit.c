/* commit: a new image from a container's changes (POST /commit). */
#include "client/cli.h"
#include "client/container.h"
#include "client/http.h"
#include "client/runopts.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/reference.h"
#include "common/strbuf.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int cmd_commit(int argc, char **argv)
{
    static const struct option opts[] = {{"author", required_argument, 0, 'a'},
                                         {"change", required_argument, 0, 'c'},
                                         {"message", required_argument, 0, 'm'},
                                         {"pause", optional_argument, 0, 'P'},
                                         {0, 0, 0, 0}};
    const char *author = "", *message = "";
    _cleanup_strv_ char **changes = NULL;
    bool pause = true;
    int c, r = 0;
    while ((c = cli_getopt(argc, argv, "a:c:m:p::", opts)) != -1) {
        switch (c) {
        case 'a':
            author = optarg;
            break;
        case 'c':
            strv_push(&changes, optarg);
            break;
        case 'm':
            message = optarg;
            break;
        case 'p': /* -p, -p=false */
            r = bool_flag(optarg && *optarg == '=' ? optarg + 1 : optarg, "-p, --pause", &pause);
            break;
        case 'P':
            r = bool_flag(optarg, "-p, --pause", &pause);
            break;
        default:
            return cli_bad_flag(c, argc, argv);
        }
        if (r)
            return r;
    }
    if (cli_want_args(argc - optind, 1, 2))
        return 1;
    const char *ctr = argv[optind];
    const char *target = optind + 1 < argc ? argv[optind + 1] : "";
    _cleanup_free_ char *repo = NULL, *tag = NULL;
    if (*target) {
        struct image_ref ref;
        struct md_error err = {0};
        if (ref_parse(target, &ref, &err) < 0) {
            fprintf(stderr, "invalid reference format: %s\n", md_err_msg(&err));
            md_err_clear(&err);
            return 1;
        }
        if (ref.digest) {
            ref_free(&ref);
            fprintf(stderr, "invalid reference format: a digest is not allowed here\n");
            return 1;
        }
        repo = ref_full(&(struct image_ref){.domain = ref.domain, .path = ref.path});
        tag = xstrdup(ref.tag ? ref.tag : "");
        ref_free(&ref);
    }
    struct strbuf q = STRBUF_INIT;
    _cleanup_free_ char *ec = query_escape(ctr), *er = query_escape(repo ? repo : ""),
                        *et = query_escape(tag ? tag : ""), *ea = query_escape(author),
                        *em = query_escape(message);
    sb_printf(&q, "/commit?container=%s&repo=%s&tag=%s&author=%s&comment=%s&pause=%s", ec, er, et,
              ea, em, pause ? "1" : "0");
    for (char **ch = changes; ch && *ch; ch++) {
        _cleanup_free_ char *e = query_escape(*ch);
        sb_printf(&q, "&changes=%s", e);
    }
    _cleanup_free_ char *path = sb_steal(&q);
    _cleanup_json_ json_t *out = NULL;
    if (api_call("POST", path, NULL, &out) < 0)
        return 1;
    const char *id = json_string_value(json_object_get(out, "Id"));
    printf("%s\n", id ? id : "");
    return 0;
}

#define COMMIT_OPTS                                                                                \
    "  -a, --author string    Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")\n"       \
    "  -c, --change list      Apply Dockerfile instruction to the created image\n"                 \
    "  -m, --message string   Commit message\n"                                                    \
    "  -p, --pause            Pause container during commit (default true)\n"

const struct cli_cmd cli_cmds_commit[] = {
    {"commit", cmd_commit, "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
     "Create a new image from a container's changes", COMMIT_OPTS, false},
    {"container commit", cmd_commit, "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
     "Create a new image from a container's changes", COMMIT_OPTS, false},
    {NULL, NULL, NULL, NULL, NULL, false},
};
