/* batch.h - many windows at once (doc/reference.md §1.5): a run that fetches each quantity once per time slice; its inputs are in jobs.h and resume.h. */
#ifndef PT_BATCH_H
#define PT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "csvout.h"
#include "error.h"
#include "jobs.h"
#include "report.h"
#include "resume.h"

struct pt_sink;

/* How batch fetches its data (doc/reference.md §1.5): raw samples per job
 * window or in slices as their cost says, only one of the two, or range
 * queries on the grid. */
enum pt_batch_fetch { PT_FETCH_AUTO, PT_FETCH_WINDOWS, PT_FETCH_SLICES, PT_FETCH_RANGE };

struct pt_batch_opts {
	enum pt_batch_fetch fetch;
	int64_t step_ms;       /* grid step; 0 = the scrape interval */
	int64_t scrape_ms;     /* data's sample interval; 0 = from the targets API, else 15 s */
	int64_t chunk_ms;      /* longest time slice fetched at once; 0 = as many points
	                          as one request may ask for (memory permitting) */
	int concurrency;       /* requests in flight; <= 0 = 4 */
	bool every_point;      /* power limits and model names at every grid point too,
	                          not in blocks (series.h); the rows are the same */
	struct pt_batch_prev *prev; /* rows to keep (--resume), or NULL; the run marks
	                               the rows it takes over */
	struct pt_sink *sink;  /* a database the computed rows go into instead of out
	                          (sink.h; begun on pt_schema_node), or NULL */
	/* Called after each slice (and once at the end). */
	void (*progress)(void *user, size_t jobs_done, size_t jobs_total);
	void *user;
};

struct pt_batch_result {
	size_t rows;           /* rows written */
	size_t rows_kept;      /* of which taken over from prev */
	size_t jobs_computed;  /* jobs that needed queries */
	bool missing;          /* a row written is not "ok" (exit 1) */
	size_t *failed;        /* jobs (indices into jobs->items) left without their rows */
	size_t nfailed;
	size_t slices, requests;  /* range queries: slices, requests */
	int64_t step_ms, scrape_ms;
	/* Raw samples: jobs computed from them, fetches of one job's window
	 * (or a few alike) and of slices holding many, requests, samples. */
	size_t raw_jobs, raw_windows, raw_slices, raw_requests, raw_samples;
	size_t peak_samples;      /* most raw samples held at once */
	char fetch_note[200];     /* why range queries were used, "" when not */
};

/* Writes one report row per (task, node) of every job to out (header
 * already written by pt_out_open), in the order of the jobs file: per job the
 * requested nodes in their order, or every node with data sorted by name
 * (a job where no node has data gets one row with an empty node and status
 * no_data). Rows in prev for the same task, window and node are written as
 * they were and not computed again; prev rows that match no job follow at
 * the end.
 *
 * The query plan does not grow with the number of jobs: the grid points the
 * jobs need are merged and fetched in time slices (pt_slice_fetch_blocks),
 * each quantity once per slice for the union of the nodes of the jobs it
 * covers, power limits and model names in blocks half as long as the
 * shortest job (fetched again point by point for the few windows the blocks
 * do not settle), and every job's window is integrated locally from them. A job's rows are
 * written as soon as the slice holding its end is done and every job before
 * it in the file is written.
 *
 * On a Prometheus failure (after the client's retries) the run stops,
 * writes every row it has (finished jobs, kept rows), lists the jobs left
 * without rows in res->failed and returns PT_ENET; the caller commits out so
 * that --resume can finish the file. Other errors (PT_EWRITE, PT_ENOMEM):
 * the caller abandons out. Caller clears res with pt_batch_result_clear. */
int pt_batch_run(struct pt_batch_result *res, struct pt_ctx *ctx, const struct pt_jobs *jobs,
		const struct pt_batch_opts *opts, struct pt_out *out, struct pt_error *err) PT_WUR;
void pt_batch_result_clear(struct pt_batch_result *res);

#endif
