/* prom_json.c - Prometheus API answers read with cJSON: the envelope, error messages, query results of every type. */
#include "prom.h"
#include "prom_decode.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

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
int pt_prom_not_json(struct pt_error *err, const char *url, long status, const char *detail)
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
int pt_prom_envelope(cJSON **root, const cJSON **data, const char *body, size_t len,
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
	if (doc == NULL && pt_http_json_refused(err))
		return err->code;
	if (doc == NULL) {
		if (status < 200 || status > 299)
			return http_error(err, url, status, body, len);
		if (i == len)
			return pt_prom_not_json(err, url, status, "empty body");
		if (body[i] == '{' || body[i] == '[') {
			/* cJSON's end pointer is where the text went wrong. */
			size_t at = end && end >= body ? (size_t)(end - body) : 0;

			if (json_cut_short(body, len))
				snprintf(detail, sizeof(detail), "JSON cut short after %zu bytes", len);
			else
				snprintf(detail, sizeof(detail), "invalid JSON at byte %zu", at);
			return pt_prom_not_json(err, url, status, detail);
		}
		excerpt(ex, sizeof(ex), body + i, len - i);
		snprintf(detail, sizeof(detail), "starts with \"%s\"", ex);
		return pt_prom_not_json(err, url, status, detail);
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
		return pt_prom_not_json(err, url, status, why);
	}
	*root = doc;
	*data = j;
	return PT_OK;
}

/* ---- results ------------------------------------------------------------ */

void pt_prom_labels_free(struct pt_label *l, size_t n)
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
	pt_prom_labels_free(s->labels, s->nlabels);
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

/* {"name":"value",...} -> labels. NULL obj = no labels. */
int pt_prom_labels_decode(struct pt_label **out, size_t *n, const cJSON *obj)
{
	const cJSON *c;
	struct pt_label *l;
	size_t i = 0, count;

	*out = NULL;
	*n = 0;
	if (obj == NULL)
		return 0;
	if (!cJSON_IsObject(obj))
		return PT_PROM_SHAPE;
	count = (size_t)cJSON_GetArraySize(obj);
	if (count == 0)
		return 0;
	if ((l = calloc(count, sizeof(*l))) == NULL)
		return PT_PROM_NOMEM;
	cJSON_ArrayForEach(c, obj) {
		if (!cJSON_IsString(c) || c->string == NULL) {
			pt_prom_labels_free(l, i);
			return PT_PROM_SHAPE;
		}
		l[i].name = strdup(c->string);
		l[i].value = strdup(c->valuestring);
		i++;
		if (l[i - 1].name == NULL || l[i - 1].value == NULL) {
			pt_prom_labels_free(l, i);
			return PT_PROM_NOMEM;
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
		return PT_PROM_SHAPE;
	*v = strtod(s, &end);
	return *end == '\0' ? 0 : PT_PROM_SHAPE;
}

/* Times are float seconds ("1763719200.25"): milliseconds, rounded. */
static int time_parse(int64_t *t_ms, const cJSON *j)
{
	double t;

	if (!cJSON_IsNumber(j))
		return PT_PROM_SHAPE;
	t = j->valuedouble * 1000.0;
	if (!isfinite(t) || fabs(t) > 9.2e18)
		return PT_PROM_SHAPE;
	*t_ms = (int64_t)llround(t);
	return 0;
}

/* [time, "value"] */
static int sample_decode(struct pt_sample *out, const cJSON *pair)
{
	if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
		return PT_PROM_SHAPE;
	if (time_parse(&out->t_ms, cJSON_GetArrayItem(pair, 0)) != 0)
		return PT_PROM_SHAPE;
	return value_parse(&out->v, cJSON_GetArrayItem(pair, 1));
}

static int add_warning(struct pt_prom_result *r, const char *text)
{
	char **w = realloc(r->warnings, (r->nwarnings + 1) * sizeof(*w));

	if (w == NULL)
		return PT_PROM_NOMEM;
	r->warnings = w;
	if ((w[r->nwarnings] = strdup(text)) == NULL)
		return PT_PROM_NOMEM;
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
		return PT_PROM_SHAPE;
	vals = cJSON_GetObjectItemCaseSensitive(el, matrix ? "values" : "value");
	if (vals == NULL && cJSON_GetObjectItemCaseSensitive(el, matrix ? "histograms" : "histogram")) {
		*skip = 1;
		return 0;
	}
	if ((rc = pt_prom_labels_decode(&s->labels, &s->nlabels, cJSON_GetObjectItemCaseSensitive(el, "metric"))) != 0)
		return rc;
	if (!matrix) {
		if ((s->samples = calloc(1, sizeof(*s->samples))) == NULL)
			return PT_PROM_NOMEM;
		s->nsamples = 1;
		return sample_decode(&s->samples[0], vals);
	}
	if (!cJSON_IsArray(vals))
		return PT_PROM_SHAPE;
	count = (size_t)cJSON_GetArraySize(vals);
	if (count && (s->samples = calloc(count, sizeof(*s->samples))) == NULL)
		return PT_PROM_NOMEM;
	cJSON_ArrayForEach(v, vals) {
		if ((rc = sample_decode(&s->samples[i], v)) != 0)
			return rc;
		s->nsamples = ++i;
	}
	return 0;
}


/* The cJSON decoder: every answer, every error. */
static int decode_json(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err)
{
	struct pt_prom_result *r = NULL;
	const cJSON *data, *type, *res, *el, *warn;
	const char *why = NULL;
	cJSON *root = NULL;
	int rc, skip, histo = 0;

	*out = NULL;
	if ((rc = pt_prom_envelope(&root, &data, body, len, http_status, url, err)) != PT_OK)
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
			if (rc == PT_PROM_NOMEM) {
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
	/* VictoriaMetrics' cluster says a partial answer so, not in "warnings". */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "isPartial")) &&
			add_warning(r, PT_PROM_PARTIAL_WARNING) != 0) {
		rc = pt_error_oom(err);
		goto out;
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
		rc = pt_prom_not_json(err, url, http_status, why);
	pt_prom_result_free(r);
	cJSON_Delete(root);
	return rc;
}

/* The fast path when it reads the answer, else cJSON. */
int pt_prom_decode_at(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, const char *url, struct pt_error *err)
{
	int rc;

	if ((rc = pt_prom_decode_fast(out, body, len, http_status, err)) != PT_OK || *out != NULL)
		return rc;
	return decode_json(out, body, len, http_status, url, err);
}

int pt_prom_decode(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return pt_prom_decode_at(out, body, len, http_status, NULL, err);
}

int pt_prom_decode_json(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return decode_json(out, body, len, http_status, NULL, err);
}

