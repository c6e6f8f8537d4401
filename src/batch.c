/* batch.c - the batch run: many windows integrated locally from range data fetched once per time slice. */
#include "batch.h"
#include "batch_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbon.h"
#include "schema.h"
#include "scrape.h"
#include "series.h"
#include "sink.h"
#include "slices.h"
#include "strmap.h"
#include "timefmt.h"

/* Fewest points per slice (unless --chunk asks for fewer). */
#define MIN_SLICE_POINTS 60
/* Most points per block of a blocked quantity: past it, blocks save little more. */
#define MAX_BLOCK 60

static void piece_free(struct piece_accs *pc, size_t p)
{
	if (pc->p && pc->p[p]) {
		pt_node_acc_clear(pc->p[p]);
		free(pc->p[p]);
		pc->p[p] = NULL;
	}
}

static void bjob_free_accs(struct bjob *bj)
{
	size_t i, p;

	for (i = 0; i < bj->nacc; i++) {
		pt_node_acc_clear(&bj->accs[i]);
		if (bj->pcs == NULL)
			continue;
		for (p = 0; p < bj->npieces; p++)
			piece_free(&bj->pcs[i], p);
		free(bj->pcs[i].p);
		pt_carbon_sums_clear(&bj->pcs[i].sums);
	}
	free(bj->pcs);
	bj->pcs = NULL;
	free(bj->bounds);
	bj->bounds = NULL;
	bj->npieces = bj->pdone = 0;
	free(bj->accs);
	bj->accs = NULL;
	bj->nacc = bj->acap = 0;
	pt_strmap_free(&bj->accmap);
}

static void bjob_clear(struct bjob *bj)
{
	bjob_free_accs(bj);
	free(bj->need);
	free(bj->kept);
	pt_buf_free(&bj->text);
	pt_buf_free(&bj->warnings);
	memset(bj, 0, sizeof(*bj));
}

/* What the earlier run already has for this job, and what is left to compute. */
static int plan_job(struct bjob *bj, const struct pt_job *job, struct pt_batch_prev *prev,
		struct pt_error *err)
{
	char s[40], e[40];
	struct pt_buf cell = {0};
	size_t head = PT_STRMAP_NONE, i, r;
	int rc;

	bj->job = job;
	bj->all = job->nnodes == 0;
	if (prev && prev->n > 0) {
		/* Names as the file's cells hold them: after the formula guard. */
		pt_time_format(s, sizeof(s), job->start_ms);
		pt_time_format(e, sizeof(e), job->end_ms);
		rc = pt_csv_guarded(&cell, job->task, err);
		if (rc == PT_OK)
			rc = pt_batch_prev_first(&head, prev, cell.data ? cell.data : "", s, e, err);
		pt_buf_free(&cell);
		if (rc != PT_OK)
			return rc;
	}
	if (bj->all) {
		/* One kept row per node: a job listed twice takes two sets. */
		size_t cap = 0;
		for (r = head; r != PT_STRMAP_NONE; r = prev->rows[r].next) {
			bool seen = false;
			if (prev->rows[r].used)
				continue;
			for (i = 0; i < bj->nkept && !seen; i++)
				seen = strcmp(prev->rows[bj->kept[i]].node, prev->rows[r].node) == 0;
			if (seen)
				continue;
			if (bj->nkept == cap) {
				size_t *k = realloc(bj->kept, (cap = cap ? cap * 2 : 8) * sizeof(*k));
				if (k == NULL)
					return pt_error_oom(err);
				bj->kept = k;
			}
			bj->kept[bj->nkept++] = r;
		}
		for (i = 0; i < bj->nkept; i++)
			prev->rows[bj->kept[i]].used = true;
		bj->compute = bj->nkept == 0;
		return PT_OK;
	}
	if ((bj->kept = malloc(job->nnodes * sizeof(*bj->kept))) == NULL ||
			(bj->need = malloc(job->nnodes * sizeof(*bj->need))) == NULL)
		return pt_error_oom(err);
	for (i = 0; i < job->nnodes; i++) {
		bj->kept[i] = PT_STRMAP_NONE;
		pt_buf_reset(&cell);
		if ((rc = pt_csv_guarded(&cell, job->nodes[i], err)) != PT_OK) {
			pt_buf_free(&cell);
			return rc;
		}
		for (r = head; r != PT_STRMAP_NONE; r = prev->rows[r].next)
			if (!prev->rows[r].used &&
					strcmp(prev->rows[r].node, cell.data ? cell.data : "") == 0)
				break;
		if (r != PT_STRMAP_NONE) {
			prev->rows[r].used = true;
			bj->kept[i] = r;
			bj->nkept++;
		} else {
			bj->need[bj->nneed++] = job->nodes[i];
		}
	}
	pt_buf_free(&cell);
	bj->compute = bj->nneed > 0;
	return PT_OK;
}

static int add_kept(struct run *run, struct pt_buf *b, size_t r, struct pt_error *err)
{
	const struct pt_prev_row *row = &run->prev->rows[r];

	if (!row->ok)
		run->res->missing = true;
	run->res->rows_kept++;
	return pt_buf_append(b, row->raw, strlen(row->raw), err);
}

/* The job's rows in order: kept ones as they were, computed ones (rows, in
 * the order of bj->need, or sorted for every-node jobs) where they belong. */
int pt_batch_job_text(struct run *run, struct bjob *bj, const struct pt_row *rows, size_t nrows,
		struct pt_error *err)
{
	size_t i, ci = 0;
	int rc = PT_OK;

	for (i = 0; i < nrows; i++)
		if (rows[i].status.kind != PT_STATUS_OK)
			run->res->missing = true;
	if (run->sink && nrows && (rc = pt_sink_put_rows(run->sink, rows, nrows, err)) != PT_OK)
		return rc;
	if (bj->all) {
		for (i = 0; i < bj->nkept && rc == PT_OK; i++)
			rc = add_kept(run, &bj->text, bj->kept[i], err);
		if (rc == PT_OK && nrows)
			rc = pt_csv_rows(&bj->text, &pt_schema_node, rows, nrows, err);
		return rc;
	}
	for (i = 0; i < bj->job->nnodes && rc == PT_OK; i++) {
		if (bj->kept[i] != PT_STRMAP_NONE)
			rc = add_kept(run, &bj->text, bj->kept[i], err);
		else if (ci < nrows)
			rc = pt_csv_rows(&bj->text, &pt_schema_node, &rows[ci++], 1, err);
	}
	return rc;
}

static size_t count_lines(const struct pt_buf *b)
{
	size_t n = 0, i;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

/* Writes every job from the cursor on that is ready (or, with flush, all). */
int pt_batch_write_ready(struct run *run, bool flush, struct pt_error *err)
{
	int rc;

	while (run->cursor < run->jobs->n) {
		struct bjob *bj = &run->b[run->cursor];

		if (bj->compute && !bj->done && !flush)
			break;
		if (!bj->done && (rc = pt_batch_job_text(run, bj, NULL, 0, err)) != PT_OK)
			return rc;
		if (bj->text.len) {
			/* Lines: kept rows are whole records; a quoted newline would miscount
			 * only the statistics. */
			run->res->rows += count_lines(&bj->text);
			if (run->out &&
					(rc = pt_out_write(run->out, bj->text.data, bj->text.len, err)) != PT_OK)
				return rc;
		}
		pt_buf_free(&bj->text);
		run->cursor++;
	}
	return PT_OK;
}

/* Grid points holding piece p's window (as a job's ka, kb). */
static void piece_points(const struct run *run, const struct bjob *bj, size_t p, int64_t *ka,
		int64_t *kb)
{
	*ka = pt_grid_first(&run->grid, bj->bounds[p] - run->grid.scrape_ms);
	*kb = pt_grid_last(&run->grid, bj->bounds[p + 1]);
}

/* Piece p is complete: each node's row over it, by the same rules as the
 * window's, adds its energy x intensity to the node's sums; its
 * accumulators go. */
static int finish_piece(struct run *run, struct bjob *bj, size_t p, struct pt_error *err)
{
	struct pt_node_obs *obs = NULL;
	struct pt_row *rows = NULL;
	size_t *idx = NULL, nobs = 0, nrows = 0, i;
	struct pt_window pw;
	int rc = PT_OK;

	if ((obs = calloc(bj->nacc ? bj->nacc : 1, sizeof(*obs))) == NULL ||
			(idx = calloc(bj->nacc ? bj->nacc : 1, sizeof(*idx))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	memset(&pw, 0, sizeof(pw));
	pw.task = bj->job->task;
	pw.start_ms = bj->bounds[p];
	pw.end_ms = bj->bounds[p + 1];
	pw.scrape_interval_ms = run->grid.scrape_ms;
	pw.step_ms = run->grid.step_ms;
	for (i = 0; i < bj->nacc && rc == PT_OK; i++) {
		const struct pt_node_acc *a = bj->pcs[i].p ? bj->pcs[i].p[p] : NULL;
		if (a == NULL || !a->any)
			continue;
		if ((rc = pt_node_acc_obs(&obs[nobs], a, &run->grid, pw.start_ms, pw.end_ms,
				run->ctx->qs->q[PT_Q_COVERED] != NULL, err)) == PT_OK)
			idx[nobs++] = i;
	}
	if (rc == PT_OK)
		rc = pt_report_model(&rows, &nrows, run->ctx, &pw, obs, nobs, err);
	for (i = 0; i < nrows && rc == PT_OK; i++) {
		double g;
		rc = pt_carbon_piece_g(&g, run->ctx, rows[i].node, &rows[i], pw.start_ms, pw.end_ms, err);
		if (rc == PT_OK)
			rc = pt_carbon_sums_add(&bj->pcs[idx[i]].sums, &rows[i], g, err);
	}
out:
	pt_rows_free(rows, nrows);
	for (i = 0; obs && i < nobs; i++)
		pt_node_obs_clear(&obs[i]);
	free(obs);
	free(idx);
	for (i = 0; bj->pcs && i < bj->nacc; i++)
		piece_free(&bj->pcs[i], p);
	return rc;
}

/* Finishes the pieces whose points all lie before grid point k1. */
static int finish_pieces(struct run *run, struct bjob *bj, int64_t k1, struct pt_error *err)
{
	int64_t ka, kb;
	int rc;

	while (bj->pdone < bj->npieces) {
		piece_points(run, bj, bj->pdone, &ka, &kb);
		if (kb >= k1)
			break;
		if ((rc = finish_piece(run, bj, bj->pdone, err)) != PT_OK)
			return rc;
		bj->pdone++;
	}
	return PT_OK;
}

/* The accumulator of the node of a row of the job, or NONE. */
static size_t acc_of(const struct bjob *bj, size_t i, const char *node)
{
	if (bj->all)
		return pt_strmap_get(&bj->accmap, node);
	if (i < bj->nacc && strcmp(bj->accs[i].node, node) == 0)
		return i;
	for (i = 0; i < bj->nacc; i++)
		if (strcmp(bj->accs[i].node, node) == 0)
			return i;
	return PT_STRMAP_NONE;
}

/* CO2 over time (carbon.h): each row's intensity weighted by its pieces'
 * energies (the sums finish_piece took). */
static int job_carbon(struct run *run, struct bjob *bj, struct pt_row *rows, size_t nrows,
		struct pt_error *err)
{
	const struct pt_job *job = bj->job;
	int64_t whole[2];
	size_t i, ai;
	int rc;

	if (bj->npieces <= 1) {
		whole[0] = job->start_ms;
		whole[1] = job->end_ms;
		return pt_carbon_apply(rows, nrows, run->ctx, whole, 1, &rows, &nrows, err);
	}
	if ((rc = finish_pieces(run, bj, INT64_MAX, err)) != PT_OK)
		return rc;
	for (i = 0; i < nrows; i++) {
		const struct pt_intensity *t = pt_carbon_table(run->ctx, rows[i].node);
		double mean = rows[i].carbon_intensity;

		if (t == NULL && !pt_carbon_node_varies(run->ctx, rows[i].node))
			continue;
		if (t && (rc = pt_intensity_mean(t, job->start_ms, job->end_ms, &mean, err)) != PT_OK)
			return rc;
		if ((ai = acc_of(bj, i, rows[i].node)) == PT_STRMAP_NONE) {
			struct pt_carbon_sums none;
			memset(&none, 0, sizeof(none));
			pt_carbon_sums_apply(&none, &rows[i], mean);
		} else {
			pt_carbon_sums_apply(&bj->pcs[ai].sums, &rows[i], mean);
		}
	}
	return PT_OK;
}

void pt_batch_job_window(struct pt_window *w, const struct run *run, const struct bjob *bj)
{
	memset(w, 0, sizeof(*w));
	w->task = bj->job->task;
	w->start_ms = bj->job->start_ms;
	w->end_ms = bj->job->end_ms;
	w->nodes = bj->need;
	w->nnodes = bj->nneed;
	w->scrape_interval_ms = run->grid.scrape_ms;
	w->step_ms = run->grid.step_ms;
}

int pt_batch_nobody(struct pt_row **rows, size_t *nrows, const struct run *run,
		const struct pt_window *w, struct pt_error *err)
{
	struct pt_node_obs none;
	struct pt_window ww = *w;
	int rc;

	pt_node_obs_init(&none);
	if ((none.node = strdup("")) == NULL)
		return pt_error_oom(err);
	ww.raw = NULL;
	rc = pt_report_model(rows, nrows, run->ctx, &ww, &none, 1, err);
	pt_node_obs_clear(&none);
	if (rc == PT_OK)
		pt_status_set(&(*rows)[0].status, PT_STATUS_NO_DATA, "no node has data in this window");
	return rc;
}

/* Rows of a job whose last slice is done. */
static int finish_job(struct run *run, struct bjob *bj, struct pt_error *err)
{
	const struct pt_job *job = bj->job;
	struct pt_node_obs *obs = NULL;
	struct pt_row *rows = NULL;
	size_t nobs = 0, nrows = 0, i;
	struct pt_window w;
	int rc = PT_OK;

	if ((obs = calloc(bj->nacc ? bj->nacc : 1, sizeof(*obs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < bj->nacc; i++) {
		if (bj->all && !bj->accs[i].any)
			continue;
		if ((rc = pt_node_acc_obs(&obs[nobs], &bj->accs[i], &run->grid, job->start_ms,
				job->end_ms, run->ctx->qs->q[PT_Q_COVERED] != NULL, err)) != PT_OK)
			goto out;
		nobs++;
	}
	if (bj->all)
		pt_node_obs_sort(obs, nobs);
	pt_batch_job_window(&w, run, bj);
	w.store_warning = bj->warnings.len ? bj->warnings.data : NULL;
	if (bj->all && nobs == 0)
		rc = pt_batch_nobody(&rows, &nrows, run, &w, err);
	else
		rc = pt_report_model(&rows, &nrows, run->ctx, &w, obs, nobs, err);
	if (rc != PT_OK)
		goto out;
	if (pt_carbon_varies(run->ctx) && (rc = job_carbon(run, bj, rows, nrows, err)) != PT_OK)
		goto out;
	if ((rc = pt_batch_job_text(run, bj, rows, nrows, err)) != PT_OK)
		goto out;
	bj->done = true;
out:
	pt_rows_free(rows, nrows);
	if (obs) {
		for (i = 0; i < nobs; i++)
			pt_node_obs_clear(&obs[i]);
		free(obs);
	}
	bjob_free_accs(bj);
	return rc;
}

/* The piece slots of acc ai (when the window has pieces). */
static int init_pieces(struct bjob *bj, size_t ai, struct pt_error *err)
{
	if (bj->npieces <= 1)
		return PT_OK;
	if ((bj->pcs[ai].p = calloc(bj->npieces, sizeof(*bj->pcs[ai].p))) == NULL)
		return pt_error_oom(err);
	return PT_OK;
}

/* Room for cap accumulators (and their pieces). */
static int grow_accs(struct bjob *bj, size_t cap, struct pt_error *err)
{
	struct pt_node_acc *a = realloc(bj->accs, cap * sizeof(*a));

	if (a == NULL)
		return pt_error_oom(err);
	bj->accs = a;
	if (bj->npieces > 1) {
		struct piece_accs *pc = realloc(bj->pcs, cap * sizeof(*pc));
		if (pc == NULL)
			return pt_error_oom(err);
		memset(pc + bj->acap, 0, (cap - bj->acap) * sizeof(*pc));
		bj->pcs = pc;
	}
	bj->acap = cap;
	return PT_OK;
}

static int start_job(struct run *run, struct bjob *bj, struct pt_error *err)
{
	size_t i, nb = 0;
	int rc;

	if (pt_carbon_varies(run->ctx)) {
		if ((rc = pt_carbon_bounds(&bj->bounds, &nb, run->ctx, bj->job->start_ms,
				bj->job->end_ms, err)) != PT_OK)
			return rc;
		bj->npieces = nb - 1 > 1 ? nb - 1 : 0;
	}
	if (bj->all)
		return PT_OK;
	if ((rc = grow_accs(bj, bj->nneed ? bj->nneed : 1, err)) != PT_OK)
		return rc;
	for (i = 0; i < bj->nneed; i++) {
		if ((rc = pt_node_acc_init(&bj->accs[i], bj->need[i], err)) != PT_OK)
			return rc;
		bj->nacc++;
		if ((rc = init_pieces(bj, i, err)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

/* Track t into acc ai for the window and each of its pieces. */
static int add_track(struct run *run, struct bjob *bj, size_t ai, const struct pt_slice *s, size_t t,
		struct pt_error *err)
{
	const struct pt_job *job = bj->job;
	size_t p;
	int rc;

	if ((rc = pt_node_acc_add(&bj->accs[ai], s, &s->tracks[t], job->start_ms, job->end_ms,
			err)) != PT_OK)
		return rc;
	/* The pieces this slice has points of (earlier ones are done). */
	for (p = bj->pdone; p < bj->npieces; p++) {
		struct pt_node_acc **slot = &bj->pcs[ai].p[p];
		int64_t ka, kb;

		piece_points(run, bj, p, &ka, &kb);
		if (kb < s->k0)
			continue;
		if (ka >= s->k1)
			break;
		if (*slot == NULL) {
			if ((*slot = malloc(sizeof(**slot))) == NULL)
				return pt_error_oom(err);
			if ((rc = pt_node_acc_init(*slot, bj->accs[ai].node, err)) != PT_OK) {
				free(*slot);
				*slot = NULL;
				return rc;
			}
		}
		if ((rc = pt_node_acc_add(*slot, s, &s->tracks[t], bj->bounds[p], bj->bounds[p + 1],
				err)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

static int add_node_tracks(struct run *run, struct bjob *bj, size_t ai, const struct pt_slice *s, size_t ni,
		struct pt_error *err)
{
	size_t t, gi;
	bool own_ci = false;
	int rc;

	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next) {
		own_ci = own_ci || s->tracks[t].quantity == PT_Q_CARBON_INTENSITY;
		if ((rc = add_track(run, bj, ai, s, t, err)) != PT_OK)
			return rc;
	}
	/* The grid's intensity without a node (node "") where the node has none. */
	if (!own_ci && *s->nodes.keys[ni] && (gi = pt_strmap_get(&s->nodes, "")) != PT_STRMAP_NONE)
		for (t = s->node_first[gi]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
			if (s->tracks[t].quantity == PT_Q_CARBON_INTENSITY &&
					(rc = add_track(run, bj, ai, s, t, err)) != PT_OK)
				return rc;
	return PT_OK;
}

static int accumulate(struct run *run, struct bjob *bj, const struct pt_slice *s,
		struct pt_error *err)
{
	size_t i, ni;
	int rc;

	/* Warnings are per answer, answers per slice: every job the slice
	 * serves may miss what the store left out. */
	if (s->warnings.len && (rc = pt_prom_warning_merge(&bj->warnings, s->warnings.data, err)) != PT_OK)
		return rc;

	if (!bj->all) {
		for (i = 0; i < bj->nneed; i++) {
			if ((ni = pt_strmap_get(&s->nodes, bj->need[i])) == PT_STRMAP_NONE)
				continue;
			if ((rc = add_node_tracks(run, bj, i, s, ni, err)) != PT_OK)
				return rc;
		}
		return PT_OK;
	}
	for (ni = 0; ni < s->nodes.n; ni++) {
		bool added;
		size_t ai = pt_strmap_put(&bj->accmap, s->nodes.keys[ni], &added);

		if (ai == PT_STRMAP_NONE)
			return pt_error_oom(err);
		if (added) {
			if (bj->nacc == bj->acap &&
					(rc = grow_accs(bj, bj->acap ? bj->acap * 2 : 16, err)) != PT_OK)
				return rc;
			if ((rc = pt_node_acc_init(&bj->accs[bj->nacc], s->nodes.keys[ni], err)) != PT_OK)
				return rc;
			bj->nacc++;
			if ((rc = init_pieces(bj, bj->nacc - 1, err)) != PT_OK)
				return rc;
		}
		if ((rc = add_node_tracks(run, bj, ai, s, ni, err)) != PT_OK)
			return rc;
	}
	return PT_OK;
}

/* Windows of the slice's active jobs that its blocks do not settle get every
 * point of those nodes' blocked quantities (pt_slice_check, pt_slice_refine). */
static int check_node(struct pt_slice *s, size_t ni, const struct pt_job *job,
		struct pt_error *err)
{
	size_t t;
	int rc;

	for (t = s->node_first[ni]; t != PT_STRMAP_NONE; t = s->tracks[t].next)
		if (s->tracks[t].blk &&
				(rc = pt_slice_check(s, &s->tracks[t], job->start_ms, job->end_ms, err)) != PT_OK)
			return rc;
	return PT_OK;
}

static int settle_blocks(struct run *run, struct pt_slice *s, const size_t *active, size_t nactive,
		int concurrency, struct pt_error *err)
{
	size_t i, j, ni;
	int rc;

	for (i = 0; i < nactive; i++) {
		const struct bjob *bj = &run->b[active[i]];

		for (j = 0; j < (bj->all ? s->nodes.n : bj->nneed); j++) {
			ni = bj->all ? j : pt_strmap_get(&s->nodes, bj->need[j]);
			if (ni != PT_STRMAP_NONE && (rc = check_node(s, ni, bj->job, err)) != PT_OK)
				return rc;
		}
	}
	return pt_slice_refine(s, run->ctx, concurrency, err);
}

struct len_idx {
	int64_t n;  /* grid points of the job's window */
	size_t i;
};

static int cmp_len(const void *a, const void *b)
{
	const struct len_idx *x = a, *y = b;

	return x->n < y->n ? -1 : x->n > y->n;
}

/* Points per block for limits and model names (series.h). A window of n
 * points holds a whole block of m when n >= 2m - 1 (one point fewer for
 * MetricsQL's open ranges: n >= 2m is asked); the nodes of shorter jobs get
 * those quantities again point by point (pt_slice_refine). The m taken
 * fetches the fewest points: |nodes| / m for the blocks, plus every point of
 * the nodes of the jobs too short for them. Scheduler logs are full of jobs
 * that failed in seconds: they must not cost the others their blocks. */
static int64_t choose_block(const struct run *run, const size_t *order, size_t n,
		struct pt_error *err, int *rc)
{
	struct pt_strmap u = {0}, shortn = {0};
	struct len_idx *li = NULL;
	double all_nodes, best_cost, short_nodes = 0;
	int64_t best = 1, m;
	size_t i, j = 0;
	bool any_all = false, short_all = false;

	*rc = PT_OK;
	if (n == 0 || (li = malloc(n * sizeof(*li))) == NULL) {
		if (n)
			*rc = pt_error_oom(err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		const struct bjob *bj = &run->b[order[i]];
		size_t k;

		li[i].n = bj->kb - bj->ka + 1;
		li[i].i = order[i];
		any_all = any_all || bj->all;
		for (k = 0; k < bj->nneed && *rc == PT_OK; k++)
			if (pt_strmap_put(&u, bj->need[k], NULL) == PT_STRMAP_NONE)
				*rc = pt_error_oom(err);
	}
	qsort(li, n, sizeof(*li), cmp_len);
	all_nodes = any_all ? (double)(u.n > PT_SLICE_GUESS_NODES ? u.n : PT_SLICE_GUESS_NODES)
		: (double)u.n;
	best_cost = all_nodes;
	/* m upwards: the short jobs (n < 2m) only ever join. */
	for (m = 2; m <= MAX_BLOCK && *rc == PT_OK; m++) {
		double cost;

		for (; j < n && li[j].n < 2 * m && *rc == PT_OK; j++) {
			const struct bjob *bj = &run->b[li[j].i];
			size_t k;

			short_all = short_all || bj->all;
			for (k = 0; k < bj->nneed; k++)
				if (pt_strmap_put(&shortn, bj->need[k], NULL) == PT_STRMAP_NONE)
					*rc = pt_error_oom(err);
		}
		short_nodes = short_all ? all_nodes : (double)shortn.n;
		cost = all_nodes / (double)m + short_nodes;
		if (cost < best_cost) {
			best_cost = cost;
			best = m;
		}
	}
	free(li);
	pt_strmap_free(&u);
	pt_strmap_free(&shortn);
	return *rc == PT_OK ? best : 1;
}

int pt_batch_key_cmp(const void *a, const void *b)
{
	const struct pt_batch_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i ? 1 : 0;
}

/* After a failed fetch: the jobs not done are named as left without rows. */
static void mark_failed(struct run *run)
{
	size_t i;

	for (i = 0; i < run->jobs->n; i++)
		if (run->b[i].compute && !run->b[i].done)
			run->b[i].failed = true;
}

void pt_batch_result_clear(struct pt_batch_result *res)
{
	if (res == NULL)
		return;
	free(res->failed);
	memset(res, 0, sizeof(*res));
}

/* Nodes to ask for in a slice: the union over its active jobs, or every
 * node (NULL list) when one of them wants every node. */
static int slice_nodes(struct pt_strmap *u, bool *all, struct bjob *b, const size_t *active,
		size_t nactive, struct pt_error *err)
{
	size_t i, j;

	pt_strmap_free(u);
	*all = false;
	for (i = 0; i < nactive; i++) {
		const struct bjob *bj = &b[active[i]];
		if (bj->all) {
			*all = true;
			return PT_OK;
		}
		for (j = 0; j < bj->nneed; j++)
			if (pt_strmap_put(u, bj->need[j], NULL) == PT_STRMAP_NONE)
				return pt_error_oom(err);
	}
	return PT_OK;
}

/* Every window to compute against the intensity file of each node it names
 * (the top level's for jobs over every node): an uncovered one is an error
 * before anything is fetched. Files of nodes found only later are checked
 * when their rows are made (job_carbon). */
static int check_coverage(struct run *run, struct pt_error *err)
{
	const struct pt_intensity *top = pt_ctx_intensity(run->ctx, &run->ctx->cfg->power);
	size_t i, j;
	int rc;

	for (i = 0; i < run->jobs->n && run->ctx->nintensities > 0; i++) {
		const struct bjob *bj = &run->b[i];
		const struct pt_job *job = bj->job;

		if (!bj->compute)
			continue;
		if (bj->all && top &&
				(rc = pt_intensity_check(top, job->start_ms, job->end_ms, err)) != PT_OK)
			return rc;
		for (j = 0; j < bj->nneed; j++) {
			const struct pt_intensity *t = pt_carbon_table(run->ctx, bj->need[j]);
			if (t && (rc = pt_intensity_check(t, job->start_ms, job->end_ms, err)) != PT_OK)
				return rc;
		}
	}
	return PT_OK;
}

int pt_batch_run(struct pt_batch_result *res, struct pt_ctx *ctx, const struct pt_jobs *jobs,
		const struct pt_batch_opts *opts, struct pt_out *out, struct pt_error *err)
{
	struct run run;
	struct pt_strmap u = {0};
	size_t *order = NULL, *active = NULL, nactive = 0, ncompute = 0, nleft = 0, nfinished = 0;
	size_t i, j;
	int64_t (*segs)[2] = NULL;
	size_t nsegs = 0, seg;
	int64_t pos, block;
	int concurrency = pt_slice_concurrency(opts->concurrency);
	struct pt_slice_plan plan;
	int rc = PT_OK;
	bool all;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.ctx = ctx;
	run.jobs = jobs;
	run.prev = opts->prev;
	run.out = out;
	run.sink = opts->sink;
	run.res = res;
	if ((run.b = calloc(jobs->n ? jobs->n : 1, sizeof(*run.b))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = 0; i < jobs->n; i++) {
		if ((rc = plan_job(&run.b[i], &jobs->items[i], opts->prev, err)) != PT_OK)
			goto out;
		ncompute += run.b[i].compute;
	}
	res->jobs_computed = ncompute;
	if (ncompute == 0)
		goto flush;
	/* Windows an intensity file does not cover: before any query. */
	if ((rc = check_coverage(&run, err)) != PT_OK)
		goto out;

	/* The grid: step and the data's sample interval (see series.h). */
	if ((order = malloc(ncompute * sizeof(*order))) == NULL ||
			(active = malloc(ncompute * sizeof(*active))) == NULL ||
			(segs = malloc(ncompute * sizeof(*segs))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	for (i = j = 0; i < jobs->n; i++)
		if (run.b[i].compute)
			order[j++] = i;
	/* The nodes of every job to compute: for the scrape interval and the first slice. */
	if ((rc = slice_nodes(&u, &all, run.b, order, ncompute, err)) != PT_OK)
		goto out;
	/* Epoch-aligned (origin 0): the same points whatever the jobs. */
	pt_slice_grid(&run.grid, ctx, opts->scrape_ms, opts->step_ms, 0,
			all ? NULL : (const char *const *)u.keys, all ? 0 : u.n);
	res->step_ms = run.grid.step_ms;
	res->scrape_ms = run.grid.scrape_ms;

	/* Raw samples where the store allows it and the plan finds them
	 * cheaper (batch_raw.c); range queries on the grid for the rest. */
	rc = pt_batch_raw(&run, opts, order, ncompute, &nfinished, err);
	if (rc == PT_ENET) {
		mark_failed(&run);
		goto flush;
	}
	if (rc != PT_OK)
		goto out;
	for (i = nleft = 0; i < ncompute; i++)
		if (!run.b[order[i]].done)
			order[nleft++] = order[i];
	if (nleft == 0)
		goto flush;

	/* Grid points each job needs, merged into segments in time order. */
	for (i = 0; i < nleft; i++) {
		struct bjob *bj = &run.b[order[i]];
		/* From the first gauge sample at or after start (see pt_node_acc_add). */
		bj->ka = pt_grid_first(&run.grid, bj->job->start_ms - run.grid.scrape_ms);
		bj->kb = pt_grid_last(&run.grid, bj->job->end_ms);
	}
	{
		struct pt_batch_key *ki = malloc(nleft * sizeof(*ki));
		if (ki == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = 0; i < nleft; i++) {
			ki[i].key = run.b[order[i]].ka;
			ki[i].i = order[i];
		}
		qsort(ki, nleft, sizeof(*ki), pt_batch_key_cmp);
		for (i = 0; i < nleft; i++)
			order[i] = ki[i].i;
		free(ki);
	}
	for (i = 0; i < nleft; i++) {
		const struct bjob *bj = &run.b[order[i]];
		if (nsegs > 0 && bj->ka <= segs[nsegs - 1][1] + 1) {
			if (bj->kb > segs[nsegs - 1][1])
				segs[nsegs - 1][1] = bj->kb;
		} else {
			segs[nsegs][0] = bj->ka;
			segs[nsegs][1] = bj->kb;
			nsegs++;
		}
	}

	block = 1;
	if (!opts->every_point && (block = choose_block(&run, order, nleft, err, &rc)) < 1)
		block = 1;
	if (rc != PT_OK)
		goto out;

	/* First slice: sized for the nodes named, or a guess for "every node". */
	pt_slice_plan_init(&plan, ctx, opts->chunk_ms, run.grid.step_ms, u.n, all, MIN_SLICE_POINTS);

	j = 0; /* next job (in ka order) to activate */
	seg = 0;
	pos = segs[0][0];
	while (seg < nsegs) {
		struct pt_slice *s = NULL;
		int64_t k0 = pos, k1;
		size_t keep;

		k1 = k0 + pt_slice_plan_next(&plan);
		if (k1 > segs[seg][1] + 1)
			k1 = segs[seg][1] + 1;
		for (; j < nleft && run.b[order[j]].ka < k1; j++) {
			if ((rc = start_job(&run, &run.b[order[j]], err)) != PT_OK)
				goto out;
			active[nactive++] = order[j];
		}
		if ((rc = slice_nodes(&u, &all, run.b, active, nactive, err)) != PT_OK)
			goto out;
		rc = pt_slice_fetch_blocks(&s, ctx, &run.grid, k0, k1,
				all ? NULL : (const char *const *)u.keys, all ? 0 : u.n, block, concurrency, err);
		if (rc == PT_OK)
			rc = settle_blocks(&run, s, active, nactive, concurrency, err);
		if (rc != PT_OK)
			pt_slice_free(s);
		if (rc == PT_ENET) {
			/* Keep what is done; name the rest. */
			mark_failed(&run);
			goto flush;
		}
		if (rc != PT_OK)
			goto out;
		res->slices++;
		res->requests += s->requests;
		for (i = 0; i < nactive && rc == PT_OK; i++) {
			rc = accumulate(&run, &run.b[active[i]], s, err);
			/* Pieces whose points are all in: their sums, and their memory back. */
			if (rc == PT_OK)
				rc = finish_pieces(&run, &run.b[active[i]], k1, err);
		}
		/* The next slice's size: as many points as the budget allows for the
		 * tracks this one had. */
		pt_slice_plan_done(&plan, s->ntracks);
		pt_slice_free(s);
		if (rc != PT_OK)
			goto out;
		for (i = keep = 0; i < nactive; i++) {
			struct bjob *bj = &run.b[active[i]];
			if (bj->kb < k1) {
				if ((rc = finish_job(&run, bj, err)) != PT_OK)
					goto out;
				nfinished++;
			} else {
				active[keep++] = active[i];
			}
		}
		nactive = keep;
		if ((rc = pt_batch_write_ready(&run, false, err)) != PT_OK)
			goto out;
		if (opts->progress)
			opts->progress(opts->user, nfinished, ncompute);
		pos = k1;
		if (pos > segs[seg][1] && ++seg < nsegs)
			pos = segs[seg][0];
	}

flush:
	{
		struct pt_error werr = {0, ""};
		int wrc = pt_batch_write_ready(&run, true, &werr);

		/* Rows of the earlier run that match no job stay, at the end. */
		for (i = 0; wrc == PT_OK && out && opts->prev && i < opts->prev->n; i++) {
			const struct pt_prev_row *r = &opts->prev->rows[i];
			if (r->used)
				continue;
			if (!r->ok)
				res->missing = true;
			res->rows++;
			res->rows_kept++;
			wrc = pt_out_write(out, r->raw, strlen(r->raw), &werr);
		}
		if (wrc != PT_OK) {
			*err = werr;
			rc = wrc;
			goto out;
		}
	}
	for (i = 0; i < jobs->n; i++)
		if (run.b[i].failed)
			res->nfailed++;
	if (res->nfailed) {
		if ((res->failed = malloc(res->nfailed * sizeof(*res->failed))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = j = 0; i < jobs->n; i++)
			if (run.b[i].failed)
				res->failed[j++] = i;
	}
	if (opts->progress && rc == PT_OK)
		opts->progress(opts->user, nfinished, ncompute);
out:
	if (run.b)
		for (i = 0; i < jobs->n; i++)
			bjob_clear(&run.b[i]);
	free(run.b);
	free(order);
	free(active);
	free(segs);
	pt_strmap_free(&u);
	return rc;
}
