/* report.h - one window -> rows: expands the query set, asks Prometheus, joins series per node and device, applies the model. */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "ctx.h"
#include "error.h"
#include "model.h"
#include "prom.h"
#include "queryset.h"

struct pt_raw;

struct pt_window {
	const char *task;          /* may be NULL */
	int64_t start_ms, end_ms;
	const char *const *nodes;  /* requested nodes; 0 = every node with data */
	size_t nnodes;
	int64_t scrape_interval_ms; /* 0 = unknown; used to flag short windows */
	int64_t step_ms;           /* batch's grid step when coarser than the scrapes, else 0 */
	const char *store_warning; /* warnings of the answers the rows come from, "; "-joined, or
	                              NULL; pt_report_window sets it from its own answers */
	const struct pt_raw *raw;  /* answer from these raw samples (raw.h, batch) instead of
	                              asking the store; NULL: ask */
};

/* The ${window} of template q for a window of window_ms: the window for a
 * counter template (pt_series_is_counter), 1 ms less for a gauge one, so
 * that gauges cover (start, end] on every store (doc/reference.md §5.5). */
int64_t pt_report_template_window(const struct pt_query *q, int64_t window_ms);
/* The same for a template known to be a counter one or not. */
int64_t pt_report_window_of(bool counter, int64_t window_ms);

/* "up", "covered" and "carbon_intensity" only add to the nodes the other
 * quantities found: asked last (pt_report_ask's marks). */
bool pt_report_is_mark(enum pt_quantity q);

/* Observations of every node in the window (requested ones always present,
 * with any == false when nothing came back). Sorted by node name unless nodes
 * were requested, then in their order. Caller frees with pt_obs_free.
 * warnings (may be NULL) gets the store's warnings on the answers, joined
 * with pt_prom_warning_join; each new one also goes to ctx->on_store_warning. */
/* Asks every entry of the query set (with marks, also "up" and "covered")
 * for the window, all at once, evaluated at its end, and hands each decoded
 * answer to fn in the set's order ("up" and "covered" last), freeing it
 * after. Stops at the first error: a failed query (named), or fn's. */
int pt_report_ask(struct pt_ctx *ctx, const struct pt_window *w, bool marks,
		int (*fn)(void *user, const struct pt_query *q, const struct pt_prom_result *res,
			struct pt_error *err), void *user, struct pt_error *err) PT_WUR;

int pt_report_observe(struct pt_node_obs **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_buf *warnings, struct pt_error *err) PT_WUR;
void pt_obs_free(struct pt_node_obs *obs, size_t n);

/* Observations -> rows through the model; w->store_warning makes them partial. */
int pt_report_model(struct pt_row **out, size_t *n, const struct pt_ctx *ctx,
		const struct pt_window *w, const struct pt_node_obs *obs, size_t nobs,
		struct pt_error *err) PT_WUR;

/* observe + model. Returns PT_OK; the caller looks at row statuses to decide exit 1. */
int pt_report_window(struct pt_row **out, size_t *n, struct pt_ctx *ctx,
		const struct pt_window *w, struct pt_error *err) PT_WUR;

/* True when any row (or device row) is not "ok". */
bool pt_rows_missing(const struct pt_row *rows, size_t n);

#endif
