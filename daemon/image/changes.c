/* Dockerfile instructions as import/commit changes (see changes.h). The
 * rules follow buildkit's parser and shell lexer and moby's dispatchers;
 * each function names the one it follows. */
#include "daemon/image/changes.h"
#include "common/cleanup.h"
#include "common/jsonutil.h"
#include "common/signals.h"
#include "common/strbuf.h"
#include "common/units.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the shell lexer (buildkit frontend/dockerfile/shell) ---- */

static const char *env_get(char *const *env, const char *name, size_t n)
{
    for (char *const *e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int lex_word(const char **pp, const char *stop, char *const *env, struct strbuf *out,
                    struct md_error *err);

/* After '$'. */
static int lex_dollar(const char **pp, char *const *env, struct strbuf *out, struct md_error *err)
{
    const char *p = *pp;
    if (*p == '{') {
        p++;
        const char *name = p;
        while (is_name_char(*p))
            p++;
        size_t n = (size_t)(p - name);
        if (!n)
            return md_err(err, MD_EINVAL, "missing ':' in substitution");
        const char *val = env_get(env, name, n);
        if (*p == '}') {
            sb_add(out, val ? val : "");
            *pp = p + 1;
            return 0;
        }
        bool colon = false;
        if (*p == ':') {
            colon = true;
            p++;
        }
        char op = *p;
        if (op != '-' && op != '+' && op != '?')
            return md_err(err, MD_EINVAL, "unsupported modifier (%c) in substitution",
                          op ? op : ' ');
        p++;
        struct strbuf word = STRBUF_INIT;
        if (lex_word(&p, "}", env, &word, err) < 0) {
            sb_free(&word);
            return -1;
        }
        if (*p != '}') {
            sb_free(&word);
            return md_err(err, MD_EINVAL, "syntax error: missing '}'");
        }
        *pp = p + 1;
        bool set = val && (!colon || *val);
        const char *w = word.s ? word.s : "";
        if (op == '-')
            sb_add(out, set ? val : w);
        else if (op == '+')
            sb_add(out, set ? w : "");
        else if (!set) {
            int r = md_err(err, MD_EINVAL, "%.*s: %s", (int)n, name,
                           *w ? w : "is not allowed to be unset");
            sb_free(&word);
            return r;
        } else {
            sb_add(out, val);
        }
        sb_free(&word);
        return 0;
    }
    const char *name = p;
    while (is_name_char(*p))
        p++;
    if (p == name) {
        sb_addc(out, '$');
        return 0;
    }
    const char *val = env_get(env, name, (size_t)(p - name));
    sb_add(out, val ? val : "");
    *pp = p;
    return 0;
}

/* Until a character of stop (outside quotes) or the end. */
static int lex_word(const char **pp, const char *stop, char *const *env, struct strbuf *out,
                    struct md_error *err)
{
    const char *p = *pp;
    while (*p && !strchr(stop, *p)) {
        char c = *p++;
        if (c == '\'') {
            const char *e = strchr(p, '\'');
            if (!e)
                return md_err(
                    err, MD_EINVAL,
                    "unexpected end of statement while looking for matching single-quote");
            sb_addn(out, p, (size_t)(e - p));
            p = e + 1;
        } else if (c == '"') {
            for (;;) {
                if (!*p)
                    return md_err(
                        err, MD_EINVAL,
                        "unexpected end of statement while looking for matching double-quote");
                char d = *p++;
                if (d == '"')
                    break;
                if (d == '\\' && (*p == '"' || *p == '$' || *p == '\\')) {
                    sb_addc(out, *p++);
                } else if (d == '$') {
                    if (lex_dollar(&p, env, out, err) < 0)
                        return -1;
                } else {
                    sb_addc(out, d);
                }
            }
        } else if (c == '\\') {
            if (*p)
                sb_addc(out, *p++);
            else
                sb_addc(out, '\\');
        } else if (c == '$') {
            if (lex_dollar(&p, env, out, err) < 0)
                return -1;
        } else {
            sb_addc(out, c);
        }
    }
    *pp = p;
    return 0;
}

char *image_shell_word(const char *word, char *const *env, struct md_error *err)
{
    struct strbuf b = STRBUF_INIT;
    const char *p = word;
    if (lex_word(&p, "", env, &b, err) < 0) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b);
}

/* ---- the parser (buildkit frontend/dockerfile/parser) ---- */

/* parseWords: split on blanks outside quotes; quotes and escapes kept. */
static char **split_words(const char *s)
{
    char **v = xcalloc(1, sizeof *v);
    struct strbuf w = STRBUF_INIT;
    char quote = 0;
    bool have = false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!quote && isspace((unsigned char)c)) {
            if (have) {
                char *x = sb_steal(&w);
                strv_push(&v, x);
                free(x);
                have = false;
            }
            continue;
        }
        have = true;
        if (c == '\\' && p[1]) {
            sb_addc(&w, c);
            sb_addc(&w, *++p);
            continue;
        }
        if (quote && c == quote)
            quote = 0;
        else if (!quote && (c == '\'' || c == '"'))
            quote = c;
        sb_addc(&w, c);
    }
    if (have) {
        char *x = sb_steal(&w);
        strv_push(&v, x);
        free(x);
    }
    sb_free(&w);
    return v;
}

/* parseMaybeJSON: a JSON array of strings, else NULL. */
static char **maybe_json(const char *rest)
{
    if (rest[0] != '[')
        return NULL;
    json_t *j = json_loads(rest, JSON_DECODE_ANY, NULL);
    char **v = json_is_array(j) ? json_to_strv(j) : NULL;
    json_decref(j);
    return v;
}

static char **env_of(json_t *config)
{
    char **v = json_to_strv(json_object_get(config, "Env"));
    return v ? v : xcalloc(1, sizeof(char *));
}

/* parseNameVal (ENV, LABEL): "k=v k2=v2" or the legacy "k v w". Each
 * key and value goes through the lexer. Returns pairs k0,v0,k1,v1,... */
static char **name_vals(const char *instr, const char *rest, char *const *env, struct md_error *err)
{
    _cleanup_strv_ char **words = split_words(rest);
    if (!words[0]) {
        md_err(err, MD_EINVAL, "%s requires at least one argument", instr);
        return NULL;
    }
    char **out = xcalloc(1, sizeof *out);
    if (!strchr(words[0], '=')) {
        /* legacy form: the rest of the line after the first word is the value */
        const char *p = rest;
        while (*p && !isspace((unsigned char)*p))
            p++;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p) {
            strv_free(out);
            md_err(err, MD_EINVAL, "%s must have two arguments", instr);
            return NULL;
        }
        char *k = image_shell_word(words[0], env, err);
        char *v = k ? image_shell_word(p, env, err) : NULL;
        if (!v) {
            free(k);
            strv_free(out);
            return NULL;
        }
        strv_push(&out, k);
        strv_push(&out, v);
        free(k);
        free(v);
        return out;
    }
    for (char **w = words; *w; w++) {
        char *eq = strchr(*w, '=');
        if (!eq) {
            strv_free(out);
            md_err(err, MD_EINVAL,
                   "Syntax error - can't find = in \"%s\". Must be of the form: name=value", *w);
            return NULL;
        }
        *eq = '\0';
        char *k = image_shell_word(*w, env, err);
        char *v = k ? image_shell_word(eq + 1, env, err) : NULL;
        if (!v) {
            free(k);
            strv_free(out);
            return NULL;
        }
        if (!*k) {
            free(k);
            free(v);
            strv_free(out);
            md_err(err, MD_EINVAL, "%s names can not be blank", instr);
            return NULL;
        }
        strv_push(&out, k);
        strv_push(&out, v);
        free(k);
        free(v);
    }
    return out;
}

static void set_env(json_t *config, const char *k, const char *v)
{
    json_t *env = json_object_get(config, "Env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(config, "Env", env);
    }
    _cleanup_free_ char *kv = xasprintf("%s=%s", k, v);
    size_t kl = strlen(k), i;
    json_t *e;
    json_array_foreach(env, i, e)
    {
        const char *s = json_string_value(e);
        if (s && strncmp(s, k, kl) == 0 && (s[kl] == '=' || !s[kl])) {
            json_array_set_new(env, i, json_string(kv));
            return;
        }
    }
    json_array_append_new(env, json_string(kv));
}

static json_t *obj_field(json_t *config, const char *k)
{
    json_t *o = json_object_get(config, k);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(config, k, o);
    }
    return o;
}

/* CMD / ENTRYPOINT: exec form or ["/bin/sh", "-c", rest]. */
static json_t *command(const char *instr, const char *rest, struct md_error *err)
{
    _cleanup_strv_ char **v = maybe_json(rest);
    if (v)
        return json_strv(v);
    if (!*rest) {
        md_err(err, MD_EINVAL, "%s requires at least one argument", instr);
        return NULL;
    }
    return json_pack("[s,s,s]", "/bin/sh", "-c", rest);
}

/* nat.ParsePortSpecs for EXPOSE: "80", "80/udp", "8000-8002/tcp". */
static int expose(json_t *config, const char *spec, struct md_error *err)
{
    _cleanup_free_ char *s = xstrdup(spec);
    char *slash = strchr(s, '/');
    const char *proto = "tcp";
    if (slash) {
        *slash = '\0';
        proto = slash + 1;
        for (char *c = slash + 1; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
            return md_err(err, MD_EINVAL, "invalid proto: %s", proto);
    }
    char *dash = strchr(s, '-');
    if (dash)
        *dash = '\0';
    char *end;
    long lo = strtol(s, &end, 10), hi = lo;
    if (!*s || *end || lo < 0 || lo > 65535)
        return md_err(err, MD_EINVAL, "invalid containerPort: %s", spec);
    if (dash) {
        hi = strtol(dash + 1, &end, 10);
        if (!dash[1] || *end || hi < lo || hi > 65535)
            return md_err(err, MD_EINVAL, "invalid containerPort: %s", spec);
    }
    json_t *ports = obj_field(config, "ExposedPorts");
    for (long p = lo; p <= hi; p++) {
        char key[32];
        snprintf(key, sizeof key, "%ld/%s", p, proto);
        json_object_set_new(ports, key, json_object());
    }
    return 0;
}

/* path.Join + Clean for WORKDIR. */
static char *clean_abs(const char *base, const char *p)
{
    _cleanup_free_ char *joined = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", base, p);
    char *out = xcalloc(1, strlen(joined) + 2);
    size_t o = 0;
    char *save = NULL;
    for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            char *sl = strrchr(out, '/');
            o = sl ? (size_t)(sl - out) : 0;
            out[o] = '\0';
            continue;
        }
        out[o++] = '/';
        strcpy(out + o, c);
        o += strlen(c);
    }
    if (!o)
        strcpy(out, "/");
    return out;
}

/* HEALTHCHECK [--interval=D --timeout=D --start-period=D --start-interval=D
 * --retries=N] NONE | CMD cmd */
static int healthcheck(json_t *config, const char *rest, struct md_error *err)
{
    const char *p = rest;
    json_int_t retries = 0;
    static const char *const names[] = {"interval", "timeout", "start-period", "start-interval"};
    static const char *const fields[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
    int64_t durs[4] = {0};
    while (strncmp(p, "--", 2) == 0) {
        const char *e = p;
        while (*e && !isspace((unsigned char)*e))
            e++;
        _cleanup_free_ char *flag = xstrndup(p + 2, (size_t)(e - p - 2));
        char *eq = strchr(flag, '=');
        if (!eq)
            return md_err(err, MD_EINVAL, "missing a value on flag: %s", flag);
        *eq = '\0';
        bool known = false;
        for (int i = 0; i < 4; i++) {
            if (strcmp(flag, names[i]))
                continue;
            known = true;
            if (parse_go_duration(eq + 1, &durs[i]) < 0)
                return md_err(err, MD_EINVAL, "time: invalid duration \"%s\"", eq + 1);
            if (durs[i] != 0 && durs[i] < 1000000)
                return md_err(err, MD_EINVAL, "Interval %s cannot be less than 1ms", names[i]);
        }
        if (!strcmp(flag, "retries")) {
            known = true;
            char *end;
            retries = strtoll(eq + 1, &end, 10);
            if (!eq[1] || *end)
                return md_err(err, MD_EINVAL, "invalid value for --retries: %s", eq + 1);
            if (retries < 0)
                return md_err(err, MD_EINVAL, "--retries cannot be negative (%lld)",
                              (long long)retries);
        }
        if (!known)
            return md_err(err, MD_EINVAL, "Unknown flag: %s", flag);
        p = e;
        while (isspace((unsigned char)*p))
            p++;
    }
    const char *e = p;
    while (*e && !isspace((unsigned char)*e))
        e++;
    _cleanup_free_ char *type = xstrndup(p, (size_t)(e - p));
    for (char *c = type; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    while (isspace((unsigned char)*e))
        e++;
    if (!strcmp(type, "NONE")) {
        if (*e || p != rest)
            return md_err(err, MD_EINVAL, "HEALTHCHECK NONE takes no arguments");
        json_object_set_new(config, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
        return 0;
    }
    if (strcmp(type, "CMD") != 0)
        return md_err(err, MD_EINVAL, "Unknown type \"%s\" in HEALTHCHECK (try CMD)", type);
    _cleanup_strv_ char **v = maybe_json(e);
    if (!v && !*e)
        return md_err(err, MD_EINVAL, "Missing command after HEALTHCHECK CMD");
    json_t *test = json_array();
    json_array_append_new(test, json_string(v ? "CMD" : "CMD-SHELL"));
    if (v) {
        for (char **x = v; *x; x++)
            json_array_append_new(test, json_string(*x));
    } else {
        json_array_append_new(test, json_string(e));
    }
    json_t *hc = json_object();
    json_object_set_new(hc, "Test", test);
    for (int i = 0; i < 4; i++)
        if (durs[i])
            json_object_set_new(hc, fields[i], json_integer(durs[i]));
    if (retries)
        json_object_set_new(hc, "Retries", json_integer(retries));
    json_object_set_new(config, "Healthcheck", hc);
    return 0;
}

static int dispatch(json_t *config, const char *instr, const char *rest, const char *original,
                    bool *cmd_set, char *const *args, struct md_error *err)
{
    _cleanup_strv_ char **env = env_of(config);
    /* build args expand too, where the config's Env has no such name */
    for (char *const *a = args; a && *a; a++)
        if (!env_get(env, *a, strcspn(*a, "=")))
            strv_push(&env, *a);
    if (!strcmp(instr, "cmd") || !strcmp(instr, "entrypoint")) {
        bool is_cmd = instr[0] == 'c';
        json_t *v = command(is_cmd ? "CMD" : "ENTRYPOINT", rest, err);
        if (!v)
            return -1;
        json_object_set_new(config, is_cmd ? "Cmd" : "Entrypoint", v);
        if (is_cmd)
            *cmd_set = true;
        else if (!*cmd_set)
            json_object_set_new(config, "Cmd", json_null());
        return 0;
    }
    if (!strcmp(instr, "env") || !strcmp(instr, "label")) {
        bool is_env = instr[0] == 'e';
        _cleanup_strv_ char **kv = name_vals(is_env ? "ENV" : "LABEL", rest, env, err);
        if (!kv)
            return -1;
        for (char **x = kv; x[0] && x[1]; x += 2) {
            if (is_env)
                set_env(config, x[0], x[1]);
            else
                json_object_set_new(obj_field(config, "Labels"), x[0], json_string(x[1]));
        }
        return 0;
    }
    if (!strcmp(instr, "expose")) {
        _cleanup_strv_ char **words = split_words(rest);
        if (!words[0])
            return md_err(err, MD_EINVAL, "EXPOSE requires at least one argument");
        for (char **w = words; *w; w++) {
            _cleanup_free_ char *x = image_shell_word(*w, env, err);
            if (!x || expose(config, x, err) < 0)
                return -1;
        }
        return 0;
    }
    if (!strcmp(instr, "volume")) {
        _cleanup_strv_ char **v = maybe_json(rest);
        if (!v)
            v = split_words(rest);
        if (!v[0])
            return md_err(err, MD_EINVAL, "VOLUME requires at least one argument");
        for (char **w = v; *w; w++) {
            _cleanup_free_ char *x = image_shell_word(*w, env, err);
            if (!x)
                return -1;
            if (!*x)
                return md_err(err, MD_EINVAL, "VOLUME specified can not be an empty string");
            json_object_set_new(obj_field(config, "Volumes"), x, json_object());
        }
        return 0;
    }
    if (!strcmp(instr, "workdir") || !strcmp(instr, "user") || !strcmp(instr, "stopsignal")) {
        if (!*rest)
            return md_err(err, MD_EINVAL, "%s requires exactly one argument",
                          instr[0] == 'w'   ? "WORKDIR"
                          : instr[0] == 'u' ? "USER"
                                            : "STOPSIGNAL");
        _cleanup_free_ char *x = image_shell_word(rest, env, err);
        if (!x)
            return -1;
        if (instr[0] == 'w') {
            const char *cur = json_str(config, "WorkingDir");
            _cleanup_free_ char *wd = clean_abs(cur && *cur ? cur : "/", x);
            json_object_set_new(config, "WorkingDir", json_string(wd));
            return 0;
        }
        if (instr[0] == 's' && signal_parse(x) < 0)
            return md_err(err, MD_EINVAL, "Invalid signal: %s", x);
        json_object_set_new(config, instr[0] == 'u' ? "User" : "StopSignal", json_string(x));
        return 0;
    }
    if (!strcmp(instr, "onbuild")) {
        const char *e = rest;
        while (*e && !isspace((unsigned char)*e))
            e++;
        _cleanup_free_ char *trig = xstrndup(rest, (size_t)(e - rest));
        for (char *c = trig; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        if (!*trig)
            return md_err(err, MD_EINVAL, "ONBUILD requires at least one argument");
        if (!strcmp(trig, "ONBUILD"))
            return md_err(err, MD_EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (!strcmp(trig, "FROM") || !strcmp(trig, "MAINTAINER"))
            return md_err(err, MD_EINVAL, "%s isn't allowed as an ONBUILD trigger", trig);
        json_t *ob = json_object_get(config, "OnBuild");
        if (!json_is_array(ob)) {
            ob = json_array();
            json_object_set_new(config, "OnBuild", ob);
        }
        json_array_append_new(ob, json_string(original));
        return 0;
    }
    if (!strcmp(instr, "healthcheck"))
        return healthcheck(config, rest, err);
    return md_err(err, MD_EINVAL, "%s is not a valid change command", instr);
}

/* ---- the Dockerfile (buildkit parser.Parse) ---- */

static bool blank_or_comment(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return !*p || *p == '#';
}

/* "# escape=`" and "# syntax=..." at the top; anything else ends them. */
static bool directive(const char *line, char *escape)
{
    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '#')
        return false;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    const char *k = p;
    while (isalpha((unsigned char)*p))
        p++;
    size_t kl = (size_t)(p - k);
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '=')
        return false;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    if (kl == 6 && !strncasecmp(k, "escape", 6)) {
        if ((*p == '\\' || *p == '`') && blank_or_comment(p + 1) && !p[1 + strspn(p + 1, " \t\r")])
            *escape = *p;
        return true;
    }
    return kl == 6 && !strncasecmp(k, "syntax", 6);
}

/* A heredoc ("<<EOF", "<<-'EOF'") in the arguments of RUN, COPY or ADD. */
static bool has_heredoc(const char *instr, const char *rest)
{
    if (strcmp(instr, "run") && strcmp(instr, "copy") && strcmp(instr, "add"))
        return false;
    for (const char *p = strstr(rest, "<<"); p; p = strstr(p + 2, "<<")) {
        const char *q = p + 2;
        if (*q == '-')
            q++;
        if (*q == '"' || *q == '\'')
            q++;
        if (isalpha((unsigned char)*q) || *q == '_')
            return true;
    }
    return false;
}

static void add_line(struct df_line **v, size_t *n, const char *text, int lineno)
{
    const char *q = text;
    while (isspace((unsigned char)*q))
        q++;
    const char *e = q;
    while (*e && !isspace((unsigned char)*e))
        e++;
    struct df_line l = {.line = lineno};
    l.instr = xstrndup(q, (size_t)(e - q));
    for (char *c = l.instr; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    while (isspace((unsigned char)*e))
        e++;
    l.rest = xstrdup(e);
    size_t rl = strlen(l.rest);
    while (rl && isspace((unsigned char)l.rest[rl - 1]))
        l.rest[--rl] = '\0';
    size_t ol = (size_t)(e - q) + rl;
    l.original = xstrndup(q, ol);
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = l;
}

int image_dockerfile_parse(const char *text, bool directives, struct df_line **out, size_t *nout,
                           struct md_error *err)
{
    _cleanup_free_ char *buf = xstrdup(text);
    struct df_line *v = NULL;
    size_t n = 0;
    char escape = '\\';
    bool in_directives = directives;
    struct strbuf line = STRBUF_INIT;
    int lineno = 0, start = 0;
    for (char *next = buf, *phys; (phys = strsep(&next, "\n"));) {
        lineno++;
        size_t pl = strlen(phys);
        if (pl && phys[pl - 1] == '\r')
            phys[--pl] = '\0';
        if (in_directives && directive(phys, &escape))
            continue;
        in_directives = false;
        if (blank_or_comment(phys))
            continue; /* comments and blank lines, also inside a continuation */
        if (!line.len)
            start = lineno;
        while (isspace((unsigned char)*phys))
            phys++; /* as buildkit's trimLeadingWhitespace */
        size_t l = strlen(phys);
        while (l && isspace((unsigned char)phys[l - 1]))
            l--;
        bool cont = l && phys[l - 1] == escape;
        sb_addn(&line, phys, cont ? l - 1 : l);
        if (cont)
            continue;
        add_line(&v, &n, line.s, start);
        sb_free(&line);
    }
    if (line.len)
        add_line(&v, &n, line.s, start);
    sb_free(&line);
    for (size_t i = 0; i < n; i++) {
        if (has_heredoc(v[i].instr, v[i].rest)) {
            int r = md_err(err, MD_EINVAL,
                           "dockerfile parse error line %d: heredocs are not supported by the "
                           "classic builder",
                           v[i].line);
            image_dockerfile_free(v, n);
            return r;
        }
    }
    *out = v;
    *nout = n;
    return 0;
}

void image_dockerfile_free(struct df_line *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].instr);
        free(v[i].rest);
        free(v[i].original);
    }
    free(v);
}

int image_dispatch(json_t *config, const struct df_line *l, char *const *args, bool *cmd_set,
                   struct md_error *err)
{
    bool unused = false;
    return dispatch(config, l->instr, l->rest, l->rest, cmd_set ? cmd_set : &unused, args, err);
}

char **image_split_words(const char *rest)
{
    return split_words(rest);
}

char **image_json_args(const char *rest)
{
    return maybe_json(rest);
}

int image_apply_changes(json_t *config, char *const *changes, struct md_error *err)
{
    if (!changes || !*changes)
        return 0;
    struct strbuf all = STRBUF_INIT;
    for (char *const *c = changes; *c; c++) {
        if (c != changes)
            sb_addc(&all, '\n');
        sb_add(&all, *c);
    }
    _cleanup_free_ char *text = sb_steal(&all);
    struct df_line *v = NULL;
    size_t n = 0;
    if (image_dockerfile_parse(text, false, &v, &n, err) < 0)
        return -1;
    bool cmd_set = false;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = dispatch(config, v[i].instr, v[i].rest, v[i].rest, &cmd_set, NULL, err);
    image_dockerfile_free(v, n);
    return rc;
}

json_t *image_container_config(json_t *partial)
{
    json_t *o = json_object();
#define F(key, def)                                                                                \
    do {                                                                                           \
        json_t *v_ = json_object_get(partial, key);                                                \
        json_object_set_new(o, key, v_ ? json_incref(v_) : (def));                                 \
    } while (0)
#define OPT(key)                                                                                   \
    do {                                                                                           \
        json_t *v_ = json_object_get(partial, key);                                                \
        if (v_ && !json_is_null(v_))                                                               \
            json_object_set(o, key, v_);                                                           \
    } while (0)
    /* Go marshals maps with their keys sorted */
    static const char *const maps[] = {"ExposedPorts", "Volumes", "Labels"};
    for (size_t i = 0; i < sizeof maps / sizeof *maps; i++) {
        json_t *m = json_object_get(partial, maps[i]);
        if (json_is_object(m) && json_object_size(m) > 1) {
            char *s = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT);
            json_object_set_new(partial, maps[i], json_loads(s, JSON_PRESERVE_ORDER, NULL));
            free(s);
        }
    }
    F("Hostname", json_string(""));
    F("Domainname", json_string(""));
    F("User", json_string(""));
    F("AttachStdin", json_false());
    F("AttachStdout", json_false());
    F("AttachStderr", json_false());
    OPT("ExposedPorts");
    F("Tty", json_false());
    F("OpenStdin", json_false());
    F("StdinOnce", json_false());
    F("Env", json_null());
    F("Cmd", json_null());
    OPT("Healthcheck");
    OPT("ArgsEscaped");
    F("Image", json_string(""));
    F("Volumes", json_null());
    F("WorkingDir", json_string(""));
    F("Entrypoint", json_null());
    F("OnBuild", json_null());
    F("Labels", json_null());
    OPT("StopSignal");
    OPT("StopTimeout");
    OPT("Shell");
#undef F
#undef OPT
    return o;
}
