/* test_config.c - unit tests for the YAML config loader, node overrides, config location and secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d != NULL && d[0] != '\0' ? d : "/tmp";
}

/* Writes text to a new temporary file; path gets its name (PATH_MAX bytes). */
static void write_temp(char *path, const char *text, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, PATH_MAX, "%s/pt_config_XXXXXX", tmp_dir());
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Loads YAML text through a temporary file; the file is removed again. */
static int load_yaml(struct pt_config **cfg, const char *yaml, char *path, struct pt_error *err)
{
	int rc;

	write_temp(path, yaml, strlen(yaml));
	rc = pt_config_load(cfg, path, err);
	unlink(path);
	return rc;
}

static void assert_defaults_power(const struct pt_power_params *p)
{
	assert_true(p->cpu.has_tdp && p->cpu.has_idle);
	assert_true(p->cpu.tdp_watts == 120.0 && p->cpu.idle_watts == 0.0);
	assert_true(p->gpu.has_tdp && p->gpu.has_idle);
	assert_true(p->gpu.tdp_watts == 250.0 && p->gpu.idle_watts == 0.0);
	assert_true(p->has_ram && p->ram_watts_per_gib == 0.375);
	assert_true(p->has_pue && p->pue == 1.0);
	/* Left to pt_model_carbon, which falls back to 475 g/kWh. */
	assert_false(p->has_carbon_intensity);
	assert_null(p->country);
}

static void assert_defaults(const struct pt_config *cfg)
{
	assert_string_equal(cfg->url, "http://127.0.0.1:9090");
	assert_int_equal(cfg->timeout_ms, 30000);
	assert_int_equal(cfg->retries, 2);
	assert_int_equal(cfg->compression, 0);
	assert_int_equal(cfg->nheaders, 0);
	assert_null(cfg->bearer_token_file);
	assert_null(cfg->basic_user);
	assert_null(cfg->basic_password_file);
	assert_null(cfg->ca_file);
	assert_false(cfg->insecure_skip_verify);
	assert_int_equal(cfg->nparams, 0);
	assert_null(cfg->targets_url);
	assert_string_equal(cfg->node_label, "instance");
	assert_true(cfg->strip_port);
	assert_null(cfg->queries_path);
	assert_true(cfg->prefer_measured);
	assert_defaults_power(&cfg->power);
	assert_int_equal(cfg->noverrides, 0);
}

static void test_config__defaults(void **state)
{
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};

	(void)state;
	assert_int_equal(pt_config_load(&cfg, NULL, &err), PT_OK);
	assert_null(cfg->path);
	assert_defaults(cfg);
	pt_config_free(cfg);
	pt_config_free(NULL);
}

/* Files with no document, or an empty one, mean "all defaults". */
static void test_config__empty_documents(void **state)
{
	static const char *const cases[] = {
		"",
		"# only a comment\n",
		"---\n",
		"~\n",
		"prometheus:\nnodes:\npower:\n  cpu:\n  nodes:\n",
		NULL,
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i] != NULL; i++) {
		struct pt_config *cfg = NULL;
		struct pt_error err = {0};
		char path[PATH_MAX];

		if (load_yaml(&cfg, cases[i], path, &err) != PT_OK)
			fail_msg("case %zu rejected: %s", i, err.msg);
		assert_string_equal(cfg->path, path);
		assert_defaults(cfg);
		pt_config_free(cfg);
	}
}

static const char full_yaml[] =
	"prometheus:\n"
	"  url: https://mimir.example/prometheus/\n"
	"  timeout: 1m30s\n"
	"  retries: 0\n"
	"  compression: never\n"
	"  headers: {X-Scope-OrgID: lab, X-Number: 42}\n"
	"  basic_auth:\n"
	"    username: alice\n"
	"    password_file: secrets/pw\n"
	"  tls: {ca_file: /etc/ca.pem, insecure_skip_verify: yes}\n"
	"  params: {dedup: true, partial_response: \"false\", max_source_resolution: 5m}\n"
	"  targets_url: http://vmagent.example:8429/\n"
	"nodes:\n"
	"  label: host_name\n"
	"  strip_port: false\n"
	"queries: q/set.yaml\n"
	"outputs: {password_file: secrets/db}\n"
	"power:\n"
	"  prefer_measured: False\n"
	"  pue: 1.4\n"
	"  country: fra\n"
	"  cpu: {tdp_watts: 150, idle_watts: 30}\n"
	"  gpu: {tdp_watts: 300.5, idle_watts: 50}\n"
	"  ram: {watts_per_gib: 0.5}\n"
	"  nodes:\n"
	"    gpu01:\n"
	"      cpu: {tdp_watts: 205, idle_watts: 60}\n"
	"    gpu02: {gpu: {idle_watts: 70}, ram: {watts_per_gib: 1}, pue: 1.1,\n"
	"            carbon_intensity_g_per_kwh: 20}\n"
	"    edge01: {country: DE, gpu: {tdp_watts: 70}}\n"
	"    \"NO\":\n";

static void test_config__full(void **state)
{
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];
	const char *slash;

	(void)state;
	if (load_yaml(&cfg, full_yaml, path, &err) != PT_OK)
		fail_msg("rejected: %s", err.msg);
	slash = strrchr(path, '/');
	assert_non_null(slash);

	/* Trailing slash dropped, path prefix kept. */
	assert_string_equal(cfg->url, "https://mimir.example/prometheus");
	assert_int_equal(cfg->timeout_ms, 90000);
	assert_int_equal(cfg->retries, 0);
	assert_int_equal(cfg->compression, -1);
	assert_int_equal(cfg->nheaders, 2);
	assert_string_equal(cfg->headers[0], "X-Scope-OrgID: lab");
	assert_string_equal(cfg->headers[1], "X-Number: 42");
	assert_string_equal(cfg->basic_user, "alice");
	snprintf(want, sizeof(want), "%.*s/secrets/pw", (int)(slash - path), path);
	assert_string_equal(cfg->basic_password_file, want);
	assert_null(cfg->bearer_token_file);
	assert_string_equal(cfg->ca_file, "/etc/ca.pem");
	assert_true(cfg->insecure_skip_verify);
	/* Kept as written, in order: YAML's true is the text "true". */
	assert_int_equal(cfg->nparams, 3);
	assert_string_equal(cfg->params[0].name, "dedup");
	assert_string_equal(cfg->params[0].value, "true");
	assert_string_equal(cfg->params[1].name, "partial_response");
	assert_string_equal(cfg->params[1].value, "false");
	assert_string_equal(cfg->params[2].name, "max_source_resolution");
	assert_string_equal(cfg->params[2].value, "5m");
	assert_string_equal(cfg->targets_url, "http://vmagent.example:8429");
	assert_string_equal(cfg->node_label, "host_name");
	assert_false(cfg->strip_port);
	snprintf(want, sizeof(want), "%.*s/q/set.yaml", (int)(slash - path), path);
	assert_string_equal(cfg->queries_path, want);
	snprintf(want, sizeof(want), "%.*s/secrets/db", (int)(slash - path), path);
	assert_string_equal(cfg->output_password_file, want);

	assert_false(cfg->prefer_measured);
	assert_true(cfg->power.pue == 1.4);
	assert_false(cfg->power.has_carbon_intensity);
	assert_string_equal(cfg->power.country, "FRA");
	assert_true(cfg->power.cpu.tdp_watts == 150.0 && cfg->power.cpu.idle_watts == 30.0);
	assert_true(cfg->power.gpu.tdp_watts == 300.5 && cfg->power.gpu.idle_watts == 50.0);
	assert_true(cfg->power.ram_watts_per_gib == 0.5);

	assert_int_equal(cfg->noverrides, 4);
	assert_string_equal(cfg->overrides[0].node, "gpu01");
	assert_true(cfg->overrides[0].power.cpu.has_tdp && cfg->overrides[0].power.cpu.has_idle);
	assert_false(cfg->overrides[0].power.gpu.has_tdp || cfg->overrides[0].power.has_pue);
	assert_string_equal(cfg->overrides[1].node, "gpu02");
	assert_true(cfg->overrides[1].power.has_carbon_intensity);
	assert_string_equal(cfg->overrides[2].node, "edge01");
	assert_string_equal(cfg->overrides[2].power.country, "DE");
	/* Typed by key, so YAML 1.1's "NO" = false does not bite node names. */
	assert_string_equal(cfg->overrides[3].node, "NO");
	pt_config_free(cfg);
}

static void test_config__relative_paths(void **state)
{
	static const struct {
		const char *yaml;
		const char *suffix; /* expected path after "<config dir>", or absolute */
	} cases[] = {
		{"queries: q/set.yaml\n", "/q/set.yaml"},
		{"queries: ../set.yaml\n", "/../set.yaml"},
		{"queries: set.yaml\n", "/set.yaml"},
		{"queries: /abs/set.yaml\n", "/abs/set.yaml"},
		{NULL, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].yaml != NULL; i++) {
		struct pt_config *cfg = NULL;
		struct pt_error err = {0};
		char path[PATH_MAX], want[PATH_MAX + 64];
		const char *slash;

		if (load_yaml(&cfg, cases[i].yaml, path, &err) != PT_OK)
			fail_msg("'%s' rejected: %s", cases[i].yaml, err.msg);
		slash = strrchr(path, '/');
		if (strncmp(cases[i].suffix, "/abs", 4) == 0)
			snprintf(want, sizeof(want), "%s", cases[i].suffix);
		else
			snprintf(want, sizeof(want), "%.*s%s", (int)(slash - path), path, cases[i].suffix);
		assert_string_equal(cfg->queries_path, want);
		pt_config_free(cfg);
	}
}

/* A config named without a directory resolves against the cwd. */
static void test_config__relative_paths_cwd(void **state)
{
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};
	char path[PATH_MAX], cwd[PATH_MAX];
	const char *name;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	write_temp(path, "queries: q.yaml\n", 16);
	name = strrchr(path, '/') + 1;
	assert_int_equal(chdir(tmp_dir()), 0);
	assert_int_equal(pt_config_load(&cfg, name, &err), PT_OK);
	assert_string_equal(cfg->queries_path, "q.yaml");
	pt_config_free(cfg);
	unlink(path);
	assert_int_equal(chdir(cwd), 0);
}

struct error_case {
	const char *yaml;
	int line;
	const char *key;    /* NULL: the message names no key */
	const char *detail; /* substring of the rest of the message */
};

static const struct error_case error_cases[] = {
	/* found while reading arguments, before any query (issue: hardening) */
	{"prometheus:\n  url: http://h:99999\n", 2, "prometheus.url", "port must be a number from 1 to 65535"},
	{"prometheus:\n  url: http://h:0/\n", 2, "prometheus.url", "port must be a number from 1 to 65535"},
	{"prometheus:\n  url: \"http://[::1]:65536\"\n", 2, "prometheus.url", "port must be"},
	{"prometheus:\n  url: http://u:p@h:9x\n", 2, "prometheus.url", "port must be"},
	{"prometheus:\n  timeout: 99999999999d\n", 2, "prometheus.timeout", "at most 1h"},
	{"prometheus:\n  timeout: 61m\n", 2, "prometheus.timeout", "at most 1h"},
	{"power:\n  nodes:\n    \"a\\tb\": {pue: 1.2}\n", 3, NULL, "no control characters"},
	/* unknown keys */
	{"promethus:\n  url: x\n", 1, "promethus",
		"unknown key (expected one of: prometheus, nodes, queries, power, outputs)"},
	{"outputs:\n  password: hunter2\n", 2, "outputs.password", "unknown key (expected one of: password_file)"},
	{"power:\n  cpu:\n    tdp: 5\n", 3, "power.cpu.tdp", "unknown key (expected one of: tdp_watts, idle_watts)"},
	{"prometheus:\n  tls: {cert_file: x}\n", 2, "prometheus.tls.cert_file", "unknown key"},
	{"power:\n  nodes:\n    gpu01:\n      prefer_measured: false\n", 4,
		"power.nodes.gpu01.prefer_measured", "unknown key"},
	{"power:\n  nodes:\n    gpu01: {nodes: {}}\n", 3, "power.nodes.gpu01.nodes", "unknown key"},
	/* wrong types */
	{"power:\n  cpu:\n    tdp_watts: abc\n", 3, "power.cpu.tdp_watts", "must be a number >= 0, got 'abc'"},
	{"power:\n  pue: {a: 1}\n", 2, "power.pue", "must be a number >= 1, got a mapping"},
	{"prometheus:\n  retries: [1]\n", 2, "prometheus.retries",
		"must be an integer from 0 to 100, got a list"},
	{"prometheus:\n  url:\n", 2, "prometheus.url", "must be an http:// or https:// URL, got nothing"},
	{"power: 5\n", 1, "power", "must be a mapping, got '5'"},
	{"power:\n  cpu: 120\n", 2, "power.cpu", "must be a mapping, got '120'"},
	{"prometheus:\n  headers: [a]\n", 2, "prometheus.headers", "must be a mapping, got a list"},
	{"power:\n  ram: {watts_per_gib: .inf}\n", 2, "power.ram.watts_per_gib", "must be a number >= 0"},
	{"power:\n  ram: {watts_per_gib: nan}\n", 2, "power.ram.watts_per_gib", "must be a number >= 0"},
	{"power:\n  ram: {watts_per_gib: 0x10}\n", 2, "power.ram.watts_per_gib", "must be a number >= 0"},
	{"power:\n  ram: {watts_per_gib: 1e999}\n", 2, "power.ram.watts_per_gib", "must be a number >= 0"},
	{"power:\n  ram: {watts_per_gib: 1 W}\n", 2, "power.ram.watts_per_gib", "got '1 W'"},
	{"power:\n  prefer_measured: 1\n", 2, "power.prefer_measured", "must be true or false, got '1'"},
	{"prometheus:\n  tls:\n    insecure_skip_verify: maybe\n", 3, "prometheus.tls.insecure_skip_verify",
		"must be true or false, got 'maybe'"},
	{"nodes: {strip_port: [true]}\n", 1, "nodes.strip_port", "must be true or false, got a list"},
	{"queries: {a: b}\n", 1, "queries", "must be a file path, got a mapping"},
	{"queries: \"\"\n", 1, "queries", "must be a file path, got ''"},
	{"queries: \"a\\0b\"\n", 1, "queries", "NUL"},
	/* Quoted text with line breaks still gives a one-line message. */
	{"power:\n  pue: |\n    1.0\n    more\n", 2, "power.pue", "got '1.0 more "},
	{"power:\n  nodes:\n    \"a\\nb\": {x: 1}\n", 3, "power.nodes.a b", "a node name has no control characters"},
	{"{[a]: 1}\n", 1, NULL, "keys must be plain words, got a list"},
	/* impossible values */
	{"power:\n  cpu:\n    idle_watts: -5\n", 3, "power.cpu.idle_watts", "must be a number >= 0, got '-5'"},
	{"power:\n  gpu: {tdp_watts: -1}\n", 2, "power.gpu.tdp_watts", "must be a number >= 0, got '-1'"},
	{"power:\n  pue: 0.9\n", 2, "power.pue", "must be a number >= 1, got '0.9'"},
	{"power:\n  carbon_intensity_g_per_kwh: -1\n", 2, "power.carbon_intensity_g_per_kwh",
		"must be a number >= 0"},
	{"power:\n  cpu:\n    tdp_watts: 100\n    idle_watts: 150\n", 4, "power.cpu.idle_watts",
		"must not exceed tdp_watts (100), got 150"},
	{"power:\n  gpu:\n    idle_watts: 300\n", 3, "power.gpu.idle_watts",
		"must not exceed tdp_watts (250), got 300"},
	{"power:\n  nodes:\n    gpu01:\n      cpu: {tdp_watts: 50, idle_watts: 60}\n", 4,
		"power.nodes.gpu01.cpu.idle_watts", "must not exceed tdp_watts (50)"},
	{"power:\n  nodes:\n    gpu01: {pue: 0.5}\n", 3, "power.nodes.gpu01.pue", "must be a number >= 1"},
	{"power:\n  country: France\n", 2, "power.country", "must be an ISO 3166 country code"},
	{"power:\n  country: F1\n", 2, "power.country", "must be an ISO 3166 country code"},
	{"power:\n  carbon_intensity_g_per_kwh: 50\n  country: FR\n", 3, "power.country",
		"set carbon_intensity_g_per_kwh or country, not both"},
	{"power:\n  nodes:\n    x: {country: FR,\n      carbon_intensity_g_per_kwh: 5}\n", 3,
		"power.nodes.x.country", "not both"},
	{"power:\n  nodes:\n    \"\": {}\n", 3, "power.nodes.", "node name must not be empty"},
	{"prometheus:\n  retries: -1\n", 2, "prometheus.retries", "must be an integer from 0 to 100, got '-1'"},
	{"prometheus:\n  retries: 2.5\n", 2, "prometheus.retries", "got '2.5'"},
	{"prometheus:\n  retries: 101\n", 2, "prometheus.retries", "got '101'"},
	{"prometheus:\n  compression: sometimes\n", 2, "prometheus.compression",
		"must be auto, always or never, got 'sometimes'"},
	{"prometheus:\n  timeout: abc\n", 2, "prometheus.timeout", "must be a duration like 30s or 1m30s, got 'abc'"},
	{"prometheus:\n  timeout: 30\n", 2, "prometheus.timeout", "must be a duration like 30s"},
	{"prometheus:\n  timeout: 0s\n", 2, "prometheus.timeout", "must be a duration like 30s"},
	{"prometheus:\n  url: ftp://host\n", 2, "prometheus.url", "must be an http:// or https:// URL, got 'ftp://host'"},
	{"prometheus:\n  url: 127.0.0.1:9090\n", 2, "prometheus.url", "must be an http:// or https:// URL"},
	{"prometheus:\n  url: http://\n", 2, "prometheus.url", "must be an http:// or https:// URL"},
	{"prometheus:\n  url: http://h/?a=1\n", 2, "prometheus.url", "must not have a query or fragment"},
	{"nodes:\n  label: node-name\n", 2, "nodes.label", "must be a Prometheus label name"},
	{"nodes:\n  label: 1abc\n", 2, "nodes.label", "must be a Prometheus label name"},
	{"prometheus:\n  headers:\n    Bad Name: x\n", 3, "prometheus.headers.Bad Name",
		"is not a valid HTTP header name"},
	{"prometheus:\n  headers:\n    X-A: {b: c}\n", 3, "prometheus.headers.X-A",
		"must be a header value, got a mapping"},
	{"prometheus:\n  headers:\n    X-A: \"a\\r\\nX-B: c\"\n", 3, "prometheus.headers.X-A",
		"must be a single line"},
	{"prometheus:\n  params: [dedup]\n", 2, "prometheus.params", "must be a mapping, got a list"},
	{"prometheus:\n  params:\n    dedup: {a: b}\n", 3, "prometheus.params.dedup",
		"must be a value like true or 5m, got a mapping"},
	{"prometheus:\n  params:\n    dedup:\n", 3, "prometheus.params.dedup",
		"must be a value like true or 5m, got nothing"},
	{"prometheus:\n  params:\n    step: 5s\n", 3, "prometheus.params.step", "is set by powertest itself"},
	{"prometheus:\n  params:\n    query: up\n", 3, "prometheus.params.query",
		"is set by powertest itself"},
	{"prometheus:\n  params: {a: 1, a: 2}\n", 2, "prometheus.params.a", "duplicate key"},
	{"prometheus:\n  targets_url: vmagent:8429\n", 2, "prometheus.targets_url",
		"must be an http:// or https:// URL, got 'vmagent:8429'"},
	{"prometheus:\n  targets_url: http://h/?x=1\n", 2, "prometheus.targets_url",
		"must not have a query or fragment"},
	{"prometheus:\n  targets_url: [a]\n", 2, "prometheus.targets_url",
		"must be an http:// or https:// URL, got a list"},
	{"prometheus:\n  basic_auth:\n    username: u\n", 3, "prometheus.basic_auth",
		"needs both username and password_file"},
	{"prometheus:\n  bearer_token_file: t\n  basic_auth: {username: u, password_file: p}\n", 3,
		"prometheus.basic_auth", "set bearer_token_file or basic_auth, not both"},
	/* carbon intensity files */
	{"power:\n  carbon_intensity_file: ci.csv\n  country: FR\n", 2, "power.carbon_intensity_file",
		"set carbon_intensity_file or country, not both"},
	{"power:\n  carbon_intensity_g_per_kwh: 5\n  carbon_intensity_file: ci.csv\n", 3,
		"power.carbon_intensity_file", "set carbon_intensity_file or carbon_intensity_g_per_kwh"},
	{"power:\n  nodes:\n    a: {carbon_intensity_file: x.csv, country: DE}\n", 3,
		"power.nodes.a.carbon_intensity_file", "not both"},
	{"power:\n  carbon_intensity_file: ''\n", 2, "power.carbon_intensity_file", "must be a file path"},
	{"power:\n  carbon_intensity_column: total\n", 2, "power.carbon_intensity_column",
		"must be lca or direct, got 'total'"},
	/* duplicate keys */
	{"power:\n  pue: 1.2\n  pue: 1.3\n", 3, "power.pue", "duplicate key (first on line 2)"},
	{"power: {}\nnodes: {}\npower: {}\n", 3, "power", "duplicate key (first on line 1)"},
	{"power:\n  nodes:\n    a: {}\n    a: {}\n", 4, "power.nodes.a", "duplicate key"},
	/* document-level errors, no key */
	{"- a\n- b\n", 1, NULL, "the top level must be a mapping, got a list"},
	{"hello\n", 1, NULL, "the top level must be a mapping, got 'hello'"},
	{"power: {}\n---\npower: {}\n", 2, NULL, "expected one YAML document, found another"},
	{"power:\n  pue: 1\n cpu: 2\n", 3, NULL, "invalid YAML: "},
	{"prometheus:\n  url: [a, b\n", 3, NULL, "invalid YAML: "},
	{"power:\n\tpue: 1\n", 2, NULL, "invalid YAML: "},
	{"a: *nope\n", 1, NULL, "invalid YAML: found undefined alias"},
	{NULL, 0, NULL, NULL},
};

static void test_config__errors(void **state)
{
	const struct error_case *c;

	(void)state;
	for (c = error_cases; c->yaml != NULL; c++) {
		struct pt_config *cfg = (struct pt_config *)&cfg; /* must be reset to NULL */
		struct pt_error err = {0};
		char path[PATH_MAX], want[PATH_MAX + 128];
		int rc = load_yaml(&cfg, c->yaml, path, &err);

		if (rc != PT_EUSAGE)
			fail_msg("accepted (rc %d): %s", rc, c->yaml);
		assert_null(cfg);
		assert_int_equal(err.code, PT_EUSAGE);
		if (c->key != NULL)
			snprintf(want, sizeof(want), "%s:%d: key '%s': ", path, c->line, c->key);
		else
			snprintf(want, sizeof(want), "%s:%d: ", path, c->line);
		if (strncmp(err.msg, want, strlen(want)) != 0 || strstr(err.msg, c->detail) == NULL)
			fail_msg("for:\n%s\ngot:  %s\nwant: %s...%s", c->yaml, err.msg, want, c->detail);
		assert_null(strchr(err.msg, '\n'));
	}
}

/* "Well under a second"; ASan makes every allocation several times dearer. */
#ifdef __SANITIZE_ADDRESS__
#define FAST_LOAD_S 3.0
#else
#define FAST_LOAD_S 1.0
#endif

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Loads yaml (len bytes) and returns how long it took; rc and err as loaded. */
static double timed_load(int *rc, struct pt_config **cfg, const char *yaml, size_t len,
		char *path, struct pt_error *err)
{
	struct timespec t0;
	double s;

	write_temp(path, yaml, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*rc = pt_config_load(cfg, path, err);
	s = seconds_since(&t0);
	unlink(path);
	return s;
}

/* Hostile shapes load or are refused in well under a second (they took
 * 11 s for 50,000 nested brackets and 8 s for 28,000 node overrides when
 * libyaml saw any nesting and duplicate keys were checked pair by pair). */
static void test_config__pathological_fast(void **state)
{
	static const char *const opens[] = {"[", "{a: ", "- "};
	static const char *const closes[] = {"]", "}", ""};
	const size_t deep = 50000, nodes = 28000;
	char path[PATH_MAX];
	size_t i, k, used;
	char *text;
	int rc;

	(void)state;
	text = malloc(nodes * 40 + 64);
	assert_non_null(text);
	for (k = 0; k < 3; k++) {
		struct pt_config *cfg = NULL;
		struct pt_error err = {0};
		double s;

		used = 0;
		for (i = 0; i < deep && k < 2; i++)
			used += (size_t)sprintf(text + used, "%s", opens[k]);
		for (i = 0; i < deep / 4 && k == 2; i++)
			used += (size_t)sprintf(text + used, "%s", opens[k]);
		used += (size_t)sprintf(text + used, "1");
		for (i = 0; i < deep && k < 2; i++)
			used += (size_t)sprintf(text + used, "%s", closes[k]);
		s = timed_load(&rc, &cfg, text, used, path, &err);
		assert_int_equal(rc, PT_EUSAGE);
		assert_null(cfg);
		if (strstr(err.msg, ":1: nesting deeper than 64 levels") == NULL)
			fail_msg("%s...: %s", opens[k], err.msg);
		if (s > FAST_LOAD_S)
			fail_msg("%s x %zu: %.2f s", opens[k], deep, s);
	}
	/* 64 levels are not refused for their depth (but are no config). */
	{
		struct pt_config *cfg = NULL;
		struct pt_error err = {0};

		used = 0;
		for (i = 0; i < 64; i++)
			text[used++] = '[';
		for (i = 0; i < 64; i++)
			text[used++] = ']';
		timed_load(&rc, &cfg, text, used, path, &err);
		assert_int_equal(rc, PT_EUSAGE);
		assert_non_null(strstr(err.msg, "top level must be a mapping"));
	}
	/* Many node overrides: all loaded, quickly; a repeated one is still found. */
	for (k = 0; k < 2; k++) {
		struct pt_config *cfg = NULL;
		struct pt_error err = {0};
		double s;

		used = (size_t)sprintf(text, "power:\n  nodes:\n");
		for (i = 0; i < nodes; i++)
			used += (size_t)sprintf(text + used, "    n%zu: {pue: 1.1}\n", i);
		if (k == 1)
			used += (size_t)sprintf(text + used, "    n%zu: {pue: 1.2}\n", nodes / 2);
		s = timed_load(&rc, &cfg, text, used, path, &err);
		if (s > FAST_LOAD_S)
			fail_msg("%zu node overrides: %.2f s", nodes, s);
		if (k == 0) {
			struct pt_power_params pp;
			struct timespec t0;
			char name[32];
			bool cpu, gpu;

			assert_int_equal(rc, PT_OK);
			assert_int_equal(cfg->noverrides, nodes);
			assert_string_equal(cfg->overrides[nodes - 1].node, "n27999");
			/* A report over all of them looks each one up: not a scan each. */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (i = 0; i < nodes; i++) {
				snprintf(name, sizeof(name), "n%zu", i);
				pt_config_node_power(cfg, name, &pp, &cpu, &gpu);
				if (!pp.has_pue || pp.pue != 1.1)
					fail_msg("%s: no override", name);
			}
			pt_config_node_power(cfg, "n28000", &pp, &cpu, &gpu);
			assert_true(pp.pue == 1.0);
			s = seconds_since(&t0);
			if (s > FAST_LOAD_S)
				fail_msg("%zu node lookups: %.2f s", nodes, s);
			pt_config_free(cfg);
		} else {
			char want[128];

			assert_int_equal(rc, PT_EUSAGE);
			snprintf(want, sizeof(want), ":%zu: key 'power.nodes.n%zu': duplicate key "
					"(first on line %zu)", nodes + 3, nodes / 2, nodes / 2 + 3);
			if (strstr(err.msg, want) == NULL)
				fail_msg("got %s, want %s", err.msg, want);
		}
	}
	free(text);
}

static void test_config__unreadable(void **state)
{
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};
	char path[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	assert_int_equal(pt_config_load(&cfg, "/nonexistent/powertest.yaml", &err), PT_EUSAGE);
	assert_null(cfg);
	assert_string_equal(err.msg,
		"cannot read config /nonexistent/powertest.yaml: No such file or directory");

	assert_int_equal(pt_config_load(&cfg, tmp_dir(), &err), PT_EUSAGE);
	snprintf(path, sizeof(path), "cannot read config %s: Is a directory", tmp_dir());
	assert_string_equal(err.msg, path);

	/* Reader errors (bad UTF-8) come as a byte offset; still FILE:LINE. */
	write_temp(path, "power:\n  country: \xff\xfe\xfd\n", 22);
	assert_int_equal(pt_config_load(&cfg, path, &err), PT_EUSAGE);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: invalid YAML: ", path);
	assert_true(strncmp(err.msg, want, strlen(want)) == 0);

	/* A wrong -c (a log, a dump) stops at the cap instead of being parsed. */
	{
		size_t big = 1024 * 1024 + 100;
		char *text = malloc(big);

		assert_non_null(text);
		memset(text, '#', big);
		write_temp(path, text, big);
		free(text);
		assert_int_equal(pt_config_load(&cfg, path, &err), PT_EUSAGE);
		unlink(path);
		snprintf(want, sizeof(want), "cannot read config %s: File too large", path);
		assert_string_equal(err.msg, want);
	}

	/* Without an error buffer the code still comes back. */
	assert_int_equal(pt_config_load(&cfg, "/nonexistent/powertest.yaml", NULL), PT_EUSAGE);
	assert_int_equal(load_yaml(&cfg, "power: {pue: 0}\n", path, NULL), PT_EUSAGE);
	assert_null(cfg);
}

static void test_config__example_loads(void **state)
{
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};

	(void)state;
	if (pt_config_load(&cfg, PT_SOURCE_DIR "/config/powertest.example.yaml", &err) != PT_OK)
		fail_msg("example rejected: %s", err.msg);
	/* It documents the defaults; carbon is spelled out there. */
	assert_string_equal(cfg->url, "http://127.0.0.1:9090");
	assert_int_equal(cfg->timeout_ms, 30000);
	assert_int_equal(cfg->retries, 2);
	assert_string_equal(cfg->node_label, "instance");
	assert_true(cfg->strip_port);
	assert_true(cfg->prefer_measured);
	assert_true(cfg->power.has_carbon_intensity && cfg->power.carbon_intensity == 475.0);
	assert_true(cfg->power.cpu.tdp_watts == 120.0 && cfg->power.gpu.tdp_watts == 250.0);
	assert_true(cfg->power.ram_watts_per_gib == 0.375 && cfg->power.pue == 1.0);
	pt_config_free(cfg);
}

static void test_config__node_power(void **state)
{
	static const char yaml[] =
		"power:\n"
		"  pue: 1.2\n"
		"  carbon_intensity_g_per_kwh: 300\n"
		"  cpu: {tdp_watts: 150, idle_watts: 30}\n"
		"  nodes:\n"
		"    gpu01: {cpu: {tdp_watts: 205, idle_watts: 60}}\n"
		"    gpu02: {gpu: {tdp_watts: 400}, ram: {watts_per_gib: 1}, pue: 1.5}\n"
		"    edge01: {country: DE}\n"
		"    edge02: {cpu: {idle_watts: 10}, carbon_intensity_g_per_kwh: 20}\n";
	static const struct {
		const char *node;
		double cpu_tdp, cpu_idle, gpu_tdp, ram, pue, carbon;
		bool has_carbon;
		const char *country;
		bool cpu_ov, gpu_ov;
	} cases[] = {
		{"gpu01", 205, 60, 250, 0.375, 1.2, 300, true, NULL, true, false},
		{"gpu02", 150, 30, 400, 1.0, 1.5, 300, true, NULL, false, true},
		/* A country replaces the top level's explicit intensity. */
		{"edge01", 150, 30, 250, 0.375, 1.2, 300, false, "DE", false, false},
		{"edge02", 150, 10, 250, 0.375, 1.2, 20, true, NULL, false, false},
		{"other", 150, 30, 250, 0.375, 1.2, 300, true, NULL, false, false},
		/* Names match exactly: no port stripping or case folding here. */
		{"gpu01:9100", 150, 30, 250, 0.375, 1.2, 300, true, NULL, false, false},
		{"GPU01", 150, 30, 250, 0.375, 1.2, 300, true, NULL, false, false},
		{NULL, 0, 0, 0, 0, 0, 0, false, NULL, false, false},
	};
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};
	char path[PATH_MAX];
	size_t i;

	(void)state;
	if (load_yaml(&cfg, yaml, path, &err) != PT_OK)
		fail_msg("rejected: %s", err.msg);
	for (i = 0; cases[i].node != NULL; i++) {
		struct pt_power_params p;
		bool cpu_ov = true, gpu_ov = true;

		pt_config_node_power(cfg, cases[i].node, &p, &cpu_ov, &gpu_ov);
		assert_true(p.cpu.tdp_watts == cases[i].cpu_tdp);
		assert_true(p.cpu.idle_watts == cases[i].cpu_idle);
		assert_true(p.gpu.tdp_watts == cases[i].gpu_tdp);
		assert_true(p.ram_watts_per_gib == cases[i].ram);
		assert_true(p.pue == cases[i].pue);
		assert_int_equal(p.has_carbon_intensity, cases[i].has_carbon);
		if (cases[i].has_carbon)
			assert_true(p.carbon_intensity == cases[i].carbon);
		if (cases[i].country != NULL)
			assert_string_equal(p.country, cases[i].country);
		else
			assert_null(p.country);
		assert_int_equal(cpu_ov, cases[i].cpu_ov);
		assert_int_equal(gpu_ov, cases[i].gpu_ov);
		assert_true(p.cpu.has_tdp && p.cpu.has_idle && p.gpu.has_tdp && p.has_ram && p.has_pue);
	}
	/* NULL flags and a NULL node are fine. */
	{
		struct pt_power_params p;

		pt_config_node_power(cfg, NULL, &p, NULL, NULL);
		assert_true(p.cpu.tdp_watts == 150.0);
	}
	pt_config_free(cfg);

	/* Defaults only: no overrides, the model resolves carbon. */
	assert_int_equal(pt_config_load(&cfg, NULL, &err), PT_OK);
	{
		struct pt_power_params p;
		bool cpu_ov = true, gpu_ov = true;

		pt_config_node_power(cfg, "gpu01", &p, &cpu_ov, &gpu_ov);
		assert_defaults_power(&p);
		assert_false(cpu_ov || gpu_ov);
	}
	pt_config_free(cfg);
}

/* Intensity, country and file are one choice per node; the column follows the node. */
static void test_config__carbon_file(void **state)
{
	static const char yaml[] =
		"power:\n"
		"  carbon_intensity_file: /data/fr.csv\n"
		"  nodes:\n"
		"    de: {carbon_intensity_file: de.csv, carbon_intensity_column: DIRECT}\n"
		"    fixed: {carbon_intensity_g_per_kwh: 30}\n"
		"    country: {country: NO}\n"
		"    direct: {carbon_intensity_column: direct}\n";
	struct pt_config *cfg = NULL;
	struct pt_error err = {0};
	struct pt_power_params p;
	char path[PATH_MAX], want[PATH_MAX + 16];

	(void)state;
	if (load_yaml(&cfg, yaml, path, &err) != PT_OK)
		fail_msg("rejected: %s", err.msg);
	pt_config_node_power(cfg, "other", &p, NULL, NULL);
	assert_string_equal(p.carbon_file, "/data/fr.csv");
	assert_int_equal(p.carbon_column, 0);
	/* Relative to the file's directory. */
	snprintf(want, sizeof(want), "%s", path);
	*strrchr(want, '/') = '\0';
	strcat(want, "/de.csv");
	pt_config_node_power(cfg, "de", &p, NULL, NULL);
	assert_string_equal(p.carbon_file, want);
	assert_true(p.has_carbon_column && p.carbon_column == 1);
	pt_config_node_power(cfg, "fixed", &p, NULL, NULL);
	assert_null(p.carbon_file);
	assert_true(p.has_carbon_intensity && p.carbon_intensity == 30.0);
	pt_config_node_power(cfg, "country", &p, NULL, NULL);
	assert_null(p.carbon_file);
	assert_string_equal(p.country, "NO");
	pt_config_node_power(cfg, "direct", &p, NULL, NULL);
	assert_string_equal(p.carbon_file, "/data/fr.csv");
	assert_int_equal(p.carbon_column, 1);
	pt_config_free(cfg);
}

static void test_config__locate(void **state)
{
	char cwd[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 32];
	FILE *f;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(dir, sizeof(dir), "%s/pt_locate_XXXXXX", tmp_dir());
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chdir(dir), 0);

	/* -c wins over everything. */
	setenv("POWERTEST_CONFIG", "/from/env.yaml", 1);
	assert_string_equal(pt_config_locate("/explicit.yaml"), "/explicit.yaml");
	/* Then the variable, even when ./powertest.yaml exists or the file does not. */
	assert_string_equal(pt_config_locate(NULL), "/from/env.yaml");
	/* An empty variable counts as unset. */
	setenv("POWERTEST_CONFIG", "", 1);
	assert_null(pt_config_locate(NULL));
	unsetenv("POWERTEST_CONFIG");
	assert_null(pt_config_locate(NULL));

	snprintf(file, sizeof(file), "%s/powertest.yaml", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(pt_config_locate(NULL), "./powertest.yaml");
	setenv("POWERTEST_CONFIG", "/from/env.yaml", 1);
	assert_string_equal(pt_config_locate(NULL), "/from/env.yaml");
	unsetenv("POWERTEST_CONFIG");

	assert_int_equal(unlink(file), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_config__read_secret(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *secret; /* NULL: error */
		const char *msg;
	} cases[] = {
		{"tok3n\n", 6, "tok3n", NULL},
		{"tok3n", 5, "tok3n", NULL},
		{"tok3n\r\n", 7, "tok3n", NULL},
		{"tok3n\n\n", 7, "tok3n", NULL},
		{"p@ss word", 9, "p@ss word", NULL},
		{"", 0, NULL, "is empty"},
		{"\n", 1, NULL, "is empty"},
		{"a\nb\n", 4, NULL, "must hold a single line"},
		{"a\rb", 3, NULL, "must hold a single line"},
		{"a\0b", 3, NULL, "must hold a single line"},
		{NULL, 0, NULL, NULL},
	};
	size_t i;
	struct pt_error err = {0};
	char *s = NULL;

	(void)state;
	for (i = 0; cases[i].text != NULL; i++) {
		char path[PATH_MAX];
		int rc;

		write_temp(path, cases[i].text, cases[i].len);
		rc = pt_read_secret(&s, path, &err);
		unlink(path);
		if (cases[i].secret != NULL) {
			if (rc != PT_OK)
				fail_msg("case %zu rejected: %s", i, err.msg);
			assert_string_equal(s, cases[i].secret);
			free(s);
		} else {
			assert_int_equal(rc, PT_EUSAGE);
			assert_null(s);
			assert_non_null(strstr(err.msg, path));
			assert_non_null(strstr(err.msg, cases[i].msg));
		}
	}
	assert_int_equal(pt_read_secret(&s, "/nonexistent/token", &err), PT_EUSAGE);
	assert_string_equal(err.msg,
		"cannot read secret file /nonexistent/token: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__defaults),
		cmocka_unit_test(test_config__empty_documents),
		cmocka_unit_test(test_config__full),
		cmocka_unit_test(test_config__relative_paths),
		cmocka_unit_test(test_config__relative_paths_cwd),
		cmocka_unit_test(test_config__errors),
		cmocka_unit_test(test_config__unreadable),
		cmocka_unit_test(test_config__pathological_fast),
		cmocka_unit_test(test_config__example_loads),
		cmocka_unit_test(test_config__node_power),
		cmocka_unit_test(test_config__carbon_file),
		cmocka_unit_test(test_config__locate),
		cmocka_unit_test(test_config__read_secret),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
