/* html.c - the HTML report and serve's page: a shell around the built-in page script, uPlot and the data as CSV text, with a Content-Security-Policy that allows nothing else. */
#include "html.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "assets.h"
#include "csvout.h"
#include "export.h"
#include "render.h"
#include "schema.h"
#include "scrape.h"
#include "series.h"
#include "timefmt.h"

/* Most points per node in a report's charts. */
#define SERIES_POINTS 500
/* Tables longer than this are embedded gzipped (base64), which the page
 * inflates with the browser's DecompressionStream: 400 jobs x 60 nodes is
 * 5.5 MB of CSV, under 1 MB so. */
#define GZIP_OVER (512 * 1024)

#define LIVE_META_CSP \
	"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " \
	"img-src 'self' data:; base-uri 'none'; form-action 'none'"
/* The header adds what a <meta> policy cannot say. */
const char pt_html_live_csp[] = LIVE_META_CSP "; frame-ancestors 'none'";

/* ---- escaping ---- */

/* s as HTML text (element content or a quoted attribute). */
static int html_text(struct pt_buf *b, const char *s, struct pt_error *err)
{
	const char *p;
	int rc = PT_OK;

	for (p = s; *p && rc == PT_OK; p++) {
		switch (*p) {
		case '&': rc = pt_buf_append(b, "&amp;", 5, err); break;
		case '<': rc = pt_buf_append(b, "&lt;", 4, err); break;
		case '>': rc = pt_buf_append(b, "&gt;", 4, err); break;
		case '"': rc = pt_buf_append(b, "&quot;", 6, err); break;
		case '\'': rc = pt_buf_append(b, "&#39;", 5, err); break;
		default: rc = pt_buf_append(b, p, 1, err); break;
		}
	}
	return rc;
}

/* s as a JSON string that can sit inside <script type="application/json">:
 * < > & are \u escapes, so no "</script" or "<!--" can end or bend the
 * element. */
static int json_string(struct pt_buf *b, const char *s, struct pt_error *err)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	size_t run = 0;
	int rc;

	if ((rc = pt_buf_append(b, "\"", 1, err)) != PT_OK)
		return rc;
	for (p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		size_t n = 0;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n = 2;
		} else if (*p == '\n') {
			memcpy(esc, "\\n", 2);
			n = 2;
		} else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			n = 6;
		}
		if (n == 0) {
			run++;
			continue;
		}
		if ((rc = pt_buf_append(b, (const char *)p - run, run, err)) != PT_OK ||
				(rc = pt_buf_append(b, esc, n, err)) != PT_OK)
			return rc;
		run = 0;
	}
	if ((rc = pt_buf_append(b, (const char *)p - run, run, err)) != PT_OK)
		return rc;
	return pt_buf_append(b, "\"", 1, err);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends n bytes in base64. */
static int base64(struct pt_buf *b, const unsigned char *d, size_t n, struct pt_error *err)
{
	char q[4096];
	size_t i, o = 0;
	int rc = PT_OK;

	for (i = 0; i < n && rc == PT_OK; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? d[i + 1] : 0) << 8 |
			(i + 2 < n ? d[i + 2] : 0);

		q[o++] = b64[v >> 18 & 63];
		q[o++] = b64[v >> 12 & 63];
		q[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[o++] = i + 2 < n ? b64[v & 63] : '=';
		if (o + 4 > sizeof(q)) {
			rc = pt_buf_append(b, q, o, err);
			o = 0;
		}
	}
	return rc != PT_OK ? rc : pt_buf_append(b, q, o, err);
}

/* s as a JSON string of the base64 of its gzip. */
static int json_gzip(struct pt_buf *b, const char *s, struct pt_error *err)
{
	z_stream z;
	unsigned char *gz;
	size_t len = strlen(s), cap = compressBound((uLong)len) + 64;
	int rc;

	if ((gz = malloc(cap)) == NULL)
		return pt_error_oom(err);
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper, what DecompressionStream("gzip") reads. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(gz);
		return pt_error_oom(err);
	}
	z.next_in = (Bytef *)(uintptr_t)s;
	z.avail_in = (uInt)len;
	z.next_out = gz;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(gz);
		return pt_error_set(err, PT_ENOMEM, "cannot compress the page's data (zlib %d)", rc);
	}
	if ((rc = pt_buf_append(b, "\"", 1, err)) == PT_OK &&
			(rc = base64(b, gz, cap - z.avail_out, err)) == PT_OK)
		rc = pt_buf_append(b, "\"", 1, err);
	free(gz);
	return rc;
}

/* ,"name":"CSV" or, when long, ,"name_gz":"base64 of its gzip". */
static int json_table(struct pt_buf *b, const char *name, const char *csv, struct pt_error *err)
{
	bool gz = strlen(csv) > GZIP_OVER;
	int rc = pt_buf_printf(b, err, ",\"%s%s\":", name, gz ? "_gz" : "");

	if (rc != PT_OK)
		return rc;
	return gz ? json_gzip(b, csv, err) : json_string(b, csv, err);
}

/* "sha256-<base64>" of an asset, for the policy. */
static void csp_hash(char *out, size_t size, const struct pt_asset *a)
{
	unsigned char d[33] = {0};
	size_t i, o;

	for (i = 0; i < 32; i++) {
		unsigned hi, lo;
		sscanf(a->sha256_hex + 2 * i, "%1x%1x", &hi, &lo);
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	o = (size_t)snprintf(out, size, "'sha256-");
	for (i = 0; i < 33 && o + 5 < size; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (i + 1 < 33 ? d[i + 1] : 0) << 8 |
			(i + 2 < 33 ? d[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < 32 ? b64[v & 63] : '=';
	}
	snprintf(out + o, size - o, "'");
}

/* ---- the page ---- */

/* The units and decimals of every column, for the page's headings and
 * totals: {"power_w":["W",3],...}. */
static int json_columns(struct pt_buf *b, struct pt_error *err)
{
	const struct pt_schema *all[3] = {&pt_schema_node, &pt_schema_device, &pt_schema_export};
	size_t i, j;
	int rc = pt_buf_append(b, "{", 1, err);

	for (i = 0; i < 3 && rc == PT_OK; i++) {
		for (j = 0; j < all[i]->ncols && rc == PT_OK; j++) {
			const struct pt_column *c = &all[i]->cols[j];

			rc = pt_buf_printf(b, err, "%s\"%s:%s\":[\"%s\",%d]", i || j ? "," : "",
					all[i]->name, c->name, c->unit,
					c->type == PT_CELL_NUM ? c->decimals : -1);
		}
	}
	return rc != PT_OK ? rc : pt_buf_append(b, "}", 1, err);
}

static int head(struct pt_buf *b, const char *title, const char *csp, struct pt_error *err)
{
	int rc;

	if ((rc = pt_buf_printf(b, err, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
			"<meta charset=\"utf-8\">\n"
			"<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<meta name=\"generator\" content=\"powertest %s\">\n"
			"<link rel=\"icon\" href=\"data:,\">\n<title>", csp,
			PT_VERSION)) != PT_OK ||
			(rc = html_text(b, title, err)) != PT_OK)
		return rc;
	return pt_buf_append(b, "</title>\n", 9, err);
}

/* The page's body skeleton, which the page script fills. */
static const char body_shell[] =
	"<header><h1 id=\"pt-title\"></h1><p id=\"pt-sub\"></p></header>\n"
	"<form id=\"pt-controls\" hidden></form>\n"
	"<p id=\"pt-status\" role=\"status\"></p>\n"
	"<section id=\"pt-totals\" class=\"pt-totals\"></section>\n"
	"<section id=\"pt-charts\" class=\"pt-charts\"></section>\n"
	"<section id=\"pt-table\"></section>\n"
	"<section id=\"pt-assumptions\"></section>\n"
	"<noscript>This page draws its table and charts with JavaScript.</noscript>\n";

int pt_html_report(struct pt_buf *out, const struct pt_html_doc *d, struct pt_error *err)
{
	const struct pt_asset *scripts[2] = {&pt_asset_uplot_js, &pt_asset_page_js};
	const struct pt_asset *styles[2] = {&pt_asset_uplot_css, &pt_asset_page_css};
	char csp[1024], h[4][64];
	char now[40];
	size_t i;
	int rc;

	for (i = 0; i < 2; i++) {
		csp_hash(h[i], sizeof(h[i]), scripts[i]);
		csp_hash(h[2 + i], sizeof(h[2 + i]), styles[i]);
	}
	/* Nothing but the page's own script and styles, and no connections:
	 * opening the file fetches nothing. */
	snprintf(csp, sizeof(csp), "default-src 'none'; script-src %s %s; style-src %s %s; "
			"img-src data:; base-uri 'none'; form-action 'none'", h[0], h[1], h[2], h[3]);
	pt_time_format(now, sizeof(now), pt_now_ms());
	if ((rc = head(out, d->title, csp, err)) != PT_OK)
		return rc;
	for (i = 0; i < 2 && rc == PT_OK; i++)
		if ((rc = pt_buf_append(out, "<style>", 7, err)) == PT_OK &&
				(rc = pt_buf_append(out, styles[i]->data, styles[i]->len, err)) == PT_OK)
			rc = pt_buf_append(out, "</style>\n", 9, err);
	if (rc == PT_OK)
		rc = pt_buf_printf(out, err, "</head>\n<body>\n%s"
				"<script type=\"application/json\" id=\"pt-data\">{\"mode\":\"file\",\"kind\":",
				body_shell);
	if (rc == PT_OK && (rc = json_string(out, d->kind, err)) == PT_OK &&
			(rc = pt_buf_append(out, ",\"title\":", 9, err)) == PT_OK &&
			(rc = json_string(out, d->title, err)) == PT_OK &&
			(rc = pt_buf_printf(out, err, ",\"generated\":\"%s\",\"by\":\"%s\",\"columns\":",
					now, d->by_device ? "device" : "node")) == PT_OK)
		rc = json_columns(out, err);
	if (rc == PT_OK)
		rc = json_table(out, "rows", d->rows_csv, err);
	if (rc == PT_OK && d->devices_csv)
		rc = json_table(out, "devices", d->devices_csv, err);
	if (rc == PT_OK && d->series_csv)
		rc = json_table(out, "series", d->series_csv, err);
	if (rc == PT_OK)
		rc = pt_buf_append(out, ",\"notes\":[", 10, err);
	for (i = 0; i < d->nnotes && rc == PT_OK; i++)
		if ((rc = i ? pt_buf_append(out, ",", 1, err) : PT_OK) == PT_OK)
			rc = json_string(out, d->notes[i], err);
	if (rc == PT_OK)
		rc = pt_buf_append(out, "]}</script>\n", 12, err);
	for (i = 0; i < 2 && rc == PT_OK; i++)
		if ((rc = pt_buf_append(out, "<script>", 8, err)) == PT_OK &&
				(rc = pt_buf_append(out, scripts[i]->data, scripts[i]->len, err)) == PT_OK)
			rc = pt_buf_append(out, "</script>\n", 10, err);
	return rc != PT_OK ? rc : pt_buf_append(out, "</body>\n</html>\n", 16, err);
}

int pt_html_live(struct pt_buf *out, struct pt_error *err)
{
	int rc;

	if ((rc = head(out, "powertest", LIVE_META_CSP, err)) != PT_OK ||
			(rc = pt_buf_printf(out, err,
				"<link rel=\"stylesheet\" href=\"assets/uplot.css\">\n"
				"<link rel=\"stylesheet\" href=\"assets/page.css\">\n"
				"</head>\n<body>\n%s<script type=\"application/json\" id=\"pt-data\">"
				"{\"mode\":\"live\",\"kind\":\"report\",\"title\":\"powertest\",\"columns\":",
				body_shell)) != PT_OK ||
			(rc = json_columns(out, err)) != PT_OK)
		return rc;
	return pt_buf_printf(out, err, "}</script>\n"
			"<script src=\"assets/uplot.js\"></script>\n"
			"<script src=\"assets/page.js\"></script>\n</body>\n</html>\n");
}

bool pt_html_asset(const char *path, const unsigned char **data, size_t *len, const char **type)
{
	static const struct {
		const char *path;
		const struct pt_asset *a;
		const char *type;
	} map[] = {
		{"/assets/uplot.js", &pt_asset_uplot_js, "text/javascript; charset=utf-8"},
		{"/assets/page.js", &pt_asset_page_js, "text/javascript; charset=utf-8"},
		{"/assets/uplot.css", &pt_asset_uplot_css, "text/css; charset=utf-8"},
		{"/assets/page.css", &pt_asset_page_css, "text/css; charset=utf-8"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(path, map[i].path) == 0) {
			*data = map[i].a->data;
			*len = map[i].a->len;
			*type = map[i].type;
			return true;
		}
	return false;
}

/* ---- what the commands put in ---- */

static int note_add(char ***notes, size_t *n, struct pt_error *err, const char *fmt, ...)
	PT_PRINTF(4, 5);
static int note_add(char ***notes, size_t *n, struct pt_error *err, const char *fmt, ...)
{
	char line[512], **v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((v = realloc(*notes, (*n + 1) * sizeof(*v))) == NULL)
		return pt_error_oom(err);
	*notes = v;
	if ((v[*n] = strdup(line)) == NULL)
		return pt_error_oom(err);
	(*n)++;
	return PT_OK;
}

int pt_html_notes(char ***notes, size_t *n, const struct pt_ctx *ctx, struct pt_error *err)
{
	const struct pt_power_params *p = &ctx->cfg->power;
	const char *cfg = ctx->cfg->path ? ctx->cfg->path : "built-in defaults";
	int rc;

	*notes = NULL;
	*n = 0;
	if (p->carbon_file)
		rc = note_add(notes, n, err, "Carbon intensity over time: %s (%s), hour by hour; "
				"each row's intensity is the mean weighted by its energy.", p->carbon_file,
				p->carbon_column ? "direct" : "life-cycle");
	else if (!p->has_carbon_intensity && p->country == NULL &&
			ctx->qs->q[PT_Q_CARBON_INTENSITY] != NULL)
		rc = note_add(notes, n, err, "Carbon intensity over time: the query set's "
				"carbon_intensity from Prometheus, hour by hour; each row's intensity is "
				"the mean weighted by its energy.");
	else if (p->has_carbon_intensity)
		rc = note_add(notes, n, err, "Carbon intensity %.3f g/kWh: "
				"power.carbon_intensity_g_per_kwh in the configuration.", ctx->carbon_intensity);
	else if (p->country)
		rc = note_add(notes, n, err, "Carbon intensity %.3f g/kWh: country %s "
				"(power.country) in the carbon intensity table.", ctx->carbon_intensity,
				p->country);
	else
		rc = note_add(notes, n, err, "Carbon intensity %.3f g/kWh: the default, the world "
				"average (IEA 2019); set power.country or power.carbon_intensity_g_per_kwh.",
				ctx->carbon_intensity);
	if (rc == PT_OK)
		rc = note_add(notes, n, err, "PUE %.3f: %s.", p->has_pue ? p->pue : 1.0,
				p->has_pue ? "power.pue in the configuration" : "the default (no facility "
				"overhead); set power.pue");
	if (rc == PT_OK)
		rc = note_add(notes, n, err, "Modelled power is idle + (TDP - idle) x utilisation; "
				"defaults: CPU TDP %.0f W (idle %.0f W), GPU TDP %.0f W (idle %.0f W), RAM "
				"%.3f W/GiB. Each device's TDP and where it came from (config, exporter, "
				"table, default) is in the device table.", p->cpu.tdp_watts, p->cpu.idle_watts,
				p->gpu.tdp_watts, p->gpu.idle_watts, p->ram_watts_per_gib);
	if (rc == PT_OK && ctx->cfg->noverrides)
		rc = note_add(notes, n, err, "%zu node%s with their own power settings (power.nodes "
				"in the configuration).", ctx->cfg->noverrides, ctx->cfg->noverrides == 1 ? "" : "s");
	if (rc == PT_OK)
		rc = note_add(notes, n, err, "Configuration: %s.", cfg);
	if (rc != PT_OK) {
		pt_html_notes_free(*notes, *n);
		*notes = NULL;
		*n = 0;
	}
	return rc;
}

void pt_html_notes_free(char **notes, size_t n)
{
	size_t i;

	for (i = 0; notes && i < n; i++)
		free(notes[i]);
	free(notes);
}

/* A new empty file under $TMPDIR (path filled). */
static int tmp_file(char *path, size_t size, struct pt_error *err)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, size, "%s/powertest-html-XXXXXX", dir) >= size ||
			(fd = mkstemp(path)) < 0) {
		path[0] = '\0';
		return pt_error_set(err, PT_EWRITE, "cannot create a temporary file in %s: %s", dir,
				strerror(errno));
	}
	close(fd);
	return PT_OK;
}

int pt_html_series(char **csv, struct pt_ctx *ctx, int64_t start_ms, int64_t end_ms,
		const char *const *nodes, size_t nnodes, struct pt_error *err)
{
	struct pt_export_opts opts;
	struct pt_export_result res;
	struct pt_out *out = NULL;
	char path[4096];
	size_t len;
	int rc, e;

	*csv = NULL;
	memset(&opts, 0, sizeof(opts));
	memset(&res, 0, sizeof(res));
	opts.start_ms = start_ms;
	opts.end_ms = end_ms;
	opts.nodes = nodes;
	opts.nnodes = nnodes;
	/* At most SERIES_POINTS steps, in whole seconds, and none shorter than
	 * the data's scrape interval (a step without a sample is a gap). */
	{
		struct pt_error ignored = {0, ""};
		/* 0 when the store cannot tell: the default below. */
		(void)!pt_scrape_interval(&opts.scrape_ms, ctx, nodes, nnodes, true, &ignored);
	}
	if (opts.scrape_ms <= 0)
		opts.scrape_ms = PT_SERIES_DEFAULT_SCRAPE_MS;
	opts.step_ms = (end_ms - start_ms + SERIES_POINTS - 1) / SERIES_POINTS;
	opts.step_ms = (opts.step_ms + 999) / 1000 * 1000;
	if (opts.step_ms < opts.scrape_ms)
		opts.step_ms = opts.scrape_ms;
	if ((rc = tmp_file(path, sizeof(path), err)) != PT_OK)
		return rc;
	if ((rc = pt_out_open(&out, path, false, pt_schema_header(&pt_schema_export), err)) == PT_OK &&
			(rc = pt_export_run(&res, ctx, &opts, out, err)) == PT_OK &&
			(rc = pt_out_commit(out, err)) == PT_OK &&
			(e = pt_read_file(csv, &len, path, SIZE_MAX)) != 0)
		rc = pt_error_set(err, PT_EWRITE, "cannot read back %s: %s", path, strerror(e));
	pt_out_free(out);
	pt_export_result_clear(&res);
	unlink(path);
	/* A window too short for one step draws without a series. */
	if (rc == PT_EUSAGE) {
		pt_error_clear(err);
		rc = PT_OK;
	}
	return rc;
}

static int emit(const struct pt_html_doc *d, const char *path, struct pt_error *err)
{
	struct pt_buf b = {0};
	struct pt_out *out = NULL;
	int rc;

	if ((rc = pt_html_report(&b, d, err)) == PT_OK &&
			(rc = pt_out_open(&out, path, false, NULL, err)) == PT_OK &&
			(rc = pt_out_write(out, b.data, b.len, err)) == PT_OK)
		rc = pt_out_commit(out, err);
	pt_out_free(out);
	pt_buf_free(&b);
	return rc;
}

int pt_html_emit_rows(struct pt_ctx *ctx, const struct pt_row *rows, size_t n, bool by_device,
		const char *title, const char *path, struct pt_error *err)
{
	struct pt_html_doc d;
	struct pt_buf main = {0}, devs = {0};
	const char **nodes = NULL;
	char *series = NULL, **notes = NULL;
	size_t nnotes = 0, i;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = pt_render_rows(&main, PT_FMT_CSV, by_device, rows, n, err)) != PT_OK ||
			(!by_device && (rc = pt_render_rows(&devs, PT_FMT_CSV, true, rows, n, err)) != PT_OK))
		goto out;
	if ((rc = pt_html_notes(&notes, &nnotes, ctx, err)) != PT_OK)
		goto out;
	/* The charts: every row's node over the rows' window. */
	if (n > 0 && rows[0].end_ms > rows[0].start_ms) {
		if ((nodes = calloc(n, sizeof(*nodes))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = 0; i < n; i++)
			nodes[i] = rows[i].node ? rows[i].node : "";
		/* The rows are what was asked for: a Prometheus failing on the
		 * series costs the charts over time, not the report. */
		rc = pt_html_series(&series, ctx, rows[0].start_ms, rows[0].end_ms, nodes, n, err);
		if (rc == PT_ENET) {
			rc = note_add(&notes, &nnotes, err, "No charts over time: the series could not "
					"be fetched (%s); the charts show the rows.", err->msg);
			if (rc == PT_OK)
				pt_error_clear(err);
		}
		if (rc != PT_OK)
			goto out;
	}
	d.kind = "report";
	d.title = title;
	d.by_device = by_device;
	d.rows_csv = main.data ? main.data : "";
	d.devices_csv = by_device ? NULL : devs.data;
	d.series_csv = series;
	d.notes = (const char *const *)notes;
	d.nnotes = nnotes;
	rc = emit(&d, path, err);
out:
	free(nodes);
	free(series);
	pt_html_notes_free(notes, nnotes);
	pt_buf_free(&main);
	pt_buf_free(&devs);
	return rc;
}

int pt_html_emit_csv(struct pt_ctx *ctx, const char *kind, const char *title,
		const char *csv_path, const char *path, struct pt_error *err)
{
	struct pt_html_doc d;
	char *csv = NULL, **notes = NULL;
	size_t len, nnotes = 0;
	int rc, e;

	if ((e = pt_read_file(&csv, &len, csv_path, SIZE_MAX)) != 0)
		return pt_error_set(err, PT_EWRITE, "cannot read back %s: %s", csv_path, strerror(e));
	if ((rc = pt_html_notes(&notes, &nnotes, ctx, err)) == PT_OK) {
		memset(&d, 0, sizeof(d));
		d.kind = kind;
		d.title = title;
		d.rows_csv = csv;
		d.notes = (const char *const *)notes;
		d.nnotes = nnotes;
		rc = emit(&d, path, err);
	}
	pt_html_notes_free(notes, nnotes);
	free(csv);
	return rc;
}

int pt_html_tmp_file(char *path, size_t size, struct pt_error *err)
{
	return tmp_file(path, size, err);
}
