/* jobs.h - the jobs file of batch (doc/reference.md §1.5): one window per row, task, start, end and optional nodes. */
#ifndef PT_JOBS_H
#define PT_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

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
void pt_jobs_free(struct pt_jobs *j); /* NULL ok */
/* Keeps what keep says to: it is asked for every (job, node), or (job, NULL)
 * for a job of every node; jobs left without nodes go. *dropped counts the
 * rows not to compute. keep's error stops it (the jobs then half filtered). */
int pt_jobs_filter(struct pt_jobs *j, int (*keep)(void *user, const struct pt_job *job,
		const char *node, bool *keep, struct pt_error *err), void *user, size_t *dropped,
		struct pt_error *err) PT_WUR;

#endif
