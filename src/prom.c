/* prom.c - the Prometheus HTTP API client: base URL, form-encoded query requests, targets and buildinfo calls. */
#include "prom.h"
#include "prom_decode.h"
#include "timefmt.h"

#include <curl/curl.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pt_prom {
	char *base;   /* scheme://host[:port][/prefix], no trailing slash */
	char *targets_base; /* where /api/v1/targets is, or NULL: base */
	struct pt_buf params; /* "name=value&..." for query paths, URL-encoded; may be empty */
	struct pt_http *http;
};

static int check_url_as(const char *u, const char *what, struct pt_error *err);

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
	return check_url_as(u, "Prometheus URL", err);
}

static int check_url_as(const char *u, const char *what, struct pt_error *err)
{
	CURLU *h;
	CURLUcode uc;
	char *host = NULL, shown[256];
	int rc = PT_OK;

	pt_url_redact(shown, sizeof(shown), u); /* messages never show a password */

	if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
		return pt_error_set(err, PT_EUSAGE, "%s '%.100s' must start with http:// or "
				"https://", what, shown);
	if (strpbrk(u, " \t\r\n") != NULL || strpbrk(u, "?#") != NULL)
		return pt_error_set(err, PT_EUSAGE, "%s '%.100s' must have no spaces, query "
				"or fragment", what, shown);
	if ((h = curl_url()) == NULL)
		return pt_error_oom(err);
	if ((uc = curl_url_set(h, CURLUPART_URL, u, 0)) != CURLUE_OK)
		rc = pt_error_set(err, PT_EUSAGE, "%s '%.100s': %s", what, shown, curl_url_strerror(uc));
	else if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK || host == NULL || !*host)
		rc = pt_error_set(err, PT_EUSAGE, "%s '%.100s' has no host", what, shown);
	else if (url_port_zero(h))
		rc = pt_error_set(err, PT_EUSAGE, "%s '%.100s': port 0 is no port", what, shown);
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
	free(p->targets_base);
	pt_buf_free(&p->params);
	free(p);
}

int pt_prom_add_param(struct pt_prom *p, const char *name, const char *value,
		struct pt_error *err)
{
	int rc;

	if (p->params.len && (rc = pt_buf_printf(&p->params, err, "&")) != PT_OK)
		return rc;
	if ((rc = pt_http_urlencode(&p->params, name, err)) != PT_OK ||
			(rc = pt_buf_printf(&p->params, err, "=")) != PT_OK)
		return rc;
	return pt_http_urlencode(&p->params, value, err);
}

int pt_prom_set_targets_url(struct pt_prom *p, const char *url, struct pt_error *err)
{
	char *copy;
	size_t n;
	int rc;

	if ((rc = check_url_as(url, "targets URL", err)) != PT_OK)
		return rc;
	if ((copy = strdup(url)) == NULL)
		return pt_error_oom(err);
	n = strlen(copy);
	while (n > 0 && copy[n - 1] == '/')
		copy[--n] = '\0';
	free(p->targets_base);
	p->targets_base = copy;
	return PT_OK;
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
	/* The extra parameters go into the URL, not the form: every store
	 * merges the two (Go's ParseForm), and the forms stay the same. */
	bool query = strcmp(path, "/api/v1/query") == 0 || strcmp(path, "/api/v1/query_range") == 0;

	if (query && p->params.len)
		return pt_buf_printf(out, err, "%s%s?%s", p->base, path, p->params.data);
	return pt_buf_printf(out, err, "%s%s", p->base, path);
}

int pt_prom_warning_join(struct pt_buf *list, const char *text, bool *added,
		struct pt_error *err)
{
	struct pt_buf one = {0};
	const char *p;
	size_t i, n;
	int rc;

	if (added)
		*added = false;
	if (text[0] == '\0')
		return PT_OK;
	if ((rc = pt_buf_printf(&one, err, "%s", text)) != PT_OK)
		return rc;
	for (i = 0; i < one.len; i++)
		if ((unsigned char)one.data[i] < 0x20 || one.data[i] == 0x7f)
			one.data[i] = ' ';
	/* Already there as a whole item? */
	for (p = list->data; p != NULL && (p = strstr(p, one.data)) != NULL; p++) {
		n = one.len;
		if ((p == list->data || (p >= list->data + 2 && p[-2] == ';' && p[-1] == ' ')) &&
				(p[n] == '\0' || (p[n] == ';' && p[n + 1] == ' '))) {
			pt_buf_free(&one);
			return PT_OK;
		}
	}
	rc = list->len ? pt_buf_printf(list, err, "; %s", one.data) :
		pt_buf_printf(list, err, "%s", one.data);
	pt_buf_free(&one);
	if (rc == PT_OK && added)
		*added = true;
	return rc;
}

int pt_prom_warning_merge(struct pt_buf *list, const char *other, struct pt_error *err)
{
	struct pt_buf item = {0};
	const char *p = other, *semi;
	int rc = PT_OK;

	while (rc == PT_OK && *p) {
		size_t n = (semi = strstr(p, "; ")) ? (size_t)(semi - p) : strlen(p);

		pt_buf_reset(&item);
		if ((rc = pt_buf_printf(&item, err, "%.*s", (int)n, p)) == PT_OK)
			rc = pt_prom_warning_join(list, item.data, NULL, err);
		p += n + (semi ? 2 : 0);
	}
	pt_buf_free(&item);
	return rc;
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
	/* Dropped targets can be thousands on a big lab and say nothing about health. */
	static const char path[] = "/api/v1/targets?state=active";
	struct answer a;
	char shown[256];
	int rc;

	*out = NULL;
	memset(&a, 0, sizeof(a));
	if ((rc = pt_buf_printf(&a.url, err, "%s%s", p->targets_base ? p->targets_base : p->base,
			path)) != PT_OK ||
			(rc = pt_http_request(p->http, a.url.data, NULL, &a.body, &a.status, err)) != PT_OK)
		goto out;
	/* Stores that only answer queries (Mimir, Thanos Receive, a vmselect)
	 * have no such path: say what to do instead of "HTTP 404". */
	if (a.status == 404 || a.status == 405 || a.status == 501 ||
			(a.status == 400 && strstr(body_text(&a), "\"status\"") == NULL)) {
		pt_url_redact(shown, sizeof(shown), p->targets_base ? p->targets_base : p->base);
		rc = pt_error_set(err, PT_ENET, p->targets_base ?
				"prometheus.targets_url %s has no targets API (HTTP %ld): point it at the "
				"Prometheus or vmagent that scrapes the nodes" :
				"%s has no targets API (HTTP %ld), as Mimir and other query-only stores: "
				"set prometheus.targets_url to the Prometheus or vmagent that scrapes the nodes",
				shown, a.status);
		goto out;
	}
	rc = pt_targets_decode_at(out, body_text(&a), a.body.len, a.status, a.url.data, err);
out:
	answer_free(&a);
	return rc;
}

void pt_prom_latency_offset(int64_t *ms, struct pt_prom *p)
{
	static const char flag[] = "-search.latencyOffset=\"";
	struct pt_error err = {0, ""};
	struct answer a;
	const char *at, *end;
	char value[32];
	int64_t v;

	*ms = PT_PROM_VM_LATENCY_OFFSET_MS;
	if (call(&a, p, "/flags", NULL, &err) == PT_OK && a.status == 200 &&
			(at = strstr(body_text(&a), flag)) != NULL &&
			(end = strchr(at + sizeof(flag) - 1, '"')) != NULL) {
		at += sizeof(flag) - 1;
		snprintf(value, sizeof(value), "%.*s", (int)(end - at), at);
		if ((size_t)(end - at) < sizeof(value) && pt_duration_parse(&v, value, &err) == PT_OK &&
				v >= 0)
			*ms = v;
	}
	answer_free(&a);
}

int pt_prom_buildinfo(char **version, struct pt_prom *p, struct pt_error *err)
{
	struct pt_buf form = {0}, named = {0};
	struct pt_prom_result *r = NULL;
	struct answer a;
	const cJSON *data;
	cJSON *root = NULL;
	const char *v, *app;
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
		/* Grafana Mimir answers with its own version and says so
		 * ("application"): named, so it is not taken for Prometheus'. */
		app = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, "application"));
		if (app && *app && strcmp(app, "Prometheus") != 0) {
			if ((rc = pt_buf_printf(&named, err, "%s %s", app, v)) != PT_OK)
				goto out;
			v = named.data;
		}
	}
	if ((*version = strdup(v)) == NULL)
		rc = pt_error_oom(err);
out:
	pt_prom_result_free(r);
	cJSON_Delete(root);
	answer_free(&a);
	pt_buf_free(&form);
	pt_buf_free(&named);
	return rc;
}

int pt_prom_metric_names_url(struct pt_buf *url, const struct pt_prom *p, int64_t start_ms,
		int64_t end_ms, struct pt_error *err)
{
	int rc = pt_prom_url(url, p, "/api/v1/label/__name__/values", err);

	if (rc == PT_OK)
		rc = pt_buf_printf(url, err, "%sstart=%.3f&end=%.3f", strchr(url->data, '?') ? "&" : "?",
				(double)start_ms / 1000.0, (double)end_ms / 1000.0);
	return rc;
}

int pt_prom_metric_names_decode(char ***names, size_t *n, const char *body, size_t len,
		long status, const char *url, struct pt_error *err)
{
	const cJSON *data, *item;
	const char *st;
	cJSON *root = NULL;
	char **list = NULL;
	size_t count = 0;
	int rc = PT_OK;

	*names = NULL;
	*n = 0;
	/* The envelope of a list (pt_prom_envelope wants an object). */
	root = status >= 200 && status < 300 ? cJSON_ParseWithLength(body, len) : NULL;
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "status"));
	if (!cJSON_IsArray(data) || st == NULL || strcmp(st, "success") != 0) {
		rc = pt_prom_not_json(err, url, status, "no list of names");
		goto out;
	}
	if ((list = calloc((size_t)cJSON_GetArraySize(data) + 1, sizeof(*list))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	cJSON_ArrayForEach(item, data) {
		const char *v = cJSON_GetStringValue(item);
		if (v == NULL)
			continue;
		if ((list[count] = strdup(v)) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		count++;
	}
	*names = list;
	*n = count;
	list = NULL;
out:
	if (list) {
		for (size_t i = 0; i < count; i++)
			free(list[i]);
		free(list);
	}
	cJSON_Delete(root);
	return rc;
}
