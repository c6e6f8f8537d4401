/* test_batch.c - jobs file parsing and its errors, the rows of an earlier run, and batch runs against a fake Prometheus (failure mid-run, resume). */
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

#include "batch.h"
#include "csvout.h"
#include "timefmt.h"

/* ---- jobs file ---- */

static struct pt_jobs *parse_ok(const char *text)
{
	struct pt_jobs *j = NULL;
	struct pt_error err = {0, ""};

	if (pt_jobs_parse(&j, text, strlen(text), "jobs.csv", &err) != PT_OK)
		fail_msg("unexpected error: %s", err.msg);
	return j;
}

static void test_batch__jobs_columns(void **state)
{
	/* Any column order, any case, other columns ignored, nodes trimmed and
	 * deduplicated, quoted fields, blank lines, CRLF and a byte order mark. */
	static const char text[] =
		"\xEF\xBB\xBFuser, End ,NODES,Task,start,comment\r\n"
		"alice,2026-11-21T11:00:00Z, gpu01; gpu02 ;;gpu01,train,2026-11-21T10:00:00Z,x\r\n"
		"\r\n"
		"bob,1795255300.5,,\"eval, \"\"big\"\"\",1795255200,\"two\nlines\"\n"
		"carol,1795255400,gpu03,=cmd,1795255300\n";
	struct pt_jobs *j = parse_ok(text);

	(void)state;
	assert_int_equal(j->n, 3);
	assert_int_equal(j->nbad, 0);
	assert_string_equal(j->items[0].task, "train");
	assert_int_equal(j->items[0].line, 2);
	assert_int_equal(j->items[0].start_ms, 1795255200000LL);
	assert_int_equal(j->items[0].end_ms, 1795258800000LL);
	assert_int_equal(j->items[0].nnodes, 2);
	assert_string_equal(j->items[0].nodes[0], "gpu01");
	assert_string_equal(j->items[0].nodes[1], "gpu02");
	assert_string_equal(j->items[1].task, "eval, \"big\"");
	assert_int_equal(j->items[1].line, 4);
	assert_int_equal(j->items[1].end_ms, 1795255300500LL);
	assert_int_equal(j->items[1].nnodes, 0);
	assert_int_equal(j->items[2].line, 6); /* the quoted newline spans line 5 */
	assert_string_equal(j->items[2].task, "=cmd");
	pt_jobs_free(j);

	/* Header only: no jobs, no error. Without nodes column: every node. */
	j = parse_ok("task,start,end\n");
	assert_int_equal(j->n, 0);
	pt_jobs_free(j);
	j = parse_ok("start,end,task\n1,2,t");
	assert_int_equal(j->n, 1);
	assert_int_equal(j->items[0].nnodes, 0);
	assert_int_equal(j->items[0].end_ms, 2000);
	pt_jobs_free(j);
}

static void test_batch__jobs_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg; /* the first problem, exactly or as a prefix */
		size_t nbad;
	} cases[] = {
		{"", "jobs.csv: empty; a jobs file starts with a header", 1},
		{"\n\n", "jobs.csv: empty; a jobs file starts with a header", 1},
		{"task,start,nodes\nt,1,n\n", "jobs.csv:1: the header has no 'end' column", 1},
		{"name,start,stop\n", "jobs.csv:1: the header has no 'task' column", 2},
		{"task,start,end,Start\n", "jobs.csv:1: column 'start' appears twice in the header", 1},
		{"task,start,end\nt,1,2\nu,3\n", "jobs.csv:3: 2 fields where the header has 3: no value for 'end'", 1},
		{"task,start,end\n,1,2\n", "jobs.csv:2: empty 'task'", 1},
		{"task,start,end\nt,yesterday,2\n", "jobs.csv:2: start: invalid time 'yesterday'", 1},
		{"task,start,end\nt,1,2026-13-01T00:00:00Z\n", "jobs.csv:2: end: invalid time", 1},
		{"task,start,end\nt,20,10\n", "jobs.csv:2: end (10) is before start (20)", 1},
		{"task,start,end\nt,10,10\n", "jobs.csv:2: end (10) is the same time as start (10)", 1},
		{"task,start,end\nt,1,2\n\"u,3,4\n", "jobs.csv:3: malformed CSV", 1},
		{"task,start,end\nt,1,2\nu,\"3\"x,4\n", "jobs.csv:3: malformed CSV", 1},
		/* every bad row is listed, the first in err */
		{"task,start,end\nok,1,2\nt,x,2\nu,1\nv,5,4\nw,1,3\n", "jobs.csv:3: start: invalid time 'x'", 3},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_jobs *j = NULL;
		struct pt_error err = {0, ""};
		int rc = pt_jobs_parse(&j, cases[i].text, strlen(cases[i].text), "jobs.csv", &err);

		if (rc != PT_EUSAGE)
			fail_msg("case %zu: rc %d, expected PT_EUSAGE", i, rc);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: message '%s', expected '%s...'", i, err.msg, cases[i].msg);
		assert_non_null(j);
		if (j->nbad != cases[i].nbad)
			fail_msg("case %zu: %zu bad rows, expected %zu", i, j->nbad, cases[i].nbad);
		assert_int_equal(j->nproblems, cases[i].nbad);
		assert_string_equal(j->problems[0], err.msg);
		pt_jobs_free(j);
	}
}

static void test_batch__jobs_many_problems(void **state)
{
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	struct pt_jobs *j = NULL;
	int i;

	(void)state;
	assert_int_equal(pt_buf_printf(&b, &err, "task,start,end\n"), PT_OK);
	for (i = 0; i < 50; i++)
		assert_int_equal(pt_buf_printf(&b, &err, "t%d,5,1\n", i), PT_OK);
	assert_int_equal(pt_jobs_parse(&j, b.data, b.len, "j.csv", &err), PT_EUSAGE);
	assert_int_equal(j->nbad, 50);
	assert_int_equal(j->nproblems, PT_JOBS_MAX_PROBLEMS);
	assert_string_equal(j->problems[19], "j.csv:21: end (1) is before start (5)");
	pt_jobs_free(j);
	pt_buf_free(&b);
}

/* ---- rows of an earlier run ---- */

static void test_batch__prev_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"time,node\n", "out.csv:1: not a powertest report"},
		{"task,node,start\n", "out.csv:1: not a powertest report"},
		{NULL, "out.csv:3: 3 fields where the header has 26"},
	};
	struct pt_batch_prev *p = NULL;
	struct pt_error err = {0, ""};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_buf b = {0};
		const char *text = cases[i].text;

		if (text == NULL) {
			assert_int_equal(pt_buf_printf(&b, &err, "%s%s\nt,n,x\n", pt_csv_header_node,
					"t,n,2026-01-01T00:00:00.000Z,2026-01-01T01:00:00.000Z,,,,,0,,,,,,,,,,,,1,475,,none,none,ok"),
					PT_OK);
			text = b.data;
		}
		assert_int_equal(pt_batch_prev_parse(&p, text, strlen(text), "out.csv", &err), PT_EUSAGE);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: '%s', expected '%s...'", i, err.msg, cases[i].msg);
		assert_null(p);
		pt_buf_free(&b);
	}
	/* A file that does not exist is an empty one. */
	assert_int_equal(pt_batch_prev_load(&p, "/nonexistent/dir/out.csv", &err), PT_OK);
	assert_int_equal(pt_batch_prev_rows(p), 0);
	pt_batch_prev_free(p);
}

/* ---- runs against a fake Prometheus ---- */

struct fake_prom {
	double fail_from_s; /* query_range with start >= this: 503 */
	int ranges;
};

static char *form_value(const char *body, const char *key)
{
	size_t kl = strlen(key);
	const char *p = body;
	char *out, *o;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1, *e = strchr(v, '&');
			size_t n = e ? (size_t)(e - v) : strlen(v);
			out = o = calloc(1, n + 1);
			for (; n > 0; v++, n--) {
				if (*v == '%' && n >= 3) {
					char hex[3] = {v[1], v[2], 0};
					*o++ = (char)strtol(hex, NULL, 16);
					v += 2;
					n -= 2;
				} else {
					*o++ = *v == '+' ? ' ' : *v;
				}
			}
			return out;
		}
		p = strchr(p, '&');
		if (p)
			p++;
	}
	return NULL;
}

/* Node n1: CPU 50 % busy, 1 GiB of 4 GiB used, no GPU, no RAPL, no CPU model. */
static void prom_handler(struct fake_server *s, const struct fake_req *req, struct fake_resp *resp)
{
	static char body[65536];
	struct fake_prom *fp = s->user;
	char *q, *start, *end, *step;
	double a, e, st, t;
	const char *value = NULL;
	size_t n;

	if (strcmp(req->path, "/api/v1/query_range") != 0) {
		resp->status = 404;
		resp->body = "not here";
		resp->content_type = "text/plain";
		return;
	}
	fp->ranges++;
	q = form_value(req->body, "query");
	start = form_value(req->body, "start");
	end = form_value(req->body, "end");
	step = form_value(req->body, "step");
	a = atof(start);
	e = atof(end);
	st = atof(step);
	if (a >= fp->fail_from_s) {
		resp->status = 503;
		resp->body = "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"down\"}";
	} else {
		if (strstr(q, "node_cpu_seconds_total"))
			value = "0.5";
		else if (strstr(q, "MemAvailable"))
			value = "1073741824";
		else if (strstr(q, "MemTotal"))
			value = "4294967296";
		n = (size_t)snprintf(body, sizeof(body), "{\"status\":\"success\",\"data\":{\"resultType\":"
				"\"matrix\",\"result\":[");
		if (value) {
			n += (size_t)snprintf(body + n, sizeof(body) - n,
					"{\"metric\":{\"instance\":\"n1:9100\"},\"values\":[");
			/* History ends at 8000 s. */
			for (t = a; t <= e + 1e-6 && t < 8000 && n < sizeof(body) - 100; t += st)
				n += (size_t)snprintf(body + n, sizeof(body) - n, "%s[%.3f,\"%s\"]",
						t > a ? "," : "", t, value);
			n += (size_t)snprintf(body + n, sizeof(body) - n, "]}");
		}
		snprintf(body + n, sizeof(body) - n, "]}}");
		resp->body = body;
	}
	free(q);
	free(start);
	free(end);
	free(step);
}

static const char jobs_text[] =
	"task,start,end,nodes\n"
	"a,1000,1600,n1\n"
	"b,5000,5600,n1;ghost\n"
	"c,1200,1500,\n"
	"d,9000,9100,\n";

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* Task and node of each row, "a/n1 b/n1 ...". */
static void row_keys(char *out, size_t size, const char *csv)
{
	const char *p = strchr(csv, '\n');

	out[0] = '\0';
	while (p && p[1]) {
		const char *c1 = strchr(p + 1, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		size_t l = strlen(out);
		if (c2 == NULL)
			break;
		snprintf(out + l, size - l, "%s%.*s/%.*s", l ? " " : "", (int)(c1 - p - 1), p + 1,
				(int)(c2 - c1 - 1), c1 + 1);
		p = strchr(p + 1, '\n');
	}
}

static int run_batch(struct pt_batch_result *res, struct pt_ctx *ctx, const struct pt_jobs *jobs,
		struct pt_batch_prev *prev, int64_t chunk_ms, const char *path, struct pt_error *err)
{
	struct pt_batch_opts o;
	struct pt_out *out = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	o.chunk_ms = chunk_ms;
	o.prev = prev;
	o.concurrency = 3;
	assert_int_equal(pt_out_open(&out, path, false, pt_csv_header_node, err), PT_OK);
	rc = pt_batch_run(res, ctx, jobs, &o, out, err);
	if (rc == PT_OK || rc == PT_ENET)
		assert_int_equal(pt_out_commit(out, err), PT_OK);
	pt_out_free(out);
	return rc;
}

static void test_batch__run_fail_resume(void **state)
{
	struct fake_server srv;
	struct fake_prom fp = {1e18, 0};
	struct pt_ctx *ctx = NULL;
	struct pt_jobs *jobs = parse_ok(jobs_text);
	struct pt_batch_prev *prev = NULL;
	struct pt_batch_result res;
	struct pt_http_opts ho;
	struct pt_error err = {0, ""};
	char url[64], dir[] = "/tmp/pt-test-batch.XXXXXX", path[128], path2[128], keys[512];
	char *full, *part, *done, *line;
	int rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	snprintf(path2, sizeof(path2), "%s/full.csv", dir);
	assert_int_equal(fake_start(&srv, prom_handler, &fp), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	if (pt_ctx_open_offline(&ctx, NULL, NULL, &err) != PT_OK)
		fail_msg("ctx: %s", err.msg);
	memset(&ho, 0, sizeof(ho));
	ho.retries = 1;
	ho.backoff_ms = 10;
	assert_int_equal(pt_prom_new(&ctx->prom, url, &ho, &err), PT_OK);

	/* A complete run: rows in the jobs' order, ghost and the empty window say no_data. */
	rc = run_batch(&res, ctx, jobs, NULL, 0, path2, &err);
	if (rc != PT_OK)
		fail_msg("run: %s", err.msg);
	assert_true(res.missing);
	assert_int_equal(res.rows, 5);
	assert_int_equal(res.step_ms, 15000); /* no targets API: 15 s */
	full = read_all(path2);
	row_keys(keys, sizeof(keys), full);
	assert_string_equal(keys, "a/n1 b/n1 b/ghost c/n1 d/");
	line = "\na,n1,1970-01-01T00:16:40.000Z,1970-01-01T00:26:40.000Z,600.000,50.000,25.000,"
		"1.0000,0,,60.000,0.375,,60.375,10.000000,0.062500,,10.062500,36225.000,36225000000,1.000,"
		"475.000,4.7797,model,none,ok\n";
	if (strstr(full, line) == NULL)
		fail_msg("row a not as expected:\n%s", full);
	assert_non_null(strstr(full, "\nd,,1970-01-01T02:30:00.000Z,1970-01-01T02:31:40.000Z,"));
	assert_non_null(strstr(full, ",no_data: no node has data in this window\n"));
	assert_non_null(strstr(full, "\nb,ghost,"));
	pt_batch_result_clear(&res);

	/* Prometheus fails from 3000 s on: a and c (before) are written, b and d named. */
	fp.fail_from_s = 3000;
	rc = run_batch(&res, ctx, jobs, NULL, 600000, path, &err);
	assert_int_equal(rc, PT_ENET);
	assert_non_null(strstr(err.msg, "503"));
	assert_int_equal(res.nfailed, 2);
	assert_int_equal(res.failed[0], 1);
	assert_int_equal(res.failed[1], 3);
	assert_true(res.slices >= 1);
	part = read_all(path);
	row_keys(keys, sizeof(keys), part);
	assert_string_equal(keys, "a/n1 c/n1");
	pt_batch_result_clear(&res);

	/* Resume: only b and d are computed; the file ends up as the full run's. */
	fp.fail_from_s = 1e18;
	fp.ranges = 0;
	assert_int_equal(pt_batch_prev_load(&prev, path, &err), PT_OK);
	assert_int_equal(pt_batch_prev_rows(prev), 2);
	rc = run_batch(&res, ctx, jobs, prev, 0, path, &err);
	if (rc != PT_OK)
		fail_msg("resume: %s", err.msg);
	assert_int_equal(res.jobs_computed, 2);
	assert_int_equal(res.rows_kept, 2);
	assert_int_equal(res.rows, 5);
	done = read_all(path);
	assert_string_equal(done, full);
	pt_batch_result_clear(&res);
	pt_batch_prev_free(prev);

	/* Resume of a complete file asks nothing: it works with Prometheus gone. */
	pt_prom_free(ctx->prom);
	ctx->prom = NULL;
	assert_int_equal(pt_batch_prev_load(&prev, path, &err), PT_OK);
	rc = run_batch(&res, ctx, jobs, prev, 0, path, &err);
	assert_int_equal(rc, PT_OK);
	assert_int_equal(res.jobs_computed, 0);
	assert_int_equal(res.rows_kept, 5);
	free(done);
	done = read_all(path);
	assert_string_equal(done, full);
	pt_batch_result_clear(&res);
	pt_batch_prev_free(prev);

	free(full);
	free(part);
	free(done);
	pt_jobs_free(jobs);
	pt_ctx_free(ctx);
	fake_stop(&srv);
	unlink(path);
	unlink(path2);
	rmdir(dir);
}

/* Resume keeps rows of the file that match no job, at the end, and takes
 * one row per node for a job listed twice. */
static void test_batch__resume_keeps_unmatched(void **state)
{
	static const char jobs_text2[] =
		"task,start,end,nodes\n"
		"x,0,60,\n"
		"x,0,60,\n";
	const char *row_x1 = "x,n1,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,1.000,475.000,,none,none,ok\n";
	const char *row_x2 = "x,n2,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,1.000,475.000,,none,none,ok\n";
	const char *row_y = "y,n1,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,1.000,475.000,,none,none,\"partial: no RAM data\"\n";
	struct pt_jobs *jobs = parse_ok(jobs_text2);
	struct pt_batch_prev *prev = NULL;
	struct pt_batch_result res;
	struct pt_error err = {0, ""};
	struct pt_buf text = {0};
	char dir[] = "/tmp/pt-test-batch.XXXXXX", path[128], *got;
	struct pt_buf want = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	/* Two full sets of x (the job is there twice) and a row of another task. */
	assert_int_equal(pt_buf_printf(&text, &err, "%s%s%s%s%s%s", pt_csv_header_node, row_x1, row_y,
			row_x2, row_x1, row_x2), PT_OK);
	assert_int_equal(pt_batch_prev_parse(&prev, text.data, text.len, "out.csv", &err), PT_OK);
	assert_int_equal(run_batch(&res, NULL, jobs, prev, 0, path, &err), PT_OK);
	assert_int_equal(res.jobs_computed, 0);
	assert_true(res.missing); /* the kept partial row */
	got = read_all(path);
	assert_int_equal(pt_buf_printf(&want, &err, "%s%s%s%s%s%s", pt_csv_header_node, row_x1, row_x2,
			row_x1, row_x2, row_y), PT_OK);
	assert_string_equal(got, want.data);
	free(got);
	pt_buf_free(&want);
	pt_buf_free(&text);
	pt_batch_result_clear(&res);
	pt_batch_prev_free(prev);
	pt_jobs_free(jobs);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch__jobs_columns),
		cmocka_unit_test(test_batch__jobs_errors),
		cmocka_unit_test(test_batch__jobs_many_problems),
		cmocka_unit_test(test_batch__prev_errors),
		cmocka_unit_test(test_batch__run_fail_resume),
		cmocka_unit_test(test_batch__resume_keeps_unmatched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
