/* schema.c - the columns of every output row, in one table per row kind; a new column is one line here. */
#include "schema.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---- what each column reads ---- */

#define NUM_OF(fn, expr) \
	static void fn(const struct pt_rowref *r, struct pt_cell *c) \
	{ \
		c->type = PT_CELL_NUM; \
		c->num = (expr); \
	}
#define TEXT_OF(fn, expr) \
	static void fn(const struct pt_rowref *r, struct pt_cell *c) \
	{ \
		c->type = PT_CELL_TEXT; \
		c->text = (expr); \
	}
#define ROW(field) NUM_OF(row_##field, r->row->field)
#define DEV(field) NUM_OF(dev_##field, r->dev->field)
/* An export point's value: empty when the point has no data. */
#define PT(field) NUM_OF(pt_##field, r->has ? r->row->field : NAN)

static void row_start(const struct pt_rowref *r, struct pt_cell *c)
{
	c->type = PT_CELL_TIME;
	c->ms = r->row->start_ms;
}

static void row_end(const struct pt_rowref *r, struct pt_cell *c)
{
	c->type = PT_CELL_TIME;
	c->ms = r->row->end_ms;
}

static void pt_time(const struct pt_rowref *r, struct pt_cell *c)
{
	c->type = PT_CELL_TIME;
	c->ms = r->time_ms;
}

static void row_energy_uj(const struct pt_rowref *r, struct pt_cell *c)
{
	c->type = PT_CELL_UJ;
	c->num = r->row->energy_j;
}

static void dev_energy_uj(const struct pt_rowref *r, struct pt_cell *c)
{
	c->type = PT_CELL_UJ;
	c->num = r->dev->energy_wh * PT_J_PER_WH;
}

TEXT_OF(row_task, r->row->task)
TEXT_OF(row_node, r->row->node)
TEXT_OF(row_cpu_source, r->row->cpu_src[0] ? r->row->cpu_src : pt_source_name(r->row->cpu_source))
TEXT_OF(row_ram_source, r->row->ram_src[0] ? r->row->ram_src : pt_source_name(r->row->ram_source))
TEXT_OF(row_gpu_source, r->row->gpu_src[0] ? r->row->gpu_src : pt_source_name(r->row->gpu_source))
TEXT_OF(row_power_source, r->row->power_src[0] ? r->row->power_src : "sum")
TEXT_OF(row_status, r->row->status.text)
TEXT_OF(dev_device, r->dev->device)
TEXT_OF(dev_model, r->dev->model)
TEXT_OF(dev_tdp_source, r->dev->tdp_source ? pt_tdp_source_name(r->dev->tdp_source) : NULL)
TEXT_OF(dev_source, r->dev->src[0] ? r->dev->src : pt_source_name(r->dev->source))
TEXT_OF(dev_status, r->dev->status.text)

ROW(duration_s)
ROW(cpu_util_pct)
ROW(ram_util_pct)
ROW(ram_used_gib)
NUM_OF(row_gpu_count, r->row->gpu_count < 0 ? NAN : (double)r->row->gpu_count)
ROW(gpu_util_pct)
ROW(cpu_power_w)
ROW(ram_power_w)
ROW(gpu_power_w)
ROW(other_power_w)
ROW(power_w)
ROW(cpu_energy_wh)
ROW(ram_energy_wh)
ROW(gpu_energy_wh)
ROW(other_energy_wh)
ROW(energy_wh)
ROW(energy_j)
ROW(pue)
ROW(carbon_intensity)
ROW(co2_g)

DEV(util_pct)
DEV(tdp_watts)
DEV(power_w)
DEV(energy_wh)
DEV(co2_g)
NUM_OF(dev_energy_j, r->dev->energy_wh * PT_J_PER_WH)

PT(cpu_util_pct)
PT(ram_util_pct)
PT(gpu_util_pct)
PT(cpu_power_w)
PT(ram_power_w)
PT(gpu_power_w)
PT(power_w)
NUM_OF(pt_energy_wh, r->has ? r->cum_wh : NAN)
NUM_OF(pt_co2_g, r->has ? r->cum_co2_g : NAN)

/* ---- the tables ---- */

#define T(name, fn, flags) {name, "", PT_CELL_TEXT, 0, flags, fn}
#define N(name, unit, dec, fn) {name, unit, PT_CELL_NUM, dec, 0, fn}

static const struct pt_column node_cols[] = {
	T("task", row_task, PT_COL_KEY),
	T("node", row_node, PT_COL_KEY),
	{"start", "", PT_CELL_TIME, 0, PT_COL_KEY, row_start},
	{"end", "", PT_CELL_TIME, 0, PT_COL_KEY, row_end},
	N("duration_s", "s", 3, row_duration_s),
	N("cpu_util_pct", "%", 3, row_cpu_util_pct),
	N("ram_util_pct", "%", 3, row_ram_util_pct),
	N("ram_used_gib", "GiB", 4, row_ram_used_gib),
	N("gpu_count", "", 0, row_gpu_count),
	N("gpu_util_pct", "%", 3, row_gpu_util_pct),
	N("cpu_power_w", "W", 3, row_cpu_power_w),
	N("ram_power_w", "W", 3, row_ram_power_w),
	N("gpu_power_w", "W", 3, row_gpu_power_w),
	N("other_power_w", "W", 3, row_other_power_w),
	N("power_w", "W", 3, row_power_w),
	N("cpu_energy_wh", "Wh", 6, row_cpu_energy_wh),
	N("ram_energy_wh", "Wh", 6, row_ram_energy_wh),
	N("gpu_energy_wh", "Wh", 6, row_gpu_energy_wh),
	N("other_energy_wh", "Wh", 6, row_other_energy_wh),
	N("energy_wh", "Wh", 6, row_energy_wh),
	N("energy_j", "J", 3, row_energy_j),
	{"energy_uj", "µJ", PT_CELL_UJ, 0, 0, row_energy_uj},
	N("pue", "", 3, row_pue),
	N("carbon_intensity_g_per_kwh", "g/kWh", 3, row_carbon_intensity),
	N("co2_g", "g", 4, row_co2_g),
	T("cpu_source", row_cpu_source, 0),
	T("ram_source", row_ram_source, 0),
	T("gpu_source", row_gpu_source, 0),
	T("power_source", row_power_source, 0),
	T("status", row_status, 0),
};

static const struct pt_column device_cols[] = {
	T("task", row_task, PT_COL_KEY | PT_COL_NODE),
	T("node", row_node, PT_COL_KEY | PT_COL_NODE),
	T("device", dev_device, PT_COL_KEY),
	T("model", dev_model, 0),
	{"start", "", PT_CELL_TIME, 0, PT_COL_KEY | PT_COL_NODE, row_start},
	{"end", "", PT_CELL_TIME, 0, PT_COL_KEY | PT_COL_NODE, row_end},
	{"duration_s", "s", PT_CELL_NUM, 3, PT_COL_NODE, row_duration_s},
	N("util_pct", "%", 3, dev_util_pct),
	N("tdp_watts", "W", 3, dev_tdp_watts),
	T("tdp_source", dev_tdp_source, 0),
	N("power_w", "W", 3, dev_power_w),
	N("energy_wh", "Wh", 6, dev_energy_wh),
	N("energy_j", "J", 3, dev_energy_j),
	{"energy_uj", "µJ", PT_CELL_UJ, 0, 0, dev_energy_uj},
	N("co2_g", "g", 4, dev_co2_g),
	T("source", dev_source, 0),
	T("status", dev_status, 0),
};

static const struct pt_column export_cols[] = {
	{"time", "", PT_CELL_TIME, 0, PT_COL_KEY, pt_time},
	T("node", row_node, PT_COL_KEY),
	N("cpu_util_pct", "%", 3, pt_cpu_util_pct),
	N("ram_util_pct", "%", 3, pt_ram_util_pct),
	N("gpu_util_pct", "%", 3, pt_gpu_util_pct),
	N("cpu_power_w", "W", 3, pt_cpu_power_w),
	N("ram_power_w", "W", 3, pt_ram_power_w),
	N("gpu_power_w", "W", 3, pt_gpu_power_w),
	N("power_w", "W", 3, pt_power_w),
	N("energy_wh", "Wh", 6, pt_energy_wh),
	N("co2_g", "g", 4, pt_co2_g),
};

#define SCHEMA(name, cols) {name, cols, sizeof(cols) / sizeof(cols[0])}
const struct pt_schema pt_schema_node = SCHEMA("report", node_cols);
const struct pt_schema pt_schema_device = SCHEMA("device", device_cols);
const struct pt_schema pt_schema_export = SCHEMA("export", export_cols);

/* ---- derived ---- */

static char headers[3][1024];
static pthread_once_t headers_once = PTHREAD_ONCE_INIT;

static void headers_build(void)
{
	const struct pt_schema *all[3] = {&pt_schema_node, &pt_schema_device, &pt_schema_export};
	size_t i, j, len;

	for (i = 0; i < 3; i++) {
		len = 0;
		for (j = 0; j < all[i]->ncols; j++)
			len += (size_t)snprintf(headers[i] + len, sizeof(headers[i]) - len, "%s%s",
					j ? "," : "", all[i]->cols[j].name);
		snprintf(headers[i] + len, sizeof(headers[i]) - len, "\n");
	}
}

const char *pt_schema_header(const struct pt_schema *s)
{
	pthread_once(&headers_once, headers_build);
	return s == &pt_schema_node ? headers[0] : s == &pt_schema_device ? headers[1] : headers[2];
}

int pt_schema_index(const struct pt_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (strcmp(s->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct pt_column *pt_schema_column(const struct pt_schema *s, const char *name)
{
	int i = pt_schema_index(s, name);

	return i < 0 ? NULL : &s->cols[i];
}

int pt_rows_each(const struct pt_schema *s, const struct pt_row *rows, size_t n,
		int (*fn)(void *user, const struct pt_rowref *r, struct pt_error *err), void *user,
		struct pt_error *err)
{
	struct pt_rowref ref;
	size_t i, j;
	int rc = PT_OK;

	memset(&ref, 0, sizeof(ref));
	for (i = 0; i < n && rc == PT_OK; i++) {
		ref.row = &rows[i];
		if (s != &pt_schema_device) {
			rc = fn(user, &ref, err);
			continue;
		}
		for (j = 0; j < rows[i].ndevices && rc == PT_OK; j++) {
			ref.dev = &rows[i].devices[j];
			rc = fn(user, &ref, err);
		}
	}
	return rc;
}

bool pt_energy_uj(double energy_j, double *uj)
{
	if (!isfinite(energy_j))
		return false;
	/* Exact integers up to 2^53 µJ; beyond, the double's own digits. */
	*uj = fabs(energy_j * 1e6) < 9e15 ? (double)llround(energy_j * 1e6) : round(energy_j * 1e6);
	return true;
}
