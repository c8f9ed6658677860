/* Unit tests for the image store: loading docker-archives (legacy and
 * docker 25+ layouts) and OCI layouts with nested indexes, manifest and
 * digest errors leaving nothing behind, reference lookup, tag, rmi rules
 * with the container usage check, prune, and save -> load. Each test runs
 * in its own process (CK_FORK) with its own data root. */
#include "common/jsonutil.h"
#include "daemon/daemon.h"
#include "daemon/image/archive.h"
#include "daemon/image/store.h"
#include "image_tarlib.h"

static char *root;

static void setup(void)
{
    root = mktmpdir();
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
    int r = image_load(fd, collect, &m, err);
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
    tcase_add_test(tc, test_save_then_load);
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
