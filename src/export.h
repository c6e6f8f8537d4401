/* export.h - time series of utilisation, power and cumulative energy per node (doc/reference.md §7.3), streamed slice by slice. */
#ifndef PT_EXPORT_H
#define PT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "csvout.h"
#include "error.h"
#include "report.h"

struct pt_sink;

struct pt_export_opts {
	int64_t start_ms, end_ms;
	int64_t step_ms;           /* 0 = the scrape interval */
	int64_t scrape_ms;         /* data's sample interval; 0 = from the targets API, else 15 s */
	int64_t chunk_ms;          /* longest time slice fetched at once; 0 = automatic */
	const char *const *nodes;  /* requested nodes; nnodes == 0 = every node with data */
	size_t nnodes;
	int concurrency;           /* <= 0 = 4 */
	struct pt_sink *sink;      /* a database the rows go into instead of out (sink.h;
	                              begun on pt_schema_export), or NULL */
};

struct pt_export_result {
	size_t rows, steps, slices, requests;
	int64_t step_ms, scrape_ms;
	/* Requested nodes without any data in the span (exit 1); pointers into
	 * opts->nodes. no_nodes: every-node export that found none. */
	const char **missing;
	size_t nmissing;
	bool no_nodes;
	/* The store's warnings on its answers, "; "-joined (data NULL: none):
	 * some rows may lack what the store left out (exit 1). */
	struct pt_buf warnings;
};

/* Writes one row per (step, node) to out (header written by pt_out_open):
 * times start, start + step, ... up to end, each with the node's
 * utilisation and power over the step that ends there (through the same
 * model as report) and energy_wh cumulative from start (0 at start). Nodes:
 * the requested ones in their order, else every node with data sorted by
 * name (a node first seen later in the span gets rows from then on). A step
 * where a node has no data has empty cells. Fetched and written one time
 * slice at a time (each range query under Prometheus' points limit), so
 * memory does not grow with the span. PT_ENET when Prometheus fails (the
 * caller abandons out). Caller clears res with pt_export_result_clear. */
int pt_export_run(struct pt_export_result *res, struct pt_ctx *ctx,
		const struct pt_export_opts *opts, struct pt_out *out, struct pt_error *err) PT_WUR;
void pt_export_result_clear(struct pt_export_result *res);

#endif
