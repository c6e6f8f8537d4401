/* test_carbon.c - unit tests for CO2 over time: pieces of a window at an intensity file's hours, energy-weighted intensity of rows and devices, uncovered windows, nodes on a constant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbon.h"
#include "ctx.h"

/* 2024-01-01T00:00:00Z */
#define T0 INT64_C(1704067200000)
#define H INT64_C(3600000)

struct env {
	char dir[PATH_MAX];
	char cfg[PATH_MAX + 16];
	char csv[PATH_MAX + 16];
	struct pt_ctx *ctx;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	const char *tmp = getenv("TMPDIR");
	struct pt_error err = {0, ""};

	if (e == NULL)
		return -1;
	snprintf(e->dir, sizeof(e->dir), "%s/pt-carbon-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->csv, sizeof(e->csv), "%s/ci.csv", e->dir);
	snprintf(e->cfg, sizeof(e->cfg), "%s/pt.yaml", e->dir);
	/* 100, 200, 400 g/kWh from midnight; node "fixed" on a constant. */
	write_file(e->csv, "time,g_per_kwh\n2024-01-01T00:00:00Z,100\n2024-01-01T01:00:00Z,200\n"
			"2024-01-01T02:00:00Z,400\n");
	write_file(e->cfg, "power:\n  pue: 1.5\n  carbon_intensity_file: ci.csv\n"
			"  nodes:\n    fixed: {carbon_intensity_g_per_kwh: 50}\n");
	if (pt_ctx_open_offline(&e->ctx, e->cfg, &err) != PT_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	pt_ctx_free(e->ctx);
	unlink(e->csv);
	unlink(e->cfg);
	rmdir(e->dir);
	free(e);
	return 0;
}

/* A row of node with energy (Wh) split between a cpu and a ram device by share. */
static void make_row(struct pt_row *r, const char *node, int64_t a, int64_t b, double wh,
		double cpu_share)
{
	memset(r, 0, sizeof(*r));
	r->node = strdup(node);
	r->start_ms = a;
	r->end_ms = b;
	r->energy_wh = wh;
	r->pue = 1.5;
	r->carbon_intensity = 475;
	r->co2_g = wh / 1000 * 1.5 * 475;
	pt_status_ok(&r->status);
	r->devices = calloc(2, sizeof(*r->devices));
	assert_non_null(r->devices);
	r->ndevices = 2;
	r->devices[0].device = strdup("cpu");
	r->devices[0].energy_wh = wh * cpu_share;
	r->devices[1].device = strdup("ram");
	r->devices[1].energy_wh = wh * (1 - cpu_share);
}

static void test_carbon__bounds(void **state)
{
	struct env *e = *state;
	struct pt_error err = {0, ""};
	int64_t *b = NULL;
	size_t n = 0;

	assert_true(pt_carbon_varies(e->ctx));
	assert_non_null(pt_carbon_table(e->ctx, "a"));
	assert_null(pt_carbon_table(e->ctx, "fixed"));
	assert_int_equal(pt_carbon_bounds(&b, &n, e->ctx, T0 + H / 2, T0 + 2 * H + H / 4, &err), PT_OK);
	assert_int_equal(n, 4);
	assert_true(b[0] == T0 + H / 2 && b[1] == T0 + H && b[2] == T0 + 2 * H &&
			b[3] == T0 + 2 * H + H / 4);
	free(b);
	/* Inside one hour: one piece. */
	assert_int_equal(pt_carbon_bounds(&b, &n, e->ctx, T0 + 10, T0 + H, &err), PT_OK);
	assert_int_equal(n, 2);
	free(b);
}

static void test_carbon__apply(void **state)
{
	struct env *e = *state;
	struct pt_error err = {0, ""};
	int64_t bounds[4] = {T0 + H / 2, T0 + H, T0 + 2 * H, T0 + 2 * H + H / 4};
	struct pt_row rows[2], p0[2], p1[2], p2[1];
	struct pt_row *prow[3] = {p0, p1, p2};
	size_t pn[3] = {2, 2, 1}, i;
	double want;

	/* Node a: 1, 3 and 2 Wh in the pieces, the cpu's share 1, 0 and 0.5. */
	make_row(&rows[0], "a", bounds[0], bounds[3], 6.0, 0.5);
	make_row(&rows[1], "fixed", bounds[0], bounds[3], 6.0, 0.5);
	rows[1].carbon_intensity = 50;
	rows[1].co2_g = 6.0 / 1000 * 1.5 * 50;
	make_row(&p0[0], "fixed", bounds[0], bounds[1], 1.0, 1.0);
	make_row(&p0[1], "a", bounds[0], bounds[1], 1.0, 1.0);
	make_row(&p1[0], "a", bounds[1], bounds[2], 3.0, 0.0);
	make_row(&p1[1], "fixed", bounds[1], bounds[2], 3.0, 0.0);
	make_row(&p2[0], "a", bounds[2], bounds[3], 2.0, 0.5);
	assert_int_equal(pt_carbon_apply(rows, 2, e->ctx, bounds, 3, prow, pn, &err), PT_OK);
	want = (1 * 100 + 3 * 200 + 2 * 400) / 6.0;
	assert_true(fabs(rows[0].carbon_intensity - want) < 1e-9);
	assert_true(fabs(rows[0].co2_g - 6.0 / 1000 * 1.5 * want) < 1e-12);
	/* cpu: 1 Wh at 100 and 1 Wh at 400; ram: 3 at 200 and 1 at 400. */
	assert_true(fabs(rows[0].devices[0].co2_g - 3.0 / 1000 * 1.5 * 250) < 1e-12);
	assert_true(fabs(rows[0].devices[1].co2_g - 3.0 / 1000 * 1.5 * 1000.0 / 4) < 1e-12);
	assert_true(fabs(rows[0].devices[0].co2_g + rows[0].devices[1].co2_g - rows[0].co2_g) < 1e-12);
	/* A node on a constant keeps it. */
	assert_true(rows[1].carbon_intensity == 50);
	pt_row_clear(&rows[0]);
	pt_row_clear(&rows[1]);
	for (i = 0; i < 2; i++) {
		pt_row_clear(&p0[i]);
		pt_row_clear(&p1[i]);
	}
	pt_row_clear(&p2[0]);
}

static void test_carbon__no_energy_and_no_data(void **state)
{
	struct env *e = *state;
	struct pt_error err = {0, ""};
	int64_t bounds[3] = {T0, T0 + H, T0 + 2 * H};
	struct pt_row rows[1], *prow[2] = {NULL, NULL};
	size_t pn[2] = {0, 0};

	/* No piece has the node: the time mean. */
	make_row(&rows[0], "a", T0, T0 + 2 * H, 0.0, 1.0);
	assert_int_equal(pt_carbon_apply(rows, 1, e->ctx, bounds, 2, prow, pn, &err), PT_OK);
	assert_true(rows[0].carbon_intensity == 150);
	assert_true(rows[0].co2_g == 0);
	pt_row_clear(&rows[0]);
	/* no_data keeps its empty CO2. */
	make_row(&rows[0], "a", T0, T0 + 2 * H, NAN, 1.0);
	rows[0].co2_g = NAN;
	pt_status_set(&rows[0].status, PT_STATUS_NO_DATA, "nothing");
	assert_int_equal(pt_carbon_apply(rows, 1, e->ctx, bounds, 2, prow, pn, &err), PT_OK);
	assert_true(isnan(rows[0].co2_g));
	pt_row_clear(&rows[0]);
}

static void test_carbon__uncovered(void **state)
{
	struct env *e = *state;
	struct pt_error err = {0, ""};
	int64_t bounds[3] = {T0 + 2 * H, T0 + 3 * H, T0 + 4 * H};
	struct pt_row rows[1], *prow[2] = {rows, rows};
	size_t pn[2] = {1, 1};

	make_row(&rows[0], "a", T0 + 2 * H, T0 + 4 * H, 1.0, 1.0);
	assert_int_equal(pt_carbon_apply(rows, 1, e->ctx, bounds, 2, prow, pn, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "ci.csv has no carbon intensity for 2024-01-01T03:00:00.000Z"
			" .. 2024-01-01T04:00:00.000Z (its data ends at 2024-01-01T03:00:00.000Z)"));
	assert_int_equal(pt_carbon_apply_mean(rows, 1, e->ctx, T0 - H, T0, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "(its data begins at 2024-01-01T00:00:00.000Z)"));
	/* One step's mean. */
	assert_int_equal(pt_carbon_apply_mean(rows, 1, e->ctx, T0 + H - 60000, T0 + H + 60000, &err),
			PT_OK);
	assert_true(fabs(rows[0].carbon_intensity - 150) < 1e-9);
	assert_true(fabs(rows[0].devices[0].co2_g - 1.0 / 1000 * 1.5 * 150) < 1e-12);
	pt_row_clear(&rows[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_carbon__bounds),
		cmocka_unit_test(test_carbon__apply),
		cmocka_unit_test(test_carbon__no_energy_and_no_data),
		cmocka_unit_test(test_carbon__uncovered),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
