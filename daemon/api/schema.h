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

struct schema;

struct schema_field {
    const char *name; /* the JSON key, as Go's struct tag spells it */
    enum schema_kind kind;
    const char *go; /* the Go type docker's messages name */
    const struct schema *sub;
};

struct schema {
    const char *go_name;                /* the struct's name, as errors show it */
    const char *go_type;                /* with its package: "mount.Mount" */
    const struct schema_field *fields;  /* ended by a {NULL} entry */
    const struct schema *const *embeds; /* embedded structs: fields promoted; NULL-ended */
};

/* The bodies of the routes that take JSON. */
extern const struct schema schema_container_create;   /* container.CreateRequest */
extern const struct schema schema_container_config;   /* container.Config */
extern const struct schema schema_host_config;        /* container.HostConfig */
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
