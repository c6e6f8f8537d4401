/* test_series.c - the grid, counter/gauge templates and the local integration of windows from range answers, table-driven. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pt_test.h"

#include "series.h"

#define S 15000 /* step = scrape = 15 s unless a case says otherwise */

static struct pt_config *cfg;

static int setup(void **state)
{
	struct pt_error err = {0, ""};

	(void)state;
	return pt_config_load(&cfg, NULL, &err) == PT_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pt_config_free(cfg);
	return 0;
}

static void test_series__grid(void **state)
{
	static const struct {
		int64_t origin, step, scrape, t;
		int64_t first, last, time3, eval3;
	} cases[] = {
		/* first: t_k > t; last: t_k - step < t */
		{0, 15000, 15000, 15000, 2, 1, 45000, 52500},
		{0, 15000, 15000, 15001, 2, 2, 45000, 52500},
		{0, 15000, 15000, 14999, 1, 1, 45000, 52500},
		{0, 15000, 15000, 0, 1, 0, 45000, 52500},
		{0, 15000, 15000, -1, 0, 0, 45000, 52500},
		{0, 15000, 15000, -15000, 0, -1, 45000, 52500},
		{1000, 60000, 15000, 61000, 2, 1, 181000, 188500},
		{1000, 60000, 15000, 61001, 2, 2, 181000, 188500},
		{0, 1000, 1000, 2500, 3, 3, 3000, 3500},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_grid g = {cases[i].origin, cases[i].step, cases[i].scrape, false};
		assert_int_equal(pt_grid_first(&g, cases[i].t), cases[i].first);
		assert_int_equal(pt_grid_last(&g, cases[i].t), cases[i].last);
		assert_int_equal(pt_grid_time(&g, 3), cases[i].time3);
		assert_int_equal(pt_grid_eval_ms(&g, 3), cases[i].eval3);
		assert_int_equal(pt_grid_window_ms(&g, true), cases[i].step + cases[i].scrape);
		assert_int_equal(pt_grid_window_ms(&g, false), cases[i].step);
	}
}

static void test_series__is_counter(void **state)
{
	static const struct {
		const char *tmpl;
		bool counter;
	} cases[] = {
		{"1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[${window}]))", true},
		{"sum by (instance) (increase(node_rapl_package_joules_total[${window}]))", true},
		{"irate(x[${window}])", true},
		{"deriv (x[${window}])", true},
		{"avg_over_time(nvidia_smi_power_draw_watts[${window}])", false},
		{"max by (instance, uuid) (max_over_time(limit[${window}]))", false},
		{"count by (instance, name) (last_over_time(nvidia_smi_gpu_info[${window}]))", false},
		{"avg_over_time(my_rate_metric[${window}])", false},   /* a name, not a call */
		{"avg_over_time(rate_total[${window}])", false},
		{"avg_over_time(x{job=\"rate\"}[${window}])", false},
		{"sum(increase_total)", false},
		{"ratelimit(x)", false},
		{"", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (pt_series_is_counter(cases[i].tmpl) != cases[i].counter)
			fail_msg("case %zu: '%s' should %sbe a counter template", i, cases[i].tmpl,
					cases[i].counter ? "" : "not ");
}

/* A range answer with one series (instance, optional uuid / model label)
 * whose points are v[0..n) at grid points k0.., NaN = no point. */
static struct pt_prom_result *answer(const struct pt_grid *g, const char *instance,
		const char *uuid, const char *model_label, const char *model, int64_t k0,
		const double *v, size_t n)
{
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	struct pt_prom_result *res = NULL;
	bool first = true;
	size_t i;

	assert_int_equal(pt_buf_printf(&b, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"matrix\",\"result\":[{\"metric\":{\"instance\":\"%s\"", instance), PT_OK);
	if (uuid)
		assert_int_equal(pt_buf_printf(&b, &err, ",\"uuid\":\"%s\"", uuid), PT_OK);
	if (model_label)
		assert_int_equal(pt_buf_printf(&b, &err, ",\"%s\":\"%s\"", model_label, model), PT_OK);
	assert_int_equal(pt_buf_printf(&b, &err, "},\"values\":["), PT_OK);
	for (i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		assert_int_equal(pt_buf_printf(&b, &err, "%s[%.3f,\"%.17g\"]", first ? "" : ",",
				(double)pt_grid_eval_ms(g, k0 + (int64_t)i) / 1000.0, v[i]), PT_OK);
		first = false;
	}
	assert_int_equal(pt_buf_printf(&b, &err, "]}]}}"), PT_OK);
	if (pt_prom_decode(&res, b.data, b.len, 200, &err) != PT_OK)
		fail_msg("decode: %s", err.msg);
	pt_buf_free(&b);
	return res;
}

static const char counter_tmpl[] = "rate(x[${window}])";
static const char gauge_tmpl[] = "avg_over_time(x[${window}])";

static void absorb(struct pt_slice *s, enum pt_quantity qn, enum pt_unit unit, const char *tmpl,
		const char *instance, const char *uuid, const char *model_label, const char *model,
		const double *v, size_t n)
{
	struct pt_query q;
	struct pt_prom_result *res;
	struct pt_error err = {0, ""};

	memset(&q, 0, sizeof(q));
	q.quantity = qn;
	q.unit = unit;
	q.tmpl = (char *)tmpl;
	q.device_label = uuid ? (char *)"uuid" : NULL;
	q.model_label = (char *)model_label;
	res = answer(&s->grid, instance, uuid, model_label, model, s->k0, v, n);
	assert_int_equal(pt_slice_absorb(s, &q, res, cfg, &err), PT_OK);
	pt_prom_result_free(res);
}

/* Points 0..11 (t = 0 .. 165 s): CPU utilisation 0.2 for the intervals
 * ending at 0..75 s and 0.8 after; RAM samples 100 * k bytes; a measured
 * GPU energy counter rising 30 J per window of 30 s (1 W). */
static const double cpu[12] = {0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8};
static const double ram[12] = {0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100};
static const double gpu_j[12] = {30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30};
static const double limit[12] = {300, 300, 300, 300, 300, 300, 350, 350, 350, 350, NAN, NAN};

static struct pt_slice *lab_slice_on(int64_t k0, int64_t k1, bool metricsql)
{
	struct pt_grid g = {0, S, S, metricsql};
	struct pt_slice *s = NULL;
	struct pt_error err = {0, ""};
	size_t n = (size_t)(k1 - k0);

	assert_int_equal(pt_slice_new(&s, &g, k0, k1, &err), PT_OK);
	absorb(s, PT_Q_CPU_UTIL, PT_UNIT_RATIO, counter_tmpl, "n1:9100", NULL, NULL, NULL, cpu + k0, n);
	absorb(s, PT_Q_RAM_USED, PT_UNIT_BYTES, gauge_tmpl, "n1:9100", NULL, NULL, NULL, ram + k0, n);
	absorb(s, PT_Q_GPU_ENERGY, PT_UNIT_JOULES, "increase(e[${window}])", "n1:9835", "GPU-0",
			NULL, NULL, gpu_j + k0, n);
	absorb(s, PT_Q_GPU_POWER_LIMIT, PT_UNIT_WATTS, "max_over_time(l[${window}])", "n1:9835",
			"GPU-0", NULL, NULL, limit + k0, n);
	assert_int_equal(pt_slice_finish(s, &err), PT_OK);
	return s;
}

static struct pt_slice *lab_slice(int64_t k0, int64_t k1)
{
	return lab_slice_on(k0, k1, false);
}

struct window_case {
	int64_t a, b;          /* ms */
	double cpu_util, ram, gpu_energy_j, limit;
	bool any;
};

/* Counter points count when their interval lies inside (a, b], gauge points
 * when their sample does (also (a, b]: a sample at a belongs to the interval
 * before); the edges only without any inside. */
static const struct window_case window_cases[] = {
	/* aligned: intervals 2..11 (0.2 x4, 0.8 x6); samples 2..11 */
	{15000, 165000, (4 * 0.2 + 6 * 0.8) / 10, 650, 150, 350, true},
	/* unaligned: intervals ending 45..90 s (k 3..6), samples at 30..90 s (k 2..6) */
	{20000, 100000, (3 * 0.2 + 0.8) / 4, 400, 80, 350, true},
	/* shorter than a step: only edge points, by their share */
	{20000, 30000, 0.2, 200, 10, 300, true},
	/* a single whole interval, and its sample at the end */
	{75000, 90000, 0.8, 600, 15, 350, true},
	/* after the data */
	{200000, 300000, NAN, NAN, NAN, NAN, false},
};

static void check_obs(const struct pt_node_obs *o, const struct window_case *c, size_t i)
{
	if (!c->any) {
		assert_false(o->any);
		assert_true(isnan(o->cpu_util));
		assert_int_equal(o->ngpus, 0);
		return;
	}
	assert_true(o->any);
	if (fabs(o->cpu_util - c->cpu_util) > 1e-9)
		fail_msg("case %zu: cpu_util %.9g, expected %.9g", i, o->cpu_util, c->cpu_util);
	if (fabs(o->ram_used_bytes - c->ram) > 1e-6)
		fail_msg("case %zu: ram %.9g, expected %.9g", i, o->ram_used_bytes, c->ram);
	assert_int_equal(o->ngpus, 1);
	assert_string_equal(o->gpus[0].uuid, "GPU-0");
	if (fabs(o->gpus[0].energy_j - c->gpu_energy_j) > 1e-6)
		fail_msg("case %zu: energy %.9g J, expected %.9g", i, o->gpus[0].energy_j, c->gpu_energy_j);
	assert_double_equal(o->gpus[0].limit_w, c->limit, 1e-9);
	assert_true(isnan(o->gpus[0].util));
}

static void test_series__window_means(void **state)
{
	struct pt_slice *s = lab_slice(0, 12);
	struct pt_grid g = {0, S, S, false};
	size_t i;

	(void)state;
	assert_int_equal(s->nodes.n, 1);
	for (i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]); i++) {
		const struct window_case *c = &window_cases[i];
		struct pt_node_acc acc;
		struct pt_node_obs o;
		struct pt_error err = {0, ""};
		size_t t;

		assert_int_equal(pt_node_acc_init(&acc, "n1", &err), PT_OK);
		for (t = s->node_first[0]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
			assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], c->a, c->b, &err), PT_OK);
		assert_int_equal(pt_node_acc_obs(&o, &acc, &g, c->a, c->b, false, &err), PT_OK);
		check_obs(&o, c, i);
		pt_node_obs_clear(&o);
		pt_node_acc_clear(&acc);
	}
	pt_slice_free(s);
}

/* A window gathered over two slices equals the one-slice result. */
static void test_series__window_over_slices(void **state)
{
	struct pt_slice *parts[3];
	struct pt_grid g = {0, S, S, false};
	size_t i, p;

	(void)state;
	parts[0] = lab_slice(0, 5);
	parts[1] = lab_slice(5, 7);
	parts[2] = lab_slice(7, 12);
	for (i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]); i++) {
		const struct window_case *c = &window_cases[i];
		struct pt_node_acc acc;
		struct pt_node_obs o;
		struct pt_error err = {0, ""};

		assert_int_equal(pt_node_acc_init(&acc, "n1", &err), PT_OK);
		for (p = 0; p < 3; p++) {
			const struct pt_slice *s = parts[p];
			size_t t, ni = pt_strmap_get(&s->nodes, "n1");
			if (ni == PT_STRMAP_NONE)
				continue;
			for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
				assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], c->a, c->b, &err), PT_OK);
		}
		assert_int_equal(pt_node_acc_obs(&o, &acc, &g, c->a, c->b, false, &err), PT_OK);
		check_obs(&o, c, i);
		pt_node_obs_clear(&o);
		pt_node_acc_clear(&acc);
	}
	for (p = 0; p < 3; p++)
		pt_slice_free(parts[p]);
}

/* MetricsQL: counter windows of one step (rate() starts from the sample
 * before the window), positions counted in (a, b]. */
static void test_series__metricsql(void **state)
{
	static const struct window_case cases[] = {
		/* interval ends 30..90 s (k 2..6); samples 30..90 s; 2 W (30 J per 15 s window) */
		{15000, 90000, (4 * 0.2 + 0.8) / 5, 400, 150, 350, true},
		/* interval ends 30..90 s: the one ending at 30 s starts before 20 s, as in MetricsQL */
		{20000, 100000, (4 * 0.2 + 0.8) / 5, 400, 160, 350, true},
	};
	struct pt_slice *s = lab_slice_on(0, 12, true);
	size_t i;

	(void)state;
	assert_int_equal(pt_grid_window_ms(&s->grid, true), S);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_node_acc acc;
		struct pt_node_obs o;
		struct pt_error err = {0, ""};
		size_t t;

		assert_int_equal(pt_node_acc_init(&acc, "n1", &err), PT_OK);
		for (t = s->node_first[0]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
			assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], cases[i].a, cases[i].b, &err),
					PT_OK);
		assert_int_equal(pt_node_acc_obs(&o, &acc, &s->grid, cases[i].a, cases[i].b, false, &err), PT_OK);
		check_obs(&o, &cases[i], i);
		pt_node_obs_clear(&o);
		pt_node_acc_clear(&acc);
	}
	pt_slice_free(s);
}

/* A step of four scrape intervals: counter points stand for (t_k - 60 s, t_k],
 * gauge points for the samples in (t_k - 52.5 s, t_k + 7.5 s]. A point at an
 * edge counts for the whole scrape intervals (samples) it has in the window. */
static void test_series__coarse_step(void **state)
{
	static const double r[4] = {10, 20, 30, 40};
	static const struct {
		int64_t a, b;
		double cpu, ram;
	} cases[] = {
		/* utilisation 10, 30, 50, 70 % per point */
		/* counter k 1..3; gauge k 1..3 (not the sample at 0 s of k 0) */
		{0, 240000, (0.3 + 0.5 + 0.7) / 3, 30},
		/* counter k 2..3; gauge k 2..3 (not k 1's sample at 60 s) */
		{60000, 180000, (0.5 + 0.7) / 2, (30 + 40) / 2.0},
		/* counter k 2..3 and 3 of the 4 intervals of k 1; gauge k 2..3 and
		 * 3 of the 4 samples of k 1 */
		{15000, 180000, (3 * 0.3 + 4 * 0.5 + 4 * 0.7) / 11, (3 * 20 + 4 * (30 + 40)) / 11.0},
		/* counter k 2; gauge k 2 */
		{60000, 120000, 0.5, 30},
	};
	struct pt_grid g = {0, 60000, 15000, false};
	struct pt_slice *s = NULL;
	struct pt_error err = {0, ""};
	size_t i, t;

	(void)state;
	assert_int_equal(pt_slice_new(&s, &g, 0, 4, &err), PT_OK);
	absorb(s, PT_Q_CPU_UTIL, PT_UNIT_PERCENT, counter_tmpl, "n1", NULL, NULL, NULL,
			(const double[]){10, 30, 50, 70}, 4);
	absorb(s, PT_Q_RAM_USED, PT_UNIT_BYTES, gauge_tmpl, "n1", NULL, NULL, NULL, r, 4);
	assert_int_equal(pt_slice_finish(s, &err), PT_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_node_acc acc;
		struct pt_node_obs o;

		assert_int_equal(pt_node_acc_init(&acc, "n1", &err), PT_OK);
		for (t = s->node_first[0]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
			assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], cases[i].a, cases[i].b,
					&err), PT_OK);
		assert_int_equal(pt_node_acc_obs(&o, &acc, &g, cases[i].a, cases[i].b, false, &err), PT_OK);
		if (fabs(o.cpu_util - cases[i].cpu) > 1e-9 || fabs(o.ram_used_bytes - cases[i].ram) > 1e-9)
			fail_msg("case %zu: cpu %.9g ram %.9g, expected %.9g %.9g", i, o.cpu_util,
					o.ram_used_bytes, cases[i].cpu, cases[i].ram);
		pt_node_obs_clear(&o);
		pt_node_acc_clear(&acc);
	}
	pt_slice_free(s);
}

/* Series naming no node or no device are skipped; ports are stripped; points
 * off the grid's evaluation times are ignored; info series give the latest
 * model in the window. */
static void test_series__absorb_and_info(void **state)
{
	static const char body[] =
		"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		"{\"metric\":{\"instance\":\"n2:9100\",\"model_name\":\"Old CPU\"},"
		"\"values\":[[7.5,\"1\"],[22.5,\"1\"]]},"
		"{\"metric\":{\"instance\":\"n2:9100\",\"model_name\":\"New CPU\"},"
		"\"values\":[[37.5,\"1\"],[52.5,\"1\"],[53.0,\"1\"]]},"
		"{\"metric\":{\"job\":\"x\"},\"values\":[[7.5,\"1\"]]}]}}";
	struct pt_grid g = {0, S, S, false};
	struct pt_slice *s = NULL;
	struct pt_prom_result *res = NULL;
	struct pt_error err = {0, ""};
	struct pt_query q;
	struct pt_node_acc acc;
	struct pt_node_obs o;
	size_t t;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.quantity = PT_Q_CPU_INFO;
	q.model_label = (char *)"model_name";
	q.tmpl = (char *)"count by (instance, model_name) (last_over_time(node_cpu_info[${window}]))";
	assert_int_equal(pt_slice_new(&s, &g, 0, 4, &err), PT_OK);
	assert_int_equal(pt_prom_decode(&res, body, sizeof(body) - 1, 200, &err), PT_OK);
	assert_int_equal(pt_slice_absorb(s, &q, res, cfg, &err), PT_OK);
	/* GPU quantity without its device label: skipped. */
	q.quantity = PT_Q_GPU_UTIL;
	q.device_label = (char *)"uuid";
	assert_int_equal(pt_slice_absorb(s, &q, res, cfg, &err), PT_OK);
	pt_prom_result_free(res);
	assert_int_equal(pt_slice_finish(s, &err), PT_OK);
	assert_int_equal(s->ntracks, 2);
	assert_int_equal(s->nodes.n, 1);
	assert_string_equal(s->nodes.keys[0], "n2");
	assert_true(isnan(s->tracks[1].v[0]));
	assert_double_equal(s->tracks[1].v[3], 1, 0); /* 52.5; the 53.0 point is off the grid */

	assert_int_equal(pt_node_acc_init(&acc, "n2", &err), PT_OK);
	for (t = s->node_first[0]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], 0, 60000, &err), PT_OK);
	assert_int_equal(pt_node_acc_obs(&o, &acc, &g, 0, 60000, false, &err), PT_OK);
	assert_string_equal(o.cpu_model, "New CPU");
	assert_true(o.any);
	pt_node_obs_clear(&o);
	pt_node_acc_clear(&acc);

	assert_int_equal(pt_node_acc_init(&acc, "n2", &err), PT_OK);
	for (t = s->node_first[0]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], 0, 15000, &err), PT_OK);
	assert_int_equal(pt_node_acc_obs(&o, &acc, &g, 0, 15000, false, &err), PT_OK);
	assert_string_equal(o.cpu_model, "Old CPU");
	pt_node_obs_clear(&o);
	pt_node_acc_clear(&acc);
	pt_slice_free(s);
}

/* "up" makes no node (Prometheus' own target), marks the gaps of those it
 * has; the node's first and last points give the window's coverage. */
static void test_series__up_and_coverage(void **state)
{
	static const char ram_body[] =
		"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		"{\"metric\":{\"instance\":\"n1:9100\"},\"values\":[[67.5,\"5\"],[82.5,\"5\"],"
		"[97.5,\"5\"],[112.5,\"5\"],[127.5,\"5\"],[142.5,\"5\"],[157.5,\"5\"],[172.5,\"5\"]]}]}}";
	static const char up_body[] =
		"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		"{\"metric\":{\"instance\":\"n1:9100\"},\"values\":[[7.5,\"0\"],[22.5,\"0\"],[37.5,\"0\"],"
		"[52.5,\"0\"],[67.5,\"1\"],[82.5,\"1\"],[97.5,\"1\"],[112.5,\"1\"],[127.5,\"1\"],"
		"[142.5,\"1\"],[157.5,\"1\"],[172.5,\"1\"]]},"
		"{\"metric\":{\"instance\":\"n1:9835\"},\"values\":[[7.5,\"1\"],[22.5,\"1\"],[37.5,\"1\"],"
		"[52.5,\"1\"],[67.5,\"1\"],[82.5,\"1\"],[97.5,\"1\"],[112.5,\"1\"],[127.5,\"1\"],"
		"[142.5,\"1\"],[157.5,\"1\"],[172.5,\"1\"]]},"
		"{\"metric\":{\"instance\":\"n1:9999\"},\"values\":[[7.5,\"0\"],[22.5,\"0\"],[37.5,\"0\"],"
		"[52.5,\"0\"],[67.5,\"0\"],[82.5,\"0\"],[97.5,\"0\"],[112.5,\"0\"],[127.5,\"0\"],"
		"[142.5,\"0\"],[157.5,\"0\"],[172.5,\"0\"]]},"
		"{\"metric\":{\"instance\":\"localhost:9090\"},\"values\":[[7.5,\"1\"],[172.5,\"1\"]]}]}}";
	struct pt_grid g = {0, S, S, false};
	struct pt_slice *s = NULL;
	struct pt_prom_result *res = NULL;
	struct pt_error err = {0, ""};
	struct pt_query q;
	struct pt_node_acc acc;
	struct pt_node_obs o;
	size_t t, ni;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.unit = PT_UNIT_BYTES;
	q.quantity = PT_Q_RAM_USED;
	q.tmpl = (char *)"avg by (instance) (avg_over_time(x[${window}]))";
	assert_int_equal(pt_slice_new(&s, &g, 0, 12, &err), PT_OK);
	assert_int_equal(pt_prom_decode(&res, ram_body, sizeof(ram_body) - 1, 200, &err), PT_OK);
	assert_int_equal(pt_slice_absorb(s, &q, res, cfg, &err), PT_OK);
	pt_prom_result_free(res);
	q.unit = PT_UNIT_RATIO;
	q.quantity = PT_Q_UP;
	q.tmpl = (char *)"avg by (instance) (avg_over_time(up[${window}]))";
	assert_int_equal(pt_prom_decode(&res, up_body, sizeof(up_body) - 1, 200, &err), PT_OK);
	assert_int_equal(pt_slice_absorb(s, &q, res, cfg, &err), PT_OK);
	pt_prom_result_free(res);
	assert_int_equal(pt_slice_finish(s, &err), PT_OK);

	assert_int_equal(s->nodes.n, 2);
	ni = pt_strmap_get(&s->nodes, "localhost");
	assert_true(ni != PT_STRMAP_NONE && !pt_slice_node_has_data(s, ni));
	ni = pt_strmap_get(&s->nodes, "n1");
	assert_true(ni != PT_STRMAP_NONE && pt_slice_node_has_data(s, ni));

	/* n1 over the whole slice: data from point 4 (60 s) to 11 (165 s). */
	assert_int_equal(pt_node_acc_init(&acc, "n1", &err), PT_OK);
	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], 0, 165000, &err), PT_OK);
	assert_int_equal(pt_node_acc_obs(&o, &acc, &g, 0, 165000, true, &err), PT_OK);
	assert_true(o.any);
	assert_double_equal(o.covered_s, 120.0, 1e-9);
	/* Its targets: one down for 4 of 11 or 12 points, one never, a third
	 * always down: their mean. */
	assert_true(o.up > 0.55 && o.up < 0.59);
	pt_node_obs_clear(&o);
	/* Without a "covered" entry in the query set: unknown. */
	assert_int_equal(pt_node_acc_obs(&o, &acc, &g, 0, 165000, false, &err), PT_OK);
	assert_true(isnan(o.covered_s));
	pt_node_obs_clear(&o);
	pt_node_acc_clear(&acc);

	/* Prometheus' own target: "up" only, which is no data. */
	ni = pt_strmap_get(&s->nodes, "localhost");
	assert_int_equal(pt_node_acc_init(&acc, "localhost", &err), PT_OK);
	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		assert_int_equal(pt_node_acc_add(&acc, s, &s->tracks[t], 0, 165000, &err), PT_OK);
	assert_false(acc.any);
	pt_node_acc_clear(&acc);
	pt_slice_free(s);
}

/* Export's per-step observations: one point each, energy scaled to a step. */
static void test_series__point_obs(void **state)
{
	struct pt_slice *s = lab_slice(0, 12);
	struct pt_node_obs o;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_slice_point_obs(&o, s, "n1", 7, &err), PT_OK);
	assert_true(o.any);
	assert_double_equal(o.cpu_util, 0.8, 1e-12);
	assert_double_equal(o.ram_used_bytes, 700, 1e-9);
	assert_int_equal(o.ngpus, 1);
	assert_double_equal(o.gpus[0].energy_j, 15, 1e-9); /* 1 W over one 15 s step */
	assert_double_equal(o.gpus[0].limit_w, 350, 0);
	pt_node_obs_clear(&o);
	assert_int_equal(pt_slice_point_obs(&o, s, "n1", 12, &err), PT_OK);
	assert_false(o.any);
	pt_node_obs_clear(&o);
	assert_int_equal(pt_slice_point_obs(&o, s, "ghost", 3, &err), PT_OK);
	assert_false(o.any);
	assert_string_equal(o.node, "ghost");
	pt_node_obs_clear(&o);
	pt_slice_free(s);
}

/* Which templates may be fetched in blocks: the largest value over the
 * window (limits), or whether a series has a sample in it (models). */
static void test_series__blockable(void **state)
{
	static const struct {
		enum pt_quantity q;
		const char *tmpl;
		bool blockable;
	} cases[] = {
		{PT_Q_GPU_POWER_LIMIT, "max by (${node_label}, uuid) (max_over_time(nvidia_smi_power_limit_watts"
			"{${node_matcher}}[${window}]))", true},
		{PT_Q_GPU_ENFORCED_LIMIT, "max_over_time(l{a=\"x}y\",${node_matcher}}[${window}])", true},
		{PT_Q_GPU_POWER_LIMIT, "max(max_over_time(l[${window}])) by (instance)", true},
		{PT_Q_CPU_INFO, "count by (${node_label}, model_name) (last_over_time(node_cpu_info"
			"{${node_matcher}}[${window}]))", true},
		{PT_Q_GPU_INFO, "count by (Hostname, UUID, modelName) (last_over_time(DCGM_FI_DEV_GPU_UTIL"
			"{${node_matcher}}[${window}]))", true},
		{PT_Q_GPU_INFO, "group without (job) (present_over_time(i[${window}]))", true},
		/* a block's value would be something else */
		{PT_Q_GPU_POWER_LIMIT, "avg by (instance) (max_over_time(l[${window}]))", false},
		{PT_Q_GPU_POWER_LIMIT, "max by (instance) (last_over_time(l[${window}]))", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(l[${window}]) / 1000", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(l[${window}] offset 1m)", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(l[${window}] @ 100)", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time((l)[${window}:15s])", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(l[5m])", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(l[${window}]) or max_over_time(m[${window}])", false},
		{PT_Q_GPU_POWER_LIMIT, "max_over_time(rate(l[${window}])[${window}])", false},
		{PT_Q_CPU_INFO, "count(i{a=\"b\"} * on (instance) group_left m[${window}])", false},
		{PT_Q_CPU_INFO, "topk(1, last_over_time(i[${window}]))", false},
		{PT_Q_CPU_INFO, "last_over_time(i{a=\"unclosed[${window}])", false},
		/* means and counters need every point */
		{PT_Q_RAM_TOTAL, "avg by (instance) (avg_over_time(t[${window}]))", false},
		{PT_Q_GPU_POWER, "max by (instance) (max_over_time(p[${window}]))", false},
		{PT_Q_CPU_UTIL, "1 - avg(rate(c[${window}]))", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_query q;

		memset(&q, 0, sizeof(q));
		q.quantity = cases[i].q;
		q.tmpl = (char *)cases[i].tmpl;
		if (pt_series_blockable(&q) != cases[i].blockable)
			fail_msg("case %zu: %s: blockable %d", i, cases[i].tmpl, !cases[i].blockable);
	}
}

static void test_series__strmap(void **state)
{
	struct pt_strmap m = {0};
	char key[32];
	bool added;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "node%04zu", i);
		assert_int_equal(pt_strmap_put(&m, key, &added), i);
		assert_true(added);
	}
	assert_int_equal(pt_strmap_put(&m, "node0500", &added), 500);
	assert_false(added);
	assert_int_equal(pt_strmap_get(&m, "node0999"), 999);
	assert_int_equal(pt_strmap_get(&m, "node1000"), PT_STRMAP_NONE);
	assert_string_equal(m.keys[42], "node0042");
	pt_strmap_free(&m);
	assert_int_equal(pt_strmap_get(&m, "node0001"), PT_STRMAP_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series__grid),
		cmocka_unit_test(test_series__is_counter),
		cmocka_unit_test(test_series__window_means),
		cmocka_unit_test(test_series__window_over_slices),
		cmocka_unit_test(test_series__coarse_step),
		cmocka_unit_test(test_series__metricsql),
		cmocka_unit_test(test_series__absorb_and_info),
		cmocka_unit_test(test_series__up_and_coverage),
		cmocka_unit_test(test_series__point_obs),
		cmocka_unit_test(test_series__blockable),
		cmocka_unit_test(test_series__strmap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
