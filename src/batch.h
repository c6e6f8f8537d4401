/* batch.h - many windows at once (SPEC.md §2 batch): the jobs file, the rows of an earlier run (--resume), and a run that fetches each quantity once per time slice. */
#ifndef PT_BATCH_H
#define PT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "csvout.h"
#include "error.h"
#include "report.h"

struct pt_sink;

/* ---- jobs file ---- */

struct pt_job {
	int line;            /* line of the jobs file the row starts on */
	char *task;
	int64_t start_ms, end_ms;
	char **nodes;        /* distinct, in the order given; none = every node with data */
	size_t nnodes;
};

#define PT_JOBS_MAX_PROBLEMS 20

struct pt_jobs {
	struct pt_job *items;
	size_t n;
	/* Bad rows, one message each ("jobs.csv:4: ..."), the first
	 * PT_JOBS_MAX_PROBLEMS of nbad. */
	char **problems;
	size_t nproblems, nbad;
};

/* Parses a jobs file: CSV with a header naming at least task, start and end
 * (any order, any case), optionally nodes (names separated by ';'); other
 * columns are ignored. Times are RFC 3339 or Unix seconds. A header without a
 * required column, a row without a value for one, an unparsable time, an end
 * not after its start or malformed CSV are PT_EUSAGE: err names the first
 * ("jobs.csv:4: ..." with `name` as the file), and *out, still returned, lists
 * every bad row in problems for the caller to show. Caller frees *out with
 * pt_jobs_free (also on error). */
int pt_jobs_parse(struct pt_jobs **out, const char *text, size_t len, const char *name,
		struct pt_error *err) PT_WUR;
/* Same, from a file ("-" = standard input). */
int pt_jobs_load(struct pt_jobs **out, const char *path, struct pt_error *err) PT_WUR;
void pt_jobs_free(struct pt_jobs *j);
/* Keeps what keep says to: it is asked for every (job, node), or (job, NULL)
 * for a job of every node; jobs left without nodes go. *dropped counts the
 * rows not to compute. keep's error stops it (the jobs then half filtered). */
int pt_jobs_filter(struct pt_jobs *j, int (*keep)(void *user, const struct pt_job *job,
		const char *node, bool *keep, struct pt_error *err), void *user, size_t *dropped,
		struct pt_error *err) PT_WUR;

/* ---- rows of an earlier run (--resume) ---- */

struct pt_batch_prev;

/* Reads the CSV an earlier batch wrote to path; a file that does not exist is
 * an empty one. PT_EUSAGE when its header is not the report header or a row
 * is malformed (naming file:line). Caller frees with pt_batch_prev_free. */
int pt_batch_prev_load(struct pt_batch_prev **out, const char *path, struct pt_error *err) PT_WUR;
int pt_batch_prev_parse(struct pt_batch_prev **out, const char *text, size_t len,
		const char *name, struct pt_error *err) PT_WUR;
void pt_batch_prev_free(struct pt_batch_prev *p);
size_t pt_batch_prev_rows(const struct pt_batch_prev *p);

/* ---- the run ---- */

struct pt_batch_opts {
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
	size_t slices, requests;
	int64_t step_ms, scrape_ms;
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
