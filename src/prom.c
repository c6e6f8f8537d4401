/* prom.c - the Prometheus HTTP API client: base URL, form-encoded query requests, targets and buildinfo calls. */
#include "prom.h"
#include "prom_decode.h"

#include <curl/curl.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pt_prom {
	char *base;   /* scheme://host[:port][/prefix], no trailing slash */
	struct pt_http *http;
};

/* A base URL the API paths can be appended to: http(s), a host, a port
 * libcurl accepts, no query or fragment (they would swallow the path). */
/* curl takes ":0" as a port; nothing listens there. */
static bool url_port_zero(CURLU *h)
{
	char *port = NULL;
	bool zero = curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK && port != NULL
		&& strspn(port, "0") == strlen(port);

	curl_free(port);
	return zero;
}

static int check_base_url(const char *u, struct pt_error *err)
{
	CURLU *h;
	CURLUcode uc;
	char *host = NULL, shown[256];
	int rc = PT_OK;

	pt_url_redact(shown, sizeof(shown), u); /* messages never show a password */

	if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
		return pt_error_set(err, PT_EUSAGE, "Prometheus URL '%.100s' must start with http:// or "
				"https://", shown);
	if (strpbrk(u, " \t\r\n") != NULL || strpbrk(u, "?#") != NULL)
		return pt_error_set(err, PT_EUSAGE, "Prometheus URL '%.100s' must have no spaces, query "
				"or fragment", shown);
	if ((h = curl_url()) == NULL)
		return pt_error_oom(err);
	if ((uc = curl_url_set(h, CURLUPART_URL, u, 0)) != CURLUE_OK)
		rc = pt_error_set(err, PT_EUSAGE, "Prometheus URL '%.100s': %s", shown, curl_url_strerror(uc));
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL || !*host)
		rc = pt_error_set(err, PT_EUSAGE, "Prometheus URL '%.100s' has no host", shown);
	else if (url_port_zero(h))
		rc = pt_error_set(err, PT_EUSAGE, "Prometheus URL '%.100s': port 0 is no port", shown);
	curl_free(host);
	curl_url_cleanup(h);
	return rc;
}

int pt_prom_new(struct pt_prom **out, const char *base_url, const struct pt_http_opts *opts,
		struct pt_error *err)
{
	struct pt_prom *p = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (base_url == NULL)
		return pt_error_set(err, PT_EUSAGE, "no Prometheus URL");
	if ((rc = check_base_url(base_url, err)) != PT_OK)
		return rc;
	if ((p = calloc(1, sizeof(*p))) == NULL || (p->base = strdup(base_url)) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	/* "http://h:9090/" and "http://h/prometheus/" become prefixes for "/api/v1/...". */
	n = strlen(p->base);
	while (n > 0 && p->base[n - 1] == '/')
		p->base[--n] = '\0';
	if ((rc = pt_http_new(&p->http, opts, err)) != PT_OK)
		goto out;
	*out = p;
	p = NULL;
	rc = PT_OK;
out:
	pt_prom_free(p);
	return rc;
}

void pt_prom_free(struct pt_prom *p)
{
	if (p == NULL)
		return;
	pt_http_free(p->http);
	free(p->base);
	free(p);
}

struct pt_http *pt_prom_http(struct pt_prom *p)
{
	return p->http;
}

const char *pt_prom_base_url(const struct pt_prom *p)
{
	return p->base;
}

int pt_prom_url(struct pt_buf *out, const struct pt_prom *p, const char *path,
		struct pt_error *err)
{
	return pt_buf_printf(out, err, "%s%s", p->base, path);
}

/* Milliseconds as the API's float seconds: "1763719200.250". */
static void secs(char *buf, size_t size, int64_t ms)
{
	unsigned long long a = ms < 0 ? 0ULL - (unsigned long long)ms : (unsigned long long)ms;

	snprintf(buf, size, "%s%llu.%03llu", ms < 0 ? "-" : "", a / 1000, a % 1000);
}

static int form_query(struct pt_buf *out, const char *promql, struct pt_error *err)
{
	int rc;

	if ((rc = pt_buf_printf(out, err, "query=")) != PT_OK)
		return rc;
	return pt_http_urlencode(out, promql, err);
}

int pt_prom_query_form(struct pt_buf *out, const char *promql, int64_t time_ms,
		struct pt_error *err)
{
	char t[32];
	int rc;

	secs(t, sizeof(t), time_ms);
	if ((rc = form_query(out, promql, err)) != PT_OK)
		return rc;
	return pt_buf_printf(out, err, "&time=%s", t);
}

int pt_prom_range_form(struct pt_buf *out, const char *promql, int64_t start_ms,
		int64_t end_ms, int64_t step_ms, struct pt_error *err)
{
	char s[32], e[32], st[32];
	int rc;

	secs(s, sizeof(s), start_ms);
	secs(e, sizeof(e), end_ms);
	secs(st, sizeof(st), step_ms);
	if ((rc = form_query(out, promql, err)) != PT_OK)
		return rc;
	return pt_buf_printf(out, err, "&start=%s&end=%s&step=%s", s, e, st);
}

/* One answer of the API: the full URL (for messages), its status and body. */
struct answer {
	struct pt_buf url, body;
	long status;
};

/* One request to an API path (form: POST, NULL: GET). The caller frees a
 * with answer_free, also on failure. */
static int call(struct answer *a, struct pt_prom *p, const char *path, const char *form,
		struct pt_error *err)
{
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = pt_prom_url(&a->url, p, path, err)) != PT_OK)
		return rc;
	return pt_http_request(p->http, a->url.data, form, &a->body, &a->status, err);
}

/* The body as text: an empty one has no buffer. */
static const char *body_text(const struct answer *a)
{
	return a->body.data ? a->body.data : "";
}

static void answer_free(struct answer *a)
{
	pt_buf_free(&a->url);
	pt_buf_free(&a->body);
}

static int query_with_form(struct pt_prom_result **out, struct pt_prom *p, const char *path,
		struct pt_buf *form, struct pt_error *err)
{
	struct answer a;
	int rc;

	if ((rc = call(&a, p, path, form->data, err)) == PT_OK)
		rc = pt_prom_decode_at(out, body_text(&a), a.body.len, a.status, a.url.data, err);
	answer_free(&a);
	return rc;
}

int pt_prom_query(struct pt_prom_result **out, struct pt_prom *p, const char *promql,
		int64_t time_ms, struct pt_error *err)
{
	struct pt_buf form = {0};
	int rc;

	*out = NULL;
	if ((rc = pt_prom_query_form(&form, promql, time_ms, err)) == PT_OK)
		rc = query_with_form(out, p, "/api/v1/query", &form, err);
	pt_buf_free(&form);
	return rc;
}

int pt_prom_targets(struct pt_targets **out, struct pt_prom *p, struct pt_error *err)
{
	struct answer a;
	int rc;

	*out = NULL;
	/* Dropped targets can be thousands on a big lab and say nothing about health. */
	if ((rc = call(&a, p, "/api/v1/targets?state=active", NULL, err)) == PT_OK)
		rc = pt_targets_decode_at(out, body_text(&a), a.body.len, a.status, a.url.data, err);
	answer_free(&a);
	return rc;
}

int pt_prom_buildinfo(char **version, struct pt_prom *p, struct pt_error *err)
{
	struct pt_buf form = {0};
	struct pt_prom_result *r = NULL;
	struct answer a;
	const cJSON *data;
	cJSON *root = NULL;
	const char *v;
	int rc;

	*version = NULL;
	if ((rc = call(&a, p, "/api/v1/status/buildinfo", NULL, err)) != PT_OK)
		goto out;
	/* Stores that speak the query API but not this endpoint (some
	 * VictoriaMetrics and proxy set-ups) answer 400/404/405/501: the version
	 * is then unknown, provided a trivial query works. */
	if (a.status == 400 || a.status == 404 || a.status == 405 || a.status == 501) {
		if ((rc = form_query(&form, "1", err)) != PT_OK
				|| (rc = query_with_form(&r, p, "/api/v1/query", &form, err)) != PT_OK)
			goto out;
		v = "unknown";
	} else {
		if ((rc = pt_prom_envelope(&root, &data, body_text(&a), a.body.len, a.status, a.url.data,
				err)) != PT_OK)
			goto out;
		v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "version"));
		if (v == NULL || *v == '\0')
			v = "unknown";
	}
	if ((*version = strdup(v)) == NULL)
		rc = pt_error_oom(err);
out:
	pt_prom_result_free(r);
	cJSON_Delete(root);
	answer_free(&a);
	pt_buf_free(&form);
	return rc;
}
