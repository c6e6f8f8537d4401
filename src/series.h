/* series.h - the query set over a regular grid (series.c: query_range, split under the points limit) and local integration of any window from it (integrate.c). */
#ifndef PT_SERIES_H
#define PT_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "error.h"
#include "model.h"
#include "queryset.h"
#include "report.h"
#include "strmap.h"

/* Most points one range query asks for per series; Prometheus refuses more
 * than 11,000 (the margin absorbs rounding of start/end to the step). */
#define PT_SERIES_MAX_POINTS 10000

/* Scrape interval assumed when neither the targets API nor the caller knows it. */
#define PT_SERIES_DEFAULT_SCRAPE_MS 15000

/* The grid: points t_k = origin + k * step, every template evaluated at
 * t_k + scrape/2 (between two samples when they are `scrape` apart), with a
 * ${window} chosen per template so that neighbouring points never share or
 * lose a sample or a scrape interval:
 *
 *  - a template that takes rate(), increase() or another function needing two
 *    samples ("counter" template) gets ${window} = step + scrape: the samples
 *    that bound exactly the scrape intervals ending in (t_k - step, t_k]. Its
 *    point is the mean slope (rate) or the increase scaled to the window of
 *    those intervals, and stands for (t_k - step, t_k];
 *  - any other template ("gauge": avg_over_time, max_over_time, ...) gets
 *    ${window} = step: the samples in (t_k + scrape/2 - step, t_k + scrape/2],
 *    with step == scrape the one sample at (about) t_k.
 *
 * So a window's value from the points inside it is what one instant query
 * over the window says: rate() uses the scrape intervals inside the window,
 * avg_over_time() the samples inside it (pt_node_acc_add). With samples on
 * the grid (backfilled history, step a multiple of the scrape interval) the
 * two agree exactly; with live scrapes at another phase, up to one sample or
 * scrape interval at each edge of the window differs. A step coarser than
 * the scrape interval resolves window edges only to the step. */
struct pt_grid {
	int64_t origin_ms;
	int64_t step_ms;   /* > 0 */
	int64_t scrape_ms; /* > 0: the data's sample interval */
	bool metricsql;    /* the store speaks MetricsQL (VictoriaMetrics): see below */
};

/* MetricsQL differs in two ways that matter here: rate() and increase() also
 * use the last sample before the window (so a counter template needs only
 * ${window} = step, and a window's rate covers the intervals that end in it),
 * and ranges are open at their start. With metricsql set, the windows and
 * the integration follow that, so batch agrees with report on such a store. */

/* True when the template applies a function that needs two samples per
 * range (rate, irate, increase, delta, idelta, deriv, predict_linear,
 * holt_winters). */
bool pt_series_is_counter(const char *tmpl);

int64_t pt_grid_time(const struct pt_grid *g, int64_t k);       /* t_k */
int64_t pt_grid_eval_ms(const struct pt_grid *g, int64_t k);    /* t_k + scrape/2 */
/* ${window} for a counter or a gauge template. */
int64_t pt_grid_window_ms(const struct pt_grid *g, bool counter);

/* Whether the store answers in MetricsQL: one instant query of "1", a scalar
 * in PromQL, a vector in MetricsQL. false when it cannot be asked (the
 * queries that follow will say why). */
bool pt_series_is_metricsql(struct pt_ctx *ctx);

/* First point whose interval (t_k - step, t_k] ends after t (t_k > t). */
int64_t pt_grid_first(const struct pt_grid *g, int64_t t_ms);
/* Last point whose interval starts before t (t_k - step < t). Points
 * pt_grid_first(a - scrape) .. pt_grid_last(b) hold every sample of [a, b]. */
int64_t pt_grid_last(const struct pt_grid *g, int64_t t_ms);

/* One quantity of one node (and device) over a slice of the grid. Values are
 * in canonical units (ratio, bytes, watts, joules over the quantity's
 * ${window}); info quantities are 1 where the series exists. */
struct pt_track {
	enum pt_quantity quantity;
	int slot;           /* the entry's slot (pt_query_slot): one per source of a quantity */
	int index;          /* the entry's place in the file: earlier sources win */
	char src[PT_SRC_NAME]; /* the entry's source name, "" when unnamed */
	char *node;
	char *device;       /* GPU quantities, else NULL */
	char *model;        /* info quantities, else NULL */
	double *v;          /* slice->k1 - slice->k0 values, NaN = no point; NULL when blk */
	double *blk;        /* fetched in blocks (pt_slice_fetch_blocks): one value per block
	                       of slice->block[quantity] points, NaN = no point in it; else NULL */
	double *cum;        /* n + 1 prefix sums of v over its points (after finish; not blk) */
	double *cnt;        /* n + 1 prefix counts of points (after finish; not blk) */
	size_t next;        /* next track of the same node, PT_STRMAP_NONE at the end */
};

/* Points k0 <= k < k1 of every quantity for a set of nodes. */
struct pt_slice {
	struct pt_grid grid;
	int64_t k0, k1;
	bool counter[PT_QS_SLOTS];   /* the slot's template is a counter one */
	int64_t block[PT_QS_SLOTS];  /* points per block of the slot's blocked tracks */
	struct pt_strmap refine[PT_QS_SLOTS]; /* nodes whose blocks do not settle a window */
	struct pt_track *tracks;
	size_t ntracks, cap;
	struct pt_strmap keys;    /* quantity/node/device/model -> track */
	struct pt_strmap nodes;   /* node -> index into node_first */
	size_t *node_first;       /* first track of each node (after finish) */
	size_t max_series;        /* most series one query answered */
	size_t requests;          /* HTTP requests it took */
	struct pt_buf warnings;   /* the store's warnings on its answers ("; "-joined; pt_prom_warning_join) */
};

/* An empty slice (for pt_slice_absorb; tests). Caller frees with pt_slice_free. */
int pt_slice_new(struct pt_slice **out, const struct pt_grid *g, int64_t k0, int64_t k1,
		struct pt_error *err) PT_WUR;
void pt_slice_free(struct pt_slice *s);

/* Adds the series of one decoded range answer for query q (evaluated with
 * pt_grid_window_ms(pt_series_is_counter(q->tmpl))). Points off the
 * grid's evaluation times, outside the slice, or not finite are skipped;
 * series without a node (or device, for GPU quantities) label too. */
int pt_slice_absorb(struct pt_slice *s, const struct pt_query *q, const struct pt_prom_result *res,
		const struct pt_config *cfg, struct pt_error *err) PT_WUR;
/* Prefix sums and per-node chains; call once after the last absorb. */
int pt_slice_finish(struct pt_slice *s, struct pt_error *err) PT_WUR;

/* Fetches points k0 <= k < k1 of every quantity of ctx's query set for the
 * nodes (nnodes == 0: every node), with at most `concurrency` requests in
 * flight over keep-alive connections, each under PT_SERIES_MAX_POINTS per
 * series. Answers are decoded as they arrive, so only the bodies in flight
 * are held; their warnings go into s->warnings (and each new one to
 * ctx->on_store_warning). PT_ENET (the first failure, naming the quantity) when any
 * request fails after the client's retries. Caller frees with pt_slice_free. */
int pt_slice_fetch(struct pt_slice **out, struct pt_ctx *ctx, const struct pt_grid *g,
		int64_t k0, int64_t k1, const char *const *nodes, size_t nnodes, int concurrency,
		struct pt_error *err) PT_WUR;

/* Power limits and model names hardly ever change, yet on the grid they are
 * most of the points a slice fetches. A quantity whose template takes the
 * largest value over ${window} (power limits: only max and max_over_time) or
 * only says whether a series has a sample in it (model names: count, max,
 * last_over_time...) can be fetched in blocks of m points instead: one
 * point per block with ${window} = m steps, which is what its m points say
 * together (their largest value; whether any of them exists). A window that
 * holds a whole block with the largest value of the blocks it overlaps (and,
 * for a model, has one model there) is then settled exactly as by its
 * every point; any other window needs the points (pt_slice_check,
 * pt_slice_refine). True when q may be fetched so. */
bool pt_series_blockable(const struct pt_query *q);

/* pt_slice_fetch with the blockable quantities in blocks of `block` points
 * (aligned on k0; the last block may reach past k1). block <= 1: every point. */
int pt_slice_fetch_blocks(struct pt_slice **out, struct pt_ctx *ctx, const struct pt_grid *g,
		int64_t k0, int64_t k1, const char *const *nodes, size_t nnodes, int64_t block,
		int concurrency, struct pt_error *err) PT_WUR;

/* Whether the blocks of track t settle the window (a, b] as its points
 * would (always, for a track with every point); when not, marks t's node
 * for pt_slice_refine. PT_ENOMEM is the only error. */
int pt_slice_check(struct pt_slice *s, const struct pt_track *t, int64_t a_ms, int64_t b_ms,
		struct pt_error *err) PT_WUR;

/* Fetches every point of the quantities of the nodes pt_slice_check marked
 * (one request per quantity and part) and replaces their blocks with them,
 * then finishes s again. Nothing marked: nothing to do. Errors as
 * pt_slice_fetch. */
int pt_slice_refine(struct pt_slice *s, struct pt_ctx *ctx, int concurrency,
		struct pt_error *err) PT_WUR;

/* ---- local integration ---- */

/* One quantity over one window: time-weighted sum and weight (ms) of its
 * points wholly inside the window, the same for the points at its edges,
 * the largest value, the latest point. */
struct pt_qacc {
	double sum, w;     /* points whose interval lies inside the window */
	double esum, ew;   /* edge points, weighted by their share of the window */
	double max;
	int64_t last_k;
	bool counter;      /* from a counter template (energy: increase over step + scrape) */
	bool any;
	int index;         /* the entry's place in the file */
	char src[PT_SRC_NAME];
};

/* Accumulators by slot (pt_query_slot), grown as slots get points. */
struct pt_qaccs {
	struct pt_qacc *q;
	size_t n;
};

struct pt_gpu_acc {
	char *uuid;
	char *name;
	int64_t name_k;
	struct pt_qaccs q;
	bool any;
};

/* What a node's tracks say about one window, gathered over one or more slices. */
struct pt_node_acc {
	char *node;
	struct pt_qaccs q;
	char *cpu_model;
	int64_t cpu_model_k;
	struct pt_gpu_acc *gpus;
	size_t ngpus, gpus_cap;
	int64_t first_ms, last_ms; /* the node's first and last points in the window */
	bool span;                 /* first_ms and last_ms are set */
	bool any;
};

/* Whether node ni of a finished slice has a track other than "up": every
 * scraped target has "up" (Prometheus itself too), which makes no node. */
bool pt_slice_node_has_data(const struct pt_slice *s, size_t ni);

int pt_node_acc_init(struct pt_node_acc *a, const char *node, struct pt_error *err) PT_WUR;
void pt_node_acc_clear(struct pt_node_acc *a); /* frees members; NULL ok */

/* Adds the points of track t (of slice s) that overlap the window (a, b].
 * Points wholly inside cost O(1) through the prefix sums, so many windows
 * over the same slice stay cheap. A blocked track adds what its blocks
 * settle (pt_slice_check); for a window they do not settle, the largest
 * value and the models of the blocks it overlaps. */
int pt_node_acc_add(struct pt_node_acc *acc, const struct pt_slice *s, const struct pt_track *t,
		int64_t a_ms, int64_t b_ms, struct pt_error *err) PT_WUR;

/* Observations of the window (a, b] from acc, as pt_report_observe would
 * (covered_s from the node's first and last points, when `covered` is true),
 * give them: means of the utilisation, power and memory quantities over the
 * points inside the window, as rate() and avg_over_time() use only the scrape
 * intervals and samples inside it (a point at an edge counts for the whole
 * scrape intervals it has inside, so not at all when step == scrape; by its
 * share of the window only when nothing else is inside), the
 * measured energy as mean power x duration, the largest power limits, the
 * latest model names. Quantities without points are NaN; a GPU without any
 * point in the window is left out. Caller clears *out with pt_node_obs_clear. */
int pt_node_acc_obs(struct pt_node_obs *out, const struct pt_node_acc *acc, const struct pt_grid *g,
		int64_t a_ms, int64_t b_ms, bool covered, struct pt_error *err) PT_WUR;

/* Observations at one grid point k of slice s for node (the point's
 * interval (t_k - step, t_k]): counter quantities for that interval, gauges
 * from the samples at its end, energy scaled to one step. o->any is false
 * when the node has no point there. Caller clears *o with pt_node_obs_clear. */
int pt_slice_point_obs(struct pt_node_obs *o, const struct pt_slice *s, const char *node,
		int64_t k, struct pt_error *err) PT_WUR;

#endif
