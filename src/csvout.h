/* csvout.h - CSV rows (doc/reference.md §7) with libcsv quoting, formula guard, atomic replace and locked append. */
#ifndef PT_CSVOUT_H
#define PT_CSVOUT_H

#include <stdbool.h>
#include <stdio.h>
#include "buf.h"
#include "error.h"
#include "model.h"
#include "schema.h"

/* Appends one CSV field (quoted when needed, ' prefixed when it would start
 * with = + - @), preceded by a comma unless first. */
int pt_csv_field(struct pt_buf *out, const char *s, bool first, struct pt_error *err) PT_WUR;
/* Appends s as a CSV cell holds it once read back: with the formula guard's
 * ' before = + - @, unquoted (what --resume compares with). */
int pt_csv_guarded(struct pt_buf *out, const char *s, struct pt_error *err) PT_WUR;
/* Number field, preceded by a comma: empty when not finite; `decimals` fixed
 * digits after the point, as printf's "%.*f" (no "-0.000"). */
int pt_csv_num(struct pt_buf *out, double v, int decimals, struct pt_error *err) PT_WUR;
/* printf's "%.*f" of v into buf (NUL-terminated), its length returned, without
 * printf's cost for the usual magnitudes: an export writes millions of
 * numbers. decimals 0..9. */
size_t pt_fixed(char *buf, size_t size, double v, int decimals);

/* Appends one CSV line of the row r in the columns of schema s. */
int pt_csv_row(struct pt_buf *out, const struct pt_schema *s, const struct pt_rowref *r,
		struct pt_error *err) PT_WUR;
/* Appends the CSV lines (no header) of rows: one per row, or for
 * pt_schema_device one per device of each row. */
int pt_csv_rows(struct pt_buf *out, const struct pt_schema *s, const struct pt_row *rows,
		size_t n, struct pt_error *err) PT_WUR;

/* An output destination: stdout, FILE replaced atomically, or FILE appended under lock. */
struct pt_out;

/* path NULL = stdout. With append, takes an exclusive lock on the file (created
 * if absent) and writes `header` only when the file is empty; an existing
 * header that differs is PT_EUSAGE. Without append, writes to a temporary file
 * beside path, renamed over it by pt_out_commit. PT_EWRITE on failure. */
int pt_out_open(struct pt_out **out, const char *path, bool append, const char *header,
		struct pt_error *err) PT_WUR;
/* Whether path ("-" or NULL: stdout) can be written as pt_out_open would:
 * PT_EWRITE if not, so a command can say so before running. */
int pt_out_check(const char *path, bool append, struct pt_error *err) PT_WUR;
/* 1 when path is written in place, not replaced: stdout ("-", NULL), a
 * device, a pipe, anything under /dev or /proc (/dev/stdout). */
int pt_out_in_place(const char *path);
int pt_out_write(struct pt_out *o, const char *data, size_t len, struct pt_error *err) PT_WUR;
/* Flushes, fsyncs, renames / unlocks. PT_EWRITE on any failure (full disk). */
int pt_out_commit(struct pt_out *o, struct pt_error *err) PT_WUR;
/* Abandons: removes the temporary file, unlocks; frees. NULL ok. After commit it only frees. */
void pt_out_free(struct pt_out *o);

#endif
