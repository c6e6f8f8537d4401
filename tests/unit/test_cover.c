/* test_cover.c - when a window's data is "partial" for reaching past the samples at its edges (query-set quantity "covered"). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "report.h"

/* Rows of one node whose only flaw can be its coverage, through the same
 * path report, run, batch and serve take (pt_report_model). */
static void test_cover__edges(void **state)
{
	static const struct {
		double d_s;          /* window */
		int64_t scrape_ms;   /* 0 = unknown */
		int64_t step_ms;     /* batch grid step when coarser, else 0 */
		double covered_s;    /* first to last sample, plus one interval */
		const char *status;  /* expected */
	} cases[] = {
		/* The issue: run of a 12 s command at 1 s scrapes on a loaded
		 * machine, two edge scrapes late: whole, not partial. */
		{12, 1000, 0, 10, "ok"},
		{12, 1000, 0, 12, "ok"},
		{12, 1000, 0, 9.5, "ok"},
		/* Half the window without samples is a real gap. */
		{12, 1000, 0, 6, "partial: data covers 50% of the window"},
		{12, 1000, 0, 8, "partial: data covers 66% of the window"},
		/* An hour at 15 s: a late scrape at each edge is nothing... */
		{3600, 15000, 0, 3580, "ok"},
		{3600, 15000, 0, 3576, "ok"},
		{3600, 15000, 0, 3570, "partial: data covers 99% of the window"},
		/* ...a node that came up five minutes in is partial, though it
		 * covers more than 90% of the window. */
		{3600, 15000, 0, 3300, "partial: data covers 91% of the window"},
		{3600, 15000, 0, 3540, "partial: data covers 98% of the window"},
		/* A batch grid coarser than the scrapes: its step is the interval. */
		{3600, 15000, 60000, 3540, "ok"},
		{3600, 15000, 60000, 3400, "partial: data covers 94% of the window"},
		/* Interval unknown: the share rule. */
		{3600, 0, 0, 3300, "ok"},
		{3600, 0, 0, 3000, "partial: data covers 83% of the window"},
		{12, 0, 0, 10, "partial: data covers 83% of the window"},
		/* Coverage unknown: nothing to say. */
		{12, 1000, 0, NAN, "ok"},
	};
	struct pt_ctx *ctx = NULL;
	struct pt_error err = {0, ""};
	size_t i;

	(void)state;
	if (pt_ctx_open_offline(&ctx, NULL, &err) != PT_OK)
		fail_msg("%s", err.msg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_node_obs o;
		struct pt_window w;
		struct pt_row *rows = NULL;
		size_t n = 0;

		pt_node_obs_init(&o);
		o.node = strdup("n1");
		assert_non_null(o.node);
		o.any = true;
		o.cpu_util = 0.5;
		o.ram_used_bytes = o.ram_total_bytes = 1024.0 * 1024 * 1024;
		o.up = 1.0;
		o.covered_s = cases[i].covered_s;
		memset(&w, 0, sizeof(w));
		w.start_ms = INT64_C(1795255200000);
		w.end_ms = w.start_ms + (int64_t)(cases[i].d_s * 1000);
		w.scrape_interval_ms = cases[i].scrape_ms;
		w.step_ms = cases[i].step_ms;
		assert_int_equal(pt_report_model(&rows, &n, ctx, &w, &o, 1, &err), PT_OK);
		assert_int_equal(n, 1);
		if (strcmp(rows[0].status.text, cases[i].status) != 0)
			fail_msg("case %zu (%gs window, %lldms scrapes, covered %gs): '%s', expected '%s'", i,
					cases[i].d_s, (long long)cases[i].scrape_ms, cases[i].covered_s,
					rows[0].status.text, cases[i].status);
		pt_rows_free(rows, n);
		pt_node_obs_clear(&o);
	}
	pt_ctx_free(ctx);
}

/* The rule itself, at its edges. */
static void test_cover__rule(void **state)
{
	(void)state;
	/* 1 s scrapes: up to 1 + 2 * 1.25 = 3.5 s beyond the span may be missing. */
	assert_false(pt_cover_short(8.5, 12, 1));
	assert_true(pt_cover_short(8.49, 12, 1));
	/* 15 s scrapes: 15 + 2 * (1 + 3.75) = 24.5 s. */
	assert_false(pt_cover_short(3600 - 24.5, 3600, 15));
	assert_true(pt_cover_short(3600 - 24.6, 3600, 15));
	/* Unknown interval: 90%. */
	assert_false(pt_cover_short(90, 100, 0));
	assert_true(pt_cover_short(89.9, 100, 0));
	assert_true(pt_cover_short(0, 100, NAN));
	assert_false(pt_cover_short(NAN, 100, 1));
	assert_false(pt_cover_short(5, 0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover__edges),
		cmocka_unit_test(test_cover__rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
