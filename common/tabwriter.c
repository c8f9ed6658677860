/* Column alignment like Go's text/tabwriter (see tabwriter.h). Go computes
 * block widths recursively, one column per level; a block of column c is
 * always a maximal run of lines with more than c terminated cells, so one
 * pass over the lines with a stack of open blocks gives the same widths
 * without recursion (a line with 100k tabs must not blow the stack). */
#include "common/tabwriter.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#include <stdlib.h>
#include <string.h>

enum { TW_MINWIDTH = 10, TW_PADDING = 3 };

struct tabwriter {
    struct strbuf in;
};

struct tw_cell {
    size_t off, len; /* bytes in the input */
    size_t width;    /* UTF-8 characters */
    size_t block;
};

struct tabwriter *tw_new(void)
{
    return xcalloc(1, sizeof(struct tabwriter));
}

void tw_write(struct tabwriter *tw, const char *text)
{
    if (text)
        sb_add(&tw->in, text);
}

static size_t utf8_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

char *tw_flush(struct tabwriter *tw)
{
    const char *s = tw->in.s ? tw->in.s : "";
    size_t n = tw->in.len;
    struct tw_cell *cells = NULL;
    size_t ncells = 0, cap = 0;
    size_t *line_start = NULL; /* index of each line's first cell; one extra at the end */
    size_t nlines = 0, lcap = 0;
    size_t *block_width = NULL;
    size_t nblocks = 0, bcap = 0;
    size_t *open = NULL; /* open block per column */
    size_t nopen = 0, ocap = 0;

    size_t pos = 0;
    while (pos < n) {
        size_t eol = pos;
        while (eol < n && s[eol] != '\n')
            eol++;
        if (nlines + 2 > lcap) {
            lcap = lcap ? lcap * 2 : 16;
            line_start = xrealloc(line_start, lcap * sizeof(*line_start));
        }
        line_start[nlines++] = ncells;
        size_t terminated = 0;
        for (size_t c = pos;;) {
            size_t e = c;
            while (e < eol && s[e] != '\t')
                e++;
            if (ncells == cap) {
                cap = cap ? cap * 2 : 64;
                cells = xrealloc(cells, cap * sizeof(*cells));
            }
            cells[ncells++] = (struct tw_cell){c, e - c, utf8_width(s + c, e - c), 0};
            if (e == eol)
                break;
            terminated++;
            c = e + 1;
        }
        /* Columns this line has no terminated cell in end their blocks. */
        if (nopen > terminated)
            nopen = terminated;
        for (size_t c = 0; c < terminated; c++) {
            if (c == nopen) {
                if (nblocks == bcap) {
                    bcap = bcap ? bcap * 2 : 16;
                    block_width = xrealloc(block_width, bcap * sizeof(*block_width));
                }
                block_width[nblocks] = TW_MINWIDTH;
                if (nopen == ocap) {
                    ocap = ocap ? ocap * 2 : 16;
                    open = xrealloc(open, ocap * sizeof(*open));
                }
                open[nopen++] = nblocks++;
            }
            struct tw_cell *cell = &cells[line_start[nlines - 1] + c];
            cell->block = open[c];
            if (cell->width + TW_PADDING > block_width[open[c]])
                block_width[open[c]] = cell->width + TW_PADDING;
        }
        pos = eol + 1; /* past the '\n'; a missing final newline ends the loop */
    }
    if (line_start)
        line_start[nlines] = ncells;

    struct strbuf out = STRBUF_INIT;
    for (size_t l = 0; l < nlines; l++) {
        size_t first = line_start[l], last = line_start[l + 1] - 1;
        for (size_t i = first; i <= last; i++) {
            sb_addn(&out, s + cells[i].off, cells[i].len);
            if (i < last)
                sb_addrep(&out, ' ', block_width[cells[i].block] - cells[i].width);
        }
        /* Go writes no newline after a final line that had none. */
        if (l + 1 < nlines || (n > 0 && s[n - 1] == '\n'))
            sb_addc(&out, '\n');
    }
    free(cells);
    free(line_start);
    free(block_width);
    free(open);
    sb_free(&tw->in);
    return sb_steal(&out);
}

void tw_free(struct tabwriter *tw)
{
    if (!tw)
        return;
    sb_free(&tw->in);
    free(tw);
}
