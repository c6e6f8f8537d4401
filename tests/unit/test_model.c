/* test_model.c - the power/energy/CO2 model and the TDP and carbon tables, table-driven. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pt_test.h"

#include "model.h"

static const char cpu_csv[] =
	"Name,TDP\n"
	"3280,65\n"
	"Xeon Gold 6248,150\n"
	"Xeon Gold 6248R,205\n"
	"AMD EPYC 7763,280\n"
	"Core i7-8700,65\n"
	"Broken,\n";
static const char gpu_csv[] =
	"pattern,tdp_watts\n"
	"H100 PCIe,350\n"
	"H100,700\n"
	"A100,400\n";
static const char carbon_csv[] =
	"iso3,iso2,country,g_co2e_per_kwh,year\n"
	"FRA,FR,France,85.0,2022\n"
	"\"POL\",PL,\"Poland, Republic of\",750.5,2022\n";

static struct pt_tables *tables;

static int setup(void **state)
{
	struct pt_error err = {0, ""};

	(void)state;
	return pt_tables_parse(&tables, cpu_csv, gpu_csv, carbon_csv, &err) == PT_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pt_tables_free(tables);
	return 0;
}

static void test_model__cpu_table_lookup(void **state)
{
	static const struct {
		const char *name;
		bool found;
		double tdp;
	} cases[] = {
		{"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", true, 150},
		{"Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", true, 205},
		{"AMD EPYC 7763 64-Core Processor", true, 280},
		{"Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", true, 65},
		{"AMD Phenom II X4 3280", true, 65},
		{"Some 13280 chip", false, 0},
		{"Unknown Vendor Q9", false, 0},
		{"", false, 0},
		{NULL, false, 0}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].name; i++) {
		double tdp = -1;
		bool found = pt_tables_cpu_tdp(tables, cases[i].name, &tdp);
		assert_int_equal(found, cases[i].found);
		if (found)
			assert_double_equal(tdp, cases[i].tdp, 1e-9);
	}
}

static void test_model__gpu_and_carbon_tables(void **state)
{
	double v;

	(void)state;
	assert_true(pt_tables_gpu_tdp(tables, "NVIDIA H100 PCIe", &v));
	assert_double_equal(v, 350, 1e-9);
	assert_true(pt_tables_gpu_tdp(tables, "NVIDIA H100 80GB HBM3", &v));
	assert_double_equal(v, 700, 1e-9);
	assert_true(pt_tables_gpu_tdp(tables, "nvidia a100-sxm4-40gb", &v));
	assert_double_equal(v, 400, 1e-9);
	assert_false(pt_tables_gpu_tdp(tables, "Tesla T4", &v));
	assert_true(pt_tables_carbon(tables, "fra", &v));
	assert_double_equal(v, 85.0, 1e-9);
	assert_true(pt_tables_carbon(tables, "PL", &v));
	assert_double_equal(v, 750.5, 1e-9);
	assert_false(pt_tables_carbon(tables, "XXX", &v));
}

static void test_model__power_formula(void **state)
{
	static const struct {
		double idle, tdp, u, expect;
	} cases[] = {
		{0, 120, 0.5, 60},
		{60, 205, 0.0, 60},
		{60, 205, 1.0, 205},
		{60, 205, 0.25, 96.25},
		{0, 250, 1.7, 250},   /* clamped */
		{10, 250, -0.2, 10},  /* clamped */
		{-1, -1, -1, -1}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].tdp >= 0; i++)
		assert_double_equal(pt_model_power(cases[i].idle, cases[i].tdp, cases[i].u),
				cases[i].expect, 1e-9);
}

static void default_power(struct pt_power_params *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->cpu.tdp_watts = 120;
	pp->gpu.tdp_watts = 250;
	pp->ram_watts_per_gib = 0.375;
	pp->has_pue = true;
	pp->pue = 1.0;
}

static void run_model(struct pt_row *r, struct pt_node_obs *o, const struct pt_power_params *pp,
		bool prefer_measured, double pue, double ci, int64_t dur_ms)
{
	struct pt_model_in in;
	struct pt_error err = {0, ""};

	memset(&in, 0, sizeof(in));
	in.obs = o;
	in.task = "t";
	in.start_ms = 1000000;
	in.end_ms = 1000000 + dur_ms;
	in.prefer_measured = prefer_measured;
	in.power = pp;
	in.pue = pue;
	in.carbon_intensity = ci;
	in.tables = tables;
	assert_int_equal(pt_model_node(r, &in, &err), PT_OK);
}

/* Expected figures are computed here from the formulas of doc/reference.md §6. */
static void test_model__cpu_only_node(void **state)
{
	struct pt_power_params pp;
	struct pt_node_obs o;
	struct pt_row r;
	double gib = 1024.0 * 1024 * 1024;

	(void)state;
	default_power(&pp);
	pt_node_obs_init(&o);
	o.node = strdup("n1");
	o.any = true;
	o.cpu_util = 0.25;
	o.ram_used_bytes = 8 * gib;
	o.ram_total_bytes = 32 * gib;
	run_model(&r, &o, &pp, true, 1.5, 400, 3600 * 1000);
	assert_double_equal(r.cpu_power_w, 30.0, 1e-9);
	assert_double_equal(r.ram_power_w, 3.0, 1e-9);
	assert_double_equal(r.ram_util_pct, 25.0, 1e-9);
	assert_int_equal(r.gpu_count, 0);
	assert_true(isnan(r.gpu_power_w));
	assert_int_equal(r.gpu_source, PT_SRC_NONE);
	assert_double_equal(r.power_w, 33.0, 1e-9);
	assert_double_equal(r.energy_wh, 33.0, 1e-9);
	assert_double_equal(r.energy_j, 33.0 * 3600, 1e-6);
	assert_double_equal(r.co2_g, 0.033 * 1.5 * 400, 1e-9);
	assert_int_equal(r.cpu_tdp_source, PT_TDP_DEFAULT);
	assert_string_equal(r.status.text, "ok");
	assert_int_equal(r.status.kind, PT_STATUS_OK);
	assert_string_equal(pt_status_reason(&r.status), "");
	assert_int_equal(r.ndevices, 2);
	pt_row_clear(&r);
	pt_node_obs_clear(&o);
}

static void test_model__gpu_tdp_precedence(void **state)
{
	static const struct {
		bool override;
		double enforced, limit;
		const char *name;
		enum pt_tdp_source src;
		double tdp;
	} cases[] = {
		{true, 300, 350, "NVIDIA A100", PT_TDP_CONFIG, 500},
		{false, 300, 350, "NVIDIA A100", PT_TDP_EXPORTER, 300},
		{false, NAN, 350, "NVIDIA A100", PT_TDP_EXPORTER, 350},
		{false, NAN, NAN, "NVIDIA A100", PT_TDP_TABLE, 400},
		{false, NAN, NAN, "Tesla T4", PT_TDP_DEFAULT, 250},
		{false, 0, 0, NULL, PT_TDP_NONE, 0}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].name; i++) {
		struct pt_power_params pp;
		struct pt_node_obs o;
		struct pt_gpu_obs *g;
		struct pt_model_in in;
		struct pt_error err = {0, ""};
		struct pt_row r;

		default_power(&pp);
		pp.gpu.tdp_watts = cases[i].override ? 500 : 250;
		pp.gpu.idle_watts = 50;
		pt_node_obs_init(&o);
		o.node = strdup("g");
		o.any = true;
		o.cpu_util = 0;
		o.ram_used_bytes = 0;
		g = pt_node_obs_gpu(&o, "GPU-1");
		g->name = strdup(cases[i].name);
		g->util = 0.5;
		g->power_w = 123; /* ignored: prefer_measured off */
		g->enforced_limit_w = cases[i].enforced;
		g->limit_w = cases[i].limit;
		memset(&in, 0, sizeof(in));
		in.obs = &o;
		in.start_ms = 0;
		in.end_ms = 7200 * 1000;
		in.power = &pp;
		in.gpu_tdp_from_override = cases[i].override;
		in.pue = 1;
		in.carbon_intensity = 475;
		in.tables = tables;
		assert_int_equal(pt_model_node(&r, &in, &err), PT_OK);
		assert_int_equal(r.devices[2].tdp_source, cases[i].src);
		assert_double_equal(r.devices[2].tdp_watts, cases[i].tdp, 1e-9);
		assert_double_equal(r.gpu_power_w, 50 + (cases[i].tdp - 50) * 0.5, 1e-9);
		assert_double_equal(r.gpu_energy_wh, r.gpu_power_w * 2, 1e-9);
		assert_int_equal(r.gpu_source, PT_SRC_MODEL);
		pt_row_clear(&r);
		pt_node_obs_clear(&o);
	}
}

static void test_model__measured_preferred(void **state)
{
	struct pt_power_params pp;
	struct pt_node_obs o;
	struct pt_gpu_obs *g;
	struct pt_row r;

	(void)state;
	default_power(&pp);
	pt_node_obs_init(&o);
	o.node = strdup("m");
	o.any = true;
	o.cpu_util = 0.5;
	o.cpu_energy_j = 90000;      /* 100 s -> 900 W measured */
	o.ram_used_bytes = 0;
	g = pt_node_obs_gpu(&o, "GPU-a");
	g->util = 0.9;
	g->power_w = 210;            /* measured gauge */
	g = pt_node_obs_gpu(&o, "GPU-b");
	g->util = 0.1;
	g->energy_j = 10000;         /* counter beats gauge: 100 W */
	g->power_w = 999;
	run_model(&r, &o, &pp, true, 1, 475, 100 * 1000);
	assert_int_equal(r.cpu_source, PT_SRC_MEASURED);
	assert_double_equal(r.cpu_power_w, 900, 1e-9);
	assert_double_equal(r.gpu_power_w, 310, 1e-9);
	assert_double_equal(r.gpu_util_pct, 50, 1e-9);
	assert_int_equal(r.gpu_source, PT_SRC_MEASURED);
	assert_int_equal(r.gpu_count, 2);
	assert_double_equal(r.energy_wh, (900 + 310) * 100 / 3600.0, 1e-9);
	pt_row_clear(&r);

	/* prefer_measured off: every figure from the model. */
	run_model(&r, &o, &pp, false, 1, 475, 100 * 1000);
	assert_int_equal(r.cpu_source, PT_SRC_MODEL);
	assert_double_equal(r.cpu_power_w, 60, 1e-9);
	assert_double_equal(r.gpu_power_w, 250 * 0.9 + 250 * 0.1, 1e-9);
	pt_row_clear(&r);
	pt_node_obs_clear(&o);
}

/* Measured DRAM before the RAM model; a wall meter makes the total and
 * "other" = wall - parts, negative when the parts' model overestimates. */
static void test_model__meters(void **state)
{
	struct pt_power_params pp;
	struct pt_node_obs o;
	struct pt_gpu_obs *g;
	struct pt_row r;
	size_t i;
	const struct pt_device_row *node = NULL;

	(void)state;
	default_power(&pp);
	pt_node_obs_init(&o);
	o.node = strdup("w");
	o.any = true;
	o.cpu_util = 0.5;
	o.ram_used_bytes = 64.0 * 1024 * 1024 * 1024;  /* the model would say 24 W */
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_CPU_ENERGY, 0, "rapl", 20000)); /* 200 W */
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_RAM_ENERGY, 0, "rapl", 1000));  /* 10 W */
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_NODE_POWER, 5, "ipmi", 450));
	g = pt_node_obs_gpu(&o, "GPU-a");
	g->util = 0.5;
	assert_true(pt_node_obs_put(&o, g, PT_Q_GPU_POWER, 7, "dcgm", 150));
	g = pt_node_obs_gpu(&o, "GPU-b");
	g->util = 0.5;                          /* no meter: the model, 125 W */
	run_model(&r, &o, &pp, true, 1, 475, 100 * 1000);
	assert_double_equal(r.cpu_power_w, 200, 1e-9);
	assert_string_equal(r.cpu_src, "rapl");
	assert_double_equal(r.ram_power_w, 10, 1e-9);
	assert_int_equal(r.ram_source, PT_SRC_MEASURED);
	assert_string_equal(r.ram_src, "rapl");
	assert_double_equal(r.gpu_power_w, 275, 1e-9);
	assert_string_equal(r.gpu_src, "dcgm+model");
	assert_double_equal(r.power_w, 450, 1e-9);
	assert_string_equal(r.power_src, "ipmi");
	assert_double_equal(r.other_power_w, 450 - 200 - 10 - 275, 1e-9);  /* -35: kept */
	assert_double_equal(r.other_energy_wh, -35 * 100 / 3600.0, 1e-9);
	assert_double_equal(r.energy_wh, 450 * 100 / 3600.0, 1e-9);
	for (i = 0; i < r.ndevices; i++)
		if (strcmp(r.devices[i].device, "node") == 0)
			node = &r.devices[i];
	assert_non_null(node);
	assert_double_equal(node->power_w, 450, 1e-9);
	assert_string_equal(node->src, "ipmi");
	assert_int_equal(r.ndevices, 5);
	pt_row_clear(&r);

	/* prefer_measured off: no meter counts, the wall's neither. */
	run_model(&r, &o, &pp, false, 1, 475, 100 * 1000);
	assert_string_equal(r.cpu_src, "model");
	assert_string_equal(r.ram_src, "model");
	assert_double_equal(r.ram_power_w, 24, 1e-9);
	assert_string_equal(r.power_src, "sum");
	assert_true(isnan(r.other_power_w));
	assert_int_equal(r.ndevices, 4);
	pt_row_clear(&r);
	pt_node_obs_clear(&o);
}

static void test_model__no_data_is_not_zero(void **state)
{
	struct pt_power_params pp;
	struct pt_node_obs o;
	struct pt_row r;

	(void)state;
	default_power(&pp);
	pt_node_obs_init(&o);
	o.node = strdup("ghost");
	run_model(&r, &o, &pp, true, 1, 475, 60 * 1000);
	assert_true(strncmp(r.status.text, "no_data", 7) == 0);
	assert_true(isnan(r.power_w));
	assert_true(isnan(r.energy_wh));
	assert_true(isnan(r.cpu_util_pct));
	pt_row_clear(&r);

	/* CPU data but no RAM: partial, totals over what is known. */
	o.any = true;
	o.cpu_util = 1.0;
	run_model(&r, &o, &pp, true, 1, 475, 60 * 1000);
	assert_string_equal(r.status.text, "partial: no RAM data");
	assert_int_equal(r.status.kind, PT_STATUS_PARTIAL);
	assert_string_equal(pt_status_reason(&r.status), "no RAM data");
	assert_double_equal(r.power_w, 120, 1e-9);
	pt_row_clear(&r);
	pt_node_obs_clear(&o);
}

/* Failed scrapes: a few are noise, a node down for a while makes the row partial. */
static void test_model__failed_scrapes(void **state)
{
	struct pt_power_params pp;
	struct pt_node_obs o;
	struct pt_row r;

	(void)state;
	default_power(&pp);
	pt_node_obs_init(&o);
	o.node = strdup("n1");
	o.any = true;
	o.cpu_util = 0.5;
	o.ram_used_bytes = o.ram_total_bytes = 1024.0 * 1024 * 1024;
	o.up = 0.96;
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "ok");
	pt_row_clear(&r);

	o.up = 0.5;
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "partial: 50% of scrapes failed");
	assert_double_equal(r.power_w, 60.375, 1e-9); /* the figures of the scrapes that worked */
	assert_int_equal(r.ndevices, 2);
	assert_string_equal(r.devices[0].status.text, "partial: 50% of scrapes failed"); /* per device too */
	pt_row_clear(&r);

	/* Samples over a third of the window, and the scrapes that failed. */
	o.covered_s = 1200;
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "partial: 50% of scrapes failed; data covers 33% of the window");
	pt_row_clear(&r);

	/* A percent series labelled "ratio": not a utilisation, and said so. */
	o.covered_s = NAN;
	o.up = NAN;
	o.cpu_util = 50.0;
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "partial: CPU utilisation out of range (50); no CPU data");
	assert_true(isnan(r.cpu_power_w));
	pt_row_clear(&r);
	o.cpu_util = 1.003; /* rate() extrapolation: clamped */
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "ok");
	assert_double_equal(r.cpu_util_pct, 100.0, 1e-9);
	pt_row_clear(&r);

	/* Down the whole window: no data, whatever "up" says; GPUs unknown, not 0. */
	o.any = false;
	o.up = 0.0;
	run_model(&r, &o, &pp, true, 1, 475, 3600 * 1000);
	assert_string_equal(r.status.text, "no_data: no series for this node in the window");
	assert_int_equal(r.status.kind, PT_STATUS_NO_DATA);
	assert_string_equal(pt_status_reason(&r.status), "no series for this node in the window");
	assert_int_equal(r.gpu_count, -1);
	assert_string_equal(r.devices[0].status.text, "no_data: no series for this node in the window");
	pt_row_clear(&r);
	pt_node_obs_clear(&o);
}

/* A store's warning makes every row partial, after its own reasons, and
 * keeps the figures; rows without data stay no_data and say it too. */
static void test_model__store_warning(void **state)
{
	static const struct {
		double up;
		bool any;
		const char *row, *dev;
	} cases[] = {
		{1.0, true, "partial: store warned: a; b", "partial: store warned: a; b"},
		{0.5, true, "partial: 50% of scrapes failed; store warned: a; b",
			"partial: 50% of scrapes failed; store warned: a; b"},
		{NAN, false, "no_data: no series for this node in the window; store warned: a; b",
			"no_data: no series for this node in the window; store warned: a; b"},
	};
	struct pt_power_params pp;
	struct pt_error err = {0, ""};
	size_t i;

	(void)state;
	default_power(&pp);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_model_in in;
		struct pt_node_obs o;
		struct pt_row r;

		pt_node_obs_init(&o);
		o.node = strdup("n1");
		o.any = cases[i].any;
		o.cpu_util = cases[i].any ? 0.5 : NAN;
		o.ram_used_bytes = o.ram_total_bytes = cases[i].any ? 1024.0 * 1024 * 1024 : NAN;
		o.up = cases[i].up;
		memset(&in, 0, sizeof(in));
		in.obs = &o;
		in.start_ms = 0;
		in.end_ms = 3600 * 1000;
		in.prefer_measured = true;
		in.power = &pp;
		in.pue = 1;
		in.carbon_intensity = 475;
		in.tables = tables;
		in.store_warning = "a; b";
		assert_int_equal(pt_model_node(&r, &in, &err), PT_OK);
		assert_string_equal(r.status.text, cases[i].row);
		assert_int_equal(r.status.kind, cases[i].any ? PT_STATUS_PARTIAL : PT_STATUS_NO_DATA);
		assert_string_equal(r.devices[0].status.text, cases[i].dev);
		if (cases[i].any)
			assert_double_equal(r.power_w, 60.0 + 0.375, 1e-9);
		pt_row_clear(&r);
		/* An empty warning is none. */
		in.store_warning = "";
		assert_int_equal(pt_model_node(&r, &in, &err), PT_OK);
		assert_null(strstr(r.status.text, "store warned"));
		pt_row_clear(&r);
		pt_node_obs_clear(&o);
	}
}

static void test_model__carbon_resolution(void **state)
{
	struct pt_power_params pp;
	struct pt_error err = {0, ""};
	double ci;

	(void)state;
	memset(&pp, 0, sizeof(pp));
	assert_int_equal(pt_model_carbon(&ci, &pp, tables, &err), PT_OK);
	assert_double_equal(ci, 475, 1e-9);
	pp.country = "FR";
	assert_int_equal(pt_model_carbon(&ci, &pp, tables, &err), PT_OK);
	assert_double_equal(ci, 85, 1e-9);
	pp.has_carbon_intensity = true;
	pp.carbon_intensity = 12;
	assert_int_equal(pt_model_carbon(&ci, &pp, tables, &err), PT_OK);
	assert_double_equal(ci, 12, 1e-9);
	pp.has_carbon_intensity = false;
	pp.country = "ZZZ";
	assert_int_equal(pt_model_carbon(&ci, &pp, tables, &err), PT_EUSAGE);
	assert_non_null(strstr(err.msg, "ZZZ"));
}

static void test_model__shipped_tables_load(void **state)
{
	struct pt_tables *t = NULL;
	struct pt_error err = {0, ""};
	double v;

	(void)state;
	assert_int_equal(pt_tables_load(&t, PT_SOURCE_DIR "/config/data/cpu_tdp.csv",
			PT_SOURCE_DIR "/config/data/gpu_tdp.csv",
			PT_SOURCE_DIR "/config/data/carbon_intensity.csv", &err), PT_OK);
	assert_true(pt_tables_cpu_tdp(t, "AMD EPYC 7763 64-Core Processor", &v));
	assert_true(v > 100);
	assert_true(pt_tables_gpu_tdp(t, "NVIDIA A100-SXM4-80GB", &v));
	assert_true(pt_tables_carbon(t, "DEU", &v));
	assert_true(pt_tables_carbon(t, "de", &v));
	pt_tables_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model__cpu_table_lookup),
		cmocka_unit_test(test_model__gpu_and_carbon_tables),
		cmocka_unit_test(test_model__power_formula),
		cmocka_unit_test(test_model__cpu_only_node),
		cmocka_unit_test(test_model__gpu_tdp_precedence),
		cmocka_unit_test(test_model__measured_preferred),
		cmocka_unit_test(test_model__meters),
		cmocka_unit_test(test_model__no_data_is_not_zero),
		cmocka_unit_test(test_model__failed_scrapes),
		cmocka_unit_test(test_model__store_warning),
		cmocka_unit_test(test_model__carbon_resolution),
		cmocka_unit_test(test_model__shipped_tables_load),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
