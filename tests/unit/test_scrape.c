/* test_scrape.c - the node of a target and the largest scrape interval of a set of nodes, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scrape.h"

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

/* Three nodes' targets: n1 has a node exporter (15 s) and a GPU exporter
 * (30 s), n2 a node exporter (60 s); "host" labels name them too. */
static struct pt_label host_n1 = {"host", "n1"}, host_n2 = {"host", "n2"};
static struct pt_target items[] = {
	{"node", "n1:9100", "up", "", "", 0, 15000, &host_n1, 1},
	{"dcgm", "n1:9400", "up", "", "", 0, 30000, &host_n1, 1},
	{"node", "n2:9100", "up", "", "", 0, 60000, &host_n2, 1},
	{"prometheus", "localhost:9090", "up", "", "", 0, 0, NULL, 0},
};
static const struct pt_targets targets = {items, sizeof(items) / sizeof(items[0])};

static void test_scrape__interval_of(void **state)
{
	static const struct {
		const char *label;
		bool strip_port;
		const char *nodes[2];
		size_t nnodes;
		bool or_all;
		int64_t want;
	} cases[] = {
		{"instance", true, {NULL, NULL}, 0, false, 60000},   /* every target */
		{"instance", true, {NULL, NULL}, 0, true, 60000},
		{"instance", true, {"n1", NULL}, 1, false, 30000},   /* both of n1's targets */
		{"instance", true, {"n1", "n2"}, 2, false, 60000},
		{"instance", true, {"n3", NULL}, 1, false, 0},       /* no target of the nodes */
		{"instance", true, {"n3", NULL}, 1, true, 60000},    /* ... or every target */
		{"instance", false, {"n1", NULL}, 1, false, 0},      /* ports kept: "n1" is none */
		{"instance", false, {"n1:9400", NULL}, 1, false, 30000},
		{"host", true, {"n1", NULL}, 1, false, 30000},       /* another node label */
		{"host", true, {"localhost", NULL}, 1, false, 0},    /* "instance" only for instance */
		{"host", true, {"localhost", NULL}, 1, true, 60000},
		{"instance", true, {"localhost", NULL}, 1, true, 60000}, /* its interval unknown */
	};
	char *label = cfg->node_label;
	bool strip = cfg->strip_port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cfg->node_label = (char *)cases[i].label;
		cfg->strip_port = cases[i].strip_port;
		if (pt_scrape_interval_of(&targets, cfg, cases[i].nodes, cases[i].nnodes,
				cases[i].or_all) != cases[i].want)
			fail_msg("case %zu: %lld, not %lld", i,
					(long long)pt_scrape_interval_of(&targets, cfg, cases[i].nodes,
							cases[i].nnodes, cases[i].or_all),
					(long long)cases[i].want);
	}
	cfg->node_label = label;
	cfg->strip_port = strip;
}

static void test_scrape__target_node(void **state)
{
	struct pt_label empty = {"host", ""};
	struct pt_target t = {"node", "[::1]:9100", "up", "", "", 0, 15000, &empty, 1};
	char *label = cfg->node_label;
	char node[64];

	(void)state;
	assert_true(pt_scrape_target_node(node, sizeof(node), &t, cfg));
	assert_string_equal(node, "[::1]");
	cfg->node_label = (char *)"host";
	assert_false(pt_scrape_target_node(node, sizeof(node), &t, cfg)); /* empty value */
	t.nlabels = 0;
	assert_false(pt_scrape_target_node(node, sizeof(node), &t, cfg)); /* no such label */
	cfg->node_label = label;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scrape__interval_of),
		cmocka_unit_test(test_scrape__target_node),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
