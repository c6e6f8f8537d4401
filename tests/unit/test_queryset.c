/* test_queryset.c - query-set loading, validation errors with lines, template expansion, node names. */
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
#include "queryset.h"

static void test_queryset__shipped_sets_load(void **state)
{
	static const char *const files[] = {
		PT_SOURCE_DIR "/queries/default.yaml",
		PT_SOURCE_DIR "/queries/dcgm.yaml",
		NULL
	};
	size_t i;

	(void)state;
	for (i = 0; files[i]; i++) {
		struct pt_queryset *qs = NULL;
		struct pt_error err = {0, ""};

		assert_int_equal(pt_queryset_load(&qs, files[i], &err), PT_OK);
		assert_non_null(qs->q[PT_Q_CPU_UTIL]);
		assert_non_null(qs->q[PT_Q_RAM_USED]);
		assert_non_null(qs->q[PT_Q_GPU_UTIL]);
		assert_non_null(qs->q[PT_Q_GPU_INFO]);
		pt_queryset_free(qs);
	}
}

static void test_queryset__errors_name_line(void **state)
{
	static const struct {
		const char *yaml;
		const char *expect; /* substring of the message */
	} cases[] = {
		{"queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: up\n", "at least 'cpu_util' and 'ram_used'"},
		{"queries:\n  - quantity: cpu_util\n    unit: watts\n    query: up\n", "t.yaml:2: entry 'cpu_util': unit does not fit"},
		{"queries:\n  - quantity: cpu_utl\n    unit: ratio\n    query: up\n", "t.yaml:2: key 'quantity': unknown quantity 'cpu_utl'"},
		{"queries:\n  - quantity: cpu_util\n    unit: furlongs\n    query: up\n", "t.yaml:3: key 'unit': unknown unit 'furlongs'"},
		{"queries:\n  - quantity: carbon_intensity\n    unit: watts\n    query: x\n", "t.yaml:2: entry 'carbon_intensity': unit does not fit"},
		{"queries:\n  - quantity: cpu_power\n    unit: g_per_kwh\n    query: x\n", "t.yaml:2: entry 'cpu_power': unit does not fit"},
		{"queries:\n  - quantity: cpu_util\n    unit: ratio\n    qeury: up\n", "t.yaml:4: unknown key 'qeury'"},
		{"queries:\n  - quantity: gpu_util\n    unit: ratio\n    query: up\n", "t.yaml:2: entry 'gpu_util' needs 'device_label'"},
		{"queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: rate(x[${windw}])\n", "t.yaml:4: key 'query': unknown placeholder '${windw}'"},
		{"queries:\n  - quantity: cpu_info\n    query: x\n", "needs 'model_label'"},
		{"queries: [\n", "t.yaml:"},
		{"foo: 1\n", "t.yaml:1: unknown key 'foo'"},
		{"queries:\n  - quantity: ram_used\n    unit: bytes\n    query: a\n  - quantity: ram_used\n    unit: bytes\n    query: b\n",
			"t.yaml:5: quantity 'ram_used' given twice (first at line 2)"},
		{"queries:\n  - quantity: gpu_util\n    unit: ratio\n    device_label: \"bad-label\"\n    query: x\n", "not a valid label name"},
		{"queries:\n  - quantity: cpu_util\n    unit: ratio\n    unit: percent\n    query: x\n",
			"t.yaml:4: key 'unit' given twice (first on line 3)"},
		{"name: a\nname: b\n", "t.yaml:2: key 'name' given twice (first on line 1)"},
		{"queries: []\n---\nqueries: []\n", "t.yaml:3: a query set is one YAML document"},
		{"", "t.yaml:1: "},
		/* 65 levels: refused before libyaml builds the document. */
		{"queries:\n  - quantity: cpu_util\n    unit: ratio\n    query: x\n    x: "
			"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "t.yaml:5: nesting deeper than 64 levels"},
		/* Sources: a name as the source columns show it, once per quantity. */
		{"queries:\n  - quantity: cpu_energy\n    source: RAPL!\n    unit: joules\n    query: x\n",
			"t.yaml:3: key 'source': 'RAPL!' is not a source name"},
		{"queries:\n  - quantity: cpu_energy\n    source: model\n    unit: joules\n    query: x\n",
			"t.yaml:3: key 'source': 'model' is not a source name"},
		{"queries:\n  - quantity: cpu_energy\n    source: rapl\n    unit: joules\n    query: a\n"
			"  - quantity: cpu_energy\n    source: rapl\n    unit: joules\n    query: b\n",
			"t.yaml:6: quantity 'cpu_energy' given twice for source 'rapl' (first at line 2)"},
		{"queries:\n  - quantity: node_power\n    unit: joules\n    query: x\n",
			"t.yaml:2: entry 'node_power': unit does not fit"},
		{"queries:\n  - quantity: ram_energy\n    unit: microwatts\n    query: x\n",
			"t.yaml:2: entry 'ram_energy': unit does not fit"},
		{"queries:\n  - quantity: cpu_power\n    sauce: rapl\n    unit: watts\n    query: x\n",
			"t.yaml:3: unknown key 'sauce'"},
		{"queries:\n  - quantity: wall_power\n    unit: watts\n    query: x\n",
			"t.yaml:2: key 'quantity': unknown quantity 'wall_power'"},
		{"queries:\n  - quantity: node_power\n    unit: kilowatts\n    query: x\n",
			"t.yaml:3: key 'unit': unknown unit 'kilowatts'"},
		{NULL, NULL}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].yaml; i++) {
		struct pt_queryset *qs = NULL;
		struct pt_error err = {0, ""};
		int rc = pt_queryset_parse(&qs, cases[i].yaml, strlen(cases[i].yaml), "t.yaml", &err);

		if (rc != PT_EUSAGE || strstr(err.msg, cases[i].expect) == NULL)
			fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, err.msg, cases[i].expect);
		assert_null(qs);
	}
}

/* Several sources of a quantity: file order, ranks, the same source's power
 * and energy as one choice, and the new units. */
static void test_queryset__sources(void **state)
{
	static const char yaml[] =
		"queries:\n"
		"  - quantity: cpu_util\n    unit: ratio\n    query: u\n"
		"  - quantity: ram_used\n    unit: bytes\n    query: r\n"
		"  - quantity: cpu_energy\n    source: rapl\n    unit: joules\n    query: a\n"
		"  - quantity: cpu_energy\n    source: kepler\n    unit: joules\n    query: b\n"
		"  - quantity: cpu_power\n    source: scaphandre\n    unit: microwatts\n    query: c\n"
		"  - quantity: cpu_power\n    source: rapl\n    unit: milliwatts\n    query: d\n"
		"  - quantity: node_power\n    source: ipmi\n    unit: watts\n    query: e\n";
	struct pt_queryset *qs = NULL;
	struct pt_error err = {0, ""};
	const struct pt_query *it;

	(void)state;
	assert_int_equal(pt_queryset_parse(&qs, yaml, strlen(yaml), "t", &err), PT_OK);
	assert_int_equal(qs->n, 7);
	it = qs->items;
	assert_ptr_equal(qs->q[PT_Q_CPU_ENERGY], &it[2]);
	assert_string_equal(it[3].source, "kepler");
	assert_int_equal(it[3].rank, 1);
	assert_int_equal(pt_query_slot(&it[3]), PT_Q_CPU_ENERGY + PT_Q_COUNT);
	/* Priorities: rapl's power goes with rapl's energy (entry 2). */
	assert_int_equal(it[2].prio, 2);
	assert_int_equal(it[3].prio, 3);
	assert_int_equal(it[4].prio, 4);
	assert_int_equal(it[5].prio, 2);
	assert_int_equal(pt_quantity_group(PT_Q_CPU_POWER), PT_Q_CPU_ENERGY);
	assert_int_equal(pt_quantity_group(PT_Q_NODE_POWER), PT_Q_NODE_ENERGY);
	assert_true(pt_unit_scale(it[4].unit) == 1e-6);
	assert_true(pt_unit_scale(it[5].unit) == 1e-3);
	assert_string_equal(pt_query_source(&it[6]), "ipmi");
	assert_string_equal(pt_query_source(&it[0]), "measured");
	pt_queryset_free(qs);
}

/* The first source in the file with data wins, whatever order values come in. */
static void test_queryset__obs_put(void **state)
{
	struct pt_node_obs o;
	struct pt_gpu_obs *g;

	(void)state;
	pt_node_obs_init(&o);
	/* kepler (entry 3) first, then rapl (entry 2): rapl replaces it. */
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_CPU_ENERGY, 3, "kepler", 100));
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_CPU_ENERGY, 2, "rapl", 200));
	assert_true(o.cpu_energy_j == 200);
	assert_string_equal(o.cpu_src, "rapl");
	/* A later source's power does not mix in; the same source's does. */
	assert_false(pt_node_obs_put(&o, NULL, PT_Q_CPU_POWER, 4, "scaphandre", 7));
	assert_true(isnan(o.cpu_power_w));
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_CPU_POWER, 2, "rapl", 9));
	assert_true(o.cpu_power_w == 9 && o.cpu_energy_j == 200);
	/* An earlier source's power drops a later source's energy. */
	assert_true(pt_node_obs_put(&o, NULL, PT_Q_CPU_POWER, 1, "ipmi", 5));
	assert_true(isnan(o.cpu_energy_j) && o.cpu_power_w == 5);
	/* Per device. */
	g = pt_node_obs_gpu(&o, "GPU-0");
	assert_non_null(g);
	assert_true(pt_node_obs_put(&o, g, PT_Q_GPU_POWER, 9, "dcgm", 300));
	assert_true(pt_node_obs_put(&o, g, PT_Q_GPU_POWER, 8, "nvidia_smi", 310));
	assert_false(pt_node_obs_put(&o, g, PT_Q_GPU_ENERGY, 9, "dcgm", 1e6));
	assert_string_equal(g->src, "nvidia_smi");
	assert_true(g->power_w == 310 && isnan(g->energy_j));
	assert_true(isnan(o.node_power_w));
	pt_node_obs_clear(&o);
}

static void test_queryset__expand(void **state)
{
	static const char yaml[] =
		"queries:\n"
		"  - quantity: cpu_util\n"
		"    unit: ratio\n"
		"    query: 1 - avg by (${node_label}) (rate(c{mode=\"idle\",${node_matcher}}[${window}]))\n"
		"  - quantity: ram_used\n"
		"    unit: bytes\n"
		"    node_label: Hostname\n"
		"    query: avg_over_time(m{${node_matcher}}[${window}])\n";
	static const char *const two[] = {"gpu01", "a.b+c"};
	static const char *const odd[] = {"a\"b\\", "a\nb"};
	struct pt_queryset *qs = NULL;
	struct pt_error err = {0, ""};
	struct pt_buf b = {0};
	struct pt_expand x = {5400 * 1000, "instance", NULL, 0, true};

	(void)state;
	assert_int_equal(pt_queryset_parse(&qs, yaml, strlen(yaml), "t", &err), PT_OK);
	assert_int_equal(pt_queryset_expand(&b, qs->q[PT_Q_CPU_UTIL], &x, &err), PT_OK);
	assert_string_equal(b.data, "1 - avg by (instance) (rate(c{mode=\"idle\",instance=~\".+\"}[5400s]))");
	pt_buf_reset(&b);
	x.nodes = two;
	x.nnodes = 2;
	x.window_ms = 1500;
	assert_int_equal(pt_queryset_expand(&b, qs->q[PT_Q_RAM_USED], &x, &err), PT_OK);
	assert_string_equal(b.data,
			"avg_over_time(m{Hostname=~\"(gpu01|a\\\\.b\\\\+c)(:[0-9]+)?\"}[1500ms])");
	/* Quotes, backslashes and control characters: a valid PromQL string
	 * whose regex matches the name literally. */
	pt_buf_reset(&b);
	x.nodes = odd;
	x.nnodes = 2;
	assert_int_equal(pt_queryset_expand(&b, qs->q[PT_Q_RAM_USED], &x, &err), PT_OK);
	assert_string_equal(b.data,
			"avg_over_time(m{Hostname=~\"(a\\\"b\\\\\\\\|a\\x0ab)(:[0-9]+)?\"}[1500ms])");
	pt_buf_free(&b);
	pt_queryset_free(qs);
}

static void test_queryset__node_name(void **state)
{
	static const struct {
		const char *in;
		bool strip;
		const char *out;
	} cases[] = {
		{"gpu01:9100", true, "gpu01"},
		{"gpu01:9100", false, "gpu01:9100"},
		{"gpu01", true, "gpu01"},
		{"[::1]:9100", true, "[::1]"},
		{"::1", true, "::1"},
		{"host:abc", true, "host:abc"},
		{"10.0.0.1:9835", true, "10.0.0.1"},
		{NULL, false, NULL}
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; cases[i].in; i++) {
		pt_node_name(buf, sizeof(buf), cases[i].in, cases[i].strip);
		assert_string_equal(buf, cases[i].out);
	}
}

static void test_queryset__units(void **state)
{
	(void)state;
	assert_double_equal(pt_unit_scale(PT_UNIT_PERCENT), 0.01, 1e-15);
	assert_double_equal(pt_unit_scale(PT_UNIT_MILLIJOULES), 1e-3, 1e-15);
	assert_double_equal(pt_unit_scale(PT_UNIT_MICROJOULES), 1e-6, 1e-18);
	assert_double_equal(pt_unit_scale(PT_UNIT_WATTS), 1.0, 1e-15);
	assert_double_equal(pt_unit_scale(PT_UNIT_G_PER_KWH), 1.0, 1e-15);
}

/* The grid's intensity: an optional node-level quantity in g/kWh. */
static void test_queryset__carbon_intensity(void **state)
{
	static const char text[] = "queries:\n"
		"  - {quantity: cpu_util, unit: ratio, query: a}\n"
		"  - {quantity: ram_used, unit: bytes, query: b}\n"
		"  - {quantity: carbon_intensity, unit: g_per_kwh, query: 'avg_over_time(g[${window}])'}\n";
	struct pt_queryset *qs = NULL;
	struct pt_error err = {0};

	(void)state;
	if (pt_queryset_parse(&qs, text, strlen(text), "t.yaml", &err) != PT_OK)
		fail_msg("%s", err.msg);
	assert_non_null(qs->q[PT_Q_CARBON_INTENSITY]);
	assert_int_equal(qs->q[PT_Q_CARBON_INTENSITY]->unit, PT_UNIT_G_PER_KWH);
	assert_false(pt_quantity_is_device(PT_Q_CARBON_INTENSITY));
	assert_string_equal(pt_quantity_name(PT_Q_CARBON_INTENSITY), "carbon_intensity");
	pt_queryset_free(qs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queryset__shipped_sets_load),
		cmocka_unit_test(test_queryset__errors_name_line),
		cmocka_unit_test(test_queryset__sources),
		cmocka_unit_test(test_queryset__obs_put),
		cmocka_unit_test(test_queryset__expand),
		cmocka_unit_test(test_queryset__node_name),
		cmocka_unit_test(test_queryset__units),
		cmocka_unit_test(test_queryset__carbon_intensity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
