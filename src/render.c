/* render.c - rows as CSV, a table for people or JSON for scripts, all read through the row schema; and pt_emit_rows, which writes them to their destination. */
#include "render.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "html.h"
#include "schema.h"
#include "sink.h"
#include "timefmt.h"

int pt_format_parse(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return PT_FMT_CSV;
	if (strcmp(s, "table") == 0)
		return PT_FMT_TABLE;
	if (strcmp(s, "json") == 0)
		return PT_FMT_JSON;
	if (strcmp(s, "html") == 0)
		return PT_FMT_HTML;
	return -1;
}

static struct pt_cell cell_of(const struct pt_schema *s, const char *name,
		const struct pt_rowref *r)
{
	const struct pt_column *c = pt_schema_column(s, name);
	struct pt_cell v;

	memset(&v, 0, sizeof(v));
	v.num = NAN;
	if (c != NULL)
		c->get(r, &v);
	return v;
}

/* ---- table: for people, with where each figure came from ---- */

/* A table column: a schema column shown with its own title, width and
 * decimals, or (col NULL) the sources in one phrase. */
struct tab_col {
	const char *col;
	const char *title;
	const char *sep;    /* before the cell */
	int width;          /* -1: as wide as the widest cell */
	int decimals;
	unsigned flags;
};
#define TAB_LEFT 1u     /* left-aligned text */
#define TAB_CUT 2u      /* text cut at the width */

static const struct tab_col node_view[] = {
	{"node", "node", "", -1, 0, TAB_LEFT},
	{"cpu_util_pct", "cpu%", " ", 6, 1, 0},
	{"ram_used_gib", "ram GiB", " ", 8, 2, 0},
	{"gpu_count", "gpus", " ", 4, 0, 0},
	{"gpu_util_pct", "gpu%", " ", 6, 1, 0},
	{"cpu_power_w", "cpu W", " ", 9, 1, 0},
	{"ram_power_w", "ram W", " ", 9, 1, 0},
	{"gpu_power_w", "gpu W", " ", 9, 1, 0},
	{"other_power_w", "other W", " ", 9, 1, 0},
	{"power_w", "total W", " ", 9, 1, 0},
	{"energy_wh", "energy Wh", " ", 10, 4, 0},
	{"co2_g", "CO2 g", " ", 9, 2, 0},
	{NULL, "cpu / ram / gpu source", "  ", -1, 0, TAB_LEFT},
	{"status", "status", "  ", 0, 0, TAB_LEFT},
};

static const struct tab_col device_view[] = {
	{"node", "node", "", 16, 0, TAB_LEFT},
	{"device", "device", " ", 40, 0, TAB_LEFT},
	{"model", "model", " ", 28, 0, TAB_LEFT | TAB_CUT},
	{"util_pct", "util%", " ", 6, 1, 0},
	{"tdp_watts", "TDP W", " ", 8, 0, 0},
	{"tdp_source", "TDP from", " ", 9, 0, TAB_LEFT},
	{"power_w", "power W", " ", 9, 1, 0},
	{"energy_wh", "energy Wh", " ", 10, 4, 0},
	{"source", "source", " ", 9, 0, TAB_LEFT},
	{"status", "status", " ", 0, 0, TAB_LEFT},
};

/* Where a node row's CPU, RAM and GPU figures came from, in words, and its
 * wall meter when it has one. */
static void source_text(char *src, size_t size, const struct pt_row *r)
{
	const char *gpu = r->gpu_src[0] ? r->gpu_src : pt_source_name(r->gpu_source);
	const char *ram = r->ram_src[0] ? r->ram_src : pt_source_name(r->ram_source);
	const char *wall = r->power_src[0] && strcmp(r->power_src, "sum") != 0 ? r->power_src : NULL;

	if (r->cpu_source == PT_SRC_MODEL)
		snprintf(src, size, "model(TDP %.0f W %s) / %s / %s%s%s", r->cpu_tdp_watts,
				pt_tdp_source_name(r->cpu_tdp_source), ram, gpu, wall ? " / wall " : "",
				wall ? wall : "");
	else
		snprintf(src, size, "%s / %s / %s%s%s", r->cpu_src[0] ? r->cpu_src :
				pt_source_name(r->cpu_source), ram, gpu, wall ? " / wall " : "",
				wall ? wall : "");
}

/* The text of a cell: labels and statuses with what a terminal would act on
 * (escapes, newlines) shown as '?'; "-" when unknown. */
static void tab_text(char *buf, size_t size, const struct tab_col *t, const struct pt_schema *s,
		const struct pt_rowref *r)
{
	struct pt_cell c;
	size_t i;

	if (t->col == NULL) {
		source_text(buf, size, r->row);
		return;
	}
	c = cell_of(s, t->col, r);
	if (c.type == PT_CELL_NUM)
		isfinite(c.num) ? snprintf(buf, size, "%.*f", t->decimals, c.num)
			: snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s", c.text ? c.text : "-");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
}

static int tab_line(struct pt_buf *b, const struct tab_col *view, size_t ncols,
		const int *widths, const struct pt_schema *s, const struct pt_rowref *r,
		struct pt_error *err)
{
	char text[512];
	size_t i;

	for (i = 0; i < ncols; i++) {
		const struct tab_col *t = &view[i];

		if (r == NULL)
			snprintf(text, sizeof(text), "%s", t->title);
		else
			tab_text(text, sizeof(text), t, s, r);
		if (t->flags & TAB_CUT)
			(void)!pt_buf_printf(b, err, "%s%-*.*s", t->sep, widths[i], widths[i], text);
		else if (t->flags & TAB_LEFT)
			(void)!pt_buf_printf(b, err, "%s%-*s", t->sep, widths[i], text);
		else
			(void)!pt_buf_printf(b, err, "%s%*s", t->sep, widths[i], text);
	}
	return pt_buf_append(b, "\n", 1, err);
}

static int table(struct pt_buf *b, bool by_device, const struct pt_row *rows, size_t n,
		struct pt_error *err)
{
	const struct tab_col *view = by_device ? device_view : node_view;
	size_t ncols = by_device ? sizeof(device_view) / sizeof(device_view[0])
		: sizeof(node_view) / sizeof(node_view[0]);
	const struct pt_schema *s = by_device ? &pt_schema_device : &pt_schema_node;
	int widths[16];
	struct pt_rowref ref;
	char text[512];
	size_t i, j, c;
	int rc = PT_OK;

	/* Columns as wide as they say, or as their widest cell (at least 4,
	 * and 16 for the sources). */
	for (c = 0; c < ncols; c++) {
		widths[c] = view[c].width >= 0 ? view[c].width : view[c].col ? 4 : 16;
		if (view[c].width >= 0)
			continue;
		memset(&ref, 0, sizeof(ref));
		for (i = 0; i < n; i++) {
			ref.row = &rows[i];
			tab_text(text, sizeof(text), &view[c], s, &ref);
			if ((int)strlen(text) > widths[c])
				widths[c] = (int)strlen(text);
		}
	}
	if (!by_device && n > 0) {
		char st[40], e[40];

		pt_time_format(st, sizeof(st), rows[0].start_ms);
		pt_time_format(e, sizeof(e), rows[0].end_ms);
		if (rows[0].task) {
			memset(&ref, 0, sizeof(ref));
			ref.row = &rows[0];
			tab_text(text, sizeof(text), &(struct tab_col){"task", "", "", 0, 0, 0}, s, &ref);
			(void)!pt_buf_printf(b, err, "task %s: ", text);
		}
		(void)!pt_buf_printf(b, err, "%s .. %s (%.3f s)\n\n", st, e, rows[0].duration_s);
	}
	rc = tab_line(b, view, ncols, widths, s, NULL, err);
	memset(&ref, 0, sizeof(ref));
	for (i = 0; i < n && rc == PT_OK; i++) {
		ref.row = &rows[i];
		if (!by_device) {
			rc = tab_line(b, view, ncols, widths, s, &ref, err);
			continue;
		}
		for (j = 0; j < rows[i].ndevices && rc == PT_OK; j++) {
			ref.dev = &rows[i].devices[j];
			rc = tab_line(b, view, ncols, widths, s, &ref, err);
		}
	}
	if (rc == PT_OK && !by_device && n > 0)
		rc = pt_buf_printf(b, err, "\nPUE %.2f, carbon intensity %.1f g/kWh\n",
				rows[0].pue, rows[0].carbon_intensity);
	return rc != PT_OK ? rc : err->code;
}

/* ---- json: for scripts ---- */

/* The columns of s as members of o, but those flagged skip. */
static void json_cells(cJSON *o, const struct pt_schema *s, const struct pt_rowref *r,
		unsigned skip)
{
	struct pt_cell c;
	char t[40];
	double uj;
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		const char *k = s->cols[i].name;

		if (s->cols[i].flags & skip)
			continue;
		memset(&c, 0, sizeof(c));
		s->cols[i].get(r, &c);
		switch (c.type) {
		case PT_CELL_TEXT:
			c.text ? cJSON_AddStringToObject(o, k, c.text) : cJSON_AddNullToObject(o, k);
			break;
		case PT_CELL_TIME:
			pt_time_format(t, sizeof(t), c.ms);
			cJSON_AddStringToObject(o, k, t);
			break;
		case PT_CELL_NUM:
			isfinite(c.num) ? cJSON_AddNumberToObject(o, k, c.num) : cJSON_AddNullToObject(o, k);
			break;
		case PT_CELL_UJ:
			pt_energy_uj(c.num, &uj) ? cJSON_AddNumberToObject(o, k, uj)
				: cJSON_AddNullToObject(o, k);
			break;
		}
	}
}

/* An array of node objects, each with its devices nested. */
static int json(struct pt_buf *b, const struct pt_row *rows, size_t n, struct pt_error *err)
{
	cJSON *arr = cJSON_CreateArray();
	struct pt_rowref ref;
	char *text;
	size_t i, j;
	int rc;

	if (arr == NULL)
		return pt_error_oom(err);
	memset(&ref, 0, sizeof(ref));
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *devs;

		if (o == NULL)
			break;
		cJSON_AddItemToArray(arr, o);
		ref.row = &rows[i];
		ref.dev = NULL;
		json_cells(o, &pt_schema_node, &ref, 0);
		devs = cJSON_AddArrayToObject(o, "devices");
		for (j = 0; devs && j < rows[i].ndevices; j++) {
			cJSON *od = cJSON_CreateObject();

			if (od == NULL)
				break;
			cJSON_AddItemToArray(devs, od);
			ref.dev = &rows[i].devices[j];
			json_cells(od, &pt_schema_device, &ref, PT_COL_NODE);
		}
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (text == NULL)
		return pt_error_oom(err);
	rc = pt_buf_printf(b, err, "%s\n", text);
	cJSON_free(text);
	return rc;
}

/* ---- html: the page, without charts over time (pt_html_emit_rows has them) ---- */

static int html(struct pt_buf *b, bool by_device, const struct pt_row *rows, size_t n,
		struct pt_error *err)
{
	struct pt_buf main = {0}, devs = {0};
	struct pt_html_doc d;
	char note[160];
	const char *notes[1] = {note};
	int rc;

	memset(&d, 0, sizeof(d));
	if (n > 0)
		snprintf(note, sizeof(note), "PUE %.3f, carbon intensity %.3f g/kWh.", rows[0].pue,
				rows[0].carbon_intensity);
	if ((rc = pt_render_rows(&main, PT_FMT_CSV, by_device, rows, n, err)) == PT_OK &&
			(by_device || (rc = pt_render_rows(&devs, PT_FMT_CSV, true, rows, n, err)) == PT_OK)) {
		d.kind = "report";
		d.title = "powertest report";
		d.by_device = by_device;
		d.rows_csv = main.data ? main.data : "";
		d.devices_csv = by_device ? NULL : devs.data;
		d.notes = notes;
		d.nnotes = n > 0;
		rc = pt_html_report(b, &d, err);
	}
	pt_buf_free(&main);
	pt_buf_free(&devs);
	return rc;
}

/* ---- together ---- */

int pt_render_rows(struct pt_buf *out, enum pt_format fmt, bool by_device,
		const struct pt_row *rows, size_t n, struct pt_error *err)
{
	const struct pt_schema *s = by_device ? &pt_schema_device : &pt_schema_node;
	int rc;

	switch (fmt) {
	case PT_FMT_CSV:
		if ((rc = pt_buf_append(out, pt_schema_header(s), strlen(pt_schema_header(s)), err))
				!= PT_OK)
			return rc;
		return pt_csv_rows(out, s, rows, n, err);
	case PT_FMT_TABLE:
		return table(out, by_device, rows, n, err);
	case PT_FMT_JSON:
		return json(out, rows, n, err);
	case PT_FMT_HTML:
		return html(out, by_device, rows, n, err);
	}
	return pt_error_set(err, PT_EUSAGE, "unknown output format");
}

static int emit_db(const struct pt_row *rows, size_t n, const struct pt_schema *s,
		const struct pt_dest *d, struct pt_error *err)
{
	struct pt_sink *sink = NULL;
	int rc;

	if ((rc = pt_sink_open(&sink, d->path, d->password_file, err)) == PT_OK &&
			(rc = pt_sink_begin(sink, s, err)) == PT_OK &&
			(rc = pt_sink_put_rows(sink, rows, n, err)) == PT_OK)
		rc = pt_sink_commit(sink, err);
	pt_sink_free(sink);
	return rc;
}

int pt_emit_rows(const struct pt_row *rows, size_t n, enum pt_format fmt, bool by_device,
		const struct pt_dest *d, struct pt_error *err)
{
	const struct pt_schema *s = by_device ? &pt_schema_device : &pt_schema_node;
	struct pt_buf b = {0};
	struct pt_out *out = NULL;
	int rc;

	if (pt_db_is_uri(d->path)) {
		if (fmt != PT_FMT_CSV)
			return pt_error_set(err, PT_EUSAGE, "a database takes the rows themselves: "
					"--format does not apply to it");
		return emit_db(rows, n, s, d, err);
	}
	if (d->append && fmt != PT_FMT_CSV)
		return pt_error_set(err, PT_EUSAGE, "--append works with --format csv only");
	/* The header goes through pt_out, which writes it only where it is due. */
	if (fmt == PT_FMT_CSV)
		rc = pt_csv_rows(&b, s, rows, n, err);
	else
		rc = pt_render_rows(&b, fmt, by_device, rows, n, err);
	if (rc == PT_OK && (rc = pt_out_open(&out, d->path, d->append,
			fmt == PT_FMT_CSV ? pt_schema_header(s) : NULL, err)) == PT_OK &&
			(rc = pt_out_write(out, b.data ? b.data : "", b.len, err)) == PT_OK)
		rc = pt_out_commit(out, err);
	pt_out_free(out);
	pt_buf_free(&b);
	return rc;
}
