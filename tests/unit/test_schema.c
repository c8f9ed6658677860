/* The request-body decoder: Go's field matching (exact, else
 * case-insensitive), map keys left as sent, nested structs, arrays of
 * structs, and Go's type-error messages. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "daemon/api/schema.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    ck_assert_msg(j != NULL, "bad test JSON: %s", e.text);
    return j;
}

/* The body after decoding (keys sorted), or the error message. */
static char *decoded(const struct schema *s, const char *body)
{
    _cleanup_json_ json_t *j = J(body);
    struct md_error err = {0};
    if (schema_decode(j, s, &err) < 0) {
        char *m = xstrdup(err.msg);
        md_err_clear(&err);
        return m;
    }
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

#define ck_decoded(s, body, want)                                                                  \
    do {                                                                                           \
        char *got_ = decoded(s, body);                                                             \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(exact_and_case_insensitive_keys)
{
    /* docker-py's exec body */
    ck_decoded(&schema_exec_create,
               "{\"cmd\":[\"ls\"],\"attachStdout\":true,\"detachKeys\":\"ctrl-x\",\"TTY\":false}",
               "{\"AttachStdout\":true,\"Cmd\":[\"ls\"],\"DetachKeys\":\"ctrl-x\",\"Tty\":false}");
    /* canonical bodies come out as they went in */
    ck_decoded(&schema_exec_start, "{\"Detach\":false,\"Tty\":true}",
               "{\"Detach\":false,\"Tty\":true}");
    /* promoted fields of embedded structs (Config in CreateRequest,
     * Resources in HostConfig) */
    ck_decoded(&schema_container_create, "{\"image\":\"b\",\"hostconfig\":{\"memory\":5}}",
               "{\"HostConfig\":{\"Memory\":5},\"Image\":\"b\"}");
    /* one field under two spellings: the later wins, as in Go */
    ck_decoded(&schema_exec_start, "{\"tty\":true,\"Tty\":false}", "{\"Tty\":false}");
    ck_decoded(&schema_exec_start, "{\"Tty\":false,\"tty\":true}", "{\"Tty\":true}");
    /* unknown keys stay as sent */
    ck_decoded(&schema_exec_start, "{\"detach\":true,\"Bogus\":1,\"bogus2\":2}",
               "{\"Bogus\":1,\"Detach\":true,\"bogus2\":2}");
}
END_TEST

START_TEST(map_keys_untouched)
{
    ck_decoded(&schema_container_create,
               "{\"labels\":{\"tty\":\"x\",\"Image\":\"y\"},\"exposedports\":{\"80/tcp\":{}},"
               "\"volumes\":{\"/data\":{}},\"hostconfig\":{\"sysctls\":{\"net.ipv4.ip_forward\":"
               "\"1\"},\"tmpfs\":{\"/run\":\"rw\"},\"portbindings\":{\"80/tcp\":[{\"hostport\":"
               "\"8080\",\"hostip\":\"\"}]},\"logconfig\":{\"type\":\"json-file\",\"config\":"
               "{\"max-size\":\"1m\"}}}}",
               "{\"ExposedPorts\":{\"80/tcp\":{}},\"HostConfig\":{\"LogConfig\":{\"Config\":"
               "{\"max-size\":\"1m\"},\"Type\":\"json-file\"},\"PortBindings\":{\"80/tcp\":"
               "[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]},\"Sysctls\":{\"net.ipv4.ip_forward\":"
               "\"1\"},\"Tmpfs\":{\"/run\":\"rw\"}},\"Labels\":{\"Image\":\"y\",\"tty\":\"x\"},"
               "\"Volumes\":{\"/data\":{}}}");
    /* EndpointsConfig: network names are keys; their values are structs */
    ck_decoded(&schema_container_create,
               "{\"networkingconfig\":{\"endpointsconfig\":{\"MyNet\":{\"aliases\":[\"a\"],"
               "\"ipamconfig\":{\"ipv4address\":\"10.0.0.2\"},\"driveropts\":{\"k\":\"v\"}}}}}",
               "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"MyNet\":{\"Aliases\":[\"a\"],"
               "\"DriverOpts\":{\"k\":\"v\"},\"IPAMConfig\":{\"IPv4Address\":\"10.0.0.2\"}}}}}");
    ck_decoded(&schema_network_create,
               "{\"name\":\"n\",\"options\":{\"com.docker.network.bridge.name\":\"br\"},"
               "\"ipam\":{\"config\":[{\"subnet\":\"10.1.0.0/24\",\"auxiliaryaddresses\":"
               "{\"Host\":\"10.1.0.5\"}}]}}",
               "{\"IPAM\":{\"Config\":[{\"AuxiliaryAddresses\":{\"Host\":\"10.1.0.5\"},"
               "\"Subnet\":\"10.1.0.0/24\"}]},\"Name\":\"n\",\"Options\":"
               "{\"com.docker.network.bridge.name\":\"br\"}}");
}
END_TEST

START_TEST(nested_and_arrays_of_structs)
{
    ck_decoded(&schema_container_create,
               "{\"hostconfig\":{\"restartpolicy\":{\"name\":\"always\",\"maximumretrycount\":0},"
               "\"mounts\":[{\"type\":\"bind\",\"source\":\"/a\",\"target\":\"/b\","
               "\"bindoptions\":{\"propagation\":\"rslave\"}},null],"
               "\"ulimits\":[{\"name\":\"nofile\",\"soft\":1,\"hard\":2}]}}",
               "{\"HostConfig\":{\"Mounts\":[{\"BindOptions\":{\"Propagation\":\"rslave\"},"
               "\"Source\":\"/a\",\"Target\":\"/b\",\"Type\":\"bind\"},null],\"RestartPolicy\":"
               "{\"MaximumRetryCount\":0,\"Name\":\"always\"},\"Ulimits\":[{\"Hard\":2,"
               "\"Name\":\"nofile\",\"Soft\":1}]}}");
    ck_decoded(&schema_network_connect,
               "{\"container\":\"c\",\"endpointconfig\":{\"ipamconfig\":{\"ipv4address\":\"x\"}}}",
               "{\"Container\":\"c\",\"EndpointConfig\":{\"IPAMConfig\":{\"IPv4Address\":\"x\"}}}");
    /* null is the zero value for any type */
    ck_decoded(&schema_container_create,
               "{\"Image\":\"b\",\"Cmd\":\"echo\",\"Env\":null,\"HostConfig\":{\"PidsLimit\":null,"
               "\"ConsoleSize\":[24,80],\"Mounts\":null,\"RestartPolicy\":null}}",
               "{\"Cmd\":\"echo\",\"Env\":null,\"HostConfig\":{\"ConsoleSize\":[24,80],\"Mounts\":"
               "null,\"PidsLimit\":null,\"RestartPolicy\":null},\"Image\":\"b\"}");
}
END_TEST

START_TEST(type_errors_in_gos_words)
{
    const struct schema *c = &schema_container_create;
    ck_decoded(c, "{\"Tty\":\"yes\"}",
               "json: cannot unmarshal string into Go struct field CreateRequest.Tty of type bool");
    ck_decoded(c, "{\"tty\":1}",
               "json: cannot unmarshal number into Go struct field CreateRequest.Tty of type bool");
    ck_decoded(c, "{\"Env\":\"x\"}",
               "json: cannot unmarshal string into Go struct field CreateRequest.Env of type "
               "[]string");
    ck_decoded(c, "{\"Env\":[\"A=1\",2]}",
               "json: cannot unmarshal number into Go struct field CreateRequest.Env of type "
               "string");
    ck_decoded(c, "{\"Labels\":{\"a\":1}}",
               "json: cannot unmarshal number into Go struct field CreateRequest.Labels of type "
               "string");
    ck_decoded(c, "{\"StopTimeout\":1.5}",
               "json: cannot unmarshal number 1.5 into Go struct field CreateRequest.StopTimeout "
               "of type int");
    ck_decoded(c, "{\"Cmd\":5}", "json: cannot unmarshal number into Go value of type string");
    /* nested: the innermost struct, then the path of field names */
    ck_decoded(c, "{\"HostConfig\":{\"Memory\":\"64m\"}}",
               "json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory of "
               "type int64");
    ck_decoded(c, "{\"hostconfig\":{\"restartpolicy\":{\"name\":true}}}",
               "json: cannot unmarshal bool into Go struct field "
               "RestartPolicy.HostConfig.RestartPolicy.Name of type container.RestartPolicyMode");
    ck_decoded(c, "{\"HostConfig\":{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":8080}]}}}",
               "json: cannot unmarshal number into Go struct field "
               "PortBinding.HostConfig.PortBindings.HostPort of type string");
    ck_decoded(c, "{\"HostConfig\":{\"Mounts\":[{\"ReadOnly\":\"yes\"}]}}",
               "json: cannot unmarshal string into Go struct field "
               "Mount.HostConfig.Mounts.ReadOnly of type bool");
    ck_decoded(c, "{\"HostConfig\":{\"Mounts\":[\"/a:/b\"]}}",
               "json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Mounts of "
               "type mount.Mount");
    ck_decoded(c, "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{\"Aliases\":\"a\"}}}}",
               "json: cannot unmarshal string into Go struct field "
               "EndpointSettings.NetworkingConfig.EndpointsConfig.Aliases of type []string");
    ck_decoded(c, "{\"HostConfig\":{\"BlkioWeight\":-1}}",
               "json: cannot unmarshal number -1 into Go struct field "
               "HostConfig.HostConfig.BlkioWeight of type uint16");
    ck_decoded(&schema_exec_create, "{\"Cmd\":\"ls\"}",
               "json: cannot unmarshal string into Go struct field ExecOptions.Cmd of type "
               "[]string");
    ck_decoded(&schema_network_disconnect, "{\"force\":\"1\"}",
               "json: cannot unmarshal string into Go struct field DisconnectOptions.Force of type "
               "bool");
}
END_TEST

/* ---- what minidock does with each field ---- */

/* The error of schema_refuse on a decoded body, or "ok". */
static char *refused(const struct schema *s, const char *body)
{
    _cleanup_json_ json_t *j = J(body);
    struct md_error err = {0};
    ck_assert_int_eq(schema_decode(j, s, &err), 0);
    if (schema_refuse(j, s, &err) < 0) {
        ck_assert_int_eq(err.err, MD_EINVAL);
        char *m = xstrdup(err.msg);
        md_err_clear(&err);
        return m;
    }
    return xstrdup("ok");
}

#define ck_refused(s, body, want)                                                                  \
    do {                                                                                           \
        char *got_ = refused(s, body);                                                             \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

static void all_reviewed(const struct schema *s, const char *where)
{
    for (const struct schema_field *f = s->fields; f->name; f++) {
        ck_assert_msg(f->use != SU_UNREVIEWED, "%s.%s: applied or refused?", where, f->name);
        ck_assert_msg(f->use == SU_REFUSED || f->use == SU_ONLY || f->use == SU_EXCEPT ||
                          !f->values,
                      "%s.%s: values without a use for them", where, f->name);
        if (f->sub)
            all_reviewed(f->sub, f->name);
    }
    for (const struct schema *const *e = s->embeds; e && *e; e++)
        all_reviewed(*e, where);
}

START_TEST(every_field_applied_or_refused)
{
    const struct schema *bodies[] = {&schema_container_create, &schema_exec_create,
                                     &schema_exec_start,       &schema_network_create,
                                     &schema_network_connect,  &schema_network_disconnect};
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        all_reviewed(bodies[i], bodies[i]->go_name);
}
END_TEST

START_TEST(refusals_name_the_field)
{
    const struct schema *c = &schema_container_create;
    ck_refused(c, "{\"HostConfig\":{\"UsernsMode\":\"private\"}}",
               "minidock does not support HostConfig.UsernsMode=private");
    ck_refused(c, "{\"HostConfig\":{\"cgroupnsmode\":\"host\"}}",
               "minidock does not support HostConfig.CgroupnsMode=host");
    /* SecurityOpt is APPLIED: ctr_spec refuses what it cannot apply */
    ck_refused(c, "{\"HostConfig\":{\"SecurityOpt\":[\"label=disable\",\"seccomp=unconfined\"]}}",
               "ok");
    ck_refused(c, "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"image\",\"Target\":\"/y\"}]}}",
               "minidock does not support HostConfig.Mounts.Type=image");
    ck_refused(c,
               "{\"HostConfig\":{\"Mounts\":[{\"Type\":\"volume\",\"ImageOptions\":{\"Subpath\":"
               "\"a\"}}]}}",
               "minidock does not support HostConfig.Mounts.ImageOptions");
    ck_refused(c, "{\"HostConfig\":{\"DeviceRequests\":[{\"Driver\":\"nvidia\"}]}}",
               "minidock does not support HostConfig.DeviceRequests");
    ck_refused(c, "{\"HostConfig\":{\"MemorySwappiness\":60}}",
               "minidock does not support HostConfig.MemorySwappiness");
    ck_refused(c, "{\"NetworkDisabled\":true}", "minidock does not support Config.NetworkDisabled");
    ck_refused(c, "{\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{\"Links\":[\"a:b\"]}}}}",
               "minidock does not support NetworkingConfig.EndpointsConfig.Links");
    ck_refused(&schema_network_create, "{\"Name\":\"n\",\"EnableIPv4\":false}",
               "minidock does not support EnableIPv4=false");
    ck_refused(&schema_network_create,
               "{\"Name\":\"n\",\"Options\":{\"com.docker.network.driver.mtu\":\"9000\"}}",
               "minidock does not support Options=com.docker.network.driver.mtu");
    ck_refused(
        &schema_network_connect,
        "{\"Container\":\"x\",\"EndpointConfig\":{\"IPAMConfig\":{\"IPv6Address\":\"::2\"}}}",
        "minidock does not support EndpointConfig.IPAMConfig.IPv6Address");
    /* a long value: the message shows its start */
    char body[400];
    snprintf(body, sizeof body, "{\"HostConfig\":{\"UsernsMode\":\"x%0100d\"}}", 0);
    char *got = refused(c, body);
    ck_assert_int_eq(strlen(got), strlen("minidock does not support HostConfig.UsernsMode=") + 64);
    free(got);
}
END_TEST

START_TEST(not_set_and_applied_values_pass)
{
    const struct schema *c = &schema_container_create;
    ck_refused(
        c,
        "{\"Healthcheck\":{\"Test\":[\"NONE\"],\"Retries\":0},\"Domainname\":\"\",\"HostConfig\":{"
        "\"Tmpfs\":{},\"Dns\":[],\"ShmSize\":67108864,\"MemorySwappiness\":-1,"
        "\"NetworkMode\":\"mynet\",\"PidMode\":\"\",\"IpcMode\":\"private\","
        "\"SecurityOpt\":[\"apparmor=unconfined\"],\"Isolation\":\"default\","
        "\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\"}],"
        "\"BlkioWeightDevice\":[],\"Devices\":null,\"ConsoleSize\":[0,0]},"
        "\"NetworkingConfig\":{\"EndpointsConfig\":{\"n\":{\"NetworkID\":\"abc\","
        "\"Aliases\":[\"a\"]}}}}",
        "ok");
    /* everything docker CLI 28 sends for a plain `docker create --name x busybox true` */
    struct md_error err = {0};
    _cleanup_json_ json_t *j =
        json_load_file("tests/integration/api-coverage/docker-cli-28-run.json", 0, NULL);
    ck_assert_msg(j != NULL, "the captured body is missing");
    ck_assert_int_eq(schema_decode(j, c, &err), 0);
    ck_assert_int_eq(schema_refuse(j, c, &err), 0);
    ck_refused(&schema_network_create, "{\"Name\":\"n\",\"EnableIPv4\":true,\"EnableIPv6\":false}",
               "ok");
}
END_TEST

/* docs/api-coverage.md is the table printed; regenerate it with
 * `daemon/minidockd --api-coverage > docs/api-coverage.md`. */
START_TEST(doc_matches_the_tables)
{
    _cleanup_free_ char *want = schema_coverage_markdown();
    _cleanup_fclose_ FILE *f = fopen("docs/api-coverage.md", "r");
    ck_assert_msg(f != NULL, "docs/api-coverage.md is missing");
    char *have = NULL;
    size_t n = 0;
    ck_assert(getdelim(&have, &n, '\0', f) >= 0);
    ck_assert_msg(!strcmp(have, want),
                  "docs/api-coverage.md differs from the tables in daemon/api/schema.c: "
                  "daemon/minidockd --api-coverage > docs/api-coverage.md");
    free(have);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, exact_and_case_insensitive_keys);
    tcase_add_test(tc, map_keys_untouched);
    tcase_add_test(tc, nested_and_arrays_of_structs);
    tcase_add_test(tc, type_errors_in_gos_words);
    suite_add_tcase(s, tc);
    TCase *use = tcase_create("use");
    tcase_add_test(use, every_field_applied_or_refused);
    tcase_add_test(use, refusals_name_the_field);
    tcase_add_test(use, not_set_and_applied_values_pass);
    tcase_add_test(use, doc_matches_the_tables);
    suite_add_tcase(s, use);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
