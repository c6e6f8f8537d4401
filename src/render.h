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

/* Writes rows in the format to path (NULL or "-" = stdout), replacing it
 * atomically, or with append (CSV only: PT_EUSAGE otherwise) adding them
 * under the file's header while holding its lock. Everything is formatted
 * before the destination is touched: a failure leaves it as it was. */
int pt_emit_rows(const struct pt_row *rows, size_t n, enum pt_format fmt, bool by_device,
		const char *path, bool append, struct pt_error *err) PT_WUR;

#endif
