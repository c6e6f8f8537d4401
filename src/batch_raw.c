/* batch_raw.c - batch from raw samples: a cost-based plan of what to fetch (each job's window, or slices that many jobs share), then every window answered locally as report would be. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_int.h"
#include "slices.h"
#include "raw.h"
#include "report.h"
#include "strmap.h"

/* The cost of a fetch, in "node-samples" (one sample of every series of one
 * node): a request costs about as much as REQUEST_COST of them (its round
 * trip, the query's setup in the store), on top of the data. Measured on
 * loopback: a small instant query costs about what 100-200 node-samples of
 * node_exporter's CPU and memory series take to encode and decode. */
#define REQUEST_COST 150.0
/* A fetch of fewer node-samples than this asks with one request per node
 * label (every metric name at once): the request count matters more than
 * the series of those names the selectors do not need. */
#define UNION_MAX 20000.0
/* Raw samples held at once (about 16 bytes each, decoded), and the series
 * per node assumed before the first fetch says. */
#define SAMPLE_BUDGET 600000.0
#define SERIES_GUESS 32.0
/* Nodes assumed for a job over every node before any fetch says. */
#define ALL_NODES_GUESS 32.0
/* Fetches in flight at once (each its own span). */
#define MAX_SPANS 256

/* A fetch: jobs whose windows its span [a, b] holds, for the union of their nodes. */
struct piece {
	int64_t a, b;
	struct pt_strmap nodes;
	bool all;
	size_t *jobs; /* indices into run->b */
	size_t njobs, cap;
	double cost;
};

static void piece_clear(struct piece *p)
{
	pt_strmap_free(&p->nodes);
	free(p->jobs);
	memset(p, 0, sizeof(*p));
}

struct planner {
	struct run *run;
	double scrape;        /* ms */
	double all_nodes;     /* nodes of a job over every node */
	double union_req;     /* requests of a union fetch (0: none possible) */
	double exact_req;     /* requests of an exact fetch */
	double max_ns;        /* node-samples one fetch may hold */
};

static double node_samples(const struct planner *pl, double nodes, int64_t a, int64_t b)
{
	return nodes * ((double)(b - a) / pl->scrape + 1.0);
}

static double fetch_cost(const struct planner *pl, double ns)
{
	double req = pl->union_req > 0 && ns < UNION_MAX ? pl->union_req : pl->exact_req;
	return req * REQUEST_COST + ns;
}

static double job_nodes(const struct planner *pl, const struct bjob *bj)
{
	return bj->all ? pl->all_nodes : (double)bj->nneed;
}

/* Nodes of the piece with job j added. */
static double merged_nodes(const struct planner *pl, const struct piece *p, const struct bjob *bj)
{
	size_t i, extra = 0;

	if (p->all || bj->all)
		return pl->all_nodes;
	for (i = 0; i < bj->nneed; i++)
		extra += pt_strmap_get(&p->nodes, bj->need[i]) == PT_STRMAP_NONE;
	return (double)(p->nodes.n + extra);
}

static int piece_add(struct piece *p, struct run *run, size_t j, struct pt_error *err)
{
	const struct bjob *bj = &run->b[j];
	size_t i;

	if (p->njobs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		size_t *jobs = realloc(p->jobs, cap * sizeof(*jobs));
		if (jobs == NULL)
			return pt_error_oom(err);
		p->jobs = jobs;
		p->cap = cap;
	}
	if (p->njobs == 0 || bj->job->start_ms < p->a)
		p->a = bj->job->start_ms;
	if (p->njobs == 0 || bj->job->end_ms > p->b)
		p->b = bj->job->end_ms;
	p->jobs[p->njobs++] = j;
	p->all |= bj->all;
	for (i = 0; i < bj->nneed && !p->all; i++)
		if (pt_strmap_put(&p->nodes, bj->need[i], NULL) == PT_STRMAP_NONE)
			return pt_error_oom(err);
	return PT_OK;
}

/* ---- computing the jobs of a fetched piece ---- */

static int compute_job(struct run *run, struct bjob *bj, const struct pt_raw *raw,
		struct pt_error *err)
{
	const struct pt_job *job = bj->job;
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct pt_window w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.task = job->task;
	w.start_ms = job->start_ms;
	w.end_ms = job->end_ms;
	w.nodes = bj->need;
	w.nnodes = bj->nneed;
	w.scrape_interval_ms = run->grid.scrape_ms;
	w.store_warning = pt_raw_warnings(raw);
	w.raw = raw;
	if ((rc = pt_report_window(&rows, &nrows, run->ctx, &w, err)) != PT_OK)
		return rc;
	if (bj->all && nrows == 0) {
		/* No node at all: one row says so, so the job is not silently absent. */
		struct pt_node_obs none;
		pt_node_obs_init(&none);
		if ((none.node = strdup("")) == NULL)
			return pt_error_oom(err);
		w.raw = NULL;
		rc = pt_report_model(&rows, &nrows, run->ctx, &w, &none, 1, err);
		pt_node_obs_clear(&none);
		if (rc != PT_OK)
			return rc;
		pt_status_set(&rows[0].status, PT_STATUS_NO_DATA, "no node has data in this window");
	}
	rc = pt_batch_job_text(run, bj, rows, nrows, err);
	pt_rows_free(rows, nrows);
	if (rc == PT_OK)
		bj->done = true;
	return rc;
}

/* Fetches pieces p[0..n) at once and computes their jobs. */
static int run_wave(struct planner *pl, struct piece *p, size_t n, const struct pt_raw_set *set,
		int concurrency, size_t *finished, struct pt_error *err)
{
	struct run *run = pl->run;
	struct pt_raw_span spans[MAX_SPANS];
	struct pt_raw *raws[MAX_SPANS];
	size_t i, j, held = 0;
	double ns = 0;
	int rc;

	memset(spans, 0, sizeof(spans));
	for (i = 0; i < n; i++) {
		spans[i].a_ms = p[i].a;
		spans[i].b_ms = p[i].b;
		spans[i].nodes = p[i].all ? NULL : (const char *const *)p[i].nodes.keys;
		spans[i].nnodes = p[i].all ? 0 : p[i].nodes.n;
		spans[i].use_union = pl->union_req > 0 &&
				node_samples(pl, p[i].all ? pl->all_nodes : (double)p[i].nodes.n, p[i].a, p[i].b) < UNION_MAX;
		ns += node_samples(pl, p[i].all ? pl->all_nodes : (double)p[i].nodes.n, p[i].a, p[i].b);
	}
	rc = pt_raw_fetch(raws, set, run->ctx, spans, n, concurrency, err);
	for (i = 0; i < n && rc == PT_OK; i++) {
		run->res->raw_requests += pt_raw_requests(raws[i]);
		run->res->raw_samples += pt_raw_samples(raws[i]);
		held += pt_raw_samples(raws[i]);
		if (p[i].njobs > 1)
			run->res->raw_slices++;
		else
			run->res->raw_windows++;
		for (j = 0; j < p[i].njobs && rc == PT_OK; j++) {
			struct bjob *bj = &run->b[p[i].jobs[j]];
			if (bj->done)
				continue; /* in an earlier piece too */
			if ((rc = compute_job(run, bj, raws[i], err)) == PT_OK) {
				run->res->raw_jobs++;
				(*finished)++;
			}
		}
	}
	if (held > run->res->peak_samples)
		run->res->peak_samples = held;
	/* What one node-sample turned out to be: the budget's unit from now on. */
	if (rc == PT_OK && ns > 0 && held > 0) {
		double per = (double)held / ns;
		pl->max_ns = SAMPLE_BUDGET / (per > 1 ? per : 1);
	}
	for (i = 0; i < n; i++)
		pt_raw_free(raws[i]);
	return rc;
}

/* Why the store cannot be read raw here, or NULL: the same semantics are needed. */
static const char *unsuited(struct run *run, bool *left_open)
{
	struct pt_error e = {0, ""};
	char *version = NULL;
	const char *why = NULL;

	*left_open = false;
	if (run->grid.metricsql)
		return "the store speaks MetricsQL";
	if (run->grid.step_ms != run->grid.scrape_ms)
		return "--step differs from the scrape interval";
	if (pt_prom_buildinfo(&version, run->ctx->prom, &e) != PT_OK)
		return "the store's version is unknown";
	if (version[0] == '2' && version[1] == '.')
		*left_open = false;
	else if (version[0] >= '3' && version[0] <= '9' && version[1] == '.')
		*left_open = true;
	else
		why = "the store's version is unknown";
	free(version);
	return why;
}

struct by_start {
	int64_t start;
	size_t i;
};

static int cmp_start(const void *a, const void *b)
{
	const struct by_start *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int pt_batch_raw(struct run *run, const struct pt_batch_opts *opts, const size_t *order, size_t n,
		size_t *finished, struct pt_error *err)
{
	struct pt_raw_set *set = NULL;
	struct planner pl;
	struct piece *pieces = NULL;
	size_t *sorted = NULL, npieces = 0, cap = 0, i, wave;
	struct pt_strmap named = {0};
	struct by_start *bs = NULL;
	const char *why;
	bool left_open;
	int rc = PT_OK;

	if (opts->fetch == PT_FETCH_RANGE) {
		snprintf(run->res->fetch_note, sizeof(run->res->fetch_note), "asked for (--fetch range)");
		return PT_OK;
	}
	if ((why = unsuited(run, &left_open)) != NULL) {
		snprintf(run->res->fetch_note, sizeof(run->res->fetch_note), "%s", why);
		return PT_OK;
	}
	if ((rc = pt_raw_set_new(&set, run->ctx, left_open, err)) != PT_OK) {
		if (rc != PT_EUSAGE)
			return rc;
		snprintf(run->res->fetch_note, sizeof(run->res->fetch_note), "%.190s", err->msg);
		err->code = PT_OK;
		err->msg[0] = '\0';
		return PT_OK;
	}
	memset(&pl, 0, sizeof(pl));
	pl.run = run;
	pl.scrape = (double)run->grid.scrape_ms;
	pl.union_req = (double)pt_raw_set_union_requests(set);
	pl.exact_req = (double)pt_raw_set_selectors(set);
	pl.max_ns = SAMPLE_BUDGET / SERIES_GUESS;
	/* Every node a job names: what a job over every node is likely to hold. */
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < run->b[order[i]].nneed; k++)
			if (pt_strmap_put(&named, run->b[order[i]].need[k], NULL) == PT_STRMAP_NONE) {
				rc = pt_error_oom(err);
				goto out;
			}
	pl.all_nodes = named.n > ALL_NODES_GUESS ? (double)named.n : ALL_NODES_GUESS;

	if ((sorted = malloc((n ? n : 1) * sizeof(*sorted))) == NULL ||
			(bs = malloc((n ? n : 1) * sizeof(*bs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		bs[i].start = run->b[order[i]].job->start_ms;
		bs[i].i = order[i];
	}
	qsort(bs, n, sizeof(*bs), cmp_start);
	for (i = 0; i < n; i++)
		sorted[i] = bs[i].i;

	/* The plan, in start order: a job joins the open piece when fetching
	 * both together costs less than apart (dense jobs: slices), else it
	 * starts its own (sparse jobs: one fetch per window). A job too long
	 * to hold is left for the range queries. */
	for (i = 0; i < n; i++) {
		const struct bjob *bj = &run->b[sorted[i]];
		const struct pt_job *job = bj->job;
		double alone = node_samples(&pl, job_nodes(&pl, bj), job->start_ms, job->end_ms);
		struct piece *cur = npieces ? &pieces[npieces - 1] : NULL;

		/* --chunk bounds a fetch's span too. */
		if (alone > pl.max_ns || (opts->chunk_ms > 0 && job->end_ms - job->start_ms > opts->chunk_ms))
			continue;
		if (cur && opts->fetch != PT_FETCH_WINDOWS) {
			int64_t b = job->end_ms > cur->b ? job->end_ms : cur->b;
			double merged = node_samples(&pl, merged_nodes(&pl, cur, bj), cur->a, b);
			bool join = opts->fetch == PT_FETCH_SLICES ||
					fetch_cost(&pl, merged) <= cur->cost + fetch_cost(&pl, alone);
			if (join && merged <= pl.max_ns && (opts->chunk_ms <= 0 || b - cur->a <= opts->chunk_ms)) {
				if ((rc = piece_add(cur, run, sorted[i], err)) != PT_OK)
					goto out;
				cur->cost = fetch_cost(&pl, merged);
				continue;
			}
		}
		if (npieces == cap) {
			struct piece *p = realloc(pieces, (cap = cap ? cap * 2 : 64) * sizeof(*p));
			if (p == NULL) {
				rc = pt_error_oom(err);
				goto out;
			}
			pieces = p;
		}
		memset(&pieces[npieces], 0, sizeof(pieces[npieces]));
		if ((rc = piece_add(&pieces[npieces++], run, sorted[i], err)) != PT_OK)
			goto out;
		pieces[npieces - 1].cost = fetch_cost(&pl, alone);
	}

	/* Fetched in waves: as many pieces at once as the sample budget holds. */
	for (wave = 0; wave < npieces;) {
		double ns = 0;
		size_t k = wave;

		do {
			const struct piece *p = &pieces[k];
			ns += node_samples(&pl, p->all ? pl.all_nodes : (double)p->nodes.n, p->a, p->b);
			k++;
		} while (k < npieces && k - wave < MAX_SPANS &&
				ns + node_samples(&pl, pieces[k].all ? pl.all_nodes : (double)pieces[k].nodes.n,
					pieces[k].a, pieces[k].b) <= pl.max_ns);
		if ((rc = run_wave(&pl, &pieces[wave], k - wave, set, pt_slice_concurrency(opts->concurrency),
				finished, err)) != PT_OK)
			goto out;
		for (i = wave; i < k; i++)
			piece_clear(&pieces[i]);
		wave = k;
		if ((rc = pt_batch_write_ready(run, false, err)) != PT_OK)
			goto out;
		if (opts->progress)
			opts->progress(opts->user, *finished, run->res->jobs_computed);
	}
out:
	for (i = 0; i < npieces; i++)
		piece_clear(&pieces[i]);
	free(pieces);
	free(sorted);
	free(bs);
	pt_strmap_free(&named);
	pt_raw_set_free(set);
	return rc;
}
