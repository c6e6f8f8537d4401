/* prom.c - the Prometheus HTTP API: form-encoded queries, targets, buildinfo; JSON -> typed results (a streaming fast path for vectors and matrices, cJSON for the rest). */
#include "prom.h"

#include <curl/curl.h>

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
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

/* ---- the fast path: vector and matrix answers without a JSON tree ------- */

/* A range answer for a lab is megabytes of [time, "value"] pairs, and a cJSON
 * tree of it costs several allocations per sample and a second pass. This
 * scanner reads the one shape a store sends for a successful vector or
 * matrix, {"status":"success","data":{"resultType":..., "result":[{"metric":
 * {...}, "values":[[t,"v"],...]}]}}, straight into a pt_prom_result. It
 * accepts a strict subset of JSON and declines (FAST_NO) everything else:
 * other result types, error envelopes, repeated keys, escapes in keys,
 * histograms, control characters, numbers cJSON might read otherwise,
 * nesting deeper than FAST_DEPTH. A declined body goes to the cJSON decoder,
 * which reads it (and words its errors) as before; an accepted one gives the
 * result that decoder gives, value for value. */

#define FAST_NO 1
#define FAST_DEPTH 64
#define FAST_NUM_MAX 63 /* longest number cJSON reads as one token */

struct fscan {
	const char *p, *e;
};

static void fs_ws(struct fscan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

static bool fs_eat(struct fscan *s, char c)
{
	fs_ws(s);
	if (s->p < s->e && *s->p == c) {
		s->p++;
		return true;
	}
	return false;
}

/* A string token: its raw bytes between the quotes, and whether they hold escapes. */
static int fs_string(struct fscan *s, const char **raw, size_t *len, bool *esc)
{
	const char *p;

	fs_ws(s);
	if (s->p >= s->e || *s->p != '"')
		return FAST_NO;
	p = ++s->p;
	*esc = false;
	while (p < s->e) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			*raw = s->p;
			*len = (size_t)(p - s->p);
			s->p = p + 1;
			return 0;
		}
		if (c < 0x20)
			return FAST_NO;
		if (c == '\\') {
			if (s->e - p < 2)
				return FAST_NO;
			*esc = true;
			p += 2;
		} else {
			p++;
		}
	}
	return FAST_NO;
}

static int hex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Unescapes the raw bytes of a string into dst (n + 1 bytes; NULL only
 * checks them). Returns the length, or -1 to decline: an unknown escape, a
 * lone surrogate, or \u0000 (which cJSON would cut the string at). */
static long fs_unescape(char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned long cp;
		int h;

		if (src[i] != '\\') {
			if (dst)
				dst[o] = src[i];
			o++;
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -1;
		switch (src[i + 1]) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (n - i < 6 || (h = hex4(src + i + 2)) < 0)
				return -1;
			cp = (unsigned long)h;
			if (cp >= 0xDC00 && cp <= 0xDFFF)
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				int lo;
				if (n - i < 12 || src[i + 6] != '\\' || src[i + 7] != 'u' ||
						(lo = hex4(src + i + 8)) < 0xDC00 || lo > 0xDFFF)
					return -1;
				cp = 0x10000 + (((cp & 0x3FF) << 10) | ((unsigned long)lo & 0x3FF));
				i += 6;
			}
			if (cp == 0)
				return -1;
			i += 4;
			break;
		default:
			return -1;
		}
		i += 2;
		/* UTF-8, as cJSON writes it. */
		if (cp < 0x80) {
			if (dst)
				dst[o] = (char)cp;
			o += 1;
		} else if (cp < 0x800) {
			if (dst) {
				dst[o] = (char)(0xC0 | (cp >> 6));
				dst[o + 1] = (char)(0x80 | (cp & 0x3F));
			}
			o += 2;
		} else if (cp < 0x10000) {
			if (dst) {
				dst[o] = (char)(0xE0 | (cp >> 12));
				dst[o + 1] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o + 2] = (char)(0x80 | (cp & 0x3F));
			}
			o += 3;
		} else {
			if (dst) {
				dst[o] = (char)(0xF0 | (cp >> 18));
				dst[o + 1] = (char)(0x80 | ((cp >> 12) & 0x3F));
				dst[o + 2] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o + 3] = (char)(0x80 | (cp & 0x3F));
			}
			o += 4;
		}
	}
	if (dst)
		dst[o] = '\0';
	return (long)o;
}

/* A string token as a new C string (caller frees). */
static int fs_string_dup(struct fscan *s, char **out)
{
	const char *raw;
	size_t len;
	bool esc;
	int rc;

	*out = NULL;
	if ((rc = fs_string(s, &raw, &len, &esc)) != 0)
		return rc;
	if ((*out = malloc(len + 1)) == NULL)
		return NOMEM;
	if (!esc) {
		memcpy(*out, raw, len);
		(*out)[len] = '\0';
	} else if (fs_unescape(*out, raw, len) < 0) {
		free(*out);
		*out = NULL;
		return FAST_NO;
	}
	return 0;
}

/* A key without escapes, then its colon. */
static int fs_key(struct fscan *s, const char **raw, size_t *len)
{
	bool esc;

	if (fs_string(s, raw, len, &esc) != 0 || esc || !fs_eat(s, ':'))
		return FAST_NO;
	return 0;
}

static bool key_is(const char *raw, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(raw, name, len) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number token in strict JSON grammar, at most FAST_NUM_MAX characters. */
static int fs_number(struct fscan *s, const char **tok, size_t *len)
{
	const char *p;

	fs_ws(s);
	p = s->p;
	if (p < s->e && *p == '-')
		p++;
	if (p >= s->e || !is_digit(*p))
		return FAST_NO;
	if (*p == '0')
		p++;
	else
		while (p < s->e && is_digit(*p))
			p++;
	if (p < s->e && *p == '.') {
		if (++p >= s->e || !is_digit(*p))
			return FAST_NO;
		while (p < s->e && is_digit(*p))
			p++;
	}
	if (p < s->e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < s->e && (*p == '+' || *p == '-'))
			p++;
		if (p >= s->e || !is_digit(*p))
			return FAST_NO;
		while (p < s->e && is_digit(*p))
			p++;
	}
	if (p - s->p > FAST_NUM_MAX)
		return FAST_NO;
	*tok = s->p;
	*len = (size_t)(p - s->p);
	s->p = p;
	return 0;
}

/* strtod of a token that is not NUL-terminated; the whole token must be read. */
static int token_strtod(double *v, const char *tok, size_t len)
{
	char buf[FAST_NUM_MAX + 1], *end;

	if (len == 0 || len > FAST_NUM_MAX)
		return FAST_NO;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	*v = strtod(buf, &end);
	return end == buf + len ? 0 : FAST_NO;
}

/* Validates and skips any JSON value (unknown keys). */
static int fs_skip(struct fscan *s)
{
	char stack[FAST_DEPTH];
	int depth = 0;
	const char *raw;
	size_t len;
	bool esc;

	for (;;) {
		fs_ws(s);
		if (s->p >= s->e)
			return FAST_NO;
		switch (*s->p) {
		case '{':
		case '[':
			if (depth == FAST_DEPTH)
				return FAST_NO;
			stack[depth++] = *s->p++;
			if (fs_eat(s, stack[depth - 1] == '{' ? '}' : ']')) {
				depth--;
				break;
			}
			if (stack[depth - 1] == '{' && fs_key(s, &raw, &len) != 0)
				return FAST_NO;
			continue; /* to the first value */
		case '"':
			if (fs_string(s, &raw, &len, &esc) != 0 || (esc && fs_unescape(NULL, raw, len) < 0))
				return FAST_NO;
			break;
		case 't':
		case 'f':
		case 'n': {
			static const char *const lits[] = {"true", "false", "null"};
			size_t i, n;
			for (i = 0; i < 3; i++) {
				n = strlen(lits[i]);
				if ((size_t)(s->e - s->p) >= n && memcmp(s->p, lits[i], n) == 0)
					break;
			}
			if (i == 3)
				return FAST_NO;
			s->p += n;
			break;
		}
		default:
			if (fs_number(s, &raw, &len) != 0)
				return FAST_NO;
			break;
		}
		/* After a value: close what ends here, or go on to the next member. */
		for (;;) {
			if (depth == 0)
				return 0;
			if (fs_eat(s, ',')) {
				if (stack[depth - 1] == '{' && fs_key(s, &raw, &len) != 0)
					return FAST_NO;
				break;
			}
			if (!fs_eat(s, stack[depth - 1] == '{' ? '}' : ']'))
				return FAST_NO;
			depth--;
		}
	}
}

/* Times are float seconds; milliseconds as time_parse rounds them. Up to
 * 12 integer and 3 decimal digits are read exactly (the same result: the
 * double's error is far below half a millisecond), others through strtod. */
static int fs_time(struct fscan *s, int64_t *t_ms)
{
	const char *tok, *p;
	size_t len;
	int64_t ip = 0, frac = 0;
	int nint = 0, nfrac = 0;
	double t;

	if (fs_number(s, &tok, &len) != 0)
		return FAST_NO;
	/* Digits past what the exact path takes are counted, not added: they
	 * would overflow ip and frac, and such times go to strtod anyway. */
	for (p = tok; p < tok + len && is_digit(*p); p++, nint++)
		if (nint < 12)
			ip = ip * 10 + (*p - '0');
	if (p < tok + len && *p == '.')
		for (p++; p < tok + len && is_digit(*p); p++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (*p - '0');
	if (p == tok + len && nint > 0 && nint <= 12 && nfrac <= 3) {
		while (nfrac++ < 3)
			frac *= 10;
		*t_ms = ip * 1000 + frac;
		return 0;
	}
	if (token_strtod(&t, tok, len) != 0)
		return FAST_NO;
	t *= 1000.0;
	if (!isfinite(t) || fabs(t) > 9.2e18)
		return FAST_NO;
	*t_ms = (int64_t)llround(t);
	return 0;
}

static const double exact_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A decimal read exactly as strtod reads it, when that takes one IEEE
 * operation: at most 2^53 as an integer of significant digits, times or
 * divided by a power of ten up to 10^22 (both exact doubles, so the one
 * rounding is strtod's). FAST_NO: the caller asks strtod. */
static int fast_decimal(double *v, const char *s, size_t n)
{
	uint64_t m = 0;
	size_t i = 0;
	int digits = 0, exp10 = 0;
	bool neg = false, any = false;
	double d;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && is_digit(s[i]); i++) {
		any = true;
		if (m == 0 && s[i] == '0')
			continue;
		if (++digits > 19)
			return FAST_NO;
		m = m * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++) {
			any = true;
			exp10--;
			if (m == 0 && s[i] == '0')
				continue;
			if (++digits > 19)
				return FAST_NO;
			m = m * 10 + (uint64_t)(s[i] - '0');
		}
	}
	if (!any)
		return FAST_NO;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int e = 0, es = 1;
		bool ed = false;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			es = s[i++] == '-' ? -1 : 1;
		for (; i < n && is_digit(s[i]); i++) {
			ed = true;
			if (e < 10000)
				e = e * 10 + (s[i] - '0');
		}
		if (!ed)
			return FAST_NO;
		exp10 += es * e;
	}
	if (i != n)
		return FAST_NO;
	if (m == 0) {
		*v = neg ? -0.0 : 0.0;
		return 0;
	}
	if (m > (UINT64_C(1) << 53) || exp10 < -22 || exp10 > 22)
		return FAST_NO;
	d = (double)m;
	d = exp10 < 0 ? d / exact_pow10[-exp10] : d * exact_pow10[exp10];
	*v = neg ? -d : d;
	return 0;
}

/* A sample value: a string as value_parse reads it (or, leniently, a number). */
static int fs_value(struct fscan *s, double *v)
{
	const char *raw;
	size_t len;
	bool esc;

	fs_ws(s);
	if (s->p < s->e && *s->p != '"') {
		if (fs_number(s, &raw, &len) != 0)
			return FAST_NO;
		return token_strtod(v, raw, len);
	}
	if (fs_string(s, &raw, &len, &esc) != 0 || esc || len == 0 ||
			isspace((unsigned char)raw[0]))
		return FAST_NO;
	if (fast_decimal(v, raw, len) == 0)
		return 0;
	if (len == 3 && memcmp(raw, "NaN", 3) == 0) {
		*v = NAN;
		return 0;
	}
	if (len == 4 && (raw[0] == '+' || raw[0] == '-') && memcmp(raw + 1, "Inf", 3) == 0) {
		*v = raw[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	return token_strtod(v, raw, len);
}

/* [time, value] */
static int fs_sample(struct fscan *s, struct pt_sample *out)
{
	if (!fs_eat(s, '[') || fs_time(s, &out->t_ms) != 0 || !fs_eat(s, ',') ||
			fs_value(s, &out->v) != 0 || !fs_eat(s, ']'))
		return FAST_NO;
	return 0;
}

struct fast {
	struct fscan s;
	struct pt_prom_result *r;
	size_t cap;          /* of r->series */
	size_t hint;         /* samples of the last series: the next one likely has as many */
	size_t nvalue, nvalues; /* elements with "value", with "values" */
};

/* "metric": {"name": "value", ...} */
static int fs_labels(struct fast *f, struct pt_series *se)
{
	struct fscan *s = &f->s;
	size_t cap = 0;
	int rc;

	if (!fs_eat(s, '{'))
		return FAST_NO;
	if (fs_eat(s, '}'))
		return 0;
	do {
		struct pt_label *l;

		if (se->nlabels == cap) {
			size_t nc = cap ? cap * 2 : 8;
			if ((l = realloc(se->labels, nc * sizeof(*l))) == NULL)
				return NOMEM;
			se->labels = l;
			cap = nc;
		}
		l = &se->labels[se->nlabels];
		l->name = l->value = NULL;
		se->nlabels++;
		if ((rc = fs_string_dup(s, &l->name)) != 0)
			return rc;
		if (!fs_eat(s, ':'))
			return FAST_NO;
		if ((rc = fs_string_dup(s, &l->value)) != 0)
			return rc;
	} while (fs_eat(s, ','));
	return fs_eat(s, '}') ? 0 : FAST_NO;
}

/* "values": [[t, "v"], ...] */
static int fs_values(struct fast *f, struct pt_series *se)
{
	struct fscan *s = &f->s;
	size_t cap = 0;

	if (!fs_eat(s, '['))
		return FAST_NO;
	if (fs_eat(s, ']'))
		return 0;
	do {
		if (se->nsamples == cap) {
			size_t nc = cap ? cap * 2 : f->hint > 16 ? f->hint : 16;
			struct pt_sample *sm = realloc(se->samples, nc * sizeof(*sm));
			if (sm == NULL)
				return NOMEM;
			se->samples = sm;
			cap = nc;
		}
		if (fs_sample(s, &se->samples[se->nsamples]) != 0)
			return FAST_NO;
		se->nsamples++;
	} while (fs_eat(s, ','));
	if (se->nsamples > f->hint)
		f->hint = se->nsamples;
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

/* {"metric": {...}, "values": [...]} or {"metric": {...}, "value": [t, "v"]} */
static int fs_series(struct fast *f, struct pt_series *se)
{
	struct fscan *s = &f->s;
	bool metric = false, value = false, values = false;
	const char *key;
	size_t klen;
	int rc;

	if (!fs_eat(s, '{') || fs_eat(s, '}'))
		return FAST_NO;
	do {
		if (fs_key(s, &key, &klen) != 0)
			return FAST_NO;
		if (key_is(key, klen, "metric")) {
			if (metric)
				return FAST_NO;
			metric = true;
			rc = fs_labels(f, se);
		} else if (key_is(key, klen, "values")) {
			if (value || values)
				return FAST_NO;
			values = true;
			rc = fs_values(f, se);
		} else if (key_is(key, klen, "value")) {
			if (value || values)
				return FAST_NO;
			value = true;
			if ((se->samples = malloc(sizeof(*se->samples))) == NULL)
				return NOMEM;
			se->nsamples = 1;
			rc = fs_sample(s, &se->samples[0]);
		} else if (key_is(key, klen, "histogram") || key_is(key, klen, "histograms")) {
			return FAST_NO; /* the cJSON path skips them with a warning */
		} else {
			rc = fs_skip(s);
		}
		if (rc != 0)
			return rc;
	} while (fs_eat(s, ','));
	if (!fs_eat(s, '}') || !(value || values))
		return FAST_NO;
	if (se->nlabels == 0) {
		free(se->labels);
		se->labels = NULL;
	}
	if (values && se->nsamples == 0) {
		free(se->samples);
		se->samples = NULL;
	}
	f->nvalue += value;
	f->nvalues += values;
	return 0;
}

static int fs_result(struct fast *f)
{
	struct fscan *s = &f->s;
	int rc;

	if (!fs_eat(s, '['))
		return FAST_NO;
	if (fs_eat(s, ']'))
		return 0;
	do {
		struct pt_series *se;

		if (f->r->nseries == f->cap) {
			size_t nc = f->cap ? f->cap * 2 : 16;
			if ((se = realloc(f->r->series, nc * sizeof(*se))) == NULL)
				return NOMEM;
			f->r->series = se;
			f->cap = nc;
		}
		se = &f->r->series[f->r->nseries++];
		memset(se, 0, sizeof(*se));
		if ((rc = fs_series(f, se)) != 0)
			return rc;
	} while (fs_eat(s, ','));
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

/* "data": {"resultType": "vector"|"matrix", "result": [...]} */
static int fs_data(struct fast *f, int *type)
{
	struct fscan *s = &f->s;
	bool result = false;
	const char *key, *raw;
	size_t klen, len;
	bool esc;
	int rc;

	*type = -1;
	if (!fs_eat(s, '{') || fs_eat(s, '}'))
		return FAST_NO;
	do {
		if (fs_key(s, &key, &klen) != 0)
			return FAST_NO;
		if (key_is(key, klen, "resultType")) {
			if (*type >= 0 || fs_string(s, &raw, &len, &esc) != 0 || esc)
				return FAST_NO;
			if (key_is(raw, len, "vector"))
				*type = PT_PROM_VECTOR;
			else if (key_is(raw, len, "matrix"))
				*type = PT_PROM_MATRIX;
			else
				return FAST_NO;
		} else if (key_is(key, klen, "result")) {
			if (result)
				return FAST_NO;
			result = true;
			if ((rc = fs_result(f)) != 0)
				return rc;
		} else if (fs_skip(s) != 0) {
			return FAST_NO;
		}
	} while (fs_eat(s, ','));
	if (!fs_eat(s, '}') || *type < 0 || !result)
		return FAST_NO;
	return 0;
}

/* "warnings": ["text", ...], kept as sent; anything else there is ignored. */
static int fs_warnings(struct fast *f)
{
	struct fscan *s = &f->s;
	int rc;

	fs_ws(s);
	if (s->p >= s->e || *s->p != '[')
		return fs_skip(s);
	s->p++;
	if (fs_eat(s, ']'))
		return 0;
	do {
		fs_ws(s);
		if (s->p < s->e && *s->p == '"') {
			char *w, **ws;
			if ((rc = fs_string_dup(s, &w)) != 0)
				return rc;
			if ((ws = realloc(f->r->warnings, (f->r->nwarnings + 1) * sizeof(*ws))) == NULL) {
				free(w);
				return NOMEM;
			}
			f->r->warnings = ws;
			ws[f->r->nwarnings++] = w;
		} else if (fs_skip(s) != 0) {
			return FAST_NO;
		}
	} while (fs_eat(s, ','));
	return fs_eat(s, ']') ? 0 : FAST_NO;
}

static int fs_top(struct fast *f)
{
	struct fscan *s = &f->s;
	bool status = false, data = false, warnings = false;
	const char *key, *raw;
	size_t klen, len;
	bool esc;
	int rc, type = -1;

	if (!fs_eat(s, '{') || fs_eat(s, '}'))
		return FAST_NO;
	do {
		if (fs_key(s, &key, &klen) != 0)
			return FAST_NO;
		if (key_is(key, klen, "status")) {
			/* Errors and anything but success: the cJSON path words them. */
			if (status || fs_string(s, &raw, &len, &esc) != 0 || esc ||
					!key_is(raw, len, "success"))
				return FAST_NO;
			status = true;
		} else if (key_is(key, klen, "data")) {
			if (data)
				return FAST_NO;
			data = true;
			if ((rc = fs_data(f, &type)) != 0)
				return rc;
		} else if (key_is(key, klen, "warnings")) {
			if (warnings)
				return FAST_NO;
			warnings = true;
			if ((rc = fs_warnings(f)) != 0)
				return rc;
		} else if (fs_skip(s) != 0) {
			return FAST_NO;
		}
	} while (fs_eat(s, ','));
	/* What follows the document is not read, as cJSON does not read it. */
	if (!fs_eat(s, '}') || !status || !data)
		return FAST_NO;
	/* Every element in the form its type has ("value" or "values"). */
	if ((type == PT_PROM_VECTOR && f->nvalues) || (type == PT_PROM_MATRIX && f->nvalue))
		return FAST_NO;
	f->r->type = (enum pt_prom_type)type;
	return 0;
}

int pt_prom_decode_fast(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	struct fast f;
	int rc;

	*out = NULL;
	if (http_status < 200 || http_status > 299 || len == 0)
		return PT_OK;
	memset(&f, 0, sizeof(f));
	f.s.p = body;
	f.s.e = body + len;
	if ((f.r = calloc(1, sizeof(*f.r))) == NULL)
		return pt_error_oom(err);
	rc = fs_top(&f);
	if (rc == NOMEM) {
		pt_prom_result_free(f.r);
		return pt_error_oom(err);
	}
	if (rc != 0) {
		pt_prom_result_free(f.r);
		return PT_OK;
	}
	if (f.r->nseries == 0) {
		free(f.r->series);
		f.r->series = NULL;
	}
	*out = f.r;
	return PT_OK;
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

/* The fast path when it reads the answer, else cJSON. */
static int decode_result(struct pt_prom_result **out, const char *body, size_t len,
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
	return decode_result(out, body, len, http_status, NULL, err);
}

int pt_prom_decode_json(struct pt_prom_result **out, const char *body, size_t len,
		long http_status, struct pt_error *err)
{
	return decode_json(out, body, len, http_status, NULL, err);
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
