/* test_prom.c - Prometheus API answers -> typed results, error envelopes, forms, and the client against a canned server. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_http.h"
#include "buf.h"
#include "prom.h"

#define assert_contains(hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ == NULL || strstr(h_, n_) == NULL) \
		fail_msg("\"%s\" not found in \"%s\"", n_, h_ ? h_ : "(null)"); \
} while (0)

#define OK_VECTOR(result) \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":" result "}}"

static struct pt_prom_result *decode_ok(const char *body, long status)
{
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};

	if (pt_prom_decode(&r, body, strlen(body), status, &err) != PT_OK)
		fail_msg("decode failed: %s", err.msg);
	assert_non_null(r);
	return r;
}

/* ---- decoding ----------------------------------------------------------- */

static void test_prom__vector(void **state)
{
	const char *body = OK_VECTOR("["
		"{\"metric\":{\"__name__\":\"up\",\"instance\":\"gpu01:9100\",\"job\":\"node\"},"
		"\"value\":[1763719200.25,\"1\"]},"
		"{\"metric\":{\"instance\":\"gpu02:9100\",\"job\":\"node\"},"
		"\"value\":[1435781451.781,\"0.125\"]}]");
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok(body, 200);
	assert_int_equal(r->type, PT_PROM_VECTOR);
	assert_int_equal(r->nseries, 2);
	assert_int_equal(r->nwarnings, 0);
	assert_int_equal(r->series[0].nlabels, 3);
	assert_string_equal(r->series[0].labels[0].name, "__name__");
	assert_string_equal(pt_series_label(&r->series[0], "instance"), "gpu01:9100");
	assert_null(pt_series_label(&r->series[1], "__name__"));
	assert_int_equal(r->series[0].nsamples, 1);
	assert_int_equal(r->series[0].samples[0].t_ms, INT64_C(1763719200250));
	assert_true(r->series[0].samples[0].v == 1.0);
	/* Float seconds round to the nearest millisecond. */
	assert_int_equal(r->series[1].samples[0].t_ms, INT64_C(1435781451781));
	assert_true(r->series[1].samples[0].v == 0.125);
	pt_prom_result_free(r);
}

static void test_prom__vector_nan(void **state)
{
	static const struct {
		const char *text;
		int kind; /* 0 finite, 1 NaN, 2 +Inf, 3 -Inf */
		double v;
	} cases[] = {
		{"NaN", 1, 0},
		{"+Inf", 2, 0},
		{"-Inf", 3, 0},
		{"1e3", 0, 1000},
		{"-0.5", 0, -0.5},
		{"1.5", 0, 1.5},
		{NULL, 0, 0}
	};
	size_t i;

	(void)state;
	for (i = 0; cases[i].text; i++) {
		char body[256];
		struct pt_prom_result *r;
		double v;

		snprintf(body, sizeof(body), OK_VECTOR("[{\"metric\":{},\"value\":[1,\"%s\"]}]"),
				cases[i].text);
		r = decode_ok(body, 200);
		assert_int_equal(r->nseries, 1);
		assert_int_equal(r->series[0].nlabels, 0);
		v = r->series[0].samples[0].v;
		switch (cases[i].kind) {
		case 1: assert_true(isnan(v)); break;
		case 2: assert_true(isinf(v) && v > 0); break;
		case 3: assert_true(isinf(v) && v < 0); break;
		default: assert_true(v == cases[i].v); break;
		}
		pt_prom_result_free(r);
	}
}

static void test_prom__empty_vector(void **state)
{
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok(OK_VECTOR("[]"), 200);
	assert_int_equal(r->type, PT_PROM_VECTOR);
	assert_int_equal(r->nseries, 0);
	pt_prom_result_free(r);
}

static void test_prom__matrix(void **state)
{
	const char *body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		"{\"metric\":{\"instance\":\"a\"},\"values\":[[1763719200,\"1\"],[1763719215,\"NaN\"],"
		"[1763719230.5,\"3\"]]},"
		"{\"metric\":{\"instance\":\"b\"},\"values\":[]}]}}";
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok(body, 200);
	assert_int_equal(r->type, PT_PROM_MATRIX);
	assert_int_equal(r->nseries, 2);
	assert_int_equal(r->series[0].nsamples, 3);
	assert_int_equal(r->series[0].samples[0].t_ms, INT64_C(1763719200000));
	assert_int_equal(r->series[0].samples[1].t_ms, INT64_C(1763719215000));
	assert_true(isnan(r->series[0].samples[1].v));
	assert_int_equal(r->series[0].samples[2].t_ms, INT64_C(1763719230500));
	assert_true(r->series[0].samples[2].v == 3.0);
	assert_string_equal(pt_series_label(&r->series[1], "instance"), "b");
	assert_int_equal(r->series[1].nsamples, 0);
	pt_prom_result_free(r);
}

/* Raw samples as Prometheus writes them ([t,"v"], no spaces) take a one-pass
 * path, and floats of 16-19 digits an exact 128-bit rounding instead of
 * strtod: every value must still be strtod's, ties to even included, and
 * shapes off the path (spaces, a leading-zero time, decimals) the same. */
static void test_prom__plain_samples_exact(void **state)
{
	static const char *const values[] = {"0.30000000000000004", "12345678901234567",
		"9007199254740993", "9007199254740995", "4.123456789012345", "1796187615.1234567",
		"123456789012345678e-5", "1.7976931348623157e308", "5e-324", "0.1", "42", "-0.000123456789012345678",
		"99999999999999999999", "1e19", "18446744073709551615", "0.5"};
	size_t i, n = sizeof(values) / sizeof(values[0]);
	struct pt_buf body = {0};
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_buf_printf(&body, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"matrix\",\"result\":[{\"metric\":{\"a\":\"b\"},\"values\":["), PT_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(pt_buf_printf(&body, &err, "%s[%s,\"%s\"]", i ? "," : "",
				i % 3 == 0 ? "1796187615" : i % 3 == 1 ? "1796187615.5" : " 1796187615.25 ",
				values[i]), PT_OK);
	assert_int_equal(pt_buf_printf(&body, &err, "]}]}}"), PT_OK);
	assert_int_equal(pt_prom_decode_fast(&r, body.data, body.len, 200, &err), PT_OK);
	assert_int_equal(r->nseries, 1);
	assert_int_equal(r->series[0].nsamples, n);
	for (i = 0; i < n; i++) {
		double want = strtod(values[i], NULL);
		if (r->series[0].samples[i].v != want)
			fail_msg("%s: %.17g, strtod %.17g", values[i], r->series[0].samples[i].v, want);
		assert_int_equal(r->series[0].samples[i].t_ms,
				i % 3 == 0 ? 1796187615000 : i % 3 == 1 ? 1796187615500 : 1796187615250);
	}
	pt_prom_result_free(r);
	pt_buf_free(&body);
}

static void test_prom__scalar(void **state)
{
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
			"\"result\":[1763719200.001,\"2.5\"]}}", 200);
	assert_int_equal(r->type, PT_PROM_SCALAR);
	assert_int_equal(r->nseries, 1);
	assert_int_equal(r->series[0].nlabels, 0);
	assert_int_equal(r->series[0].nsamples, 1);
	assert_int_equal(r->series[0].samples[0].t_ms, INT64_C(1763719200001));
	assert_true(r->series[0].samples[0].v == 2.5);
	pt_prom_result_free(r);
}

static void test_prom__string(void **state)
{
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok("{\"status\":\"success\",\"data\":{\"resultType\":\"string\","
			"\"result\":[1763719200,\"hello\"]}}", 200);
	assert_int_equal(r->type, PT_PROM_STRING);
	assert_int_equal(r->nseries, 1);
	assert_string_equal(pt_series_label(&r->series[0], "__value__"), "hello");
	assert_true(isnan(r->series[0].samples[0].v));
	pt_prom_result_free(r);
}

static void test_prom__warnings(void **state)
{
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]},"
			"\"warnings\":[\"PromQL warning: metric might not be a counter\",\"second\"]}", 200);
	assert_int_equal(r->nwarnings, 2);
	assert_string_equal(r->warnings[0], "PromQL warning: metric might not be a counter");
	assert_string_equal(r->warnings[1], "second");
	pt_prom_result_free(r);
}

/* VictoriaMetrics' cluster flags a partial answer with "isPartial": a
 * warning after those sent, in both decoders, wherever the key is. */
static void test_prom__is_partial(void **state)
{
	static const char *const bodies[] = {
		"{\"status\":\"success\",\"isPartial\":true,\"data\":{\"resultType\":\"vector\","
			"\"result\":[{\"metric\":{},\"value\":[1,\"2\"]}]},\"warnings\":[\"w\"]}",
		"{\"status\":\"success\",\"warnings\":[\"w\"],\"data\":{\"resultType\":\"matrix\","
			"\"result\":[{\"metric\":{},\"values\":[[1,\"2\"]]}]},\"isPartial\" : true }",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct pt_prom_result *fast = NULL, *json = NULL;
		struct pt_error err = {0, ""};

		assert_int_equal(pt_prom_decode_fast(&fast, bodies[i], strlen(bodies[i]), 200, &err), PT_OK);
		assert_int_equal(pt_prom_decode_json(&json, bodies[i], strlen(bodies[i]), 200, &err), PT_OK);
		assert_non_null(fast);
		assert_non_null(json);
		assert_int_equal(fast->nwarnings, 2);
		assert_int_equal(json->nwarnings, 2);
		assert_string_equal(fast->warnings[0], "w");
		assert_string_equal(json->warnings[0], "w");
		assert_non_null(strstr(fast->warnings[1], "isPartial"));
		assert_string_equal(fast->warnings[1], json->warnings[1]);
		pt_prom_result_free(fast);
		pt_prom_result_free(json);
	}
}

/* Warnings joined once each, one line, "; " between; merge splits again. */
static void test_prom__warning_join(void **state)
{
	struct pt_buf list = {0}, other = {0};
	struct pt_error err = {0, ""};
	bool added;

	(void)state;
	assert_int_equal(pt_prom_warning_join(&list, "zone b\ndown", &added, &err), PT_OK);
	assert_true(added);
	assert_int_equal(pt_prom_warning_join(&list, "zone b down", &added, &err), PT_OK);
	assert_false(added);
	assert_int_equal(pt_prom_warning_join(&list, "zone", &added, &err), PT_OK);
	assert_true(added); /* a part of an item is not the item */
	assert_int_equal(pt_prom_warning_join(&list, "", &added, &err), PT_OK);
	assert_false(added);
	assert_string_equal(list.data, "zone b down; zone");
	assert_int_equal(pt_prom_warning_join(&other, "zone", NULL, &err), PT_OK);
	assert_int_equal(pt_prom_warning_join(&other, "x", NULL, &err), PT_OK);
	assert_int_equal(pt_prom_warning_merge(&list, other.data, &err), PT_OK);
	assert_string_equal(list.data, "zone b down; zone; x");
	pt_buf_free(&list);
	pt_buf_free(&other);
}

static void test_prom__histogram_skipped(void **state)
{
	struct pt_prom_result *r;

	(void)state;
	r = decode_ok(OK_VECTOR("[{\"metric\":{\"a\":\"1\"},\"histogram\":[1,{\"count\":\"2\"}]},"
			"{\"metric\":{\"a\":\"2\"},\"value\":[1,\"7\"]}]"), 200);
	assert_int_equal(r->nseries, 1);
	assert_string_equal(pt_series_label(&r->series[0], "a"), "2");
	assert_int_equal(r->nwarnings, 1);
	assert_contains(r->warnings[0], "histogram");
	pt_prom_result_free(r);
}

/* Everything that must not decode: code, and a piece of the one-line message. */
static const struct decode_fail {
	const char *name;
	const char *body;
	long status;
	const char *msg;
} decode_fails[] = {
	{"error 400", "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
		"\\\"query\\\": 1:4: parse error: unexpected end of input\"}", 400,
		"Prometheus error (bad_data): invalid parameter \"query\": 1:4: parse error: "
		"unexpected end of input (HTTP 400)"},
	{"error 422", "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"found duplicate "
		"series for the match group\"}", 422,
		"Prometheus error (execution): found duplicate series for the match group (HTTP 422)"},
	{"error 503", "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in "
		"expression evaluation\"}", 503,
		"Prometheus error (timeout): query timed out in expression evaluation (HTTP 503)"},
	{"error without type", "{\"status\":\"error\"}", 500,
		"Prometheus error (unknown): no message (HTTP 500)"},
	{"html 200", "<html><head><title>Sign in</title></head>\n<body>...</body></html>", 200,
		"answer is not Prometheus JSON (HTTP 200, starts with \"<html><head><title>Sign in"},
	{"html 502", "<html>\r\n<head><title>502 Bad Gateway</title></head></html>", 502,
		"HTTP 502 from Prometheus: \"<html> <head><title>502 Bad Gateway"},
	{"401 text", "Unauthorized\n", 401,
		"HTTP 401 from Prometheus (check bearer_token_file or basic_auth): \"Unauthorized\""},
	{"404 text", "404 page not found\n", 404,
		"HTTP 404 from Prometheus (check prometheus.url and its path prefix): \"404 page not found\""},
	{"404 json wrong shape", "{\"message\":\"no route\"}", 404,
		"HTTP 404 from Prometheus (check prometheus.url and its path prefix): \"{'message':'no route'}\""},
	{"truncated", "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\"",
		200, "answer is not Prometheus JSON (HTTP 200, JSON cut short after 69 bytes)"},
	{"truncated in string", "{\"status\":\"succ", 200, "JSON cut short after 15 bytes"},
	{"invalid json", "{\"status\":\"success\",,}", 200,
		"answer is not Prometheus JSON (HTTP 200, invalid JSON at byte 21)"},
	{"invalid at the end", "{\"status\":x}", 200, "invalid JSON at byte 10"},
	{"wrong shape", "{\"foo\":1}", 200,
		"answer is not Prometheus JSON (HTTP 200, no \"status\" field)"},
	{"top-level array", "[1,2,3]", 200,
		"answer is not Prometheus JSON (HTTP 200, no \"status\" field)"},
	{"no data", "{\"status\":\"success\"}", 200,
		"answer is not Prometheus JSON (HTTP 200, no \"data\" object)"},
	{"odd status", "{\"status\":\"maybe\",\"data\":{}}", 200,
		"answer is not Prometheus JSON (HTTP 200, unexpected \"status\" value)"},
	{"no resultType", "{\"status\":\"success\",\"data\":{\"result\":[]}}", 200,
		"no \"data.resultType\""},
	{"unknown resultType", "{\"status\":\"success\",\"data\":{\"resultType\":\"table\",\"result\":[]}}",
		200, "unknown \"data.resultType\""},
	{"result not array", OK_VECTOR("{}"), 200, "\"data.result\" is not an array"},
	{"bad value", OK_VECTOR("[{\"metric\":{},\"value\":[1,\"abc\"]}]"), 200,
		"a series is not {\"metric\", \"value\": [time, \"value\"]}"},
	{"value with trailing text", OK_VECTOR("[{\"metric\":{},\"value\":[1,\"1.5x\"]}]"), 200,
		"a series is not"},
	{"value with blank", OK_VECTOR("[{\"metric\":{},\"value\":[1,\" 1.5\"]}]"), 200,
		"a series is not"},
	{"empty value", OK_VECTOR("[{\"metric\":{},\"value\":[1,\"\"]}]"), 200, "a series is not"},
	{"time as string", OK_VECTOR("[{\"metric\":{},\"value\":[\"1\",\"1\"]}]"), 200, "a series is not"},
	{"label not string", OK_VECTOR("[{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]"), 200,
		"a series is not"},
	{"no value", OK_VECTOR("[{\"metric\":{}}]"), 200, "a series is not"},
	{"matrix bad sample", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
		"[{\"metric\":{},\"values\":[[1,\"1\"],[2]]}]}}", 200,
		"a series is not {\"metric\", \"values\": [[time, \"value\"]...]}"},
	{"scalar bad", "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1]}}", 200,
		"\"data.result\" is not [time, \"value\"]"},
	{"empty body 200", "", 200, "answer is not Prometheus JSON (HTTP 200, empty body)"},
	{"blank body 200", " \n", 200, "answer is not Prometheus JSON (HTTP 200, empty body)"},
	{"empty body 503", "", 503, "HTTP 503 from Prometheus: \"\""},
	{NULL, NULL, 0, NULL}
};

static void test_prom__decode_errors(void **state)
{
	const struct decode_fail *c;

	(void)state;
	for (c = decode_fails; c->name; c++) {
		struct pt_prom_result *r = (struct pt_prom_result *)1;
		struct pt_error err = {0, ""};
		int rc = pt_prom_decode(&r, c->body, strlen(c->body), c->status, &err);

		if (rc != PT_ENET || err.code != PT_ENET || r != NULL)
			fail_msg("%s: rc %d, code %d, msg \"%s\"", c->name, rc, err.code, err.msg);
		if (strstr(err.msg, c->msg) == NULL)
			fail_msg("%s: \"%s\" not in \"%s\"", c->name, c->msg, err.msg);
		/* One line, always. */
		assert_null(strchr(err.msg, '\n'));
	}
}

/* The body is read only up to len: no NUL needed, nothing past it. */
static void test_prom__decode_length(void **state)
{
	const char *body = OK_VECTOR("[]") "garbage after the answer";
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_prom_decode(&r, body, strlen(OK_VECTOR("[]")), 200, &err), PT_OK);
	assert_int_equal(r->nseries, 0);
	pt_prom_result_free(r);
	pt_prom_result_free(NULL);
}

/* ---- targets ------------------------------------------------------------ */

#define TARGETS_BODY \
	"{\"status\":\"success\",\"data\":{\"activeTargets\":[" \
	"{\"discoveredLabels\":{\"__address__\":\"gpu01:9100\",\"job\":\"node\"}," \
	"\"labels\":{\"instance\":\"gpu01:9100\",\"job\":\"node\"},\"scrapePool\":\"node\"," \
	"\"scrapeUrl\":\"http://gpu01:9100/metrics\",\"globalUrl\":\"http://gpu01:9100/metrics\"," \
	"\"lastError\":\"\",\"lastScrape\":\"2026-11-21T10:00:00.123456789Z\"," \
	"\"lastScrapeDuration\":0.012,\"health\":\"up\",\"scrapeInterval\":\"15s\",\"scrapeTimeout\":\"10s\"}," \
	"{\"discoveredLabels\":{\"__address__\":\"gpu02:9835\"}," \
	"\"labels\":{\"instance\":\"gpu02:9835\",\"job\":\"gpu\"},\"scrapePool\":\"gpu\"," \
	"\"scrapeUrl\":\"http://gpu02:9835/metrics\",\"lastError\":\"Get \\\"http://gpu02:9835/metrics\\\": " \
	"dial tcp 10.0.0.2:9835: connect: connection refused\"," \
	"\"lastScrape\":\"2026-11-21T11:00:00.5+01:00\",\"health\":\"down\",\"scrapeInterval\":\"1m\"}," \
	"{\"discoveredLabels\":{\"__address__\":\"gpu03:9100\"}," \
	"\"labels\":{\"job\":\"node\"},\"scrapePool\":\"node\"," \
	"\"scrapeUrl\":\"http://gpu03:9100/metrics\",\"lastError\":\"\"," \
	"\"lastScrape\":\"0001-01-01T00:00:00Z\",\"health\":\"unknown\",\"scrapeInterval\":\"15s\"}" \
	"],\"droppedTargets\":[]}}"

static void test_prom__targets(void **state)
{
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_targets_decode(&t, TARGETS_BODY, strlen(TARGETS_BODY), 200, &err), PT_OK);
	assert_int_equal(t->n, 3);

	assert_string_equal(t->items[0].job, "node");
	assert_string_equal(t->items[0].instance, "gpu01:9100");
	assert_string_equal(t->items[0].health, "up");
	assert_string_equal(t->items[0].last_error, "");
	assert_string_equal(t->items[0].scrape_url, "http://gpu01:9100/metrics");
	/* 2026-11-21T10:00:00Z = 1795255200 s; nanoseconds round to the millisecond. */
	assert_int_equal(t->items[0].last_scrape_ms, INT64_C(1795255200123));
	assert_int_equal(t->items[0].scrape_interval_ms, 15000);
	assert_int_equal(t->items[0].nlabels, 2);

	/* A target down, with its error. */
	assert_string_equal(t->items[1].job, "gpu");
	assert_string_equal(t->items[1].health, "down");
	assert_string_equal(t->items[1].last_error,
			"Get \"http://gpu02:9835/metrics\": dial tcp 10.0.0.2:9835: connect: connection refused");
	assert_int_equal(t->items[1].last_scrape_ms, INT64_C(1795255200500));
	assert_int_equal(t->items[1].scrape_interval_ms, 60000);

	/* Never scraped, no instance label: the address it was discovered at. */
	assert_string_equal(t->items[2].instance, "gpu03:9100");
	assert_string_equal(t->items[2].health, "unknown");
	assert_int_equal(t->items[2].last_scrape_ms, 0);
	pt_targets_free(t);
	pt_targets_free(NULL);
}

/* vmagent's targets: no "scrapeInterval", the interval in the discovered
 * labels (as its answer of version 1.79 has it). */
static void test_prom__targets_vmagent(void **state)
{
	static const char body[] =
		"{\"status\":\"success\",\"data\":{\"activeTargets\":[{\"discoveredLabels\":"
		"{\"__address__\":\"127.0.0.1:18429\",\"__metrics_path__\":\"/metrics\",\"__scheme__\":\"http\","
		"\"__scrape_interval__\":\"1s\",\"__scrape_timeout__\":\"1s\",\"job\":\"self\"},"
		"\"labels\":{\"instance\":\"127.0.0.1:18429\",\"job\":\"self\"},\"scrapePool\":\"self\","
		"\"scrapeUrl\":\"http://127.0.0.1:18429/metrics\",\"lastError\":\"\","
		"\"lastScrape\":\"2026-12-02T10:28:10.248Z\",\"lastScrapeDuration\":0.003,"
		"\"lastSamplesScraped\":534,\"health\":\"up\"}],\"droppedTargets\":[]}}";
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_targets_decode(&t, body, strlen(body), 200, &err), PT_OK);
	assert_int_equal(t->n, 1);
	assert_string_equal(t->items[0].job, "self");
	assert_string_equal(t->items[0].health, "up");
	assert_int_equal(t->items[0].scrape_interval_ms, 1000);
	assert_true(t->items[0].last_scrape_ms > 0);
	pt_targets_free(t);
}

static void test_prom__targets_errors(void **state)
{
	static const struct decode_fail cases[] = {
		{"no activeTargets", "{\"status\":\"success\",\"data\":{}}", 200,
			"no \"data.activeTargets\" array"},
		{"target not object", "{\"status\":\"success\",\"data\":{\"activeTargets\":[1]}}", 200,
			"a target is not an object"},
		{"html", "<!DOCTYPE html><html>", 200, "starts with \"<!DOCTYPE html><html>\""},
		{"403", "Forbidden", 403, "HTTP 403 from Prometheus (check bearer_token_file or basic_auth)"},
		{NULL, NULL, 0, NULL}
	};
	const struct decode_fail *c;

	(void)state;
	for (c = cases; c->name; c++) {
		struct pt_targets *t = NULL;
		struct pt_error err = {0, ""};

		if (pt_targets_decode(&t, c->body, strlen(c->body), c->status, &err) != PT_ENET || t)
			fail_msg("%s: decoded (%s)", c->name, err.msg);
		if (strstr(err.msg, c->msg) == NULL)
			fail_msg("%s: \"%s\" not in \"%s\"", c->name, c->msg, err.msg);
	}
}

static void test_prom__targets_empty(void **state)
{
	const char *body = "{\"status\":\"success\",\"data\":{\"activeTargets\":[],\"droppedTargets\":[]}}";
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_targets_decode(&t, body, strlen(body), 200, &err), PT_OK);
	assert_int_equal(t->n, 0);
	pt_targets_free(t);
}

/* ---- forms -------------------------------------------------------------- */

static void test_prom__forms(void **state)
{
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};

	(void)state;
	assert_int_equal(pt_prom_query_form(&b, "sum by (instance) (rate(x{job=\"n\"}[5m]))",
			INT64_C(1763719200250), &err), PT_OK);
	assert_string_equal(b.data, "query=sum%20by%20%28instance%29%20%28rate%28x%7Bjob%3D%22n%22%7D"
			"%5B5m%5D%29%29&time=1763719200.250");
	pt_buf_reset(&b);
	assert_int_equal(pt_prom_query_form(&b, "up", INT64_C(1763719200000), &err), PT_OK);
	assert_string_equal(b.data, "query=up&time=1763719200.000");
	pt_buf_reset(&b);
	assert_int_equal(pt_prom_query_form(&b, "up", INT64_C(-1500), &err), PT_OK);
	assert_string_equal(b.data, "query=up&time=-1.500");
	pt_buf_reset(&b);
	assert_int_equal(pt_prom_range_form(&b, "up", INT64_C(1763719200000), INT64_C(1763722800005),
			15000, &err), PT_OK);
	assert_string_equal(b.data, "query=up&start=1763719200.000&end=1763722800.005&step=15.000");
	pt_buf_free(&b);
}

/* ---- the client, against a canned server -------------------------------- */

static const char vector_up[] = OK_VECTOR(
	"[{\"metric\":{\"instance\":\"gpu01:9100\",\"job\":\"node\"},\"value\":[1763719200.25,\"1\"]}]");

/* Path prefixes pick the server's personality: /prom is Prometheus behind a
 * path prefix, /vm a store without buildinfo, /html a login proxy. */
static void prom_handler(struct fake_server *s, const struct fake_req *r, struct fake_resp *resp)
{
	(void)fake_hit(s, r->path);
	if (strcmp(r->path, "/prom/api/v1/query") == 0 || strcmp(r->path, "/vm/api/v1/query") == 0) {
		if (strstr(r->body, "query=bad") == r->body) {
			resp->status = 400;
			resp->body = "{\"status\":\"error\",\"errorType\":\"bad_data\","
				"\"error\":\"1:4: parse error: unexpected end of input\"}";
		} else {
			resp->body = vector_up;
		}
	} else if (strcmp(r->path, "/prom/api/v1/targets?state=active") == 0) {
		resp->body = TARGETS_BODY;
	} else if (strcmp(r->path, "/prom/api/v1/status/buildinfo") == 0) {
		resp->body = "{\"status\":\"success\",\"data\":{\"version\":\"2.45.3\",\"revision\":\"x\"}}";
	} else if (strcmp(r->path, "/mimir/api/v1/status/buildinfo") == 0) {
		resp->body = "{\"status\":\"success\",\"data\":{\"application\":\"Grafana Mimir\","
			"\"version\":\"2.17.1\",\"revision\":\"x\"}}";
	} else if (strncmp(r->path, "/html/", 6) == 0) {
		resp->content_type = "text/html";
		resp->body = "<html><body>Please sign in</body></html>";
	} else {
		resp->status = 404;
		resp->content_type = "text/plain";
		resp->body = "404 page not found\n";
	}
}

static int setup(void **state)
{
	struct fake_server *s = calloc(1, sizeof(*s));

	if (s == NULL || fake_start(s, prom_handler, NULL) != 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	fake_stop(*state);
	free(*state);
	return 0;
}

static struct pt_prom *open_prom(const struct fake_server *s, const char *prefix)
{
	struct pt_http_opts o = {0};
	struct pt_error err = {0, ""};
	struct pt_prom *p = NULL;
	char url[128];

	o.backoff_ms = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, prefix);
	if (pt_prom_new(&p, url, &o, &err) != PT_OK)
		fail_msg("pt_prom_new: %s", err.msg);
	return p;
}

static void test_prom__client_query(void **state)
{
	struct fake_server *s = *state;
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};
	struct pt_prom *p;
	struct fake_req req;
	char base[64];

	/* Trailing slashes go; the path prefix stays. */
	p = open_prom(s, "/prom//");
	snprintf(base, sizeof(base), "http://127.0.0.1:%d/prom", s->port);
	assert_string_equal(pt_prom_base_url(p), base);
	assert_non_null(pt_prom_http(p));

	assert_int_equal(pt_prom_query(&r, p, "up{job=\"node\"}", INT64_C(1763719200250), &err), PT_OK);
	assert_int_equal(r->type, PT_PROM_VECTOR);
	assert_int_equal(r->nseries, 1);
	assert_string_equal(pt_series_label(&r->series[0], "instance"), "gpu01:9100");
	pt_prom_result_free(r);
	assert_true(fake_request(s, 0, &req));
	assert_string_equal(req.method, "POST");
	assert_string_equal(req.path, "/prom/api/v1/query");
	assert_string_equal(req.body, "query=up%7Bjob%3D%22node%22%7D&time=1763719200.250");
	free(req.head);
	free(req.body);
	pt_prom_free(p);
	pt_prom_free(NULL);
}

static void test_prom__client_errors_name_url(void **state)
{
	struct fake_server *s = *state;
	struct pt_prom_result *r = NULL;
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};
	struct pt_prom *p;
	char want[256];

	p = open_prom(s, "/prom");
	assert_int_equal(pt_prom_query(&r, p, "bad(", 0, &err), PT_ENET);
	assert_null(r);
	snprintf(want, sizeof(want), "Prometheus error (bad_data): 1:4: parse error: unexpected end "
			"of input (HTTP 400 from http://127.0.0.1:%d/prom/api/v1/query)", s->port);
	assert_string_equal(err.msg, want);
	pt_prom_free(p);

	p = open_prom(s, "/html");
	assert_int_equal(pt_prom_query(&r, p, "up", 0, &err), PT_ENET);
	snprintf(want, sizeof(want), "answer from http://127.0.0.1:%d/html/api/v1/query is not "
			"Prometheus JSON (HTTP 200, starts with \"<html><body>Please sign in</body></html>\")",
			s->port);
	assert_string_equal(err.msg, want);
	assert_int_equal(pt_prom_targets(&t, p, &err), PT_ENET);
	assert_null(t);
	assert_contains(err.msg, "/html/api/v1/targets?state=active is not Prometheus JSON");
	pt_prom_free(p);

	/* A wrong path prefix: the 404 says where it looked. */
	p = open_prom(s, "/nope");
	assert_int_equal(pt_prom_query(&r, p, "up", 0, &err), PT_ENET);
	snprintf(want, sizeof(want), "HTTP 404 from http://127.0.0.1:%d/nope/api/v1/query (check "
			"prometheus.url and its path prefix): \"404 page not found\"", s->port);
	assert_string_equal(err.msg, want);
	pt_prom_free(p);
}

static void test_prom__client_targets(void **state)
{
	struct fake_server *s = *state;
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};
	struct pt_prom *p;

	p = open_prom(s, "/prom");
	assert_int_equal(pt_prom_targets(&t, p, &err), PT_OK);
	assert_int_equal(t->n, 3);
	assert_string_equal(t->items[1].health, "down");
	pt_targets_free(t);
	pt_prom_free(p);
}

static void test_prom__client_buildinfo(void **state)
{
	struct fake_server *s = *state;
	struct pt_error err = {0, ""};
	struct pt_prom *p;
	char *v = NULL;

	p = open_prom(s, "/prom");
	assert_int_equal(pt_prom_buildinfo(&v, p, &err), PT_OK);
	assert_string_equal(v, "2.45.3");
	free(v);
	pt_prom_free(p);

	/* Mimir's own version, named so that nobody takes it for Prometheus'. */
	p = open_prom(s, "/mimir");
	assert_int_equal(pt_prom_buildinfo(&v, p, &err), PT_OK);
	assert_string_equal(v, "Grafana Mimir 2.17.1");
	free(v);
	pt_prom_free(p);

	/* No buildinfo, but queries work: version unknown, not an error. */
	p = open_prom(s, "/vm");
	assert_int_equal(pt_prom_buildinfo(&v, p, &err), PT_OK);
	assert_string_equal(v, "unknown");
	free(v);
	assert_int_equal(fake_hits(s, "/vm/api/v1/query"), 1);
	pt_prom_free(p);

	/* Neither works: the query's error is the one reported. */
	p = open_prom(s, "/nope");
	v = NULL;
	assert_int_equal(pt_prom_buildinfo(&v, p, &err), PT_ENET);
	assert_null(v);
	assert_contains(err.msg, "HTTP 404 from");
	assert_contains(err.msg, "/nope/api/v1/query");
	pt_prom_free(p);
}

static void test_prom__client_unreachable(void **state)
{
	struct pt_http_opts o = {0};
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};
	struct pt_prom *p = NULL;
	char url[64], want[128];
	int port = fake_closed_port();

	(void)state;
	o.backoff_ms = 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	assert_int_equal(pt_prom_new(&p, url, &o, &err), PT_OK);
	assert_int_equal(pt_prom_query(&r, p, "up", 0, &err), PT_ENET);
	snprintf(want, sizeof(want), "cannot reach http://127.0.0.1:%d/api/v1/query: Failed to connect",
			port);
	assert_contains(err.msg, want);
	pt_prom_free(p);
}

static void test_prom__new_bad_url(void **state)
{
	static const char *const bad[] = {"", "127.0.0.1:9090", "ftp://h/", "file:///etc/passwd", NULL};
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		struct pt_error err = {0, ""};
		struct pt_prom *p = (struct pt_prom *)1;

		assert_int_equal(pt_prom_new(&p, bad[i], NULL, &err), PT_EUSAGE);
		assert_null(p);
		assert_contains(err.msg, "must start with http:// or https://");
	}
}

/* ---- captured answers from a live Prometheus, when present --------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
			&& (data = malloc((size_t)n + 1)) != NULL) {
		*len = fread(data, 1, (size_t)n, f);
		data[*len] = '\0';
	}
	fclose(f);
	return data;
}

/* A captured body and the HTTP status it came with (NAME.json, NAME.status). */
static char *fixture(const char *name, size_t *len, long *status)
{
	char path[1024], *st, *body;
	size_t n = 0;

	/* .json, or .html for the answer that is not JSON. */
	snprintf(path, sizeof(path), "%s/prom/%s.json", PT_FIXTURES, name);
	if ((body = slurp(path, len)) == NULL) {
		snprintf(path, sizeof(path), "%s/prom/%s.html", PT_FIXTURES, name);
		if ((body = slurp(path, len)) == NULL)
			fail_msg("cannot read %s/prom/%s.json or .html", PT_FIXTURES, name);
	}
	snprintf(path, sizeof(path), "%s/prom/%s.status", PT_FIXTURES, name);
	*status = (st = slurp(path, &n)) ? strtol(st, NULL, 10) : 200;
	free(st);
	return body;
}

/* Answers captured from a live Prometheus 2.42 (tests/fixtures/prom/README.md):
 * each decodes, or fails with the message a user should see. */
static const struct fixture_case {
	const char *name;
	int targets;     /* decode as /api/v1/targets */
	int code;
	enum pt_prom_type type;
	size_t nseries;
	const char *msg; /* for failures: a piece of the message */
} fixture_cases[] = {
	{"query_vector", 0, PT_OK, PT_PROM_VECTOR, 3, NULL},
	{"query_vector_empty", 0, PT_OK, PT_PROM_VECTOR, 0, NULL},
	{"query_matrix", 0, PT_OK, PT_PROM_MATRIX, 1, NULL},
	{"query_range_matrix", 0, PT_OK, PT_PROM_MATRIX, 2, NULL},
	{"query_scalar", 0, PT_OK, PT_PROM_SCALAR, 1, NULL},
	{"query_scalar_nan", 0, PT_OK, PT_PROM_SCALAR, 1, NULL},
	{"query_string", 0, PT_OK, PT_PROM_STRING, 1, NULL},
	{"query_nan_inf", 0, PT_OK, PT_PROM_VECTOR, 3, NULL},
	{"query_error_parse", 0, PT_ENET, 0, 0,
		"Prometheus error (bad_data): invalid parameter \"query\": "},
	{"query_error_execution", 0, PT_ENET, 0, 0,
		"Prometheus error (execution): found duplicate series for the match group"},
	{"query_range_error_step", 0, PT_ENET, 0, 0,
		"Prometheus error (bad_data): invalid parameter \"step\": zero or negative"},
	{"not_prometheus", 0, PT_ENET, 0, 0,
		"answer is not Prometheus JSON (HTTP 200, starts with \"<html> <head><title>Node Exporter"},
	{"not_prometheus", 1, PT_ENET, 0, 0, "answer is not Prometheus JSON (HTTP 200, starts with"},
	{"targets_one_down", 1, PT_OK, 0, 3, NULL},
	{"buildinfo", 0, PT_ENET, 0, 0, "no \"data.resultType\""},
	{NULL, 0, 0, 0, 0, NULL}
};

static void test_prom__fixtures(void **state)
{
	const struct fixture_case *c;

	(void)state;
	for (c = fixture_cases; c->name; c++) {
		struct pt_prom_result *r = NULL;
		struct pt_targets *t = NULL;
		struct pt_error err = {0, ""};
		size_t len = 0, n = 0;
		long status;
		char *body = fixture(c->name, &len, &status);
		int rc;

		if (c->targets) {
			rc = pt_targets_decode(&t, body, len, status, &err);
			n = t ? t->n : 0;
		} else {
			rc = pt_prom_decode(&r, body, len, status, &err);
			n = r ? r->nseries : 0;
		}
		if (rc != c->code)
			fail_msg("%s: rc %d (%s)", c->name, rc, err.msg);
		if (c->msg && strstr(err.msg, c->msg) == NULL)
			fail_msg("%s: \"%s\" not in \"%s\"", c->name, c->msg, err.msg);
		if (rc == PT_OK && n != c->nseries)
			fail_msg("%s: %zu series/targets, expected %zu", c->name, n, c->nseries);
		if (r && r->type != c->type)
			fail_msg("%s: type %d, expected %d", c->name, (int)r->type, (int)c->type);
		pt_prom_result_free(r);
		pt_targets_free(t);
		free(body);
	}
}

static void test_prom__fixture_values(void **state)
{
	struct pt_prom_result *r = NULL;
	struct pt_targets *t = NULL;
	struct pt_error err = {0, ""};
	size_t len, i;
	long status;
	char *body;

	(void)state;
	body = fixture("query_nan_inf", &len, &status);
	assert_int_equal(pt_prom_decode(&r, body, len, status, &err), PT_OK);
	for (i = 0; i < r->nseries; i++) {
		const char *v = pt_series_label(&r->series[i], "v");
		double x = r->series[i].samples[0].v;

		assert_non_null(v);
		if (strcmp(v, "nan") == 0)
			assert_true(isnan(x));
		else if (strcmp(v, "+inf") == 0)
			assert_true(isinf(x) && x > 0);
		else
			assert_true(isinf(x) && x < 0);
		/* Capture times change with each capture: same instant, ms kept. */
		assert_int_equal(r->series[i].samples[0].t_ms, r->series[0].samples[0].t_ms);
		assert_true(r->series[i].samples[0].t_ms > INT64_C(1700000000000));
	}
	pt_prom_result_free(r);
	free(body);

	body = fixture("query_scalar", &len, &status);
	assert_int_equal(pt_prom_decode(&r, body, len, status, &err), PT_OK);
	assert_true(r->series[0].samples[0].v == 1.25);
	pt_prom_result_free(r);
	free(body);

	body = fixture("query_string", &len, &status);
	assert_int_equal(pt_prom_decode(&r, body, len, status, &err), PT_OK);
	assert_string_equal(pt_series_label(&r->series[0], "__value__"), "abc");
	pt_prom_result_free(r);
	free(body);

	body = fixture("targets_one_down", &len, &status);
	assert_int_equal(pt_targets_decode(&t, body, len, status, &err), PT_OK);
	for (i = 0; i < t->n; i++) {
		const struct pt_target *x = &t->items[i];

		assert_true(x->last_scrape_ms > INT64_C(1700000000000));
		assert_int_equal(x->scrape_interval_ms, 1000);
		if (strcmp(x->job, "extra") == 0) {
			assert_string_equal(x->health, "down");
			assert_contains(x->last_error, "connect: connection refused");
		} else {
			assert_string_equal(x->health, "up");
			assert_string_equal(x->last_error, "");
		}
	}
	pt_targets_free(t);
	free(body);
}

/* ---- the fast path against the cJSON decoder ----------------------------- */

/* Two results are the same: type, series, labels in order, samples bit for
 * bit (any NaN equals any NaN), warnings. */
static void same_result(const struct pt_prom_result *a, const struct pt_prom_result *b,
		const char *what)
{
	size_t i, j;

	if (a->type != b->type || a->nseries != b->nseries || a->nwarnings != b->nwarnings)
		fail_msg("%s: type %d/%d, %zu/%zu series, %zu/%zu warnings", what, (int)a->type,
				(int)b->type, a->nseries, b->nseries, a->nwarnings, b->nwarnings);
	for (i = 0; i < a->nwarnings; i++)
		if (strcmp(a->warnings[i], b->warnings[i]) != 0)
			fail_msg("%s: warning %zu '%s' vs '%s'", what, i, a->warnings[i], b->warnings[i]);
	for (i = 0; i < a->nseries; i++) {
		const struct pt_series *x = &a->series[i], *y = &b->series[i];

		if (x->nlabels != y->nlabels || x->nsamples != y->nsamples)
			fail_msg("%s: series %zu: %zu/%zu labels, %zu/%zu samples", what, i, x->nlabels,
					y->nlabels, x->nsamples, y->nsamples);
		if ((x->labels == NULL) != (y->labels == NULL) || (x->samples == NULL) != (y->samples == NULL))
			fail_msg("%s: series %zu: empty arrays differ", what, i);
		for (j = 0; j < x->nlabels; j++)
			if (strcmp(x->labels[j].name, y->labels[j].name) != 0 ||
					strcmp(x->labels[j].value, y->labels[j].value) != 0)
				fail_msg("%s: series %zu label %zu: %s=%s vs %s=%s", what, i, j,
						x->labels[j].name, x->labels[j].value, y->labels[j].name,
						y->labels[j].value);
		for (j = 0; j < x->nsamples; j++) {
			const struct pt_sample *p = &x->samples[j], *q = &y->samples[j];
			if (p->t_ms != q->t_ms || !(memcmp(&p->v, &q->v, sizeof(double)) == 0 ||
					(isnan(p->v) && isnan(q->v))))
				fail_msg("%s: series %zu sample %zu: %lld %.17g vs %lld %.17g", what, i, j,
						(long long)p->t_ms, p->v, (long long)q->t_ms, q->v);
		}
	}
}

/* Decodes body both ways. Returns 1 when the fast path read it (and then
 * the results are the same), 0 when it declined. Either way pt_prom_decode
 * answers as the cJSON decoder does, errors included. */
static int both_ways(const char *body, size_t len, long status, const char *what)
{
	struct pt_prom_result *f = NULL, *j = NULL, *d = NULL;
	struct pt_error ef = {0, ""}, ej = {0, ""}, ed = {0, ""};
	int rf, rj, rd, accepted;

	rf = pt_prom_decode_fast(&f, body, len, status, &ef);
	rj = pt_prom_decode_json(&j, body, len, status, &ej);
	rd = pt_prom_decode(&d, body, len, status, &ed);
	if (rf != PT_OK)
		fail_msg("%s: fast path failed: %s", what, ef.msg);
	accepted = f != NULL;
	if (accepted && rj != PT_OK)
		fail_msg("%s: fast path read what cJSON refuses (%s)", what, ej.msg);
	if (rd != rj || strcmp(ed.msg, ej.msg) != 0)
		fail_msg("%s: decode %d '%s' vs cJSON %d '%s'", what, rd, ed.msg, rj, ej.msg);
	if (accepted)
		same_result(f, j, what);
	if (rj == PT_OK)
		same_result(d, j, what);
	pt_prom_result_free(f);
	pt_prom_result_free(j);
	pt_prom_result_free(d);
	return accepted;
}

#define MATRIX(result) \
	"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":" result "}}"

static void test_prom__fast_cases(void **state)
{
	static const struct {
		const char *body;
		long status;
		int fast; /* the fast path reads it (1) or leaves it to cJSON (0) */
	} cases[] = {
		/* what stores send */
		{MATRIX("[{\"metric\":{\"instance\":\"n1:9100\",\"uuid\":\"GPU-1\"},"
			"\"values\":[[1763719200,\"0.25\"],[1763719215.5,\"1e3\"],[1763719230.125,\"NaN\"],"
			"[1763719245.001,\"+Inf\"],[1763719260,\"-Inf\"],[1763719275,\"-0\"]]}]"), 200, 1},
		{OK_VECTOR("[{\"metric\":{},\"value\":[1763719200.25,\"1\"]}]"), 200, 1},
		{OK_VECTOR("[]"), 200, 1},
		{MATRIX("[]"), 200, 1},
		{MATRIX("[{\"metric\":{\"a\":\"b\"},\"values\":[]}]"), 200, 1},
		{MATRIX("[{\"values\":[[1,\"2\"]]}]"), 200, 1},
		{" \n{ \"status\" : \"success\" ,\r\n\t\"data\" : { \"resultType\" : \"matrix\" , "
			"\"result\" : [ { \"metric\" : { \"a\" : \"b\" } , \"values\" : [ [ 1 , \"2\" ] , "
			"[ 2.5 , \"3\" ] ] } ] } } ", 200, 1},
		/* any key order; other keys skipped, as cJSON skips them */
		{"{\"data\":{\"result\":[{\"values\":[[1,\"2\"]],\"metric\":{\"x\":\"y\"}}],"
			"\"resultType\":\"matrix\"},\"status\":\"success\"}", 200, 1},
		{"{\"status\":\"success\",\"isPartial\":false,\"data\":{\"resultType\":\"vector\","
			"\"result\":[{\"metric\":{},\"value\":[1,\"2\"],\"extra\":[{\"a\":[1,-2.5e-3,true,"
			"null,\"\\u00e9\"]},{}]}],\"stats\":{\"x\":[]}},\"infos\":[\"i\"]}", 200, 1},
		{"{\"status\":\"success\",\"warnings\":[\"w1\",7,\"w\\\"2\"],\"data\":{\"resultType\":"
			"\"vector\",\"result\":[]}}", 200, 1},
		{"{\"status\":\"success\",\"warnings\":\"not a list\",\"data\":{\"resultType\":"
			"\"vector\",\"result\":[]}}", 200, 1},
		/* escapes in label values and names */
		{MATRIX("[{\"metric\":{\"q\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\",\"u\\u0041\":\"\\u00e9\\u20ac"
			"\\ud83d\\ude00\",\"raw\":\"\xc3\xa9\"},\"values\":[[1,\"2\"]]}]"), 200, 1},
		/* numbers in every form strtod reads */
		{MATRIX("[{\"values\":[[1,\"0.1\"],[2,\"1.7976931348623157e308\"],[3,\"4.9e-324\"],"
			"[4,\"123456789012345678901234567890\"],[5,\"0.30000000000000004\"],[6,\"1.\"],"
			"[7,\".5\"],[8,\"+1\"],[9,\"0x10\"],[10,\"inf\"],[11,\"nan\"],[12,\"1e400\"],"
			"[13,\"9007199254740993\"],[14,\"1e-22\"],[15,\"1e23\"],[16,\"-0.000\"],[17,2.5]]}]"),
			200, 1},
		/* times: float seconds, rounded to ms as cJSON's double would be */
		{MATRIX("[{\"values\":[[1763719200.0005,\"1\"],[1763719200.12345,\"1\"],[-1.5,\"1\"],"
			"[1.7637192e9,\"1\"],[0,\"1\"],[1763719200.999,\"1\"],[99999999999999,\"1\"]]}]"),
			200, 1},
		/* trailing bytes after the document: cJSON does not read them either */
		{OK_VECTOR("[]") "garbage", 200, 1},
		/* the fast path leaves these to cJSON */
		{"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\"}", 400, 0},
		{"{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}",
			200, 0},
		{"{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"a\"]}}",
			200, 0},
		{MATRIX("[{\"metric\":{},\"histograms\":[[1,{\"count\":\"1\"}]]}]"), 200, 0},
		{OK_VECTOR("[{\"metric\":{},\"histogram\":[1,{\"count\":\"1\"}]}]"), 200, 0},
		{OK_VECTOR("[]"), 503, 0},
		{"{\"status\":\"success\",\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
			"\"result\":[]}}", 200, 0},
		{"{\"st\\u0061tus\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
			200, 0},
		{MATRIX("[{\"metric\":{\"a\":\"\\u0000\"},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{\"a\":\"\\ud83d\"},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{\"a\":\"\\ude00\"},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{\"a\":\"\\x\"},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{\"a\":\"tab\there\"},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{\"a\":1},\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":null,\"values\":[]}]"), 200, 0},
		{MATRIX("[{\"metric\":{},\"value\":[1,\"2\"]}]"), 200, 0},
		{OK_VECTOR("[{\"metric\":{},\"values\":[[1,\"2\"]]}]"), 200, 0},
		{OK_VECTOR("[{\"metric\":{},\"value\":[1,\"2\"],\"values\":[]}]"), 200, 0},
		{OK_VECTOR("[{\"metric\":{}}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\" 2\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"2x\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"\\u0032\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[\"1\",\"2\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[01,\"2\"]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"2\",3]]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"2\"],]}]"), 200, 0},
		{MATRIX("[{\"values\":[[1,\"2\"]]},]"), 200, 0},
		{"\xEF\xBB\xBF" OK_VECTOR("[]"), 200, 0},
		{"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}", 200, 0},
		{"{\"status\":\"success\"}", 200, 0},
		{"[]", 200, 0},
		{"", 200, 0},
		{NULL, 0, 0}
	};
	size_t i;
	char what[32];

	(void)state;
	for (i = 0; cases[i].body; i++) {
		snprintf(what, sizeof(what), "case %zu", i);
		if (both_ways(cases[i].body, strlen(cases[i].body), cases[i].status, what) != cases[i].fast)
			fail_msg("case %zu: fast path %s it", i, cases[i].fast ? "declined" : "read");
	}
}

static void test_prom__fast_escapes(void **state)
{
	struct pt_prom_result *r = NULL;
	struct pt_error err = {0, ""};
	const char *body = MATRIX("[{\"metric\":{\"q\":\"a\\\"b\\\\c\\n\",\"e\":\"\\u00e9\\ud83d\\ude00\"},"
		"\"values\":[[1763719200.5,\"NaN\"],[1763719215,\"-Inf\"],[1763719230,\"0.1\"]]}]");

	(void)state;
	assert_int_equal(pt_prom_decode_fast(&r, body, strlen(body), 200, &err), PT_OK);
	assert_non_null(r);
	assert_string_equal(pt_series_label(&r->series[0], "q"), "a\"b\\c\n");
	assert_string_equal(pt_series_label(&r->series[0], "e"), "\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(r->series[0].samples[0].t_ms, INT64_C(1763719200500));
	assert_true(isnan(r->series[0].samples[0].v));
	assert_true(isinf(r->series[0].samples[1].v) && r->series[0].samples[1].v < 0);
	assert_true(r->series[0].samples[2].v == 0.1);
	pt_prom_result_free(r);
}

/* Sample times with more digits than the exact path reads (issue: signed
 * overflow in the digit loops, found by libFuzzer with UBSan): the same
 * times as cJSON + strtod give, no overflow on the way. */
static void test_prom__fast_long_times(void **state)
{
	static const struct {
		const char *t;
		int64_t ms;
	} cases[] = {
		{"1.4000000000000000000000002", 1400},
		{"1763719200.12345678901234567890123", INT64_C(1763719200123)},
		{"1763719200.0000000000000000000000000000000000000000001", INT64_C(1763719200000)},
		{"0000000000000000000000000000001763719200", INT64_C(1763719200000)},
		{"9999999999", INT64_C(9999999999000)},
	};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_prom_result *r = NULL;
		struct pt_error err = {0, ""};

		snprintf(body, sizeof(body), "{\"status\":\"success\",\"data\":{\"resultType\":"
				"\"vector\",\"result\":[{\"metric\":{},\"value\":[%s,\"1\"]}]}}", cases[i].t);
		both_ways(body, strlen(body), 200, cases[i].t);
		assert_int_equal(pt_prom_decode(&r, body, strlen(body), 200, &err), PT_OK);
		assert_int_equal(r->series[0].samples[0].t_ms, cases[i].ms);
		pt_prom_result_free(r);
	}
	/* Times no int64 of milliseconds holds are refused by both decoders alike. */
	snprintf(body, sizeof(body), "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"vector\",\"result\":[{\"metric\":{},\"value\":[%s,\"1\"]}]}}",
			"123456789012345678901234567890");
	both_ways(body, strlen(body), 200, "huge time");
}

static void test_prom__fast_fixtures(void **state)
{
	const struct fixture_case *c;

	(void)state;
	for (c = fixture_cases; c->name; c++) {
		size_t len = 0;
		long status;
		char *body = fixture(c->name, &len, &status);
		int fast = both_ways(body, len, status, c->name);

		/* Every successful vector and matrix capture takes the fast path. */
		if (!c->targets && c->code == PT_OK &&
				(c->type == PT_PROM_VECTOR || c->type == PT_PROM_MATRIX) && !fast)
			fail_msg("%s: the fast path declined it", c->name);
		free(body);
	}
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A matrix answer as a store could write it: values in every format a
 * float64 is printed in, times with 0 to 3 decimals (some with more). */
static void gen_matrix(struct pt_buf *b, int nseries, int npoints)
{
	struct pt_error err = {0, ""};
	int i, j;

	pt_buf_reset(b);
	assert_int_equal(pt_buf_printf(b, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"matrix\",\"result\":["), PT_OK);
	for (i = 0; i < nseries; i++) {
		double t = 1763719200.0 + (double)(rnd() % 100000) / 1000.0;

		assert_int_equal(pt_buf_printf(b, &err, "%s{\"metric\":{\"instance\":\"node%04d:9100\","
				"\"uuid\":\"GPU-%d\",\"odd\":\"\\\"q\\\" \\u00e9\"},\"values\":[", i ? "," : "", i,
				(int)(rnd() % 8)), PT_OK);
		for (j = 0; j < npoints; j++) {
			double v;
			uint64_t bits = rnd();
			char val[64];

			switch (rnd() % 8) {
			case 0: memcpy(&v, &bits, sizeof(v)); snprintf(val, sizeof(val), "%.17g", v); break;
			case 1: v = (double)(bits % 1000000) / 1000.0; snprintf(val, sizeof(val), "%g", v); break;
			case 2: v = (double)(bits % 100000000) / 1e8; snprintf(val, sizeof(val), "%.17g", v); break;
			case 3: snprintf(val, sizeof(val), "%llu", (unsigned long long)(bits % 100000000000ULL)); break;
			case 4: snprintf(val, sizeof(val), "%s", (const char *[]){"NaN", "+Inf", "-Inf", "0",
				"-0", "1e-7", "5e+20"}[bits % 7]); break;
			case 5: v = (double)(bits >> 11) * 0x1p-40; snprintf(val, sizeof(val), "%.16g", v); break;
			case 6: v = -(double)(bits % 1000) / 7.0; snprintf(val, sizeof(val), "%.15g", v); break;
			default: v = (double)(bits % 100000) * 1e-9; snprintf(val, sizeof(val), "%.6e", v); break;
			}
			if (rnd() % 50 == 0)
				assert_int_equal(pt_buf_printf(b, &err, "%s[%.6f,\"%s\"]", j ? "," : "",
						t + j * 15 + 0.0001, val), PT_OK);
			else
				assert_int_equal(pt_buf_printf(b, &err, "%s[%.*f,\"%s\"]", j ? "," : "",
						(int)(rnd() % 4), t + j * 15, val), PT_OK);
		}
		assert_int_equal(pt_buf_printf(b, &err, "]}"), PT_OK);
	}
	assert_int_equal(pt_buf_printf(b, &err, "]}}"), PT_OK);
}

static void test_prom__fast_generated(void **state)
{
	struct pt_buf b = {0};
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		gen_matrix(&b, 1 + (int)(rnd() % 6), (int)(rnd() % 400));
		if (!both_ways(b.data, b.len, 200, "generated"))
			fail_msg("generated body %d declined", i);
	}
	pt_buf_free(&b);
}

/* Cut short at every length and with bytes changed: the fast path never
 * reads what cJSON refuses, never reads it otherwise, and never faults
 * (run under ASan in the sanitizer build). */
static void test_prom__fast_fuzz(void **state)
{
	static const char alphabet[] = "{}[]\",:\\ 0123456789.eE+-tfnul\x01\xff";
	struct pt_buf b = {0};
	char *copy;
	size_t len, i;
	int round;

	(void)state;
	gen_matrix(&b, 3, 12);
	len = b.len;
	/* An exact-size copy, so ASan sees any read past the end. */
	for (i = 0; i <= len; i++) {
		copy = malloc(i ? i : 1);
		memcpy(copy, b.data, i);
		both_ways(copy, i, 200, "truncated");
		free(copy);
	}
	for (round = 0; round < 3000; round++) {
		size_t nmut = 1 + rnd() % 4, k;

		copy = malloc(len);
		memcpy(copy, b.data, len);
		for (k = 0; k < nmut; k++) {
			size_t at = rnd() % len;
			switch (rnd() % 3) {
			case 0: copy[at] = alphabet[rnd() % (sizeof(alphabet) - 1)]; break;
			case 1: copy[at] = (char)(rnd() & 0xff); break;
			default: memmove(copy + at, copy + at + 1, len - at - 1); copy[len - 1] = ' '; break;
			}
		}
		both_ways(copy, len, 200, "mutated");
		free(copy);
	}
	pt_buf_free(&b);
}

/* Whatever the server says, an error is one printable line, and a
 * password given in a URL is not in it. */
static void test_prom__error_one_line(void **state)
{
	static const char body[] = "{\"status\":\"error\",\"errorType\":\"bad_data\","
		"\"error\":\"line1\\nline2\\r\\n\\u001b[31mred\"}";
	struct pt_prom_result *res = NULL;
	struct pt_error err = {0, ""};
	const char *p;

	(void)state;
	assert_int_equal(pt_prom_decode(&res, body, sizeof(body) - 1, 400, &err), PT_ENET);
	assert_non_null(strstr(err.msg, "line1 line2"));
	for (p = err.msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	pt_error_set(&err, PT_ENET, "cannot reach http://user:secret@host:9090/api and https://a@b/");
	assert_string_equal(err.msg, "cannot reach http://***@host:9090/api and https://*@b/");
	{
		char shown[64];
		pt_error_set(&err, PT_ENET, "at http://a@b@host:1/x");
		assert_string_equal(err.msg, "at http://***@host:1/x"); /* the last '@' ends them */
		pt_error_set(&err, PT_ENET, "cut: http://alice:SSSSSSSSSSSS"); /* before its '@' */
		assert_string_equal(err.msg, "cut: http://***");
		pt_error_set(&err, PT_ENET, "port: http://127.0.0.1:9090");
		assert_string_equal(err.msg, "port: http://127.0.0.1:9090");
		pt_url_redact(shown, sizeof(shown), "https://u:p@h/prefix");
		assert_string_equal(shown, "https://***@h/prefix");
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom__vector),
		cmocka_unit_test(test_prom__vector_nan),
		cmocka_unit_test(test_prom__empty_vector),
		cmocka_unit_test(test_prom__matrix),
		cmocka_unit_test(test_prom__plain_samples_exact),
		cmocka_unit_test(test_prom__scalar),
		cmocka_unit_test(test_prom__string),
		cmocka_unit_test(test_prom__warnings),
		cmocka_unit_test(test_prom__is_partial),
		cmocka_unit_test(test_prom__warning_join),
		cmocka_unit_test(test_prom__histogram_skipped),
		cmocka_unit_test(test_prom__decode_errors),
		cmocka_unit_test(test_prom__decode_length),
		cmocka_unit_test(test_prom__targets),
		cmocka_unit_test(test_prom__targets_vmagent),
		cmocka_unit_test(test_prom__targets_errors),
		cmocka_unit_test(test_prom__targets_empty),
		cmocka_unit_test(test_prom__forms),
		cmocka_unit_test_setup_teardown(test_prom__client_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom__client_errors_name_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom__client_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prom__client_buildinfo, setup, teardown),
		cmocka_unit_test(test_prom__client_unreachable),
		cmocka_unit_test(test_prom__new_bad_url),
		cmocka_unit_test(test_prom__fixtures),
		cmocka_unit_test(test_prom__fixture_values),
		cmocka_unit_test(test_prom__fast_cases),
		cmocka_unit_test(test_prom__fast_escapes),
		cmocka_unit_test(test_prom__fast_long_times),
		cmocka_unit_test(test_prom__fast_fixtures),
		cmocka_unit_test(test_prom__fast_generated),
		cmocka_unit_test(test_prom__fast_fuzz),
		cmocka_unit_test(test_prom__error_one_line),
	};
	int rc;

	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
