/* prom.c - the Prometheus HTTP API: form-encoded queries, targets, buildinfo; cJSON -> typed results. */
#include "prom.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timefmt.h"

struct pt_prom {
	char *base;   /* scheme://host[:port][/prefix], no trailing slash */
	struct pt_http *http;
};

const char *pt_series_label(const struct pt_series *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return s->labels[i].value;
	return NULL;
}

/* ---- messages ---------------------------------------------------------- */

/* A short, printable, one-line excerpt of a body for messages: control
 * characters and runs of blanks become one space, "..." marks a cut. */
static void excerpt(char *out, size_t size, const char *body, size_t len)
{
	size_t i, o = 0, max = size - 4;
	int space = 0;

	for (i = 0; i < len && o < max; i++) {
		unsigned char ch = (unsigned char)body[i];

		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			space = o > 0;
			continue;
		}
		if (space && o < max)
			out[o++] = ' ';
		space = 0;
		if (o < max)
			out[o++] = ch == '"' ? '\'' : (char)ch;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* True when text that began as JSON stops inside a string, object or array:
 * the answer was cut short (a proxy limit, a dropped connection) rather than
 * malformed. */
static int json_cut_short(const char *s, size_t len)
{
	size_t i, depth = 0;
	int in_str = 0;

	for (i = 0; i < len; i++) {
		if (in_str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_str = 0;
		} else if (s[i] == '"') {
			in_str = 1;
		} else if (s[i] == '{' || s[i] == '[') {
			depth++;
		} else if ((s[i] == '}' || s[i] == ']') && depth > 0) {
			depth--;
		}
	}
	return in_str || depth > 0;
}

/* "answer from URL" when the caller knows the URL, else "answer". */
static int not_prom(struct pt_error *err, const char *url, long status, const char *detail)
{
	if (url)
		return pt_error_set(err, PT_ENET, "answer from %s is not Prometheus JSON (HTTP %ld, %s)",
				url, status, detail);
	return pt_error_set(err, PT_ENET, "answer is not Prometheus JSON (HTTP %ld, %s)",
			status, detail);
}

/* An HTTP error status whose body is not the API's JSON (a proxy, a wrong
 * path, missing credentials): status, a hint, and what the body says. */
static int http_error(struct pt_error *err, const char *url, long status, const char *body,
		size_t len)
{
	char ex[64];
	const char *hint = "";

	if (status == 401 || status == 403)
		hint = " (check bearer_token_file or basic_auth)";
	else if (status == 404)
		hint = " (check prometheus.url and its path prefix)";
	excerpt(ex, sizeof(ex), body, len);
	return pt_error_set(err, PT_ENET, "HTTP %ld from %s%s: \"%s\"", status,
			url ? url : "Prometheus", hint, ex);
}

/* ---- the envelope ------------------------------------------------------- */

/* Parses body and checks the {"status":..., "data":...} envelope. On PT_OK,
 * *root is the parsed document (caller deletes) and *data its "data" member.
 * An error envelope becomes "Prometheus error (type): text"; anything that is
 * not the API's JSON says what it was instead. */
static int open_envelope(cJSON **root, const cJSON **data, const char *body, size_t len,
		long status, const char *url, struct pt_error *err)
{
	const char *end = NULL, *st, *etype, *emsg;
	char ex[64], detail[96];
	const cJSON *j;
	cJSON *doc;
	size_t i;

	*root = NULL;
	*data = NULL;
	for (i = 0; i < len && isspace((unsigned char)body[i]); i++)
		;
	doc = len ? cJSON_ParseWithLengthOpts(body, len, &end, 0) : NULL;
	if (doc == NULL) {
		if (status < 200 || status > 299)
			return http_error(err, url, status, body, len);
		if (i == len)
			return not_prom(err, url, status, "empty body");
		if (body[i] == '{' || body[i] == '[') {
			/* cJSON's end pointer is where the text went wrong. */
			size_t at = end && end >= body ? (size_t)(end - body) : 0;

			if (json_cut_short(body, len))
				snprintf(detail, sizeof(detail), "JSON cut short after %zu bytes", len);
			else
				snprintf(detail, sizeof(detail), "invalid JSON at byte %zu", at);
			return not_prom(err, url, status, detail);
		}
		excerpt(ex, sizeof(ex), body + i, len - i);
		snprintf(detail, sizeof(detail), "starts with \"%s\"", ex);
		return not_prom(err, url, status, detail);
	}

	st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "status"));
	if (st && strcmp(st, "error") == 0) {
		etype = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "errorType"));
		emsg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "error"));
		/* The server's text first: if the line is cut, the URL goes, not the reason. */
		if (url)
			pt_error_set(err, PT_ENET, "Prometheus error (%s): %s (HTTP %ld from %s)",
					etype && *etype ? etype : "unknown", emsg ? emsg : "no message",
					status, url);
		else
			pt_error_set(err, PT_ENET, "Prometheus error (%s): %s (HTTP %ld)",
					etype && *etype ? etype : "unknown", emsg ? emsg : "no message",
					status);
		cJSON_Delete(doc);
		return PT_ENET;
	}
	j = cJSON_GetObjectItemCaseSensitive(doc, "data");
	if (st == NULL || strcmp(st, "success") != 0 || !cJSON_IsObject(j)) {
		/* st points into doc: decide the message before freeing it. */
		const char *why = st == NULL ? "no \"status\" field"
				: strcmp(st, "success") != 0 ? "unexpected \"status\" value"
				: "no \"data\" object";

		cJSON_Delete(doc);
		if (status < 200 || status > 299)
			return http_error(err, url, status, body, len);
		return not_prom(err, url, status, why);
	}
	*root = doc;
	*data = j;
	return PT_OK;
}

/* ---- results ------------------------------------------------------------ */

static void labels_free(struct pt_label *l, size_t n)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].value);
	}
	free(l);
}

static void series_clear(struct pt_series *s)
{
	labels_free(s->labels, s->nlabels);
	free(s->samples);
	memset(s, 0, sizeof(*s));
}

void pt_prom_result_free(struct pt_prom_result *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nseries; i++)
		series_clear(&r->series[i]);
	free(r->series);
	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r);
}

/* Shape problems inside "data" are reported with a short fixed reason; these
 * return codes say which (0 = fine, -1 = shape, -2 = out of memory). */
#define SHAPE (-1)
#define NOMEM (-2)

/* {"name":"value",...} -> labels. NULL obj = no labels. */
static int labels_decode(struct pt_label **out, size_t *n, const cJSON *obj)
{
	const cJSON *c;
	struct pt_label *l;
	size_t i = 0, count;

	*out = NULL;
	*n = 0;
	if (obj == NULL)
		return 0;
	if (!cJSON_IsObject(obj))
		return SHAPE;
	count = (size_t)cJSON_GetArraySize(obj);
	if (count == 0)
		return 0;
	if ((l = calloc(count, sizeof(*l))) == NULL)
		return NOMEM;
	cJSON_ArrayForEach(c, obj) {
		if (!cJSON_IsString(c) || c->string == NULL) {
			labels_free(l, i);
			return SHAPE;
		}
		l[i].name = strdup(c->string);
		l[i].value = strdup(c->valuestring);
		i++;
		if (l[i - 1].name == NULL || l[i - 1].value == NULL) {
			labels_free(l, i);
			return NOMEM;
		}
	}
	*out = l;
	*n = i;
	return 0;
}

/* Sample values are strings so that NaN and +-Inf survive JSON; strtod reads
 * "NaN", "+Inf", "-Inf" too. The whole string must be the number. */
static int value_parse(double *v, const cJSON *j)
{
	const char *s;
	char *end;

	if (cJSON_IsNumber(j)) { /* lenient: some stores send plain numbers */
		*v = j->valuedouble;
		return 0;
	}
	s = cJSON_GetStringValue(j);
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return SHAPE;
	*v = strtod(s, &end);
	return *end == '\0' ? 0 : SHAPE;
}

/* Times are float seconds ("1763719200.25"): milliseconds, rounded. */
static int time_parse(int64_t *t_ms, const cJSON *j)
{
	double t;

	if (!cJSON_IsNumber(j))
		return SHAPE;
	t = j->valuedouble * 1000.0;
	if (!isfinite(t) || fabs(t) > 9.2e18)
		return SHAPE;
	*t_ms = (int64_t)llround(t);
	return 0;
}

/* [time, "value"] */
static int sample_decode(struct pt_sample *out, const cJSON *pair)
{
	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
		return SHAPE;
	if (time_parse(&out->t_ms, cJSON_GetArrayItem(pair, 0)) != 0)
		return SHAPE;
	return value_parse(&out->v, cJSON_GetArrayItem(pair, 1));
}

static int add_warning(struct pt_prom_result *r, const char *text)
{
	char **w = realloc(r->warnings, (r->nwarnings + 1) * sizeof(*w));

	if (w == NULL)
		return NOMEM;
	r->warnings = w;
	if ((w[r->nwarnings] = strdup(text)) == NULL)
		return NOMEM;
	r->nwarnings++;
	return 0;
}

/* One element of a vector or matrix result. A series carrying only native
 * histograms has no float samples: *skip is set and the caller drops it. */
static int series_decode(struct pt_series *s, const cJSON *el, int matrix, int *skip)
{
	const cJSON *vals, *v;
	size_t i = 0, count;
	int rc;

	*skip = 0;
	if (!cJSON_IsObject(el))
		return SHAPE;
	vals = cJSON_GetObjectItemCaseSensitive(el, matrix ? "values" : "value");
	if (vals == NULL && cJSON_GetObjectItemCaseSensitive(el, matrix ? "histograms" : "histogram")) {
		*skip = 1;
		return 0;
	}
	if ((rc = labels_decode(&s->labels, &s->nlabels, cJSON_GetObjectItemCaseSensitive(el, "metric"))) != 0)
		return rc;
	if (!matrix) {
		if ((s->samples = calloc(1, sizeof(*s->samples))) == NULL)
			return NOMEM;
		s->nsamples = 1;
		return sample_decode(&s->samples[0], vals);
	}
	if (!cJSON_IsArray(vals))
		return SHAPE;
	count = (size_t)cJSON_GetArraySize(vals);
	if (count && (s->samples = calloc(count, sizeof(*s->samples))) == NULL)
		return NOMEM;
	cJSON_ArrayForEach(v, vals) {
		if ((rc = sample_decode(&s->samples[i], v)) != 0)
			return rc;
		s->nsamples = ++i;
	}
	return 0;
}

static int decode_result(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err)
{
	struct pt_prom_result *r = NULL;
	const cJSON *data, *type, *res, *el, *warn;
	const char *why = NULL;
	cJSON *root = NULL;
	int rc, skip, histo = 0;

	*out = NULL;
	if ((rc = open_envelope(&root, &data, body, len, http_status, url, err)) != PT_OK)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	res = cJSON_GetObjectItemCaseSensitive(data, "result");
	if (!cJSON_IsString(type)) {
		why = "no \"data.resultType\"";
		goto out;
	}

	if (strcmp(type->valuestring, "vector") == 0 || strcmp(type->valuestring, "matrix") == 0) {
		int matrix = type->valuestring[0] == 'm';
		size_t count;

		r->type = matrix ? PT_PROM_MATRIX : PT_PROM_VECTOR;
		if (!cJSON_IsArray(res)) {
			why = "\"data.result\" is not an array";
			goto out;
		}
		count = (size_t)cJSON_GetArraySize(res);
		if (count && (r->series = calloc(count, sizeof(*r->series))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		cJSON_ArrayForEach(el, res) {
			struct pt_series *s = &r->series[r->nseries];

			/* Counted before decoding so that a half-built series is freed. */
			r->nseries++;
			rc = series_decode(s, el, matrix, &skip);
			if (rc == NOMEM) {
				rc = pt_error_oom(err);
				goto out;
			}
			if (rc != 0) {
				why = matrix ? "a series is not {\"metric\", \"values\": [[time, \"value\"]...]}"
						: "a series is not {\"metric\", \"value\": [time, \"value\"]}";
				goto out;
			}
			if (skip) {
				series_clear(s);
				r->nseries--;
				histo++;
			}
		}
	} else if (strcmp(type->valuestring, "scalar") == 0
			|| strcmp(type->valuestring, "string") == 0) {
		struct pt_series *s;
		int str = type->valuestring[1] == 't';

		/* One series without labels. A string result keeps its text in a
		 * "__value__" label (the sample value is NaN): nothing numeric to say. */
		r->type = str ? PT_PROM_STRING : PT_PROM_SCALAR;
		if ((r->series = s = calloc(1, sizeof(*s))) == NULL
				|| (s->samples = calloc(1, sizeof(*s->samples))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		r->nseries = 1;
		s->nsamples = 1;
		if (!cJSON_IsArray(res) || cJSON_GetArraySize(res) != 2
				|| time_parse(&s->samples[0].t_ms, cJSON_GetArrayItem(res, 0)) != 0) {
			why = "\"data.result\" is not [time, \"value\"]";
			goto out;
		}
		if (str) {
			const char *text = cJSON_GetStringValue(cJSON_GetArrayItem(res, 1));

			s->samples[0].v = NAN;
			if (text == NULL) {
				why = "\"data.result\" is not [time, \"string\"]";
				goto out;
			}
			if ((s->labels = calloc(1, sizeof(*s->labels))) == NULL) {
				rc = pt_error_oom(err);
				goto out;
			}
			s->nlabels = 1;
			s->labels[0].name = strdup("__value__");
			s->labels[0].value = strdup(text);
			if (s->labels[0].name == NULL || s->labels[0].value == NULL) {
				rc = pt_error_oom(err);
				goto out;
			}
		} else if (value_parse(&s->samples[0].v, cJSON_GetArrayItem(res, 1)) != 0) {
			why = "\"data.result\" is not [time, \"value\"]";
			goto out;
		}
	} else {
		why = "unknown \"data.resultType\"";
		goto out;
	}

	/* Warnings sit beside "data" (e.g. "input is not a counter"); kept as sent. */
	warn = cJSON_GetObjectItemCaseSensitive(root, "warnings");
	if (!cJSON_IsArray(warn))
		warn = NULL;
	cJSON_ArrayForEach(el, warn) {
		if (cJSON_IsString(el) && add_warning(r, el->valuestring) != 0) {
			rc = pt_error_oom(err);
			goto out;
		}
	}
	if (histo && add_warning(r, "native histogram series skipped: powertest reads float samples") != 0) {
		rc = pt_error_oom(err);
		goto out;
	}
	*out = r;
	r = NULL;
	rc = PT_OK;
out:
	if (why)
		rc = not_prom(err, url, http_status, why);
	pt_prom_result_free(r);
	cJSON_Delete(root);
	return rc;
}

int pt_prom_decode(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return decode_result(out, body, len, http_status, NULL, err);
}

/* ---- targets ------------------------------------------------------------ */

static void target_clear(struct pt_target *t)
{
	free(t->job);
	free(t->instance);
	free(t->health);
	free(t->last_error);
	free(t->scrape_url);
	labels_free(t->labels, t->nlabels);
}

void pt_targets_free(struct pt_targets *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		target_clear(&t->items[i]);
	free(t->items);
	free(t);
}

static int dup_field(char **out, const char *s, const char *fallback)
{
	*out = strdup(s ? s : fallback);
	return *out ? 0 : NOMEM;
}

/* RFC 3339 with any fraction ("2026-11-21T10:00:00.123456789Z"); Go's zero
 * time "0001-01-01T00:00:00Z" is how Prometheus says "never": 0. Anything
 * unreadable is also 0: one odd timestamp must not hide the other targets. */
static int64_t scrape_time(const char *s)
{
	struct pt_error e;
	int64_t ms;

	if (s == NULL || strncmp(s, "0001-01-01T00:00:00", 19) == 0)
		return 0;
	if (pt_time_parse(&ms, s, &e) != PT_OK || ms < 0)
		return 0;
	return ms;
}

static int64_t scrape_interval(const char *s)
{
	struct pt_error e;
	int64_t ms;

	if (s == NULL || pt_duration_parse(&ms, s, &e) != PT_OK)
		return 0;
	return ms;
}

static int target_decode(struct pt_target *t, const cJSON *el)
{
	const cJSON *labels, *disc;
	const char *job, *inst, *v;
	int rc;

	if (!cJSON_IsObject(el))
		return SHAPE;
	labels = cJSON_GetObjectItemCaseSensitive(el, "labels");
	disc = cJSON_GetObjectItemCaseSensitive(el, "discoveredLabels");
	if ((rc = labels_decode(&t->labels, &t->nlabels, labels)) != 0)
		return rc;
	job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "job"));
	if (job == NULL) /* relabelled away: the scrape pool is named after the job */
		job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "scrapePool"));
	inst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, "instance"));
	if (inst == NULL)
		inst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(disc, "__address__"));
	if (dup_field(&t->job, job, "") || dup_field(&t->instance, inst, "")
			|| dup_field(&t->health, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "health")), "unknown")
			|| dup_field(&t->last_error, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "lastError")), "")
			|| dup_field(&t->scrape_url, cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(el, "scrapeUrl")), ""))
		return NOMEM;
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "lastScrape"));
	t->last_scrape_ms = scrape_time(v);
	v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "scrapeInterval"));
	t->scrape_interval_ms = scrape_interval(v);
	return 0;
}

static int decode_targets(struct pt_targets **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err)
{
	struct pt_targets *t = NULL;
	const cJSON *data, *active, *el;
	cJSON *root = NULL;
	size_t count;
	int rc;

	*out = NULL;
	if ((rc = open_envelope(&root, &data, body, len, http_status, url, err)) != PT_OK)
		return rc;
	active = cJSON_GetObjectItemCaseSensitive(data, "activeTargets");
	if (!cJSON_IsArray(active)) {
		rc = not_prom(err, url, http_status, "no \"data.activeTargets\" array");
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	count = (size_t)cJSON_GetArraySize(active);
	if (count && (t->items = calloc(count, sizeof(*t->items))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	cJSON_ArrayForEach(el, active) {
		rc = target_decode(&t->items[t->n++], el);
		if (rc == NOMEM) {
			rc = pt_error_oom(err);
			goto out;
		}
		if (rc != 0) {
			rc = not_prom(err, url, http_status, "a target is not an object with labels");
			goto out;
		}
	}
	*out = t;
	t = NULL;
	rc = PT_OK;
out:
	pt_targets_free(t);
	cJSON_Delete(root);
	return rc;
}

int pt_targets_decode(struct pt_targets **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return decode_targets(out, body, len, http_status, NULL, err);
}

/* ---- the client --------------------------------------------------------- */

int pt_prom_new(struct pt_prom **out, const char *base_url, const struct pt_http_opts *opts,
		struct pt_error *err)
{
	struct pt_prom *p = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if (base_url == NULL || (strncasecmp(base_url, "http://", 7) != 0
			&& strncasecmp(base_url, "https://", 8) != 0))
		return pt_error_set(err, PT_EUSAGE, "Prometheus URL '%s' must start with http:// or https://",
				base_url ? base_url : "");
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

/* One request to an API path; url gets the full URL for messages. */
static int call(struct pt_prom *p, const char *path, const char *form, struct pt_buf *url,
		struct pt_buf *body, long *status, struct pt_error *err)
{
	int rc;

	if ((rc = pt_prom_url(url, p, path, err)) != PT_OK)
		return rc;
	return pt_http_request(p->http, url->data, form, body, status, err);
}

static int query_with_form(struct pt_prom_result **out, struct pt_prom *p, const char *path,
		struct pt_buf *form, struct pt_error *err)
{
	struct pt_buf url = {0}, body = {0};
	long status = 0;
	int rc;

	if ((rc = call(p, path, form->data, &url, &body, &status, err)) != PT_OK)
		goto out;
	rc = decode_result(out, body.data ? body.data : "", body.len, status, url.data, err);
out:
	pt_buf_free(&url);
	pt_buf_free(&body);
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

int pt_prom_query_range(struct pt_prom_result **out, struct pt_prom *p, const char *promql,
		int64_t start_ms, int64_t end_ms, int64_t step_ms, struct pt_error *err)
{
	struct pt_buf form = {0};
	int rc;

	*out = NULL;
	if ((rc = pt_prom_range_form(&form, promql, start_ms, end_ms, step_ms, err)) == PT_OK)
		rc = query_with_form(out, p, "/api/v1/query_range", &form, err);
	pt_buf_free(&form);
	return rc;
}

int pt_prom_targets(struct pt_targets **out, struct pt_prom *p, struct pt_error *err)
{
	struct pt_buf url = {0}, body = {0};
	long status = 0;
	int rc;

	*out = NULL;
	/* Dropped targets can be thousands on a big lab and say nothing about health. */
	if ((rc = call(p, "/api/v1/targets?state=active", NULL, &url, &body, &status, err)) != PT_OK)
		goto out;
	rc = decode_targets(out, body.data ? body.data : "", body.len, status, url.data, err);
out:
	pt_buf_free(&url);
	pt_buf_free(&body);
	return rc;
}

int pt_prom_buildinfo(char **version, struct pt_prom *p, struct pt_error *err)
{
	struct pt_buf url = {0}, body = {0}, form = {0};
	struct pt_prom_result *r = NULL;
	const cJSON *data;
	cJSON *root = NULL;
	const char *v;
	long status = 0;
	int rc;

	*version = NULL;
	if ((rc = call(p, "/api/v1/status/buildinfo", NULL, &url, &body, &status, err)) != PT_OK)
		goto out;
	/* Stores that speak the query API but not this endpoint (some
	 * VictoriaMetrics and proxy set-ups) answer 400/404/405/501: the version
	 * is then unknown, provided a trivial query works. */
	if (status == 400 || status == 404 || status == 405 || status == 501) {
		if ((rc = form_query(&form, "1", err)) != PT_OK
				|| (rc = query_with_form(&r, p, "/api/v1/query", &form, err)) != PT_OK)
			goto out;
		v = "unknown";
	} else {
		if ((rc = open_envelope(&root, &data, body.data ? body.data : "", body.len, status,
				url.data, err)) != PT_OK)
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
	pt_buf_free(&url);
	pt_buf_free(&body);
	pt_buf_free(&form);
	return rc;
}
