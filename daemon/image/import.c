/* Import: a rootfs tarball (plain or compressed) becomes a one-layer image
 * with a config made from the `changes` lines, as moby's ImportImage does. */
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/timefmt.h"
#include "daemon/daemon.h"
#include "daemon/image/archive.h"
#include "daemon/image/changes.h"
#include "daemon/image/store.h"

#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *go_arch(void)
{
    static __thread struct utsname u;
    uname(&u);
    if (!strcmp(u.machine, "x86_64"))
        return "amd64";
    if (!strcmp(u.machine, "aarch64"))
        return "arm64";
    return u.machine;
}

/* Unpack the body as one layer; returns it pinned. */
static struct layer *unpack_body(layer_read_fn rd, void *rctx, struct md_error *err)
{
    _cleanup_free_ char *tmp = store_tmp_dir(err);
    if (!tmp)
        return NULL;
    _cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        md_errno(err, errno, "open %s", tmp);
        store_tmp_remove(tmp);
        return NULL;
    }
    struct layer_unpack_opts o = {.label = "import"};
    struct layer_info info;
    if (layer_unpack(rd, rctx, dfd, &o, &info, err) < 0) {
        store_tmp_remove(tmp);
        return NULL;
    }
    struct layer *l = store_layer_commit(tmp, info.diff_id, NULL, &info, err);
    if (!l)
        store_tmp_remove(tmp);
    return l;
}

int image_import(layer_read_fn rd, void *rctx, const char *repo, const char *tag,
                 const char *message, char **changes, char id[DIGEST_LEN + 1], struct md_error *err)
{
    /* everything the client sent is checked before the body is read */
    _cleanup_free_ char *full = NULL;
    if (repo && *repo && store_repo_tag_ref(repo, tag, &full, err) < 0)
        return -1;
    _cleanup_json_ json_t *partial = json_object();
    if (image_apply_changes(partial, changes, err) < 0)
        return -1;

    struct layer *l = unpack_body(rd, rctx, err);
    if (!l)
        return -1;
    _cleanup_free_ char *created = time_format(time_now_ns(), false);
    const char *comment = message && *message ? message : "Imported from -";
    /* image.Image's field order, as moby marshals it */
    _cleanup_json_ json_t *config = json_object();
    json_object_set_new(config, "comment", json_string(comment));
    json_object_set_new(config, "created", json_string(created));
    json_object_set_new(config, "docker_version", json_string(MD_VERSION));
    json_object_set_new(config, "config", image_container_config(partial));
    json_object_set_new(config, "architecture", json_string(go_arch()));
    json_object_set_new(config, "os", json_string("linux"));
    json_object_set_new(config, "rootfs",
                        json_pack("{s:s,s:[s]}", "type", "layers", "diff_ids", l->diff_id));
    json_object_set_new(config, "history",
                        json_pack("[{s:s,s:s}]", "created", created, "comment", comment));
    _cleanup_free_ char *raw = json_dumps(config, JSON_COMPACT);

    char *tags[2] = {full, NULL};
    struct new_image ni = {.config_raw = raw,
                           .config_len = strlen(raw),
                           .layers = &l,
                           .nlayers = 1,
                           .tags = full ? tags : NULL,
                           .touch_tags = true};
    char ids[1][DIGEST_LEN + 1];
    int rc = store_add_images(&ni, 1, ids, NULL, NULL, err);
    store_layer_put(l);
    if (rc < 0)
        return -1;
    memcpy(id, ids[0], DIGEST_LEN + 1);
    image_event("import", id, id);
    return 0;
}
