/* export.c - per-step rows of utilisation, power and cumulative energy, fetched and written one time slice at a time. */
#include "export.h"

#include <math.h>
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

void pt_export_result_clear(struct pt_export_result *res)
{
	if (res == NULL)
		return;
	free(res->missing);
	pt_buf_free(&res->warnings);
	memset(res, 0, sizeof(*res));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct node_state {
	double energy_wh;  /* cumulative since start */
	double co2_g;      /* the same for CO2 */
	bool seen;
};

int pt_export_run(struct pt_export_result *res, struct pt_ctx *ctx,
		const struct pt_export_opts *opts, struct pt_out *out, struct pt_error *err)
{
	struct pt_grid g;
	struct pt_strmap known = {0};     /* nodes with rows: requested, or seen so far */
	struct node_state *st = NULL;
	size_t stcap = 0;
	const char **order = NULL;        /* known, in row order */
	struct pt_node_obs *obs = NULL;
	struct pt_buf b = {0};
	int64_t nsteps, k0, end_ms;
	int concurrency = pt_slice_concurrency(opts->concurrency);
	struct pt_slice_plan plan;
	size_t i;
	int rc = PT_OK;

	memset(res, 0, sizeof(*res));
	if (opts->end_ms <= opts->start_ms)
		return pt_error_set(err, PT_EUSAGE, "the export's end must be after its start");

	pt_slice_grid(&g, ctx, opts->scrape_ms, opts->step_ms, opts->start_ms, opts->nodes,
			opts->nnodes);
	res->step_ms = g.step_ms;
	res->scrape_ms = g.scrape_ms;
	/* The last scrape interval before now may not be scraped yet on every
	 * target: rows stop before it, not half filled. */
	end_ms = opts->end_ms;
	if (end_ms > pt_now_ms() - g.scrape_ms)
		end_ms = pt_now_ms() - g.scrape_ms;
	if (end_ms < opts->start_ms)
		end_ms = opts->start_ms;
	nsteps = (end_ms - opts->start_ms) / g.step_ms + 1; /* points 0 .. n, t_n <= end */
	res->steps = (size_t)nsteps;
	/* The intensity files the rows will need, before any query. */
	for (i = 0; i < (opts->nnodes ? opts->nnodes : 1) && ctx->nintensities > 0; i++) {
		const struct pt_intensity *t = opts->nnodes ? pt_carbon_table(ctx, opts->nodes[i]) :
			pt_ctx_intensity(ctx, &ctx->cfg->power);
		if (t && (rc = pt_intensity_check(t, opts->start_ms, opts->start_ms +
				(nsteps - 1) * g.step_ms, err)) != PT_OK)
			return rc;
	}

	for (i = 0; i < opts->nnodes; i++)
		if (pt_strmap_put(&known, opts->nodes[i], NULL) == PT_STRMAP_NONE) {
			rc = pt_error_oom(err);
			goto out;
		}
	if ((st = calloc(known.n ? known.n : 1, sizeof(*st))) == NULL) {
		rc = pt_error_oom(err);
		goto out;
	}
	stcap = known.n ? known.n : 1;

	pt_slice_plan_init(&plan, ctx, opts->chunk_ms, g.step_ms, opts->nnodes, opts->nnodes == 0, 1);

	for (k0 = 0; k0 < nsteps;) {
		struct pt_slice *s = NULL;
		int64_t k1, k, points = pt_slice_plan_next(&plan);
		size_t n;

		k1 = k0 + points < nsteps ? k0 + points : nsteps;
		if ((rc = pt_slice_fetch(&s, ctx, &g, k0, k1, opts->nodes, opts->nnodes, concurrency,
				err)) != PT_OK)
			goto out;
		res->slices++;
		res->requests += s->requests;
		if (s->warnings.len && (rc = pt_prom_warning_merge(&res->warnings, s->warnings.data, err)) != PT_OK) {
			pt_slice_free(s);
			goto out;
		}
		if (opts->nnodes == 0) {
			/* Every node with data: the ones this slice brings join the rows. */
			bool grew = false;
			for (i = 0; i < s->nodes.n; i++) {
				bool added;
				if (!pt_slice_node_has_data(s, i))
					continue;
				if (pt_strmap_put(&known, s->nodes.keys[i], &added) == PT_STRMAP_NONE) {
					pt_slice_free(s);
					rc = pt_error_oom(err);
					goto out;
				}
				grew = grew || added;
			}
			if (grew) {
				const char **o = realloc(order, known.n * sizeof(*o));
				struct node_state *ns = NULL;
				size_t j;
				if (o != NULL)
					order = o;
				if (o != NULL && known.n > stcap &&
						(ns = realloc(st, known.n * sizeof(*ns))) != NULL) {
					for (j = stcap; j < known.n; j++)
						memset(&ns[j], 0, sizeof(*ns));
					st = ns;
					stcap = known.n;
				}
				if (o == NULL || known.n > stcap) {
					pt_slice_free(s);
					rc = pt_error_oom(err);
					goto out;
				}
				for (j = 0; j < known.n; j++)
					order[j] = known.keys[j];
				qsort(order, known.n, sizeof(*order), cmp_str);
			}
		} else if (order == NULL) {
			if ((order = malloc(known.n * sizeof(*order))) == NULL) {
				pt_slice_free(s);
				rc = pt_error_oom(err);
				goto out;
			}
			for (i = 0; i < known.n; i++)
				order[i] = known.keys[i];
		}
		n = known.n;
		free(obs);
		if ((obs = calloc(n ? n : 1, sizeof(*obs))) == NULL) {
			pt_slice_free(s);
			rc = pt_error_oom(err);
			goto out;
		}
		pt_buf_reset(&b);
		for (k = k0; k < k1 && rc == PT_OK; k++) {
			struct pt_row *rows = NULL;
			size_t nrows = 0;
			struct pt_window w;
			struct pt_rowref ref;

			memset(&w, 0, sizeof(w));
			w.start_ms = pt_grid_time(&g, k) - g.step_ms;
			w.end_ms = pt_grid_time(&g, k);
			w.store_warning = s->warnings.len ? s->warnings.data : NULL;
			memset(&ref, 0, sizeof(ref));
			ref.time_ms = w.end_ms;
			for (i = 0; i < n && rc == PT_OK; i++) {
				if ((rc = pt_slice_point_obs(&obs[i], s, order[i], k, err)) != PT_OK)
					n = i; /* only those made are cleared */
			}
			if (rc == PT_OK)
				rc = pt_report_model(&rows, &nrows, ctx, &w, obs, n, err);
			/* Intensity over time: the point's step at its mean (point 0, the
			 * step before start, adds nothing: at start). */
			if (rc == PT_OK && pt_carbon_varies(ctx))
				rc = pt_carbon_apply_mean(rows, nrows, ctx, k > 0 ? w.start_ms : w.end_ms,
						w.end_ms, err);
			for (i = 0; i < nrows && rc == PT_OK; i++) {
				struct node_state *ns = &st[pt_strmap_get(&known, order[i])];
				bool has = obs[i].any && isfinite(rows[i].power_w);

				if (has) {
					ns->seen = true;
					/* Point 0 is the step before start: no energy since start yet. */
					if (k > 0 && isfinite(rows[i].energy_wh))
						ns->energy_wh += rows[i].energy_wh;
					if (k > 0 && isfinite(rows[i].co2_g))
						ns->co2_g += rows[i].co2_g;
				}
				ref.row = &rows[i];
				ref.has = has;
				ref.cum_wh = ns->energy_wh;
				ref.cum_co2_g = ns->co2_g;
				rc = opts->sink ? pt_sink_put(opts->sink, &ref, err)
					: pt_csv_row(&b, &pt_schema_export, &ref, err);
				res->rows++;
			}
			pt_rows_free(rows, nrows);
			for (i = 0; i < n; i++)
				pt_node_obs_clear(&obs[i]);
		}
		/* A slice without data says nothing of the next: as many points as may be. */
		if (s->ntracks == 0)
			plan.points = plan.chunk_points;
		pt_slice_plan_done(&plan, s->ntracks);
		pt_slice_free(s);
		if (rc != PT_OK)
			goto out;
		/* Written slice by slice: memory stays flat however long the span. */
		if (b.len && out && (rc = pt_out_write(out, b.data, b.len, err)) != PT_OK)
			goto out;
		k0 = k1;
	}

	if (opts->nnodes > 0) {
		if ((res->missing = malloc(opts->nnodes * sizeof(*res->missing))) == NULL) {
			rc = pt_error_oom(err);
			goto out;
		}
		for (i = 0; i < opts->nnodes; i++)
			if (!st[pt_strmap_get(&known, opts->nodes[i])].seen)
				res->missing[res->nmissing++] = opts->nodes[i];
	} else {
		res->no_nodes = known.n == 0;
	}
out:
	free(obs);
	free(order);
	free(st);
	pt_strmap_free(&known);
	pt_buf_free(&b);
	return rc;
}
