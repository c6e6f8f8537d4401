/* prom.h - the Prometheus HTTP API: the client (prom.c), query and query_range answers -> typed results (prom_json.c, prom_fast.c), targets (targets.c). */
#ifndef PT_PROM_H
#define PT_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"
#include "http.h"

enum pt_prom_type { PT_PROM_VECTOR, PT_PROM_MATRIX, PT_PROM_SCALAR, PT_PROM_STRING };

struct pt_label {
	char *name;
	char *value;
};

struct pt_sample {
	int64_t t_ms;  /* sample time in milliseconds */
	double v;      /* NaN, +Inf, -Inf are kept as such */
};

struct pt_series {
	struct pt_label *labels; /* sorted as the server sent them */
	size_t nlabels;
	struct pt_sample *samples; /* one for a vector/scalar, many for a matrix */
	size_t nsamples;
};

struct pt_prom_result {
	enum pt_prom_type type;
	struct pt_series *series;
	size_t nseries;
	char **warnings;
	size_t nwarnings;
};

/* Adds a store's warning to a "; "-joined list of distinct ones (line
 * breaks and other control characters become spaces). *added (may be NULL)
 * says whether it was new. PT_OK or PT_ENOMEM. */
int pt_prom_warning_join(struct pt_buf *list, const char *text, bool *added,
		struct pt_error *err) PT_WUR;

/* Adds each item of another such list to list (pt_prom_warning_join). */
int pt_prom_warning_merge(struct pt_buf *list, const char *other, struct pt_error *err) PT_WUR;

/* Value of label `name` in s, or NULL. */
const char *pt_series_label(const struct pt_series *s, const char *name);

/* Decodes a /api/v1/query or /api/v1/query_range answer. http_status is the
 * HTTP status it came with. Errors are all PT_ENET, one line:
 *   error envelope (any status): "Prometheus error (<errorType>): <error> (HTTP 422)"
 *   4xx/5xx without the API's JSON: "HTTP 404 from Prometheus (hint): \"<excerpt>\""
 *   2xx that is not the API's JSON: "answer is not Prometheus JSON (HTTP 200, <what>)"
 * The fetch functions below say the URL instead ("answer from <url> is...",
 * "HTTP 404 from <url>", "(HTTP 400 from <url>)"). Series with only native
 * histograms are skipped with a warning; a string result is one series with a
 * "__value__" label and a NaN sample. Caller frees *out with pt_prom_result_free. */
int pt_prom_decode(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err) PT_WUR;
void pt_prom_result_free(struct pt_prom_result *r);

/* The two decoders behind pt_prom_decode, on their own for tests.
 * pt_prom_decode_fast reads a successful vector or matrix answer in one pass
 * without building a JSON tree (range answers are megabytes); for anything
 * else (another result type, an error envelope, histograms, repeated keys,
 * JSON it does not read exactly as cJSON does) it declines: PT_OK with *out
 * NULL. PT_ENOMEM when out of memory. pt_prom_decode_json reads every answer
 * with cJSON. Where both read an answer, their results are the same. */
int pt_prom_decode_fast(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err) PT_WUR;
int pt_prom_decode_json(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err) PT_WUR;

struct pt_target {
	char *job;
	char *instance;
	char *health;          /* "up", "down", "unknown" */
	char *last_error;      /* "" when none */
	char *scrape_url;
	int64_t last_scrape_ms; /* 0 when never scraped */
	int64_t scrape_interval_ms; /* 0 when unknown */
	struct pt_label *labels; /* the target's labels */
	size_t nlabels;
};

struct pt_targets {
	struct pt_target *items;
	size_t n;
};

/* Decodes /api/v1/targets. Caller frees with pt_targets_free. */
int pt_targets_decode(struct pt_targets **out, const char *body, size_t len,
		long http_status, struct pt_error *err) PT_WUR;
void pt_targets_free(struct pt_targets *t);

struct pt_prom;

/* A client for the API at base_url (a path prefix is kept: "https://h/prometheus").
 * Owns an HTTP client built from opts. Caller frees with pt_prom_free. */
int pt_prom_new(struct pt_prom **out, const char *base_url, const struct pt_http_opts *opts,
		struct pt_error *err) PT_WUR;
void pt_prom_free(struct pt_prom *p);
struct pt_http *pt_prom_http(struct pt_prom *p);
const char *pt_prom_base_url(const struct pt_prom *p);

/* Instant query evaluated at time_ms, sent as a form-encoded POST. */
int pt_prom_query(struct pt_prom_result **out, struct pt_prom *p, const char *promql,
		int64_t time_ms, struct pt_error *err) PT_WUR;
/* Builds the form body of a query / query_range (for pt_http_multi). Appends to out. */
int pt_prom_query_form(struct pt_buf *out, const char *promql, int64_t time_ms,
		struct pt_error *err) PT_WUR;
int pt_prom_range_form(struct pt_buf *out, const char *promql, int64_t start_ms,
		int64_t end_ms, int64_t step_ms, struct pt_error *err) PT_WUR;
/* Adds an extra parameter (prometheus.params: dedup, partial_response,
 * max_source_resolution...) to every query and query_range request: it
 * goes into their URL, URL-encoded. */
int pt_prom_add_param(struct pt_prom *p, const char *name, const char *value,
		struct pt_error *err) PT_WUR;
/* Asks for targets at url + "/api/v1/targets" instead of the base URL
 * (prometheus.targets_url: the Prometheus or vmagent that scrapes, when the
 * store has no targets API). Same HTTP client: same headers and auth.
 * PT_EUSAGE for a URL that is not http(s). */
int pt_prom_set_targets_url(struct pt_prom *p, const char *url, struct pt_error *err) PT_WUR;

/* Full URL of an API path ("/api/v1/query") for this client, with the extra
 * parameters for the query paths. Appends to out. */
int pt_prom_url(struct pt_buf *out, const struct pt_prom *p, const char *path,
		struct pt_error *err) PT_WUR;

/* The active targets, from the targets URL when one is set. A store without
 * the targets API (HTTP 404, 405, 501, or 400 without the API's JSON) is
 * PT_ENET with a message that says to set prometheus.targets_url. */
int pt_prom_targets(struct pt_targets **out, struct pt_prom *p, struct pt_error *err) PT_WUR;

/* VictoriaMetrics' -search.latencyOffset: its answers leave out points
 * newer than now minus this. Read from the store's /flags page (which lists
 * the flags set on its command line); *ms is PT_PROM_VM_LATENCY_OFFSET_MS
 * (its default) when the page does not say, cannot be had (a proxy in front)
 * or is not VictoriaMetrics' - ask only a store known to be one. No error. */
#define PT_PROM_VM_LATENCY_OFFSET_MS 30000
void pt_prom_latency_offset(int64_t *ms, struct pt_prom *p);

/* GET /api/v1/status/buildinfo; *version gets a malloc'd version string
 * ("2.42.0"; with the application in front when the store names another,
 * "Grafana Mimir 2.17.1"), or "unknown" when the store does not implement
 * the endpoint but answers queries. Caller frees. */
int pt_prom_buildinfo(char **version, struct pt_prom *p, struct pt_error *err) PT_WUR;

/* The metric names with data in [start, end]: the URL of GET
 * /api/v1/label/__name__/values for them (appended to url), and its answer
 * decoded (*names NULL-terminated too; errors PT_ENET naming url, a store
 * without the endpoint answers 404). Caller frees each name and the list. */
int pt_prom_metric_names_url(struct pt_buf *url, const struct pt_prom *p, int64_t start_ms,
		int64_t end_ms, struct pt_error *err) PT_WUR;
int pt_prom_metric_names_decode(char ***names, size_t *n, const char *body, size_t len,
		long status, const char *url, struct pt_error *err) PT_WUR;

#endif
