/* test_agree.c - the report path (instant queries) and the batch path (range queries, local integration) give the same rows from the same Prometheus data. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_http.h"

#include "batch.h"
#include "buf.h"
#include "csvout.h"
#include "report.h"
#include "schema.h"
#include "timefmt.h"

/* ---- the lab: three nodes scraped every 15 s from 0 for 6 hours ---- */

#define SCRAPE_S 15
#define LAB_N 1440
#define GIB 1073741824.0

/* One series of the lab's TSDB: metric, node, and its labels beyond instance. */
struct lab_series {
	const char *metric;
	int node;
	const char *port;
	const char *uuid;       /* device label, or NULL */
	const char *label_name; /* model label, or NULL */
	const char *label_value;
};

static const struct lab_series lab[] = {
	{"cpu_busy", 0, "9100", NULL, NULL, NULL},
	{"cpu_busy", 1, "9100", NULL, NULL, NULL},
	{"cpu_busy", 2, "9100", NULL, NULL, NULL},
	{"cpu_power", 1, "9100", NULL, NULL, NULL},
	{"cpu_info", 0, "9100", NULL, "model_name", "Intel Xeon Gold 6126"},
	{"cpu_info", 2, "9100", NULL, "model_name", "AMD EPYC 7742"},
	{"ram_used", 0, "9100", NULL, NULL, NULL},
	{"ram_used", 1, "9100", NULL, NULL, NULL},
	{"ram_used", 2, "9100", NULL, NULL, NULL},
	{"ram_total", 0, "9100", NULL, NULL, NULL},
	{"ram_total", 1, "9100", NULL, NULL, NULL},
	{"ram_total", 2, "9100", NULL, NULL, NULL},
	{"gpu_util", 0, "9835", "GPU-0", NULL, NULL},
	{"gpu_util", 0, "9835", "GPU-1", NULL, NULL},
	{"gpu_power", 0, "9835", "GPU-0", NULL, NULL},
	{"gpu_limit", 0, "9835", "GPU-0", NULL, NULL},
	{"gpu_info", 0, "9835", "GPU-0", "name", "NVIDIA A100-SXM4-40GB"},
	{"gpu_info", 0, "9835", "GPU-1", "name", "Tesla V100-SXM2-16GB"},
	{"up", 0, "9100", NULL, NULL, NULL},
	{"up", 0, "9835", NULL, NULL, NULL},
	{"up", 1, "9100", NULL, NULL, NULL},
	{"up", 2, "9100", NULL, NULL, NULL},
	{"node_time_seconds", 0, "9100", NULL, NULL, NULL},
	{"node_time_seconds", 1, "9100", NULL, NULL, NULL},
	{"node_time_seconds", 2, "9100", NULL, NULL, NULL},
};
#define LAB_SERIES (sizeof(lab) / sizeof(lab[0]))

/* Scrapes that failed: n1 now and then from 2 h 05 to 2 h 55, n2 for ten
 * minutes from 1 h 15. Their targets' up is 0 and nothing else has a sample. */
static bool scrape_failed(int node, int i)
{
	return (node == 1 && i >= 500 && i < 700 && i % 10 == 3) ||
		(node == 2 && i >= 300 && i < 340);
}

/* The sample of series s at t = 15 s * i; NAN when there is none. */
static double lab_value(const struct lab_series *s, int i)
{
	int node = s->node, dev = s->uuid ? s->uuid[4] - '0' : 0;

	if (i < 0 || i >= LAB_N)
		return NAN;
	if (strcmp(s->metric, "up") == 0)
		return scrape_failed(node, i) ? 0 : 1;
	if (scrape_failed(node, i))
		return NAN;
	if (strcmp(s->metric, "cpu_busy") == 0)
		return 0.1 + 0.05 * ((i / 37 + node) % 10);
	if (strcmp(s->metric, "cpu_power") == 0)
		return 80 + 5 * ((i / 13) % 9);
	if (strcmp(s->metric, "ram_used") == 0)
		return GIB * (1 + (i / 51 + node) % 7);
	if (strcmp(s->metric, "ram_total") == 0)
		return 16 * GIB;
	if (strcmp(s->metric, "gpu_util") == 0)
		return 0.2 + 0.07 * ((i / 23 + 2 * node + dev) % 11);
	if (strcmp(s->metric, "gpu_power") == 0)
		return 150 + 10 * ((i / 17) % 12);
	if (strcmp(s->metric, "gpu_limit") == 0)
		return i >= 800 && i < 820 ? 280 : 300;
	if (strcmp(s->metric, "node_time_seconds") == 0)
		return (double)(i * SCRAPE_S);
	return 1; /* info */
}

/* The value of template function fn over series s in [t - w, t] (Prometheus
 * 2 ranges are closed), or (t - w, t] with open (Prometheus 3 ranges are
 * left-open); false when the range holds no sample. */
static bool lab_eval(double *out, const struct lab_series *s, const char *fn, double t, double w,
		bool open)
{
	int i0 = open ? (int)floor((t - w) / SCRAPE_S + 1e-9) + 1 : (int)ceil((t - w) / SCRAPE_S - 1e-9);
	int i1 = (int)floor(t / SCRAPE_S + 1e-9), i, n = 0;
	double sum = 0, max = -INFINITY, min = INFINITY;

	for (i = i0; i <= i1; i++) {
		double v = lab_value(s, i);
		if (isnan(v))
			continue;
		sum += v;
		max = v > max ? v : max;
		min = v < min ? v : min;
		n++;
	}
	if (n == 0)
		return false;
	if (strcmp(fn, "max_over_time") == 0)
		*out = max;
	else if (strcmp(fn, "last_over_time") == 0)
		*out = 1; /* count by (...) of the info series */
	else if (strcmp(fn, "covered_over_time") == 0)
		*out = (max - min) / fmax(1 - 1.0 / n, 1e-9); /* as the default query set's covered */
	else
		*out = sum / n;
	return true;
}

/* The same functions as queries/default.yaml, without the arithmetic
 * between metrics the fake server does not evaluate. */
static const char lab_queries[] =
	"name: agree\n"
	"queries:\n"
	"  - quantity: cpu_util\n"
	"    unit: ratio\n"
	"    query: avg_over_time(cpu_busy{${node_matcher}}[${window}])\n"
	"  - quantity: cpu_power\n"
	"    unit: watts\n"
	"    query: avg_over_time(cpu_power{${node_matcher}}[${window}])\n"
	"  - quantity: cpu_info\n"
	"    model_label: model_name\n"
	"    query: count by (instance, model_name) (last_over_time(cpu_info{${node_matcher}}[${window}]))\n"
	"  - quantity: ram_used\n"
	"    unit: bytes\n"
	"    query: avg_over_time(ram_used{${node_matcher}}[${window}])\n"
	"  - quantity: ram_total\n"
	"    unit: bytes\n"
	"    query: avg_over_time(ram_total{${node_matcher}}[${window}])\n"
	"  - quantity: gpu_util\n"
	"    unit: ratio\n"
	"    device_label: uuid\n"
	"    query: avg_over_time(gpu_util{${node_matcher}}[${window}])\n"
	"  - quantity: gpu_power\n"
	"    unit: watts\n"
	"    device_label: uuid\n"
	"    query: avg_over_time(gpu_power{${node_matcher}}[${window}])\n"
	"  - quantity: gpu_power_limit\n"
	"    unit: watts\n"
	"    device_label: uuid\n"
	"    query: max_over_time(gpu_limit{${node_matcher}}[${window}])\n"
	"  - quantity: gpu_info\n"
	"    device_label: uuid\n"
	"    model_label: name\n"
	"    query: count by (instance, uuid, name) (last_over_time(gpu_info{${node_matcher}}[${window}]))\n"
	"  - quantity: up\n"
	"    unit: ratio\n"
	"    query: avg_over_time(up{${node_matcher}}[${window}])\n"
	"  - quantity: covered\n"
	"    unit: seconds\n"
	"    query: covered_over_time(node_time_seconds{${node_matcher}}[${window}])\n";

/* ---- the fake Prometheus: /api/v1/query and /api/v1/query_range over the lab ---- */

static char *form_value(const char *body, const char *key)
{
	size_t kl = strlen(key);
	const char *p = body;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t n = strcspn(v, "&");
			char *out = calloc(1, n + 1), *o = out;

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

static int series_labels(struct pt_buf *b, const struct lab_series *s, struct pt_error *err)
{
	int rc = pt_buf_printf(b, err, "{\"instance\":\"n%d:%s\"", s->node, s->port);

	if (rc == PT_OK && s->uuid)
		rc = pt_buf_printf(b, err, ",\"uuid\":\"%s\"", s->uuid);
	if (rc == PT_OK && s->label_name)
		rc = pt_buf_printf(b, err, ",\"%s\":\"%s\"", s->label_name, s->label_value);
	return rc == PT_OK ? pt_buf_printf(b, err, "}") : rc;
}

struct lab_prom {
	int instant, ranges;
	bool open; /* ranges as Prometheus 3 has them: (t - w, t] */
};

static void lab_handler(struct fake_server *s, const struct fake_req *req, struct fake_resp *resp)
{
	static char *body;
	static size_t cap;
	struct lab_prom *lp = s->user;
	struct pt_buf b = {0};
	struct pt_error err = {0, ""};
	bool range = strcmp(req->path, "/api/v1/query_range") == 0, first = true;
	char *q, *time_s, *start, *end, *step, fn[32] = "", metric[32] = "", dur[32] = "";
	const char *p, *m;
	int64_t win_ms = 0;
	double a, e, st;
	size_t si;

	if (!range && strcmp(req->path, "/api/v1/query") != 0) {
		resp->status = 404;
		resp->body = "not here";
		resp->content_type = "text/plain";
		return;
	}
	q = form_value(req->body, "query");
	time_s = form_value(req->body, "time");
	start = form_value(req->body, "start");
	end = form_value(req->body, "end");
	step = form_value(req->body, "step");
	assert_non_null(q);
	if (strcmp(q, "1") == 0) {
		/* batch asks whether the store speaks MetricsQL: PromQL's scalar. */
		assert_int_equal(pt_buf_printf(&b, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
				"\"scalar\",\"result\":[%s,\"1\"]}}", time_s ? time_s : "0"), PT_OK);
		goto reply;
	}
	if (range) {
		lp->ranges++;
		a = atof(start);
		e = atof(end);
		st = atof(step);
	} else {
		lp->instant++;
		a = e = atof(time_s);
		st = 1;
	}
	/* "[count by (...) (]FN(METRIC{MATCHER}[DUR])[)]" */
	p = strstr(q, "_over_time(");
	assert_non_null(p);
	while (p > q && (isalpha((unsigned char)p[-1]) || p[-1] == '_'))
		p--;
	assert_int_equal(sscanf(p, "%31[a-z_](%31[a-z_]{", fn, metric), 2);
	m = strstr(q, "instance=~\"");
	assert_non_null(m);
	p = strrchr(q, '[');
	assert_non_null(p);
	snprintf(dur, sizeof(dur), "%.*s", (int)strcspn(p + 1, "]"), p + 1);
	assert_int_equal(pt_duration_parse(&win_ms, dur, &err), PT_OK);

	assert_int_equal(pt_buf_printf(&b, &err, "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"%s\",\"result\":[", range ? "matrix" : "vector"), PT_OK);
	for (si = 0; si < LAB_SERIES; si++) {
		const struct lab_series *ls = &lab[si];
		char name[8];
		bool any = false;
		double t, v;

		snprintf(name, sizeof(name), "n%d", ls->node);
		if (strcmp(ls->metric, metric) != 0 ||
				(strncmp(m, "instance=~\".+\"", 14) != 0 && strstr(m, name) == NULL))
			continue;
		for (t = a; t <= e + 1e-6; t += st) {
			if (!lab_eval(&v, ls, fn, t, (double)win_ms / 1000.0, lp->open))
				continue;
			if (!any) {
				assert_int_equal(pt_buf_printf(&b, &err, "%s{\"metric\":", first ? "" : ","),
						PT_OK);
				assert_int_equal(series_labels(&b, ls, &err), PT_OK);
				assert_int_equal(pt_buf_printf(&b, &err, range ? ",\"values\":[" : ",\"value\":"),
						PT_OK);
			}
			assert_int_equal(pt_buf_printf(&b, &err, "%s[%.3f,\"%.17g\"]", any ? "," : "", t, v),
					PT_OK);
			any = true;
			first = false;
			if (!range)
				break;
		}
		if (any)
			assert_int_equal(pt_buf_printf(&b, &err, range ? "]}" : "}"), PT_OK);
	}
	assert_int_equal(pt_buf_printf(&b, &err, "]}}"), PT_OK);
reply:
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
	free(time_s);
	free(start);
	free(end);
	free(step);
}

/* ---- comparing rows ---- */

/* Splits one CSV line (quotes as pt_csv_field writes them) into at most max
 * fields, in place; returns the count. */
static size_t csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *r = line, *w;

	while (n < max) {
		fields[n++] = w = r;
		if (*r == '"') {
			for (r++; *r; r++) {
				if (*r == '"' && r[1] == '"')
					*w++ = *r++;
				else if (*r == '"')
					break;
				else
					*w++ = *r;
			}
			if (*r == '"')
				r++;
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (*r != ',') {
			*w = '\0';
			break;
		}
		r++;
		*w = '\0';
	}
	return n;
}

/* A cell that is a number as a whole; *decimals gets its digits after the point. */
static bool numeric(const char *s, double *v, int *decimals)
{
	char *end;
	const char *dot;

	if (*s == '\0')
		return false;
	*v = strtod(s, &end);
	if (*end != '\0' || !isfinite(*v))
		return false;
	dot = strchr(s, '.');
	*decimals = dot ? (int)strlen(dot + 1) : 0;
	return true;
}

/* Row by row, column by column: text exactly, numbers to within one unit of
 * their last printed digit (sums in another order can put a value that is
 * ...5 exactly on either side of it) plus 1e-9 relative. Returns the number
 * of numeric cells compared. */
static size_t compare_rows(const char *report_csv, const char *batch_csv, const char *header)
{
	char *ra = strdup(report_csv), *rb = strdup(batch_csv), *sa = NULL, *sb = NULL;
	char *la, *lb, *hdr = strdup(header), *cols[40];
	size_t ncols = csv_split(strtok(hdr, "\n"), cols, 40), row = 0, nnum = 0;

	la = strtok_r(ra, "\n", &sa);
	lb = strtok_r(rb, "\n", &sb);
	for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb), row++) {
		char *fa[40], *fb[40];
		size_t na = csv_split(la, fa, 40), nb = csv_split(lb, fb, 40), c;

		if (na != ncols || nb != ncols)
			fail_msg("row %zu: %zu and %zu cells, not %zu", row, na, nb, ncols);
		for (c = 0; c < ncols; c++) {
			double va, vb;
			int da, db;

			if (numeric(fa[c], &va, &da) && numeric(fb[c], &vb, &db)) {
				double tol = 1e-9 * fmax(fabs(va), fabs(vb)) +
					1.001 * pow(10, -(da < db ? da : db));
				if (fabs(va - vb) > tol)
					fail_msg("row %zu (%s/%s), %s: report %s, batch %s", row, fa[0], fa[1],
							cols[c], fa[c], fb[c]);
				nnum++;
			} else if (strcmp(fa[c], fb[c]) != 0) {
				fail_msg("row %zu (%s/%s), %s: report '%s', batch '%s'", row, fa[0], fa[1],
						cols[c], fa[c], fb[c]);
			}
		}
	}
	if (la || lb)
		fail_msg("report has %s rows than batch (after %zu)", la ? "more" : "fewer", row);
	free(ra);
	free(rb);
	free(hdr);
	return nnum;
}

/* ---- the test ---- */

struct job_def {
	const char *task;
	double start_s, end_s;
	const char *nodes[3];
};

/* Windows with edges between scrapes (as a job's are): all nodes, some, a
 * node that does not exist, across the gaps, the failed scrapes and the
 * limit change, one shorter than two scrape intervals. */
static const struct job_def jobs_between[] = {
	{"a", 1000.3, 2800.7, {"n0", "n1", "n2"}},
	{"b", 4400.2, 5300.9, {NULL}},
	{"c", 7500.5, 10500.1, {"n1", NULL}},
	{"d", 12000.4, 12020.2, {"n0", NULL}},
	{"e", 11950.1, 12350.6, {"n0", "ghost", NULL}},
	{"f", 4200.3, 4800.2, {"n2", "n1", NULL}},
	{"g", 300.7, 21000.2, {NULL}},
};
#define NJOBS (sizeof(jobs_between) / sizeof(jobs_between[0]))

/* Report and batch over the jobs against the lab served with closed or
 * left-open ranges; returns the report's CSV rows (caller frees). */
static char *agree(const struct job_def *jobs_def, size_t njobs, bool open)
{
	struct fake_server srv;
	struct lab_prom lp = {0, 0, open};
	struct pt_ctx *ctx = NULL;
	struct pt_http_opts ho;
	struct pt_error err = {0, ""};
	struct pt_buf jobs_csv = {0}, report_csv = {0};
	struct pt_jobs *jobs = NULL;
	struct pt_batch_opts o;
	struct pt_batch_result res;
	struct pt_out *out = NULL;
	const char *header = pt_schema_header(&pt_schema_node);
	char url[64], dir[] = "/tmp/pt-test-agree.XXXXXX", path[128], *batch_csv;
	size_t j, nnum;
	FILE *f;
	long len;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/batch.csv", dir);
	assert_int_equal(fake_start(&srv, lab_handler, &lp), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
	if (pt_ctx_open_offline(&ctx, NULL, &err) != PT_OK)
		fail_msg("ctx: %s", err.msg);
	pt_queryset_free(ctx->qs);
	ctx->qs = NULL;
	if (pt_queryset_parse(&ctx->qs, lab_queries, strlen(lab_queries), "agree.yaml", &err) != PT_OK)
		fail_msg("query set: %s", err.msg);
	memset(&ho, 0, sizeof(ho));
	assert_int_equal(pt_prom_new(&ctx->prom, url, &ho, &err), PT_OK);

	/* The report path, one window at a time, as `report` and `run` do. */
	assert_int_equal(pt_buf_printf(&jobs_csv, &err, "task,start,end,nodes\n"), PT_OK);
	for (j = 0; j < njobs; j++) {
		struct pt_window w;
		struct pt_row *rows = NULL;
		size_t n = 0, nn;

		for (nn = 0; nn < 3 && jobs_def[j].nodes[nn]; nn++)
			;
		memset(&w, 0, sizeof(w));
		w.task = jobs_def[j].task;
		w.start_ms = llround(jobs_def[j].start_s * 1000);
		w.end_ms = llround(jobs_def[j].end_s * 1000);
		w.nodes = jobs_def[j].nodes;
		w.nnodes = nn;
		w.scrape_interval_ms = SCRAPE_S * 1000; /* as the targets API would say */
		if (pt_report_window(&rows, &n, ctx, &w, &err) != PT_OK)
			fail_msg("report %s: %s", w.task, err.msg);
		assert_true(n > 0);
		assert_int_equal(pt_csv_rows(&report_csv, &pt_schema_node, rows, n, &err), PT_OK);
		pt_rows_free(rows, n);
		assert_int_equal(pt_buf_printf(&jobs_csv, &err, "%s,%.3f,%.3f,%s%s%s%s%s\n", w.task,
				jobs_def[j].start_s, jobs_def[j].end_s, nn > 0 ? w.nodes[0] : "",
				nn > 1 ? ";" : "", nn > 1 ? w.nodes[1] : "", nn > 2 ? ";" : "",
				nn > 2 ? w.nodes[2] : ""), PT_OK);
	}
	assert_int_equal(lp.ranges, 0);

	/* The batch path: every window at once from query_range on the grid. */
	assert_int_equal(pt_jobs_parse(&jobs, jobs_csv.data, jobs_csv.len, "jobs.csv", &err), PT_OK);
	memset(&o, 0, sizeof(o));
	o.scrape_ms = SCRAPE_S * 1000;
	o.concurrency = 2;
	assert_int_equal(pt_out_open(&out, path, false, header, &err), PT_OK);
	if (pt_batch_run(&res, ctx, jobs, &o, out, &err) != PT_OK)
		fail_msg("batch: %s", err.msg);
	assert_int_equal(pt_out_commit(out, &err), PT_OK);
	pt_out_free(out);
	assert_true(lp.ranges > 0);
	assert_int_equal(res.step_ms, SCRAPE_S * 1000);

	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	batch_csv = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(batch_csv, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_int_equal(strncmp(batch_csv, header, strlen(header)), 0);

	/* PT_AGREE_SHOW=1 prints both, to see a disagreement whole. */
	if (getenv("PT_AGREE_SHOW"))
		fprintf(stderr, "%s\n---\n%s", report_csv.data, batch_csv);
	nnum = compare_rows(report_csv.data, batch_csv + strlen(header), header);
	/* Not a vacuous agreement: the rows hold figures. */
	assert_true(nnum > 20 * njobs);

	free(batch_csv);
	pt_batch_result_clear(&res);
	pt_jobs_free(jobs);
	pt_buf_free(&jobs_csv);
	pt_ctx_free(ctx);
	fake_stop(&srv);
	unlink(path);
	rmdir(dir);
	return report_csv.data;
}

static void test_agree__report_equals_batch(void **state)
{
	char *rows;

	(void)state;
	rows = agree(jobs_between, NJOBS, false);
	/* The cases the windows were chosen for (failed scrapes, gaps, a short
	 * window, no data). */
	assert_non_null(strstr(rows, ",ok\n"));
	assert_non_null(strstr(rows, "of scrapes failed"));
	assert_non_null(strstr(rows, "data covers"));
	assert_non_null(strstr(rows, "window shorter than two scrape intervals"));
	assert_non_null(strstr(rows, "\ne,ghost,"));
	free(rows);
}

/* Windows whose edges are scrape times: the sample at the start belongs to
 * the interval before. Gauges are averaged over (start, end] by both paths,
 * whether the store's ranges are closed at the start (Prometheus 2) or not
 * (Prometheus 3), so the rows are the same - and the same for both stores. */
static const struct job_def jobs_on_scrapes[] = {
	{"h", 1500, 2700, {"n0", "n1", "n2"}},
	{"i", 4500, 5400, {NULL}},
	{"j", 255, 1020, {"n0", NULL}},
	{"k", 7200, 10800, {"n1", "n0", NULL}},
};

static void test_agree__left_open_gauges(void **state)
{
	size_t n = sizeof(jobs_on_scrapes) / sizeof(jobs_on_scrapes[0]);
	char *closed, *open;

	(void)state;
	closed = agree(jobs_on_scrapes, n, false);
	open = agree(jobs_on_scrapes, n, true);
	assert_string_equal(closed, open);
	assert_non_null(strstr(closed, ",ok\n"));
	free(closed);
	free(open);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agree__report_equals_batch),
		cmocka_unit_test(test_agree__left_open_gauges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
