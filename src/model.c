/* model.c - power, energy and CO2 of one node over one window (pure arithmetic), and the lifecycle of observations and rows. */
#include "model.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* World average when no country or intensity is configured: IEA 2019. */
#define PT_WORLD_CARBON_G_PER_KWH 475.0

const char *pt_source_name(enum pt_source s)
{
	switch (s) {
	case PT_SRC_MODEL: return "model";
	case PT_SRC_MEASURED: return "measured";
	default: return "none";
	}
}

const char *pt_tdp_source_name(enum pt_tdp_source s)
{
	switch (s) {
	case PT_TDP_CONFIG: return "config";
	case PT_TDP_EXPORTER: return "exporter";
	case PT_TDP_TABLE: return "table";
	case PT_TDP_DEFAULT: return "default";
	default: return "";
	}
}

int pt_model_carbon(double *out, const struct pt_power_params *p, const struct pt_tables *t,
		struct pt_error *err)
{
	if (p->has_carbon_intensity) {
		*out = p->carbon_intensity;
		return PT_OK;
	}
	if (p->country) {
		if (!pt_tables_carbon(t, p->country, out))
			return pt_error_set(err, PT_EUSAGE, "unknown country '%s' for power.country "
					"(ISO 3166 alpha-2 or alpha-3, e.g. FR or FRA)", p->country);
		return PT_OK;
	}
	*out = PT_WORLD_CARBON_G_PER_KWH;
	return PT_OK;
}

/* ---- observations ---- */

bool pt_cover_short(double covered_s, double d_s, double interval_s)
{
	if (!isfinite(covered_s) || !(d_s > 0))
		return false;
	if (isfinite(interval_s) && interval_s > 0)
		return d_s - covered_s > interval_s + 2.0 * (PT_COVER_SLACK_S + interval_s / 4.0);
	return covered_s < PT_COVER_MIN * d_s;
}

void pt_node_obs_init(struct pt_node_obs *o)
{
	memset(o, 0, sizeof(*o));
	o->cpu_util = o->cpu_power_w = o->cpu_energy_j = NAN;
	o->ram_used_bytes = o->ram_total_bytes = o->up = o->covered_s = NAN;
	o->ram_power_w = o->ram_energy_j = o->node_power_w = o->node_energy_j = NAN;
	o->carbon_intensity = NAN;
}

/* Where quantity q of o (g) goes, its group's other member, and its source name. */
static bool obs_slot(struct pt_node_obs *o, struct pt_gpu_obs *g, enum pt_quantity q,
		double **val, double **other, char **src)
{
	*other = NULL;
	*src = NULL;
	switch (q) {
	case PT_Q_CPU_UTIL: *val = &o->cpu_util; break;
	case PT_Q_CPU_POWER: *val = &o->cpu_power_w; *other = &o->cpu_energy_j; *src = o->cpu_src; break;
	case PT_Q_CPU_ENERGY: *val = &o->cpu_energy_j; *other = &o->cpu_power_w; *src = o->cpu_src; break;
	case PT_Q_RAM_USED: *val = &o->ram_used_bytes; break;
	case PT_Q_RAM_TOTAL: *val = &o->ram_total_bytes; break;
	case PT_Q_RAM_POWER: *val = &o->ram_power_w; *other = &o->ram_energy_j; *src = o->ram_src; break;
	case PT_Q_RAM_ENERGY: *val = &o->ram_energy_j; *other = &o->ram_power_w; *src = o->ram_src; break;
	case PT_Q_NODE_POWER:
		*val = &o->node_power_w; *other = &o->node_energy_j; *src = o->node_src; break;
	case PT_Q_NODE_ENERGY:
		*val = &o->node_energy_j; *other = &o->node_power_w; *src = o->node_src; break;
	case PT_Q_COVERED: *val = &o->covered_s; break;
	case PT_Q_CARBON_INTENSITY: *val = &o->carbon_intensity; break;
	case PT_Q_GPU_UTIL: if (!g) return false; *val = &g->util; break;
	case PT_Q_GPU_POWER: if (!g) return false; *val = &g->power_w; *other = &g->energy_j; *src = g->src; break;
	case PT_Q_GPU_ENERGY: if (!g) return false; *val = &g->energy_j; *other = &g->power_w; *src = g->src; break;
	case PT_Q_GPU_POWER_LIMIT: if (!g) return false; *val = &g->limit_w; break;
	case PT_Q_GPU_ENFORCED_LIMIT: if (!g) return false; *val = &g->enforced_limit_w; break;
	default: return false;
	}
	return true;
}

bool pt_node_obs_pick(struct pt_node_obs *o, struct pt_gpu_obs *g, enum pt_quantity q, int index)
{
	int *pick = g ? &g->pick[pt_quantity_group(q)] : &o->pick[pt_quantity_group(q)];

	if (*pick != 0 && *pick <= index + 1)
		return *pick == index + 1;
	*pick = index + 1;
	return true;
}

bool pt_node_obs_put(struct pt_node_obs *o, struct pt_gpu_obs *g, enum pt_quantity q, int index,
		const char *source, double v)
{
	int *pick = g ? &g->pick[pt_quantity_group(q)] : &o->pick[pt_quantity_group(q)];
	double *val, *other;
	char *src;

	if (!obs_slot(o, g, q, &val, &other, &src))
		return false;
	if (*pick != 0 && *pick < index + 1)
		return false; /* an earlier source has it */
	if (*pick != index + 1 && other)
		*other = NAN; /* a later source had it: its figures go (the same
		               * source keeps both: the model takes energy first) */
	*pick = index + 1;
	*val = v;
	if (src)
		snprintf(src, PT_SRC_NAME, "%s", source ? source : "measured");
	return true;
}

void pt_node_obs_clear(struct pt_node_obs *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->ngpus; i++) {
		free(o->gpus[i].uuid);
		free(o->gpus[i].name);
	}
	free(o->gpus);
	free(o->node);
	free(o->cpu_model);
	pt_node_obs_init(o);
}

struct pt_gpu_obs *pt_node_obs_gpu(struct pt_node_obs *o, const char *uuid)
{
	struct pt_gpu_obs *g;
	size_t i;

	for (i = 0; i < o->ngpus; i++)
		if (strcmp(o->gpus[i].uuid, uuid) == 0)
			return &o->gpus[i];
	if (o->ngpus == o->gpus_cap) {
		size_t cap = o->gpus_cap ? o->gpus_cap * 2 : 4;
		g = realloc(o->gpus, cap * sizeof(*g));
		if (g == NULL)
			return NULL;
		o->gpus = g;
		o->gpus_cap = cap;
	}
	g = &o->gpus[o->ngpus];
	memset(g, 0, sizeof(*g));
	g->util = g->power_w = g->energy_j = g->enforced_limit_w = g->limit_w = NAN;
	if ((g->uuid = strdup(uuid)) == NULL)
		return NULL;
	o->ngpus++;
	return g;
}

static int cmp_gpu(const void *a, const void *b)
{
	return strcmp(((const struct pt_gpu_obs *)a)->uuid, ((const struct pt_gpu_obs *)b)->uuid);
}

void pt_node_obs_sort_gpus(struct pt_node_obs *o)
{
	if (o->ngpus > 1)
		qsort(o->gpus, o->ngpus, sizeof(*o->gpus), cmp_gpu);
}

static int cmp_obs(const void *a, const void *b)
{
	return strcmp(((const struct pt_node_obs *)a)->node, ((const struct pt_node_obs *)b)->node);
}

void pt_node_obs_sort(struct pt_node_obs *obs, size_t n)
{
	if (n > 1)
		qsort(obs, n, sizeof(*obs), cmp_obs);
}

/* ---- rows ---- */

void pt_row_clear(struct pt_row *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ndevices; i++) {
		free(r->devices[i].device);
		free(r->devices[i].model);
	}
	free(r->devices);
	free(r->task);
	free(r->node);
	memset(r, 0, sizeof(*r));
}

void pt_rows_free(struct pt_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		pt_row_clear(&rows[i]);
	free(rows);
}

double pt_model_power(double idle_w, double tdp_w, double util)
{
	if (util < 0)
		util = 0;
	if (util > 1)
		util = 1;
	return idle_w + (tdp_w - idle_w) * util;
}

static double sum_known(double a, double b)
{
	if (isnan(a))
		return b;
	if (isnan(b))
		return a;
	return a + b;
}

/* Appends "; what" (or "what") to a reason list. */
static void add_reason(char *buf, size_t size, const char *what)
{
	size_t len = strlen(buf);

	snprintf(buf + len, size - len, "%s%s", len ? "; " : "", what);
}

static struct pt_device_row *add_device(struct pt_row *r, const char *device, const char *model)
{
	struct pt_device_row *d = &r->devices[r->ndevices];

	memset(d, 0, sizeof(*d));
	d->util_pct = d->tdp_watts = d->power_w = d->energy_wh = d->co2_g = NAN;
	if ((d->device = strdup(device)) == NULL)
		return NULL;
	if (model && (d->model = strdup(model)) == NULL)
		return NULL;
	r->ndevices++;
	return d;
}

/* Device power from measured energy, measured power or the TDP model, in that
 * order of preference; returns the source and sets *power_w. */
static enum pt_source device_power(double *power_w, bool prefer_measured, double energy_j,
		double measured_w, double util, double idle, double tdp, double duration_s)
{
	if (prefer_measured && isfinite(energy_j) && duration_s > 0) {
		*power_w = energy_j / duration_s;
		return PT_SRC_MEASURED;
	}
	if (prefer_measured && isfinite(measured_w)) {
		*power_w = measured_w;
		return PT_SRC_MEASURED;
	}
	if (isfinite(util) && isfinite(tdp)) {
		*power_w = pt_model_power(idle < tdp ? idle : tdp, tdp, util);
		return PT_SRC_MODEL;
	}
	*power_w = NAN;
	return PT_SRC_NONE;
}

/* The device's source column: the measured source's name, "model" or "none". */
static void set_src(struct pt_device_row *d, const char *measured)
{
	snprintf(d->src, sizeof(d->src), "%s", d->source == PT_SRC_MEASURED ?
			(measured && *measured ? measured : "measured") : pt_source_name(d->source));
}

/* Adds name to a '+'-joined list unless it is there. */
static void add_name(char *list, size_t size, const char *name)
{
	const char *p = list;
	size_t n = strlen(name), len = strlen(list);

	while (*p) {
		const char *e = strchr(p, '+');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, name, n) == 0)
			return;
		p += l + (e ? 1 : 0);
	}
	snprintf(list + len, size - len, "%s%s", len ? "+" : "", name);
}

static void set_device_energy(struct pt_device_row *d, double duration_s)
{
	d->energy_wh = isfinite(d->power_w) ? d->power_w * duration_s / PT_J_PER_WH : NAN;
}

/* A value a query set cannot mean: a utilisation outside [0, 1] (beyond
 * rounding; a percent series labelled "ratio"), negative bytes, watts or
 * joules, more than a megawatt. It becomes unknown, and the row says why. */
static double plausible(double v, double lo, double hi, const char *what, char *why, size_t size)
{
	char r[96];

	if (isnan(v))
		return v;
	if (v >= lo && v <= hi)
		return v;
	if (lo == 0.0 && hi == 1.0 && v >= -0.05 && v <= 1.05)
		return v < 0 ? 0.0 : 1.0; /* rate() extrapolation: a hair past 0 or 1 */
	snprintf(r, sizeof(r), "%s out of range (%.4g)", what, v);
	add_reason(why, size, r);
	return NAN;
}

static int model_node(struct pt_row *r, const struct pt_model_in *in, const struct pt_node_obs *o,
		char *missing, size_t missing_size, struct pt_error *err);

int pt_model_node(struct pt_row *r, const struct pt_model_in *in, struct pt_error *err)
{
	struct pt_node_obs ob = *in->obs;
	char missing[256] = "";
	size_t i;
	int rc;

	/* The model's own copy, with what cannot be true set aside. */
	if (ob.ngpus > 0 && (ob.gpus = malloc(ob.ngpus * sizeof(*ob.gpus))) == NULL)
		return pt_error_oom(err);
	ob.cpu_util = plausible(ob.cpu_util, 0, 1, "CPU utilisation", missing, sizeof(missing));
	ob.cpu_power_w = plausible(ob.cpu_power_w, 0, 1e6, "CPU power", missing, sizeof(missing));
	ob.cpu_energy_j = plausible(ob.cpu_energy_j, 0, 1e6 * 1e9, "CPU energy", missing,
			sizeof(missing));
	ob.ram_used_bytes = plausible(ob.ram_used_bytes, 0, 1e18, "RAM used", missing, sizeof(missing));
	ob.ram_power_w = plausible(ob.ram_power_w, 0, 1e6, "RAM power", missing, sizeof(missing));
	ob.ram_energy_j = plausible(ob.ram_energy_j, 0, 1e6 * 1e9, "RAM energy", missing,
			sizeof(missing));
	ob.node_power_w = plausible(ob.node_power_w, 0, 1e6, "node power", missing, sizeof(missing));
	ob.node_energy_j = plausible(ob.node_energy_j, 0, 1e6 * 1e9, "node energy", missing,
			sizeof(missing));
	ob.ram_total_bytes = plausible(ob.ram_total_bytes, 0, 1e18, "RAM total", missing,
			sizeof(missing));
	for (i = 0; i < ob.ngpus; i++) {
		ob.gpus[i] = in->obs->gpus[i];
		ob.gpus[i].util = plausible(ob.gpus[i].util, 0, 1, "GPU utilisation", missing,
				sizeof(missing));
		ob.gpus[i].power_w = plausible(ob.gpus[i].power_w, 0, 1e6, "GPU power", missing,
				sizeof(missing));
		ob.gpus[i].energy_j = plausible(ob.gpus[i].energy_j, 0, 1e6 * 1e9, "GPU energy", missing,
				sizeof(missing));
	}
	rc = model_node(r, in, &ob, missing, sizeof(missing), err);
	if (ob.ngpus > 0)
		free(ob.gpus);
	return rc;
}

static int model_node(struct pt_row *r, const struct pt_model_in *in, const struct pt_node_obs *o,
		char *missing, size_t missing_size, struct pt_error *err)
{
	const struct pt_power_params *pp = in->power;
	double d = (double)(in->end_ms - in->start_ms) / 1000.0;
	double gpu_util_sum = 0, gpu_power = NAN;
	size_t gpu_util_n = 0, gpu_measured = 0, gpu_model = 0, i;
	char notes[160] = "";
	const char *nodata = NULL;
	struct pt_device_row *dev;
	bool warned;

	memset(r, 0, sizeof(*r));
	r->start_ms = in->start_ms;
	r->end_ms = in->end_ms;
	r->duration_s = d;
	r->pue = in->pue;
	r->carbon_intensity = in->carbon_intensity;
	if ((in->task && (r->task = strdup(in->task)) == NULL) ||
			(r->node = strdup(o->node)) == NULL ||
			(r->devices = calloc(o->ngpus + 3, sizeof(*r->devices))) == NULL)
		goto oom;

	/* CPU */
	if ((dev = add_device(r, "cpu", o->cpu_model)) == NULL)
		goto oom;
	if (in->cpu_tdp_from_override) {
		dev->tdp_watts = pp->cpu.tdp_watts;
		dev->tdp_source = PT_TDP_CONFIG;
	} else if (pt_tables_cpu_tdp(in->tables, o->cpu_model, &dev->tdp_watts)) {
		dev->tdp_source = PT_TDP_TABLE;
	} else {
		dev->tdp_watts = pp->cpu.tdp_watts;
		dev->tdp_source = PT_TDP_DEFAULT;
	}
	dev->util_pct = o->cpu_util * 100.0;
	dev->source = device_power(&dev->power_w, in->prefer_measured, o->cpu_energy_j,
			o->cpu_power_w, o->cpu_util, pp->cpu.idle_watts, dev->tdp_watts, d);
	set_src(dev, o->cpu_src);
	set_device_energy(dev, d);
	if (dev->source == PT_SRC_NONE)
		add_reason(missing, missing_size, "no CPU data");
	r->cpu_util_pct = dev->util_pct;
	r->cpu_power_w = dev->power_w;
	r->cpu_energy_wh = dev->energy_wh;
	r->cpu_source = dev->source;
	snprintf(r->cpu_src, sizeof(r->cpu_src), "%s", dev->src);
	r->cpu_tdp_watts = dev->tdp_watts;
	r->cpu_tdp_source = dev->tdp_source;

	/* RAM */
	if ((dev = add_device(r, "ram", NULL)) == NULL)
		goto oom;
	r->ram_used_gib = o->ram_used_bytes / (1024.0 * 1024.0 * 1024.0);
	r->ram_util_pct = (isfinite(o->ram_total_bytes) && o->ram_total_bytes > 0) ?
		o->ram_used_bytes / o->ram_total_bytes * 100.0 : NAN;
	dev->util_pct = r->ram_util_pct;
	/* Measured DRAM (RAPL's dram domain, ...) before the per-GiB model. */
	dev->source = device_power(&dev->power_w, in->prefer_measured, o->ram_energy_j,
			o->ram_power_w, NAN, 0, NAN, d);
	if (dev->source == PT_SRC_NONE && isfinite(r->ram_used_gib)) {
		dev->power_w = pp->ram_watts_per_gib * r->ram_used_gib;
		dev->source = PT_SRC_MODEL;
	} else if (dev->source == PT_SRC_NONE) {
		add_reason(missing, missing_size, "no RAM data");
	}
	set_src(dev, o->ram_src);
	set_device_energy(dev, d);
	r->ram_power_w = dev->power_w;
	r->ram_energy_wh = dev->energy_wh;
	r->ram_source = dev->source;
	snprintf(r->ram_src, sizeof(r->ram_src), "%s", dev->src);

	/* GPUs */
	for (i = 0; i < o->ngpus; i++) {
		const struct pt_gpu_obs *g = &o->gpus[i];

		if ((dev = add_device(r, g->uuid, g->name)) == NULL)
			goto oom;
		if (in->gpu_tdp_from_override) {
			dev->tdp_watts = pp->gpu.tdp_watts;
			dev->tdp_source = PT_TDP_CONFIG;
		} else if (isfinite(g->enforced_limit_w) && g->enforced_limit_w > 0) {
			dev->tdp_watts = g->enforced_limit_w;
			dev->tdp_source = PT_TDP_EXPORTER;
		} else if (isfinite(g->limit_w) && g->limit_w > 0) {
			dev->tdp_watts = g->limit_w;
			dev->tdp_source = PT_TDP_EXPORTER;
		} else if (pt_tables_gpu_tdp(in->tables, g->name, &dev->tdp_watts)) {
			dev->tdp_source = PT_TDP_TABLE;
		} else {
			dev->tdp_watts = pp->gpu.tdp_watts;
			dev->tdp_source = PT_TDP_DEFAULT;
		}
		dev->util_pct = g->util * 100.0;
		dev->source = device_power(&dev->power_w, in->prefer_measured, g->energy_j,
				g->power_w, g->util, pp->gpu.idle_watts, dev->tdp_watts, d);
		set_src(dev, g->src);
		if (dev->source != PT_SRC_NONE)
			add_name(r->gpu_src, sizeof(r->gpu_src), dev->src);
		set_device_energy(dev, d);
		if (isfinite(g->util)) {
			gpu_util_sum += g->util;
			gpu_util_n++;
		}
		if (dev->source == PT_SRC_MEASURED)
			gpu_measured++;
		else if (dev->source == PT_SRC_MODEL)
			gpu_model++;
		gpu_power = sum_known(gpu_power, dev->power_w);
	}
	r->gpu_count = (int)o->ngpus;
	if (o->ngpus > 0 && gpu_measured + gpu_model < o->ngpus)
		add_reason(missing, missing_size, "a GPU without data");
	/* What holds for the whole node (its devices too): gaps, where the
	 * figures cover only the scrapes that succeeded, and short windows. */
	if (isfinite(o->up) && o->up < PT_UP_MIN) {
		char gap[64];
		snprintf(gap, sizeof(gap), "%.0f%% of scrapes failed", (1.0 - o->up) * 100.0);
		add_reason(notes, sizeof(notes), gap);
	}
	if (in->window_note == NULL && pt_cover_short(o->covered_s, d, in->interval_s)) {
		char cover[64];
		snprintf(cover, sizeof(cover), "data covers %.0f%% of the window",
				o->covered_s > 0 ? floor(o->covered_s / d * 100.0) : 0.0);
		add_reason(notes, sizeof(notes), cover);
	}
	if (in->window_note)
		add_reason(notes, sizeof(notes), in->window_note);
	if (isnan(in->carbon_intensity))
		add_reason(missing, missing_size, "no carbon intensity data");
	r->gpu_util_pct = gpu_util_n ? gpu_util_sum / (double)gpu_util_n * 100.0 : NAN;
	r->gpu_power_w = gpu_power;
	r->gpu_energy_wh = isfinite(gpu_power) ? gpu_power * d / PT_J_PER_WH : NAN;
	r->gpu_source = gpu_model ? PT_SRC_MODEL : gpu_measured ? PT_SRC_MEASURED : PT_SRC_NONE;

	if (r->gpu_src[0] == '\0')
		snprintf(r->gpu_src, sizeof(r->gpu_src), "none");

	/* Totals over the parts that have data; the status says what is missing.
	 * A wall meter makes the total its figure, and what the parts leave of
	 * it "other" (negative when their model overestimates: shown as is). */
	r->power_w = sum_known(sum_known(r->cpu_power_w, r->ram_power_w), r->gpu_power_w);
	r->other_power_w = r->other_energy_wh = NAN;
	snprintf(r->power_src, sizeof(r->power_src), "sum");
	{
		double wall = NAN;
		if (device_power(&wall, in->prefer_measured, o->node_energy_j, o->node_power_w, NAN, 0,
				NAN, d) == PT_SRC_MEASURED) {
			if ((dev = add_device(r, "node", NULL)) == NULL)
				goto oom;
			dev->power_w = wall;
			dev->source = PT_SRC_MEASURED;
			set_src(dev, o->node_src);
			set_device_energy(dev, d);
			snprintf(r->power_src, sizeof(r->power_src), "%s", dev->src);
			if (isfinite(r->power_w))
				r->other_power_w = wall - r->power_w;
			r->power_w = wall;
			r->other_energy_wh = isfinite(r->other_power_w) ?
				r->other_power_w * d / PT_J_PER_WH : NAN;
		}
	}
	/* Parts' energies are their powers times the window, so the total's is too. */
	r->energy_wh = isfinite(r->power_w) ? r->power_w * d / PT_J_PER_WH : NAN;
	r->energy_j = r->energy_wh * PT_J_PER_WH;
	r->co2_g = r->energy_wh / 1000.0 * r->pue * r->carbon_intensity;

	/* A store that warned (a partial answer from Thanos, Mimir or
	 * VictoriaMetrics) may have left out any node's series: every row says
	 * so, last, so the reasons of its own come first. */
	warned = in->store_warning && in->store_warning[0];
	if (!o->any || isnan(r->power_w)) {
		nodata = in->window_note ? in->window_note : in->nodata_hint ? in->nodata_hint :
			o->any && missing[0] ? missing : "no series for this node in the window";
		pt_status_set(&r->status, PT_STATUS_NO_DATA, "%s%s%s", nodata,
				warned ? "; store warned: " : "", warned ? in->store_warning : "");
		r->power_w = r->energy_wh = r->energy_j = r->co2_g = NAN;
		r->other_power_w = r->other_energy_wh = NAN;
		r->gpu_count = -1; /* unknown, not a CPU-only node */
	} else if (missing[0] || notes[0] || warned) {
		pt_status_set(&r->status, PT_STATUS_PARTIAL, "%s%s%s%s%s", missing,
				missing[0] && notes[0] ? "; " : "", notes,
				warned ? (missing[0] || notes[0] ? "; store warned: " : "store warned: ") : "",
				warned ? in->store_warning : "");
	} else {
		pt_status_ok(&r->status);
	}
	/* Devices: their own data, the node's notes. */
	for (i = 0; i < r->ndevices; i++) {
		struct pt_device_row *dr = &r->devices[i];
		dr->co2_g = nodata ? NAN : dr->energy_wh / 1000.0 * r->pue * r->carbon_intensity;
		if (dr->source == PT_SRC_NONE || nodata)
			pt_status_set(&dr->status, PT_STATUS_NO_DATA, "%s%s%s",
					nodata ? nodata : "no series for this device in the window",
					warned ? "; store warned: " : "", warned ? in->store_warning : "");
		else if (notes[0] || warned)
			pt_status_set(&dr->status, PT_STATUS_PARTIAL, "%s%s%s", notes,
					warned ? (notes[0] ? "; store warned: " : "store warned: ") : "",
					warned ? in->store_warning : "");
		else
			pt_status_ok(&dr->status);
	}
	return PT_OK;
oom:
	pt_row_clear(r);
	return pt_error_oom(err);
}

/* ---- row status ---- */

void pt_status_ok(struct pt_status *s)
{
	s->kind = PT_STATUS_OK;
	snprintf(s->text, sizeof(s->text), "ok");
}

void pt_status_set(struct pt_status *s, enum pt_status_kind kind, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (kind == PT_STATUS_OK) {
		pt_status_ok(s);
		return;
	}
	s->kind = kind;
	n = snprintf(s->text, sizeof(s->text), "%s: ", kind == PT_STATUS_NO_DATA ? "no_data" : "partial");
	va_start(ap, fmt);
	vsnprintf(s->text + n, sizeof(s->text) - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *pt_status_reason(const struct pt_status *s)
{
	const char *colon = strchr(s->text, ':');

	return s->kind == PT_STATUS_OK || colon == NULL ? "" : colon + 2;
}
