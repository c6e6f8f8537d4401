/* test_intensity.c - unit tests for carbon intensity files: both forms, header spellings, every malformed case, coverage and means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "intensity.h"

/* 2024-01-01T00:00:00Z */
#define T0 INT64_C(1704067200000)
#define H INT64_C(3600000)

#define EM_HEAD "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct)," \
	"Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage," \
	"Data Source,Data Estimated,Data Estimation Method\n"
#define EM_ROW(h, d, l) "2024-01-01 " h ":00:00,France,France,FR," d "," l ",90,30,x,false,\n"

struct good_case {
	const char *name;
	const char *text;
	enum pt_ci_column col;
	size_t n;
	double first_g, last_g;
	int64_t first_ms, end_ms;
};

struct bad_case {
	const char *name;
	const char *text;
	enum pt_ci_column col;
	const char *msg; /* the message must contain it */
};

static void test_intensity__good(void **state)
{
	static const struct good_case cases[] = {
		{"em-lca", EM_HEAD EM_ROW("00", "10", "50") EM_ROW("01", "20", "60") EM_ROW("02", "30", "70"),
			PT_CI_LCA, 3, 50, 70, T0, T0 + 3 * H},
		{"em-direct", EM_HEAD EM_ROW("00", "10", "50") EM_ROW("01", "20", "60"),
			PT_CI_DIRECT, 2, 10, 20, T0, T0 + 2 * H},
		/* Unsorted rows are sorted. */
		{"em-unsorted", EM_HEAD EM_ROW("02", "30", "70") EM_ROW("00", "10", "50")
			EM_ROW("01", "20", "60"), PT_CI_LCA, 3, 50, 70, T0, T0 + 3 * H},
		/* Older spellings: "Carbon intensity", "(Life cycle)", ASCII 2, a BOM, CRLF. */
		{"em-life-cycle", "\xEF\xBB\xBF" "Datetime (UTC),Carbon intensity gCO₂eq/kWh (direct),"
			"Carbon intensity gCO₂eq/kWh (Life cycle)\r\n2024-01-01 00:00:00,1,2\r\n"
			"2024-01-01 01:00:00,3,4\r\n", PT_CI_LCA, 2, 2, 4, T0, T0 + 2 * H},
		/* The data portal's newer header, as downloaded. */
		{"em-2024", "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),"
			"Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),"
			"Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method\n"
			"2024-01-01 00:00:00,France,France,FR,18.92,38.51,95.1,27.23,entsoe.eu,false,\n"
			"2024-01-01 01:00:00,France,France,FR,17.5,36.2,95.5,27.9,entsoe.eu,false,\n",
			PT_CI_DIRECT, 2, 18.92, 17.5, T0, T0 + 2 * H},
		{"em-ascii", "Datetime (UTC),Carbon Intensity gCO2eq/kWh (LCA)\n"
			"2024-01-01T00:00:00.000Z,5\n", PT_CI_LCA, 1, 5, 5, T0, T0 + H},
		{"plain-rfc3339", "time,g_per_kwh\n2024-01-01T00:00:00Z,100\n2024-01-01T00:30:00Z,200\n"
			"2024-01-01T02:00:00Z,300\n", PT_CI_LCA, 3, 100, 300, T0, T0 + 2 * H + H / 2},
		{"plain-unix", "time,g_per_kwh\n1704067200,100\n1704070800,0\n", PT_CI_DIRECT, 2, 100, 0,
			T0, T0 + 2 * H},
		{NULL, NULL, 0, 0, 0, 0, 0, 0},
	};
	const struct good_case *c;

	(void)state;
	for (c = cases; c->name; c++) {
		struct pt_intensity *t = NULL;
		struct pt_error err = {0, ""};

		if (pt_intensity_parse(&t, c->text, strlen(c->text), c->name, c->col, &err) != PT_OK)
			fail_msg("%s: %s", c->name, err.msg);
		assert_int_equal(t->n, c->n);
		assert_true(t->g[0] == c->first_g);
		assert_true(t->g[t->n - 1] == c->last_g);
		assert_true(t->t_ms[0] == c->first_ms);
		if (t->end_ms != c->end_ms)
			fail_msg("%s: end %lld, want %lld", c->name, (long long)t->end_ms,
					(long long)c->end_ms);
		pt_intensity_free(t);
	}
}

static void test_intensity__malformed(void **state)
{
	static const struct bad_case cases[] = {
		{"empty", "", PT_CI_LCA, "empty:1: empty file"},
		{"header-only", "time,g_per_kwh\n", PT_CI_LCA, "header-only: no rows"},
		{"unknown-header", "when,value\n1,2\n", PT_CI_LCA, "unknown-header:1: unknown header"},
		{"no-column", "Datetime (UTC),Carbon Intensity gCO₂eq/kWh (direct)\n"
			"2024-01-01 00:00:00,1\n", PT_CI_LCA, "no-column:1: no 'Carbon Intensity"},
		{"fields", "time,g_per_kwh\n1704067200,1\n1704070800\n", PT_CI_LCA,
			"fields:3: 1 fields, the header has 2"},
		{"bad-time", "time,g_per_kwh\n1704067200,1\nyesterday,2\n", PT_CI_LCA,
			"bad-time:3: invalid time 'yesterday'"},
		{"empty-time", "time,g_per_kwh\n,1\n", PT_CI_LCA, "empty-time:2: empty time"},
		{"bad-value", "time,g_per_kwh\n1704067200,lots\n", PT_CI_LCA,
			"bad-value:2: carbon intensity 'lots' is not a number"},
		{"empty-value", EM_HEAD EM_ROW("00", "10", "") , PT_CI_LCA,
			"empty-value:2: empty carbon intensity"},
		{"nan", "time,g_per_kwh\n1704067200,nan\n", PT_CI_LCA, "nan:2: carbon intensity 'nan'"},
		{"negative", "time,g_per_kwh\n1704067200,1\n1704070800,-3\n", PT_CI_LCA,
			"negative:3: negative carbon intensity -3"},
		{"duplicate", EM_HEAD EM_ROW("00", "10", "50") EM_ROW("01", "20", "60")
			EM_ROW("00", "10", "50"), PT_CI_LCA, "duplicate:4: duplicate time (line 2 has it too)"},
		{"gap", EM_HEAD EM_ROW("00", "10", "50") EM_ROW("01", "20", "60") EM_ROW("04", "20", "60"),
			PT_CI_LCA, "gap:4: gap: no rows for 2024-01-01T02:00:00.000Z .. "
			"2024-01-01T04:00:00.000Z"},
		{"quote", "time,g_per_kwh\n1704067200,\"1\n", PT_CI_LCA, "quote:2: malformed CSV"},
		{NULL, NULL, 0, NULL},
	};
	const struct bad_case *c;

	(void)state;
	for (c = cases; c->name; c++) {
		struct pt_intensity *t = NULL;
		struct pt_error err = {0, ""};
		int rc = pt_intensity_parse(&t, c->text, strlen(c->text), c->name, c->col, &err);

		if (rc != PT_EUSAGE)
			fail_msg("%s: accepted (rc %d)", c->name, rc);
		assert_null(t);
		if (strstr(err.msg, c->msg) == NULL)
			fail_msg("%s: message '%s' lacks '%s'", c->name, err.msg, c->msg);
	}
}

static void test_intensity__missing_file(void **state)
{
	struct pt_intensity *t = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_intensity_load(&t, "/nonexistent/ci.csv", PT_CI_LCA, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "cannot read /nonexistent/ci.csv"));
}

static void test_intensity__mean_and_cover(void **state)
{
	static const char text[] = "time,g_per_kwh\n2024-01-01T00:00:00Z,100\n"
		"2024-01-01T01:00:00Z,200\n2024-01-01T02:00:00Z,400\n";
	static const struct {
		int64_t a, b;
		double want;
	} means[] = {
		{T0, T0 + H, 100},
		{T0 + H / 2, T0 + H / 2 + H, 150},
		{T0, T0 + 3 * H, 700.0 / 3},
		{T0 + H + 60000, T0 + H + 120000, 200},
		{T0 + 2 * H + H / 2, T0 + 3 * H, 400},
		{T0 + H, T0 + H, 200},
		{0, 0, 0},
	};
	struct pt_intensity *t = NULL;
	struct pt_error err = {0, ""};
	int64_t cuts[4];
	double g;
	size_t i;

	(void)state;
	assert_int_equal(pt_intensity_parse(&t, text, strlen(text), "ci.csv", PT_CI_LCA, &err), PT_OK);
	for (i = 0; means[i].a; i++) {
		assert_int_equal(pt_intensity_mean(t, means[i].a, means[i].b, &g, &err), PT_OK);
		if (fabs(g - means[i].want) > 1e-9)
			fail_msg("mean %zu: %g, want %g", i, g, means[i].want);
	}
	/* Before, after, across the end: errors naming the span. */
	assert_int_equal(pt_intensity_mean(t, T0 - H, T0 + H, &g, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "ci.csv has no carbon intensity for 2023-12-31T23:00:00.000Z"
			" .. 2024-01-01T00:00:00.000Z (its data begins at"));
	assert_int_equal(pt_intensity_check(t, T0 + 2 * H, T0 + 5 * H, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "for 2024-01-01T03:00:00.000Z .. 2024-01-01T05:00:00.000Z "
			"(its data ends at 2024-01-01T03:00:00.000Z)"));
	assert_int_equal(pt_intensity_check(t, T0, T0 + 3 * H, &err), PT_OK);
	/* Cuts strictly inside. */
	assert_int_equal(pt_intensity_cuts(t, T0, T0 + 3 * H, cuts, 4), 2);
	assert_true(cuts[0] == T0 + H && cuts[1] == T0 + 2 * H);
	assert_int_equal(pt_intensity_cuts(t, T0 + 10, T0 + H - 10, cuts, 4), 0);
	assert_int_equal(pt_intensity_cuts(t, T0 + H / 2, T0 + 2 * H + 1, cuts, 1), 2);
	assert_true(cuts[0] == T0 + H);
	pt_intensity_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intensity__good),
		cmocka_unit_test(test_intensity__malformed),
		cmocka_unit_test(test_intensity__missing_file),
		cmocka_unit_test(test_intensity__mean_and_cover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
