/* config.c - loads and validates the YAML configuration (doc/reference.md §4) with libyaml's document API. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "buf.h"
#include "config_int.h"
#include "strmap.h"
#include "text.h"
#include "timefmt.h"
#include "yamlguard.h"

/* A config is a few hundred bytes; the cap turns a wrong -c (a log file,
 * /dev/zero) into an error instead of a long read. */
#define CONFIG_MAX_BYTES (1024 * 1024)
#define SECRET_MAX_BYTES (64 * 1024)
#define RETRIES_MAX 100
/* A request that needs more than an hour is not coming back. */
#define TIMEOUT_MAX_MS (3600 * 1000)
/* ---- reading files ---- */

int pt_read_secret(char **out, const char *path, struct pt_error *err)
{
	char *data = NULL;
	struct stat st;
	size_t len;
	int e;

	*out = NULL;
	e = pt_read_file(&data, &len, path, SECRET_MAX_BYTES);
	if (e == ENOMEM)
		return pt_error_oom(err);
	if (e != 0) {
		pt_error_set(err, PT_EUSAGE, "cannot read secret file %s: %s", path, strerror(e));
		return PT_EUSAGE;
	}
	/* Editors add a final newline; anything else would end up inside an
	 * HTTP header, so it is refused rather than sent. */
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0) {
		free(data);
		pt_error_set(err, PT_EUSAGE, "secret file %s is empty", path);
		return PT_EUSAGE;
	}
	if (strlen(data) != len || strpbrk(data, "\r\n") != NULL) {
		free(data);
		pt_error_set(err, PT_EUSAGE, "secret file %s must hold a single line", path);
		return PT_EUSAGE;
	}
	/* As ssh does for keys: a token others can read is a token others have.
	 * A warning, not an error: the file works, and its owner may share it
	 * on purpose (a group of service accounts). */
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)
			&& (st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		pt_warn("secret file %s is readable by %s (mode %04o): chmod 600 it", path,
				(st.st_mode & S_IROTH) ? "others" : "its group",
				(unsigned)(st.st_mode & 07777));
	*out = data;
	return PT_OK;
}

/* ---- defaults, free ---- */

static void default_power(struct pt_power_params *p)
{
	memset(p, 0, sizeof(*p));
	p->cpu.tdp_watts = 120.0;
	p->cpu.idle_watts = 0.0;
	p->cpu.has_tdp = p->cpu.has_idle = true;
	p->gpu.tdp_watts = 250.0;
	p->gpu.idle_watts = 0.0;
	p->gpu.has_tdp = p->gpu.has_idle = true;
	p->ram_watts_per_gib = 0.375;
	p->has_ram = true;
	p->pue = 1.0;
	p->has_pue = true;
	/* The value is only a hint for readers that ignore the flag: left
	 * unset, pt_model_carbon resolves the default (and country) itself. */
	p->carbon_intensity = 475.0;
	p->has_carbon_intensity = false;
	p->country = NULL;
}

static int set_defaults(struct pt_config *cfg, struct pt_error *err)
{
	cfg->url = strdup("http://127.0.0.1:9090");
	cfg->node_label = strdup("instance");
	if (cfg->url == NULL || cfg->node_label == NULL)
		return pt_error_oom(err);
	cfg->timeout_ms = 30000;
	cfg->retries = 2;
	cfg->strip_port = true;
	cfg->prefer_measured = true;
	default_power(&cfg->power);
	return PT_OK;
}

void pt_config_free(struct pt_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->url);
	for (i = 0; i < cfg->nheaders; i++)
		free(cfg->headers[i]);
	free(cfg->headers);
	free(cfg->bearer_token_file);
	free(cfg->basic_user);
	free(cfg->basic_password_file);
	free(cfg->ca_file);
	for (i = 0; i < cfg->nparams; i++) {
		free(cfg->params[i].name);
		free(cfg->params[i].value);
	}
	free(cfg->params);
	free(cfg->targets_url);
	free(cfg->node_label);
	free(cfg->queries_path);
	free(cfg->output_password_file);
	free(cfg->power.country);
	free(cfg->power.carbon_file);
	pt_strmap_free(&cfg->override_index);
	for (i = 0; i < cfg->noverrides; i++) {
		free(cfg->overrides[i].node);
		free(cfg->overrides[i].power.country);
		free(cfg->overrides[i].power.carbon_file);
	}
	free(cfg->overrides);
	free(cfg);
}

/* ---- prometheus: ---- */

struct prom_ctx {
	const yaml_node_t *bearer;
	const yaml_node_t *basic;
	bool basic_user, basic_password;
};

/* "WHAT, got 'URL'" with the URL's credentials hidden (want_error
 * would show them, and cut at a length that may leave a piece). */
static int url_error(struct loader *ld, const yaml_node_t *n, const char *path, const char *what,
		const char *v)
{
	char shown[256];

	pt_url_redact(shown, sizeof(shown), v);
	return pt_cfg_key_error(ld, n, path, "%s, got '%.48s%s'", what, shown, strlen(shown) > 48 ? "..." : "");
}

/* The port of the authority that starts at host ("user@h:9090/p",
 * "[::1]:9090"): none, or 1 to 65535 in digits. -1 when it is something else. */
static int check_port(const char *host)
{
	size_t len = strcspn(host, "/");
	const char *at, *p, *end = host + len;
	long port = 0;

	for (at = host; (p = memchr(at, '@', (size_t)(end - at))) != NULL; at = p + 1)
		;
	if (*at == '[') {
		if ((p = memchr(at, ']', (size_t)(end - at))) == NULL)
			return -1;
		p++;
		if (p == end)
			return 0;
		if (*p != ':')
			return -1;
	} else if ((p = memchr(at, ':', (size_t)(end - at))) == NULL) {
		return 0;
	}
	for (p++; p < end; p++) {
		if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
			return -1;
	}
	return p[-1] == ':' || port >= 1 ? 0 : -1; /* "h:" is the scheme's port */
}

static int check_url(struct loader *ld, const yaml_node_t *n, const char *path, const char *v,
		char **dst)
{
	static const char want[] = "must be an http:// or https:// URL";
	const char *host;
	size_t len;

	if (strncasecmp(v, "http://", 7) == 0)
		host = v + 7;
	else if (strncasecmp(v, "https://", 8) == 0)
		host = v + 8;
	else
		return url_error(ld, n, path, want, v);
	if (host[0] == '\0' || host[0] == '/' || strpbrk(v, " \t\r\n") != NULL)
		return url_error(ld, n, path, want, v);
	/* API paths are appended to the URL; a query or fragment would swallow them. */
	if (strpbrk(v, "?#") != NULL)
		return url_error(ld, n, path, "must not have a query or fragment", v);
	if (check_port(host) != 0)
		return url_error(ld, n, path, "the port must be a number from 1 to 65535", v);
	if (pt_cfg_replace_str(ld, dst, v) != PT_OK)
		return ld->err->code;
	/* Keep a path prefix (Mimir's /prometheus) but drop trailing slashes,
	 * so url + "/api/v1/query" never has "//". */
	len = strlen(*dst);
	while (len > 0 && (*dst)[len - 1] == '/')
		(*dst)[--len] = '\0';
	return PT_OK;
}

/* One of prometheus.params: a parameter name and a scalar value, sent as
 * given with every query. The names powertest sets itself are refused: a
 * second "time" or "step" would make the store answer another question. */
static int on_param(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char *const own[] = {"query", "time", "start", "end", "step", "nocache", NULL};
	struct pt_config *cfg = ld->cfg;
	struct pt_query_param *grown;
	const char *v;
	size_t i;

	(void)ctx;
	if (key[0] == '\0')
		return pt_cfg_key_error(ld, value, path, "is not a parameter name");
	for (i = 0; own[i] != NULL; i++)
		if (strcmp(key, own[i]) == 0)
			return pt_cfg_key_error(ld, value, path, "is set by powertest itself");
	if (pt_cfg_get_text(ld, value, path, "a value like true or 5m", &v) != PT_OK)
		return ld->err->code;
	if ((grown = realloc(cfg->params, (cfg->nparams + 1) * sizeof(*grown))) == NULL)
		return pt_error_oom(ld->err);
	cfg->params = grown;
	grown[cfg->nparams].name = strdup(key);
	grown[cfg->nparams].value = strdup(v);
	cfg->nparams++;
	if (grown[cfg->nparams - 1].name == NULL || grown[cfg->nparams - 1].value == NULL)
		return pt_error_oom(ld->err);
	return PT_OK;
}

static bool is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
		|| (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int on_header(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	struct pt_config *cfg = ld->cfg;
	const char *v;
	const char *c;
	char **grown;
	size_t size;

	(void)ctx;
	for (c = key; *c != '\0'; c++)
		if (!is_token_char(*c))
			break;
	if (key[0] == '\0' || *c != '\0')
		return pt_cfg_key_error(ld, value, path, "is not a valid HTTP header name");
	if (pt_cfg_get_text(ld, value, path, "a header value", &v) != PT_OK)
		return ld->err->code;
	/* A line break would let the value start a header of its own. */
	if (strpbrk(v, "\r\n") != NULL)
		return pt_cfg_key_error(ld, value, path, "must be a single line");
	grown = realloc(cfg->headers, (cfg->nheaders + 1) * sizeof(*grown));
	if (grown == NULL)
		return pt_error_oom(ld->err);
	cfg->headers = grown;
	size = strlen(key) + strlen(v) + 3;
	cfg->headers[cfg->nheaders] = malloc(size);
	if (cfg->headers[cfg->nheaders] == NULL)
		return pt_error_oom(ld->err);
	snprintf(cfg->headers[cfg->nheaders], size, "%s: %s", key, v);
	cfg->nheaders++;
	return PT_OK;
}

static int on_basic_auth(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	struct prom_ctx *pc = ctx;
	const char *v;

	if (strcmp(key, "username") == 0) {
		if (pt_cfg_get_text(ld, value, path, "a user name", &v) != PT_OK)
			return ld->err->code;
		pc->basic_user = true;
		return pt_cfg_replace_str(ld, &ld->cfg->basic_user, v);
	}
	pc->basic_password = true;
	return pt_cfg_get_path(ld, value, path, &ld->cfg->basic_password_file);
}

static int on_tls(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	(void)ctx;
	if (strcmp(key, "ca_file") == 0)
		return pt_cfg_get_path(ld, value, path, &ld->cfg->ca_file);
	return pt_cfg_get_bool(ld, value, path, &ld->cfg->insecure_skip_verify);
}

static int on_prometheus(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char *const basic_keys[] = {"username", "password_file", NULL};
	static const char *const tls_keys[] = {"ca_file", "insecure_skip_verify", NULL};
	struct prom_ctx *pc = ctx;
	struct pt_error ignored;
	const char *v;

	if (strcmp(key, "url") == 0) {
		if (pt_cfg_get_text(ld, value, path, "an http:// or https:// URL", &v) != PT_OK)
			return ld->err->code;
		return check_url(ld, value, path, v, &ld->cfg->url);
	}
	if (strcmp(key, "targets_url") == 0) {
		if (pt_cfg_get_text(ld, value, path, "an http:// or https:// URL", &v) != PT_OK)
			return ld->err->code;
		return check_url(ld, value, path, v, &ld->cfg->targets_url);
	}
	if (strcmp(key, "params") == 0)
		return pt_cfg_walk_mapping(ld, value, path, NULL, on_param, NULL);
	if (strcmp(key, "timeout") == 0) {
		if (pt_cfg_get_text(ld, value, path, "a duration like 30s or 1m30s", &v) != PT_OK)
			return ld->err->code;
		if (pt_duration_parse(&ld->cfg->timeout_ms, v, &ignored) != PT_OK)
			return pt_cfg_want_error(ld, value, path, "a duration like 30s or 1m30s");
		if (ld->cfg->timeout_ms > TIMEOUT_MAX_MS)
			return pt_cfg_key_error(ld, value, path, "at most 1h, got '%.40s'", v);
		return PT_OK;
	}
	if (strcmp(key, "retries") == 0)
		return pt_cfg_get_int_range(ld, value, path, 0, RETRIES_MAX, &ld->cfg->retries);
	if (strcmp(key, "compression") == 0) {
		static const char want[] = "auto, always or never";

		if (pt_cfg_get_text(ld, value, path, want, &v) != PT_OK)
			return ld->err->code;
		if (strcmp(v, "auto") == 0)
			ld->cfg->compression = 0;
		else if (strcmp(v, "always") == 0)
			ld->cfg->compression = 1;
		else if (strcmp(v, "never") == 0)
			ld->cfg->compression = -1;
		else
			return pt_cfg_want_error(ld, value, path, want);
		return PT_OK;
	}
	if (strcmp(key, "headers") == 0)
		return pt_cfg_walk_mapping(ld, value, path, NULL, on_header, NULL);
	if (strcmp(key, "bearer_token_file") == 0) {
		pc->bearer = value;
		return pt_cfg_get_path(ld, value, path, &ld->cfg->bearer_token_file);
	}
	if (strcmp(key, "basic_auth") == 0) {
		pc->basic = value;
		if (pt_cfg_walk_mapping(ld, value, path, basic_keys, on_basic_auth, pc) != PT_OK)
			return ld->err->code;
		if (!pc->basic_user || !pc->basic_password)
			return pt_cfg_key_error(ld, value, path, "needs both username and password_file");
		return PT_OK;
	}
	return pt_cfg_walk_mapping(ld, value, path, tls_keys, on_tls, NULL);
}

/* ---- nodes: ---- */

/* The label goes into PromQL selectors and by() clauses, so it must be a
 * Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool is_label_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
				|| (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return i > 0;
}

static int on_nodes(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char want[] = "a Prometheus label name like instance";
	const char *v;

	(void)ctx;
	if (strcmp(key, "strip_port") == 0)
		return pt_cfg_get_bool(ld, value, path, &ld->cfg->strip_port);
	if (pt_cfg_get_text(ld, value, path, want, &v) != PT_OK)
		return ld->err->code;
	if (!is_label_name(v))
		return pt_cfg_want_error(ld, value, path, want);
	return pt_cfg_replace_str(ld, &ld->cfg->node_label, v);
}

/* ---- power: ---- */

struct device_ctx {
	struct pt_device_power *d;
	const yaml_node_t *idle;
};

static int on_device(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	struct device_ctx *dc = ctx;

	if (strcmp(key, "tdp_watts") == 0) {
		dc->d->has_tdp = true;
		return pt_cfg_get_number(ld, value, path, 0.0, &dc->d->tdp_watts);
	}
	dc->idle = value;
	dc->d->has_idle = true;
	return pt_cfg_get_number(ld, value, path, 0.0, &dc->d->idle_watts);
}

/* power.cpu / power.gpu. At the top level both values always exist (the
 * defaults), so idle is checked against the effective TDP; in a per-node
 * override only when both are given, since the node's TDP may come from the
 * exporter or a table. */
static int load_device(struct loader *ld, yaml_node_t *value, const char *path,
		struct pt_device_power *d)
{
	static const char *const keys[] = {"tdp_watts", "idle_watts", NULL};
	struct device_ctx dc = {d, NULL};
	char child[KEY_PATH_MAX];

	if (pt_cfg_walk_mapping(ld, value, path, keys, on_device, &dc) != PT_OK)
		return ld->err->code;
	/* dc.idle: a default idle (0) can never exceed a TDP. */
	if (d->has_tdp && d->has_idle && d->idle_watts > d->tdp_watts && dc.idle != NULL) {
		snprintf(child, sizeof(child), "%s.idle_watts", path);
		return pt_cfg_key_error(ld, dc.idle, child, "must not exceed tdp_watts (%g), got %g",
				d->tdp_watts, d->idle_watts);
	}
	return PT_OK;
}

static int on_ram(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	struct pt_power_params *p = ctx;

	(void)key;
	p->has_ram = true;
	return pt_cfg_get_number(ld, value, path, 0.0, &p->ram_watts_per_gib);
}

struct power_ctx {
	struct pt_power_params *p;
	const yaml_node_t *carbon, *country, *file;
};

static int on_power(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx);

/* power: or one of power.nodes: - the same keys, minus the top-level ones. */
static int load_power(struct loader *ld, yaml_node_t *value, const char *path,
		const char *const *keys, struct pt_power_params *p)
{
	struct power_ctx pc = {p, NULL, NULL, NULL};
	char child[KEY_PATH_MAX];

	if (pt_cfg_walk_mapping(ld, value, path, keys, on_power, &pc) != PT_OK)
		return ld->err->code;
	if (pc.carbon != NULL && pc.country != NULL) {
		snprintf(child, sizeof(child), "%s.country", path);
		return pt_cfg_key_error(ld, pc.country, child,
				"set carbon_intensity_g_per_kwh or country, not both");
	}
	if (pc.file != NULL && (pc.carbon != NULL || pc.country != NULL)) {
		snprintf(child, sizeof(child), "%s.carbon_intensity_file", path);
		return pt_cfg_key_error(ld, pc.file, child, "set carbon_intensity_file or %s, not both",
				pc.carbon ? "carbon_intensity_g_per_kwh" : "country");
	}
	return PT_OK;
}

/* Node overrides may set everything that describes hardware or a site
 * (cpu, gpu, ram, pue, carbon); prefer_measured stays global because it
 * is a choice about the query set, not about a node. */
static int on_override(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char *const keys[] = {"pue", "carbon_intensity_g_per_kwh", "country",
		"carbon_intensity_file", "carbon_intensity_column", "cpu", "gpu", "ram", NULL};
	struct pt_config *cfg = ld->cfg;
	struct pt_node_override *grown, *ov;

	(void)ctx;
	if (key[0] == '\0')
		return pt_cfg_key_error(ld, value, path, "node name must not be empty");
	if (pt_node_name_check(key, NULL) != PT_OK)
		return pt_cfg_key_error(ld, value, path, "a node name has no control characters");
	/* The array doubles when the count reaches a power of two (4, 8, 16...),
	 * so thousands of nodes are not thousands of copies. */
	if (cfg->noverrides < 4 || (cfg->noverrides & (cfg->noverrides - 1)) == 0) {
		size_t cap = cfg->noverrides < 4 ? 4 : cfg->noverrides * 2;

		grown = realloc(cfg->overrides, cap * sizeof(*grown));
		if (grown == NULL)
			return pt_error_oom(ld->err);
		cfg->overrides = grown;
	}
	ov = &cfg->overrides[cfg->noverrides];
	memset(ov, 0, sizeof(*ov));
	ov->node = strdup(key);
	/* Counted before the check so pt_config_free sees it either way. */
	cfg->noverrides++;
	if (ov->node == NULL || pt_strmap_put(&cfg->override_index, key, NULL) == PT_STRMAP_NONE)
		return pt_error_oom(ld->err);
	return load_power(ld, value, path, keys, &ov->power);
}

/* ISO 3166 alpha-2 or alpha-3, stored upper-case; whether the code exists
 * is the carbon table's call (pt_model_carbon). */
static int get_country(struct loader *ld, const yaml_node_t *n, const char *path, char **dst)
{
	static const char want[] = "an ISO 3166 country code like FR or FRA";
	const char *v;
	size_t i, len;

	if (pt_cfg_get_text(ld, n, path, want, &v) != PT_OK)
		return ld->err->code;
	len = strlen(v);
	if (len < 2 || len > 3)
		return pt_cfg_want_error(ld, n, path, want);
	for (i = 0; i < len; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z')))
			return pt_cfg_want_error(ld, n, path, want);
	if (pt_cfg_replace_str(ld, dst, v) != PT_OK)
		return ld->err->code;
	for (i = 0; i < len; i++)
		if ((*dst)[i] >= 'a' && (*dst)[i] <= 'z')
			(*dst)[i] = (char)((*dst)[i] - 'a' + 'A');
	return PT_OK;
}

static int on_power(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char *const ram_keys[] = {"watts_per_gib", NULL};
	struct power_ctx *pc = ctx;
	struct pt_power_params *p = pc->p;

	if (strcmp(key, "prefer_measured") == 0)
		return pt_cfg_get_bool(ld, value, path, &ld->cfg->prefer_measured);
	if (strcmp(key, "pue") == 0) {
		p->has_pue = true;
		return pt_cfg_get_number(ld, value, path, 1.0, &p->pue);
	}
	if (strcmp(key, "carbon_intensity_g_per_kwh") == 0) {
		pc->carbon = value;
		p->has_carbon_intensity = true;
		return pt_cfg_get_number(ld, value, path, 0.0, &p->carbon_intensity);
	}
	if (strcmp(key, "country") == 0) {
		pc->country = value;
		p->country_line = pt_cfg_line_of(value);
		return get_country(ld, value, path, &p->country);
	}
	if (strcmp(key, "carbon_intensity_file") == 0) {
		pc->file = value;
		return pt_cfg_get_path(ld, value, path, &p->carbon_file);
	}
	if (strcmp(key, "carbon_intensity_column") == 0) {
		const char *v;
		if (pt_cfg_get_text(ld, value, path, "lca or direct", &v) != PT_OK)
			return ld->err->code;
		if (strcasecmp(v, "lca") != 0 && strcasecmp(v, "direct") != 0)
			return pt_cfg_want_error(ld, value, path, "lca or direct");
		p->carbon_column = strcasecmp(v, "direct") == 0;
		p->has_carbon_column = true;
		return PT_OK;
	}
	if (strcmp(key, "cpu") == 0)
		return load_device(ld, value, path, &p->cpu);
	if (strcmp(key, "gpu") == 0)
		return load_device(ld, value, path, &p->gpu);
	if (strcmp(key, "ram") == 0)
		return pt_cfg_walk_mapping(ld, value, path, ram_keys, on_ram, p);
	/* "nodes", only reachable at the top level. */
	return pt_cfg_walk_mapping(ld, value, path, NULL, on_override, NULL);
}

/* ---- outputs ---- */

static int on_outputs(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	(void)ctx;
	(void)key; /* password_file, the only key */
	return pt_cfg_get_path(ld, value, path, &ld->cfg->output_password_file);
}

/* ---- top level ---- */

static int on_top(struct loader *ld, const char *key, yaml_node_t *value, const char *path,
		void *ctx)
{
	static const char *const prom_keys[] = {"url", "timeout", "retries", "compression",
		"headers", "bearer_token_file", "basic_auth", "tls", "params", "targets_url", NULL};
	static const char *const nodes_keys[] = {"label", "strip_port", NULL};
	static const char *const outputs_keys[] = {"password_file", NULL};
	static const char *const power_keys[] = {"prefer_measured", "pue",
		"carbon_intensity_g_per_kwh", "country", "carbon_intensity_file",
		"carbon_intensity_column", "cpu", "gpu", "ram", "nodes", NULL};

	(void)ctx;
	if (strcmp(key, "prometheus") == 0) {
		struct prom_ctx pc = {NULL, NULL, false, false};

		if (pt_cfg_walk_mapping(ld, value, path, prom_keys, on_prometheus, &pc) != PT_OK)
			return ld->err->code;
		if (pc.bearer != NULL && pc.basic != NULL)
			return pt_cfg_key_error(ld, pc.basic, "prometheus.basic_auth",
					"set bearer_token_file or basic_auth, not both");
		return PT_OK;
	}
	if (strcmp(key, "nodes") == 0)
		return pt_cfg_walk_mapping(ld, value, path, nodes_keys, on_nodes, NULL);
	if (strcmp(key, "queries") == 0)
		return pt_cfg_get_path(ld, value, path, &ld->cfg->queries_path);
	if (strcmp(key, "outputs") == 0)
		return pt_cfg_walk_mapping(ld, value, path, outputs_keys, on_outputs, NULL);
	return load_power(ld, value, path, power_keys, &ld->cfg->power);
}

static int yaml_error(struct loader *ld, const yaml_parser_t *parser, const char *text,
		size_t len)
{
	const char *problem = parser->problem ? parser->problem : "cannot parse";

	/* Reader errors (bad encoding) come with a byte offset, not a mark;
	 * counting newlines gives the same FILE:LINE form as the others. */
	if (parser->error == YAML_READER_ERROR) {
		unsigned long line = 1;
		size_t i;

		for (i = 0; i < parser->problem_offset && i < len; i++)
			line += text[i] == '\n';
		return pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: invalid YAML: %s", ld->file, line,
				problem);
	}
	if (parser->error == YAML_MEMORY_ERROR)
		return pt_error_oom(ld->err);
	if (parser->context != NULL)
		return pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: invalid YAML: %s (%s on line %lu)",
				ld->file, (unsigned long)parser->problem_mark.line + 1, problem,
				parser->context, (unsigned long)parser->context_mark.line + 1);
	return pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: invalid YAML: %s", ld->file,
			(unsigned long)parser->problem_mark.line + 1, problem);
}

static int dir_of(struct loader *ld, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL)
		return PT_OK;
	len = slash == path ? 1 : (size_t)(slash - path);
	ld->dir = strndup(path, len);
	return ld->dir == NULL ? pt_error_oom(ld->err) : PT_OK;
}

/* Parses text (the whole file) into cfg, which already holds the defaults. */
static int load_text(struct loader *ld, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	bool have_parser = false, have_doc = false, have_extra = false;
	yaml_node_t *root;
	int rc;

	if (!yaml_parser_initialize(&parser)) {
		rc = pt_error_oom(ld->err);
		goto out;
	}
	have_parser = true;
	rc = pt_yaml_guard(text, len, ld->file, ld->err);
	if (rc != PT_OK)
		goto out;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_error(ld, &parser, text, len);
		goto out;
	}
	have_doc = true;
	ld->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		/* No document at all (empty or comments only): the defaults. */
		rc = PT_OK;
		goto out;
	}
	/* A second document would be silently ignored; say so instead. */
	if (!yaml_parser_load(&parser, &extra)) {
		rc = yaml_error(ld, &parser, text, len);
		goto out;
	}
	have_extra = true;
	if (yaml_document_get_root_node(&extra) != NULL) {
		rc = pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: expected one YAML document, found another",
				ld->file, (unsigned long)extra.start_mark.line + 1);
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE && !pt_cfg_is_null(root)) {
		char buf[64];

		rc = pt_error_set(ld->err, PT_EUSAGE, "%s:%lu: the top level must be a mapping, got %s",
				ld->file, pt_cfg_line_of(root), pt_cfg_describe(root, buf, sizeof(buf)));
		goto out;
	}
	{
		static const char *const keys[] = {"prometheus", "nodes", "queries", "power", "outputs",
			NULL};

		rc = pt_cfg_walk_mapping(ld, root, "", keys, on_top, NULL);
	}
out:
	if (have_extra)
		yaml_document_delete(&extra);
	if (have_doc)
		yaml_document_delete(&doc);
	if (have_parser)
		yaml_parser_delete(&parser);
	ld->doc = NULL;
	return rc;
}

int pt_config_load(struct pt_config **out, const char *path, struct pt_error *err)
{
	struct pt_error local;
	struct loader ld = {path, NULL, NULL, NULL, err};
	struct pt_config *cfg = NULL;
	char *text = NULL;
	size_t len;
	int rc, e;

	/* The walkers return ld->err->code, so there is always a buffer. */
	if (err == NULL)
		err = ld.err = &local;
	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	rc = set_defaults(cfg, err);
	if (rc != PT_OK || path == NULL)
		goto out;
	e = pt_read_file(&text, &len, path, CONFIG_MAX_BYTES);
	if (e == ENOMEM) {
		rc = pt_error_oom(err);
		goto out;
	}
	if (e != 0) {
		rc = pt_error_set(err, PT_EUSAGE, "cannot read config %s: %s", path, strerror(e));
		goto out;
	}
	cfg->path = strdup(path);
	if (cfg->path == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	ld.cfg = cfg;
	rc = dir_of(&ld, path);
	if (rc != PT_OK)
		goto out;
	rc = load_text(&ld, text, len);
out:
	free(text);
	free(ld.dir);
	if (rc != PT_OK) {
		pt_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return PT_OK;
}

const char *pt_config_locate(const char *explicit_path)
{
	const char *env;

	if (explicit_path != NULL)
		return explicit_path;
	/* A set variable is a choice: a missing file is then an error for the
	 * loader to report, not a reason to fall back to ./powertest.yaml. */
	env = getenv("POWERTEST_CONFIG");
	if (env != NULL && env[0] != '\0')
		return env;
	if (access("powertest.yaml", F_OK) == 0)
		return "./powertest.yaml";
	return NULL;
}

void pt_config_node_power(const struct pt_config *cfg, const char *node,
		struct pt_power_params *out, bool *cpu_tdp_from_override, bool *gpu_tdp_from_override)
{
	const struct pt_power_params *ov = NULL;
	size_t i;

	if (cpu_tdp_from_override != NULL)
		*cpu_tdp_from_override = false;
	if (gpu_tdp_from_override != NULL)
		*gpu_tdp_from_override = false;
	if (cfg == NULL) {
		default_power(out);
		return;
	}
	/* A shallow copy: out->country points into cfg. */
	*out = cfg->power;
	/* The index when it lists every override (a loaded config), else a scan. */
	if (node != NULL && cfg->noverrides > 0 && cfg->override_index.n == cfg->noverrides) {
		i = pt_strmap_get(&cfg->override_index, node);
		ov = i == PT_STRMAP_NONE ? NULL : &cfg->overrides[i].power;
	}
	for (i = 0; node != NULL && ov == NULL && cfg->override_index.n != cfg->noverrides
			&& i < cfg->noverrides; i++) {
		if (strcmp(cfg->overrides[i].node, node) == 0) {
			ov = &cfg->overrides[i].power;
			break;
		}
	}
	if (ov == NULL)
		return;
	if (ov->cpu.has_tdp) {
		out->cpu.tdp_watts = ov->cpu.tdp_watts;
		out->cpu.has_tdp = true;
		if (cpu_tdp_from_override != NULL)
			*cpu_tdp_from_override = true;
	}
	if (ov->cpu.has_idle) {
		out->cpu.idle_watts = ov->cpu.idle_watts;
		out->cpu.has_idle = true;
	}
	if (ov->gpu.has_tdp) {
		out->gpu.tdp_watts = ov->gpu.tdp_watts;
		out->gpu.has_tdp = true;
		if (gpu_tdp_from_override != NULL)
			*gpu_tdp_from_override = true;
	}
	if (ov->gpu.has_idle) {
		out->gpu.idle_watts = ov->gpu.idle_watts;
		out->gpu.has_idle = true;
	}
	if (ov->has_ram) {
		out->ram_watts_per_gib = ov->ram_watts_per_gib;
		out->has_ram = true;
	}
	if (ov->has_pue) {
		out->pue = ov->pue;
		out->has_pue = true;
	}
	/* Intensity and country are one choice: a node at another site that
	 * names either one replaces whatever the top level chose. */
	if (ov->has_carbon_intensity) {
		out->carbon_intensity = ov->carbon_intensity;
		out->has_carbon_intensity = true;
		out->country = NULL;
		out->carbon_file = NULL;
	} else if (ov->country != NULL) {
		out->country = ov->country;
		out->has_carbon_intensity = false;
		out->carbon_file = NULL;
	} else if (ov->carbon_file != NULL) {
		out->carbon_file = ov->carbon_file;
		out->has_carbon_intensity = false;
		out->country = NULL;
	}
	if (ov->has_carbon_column) {
		out->carbon_column = ov->carbon_column;
		out->has_carbon_column = true;
	}
}
