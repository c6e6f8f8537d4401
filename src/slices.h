/* slices.h - the plan batch and export share: their grid, and how many grid points each time slice fetches so memory stays flat. */
#ifndef PT_SLICES_H
#define PT_SLICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "report.h"
#include "series.h"

/* Track-points (value, prefix sum, count: 24 bytes each) one slice may hold:
 * about 50 MB, whatever the number of nodes. */
#define PT_SLICE_BUDGET_POINTS 2000000
/* Nodes assumed for the first slice of a run over every node. */
#define PT_SLICE_GUESS_NODES 100
/* Requests in flight when the caller does not say. */
#define PT_SLICE_CONCURRENCY 4

/* The grid of a run: the data's sample interval scrape_ms (> 0 as given, else
 * from the targets API for these nodes, nnodes == 0: all, else
 * PT_SERIES_DEFAULT_SCRAPE_MS), the step (> 0 as given, else the scrape
 * interval), origin_ms, and whether the store speaks MetricsQL. Asks
 * Prometheus; never fails (what it cannot learn takes the defaults). */
void pt_slice_grid(struct pt_grid *g, struct pt_ctx *ctx, int64_t scrape_ms, int64_t step_ms,
		int64_t origin_ms, const char *const *nodes, size_t nnodes);

/* Requests in flight: c, or PT_SLICE_CONCURRENCY when c <= 0. */
int pt_slice_concurrency(int c);

struct pt_slice_plan {
	int64_t chunk_points; /* most points of one slice */
	int64_t min_points;   /* fewest, unless chunk_points is fewer */
	int64_t points;       /* the next slice's, before the bounds */
};

/* The first slice is sized for ctx's quantities over nnodes nodes (all:
 * PT_SLICE_GUESS_NODES); chunk_ms > 0 caps a slice at chunk_ms / step_ms
 * points (at least 1), and PT_SERIES_MAX_POINTS caps it anyway. */
void pt_slice_plan_init(struct pt_slice_plan *p, const struct pt_ctx *ctx, int64_t chunk_ms,
		int64_t step_ms, size_t nnodes, bool all, int64_t min_points);
/* Points of the next slice, within the plan's bounds. */
int64_t pt_slice_plan_next(struct pt_slice_plan *p);
/* After a slice with ntracks tracks: the next gets as many points as the
 * budget allows for that many (none: as before). */
void pt_slice_plan_done(struct pt_slice_plan *p, size_t ntracks);

#endif
