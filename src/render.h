/* render.h - rows in an output format (CSV, table, JSON), and the one place that puts header, rows and destination together. doc/reference.md §7. */
#ifndef PT_RENDER_H
#define PT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "error.h"
#include "model.h"

enum pt_format { PT_FMT_CSV, PT_FMT_TABLE, PT_FMT_JSON, PT_FMT_HTML };

/* Parses "csv" / "table" / "json" / "html"; -1 when unknown. */
int pt_format_parse(const char *s);

/* Appends rows (node rows, or with by_device their devices) in the format:
 * a whole document, the CSV header included. */
int pt_render_rows(struct pt_buf *out, enum pt_format fmt, bool by_device,
		const struct pt_row *rows, size_t n, struct pt_error *err) PT_WUR;

/* Where rows go: a file (replaced atomically, or with append added under
 * its header while holding its lock), standard output (NULL or "-"), or a
 * database URI (sink.h: upserted in one transaction). */
struct pt_dest {
	const char *path;
	bool append;                /* files, CSV only (PT_EUSAGE otherwise) */
	const char *password_file;  /* a database's password, or NULL */
};

/* Writes rows in the format to d. Everything is formatted before the
 * destination is touched: a failure leaves it as it was. A database takes
 * rows, not a format: fmt must be PT_FMT_CSV (the default) there. */
int pt_emit_rows(const struct pt_row *rows, size_t n, enum pt_format fmt, bool by_device,
		const struct pt_dest *d, struct pt_error *err) PT_WUR;

#endif
