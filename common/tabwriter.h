/* Go's text/tabwriter as docker's CLI configures it for tables:
 * NewWriter(out, minwidth 10, tabwidth 1, padding 3, ' ', 0). Cells end with
 * '\t'; the text after a line's last tab is not part of a column; a column
 * block is a run of consecutive lines that have a cell in that column, and
 * its width is max(cell width + 3, 10) counted in UTF-8 characters. */
#pragma once

struct tabwriter;

struct tabwriter *tw_new(void);
/* Buffer text; lines may arrive in pieces. */
void tw_write(struct tabwriter *tw, const char *text);
/* Align everything written so far and return it (caller frees); the writer
 * is empty afterwards and can be reused. */
char *tw_flush(struct tabwriter *tw);
void tw_free(struct tabwriter *tw);
