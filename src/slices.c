/* slices.c - the grid of a batch or export run, and the size of its time slices under a memory budget. */
#include "slices.h"

#include "scrape.h"

void pt_slice_grid(struct pt_grid *g, struct pt_ctx *ctx, int64_t scrape_ms, int64_t step_ms,
		int64_t origin_ms, const char *const *nodes, size_t nnodes)
{
	struct pt_error ignored = {0, ""};

	g->scrape_ms = scrape_ms;
	/* 0 when the store cannot tell: the default below. */
	if (g->scrape_ms <= 0)
		(void)!pt_scrape_interval(&g->scrape_ms, ctx, nodes, nnodes, true, &ignored);
	if (g->scrape_ms <= 0)
		g->scrape_ms = PT_SERIES_DEFAULT_SCRAPE_MS;
	g->step_ms = step_ms > 0 ? step_ms : g->scrape_ms;
	g->origin_ms = origin_ms;
	g->metricsql = pt_series_is_metricsql(ctx);
}

int pt_slice_concurrency(int c)
{
	return c > 0 ? c : PT_SLICE_CONCURRENCY;
}

void pt_slice_plan_init(struct pt_slice_plan *p, const struct pt_ctx *ctx, int64_t chunk_ms,
		int64_t step_ms, size_t nnodes, bool all, int64_t min_points)
{
	size_t nq = 0, nn = all ? PT_SLICE_GUESS_NODES : (nnodes ? nnodes : 1);
	int q;

	p->chunk_points = PT_SERIES_MAX_POINTS;
	if (chunk_ms > 0) {
		p->chunk_points = chunk_ms / step_ms;
		if (p->chunk_points < 1)
			p->chunk_points = 1;
		if (p->chunk_points > PT_SERIES_MAX_POINTS)
			p->chunk_points = PT_SERIES_MAX_POINTS;
	}
	p->min_points = min_points;
	(void)q;
	nq = ctx->qs->n;
	p->points = (int64_t)(PT_SLICE_BUDGET_POINTS / ((nq ? nq : 1) * nn));
}

int64_t pt_slice_plan_next(struct pt_slice_plan *p)
{
	if (p->points > p->chunk_points)
		p->points = p->chunk_points;
	if (p->points < p->min_points && p->chunk_points >= p->min_points)
		p->points = p->min_points;
	return p->points;
}

void pt_slice_plan_done(struct pt_slice_plan *p, size_t ntracks)
{
	if (ntracks > 0)
		p->points = (int64_t)(PT_SLICE_BUDGET_POINTS / ntracks);
}
