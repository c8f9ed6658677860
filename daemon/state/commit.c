/* docker commit, the container side: state checks, the run config, a
 * frozen container while its upper directory is read; daemon/image makes
 * the layer and the image. */
#include "daemon/state/commit.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/image/changes.h"
#include "daemon/image/commit.h"
#include "daemon/runtime/runtime.h"
#include "daemon/state/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static bool empty(json_t *v)
{
    return !v || json_is_null(v) || (json_is_array(v) && !json_array_size(v)) ||
           (json_is_object(v) && !json_object_size(v)) ||
           (json_is_string(v) && !*json_string_value(v));
}

/* Copy key from ctr into user when user's is empty. */
static void fill(json_t *user, json_t *ctr, const char *key)
{
    json_t *c = json_object_get(ctr, key);
    if (empty(json_object_get(user, key)) && c)
        json_object_set(user, key, c);
}

static size_t env_key_len(const char *e)
{
    return strcspn(e, "=");
}

static void merge_env(json_t *user, json_t *ctr)
{
    json_t *ue = json_object_get(user, "Env");
    if (empty(ue)) {
        fill(user, ctr, "Env");
        return;
    }
    size_t i, k;
    json_t *v, *u;
    json_array_foreach(json_object_get(ctr, "Env"), i, v)
    {
        const char *e = json_string_value(v);
        if (!e)
            continue;
        bool found = false;
        json_array_foreach(ue, k, u)
        {
            const char *x = json_string_value(u);
            if (x && env_key_len(x) == env_key_len(e) && !strncmp(x, e, env_key_len(e)))
                found = true;
        }
        if (!found)
            json_array_append(ue, v);
    }
}

/* Keys of ctr's object missing from user's (ExposedPorts, Labels); with
 * overwrite, ctr's win (Volumes, as moby). */
static void merge_keys(json_t *user, json_t *ctr, const char *key, bool overwrite)
{
    json_t *co = json_object_get(ctr, key);
    if (!json_is_object(co))
        return;
    json_t *uo = json_object_get(user, key);
    if (!json_is_object(uo)) {
        json_object_set_new(user, key, json_deep_copy(co));
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(co, k, v)
    {
        if (overwrite || !json_object_get(uo, k))
            json_object_set(uo, k, v);
    }
}

static void merge_health(json_t *user, json_t *ctr)
{
    json_t *ch = json_object_get(ctr, "Healthcheck");
    if (!json_is_object(ch))
        return;
    json_t *uh = json_object_get(user, "Healthcheck");
    if (!json_is_object(uh)) {
        json_object_set(user, "Healthcheck", ch);
        return;
    }
    static const char *const keys[] = {"Test",        "Interval",      "Timeout",
                                       "StartPeriod", "StartInterval", "Retries"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *u = json_object_get(uh, keys[i]);
        bool zero = empty(u) || (json_is_integer(u) && json_integer_value(u) == 0);
        if (zero && json_object_get(ch, keys[i]))
            json_object_set(uh, keys[i], json_object_get(ch, keys[i]));
    }
}

void ctr_commit_merge(json_t *user, json_t *ctr)
{
    fill(user, ctr, "User");
    merge_keys(user, ctr, "ExposedPorts", false);
    merge_env(user, ctr);
    if (!json_is_object(json_object_get(user, "Labels")))
        json_object_set_new(user, "Labels", json_object());
    merge_keys(user, ctr, "Labels", false);
    if (empty(json_object_get(user, "Entrypoint"))) {
        fill(user, ctr, "Cmd");
        /* an empty (not null) Entrypoint resets the container's */
        json_t *ue = json_object_get(user, "Entrypoint");
        if ((!ue || json_is_null(ue)) && json_object_get(ctr, "Entrypoint"))
            json_object_set(user, "Entrypoint", json_object_get(ctr, "Entrypoint"));
    }
    merge_health(user, ctr);
    fill(user, ctr, "WorkingDir");
    merge_keys(user, ctr, "Volumes", true);
    fill(user, ctr, "StopSignal");
}

int ctr_commit_upper_fd(struct container *c, struct md_error *err)
{
    /* a container that never started has no upper dir yet: nothing changed */
    _cleanup_free_ char *upper = md_data_path("overlay/%s/upper", c->id);
    if (fs_mkdir_p(upper, 0755, err) < 0)
        return -1;
    int fd = open(upper, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return md_errno(err, errno, "open %s", upper);
    return fd;
}

int ctr_commit(struct container *c, const struct ctr_commit_opts *o, char id[DIGEST_LEN + 1],
               struct md_error *err)
{
    pthread_mutex_lock(&c->op_lock);
    cstore_lock();
    bool removing = c->status == CTR_REMOVING || c->removed;
    bool freeze = o->pause && c->status == CTR_RUNNING;
    _cleanup_json_ json_t *ctr_config = json_deep_copy(c->config);
    _cleanup_free_ char *image_id = xstrdup(c->image_id);
    cstore_unlock();
    int r = 0;
    _cleanup_json_ json_t *user = NULL;
    _cleanup_json_ json_t *config = NULL;
    if (removing)
        r = md_err(err, MD_ECONFLICT, "You cannot commit container %s which is being removed",
                   c->id);
    if (r == 0) {
        user = json_deep_copy(o->config ? o->config : ctr_config);
        r = image_apply_changes(user, o->changes, err);
    }
    if (r < 0) {
        pthread_mutex_unlock(&c->op_lock);
        return -1;
    }
    ctr_commit_merge(user, ctr_config);
    config = image_container_config(user);

    _cleanup_close_ int ufd = ctr_commit_upper_fd(c, err);
    if (ufd < 0)
        r = -1;
    bool frozen = false;
    if (r == 0 && freeze) {
        r = rt_freeze(c->id, md_cfg.cgroup_parent, true, err);
        frozen = r == 0;
    }
    if (r == 0) {
        struct image_commit_req req = {.parent_id = image_id,
                                       .upperfd = ufd,
                                       .container_id = c->id,
                                       .config = config,
                                       .container_config = ctr_config,
                                       .author = o->author,
                                       .comment = o->comment,
                                       .ref = o->ref};
        r = image_commit(&req, id, err);
    }
    if (frozen) {
        struct md_error e2 = {0};
        if (rt_freeze(c->id, md_cfg.cgroup_parent, false, &e2) < 0)
            log_warn("commit: thaw %s: %s", c->id, md_err_msg(&e2));
        md_err_clear(&e2);
    }
    pthread_mutex_unlock(&c->op_lock);
    if (r == 0) {
        ctr_emit(c, "commit",
                 json_pack("{s:s,s:s,s:s}", "comment", o->comment ? o->comment : "", "imageID", id,
                           "imageRef", o->ref_familiar ? o->ref_familiar : ""));
    }
    return r;
}
