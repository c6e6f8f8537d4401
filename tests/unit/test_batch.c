/* test_batch.c - jobs file parsing and its errors, the rows of an earlier run, and batch runs against a fake Prometheus (failure mid-run, resume). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "pt_test.h"
#include "fake_http.h"

#include "batch.h"
#include "csvout.h"
#include "timefmt.h"
#include "queryset.h"
#include "report.h"

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
		{"name,start,stop\n", "jobs.csv:1: the header has no 'task' or 'end' column", 1},
		{"task,start,end,Start\n", "jobs.csv:1: column 'start' appears twice in the header", 1},
		{"task,start,end\nt,1,2\nu,3\n", "jobs.csv:3: 2 fields where the header has 3: no value for 'end'", 1},
		{"task,start,end\n,1,2\n", "jobs.csv:2: empty 'task'", 1},
		{"task,start,end\nt,yesterday,2\n", "jobs.csv:2: start: invalid time 'yesterday'", 1},
		{"task,start,end\nt,1,2026-13-01T00:00:00Z\n", "jobs.csv:2: end: invalid time", 1},
		{"task,start,end\nt,20,10\n", "jobs.csv:2: end (10) is before start (20)", 1},
		{"task,start,end\nt,10,10\n", "jobs.csv:2: end (10) is the same time as start (10)", 1},
		{"task,start,end\nt,1,2\n\"u,3,4\n", "jobs.csv:3: malformed CSV", 1},
		{"task,start,end\nt,1,2\nu,\"3\"x,4\n", "jobs.csv:3: malformed CSV", 1},
		{"task,start,end,nodes\nt,1,2,a;b\xff\n", "jobs.csv:2: nodes: node name 'b\\xFF' is not valid UTF-8", 1},
		{"task,start,end,nodes\nt,1,2,\"a\nb\"\n", "jobs.csv:2: nodes: node name 'a\\x0Ab' has a control character", 1},
		{"task,start,end,nodes\nt,1,2,\xc0\xaf\n", "jobs.csv:2: nodes: node name '\\xC0\\xAF' is not valid UTF-8", 1},
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

/* A NUL in a cell is refused, naming the line (it used to cut the cell:
 * "j\0001" became "j"). Resume files alike. */
static void test_batch__nul_byte(void **state)
{
	static const char jobs[] = "task,start,end,nodes\nok,1,2,n\nj\0001,1,2,n\n";
	static const char jobs2[] = "task,start,end,nodes\nj,1,2,n\000x\n";
	struct pt_jobs *j = NULL;
	struct pt_batch_prev *p = NULL;
	struct pt_error err = {0, ""};
	struct pt_buf b = {0};

	(void)state;
	assert_int_equal(pt_jobs_parse(&j, jobs, sizeof(jobs) - 1, "jobs.csv", &err), PT_EUSAGE);
	assert_string_equal(err.msg, "jobs.csv:3: a NUL byte: not a text file");
	pt_jobs_free(j);
	j = NULL;
	assert_int_equal(pt_jobs_parse(&j, jobs2, sizeof(jobs2) - 1, "jobs.csv", &err), PT_EUSAGE);
	assert_string_equal(err.msg, "jobs.csv:2: a NUL byte: not a text file");
	pt_jobs_free(j);
	assert_int_equal(pt_buf_printf(&b, &err, "%st,n", pt_schema_header(&pt_schema_node)), PT_OK);
	assert_int_equal(pt_buf_append(&b, "\0", 1, &err), PT_OK);
	assert_int_equal(pt_batch_prev_parse(&p, b.data, b.len, "out.csv", &err), PT_EUSAGE);
	assert_string_equal(err.msg, "out.csv:2: a NUL byte: not a text file");
	pt_batch_prev_free(p);
	pt_buf_free(&b);
}

/* A cell naming 50,000 nodes (each twice) parses at once: repeats were
 * found by a scan of the names so far (2 s for this). */
static void test_batch__jobs_many_nodes(void **state)
{
	const size_t n = 50000;
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	struct pt_jobs *j = NULL;
	struct timespec t0, t1;
	double s;
	size_t i;

	(void)state;
	assert_int_equal(pt_buf_printf(&b, &err, "task,start,end,nodes\nt,1,2,"), PT_OK);
	for (i = 0; i < 2 * n; i++)
		assert_int_equal(pt_buf_printf(&b, &err, "n%zu;", i % n), PT_OK);
	assert_int_equal(pt_buf_printf(&b, &err, "\n"), PT_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pt_jobs_parse(&j, b.data, b.len, "jobs.csv", &err), PT_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(j->n, 1);
	assert_int_equal(j->items[0].nnodes, n);
	assert_string_equal(j->items[0].nodes[0], "n0");
	assert_string_equal(j->items[0].nodes[n - 1], "n49999");
	if (s > 1.0)
		fail_msg("%zu nodes in one cell: %.2f s", n, s);
	pt_jobs_free(j);
	pt_buf_free(&b);
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
		{NULL, "out.csv:3: 3 fields where the header has 30"},
	};
	struct pt_batch_prev *p = NULL;
	struct pt_error err = {0, ""};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_buf b = {0};
		const char *text = cases[i].text;

		if (text == NULL) {
			assert_int_equal(pt_buf_printf(&b, &err, "%s%s\nt,n,x\n", pt_schema_header(&pt_schema_node),
					"t,n,2026-01-01T00:00:00.000Z,2026-01-01T01:00:00.000Z,,,,,0,,,,,,,,,,,,,,1,475,,none,none,none,sum,ok"),
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
	assert_int_equal(p->n, 0);
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
	assert_int_equal(pt_out_open(&out, path, false, pt_schema_header(&pt_schema_node), err), PT_OK);
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
	if (pt_ctx_open_offline(&ctx, NULL, &err) != PT_OK)
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
		"1.0000,0,,60.000,0.375,,,60.375,10.000000,0.062500,,,10.062500,36225.000,36225000000,1.000,"
		"475.000,4.7797,model,model,none,sum,ok\n";
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
	assert_int_equal(prev->n, 2);
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
	const char *row_x1 = "x,n1,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,,,1.000,475.000,,none,none,none,sum,ok\n";
	const char *row_x2 = "x,n2,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,,,1.000,475.000,,none,none,none,sum,ok\n";
	const char *row_y = "y,n1,1970-01-01T00:00:00.000Z,1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,,,1.000,475.000,,none,none,none,sum,\"partial: no RAM data\"\n";
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
	assert_int_equal(pt_buf_printf(&text, &err, "%s%s%s%s%s%s", pt_schema_header(&pt_schema_node), row_x1, row_y,
			row_x2, row_x1, row_x2), PT_OK);
	assert_int_equal(pt_batch_prev_parse(&prev, text.data, text.len, "out.csv", &err), PT_OK);
	assert_int_equal(run_batch(&res, NULL, jobs, prev, 0, path, &err), PT_OK);
	assert_int_equal(res.jobs_computed, 0);
	assert_true(res.missing); /* the kept partial row */
	got = read_all(path);
	assert_int_equal(pt_buf_printf(&want, &err, "%s%s%s%s%s%s", pt_schema_header(&pt_schema_node), row_x1, row_x2,
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

/* A kept row matches its job however long its task and node names, and
 * with the formula guard's ' before them: names of 2,000 characters that
 * start with = and - are found again, so nothing is computed. */
static void test_batch__resume_long_names(void **state)
{
	struct pt_buf jtext = {0}, text = {0}, name = {0}, node = {0};
	struct pt_jobs *jobs;
	struct pt_batch_prev *prev = NULL;
	struct pt_batch_result res;
	struct pt_error err = {0, ""};
	char dir[] = "/tmp/pt-test-batch.XXXXXX", path[128], *got;
	int i;

	(void)state;
	assert_int_equal(pt_buf_printf(&name, &err, "=sum"), PT_OK);
	assert_int_equal(pt_buf_printf(&node, &err, "-n"), PT_OK);
	for (i = 0; i < 2000; i++) {
		assert_int_equal(pt_buf_printf(&name, &err, "%c", 'a' + i % 26), PT_OK);
		assert_int_equal(pt_buf_printf(&node, &err, "%c", 'a' + i % 26), PT_OK);
	}
	assert_int_equal(pt_buf_printf(&jtext, &err, "task,start,end,nodes\n%s,0,60,%s\n",
			name.data, node.data), PT_OK);
	jobs = parse_ok(jtext.data);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.csv", dir);
	assert_int_equal(pt_buf_printf(&text, &err, "%s'%s,'%s,1970-01-01T00:00:00.000Z,"
			"1970-01-01T00:01:00.000Z,60.000,,,,0,,,,,,,,,,,,,,1.000,475.000,,none,none,none,sum,ok\n",
			pt_schema_header(&pt_schema_node), name.data, node.data), PT_OK);
	assert_int_equal(pt_batch_prev_parse(&prev, text.data, text.len, "out.csv", &err), PT_OK);
	assert_int_equal(run_batch(&res, NULL, jobs, prev, 0, path, &err), PT_OK);
	assert_int_equal(res.jobs_computed, 0);
	assert_int_equal(res.rows_kept, 1);
	got = read_all(path);
	assert_string_equal(got, text.data);
	free(got);
	pt_buf_free(&jtext);
	pt_buf_free(&text);
	pt_buf_free(&name);
	pt_buf_free(&node);
	pt_batch_result_clear(&res);
	pt_batch_prev_free(prev);
	pt_jobs_free(jobs);
	unlink(path);
	rmdir(dir);
}

/* ---- blocks settle what points settle ---- */

/* A small lab the fake server evaluates queries over: samples every 15 s
 * for 6 h, with power limits that change, spike for one sample and have
 * gaps, and CPU and GPU models that change, start and end, so that windows
 * meet them at their edges. n1's GPU has no limits: its model decides its
 * TDP; so does n2's after its limits end. */
#define LAB_N 1440
#define LAB_NODES 3

/* NAN: no sample. */
static double lab_value(const char *metric, int node, int i, const char **label)
{
	*label = NULL;
	if (strcmp(metric, "cpu_busy") == 0)
		return node == 1 && i >= 300 && i < 320 ? NAN : 0.1 + 0.05 * ((i / 37 + node) % 10);
	if (strcmp(metric, "gpu_util") == 0)
		return 0.2 + 0.07 * ((i / 23 + 2 * node) % 11);
	if (strcmp(metric, "ram_used") == 0)
		return 1073741824.0 * (1 + (i / 51 + node) % 7);
	if (strcmp(metric, "cpu_info") == 0) {
		if (node == 2 && i < 100)
			return NAN;
		*label = node == 1 && i >= 700 ? "AMD EPYC 7742" : "Intel Xeon Gold 6126";
		return 1;
	}
	if (strcmp(metric, "gpu_info") == 0) {
		if (node == 2 && i >= 1200)
			return NAN;
		*label = node == 1 && i >= 1000 ? "NVIDIA H100" : node == 0 ? "NVIDIA A100" : "Tesla V100";
		return 1;
	}
	if (strcmp(metric, "gpu_limit") == 0) {
		if (node == 1 || (node == 2 && ((i >= 400 && i < 460) || i >= 1150)))
			return NAN;
		if (node == 0)
			return i == 900 ? 350 : i >= 777 && i < 790 ? 280 : 300;
		return i >= 600 ? 290 : 300;
	}
	return NAN;
}

struct lab_prom {
	int ranges;
};

/* query_range over the lab: the template's function over [t - window, t]
 * for every series of the nodes the matcher names. */
static void lab_handler(struct fake_server *s, const struct fake_req *req, struct fake_resp *resp)
{
	static const char *const metrics[] = {"cpu_busy", "gpu_util", "cpu_info", "gpu_info",
		"gpu_limit", "ram_used", NULL};
	static char *body;
	static size_t cap;
	struct lab_prom *lp = s->user;
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	char *q, *start, *end, *step;
	const char *metric = NULL, *m, *w;
	bool want[LAB_NODES], first = true;
	int64_t win_ms = 0;
	double a, e, st;
	int node, mi;

	if (strcmp(req->path, "/api/v1/query_range") != 0) {
		resp->status = 404;
		resp->body = "not here";
		resp->content_type = "text/plain";
		return;
	}
	q = form_value(req->body, "query");
	start = form_value(req->body, "start");
	end = form_value(req->body, "end");
	step = form_value(req->body, "step");
	a = atof(start);
	e = atof(end);
	st = atof(step);
	lp->ranges++;
	for (mi = 0; metrics[mi]; mi++)
		if (strstr(q, metrics[mi]))
			metric = metrics[mi];
	w = strrchr(q, '['); /* the range; the matcher may hold [0-9] */
	assert_non_null(w);
	{
		char dur[32];
		size_t n = strcspn(w + 1, "]");
		snprintf(dur, sizeof(dur), "%.*s", (int)n, w + 1);
		assert_int_equal(pt_duration_parse(&win_ms, dur, &err), PT_OK);
	}
	m = strstr(q, "instance=~\"");
	assert_non_null(m);
	for (node = 0; node < LAB_NODES; node++) {
		char name[16];
		snprintf(name, sizeof(name), "n%d", node);
		want[node] = strncmp(m, "instance=~\".+\"", 14) == 0 || strstr(m, name) != NULL;
	}
	assert_int_equal(pt_buf_printf(&b, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"matrix\",\"result\":["), PT_OK);
	for (node = 0; metric && node < LAB_NODES; node++) {
		/* One series per label value (a model change makes two), sorted as
		 * Prometheus sorts them. */
		const char *labels[2] = {NULL, NULL};
		int nl = 0, li, i;

		if (!want[node])
			continue;
		for (i = 0; i < LAB_N; i++) {
			const char *l;
			if (isnan(lab_value(metric, node, i, &l)))
				continue;
			if (nl == 0 || (l && labels[nl - 1] && strcmp(l, labels[nl - 1]) != 0 && nl < 2))
				labels[nl++] = l;
		}
		if (nl == 2 && strcmp(labels[0], labels[1]) > 0) {
			const char *x = labels[0];
			labels[0] = labels[1];
			labels[1] = x;
		}
		for (li = 0; li < nl; li++) {
			bool any = false;
			double t;

			assert_int_equal(pt_buf_printf(&b, &err, "%s{\"metric\":{\"instance\":\"n%d:%s\"",
					first ? "" : ",", node, strncmp(metric, "gpu", 3) == 0 ? "9835" : "9100"), PT_OK);
			if (strncmp(metric, "gpu", 3) == 0)
				assert_int_equal(pt_buf_printf(&b, &err, ",\"uuid\":\"GPU-%d\"", node), PT_OK);
			if (labels[li])
				assert_int_equal(pt_buf_printf(&b, &err, ",\"%s\":\"%s\"",
						strcmp(metric, "cpu_info") == 0 ? "model_name" : "name", labels[li]), PT_OK);
			assert_int_equal(pt_buf_printf(&b, &err, "},\"values\":["), PT_OK);
			first = false;
			for (t = a; t <= e + 1e-6; t += st) {
				/* Samples at 15 s * i in [t - window, t]. */
				int i0 = (int)ceil((t - (double)win_ms / 1000.0) / 15.0 - 1e-9);
				int i1 = (int)floor(t / 15.0 + 1e-9), n = 0;
				double sum = 0, max = -INFINITY;

				for (i = i0 < 0 ? 0 : i0; i <= i1 && i < LAB_N; i++) {
					const char *l;
					double v = lab_value(metric, node, i, &l);
					if (isnan(v) || (labels[li] && (l == NULL || strcmp(l, labels[li]) != 0)))
						continue;
					sum += v;
					max = v > max ? v : max;
					n++;
				}
				if (n == 0)
					continue;
				assert_int_equal(pt_buf_printf(&b, &err, "%s[%.3f,\"%.17g\"]", any ? "," : "", t,
						strstr(q, "max_over_time") ? max : strstr(q, "last_over_time") ? 1.0 :
						sum / n), PT_OK);
				any = true;
			}
			assert_int_equal(pt_buf_printf(&b, &err, "]}"), PT_OK);
		}
	}
	assert_int_equal(pt_buf_printf(&b, &err, "]}}"), PT_OK);
	if (b.len + 1 > cap) {
		free(body);
		cap = b.len + 1;
		body = malloc(cap);
	}
	memcpy(body, b.data, b.len + 1);
	resp->body = body;
	resp->body_len = b.len;
	pt_buf_free(&b);
	free(q);
	free(start);
	free(end);
	free(step);
}

static const char lab_queries[] =
	"name: lab\n"
	"queries:\n"
	"  - quantity: cpu_util\n"
	"    unit: ratio\n"
	"    query: avg by (instance) (avg_over_time(cpu_busy{${node_matcher}}[${window}]))\n"
	"  - quantity: ram_used\n"
	"    unit: bytes\n"
	"    query: avg by (instance) (avg_over_time(ram_used{${node_matcher}}[${window}]))\n"
	"  - quantity: cpu_info\n"
	"    model_label: model_name\n"
	"    query: count by (instance, model_name) (last_over_time(cpu_info{${node_matcher}}[${window}]))\n"
	"  - quantity: gpu_util\n"
	"    unit: ratio\n"
	"    device_label: uuid\n"
	"    query: avg by (instance, uuid) (avg_over_time(gpu_util{${node_matcher}}[${window}]))\n"
	"  - quantity: gpu_power_limit\n"
	"    unit: watts\n"
	"    device_label: uuid\n"
	"    query: max by (instance, uuid) (max_over_time(gpu_limit{${node_matcher}}[${window}]))\n"
	"  - quantity: gpu_info\n"
	"    device_label: uuid\n"
	"    model_label: name\n"
	"    query: count by (instance, uuid, name) (last_over_time(gpu_info{${node_matcher}}[${window}]))\n";

/* Random windows of 10 minutes to 2 hours, some on the changes and gaps,
 * and windows that end or start a few samples from a model's first or last.
 * Seed 5: n1 only in windows that hold whole blocks of both its models
 * (the others would have its models fetched point by point). */
static char *lab_jobs(unsigned seed, int n)
{
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	static const char *const lists[] = {"", "n0", "n1", "n2", "n1;n2", "n0;n1;n2"};
	static const char *const lists5[] = {"n0", "n2", "n0;n2"};
	static const int edges[][2] = {
		{20, 97}, {20, 99}, {50, 103}, {600, 703}, {640, 760}, {900, 1003}, {950, 1090},
		{1203, 1300}, {1198, 1260}, {1150, 1201}, {420, 458}, {380, 470},
	};
	char *out;
	int i;

	assert_int_equal(pt_buf_printf(&b, &err, "task,start,end,nodes\n"), PT_OK);
	for (i = 0; i < (int)(sizeof(edges) / sizeof(edges[0])); i++)
		if (seed != 5 || edges[i][1] - edges[i][0] > 110)
			assert_int_equal(pt_buf_printf(&b, &err, "e%d,%d,%d,%s\n", i, edges[i][0] * 15 +
					(int)seed, edges[i][1] * 15 + (int)seed, seed == 5 ? "n1" :
					lists[(i + seed) % 6]), PT_OK);
	srand(seed);
	for (i = 0; i < n; i++) {
		double d = 600 + rand() % 6600 + (rand() % 1000) / 1000.0;
		double s = 30 + (rand() % (int)(LAB_N * 15 - d - 60)) + (rand() % 1000) / 1000.0;
		if (i % 5 == 0) /* an edge a few seconds from a change of a limit or model */
			s = (i % 3 == 0 ? 500 * 15 : i % 3 == 1 ? 900 * 15 : 1000 * 15) - d + (rand() % 60) - 30;
		assert_int_equal(pt_buf_printf(&b, &err, "j%d,%.3f,%.3f,%s\n", i, s, s + d,
				seed == 5 ? lists5[rand() % 3] : lists[rand() % 6]), PT_OK);
	}
	out = b.data;
	return out;
}

static void test_batch__blocks_equal_points(void **state)
{
	struct fake_server srv;
	struct lab_prom lp = {0};
	struct pt_ctx *ctx = NULL;
	struct pt_http_opts ho;
	struct pt_error err = {0, ""};
	char url[64], dir[] = "/tmp/pt-test-blocks.XXXXXX", p1[128], p2[128];
	unsigned seed;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p1, sizeof(p1), "%s/blocks.csv", dir);
	snprintf(p2, sizeof(p2), "%s/points.csv", dir);
	assert_int_equal(fake_start(&srv, lab_handler, &lp), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	if (pt_ctx_open_offline(&ctx, NULL, &err) != PT_OK)
		fail_msg("ctx: %s", err.msg);
	pt_queryset_free(ctx->qs);
	ctx->qs = NULL;
	assert_int_equal(pt_queryset_parse(&ctx->qs, lab_queries, strlen(lab_queries), "lab.yaml",
			&err), PT_OK);
	memset(&ho, 0, sizeof(ho));
	assert_int_equal(pt_prom_new(&ctx->prom, url, &ho, &err), PT_OK);

	for (seed = 1; seed <= 5; seed++) {
		char *text = lab_jobs(seed, 60);
		struct pt_jobs *jobs = parse_ok(text);
		struct pt_batch_opts o;
		struct pt_batch_result r1, r2;
		int64_t chunk = seed % 2 ? 0 : 2 * 3600 * 1000; /* one slice, or three */
		int ranges;
		char *a, *b;
		int pass;

		for (pass = 0; pass < 2; pass++) {
			struct pt_out *out = NULL;

			memset(&o, 0, sizeof(o));
			o.every_point = pass == 1;
			o.chunk_ms = chunk;
			o.scrape_ms = 15000;
			assert_int_equal(pt_out_open(&out, pass ? p2 : p1, false, pt_schema_header(&pt_schema_node), &err),
					PT_OK);
			lp.ranges = 0;
			if (pt_batch_run(pass ? &r2 : &r1, ctx, jobs, &o, out, &err) != PT_OK)
				fail_msg("seed %u pass %d: %s", seed, pass, err.msg);
			if (pass == 0)
				ranges = lp.ranges;
			assert_int_equal(pt_out_commit(out, &err), PT_OK);
			pt_out_free(out);
		}
		a = read_all(p1);
		b = read_all(p2);
		if (strcmp(a, b) != 0)
			fail_msg("seed %u: rows from blocks differ from rows from points\n%s\n---\n%s", seed, a, b);
		/* The blocks were used, and some windows needed their points. */
		assert_true(ranges > (int)(6 * r1.slices));
		assert_int_equal(r2.requests, 6 * r2.slices);
		free(a);
		free(b);
		free(text);
		pt_batch_result_clear(&r1);
		pt_batch_result_clear(&r2);
		pt_jobs_free(jobs);
	}
	pt_ctx_free(ctx);
	fake_stop(&srv);
	unlink(p1);
	unlink(p2);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch__jobs_columns),
		cmocka_unit_test(test_batch__jobs_errors),
		cmocka_unit_test(test_batch__nul_byte),
		cmocka_unit_test(test_batch__jobs_many_nodes),
		cmocka_unit_test(test_batch__jobs_many_problems),
		cmocka_unit_test(test_batch__prev_errors),
		cmocka_unit_test(test_batch__run_fail_resume),
		cmocka_unit_test(test_batch__resume_keeps_unmatched),
		cmocka_unit_test(test_batch__resume_long_names),
		cmocka_unit_test(test_batch__blocks_equal_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
