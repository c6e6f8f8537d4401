/* test_promql.c - the local PromQL subset against values worked out by hand as Prometheus' engine computes them. */
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

#include "buf.h"
#include "promql.h"
#include "queryset.h"

#define EPS 1e-9
#define MAXS 24

/* Raw samples of several series; a selector's series are those it matches. */
struct fake {
	const struct pt_pq *q;
	struct pt_series s[MAXS];
	size_t n;
	const struct pt_series *hit[8][MAXS];
};

static struct fake F;

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	return 0;
}

static int teardown(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < F.n; i++) {
		for (j = 0; j < F.s[i].nlabels; j++) {
			free(F.s[i].labels[j].name);
			free(F.s[i].labels[j].value);
		}
		free(F.s[i].labels);
		free(F.s[i].samples);
	}
	memset(&F, 0, sizeof(F));
	return 0;
}

/* A series "name{a=b,c=d}" (labels as a=b pairs, no quotes) with n samples
 * from t0_s every step_s seconds; NaN in v leaves that sample out. */
static void add(const char *labels, double t0_s, double step_s, size_t n, const double *v)
{
	struct pt_series *s = &F.s[F.n++];
	char buf[256], *p, *save = NULL;
	size_t i;

	assert_true(F.n <= MAXS);
	snprintf(buf, sizeof(buf), "%s", labels);
	s->labels = calloc(8, sizeof(*s->labels));
	s->samples = calloc(n ? n : 1, sizeof(*s->samples));
	assert_non_null(s->labels);
	assert_non_null(s->samples);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		assert_non_null(eq);
		*eq = '\0';
		s->labels[s->nlabels].name = strdup(p);
		s->labels[s->nlabels++].value = strdup(eq + 1);
	}
	for (i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		s->samples[s->nsamples].t_ms = (int64_t)llround((t0_s + step_s * (double)i) * 1000.0);
		s->samples[s->nsamples++].v = v[i];
	}
}

static int fake_series(void *user, size_t sel, const struct pt_series *const **out, size_t *n,
		struct pt_error *err)
{
	struct fake *f = user;
	const struct pt_pq_sel *s = pt_pq_sel(f->q, sel);
	size_t i, k = 0;

	(void)err;
	assert_true(sel < 8);
	for (i = 0; i < f->n; i++)
		if (pt_pq_sel_match(s, f->s[i].labels, f->s[i].nlabels))
			f->hit[sel][k++] = &f->s[i];
	*out = f->hit[sel];
	*n = k;
	return PT_OK;
}

/* Evaluates tmpl (${node_label} = instance) at t_s over a window of w_s. */
static int eval_rc(struct pt_prom_result **r, const char *tmpl, double t_s, double w_s, bool left_open)
{
	struct pt_error err = {0, ""};
	struct pt_pq *q = NULL;
	struct pt_pq_source src = {fake_series, &F};
	int rc;

	*r = NULL;
	if (pt_pq_compile(&q, tmpl, "instance", &err) != PT_OK)
		fail_msg("%s: %s", tmpl, err.msg);
	F.q = q;
	rc = pt_pq_eval(r, q, (int64_t)llround(t_s * 1000), (int64_t)llround(w_s * 1000),
			left_open ? PT_PQ_LEFT_OPEN | PT_PQ_THRESHOLD_FIRST : 0, &src, &err);
	if (rc == PT_OK) {
		size_t i;
		assert_non_null(*r);
		for (i = 0; i < (*r)->nseries; i++)
			assert_int_equal((*r)->series[i].samples[0].t_ms, llround(t_s * 1000));
	} else {
		assert_null(*r);
	}
	pt_pq_free(q);
	F.q = NULL;
	return rc;
}

static struct pt_prom_result *eval(const char *tmpl, double t_s, double w_s, bool left_open)
{
	struct pt_prom_result *r;

	assert_int_equal(eval_rc(&r, tmpl, t_s, w_s, left_open), PT_OK);
	return r;
}

/* "a=b,c=d" of a result series, in its (sorted) order. */
static void labels_of(char *out, size_t size, const struct pt_series *s)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < s->nlabels; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s=%s", i ? "," : "", s->labels[i].name,
				s->labels[i].value);
}

/* The value of the result series whose labels are exactly `labels`. */
static double value(const struct pt_prom_result *r, const char *labels)
{
	char l[512];
	size_t i;

	for (i = 0; i < r->nseries; i++) {
		labels_of(l, sizeof(l), &r->series[i]);
		if (strcmp(l, labels) == 0) {
			assert_int_equal(r->series[i].nsamples, 1);
			return r->series[i].samples[0].v;
		}
	}
	fail_msg("no series {%s} among %zu", labels, r->nseries);
	return NAN;
}

/* One result, labels exactly `labels`, value v. */
static void expect1(const char *tmpl, double t_s, double w_s, bool left_open, const char *labels,
		double v)
{
	struct pt_prom_result *r = eval(tmpl, t_s, w_s, left_open);

	if (r->nseries != 1)
		fail_msg("%s: %zu series, 1 expected", tmpl, r->nseries);
	assert_int_equal(r->type, PT_PROM_VECTOR);
	if (isinf(v) || isnan(v)) {
		double got = value(r, labels);
		if (!(isnan(v) ? isnan(got) : got == v))
			fail_msg("%s: %g, %g expected", tmpl, got, v);
	} else {
		assert_double_equal(value(r, labels), v, EPS);
	}
	pt_prom_result_free(r);
}

/* No result at all. */
static void expect0(const char *tmpl, double t_s, double w_s, bool left_open)
{
	struct pt_prom_result *r = eval(tmpl, t_s, w_s, left_open);

	if (r->nseries != 0)
		fail_msg("%s: %zu series, none expected", tmpl, r->nseries);
	pt_prom_result_free(r);
}

/* ---- rate, increase, delta ---- */

static void test_promql__rate_edges_at_samples(void **state)
{
	/* 15 s grid from 0 to 60 s: 100 103 110 130 131. */
	static const double v[] = {100, 103, 110, 130, 131};

	(void)state;
	add("__name__=c,instance=n1", 0, 15, 5, v);
	/* [0, 60]: all five; the first and last sit on the edges: no
	 * extrapolation. 131 - 100 = 31; rate 31 / 60. */
	expect1("increase(c[${window}])", 60, 60, false, "instance=n1", 31);
	expect1("rate(c[${window}])", 60, 60, false, "instance=n1", 31.0 / 60.0);
	/* (0, 60] leaves out the sample at 0: 103..131, 131 - 103 = 28 over
	 * 45 s sampled, 15 s to the start (< 1.1 * 15 = 16.5: extrapolated all
	 * the way), 0 to the end: 28 * 60 / 45 = 37.333...; the zero point is
	 * 45 * 103 / 28 = 165.5 s away, no limit. */
	expect1("increase(c[${window}])", 60, 60, true, "instance=n1", 28.0 * 60.0 / 45.0);
	expect1("rate(c[${window}])", 60, 60, true, "instance=n1", 28.0 * 60.0 / 45.0 / 60.0);
	/* delta: the same extrapolation without counter handling. */
	expect1("delta(c[${window}])", 60, 60, false, "instance=n1", 31);
}

static void test_promql__rate_edges_between_samples(void **state)
{
	static const double v[] = {100, 103, 110, 130, 131};

	(void)state;
	add("__name__=c,instance=n1", 0, 15, 5, v);
	/* t = 67.5 s, [7.5, 67.5]: 103..131 at 15..60; 28 over 45 s sampled,
	 * 7.5 s to each edge (< 16.5): interval 45 + 7.5 + 7.5 = 60;
	 * 28 * 60 / 45 = 37.333 (Prometheus 2.42 gives 37.333333333333336). */
	expect1("increase(c[${window}])", 67.5, 60, false, "instance=n1", 28.0 * 60.0 / 45.0);
	expect1("increase(c[${window}])", 67.5, 60, true, "instance=n1", 28.0 * 60.0 / 45.0);
	expect1("rate(c[${window}])", 67.5, 60, false, "instance=n1", 28.0 / 45.0);
}

static void test_promql__rate_threshold(void **state)
{
	/* 1000 1010 1030 at 0, 15, 30: 30 over 30 s sampled, average 15 s,
	 * threshold 1.1 * 15 = 16.5 s. */
	static const double v[] = {1000, 1010, 1030};

	(void)state;
	add("__name__=c,instance=n1", 0, 15, 3, v);
	/* t = 30, w = 46: 16 s to the start (< 16.5): extrapolated there,
	 * 30 * (30 + 16) / 30 = 46. */
	expect1("increase(c[${window}])", 30, 46, false, "instance=n1", 46);
	/* w = 47: 17 s (>= 16.5): only half an interval, 30 * (30 + 7.5) / 30 = 37.5. */
	expect1("increase(c[${window}])", 30, 47, false, "instance=n1", 37.5);
	/* t = 90, w = 120, [-30, 90]: 30 s to the start, 60 s to the end, both
	 * over the threshold: 30 * (30 + 7.5 + 7.5) / 30 = 45; rate 45 / 120. */
	expect1("increase(c[${window}])", 90, 120, false, "instance=n1", 45);
	expect1("rate(c[${window}])", 90, 120, false, "instance=n1", 45.0 / 120.0);
	/* delta of a gauge: the same, no zero point. */
	expect1("delta(c[${window}])", 90, 120, false, "instance=n1", 45);
}

static void test_promql__rate_zero_point(void **state)
{
	/* A counter that started just before: 5 15 25 at 0, 15, 30. */
	static const double v[] = {5, 15, 25};
	/* Data only from 60 s: 10 20 30 40 50 at 60..120. */
	static const double late[] = {10, 20, 30, 40, 50};

	(void)state;
	add("__name__=c,instance=n1", 0, 15, 3, v);
	add("__name__=d,instance=n1", 60, 15, 5, late);
	/* t = 30, w = 45, [-15, 30]: 15 s to the start (< 16.5), but the zero
	 * point is 30 * 5 / 20 = 7.5 s before the first sample: increase
	 * 20 * (30 + 7.5) / 30 = 25, rate 25 / 45. */
	expect1("increase(c[${window}])", 30, 45, false, "instance=n1", 25);
	expect1("rate(c[${window}])", 30, 45, false, "instance=n1", 25.0 / 45.0);
	/* delta has no zero point: 20 * (30 + 15) / 30 = 30. */
	expect1("delta(c[${window}])", 30, 45, false, "instance=n1", 30);
	/* t = 120, w = 120: 40 over 60 s sampled; 60 s to the start (over
	 * 16.5); zero point 60 * 10 / 40 = 15 s. Prometheus 2.42 limits the
	 * start to the zero point first (15 < 16.5: extrapolated 15 s):
	 * 40 * (60 + 15) / 60 = 50 (promtool 2.42 gives 50). Prometheus 3 (and
	 * 2.x after prometheus/prometheus#13725) takes half an interval first,
	 * 7.5 s, then the zero point only if nearer (15 is not):
	 * 40 * (60 + 7.5) / 60 = 45. */
	expect1("increase(d[${window}])", 120, 120, false, "instance=n1", 50);
	expect1("increase(d[${window}])", 120, 120, true, "instance=n1", 45);
}

static void test_promql__rate_reset_and_short(void **state)
{
	/* A reset after 110: 100 110 5 15 25 at 0..60. */
	static const double v[] = {100, 110, 5, 15, 25};
	static const double one[] = {7};

	(void)state;
	add("__name__=c,instance=n1", 0, 15, 5, v);
	add("__name__=c,instance=n2", 45, 15, 1, one);
	/* 25 - 100 + 110 (the value before the drop) = 35; edges on samples;
	 * zero point 60 * 100 / 35 = 171 s away. n2 has one sample: none. */
	expect1("increase(c[${window}])", 60, 60, false, "instance=n1", 35);
	expect1("rate(c[${window}])", 60, 60, false, "instance=n1", 35.0 / 60.0);
	/* delta does not see resets: 25 - 100. */
	expect1("delta(c[${window}])", 60, 60, false, "instance=n1", -75);
	/* t = 60, w = 15: [45, 60] holds 15 and 25 of n1, 7 of n2 (one: none):
	 * 10, edges on samples. (45, 60] holds one sample of n1: none. */
	expect1("increase(c[${window}])", 60, 15, false, "instance=n1", 10);
	expect0("increase(c[${window}])", 60, 15, true);
	expect0("rate(c[${window}])", 60, 15, true);
	/* One sample is still an average. */
	expect1("avg_over_time(c[${window}])", 60, 15, true, "instance=n1", 25);
	/* Nothing in the window: no result. */
	expect0("avg_over_time(c[${window}])", 200, 60, false);
}

/* ---- *_over_time and the range's edges ---- */

static void test_promql__over_time(void **state)
{
	/* 3 1 4 1 5 at 0..60. */
	static const double v[] = {3, 1, 4, 1, 5};

	(void)state;
	add("__name__=g,instance=n1", 0, 15, 5, v);
	/* [0, 60]: all five. The name goes, but for last_over_time. */
	expect1("avg_over_time(g[${window}])", 60, 60, false, "instance=n1", 14.0 / 5.0);
	expect1("sum_over_time(g[${window}])", 60, 60, false, "instance=n1", 14);
	expect1("min_over_time(g[${window}])", 60, 60, false, "instance=n1", 1);
	expect1("max_over_time(g[${window}])", 60, 60, false, "instance=n1", 5);
	expect1("count_over_time(g[${window}])", 60, 60, false, "instance=n1", 5);
	expect1("last_over_time(g[${window}])", 60, 60, false, "__name__=g,instance=n1", 5);
	/* (0, 60]: the 3 at t - w is out: 1 4 1 5. */
	expect1("avg_over_time(g[${window}])", 60, 60, true, "instance=n1", 11.0 / 4.0);
	expect1("sum_over_time(g[${window}])", 60, 60, true, "instance=n1", 11);
	expect1("count_over_time(g[${window}])", 60, 60, true, "instance=n1", 4);
	/* [-15, 45] both ways: 3 1 4 1 (no sample on the left edge). */
	expect1("count_over_time(g[${window}])", 45, 60, true, "instance=n1", 4);
	expect1("count_over_time(g[${window}])", 45, 60, false, "instance=n1", 4);
	expect1("last_over_time(g[${window}])", 45, 60, false, "__name__=g,instance=n1", 1);
	/* The sample at t is in: [30, 30] and (0, 30]. */
	expect1("last_over_time(g[${window}])", 30, 0.001, true, "__name__=g,instance=n1", 4);
	expect1("max_over_time(g[${window}])", 30, 30, true, "instance=n1", 4);
	expect1("min_over_time(g[${window}])", 30, 30, false, "instance=n1", 1);
	expect1("max_over_time(g[${window}])", 30, 30, false, "instance=n1", 4);
	expect1("avg_over_time(g[${window}])", 30, 30, false, "instance=n1", 8.0 / 3.0);
}

static void test_promql__over_time_inf(void **state)
{
	/* What promtool 2.42 gives for the same samples. */
	static const double a[] = {1, INFINITY, 3};
	static const double b[] = {INFINITY, 1, 2};
	static const double c[] = {1e100, 1, -1e100};

	(void)state;
	add("__name__=a,instance=n1", 0, 15, 3, a);
	add("__name__=b,instance=n1", 0, 15, 3, b);
	add("__name__=k,instance=n1", 0, 15, 3, c);
	/* A mean that reached +Inf stays there when finite values follow. */
	expect1("avg_over_time(a[${window}])", 30, 30, false, "instance=n1", INFINITY);
	expect1("sum_over_time(a[${window}])", 30, 30, false, "instance=n1", INFINITY);
	expect1("sum_over_time(b[${window}])", 30, 30, false, "instance=n1", INFINITY);
	/* Compensated (Kahan-Neumaier) sum: 1e100 + 1 - 1e100 = 1, not 0. */
	expect1("sum_over_time(k[${window}])", 30, 30, false, "instance=n1", 1);
}

/* ---- aggregation ---- */

static void test_promql__aggregation(void **state)
{
	static const double one[] = {1, 1}, three[] = {3, 3}, ten[] = {10, 10}, hundred[] = {100, 100};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=m,gpu=g0,instance=n1", 0, 15, 2, one);
	add("__name__=m,gpu=g1,instance=n1", 0, 15, 2, three);
	add("__name__=m,gpu=g0,instance=n2", 0, 15, 2, ten);
	add("__name__=m,gpu=g0", 0, 15, 2, hundred);

	r = eval("sum by (instance) (avg_over_time(m[${window}]))", 15, 15, false);
	assert_int_equal(r->nseries, 3);
	assert_double_equal(value(r, "instance=n1"), 1 + 3, EPS);
	assert_double_equal(value(r, "instance=n2"), 10, EPS);
	assert_double_equal(value(r, ""), 100, EPS); /* no instance: the empty group */
	pt_prom_result_free(r);

	r = eval("avg by (instance) (avg_over_time(m[${window}]))", 15, 15, false);
	assert_int_equal(r->nseries, 3);
	assert_double_equal(value(r, "instance=n1"), (1 + 3) / 2.0, EPS);
	assert_double_equal(value(r, "instance=n2"), 10, EPS);
	pt_prom_result_free(r);

	r = eval("max by (instance) (avg_over_time(m[${window}]))", 15, 15, false);
	assert_double_equal(value(r, "instance=n1"), 3, EPS);
	pt_prom_result_free(r);
	r = eval("min by (instance) (avg_over_time(m[${window}]))", 15, 15, false);
	assert_double_equal(value(r, "instance=n1"), 1, EPS);
	pt_prom_result_free(r);
	r = eval("count by (instance) (avg_over_time(m[${window}]))", 15, 15, false);
	assert_double_equal(value(r, "instance=n1"), 2, EPS);
	assert_double_equal(value(r, "instance=n2"), 1, EPS);
	pt_prom_result_free(r);

	/* by after the argument; a by-label no series has is left out; the
	 * name is an output label only when asked for and still there. */
	r = eval("sum(last_over_time(m[${window}])) by (gpu, instance, rack)", 15, 15, false);
	assert_int_equal(r->nseries, 4);
	assert_double_equal(value(r, "gpu=g0,instance=n1"), 1, EPS);
	assert_double_equal(value(r, "gpu=g1,instance=n1"), 3, EPS);
	assert_double_equal(value(r, "gpu=g0"), 100, EPS);
	pt_prom_result_free(r);
	r = eval("sum(last_over_time(m[${window}])) by (__name__, gpu)", 15, 15, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "__name__=m,gpu=g0"), 1 + 10 + 100, EPS);
	pt_prom_result_free(r);
	r = eval("sum(avg_over_time(m[${window}])) by (__name__, gpu)", 15, 15, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "gpu=g1"), 3, EPS);
	pt_prom_result_free(r);

	/* Without by: one group. 1 + 3 + 10 + 100. */
	expect1("sum(avg_over_time(m[${window}]))", 15, 15, false, "", 114);
	expect1("count(avg_over_time(m[${window}]))", 15, 15, false, "", 4);
	expect1("max(avg_over_time(m[${window}]))", 15, 15, false, "", 100);
	expect1("min(avg_over_time(m[${window}]))", 15, 15, false, "", 1);
	expect1("avg(avg_over_time(m[${window}]))", 15, 15, false, "", 114.0 / 4.0);
}

static void test_promql__aggregation_inf(void **state)
{
	static const double inf[] = {INFINITY}, five[] = {5};

	(void)state;
	add("__name__=h,instance=n1", 0, 15, 1, inf);
	add("__name__=h,instance=n2", 0, 15, 1, inf);
	add("__name__=h,instance=n3", 0, 15, 1, five);
	/* avg of +Inf, +Inf, 5: +Inf (promtool 2.42), not Inf - Inf. */
	expect1("avg(last_over_time(h[${window}]))", 0, 60, false, "", INFINITY);
	expect1("sum(last_over_time(h[${window}]))", 0, 60, false, "", INFINITY);
}

/* ---- binary operators ---- */

static void test_promql__binary(void **state)
{
	static const double six[] = {6}, eight[] = {8}, three[] = {3}, four[] = {4}, zero[] = {0};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=a,instance=n1", 0, 15, 1, six);
	add("__name__=a,instance=n2", 0, 15, 1, eight);
	add("__name__=b,instance=n1", 0, 15, 1, three);
	add("__name__=b,instance=n3", 0, 15, 1, four);
	add("__name__=z,instance=n1", 0, 15, 1, zero);
	add("__name__=z,instance=n2", 0, 15, 1, zero);
	add("__name__=y,instance=n1", 0, 15, 1, zero);

	/* Scalars: precedence and left associativity. */
	r = eval("10 - 4 - 3", 0, 60, false);
	assert_int_equal(r->type, PT_PROM_SCALAR);
	assert_int_equal(r->nseries, 1);
	assert_int_equal(r->series[0].nlabels, 0);
	assert_double_equal(r->series[0].samples[0].v, 3, EPS);
	pt_prom_result_free(r);
	r = eval("2 + 3 * 4 - -1", 0, 60, false);
	assert_double_equal(r->series[0].samples[0].v, 15, EPS);
	pt_prom_result_free(r);
	r = eval("(2 + 3) * 4 / 8", 0, 60, false);
	assert_double_equal(r->series[0].samples[0].v, 2.5, EPS);
	pt_prom_result_free(r);

	/* Scalar and vector: every element, the name dropped. */
	r = eval("10 - 2 * last_over_time(a[${window}])", 0, 60, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "instance=n1"), 10 - 2 * 6, EPS);
	assert_double_equal(value(r, "instance=n2"), 10 - 2 * 8, EPS);
	pt_prom_result_free(r);
	r = eval("last_over_time(b[${window}]) / 2 - 1", 0, 60, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "instance=n3"), 4.0 / 2 - 1, EPS);
	pt_prom_result_free(r);

	/* Vector and vector: matched on every label but the name, unmatched
	 * ones dropped (a n2, b n3). */
	expect1("last_over_time(a[${window}]) / last_over_time(b[${window}])", 0, 60, false,
			"instance=n1", 6.0 / 3.0);
	/* 1 - a / b is 1 - (a / b) = 1 - 2 = -1, not (1 - 6) / 3. */
	expect1("1 - last_over_time(a[${window}]) / last_over_time(b[${window}])", 0, 60, false,
			"instance=n1", 1 - 6.0 / 3.0);
	expect1("1 - last_over_time(a[${window}]) * last_over_time(b[${window}]) + 1", 0, 60, false,
			"instance=n1", 1 - 6.0 * 3.0 + 1);

	/* or: all of the left, then the right only where the left lacks the
	 * label set (the name is not part of it: b n1 is dropped). */
	r = eval("last_over_time(a[${window}]) or last_over_time(b[${window}])", 0, 60, false);
	assert_int_equal(r->nseries, 3);
	assert_double_equal(value(r, "__name__=a,instance=n1"), 6, EPS);
	assert_double_equal(value(r, "__name__=a,instance=n2"), 8, EPS);
	assert_double_equal(value(r, "__name__=b,instance=n3"), 4, EPS);
	pt_prom_result_free(r);
	/* and / unless keep the left's elements. */
	expect1("last_over_time(a[${window}]) and last_over_time(b[${window}])", 0, 60, false,
			"__name__=a,instance=n1", 6);
	expect1("last_over_time(a[${window}]) unless last_over_time(b[${window}])", 0, 60, false,
			"__name__=a,instance=n2", 8);

	/* Division by zero as Go's floats: 6 / 0 = +Inf, -8 / 0 = -Inf, 0 / 0 NaN. */
	r = eval("last_over_time(a[${window}]) / last_over_time(z[${window}])", 0, 60, false);
	assert_int_equal(r->nseries, 2);
	assert_true(isinf(value(r, "instance=n1")) && value(r, "instance=n1") > 0);
	assert_true(isinf(value(r, "instance=n2")) && value(r, "instance=n2") > 0);
	pt_prom_result_free(r);
	r = eval("-last_over_time(a[${window}]) / last_over_time(z[${window}])", 0, 60, false);
	assert_true(isinf(value(r, "instance=n2")) && value(r, "instance=n2") < 0);
	pt_prom_result_free(r);
	r = eval("last_over_time(z[${window}]) / last_over_time(y[${window}])", 0, 60, false);
	assert_int_equal(r->nseries, 1);
	assert_true(isnan(value(r, "instance=n1")));
	pt_prom_result_free(r);
}

static void test_promql__many_to_many(void **state)
{
	static const double one[] = {1}, two[] = {2};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=a,instance=n1", 0, 15, 1, one);
	add("__name__=b,instance=n1", 0, 15, 1, two);
	add("__name__=c,instance=n1", 0, 15, 1, two);
	/* Right side: b and c are both {instance=n1} but for the name, which
	 * matching ignores: many-to-many. */
	assert_int_equal(eval_rc(&r, "last_over_time(a[${window}]) / last_over_time({__name__=~\"b|c\"}[${window}])",
			0, 60, false), PT_ENET);
	/* Left side duplicated: many-to-one would need group_left. */
	assert_int_equal(eval_rc(&r, "last_over_time({__name__=~\"b|c\"}[${window}]) / last_over_time(a[${window}])",
			0, 60, false), PT_ENET);
	/* One-to-one on the same data is fine: 2 / 1. */
	expect1("avg_over_time(b[${window}]) / last_over_time(a[${window}])", 0, 60, false, "instance=n1", 2);
	/* or is a set operation: duplicates allowed. */
	r = eval("last_over_time(a[${window}]) or last_over_time({__name__=~\"b|c\"}[${window}])", 0, 60, false);
	assert_int_equal(r->nseries, 1);
	pt_prom_result_free(r);
}

/* ---- functions ---- */

static void test_promql__clamp_min_and_covered(void **state)
{
	/* node_time_seconds: the clock at each scrape, 0..60. */
	static const double clock[] = {0, 15, 30, 45, 60};
	static const double single[] = {1000};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=node_time_seconds,instance=n1", 0, 15, 5, clock);
	add("__name__=node_time_seconds,instance=n2", 30, 15, 1, single);
	expect1("clamp_min(last_over_time(node_time_seconds{instance=\"n1\"}[${window}]), 100)", 60, 60, false,
			"instance=n1", 100);
	expect1("clamp_min(last_over_time(node_time_seconds{instance=\"n1\"}[${window}]), 10)", 60, 60, false,
			"instance=n1", 60);
	expect1("clamp_max(last_over_time(node_time_seconds{instance=\"n1\"}[${window}]), 10)", 60, 60, false,
			"instance=n1", 10);
	/* The covered template: n1, (60 - 0) / clamp_min(1 - 1/5, 1e-9) = 75;
	 * n2, one sample: (1000 - 1000) / max(1 - 1/1, 1e-9) = 0. */
	r = eval("max by (${node_label}) ("
			"(max_over_time(node_time_seconds{${node_matcher}}[${window}])"
			" - min_over_time(node_time_seconds{${node_matcher}}[${window}]))"
			" / clamp_min(1 - 1 / count_over_time(node_time_seconds{${node_matcher}}[${window}]), 1e-9))",
			60, 60, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "instance=n1"), 60.0 / (1 - 1.0 / 5), EPS);
	assert_double_equal(value(r, "instance=n2"), 0, EPS);
	pt_prom_result_free(r);
	/* (0, 60]: 15..60, (60 - 15) / (1 - 1/4) = 60. */
	r = eval("max by (${node_label}) ("
			"(max_over_time(node_time_seconds{${node_matcher}}[${window}])"
			" - min_over_time(node_time_seconds{${node_matcher}}[${window}]))"
			" / clamp_min(1 - 1 / count_over_time(node_time_seconds{${node_matcher}}[${window}]), 1e-9))",
			60, 60, true);
	assert_double_equal(value(r, "instance=n1"), 45.0 / (1 - 1.0 / 4), EPS);
	pt_prom_result_free(r);
}

static void test_promql__label_replace(void **state)
{
	static const double p0[] = {100, 200}, p1[] = {300, 300}, p2[] = {7, 7};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=amd_gpu_power,gpu_power=0,instance=n1", 0, 15, 2, p0);
	add("__name__=amd_gpu_power,gpu_power=1,instance=n1", 0, 15, 2, p1);
	add("__name__=amd_gpu_power,instance=n2", 0, 15, 2, p2); /* no gpu_power: left as is */
	r = eval("label_replace(avg_over_time(amd_gpu_power{${node_matcher}}[${window}]), \"gpu\", \"amd$1\", "
			"\"gpu_power\", \"(.+)\")", 15, 15, false);
	assert_int_equal(r->nseries, 3);
	assert_double_equal(value(r, "gpu=amd0,gpu_power=0,instance=n1"), (100 + 200) / 2.0, EPS);
	assert_double_equal(value(r, "gpu=amd1,gpu_power=1,instance=n1"), 300, EPS);
	assert_double_equal(value(r, "instance=n2"), 7, EPS);
	pt_prom_result_free(r);
	/* As default.yaml's amd_smi gpu_power: by (instance, gpu). */
	r = eval("avg by (${node_label}, gpu) (label_replace(avg_over_time(amd_gpu_power{${node_matcher}}[${window}]),\n"
			"\"gpu\", \"amd$1\", \"gpu_power\", \"(.+)\"))", 15, 15, false);
	assert_int_equal(r->nseries, 3);
	assert_double_equal(value(r, "gpu=amd0,instance=n1"), 150, EPS);
	assert_double_equal(value(r, "gpu=amd1,instance=n1"), 300, EPS);
	assert_double_equal(value(r, "instance=n2"), 7, EPS);
	pt_prom_result_free(r);
	/* ${1}, a group inside, and an empty replacement removing the label. */
	expect1("label_replace(last_over_time(amd_gpu_power{gpu_power=\"1\"}[${window}]), \"x\", \"${1}-$2\", "
			"\"instance\", \"(n)([0-9])\")", 15, 15, false,
			"__name__=amd_gpu_power,gpu_power=1,instance=n1,x=n-1", 300);
	expect1("label_replace(last_over_time(amd_gpu_power{gpu_power=\"1\"}[${window}]), \"gpu_power\", \"\", "
			"\"instance\", \".*\")", 15, 15, false, "__name__=amd_gpu_power,instance=n1", 300);
	/* Go's Regexp.Expand: "$1x" is the group named 1x (none: empty), $$ is
	 * $, a lone $ stays, $0 is the whole match. */
	expect1("label_replace(last_over_time(amd_gpu_power{gpu_power=\"1\"}[${window}]), \"x\", \"a$1x\", "
			"\"instance\", \"n(.)\")", 15, 15, false,
			"__name__=amd_gpu_power,gpu_power=1,instance=n1,x=a", 300);
	expect1("label_replace(last_over_time(amd_gpu_power{gpu_power=\"1\"}[${window}]), \"x\", \"$$1-$-${0}$\", "
			"\"instance\", \"n(.)\")", 15, 15, false,
			"__name__=amd_gpu_power,gpu_power=1,instance=n1,x=$1-$-n1$", 300);
	/* Anchored: "n" alone does not match "n1", so nothing changes. */
	expect1("label_replace(last_over_time(amd_gpu_power{gpu_power=\"1\"}[${window}]), \"x\", \"y\", "
			"\"instance\", \"n\")", 15, 15, false, "__name__=amd_gpu_power,gpu_power=1,instance=n1", 300);
}

/* ---- selectors ---- */

static void test_promql__node_label_and_selectors(void **state)
{
	struct pt_error err = {0, ""};
	struct pt_pq *q = NULL;
	struct pt_buf b = {0};
	const struct pt_pq_sel *s;

	(void)state;
	assert_int_equal(pt_pq_compile(&q, "sum by (${node_label}) (rate(x{mode=\"idle\",${node_matcher}}[${window}]))"
			" / sum by (${node_label}) (rate(y{cpu!=\"1\",a=~\"b|c\",d!~'e\"f'}[${window}]))", "host", &err), PT_OK);
	assert_int_equal(pt_pq_nsels(q), 2);
	s = pt_pq_sel(q, 0);
	assert_true(s->node_matcher);
	assert_string_equal(s->name, "x");
	assert_int_equal(pt_buf_printf(&b, &err, "%s", ""), PT_OK);
	assert_int_equal(pt_pq_sel_format(&b, s, &err), PT_OK);
	assert_string_equal(b.data, "{__name__=\"x\",mode=\"idle\",");
	s = pt_pq_sel(q, 1);
	assert_false(s->node_matcher);
	assert_string_equal(s->name, "y");
	pt_buf_reset(&b);
	assert_int_equal(pt_pq_sel_format(&b, s, &err), PT_OK);
	assert_string_equal(b.data, "{__name__=\"y\",cpu!=\"1\",a=~\"b|c\",d!~\"e\\\"f\",");
	/* The one escaper of PromQL strings (also raw.c's regexes of names):
	 * backslash, quote and line break, nothing else. */
	pt_buf_reset(&b);
	assert_int_equal(pt_pq_escape(&b, "a\\b\"c\nd\te|f", &err), PT_OK);
	assert_string_equal(b.data, "a\\\\b\\\"c\\nd\te|f");
	pt_buf_free(&b);
	pt_pq_free(q);

	/* ${node_label} is the by-label of the output. */
	{
		static const double v[] = {0, 30};
		struct pt_pq_source src = {fake_series, &F};
		struct pt_prom_result *r = NULL;

		add("__name__=x,host=h1,mode=idle", 0, 15, 2, v);
		add("__name__=x,host=h1,mode=user", 0, 15, 2, v);
		assert_int_equal(pt_pq_compile(&q, "sum by (${node_label}) (increase(x{mode=\"idle\",${node_matcher}}[${window}]))",
				"host", &err), PT_OK);
		F.q = q;
		assert_int_equal(pt_pq_eval(&r, q, 15000, 15000, false, &src, &err), PT_OK);
		assert_int_equal(r->nseries, 1);
		/* 30 - 0 over [0, 15], edges on samples: 30 (the zero point is at 0). */
		assert_double_equal(value(r, "host=h1"), 30, EPS);
		pt_prom_result_free(r);
		pt_pq_free(q);
		F.q = NULL;
	}
}

static bool match(const char *tmpl, const char *labels)
{
	struct pt_error err = {0, ""};
	struct pt_pq *q = NULL;
	struct pt_label l[4];
	char buf[128], *p, *save = NULL;
	size_t n = 0;
	bool ok;

	snprintf(buf, sizeof(buf), "%s", labels);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(p, '=');
		*eq = '\0';
		l[n].name = p;
		l[n++].value = eq + 1;
	}
	if (pt_pq_compile(&q, tmpl, "instance", &err) != PT_OK)
		fail_msg("%s: %s", tmpl, err.msg);
	ok = pt_pq_sel_match(pt_pq_sel(q, 0), l, n);
	pt_pq_free(q);
	return ok;
}

static void test_promql__sel_match(void **state)
{
	(void)state;
	assert_true(match("rate(m[${window}])", "__name__=m,a=b"));
	assert_false(match("rate(m[${window}])", "__name__=mm,a=b"));
	assert_true(match("rate(m{a=\"b\"}[${window}])", "__name__=m,a=b"));
	assert_false(match("rate(m{a=\"b\"}[${window}])", "__name__=m,a=bc"));
	assert_true(match("rate(m{a!=\"b\"}[${window}])", "__name__=m,a=c"));
	assert_false(match("rate(m{a!=\"b\"}[${window}])", "__name__=m,a=b"));
	assert_true(match("rate(m{a!=\"b\"}[${window}])", "__name__=m")); /* missing is "" */
	assert_true(match("rate(m{a=\"\"}[${window}])", "__name__=m"));
	assert_false(match("rate(m{a=\"\"}[${window}])", "__name__=m,a=x"));
	/* Regexes are anchored both ends. */
	assert_true(match("rate(m{a=~\"a\"}[${window}])", "__name__=m,a=a"));
	assert_false(match("rate(m{a=~\"a\"}[${window}])", "__name__=m,a=ab"));
	assert_false(match("rate(m{a=~\"b\"}[${window}])", "__name__=m,a=ab"));
	assert_true(match("rate(m{a=~\"a|ab\"}[${window}])", "__name__=m,a=ab"));
	assert_true(match("rate(m{a=~\"(n1|n2)(:[0-9]+)?\"}[${window}])", "__name__=m,a=n2:9100"));
	assert_false(match("rate(m{a=~\"(n1|n2)(:[0-9]+)?\"}[${window}])", "__name__=m,a=n12"));
	assert_true(match("rate(m{a=~\".*\"}[${window}])", "__name__=m"));
	assert_false(match("rate(m{a=~\".+\"}[${window}])", "__name__=m"));
	assert_true(match("rate(m{a!~\"a\"}[${window}])", "__name__=m,a=ab"));
	assert_false(match("rate(m{a!~\"a.*\"}[${window}])", "__name__=m,a=ab"));
	assert_true(match("rate({__name__=~\"x_(y_)?z\"}[${window}])", "__name__=x_y_z"));
	assert_true(match("rate({__name__=~\"x_(y_)?z\"}[${window}])", "__name__=x_z"));
	assert_false(match("rate({__name__=~\"x_(y_)?z\"}[${window}])", "__name__=x_y_zz"));
	/* Every matcher must hold. */
	assert_false(match("rate(m{a=\"b\",c=\"d\"}[${window}])", "__name__=m,a=b,c=e"));
	assert_true(match("rate(m{a=\"b\",c=\"d\"}[${window}])", "__name__=m,a=b,c=d"));
}

/* ---- refusals ---- */

static void test_promql__refusals(void **state)
{
	static const char *const refused[] = {
		"irate(x[${window}])",
		"avg(x)",
		"avg(x{a=\"b\"})",
		"x",
		"rate(x[5m])",
		"rate(x[${window}] offset 5m)",
		"avg_over_time(a[${window}]) / on(instance) avg_over_time(b[${window}])",
		"avg_over_time(a[${window}]) / ignoring(gpu) avg_over_time(b[${window}])",
		"avg_over_time(a[${window}]) * on(instance) group_left(name) avg_over_time(b[${window}])",
		"avg_over_time(a[${window}]) * group_left avg_over_time(b[${window}])",
		"sum without (gpu) (avg_over_time(a[${window}]))",
		"sum(avg_over_time(a[${window}])) without (gpu)",
		"avg_over_time(a[${window}]) > 0",
		"avg_over_time(a[${window}]) == avg_over_time(b[${window}])",
		"sum(avg_over_time(a[${window}]) >= 1)",
		"avg_over_time(a[${window}]) > bool 0",
		"avg_over_time(a{b=~\"\\\\d+\"}[${window}])",
		"avg_over_time(a{b=~\"(?i)x\"}[${window}])",
		"label_replace(avg_over_time(a[${window}]), \"x\", \"$1\", \"y\", \"\\\\w+\")",
		"topk(1, avg_over_time(a[${window}]))",
		"quantile_over_time(0.5, a[${window}])",
		"avg_over_time(a[${window}] @ 100)",
		"avg_over_time(a[${window}])[${window}:]",
		"avg_over_time(a[${window}]",
		"",
	};
	size_t i;

	(void)state;
	/* The control: the same shapes inside the subset compile. */
	{
		struct pt_error err = {0, ""};
		struct pt_pq *q = NULL;
		assert_int_equal(pt_pq_compile(&q, "sum by (gpu) (avg_over_time(a{b=~\"[0-9]+\"}[${window}]))"
				" / avg_over_time(b[${window}])", "instance", &err), PT_OK);
		pt_pq_free(q);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct pt_error err = {0, ""};
		struct pt_pq *q = (struct pt_pq *)&err; /* must come back NULL */
		int rc = pt_pq_compile(&q, refused[i], "instance", &err);

		if (rc != PT_EUSAGE)
			fail_msg("%s: %d, PT_EUSAGE expected", refused[i], rc);
		assert_null(q);
		assert_true(err.msg[0] != '\0');
	}
}

/* Several metrics by a regex on the name that differ only by it: once a
 * function drops the name, Prometheus refuses the query; last_over_time
 * keeps the name and answers both. */
static void test_promql__same_labelset(void **state)
{
	static const double v[] = {1, 2, 3};
	struct pt_prom_result *r = NULL;

	(void)state;
	add("__name__=ipmi_a_watts,instance=n1", 100, 15, 3, v);
	add("__name__=ipmi_b_watts,instance=n1", 100, 15, 3, v);
	add("__name__=ipmi_a_watts,instance=n2", 100, 15, 3, v);
	assert_int_equal(eval_rc(&r, "avg_over_time({__name__=~\"ipmi_(a|b)_watts\"}[${window}])",
			130, 60, false), PT_ENET);
	assert_null(r);
	r = eval("last_over_time({__name__=~\"ipmi_(a|b)_watts\"}[${window}])", 130, 60, false);
	assert_int_equal(r->nseries, 3);
	pt_prom_result_free(r);
	/* One name per node: no clash. */
	r = eval("avg_over_time({__name__=~\"ipmi_a_watts\"}[${window}])", 130, 60, false);
	assert_int_equal(r->nseries, 2);
	pt_prom_result_free(r);
}

/* Hostile templates: nesting and length that would exhaust the stack of a
 * recursive parser or evaluator are refused, with what the limit is; the
 * same shapes within the limits compile. */
static void test_promql__limits(void **state)
{
	static char buf[300000];
	struct pt_error err = {0, ""};
	struct pt_pq *q = NULL;
	char *p;
	int i;

	(void)state;
	memset(buf, '(', 100000);
	buf[100000] = '1';
	memset(buf + 100001, ')', 100000);
	buf[200001] = '\0';
	assert_int_equal(pt_pq_compile(&q, buf, "instance", &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "nested deeper than 64"));
	assert_null(q);
	memset(buf, '(', 60);
	buf[60] = '1';
	memset(buf + 61, ')', 60);
	buf[121] = '\0';
	assert_int_equal(pt_pq_compile(&q, buf, "instance", &err), PT_OK);
	pt_pq_free(q);
	q = NULL;
	for (p = buf + sprintf(buf, "1"), i = 0; i < 60000; i++)
		p += sprintf(p, "+1");
	assert_int_equal(pt_pq_compile(&q, buf, "instance", &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "over 1,000 terms"));
	for (p = buf + sprintf(buf, "1"), i = 0; i < 400; i++)
		p += sprintf(p, "+1");
	assert_int_equal(pt_pq_compile(&q, buf, "instance", &err), PT_OK);
	pt_pq_free(q);
	q = NULL;
	memset(buf, 'a', 1000);
	strcpy(buf + 1000, "[${window}]");
	assert_int_equal(pt_pq_compile(&q, buf, "instance", &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "over 255 bytes"));
}

/* ---- the shipped query set ---- */

static void test_promql__default_set_compiles(void **state)
{
	struct pt_error err = {0, ""};
	struct pt_queryset *qs = NULL;
	size_t i, nodem = 0;

	(void)state;
	assert_int_equal(pt_queryset_load(&qs, PT_SOURCE_DIR "/queries/default.yaml", &err), PT_OK);
	assert_true(qs->n >= 30);
	for (i = 0; i < qs->n; i++) {
		const struct pt_query *q = &qs->items[i];
		struct pt_pq *pq = NULL;
		size_t j;

		if (pt_pq_compile(&pq, q->tmpl, q->node_label ? q->node_label : "instance", &err) != PT_OK)
			fail_msg("line %d: %s", q->line, err.msg);
		assert_true(pt_pq_nsels(pq) >= 1);
		for (j = 0; j < pt_pq_nsels(pq); j++)
			nodem += pt_pq_sel(pq, j)->node_matcher;
		pt_pq_free(pq);
	}
	/* Every selector of the shipped set is restricted to the window's nodes. */
	assert_true(nodem >= qs->n);
	pt_queryset_free(qs);
}

/* cpu_util and the `or` of cpu_energy from default.yaml, on data worked out by hand. */
static void test_promql__default_templates_evaluate(void **state)
{
	/* Rates over [0, 60], edges on samples: idle cpu0 36/60 = 0.6, user
	 * cpu0 24/60 = 0.4, idle cpu1 48/60 = 0.8. */
	static const double idle0[] = {1000, 1009, 1018, 1027, 1036};
	static const double user0[] = {500, 506, 512, 518, 524};
	static const double idle1[] = {2000, 2012, 2024, 2036, 2048};
	static const double pkg[] = {100, 110, 120, 130, 140}, zone[] = {500, 502, 504, 506, 508};
	struct pt_prom_result *r;

	(void)state;
	add("__name__=node_cpu_seconds_total,cpu=0,instance=n1,mode=idle", 0, 15, 5, idle0);
	add("__name__=node_cpu_seconds_total,cpu=0,instance=n1,mode=user", 0, 15, 5, user0);
	add("__name__=node_cpu_seconds_total,cpu=1,instance=n1,mode=idle", 0, 15, 5, idle1);
	add("__name__=node_rapl_package_joules_total,index=0,instance=n1", 0, 15, 5, pkg);
	add("__name__=node_rapl_joules_total,index=0,instance=n1,rapl_zone=package", 0, 15, 5, zone);
	add("__name__=node_rapl_joules_total,index=0,instance=n2,rapl_zone=package", 0, 15, 5, zone);
	add("__name__=node_rapl_joules_total,index=0,instance=n2,rapl_zone=dram", 0, 15, 5, pkg);
	/* 1 - avg(0.6, 0.8) / (0.6 + 0.4) = 1 - 0.7 = 0.3. */
	expect1("1 - avg by (${node_label}) (rate(node_cpu_seconds_total{mode=\"idle\",${node_matcher}}[${window}]))\n"
			"/ sum by (${node_label}) (rate(node_cpu_seconds_total{cpu=\"0\",${node_matcher}}[${window}]))",
			60, 60, false, "instance=n1", 1 - ((0.6 + 0.8) / 2) / (0.6 + 0.4));
	/* n1 from the first form (140 - 100), n2 from the second (508 - 500). */
	r = eval("sum by (${node_label}) (increase(node_rapl_package_joules_total{${node_matcher}}[${window}]))\n"
			"or sum by (${node_label}) (increase(node_rapl_joules_total{rapl_zone=\"package\",${node_matcher}}[${window}]))",
			60, 60, false);
	assert_int_equal(r->nseries, 2);
	assert_double_equal(value(r, "instance=n1"), 40, EPS);
	assert_double_equal(value(r, "instance=n2"), 8, EPS);
	pt_prom_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_promql__rate_edges_at_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__rate_edges_between_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__rate_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__rate_zero_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__rate_reset_and_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__over_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__over_time_inf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__aggregation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__aggregation_inf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__binary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__many_to_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__clamp_min_and_covered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__label_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_promql__node_label_and_selectors, setup, teardown),
		cmocka_unit_test(test_promql__sel_match),
		cmocka_unit_test(test_promql__refusals),
		cmocka_unit_test(test_promql__limits),
		cmocka_unit_test_setup_teardown(test_promql__same_labelset, setup, teardown),
		cmocka_unit_test(test_promql__default_set_compiles),
		cmocka_unit_test_setup_teardown(test_promql__default_templates_evaluate, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
