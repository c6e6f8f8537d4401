/* batch_raw.c - batch from raw samples: a cost-based plan of what to fetch (each job's window, or slices that many jobs share), then every window answered locally as report would be. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_int.h"
#include "slices.h"
#include "promql.h"
#include "raw.h"
#include "report.h"
#include "strmap.h"

/* The cost of a fetch, in samples: each request costs about as much as
 * REQUEST_COST samples (its round trip, the query's setup in the store), on
 * top of the samples it brings. Measured on loopback against Prometheus 2.42
 * (60 nodes, 6 h, 400 jobs fetched per window and in slices): about 0.8 ms a
 * request and 0.4 us a sample. Fetches are sized in node-samples (one
 * sample of each series of a node), converted with the series per node. */
#define REQUEST_COST 2000.0
/* A fetch of fewer node-samples than this asks with one request per node
 * label (every metric name at once): the request count matters more than
 * the series of those names the selectors do not need. */
#define UNION_MAX 5000.0
/* Raw samples held at once (16 bytes each decoded, 24 MB; the answers in
 * flight add their JSON), and the series per node assumed when the store
 * cannot count them. */
#define SAMPLE_BUDGET 1500000.0
#define SERIES_GUESS 24.0
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
	double cost;     /* fetch_cost of the piece */
	double windows;  /* fetch_cost of its jobs' windows one by one */
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
	double per;           /* series per node */
};

static double node_samples(const struct planner *pl, double nodes, int64_t a, int64_t b)
{
	return nodes * ((double)(b - a) / pl->scrape + 1.0);
}

/* Whether a fetch of ns node-samples asks by node label, every name at once. */
static bool by_union(const struct planner *pl, double ns)
{
	return pl->union_req > 0 && ns < UNION_MAX;
}

static double fetch_cost(const struct planner *pl, double ns)
{
	return (by_union(pl, ns) ? pl->union_req : pl->exact_req) * REQUEST_COST + ns * pl->per;
}

/* What piece p fetches, in node-samples. */
static double piece_ns(const struct planner *pl, const struct piece *p)
{
	return node_samples(pl, p->all ? pl->all_nodes : (double)p->nodes.n, p->a, p->b);
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

static struct piece *new_piece(struct piece **list, size_t *n, size_t *cap, struct pt_error *err)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct piece *p = realloc(*list, c * sizeof(*p));
		if (p == NULL) {
			pt_error_oom(err);
			return NULL;
		}
		*list = p;
		*cap = c;
	}
	memset(&(*list)[*n], 0, sizeof(**list));
	return &(*list)[(*n)++];
}

/* ---- computing the jobs of a fetched piece ---- */

static int compute_job(struct run *run, struct bjob *bj, const struct pt_raw *raw,
		struct pt_error *err)
{
	struct pt_row *rows = NULL;
	size_t nrows = 0;
	struct pt_window w;
	int rc;

	pt_batch_job_window(&w, run, bj);
	w.store_warning = pt_raw_warnings(raw);
	w.raw = raw;
	if ((rc = pt_report_window(&rows, &nrows, run->ctx, &w, err)) != PT_OK)
		return rc;
	/* No node at all: one row says so, so the job is not silently absent. */
	if (bj->all && nrows == 0) {
		pt_rows_free(rows, nrows);
		rows = NULL;
		if ((rc = pt_batch_nobody(&rows, &nrows, run, &w, err)) != PT_OK)
			return rc;
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
	struct pt_error e = {0, ""};
	size_t i, j, held = 0;
	double ns = 0;
	int rc, frc;

	memset(spans, 0, sizeof(spans));
	for (i = 0; i < n; i++) {
		spans[i].a_ms = p[i].a;
		spans[i].b_ms = p[i].b;
		spans[i].nodes = p[i].all ? NULL : (const char *const *)p[i].nodes.keys;
		spans[i].nnodes = p[i].all ? 0 : p[i].nodes.n;
		spans[i].use_union = by_union(pl, piece_ns(pl, &p[i]));
		ns += piece_ns(pl, &p[i]);
	}
	/* A failed fetch (PT_ENET) leaves the other stores whole: their jobs
	 * are done before the failure is reported. */
	frc = pt_raw_fetch(raws, set, run->ctx, spans, n, concurrency, err);
	rc = frc == PT_ENET ? PT_OK : frc;
	for (i = 0; i < n && rc == PT_OK; i++) {
		if (pt_raw_failed(raws[i]))
			continue;
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
			if ((rc = compute_job(run, bj, raws[i], &e)) == PT_OK) {
				run->res->raw_jobs++;
				(*finished)++;
			}
		}
	}
	if (rc != PT_OK)
		*err = e;
	else
		rc = frc;
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

/* Whether the store can be read raw here (else the reason in note); *sem:
 * how its version evaluates PromQL (promql.h), which the local evaluation
 * must follow. Only Prometheus' own versions are known. */
static bool suited(struct run *run, unsigned *sem, char *note, size_t size)
{
	struct pt_error e = {0, ""};
	char *version = NULL;
	int major = 0, minor = 0;
	bool ok = true;

	*sem = 0;
	if (run->grid.metricsql) {
		snprintf(note, size, "the store speaks MetricsQL");
		return false;
	}
	if (run->grid.step_ms != run->grid.scrape_ms) {
		snprintf(note, size, "--step differs from the scrape interval");
		return false;
	}
	if (pt_prom_buildinfo(&version, run->ctx->prom, &e) != PT_OK) {
		snprintf(note, size, "the store's version is unknown");
		return false;
	}
	if (sscanf(version, "%d.%d", &major, &minor) != 2 || major < 2 || major > 9) {
		snprintf(note, size, "the store's version '%.60s' is not a Prometheus one", version);
		ok = false;
	} else if (major >= 3) {
		*sem = PT_PQ_LEFT_OPEN | PT_PQ_THRESHOLD_FIRST;
	} else if (minor >= 51) {
		*sem = PT_PQ_THRESHOLD_FIRST;
	}
	free(version);
	return ok;
}

int pt_batch_raw(struct run *run, const struct pt_batch_opts *opts, const size_t *order, size_t n,
		size_t *finished, struct pt_error *err)
{
	struct pt_raw_set *set = NULL;
	struct planner pl;
	struct piece *pieces = NULL, *slices = NULL;
	size_t npieces = 0, cap = 0, nslices = 0, scap = 0, i, wave;
	struct pt_strmap named = {0};
	struct pt_batch_key *bs = NULL;
	unsigned sem;
	double per = 0;
	int rc = PT_OK;

	if (opts->fetch == PT_FETCH_RANGE) {
		snprintf(run->res->fetch_note, sizeof(run->res->fetch_note), "asked for (--fetch range)");
		return PT_OK;
	}
	if (!suited(run, &sem, run->res->fetch_note, sizeof(run->res->fetch_note)))
		return PT_OK;
	if ((rc = pt_raw_set_new(&set, run->ctx, sem, err)) != PT_OK) {
		if (rc != PT_EUSAGE)
			return rc;
		snprintf(run->res->fetch_note, sizeof(run->res->fetch_note), "%.190s", err->msg);
		err->code = PT_OK;
		err->msg[0] = '\0';
		return PT_OK;
	}
	/* Metrics without data in the jobs' span are not fetched at all. */
	{
		int64_t a = INT64_MAX, b = INT64_MIN;
		for (i = 0; i < n; i++) {
			const struct pt_job *job = run->b[order[i]].job;
			a = job->start_ms < a ? job->start_ms : a;
			b = job->end_ms > b ? job->end_ms : b;
		}
		if (n && (rc = pt_raw_set_survey(set, run->ctx, a, b, &per, err)) != PT_OK)
			goto out;
	}
	memset(&pl, 0, sizeof(pl));
	pl.run = run;
	pl.scrape = (double)run->grid.scrape_ms;
	pl.union_req = (double)pt_raw_set_union_requests(set);
	pl.exact_req = (double)pt_raw_set_selectors(set);
	/* The budget in node-samples: by the series a node has (or a guess). */
	pl.per = per >= 1 ? per : SERIES_GUESS;
	pl.max_ns = SAMPLE_BUDGET / pl.per;
	/* Every node a job names: what a job over every node is likely to hold. */
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < run->b[order[i]].nneed; k++)
			if (pt_strmap_put(&named, run->b[order[i]].need[k], NULL) == PT_STRMAP_NONE) {
				rc = pt_error_oom(err);
				goto out;
			}
	pl.all_nodes = named.n > ALL_NODES_GUESS ? (double)named.n : ALL_NODES_GUESS;

	if ((bs = malloc((n ? n : 1) * sizeof(*bs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		bs[i].key = run->b[order[i]].job->start_ms;
		bs[i].i = order[i];
	}
	qsort(bs, n, sizeof(*bs), pt_batch_key_cmp);

	/* The plan. First slices: jobs in start order join the open slice
	 * while it holds the budget's node-samples (and --chunk); a job too
	 * long to hold alone is left for the range queries. Then each slice's
	 * cost is weighed against one fetch per window of its jobs: dense jobs
	 * keep their slice, sparse ones (a month of short jobs) get a fetch of
	 * their own window and nodes each. */
	for (i = 0; i < n; i++) {
		const struct bjob *bj = &run->b[bs[i].i];
		const struct pt_job *job = bj->job;
		double alone = node_samples(&pl, job_nodes(&pl, bj), job->start_ms, job->end_ms);
		struct piece *cur = nslices ? &slices[nslices - 1] : NULL;

		/* --chunk bounds a fetch's span too. */
		if (alone > pl.max_ns || (opts->chunk_ms > 0 && job->end_ms - job->start_ms > opts->chunk_ms))
			continue;
		if (cur && opts->fetch != PT_FETCH_WINDOWS) {
			int64_t b = job->end_ms > cur->b ? job->end_ms : cur->b;
			double merged = node_samples(&pl, merged_nodes(&pl, cur, bj), cur->a, b);
			if (merged <= pl.max_ns && (opts->chunk_ms <= 0 || b - cur->a <= opts->chunk_ms)) {
				if ((rc = piece_add(cur, run, bs[i].i, err)) != PT_OK)
					goto out;
				cur->cost = fetch_cost(&pl, merged);
				cur->windows += fetch_cost(&pl, alone);
				continue;
			}
		}
		if ((cur = new_piece(&slices, &nslices, &scap, err)) == NULL ||
				(rc = piece_add(cur, run, bs[i].i, err)) != PT_OK) {
			rc = rc != PT_OK ? rc : pt_error_oom(err);
			goto out;
		}
		cur->cost = cur->windows = fetch_cost(&pl, alone);
	}
	for (i = 0; i < nslices; i++) {
		struct piece *sl = &slices[i], *p;
		size_t j;

		if (sl->njobs > 1 && (opts->fetch == PT_FETCH_SLICES || sl->cost <= sl->windows)) {
			if ((p = new_piece(&pieces, &npieces, &cap, err)) == NULL) {
				rc = pt_error_oom(err);
				goto out;
			}
			*p = *sl;
			memset(sl, 0, sizeof(*sl));
			continue;
		}
		for (j = 0; j < sl->njobs; j++) {
			if ((p = new_piece(&pieces, &npieces, &cap, err)) == NULL ||
					(rc = piece_add(p, run, sl->jobs[j], err)) != PT_OK) {
				rc = rc != PT_OK ? rc : pt_error_oom(err);
				goto out;
			}
		}
	}

	/* Fetched in waves: as many pieces at once as the sample budget holds. */
	for (wave = 0; wave < npieces;) {
		double ns = 0;
		size_t k = wave;

		do
			ns += piece_ns(&pl, &pieces[k++]);
		while (k < npieces && k - wave < MAX_SPANS && ns + piece_ns(&pl, &pieces[k]) <= pl.max_ns);
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
	for (i = 0; i < nslices; i++)
		piece_clear(&slices[i]);
	free(pieces);
	free(slices);
	free(bs);
	pt_strmap_free(&named);
	pt_raw_set_free(set);
	return rc;
}
