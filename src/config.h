/* config.h - YAML configuration (doc/reference.md §4) -> validated struct; errors name file:line and key. */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "strmap.h"

/* A device class's power model parameters; has_* say which keys were given
 * (per-node overrides only replace what they set). */
struct pt_device_power {
	double tdp_watts;
	double idle_watts;
	bool has_tdp;
	bool has_idle;
};

struct pt_power_params {
	struct pt_device_power cpu;
	struct pt_device_power gpu;
	double ram_watts_per_gib;
	bool has_ram;
	double pue;
	bool has_pue;
	double carbon_intensity; /* g/kWh */
	bool has_carbon_intensity;
	char *country;           /* ISO alpha-2 or alpha-3, or NULL */
	unsigned long country_line; /* where the file sets it, for messages */
	char *carbon_file;       /* hourly intensity CSV (intensity.h), resolved path, or NULL */
	int carbon_column;       /* enum pt_ci_column: 0 LCA, 1 direct */
	bool has_carbon_column;
};

/* An extra parameter sent with every query and query_range request. */
struct pt_query_param {
	char *name;
	char *value;
};

struct pt_node_override {
	char *node;
	struct pt_power_params power; /* only has_* fields apply */
};

struct pt_config {
	char *path;                 /* file it was loaded from, or NULL for built-in defaults */

	/* prometheus: */
	char *url;                  /* default http://127.0.0.1:9090 */
	int64_t timeout_ms;         /* default 30 s */
	int retries;                /* default 2 */
	int compression;            /* gzip answers: 0 auto (not on loopback), 1 always, -1 never */
	char **headers;             /* "Name: value" */
	size_t nheaders;
	char *bearer_token_file;
	char *basic_user;
	char *basic_password_file;
	char *ca_file;
	bool insecure_skip_verify;
	struct pt_query_param *params; /* prometheus.params: dedup, partial_response... */
	size_t nparams;
	char *targets_url;          /* where /api/v1/targets lives, or NULL: url */

	/* nodes: */
	char *node_label;           /* default "instance" */
	bool strip_port;            /* default true */

	/* queries: */
	char *queries_path;         /* resolved: relative to the config file's directory;
	                               NULL = the installed queries/default.yaml */

	/* power: */
	bool prefer_measured;       /* default true */
	struct pt_power_params power; /* defaults: cpu 120/0, gpu 250/0, ram 0.375, pue 1, 475 g/kWh */
	struct pt_node_override *overrides;
	size_t noverrides;
	struct pt_strmap override_index; /* node -> index into overrides (same order) */

	/* outputs: */
	char *output_password_file; /* a database's password (-o mysql://...), or NULL */
};

/* Loads path (NULL = built-in defaults only). Unknown keys, wrong types and
 * impossible values (negative watts, PUE < 1, idle > tdp) are PT_EUSAGE with
 * "FILE:LINE: key 'power.cpu.tdp_watts': ..." messages. Caller frees with
 * pt_config_free. */
int pt_config_load(struct pt_config **out, const char *path, struct pt_error *err) PT_WUR;
void pt_config_free(struct pt_config *cfg);

/* Which file the CLI should load: explicit (-c) if given, else
 * $POWERTEST_CONFIG, else ./powertest.yaml when it exists, else NULL
 * (defaults). The returned pointer is `explicit_path`, getenv's, or a static
 * string; do not free. */
const char *pt_config_locate(const char *explicit_path);

/* Effective power parameters for `node`: defaults overlaid with that node's
 * override. *from_config_cpu / *from_config_gpu say whether the node's TDP
 * came from an override (the model then prefers it to the exporter and tables). */
void pt_config_node_power(const struct pt_config *cfg, const char *node,
		struct pt_power_params *out, bool *cpu_tdp_from_override, bool *gpu_tdp_from_override);

/* Reads a secret file (token, password), strips trailing newline. Caller
 * frees. A file its group or others can read gets a pt_warn. */
int pt_read_secret(char **out, const char *path, struct pt_error *err) PT_WUR;

#endif
