/* The request bodies of the API as Go's encoding/json sees them: one table
 * per moby struct (its field names, JSON types and Go type names), and the
 * decoder that brings a body to canonical key spelling and checks its types
 * before any handler reads it. Handlers then look fields up by their exact
 * canonical names. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

enum schema_kind {
    SK_STRING,
    SK_BOOL,
    SK_INT,       /* any Go integer type; negative values are fine */
    SK_UINT,      /* an unsigned Go integer type */
    SK_STRINGS,   /* []string */
    SK_STRSLICE,  /* strslice.StrSlice: a string or an array of strings */
    SK_STRINGS2,  /* [][]string */
    SK_UINT_PAIR, /* [2]uint (ConsoleSize) */
    SK_STRUCT,    /* sub; keys canonicalised, recursively */
    SK_STRUCTS,   /* []sub */
    /* Maps: the keys are data (label names, "80/tcp", network names) and
     * are never touched; only values of a struct type are decoded. */
    SK_MAP_STRING,  /* map[string]string */
    SK_MAP_ANY,     /* map[string]struct{} and the like: values unchecked */
    SK_MAP_STRUCT,  /* map[string]*sub */
    SK_MAP_STRUCTS, /* map[string][]sub (nat.PortMap) */
    SK_ANY,         /* known, but taken as it comes */
};

/* What minidock does with a field a client sends. Nothing is dropped in
 * silence: a value minidock would not act on is refused with a 400 that
 * names it, before anything is created (issue 11). Whoever implements a
 * field flips its entry here; docs/api-coverage.md is printed from it. */
enum schema_use {
    SU_UNREVIEWED, /* a table entry nobody classified: a unit test fails */
    SU_APPLIED,    /* acted on; its handler checks the value (sub-fields have their own) */
    SU_REFUSED,    /* refused unless "not set": null, false, 0, "", [] or {}, or one of values */
    SU_ONLY,       /* only the values listed are applied, any other is refused by name;
                    * for a []string each element, for a map each key */
    SU_EXCEPT,     /* applied, except the values listed, refused by name */
    SU_IGNORED,    /* docker ignores it in requests too (inspect output sent back) */
};

struct schema;

struct schema_field {
    const char *name; /* the JSON key, as Go's struct tag spells it */
    enum schema_kind kind;
    const char *go; /* the Go type docker's messages name */
    const struct schema *sub;
    enum schema_use use;
    /* For SU_ONLY/SU_EXCEPT the values, for SU_REFUSED values that also mean
     * "not set" (MemorySwappiness -1); NULL-ended. Numbers and bools as
     * their JSON text; a trailing '*' matches a prefix ("container:*"). */
    const char *const *values;
    const char *note; /* for docs/api-coverage.md */
};

struct schema {
    const char *go_name;                /* the struct's name, as errors show it */
    const char *go_type;                /* with its package: "mount.Mount" */
    const struct schema_field *fields;  /* ended by a {NULL} entry */
    const struct schema *const *embeds; /* embedded structs: fields promoted; NULL-ended */
    const char *label; /* names its fields when embedded at the top of a body ("Config") */
};

/* The bodies of the routes that take JSON. */
extern const struct schema schema_container_create;   /* container.CreateRequest */
extern const struct schema schema_container_config;   /* container.Config */
extern const struct schema schema_host_config;        /* container.HostConfig */
extern const struct schema schema_container_update;   /* container.UpdateConfig */
extern const struct schema schema_exec_create;        /* container.ExecOptions */
extern const struct schema schema_exec_start;         /* container.ExecStartOptions */
extern const struct schema schema_network_create;     /* network.CreateRequest */
extern const struct schema schema_network_connect;    /* network.ConnectOptions */
extern const struct schema schema_network_disconnect; /* network.DisconnectOptions */
extern const struct schema schema_volume_create;      /* volume.CreateOptions */

/* The field of s (or of a struct it embeds) that Go's decoder would fill
 * from key: the exact name first, else the one equal under case folding. */
const struct schema_field *schema_field_for(const struct schema *s, const char *key);

/* Decode obj (a JSON object) in place as Go decodes into s: keys of
 * struct fields are rewritten to their canonical spelling, recursively into
 * nested structs, arrays of structs and struct values of maps, while map
 * keys stay as sent; unknown keys stay as they are. When one field comes
 * under two spellings the later wins, as in Go. A known field of the wrong
 * JSON type fails with MD_EINVAL and Go's message ("json: cannot unmarshal
 * string into Go struct field CreateRequest.Tty of type bool"). */
int schema_decode(json_t *obj, const struct schema *s, struct md_error *err);

/* Check a decoded body against the use of each field: the first value that
 * minidock would not act on fails with MD_EINVAL and "minidock does not
 * support HostConfig.Tmpfs" (with "=value" for SU_ONLY and SU_EXCEPT).
 * Fields are named by their path from the body (map keys left out), fields
 * of a labelled embedded struct with its label. */
int schema_refuse(json_t *obj, const struct schema *s, struct md_error *err);

/* docs/api-coverage.md: a table per request body, every field of it with
 * its use, its values and its note. */
char *schema_coverage_markdown(void);
