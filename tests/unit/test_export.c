/* test_export.c - export against a fake Prometheus: rows per step and node, cumulative energy, slices, nodes without data, failure. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pt_test.h"
#include "fake_http.h"

#include "csvout.h"
#include "export.h"

/* Node n1 from 0 to 8000 s: CPU 50 % busy, 1 GiB of 4 GiB used, nothing else;
 * range queries starting at fail_from_s or later get a 503. */
struct fake_prom {
	double fail_from_s;
	int ranges;
};

static double form_num(const char *body, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "%s=", key);
	for (p = body; (p = strstr(p, pat)) != NULL; p++)
		if (p == body || p[-1] == '&')
			return atof(p + strlen(pat));
	return NAN;
}

static void prom_handler(struct fake_server *s, const struct fake_req *req, struct fake_resp *resp)
{
	static char body[1 << 20];
	struct fake_prom *fp = s->user;
	double a, e, st, t;
	const char *value = NULL;
	size_t n;

	if (strcmp(req->path, "/api/v1/query_range") != 0) {
		resp->status = 404;
		resp->content_type = "text/plain";
		resp->body = "no";
		return;
	}
	fp->ranges++;
	a = form_num(req->body, "start");
	e = form_num(req->body, "end");
	st = form_num(req->body, "step");
	if (a >= fp->fail_from_s) {
		resp->status = 503;
		resp->body = "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"down\"}";
		return;
	}
	/* The query is URL-encoded; metric names survive it. */
	if (strstr(req->body, "node_cpu_seconds_total"))
		value = "0.5";
	else if (strstr(req->body, "MemAvailable"))
		value = "1073741824";
	else if (strstr(req->body, "MemTotal"))
		value = "4294967296";
	n = (size_t)snprintf(body, sizeof(body),
			"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
	if (value) {
		n += (size_t)snprintf(body + n, sizeof(body) - n,
				"{\"metric\":{\"instance\":\"n1:9100\"},\"values\":[");
		for (t = a; t <= e + 1e-6 && t < 8000 && n < sizeof(body) - 100; t += st)
			n += (size_t)snprintf(body + n, sizeof(body) - n, "%s[%.3f,\"%s\"]", t > a ? "," : "",
					t, value);
		n += (size_t)snprintf(body + n, sizeof(body) - n, "]}");
	}
	snprintf(body + n, sizeof(body) - n, "]}}");
	resp->body = body;
}

struct env {
	struct fake_server srv;
	struct fake_prom fp;
	struct pt_ctx *ctx;
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pt_http_opts ho;
	struct pt_error err = {0, ""};
	char url[64];

	if (e == NULL)
		return -1;
	e->fp.fail_from_s = 1e18;
	snprintf(e->dir, sizeof(e->dir), "/tmp/pt-test-export.XXXXXX");
	if (mkdtemp(e->dir) == NULL || fake_start(&e->srv, prom_handler, &e->fp) != 0)
		return -1;
	snprintf(e->path, sizeof(e->path), "%s/export.csv", e->dir);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", e->srv.port);
	if (pt_ctx_open_offline(&e->ctx, NULL, &err) != PT_OK)
		return -1;
	memset(&ho, 0, sizeof(ho));
	ho.backoff_ms = 10;
	if (pt_prom_new(&e->ctx->prom, url, &ho, &err) != PT_OK)
		return -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	pt_ctx_free(e->ctx);
	fake_stop(&e->srv);
	unlink(e->path);
	rmdir(e->dir);
	free(e);
	return 0;
}

static char *run_export(struct env *e, struct pt_export_result *res, int64_t start_s,
		int64_t end_s, int64_t step_ms, int64_t chunk_ms, const char *const *nodes,
		size_t nnodes, int *rc)
{
	struct pt_export_opts o;
	struct pt_out *out = NULL;
	struct pt_error err = {0, ""};
	char *text = NULL;
	FILE *f;
	long n;

	memset(&o, 0, sizeof(o));
	o.start_ms = start_s * 1000;
	o.end_ms = end_s * 1000;
	o.step_ms = step_ms;
	o.chunk_ms = chunk_ms;
	o.nodes = nodes;
	o.nnodes = nnodes;
	assert_int_equal(pt_out_open(&out, e->path, false, pt_schema_header(&pt_schema_export), &err), PT_OK);
	*rc = pt_export_run(res, e->ctx, &o, out, &err);
	if (*rc != PT_OK) {
		pt_out_free(out);
		return NULL;
	}
	assert_int_equal(pt_out_commit(out, &err), PT_OK);
	pt_out_free(out);
	f = fopen(e->path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_export__rows_and_energy(void **state)
{
	struct env *e = *state;
	struct pt_export_result res;
	char *text, *sliced;
	int rc;

	/* 600 s at the default 15 s step: points 0..40 of node n1 (50 % of a 120 W
	 * CPU, 1 GiB at 0.375 W/GiB = 60.375 W): 10.0625 Wh at the end. */
	text = run_export(e, &res, 1000, 1600, 0, 0, NULL, 0, &rc);
	assert_int_equal(rc, PT_OK);
	assert_int_equal(res.step_ms, 15000);
	assert_int_equal(res.steps, 41);
	assert_int_equal(res.rows, 41);
	assert_int_equal(res.slices, 1);
	assert_false(res.no_nodes);
	assert_int_equal(count_lines(text), 42);
	assert_true(strncmp(text, pt_schema_header(&pt_schema_export), strlen(pt_schema_header(&pt_schema_export))) == 0);
	assert_non_null(strstr(text, "\n1970-01-01T00:16:40.000Z,n1,50.000,25.000,,60.000,0.375,,60.375,0.000000,0.0000\n"));
	assert_non_null(strstr(text, "\n1970-01-01T00:17:10.000Z,n1,50.000,25.000,,60.000,0.375,,60.375,0.503125,0.2390\n"));
	assert_non_null(strstr(text, "\n1970-01-01T00:26:40.000Z,n1,50.000,25.000,,60.000,0.375,,60.375,10.062500,4.7797\n"));
	pt_export_result_clear(&res);

	/* In slices of 2 minutes: the same file, written slice by slice. */
	sliced = run_export(e, &res, 1000, 1600, 0, 120000, NULL, 0, &rc);
	assert_int_equal(rc, PT_OK);
	assert_int_equal(res.slices, 6);
	assert_string_equal(sliced, text);
	pt_export_result_clear(&res);
	free(sliced);
	free(text);
}

static void test_export__missing_nodes_and_gaps(void **state)
{
	static const char *const nodes[] = {"ghost", "n1"};
	struct env *e = *state;
	struct pt_export_result res;
	char *text;
	int rc;

	/* History ends at 8000 s: later steps have empty cells; ghost has none. */
	text = run_export(e, &res, 7800, 8100, 60000, 0, nodes, 2, &rc);
	assert_int_equal(rc, PT_OK);
	assert_int_equal(res.rows, 12);
	assert_int_equal(res.nmissing, 1);
	assert_string_equal(res.missing[0], "ghost");
	assert_non_null(strstr(text, pt_schema_header(&pt_schema_export)));
	assert_non_null(strstr(text, "\n1970-01-01T02:10:00.000Z,ghost,,,,,,,,,\n"
			"1970-01-01T02:10:00.000Z,n1,50.000,25.000,,60.000,0.375,,60.375,0.000000,0.0000\n"));
	assert_non_null(strstr(text, "\n1970-01-01T02:13:00.000Z,n1,50.000,25.000,,60.000,0.375,,60.375,3.018750,1.4339\n"));
	assert_non_null(strstr(text, "\n1970-01-01T02:15:00.000Z,n1,,,,,,,,,\n"));
	pt_export_result_clear(&res);
	free(text);

	/* Every node, none with data. */
	text = run_export(e, &res, 9000, 9600, 0, 0, NULL, 0, &rc);
	assert_int_equal(rc, PT_OK);
	assert_true(res.no_nodes);
	assert_string_equal(text, pt_schema_header(&pt_schema_export));
	pt_export_result_clear(&res);
	free(text);
}

static void test_export__prometheus_fails(void **state)
{
	struct env *e = *state;
	struct pt_export_result res;
	int rc;

	e->fp.fail_from_s = 1300;
	assert_null(run_export(e, &res, 1000, 1600, 0, 120000, NULL, 0, &rc));
	assert_int_equal(rc, PT_ENET);
	pt_export_result_clear(&res);
	e->fp.fail_from_s = 1e18;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export__rows_and_energy),
		cmocka_unit_test(test_export__missing_nodes_and_gaps),
		cmocka_unit_test(test_export__prometheus_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
