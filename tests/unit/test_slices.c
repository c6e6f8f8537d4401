/* test_slices.c - the slice planner batch and export share: first size, bounds, the budget per track. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "slices.h"

/* A context whose query set has nq quantities (the planner only counts them). */
struct fake_ctx {
	struct pt_ctx ctx;
	struct pt_queryset qs;
	struct pt_query q;
};

static void fake_ctx_init(struct fake_ctx *f, int nq)
{
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < nq && i < PT_Q_COUNT; i++)
		f->qs.q[i] = &f->q;
	f->qs.n = (size_t)nq;
	f->ctx.qs = &f->qs;
}

static const struct {
	const char *name;
	int nq;
	size_t nnodes;
	bool all;
	int64_t chunk_ms, step_ms, min_points;
	int64_t want_chunk, want_first;
} plan_cases[] = {
	/* 2e6 / (2 x 10) = 100,000 points, capped by the points limit. */
	{"ten_nodes", 2, 10, false, 0, 15000, 60, PT_SERIES_MAX_POINTS, PT_SERIES_MAX_POINTS},
	/* Every node: sized for PT_SLICE_GUESS_NODES. 2e6 / (4 x 100). */
	{"every_node", 4, 0, true, 0, 15000, 60, PT_SERIES_MAX_POINTS, 5000},
	/* 2e6 / (10 x 5000) = 40, raised to the minimum. */
	{"many_nodes_min", 10, 5000, false, 0, 15000, 60, PT_SERIES_MAX_POINTS, 60},
	/* A chunk below the minimum wins over it: 30 s / 15 s = 2 points. */
	{"chunk_below_min", 10, 5000, false, 30000, 15000, 60, 2, 2},
	/* A chunk shorter than the step is still one point. */
	{"chunk_under_step", 2, 10, false, 1000, 15000, 60, 1, 1},
	/* A chunk longer than the points limit allows is capped by it. */
	{"chunk_over_limit", 2, 10, false, INT64_C(1000000000), 15, 1, PT_SERIES_MAX_POINTS,
		PT_SERIES_MAX_POINTS},
	/* No quantity counts as one; no node named, not all: one node. 2e6 / 1. */
	{"no_quantities", 0, 0, false, 60000, 1000, 1, 60, 60},
	/* Export's minimum of 1: 2e6 / (13 x 1e6) = 0 points becomes 1. */
	{"min_one", 13, 1000000, false, 0, 15000, 1, PT_SERIES_MAX_POINTS, 1},
	{NULL, 0, 0, false, 0, 0, 0, 0, 0},
};

static void test_slices__plan_first(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; plan_cases[i].name; i++) {
		struct fake_ctx f;
		struct pt_slice_plan p;

		fake_ctx_init(&f, plan_cases[i].nq);
		pt_slice_plan_init(&p, &f.ctx, plan_cases[i].chunk_ms, plan_cases[i].step_ms,
				plan_cases[i].nnodes, plan_cases[i].all, plan_cases[i].min_points);
		if (p.chunk_points != plan_cases[i].want_chunk)
			fail_msg("%s: chunk %lld, want %lld", plan_cases[i].name, (long long)p.chunk_points,
					(long long)plan_cases[i].want_chunk);
		if (pt_slice_plan_next(&p) != plan_cases[i].want_first)
			fail_msg("%s: first slice %lld points, want %lld", plan_cases[i].name,
					(long long)p.points, (long long)plan_cases[i].want_first);
	}
}

static void test_slices__plan_after(void **state)
{
	struct fake_ctx f;
	struct pt_slice_plan p;

	(void)state;
	fake_ctx_init(&f, 2);
	pt_slice_plan_init(&p, &f.ctx, 0, 15000, 10, false, 60);
	/* The budget over the tracks the slice had. */
	pt_slice_plan_done(&p, 400);
	assert_int_equal(pt_slice_plan_next(&p), 5000);
	/* More tracks than the minimum allows for: the minimum. */
	pt_slice_plan_done(&p, 1000000);
	assert_int_equal(pt_slice_plan_next(&p), 60);
	/* A slice without tracks says nothing: the size stays. */
	pt_slice_plan_done(&p, 0);
	assert_int_equal(pt_slice_plan_next(&p), 60);
	/* Few tracks: capped by the points limit. */
	pt_slice_plan_done(&p, 3);
	assert_int_equal(pt_slice_plan_next(&p), PT_SERIES_MAX_POINTS);
}

static void test_slices__concurrency(void **state)
{
	(void)state;
	assert_int_equal(pt_slice_concurrency(0), PT_SLICE_CONCURRENCY);
	assert_int_equal(pt_slice_concurrency(-3), PT_SLICE_CONCURRENCY);
	assert_int_equal(pt_slice_concurrency(9), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slices__plan_first),
		cmocka_unit_test(test_slices__plan_after),
		cmocka_unit_test(test_slices__concurrency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
