/* batch_int.h - what batch.c and batch_raw.c share: the state of one batch run and of each job in it. */
#ifndef PT_BATCH_INT_H
#define PT_BATCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "batch.h"
#include "carbon.h"
#include "csvout.h"
#include "report.h"
#include "series.h"
#include "strmap.h"

struct bjob {
	const struct pt_job *job;
	bool compute;       /* needs queries */
	bool all;           /* every node with data */
	bool done, failed;
	const char **need;  /* explicit: nodes to compute, in the job's order */
	size_t nneed;
	size_t *kept;       /* explicit: prev row per job node (or NONE); all: the kept rows */
	size_t nkept;
	int64_t ka, kb;     /* grid points that overlap its window */
	struct pt_node_acc *accs;
	size_t nacc, acap;
	struct pt_strmap accmap; /* all: node -> acc */
	/* Carbon over time (carbon.h): the window's pieces at the intensity
	 * files' boundaries; per acc, an accumulator per piece while its points
	 * come in, and the energy-weighted sums of the pieces done, so memory
	 * holds only the pieces the current slice touches. */
	int64_t *bounds;
	size_t npieces;     /* > 1 when the window crosses a boundary, else 0 */
	size_t pdone;       /* pieces finished: their sums are taken */
	struct piece_accs *pcs; /* parallel to accs */
	struct pt_buf text; /* its rows, ready to write */
	struct pt_buf warnings; /* the store's warnings on the slices it was computed from */
};

struct piece_accs {
	struct pt_node_acc **p;   /* npieces, NULL until the piece has a point */
	struct pt_carbon_sums sums;
};

struct run {
	struct pt_ctx *ctx;
	const struct pt_jobs *jobs;
	struct pt_batch_prev *prev;
	struct pt_out *out;     /* NULL when the rows go into sink */
	struct pt_sink *sink;
	struct pt_batch_result *res;
	struct bjob *b;
	struct pt_grid grid;
	size_t cursor;      /* next job to write */
};

/* Jobs sorted by a key (a grid point, a start time), ties in file order. */
struct pt_batch_key {
	int64_t key;
	size_t i;
};
int pt_batch_key_cmp(const void *a, const void *b);

/* The report window of a job: its span and nodes, the run's grid. */
void pt_batch_job_window(struct pt_window *w, const struct run *run, const struct bjob *bj);

/* The one row of a job over every node where no node has data:
 * "no_data: no node has data in this window". */
int pt_batch_nobody(struct pt_row **rows, size_t *nrows, const struct run *run,
		const struct pt_window *w, struct pt_error *err) PT_WUR;

/* A computed job's rows (rows, in the order of bj->need, or sorted for
 * every-node jobs) with its kept ones, into bj->text and the sink. */
int pt_batch_job_text(struct run *run, struct bjob *bj, const struct pt_row *rows, size_t nrows,
		struct pt_error *err) PT_WUR;

/* Writes every job from the cursor on that is ready (or, with flush, all). */
int pt_batch_write_ready(struct run *run, bool flush, struct pt_error *err) PT_WUR;

/* The jobs of order[0..n) computed from raw samples (raw.h) where the plan
 * (opts->fetch, the cost of each fetch) says so: done and written as they
 * finish; the others are left for the range queries. *finished counts the
 * jobs done. PT_ENET when a fetch fails (the jobs done stay done). */
int pt_batch_raw(struct run *run, const struct pt_batch_opts *opts, const size_t *order, size_t n,
		size_t *finished, struct pt_error *err) PT_WUR;

#endif
