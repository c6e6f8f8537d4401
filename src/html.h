/* html.h - the HTML report (one self-contained file: scripts, styles and data inline) and serve's live page, both drawn by the built-in page script with uPlot. */
#ifndef PT_HTML_H
#define PT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "model.h"
#include "report.h"

/* What a report page shows. The tables are CSV text as the CSV output
 * writes it (header included): the page shows the CSV's own cells, so its
 * numbers are the CSV's. */
struct pt_html_doc {
	const char *kind;         /* "report", "batch" or "export" */
	const char *title;        /* shown as the page's heading */
	bool by_device;           /* rows are device rows */
	const char *rows_csv;     /* the table */
	const char *devices_csv;  /* device rows (TDPs and their sources), or NULL */
	const char *series_csv;   /* export rows for the charts over time, or NULL */
	const char *const *notes; /* the model's assumptions, one sentence each */
	size_t nnotes;
};

/* Appends the whole self-contained HTML document. */
int pt_html_report(struct pt_buf *out, const struct pt_html_doc *d, struct pt_error *err) PT_WUR;

/* serve's page: an HTML shell that loads the assets below from the same
 * origin and draws from /report.csv and /export.csv. */
int pt_html_live(struct pt_buf *out, struct pt_error *err) PT_WUR;
/* The Content-Security-Policy serve sends with the page and its assets. */
extern const char pt_html_live_csp[];

/* An asset of the live page by its path ("/assets/uplot.js", ...): its bytes
 * and Content-Type; false when there is none. */
bool pt_html_asset(const char *path, const unsigned char **data, size_t *len, const char **type);

/* The model's assumptions from ctx's configuration (PUE, carbon intensity
 * and where each came from, RAM power, the default TDPs), as sentences the
 * caller frees with pt_html_notes_free. */
int pt_html_notes(char ***notes, size_t *n, const struct pt_ctx *ctx, struct pt_error *err) PT_WUR;
void pt_html_notes_free(char **notes, size_t n);

/* Export rows (CSV, header included) of nodes over start..end with a step
 * giving at most about 500 points per node, for a report's charts; *csv is
 * malloc'd (caller frees), NULL when the window is too short for a series.
 * PT_ENET when Prometheus fails. */
int pt_html_series(char **csv, struct pt_ctx *ctx, int64_t start_ms, int64_t end_ms,
		const char *const *nodes, size_t nnodes, struct pt_error *err) PT_WUR;

/* report and run with --format html: rows (node rows, or devices with
 * by_device), their devices, the series over the window and the notes,
 * written to path (NULL or "-" = stdout), replaced atomically. When
 * Prometheus fails on the series, the page has a note instead of them. */
int pt_html_emit_rows(struct pt_ctx *ctx, const struct pt_row *rows, size_t n, bool by_device,
		const char *title, const char *path, struct pt_error *err) PT_WUR;

/* Appends the file at csv_path (CSV with header: batch or export rows) to
 * a page and writes it to path, replaced atomically. */
int pt_html_emit_csv(struct pt_ctx *ctx, const char *kind, const char *title,
		const char *csv_path, const char *path, struct pt_error *err) PT_WUR;

/* A new empty file under $TMPDIR, its name in path: where batch and export
 * write their CSV before it becomes a page. PT_EWRITE when it cannot. */
int pt_html_tmp_file(char *path, size_t size, struct pt_error *err) PT_WUR;

#endif
