/* model.h - power, energy and CO2 arithmetic (doc/reference.md §6) over plain observations; rows and their lifecycle. Pure: no I/O. */
#ifndef PT_MODEL_H
#define PT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "error.h"
#include "queryset.h"
#include "tables.h"

#define PT_J_PER_WH 3600.0
/* Below this share of successful scrapes (query-set quantity "up") a row is
 * partial: one missed scrape in an hour is noise, a node down for minutes is not. */
#define PT_UP_MIN 0.95
/* Below this share of the window between a node's first and last samples
 * (query-set quantity "covered") a row is partial: the window reaches before
 * the node's data began or after it ended. The rule when the scrape interval
 * is unknown; see pt_cover_short. */
#define PT_COVER_MIN 0.9
/* Lateness of a busy scraper forgiven at each edge of a window: this many
 * seconds plus a quarter of the interval (pt_cover_short). */
#define PT_COVER_SLACK_S 1.0

/* Whether samples that span covered_s seconds (first to last, plus one
 * interval: the query set's "covered") miss more of a window of d_s seconds
 * than scraping every interval_s explains. Even on time, up to one interval
 * passes before the first sample and after the last; a row is partial when
 * more than that plus the slack is missing at the edges, which is
 *   d_s - covered_s > interval_s + 2 * (PT_COVER_SLACK_S + interval_s / 4),
 * so a 12 s window at 1 s scrapes whose edge scrapes came late is whole, a
 * node that stopped for a minute of an hour is not. interval_s <= 0
 * (unknown): partial below PT_COVER_MIN of the window. False when covered_s
 * is NaN. */
bool pt_cover_short(double covered_s, double d_s, double interval_s);

enum pt_source { PT_SRC_NONE, PT_SRC_MODEL, PT_SRC_MEASURED };
enum pt_tdp_source { PT_TDP_NONE, PT_TDP_CONFIG, PT_TDP_EXPORTER, PT_TDP_TABLE, PT_TDP_DEFAULT };

const char *pt_source_name(enum pt_source s);         /* "none" "model" "measured" */
/* Longest text of a source column + 1: GPU sources joined by '+'. */
#define PT_SRC_TEXT 64
const char *pt_tdp_source_name(enum pt_tdp_source s); /* "" "config" "exporter" "table" "default" */

/* ---- observations: what Prometheus said about one node over one window ---- */
/* Every double is NaN when unknown. Energies are joules over the window. */
struct pt_gpu_obs {
	char *uuid;
	char *name;
	double util;            /* ratio 0..1 */
	double power_w;         /* measured average */
	double energy_j;        /* measured over the window */
	double enforced_limit_w;
	double limit_w;
	char src[PT_SRC_NAME];  /* source of power_w / energy_j */
	int pick[PT_Q_COUNT];   /* per quantity group: 1 + index of the entry chosen, 0 = none */
};

struct pt_node_obs {
	char *node;
	double cpu_util;        /* ratio 0..1 */
	double cpu_power_w;     /* measured average */
	double cpu_energy_j;    /* measured over the window */
	char *cpu_model;
	double ram_used_bytes;  /* time-averaged */
	double ram_total_bytes;
	double ram_power_w;     /* measured DRAM average */
	double ram_energy_j;    /* measured DRAM over the window */
	double node_power_w;    /* measured wall (or platform) average */
	double node_energy_j;   /* measured wall (or platform) over the window */
	char cpu_src[PT_SRC_NAME], ram_src[PT_SRC_NAME], node_src[PT_SRC_NAME];
	int pick[PT_Q_COUNT];   /* per quantity group: 1 + index of the entry chosen, 0 = none */
	double up;              /* share of successful scrapes, NaN when unknown */
	int up_n;               /* targets averaged into up */
	double covered_s;       /* seconds the samples span (+ one interval), NaN when unknown */
	double carbon_intensity; /* g/kWh from the query set's carbon_intensity, NaN when none */
	struct pt_gpu_obs *gpus;
	size_t ngpus;
	size_t gpus_cap;
	bool any;               /* any series at all for this node */
};

void pt_node_obs_init(struct pt_node_obs *o);
void pt_node_obs_clear(struct pt_node_obs *o); /* frees members; NULL ok */
/* Finds or adds the GPU with this uuid. NULL on OOM. */
struct pt_gpu_obs *pt_node_obs_gpu(struct pt_node_obs *o, const char *uuid);
/* Puts the value v (canonical units) of quantity q from the entry with this
 * priority (pt_query.prio) and source into o (g for device quantities), when
 * no source earlier in the file already gave one of q's group
 * (pt_quantity_group): the first source with data wins, whatever order values
 * arrive in, and the figures of one group never mix sources. Not for up or
 * info quantities. True when taken. */
bool pt_node_obs_put(struct pt_node_obs *o, struct pt_gpu_obs *g, enum pt_quantity q, int index,
		const char *source, double v);
/* Whether an entry of q's group with this index may set an info value (a
 * model name): true for the first source with one. Marks it chosen. */
bool pt_node_obs_pick(struct pt_node_obs *o, struct pt_gpu_obs *g, enum pt_quantity q, int index);
/* Puts o's GPUs in uuid order, as rows list them. */
void pt_node_obs_sort_gpus(struct pt_node_obs *o);
/* Puts n observations in node name order. */
void pt_node_obs_sort(struct pt_node_obs *obs, size_t n);

/* ---- results ---- */
/* A row's state: an enum to decide on, and the text the outputs show. The
 * values are those of powertest_status in include/powertest.h. */
enum pt_status_kind { PT_STATUS_OK = 0, PT_STATUS_NO_DATA = 1, PT_STATUS_PARTIAL = 2 };
struct pt_status {
	enum pt_status_kind kind;
	char text[448];         /* "ok", "no_data: <reason>" or "partial: <reason>" */
};
/* Sets s to ok. */
void pt_status_ok(struct pt_status *s);
/* Sets s: kind, and the reason (printf-style) after "no_data: " or
 * "partial: "; for PT_STATUS_OK the same as pt_status_ok. */
void pt_status_set(struct pt_status *s, enum pt_status_kind kind, const char *fmt, ...)
	PT_PRINTF(3, 4);
/* The reason: the text after "no_data: " / "partial: ", "" for ok. */
const char *pt_status_reason(const struct pt_status *s);

struct pt_device_row {
	char *device;           /* "cpu", "ram" or the GPU uuid */
	char *model;            /* may be NULL */
	double util_pct;        /* NaN when unknown */
	double tdp_watts;       /* NaN when not applicable (ram, measured w/o tdp) */
	enum pt_tdp_source tdp_source;
	double power_w;
	double energy_wh;
	double co2_g;           /* energy x PUE x the node's intensity (carbon.h: over time) */
	enum pt_source source;
	char src[PT_SRC_TEXT];  /* the source column: the meter's name, "model" or "none" */
	struct pt_status status;
};

struct pt_row {
	char *task;
	char *node;
	int64_t start_ms, end_ms;
	double duration_s;
	double cpu_util_pct, ram_util_pct, ram_used_gib;
	int gpu_count;
	double gpu_util_pct;
	double cpu_power_w, ram_power_w, gpu_power_w, other_power_w, power_w;
	double cpu_energy_wh, ram_energy_wh, gpu_energy_wh, other_energy_wh, energy_wh, energy_j;
	double pue, carbon_intensity, co2_g;
	enum pt_source cpu_source, gpu_source, ram_source;
	/* The source columns: the meter's name ("rapl", GPUs of several kinds
	 * joined by '+'), "model" or "none"; power_src the wall meter or "sum". */
	char cpu_src[PT_SRC_TEXT], ram_src[PT_SRC_TEXT], gpu_src[PT_SRC_TEXT], power_src[PT_SRC_TEXT];
	double cpu_tdp_watts;   /* for the table view */
	enum pt_tdp_source cpu_tdp_source;
	struct pt_status status;
	struct pt_device_row *devices; /* cpu, ram, each GPU, then "node" (the wall meter) */
	size_t ndevices;
};

void pt_row_clear(struct pt_row *r); /* frees members; NULL ok */
void pt_rows_free(struct pt_row *rows, size_t n);

/* P = idle + (tdp - idle) * u, u clamped to [0, 1]. */
double pt_model_power(double idle_w, double tdp_w, double util);

/* Turns one node's observations into a row (and its device rows). prefer_measured,
 * the per-node effective parameters (pt_config_node_power) and the tables decide
 * TDPs and sources; pue and carbon intensity must be resolved by the caller.
 * task may be NULL. Only PT_ENOMEM can fail. */
struct pt_model_in {
	const struct pt_node_obs *obs;
	const char *task;
	int64_t start_ms, end_ms;
	bool prefer_measured;
	const struct pt_power_params *power; /* effective for this node */
	bool cpu_tdp_from_override, gpu_tdp_from_override;
	double pue, carbon_intensity; /* carbon_intensity NaN: unknown (row partial, no CO2) */
	const struct pt_tables *tables;
	const char *window_note; /* e.g. "window shorter than two scrape intervals"; NULL = none */
	double interval_s;       /* sample interval behind obs->covered_s (scrapes, or a
	                          * coarser grid step); 0 = unknown (pt_cover_short) */
	const char *nodata_hint; /* why a node without data may have none; NULL = the usual */
	const char *store_warning; /* the store's warnings on the answers ("; "-joined), NULL = none:
	                              the row is partial ("store warned: ...") even with every part */
};
int pt_model_node(struct pt_row *out, const struct pt_model_in *in, struct pt_error *err) PT_WUR;

/* Resolves carbon intensity: explicit value, else country via table (PT_EUSAGE
 * when the code is unknown), else 475 g/kWh (IEA 2019 world average). */
int pt_model_carbon(double *out, const struct pt_power_params *p, const struct pt_tables *t,
		struct pt_error *err) PT_WUR;

#endif
