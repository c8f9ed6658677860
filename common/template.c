/* A Go text/template subset for --format: lexer + recursive-descent parser
 * into a small AST, and an evaluator over jansson values. Messages, value
 * printing and quirks follow Go and docker's CLI, checked against docker 28
 * (see tests/unit/test_common_template.c). Input is untrusted (a user's
 * format string, a daemon's data), so nesting, work and output are capped. */
#include "common/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h> /* macros only (isfinite, isnan): no libm for the client */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_DEPTH = 100,               /* nesting of blocks and parentheses */
    MAX_STEPS = 2 * 1000 * 1000,   /* evaluation steps per render */
    MAX_OUTPUT = 16 * 1024 * 1024, /* bytes per render */
    MAX_WIDTH = 1000 * 1000,       /* printf width/precision, as Go's fmt */
};

/* Integral and representable as int64. Written without floor()/fabs() so
 * that the client need not link libm. */
static bool is_integral(double v)
{
    double a = v < 0 ? -v : v;
    return a < 9.2e18 && (double)(long long)v == v;
}

/* ---- AST ---------------------------------------------------------------- */

enum arg_kind { A_FIELD, A_DOT, A_VAR, A_LIT, A_NIL, A_IDENT, A_PIPE };

struct pipe;

struct arg {
    enum arg_kind kind;
    size_t pos;    /* where errors about this operand point */
    char *text;    /* for error contexts, like Go's node String() */
    char *name;    /* variable ("$x") or function name */
    char **fields; /* field chain: .A.B, $x.A, (pipe).A */
    size_t nfields;
    json_t *lit;       /* A_LIT */
    struct pipe *pipe; /* A_PIPE */
};

struct cmd {
    struct arg *args;
    size_t nargs;
    size_t pos;
    char *text;
};

struct pipe {
    char **decl; /* declared or assigned variables */
    size_t ndecl;
    bool assign; /* "=" rather than ":=" */
    struct cmd *cmds;
    size_t ncmds;
    size_t pos;
    char *text;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE };

struct node;
struct list {
    struct node *nodes;
    size_t n;
};

struct node {
    enum node_kind kind;
    size_t pos;
    char *text; /* N_TEXT */
    size_t len;
    struct pipe *pipe;
    struct list list, elselist;
};

struct tmpl {
    char *src; /* after docker's preprocessing; positions index into it */
    bool table;
    struct list root;
};

static void pipe_free(struct pipe *p);

static void arg_free(struct arg *a)
{
    free(a->text);
    free(a->name);
    for (size_t i = 0; i < a->nfields; i++)
        free(a->fields[i]);
    free(a->fields);
    json_decref(a->lit);
    pipe_free(a->pipe);
}

static void pipe_free(struct pipe *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndecl; i++)
        free(p->decl[i]);
    free(p->decl);
    for (size_t i = 0; i < p->ncmds; i++) {
        for (size_t j = 0; j < p->cmds[i].nargs; j++)
            arg_free(&p->cmds[i].args[j]);
        free(p->cmds[i].args);
        free(p->cmds[i].text);
    }
    free(p->cmds);
    free(p->text);
    free(p);
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct node *n = &l->nodes[i];
        free(n->text);
        pipe_free(n->pipe);
        list_free(&n->list);
        list_free(&n->elselist);
    }
    free(l->nodes);
    l->nodes = NULL;
    l->n = 0;
}

static struct node *list_add(struct list *l, enum node_kind kind, size_t pos)
{
    l->nodes = xrealloc(l->nodes, (l->n + 1) * sizeof(*l->nodes));
    struct node *n = &l->nodes[l->n++];
    memset(n, 0, sizeof(*n));
    n->kind = kind;
    n->pos = pos;
    return n;
}

void tmpl_free(struct tmpl *t)
{
    if (!t)
        return;
    list_free(&t->root);
    free(t->src);
    free(t);
}

bool tmpl_is_table(const struct tmpl *t)
{
    return t && t->table;
}

/* ---- lexer -------------------------------------------------------------- */

enum tok_kind {
    TK_RIGHT,
    TK_FIELD,
    TK_DOT,
    TK_VAR,
    TK_STRING,
    TK_RAW,
    TK_CHAR,
    TK_NUMBER,
    TK_IDENT,
    TK_PIPE,
    TK_LPAREN,
    TK_RPAREN,
    TK_DECLARE,
    TK_ASSIGN,
    TK_COMMA,
};

struct token {
    enum tok_kind kind;
    size_t pos, len;
    bool space_before;
    bool trim; /* TK_RIGHT: " -}}" */
};

struct parser {
    const char *src;
    size_t len;
    size_t pos;
    struct md_error *err;
    char **vars; /* declared variable names in scope */
    size_t nvars;
    int range_depth;
    int depth;
    bool trim_next; /* the last action ended with " -}}" */
    bool have_peek;
    struct token peek;
};

static int line_of(const char *src, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos; i++)
        if (src[i] == '\n')
            line++;
    return line;
}

static int perr(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int perr(struct parser *p, size_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    md_err(p->err, MD_EINVAL, "template: :%d: %s", line_of(p->src, pos), m);
    free(m);
    return -1;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static bool at_right_delim(struct parser *p, size_t pos)
{
    return pos + 1 < p->len && p->src[pos] == '}' && p->src[pos + 1] == '}';
}

/* Go's parser reports a character the lexer cannot start a token with as
 * unexpected in the command. */
static int bad_char(struct parser *p, size_t pos)
{
    char c[2] = {p->src[pos], '\0'};
    struct strbuf b = STRBUF_INIT;
    sb_add_quoted(&b, c);
    _cleanup_free_ char *q = sb_steal(&b);
    return perr(p, pos, "unexpected %s in command", q);
}

static void scan_field_chain(struct parser *p, size_t *i)
{
    while (*i + 1 < p->len && p->src[*i] == '.' && is_ident_char(p->src[*i + 1])) {
        (*i)++;
        while (*i < p->len && is_ident_char(p->src[*i]))
            (*i)++;
    }
}

static int scan_quoted(struct parser *p, size_t *i, char q, const char *what)
{
    size_t start = *i;
    for ((*i)++;; (*i)++) {
        if (*i >= p->len || p->src[*i] == '\n')
            return perr(p, start, "unterminated %s", what);
        if (p->src[*i] == '\\') {
            (*i)++;
            if (*i >= p->len || p->src[*i] == '\n')
                return perr(p, start, "unterminated %s", what);
        } else if (p->src[*i] == q) {
            (*i)++;
            return 0;
        }
    }
}

static int lex(struct parser *p, struct token *t)
{
    if (p->have_peek) {
        *t = p->peek;
        p->have_peek = false;
        return 0;
    }
    size_t i = p->pos;
    bool space = false;
    while (i < p->len && is_space(p->src[i])) {
        i++;
        space = true;
    }
    memset(t, 0, sizeof(*t));
    t->space_before = space;
    t->pos = i;
    if (i >= p->len)
        return perr(p, i, "unclosed action");
    char c = p->src[i];
    if (space && c == '-' && at_right_delim(p, i + 1)) {
        t->kind = TK_RIGHT;
        t->trim = true;
        i += 3;
    } else if (at_right_delim(p, i)) {
        t->kind = TK_RIGHT;
        i += 2;
    } else if (c == '|') {
        t->kind = TK_PIPE;
        i++;
    } else if (c == '(') {
        t->kind = TK_LPAREN;
        i++;
    } else if (c == ')') {
        t->kind = TK_RPAREN;
        i++;
    } else if (c == ',') {
        t->kind = TK_COMMA;
        i++;
    } else if (c == '=') {
        t->kind = TK_ASSIGN;
        i++;
    } else if (c == ':') {
        if (i + 1 >= p->len || p->src[i + 1] != '=')
            return perr(p, i, "expected :=");
        t->kind = TK_DECLARE;
        i += 2;
    } else if (c == '"') {
        t->kind = TK_STRING;
        if (scan_quoted(p, &i, '"', "quoted string") < 0)
            return -1;
    } else if (c == '\'') {
        t->kind = TK_CHAR;
        if (scan_quoted(p, &i, '\'', "character constant") < 0)
            return -1;
    } else if (c == '`') {
        t->kind = TK_RAW;
        const char *end = memchr(p->src + i + 1, '`', p->len - i - 1);
        if (!end)
            return perr(p, i, "unterminated raw quoted string");
        i = (size_t)(end - p->src) + 1;
    } else if (c == '$') {
        t->kind = TK_VAR;
        i++;
        while (i < p->len && is_ident_char(p->src[i]))
            i++;
        scan_field_chain(p, &i);
    } else if (c == '.' && i + 1 < p->len && isdigit((unsigned char)p->src[i + 1])) {
        goto number;
    } else if (c == '.') {
        size_t j = i;
        scan_field_chain(p, &j);
        if (j == i) {
            t->kind = TK_DOT;
            i++;
        } else {
            t->kind = TK_FIELD;
            i = j;
        }
    } else if (isdigit((unsigned char)c) ||
               ((c == '+' || c == '-') && i + 1 < p->len &&
                (isdigit((unsigned char)p->src[i + 1]) || p->src[i + 1] == '.'))) {
    number:
        t->kind = TK_NUMBER;
        i++;
        while (i < p->len) {
            char d = p->src[i];
            if (isalnum((unsigned char)d) || d == '_' || d == '.')
                i++;
            else if ((d == '+' || d == '-') && strchr("eEpP", p->src[i - 1]))
                i++;
            else
                break;
        }
    } else if (isalpha((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80) {
        t->kind = TK_IDENT;
        while (i < p->len && is_ident_char(p->src[i]))
            i++;
    } else {
        return bad_char(p, i);
    }
    t->len = i - t->pos;
    p->pos = i;
    return 0;
}

static int peek_tok(struct parser *p, struct token *t)
{
    if (!p->have_peek) {
        if (lex(p, &p->peek) < 0)
            return -1;
        p->have_peek = true;
    }
    *t = p->peek;
    return 0;
}

static bool tok_is(const struct parser *p, const struct token *t, const char *s)
{
    return t->kind == TK_IDENT && t->len == strlen(s) && memcmp(p->src + t->pos, s, t->len) == 0;
}

static char *tok_text(const struct parser *p, const struct token *t)
{
    return xstrndup(p->src + t->pos, t->len);
}

static const char *tok_desc(enum tok_kind k)
{
    switch (k) {
    case TK_RIGHT:
        return "}}";
    case TK_PIPE:
        return "|";
    case TK_LPAREN:
        return "(";
    case TK_RPAREN:
        return ")";
    case TK_DECLARE:
        return ":=";
    case TK_ASSIGN:
        return "=";
    case TK_COMMA:
        return ",";
    default:
        return "token";
    }
}

/* ---- literals ----------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(struct strbuf *b, uint32_t r)
{
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = 0xFFFD;
    if (r < 0x80) {
        sb_addc(b, (char)r);
    } else if (r < 0x800) {
        sb_addc(b, (char)(0xC0 | (r >> 6)));
        sb_addc(b, (char)(0x80 | (r & 0x3F)));
    } else if (r < 0x10000) {
        sb_addc(b, (char)(0xE0 | (r >> 12)));
        sb_addc(b, (char)(0x80 | ((r >> 6) & 0x3F)));
        sb_addc(b, (char)(0x80 | (r & 0x3F)));
    } else {
        sb_addc(b, (char)(0xF0 | (r >> 18)));
        sb_addc(b, (char)(0x80 | ((r >> 12) & 0x3F)));
        sb_addc(b, (char)(0x80 | ((r >> 6) & 0x3F)));
        sb_addc(b, (char)(0x80 | (r & 0x3F)));
    }
}

/* strconv.Unquote for "..." and '...' bodies (s excludes the quotes). */
static int unquote(const char *s, size_t n, char q, struct strbuf *b)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            if (s[i] == q)
                return -1;
            sb_addc(b, s[i]);
            continue;
        }
        if (++i >= n)
            return -1;
        char c = s[i];
        const char *simple = strchr("abfnrtv\\\"'", c);
        if (c && simple) {
            static const char map[] = "\a\b\f\n\r\t\v\\\"'";
            if ((c == '"' && q != '"') || (c == '\'' && q != '\''))
                return -1;
            sb_addc(b, map[simple - "abfnrtv\\\"'"]);
        } else if (c == 'x' || c == 'u' || c == 'U') {
            size_t nd = c == 'x' ? 2 : c == 'u' ? 4 : 8;
            uint32_t v = 0;
            for (size_t k = 0; k < nd; k++) {
                int h = i + 1 + k < n ? hexval(s[i + 1 + k]) : -1;
                if (h < 0)
                    return -1;
                v = v * 16 + (uint32_t)h;
            }
            i += nd;
            if (c == 'x')
                sb_addc(b, (char)v);
            else if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return -1;
            else
                put_utf8(b, v);
        } else if (c >= '0' && c <= '7') {
            uint32_t v = 0;
            for (size_t k = 0; k < 3; k++) {
                if (i + k >= n || s[i + k] < '0' || s[i + k] > '7')
                    return -1;
                v = v * 8 + (uint32_t)(s[i + k] - '0');
            }
            if (v > 255)
                return -1;
            i += 2;
            sb_addc(b, (char)v);
        } else {
            return -1;
        }
    }
    return 0;
}

/* Decode one UTF-8 rune; invalid bytes count as U+FFFD of length 1. */
static uint32_t utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char c = s[0];
    size_t need = c < 0x80             ? 0
                  : (c & 0xE0) == 0xC0 ? 1
                  : (c & 0xF0) == 0xE0 ? 2
                  : (c & 0xF8) == 0xF0 ? 3
                                       : 9;
    if (need == 0) {
        *len = 1;
        return c;
    }
    if (need > 3 || need >= n) {
        *len = 1;
        return 0xFFFD;
    }
    uint32_t r = c & (0x3F >> need);
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        r = (r << 6) | (s[k] & 0x3F);
    }
    *len = need + 1;
    return r;
}

/* Go number literal (decimal, 0x, 0o, 0b, leading-0 octal, floats, '_'
 * separators), checked like text/template's newNumber. Integral values are
 * integers, as NumberNode.IsInt. Returns NULL with *why set on error. */
static json_t *parse_number(const char *s, size_t n, const char **why)
{
    _cleanup_free_ char *buf = xmalloc(n + 1);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            buf[w++] = s[i];
    buf[w] = '\0';
    *why = "bad number syntax";
    const char *d = buf;
    bool neg = false;
    if (*d == '+' || *d == '-')
        neg = *d++ == '-';
    if (!isdigit((unsigned char)*d) && !(*d == '.' && isdigit((unsigned char)d[1])))
        return NULL;
    int base = 10;
    const char *digits = d;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
        base = 16, digits = d + 2;
    else if (d[0] == '0' && (d[1] == 'o' || d[1] == 'O'))
        base = 8, digits = d + 2;
    else if (d[0] == '0' && (d[1] == 'b' || d[1] == 'B'))
        base = 2, digits = d + 2;
    else if (d[0] == '0' && d[1])
        base = 8, digits = d + 1;
    if (*digits && isxdigit((unsigned char)*digits)) {
        errno = 0;
        char *end = NULL;
        unsigned long long u = strtoull(digits, &end, base);
        if (!*end && errno == 0 && u <= (unsigned long long)INT64_MAX + (neg ? 1 : 0))
            return json_integer(neg ? (json_int_t)(0 - u) : (json_int_t)u);
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (*end)
        return NULL;
    if (errno == ERANGE || !isfinite(v)) {
        *why = "illegal number syntax";
        return NULL;
    }
    /* Parsed as a float but written as an integer: too big for one. */
    if (!strpbrk(base == 16 ? d + 2 : d, base == 16 ? "pP" : ".eEpP")) {
        *why = "integer overflow";
        return NULL;
    }
    if (is_integral(v))
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* ---- parser ------------------------------------------------------------- */

static int parse_pipe(struct parser *p, const char *context, bool in_paren, bool decl_ok,
                      struct pipe **out);

static void push_var(struct parser *p, const char *name)
{
    p->vars = xrealloc(p->vars, (p->nvars + 1) * sizeof(char *));
    p->vars[p->nvars++] = xstrdup(name);
}

static void pop_vars(struct parser *p, size_t n)
{
    while (p->nvars > n)
        free(p->vars[--p->nvars]);
}

static bool var_known(const struct parser *p, const char *name)
{
    for (size_t i = p->nvars; i > 0; i--)
        if (strcmp(p->vars[i - 1], name) == 0)
            return true;
    return false;
}

static const char *const functions[] = {
    "and",   "or",    "not",   "len", "index",    "slice", "print",    "printf", "println",
    "eq",    "ne",    "lt",    "le",  "gt",       "ge",    "json",     "join",   "split",
    "upper", "lower", "title", "pad", "truncate", "html",  "urlquery", "js",     NULL,
};

static bool is_function(const char *name)
{
    for (const char *const *f = functions; *f; f++)
        if (strcmp(*f, name) == 0)
            return true;
    return false;
}

/* Split ".A.B" (or the chain part of "$x.A.B") into components. */
static void split_fields(const char *s, size_t n, struct arg *a)
{
    size_t i = 0;
    while (i < n) {
        size_t start = ++i; /* skip '.' */
        while (i < n && s[i] != '.')
            i++;
        a->fields = xrealloc(a->fields, (a->nfields + 1) * sizeof(char *));
        a->fields[a->nfields++] = xstrndup(s + start, i - start);
    }
}

/* Go reports a multi-field chain at its second element. */
static size_t chain_pos(const char *s, size_t pos, size_t n)
{
    const char *second = memchr(s + pos + 1, '.', n - 1);
    return second ? (size_t)(second - s) : pos;
}

static int parse_operand(struct parser *p, struct token *t, struct arg *a)
{
    memset(a, 0, sizeof(*a));
    a->pos = t->pos;
    a->text = tok_text(p, t);
    switch (t->kind) {
    case TK_FIELD:
        a->kind = A_FIELD;
        split_fields(p->src + t->pos, t->len, a);
        a->pos = chain_pos(p->src, t->pos, t->len);
        return 0;
    case TK_DOT:
        a->kind = A_DOT;
        return 0;
    case TK_VAR: {
        a->kind = A_VAR;
        size_t nl = 1;
        while (nl < t->len && p->src[t->pos + nl] != '.')
            nl++;
        a->name = xstrndup(p->src + t->pos, nl);
        if (!var_known(p, a->name))
            return perr(p, t->pos, "undefined variable \"%s\"", a->name);
        split_fields(p->src + t->pos + nl, t->len - nl, a);
        return 0;
    }
    case TK_STRING:
    case TK_RAW:
    case TK_CHAR: {
        struct strbuf b = STRBUF_INIT;
        if (t->kind == TK_RAW) {
            sb_addn(&b, p->src + t->pos + 1, t->len - 2);
        } else if (unquote(p->src + t->pos + 1, t->len - 2, p->src[t->pos], &b) < 0) {
            sb_free(&b);
            return perr(p, t->pos, "%s",
                        t->kind == TK_CHAR ? "malformed character constant" : "invalid syntax");
        }
        a->kind = A_LIT;
        if (t->kind == TK_CHAR) {
            size_t rl = 0;
            uint32_t r = b.len ? utf8_decode((unsigned char *)b.s, b.len, &rl) : 0;
            bool ok = b.len && rl == b.len;
            sb_free(&b);
            if (!ok)
                return perr(p, t->pos, "malformed character constant: %s", a->text);
            a->lit = json_integer(r);
        } else {
            a->lit = json_stringn_nocheck(b.s ? b.s : "", b.len);
            sb_free(&b);
        }
        return 0;
    }
    case TK_NUMBER:
        a->kind = A_LIT;
        {
            const char *why = NULL;
            a->lit = parse_number(p->src + t->pos, t->len, &why);
            if (!a->lit)
                return perr(p, t->pos, "%s: \"%s\"", why, a->text);
            return 0;
        }
    case TK_IDENT:
        if (tok_is(p, t, "true") || tok_is(p, t, "false")) {
            a->kind = A_LIT;
            a->lit = json_boolean(tok_is(p, t, "true"));
        } else if (tok_is(p, t, "nil")) {
            a->kind = A_NIL;
        } else {
            a->kind = A_IDENT;
            a->name = tok_text(p, t);
            if (!is_function(a->name))
                return perr(p, t->pos, "function \"%s\" not defined", a->name);
        }
        return 0;
    case TK_LPAREN: {
        if (++p->depth > MAX_DEPTH)
            return perr(p, t->pos, "max expression depth exceeded");
        a->kind = A_PIPE;
        if (parse_pipe(p, "parenthesized pipeline", true, false, &a->pipe) < 0)
            return -1;
        p->depth--;
        free(a->text);
        a->text = xasprintf("(%s)", a->pipe->text);
        struct token f;
        if (peek_tok(p, &f) < 0)
            return -1;
        if (f.kind == TK_FIELD && !f.space_before) {
            lex(p, &f);
            split_fields(p->src + f.pos, f.len, a);
            a->pos = f.pos;
            char *txt = xasprintf("%s%.*s", a->text, (int)f.len, p->src + f.pos);
            free(a->text);
            a->text = txt;
        }
        return 0;
    }
    default:
        return perr(p, t->pos, "unexpected \"%s\" in operand", tok_desc(t->kind));
    }
}

static void cmd_text(struct cmd *c)
{
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < c->nargs; i++) {
        if (i)
            sb_addc(&b, ' ');
        sb_add(&b, c->args[i].text);
    }
    c->text = sb_steal(&b);
}

static int parse_cmd(struct parser *p, bool in_paren, struct cmd *c)
{
    memset(c, 0, sizeof(*c));
    for (;;) {
        struct token t;
        if (peek_tok(p, &t) < 0)
            return -1;
        if (t.kind == TK_PIPE || t.kind == TK_RIGHT || t.kind == TK_RPAREN) {
            if (c->nargs == 0)
                return perr(p, t.pos, "missing value for command");
            break;
        }
        lex(p, &t);
        if (c->nargs == 0)
            c->pos = t.pos;
        /* A term directly followed by a field (no space) would be a chain
         * on a literal, which Go rejects too. */
        c->args = xrealloc(c->args, (c->nargs + 1) * sizeof(*c->args));
        struct arg *a = &c->args[c->nargs++];
        if (parse_operand(p, &t, a) < 0)
            return -1;
        struct token n;
        if (peek_tok(p, &n) < 0)
            return -1;
        if (!n.space_before && n.kind != TK_PIPE && n.kind != TK_RIGHT && n.kind != TK_RPAREN)
            return perr(p, n.pos, "unexpected \"%.*s\" in operand", (int)n.len, p->src + n.pos);
    }
    cmd_text(c);
    return 0;
}

static int parse_pipe(struct parser *p, const char *context, bool in_paren, bool decl_ok,
                      struct pipe **out)
{
    struct pipe *pp = xcalloc(1, sizeof(*pp));
    *out = pp;
    struct token t;
    if (peek_tok(p, &t) < 0)
        return -1;
    pp->pos = t.pos;
    /* Declarations: "$x :=", "$x =", and for range "$i, $e :=". Save the
     * lexer state so "$x" alone can be read again as an operand. */
    if (decl_ok && t.kind == TK_VAR && memchr(p->src + t.pos, '.', t.len) == NULL) {
        size_t save_pos = p->pos;
        struct token save_peek = p->peek;
        struct token v, n;
        lex(p, &v);
        if (peek_tok(p, &n) < 0)
            return -1;
        if (n.kind == TK_DECLARE || n.kind == TK_ASSIGN ||
            (n.kind == TK_COMMA && strcmp(context, "range") == 0)) {
            lex(p, &n);
            pp->decl = xcalloc(2, sizeof(char *));
            pp->decl[pp->ndecl++] = tok_text(p, &v);
            if (n.kind == TK_COMMA) {
                struct token v2, d;
                if (lex(p, &v2) < 0)
                    return -1;
                if (v2.kind != TK_VAR || memchr(p->src + v2.pos, '.', v2.len))
                    return perr(p, v2.pos, "range can only initialize variables");
                if (lex(p, &d) < 0)
                    return -1;
                if (d.kind != TK_DECLARE && d.kind != TK_ASSIGN)
                    return perr(p, d.pos, "range can only initialize variables");
                n = d;
                pp->decl[pp->ndecl++] = tok_text(p, &v2);
            }
            pp->assign = n.kind == TK_ASSIGN;
            for (size_t i = 0; i < pp->ndecl; i++) {
                if (pp->assign && !var_known(p, pp->decl[i]))
                    return perr(p, v.pos, "undefined variable \"%s\"", pp->decl[i]);
            }
            if (peek_tok(p, &t) < 0)
                return -1;
            pp->pos = t.pos;
        } else {
            p->pos = save_pos;
            p->peek = save_peek;
            p->have_peek = true;
        }
    }
    for (;;) {
        pp->cmds = xrealloc(pp->cmds, (pp->ncmds + 1) * sizeof(*pp->cmds));
        struct cmd *c = &pp->cmds[pp->ncmds];
        if (peek_tok(p, &t) < 0)
            return -1;
        if (t.kind == TK_RIGHT || t.kind == TK_RPAREN) {
            if (pp->ncmds == 0 && (t.kind == TK_RIGHT || in_paren))
                return perr(p, t.pos, "missing value for %s", context);
            break;
        }
        memset(c, 0, sizeof(*c));
        pp->ncmds++;
        if (parse_cmd(p, in_paren, c) < 0)
            return -1;
        if (peek_tok(p, &t) < 0)
            return -1;
        if (t.kind == TK_PIPE) {
            lex(p, &t);
            continue;
        }
    }
    if (in_paren) {
        if (t.kind != TK_RPAREN)
            return perr(p, t.pos, "unclosed left paren");
        lex(p, &t);
    } else if (t.kind == TK_RPAREN) {
        return perr(p, t.pos, "unexpected right paren");
    }
    /* The declared names come into scope after the pipeline is read. */
    if (!pp->assign)
        for (size_t i = 0; i < pp->ndecl; i++)
            push_var(p, pp->decl[i]);
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < pp->ndecl; i++)
        sb_printf(&b, "%s%s", pp->decl[i], i + 1 < pp->ndecl ? ", " : "");
    if (pp->ndecl)
        sb_add(&b, pp->assign ? " = " : " := ");
    for (size_t i = 0; i < pp->ncmds; i++)
        sb_printf(&b, "%s%s", i ? " | " : "", pp->cmds[i].text);
    pp->text = sb_steal(&b);
    return 0;
}

/* Read the "}}" that closes an action; remember a trim marker. */
static int expect_right(struct parser *p, const char *what)
{
    struct token t;
    if (lex(p, &t) < 0)
        return -1;
    if (t.kind != TK_RIGHT)
        return perr(p, t.pos, "unexpected \"%.*s\" in %s", (int)t.len, p->src + t.pos, what);
    p->trim_next = t.trim;
    return 0;
}

enum stop { STOP_EOF, STOP_END, STOP_ELSE };

static int parse_list(struct parser *p, struct list *l, enum stop *stop, size_t *stop_pos);

static int parse_control(struct parser *p, enum node_kind kind, size_t pos, struct list *into)
{
    static const char *const names[] = {[N_IF] = "if", [N_RANGE] = "range", [N_WITH] = "with"};
    if (++p->depth > MAX_DEPTH)
        return perr(p, pos, "max expression depth exceeded");
    size_t scope = p->nvars;
    struct node *n = list_add(into, kind, pos);
    struct pipe *pipe = NULL;
    int r = parse_pipe(p, names[kind], false, true, &pipe);
    n->pipe = pipe;
    if (r < 0)
        return -1;
    if (expect_right(p, names[kind]) < 0)
        return -1;
    if (kind == N_RANGE)
        p->range_depth++;
    enum stop stop;
    size_t stop_pos;
    if (parse_list(p, &n->list, &stop, &stop_pos) < 0)
        return -1;
    if (kind == N_RANGE)
        p->range_depth--;
    if (stop == STOP_EOF)
        return perr(p, p->len, "unexpected EOF");
    if (stop == STOP_ELSE) {
        struct token t;
        if (peek_tok(p, &t) < 0)
            return -1;
        if ((kind == N_IF && tok_is(p, &t, "if")) || (kind == N_WITH && tok_is(p, &t, "with"))) {
            /* {{else if x}} is {{else}}{{if x}}...{{end}}{{end}}; the inner
             * block consumes the shared {{end}}. */
            lex(p, &t);
            if (parse_control(p, kind, t.pos, &n->elselist) < 0)
                return -1;
        } else {
            if (expect_right(p, "else") < 0)
                return -1;
            if (parse_list(p, &n->elselist, &stop, &stop_pos) < 0)
                return -1;
            if (stop == STOP_EOF)
                return perr(p, p->len, "unexpected EOF");
            if (stop == STOP_ELSE)
                return perr(p, stop_pos, "expected end; found {{else}}");
        }
    }
    pop_vars(p, scope);
    p->depth--;
    return 0;
}

/* Text up to the next "{{", trimmed as the markers around it ask. */
static void add_text(struct parser *p, struct list *l, size_t start, size_t end)
{
    bool trim_right = end + 3 < p->len && p->src[end] == '{' && p->src[end + 2] == '-' &&
                      is_space(p->src[end + 3]);
    if (p->trim_next)
        while (start < end && is_space(p->src[start]))
            start++;
    if (trim_right)
        while (end > start && is_space(p->src[end - 1]))
            end--;
    p->trim_next = false;
    if (end > start) {
        struct node *n = list_add(l, N_TEXT, start);
        n->text = xstrndup(p->src + start, end - start);
        n->len = end - start;
    }
}

static int parse_list(struct parser *p, struct list *l, enum stop *stop, size_t *stop_pos)
{
    for (;;) {
        const char *open = p->pos < p->len ? strstr(p->src + p->pos, "{{") : NULL;
        size_t end = open ? (size_t)(open - p->src) : p->len;
        add_text(p, l, p->pos, end);
        if (!open) {
            p->pos = p->len;
            *stop = STOP_EOF;
            return 0;
        }
        size_t action = end;
        p->pos = end + 2;
        if (p->pos + 1 < p->len && p->src[p->pos] == '-' && is_space(p->src[p->pos + 1]))
            p->pos += 2;
        p->have_peek = false;
        /* Comments: slash-star ... star-slash right after the delimiters. */
        if (p->pos + 1 < p->len && p->src[p->pos] == '/' && p->src[p->pos + 1] == '*') {
            const char *close = strstr(p->src + p->pos + 2, "*/");
            if (!close)
                return perr(p, action, "unclosed comment");
            size_t i = (size_t)(close - p->src) + 2;
            bool trim = false;
            if (i + 1 < p->len && is_space(p->src[i]) && p->src[i + 1] == '-' &&
                at_right_delim(p, i + 2)) {
                trim = true;
                i += 4;
            } else if (at_right_delim(p, i)) {
                i += 2;
            } else {
                return perr(p, action, "comment ends before closing delimiter");
            }
            p->pos = i;
            p->trim_next = trim;
            continue;
        }
        struct token t;
        if (peek_tok(p, &t) < 0)
            return -1;
        if (tok_is(p, &t, "end") || tok_is(p, &t, "else")) {
            lex(p, &t);
            bool is_end = tok_is(p, &t, "end");
            if (is_end && expect_right(p, "end") < 0)
                return -1;
            *stop = is_end ? STOP_END : STOP_ELSE;
            *stop_pos = t.pos;
            return 0;
        }
        if (tok_is(p, &t, "if") || tok_is(p, &t, "range") || tok_is(p, &t, "with")) {
            lex(p, &t);
            enum node_kind k = tok_is(p, &t, "if")      ? N_IF
                               : tok_is(p, &t, "range") ? N_RANGE
                                                        : N_WITH;
            if (parse_control(p, k, t.pos, l) < 0)
                return -1;
            continue;
        }
        if (tok_is(p, &t, "break") || tok_is(p, &t, "continue")) {
            lex(p, &t);
            bool brk = tok_is(p, &t, "break");
            if (p->range_depth == 0)
                return perr(p, t.pos, "{{%s}} outside {{range}}", brk ? "break" : "continue");
            if (expect_right(p, brk ? "break" : "continue") < 0)
                return -1;
            list_add(l, brk ? N_BREAK : N_CONTINUE, t.pos);
            continue;
        }
        if (tok_is(p, &t, "define") || tok_is(p, &t, "template") || tok_is(p, &t, "block"))
            return perr(p, t.pos, "{{%.*s}} is not supported", (int)t.len, p->src + t.pos);
        struct node *n = list_add(l, N_ACTION, t.pos);
        if (parse_pipe(p, "command", false, true, &n->pipe) < 0)
            return -1;
        if (expect_right(p, "command") < 0)
            return -1;
    }
}

/* docker's formatter: strip "table", trim spaces, turn the two-character
 * sequences \t and \n into tab and newline. */
static char *preprocess(const char *src, bool *table)
{
    *table = strncmp(src, "table", 5) == 0;
    if (*table)
        src += 5;
    size_t n = strlen(src);
    while (n && src[n - 1] == ' ')
        n--;
    while (n && *src == ' ')
        src++, n--;
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (src[i] == '\\' && i + 1 < n && (src[i + 1] == 't' || src[i + 1] == 'n')) {
            sb_addc(&b, src[i + 1] == 't' ? '\t' : '\n');
            i++;
        } else {
            sb_addc(&b, src[i]);
        }
    }
    return sb_steal(&b);
}

int tmpl_parse(const char *src, struct tmpl **out, struct md_error *err)
{
    *out = NULL;
    struct tmpl *t = xcalloc(1, sizeof(*t));
    t->src = preprocess(src ? src : "", &t->table);
    struct parser p = {.src = t->src, .len = strlen(t->src), .err = err};
    push_var(&p, "$");
    enum stop stop;
    size_t stop_pos = 0;
    int r = parse_list(&p, &t->root, &stop, &stop_pos);
    if (r == 0 && stop != STOP_EOF)
        r = perr(&p, stop_pos, "unexpected {{%s}}", stop == STOP_END ? "end" : "else");
    pop_vars(&p, 0);
    free(p.vars);
    if (r < 0) {
        tmpl_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* ---- values ------------------------------------------------------------- */

/* Strings in templates may hold any bytes (truncate can split a rune). */
static json_t *str_new(const char *s, size_t n)
{
    return json_stringn_nocheck(s, n);
}

static json_t *nonnull(json_t *v)
{
    return json_is_null(v) ? NULL : v;
}

static bool truthy(json_t *v)
{
    if (!v)
        return false;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0;
    case JSON_TRUE:
        return true;
    default:
        return false;
    }
}

/* Shortest decimal digits that read back as v: the precision for %e. */
static int shortest_prec(double v)
{
    char buf[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
        if (strtod(buf, NULL) == v)
            return p;
    }
    return 17;
}

/* Go's encoding/json float format, which is also how docker's raw inspect
 * data (json.Number) prints: fixed notation unless |v| < 1e-6 or >= 1e21. */
static void add_float(struct strbuf *b, double v)
{
    if (!isfinite(v)) {
        sb_add(b, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return;
    }
    double a = v < 0 ? -v : v;
    int p = shortest_prec(v);
    char buf[400];
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
        snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
        /* e-07 -> e-7, as Go does (only for negative exponents). */
        size_t n = strlen(buf);
        if (n >= 4 && buf[n - 4] == 'e' && buf[n - 3] == '-' && buf[n - 2] == '0') {
            buf[n - 2] = buf[n - 1];
            buf[n - 1] = '\0';
        }
    } else {
        /* The decimal exponent, as %e computes it. */
        char e[64];
        snprintf(e, sizeof(e), "%.*e", p - 1, v);
        const char *ep = strchr(e, 'e');
        int exp10 = ep ? atoi(ep + 1) : 0;
        int decimals = p - 1 - exp10;
        snprintf(buf, sizeof(buf), "%.*f", decimals > 0 ? decimals : 0, v);
    }
    sb_add(b, buf);
}

static void add_number(struct strbuf *b, json_t *v)
{
    if (json_is_integer(v)) {
        sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return;
    }
    double d = json_real_value(v);
    if (is_integral(d))
        sb_printf(b, "%lld", (long long)d);
    else
        add_float(b, d);
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Object keys in Go's map iteration order for printing and range: sorted. */
static const char **sorted_keys(json_t *o, size_t *n)
{
    *n = json_object_size(o);
    const char **keys = xcalloc(*n + 1, sizeof(char *));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        keys[i++] = k;
    }
    qsort(keys, *n, sizeof(char *), cmp_keys);
    return keys;
}

/* fmt's %v: nil is "<no value>" at the top of an action, "<nil>" inside. */
static void print_value(struct strbuf *b, json_t *v, bool top)
{
    v = nonnull(v);
    if (!v) {
        sb_add(b, top ? "<no value>" : "<nil>");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING:
        sb_addn(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        add_number(b, v);
        break;
    case JSON_TRUE:
        sb_add(b, "true");
        break;
    case JSON_FALSE:
        sb_add(b, "false");
        break;
    case JSON_ARRAY: {
        sb_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sb_addc(b, ' ');
            print_value(b, json_array_get(v, i), false);
        }
        sb_addc(b, ']');
        break;
    }
    case JSON_OBJECT: {
        size_t n;
        _cleanup_free_ const char **keys = sorted_keys(v, &n);
        sb_add(b, "map[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_addc(b, ' ');
            sb_printf(b, "%s:", keys[i]);
            print_value(b, json_object_get(v, keys[i]), false);
        }
        sb_addc(b, ']');
        break;
    }
    default:
        break;
    }
}

/* Go's json.Encoder with SetEscapeHTML(false), as docker's json function. */
static void json_encode(struct strbuf *b, json_t *v)
{
    v = nonnull(v);
    if (!v) {
        sb_add(b, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_STRING: {
        const unsigned char *s = (const unsigned char *)json_string_value(v);
        size_t n = json_string_length(v);
        sb_addc(b, '"');
        for (size_t i = 0; i < n;) {
            unsigned char c = s[i];
            if (c == '"' || c == '\\') {
                sb_addc(b, '\\');
                sb_addc(b, (char)c);
                i++;
            } else if (c < 0x20) {
                if (c == '\n')
                    sb_add(b, "\\n");
                else if (c == '\r')
                    sb_add(b, "\\r");
                else if (c == '\t')
                    sb_add(b, "\\t");
                else
                    sb_printf(b, "\\u%04x", c);
                i++;
            } else if (c < 0x80) {
                sb_addc(b, (char)c);
                i++;
            } else {
                size_t rl;
                uint32_t r = utf8_decode(s + i, n - i, &rl);
                if (r == 0xFFFD && rl == 1)
                    sb_add(b, "\\ufffd");
                else if (r == 0x2028 || r == 0x2029)
                    sb_printf(b, "\\u%04x", r);
                else
                    sb_addn(b, (const char *)s + i, rl);
                i += rl;
            }
        }
        sb_addc(b, '"');
        break;
    }
    case JSON_INTEGER:
        sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        add_float(b, json_real_value(v));
        break;
    case JSON_TRUE:
        sb_add(b, "true");
        break;
    case JSON_FALSE:
        sb_add(b, "false");
        break;
    case JSON_ARRAY:
        sb_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sb_addc(b, ',');
            json_encode(b, json_array_get(v, i));
        }
        sb_addc(b, ']');
        break;
    case JSON_OBJECT: {
        sb_addc(b, '{');
        const char *k;
        json_t *e;
        bool first = true;
        json_object_foreach(v, k, e)
        {
            if (!first)
                sb_addc(b, ',');
            first = false;
            json_t *ks = str_new(k, strlen(k));
            json_encode(b, ks);
            json_decref(ks);
            sb_addc(b, ':');
            json_encode(b, e);
        }
        sb_addc(b, '}');
        break;
    }
    default:
        sb_add(b, "null");
    }
}

/* Go type names for printf's %!verb(type=value) and error messages. */
static const char *go_type(json_t *v)
{
    v = nonnull(v);
    if (!v)
        return "<nil>";
    switch (json_typeof(v)) {
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "int";
    case JSON_REAL:
        return "float64";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    case JSON_ARRAY:
        return "[]interface {}";
    default:
        return "map[string]interface {}";
    }
}

static bool as_int(json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (is_integral(d)) {
            *out = (long long)d;
            return true;
        }
    }
    return false;
}

/* ---- evaluation --------------------------------------------------------- */

struct var {
    char *name;
    json_t *val; /* owned, may be NULL */
};

struct exec {
    const struct tmpl *t;
    struct strbuf out;
    json_t *root;
    struct var *vars;
    size_t nvars;
    struct md_error *err;
    unsigned long steps;
    const char *(*header_for)(const char *field);
    bool header;
    enum { CTL_NONE, CTL_BREAK, CTL_CONTINUE } ctl;
};

static int xerr(struct exec *x, size_t pos, const char *context, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int xerr(struct exec *x, size_t pos, const char *context, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    /* Go's ErrorContext: the column is a byte offset, 0-based on line 1. */
    const char *src = x->t->src;
    int line = line_of(src, pos);
    size_t col = pos;
    for (size_t i = pos; i > 0; i--)
        if (src[i - 1] == '\n') {
            col = pos - i;
            break;
        }
    md_err(x->err, MD_EINVAL, "template: :%d:%zu: executing \"\" at <%s>: %s", line, col, context,
           m);
    free(m);
    return -1;
}

static int step(struct exec *x, size_t pos)
{
    if (++x->steps > MAX_STEPS)
        return xerr(x, pos, "", "execution limit exceeded");
    if (x->out.len > MAX_OUTPUT)
        return xerr(x, pos, "", "output too large");
    return 0;
}

static json_t *var_get(struct exec *x, const char *name)
{
    for (size_t i = x->nvars; i > 0; i--)
        if (strcmp(x->vars[i - 1].name, name) == 0)
            return x->vars[i - 1].val;
    return NULL;
}

static void var_push(struct exec *x, const char *name, json_t *val)
{
    x->vars = xrealloc(x->vars, (x->nvars + 1) * sizeof(*x->vars));
    x->vars[x->nvars].name = xstrdup(name);
    x->vars[x->nvars].val = json_incref(val);
    x->nvars++;
}

static void var_set(struct exec *x, const char *name, json_t *val)
{
    for (size_t i = x->nvars; i > 0; i--)
        if (strcmp(x->vars[i - 1].name, name) == 0) {
            json_decref(x->vars[i - 1].val);
            x->vars[i - 1].val = json_incref(val);
            return;
        }
}

static void vars_pop(struct exec *x, size_t n)
{
    while (x->nvars > n) {
        x->nvars--;
        free(x->vars[x->nvars].name);
        json_decref(x->vars[x->nvars].val);
    }
}

/* Walk a field chain. A missing key at the end is nil ("<no value>"); a nil
 * or non-object on the way is an error, as in Go. Returns a new reference. */
static int walk_fields(struct exec *x, const struct arg *a, json_t *base, size_t from, json_t **out)
{
    json_t *v = nonnull(base);
    for (size_t i = from; i < a->nfields; i++) {
        if (!v)
            return xerr(x, a->pos, a->text, "nil pointer evaluating interface {}.%s", a->fields[i]);
        if (!json_is_object(v))
            return xerr(x, a->pos, a->text, "can't evaluate field %s in type interface {}",
                        a->fields[i]);
        v = nonnull(json_object_get(v, a->fields[i]));
    }
    *out = json_incref(v);
    return 0;
}

static char *field_path(const struct arg *a)
{
    struct strbuf b = STRBUF_INIT;
    for (size_t i = 0; i < a->nfields; i++)
        sb_printf(&b, "%s%s", i ? "." : "", a->fields[i]);
    return sb_steal(&b);
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **out);
static int call_function(struct exec *x, json_t *dot, const struct cmd *c, json_t *final,
                         bool has_final, json_t **out);

static int eval_arg(struct exec *x, json_t *dot, const struct arg *a, json_t **out)
{
    *out = NULL;
    if (step(x, a->pos) < 0)
        return -1;
    switch (a->kind) {
    case A_FIELD:
        if (x->header) {
            _cleanup_free_ char *path = field_path(a);
            const char *h = x->header_for ? x->header_for(path) : NULL;
            *out = json_string_nocheck(h ? h : path);
            return 0;
        }
        return walk_fields(x, a, dot, 0, out);
    case A_DOT:
        *out = x->header ? str_new("", 0) : json_incref(nonnull(dot));
        return 0;
    case A_VAR:
        if (x->header && a->nfields) {
            _cleanup_free_ char *path = field_path(a);
            const char *h = x->header_for ? x->header_for(path) : NULL;
            *out = json_string_nocheck(h ? h : path);
            return 0;
        }
        return walk_fields(x, a, var_get(x, a->name), 0, out);
    case A_LIT:
        *out = json_incref(a->lit);
        return 0;
    case A_NIL:
        return 0;
    case A_IDENT: {
        /* A function named as an argument is called without arguments. */
        struct cmd c = {.args = (struct arg *)a, .nargs = 1, .pos = a->pos, .text = a->text};
        return call_function(x, dot, &c, NULL, false, out);
    }
    case A_PIPE: {
        json_t *v = NULL;
        if (eval_pipe(x, dot, a->pipe, &v) < 0)
            return -1;
        int r = walk_fields(x, a, v, 0, out);
        json_decref(v);
        return r;
    }
    }
    return 0;
}

/* ---- functions ---------------------------------------------------------- */

struct fargs {
    json_t **v;
    size_t n;
};

static void fargs_free(struct fargs *f)
{
    for (size_t i = 0; i < f->n; i++)
        json_decref(f->v[i]);
    free(f->v);
}

static const char *sval(json_t *v, size_t *n)
{
    *n = json_string_length(v);
    return json_string_value(v);
}

static int need_string(struct exec *x, const struct cmd *c, json_t *v)
{
    if (json_is_string(v))
        return 0;
    return xerr(x, c->pos, c->text, "wrong type for value; expected string; got %s", go_type(v));
}

static int need_int(struct exec *x, const struct cmd *c, json_t *v, long long *out)
{
    if (as_int(v, out))
        return 0;
    return xerr(x, c->pos, c->text, "wrong type for value; expected int; got %s", go_type(v));
}

static int fn_printf(struct exec *x, const struct cmd *c, json_t **args, size_t n, json_t **out);

static int compare(struct exec *x, const struct cmd *c, const char *name, json_t *a, json_t *b,
                   int *res)
{
    a = nonnull(a);
    b = nonnull(b);
    bool ordered = strcmp(name, "eq") != 0 && strcmp(name, "ne") != 0;
    if (a && b && json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            json_int_t ia = json_integer_value(a), ib = json_integer_value(b);
            *res = ia < ib ? -1 : ia > ib;
        } else {
            double da = json_number_value(a), db = json_number_value(b);
            *res = da < db ? -1 : da > db;
        }
        return 0;
    }
    if (a && b && json_is_string(a) && json_is_string(b)) {
        size_t la, lb;
        const char *sa = sval(a, &la), *sb = sval(b, &lb);
        int r = memcmp(sa, sb, la < lb ? la : lb);
        *res = r ? (r < 0 ? -1 : 1) : (la < lb ? -1 : la > lb);
        return 0;
    }
    if (!ordered && a && b && json_is_boolean(a) && json_is_boolean(b)) {
        *res = json_is_true(a) != json_is_true(b);
        return 0;
    }
    if (!ordered && (!a || !b)) {
        *res = a != b && !(a == NULL && b == NULL);
        return 0;
    }
    if ((a && (json_is_array(a) || json_is_object(a))) ||
        (b && (json_is_array(b) || json_is_object(b))))
        return xerr(x, c->pos, c->text, "error calling %s: %s", name,
                    ordered ? "invalid type for comparison" : "non-comparable type");
    return xerr(x, c->pos, c->text, "error calling %s: %s", name,
                ordered && a && b && json_typeof(a) == json_typeof(b)
                    ? "invalid type for comparison"
                    : "incompatible types for comparison");
}

static int fn_index(struct exec *x, const struct cmd *c, json_t **args, size_t n, json_t **out)
{
    json_t *v = nonnull(args[0]);
    for (size_t i = 1; i < n; i++) {
        json_t *k = args[i];
        long long idx;
        if (!v)
            return xerr(x, c->pos, c->text, "error calling index: index of untyped nil");
        if (json_is_object(v)) {
            if (!json_is_string(k))
                return xerr(x, c->pos, c->text,
                            "error calling index: value has type %s; should be string", go_type(k));
            /* Labels and the like are map[string]string in docker's types:
             * a missing key gives "". */
            json_t *e = json_object_get(v, json_string_value(k));
            v = e ? nonnull(e) : NULL;
            if (!e) {
                *out = str_new("", 0);
                return 0;
            }
        } else if (json_is_array(v) || json_is_string(v)) {
            if (!as_int(k, &idx))
                return xerr(x, c->pos, c->text,
                            "error calling index: cannot index slice/array "
                            "with type %s",
                            go_type(k));
            size_t len = json_is_array(v) ? json_array_size(v) : json_string_length(v);
            if (idx < 0 || (unsigned long long)idx >= len)
                return xerr(x, c->pos, c->text, "error calling index: index out of range: %lld",
                            idx);
            if (json_is_array(v)) {
                v = nonnull(json_array_get(v, (size_t)idx));
            } else {
                *out = json_integer((unsigned char)json_string_value(v)[idx]);
                return 0;
            }
        } else {
            return xerr(x, c->pos, c->text, "error calling index: can't index item of type %s",
                        go_type(v));
        }
    }
    *out = json_incref(v);
    return 0;
}

static int fn_slice(struct exec *x, const struct cmd *c, json_t **args, size_t n, json_t **out)
{
    json_t *v = nonnull(args[0]);
    if (!v || (!json_is_string(v) && !json_is_array(v)))
        return xerr(x, c->pos, c->text, "error calling slice: can't slice item of type %s",
                    go_type(v));
    if (n > 4 || (json_is_string(v) && n > 3))
        return xerr(x, c->pos, c->text, "error calling slice: too many slice indexes: %zu", n - 1);
    size_t len = json_is_string(v) ? json_string_length(v) : json_array_size(v);
    long long idx[3] = {0, (long long)len, (long long)len};
    for (size_t i = 1; i < n; i++) {
        if (!as_int(args[i], &idx[i - 1]))
            return xerr(x, c->pos, c->text,
                        "error calling slice: cannot index slice/array with "
                        "type %s",
                        go_type(args[i]));
        if (idx[i - 1] < 0 || idx[i - 1] > (long long)len)
            return xerr(x, c->pos, c->text, "error calling slice: index out of range: %lld",
                        idx[i - 1]);
    }
    if (n < 3)
        idx[1] = (long long)len;
    if (idx[0] > idx[1] || (n == 4 && idx[1] > idx[2]))
        return xerr(x, c->pos, c->text, "error calling slice: invalid slice index: %lld > %lld",
                    idx[0], idx[1]);
    if (json_is_string(v)) {
        *out = str_new(json_string_value(v) + idx[0], (size_t)(idx[1] - idx[0]));
    } else {
        *out = json_array();
        for (long long i = idx[0]; i < idx[1]; i++)
            json_array_append(*out, json_array_get(v, (size_t)i));
    }
    return 0;
}

/* strings.Title: upper-case the first letter of each space-separated word
 * (ASCII; other bytes are kept). */
static void title_case(char *s, size_t n)
{
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (start && ch >= 'a' && ch <= 'z')
            s[i] = (char)(ch - 'a' + 'A');
        start = !(isalnum(ch) || ch == '_' || ch == '\'' || ch >= 0x80);
    }
}

static void html_escape(struct strbuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<':
            sb_add(b, "&lt;");
            break;
        case '>':
            sb_add(b, "&gt;");
            break;
        case '&':
            sb_add(b, "&amp;");
            break;
        case '"':
            sb_add(b, "&#34;");
            break;
        case '\'':
            sb_add(b, "&#39;");
            break;
        case '\0':
            sb_add(b, "\xef\xbf\xbd");
            break;
        default:
            sb_addc(b, s[i]);
        }
    }
}

/* fmt.Sprint: spaces only between operands when neither is a string. */
static void sprint(struct strbuf *b, json_t **args, size_t n, bool ln)
{
    for (size_t i = 0; i < n; i++) {
        if (i && (ln || (!json_is_string(args[i]) && !json_is_string(args[i - 1]))))
            sb_addc(b, ' ');
        print_value(b, args[i], false);
    }
    if (ln)
        sb_addc(b, '\n');
}

static const struct fninfo {
    const char *name;
    int min, max; /* argument counts; -1 = any */
} fninfo[] = {
    {"and", 1, -1},   {"or", 1, -1},    {"not", 1, 1},      {"len", 1, 1},      {"index", 1, -1},
    {"slice", 1, -1}, {"print", 0, -1}, {"printf", 1, -1},  {"println", 0, -1}, {"eq", 1, -1},
    {"ne", 2, 2},     {"lt", 2, 2},     {"le", 2, 2},       {"gt", 2, 2},       {"ge", 2, 2},
    {"json", 1, 1},   {"join", 2, 2},   {"split", 2, 2},    {"upper", 1, 1},    {"lower", 1, 1},
    {"title", 1, 1},  {"pad", 3, 3},    {"truncate", 2, 2}, {"html", 0, -1},    {"urlquery", 0, -1},
    {"js", 0, -1},
};

static bool header_passthrough(const char *name)
{
    /* docker's HeaderFunctions replace these with "return the first
     * argument" when it renders the header row. */
    static const char *const h[] = {"json",  "split", "join",     "title", "lower",
                                    "upper", "pad",   "truncate", NULL};
    for (const char *const *p = h; *p; p++)
        if (strcmp(*p, name) == 0)
            return true;
    return false;
}

static int call_function(struct exec *x, json_t *dot, const struct cmd *c, json_t *final,
                         bool has_final, json_t **out)
{
    const char *name = c->args[0].name;
    size_t nargs = c->nargs - 1 + (has_final ? 1 : 0);
    const struct fninfo *fi = NULL;
    for (size_t i = 0; i < sizeof(fninfo) / sizeof(fninfo[0]); i++)
        if (strcmp(fninfo[i].name, name) == 0)
            fi = &fninfo[i];
    if (!fi)
        return xerr(x, c->pos, c->text, "function \"%s\" not defined", name);
    if ((int)nargs < fi->min || (fi->max >= 0 && (int)nargs > fi->max))
        return xerr(x, c->pos, c->text, "wrong number of args for %s: want %d got %zu", name,
                    fi->min, nargs);

    /* and/or evaluate lazily, returning the deciding operand. */
    if (strcmp(name, "and") == 0 || strcmp(name, "or") == 0) {
        bool is_and = name[0] == 'a';
        json_t *v = NULL;
        for (size_t i = 0; i < nargs; i++) {
            json_decref(v);
            v = NULL;
            if (i + 1 < c->nargs) {
                if (eval_arg(x, dot, &c->args[i + 1], &v) < 0)
                    return -1;
            } else {
                v = json_incref(final);
            }
            if (truthy(v) != is_and)
                break;
        }
        *out = v;
        return 0;
    }

    struct fargs fa = {xcalloc(nargs + 1, sizeof(json_t *)), 0};
    for (size_t i = 1; i < c->nargs; i++) {
        if (eval_arg(x, dot, &c->args[i], &fa.v[fa.n]) < 0) {
            fargs_free(&fa);
            return -1;
        }
        fa.n++;
    }
    if (has_final)
        fa.v[fa.n++] = json_incref(final);
    json_t **a = fa.v;
    int r = 0;
    struct strbuf b = STRBUF_INIT;
    size_t sl;

    if (x->header && header_passthrough(name)) {
        *out = json_incref(a[0]);
    } else if (strcmp(name, "not") == 0) {
        *out = json_boolean(!truthy(a[0]));
    } else if (strcmp(name, "len") == 0) {
        json_t *v = nonnull(a[0]);
        if (!v)
            r = xerr(x, c->pos, c->text,
                     "error calling len: reflect: call of reflect.Value.Type on zero Value");
        else if (json_is_string(v))
            *out = json_integer((json_int_t)json_string_length(v));
        else if (json_is_array(v))
            *out = json_integer((json_int_t)json_array_size(v));
        else if (json_is_object(v))
            *out = json_integer((json_int_t)json_object_size(v));
        else
            r = xerr(x, c->pos, c->text, "error calling len: len of type %s", go_type(v));
    } else if (strcmp(name, "index") == 0) {
        r = fn_index(x, c, a, nargs, out);
    } else if (strcmp(name, "slice") == 0) {
        r = fn_slice(x, c, a, nargs, out);
    } else if (strcmp(name, "print") == 0 || strcmp(name, "println") == 0) {
        sprint(&b, a, nargs, name[5] == 'l');
        *out = str_new(b.s ? b.s : "", b.len);
    } else if (strcmp(name, "printf") == 0) {
        r = fn_printf(x, c, a, nargs, out);
    } else if (name[0] == 'e' && name[1] == 'q') {
        /* eq a b c...: a == b || a == c ... */
        bool any = false;
        if (nargs < 2)
            r = xerr(x, c->pos, c->text, "error calling eq: missing argument for comparison");
        for (size_t i = 1; r == 0 && i < nargs && !any; i++) {
            int cmp;
            r = compare(x, c, "eq", a[0], a[i], &cmp);
            any = r == 0 && cmp == 0;
        }
        if (r == 0)
            *out = json_boolean(any);
    } else if (strcmp(name, "ne") == 0 || strcmp(name, "lt") == 0 || strcmp(name, "le") == 0 ||
               strcmp(name, "gt") == 0 || strcmp(name, "ge") == 0) {
        int cmp;
        r = compare(x, c, name, a[0], a[1], &cmp);
        if (r == 0) {
            bool res = name[0] == 'n'   ? cmp != 0
                       : name[0] == 'l' ? (name[1] == 't' ? cmp < 0 : cmp <= 0)
                                        : (name[1] == 't' ? cmp > 0 : cmp >= 0);
            *out = json_boolean(res);
        }
    } else if (strcmp(name, "json") == 0) {
        json_encode(&b, a[0]);
        *out = str_new(b.s, b.len);
    } else if (strcmp(name, "join") == 0) {
        json_t *arr = nonnull(a[0]);
        if (arr && !json_is_array(arr))
            r = xerr(x, c->pos, c->text, "wrong type for value; expected []string; got %s",
                     go_type(arr));
        for (size_t i = 0; r == 0 && arr && i < json_array_size(arr); i++) {
            json_t *e = json_array_get(arr, i);
            if (!json_is_string(e)) {
                r = xerr(x, c->pos, c->text,
                         "wrong type for value; expected []string; got "
                         "[]interface {}");
                break;
            }
            if (i)
                sb_addn(&b, json_string_value(a[1]), json_string_length(a[1]));
            sb_addn(&b, json_string_value(e), json_string_length(e));
        }
        if (r == 0 && (r = need_string(x, c, a[1])) == 0)
            *out = str_new(b.s ? b.s : "", b.len);
    } else if (strcmp(name, "split") == 0) {
        if ((r = need_string(x, c, a[0])) == 0 && (r = need_string(x, c, a[1])) == 0) {
            size_t n, sepn;
            const char *s = sval(a[0], &n), *sep = sval(a[1], &sepn);
            *out = json_array();
            if (sepn == 0) {
                /* strings.Split with "" splits into UTF-8 sequences. */
                for (size_t i = 0; i < n;) {
                    size_t rl;
                    utf8_decode((const unsigned char *)s + i, n - i, &rl);
                    json_array_append_new(*out, str_new(s + i, rl));
                    i += rl;
                }
            } else {
                size_t start = 0;
                for (size_t i = 0; i + sepn <= n;) {
                    if (memcmp(s + i, sep, sepn) == 0) {
                        json_array_append_new(*out, str_new(s + start, i - start));
                        i += sepn;
                        start = i;
                    } else {
                        i++;
                    }
                }
                json_array_append_new(*out, str_new(s + start, n - start));
            }
        }
    } else if (strcmp(name, "upper") == 0 || strcmp(name, "lower") == 0 ||
               strcmp(name, "title") == 0) {
        if ((r = need_string(x, c, a[0])) == 0) {
            const char *s = sval(a[0], &sl);
            sb_addn(&b, s, sl);
            if (name[0] == 't' && b.len)
                title_case(b.s, b.len);
            else
                for (size_t i = 0; i < b.len; i++)
                    b.s[i] = (char)(name[0] == 'u' ? toupper((unsigned char)b.s[i])
                                                   : tolower((unsigned char)b.s[i]));
            *out = str_new(b.s ? b.s : "", b.len);
        }
    } else if (strcmp(name, "pad") == 0) {
        long long pre, post;
        if ((r = need_string(x, c, a[0])) == 0 && (r = need_int(x, c, a[1], &pre)) == 0 &&
            (r = need_int(x, c, a[2], &post)) == 0) {
            if (pre < 0 || post < 0)
                r = xerr(x, c->pos, c->text, "error calling pad: strings: negative Repeat count");
            else if (pre > MAX_OUTPUT || post > MAX_OUTPUT)
                r = xerr(x, c->pos, c->text, "output too large");
            if (r == 0) {
                sb_addrep(&b, ' ', (size_t)pre);
                const char *s = sval(a[0], &sl);
                sb_addn(&b, s, sl);
                sb_addrep(&b, ' ', (size_t)post);
                *out = str_new(b.s, b.len);
            }
        }
    } else if (strcmp(name, "truncate") == 0) {
        long long len;
        if ((r = need_string(x, c, a[0])) == 0 && (r = need_int(x, c, a[1], &len)) == 0) {
            const char *s = sval(a[0], &sl);
            /* docker's truncateWithLength counts bytes; a negative length
             * panics in Go, an error here. */
            if (len < 0)
                r = xerr(x, c->pos, c->text,
                         "error calling truncate: runtime error: slice bounds out of range [:%lld]",
                         len);
            else
                *out = str_new(s, (unsigned long long)len < sl ? (size_t)len : sl);
        }
    } else if (strcmp(name, "html") == 0 || strcmp(name, "urlquery") == 0 ||
               strcmp(name, "js") == 0) {
        struct strbuf tmp = STRBUF_INIT;
        if (nargs == 1 && json_is_string(a[0]))
            sb_addn(&tmp, json_string_value(a[0]), json_string_length(a[0]));
        else
            sprint(&tmp, a, nargs, false);
        if (name[0] == 'h') {
            html_escape(&b, tmp.s ? tmp.s : "", tmp.len);
        } else if (name[0] == 'u') {
            for (size_t i = 0; i < tmp.len; i++) {
                unsigned char ch = (unsigned char)tmp.s[i];
                if (isalnum(ch) || strchr("-_.~", ch))
                    sb_addc(&b, (char)ch);
                else if (ch == ' ')
                    sb_addc(&b, '+');
                else
                    sb_printf(&b, "%%%02X", ch);
            }
        } else {
            for (size_t i = 0; i < tmp.len; i++) {
                unsigned char ch = (unsigned char)tmp.s[i];
                if (strchr("\\'\"", ch) && ch)
                    sb_printf(&b, "\\%c", ch);
                else if (strchr("<>&=", ch) && ch)
                    sb_printf(&b, "\\u%04X", ch);
                else if (ch < 0x20)
                    sb_printf(&b, "\\u%04X", ch);
                else
                    sb_addc(&b, (char)ch);
            }
        }
        sb_free(&tmp);
        *out = str_new(b.s ? b.s : "", b.len);
    }
    sb_free(&b);
    fargs_free(&fa);
    return r;
}

/* ---- printf ------------------------------------------------------------- */

struct spec {
    bool minus, plus, space, zero, sharp;
    int width, prec; /* -1 = not given */
};

static void pad_out(struct strbuf *b, const struct spec *s, const char *txt, size_t n, bool numeric)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)txt[i] & 0xC0) != 0x80)
            w++;
    size_t pad = s->width > 0 && (size_t)s->width > w ? (size_t)s->width - w : 0;
    if (s->minus) {
        sb_addn(b, txt, n);
        sb_addrep(b, ' ', pad);
    } else if (s->zero && numeric) {
        size_t sign = n && (txt[0] == '-' || txt[0] == '+' || txt[0] == ' ') ? 1 : 0;
        sb_addn(b, txt, sign);
        sb_addrep(b, '0', pad);
        sb_addn(b, txt + sign, n - sign);
    } else {
        sb_addrep(b, ' ', pad);
        sb_addn(b, txt, n);
    }
}

/* One C conversion for a number, the format built from the parsed flags
 * (width is applied afterwards by pad_out, as Go counts it in runes). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void c_format(struct strbuf *b, const struct spec *s, char verb, int kind, long long iv,
                     unsigned long long uv, double dv)
{
    char prec[16] = "";
    if (s->prec >= 0)
        snprintf(prec, sizeof(prec), ".%d", s->prec);
    char f[48];
    snprintf(f, sizeof(f), "%%%s%s%s%s%s%c", s->plus ? "+" : "", s->space ? " " : "",
             s->sharp ? "#" : "", prec, kind == 2 ? "" : "ll", verb);
    char *out = NULL;
    int n = kind == 0   ? asprintf(&out, f, iv)
            : kind == 1 ? asprintf(&out, f, uv)
                        : asprintf(&out, f, dv);
    if (n < 0)
        abort();
    sb_addn(b, out, (size_t)n);
    free(out);
}
#pragma GCC diagnostic pop

static void bad_verb(struct strbuf *b, char verb, json_t *v)
{
    if (!nonnull(v)) {
        sb_printf(b, "%%!%c(<nil>)", verb);
        return;
    }
    sb_printf(b, "%%!%c(%s=", verb, go_type(v));
    print_value(b, v, false);
    sb_addc(b, ')');
}

static void fmt_one(struct strbuf *b, const struct spec *s, char verb, json_t *v)
{
    v = nonnull(v);
    /* fmt applies a verb other than %v to each element and key. */
    if (verb != 'v' && v && json_is_array(v)) {
        sb_addc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                sb_addc(b, ' ');
            fmt_one(b, s, verb, json_array_get(v, i));
        }
        sb_addc(b, ']');
        return;
    }
    if (verb != 'v' && v && json_is_object(v)) {
        size_t n;
        _cleanup_free_ const char **keys = sorted_keys(v, &n);
        sb_add(b, "map[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_addc(b, ' ');
            json_t *k = str_new(keys[i], strlen(keys[i]));
            fmt_one(b, s, verb, k);
            json_decref(k);
            sb_addc(b, ':');
            fmt_one(b, s, verb, json_object_get(v, keys[i]));
        }
        sb_addc(b, ']');
        return;
    }
    struct strbuf t = STRBUF_INIT;
    long long iv;
    bool numeric = false;
    switch (verb) {
    case 'v':
        if (v && json_is_real(v) && !as_int(v, &iv)) {
            add_float(&t, json_real_value(v));
            numeric = true;
        } else {
            print_value(&t, v, false);
            numeric = v && json_is_number(v);
        }
        break;
    case 's':
    case 'q':
        if (v && json_is_string(v)) {
            size_t n = json_string_length(v);
            const char *sv = json_string_value(v);
            if (s->prec >= 0) {
                /* Precision truncates to that many runes. */
                size_t runes = 0, i = 0;
                for (; i < n; i++)
                    if (((unsigned char)sv[i] & 0xC0) != 0x80 && runes++ == (size_t)s->prec)
                        break;
                n = i;
            }
            _cleanup_free_ char *cpy = xstrndup(sv, n);
            if (verb == 'q')
                sb_add_quoted(&t, cpy);
            else
                sb_addn(&t, sv, n);
        } else if (verb == 'q' && v && as_int(v, &iv)) {
            sb_addc(&t, '\'');
            put_utf8(&t, (uint32_t)iv);
            sb_addc(&t, '\'');
        } else {
            bad_verb(&t, verb, v);
        }
        break;
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
    case 'c':
    case 'U':
        if (v && json_is_integer(v)) {
            iv = json_integer_value(v);
            if (verb == 'c') {
                put_utf8(&t, (uint32_t)iv);
            } else if (verb == 'U') {
                sb_printf(&t, "U+%04llX", iv);
            } else if (verb == 'b') {
                unsigned long long u =
                    iv < 0 ? 0ULL - (unsigned long long)iv : (unsigned long long)iv;
                char bits[80];
                int k = 79;
                bits[k] = '\0';
                do {
                    bits[--k] = (char)('0' + (u & 1));
                    u >>= 1;
                } while (u);
                sb_printf(&t, "%s%s", iv < 0 ? "-" : "", bits + k);
            } else {
                /* Go prints negative hex/octal with a sign, not two's complement. */
                unsigned long long u =
                    iv < 0 ? 0ULL - (unsigned long long)iv : (unsigned long long)iv;
                struct spec ss = *s;
                if (verb == 'd') {
                    c_format(&t, &ss, 'd', 0, iv, 0, 0);
                } else {
                    ss.plus = ss.space = false;
                    sb_add(&t, iv < 0 ? "-" : s->plus ? "+" : s->space ? " " : "");
                    c_format(&t, &ss, verb, 1, 0, u, 0);
                }
            }
            numeric = true;
        } else if (v && json_is_string(v) && (verb == 'x' || verb == 'X')) {
            const unsigned char *sv = (const unsigned char *)json_string_value(v);
            for (size_t i = 0; i < json_string_length(v); i++)
                sb_printf(&t, verb == 'x' ? "%02x" : "%02X", sv[i]);
        } else {
            bad_verb(&t, verb, v);
        }
        break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
        if (v && json_is_number(v)) {
            double d = json_number_value(v);
            if ((verb == 'g' || verb == 'G') && s->prec < 0) {
                /* Go's %g is the shortest representation, with %e for
                 * exponents < -4 or >= 6. */
                int p = shortest_prec(d);
                char e[64];
                snprintf(e, sizeof(e), "%.*e", p - 1, d);
                int exp10 = atoi(strchr(e, 'e') + 1);
                if (exp10 < -4 || exp10 >= 6) {
                    sb_add(&t, e);
                } else {
                    char fx[400];
                    snprintf(fx, sizeof(fx), "%.*f", p - 1 - exp10 > 0 ? p - 1 - exp10 : 0, d);
                    sb_add(&t, fx);
                }
                if (verb == 'G')
                    for (size_t i = 0; i < t.len; i++)
                        t.s[i] = (char)toupper((unsigned char)t.s[i]);
            } else {
                c_format(&t, s, verb, 2, 0, 0, d);
            }
            numeric = true;
        } else {
            bad_verb(&t, verb, v);
        }
        break;
    case 't':
        if (v && json_is_boolean(v))
            sb_add(&t, json_is_true(v) ? "true" : "false");
        else
            bad_verb(&t, verb, v);
        break;
    default:
        bad_verb(&t, verb, v);
    }
    pad_out(b, s, t.s ? t.s : "", t.len, numeric);
    sb_free(&t);
}

static int fn_printf(struct exec *x, const struct cmd *c, json_t **args, size_t n, json_t **out)
{
    if (!json_is_string(args[0]))
        return xerr(x, c->pos, c->text, "wrong type for value; expected string; got %s",
                    go_type(args[0]));
    size_t fl;
    const char *f = sval(args[0], &fl);
    struct strbuf b = STRBUF_INIT;
    size_t argi = 1;
    for (size_t i = 0; i < fl; i++) {
        if (f[i] != '%') {
            sb_addc(&b, f[i]);
            continue;
        }
        if (++i >= fl) {
            sb_add(&b, "%!(NOVERB)");
            break;
        }
        struct spec s = {.width = -1, .prec = -1};
        for (;; i++) {
            if (i >= fl)
                break;
            if (f[i] == '-')
                s.minus = true;
            else if (f[i] == '+')
                s.plus = true;
            else if (f[i] == ' ')
                s.space = true;
            else if (f[i] == '0')
                s.zero = !s.minus;
            else if (f[i] == '#')
                s.sharp = true;
            else
                break;
        }
        /* Go's parsenum gives up above 1e6 and skips to the end of the
         * format, which then reads as a missing verb. */
        bool too_large = false;
        while (i < fl && isdigit((unsigned char)f[i]) && !too_large) {
            s.width = (s.width < 0 ? 0 : s.width) * 10 + (f[i++] - '0');
            too_large = s.width > MAX_WIDTH;
        }
        if (i < fl && f[i] == '.' && !too_large) {
            i++;
            s.prec = 0;
            while (i < fl && isdigit((unsigned char)f[i]) && !too_large) {
                s.prec = s.prec * 10 + (f[i++] - '0');
                too_large = s.prec > MAX_WIDTH;
            }
        }
        if (i >= fl || too_large) {
            sb_add(&b, "%!(NOVERB)");
            break;
        }
        char verb = f[i];
        if (verb == '%') {
            sb_addc(&b, '%');
            continue;
        }
        if (argi >= n) {
            sb_printf(&b, "%%!%c(MISSING)", verb);
            continue;
        }
        fmt_one(&b, &s, verb, args[argi++]);
        if (b.len > MAX_OUTPUT) {
            sb_free(&b);
            return xerr(x, c->pos, c->text, "output too large");
        }
    }
    if (argi < n) {
        sb_add(&b, "%!(EXTRA ");
        for (size_t k = argi; k < n; k++) {
            sb_printf(&b, "%s%s=", k > argi ? ", " : "", go_type(args[k]));
            print_value(&b, args[k], false);
        }
        sb_addc(&b, ')');
    }
    *out = str_new(b.s ? b.s : "", b.len);
    sb_free(&b);
    return 0;
}

/* ---- commands, pipelines, nodes ----------------------------------------- */

static int eval_cmd(struct exec *x, json_t *dot, const struct cmd *c, json_t *final, bool has_final,
                    json_t **out)
{
    const struct arg *first = &c->args[0];
    *out = NULL;
    if (first->kind == A_IDENT)
        return call_function(x, dot, c, final, has_final, out);
    if (first->kind == A_NIL)
        return xerr(x, first->pos, "nil", "nil is not a command");
    bool fieldish = first->nfields > 0;
    if (c->nargs > 1 || has_final) {
        if (!fieldish)
            return xerr(x, first->pos, first->text, "can't give argument to non-function %s",
                        first->text);
        /* Docker's Go types have methods such as .Label "key"; the JSON
         * data has an object instead, so a one-string-argument call on an
         * object looks the key up. */
        json_t *v = NULL, *key = NULL;
        if (eval_arg(x, dot, first, &v) < 0)
            return -1;
        if (c->nargs == 2 && !has_final && json_is_object(v)) {
            if (eval_arg(x, dot, &c->args[1], &key) < 0) {
                json_decref(v);
                return -1;
            }
            if (json_is_string(key)) {
                json_t *e = json_object_get(v, json_string_value(key));
                *out = e ? json_incref(nonnull(e)) : str_new("", 0);
                json_decref(key);
                json_decref(v);
                return 0;
            }
        }
        json_decref(key);
        json_decref(v);
        return xerr(x, first->pos, first->text, "%s is not a method but has arguments",
                    first->fields[first->nfields - 1]);
    }
    return eval_arg(x, dot, first, out);
}

static int eval_pipe(struct exec *x, json_t *dot, const struct pipe *p, json_t **out)
{
    json_t *v = NULL;
    for (size_t i = 0; i < p->ncmds; i++) {
        json_t *next = NULL;
        int r = eval_cmd(x, dot, &p->cmds[i], v, i > 0, &next);
        json_decref(v);
        if (r < 0)
            return -1;
        v = next;
    }
    for (size_t i = 0; i < p->ndecl; i++) {
        if (p->assign)
            var_set(x, p->decl[i], v);
        else
            var_push(x, p->decl[i], v);
    }
    *out = v;
    return 0;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l);

static int exec_range(struct exec *x, json_t *dot, const struct node *n)
{
    size_t scope = x->nvars;
    json_t *v = NULL;
    /* The pipeline itself must not declare: range binds per iteration. */
    struct pipe pp = *n->pipe;
    pp.ndecl = 0;
    if (eval_pipe(x, dot, &pp, &v) < 0)
        return -1;
    v = nonnull(v) ? v : (json_decref(v), NULL);
    size_t count = 0;
    const char **keys = NULL;
    long long upto = 0;
    if (!v) {
        count = 0;
    } else if (json_is_array(v)) {
        count = json_array_size(v);
    } else if (json_is_object(v)) {
        keys = sorted_keys(v, &count);
    } else if (as_int(v, &upto) && json_is_integer(v)) {
        count = upto > 0 ? (size_t)upto : 0;
    } else {
        struct strbuf b = STRBUF_INIT;
        print_value(&b, v, false);
        int r = xerr(x, n->pipe->pos, n->pipe->text, "range can't iterate over %s", b.s ? b.s : "");
        sb_free(&b);
        json_decref(v);
        return r;
    }
    int r = 0;
    for (size_t i = 0; i < count; i++) {
        if ((r = step(x, n->pos)) < 0)
            break;
        json_t *key, *elem;
        if (keys) {
            key = str_new(keys[i], strlen(keys[i]));
            elem = json_incref(nonnull(json_object_get(v, keys[i])));
        } else {
            key = json_integer((json_int_t)i);
            elem = json_is_array(v) ? json_incref(nonnull(json_array_get(v, i))) : json_incref(key);
        }
        size_t iter_scope = x->nvars;
        if (n->pipe->ndecl == 1) {
            var_push(x, n->pipe->decl[0], elem);
        } else if (n->pipe->ndecl == 2) {
            var_push(x, n->pipe->decl[0], key);
            var_push(x, n->pipe->decl[1], elem);
        }
        r = exec_list(x, elem, &n->list);
        vars_pop(x, iter_scope);
        json_decref(key);
        json_decref(elem);
        if (r < 0)
            break;
        if (x->ctl == CTL_BREAK) {
            x->ctl = CTL_NONE;
            break;
        }
        x->ctl = CTL_NONE;
    }
    free(keys);
    if (r == 0 && count == 0)
        r = exec_list(x, dot, &n->elselist);
    json_decref(v);
    vars_pop(x, scope);
    return r;
}

static int exec_list(struct exec *x, json_t *dot, const struct list *l)
{
    for (size_t i = 0; i < l->n && x->ctl == CTL_NONE; i++) {
        const struct node *n = &l->nodes[i];
        if (step(x, n->pos) < 0)
            return -1;
        switch (n->kind) {
        case N_TEXT:
            sb_addn(&x->out, n->text, n->len);
            break;
        case N_ACTION: {
            json_t *v = NULL;
            if (eval_pipe(x, dot, n->pipe, &v) < 0)
                return -1;
            if (n->pipe->ndecl == 0)
                print_value(&x->out, v, true);
            json_decref(v);
            break;
        }
        case N_IF:
        case N_WITH: {
            size_t scope = x->nvars;
            json_t *v = NULL;
            if (eval_pipe(x, dot, n->pipe, &v) < 0)
                return -1;
            int r;
            if (truthy(v))
                r = exec_list(x, n->kind == N_WITH ? v : dot, &n->list);
            else
                r = exec_list(x, dot, &n->elselist);
            json_decref(v);
            vars_pop(x, scope);
            if (r < 0)
                return -1;
            break;
        }
        case N_RANGE:
            if (exec_range(x, dot, n) < 0)
                return -1;
            break;
        case N_BREAK:
            x->ctl = CTL_BREAK;
            break;
        case N_CONTINUE:
            x->ctl = CTL_CONTINUE;
            break;
        }
    }
    return 0;
}

static int run(const struct tmpl *t, json_t *data, bool header,
               const char *(*header_for)(const char *), char **out, struct md_error *err)
{
    struct exec x = {.t = t, .root = data, .err = err, .header = header, .header_for = header_for};
    var_push(&x, "$", header ? NULL : data);
    int r = exec_list(&x, data, &t->root);
    vars_pop(&x, 0);
    free(x.vars);
    if (r < 0 && !header) {
        sb_free(&x.out);
        *out = NULL;
        return -1;
    }
    *out = sb_steal(&x.out);
    return r;
}

int tmpl_render(const struct tmpl *t, json_t *data, char **out, struct md_error *err)
{
    *out = NULL;
    if (!t)
        return md_err(err, MD_EINVAL, "template: no template");
    /* The error context is needed to tell nested failures apart. */
    struct md_error local = {0};
    int r = run(t, data, false, NULL, out, err ? err : &local);
    md_err_clear(&local);
    return r;
}

char *tmpl_render_header(const struct tmpl *t, const char *(*header_for)(const char *field))
{
    if (!t)
        return xstrdup("");
    /* docker ignores errors while rendering the header and keeps what was
     * written before the failure. */
    struct md_error e = {0};
    char *out = NULL;
    json_t *empty = json_object();
    run(t, empty, true, header_for, &out, &e);
    json_decref(empty);
    md_err_clear(&e);
    return out ? out : xstrdup("");
}
