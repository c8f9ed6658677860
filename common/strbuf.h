/* Growable byte buffer used by the text producers in common/ (template,
 * tabwriter, filters); always NUL-terminated, aborts on out-of-memory. */
#pragma once
#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *s; /* NULL until the first append */
    size_t len;
    size_t cap;
};

#define STRBUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void sb_addn(struct strbuf *b, const char *s, size_t n);
void sb_add(struct strbuf *b, const char *s);
void sb_addc(struct strbuf *b, char c);
/* Append c n times (padding). */
void sb_addrep(struct strbuf *b, char c, size_t n);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the string to the caller ("" when nothing was added); b is reset. */
char *sb_steal(struct strbuf *b);
void sb_free(struct strbuf *b);
static inline void cleanup_sbp(struct strbuf *b)
{
    sb_free(b);
}
#define _cleanup_sb_ __attribute__((cleanup(cleanup_sbp)))

/* Append s quoted the way Go's %q / strconv.Quote does for ASCII (docker's
 * messages quote names with it); bytes >= 0x80 are copied unchanged. */
void sb_add_quoted(struct strbuf *b, const char *s);
