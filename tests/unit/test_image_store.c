/* Unit tests for the image store: loading docker-archives (legacy and
 * docker 25+ layouts) and OCI layouts with nested indexes, manifest and
 * digest errors leaving nothing behind, reference lookup, tag, rmi rules
 * with the container usage check, prune, and save -> load. Each test runs
 * in its own process (CK_FORK) with its own data root. */
#include "common/jsonutil.h"
#include "common/log.h"
#include "daemon/daemon.h"
#include "daemon/image/archive.h"
#include "daemon/image/store.h"
#include "image_tarlib.h"

static char *root;

static void setup(void)
{
    root = mktmpdir();
    if (getenv("MD_TEST_DEBUG"))
        log_set_level(LOG_DEBUG);
    md_cfg.data_root = root;
    struct md_error err = {0};
    ck_assert_msg(image_store_init(&err) == 0, "%s", md_err_msg(&err));
}

static void teardown(void)
{
    rmtree(root);
    free(root);
}

/* A one-layer image's parts. */
struct built {
    char *layer; /* bytes of the layer tar */
    size_t layer_len;
    char diff[DIGEST_LEN + 1];
    char *config;
    char id[DIGEST_LEN + 1];
};

static void build_layer(struct built *b, const struct tent *e, int n, bool gz)
{
    _cleanup_free_ char *p = xasprintf("%s/layer.tmp", root);
    tar_write(p, e, n, gz);
    b->layer = read_all(p, &b->layer_len);
    unlink(p);
}

static void build_config(struct built *b, const char *diff, const char *extra)
{
    b->config =
        xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:"
                  "00:00Z\",\"config\":{\"Cmd\":[\"sh\"]%s},\"rootfs\":{\"type\":"
                  "\"layers\",\"diff_ids\":[\"%s\"]},\"history\":[{\"created\":\"2024-01-"
                  "01T00:00:00Z\",\"created_by\":\"test\"}]}",
                  extra, diff);
    sha256_digest(b->config, strlen(b->config), b->id);
}

static void build_busybox(struct built *b)
{
    struct tent e[] = {{"bin/", 'd', NULL, 0755, NULL, NULL, 0},
                       {"bin/hello", 'f', "hello\n", 0755, NULL, NULL, 0}};
    build_layer(b, e, 2, false);
    sha256_digest(b->layer, b->layer_len, b->diff);
    build_config(b, b->diff, "");
}

/* docker <= 24's layout: <id>/layer.tar linking to the layer beside it */
static char *docker_archive(struct built *b, const char *tags_json, const char *diff_override)
{
    _cleanup_free_ char *path = xasprintf("%s/archive.tar", root);
    _cleanup_free_ char *lname = xasprintf("%s.tar", digest_hex(b->diff));
    _cleanup_free_ char *link = xasprintf("v1id/layer.tar");
    _cleanup_free_ char *ltarget = xasprintf("../%s", lname);
    _cleanup_free_ char *cname = xasprintf("%s.json", digest_hex(b->id));
    _cleanup_free_ char *manifest = xasprintf(
        "[{\"Config\":\"%s\",\"RepoTags\":%s,\"Layers\":[\"v1id/layer.tar\"]}]", cname, tags_json);
    (void)diff_override;
    struct tent e[] = {
        {lname, 'f', b->layer, 0444, NULL, NULL, b->layer_len},
        {cname, 'f', b->config, 0444, NULL, NULL, 0},
        {"v1id/", 'd', NULL, 0755, NULL, NULL, 0},
        {link, 'l', ltarget, 0777, NULL, NULL, 0},
        {"manifest.json", 'f', manifest, 0444, NULL, NULL, 0},
    };
    tar_write(path, e, 5, false);
    return steal_ptr(&path);
}

struct msgs {
    char *all;
};

static void collect(void *ctx, const char *line)
{
    struct msgs *m = ctx;
    char *n = xasprintf("%s%s", m->all ? m->all : "", line);
    free(m->all);
    m->all = n;
}

static int load_file(const char *path, char **out, struct md_error *err)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    struct msgs m = {0};
    char buf[4096]; /* small reads: members and headers cross them */
    struct layer_fd_src src = {.fd = fd, .buf = buf, .size = sizeof buf};
    int r = image_load(layer_fd_read, &src, collect, &m, err);
    close(fd);
    if (out)
        *out = m.all ? m.all : xstrdup("");
    else
        free(m.all);
    return r;
}

static void built_free(struct built *b)
{
    free(b->layer);
    free(b->config);
}

static void nothing_left(void)
{
    _cleanup_free_ char *layers = xasprintf("%s/image/layers", root);
    _cleanup_free_ char *tmp = xasprintf("%s/image/tmp", root);
    ck_assert_int_eq(count_entries(layers), 0);
    ck_assert_int_eq(count_entries(tmp), 0);
    ck_assert_int_eq(image_store_count(), 0);
}

START_TEST(test_load_and_lookup)
{
    struct built b = {0};
    build_busybox(&b);
    _cleanup_free_ char *arch = docker_archive(&b, "[\"busybox:latest\"]", NULL);
    struct md_error err = {0};
    _cleanup_free_ char *msgs = NULL;
    ck_assert_msg(load_file(arch, &msgs, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(msgs, "Loaded image: busybox:latest\n");
    ck_assert_int_eq(image_store_count(), 1);

    char prefix[20];
    snprintf(prefix, sizeof prefix, "%.12s", digest_hex(b.id));
    _cleanup_free_ char *sprefix = xasprintf("sha256:%.8s", digest_hex(b.id));
    const char *names[] = {"busybox", "busybox:latest", "docker.io/library/busybox:latest",
                           b.id,      digest_hex(b.id), prefix,
                           sprefix};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct image *im;
        ck_assert_msg(image_lookup(names[i], &im, &err) == 0, "%s: %s", names[i], md_err_msg(&err));
        ck_assert_str_eq(image_id(im), b.id);
        image_put(im);
    }
    struct image *im;
    ck_assert_int_eq(image_lookup("nosuch", &im, &err), -1);
    ck_assert_int_eq(err.err, MD_ENOTFOUND);
    ck_assert_str_eq(md_err_msg(&err), "No such image: nosuch:latest");
    ck_assert_int_eq(image_lookup("busybox:1", &im, &err), -1);
    ck_assert_str_eq(md_err_msg(&err), "No such image: busybox:1");
    ck_assert_int_eq(image_lookup("UPPER", &im, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);

    ck_assert_int_eq(image_lookup("busybox", &im, &err), 0);
    json_t *rc = image_config(im);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rc, "Cmd"), 0)), "sh");
    _cleanup_strv_ char **dirs = image_layer_dirs(im);
    ck_assert_int_eq(strv_len(dirs), 1);
    _cleanup_free_ char *hello = xasprintf("%s/bin/hello", dirs[0]);
    ck_assert(exists(hello));
    ck_assert_int_eq(image_size(im), 6);
    image_put(im);

    /* loading it again changes nothing and says so again */
    free(msgs);
    msgs = NULL;
    ck_assert_int_eq(load_file(arch, &msgs, &err), 0);
    ck_assert_str_eq(msgs, "Loaded image: busybox:latest\n");
    ck_assert_int_eq(image_store_count(), 1);
    built_free(&b);
}
END_TEST

START_TEST(test_load_failures_leave_nothing)
{
    struct built b = {0};
    build_busybox(&b);
    struct md_error err = {0};
    /* the config names another layer: the diff id check catches it */
    struct built wrong = {0};
    char other[DIGEST_LEN + 1];
    sha256_digest("x", 1, other);
    build_config(&wrong, other, "");
    wrong.layer = b.layer;
    wrong.layer_len = b.layer_len;
    memcpy(wrong.diff, b.diff, sizeof wrong.diff);
    _cleanup_free_ char *a1 = docker_archive(&wrong, "[\"bad:1\"]", NULL);
    ck_assert_int_eq(load_file(a1, NULL, &err), -1);
    ck_assert_msg(strstr(md_err_msg(&err), "invalid diffID: expected \"sha256:2d711642"), "%s",
                  md_err_msg(&err));
    md_err_clear(&err);
    nothing_left();

    /* bad tags, checked before any layer is unpacked */
    _cleanup_free_ char *a2 = docker_archive(&b, "[\"Bad:Tag\"]", NULL);
    ck_assert_int_eq(load_file(a2, NULL, &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    nothing_left();

    /* a layer that tries to leave */
    struct built evil = {0};
    struct tent e[] = {{"../../escape", 'f', "x", 0644, NULL, NULL, 0}};
    build_layer(&evil, e, 1, false);
    sha256_digest(evil.layer, evil.layer_len, evil.diff);
    build_config(&evil, evil.diff, "");
    _cleanup_free_ char *a3 = docker_archive(&evil, "[\"evil:1\"]", NULL);
    ck_assert_int_eq(load_file(a3, NULL, &err), -1);
    _cleanup_free_ char *want =
        xasprintf("layer %s: entry \"../../escape\": path escapes the layer", evil.diff);
    ck_assert_str_eq(md_err_msg(&err), want);
    md_err_clear(&err);
    nothing_left();

    /* layers and diff_ids disagree in number */
    _cleanup_free_ char *path = xasprintf("%s/a4.tar", root);
    _cleanup_free_ char *manifest =
        xasprintf("[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":[\"l.tar\",\"l.tar\"]}]");
    struct tent t4[] = {{"l.tar", 'f', b.layer, 0644, NULL, NULL, b.layer_len},
                        {"c.json", 'f', b.config, 0644, NULL, NULL, 0},
                        {"manifest.json", 'f', manifest, 0644, NULL, NULL, 0}};
    tar_write(path, t4, 3, false);
    ck_assert_int_eq(load_file(path, NULL, &err), -1);
    ck_assert_str_eq(md_err_msg(&err),
                     "invalid manifest, layers length mismatch: expected 2, got 1");
    md_err_clear(&err);
    /* a missing config */
    struct tent t5[] = {{"manifest.json", 'f', manifest, 0644, NULL, NULL, 0}};
    tar_write(path, t5, 1, false);
    ck_assert_int_eq(load_file(path, NULL, &err), -1);
    ck_assert_str_eq(md_err_msg(&err), "invalid archive: config c.json is missing");
    md_err_clear(&err);
    /* no manifest at all */
    struct tent t6[] = {{"hello", 'f', "x", 0644, NULL, NULL, 0}};
    tar_write(path, t6, 1, false);
    ck_assert_int_eq(load_file(path, NULL, &err), -1);
    ck_assert(strstr(md_err_msg(&err), "no manifest.json"));
    md_err_clear(&err);
    nothing_left();
    free(evil.layer);
    free(evil.config);
    free(wrong.config);
    built_free(&b);
}
END_TEST

static char *blob_name(const char *data, size_t len, char d[DIGEST_LEN + 1])
{
    sha256_digest(data, len, d);
    return xasprintf("blobs/sha256/%s", digest_hex(d));
}

START_TEST(test_oci_nested_index)
{
    struct built b = {0};
    struct tent e[] = {{"f", 'f', "oci\n", 0644, NULL, NULL, 0}};
    build_layer(&b, e, 1, true); /* gzip blob */
    _cleanup_free_ char *plain_path = xasprintf("%s/plain.tar", root);
    tar_write(plain_path, e, 1, false);
    file_digest(plain_path, b.diff);
    char ldig[DIGEST_LEN + 1];
    _cleanup_free_ char *lname = blob_name(b.layer, b.layer_len, ldig);

    struct built amd = {0}, arm = {0};
    build_config(&amd, b.diff, ",\"Labels\":{\"arch\":\"amd64\"}");
    free(arm.config);
    arm.config = xstrdup(amd.config);
    char *p = strstr(arm.config, "amd64");
    memcpy(p, "arm64", 5); /* architecture */
    p = strstr(arm.config, "amd64");
    memcpy(p, "arm64", 5); /* label */
    char camd[DIGEST_LEN + 1], carm[DIGEST_LEN + 1];
    _cleanup_free_ char *camd_n = blob_name(amd.config, strlen(amd.config), camd);
    _cleanup_free_ char *carm_n = blob_name(arm.config, strlen(arm.config), carm);
    /* umoci leaves out mediaType fields: they must not be needed */
    _cleanup_free_ char *m_amd =
        xasprintf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
                  "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
                  "\"size\":%zu}]}",
                  camd, strlen(amd.config), ldig, b.layer_len);
    _cleanup_free_ char *m_arm =
        xasprintf("{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
                  "\"digest\":\"%s\",\"size\":%zu}]}",
                  carm, strlen(arm.config), ldig, b.layer_len);
    char mamd[DIGEST_LEN + 1], marm[DIGEST_LEN + 1];
    _cleanup_free_ char *mamd_n = blob_name(m_amd, strlen(m_amd), mamd);
    _cleanup_free_ char *marm_n = blob_name(m_arm, strlen(m_arm), marm);
    _cleanup_free_ char *idx = xasprintf(
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        "\"manifests\":[{\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\","
        "\"architecture\":\"arm64\"}},{\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":"
        "\"linux\",\"architecture\":\"amd64\"}}]}",
        marm, strlen(m_arm), mamd, strlen(m_amd));
    char didx[DIGEST_LEN + 1];
    _cleanup_free_ char *idx_n = blob_name(idx, strlen(idx), didx);
    _cleanup_free_ char *top = xasprintf(
        "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+"
        "json\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"io.containerd.image.name\":"
        "\"docker.io/library/multi:1\",\"org.opencontainers.image.ref.name\":\"1\"}}]}",
        didx, strlen(idx));
    _cleanup_free_ char *path = xasprintf("%s/oci.tar", root);
    struct tent t[] = {
        {"oci-layout", 'f', "{\"imageLayoutVersion\":\"1.0.0\"}", 0644, NULL, NULL, 0},
        {"index.json", 'f', top, 0644, NULL, NULL, 0},
        {idx_n, 'f', idx, 0644, NULL, NULL, 0},
        {mamd_n, 'f', m_amd, 0644, NULL, NULL, 0},
        {marm_n, 'f', m_arm, 0644, NULL, NULL, 0},
        {camd_n, 'f', amd.config, 0644, NULL, NULL, 0},
        {carm_n, 'f', arm.config, 0644, NULL, NULL, 0},
        {lname, 'f', b.layer, 0644, NULL, NULL, b.layer_len}};
    tar_write(path, t, 8, false);
    struct md_error err = {0};
    _cleanup_free_ char *msgs = NULL;
    ck_assert_msg(load_file(path, &msgs, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(msgs, "Loaded image: multi:1\n");
    struct image *im;
    ck_assert_int_eq(image_lookup("multi:1", &im, &err), 0);
    ck_assert_str_eq(image_id(im), camd);
    image_put(im);
    ck_assert_int_eq(image_store_count(), 1);

    /* a layer blob that is not what its digest says (on a store without
     * the layer: a layer already present is not read again) */
    json_decref(store_delete("multi:1", false, true, &err));
    nothing_left();
    char *bad = xmalloc(b.layer_len);
    memcpy(bad, b.layer, b.layer_len);
    bad[b.layer_len / 2] ^= 1;
    t[7].data = bad;
    tar_write(path, t, 8, false);
    ck_assert_int_eq(load_file(path, NULL, &err), -1);
    _cleanup_free_ char *want = xasprintf("layer %s: digest mismatch: expected %s", lname, ldig);
    ck_assert_msg(strstr(md_err_msg(&err), want) || strstr(md_err_msg(&err), "layer sha256:"), "%s",
                  md_err_msg(&err));
    md_err_clear(&err);
    nothing_left();
    free(bad);
    built_free(&b);
    free(amd.config);
    free(arm.config);
}
END_TEST

static bool used_by_stopped(const char *id, char cid[65], bool *running)
{
    (void)id;
    memset(cid, 'c', 64);
    cid[64] = '\0';
    *running = false;
    return true;
}

static bool used_by_running(const char *id, char cid[65], bool *running)
{
    used_by_stopped(id, cid, running);
    *running = true;
    return true;
}

static char *records_text(json_t *r)
{
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return s;
}

START_TEST(test_tag_rmi_prune)
{
    struct built b = {0};
    build_busybox(&b);
    _cleanup_free_ char *arch = docker_archive(&b, "[\"busybox:latest\"]", NULL);
    struct md_error err = {0};
    ck_assert_int_eq(load_file(arch, NULL, &err), 0);
    ck_assert_int_eq(store_tag("busybox", "docker.io/myrepo/bb", "v1", &err), 0);
    ck_assert_int_eq(store_tag("nosuch", "x", "", &err), -1);
    ck_assert_int_eq(err.err, MD_ENOTFOUND);
    ck_assert_int_eq(store_tag("busybox", "sha256", "x", &err), -1);
    ck_assert_int_eq(err.err, MD_EINVAL);
    md_err_clear(&err);
    struct image *im;
    ck_assert_int_eq(image_lookup("myrepo/bb:v1", &im, &err), 0);
    _cleanup_strv_ char **tags = store_refs_of(im, false);
    ck_assert_int_eq(strv_len(tags), 2);
    ck_assert_str_eq(tags[0], "docker.io/library/busybox:latest");
    ck_assert_str_eq(tags[1], "docker.io/myrepo/bb:v1");
    ck_assert(store_last_tag_ns(im) > 0);
    image_put(im);

    /* by id with two repositories: must be forced */
    ck_assert_ptr_null(store_delete(digest_hex(b.id), false, true, &err));
    ck_assert_int_eq(err.err, MD_ECONFLICT);
    _cleanup_free_ char *w1 = xasprintf("conflict: unable to delete %.12s (must be forced) - image "
                                        "is referenced in multiple repositories",
                                        digest_hex(b.id));
    ck_assert_str_eq(md_err_msg(&err), w1);
    md_err_clear(&err);
    /* one of two tags: just untag */
    _cleanup_free_ char *r1 = records_text(store_delete("myrepo/bb:v1", false, true, &err));
    ck_assert_str_eq(r1, "[{\"Untagged\":\"myrepo/bb:v1\"}]");

    /* the last tag of an image a stopped container uses */
    image_set_usage_check(used_by_stopped);
    ck_assert_ptr_null(store_delete("busybox", false, true, &err));
    _cleanup_free_ char *w2 = xasprintf("conflict: unable to remove repository reference "
                                        "\"busybox\" (must force) - container cccccccccccc is "
                                        "using its referenced image %.12s",
                                        digest_hex(b.id));
    ck_assert_str_eq(md_err_msg(&err), w2);
    md_err_clear(&err);
    /* forced: untagged, kept as a dangling image for the container */
    _cleanup_free_ char *r2 = records_text(store_delete("busybox", true, true, &err));
    ck_assert_str_eq(r2, "[{\"Untagged\":\"busybox:latest\"}]");
    ck_assert_int_eq(image_store_count(), 1);
    /* prune skips it while it is used */
    struct filters *none = filters_new();
    _cleanup_free_ char *p1 = records_text(store_prune(none, &err));
    ck_assert_str_eq(p1, "{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}");
    image_set_usage_check(used_by_running);
    ck_assert_ptr_null(store_delete(digest_hex(b.id), true, true, &err));
    ck_assert_int_eq(err.err, MD_ECONFLICT);
    ck_assert(strstr(md_err_msg(&err), "(cannot be forced) - image is being used by running "
                                       "container cccccccccccc"));
    md_err_clear(&err);
    image_set_usage_check(NULL);
    _cleanup_free_ char *p2 = records_text(store_prune(none, &err));
    filters_free(none);
    _cleanup_free_ char *w3 =
        xasprintf("{\"ImagesDeleted\":[{\"Deleted\":\"%s\"},{\"Deleted\":\"%s\"}],"
                  "\"SpaceReclaimed\":6}",
                  b.id, b.diff);
    ck_assert_str_eq(p2, w3);
    nothing_left();
    built_free(&b);
}
END_TEST

/* prune -a leaves an image a container uses alone: deleting it name by name
 * would untag all but the last (rmi's rule for one of several names) */
START_TEST(test_prune_all_keeps_used)
{
    struct built b = {0};
    build_busybox(&b);
    _cleanup_free_ char *arch = docker_archive(&b, "[\"busybox:latest\"]", NULL);
    struct md_error err = {0};
    ck_assert_int_eq(load_file(arch, NULL, &err), 0);
    ck_assert_int_eq(store_tag("busybox", "docker.io/myrepo/bb", "v1", &err), 0);
    struct filters *all = filters_new();
    ck_assert_int_eq(filters_add(all, "dangling=false", &err), 0);
    image_set_usage_check(used_by_running);
    _cleanup_free_ char *p1 = records_text(store_prune(all, &err));
    ck_assert_str_eq(p1, "{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}");
    image_set_usage_check(used_by_stopped);
    _cleanup_free_ char *p2 = records_text(store_prune(all, &err));
    ck_assert_str_eq(p2, "{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}");
    struct image *im;
    ck_assert_int_eq(image_lookup("busybox", &im, &err), 0);
    _cleanup_strv_ char **tags = store_refs_of(im, false);
    ck_assert_int_eq(strv_len(tags), 2);
    image_put(im);
    image_set_usage_check(NULL);
    _cleanup_free_ char *p3 = records_text(store_prune(all, &err));
    filters_free(all);
    ck_assert(strstr(p3, b.id));
    nothing_left();
    built_free(&b);
}
END_TEST

static int fd_sink(void *ctx, const void *buf, size_t n)
{
    return write(*(int *)ctx, buf, n) == (ssize_t)n ? 0 : -1;
}

START_TEST(test_save_then_load)
{
    struct built b = {0};
    build_busybox(&b);
    _cleanup_free_ char *arch = docker_archive(&b, "[\"busybox:latest\",\"bb:2\"]", NULL);
    struct md_error err = {0};
    ck_assert_int_eq(load_file(arch, NULL, &err), 0);
    char *names[] = {"busybox", NULL};
    struct save_plan *plan;
    ck_assert_int_eq(image_save_prepare(names, &plan, &err), 0);
    _cleanup_free_ char *out = xasprintf("%s/saved.tar", root);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_msg(image_save_write(plan, fd_sink, &fd, &err) == 0, "%s", md_err_msg(&err));
    close(fd);
    image_save_free(plan);
    char *missing[] = {"nosuch", NULL};
    ck_assert_int_eq(image_save_prepare(missing, &plan, &err), -1);
    ck_assert_str_eq(md_err_msg(&err), "No such image: nosuch:latest");
    md_err_clear(&err);

    /* the layer blob is the original tar: its name is its digest */
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    ck_assert_int_eq(archive_read_open_filename(a, out, 10240), ARCHIVE_OK);
    struct archive_entry *e;
    _cleanup_free_ char *layer_name = xasprintf("blobs/sha256/%s", digest_hex(b.diff));
    bool saw_layer = false, saw_manifest = false;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *n = archive_entry_pathname(e);
        if (!strcmp(n, "manifest.json")) {
            char buf[4096] = "";
            archive_read_data(a, buf, sizeof buf - 1);
            /* "busybox" saves every busybox tag, not bb:2 */
            ck_assert_msg(strstr(buf, "\"RepoTags\":[\"busybox:latest\"]"), "%s", buf);
            saw_manifest = true;
        } else if (!strcmp(n, layer_name)) {
            char *buf = xmalloc(b.layer_len + 1);
            ck_assert_int_eq(archive_read_data(a, buf, b.layer_len + 1), (la_ssize_t)b.layer_len);
            ck_assert(memcmp(buf, b.layer, b.layer_len) == 0);
            free(buf);
            saw_layer = true;
        }
    }
    archive_read_free(a);
    ck_assert(saw_layer && saw_manifest);

    json_decref(store_delete("bb:2", false, true, &err));
    json_decref(store_delete("busybox", false, true, &err));
    nothing_left();
    _cleanup_free_ char *msgs = NULL;
    ck_assert_msg(load_file(out, &msgs, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(msgs, "Loaded image: busybox:latest\n");
    struct image *im;
    ck_assert_int_eq(image_lookup("busybox", &im, &err), 0);
    ck_assert_str_eq(image_id(im), b.id);
    image_put(im);
    built_free(&b);
}
END_TEST

/* A config naming these diff ids, bottom first. */
static char *config_for(char (*diffs)[DIGEST_LEN + 1], size_t n, char id[DIGEST_LEN + 1])
{
    char *ids = xstrdup("");
    for (size_t i = 0; i < n; i++) {
        char *t = xasprintf("%s%s\"%s\"", ids, i ? "," : "", diffs[i]);
        free(ids);
        ids = t;
    }
    char *c = xasprintf("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                        "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]}}",
                        ids);
    free(ids);
    sha256_digest(c, strlen(c), id);
    return c;
}

static char *layer_of(const char *name, const char *data, char diff[DIGEST_LEN + 1], size_t *len)
{
    struct tent e[] = {{name, 'f', data, 0644, NULL, NULL, 0}};
    _cleanup_free_ char *p = xasprintf("%s/layer.tmp", root);
    tar_write(p, e, 1, false);
    char *bytes = read_all(p, len);
    unlink(p);
    sha256_digest(bytes, *len, diff);
    return bytes;
}

static int count_layers(void)
{
    _cleanup_free_ char *layers = xasprintf("%s/image/layers", root);
    _cleanup_free_ char *tmp = xasprintf("%s/image/tmp", root);
    ck_assert_int_eq(count_entries(tmp), 0); /* nothing left from staging */
    return count_entries(layers);
}

/* docker 25+'s layout, manifest.json last: a layer two images use under
 * different parents is unpacked once from the archive and once more from
 * the first copy; loaded again with one of its chains still in the store,
 * it is only hashed and the store's copy serves; a member whose bytes are
 * not its name's digest is refused even then. An empty layer (1024 zero
 * bytes, nothing that looks like a tar) is kept in memory and unpacked at
 * the end. */
START_TEST(test_load_shared_layers)
{
    char d[3][DIGEST_LEN + 1];
    size_t len[3];
    _cleanup_free_ char *l1 = layer_of("one", "1\n", d[0], &len[0]);
    _cleanup_free_ char *l2 = layer_of("two", "2\n", d[1], &len[1]);
    _cleanup_free_ char *l3 = xcalloc(1, 1024);
    len[2] = 1024;
    sha256_digest(l3, 1024, d[2]);
    char ida[DIGEST_LEN + 1], idb[DIGEST_LEN + 1];
    char da[1][DIGEST_LEN + 1], db[3][DIGEST_LEN + 1];
    memcpy(da[0], d[0], sizeof da[0]);
    memcpy(db[0], d[1], sizeof db[0]);
    memcpy(db[1], d[0], sizeof db[1]);
    memcpy(db[2], d[2], sizeof db[2]);
    _cleanup_free_ char *ca = config_for(da, 1, ida);
    _cleanup_free_ char *cb = config_for(db, 3, idb);
    _cleanup_free_ char *n1 = xasprintf("blobs/sha256/%s", digest_hex(d[0]));
    _cleanup_free_ char *n2 = xasprintf("blobs/sha256/%s", digest_hex(d[1]));
    _cleanup_free_ char *n3 = xasprintf("blobs/sha256/%s", digest_hex(d[2]));
    _cleanup_free_ char *na = xasprintf("blobs/sha256/%s", digest_hex(ida));
    _cleanup_free_ char *nb = xasprintf("blobs/sha256/%s", digest_hex(idb));
    _cleanup_free_ char *manifest =
        xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"a:1\"],\"Layers\":[\"%s\"]},"
                  "{\"Config\":\"%s\",\"RepoTags\":[\"b:1\"],\"Layers\":[\"%s\",\"%s\",\"%s\"]}]",
                  na, n1, nb, n2, n1, n3);
    struct tent t[] = {{n1, 'f', l1, 0644, NULL, NULL, len[0]},
                       {n2, 'f', l2, 0644, NULL, NULL, len[1]},
                       {n3, 'f', l3, 0644, NULL, NULL, len[2]},
                       {na, 'f', ca, 0644, NULL, NULL, 0},
                       {nb, 'f', cb, 0644, NULL, NULL, 0},
                       {"manifest.json", 'f', manifest, 0644, NULL, NULL, 0}};
    _cleanup_free_ char *path = xasprintf("%s/shared.tar", root);
    tar_write(path, t, 6, false);

    struct md_error err = {0};
    _cleanup_free_ char *msgs = NULL;
    ck_assert_msg(load_file(path, &msgs, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(msgs, "Loaded image: a:1\nLoaded image: b:1\n");
    ck_assert_int_eq(count_layers(), 4); /* one; two; two+one; two+one+empty */
    struct image *im;
    ck_assert_int_eq(image_lookup("b:1", &im, &err), 0);
    _cleanup_strv_ char **dirs = image_layer_dirs(im);
    image_put(im);
    ck_assert_int_eq(strv_len(dirs), 3);
    int ones = 0, twos = 0;
    for (char **dp = dirs; *dp; dp++) {
        _cleanup_free_ char *one = xasprintf("%s/one", *dp);
        _cleanup_free_ char *two = xasprintf("%s/two", *dp);
        ones += exists(one);
        twos += exists(two);
    }
    ck_assert_int_eq(ones * 10 + twos, 11);

    /* again, with b gone: "one" is only hashed, b's chains come from a's */
    json_decref(store_delete("b:1", false, true, &err));
    ck_assert_int_eq(count_layers(), 1);
    free(msgs);
    msgs = NULL;
    ck_assert_msg(load_file(path, &msgs, &err) == 0, "%s", md_err_msg(&err));
    ck_assert_str_eq(msgs, "Loaded image: a:1\nLoaded image: b:1\n");
    ck_assert_int_eq(count_layers(), 4);

    /* the same, but the member named for "one" holds other bytes */
    json_decref(store_delete("b:1", false, true, &err));
    char d_other[DIGEST_LEN + 1];
    size_t len_other;
    _cleanup_free_ char *other = layer_of("one", "X\n", d_other, &len_other);
    t[0].data = other;
    t[0].len = len_other;
    tar_write(path, t, 6, false);
    ck_assert_int_eq(load_file(path, NULL, &err), -1);
    _cleanup_free_ char *want =
        xasprintf("layer %s: digest mismatch: expected %s, got %s", n1, d[0], d_other);
    ck_assert_str_eq(md_err_msg(&err), want);
    md_err_clear(&err);
    ck_assert_int_eq(count_layers(), 1);
    ck_assert_int_eq(image_store_count(), 1);
}
END_TEST

/* docker <= 24 put manifest.json and the configs first: the plan is known
 * when the layers come, so a layer the store has is not unpacked again and
 * a bad one is named by its diff id at once. */
START_TEST(test_load_manifest_first)
{
    struct built b = {0};
    build_busybox(&b);
    struct built evil = {0};
    struct tent ee[] = {{"../../escape", 'f', "x", 0644, NULL, NULL, 0}};
    build_layer(&evil, ee, 1, false);
    sha256_digest(evil.layer, evil.layer_len, evil.diff);
    build_config(&evil, evil.diff, "");
    struct built *bs[] = {&b, &evil};
    for (int k = 0; k < 2; k++) {
        struct built *x = bs[k];
        _cleanup_free_ char *cname = xasprintf("%s.json", digest_hex(x->id));
        _cleanup_free_ char *manifest = xasprintf(
            "[{\"Config\":\"%s\",\"RepoTags\":[\"first:%d\"],\"Layers\":[\"v1id/layer.tar\"]}]",
            cname, k);
        struct tent t[] = {{"manifest.json", 'f', manifest, 0644, NULL, NULL, 0},
                           {cname, 'f', x->config, 0644, NULL, NULL, 0},
                           {"v1id/", 'd', NULL, 0755, NULL, NULL, 0},
                           {"v1id/layer.tar", 'f', x->layer, 0644, NULL, NULL, x->layer_len}};
        _cleanup_free_ char *path = xasprintf("%s/first.tar", root);
        tar_write(path, t, 4, false);
        struct md_error err = {0};
        _cleanup_free_ char *msgs = NULL;
        if (k == 1) {
            ck_assert_int_eq(load_file(path, NULL, &err), -1);
            _cleanup_free_ char *want =
                xasprintf("layer %s: entry \"../../escape\": path escapes the layer", evil.diff);
            ck_assert_str_eq(md_err_msg(&err), want);
            md_err_clear(&err);
            ck_assert_int_eq(count_layers(), 1);
            continue;
        }
        for (int again = 0; again < 2; again++) {
            free(msgs);
            msgs = NULL;
            ck_assert_msg(load_file(path, &msgs, &err) == 0, "%s", md_err_msg(&err));
            ck_assert_str_eq(msgs, "Loaded image: first:0\n");
            ck_assert_int_eq(count_layers(), 1);
        }
    }
    ck_assert_int_eq(image_store_count(), 1);
    built_free(&b);
    built_free(&evil);
}
END_TEST

/* The source fails in the middle (the client went away): its error, and
 * nothing of what was unpacked so far stays. */
struct cut_src {
    struct layer_fd_src fd;
    size_t left;
};

static ssize_t cut_read(void *ctx, const void **buf, struct md_error *err)
{
    struct cut_src *s = ctx;
    if (!s->left)
        return md_err(err, EPIPE, "the client went away");
    ssize_t n = layer_fd_read(&s->fd, buf, err);
    if (n > (ssize_t)s->left)
        n = (ssize_t)s->left;
    if (n > 0)
        s->left -= (size_t)n;
    return n;
}

START_TEST(test_load_source_fails)
{
    struct built b = {0};
    struct tent e[] = {{"big", 'f', NULL, 0644, NULL, NULL, 0}};
    size_t big_len = 300000;
    _cleanup_free_ char *big = xmalloc(big_len);
    for (size_t i = 0; i < big_len; i++)
        big[i] = (char)(i % 251);
    e[0].data = big;
    e[0].len = big_len;
    build_layer(&b, e, 1, false);
    sha256_digest(b.layer, b.layer_len, b.diff);
    build_config(&b, b.diff, "");
    _cleanup_free_ char *arch = docker_archive(&b, "[\"cut:1\"]", NULL);
    int fd = open(arch, O_RDONLY);
    char buf[4096];
    struct cut_src s = {.fd = {.fd = fd, .buf = buf, .size = sizeof buf}, .left = 150000};
    struct md_error err = {0};
    struct msgs m = {0};
    ck_assert_int_eq(image_load(cut_read, &s, collect, &m, &err), -1);
    close(fd);
    ck_assert_str_eq(md_err_msg(&err), "the client went away");
    ck_assert_int_eq(err.err, EPIPE);
    md_err_clear(&err);
    ck_assert_ptr_null(m.all);
    nothing_left();
    built_free(&b);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("image/store");
    TCase *tc = tcase_create("store");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_load_and_lookup);
    tcase_add_test(tc, test_load_failures_leave_nothing);
    tcase_add_test(tc, test_oci_nested_index);
    tcase_add_test(tc, test_tag_rmi_prune);
    tcase_add_test(tc, test_prune_all_keeps_used);
    tcase_add_test(tc, test_save_then_load);
    tcase_add_test(tc, test_load_shared_layers);
    tcase_add_test(tc, test_load_source_fails);
    tcase_add_test(tc, test_load_manifest_first);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
