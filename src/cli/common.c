/* common.c - windows, formats and output shared by report, run and batch. */
#include "common.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvout.h"
#include "text.h"
#include "timefmt.h"

int pt_cli_format(const char *s)
{
	if (strcmp(s, "csv") == 0)
		return PT_FMT_CSV;
	if (strcmp(s, "table") == 0)
		return PT_FMT_TABLE;
	if (strcmp(s, "json") == 0)
		return PT_FMT_JSON;
	return -1;
}

int pt_cli_window(int64_t *start_ms, int64_t *end_ms, const char *cmd, const char *start,
		const char *end, const char *last)
{
	struct pt_error err = {0, ""};

	if (last && (start || end))
		return pt_usage_error(cmd, "give either --start and --end, or --last");
	if (last) {
		if (pt_window_last(start_ms, end_ms, last, &err) != PT_OK)
			return pt_usage_error(cmd, "--last: %s", err.msg);
		return 0;
	}
	if (start == NULL || end == NULL)
		return pt_usage_error(cmd, "a window is needed: --start T --end T, or --last DUR");
	if (pt_time_parse(start_ms, start, &err) != PT_OK ||
			pt_time_parse(end_ms, end, &err) != PT_OK)
		return pt_usage_error(cmd, "%s", err.msg);
	if (*end_ms <= *start_ms)
		return pt_usage_error(cmd, "--end (%s) must be after --start (%s)", end, start);
	/* rate() over a window with no samples yet at its end would be diluted,
	 * not partial: measure windows that are over. */
	if (*end_ms > pt_now_ms() + PT_FUTURE_SLACK_MS)
		return pt_usage_error(cmd, "--end (%s) is in the future; measure the window once it is over",
				end);
	return 0;
}

int pt_cli_open(struct pt_ctx **ctx, const struct pt_cli *cli)
{
	struct pt_error err = {0, ""};

	if (pt_ctx_open(ctx, pt_config_locate(cli->config_path), cli->url, &err) != PT_OK)
		return pt_fail(&err);
	return 0;
}

int64_t pt_cli_scrape_interval(struct pt_ctx *ctx, int64_t window_ms)
{
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};
	int64_t max = 0;
	size_t i;

	/* The targets list of a big lab is megabytes; only a short window can be
	 * shorter than two scrape intervals (which are minutes at most). */
	if (window_ms >= PT_CLI_SHORT_WINDOW_MS)
		return 0;
	if (pt_prom_targets(&t, ctx->prom, &err) != PT_OK)
		return 0;
	for (i = 0; i < t->n; i++)
		if (t->items[i].scrape_interval_ms > max)
			max = t->items[i].scrape_interval_ms;
	pt_targets_free(t);
	return max;
}

int pt_strlist_add(struct pt_strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		const char **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

void pt_strlist_free(struct pt_strlist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- table: for people, with where each figure came from ---- */

static void cell(struct pt_buf *b, double v, int dec, int width, struct pt_error *err)
{
	if (isfinite(v))
		(void)!pt_buf_printf(b, err, " %*.*f", width, dec, v);
	else
		(void)!pt_buf_printf(b, err, " %*s", width, "-");
}

/* The table's text of a label or status: what a terminal would act on
 * (escapes, newlines) shown as '?'. */
static void table_text(struct pt_buf *b, const char *s, int width, struct pt_error *err)
{
	char buf[512];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	(void)!pt_buf_printf(b, err, "%-*s", width, buf);
}

static void source_text(char *src, size_t size, const struct pt_row *r)
{
	if (r->cpu_source == PT_SRC_MODEL)
		snprintf(src, size, "model(TDP %.0f W %s) / %s", r->cpu_tdp_watts,
				pt_tdp_source_name(r->cpu_tdp_source), pt_source_name(r->gpu_source));
	else
		snprintf(src, size, "%s / %s", pt_source_name(r->cpu_source),
				pt_source_name(r->gpu_source));
}

static int table_rows(struct pt_buf *b, const struct pt_row *rows, size_t n, struct pt_error *err)
{
	size_t i, w = 4, sw = 16;
	char src[64];

	for (i = 0; i < n; i++) {
		if (strlen(rows[i].node) > w)
			w = strlen(rows[i].node);
		source_text(src, sizeof(src), &rows[i]);
		if (strlen(src) > sw)
			sw = strlen(src);
	}
	if (n > 0) {
		char s[40], e[40];
		pt_time_format(s, sizeof(s), rows[0].start_ms);
		pt_time_format(e, sizeof(e), rows[0].end_ms);
		if (rows[0].task) {
			(void)!pt_buf_printf(b, err, "task ");
			table_text(b, rows[0].task, 0, err);
			(void)!pt_buf_printf(b, err, ": ");
		}
		(void)!pt_buf_printf(b, err, "%s .. %s (%.3f s)\n\n", s, e, rows[0].duration_s);
	}
	(void)!pt_buf_printf(b, err, "%-*s %6s %8s %4s %6s %9s %9s %9s %9s %10s %9s  %-*s  %s\n",
			(int)w, "node", "cpu%", "ram GiB", "gpus", "gpu%", "cpu W", "ram W", "gpu W",
			"total W", "energy Wh", "CO2 g", (int)sw, "cpu / gpu source", "status");
	for (i = 0; i < n; i++) {
		const struct pt_row *r = &rows[i];

		table_text(b, r->node, (int)w, err);
		cell(b, r->cpu_util_pct, 1, 6, err);
		cell(b, r->ram_used_gib, 2, 8, err);
		cell(b, r->gpu_count < 0 ? NAN : (double)r->gpu_count, 0, 4, err);
		cell(b, r->gpu_util_pct, 1, 6, err);
		cell(b, r->cpu_power_w, 1, 9, err);
		cell(b, r->ram_power_w, 1, 9, err);
		cell(b, r->gpu_power_w, 1, 9, err);
		cell(b, r->power_w, 1, 9, err);
		cell(b, r->energy_wh, 4, 10, err);
		cell(b, r->co2_g, 2, 9, err);
		source_text(src, sizeof(src), r);
		(void)!pt_buf_printf(b, err, "  %-*s  ", (int)sw, src);
		table_text(b, r->status, 0, err);
		(void)!pt_buf_printf(b, err, "\n");
	}
	if (n > 0)
		(void)!pt_buf_printf(b, err, "\nPUE %.2f, carbon intensity %.1f g/kWh\n",
				rows[0].pue, rows[0].carbon_intensity);
	return err->code;
}

static int table_devices(struct pt_buf *b, const struct pt_row *rows, size_t n,
		struct pt_error *err)
{
	size_t i, j;

	(void)!pt_buf_printf(b, err, "%-16s %-40s %-28s %6s %8s %-9s %9s %10s %-9s %s\n", "node",
			"device", "model", "util%", "TDP W", "TDP from", "power W", "energy Wh", "source",
			"status");
	for (i = 0; i < n; i++) {
		for (j = 0; j < rows[i].ndevices; j++) {
			const struct pt_device_row *d = &rows[i].devices[j];

			table_text(b, rows[i].node, 16, err);
			(void)!pt_buf_printf(b, err, " ");
			table_text(b, d->device, 40, err);
			(void)!pt_buf_printf(b, err, " %-28.28s", d->model ? d->model : "-");
			cell(b, d->util_pct, 1, 6, err);
			cell(b, d->tdp_watts, 0, 8, err);
			(void)!pt_buf_printf(b, err, " %-9s", d->tdp_source ?
					pt_tdp_source_name(d->tdp_source) : "-");
			cell(b, d->power_w, 1, 9, err);
			cell(b, d->energy_wh, 4, 10, err);
			(void)!pt_buf_printf(b, err, " %-9s ", pt_source_name(d->source));
			table_text(b, d->status, 0, err);
			(void)!pt_buf_printf(b, err, "\n");
		}
	}
	return err->code;
}

/* ---- json: for scripts ---- */

static void jnum(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void jstr(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static int json_rows(struct pt_buf *b, const struct pt_row *rows, size_t n, struct pt_error *err)
{
	cJSON *arr = cJSON_CreateArray();
	char *text;
	size_t i, j;
	int rc;

	if (arr == NULL)
		return pt_error_oom(err);
	for (i = 0; i < n; i++) {
		const struct pt_row *r = &rows[i];
		cJSON *o = cJSON_CreateObject(), *devs;
		char t[40];

		if (o == NULL)
			break;
		cJSON_AddItemToArray(arr, o);
		jstr(o, "task", r->task);
		jstr(o, "node", r->node);
		pt_time_format(t, sizeof(t), r->start_ms);
		jstr(o, "start", t);
		pt_time_format(t, sizeof(t), r->end_ms);
		jstr(o, "end", t);
		jnum(o, "duration_s", r->duration_s);
		jnum(o, "cpu_util_pct", r->cpu_util_pct);
		jnum(o, "ram_util_pct", r->ram_util_pct);
		jnum(o, "ram_used_gib", r->ram_used_gib);
		jnum(o, "gpu_count", r->gpu_count < 0 ? NAN : (double)r->gpu_count);
		jnum(o, "gpu_util_pct", r->gpu_util_pct);
		jnum(o, "cpu_power_w", r->cpu_power_w);
		jnum(o, "ram_power_w", r->ram_power_w);
		jnum(o, "gpu_power_w", r->gpu_power_w);
		jnum(o, "power_w", r->power_w);
		jnum(o, "cpu_energy_wh", r->cpu_energy_wh);
		jnum(o, "ram_energy_wh", r->ram_energy_wh);
		jnum(o, "gpu_energy_wh", r->gpu_energy_wh);
		jnum(o, "energy_wh", r->energy_wh);
		jnum(o, "energy_j", r->energy_j);
		jnum(o, "energy_uj", isfinite(r->energy_j) ? (double)llround(r->energy_j * 1e6) : NAN);
		jnum(o, "pue", r->pue);
		jnum(o, "carbon_intensity_g_per_kwh", r->carbon_intensity);
		jnum(o, "co2_g", r->co2_g);
		jstr(o, "cpu_source", pt_source_name(r->cpu_source));
		jstr(o, "gpu_source", pt_source_name(r->gpu_source));
		jstr(o, "status", r->status);
		devs = cJSON_AddArrayToObject(o, "devices");
		for (j = 0; devs && j < r->ndevices; j++) {
			const struct pt_device_row *d = &r->devices[j];
			cJSON *od = cJSON_CreateObject();

			if (od == NULL)
				break;
			cJSON_AddItemToArray(devs, od);
			jstr(od, "device", d->device);
			jstr(od, "model", d->model);
			jnum(od, "util_pct", d->util_pct);
			jnum(od, "tdp_watts", d->tdp_watts);
			jstr(od, "tdp_source", d->tdp_source ? pt_tdp_source_name(d->tdp_source) : NULL);
			jnum(od, "power_w", d->power_w);
			jnum(od, "energy_wh", d->energy_wh);
			jstr(od, "source", pt_source_name(d->source));
			jstr(od, "status", d->status);
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

int pt_cli_emit(const struct pt_row *rows, size_t n, enum pt_format fmt, bool by_device,
		const char *path, bool append, struct pt_error *err)
{
	struct pt_buf b = {0};
	struct pt_out *out = NULL;
	const char *header = NULL;
	int rc;

	if (fmt == PT_FMT_CSV) {
		header = by_device ? pt_csv_header_device : pt_csv_header_node;
		rc = by_device ? pt_csv_device_rows(&b, rows, n, err) : pt_csv_rows(&b, rows, n, err);
	} else if (fmt == PT_FMT_TABLE) {
		rc = by_device ? table_devices(&b, rows, n, err) : table_rows(&b, rows, n, err);
	} else {
		rc = json_rows(&b, rows, n, err);
	}
	if (rc != PT_OK)
		goto out;
	if (append && fmt != PT_FMT_CSV) {
		rc = pt_error_set(err, PT_EUSAGE, "--append works with --format csv only");
		goto out;
	}
	if ((rc = pt_out_open(&out, path, append, header, err)) != PT_OK)
		goto out;
	if ((rc = pt_out_write(out, b.data ? b.data : "", b.len, err)) != PT_OK)
		goto out;
	rc = pt_out_commit(out, err);
out:
	pt_out_free(out);
	pt_buf_free(&b);
	return rc;
}

int pt_cli_out_option(struct pt_out_opts *o, int opt, const char *arg, const char *cmd)
{
	int fmt;

	switch (opt) {
	case PT_OPT_TASK:
		o->task = arg;
		return 0;
	case PT_OPT_NODE:
		if ((fmt = pt_cli_node(cmd, arg)) != 0)
			return fmt;
		if (pt_strlist_add(&o->nodes, arg) != 0)
			return pt_fail(&(struct pt_error){PT_ENOMEM, "out of memory"});
		return 0;
	case PT_OPT_BY:
		if (strcmp(arg, "device") != 0 && strcmp(arg, "node") != 0)
			return pt_usage_error(cmd, "--by takes 'node' or 'device', not '%s'", arg);
		o->by_device = strcmp(arg, "device") == 0;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case PT_OPT_APPEND:
		o->append = true;
		return 0;
	case PT_OPT_FORMAT:
		if ((fmt = pt_cli_format(arg)) < 0)
			return pt_usage_error(cmd, "unknown format '%s' (csv, table, json)", arg);
		o->fmt = (enum pt_format)fmt;
		return 0;
	default:
		return -1;
	}
}

int pt_cli_out_check(const struct pt_out_opts *o, const char *cmd)
{
	struct pt_error err = {0, ""};

	if (o->append && o->output == NULL)
		return pt_usage_error(cmd, "--append needs -o FILE");
	if (o->append && o->fmt != PT_FMT_CSV)
		return pt_usage_error(cmd, "--append works with --format csv only");
	/* Before any work (for run, before the command): the rows must have
	 * somewhere to go. */
	if (pt_out_check(o->output, o->append, &err) != PT_OK)
		return pt_fail(&err);
	return 0;
}

int pt_cli_duration(int64_t *out, const char *cmd, const char *flag, const char *s)
{
	struct pt_error err = {0, ""};

	if (pt_duration_parse(out, s, &err) != PT_OK)
		return pt_usage_error(cmd, "%s: %s", flag, err.msg);
	if (*out > PT_DURATION_OPT_MAX_MS)
		return pt_usage_error(cmd, "%s: at most 365d, not '%s'", flag, s);
	return 0;
}

int pt_cli_node(const char *cmd, const char *arg)
{
	struct pt_error err = {0, ""};

	if (*arg == '\0')
		return pt_usage_error(cmd, "--node needs a node name");
	if (pt_node_name_check(arg, &err) != PT_OK)
		return pt_usage_error(cmd, "--node: %s", err.msg);
	return 0;
}

int pt_cli_concurrency(int *out, const char *cmd, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || n < 1 || n > 256)
		return pt_usage_error(cmd, "--concurrency takes a number from 1 to 256, not '%s'", s);
	*out = (int)n;
	return 0;
}
