/* POST /commit: a container as a new image (docker commit). */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/api/schema.h"
#include "daemon/api/server.h"
#include "daemon/image/store.h"
#include "daemon/state/commit.h"

#include <string.h>

/* No body, or "null": moby's decoder leaves the config nil, and the
 * container's own is used; "{}" is an empty config merged with it. */
static bool no_config(const struct api_req *r)
{
    size_t i = 0;
    while (i < r->body_len && strchr(" \t\r\n", r->body[i]))
        i++;
    return i == r->body_len || !strncmp(r->body + i, "null", 4);
}

static int do_commit(struct api_req *r, char id[DIGEST_LEN + 1], struct md_error *err)
{
    _cleanup_json_ json_t *config = NULL;
    if (r->body && !no_config(r) &&
        !(config = api_body_decode(r, &schema_container_config, false, err)))
        return -1;
    const char *repo = api_query(r, "repo"), *tag = api_query(r, "tag");
    _cleanup_free_ char *ref = NULL;
    if (repo && *repo && store_repo_tag_ref(repo, tag, &ref, err) < 0)
        return -1;
    _cleanup_free_ char *familiar = ref ? store_familiar(ref) : NULL;
    _cleanup_strv_ char **changes = api_query_all(r, "changes");
    const char *pause = api_query(r, "pause");
    struct ctr_commit_opts o = {
        .config = config,
        .changes = changes,
        .author = api_query(r, "author"),
        .comment = api_query(r, "comment"),
        .ref = ref,
        .ref_familiar = familiar,
        /* pause defaults to true since API 1.13 */
        .pause = !pause || !*pause || api_query_bool(r, "pause", true),
    };
    const char *name = api_query(r, "container");
    struct container *c = NULL;
    if (cstore_find(name ? name : "", &c, err) < 0)
        return -1;
    int rc = ctr_commit(c, &o, id, err);
    ctr_put(c);
    return rc;
}

static void commit(struct api_req *r)
{
    struct md_error err = {0};
    char id[DIGEST_LEN + 1];
    if (do_commit(r, id, &err) < 0) {
        api_reply_error(r, &err);
        md_err_clear(&err);
        return;
    }
    api_reply_json(r, 201, json_pack("{s:s}", "Id", id));
}

const struct api_route api_routes_commit[] = {
    {"POST", "/commit", commit, 0},
    {NULL, NULL, NULL, 0},
};
